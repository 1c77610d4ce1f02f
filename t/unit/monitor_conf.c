/*
 * t/unit/monitor_conf.c - the config file into the model: what a good file
 * gives, and what an operator reads when a file is wrong (file:line, the
 * object, the key, what was expected).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "monitor/model.h"

static char	path[64];

static const char *
write_conf(const char *text)
{
	int	fd;

	snprintf(path, sizeof(path), "/tmp/lvsmon-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static const char *good =
    "global = { backend = \"none\"; control_socket = \"/tmp/x.sock\"; };\n"
    "services = (\n"
    "  {\n"
    "    name = \"web\";\n"
    "    address = \"203.0.113.10\"; port = 80; protocol = \"tcp\";\n"
    "    scheduler = \"wrr\"; forward = \"nat\";\n"
    "    check = { type = \"http\"; path = \"/health\";\n"
    "              expect_status = \"200-299\";\n"
    "              interval = 1.0; timeout = 0.5; rise = 2; fall = 3; };\n"
    "    real_servers = (\n"
    "      { address = \"198.51.100.11\"; port = 8080; weight = 100; },\n"
    "      { address = \"198.51.100.12\"; port = 8080; weight = 50;\n"
    "        check = { type = \"tcp\"; interval = 3; }; }\n"
    "    );\n"
    "  },\n"
    "  { name = \"v6\"; address = \"2001:db8:ff::10\"; port = 443;\n"
    "    real_servers = ( { address = \"2001:db8:2::11\"; } ); }\n"
    ");\n";

static void
good_file_gives_services_reals_and_inherited_checks(void **state)
{
	struct mon_model	 m;
	struct err		 e = { "" };
	struct mon_service	*s;
	struct mon_real		*r;

	(void)state;
	assert_int_equal(mon_model_load(&m, write_conf(good), &e), 0);
	unlink(path);
	assert_int_equal(m.global.backend, MON_BACKEND_NONE);
	assert_string_equal(m.global.control_socket, "/tmp/x.sock");
	/* defaults: restart-friendly */
	assert_int_equal(m.global.on_exit, MON_ON_EXIT_KEEP);
	assert_int_equal(m.global.reconcile_ms, 30000);
	assert_int_equal(m.nsvcs, 2);
	s = mon_model_service(&m, "web");
	assert_non_null(s);
	assert_int_equal(s->port, 80);
	assert_string_equal(s->key, "tcp/203.0.113.10:80");
	assert_int_equal(s->nreals, 2);

	r = mon_model_real(s, "198.51.100.11:8080");
	assert_non_null(r);
	assert_int_equal(r->weight, 100);
	assert_string_equal(r->probe->type->name, "http");
	assert_int_equal(r->probe->interval_ms, 1000);
	assert_int_equal(r->probe->timeout_ms, 500);
	assert_int_equal(r->probe->rise, 2);
	assert_int_equal(r->probe->fall, 3);
	assert_string_equal(r->probe->name, "198.51.100.11:8080");

	/* the second real overrides type and interval, inherits the rest */
	r = mon_model_real(s, "198.51.100.12:8080");
	assert_string_equal(r->probe->type->name, "tcp");
	assert_int_equal(r->probe->interval_ms, 3000);
	assert_int_equal(r->probe->timeout_ms, 500);
	assert_int_equal(r->probe->fall, 3);

	/* a new server is down until its first check; ids are distinct */
	assert_int_equal(r->state, MON_RS_DOWN);
	assert_int_equal(r->eff_weight, 0);
	assert_int_not_equal(s->reals[0].id, s->reals[1].id);

	/* IPv6, default port and weight, no check at all: always up */
	s = mon_model_service(&m, "v6");
	r = mon_model_real(s, "[2001:db8:2::11]:443");
	assert_non_null(r);
	assert_null(r->probe);
	assert_int_equal(r->weight, 1);
	assert_int_equal(r->state, MON_RS_UP);
	assert_int_equal(r->eff_weight, 1);
	/* lookups take any spelling of the same address */
	assert_non_null(mon_model_real(s, "[2001:db8:2:0::11]:443"));
	mon_model_free(&m);
}

struct bad {
	const char	*why;
	const char	*text;
	const char	*expect[3];	/* substrings of the message */
};

static const struct bad bads[] = {
	{ "syntax error", "services = ( { name = \"a\" } \n",
	  { ":2: syntax error", NULL } },
	{ "unknown top-level key", "global = {};\nservice = ();\n",
	  { ":2: top level: service: unknown key", NULL } },
	{ "weight out of range",
	  "services = ( { name = \"web\"; address = \"192.0.2.1\";\n"
	  "  port = 80; real_servers = (\n"
	  "  { address = \"198.51.100.1\"; weight = 70000; } ); } );\n",
	  { ":3: service web: real #1: weight: 70000 not in 0..65535",
	    NULL } },
	{ "bad address",
	  "services = ( { name = \"web\";\n address = \"www.example\";\n"
	  "  port = 80; real_servers = ( { address = \"198.51.100.1\"; } );"
	  " } );\n",
	  { ":2: service #1: address:", "IPv4 or IPv6", NULL } },
	{ "unknown check type",
	  "services = ( { name = \"web\"; address = \"192.0.2.1\";\n"
	  "  port = 80;\n  check = { type = \"gopher\"; };\n"
	  "  real_servers = ( { address = \"198.51.100.1\"; } ); } );\n",
	  { ":3: service web: check.type: unknown check type \"gopher\"",
	    "tcp", NULL } },
	{ "interval of the wrong type",
	  "services = ( { name = \"web\"; address = \"192.0.2.1\";\n"
	  "  port = 80; check = { type = \"tcp\";\n"
	  "  interval = \"fast\"; };\n"
	  "  real_servers = ( { address = \"198.51.100.1\"; } ); } );\n",
	  { ":3: service web: check.interval: expected seconds", NULL } },
	{ "unknown key in a real's check",
	  "services = ( { name = \"web\"; address = \"192.0.2.1\";\n"
	  "  port = 80; check = { type = \"tcp\"; };\n"
	  "  real_servers = ( { address = \"198.51.100.1\";\n"
	  "  check = { pth = \"/\"; }; } ); } );\n",
	  { ":4: service web: real 198.51.100.1:80: pth: unknown key", NULL } },
	{ "http key on a tcp check",
	  "services = ( { name = \"web\"; address = \"192.0.2.1\";\n"
	  "  port = 80; check = { type = \"tcp\";\n  path = \"/\"; };\n"
	  "  real_servers = ( { address = \"198.51.100.1\"; } ); } );\n",
	  { ":3: service web: path: unknown key in check", NULL } },
	{ "family mismatch",
	  "services = ( { name = \"web\"; address = \"192.0.2.1\";\n"
	  "  port = 80; real_servers = ( { address = \"2001:db8::1\"; } );"
	  " } );\n",
	  { "service web: real [2001:db8::1]:80: address: is IPv6 but the "
	    "service is IPv4", NULL } },
	{ "duplicate real",
	  "services = ( { name = \"web\"; address = \"192.0.2.1\";\n"
	  "  port = 80; real_servers = ( { address = \"198.51.100.1\"; },\n"
	  "  { address = \"198.51.100.1\"; } ); } );\n",
	  { ":3: service web: real 198.51.100.1:80: duplicate real server "
	    "(first at line 2)", NULL } },
	{ "duplicate service",
	  "services = ( { name = \"web\"; address = \"192.0.2.1\";\n"
	  "  port = 80; real_servers = ( { address = \"198.51.100.1\"; } ); },\n"
	  " { name = \"web2\"; address = \"192.0.2.1\"; port = 80;\n"
	  "  real_servers = ( { address = \"198.51.100.1\"; } ); } );\n",
	  { "service web2: same address, port and protocol as service web",
	    NULL } },
	{ "bad expect_status",
	  "services = ( { name = \"web\"; address = \"192.0.2.1\";\n"
	  "  port = 80; check = { type = \"http\";\n"
	  "  expect_status = \"2xx\"; };\n"
	  "  real_servers = ( { address = \"198.51.100.1\"; } ); } );\n",
	  { ":3: service web: check.expect_status:", NULL } },
	{ "no real servers",
	  "services = ( { name = \"web\"; address = \"192.0.2.1\";\n"
	  "  port = 80; real_servers = (); } );\n",
	  { "service web: real_servers: expected a list", NULL } },
	{ "missing port",
	  "services = ( { name = \"web\"; address = \"192.0.2.1\";\n"
	  "  real_servers = ( { address = \"198.51.100.1\"; } ); } );\n",
	  { "service #1: port: is required", NULL } },
	{ "agent without a port",
	  "services = ( { name = \"web\"; address = \"192.0.2.1\"; port = 80;\n"
	  "  agent = { interval = 2; };\n"
	  "  real_servers = ( { address = \"198.51.100.1\"; } ); } );\n",
	  { ":2: service web: real 198.51.100.1:80: port: is required",
	    NULL } },
	{ "typo in a real's agent block",
	  "services = ( { name = \"web\"; address = \"192.0.2.1\"; port = 80;\n"
	  "  real_servers = ( { address = \"198.51.100.1\";\n"
	  "    agent = { port = 10000; sned = \"x\"; }; } ); } );\n",
	  { ":3: service web: real 198.51.100.1:80: sned: unknown key in agent",
	    NULL } },
	{ "weight_file placeholder",
	  "services = ( { name = \"web\"; address = \"192.0.2.1\"; port = 80;\n"
	  "  weight_file = \"/run/w/%a:%q\";\n"
	  "  real_servers = ( { address = \"198.51.100.1\"; } ); } );\n",
	  { ":2: service web: real 198.51.100.1:80: weight_file: unknown "
	    "placeholder %q", NULL } },
	{ "relative weight_file",
	  "services = ( { name = \"web\"; address = \"192.0.2.1\"; port = 80;\n"
	  "  real_servers = ( { address = \"198.51.100.1\";\n"
	  "    weight_file = \"w/x\"; } ); } );\n",
	  { ":3: service web: real 198.51.100.1:80: weight_file: \"w/x\": "
	    "expected an absolute path", NULL } },
	{ "bad backend",
	  "global = {\n backend = \"lvs\"; };\n",
	  { ":2: global: backend: \"lvs\" is not one of auto, ipvs, nft, none",
	    NULL } },
	{ "bad on_exit",
	  "global = {\n on_exit = \"drop\"; };\n",
	  { ":2: global: on_exit: \"drop\" is not one of keep, flush", NULL } },
	{ "reconcile too often",
	  "global = { backend = \"none\";\n reconcile_interval = 0.2; };\n",
	  { ":2: global: reconcile_interval: expected 0 (off) or at least 1 s",
	    NULL } },
	{ "reconcile negative",
	  "global = {\n reconcile_interval = -1; };\n",
	  { ":2: global: reconcile_interval: -1 s not in 0..86400 s", NULL } },
};

static void
bad_files_are_refused_with_file_line_and_key(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct mon_model	m;
		struct err		e = { "" };
		const char		*f = write_conf(bads[i].text);
		int			rc = mon_model_load(&m, f, &e);

		unlink(path);
		if (rc == 0) {
			mon_model_free(&m);
			fail_msg("%s: accepted", bads[i].why);
		}
		/* every message starts with the file's name */
		if (strncmp(e.msg, f, strlen(f)) != 0)
			fail_msg("%s: message does not start with %s: %s",
			    bads[i].why, f, e.msg);
		for (size_t k = 0; bads[i].expect[k] != NULL; k++)
			if (strstr(e.msg, bads[i].expect[k]) == NULL)
				fail_msg("%s: expected \"%s\" in \"%s\"",
				    bads[i].why, bads[i].expect[k], e.msg);
		/* nothing of a refused file is left behind */
		assert_int_equal(m.nsvcs, 0);
		assert_null(m.svcs);
	}
}

static void
agent_and_weight_file_are_inherited_and_expanded(void **state)
{
	struct mon_model	 m;
	struct err		 e = { "" };
	struct mon_real		*a, *b;
	const char		*f;

	(void)state;
	f = write_conf(
	    "global = { maintenance_dir = \"/run/lvsmon/maint\"; };\n"
	    "services = ( { name = \"web\"; address = \"203.0.113.10\";\n"
	    "  port = 80; agent = { port = 10000; interval = 0.5; };\n"
	    "  weight_file = \"/run/w/%n-%a:%p\";\n"
	    "  real_servers = ( { address = \"198.51.100.11\"; port = 8080; },\n"
	    "    { address = \"198.51.100.12\"; weight_file = \"/d/\";\n"
	    "      agent = { port = 10001; send = \"web\\n\"; }; } ); } );\n");
	if (mon_model_load(&m, f, &e) < 0)
		fail_msg("%s", e.msg);
	unlink(path);
	assert_string_equal(m.global.maintenance_dir, "/run/lvsmon/maint");
	a = &m.svcs[0].reals[0];
	b = &m.svcs[0].reals[1];
	assert_null(a->probe);
	assert_non_null(a->agent);
	assert_int_equal(a->agent->port, 10000);
	assert_int_equal(a->agent->interval_ms, 500);
	assert_int_equal(a->agent->timeout_ms, 1000);
	assert_string_equal(a->agent->name, "198.51.100.11:10000");
	assert_string_equal(a->ws.file.path, "/run/w/web-198.51.100.11:8080");
	/* the real's own block overrides key by key */
	assert_int_equal(b->agent->port, 10001);
	assert_int_equal(b->agent->interval_ms, 500);
	assert_string_equal(*(char **)b->agent->conf, "web\n");
	assert_string_equal(b->ws.file.path, "/d/198.51.100.12:80");
	mon_model_free(&m);
}

static void
missing_file_says_so(void **state)
{
	struct mon_model	m;
	struct err		e = { "" };

	(void)state;
	assert_true(mon_model_load(&m, "/nonexistent/lvsmond.conf", &e) < 0);
	assert_non_null(strstr(e.msg, "/nonexistent/lvsmond.conf: cannot "
	    "read"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_file_gives_services_reals_and_inherited_checks),
		cmocka_unit_test(bad_files_are_refused_with_file_line_and_key),
		cmocka_unit_test(agent_and_weight_file_are_inherited_and_expanded),
		cmocka_unit_test(missing_file_says_so),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * t/unit/checkers_exec.c - the exec check as an operator configures it:
 * the config file goes through the real loader (mon_model_load), so the
 * keys, their inheritance from the service's check and the error messages
 * are the daemon's.  The programs are /bin/sh scripts and, when the
 * monitoring-plugins package is installed, check_tcp against a listener on
 * 127.0.0.1.  Every wait has a deadline.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <event2/event.h>

#include "checkers/spawn.h"
#include "monitor/model.h"
#include "monitor/probe.h"

#define DEADLINE_S	10
#define CHECK_TCP	"/usr/lib/nagios/plugins/check_tcp"

struct ctx {
	struct event_base	*base;
	struct mon_model	 m;
	int			 loaded;
	char			 path[64];
	struct event		*deadline;
	int			 done;
	struct probe_result	 res;
	struct probe		*waiting;	/* NULL: break on any */
};

static struct ctx	*cur;

static void
on_done(struct probe *p, const struct probe_result *r)
{
	assert_null(p->run);
	p->running = 0;
	if (cur->waiting != NULL && p != cur->waiting)
		return;
	cur->done++;
	cur->res = *r;
	event_base_loopbreak(cur->base);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

static int
setup(void **state)
{
	struct ctx	*c = calloc(1, sizeof(*c));

	c->base = event_base_new();
	c->deadline = evtimer_new(c->base, on_deadline, c->base);
	cur = c;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx	*c = *state;

	for (size_t i = 0; c->loaded && i < c->m.nsvcs; i++)
		for (size_t j = 0; j < c->m.svcs[i].nreals; j++) {
			struct probe *p = c->m.svcs[i].reals[j].probe;

			if (p != NULL && p->run != NULL)
				p->type->cancel(p);
		}
	if (c->loaded)
		mon_model_free(&c->m);
	assert_int_equal(chk_spawn_drain(c->base, 2000), 0);
	event_free(c->deadline);
	event_base_free(c->base);
	free(c);
	return 0;
}

/* Load a config whose services are given; returns mon_model_load's rc. */
static int
load(struct ctx *c, const char *services, struct err *e)
{
	FILE	*f;
	int	 fd, rc;

	snprintf(c->path, sizeof(c->path), "/tmp/lvsmon-exec-XXXXXX");
	fd = mkstemp(c->path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "global = { backend = \"none\"; "
	    "control_socket = \"/tmp/lvsmon-exec.sock\"; };\n"
	    "services = (\n%s\n);\n", services);
	fclose(f);
	rc = mon_model_load(&c->m, c->path, e);
	unlink(c->path);
	c->loaded = rc == 0;
	return rc;
}

static struct probe *
probe_of(struct ctx *c, const char *svc, const char *key)
{
	struct mon_service	*s = mon_model_service(&c->m, svc);
	struct mon_real		*r;

	assert_non_null(s);
	r = mon_model_real(s, key);
	assert_non_null(r);
	assert_non_null(r->probe);
	r->probe->base = c->base;
	r->probe->on_done = on_done;
	return r->probe;
}

/* One run of p; the result is in c->res. */
static void
run(struct ctx *c, struct probe *p)
{
	struct timeval	tv = { DEADLINE_S, 0 };

	c->done = 0;
	c->waiting = p;
	evtimer_add(c->deadline, &tv);
	p->running = 1;
	assert_int_equal(p->type->start(p), 0);
	if (!c->done)
		event_base_dispatch(c->base);
	evtimer_del(c->deadline);
	assert_int_equal(c->done, 1);
}

/* A service "web" on 203.0.113.10:80 whose one real 127.0.0.1:8080
   (weight w) runs sh -c script with the extra keys. */
static struct probe *
sh_probe(struct ctx *c, int w, const char *script, const char *keys)
{
	char		 buf[2048];
	struct err	 e = { "" };

	snprintf(buf, sizeof(buf),
	    "{ name = \"web\"; address = \"203.0.113.10\"; port = 80;\n"
	    "  check = { type = \"exec\"; command = \"/bin/sh\";\n"
	    "    args = [\"-c\", \"%s\", \"sh\", \"%%a\", \"%%p\", \"%%v\","
	    " \"%%P\", \"%%n\", \"%%w\", \"%%t\", \"100%%%%\"];\n"
	    "    %s %s };\n"
	    "  real_servers = ( { address = \"127.0.0.1\"; port = 8080;"
	    " weight = %d; } ); }", script,
	    strstr(keys, "timeout") ? "" : "timeout = 2;", keys, w);
	if (load(c, buf, &e) != 0)
		fail_msg("load: %s", e.msg);
	return probe_of(c, "web", "127.0.0.1:8080");
}

static void
exit_0_is_ok_and_the_first_line_is_the_message(void **state)
{
	struct ctx	*c = *state;
	struct probe	*p = sh_probe(c, 10, "echo 'OK - fine|t=1s;;'; "
			    "echo second line; exit 0", "");

	run(c, p);
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_int_equal(c->res.reason, CHK_R_OK);
	assert_int_equal(c->res.weight_hint, -1);
	assert_string_equal(c->res.msg, "OK - fine|t=1s;;");
}

static void
placeholders_and_environment_reach_the_plugin(void **state)
{
	struct ctx	*c = *state;
	struct probe	*p = sh_probe(c, 10, "echo \\\"$*|$LVSMON_REAL_ADDR "
			    "$LVSMON_REAL_PORT $LVSMON_VIRTUAL_ADDR "
			    "$LVSMON_VIRTUAL_PORT $LVSMON_SERVICE "
			    "$LVSMON_WEIGHT $LVSMON_TIMEOUT_MS\\\"", "");

	run(c, p);
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_string_equal(c->res.msg, "127.0.0.1 8080 203.0.113.10 80 web "
	    "10 2 100%|127.0.0.1 8080 203.0.113.10 80 web 10 2000");
}

static void
warning_is_up_with_the_weight_cut_by_the_factor(void **state)
{
	struct ctx	*c = *state;
	struct probe	*p = sh_probe(c, 100, "echo 'WARNING - slow'; exit 1",
			    "warning_factor = 0.3;");

	run(c, p);
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_int_equal(c->res.reason, CHK_R_WARNING);
	assert_int_equal(c->res.weight_hint, 30);
	assert_string_equal(c->res.msg, "WARNING - slow");
}

static void
warning_keeps_weight_1_by_default(void **state)
{
	struct ctx	*c = *state;
	struct probe	*p = sh_probe(c, 1, "exit 1", "");

	run(c, p);
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_int_equal(c->res.reason, CHK_R_WARNING);
	assert_int_equal(c->res.weight_hint, 1);
	assert_string_equal(c->res.msg, "exec: exit 1");
}

static void
critical_is_down_with_perfdata_kept(void **state)
{
	struct ctx	*c = *state;
	struct probe	*p = sh_probe(c, 5, "echo 'CRITICAL - refused | "
			    "time=0.1s;1;2;0;10'; exit 2", "");

	run(c, p);
	assert_int_equal(c->res.verdict, CHK_V_FAIL);
	assert_int_equal(c->res.reason, CHK_R_CRITICAL);
	assert_string_equal(c->res.msg,
	    "CRITICAL - refused | time=0.1s;1;2;0;10");
}

static void
unknown_and_odd_codes_are_unknown(void **state)
{
	struct ctx	*c = *state;
	struct probe	*p = sh_probe(c, 5, "echo 'UNKNOWN - bad args' >&2; "
			    "exit ${LVSMON_WEIGHT}", "");

	run(c, p);	/* weight 5: exit 5 */
	assert_int_equal(c->res.verdict, CHK_V_UNKNOWN);
	assert_int_equal(c->res.reason, CHK_R_UNKNOWN);
	/* stdout was empty: stderr's first line */
	assert_string_equal(c->res.msg, "UNKNOWN - bad args");
	mon_model_free(&c->m);
	c->loaded = 0;
	p = sh_probe(c, 3, "exit 3", "");
	run(c, p);
	assert_int_equal(c->res.reason, CHK_R_UNKNOWN);
	assert_string_equal(c->res.msg, "exec: exit 3");
}

static void
a_hung_plugin_is_killed_before_the_deadline(void **state)
{
	struct ctx	*c = *state;
	struct probe	*p;
	struct timespec	 t0, t1;
	long		 ms;

	p = sh_probe(c, 1, "echo started; trap '' TERM; sleep 30",
	    "timeout = 0.4;");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run(c, p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_int_equal(c->res.verdict, CHK_V_UNKNOWN);
	assert_int_equal(c->res.reason, CHK_R_UNKNOWN);
	assert_non_null(strstr(c->res.msg, "exec: killed at timeout after "));
	assert_non_null(strstr(c->res.msg, ": started"));
	/* TERM at 300 ms, KILL at 350 ms: before the 400 ms deadline;
	   generous bound, it proves only that nothing waited for sleep */
	assert_true(ms < 2000);
}

static void
ldirectord_style_appends_vip_vport_rip_rport_nonzero_is_down(void **state)
{
	struct ctx	*c = *state;
	struct err	 e = { "" };
	struct probe	*p;

	assert_int_equal(load(c,
	    "{ name = \"mail\"; address = \"203.0.113.25\"; port = 25;\n"
	    "  check = { type = \"exec\"; command = \"/bin/echo\";\n"
	    "    argv_style = \"ldirectord\"; args = [\"extra\"]; };\n"
	    "  real_servers = (\n"
	    "    { address = \"198.51.100.11\"; port = 2525; },\n"
	    "    { address = \"198.51.100.12\"; check = { type = \"exec\";\n"
	    "      command = \"/bin/false\"; argv_style = \"haproxy\"; }; }"
	    " ); }", &e), 0);
	p = probe_of(c, "mail", "198.51.100.11:2525");
	run(c, p);
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_string_equal(c->res.msg,
	    "extra 203.0.113.25 25 198.51.100.11 2525");
	p = probe_of(c, "mail", "198.51.100.12:25");
	run(c, p);
	assert_int_equal(c->res.verdict, CHK_V_FAIL);
	assert_int_equal(c->res.reason, CHK_R_CRITICAL);
	assert_string_equal(c->res.msg, "exec: exit 1");
}

/* keepalived's MISC_CHECK: argv as written, 0 up, else down; with
   misc_dynamic 1 is down and 2..255 up at weight code - 2. */
static void
keepalived_styles_judge_as_misc_check_does(void **state)
{
	struct ctx	*c = *state;
	struct err	 e = { "" };
	struct probe	*p;
	static const struct { const char *style, *code; int verdict, hint;
	    const char *msg; } cases[] = {
		{ "keepalived", "0", CHK_V_OK, -1, "exec: exit 0" },
		{ "keepalived", "1", CHK_V_FAIL, -1, "exec: exit 1" },
		{ "keepalived", "7", CHK_V_FAIL, -1, "exec: exit 7" },
		{ "keepalived_dynamic", "0", CHK_V_OK, -1, "exec: exit 0" },
		{ "keepalived_dynamic", "1", CHK_V_FAIL, -1, "exec: exit 1" },
		{ "keepalived_dynamic", "7", CHK_V_OK, 5, "exec: exit 7" },
		{ "keepalived_dynamic", "2", CHK_V_OK, 0, "exec: exit 2" },
	};
	char		 buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (c->loaded)
			mon_model_free(&c->m);
		snprintf(buf, sizeof(buf),
		    "{ name = \"app\"; address = \"203.0.113.30\"; "
		    "port = 80;\n  check = { type = \"exec\"; "
		    "command = \"/bin/sh\"; argv_style = \"%s\";\n"
		    "    args = [\"-c\", \"exit %s\"]; };\n"
		    "  real_servers = ( { address = \"198.51.100.11\"; "
		    "weight = 20; } ); }", cases[i].style, cases[i].code);
		assert_int_equal(load(c, buf, &e), 0);
		p = probe_of(c, "app", "198.51.100.11:80");
		run(c, p);
		assert_int_equal(c->res.verdict, cases[i].verdict);
		assert_int_equal(c->res.weight_hint, cases[i].hint);
		/* nothing appended: sh -c "exit N" exits N */
		assert_string_equal(c->res.msg, cases[i].msg);
	}
}

static void
haproxy_style_sets_its_environment(void **state)
{
	struct ctx	*c = *state;
	struct err	 e = { "" };
	struct probe	*p;

	assert_int_equal(load(c,
	    "{ name = \"app\"; address = \"203.0.113.30\"; port = 443;\n"
	    "  check = { type = \"exec\"; command = \"/bin/sh\";\n"
	    "    argv_style = \"haproxy\"; args = [\"-c\", \"echo $0 $1 $2 "
	    "$3 $HAPROXY_SERVER_NAME $HAPROXY_PROXY_NAME\"]; };\n"
	    "  real_servers = ( { address = \"198.51.100.11\"; port = 8443; }"
	    " ); }", &e), 0);
	p = probe_of(c, "app", "198.51.100.11:8443");
	run(c, p);
	assert_int_equal(c->res.verdict, CHK_V_OK);
	/* sh -c CMD VIP VPORT RIP RPORT: $0 is the VIP */
	assert_string_equal(c->res.msg, "203.0.113.30 443 198.51.100.11 8443 "
	    "198.51.100.11:8443 app");
}

static void
args_are_inherited_from_the_services_check(void **state)
{
	struct ctx	*c = *state;
	struct err	 e = { "" };
	struct probe	*p;

	assert_int_equal(load(c,
	    "{ name = \"web\"; address = \"203.0.113.10\"; port = 80;\n"
	    "  check = { type = \"exec\"; command = \"/bin/sh\";\n"
	    "    args = [\"-c\", \"echo inherited $0; exit 1\", \"%a\"];\n"
	    "    warning_factor = 0.25; };\n"
	    "  real_servers = ( { address = \"198.51.100.11\"; weight = 40;\n"
	    "    check = { type = \"exec\"; command = \"/bin/sh\";"
	    " timeout = 3; }; } ); }", &e), 0);
	p = probe_of(c, "web", "198.51.100.11:80");
	assert_int_equal(p->timeout_ms, 3000);
	run(c, p);
	assert_string_equal(c->res.msg, "inherited 198.51.100.11");
	assert_int_equal(c->res.weight_hint, 10);
}

static void
a_missing_program_is_unknown(void **state)
{
	struct ctx	*c = *state;
	struct err	 e = { "" };
	struct probe	*p;

	assert_int_equal(load(c,
	    "{ name = \"web\"; address = \"203.0.113.10\"; port = 80;\n"
	    "  check = { type = \"exec\";\n"
	    "    command = \"/nonexistent/check\"; };\n"
	    "  real_servers = ( { address = \"198.51.100.11\"; } ); }", &e), 0);
	p = probe_of(c, "web", "198.51.100.11:80");
	run(c, p);
	assert_int_equal(c->res.verdict, CHK_V_UNKNOWN);
	assert_int_equal(c->res.reason, CHK_R_UNKNOWN);
	assert_string_equal(c->res.msg, "exec: /nonexistent/check: ENOENT");
}

static void
config_errors_name_the_key(void **state)
{
	struct ctx	*c = *state;
	struct err	 e = { "" };
	const char	*svc = "{ name = \"web\"; address = \"203.0.113.10\";"
			    " port = 80;\n  check = { type = \"exec\"; %s };\n"
			    "  real_servers = ( { address = \"198.51.100.11\";"
			    " } ); }";
	char		 buf[512];
	static const struct { const char *keys, *want; } cases[] = {
		{ "command = \"/bin/true\"; args = [\"%x\"];",
		  "args[0]: \"%x\": unknown placeholder %x" },
		{ "command = \"/bin/true\"; args = \"-H\";",
		  "args: expected a list of strings" },
		{ "command = \"/bin/true\"; warning_factor = 2.0;",
		  "warning_factor: expected a number from 0 to 1" },
		{ "command = \"/bin/true\"; argv_style = \"nrpe\";",
		  "\"nrpe\" is not one of nagios, ldirectord, haproxy" },
		{ "args = [\"x\"];", "command" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), svc, cases[i].keys);
		e.msg[0] = '\0';
		assert_int_not_equal(load(c, buf, &e), 0);
		if (strstr(e.msg, cases[i].want) == NULL ||
		    strstr(e.msg, "lvsmon-exec-") == NULL)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i,
			    e.msg, cases[i].want);
	}
}

/* A listener on 127.0.0.1 (backlog only: check_tcp just connects). */
static int
listener(int *port)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, len), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void
monitoring_plugins_check_tcp_works_unchanged(void **state)
{
	struct ctx	*c = *state;
	struct err	 e = { "" };
	char		 buf[1024];
	struct probe	*p;
	int		 lfd, port;

	if (access(CHECK_TCP, X_OK) != 0) {
		skip();		/* apt-get install monitoring-plugins-basic */
		return;
	}
	lfd = listener(&port);
	snprintf(buf, sizeof(buf),
	    "{ name = \"web\"; address = \"203.0.113.10\"; port = 80;\n"
	    "  check = { type = \"exec\"; command = \"" CHECK_TCP "\";\n"
	    "    args = [\"-H\", \"%%a\", \"-p\", \"%%p\",\n"
	    "            \"-t\", \"%%t\"]; };\n"
	    "  real_servers = ( { address = \"127.0.0.1\"; port = %d; } ); }",
	    port);
	assert_int_equal(load(c, buf, &e), 0);
	snprintf(buf, sizeof(buf), "127.0.0.1:%d", port);
	p = probe_of(c, "web", buf);
	run(c, p);
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_int_equal(c->res.reason, CHK_R_OK);
	assert_non_null(strstr(c->res.msg, "TCP OK - "));
	assert_non_null(strstr(c->res.msg, "|time="));	/* perfdata kept */
	close(lfd);	/* now the port refuses */
	run(c, p);
	assert_int_equal(c->res.verdict, CHK_V_FAIL);
	assert_int_equal(c->res.reason, CHK_R_CRITICAL);
	assert_non_null(strstr(c->res.msg, "Connection refused"));
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(exit_0_is_ok_and_the_first_line_is_the_message),
		T(placeholders_and_environment_reach_the_plugin),
		T(warning_is_up_with_the_weight_cut_by_the_factor),
		T(warning_keeps_weight_1_by_default),
		T(critical_is_down_with_perfdata_kept),
		T(unknown_and_odd_codes_are_unknown),
		T(a_hung_plugin_is_killed_before_the_deadline),
		T(ldirectord_style_appends_vip_vport_rip_rport_nonzero_is_down),
		T(keepalived_styles_judge_as_misc_check_does),
		T(haproxy_style_sets_its_environment),
		T(args_are_inherited_from_the_services_check),
		T(a_missing_program_is_unknown),
		T(config_errors_name_the_key),
		T(monitoring_plugins_check_tcp_works_unchanged),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * t/unit/monitor_announce.c - the route health injection keys
 * (global.announce, a service's announce, hash_seed): what a good file
 * gives, and what an operator reads when a file is wrong.  The routes
 * themselves need a network namespace: t/e2e/ecmp_bgp.t.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "monitor/model.h"
#include "monitor/announce.h"

static char	path[64];

static const char *
write_conf(const char *text)
{
	int	fd;

	snprintf(path, sizeof(path), "/tmp/lvsmon-announce-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

#define SVC(extra) \
    "services = ( { name = \"web\"; address = \"203.0.113.10\"; " \
    "port = 80; " extra " real_servers = ( { address = " \
    "\"198.51.100.11\"; } ); } );\n"

static void
announce_keys_reach_the_model(void **state)
{
	struct mon_model	m;
	struct err		e = { "" };
	const char		*f = write_conf(
	    "global = { backend = \"none\"; announce = { table = 100; "
	    "protocol = 251; metric = 7; device = \"lo\"; }; };\n"
	    SVC("announce = true; scheduler = \"sh\"; hash_seed = 4242;"));

	(void)state;
	assert_int_equal(mon_model_load(&m, f, &e), 0);
	unlink(path);
	assert_int_equal(m.global.announce_table, 100);
	assert_int_equal(m.global.announce_proto, 251);
	assert_int_equal(m.global.announce_metric, 7);
	assert_string_equal(m.global.announce_dev, "lo");
	assert_int_equal(m.svcs[0].announce, 1);
	assert_int_equal(m.svcs[0].hash_seed, 4242);
	/* not opened: the service does not announce yet */
	assert_int_equal(mon_announce_state(&m.svcs[0]), -1);
	mon_model_free(&m);
}

static void
defaults_and_no_block(void **state)
{
	struct mon_model	m;
	struct err		e = { "" };
	const char		*f = write_conf(
	    "global = { backend = \"none\"; announce = { table = 7; }; };\n"
	    SVC(""));

	(void)state;
	assert_int_equal(mon_model_load(&m, f, &e), 0);
	unlink(path);
	assert_int_equal(m.global.announce_table, 7);
	assert_int_equal(m.global.announce_proto, 250);
	assert_int_equal(m.global.announce_metric, 0);
	assert_string_equal(m.global.announce_dev, "lo");
	assert_int_equal(m.svcs[0].announce, 0);
	assert_int_equal(m.svcs[0].hash_seed, 0);
	mon_model_free(&m);

	f = write_conf("global = { backend = \"none\"; };\n" SVC(""));
	assert_int_equal(mon_model_load(&m, f, &e), 0);
	unlink(path);
	assert_int_equal(m.global.announce_table, 0);
	mon_model_free(&m);
}

static const struct {
	const char	*why, *text, *expect[3];
} bads[] = {
	{ "announce without global.announce",
	  "global = { backend = \"none\"; };\n" SVC("announce = true;"),
	  { ":2: service web: announce: needs global.announce", NULL } },
	{ "table 254 is the kernel's main table",
	  "global = { backend = \"none\"; announce = { table = 254; }; };\n"
	  SVC(""), { "global: announce: table", "1..252", NULL } },
	{ "table missing",
	  "global = { backend = \"none\"; announce = { protocol = 250; }; };\n"
	  SVC(""), { "announce", "table", NULL } },
	{ "protocol of the kernel's own",
	  "global = { backend = \"none\"; announce = { table = 100; "
	  "protocol = 3; }; };\n" SVC(""),
	  { "global: announce: protocol", NULL } },
	{ "announce is a group",
	  "global = { backend = \"none\"; announce = 100; };\n" SVC(""),
	  { "global: announce: expected a group", NULL } },
	{ "device name too long",
	  "global = { backend = \"none\"; announce = { table = 100; "
	  "device = \"abcdefghijklmnopq\"; }; };\n" SVC(""),
	  { "device", "not an interface name", NULL } },
	{ "a fwmark service has no VIP",
	  "global = { backend = \"ipvs\"; announce = { table = 100; }; };\n"
	  "services = ( { name = \"fw\"; fwmark = 7; announce = true; "
	  "real_servers = ( { address = \"198.51.100.11\"; port = 80; } ); "
	  "} );\n", { "service fw: announce: a firewall-mark service", NULL } },
	{ "hash_seed needs sh",
	  "global = { backend = \"none\"; };\n" SVC("hash_seed = 1;"),
	  { "service web: hash_seed: is for scheduler sh", "not wrr", NULL } },
	{ "hash_seed on ipvs",
	  "global = { backend = \"ipvs\"; };\n"
	  SVC("scheduler = \"sh\"; hash_seed = 5;"),
	  { "service web: hash_seed: needs backend nft", "use scheduler mh",
	    NULL } },
	{ "hash_seed 0",
	  "global = { backend = \"none\"; };\n"
	  SVC("scheduler = \"sh\"; hash_seed = 0;"),
	  { "hash_seed", NULL } },
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
		if (strncmp(e.msg, f, strlen(f)) != 0)
			fail_msg("%s: message does not start with %s: %s",
			    bads[i].why, f, e.msg);
		for (size_t k = 0; bads[i].expect[k] != NULL; k++)
			if (strstr(e.msg, bads[i].expect[k]) == NULL)
				fail_msg("%s: expected \"%s\" in \"%s\"",
				    bads[i].why, bads[i].expect[k], e.msg);
	}
}

static void
drain_director_without_announce_is_refused(void **state)
{
	struct err	e = { "" };

	(void)state;
	assert_int_equal(mon_announce_drain(1, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "global.announce is not configured"));
	assert_int_equal(mon_announce_drained(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(announce_keys_reach_the_model),
		cmocka_unit_test(defaults_and_no_block),
		cmocka_unit_test(bad_files_are_refused_with_file_line_and_key),
		cmocka_unit_test(drain_director_without_announce_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

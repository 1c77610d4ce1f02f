/*
 * t/unit/checkers_icmp.c - the icmp check against 127.0.0.1 and ::1 (the
 * kernel answers the echoes), loaded through the daemon's config loader:
 * one echo, several with min_replies, big payloads, two probes at once on
 * the shared socket, and the config errors.  Needs CAP_NET_RAW or the ping
 * socket; the runs are skipped (not failed) when neither is open.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "monitor/model.h"
#include "monitor/probe.h"

#define DEADLINE_S	5

struct ctx {
	struct event_base	*base;
	struct mon_model	 m;
	int			 loaded;
	struct event		*deadline;
	int			 done;
	struct probe_result	 res[2];
};

static struct ctx	*cur;

static void
on_done(struct probe *p, const struct probe_result *r)
{
	assert_null(p->run);
	cur->res[cur->done++] = *r;
	if (cur->done == (int)cur->m.nsvcs)
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

	if (c->loaded) {
		for (size_t s = 0; s < c->m.nsvcs; s++) {
			struct probe *p = c->m.svcs[s].reals[0].probe;

			if (p->run != NULL)
				p->type->cancel(p);
		}
		mon_model_free(&c->m);
	}
	event_free(c->deadline);
	event_base_free(c->base);
	free(c);
	return 0;
}

/* One service per address, each with the same check keys. */
static int
load(struct ctx *c, const char *a1, const char *a2, const char *keys,
    struct err *e)
{
	char	 path[64];
	FILE	*f;
	int	 fd, rc;

	if (c->loaded)
		mon_model_free(&c->m);
	c->loaded = 0;
	snprintf(path, sizeof(path), "/tmp/lvsmon-icmp-XXXXXX");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fprintf(f, "global = { backend = \"none\";\n"
	    "  control_socket = \"/tmp/x.sock\"; };\n"
	    "services = ( { name = \"a\"; address = \"%s\";\n"
	    "  port = 80; real_servers = ( { address = \"%s\"; port = 80;\n"
	    "  check = { type = \"icmp\"; %s }; } ); }",
	    strchr(a1, ':') ? "2001:db8:ff::1" : "203.0.113.1", a1, keys);
	if (a2 != NULL)
		fprintf(f, ", { name = \"b\"; address = \"203.0.113.2\";\n"
		    "  port = 80; real_servers = ( { address = \"%s\";\n"
		    "  port = 80; check = { type = \"icmp\"; %s }; } ); }",
		    a2, keys);
	fprintf(f, " );\n");
	fclose(f);
	rc = mon_model_load(&c->m, path, e);
	unlink(path);
	c->loaded = rc == 0;
	return rc;
}

/* Run every loaded probe once, together. */
static void
run(struct ctx *c, const char *a1, const char *a2, const char *keys)
{
	struct err	 e = { "" };
	struct timeval	 tv = { DEADLINE_S, 0 };

	if (load(c, a1, a2, keys, &e) != 0)
		fail_msg("load: %s", e.msg);
	c->done = 0;
	evtimer_add(c->deadline, &tv);
	for (size_t s = 0; s < c->m.nsvcs; s++) {
		struct probe *p = c->m.svcs[s].reals[0].probe;

		p->base = c->base;
		p->on_done = on_done;
		assert_int_equal(p->type->start(p), 0);
	}
	if (c->done < (int)c->m.nsvcs)
		event_base_dispatch(c->base);
	evtimer_del(c->deadline);
	assert_int_equal(c->done, (int)c->m.nsvcs);
	for (int i = 0; i < c->done; i++)
		if (c->res[i].reason == CHK_R_INTERNAL)
			skip();		/* no raw and no ping socket */
}

static void
an_echo_to_localhost_is_answered(void **state)
{
	struct ctx	*c = *state;

	run(c, "127.0.0.1", NULL, "");
	assert_int_equal(c->res[0].verdict, CHK_V_OK);
	assert_int_equal(c->res[0].reason, CHK_R_OK);
	assert_non_null(strstr(c->res[0].msg, "icmp: echo reply in "));
	assert_non_null(strstr(c->res[0].msg, " ms"));
}

static void
an_echo_to_ipv6_localhost_is_answered(void **state)
{
	struct ctx	*c = *state;

	run(c, "::1", NULL, "size = 1000;");
	assert_int_equal(c->res[0].verdict, CHK_V_OK);
	assert_non_null(strstr(c->res[0].msg, "icmp: echo reply in "));
}

static void
count_echoes_are_all_counted(void **state)
{
	struct ctx	*c = *state;

	run(c, "127.0.0.1", NULL, "count = 5; min_replies = 5; size = 16;");
	assert_int_equal(c->res[0].verdict, CHK_V_OK);
	assert_non_null(strstr(c->res[0].msg, "icmp: 5 of 5 echo replies, "
	    "avg "));
}

static void
two_probes_share_the_socket(void **state)
{
	struct ctx	*c = *state;

	/* 127.0.0.1 and 127.0.0.2 both answer; each run must get its own
	   replies (different addresses, sequences and tokens) */
	run(c, "127.0.0.1", "127.0.0.2", "count = 3; min_replies = 3;");
	assert_int_equal(c->res[0].verdict, CHK_V_OK);
	assert_int_equal(c->res[1].verdict, CHK_V_OK);
	assert_non_null(strstr(c->res[0].msg, "3 of 3"));
	assert_non_null(strstr(c->res[1].msg, "3 of 3"));
}

static void
config_errors(void **state)
{
	struct ctx	*c = *state;
	struct err	 e = { "" };

	assert_int_not_equal(load(c, "127.0.0.1", NULL,
	    "count = 2; min_replies = 3;", &e), 0);
	assert_non_null(strstr(e.msg, "min_replies: 3 is more than count 2"));
	assert_int_not_equal(load(c, "127.0.0.1", NULL, "count = 21;", &e),
	    0);
	assert_non_null(strstr(e.msg, "count"));
	assert_int_not_equal(load(c, "127.0.0.1", NULL, "size = 8;", &e), 0);
	assert_non_null(strstr(e.msg, "size"));
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(an_echo_to_localhost_is_answered),
		T(an_echo_to_ipv6_localhost_is_answered),
		T(count_echoes_are_all_counted),
		T(two_probes_share_the_socket),
		T(config_errors),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}

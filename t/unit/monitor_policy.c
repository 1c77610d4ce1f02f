/*
 * t/unit/monitor_policy.c - the service policy on top of a real's own
 * weight: quorum and hysteresis, the sorry server, on_down, the slow start
 * ramp, and the config errors of their keys.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "monitor/event.h"
#include "monitor/log.h"
#include "monitor/model.h"

static char	path[] = "/tmp/lvsmon-policy-XXXXXX";
static struct mon_model	m;
static int	quorum_events, lost_events;
static char	last_msg[160];

static void
record(const struct mon_event *ev, void *arg)
{
	(void)arg;
	if (ev->type != MON_EV_QUORUM)
		return;
	quorum_events++;
	lost_events += ev->new == 0;
	snprintf(last_msg, sizeof(last_msg), "%s", ev->msg);
}

static int
load(const char *text, struct err *e)
{
	int	fd;
	FILE	*f;

	snprintf(path, sizeof(path), "/tmp/lvsmon-policy-XXXXXX");
	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	fd = mon_model_load(&m, path, e);
	unlink(path);
	return fd;
}

#define SVC(extra) \
	"services = ( { name = \"web\"; address = \"203.0.113.10\"; " \
	"port = 80; " extra " check = { type = \"tcp\"; rise = 1; " \
	"fall = 1; }; real_servers = (" \
	"{ address = \"198.51.100.11\"; weight = 10; }," \
	"{ address = \"198.51.100.12\"; weight = 20; }," \
	"{ address = \"198.51.100.13\"; weight = 30; } ); } );\n"

static int
setup(void **state)
{
	(void)state;
	mon_log_open(1, LOG_WARNING);
	quorum_events = lost_events = 0;
	last_msg[0] = '\0';
	return mon_event_subscribe(record, NULL);
}

static int
teardown(void **state)
{
	(void)state;
	mon_model_free(&m);
	mon_event_reset();
	return 0;
}

static struct mon_real *
r(int i)
{
	return &m.svcs[0].reals[i];
}

static void up(int i) { mon_rs_verdict(r(i), 1, -1, CHK_R_OK, "ok", 1); }
static void down(int i) { mon_rs_verdict(r(i), 0, -1, CHK_R_CONNREFUSED,
			      "refused", 1); }

static void
sorry_server_serves_only_while_quorum_is_lost(void **state)
{
	struct err e = { "" };

	(void)state;
	assert_int_equal(load(SVC("quorum = 2; sorry_server = "
	    "\"198.51.100.14:80\"; sorry_weight = 7;"), &e), 0);
	assert_int_equal(m.svcs[0].nreals, 4);
	assert_non_null(m.svcs[0].sorry);
	assert_true(r(3)->sorry);
	/* at load every real is down until checked: the sorry server */
	assert_false(m.svcs[0].quorum_ok);
	assert_int_equal(r(3)->eff_weight, 7);
	up(0);
	assert_false(m.svcs[0].quorum_ok);
	assert_int_equal(r(0)->eff_weight, 0);	/* sorry takes it all */
	up(1);
	up(2);
	assert_true(m.svcs[0].quorum_ok);
	assert_int_equal(r(3)->eff_weight, 0);
	assert_int_equal(r(0)->eff_weight, 10);
	assert_int_equal(r(2)->eff_weight, 30);
	down(0);
	assert_true(m.svcs[0].quorum_ok);	/* 2 of 3 */
	down(1);
	assert_false(m.svcs[0].quorum_ok);
	assert_string_equal(last_msg, "1 of 3 serving, quorum 2");
	assert_int_equal(r(3)->eff_weight, 7);
	assert_int_equal(r(2)->eff_weight, 0);	/* up, but sorry serves */
	assert_int_equal(r(2)->target_weight, 30);
	/* the sorry server disabled: the survivor serves again */
	mon_rs_set_admin(r(3), MON_ADMIN_DISABLED);
	assert_int_equal(r(3)->eff_weight, 0);
	assert_int_equal(r(2)->eff_weight, 30);
}

static void
hysteresis_widens_the_band(void **state)
{
	struct err e = { "" };

	(void)state;
	assert_int_equal(load(SVC("quorum = 2; hysteresis = 1;"), &e), 0);
	up(0);
	up(1);
	assert_false(m.svcs[0].quorum_ok);	/* regained at 2 + 1 */
	up(2);
	assert_true(m.svcs[0].quorum_ok);
	down(0);
	down(1);
	assert_true(m.svcs[0].quorum_ok);	/* lost below 2 - 1 */
	down(2);
	assert_false(m.svcs[0].quorum_ok);
	assert_string_equal(last_msg,
	    "0 of 3 serving, quorum 2 (hysteresis 1)");
	/* no sorry server: losing quorum moves no weight */
	up(0);
	assert_int_equal(r(0)->eff_weight, 10);
}

static void
quorum_weight_sums_weights(void **state)
{
	struct err e = { "" };

	(void)state;
	assert_int_equal(load(SVC("quorum_weight = 40;"), &e), 0);
	up(0);
	up(1);
	assert_false(m.svcs[0].quorum_ok);	/* 10 + 20 < 40 */
	up(2);
	assert_true(m.svcs[0].quorum_ok);
	mon_rs_set_weight(r(2), 5);		/* 35 */
	assert_false(m.svcs[0].quorum_ok);
	assert_string_equal(last_msg,
	    "weight 35 of 60 serving, quorum_weight 40");
}

static void
on_down_remove_takes_a_down_real_out_of_the_table(void **state)
{
	struct err		e = { "" };
	struct dir_table	t;

	(void)state;
	assert_int_equal(load(SVC("on_down = \"remove\";"), &e), 0);
	up(0);
	up(1);
	up(2);
	down(1);
	assert_false(r(1)->in_table);
	assert_int_equal(mon_model_dir_table(&m, &t), 0);
	assert_int_equal(t.svcs[0].nreals, 2);
	assert_int_equal(t.svcs[0].reals[1].id, r(2)->id);
	dir_table_free(&t);
	up(1);
	assert_true(r(1)->in_table);
}

static void
slow_start_ramps_linearly(void **state)
{
	struct err	e = { "" };
	struct mon_real	*x;
	uint32_t	w;

	(void)state;
	assert_int_equal(load(SVC("slow_start = 1;"), &e), 0);
	x = r(0);
	assert_int_equal(x->slow_start_ms, 1000);
	assert_int_equal(mon_slowstart_weight(x, 101), 101);	/* idle */
	x->ramping = 1;
	clock_gettime(CLOCK_MONOTONIC, &x->ramp_start);
	x->ramp_start.tv_nsec -= 500000000;
	if (x->ramp_start.tv_nsec < 0) {
		x->ramp_start.tv_nsec += 1000000000;
		x->ramp_start.tv_sec--;
	}
	w = mon_slowstart_weight(x, 101);
	assert_in_range(w, 51, 60);		/* 1 + 100 * 0.5.. */
	assert_in_range(mon_slowstart_pct(x), 50, 59);
	x->ramp_start.tv_sec -= 1;		/* over */
	assert_int_equal(mon_slowstart_weight(x, 101), 101);
	x->ramping = 0;
}

static void
config_errors_name_the_key(void **state)
{
	struct err e = { "" };

	(void)state;
	assert_int_equal(load(SVC("quorum = 4;"), &e), -EINVAL);
	assert_non_null(strstr(e.msg, ": service web: quorum: 4 but the "
	    "service has only 3 real servers"));
	assert_int_equal(load(SVC("quorum = 2; quorum_weight = 3;"), &e),
	    -EINVAL);
	assert_non_null(strstr(e.msg, "quorum_weight: and quorum"));
	assert_int_equal(load(SVC("sorry_server = \"198.51.100.11:80\";"), &e),
	    -EINVAL);
	assert_non_null(strstr(e.msg, "sorry_server: 198.51.100.11:80 is "
	    "also a real server"));
	assert_int_equal(load(SVC("sorry_server = \"[2001:db8::1]:80\";"), &e),
	    -EINVAL);
	assert_non_null(strstr(e.msg, "sorry_server: is IPv6"));
	assert_int_equal(load(SVC("sorry_server = \"nowhere\";"), &e),
	    -EINVAL);
	assert_non_null(strstr(e.msg, "sorry_server: \"nowhere\": expected"));
	assert_int_equal(load(SVC("on_down = \"drop\";"), &e), -EINVAL);
	assert_non_null(strstr(e.msg, "on_down: \"drop\" is not one of "
	    "weight0, remove"));
	assert_int_equal(load(SVC("sorry_weight = 3;"), &e), -EINVAL);
	assert_non_null(strstr(e.msg, "sorry_weight: needs a sorry_server"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    sorry_server_serves_only_while_quorum_is_lost, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(hysteresis_widens_the_band,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(quorum_weight_sums_weights,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    on_down_remove_takes_a_down_real_out_of_the_table, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(slow_start_ramps_linearly,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(config_errors_name_the_key,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("monitor_policy", tests, NULL,
	    NULL);
}

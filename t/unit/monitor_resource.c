/*
 * t/unit/monitor_resource.c - rise/fall, the first verdict, admin states and
 * the effective weight, seen through the events an operator would get.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "monitor/event.h"
#include "monitor/log.h"
#include "monitor/model.h"

extern const struct probe_type chk_tcp;

#define MAXEV 32
struct seen {
	enum mon_event_type	type;
	int64_t			old, new;
};
static struct seen	evs[MAXEV];
static size_t	nev;

static void
record(const struct mon_event *ev, void *arg)
{
	(void)arg;
	if (nev < MAXEV)
		evs[nev++] = (struct seen){ ev->type, ev->old, ev->new };
}

static struct mon_service	svc;
static struct mon_real		rs;
static struct probe		p;

static int
setup(void **state)
{
	(void)state;
	mon_log_open(1, LOG_WARNING);	/* quiet: tests read events */
	memset(&svc, 0, sizeof(svc));
	memset(&rs, 0, sizeof(rs));
	memset(&p, 0, sizeof(p));
	svc.name = "web";
	rs.svc = &svc;
	rs.weight = 100;
	snprintf(rs.key, sizeof(rs.key), "198.51.100.11:8080");
	p.type = &chk_tcp;
	p.rise = 2;
	p.fall = 3;
	rs.probe = &p;
	mon_rs_init(&rs);
	nev = 0;
	return mon_event_subscribe(record, NULL);
}

static int
teardown(void **state)
{
	(void)state;
	mon_event_reset();
	return 0;
}

static void ok(void) { mon_rs_verdict(&rs, 1, -1, CHK_R_OK, "ok", 1); }
static void ko(void) { mon_rs_verdict(&rs, 0, -1, CHK_R_CONNREFUSED,
			   "connect: ECONNREFUSED", 1); }

static void
a_new_server_is_down_and_gets_no_traffic(void **state)
{
	(void)state;
	assert_int_equal(rs.state, MON_RS_DOWN);
	assert_int_equal(mon_rs_weight(&rs), 0);
	assert_int_equal(nev, 0);
}

static void
first_success_brings_it_up_at_once(void **state)
{
	(void)state;
	ok();
	assert_int_equal(rs.state, MON_RS_UP);
	assert_int_equal(rs.eff_weight, 100);
	assert_int_equal(nev, 2);
	assert_int_equal(evs[0].type, MON_EV_STATE);
	assert_int_equal(evs[0].old, MON_RS_DOWN);
	assert_int_equal(evs[0].new, MON_RS_UP);
	assert_int_equal(evs[1].type, MON_EV_WEIGHT);
	assert_int_equal(evs[1].new, 100);
	assert_int_equal(rs.changes, 1);
}

static void
first_failure_keeps_it_down_without_an_event(void **state)
{
	(void)state;
	ko();
	assert_int_equal(rs.state, MON_RS_DOWN);
	assert_int_equal(nev, 0);
	assert_int_equal(rs.last_reason, CHK_R_CONNREFUSED);
	assert_string_equal(rs.last_msg, "connect: ECONNREFUSED");
	/* later successes must reach rise: the first verdict was spent */
	ok();
	assert_int_equal(rs.state, MON_RS_RISING);
	ok();
	assert_int_equal(rs.state, MON_RS_UP);
}

static void
goes_down_after_fall_failures_and_serves_while_falling(void **state)
{
	(void)state;
	ok();
	nev = 0;
	ko();
	assert_int_equal(rs.state, MON_RS_FALLING);
	assert_int_equal(rs.eff_weight, 100);	/* one failure cuts nothing */
	ko();
	assert_int_equal(rs.state, MON_RS_FALLING);
	ko();
	assert_int_equal(rs.state, MON_RS_DOWN);
	assert_int_equal(rs.eff_weight, 0);
	/* up->falling, down (+weight 100->0): falling->falling is silent */
	assert_int_equal(nev, 3);
	assert_int_equal(evs[0].new, MON_RS_FALLING);
	assert_int_equal(evs[1].old, MON_RS_FALLING);
	assert_int_equal(evs[1].new, MON_RS_DOWN);
	assert_int_equal(evs[2].type, MON_EV_WEIGHT);
	assert_int_equal(evs[2].new, 0);
}

static void
one_success_while_falling_returns_to_up(void **state)
{
	(void)state;
	ok();
	ko();
	ko();
	ok();
	assert_int_equal(rs.state, MON_RS_UP);
	/* the failure count starts again */
	ko();
	ko();
	assert_int_equal(rs.state, MON_RS_FALLING);
}

static void
comes_back_after_rise_successes_and_a_failure_resets_it(void **state)
{
	(void)state;
	ok();
	ko(); ko(); ko();
	assert_int_equal(rs.state, MON_RS_DOWN);
	ok();
	assert_int_equal(rs.state, MON_RS_RISING);
	assert_int_equal(rs.eff_weight, 0);	/* rising gets no traffic */
	ko();
	assert_int_equal(rs.state, MON_RS_DOWN);
	ok();
	ok();
	assert_int_equal(rs.state, MON_RS_UP);
	assert_int_equal(rs.eff_weight, 100);
}

static void
rise_one_goes_straight_up(void **state)
{
	(void)state;
	p.rise = 1;
	ok();
	ko(); ko(); ko();
	ok();
	assert_int_equal(rs.state, MON_RS_UP);
}

static void
admin_states_and_weight_override_set_the_effective_weight(void **state)
{
	(void)state;
	ok();
	mon_rs_set_admin(&rs, MON_ADMIN_DRAIN);
	assert_int_equal(rs.eff_weight, 0);
	assert_int_equal(rs.state, MON_RS_UP);	/* health is its own */
	mon_rs_set_admin(&rs, MON_ADMIN_ENABLED);
	assert_int_equal(rs.eff_weight, 100);
	mon_rs_set_admin(&rs, MON_ADMIN_DISABLED);
	ko(); ko(); ko(); ok(); ok();		/* checks do not matter */
	assert_int_equal(rs.eff_weight, 0);
	mon_rs_set_admin(&rs, MON_ADMIN_ENABLED);
	mon_rs_set_weight(&rs, 30);
	assert_int_equal(rs.eff_weight, 30);
	mon_rs_set_weight(&rs, 0);
	assert_int_equal(rs.eff_weight, 0);
	mon_rs_set_weight(&rs, -1);
	assert_int_equal(rs.eff_weight, 100);
	/* a set weight does not put a down server back */
	ko(); ko(); ko();
	mon_rs_set_weight(&rs, 50);
	assert_int_equal(rs.eff_weight, 0);
	ok(); ok();
	assert_int_equal(rs.eff_weight, 50);
}

static void
a_weight_asked_by_the_check_applies_below_an_operators(void **state)
{
	(void)state;
	ok();
	mon_rs_verdict(&rs, 1, -1, CHK_R_OK, "ok", 1);
	assert_int_equal(rs.eff_weight, 100);
	mon_rs_verdict(&rs, 1, 20, CHK_R_OK, "load 80%", 1);
	assert_int_equal(rs.eff_weight, 20);
	mon_rs_set_weight(&rs, 5);
	assert_int_equal(rs.eff_weight, 5);	/* the operator wins */
	mon_rs_set_weight(&rs, -1);
	assert_int_equal(rs.eff_weight, 20);
	mon_rs_verdict(&rs, 1, -1, CHK_R_OK, "ok", 1);
	assert_int_equal(rs.eff_weight, 100);	/* no more hint */
}

static void
an_unknown_verdict_changes_no_state_and_is_counted(void **state)
{
	(void)state;
	mon_rs_unknown(&rs, CHK_R_INTERNAL, "exec: killed by SIGKILL", 5);
	assert_int_equal(rs.state, MON_RS_DOWN);
	assert_int_equal(rs.unknowns, 1);
	assert_string_equal(rs.last_msg, "exec: killed by SIGKILL");
	/* it did not spend the first, decisive verdict */
	ok();
	assert_int_equal(rs.state, MON_RS_UP);
	ko();
	mon_rs_unknown(&rs, CHK_R_INTERNAL, "?", 5);
	mon_rs_unknown(&rs, CHK_R_INTERNAL, "?", 5);
	assert_int_equal(rs.state, MON_RS_FALLING);
	ko();
	assert_int_equal(rs.state, MON_RS_FALLING);	/* 2 of fall 3 */
	assert_int_equal(rs.unknowns, 3);
	assert_int_equal(nev, 3);	/* up, its weight, falling */
}

static void
admin_change_is_an_event_with_old_and_new(void **state)
{
	(void)state;
	mon_rs_set_admin(&rs, MON_ADMIN_DRAIN);
	assert_int_equal(nev, 1);	/* down already: weight stays 0 */
	assert_int_equal(evs[0].type, MON_EV_ADMIN);
	assert_int_equal(evs[0].old, MON_ADMIN_ENABLED);
	assert_int_equal(evs[0].new, MON_ADMIN_DRAIN);
	mon_rs_set_admin(&rs, MON_ADMIN_DRAIN);
	assert_int_equal(nev, 1);	/* no change, no event */
}

static void
reason_and_state_tables_are_complete(void **state)
{
	(void)state;
	for (int i = 0; i < CHK_R__COUNT; i++) {
		assert_non_null(chk_reasons[i].code);
		assert_non_null(chk_reasons[i].text);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(chk_reasons[i].code,
			    chk_reasons[j].code);
	}
	for (int i = 0; i < MON_RS__COUNT; i++)
		assert_non_null(mon_rs_state_names[i]);
	for (int i = 0; i < MON_ADMIN__COUNT; i++)
		assert_non_null(mon_admin_names[i]);
}

static void
a_server_the_kernel_serves_is_adopted_up_at_the_kernels_weight(void **state)
{
	(void)state;
	assert_int_equal(mon_rs_adopt(&rs, 40), 1);
	assert_int_equal(rs.state, MON_RS_UP);
	assert_int_equal(rs.eff_weight, 40);	/* the sync changes nothing */
	assert_int_equal(svc.serving, 0);	/* svc has no reals array */
	assert_int_equal(nev, 0);		/* no change to announce */
	/* the first success: up stays, the configured weight takes over */
	ok();
	assert_int_equal(rs.state, MON_RS_UP);
	assert_int_equal(rs.eff_weight, 100);
	assert_int_equal(nev, 1);
	assert_int_equal(evs[0].type, MON_EV_WEIGHT);
	assert_int_equal(evs[0].old, 40);
	assert_int_equal(evs[0].new, 100);
}

static void
an_adopted_servers_first_failure_takes_it_down_at_once(void **state)
{
	(void)state;
	mon_rs_adopt(&rs, 100);
	ko();		/* fall = 3, yet one failure is enough */
	assert_int_equal(rs.state, MON_RS_DOWN);
	assert_int_equal(rs.eff_weight, 0);
	assert_int_equal(evs[0].type, MON_EV_STATE);
	assert_int_equal(evs[0].old, MON_RS_UP);
	assert_int_equal(evs[0].new, MON_RS_DOWN);
	/* after that, the usual rules: rise to come back, fall to go */
	ok();
	assert_int_equal(rs.state, MON_RS_RISING);
	ok();
	ko();
	assert_int_equal(rs.state, MON_RS_FALLING);
}

static void
adoption_needs_a_weight_and_no_verdict_and_keeps_admin_state(void **state)
{
	(void)state;
	assert_int_equal(mon_rs_adopt(&rs, 0), 0);	/* not serving */
	assert_int_equal(rs.state, MON_RS_DOWN);
	rs.admin = MON_ADMIN_DRAIN;			/* from the state file */
	assert_int_equal(mon_rs_adopt(&rs, 100), 1);
	assert_int_equal(rs.eff_weight, 0);		/* drain wins */
	rs.admin = MON_ADMIN_ENABLED;
	ok();
	assert_int_equal(mon_rs_adopt(&rs, 5), 0);	/* already decided */
	assert_int_equal(rs.eff_weight, 100);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(a_new_server_is_down_and_gets_no_traffic),
		T(first_success_brings_it_up_at_once),
		T(first_failure_keeps_it_down_without_an_event),
		T(goes_down_after_fall_failures_and_serves_while_falling),
		T(one_success_while_falling_returns_to_up),
		T(comes_back_after_rise_successes_and_a_failure_resets_it),
		T(rise_one_goes_straight_up),
		T(admin_states_and_weight_override_set_the_effective_weight),
		T(a_weight_asked_by_the_check_applies_below_an_operators),
		T(an_unknown_verdict_changes_no_state_and_is_counted),
		T(admin_change_is_an_event_with_old_and_new),
		T(reason_and_state_tables_are_complete),
		T(a_server_the_kernel_serves_is_adopted_up_at_the_kernels_weight),
		T(an_adopted_servers_first_failure_takes_it_down_at_once),
		T(adoption_needs_a_weight_and_no_verdict_and_keeps_admin_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

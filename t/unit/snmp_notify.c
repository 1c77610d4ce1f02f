/*
 * t/unit/snmp_notify.c - the notification queue keeps what it is given
 * while no AgentX session is up, up to its bound; beyond it the oldest are
 * dropped and counted; a reset frees everything (ASan checks the frees).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "snmp/notify.h"
#include "snmp/snmp.h"

static netsnmp_variable_list *
one(long v)
{
	netsnmp_variable_list	*vars = NULL;
	oid			 name[] = { 1, 3, 6, 1, 4, 1, 8225, 4711, 100,
				    1, 9, 0 };

	assert_non_null(snmp_varlist_add_variable(&vars, name,
	    OID_LENGTH(name), ASN_INTEGER, &v, sizeof(v)));
	return vars;
}

static void
kept_while_down_up_to_the_bound(void **state)
{
	struct snmp_notify_stats	st;

	(void)state;
	assert_int_equal(snmp_notify_init(NULL, 3), 0);
	for (long i = 0; i < 3; i++)
		assert_int_equal(snmp_notify_enqueue(one(i)), 0);
	snmp_notify_stats(&st);
	assert_int_equal(st.queued, 3);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.sent, 0);
	snmp_notify_reset();
}

static void
overflow_drops_the_oldest_and_counts(void **state)
{
	struct snmp_notify_stats	st;

	(void)state;
	assert_int_equal(snmp_notify_init(NULL, 3), 0);
	for (long i = 0; i < 10; i++)
		assert_int_equal(snmp_notify_enqueue(one(i)), 0);
	snmp_notify_stats(&st);
	assert_int_equal(st.queued, 3);
	assert_int_equal(st.dropped, 7);
	/* a session that goes away changes nothing for queued entries */
	snmp_notify_session(NULL);
	snmp_notify_stats(&st);
	assert_int_equal(st.queued, 3);
	snmp_notify_reset();
	snmp_notify_stats(&st);
	assert_int_equal(st.queued, 0);
}

static void
enqueue_before_init_frees_and_counts(void **state)
{
	struct snmp_notify_stats	st;

	(void)state;
	snmp_notify_reset();
	assert_int_equal(snmp_notify_enqueue(one(1)), -ENOMEM);
	snmp_notify_stats(&st);
	assert_int_equal(st.queued, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kept_while_down_up_to_the_bound),
		cmocka_unit_test(overflow_drops_the_oldest_and_counts),
		cmocka_unit_test(enqueue_before_init_frees_and_counts),
	};

	return cmocka_run_group_tests_name("snmp_notify", tests, NULL, NULL);
}

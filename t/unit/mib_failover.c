/*
 * t/unit/mib_failover.c - the failover objects' values from a view, without
 * snmpd: lvsmonDirectorRole's numbers for each failover role, lvsDaemonState
 * for a view and a backend, and lvsmonPeerTable's columns for a peer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mib/rows.h"
#include "monitor/ha.h"
#include "snmp/snmp.h"

static void
roles_map_to_the_mib_numbers(void **state)
{
	(void)state;
	assert_int_equal(mib_role_of(MON_HA_OFF), SNMP_ROLE_STANDALONE);
	assert_int_equal(mib_role_of(MON_HA_INIT), SNMP_ROLE_BACKUP);
	assert_int_equal(mib_role_of(MON_HA_BACKUP), SNMP_ROLE_BACKUP);
	assert_int_equal(mib_role_of(MON_HA_MASTER), SNMP_ROLE_MASTER);
	assert_int_equal(mib_role_of(MON_HA_FAULT), SNMP_ROLE_FAULT);
	/* the MIB's numbers */
	assert_int_equal(SNMP_ROLE_STANDALONE, 1);
	assert_int_equal(SNMP_ROLE_MASTER, 2);
	assert_int_equal(SNMP_ROLE_BACKUP, 3);
	assert_int_equal(SNMP_ROLE_FAULT, 4);
}

static void
daemon_state_is_the_kernels_sync_daemon(void **state)
{
	(void)state;
	assert_int_equal(mib_sync_state_of(0), 0);	/* none */
	assert_int_equal(mib_sync_state_of(1), 1);	/* master */
	assert_int_equal(mib_sync_state_of(2), 2);	/* backup */
	assert_int_equal(mib_sync_state_of(3), 1);	/* both: master */
	/* no backend opened (as with nft): none, not an error */
	assert_int_equal(mib_daemon_state(), 0);
}

static long
num(struct mon_ha_peer_view *p, unsigned col)
{
	netsnmp_variable_list	vb;

	memset(&vb, 0, sizeof(vb));
	assert_int_equal(mib_peer_value(p, col, &vb), 0);
	assert_true(vb.type == ASN_INTEGER || vb.type == ASN_TIMETICKS);
	return *vb.val.integer;
}

static void
peer_columns(void **state)
{
	struct mon_ha_peer_view	p = { .addr = "192.0.2.2", .alive = 0,
				    .role = MON_HA_OFF, .priority = 100 };
	netsnmp_variable_list	vb;
	const unsigned char	v4[] = { 192, 0, 2, 2 };
	const unsigned char	v6[16] = { 0x20, 0x01, 0x0d, 0xb8,
				    [15] = 2 };

	(void)state;
	memset(&vb, 0, sizeof(vb));
	assert_int_equal(num(&p, 2), 1);		/* ipv4 */
	assert_int_equal(mib_peer_value(&p, 3, &vb), 0);
	assert_int_equal(vb.type, ASN_OCTET_STR);
	assert_int_equal(vb.val_len, 4);
	assert_memory_equal(vb.val.string, v4, 4);
	snmp_free_var_internals(&vb);
	assert_int_equal(num(&p, 4), 2);		/* dead */
	assert_int_equal(num(&p, 5), 5);		/* never heard */
	assert_int_equal(num(&p, 6), 100);
	assert_int_equal(num(&p, 7), 0);		/* never heard */

	p.addr = "2001:db8::2";
	p.alive = 1;
	p.role = MON_HA_MASTER;
	p.rx = 5000000000ULL;
	p.bad_auth = 3;
	p.replayed = 7;
	clock_gettime(CLOCK_REALTIME, &p.last_heard);
	assert_int_equal(num(&p, 2), 2);		/* ipv6 */
	memset(&vb, 0, sizeof(vb));
	assert_int_equal(mib_peer_value(&p, 3, &vb), 0);
	assert_int_equal(vb.val_len, 16);
	assert_memory_equal(vb.val.string, v6, 16);
	snmp_free_var_internals(&vb);
	assert_int_equal(num(&p, 4), 1);		/* alive */
	assert_int_equal(num(&p, 5), SNMP_ROLE_MASTER);
	memset(&vb, 0, sizeof(vb));
	assert_int_equal(mib_peer_value(&p, 8, &vb), 0);
	assert_int_equal(vb.type, ASN_COUNTER64);
	assert_int_equal(((uint64_t)vb.val.counter64->high << 32) |
	    vb.val.counter64->low, 5000000000ULL);
	snmp_free_var_internals(&vb);
	memset(&vb, 0, sizeof(vb));
	assert_int_equal(mib_peer_value(&p, 9, &vb), 0);
	assert_int_equal(vb.val.counter64->low, 3);
	snmp_free_var_internals(&vb);
	memset(&vb, 0, sizeof(vb));
	assert_int_equal(mib_peer_value(&p, 10, &vb), 0);
	assert_int_equal(vb.val.counter64->low, 7);
	snmp_free_var_internals(&vb);
	assert_int_equal(mib_peer_value(&p, 11, &vb), -1);
	assert_int_equal(mib_peer_value(&p, 1, &vb), -1);
}

/* What on_role queues: snmpTrapOID.0 = lvsmonDirectorRoleChange, then
   lvsmonDirectorPrevRole.0 and lvsmonDirectorRole.0 (the MIB's order). */
static void
the_role_notification_carries_prev_then_new(void **state)
{
	const oid		 trapoid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
	const oid		 t[] = { MIB_LVS_OID, 100, 0, 3 };
	const oid		 prev[] = { MIB_LVS_OID, 100, 1, 4, 0 };
	const oid		 role[] = { MIB_LVS_OID, 100, 1, 3, 0 };
	netsnmp_variable_list	*vars = mib_role_notification(
				    mib_role_of(MON_HA_BACKUP),
				    mib_role_of(MON_HA_MASTER));
	netsnmp_variable_list	*vb = vars;

	(void)state;
	assert_non_null(vb);
	assert_int_equal(snmp_oid_compare(vb->name, vb->name_length, trapoid,
	    OID_LENGTH(trapoid)), 0);
	assert_int_equal(snmp_oid_compare(vb->val.objid, vb->val_len /
	    sizeof(oid), t, OID_LENGTH(t)), 0);
	vb = vb->next_variable;
	assert_non_null(vb);
	assert_int_equal(snmp_oid_compare(vb->name, vb->name_length, prev,
	    OID_LENGTH(prev)), 0);
	assert_int_equal(*vb->val.integer, 3);		/* backup */
	vb = vb->next_variable;
	assert_non_null(vb);
	assert_int_equal(snmp_oid_compare(vb->name, vb->name_length, role,
	    OID_LENGTH(role)), 0);
	assert_int_equal(*vb->val.integer, 2);		/* master */
	assert_null(vb->next_variable);
	snmp_free_varbind(vars);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roles_map_to_the_mib_numbers),
		cmocka_unit_test(daemon_state_is_the_kernels_sync_daemon),
		cmocka_unit_test(peer_columns),
		cmocka_unit_test(the_role_notification_carries_prev_then_new),
	};

	return cmocka_run_group_tests_name("mib_failover", tests, NULL, NULL);
}

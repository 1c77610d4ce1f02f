/*
 * t/unit/monitor_ha.c - failover without a network: the heartbeat's wire
 * format and HMAC, the replay window, and the role decisions (priority,
 * the address tiebreak, preempt, handover, split brain).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "monitor/ha_int.h"

static const uint8_t KEY[] = "0123456789abcdef-shared-secret";
static const uint8_t BAD[] = "0123456789abcdef-shared-secreT";

static void
a_heartbeat_round_trips_every_field(void **state)
{
	struct mon_ha_msg	m = { MON_HA_MASTER, 200, MON_HA_F_PREEMPT,
				      7, 0x0102030405060708ull, 42 }, r;
	uint8_t			buf[MON_HA_PKT_LEN];

	(void)state;
	assert_int_equal(mon_ha_wire_encode(&m, KEY, sizeof(KEY), buf), 0);
	assert_memory_equal(buf, "LVHA\x01\x03\xc8\x01", 8);
	assert_int_equal(mon_ha_wire_decode(buf, sizeof(buf), KEY,
	    sizeof(KEY), &r), 0);
	assert_int_equal(r.role, MON_HA_MASTER);
	assert_int_equal(r.priority, 200);
	assert_int_equal(r.flags, MON_HA_F_PREEMPT);
	assert_int_equal(r.generation, 7);
	assert_true(r.epoch == 0x0102030405060708ull);
	assert_true(r.seq == 42);
}

static void
a_wrong_key_or_one_flipped_bit_fails_the_hmac(void **state)
{
	struct mon_ha_msg	m = { MON_HA_BACKUP, 100, 0, 1, 5, 6 }, r;
	uint8_t			buf[MON_HA_PKT_LEN];

	(void)state;
	assert_int_equal(mon_ha_wire_encode(&m, KEY, sizeof(KEY), buf), 0);
	assert_int_equal(mon_ha_wire_decode(buf, sizeof(buf), BAD,
	    sizeof(BAD), &r), -EPERM);
	buf[6] ^= 0x80;		/* priority 100 -> 228: a forged raise */
	assert_int_equal(mon_ha_wire_decode(buf, sizeof(buf), KEY,
	    sizeof(KEY), &r), -EPERM);
	buf[6] ^= 0x80;
	buf[MON_HA_PKT_LEN - 1] ^= 1;
	assert_int_equal(mon_ha_wire_decode(buf, sizeof(buf), KEY,
	    sizeof(KEY), &r), -EPERM);
}

static void
what_is_not_a_heartbeat_is_not_parsed(void **state)
{
	struct mon_ha_msg	m = { MON_HA_BACKUP, 100, 0, 1, 5, 6 }, r;
	uint8_t			buf[MON_HA_PKT_LEN + 1];

	(void)state;
	assert_int_equal(mon_ha_wire_encode(&m, KEY, sizeof(KEY), buf), 0);
	assert_int_equal(mon_ha_wire_decode(buf, MON_HA_PKT_LEN - 1, KEY,
	    sizeof(KEY), &r), -EBADMSG);
	assert_int_equal(mon_ha_wire_decode(buf, MON_HA_PKT_LEN + 1, KEY,
	    sizeof(KEY), &r), -EBADMSG);
	buf[4] = 2;		/* a version we do not speak */
	assert_int_equal(mon_ha_wire_decode(buf, MON_HA_PKT_LEN, KEY,
	    sizeof(KEY), &r), -EBADMSG);
	buf[4] = 1;
	buf[5] = MON_HA__COUNT;	/* no such role */
	assert_int_equal(mon_ha_wire_decode(buf, MON_HA_PKT_LEN, KEY,
	    sizeof(KEY), &r), -EBADMSG);
	buf[5] = MON_HA_BACKUP;
	buf[0] = 'X';
	assert_int_equal(mon_ha_wire_decode(buf, MON_HA_PKT_LEN, KEY,
	    sizeof(KEY), &r), -EBADMSG);
}

static void
the_replay_window_takes_only_newer_sequences(void **state)
{
	struct mon_ha_replay	r = { 0, 0 };

	(void)state;
	assert_int_equal(mon_ha_replay_check(&r, 100, 1), 0);
	assert_int_equal(mon_ha_replay_check(&r, 100, 2), 0);
	assert_int_equal(mon_ha_replay_check(&r, 100, 2), -EALREADY);
	assert_int_equal(mon_ha_replay_check(&r, 100, 1), -EALREADY);
	assert_int_equal(mon_ha_replay_check(&r, 100, 9), 0);
	/* out of order within an epoch: the older one is dropped */
	assert_int_equal(mon_ha_replay_check(&r, 100, 8), -EALREADY);
}

static void
a_restarted_peer_is_accepted_and_its_old_life_is_not(void **state)
{
	struct mon_ha_replay	r = { 0, 0 };

	(void)state;
	assert_int_equal(mon_ha_replay_check(&r, 100, 5000), 0);
	/* restart: a new, larger epoch, the sequence starts over */
	assert_int_equal(mon_ha_replay_check(&r, 200, 1), 0);
	assert_int_equal(mon_ha_replay_check(&r, 200, 2), 0);
	/* a heartbeat of the previous life, however large its sequence */
	assert_int_equal(mon_ha_replay_check(&r, 100, 9999), -EALREADY);
}

/* ---- decisions ---- */

static struct mon_ha_fsm_peer
peer(int alive, int role, int prio, int preempt, const char *addr)
{
	struct mon_ha_fsm_peer	p = { alive, role, prio, preempt, AF_INET,
				      { 0 } };

	inet_pton(AF_INET, addr, p.addr);
	return p;
}

static struct mon_ha_fsm_in
me(int role, int prio, int preempt, const char *addr,
    const struct mon_ha_fsm_peer *p, size_t n)
{
	struct mon_ha_fsm_in	in = { 0 };

	in.role = role;
	in.priority = prio;
	in.preempt = preempt;
	in.init_over = 1;
	in.family = AF_INET;
	inet_pton(AF_INET, addr, in.addr);
	in.peers = p;
	in.npeers = n;
	return in;
}

static void
priority_ranks_first_then_the_higher_address(void **state)
{
	uint8_t	a[16] = { 0 }, b[16] = { 0 };

	(void)state;
	inet_pton(AF_INET, "192.0.2.1", a);
	inet_pton(AF_INET, "192.0.2.2", b);
	assert_true(mon_ha_outranks(150, AF_INET, a, 100, AF_INET, b));
	assert_false(mon_ha_outranks(100, AF_INET, b, 150, AF_INET, a));
	assert_true(mon_ha_outranks(100, AF_INET, b, 100, AF_INET, a));
	assert_false(mon_ha_outranks(100, AF_INET, a, 100, AF_INET, b));
	assert_false(mon_ha_outranks(100, AF_INET, a, 100, AF_INET, a));
}

static void
init_waits_then_the_first_ranked_takes_master(void **state)
{
	struct mon_ha_fsm_peer	p = peer(0, MON_HA_OFF, 0, 0, "192.0.2.2");
	struct mon_ha_fsm_in	in = me(MON_HA_INIT, 100, 1, "192.0.2.1", &p,
				    1);
	const char		*why;

	(void)state;
	in.init_over = 0;
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_INIT);
	in.init_over = 1;
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_MASTER);
	assert_non_null(why);
}

static void
init_hearing_a_master_becomes_backup_at_once(void **state)
{
	struct mon_ha_fsm_peer	p = peer(1, MON_HA_MASTER, 50, 0, "192.0.2.2");
	struct mon_ha_fsm_in	in = me(MON_HA_INIT, 100, 1, "192.0.2.1", &p,
				    1);
	const char		*why;

	(void)state;
	in.init_over = 0;	/* even a higher priority: backup first */
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_BACKUP);
	assert_string_equal(why, "peer is master");
}

static void
a_backup_takes_over_when_no_master_lives(void **state)
{
	struct mon_ha_fsm_peer	p = peer(0, MON_HA_MASTER, 150, 1,
				    "192.0.2.1");
	struct mon_ha_fsm_in	in = me(MON_HA_BACKUP, 100, 1, "192.0.2.2",
				    &p, 1);
	const char		*why;

	(void)state;
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_MASTER);
	p.alive = 1;
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_BACKUP);
	/* a leaving or resigning master says priority 0: not a master */
	p.priority = 0;
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_MASTER);
}

static void
a_backup_waits_for_a_higher_backup_when_nobody_is_master(void **state)
{
	struct mon_ha_fsm_peer	p = peer(1, MON_HA_BACKUP, 150, 0,
				    "192.0.2.1");
	struct mon_ha_fsm_in	in = me(MON_HA_BACKUP, 100, 0, "192.0.2.2",
				    &p, 1);
	const char		*why;

	(void)state;
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_BACKUP);
	/* equal priorities: the higher address (ours, .2) goes first */
	p.priority = 100;
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_MASTER);
}

static void
preempt_on_makes_the_master_yield_to_a_higher_backup(void **state)
{
	struct mon_ha_fsm_peer	p = peer(1, MON_HA_BACKUP, 150, 1,
				    "192.0.2.1");
	struct mon_ha_fsm_in	in = me(MON_HA_MASTER, 100, 1, "192.0.2.2",
				    &p, 1);
	const char		*why;

	(void)state;
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_BACKUP);
	assert_string_equal(why, "preempted");
	/* the higher one itself stays backup until the master yields:
	   never two masters */
	{
		struct mon_ha_fsm_peer	m = peer(1, MON_HA_MASTER, 100, 1,
					    "192.0.2.2");
		struct mon_ha_fsm_in	hi = me(MON_HA_BACKUP, 150, 1,
					    "192.0.2.1", &m, 1);

		assert_int_equal(mon_ha_decide(&hi, &why), MON_HA_BACKUP);
	}
	/* not to a peer still in INIT, nor to an equal priority */
	p.role = MON_HA_INIT;
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_MASTER);
	p.role = MON_HA_BACKUP;
	p.priority = 100;
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_MASTER);
}

static void
preempt_off_keeps_the_master_whatever_the_backup_priority(void **state)
{
	struct mon_ha_fsm_peer	p = peer(1, MON_HA_BACKUP, 250, 0,
				    "192.0.2.1");
	struct mon_ha_fsm_in	in = me(MON_HA_MASTER, 100, 0, "192.0.2.2",
				    &p, 1);
	const char		*why;

	(void)state;
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_MASTER);
}

static void
split_brain_resolves_to_priority_then_address(void **state)
{
	struct mon_ha_fsm_peer	p = peer(1, MON_HA_MASTER, 100, 0,
				    "192.0.2.1");
	struct mon_ha_fsm_in	in = me(MON_HA_MASTER, 100, 0, "192.0.2.2",
				    &p, 1);
	struct mon_ha_fsm_peer	q = peer(1, MON_HA_MASTER, 100, 0,
				    "192.0.2.2");
	struct mon_ha_fsm_in	other = me(MON_HA_MASTER, 100, 0, "192.0.2.1",
				    &q, 1);
	const char		*why;

	(void)state;
	/* same priority: .2 keeps it, .1 yields; both sides agree */
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_MASTER);
	assert_int_equal(mon_ha_decide(&other, &why), MON_HA_BACKUP);
	assert_string_equal(why, "peer outranks");
	/* a higher priority beats the address */
	p.priority = 101;
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_BACKUP);
}

static void
a_resigning_master_hands_over_and_a_fault_drops_out(void **state)
{
	struct mon_ha_fsm_peer	p = peer(1, MON_HA_BACKUP, 50, 0, "192.0.2.1");
	struct mon_ha_fsm_in	in = me(MON_HA_MASTER, 0, 0, "192.0.2.2", &p,
				    1);
	const char		*why;

	(void)state;
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_BACKUP);
	assert_string_equal(why, "failover requested");
	in.priority = 100;
	in.fault = 1;
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_FAULT);
	/* a faulty peer is no candidate */
	in.fault = 0;
	in.role = MON_HA_BACKUP;
	p = peer(1, MON_HA_FAULT, 200, 0, "192.0.2.1");
	assert_int_equal(mon_ha_decide(&in, &why), MON_HA_MASTER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_heartbeat_round_trips_every_field),
		cmocka_unit_test(a_wrong_key_or_one_flipped_bit_fails_the_hmac),
		cmocka_unit_test(what_is_not_a_heartbeat_is_not_parsed),
		cmocka_unit_test(the_replay_window_takes_only_newer_sequences),
		cmocka_unit_test(
		    a_restarted_peer_is_accepted_and_its_old_life_is_not),
		cmocka_unit_test(priority_ranks_first_then_the_higher_address),
		cmocka_unit_test(init_waits_then_the_first_ranked_takes_master),
		cmocka_unit_test(init_hearing_a_master_becomes_backup_at_once),
		cmocka_unit_test(a_backup_takes_over_when_no_master_lives),
		cmocka_unit_test(
		    a_backup_waits_for_a_higher_backup_when_nobody_is_master),
		cmocka_unit_test(
		    preempt_on_makes_the_master_yield_to_a_higher_backup),
		cmocka_unit_test(
		    preempt_off_keeps_the_master_whatever_the_backup_priority),
		cmocka_unit_test(split_brain_resolves_to_priority_then_address),
		cmocka_unit_test(
		    a_resigning_master_hands_over_and_a_fault_drops_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

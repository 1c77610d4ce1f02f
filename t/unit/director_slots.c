/*
 * t/unit/director_slots.c - what the director decides without a kernel:
 * slots per weight, the round-robin order, the checks that refuse what nft
 * cannot do, and the "none" backend keeping the table it was given.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "director/dir.h"
#include "director/nft_int.h"

static void
weights_1_3_get_a_quarter_and_three_quarters(void **state)
{
	uint32_t w[2] = { 1, 3 }, s[2];

	(void)state;
	assert_int_equal(nft_slots_apportion(w, 2, SLOT_SPACE, s), 0);
	assert_int_equal(s[0], SLOT_SPACE / 4);
	assert_int_equal(s[1], SLOT_SPACE / 4 * 3);
}

static void
every_slot_is_given_and_zero_weight_gets_none(void **state)
{
	uint32_t w[4] = { 7, 0, 13, 1 }, s[4];

	(void)state;
	assert_int_equal(nft_slots_apportion(w, 4, 1000, s), 0);
	assert_int_equal(s[0] + s[1] + s[2] + s[3], 1000);
	assert_int_equal(s[1], 0);
	assert_in_range(s[0], 333, 334);	/* 7/21 of 1000 */
	assert_in_range(s[2], 619, 620);
}

static void
a_tiny_weight_still_gets_a_slot(void **state)
{
	uint32_t w[3] = { 65535, 65535, 1 }, s[3];

	(void)state;
	assert_int_equal(nft_slots_apportion(w, 3, 100, s), 0);
	assert_int_equal(s[2], 1);
	assert_int_equal(s[0] + s[1] + s[2], 100);
}

static void
all_weights_zero_give_no_slot(void **state)
{
	uint32_t w[2] = { 0, 0 }, s[2] = { 9, 9 };

	(void)state;
	assert_int_equal(nft_slots_apportion(w, 2, 100, s), 0);
	assert_int_equal(s[0] + s[1], 0);
}

static void
rr_cycle_is_reduced_and_interleaved(void **state)
{
	uint32_t w[3] = { 2, 2, 4 }, seq[RR_CAP];
	size_t len, i, n[3] = { 0, 0, 0 };

	(void)state;
	len = nft_slots_rr(w, 3, RR_CAP, seq);
	assert_int_equal(len, 4);		/* gcd 2: 1:1:2 */
	for (i = 0; i < len; i++)
		n[seq[i]]++;
	assert_int_equal(n[0], 1);
	assert_int_equal(n[1], 1);
	assert_int_equal(n[2], 2);
	/* Smooth: within the cycle the heavy real's turns are not back to
	 * back (across the cycle's end they may be, as in IPVS's wrr). */
	for (i = 0; i + 1 < len; i++)
		assert_false(seq[i] == 2 && seq[i + 1] == 2);
}

static void
rr_large_weights_are_scaled_into_the_cap(void **state)
{
	uint32_t w[2] = { 65535, 1 }, seq[RR_CAP];
	size_t len, i, one = 0;

	(void)state;
	len = nft_slots_rr(w, 2, RR_CAP, seq);
	assert_in_range(len, 2, RR_CAP);
	for (i = 0; i < len; i++)
		one += seq[i] == 1;
	assert_int_equal(one, 1);
}

static struct dir_table
table(const char *sched, enum dir_fwd fwd)
{
	static struct dir_service s;
	static struct dir_real r[2];
	struct dir_table t = { &s, 1 };

	memset(&s, 0, sizeof(s));
	memset(r, 0, sizeof(r));
	s.id = 1;
	s.family = AF_INET;
	s.proto = IPPROTO_TCP;
	inet_pton(AF_INET, "203.0.113.10", &s.addr.v4);
	s.port = 80;
	snprintf(s.sched, sizeof(s.sched), "%s", sched);
	s.fwd = fwd;
	s.reals = r;
	s.nreals = 2;
	r[0].id = 11;
	r[1].id = 12;
	r[0].family = r[1].family = AF_INET;
	inet_pton(AF_INET, "198.51.100.11", &r[0].addr.v4);
	inet_pton(AF_INET, "198.51.100.12", &r[1].addr.v4);
	r[0].port = r[1].port = 8080;
	r[0].weight = 1;
	r[1].weight = 3;
	return t;
}

static void
nft_refuses_lc_naming_the_service(void **state)
{
	struct dir_table t = table("lc", DIR_FWD_NAT);
	char err[256] = "";

	(void)state;
	assert_true(nft_check_table(&t, err, sizeof(err)) < 0);
	assert_string_equal(err, "service tcp/203.0.113.10:80: scheduler lc "
	    "is not supported by the nft backend (use rr, wrr, sh)");
}

static void
nft_refuses_dr_and_tun(void **state)
{
	struct dir_table t = table("wrr", DIR_FWD_DR);
	char err[256] = "";

	(void)state;
	assert_true(nft_check_table(&t, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "forwarding dr is not supported"));
	t = table("wrr", DIR_FWD_TUN);
	assert_true(nft_check_table(&t, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "forwarding tun is not supported"));
}

static void
nft_refuses_ipvs_only_fields_naming_them(void **state)
{
	struct dir_table t = table("wrr", DIR_FWD_NAT);
	char err[256] = "";

	(void)state;
	t.svcs[0].persist = 300;
	assert_true(nft_check_table(&t, err, sizeof(err)) < 0);
	assert_string_equal(err, "service tcp/203.0.113.10:80: persistence "
	    "is not supported by the nft backend (needs ipvs)");
	t = table("sh", DIR_FWD_NAT);
	t.svcs[0].flags = DIR_SVC_SCHED_F1;
	assert_true(nft_check_table(&t, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "scheduler flags are not supported"));
	t = table("wrr", DIR_FWD_NAT);
	t.svcs[0].proto = IPPROTO_UDP;
	t.svcs[0].flags = DIR_SVC_ONEPACKET;
	assert_true(nft_check_table(&t, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "one-packet scheduling is not supported"));
	t = table("wrr", DIR_FWD_NAT);
	t.svcs[0].reals[1].u_thresh = 10;
	assert_true(nft_check_table(&t, err, sizeof(err)) < 0);
	assert_string_equal(err, "service tcp/203.0.113.10:80: real "
	    "198.51.100.12: connection thresholds are not supported by the "
	    "nft backend (needs ipvs)");
	/* and the caps say so before any table is built */
	assert_int_equal(dir_backend_find("nft")->caps & DIR_CAP_PERSIST, 0);
	assert_true(dir_backend_find("ipvs")->caps & DIR_CAP_PERSIST);
	assert_string_equal(dir_backend_with(DIR_CAP_THRESH)->name, "ipvs");
	assert_false(dir_backend_has_sched(dir_backend_find("nft"), "lc"));
	assert_true(dir_backend_has_sched(dir_backend_find("ipvs"), "mh"));
	assert_true(dir_backend_has_sched(dir_backend_find("none"), "x"));
}

static void
nft_refuses_a_real_id_used_twice(void **state)
{
	struct dir_table t = table("rr", DIR_FWD_NAT);
	char err[256] = "";

	(void)state;
	assert_int_equal(nft_check_table(&t, err, sizeof(err)), 0);
	t.svcs[0].reals[1].id = 11;
	assert_true(nft_check_table(&t, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "real id 11 is used twice"));
}

static void
none_backend_keeps_and_applies_the_table(void **state)
{
	const struct dir_backend_ops *ops = dir_backend_find("none");
	struct dir_table t = table("lc", DIR_FWD_DR), got;
	struct dir_change ch = { 1, 12, 0 }, bad = { 1, 99, 1 };
	struct dir_backend *b;
	char err[256];

	(void)state;
	assert_non_null(ops);
	assert_int_equal(ops->open(&b, err, sizeof(err)), 0);
	assert_int_equal(ops->sync(b, &t, err, sizeof(err)), 0);
	assert_int_equal(ops->apply(b, &ch, 1, err, sizeof(err)), 0);
	assert_true(ops->apply(b, &bad, 1, err, sizeof(err)) < 0);
	assert_int_equal(ops->read_stats(b, &got, err, sizeof(err)), 0);
	assert_int_equal(got.nsvcs, 1);
	assert_int_equal(got.svcs[0].nreals, 2);
	assert_int_equal(got.svcs[0].reals[0].weight, 1);
	assert_int_equal(got.svcs[0].reals[1].weight, 0);
	dir_table_free(&got);
	ops->close(b);
}

static void
backends_are_found_by_name(void **state)
{
	const struct dir_backend_ops *ops;
	char why[256] = "", want[32];

	(void)state;
	assert_string_equal(dir_backend_find("nft")->name, "nft");
	assert_string_equal(dir_backend_find("ipvs")->name, "ipvs");
	/* ipvs where the kernel has it (after modprobe), else nft */
	ops = dir_backend_auto(why, sizeof(why));
	assert_true(strcmp(ops->name, "nft") == 0 ||
	    strcmp(ops->name, "ipvs") == 0);
	snprintf(want, sizeof(want), "using %s", ops->name);
	assert_non_null(strstr(why, want));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(weights_1_3_get_a_quarter_and_three_quarters),
		cmocka_unit_test(every_slot_is_given_and_zero_weight_gets_none),
		cmocka_unit_test(a_tiny_weight_still_gets_a_slot),
		cmocka_unit_test(all_weights_zero_give_no_slot),
		cmocka_unit_test(rr_cycle_is_reduced_and_interleaved),
		cmocka_unit_test(rr_large_weights_are_scaled_into_the_cap),
		cmocka_unit_test(nft_refuses_lc_naming_the_service),
		cmocka_unit_test(nft_refuses_dr_and_tun),
		cmocka_unit_test(nft_refuses_ipvs_only_fields_naming_them),
		cmocka_unit_test(nft_refuses_a_real_id_used_twice),
		cmocka_unit_test(none_backend_keeps_and_applies_the_table),
		cmocka_unit_test(backends_are_found_by_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

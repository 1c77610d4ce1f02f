/*
 * t/unit/director_ipvs.c - what the ipvs backend refuses and how it turns
 * a dir_table into IPVS terms, before any message goes to a kernel
 * (dir_ipvs_check_table; the kernel side runs in the guest, t/vm/).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <linux/ip_vs.h>

#include "director/ipvs_int.h"

static struct dir_real reals[4];
static struct dir_service svc;
static struct dir_table tab = { &svc, 1 };

static void
one_service(int proto, const char *vip, uint16_t port, const char *sched)
{
	memset(&svc, 0, sizeof(svc));
	memset(reals, 0, sizeof(reals));
	svc.id = 1;
	svc.family = strchr(vip, ':') ? AF_INET6 : AF_INET;
	svc.proto = proto;
	inet_pton(svc.family, vip, &svc.addr);
	svc.port = port;
	snprintf(svc.sched, sizeof(svc.sched), "%s", sched);
	svc.reals = reals;
}

static void
add_real(uint32_t id, const char *addr, uint16_t port, uint32_t w)
{
	struct dir_real *r = &reals[svc.nreals++];

	r->id = id;
	r->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	inet_pton(r->family, addr, &r->addr);
	r->port = port;
	r->weight = w;
}

static int
check(char *err, size_t len, struct ipvs_tab *out)
{
	err[0] = '\0';
	return dir_ipvs_check_table(&tab, out, err, len);
}

static void
an_unknown_scheduler_is_refused_naming_the_service(void **state)
{
	struct ipvs_tab t;
	char err[256];

	(void)state;
	one_service(IPPROTO_TCP, "203.0.113.10", 80, "fastest");
	add_real(11, "198.51.100.11", 8080, 1);
	assert_int_equal(check(err, sizeof(err), &t), -EINVAL);
	assert_non_null(strstr(err, "service tcp/203.0.113.10:80: scheduler "
	    "fastest is not an IPVS scheduler"));
}

static void
every_ipvs_scheduler_name_is_accepted(void **state)
{
	static const char *const names[] = { "rr", "wrr", "lc", "wlc",
	    "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
	    "twos", NULL };
	struct ipvs_tab t;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; names[i] != NULL; i++) {
		one_service(IPPROTO_UDP, "203.0.113.10", 53, names[i]);
		assert_int_equal(check(err, sizeof(err), &t), 0);
		assert_string_equal(t.s[0].sched, names[i]);
		ipvs_tab_free(&t);
	}
	one_service(IPPROTO_UDP, "203.0.113.10", 53, "");
	assert_int_equal(check(err, sizeof(err), &t), 0);
	assert_string_equal(t.s[0].sched, "wrr");	/* the default */
	ipvs_tab_free(&t);
}

static void
persistence_becomes_flag_timeout_and_netmask(void **state)
{
	struct ipvs_tab t;
	char err[256];

	(void)state;
	one_service(IPPROTO_TCP, "203.0.113.10", 443, "wlc");
	svc.persist = 300;
	svc.persist_plen = 24;
	svc.flags = DIR_SVC_SCHED_F2;
	assert_int_equal(check(err, sizeof(err), &t), 0);
	assert_int_equal(t.s[0].flags, IP_VS_SVC_F_PERSISTENT |
	    IP_VS_SVC_F_SCHED2);
	assert_int_equal(t.s[0].timeout, 300);
	assert_int_equal(t.s[0].netmask, htonl(0xffffff00u));
	ipvs_tab_free(&t);

	svc.persist_plen = 0;		/* the whole address */
	assert_int_equal(check(err, sizeof(err), &t), 0);
	assert_int_equal(t.s[0].netmask, 0xffffffffu);
	ipvs_tab_free(&t);

	one_service(IPPROTO_TCP, "2001:db8:ff::10", 443, "rr");
	svc.persist = 60;
	svc.persist_plen = 64;		/* IPv6: a prefix length */
	assert_int_equal(check(err, sizeof(err), &t), 0);
	assert_int_equal(t.s[0].netmask, 64);
	ipvs_tab_free(&t);
	svc.persist_plen = 0;
	assert_int_equal(check(err, sizeof(err), &t), 0);
	assert_int_equal(t.s[0].netmask, 128);
	ipvs_tab_free(&t);
	svc.persist_plen = 129;
	assert_int_equal(check(err, sizeof(err), &t), -EINVAL);
	assert_non_null(strstr(err, "persistence prefix /129"));
}

static void
forwarding_and_thresholds_go_to_every_real(void **state)
{
	struct ipvs_tab t;
	char err[256];

	(void)state;
	one_service(IPPROTO_TCP, "203.0.113.10", 80, "wrr");
	svc.fwd = DIR_FWD_DR;
	add_real(12, "198.51.100.12", 80, 3);
	add_real(11, "198.51.100.11", 80, 1);
	reals[1].u_thresh = 100;
	reals[1].l_thresh = 50;
	assert_int_equal(check(err, sizeof(err), &t), 0);
	/* sorted by address: .11 first */
	assert_int_equal(t.s[0].nd, 2);
	assert_int_equal(t.s[0].d[0].id, 11);
	assert_int_equal(t.s[0].d[0].fwd, IP_VS_CONN_F_DROUTE);
	assert_int_equal(t.s[0].d[0].u_thresh, 100);
	assert_int_equal(t.s[0].d[0].l_thresh, 50);
	assert_int_equal(t.s[0].d[1].id, 12);
	assert_int_equal(t.s[0].d[1].weight, 3);
	ipvs_tab_free(&t);

	reals[1].l_thresh = 200;
	assert_int_equal(check(err, sizeof(err), &t), -EINVAL);
	assert_non_null(strstr(err, "lower threshold 200 above the upper"));
}

static void
what_ipvs_cannot_do_is_refused(void **state)
{
	struct ipvs_tab t;
	char err[256];

	(void)state;
	/* an IPv6 real behind an IPv4 NAT service */
	one_service(IPPROTO_TCP, "203.0.113.10", 80, "wrr");
	add_real(11, "2001:db8:2::11", 8080, 1);
	assert_int_equal(check(err, sizeof(err), &t), -EINVAL);
	assert_non_null(strstr(err, "mixes IPv4 and IPv6 only when "
	    "tunnelling"));
	svc.fwd = DIR_FWD_TUN;		/* that IPVS can do */
	assert_int_equal(check(err, sizeof(err), &t), 0);
	ipvs_tab_free(&t);

	/* port 0 without persistence */
	one_service(IPPROTO_TCP, "203.0.113.10", 0, "wrr");
	assert_int_equal(check(err, sizeof(err), &t), -EINVAL);
	assert_non_null(strstr(err, "port 0 (all ports) needs persistence"));

	/* one-packet scheduling on tcp */
	one_service(IPPROTO_TCP, "203.0.113.10", 80, "wrr");
	svc.flags = DIR_SVC_ONEPACKET;
	assert_int_equal(check(err, sizeof(err), &t), -EINVAL);
	assert_non_null(strstr(err, "one-packet scheduling is for udp"));

	/* the same real twice */
	one_service(IPPROTO_UDP, "203.0.113.10", 53, "rr");
	add_real(11, "198.51.100.11", 53, 1);
	add_real(12, "198.51.100.11", 53, 2);
	assert_int_equal(check(err, sizeof(err), &t), -EINVAL);
	assert_non_null(strstr(err, "198.51.100.11 port 53 is in it twice"));

	/* a weight over the limit */
	one_service(IPPROTO_UDP, "203.0.113.10", 53, "rr");
	add_real(11, "198.51.100.11", 53, 70000);
	assert_int_equal(check(err, sizeof(err), &t), -EINVAL);
	assert_non_null(strstr(err, "weight 70000 not in 0..65535"));
}

static void
a_fwmark_service_has_no_protocol_or_address(void **state)
{
	struct ipvs_tab t;
	char err[256];

	(void)state;
	one_service(0, "0.0.0.0", 0, "sh");
	svc.fwmark = 7;
	add_real(11, "198.51.100.11", 0, 1);
	assert_int_equal(check(err, sizeof(err), &t), 0);
	assert_int_equal(t.s[0].fwmark, 7);
	assert_int_equal(t.s[0].proto, 0);
	assert_int_equal(t.s[0].port, 0);
	assert_int_equal(t.s[0].d[0].port, 0);
	ipvs_tab_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    an_unknown_scheduler_is_refused_naming_the_service),
		cmocka_unit_test(every_ipvs_scheduler_name_is_accepted),
		cmocka_unit_test(persistence_becomes_flag_timeout_and_netmask),
		cmocka_unit_test(forwarding_and_thresholds_go_to_every_real),
		cmocka_unit_test(what_ipvs_cannot_do_is_refused),
		cmocka_unit_test(a_fwmark_service_has_no_protocol_or_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

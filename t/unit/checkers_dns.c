/*
 * t/unit/checkers_dns.c - the dns check against a fake DNS server on a UDP
 * socket of 127.0.0.1 on the same event loop.  The server answers the
 * question it got with what the test asked for: addresses (with a
 * compressed owner name), an rcode, a stray reply with another ID first, or
 * a cut reply.  The config goes through the daemon's loader.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <event2/event.h>

#include "monitor/model.h"
#include "monitor/probe.h"

#define DEADLINE_S	5

enum mode { ANSWER = 0, RCODE, STRAY_FIRST, CUT, SILENT };

struct ctx {
	struct event_base	*base;
	struct mon_model	 m;
	int			 loaded;
	struct event		*deadline;
	int			 done;
	struct probe_result	 res;
	int			 ufd, port, closed_port;
	struct event		*uev;
	enum mode		 mode;
	int			 rcode;
	const char		*addrs[3];	/* A answers */
	int			 queries;
	unsigned char		 q[512];	/* last query */
	size_t			 qlen;
};

static struct ctx	*cur;

static void
on_done(struct probe *p, const struct probe_result *r)
{
	assert_null(p->run);
	cur->done++;
	cur->res = *r;
	event_base_loopbreak(cur->base);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

/* The reply to c->q: header, the question echoed, the answers. */
static size_t
reply(struct ctx *c, unsigned char *m, int id_delta)
{
	size_t		o = c->qlen;
	int		id = ((c->q[0] << 8) | c->q[1]) + id_delta;
	int		n = 0;

	memcpy(m, c->q, c->qlen);
	m[0] = (unsigned char)(id >> 8);
	m[1] = (unsigned char)id;
	m[2] = 0x81;		/* QR, RD */
	m[3] = (unsigned char)(0x80 | (c->mode == RCODE ? c->rcode : 0));
	for (int i = 0; c->mode != RCODE && i < 3 && c->addrs[i]; i++) {
		static const unsigned char rr[] = {
			0xc0, 12,		/* the question's name */
			0, 1, 0, 1,		/* A IN */
			0, 0, 0, 60, 0, 4 };	/* TTL 60, 4 bytes */

		memcpy(m + o, rr, sizeof(rr));
		o += sizeof(rr);
		inet_pton(AF_INET, c->addrs[i], m + o);
		o += 4;
		n++;
	}
	m[6] = 0;
	m[7] = (unsigned char)n;
	return o;
}

static void
srv(evutil_socket_t fd, short what, void *arg)
{
	struct ctx		*c = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	unsigned char		 m[512];
	ssize_t			 n;
	size_t			 rl;

	n = recvfrom(fd, c->q, sizeof(c->q), 0, (struct sockaddr *)&ss, &len);
	if (n < 12)
		return;
	c->qlen = (size_t)n;
	c->queries++;
	switch (c->mode) {
	case SILENT:
		return;
	case STRAY_FIRST:
		rl = reply(c, m, 1);
		sendto(fd, m, rl, 0, (struct sockaddr *)&ss, len);
		break;
	default:
		break;
	}
	rl = reply(c, m, 0);
	if (c->mode == CUT)
		rl -= 3;	/* the last answer's address is cut short */
	sendto(fd, m, rl, 0, (struct sockaddr *)&ss, len);
}

static int
udp_bound(int *port)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	int			fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK,
				    0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, len), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static int
setup(void **state)
{
	struct ctx	*c = calloc(1, sizeof(*c));

	c->base = event_base_new();
	c->deadline = evtimer_new(c->base, on_deadline, c->base);
	c->ufd = udp_bound(&c->port);
	c->uev = event_new(c->base, c->ufd, EV_READ | EV_PERSIST, srv, c);
	event_add(c->uev, NULL);
	close(udp_bound(&c->closed_port));
	cur = c;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx	*c = *state;

	if (c->loaded) {
		struct probe *p = c->m.svcs[0].reals[0].probe;

		if (p->run != NULL)
			p->type->cancel(p);
		mon_model_free(&c->m);
	}
	event_free(c->uev);
	close(c->ufd);
	event_free(c->deadline);
	event_base_free(c->base);
	free(c);
	return 0;
}

static int
load(struct ctx *c, int port, const char *keys, struct err *e)
{
	char	 path[64];
	FILE	*f;
	int	 fd, rc;

	if (c->loaded)
		mon_model_free(&c->m);
	c->loaded = 0;
	snprintf(path, sizeof(path), "/tmp/lvsmon-dns-XXXXXX");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fprintf(f, "global = { backend = \"none\";\n"
	    "  control_socket = \"/tmp/x.sock\"; };\n"
	    "services = ( { name = \"dns\"; address = \"203.0.113.53\";\n"
	    "  port = 53; protocol = \"udp\";\n"
	    "  real_servers = ( { address = \"127.0.0.1\"; port = %d;\n"
	    "  check = { type = \"dns\"; %s }; } ); } );\n", port, keys);
	fclose(f);
	rc = mon_model_load(&c->m, path, e);
	unlink(path);
	c->loaded = rc == 0;
	return rc;
}

static void
check(struct ctx *c, int port, const char *keys)
{
	struct err	 e = { "" };
	struct timeval	 tv = { DEADLINE_S, 0 };
	struct probe	*p;

	if (load(c, port, keys, &e) != 0)
		fail_msg("load: %s", e.msg);
	p = c->m.svcs[0].reals[0].probe;
	p->base = c->base;
	p->on_done = on_done;
	c->done = 0;
	evtimer_add(c->deadline, &tv);
	assert_int_equal(p->type->start(p), 0);
	if (!c->done)
		event_base_dispatch(c->base);
	evtimer_del(c->deadline);
	assert_int_equal(c->done, 1);
}

static void
an_answer_with_the_address_passes(void **state)
{
	struct ctx	*c = *state;
	static const unsigned char qname[] = "\3www\7example\3com";

	c->addrs[0] = "192.0.2.80";
	c->addrs[1] = "192.0.2.81";
	check(c, c->port, "name = \"www.example.com\"; "
	    "expect = \"192.0.2.81\";");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_string_equal(c->res.msg,
	    "dns: www.example.com A NOERROR, 2 answers");
	/* the query: RD set, one question, the name, A IN */
	assert_int_equal(c->q[2], 0x01);
	assert_int_equal(c->q[5], 1);
	assert_memory_equal(c->q + 12, qname, sizeof(qname));
	assert_memory_equal(c->q + 12 + sizeof(qname), "\0\1\0\1", 4);
}

static void
a_missing_address_lists_what_came(void **state)
{
	struct ctx	*c = *state;

	c->addrs[0] = "192.0.2.80";
	check(c, c->port, "name = \"www.example.com\"; "
	    "expect = \"192.0.2.5\";");
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	assert_string_equal(c->res.msg,
	    "dns: www.example.com A: no 192.0.2.5 in 192.0.2.80");
}

static void
another_rcode_is_l7rsp(void **state)
{
	struct ctx	*c = *state;

	c->mode = RCODE;
	c->rcode = 3;
	check(c, c->port, "name = \"gone.example\";");
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	assert_string_equal(c->res.msg, "dns: rcode NXDOMAIN, want NOERROR");
	/* ... unless that is what the operator wants */
	check(c, c->port, "name = \"gone.example\"; rcode = \"NXDOMAIN\";");
	assert_int_equal(c->res.verdict, CHK_V_OK);
}

static void
a_reply_with_another_id_is_ignored(void **state)
{
	struct ctx	*c = *state;

	c->mode = STRAY_FIRST;
	c->addrs[0] = "192.0.2.80";
	check(c, c->port, "name = \"www.example.com\"; "
	    "expect = \"192.0.2.80\";");
	assert_int_equal(c->res.verdict, CHK_V_OK);
}

static void
a_cut_reply_is_malformed(void **state)
{
	struct ctx	*c = *state;

	c->mode = CUT;
	c->addrs[0] = "192.0.2.80";
	check(c, c->port, "name = \"www.example.com\";");
	assert_int_equal(c->res.reason, CHK_R_PROTOCOL);
	assert_string_equal(c->res.msg, "dns: malformed reply");
}

static void
a_closed_port_is_l4con(void **state)
{
	struct ctx	*c = *state;

	check(c, c->closed_port, "name = \"www.example.com\";");
	assert_int_equal(c->res.reason, CHK_R_CONNREFUSED);
	assert_string_equal(c->res.msg, "read: ECONNREFUSED");
}

static void
config_errors(void **state)
{
	struct ctx	*c = *state;
	struct err	 e = { "" };

	assert_int_not_equal(load(c, 53, "qtype = \"A\";", &e), 0);
	assert_non_null(strstr(e.msg, "name"));
	assert_int_not_equal(load(c, 53, "name = \"a..b\";", &e), 0);
	assert_non_null(strstr(e.msg, "is not a DNS name"));
	assert_int_not_equal(load(c, 53, "name = \"x\"; qtype = \"MX\"; "
	    "expect = \"192.0.2.1\";", &e), 0);
	assert_non_null(strstr(e.msg, "expect goes with qtype A or AAAA"));
	assert_int_not_equal(load(c, 53, "name = \"x\"; qtype = \"AAAA\"; "
	    "expect = \"192.0.2.1\";", &e), 0);
	assert_non_null(strstr(e.msg, "expected an IPv6 address"));
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(an_answer_with_the_address_passes),
		T(a_missing_address_lists_what_came),
		T(another_rcode_is_l7rsp),
		T(a_reply_with_another_id_is_ignored),
		T(a_cut_reply_is_malformed),
		T(a_closed_port_is_l4con),
		T(config_errors),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * t/unit/checkers_syn.c - tcp with mode = "syn", the half-open check,
 * against listeners on 127.0.0.1 and ::1: a listening port passes and its
 * server never gets a connection to accept (the handshake was never
 * completed, unlike mode "connect", checked the same way as a control); a
 * closed port answers RST.  The same for mode = "raw" (the batched prober,
 * checkers/rawsyn.c), and 300 raw checks started in one loop turn (one
 * batch of SYNs) each end on their own answer: 200 listeners pass, 100
 * closed ports fail with RST, no listener has a connection to accept.
 * Needs CAP_NET_RAW: skipped without it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <event2/event.h>

#include "monitor/model.h"
#include "monitor/probe.h"

struct ctx {
	struct event_base	*base;
	struct mon_model	 m;
	int			 loaded;
	struct event		*deadline;
	int			 done;
	struct probe_result	 res;
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

	if (c->loaded)
		mon_model_free(&c->m);
	event_free(c->deadline);
	event_base_free(c->base);
	free(c);
	return 0;
}

/* A listener (or, listen 0, a closed port) on the loopback of family. */
static int
port_on(int family, int do_listen, int *port)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			fd;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
		len = sizeof(struct sockaddr_in6);
	} else {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
		len = sizeof(struct sockaddr_in);
	}
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*port = ntohs(family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	if (do_listen)
		assert_int_equal(listen(fd, 16), 0);
	else {
		close(fd);
		fd = -2;
	}
	return fd;
}

static void
run_check(struct ctx *c, const char *addr, int port, const char *mode)
{
	char		 path[64];
	struct err	 e = { "" };
	struct timeval	 tv = { 5, 0 };
	struct probe	*p;
	FILE		*f;

	if (c->loaded)
		mon_model_free(&c->m);
	snprintf(path, sizeof(path), "/tmp/lvsmon-syn-XXXXXX");
	f = fdopen(mkstemp(path), "w");
	fprintf(f, "global = { backend = \"none\";\n"
	    "  control_socket = \"/tmp/x.sock\"; };\n"
	    "services = ( { name = \"s\"; address = \"%s\";\n"
	    "  port = 80; real_servers = ( { address = \"%s\"; port = %d;\n"
	    "  check = { type = \"tcp\"; mode = \"%s\"; }; } ); } );\n",
	    strchr(addr, ':') ? "2001:db8:ff::10" : "203.0.113.10", addr,
	    port, mode);
	fclose(f);
	if (mon_model_load(&c->m, path, &e) != 0)
		fail_msg("load: %s", e.msg);
	unlink(path);
	c->loaded = 1;
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

/* Has the listener a connection to accept, after a moment for the RST? */
static int
accepts(int lfd)
{
	struct timespec	ts = { 0, 50000000 };
	int		fd;

	nanosleep(&ts, NULL);
	fd = accept(lfd, NULL, NULL);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	return 0;
}

static int
raw_allowed(void)
{
	int	fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static void
half_open_mode(void **state, int family, const char *addr, const char *mode)
{
	struct ctx	*c = *state;
	int		 port, lfd;

	if (!raw_allowed()) {
		skip();		/* needs CAP_NET_RAW */
		return;
	}
	if ((lfd = port_on(family, 1, &port)) < 0) {
		skip();		/* no ::1 here */
		return;
	}
	run_check(c, addr, port, mode);
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_int_equal(c->res.reason, CHK_R_OK);
	assert_non_null(strstr(c->res.msg, "syn-ack in "));
	assert_false(accepts(lfd));
	/* the control: a full connect leaves one to accept */
	run_check(c, addr, port, "connect");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_true(accepts(lfd));
	close(lfd);
}

static void
syn_passes_on_ipv4_and_the_server_accepts_nothing(void **state)
{
	half_open_mode(state, AF_INET, "127.0.0.1", "syn");
}

static void
syn_passes_on_ipv6_and_the_server_accepts_nothing(void **state)
{
	half_open_mode(state, AF_INET6, "::1", "syn");
}

static void
raw_passes_on_ipv4_and_the_server_accepts_nothing(void **state)
{
	half_open_mode(state, AF_INET, "127.0.0.1", "raw");
}

static void
raw_passes_on_ipv6_and_the_server_accepts_nothing(void **state)
{
	half_open_mode(state, AF_INET6, "::1", "raw");
}

static void
closed_port(void **state, const char *mode)
{
	struct ctx	*c = *state;
	int		 port;

	if (!raw_allowed()) {
		skip();
		return;
	}
	port_on(AF_INET, 0, &port);
	run_check(c, "127.0.0.1", port, mode);
	assert_int_equal(c->res.verdict, CHK_V_FAIL);
	assert_int_equal(c->res.reason, CHK_R_CONNREFUSED);
	assert_string_equal(c->res.msg, "syn: RST");
}

static void
a_closed_port_answers_rst(void **state)
{
	closed_port(state, "syn");
}

static void
a_closed_port_answers_rst_to_the_raw_prober(void **state)
{
	closed_port(state, "raw");
}

#define NOPEN	200
#define NCLOSED	100

static int		 batch_ok, batch_rst, batch_other;

static void
on_batch_done(struct probe *p, const struct probe_result *r)
{
	/* the port tells which answer this real should have had */
	int	open = p->rs - p->rs->svc->reals < NOPEN;

	if (r->verdict == CHK_V_OK && open)
		batch_ok++;
	else if (r->reason == CHK_R_CONNREFUSED && !open)
		batch_rst++;
	else
		batch_other++;
	if (batch_ok + batch_rst + batch_other == NOPEN + NCLOSED)
		event_base_loopbreak(cur->base);
}

static void
one_turn_of_raw_checks_each_ends_on_its_own_answer(void **state)
{
	struct ctx	*c = *state;
	int		 lfd[NOPEN + NCLOSED], port[NOPEN + NCLOSED];
	char		 path[64];
	struct err	 e = { "" };
	struct timeval	 tv = { 10, 0 };
	FILE		*f;

	if (!raw_allowed()) {
		skip();
		return;
	}
	/* all bound at once, so the ports differ; then the closed ones
	   are closed */
	for (int i = 0; i < NOPEN + NCLOSED; i++)
		assert_true((lfd[i] = port_on(AF_INET, 1, &port[i])) >= 0);
	for (int i = NOPEN; i < NOPEN + NCLOSED; i++)
		close(lfd[i]);
	snprintf(path, sizeof(path), "/tmp/lvsmon-syn-XXXXXX");
	f = fdopen(mkstemp(path), "w");
	fprintf(f, "global = { backend = \"none\";\n"
	    "  control_socket = \"/tmp/x.sock\"; };\n"
	    "services = ( { name = \"s\"; address = \"203.0.113.10\";\n"
	    "  port = 80; check = { type = \"tcp\"; mode = \"raw\"; };\n"
	    "  real_servers = (\n");
	for (int i = 0; i < NOPEN + NCLOSED; i++)
		fprintf(f, "%s    { address = \"127.0.0.1\"; port = %d; }",
		    i ? ",\n" : "", port[i]);
	fprintf(f, "\n  ); } );\n");
	fclose(f);
	if (mon_model_load(&c->m, path, &e) != 0)
		fail_msg("load: %s", e.msg);
	unlink(path);
	c->loaded = 1;
	batch_ok = batch_rst = batch_other = 0;
	for (int i = 0; i < NOPEN + NCLOSED; i++) {
		struct probe *p = c->m.svcs[0].reals[i].probe;

		p->base = c->base;
		p->on_done = on_batch_done;
		assert_int_equal(p->type->open(p), 0);
	}
	for (int i = 0; i < NOPEN + NCLOSED; i++) {
		struct probe *p = c->m.svcs[0].reals[i].probe;

		assert_int_equal(p->type->start(p), 0);
	}
	assert_int_equal(batch_ok + batch_rst + batch_other, 0);
	evtimer_add(c->deadline, &tv);
	event_base_dispatch(c->base);
	evtimer_del(c->deadline);
	assert_int_equal(batch_other, 0);
	assert_int_equal(batch_ok, NOPEN);
	assert_int_equal(batch_rst, NCLOSED);
	for (int i = 0; i < NOPEN; i++) {
		assert_false(accepts(lfd[i]));
		close(lfd[i]);
	}
	/* the scheduler lets go at stop; the last close frees the engine */
	for (int i = 0; i < NOPEN + NCLOSED; i++) {
		struct probe *p = c->m.svcs[0].reals[i].probe;

		p->type->close(p);
	}
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(syn_passes_on_ipv4_and_the_server_accepts_nothing),
		T(syn_passes_on_ipv6_and_the_server_accepts_nothing),
		T(a_closed_port_answers_rst),
		T(raw_passes_on_ipv4_and_the_server_accepts_nothing),
		T(raw_passes_on_ipv6_and_the_server_accepts_nothing),
		T(a_closed_port_answers_rst_to_the_raw_prober),
		T(one_turn_of_raw_checks_each_ends_on_its_own_answer),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}

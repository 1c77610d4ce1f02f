/*
 * t/unit/checkers_tcp.c - the tcp check against real loopback sockets.
 *
 * Each test makes its own listener on 127.0.0.1 or ::1 (ephemeral port),
 * runs the probe on one event_base with the listener's accept() on the same
 * loop, and waits with a deadline (an evtimer; hitting it fails the test).
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
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <event2/event.h>

#include "monitor/probe.h"

extern const struct probe_type chk_tcp;

#define DEADLINE_S	5

struct ctx {
	struct event_base	*base;
	struct probe		 p;
	int			 done;		/* on_done calls */
	struct probe_result	 res;
	int			 lfd;		/* listener, -1: none */
	struct event		*lev;
	int			 accepted;
	int			 acc_fd;	/* last accepted, -1: none */
};

static struct ctx	*cur;

static void
on_done(struct probe *p, const struct probe_result *r)
{
	assert_ptr_equal(p, &cur->p);
	assert_null(p->run);
	cur->done++;
	cur->res = *r;
}

static void
on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct ctx	*c = arg;
	int		 cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK |
			    SOCK_CLOEXEC);

	if (cfd < 0)
		return;
	if (c->acc_fd >= 0)
		close(c->acc_fd);
	c->acc_fd = cfd;
	c->accepted++;
}

/* A listener on the loopback of family; returns its port.  backlog 0
 * with nobody accepting makes a listener whose queue fills at once. */
static int
listen_on(struct ctx *c, int family, int backlog, int accept_too)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			one = 1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s4);
	}
	c->lfd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	assert_true(c->lfd >= 0);
	setsockopt(c->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(c->lfd, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(listen(c->lfd, backlog), 0);
	assert_int_equal(getsockname(c->lfd, (struct sockaddr *)&ss, &len),
	    0);
	if (accept_too) {
		c->lev = event_new(c->base, c->lfd, EV_READ | EV_PERSIST,
		    on_accept, c);
		event_add(c->lev, NULL);
	}
	return ntohs(family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
}

/* A port on which nothing listens: bound then closed. */
static int
closed_port(int family)
{
	struct ctx	tmp = { .lfd = -1 };
	int		port;

	port = listen_on(&tmp, family, 1, 0);
	close(tmp.lfd);
	return port;
}

static void
probe_setup(struct ctx *c, int family, int port)
{
	struct probe	*p = &c->p;

	memset(p, 0, sizeof(*p));
	p->type = &chk_tcp;
	p->base = c->base;
	p->on_done = on_done;
	p->timeout_ms = 1000;
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&p->addr;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons(port);
		p->addrlen = sizeof(*s6);
		snprintf(p->host, sizeof(p->host), "::1");
		snprintf(p->name, sizeof(p->name), "[::1]:%d", port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&p->addr;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s4->sin_port = htons(port);
		p->addrlen = sizeof(*s4);
		snprintf(p->host, sizeof(p->host), "127.0.0.1");
		snprintf(p->name, sizeof(p->name), "127.0.0.1:%d", port);
	}
	assert_int_equal(chk_tcp.configure(NULL, p, NULL), 0);
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Run the loop until *flag >= want, failing the test after DEADLINE_S. */
static void
run_until(struct ctx *c, const int *flag, int want)
{
	struct timeval	 tv = { DEADLINE_S, 0 };
	int		 late = 0;
	struct event	*dl = evtimer_new(c->base, deadline_cb, &late);

	evtimer_add(dl, &tv);
	while (*flag < want && !late)
		event_base_loop(c->base, EVLOOP_ONCE);
	event_free(dl);
	if (late)
		fail_msg("no outcome within %d s", DEADLINE_S);
}

/* Let the loop run what is ready now, a few turns, without waiting. */
static void
spin(struct ctx *c)
{
	for (int i = 0; i < 10; i++)
		event_base_loop(c->base, EVLOOP_NONBLOCK);
}

static int
setup(void **state)
{
	struct ctx	*c = calloc(1, sizeof(*c));

	c->base = event_base_new();
	c->lfd = -1;
	c->acc_fd = -1;
	cur = c;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx	*c = *state;

	if (c->p.run != NULL)
		chk_tcp.cancel(&c->p);
	if (c->lev != NULL)
		event_free(c->lev);
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->acc_fd >= 0)
		close(c->acc_fd);
	event_base_free(c->base);
	free(c);
	cur = NULL;
	return 0;
}

static void
check_connected(struct ctx *c)
{
	char	buf[8];
	ssize_t	n;
	unsigned ms;
	char	tail[8];

	assert_int_equal(chk_tcp.start(&c->p), 0);
	run_until(c, &c->done, 1);
	assert_int_equal(c->done, 1);
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_int_equal(c->res.reason, CHK_R_OK);
	assert_int_equal(c->res.weight_hint, -1);
	assert_int_equal(sscanf(c->res.msg, "connected in %u %2s", &ms, tail),
	    2);
	assert_string_equal(tail, "ms");

	/* The server's accept() returns the connection: the handshake was
	   complete before the checker closed. */
	run_until(c, &c->accepted, 1);
	assert_int_equal(c->accepted, 1);

	/* ... and it was closed with RST, so the checker keeps no
	   TIME_WAIT (see the comment at the top of checkers/tcp.c). */
	n = recv(c->acc_fd, buf, sizeof(buf), 0);
	assert_int_equal(n, -1);
	assert_int_equal(errno, ECONNRESET);

	/* A second run on the same probe works the same. */
	assert_int_equal(chk_tcp.start(&c->p), 0);
	run_until(c, &c->done, 2);
	assert_int_equal(c->res.verdict, CHK_V_OK);
	run_until(c, &c->accepted, 2);
	spin(c);
	assert_int_equal(c->done, 2);
}

/* tcp check passes on 127.0.0.1 and the server accepted the connection */
static void
tcp_ok_ipv4(void **state)
{
	struct ctx	*c = *state;

	probe_setup(c, AF_INET, listen_on(c, AF_INET, 16, 1));
	check_connected(c);
}

/* tcp check passes on ::1 */
static void
tcp_ok_ipv6(void **state)
{
	struct ctx	*c = *state;
	int		 fd = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	/* no IPv6 loopback in this sandbox: say so rather than fail */
	if (fd < 0 || bind(fd, (struct sockaddr *)&s6, sizeof(s6)) < 0) {
		if (fd >= 0)
			close(fd);
		skip();
	}
	close(fd);
	probe_setup(c, AF_INET6, listen_on(c, AF_INET6, 16, 1));
	check_connected(c);
}

/* closed port: fail with CHK_R_CONNREFUSED, detail names ECONNREFUSED */
static void
tcp_refused(void **state)
{
	struct ctx	*c = *state;

	probe_setup(c, AF_INET, closed_port(AF_INET));
	assert_int_equal(chk_tcp.start(&c->p), 0);
	run_until(c, &c->done, 1);
	assert_int_equal(c->res.verdict, CHK_V_FAIL);
	assert_int_equal(c->res.reason, CHK_R_CONNREFUSED);
	assert_string_equal(c->res.msg, "connect: ECONNREFUSED");
	assert_string_equal(c->p.phase, "connect");
	spin(c);
	assert_int_equal(c->done, 1);
}

/* Point the probe at 255.255.255.255: the kernel refuses a TCP connect to
 * a broadcast address at once (ENETUNREACH), before any packet leaves. */
static void
probe_at_broadcast(struct ctx *c)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&c->p.addr;

	probe_setup(c, AF_INET, 80);
	s4->sin_addr.s_addr = htonl(INADDR_BROADCAST);
	snprintf(c->p.host, sizeof(c->p.host), "255.255.255.255");
}

/* a connect the kernel refuses at once: CHK_R_CONNECT naming the errno,
 * reported from the loop, not from inside start() */
static void
tcp_unreachable_at_once(void **state)
{
	struct ctx	*c = *state;

	probe_at_broadcast(c);
	assert_int_equal(chk_tcp.start(&c->p), 0);
	assert_int_equal(c->done, 0);
	run_until(c, &c->done, 1);
	assert_int_equal(c->res.verdict, CHK_V_FAIL);
	assert_int_equal(c->res.reason, CHK_R_CONNECT);
	assert_string_equal(c->res.msg, "connect: ENETUNREACH");
	spin(c);
	assert_int_equal(c->done, 1);
}

/* cancel right after start, before the loop reports what connect()
 * already knew: no callback, nothing leaked (ASan); same for a refusal
 * still on its way */
static void
tcp_cancel_before_report(void **state)
{
	struct ctx	*c = *state;

	probe_at_broadcast(c);
	assert_int_equal(chk_tcp.start(&c->p), 0);
	assert_non_null(c->p.run);
	chk_tcp.cancel(&c->p);
	assert_null(c->p.run);
	spin(c);
	assert_int_equal(c->done, 0);

	probe_setup(c, AF_INET, closed_port(AF_INET));
	assert_int_equal(chk_tcp.start(&c->p), 0);
	chk_tcp.cancel(&c->p);
	assert_null(c->p.run);
	spin(c);
	assert_int_equal(c->done, 0);
}

/*
 * The scheduler's timeout during connect: a listener whose accept queue is
 * full drops our SYN, so the connect hangs; cancel() then closes it, calls
 * nothing, and the phase names "connect" for the timeout message.
 */
static void
tcp_cancel_during_connect(void **state)
{
	struct ctx	*c = *state;
	int		 port = listen_on(c, AF_INET, 0, 0);
	int		 filler = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in s4 = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	/* Fill the one-deep accept queue. */
	assert_int_equal(connect(filler, (struct sockaddr *)&s4,
	    sizeof(s4)), 0);
	probe_setup(c, AF_INET, port);
	assert_int_equal(chk_tcp.start(&c->p), 0);
	spin(c);
	assert_int_equal(c->done, 0);
	assert_non_null(c->p.run);
	assert_string_equal(c->p.phase, "connect");
	chk_tcp.cancel(&c->p);
	assert_null(c->p.run);
	spin(c);
	assert_int_equal(c->done, 0);
	close(filler);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tcp_ok_ipv4, setup, teardown),
		cmocka_unit_test_setup_teardown(tcp_ok_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(tcp_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(tcp_unreachable_at_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(tcp_cancel_before_report,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(tcp_cancel_during_connect,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("checkers_tcp", tests, NULL,
	    NULL);
}

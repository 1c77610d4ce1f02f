/*
 * t/unit/checkers_agent.c - the agent probe against a small agent on
 * 127.0.0.1 run on the same loop: one line read (to CR/LF or to the close),
 * `send` written first, a silent close and a refused connect reported as
 * runs that change nothing.
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

#include "monitor/probe.h"

extern const struct probe_type chk_agent;

#define DEADLINE_S	5

struct agent_conf_view {	/* checkers/agent.c's conf: one string */
	char	*send;
};

struct ctx {
	struct event_base	*base;
	struct probe		 p;
	struct agent_conf_view	 conf;
	int			 done;
	struct probe_result	 res;
	int			 lfd;
	struct event		*lev, *cev;
	int			 cfd;
	const char		*reply;		/* what the agent writes */
	int			 wait_for;	/* bytes to read first */
	char			 got[64];	/* what it read */
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
agent_answer(struct ctx *c)
{
	if (c->reply[0] != '\0')
		assert_int_equal(write(c->cfd, c->reply, strlen(c->reply)),
		    (ssize_t)strlen(c->reply));
	close(c->cfd);
	c->cfd = -1;
}

static void
on_client(evutil_socket_t fd, short what, void *arg)
{
	struct ctx	*c = arg;
	size_t		 have = strlen(c->got);
	ssize_t		 n = read(fd, c->got + have, sizeof(c->got) - 1 - have);

	if (n > 0)
		c->got[have + (size_t)n] = '\0';
	if ((int)strlen(c->got) >= c->wait_for || n == 0) {
		event_free(c->cev);
		c->cev = NULL;
		agent_answer(c);
	}
}

static void
on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct ctx	*c = arg;

	c->cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c->cfd < 0)
		return;
	if (c->wait_for == 0) {
		agent_answer(c);
		return;
	}
	c->cev = event_new(c->base, c->cfd, EV_READ | EV_PERSIST, on_client,
	    c);
	event_add(c->cev, NULL);
}

/* A listening agent (or, listen_too 0, a closed port); its port. */
static int
agent_on(struct ctx *c, int listen_too)
{
	struct sockaddr_in	s4 = { .sin_family = AF_INET };
	socklen_t		len = sizeof(s4);

	s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	assert_true(c->lfd >= 0);
	assert_int_equal(bind(c->lfd, (struct sockaddr *)&s4, len), 0);
	assert_int_equal(listen(c->lfd, 8), 0);
	assert_int_equal(getsockname(c->lfd, (struct sockaddr *)&s4, &len),
	    0);
	if (listen_too) {
		c->lev = event_new(c->base, c->lfd, EV_READ | EV_PERSIST,
		    on_accept, c);
		event_add(c->lev, NULL);
	} else {
		close(c->lfd);
		c->lfd = -1;
	}
	return ntohs(s4.sin_port);
}

static void
probe_setup(struct ctx *c, int port, char *send)
{
	struct probe		*p = &c->p;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&p->addr;

	memset(p, 0, sizeof(*p));
	c->conf.send = send;
	p->type = &chk_agent;
	p->conf = &c->conf;
	p->base = c->base;
	p->on_done = on_done;
	p->timeout_ms = 1000;
	s4->sin_family = AF_INET;
	s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s4->sin_port = htons(port);
	p->addrlen = sizeof(*s4);
	snprintf(p->host, sizeof(p->host), "127.0.0.1");
	snprintf(p->name, sizeof(p->name), "127.0.0.1:%d", port);
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

static void
run(struct ctx *c)
{
	struct timeval	 tv = { DEADLINE_S, 0 };
	int		 late = 0;
	struct event	*dl = evtimer_new(c->base, deadline_cb, &late);

	assert_int_equal(chk_agent.start(&c->p), 0);
	evtimer_add(dl, &tv);
	while (c->done < 1 && !late)
		event_base_loop(c->base, EVLOOP_ONCE);
	event_free(dl);
	if (late)
		fail_msg("no outcome within %d s", DEADLINE_S);
}

static int
setup(void **state)
{
	struct ctx	*c = calloc(1, sizeof(*c));

	c->base = event_base_new();
	c->lfd = c->cfd = -1;
	cur = c;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx	*c = *state;

	if (c->p.run != NULL)
		chk_agent.cancel(&c->p);
	if (c->cev != NULL)
		event_free(c->cev);
	if (c->lev != NULL)
		event_free(c->lev);
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->cfd >= 0)
		close(c->cfd);
	event_base_free(c->base);
	free(c);
	cur = NULL;
	return 0;
}

static void
one_line_is_the_message(void **state)
{
	struct ctx	*c = *state;

	c->reply = "up 75% # fine\r\nnot this\n";
	probe_setup(c, agent_on(c, 1), NULL);
	run(c);
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_int_equal(c->res.reason, CHK_R_OK);
	assert_string_equal(c->res.msg, "up 75% # fine");
}

static void
a_line_ended_by_the_close_counts(void **state)
{
	struct ctx	*c = *state;

	c->reply = "drain";
	probe_setup(c, agent_on(c, 1), NULL);
	run(c);
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_string_equal(c->res.msg, "drain");
}

static void
send_is_written_before_the_reply(void **state)
{
	struct ctx	*c = *state;
	char		 send[] = "web/rs1\n";

	c->reply = "50%\n";
	c->wait_for = (int)strlen(send);
	probe_setup(c, agent_on(c, 1), send);
	run(c);
	assert_string_equal(c->got, "web/rs1\n");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_string_equal(c->res.msg, "50%");
}

static void
a_silent_close_is_unknown(void **state)
{
	struct ctx	*c = *state;

	c->reply = "";
	probe_setup(c, agent_on(c, 1), NULL);
	run(c);
	assert_int_equal(c->res.verdict, CHK_V_UNKNOWN);
	assert_int_equal(c->res.reason, CHK_R_PROTOCOL);
	assert_string_equal(c->res.msg, "agent: closed without a reply");
}

static void
a_refused_connect_fails(void **state)
{
	struct ctx	*c = *state;

	probe_setup(c, agent_on(c, 0), NULL);
	run(c);
	assert_int_equal(c->res.verdict, CHK_V_FAIL);
	assert_int_equal(c->res.reason, CHK_R_CONNREFUSED);
	assert_string_equal(c->res.msg, "connect: ECONNREFUSED");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(one_line_is_the_message),
		T(a_line_ended_by_the_close_counts),
		T(send_is_written_before_the_reply),
		T(a_silent_close_is_unknown),
		T(a_refused_connect_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

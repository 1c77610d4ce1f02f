/*
 * t/unit/lua_test.h - what the lua_*.c unit tests share: a probe of type
 * "lua" configured from libconfig text (as lvsmond does it), run on a
 * private event_base with a deadline, and small loopback servers on the
 * same base (TCP: greet then echo, greet then close, silent, HTTP reply;
 * UDP: echo).  Every wait has a deadline; hitting it fails the test.
 */
#ifndef T_LUA_TEST_H
#define T_LUA_TEST_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <event2/event.h>
#include <libconfig.h>

#include "monitor/probe.h"

extern const struct probe_type chk_lua;

#define LT_DEADLINE_S	10

enum lt_mode {
	LT_ECHO = 0,	/* send greet, then echo what comes */
	LT_GREET_CLOSE,	/* send greet, then close */
	LT_SILENT,	/* accept, never answer */
	LT_HTTP,	/* read a request head, send greet, close */
};

struct lt_ctx {
	struct event_base	*base;
	struct probe		 p;
	config_t		 cfg;
	int			 have_cfg;
	int			 done;
	struct probe_result	 res;

	/* the TCP server */
	int			 lfd, cfd;
	struct event		*lev, *cev;
	enum lt_mode		 mode;
	char			 greet[4096];
	char			 got[4096];	/* what it received */
	size_t			 got_len;
	int			 accepted, peer_gone;
	/* the UDP echo server */
	int			 ufd;
	struct event		*uev;
	int			 port, uport;
	/* a 10 ms tick: the loop never sleeps long, and its count shows
	   whether the loop kept turning */
	struct event		*tick;
	unsigned		 ticks;
};

static struct lt_ctx	*lt;

static inline void
lt_on_done(struct probe *p, const struct probe_result *r)
{
	assert_ptr_equal(p, &lt->p);
	assert_null(p->run);
	lt->done++;
	lt->res = *r;
}

static inline void
lt_conn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lt_ctx	*c = arg;
	char		 buf[2048];
	ssize_t		 n = recv(fd, buf, sizeof(buf), 0);

	if (n <= 0) {
		c->peer_gone = 1;
		event_free(c->cev);
		c->cev = NULL;
		close(c->cfd);
		c->cfd = -1;
		return;
	}
	if (c->got_len + (size_t)n < sizeof(c->got)) {
		memcpy(c->got + c->got_len, buf, (size_t)n);
		c->got_len += (size_t)n;
		c->got[c->got_len] = '\0';
	}
	if (c->mode == LT_ECHO)
		(void)!send(fd, buf, (size_t)n, MSG_NOSIGNAL);
	if (c->mode == LT_HTTP && strstr(c->got, "\r\n\r\n") != NULL) {
		(void)!send(fd, c->greet, strlen(c->greet), MSG_NOSIGNAL);
		event_free(c->cev);
		c->cev = NULL;
		close(c->cfd);
		c->cfd = -1;
	}
}

static inline void
lt_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lt_ctx	*c = arg;
	int		 cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK);

	if (cfd < 0)
		return;
	if (c->cfd >= 0) {		/* one at a time */
		close(cfd);
		return;
	}
	c->accepted++;
	c->cfd = cfd;
	if (c->mode == LT_ECHO || c->mode == LT_GREET_CLOSE)
		(void)!send(cfd, c->greet, strlen(c->greet), MSG_NOSIGNAL);
	if (c->mode == LT_GREET_CLOSE) {
		close(cfd);
		c->cfd = -1;
		return;
	}
	c->cev = event_new(c->base, cfd, EV_READ | EV_PERSIST, lt_conn_cb, c);
	event_add(c->cev, NULL);
}

static inline void
lt_udp_cb(evutil_socket_t fd, short what, void *arg)
{
	char			buf[2048];
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);
	ssize_t			n = recvfrom(fd, buf, sizeof(buf), 0,
				    (struct sockaddr *)&ss, &len);

	if (n > 0)
		(void)!sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&ss,
		    len);
}

static inline int
lt_bind(int type, int *port)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	int			fd = socket(AF_INET, type | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static inline void
lt_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	((struct lt_ctx *)arg)->ticks++;
}

static inline int
lt_setup(void **state)
{
	struct lt_ctx	*c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->base = event_base_new();
	c->cfd = -1;
	c->lfd = lt_bind(SOCK_STREAM, &c->port);
	c->lev = event_new(c->base, c->lfd, EV_READ | EV_PERSIST,
	    lt_accept_cb, c);
	event_add(c->lev, NULL);
	c->ufd = lt_bind(SOCK_DGRAM, &c->uport);
	c->uev = event_new(c->base, c->ufd, EV_READ | EV_PERSIST, lt_udp_cb,
	    c);
	event_add(c->uev, NULL);
	c->tick = event_new(c->base, -1, EV_PERSIST, lt_tick_cb, c);
	event_add(c->tick, &(struct timeval){ 0, 10000 });
	lt = c;
	*state = c;
	return 0;
}

static inline void
lt_probe_free(struct lt_ctx *c)
{
	if (c->p.type != NULL && c->p.run != NULL)
		c->p.type->cancel(&c->p);
	if (c->p.type != NULL && c->p.type->release != NULL)
		c->p.type->release(&c->p);
	if (c->p.conf != NULL)
		mon_directives_release(chk_lua.directives, c->p.conf);
	free(c->p.conf);
	memset(&c->p, 0, sizeof(c->p));
	if (c->have_cfg)
		config_destroy(&c->cfg);
	c->have_cfg = 0;
}

static inline int
lt_teardown(void **state)
{
	struct lt_ctx	*c = *state;

	lt_probe_free(c);
	if (c->cev != NULL)
		event_free(c->cev);
	if (c->cfd >= 0)
		close(c->cfd);
	event_free(c->lev);
	close(c->lfd);
	event_free(c->uev);
	close(c->ufd);
	event_free(c->tick);
	event_base_free(c->base);
	free(c);
	lt = NULL;
	return 0;
}

/*
 * Configure c->p from the libconfig text "check = { ... };" (a probe of
 * 127.0.0.1:<the TCP server's port>, timeout 2 s).  Returns configure()'s
 * result; e holds its message.
 */
static inline int
lt_configure(struct lt_ctx *c, const char *text, struct err *e)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&c->p.addr;
	const config_setting_t	*cs;

	lt_probe_free(c);
	config_init(&c->cfg);
	c->have_cfg = 1;
	if (config_read_string(&c->cfg, text) != CONFIG_TRUE)
		fail_msg("config: %s at line %d", config_error_text(&c->cfg),
		    config_error_line(&c->cfg));
	cs = config_lookup(&c->cfg, "check");
	assert_non_null(cs);
	c->p.type = &chk_lua;
	c->p.conf = calloc(1, chk_lua.conf_size);
	assert_non_null(c->p.conf);
	assert_int_equal(mon_directives_apply(mon_probe_common_directives,
	    &c->p, cs, NULL, chk_lua.directives, "test", e), 0);
	assert_int_equal(mon_directives_apply(chk_lua.directives, c->p.conf,
	    cs, NULL, mon_probe_common_directives, "test", e), 0);
	c->p.base = c->base;
	c->p.on_done = lt_on_done;
	if (c->p.timeout_ms == 1000)
		c->p.timeout_ms = 2000;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons((uint16_t)c->port);
	c->p.addrlen = sizeof(*sin);
	snprintf(c->p.host, sizeof(c->p.host), "127.0.0.1");
	snprintf(c->p.name, sizeof(c->p.name), "127.0.0.1:%d", c->port);
	return chk_lua.configure(cs, &c->p, e);
}

/* Configure from code only: the check block is built around it. */
static inline void
lt_configure_code(struct lt_ctx *c, const char *code, const char *extra)
{
	struct err	 e = { "" };
	size_t		 len = strlen(code) * 2 + 512;
	char		*text = malloc(len), *o = text;
	int		 rc;

	assert_non_null(text);
	o += sprintf(o, "check = { type = \"lua\"; %s code = \"",
	    extra != NULL ? extra : "");
	for (const char *s = code; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			*o++ = '\\';
		if (*s == '\n') {
			*o++ = '\\';
			*o++ = 'n';
			continue;
		}
		*o++ = *s;
	}
	strcpy(o, "\"; };");
	rc = lt_configure(c, text, &e);
	free(text);
	if (rc != 0)
		fail_msg("configure: %s", e.msg);
}

static inline double
lt_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Start a run and turn the loop until probe_done (or the deadline). */
static inline const struct probe_result *
lt_run(struct lt_ctx *c)
{
	double	end = lt_now() + LT_DEADLINE_S;

	c->done = 0;
	assert_int_equal(c->p.type->start(&c->p), 0);
	while (!c->done && lt_now() < end)
		event_base_loop(c->base, EVLOOP_ONCE);
	if (!c->done)
		fail_msg("no verdict within %d s", LT_DEADLINE_S);
	assert_int_equal(c->done, 1);
	return &c->res;
}

/* Turn the loop until cond(c) or the deadline. */
static inline int
lt_wait(struct lt_ctx *c, int (*cond)(struct lt_ctx *))
{
	double	end = lt_now() + LT_DEADLINE_S;

	while (!cond(c) && lt_now() < end)
		event_base_loop(c->base, EVLOOP_ONCE);
	return cond(c);
}

/* Assert a verdict, a reason and that the message contains want. */
#define lt_expect(r, v, rsn, want) do { \
	const struct probe_result *r_ = (r); \
	if (r_->verdict != (v) || r_->reason != (rsn) || \
	    strstr(r_->msg, (want)) == NULL) \
		fail_msg("got %s %s \"%s\", want %s %s \"...%s...\"", \
		    chk_verdict_names[r_->verdict], \
		    chk_reasons[r_->reason].code, r_->msg, \
		    chk_verdict_names[(v)], chk_reasons[(rsn)].code, \
		    (want)); \
} while (0)

#endif

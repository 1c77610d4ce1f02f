/*
 * t/unit/checkers_http.c - the http check against a tiny HTTP server that
 * runs on the same event_base, on 127.0.0.1 or ::1 (ephemeral ports).
 *
 * The server reads one request (up to the blank line), records it, and then
 * does what the test asked: send a canned reply and close, send it and keep
 * the connection open, close without a word, reset, or say nothing.  Every
 * wait has a deadline (an evtimer; hitting it fails the test).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <event2/event.h>
#include <libconfig.h>

#include "monitor/probe.h"

extern const struct probe_type chk_http, chk_https;

#define DEADLINE_S	5

enum srv_mode {
	SRV_REPLY = 0,	/* reply, then close */
	SRV_REPLY_KEEP,	/* reply, keep the connection open */
	SRV_CLOSE,	/* close without a reply */
	SRV_RESET,	/* RST without a reply */
	SRV_SILENT,	/* never answer */
};

struct ctx {
	struct event_base	*base;
	struct probe		 p;
	void			*conf;
	int			 done;
	struct probe_result	 res;

	/* the server */
	int			 lfd;
	struct event		*lev;
	int			 cfd;
	struct event		*cev;
	enum srv_mode		 mode;
	char			*reply;		/* malloc'd */
	size_t			 reply_len, reply_off;
	char			 req[4096];
	size_t			 req_len;
	int			 got_request;
	int			 peer_gone;	/* read 0 or an error */
	int			 peer_errno;	/* 0: FIN */
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

/* ---- the server ---------------------------------------------------- */

static void
srv_drop(struct ctx *c, int rst)
{
	struct linger	lg = { 1, 0 };

	if (c->cev != NULL)
		event_free(c->cev);
	c->cev = NULL;
	if (c->cfd >= 0) {
		if (rst)
			setsockopt(c->cfd, SOL_SOCKET, SO_LINGER, &lg,
			    sizeof(lg));
		close(c->cfd);
	}
	c->cfd = -1;
}

static void	srv_event(evutil_socket_t fd, short what, void *arg);

static void
srv_write(struct ctx *c)
{
	ssize_t	n;

	while (c->reply_off < c->reply_len) {
		n = send(c->cfd, c->reply + c->reply_off,
		    c->reply_len - c->reply_off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			event_free(c->cev);
			c->cev = event_new(c->base, c->cfd,
			    EV_WRITE | EV_PERSIST, srv_event, c);
			event_add(c->cev, NULL);
			return;
		}
		if (n < 0) {	/* the checker went away early: fine */
			srv_drop(c, 0);
			return;
		}
		c->reply_off += (size_t)n;
	}
	if (c->mode == SRV_REPLY) {
		srv_drop(c, 0);
		return;
	}
	/* keep open: watch for the checker closing */
	event_free(c->cev);
	c->cev = event_new(c->base, c->cfd, EV_READ | EV_PERSIST, srv_event,
	    c);
	event_add(c->cev, NULL);
}

static void
srv_event(evutil_socket_t fd, short what, void *arg)
{
	struct ctx	*c = arg;
	char		 buf[2048];
	ssize_t		 n;
	size_t		 room;

	if (what & EV_WRITE) {
		srv_write(c);
		return;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		c->peer_errno = n < 0 ? errno : 0;
		c->peer_gone = 1;
		srv_drop(c, 0);
		return;
	}
	if (c->got_request)
		return;
	room = sizeof(c->req) - 1 - c->req_len;
	if ((size_t)n > room)
		n = (ssize_t)room;
	memcpy(c->req + c->req_len, buf, (size_t)n);
	c->req_len += (size_t)n;
	c->req[c->req_len] = '\0';
	if (strstr(c->req, "\r\n\r\n") == NULL)
		return;
	c->got_request = 1;
	switch (c->mode) {
	case SRV_REPLY:
	case SRV_REPLY_KEEP:
		srv_write(c);
		break;
	case SRV_CLOSE:
		srv_drop(c, 0);
		break;
	case SRV_RESET:
		srv_drop(c, 1);
		break;
	case SRV_SILENT:
		break;
	}
}

static void
srv_accept(evutil_socket_t fd, short what, void *arg)
{
	struct ctx	*c = arg;
	int		 cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK |
			    SOCK_CLOEXEC);

	if (cfd < 0)
		return;
	srv_drop(c, 0);		/* one connection at a time */
	c->cfd = cfd;
	c->cev = event_new(c->base, cfd, EV_READ | EV_PERSIST, srv_event, c);
	event_add(c->cev, NULL);
}

static void
srv_reply(struct ctx *c, enum srv_mode mode, const char *reply)
{
	c->mode = mode;
	free(c->reply);
	c->reply = strdup(reply);
	c->reply_len = strlen(reply);
	c->reply_off = 0;
	c->got_request = 0;
	c->req_len = 0;
	c->req[0] = '\0';
}

static int
have_ipv6(void)
{
	struct sockaddr_in6	s6 = { .sin6_family = AF_INET6,
				       .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int			fd = socket(AF_INET6, SOCK_STREAM, 0), ok;

	if (fd < 0)
		return 0;
	ok = bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0;
	close(fd);
	return ok;
}

/* Listen on the loopback of family (listen 0: bind only, nobody listens);
 * point the probe at it.  Returns the port. */
static int
srv_start(struct ctx *c, int family, int do_listen)
{
	struct probe		*p = &c->p;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 one = 1, port;

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
	assert_int_equal(getsockname(c->lfd, (struct sockaddr *)&ss, &len),
	    0);
	if (do_listen) {
		assert_int_equal(listen(c->lfd, 16), 0);
		c->lev = event_new(c->base, c->lfd, EV_READ | EV_PERSIST,
		    srv_accept, c);
		event_add(c->lev, NULL);
	} else {
		close(c->lfd);
		c->lfd = -1;
	}

	memcpy(&p->addr, &ss, len);
	p->addrlen = len;
	if (family == AF_INET6) {
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		snprintf(p->host, sizeof(p->host), "::1");
		snprintf(p->name, sizeof(p->name), "[::1]:%d", port);
	} else {
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		snprintf(p->host, sizeof(p->host), "127.0.0.1");
		snprintf(p->name, sizeof(p->name), "127.0.0.1:%d", port);
	}
	return port;
}

/* ---- the probe ----------------------------------------------------- */

/*
 * Set one of the http keys in the conf struct through its directive row,
 * as the generic config code would (strings are not copied: the tests'
 * literals outlive the probe).  CUSTOM keys go through the row's parser.
 */
static void
conf_set(struct ctx *c, const char *key, const char *val)
{
	const struct mon_directive	*d;
	struct err			 e = { "" };

	for (d = chk_http.directives; d->key != NULL; d++) {
		void *field = (char *)c->conf + d->offset;

		if (strcmp(d->key, key) != 0)
			continue;
		switch (d->type) {
		case MON_D_STRING:
			*(const char **)field = val;
			return;
		case MON_D_INT:
			*(int *)field = atoi(val);
			return;
		case MON_D_ENUM:
			for (int i = 0; d->enums[i] != NULL; i++)
				if (strcmp(d->enums[i], val) == 0) {
					*(int *)field = i;
					return;
				}
			fail_msg("%s: no value %s", key, val);
			return;
		case MON_D_CUSTOM:
			assert_int_equal(d->set(field, val, &e), 0);
			return;
		default:
			fail_msg("%s: unexpected type", key);
			return;
		}
	}
	fail_msg("http has no key %s", key);
}

static const struct mon_directive *
directive(const char *key)
{
	for (const struct mon_directive *d = chk_http.directives;
	    d->key != NULL; d++)
		if (strcmp(d->key, key) == 0)
			return d;
	fail_msg("http has no key %s", key);
	return NULL;
}

static void
configure_ok(struct ctx *c)
{
	struct err	e = { "" };

	assert_int_equal(chk_http.configure(NULL, &c->p, &e), 0);
	assert_string_equal(e.msg, "");
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

static void
run_until(struct ctx *c, const int *flag)
{
	struct timeval	 tv = { DEADLINE_S, 0 };
	int		 late = 0;
	struct event	*dl = evtimer_new(c->base, deadline_cb, &late);

	evtimer_add(dl, &tv);
	while (!*flag && !late)
		event_base_loop(c->base, EVLOOP_ONCE);
	event_free(dl);
	if (late)
		fail_msg("no outcome within %d s", DEADLINE_S);
}

static void
spin(struct ctx *c)
{
	for (int i = 0; i < 10; i++)
		event_base_loop(c->base, EVLOOP_NONBLOCK);
}

/* One run; returns the result (and fails when none came). */
static const struct probe_result *
run_probe(struct ctx *c)
{
	c->done = 0;
	assert_int_equal(chk_http.start(&c->p), 0);
	run_until(c, &c->done);
	spin(c);
	assert_int_equal(c->done, 1);
	assert_int_equal(c->res.weight_hint, -1);
	return &c->res;
}

static void
expect(struct ctx *c, enum chk_verdict v, enum chk_reason r,
    const char *msg)
{
	const struct probe_result *res = run_probe(c);

	assert_string_equal(res->msg, msg);
	assert_int_equal(res->reason, r);
	assert_int_equal(res->verdict, v);
}

static int
setup(void **state)
{
	struct ctx	*c = calloc(1, sizeof(*c));

	c->base = event_base_new();
	c->lfd = -1;
	c->cfd = -1;
	c->conf = calloc(1, chk_http.conf_size);
	c->p.type = &chk_http;
	c->p.conf = c->conf;
	c->p.base = c->base;
	c->p.on_done = on_done;
	c->p.timeout_ms = 1000;
	cur = c;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx	*c = *state;

	if (c->p.run != NULL)
		chk_http.cancel(&c->p);
	chk_http.release(&c->p);
	srv_drop(c, 0);
	if (c->lev != NULL)
		event_free(c->lev);
	if (c->lfd >= 0)
		close(c->lfd);
	free(c->reply);
	free(c->conf);
	event_base_free(c->base);
	free(c);
	cur = NULL;
	return 0;
}

/* ---- the tests ----------------------------------------------------- */

/* 200 passes; the request is GET / HTTP/1.0 with Host address:port */
static void
http_200_ok(void **state)
{
	struct ctx	*c = *state;
	int		 port = srv_start(c, AF_INET, 1);
	char		 want[256];

	configure_ok(c);	/* nothing set: every default */
	srv_reply(c, SRV_REPLY, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain\r\n\r\nhello\n");
	expect(c, CHK_V_OK, CHK_R_OK, "http: status 200");
	snprintf(want, sizeof(want), "GET / HTTP/1.0\r\n"
	    "Host: 127.0.0.1:%d\r\nUser-Agent: lvsmon\r\n"
	    "Connection: close\r\n\r\n", port);
	assert_string_equal(c->req, want);
}

/* 503 fails with the status reason and names the status */
static void
http_503_fails(void **state)
{
	struct ctx	*c = *state;

	srv_start(c, AF_INET, 1);
	configure_ok(c);
	srv_reply(c, SRV_REPLY, "HTTP/1.0 503 Service Unavailable\r\n\r\n");
	expect(c, CHK_V_FAIL, CHK_R_HTTP_STATUS, "http: status 503");
}

/* expect_status lists and ranges decide; the default is 200-399 */
static void
http_status_ranges(void **state)
{
	struct ctx	*c = *state;
	static const struct { const char *set; const char *reply; int ok; }
	    cases[] = {
		{ NULL,			"HTTP/1.1 302 Found\r\n\r\n",	1 },
		{ NULL,			"HTTP/1.1 399 X\r\n\r\n",	1 },
		{ NULL,			"HTTP/1.1 404 No\r\n\r\n",	0 },
		{ NULL,			"HTTP/1.1 199 X\r\n\r\n",	0 },
		{ "200,204,300-399",	"HTTP/1.1 204 N\r\n\r\n",	1 },
		{ "200,204,300-399",	"HTTP/1.1 201 C\r\n\r\n",	0 },
		{ "200,204,300-399",	"HTTP/1.1 350 X\r\n\r\n",	1 },
		{ "200,204,300-399",	"HTTP/1.1 400 X\r\n\r\n",	0 },
		{ " 404 , 500 - 502 ",	"HTTP/1.1 501 X\r\n\r\n",	1 },
		{ " 404 , 500 - 502 ",	"HTTP/1.1 503 X\r\n\r\n",	0 },
		{ "503",		"HTTP/1.1 503 X\r\n\r\n",	1 },
	};
	char	msg[64];

	srv_start(c, AF_INET, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(c->conf, 0, chk_http.conf_size);
		if (cases[i].set != NULL)
			conf_set(c, "expect_status", cases[i].set);
		configure_ok(c);
		srv_reply(c, SRV_REPLY, cases[i].reply);
		snprintf(msg, sizeof(msg), "http: status %.3s",
		    cases[i].reply + 9);
		if (cases[i].ok)
			expect(c, CHK_V_OK, CHK_R_OK, msg);
		else
			expect(c, CHK_V_FAIL, CHK_R_HTTP_STATUS, msg);
	}
}

/* bad expect_status text is refused with a hint of what is expected */
static void
http_status_bad_text(void **state)
{
	struct ctx			*c = *state;
	const struct mon_directive	*d = directive("expect_status");
	static const char *const	 bad[] = {
		"", " ", "abc", "200-", "-200", "299-200", "99", "600",
		"200,,204", "2000", "200;204", "200,", "2OO", "200-299-300",
		"+200", "200 204",
	};
	struct err			 e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		if (d->set((char *)c->conf + d->offset, bad[i], &e) != -EINVAL)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_string_equal(e.msg,
		    "expected status codes like 200 or 200-299,302");
	}
	/* the default goes through the same parser */
	memset(&e, 0, sizeof(e));
	assert_non_null(d->sdef);
	assert_int_equal(d->set((char *)c->conf + d->offset, d->sdef, &e), 0);
}

/* expect_body: a body that matches passes, one that does not fails */
static void
http_body_regex(void **state)
{
	struct ctx	*c = *state;

	srv_start(c, AF_INET, 1);
	conf_set(c, "expect_body", "ready: (yes|ok)$");
	configure_ok(c);
	srv_reply(c, SRV_REPLY, "HTTP/1.0 200 OK\r\n\r\nstate\nready: ok");
	expect(c, CHK_V_OK, CHK_R_OK, "http: status 200");
	srv_reply(c, SRV_REPLY, "HTTP/1.0 200 OK\r\n\r\nstate\nready: no");
	expect(c, CHK_V_FAIL, CHK_R_HTTP_BODY,
	    "http: body does not match /ready: (yes|ok)$/");
	/* the headers are not the body */
	srv_reply(c, SRV_REPLY, "HTTP/1.0 200 OK\r\nX: ready: ok\r\n\r\n");
	expect(c, CHK_V_FAIL, CHK_R_HTTP_BODY,
	    "http: body does not match /ready: (yes|ok)$/");
	/* a reply cut in its headers has no body */
	srv_reply(c, SRV_REPLY, "HTTP/1.0 200 OK\r\nX: ready: ok");
	expect(c, CHK_V_FAIL, CHK_R_HTTP_BODY,
	    "http: body does not match /ready: (yes|ok)$/");
	/* the status is judged before the body */
	srv_reply(c, SRV_REPLY, "HTTP/1.0 500 Oops\r\n\r\nready: ok");
	expect(c, CHK_V_FAIL, CHK_R_HTTP_STATUS, "http: status 500");
}

/* a bad regex is refused at configure time with PCRE2's message */
static void
http_body_bad_regex(void **state)
{
	struct ctx	*c = *state;
	struct err	 e = { "" };

	conf_set(c, "expect_body", "ready: (yes");
	assert_int_equal(chk_http.configure(NULL, &c->p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "expect_body: "));
	assert_non_null(strstr(e.msg, "parenthesis"));
	assert_non_null(strstr(e.msg, " at offset 11"));
	assert_null(c->p.priv);
}

/* a reply that is not HTTP fails as malformed */
static void
http_malformed(void **state)
{
	struct ctx	*c = *state;
	static const char *const replies[] = {
		"SSH-2.0-OpenSSH_9.2\r\n",
		"HTTP/1.1 2OO OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/11 200 OK\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 20",			/* then closed */
		"\r\n\r\n",
	};

	srv_start(c, AF_INET, 1);
	configure_ok(c);
	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		srv_reply(c, SRV_REPLY, replies[i]);
		expect(c, CHK_V_FAIL, CHK_R_PROTOCOL,
		    "http: malformed status line");
	}
	/* bare LF line ends and no reason phrase are fine */
	srv_reply(c, SRV_REPLY, "HTTP/1.0 204\n\n");
	expect(c, CHK_V_OK, CHK_R_OK, "http: status 204");
}

/* a server that closes without a reply fails as a protocol error */
static void
http_closed_without_reply(void **state)
{
	struct ctx	*c = *state;

	srv_start(c, AF_INET, 1);
	configure_ok(c);
	srv_reply(c, SRV_CLOSE, "");
	expect(c, CHK_V_FAIL, CHK_R_PROTOCOL,
	    "http: connection closed before status line");
}

/* a reset while the checker reads is an I/O failure naming ECONNRESET */
static void
http_reset_during_read(void **state)
{
	struct ctx	*c = *state;

	srv_start(c, AF_INET, 1);
	configure_ok(c);
	srv_reply(c, SRV_RESET, "");
	expect(c, CHK_V_FAIL, CHK_R_IO, "read: ECONNRESET");
}

/* nothing listens: connection refused */
static void
http_refused(void **state)
{
	struct ctx	*c = *state;

	srv_start(c, AF_INET, 0);
	configure_ok(c);
	expect(c, CHK_V_FAIL, CHK_R_CONNREFUSED, "connect: ECONNREFUSED");
}

/*
 * A server that never answers, and the scheduler's timeout: cancel() ends
 * the run in phase "read" without a callback, and the server sees the
 * connection reset (ASan checks that nothing leaked).
 */
static void
http_silent_then_cancel(void **state)
{
	struct ctx	*c = *state;

	srv_start(c, AF_INET, 1);
	configure_ok(c);
	srv_reply(c, SRV_SILENT, "");
	assert_int_equal(chk_http.start(&c->p), 0);
	run_until(c, &c->got_request);
	spin(c);
	assert_int_equal(c->done, 0);
	assert_non_null(c->p.run);
	assert_string_equal(c->p.phase, "read");
	chk_http.cancel(&c->p);
	assert_null(c->p.run);
	run_until(c, &c->peer_gone);
	assert_int_equal(c->peer_errno, ECONNRESET);
	spin(c);
	assert_int_equal(c->done, 0);

	/* the probe runs again after a cancel */
	srv_reply(c, SRV_REPLY, "HTTP/1.0 200 OK\r\n\r\n");
	expect(c, CHK_V_OK, CHK_R_OK, "http: status 200");
}

/* IPv6: the Host header carries the address in brackets */
static void
http_ipv6(void **state)
{
	struct ctx	*c = *state;
	char		 want[64];
	int		 port;

	if (!have_ipv6())
		skip();
	port = srv_start(c, AF_INET6, 1);
	configure_ok(c);
	srv_reply(c, SRV_REPLY, "HTTP/1.1 200 OK\r\n\r\n");
	expect(c, CHK_V_OK, CHK_R_OK, "http: status 200");
	snprintf(want, sizeof(want), "\r\nHost: [::1]:%d\r\n", port);
	assert_non_null(strstr(c->req, want));
}

/*
 * HEAD: the request says HEAD, and the run ends at the end of the headers
 * although Content-Length announces a body and the server keeps the
 * connection open.
 */
static void
http_head(void **state)
{
	struct ctx	*c = *state;

	srv_start(c, AF_INET, 1);
	conf_set(c, "method", "HEAD");
	configure_ok(c);
	srv_reply(c, SRV_REPLY_KEEP, "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 1000\r\n\r\n");
	expect(c, CHK_V_OK, CHK_R_OK, "http: status 200");
	assert_memory_equal(c->req, "HEAD / HTTP/1.0\r\n", 17);
}

/* HEAD with expect_body is refused: a reply to HEAD has no body */
static void
http_head_with_body_refused(void **state)
{
	struct ctx	*c = *state;
	struct err	 e = { "" };

	conf_set(c, "method", "HEAD");
	conf_set(c, "expect_body", "x");
	assert_int_equal(chk_http.configure(NULL, &c->p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "expect_body: needs method GET"));
}

/* a Content-Length reply ends the run without waiting for the close */
static void
http_content_length(void **state)
{
	struct ctx	*c = *state;

	srv_start(c, AF_INET, 1);
	conf_set(c, "expect_body", "^hello$");
	configure_ok(c);
	srv_reply(c, SRV_REPLY_KEEP, "HTTP/1.1 200 OK\r\n"
	    "content-length:  5\r\n\r\nhello");
	expect(c, CHK_V_OK, CHK_R_OK, "http: status 200");
}

/* path and host go into the request line and the Host header */
static void
http_path_and_host(void **state)
{
	struct ctx	*c = *state;

	srv_start(c, AF_INET, 1);
	conf_set(c, "path", "/health?deep=1");
	conf_set(c, "host", "www.example.org");
	configure_ok(c);
	srv_reply(c, SRV_REPLY, "HTTP/1.0 200 OK\r\n\r\n");
	expect(c, CHK_V_OK, CHK_R_OK, "http: status 200");
	assert_string_equal(c->req, "GET /health?deep=1 HTTP/1.0\r\n"
	    "Host: www.example.org\r\nUser-Agent: lvsmon\r\n"
	    "Connection: close\r\n\r\n");
}

/* a path or host that would break the request is refused */
static void
http_bad_path_host(void **state)
{
	struct ctx	*c = *state;
	struct err	 e;
	static const char *const bad_paths[] = {
		"health", "/a b", "/a\r\nX-Injected: 1",
	};

	for (size_t i = 0; i < 3; i++) {
		memset(c->conf, 0, chk_http.conf_size);
		memset(&e, 0, sizeof(e));
		conf_set(c, "path", bad_paths[i]);
		assert_int_equal(chk_http.configure(NULL, &c->p, &e),
		    -EINVAL);
		assert_memory_equal(e.msg, "path: ", 6);
	}
	memset(c->conf, 0, chk_http.conf_size);
	memset(&e, 0, sizeof(e));
	conf_set(c, "host", "a.example\r\nX: y");
	assert_int_equal(chk_http.configure(NULL, &c->p, &e), -EINVAL);
	assert_memory_equal(e.msg, "host: ", 6);
}

/* max_body caps what is read: a marker past the cap is not seen */
static void
http_max_body(void **state)
{
	struct ctx	*c = *state;
	size_t		 n = 300000;
	char		*reply = malloc(n + 64);
	int		 hl;

	hl = sprintf(reply, "HTTP/1.0 200 OK\r\n\r\n");
	memset(reply + hl, 'a', n);
	strcpy(reply + hl + n, "MARK");

	srv_start(c, AF_INET, 1);
	conf_set(c, "expect_body", "MARK");
	conf_set(c, "max_body", "1024");
	configure_ok(c);
	srv_reply(c, SRV_REPLY, reply);
	expect(c, CHK_V_FAIL, CHK_R_HTTP_BODY,
	    "http: body does not match /MARK/");
	/* the same when the whole small reply comes in one read */
	strcpy(reply + hl + 2000, "MARK");
	srv_reply(c, SRV_REPLY, reply);
	expect(c, CHK_V_FAIL, CHK_R_HTTP_BODY,
	    "http: body does not match /MARK/");
	conf_set(c, "max_body", "2004");
	configure_ok(c);
	srv_reply(c, SRV_REPLY, reply);
	expect(c, CHK_V_OK, CHK_R_OK, "http: status 200");
	memset(reply + hl + 2000, 'a', 5);	/* MARK and its NUL */

	/* with the default cap (64 KiB) it is not seen either; with a
	   larger cap it is */
	memset(c->conf, 0, chk_http.conf_size);
	conf_set(c, "expect_body", "MARK");
	configure_ok(c);
	srv_reply(c, SRV_REPLY, reply);
	expect(c, CHK_V_FAIL, CHK_R_HTTP_BODY,
	    "http: body does not match /MARK/");
	conf_set(c, "max_body", "400000");
	configure_ok(c);
	srv_reply(c, SRV_REPLY, reply);
	expect(c, CHK_V_OK, CHK_R_OK, "http: status 200");
	free(reply);
}

/* endless headers fail rather than fill memory */
static void
http_headers_too_long(void **state)
{
	struct ctx	*c = *state;
	size_t		 n = 40000;
	char		*reply = malloc(n + 64);
	int		 hl;

	hl = sprintf(reply, "HTTP/1.0 200 OK\r\nX-Long: ");
	memset(reply + hl, 'h', n);
	reply[hl + n] = '\0';
	srv_start(c, AF_INET, 1);
	configure_ok(c);
	srv_reply(c, SRV_REPLY_KEEP, reply);
	expect(c, CHK_V_FAIL, CHK_R_PROTOCOL, "http: headers too long");
	free(reply);
}

/*
 * The conf as the daemon fills it: libconfig text through
 * mon_directives_apply (defaults included), then configure() and a run.
 */
static void
http_conf_from_config_text(void **state)
{
	struct ctx	*c = *state;
	config_t	 cfg;
	struct err	 e = { "" };
	int		 port;
	char		 want[128];

	port = srv_start(c, AF_INET, 1);
	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg,
	    "check = { expect_status = \"200,418\"; path = \"/x\"; };"),
	    CONFIG_TRUE);
	assert_int_equal(mon_directives_apply(chk_http.directives, c->conf,
	    config_lookup(&cfg, "check"), NULL, mon_probe_common_directives,
	    "real t", &e), 0);
	configure_ok(c);
	srv_reply(c, SRV_REPLY, "HTTP/1.1 418 Teapot\r\n\r\n");
	expect(c, CHK_V_OK, CHK_R_OK, "http: status 418");
	snprintf(want, sizeof(want), "GET /x HTTP/1.0\r\n"
	    "Host: 127.0.0.1:%d\r\n", port);
	assert_memory_equal(c->req, want, strlen(want));
	srv_reply(c, SRV_REPLY, "HTTP/1.1 302 Found\r\n\r\n");
	expect(c, CHK_V_FAIL, CHK_R_HTTP_STATUS, "http: status 302");

	/* a bad value names the key and quotes the text */
	chk_http.release(&c->p);
	mon_directives_release(chk_http.directives, c->conf);
	memset(c->conf, 0, chk_http.conf_size);
	config_destroy(&cfg);
	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg,
	    "check = { expect_status = \"20x\"; };"), CONFIG_TRUE);
	assert_int_equal(mon_directives_apply(chk_http.directives, c->conf,
	    config_lookup(&cfg, "check"), NULL, mon_probe_common_directives,
	    "real t", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "expect_status"));
	assert_non_null(strstr(e.msg, "\"20x\""));
	assert_non_null(strstr(e.msg,
	    "expected status codes like 200 or 200-299,302"));
	mon_directives_release(chk_http.directives, c->conf);
	config_destroy(&cfg);
}

/* ---- https: against openssl s_server -------------------------------- */

/* Free what https_load made (the teardown frees only the conf block). */
static void
https_unload(struct ctx *c)
{
	chk_http.release(&c->p);
	mon_directives_release(chk_https.directives, c->conf);
	memset(c->conf, 0, chk_https.conf_size);
}

/* Configure c->p as https from libconfig text; 0 or the error. */
static int
https_load(struct ctx *c, const char *text, struct err *e)
{
	config_t	cfg;
	int		rc;

	https_unload(c);
	c->p.type = &chk_https;
	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg, text), CONFIG_TRUE);
	rc = mon_directives_apply(chk_https.directives, c->conf,
	    config_lookup(&cfg, "check"), NULL, mon_probe_common_directives,
	    "real t", e);
	if (rc == 0)
		rc = chk_https.configure(NULL, &c->p, e);
	config_destroy(&cfg);
	return rc;
}

static void
https_ok(struct ctx *c, const char *text)
{
	struct err	e = { "" };

	if (https_load(c, text, &e) != 0)
		fail_msg("%s: %s", text, e.msg);
}

/* openssl s_server -www on 127.0.0.1 (a self-signed certificate for
 * CN lvsmon.test in dir; made once), with TLS 1.3 and only the cipher
 * suite "suite" when not NULL; the probe points at it.  -1: no openssl. */
static pid_t
https_server(struct ctx *c, char *dir, const char *suite)
{
	char		cmd[1024], port[16], crt[300], key[300];
	int		p = srv_start(c, AF_INET, 0);	/* a free port */
	pid_t		pid;

	snprintf(crt, sizeof(crt), "%s/c.pem", dir);
	snprintf(key, sizeof(key), "%s/k.pem", dir);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "
	    "/CN=lvsmon.test -keyout %s -out %s >/dev/null 2>&1", key, crt);
	if (access(crt, R_OK) != 0 && system(cmd) != 0)
		return -1;
	snprintf(port, sizeof(port), "%d", p);
	if ((pid = fork()) == 0) {
		(void)!freopen("/dev/null", "w", stdout);
		(void)!freopen("/dev/null", "w", stderr);
		if (suite != NULL)
			execlp("openssl", "openssl", "s_server", "-quiet",
			    "-www", "-accept", port, "-cert", crt, "-key", key,
			    "-tls1_3", "-ciphersuites", suite, (char *)NULL);
		else
			execlp("openssl", "openssl", "s_server", "-quiet",
			    "-www", "-accept", port, "-cert", crt, "-key", key,
			    (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {	/* bounded: 5 s */
		int	fd = socket(AF_INET, SOCK_STREAM, 0), up;

		up = connect(fd, (struct sockaddr *)&c->p.addr,
		    c->p.addrlen) == 0;
		close(fd);
		if (up)
			return pid;
		usleep(50000);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return -1;
}

/* https passes over TLS; verify refuses a self-signed certificate with
 * the verify reason and takes it with ca_file; the name is checked */
static void
https_verify_and_ca_file(void **state)
{
	struct ctx	*c = *state;
	char		 dir[] = "/tmp/lvsmon-https.XXXXXX", text[512];
	char		 rm[64];
	struct err	 e = { "" };
	pid_t		 pid;

	signal(SIGPIPE, SIG_IGN);
	assert_non_null(mkdtemp(dir));
	if ((pid = https_server(c, dir, NULL)) < 0) {
		snprintf(rm, sizeof(rm), "rm -rf %s", dir);
		(void)!system(rm);
		skip();
		return;
	}
	https_ok(c, "check = { sni = \"lvsmon.test\"; };");
	expect(c, CHK_V_OK, CHK_R_OK, "http: status 200");
	https_ok(c, "check = { verify = true; };");
	expect(c, CHK_V_FAIL, CHK_R_TLS, "tls: handshake: certificate verify "
	    "failed (self-signed certificate)");
	snprintf(text, sizeof(text), "check = { verify = true; "
	    "sni = \"lvsmon.test\"; ca_file = \"%s/c.pem\"; };", dir);
	https_ok(c, text);
	expect(c, CHK_V_OK, CHK_R_OK, "http: status 200");
	snprintf(text, sizeof(text), "check = { verify = true; "
	    "verify_name = \"other.test\"; ca_file = \"%s/c.pem\"; };",
	    dir);
	https_ok(c, text);
	expect(c, CHK_V_FAIL, CHK_R_TLS, "tls: handshake: certificate verify "
	    "failed (hostname mismatch)");
	/* the keys are checked when the config is read */
	assert_int_equal(https_load(c, "check = { ca_file = \"/x.pem\"; };",
	    &e), -EINVAL);
	assert_string_equal(e.msg, "ca_file: needs verify = true");
	assert_int_equal(https_load(c, "check = { verify = true; "
	    "ca_file = \"/nonexistent.pem\"; };", &e), -EINVAL);
	assert_string_equal(e.msg, "ca_file: /nonexistent.pem: ENOENT");
	https_unload(c);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);

	/* a server whose only cipher suite we do not offer: its alert */
	pid = https_server(c, dir, "TLS_AES_128_CCM_8_SHA256");
	assert_true(pid > 0);
	https_ok(c, "check = { };");
	expect(c, CHK_V_FAIL, CHK_R_TLS, "tls: alert handshake failure");
	https_unload(c);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	snprintf(rm, sizeof(rm), "rm -rf %s", dir);
	(void)!system(rm);
}

/* A server that never answers the ClientHello: the run is in phase "tls"
 * when the scheduler cancels it; the Host header omits :443 for https */
static void
https_handshake_phase_is_tls(void **state)
{
	struct ctx	*c = *state;

	srv_start(c, AF_INET, 1);
	https_ok(c, "check = { host = \"www.example.org\"; };");
	srv_reply(c, SRV_SILENT, "");
	assert_int_equal(chk_https.start(&c->p), 0);
	/* until the server has the ClientHello; bounded: 2 s */
	for (int i = 0; i < 1000 && c->req_len == 0; i++) {
		event_base_loop(c->base, EVLOOP_NONBLOCK);
		usleep(2000);
	}
	assert_true(c->req_len > 0);
	spin(c);
	assert_int_equal(c->done, 0);
	assert_string_equal(c->p.phase, "tls");
	chk_https.cancel(&c->p);
	assert_null(c->p.run);
	https_unload(c);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(http_200_ok),
		T(http_503_fails),
		T(http_status_ranges),
		T(http_status_bad_text),
		T(http_body_regex),
		T(http_body_bad_regex),
		T(http_malformed),
		T(http_closed_without_reply),
		T(http_reset_during_read),
		T(http_refused),
		T(http_silent_then_cancel),
		T(http_ipv6),
		T(http_head),
		T(http_head_with_body_refused),
		T(http_content_length),
		T(http_path_and_host),
		T(http_bad_path_host),
		T(http_max_body),
		T(http_headers_too_long),
		T(http_conf_from_config_text),
		T(https_verify_and_ca_file),
		T(https_handshake_phase_is_tls),
	};

	return cmocka_run_group_tests_name("checkers_http", tests, NULL,
	    NULL);
}

/*
 * lua/sock.c - lvsmon.tcp(), lvsmon.udp(), lvsmon.resolve(): sockets that
 * look blocking to a script and yield its coroutine to libevent underneath.
 *
 * Each call that may wait is a C function with a continuation (lua_yieldk):
 * it tries the operation on the non-blocking socket; when the kernel (or
 * OpenSSL) says "would block", it arms the socket's one event with what is
 * left of the operation's deadline and yields; the event resumes the
 * coroutine, which re-enters the continuation and tries again.  The
 * arguments stay on the coroutine's stack across the yield, so the
 * continuation re-reads them.
 *
 * Received bytes wait in a per-socket buffer counted against the state's
 * memory limit (lua_rt_realloc).  Errors are returned to the script as
 * nil, "timeout" | "closed" | "ECONNREFUSED" | "tls: ..." [, partial].
 *
 * Ownership: the userdata is Lua's; while its run lives it is on the run's
 * list, and the run closes it when it ends or is cancelled
 * (lua_sock_close_all).  __gc closes what is left.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/dns.h>
#include <event2/util.h>
#include <lauxlib.h>

#include "checkers/chk_tls.h"
#include "lua/lua_rt.h"

#define SOCK_MT		"lvsmon.socket"
#define SOCK_CHUNK	4096
#define SOCK_DGRAM_MAX	65536
#define SOCK_UNTIL_MAX	(1 << 20)	/* receiveuntil's default max */
#define SOCK_ERRLEN	120

enum sock_state {
	S_NEW = 0,	/* no connect yet */
	S_CONNECTING,	/* in connect(): resolve, TCP, TLS */
	S_CONNECTED,
	S_CLOSED,
};

enum sock_step {
	C_RESOLVE = 0,
	C_TCP,
	C_TLS,
};

struct lua_sock {
	int		 fd;
	int		 type;		/* SOCK_STREAM, SOCK_DGRAM */
	enum sock_state	 state;
	enum sock_step	 step;
	struct lua_run	*run;		/* NULL once its run ended */
	struct lua_sock	*next, **pprev;	/* on run->socks */
	struct event	*ev;
	short		 fired;		/* what the last event reported */
	unsigned	 timeout_ms;
	long long	 deadline;	/* of the operation under way */
	int		 eof;
	int		 failed;	/* an I/O error: close with RST */
	char		*buf;		/* received, unread: [off, len) */
	size_t		 off, len, cap;
	size_t		 wpos;		/* bytes of the current send done */
	void		*tls;
	int		 want_tls, verify;
	char		 host[256];	/* as given to connect */
	char		 sni[256];	/* "" none */
	int		 port;
	struct sockaddr_storage peer;
	socklen_t	 peerlen;
};

/* A resolve under way, on run->dns (one at a time: a run is sequential). */
struct lua_dns {
	struct evdns_getaddrinfo_request *req;	/* NULL when answered */
	struct lua_run		*run;
	int			 done, err, in_call;
	struct evutil_addrinfo	*ai;
};

static struct evdns_base *dns_base;

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *
errname(int err)
{
	static char	 buf[24];
	const char	*n = strerrorname_np(err);

	if (n != NULL)
		return n;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/* Push nil, err [, partial] and return the count. */
static int
fail(lua_State *L, const char *err, struct lua_sock *s, int partial)
{
	lua_pushnil(L);
	lua_pushstring(L, err);
	if (!partial)
		return 2;
	if (s != NULL && s->len > s->off)
		lua_pushlstring(L, s->buf + s->off, s->len - s->off);
	else
		lua_pushliteral(L, "");
	if (s != NULL)
		s->off = s->len = 0;
	return 3;
}

static struct lua_sock *
checksock(lua_State *L)
{
	return luaL_checkudata(L, 1, SOCK_MT);
}

/* ---- life ------------------------------------------------------------ */

static void
sock_unlink(struct lua_sock *s)
{
	if (s->pprev != NULL) {
		*s->pprev = s->next;
		if (s->next != NULL)
			s->next->pprev = s->pprev;
	}
	s->next = NULL;
	s->pprev = NULL;
	s->run = NULL;
}

static void
sock_close(struct lua_sock *s, int abort)
{
	struct linger	lg = { .l_onoff = 1, .l_linger = 0 };

	if (s->ev != NULL)
		event_free(s->ev);
	s->ev = NULL;
	if (s->tls != NULL)
		chk_tls_free(s->tls);
	s->tls = NULL;
	if (s->fd >= 0) {
		/* RST when the exchange did not end cleanly, or when the
		   run is dropped: nobody keeps TIME_WAIT for a check. */
		if (s->type == SOCK_STREAM && (abort || s->failed ||
		    s->len > s->off))
			(void)setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg,
			    sizeof(lg));
		close(s->fd);
	}
	s->fd = -1;
	if (s->buf != NULL)
		lua_rt_realloc(s->buf, s->cap, 0);
	s->buf = NULL;
	s->off = s->len = s->cap = 0;
	s->state = S_CLOSED;
}

void
lua_sock_close_all(struct lua_run *run)
{
	while (run->socks != NULL) {
		struct lua_sock	*s = run->socks;

		sock_close(s, 1);
		sock_unlink(s);
	}
}

static int
sock_gc(lua_State *L)
{
	struct lua_sock	*s = luaL_checkudata(L, 1, SOCK_MT);

	sock_close(s, 1);
	sock_unlink(s);
	return 0;
}

static int
sock_new(lua_State *L, int type, const char *what)
{
	struct lua_run	*run = lua_rt_run_of(L, what);
	struct lua_sock	*s = lua_newuserdatauv(L, sizeof(*s), 0);

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->type = type;
	s->timeout_ms = run->p->timeout_ms ? run->p->timeout_ms : 1000;
	luaL_setmetatable(L, SOCK_MT);
	s->run = run;
	s->next = run->socks;
	if (s->next != NULL)
		s->next->pprev = &s->next;
	s->pprev = &run->socks;
	run->socks = s;
	return 1;
}

static int
l_tcp(lua_State *L)
{
	return sock_new(L, SOCK_STREAM, "lvsmon.tcp");
}

static int
l_udp(lua_State *L)
{
	return sock_new(L, SOCK_DGRAM, "lvsmon.udp");
}

/* ---- waiting ---------------------------------------------------------- */

static void
sock_event(evutil_socket_t fd, short what, void *arg)
{
	struct lua_sock	*s = arg;

	s->fired = what;
	lua_rt_wake(s->run);
}

/* The socket's own run, running now in L (errors otherwise). */
static struct lua_run *
sock_run(lua_State *L, struct lua_sock *s, const char *what)
{
	struct lua_run	*run = lua_rt_run_of(L, what);

	if (s->run != run)
		luaL_error(L, "%s: this socket belongs to another check run",
		    what);
	return run;
}

/* Start an operation: its deadline is the socket's timeout from now. */
static void
op_begin(struct lua_sock *s)
{
	s->deadline = now_ms() + s->timeout_ms;
	s->fired = 0;
}

static int
timed_out(struct lua_sock *s)
{
	return (s->fired & EV_TIMEOUT) || now_ms() >= s->deadline;
}

/* Wait for what on the socket until the deadline, then continue in k. */
static int
sock_wait(lua_State *L, struct lua_sock *s, short what, lua_KFunction k,
    lua_KContext ctx, const char *phase)
{
	struct lua_run	*run = s->run;
	long long	 left = s->deadline - now_ms();
	struct timeval	 tv;

	if (!lua_isyieldable(L))
		return luaL_error(L, "socket %s: attempt to yield across a "
		    "C-call boundary", phase);
	if (left < 0)
		left = 0;
	tv.tv_sec = left / 1000;
	tv.tv_usec = (left % 1000) * 1000;
	if (s->ev == NULL)
		s->ev = event_new(lua_rt_base(), s->fd, what, sock_event, s);
	else {
		event_del(s->ev);
		event_assign(s->ev, lua_rt_base(), s->fd, what, sock_event, s);
	}
	event_base_update_cache_time(lua_rt_base());
	if (s->ev == NULL || event_add(s->ev, &tv) < 0)
		return luaL_error(L, "socket %s: cannot arm an event", phase);
	s->fired = 0;
	run->p->phase = phase;
	return lua_rt_yield(L, run, k, ctx);
}

/* ---- DNS --------------------------------------------------------------- */

static void
dns_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct lua_dns	*d = arg;

	if (d->run == NULL) {		/* cancelled */
		if (res != NULL)
			evutil_freeaddrinfo(res);
		free(d);
		return;
	}
	d->req = NULL;
	d->done = 1;
	d->err = result;
	d->ai = res;
	if (!d->in_call)
		lua_rt_wake(d->run);
}

void
lua_sock_dns_cancel(struct lua_run *run)
{
	struct lua_dns	*d = run->dns;

	if (d == NULL)
		return;
	run->dns = NULL;
	d->run = NULL;
	if (d->req != NULL) {
		/* Calls dns_cb(EVUTIL_EAI_CANCEL), which frees d. */
		evdns_getaddrinfo_cancel(d->req);
		return;
	}
	if (d->ai != NULL)
		evutil_freeaddrinfo(d->ai);
	free(d);
}

void
lua_sock_cleanup(void)
{
	if (dns_base != NULL)
		evdns_base_free(dns_base, 0);
	dns_base = NULL;
}

/*
 * Start resolving name on run->dns.  Returns 0 (answered at once or under
 * way: see run->dns->done) or -ENOMEM.
 */
static int
dns_start(struct lua_run *run, const char *name, int family, int socktype)
{
	struct evutil_addrinfo	 hints;
	struct lua_dns		*d;
	struct evdns_getaddrinfo_request *req;

	lua_sock_dns_cancel(run);
	if (dns_base == NULL) {
		/* resolv.conf and /etc/hosts are read once, here. */
		dns_base = evdns_base_new(lua_rt_base(),
		    EVDNS_BASE_INITIALIZE_NAMESERVERS |
		    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
		if (dns_base == NULL)
			return -ENOMEM;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -ENOMEM;
	d->run = run;
	run->dns = d;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = socktype;
	d->in_call = 1;
	req = evdns_getaddrinfo(dns_base, name, NULL, &hints, dns_cb, d);
	/* d is still ours: only a cancel frees it in the callback. */
	d->in_call = 0;
	if (!d->done)
		d->req = req;
	return 0;
}

static const char *
dns_error(int err)
{
	return err == EVUTIL_EAI_NONAME ? "not found" :
	    evutil_gai_strerror(err);
}

/* Wait for run->dns until deadline (ms, absolute). */
static int
dns_wait(lua_State *L, struct lua_run *run, long long deadline,
    lua_KFunction k)
{
	if (!lua_isyieldable(L))
		return luaL_error(L, "resolve: attempt to yield across a "
		    "C-call boundary");
	if (lua_rt_timer(L, run, deadline - now_ms()) < 0)
		return luaL_error(L, "resolve: cannot arm a timer");
	run->p->phase = "resolve";
	return lua_rt_yield(L, run, k, (lua_KContext)deadline);
}

/* lvsmon.resolve(name [, family]): continuation. */
static int
resolve_k(lua_State *L, int status, lua_KContext deadline)
{
	struct lua_run		*run = lua_rt_run_of(L, "lvsmon.resolve");
	struct lua_dns		*d = run->dns;
	char			 buf[INET6_ADDRSTRLEN];
	int			 i = 0;

	if (d == NULL)
		return fail(L, "resolve: cancelled", NULL, 0);
	if (!d->done) {
		if (now_ms() >= (long long)deadline) {
			lua_sock_dns_cancel(run);
			return fail(L, "timeout", NULL, 0);
		}
		return dns_wait(L, run, deadline, resolve_k);
	}
	if (d->err != 0) {
		lua_pushnil(L);
		lua_pushfstring(L, "resolve: %s", dns_error(d->err));
		lua_sock_dns_cancel(run);
		return 2;
	}
	lua_newtable(L);
	for (struct evutil_addrinfo *a = d->ai; a != NULL; a = a->ai_next) {
		const void *src = a->ai_family == AF_INET ?
		    (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr :
		    (const void *)&((struct sockaddr_in6 *)
		    a->ai_addr)->sin6_addr;

		if (a->ai_family != AF_INET && a->ai_family != AF_INET6)
			continue;
		inet_ntop(a->ai_family, src, buf, sizeof(buf));
		lua_pushstring(L, buf);
		lua_rawseti(L, -2, ++i);
	}
	lua_sock_dns_cancel(run);
	return 1;
}

static int
l_resolve(lua_State *L)
{
	static const char *const fams[] = { "any", "inet", "inet6", NULL };
	static const int famv[] = { AF_UNSPEC, AF_INET, AF_INET6 };
	const char	*name = luaL_checkstring(L, 1);
	int		 f = luaL_checkoption(L, 2, "any", fams);
	struct lua_run	*run = lua_rt_run_of(L, "lvsmon.resolve");
	long long	 deadline = now_ms() + run->p->timeout_ms;

	lua_settop(L, 2);
	if (dns_start(run, name, famv[f], SOCK_STREAM) < 0)
		return luaL_error(L, "lvsmon.resolve: out of memory");
	return resolve_k(L, LUA_OK, (lua_KContext)deadline);
}

/* ---- connect, starttls ------------------------------------------------ */

/* host is a numeric address ("198.51.100.1", "2001:db8::1", "[::1]")? */
static int
numeric(const char *host, int port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 h[INET6_ADDRSTRLEN + 2];
	size_t			 n = strlen(host);

	if (n >= 2 && n < sizeof(h) && host[0] == '[' && host[n - 1] == ']') {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
	} else if (n < sizeof(h))
		memcpy(h, host, n + 1);
	else
		return 0;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, h, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 1;
	}
	if (inet_pton(AF_INET6, h, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 1;
	}
	return 0;
}

/* A failed connect: the socket may be connected again. */
static int
connect_fail(lua_State *L, struct lua_sock *s, const char *err)
{
	s->failed = 1;
	sock_close(s, 1);
	s->state = S_NEW;
	return fail(L, err, NULL, 0);
}

static int
connect_k(lua_State *L, int status, lua_KContext ctx)
{
	struct lua_sock	*s = checksock(L);
	struct lua_run	*run = sock_run(L, s, "connect");
	char		 err[SOCK_ERRLEN + 8];
	short		 want = 0;
	int		 rc, e;
	socklen_t	 elen = sizeof(e);

	switch (s->step) {
	case C_RESOLVE: {
		struct lua_dns	*d = run->dns;

		if (d == NULL)
			return connect_fail(L, s, "resolve: cancelled");
		if (!d->done) {
			if (now_ms() >= s->deadline) {
				lua_sock_dns_cancel(run);
				return connect_fail(L, s, "timeout");
			}
			return dns_wait(L, run, s->deadline, connect_k);
		}
		if (d->err != 0 || d->ai == NULL) {
			snprintf(err, sizeof(err), "resolve: %s",
			    d->err ? dns_error(d->err) : "no address");
			lua_sock_dns_cancel(run);
			return connect_fail(L, s, err);
		}
		memcpy(&s->peer, d->ai->ai_addr, d->ai->ai_addrlen);
		s->peerlen = d->ai->ai_addrlen;
		((struct sockaddr_in *)&s->peer)->sin_port =
		    htons((uint16_t)s->port);	/* same place in v6 */
		lua_sock_dns_cancel(run);
		s->step = C_TCP;
	}
		/* FALLTHROUGH */
	case C_TCP:
		if (s->fd < 0) {
			s->fd = socket(s->peer.ss_family, s->type |
			    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (s->fd < 0)
				return connect_fail(L, s, errname(errno));
			if (connect(s->fd, (struct sockaddr *)&s->peer,
			    s->peerlen) < 0) {
				if (errno != EINPROGRESS && errno != EINTR)
					return connect_fail(L, s,
					    errname(errno));
				return sock_wait(L, s, EV_WRITE, connect_k,
				    0, "connect");
			}
		} else {
			if (!(s->fired & EV_WRITE))
				return connect_fail(L, s, "timeout");
			if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e,
			    &elen) < 0)
				e = errno;
			if (e != 0)
				return connect_fail(L, s, errname(e));
		}
		s->state = S_CONNECTED;
		if (!s->want_tls) {
			lua_pushboolean(L, 1);
			return 1;
		}
		s->step = C_TLS;
		/* FALLTHROUGH */
	case C_TLS:
		break;
	}
	if (s->tls == NULL) {
		const char	*sni = s->sni[0] ? s->sni : NULL;

		s->tls = chk_tls_new(NULL, s->fd, sni, s->verify,
		    sni != NULL ? sni : s->host, err, sizeof(err));
		if (s->tls == NULL) {
			char	m[sizeof(err) + 8];

			snprintf(m, sizeof(m), "tls: %s", err);
			return connect_fail(L, s, m);
		}
	}
	rc = chk_tls_handshake(s->tls, &want, err, sizeof(err));
	if (rc == -EAGAIN) {
		if (timed_out(s))
			return connect_fail(L, s, "timeout");
		return sock_wait(L, s, want, connect_k, 0,
		    "tls handshake");
	}
	if (rc < 0) {
		char	m[sizeof(err) + 8];

		snprintf(m, sizeof(m), "tls: %s", err);
		return connect_fail(L, s, m);
	}
	s->state = S_CONNECTED;
	lua_pushboolean(L, 1);
	return 1;
}

/* TLS options of connect/starttls at index idx (a table or nil). */
static void
tls_opts(lua_State *L, struct lua_sock *s, int idx)
{
	if (lua_type(L, idx) != LUA_TTABLE)
		return;
	if (lua_getfield(L, idx, "tls") != LUA_TNIL)
		s->want_tls = lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (lua_getfield(L, idx, "verify") != LUA_TNIL)
		s->verify = lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (lua_getfield(L, idx, "sni") == LUA_TSTRING)
		snprintf(s->sni, sizeof(s->sni), "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
}

/* s:connect(host, port [, {tls =, sni =, verify =}]) */
static int
l_connect(lua_State *L)
{
	struct lua_sock	*s = checksock(L);
	const char	*host = luaL_checkstring(L, 2);
	lua_Integer	 port = luaL_checkinteger(L, 3);
	struct lua_run	*run = sock_run(L, s, "connect");
	struct sockaddr_storage ss;
	socklen_t	 len;

	luaL_argcheck(L, port > 0 && port < 65536, 3, "port 1..65535");
	luaL_argcheck(L, lua_isnoneornil(L, 4) || lua_istable(L, 4), 4,
	    "a table of options or nil");
	if (s->state != S_NEW)
		return fail(L, s->state == S_CLOSED ? "closed" :
		    "already connected", NULL, 0);
	if (strlen(host) >= sizeof(s->host))
		return fail(L, "resolve: name too long", NULL, 0);
	lua_settop(L, 4);
	snprintf(s->host, sizeof(s->host), "%s", host);
	s->port = (int)port;
	s->sni[0] = '\0';
	s->want_tls = s->verify = 0;
	tls_opts(L, s, 4);
	if (s->type != SOCK_STREAM)
		s->want_tls = 0;
	s->state = S_CONNECTING;
	op_begin(s);
	if (numeric(host, s->port, &ss, &len)) {
		s->peer = ss;
		s->peerlen = len;
		s->step = C_TCP;
	} else {
		/* The name is the default SNI and verify name. */
		if (s->sni[0] == '\0')
			snprintf(s->sni, sizeof(s->sni), "%s", host);
		s->step = C_RESOLVE;
		if (dns_start(run, host, AF_UNSPEC, s->type) < 0)
			return luaL_error(L, "connect: out of memory");
	}
	return connect_k(L, LUA_OK, 0);
}

/* s:starttls([{sni =, verify =}]) on a connected TCP socket. */
static int
l_starttls(lua_State *L)
{
	struct lua_sock	*s = checksock(L);

	sock_run(L, s, "starttls");
	if (s->state != S_CONNECTED || s->type != SOCK_STREAM)
		return fail(L, s->state == S_CLOSED ? "closed" :
		    "not a connected tcp socket", NULL, 0);
	if (s->tls != NULL)
		return fail(L, "tls: already on", NULL, 0);
	lua_settop(L, 2);
	s->sni[0] = '\0';
	s->verify = 0;
	tls_opts(L, s, 2);
	s->want_tls = 1;
	s->step = C_TLS;
	op_begin(s);
	/* Bytes already buffered were sent before the handshake: a server
	   speaking TLS must not have sent them; drop them. */
	s->off = s->len = 0;
	return connect_k(L, LUA_OK, 0);
}

/* ---- receive ------------------------------------------------------------ */

/*
 * Read once more into the buffer.  Returns bytes (> 0), 0 at EOF, -EAGAIN
 * with *want, or another -errno (-EPROTO for TLS, with err filled).
 */
static int
sock_fill(struct lua_sock *s, short *want, char *err, size_t errlen)
{
	ssize_t	n;
	size_t	need = s->type == SOCK_DGRAM ? SOCK_DGRAM_MAX : SOCK_CHUNK;

	if (s->off == s->len)
		s->off = s->len = 0;
	if (s->cap - s->len < need && s->off > 0) {
		memmove(s->buf, s->buf + s->off, s->len - s->off);
		s->len -= s->off;
		s->off = 0;
	}
	if (s->cap - s->len < need) {
		size_t	ncap = s->cap ? s->cap : SOCK_CHUNK;
		char	*nb;

		while (ncap - s->len < need)
			ncap *= 2;
		if ((nb = lua_rt_realloc(s->buf, s->cap, ncap)) == NULL)
			return -ENOMEM;
		s->buf = nb;
		s->cap = ncap;
	}
	*want = EV_READ;
	if (s->tls != NULL) {
		int rc = chk_tls_read(s->tls, s->buf + s->len,
		    s->cap - s->len, want, err, errlen);

		if (rc > 0)
			s->len += (size_t)rc;
		return rc;
	}
	n = recv(s->fd, s->buf + s->len, s->cap - s->len, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR ? -EAGAIN : -errno;
	s->len += (size_t)n;
	return (int)n;
}

enum rmode { R_LINE = 0, R_ALL, R_NUM, R_UNTIL };

static int
push_take(lua_State *L, struct lua_sock *s, size_t n, size_t skip)
{
	lua_pushlstring(L, s->buf + s->off, n);
	s->off += n + skip;
	return 1;
}

/*
 * The one receive loop: receive(pattern) (mode from arg 2) and
 * receiveuntil(delim, max).  Tries the buffer, then the socket, then waits.
 */
static int
recv_k(lua_State *L, int status, lua_KContext mode)
{
	struct lua_sock	*s = checksock(L);
	char		 err[SOCK_ERRLEN + 8];
	const char	*delim = NULL;
	size_t		 dlen = 0, max = SOCK_UNTIL_MAX, n = 0;
	short		 want = EV_READ;
	int		 rc;

	sock_run(L, s, "receive");
	if (mode == R_NUM)
		n = (size_t)lua_tointeger(L, 2);
	else if (mode == R_UNTIL) {
		delim = lua_tolstring(L, 2, &dlen);
		if (!lua_isnoneornil(L, 3))
			max = (size_t)lua_tointeger(L, 3);
	}
	for (;;) {
		size_t		 avail = s->len - s->off;
		const char	*b = s->buf + s->off, *hit;

		if (s->type == SOCK_DGRAM && avail > 0) {
			if (mode == R_NUM && n < avail)
				avail = n;
			push_take(L, s, avail, 0);
			s->off = s->len = 0;
			return 1;
		}
		switch ((int)mode) {
		case R_NUM:
			if (avail >= n)
				return push_take(L, s, n, 0);
			break;
		case R_LINE:
			if (avail > 0 && (hit = memchr(b, '\n', avail)) != NULL) {
				size_t l = (size_t)(hit - b);

				return push_take(L, s, l > 0 && b[l - 1] == '\r' ?
				    l - 1 : l, l > 0 && b[l - 1] == '\r' ? 2 : 1);
			}
			break;
		case R_UNTIL:
			if (avail >= dlen &&
			    (hit = memmem(b, avail, delim, dlen)) != NULL)
				return push_take(L, s, (size_t)(hit - b), dlen);
			if (avail > max + dlen)
				return fail(L, "too long", s, 1);
			break;
		case R_ALL:
			if (s->eof)
				return push_take(L, s, avail, 0);
			break;
		}
		if (s->eof)
			return fail(L, "closed", s, 1);
		rc = sock_fill(s, &want, err, sizeof(err));
		if (rc > 0)
			continue;
		if (rc == 0) {
			s->eof = 1;
			continue;
		}
		if (rc == -EAGAIN) {
			if (timed_out(s))
				return fail(L, "timeout", s, 1);
			return sock_wait(L, s, want, recv_k, mode,
			    "receive");
		}
		s->failed = 1;
		if (rc == -ENOMEM)
			return luaL_error(L, "receive: not enough memory for "
			    "the buffer (lua memory limit)");
		if (rc == -EPROTO) {
			char	m[sizeof(err) + 8];

			snprintf(m, sizeof(m), "tls: %s", err);
			return fail(L, m, s, 1);
		}
		return fail(L, errname(-rc), s, 1);
	}
}

static int
recv_ready(lua_State *L, struct lua_sock *s)
{
	if (s->state == S_CONNECTED)
		return 1;
	fail(L, s->state == S_CLOSED ? "closed" : "not connected", NULL, 0);
	lua_pushliteral(L, "");
	return 0;
}

/* s:receive([pattern]) */
static int
l_receive(lua_State *L)
{
	struct lua_sock	*s = checksock(L);
	lua_KContext	 mode = R_LINE;

	sock_run(L, s, "receive");
	if (lua_type(L, 2) == LUA_TNUMBER) {
		lua_Integer n = luaL_checkinteger(L, 2);

		luaL_argcheck(L, n >= 0 && n <= INT_MAX, 2, "a byte count");
		mode = R_NUM;
	} else if (!lua_isnoneornil(L, 2)) {
		const char *p = luaL_checkstring(L, 2);

		if (*p == '*')
			p++;
		if (strcmp(p, "l") == 0)
			mode = R_LINE;
		else if (strcmp(p, "a") == 0)
			mode = R_ALL;
		else
			return luaL_argerror(L, 2, "expected a byte count, "
			    "\"*l\" or \"*a\"");
	}
	lua_settop(L, 2);
	if (!recv_ready(L, s))
		return 3;
	op_begin(s);
	return recv_k(L, LUA_OK, mode);
}

/* s:receiveuntil(delim [, max]) */
static int
l_receiveuntil(lua_State *L)
{
	struct lua_sock	*s = checksock(L);
	size_t		 dlen;

	luaL_checklstring(L, 2, &dlen);
	luaL_argcheck(L, dlen > 0, 2, "an empty delimiter");
	luaL_argcheck(L, lua_isnoneornil(L, 3) || luaL_checkinteger(L, 3) > 0,
	    3, "a positive byte count");
	sock_run(L, s, "receiveuntil");
	lua_settop(L, 3);
	if (!recv_ready(L, s))
		return 3;
	op_begin(s);
	return recv_k(L, LUA_OK, R_UNTIL);
}

/* ---- send --------------------------------------------------------------- */

static int
send_k(lua_State *L, int status, lua_KContext ctx)
{
	struct lua_sock	*s = checksock(L);
	size_t		 len;
	const char	*data = lua_tolstring(L, 2, &len);
	char		 err[SOCK_ERRLEN + 8];
	short		 want = EV_WRITE;
	ssize_t		 n;

	sock_run(L, s, "send");
	while (s->wpos < len || len == 0) {
		if (s->tls != NULL) {
			n = chk_tls_write(s->tls, data + s->wpos,
			    len - s->wpos, &want, err, sizeof(err));
			if (n == -EPROTO) {
				char	m[sizeof(err) + 8];

				s->failed = 1;
				snprintf(m, sizeof(m), "tls: %s", err);
				return fail(L, m, NULL, 0);
			}
		} else {
			n = send(s->fd, data + s->wpos, len - s->wpos,
			    MSG_NOSIGNAL);
			if (n < 0)
				n = errno == EAGAIN || errno == EWOULDBLOCK ||
				    errno == EINTR ? -EAGAIN : -errno;
		}
		if (n == -EAGAIN) {
			if (timed_out(s))
				return fail(L, "timeout", NULL, 0);
			return sock_wait(L, s, want, send_k, 0, "send");
		}
		if (n < 0) {
			s->failed = 1;
			return fail(L, errname((int)-n), NULL, 0);
		}
		s->wpos += (size_t)n;
		if (len == 0)
			break;
	}
	lua_pushinteger(L, (lua_Integer)len);
	return 1;
}

/* s:send(data) */
static int
l_send(lua_State *L)
{
	struct lua_sock	*s = checksock(L);

	luaL_checkstring(L, 2);
	sock_run(L, s, "send");
	lua_settop(L, 2);
	if (s->state != S_CONNECTED)
		return fail(L, s->state == S_CLOSED ? "closed" :
		    "not connected", NULL, 0);
	s->wpos = 0;
	op_begin(s);
	return send_k(L, LUA_OK, 0);
}

/* ---- the rest ------------------------------------------------------------ */

static int
l_settimeout(lua_State *L)
{
	struct lua_sock	*s = checksock(L);
	lua_Integer	 ms = luaL_checkinteger(L, 2);

	luaL_argcheck(L, ms >= 0 && ms <= 3600000, 2, "milliseconds "
	    "0..3600000");
	s->timeout_ms = (unsigned)ms;
	return 0;
}

static int
l_close(lua_State *L)
{
	struct lua_sock	*s = checksock(L);

	sock_close(s, 0);
	lua_pushboolean(L, 1);
	return 1;
}

static void
push_addr(lua_State *L, const struct sockaddr_storage *ss)
{
	char	h[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		inet_ntop(AF_INET, &a->sin_addr, h, sizeof(h));
		lua_pushfstring(L, "%s:%d", h, ntohs(a->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof(h));
		lua_pushfstring(L, "[%s]:%d", h, ntohs(a->sin6_port));
	} else
		lua_pushnil(L);
}

static int
l_info(lua_State *L)
{
	struct lua_sock		*s = checksock(L);
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	lua_newtable(L);
	if (s->fd < 0)
		return 1;
	if (getsockname(s->fd, (struct sockaddr *)&ss, &len) == 0) {
		push_addr(L, &ss);
		lua_setfield(L, -2, "local");
	}
	len = sizeof(ss);
	if (getpeername(s->fd, (struct sockaddr *)&ss, &len) == 0) {
		push_addr(L, &ss);
		lua_setfield(L, -2, "peer");
	}
	if (s->tls != NULL) {
		lua_pushstring(L, SSL_get_version(s->tls));
		lua_setfield(L, -2, "tls");
	}
	return 1;
}

static int
l_tostring(lua_State *L)
{
	struct lua_sock	*s = checksock(L);

	lua_pushfstring(L, "lvsmon.%s socket (%s)",
	    s->type == SOCK_STREAM ? "tcp" : "udp",
	    s->state == S_CONNECTED ? "connected" :
	    s->state == S_CLOSED ? "closed" : "not connected");
	return 1;
}

void
lua_sock_openlib(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "settimeout", l_settimeout },
		{ "connect", l_connect },
		{ "starttls", l_starttls },
		{ "send", l_send },
		{ "receive", l_receive },
		{ "receiveuntil", l_receiveuntil },
		{ "close", l_close },
		{ "info", l_info },
		{ NULL, NULL }
	};

	luaL_newmetatable(L, SOCK_MT);
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, sock_gc);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, sock_gc);
	lua_setfield(L, -2, "__close");
	lua_pushcfunction(L, l_tostring);
	lua_setfield(L, -2, "__tostring");
	/* Shared by every check: out of scripts' reach. */
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);

	lua_pushcfunction(L, l_tcp);
	lua_setfield(L, -2, "tcp");
	lua_pushcfunction(L, l_udp);
	lua_setfield(L, -2, "udp");
	lua_pushcfunction(L, l_resolve);
	lua_setfield(L, -2, "resolve");
}

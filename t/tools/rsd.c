/*
 * t/tools/rsd.c - a real server for the lab (tests and demo).
 *
 *   rsd -n NAME -l ADDR:PORT [-l ADDR:PORT ...] [-u] [-f FILE] [-p PIDFILE]
 *       [-a ACCESSLOG] [-S]
 *
 * One process, one epoll loop, IPv4 and IPv6 ("198.51.100.11:8080",
 * "[2001:db8:2::11]:8080").  HTTP/1.0-ish, one request per connection:
 *   GET /health     200 "ok\n", or 503 "failing\n" while FILE (-f) exists
 *                   (a file, not a signal: a test flips health with touch/rm
 *                   and needs no pid, and there is no signal race);
 *   GET /slow?s=N   200, then one line "NAME i/N\n" per second, i = 1..N,
 *                   the first at once; closes a second after the last, so
 *                   the connection lives N seconds (to test drain);
 *   anything else   200 with body "NAME\n" (HEAD: headers only).
 * A connection that sends nothing is held open until the peer goes away.
 * -u also answers every UDP datagram on the same addresses with "NAME\n".
 * -S (stall): accept connections and read them, never answer (a server
 *    that hangs, for the non-blocking test).
 * -a appends "EPOCH.MMM METHOD PATH PEER\n" per request (the tests use it to
 *    see when health checks arrive).
 * -p writes the pid once every socket is bound and listening, so a waiter
 *    on the pid file knows the server answers.
 *
 * Buffers are bounded (a request head over REQ_MAX bytes gets 400), at most
 * MAX_CONN connections (more are closed at once), nothing blocks.  SIGTERM
 * or SIGINT: close everything, remove the pid file, exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define MAX_LISTEN	8
#define MAX_CONN	1024
#define REQ_MAX		4096
#define OUT_MAX		1024
#define SLOW_MAX	3600
#define LINGER_MS	5000	/* after our reply, wait this long for EOF */

enum conn_state {
	C_FREE = 0,
	C_READ,		/* reading the request head */
	C_WRITE,	/* writing a reply, then C_LINGER or C_SLOW */
	C_SLOW,		/* between lines of /slow */
	C_LINGER,	/* reply sent, write side shut, waiting for EOF */
	C_STALL		/* -S: read and forget, never answer */
};

struct conn {
	int		fd;
	enum conn_state	st;
	char		req[REQ_MAX];
	size_t		reqlen;
	char		out[OUT_MAX];
	size_t		outlen, outoff;
	int		slow_n, slow_i;	/* /slow: lines in all, sent */
	long long	due_ms;		/* next /slow line, or linger end */
	char		peer[INET6_ADDRSTRLEN + 8];
};

/* epoll data: small ints for listeners and signalfd, else a conn pointer */
enum { TAG_SIG = 1, TAG_TCP = 100, TAG_UDP = 200, TAG_CONN = 1000 };

static const char	*name;
static const char	*failfile;
static FILE		*alog;
static int		 stall;
static int		 ep;
static struct conn	 conns[MAX_CONN];

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rsd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "1.2.3.4:80" or "[2001:db8::1]:80" into ss; 0 or -1. */
static int
parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon;
	char *end;
	size_t hl;
	long port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -1;
		hl = (size_t)(rb - s - 1);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s + 1, hl);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || port < 1 || port > 65535)
		return -1;
	if (s[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -1;
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -1;
		*len = sizeof(*a);
	}
	return 0;
}

static void
addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char h[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof(h));
		snprintf(buf, len, "[%s]:%u", h, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const void *)ss;

		inet_ntop(AF_INET, &a->sin_addr, h, sizeof(h));
		snprintf(buf, len, "%s:%u", h, ntohs(a->sin_port));
	}
}

static void
ep_add(int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl add: %s", strerror(errno));
}

static void
ep_mod(struct conn *c, uint32_t events)
{
	struct epoll_event ev = {
		.events = events,
		.data.u64 = TAG_CONN + (uint64_t)(c - conns)
	};

	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static int
open_sock(const char *spec, int type)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (parse_addr(spec, &ss, &len) < 0)
		die("bad address '%s' (want ADDR:PORT or [ADDR6]:PORT)", spec);
	fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind %s: %s", spec, strerror(errno));
	if (type == SOCK_STREAM && listen(fd, 128) < 0)
		die("listen %s: %s", spec, strerror(errno));
	return fd;
}

static void
conn_close(struct conn *c)
{
	if (c->st == C_FREE)
		return;
	close(c->fd);
	c->st = C_FREE;
	c->fd = -1;
}

static void
out_printf(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->out + c->outlen, sizeof(c->out) - c->outlen, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->outlen += (size_t)n < sizeof(c->out) - c->outlen ?
		    (size_t)n : sizeof(c->out) - c->outlen - 1;
}

static void
reply(struct conn *c, int status, const char *body, int head_only)
{
	const char *text = status == 200 ? "OK" :
	    status == 503 ? "Service Unavailable" : "Bad Request";

	out_printf(c, "HTTP/1.0 %d %s\r\nServer: rsd\r\n"
	    "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", status, text, strlen(body),
	    head_only ? "" : body);
}

static void
slow_line(struct conn *c)
{
	c->slow_i++;
	out_printf(c, "%s %d/%d\n", name, c->slow_i, c->slow_n);
	c->st = C_WRITE;
}

/* Half-close and wait for the peer's EOF, so unread request bytes do not
 * turn our close into a reset that eats the reply. */
static void
conn_finish(struct conn *c)
{
	c->slow_n = 0;
	shutdown(c->fd, SHUT_WR);
	c->st = C_LINGER;
	c->due_ms = now_ms() + LINGER_MS;
	ep_mod(c, EPOLLIN | EPOLLRDHUP);
}

/* Write what is pending; then move on to the next state. */
static void
conn_flush(struct conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = write(c->fd, c->out + c->outoff,
		    c->outlen - c->outoff);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			ep_mod(c, EPOLLOUT | EPOLLRDHUP);
			return;
		}
		if (n <= 0) {
			conn_close(c);
			return;
		}
		c->outoff += (size_t)n;
	}
	c->outlen = c->outoff = 0;
	if (c->slow_n > 0) {
		/* the last line too is followed by a second of quiet, so
		 * /slow?s=N keeps the connection N seconds */
		c->st = C_SLOW;
		c->due_ms = now_ms() + 1000;
		ep_mod(c, EPOLLRDHUP);
		return;
	}
	conn_finish(c);
}

static void
access_log(struct conn *c, const char *method, const char *path)
{
	struct timespec ts;

	if (!alog)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(alog, "%lld.%03ld %s %s %s\n", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000000, method, path, c->peer);
	fflush(alog);
}

static void
handle_request(struct conn *c)
{
	char method[16] = "", path[256] = "";
	char body[128];
	struct stat st;
	int head;

	c->req[c->reqlen] = '\0';
	if (sscanf(c->req, "%15s %255s", method, path) != 2) {
		access_log(c, "-", "-");
		reply(c, 400, "bad request\n", 0);
		c->st = C_WRITE;
		conn_flush(c);
		return;
	}
	access_log(c, method, path);
	head = strcmp(method, "HEAD") == 0;
	if (strcmp(path, "/health") == 0) {
		if (failfile && stat(failfile, &st) == 0)
			reply(c, 503, "failing\n", head);
		else
			reply(c, 200, "ok\n", head);
	} else if (strncmp(path, "/slow?s=", 8) == 0 && !head) {
		int n = atoi(path + 8);

		if (n < 1 || n > SLOW_MAX) {
			reply(c, 400, "s must be 1..3600\n", 0);
		} else {
			out_printf(c, "HTTP/1.0 200 OK\r\nServer: rsd\r\n"
			    "Content-Type: text/plain\r\n"
			    "Connection: close\r\n\r\n");
			c->slow_n = n;
			slow_line(c);
		}
	} else {
		snprintf(body, sizeof(body), "%s\n", name);
		reply(c, 200, body, head);
	}
	c->st = C_WRITE;
	conn_flush(c);
}

static void
conn_read(struct conn *c)
{
	char junk[4096];

	for (;;) {
		ssize_t n;

		if (c->st == C_READ)
			n = read(c->fd, c->req + c->reqlen,
			    sizeof(c->req) - 1 - c->reqlen);
		else
			n = read(c->fd, junk, sizeof(junk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			conn_close(c);
			return;
		}
		if (c->st != C_READ)
			continue;	/* linger, stall, slow: discard */
		c->reqlen += (size_t)n;
		c->req[c->reqlen] = '\0';
		if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n")) {
			handle_request(c);
			return;
		}
		if (c->reqlen >= sizeof(c->req) - 1) {
			access_log(c, "-", "(head too long)");
			reply(c, 400, "request head too long\n", 0);
			c->st = C_WRITE;
			conn_flush(c);
			return;
		}
	}
}

static void
do_accept(int lfd)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct conn *c = NULL;
		int fd, i;

		fd = accept4(lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (i = 0; i < MAX_CONN; i++)
			if (conns[i].st == C_FREE) {
				c = &conns[i];
				break;
			}
		if (!c) {
			close(fd);
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->st = stall ? C_STALL : C_READ;
		addr_str(&ss, c->peer, sizeof(c->peer));
		ep_add(fd, EPOLLIN | EPOLLRDHUP,
		    TAG_CONN + (uint64_t)(c - conns));
	}
}

static void
do_udp(int fd)
{
	char buf[2048], out[128];
	int len = snprintf(out, sizeof(out), "%s\n", name);

	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&ss, &sl);

		if (n < 0)
			return;
		if (!stall)
			sendto(fd, out, (size_t)len, 0, (struct sockaddr *)&ss,
			    sl);
	}
}

/* /slow lines that are due, lingering connections that timed out; returns
 * the epoll timeout until the next such deadline. */
static int
run_timers(void)
{
	long long now = now_ms(), next = -1;
	int i;

	for (i = 0; i < MAX_CONN; i++) {
		struct conn *c = &conns[i];

		if (c->st != C_SLOW && c->st != C_LINGER)
			continue;
		if (c->due_ms <= now) {
			if (c->st == C_LINGER) {
				conn_close(c);
				continue;
			}
			if (c->slow_i < c->slow_n) {
				slow_line(c);
				conn_flush(c);
			} else {
				conn_finish(c);
			}
			if (c->st != C_SLOW && c->st != C_LINGER)
				continue;
		}
		if (next < 0 || c->due_ms < next)
			next = c->due_ms;
	}
	if (next < 0)
		return -1;
	return next > now ? (int)(next - now) : 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: rsd -n NAME -l ADDR:PORT [-l ...] [-u] "
	    "[-f FAILFILE] [-p PIDFILE] [-a ACCESSLOG] [-S]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *listen_spec[MAX_LISTEN];
	const char *pidfile = NULL, *alogfile = NULL;
	int tcpfd[MAX_LISTEN], udpfd[MAX_LISTEN];
	int nlisten = 0, udp = 0, opt, i, sfd, running = 1;
	sigset_t mask;

	while ((opt = getopt(argc, argv, "n:l:uf:p:a:S")) != -1) {
		switch (opt) {
		case 'n': name = optarg; break;
		case 'l':
			if (nlisten == MAX_LISTEN)
				die("at most %d -l", MAX_LISTEN);
			listen_spec[nlisten++] = optarg;
			break;
		case 'u': udp = 1; break;
		case 'f': failfile = optarg; break;
		case 'p': pidfile = optarg; break;
		case 'a': alogfile = optarg; break;
		case 'S': stall = 1; break;
		default: usage();
		}
	}
	if (!name || !nlisten || optind != argc || strlen(name) > 64)
		usage();
	if (alogfile && !(alog = fopen(alogfile, "a")))
		die("%s: %s", alogfile, strerror(errno));

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || ep < 0)
		die("signalfd/epoll: %s", strerror(errno));
	ep_add(sfd, EPOLLIN, TAG_SIG);
	for (i = 0; i < nlisten; i++) {
		tcpfd[i] = open_sock(listen_spec[i], SOCK_STREAM);
		ep_add(tcpfd[i], EPOLLIN, TAG_TCP + (uint64_t)i);
		if (udp) {
			udpfd[i] = open_sock(listen_spec[i], SOCK_DGRAM);
			ep_add(udpfd[i], EPOLLIN, TAG_UDP + (uint64_t)i);
		}
	}
	/* Listening on everything now: tell whoever waits for the pid. */
	if (pidfile) {
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", pidfile);
		if (!(f = fopen(tmp, "w")))
			die("%s: %s", tmp, strerror(errno));
		fprintf(f, "%ld\n", (long)getpid());
		if (fclose(f) != 0 || rename(tmp, pidfile) != 0)
			die("%s: %s", pidfile, strerror(errno));
	}

	while (running) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, run_timers());

		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag == TAG_SIG) {
				running = 0;
			} else if (tag >= TAG_CONN) {
				struct conn *c = &conns[tag - TAG_CONN];

				if (c->st == C_FREE)
					continue;
				if (evs[i].events & EPOLLOUT)
					conn_flush(c);
				else if (c->st == C_SLOW &&
				    (evs[i].events & (EPOLLRDHUP | EPOLLHUP |
				    EPOLLERR)))
					conn_close(c);
				else
					conn_read(c);
			} else if (tag >= TAG_UDP) {
				do_udp(udpfd[tag - TAG_UDP]);
			} else if (tag >= TAG_TCP) {
				do_accept(tcpfd[tag - TAG_TCP]);
			}
		}
	}
	for (i = 0; i < MAX_CONN; i++)
		conn_close(&conns[i]);
	if (pidfile)
		unlink(pidfile);
	return 0;
}

/*
 * t/tools/tally.c - the lab's traffic client: who answered, how often.
 *
 *   tally [-c N] [-t TIMEOUT_MS] [-u] ADDR:PORT
 *	N sequential requests (default 100), each a new connection with
 *	"GET / HTTP/1.0" (with -u: one UDP datagram each).  The first line of
 *	each reply body is the real server's name (t/tools/rsd.c answers
 *	"NAME\n").  Prints one "NAME COUNT" line per name, sorted by name,
 *	then "fail COUNT" (no connection, a timeout, no 200, no body):
 *	    rs1 150
 *	    rs2 50
 *	    fail 0
 *	Exit 0 when it could run (failures are counted, not fatal), 2 on a
 *	usage error.
 *
 *	-b SRCADDR:SRCPORT binds every connection there first (the same
 *	5-tuple each time: t/e2e/ecmp_hash.t).
 *
 *   tally --hold S [-t TIMEOUT_MS] ADDR:PORT
 *	One connection with "GET /slow?s=S": the server streams S lines, one
 *	a second.  Prints "server NAME", "lines K" and "complete yes|no";
 *	exit 0 when all S lines arrived and the server closed cleanly, 1
 *	otherwise.
 *
 * Every wait is bounded: TIMEOUT_MS (default 1000) per request; a hold
 * gives up S seconds + TIMEOUT_MS after it started.  ADDR:PORT is
 * "203.0.113.10:80" or "[2001:db8:ff::10]:80".
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define MAX_NAMES	64
#define RESP_MAX	8192

struct count {
	char	name[65];
	long	n;
};

static struct count	counts[MAX_NAMES];
static int		ncounts;
static long		nfail;
static struct sockaddr_storage	src;	/* -b: bind here first */
static socklen_t	srclen;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon;
	char *end;
	size_t hl;
	long port;
	int v6 = s[0] == '[';

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -1;
		hl = (size_t)(rb - s - 1);
		colon = rb + 1;
		s++;
	} else {
		if (!(colon = strrchr(s, ':')))
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || port < 1 || port > 65535)
		return -1;
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return inet_pton(AF_INET6, host, &a->sin6_addr) == 1 ? 0 : -1;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
	}
}

/* Wait for events on fd until the absolute deadline; 1 ready, 0 timeout. */
static int
wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		long long left = deadline - now_ms();
		int n;

		if (left <= 0)
			return 0;
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		return n > 0;
	}
}

/* A non-blocking connected socket, or -1 (refused, unreachable, timeout). */
static int
connect_to(const struct sockaddr_storage *ss, socklen_t len, int type,
    long long deadline)
{
	int fd, err = 0;
	socklen_t el = sizeof(err);

	fd = socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (srclen > 0) {
		int one = 1;

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (const struct sockaddr *)&src, srclen) < 0) {
			close(fd);
			return -1;
		}
	}
	if (connect(fd, (const struct sockaddr *)ss, len) == 0)
		return fd;
	if (errno != EINPROGRESS || !wait_fd(fd, POLLOUT, deadline) ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const char *buf, size_t len, long long deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!wait_fd(fd, POLLOUT, deadline))
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
count_name(const char *name)
{
	int i;

	for (i = 0; i < ncounts; i++)
		if (strcmp(counts[i].name, name) == 0) {
			counts[i].n++;
			return;
		}
	if (ncounts == MAX_NAMES) {
		nfail++;
		return;
	}
	snprintf(counts[ncounts].name, sizeof(counts[0].name), "%s", name);
	counts[ncounts++].n = 1;
}

/* The first line of s (up to 64 chars, no spaces) into name; 0 or -1. */
static int
first_word(const char *s, char *name, size_t len)
{
	size_t n = strcspn(s, " \r\n");

	if (n == 0 || n >= len)
		return -1;
	memcpy(name, s, n);
	name[n] = '\0';
	return 0;
}

/* Does the response in buf (len bytes) start with "HTTP/1.x 200"? */
static int
status_ok(const char *buf, size_t len)
{
	return len >= 12 && memcmp(buf, "HTTP/1.", 7) == 0 &&
	    memcmp(buf + 8, " 200", 4) == 0;
}

/* One HTTP request; the name that answered into name, 0 or -1. */
static int
one_http(const struct sockaddr_storage *ss, socklen_t sl, int timeout_ms,
    char *name, size_t namelen)
{
	static const char req[] = "GET / HTTP/1.0\r\nUser-Agent: tally\r\n\r\n";
	long long deadline = now_ms() + timeout_ms;
	char buf[RESP_MAX + 1];
	size_t len = 0;
	const char *body;
	int fd, rc = -1;

	if ((fd = connect_to(ss, sl, SOCK_STREAM, deadline)) < 0)
		return -1;
	if (send_all(fd, req, sizeof(req) - 1, deadline) < 0)
		goto out;
	for (;;) {
		ssize_t n;

		if (len == RESP_MAX)
			goto out;
		n = recv(fd, buf + len, RESP_MAX - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!wait_fd(fd, POLLIN, deadline))
				goto out;
			continue;
		}
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (!status_ok(buf, len))
		goto out;
	if (!(body = strstr(buf, "\r\n\r\n")))
		goto out;
	rc = first_word(body + 4, name, namelen);
out:
	close(fd);
	return rc;
}

static int
one_udp(const struct sockaddr_storage *ss, socklen_t sl, int timeout_ms,
    char *name, size_t namelen)
{
	long long deadline = now_ms() + timeout_ms;
	char buf[512];
	ssize_t n;
	int fd, rc = -1;

	if ((fd = connect_to(ss, sl, SOCK_DGRAM, deadline)) < 0)
		return -1;
	if (send(fd, "tally\n", 6, 0) != 6)
		goto out;
	for (;;) {
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && wait_fd(fd, POLLIN, deadline))
			continue;
		break;
	}
	if (n <= 0)
		goto out;
	buf[n] = '\0';
	rc = first_word(buf, name, namelen);
out:
	close(fd);
	return rc;
}

static int
cmp_count(const void *a, const void *b)
{
	return strcmp(((const struct count *)a)->name,
	    ((const struct count *)b)->name);
}

/* --hold: count the lines of /slow?s=S until the server closes. */
static int
hold(const struct sockaddr_storage *ss, socklen_t sl, int secs,
    int timeout_ms)
{
	long long deadline = now_ms() + (long long)secs * 1000 + timeout_ms;
	char buf[RESP_MAX + 1], req[64], server[65] = "-";
	size_t len = 0;
	int fd, lines = 0, closed = 0;
	char *body = NULL, *p;

	snprintf(req, sizeof(req), "GET /slow?s=%d HTTP/1.0\r\n\r\n", secs);
	fd = connect_to(ss, sl, SOCK_STREAM, now_ms() + timeout_ms);
	if (fd >= 0 && send_all(fd, req, strlen(req), deadline) == 0) {
		for (;;) {
			ssize_t n;

			if (len == RESP_MAX)
				break;
			n = recv(fd, buf + len, RESP_MAX - len, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN) {
				if (!wait_fd(fd, POLLIN, deadline))
					break;
				continue;
			}
			if (n <= 0) {
				closed = n == 0;
				break;
			}
			len += (size_t)n;
		}
	}
	if (fd >= 0)
		close(fd);
	buf[len] = '\0';
	if (status_ok(buf, len))
		body = strstr(buf, "\r\n\r\n");
	if (body) {
		body += 4;
		first_word(body, server, sizeof(server));
		for (p = body; (p = strchr(p, '\n')); p++)
			lines++;
	}
	printf("server %s\nlines %d\ncomplete %s\n", server, lines,
	    closed && lines == secs ? "yes" : "no");
	return closed && lines == secs ? 0 : 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: tally [-c N] [-t TIMEOUT_MS] [-u] "
	    "[-b SRCADDR:SRCPORT] ADDR:PORT\n"
	    "       tally --hold S [-t TIMEOUT_MS] ADDR:PORT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "hold", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 }
	};
	struct sockaddr_storage ss;
	socklen_t sl;
	long n = 100, i;
	int timeout_ms = 1000, udp = 0, holds = 0, opt;

	while ((opt = getopt_long(argc, argv, "b:c:t:u", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': n = atol(optarg); break;
		case 't': timeout_ms = atoi(optarg); break;
		case 'u': udp = 1; break;
		case 'b':
			if (parse_addr(optarg, &src, &srclen) < 0)
				usage();
			break;
		case 'H': holds = atoi(optarg); break;
		default: usage();
		}
	}
	if (optind != argc - 1 || n < 1 || n > 1000000 || timeout_ms < 1 ||
	    timeout_ms > 600000 || (holds && (holds < 1 || holds > 3600)))
		usage();
	if (parse_addr(argv[optind], &ss, &sl) < 0) {
		fprintf(stderr, "tally: bad address '%s' (want ADDR:PORT or "
		    "[ADDR6]:PORT)\n", argv[optind]);
		return 2;
	}
	if (holds)
		return hold(&ss, sl, holds, timeout_ms);

	for (i = 0; i < n; i++) {
		char name[65];
		int rc = udp ? one_udp(&ss, sl, timeout_ms, name, sizeof(name))
		    : one_http(&ss, sl, timeout_ms, name, sizeof(name));

		if (rc < 0)
			nfail++;
		else
			count_name(name);
	}
	qsort(counts, (size_t)ncounts, sizeof(counts[0]), cmp_count);
	for (i = 0; i < ncounts; i++)
		printf("%s %ld\n", counts[i].name, counts[i].n);
	printf("fail %ld\n", nfail);
	return 0;
}

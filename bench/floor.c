/*
 * bench/floor.c - the floor: the least a checker can do for the same
 * checks, so bench/checks can say how far above it a real checker sits.
 *
 *   floor -p FIRST -n COUNT -m tcp|http [-r] [-a ADDR] [-i INTERVAL_MS]
 *         [-t TIMEOUT_MS]
 *
 * One epoll loop, no configuration, no state machine, no logging.  Target k
 * (port FIRST + k) is checked at t0 + k * INTERVAL / COUNT, then every
 * INTERVAL, so checks are spread evenly over the interval.
 *   tcp:  non-blocking connect, wait until writable, SO_ERROR, close
 *         (with -r: close with an RST via SO_LINGER 0, which spares both
 *         ends the FIN exchange and the client its TIME_WAIT socket).
 *   http: connect, send "GET / HTTP/1.0", read to EOF, the status line must
 *         say 200, close.
 * A check not finished within TIMEOUT_MS fails.  On SIGTERM/SIGINT it prints
 * its counters to stderr and exits.
 *
 * The timer is epoll_pwait2 with a nanosecond timeout: epoll_wait's
 * millisecond timeout rounds a sub-millisecond wait down to 0 and spins.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SIG_TAG	UINT64_MAX

struct conn {
	int64_t		start_ns;	/* 0 = no check on this fd */
	int		target;
	int		sent;		/* http: request written */
	int		got;		/* http: bytes of reply kept */
	char		head[32];	/* http: start of the reply */
};

static const char request[] = "GET / HTTP/1.0\r\nHost: bench\r\n"
	"User-Agent: lvsmon-floor\r\n\r\n";

static struct conn *conns;		/* indexed by fd */
static int maxfd;
static int http;
static int rst_close;
static int ep;
static struct sockaddr_in dst;
static int first_port;
static uint64_t started, ok, failed, timeouts, errors;

/* Checks in flight in start order; all share one timeout, so the oldest
 * deadline is always at the head. */
static struct { int fd; int64_t start; } *fifo;
static size_t fifo_cap, fifo_head, fifo_len;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
finish(int fd, int success)
{
	struct conn *c = &conns[fd];

	c->start_ns = 0;
	close(fd);
	if (success)
		ok++;
	else
		failed++;
}

static void
start_check(int target)
{
	struct epoll_event ev = { .events = EPOLLOUT };
	int fd;

	started++;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || fd >= maxfd) {
		if (fd >= 0)
			close(fd);
		errors++;
		failed++;
		return;
	}
	dst.sin_port = htons((uint16_t)(first_port + target));
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		failed++;
		return;
	}
	conns[fd] = (struct conn){ .start_ns = now_ns(), .target = target };
	ev.data.u64 = (uint64_t)fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		finish(fd, 0);
		errors++;
		return;
	}
	if (fifo_len == fifo_cap) {
		/* Grow the ring, unwrapping it. */
		size_t cap = fifo_cap ? fifo_cap * 2 : 4096;
		void *n = malloc(cap * sizeof(*fifo));

		if (n == NULL) {
			finish(fd, 0);
			errors++;
			return;
		}
		for (size_t i = 0; i < fifo_len; i++)
			memcpy((char *)n + i * sizeof(*fifo),
			    &fifo[(fifo_head + i) % fifo_cap], sizeof(*fifo));
		free(fifo);
		fifo = n;
		fifo_cap = cap;
		fifo_head = 0;
	}
	fifo[(fifo_head + fifo_len) % fifo_cap].fd = fd;
	fifo[(fifo_head + fifo_len) % fifo_cap].start = conns[fd].start_ns;
	fifo_len++;
}

static void
on_event(int fd, uint32_t events)
{
	struct conn *c = &conns[fd];
	int err = 0;
	socklen_t len = sizeof(err);

	if (c->start_ns == 0)
		return;
	if (!c->sent) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
		    err != 0 || (events & (EPOLLERR | EPOLLHUP)) != 0) {
			finish(fd, 0);
			return;
		}
		if (!http) {
			if (rst_close) {
				struct linger lg = { 1, 0 };

				setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg,
				    sizeof(lg));
			}
			finish(fd, 1);
			return;
		}
		if (write(fd, request, sizeof(request) - 1) !=
		    (ssize_t)sizeof(request) - 1) {
			finish(fd, 0);
			return;
		}
		c->sent = 1;
		struct epoll_event ev = { .events = EPOLLIN,
		    .data.u64 = (uint64_t)fd };
		if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) != 0)
			finish(fd, 0);
		return;
	}
	for (;;) {
		char buf[4096];
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			finish(fd, 0);
			return;
		}
		if (n == 0) {
			/* "HTTP/1.x 200" */
			finish(fd, c->got >= 12 &&
			    memcmp(c->head, "HTTP/1.", 7) == 0 &&
			    memcmp(c->head + 8, " 200", 4) == 0);
			return;
		}
		if (c->got < (int)sizeof(c->head)) {
			int k = (int)sizeof(c->head) - c->got;

			if (k > n)
				k = (int)n;
			memcpy(c->head + c->got, buf, (size_t)k);
			c->got += k;
		}
	}
}

static void
expire(int64_t now, int64_t timeout_ns)
{
	while (fifo_len > 0) {
		int fd = fifo[fifo_head].fd;
		int64_t start = fifo[fifo_head].start;

		if (conns[fd].start_ns == start && now - start < timeout_ns)
			return;
		if (conns[fd].start_ns == start) {
			timeouts++;
			finish(fd, 0);
		}
		fifo_head = (fifo_head + 1) % fifo_cap;
		fifo_len--;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: floor -p FIRST -n COUNT -m tcp|http [-r] "
	    "[-a ADDR] [-i INTERVAL_MS] [-t TIMEOUT_MS]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *mode = NULL;
	struct epoll_event ev, evs[512];
	int64_t interval_ns = 1000000000, timeout_ns = 1000000000;
	int64_t t0, next_due;
	uint64_t k = 0;
	struct rlimit rl;
	sigset_t mask;
	int n = 0, c, sfd;

	while ((c = getopt(argc, argv, "p:n:m:ra:i:t:")) != -1) {
		switch (c) {
		case 'p': first_port = atoi(optarg); break;
		case 'n': n = atoi(optarg); break;
		case 'm': mode = optarg; break;
		case 'r': rst_close = 1; break;
		case 'a': addr = optarg; break;
		case 'i': interval_ns = atoll(optarg) * 1000000; break;
		case 't': timeout_ns = atoll(optarg) * 1000000; break;
		default: usage();
		}
	}
	if (first_port <= 0 || n <= 0 || mode == NULL ||
	    interval_ns <= 0 || timeout_ns <= 0)
		usage();
	if (strcmp(mode, "http") == 0)
		http = 1;
	else if (strcmp(mode, "tcp") != 0)
		usage();
	dst.sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &dst.sin_addr) != 1)
		usage();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	maxfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (int)rl.rlim_cur : 1024;
	conns = calloc((size_t)maxfd, sizeof(*conns));
	if (conns == NULL)
		return 1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	ep = epoll_create1(EPOLL_CLOEXEC);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (ep < 0 || sfd < 0)
		return 1;
	ev.events = EPOLLIN;
	ev.data.u64 = SIG_TAG;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);

	t0 = now_ns();
	next_due = t0;
	for (;;) {
		int64_t now = now_ns(), wait_ns;
		struct timespec ts;
		int m;

		while (next_due <= now) {
			start_check((int)(k % (uint64_t)n));
			k++;
			next_due = t0 + (int64_t)(k / (uint64_t)n) *
			    interval_ns + (int64_t)(k % (uint64_t)n) *
			    interval_ns / n;
		}
		expire(now, timeout_ns);
		wait_ns = next_due - now;
		if (fifo_len > 0) {
			int64_t d = fifo[fifo_head].start + timeout_ns - now;

			if (d < wait_ns)
				wait_ns = d < 0 ? 0 : d;
		}
		ts.tv_sec = wait_ns / 1000000000;
		ts.tv_nsec = wait_ns % 1000000000;
		m = epoll_pwait2(ep, evs, 512, &ts, NULL);
		if (m < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < m; i++) {
			if (evs[i].data.u64 == SIG_TAG) {
				fprintf(stderr, "floor: started %llu ok %llu "
				    "failed %llu timeouts %llu errors %llu\n",
				    (unsigned long long)started,
				    (unsigned long long)ok,
				    (unsigned long long)failed,
				    (unsigned long long)timeouts,
				    (unsigned long long)errors);
				return 0;
			}
			on_event((int)evs[i].data.u64, evs[i].events);
		}
	}
}

/*
 * bench/targets.c - many tiny check targets in one epoll process, and the
 * clock that bench/checks reads the checkers' jitter from.
 *
 *   targets -p FIRST -n COUNT [-a ADDR] [-o FILE] [-s]
 *
 * Listens on ADDR (default 127.0.0.1) ports FIRST .. FIRST+COUNT-1.  A
 * connection that sends anything gets "HTTP/1.0 200 OK" and is closed; one
 * that sends nothing is closed when the client closes.  So the same process
 * serves TCP connect checks and HTTP GET checks.
 *
 * Per port it remembers when the last check arrived, and while a measuring
 * window is open it keeps every interval between two checks of the same
 * port.  The arrival of a check is, by default, the moment accept()
 * returned it.  With -s it is the kernel's timestamp of the client's SYN,
 * read from a packet socket on lo: needed for HAProxy's half-open L4 check,
 * which never lets the server accept (SYN, SYN-ACK, RST).
 *
 * Signals (read through a signalfd, so the loop stays the only thread of
 * control): SIGUSR1 opens a window (forgets earlier intervals), SIGUSR2
 * closes it and writes FILE, SIGTERM/SIGINT write FILE if a window is open
 * and exit.  FILE is text: "key value" lines, then "intervals K" and K
 * lines of one interval in microseconds each, for bench/checks to merge
 * with other targets processes.
 *
 * One process handles at most what its open-file limit allows: bench/checks
 * runs one per 15,000 ports.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
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

#define TAG_LISTEN	(1ULL << 62)
#define TAG_SIGNAL	(2ULL << 62)
#define TAG_PACKET	(3ULL << 62)
#define TAG_MASK	(3ULL << 62)

static const char reply[] =
	"HTTP/1.0 200 OK\r\n"
	"Content-Type: text/plain\r\n"
	"Content-Length: 3\r\n"
	"Connection: close\r\n"
	"\r\n"
	"OK\n";

static int first_port, nports;
static int64_t *last_ns;		/* per port: last arrival, 0 = none */
static int recording;
static int64_t window_start_ns;
static uint32_t *samples;		/* intervals in us, this window */
static size_t nsamples, samples_cap;
static uint64_t events, accepts, replies, overflow;
/* Connections the client ended without a request, by FIN or by RST. */
static uint64_t fin_closes, rst_closes;
static unsigned char *seen;		/* per port: arrived in this window */
static int use_syn;
static int pkt_fd = -1;
/*
 * A descriptor kept in reserve: when accept() fails with EMFILE, or the
 * dump needs a file, it is freed for the moment.  Without it a listener
 * that cannot accept stays readable and the loop spins.
 */
static int spare_fd = -1;

static int64_t
now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
note_arrival(int idx, int64_t ts)
{
	int64_t prev = last_ns[idx];

	last_ns[idx] = ts;
	if (!recording)
		return;
	events++;
	seen[idx] = 1;
	if (prev == 0 || ts <= prev)
		return;
	if (nsamples == samples_cap) {
		size_t cap = samples_cap ? samples_cap * 2 : 65536;
		uint32_t *n = realloc(samples, cap * sizeof(*n));

		if (n == NULL) {
			overflow++;
			return;
		}
		samples = n;
		samples_cap = cap;
	}
	int64_t us = (ts - prev) / 1000;
	samples[nsamples++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static void
open_window(void)
{
	recording = 1;
	nsamples = 0;
	events = accepts = replies = overflow = 0;
	fin_closes = rst_closes = 0;
	memset(seen, 0, (size_t)nports);
	window_start_ns = now_ns(CLOCK_MONOTONIC);
}

static int
dump(const char *path)
{
	int64_t end = now_ns(CLOCK_MONOTONIC);
	unsigned long drops = 0;
	int nseen = 0;
	FILE *f;

	if (path == NULL)
		return 0;
	if (spare_fd >= 0) {
		close(spare_fd);
		spare_fd = -1;
	}
	for (int i = 0; i < nports; i++)
		nseen += seen[i];
	if (pkt_fd >= 0) {
		struct tpacket_stats st;
		socklen_t len = sizeof(st);

		/* Reading the statistics resets them: drops since last read. */
		if (getsockopt(pkt_fd, SOL_PACKET, PACKET_STATISTICS, &st,
		    &len) == 0)
			drops = st.tp_drops;
	}
	f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "targets: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "first %d\ncount %d\nsource %s\n", first_port, nports,
	    use_syn ? "syn" : "accept");
	fprintf(f, "window_s %.6f\n", recording ?
	    (double)(end - window_start_ns) / 1e9 : 0.0);
	fprintf(f, "events %llu\naccepts %llu\nreplies %llu\n",
	    (unsigned long long)events, (unsigned long long)accepts,
	    (unsigned long long)replies);
	fprintf(f, "fin_closes %llu\nrst_closes %llu\n",
	    (unsigned long long)fin_closes, (unsigned long long)rst_closes);
	fprintf(f, "ports_seen %d\npacket_drops %lu\ndropped %llu\n",
	    nseen, drops, (unsigned long long)overflow);
	fprintf(f, "intervals %zu\n", nsamples);
	for (size_t i = 0; i < nsamples; i++)
		fprintf(f, "%u\n", samples[i]);
	if (fclose(f) != 0)
		return -errno;
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return 0;
}

/*
 * A classic BPF program for the packet socket: keep only IPv4 TCP segments
 * to our address with SYN set and ACK clear whose destination port is ours,
 * first 64 bytes.  Everything else stays in the kernel.  (The address too:
 * several targets processes may serve the same ports on 127.0.0.x.)
 */
static uint32_t listen_addr;		/* host order */

static int
attach_syn_filter(int fd)
{
	unsigned lo = (unsigned)first_port;
	unsigned hi = (unsigned)(first_port + nports - 1);
	struct sock_filter code[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 12),
		/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16),
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, listen_addr, 0, 10),
		/* 4 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),
		/* 5 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 8, 0),
		/* 6 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		/* 7 */ BPF_STMT(BPF_LD | BPF_B | BPF_IND, 13),
		/* 8 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),
		/* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x02, 0, 4),
		/* 10 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		/* 11 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 2),
		/* 12 */ BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, hi, 1, 0),
		/* 13 */ BPF_STMT(BPF_RET | BPF_K, 64),
		/* 14 */ BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {
		.len = sizeof(code) / sizeof(code[0]),
		.filter = code,
	};

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) != 0)
		return -errno;
	return 0;
}

static int
open_packet_socket(void)
{
	struct sockaddr_ll sll = { 0 };
	int one = 1, buf = 16 << 20;
	int fd;

	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(ETH_P_IP));
	if (fd < 0)
		return -errno;
	/*
	 * lo shows each packet twice (sent, then received); the received
	 * copy carries the timestamp taken when it entered the stack.
	 */
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
	    sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one,
	    sizeof(one)) != 0 ||
	    attach_syn_filter(fd) != 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)if_nametoindex("lo");
	if (sll.sll_ifindex == 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		goto fail;
	return fd;
fail:
	{
		int e = -errno;

		close(fd);
		return e;
	}
}

static void
read_packets(int fd)
{
	enum { BATCH = 64 };
	unsigned char bufs[BATCH][64];
	char ctl[BATCH][CMSG_SPACE(sizeof(struct timespec))];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];

	for (;;) {
		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_control = ctl[i];
			msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
		}
		int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			unsigned char *p = bufs[i];
			unsigned len = msgs[i].msg_len;
			unsigned ihl = (unsigned)(p[0] & 0x0f) * 4;
			struct cmsghdr *c;
			int64_t ts = 0;

			if (len < ihl + 4)
				continue;
			for (c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c != NULL;
			    c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
				if (c->cmsg_level == SOL_SOCKET &&
				    c->cmsg_type == SCM_TIMESTAMPNS) {
					struct timespec t;

					memcpy(&t, CMSG_DATA(c), sizeof(t));
					ts = (int64_t)t.tv_sec * 1000000000 +
					    t.tv_nsec;
				}
			}
			if (ts == 0)
				ts = now_ns(CLOCK_REALTIME);
			int port = p[ihl + 2] << 8 | p[ihl + 3];
			int idx = port - first_port;
			if (idx >= 0 && idx < nports)
				note_arrival(idx, ts);
		}
		if (n < BATCH)
			return;
	}
}

static int
listen_all(int ep, const char *addr, int **fds_out)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int *fds = calloc((size_t)nports, sizeof(*fds));
	int one = 1;

	if (fds == NULL)
		return -ENOMEM;
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "targets: bad address '%s'\n", addr);
		free(fds);
		return -EINVAL;
	}
	for (int i = 0; i < nports; i++) {
		struct epoll_event ev = { .events = EPOLLIN };
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);

		if (fd < 0) {
			fprintf(stderr, "targets: socket: %s (port %d; "
			    "raise ulimit -n)\n", strerror(errno),
			    first_port + i);
			return -errno;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		sin.sin_port = htons((uint16_t)(first_port + i));
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
		    listen(fd, 4096) != 0) {
			fprintf(stderr, "targets: %s:%d: %s\n", addr,
			    first_port + i, strerror(errno));
			return -errno;
		}
		ev.data.u64 = TAG_LISTEN | (uint64_t)i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
			return -errno;
		fds[i] = fd;
	}
	*fds_out = fds;
	return 0;
}

static void
accept_all(int ep, int lfd, int idx)
{
	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && (errno == EMFILE || errno == ENFILE) &&
		    spare_fd >= 0) {
			/* Out of descriptors: take this one, drop it. */
			close(spare_fd);
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				close(fd);
			spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (recording)
				overflow++;
			if (fd < 0)
				return;
			continue;
		}
		if (fd < 0)
			return;
		if (!use_syn)
			note_arrival(idx, now_ns(CLOCK_MONOTONIC));
		if (recording)
			accepts++;
		ev.data.u64 = (uint64_t)fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
			close(fd);
	}
}

/*
 * Requests are a few dozen bytes on loopback and arrive in one segment, so
 * the first read that returns data is the whole request: answer, close.
 * A client that sends nothing (a TCP check) ends with a FIN (read returns
 * 0) or an RST (ECONNRESET); both are counted, to tell how a checker
 * closes.
 */
static void
serve(int fd)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		if (write(fd, reply, sizeof(reply) - 1) > 0 && recording)
			replies++;
	} else if (recording) {
		if (n == 0)
			fin_closes++;
		else if (errno == ECONNRESET)
			rst_closes++;
	}
	close(fd);
}

static void
usage(void)
{
	fprintf(stderr, "usage: targets -p FIRST -n COUNT [-a ADDR] "
	    "[-o FILE] [-s]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *out = NULL;
	struct epoll_event ev, evs[256];
	struct rlimit rl;
	sigset_t mask;
	int *lfds = NULL;
	int ep, sfd, c, rc;

	while ((c = getopt(argc, argv, "p:n:a:o:s")) != -1) {
		switch (c) {
		case 'p': first_port = atoi(optarg); break;
		case 'n': nports = atoi(optarg); break;
		case 'a': addr = optarg; break;
		case 'o': out = optarg; break;
		case 's': use_syn = 1; break;
		default: usage();
		}
	}
	if (first_port <= 0 || nports <= 0 || first_port + nports > 65536)
		usage();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	last_ns = calloc((size_t)nports, sizeof(*last_ns));
	seen = calloc((size_t)nports, 1);
	if (last_ns == NULL || seen == NULL)
		return 1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	ep = epoll_create1(EPOLL_CLOEXEC);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (ep < 0 || sfd < 0)
		return 1;
	ev.events = EPOLLIN;
	ev.data.u64 = TAG_SIGNAL;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	if (use_syn) {
		struct in_addr la;

		if (inet_pton(AF_INET, addr, &la) != 1) {
			fprintf(stderr, "targets: bad address '%s'\n", addr);
			return 1;
		}
		listen_addr = ntohl(la.s_addr);
		pkt_fd = open_packet_socket();
		if (pkt_fd < 0) {
			fprintf(stderr, "targets: packet socket: %s\n",
			    strerror(-pkt_fd));
			return 1;
		}
		ev.events = EPOLLIN;
		ev.data.u64 = TAG_PACKET;
		epoll_ctl(ep, EPOLL_CTL_ADD, pkt_fd, &ev);
	}
	rc = listen_all(ep, addr, &lfds);
	if (rc != 0)
		return 1;
	/* One line on stdout tells the caller every port listens. */
	printf("ready %d %d\n", first_port, nports);
	fflush(stdout);

	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 1;
		for (int i = 0; i < n; i++) {
			uint64_t d = evs[i].data.u64;

			switch (d & TAG_MASK) {
			case TAG_LISTEN: {
				int idx = (int)(d & ~TAG_MASK);

				accept_all(ep, lfds[idx], idx);
				break;
			}
			case TAG_PACKET:
				read_packets(pkt_fd);
				break;
			case TAG_SIGNAL: {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) ==
				    sizeof(si)) {
					if (si.ssi_signo == SIGUSR1) {
						open_window();
						continue;
					}
					if (recording || si.ssi_signo ==
					    SIGUSR2)
						dump(out);
					if (si.ssi_signo == SIGUSR2) {
						recording = 0;
						continue;
					}
					return 0;
				}
				break;
			}
			default:
				serve((int)d);
			}
		}
	}
}

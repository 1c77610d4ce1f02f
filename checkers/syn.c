/*
 * checkers/syn.c - the half-open TCP check (see syn.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "checkers/chk_conn.h"
#include "checkers/syn.h"

struct syn_run {
	struct probe		*p;
	int			 raw;		/* raw IPPROTO_TCP socket */
	int			 hold;		/* bound TCP socket: the port */
	struct event		*ev;
	uint16_t		 sport;		/* host order */
	uint16_t		 dport;
	uint32_t		 seq;
	struct timespec		 t0;
};

static void
syn_run_free(struct syn_run *run)
{
	if (run->ev != NULL)
		event_free(run->ev);
	if (run->raw >= 0)
		close(run->raw);
	if (run->hold >= 0)
		close(run->hold);
	free(run);
}

static unsigned
syn_ms(const struct timespec *t0)
{
	struct timespec	now;
	long long	ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
	return ms < 0 ? 0 : (unsigned)ms;
}

/* One's complement sum of 16-bit words. */
static uint32_t
syn_sum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t	*b = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)(b[len - 1] << 8);
	return sum;
}

static uint16_t
syn_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The source address the kernel would use towards p->addr. */
static int
syn_source(const struct probe *p, struct sockaddr_storage *src,
    socklen_t *len)
{
	int	fd = socket(p->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int	rc = 0;

	if (fd < 0)
		return -errno;
	*len = sizeof(*src);
	if (connect(fd, (const struct sockaddr *)&p->addr, p->addrlen) < 0 ||
	    getsockname(fd, (struct sockaddr *)src, len) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Keep only TCP segments to our port: v4 raw sockets see the IP header
   first, v6 ones the TCP header. */
static int
syn_filter(int fd, int v6, uint16_t port)
{
	struct sock_filter	f4[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_filter	f6[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog	prog = {
		.len = v6 ? sizeof(f6) / sizeof(f6[0]) :
		    sizeof(f4) / sizeof(f4[0]),
		.filter = v6 ? f6 : f4,
	};

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) < 0 ? -errno : 0;
}

static void
syn_end(struct syn_run *run, enum chk_verdict v, enum chk_reason r,
    const char *msg, unsigned ms)
{
	struct probe	*p = run->p;

	syn_run_free(run);
	p->run = NULL;
	if (v == CHK_V_OK)
		probe_done(p, v, -1, r, "syn-ack in %u ms", ms);
	else
		probe_done(p, v, -1, r, "%s", msg);
}

static void
syn_readable(evutil_socket_t fd, short what, void *arg)
{
	struct syn_run		*run = arg;
	unsigned char		 buf[256];
	const struct tcphdr	*th;
	size_t			 off = 0;
	ssize_t			 n;
	int			 v6 = run->p->addr.ss_family == AF_INET6;

	for (int i = 0; i < 16; i++) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;		/* persistent event: wait on */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			syn_end(run, CHK_V_FAIL, CHK_R_IO, "syn: read error",
			    0);
			return;
		}
		if (!v6) {
			if (n < 20)
				continue;
			off = (size_t)(buf[0] & 0x0f) * 4;
		}
		if ((size_t)n < off + sizeof(*th))
			continue;
		th = (const struct tcphdr *)(buf + off);
		/* ours: from the server's port to ours, acking our SYN */
		if (ntohs(th->source) != run->dport ||
		    ntohs(th->dest) != run->sport ||
		    ntohl(th->ack_seq) != run->seq + 1)
			continue;
		if (th->rst) {
			syn_end(run, CHK_V_FAIL, CHK_R_CONNREFUSED, "syn: RST",
			    0);
			return;
		}
		if (th->syn && th->ack) {
			syn_end(run, CHK_V_OK, CHK_R_OK, NULL,
			    syn_ms(&run->t0));
			return;
		}
	}
}

/* The SYN: a 20-byte header and an MSS option, checksummed for v4 (v6:
   the kernel fills it in, IPV6_CHECKSUM). */
static int
syn_send(struct syn_run *run, const struct sockaddr_storage *src)
{
	struct probe		*p = run->p;
	unsigned char		 seg[24];
	struct tcphdr		*th = (struct tcphdr *)seg;
	struct sockaddr_storage	 dst = p->addr;
	uint32_t		 sum;
	unsigned char		 pseudo[12];

	memset(seg, 0, sizeof(seg));
	th->source = htons(run->sport);
	th->dest = htons(run->dport);
	th->seq = htonl(run->seq);
	th->doff = 6;
	th->syn = 1;
	th->window = htons(1024);
	seg[20] = 2;			/* MSS 1460 */
	seg[21] = 4;
	seg[22] = 1460 >> 8;
	seg[23] = 1460 & 0xff;
	if (p->addr.ss_family == AF_INET) {
		memcpy(pseudo, &((const struct sockaddr_in *)src)->sin_addr, 4);
		memcpy(pseudo + 4, &((struct sockaddr_in *)&p->addr)->sin_addr,
		    4);
		pseudo[8] = 0;
		pseudo[9] = IPPROTO_TCP;
		pseudo[10] = 0;
		pseudo[11] = sizeof(seg);
		sum = syn_sum(pseudo, sizeof(pseudo), 0);
		th->check = htons(syn_fold(syn_sum(seg, sizeof(seg), sum)));
		((struct sockaddr_in *)&dst)->sin_port = 0;
	} else
		((struct sockaddr_in6 *)&dst)->sin6_port = 0;
	if (sendto(run->raw, seg, sizeof(seg), 0, (struct sockaddr *)&dst,
	    p->addrlen) < 0)
		return -errno;
	return 0;
}

int
chk_syn_start(struct probe *p)
{
	struct syn_run		*run;
	struct sockaddr_storage	 src;
	socklen_t		 slen;
	int			 v6 = p->addr.ss_family == AF_INET6, rc;
	int			 off = 16;	/* TCP checksum offset */

	if ((run = calloc(1, sizeof(*run))) == NULL)
		return -ENOMEM;
	run->p = p;
	run->raw = run->hold = -1;
	p->phase = "syn";
	clock_gettime(CLOCK_MONOTONIC, &run->t0);
	run->dport = v6 ?
	    ntohs(((struct sockaddr_in6 *)&p->addr)->sin6_port) :
	    ntohs(((struct sockaddr_in *)&p->addr)->sin_port);
	run->seq = arc4random();
	if ((rc = syn_source(p, &src, &slen)) < 0)
		goto fail;
	/* the port, reserved and never listening: see syn.h */
	if (v6)
		((struct sockaddr_in6 *)&src)->sin6_port = 0;
	else
		((struct sockaddr_in *)&src)->sin_port = 0;
	if ((run->hold = socket(p->addr.ss_family, SOCK_STREAM |
	    SOCK_CLOEXEC, IPPROTO_TCP)) < 0 ||
	    bind(run->hold, (struct sockaddr *)&src, slen) < 0 ||
	    getsockname(run->hold, (struct sockaddr *)&src, &slen) < 0) {
		rc = -errno;
		goto fail;
	}
	run->sport = v6 ? ntohs(((struct sockaddr_in6 *)&src)->sin6_port) :
	    ntohs(((struct sockaddr_in *)&src)->sin_port);
	if ((run->raw = socket(p->addr.ss_family, SOCK_RAW | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, IPPROTO_TCP)) < 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = syn_filter(run->raw, v6, run->sport)) < 0)
		goto fail;
	if (v6 && setsockopt(run->raw, IPPROTO_IPV6, IPV6_CHECKSUM, &off,
	    sizeof(off)) < 0) {
		rc = -errno;
		goto fail;
	}
	if ((run->ev = event_new(p->base, run->raw, EV_READ | EV_PERSIST,
	    syn_readable, run)) == NULL || event_add(run->ev, NULL) < 0) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = syn_send(run, &src)) < 0) {
		if (rc == -EPERM || rc == -ENOMEM || rc == -ENOBUFS)
			goto fail;
		/* no route, unreachable: the check's answer, not ours */
		syn_run_free(run);
		probe_done(p, CHK_V_FAIL, -1, CHK_R_CONNECT, "syn: %s",
		    chk_errname(-rc));
		return 0;
	}
	p->run = run;
	return 0;
fail:
	syn_run_free(run);
	return rc;
}

void
chk_syn_cancel(struct probe *p)
{
	if (p->run == NULL)
		return;
	syn_run_free(p->run);
	p->run = NULL;
}

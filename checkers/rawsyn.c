/*
 * checkers/rawsyn.c - the batched half-open prober (see rawsyn.h).
 *
 * Written by hand: no Debian library sends and matches SYN probes inside a
 * libevent loop (masscan and zmap are programs, with their own loops).
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
#include "checkers/rawsyn.h"

#define RS_BATCH	256		/* segments per sendmmsg/recvmmsg */
#define RS_SNAP		128		/* bytes kept of an answer: headers */
#define RS_SEG		24		/* our SYN: header + MSS option */
#define RS_BUF		(4 << 20)	/* socket buffers: a burst of 100k
					   SYNs or answers fits */

enum { RS_IDLE = 0, RS_PENDING, RS_SENT };

/* One probe's target (owner: the engine; p->priv points to it). */
struct rs_ent {
	struct probe	*p;
	struct rs_ent	*hnext;		/* hash chain */
	int		 fam;		/* 0 v4, 1 v6 */
	uint8_t		 dst[16], src[16];
	uint16_t	 dport;		/* host order */
	uint16_t	 sport;		/* this run's source port */
	uint32_t	 isn;		/* this run's sequence number */
	uint32_t	 gen;		/* runs so far */
	uint32_t	 rot;		/* where its port rotation starts */
	uint64_t	 h;		/* hash of (family, dst, dport) */
	int		 state;
	int		 need_src;	/* ask the route for the source */
	unsigned	 inlist;	/* times it is in a pending list */
	struct timespec	 t0;		/* when its SYN left */
};

struct rs_fam {
	int		 fd;		/* raw IPPROTO_TCP, -1: none */
	int		 err;		/* why not (positive errno) */
	struct event	*ev_read;
	int		 hold[RAWSYN_NPORTS];	/* the reserved ports */
};

/* The engine: one per daemon, alive while a probe holds it. */
static struct rs_engine {
	struct event_base	*base;
	unsigned		 refs;
	struct rs_fam		 fam[2];
	uint16_t		 port0;
	struct event		*ev_flush;	/* this turn's SYNs */
	struct event		*ev_write;	/* socket buffer was full */
	int			 waiting;	/* for ev_write */
	struct rs_ent		**pend;		/* runs whose SYN is due */
	size_t			 npend, cpend;
	struct rs_ent		**tab;		/* by (family, dst, dport) */
	size_t			 tsize, nent;
	uint64_t		 key[2];
	struct chk_rawsyn_stats	 st;
} *E;

static uint64_t
rs_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t
rs_hash(int fam, const uint8_t *a, uint16_t port, uint64_t k)
{
	uint64_t	h = k ^ (uint64_t)fam << 32 ^ port;
	uint32_t	w;

	for (int i = 0; i < (fam ? 16 : 4); i += 4) {
		memcpy(&w, a + i, 4);
		h = rs_mix(h ^ w);
	}
	return rs_mix(h);
}

static unsigned
rs_ms(const struct timespec *t0)
{
	struct timespec	now;
	long long	ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
	return ms < 0 ? 0 : (unsigned)ms;
}

/* ---- the engine's sockets ----------------------------------------- */

static int
rs_bind_any(int family, uint16_t port)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP)) < 0)
		return -errno;
	if (family == AF_INET6) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		len = sizeof(struct sockaddr_in6);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	} else {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
		len = sizeof(struct sockaddr_in);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static void
rs_unhold(void)
{
	for (int f = 0; f < 2; f++)
		for (int i = 0; i < RAWSYN_NPORTS; i++) {
			if (E->fam[f].hold[i] >= 0)
				close(E->fam[f].hold[i]);
			E->fam[f].hold[i] = -1;
		}
}

/*
 * Reserve RAWSYN_NPORTS consecutive ports on both families' wildcard
 * addresses: the first one the kernel's choice, the rest after it.  A few
 * tries, since any of them may be in use.
 */
static int
rs_reserve(int v6)
{
	struct sockaddr_in	sin;
	socklen_t		len;
	int			rc = -EADDRINUSE;

	for (int attempt = 0; attempt < 32; attempt++) {
		int	 fd = rs_bind_any(AF_INET, 0), ok = 1;
		uint16_t p0;

		if (fd < 0)
			return fd;
		len = sizeof(sin);
		if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
			rc = -errno;
			close(fd);
			return rc;
		}
		p0 = ntohs(sin.sin_port);
		E->fam[0].hold[0] = fd;
		if ((unsigned)p0 + RAWSYN_NPORTS > 65535)
			ok = 0;
		for (int i = 1; ok && i < RAWSYN_NPORTS; i++)
			if ((E->fam[0].hold[i] = rs_bind_any(AF_INET,
			    (uint16_t)(p0 + i))) < 0)
				ok = 0;
		for (int i = 0; ok && v6 && i < RAWSYN_NPORTS; i++)
			if ((E->fam[1].hold[i] = rs_bind_any(AF_INET6,
			    (uint16_t)(p0 + i))) < 0)
				ok = 0;
		if (ok) {
			E->port0 = p0;
			return 0;
		}
		rs_unhold();
	}
	return rc;
}

/*
 * Keep only SYN-ACKs and RSTs to our port range.  v4 raw sockets see the
 * IP header first (X = its length), v6 ones the TCP header.
 */
static int
rs_filter(int fd, int v6, uint16_t p0)
{
	uint16_t		pe = (uint16_t)(p0 + RAWSYN_NPORTS);
	struct sock_filter	f4[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),		/* dport */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, p0, 0, 6),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, pe, 5, 0),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 13),		/* flags */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, TH_RST, 2, 0),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, TH_SYN | TH_ACK),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TH_SYN | TH_ACK, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, RS_SNAP),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_filter	f6[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 2),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, p0, 0, 6),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, pe, 5, 0),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, TH_RST, 2, 0),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, TH_SYN | TH_ACK),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TH_SYN | TH_ACK, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, RS_SNAP),
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

static void	rs_readable(evutil_socket_t, short, void *);
static void	rs_flush(evutil_socket_t, short, void *);

static int
rs_fam_open(int f)
{
	struct rs_fam	*fm = &E->fam[f];
	int		 family = f ? AF_INET6 : AF_INET, rc, big = RS_BUF;
	int		 off = 16;	/* TCP checksum offset (v6) */

	if ((fm->fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_TCP)) < 0)
		return -errno;
	if ((rc = rs_filter(fm->fd, f, E->port0)) < 0)
		return rc;
	if (f && setsockopt(fm->fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off,
	    sizeof(off)) < 0)
		return -errno;
	/* as root the buffers may pass rmem_max/wmem_max; else the cap */
	if (setsockopt(fm->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big,
	    sizeof(big)) < 0)
		setsockopt(fm->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (setsockopt(fm->fd, SOL_SOCKET, SO_SNDBUFFORCE, &big,
	    sizeof(big)) < 0)
		setsockopt(fm->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if ((fm->ev_read = event_new(E->base, fm->fd, EV_READ | EV_PERSIST,
	    rs_readable, fm)) == NULL || event_add(fm->ev_read, NULL) < 0)
		return -ENOMEM;
	return 0;
}

static void
rs_engine_free(void)
{
	if (E == NULL)
		return;
	for (int f = 0; f < 2; f++) {
		if (E->fam[f].ev_read != NULL)
			event_free(E->fam[f].ev_read);
		if (E->fam[f].fd >= 0)
			close(E->fam[f].fd);
	}
	rs_unhold();
	if (E->ev_flush != NULL)
		event_free(E->ev_flush);
	if (E->ev_write != NULL)
		event_free(E->ev_write);
	free(E->pend);
	free(E->tab);
	free(E);
	E = NULL;
}

static int
rs_engine_get(struct event_base *base)
{
	int	rc, v6;

	if (E != NULL)
		return E->base == base ? 0 : -EINVAL;
	if ((E = calloc(1, sizeof(*E))) == NULL)
		return -ENOMEM;
	E->base = base;
	for (int f = 0; f < 2; f++) {
		E->fam[f].fd = -1;
		for (int i = 0; i < RAWSYN_NPORTS; i++)
			E->fam[f].hold[i] = -1;
	}
	arc4random_buf(E->key, sizeof(E->key));
	E->tsize = 1024;
	if ((E->tab = calloc(E->tsize, sizeof(*E->tab))) == NULL ||
	    (E->ev_flush = event_new(base, -1, 0, rs_flush, NULL)) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	/* v6 where the host has it; its ports are reserved with v4's */
	rc = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	v6 = rc >= 0;
	if (rc >= 0)
		close(rc);
	if ((rc = rs_reserve(v6)) < 0 || (rc = rs_fam_open(0)) < 0)
		goto fail;
	if (!v6)
		E->fam[1].err = EAFNOSUPPORT;
	else if ((rc = rs_fam_open(1)) < 0) {
		E->fam[1].err = -rc;
		if (E->fam[1].ev_read != NULL)
			event_free(E->fam[1].ev_read);
		E->fam[1].ev_read = NULL;
		if (E->fam[1].fd >= 0)
			close(E->fam[1].fd);
		E->fam[1].fd = -1;
	}
	if ((E->ev_write = event_new(base, E->fam[0].fd, EV_WRITE, rs_flush,
	    NULL)) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	E->st.port0 = E->port0;
	return 0;
fail:
	rs_engine_free();
	return rc;
}

/* ---- targets ------------------------------------------------------ */

static struct rs_ent **
rs_slot(uint64_t h)
{
	return &E->tab[h & (E->tsize - 1)];
}

static void
rs_grow(void)
{
	size_t		  nsize = E->tsize * 2;
	struct rs_ent	**nt = calloc(nsize, sizeof(*nt));

	if (nt == NULL)
		return;		/* longer chains, still correct */
	for (size_t i = 0; i < E->tsize; i++)
		while (E->tab[i] != NULL) {
			struct rs_ent *e = E->tab[i];

			E->tab[i] = e->hnext;
			e->hnext = nt[e->h & (nsize - 1)];
			nt[e->h & (nsize - 1)] = e;
		}
	free(E->tab);
	E->tab = nt;
	E->tsize = nsize;
}

int
chk_rawsyn_open(struct probe *p)
{
	struct rs_ent	*e;
	int		 rc;

	if (p->priv != NULL)
		return 0;
	if ((rc = rs_engine_get(p->base)) < 0)
		return rc;
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		if (E->refs == 0)
			rs_engine_free();
		return -ENOMEM;
	}
	e->p = p;
	e->need_src = 1;
	if (p->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&p->addr;

		e->fam = 1;
		memcpy(e->dst, &s6->sin6_addr, 16);
		e->dport = ntohs(s6->sin6_port);
		e->need_src = 0;	/* the kernel picks it and sums */
	} else {
		const struct sockaddr_in *s4 = (const void *)&p->addr;

		memcpy(e->dst, &s4->sin_addr, 4);
		e->dport = ntohs(s4->sin_port);
	}
	e->h = rs_hash(e->fam, e->dst, e->dport, E->key[0]);
	e->rot = (uint32_t)(e->h >> 40);
	e->hnext = *rs_slot(e->h);
	*rs_slot(e->h) = e;
	E->refs++;
	E->st.targets = E->refs;
	if (++E->nent > E->tsize)
		rs_grow();
	p->priv = e;
	return 0;
}

void
chk_rawsyn_close(struct probe *p)
{
	struct rs_ent	*e = p->priv, **pp;

	if (e == NULL || E == NULL)
		return;
	for (pp = rs_slot(e->h); *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	if (e->inlist > 0)
		for (size_t i = 0; i < E->npend; i++)
			if (E->pend[i] == e)
				E->pend[i] = NULL;
	if (p->run == e)
		p->run = NULL;
	free(e);
	p->priv = NULL;
	E->nent--;
	E->st.targets = --E->refs;
	if (E->refs == 0)
		rs_engine_free();
}

/* Put e's run on the list of SYNs to send. */
static int
rs_push(struct rs_ent *e)
{
	if (E->npend == E->cpend) {
		size_t		  c = E->cpend ? E->cpend * 2 : 256;
		struct rs_ent	**n = realloc(E->pend, c * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		E->pend = n;
		E->cpend = c;
	}
	e->state = RS_PENDING;
	E->pend[E->npend++] = e;
	e->inlist++;
	return 0;
}

int
chk_rawsyn_start(struct probe *p)
{
	struct rs_ent	*e;
	int		 rc;

	if ((rc = chk_rawsyn_open(p)) < 0)
		return rc;
	e = p->priv;
	if (E->fam[e->fam].fd < 0)
		return -E->fam[e->fam].err;
	p->phase = "syn";
	e->gen++;
	e->sport = (uint16_t)(E->port0 + (e->rot + e->gen) % RAWSYN_NPORTS);
	e->isn = (uint32_t)rs_hash(e->fam, e->dst, e->dport,
	    E->key[1] ^ ((uint64_t)e->gen << 16 | e->sport));
	if ((rc = rs_push(e)) < 0)
		return rc;
	p->run = e;
	/* the SYNs of every run started this turn leave together, after
	   the timers that are due now have all run */
	if (!E->waiting)
		event_active(E->ev_flush, EV_TIMEOUT, 0);
	return 0;
}

void
chk_rawsyn_cancel(struct probe *p)
{
	struct rs_ent	*e = p->priv;

	if (e != NULL)
		e->state = RS_IDLE;
	p->run = NULL;
}

/* End e's run; a failed one asks the route for its source again. */
static void
rs_end(struct rs_ent *e, enum chk_verdict v, enum chk_reason r,
    const char *msg)
{
	struct probe	*p = e->p;

	e->state = RS_IDLE;
	if (v != CHK_V_OK && e->fam == 0)
		e->need_src = 1;
	p->run = NULL;
	if (v == CHK_V_OK)
		probe_done(p, v, -1, r, "syn-ack in %u ms", rs_ms(&e->t0));
	else
		probe_done(p, v, -1, r, "%s", msg);
}

/* ---- sending ------------------------------------------------------ */

/* The source address the kernel would use towards e (v4). */
static int
rs_source(struct rs_ent *e)
{
	struct sockaddr_in	dst = { .sin_family = AF_INET }, src;
	socklen_t		len = sizeof(src);
	int			fd, rc = 0;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	memcpy(&dst.sin_addr, e->dst, 4);
	dst.sin_port = htons(e->dport ? e->dport : 9);
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&src, &len) < 0)
		rc = -errno;
	else {
		memcpy(e->src, &src.sin_addr, 4);
		e->need_src = 0;
	}
	close(fd);
	return rc;
}

static uint32_t
rs_sum(const uint8_t *b, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	return sum;
}

static void
rs_segment(const struct rs_ent *e, uint8_t *seg)
{
	struct tcphdr	*th = (struct tcphdr *)seg;
	uint8_t		 pseudo[12];
	uint32_t	 sum;

	memset(seg, 0, RS_SEG);
	th->source = htons(e->sport);
	th->dest = htons(e->dport);
	th->seq = htonl(e->isn);
	th->doff = RS_SEG / 4;
	th->syn = 1;
	th->window = htons(1024);
	seg[20] = 2;			/* MSS 1460 */
	seg[21] = 4;
	seg[22] = 1460 >> 8;
	seg[23] = 1460 & 0xff;
	if (e->fam)
		return;			/* IPV6_CHECKSUM */
	memcpy(pseudo, e->src, 4);
	memcpy(pseudo + 4, e->dst, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = 0;
	pseudo[11] = RS_SEG;
	sum = rs_sum(seg, RS_SEG, rs_sum(pseudo, sizeof(pseudo), 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	seg[16] = (uint8_t)(sum >> 8);
	seg[17] = (uint8_t)sum;
}

struct rs_batch {
	struct mmsghdr		 msg[RS_BATCH];
	struct iovec		 iov[RS_BATCH];
	uint8_t			 seg[RS_BATCH][RS_SEG];
	struct sockaddr_in6	 dst[RS_BATCH];	/* fits a sockaddr_in */
	struct rs_ent		*ent[RS_BATCH];
	unsigned		 n;
};

/* Back to the pending list (the socket buffer was full). */
static void
rs_repend(struct rs_ent *e)
{
	if (rs_push(e) < 0)
		rs_end(e, CHK_V_FAIL, CHK_R_INTERNAL, "syn: out of memory");
}

/*
 * Send b on family f.  Returns 0, or -EAGAIN when the socket buffer is
 * full: the segments not sent are pending again.
 */
static int
rs_send(int f, struct rs_batch *b)
{
	unsigned	off = 0;
	int		r;

	while (off < b->n) {
		r = sendmmsg(E->fam[f].fd, b->msg + off, b->n - off, 0);
		E->st.batches++;
		if (r > 0) {
			E->st.sent += (unsigned)r;
			off += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS)) {
			for (; off < b->n; off++)
				rs_repend(b->ent[off]);
			b->n = 0;
			return -EAGAIN;
		}
		/* this segment's own error (no route...): its answer */
		{
			struct rs_ent	*e = b->ent[off++];
			char		 msg[64];

			snprintf(msg, sizeof(msg), "syn: %s",
			    chk_errname(r < 0 ? errno : EIO));
			if (e->state == RS_SENT)
				rs_end(e, CHK_V_FAIL, CHK_R_CONNECT, msg);
		}
	}
	b->n = 0;
	return 0;
}

static void
rs_add(struct rs_batch *b, struct rs_ent *e)
{
	unsigned	i = b->n++;

	rs_segment(e, b->seg[i]);
	memset(&b->dst[i], 0, sizeof(b->dst[i]));
	if (e->fam) {
		b->dst[i].sin6_family = AF_INET6;
		memcpy(&b->dst[i].sin6_addr, e->dst, 16);
		b->msg[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&b->dst[i];

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, e->dst, 4);
		b->msg[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
	}
	b->iov[i].iov_base = b->seg[i];
	b->iov[i].iov_len = RS_SEG;
	b->msg[i].msg_hdr.msg_name = &b->dst[i];
	b->msg[i].msg_hdr.msg_iov = &b->iov[i];
	b->msg[i].msg_hdr.msg_iovlen = 1;
	b->msg[i].msg_hdr.msg_control = NULL;
	b->msg[i].msg_hdr.msg_controllen = 0;
	b->msg[i].msg_hdr.msg_flags = 0;
	b->ent[i] = e;
}

/* Send the SYN of every pending run, in batches per family. */
static void
rs_flush(evutil_socket_t fd, short what, void *arg)
{
	static struct rs_batch	 b[2];
	struct rs_ent		**list;
	size_t			 n, i;
	struct timespec		 now;
	int			 full = 0;

	(void)fd;
	(void)what;
	(void)arg;
	if (E == NULL)
		return;
	E->waiting = 0;
	/* take the list: runs that end here may start others, which go
	   to a new one (and activate this event again) */
	list = E->pend;
	n = E->npend;
	E->pend = NULL;
	E->npend = E->cpend = 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	b[0].n = b[1].n = 0;
	for (i = 0; i < n; i++) {
		struct rs_ent	*e = list[i];
		int		 rc;

		if (e == NULL)
			continue;
		e->inlist--;
		if (e->state != RS_PENDING)
			continue;	/* cancelled, or sent already */
		if (full) {
			rs_repend(e);
			continue;
		}
		if (e->need_src && (rc = rs_source(e)) < 0) {
			char msg[64];

			snprintf(msg, sizeof(msg), "syn: %s",
			    chk_errname(-rc));
			rs_end(e, CHK_V_FAIL, CHK_R_CONNECT, msg);
			continue;
		}
		e->state = RS_SENT;
		e->t0 = now;
		rs_add(&b[e->fam], e);
		if (b[e->fam].n == RS_BATCH && rs_send(e->fam, &b[e->fam]) < 0)
			full = 1;
	}
	for (int f = 0; f < 2; f++)
		if (b[f].n > 0 && (full || rs_send(f, &b[f]) < 0)) {
			for (unsigned k = 0; k < b[f].n; k++)
				rs_repend(b[f].ent[k]);
			b[f].n = 0;
			full = 1;
		}
	free(list);
	if (E->npend > 0 && full) {
		/* wait until the kernel has room (v4's socket stands for
		   both: a full buffer means a burst either way) */
		E->waiting = 1;
		event_add(E->ev_write, NULL);
	}
}

/* ---- answers ------------------------------------------------------ */

static void
rs_answer(int f, const uint8_t *buf, size_t n, const struct sockaddr_in6 *from)
{
	const struct tcphdr	*th;
	const uint8_t		*src;
	size_t			 off = 0;
	uint16_t		 sport, dport;
	uint32_t		 ack;
	uint64_t		 h;

	if (!f) {
		if (n < 20)
			return;
		off = (size_t)(buf[0] & 0x0f) * 4;
		src = buf + 12;
	} else
		src = (const uint8_t *)&from->sin6_addr;
	if (n < off + sizeof(*th))
		return;
	th = (const struct tcphdr *)(buf + off);
	sport = ntohs(th->source);
	dport = ntohs(th->dest);
	ack = ntohl(th->ack_seq);
	h = rs_hash(f, src, sport, E->key[0]);
	for (struct rs_ent *e = *rs_slot(h); e != NULL; e = e->hnext) {
		if (e->h != h || e->fam != f || e->dport != sport ||
		    memcmp(e->dst, src, f ? 16 : 4) != 0 ||
		    e->state != RS_SENT || e->sport != dport ||
		    e->isn + 1 != ack)
			continue;
		E->st.matched++;
		if (th->rst)
			rs_end(e, CHK_V_FAIL, CHK_R_CONNREFUSED, "syn: RST");
		else
			rs_end(e, CHK_V_OK, CHK_R_OK, NULL);
		return;
	}
}

static void
rs_readable(evutil_socket_t fd, short what, void *arg)
{
	static uint8_t			buf[RS_BATCH][RS_SNAP];
	static struct sockaddr_in6	from[RS_BATCH];
	static struct iovec		iov[RS_BATCH];
	static struct mmsghdr		msg[RS_BATCH];
	struct rs_fam			*fm = arg;
	int				f = fm == &E->fam[1], r;

	(void)what;
	/* bounded: other events get their turn under a flood */
	for (int round = 0; round < 16 && E != NULL; round++) {
		for (int i = 0; i < RS_BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = RS_SNAP;
			memset(&msg[i].msg_hdr, 0, sizeof(msg[i].msg_hdr));
			msg[i].msg_hdr.msg_name = &from[i];
			msg[i].msg_hdr.msg_namelen = sizeof(from[i]);
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
		}
		r = recvmmsg(fd, msg, RS_BATCH, MSG_DONTWAIT, NULL);
		if (r <= 0)
			return;		/* EAGAIN: persistent event */
		E->st.answers += (unsigned)r;
		for (int i = 0; i < r && E != NULL; i++)
			rs_answer(f, buf[i], msg[i].msg_len, &from[i]);
		if (r < RS_BATCH)
			return;
	}
}

void
chk_rawsyn_stats(struct chk_rawsyn_stats *st)
{
	if (E == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = E->st;
}

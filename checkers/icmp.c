/*
 * checkers/icmp.c - the "icmp" check: echo requests to the real server,
 * passing when min_replies echo replies come back; IPv4 and IPv6.
 *
 * Keys:
 *   count        1    echo requests per run (1..20), sent together
 *   min_replies  1    replies that pass the run (1..count)
 *   size         56   payload bytes (16..8192), as ping's -s
 *
 * One socket per address family serves every icmp probe of the daemon,
 * not one per run: a raw socket is a privilege (CAP_NET_RAW) that a daemon
 * dropping its capabilities after start can no longer get, so it is opened
 * by the first configure() of an icmp probe, which runs before the loop
 * (and before any capability drop), and is kept open for the life of the
 * process, so that a reload that removes and re-adds icmp checks still has
 * it.  Without CAP_NET_RAW the unprivileged ping socket (SOCK_DGRAM,
 * IPPROTO_ICMP, allowed by net.ipv4.ping_group_range) is used instead;
 * with neither every run ends INTERNAL naming both errors.
 *
 * Demultiplexing: every echo carries the daemon's identifier (the raw
 * socket's, random per process; the ping socket's is its local port and
 * the kernel delivers only those), a sequence number from one counter per
 * family (a run takes `count` consecutive ones) and, in its payload, an
 * 8-byte token random per run.  A reply is the run's when its source, its
 * sequence and its token match; an ICMP error is the run's when the
 * echo request it quotes matches (source of the error aside: a router on
 * the way sends it).  The raw sockets carry an ICMP_FILTER / ICMP6_FILTER
 * so the kernel copies them only echo replies, destination unreachables
 * and time exceeded, not every ICMP packet the host receives.  The runs
 * waiting on a family are a list walked per datagram: fine for the
 * hundreds of checks a director has.
 *
 * Details: "icmp: echo reply in 0.4 ms", "icmp: 3 of 3 echo replies, avg
 * 0.5 ms" (count > 1).  Failures: "icmp: host unreachable from
 * 198.51.100.1" (CHK_R_CONNECT: the kernel's own when ARP or ND for a
 * neighbour fails, or a router's), "icmp: send: ENETUNREACH" (no route,
 * CHK_R_CONNECT); silence is the scheduler's timeout ("during echo").
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include "checkers/chk_conn.h"
#include "monitor/probe.h"

#define ICMP_MAX_COUNT	20
#define ICMP_MAX_SIZE	8192
#define ICMP_TOKEN	8		/* payload bytes of the run's token */
#define ICMP_RBUF	(ICMP_MAX_SIZE + 1024)

struct icmp_conf {
	int	count;
	int	min_replies;
	int	size;
};

struct icmp_run;

/* One per family, for the life of the process (see above). */
struct icmp_sock {
	int			 fd;		/* -1: not open */
	int			 dgram;		/* 1: ping socket */
	int			 raw_err;	/* errnos of the last attempt */
	int			 dgram_err;
	int			 refs;		/* configured icmp probes */
	uint16_t		 ident;		/* raw: ours; dgram: the port */
	uint16_t		 seq;		/* next sequence number */
	struct event_base	*base;		/* of ev */
	struct event		*ev;		/* while refs > 0 */
	struct icmp_run		*runs;		/* waiting for replies */
	unsigned char		*buf;		/* ICMP_RBUF bytes */
};

static struct icmp_sock	icmp_socks[2] = { { .fd = -1 }, { .fd = -1 } };

struct icmp_run {
	struct probe		*p;
	struct icmp_sock	*s;
	struct icmp_run		*next, **prevp;	/* in s->runs */
	uint16_t		 seq0;		/* first of count sequences */
	int			 count, need;
	int			 replies;	/* distinct echoes answered */
	int			 lost;		/* answered by an ICMP error */
	uint32_t		 got;		/* bit i: echo i answered */
	uint64_t		 us_sum;	/* of the replies' round trips */
	unsigned char		 token[ICMP_TOKEN];
	struct timespec		 sent[ICMP_MAX_COUNT];
};

static struct icmp_sock *
icmp_sock_of(int family)
{
	return &icmp_socks[family == AF_INET6];
}

/* Keep echo replies and errors only, on a raw socket. */
static int
icmp_type_filter(int fd, int v6)
{
	if (!v6) {
		struct icmp_filter	f = {
			.data = ~((1U << ICMP_ECHOREPLY) |
			    (1U << ICMP_DEST_UNREACH) |
			    (1U << ICMP_TIME_EXCEEDED)),
		};

		return setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
	} else {
		struct icmp6_filter	f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
		return setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f,
		    sizeof(f));
	}
}

/* Open the family's socket if it is not: raw first, else a ping socket. */
static int
icmp_sock_open(struct icmp_sock *s, int family)
{
	int			 v6 = family == AF_INET6, one = 1, fd;
	int			 proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	if (s->fd >= 0)
		return 0;
	if (s->buf == NULL && (s->buf = malloc(ICMP_RBUF)) == NULL)
		return -ENOMEM;
	fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd >= 0) {
		if (icmp_type_filter(fd, v6) < 0) {
			s->raw_err = errno;
			close(fd);
			return -s->raw_err;
		}
		s->fd = fd;
		s->dgram = 0;
		s->ident = (uint16_t)arc4random();
		s->seq = (uint16_t)arc4random();
		return 0;
	}
	s->raw_err = errno;
	/* the ping socket: the kernel picks the identifier (its "port")
	   and hands it only replies to it */
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0) {
		s->dgram_err = errno;
		return -s->raw_err;
	}
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (bind(fd, (struct sockaddr *)&ss, v6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
	    v6 ? IPV6_RECVERR : IP_RECVERR, &one, sizeof(one)) < 0) {
		s->dgram_err = errno;
		close(fd);
		return -s->raw_err;
	}
	s->fd = fd;
	s->dgram = 1;
	s->ident = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	s->seq = (uint16_t)arc4random();
	return 0;
}

static void
icmp_run_unlink(struct icmp_run *run)
{
	if (run->prevp == NULL)
		return;
	*run->prevp = run->next;
	if (run->next != NULL)
		run->next->prevp = run->prevp;
	run->next = NULL;
	run->prevp = NULL;
}

static void
icmp_run_free(struct icmp_run *run)
{
	icmp_run_unlink(run);
	free(run);
}

static void __attribute__((format(printf, 4, 5)))
icmp_end(struct icmp_run *run, enum chk_verdict v, enum chk_reason r,
    const char *fmt, ...)
{
	struct probe	*p = run->p;
	char		 msg[sizeof(((struct probe_result *)NULL)->msg)];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	icmp_run_free(run);
	p->run = NULL;
	probe_done(p, v, -1, r, "%s", msg);
}

static int64_t
icmp_us_since(const struct timespec *t0)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - t0->tv_sec) * 1000000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000;
}

/* "0.4 ms", "12 ms": a tenth of a millisecond below 100 ms. */
static void
icmp_ms_text(uint64_t us, char *out, size_t cap)
{
	if (us < 100000)
		snprintf(out, cap, "%llu.%llu ms",
		    (unsigned long long)(us / 1000),
		    (unsigned long long)(us % 1000 / 100));
	else
		snprintf(out, cap, "%llu ms", (unsigned long long)(us / 1000));
}

/* The run waiting for sequence seq from (or about) address a. */
static struct icmp_run *
icmp_find(struct icmp_sock *s, int v6, const void *a, uint16_t seq,
    int *idx)
{
	for (struct icmp_run *run = s->runs; run != NULL; run = run->next) {
		uint16_t	 i = (uint16_t)(seq - run->seq0);
		const void	*ra;

		if (i >= run->count)
			continue;
		ra = v6 ? (const void *)&((const struct sockaddr_in6 *)
		    &run->p->addr)->sin6_addr :
		    (const void *)&((const struct sockaddr_in *)
		    &run->p->addr)->sin_addr;
		if (memcmp(ra, a, v6 ? 16 : 4) != 0)
			continue;
		*idx = i;
		return run;
	}
	return NULL;
}

static void
icmp_got_reply(struct icmp_run *run, int i, const unsigned char *data,
    size_t len)
{
	char	t[32];

	if (len < ICMP_TOKEN || memcmp(data, run->token, ICMP_TOKEN) != 0)
		return;			/* an older run's, or not ours */
	if (run->got & (1U << i))
		return;			/* a duplicate */
	run->got |= 1U << i;
	run->us_sum += (uint64_t)icmp_us_since(&run->sent[i]);
	if (++run->replies < run->need)
		return;
	icmp_ms_text(run->us_sum / (uint64_t)run->replies, t, sizeof(t));
	if (run->count == 1)
		icmp_end(run, CHK_V_OK, CHK_R_OK, "icmp: echo reply in %s", t);
	else
		icmp_end(run, CHK_V_OK, CHK_R_OK, "icmp: %d of %d echo "
		    "replies, avg %s", run->replies, run->count, t);
}

static const char *
icmp_err_text(int v6, int type, int code)
{
	static char	other[40];

	if (!v6 && type == ICMP_TIME_EXCEEDED)
		return "ttl exceeded";
	if (v6 && type == ICMP6_TIME_EXCEEDED)
		return "hop limit exceeded";
	if (!v6) {
		switch (code) {
		case ICMP_NET_UNREACH:	return "net unreachable";
		case ICMP_HOST_UNREACH:	return "host unreachable";
		case ICMP_PROT_UNREACH:	return "protocol unreachable";
		case ICMP_PORT_UNREACH:	return "port unreachable";
		case ICMP_FRAG_NEEDED:	return "fragmentation needed";
		case ICMP_NET_ANO:
		case ICMP_HOST_ANO:
		case ICMP_PKT_FILTERED:	return "administratively prohibited";
		}
	} else {
		switch (code) {
		case ICMP6_DST_UNREACH_NOROUTE:	return "no route";
		case ICMP6_DST_UNREACH_ADMIN:
			return "administratively prohibited";
		case ICMP6_DST_UNREACH_ADDR:	return "address unreachable";
		case ICMP6_DST_UNREACH_NOPORT:	return "port unreachable";
		case 6:				return "reject route";
		}
	}
	snprintf(other, sizeof(other), "unreachable (code %d)", code);
	return other;
}

/* An echo the network answered with an error: the run fails once the
   echoes left cannot make min_replies. */
static void
icmp_got_error(struct icmp_run *run, int i, int v6, int type, int code,
    const void *from)
{
	char	a[INET6_ADDRSTRLEN];

	if (run->got & (1U << i))
		return;
	run->got |= 1U << i;
	if (run->count - ++run->lost >= run->need)
		return;
	inet_ntop(v6 ? AF_INET6 : AF_INET, from, a, sizeof(a));
	icmp_end(run, CHK_V_FAIL, CHK_R_CONNECT, "icmp: %s from %s",
	    icmp_err_text(v6, type, code), a);
}

/*
 * An ICMP error quoting our echo request: q is the quoted packet (an IP
 * header then our ICMP header, raw sockets) or just our ICMP header (ping
 * socket, qip 0).
 */
static void
icmp_quoted(struct icmp_sock *s, int v6, const unsigned char *q, size_t len,
    int qip, int type, int code, const void *from)
{
	struct icmp_run	*run;
	const void	*dst;
	uint16_t	 id, seq;
	int		 i;
	size_t		 off;

	if (qip && !v6) {
		if (len < 20 || q[9] != IPPROTO_ICMP)
			return;
		off = (size_t)(q[0] & 0x0f) * 4;
		dst = q + 16;
	} else if (qip) {
		if (len < 40 || q[6] != IPPROTO_ICMPV6)
			return;
		off = 40;
		dst = q + 24;
	} else {
		off = 0;
		dst = NULL;
	}
	if (len < off + 8 || q[off] != (v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO))
		return;
	id = (uint16_t)(q[off + 4] << 8 | q[off + 5]);
	seq = (uint16_t)(q[off + 6] << 8 | q[off + 7]);
	if (qip && id != s->ident)
		return;
	if (dst == NULL) {
		/* ping socket: the kernel matched the identifier; find the
		   run by sequence alone */
		for (run = s->runs; run != NULL; run = run->next)
			if ((uint16_t)(seq - run->seq0) < run->count)
				break;
		if (run == NULL)
			return;
		i = (uint16_t)(seq - run->seq0);
	} else if ((run = icmp_find(s, v6, dst, seq, &i)) == NULL)
		return;
	icmp_got_error(run, i, v6, type, code, from);
}

/* One datagram of a raw socket. */
static void
icmp_raw_packet(struct icmp_sock *s, int v6, const unsigned char *m,
    size_t len, const struct sockaddr_storage *from)
{
	const void	*src;
	size_t		 off = 0;
	struct icmp_run	*run;
	int		 i;
	uint16_t	 id, seq;

	if (!v6) {
		if (len < 20)
			return;
		off = (size_t)(m[0] & 0x0f) * 4;
		src = m + 12;
	} else
		src = &((const struct sockaddr_in6 *)from)->sin6_addr;
	if (len < off + 8)
		return;
	if (m[off] == (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY)) {
		id = (uint16_t)(m[off + 4] << 8 | m[off + 5]);
		seq = (uint16_t)(m[off + 6] << 8 | m[off + 7]);
		if (id != s->ident ||
		    (run = icmp_find(s, v6, src, seq, &i)) == NULL)
			return;
		icmp_got_reply(run, i, m + off + 8, len - off - 8);
		return;
	}
	icmp_quoted(s, v6, m + off + 8, len - off - 8, 1, m[off],
	    m[off + 1], src);
}

/* The ping socket's error queue: what ICMP errors said about our echoes. */
static void
icmp_dgram_errors(struct icmp_sock *s, int v6)
{
	unsigned char		 q[128], cbuf[512];
	struct sockaddr_storage	 ss;
	struct iovec		 iov = { q, sizeof(q) };
	struct msghdr		 mh;
	struct cmsghdr		*cm;
	struct sock_extended_err *ee;
	const struct sockaddr	*off;
	ssize_t			 n;

	for (int k = 0; k < 64; k++) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &ss;
		mh.msg_namelen = sizeof(ss);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		if ((n = recvmsg(s->fd, &mh, MSG_ERRQUEUE)) < 0)
			return;
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL;
		    cm = CMSG_NXTHDR(&mh, cm)) {
			if (!((cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_RECVERR) ||
			    (cm->cmsg_level == IPPROTO_IPV6 &&
			    cm->cmsg_type == IPV6_RECVERR)))
				continue;
			ee = (struct sock_extended_err *)CMSG_DATA(cm);
			if (ee->ee_origin != (v6 ? SO_EE_ORIGIN_ICMP6 :
			    SO_EE_ORIGIN_ICMP))
				continue;
			off = SO_EE_OFFENDER(ee);
			icmp_quoted(s, v6, q, (size_t)n, 0, ee->ee_type,
			    ee->ee_code, v6 ?
			    (const void *)&((const struct sockaddr_in6 *)off)->
			    sin6_addr :
			    (const void *)&((const struct sockaddr_in *)off)->
			    sin_addr);
		}
	}
}

static void
icmp_readable(evutil_socket_t fd, short what, void *arg)
{
	struct icmp_sock	*s = arg;
	int			 v6 = s == &icmp_socks[1];
	struct sockaddr_storage	 from;
	socklen_t		 flen;
	ssize_t			 n;
	uint16_t		 seq;
	struct icmp_run		*run;
	int			 i;
	const unsigned char	*m = s->buf;

	/* a bounded batch per wake-up; the event is level-triggered */
	for (int k = 0; k < 64; k++) {
		flen = sizeof(from);
		n = recvfrom(fd, s->buf, ICMP_RBUF, 0,
		    (struct sockaddr *)&from, &flen);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (s->dgram)
				icmp_dgram_errors(s, v6);
			continue;
		}
		if (!s->dgram) {
			icmp_raw_packet(s, v6, s->buf, (size_t)n, &from);
			continue;
		}
		/* ping socket: an echo reply to our identifier, no IP
		   header */
		if (n < 8 || m[0] != (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY))
			continue;
		seq = (uint16_t)(m[6] << 8 | m[7]);
		run = icmp_find(s, v6, v6 ?
		    (const void *)&((struct sockaddr_in6 *)&from)->sin6_addr :
		    (const void *)&((struct sockaddr_in *)&from)->sin_addr,
		    seq, &i);
		if (run != NULL)
			icmp_got_reply(run, i, m + 8, (size_t)n - 8);
	}
}

/* One's complement checksum (ICMPv4; the kernel does ICMPv6's). */
static uint16_t
icmp_cksum(const unsigned char *b, size_t len)
{
	uint32_t	sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)(b[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
icmp_release(struct probe *p)
{
	struct icmp_sock	*s;

	if (p->priv == NULL)
		return;
	s = p->priv;
	p->priv = NULL;
	if (--s->refs > 0)
		return;
	/* the socket stays open (see the top); its event goes */
	if (s->ev != NULL)
		event_free(s->ev);
	s->ev = NULL;
	s->base = NULL;
	free(s->buf);
	s->buf = NULL;
}

static int
icmp_configure(const config_setting_t *cs, struct probe *p, struct err *e)
{
	struct icmp_conf	*cf = p->conf;
	struct icmp_sock	*s = icmp_sock_of(p->addr.ss_family);

	icmp_release(p);
	if (cf->min_replies > cf->count)
		return err_set(e, -EINVAL, "min_replies: %d is more than "
		    "count %d", cf->min_replies, cf->count);
	/* now, before the loop and any capability drop; a failure here is
	   reported by each run (start() tries again) */
	(void)icmp_sock_open(s, p->addr.ss_family);
	if (s->buf == NULL && (s->buf = malloc(ICMP_RBUF)) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	s->refs++;
	p->priv = s;
	return 0;
}

/* The family's event on base p->base, made when the first run needs it. */
static int
icmp_sock_arm(struct icmp_sock *s, struct probe *p)
{
	if (s->ev != NULL && s->base == p->base)
		return 0;
	if (s->ev != NULL) {
		if (s->runs != NULL)
			return -EBUSY;	/* another loop still has runs */
		event_free(s->ev);
	}
	s->base = p->base;
	s->ev = event_new(p->base, s->fd, EV_READ | EV_PERSIST,
	    icmp_readable, s);
	if (s->ev == NULL || event_add(s->ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

static int
icmp_start(struct probe *p)
{
	struct icmp_conf	*cf = p->conf;
	struct icmp_sock	*s = p->priv;
	struct icmp_run		*run;
	struct sockaddr_storage	 dst = p->addr;
	unsigned char		*pkt;
	size_t			 len = 8 + (size_t)cf->size;
	int			 v6 = p->addr.ss_family == AF_INET6, rc;

	if (s == NULL)
		return -EINVAL;
	if (s->fd < 0 && icmp_sock_open(s, p->addr.ss_family) < 0) {
		probe_done(p, CHK_V_FAIL, -1, CHK_R_INTERNAL, "icmp: no ICMP "
		    "socket: raw %s (needs CAP_NET_RAW), ping %s (needs "
		    "the gid in net.ipv4.ping_group_range)",
		    chk_errname(s->raw_err), chk_errname(s->dgram_err));
		return 0;
	}
	if ((rc = icmp_sock_arm(s, p)) < 0)
		return rc;
	if ((run = calloc(1, sizeof(*run))) == NULL ||
	    (pkt = calloc(1, len)) == NULL) {
		free(run);
		return -ENOMEM;
	}
	run->p = p;
	run->s = s;
	run->count = cf->count;
	run->need = cf->min_replies;
	run->seq0 = s->seq;
	s->seq = (uint16_t)(s->seq + cf->count);
	arc4random_buf(run->token, sizeof(run->token));
	/* the port field of dst means nothing to ICMP; clear it */
	if (v6)
		((struct sockaddr_in6 *)&dst)->sin6_port = 0;
	else
		((struct sockaddr_in *)&dst)->sin_port = 0;
	run->next = s->runs;
	if (s->runs != NULL)
		s->runs->prevp = &run->next;
	s->runs = run;
	run->prevp = &s->runs;
	p->run = run;
	p->phase = "echo";

	pkt[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	pkt[4] = (uint8_t)(s->ident >> 8);
	pkt[5] = (uint8_t)s->ident;
	memcpy(pkt + 8, run->token, ICMP_TOKEN);
	for (size_t k = 8 + ICMP_TOKEN; k < len; k++)
		pkt[k] = (unsigned char)k;
	for (int i = 0; i < run->count; i++) {
		uint16_t	seq = (uint16_t)(run->seq0 + i);
		uint16_t	ck;

		pkt[2] = pkt[3] = 0;
		pkt[6] = (uint8_t)(seq >> 8);
		pkt[7] = (uint8_t)seq;
		if (!v6 && !s->dgram) {
			ck = icmp_cksum(pkt, len);
			pkt[2] = (uint8_t)(ck >> 8);
			pkt[3] = (uint8_t)ck;
		}
		clock_gettime(CLOCK_MONOTONIC, &run->sent[i]);
		if (sendto(s->fd, pkt, len, 0, (struct sockaddr *)&dst,
		    p->addrlen) >= 0)
			continue;
		rc = errno;
		free(pkt);
		if (rc == ENOMEM || rc == ENOBUFS || rc == EAGAIN) {
			icmp_run_free(run);
			p->run = NULL;
			return -rc;
		}
		/* no route, a firewall's reject: the check's answer */
		icmp_end(run, CHK_V_FAIL, CHK_R_CONNECT, "icmp: send: %s",
		    chk_errname(rc));
		return 0;
	}
	free(pkt);
	return 0;
}

static void
icmp_cancel(struct probe *p)
{
	if (p->run == NULL)
		return;
	icmp_run_free(p->run);
	p->run = NULL;
}

static const struct mon_directive icmp_directives[] = {
	{ .key = "count", .type = MON_D_INT,
	  .offset = offsetof(struct icmp_conf, count),
	  .min = 1, .max = ICMP_MAX_COUNT, .ndef = 1 },
	{ .key = "min_replies", .type = MON_D_INT,
	  .offset = offsetof(struct icmp_conf, min_replies),
	  .min = 1, .max = ICMP_MAX_COUNT, .ndef = 1 },
	{ .key = "size", .type = MON_D_INT,
	  .offset = offsetof(struct icmp_conf, size),
	  .min = ICMP_TOKEN + 8, .max = ICMP_MAX_SIZE, .ndef = 56 },
	{ .key = NULL }
};

const struct probe_type chk_icmp = {
	.name = "icmp",
	.directives = icmp_directives,
	.conf_size = sizeof(struct icmp_conf),
	.configure = icmp_configure,
	.start = icmp_start,
	.cancel = icmp_cancel,
	.release = icmp_release,
};

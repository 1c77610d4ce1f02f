/*
 * director/ipvs_nl.c - the ipvs backend's generic netlink: the "IPVS"
 * family through libnl-genl-3 (messages, attributes, family lookup), with
 * our own send/receive loop on its socket.
 *
 * Why our own loop: libnl sends one message and waits for its ack; a batch
 * of 10,000 weight changes would be 10,000 round trips.  Generic netlink
 * handles every message of one sendmsg in order (netlink_rcv_skb) and acks
 * each, so we pack up to 32 KiB of messages into one sendmsg and then read
 * the acks, matching them by sequence number.  IPVS has no transactions:
 * a message that fails does not stop the ones after it, so the caller
 * learns each message's outcome and undoes the ones that succeeded.
 *
 * Attribute layout: linux/ip_vs.h.  Addresses are 16 bytes (union
 * nf_inet_addr, IPv4 in the first 4), ports big-endian, the service
 * netmask raw (IPv4: a mask in network order; IPv6: a prefix length).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "director/ipvs_int.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

#define CHUNK		(32 * 1024)	/* requests per sendmsg */
#define RXBUF		(64 * 1024)	/* > the kernel's 32 KiB dump skbs */

struct ipvs_nl {
	struct nl_sock	*sk;
	int		 fd;
	int		 family;	/* genl id of "IPVS" */
	uint32_t	 seq;
	char		*tx;		/* [CHUNK + one big message] */
	size_t		 txcap;
	char		*rx;		/* [RXBUF] */
};

int
ipvs_nl_open(struct ipvs_nl **out, char *err, size_t errlen)
{
	struct ipvs_nl *nl = calloc(1, sizeof(*nl));
	int r, one = 1;

	if (nl == NULL || (nl->rx = malloc(RXBUF)) == NULL ||
	    (nl->sk = nl_socket_alloc()) == NULL) {
		ipvs_nl_close(nl);
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	}
	if ((r = genl_connect(nl->sk)) < 0) {
		dir_err(err, errlen, -EIO, "generic netlink: %s",
		    nl_geterror(r));
		ipvs_nl_close(nl);
		return -EIO;
	}
	nl->family = genl_ctrl_resolve(nl->sk, IPVS_GENL_NAME);
	if (nl->family < 0) {
		r = nl->family == -NLE_OBJ_NOTFOUND ? -ENOENT : -EIO;
		dir_err(err, errlen, r, "no IPVS in this kernel (generic "
		    "netlink family IPVS: %s; modprobe ip_vs?)",
		    nl_geterror(nl->family));
		ipvs_nl_close(nl);
		return r;
	}
	/* Room for the acks of a whole chunk, and a dump skb or two. */
	nl_socket_set_buffer_size(nl->sk, 1 << 20, 1 << 20);
	nl->fd = nl_socket_get_fd(nl->sk);
	/* Acks of failed messages without a copy of the request. */
	(void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
	    sizeof(one));
	nl->seq = (uint32_t)time(NULL);
	*out = nl;
	return 0;
}

void
ipvs_nl_close(struct ipvs_nl *nl)
{
	if (nl == NULL)
		return;
	if (nl->sk != NULL)
		nl_socket_free(nl->sk);
	free(nl->tx);
	free(nl->rx);
	free(nl);
}

/* ---- building ---- */

static int
put_addr(struct nl_msg *m, int type, int af, const union dir_addr *a)
{
	unsigned char buf[16] = { 0 };

	memcpy(buf, a, af == AF_INET6 ? 16 : 4);
	return nla_put(m, type, sizeof(buf), buf);
}

static int
put_svc(struct nl_msg *m, const struct ipvs_svc *s, int full)
{
	struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
	int r = 0;

	if (n == NULL)
		return -ENOMEM;
	r |= nla_put_u16(m, IPVS_SVC_ATTR_AF, (uint16_t)s->af);
	if (s->fwmark != 0) {
		r |= nla_put_u32(m, IPVS_SVC_ATTR_FWMARK, s->fwmark);
	} else {
		r |= nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL,
		    (uint16_t)s->proto);
		r |= put_addr(m, IPVS_SVC_ATTR_ADDR, s->af, &s->addr);
		r |= nla_put_u16(m, IPVS_SVC_ATTR_PORT, htons(s->port));
	}
	if (full) {
		struct ip_vs_flags f = { .flags = s->flags,
		    .mask = ~(uint32_t)IP_VS_SVC_F_HASHED };

		r |= nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, s->sched);
		r |= nla_put(m, IPVS_SVC_ATTR_FLAGS, sizeof(f), &f);
		r |= nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, s->timeout);
		r |= nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, s->netmask);
	}
	nla_nest_end(m, n);
	return r != 0 ? -ENOMEM : 0;
}

static int
put_dest(struct nl_msg *m, const struct ipvs_dest *d, int full)
{
	struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
	int r = 0;

	if (n == NULL)
		return -ENOMEM;
	r |= put_addr(m, IPVS_DEST_ATTR_ADDR, d->af, &d->addr);
	r |= nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(d->port));
	r |= nla_put_u16(m, IPVS_DEST_ATTR_ADDR_FAMILY, (uint16_t)d->af);
	if (full) {
		r |= nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, d->fwd);
		r |= nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, d->weight);
		r |= nla_put_u32(m, IPVS_DEST_ATTR_U_THRESH, d->u_thresh);
		r |= nla_put_u32(m, IPVS_DEST_ATTR_L_THRESH, d->l_thresh);
	}
	nla_nest_end(m, n);
	return r != 0 ? -ENOMEM : 0;
}

/*
 * Append one request to nl->tx at *len; its sequence number is returned
 * in *seq.  Its attributes: the service s and dest d, or what put(m, arg)
 * adds (timeouts, a sync daemon).
 */
static int
append_msg(struct ipvs_nl *nl, size_t *len, uint8_t cmd, int flags,
    const struct ipvs_svc *s, const struct ipvs_dest *d,
    int (*put)(struct nl_msg *, const void *), const void *arg,
    uint32_t *seq)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlmsghdr *h;
	size_t ml;
	int full, r = 0;

	if (m == NULL)
		return -ENOMEM;
	*seq = ++nl->seq;
	if (genlmsg_put(m, NL_AUTO_PORT, *seq, nl->family, 0,
	    NLM_F_REQUEST | flags, cmd, IPVS_GENL_VERSION) == NULL) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	full = cmd == IPVS_CMD_NEW_SERVICE || cmd == IPVS_CMD_SET_SERVICE;
	if (s != NULL)
		r = put_svc(m, s, full);
	full = cmd == IPVS_CMD_NEW_DEST || cmd == IPVS_CMD_SET_DEST;
	if (r == 0 && d != NULL)
		r = put_dest(m, d, full);
	if (r == 0 && put != NULL)
		r = put(m, arg);
	h = nlmsg_hdr(m);
	ml = NLMSG_ALIGN(h->nlmsg_len);
	if (r == 0 && *len + ml > nl->txcap) {
		size_t c = nl->txcap ? nl->txcap * 2 : CHUNK * 2;
		char *p;

		while (c < *len + ml)
			c *= 2;
		if ((p = realloc(nl->tx, c)) == NULL)
			r = -ENOMEM;
		else {
			nl->tx = p;
			nl->txcap = c;
		}
	}
	if (r == 0) {
		memset(nl->tx + *len, 0, ml);
		memcpy(nl->tx + *len, h, h->nlmsg_len);
		*len += ml;
	}
	nlmsg_free(m);
	return r;
}

static int
append(struct ipvs_nl *nl, size_t *len, uint8_t cmd, int flags,
    const struct ipvs_svc *s, const struct ipvs_dest *d, uint32_t *seq)
{
	return append_msg(nl, len, cmd, flags, s, d, NULL, NULL, seq);
}

/* ---- sending and receiving ---- */

static int
send_all(struct ipvs_nl *nl, size_t len, char *err, size_t errlen)
{
	int r = nl_sendto(nl->sk, nl->tx, len);

	if (r < 0)
		return dir_err(err, errlen, -EIO, "ipvs: netlink send: %s",
		    nl_geterror(r));
	return 0;
}

/* One receive; *n bytes in nl->rx. */
static int
recv_one(struct ipvs_nl *nl, size_t *n, char *err, size_t errlen)
{
	struct iovec iov = { nl->rx, RXBUF };
	struct sockaddr_nl sa;
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa),
	    .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r;

	do
		r = recvmsg(nl->fd, &mh, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return dir_err(err, errlen, -EIO, "ipvs: netlink receive: %s",
		    strerror(errno));
	if (mh.msg_flags & MSG_TRUNC)
		return dir_err(err, errlen, -EIO, "ipvs: netlink message "
		    "larger than %d bytes", RXBUF);
	*n = (size_t)r;
	return 0;
}

/*
 * An NLMSG_ERROR's code: 0 or -errno.  A message too short to hold one,
 * or a positive code, is not the kernel's answer: -EPROTO, never a
 * positive value that callers would take for success.
 */
static int
ack_error(const struct nlmsghdr *h)
{
	int e;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
		return -EPROTO;
	memcpy(&e, NLMSG_DATA(h), sizeof(e));
	return e > 0 ? -EPROTO : e;
}

/*
 * Send nl->tx (len bytes holding the requests seq0+1 .. seq0+count) and
 * read one ack per request into res[seq - seq0 - 1].
 */
static int
transact(struct ipvs_nl *nl, size_t len, uint32_t seq0, size_t count,
    int *res, char *err, size_t errlen)
{
	size_t got = 0, n;
	int left;
	int r;

	if ((r = send_all(nl, len, err, errlen)) < 0)
		return r;
	while (got < count) {
		struct nlmsghdr *h;

		if ((r = recv_one(nl, &n, err, errlen)) < 0)
			return r;
		left = (int)n;	/* signed: see request() */
		for (h = (struct nlmsghdr *)nl->rx; nlmsg_ok(h, left);
		    h = nlmsg_next(h, &left)) {
			uint32_t k = h->nlmsg_seq - seq0;

			if (h->nlmsg_type != NLMSG_ERROR || k == 0 ||
			    k > count)
				continue;
			res[k - 1] = ack_error(h);
			got++;
		}
	}
	return 0;
}

int
ipvs_nl_exec(struct ipvs_nl *nl, const struct ipvs_op *ops, size_t n,
    int undo, int *res, char *err, size_t errlen)
{
	size_t i = 0, j, len, cnt, cap = 0;
	uint32_t seq0, seq, *owner = NULL;	/* request -> op index */
	int *ack = NULL, r = 0, first = 0;

	for (j = 0; j < n; j++)
		res[j] = 0;
	while (i < n && r == 0) {
		len = 0;
		cnt = 0;
		seq0 = nl->seq;
		/* Fill a chunk; an op of many messages may overflow it. */
		while (i < n && len < CHUNK && r == 0) {
			const struct ipvs_op *o = &ops[i];
			uint8_t cmd = undo ? o->ucmd : o->cmd;
			const struct ipvs_svc *s = undo ? o->us : o->s;
			const struct ipvs_dest *d = undo ? o->ud : o->d;
			size_t need = 1 + (undo && o->cmd ==
			    IPVS_CMD_DEL_SERVICE ? o->us->nd : 0);

			if (cnt + need > cap) {
				size_t c = cap ? cap * 2 : 1024;
				void *p1, *p2;

				while (c < cnt + need)
					c *= 2;
				p1 = realloc(owner, c * sizeof(*owner));
				if (p1 != NULL)
					owner = p1;
				p2 = realloc(ack, c * sizeof(*ack));
				if (p2 != NULL)
					ack = p2;
				if (p1 == NULL || p2 == NULL) {
					r = -ENOMEM;
					break;
				}
				cap = c;
			}
			r = append(nl, &len, cmd, NLM_F_ACK, s, d, &seq);
			owner[cnt++] = (uint32_t)i;
			/* Undoing a deleted service: its dests come back. */
			for (j = 0; r == 0 && undo &&
			    o->cmd == IPVS_CMD_DEL_SERVICE && j < o->us->nd;
			    j++) {
				r = append(nl, &len, IPVS_CMD_NEW_DEST,
				    NLM_F_ACK, o->us, &o->us->d[j], &seq);
				owner[cnt++] = (uint32_t)i;
			}
			i++;
		}
		if (r < 0) {
			dir_err(err, errlen, r, "out of memory");
			break;
		}
		if (cnt == 0)
			break;
		if ((r = transact(nl, len, seq0, cnt, ack, err, errlen)) < 0)
			break;
		for (j = 0; j < cnt; j++)
			if (ack[j] < 0 && res[owner[j]] == 0) {
				res[owner[j]] = ack[j];
				if (first == 0)
					first = ack[j];
			}
	}
	free(owner);
	free(ack);
	return r < 0 ? r : first;
}

/* ---- dumps and parsing ---- */

static void
get_addr(int af, const struct nlattr *a, union dir_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (a == NULL)
		return;
	memcpy(out, nla_data(a), nla_len(a) < 16 ? (size_t)nla_len(a) :
	    (af == AF_INET6 ? 16 : 4));
}

static uint64_t
get_num(const struct nlattr *a)
{
	if (a == NULL)
		return 0;
	if (nla_len(a) >= 8)
		return nla_get_u64((struct nlattr *)a);
	if (nla_len(a) >= 4)
		return nla_get_u32((struct nlattr *)a);
	return 0;
}

/* STATS64 when there, else the old STATS (32-bit conns and packets). */
static void
get_stats(struct nlattr *s64, struct nlattr *s32, struct dir_real_stats *st,
    uint64_t *conns)
{
	struct nlattr *tb[IPVS_STATS_ATTR_MAX + 1];
	struct nlattr *src = s64 != NULL ? s64 : s32;

	if (src == NULL || nla_parse_nested(tb, IPVS_STATS_ATTR_MAX, src,
	    NULL) < 0)
		return;
	if (st != NULL) {
		st->conns = get_num(tb[IPVS_STATS_ATTR_CONNS]);
		st->inpkts = get_num(tb[IPVS_STATS_ATTR_INPKTS]);
		st->outpkts = get_num(tb[IPVS_STATS_ATTR_OUTPKTS]);
		st->inbytes = get_num(tb[IPVS_STATS_ATTR_INBYTES]);
		st->outbytes = get_num(tb[IPVS_STATS_ATTR_OUTBYTES]);
	}
	if (conns != NULL)
		*conns = get_num(tb[IPVS_STATS_ATTR_CONNS]);
}

/*
 * Minimum lengths of the attributes read with nla_get_u16/u32/u8: without
 * a policy libnl checks none, and a short attribute would be read past its
 * end (into the next one).  The rest go through get_num()/get_addr(),
 * which look at the length themselves.
 */
static const struct nla_policy svc_policy[IPVS_SVC_ATTR_MAX + 1] = {
	[IPVS_SVC_ATTR_AF]		= { .type = NLA_U16 },
	[IPVS_SVC_ATTR_PROTOCOL]	= { .type = NLA_U16 },
	[IPVS_SVC_ATTR_PORT]		= { .type = NLA_U16 },
	[IPVS_SVC_ATTR_FWMARK]		= { .type = NLA_U32 },
	[IPVS_SVC_ATTR_TIMEOUT]		= { .type = NLA_U32 },
	[IPVS_SVC_ATTR_NETMASK]		= { .type = NLA_U32 },
};
static const struct nla_policy dest_policy[IPVS_DEST_ATTR_MAX + 1] = {
	[IPVS_DEST_ATTR_PORT]		= { .type = NLA_U16 },
	[IPVS_DEST_ATTR_ADDR_FAMILY]	= { .type = NLA_U16 },
};
static const struct nla_policy daemon_policy[IPVS_DAEMON_ATTR_MAX + 1] = {
	[IPVS_DAEMON_ATTR_SYNC_MAXLEN]	= { .type = NLA_U16 },
	[IPVS_DAEMON_ATTR_MCAST_PORT]	= { .type = NLA_U16 },
	[IPVS_DAEMON_ATTR_MCAST_TTL]	= { .type = NLA_U8 },
};

static int
parse_svc(struct nlmsghdr *h, struct ipvs_svc *s)
{
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	struct nlattr *a[IPVS_SVC_ATTR_MAX + 1];

	memset(s, 0, sizeof(*s));
	if (genlmsg_parse(h, 0, tb, IPVS_CMD_ATTR_MAX, NULL) < 0 ||
	    tb[IPVS_CMD_ATTR_SERVICE] == NULL ||
	    nla_parse_nested(a, IPVS_SVC_ATTR_MAX, tb[IPVS_CMD_ATTR_SERVICE],
	    svc_policy) < 0 || a[IPVS_SVC_ATTR_AF] == NULL)
		return -EPROTO;
	s->af = nla_get_u16(a[IPVS_SVC_ATTR_AF]);
	if (a[IPVS_SVC_ATTR_FWMARK] != NULL)
		s->fwmark = nla_get_u32(a[IPVS_SVC_ATTR_FWMARK]);
	if (s->fwmark == 0) {
		if (a[IPVS_SVC_ATTR_PROTOCOL] == NULL ||
		    a[IPVS_SVC_ATTR_PORT] == NULL)
			return -EPROTO;
		s->proto = nla_get_u16(a[IPVS_SVC_ATTR_PROTOCOL]);
		s->port = ntohs(nla_get_u16(a[IPVS_SVC_ATTR_PORT]));
		get_addr(s->af, a[IPVS_SVC_ATTR_ADDR], &s->addr);
	}
	if (a[IPVS_SVC_ATTR_SCHED_NAME] != NULL)
		nla_strlcpy(s->sched, a[IPVS_SVC_ATTR_SCHED_NAME],
		    sizeof(s->sched));
	if (a[IPVS_SVC_ATTR_FLAGS] != NULL &&
	    nla_len(a[IPVS_SVC_ATTR_FLAGS]) >= (int)sizeof(uint32_t)) {
		struct ip_vs_flags f = { 0, 0 };

		memcpy(&f, nla_data(a[IPVS_SVC_ATTR_FLAGS]),
		    nla_len(a[IPVS_SVC_ATTR_FLAGS]) < (int)sizeof(f) ?
		    sizeof(uint32_t) : sizeof(f));
		s->flags = f.flags & ~(uint32_t)IP_VS_SVC_F_HASHED;
	}
	if (a[IPVS_SVC_ATTR_TIMEOUT] != NULL)
		s->timeout = nla_get_u32(a[IPVS_SVC_ATTR_TIMEOUT]);
	if (a[IPVS_SVC_ATTR_NETMASK] != NULL)
		s->netmask = nla_get_u32(a[IPVS_SVC_ATTR_NETMASK]);
	get_stats(a[IPVS_SVC_ATTR_STATS64], a[IPVS_SVC_ATTR_STATS], NULL,
	    &s->conns);
	return 0;
}

static int
parse_dest(struct nlmsghdr *h, int svc_af, struct ipvs_dest *d)
{
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	struct nlattr *a[IPVS_DEST_ATTR_MAX + 1];

	memset(d, 0, sizeof(*d));
	if (genlmsg_parse(h, 0, tb, IPVS_CMD_ATTR_MAX, NULL) < 0 ||
	    tb[IPVS_CMD_ATTR_DEST] == NULL ||
	    nla_parse_nested(a, IPVS_DEST_ATTR_MAX, tb[IPVS_CMD_ATTR_DEST],
	    dest_policy) < 0 || a[IPVS_DEST_ATTR_PORT] == NULL)
		return -EPROTO;
	d->af = a[IPVS_DEST_ATTR_ADDR_FAMILY] != NULL ?
	    nla_get_u16(a[IPVS_DEST_ATTR_ADDR_FAMILY]) : svc_af;
	get_addr(d->af, a[IPVS_DEST_ATTR_ADDR], &d->addr);
	d->port = ntohs(nla_get_u16(a[IPVS_DEST_ATTR_PORT]));
	d->fwd = (uint32_t)get_num(a[IPVS_DEST_ATTR_FWD_METHOD]) &
	    IP_VS_CONN_F_FWD_MASK;
	d->weight = (uint32_t)get_num(a[IPVS_DEST_ATTR_WEIGHT]);
	d->u_thresh = (uint32_t)get_num(a[IPVS_DEST_ATTR_U_THRESH]);
	d->l_thresh = (uint32_t)get_num(a[IPVS_DEST_ATTR_L_THRESH]);
	d->stats.active = (uint32_t)get_num(a[IPVS_DEST_ATTR_ACTIVE_CONNS]);
	d->stats.inactive = (uint32_t)get_num(a[IPVS_DEST_ATTR_INACT_CONNS]);
	get_stats(a[IPVS_DEST_ATTR_STATS64], a[IPVS_DEST_ATTR_STATS],
	    &d->stats, NULL);
	return 0;
}

/*
 * One dump: cmd with NLM_F_DUMP (and the service for GET_DEST); each
 * answer goes to cb.  Returns 0, the kernel's -errno, or -EIO.
 */
static const char *
what_of(uint8_t cmd)
{
	switch (cmd) {
	case IPVS_CMD_GET_DEST:		return "read destinations";
	case IPVS_CMD_GET_SERVICE:	return "read services";
	case IPVS_CMD_GET_DAEMON:	return "read sync daemons";
	case IPVS_CMD_GET_CONFIG:	return "read timeouts";
	case IPVS_CMD_SET_CONFIG:	return "set timeouts";
	case IPVS_CMD_NEW_DAEMON:	return "start sync daemon";
	case IPVS_CMD_DEL_DAEMON:	return "stop sync daemon";
	default:			return "request";
	}
}

/*
 * One request and what it answers: with NLM_F_DUMP (dumpit) until
 * NLMSG_DONE, else (doit) its reply, if any, then its ack.  Each answer
 * goes to cb (may be NULL).  Returns 0, the kernel's -errno, or -EIO.
 */
static int
request(struct ipvs_nl *nl, uint8_t cmd, int flags, const struct ipvs_svc *s,
    int (*put)(struct nl_msg *, const void *), const void *parg,
    int (*cb)(struct nlmsghdr *, void *), void *arg, char *err,
    size_t errlen)
{
	size_t len = 0, n;
	int left;
	uint32_t seq;
	int r, cbr = 0;

	if ((r = append_msg(nl, &len, cmd, flags, s, NULL, put, parg,
	    &seq)) < 0)
		return dir_err(err, errlen, r, "out of memory");
	if ((r = send_all(nl, len, err, errlen)) < 0)
		return r;
	for (;;) {
		struct nlmsghdr *h;

		if ((r = recv_one(nl, &n, err, errlen)) < 0)
			return r;
		/* NLMSG_NEXT on a size_t count subtracts the aligned
		   length: a last message whose length is not a multiple
		   of 4 wraps it to a huge value that NLMSG_OK accepts;
		   libnl's nlmsg_ok()/nlmsg_next() count in an int */
		left = (int)n;
		for (h = (struct nlmsghdr *)nl->rx; nlmsg_ok(h, left);
		    h = nlmsg_next(h, &left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return cbr;
			if (h->nlmsg_type == NLMSG_ERROR) {
				r = ack_error(h);
				if (r == 0 && (flags & NLM_F_DUMP))
					continue;
				if (r == 0)	/* a doit's ack: the end */
					return cbr;
				return dir_err(err, errlen, r, "ipvs: %s: %s",
				    what_of(cmd), strerror(-r));
			}
			if (h->nlmsg_type == nl->family && cbr == 0 &&
			    cb != NULL)
				cbr = cb(h, arg);
		}
	}
}

static int
dump(struct ipvs_nl *nl, uint8_t cmd, const struct ipvs_svc *s,
    int (*cb)(struct nlmsghdr *, void *), void *arg, char *err,
    size_t errlen)
{
	return request(nl, cmd, NLM_F_DUMP, s, NULL, NULL, cb, arg, err,
	    errlen);
}

static int
on_svc(struct nlmsghdr *h, void *arg)
{
	struct ipvs_tab *t = arg;
	struct ipvs_svc *p;

	if (t->ns % 64 == 0) {
		p = realloc(t->s, (t->ns + 64) * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		t->s = p;
	}
	if (parse_svc(h, &t->s[t->ns]) == 0)
		t->ns++;
	return 0;
}

static int
on_dest(struct nlmsghdr *h, void *arg)
{
	struct ipvs_svc *s = arg;
	struct ipvs_dest *p;

	if (s->nd % 16 == 0) {
		p = realloc(s->d, (s->nd + 16) * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		s->d = p;
	}
	if (parse_dest(h, s->af, &s->d[s->nd]) == 0)
		s->nd++;
	return 0;
}

int
ipvs_nl_read(struct ipvs_nl *nl, struct ipvs_tab *out, char *err,
    size_t errlen)
{
	size_t i;
	int r;

	out->s = NULL;
	out->ns = 0;
	r = dump(nl, IPVS_CMD_GET_SERVICE, NULL, on_svc, out, err, errlen);
	for (i = 0; r == 0 && i < out->ns; i++) {
		r = dump(nl, IPVS_CMD_GET_DEST, &out->s[i], on_dest,
		    &out->s[i], err, errlen);
		/* Gone between the two dumps: someone else's change. */
		if (r == -ESRCH || r == -ENOENT) {
			char k[80];

			dir_err(err, errlen, -EAGAIN, "ipvs: service %s "
			    "went away while being read",
			    ipvs_svc_str(&out->s[i], k, sizeof(k)));
			r = -EAGAIN;
		}
	}
	if (r == -ENOMEM)
		dir_err(err, errlen, r, "out of memory");
	if (r < 0)
		ipvs_tab_free(out);
	return r;
}

int
ipvs_nl_flush(struct ipvs_nl *nl, char *err, size_t errlen)
{
	size_t len = 0;
	uint32_t seq, seq0 = nl->seq;
	int r, res = 0;

	if ((r = append(nl, &len, IPVS_CMD_FLUSH, NLM_F_ACK, NULL, NULL,
	    &seq)) < 0)
		return dir_err(err, errlen, r, "out of memory");
	if ((r = transact(nl, len, seq0, 1, &res, err, errlen)) < 0)
		return r;
	if (res < 0)
		return dir_err(err, errlen, res, "ipvs: flush: %s",
		    strerror(-res));
	return 0;
}

/* ---- timeouts ---- */

static int
put_timeouts(struct nl_msg *m, const void *arg)
{
	const struct dir_timeouts *t = arg;
	int r = 0;

	/* An absent attribute keeps the kernel's value; so would 0. */
	if (t->tcp != 0)
		r |= nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_TCP, t->tcp);
	if (t->tcp_fin != 0)
		r |= nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t->tcp_fin);
	if (t->udp != 0)
		r |= nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_UDP, t->udp);
	return r != 0 ? -ENOMEM : 0;
}

int
ipvs_nl_set_timeouts(struct ipvs_nl *nl, const struct dir_timeouts *t,
    char *err, size_t errlen)
{
	return request(nl, IPVS_CMD_SET_CONFIG, NLM_F_ACK, NULL, put_timeouts,
	    t, NULL, NULL, err, errlen);
}

static int
on_config(struct nlmsghdr *h, void *arg)
{
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	struct dir_timeouts *t = arg;

	if (genlmsg_parse(h, 0, tb, IPVS_CMD_ATTR_MAX, NULL) < 0)
		return -EPROTO;
	t->tcp = (uint32_t)get_num(tb[IPVS_CMD_ATTR_TIMEOUT_TCP]);
	t->tcp_fin = (uint32_t)get_num(tb[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN]);
	t->udp = (uint32_t)get_num(tb[IPVS_CMD_ATTR_TIMEOUT_UDP]);
	return 0;
}

int
ipvs_nl_get_timeouts(struct ipvs_nl *nl, struct dir_timeouts *t, char *err,
    size_t errlen)
{
	memset(t, 0, sizeof(*t));
	return request(nl, IPVS_CMD_GET_CONFIG, NLM_F_ACK, NULL, NULL, NULL,
	    on_config, t, err, errlen);
}

/* ---- the sync daemon ---- */

static int
put_daemon(struct nl_msg *m, const void *arg)
{
	const struct dir_sync_daemon *d = arg;
	struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_DAEMON);
	int r = 0;

	if (n == NULL)
		return -ENOMEM;
	r |= nla_put_u32(m, IPVS_DAEMON_ATTR_STATE, (uint32_t)d->role);
	/* DEL_DAEMON names the role only */
	if (d->ifname[0] != '\0') {
		r |= nla_put_string(m, IPVS_DAEMON_ATTR_MCAST_IFN, d->ifname);
		r |= nla_put_u32(m, IPVS_DAEMON_ATTR_SYNC_ID, d->syncid);
		if (d->maxlen != 0)
			r |= nla_put_u16(m, IPVS_DAEMON_ATTR_SYNC_MAXLEN,
			    d->maxlen);
		if (d->mcast_family == AF_INET)
			r |= nla_put(m, IPVS_DAEMON_ATTR_MCAST_GROUP, 4,
			    &d->mcast_group.v4);
		else if (d->mcast_family == AF_INET6)
			r |= nla_put(m, IPVS_DAEMON_ATTR_MCAST_GROUP6, 16,
			    &d->mcast_group.v6);
		if (d->mcast_port != 0)
			r |= nla_put_u16(m, IPVS_DAEMON_ATTR_MCAST_PORT,
			    htons(d->mcast_port));
		if (d->mcast_ttl != 0)
			r |= nla_put_u8(m, IPVS_DAEMON_ATTR_MCAST_TTL,
			    d->mcast_ttl);
	}
	nla_nest_end(m, n);
	return r != 0 ? -ENOMEM : 0;
}

int
ipvs_nl_daemon_start(struct ipvs_nl *nl, const struct dir_sync_daemon *d,
    char *err, size_t errlen)
{
	return request(nl, IPVS_CMD_NEW_DAEMON, NLM_F_ACK, NULL, put_daemon,
	    d, NULL, NULL, err, errlen);
}

int
ipvs_nl_daemon_stop(struct ipvs_nl *nl, enum dir_sync_role role, char *err,
    size_t errlen)
{
	struct dir_sync_daemon d = { .role = role };

	return request(nl, IPVS_CMD_DEL_DAEMON, NLM_F_ACK, NULL, put_daemon,
	    &d, NULL, NULL, err, errlen);
}

struct daemons {
	struct dir_sync_daemon	*d;
	size_t			 n;
};

static int
on_daemon(struct nlmsghdr *h, void *arg)
{
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	struct nlattr *a[IPVS_DAEMON_ATTR_MAX + 1];
	struct daemons *ds = arg;
	struct dir_sync_daemon *d;

	if (ds->n >= 2)
		return 0;
	if (genlmsg_parse(h, 0, tb, IPVS_CMD_ATTR_MAX, NULL) < 0 ||
	    tb[IPVS_CMD_ATTR_DAEMON] == NULL ||
	    nla_parse_nested(a, IPVS_DAEMON_ATTR_MAX,
	    tb[IPVS_CMD_ATTR_DAEMON], daemon_policy) < 0 ||
	    a[IPVS_DAEMON_ATTR_STATE] == NULL)
		return -EPROTO;
	d = &ds->d[ds->n++];
	memset(d, 0, sizeof(*d));
	d->role = (enum dir_sync_role)get_num(a[IPVS_DAEMON_ATTR_STATE]);
	if (a[IPVS_DAEMON_ATTR_MCAST_IFN] != NULL)
		nla_strlcpy(d->ifname, a[IPVS_DAEMON_ATTR_MCAST_IFN],
		    sizeof(d->ifname));
	d->syncid = (uint32_t)get_num(a[IPVS_DAEMON_ATTR_SYNC_ID]);
	if (a[IPVS_DAEMON_ATTR_SYNC_MAXLEN] != NULL)
		d->maxlen = nla_get_u16(a[IPVS_DAEMON_ATTR_SYNC_MAXLEN]);
	if (a[IPVS_DAEMON_ATTR_MCAST_GROUP6] != NULL &&
	    nla_len(a[IPVS_DAEMON_ATTR_MCAST_GROUP6]) >= 16) {
		d->mcast_family = AF_INET6;
		memcpy(&d->mcast_group.v6,
		    nla_data(a[IPVS_DAEMON_ATTR_MCAST_GROUP6]), 16);
	} else if (a[IPVS_DAEMON_ATTR_MCAST_GROUP] != NULL &&
	    nla_len(a[IPVS_DAEMON_ATTR_MCAST_GROUP]) >= 4) {
		d->mcast_family = AF_INET;
		memcpy(&d->mcast_group.v4,
		    nla_data(a[IPVS_DAEMON_ATTR_MCAST_GROUP]), 4);
	}
	if (a[IPVS_DAEMON_ATTR_MCAST_PORT] != NULL)
		d->mcast_port = ntohs(nla_get_u16(
		    a[IPVS_DAEMON_ATTR_MCAST_PORT]));
	if (a[IPVS_DAEMON_ATTR_MCAST_TTL] != NULL)
		d->mcast_ttl = nla_get_u8(a[IPVS_DAEMON_ATTR_MCAST_TTL]);
	return 0;
}

int
ipvs_nl_daemon_read(struct ipvs_nl *nl, struct dir_sync_daemon out[2],
    size_t *n, char *err, size_t errlen)
{
	struct daemons ds = { out, 0 };
	int r;

	r = dump(nl, IPVS_CMD_GET_DAEMON, NULL, on_daemon, &ds, err, errlen);
	if (r == -EPROTO)
		dir_err(err, errlen, r, "ipvs: read sync daemons: an answer "
		    "without a state");
	*n = r < 0 ? 0 : ds.n;
	return r;
}

void
ipvs_tab_free(struct ipvs_tab *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ns; i++)
		free(t->s[i].d);
	free(t->s);
	t->s = NULL;
	t->ns = 0;
}

const char *
ipvs_svc_str(const struct ipvs_svc *s, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	const char *p = s->proto == IPPROTO_UDP ? "udp" :
	    s->proto == IPPROTO_TCP ? "tcp" :
	    s->proto == IPPROTO_SCTP ? "sctp" : "proto?";

	if (s->fwmark != 0) {
		snprintf(buf, len, "fwmark/%u%s", s->fwmark,
		    s->af == AF_INET6 ? "/ipv6" : "");
		return buf;
	}
	dir_addr_str(s->af, &s->addr, a, sizeof(a));
	snprintf(buf, len, s->af == AF_INET6 ? "%s/[%s]:%u" : "%s/%s:%u", p,
	    a, s->port);
	return buf;
}

const char *
ipvs_op_str(const struct ipvs_op *op, int undo, char *buf, size_t len)
{
	static const char *const what[] = {
		[IPVS_CMD_NEW_SERVICE] = "add service",
		[IPVS_CMD_SET_SERVICE] = "change service",
		[IPVS_CMD_DEL_SERVICE] = "delete service",
		[IPVS_CMD_NEW_DEST] = "add real",
		[IPVS_CMD_SET_DEST] = "change real",
		[IPVS_CMD_DEL_DEST] = "delete real",
	};
	uint8_t cmd = undo ? op->ucmd : op->cmd;
	const struct ipvs_svc *s = undo ? op->us : op->s;
	const struct ipvs_dest *d = undo ? op->ud : op->d;
	char k[80], a[INET6_ADDRSTRLEN];
	const char *w = cmd < sizeof(what) / sizeof(what[0]) &&
	    what[cmd] != NULL ? what[cmd] : "command";

	ipvs_svc_str(s, k, sizeof(k));
	if (d == NULL)
		snprintf(buf, len, "%s %s", w, k);
	else
		snprintf(buf, len, d->af == AF_INET6 ? "service %s: %s "
		    "[%s]:%u" : "service %s: %s %s:%u", k, w,
		    dir_addr_str(d->af, &d->addr, a, sizeof(a)), d->port);
	return buf;
}

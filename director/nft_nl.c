/*
 * director/nft_nl.c - nf_tables netlink plumbing for the nft backend.
 *
 * libnftnl encodes objects, libmnl frames messages; this file keeps one
 * growing buffer per batch so a change set of any size goes to the kernel
 * in one sendmsg() = one transaction, and turns the kernel's error for one
 * message back into the text of what that message was doing.
 *
 * Not libnftables: it re-reads the whole ruleset of the netns before every
 * command (95 ms per weight change at 1,000 services, notes/nft.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/table.h>

#include "director/dir_int.h"
#include "director/nft_int.h"


int
nft_nl_open(struct nft_nl *n, char *err, size_t errlen)
{
	int one = 1;

	memset(n, 0, sizeof(*n));
	n->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (n->nl == NULL)
		return dir_err(err, errlen, -errno, "nft: netlink socket: %s",
		    strerror(errno));
	if (mnl_socket_bind(n->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(n->nl);
		n->nl = NULL;
		return dir_err(err, errlen, -e, "nft: netlink bind: %s",
		    strerror(e));
	}
	/* The kernel's text for a failure, when it has one. */
	mnl_socket_setsockopt(n->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	n->portid = mnl_socket_get_portid(n->nl);
	n->seq = (uint32_t)time(NULL);
	return 0;
}

void
nft_nl_close(struct nft_nl *n)
{
	if (n->nl != NULL)
		mnl_socket_close(n->nl);
	n->nl = NULL;
}

/* ---- batch ---- */

static int
batch_reserve(struct nft_batch *b, size_t need)
{
	size_t cap;
	char *p;

	if (b->nomem)
		return -1;
	if (b->len + need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 65536;
	while (cap < b->len + need)
		cap *= 2;
	p = realloc(b->buf, cap);
	if (p == NULL) {
		b->nomem = 1;
		return -1;
	}
	/* Clear the new room: some libnftnl builders leave padding. */
	memset(p + b->cap, 0, cap - b->cap);
	b->buf = p;
	b->cap = cap;
	return 0;
}

void
nft_batch_init(struct nft_batch *b, struct nft_nl *n)
{
	memset(b, 0, sizeof(*b));
	b->seq0 = n->seq;
	n->seq += 1 << 20;	/* room for the batch's messages */
	if (batch_reserve(b, MSG_SMALL) == 0)
		b->len = MNL_ALIGN(nftnl_batch_begin(b->buf, b->seq0)->
		    nlmsg_len);
	b->first = b->len;
}

void
nft_batch_free(struct nft_batch *b)
{
	free(b->buf);
	free(b->what);
	memset(b, 0, sizeof(*b));
}

struct nlmsghdr *
nft_batch_msg(struct nft_batch *b, uint16_t type, uint16_t flags, size_t size,
    const char *fmt, ...)
{
	struct nlmsghdr *nlh;
	va_list ap;

	if (batch_reserve(b, size) < 0)
		return NULL;
	if (b->nmsg + 1 > b->capwhat) {
		size_t c = b->capwhat ? b->capwhat * 2 : 256;
		struct nft_what *w = realloc(b->what, c * sizeof(*w));

		if (w == NULL) {
			b->nomem = 1;
			return NULL;
		}
		b->what = w;
		b->capwhat = c;
	}
	va_start(ap, fmt);
	vsnprintf(b->what[b->nmsg].text, sizeof(b->what[b->nmsg].text), fmt,
	    ap);
	va_end(ap);
	b->nmsg++;
	nlh = nftnl_nlmsg_build_hdr(b->buf + b->len, type, NFPROTO_INET,
	    flags, b->seq0 + b->nmsg);
	return nlh;
}

void
nft_batch_done(struct nft_batch *b, struct nlmsghdr *nlh)
{
	b->len += MNL_ALIGN(nlh->nlmsg_len);
}

/*
 * Does buf[0..len) hold whole netlink messages?  libmnl's mnl_nlmsg_ok()
 * compares the length as an int: a header claiming 2^31 bytes or more
 * passes it and mnl_cb_run() walks off the buffer.  The kernel never
 * sends one; an answer that does is refused before libmnl sees it.
 */
static int
msgs_ok(const char *buf, size_t len)
{
	size_t off = 0;

	while (len - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		size_t step;

		memcpy(&h, buf + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
			return 0;
		step = ((size_t)h.nlmsg_len + 3) & ~(size_t)3;
		off += step < len - off ? step : len - off;
	}
	return 1;
}

/*
 * Read what the kernel said about the batch.  nfnetlink runs the whole
 * batch inside our sendmsg(), so every answer is queued when it returns:
 * read without blocking until the queue is empty.
 */
static int
batch_answers(struct nft_nl *n, struct nft_batch *b, uint32_t last,
    char *err, size_t errlen)
{
	char buf[16384];
	int first = 0, acked = 0;
	ssize_t r;

	for (;;) {
		struct nlmsghdr *nlh;
		int len;

		r = recv(mnl_socket_get_fd(n->nl), buf, sizeof(buf),
		    MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (first == 0)
				first = dir_err(err, errlen, -errno,
				    "nft: reading the kernel's answer: %s",
				    strerror(errno));
			break;
		}
		len = (int)r;
		if (!msgs_ok(buf, (size_t)r)) {
			if (first == 0)
				first = dir_err(err, errlen, -EPROTO,
				    "nft: a malformed answer from the kernel");
			continue;
		}
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		    nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e;
			const char *what = "batch", *ktext = NULL;
			uint32_t i;

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error == 0) {
				if (nlh->nlmsg_seq == last)
					acked = 1;
				continue;
			}
			if (first != 0)
				continue;
			i = nlh->nlmsg_seq - b->seq0;
			if (i >= 1 && i <= b->nmsg)
				what = b->what[i - 1].text;
			if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
				const struct nlattr *a;
				size_t off = sizeof(*e);

				if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len -
					    sizeof(struct nlmsghdr);
				mnl_attr_for_each(a, nlh, off)
					if (mnl_attr_get_type(a) ==
					    NLMSGERR_ATTR_MSG)
						ktext = mnl_attr_get_str(a);
			}
			first = dir_err(err, errlen, e->error, "nft: %s: %s%s%s",
			    what, strerror(-e->error), ktext ? ": " : "",
			    ktext ? ktext : "");
		}
	}
	if (first != 0)
		return first;
	if (!acked)
		return dir_err(err, errlen, -EIO, "nft: the kernel did not "
		    "acknowledge the batch");
	return 0;
}

int
nft_batch_send(struct nft_nl *n, struct nft_batch *b, char *err,
    size_t errlen)
{
	struct nlmsghdr *last;
	size_t off;
	int sz;

	if (b->nomem)
		return dir_err(err, errlen, -ENOMEM, "nft: out of memory "
		    "building the batch");
	if (b->nmsg == 0)
		return 0;
	/* Ask for an ack of the last message only: errors come anyway,
	 * and one ack per message could overrun the receive buffer. */
	last = NULL;
	for (off = b->first; off < b->len; off += MNL_ALIGN(last->nlmsg_len))
		last = (struct nlmsghdr *)(b->buf + off);
	last->nlmsg_flags |= NLM_F_ACK;
	if (batch_reserve(b, MSG_SMALL) < 0)
		return dir_err(err, errlen, -ENOMEM, "nft: out of memory");
	b->len += MNL_ALIGN(nftnl_batch_end(b->buf + b->len,
	    b->seq0 + b->nmsg + 1)->nlmsg_len);

	/* The kernel refuses a message larger than the send buffer. */
	sz = (int)(b->len + 65536);
	if (setsockopt(mnl_socket_get_fd(n->nl), SOL_SOCKET, SO_SNDBUFFORCE,
	    &sz, sizeof(sz)) < 0)
		setsockopt(mnl_socket_get_fd(n->nl), SOL_SOCKET, SO_SNDBUF,
		    &sz, sizeof(sz));
	if (mnl_socket_sendto(n->nl, b->buf, b->len) < 0)
		return dir_err(err, errlen, -errno, "nft: sending a batch of "
		    "%zu bytes: %s", b->len, strerror(errno));
	return batch_answers(n, b, b->seq0 + b->nmsg, err, errlen);
}

/* ---- dumps ---- */

struct dump_ctx {
	int		(*parse)(const struct nlmsghdr *nlh, struct dump_ctx *d);
	void		*cb;
	void		*arg;
	const char	*table;
	int		 rc;
};

static int
dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;

	if (d->rc != 0)
		return MNL_CB_OK;
	d->rc = d->parse(nlh, d);
	return MNL_CB_OK;
}

static int
dump_run(struct nft_nl *n, struct nlmsghdr *nlh, struct dump_ctx *d,
    const char *what, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	uint32_t seq = nlh->nlmsg_seq;
	int r;

	if (mnl_socket_sendto(n->nl, nlh, nlh->nlmsg_len) < 0)
		return dir_err(err, errlen, -errno, "nft: %s: %s", what,
		    strerror(errno));
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(n->nl, buf, sizeof(buf));

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return dir_err(err, errlen, -errno, "nft: %s: %s",
			    what, strerror(errno));
		}
		if (!msgs_ok(buf, (size_t)len))
			return dir_err(err, errlen, -EPROTO, "nft: %s: a "
			    "malformed answer from the kernel", what);
		r = mnl_cb_run(buf, (size_t)len, seq, n->portid, dump_cb, d);
		if (r < 0) {
			int e = errno;

			/* The rest of a failed dump may still be queued;
			 * a failed dump answers with one error only. */
			return dir_err(err, errlen, -e, "nft: %s: %s", what,
			    strerror(e));
		}
		if (r == MNL_CB_STOP)
			break;
	}
	if (d->rc != 0)
		return dir_err(err, errlen, d->rc, "nft: %s: %s", what,
		    strerror(-d->rc));
	return 0;
}

/* An expression names its kind (libnftnl 1.2.4 strcmp()s the name of a
 * set's expression without looking whether there is one). */
static int
expr_ok(const struct nlattr *expr)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, expr)
		if (mnl_attr_get_type(a) == NFTA_EXPR_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			return 1;
	return 0;
}

static int
set_ok(const struct nlmsghdr *nlh)
{
	const struct nlattr *a, *x;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) == NFTA_SET_EXPR && !expr_ok(a))
			return 0;
		if (mnl_attr_get_type(a) == NFTA_SET_EXPRESSIONS)
			mnl_attr_for_each_nested(x, a)
				if (!expr_ok(x))
					return 0;
	}
	return 1;
}

static int
parse_set(const struct nlmsghdr *nlh, struct dump_ctx *d)
{
	struct nftnl_set *s = nftnl_set_alloc();
	int r;

	if (s == NULL)
		return -ENOMEM;
	if (!set_ok(nlh) || nftnl_set_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return -EINVAL;
	}
	r = ((nft_set_cb)d->cb)(nftnl_set_get_str(s, NFTNL_SET_NAME),
	    nftnl_set_get_u32(s, NFTNL_SET_FLAGS), d->arg);
	nftnl_set_free(s);
	return r;
}

int
nft_dump_sets(struct nft_nl *n, const char *table, nft_set_cb cb, void *arg,
    char *err, size_t errlen)
{
	char buf[MSG_SMALL];
	struct nftnl_set *s;
	struct nlmsghdr *nlh;
	struct dump_ctx d = { parse_set, (void *)cb, arg, table, 0 };

	s = nftnl_set_alloc();
	if (s == NULL)
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_INET,
	    NLM_F_DUMP | NLM_F_ACK, ++n->seq);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return dump_run(n, nlh, &d, "listing sets", err, errlen);
}

static int
parse_chain(const struct nlmsghdr *nlh, struct dump_ctx *d)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	const char *t;
	int r = 0;

	if (c == NULL)
		return -ENOMEM;
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0) {
		nftnl_chain_free(c);
		return -EINVAL;
	}
	t = nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE);
	if (d->table == NULL || (t != NULL && strcmp(t, d->table) == 0))
		r = ((nft_chain_cb)d->cb)(t,
		    nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), d->arg);
	nftnl_chain_free(c);
	return r;
}

int
nft_dump_chains(struct nft_nl *n, const char *table, nft_chain_cb cb,
    void *arg, char *err, size_t errlen)
{
	char buf[MSG_SMALL];
	struct nlmsghdr *nlh;
	struct dump_ctx d = { parse_chain, (void *)cb, arg, table, 0 };

	/* A chain dump filtered by table needs a newer kernel ABI than we
	 * can count on; dump the family and filter here. */
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_INET,
	    NLM_F_DUMP | NLM_F_ACK, ++n->seq);
	return dump_run(n, nlh, &d, "listing chains", err, errlen);
}

/* A jump/goto verdict names its chain (a NUL-terminated string). */
static int
verdict_ok(const struct nlattr *verdict)
{
	const struct nlattr *v;
	uint32_t code = 0;
	int chain = 0;

	mnl_attr_for_each_nested(v, verdict) {
		if (mnl_attr_get_type(v) == NFTA_VERDICT_CODE &&
		    mnl_attr_get_payload_len(v) >= sizeof(uint32_t))
			code = ntohl(mnl_attr_get_u32(v));
		if (mnl_attr_get_type(v) == NFTA_VERDICT_CHAIN &&
		    mnl_attr_validate(v, MNL_TYPE_NUL_STRING) == 0)
			chain = 1;
	}
	return chain || (code != (uint32_t)NFT_JUMP &&
	    code != (uint32_t)NFT_GOTO);
}

/*
 * libnftnl 1.2.4 strdup()s the chain of an element's jump or goto verdict
 * without looking whether there is one (a SEGV in the daemon on a
 * malformed dump): look first.
 */
static int
elems_ok(const struct nlmsghdr *nlh)
{
	const struct nlattr *a, *el, *x, *dv;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(el, a)
			mnl_attr_for_each_nested(x, el) {
				if (mnl_attr_get_type(x) != NFTA_SET_ELEM_DATA)
					continue;
				mnl_attr_for_each_nested(dv, x)
					if (mnl_attr_get_type(dv) ==
					    NFTA_DATA_VERDICT &&
					    !verdict_ok(dv))
						return 0;
			}
	}
	return 1;
}

static int
parse_elems(const struct nlmsghdr *nlh, struct dump_ctx *d)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *el;
	int r = 0;

	if (s == NULL)
		return -ENOMEM;
	if (!elems_ok(nlh) || nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return -EINVAL;
	}
	it = nftnl_set_elems_iter_create(s);
	if (it == NULL) {
		nftnl_set_free(s);
		return -ENOMEM;
	}
	/* iter_next() returns the current element, then moves on. */
	while (r == 0 && (el = nftnl_set_elems_iter_next(it)) != NULL)
		r = ((nft_elem_cb)d->cb)(el, d->arg);
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return r;
}

int
nft_dump_elems(struct nft_nl *n, const char *table, const char *set,
    nft_elem_cb cb, void *arg, char *err, size_t errlen)
{
	char buf[MSG_SMALL], what[64];
	struct nftnl_set *s;
	struct nlmsghdr *nlh;
	struct dump_ctx d = { parse_elems, (void *)cb, arg, table, 0 };

	s = nftnl_set_alloc();
	if (s == NULL)
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET,
	    NLM_F_DUMP | NLM_F_ACK, ++n->seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	snprintf(what, sizeof(what), "listing set %s", set);
	return dump_run(n, nlh, &d, what, err, errlen);
}

static int
probe_table(const struct nlmsghdr *nlh, struct dump_ctx *d)
{
	return 0;
}

int
nft_probe(struct nft_nl *n, char *err, size_t errlen)
{
	char buf[MSG_SMALL];
	struct nlmsghdr *nlh;
	struct dump_ctx d = { probe_table, NULL, NULL, NULL, 0 };

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET,
	    NLM_F_DUMP | NLM_F_ACK, ++n->seq);
	return dump_run(n, nlh, &d, "listing tables (is nf_tables there?)",
	    err, errlen);
}

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

/* Room reserved per message kind; libnftnl writes without bounds checks,
 * so these are generous upper bounds. */
#define MSG_SMALL	512
#define MSG_RULE	2048
#define ELEMS_PER_MSG	128
#define ELEM_ROOM	192

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

static struct nlmsghdr *
batch_msg(struct nft_batch *b, uint16_t type, uint16_t flags, size_t size,
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

static void
batch_done(struct nft_batch *b, struct nlmsghdr *nlh)
{
	b->len += MNL_ALIGN(nlh->nlmsg_len);
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

/* ---- objects ---- */

void
nft_add_table(struct nft_batch *b, const char *table)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (t == NULL) {
		b->nomem = 1;
		return;
	}
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nlh = batch_msg(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, MSG_SMALL,
	    "add table inet %s", table);
	if (nlh != NULL) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		batch_done(b, nlh);
	}
	nftnl_table_free(t);
}

void
nft_del_table(struct nft_batch *b, const char *table)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (t == NULL) {
		b->nomem = 1;
		return;
	}
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nlh = batch_msg(b, NFT_MSG_DELTABLE, 0, MSG_SMALL,
	    "delete table inet %s", table);
	if (nlh != NULL) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		batch_done(b, nlh);
	}
	nftnl_table_free(t);
}

static struct nftnl_chain *
chain_obj(struct nft_batch *b, const char *table, const char *name)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (c == NULL) {
		b->nomem = 1;
		return NULL;
	}
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	return c;
}

void
nft_add_chain(struct nft_batch *b, const char *table, const char *name,
    int hook, int prio, const char *type)
{
	struct nftnl_chain *c = chain_obj(b, table, name);
	struct nlmsghdr *nlh;

	if (c == NULL)
		return;
	if (hook >= 0) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = batch_msg(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, MSG_SMALL,
	    "add chain %s %s", table, name);
	if (nlh != NULL) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		batch_done(b, nlh);
	}
	nftnl_chain_free(c);
}

void
nft_del_chain(struct nft_batch *b, const char *table, const char *name)
{
	struct nftnl_chain *c = chain_obj(b, table, name);
	struct nlmsghdr *nlh;

	if (c == NULL)
		return;
	nlh = batch_msg(b, NFT_MSG_DELCHAIN, 0, MSG_SMALL,
	    "delete chain %s %s", table, name);
	if (nlh != NULL) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		batch_done(b, nlh);
	}
	nftnl_chain_free(c);
}

void
nft_flush_chain(struct nft_batch *b, const char *table, const char *name)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (r == NULL) {
		b->nomem = 1;
		return;
	}
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, name);
	nlh = batch_msg(b, NFT_MSG_DELRULE, 0, MSG_SMALL, "flush chain %s %s",
	    table, name);
	if (nlh != NULL) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		batch_done(b, nlh);
	}
	nftnl_rule_free(r);
}

void
nft_add_rule(struct nft_batch *b, struct nftnl_rule *r)
{
	struct nlmsghdr *nlh;

	if (r == NULL || !nftnl_rule_is_set(r, NFTNL_RULE_CHAIN)) {
		b->nomem = 1;
		if (r != NULL)
			nftnl_rule_free(r);
		return;
	}
	nlh = batch_msg(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
	    MSG_RULE, "add rule to chain %s",
	    nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	if (nlh != NULL) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		batch_done(b, nlh);
	}
	nftnl_rule_free(r);
}

void
nft_add_set(struct nft_batch *b, struct nftnl_set *s)
{
	struct nlmsghdr *nlh;

	if (s == NULL) {
		b->nomem = 1;
		return;
	}
	/* The kernel requires a set id, unique within the batch. */
	nftnl_set_set_u32(s, NFTNL_SET_ID, b->nmsg + 1);
	nlh = batch_msg(b, NFT_MSG_NEWSET, NLM_F_CREATE, MSG_SMALL,
	    "add set %s", nftnl_set_get_str(s, NFTNL_SET_NAME));
	if (nlh != NULL) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		batch_done(b, nlh);
	}
	nftnl_set_free(s);
}

static struct nftnl_set *
set_obj(struct nft_batch *b, const char *table, const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (s == NULL) {
		b->nomem = 1;
		return NULL;
	}
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	return s;
}

void
nft_del_set(struct nft_batch *b, const char *table, const char *name)
{
	struct nftnl_set *s = set_obj(b, table, name);
	struct nlmsghdr *nlh;

	if (s == NULL)
		return;
	nlh = batch_msg(b, NFT_MSG_DELSET, 0, MSG_SMALL, "delete set %s",
	    name);
	if (nlh != NULL) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		batch_done(b, nlh);
	}
	nftnl_set_free(s);
}

/* DELSETELEM without an element list = flush the set (kernel semantics). */
void
nft_flush_set(struct nft_batch *b, const char *table, const char *name)
{
	struct nftnl_set *s = set_obj(b, table, name);
	struct nlmsghdr *nlh;

	if (s == NULL)
		return;
	nlh = batch_msg(b, NFT_MSG_DELSETELEM, 0, MSG_SMALL, "flush set %s",
	    name);
	if (nlh != NULL) {
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		batch_done(b, nlh);
	}
	nftnl_set_free(s);
}

/* ---- elements ---- */

static void
elems_flush(struct nft_elems *e)
{
	struct nlmsghdr *nlh;

	if (e->s == NULL)
		return;
	nlh = batch_msg(e->b, e->type,
	    e->type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0,
	    e->n * ELEM_ROOM + MSG_SMALL, "%s %zu elements %s %s",
	    e->type == NFT_MSG_NEWSETELEM ? "add" : "delete", e->n,
	    e->type == NFT_MSG_NEWSETELEM ? "to" : "from", e->set);
	if (nlh != NULL) {
		nftnl_set_elems_nlmsg_build_payload(nlh, e->s);
		batch_done(e->b, nlh);
	}
	nftnl_set_free(e->s);
	e->s = NULL;
	e->n = 0;
}

void
nft_elems_begin(struct nft_elems *e, struct nft_batch *b, uint16_t type,
    const char *set)
{
	e->b = b;
	e->type = type;
	e->set = set;
	e->s = NULL;
	e->n = 0;
}

void
nft_elems_add(struct nft_elems *e, struct nftnl_set_elem *el)
{
	if (el == NULL) {
		e->b->nomem = 1;
		return;
	}
	if (e->s == NULL) {
		e->s = set_obj(e->b, NFT_TABLE, e->set);
		if (e->s == NULL) {
			nftnl_set_elem_free(el);
			return;
		}
	}
	nftnl_set_elem_add(e->s, el);
	if (++e->n == ELEMS_PER_MSG)
		elems_flush(e);
}

void
nft_elems_end(struct nft_elems *e)
{
	elems_flush(e);
}

struct nftnl_set_elem *
nft_elem(const void *key, size_t klen, const void *data, size_t dlen)
{
	struct nftnl_set_elem *el = nftnl_set_elem_alloc();

	if (el == NULL)
		return NULL;
	nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, key, (uint32_t)klen);
	if (data != NULL)
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_DATA, data,
		    (uint32_t)dlen);
	return el;
}

struct nftnl_set_elem *
nft_elem_u32(uint32_t key, uint32_t data)
{
	return nft_elem(&key, sizeof(key), &data, sizeof(data));
}

struct nftnl_set_elem *
nft_elem_goto(const void *key, size_t klen, const char *chain)
{
	struct nftnl_set_elem *el = nft_elem(key, klen, NULL, 0);

	if (el == NULL)
		return NULL;
	nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_VERDICT, NFT_GOTO);
	nftnl_set_elem_set_str(el, NFTNL_SET_ELEM_CHAIN, chain);
	return el;
}

struct nftnl_set_elem *
nft_elem_end(uint32_t key_be)
{
	struct nftnl_set_elem *el = nft_elem(&key_be, 4, NULL, 0);

	if (el == NULL)
		return NULL;
	nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_FLAGS,
	    NFT_SET_ELEM_INTERVAL_END);
	return el;
}

/* ---- rule expressions ---- */

struct nftnl_rule *
nft_rule(const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (r == NULL)
		return NULL;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	return r;
}

/* A rule short of one expression must never load: when one cannot be
 * allocated the rule loses its chain, and nft_add_rule() then fails the
 * whole batch with ENOMEM. */
static struct nftnl_expr *
expr(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e;

	if (r == NULL)
		return NULL;
	e = nftnl_expr_alloc(name);
	if (e == NULL) {
		nftnl_rule_unset(r, NFTNL_RULE_CHAIN);
		return NULL;
	}
	nftnl_rule_add_expr(r, e);
	return e;
}

void
nft_e_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "meta");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
}

void
nft_e_cmp8(struct nftnl_rule *r, uint32_t sreg, uint8_t v)
{
	struct nftnl_expr *e = expr(r, "cmp");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &v, 1);
}

void
nft_e_payload(struct nftnl_rule *r, uint32_t base, uint32_t off,
    uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "payload");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
}

void
nft_e_ct_load(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "ct");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
}

void
nft_e_ct_set(struct nftnl_rule *r, uint32_t key, uint32_t sreg)
{
	struct nftnl_expr *e = expr(r, "ct");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, sreg);
}

void
nft_e_lookup(struct nftnl_rule *r, uint32_t sreg, int dreg, const char *set)
{
	struct nftnl_expr *e = expr(r, "lookup");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	if (dreg >= 0)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, (uint32_t)dreg);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
}

void
nft_e_numgen(struct nftnl_rule *r, uint32_t type, uint32_t mod,
    uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "numgen");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_NG_DREG, dreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NG_TYPE, type);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NG_MODULUS, mod);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NG_OFFSET, 0);
}

void
nft_e_jhash(struct nftnl_rule *r, uint32_t sreg, uint32_t len, uint32_t mod,
    uint32_t seed, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "hash");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_TYPE, NFT_HASH_JENKINS);
	nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_DREG, dreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_MODULUS, mod);
	nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_SEED, seed);
	nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_OFFSET, 0);
}

/* Interval sets compare keys as big-endian bytes; numgen and hash give a
 * host-order u32, so swap it before the lookup (what nft emits too). */
void
nft_e_hton32(struct nftnl_rule *r, uint32_t reg)
{
	struct nftnl_expr *e = expr(r, "byteorder");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, 4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, 4);
}

void
nft_e_goto(struct nftnl_rule *r, const char *chain)
{
	struct nftnl_expr *e = expr(r, "immediate");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NFT_GOTO);
	nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
}

void
nft_e_verdict(struct nftnl_rule *r, int verdict)
{
	struct nftnl_expr *e = expr(r, "immediate");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
}

void
nft_e_dnat(struct nftnl_rule *r, int family, uint32_t reg_addr,
    uint32_t reg_proto)
{
	struct nftnl_expr *e = expr(r, "nat");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY,
	    family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, reg_addr);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, reg_proto);
}

void
nft_e_reject(struct nftnl_rule *r, uint32_t type, uint8_t code)
{
	struct nftnl_expr *e = expr(r, "reject");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, type);
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, code);
}

/* "ct state new counter": the anchor's rule, whose only job is to hold a
 * conntrack reference in this netns (notes/nft.md section 5). */
void
nft_e_ct_state_new_counter(struct nftnl_rule *r)
{
	uint32_t mask = 0x08, zero = 0;	/* ct state bit of "new" */
	struct nftnl_expr *e;

	nft_e_ct_load(r, NFT_CT_STATE, NFT_REG_1);
	e = expr(r, "bitwise");
	if (e != NULL) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
	}
	e = expr(r, "cmp");
	if (e != NULL) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_NEQ);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &zero, 4);
	}
	expr(r, "counter");
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

static int
parse_set(const struct nlmsghdr *nlh, struct dump_ctx *d)
{
	struct nftnl_set *s = nftnl_set_alloc();
	int r;

	if (s == NULL)
		return -ENOMEM;
	if (nftnl_set_nlmsg_parse(nlh, s) < 0) {
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

static int
parse_elems(const struct nlmsghdr *nlh, struct dump_ctx *d)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *el;
	int r = 0;

	if (s == NULL)
		return -ENOMEM;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
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

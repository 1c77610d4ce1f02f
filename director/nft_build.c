/*
 * director/nft_build.c - small builders for the nft backend's batches:
 * tables, chains, sets, elements (cut into bounded messages) and the rule
 * expressions the table uses.  Each appends one message to a batch, with
 * a description that an error message can quote.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/table.h>

#include "director/nft_int.h"

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
	nlh = nft_batch_msg(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, MSG_SMALL,
	    "add table inet %s", table);
	if (nlh != NULL) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		nft_batch_done(b, nlh);
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
	nlh = nft_batch_msg(b, NFT_MSG_DELTABLE, 0, MSG_SMALL,
	    "delete table inet %s", table);
	if (nlh != NULL) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		nft_batch_done(b, nlh);
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
	nlh = nft_batch_msg(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, MSG_SMALL,
	    "add chain %s %s", table, name);
	if (nlh != NULL) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nft_batch_done(b, nlh);
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
	nlh = nft_batch_msg(b, NFT_MSG_DELCHAIN, 0, MSG_SMALL,
	    "delete chain %s %s", table, name);
	if (nlh != NULL) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nft_batch_done(b, nlh);
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
	nlh = nft_batch_msg(b, NFT_MSG_DELRULE, 0, MSG_SMALL, "flush chain %s %s",
	    table, name);
	if (nlh != NULL) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nft_batch_done(b, nlh);
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
	nlh = nft_batch_msg(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
	    MSG_RULE, "add rule to chain %s",
	    nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	if (nlh != NULL) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nft_batch_done(b, nlh);
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
	nlh = nft_batch_msg(b, NFT_MSG_NEWSET, NLM_F_CREATE, MSG_SMALL,
	    "add set %s", nftnl_set_get_str(s, NFTNL_SET_NAME));
	if (nlh != NULL) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		nft_batch_done(b, nlh);
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
	nlh = nft_batch_msg(b, NFT_MSG_DELSET, 0, MSG_SMALL, "delete set %s",
	    name);
	if (nlh != NULL) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		nft_batch_done(b, nlh);
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
	nlh = nft_batch_msg(b, NFT_MSG_DELSETELEM, 0, MSG_SMALL, "flush set %s",
	    name);
	if (nlh != NULL) {
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nft_batch_done(b, nlh);
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
	nlh = nft_batch_msg(e->b, e->type,
	    e->type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0,
	    e->n * ELEM_ROOM + MSG_SMALL, "%s %zu elements %s %s",
	    e->type == NFT_MSG_NEWSETELEM ? "add" : "delete", e->n,
	    e->type == NFT_MSG_NEWSETELEM ? "to" : "from", e->set);
	if (nlh != NULL) {
		nftnl_set_elems_nlmsg_build_payload(nlh, e->s);
		nft_batch_done(e->b, nlh);
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

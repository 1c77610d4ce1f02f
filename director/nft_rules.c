/*
 * director/nft_rules.c - the shape of table inet lvsmon: checks of what
 * nft can do, the sets and rules, the slots of a service's map, and the
 * one batch that makes the kernel hold a whole table (sync).  The picture
 * is in director/nft.c and director/README.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/expr.h>
#include <libnftnl/udata.h>

#include "director/dir_int.h"
#include "director/nft_int.h"

/* nft's datatypes and the bits of its set userdata (nft 1.0.6), so that
 * `nft list table inet lvsmon` prints our sets as nft itself would. */
#define T_INTEGER	4
#define T_IPADDR	7
#define T_IP6ADDR	8
#define T_INET_PROTO	12
#define T_INET_SERVICE	13
#define T_MARK		19
#define T_CONCAT2(a, b)		(((a) << 6) | (b))
#define T_CONCAT3(a, b, c)	(((a) << 12) | ((b) << 6) | (c))
#define BO_INVALID	0
#define BO_HOST		1
#define NFT_ETYPE_CT	12
#define NFT_ETYPE_NUMGEN 23

const char *const nft_sched_names[4] = { "?", "wrr", "rr", "sh" };

void
nft_sort(void *base, size_t n, size_t sz,
    int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, sz, cmp);
}

void *
nft_search(const void *key, const void *base, size_t n, size_t sz,
    int (*cmp)(const void *, const void *))
{
	return n > 0 ? bsearch(key, base, n, sz, cmp) : NULL;
}

/* ---- checks ---- */

int
nft_sched_of(const char *name)
{
	if (name[0] == '\0' || strcmp(name, "wrr") == 0)
		return SCHED_WRR;
	if (strcmp(name, "rr") == 0)
		return SCHED_RR;
	if (strcmp(name, "sh") == 0)
		return SCHED_SH;
	return -1;
}

int
nft_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
check_service(const struct dir_service *s, char *err, size_t errlen)
{
	char key[80], a[INET6_ADDRSTRLEN];
	size_t j;

	dir_svc_key(s, key, sizeof(key));
	if (s->fwmark != 0)
		return dir_err(err, errlen, -EOPNOTSUPP, "service %s: fwmark "
		    "services are not supported by the nft backend", key);
	if (s->family != AF_INET && s->family != AF_INET6)
		return dir_err(err, errlen, -EINVAL, "service %s: address "
		    "family %d is neither IPv4 nor IPv6", key, s->family);
	if (s->proto != IPPROTO_TCP && s->proto != IPPROTO_UDP)
		return dir_err(err, errlen, -EOPNOTSUPP, "service %s: protocol "
		    "%d is not supported by the nft backend (tcp, udp)", key,
		    s->proto);
	if (s->id > DIR_ID_MAX)
		return dir_err(err, errlen, -EINVAL, "service %s: id %u above "
		    "%u", key, s->id, DIR_ID_MAX);
	if (nft_sched_of(s->sched) < 0)
		return dir_err(err, errlen, -EOPNOTSUPP, "service %s: scheduler "
		    "%.16s is not supported by the nft backend (use rr, wrr, "
		    "sh)", key, s->sched);
	if (s->fwd == DIR_FWD_DR)
		return dir_err(err, errlen, -EOPNOTSUPP, "service %s: "
		    "forwarding dr is not supported by the nft backend (nat "
		    "only; direct routing needs the ipvs backend)", key);
	if (s->fwd == DIR_FWD_TUN)
		return dir_err(err, errlen, -EOPNOTSUPP, "service %s: "
		    "forwarding tun is not supported by the nft backend (nft "
		    "cannot encapsulate; nat only)", key);
	if (s->fwd != DIR_FWD_NAT)
		return dir_err(err, errlen, -EINVAL, "service %s: unknown "
		    "forwarding method %d", key, (int)s->fwd);
	/* IPVS features with no nft shape here: refused, not ignored, so
	 * that a table never means less than it says. */
	if (s->persist != 0 || s->persist_plen != 0)
		return dir_err(err, errlen, -EOPNOTSUPP, "service %s: "
		    "persistence is not supported by the nft backend (needs "
		    "ipvs)", key);
	if (s->flags & DIR_SVC_ONEPACKET)
		return dir_err(err, errlen, -EOPNOTSUPP, "service %s: "
		    "one-packet scheduling is not supported by the nft "
		    "backend (needs ipvs)", key);
	if (s->flags != 0)
		return dir_err(err, errlen, -EOPNOTSUPP, "service %s: "
		    "scheduler flags are not supported by the nft backend "
		    "(needs ipvs)", key);
	if (nft_sched_of(s->sched) == SCHED_RR && s->nreals > RR_CAP)
		return dir_err(err, errlen, -EOPNOTSUPP, "service %s: rr on "
		    "nft takes at most %u reals (use wrr)", key, RR_CAP);
	if (s->nreals > SLOT_SPACE)
		return dir_err(err, errlen, -EOPNOTSUPP, "service %s: more "
		    "than %u reals", key, SLOT_SPACE);
	for (j = 0; j < s->nreals; j++) {
		const struct dir_real *r = &s->reals[j];

		dir_addr_str(r->family, &r->addr, a, sizeof(a));
		if (r->family != s->family)
			return dir_err(err, errlen, -EOPNOTSUPP, "service %s: "
			    "real %s: NAT between IPv4 and IPv6 is not "
			    "supported", key, a);
		if (r->port == 0)
			return dir_err(err, errlen, -EINVAL, "service %s: "
			    "real %s: port 0 is not supported by the nft "
			    "backend (give the port)", key, a);
		if (r->u_thresh != 0 || r->l_thresh != 0)
			return dir_err(err, errlen, -EOPNOTSUPP, "service %s: "
			    "real %s: connection thresholds are not supported "
			    "by the nft backend (needs ipvs)", key, a);
		if (r->weight > DIR_WEIGHT_MAX)
			return dir_err(err, errlen, -EINVAL, "service %s: "
			    "real %s:%u: weight %u not in 0..%u", key, a,
			    r->port, r->weight, DIR_WEIGHT_MAX);
		if (r->id > DIR_ID_MAX)
			return dir_err(err, errlen, -EINVAL, "service %s: "
			    "real %s:%u: id %u above %u", key, a, r->port,
			    r->id, DIR_ID_MAX);
	}
	return 0;
}

/* Ids are the kernel's keys: services' and reals' must each be unique
 * over the whole table, and so must service addresses. */
static int
check_unique(const struct dir_table *t, char *err, size_t errlen)
{
	size_t i, j, n = 0;
	uint32_t *ids;
	int r = 0;

	for (i = 0; i < t->nsvcs; i++)
		n += t->svcs[i].nreals;
	ids = malloc((n > t->nsvcs ? n : t->nsvcs) * sizeof(*ids) + 1);
	if (ids == NULL)
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	for (i = 0; i < t->nsvcs; i++)
		ids[i] = t->svcs[i].id;
	nft_sort(ids, t->nsvcs, sizeof(*ids), nft_cmp_u32);
	for (i = 1; i < t->nsvcs && r == 0; i++)
		if (ids[i] == ids[i - 1])
			r = dir_err(err, errlen, -EINVAL, "service id %u is "
			    "used twice", ids[i]);
	n = 0;
	for (i = 0; i < t->nsvcs; i++)
		for (j = 0; j < t->svcs[i].nreals; j++)
			ids[n++] = t->svcs[i].reals[j].id;
	nft_sort(ids, n, sizeof(*ids), nft_cmp_u32);
	for (i = 1; i < n && r == 0; i++)
		if (ids[i] == ids[i - 1])
			r = dir_err(err, errlen, -EINVAL, "real id %u is used "
			    "twice (it is the connection mark: ids must be "
			    "unique over all services)", ids[i]);
	free(ids);
	/* Same address twice: quadratic but only over services, at sync. */
	for (i = 0; i < t->nsvcs && r == 0; i++)
		for (j = i + 1; j < t->nsvcs && r == 0; j++) {
			const struct dir_service *x = &t->svcs[i];
			const struct dir_service *y = &t->svcs[j];
			char key[80];

			if (x->family == y->family && x->proto == y->proto &&
			    x->port == y->port && memcmp(&x->addr, &y->addr,
			    x->family == AF_INET ? 4 : 16) == 0)
				r = dir_err(err, errlen, -EINVAL, "service %s "
				    "is given twice (ids %u and %u)",
				    dir_svc_key(x, key, sizeof(key)), x->id,
				    y->id);
		}
	return r;
}

int
nft_check_table(const struct dir_table *t, char *err, size_t errlen)
{
	size_t i;
	int r;

	for (i = 0; i < t->nsvcs; i++)
		if ((r = check_service(&t->svcs[i], err, errlen)) < 0)
			return r;
	return check_unique(t, err, errlen);
}

/* ---- keys ---- */

static size_t
svc_key(const struct dir_service *s, uint8_t *k)
{
	uint16_t port = htons(s->port);
	size_t al = s->family == AF_INET ? 4 : 16;

	memset(k, 0, 24);
	memcpy(k, &s->addr, al);
	k[al] = (uint8_t)s->proto;
	memcpy(k + al + 4, &port, 2);
	return al + 8;
}

static size_t
real_data(const struct dir_real *r, uint8_t *d)
{
	uint16_t port = htons(r->port);
	size_t al = r->family == AF_INET ? 4 : 16;

	memset(d, 0, 20);
	memcpy(d, &r->addr, al);
	memcpy(d + al, &port, 2);
	return al + 4;
}

/* ---- sets ---- */

static void
ud_typeof(struct nftnl_udata_buf *u, int type, uint32_t etype,
    const uint32_t *v, size_t nv)
{
	struct nftnl_udata *n1, *n2;
	size_t i;

	n1 = nftnl_udata_nest_start(u, type);
	nftnl_udata_put_u32(u, NFTNL_UDATA_SET_TYPEOF_EXPR, etype);
	n2 = nftnl_udata_nest_start(u, NFTNL_UDATA_SET_TYPEOF_DATA);
	for (i = 0; i < nv; i++)
		nftnl_udata_put_u32(u, (uint8_t)i, v[i]);
	nftnl_udata_nest_end(u, n2);
	nftnl_udata_nest_end(u, n1);
}

/*
 * ng < 0: no typeof.  Else the key is "typeof numgen <ng> mod <mod>" and
 * the data "typeof ct mark": a display hint for nft, which otherwise
 * cannot print a u32 slot key (the kernel only knows its length).
 */
static struct nftnl_set *
set_desc(const char *name, uint32_t flags, uint32_t ktype, uint32_t klen,
    uint32_t kbo, int map, uint32_t dtype, uint32_t dlen, uint32_t dbo,
    int ng, uint32_t mod)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_udata_buf *u;

	if (s == NULL)
		return NULL;
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags | (map ? NFT_SET_MAP : 0));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, ktype);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, klen);
	if (map) {
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, dtype);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, dlen);
	}
	u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	if (u == NULL) {
		nftnl_set_free(s);
		return NULL;
	}
	nftnl_udata_put_u32(u, NFTNL_UDATA_SET_KEYBYTEORDER, kbo);
	if (map)
		nftnl_udata_put_u32(u, NFTNL_UDATA_SET_DATABYTEORDER, dbo);
	if (ng >= 0) {
		uint32_t ngv[3] = { (uint32_t)ng, mod, 0 };
		uint32_t ctv[2] = { NFT_CT_MARK, 0xffffffffu };

		ud_typeof(u, NFTNL_UDATA_SET_KEY_TYPEOF, NFT_ETYPE_NUMGEN,
		    ngv, 3);
		ud_typeof(u, NFTNL_UDATA_SET_DATA_TYPEOF, NFT_ETYPE_CT, ctv, 2);
	}
	if (map)
		nftnl_udata_put_u32(u, NFTNL_UDATA_SET_DATA_INTERVAL, 0);
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(u),
	    nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
	return s;
}

static struct nftnl_set *
counter_set(const char *name)
{
	struct nftnl_set *s = set_desc(name, 0, T_MARK, 4, BO_HOST, 0, 0, 0,
	    0, -1, 0);
	struct nftnl_expr *e;

	if (s == NULL)
		return NULL;
	e = nftnl_expr_alloc("counter");
	if (e == NULL) {
		nftnl_set_free(s);
		return NULL;
	}
	nftnl_set_add_expr(s, e);
	return s;
}

static void
add_fixed_sets(struct nft_batch *b)
{
	nft_add_set(b, set_desc("svc4", 0, T_CONCAT3(T_IPADDR, T_INET_PROTO,
	    T_INET_SERVICE), 12, BO_INVALID, 1, NFT_DATA_VERDICT, 16,
	    BO_INVALID, -1, 0));
	nft_add_set(b, set_desc("svc6", 0, T_CONCAT3(T_IP6ADDR, T_INET_PROTO,
	    T_INET_SERVICE), 24, BO_INVALID, 1, NFT_DATA_VERDICT, 16,
	    BO_INVALID, -1, 0));
	nft_add_set(b, set_desc("be_addr4", 0, T_MARK, 4, BO_HOST, 1,
	    T_CONCAT2(T_IPADDR, T_INET_SERVICE), 8, BO_INVALID, -1, 0));
	nft_add_set(b, set_desc("be_addr6", 0, T_MARK, 4, BO_HOST, 1,
	    T_CONCAT2(T_IP6ADDR, T_INET_SERVICE), 20, BO_INVALID, -1, 0));
	nft_add_set(b, set_desc("be_weight", 0, T_MARK, 4, BO_HOST, 1,
	    T_MARK, 4, BO_HOST, -1, 0));
	nft_add_set(b, set_desc("be_svc", 0, T_MARK, 4, BO_HOST, 1,
	    T_MARK, 4, BO_HOST, -1, 0));
	nft_add_set(b, set_desc("svc_sched", 0, T_MARK, 4, BO_HOST, 1,
	    T_MARK, 4, BO_HOST, -1, 0));
	nft_add_set(b, counter_set("be_conn"));
	nft_add_set(b, counter_set("be_in"));
	nft_add_set(b, counter_set("be_out"));
}

static struct nftnl_set *
sched_set(const struct dir_service *s)
{
	char name[32];
	int rr = nft_sched_of(s->sched) == SCHED_RR;

	snprintf(name, sizeof(name), "sched_%u", s->id);
	return set_desc(name, rr ? 0 : NFT_SET_INTERVAL, T_INTEGER, 4,
	    BO_HOST, 1, T_MARK, 4, BO_HOST, rr ? NFT_NG_INCREMENTAL :
	    NFT_NG_RANDOM, rr ? RR_CAP : SLOT_SPACE);
}

/* ---- rules ---- */

static void
rule_dispatch(struct nft_batch *b, const char *chain, int family)
{
	struct nftnl_rule *r = nft_rule(chain);
	int v6 = family == AF_INET6;

	nft_e_meta(r, NFT_META_NFPROTO, NFT_REG_1);
	nft_e_cmp8(r, NFT_REG_1, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
	nft_e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16,
	    v6 ? 16 : 4, NFT_REG_1);
	nft_e_meta(r, NFT_META_L4PROTO, v6 ? NFT_REG_2 : NFT_REG32_01);
	nft_e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2,
	    v6 ? NFT_REG32_05 : NFT_REG32_02);
	nft_e_lookup(r, NFT_REG_1, NFT_REG_VERDICT, v6 ? "svc6" : "svc4");
	nft_add_rule(b, r);
}

/* Count the connection for its real, then translate; with one rule per
 * protocol, nft prints (and could re-read) what we load. */
static void
rules_nat(struct nft_batch *b, int family)
{
	const char *chain = family == AF_INET6 ? "nat6" : "nat4";
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct nftnl_rule *r;
	size_t i;

	r = nft_rule(chain);
	nft_e_ct_load(r, NFT_CT_MARK, NFT_REG_1);
	nft_e_lookup(r, NFT_REG_1, -1, "be_conn");
	nft_add_rule(b, r);
	for (i = 0; i < sizeof(protos); i++) {
		r = nft_rule(chain);
		nft_e_meta(r, NFT_META_L4PROTO, NFT_REG_1);
		nft_e_cmp8(r, NFT_REG_1, protos[i]);
		nft_e_ct_load(r, NFT_CT_MARK, NFT_REG_1);
		nft_e_lookup(r, NFT_REG_1, NFT_REG_1,
		    family == AF_INET6 ? "be_addr6" : "be_addr4");
		nft_e_dnat(r, family, NFT_REG_1,
		    family == AF_INET6 ? NFT_REG_2 : NFT_REG32_01);
		nft_add_rule(b, r);
	}
	/* Only reached if be_addr lacks the mark (never, unless someone
	 * edits the table): do not let the packet reach the VIP itself. */
	r = nft_rule(chain);
	nft_e_verdict(r, NF_DROP);
	nft_add_rule(b, r);
}

static void
rule_stats(struct nft_batch *b, const char *chain, int dir, const char *set)
{
	struct nftnl_rule *r = nft_rule(chain);

	nft_e_ct_load(r, NFT_CT_DIRECTION, NFT_REG_1);
	nft_e_cmp8(r, NFT_REG_1, (uint8_t)dir);
	nft_e_ct_load(r, NFT_CT_MARK, NFT_REG_1);
	nft_e_lookup(r, NFT_REG_1, -1, set);
	nft_add_rule(b, r);
}

static uint32_t
rr_modulus(size_t len)
{
	return len ? (uint32_t)len : 1;	/* numgen refuses mod 0 */
}

/* The service's chain: pick a real into ct mark, or refuse the flow. */
void
nft_rules_svc(struct nft_batch *b, const struct dir_service *s, uint32_t rrmod)
{
	char chain[32], set[32];
	struct nftnl_rule *r;
	int v6 = s->family == AF_INET6;

	snprintf(chain, sizeof(chain), "svc_%u", s->id);
	snprintf(set, sizeof(set), "sched_%u", s->id);
	r = nft_rule(chain);
	switch (nft_sched_of(s->sched)) {
	case SCHED_RR:
		nft_e_numgen(r, NFT_NG_INCREMENTAL, rrmod, NFT_REG_1);
		break;
	case SCHED_SH:
		nft_e_meta(r, NFT_META_NFPROTO, NFT_REG_1);
		nft_e_cmp8(r, NFT_REG_1, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
		nft_e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12,
		    v6 ? 16 : 4, NFT_REG_2);
		nft_e_jhash(r, NFT_REG_2, v6 ? 16 : 4, SLOT_SPACE,
		    s->hash_seed ? s->hash_seed : SH_SEED ^ s->id, NFT_REG_1);
		nft_e_hton32(r, NFT_REG_1);
		break;
	default:
		nft_e_numgen(r, NFT_NG_RANDOM, SLOT_SPACE, NFT_REG_1);
		nft_e_hton32(r, NFT_REG_1);
		break;
	}
	nft_e_lookup(r, NFT_REG_1, NFT_REG_1, set);
	nft_e_ct_set(r, NFT_CT_MARK, NFT_REG_1);
	nft_e_goto(r, v6 ? "nat6" : "nat4");
	nft_add_rule(b, r);

	/* No real with weight: refuse at once, as IPVS does, rather than
	 * let the client wait (or the packet reach the VIP un-NATed). */
	r = nft_rule(chain);
	if (s->proto == IPPROTO_TCP) {
		nft_e_meta(r, NFT_META_L4PROTO, NFT_REG_1);
		nft_e_cmp8(r, NFT_REG_1, IPPROTO_TCP);
		nft_e_reject(r, NFT_REJECT_TCP_RST, 0);
	} else {
		nft_e_reject(r, NFT_REJECT_ICMPX_UNREACH,
		    NFT_REJECT_ICMPX_PORT_UNREACH);
	}
	nft_add_rule(b, r);
}

/* ---- slots ---- */

int
nft_cmp_real_id(const void *a, const void *b)
{
	const struct dir_real *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int
cmp_real_addr(const void *a, const void *b, void *arg)
{
	const struct dir_real	*r = arg;
	const struct dir_real	*x = &r[*(const size_t *)a];
	const struct dir_real	*y = &r[*(const size_t *)b];
	int			 c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if ((c = memcmp(&x->addr, &y->addr, x->family == AF_INET ? 4 :
	    16)) != 0)
		return c;
	return (x->port > y->port) - (x->port < y->port);
}

/* s's reals by family, address, port: indexes into s->reals. */
static size_t *
by_addr(const struct dir_service *s)
{
	size_t	*ord = malloc((s->nreals + 1) * sizeof(*ord));

	if (ord == NULL)
		return NULL;
	for (size_t i = 0; i < s->nreals; i++)
		ord[i] = i;
	if (s->nreals > 1)
		qsort_r(ord, s->nreals, sizeof(*ord), cmp_real_addr, s->reals);
	return ord;
}

/*
 * Fill sched_<id> for s (caller flushed it).  Returns the rr modulus to
 * use in the rule (1 when no real has weight), or -ENOMEM.
 */
int64_t
nft_fill_sched(struct nft_batch *b, const struct dir_service *s)
{
	struct nft_elems e;
	char set[32];
	uint32_t *w, *slots;
	size_t i, n = s->nreals, len = 0;

	snprintf(set, sizeof(set), "sched_%u", s->id);
	w = calloc(n + 1, sizeof(*w));
	slots = calloc(n > RR_CAP ? n + 1 : RR_CAP, sizeof(*slots));
	if (w == NULL || slots == NULL) {
		free(w);
		free(slots);
		b->nomem = 1;
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		w[i] = s->reals[i].weight;
	nft_elems_begin(&e, b, NFT_MSG_NEWSETELEM, set);
	if (nft_sched_of(s->sched) == SCHED_RR) {
		len = nft_slots_rr(w, n, RR_CAP, slots);
		for (i = 0; i < len; i++)
			nft_elems_add(&e, nft_elem_u32((uint32_t)i,
			    MARK_TAG | s->reals[slots[i]].id));
	} else if (nft_slots_apportion(w, n, SLOT_SPACE, slots) == 0) {
		uint32_t lo = 0;
		size_t *ord = by_addr(s);

		if (ord == NULL) {
			nft_elems_end(&e);
			free(w);
			free(slots);
			b->nomem = 1;
			return -ENOMEM;
		}
		/* slot ranges in address order: the map does not depend on
		   the ids, which a director's history chose (sh across
		   directors, director/README.md) */
		for (size_t k0 = 0; k0 < n; k0++) {
			uint32_t m, k = htonl(lo);

			i = ord[k0];
			m = MARK_TAG | s->reals[i].id;
			if (slots[i] == 0)
				continue;
			nft_elems_add(&e, nft_elem(&k, 4, &m, 4));
			lo += slots[i];
			nft_elems_add(&e, nft_elem_end(htonl(lo)));
		}
		free(ord);
	}
	nft_elems_end(&e);
	free(w);
	free(slots);
	return rr_modulus(len);
}

static const struct dir_service *
find_svc_by_name(const struct dir_table *t, const char *name, size_t skip)
{
	char *end;
	unsigned long id = strtoul(name + skip, &end, 10);
	size_t i;

	if (*end != '\0')
		return NULL;
	for (i = 0; i < t->nsvcs; i++)
		if (t->svcs[i].id == id)
			return &t->svcs[i];
	return NULL;
}

int
nft_cmp_svc_id(const void *a, const void *b)
{
	const struct dir_service *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* One element per real into be_addr4/6, be_weight or be_svc. */
static void
add_real_elems(struct nft_batch *b, const struct dir_table *t,
    const char *set)
{
	int fam = strcmp(set, "be_addr4") == 0 ? AF_INET :
	    strcmp(set, "be_addr6") == 0 ? AF_INET6 : 0;
	int weight = strcmp(set, "be_weight") == 0;
	struct nft_elems e;
	size_t i, j;

	nft_elems_begin(&e, b, NFT_MSG_NEWSETELEM, set);
	for (i = 0; i < t->nsvcs; i++)
		for (j = 0; j < t->svcs[i].nreals; j++) {
			const struct dir_real *r = &t->svcs[i].reals[j];
			uint32_t m = MARK_TAG | r->id;
			uint8_t d[20];
			size_t dl;

			if (fam != 0 && r->family != fam)
				continue;
			if (fam != 0) {
				dl = real_data(r, d);
				nft_elems_add(&e, nft_elem(&m, 4, d, dl));
			} else {
				nft_elems_add(&e, nft_elem_u32(m, weight ?
				    r->weight : t->svcs[i].id));
			}
		}
	nft_elems_end(&e);
}

void
nft_build_sync(struct nft_batch *b, const struct dir_table *t,
    struct nft_cur *c, uint32_t *rrmod)
{
	uint32_t *want;
	size_t i, j, k, n = 0;
	struct nft_elems e;

	/* The anchor: created once, its rule replaced in place (never a
	 * moment without the ct expression). */
	nft_add_table(b, NFT_ANCHOR);
	nft_add_chain(b, NFT_ANCHOR, "pre", NF_INET_PRE_ROUTING, -90, "nat");
	nft_flush_chain(b, NFT_ANCHOR, "pre");
	{
		struct nftnl_rule *r = nft_rule("pre");

		if (r != NULL)
			nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_ANCHOR);
		nft_e_ct_state_new_counter(r);
		nft_add_rule(b, r);
	}

	nft_add_table(b, NFT_TABLE);
	add_fixed_sets(b);
	nft_add_chain(b, NFT_TABLE, "pre", NF_INET_PRE_ROUTING, -100, "nat");
	/* nft 1.0.6 will not say "dstnat" for output: -100 is the value. */
	nft_add_chain(b, NFT_TABLE, "out", NF_INET_LOCAL_OUT, -100, "nat");
	nft_add_chain(b, NFT_TABLE, "stats_fwd", NF_INET_FORWARD, -10,
	    "filter");
	nft_add_chain(b, NFT_TABLE, "stats_out", NF_INET_LOCAL_OUT, 0,
	    "filter");
	nft_add_chain(b, NFT_TABLE, "stats_in", NF_INET_LOCAL_IN, 0, "filter");
	nft_add_chain(b, NFT_TABLE, "nat4", -1, 0, NULL);
	nft_add_chain(b, NFT_TABLE, "nat6", -1, 0, NULL);
	for (i = 0; i < 7; i++) {
		static const char *const fl[] = { "pre", "out", "stats_fwd",
		    "stats_out", "stats_in", "nat4", "nat6" };

		nft_flush_chain(b, NFT_TABLE, fl[i]);
	}
	nft_flush_set(b, NFT_TABLE, "svc4");
	nft_flush_set(b, NFT_TABLE, "svc6");

	/* Services that are gone: their chain, then their map. */
	for (i = 0; i < c->nchains; i++) {
		nft_flush_chain(b, NFT_TABLE, c->chains[i]);
		if (find_svc_by_name(t, c->chains[i], 4) == NULL)
			nft_del_chain(b, NFT_TABLE, c->chains[i]);
	}
	for (i = 0; i < c->nsets; i++) {
		const struct dir_service *s = find_svc_by_name(t, c->sets[i],
		    6);
		int was_rr = !(c->setflags[i] & NFT_SET_INTERVAL);

		/* A map's shape cannot change in place: rr <-> wrr/sh means
		 * a new map (same name, same batch). */
		if (s == NULL || was_rr != (nft_sched_of(s->sched) == SCHED_RR))
			nft_del_set(b, NFT_TABLE, c->sets[i]);
	}

	/* Per service: chain, map, slots. */
	for (i = 0; i < t->nsvcs; i++) {
		const struct dir_service *s = &t->svcs[i];
		char name[32];
		int64_t m;

		snprintf(name, sizeof(name), "svc_%u", s->id);
		nft_add_chain(b, NFT_TABLE, name, -1, 0, NULL);
		nft_add_set(b, sched_set(s));
		snprintf(name, sizeof(name), "sched_%u", s->id);
		nft_flush_set(b, NFT_TABLE, name);
		m = nft_fill_sched(b, s);
		rrmod[i] = m > 0 ? (uint32_t)m : 1;
		n += s->nreals;
	}

	/* Per real: address, weight, service; counters kept. */
	for (k = 0; k < 5; k++) {
		static const char *const fl[] = { "be_addr4", "be_addr6",
		    "be_weight", "be_svc", "svc_sched" };

		nft_flush_set(b, NFT_TABLE, fl[k]);
	}
	add_real_elems(b, t, "be_addr4");
	add_real_elems(b, t, "be_addr6");
	add_real_elems(b, t, "be_weight");
	add_real_elems(b, t, "be_svc");
	nft_elems_begin(&e, b, NFT_MSG_NEWSETELEM, "svc_sched");
	for (i = 0; i < t->nsvcs; i++)
		nft_elems_add(&e, nft_elem_u32(t->svcs[i].id,
		    (uint32_t)nft_sched_of(t->svcs[i].sched)));
	nft_elems_end(&e);

	/* Counter sets: drop the reals that are gone, add the new ones
	 * (adding an existing element is a no-op that keeps its counter). */
	want = calloc(n + 1, sizeof(*want));
	if (want == NULL) {
		b->nomem = 1;
		return;
	}
	n = 0;
	for (i = 0; i < t->nsvcs; i++)
		for (j = 0; j < t->svcs[i].nreals; j++)
			want[n++] = MARK_TAG | t->svcs[i].reals[j].id;
	nft_sort(want, n, sizeof(*want), nft_cmp_u32);
	for (k = 0; k < 3; k++) {
		nft_elems_begin(&e, b, NFT_MSG_DELSETELEM, nft_counter_sets[k]);
		for (i = 0; i < c->nkeys[k]; i++)
			if (nft_search(&c->keys[k][i], want, n, sizeof(*want),
			    nft_cmp_u32) == NULL)
				nft_elems_add(&e, nft_elem(&c->keys[k][i], 4,
				    NULL, 0));
		nft_elems_end(&e);
		nft_elems_begin(&e, b, NFT_MSG_NEWSETELEM, nft_counter_sets[k]);
		for (i = 0; i < n; i++)
			if (nft_search(&want[i], c->keys[k], c->nkeys[k],
			    sizeof(uint32_t), nft_cmp_u32) == NULL)
				nft_elems_add(&e, nft_elem(&want[i], 4, NULL,
				    0));
		nft_elems_end(&e);
	}
	free(want);

	/* Rules, then the dispatch maps that lead into them. */
	rules_nat(b, AF_INET);
	rules_nat(b, AF_INET6);
	for (i = 0; i < t->nsvcs; i++)
		nft_rules_svc(b, &t->svcs[i], rrmod[i]);
	rule_dispatch(b, "pre", AF_INET);
	rule_dispatch(b, "pre", AF_INET6);
	rule_dispatch(b, "out", AF_INET);
	rule_dispatch(b, "out", AF_INET6);
	rule_stats(b, "stats_fwd", CT_DIR_ORIGINAL, "be_in");
	rule_stats(b, "stats_fwd", CT_DIR_REPLY, "be_out");
	rule_stats(b, "stats_out", CT_DIR_ORIGINAL, "be_in");
	rule_stats(b, "stats_in", CT_DIR_REPLY, "be_out");
	for (k = 0; k < 2; k++) {
		int fam = k == 0 ? AF_INET : AF_INET6;

		nft_elems_begin(&e, b, NFT_MSG_NEWSETELEM, k ? "svc6" : "svc4");
		for (i = 0; i < t->nsvcs; i++) {
			const struct dir_service *s = &t->svcs[i];
			char chain[32];
			uint8_t key[24];
			size_t kl;

			if (s->family != fam)
				continue;
			snprintf(chain, sizeof(chain), "svc_%u", s->id);
			kl = svc_key(s, key);
			nft_elems_add(&e, nft_elem_goto(key, kl, chain));
		}
		nft_elems_end(&e);
	}
}

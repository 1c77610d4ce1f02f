/*
 * director/nft_read.c - reading table inet lvsmon back from the kernel:
 * what sync needs to compute its differences (sets, chains, counter keys)
 * and what read_stats returns (services, reals, weights, counters).  It
 * trusts only the kernel, so a restarted daemon can adopt the table.
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


int
nft_grow(void **p, size_t *cap, size_t n, size_t sz)
{
	void *q;

	if (n < *cap)
		return 0;
	q = realloc(*p, (*cap ? *cap * 2 : 64) * sz);
	if (q == NULL)
		return -ENOMEM;
	*p = q;
	*cap = *cap ? *cap * 2 : 64;
	return 0;
}

static int
cur_set(const char *name, uint32_t flags, void *arg)
{
	struct nft_cur *c = arg;
	size_t fcap = c->cap[0];

	/* a set without a name (not from any kernel we know): not ours */
	if (name == NULL || strncmp(name, "sched_", 6) != 0 ||
	    strlen(name) >= 32)
		return 0;
	if (nft_grow((void **)&c->sets, &c->cap[0], c->nsets, sizeof(*c->sets)))
		return -ENOMEM;
	if (c->cap[0] != fcap) {
		uint32_t *f = realloc(c->setflags, c->cap[0] * sizeof(*f));

		if (f == NULL)
			return -ENOMEM;
		c->setflags = f;
	}
	snprintf(c->sets[c->nsets], 32, "%s", name);
	c->setflags[c->nsets++] = flags;
	return 0;
}

static int
cur_chain(const char *table, const char *name, void *arg)
{
	struct nft_cur *c = arg;

	if (name == NULL || strncmp(name, "svc_", 4) != 0 ||
	    strlen(name) >= 32)
		return 0;
	if (nft_grow((void **)&c->chains, &c->cap[1], c->nchains,
	    sizeof(*c->chains)))
		return -ENOMEM;
	snprintf(c->chains[c->nchains++], 32, "%s", name);
	return 0;
}

struct keys_arg {
	struct nft_cur	*c;
	int		 k;
};

static int
cur_key(struct nftnl_set_elem *el, void *arg)
{
	struct keys_arg *a = arg;
	struct nft_cur *c = a->c;
	const void *key;
	uint32_t len, v;

	key = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &len);
	if (key == NULL || len != 4)
		return 0;
	memcpy(&v, key, 4);
	if (nft_grow((void **)&c->keys[a->k], &c->cap[2 + a->k], c->nkeys[a->k],
	    sizeof(uint32_t)))
		return -ENOMEM;
	c->keys[a->k][c->nkeys[a->k]++] = v;
	return 0;
}

void
nft_cur_free(struct nft_cur *c)
{
	int k;

	free(c->sets);
	free(c->setflags);
	free(c->chains);
	for (k = 0; k < 3; k++)
		free(c->keys[k]);
}

const char *const nft_counter_sets[3] = { "be_conn", "be_in", "be_out" };

int
nft_read_cur(struct nft_nl *nl, struct nft_cur *c, int *exists, char *err,
    size_t errlen)
{
	int r, k;

	memset(c, 0, sizeof(*c));
	*exists = 0;
	r = nft_dump_sets(nl, NFT_TABLE, cur_set, c, err, errlen);
	if (r == -ENOENT)
		return 0;	/* no table yet: nothing to adopt */
	if (r < 0)
		return r;
	*exists = 1;
	r = nft_dump_chains(nl, NFT_TABLE, cur_chain, c, err, errlen);
	if (r < 0)
		return r;
	for (k = 0; k < 3; k++) {
		struct keys_arg a = { c, k };

		r = nft_dump_elems(nl, NFT_TABLE, nft_counter_sets[k],
		    cur_key, &a, err, errlen);
		if (r == -ENOENT)
			continue;	/* an older or partial table */
		if (r < 0)
			return r;
		nft_sort(c->keys[k], c->nkeys[k], sizeof(uint32_t), nft_cmp_u32);
	}
	return 0;
}

/* ---- read_stats ---- */

struct rd_real {
	uint32_t		mark, svc;
	int			family;
	union dir_addr		addr;
	uint16_t		port;
	uint32_t		weight;
	struct dir_real_stats	st;
};

struct rd {
	struct dir_service	*svcs;
	size_t			 nsvcs, capsvcs;
	uint32_t		(*sched)[2];
	size_t			 nsched, capsched;
	struct rd_real		*reals;
	size_t			 nreals, capreals;
	int			 which;	/* set being read */
};

static int
cmp_rd_real(const void *a, const void *b)
{
	const struct rd_real *x = a, *y = b;

	return x->mark < y->mark ? -1 : x->mark > y->mark;
}

static struct rd_real *
rd_find(struct rd *d, const void *key, uint32_t len)
{
	struct rd_real k;

	if (len != 4)
		return NULL;
	memcpy(&k.mark, key, 4);
	return nft_search(&k, d->reals, d->nreals, sizeof(*d->reals),
	    cmp_rd_real);
}

enum { RD_SVC4, RD_SVC6, RD_SCHED, RD_BESVC, RD_ADDR4, RD_ADDR6,
	RD_WEIGHT, RD_CONN, RD_IN, RD_OUT, RD__COUNT };
static const char *const rd_sets[RD__COUNT] = { "svc4", "svc6",
	"svc_sched", "be_svc", "be_addr4", "be_addr6", "be_weight",
	"be_conn", "be_in", "be_out" };

static void
rd_counter(struct nftnl_set_elem *el, uint64_t *pk, uint64_t *by)
{
	struct nftnl_expr *e = (struct nftnl_expr *)nftnl_set_elem_get(el,
	    NFTNL_SET_ELEM_EXPR, NULL);
	const char *name;

	if (e == NULL)
		return;
	name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	if (name == NULL || strcmp(name, "counter") != 0)
		return;
	if (pk != NULL)
		*pk = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
	if (by != NULL)
		*by = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
}

static int
rd_elem(struct nftnl_set_elem *el, void *arg)
{
	struct rd *d = arg;
	const uint8_t *key, *data;
	uint32_t klen, dlen = 0, v = 0;
	struct rd_real *rr;

	key = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &klen);
	if (key == NULL)
		return 0;
	if (nftnl_set_elem_is_set(el, NFTNL_SET_ELEM_DATA)) {
		data = nftnl_set_elem_get(el, NFTNL_SET_ELEM_DATA, &dlen);
		if (dlen >= 4)
			memcpy(&v, data, 4);
	} else {
		data = NULL;
	}
	switch (d->which) {
	case RD_SVC4:
	case RD_SVC6: {
		struct dir_service *s;
		const char *chain;
		size_t al = d->which == RD_SVC4 ? 4 : 16;
		uint16_t port;

		chain = nftnl_set_elem_get_str(el, NFTNL_SET_ELEM_CHAIN);
		if (chain == NULL || strncmp(chain, "svc_", 4) != 0 ||
		    klen != al + 8)
			return 0;
		if (nft_grow((void **)&d->svcs, &d->capsvcs, d->nsvcs,
		    sizeof(*d->svcs)))
			return -ENOMEM;
		s = &d->svcs[d->nsvcs++];
		memset(s, 0, sizeof(*s));
		s->id = (uint32_t)strtoul(chain + 4, NULL, 10);
		s->family = d->which == RD_SVC4 ? AF_INET : AF_INET6;
		memcpy(&s->addr, key, al);
		s->proto = key[al];
		memcpy(&port, key + al + 4, 2);
		s->port = ntohs(port);
		s->fwd = DIR_FWD_NAT;
		snprintf(s->sched, sizeof(s->sched), "?");
		return 0;
	}
	case RD_SCHED:
		if (klen != 4 || data == NULL)
			return 0;
		if (nft_grow((void **)&d->sched, &d->capsched, d->nsched,
		    sizeof(*d->sched)))
			return -ENOMEM;
		memcpy(&d->sched[d->nsched][0], key, 4);
		d->sched[d->nsched++][1] = v;
		return 0;
	case RD_BESVC:
		if (klen != 4 || data == NULL)
			return 0;
		if (nft_grow((void **)&d->reals, &d->capreals, d->nreals,
		    sizeof(*d->reals)))
			return -ENOMEM;
		rr = &d->reals[d->nreals++];
		memset(rr, 0, sizeof(*rr));
		memcpy(&rr->mark, key, 4);
		rr->svc = v;
		return 0;
	default:
		break;
	}
	rr = rd_find(d, key, klen);
	if (rr == NULL)
		return 0;
	switch (d->which) {
	case RD_ADDR4:
	case RD_ADDR6: {
		size_t al = d->which == RD_ADDR4 ? 4 : 16;
		uint16_t port;

		if (data == NULL || dlen < al + 2)
			return 0;
		rr->family = d->which == RD_ADDR4 ? AF_INET : AF_INET6;
		memcpy(&rr->addr, data, al);
		memcpy(&port, data + al, 2);
		rr->port = ntohs(port);
		break;
	}
	case RD_WEIGHT:
		rr->weight = v;
		break;
	case RD_CONN:
		rd_counter(el, &rr->st.conns, NULL);
		break;
	case RD_IN:
		rd_counter(el, &rr->st.inpkts, &rr->st.inbytes);
		break;
	case RD_OUT:
		rd_counter(el, &rr->st.outpkts, &rr->st.outbytes);
		break;
	}
	return 0;
}

int
nft_read_table(struct nft_nl *nl, struct dir_table *out, char *err,
    size_t errlen)
{
	struct rd d;
	size_t i, j;
	int r = 0;

	memset(&d, 0, sizeof(d));
	out->svcs = NULL;
	out->nsvcs = 0;
	for (d.which = 0; d.which < RD__COUNT && r == 0; d.which++) {
		r = nft_dump_elems(nl, NFT_TABLE, rd_sets[d.which], rd_elem,
		    &d, err, errlen);
		if (r == -ENOENT && d.which == 0) {
			r = 0;	/* no table: the kernel holds nothing */
			goto done;
		}
		if (d.which == RD_BESVC)
			nft_sort(d.reals, d.nreals, sizeof(*d.reals),
			    cmp_rd_real);
	}
	if (r < 0)
		goto done;
	nft_sort(d.svcs, d.nsvcs, sizeof(*d.svcs), nft_cmp_svc_id);
	for (i = 0; i < d.nsched; i++) {
		struct dir_service k = { .id = d.sched[i][0] }, *s;

		s = nft_search(&k, d.svcs, d.nsvcs, sizeof(*d.svcs), nft_cmp_svc_id);
		if (s != NULL && d.sched[i][1] >= SCHED_WRR &&
		    d.sched[i][1] <= SCHED_SH)
			snprintf(s->sched, sizeof(s->sched), "%s",
			    nft_sched_names[d.sched[i][1]]);
	}
	/* Reals are sorted by mark = by id; hand them to their services. */
	for (i = 0; i < d.nreals; i++) {
		struct dir_service k = { .id = d.reals[i].svc }, *s;

		s = nft_search(&k, d.svcs, d.nsvcs, sizeof(*d.svcs), nft_cmp_svc_id);
		if (s != NULL)
			s->nreals++;
	}
	for (i = 0; i < d.nsvcs; i++) {
		if (d.svcs[i].nreals == 0)
			continue;
		d.svcs[i].reals = calloc(d.svcs[i].nreals,
		    sizeof(*d.svcs[i].reals));
		if (d.svcs[i].reals == NULL) {
			r = dir_err(err, errlen, -ENOMEM, "out of memory");
			goto done;
		}
		d.svcs[i].nreals = 0;
	}
	for (i = 0; i < d.nreals; i++) {
		struct dir_service k = { .id = d.reals[i].svc }, *s;
		struct dir_real *rl;

		s = nft_search(&k, d.svcs, d.nsvcs, sizeof(*d.svcs), nft_cmp_svc_id);
		if (s == NULL || s->reals == NULL)
			continue;
		rl = &s->reals[s->nreals++];
		rl->id = MARK_ID(d.reals[i].mark);
		rl->family = d.reals[i].family;
		rl->addr = d.reals[i].addr;
		rl->port = d.reals[i].port;
		rl->weight = d.reals[i].weight;
		rl->stats = d.reals[i].st;
		s->conns += rl->stats.conns;
	}
	out->svcs = d.svcs;
	out->nsvcs = d.nsvcs;
	d.svcs = NULL;
	d.nsvcs = 0;
done:
	for (j = 0; j < d.nsvcs; j++)
		free(d.svcs[j].reals);
	free(d.svcs);
	free(d.sched);
	free(d.reals);
	return r;
}

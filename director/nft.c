/*
 * director/nft.c - the "nft" backend: weighted NAT load balancing with
 * nftables, driven through libnftnl/libmnl.
 *
 * Everything lives in one table, inet lvsmon (shape and reasons in
 * director/README.md and notes/nft.md):
 *
 *   pre/out   nat prerouting/output -100: daddr . l4proto . dport looked up
 *             in svc4/svc6, a verdict map -> goto svc_<service id>
 *   svc_<id>  ct mark set <numgen random | numgen inc | jhash saddr> looked
 *             up in sched_<id> (slots -> mark), goto nat4/nat6; a miss
 *             (every weight 0) falls to "reject" (tcp reset / icmp port
 *             unreachable), never to the un-NATed VIP
 *   nat4/6    count the connection (be_conn), dnat to ct mark map
 *             be_addr4/6
 *   stats_*   filter forward (and input/output for clients on the
 *             director): packets and bytes per mark, both directions
 *   be_weight, be_svc, svc_sched: what read_stats needs to rebuild the
 *             table from the kernel alone (weights, which service a real
 *             belongs to, the scheduler), so a restarted daemon adopts.
 *
 * Mark layout: ct mark = 0x4c000000 | real id (ids < 2^24).  The top byte
 * ('L') tells our connections from other users of ct mark.
 *
 * A second table, inet lvsmon_anchor, holds one nat chain with a ct
 * expression and is never touched while serving: it keeps conntrack and
 * NAT hooked in the netns even when lvsmon's table changes shape, so
 * established flows keep their translation (notes/nft.md section 5).
 *
 * sync builds the whole table in one batch: flush our maps and chains and
 * re-add, never delete the table; counters survive (their sets only lose
 * the elements of reals that are gone).  apply rewrites only the slot maps
 * of the services it touches and their be_weight entries, in one batch.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>

#include "director/dir_int.h"
#include "director/nft_int.h"

/* One real in the backend's index, sorted by id. */
struct ridx {
	uint32_t	id;
	uint32_t	si, ri;		/* b->t.svcs[si].reals[ri] */
	uint32_t	stamp;		/* apply generation that touched it */
	uint32_t	old;		/* its weight before that apply */
};

struct dir_backend {
	struct nft_nl	 nl;
	struct dir_table t;		/* what the kernel holds, as we set it */
	struct ridx	*ridx;		/* [nridx] sorted by id */
	size_t		 nridx;
	uint32_t	*sstamp;	/* [t.nsvcs] apply generation */
	uint32_t	*rrmod;		/* [t.nsvcs] modulus in the rr rule */
	uint32_t	 gen;
};

/* ---- backend state ---- */

static int
cmp_ridx(const void *a, const void *b)
{
	const struct ridx *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Take ownership of t (already sorted) as the kernel's new content. */
static int
adopt(struct dir_backend *b, struct dir_table *t, const uint32_t *rrmod)
{
	struct ridx *ri;
	uint32_t *ss, *rm;
	size_t i, j, n = 0;

	for (i = 0; i < t->nsvcs; i++)
		n += t->svcs[i].nreals;
	ri = calloc(n + 1, sizeof(*ri));
	ss = calloc(t->nsvcs + 1, sizeof(*ss));
	rm = calloc(t->nsvcs + 1, sizeof(*rm));
	if (ri == NULL || ss == NULL || rm == NULL) {
		free(ri);
		free(ss);
		free(rm);
		return -ENOMEM;
	}
	n = 0;
	for (i = 0; i < t->nsvcs; i++) {
		rm[i] = rrmod[i];
		for (j = 0; j < t->svcs[i].nreals; j++) {
			ri[n].id = t->svcs[i].reals[j].id;
			ri[n].si = (uint32_t)i;
			ri[n].ri = (uint32_t)j;
			n++;
		}
	}
	nft_sort(ri, n, sizeof(*ri), cmp_ridx);
	dir_table_free(&b->t);
	free(b->ridx);
	free(b->sstamp);
	free(b->rrmod);
	b->t = *t;
	b->ridx = ri;
	b->nridx = n;
	b->sstamp = ss;
	b->rrmod = rm;
	b->gen = 0;
	return 0;
}

/* ---- ops ---- */

static int
nft_available(char *err, size_t errlen)
{
	struct nft_nl n;
	int r;

	if ((r = nft_nl_open(&n, err, errlen)) < 0)
		return r;
	r = nft_probe(&n, err, errlen);
	nft_nl_close(&n);
	return r;
}

static int
nft_open(struct dir_backend **out, char *err, size_t errlen)
{
	struct dir_backend *b = calloc(1, sizeof(*b));
	int r;

	if (b == NULL)
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	if ((r = nft_nl_open(&b->nl, err, errlen)) < 0) {
		free(b);
		return r;
	}
	*out = b;
	return 0;
}

static void
nft_close(struct dir_backend *b)
{
	if (b == NULL)
		return;
	nft_nl_close(&b->nl);
	dir_table_free(&b->t);
	free(b->ridx);
	free(b->sstamp);
	free(b->rrmod);
	free(b);
}
static int
nft_read_stats(struct dir_backend *b, struct dir_table *out, char *err,
    size_t errlen)
{
	return nft_read_table(&b->nl, out, err, errlen);
}

static int
nft_sync(struct dir_backend *b, const struct dir_table *desired, char *err,
    size_t errlen)
{
	struct dir_table t;
	struct nft_batch bt;
	struct nft_cur c;
	uint32_t *rrmod;
	size_t i;
	int r, exists;

	if ((r = nft_check_table(desired, err, errlen)) < 0)
		return r;
	if (dir_table_copy(&t, desired) < 0)
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	/* Sorted by id: stable order in the kernel and in read_stats. */
	nft_sort(t.svcs, t.nsvcs, sizeof(*t.svcs), nft_cmp_svc_id);
	for (i = 0; i < t.nsvcs; i++) {
		nft_sort(t.svcs[i].reals, t.svcs[i].nreals,
		    sizeof(*t.svcs[i].reals), nft_cmp_real_id);
		t.svcs[i].conns = 0;
	}
	rrmod = calloc(t.nsvcs + 1, sizeof(*rrmod));
	if (rrmod == NULL) {
		dir_table_free(&t);
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	}
	r = nft_read_cur(&b->nl, &c, &exists, err, errlen);
	if (r == 0) {
		nft_batch_init(&bt, &b->nl);
		nft_build_sync(&bt, &t, &c, rrmod);
		r = nft_batch_send(&b->nl, &bt, err, errlen);
		nft_batch_free(&bt);
	}
	nft_cur_free(&c);
	if (r == 0 && adopt(b, &t, rrmod) < 0)
		r = dir_err(err, errlen, -ENOMEM, "out of memory");
	if (r < 0)
		dir_table_free(&t);
	free(rrmod);
	return r;
}

static struct ridx *
find_real(struct dir_backend *b, uint32_t id)
{
	struct ridx k = { .id = id };

	return nft_search(&k, b->ridx, b->nridx, sizeof(*b->ridx), cmp_ridx);
}

static int
nft_apply(struct dir_backend *b, const struct dir_change *ch, size_t n,
    char *err, size_t errlen)
{
	struct nft_batch bt;
	struct nft_elems e;
	struct ridx *x, **upd;
	uint32_t gen, *newmod = NULL;
	size_t i, nupd = 0;
	int r = 0;

	if (n == 0)
		return 0;
	/* Check everything before touching anything. */
	for (i = 0; i < n; i++) {
		x = find_real(b, ch[i].real_id);
		if (x == NULL || b->t.svcs[x->si].id != ch[i].svc_id)
			return dir_err(err, errlen, -ENOENT, "service %u has "
			    "no real %u in the kernel's table (sync first)",
			    ch[i].svc_id, ch[i].real_id);
		if (ch[i].weight > DIR_WEIGHT_MAX)
			return dir_err(err, errlen, -EINVAL, "service %u: "
			    "real %u: weight %u not in 0..%u", ch[i].svc_id,
			    ch[i].real_id, ch[i].weight, DIR_WEIGHT_MAX);
	}
	upd = malloc(n * sizeof(*upd));
	if (upd == NULL)
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	/* Generations go by two: gen = touched, gen + 1 = service done.
	 * Before the counter wraps, forget every stamp. */
	if (b->gen > UINT32_MAX - 4) {
		for (i = 0; i < b->nridx; i++)
			b->ridx[i].stamp = 0;
		for (i = 0; i < b->t.nsvcs; i++)
			b->sstamp[i] = 0;
		b->gen = 0;
	}
	b->gen += 2;
	gen = b->gen;
	for (i = 0; i < n; i++) {
		struct dir_real *rl;

		x = find_real(b, ch[i].real_id);
		rl = &b->t.svcs[x->si].reals[x->ri];
		if (x->stamp != gen) {
			x->stamp = gen;
			x->old = rl->weight;	/* for undo */
			upd[nupd++] = x;
		}
		rl->weight = ch[i].weight;	/* the last change wins */
	}
	nft_batch_init(&bt, &b->nl);
	/* be_weight: an element's data cannot change in place; delete and
	 * add in the same batch. */
	nft_elems_begin(&e, &bt, NFT_MSG_DELSETELEM, "be_weight");
	for (i = 0; i < nupd; i++) {
		uint32_t m = MARK_TAG | upd[i]->id;

		if (upd[i]->old != b->t.svcs[upd[i]->si].reals[upd[i]->ri].weight)
			nft_elems_add(&e, nft_elem(&m, 4, NULL, 0));
	}
	nft_elems_end(&e);
	nft_elems_begin(&e, &bt, NFT_MSG_NEWSETELEM, "be_weight");
	for (i = 0; i < nupd; i++) {
		const struct dir_real *rl =
		    &b->t.svcs[upd[i]->si].reals[upd[i]->ri];

		if (upd[i]->old != rl->weight) {
			nft_elems_add(&e, nft_elem_u32(MARK_TAG | rl->id,
			    rl->weight));
			if (b->sstamp[upd[i]->si] != gen + 1)
				b->sstamp[upd[i]->si] = gen;
		}
	}
	nft_elems_end(&e);
	/* The slot maps of the services whose weights moved. */
	for (i = 0; i < nupd; i++) {
		uint32_t si = upd[i]->si;
		const struct dir_service *s = &b->t.svcs[si];
		char name[32];
		int64_t m;

		if (b->sstamp[si] != gen)
			continue;
		b->sstamp[si] = gen + 1;
		snprintf(name, sizeof(name), "sched_%u", s->id);
		nft_flush_set(&bt, NFT_TABLE, name);
		m = nft_fill_sched(&bt, s);
		if (m < 0)
			break;
		if (nft_sched_of(s->sched) != SCHED_RR || (uint32_t)m ==
		    b->rrmod[si])
			continue;
		/* rr: the cycle length is in the rule; replace the rule. */
		if (newmod == NULL)
			newmod = calloc(b->t.nsvcs, sizeof(*newmod));
		if (newmod == NULL) {
			bt.nomem = 1;
			break;
		}
		newmod[si] = (uint32_t)m;
		snprintf(name, sizeof(name), "svc_%u", s->id);
		nft_flush_chain(&bt, NFT_TABLE, name);
		nft_rules_svc(&bt, s, (uint32_t)m);
	}
	r = nft_batch_send(&b->nl, &bt, err, errlen);
	nft_batch_free(&bt);
	if (r < 0) {
		for (i = 0; i < nupd; i++)
			b->t.svcs[upd[i]->si].reals[upd[i]->ri].weight =
			    upd[i]->old;
	} else if (newmod != NULL) {
		for (i = 0; i < b->t.nsvcs; i++)
			if (newmod[i] != 0)
				b->rrmod[i] = newmod[i];
	}
	free(newmod);
	free(upd);
	return r;
}

static int
nft_flush(struct dir_backend *b, char *err, size_t errlen)
{
	static const char *const tables[] = { NFT_TABLE, NFT_ANCHOR };
	size_t i;
	int r;

	/* Ours first, the anchor last: established NAT flows break at this
	 * point in a netns where nothing else holds conntrack. */
	for (i = 0; i < 2; i++) {
		struct nft_batch bt;

		nft_batch_init(&bt, &b->nl);
		nft_del_table(&bt, tables[i]);
		r = nft_batch_send(&b->nl, &bt, err, errlen);
		nft_batch_free(&bt);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	{
		struct dir_table empty = { NULL, 0 };

		adopt(b, &empty, NULL);
	}
	return 0;
}

/* What sync accepts ("" is wrr too). */
static const char *const nft_scheds[] = { "wrr", "rr", "sh", NULL };

const struct dir_backend_ops dir_nft_ops = {
	.name		= "nft",
	.available	= nft_available,
	.open		= nft_open,
	.sync		= nft_sync,
	.apply		= nft_apply,
	.read_stats	= nft_read_stats,
	.close		= nft_close,
	.flush		= nft_flush,
	.caps		= 0,
	.scheds		= nft_scheds,
};

/* monitor/apply.c - the monitor's side of the packet core (see apply.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "event.h"
#include "log.h"

static struct {
	const struct dir_backend_ops	*ops;
	struct dir_backend		*b;
	struct mon_model		*m;
	struct event			*ev_flush;	/* end of this turn */
	struct event			*ev_resync;	/* after a failure */
	struct dir_change		*pending;
	size_t				 npending, cap;
	struct timespec			 first;		/* cause of batch */
	struct mon_real			**by_id;	/* real id -> real */
	uint32_t			*slot;		/* real id -> index+1
							   in pending, 0 none */
	size_t				 nids;
} ap;

static const struct timeval	one_second = { 1, 0 };

static uint64_t
us_since(struct timespec t0)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)((now.tv_sec - t0.tv_sec) * 1000000 +
	    (now.tv_nsec - t0.tv_nsec) / 1000);
}

static int
full_sync(void)
{
	struct dir_table	t;
	char			err[256] = "";
	int			rc;

	if ((rc = mon_model_dir_table(ap.m, &t)) < 0)
		return rc;
	rc = ap.ops->sync(ap.b, &t, err, sizeof(err));
	dir_table_free(&t);
	if (rc < 0)
		mon_error("lvsmond: backend %s: sync failed: %s", ap.ops->name,
		    err);
	return rc;
}

static void
on_resync(evutil_socket_t fd, short what, void *arg)
{
	struct mon_event	ev = { .type = MON_EV_BACKEND };

	(void)fd;
	(void)what;
	(void)arg;
	if (full_sync() < 0) {
		evtimer_add(ap.ev_resync, &one_second);
		return;
	}
	mon_info("lvsmond: backend %s: kernel table repaired", ap.ops->name);
	ev.msg = "kernel table repaired";
	mon_event_emit(&ev);
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct mon_event	ev = { .type = MON_EV_APPLIED };
	char			err[256] = "";
	size_t			n = ap.npending;

	(void)fd;
	(void)what;
	(void)arg;
	if (n == 0)
		return;
	ap.npending = 0;
	for (size_t i = 0; i < n; i++)
		ap.slot[ap.pending[i].real_id] = 0;
	if (ap.ops->apply(ap.b, ap.pending, n, err, sizeof(err)) < 0) {
		struct mon_event bev = { .type = MON_EV_BACKEND,
		    .error = -EIO, .msg = err };

		mon_error("lvsmond: backend %s: applying %zu weight changes "
		    "failed: %s; full sync in 1 s", ap.ops->name, n, err);
		mon_event_emit(&bev);
		evtimer_add(ap.ev_resync, &one_second);
		return;
	}
	ev.changes = (unsigned)n;
	ev.latency_us = us_since(ap.first);
	ev.msg = "";
	mon_debug("lvsmond: backend %s: %zu changes applied in %llu us",
	    ap.ops->name, n, (unsigned long long)ev.latency_us);
	mon_event_emit(&ev);
}

static void
on_event(const struct mon_event *ev, void *arg)
{
	struct dir_change	*n;

	(void)arg;
	if (ev->type != MON_EV_WEIGHT || ev->rs == NULL)
		return;
	/* the same real twice in one turn: the last weight wins */
	if (ev->rs->id < ap.nids && ap.slot[ev->rs->id] != 0) {
		ap.pending[ap.slot[ev->rs->id] - 1].weight = (uint32_t)ev->new;
		return;
	}
	if (ap.npending == ap.cap) {
		size_t c = ap.cap ? ap.cap * 2 : 64;

		if ((n = realloc(ap.pending, c * sizeof(*n))) == NULL) {
			mon_error("lvsmond: out of memory queueing a weight "
			    "change; full sync in 1 s");
			evtimer_add(ap.ev_resync, &one_second);
			return;
		}
		ap.pending = n;
		ap.cap = c;
	}
	if (ap.npending == 0) {
		clock_gettime(CLOCK_MONOTONIC, &ap.first);
		event_active(ap.ev_flush, EV_TIMEOUT, 0);
	}
	if (ev->rs->id < ap.nids)
		ap.slot[ev->rs->id] = (uint32_t)ap.npending + 1;
	ap.pending[ap.npending++] = (struct dir_change){
	    .svc_id = ev->rs->svc->id, .real_id = ev->rs->id,
	    .weight = (uint32_t)ev->new };
}

/* real id -> real, and an empty pending slot per id */
static int
index_ids(struct mon_model *m)
{
	size_t			  n = 1;
	struct mon_real		**by_id;
	uint32_t		 *slot;

	for (size_t i = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++)
			if (m->svcs[i].reals[j].id >= n)
				n = m->svcs[i].reals[j].id + 1;
	if ((by_id = calloc(n, sizeof(*by_id))) == NULL ||
	    (slot = calloc(n, sizeof(*slot))) == NULL) {
		free(by_id);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++)
			by_id[m->svcs[i].reals[j].id] = &m->svcs[i].reals[j];
	free(ap.by_id);
	free(ap.slot);
	ap.by_id = by_id;
	ap.slot = slot;
	ap.nids = n;
	return 0;
}

static int
by_svc_id(const void *a, const void *b)
{
	const struct dir_service *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int
by_real_id(const void *a, const void *b)
{
	const struct dir_real *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int
same_addr(int family, const union dir_addr *a, const union dir_addr *b)
{
	return memcmp(a, b, family == AF_INET ? sizeof(a->v4) :
	    sizeof(a->v6)) == 0;
}

/*
 * Do a and b hold the same services and reals (by id, with the same
 * addresses, schedulers, forwarding), so that only weights may differ?
 * Sorts both tables by id.
 */
static int
same_shape(struct dir_table *a, struct dir_table *b)
{
	if (a->nsvcs != b->nsvcs)
		return 0;
	qsort(a->svcs, a->nsvcs, sizeof(*a->svcs), by_svc_id);
	qsort(b->svcs, b->nsvcs, sizeof(*b->svcs), by_svc_id);
	for (size_t i = 0; i < a->nsvcs; i++) {
		struct dir_service *x = &a->svcs[i], *y = &b->svcs[i];

		if (x->id != y->id || x->family != y->family ||
		    x->proto != y->proto || x->port != y->port ||
		    !same_addr(x->family, &x->addr, &y->addr) ||
		    x->fwmark != y->fwmark || x->fwd != y->fwd ||
		    strcmp(x->sched, y->sched) != 0 ||
		    x->persist != y->persist ||
		    x->persist_plen != y->persist_plen ||
		    x->flags != y->flags || x->nreals != y->nreals)
			return 0;
		qsort(x->reals, x->nreals, sizeof(*x->reals), by_real_id);
		qsort(y->reals, y->nreals, sizeof(*y->reals), by_real_id);
		for (size_t j = 0; j < x->nreals; j++) {
			struct dir_real *r = &x->reals[j], *q = &y->reals[j];

			if (r->id != q->id || r->family != q->family ||
			    r->port != q->port ||
			    !same_addr(r->family, &r->addr, &q->addr) ||
			    r->u_thresh != q->u_thresh ||
			    r->l_thresh != q->l_thresh)
				return 0;
		}
	}
	return 1;
}

int
mon_apply_reload(const struct mon_model *old, struct mon_model *m,
    struct mon_apply_result *res, struct err *e)
{
	struct dir_table	 ot, nt;
	struct dir_change	*ch = NULL;
	size_t			 n = 0;
	char			 err[256] = "";
	int			 rc;

	memset(res, 0, sizeof(*res));
	if (ap.ops == NULL)
		return 0;
	/* this turn's changes were for the old model's reals: the kernel
	   gets them first, so it holds exactly the old table below */
	on_flush(-1, 0, NULL);
	if ((rc = mon_model_dir_table(old, &ot)) < 0)
		return rc;
	if ((rc = mon_model_dir_table(m, &nt)) < 0) {
		dir_table_free(&ot);
		return rc;
	}
	/* a failed batch waits for its repair: then the kernel is not the
	   old table, and only a sync is safe */
	if (!evtimer_pending(ap.ev_resync, NULL) && same_shape(&ot, &nt)) {
		size_t total = 0;

		for (size_t i = 0; i < nt.nsvcs; i++)
			total += nt.svcs[i].nreals;
		if (total > 0 && (ch = calloc(total, sizeof(*ch))) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < nt.nsvcs; i++)
			for (size_t j = 0; j < nt.svcs[i].nreals; j++)
				if (nt.svcs[i].reals[j].weight !=
				    ot.svcs[i].reals[j].weight)
					ch[n++] = (struct dir_change){
					    .svc_id = nt.svcs[i].id,
					    .real_id = nt.svcs[i].reals[j].id,
					    .weight = nt.svcs[i].reals[j].weight };
		res->changes = n;
		if (n > 0 && (rc = ap.ops->apply(ap.b, ch, n, err,
		    sizeof(err))) < 0)
			err_set(e, rc, "backend %s: applying %zu weight "
			    "changes failed: %s", ap.ops->name, n, err);
	} else {
		res->synced = 1;
		if ((rc = ap.ops->sync(ap.b, &nt, err, sizeof(err))) < 0)
			err_set(e, rc, "backend %s: %s", ap.ops->name, err);
	}
	/* a refused batch left the kernel as it was: the old model's */
	if (rc == 0 && (rc = index_ids(m)) < 0)
		err_set(e, rc, "out of memory");
out:
	if (rc == -ENOMEM && e->msg[0] == '\0')
		err_set(e, rc, "out of memory");
	free(ch);
	dir_table_free(&ot);
	dir_table_free(&nt);
	return rc;
}

int
mon_apply_open(struct mon_model *m, struct event_base *base, struct err *e)
{
	char	why[256] = "", err[256] = "";
	int	rc;

	ap.m = m;
	switch (m->global.backend) {
	case MON_BACKEND_AUTO:
		ap.ops = dir_backend_auto(why, sizeof(why));
		break;
	default:
		ap.ops = dir_backend_find(mon_backend_names[m->global.backend]);
		snprintf(why, sizeof(why), "chosen by global.backend");
		break;
	}
	if (ap.ops == NULL)
		return err_set(e, -ENOTSUP, "global.backend: \"%s\" is not "
		    "built into this lvsmond",
		    mon_backend_names[m->global.backend]);
	if (ap.ops->available != NULL &&
	    (rc = ap.ops->available(err, sizeof(err))) < 0)
		return err_set(e, rc, "backend %s: %s", ap.ops->name, err);
	mon_info("lvsmond: backend %s: %s", ap.ops->name, why);
	if ((rc = ap.ops->open(&ap.b, err, sizeof(err))) < 0)
		return err_set(e, rc, "backend %s: %s", ap.ops->name, err);

	if (index_ids(m) < 0)
		return err_set(e, -ENOMEM, "out of memory");

	ap.ev_flush = event_new(base, -1, 0, on_flush, NULL);
	ap.ev_resync = evtimer_new(base, on_resync, NULL);
	if (ap.ev_flush == NULL || ap.ev_resync == NULL ||
	    mon_event_subscribe(on_event, NULL) < 0)
		return err_set(e, -ENOMEM, "out of memory");

	{
		struct dir_table	t;

		if ((rc = mon_model_dir_table(m, &t)) < 0)
			return err_set(e, rc, "out of memory");
		rc = ap.ops->sync(ap.b, &t, err, sizeof(err));
		dir_table_free(&t);
		if (rc < 0)
			return err_set(e, rc, "backend %s: %s", ap.ops->name,
			    err);
	}
	return 0;
}

void
mon_apply_close(void)
{
	mon_event_unsubscribe(on_event, NULL);
	if (ap.ev_flush != NULL)
		event_free(ap.ev_flush);
	if (ap.ev_resync != NULL)
		event_free(ap.ev_resync);
	if (ap.ops != NULL && ap.b != NULL)
		ap.ops->close(ap.b);
	free(ap.pending);
	free(ap.by_id);
	free(ap.slot);
	memset(&ap, 0, sizeof(ap));
}

int
mon_apply_sync(void)
{
	if (ap.ops == NULL)
		return 0;
	if (full_sync() < 0) {
		evtimer_add(ap.ev_resync, &one_second);
		return -EIO;
	}
	return 0;
}

const char *
mon_apply_backend(void)
{
	return ap.ops != NULL ? ap.ops->name : "none";
}

/* A real a reload removed and that drains (model.h): its counters. */
static void
leaving_stats(struct mon_model *m, const struct dir_real *d)
{
	for (size_t i = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nleaving; j++) {
			struct mon_leaving *l = &m->svcs[i].leaving[j];

			if (l->id == d->id && l->family == d->family &&
			    l->port == d->port &&
			    same_addr(l->family, &l->addr, &d->addr)) {
				l->stats = d->stats;
				l->seen = 1;
				return;
			}
		}
}

int
mon_apply_refresh(struct mon_model *m)
{
	struct dir_table	t;
	char			err[256] = "";
	int			rc;

	if (ap.ops == NULL)
		return -ENODEV;
	for (size_t i = 0; i < m->nsvcs; i++) {
		m->svcs[i].conns = 0;
		for (size_t j = 0; j < m->svcs[i].nreals; j++) {
			m->svcs[i].reals[j].kernel_weight = -1;
			memset(&m->svcs[i].reals[j].stats, 0,
			    sizeof(m->svcs[i].reals[j].stats));
		}
		for (size_t j = 0; j < m->svcs[i].nleaving; j++) {
			memset(&m->svcs[i].leaving[j].stats, 0,
			    sizeof(m->svcs[i].leaving[j].stats));
			m->svcs[i].leaving[j].seen = 0;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &m->stats_time);
	if ((rc = ap.ops->read_stats(ap.b, &t, err, sizeof(err))) < 0) {
		mon_warn("lvsmond: backend %s: reading the kernel table "
		    "failed: %s", ap.ops->name, err);
		return rc;
	}
	for (size_t i = 0; i < t.nsvcs; i++)
		for (size_t j = 0; j < t.svcs[i].nreals; j++) {
			const struct dir_real	*d = &t.svcs[i].reals[j];
			struct mon_real		*rs;

			if (d->id >= ap.nids || (rs = ap.by_id[d->id]) == NULL) {
				leaving_stats(m, d);
				continue;
			}
			/* an id held by another address is not ours */
			if (rs->family != d->family || rs->port != d->port ||
			    memcmp(&rs->addr, &d->addr, rs->family == AF_INET ?
			    sizeof(d->addr.v4) : sizeof(d->addr.v6)) != 0)
				continue;
			rs->kernel_weight = d->weight;
			rs->stats = d->stats;
			rs->svc->conns += d->stats.conns;
		}
	dir_table_free(&t);
	return 0;
}

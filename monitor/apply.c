/* monitor/apply.c - the monitor's side of the packet core (see apply.h). */
#include <errno.h>
#include <stdarg.h>
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
	struct event			*ev_reconcile;	/* periodic */
	struct mon_real			**by_id;	/* real id -> real */
	uint32_t			*slot;		/* real id -> index+1
							   in pending, 0 none */
	uint8_t				*present;	/* real id -> in the
							   kernel table as
							   last synced */
	int				 need_sync;	/* a real joins or
							   leaves the table
							   (on_down) */
	size_t				 nids;
} ap;

static const struct timeval	one_second = { 1, 0 };

static void	adopt_kernel(struct mon_model *m);
static void	on_reconcile(evutil_socket_t fd, short what, void *arg);

static uint64_t
us_since(struct timespec t0)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)((now.tv_sec - t0.tv_sec) * 1000000 +
	    (now.tv_nsec - t0.tv_nsec) / 1000);
}

/* What the kernel holds after a sync of t: who is in the table. */
static void
note_present(const struct dir_table *t)
{
	if (ap.present == NULL)
		return;
	memset(ap.present, 0, ap.nids);
	for (size_t i = 0; i < t->nsvcs; i++)
		for (size_t j = 0; j < t->svcs[i].nreals; j++)
			if (t->svcs[i].reals[j].id < ap.nids)
				ap.present[t->svcs[i].reals[j].id] = 1;
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
	if (rc == 0)
		note_present(&t);
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
	if (n == 0 && !ap.need_sync)
		return;
	ap.npending = 0;
	for (size_t i = 0; i < n; i++)
		ap.slot[ap.pending[i].real_id] = 0;
	if (ap.need_sync) {
		/* a real joins or leaves the table: apply() only moves
		   weights, a sync adds and removes (and carries the turn's
		   weights, from the model) */
		ap.need_sync = 0;
		if (full_sync() < 0) {
			struct mon_event bev = { .type = MON_EV_BACKEND,
			    .error = -EIO, .msg = "sync failed" };

			mon_event_emit(&bev);
			evtimer_add(ap.ev_resync, &one_second);
			return;
		}
		ev.changes = (unsigned)(n ? n : 1);
		ev.latency_us = us_since(ap.first);
		ev.msg = "";
		mon_event_emit(&ev);
		return;
	}
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
	if (ev->rs->id < ap.nids && ap.present != NULL &&
	    ap.present[ev->rs->id] != (ev->rs->in_table != 0)) {
		if (ap.npending == 0 && !ap.need_sync) {
			clock_gettime(CLOCK_MONOTONIC, &ap.first);
			event_active(ap.ev_flush, EV_TIMEOUT, 0);
		}
		ap.need_sync = 1;
		return;
	}
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
	if (ap.npending == 0 && !ap.need_sync) {
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
	uint32_t		 *slot = NULL;
	uint8_t			 *present = NULL;

	for (size_t i = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++)
			if (m->svcs[i].reals[j].id >= n)
				n = m->svcs[i].reals[j].id + 1;
	if ((by_id = calloc(n, sizeof(*by_id))) == NULL ||
	    (slot = calloc(n, sizeof(*slot))) == NULL ||
	    (present = calloc(n, 1)) == NULL) {
		free(by_id);
		free(slot);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++)
			by_id[m->svcs[i].reals[j].id] = &m->svcs[i].reals[j];
	free(ap.by_id);
	free(ap.slot);
	free(ap.present);
	ap.by_id = by_id;
	ap.slot = slot;
	ap.present = present;
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
		    x->flags != y->flags || x->nreals != y->nreals ||
		    x->hash_seed != y->hash_seed)
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
	/* the kernel holds nt now: on_event compares in_table with it */
	if (rc == 0)
		note_present(&nt);
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
	/* what auto chose must do what the config asks (an explicit
	   backend was checked at load) */
	if ((rc = mon_model_check_backend(m, ap.ops->name, e)) < 0)
		return rc;
	if ((rc = ap.ops->open(&ap.b, err, sizeof(err))) < 0)
		return err_set(e, rc, "backend %s: %s", ap.ops->name, err);
	if (ap.ops->set_timeouts != NULL && (rc = ap.ops->set_timeouts(ap.b,
	    &m->global.ipvs_timeouts, err, sizeof(err))) < 0)
		return err_set(e, rc, "backend %s: global.ipvs: %s",
		    ap.ops->name, err);

	if (index_ids(m) < 0)
		return err_set(e, -ENOMEM, "out of memory");

	ap.ev_flush = event_new(base, -1, 0, on_flush, NULL);
	ap.ev_resync = evtimer_new(base, on_resync, NULL);
	if (ap.ev_flush == NULL || ap.ev_resync == NULL ||
	    mon_event_subscribe(on_event, NULL) < 0)
		return err_set(e, -ENOMEM, "out of memory");

	adopt_kernel(m);
	{
		struct dir_table	t;

		if ((rc = mon_model_dir_table(m, &t)) < 0)
			return err_set(e, rc, "out of memory");
		rc = ap.ops->sync(ap.b, &t, err, sizeof(err));
		if (rc == 0)
			note_present(&t);
		dir_table_free(&t);
		if (rc < 0)
			return err_set(e, rc, "backend %s: %s", ap.ops->name,
			    err);
	}
	if (m->global.reconcile_ms > 0) {
		struct timeval	tv = { m->global.reconcile_ms / 1000,
				    (m->global.reconcile_ms % 1000) * 1000 };

		if ((ap.ev_reconcile = event_new(base, -1, EV_PERSIST,
		    on_reconcile, NULL)) == NULL ||
		    event_add(ap.ev_reconcile, &tv) < 0)
			return err_set(e, -ENOMEM, "out of memory");
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
	if (ap.ev_reconcile != NULL)
		event_free(ap.ev_reconcile);
	if (ap.ops != NULL && ap.b != NULL)
		ap.ops->close(ap.b);
	free(ap.pending);
	free(ap.by_id);
	free(ap.slot);
	free(ap.present);
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

int
mon_apply_sync_daemon(int role, const char *ifname, uint32_t syncid,
    struct err *e)
{
	struct dir_sync_daemon	d = { 0 };
	char			err[256] = "";
	int			rc;

	if (ap.ops == NULL || !(ap.ops->caps & DIR_CAP_SYNC_DAEMON))
		return err_set(e, -EOPNOTSUPP, "backend %s has no connection "
		    "sync daemon", mon_apply_backend());
	/* one role at a time: the other one stops first */
	rc = ap.ops->sync_daemon_stop(ap.b, role == DIR_SYNC_MASTER ?
	    DIR_SYNC_BACKUP : DIR_SYNC_MASTER, err, sizeof(err));
	if (rc < 0 && rc != -ESRCH)
		return err_set(e, rc, "stopping: %s", err);
	d.role = role == DIR_SYNC_MASTER ? DIR_SYNC_MASTER : DIR_SYNC_BACKUP;
	snprintf(d.ifname, sizeof(d.ifname), "%s", ifname);
	d.syncid = syncid;
	rc = ap.ops->sync_daemon_start(ap.b, &d, err, sizeof(err));
	if (rc < 0 && rc != -EEXIST)
		return err_set(e, rc, "starting as %s: %s", role ==
		    DIR_SYNC_MASTER ? "master" : "backup", err);
	return 0;
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

/* Read the kernel's table into *t; a failure is logged. */
static int
read_kernel(struct dir_table *t)
{
	char	err[256] = "";
	int	rc;

	if ((rc = ap.ops->read_stats(ap.b, t, err, sizeof(err))) < 0)
		mon_warn("lvsmond: backend %s: reading the kernel table "
		    "failed: %s", ap.ops->name, err);
	return rc;
}

/* Kernel weights and counters into the model, from a table just read. */
static void
refresh_from(struct mon_model *m, const struct dir_table *t)
{
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
	for (size_t i = 0; i < t->nsvcs; i++)
		for (size_t j = 0; j < t->svcs[i].nreals; j++) {
			const struct dir_real	*d = &t->svcs[i].reals[j];
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
}

int
mon_apply_refresh(struct mon_model *m)
{
	struct dir_table	t;
	int			rc;

	if (ap.ops == NULL)
		return -ENODEV;
	if ((rc = read_kernel(&t)) < 0) {
		refresh_from(m, &(struct dir_table){ NULL, 0 });
		return rc;
	}
	refresh_from(m, &t);
	dir_table_free(&t);
	return 0;
}

/* ---- matching the kernel's table with the model, by what things are ---- */

static size_t
addr_len(int family)
{
	return family == AF_INET ? sizeof(struct in_addr) :
	    sizeof(struct in6_addr);
}

static int
cmp_svc(const void *a, const void *b)
{
	const struct dir_service *x = *(const struct dir_service *const *)a;
	const struct dir_service *y = *(const struct dir_service *const *)b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->fwmark != y->fwmark)
		return x->fwmark < y->fwmark ? -1 : 1;
	return memcmp(&x->addr, &y->addr, addr_len(x->family));
}

static int
cmp_real(const void *a, const void *b)
{
	const struct dir_real *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return memcmp(&x->addr, &y->addr, addr_len(x->family));
}

/*
 * An index of a table read from the kernel: its services sorted by
 * address, each one's reals sorted in place, and a "seen" mark per entry
 * for what the model does not have.
 */
struct kidx {
	struct dir_table	  *t;
	struct dir_service	 **svc;		/* [t->nsvcs], sorted */
	unsigned char		  *svc_seen;	/* [t->nsvcs], by t's order */
	unsigned char		 **real_seen;	/* [t->nsvcs][nreals] */
};

static void
kidx_free(struct kidx *k)
{
	if (k->real_seen != NULL)
		for (size_t i = 0; i < k->t->nsvcs; i++)
			free(k->real_seen[i]);
	free(k->real_seen);
	free(k->svc);
	free(k->svc_seen);
}

static int
kidx_build(struct kidx *k, struct dir_table *t)
{
	memset(k, 0, sizeof(*k));
	k->t = t;
	k->svc = calloc(t->nsvcs + 1, sizeof(*k->svc));
	k->svc_seen = calloc(t->nsvcs + 1, 1);
	k->real_seen = calloc(t->nsvcs + 1, sizeof(*k->real_seen));
	if (k->svc == NULL || k->svc_seen == NULL || k->real_seen == NULL)
		goto nomem;
	for (size_t i = 0; i < t->nsvcs; i++) {
		k->svc[i] = &t->svcs[i];
		/* a service without reals (ipvsadm -A) has reals NULL */
		if (t->svcs[i].nreals > 1)
			qsort(t->svcs[i].reals, t->svcs[i].nreals,
			    sizeof(*t->svcs[i].reals), cmp_real);
		if ((k->real_seen[i] = calloc(t->svcs[i].nreals + 1, 1)) ==
		    NULL)
			goto nomem;
	}
	qsort(k->svc, t->nsvcs, sizeof(*k->svc), cmp_svc);
	return 0;
nomem:
	kidx_free(k);
	return -ENOMEM;
}

/* The kernel's entry for a model service, or NULL. */
static struct dir_service *
kidx_svc(const struct kidx *k, const struct mon_service *s)
{
	/* a fwmark service is its mark (cmp_svc): without it here no
	   kernel fwmark service was ever found, so adoption missed it and
	   each reconcile "restored" it */
	struct dir_service	 key = { .family = s->family,
				    .proto = s->proto, .addr = s->addr,
				    .port = s->port, .fwmark = s->fwmark };
	const struct dir_service *kp = &key;
	struct dir_service	**f;

	f = bsearch(&kp, k->svc, k->t->nsvcs, sizeof(*k->svc), cmp_svc);
	if (f == NULL)
		return NULL;
	k->svc_seen[*f - k->t->svcs] = 1;
	return *f;
}

/* The kernel's entry for a model real in kernel service ks, or NULL. */
static struct dir_real *
kidx_real(const struct kidx *k, struct dir_service *ks,
    const struct mon_real *rs)
{
	struct dir_real	 key = { .family = rs->family, .addr = rs->addr,
			    .port = rs->port };
	struct dir_real	*f;

	if (ks->nreals == 0)	/* reals NULL: every real deleted by hand */
		return NULL;
	f = bsearch(&key, ks->reals, ks->nreals, sizeof(*ks->reals),
	    cmp_real);
	if (f != NULL)
		k->real_seen[ks - k->t->svcs][f - ks->reals] = 1;
	return f;
}

/*
 * Start without a cut: reals the kernel serves with a weight keep it until
 * their first check (mon_rs_adopt, resource.h).  Before the first sync, so
 * that sync changes nothing for them.
 */
static void
adopt_kernel(struct mon_model *m)
{
	struct dir_table	t;
	struct kidx		k;
	size_t			n = 0, serving = 0;

	if (read_kernel(&t) < 0) {
		mon_warn("lvsmond: backend %s: starting without adopting the "
		    "kernel's weights: every checked real waits for its "
		    "first check", ap.ops->name);
		return;
	}
	if (kidx_build(&k, &t) < 0) {
		dir_table_free(&t);
		return;
	}
	for (size_t i = 0; i < m->nsvcs; i++) {
		struct mon_service	*s = &m->svcs[i];
		struct dir_service	*ks = kidx_svc(&k, s);

		for (size_t j = 0; ks != NULL && j < s->nreals; j++) {
			struct dir_real *kr = kidx_real(&k, ks, &s->reals[j]);

			if (kr == NULL || kr->weight == 0)
				continue;
			serving++;
			n += (size_t)mon_rs_adopt(&s->reals[j], kr->weight);
		}
	}
	if (serving > 0)
		mon_info("lvsmond: backend %s: the kernel serves %zu of the "
		    "configured real servers; %zu adopted as up until their "
		    "first check", ap.ops->name, serving, n);
	kidx_free(&k);
	dir_table_free(&t);
}

/* ---- reconcile: repair what someone changed by hand ---- */

/* Log one repair, remember the first for the event. */
static void
repaired(char *first, size_t len, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
repaired(char *first, size_t len, size_t *n, const char *fmt, ...)
{
	char	msg[256];
	va_list	va;

	va_start(va, fmt);
	vsnprintf(msg, sizeof(msg), fmt, va);
	va_end(va);
	mon_info("reconcile: %s", msg);
	if ((*n)++ == 0)
		snprintf(first, len, "%s", msg);
}

/* Compare the model's desired table with the kernel's; log each
 * difference.  Returns how many there are. */
static size_t
reconcile_diff(const struct mon_model *m, struct kidx *k, char *first,
    size_t len)
{
	size_t	n = 0;
	char	a[INET6_ADDRSTRLEN + 8];

	for (size_t i = 0; i < m->nsvcs; i++) {
		const struct mon_service *s = &m->svcs[i];
		struct dir_service	 *ks = kidx_svc(k, s);

		if (ks == NULL) {
			repaired(first, len, &n, "service %s: %s missing in "
			    "the kernel, restored", s->name, s->key);
			continue;
		}
		if (ks->id != s->id)
			repaired(first, len, &n, "service %s: id %u -> %u "
			    "restored", s->name, ks->id, s->id);
		if (strcmp(ks->sched, s->sched) != 0 &&
		    !(strcmp(s->sched, "wrr") == 0 && ks->sched[0] == '\0'))
			repaired(first, len, &n, "service %s: scheduler %s "
			    "-> %s restored", s->name, ks->sched, s->sched);
		for (size_t j = 0; j < s->nreals; j++) {
			const struct mon_real	*rs = &s->reals[j];
			struct dir_real		*kr = kidx_real(k, ks, rs);

			/* on_down = "remove": a down real is not there */
			if (!rs->in_table) {
				if (kr != NULL)
					repaired(first, len, &n, "service %s: "
					    "real %s out of the table but in "
					    "the kernel, removed", s->name,
					    rs->key);
				continue;
			}
			if (kr == NULL)
				repaired(first, len, &n, "service %s: real %s "
				    "missing in the kernel, restored",
				    s->name, rs->key);
			else if (kr->weight != rs->eff_weight)
				repaired(first, len, &n, "service %s: real %s "
				    "weight %u -> %u restored", s->name,
				    rs->key, kr->weight, rs->eff_weight);
			else if (kr->id != rs->id)
				repaired(first, len, &n, "service %s: real %s "
				    "id %u -> %u restored", s->name, rs->key,
				    kr->id, rs->id);
		}
		/* removed by a reload, draining (model.h): known */
		for (size_t j = 0; j < s->nleaving; j++) {
			struct mon_real key = { .family = s->leaving[j].family,
			    .addr = s->leaving[j].addr,
			    .port = s->leaving[j].port };

			(void)kidx_real(k, ks, &key);
		}
		for (size_t j = 0; j < ks->nreals; j++) {
			if (k->real_seen[ks - k->t->svcs][j])
				continue;
			mon_addr_key(ks->reals[j].family, &ks->reals[j].addr,
			    ks->reals[j].port, a, sizeof(a));
			repaired(first, len, &n, "service %s: real %s unknown "
			    "entry removed", s->name, a);
		}
	}
	for (size_t i = 0; i < k->t->nsvcs; i++) {
		const struct dir_service *ks = &k->t->svcs[i];

		if (k->svc_seen[i])
			continue;
		mon_addr_key(ks->family, &ks->addr, ks->port, a, sizeof(a));
		repaired(first, len, &n, "service %s/%s: unknown entry "
		    "removed", ks->proto == IPPROTO_UDP ? "udp" :
		    ks->proto == IPPROTO_TCP ? "tcp" : "sctp", a);
	}
	return n;
}

static void
on_reconcile(evutil_socket_t fd, short what, void *arg)
{
	struct mon_event	ev = { .type = MON_EV_BACKEND };
	struct dir_table	t;
	struct kidx		k;
	char			first[256] = "", msg[320];
	size_t			n;

	(void)fd;
	(void)what;
	(void)arg;
	/* the kernel lags the model by design while a batch waits for the
	   end of the turn or a failed one waits for its resync: not drift */
	if (ap.npending > 0 || ap.need_sync ||
	    evtimer_pending(ap.ev_resync, NULL))
		return;
	if (read_kernel(&t) < 0)
		return;
	refresh_from(ap.m, &t);
	if (kidx_build(&k, &t) < 0) {
		dir_table_free(&t);
		return;
	}
	n = reconcile_diff(ap.m, &k, first, sizeof(first));
	kidx_free(&k);
	dir_table_free(&t);
	if (n == 0)
		return;
	if (full_sync() < 0) {
		struct mon_event bev = { .type = MON_EV_BACKEND,
		    .error = -EIO, .msg = "reconcile: sync failed" };

		mon_event_emit(&bev);
		evtimer_add(ap.ev_resync, &one_second);
		return;
	}
	/* each difference has its line already; the event says it once */
	if (n == 1)
		snprintf(msg, sizeof(msg), "reconcile: %s", first);
	else {
		snprintf(msg, sizeof(msg), "reconcile: %zu differences "
		    "repaired (first: %s)", n, first);
		mon_info("lvsmond: backend %s: reconcile: %zu differences "
		    "repaired", ap.ops->name, n);
	}
	ev.msg = msg;
	mon_event_emit(&ev);
}

void
mon_apply_exit(struct mon_model *m)
{
	char	err[256] = "";

	if (ap.ops == NULL || ap.b == NULL)
		return;
	if (m->global.on_exit != MON_ON_EXIT_FLUSH) {
		mon_info("lvsmond: backend %s: kernel table kept (on_exit = "
		    "\"keep\"): traffic flows on by the last weights",
		    ap.ops->name);
		return;
	}
	if (ap.ops->flush == NULL) {
		mon_warn("lvsmond: backend %s: cannot flush (on_exit = "
		    "\"flush\"); kernel table kept", ap.ops->name);
		return;
	}
	if (ap.ops->flush(ap.b, err, sizeof(err)) < 0)
		mon_error("lvsmond: backend %s: flush failed: %s",
		    ap.ops->name, err);
	else
		mon_info("lvsmond: backend %s: kernel table flushed (on_exit "
		    "= \"flush\")", ap.ops->name);
}

int
mon_apply_sync_daemon_state(void)
{
	struct dir_sync_daemon	d[2];
	size_t			n = 0;
	char			err[256] = "";
	int			rc, bits = 0;

	if (ap.ops == NULL || !(ap.ops->caps & DIR_CAP_SYNC_DAEMON) ||
	    ap.ops->sync_daemon_read == NULL)
		return 0;
	if ((rc = ap.ops->sync_daemon_read(ap.b, d, &n, err, sizeof(err))) < 0)
		return rc;
	for (size_t i = 0; i < n && i < 2; i++)
		bits |= d[i].role == DIR_SYNC_MASTER ? 1 : 2;
	return bits;
}

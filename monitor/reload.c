/*
 * monitor/reload.c - a new config file into the running daemon (see
 * reload.h for what is kept, restarted, added and removed).
 *
 * Steps, each O(services + reals):
 *   1. parse the file into a fresh model (everything lvsmond -t checks);
 *   2. index the running model's services, reals and draining reals by key
 *      in one hash table, and match the new ones against it: ids and
 *      runtime carried, check kept or restarted, removed reals drained;
 *   3. one batch to the kernel (apply.c), which may still refuse: then the
 *      fresh model is thrown away and nothing has changed;
 *   4. swap the contents, move the kept checks over, emit MON_EV_RELOAD,
 *      stop and free what is left of the old model, start the new checks.
 * keepalived pairs old and new checkers in nested loops (130 s at 37,000
 * reals, its #2318); the hash keeps it linear.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "event.h"
#include "log.h"
#include "reload.h"
#include "resource.h"
#include "sched.h"
#include "sdnotify.h"
#include "state.h"
#include "weightsrc.h"

static struct {
	struct mon_model	*m;
	struct event_base	*base;
	struct event		*ev_drain;
	const struct mon_model	*previous;	/* during MON_EV_RELOAD */
	uint32_t		 next_svc_id;	/* ids never handed out twice */
	uint32_t		 next_real_id;	/* in one daemon run */
} rl;

static const struct timeval	drain_tick = { 1, 0 };

/* ---- the key index ---------------------------------------------------- */

enum ent_kind { ENT_SVC = 1, ENT_REAL, ENT_LEAVING };

struct ent {
	uint64_t	 h;
	enum ent_kind	 kind;		/* 0: empty */
	const char	*skey, *rkey;	/* rkey NULL for a service */
	void		*obj;		/* mon_service, mon_real, mon_leaving */
	struct mon_service *match;	/* a service: the new model's */
	int		 used;		/* matched by the new model */
};

struct index {
	struct ent	*e;
	size_t		 mask;
};

static uint64_t
hash_str(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h * 0x100000001b3ull;
}

static uint64_t
hash_key(const char *skey, const char *rkey)
{
	uint64_t h = hash_str(0xcbf29ce484222325ull, skey);

	return rkey != NULL ? hash_str(h ^ 0x2f, rkey) : h;
}

static struct ent *
index_find(struct index *ix, enum ent_kind kind, const char *skey,
    const char *rkey)
{
	uint64_t	h = hash_key(skey, rkey);

	for (size_t i = h & ix->mask;; i = (i + 1) & ix->mask) {
		struct ent *e = &ix->e[i];

		if (e->kind == 0)
			return NULL;
		if (e->h == h && e->kind == kind &&
		    strcmp(e->skey, skey) == 0 &&
		    (rkey == NULL || strcmp(e->rkey, rkey) == 0))
			return e;
	}
}

static void
index_add(struct index *ix, enum ent_kind kind, const char *skey,
    const char *rkey, void *obj)
{
	uint64_t	h = hash_key(skey, rkey);
	size_t		i = h & ix->mask;

	while (ix->e[i].kind != 0)
		i = (i + 1) & ix->mask;
	ix->e[i] = (struct ent){ .h = h, .kind = kind, .skey = skey,
	    .rkey = rkey, .obj = obj };
}

static int
index_build(struct index *ix, struct mon_model *m)
{
	size_t	n = m->nsvcs, cap = 16;

	for (size_t i = 0; i < m->nsvcs; i++)
		n += m->svcs[i].nreals + m->svcs[i].nleaving;
	while (cap < 2 * n)
		cap *= 2;
	if ((ix->e = calloc(cap, sizeof(*ix->e))) == NULL)
		return -ENOMEM;
	ix->mask = cap - 1;
	for (size_t i = 0; i < m->nsvcs; i++) {
		struct mon_service *s = &m->svcs[i];

		index_add(ix, ENT_SVC, s->key, NULL, s);
		for (size_t j = 0; j < s->nreals; j++)
			index_add(ix, ENT_REAL, s->key, s->reals[j].key,
			    &s->reals[j]);
		for (size_t j = 0; j < s->nleaving; j++)
			index_add(ix, ENT_LEAVING, s->key, s->leaving[j].key,
			    &s->leaving[j]);
	}
	return 0;
}

/* ---- carrying runtime ------------------------------------------------- */

static int	str_differs(const char *, const char *);

/*
 * The runtime of a real that a reload keeps: everything that did not come
 * from the file.  A runtime field added to struct mon_real (model.h) must
 * be added here, or every reload silently resets it.  target_weight,
 * eff_weight and in_table are recomputed by the caller (the configured
 * weight or the service's policy may have changed); the slow-start timer
 * and the probes move after the swap (mon_reload).
 */
static void
carry_real(struct mon_real *to, const struct mon_real *from)
{
	to->id = from->id;
	/* a real that became the sorry server or the other way round: the
	   same kernel entry, but its runtime means something else now */
	if (to->sorry != from->sorry)
		return;
	to->state = from->state;
	to->admin = from->admin;
	to->admin_weight = from->admin_weight;
	to->check_weight = from->check_weight;
	to->count = from->count;
	to->last_reason = from->last_reason;
	to->last_verdict = from->last_verdict;
	memcpy(to->last_msg, from->last_msg, sizeof(to->last_msg));
	to->last_duration_ms = from->last_duration_ms;
	to->last_change = from->last_change;
	to->changes = from->changes;
	to->unknowns = from->unknowns;
	to->decided = from->decided;
	to->target_weight = from->target_weight;
	to->eff_weight = from->eff_weight;
	to->in_table = from->in_table;
	to->ramping = from->ramping;
	to->ramp_start = from->ramp_start;
	to->kernel_weight = from->kernel_weight;
	to->stats = from->stats;
	/* what the sources said (weightsrc.h); the weight file's path is
	   config: a new one is read when the watcher re-opens */
	to->ws.agent = from->ws.agent;
	to->ws.agent_seen = from->ws.agent_seen;
	to->ws.agent_reach = from->ws.agent_reach;
	memcpy(to->ws.agent_msg, from->ws.agent_msg,
	    sizeof(to->ws.agent_msg));
	to->ws.file.status = from->ws.file.status;
	to->ws.file.line = from->ws.file.line;
	memcpy(to->ws.file.msg, from->ws.file.msg, sizeof(to->ws.file.msg));
	to->ws.file.said = from->ws.file.said;
	memcpy(to->ws.maint, from->ws.maint, sizeof(to->ws.maint));
}

/* The same for a service (what resource.c and apply.c wrote). */
static void
carry_service(struct mon_service *to, const struct mon_service *from)
{
	to->id = from->id;
	to->conns = from->conns;
	to->quorum_ok = from->quorum_ok;
	to->sorry_active = from->sorry_active;
	to->serving = from->serving;
	to->serving_weight = from->serving_weight;
}

/* What a new real takes over from the running one it matches. */
struct mv {
	struct mon_real	*old;		/* NULL: a new real */
	unsigned char	 probe;		/* its check keeps running */
	unsigned char	 agent;		/* its agent keeps running */
};

static int
same_check(const struct probe *a, const struct probe *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return a->type == b->type && a->fingerprint == b->fingerprint;
}

static struct timespec
mono_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

static unsigned
us_since(struct timespec t0)
{
	struct timespec	now = mono_now();

	return (unsigned)((now.tv_sec - t0.tv_sec) * 1000000 +
	    (now.tv_nsec - t0.tv_nsec) / 1000);
}

static int
leaving_add(struct mon_service *s, const struct mon_real *rs,
    const struct mon_leaving *was, unsigned timeout_ms)
{
	struct mon_leaving	*n, *l;

	if ((n = realloc(s->leaving, (s->nleaving + 1) * sizeof(*n))) == NULL)
		return -ENOMEM;
	s->leaving = n;
	l = &n[s->nleaving++];
	if (was != NULL) {
		*l = *was;
		return 0;
	}
	memset(l, 0, sizeof(*l));
	l->id = rs->id;
	l->family = rs->family;
	l->addr = rs->addr;
	l->port = rs->port;
	memcpy(l->key, rs->key, sizeof(l->key));
	l->stats = rs->stats;
	l->until = mono_now();
	l->until.tv_sec += timeout_ms / 1000;
	l->until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (l->until.tv_nsec >= 1000000000) {
		l->until.tv_sec++;
		l->until.tv_nsec -= 1000000000;
	}
	return 0;
}

/* Highest ids in use (reals draining included): new ones go above. */
static void
id_marks(const struct mon_model *m)
{
	for (size_t i = 0; i < m->nsvcs; i++) {
		const struct mon_service *s = &m->svcs[i];

		if (s->id >= rl.next_svc_id)
			rl.next_svc_id = s->id + 1;
		for (size_t j = 0; j < s->nreals; j++)
			if (s->reals[j].id >= rl.next_real_id)
				rl.next_real_id = s->reals[j].id + 1;
		for (size_t j = 0; j < s->nleaving; j++)
			if (s->leaving[j].id >= rl.next_real_id)
				rl.next_real_id = s->leaving[j].id + 1;
	}
}

/*
 * Match n against the running m: ids, runtime, which checks stay (move[k]
 * = what the k-th real of n takes over, in n's real order), which reals
 * drain; then n's weights under the carried state and the services'
 * policy, quietly (qwas[i]: the quorum service i of n had before, -1 a new
 * service).  Touches nothing of m.
 */
static int
match(struct mon_model *m, struct mon_model *n, struct mv *move, int *qwas,
    struct mon_reload_result *res, struct err *e)
{
	struct index	ix = { 0 };
	size_t		k = 0;
	int		rc;

	if ((rc = index_build(&ix, m)) < 0)
		return err_set(e, rc, "out of memory");
	id_marks(m);
	for (size_t i = 0; i < n->nsvcs; i++) {
		struct mon_service	*s = &n->svcs[i];
		struct ent		*se = index_find(&ix, ENT_SVC, s->key,
					    NULL);

		qwas[i] = -1;
		if (se != NULL) {
			se->used = 1;
			se->match = s;
			carry_service(s, se->obj);
			qwas[i] = s->quorum_ok;
		} else {
			res->svcs_added++;
			s->id = rl.next_svc_id++;
		}
		for (size_t j = 0; j < s->nreals; j++, k++) {
			struct mon_real	*rs = &s->reals[j];
			struct ent	*re = NULL;
			struct mon_real	*old;

			move[k] = (struct mv){ NULL, 0, 0 };
			if (se != NULL)
				re = index_find(&ix, ENT_REAL, s->key,
				    rs->key);
			if (re == NULL) {
				struct ent *le = se == NULL ? NULL :
				    index_find(&ix, ENT_LEAVING, s->key,
				    rs->key);

				/* back before it had drained: its mark */
				if (le != NULL) {
					le->used = 1;
					rs->id = ((struct mon_leaving *)
					    le->obj)->id;
				} else
					rs->id = rl.next_real_id++;
				res->added++;
				continue;
			}
			re->used = 1;
			old = re->obj;
			carry_real(rs, old);
			move[k].old = old;
			if (old->sorry != rs->sorry) {
				res->changed++;
				res->restarted_checks += rs->probe != NULL;
				continue;
			}
			if (same_check(old->probe, rs->probe)) {
				move[k].probe = 1;
				res->kept_checks += rs->probe != NULL;
			} else {
				/* a new check: its own rise/fall count */
				rs->count = 0;
				res->restarted_checks += rs->probe != NULL;
			}
			/* a new agent starts over; what the old one said
			   stays until the new one says otherwise */
			move[k].agent = same_check(old->agent, rs->agent);
			if (old->weight != rs->weight ||
			    old->slow_start_ms != rs->slow_start_ms ||
			    !move[k].probe || !move[k].agent ||
			    str_differs(old->ws.file.path, rs->ws.file.path))
				res->changed++;
		}
		/* the weights under the carried state and this file's
		   policy (quorum, sorry server, on_down, slow start) */
		mon_svc_quorum(s, 1);
	}
	if (rl.next_real_id > DIR_ID_MAX + 1) {
		free(ix.e);
		return err_set(e, -ERANGE, "%s: real server ids exhausted "
		    "(more than %u given out since start)", m->file,
		    DIR_ID_MAX);
	}

	/* what the new file lost: drained in its service, if it stays */
	for (size_t i = 0; i <= ix.mask; i++) {
		struct ent		*x = &ix.e[i];
		struct mon_service	*ns;

		if (x->kind == 0 || x->used || x->kind == ENT_SVC)
			continue;
		if (x->kind == ENT_REAL)
			res->removed++;
		ns = index_find(&ix, ENT_SVC, x->skey, NULL)->match;
		if (ns == NULL || ns->on_remove != MON_ON_REMOVE_DRAIN)
			continue;
		if ((rc = leaving_add(ns, x->obj, x->kind == ENT_LEAVING ?
		    x->obj : NULL, n->global.drain_timeout_ms)) < 0) {
			free(ix.e);
			return err_set(e, rc, "out of memory");
		}
		res->draining++;
	}
	for (size_t i = 0; i <= ix.mask; i++)
		if (ix.e[i].kind == ENT_SVC && !ix.e[i].used)
			res->svcs_removed++;
	free(ix.e);
	return 0;
}

/* ---- globals ---------------------------------------------------------- */

static int
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static void
swap_str(char **a, char **b)
{
	char	*t = *a;

	*a = *b;
	*b = t;
}

/*
 * What the running daemon cannot change (its packet core, its sockets,
 * its state file): the old value stays in n and the log says a restart is
 * needed.  The rest of global applies.
 */
static void
globals(struct mon_model *m, struct mon_model *n)
{
	struct mon_global	*o = &m->global, *g = &n->global;

	if (o->backend != g->backend) {
		mon_warn("lvsmond: reload: global.backend changed to \"%s\": "
		    "needs a restart (still \"%s\")",
		    mon_backend_names[g->backend],
		    mon_backend_names[o->backend]);
		g->backend = o->backend;
	}
	if (str_differs(o->control_socket, g->control_socket)) {
		mon_warn("lvsmond: reload: global.control_socket changed: "
		    "needs a restart (still %s)", o->control_socket);
		swap_str(&o->control_socket, &g->control_socket);
	}
	if (str_differs(o->state_file, g->state_file)) {
		mon_warn("lvsmond: reload: global.state_file changed: needs "
		    "a restart (still %s)", o->state_file);
		swap_str(&o->state_file, &g->state_file);
	}
	if (str_differs(o->snmp_agentx, g->snmp_agentx) ||
	    o->snmp_ping_ms != g->snmp_ping_ms) {
		mon_warn("lvsmond: reload: global.snmp changed: needs a "
		    "restart");
		swap_str(&o->snmp_agentx, &g->snmp_agentx);
		g->snmp_ping_ms = o->snmp_ping_ms;
	}
	/* the routes stay where the running daemon put them (announce.c
	   keeps its own copy; show and metrics read this one) */
	if (o->announce_table != g->announce_table ||
	    o->announce_proto != g->announce_proto ||
	    o->announce_metric != g->announce_metric ||
	    strcmp(o->announce_dev, g->announce_dev) != 0) {
		mon_warn("lvsmond: reload: global.announce changed: needs a "
		    "restart (still table %u)", o->announce_table);
		g->announce_table = o->announce_table;
		g->announce_proto = o->announce_proto;
		g->announce_metric = o->announce_metric;
		memcpy(g->announce_dev, o->announce_dev,
		    sizeof(g->announce_dev));
		g->announce_line = o->announce_line;
	}
	/* Landlock rules cannot be lifted, only a restart widens them */
	if (o->confine != g->confine || o->nwritable != g->nwritable ||
	    memcmp(o->writable, g->writable, sizeof(g->writable)) != 0) {
		mon_warn("lvsmond: reload: global.confine changed: needs a "
		    "restart");
		g->confine = o->confine;
		g->nwritable = o->nwritable;
		memcpy(g->writable, o->writable, sizeof(g->writable));
	}
	if (o->log_level != g->log_level)
		mon_log_level(g->log_level == 1 ? LOG_DEBUG : LOG_INFO);
}

/* ---- reload ----------------------------------------------------------- */

const struct mon_model *
mon_reload_previous(void)
{
	return rl.previous;
}

static void	drain_arm(void);

/* A quorum that the reload itself moved (a new quorum key, a real
   added or removed): said once, as a check would have. */
static void
quorum_moved(struct mon_service *s)
{
	struct mon_event	ev = { .type = MON_EV_QUORUM };
	char			msg[128];

	snprintf(msg, sizeof(msg), "after reload: %u serving, quorum %u%s",
	    s->serving, s->quorum_weight > 0 ? s->quorum_weight : s->quorum,
	    s->quorum_weight > 0 ? " (weight)" : "");
	mon_info("service %s: quorum %s %s%s", s->name, s->quorum_ok ?
	    "regained" : "lost", msg, s->sorry == NULL ? "" :
	    s->sorry_active ? "; sorry server takes new flows" : "");
	ev.svc = s;
	ev.old = !s->quorum_ok;
	ev.new = s->quorum_ok;
	ev.msg = msg;
	mon_event_emit(&ev);
}

/* Arm p as one of nstart new probes, spread over its first interval. */
static void
start_probe(struct mon_real *rs, struct probe *p, size_t *i, size_t n)
{
	if (p == NULL)
		return;
	if (mon_sched_arm(p, (unsigned)((uint64_t)p->interval_ms * (*i)++ /
	    (n ? n : 1))) < 0)
		mon_error("real %s/%s: cannot start its %s (out of memory)",
		    rs->svc->name, rs->key, p == rs->agent ? "agent" : "check");
}

static int	reload(struct mon_model *, struct mon_reload_result *,
		    struct err *);

int
mon_reload(struct mon_model *m, struct mon_reload_result *res,
    struct err *e)
{
	int	rc;

	/* systemd (Type=notify, ExecReload) waits for READY=1 again; a
	   refused file is READY too: the daemon serves on */
	mon_notify_reloading();
	rc = reload(m, res, e);
	mon_notify_ready(m);
	return rc;
}

static int
reload(struct mon_model *m, struct mon_reload_result *res, struct err *e)
{
	struct mon_model	 n, old;
	struct mv		*move = NULL;
	int			*qwas = NULL;
	struct mon_apply_result	 ar;
	struct mon_event	 ev = { .type = MON_EV_RELOAD };
	struct timespec		 t0 = mono_now(), t, c0;
	size_t			 nreals, k, nstart = 0, i_start = 0;
	struct err		 we = { "" };
	char			*file;
	int			 rc;

	memset(res, 0, sizeof(*res));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	if ((file = strdup(m->file)) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	rc = mon_model_load(&n, file, e);
	free(file);
	if (rc < 0)
		return rc;
	res->parse_us = us_since(t0);
	t = mono_now();
	nreals = mon_model_nreals(&n);
	if ((move = calloc(nreals + 1, sizeof(*move))) == NULL ||
	    (qwas = calloc(n.nsvcs + 1, sizeof(*qwas))) == NULL) {
		rc = err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = match(m, &n, move, qwas, res, e)) < 0)
		goto fail;
	globals(m, &n);
	res->diff_us = us_since(t);

	t = mono_now();
	if ((rc = mon_apply_reload(m, &n, &ar, e)) < 0) {
		err_prefix(e, "%s: the packet core refused the new table",
		    m->file);
		goto fail;
	}
	res->kernel_us = us_since(t);
	res->kernel_changes = ar.changes;
	res->synced = ar.synced;

	/* from here on nothing fails: the new model runs.  The watcher
	   holds pointers to the old reals: closed first, opened again
	   below on the new ones (new paths, a new maintenance_dir) */
	mon_ws_watch_close();
	old = *m;
	*m = n;
	k = 0;
	for (size_t i = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++, k++) {
			struct mon_real	*rs = &m->svcs[i].reals[j];
			struct mon_real	*was = move[k].old;

			/* a ramp under way goes on, on this real's timer */
			mon_slowstart_resume(rs);
			if (was == NULL)
				continue;
			/* the running check and agent move; the ones just
			   parsed (the same settings) were never started */
			if (move[k].probe) {
				mon_probe_free(rs->probe);
				rs->probe = was->probe;
				was->probe = NULL;
				if (rs->probe != NULL)
					rs->probe->rs = rs;
			}
			if (move[k].agent) {
				mon_probe_free(rs->agent);
				rs->agent = was->agent;
				was->agent = NULL;
				if (rs->agent != NULL)
					rs->agent->rs = rs;
			}
		}
	for (size_t i = 0, kk = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++, kk++) {
			struct mon_real *rs = &m->svcs[i].reals[j];

			nstart += (rs->probe != NULL && !move[kk].probe) +
			    (rs->agent != NULL && !move[kk].agent);
		}

	res->nsvcs = m->nsvcs;
	res->nreals = nreals;
	snprintf(res->summary, sizeof(res->summary), "%zu services, %zu "
	    "reals, +%zu -%zu ~%zu", m->nsvcs, nreals, res->added,
	    res->removed, res->changed);
	rl.previous = &old;
	ev.new = 1;
	ev.msg = res->summary;
	mon_event_emit(&ev);
	rl.previous = NULL;

	for (size_t i = 0; i < old.nsvcs; i++)
		for (size_t j = 0; j < old.svcs[i].nreals; j++) {
			mon_sched_disarm(old.svcs[i].reals[j].probe);
			mon_sched_disarm(old.svcs[i].reals[j].agent);
			mon_slowstart_drop(&old.svcs[i].reals[j]);
		}
	mon_model_free(&old);

	/* new and changed checks and agents: spread over their first
	   interval */
	for (size_t i = 0, kk = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++, kk++) {
			struct mon_real	*rs = &m->svcs[i].reals[j];

			if (rs->probe == NULL && !rs->sorry &&
			    rs->state != MON_RS_UP)
				mon_rs_set_state(rs, MON_RS_UP, CHK_R_NONE,
				    "no check after reload");
			if (!move[kk].probe)
				start_probe(rs, rs->probe, &i_start, nstart);
			if (!move[kk].agent)
				start_probe(rs, rs->agent, &i_start, nstart);
		}
	/* checks alike share one run: the groups of the new model (kept,
	   new and changed probes together) */
	if (mon_sched_regroup(m) < 0)
		mon_error("lvsmond: reload: out of memory grouping the checks "
		    "(some may not run until the next reload)");
	/* the weight files and the maintenance directory, read again:
	   what they still say is no change, no event */
	if (rl.base != NULL && mon_ws_watch_open(m, rl.base, &we) < 0)
		mon_error("lvsmond: reload: %s (weight files and the "
		    "maintenance directory are not watched)", we.msg);
	for (size_t i = 0; i < m->nsvcs; i++) {
		if (qwas[i] >= 0 && qwas[i] != m->svcs[i].quorum_ok)
			quorum_moved(&m->svcs[i]);
		mon_svc_quorum(&m->svcs[i], 0);
	}
	free(move);
	free(qwas);
	res->started_checks = nstart;
	mon_state_dirty(m);
	drain_arm();
	res->total_us = us_since(t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	res->cpu_us = (unsigned)((t.tv_sec - c0.tv_sec) * 1000000 +
	    (t.tv_nsec - c0.tv_nsec) / 1000);
	mon_info("lvsmond: reloaded %s: %s; checks kept %zu, restarted or "
	    "new %zu; draining %zu; kernel: %s %zu (parse %.1f ms, diff "
	    "%.1f ms, kernel %.1f ms, total %.1f ms, cpu %.1f ms)", m->file,
	    res->summary, res->kept_checks, nstart, res->draining,
	    res->synced ? "sync" : "weights", res->kernel_changes,
	    res->parse_us / 1000.0, res->diff_us / 1000.0,
	    res->kernel_us / 1000.0, res->total_us / 1000.0,
	    res->cpu_us / 1000.0);
	return 0;
fail:
	free(move);
	free(qwas);
	mon_model_free(&n);
	return rc;
}

/* ---- draining removed reals ------------------------------------------- */

static int
any_leaving(const struct mon_model *m)
{
	for (size_t i = 0; i < m->nsvcs; i++)
		if (m->svcs[i].nleaving > 0)
			return 1;
	return 0;
}

static void
drain_arm(void)
{
	if (rl.ev_drain != NULL && rl.m != NULL && any_leaving(rl.m) &&
	    !evtimer_pending(rl.ev_drain, NULL))
		evtimer_add(rl.ev_drain, &drain_tick);
}

/*
 * Once a second while some removed real drains: it leaves the kernel when
 * the kernel reports no connection on it (IPVS: active and inactive 0; the
 * nft core keeps established flows in conntrack whatever the table says
 * and reports 0) or its drain_timeout has passed.
 */
static void
on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct mon_model	*m = rl.m;
	struct timespec		 now = mono_now();
	int			 read_ok, gone = 0;

	(void)fd;
	(void)what;
	(void)arg;
	read_ok = mon_apply_refresh(m) == 0;
	for (size_t i = 0; i < m->nsvcs; i++) {
		struct mon_service	*s = &m->svcs[i];
		size_t			 w = 0;

		for (size_t j = 0; j < s->nleaving; j++) {
			struct mon_leaving	*l = &s->leaving[j];
			int			 idle = read_ok &&
				    l->stats.active + l->stats.inactive == 0;
			int			 late = now.tv_sec >
				    l->until.tv_sec || (now.tv_sec ==
				    l->until.tv_sec && now.tv_nsec >=
				    l->until.tv_nsec);

			if (idle || late) {
				mon_info("real %s/%s: removed by reload: %s, "
				    "out of the kernel", s->name, l->key,
				    idle ? "no connections left" :
				    "drain_timeout passed");
				gone++;
				continue;
			}
			s->leaving[w++] = *l;
		}
		s->nleaving = w;
	}
	if (gone > 0)
		mon_apply_sync();
	drain_arm();
}

int
mon_reload_open(struct mon_model *m, struct event_base *base)
{
	rl.m = m;
	rl.base = base;
	if ((rl.ev_drain = evtimer_new(base, on_drain, NULL)) == NULL)
		return -ENOMEM;
	return 0;
}

void
mon_reload_close(void)
{
	if (rl.ev_drain != NULL)
		event_free(rl.ev_drain);
	rl.ev_drain = NULL;
	rl.m = NULL;
	rl.base = NULL;
}

/* monitor/sched.c - the check scheduler (see sched.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "resource.h"
#include "sched.h"

/* What the whole scheduler shares: the cap and its FIFO, counters. */
static struct {
	unsigned	 cap;
	unsigned	 running;
	struct probe	*qhead, *qtail;
	unsigned	 queued, max_queued;
	uint64_t	 waited, runs;
	unsigned	 groups, shared;
	int		 draining;	/* in dequeue: no re-entry */
	int		 starved;	/* checks failed to start: no fds */
	unsigned long	 starved_n;	/* ... how many since it began */
	time_t		 starved_log;	/* last line about it */
} S;

static struct timespec
now_mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

static int64_t
ts_us(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct timespec
ts_add_ms(struct timespec ts, unsigned ms)
{
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

static struct timespec
ts_add_us(struct timespec ts, uint64_t us)
{
	ts.tv_sec += (time_t)(us / 1000000);
	ts.tv_nsec += (long)(us % 1000000) * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

static void
arm_at(struct probe *p, struct timespec when)
{
	int64_t		d = ts_us(when) - ts_us(now_mono());
	struct timeval	tv;

	if (d < 0)
		d = 0;
	tv.tv_sec = d / 1000000;
	tv.tv_usec = d % 1000000;
	/* libevent adds tv to the time it cached when this loop turn began;
	   after a busy turn that is ms old and the run would start early */
	event_base_update_cache_time(p->base);
	evtimer_add(p->ev_next, &tv);
}

/*
 * Equal deadlines share one libevent common-timeout queue (O(1) insert
 * instead of the heap's O(log n)); libevent allows a few hundred distinct
 * values, so past that fall back to plain timers.
 */
static const struct timeval *
deadline_tv(struct event_base *base, unsigned ms, struct timeval *plain)
{
	static struct {
		unsigned		 ms;
		const struct timeval	*tv;
	}		cache[64];
	static size_t	ncache;
	static struct event_base *cached_base;

	if (cached_base != base) {
		ncache = 0;
		cached_base = base;
	}
	for (size_t i = 0; i < ncache; i++)
		if (cache[i].ms == ms)
			return cache[i].tv;
	plain->tv_sec = ms / 1000;
	plain->tv_usec = (ms % 1000) * 1000;
	if (ncache < sizeof(cache) / sizeof(cache[0])) {
		const struct timeval *tv =
		    event_base_init_common_timeout(base, plain);

		if (tv != NULL) {
			cache[ncache].ms = ms;
			cache[ncache++].tv = tv;
			return tv;
		}
	}
	return plain;
}

/* The interval the state of p's real asks for (sched.h). */
static unsigned
want_ms(const struct probe *p)
{
	const struct mon_real	*rs = p->rs;
	unsigned		 ms = p->interval_ms;

	if (rs == NULL)
		return ms;
	if ((rs->state == MON_RS_RISING || rs->state == MON_RS_FALLING) &&
	    p->fast_interval_ms != 0)
		ms = p->fast_interval_ms;
	else if (rs->state == MON_RS_DOWN && rs->decided &&
	    p->down_interval_ms != 0)
		ms = p->down_interval_ms;
	return ms;
}

/* A group runs as often as its most urgent member needs. */
static unsigned
group_ms(const struct probe *p)
{
	unsigned	ms = want_ms(p);

	for (const struct probe *m = p->members; m != NULL;
	    m = m->next_member)
		if (want_ms(m) < ms)
			ms = want_ms(m);
	return ms;
}

static void
note_duration(struct probe *p, unsigned dur)
{
	if (p->runs == 0 || dur < p->dur_min_ms)
		p->dur_min_ms = dur;
	if (dur > p->dur_max_ms)
		p->dur_max_ms = dur;
	p->dur_avg_ms = p->runs == 0 ? dur :
	    p->dur_avg_ms + ((double)dur - p->dur_avg_ms) / 8;
	p->runs++;
}

static void
feed(struct probe *p, const struct probe_result *r, unsigned dur)
{
	note_duration(p, dur);
	if (p->rs == NULL)
		return;
	if (p == p->rs->agent)
		mon_ws_agent_done(p->rs, r, dur);	/* never rise/fall */
	else if (r->verdict == CHK_V_UNKNOWN)
		mon_rs_unknown(p->rs, r->reason, r->msg, dur);
	else
		mon_rs_verdict(p->rs, r->verdict == CHK_V_OK,
		    r->weight_hint, r->reason, r->msg, dur);
}

static void	run_begin(struct probe *p);

static void
q_remove(struct probe *p)
{
	struct probe	**pp;

	if (!p->queued)
		return;
	for (pp = &S.qhead; *pp != NULL; pp = &(*pp)->q_next)
		if (*pp == p) {
			*pp = p->q_next;
			break;
		}
	S.qtail = NULL;
	for (struct probe *q = S.qhead; q != NULL; q = q->q_next)
		S.qtail = q;
	p->q_next = NULL;
	p->queued = 0;
	S.queued--;
}

/* Start waiting runs while there are free slots. */
static void
dequeue(void)
{
	if (S.draining)
		return;		/* the outer call goes on */
	S.draining = 1;
	while (S.qhead != NULL && (S.cap == 0 || S.running < S.cap)) {
		struct probe *p = S.qhead;

		S.qhead = p->q_next;
		if (S.qhead == NULL)
			S.qtail = NULL;
		p->q_next = NULL;
		p->queued = 0;
		S.queued--;
		run_begin(p);
	}
	S.draining = 0;
}

/* Every run ends here: by probe_done(), a timeout, or a failed start. */
static void
run_end(struct probe *p, const struct probe_result *r)
{
	struct timespec	now = now_mono();
	unsigned	dur;
	struct timespec	next;

	if (!p->running)
		return;		/* a late probe_done after cancel: ignore */
	p->running = 0;
	p->run = NULL;
	S.running--;
	evtimer_del(p->ev_timeout);
	dur = (unsigned)((ts_us(now) - ts_us(p->started)) / 1000);
	feed(p, r, dur);
	for (struct probe *m = p->members; m != NULL; m = m->next_member)
		feed(m, r, dur);

	/* fixed rate; a run longer than the interval pushes the next one */
	next = ts_add_ms(p->planned, group_ms(p));
	if (ts_us(next) < ts_us(now)) {
		next = now;
		p->planned = now;
	} else
		p->planned = next;
	arm_at(p, next);
	dequeue();
}

static void
on_done(struct probe *p, const struct probe_result *r)
{
	run_end(p, r);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct probe		*p = arg;
	struct probe_result	 r = { .verdict = CHK_V_FAIL,
				       .weight_hint = -1,
				       .reason = CHK_R_TIMEOUT };

	(void)fd;
	(void)what;
	if (!p->running)
		return;
	p->type->cancel(p);
	snprintf(r.msg, sizeof(r.msg), "timeout after %u ms during %s",
	    p->timeout_ms, p->phase ? p->phase : "check");
	run_end(p, &r);
}

static void
run_begin(struct probe *p)
{
	struct timeval	 plain;
	int		 rc;

	p->running = 1;
	S.running++;
	S.runs++;
	p->phase = NULL;
	p->started = now_mono();
	evtimer_add(p->ev_timeout, deadline_tv(p->base, p->timeout_ms,
	    &plain));
	if ((rc = p->type->start(p)) < 0 && p->running) {
		struct probe_result r = { .verdict = CHK_V_FAIL,
		    .weight_hint = -1, .reason = CHK_R_INTERNAL };

		/*
		 * Out of descriptors or memory, the director is sick, not the
		 * server: the verdict is unknown, so the state (and the
		 * traffic) stays as it is instead of every real going down.
		 */
		if (rc == -EMFILE || rc == -ENFILE || rc == -ENOBUFS ||
		    rc == -ENOMEM) {
			time_t	now = time(NULL);

			r.verdict = CHK_V_UNKNOWN;
			/* a line a streak, or every 10 s at a limit's edge */
			if (!S.starved || now - S.starved_log >= 10) {
				mon_error("lvsmond: checks cannot start: %s; "
				    "real server states are kept until they "
				    "can", strerror(-rc));
				S.starved_log = now;
			}
			S.starved = 1;
			S.starved_n++;
		}
		snprintf(r.msg, sizeof(r.msg), "check could not start: %s",
		    strerror(-rc));
		run_end(p, &r);
	} else if (rc >= 0 && S.starved &&
	    time(NULL) - S.starved_log >= 1) {
		mon_info("lvsmond: checks start again (%lu could not start)",
		    S.starved_n);
		S.starved = 0;
		S.starved_n = 0;
	}
}

static void
run_start(evutil_socket_t fd, short what, void *arg)
{
	struct probe	*p = arg;

	(void)fd;
	(void)what;
	if (p->running || p->queued || p->leader != NULL)
		return;
	if (S.cap != 0 && (S.running >= S.cap || S.qhead != NULL)) {
		/* FIFO: behind those already waiting */
		p->queued = 1;
		if (S.qtail != NULL)
			S.qtail->q_next = p;
		else
			S.qhead = p;
		S.qtail = p;
		S.waited++;
		if (++S.queued > S.max_queued)
			S.max_queued = S.queued;
		return;
	}
	run_begin(p);
}

/* Stop p's run or wait without a verdict (it became a member, or stop). */
static void
quiesce(struct probe *p)
{
	q_remove(p);
	if (p->running) {
		p->type->cancel(p);
		p->running = 0;
		p->run = NULL;
		S.running--;
	}
	if (p->ev_next != NULL)
		evtimer_del(p->ev_next);
	if (p->ev_timeout != NULL)
		evtimer_del(p->ev_timeout);
}

/* Could a and b share one run? */
static int
alike(const struct probe *a, const struct probe *b)
{
	return a->type == b->type && a->type->share && a->ckey != NULL &&
	    b->ckey != NULL && a->addrlen == b->addrlen &&
	    memcmp(&a->addr, &b->addr, a->addrlen) == 0 &&
	    a->interval_ms == b->interval_ms &&
	    a->timeout_ms == b->timeout_ms &&
	    a->fast_interval_ms == b->fast_interval_ms &&
	    a->down_interval_ms == b->down_interval_ms &&
	    strcmp(a->ckey, b->ckey) == 0;
}

static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

static uint64_t
probe_hash(const struct probe *p)
{
	const unsigned char	*a = (const unsigned char *)&p->addr;
	uint64_t		 h = (uintptr_t)p->type;

	for (socklen_t i = 0; i < p->addrlen; i++)
		h = mix(h, a[i]);
	h = mix(h, p->interval_ms);
	h = mix(h, p->timeout_ms);
	for (const char *s = p->ckey; *s != '\0'; s++)
		h = h * 131 + (unsigned char)*s;
	return mix(h, 0);
}

/* The armed probes of m: each real's health check and its agent (weight
   sources: never shared, its result goes to weightsrc.c). */
#define REAL_PROBE(rs, k)	((k) == 0 ? (rs)->probe : (rs)->agent)
#define FOR_PROBES(m, p)						\
	for (size_t s_ = 0; s_ < (m)->nsvcs; s_++)			\
		for (size_t r_ = 0; r_ < (m)->svcs[s_].nreals; r_++)	\
			for (int k_ = 0; k_ < 2; k_++)			\
				if (((p) = REAL_PROBE(			\
				    &(m)->svcs[s_].reals[r_], k_)) != NULL && \
				    (p)->ev_next != NULL)

int
mon_sched_regroup(struct mon_model *m)
{
	struct probe	 *p, **tab = NULL;
	size_t		  n = 0, size = 1, k = 0, narm = 0;
	struct timespec	  now = now_mono();

	FOR_PROBES(m, p) {
		p->leader = p->members = p->next_member = NULL;
		p->nshared = 0;
		n++;
	}
	while (size < 2 * n)
		size <<= 1;
	if ((tab = calloc(size, sizeof(*tab))) == NULL)
		return -ENOMEM;
	S.groups = S.shared = 0;
	FOR_PROBES(m, p) {
		size_t	i;

		if (!p->type->share || p->ckey == NULL)
			continue;
		for (i = probe_hash(p) & (size - 1); tab[i] != NULL;
		    i = (i + 1) & (size - 1))
			if (alike(tab[i], p))
				break;
		if (tab[i] == NULL) {
			tab[i] = p;
			continue;
		}
		/* a member, appended in config order */
		struct probe **pp = &tab[i]->members;

		while (*pp != NULL)
			pp = &(*pp)->next_member;
		*pp = p;
		p->leader = tab[i];
		if (tab[i]->nshared++ == 0)
			S.groups++;
		S.shared++;
	}
	free(tab);

	FOR_PROBES(m, p) {
		if (p->leader != NULL)
			quiesce(p);
		else if (!p->running && !p->queued &&
		    !evtimer_pending(p->ev_next, NULL))
			narm++;
	}
	/* first starts: random within the interval, one per slot of I/n */
	FOR_PROBES(m, p) {
		uint64_t	slot;

		if (p->leader != NULL || p->running || p->queued ||
		    evtimer_pending(p->ev_next, NULL))
			continue;
		slot = (uint64_t)p->interval_ms * 1000 / narm;
		p->planned = ts_add_us(now, slot * k++ +
		    (slot > 0 ? arc4random_uniform((uint32_t)(slot > UINT32_MAX
		    ? UINT32_MAX : slot)) : 0));
		arm_at(p, p->planned);
	}
	return 0;
}

/* mon_sched_start's loop, for probes armed later (reload). */
static struct event_base	*sched_base;

int
mon_sched_arm(struct probe *p, unsigned delay_ms)
{
	int	rc;

	if (sched_base == NULL)
		return -EINVAL;
	if (p->ev_next == NULL) {
		p->base = sched_base;
		p->on_done = on_done;
		p->ev_next = evtimer_new(sched_base, run_start, p);
		p->ev_timeout = evtimer_new(sched_base, on_timeout, p);
		if (p->ev_next == NULL || p->ev_timeout == NULL)
			return -ENOMEM;
		if (p->type->open != NULL && (rc = p->type->open(p)) < 0 &&
		    p->rs != NULL)
			mon_error("real %s/%s: check %s: %s (its runs will "
			    "fail)", p->rs->svc->name, p->rs->key,
			    p->type->name, strerror(-rc));
	}
	if (p->leader != NULL || p->running || p->queued)
		return 0;
	p->planned = ts_add_ms(now_mono(), delay_ms);
	arm_at(p, p->planned);
	return 0;
}

/*
 * Its group's links go with it: the caller (reload) runs
 * mon_sched_regroup() on the model before the loop turns again, which
 * rebuilds every group, so no member keeps a leader that is gone.
 */
void
mon_sched_disarm(struct probe *p)
{
	if (p == NULL || p->ev_next == NULL)
		return;
	quiesce(p);
	event_free(p->ev_next);
	event_free(p->ev_timeout);
	p->ev_next = p->ev_timeout = NULL;
	if (p->type->close != NULL)
		p->type->close(p);
	for (struct probe *m = p->members; m != NULL; m = m->next_member)
		m->leader = NULL;
	p->leader = p->members = p->next_member = NULL;
	p->nshared = 0;
}

int
mon_sched_start(struct mon_model *m, struct event_base *base)
{
	unsigned	nfail = 0;

	sched_base = base;

	S.cap = m->global.max_checks > 0 ? (unsigned)m->global.max_checks : 0;
	for (size_t s = 0; s < m->nsvcs; s++)
		for (size_t r = 0; r < m->svcs[s].nreals; r++)
		for (int k = 0; k < 2; k++) {
			struct probe	*p = REAL_PROBE(&m->svcs[s].reals[r], k);
			int		 rc;

			if (p == NULL || p->ev_next != NULL)
				continue;
			p->base = base;
			p->on_done = on_done;
			p->ev_next = evtimer_new(base, run_start, p);
			p->ev_timeout = evtimer_new(base, on_timeout, p);
			if (p->ev_next == NULL || p->ev_timeout == NULL)
				return -ENOMEM;
			/* the first failure in full; 100,000 alike in one
			   line */
			if (p->type->open != NULL &&
			    (rc = p->type->open(p)) < 0 && nfail++ == 0)
				mon_error("real %s/%s: check %s: %s (its runs "
				    "will fail)", m->svcs[s].name,
				    m->svcs[s].reals[r].key, p->type->name,
				    strerror(-rc));
		}
	if (nfail > 1)
		mon_error("lvsmond: %u more checks could not open (see above)",
		    nfail - 1);
	return mon_sched_regroup(m);
}

void
mon_sched_stop(struct mon_model *m)
{
	for (size_t s = 0; s < m->nsvcs; s++)
		for (size_t r = 0; r < m->svcs[s].nreals; r++)
		for (int k = 0; k < 2; k++) {
			struct probe *p = REAL_PROBE(&m->svcs[s].reals[r], k);

			if (p == NULL || p->ev_next == NULL)
				continue;
			quiesce(p);
			event_free(p->ev_next);
			event_free(p->ev_timeout);
			p->ev_next = p->ev_timeout = NULL;
			if (p->type->close != NULL)
				p->type->close(p);
			p->leader = p->members = p->next_member = NULL;
			p->nshared = 0;
		}
	S.groups = S.shared = 0;
}

void
mon_sched_stats(struct mon_sched_stats *st)
{
	st->cap = S.cap;
	st->running = S.running;
	st->queued = S.queued;
	st->max_queued = S.max_queued;
	st->waited = S.waited;
	st->runs = S.runs;
	st->groups = S.groups;
	st->shared = S.shared;
}

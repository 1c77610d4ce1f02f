/* monitor/sched.c - the check scheduler (see sched.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "resource.h"
#include "sched.h"

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

static void	run_start(evutil_socket_t, short, void *);

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
	evtimer_del(p->ev_timeout);
	dur = (unsigned)((ts_us(now) - ts_us(p->started)) / 1000);
	if (p == p->rs->agent)
		mon_ws_agent_done(p->rs, r, dur);	/* never rise/fall */
	else if (r->verdict == CHK_V_UNKNOWN)
		mon_rs_unknown(p->rs, r->reason, r->msg, dur);
	else
		mon_rs_verdict(p->rs, r->verdict == CHK_V_OK,
		    r->weight_hint, r->reason, r->msg, dur);

	/* fixed rate; a run longer than the interval pushes the next one */
	next = ts_add_ms(p->planned, p->interval_ms);
	if (ts_us(next) < ts_us(now)) {
		next = now;
		p->planned = now;
	} else
		p->planned = next;
	arm_at(p, next);
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
run_start(evutil_socket_t fd, short what, void *arg)
{
	struct probe	*p = arg;
	struct timeval	 plain;
	int		 rc;

	(void)fd;
	(void)what;
	if (p->running)
		return;
	p->running = 1;
	p->phase = NULL;
	p->started = now_mono();
	evtimer_add(p->ev_timeout, deadline_tv(p->base, p->timeout_ms,
	    &plain));
	if ((rc = p->type->start(p)) < 0 && p->running) {
		struct probe_result r = { .verdict = CHK_V_FAIL,
		    .weight_hint = -1, .reason = CHK_R_INTERNAL };

		snprintf(r.msg, sizeof(r.msg), "check could not start: %s",
		    strerror(-rc));
		run_end(p, &r);
	}
}

static struct event_base	*sched_base;

int
mon_sched_arm(struct probe *p, unsigned delay_ms)
{
	if (sched_base == NULL)
		return -EINVAL;
	p->base = sched_base;
	p->on_done = on_done;
	if (p->ev_next == NULL)
		p->ev_next = evtimer_new(sched_base, run_start, p);
	if (p->ev_timeout == NULL)
		p->ev_timeout = evtimer_new(sched_base, on_timeout, p);
	if (p->ev_next == NULL || p->ev_timeout == NULL)
		return -ENOMEM;
	p->planned = ts_add_ms(now_mono(), delay_ms);
	arm_at(p, p->planned);
	return 0;
}

void
mon_sched_disarm(struct probe *p)
{
	if (p == NULL)
		return;
	if (p->running) {
		p->type->cancel(p);
		p->running = 0;
		p->run = NULL;
	}
	if (p->ev_next != NULL)
		event_free(p->ev_next);
	if (p->ev_timeout != NULL)
		event_free(p->ev_timeout);
	p->ev_next = p->ev_timeout = NULL;
}

/* A real's probes: its health check and its agent (either may be NULL). */
#define REAL_PROBES(rs)	{ (rs)->probe, (rs)->agent }

int
mon_sched_start(struct mon_model *m, struct event_base *base)
{
	size_t		n = 0, i = 0;
	int		rc;

	sched_base = base;
	for (size_t s = 0; s < m->nsvcs; s++)
		for (size_t r = 0; r < m->svcs[s].nreals; r++)
			n += (m->svcs[s].reals[r].probe != NULL) +
			    (m->svcs[s].reals[r].agent != NULL);

	for (size_t s = 0; s < m->nsvcs; s++)
		for (size_t r = 0; r < m->svcs[s].nreals; r++) {
			struct probe *ps[] = REAL_PROBES(&m->svcs[s].reals[r]);

			for (size_t k = 0; k < 2; k++) {
				struct probe *p = ps[k];

				if (p == NULL)
					continue;
				/* spread the first runs evenly over one
				   interval */
				if ((rc = mon_sched_arm(p, (unsigned)
				    ((uint64_t)p->interval_ms * i++ / n))) < 0)
					return rc;
			}
		}
	return 0;
}

void
mon_sched_stop(struct mon_model *m)
{
	for (size_t s = 0; s < m->nsvcs; s++)
		for (size_t r = 0; r < m->svcs[s].nreals; r++) {
			mon_sched_disarm(m->svcs[s].reals[r].probe);
			mon_sched_disarm(m->svcs[s].reals[r].agent);
		}
}

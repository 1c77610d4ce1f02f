/*
 * monitor/slowstart.c - slow start: a real that comes back (down -> up
 * after its first verdict, or enabled again by an operator while healthy)
 * gets a weight that climbs linearly from 1 to its own weight over
 * slow_start seconds, so a cold server is not handed its full share of new
 * flows at once (HAProxy's slowstart; keepalived has none, Piranha doubles).
 *
 * One timer per ramping real on the daemon's loop steps the weight every
 * max(slow_start / weight, 0.5 s), so a ramp is at most 2 * slow_start + 1
 * steps and at most weight steps; each step is one MON_EV_WEIGHT, batched
 * with the turn's other changes by apply.c.
 *
 * The ramp is a fraction of time applied to whatever the real's own weight
 * is: a check that asks for another weight rescales it; an operator's set
 * weight ends it (the operator's number goes to the kernel as it is); a
 * real that goes down or is disabled ends it.  At daemon start nothing
 * ramps.
 */
#include <stdlib.h>

#include <event2/event.h>

#include "log.h"
#include "model.h"
#include "resource.h"

#define STEP_MIN_MS	500

static struct event_base	*ss_base;

static uint64_t
elapsed_ms(const struct mon_real *rs)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)((now.tv_sec - rs->ramp_start.tv_sec) * 1000 +
	    (now.tv_nsec - rs->ramp_start.tv_nsec) / 1000000);
}

static void
arm(struct mon_real *rs)
{
	uint64_t	n = rs->slow_start_ms, done = elapsed_ms(rs), step;
	struct timeval	tv;

	step = rs->target_weight > 1 ? n / rs->target_weight : n;
	if (step < STEP_MIN_MS)
		step = STEP_MIN_MS;
	if (done + step > n)
		step = n > done ? n - done : 1;
	tv.tv_sec = (time_t)(step / 1000);
	tv.tv_usec = (suseconds_t)(step % 1000) * 1000;
	evtimer_add(rs->ramp_ev, &tv);
}

static void
on_step(evutil_socket_t fd, short what, void *arg)
{
	struct mon_real	*rs = arg;

	(void)fd;
	(void)what;
	if (!rs->ramping)
		return;
	if (elapsed_ms(rs) >= rs->slow_start_ms) {
		rs->ramping = 0;
		mon_info("real %s/%s: slow start done: weight %u",
		    rs->svc->name, rs->key, rs->target_weight);
	} else
		arm(rs);
	mon_rs_apply_policy(rs, 0);
}

int
mon_slowstart_open(struct event_base *base)
{
	ss_base = base;
	return 0;
}

void
mon_slowstart_close(struct mon_model *m)
{
	for (size_t i = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++) {
			struct mon_real *rs = &m->svcs[i].reals[j];

			if (rs->ramp_ev != NULL)
				event_free(rs->ramp_ev);
			rs->ramp_ev = NULL;
			rs->ramping = 0;
		}
	ss_base = NULL;
}

void
mon_slowstart_begin(struct mon_real *rs)
{
	if (rs->slow_start_ms == 0 || ss_base == NULL || rs->sorry)
		return;
	if (rs->ramp_ev == NULL &&
	    (rs->ramp_ev = evtimer_new(ss_base, on_step, rs)) == NULL) {
		mon_warn("real %s/%s: out of memory: no slow start",
		    rs->svc->name, rs->key);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &rs->ramp_start);
	rs->ramping = 1;
	/* the target is not known yet (the state changes after this);
	   the first step comes after the shortest period and re-reads it */
	{
		struct timeval tv = { 0, STEP_MIN_MS * 1000 };

		evtimer_add(rs->ramp_ev, &tv);
	}
	mon_info("real %s/%s: slow start over %u.%03u s", rs->svc->name,
	    rs->key, rs->slow_start_ms / 1000, rs->slow_start_ms % 1000);
}

void
mon_slowstart_drop(struct mon_real *rs)
{
	if (rs->ramp_ev != NULL)
		event_free(rs->ramp_ev);
	rs->ramp_ev = NULL;
}

void
mon_slowstart_resume(struct mon_real *rs)
{
	rs->ramp_ev = NULL;	/* the old real's, dropped by its owner */
	if (!rs->ramping)
		return;
	if (rs->slow_start_ms == 0 || ss_base == NULL || rs->sorry ||
	    elapsed_ms(rs) >= rs->slow_start_ms) {
		rs->ramping = 0;
		return;
	}
	if ((rs->ramp_ev = evtimer_new(ss_base, on_step, rs)) == NULL) {
		mon_warn("real %s/%s: out of memory: slow start ends",
		    rs->svc->name, rs->key);
		rs->ramping = 0;
		return;
	}
	arm(rs);
}

void
mon_slowstart_end(struct mon_real *rs)
{
	if (!rs->ramping)
		return;
	rs->ramping = 0;
	if (rs->ramp_ev != NULL)
		evtimer_del(rs->ramp_ev);
}

uint32_t
mon_slowstart_weight(const struct mon_real *rs, uint32_t w)
{
	uint64_t	done, n = rs->slow_start_ms;

	if (!rs->ramping || w <= 1 || n == 0)
		return w;
	if ((done = elapsed_ms(rs)) >= n)
		return w;
	return 1 + (uint32_t)((uint64_t)(w - 1) * done / n);
}

int
mon_slowstart_pct(const struct mon_real *rs)
{
	uint64_t	done;

	if (!rs->ramping || rs->slow_start_ms == 0)
		return -1;
	if ((done = elapsed_ms(rs)) >= rs->slow_start_ms)
		return 99;
	return (int)(done * 100 / rs->slow_start_ms);
}

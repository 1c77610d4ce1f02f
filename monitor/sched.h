/*
 * monitor/sched.h - when each check runs.
 *
 * Fixed rate: a probe with interval I starts at t0, t0+I, t0+2I... where
 * t0 is random within the first interval, one probe per slot of I/n (no
 * thundering herd at start or after a reload, no lock-step with a peer
 * started at the same moment).  A run that outlives its interval (timeout
 * > interval) delays the next start; runs never overlap.  The scheduler
 * owns each run's deadline (a libevent common timeout per distinct timeout
 * value) and cancels the probe when it passes.
 *
 * The interval depends on the real's state when the next run is armed:
 * fast_interval while rising or falling, down_interval while down (after
 * its first verdict), interval otherwise.
 *
 * Dedup: probes of one shareable type (probe_type.share) with the same
 * address:port, the same own keys (p->ckey) and the same interval, timeout,
 * fast_interval and down_interval form a group.  Only the leader (the first
 * in config order) runs; each verdict goes to the leader's real and to every
 * member's real, each with its own rise/fall.  Members keep their own
 * struct probe (reload can replace one) but are not armed.  The group's next
 * run uses the shortest interval any member's state asks for.
 *
 * Cap: global.max_concurrent_checks = N > 0 lets at most N runs be in
 * progress; a run due while N are running waits in a FIFO and starts when
 * one ends.  Its timeout starts when it does (the wait is not the server's
 * fault); its next start is still planned from when it was due.
 */
#ifndef MON_SCHED_H
#define MON_SCHED_H

#include <stdint.h>

#include <event2/event.h>

#include "model.h"

/* Arm every probe of m (open() hooks, dedup groups, first starts).  0 or
   -ENOMEM. */
int	mon_sched_start(struct mon_model *m, struct event_base *base);
/* Cancel running checks and free the timers (before freeing m). */
void	mon_sched_stop(struct mon_model *m);

/*
 * Recompute the dedup groups of m's scheduled probes (those mon_sched_start
 * has taken): a probe that became a member stops running (its run, if any,
 * is cancelled without a verdict); one that leads or runs alone and is not
 * armed is armed at a random time within its interval.  mon_sched_start
 * calls it; a reload that swaps probes calls it again.  0 or -ENOMEM.
 */
int	mon_sched_regroup(struct mon_model *m);

struct mon_sched_stats {
	unsigned	cap;		/* max_concurrent_checks, 0 = none */
	unsigned	running;	/* runs in progress now */
	unsigned	queued;		/* runs waiting for a slot now */
	unsigned	max_queued;	/* the most that ever waited at once */
	uint64_t	waited;		/* runs that had to wait, ever */
	uint64_t	runs;		/* runs started, ever */
	unsigned	groups;		/* dedup groups (leaders) */
	unsigned	shared;		/* probes not run: members */
};
void	mon_sched_stats(struct mon_sched_stats *st);

/*
 * One probe (reload): arm its first run delay_ms from now, on the loop
 * mon_sched_start() was given (-EINVAL before it, -ENOMEM); disarm cancels
 * a running check and frees its timers (NULL: nothing to do).
 */
int	mon_sched_arm(struct probe *p, unsigned delay_ms);
void	mon_sched_disarm(struct probe *p);

#endif

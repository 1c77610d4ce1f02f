/*
 * monitor/sched.h - when each check runs.
 *
 * Fixed rate: a probe with interval I starts at t0, t0+I, t0+2I... where
 * t0 spreads the probes evenly over their first interval (no thundering
 * herd at start or after a reload).  A run that outlives its interval
 * (timeout > interval) delays the next start; runs never overlap.  The
 * scheduler owns each run's deadline (a libevent common timeout per
 * distinct timeout value) and cancels the probe when it passes.
 */
#ifndef MON_SCHED_H
#define MON_SCHED_H

#include <event2/event.h>

#include "model.h"

/* Arm every probe of m.  0 or -ENOMEM. */
int	mon_sched_start(struct mon_model *m, struct event_base *base);
/* Cancel running checks and free the timers (before freeing m). */
void	mon_sched_stop(struct mon_model *m);

/*
 * One probe (reload): arm its first run delay_ms from now, on the loop
 * mon_sched_start() was given (-EINVAL before it, -ENOMEM); disarm cancels
 * a running check and frees its timers (NULL: nothing to do).
 */
int	mon_sched_arm(struct probe *p, unsigned delay_ms);
void	mon_sched_disarm(struct probe *p);

#endif

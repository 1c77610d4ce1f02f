/*
 * monitor/apply.h - effective weights into the packet core.
 *
 * Subscribes to weight events, gathers every change of one loop turn into
 * one batch, and hands it to the backend's apply() right after the
 * callbacks of that turn (so a verdict reaches the kernel in the same turn,
 * and a burst of changes costs one netlink transaction).  A failed batch is
 * logged and repaired by a full sync a second later: the backend keeps the
 * kernel as it was, the model keeps what it wants.
 */
#ifndef MON_APPLY_H
#define MON_APPLY_H

#include <event2/event.h>

#include "model.h"

/*
 * Pick the backend (global.backend; "auto" asks the director room), open it
 * and make the kernel match the model (adopting what is there: no flush).
 */
int	mon_apply_open(struct mon_model *m, struct event_base *base,
	    struct err *e);
void	mon_apply_close(void);

/* The backend's name ("nft", "none"). */
const char *mon_apply_backend(void);

/*
 * Read the kernel's table back into rs->kernel_weight, rs->stats and
 * svc->conns, and stamp m->stats_time.  One netlink dump: cheap for a
 * show, but a poller (SNMP) should reuse a recent result rather than call
 * this per request (at 10,000 reals the nft dump takes ~0.1 s).
 */
int	mon_apply_refresh(struct mon_model *m);

#endif

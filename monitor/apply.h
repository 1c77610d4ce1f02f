/*
 * monitor/apply.h - effective weights into the packet core.
 *
 * Subscribes to weight events, gathers every change of one loop turn into
 * one batch, and hands it to the backend's apply() right after the
 * callbacks of that turn (so a verdict reaches the kernel in the same turn,
 * and a burst of changes costs one netlink transaction).  A failed batch is
 * logged and repaired by a full sync a second later: the backend keeps the
 * kernel as it was, the model keeps what it wants.
 *
 * Start: the kernel's table is read before the first sync and reals it
 * serves keep their weight until their first check (mon_rs_adopt); the
 * first sync then changes only what the model wants otherwise, in one
 * transaction: no flush, no moment with an empty table.
 *
 * Reconcile (global.reconcile_interval, default 30 s, 0 = off): a timer
 * reads the kernel's table (the same read as mon_apply_refresh, which it
 * also refreshes), compares it with the model by what things are (service
 * protocol/address/port, real address/port) and, when something differs,
 * logs each difference ("reconcile: service web: real 198.51.100.12:8080
 * missing in the kernel, restored") and runs a full sync; the repair is a
 * MON_EV_BACKEND event with error 0 and msg "reconcile: ...".  Skipped
 * while a batch or a resync is due (the kernel lags by design then).  It
 * sees what the backend's read_stats reports: for nft the service map,
 * addresses, weights and ids (not the rules or slot maps, which any sync
 * rewrites); for ipvs services and reals with their weights.
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

/* What mon_apply_reload() did. */
struct mon_apply_result {
	size_t	changes;	/* weight changes sent (same shape) */
	int	synced;		/* 1: the shape changed, a full sync */
};

/*
 * A reload (reload.c) is about to replace old's contents with m's: send
 * what was queued for old's reals, then one batch to the kernel: the
 * weights that differ if both hold the same services and reals (apply();
 * nothing else of the kernel's table is touched), else one sync() with
 * m's table.  On success the reals are indexed by id from m's arrays
 * (which the swap moves into old's struct).  On failure (-errno, e says
 * why: a scheduler the backend refuses...) the kernel and this room are as
 * they were, still serving old.
 */
int	mon_apply_reload(const struct mon_model *old, struct mon_model *m,
	    struct mon_apply_result *res, struct err *e);

/* Make the kernel hold the model's table now (a drained real leaves);
 * a failure is repaired a second later.  0 or -EIO. */
int	mon_apply_sync(void);

/*
 * The kernel's connection sync daemon for failover (ha.c): role 1 master,
 * 2 backup (enum dir_sync_role); the other role's daemon is stopped.
 * 0, or -EOPNOTSUPP (backend without one: nft) / -errno, e set.
 */
int	mon_apply_sync_daemon(int role, const char *ifname, uint32_t syncid,
	    struct err *e);
/* The sync daemons the kernel runs now (for lvsDaemonState): bit 1 a
 * master, bit 2 a backup; 0 none, or a backend without them (nft);
 * -errno when the read failed. */
int	mon_apply_sync_daemon_state(void);

/* The backend's name ("nft", "none"). */
const char *mon_apply_backend(void);

/*
 * Read the kernel's table back into rs->kernel_weight, rs->stats and
 * svc->conns, and stamp m->stats_time.  One netlink dump: cheap for a
 * show, but a poller (SNMP) should reuse a recent result rather than call
 * this per request (at 10,000 reals the nft dump takes ~0.1 s).
 */
int	mon_apply_refresh(struct mon_model *m);

/*
 * Clean stop (SIGTERM), before mon_apply_close(): global.on_exit = "keep"
 * leaves the kernel's table as it is (the default: traffic flows on while
 * the daemon is away, and the next start adopts it); "flush" removes
 * everything the backend put there.
 */
void	mon_apply_exit(struct mon_model *m);

#endif

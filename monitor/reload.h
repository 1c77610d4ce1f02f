/*
 * monitor/reload.h - a new config file into the running daemon
 * (`lvsmonctl reload`, SIGHUP).
 *
 * The file is parsed and validated whole into a fresh model; on any error
 * nothing changes.  Services and reals of the new model are matched to the
 * running ones by key (service: protocol/address:port; real: its service's
 * key and address:port), never by position.  A matched object keeps its id
 * (SNMP row, conntrack mark) and its runtime: state, admin state, weights
 * set by hand, rise/fall count, last result, counters.  A matched real
 * whose check settings are unchanged keeps its running check (timers, a
 * run in progress); a changed check is restarted (its count starts over,
 * the state stays).  New reals start as at start (down, first verdict
 * decisive); removed ones are drained (on_remove = "drain": weight 0 until
 * their connections end or drain_timeout) or removed at once ("remove").
 * The kernel gets one batch: only weights when nothing else differs, else
 * one sync of the new table (which the backend checks first: a refusal
 * fails the reload and changes nothing).
 *
 * Then the model's contents are replaced in place (the struct mon_model
 * every room holds stays at its address) and MON_EV_RELOAD tells the rooms
 * that keep pointers into it (alerts, SNMP rows) to rebuild them; during
 * that event mon_reload_previous() is the model being replaced.
 */
#ifndef MON_RELOAD_H
#define MON_RELOAD_H

#include <event2/event.h>

#include "model.h"

struct mon_reload_result {
	size_t		nsvcs, nreals;		/* in the new model */
	size_t		added, removed, changed; /* reals */
	size_t		svcs_added, svcs_removed;
	size_t		kept_checks, restarted_checks;
	size_t		started_checks;		/* restarted + new reals' */
	size_t		draining;		/* removed, still in the kernel */
	size_t		kernel_changes;		/* weights sent (no sync) */
	int		synced;			/* 1: the kernel got a sync */
	unsigned	parse_us, diff_us, kernel_us, total_us;
	unsigned	cpu_us;			/* the daemon's CPU time in all */
	char		summary[160];		/* "+a -r ~c" and the rest */
};

/*
 * Reload m from m->file.  0, or -errno with e as "FILE:LINE: ..." (or the
 * backend's refusal); then m, the checks and the kernel are untouched.
 * Needs the loop (mon_reload_open) for the checks it starts.
 */
int	mon_reload(struct mon_model *m, struct mon_reload_result *res,
	    struct err *e);

/* The model being replaced, during MON_EV_RELOAD only (else NULL). */
const struct mon_model *mon_reload_previous(void);

/* The drain timer for removed reals (main.c); close before freeing m. */
int	mon_reload_open(struct mon_model *m, struct event_base *base);
void	mon_reload_close(void);

#endif

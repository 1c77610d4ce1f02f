/*
 * monitor/announce.h - route health injection: a VIP is announced to the
 * site's routers (through its routing daemon) while this director can
 * serve it, and withdrawn when it cannot.
 *
 * Config: global.announce = { table = 100; protocol = 250; metric = 0;
 * device = "lo"; } says where the routes go (director/route.h); a
 * service says announce = true.  A VIP (an address: several services may
 * share it) is announced while every service with announce = true on it
 * has quorum and the director is not drained (lvsmonctl drain-director);
 * otherwise its route is withdrawn.  Each change is a MON_EV_ROUTE per
 * announcing service of the VIP (old/new 0 withdrawn, 1 announced).
 *
 * Start: routes of our table and protocol already in the kernel (a
 * previous run's, on_exit = "keep") are adopted: kept while the
 * services' reals have not all had a first verdict, then decided like
 * any other; a route whose VIP no service announces any more is
 * withdrawn.  Exit: on_exit = "keep" leaves the routes (a restart does
 * not flap them; drain-director first to take a director out), "flush"
 * withdraws them before the packet core is flushed.
 *
 * drain-director is kept in the state file ("director drained"): a
 * restart of a drained director stays drained.
 *
 * The routes are repaired on every reconcile (global.reconcile_interval)
 * and a failed change is retried a second later.  Owner of its state:
 * announce.c (one per daemon); what lasts a restart: the routes
 * themselves and the drained flag (state file).
 */
#ifndef MON_ANNOUNCE_H
#define MON_ANNOUNCE_H

#include <stdint.h>
#include <libconfig.h>

#include "err.h"

struct event_base;
struct mon_model;
struct mon_service;

/* conf.c: global.announce (g may be NULL), then each service's key. */
int	mon_announce_conf_global(struct mon_model *m,
	    const config_setting_t *g, struct err *e);
int	mon_announce_conf_service(struct mon_model *m,
	    struct mon_service *svc, const config_setting_t *sset,
	    const char *where, struct err *e);

/* Open the route socket and adopt (nothing without global.announce). */
int	mon_announce_open(struct mon_model *m, struct event_base *base,
	    struct err *e);
/* What on_exit says, then close (main, after the loop). */
void	mon_announce_exit(struct mon_model *m);
void	mon_announce_close(void);

/* drain-director (1) / undrain-director (0): 0 or -errno with e. */
int	mon_announce_drain(int drained, struct err *e);
int	mon_announce_drained(void);
/* state.c at start, before open: the state file says drained. */
void	mon_announce_restore_drained(void);
/* Routes installed or withdrawn since start (metrics). */
uint64_t mon_announce_changes(void);

/*
 * A service's route: -1 it does not announce (or no global.announce),
 * 0 withdrawn, 1 announced.
 */
int	mon_announce_state(const struct mon_service *svc);

#endif

/*
 * monitor/ha.h - director failover: this director's role among its peers,
 * as a read-only view for show, metrics, SNMP and alerts.
 *
 * The peer director is one more monitored resource: heartbeats are its
 * checks, dead/alive its state, and a role change is an event
 * (MON_EV_ROLE, MON_EV_PEER in event.h) that reaches the same sinks as a
 * real server's.  monitor/ha.c owns the state; everybody else reads it
 * through mon_ha_view() and never keeps the pointers past the current
 * loop turn (a reload may replace the peers).
 *
 * Roles (the state machine is documented next to its code in ha.c):
 *
 *	OFF	no director block: failover not configured
 *	INIT	started, listening, not yet decided (one dead interval)
 *	BACKUP	a live peer outranks us: VIPs not held
 *	MASTER	we hold the VIPs and announce them
 *	FAULT	our own health took us out (backend unreachable, tracked
 *		interface down, priority 0): VIPs not held
 */
#ifndef MON_HA_H
#define MON_HA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum mon_ha_role {
	MON_HA_OFF = 0,
	MON_HA_INIT,
	MON_HA_BACKUP,
	MON_HA_MASTER,
	MON_HA_FAULT,
	MON_HA__COUNT
};

extern const char *const mon_ha_role_names[MON_HA__COUNT];

struct mon_ha_peer_view {
	const char		*addr;		/* as configured */
	int			 alive;		/* heard within dead */
	enum mon_ha_role	 role;		/* as it last said */
	int			 priority;	/* as it last said */
	struct timespec		 last_heard;	/* CLOCK_REALTIME; 0 never */
	uint64_t		 rx;		/* heartbeats accepted */
	uint64_t		 bad_auth;	/* dropped: HMAC wrong */
	uint64_t		 replayed;	/* dropped: old sequence */
};

struct mon_ha_view {
	enum mon_ha_role	 role;
	const char		*reason;	/* why the last change */
	struct timespec		 since;		/* CLOCK_REALTIME */
	int			 priority;	/* effective, after health */
	int			 base_priority;	/* configured */
	uint64_t		 transitions;	/* role changes this run */
	uint64_t		 tx;		/* heartbeats sent */
	uint64_t		 bad_auth;	/* all peers and unknown */
	uint64_t		 replayed;	/* all peers */
	size_t			 npeers;
	const struct mon_ha_peer_view *peers;
};

/* The current view, or NULL when failover is not configured (role OFF). */
const struct mon_ha_view *mon_ha_view(void);

struct mon_model;
struct event_base;
struct err;
/*
 * Start failover from m->ha (nothing if NULL): sockets, the VIP and
 * announcement sockets (before the capability drop), timers; role INIT.
 * Follows reloads by itself (MON_EV_RELOAD).  0 or -errno with e set.
 */
int	mon_ha_open(struct mon_model *m, struct event_base *base,
	    struct err *e);
/* Clean stop: a master drops its VIPs; peers get a "leaving" heartbeat
 * (priority 0) so a backup takes over at once. */
void	mon_ha_close(void);
/* lvsmonctl failover: a master resigns (priority 0) until a peer is
 * master.  0, or -errno with e saying why not (not master, no peer). */
int	mon_ha_failover(struct err *e);

#endif

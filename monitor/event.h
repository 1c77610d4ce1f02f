/*
 * monitor/event.h - the event bus: every change the daemon makes is one
 * struct mon_event, handed synchronously to each subscriber in the order
 * they subscribed (director glue, control streams, log; later alerts,
 * SNMP notifications).
 *
 * A subscriber must not block and must not emit events from its callback
 * (changes it causes are queued work, e.g. apply.c batches weight changes
 * for the next loop turn).  The event and the objects it points to are
 * valid only during the call: copy what must outlive it.
 *
 * Every event but CHECK gets a sequence number (1, 2, ... per daemon run)
 * and a copy of it is kept in a ring of the last MON_EVENT_RING events, so
 * a client that reconnects can catch up (lvsmonctl events --since SEQ).
 * CHECK events (one per check run) go only to subscribers that ask for
 * them by mask (alerts count failed checks); they are not numbered, not
 * kept and not streamed.
 */
#ifndef MON_EVENT_H
#define MON_EVENT_H

#include <stdint.h>
#include <time.h>

enum mon_event_type {
	MON_EV_STATE = 0,	/* health state changed: old/new are
				   enum mon_rs_state */
	MON_EV_ADMIN,		/* admin state changed: enum mon_admin */
	MON_EV_WEIGHT,		/* effective weight changed: numbers */
	MON_EV_APPLIED,		/* the kernel took a batch of changes */
	MON_EV_BACKEND,		/* the packet core failed or recovered */
	MON_EV_QUORUM,		/* a service lost or regained quorum: old/new
				   0 lost, 1 ok; rs NULL */
	MON_EV_CHECK,		/* a check run ended: new 1 ok, 0 failed;
				   old the real's state after it; reason,
				   msg; masked subscribers only */
	MON_EV_SOURCE,		/* a weight source (agent, weight file,
				   maintenance directory) changed what it
				   says: msg "agent: up -> drain: why" */
	MON_EV_RELOAD,		/* the model was replaced by a reload: svc
				   and rs NULL; new 1; msg "+a -r ~c"; while
				   it is delivered mon_reload_previous()
				   gives the model being replaced (pointers
				   into it die after) */
	MON_EV_ROLE,		/* this director's failover role changed:
				   old/new enum mon_ha_role (monitor/ha.h);
				   svc, rs NULL; msg the reason ("peer
				   dead", "preempted", "priority lowered",
				   "failover requested", ...) */
	MON_EV_PEER,		/* a peer director was heard again or went
				   silent: old/new 0 dead, 1 alive; svc, rs
				   NULL; msg "PEER-ADDRESS: why" */
	MON_EV_ROUTE,		/* a service's VIP route was announced or
				   withdrawn (route health injection): svc
				   set, rs NULL; old/new 0 withdrawn, 1
				   announced; msg why */
	MON_EV__COUNT
};

extern const char *const mon_event_type_names[MON_EV__COUNT];

struct mon_service;
struct mon_real;

struct mon_event {
	enum mon_event_type	 type;
	struct timespec		 time;		/* CLOCK_REALTIME */
	const struct mon_service *svc;		/* NULL for daemon-wide */
	const struct mon_real	*rs;		/* NULL for service/daemon */
	int64_t			 old, new;	/* by type, see above */
	int			 reason;	/* enum chk_reason, STATE */
	const char		*msg;		/* detail; never NULL */
	unsigned		 changes;	/* APPLIED: batch size */
	uint64_t		 latency_us;	/* APPLIED: cause -> kernel */
	int			 error;		/* BACKEND: 0 ok, else -errno */
	uint64_t		 seq;		/* set by mon_event_emit (0 for
						   CHECK) */
};

#define MON_EVENT_RING		1024	/* events kept for --since */
#define MON_EVENT_MASK(t)	(1u << (t))
#define MON_EVENT_MASK_DEFAULT	(((1u << MON_EV__COUNT) - 1) & \
				 ~MON_EVENT_MASK(MON_EV_CHECK))

/* A kept event: names copied, since the objects may be gone (reload). */
struct mon_event_rec {
	struct mon_event	 ev;		/* svc, rs NULL; msg -> text */
	char			 svc[64];	/* service name, "" none */
	char			 rs[64];	/* real key, "" none */
	char			 text[160];	/* the message */
};

typedef void (*mon_event_fn)(const struct mon_event *ev, void *arg);

/* 0, or -ENOMEM.  The same fn/arg pair may subscribe once.  Gets every
 * type but CHECK. */
int	mon_event_subscribe(mon_event_fn fn, void *arg);
/* The same, for the types in mask (MON_EVENT_MASK bits). */
int	mon_event_subscribe_mask(mon_event_fn fn, void *arg, unsigned mask);
void	mon_event_unsubscribe(mon_event_fn fn, void *arg);
/* Stamp ev->time if zero and deliver to every subscriber. */
void	mon_event_emit(struct mon_event *ev);
void	mon_event_reset(void);		/* drop all subscribers and the
					   ring, seq back to 0 (exit, tests) */
/*
 * Call fn for each kept event with seq > after, oldest first.  Returns the
 * seq of the oldest kept event (0 if none): a client asking for an older
 * one missed some.  fn NULL: only that.
 */
uint64_t mon_event_since(uint64_t after,
	    void (*fn)(const struct mon_event_rec *r, void *arg), void *arg);
/* The last seq given out (0: none yet). */
uint64_t mon_event_last_seq(void);

#endif

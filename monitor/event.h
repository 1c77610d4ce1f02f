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
};

typedef void (*mon_event_fn)(const struct mon_event *ev, void *arg);

/* 0, or -ENOMEM.  The same fn/arg pair may subscribe once. */
int	mon_event_subscribe(mon_event_fn fn, void *arg);
void	mon_event_unsubscribe(mon_event_fn fn, void *arg);
/* Stamp ev->time if zero and deliver to every subscriber. */
void	mon_event_emit(struct mon_event *ev);
void	mon_event_reset(void);		/* drop all subscribers (exit, tests) */

#endif

/*
 * monitor/alert.h - alarms: mon's semantics in front of several sinks.
 *
 * The policy (alert.c) listens to the event bus and decides, per sink and
 * per subject (a real server, a service's quorum, the packet core, this
 * director's failover role, each peer director), when an
 * alarm is due; each sink type (alert_syslog.c, alert_exec.c, ...) only
 * delivers.  One sink type is one file and one row of mon_alert_types[]
 * (STYLE habit 1).
 *
 * Policy, per sink, overridden per service and then per real:
 *   alertafter N [alertafter_window W]
 *               a real alarms after N consecutive failed checks (or N
 *               failed checks within W seconds); quorum and packet-core
 *               failures alarm at once
 *   alertevery T  repeat the alarm every T seconds while it lasts (0: once)
 *   numalerts N   at most N alarms (first + repeats) per failure (0: no cap)
 *   upalert       one "up" alarm when what failed has recovered (for a
 *                 real: it is UP again, rise honoured)
 *   period        time-of-day windows in which alarms go out at all
 *   flap_changes K, flap_window W
 *               a real that crossed up/down more than K times in W seconds
 *               is reported once as flapping; its down/up alarms are held
 *               until it has been quiet for W seconds
 * An alarm that the period holds back is not queued: the next failed check
 * inside the period sends it (mon does the same).
 *
 * Failover (MON_EV_ROLE, MON_EV_PEER; monitor/ha.h) has daemon-wide
 * subjects like the packet core's, alarming at once (no check to count):
 *   director  entering FAULT is a failure (critical; repeats, upalert on
 *             leaving it); becoming MASTER or BACKUP otherwise is a
 *             notice (kind "notice", severity info) carrying the reason
 *   peer      one subject per peer address: dead is a failure (warning),
 *             alive again its recovery (upalert)
 *
 * Delivery (the same for every sink, in alert.c): a bounded queue per sink;
 * one delivery at a time per sink, of up to batch_max alarms (mail and
 * webhook take several); a deadline per attempt; retries with exponential
 * backoff; then the alarms are dead letters (counted, logged, dropped).  A
 * full queue drops its oldest waiting alarm (counted as dropped).  Nothing
 * here blocks the loop, so a dead or slow receiver delays no check and no
 * other sink.
 *
 * Sink life:
 *
 *   open() --> idle --deliver(batch)--> busy --mon_alert_done(ok)--> idle
 *                ^                        |  \--fail or deadline: cancel()
 *                |                        |      --> backoff --> busy ...
 *                +----- retries spent: dead letters <---------+
 *   close() from any state (cancel() first if busy).
 *
 * Ownership: struct mon_alerts (the parsed config) belongs to the model
 * (mon_model_free() calls mon_alerts_free()); the running sinks, queues and
 * alarms belong to alert.c from mon_alert_open() to mon_alert_close().  A
 * batch handed to deliver() stays valid until the sink calls
 * mon_alert_done() or is cancelled.
 */
#ifndef MON_ALERT_H
#define MON_ALERT_H

#include <stdint.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <libconfig.h>

#include "directive.h"
#include "err.h"

struct mon_model;

/* What an alarm says. */
enum mon_alert_kind {
	MON_ALERT_DOWN = 0,	/* first alarm of a failure */
	MON_ALERT_REPEAT,	/* alertevery passed, still failed */
	MON_ALERT_UP,		/* recovered (upalert) */
	MON_ALERT_FLAP,		/* started flapping */
	MON_ALERT_FLAP_END,	/* quiet again after flapping (upalert) */
	MON_ALERT_NOTICE,	/* news, not a failure: the director became
				   master or backup (severity info) */
	MON_ALERT__COUNT
};

/* About what. */
enum mon_alert_what {
	MON_ALERT_REAL = 0,	/* a real server's health */
	MON_ALERT_QUORUM,	/* a service lost every serving real */
	MON_ALERT_BACKEND,	/* the packet core failed */
	MON_ALERT_DIRECTOR,	/* this director's failover role: fault is
				   a failure, master/backup a notice */
	MON_ALERT_PEER,		/* a peer director went silent */
	MON_ALERT_ROUTE,	/* a service's VIP route was withdrawn
				   (announce.h; MON_EV_ROUTE) */
	MON_ALERT_WHAT__COUNT
};

enum mon_alert_severity {
	MON_SEV_INFO = 0,
	MON_SEV_WARNING,
	MON_SEV_CRITICAL,
	MON_SEV__COUNT
};

extern const char *const mon_alert_kind_names[MON_ALERT__COUNT];
extern const char *const mon_alert_what_names[MON_ALERT_WHAT__COUNT];
extern const char *const mon_alert_severity_names[MON_SEV__COUNT + 1];

/*
 * One alarm, self-contained (copies, no pointers into the model): it may
 * wait in a queue across reloads.  Built by alert.c, read by sinks.
 */
struct mon_alert {
	uint64_t		 id;		/* per daemon run, 1, 2, ... */
	uint64_t		 seq;		/* the event that caused it; 0
						   for a repeat (a timer) */
	enum mon_alert_kind	 kind;
	enum mon_alert_what	 what;
	enum mon_alert_severity	 severity;	/* of the failure (an up alarm
						   keeps it: receivers match
						   it to the failure) */
	struct timespec		 time;		/* CLOCK_REALTIME, decided */
	struct timespec		 since;		/* first failed check of this
						   failure (startsAt) */
	char			 name[32];	/* "LvsmonRealDown", ... */
	char			 service[64];	/* "web"; "" for backend,
						   director, peer */
	char			 server[64];	/* "198.51.100.12:8080"; the
						   peer's address; "" */
	char			 check[16];	/* "http", "quorum", "backend",
						   "director", "peer" */
	char			 state[16];	/* "down", "up", "lost",
						   "master", "dead", ... */
	char			 reason[16];	/* "L4CON" (reals) */
	char			 msg[160];	/* the last check's detail */
	char			 summary[512];	/* one line for people */
	unsigned		 failures;	/* consecutive failed checks */
	unsigned		 count;		/* nth alarm of this failure */
};

/* A running sink, as its type sees it. */
struct mon_alert_sink {
	const struct mon_alert_sink_type *type;
	const char		*name;		/* "exec#1" or its `name` */
	void			*conf;		/* the type's directive struct */
	void			*priv;		/* the type's runtime state */
	struct event_base	*base;
	unsigned		 timeout_ms;	/* the core cancels a delivery
						   after this long */
};

struct mon_alert_sink_type {
	const char			*name;		/* config `type` */
	const struct mon_directive	*directives;	/* its own keys */
	size_t				 conf_size;
	unsigned			 batch_max;	/* alarms per delivery */
	unsigned			 batch_ms;	/* wait this long for more
							   before delivering */
	/* check cross-field rules after the rows are read; may be NULL */
	int	(*configure)(void *conf, const config_setting_t *cs,
		    struct err *e);
	/* at start: resolve, allocate; never blocks.  May be NULL. */
	int	(*open)(struct mon_alert_sink *s, struct err *e);
	/*
	 * Start delivering a[0..n-1].  Never blocks: returns 0 and later
	 * calls mon_alert_done() once (it may do so before returning), or
	 * returns -errno at once (then no mon_alert_done; counted a failed
	 * attempt).
	 */
	int	(*deliver)(struct mon_alert_sink *s,
		    const struct mon_alert *const *a, size_t n);
	/* Abort the delivery in progress (deadline, close); no done call. */
	void	(*cancel)(struct mon_alert_sink *s);
	void	(*close)(struct mon_alert_sink *s);	/* may be NULL */
	void	(*release)(void *conf);			/* may be NULL */
};

/* The sink table: every type, once. */
extern const struct mon_alert_sink_type *const mon_alert_types[];

/*
 * A sink ends a delivery: ok = 1 delivered, 0 failed (why says how, for
 * the log: "connect: ECONNREFUSED", "smtp: 550 ...").
 */
void	mon_alert_done(struct mon_alert_sink *s, int ok, const char *why);

/*
 * Config.  conf.c calls mon_alerts_load() once the services are loaded,
 * with its own service and real key tables (the override keys of the
 * service and real blocks are checked here, the rest there).  Returns 0 or
 * -EINVAL with e as "FILE:LINE: alerts #2 (webhook): url: ...".
 */
struct mon_alerts;
int	mon_alerts_load(struct mon_model *m, const config_setting_t *root,
	    const struct mon_directive *svc_dirs,
	    const struct mon_directive *real_dirs, struct err *e);
void	mon_alerts_free(struct mon_alerts *a);
/* 1 if the alerts list has a sink of that type ("snmp"). */
int	mon_alerts_has(const struct mon_alerts *a, const char *type);

/* The override keys a service or real block may carry (conf.c lists them
 * as known keys of its own tables with this macro). */
#define MON_ALERT_OVERRIDE_KEYS						\
	{ .key = "alertafter", .type = MON_D_OTHER },			\
	{ .key = "alertafter_window", .type = MON_D_OTHER },		\
	{ .key = "alertevery", .type = MON_D_OTHER },			\
	{ .key = "numalerts", .type = MON_D_OTHER },			\
	{ .key = "upalert", .type = MON_D_OTHER },			\
	{ .key = "period", .type = MON_D_OTHER },			\
	{ .key = "flap_changes", .type = MON_D_OTHER },			\
	{ .key = "flap_window", .type = MON_D_OTHER }

/* Start the sinks and subscribe to the bus (after the model is loaded);
 * 0 or -errno with e. */
int	mon_alert_open(struct mon_model *m, struct event_base *base,
	    struct err *e);
/* Stop: cancel deliveries, count what is still queued as dead, free. */
void	mon_alert_close(void);

/* One sink's counters (show, metrics).  0, or -1 past the last sink. */
struct mon_alert_counts {
	const char	*name;		/* "exec#1" or its `name` */
	const char	*type;		/* "exec" */
	uint64_t	 queued;	/* waiting now */
	uint64_t	 accepted;	/* ever queued */
	uint64_t	 sent, failed, dead, dropped, held;
	const char	*last_error;
};
int	mon_alert_counts(size_t i, struct mon_alert_counts *c);

/* Per-sink counters for show (text and JSON). */
void	mon_alert_show_text(struct evbuffer *out);
struct json_object;
struct json_object *mon_alert_show_json(void);

/*
 * A period ("Mon-Fri 08:00-18:00", "Sat,Sun", "22:00-06:00", "*"): does
 * tm (local time) fall inside?  Exposed for tests.
 */
struct mon_alert_period;
int	mon_alert_period_parse(const char *s, struct mon_alert_period **out,
	    struct err *e);
int	mon_alert_period_match(const struct mon_alert_period *p,
	    const struct tm *tm);
void	mon_alert_period_free(struct mon_alert_period *p);

/* Helpers for sinks. */
/* "web/198.51.100.12:8080 down: http: connect: ECONNREFUSED" */
const char *mon_alert_summary(const struct mon_alert *a);
/* The alarm as one JSON object (generic webhook, syslog's JSON). */
struct json_object *mon_alert_json(const struct mon_alert *a);
/* "IP:port" or "[v6]:port" into a sockaddr; no host names (no blocking
 * DNS in the loop).  0 or -EINVAL with e. */
struct sockaddr_storage;
int	mon_alert_parse_hostport(const char *s, int defport,
	    struct sockaddr_storage *ss, unsigned *sslen, struct err *e);

#endif

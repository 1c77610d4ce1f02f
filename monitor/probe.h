/*
 * monitor/probe.h - the probe API: the one contract between the scheduler
 * and every health check (checkers/, lua/, external plugins).
 *
 * A probe type is one file and one table row (STYLE habit 1): it exports a
 * const struct probe_type, listed once in mon_probe_types[] in
 * monitor/probe.c.  Nothing else switches on the type.
 *
 * Life of one check run (the scheduler in monitor/sched.c drives it):
 *
 *     idle --start()--> running --probe_done()--> idle
 *                          |
 *                          +--timeout or shutdown: cancel()--> idle
 *
 * - start(p) begins a run.  It never blocks: non-blocking sockets and
 *   libevent events on p->base only.  It returns 0 when the run is under way
 *   (or already finished through probe_done, which start may call directly,
 *   e.g. for an immediate ECONNREFUSED), or a negative errno when it could
 *   not even begin; the scheduler then records a failed check with
 *   CHK_R_INTERNAL.
 * - The type ends a run only by calling probe_done() exactly once, after it
 *   has released its per-run state (p->run).  It must not touch p->run after.
 * - The scheduler owns the timeout: at p->timeout_ms it calls cancel(p) and
 *   records "timeout after N ms during <p->phase>".  cancel() frees the run
 *   state (close sockets, free events) and must NOT call probe_done().
 *   cancel() is called only while a run is in progress.
 * - configure() runs once per probe when the config is loaded, after the
 *   generic directives have filled p->conf; it checks cross-field rules and
 *   may precompute (compile a regex, build a request).  Returns 0 or -EINVAL
 *   with e naming the key; the caller adds file:line.
 * - release() frees what configure() allocated outside the directive fields
 *   (may be NULL).
 * - open() (may be NULL) runs once when the scheduler takes the probe, with
 *   p->base set, before its first run and before any later privilege drop:
 *   where a type acquires what needs privileges or is shared by all its
 *   probes (the batched SYN prober's raw sockets).  0 or -errno; on error
 *   the scheduler logs it and the runs fail as start() reports.  close()
 *   (may be NULL) undoes it when the scheduler lets the probe go, while the
 *   loop still exists.
 * - share: the verdict depends only on the address:port and the check's
 *   own keys (not on the service, the real's weight or name), so probes
 *   alike may be run once for all (the scheduler's dedup, sched.h).
 *
 * Ownership: struct probe belongs to its real server (monitor/model.h) and is
 * freed by mon_probe_free().  p->conf is allocated by the monitor
 * (type->conf_size bytes, zeroed) and freed with it.
 */
#ifndef MON_PROBE_H
#define MON_PROBE_H

#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <event2/event.h>
#include <libconfig.h>

#include "err.h"
#include "directive.h"

/* What a check run concluded. */
enum chk_verdict {
	CHK_V_OK = 0,		/* counts toward rise */
	CHK_V_FAIL,		/* counts toward fall */
	CHK_V_UNKNOWN,		/* the check could not tell (a plugin's
				   UNKNOWN, killed): no state change, counted */
	CHK_V__COUNT
};

/*
 * Why the last run ended.  One table, chk_reasons[], gives each a short code
 * (shown in lvsmonctl and, later, the MIB enumeration) and a text.  Values are
 * only ever appended: the MIB and state files carry the numbers.
 */
enum chk_reason {
	CHK_R_NONE = 0,		/* no run has finished yet */
	CHK_R_OK,		/* the check passed */
	CHK_R_TIMEOUT,		/* no answer within timeout */
	CHK_R_CONNREFUSED,	/* connect: ECONNREFUSED (RST to SYN) */
	CHK_R_CONNECT,		/* connect failed otherwise (unreachable...) */
	CHK_R_IO,		/* send/recv failed after connect (reset...) */
	CHK_R_HTTP_STATUS,	/* HTTP status outside the expected ranges */
	CHK_R_HTTP_BODY,	/* HTTP body did not match expect_body */
	CHK_R_PROTOCOL,		/* the reply was malformed or cut short */
	CHK_R_INTERNAL,		/* the check could not run (socket(), ENOMEM) */
	CHK_R_SCRIPT_DOWN,	/* a check script said down (Lua false) */
	CHK_R_SCRIPT,		/* a check script failed: error, file:line */
	CHK_R_LIMIT,		/* a script hit its instruction or memory
				   limit */
	CHK_R_WARNING,		/* a plugin said WARNING: up, weight cut */
	CHK_R_CRITICAL,		/* a plugin said CRITICAL (exit 2) */
	CHK_R_UNKNOWN,		/* a plugin said UNKNOWN (exit 3), died or
				   was killed: no verdict on the server */
	CHK_R_EXPECT,		/* a reply did not match an expect step */
	CHK_R_TLS,		/* TLS handshake failed, or the certificate
				   is expired or too close to it */
	CHK_R__COUNT
};

struct chk_reason_info {
	const char	*code;		/* "L4CON", stable, for machines */
	const char	*text;		/* "connection refused", for people */
};

extern const struct chk_reason_info chk_reasons[CHK_R__COUNT];
extern const char *const chk_verdict_names[CHK_V__COUNT];

struct probe;
struct mon_real;

/* What probe_done() hands to whoever runs the probe. */
struct probe_result {
	enum chk_verdict	 verdict;
	int			 weight_hint;	/* -1: none */
	enum chk_reason		 reason;
	char			 msg[160];	/* "connect: ECONNREFUSED" */
};

struct probe_type {
	const char			*name;		/* config "type" value */
	const struct mon_directive	*directives;	/* its own keys */
	size_t				 conf_size;	/* sizeof its conf */
	int	(*configure)(const config_setting_t *cs, struct probe *p,
		    struct err *e);
	int	(*start)(struct probe *p);
	void	(*cancel)(struct probe *p);
	void	(*release)(struct probe *p);
	int	(*open)(struct probe *p);
	void	(*close)(struct probe *p);
	int	 share;
};

/*
 * One configured check of one real server.  Fields marked (type) are for
 * the probe type to read or write; the rest belong to the monitor.
 */
struct probe {
	const struct probe_type	*type;
	void			*conf;		/* (type) its directive struct */
	void			*priv;		/* (type) from configure(), freed
						   by release() */
	void			*run;		/* (type) per-run state */
	const char		*phase;		/* (type) "connect", "read"...:
						   named in a timeout reason */

	struct sockaddr_storage	 addr;		/* (type) where to connect: the
						   real's address, check port */
	socklen_t		 addrlen;	/* (type) */
	char			 host[INET6_ADDRSTRLEN];  /* (type) address
						   text, no port/brackets */
	char			 name[INET6_ADDRSTRLEN + 8]; /* (type)
						   "198.51.100.11:8080",
						   "[2001:db8::1]:80" */
	struct event_base	*base;		/* (type) the daemon's loop */

	unsigned		 interval_ms;	/* between run starts */
	unsigned		 timeout_ms;	/* per run */
	unsigned		 rise, fall;	/* successes to go up,
						   failures to go down */
	int			 port;		/* check port, 0 = real's */
	unsigned		 fast_interval_ms; /* while rising or
						   falling; 0 = interval */
	unsigned		 down_interval_ms; /* while down; 0 =
						   interval */
	char			*ckey;		/* the type's own keys as text
						   (mon_probe_key), to find
						   probes alike; owned */
	uint64_t		 fingerprint;	/* the check's settings, hashed by
						   conf.c before configure();
						   (type) configure() mixes in
						   what the file does not say
						   (a script's text) with
						   probe_fingerprint_mix().
						   Equal: a reload keeps the
						   running check */

	/* the monitor's */
	struct mon_real		*rs;		/* back pointer, not owned */
	/* called by probe_done() with the run's result: the scheduler's
	   hook in the daemon, a test's own in t/unit */
	void			(*on_done)(struct probe *p,
				    const struct probe_result *r);
	struct event		*ev_next;	/* next run start */
	struct event		*ev_timeout;	/* deadline of this run */
	struct timespec		 planned;	/* when this run was due */
	struct timespec		 started;	/* when start() was called */
	int			 running;
	int			 queued;	/* waiting for a free slot
						   (max_concurrent_checks) */
	struct probe		*q_next;	/* in the waiting FIFO */
	/* dedup (sched.c): a member is not armed; its leader's verdicts
	   are fed to the member's real too */
	struct probe		*leader;	/* NULL: runs for itself */
	struct probe		*members;	/* leader: the first member */
	struct probe		*next_member;
	unsigned		 nshared;	/* leader: number of members */
	/* durations of finished runs, ms */
	uint64_t		 runs;
	unsigned		 dur_min_ms, dur_max_ms;
	double			 dur_avg_ms;	/* decayed mean (1/8 weight) */
};

/*
 * End the current run.  weight_hint: a weight the check asks for (an agent
 * check), or -1 for none.  fmt: the detail for operators, e.g. "connect:
 * ECONNREFUSED", "http: status 503"; NULL means the reason's text.
 */
void	probe_done(struct probe *p, enum chk_verdict v, int weight_hint,
	    enum chk_reason r, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

/* Mix n bytes into p->fingerprint (FNV-1a, 64 bits). */
void	probe_fingerprint_mix(struct probe *p, const void *data, size_t n);

/* The probe table: every type, once. */
extern const struct probe_type *const mon_probe_types[];
const struct probe_type *mon_probe_type_find(const char *name);

/* The keys every check has (type, interval, timeout, rise, fall, port,
   fast_interval, down_interval). */
extern const struct mon_directive mon_probe_common_directives[];

/*
 * p->ckey from the check blocks (the real's, then the service's): the
 * type's own keys in table order, each as "key=value;" (values as the file
 * wrote them), so two probes of one type with equal text check the same
 * thing.  Common keys are left out (the scheduler compares the parsed
 * values).  0 or -ENOMEM.  monitor/probe_key.c.
 */
int	mon_probe_key(struct probe *p, const config_setting_t *specific,
	    const config_setting_t *inherited);

#endif

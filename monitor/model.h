/*
 * monitor/model.h - services and real servers as the daemon runs them.
 *
 * The parsed configuration (what the operator wrote) and the runtime state
 * (what the checks found, what an operator set by hand) live side by side
 * in the same objects here but are written by different owners:
 *   - conf.c fills the config fields once, at load; they never change after;
 *   - resource.c is the only writer of state/admin/count/last_* fields;
 *   - apply.c writes kernel_weight from what the backend reports.
 * Every other room reads the model through the const pointers returned by
 * mon_model_*() and changes it only through the commands in control.h
 * (set weight, enable, disable, drain), the same path lvsmonctl uses.
 *
 * Ownership: struct mon_model owns its services (array), each service owns
 * its reals (array), each real owns its probe.  mon_model_free() frees all.
 */
#ifndef MON_MODEL_H
#define MON_MODEL_H

#include <stdint.h>
#include <time.h>

struct event;

#include "probe.h"
#include "resource.h"
#include "weightsrc.h"
#include "director/dir.h"

struct mon_real {
	/* config */
	struct mon_service	*svc;		/* parent, not owned */
	uint32_t		 id;		/* stable; the kernel's mark */
	int			 family;
	union dir_addr		 addr;
	uint16_t		 port;
	uint32_t		 weight;	/* configured weight */
	uint32_t		 u_thresh;	/* upper_threshold (ipvs) */
	uint32_t		 l_thresh;	/* lower_threshold (ipvs) */
	char			 key[INET6_ADDRSTRLEN + 8]; /* "addr:port",
						   "[v6]:port" */
	int			 line;		/* config line, for messages */
	struct probe		*probe;		/* NULL: no check, always up */
	struct probe		*agent;		/* `agent`: NULL none; its result
						   goes to weightsrc.c, never
						   to rise/fall */
	int			 sorry;		/* the service's sorry server
						   (last of svc->reals; no
						   check; serves only while
						   quorum is lost) */
	unsigned		 slow_start_ms;	/* ramp after recovery; 0 none
						   (real's key, else the
						   service's) */

	/* runtime, written by resource.c only */
	enum mon_rs_state	 state;
	enum mon_admin		 admin;
	int			 admin_weight;	/* set weight override, -1 none */
	int			 check_weight;	/* weight the last check asked
						   for (Lua, agent), -1 none */
	unsigned		 count;		/* successes while rising,
						   failures while falling */
	enum chk_reason		 last_reason;
	enum chk_verdict	 last_verdict;
	char			 last_msg[160];	/* "http: status 503" */
	unsigned		 last_duration_ms;
	struct timespec		 last_change;	/* CLOCK_REALTIME of the last
						   state or admin change */
	uint64_t		 changes;	/* number of state changes */
	uint64_t		 unknowns;	/* verdicts that could not tell */
	int			 decided;	/* has had an ok or fail verdict
						   (the first one is decisive) */
	uint32_t		 target_weight;	/* mon_rs_weight(): health,
						   admin, operator, check;
						   before the service's policy
						   (quorum, sorry, slow start) */
	uint32_t		 eff_weight;	/* what the kernel should have */
	int			 in_table;	/* belongs in the kernel table
						   (on_down = "remove": not
						   while down) */
	int			 ramping;	/* slow start under way */
	struct timespec		 ramp_start;	/* CLOCK_MONOTONIC */
	struct event		*ramp_ev;	/* slowstart.c's step timer */

	/* runtime, written by weightsrc.c only: what the agent, the
	   weight file and the maintenance directory say (path: config) */
	struct mon_ws		 ws;

	/* runtime, written by apply.c (mon_apply_refresh) */
	int64_t			 kernel_weight;	/* as read back; -1 unknown */
	struct dir_real_stats	 stats;		/* kernel counters, as read */
};

/*
 * What a reload does with a real that the new file no longer has
 * (global and service key on_remove; reload.c).
 */
enum mon_on_remove {
	MON_ON_REMOVE_DRAIN = 0,	/* weight 0 until its connections end
					   (or drain_timeout), then removed */
	MON_ON_REMOVE_REMOVE,		/* out of the kernel at once */
	MON_ON_REMOVE__COUNT
};

/*
 * A real that a reload removed with on_remove = "drain": still in the
 * kernel at weight 0 (mon_model_dir_table lists it) until the kernel
 * reports no connection for it or `until` passes.  Not a struct mon_real:
 * no check, no state, no SNMP row; only the kernel still knows it.
 * Owner: its service; reload.c adds and removes them.
 */
struct mon_leaving {
	uint32_t		 id;		/* kept: its conntrack mark */
	int			 family;
	union dir_addr		 addr;
	uint16_t		 port;
	char			 key[INET6_ADDRSTRLEN + 8];
	struct timespec		 until;		/* CLOCK_MONOTONIC deadline */
	struct dir_real_stats	 stats;		/* as read (apply.c) */
	int			 seen;		/* stats read at least once */
};

/* What a down real becomes in the kernel table (service key on_down). */
enum mon_on_down {
	MON_ON_DOWN_WEIGHT0 = 0,	/* stays, weight 0 (inhibit) */
	MON_ON_DOWN_REMOVE,		/* taken out until it is up */
	MON_ON_DOWN__COUNT
};
extern const char *const mon_on_down_names[MON_ON_DOWN__COUNT + 1];

struct mon_service {
	uint32_t		 id;
	char			*name;
	int			 family;
	int			 proto;		/* IPPROTO_TCP / _UDP / _SCTP;
						   0 for fwmark services */
	union dir_addr		 addr;
	uint16_t		 port;
	uint32_t		 fwmark;	/* 0: an address/port service */
	char			 sched[16];
	enum dir_fwd		 fwd;
	uint32_t		 persist;	/* persistence, s; 0 none */
	uint8_t			 persist_plen;	/* persistence_prefix; 0 = the
						   whole address */
	uint32_t		 dir_flags;	/* DIR_SVC_*: one_packet,
						   scheduler_flags */
	int			 line;
	char			 key[INET6_ADDRSTRLEN + 16]; /* "tcp/addr:port",
						   "fwmark/7", "fwmark6/7" */
	struct mon_real		*reals;		/* owned array (the sorry
						   server, if any, last) */
	size_t			 nreals;
	struct mon_real		*sorry;		/* &reals[nreals - 1] or NULL */
	unsigned		 quorum;	/* serving reals needed (1) */
	unsigned		 quorum_weight;	/* or: their summed weight
						   needed; 0 = count them */
	unsigned		 hysteresis;	/* lost below quorum - H,
						   regained at quorum + H */
	enum mon_on_down	 on_down;
	uint64_t		 conns;		/* kernel total (apply.c) */
	int			 on_remove;	/* enum mon_on_remove, the
						   service's or global's */
	struct mon_leaving	*leaving;	/* owned array (reload.c) */
	size_t			 nleaving;

	/* runtime, written by resource.c/quorum.c only */
	unsigned		 serving;	/* reals (not the sorry server)
						   whose target weight > 0 */
	uint64_t		 serving_weight; /* their target weights summed */
	int			 quorum_ok;	/* quorum held (quorum.c) */
	int			 sorry_active;	/* quorum lost and the sorry
						   server can serve: it takes
						   every new flow */
	uint32_t		 hash_seed;	/* sh on nft: jhash seed, 0 the
						   backend's (dir.h) */
	int			 announce;	/* announce = true: its VIP's
						   route follows its quorum
						   (announce.h) */
};

enum mon_backend {
	MON_BACKEND_AUTO = 0,
	MON_BACKEND_IPVS,
	MON_BACKEND_NFT,
	MON_BACKEND_NONE,
	MON_BACKEND__COUNT
};
extern const char *const mon_backend_names[MON_BACKEND__COUNT + 1];
extern const char *const mon_on_remove_names[MON_ON_REMOVE__COUNT + 1];

/* global.on_exit: what a clean stop (SIGTERM) leaves in the kernel. */
enum mon_on_exit {
	MON_ON_EXIT_KEEP = 0,	/* the table as it is: traffic flows on */
	MON_ON_EXIT_FLUSH,	/* the backend's flush: everything removed */
	MON_ON_EXIT__COUNT
};
extern const char *const mon_on_exit_names[MON_ON_EXIT__COUNT + 1];

#define MON_CONFINE_MAX	8	/* global.confine.writable entries */

struct mon_global {
	int		 backend;		/* enum mon_backend */
	char		*control_socket;
	char		*state_file;
	int		 log_level;		/* 0 info, 1 debug */
	char		*metrics;		/* global.metrics: "IP:PORT" of
						   the /metrics listener; NULL
						   = none */
	char		*snmp_agentx;		/* global.snmp.agentx: the
						   master's socket; NULL = no
						   SNMP subagent */
	unsigned	 snmp_ping_ms;		/* global.snmp.ping_interval */
	int		 on_remove;		/* enum mon_on_remove */
	unsigned	 drain_timeout_ms;	/* longest drain of a removed
						   real */
	char		*maintenance_dir;	/* a file in it named after a
						   real puts it in maintenance
						   (weightsrc.h); NULL none */
	struct dir_timeouts ipvs_timeouts;	/* global.ipvs; 0 = the
						   kernel's */
	int		 ipvs_line;		/* of global.ipvs, 0 none */
	int		 on_exit;		/* enum mon_on_exit */
	unsigned	 reconcile_ms;		/* global.reconcile_interval;
						   0 = off */
	int		 max_checks;		/* max_concurrent_checks: runs
						   at once, 0 = no cap */
	/* global.announce (announce.h); announce_table 0: no block */
	uint32_t	 announce_table;
	uint8_t		 announce_proto;
	uint32_t	 announce_metric;
	char		 announce_dev[16];
	int		 announce_line;
	/* global.confine (confine.h): Landlock after start */
	int		 confine;
	size_t		 nwritable;
	char		 writable[MON_CONFINE_MAX][256];
};

struct mon_alerts;
struct mon_ha_conf;

struct mon_model {
	char			*file;		/* the config file's path */
	struct timespec		 stats_time;	/* CLOCK_MONOTONIC of the last
						   mon_apply_refresh() */
	struct mon_global	 global;
	struct mon_service	*svcs;		/* owned array */
	size_t			 nsvcs;
	struct mon_alerts	*alerts;	/* the `alerts` list and the
						   alert overrides (alert.h);
						   owned */
	struct mon_ha_conf	*ha;		/* the `director` block
						   (ha_int.h); NULL none;
						   owned */
};

/*
 * Parse file into *m.  On error returns -EINVAL (or -errno) and e holds
 * "file:line: key: what was expected"; *m is left empty.
 */
int	mon_model_load(struct mon_model *m, const char *file, struct err *e);
void	mon_model_free(struct mon_model *m);
/* Free a probe built by the loader (cancel a running one first). */
void	mon_probe_free(struct probe *p);
/*
 * Set p->fingerprint from p->type's keys and common's (the check's or the
 * agent's common keys) as they were applied, rc's then sc's settings for
 * the rest; tag (the service's name) is mixed in.  Equal fingerprints: a
 * reload keeps the running probe (conf.c).
 */
struct mon_directive;
void	mon_probe_fingerprint(struct probe *p,
	    const struct mon_directive *common, const config_setting_t *rc,
	    const config_setting_t *sc, const char *tag);

/* Find by name ("web") and by real key ("198.51.100.11:8080"). */
struct mon_service *mon_model_service(struct mon_model *m, const char *name);
struct mon_real	*mon_model_real(struct mon_service *s, const char *key);

/*
 * Can the backend named do everything the model asks (forwarding,
 * fwmark, sctp, persistence, flags, thresholds, timeouts, scheduler
 * names)?  0, or -EOPNOTSUPP with e as "FILE:LINE: service web:
 * persistence: needs backend ipvs (nft cannot)".  An unknown name
 * passes (the caller says it is unknown).
 */
int	mon_model_check_backend(const struct mon_model *m, const char *backend,
	    struct err *e);

/* The desired kernel table from the model's effective weights. */
int	mon_model_dir_table(const struct mon_model *m, struct dir_table *t);

/* "addr:port" or "[addr]:port" */
void	mon_addr_key(int family, const union dir_addr *a, uint16_t port,
	    char *buf, size_t len);
/* Parse "addr:port" / "[v6]:port" (what lvsmonctl users type). */
int	mon_addr_key_parse(const char *s, int *family, union dir_addr *a,
	    uint16_t *port);

/* Real servers in the whole model (for logs and sizing). */
size_t	mon_model_nreals(const struct mon_model *m);

#endif

/*
 * monitor/resource.h - a real server's health and admin state machines.
 *
 * Health (written only by mon_rs_set_state() in resource.c):
 *
 *                  ok (count < rise)                fail (count < fall)
 *                 +--------+                       +--------+
 *                 v        |                       v        |
 *   [start]--> DOWN ---ok--> RISING --ok x rise--> UP --fail--> FALLING
 *               ^  ^            |                  ^  ^           |
 *               |  +----fail----+                  |  +----ok-----+
 *               +------------------fail x fall----------------------+
 *
 * States:
 *   DOWN     no traffic (effective weight 0); `count` successes so far = 0.
 *   RISING   was down, has 1..rise-1 consecutive successes; still no
 *            traffic.
 *   UP       serving at its weight.
 *   FALLING  was up, has 1..fall-1 consecutive failures; still serving
 *            (a single failed check does not cut a server).
 *
 * Start: a new server is DOWN with no verdict and gets no new flows until
 * its checks say so; but its FIRST verdict is decisive (one success takes
 * it UP at once, one failure confirms DOWN).  That is keepalived's "alpha"
 * reading made safe for a director that adopts a live kernel table: nothing
 * untested receives traffic, and a healthy pool is serving after one check
 * interval, not rise intervals.  A server with no check is UP at start.
 *
 * Restart (adoption): a server that the kernel's table already holds with a
 * weight > 0 when the daemon starts (a restart, kill -9 included) was
 * serving a moment ago; cutting it until its first check would drop new
 * connections.  mon_rs_adopt() starts it UP, undecided, at the kernel's
 * weight; its first verdict is decisive here too: a success keeps it UP
 * (at the weight the config and operator say from then on), a failure
 * takes it DOWN at once (no fall count: nothing vouches for it but a table
 * an older process left).  A server found at weight 0, or not found, starts
 * DOWN as above.  Admin state and a weight set by hand (the state file)
 * still win over what the kernel holds.
 *
 * Admin state (independent of health; written by mon_rs_set_admin()):
 *   ENABLED   health decides the weight.
 *   DISABLED  weight 0; checks go on and are shown, but do not matter.
 *   DRAIN     weight 0: no new flows; established ones are kept by the
 *             kernel until they end.
 * (In the nft core DISABLED and DRAIN both keep established flows: the
 * conntrack binding outlives the scheduling maps.  With IPVS, DISABLED may
 * later remove the real; DRAIN never does.)
 *
 * Every change is an event (monitor/event.h) with time, old and new state,
 * reason; the effective weight is recomputed by mon_rs_weight().
 */
#ifndef MON_RESOURCE_H
#define MON_RESOURCE_H

#include <stdint.h>

enum mon_rs_state {
	MON_RS_DOWN = 0,
	MON_RS_RISING,
	MON_RS_UP,
	MON_RS_FALLING,
	MON_RS__COUNT
};

enum mon_admin {
	MON_ADMIN_ENABLED = 0,
	MON_ADMIN_DISABLED,
	MON_ADMIN_DRAIN,
	MON_ADMIN__COUNT
};

extern const char *const mon_rs_state_names[MON_RS__COUNT];
extern const char *const mon_admin_names[MON_ADMIN__COUNT];

struct mon_real;
struct probe;

/*
 * Feed one check verdict (from probe_done through the scheduler).  Steps the
 * rise/fall count, changes state when a threshold is met, records the last
 * result, recomputes the effective weight and emits events.
 */
void	mon_rs_verdict(struct mon_real *rs, int ok, int weight_hint,
	    int reason, const char *msg, unsigned duration_ms);

/*
 * A run that could not tell (CHK_V_UNKNOWN: a plugin's UNKNOWN, a killed
 * plugin): recorded and counted, the state and the rise/fall count stay.
 */
void	mon_rs_unknown(struct mon_real *rs, int reason, const char *msg,
	    unsigned duration_ms);

/* The one writer of rs->state. */
void	mon_rs_set_state(struct mon_real *rs, enum mon_rs_state to,
	    int reason, const char *msg);

/* Admin changes: from the control socket (and later SNMP, state file). */
void	mon_rs_set_admin(struct mon_real *rs, enum mon_admin to);
/* w = -1 clears the override (back to the configured weight). */
void	mon_rs_set_weight(struct mon_real *rs, int w);

/*
 * A weight source of rs (weightsrc.c: agent, weight file, maintenance
 * directory) says something new: log msg, emit MON_EV_SOURCE with it, and
 * recompute the effective weight.
 */
void	mon_rs_sources_changed(struct mon_real *rs, const char *msg);

/*
 * The real's own weight (rs->target_weight): a pure function of the fields
 * above and the weight sources (the rule in monitor/README.md: admin and
 * maintenance > health, agent/file down or drain > operator > file > agent
 * > check > configured, times the sources' percentages).  The weight the
 * kernel gets (rs->eff_weight) is this after the service's policy:
 *
 *   eff = slow_start_ramp(sorry_policy(target))
 *
 * sorry_policy (quorum.c): while quorum is lost and the service has a
 * sorry server that can serve, the sorry server gets its weight and every
 * other real 0; otherwise the sorry server gets 0.  slow_start_ramp
 * (slowstart.c): for slow_start seconds after a real came back, its weight
 * climbs linearly from 1.
 */
uint32_t mon_rs_weight(const struct mon_real *rs);

/*
 * Recompute rs->eff_weight and rs->in_table from rs->target_weight and the
 * service's policy; emit MON_EV_WEIGHT when either moved (quiet: no event,
 * at load).  The policy rooms call it when their part changes.
 */
void	mon_rs_apply_policy(struct mon_real *rs, int quiet);

/* Put a server in its start state (see above). */
void	mon_rs_init(struct mon_real *rs);

/*
 * At start, before the first sync: the kernel serves rs at weight w > 0
 * (see "Restart" above).  Only for a server with a check and no verdict
 * yet; anything else is left as it is.  Emits no event (nothing changed in
 * the kernel); returns 1 if rs was adopted, 0 if not.
 */
int	mon_rs_adopt(struct mon_real *rs, uint32_t w);

/*
 * Recount a service's serving reals (quorum.c): quorum with hysteresis,
 * the sorry server, MON_EV_QUORUM when quorum is lost or regained.
 * quiet: at load, every real's target and effective weight are computed
 * afresh and no event is sent.
 */
struct mon_service;
void	mon_svc_quorum(struct mon_service *svc, int quiet);
/* The sorry part of the policy: what target weight w becomes. */
uint32_t mon_quorum_weight(const struct mon_real *rs, uint32_t w);
/* Does rs belong in the kernel table now (on_down)? */
int	mon_quorum_in_table(const struct mon_real *rs, uint32_t eff);

/*
 * Slow start (slowstart.c).  Without mon_slowstart_open() (unit tests
 * that run no loop) nothing ramps.
 */
struct event_base;
struct mon_model;
int	mon_slowstart_open(struct event_base *base);
void	mon_slowstart_close(struct mon_model *m);	/* frees the timers */
void	mon_slowstart_begin(struct mon_real *rs);	/* it came back */
void	mon_slowstart_end(struct mon_real *rs);
/*
 * Reload (reload.c): drop frees the step timer of a real that goes away;
 * resume re-creates it for a real that took over ramping and ramp_start
 * from one that went (the ramp goes on from where it was, at the new
 * slow_start; none: it ends).
 */
void	mon_slowstart_drop(struct mon_real *rs);
void	mon_slowstart_resume(struct mon_real *rs);
/* The ramp applied to w (w itself when not ramping). */
uint32_t mon_slowstart_weight(const struct mon_real *rs, uint32_t w);
/* How far the ramp is, 0..99; -1 when not ramping. */
int	mon_slowstart_pct(const struct mon_real *rs);

#endif

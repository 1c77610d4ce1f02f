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

/* Weight the kernel should have: pure function of the fields above. */
uint32_t mon_rs_weight(const struct mon_real *rs);

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
 * Recount a service's serving reals and emit MON_EV_QUORUM when quorum is
 * lost or regained.  quiet: set the fields without an event (start).
 */
struct mon_service;
void	mon_svc_quorum(struct mon_service *svc, int quiet);

#endif

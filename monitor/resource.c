/*
 * monitor/resource.c - the real server state machines (see resource.h for
 * the picture).  Every verdict of every probe type comes through
 * mon_rs_verdict(); rs->state is written only by mon_rs_set_state().
 */
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "log.h"
#include "model.h"
#include "resource.h"

const char *const mon_rs_state_names[MON_RS__COUNT] = {
	[MON_RS_DOWN]		= "down",
	[MON_RS_RISING]		= "rising",
	[MON_RS_UP]		= "up",
	[MON_RS_FALLING]	= "falling",
};

const char *const mon_admin_names[MON_ADMIN__COUNT] = {
	[MON_ADMIN_ENABLED]	= "enabled",
	[MON_ADMIN_DISABLED]	= "disabled",
	[MON_ADMIN_DRAIN]	= "drain",
};

/*
 * The one rule (monitor/README.md, "Weight sources"): first what takes a
 * server out, then the base weight, then the percentages that scale it.
 */
uint32_t
mon_rs_weight(const struct mon_real *rs)
{
	const struct mon_ws	*ws = &rs->ws;
	int			 abs;

	/* maintenance: the operator's disable/drain, the agent's maint,
	   a file in the maintenance directory */
	if (rs->admin != MON_ADMIN_ENABLED || mon_ws_maint(ws))
		return 0;
	/* not serving: health down or rising, the agent's or the weight
	   file's down; their drain keeps established flows the same way */
	if (rs->state == MON_RS_DOWN || rs->state == MON_RS_RISING ||
	    mon_ws_down(ws) || mon_ws_drain(ws))
		return 0;
	/* the base: an operator's weight beats a weight file's absolute,
	   which beats the agent's, which beats the check's (Lua, exec
	   WARNING); then the agent's and the file's NN% scale it */
	if (rs->admin_weight >= 0)
		return mon_ws_scale(ws, (uint32_t)rs->admin_weight);
	if ((abs = mon_ws_absolute(ws)) >= 0)
		return mon_ws_scale(ws, (uint32_t)abs);
	if (rs->check_weight >= 0)
		return mon_ws_scale(ws, (uint32_t)rs->check_weight);
	return mon_ws_scale(ws, rs->weight);
}

void
mon_rs_apply_policy(struct mon_real *rs, int quiet)
{
	uint32_t		w;
	int			in;
	struct mon_event	ev = { .type = MON_EV_WEIGHT };

	w = mon_slowstart_weight(rs, mon_quorum_weight(rs, rs->target_weight));
	in = mon_quorum_in_table(rs, w);
	/* a removal or a return moves no weight but still goes to the
	   kernel (apply.c syncs when in_table changes) */
	if (w == rs->eff_weight && in == rs->in_table)
		return;
	ev.svc = rs->svc;
	ev.rs = rs;
	ev.old = rs->eff_weight;
	ev.new = w;
	rs->eff_weight = w;
	rs->in_table = in;
	if (!quiet)
		mon_event_emit(&ev);
}

/* Recompute the real's own weight, then the policy on top; recount. */
static void
reweigh(struct mon_real *rs)
{
	rs->target_weight = mon_rs_weight(rs);
	if (rs->target_weight == 0)
		mon_slowstart_end(rs);
	mon_rs_apply_policy(rs, 0);
	mon_svc_quorum(rs->svc, 0);
}

void
mon_rs_init(struct mon_real *rs)
{
	rs->state = rs->probe != NULL ? MON_RS_DOWN : MON_RS_UP;
	rs->admin = MON_ADMIN_ENABLED;
	rs->admin_weight = -1;
	rs->check_weight = -1;
	rs->count = 0;
	rs->last_reason = CHK_R_NONE;
	rs->last_verdict = CHK_V_FAIL;
	rs->last_msg[0] = '\0';
	rs->unknowns = 0;
	rs->decided = 0;
	rs->changes = 0;
	rs->kernel_weight = -1;
	mon_ws_init(&rs->ws);
	rs->ramping = 0;
	clock_gettime(CLOCK_REALTIME, &rs->last_change);
	/* the service's policy comes on top in mon_svc_quorum(svc, 1) */
	rs->target_weight = mon_rs_weight(rs);
	rs->eff_weight = rs->target_weight;
	rs->in_table = 1;
}

int
mon_rs_adopt(struct mon_real *rs, uint32_t w)
{
	if (rs->probe == NULL || rs->decided || w == 0 ||
	    rs->state != MON_RS_DOWN)
		return 0;
	rs->state = MON_RS_UP;
	/* held like a check's weight: the first verdict replaces it */
	rs->check_weight = w > DIR_WEIGHT_MAX ? (int)DIR_WEIGHT_MAX : (int)w;
	rs->eff_weight = mon_rs_weight(rs);
	mon_svc_quorum(rs->svc, 1);
	mon_info("real %s/%s: serving in the kernel at weight %u: adopted as "
	    "up until its first check", rs->svc->name, rs->key, w);
	return 1;
}

void
mon_rs_set_state(struct mon_real *rs, enum mon_rs_state to, int reason,
    const char *msg)
{
	struct mon_event	ev = { .type = MON_EV_STATE };
	const struct probe	*p = rs->probe;
	char			count[32] = "";

	if (to == rs->state)
		return;
	ev.old = rs->state;
	ev.new = to;
	rs->state = to;
	rs->changes++;
	clock_gettime(CLOCK_REALTIME, &rs->last_change);
	ev.time = rs->last_change;

	if (p != NULL && to == MON_RS_RISING)
		snprintf(count, sizeof(count), " [rise %u/%u]", rs->count,
		    p->rise);
	else if (p != NULL && to == MON_RS_FALLING)
		snprintf(count, sizeof(count), " [fall %u/%u]", rs->count,
		    p->fall);
	mon_info("real %s/%s: state %s -> %s (%s, %u ms): %s%s",
	    rs->svc->name, rs->key, mon_rs_state_names[ev.old],
	    mon_rs_state_names[to], p != NULL ? p->type->name : "none",
	    rs->last_duration_ms, msg, count);

	ev.svc = rs->svc;
	ev.rs = rs;
	ev.reason = reason;
	ev.msg = msg;
	mon_event_emit(&ev);
	reweigh(rs);
}

void
mon_rs_verdict(struct mon_real *rs, int ok, int weight_hint, int reason,
    const char *msg, unsigned duration_ms)
{
	const struct probe	*p = rs->probe;
	int			 first = !rs->decided;
	enum mon_rs_state	 to = rs->state;
	struct mon_event	 cev = { .type = MON_EV_CHECK };

	rs->decided = 1;
	rs->last_reason = reason;
	rs->last_verdict = ok ? CHK_V_OK : CHK_V_FAIL;
	rs->last_duration_ms = duration_ms;
	snprintf(rs->last_msg, sizeof(rs->last_msg), "%s", msg);
	mon_debug("real %s/%s: check %s %s in %u ms: %s", rs->svc->name,
	    rs->key, p->type->name, ok ? "ok" : "failed", duration_ms, msg);

	switch (rs->state) {
	case MON_RS_DOWN:
	case MON_RS_RISING:
		if (!ok) {
			rs->count = 0;
			to = MON_RS_DOWN;
		} else if (first || ++rs->count >= p->rise) {
			/* the first verdict is decisive (resource.h) */
			rs->count = 0;
			to = MON_RS_UP;
		} else
			to = MON_RS_RISING;
		break;
	case MON_RS_UP:
	case MON_RS_FALLING:
		if (ok) {
			rs->count = 0;
			to = MON_RS_UP;
		} else if (first || ++rs->count >= p->fall) {
			/* first: adopted from the kernel (resource.h) */
			rs->count = 0;
			to = MON_RS_DOWN;
		} else
			to = MON_RS_FALLING;
		break;
	default:
		break;
	}
	/* back from down: ramp up (not at start: a pool that comes up
	   with the daemon takes its traffic at once) */
	if (!first && to == MON_RS_UP && (rs->state == MON_RS_DOWN ||
	    rs->state == MON_RS_RISING))
		mon_slowstart_begin(rs);
	mon_rs_set_state(rs, to, reason, msg);
	/* after the state: a subscriber counting failures (alerts) sees
	   the state this verdict led to */
	cev.svc = rs->svc;
	cev.rs = rs;
	cev.new = ok != 0;
	cev.old = rs->state;
	cev.reason = reason;
	cev.msg = msg;
	mon_event_emit(&cev);
	/* a check may ask for a weight (a Lua check, an agent); it holds
	   until a later verdict of that check asks for another or none */
	if (weight_hint > (int)DIR_WEIGHT_MAX)
		weight_hint = (int)DIR_WEIGHT_MAX;
	if (weight_hint != rs->check_weight) {
		if (weight_hint >= 0)
			mon_info("real %s/%s: check %s asks for weight %d",
			    rs->svc->name, rs->key, p->type->name,
			    weight_hint);
		rs->check_weight = weight_hint < 0 ? -1 : weight_hint;
		reweigh(rs);
	}
}

void
mon_rs_unknown(struct mon_real *rs, int reason, const char *msg,
    unsigned duration_ms)
{
	rs->unknowns++;
	rs->last_reason = reason;
	rs->last_verdict = CHK_V_UNKNOWN;
	rs->last_duration_ms = duration_ms;
	snprintf(rs->last_msg, sizeof(rs->last_msg), "%s", msg);
	mon_debug("real %s/%s: check %s could not tell in %u ms: %s",
	    rs->svc->name, rs->key, rs->probe->type->name, duration_ms, msg);
}

void
mon_rs_set_admin(struct mon_real *rs, enum mon_admin to)
{
	struct mon_event	ev = { .type = MON_EV_ADMIN };

	if (to == rs->admin)
		return;
	ev.old = rs->admin;
	ev.new = to;
	/* enabled again while healthy: the same ramp as a recovery */
	if (to == MON_ADMIN_ENABLED && (rs->state == MON_RS_UP ||
	    rs->state == MON_RS_FALLING))
		mon_slowstart_begin(rs);
	rs->admin = to;
	clock_gettime(CLOCK_REALTIME, &rs->last_change);
	ev.time = rs->last_change;
	mon_info("real %s/%s: admin %s -> %s", rs->svc->name, rs->key,
	    mon_admin_names[ev.old], mon_admin_names[to]);
	ev.svc = rs->svc;
	ev.rs = rs;
	ev.msg = "";
	mon_event_emit(&ev);
	reweigh(rs);
}

void
mon_rs_sources_changed(struct mon_real *rs, const char *msg)
{
	struct mon_event	ev = { .type = MON_EV_SOURCE };

	mon_info("real %s/%s: %s", rs->svc->name, rs->key, msg);
	ev.svc = rs->svc;
	ev.rs = rs;
	ev.msg = msg;
	mon_event_emit(&ev);
	reweigh(rs);
}

void
mon_rs_set_weight(struct mon_real *rs, int w)
{
	if (w == rs->admin_weight)
		return;
	rs->admin_weight = w;
	/* the operator's number goes to the kernel as it is */
	if (w >= 0)
		mon_slowstart_end(rs);
	if (w >= 0)
		mon_info("real %s/%s: weight set to %d (configured %u)",
		    rs->svc->name, rs->key, w, rs->weight);
	else
		mon_info("real %s/%s: weight back to configured %u",
		    rs->svc->name, rs->key, rs->weight);
	reweigh(rs);
}

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

uint32_t
mon_rs_weight(const struct mon_real *rs)
{
	if (rs->admin != MON_ADMIN_ENABLED)
		return 0;
	if (rs->state == MON_RS_DOWN || rs->state == MON_RS_RISING)
		return 0;
	/* an operator's weight beats the check's, which beats the file's */
	if (rs->admin_weight >= 0)
		return (uint32_t)rs->admin_weight;
	if (rs->check_weight >= 0)
		return (uint32_t)rs->check_weight;
	return rs->weight;
}

/* Recompute the effective weight; say so if it moved. */
static void
reweigh(struct mon_real *rs)
{
	uint32_t		w = mon_rs_weight(rs);
	struct mon_event	ev = { .type = MON_EV_WEIGHT };

	if (w == rs->eff_weight)
		return;
	ev.svc = rs->svc;
	ev.rs = rs;
	ev.old = rs->eff_weight;
	ev.new = w;
	rs->eff_weight = w;
	mon_event_emit(&ev);
	mon_svc_quorum(rs->svc, 0);
}

void
mon_svc_quorum(struct mon_service *svc, int quiet)
{
	struct mon_event	ev = { .type = MON_EV_QUORUM };
	unsigned		serving = 0;
	int			ok;
	char			msg[64];

	for (size_t i = 0; i < svc->nreals; i++)
		serving += svc->reals[i].eff_weight > 0;
	svc->serving = serving;
	ok = serving >= 1;
	if (ok == svc->quorum_ok)
		return;
	svc->quorum_ok = ok;
	if (quiet)
		return;
	snprintf(msg, sizeof(msg), "%u of %zu servers serving", serving,
	    svc->nreals);
	mon_info("service %s: quorum %s (%s)", svc->name,
	    ok ? "regained" : "lost", msg);
	ev.svc = svc;
	ev.old = !ok;
	ev.new = ok;
	ev.msg = msg;
	mon_event_emit(&ev);
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
	clock_gettime(CLOCK_REALTIME, &rs->last_change);
	rs->eff_weight = mon_rs_weight(rs);
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
mon_rs_set_weight(struct mon_real *rs, int w)
{
	if (w == rs->admin_weight)
		return;
	rs->admin_weight = w;
	if (w >= 0)
		mon_info("real %s/%s: weight set to %d (configured %u)",
		    rs->svc->name, rs->key, w, rs->weight);
	else
		mon_info("real %s/%s: weight back to configured %u",
		    rs->svc->name, rs->key, rs->weight);
	reweigh(rs);
}

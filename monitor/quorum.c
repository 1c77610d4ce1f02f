/*
 * monitor/quorum.c - a service's quorum, its sorry server and what a down
 * real becomes in the kernel table (service keys quorum, quorum_weight,
 * hysteresis, sorry_server, sorry_weight, on_down).
 *
 * Quorum (keepalived's reading, with a count as the default measure):
 *   have = reals (not the sorry server) whose own weight is > 0, or, with
 *          quorum_weight, the sum of those weights (before slow start: a
 *          ramping server counts in full, so quorum does not flap while
 *          it ramps);
 *   held:  lost when have < quorum - hysteresis (or have = 0);
 *   lost:  regained when have >= quorum + hysteresis.
 * At load the state is "lost" and the first count decides quietly.
 *
 * Sorry server: while quorum is lost and the sorry server can serve (its
 * own weight > 0: not disabled, not set to 0), it takes every new flow: it
 * gets sorry_weight and the remaining reals weight 0 (as keepalived takes
 * the remaining alive reals out of the pool).  Established flows stay
 * where they are.  When quorum is back, the reals get their weights and
 * the sorry server 0 (or leaves the table with on_down = "remove").
 * Without a sorry server losing quorum changes no weight: it is an event
 * (MON_EV_QUORUM, alarms, SNMP notification) and the survivors serve on.
 */
#include <inttypes.h>
#include <stdio.h>

#include "event.h"
#include "log.h"
#include "model.h"
#include "resource.h"

const char *const mon_on_down_names[MON_ON_DOWN__COUNT + 1] = {
	[MON_ON_DOWN_WEIGHT0]	= "weight0",
	[MON_ON_DOWN_REMOVE]	= "remove",
	[MON_ON_DOWN__COUNT]	= NULL,
};

uint32_t
mon_quorum_weight(const struct mon_real *rs, uint32_t w)
{
	const struct mon_service *svc = rs->svc;

	if (rs->sorry)
		return svc->sorry_active ? w : 0;
	return svc->sorry_active ? 0 : w;
}

int
mon_quorum_in_table(const struct mon_real *rs, uint32_t eff)
{
	if (rs->svc->on_down != MON_ON_DOWN_REMOVE)
		return 1;
	/* the sorry server is "down" whenever it is not needed */
	if (rs->sorry)
		return eff > 0;
	return rs->state == MON_RS_UP || rs->state == MON_RS_FALLING;
}

/* "1 of 3 serving, quorum 2" / "weight 50 of 300, quorum_weight 100" */
static void
describe(const struct mon_service *svc, char *buf, size_t len)
{
	size_t	n = svc->nreals - (svc->sorry != NULL);
	int	k;

	if (svc->quorum_weight > 0) {
		uint64_t all = 0;

		for (size_t i = 0; i < n; i++)
			all += svc->reals[i].weight;
		k = snprintf(buf, len, "weight %" PRIu64 " of %" PRIu64
		    " serving, quorum_weight %u", svc->serving_weight, all,
		    svc->quorum_weight);
	} else
		k = snprintf(buf, len, "%u of %zu serving, quorum %u",
		    svc->serving, n, svc->quorum);
	if (svc->hysteresis > 0 && k > 0 && (size_t)k < len)
		snprintf(buf + k, len - (size_t)k, " (hysteresis %u)",
		    svc->hysteresis);
}

void
mon_svc_quorum(struct mon_service *svc, int quiet)
{
	struct mon_event	ev = { .type = MON_EV_QUORUM };
	unsigned		serving = 0;
	uint64_t		sum = 0, have, q, h;
	int			ok, active, was_active = svc->sorry_active;
	char			msg[128];

	for (size_t i = 0; i < svc->nreals; i++) {
		struct mon_real *rs = &svc->reals[i];

		if (quiet)
			rs->target_weight = mon_rs_weight(rs);
		if (rs->sorry || rs->target_weight == 0)
			continue;
		serving++;
		sum += rs->target_weight;
	}
	svc->serving = serving;
	svc->serving_weight = sum;
	have = svc->quorum_weight > 0 ? sum : serving;
	q = svc->quorum_weight > 0 ? svc->quorum_weight : svc->quorum;
	h = svc->hysteresis;
	if (svc->quorum_ok)
		ok = have > 0 && have + h >= q;		/* not below q - h */
	else
		ok = have > 0 && have >= q + h;
	active = !ok && svc->sorry != NULL &&
	    svc->sorry->target_weight > 0;

	if (ok != svc->quorum_ok && !quiet) {
		describe(svc, msg, sizeof(msg));
		mon_info("service %s: quorum %s: %s%s", svc->name,
		    ok ? "regained" : "lost", msg, svc->sorry == NULL ? "" :
		    active ? "; sorry server takes new flows" :
		    ok ? "; back to the real servers" : "");
		ev.svc = svc;
		ev.old = svc->quorum_ok;
		ev.new = ok;
		ev.msg = msg;
		svc->quorum_ok = ok;
		svc->sorry_active = active;
		mon_event_emit(&ev);
	}
	svc->quorum_ok = ok;
	svc->sorry_active = active;
	if (active == was_active && !quiet)
		return;
	for (size_t i = 0; i < svc->nreals; i++)
		mon_rs_apply_policy(&svc->reals[i], quiet);
}

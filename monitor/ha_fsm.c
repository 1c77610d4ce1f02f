/*
 * monitor/ha_fsm.c - which role to take, from what the peers last said
 * (the state machine's picture is in ha_int.h).  Pure: no clock, no I/O,
 * so the unit tests can walk every rule.
 */
#include <string.h>

#include "ha_int.h"

int
mon_ha_outranks(int pa, int fa, const uint8_t *aa, int pb, int fb,
    const uint8_t *ab)
{
	size_t	n;
	int	c;

	if (pa != pb)
		return pa > pb;
	/* the same priority: the higher address, v6 above v4 */
	if (fa != fb)
		return fa == AF_INET6;
	n = fa == AF_INET6 ? 16 : 4;
	c = memcmp(aa, ab, n);
	return c > 0;
}

/* A peer that can take or keep the VIPs. */
static int
eligible(const struct mon_ha_fsm_peer *p)
{
	return p->alive && p->priority > 0 && p->role != MON_HA_FAULT;
}

static int
peer_outranks_us(const struct mon_ha_fsm_in *in,
    const struct mon_ha_fsm_peer *p)
{
	return mon_ha_outranks(p->priority, p->family, p->addr, in->priority,
	    in->family, in->addr);
}

int
mon_ha_decide(const struct mon_ha_fsm_in *in, const char **reason)
{
	const struct mon_ha_fsm_peer	*master = NULL;
	int				 first = in->priority > 0;

	*reason = NULL;
	if (in->fault) {
		*reason = "own health: fault";
		return MON_HA_FAULT;
	}
	for (size_t i = 0; i < in->npeers; i++) {
		const struct mon_ha_fsm_peer *p = &in->peers[i];

		if (!eligible(p))
			continue;
		if (p->role == MON_HA_MASTER &&
		    (master == NULL || mon_ha_outranks(p->priority, p->family,
		    p->addr, master->priority, master->family, master->addr)))
			master = p;
		if (peer_outranks_us(in, p))
			first = 0;
	}

	if (in->role == MON_HA_MASTER) {
		if (in->priority == 0) {
			*reason = "failover requested";
			return MON_HA_BACKUP;
		}
		if (master != NULL && peer_outranks_us(in, master)) {
			*reason = "peer outranks";
			return MON_HA_BACKUP;
		}
		/* a preempting backup with a higher priority: yield, it
		   takes over once it hears no master */
		for (size_t i = 0; i < in->npeers; i++) {
			const struct mon_ha_fsm_peer *p = &in->peers[i];

			/* not to one still in INIT: it becomes BACKUP
			   first, so it can tell "preempted" and the
			   hand-over takes one round trip, not INIT's wait */
			if (eligible(p) && p->role == MON_HA_BACKUP &&
			    p->preempt && p->priority > in->priority) {
				*reason = "preempted";
				return MON_HA_BACKUP;
			}
		}
		return MON_HA_MASTER;
	}

	if (master != NULL) {
		if (in->role == MON_HA_BACKUP || in->role == MON_HA_INIT ||
		    in->role == MON_HA_FAULT) {
			if (in->role != MON_HA_BACKUP)
				*reason = "peer is master";
			return MON_HA_BACKUP;
		}
	}
	if (in->role == MON_HA_INIT && !in->init_over)
		return MON_HA_INIT;
	if (master == NULL && first) {
		*reason = in->role == MON_HA_INIT ? "no master heard" :
		    "no live master";
		return MON_HA_MASTER;
	}
	if (in->role != MON_HA_BACKUP)
		*reason = master != NULL ? "peer is master" : "peer outranks";
	return MON_HA_BACKUP;
}

/*
 * monitor/ha_show.c - the failover view as text (lvsmonctl role, show),
 * JSON (role --json, show --json) and Prometheus series (/metrics).  Reads
 * mon_ha_view() only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include <event2/buffer.h>
#include <json-c/json.h>

#include "ha.h"
#include "ha_show.h"
#include "show.h"

static double
ago(const struct timespec *t)
{
	struct timespec	now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	    (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

void
mon_ha_show_text(struct evbuffer *out)
{
	const struct mon_ha_view	*v = mon_ha_view();
	char				 t[40];

	if (v == NULL) {
		evbuffer_add_printf(out, "director: failover off (no "
		    "director block)\n");
		return;
	}
	mon_rfc3339(&v->since, t, sizeof(t));
	evbuffer_add_printf(out, "director: %s since %s (%.1f s): %s\n",
	    mon_ha_role_names[v->role], t, ago(&v->since), v->reason);
	evbuffer_add_printf(out, "  priority %d (configured %d), %" PRIu64
	    " role changes, heartbeats sent %" PRIu64 ", dropped: bad auth %"
	    PRIu64 ", replayed %" PRIu64 "\n", v->priority, v->base_priority,
	    v->transitions, v->tx, v->bad_auth, v->replayed);
	for (size_t i = 0; i < v->npeers; i++) {
		const struct mon_ha_peer_view	*p = &v->peers[i];
		char				 heard[48];

		if (p->last_heard.tv_sec == 0)
			snprintf(heard, sizeof(heard), "never heard");
		else
			snprintf(heard, sizeof(heard), "last heard %.2f s ago",
			    ago(&p->last_heard));
		evbuffer_add_printf(out, "  peer %s: %s, %s, priority %d, %s, "
		    "received %" PRIu64 ", bad auth %" PRIu64 ", replayed %"
		    PRIu64 "\n", p->addr, p->alive ? "alive" : "dead",
		    mon_ha_role_names[p->role], p->priority, heard, p->rx,
		    p->bad_auth, p->replayed);
	}
}

json_object *
mon_ha_show_json(void)
{
	const struct mon_ha_view	*v = mon_ha_view();
	json_object			*o, *peers;
	char				 t[40];

	if (v == NULL)
		return NULL;
	o = json_object_new_object();
	peers = json_object_new_array();
	mon_rfc3339(&v->since, t, sizeof(t));
	json_object_object_add(o, "role",
	    json_object_new_string(mon_ha_role_names[v->role]));
	json_object_object_add(o, "reason", json_object_new_string(v->reason));
	json_object_object_add(o, "since", json_object_new_string(t));
	json_object_object_add(o, "priority", json_object_new_int(v->priority));
	json_object_object_add(o, "base_priority",
	    json_object_new_int(v->base_priority));
	json_object_object_add(o, "transitions",
	    json_object_new_int64((int64_t)v->transitions));
	json_object_object_add(o, "tx", json_object_new_int64((int64_t)v->tx));
	json_object_object_add(o, "bad_auth",
	    json_object_new_int64((int64_t)v->bad_auth));
	json_object_object_add(o, "replayed",
	    json_object_new_int64((int64_t)v->replayed));
	for (size_t i = 0; i < v->npeers; i++) {
		const struct mon_ha_peer_view	*p = &v->peers[i];
		json_object			*j = json_object_new_object();

		json_object_object_add(j, "address",
		    json_object_new_string(p->addr));
		json_object_object_add(j, "alive",
		    json_object_new_boolean(p->alive));
		json_object_object_add(j, "role",
		    json_object_new_string(mon_ha_role_names[p->role]));
		json_object_object_add(j, "priority",
		    json_object_new_int(p->priority));
		if (p->last_heard.tv_sec != 0) {
			mon_rfc3339(&p->last_heard, t, sizeof(t));
			json_object_object_add(j, "last_heard",
			    json_object_new_string(t));
		} else
			json_object_object_add(j, "last_heard", NULL);
		json_object_object_add(j, "rx",
		    json_object_new_int64((int64_t)p->rx));
		json_object_object_add(j, "bad_auth",
		    json_object_new_int64((int64_t)p->bad_auth));
		json_object_object_add(j, "replayed",
		    json_object_new_int64((int64_t)p->replayed));
		json_object_array_add(peers, j);
	}
	json_object_object_add(o, "peers", peers);
	return o;
}

static void
family(struct evbuffer *out, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* Peer addresses are numeric (the config refuses names): no escaping. */
static void
per_peer(struct evbuffer *out, const struct mon_ha_view *v, const char *name,
    const char *type, const char *help, int what)
{
	family(out, name, type, help);
	for (size_t i = 0; i < v->npeers; i++) {
		const struct mon_ha_peer_view	*p = &v->peers[i];
		uint64_t			 x = what == 0 ?
		    (uint64_t)p->alive : what == 1 ? p->rx : what == 2 ?
		    p->bad_auth : what == 3 ? p->replayed :
		    (uint64_t)p->last_heard.tv_sec;

		evbuffer_add_printf(out, "%s{peer=\"%s\"} %" PRIu64 "\n",
		    name, p->addr, x);
	}
}

void
mon_ha_metrics(struct evbuffer *out)
{
	const struct mon_ha_view	*v = mon_ha_view();

	if (v == NULL)
		return;
	family(out, "lvsmon_director_role", "gauge", "1 for this director's "
	    "failover role, 0 for the others.");
	for (int r = MON_HA_INIT; r < MON_HA__COUNT; r++)
		evbuffer_add_printf(out, "lvsmon_director_role{role=\"%s\"} "
		    "%d\n", mon_ha_role_names[r], (int)v->role == r);
	family(out, "lvsmon_director_priority", "gauge", "Effective failover "
	    "priority (0 while resigning).");
	evbuffer_add_printf(out, "lvsmon_director_priority %d\n", v->priority);
	family(out, "lvsmon_director_role_changes_total", "counter",
	    "Role changes since start.");
	evbuffer_add_printf(out, "lvsmon_director_role_changes_total %" PRIu64
	    "\n", v->transitions);
	family(out, "lvsmon_director_heartbeats_sent_total", "counter",
	    "Heartbeats sent to peers.");
	evbuffer_add_printf(out, "lvsmon_director_heartbeats_sent_total %"
	    PRIu64 "\n", v->tx);
	family(out, "lvsmon_director_heartbeats_bad_auth_total", "counter",
	    "Heartbeats dropped: wrong HMAC or not from a peer.");
	evbuffer_add_printf(out, "lvsmon_director_heartbeats_bad_auth_total %"
	    PRIu64 "\n", v->bad_auth);
	family(out, "lvsmon_director_heartbeats_replayed_total", "counter",
	    "Heartbeats dropped: an old sequence (replayed).");
	evbuffer_add_printf(out, "lvsmon_director_heartbeats_replayed_total %"
	    PRIu64 "\n", v->replayed);
	per_peer(out, v, "lvsmon_director_peer_up", "gauge", "1 while the "
	    "peer director is heard within the dead interval.", 0);
	per_peer(out, v, "lvsmon_director_peer_heartbeats_received_total",
	    "counter", "Heartbeats accepted from the peer.", 1);
	per_peer(out, v, "lvsmon_director_peer_heartbeats_bad_auth_total",
	    "counter", "Heartbeats from the peer's address with a wrong "
	    "HMAC.", 2);
	per_peer(out, v, "lvsmon_director_peer_heartbeats_replayed_total",
	    "counter", "Heartbeats from the peer dropped as replayed.", 3);
	per_peer(out, v, "lvsmon_director_peer_last_heard_seconds", "gauge",
	    "Unix time of the last heartbeat accepted (0: never).", 4);
}

/*
 * monitor/show.c - the model and events as text for people and JSON for
 * scripts.  `show --json` and `events --json` are stable interfaces: fields
 * are only ever added.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "alert.h"
#include "announce.h"
#include "event.h"
#include "sched.h"
#include "show.h"
#include "ha.h"
#include "ha_show.h"

void
mon_rfc3339(const struct timespec *ts, char *buf, size_t len)
{
	struct tm	tm;
	size_t		n;

	gmtime_r(&ts->tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n > 0 && n < len)
		snprintf(buf + n, len - n, ".%03uZ",
		    (unsigned)(ts->tv_nsec / 1000000) % 1000u);
}

static const char *
proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : proto == IPPROTO_SCTP ? "sctp" :
	    proto == 0 ? "fwmark" : "tcp";
}

static const char *const fwd_names[DIR_FWD__COUNT] = {
	[DIR_FWD_NAT] = "nat", [DIR_FWD_DR] = "dr", [DIR_FWD_TUN] = "tun",
};

static json_object *
str_or_null(const char *s)
{
	return s[0] != '\0' ? json_object_new_string(s) : NULL;
}

/* What each weight source says: null when the real has none. */
static void
sources_json(json_object *o, const struct mon_real *rs)
{
	const struct mon_ws	*ws = &rs->ws;
	json_object		*a = NULL, *f = NULL;
	char			 t[64];

	if (rs->agent != NULL) {
		const struct mon_ws_said *s = &ws->agent;

		a = json_object_new_object();
		json_object_object_add(a, "port",
		    json_object_new_int(rs->agent->port));
		json_object_object_add(a, "state",
		    str_or_null(mon_ws_oper_names[s->oper]));
		json_object_object_add(a, "admin",
		    str_or_null(mon_ws_admin_names[s->admin]));
		t[0] = '\0';
		if (s->pct >= 0)
			snprintf(t, sizeof(t), "%d%%", s->pct);
		else if (s->abs >= 0)
			snprintf(t, sizeof(t), "%d", s->abs);
		json_object_object_add(a, "weight", str_or_null(t));
		mon_ws_said_text(s, t, sizeof(t));
		json_object_object_add(a, "says", json_object_new_string(t));
		json_object_object_add(a, "reachable", ws->agent_reach < 0 ?
		    NULL : json_object_new_boolean(ws->agent_reach));
		json_object_object_add(a, "message",
		    json_object_new_string(ws->agent_msg));
	}
	if (ws->file.path != NULL) {
		static const char *const st[] = { "missing", "ok", "empty",
		    "bad" };

		f = json_object_new_object();
		json_object_object_add(f, "path",
		    json_object_new_string(ws->file.path));
		json_object_object_add(f, "status",
		    json_object_new_string(st[ws->file.status]));
		t[0] = '\0';
		if (ws->file.status == MON_WSF_OK)
			mon_ws_said_text(&ws->file.said, t, sizeof(t));
		json_object_object_add(f, "says", json_object_new_string(t));
		json_object_object_add(f, "message",
		    json_object_new_string(ws->file.msg[0] ? ws->file.msg :
		    ws->file.said.desc));
	}
	json_object_object_add(o, "agent", a);
	json_object_object_add(o, "weight_file", f);
	json_object_object_add(o, "maintenance", str_or_null(ws->maint));
}

static json_object *
real_json(const struct mon_real *rs)
{
	json_object	*o = json_object_new_object();
	const struct probe *p = rs->probe;
	char		 addr[INET6_ADDRSTRLEN], t[40];

	inet_ntop(rs->family, &rs->addr, addr, sizeof(addr));
	mon_rfc3339(&rs->last_change, t, sizeof(t));
	json_object_object_add(o, "address", json_object_new_string(addr));
	json_object_object_add(o, "port", json_object_new_int(rs->port));
	json_object_object_add(o, "state",
	    json_object_new_string(mon_rs_state_names[rs->state]));
	json_object_object_add(o, "admin",
	    json_object_new_string(mon_admin_names[rs->admin]));
	json_object_object_add(o, "weight", json_object_new_int(
	    rs->admin_weight >= 0 ? rs->admin_weight : (int)rs->weight));
	json_object_object_add(o, "config_weight",
	    json_object_new_int((int)rs->weight));
	json_object_object_add(o, "check_weight", rs->check_weight < 0 ?
	    NULL : json_object_new_int(rs->check_weight));
	json_object_object_add(o, "effective_weight",
	    json_object_new_int((int)rs->eff_weight));
	json_object_object_add(o, "kernel_weight", rs->kernel_weight < 0 ?
	    NULL : json_object_new_int64(rs->kernel_weight));
	json_object_object_add(o, "check", json_object_new_string(
	    rs->probe ? rs->probe->type->name : "none"));
	json_object_object_add(o, "reason",
	    json_object_new_string(chk_reasons[rs->last_reason].code));
	json_object_object_add(o, "message",
	    json_object_new_string(rs->last_msg));
	json_object_object_add(o, "last_change", json_object_new_string(t));
	json_object_object_add(o, "changes",
	    json_object_new_int64((int64_t)rs->changes));
	json_object_object_add(o, "unknowns",
	    json_object_new_int64((int64_t)rs->unknowns));
	json_object_object_add(o, "id", json_object_new_int64(rs->id));
	sources_json(o, rs);
	json_object_object_add(o, "target_weight",
	    json_object_new_int64(rs->target_weight));
	json_object_object_add(o, "sorry", json_object_new_boolean(rs->sorry));
	json_object_object_add(o, "slow_start", mon_slowstart_pct(rs) < 0 ?
	    NULL : json_object_new_int(mon_slowstart_pct(rs)));
	json_object_object_add(o, "in_table",
	    json_object_new_boolean(rs->in_table));
	/* the kernel's counters as read for this show (apply.c) */
	json_object_object_add(o, "conns",
	    json_object_new_int64((int64_t)rs->stats.conns));
	json_object_object_add(o, "inpkts",
	    json_object_new_int64((int64_t)rs->stats.inpkts));
	json_object_object_add(o, "outpkts",
	    json_object_new_int64((int64_t)rs->stats.outpkts));
	json_object_object_add(o, "inbytes",
	    json_object_new_int64((int64_t)rs->stats.inbytes));
	json_object_object_add(o, "outbytes",
	    json_object_new_int64((int64_t)rs->stats.outbytes));
	json_object_object_add(o, "active_conns",
	    json_object_new_int64((int64_t)rs->stats.active));
	json_object_object_add(o, "inactive_conns",
	    json_object_new_int64((int64_t)rs->stats.inactive));
	if (p != NULL) {
		json_object	*d = json_object_new_object();

		/* the probes alike that share this one's runs (sched.h) */
		json_object_object_add(o, "shared_with", json_object_new_int(
		    (int)(p->leader ? p->leader->nshared : p->nshared)));
		json_object_object_add(d, "last",
		    json_object_new_int((int)rs->last_duration_ms));
		json_object_object_add(d, "min",
		    json_object_new_int((int)p->dur_min_ms));
		json_object_object_add(d, "avg",
		    json_object_new_double((double)(int64_t)(p->dur_avg_ms *
		    10 + 0.5) / 10));
		json_object_object_add(d, "max",
		    json_object_new_int((int)p->dur_max_ms));
		json_object_object_add(d, "runs",
		    json_object_new_int64((int64_t)p->runs));
		json_object_object_add(o, "check_ms", d);
	}
	return o;
}

/* The scheduler's counters: the concurrency cap and dedup. */
static json_object *
sched_json(void)
{
	struct mon_sched_stats	 st;
	json_object		*o = json_object_new_object();

	mon_sched_stats(&st);
	json_object_object_add(o, "max_concurrent",
	    json_object_new_int64(st.cap));
	json_object_object_add(o, "running", json_object_new_int64(st.running));
	json_object_object_add(o, "queued", json_object_new_int64(st.queued));
	json_object_object_add(o, "max_queued",
	    json_object_new_int64(st.max_queued));
	json_object_object_add(o, "waited",
	    json_object_new_int64((int64_t)st.waited));
	json_object_object_add(o, "runs", json_object_new_int64((int64_t)st.runs));
	json_object_object_add(o, "shared_groups",
	    json_object_new_int64(st.groups));
	json_object_object_add(o, "shared_probes",
	    json_object_new_int64(st.shared));
	return o;
}

void
mon_show_json(struct evbuffer *out, const struct mon_model *m)
{
	json_object	*root = json_object_new_object();
	json_object	*svcs = json_object_new_array();

	for (size_t i = 0; i < m->nsvcs; i++) {
		const struct mon_service	*s = &m->svcs[i];
		json_object			*o = json_object_new_object();
		json_object			*reals = json_object_new_array();
		char				 addr[INET6_ADDRSTRLEN];

		inet_ntop(s->family, &s->addr, addr, sizeof(addr));
		json_object_object_add(o, "name",
		    json_object_new_string(s->name));
		json_object_object_add(o, "address",
		    json_object_new_string(addr));
		json_object_object_add(o, "port", json_object_new_int(s->port));
		json_object_object_add(o, "protocol",
		    json_object_new_string(proto_name(s->proto)));
		if (s->fwmark != 0)
			json_object_object_add(o, "fwmark",
			    json_object_new_int64(s->fwmark));
		json_object_object_add(o, "scheduler",
		    json_object_new_string(s->sched));
		json_object_object_add(o, "forward",
		    json_object_new_string(fwd_names[s->fwd]));
		json_object_object_add(o, "id", json_object_new_int64(s->id));
		json_object_object_add(o, "quorum", json_object_new_string(
		    s->quorum_ok ? "ok" : "lost"));
		json_object_object_add(o, "quorum_min",
		    json_object_new_int64(s->quorum_weight ? 0 : s->quorum));
		json_object_object_add(o, "quorum_weight",
		    json_object_new_int64(s->quorum_weight));
		json_object_object_add(o, "hysteresis",
		    json_object_new_int64(s->hysteresis));
		json_object_object_add(o, "serving",
		    json_object_new_int64(s->serving));
		json_object_object_add(o, "serving_weight",
		    json_object_new_int64((int64_t)s->serving_weight));
		json_object_object_add(o, "on_down", json_object_new_string(
		    mon_on_down_names[s->on_down]));
		json_object_object_add(o, "sorry_server", s->sorry == NULL ?
		    NULL : json_object_new_string(s->sorry->key));
		json_object_object_add(o, "sorry_active",
		    json_object_new_boolean(s->sorry_active));
		/* route health injection: null when not announced */
		json_object_object_add(o, "announced",
		    mon_announce_state(s) < 0 ? NULL :
		    json_object_new_boolean(mon_announce_state(s) > 0));
		for (size_t j = 0; j < s->nreals; j++)
			json_object_array_add(reals, real_json(&s->reals[j]));
		json_object_object_add(o, "servers", reals);
		json_object_array_add(svcs, o);
	}
	json_object_object_add(root, "services", svcs);
	if (m->global.announce_table != 0) {
		json_object	*a = json_object_new_object();

		json_object_object_add(a, "table",
		    json_object_new_int64(m->global.announce_table));
		json_object_object_add(a, "drained",
		    json_object_new_boolean(mon_announce_drained()));
		json_object_object_add(root, "announce", a);
	}
	json_object_object_add(root, "checks", sched_json());
	json_object_object_add(root, "alerts", mon_alert_show_json());
	json_object_object_add(root, "director", mon_ha_show_json());
	evbuffer_add_printf(out, "%s\n", json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
}

void
mon_show_text(struct evbuffer *out, const struct mon_model *m)
{
	for (size_t i = 0; i < m->nsvcs; i++) {
		const struct mon_service	*s = &m->svcs[i];
		size_t				 up = 0, n;

		n = s->nreals - (s->sorry != NULL);
		for (size_t j = 0; j < n; j++)
			up += s->reals[j].state == MON_RS_UP ||
			    s->reals[j].state == MON_RS_FALLING;
		int				 an = mon_announce_state(s);

		if (i == 0 && m->global.announce_table != 0 &&
		    mon_announce_drained())
			evbuffer_add_printf(out, "director drained "
			    "(drain-director): VIP routes withdrawn\n\n");
		evbuffer_add_printf(out, "%sservice %s  %s  %s %s  "
		    "(%zu servers, %zu up%s%s%s)\n", i ? "\n" : "", s->name,
		    s->key, s->sched, fwd_names[s->fwd], n, up,
		    s->quorum_ok ? "" : ", quorum lost",
		    an < 0 ? "" : an ? ", route announced" :
		    ", route withdrawn",
		    s->sorry_active ? ": sorry server serving" : "");
		evbuffer_add_printf(out, "  %-24s %-8s %-9s %6s %6s %6s  "
		    "%-24s %s\n", "SERVER", "STATE", "ADMIN", "WEIGHT", "EFF",
		    "KERNEL", "LAST CHANGE", "LAST CHECK");
		for (size_t j = 0; j < s->nreals; j++) {
			const struct mon_real	*rs = &s->reals[j];
			char			 t[40], kw[24], src[256];

			mon_rfc3339(&rs->last_change, t, sizeof(t));
			if (rs->kernel_weight < 0)
				snprintf(kw, sizeof(kw), "-");
			else
				snprintf(kw, sizeof(kw), "%lld",
				    (long long)rs->kernel_weight);
			char			 tag[48] = "";
			int			 pct = mon_slowstart_pct(rs);

			if (rs->sorry)
				snprintf(tag, sizeof(tag), "  [sorry]");
			else if (!rs->in_table)
				snprintf(tag, sizeof(tag), "  [removed]");
			else if (pct >= 0)
				snprintf(tag, sizeof(tag), "  [slow start "
				    "%d%%]", pct);
			evbuffer_add_printf(out, "  %-24s %-8s %-9s %6d %6u "
			    "%6s  %-24s %s %s%s%s%s\n", rs->key,
			    mon_rs_state_names[rs->state],
			    mon_admin_names[rs->admin], rs->admin_weight >= 0 ?
			    rs->admin_weight : (int)rs->weight, rs->eff_weight,
			    kw, t, rs->probe ? rs->probe->type->name : "none",
			    chk_reasons[rs->last_reason].code,
			    rs->last_msg[0] ? ": " : "", rs->last_msg, tag);
			mon_ws_summary(rs, src, sizeof(src));
			if (src[0] != '\0')
				evbuffer_add_printf(out, "  %-24s sources: "
				    "%s\n", "", src);
		}
	}
	mon_alert_show_text(out);
	if (mon_ha_view() != NULL) {
		evbuffer_add_printf(out, "\n");
		mon_ha_show_text(out);
	}
}

/* old/new of an event as text: state names, admin names or numbers */
static void
event_values(const struct mon_event *ev, char *o, char *n, size_t len)
{
	switch (ev->type) {
	case MON_EV_STATE:
		snprintf(o, len, "%s", mon_rs_state_names[ev->old]);
		snprintf(n, len, "%s", mon_rs_state_names[ev->new]);
		break;
	case MON_EV_ADMIN:
		snprintf(o, len, "%s", mon_admin_names[ev->old]);
		snprintf(n, len, "%s", mon_admin_names[ev->new]);
		break;
	case MON_EV_ROLE:
		snprintf(o, len, "%s", ev->old >= 0 && ev->old < MON_HA__COUNT ?
		    mon_ha_role_names[ev->old] : "?");
		snprintf(n, len, "%s", ev->new >= 0 && ev->new < MON_HA__COUNT ?
		    mon_ha_role_names[ev->new] : "?");
		break;
	case MON_EV_PEER:
		snprintf(o, len, "%s", ev->old ? "alive" : "dead");
		snprintf(n, len, "%s", ev->new ? "alive" : "dead");
		break;
	default:
		snprintf(o, len, "%lld", (long long)ev->old);
		snprintf(n, len, "%lld", (long long)ev->new);
		break;
	}
}

void
mon_event_format(struct evbuffer *out, const struct mon_event *ev, int json)
{
	char	t[40], o[32], n[32];

	mon_rfc3339(&ev->time, t, sizeof(t));
	event_values(ev, o, n, sizeof(o));
	if (json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "seq",
		    json_object_new_int64((int64_t)ev->seq));
		json_object_object_add(j, "time", json_object_new_string(t));
		json_object_object_add(j, "type",
		    json_object_new_string(mon_event_type_names[ev->type]));
		if (ev->svc != NULL)
			json_object_object_add(j, "service",
			    json_object_new_string(ev->svc->name));
		if (ev->rs != NULL)
			json_object_object_add(j, "server",
			    json_object_new_string(ev->rs->key));
		switch (ev->type) {
		case MON_EV_STATE:
		case MON_EV_ADMIN:
			json_object_object_add(j, "old",
			    json_object_new_string(o));
			json_object_object_add(j, "new",
			    json_object_new_string(n));
			break;
		case MON_EV_WEIGHT:
			json_object_object_add(j, "old",
			    json_object_new_int64(ev->old));
			json_object_object_add(j, "new",
			    json_object_new_int64(ev->new));
			break;
		case MON_EV_APPLIED:
			json_object_object_add(j, "changes",
			    json_object_new_int((int)ev->changes));
			json_object_object_add(j, "latency_us",
			    json_object_new_int64((int64_t)ev->latency_us));
			break;
		case MON_EV_QUORUM:
			json_object_object_add(j, "old", json_object_new_string(
			    ev->old ? "ok" : "lost"));
			json_object_object_add(j, "new", json_object_new_string(
			    ev->new ? "ok" : "lost"));
			break;
		case MON_EV_ROUTE:
			json_object_object_add(j, "old", json_object_new_string(
			    ev->old ? "announced" : "withdrawn"));
			json_object_object_add(j, "new", json_object_new_string(
			    ev->new ? "announced" : "withdrawn"));
			break;
		case MON_EV_SOURCE:
			break;		/* all in the message */
		default:
			json_object_object_add(j, "error",
			    json_object_new_int(ev->error));
			break;
		}
		if (ev->type == MON_EV_STATE)
			json_object_object_add(j, "reason",
			    json_object_new_string(
			    chk_reasons[ev->reason].code));
		json_object_object_add(j, "message",
		    json_object_new_string(ev->msg));
		evbuffer_add_printf(out, "%s\n",
		    json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
		return;
	}
	switch (ev->type) {
	case MON_EV_APPLIED:
		evbuffer_add_printf(out, "%s applied %u changes in %llu us\n",
		    t, ev->changes, (unsigned long long)ev->latency_us);
		break;
	case MON_EV_BACKEND:
		evbuffer_add_printf(out, "%s backend %s\n", t, ev->msg);
		break;
	case MON_EV_QUORUM:
		evbuffer_add_printf(out, "%s quorum %s %s: %s\n", t,
		    ev->svc->name, ev->new ? "ok" : "lost", ev->msg);
		break;
	case MON_EV_ROUTE:
		evbuffer_add_printf(out, "%s route %s %s: %s\n", t,
		    ev->svc->name, ev->new ? "announced" : "withdrawn",
		    ev->msg);
		break;
	case MON_EV_SOURCE:
		evbuffer_add_printf(out, "%s source %s %s %s\n", t,
		    ev->svc ? ev->svc->name : "-", ev->rs ? ev->rs->key : "-",
		    ev->msg);
		break;
	case MON_EV_RELOAD:
		evbuffer_add_printf(out, "%s reload %s\n", t, ev->msg);
		break;
	default:
		evbuffer_add_printf(out, "%s %s %s %s %s -> %s%s%s\n", t,
		    mon_event_type_names[ev->type],
		    ev->svc ? ev->svc->name : "-", ev->rs ? ev->rs->key : "-",
		    o, n, ev->msg[0] ? ": " : "", ev->msg);
		break;
	}
}

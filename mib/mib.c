/*
 * mib/mib.c - the binding rows, the counter cache and rates, and the
 * notifications built from the event bus.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/alert.h"
#include "monitor/announce.h"
#include "monitor/apply.h"
#include "monitor/ha.h"
#include "monitor/log.h"
#include "snmp/notify.h"
#include "snmp/snmp.h"
#include "rows.h"

struct mib_state mib;

/* --- values -------------------------------------------------------------- */

void
mib_set_int(netsnmp_variable_list *vb, u_char type, long v)
{
	snmp_set_var_typed_integer(vb, type, v);
}

void
mib_set_c64(netsnmp_variable_list *vb, uint64_t v)
{
	struct counter64	c = {
		.high = (u_long)(v >> 32), .low = (u_long)(v & 0xffffffffu),
	};

	snmp_set_var_typed_value(vb, ASN_COUNTER64, &c, sizeof(c));
}

void
mib_set_str(netsnmp_variable_list *vb, const char *s)
{
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, s, strlen(s));
}

/*
 * sysUpTime (the master's: the library re-syncs the agent's uptime from
 * every AgentX response) at the realtime instant rt; 0 if that was before
 * the master started, as TimeStamp says.
 */
u_long
mib_timestamp(const struct timespec *rt)
{
	struct timespec	now;
	u_long		up = netsnmp_get_agent_uptime();
	int64_t		age;

	clock_gettime(CLOCK_REALTIME, &now);
	age = ((int64_t)now.tv_sec - rt->tv_sec) * 100 +
	    ((int64_t)now.tv_nsec - rt->tv_nsec) / 10000000;
	if (age < 0)
		age = 0;
	return (uint64_t)age >= up ? 0 : up - (u_long)age;
}

void
mib_set_date(netsnmp_variable_list *vb, const struct timespec *rt)
{
	struct tm	tm;
	u_char		d[11];

	gmtime_r(&rt->tv_sec, &tm);
	d[0] = (u_char)((tm.tm_year + 1900) >> 8);
	d[1] = (u_char)(tm.tm_year + 1900);
	d[2] = (u_char)(tm.tm_mon + 1);
	d[3] = (u_char)tm.tm_mday;
	d[4] = (u_char)tm.tm_hour;
	d[5] = (u_char)tm.tm_min;
	d[6] = (u_char)tm.tm_sec;
	d[7] = (u_char)(rt->tv_nsec / 100000000);
	d[8] = '+';			/* UTC */
	d[9] = 0;
	d[10] = 0;
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, d, sizeof(d));
}

static void
set_inet(netsnmp_variable_list *vb, int family, const union dir_addr *a)
{
	if (family == AF_INET6)
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, &a->v6, 16);
	else
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, &a->v4, 4);
}

static u_char
addr_type(int family)
{
	return family == AF_INET6 ? 2 : 1;	/* InetAddressType */
}

int
mib_svc_value(const struct mib_svc *ms, unsigned col,
    netsnmp_variable_list *vb)
{
	const struct mon_service	*s = ms->svc;

	switch (col) {
	case 2: mib_set_str(vb, s->name); break;
	case 3: mib_set_int(vb, ASN_INTEGER, addr_type(s->family)); break;
	case 4: set_inet(vb, s->family, &s->addr); break;
	case 5: mib_set_int(vb, ASN_UNSIGNED, s->port); break;
	case 6: mib_set_int(vb, ASN_INTEGER, s->proto); break;
	case 7: mib_set_str(vb, s->sched); break;
	case 8: mib_set_int(vb, ASN_INTEGER, (long)s->fwd + 1); break;
	case 9: mib_set_int(vb, ASN_GAUGE, (long)s->nreals); break;
	case 10: mib_set_int(vb, ASN_GAUGE, s->serving); break;
	case 11: mib_set_int(vb, ASN_INTEGER, s->quorum_ok ? 1 : 2); break;
	case 12: mib_set_c64(vb, s->conns); break;
	case 13: mib_set_c64(vb, ms->sum.inpkts); break;
	case 14: mib_set_c64(vb, ms->sum.outpkts); break;
	case 15: mib_set_c64(vb, ms->sum.inbytes); break;
	case 16: mib_set_c64(vb, ms->sum.outbytes); break;
	case 17: mib_set_int(vb, ASN_GAUGE, ms->rate.cps); break;
	case 18: mib_set_int(vb, ASN_GAUGE, ms->rate.inpps); break;
	case 19: mib_set_int(vb, ASN_GAUGE, ms->rate.outpps); break;
	case 20: mib_set_int(vb, ASN_GAUGE, ms->rate.inbps); break;
	case 21: mib_set_int(vb, ASN_GAUGE, ms->rate.outbps); break;
	case 22: mib_set_str(vb, s->key); break;
	case 23: mib_set_int(vb, ASN_INTEGER, mon_announce_state(s) < 0 ? 3 :
	    mon_announce_state(s) > 0 ? 1 : 2); break;
	default: return -1;
	}
	return 0;
}

int
mib_real_value(const struct mib_real *mr, unsigned col,
    netsnmp_variable_list *vb)
{
	const struct mon_real	*rs = mr->rs;

	switch (col) {
	case 2: mib_set_int(vb, ASN_INTEGER, addr_type(rs->family)); break;
	case 3: set_inet(vb, rs->family, &rs->addr); break;
	case 4: mib_set_int(vb, ASN_UNSIGNED, rs->port); break;
	case 5: mib_set_int(vb, ASN_INTEGER, (long)rs->state + 1); break;
	case 6: mib_set_int(vb, ASN_INTEGER, (long)mr->prev_state + 1); break;
	case 7: mib_set_int(vb, ASN_INTEGER, (long)rs->admin + 1); break;
	case 8: mib_set_int(vb, ASN_INTEGER, rs->admin_weight >= 0 ?
		    rs->admin_weight : (long)rs->weight); break;
	case 9: mib_set_int(vb, ASN_INTEGER, (long)rs->weight); break;
	case 10: mib_set_int(vb, ASN_INTEGER, (long)rs->eff_weight); break;
	case 11: mib_set_int(vb, ASN_INTEGER, rs->kernel_weight < 0 ? -1 :
		    (long)rs->kernel_weight); break;
	case 12: mib_set_str(vb, rs->probe != NULL ?
		    rs->probe->type->name : "none"); break;
	case 13: mib_set_int(vb, ASN_INTEGER, rs->last_reason); break;
	case 14: mib_set_str(vb, rs->last_msg); break;
	case 15: mib_set_int(vb, ASN_GAUGE, rs->last_duration_ms); break;
	case 16: mib_set_int(vb, ASN_TIMETICKS,
		    (long)mib_timestamp(&rs->last_change)); break;
	case 17: mib_set_date(vb, &rs->last_change); break;
	case 18: mib_set_int(vb, ASN_COUNTER,
		    (long)(rs->changes & 0xffffffffu)); break;
	case 19: mib_set_c64(vb, rs->stats.conns); break;
	case 20: mib_set_c64(vb, rs->stats.inpkts); break;
	case 21: mib_set_c64(vb, rs->stats.outpkts); break;
	case 22: mib_set_c64(vb, rs->stats.inbytes); break;
	case 23: mib_set_c64(vb, rs->stats.outbytes); break;
	case 24: mib_set_int(vb, ASN_GAUGE, rs->stats.active); break;
	case 25: mib_set_int(vb, ASN_GAUGE, rs->stats.inactive); break;
	case 26: mib_set_int(vb, ASN_GAUGE, mr->rate.cps); break;
	case 27: mib_set_int(vb, ASN_GAUGE, mr->rate.inpps); break;
	case 28: mib_set_int(vb, ASN_GAUGE, mr->rate.outpps); break;
	case 29: mib_set_int(vb, ASN_GAUGE, mr->rate.inbps); break;
	case 30: mib_set_int(vb, ASN_GAUGE, mr->rate.outbps); break;
	case 31: mib_set_str(vb, rs->key); break;
	case 32: mib_set_int(vb, ASN_INTEGER, rs->check_weight < 0 ? -1 :
		    rs->check_weight); break;
	default: return -1;
	}
	return 0;
}

/* --- counters and rates -------------------------------------------------- */

static long
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long)((b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000);
}

static uint32_t
per_sec(uint64_t now, uint64_t before, long ms)
{
	uint64_t	d;

	if (now < before || ms <= 0)	/* counters were reset */
		return 0;
	d = (now - before) * 1000 / (uint64_t)ms;
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

static void
rate(struct mib_rate *r, const struct mib_ctr *now,
    const struct mib_ctr *before, long ms)
{
	r->cps = per_sec(now->conns, before->conns, ms);
	r->inpps = per_sec(now->inpkts, before->inpkts, ms);
	r->outpps = per_sec(now->outpkts, before->outpkts, ms);
	r->inbps = per_sec(now->inbytes, before->inbytes, ms);
	r->outbps = per_sec(now->outbytes, before->outbytes, ms);
}

static void
ctr_of(struct mib_ctr *c, const struct dir_real_stats *st)
{
	c->conns = st->conns;
	c->inpkts = st->inpkts;
	c->outpkts = st->outpkts;
	c->inbytes = st->inbytes;
	c->outbytes = st->outbytes;
}

static long
read_seconds(const char *name)
{
	char	path[128], buf[32];
	FILE	*f;
	long	 v = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/netfilter/%s", name);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) != NULL)
		v = strtol(buf, NULL, 10);
	fclose(f);
	return v;
}

/* New counters arrived: sums per service, and rates over the interval. */
static void
recount(void)
{
	const struct timespec	*now = &mib.m->stats_time;
	long			 ms = ms_between(&mib.rated, now);

	for (size_t i = 0; i < mib.nsvcs; i++) {
		struct mib_svc	*ms_ = &mib.svcs[i];

		ms_->prev = ms_->sum;
		memset(&ms_->sum, 0, sizeof(ms_->sum));
		ms_->sum.conns = ms_->svc->conns;
	}
	for (size_t i = 0; i < mib.nreals; i++) {
		struct mib_real	*mr = &mib.reals[i];
		struct mib_ctr	 c;

		ctr_of(&c, &mr->rs->stats);
		if (mib.have_rates)
			rate(&mr->rate, &c, &mr->prev, ms);
		mr->prev = c;
		mr->ms->sum.inpkts += c.inpkts;
		mr->ms->sum.outpkts += c.outpkts;
		mr->ms->sum.inbytes += c.inbytes;
		mr->ms->sum.outbytes += c.outbytes;
	}
	if (mib.have_rates)
		for (size_t i = 0; i < mib.nsvcs; i++)
			rate(&mib.svcs[i].rate, &mib.svcs[i].sum,
			    &mib.svcs[i].prev, ms);
	mib.rated = *now;
	mib.have_rates = 1;
}

void
mib_table_get(netsnmp_agent_request_info *ri,
    netsnmp_request_info *requests, mib_value_fn fn)
{
	mib_refresh();
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		void				*row;
		netsnmp_table_request_info	*ti;

		if (r->processed)
			continue;
		row = netsnmp_container_table_row_extract(r);
		ti = netsnmp_extract_table_info(r);
		if (row == NULL || ti == NULL) {
			netsnmp_set_request_error(ri, r, SNMP_NOSUCHINSTANCE);
			continue;
		}
		if (fn(row, ti->colnum, r->requestvb) < 0)
			netsnmp_set_request_error(ri, r, SNMP_NOSUCHOBJECT);
	}
}

void
mib_refresh(void)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	/* once a second at most, whoever asked for the last read (a
	   10,000-real dump takes ~0.1 s: never per request) */
	if (ms_between(&mib.tried, &now) >= 1000 &&
	    ms_between(&mib.m->stats_time, &now) >= 1000) {
		mib.tried = now;
		if (mon_apply_refresh(mib.m) < 0)
			return;		/* keep the last good rates */
		mib.ct_tcp = read_seconds(
		    "nf_conntrack_tcp_timeout_established");
		mib.ct_fin = read_seconds("nf_conntrack_tcp_timeout_fin_wait");
		mib.ct_udp = read_seconds("nf_conntrack_udp_timeout_stream");
	}
	if (mib.m->stats_time.tv_sec != mib.rated.tv_sec ||
	    mib.m->stats_time.tv_nsec != mib.rated.tv_nsec)
		recount();
}

/* --- rows ---------------------------------------------------------------- */

struct mib_svc *
mib_svc_row(const struct mon_service *svc)
{
	return &mib.svcs[svc - mib.m->svcs];
}

struct mib_real *
mib_real_row(const struct mon_real *rs)
{
	const struct mib_svc	*ms = mib_svc_row(rs->svc);

	return &mib.reals[ms->first + (size_t)(rs - rs->svc->reals)];
}

static int
rows_build(struct mon_model *m)
{
	size_t	k = 0;

	mib.nsvcs = m->nsvcs;
	mib.nreals = mon_model_nreals(m);
	mib.svcs = calloc(mib.nsvcs + 1, sizeof(*mib.svcs));
	mib.reals = calloc(mib.nreals + 1, sizeof(*mib.reals));
	if (mib.svcs == NULL || mib.reals == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->nsvcs; i++) {
		struct mon_service	*s = &m->svcs[i];
		struct mib_svc		*ms = &mib.svcs[i];

		ms->svc = s;
		ms->oids[0] = s->id;
		ms->idx.oids = ms->oids;
		ms->idx.len = 1;
		ms->first = k;
		for (size_t j = 0; j < s->nreals; j++, k++) {
			struct mib_real	*mr = &mib.reals[k];

			mr->rs = &s->reals[j];
			mr->ms = ms;
			mr->prev_state = (int)mr->rs->state;
			mr->oids[0] = s->id;
			mr->oids[1] = mr->rs->id;
			mr->idx.oids = mr->oids;
			mr->idx.len = 2;
		}
	}
	return 0;
}

static void
rows_free(void)
{
	free(mib.svcs);
	free(mib.reals);
	mib.svcs = NULL;
	mib.reals = NULL;
	mib.nsvcs = mib.nreals = 0;
}

/* --- notifications ------------------------------------------------------- */

static const oid trapoid_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

/* trap OID .100.0.N, then one varbind per (table, column) with the row's
   index: tab 2 = service table, 3 = real table, 1 = global scalars */
struct obj {
	unsigned	tab, col;
};

static netsnmp_variable_list *
build(unsigned trap, const struct obj *objs, size_t n,
    const struct mib_svc *ms, const struct mib_real *mr)
{
	netsnmp_variable_list	*vars = NULL, *vb;
	oid			 t[] = { MIB_LVS_OID, 100, 0, trap };
	oid			 name[MAX_OID_LEN] = { MIB_LVS_OID, 100 };
	size_t			 len;

	if (snmp_varlist_add_variable(&vars, trapoid_oid,
	    OID_LENGTH(trapoid_oid), ASN_OBJECT_ID, t, sizeof(t)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		len = MIB_LVS_LEN + 1;
		name[len++] = objs[i].tab;
		if (objs[i].tab != 1)
			name[len++] = 1;		/* the entry */
		name[len++] = objs[i].col;
		if (objs[i].tab == 1)
			name[len++] = 0;
		else if (objs[i].tab == 2)
			name[len++] = ms->oids[0];
		else {
			name[len++] = mr->oids[0];
			name[len++] = mr->oids[1];
		}
		vb = snmp_varlist_add_variable(&vars, name, len, ASN_NULL,
		    NULL, 0);
		if (vb == NULL)
			goto fail;
		if (objs[i].tab == 2)
			mib_svc_value(ms, objs[i].col, vb);
		else if (objs[i].tab == 3)
			mib_real_value(mr, objs[i].col, vb);
		else if (objs[i].col == 3)
			mib_set_int(vb, ASN_INTEGER, mib.role);
		else
			mib_set_int(vb, ASN_INTEGER, mib.prev_role);
	}
	return vars;
fail:
	snmp_free_varbind(vars);
	return NULL;
}

/* Order as in the NOTIFICATION-TYPE OBJECTS clauses of LVS-MIB.txt. */
static const struct obj real_change[] = {
	{ 2, 2 }, { 3, 2 }, { 3, 3 }, { 3, 4 }, { 3, 6 }, { 3, 5 },
	{ 3, 13 }, { 3, 14 }, { 3, 7 }, { 3, 10 }, { 3, 17 },
	{ 2, 10 }, { 2, 9 },
};
static const struct obj quorum_change[] = {
	{ 2, 2 }, { 2, 3 }, { 2, 4 }, { 2, 5 }, { 2, 6 }, { 2, 11 },
	{ 2, 10 }, { 2, 9 },
};
static const struct obj role_change[] = { { 1, 4 }, { 1, 3 } };
static const struct obj route_change[] = {
	{ 2, 2 }, { 2, 3 }, { 2, 4 }, { 2, 5 }, { 2, 6 }, { 2, 23 },
	{ 2, 11 },
};

netsnmp_variable_list *
mib_notification(const struct mon_event *ev)
{
	struct mib_real		 mr;
	struct mib_svc		 ms;
	struct mon_real		 rs;
	struct mon_service	 svc;

	switch (ev->type) {
	case MON_EV_STATE:
		if (ev->new != MON_RS_UP && ev->new != MON_RS_DOWN)
			return NULL;
		/* the event's own values, whatever the model holds by the
		   time it is built */
		mr = *mib_real_row(ev->rs);
		rs = *ev->rs;
		rs.state = (enum mon_rs_state)ev->new;
		rs.last_reason = (enum chk_reason)ev->reason;
		snprintf(rs.last_msg, sizeof(rs.last_msg), "%s", ev->msg);
		rs.last_change = ev->time;
		/* the event comes before the weight and the service's
		   count follow it: give the receiver where they go */
		rs.eff_weight = mon_rs_weight(&rs);
		svc = *ev->svc;
		svc.serving = svc.serving - (ev->rs->eff_weight > 0) +
		    (rs.eff_weight > 0);
		ms = *mr.ms;
		ms.svc = &svc;
		mr.rs = &rs;
		mr.ms = &ms;
		mr.prev_state = (int)ev->old;
		return build(1, real_change, sizeof(real_change) /
		    sizeof(real_change[0]), &ms, &mr);
	case MON_EV_QUORUM:
		return build(2, quorum_change, sizeof(quorum_change) /
		    sizeof(quorum_change[0]), mib_svc_row(ev->svc), NULL);
	case MON_EV_ROUTE:
		/* the model already holds the new route state */
		return build(5, route_change, sizeof(route_change) /
		    sizeof(route_change[0]), mib_svc_row(ev->svc), NULL);
	default:
		return NULL;
	}
}

netsnmp_variable_list *
mib_role_notification(int from, int to)
{
	int			 r = mib.role, p = mib.prev_role;
	netsnmp_variable_list	*vars;

	mib.role = to;
	mib.prev_role = from;
	vars = build(3, role_change, 2, NULL, NULL);
	mib.role = r;
	mib.prev_role = p;
	return vars;
}

void
mib_role_set(int from, int to)
{
	netsnmp_variable_list	*vars;

	mib.prev_role = from;
	mib.role = to;
	mib.role_ticks = netsnmp_get_agent_uptime();
	if ((vars = mib_role_notification(from, to)) != NULL)
		snmp_notify_enqueue(vars);
}

/*
 * MON_EV_ROLE: remember the previous role (the view has only the current
 * one) and send lvsmonDirectorRoleChange, unless an snmp alert sink sends
 * the policy's lvsmonAlarm instead, or the MIB cannot tell the two roles
 * apart (INIT -> BACKUP is backup(3) -> backup(3): no news to a manager).
 */
static void
on_role(const struct mon_event *ev)
{
	int			 from = mib_role_of((int)ev->old);
	int			 to = mib_role_of((int)ev->new);
	netsnmp_variable_list	*vars;

	if (from == to)
		return;
	mib.prev_role = from;
	mib.role = to;
	mib.role_ticks = netsnmp_get_agent_uptime();
	if (mon_alerts_has(mib.m->alerts, "snmp"))
		return;
	if ((vars = mib_role_notification(from, to)) != NULL)
		snmp_notify_enqueue(vars);
}

/*
 * A reload replaced the model's arrays: new binding rows for the new
 * objects, and what only this room knew (a real's previous state, the
 * counters and rates of the last read) carried by id, which a reload keeps
 * for what it keeps; so an unchanged row keeps its index and its values.
 * The registrations stay (re-registering would talk to the master
 * synchronously); only the containers are refilled.
 */
static void
rows_reload(void)
{
	struct mib_svc	*osvcs = mib.svcs;
	struct mib_real	*oreals = mib.reals;
	size_t		 onsvcs = mib.nsvcs, onreals = mib.nreals;
	uint32_t	 maxid = 0;
	size_t		*by_id = NULL;

	if (rows_build(mib.m) < 0)
		goto nomem;
	for (size_t i = 0; i < onreals; i++)
		if (oreals[i].oids[1] > maxid)
			maxid = (uint32_t)oreals[i].oids[1];
	if ((by_id = calloc((size_t)maxid + 1, sizeof(*by_id))) == NULL)
		goto nomem;
	for (size_t i = 0; i < onreals; i++)
		by_id[oreals[i].oids[1]] = i + 1;
	for (size_t i = 0; i < mib.nreals; i++) {
		struct mib_real	*mr = &mib.reals[i];
		size_t		 o = mr->oids[1] <= maxid ?
				    by_id[mr->oids[1]] : 0;

		if (o == 0)
			continue;
		mr->prev_state = oreals[o - 1].prev_state;
		mr->prev = oreals[o - 1].prev;
		mr->rate = oreals[o - 1].rate;
	}
	for (size_t i = 0; i < mib.nsvcs; i++)
		for (size_t j = 0; j < onsvcs; j++)
			if (osvcs[j].oids[0] == mib.svcs[i].oids[0]) {
				mib.svcs[i].sum = osvcs[j].sum;
				mib.svcs[i].prev = osvcs[j].prev;
				mib.svcs[i].rate = osvcs[j].rate;
				break;
			}
	free(by_id);
	free(osvcs);
	free(oreals);
	if (mib_legacy_fill() < 0 || mib_lvsmon_fill() < 0)
		mon_error("snmp: out of memory rebuilding the tables after "
		    "a reload: some rows are missing");
	return;
nomem:
	free(by_id);
	free(mib.svcs);
	free(mib.reals);
	free(osvcs);
	free(oreals);
	mib.svcs = NULL;
	mib.reals = NULL;
	mib.nsvcs = mib.nreals = 0;
	mib_legacy_fill();
	mib_lvsmon_fill();
	mon_error("snmp: out of memory rebuilding the tables after a "
	    "reload: tables empty until the next reload");
}

static void
on_event(const struct mon_event *ev, void *arg)
{
	netsnmp_variable_list	*vars;

	(void)arg;
	if (ev->type == MON_EV_RELOAD) {
		rows_reload();
		return;
	}
	if (ev->type == MON_EV_ROLE) {
		on_role(ev);
		return;
	}
	if (ev->type == MON_EV_STATE && ev->rs != NULL)
		mib_real_row(ev->rs)->prev_state = (int)ev->old;
	/* an snmp alert sink sends the policy's lvsmonAlarm instead */
	if (mon_alerts_has(mib.m->alerts, "snmp"))
		return;
	if ((ev->type == MON_EV_STATE && ev->rs != NULL) ||
	    (ev->type == MON_EV_QUORUM && ev->svc != NULL) ||
	    (ev->type == MON_EV_ROUTE && ev->svc != NULL)) {
		if ((vars = mib_notification(ev)) != NULL)
			snmp_notify_enqueue(vars);
	}
}

/* --- registrations ------------------------------------------------------- */

int
mib_table_register(struct mib_table *t, const oid *o, size_t len,
    Netsnmp_Node_Handler *fn, int writable, u_char idxtype, int nidx,
    unsigned mincol, unsigned maxcol, struct err *e)
{
	t->reg = netsnmp_create_handler_registration(t->name, fn, o, len,
	    writable ? HANDLER_CAN_RWRITE | HANDLER_CAN_NOT_CREATE :
	    HANDLER_CAN_RONLY);
	t->ti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	t->c = netsnmp_container_find("table_container");
	if (t->reg == NULL || t->ti == NULL || t->c == NULL)
		goto fail;
	for (int i = 0; i < nidx; i++)
		netsnmp_table_helper_add_index(t->ti, idxtype);
	t->ti->min_column = mincol;
	t->ti->max_column = maxcol;
	if (netsnmp_container_table_register(t->reg, t->ti, t->c,
	    TABLE_CONTAINER_KEY_NETSNMP_INDEX) != SNMPERR_SUCCESS) {
		t->reg = NULL;		/* freed by the library */
		t->c = NULL;		/* (leaked by it, rarely) */
		goto fail;
	}
	return 0;
fail:
	if (t->reg != NULL)
		netsnmp_handler_registration_free(t->reg);
	if (t->ti != NULL)
		netsnmp_table_registration_info_free(t->ti);
	if (t->c != NULL)
		CONTAINER_FREE(t->c);
	t->reg = NULL;
	t->ti = NULL;
	t->c = NULL;
	return err_set(e, -ENOMEM, "snmp: cannot register %s", t->name);
}

void
mib_table_unregister(struct mib_table *t)
{
	if (t->reg == NULL)
		return;
	CONTAINER_CLEAR(t->c, NULL, NULL);	/* the rows are ours */
	netsnmp_container_table_unregister(t->reg);	/* frees t->c */
	netsnmp_table_registration_info_free(t->ti);
	t->reg = NULL;
	t->ti = NULL;
	t->c = NULL;
}

int
mib_table_insert(struct mib_table *t, void *row)
{
	return CONTAINER_INSERT(t->c, row) == 0 ? 0 : -ENOMEM;
}

/* --- open / close -------------------------------------------------------- */

int
mib_open(struct mon_model *m, struct err *e)
{
	int	rc;

	memset(&mib, 0, sizeof(mib));
	mib.m = m;
	/* a director that is already in a role starts there */
	mib.role = mib.prev_role = mon_ha_view() != NULL ?
	    mib_role_of(mon_ha_view()->role) : SNMP_ROLE_STANDALONE;
	if (rows_build(m) < 0) {
		rows_free();
		return err_set(e, -ENOMEM, "snmp: out of memory");
	}
	if ((rc = mib_legacy_register(e)) < 0)
		goto fail;
	if ((rc = mib_lvsmon_register(e)) < 0)
		goto fail_legacy;
	if ((rc = mib_failover_register(e)) < 0)
		goto fail_lvsmon;
	if ((rc = mon_event_subscribe(on_event, NULL)) < 0) {
		err_set(e, rc, "snmp: cannot subscribe to events");
		goto fail_failover;
	}
	return 0;

fail_failover:
	mib_failover_unregister();
fail_lvsmon:
	mib_lvsmon_unregister();
fail_legacy:
	mib_legacy_unregister();
fail:
	rows_free();
	return rc;
}

void
mib_close(void)
{
	if (mib.m == NULL)
		return;
	mon_event_unsubscribe(on_event, NULL);
	mib_failover_unregister();
	mib_lvsmon_unregister();
	mib_legacy_unregister();
	rows_free();
	mib.m = NULL;
}

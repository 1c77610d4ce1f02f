/*
 * mib/legacy.c - the historical LVS-MIB objects: scalars .1-.7,
 * lvsServiceTable (.17) and lvsRealTable (.18), with the OIDs, columns and
 * wire types of the 2002 module, so that existing pollers keep working.
 *
 * Differences from the old snmpd module, on purpose: rows are indexed by
 * stable ids, not positions; counters come from one cached read of the
 * kernel per second, never per request; only IPv4 services (and ids up to
 * 65535, the old index range) are here, IPv6 is in the lvsmon tables.
 */
#include <stdio.h>
#include <string.h>

#include "monitor/apply.h"
#include "monitor/ha.h"
#include "rows.h"

#define LEGACY_ID_MAX	65535

static const oid lvs_oid[] = { MIB_LVS_OID };

static netsnmp_handler_registration	*scalars[7];
static struct mib_table			 svc_table = {
	.name = "lvsServiceTable" };
static struct mib_table			 real_table = {
	.name = "lvsRealTable" };

static int
scalar_handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
    netsnmp_agent_request_info *ri, netsnmp_request_info *requests)
{
	/* the scalar helper has appended .0 to the registered OID */
	oid	which = reg->rootoid[reg->rootoid_len - 2];
	char	buf[64];

	(void)h;
	if (ri->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	mib_refresh();
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		netsnmp_variable_list *vb = r->requestvb;

		switch (which) {
		case 1:
			snprintf(buf, sizeof(buf), "lvsmon %s %s",
			    LVSMON_VERSION, mon_apply_backend());
			mib_set_str(vb, buf);
			break;
		case 2:
			mib_set_int(vb, ASN_INTEGER, (long)mib.nlegacy_svcs);
			break;
		case 3:
			mib_set_int(vb, ASN_INTEGER, 0);
			break;
		case 4:
			mib_set_int(vb, ASN_INTEGER, mib.ct_tcp);
			break;
		case 5:
			mib_set_int(vb, ASN_INTEGER, mib.ct_fin);
			break;
		case 6:
			mib_set_int(vb, ASN_INTEGER, mib.ct_udp);
			break;
		default:	/* 7: lvsDaemonState */
			mib_set_int(vb, ASN_INTEGER, mib_daemon_state());
			break;
		}
	}
	return SNMP_ERR_NOERROR;
}

static void
set_ipv4(netsnmp_variable_list *vb, const struct in_addr *a)
{
	snmp_set_var_typed_value(vb, ASN_IPADDRESS, a, 4);
}

static int
svc_value(const struct mib_svc *ms, unsigned col, netsnmp_variable_list *vb)
{
	const struct mon_service	*s = ms->svc;
	struct in_addr			 all = { .s_addr = 0xffffffffu };

	switch (col) {
	case 1: mib_set_int(vb, ASN_INTEGER, (long)s->id); break;
	case 2: mib_set_str(vb, s->sched); break;
	case 3: mib_set_int(vb, ASN_INTEGER, s->proto); break;
	case 4: set_ipv4(vb, &s->addr.v4); break;
	case 5: mib_set_int(vb, ASN_INTEGER, s->port); break;
	case 6: mib_set_int(vb, ASN_INTEGER, 0); break;
	case 7: mib_set_int(vb, ASN_INTEGER, 0); break;
	case 8: set_ipv4(vb, &all); break;
	case 9: mib_set_int(vb, ASN_INTEGER, (long)s->nreals); break;
	case 10: mib_set_int(vb, ASN_COUNTER,
		    (long)(ms->sum.conns & 0xffffffffu)); break;
	case 11: mib_set_int(vb, ASN_COUNTER,
		    (long)(ms->sum.inpkts & 0xffffffffu)); break;
	case 12: mib_set_int(vb, ASN_COUNTER,
		    (long)(ms->sum.outpkts & 0xffffffffu)); break;
	case 13: mib_set_c64(vb, ms->sum.inbytes); break;
	case 14: mib_set_c64(vb, ms->sum.outbytes); break;
	case 15: mib_set_int(vb, ASN_GAUGE, ms->rate.cps); break;
	case 16: mib_set_int(vb, ASN_GAUGE, ms->rate.inpps); break;
	case 17: mib_set_int(vb, ASN_GAUGE, ms->rate.outpps); break;
	case 18: mib_set_int(vb, ASN_GAUGE, ms->rate.inbps); break;
	case 19: mib_set_int(vb, ASN_GAUGE, ms->rate.outbps); break;
	default: return -1;
	}
	return 0;
}

/* dir_fwd -> lvsRealServerFlags: masq(0), tunnel(2), route(3) */
static long
flags_of(enum dir_fwd f)
{
	return f == DIR_FWD_DR ? 3 : f == DIR_FWD_TUN ? 2 : 0;
}

static int
real_value(const struct mib_real *mr, unsigned col,
    netsnmp_variable_list *vb)
{
	const struct mon_real	*rs = mr->rs;

	switch (col) {
	case 1: mib_set_int(vb, ASN_INTEGER, (long)mr->oids[0]); break;
	case 2: mib_set_int(vb, ASN_INTEGER, (long)mr->oids[1]); break;
	case 3: set_ipv4(vb, &rs->addr.v4); break;
	case 4: mib_set_int(vb, ASN_INTEGER, rs->port); break;
	case 5: mib_set_int(vb, ASN_INTEGER, flags_of(rs->svc->fwd)); break;
	case 6: mib_set_int(vb, ASN_INTEGER, (long)rs->eff_weight); break;
	case 7: mib_set_int(vb, ASN_COUNTER,
		    (long)(rs->stats.conns & 0xffffffffu)); break;
	case 8: mib_set_int(vb, ASN_COUNTER,
		    (long)(rs->stats.inpkts & 0xffffffffu)); break;
	case 9: mib_set_int(vb, ASN_COUNTER,
		    (long)(rs->stats.outpkts & 0xffffffffu)); break;
	case 10: mib_set_c64(vb, rs->stats.inbytes); break;
	case 11: mib_set_c64(vb, rs->stats.outbytes); break;
	case 12: mib_set_int(vb, ASN_GAUGE, mr->rate.cps); break;
	case 13: mib_set_int(vb, ASN_GAUGE, mr->rate.inpps); break;
	case 14: mib_set_int(vb, ASN_GAUGE, mr->rate.outpps); break;
	case 15: mib_set_int(vb, ASN_GAUGE, mr->rate.inbps); break;
	case 16: mib_set_int(vb, ASN_GAUGE, mr->rate.outbps); break;
	default: return -1;
	}
	return 0;
}

/* mib_table_get() passes rows untyped */
static int
svc_value_any(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	return svc_value(row, col, vb);
}

static int
real_value_any(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	return real_value(row, col, vb);
}

static int
table_handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
    netsnmp_agent_request_info *ri, netsnmp_request_info *requests)
{
	int	is_real = reg == real_table.reg;

	(void)h;
	if (ri->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	mib_table_get(ri, requests, is_real ? real_value_any : svc_value_any);
	return SNMP_ERR_NOERROR;
}

static int
fits(const struct mon_service *s)
{
	return s->family == AF_INET && s->id <= LEGACY_ID_MAX;
}

int
mib_legacy_fill(void)
{
	CONTAINER_CLEAR(svc_table.c, NULL, NULL);	/* the rows are ours */
	CONTAINER_CLEAR(real_table.c, NULL, NULL);
	mib.nlegacy_svcs = 0;
	for (size_t i = 0; i < mib.nsvcs; i++) {
		struct mib_svc	*ms = &mib.svcs[i];

		if (!fits(ms->svc))
			continue;
		if (mib_table_insert(&svc_table, ms) < 0)
			return -ENOMEM;
		mib.nlegacy_svcs++;
		for (size_t j = 0; j < ms->svc->nreals; j++) {
			struct mib_real *mr = &mib.reals[ms->first + j];

			if (mr->rs->family == AF_INET &&
			    mr->rs->id <= LEGACY_ID_MAX &&
			    mib_table_insert(&real_table, mr) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

int
mib_legacy_register(struct err *e)
{
	oid	o[MIB_LVS_LEN + 1];
	int	rc;

	memcpy(o, lvs_oid, sizeof(lvs_oid));
	for (size_t i = 0; i < 7; i++) {
		o[MIB_LVS_LEN] = i + 1;
		scalars[i] = netsnmp_create_handler_registration("lvsScalar",
		    scalar_handler, o, MIB_LVS_LEN + 1, HANDLER_CAN_RONLY);
		if (scalars[i] == NULL ||
		    netsnmp_register_scalar(scalars[i]) != SNMPERR_SUCCESS) {
			scalars[i] = NULL;	/* freed on failure */
			mib_legacy_unregister();
			return err_set(e, -ENOMEM,
			    "snmp: cannot register lvs scalar %zu", i + 1);
		}
	}
	o[MIB_LVS_LEN] = 17;
	if ((rc = mib_table_register(&svc_table, o, MIB_LVS_LEN + 1,
	    table_handler, 0, ASN_INTEGER, 1, 1, 19, e)) < 0)
		goto fail;
	o[MIB_LVS_LEN] = 18;
	if ((rc = mib_table_register(&real_table, o, MIB_LVS_LEN + 1,
	    table_handler, 0, ASN_INTEGER, 2, 1, 16, e)) < 0)
		goto fail;
	if (mib_legacy_fill() < 0) {
		rc = err_set(e, -ENOMEM, "snmp: out of memory");
		goto fail;
	}
	return 0;
fail:
	mib_legacy_unregister();
	return rc;
}

void
mib_legacy_unregister(void)
{
	for (size_t i = 0; i < 7; i++) {
		if (scalars[i] != NULL)
			netsnmp_unregister_handler(scalars[i]);
		scalars[i] = NULL;
	}
	mib_table_unregister(&svc_table);
	mib_table_unregister(&real_table);
}

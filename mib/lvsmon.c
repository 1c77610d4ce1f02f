/*
 * mib/lvsmon.c - the lvsmon subtree (lvs.100): daemon-wide scalars, the
 * service and real tables, and SET of a real's admin state and weight.
 *
 * SET follows Net-SNMP's modes: RESERVE1 checks every varbind (column,
 * type, range; the container helper has already answered noCreation for a
 * row that does not exist), so one bad varbind changes nothing; ACTION
 * applies through mon_cmd_*() (logged, applied, saved like lvsmonctl) and
 * keeps the old value; UNDO puts it back when another varbind's ACTION
 * failed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/apply.h"
#include "monitor/control.h"
#include "monitor/ha.h"
#include "monitor/log.h"
#include "snmp/snmp.h"
#include "rows.h"

#define COL_ADMIN	MIB_LVSMON_COL_ADMIN
#define COL_WEIGHT	MIB_LVSMON_COL_WEIGHT
#define OLD_KEY		"lvsmon-old"

static const oid lvsmon_oid[] = { MIB_LVS_OID, 100 };

static netsnmp_handler_registration	*globals;
static struct mib_table			 svc_table = {
	.name = "lvsmonServiceTable" };
static struct mib_table			 real_table = {
	.name = "lvsmonRealTable" };

static int
global_handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
    netsnmp_agent_request_info *ri, netsnmp_request_info *requests)
{
	struct snmp_notify_stats	st;
	struct timespec			now;
	long				age;
	const struct mon_ha_view	*v = mon_ha_view();

	(void)h;
	(void)reg;
	if (ri->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	mib_refresh();
	snmp_notify_stats(&st);
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		netsnmp_variable_list	*vb = r->requestvb;

		/* name = lvsmonGlobal.N.0 */
		switch (vb->name[vb->name_length - 2]) {
		case 1: mib_set_str(vb, LVSMON_VERSION); break;
		case 2: mib_set_str(vb, mon_apply_backend()); break;
		case 3:
			mib_set_int(vb, ASN_INTEGER, v != NULL ?
			    mib_role_of(v->role) : mib.role);
			break;
		case 4: mib_set_int(vb, ASN_INTEGER, mib.prev_role); break;
		case 5:
			/* the view's own instant, so the value does not
			   depend on when this room saw the event */
			mib_set_int(vb, ASN_TIMETICKS, v != NULL &&
			    v->transitions > 0 ? (long)mib_timestamp(
			    &v->since) : (long)mib.role_ticks);
			break;
		case 6: mib_set_int(vb, ASN_GAUGE, (long)mib.nsvcs); break;
		case 7: mib_set_int(vb, ASN_GAUGE, (long)mib.nreals); break;
		case 8:
			clock_gettime(CLOCK_MONOTONIC, &now);
			age = (long)((now.tv_sec - mib.m->stats_time.tv_sec) *
			    1000 + (now.tv_nsec - mib.m->stats_time.tv_nsec) /
			    1000000);
			if (mib.m->stats_time.tv_sec == 0 || age < 0)
				age = 0xffffffffL;	/* never read */
			mib_set_int(vb, ASN_GAUGE, age);
			break;
		case 9: mib_set_int(vb, ASN_GAUGE, st.queued); break;
		case 10: mib_set_int(vb, ASN_COUNTER, st.dropped); break;
		case 11: mib_set_int(vb, ASN_COUNTER, st.sent); break;
		default:
			netsnmp_set_request_error(ri, r, SNMP_NOSUCHOBJECT);
			break;
		}
	}
	return SNMP_ERR_NOERROR;
}

int
mib_lvsmon_check_set(const struct mib_real *mr, unsigned col,
    const netsnmp_variable_list *vb)
{
	int	rc;

	if (mr == NULL)
		return SNMP_ERR_NOCREATION;
	switch (col) {
	case COL_ADMIN:
		if ((rc = netsnmp_check_vb_type(vb, ASN_INTEGER)) != 0)
			return rc;
		return netsnmp_check_vb_int_range(vb, 1, MON_ADMIN__COUNT);
	case COL_WEIGHT:
		if ((rc = netsnmp_check_vb_type(vb, ASN_INTEGER)) != 0)
			return rc;
		return netsnmp_check_vb_int_range(vb, -1, DIR_WEIGHT_MAX);
	default:
		return SNMP_ERR_NOTWRITABLE;
	}
}

int
mib_lvsmon_apply(struct mib_real *mr, unsigned col, long v)
{
	struct err	e = { "" };
	int		rc;

	if (col == COL_ADMIN)
		rc = mon_cmd_set_admin(mib.m, mr->rs->svc->name, mr->rs->key,
		    (enum mon_admin)(v - 1), &e);
	else
		rc = mon_cmd_set_weight(mib.m, mr->rs->svc->name, mr->rs->key,
		    (int)v, &e);
	/* success is logged by the command itself, as for lvsmonctl */
	if (rc < 0)
		mon_warn("snmp: set %s/%s: %s", mr->rs->svc->name, mr->rs->key,
		    e.msg);
	return rc;
}

static void
set_modes(netsnmp_agent_request_info *ri, netsnmp_request_info *requests)
{
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		struct mib_real			*mr;
		netsnmp_table_request_info	*ti;
		long				*old;
		int				 rc;

		if (r->processed)
			continue;
		mr = netsnmp_container_table_row_extract(r);
		ti = netsnmp_extract_table_info(r);
		if (ti == NULL)
			continue;
		switch (ri->mode) {
		case MODE_SET_RESERVE1:
			if ((rc = mib_lvsmon_check_set(mr, ti->colnum,
			    r->requestvb)) != 0)
				netsnmp_set_request_error(ri, r, rc);
			break;
		case MODE_SET_ACTION:
			if ((old = malloc(sizeof(*old))) == NULL) {
				netsnmp_set_request_error(ri, r,
				    SNMP_ERR_RESOURCEUNAVAILABLE);
				break;
			}
			*old = ti->colnum == COL_ADMIN ?
			    (long)mr->rs->admin + 1 : mr->rs->admin_weight;
			netsnmp_request_add_list_data(r,
			    netsnmp_create_data_list(OLD_KEY, old, free));
			if (mib_lvsmon_apply(mr, ti->colnum,
			    *r->requestvb->val.integer)
			    < 0)
				netsnmp_set_request_error(ri, r,
				    SNMP_ERR_COMMITFAILED);
			break;
		case MODE_SET_UNDO:
			old = netsnmp_request_get_list_data(r, OLD_KEY);
			if (old != NULL && mr != NULL)
				mib_lvsmon_apply(mr, ti->colnum, *old);
			break;
		default:	/* RESERVE2, COMMIT, FREE: nothing to do */
			break;
		}
	}
}

/* mib_table_get() passes rows untyped */
static int
svc_value_any(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	return mib_svc_value(row, col, vb);
}

static int
real_value_any(const void *row, unsigned col, netsnmp_variable_list *vb)
{
	return mib_real_value(row, col, vb);
}

static int
table_handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
    netsnmp_agent_request_info *ri, netsnmp_request_info *requests)
{
	int	is_real = reg == real_table.reg;

	(void)h;
	if (ri->mode != MODE_GET) {
		if (is_real)
			set_modes(ri, requests);
		return SNMP_ERR_NOERROR;
	}
	mib_table_get(ri, requests, is_real ? real_value_any : svc_value_any);
	return SNMP_ERR_NOERROR;
}

int
mib_lvsmon_fill(void)
{
	CONTAINER_CLEAR(svc_table.c, NULL, NULL);	/* the rows are ours */
	CONTAINER_CLEAR(real_table.c, NULL, NULL);
	for (size_t i = 0; i < mib.nsvcs; i++)
		if (mib_table_insert(&svc_table, &mib.svcs[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < mib.nreals; i++)
		if (mib_table_insert(&real_table, &mib.reals[i]) < 0)
			return -ENOMEM;
	return 0;
}

int
mib_lvsmon_register(struct err *e)
{
	oid	o[MIB_LVS_LEN + 2];
	int	rc;

	memcpy(o, lvsmon_oid, sizeof(lvsmon_oid));
	o[MIB_LVS_LEN + 1] = 1;
	globals = netsnmp_create_handler_registration("lvsmonGlobal",
	    global_handler, o, MIB_LVS_LEN + 2, HANDLER_CAN_RONLY);
	if (globals == NULL ||
	    netsnmp_register_scalar_group(globals, 1, 11) != SNMPERR_SUCCESS) {
		globals = NULL;
		return err_set(e, -ENOMEM, "snmp: cannot register "
		    "lvsmonGlobal");
	}
	o[MIB_LVS_LEN + 1] = 2;
	if ((rc = mib_table_register(&svc_table, o, MIB_LVS_LEN + 2,
	    table_handler, 0, ASN_UNSIGNED, 1, 2, 23, e)) < 0)
		goto fail;
	o[MIB_LVS_LEN + 1] = 3;
	if ((rc = mib_table_register(&real_table, o, MIB_LVS_LEN + 2,
	    table_handler, 1, ASN_UNSIGNED, 2, 2, 32, e)) < 0)
		goto fail;
	if (mib_lvsmon_fill() < 0) {
		rc = err_set(e, -ENOMEM, "snmp: out of memory");
		goto fail;
	}
	return 0;
fail:
	mib_lvsmon_unregister();
	return rc;
}

void
mib_lvsmon_unregister(void)
{
	if (globals != NULL)
		netsnmp_unregister_handler(globals);
	globals = NULL;
	mib_table_unregister(&svc_table);
	mib_table_unregister(&real_table);
}

/*
 * mib/alarm.c - lvsmonAlarm: an alarm of the alert policy as a
 * notification (LVS-MIB.txt, lvsmonAlarmObjects).
 *
 * The values come from the alarm itself, a copy made when the policy
 * decided it, never from the rows: the subject may be gone (a reload) by
 * the time the sink delivers, and the alarm must say what was decided.
 * So this needs no mib_open(), only the notification queue.
 */
#include <errno.h>
#include <string.h>

#include "monitor/alert.h"
#include "snmp/notify.h"
#include "snmp/snmp.h"
#include "rows.h"

#define ALARM_TRAP	4	/* lvsmonNotifications.4 */
#define ALARM_OBJS	5	/* lvsmon.5: lvsmonAlarmObjects */

static const oid trapoid_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

/* The MIB's enumerations start at 1, the daemon's at 0. */
static void
set_col(netsnmp_variable_list *vb, unsigned col, const struct mon_alert *a)
{
	char	summary[256];

	switch (col) {
	case 1: mib_set_int(vb, ASN_UNSIGNED, (long)(a->id & 0xffffffffu));
		break;
	case 2: mib_set_str(vb, a->name); break;
	case 3: mib_set_int(vb, ASN_INTEGER, (long)a->kind + 1); break;
	case 4: mib_set_int(vb, ASN_INTEGER, (long)a->what + 1); break;
	case 5: mib_set_int(vb, ASN_INTEGER, (long)a->severity + 1); break;
	case 6: mib_set_str(vb, a->service); break;
	case 7: mib_set_str(vb, a->server); break;
	case 8: mib_set_str(vb, a->state); break;
	case 9: mib_set_str(vb, a->reason); break;
	case 10: mib_set_str(vb, a->msg); break;
	case 11:
		snprintf(summary, sizeof(summary), "%.255s", a->summary);
		mib_set_str(vb, summary);
		break;
	case 12: mib_set_int(vb, ASN_UNSIGNED, (long)a->failures); break;
	case 13: mib_set_int(vb, ASN_UNSIGNED, (long)a->count); break;
	case 14: mib_set_date(vb, &a->time); break;
	default: mib_set_date(vb, &a->since); break;
	}
}

netsnmp_variable_list *
mib_alarm_notification(const struct mon_alert *a)
{
	netsnmp_variable_list	*vars = NULL, *vb;
	oid			 t[] = { MIB_LVS_OID, 100, 0, ALARM_TRAP };
	oid			 name[] = { MIB_LVS_OID, 100, ALARM_OBJS, 0,
				    0 };

	if (snmp_varlist_add_variable(&vars, trapoid_oid,
	    OID_LENGTH(trapoid_oid), ASN_OBJECT_ID, t, sizeof(t)) == NULL)
		return NULL;
	for (unsigned col = 1; col <= 15; col++) {
		name[MIB_LVS_LEN + 2] = col;
		vb = snmp_varlist_add_variable(&vars, name, OID_LENGTH(name),
		    ASN_NULL, NULL, 0);
		if (vb == NULL) {
			snmp_free_varbind(vars);
			return NULL;
		}
		set_col(vb, col, a);
	}
	return vars;
}

int
snmp_alarm_send(const struct mon_alert *a)
{
	netsnmp_variable_list	*vars;

	if (!snmp_notify_ready())
		return -ENOTCONN;
	if ((vars = mib_alarm_notification(a)) == NULL)
		return -ENOMEM;
	return snmp_notify_enqueue(vars);
}

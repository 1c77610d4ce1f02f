/*
 * mib/mib.h - the LVS-MIB (LVS-MIB.txt) over the daemon's model.
 *
 * The model owns the services and reals; this room keeps one small
 * binding row per service and per real (the row's index and a pointer to
 * the model object) in table_container containers (sorted arrays: O(log N)
 * per request).  Every value is read from the model when a request comes
 * in, except what the model does not have:
 *   - rates (per second, from the counter deltas between two reads of the
 *     kernel's table; the table is read at most once a second, on demand);
 *   - a real's previous state (kept from the MON_EV_STATE events).
 *
 * Rows are built from the model at mib_open().  A reload (issue 7) would
 * rebuild the binding arrays and re-insert the rows: the containers and
 * registrations do not depend on the model's arrays.
 *
 * Writes (SET of lvsmonRealAdmin, lvsmonRealWeight) go through
 * mon_cmd_set_admin()/mon_cmd_set_weight() (monitor/control.h), the path
 * lvsmonctl takes, so they are logged, applied and saved alike.
 *
 * Notifications: a subscriber of the event bus builds the varbinds at the
 * time of the event and queues them (snmp/notify.h).
 *
 * Ownership: everything here is created by mib_open() and freed by
 * mib_close().  Only snmp/agent.c calls them, from the loop, between
 * init_agent() and init_snmp() / before snmp_shutdown().
 */
#ifndef MIB_MIB_H
#define MIB_MIB_H

#include <stdint.h>
#include <time.h>

#include "monitor/err.h"
#include "monitor/event.h"
#include "monitor/model.h"

/* Version served in lvsVersion / lvsmonVersion. */
#ifndef LVSMON_VERSION
#define LVSMON_VERSION	"0.1"
#endif

/* OIDs (LVS-MIB.txt): enterprises.8225.4711 and the lvsmon subtree .100 */
#define MIB_LVS_OID		1, 3, 6, 1, 4, 1, 8225, 4711
#define MIB_LVS_LEN		8

int	mib_open(struct mon_model *m, struct err *e);
void	mib_close(void);

/*
 * The notification for an event, as queued: snmpTrapOID.0 then the
 * objects (LVS-MIB.txt).  NULL when the event is not notified (a state
 * change that is not to up or down, other event types) or on ENOMEM.
 * Caller frees with snmp_free_varbind().  Needs mib_open() for the rows.
 */
struct variable_list *mib_notification(const struct mon_event *ev);

/* lvsmonAlarm for an alarm of the alert policy (mib/alarm.c). */
struct mon_alert;
struct variable_list *mib_alarm_notification(const struct mon_alert *a);

/* lvsmonDirectorRoleChange, built the same way (role numbers of the MIB). */
struct variable_list *mib_role_notification(int from, int to);

/* Record a role change (values of enum snmp_role) and queue its
 * notification. */
void	mib_role_set(int from, int to);

#endif

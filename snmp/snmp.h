/*
 * snmp/snmp.h - lvsmond as an AgentX subagent of the system's snmpd.
 *
 * The room's job: keep one AgentX session to the master named by
 * global.snmp.agentx, inside the daemon's libevent loop, and deliver the
 * notifications mib/ builds.  mib/ registers the LVS-MIB tables; every
 * value is read from the model when a request comes in.
 *
 * Session life (snmp/agent.c):
 *
 *              probe answered            Open ok, tables registered
 *   [open]--> DOWN ---------> PROBING ----------------------------> UP
 *              ^  ^  no answer/refused |                             |
 *              |  +--------------------+                             |
 *              +------ EOF from snmpd, or a ping not answered -------+
 *
 *   DOWN     every ping interval: a non-blocking connect to the master's
 *            socket; refused or missing socket: stay DOWN.
 *   PROBING  the probe socket sends an AgentX Open and waits (libevent,
 *            deadline = ping interval) for the master's Response.  Only a
 *            master that answered gets the library's own, synchronous,
 *            Open and Register PDUs: a hung (SIGSTOPped) snmpd never
 *            blocks the loop, and a full listen backlog never turns the
 *            library's blocking connect() into a hang.
 *   UP       every ping interval an asynchronous AgentX Ping; no answer
 *            within the interval (whole seconds, at least 1): the socket
 *            is shut down, Net-SNMP sees EOF and detaches, back to DOWN.
 *
 * Notifications are queued (bounded, SNMP_NOTIFY_QUEUE_MAX) and sent as
 * AgentX Notify PDUs while UP; an entry leaves the queue when the master
 * acknowledges it, so a notification raised while snmpd is away or hung
 * is sent after the session is back (at least once).  When the queue is
 * full the oldest entry is dropped and counted.
 *
 * Everything runs on the daemon's one thread; Net-SNMP is not thread-safe
 * and is only called from the loop.
 */
#ifndef SNMP_SNMP_H
#define SNMP_SNMP_H

#include <stdint.h>

#include <event2/event.h>

#include "monitor/err.h"
#include "monitor/model.h"

#define SNMP_NOTIFY_QUEUE_MAX	1024	/* notifications kept while away */

/*
 * (Not snmp_open/snmp_close: those are Net-SNMP's own session calls, and
 * a daemon defining them would replace the library's.)
 *
 * Start the subagent for model m on loop base.  m->global.snmp_agentx names
 * the master's socket.  Registers the MIB, subscribes to the event bus and
 * tries to connect; a master that is not there yet is not an error (the
 * session comes up when it appears).  0, or -errno with e saying what
 * (then nothing is left running).  Call once per process.
 */
int	snmp_subagent_open(struct mon_model *m, struct event_base *base,
	    struct err *e);

/* Stop: unregister, close the session, free everything.  Idempotent. */
void	snmp_subagent_close(void);

/* 1 while the AgentX session is up (registered). */
int	snmp_is_up(void);

/* Counters for the MIB's lvsmonNotify* scalars. */
struct snmp_notify_stats {
	uint32_t	queued;		/* waiting or unacknowledged */
	uint32_t	dropped;	/* overflow, oldest first */
	uint32_t	sent;		/* acknowledged by the master */
};
void	snmp_notify_stats(struct snmp_notify_stats *st);

/*
 * Queue lvsmonAlarm for an alarm of the alert policy (the `snmp` sink,
 * monitor/alert_snmp.c).  Queued is delivered: the queue sends it when the
 * master is there and keeps it while it is not.  0, -ENOTCONN when there
 * is no subagent (no global.snmp), -ENOMEM.
 */
struct mon_alert;
int	snmp_alarm_send(const struct mon_alert *a);

/*
 * Director failover role (lvsmonDirectorRole's numbers).  mib/ reads the
 * role from mon_ha_view() and takes MON_EV_ROLE from the bus itself
 * (mib/mib.c, mib/failover.c); snmp_role_changed() records a change and
 * queues lvsmonDirectorRoleChange for a caller outside the bus.
 */
enum snmp_role {
	SNMP_ROLE_STANDALONE = 1,
	SNMP_ROLE_MASTER,
	SNMP_ROLE_BACKUP,
	SNMP_ROLE_FAULT
};
void	snmp_role_changed(enum snmp_role from, enum snmp_role to);

#endif

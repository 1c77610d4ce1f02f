/*
 * snmp/notify.h - the notification queue, between mib/ (which builds the
 * varbinds when an event happens) and the AgentX session (which sends them
 * when it is up).  Internal to the snmp and mib rooms.
 *
 * An entry holds snmpTrapOID.0 and the notification's objects, with the
 * values they had when the event happened.  sysUpTime.0 is added when it
 * is sent.  Entries leave the queue only when the master acknowledges them
 * (AgentX Response without error); at most SNMP_NOTIFY_WINDOW are in
 * flight at once, so a hung master never fills the socket's buffer (the
 * library writes to a blocking socket).  Queue full: the oldest entry is
 * dropped and counted.
 */
#ifndef SNMP_NOTIFY_H
#define SNMP_NOTIFY_H

#include <stddef.h>

#include <event2/event.h>

#define SNMP_NOTIFY_WINDOW	16	/* sent, not yet acknowledged */

struct variable_list;
struct snmp_session;

/* Bind to the loop (the deferred send runs from it).  0 or -ENOMEM. */
int	snmp_notify_init(struct event_base *base, size_t max);
/* 1 between init and reset: there is a queue to put notifications in. */
int	snmp_notify_ready(void);
/* Free every entry and the event. */
void	snmp_notify_reset(void);

/*
 * Queue vars (snmpTrapOID.0 first; the queue owns them from now on, also on
 * failure) and send soon if the session is up.  0, or -ENOMEM.
 */
int	snmp_notify_enqueue(struct variable_list *vars);

/* The AgentX session came up (s) or went away (NULL). */
void	snmp_notify_session(struct snmp_session *s);

#endif

/*
 * monitor/control.h - the control socket: how lvsmonctl (and, through the
 * same commands, SNMP SETs) reads and changes the running daemon.
 *
 * Wire protocol (a Unix stream socket, root only): the client sends one
 * line, the words of the command ("set weight web 198.51.100.11:8080 50").
 * The daemon answers "ok\n" followed by the command's output, or
 * "error: <message>\n", then closes; "events" instead stays open and
 * streams one line per event.  Lines are at most 4 KiB.
 *
 * Commands (one row each in control.c):
 *   show [--json]
 *   set weight SERVICE SERVER WEIGHT      (WEIGHT 0..65535 or "config")
 *   enable|disable|drain SERVICE SERVER
 *   events [--json] [--since SEQ]   (SEQ: the last "seq" seen)
 *   reload                          (re-read the config file: reload.h)
 */
#ifndef MON_CONTROL_H
#define MON_CONTROL_H

#include <event2/event.h>

#include "model.h"

int	mon_control_open(struct mon_model *m, struct event_base *base,
	    const char *path, struct err *e);
void	mon_control_close(void);

/*
 * The commands that change state, shared by every front end (control
 * socket now, SNMP SET later).  0, or -ENOENT/-EINVAL with e saying what.
 */
int	mon_cmd_set_weight(struct mon_model *m, const char *svc,
	    const char *server, int weight, struct err *e);
int	mon_cmd_set_admin(struct mon_model *m, const char *svc,
	    const char *server, enum mon_admin to, struct err *e);

#endif

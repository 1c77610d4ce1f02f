/*
 * monitor/sdnotify.h - telling the service manager how the daemon is doing
 * (systemd's sd_notify protocol, Type=notify), without libsystemd: one
 * datagram per message to the AF_UNIX socket named by $NOTIFY_SOCKET (a
 * leading '@' means an abstract name).  Without $NOTIFY_SOCKET every call
 * is a no-op, so lvsmond runs the same under any supervisor or none.
 *
 * Messages, in the order a run sends them:
 *   READY=1 + STATUS=...     once the kernel holds the first sync and the
 *                            checks, control socket and SNMP are open
 *   RELOADING=1 + MONOTONIC_USEC=...   a reload starts (monitor/reload.c)
 *   READY=1 + STATUS=...     the reload is done (good or kept the old one)
 *   STOPPING=1               SIGTERM/SIGINT: the daemon is leaving
 *   WATCHDOG=1               every WatchdogSec/2 while the loop turns
 *                            ($WATCHDOG_USEC, for this pid)
 *
 * Sends never block (MSG_DONTWAIT) and a lost datagram is not retried:
 * systemd's socket does not fill, and a watchdog miss is what it is for.
 */
#ifndef MON_SDNOTIFY_H
#define MON_SDNOTIFY_H

#include <event2/event.h>

#include "model.h"

/*
 * Read $NOTIFY_SOCKET (and $WATCHDOG_USEC/$WATCHDOG_PID) and remove them
 * from the environment, so checks and alert scripts do not inherit them;
 * start the watchdog timer on base.  0, or -errno (logged by the caller)
 * when the socket cannot be made.
 */
int	mon_notify_open(struct event_base *base);
void	mon_notify_close(void);

/* READY=1 with STATUS=serving N services, M real servers (K up). */
void	mon_notify_ready(const struct mon_model *m);
/* RELOADING=1 with the monotonic clock (systemd >= 253 wants it). */
void	mon_notify_reloading(void);
void	mon_notify_stopping(void);
/* STATUS=... alone (one line, no newline). */
void	mon_notify_status(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif

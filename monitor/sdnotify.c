/*
 * monitor/sdnotify.c - the sd_notify protocol by hand (see sdnotify.h).
 * Not libsystemd: the protocol is one sendto() of "KEY=VALUE\n" lines, and
 * libsystemd's sd_notify() would only add a dependency (and its own
 * environment handling) for it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "log.h"
#include "sdnotify.h"

static struct {
	int			 fd;		/* -1: nobody listens */
	struct sockaddr_un	 sun;
	socklen_t		 len;
	struct event		*ev_watchdog;
} sn = { .fd = -1 };

static void
send_msg(const char *msg)
{
	if (sn.fd < 0)
		return;
	if (sendto(sn.fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL,
	    (struct sockaddr *)&sn.sun, sn.len) < 0)
		mon_debug("lvsmond: sd_notify: %s", strerror(errno));
}

static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	send_msg("WATCHDOG=1");
}

/* The watchdog period in µs if it is meant for this process, else 0. */
static unsigned long long
watchdog_usec(void)
{
	const char		*s = getenv("WATCHDOG_USEC");
	const char		*pid = getenv("WATCHDOG_PID");
	char			*end;
	unsigned long long	 us;

	if (s == NULL)
		return 0;
	if (pid != NULL && strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	us = strtoull(s, &end, 10);
	return *end == '\0' ? us : 0;
}

int
mon_notify_open(struct event_base *base)
{
	const char		*path = getenv("NOTIFY_SOCKET");
	unsigned long long	 us = watchdog_usec();
	size_t			 n;

	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (path == NULL || path[0] == '\0') {
		unsetenv("NOTIFY_SOCKET");
		return 0;
	}
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') ||
	    n >= sizeof(sn.sun.sun_path)) {
		mon_warn("lvsmond: NOTIFY_SOCKET=%s: not a socket path; "
		    "not notifying the service manager", path);
		unsetenv("NOTIFY_SOCKET");
		return -EINVAL;
	}
	memset(&sn.sun, 0, sizeof(sn.sun));
	sn.sun.sun_family = AF_UNIX;
	memcpy(sn.sun.sun_path, path, n);
	if (path[0] == '@')
		sn.sun.sun_path[0] = '\0';	/* abstract: no file */
	sn.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (path[0] == '@' ? 0 : 1));
	unsetenv("NOTIFY_SOCKET");
	if ((sn.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0)
		return -errno;
	if (us > 0) {
		/* twice per period: one late turn does not kill us */
		struct timeval	tv = { (time_t)(us / 2 / 1000000),
				    (suseconds_t)(us / 2 % 1000000) };

		if ((sn.ev_watchdog = event_new(base, -1, EV_PERSIST,
		    on_watchdog, NULL)) == NULL ||
		    event_add(sn.ev_watchdog, &tv) < 0)
			return -ENOMEM;
		mon_info("lvsmond: watchdog: WATCHDOG=1 every %llu ms",
		    us / 2000);
	}
	return 0;
}

void
mon_notify_close(void)
{
	if (sn.ev_watchdog != NULL)
		event_free(sn.ev_watchdog);
	sn.ev_watchdog = NULL;
	if (sn.fd >= 0)
		close(sn.fd);
	sn.fd = -1;
}

void
mon_notify_status(const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;
	int	n;

	if (sn.fd < 0)
		return;
	n = snprintf(msg, sizeof(msg), "STATUS=");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	send_msg(msg);
}

void
mon_notify_ready(const struct mon_model *m)
{
	char	msg[256];
	size_t	up = 0;

	if (sn.fd < 0)
		return;
	for (size_t i = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++)
			up += m->svcs[i].reals[j].eff_weight > 0;
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=serving %zu services, "
	    "%zu real servers (%zu with weight)", m->nsvcs,
	    mon_model_nreals(m), up);
	send_msg(msg);
}

void
mon_notify_reloading(void)
{
	struct timespec	ts;
	char		msg[128];

	if (sn.fd < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu\n"
	    "STATUS=reloading",
	    (unsigned long long)ts.tv_sec * 1000000ull +
	    (unsigned long long)ts.tv_nsec / 1000);
	send_msg(msg);
}

void
mon_notify_stopping(void)
{
	send_msg("STOPPING=1\nSTATUS=stopping");
}

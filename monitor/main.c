/*
 * monitor/main.c - lvsmond: load the config, open the packet core, start the
 * checks and the control socket, run one libevent loop until told to stop.
 * The only place that exits.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "alert.h"
#include "announce.h"
#include "checkers/spawn.h"
#include "apply.h"
#include "caps.h"
#include "confine.h"
#include "control.h"
#include "event.h"
#include "ha.h"
#include "log.h"
#include "metrics.h"
#include "model.h"
#include "reload.h"
#include "sched.h"
#include "sdnotify.h"
#include "snmp/snmp.h"
#include "state.h"

#define DEFAULT_CONF	"/etc/lvsmon/lvsmond.conf"

static void
usage(void)
{
	fprintf(stderr, "usage: lvsmond [-f FILE] [-n] [-t] [-d]\n"
	    "  -f FILE  configuration (default %s)\n"
	    "  -n       stay in the foreground, log to stderr\n"
	    "  -t       check the configuration and exit (0 ok, 1 error)\n"
	    "  -d       debug logging (every check result)\n", DEFAULT_CONF);
	exit(2);
}

/*
 * Precise timers: libevent's epoll backend otherwise sleeps in whole
 * milliseconds, rounded up, which shows as up to 1 ms of lateness on every
 * check start (a timerfd costs one more descriptor, not one more syscall
 * per turn).
 */
static struct event_base *
loop_new(void)
{
	struct event_config	*cfg = event_config_new();
	struct event_base	*base;

	if (cfg == NULL)
		return NULL;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	mon_info("lvsmond: %s, stopping", strsignal((int)sig));
	mon_notify_stopping();
	event_base_loopbreak(arg);
}

/* SIGHUP: the same as lvsmonctl reload; a bad file changes nothing. */
static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct mon_reload_result	res;
	struct err			e = { "" };

	(void)sig;
	(void)what;
	if (mon_reload(arg, &res, &e) < 0)
		mon_error("lvsmond: reload failed, still running the "
		    "previous configuration: %s", e.msg);
}

int
main(int argc, char **argv)
{
	const char		*file = DEFAULT_CONF;
	char			*abs = NULL;
	int			 foreground = 0, test = 0, debug = 0, ch;
	int			 rc = 1;
	struct mon_model	 m;
	struct err		 e = { "" };
	struct event_base	*base = NULL;
	struct event		*sigs[3] = { NULL, NULL, NULL };

	while ((ch = getopt(argc, argv, "f:ntdh")) != -1)
		switch (ch) {
		case 'f': file = optarg; break;
		case 'n': foreground = 1; break;
		case 't': test = 1; break;
		case 'd': debug = 1; break;
		default: usage();
		}
	if (optind != argc)
		usage();

	if (mon_model_load(&m, file, &e) < 0) {
		fprintf(stderr, "lvsmond: %s\n", e.msg);
		return 1;
	}
	if (test) {
		printf("lvsmond: configuration %s ok: %zu services, %zu real "
		    "servers\n", file, m.nsvcs, mon_model_nreals(&m));
		mon_model_free(&m);
		return 0;
	}

	/* daemon() moves to /: a reload must still find a relative file */
	if ((abs = realpath(file, NULL)) != NULL) {
		free(m.file);
		m.file = abs;
	}
	if (!foreground && daemon(0, 0) < 0) {
		fprintf(stderr, "lvsmond: daemon: %s\n", strerror(errno));
		mon_model_free(&m);
		return 1;
	}
	mon_log_open(foreground, debug || m.global.log_level == 1 ?
	    LOG_DEBUG : LOG_INFO);
	signal(SIGPIPE, SIG_IGN);

	/* ids and hand-made settings first: the kernel table uses both */
	if (mon_state_load(&m, m.global.state_file) == -ENOMEM ||
	    mon_state_save(&m, m.global.state_file, &e) < 0) {
		mon_error("lvsmond: %s", e.msg[0] ? e.msg : "out of memory");
		goto out;
	}
	if ((base = loop_new()) == NULL) {
		mon_error("lvsmond: cannot create the event loop");
		goto out;
	}
	sigs[0] = evsignal_new(base, SIGTERM, on_signal, base);
	sigs[1] = evsignal_new(base, SIGINT, on_signal, base);
	sigs[2] = evsignal_new(base, SIGHUP, on_hup, &m);
	if (sigs[0] == NULL || sigs[1] == NULL || sigs[2] == NULL ||
	    evsignal_add(sigs[0], NULL) < 0 || evsignal_add(sigs[1], NULL) < 0 ||
	    evsignal_add(sigs[2], NULL) < 0) {
		mon_error("lvsmond: cannot watch signals");
		goto out;
	}
	if ((rc = mon_notify_open(base)) < 0)
		mon_warn("lvsmond: sd_notify: %s", strerror(-rc));
	rc = 1;
	if (mon_state_defer_open(&m, base) < 0 ||
	    mon_reload_open(&m, base) < 0 ||
	    mon_slowstart_open(base) < 0) {
		mon_error("lvsmond: out of memory");
		goto out;
	}
	/* weight files and the maintenance directory before the packet
	   core: its first sync then has their weights already */
	if (mon_ws_watch_open(&m, base, &e) < 0 ||
	    mon_apply_open(&m, base, &e) < 0 ||
	    mon_announce_open(&m, base, &e) < 0 ||
	    mon_alert_open(&m, base, &e) < 0 ||
	    mon_control_open(&m, base, m.global.control_socket, &e) < 0 ||
	    mon_sched_start(&m, base) < 0) {
		mon_error("lvsmond: %s", e.msg[0] ? e.msg : "out of memory");
		goto out;
	}
	if (m.global.metrics != NULL &&
	    mon_metrics_open(&m, base, m.global.metrics, &e) < 0) {
		mon_error("lvsmond: %s", e.msg);
		goto out;
	}
	/* failover: after the packet core (sync daemon), before the drop
	   (announcement sockets) */
	if (mon_ha_open(&m, base, &e) < 0) {
		mon_error("lvsmond: %s", e.msg);
		goto out;
	}
	if (m.global.snmp_agentx != NULL &&
	    snmp_subagent_open(&m, base, &e) < 0)
		mon_error("lvsmond: %s (running without SNMP)", e.msg);
	/* everything that needs more is open: sockets, netlink, first sync;
	   confined first, while the capabilities may still allow it */
	if (mon_confine_apply(&m, &e) < 0 || mon_caps_drop(&e) < 0) {
		mon_error("lvsmond: %s", e.msg);
		goto out;
	}
	mon_info("lvsmond: started: %zu services, %zu real servers", m.nsvcs,
	    mon_model_nreals(&m));
	mon_notify_ready(&m);
	event_base_dispatch(base);
	mon_announce_exit(&m);	/* withdrawn before a flush */
	mon_apply_exit(&m);
	rc = 0;
out:
	mon_ha_close();
	mon_sched_stop(&m);
	mon_reload_close();
	mon_ws_watch_close();
	mon_control_close();
	mon_metrics_close();
	mon_state_defer_close();
	snmp_subagent_close();
	mon_alert_close();
	mon_announce_close();
	mon_apply_close();
	mon_slowstart_close(&m);
	mon_notify_close();
	mon_event_reset();
	for (size_t i = 0; i < 3; i++)
		if (sigs[i] != NULL)
			event_free(sigs[i]);
	/* plugins and alert scripts cancelled above are still being reaped
	   on this loop: bounded, and no zombie outlives the daemon */
	if (base != NULL)
		chk_spawn_drain(base, 1000);
	if (base != NULL)
		event_base_free(base);
	mon_model_free(&m);
	return rc;
}

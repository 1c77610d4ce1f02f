/*
 * bench/alert_rate.c - how many alarms a second one sink delivers, and
 * what each costs the daemon, with the real policy and sink code and a real
 * receiver (started by bench/alerts on loopback).
 *
 *   alert_rate -f CONF [-r ROUNDS] [-t SECONDS]
 *
 * CONF is an lvsmond configuration with services, reals (each with a check,
 * which is never run) and one `alerts` entry (alertafter 1, flap_changes 0,
 * a queue big enough).  Each round fails every real (one verdict: fall 1)
 * and brings it back (rise 1): two alarms per real, down then up, pushed
 * through the state machine exactly as check results would (resource.c ->
 * event bus -> alert policy -> sink).  The loop then runs until the sink
 * has delivered them all (or dead-lettered them) or SECONDS pass.
 *
 * Prints one line: alarms sent, dead, wall seconds from the first verdict
 * to the last delivery, alarms/s, and CPU (ours + reaped children, e.g.
 * alert scripts) per alarm in microseconds.  Figures only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "checkers/spawn.h"
#include "monitor/alert.h"
#include "monitor/event.h"
#include "monitor/log.h"
#include "monitor/model.h"
#include "monitor/resource.h"
#include "snmp/snmp.h"

static struct event_base	*base;
static uint64_t			 want;

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
cpu_s(void)
{
	struct rusage	self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6 +
	    self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6 +
	    kids.ru_utime.tv_sec + kids.ru_utime.tv_usec / 1e6 +
	    kids.ru_stime.tv_sec + kids.ru_stime.tv_usec / 1e6;
}

/* sent and dead letters of the first sink, from show --json's view */
static void
counters(uint64_t *sent, uint64_t *dead)
{
	struct json_object	*a = mon_alert_show_json(), *k, *v;

	*sent = *dead = 0;
	if (a != NULL && json_object_array_length(a) > 0) {
		k = json_object_array_get_idx(a, 0);
		if (json_object_object_get_ex(k, "sent", &v))
			*sent = (uint64_t)json_object_get_int64(v);
		if (json_object_object_get_ex(k, "dead_letters", &v))
			*dead = (uint64_t)json_object_get_int64(v);
	}
	json_object_put(a);
}

static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
	uint64_t	sent, dead;

	(void)fd;
	(void)what;
	(void)arg;
	counters(&sent, &dead);
	if (sent + dead >= want)
		event_base_loopbreak(base);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(base);
}

int
main(int argc, char **argv)
{
	const char		*file = NULL;
	unsigned		 rounds = 1, secs = 120;
	struct mon_model	 m;
	struct err		 e = { "" };
	struct event		*poll, *deadline;
	struct timeval		 tv_poll = { 0, 2000 }, tv_dl;
	uint64_t		 sent, dead, sent0, dead0, n;
	double			 t0, c0, t1, c1;
	int			 ch;

	while ((ch = getopt(argc, argv, "f:r:t:")) != -1)
		switch (ch) {
		case 'f': file = optarg; break;
		case 'r': rounds = (unsigned)atoi(optarg); break;
		case 't': secs = (unsigned)atoi(optarg); break;
		default: file = NULL; optind = argc; break;
		}
	if (file == NULL || rounds == 0) {
		fprintf(stderr, "usage: alert_rate -f CONF [-r ROUNDS] "
		    "[-t SECONDS]\n");
		return 2;
	}
	if (mon_model_load(&m, file, &e) < 0) {
		fprintf(stderr, "alert_rate: %s\n", e.msg);
		return 1;
	}
	mon_log_open(1, LOG_WARNING);
	if ((base = event_base_new()) == NULL ||
	    mon_alert_open(&m, base, &e) < 0 ||
	    (m.global.snmp_agentx != NULL &&
	    snmp_subagent_open(&m, base, &e) < 0)) {
		fprintf(stderr, "alert_rate: %s\n", e.msg);
		return 1;
	}
	if (m.global.snmp_agentx != NULL) {
		/* the master must have us registered before alarms count */
		for (int i = 0; i < 500 && !snmp_is_up(); i++) {
			event_base_loop(base, EVLOOP_NONBLOCK);
			usleep(10000);
		}
		if (!snmp_is_up()) {
			fprintf(stderr, "alert_rate: no AgentX session\n");
			return 1;
		}
	}
	/* every real up first (the first verdict is decisive; no alarm) */
	for (size_t i = 0; i < m.nsvcs; i++)
		for (size_t j = 0; j < m.svcs[i].nreals; j++) {
			mon_rs_init(&m.svcs[i].reals[j]);
			mon_rs_verdict(&m.svcs[i].reals[j], 1, -1, CHK_R_OK,
			    "ok", 1);
		}
	event_base_loop(base, EVLOOP_NONBLOCK);
	counters(&sent0, &dead0);
	n = 2ull * rounds * (mon_model_nreals(&m) + m.nsvcs);
	want = sent0 + dead0 + n;

	t0 = now_s();
	c0 = cpu_s();
	for (unsigned r = 0; r < rounds; r++) {
		for (size_t i = 0; i < m.nsvcs; i++)
			for (size_t j = 0; j < m.svcs[i].nreals; j++)
				mon_rs_verdict(&m.svcs[i].reals[j], 0, -1,
				    CHK_R_CONNREFUSED,
				    "connect: ECONNREFUSED", 1);
		for (size_t i = 0; i < m.nsvcs; i++)
			for (size_t j = 0; j < m.svcs[i].nreals; j++)
				mon_rs_verdict(&m.svcs[i].reals[j], 1, -1,
				    CHK_R_OK, "connected in 1 ms", 1);
	}
	poll = event_new(base, -1, EV_PERSIST, on_poll, NULL);
	deadline = evtimer_new(base, on_deadline, NULL);
	tv_dl.tv_sec = secs;
	tv_dl.tv_usec = 0;
	event_add(poll, &tv_poll);
	evtimer_add(deadline, &tv_dl);
	event_base_dispatch(base);
	t1 = now_s();
	c1 = cpu_s();
	counters(&sent, &dead);
	sent -= sent0;
	dead -= dead0;
	printf("alarms %llu sent %llu dead %llu wall %.3f s rate %.0f/s "
	    "cpu %.1f us/alarm\n", (unsigned long long)n,
	    (unsigned long long)sent, (unsigned long long)dead, t1 - t0,
	    sent ? sent / (t1 - t0) : 0.0,
	    sent ? (c1 - c0) * 1e6 / (double)sent : 0.0);
	event_free(poll);
	event_free(deadline);
	snmp_subagent_close();
	mon_alert_close();
	mon_event_reset();
	chk_spawn_drain(base, 1000);
	event_base_free(base);
	mon_model_free(&m);
	return 0;
}

/*
 * monitor/metrics.c - Prometheus text format on GET /metrics (metrics.h).
 *
 * Cardinality: the check-duration histogram and the check-result counters
 * are per service (a real's checks share the service's type and timeout,
 * and 14 buckets per real would be the largest part of a scrape at 10,000
 * reals); states, weights and kernel counters are per real.  A scrape
 * builds one evbuffer (about 3 kB per real) and evhttp writes it without
 * blocking; the kernel dump behind the counters is shared with SNMP and
 * repeated at most once a second.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/keyvalq_struct.h>

#include "announce.h"
#include "alert.h"
#include "apply.h"
#include "event.h"
#include "log.h"
#include "metrics.h"
#include "ha_show.h"
#include "reload.h"
#include "resource.h"

#ifndef LVSMON_VERSION
#define LVSMON_VERSION	"0.1"
#endif

/* Upper bounds in seconds (the +Inf bucket is the count). */
static const double	buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025,
				      0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NBUCKETS	(sizeof(buckets) / sizeof(buckets[0]))

struct svc_checks {
	uint64_t	le[NBUCKETS];		/* cumulative at scrape time */
	uint64_t	count;
	double		sum;			/* seconds */
	uint64_t	ok[CHK_R__COUNT];	/* results by reason */
	uint64_t	fail[CHK_R__COUNT];
};

static struct {
	struct mon_model	*m;
	struct evhttp		*http;
	struct svc_checks	*sc;		/* [m->nsvcs] */
	size_t			 nsc;
	struct timespec		 started;	/* CLOCK_REALTIME */
	struct evconnlistener	*lis;		/* evhttp's; it frees it */
	struct event		*resume;	/* accepts paused */
} mx;

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	evconnlistener_enable(mx.lis);
}

/*
 * accept() failed.  evhttp's listener has no error callback of its own, so
 * out of descriptors the scraper's connection stays in the backlog and the
 * loop would wake for it at once, for ever: pause accepting for a second.
 */
static void
on_accept_error(struct evconnlistener *lis, void *arg)
{
	int		err = EVUTIL_SOCKET_ERROR();
	struct timeval	tv = { 1, 0 };

	(void)arg;
	mon_debug("lvsmond: metrics: accept: %s", strerror(err));
	if (err != EMFILE && err != ENFILE && err != ENOBUFS &&
	    err != ENOMEM)
		return;
	evconnlistener_disable(lis);
	event_add(mx.resume, &tv);
}

/* ---- check results from the bus ---- */

/*
 * A reload replaced the services array: the histograms follow their
 * services by key (protocol/address:port), a new service starts at zero,
 * a removed one's go.  On no memory they all start over.
 */
static void
on_reload(void)
{
	const struct mon_model	*old = mon_reload_previous();
	struct svc_checks	*n = NULL;

	if (mx.m->nsvcs > 0 &&
	    (n = calloc(mx.m->nsvcs, sizeof(*n))) == NULL)
		mon_warn("lvsmond: metrics: out of memory: check histograms "
		    "start over");
	for (size_t i = 0; n != NULL && old != NULL && i < mx.m->nsvcs; i++) {
		size_t	nold = old->nsvcs < mx.nsc ? old->nsvcs : mx.nsc;

		/* mostly at the same place: tried first, then a search */
		for (size_t d = 0; d < nold; d++) {
			size_t j = (i + d) % nold;

			if (strcmp(old->svcs[j].key, mx.m->svcs[i].key) == 0) {
				n[i] = mx.sc[j];
				break;
			}
		}
	}
	free(mx.sc);
	mx.sc = n;
	mx.nsc = n != NULL ? mx.m->nsvcs : 0;
}

static void
on_check(const struct mon_event *ev, void *arg)
{
	struct svc_checks	*c;
	size_t			 i;
	double			 s;

	(void)arg;
	if (ev->type == MON_EV_RELOAD && mx.m != NULL) {
		on_reload();
		return;
	}
	if (ev->type != MON_EV_CHECK || ev->svc == NULL || ev->rs == NULL ||
	    mx.m == NULL || ev->svc < mx.m->svcs ||
	    (i = (size_t)(ev->svc - mx.m->svcs)) >= mx.nsc)
		return;
	c = &mx.sc[i];
	s = ev->rs->last_duration_ms / 1000.0;
	for (size_t b = 0; b < NBUCKETS; b++)
		if (s <= buckets[b])
			c->le[b]++;
	c->count++;
	c->sum += s;
	if (ev->reason >= 0 && ev->reason < CHK_R__COUNT) {
		if (ev->new)
			c->ok[ev->reason]++;
		else
			c->fail[ev->reason]++;
	}
}

/* ---- the text format ---- */

/* A label value: backslash, double quote and newline escaped. */
static void
put_label(struct evbuffer *out, const char *name, const char *v)
{
	evbuffer_add_printf(out, "%s=\"", name);
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			evbuffer_add(out, "\\\\", 2);
		else if (*v == '"')
			evbuffer_add(out, "\\\"", 2);
		else if (*v == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, v, 1);
	}
	evbuffer_add(out, "\"", 1);
}

static void
family(struct evbuffer *out, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* name{service="..."[,real="..."]  -- the caller adds labels and "} v" */
static void
open_sample(struct evbuffer *out, const char *name,
    const struct mon_service *s, const struct mon_real *rs)
{
	evbuffer_add_printf(out, "%s{", name);
	put_label(out, "service", s->name);
	if (rs != NULL) {
		evbuffer_add(out, ",", 1);
		put_label(out, "real", rs->key);
	}
}

static void
sample_u64(struct evbuffer *out, const char *name,
    const struct mon_service *s, const struct mon_real *rs,
    const char *lname, const char *lval, uint64_t v)
{
	open_sample(out, name, s, rs);
	if (lname != NULL) {
		evbuffer_add(out, ",", 1);
		put_label(out, lname, lval);
	}
	evbuffer_add_printf(out, "} %" PRIu64 "\n", v);
}

/* One value per service. */
static void
per_svc(struct evbuffer *out, const struct mon_model *m, const char *name,
    const char *type, const char *help,
    uint64_t (*get)(const struct mon_service *))
{
	family(out, name, type, help);
	for (size_t i = 0; i < m->nsvcs; i++)
		sample_u64(out, name, &m->svcs[i], NULL, NULL, NULL,
		    get(&m->svcs[i]));
}

/* Route health injection (announce.h): only where it is configured. */
static void
announced(struct evbuffer *out, const struct mon_model *m)
{
	const char	*name = "lvsmon_service_announced";

	if (m->global.announce_table == 0)
		return;
	family(out, name, "gauge", "1 while the service's VIP route is in "
	    "the announce table (the routing daemon announces it), 0 while "
	    "it is withdrawn; services with announce = true only.");
	for (size_t i = 0; i < m->nsvcs; i++)
		if (mon_announce_state(&m->svcs[i]) >= 0)
			sample_u64(out, name, &m->svcs[i], NULL, NULL, NULL,
			    (uint64_t)mon_announce_state(&m->svcs[i]));
	family(out, "lvsmon_director_drained", "gauge", "1 while lvsmonctl "
	    "drain-director holds every VIP route withdrawn.");
	evbuffer_add_printf(out, "lvsmon_director_drained %d\n",
	    mon_announce_drained());
	family(out, "lvsmon_route_changes_total", "counter", "VIP routes "
	    "installed or withdrawn since start.");
	evbuffer_add_printf(out, "lvsmon_route_changes_total %" PRIu64 "\n",
	    mon_announce_changes());
}

static uint64_t g_quorum(const struct mon_service *s)
{ return s->quorum_ok != 0; }
static uint64_t g_sorry(const struct mon_service *s)
{ return s->sorry_active != 0; }
static uint64_t g_serving(const struct mon_service *s)
{ return s->serving; }
static uint64_t g_reals(const struct mon_service *s)
{ return s->nreals - (s->sorry != NULL); }
static uint64_t g_conns(const struct mon_service *s)
{ return s->conns; }

static void
reals(struct evbuffer *out, const struct mon_model *m)
{
	static const char *const kinds[] = { "configured", "target",
					     "effective", "kernel" };
	char	v[32];

	family(out, "lvsmon_real_info", "gauge", "A real server: its check "
	    "type, whether it is the service's sorry server, its id (SNMP "
	    "row, kernel mark).");
	for (size_t i = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++) {
			const struct mon_real *rs = &m->svcs[i].reals[j];

			open_sample(out, "lvsmon_real_info", &m->svcs[i], rs);
			evbuffer_add(out, ",", 1);
			put_label(out, "check", rs->probe != NULL ?
			    rs->probe->type->name : "none");
			evbuffer_add(out, ",", 1);
			put_label(out, "sorry", rs->sorry ? "true" : "false");
			snprintf(v, sizeof(v), "%" PRIu32, rs->id);
			evbuffer_add(out, ",", 1);
			put_label(out, "id", v);
			evbuffer_add_printf(out, "} 1\n");
		}

	family(out, "lvsmon_real_state", "gauge", "Health state of a real "
	    "server: 1 for the state it is in, 0 for the others.");
	for (size_t i = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++) {
			const struct mon_real *rs = &m->svcs[i].reals[j];

			for (int st = 0; st < MON_RS__COUNT; st++)
				sample_u64(out, "lvsmon_real_state",
				    &m->svcs[i], rs, "state",
				    mon_rs_state_names[st], rs->state ==
				    (enum mon_rs_state)st);
		}

	family(out, "lvsmon_real_admin_state", "gauge", "Admin state of a "
	    "real server: 1 for the one it is in, 0 for the others.");
	for (size_t i = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++) {
			const struct mon_real *rs = &m->svcs[i].reals[j];

			for (int a = 0; a < MON_ADMIN__COUNT; a++)
				sample_u64(out, "lvsmon_real_admin_state",
				    &m->svcs[i], rs, "admin",
				    mon_admin_names[a], rs->admin ==
				    (enum mon_admin)a);
		}

	family(out, "lvsmon_real_weight", "gauge", "Weight of a real server: "
	    "configured (the file), target (after health, admin, operator "
	    "and check), effective (after quorum, sorry server and slow "
	    "start: what the kernel should have), kernel (as read back; "
	    "absent when the real is not in the kernel table).");
	for (size_t i = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++) {
			const struct mon_real	*rs = &m->svcs[i].reals[j];
			uint64_t		 w[4] = { rs->weight,
				    rs->target_weight, rs->eff_weight,
				    (uint64_t)rs->kernel_weight };

			for (int k = 0; k < 4; k++)
				if (k < 3 || rs->kernel_weight >= 0)
					sample_u64(out, "lvsmon_real_weight",
					    &m->svcs[i], rs, "kind", kinds[k],
					    w[k]);
		}

	family(out, "lvsmon_real_slow_start_ratio", "gauge", "How far a "
	    "real server's slow start is, 0 to 1 (1: not ramping).");
	for (size_t i = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++) {
			const struct mon_real	*rs = &m->svcs[i].reals[j];
			int			 pct = mon_slowstart_pct(rs);

			open_sample(out, "lvsmon_real_slow_start_ratio",
			    &m->svcs[i], rs);
			evbuffer_add_printf(out, "} %.2f\n", pct < 0 ? 1.0 :
			    pct / 100.0);
		}

	family(out, "lvsmon_real_state_changes_total", "counter", "Health "
	    "state changes of a real server since the daemon started.");
	for (size_t i = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++)
			sample_u64(out, "lvsmon_real_state_changes_total",
			    &m->svcs[i], &m->svcs[i].reals[j], NULL, NULL,
			    m->svcs[i].reals[j].changes);

	family(out, "lvsmon_real_check_unknowns_total", "counter", "Check "
	    "runs of a real server that could not tell (no state change).");
	for (size_t i = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++)
			sample_u64(out, "lvsmon_real_check_unknowns_total",
			    &m->svcs[i], &m->svcs[i].reals[j], NULL, NULL,
			    m->svcs[i].reals[j].unknowns);
}

/* Kernel counters: only reals the kernel table holds. */
static void
kernel(struct evbuffer *out, const struct mon_model *m)
{
	static const struct {
		const char	*name, *type, *help;
	} fam[] = {
		{ "lvsmon_real_connections_total", "counter",
		  "Connections the kernel scheduled to a real server." },
		{ "lvsmon_real_packets_total", "counter",
		  "Packets to (in) and from (out) a real server, as the "
		  "kernel counted them." },
		{ "lvsmon_real_bytes_total", "counter",
		  "Bytes to (in) and from (out) a real server, as the kernel "
		  "counted them." },
		{ "lvsmon_real_active_connections", "gauge",
		  "Established connections to a real server now." },
		{ "lvsmon_real_inactive_connections", "gauge",
		  "Other live connections to a real server now." },
	};

	for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		family(out, fam[f].name, fam[f].type, fam[f].help);
		for (size_t i = 0; i < m->nsvcs; i++)
			for (size_t j = 0; j < m->svcs[i].nreals; j++) {
				const struct mon_real		*rs;
				const struct dir_real_stats	*st;
				const struct mon_service	*s;

				s = &m->svcs[i];
				rs = &s->reals[j];
				st = &rs->stats;
				if (rs->kernel_weight < 0)
					continue;
				switch (f) {
				case 0:
					sample_u64(out, fam[f].name, s, rs,
					    NULL, NULL, st->conns);
					break;
				case 1:
					sample_u64(out, fam[f].name, s, rs,
					    "direction", "in", st->inpkts);
					sample_u64(out, fam[f].name, s, rs,
					    "direction", "out", st->outpkts);
					break;
				case 2:
					sample_u64(out, fam[f].name, s, rs,
					    "direction", "in", st->inbytes);
					sample_u64(out, fam[f].name, s, rs,
					    "direction", "out", st->outbytes);
					break;
				case 3:
					sample_u64(out, fam[f].name, s, rs,
					    NULL, NULL, st->active);
					break;
				default:
					sample_u64(out, fam[f].name, s, rs,
					    NULL, NULL, st->inactive);
					break;
				}
			}
	}
}

static void
checks(struct evbuffer *out, const struct mon_model *m)
{
	family(out, "lvsmon_check_duration_seconds", "histogram", "How long "
	    "the checks of a service's real servers took.");
	for (size_t i = 0; i < m->nsvcs && i < mx.nsc; i++) {
		const struct svc_checks	*c = &mx.sc[i];
		char			 le[16];

		for (size_t b = 0; b < NBUCKETS; b++) {
			snprintf(le, sizeof(le), "%g", buckets[b]);
			sample_u64(out, "lvsmon_check_duration_seconds_bucket",
			    &m->svcs[i], NULL, "le", le, c->le[b]);
		}
		sample_u64(out, "lvsmon_check_duration_seconds_bucket",
		    &m->svcs[i], NULL, "le", "+Inf", c->count);
		open_sample(out, "lvsmon_check_duration_seconds_sum",
		    &m->svcs[i], NULL);
		evbuffer_add_printf(out, "} %.6f\n", c->sum);
		sample_u64(out, "lvsmon_check_duration_seconds_count",
		    &m->svcs[i], NULL, NULL, NULL, c->count);
	}

	family(out, "lvsmon_check_results_total", "counter", "Finished "
	    "checks of a service's real servers by result (ok, fail) and "
	    "reason code (as in show and the MIB).");
	for (size_t i = 0; i < m->nsvcs && i < mx.nsc; i++)
		for (int r = 0; r < CHK_R__COUNT; r++)
			for (int ok = 1; ok >= 0; ok--) {
				uint64_t n = ok ? mx.sc[i].ok[r] :
				    mx.sc[i].fail[r];

				if (n == 0)
					continue;
				open_sample(out, "lvsmon_check_results_total",
				    &m->svcs[i], NULL);
				evbuffer_add(out, ",", 1);
				put_label(out, "result", ok ? "ok" : "fail");
				evbuffer_add(out, ",", 1);
				put_label(out, "reason", chk_reasons[r].code);
				evbuffer_add_printf(out, "} %" PRIu64 "\n", n);
			}
}

/* Resident memory from /proc (a procfs read does not block). */
static long long
rss_bytes(void)
{
	FILE		*f = fopen("/proc/self/statm", "re");
	long long	 size, rss = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%lld %lld", &size, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss < 0 ? -1 : rss * sysconf(_SC_PAGESIZE);
}

static long
open_fds(void)
{
	DIR		*d = opendir("/proc/self/fd");
	struct dirent	*de;
	long		 n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

static void
process(struct evbuffer *out)
{
	struct rusage	ru;
	long long	rss = rss_bytes();
	long		fds = open_fds();

	getrusage(RUSAGE_SELF, &ru);
	family(out, "process_cpu_seconds_total", "counter",
	    "User and system CPU time spent in seconds.");
	evbuffer_add_printf(out, "process_cpu_seconds_total %.6f\n",
	    ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	if (rss >= 0) {
		family(out, "process_resident_memory_bytes", "gauge",
		    "Resident memory size in bytes.");
		evbuffer_add_printf(out, "process_resident_memory_bytes %lld\n",
		    rss);
	}
	if (fds >= 0) {
		family(out, "process_open_fds", "gauge",
		    "Number of open file descriptors.");
		evbuffer_add_printf(out, "process_open_fds %ld\n", fds);
	}
	family(out, "process_start_time_seconds", "gauge",
	    "Start time of the process since unix epoch in seconds.");
	evbuffer_add_printf(out, "process_start_time_seconds %lld\n",
	    (long long)mx.started.tv_sec);
}

/* The alert sinks' delivery counters (monitor/README.md, Alarms). */
static void
alerts(struct evbuffer *out)
{
	static const struct {
		const char	*name, *type, *help;
		size_t		 off;
	} rows[] = {
		{ "lvsmon_alert_queued", "gauge", "Alarms waiting in the "
		  "sink's queue.", offsetof(struct mon_alert_counts, queued) },
		{ "lvsmon_alerts_sent_total", "counter", "Alarms the sink "
		  "delivered.", offsetof(struct mon_alert_counts, sent) },
		{ "lvsmon_alert_failed_attempts_total", "counter", "Deliveries "
		  "that failed (each is retried until its retries are spent).",
		  offsetof(struct mon_alert_counts, failed) },
		{ "lvsmon_alert_dead_letters_total", "counter", "Alarms given "
		  "up after their retries.",
		  offsetof(struct mon_alert_counts, dead) },
		{ "lvsmon_alert_dropped_total", "counter", "Alarms dropped "
		  "from a full queue (oldest first).",
		  offsetof(struct mon_alert_counts, dropped) },
		{ "lvsmon_alert_held_total", "counter", "Alarms not sent "
		  "because they fell outside the sink's period.",
		  offsetof(struct mon_alert_counts, held) },
	};
	struct mon_alert_counts	c;

	if (mon_alert_counts(0, &c) < 0)
		return;
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		family(out, rows[r].name, rows[r].type, rows[r].help);
		for (size_t i = 0; mon_alert_counts(i, &c) == 0; i++) {
			evbuffer_add_printf(out, "%s{", rows[r].name);
			put_label(out, "sink", c.name);
			evbuffer_add(out, ",", 1);
			put_label(out, "type", c.type);
			evbuffer_add_printf(out, "} %" PRIu64 "\n",
			    *(const uint64_t *)(const void *)
			    ((const char *)&c + rows[r].off));
		}
	}
}

void
mon_metrics_format(struct evbuffer *out, struct mon_model *m)
{
	struct timespec	now;

	/* the kernel's counters: shared with SNMP, at most once a second */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (m->stats_time.tv_sec == 0 || now.tv_sec - m->stats_time.tv_sec >
	    1 || (now.tv_sec - m->stats_time.tv_sec) * 1000000000L +
	    (now.tv_nsec - m->stats_time.tv_nsec) >= 1000000000L)
		(void)mon_apply_refresh(m);

	family(out, "lvsmon_info", "gauge", "lvsmond's version and packet "
	    "core backend (always 1).");
	evbuffer_add_printf(out, "lvsmon_info{");
	put_label(out, "version", LVSMON_VERSION);
	evbuffer_add(out, ",", 1);
	put_label(out, "backend", mon_apply_backend());
	evbuffer_add_printf(out, "} 1\n");
	family(out, "lvsmon_events_total", "counter", "Events on the bus "
	    "(state, admin, weight, applied, backend, quorum) since start.");
	evbuffer_add_printf(out, "lvsmon_events_total %" PRIu64 "\n",
	    mon_event_last_seq());

	per_svc(out, m, "lvsmon_service_quorum_up", "gauge", "1 while the "
	    "service holds its quorum (quorum, quorum_weight, hysteresis), "
	    "0 while it is lost.", g_quorum);
	per_svc(out, m, "lvsmon_service_sorry_active", "gauge", "1 while the "
	    "service's sorry server takes the new flows.", g_sorry);
	per_svc(out, m, "lvsmon_service_serving_reals", "gauge", "Real "
	    "servers (not the sorry server) with a weight above 0.",
	    g_serving);
	per_svc(out, m, "lvsmon_service_reals", "gauge", "Real servers "
	    "configured (not the sorry server).", g_reals);
	per_svc(out, m, "lvsmon_service_connections_total", "counter",
	    "Connections the kernel scheduled to the service's real "
	    "servers.", g_conns);
	announced(out, m);
	reals(out, m);
	kernel(out, m);
	checks(out, m);
	alerts(out);
	process(out);
	mon_ha_metrics(out);
}

/* ---- HTTP ---- */

static void
on_request(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri	*u = evhttp_request_get_evhttp_uri(req);
	const char		*path = u != NULL ? evhttp_uri_get_path(u) :
				    NULL;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*out;

	(void)arg;
	if (path == NULL || strcmp(path, "/metrics") != 0) {
		evhttp_add_header(h, "Content-Type", "text/plain");
		if ((out = evbuffer_new()) != NULL)
			evbuffer_add_printf(out, "not found: try /metrics\n");
		evhttp_send_reply(req, HTTP_NOTFOUND, "Not Found", out);
		if (out != NULL)
			evbuffer_free(out);
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(h, "Allow", "GET, HEAD");
		evhttp_send_reply(req, 405, "Method Not Allowed", NULL);
		return;
	}
	if ((out = evbuffer_new()) == NULL) {
		evhttp_send_reply(req, HTTP_INTERNAL, "Out of memory", NULL);
		return;
	}
	mon_metrics_format(out, mx.m);
	evhttp_add_header(h, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", out);
	evbuffer_free(out);
}

int
mon_metrics_open(struct mon_model *m, struct event_base *base,
    const char *addr, struct err *e)
{
	union dir_addr		 a;
	uint16_t		 port;
	int			 family, fd = -1, one = 1, rc;
	struct evhttp_bound_socket *bs = NULL;
	struct sockaddr_storage	 ss = { 0 };
	socklen_t		 sl;

	if (mon_addr_key_parse(addr, &family, &a, &port) < 0)
		return err_set(e, -EINVAL, "global.metrics: \"%s\": expected "
		    "\"IP:PORT\" or \"[IPv6]:PORT\" (no host names)", addr);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = a.v4;
		sin->sin_port = htons(port);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a.v6;
		sin6->sin6_port = htons(port);
		sl = sizeof(*sin6);
	}
	if ((fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 64) < 0) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		return err_set(e, rc, "global.metrics: cannot listen on %s: %s",
		    addr, strerror(-rc));
	}
	mx.m = m;
	mx.nsc = m->nsvcs;
	clock_gettime(CLOCK_REALTIME, &mx.started);
	if ((mx.nsc > 0 && (mx.sc = calloc(mx.nsc, sizeof(*mx.sc))) ==
	    NULL) || (mx.http = evhttp_new(base)) == NULL ||
	    mon_event_subscribe_mask(on_check, NULL,
	    MON_EVENT_MASK(MON_EV_CHECK) | MON_EVENT_MASK(MON_EV_RELOAD)) < 0) {
		close(fd);
		mon_metrics_close();
		return err_set(e, -ENOMEM, "out of memory");
	}
	/* a scraper that stalls is dropped; nobody needs big requests */
	evhttp_set_timeout(mx.http, 10);
	evhttp_set_max_headers_size(mx.http, 8192);
	evhttp_set_max_body_size(mx.http, 4096);
	evhttp_set_allowed_methods(mx.http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
	evhttp_set_gencb(mx.http, on_request, NULL);
	if ((bs = evhttp_accept_socket_with_handle(mx.http, fd)) == NULL ||
	    (mx.resume = evtimer_new(base, on_resume, NULL)) == NULL) {
		if (bs == NULL)
			close(fd);
		mon_metrics_close();
		return err_set(e, -EIO, "global.metrics: cannot serve on %s",
		    addr);
	}
	mx.lis = evhttp_bound_socket_get_listener(bs);
	evconnlistener_set_error_cb(mx.lis, on_accept_error);
	mon_info("lvsmond: metrics on http://%s/metrics", addr);
	return 0;
}

void
mon_metrics_close(void)
{
	mon_event_unsubscribe(on_check, NULL);
	if (mx.http != NULL)
		evhttp_free(mx.http);	/* closes the listener */
	if (mx.resume != NULL)
		event_free(mx.resume);
	free(mx.sc);
	memset(&mx, 0, sizeof(mx));
}

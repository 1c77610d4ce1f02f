/*
 * monitor/alert.c - the alarm policy and the delivery machinery shared by
 * every sink (see alert.h for the semantics and the sink contract).
 *
 * Data: the parsed config (struct mon_alerts, owned by the model) holds one
 * struct sink_conf per entry of the `alerts` list and the override blocks
 * of services and reals.  At open, each sink gets one struct subj per
 * subject (every real, every service's quorum, the packet core) carrying
 * the resolved policy and the failure bookkeeping, and a ring of queued
 * alarms.  The bus drives the policy: CHECK events count failures, STATE
 * events end failures and count flaps, QUORUM and BACKEND events fail and
 * recover their subjects at once.  The failover subjects (ROLE: this
 * director; PEER: one per peer address, made when first named) live beside
 * that array, so its layout (reals, quorums, packet core) stays what a
 * reload's carry expects.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "alert.h"
#include "event.h"
#include "ha.h"
#include "log.h"
#include "model.h"
#include "reload.h"
#include "show.h"

#define UNSET_MS	UINT_MAX	/* an override row that was not given */
#define BACKOFF_MAX_MS	300000u
#define HOLD_RETRY_MS	60000u		/* period closed: look again then */

const char *const mon_alert_kind_names[MON_ALERT__COUNT] = {
	[MON_ALERT_DOWN]	= "down",
	[MON_ALERT_REPEAT]	= "repeat",
	[MON_ALERT_UP]		= "up",
	[MON_ALERT_FLAP]	= "flapping",
	[MON_ALERT_FLAP_END]	= "flap_end",
	[MON_ALERT_NOTICE]	= "notice",
};

const char *const mon_alert_what_names[MON_ALERT_WHAT__COUNT] = {
	[MON_ALERT_REAL]	= "real",
	[MON_ALERT_QUORUM]	= "quorum",
	[MON_ALERT_BACKEND]	= "backend",
	[MON_ALERT_DIRECTOR]	= "director",
	[MON_ALERT_PEER]	= "peer",
	[MON_ALERT_ROUTE]	= "route",
};

const char *const mon_alert_severity_names[MON_SEV__COUNT + 1] = {
	[MON_SEV_INFO]		= "info",
	[MON_SEV_WARNING]	= "warning",
	[MON_SEV_CRITICAL]	= "critical",
	[MON_SEV__COUNT]	= NULL,
};

extern const struct mon_alert_sink_type mon_alert_syslog;
extern const struct mon_alert_sink_type mon_alert_exec;
extern const struct mon_alert_sink_type mon_alert_webhook;
extern const struct mon_alert_sink_type mon_alert_mail;
extern const struct mon_alert_sink_type mon_alert_nagios;
extern const struct mon_alert_sink_type mon_alert_snmp;

/* Every sink type, once.  Adding a sink = one file + one row. */
const struct mon_alert_sink_type *const mon_alert_types[] = {
	&mon_alert_syslog,
	&mon_alert_exec,
	&mon_alert_webhook,
	&mon_alert_mail,
	&mon_alert_nagios,
	&mon_alert_snmp,
	NULL
};

/* The `events` filter: subjects plus flapping. */
enum { EVF_REAL = 1, EVF_QUORUM = 2, EVF_BACKEND = 4, EVF_FLAPPING = 8,
       EVF_DIRECTOR = 16, EVF_PEER = 32, EVF_ROUTE = 64, EVF_ALL = 127 };
static const char *const evf_names[] = { "real", "quorum", "backend",
    "flapping", "director", "peer", "route", NULL };

/* ---- periods ---------------------------------------------------------- */

/* One window: days (bit 0 = Sunday) and minutes [from, to) of the day;
 * to < from wraps past midnight (then the days are those it starts on). */
struct window {
	unsigned	 days;
	int		 from, to;
};

struct mon_alert_period {
	size_t		 n;
	struct window	 w[8];
};

static const char *const day_names[] = { "sun", "mon", "tue", "wed", "thu",
    "fri", "sat" };

static int
parse_day(const char **s)
{
	for (int i = 0; i < 7; i++)
		if (strncasecmp(*s, day_names[i], 3) == 0) {
			*s += 3;
			return i;
		}
	return -1;
}

static int
parse_hhmm(const char **s)
{
	char	*end;
	long	 h, m = 0;

	h = strtol(*s, &end, 10);
	if (end == *s || h < 0 || h > 24)
		return -1;
	if (*end == ':') {
		const char *ms = end + 1;

		m = strtol(ms, &end, 10);
		if (end != ms + 2 || m < 0 || m > 59)
			return -1;
	}
	if (h * 60 + m > 24 * 60)
		return -1;
	*s = end;
	return (int)(h * 60 + m);
}

static int
parse_window(const char *s, struct window *w, struct err *e)
{
	const char	*p = s;
	int		 a, b;

	w->days = 0;
	w->from = 0;
	w->to = 24 * 60;
	while (*p == ' ')
		p++;
	if (*p == '*') {
		w->days = 0x7f;
		p++;
	} else while ((a = parse_day(&p)) >= 0) {
		b = a;
		if (*p == '-') {
			p++;
			if ((b = parse_day(&p)) < 0)
				goto bad;
		}
		for (int d = a;; d = (d + 1) % 7) {
			w->days |= 1u << d;
			if (d == b)
				break;
		}
		if (*p != ',')
			break;
		p++;
	}
	if (w->days == 0)
		w->days = 0x7f;		/* times only: every day */
	while (*p == ' ')
		p++;
	if (*p != '\0') {
		if ((w->from = parse_hhmm(&p)) < 0 || *p++ != '-' ||
		    (w->to = parse_hhmm(&p)) < 0)
			goto bad;
		while (*p == ' ')
			p++;
		if (*p != '\0' || w->from == w->to)
			goto bad;
	}
	return 0;
bad:
	return err_set(e, -EINVAL, "expected windows like \"Mon-Fri "
	    "08:00-18:00; Sat,Sun 10:00-12:00\", \"22:00-06:00\" or \"*\"");
}

int
mon_alert_period_parse(const char *s, struct mon_alert_period **out,
    struct err *e)
{
	struct mon_alert_period	*p;
	char			*copy, *save = NULL, *tok;
	int			 rc = 0;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL || (copy = strdup(s)) ==
	    NULL) {
		free(p);
		return err_set(e, -ENOMEM, "out of memory");
	}
	for (tok = strtok_r(copy, ";", &save); tok != NULL && rc == 0;
	    tok = strtok_r(NULL, ";", &save)) {
		if (p->n == sizeof(p->w) / sizeof(p->w[0]))
			rc = err_set(e, -EINVAL, "at most %zu windows",
			    sizeof(p->w) / sizeof(p->w[0]));
		else
			rc = parse_window(tok, &p->w[p->n++], e);
	}
	if (rc == 0 && p->n == 0)
		rc = parse_window("", &p->w[p->n++], e) < 0 ? -EINVAL :
		    err_set(e, -EINVAL, "is empty");
	free(copy);
	if (rc < 0) {
		free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int
mon_alert_period_match(const struct mon_alert_period *p, const struct tm *tm)
{
	int	min = tm->tm_hour * 60 + tm->tm_min;
	int	yday = (tm->tm_wday + 6) % 7;	/* the day before */

	if (p == NULL)
		return 1;
	for (size_t i = 0; i < p->n; i++) {
		const struct window *w = &p->w[i];

		if (w->from < w->to) {
			if ((w->days & (1u << tm->tm_wday)) && min >= w->from &&
			    min < w->to)
				return 1;
		} else if (((w->days & (1u << tm->tm_wday)) &&
		    min >= w->from) || ((w->days & (1u << yday)) &&
		    min < w->to))
			return 1;
	}
	return 0;
}

void
mon_alert_period_free(struct mon_alert_period *p)
{
	free(p);
}

static int
set_period(void *field, const char *val, struct err *e)
{
	return mon_alert_period_parse(val, field, e);
}

static void
release_period(void *field)
{
	struct mon_alert_period **p = field;

	mon_alert_period_free(*p);
	*p = NULL;
}

/* ---- config ----------------------------------------------------------- */

struct policy {
	int			 alertafter;
	unsigned		 window_ms;
	unsigned		 every_ms;
	int			 numalerts;
	int			 upalert;
	struct mon_alert_period	*period;
	int			 flap_changes;
	unsigned		 flap_ms;
};

struct sink_conf {
	const struct mon_alert_sink_type *type;
	char			*name;
	struct policy		 pol;
	char			**services;	/* NULL: all */
	size_t			 nservices;
	unsigned		 evmask;	/* EVF_* */
	int			 min_sev;
	int			 queue;
	int			 retries;
	unsigned		 retry_ms;
	unsigned		 timeout_ms;
	unsigned		 batch_ms;	/* UNSET_MS: the type's */
	void			*tconf;
	int			 line;
};

struct mon_alerts {
	struct sink_conf	 *sinks;
	size_t			  nsinks;
	struct policy		 *svc_ovr;	/* per service */
	struct policy		**real_ovr;	/* per service, per real */
	size_t			  nsvcs;
};

#define PO(f)	offsetof(struct sink_conf, pol.f)
#define SO(f)	offsetof(struct sink_conf, f)

static const struct mon_directive common_directives[] = {
	{ .key = "type", .type = MON_D_OTHER },
	{ .key = "name", .type = MON_D_STRING, .offset = SO(name) },
	{ .key = "alertafter", .type = MON_D_INT, .offset = PO(alertafter),
	  .min = 1, .max = 10000, .ndef = 1 },
	{ .key = "alertafter_window", .type = MON_D_MS,
	  .offset = PO(window_ms), .min = 0, .max = 86400000, .ndef = 0 },
	{ .key = "alertevery", .type = MON_D_MS, .offset = PO(every_ms),
	  .min = 0, .max = 86400000 * 7LL, .ndef = 0 },
	{ .key = "numalerts", .type = MON_D_INT, .offset = PO(numalerts),
	  .min = 0, .max = 1000000, .ndef = 0 },
	{ .key = "upalert", .type = MON_D_BOOL, .offset = PO(upalert),
	  .ndef = 1 },
	{ .key = "period", .type = MON_D_CUSTOM, .offset = PO(period),
	  .set = set_period, .release = release_period },
	{ .key = "flap_changes", .type = MON_D_INT, .offset = PO(flap_changes),
	  .min = 0, .max = 1000, .ndef = 5 },
	{ .key = "flap_window", .type = MON_D_MS, .offset = PO(flap_ms),
	  .min = 1000, .max = 86400000, .ndef = 300000 },
	{ .key = "services", .type = MON_D_OTHER },
	{ .key = "events", .type = MON_D_OTHER },
	{ .key = "severity", .type = MON_D_ENUM, .offset = SO(min_sev),
	  .enums = mon_alert_severity_names, .ndef = MON_SEV_INFO },
	{ .key = "queue", .type = MON_D_INT, .offset = SO(queue),
	  .min = 1, .max = 1000000, .ndef = 256 },
	{ .key = "retries", .type = MON_D_INT, .offset = SO(retries),
	  .min = 0, .max = 100, .ndef = 3 },
	{ .key = "retry_delay", .type = MON_D_MS, .offset = SO(retry_ms),
	  .min = 10, .max = 3600000, .ndef = 1000 },
	{ .key = "timeout", .type = MON_D_MS, .offset = SO(timeout_ms),
	  .min = 10, .max = 600000, .ndef = 10000 },
	{ .key = "batch", .type = MON_D_MS, .offset = SO(batch_ms),
	  .min = 0, .max = 600000, .ndef = (long long)UNSET_MS },
	{ .key = NULL }
};

#define OO(f)	offsetof(struct policy, f)

/* The same keys in a service or real block: unset unless given. */
static const struct mon_directive override_directives[] = {
	{ .key = "alertafter", .type = MON_D_INT, .offset = OO(alertafter),
	  .min = 1, .max = 10000, .ndef = -1 },
	{ .key = "alertafter_window", .type = MON_D_MS,
	  .offset = OO(window_ms), .min = 0, .max = 86400000,
	  .ndef = (long long)UNSET_MS },
	{ .key = "alertevery", .type = MON_D_MS, .offset = OO(every_ms),
	  .min = 0, .max = 86400000 * 7LL, .ndef = (long long)UNSET_MS },
	{ .key = "numalerts", .type = MON_D_INT, .offset = OO(numalerts),
	  .min = 0, .max = 1000000, .ndef = -1 },
	{ .key = "upalert", .type = MON_D_BOOL, .offset = OO(upalert),
	  .ndef = -1 },
	{ .key = "period", .type = MON_D_CUSTOM, .offset = OO(period),
	  .set = set_period, .release = release_period },
	{ .key = "flap_changes", .type = MON_D_INT, .offset = OO(flap_changes),
	  .min = 0, .max = 1000, .ndef = -1 },
	{ .key = "flap_window", .type = MON_D_MS, .offset = OO(flap_ms),
	  .min = 1000, .max = 86400000, .ndef = (long long)UNSET_MS },
	{ .key = NULL }
};

/* own's rows, then other's as known keys read elsewhere (MON_D_OTHER). */
static struct mon_directive *
dirs_join(const struct mon_directive *own, const struct mon_directive *other)
{
	size_t			 n = 0, m = 0;
	struct mon_directive	*d;

	while (own != NULL && own[n].key != NULL)
		n++;
	while (other != NULL && other[m].key != NULL)
		m++;
	if ((d = calloc(n + m + 1, sizeof(*d))) == NULL)
		return NULL;
	if (n > 0)
		memcpy(d, own, n * sizeof(*d));
	for (size_t i = 0; i < m; i++) {
		d[n + i].key = other[i].key;
		d[n + i].type = MON_D_OTHER;
	}
	return d;
}

static void
sink_conf_release(struct sink_conf *sc)
{
	mon_directives_release(common_directives, sc);
	if (sc->tconf != NULL && sc->type != NULL) {
		if (sc->type->release != NULL)
			sc->type->release(sc->tconf);
		mon_directives_release(sc->type->directives, sc->tconf);
	}
	free(sc->tconf);
	for (size_t i = 0; i < sc->nservices; i++)
		free(sc->services[i]);
	free(sc->services);
}

void
mon_alerts_free(struct mon_alerts *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->nsinks; i++)
		sink_conf_release(&a->sinks[i]);
	free(a->sinks);
	for (size_t i = 0; i < a->nsvcs; i++) {
		mon_directives_release(override_directives, &a->svc_ovr[i]);
		free(a->real_ovr[i]);	/* periods: see load_overrides */
	}
	free(a->svc_ovr);
	free(a->real_ovr);
	free(a);
}

/* A list of strings (`services`, `events`) of a sink. */
static int
read_strings(const config_setting_t *cs, const char *key, const char *where,
    char ***out, size_t *nout, struct err *e)
{
	const config_setting_t	*s = config_setting_get_member(cs, key);
	int			 n;

	*out = NULL;
	*nout = 0;
	if (s == NULL)
		return 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return mon_conf_err(e, s, where, key,
		    "expected a list of strings [\"a\", \"b\"]");
	n = config_setting_length(s);
	if ((*out = calloc((size_t)n + 1, sizeof(char *))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	for (int i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(s,
		    (unsigned)i);

		if (config_setting_type(el) != CONFIG_TYPE_STRING)
			return mon_conf_err(e, el, where, key,
			    "expected a list of strings [\"a\", \"b\"]");
		if (((*out)[i] = strdup(config_setting_get_string(el))) ==
		    NULL)
			return err_set(e, -ENOMEM, "out of memory");
		(*nout)++;
	}
	return 0;
}

static int
load_sink(struct mon_model *m, struct sink_conf *sc,
    const config_setting_t *cs, int idx, struct err *e)
{
	const config_setting_t	*ts;
	const char		*tname;
	char			 where[96], list[128] = "";
	struct mon_directive	*d1 = NULL, *d2 = NULL;
	char			**evs = NULL;
	size_t			 nevs = 0;
	int			 rc;

	snprintf(where, sizeof(where), "alerts #%d", idx + 1);
	sc->line = (int)config_setting_source_line(cs);
	if (config_setting_type(cs) != CONFIG_TYPE_GROUP)
		return mon_conf_err(e, cs, where, NULL,
		    "expected a group { type = \"exec\"; ... }");
	for (size_t i = 0; mon_alert_types[i] != NULL; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s%s", i ? ", " : "", mon_alert_types[i]->name);
	ts = config_setting_get_member(cs, "type");
	if (ts == NULL || config_setting_type(ts) != CONFIG_TYPE_STRING)
		return mon_conf_err(e, ts ? ts : cs, where, "type",
		    "is required: a string, one of %s", list);
	tname = config_setting_get_string(ts);
	for (size_t i = 0; mon_alert_types[i] != NULL; i++)
		if (strcmp(mon_alert_types[i]->name, tname) == 0)
			sc->type = mon_alert_types[i];
	if (sc->type == NULL)
		return mon_conf_err(e, ts, where, "type",
		    "unknown sink \"%s\" (one of %s)", tname, list);
	snprintf(where, sizeof(where), "alerts #%d (%s)", idx + 1, tname);
	if (sc->type == &mon_alert_snmp && m->global.snmp_agentx == NULL)
		return mon_conf_err(e, ts, where, "type", "needs the SNMP "
		    "subagent: global.snmp = { agentx = \"...\"; }");

	if ((sc->tconf = calloc(1, sc->type->conf_size ?
	    sc->type->conf_size : 1)) == NULL ||
	    (d1 = dirs_join(common_directives, sc->type->directives)) ==
	    NULL ||
	    (d2 = dirs_join(sc->type->directives, common_directives)) ==
	    NULL) {
		rc = err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = mon_directives_apply_group(d1, sc, cs, where, e)) < 0 ||
	    (rc = mon_directives_apply_group(d2, sc->tconf, cs, where, e)) <
	    0)
		goto out;
	if (sc->batch_ms == UNSET_MS)
		sc->batch_ms = sc->type->batch_ms;
	if ((unsigned)sc->queue <= sc->type->batch_max)
		sc->queue = (int)sc->type->batch_max + 1;

	if ((rc = read_strings(cs, "services", where, &sc->services,
	    &sc->nservices, e)) < 0)
		goto out;
	for (size_t i = 0; i < sc->nservices; i++)
		if (mon_model_service(m, sc->services[i]) == NULL) {
			rc = mon_conf_err(e, config_setting_get_member(cs,
			    "services"), where, "services", "no service "
			    "named \"%s\"", sc->services[i]);
			goto out;
		}
	if ((rc = read_strings(cs, "events", where, &evs, &nevs, e)) < 0)
		goto out;
	sc->evmask = evs == NULL ? EVF_ALL : 0;
	for (size_t i = 0; i < nevs; i++) {
		size_t j;

		for (j = 0; evf_names[j] != NULL; j++)
			if (strcmp(evs[i], evf_names[j]) == 0)
				break;
		if (evf_names[j] == NULL) {
			rc = mon_conf_err(e, config_setting_get_member(cs,
			    "events"), where, "events", "unknown \"%s\" (any "
			    "of real, quorum, backend, flapping, director, "
			    "peer)", evs[i]);
			goto out;
		}
		sc->evmask |= 1u << j;
	}
	if (sc->type->configure != NULL &&
	    (rc = sc->type->configure(sc->tconf, cs, e)) < 0) {
		char msg[sizeof(e->msg)];

		memcpy(msg, e->msg, sizeof(msg));
		rc = mon_conf_err(e, cs, where, NULL, "%s", msg);
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < nevs; i++)
		free(evs[i]);
	free(evs);
	free(d1);
	free(d2);
	return rc;
}

static int
load_overrides(struct mon_model *m, struct mon_alerts *a,
    const config_setting_t *root, const struct mon_directive *svc_dirs,
    const struct mon_directive *real_dirs, struct err *e)
{
	const config_setting_t	*svcs = config_setting_get_member(root,
				    "services");
	struct mon_directive	*ds = NULL, *dr = NULL;
	char			 where[256];
	int			 rc = 0;

	a->nsvcs = m->nsvcs;
	if (m->nsvcs == 0)
		return 0;
	if ((a->svc_ovr = calloc(m->nsvcs, sizeof(*a->svc_ovr))) == NULL ||
	    (a->real_ovr = calloc(m->nsvcs, sizeof(*a->real_ovr))) == NULL ||
	    (ds = dirs_join(override_directives, svc_dirs)) == NULL ||
	    (dr = dirs_join(override_directives, real_dirs)) == NULL) {
		a->nsvcs = a->svc_ovr == NULL ? 0 : m->nsvcs;
		rc = err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m->nsvcs; i++) {
		const config_setting_t	*ss, *rl;
		struct mon_service	*svc = &m->svcs[i];

		ss = config_setting_get_elem(svcs, (unsigned)i);
		rl = config_setting_get_member(ss, "real_servers");
		snprintf(where, sizeof(where), "service %s", svc->name);
		if ((rc = mon_directives_apply_group(ds, &a->svc_ovr[i], ss,
		    where, e)) < 0)
			goto out;
		if ((a->real_ovr[i] = calloc(svc->nreals ? svc->nreals : 1,
		    sizeof(struct policy))) == NULL) {
			rc = err_set(e, -ENOMEM, "out of memory");
			goto out;
		}
		for (size_t j = 0; j < svc->nreals; j++) {
			struct policy *p = &a->real_ovr[i][j];

			snprintf(where, sizeof(where), "service %s: real %s",
			    svc->name, svc->reals[j].key);
			rc = mon_directives_apply_group(dr, p,
			    config_setting_get_elem(rl, (unsigned)j), where,
			    e);
			/* a real's period would need its own free: keep the
			   override keys simple, say so */
			if (rc == 0 && p->period != NULL) {
				mon_alert_period_free(p->period);
				p->period = NULL;
				rc = mon_conf_err(e, config_setting_get_member(
				    config_setting_get_elem(rl, (unsigned)j),
				    "period"), where, "period", "is set per "
				    "service or per alerts entry, not per "
				    "real");
			}
			if (rc < 0)
				goto out;
		}
	}
out:
	free(ds);
	free(dr);
	return rc;
}

int
mon_alerts_load(struct mon_model *m, const config_setting_t *root,
    const struct mon_directive *svc_dirs,
    const struct mon_directive *real_dirs, struct err *e)
{
	const config_setting_t	*list = config_setting_get_member(root,
				    "alerts");
	struct mon_alerts	*a;
	int			 rc;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	m->alerts = a;		/* freed with the model, even half-built */
	if (list != NULL && !config_setting_is_list(list))
		return mon_conf_err(e, list, NULL, "alerts",
		    "expected a list ( { type = \"exec\"; ... }, ... )");
	a->nsinks = list ? (size_t)config_setting_length(list) : 0;
	if (a->nsinks > 0 &&
	    (a->sinks = calloc(a->nsinks, sizeof(*a->sinks))) == NULL) {
		a->nsinks = 0;
		return err_set(e, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < a->nsinks; i++)
		if ((rc = load_sink(m, &a->sinks[i], config_setting_get_elem(
		    list, (unsigned)i), (int)i, e)) < 0)
			return rc;
	return load_overrides(m, a, root, svc_dirs, real_dirs, e);
}

int
mon_alerts_has(const struct mon_alerts *a, const char *type)
{
	for (size_t i = 0; a != NULL && i < a->nsinks; i++)
		if (a->sinks[i].type != NULL &&
		    strcmp(a->sinks[i].type->name, type) == 0)
			return 1;
	return 0;
}

/* ---- runtime ---------------------------------------------------------- */

struct sink;

/* What one sink knows about one subject. */
struct subj {
	struct sink		*sink;
	size_t			 idx;
	enum mon_alert_what	 what;
	int			 on;		/* passes the service filter */
	struct policy		 pol;		/* resolved */
	unsigned		 fails;		/* consecutive failed checks */
	uint64_t		*fail_ms;	/* window mode: ring of the
						   last alertafter failures */
	unsigned		 nfail_ms;
	struct timespec		 since;		/* first failure (realtime) */
	int			 failed;	/* quorum/backend: failing */
	int			 firing;	/* a down alarm went out */
	int			 held;		/* due, but outside period */
	unsigned		 sent;		/* alarms of this failure */
	int			 flapping;
	uint64_t		*flips;		/* ring of flap_changes + 1 */
	unsigned		 nflips;
	uint64_t		 last_flip;
	char			 msg[160];	/* quorum/backend detail */
	char			 key[64];	/* peer: its address */
	int			 role;		/* director: enum mon_ha_role
						   now; peer: 1 alive */
	struct event		*ev_repeat;
	struct event		*ev_flap;
};

struct sink {
	struct mon_alert_sink	 pub;
	struct sink_conf	*sc;
	struct subj		*subj;
	size_t			 nsubj;
	struct subj		*dir;		/* this director's role */
	struct subj		**peers;	/* one per peer address */
	size_t			 npeers;
	struct mon_alert	**q;		/* ring */
	size_t			 qcap, qhead, qlen;
	size_t			 inflight;	/* first n of q */
	const struct mon_alert	**batch;
	int			 busy;
	unsigned		 attempt;
	struct event		*ev_kick;	/* batch wait, backoff */
	struct event		*ev_deadline;
	char			 namebuf[48];
	/* counters (show) */
	uint64_t		 n_queued, n_sent, n_failed, n_dead,
				 n_dropped, n_held;
	char			 last_error[128];
};

static struct {
	struct mon_model	*m;
	struct event_base	*base;
	struct sink		*sinks;
	size_t			 nsinks;
	size_t			*svc_off;	/* first real index of svc i */
	size_t			 nreals;
	uint64_t		 next_id;
	int			 subscribed;
} al;

static uint64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
arm_ms(struct event *ev, unsigned ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

static int
in_period(const struct policy *p)
{
	time_t		now = time(NULL);
	struct tm	tm;

	if (p->period == NULL)
		return 1;
	localtime_r(&now, &tm);
	return mon_alert_period_match(p->period, &tm);
}

/* Resolve: the sink's values, then the service's, then the real's. */
static void
resolve(struct policy *dst, const struct policy *o)
{
	if (o == NULL)
		return;
	if (o->alertafter >= 0)
		dst->alertafter = o->alertafter;
	if (o->window_ms != UNSET_MS)
		dst->window_ms = o->window_ms;
	if (o->every_ms != UNSET_MS)
		dst->every_ms = o->every_ms;
	if (o->numalerts >= 0)
		dst->numalerts = o->numalerts;
	if (o->upalert >= 0)
		dst->upalert = o->upalert;
	if (o->period != NULL)
		dst->period = o->period;
	if (o->flap_changes >= 0)
		dst->flap_changes = o->flap_changes;
	if (o->flap_ms != UNSET_MS)
		dst->flap_ms = o->flap_ms;
}

/* ---- the queue and delivery ------------------------------------------ */

static void	kick(struct sink *k, unsigned delay_ms);

static struct mon_alert *
q_at(struct sink *k, size_t i)
{
	return k->q[(k->qhead + i) % k->qcap];
}

static void
q_pop(struct sink *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(k->q[k->qhead]);
		k->q[k->qhead] = NULL;
		k->qhead = (k->qhead + 1) % k->qcap;
	}
	k->qlen -= n;
}

static void
enqueue(struct sink *k, struct mon_alert *a)
{
	if (k->qlen == k->qcap) {
		/* drop the oldest alarm not being delivered: the newest
		   says most about now */
		size_t	i = k->inflight;
		size_t	at = (k->qhead + i) % k->qcap;

		if (k->n_dropped++ % 100 == 0)
			mon_warn("alerts: %s: queue full (%zu), dropping the "
			    "oldest waiting alarm (%llu dropped so far)",
			    k->pub.name, k->qcap,
			    (unsigned long long)k->n_dropped);
		free(k->q[at]);
		/* close the gap: shift the later ones down by one */
		for (size_t j = i; j + 1 < k->qlen; j++)
			k->q[(k->qhead + j) % k->qcap] =
			    k->q[(k->qhead + j + 1) % k->qcap];
		k->qlen--;
	}
	k->q[(k->qhead + k->qlen) % k->qcap] = a;
	k->qlen++;
	k->n_queued++;
	mon_debug("alerts: %s: queued #%llu %s %s %s/%s", k->pub.name,
	    (unsigned long long)a->id, a->name, mon_alert_kind_names[a->kind],
	    a->service, a->server);
	kick(k, k->sc->batch_ms);
}

static void
start_delivery(struct sink *k)
{
	size_t	n;
	int	rc;

	if (k->busy || k->qlen == 0)
		return;
	n = k->qlen < k->pub.type->batch_max ? k->qlen :
	    k->pub.type->batch_max;
	for (size_t i = 0; i < n; i++)
		k->batch[i] = q_at(k, i);
	k->inflight = n;
	k->busy = 1;
	arm_ms(k->ev_deadline, k->sc->timeout_ms);
	rc = k->pub.type->deliver(&k->pub, k->batch, n);
	if (rc < 0 && k->busy) {
		char why[96];

		snprintf(why, sizeof(why), "%s", strerror(-rc));
		mon_alert_done(&k->pub, 0, why);
	}
}

static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	start_delivery(arg);
}

static void
kick(struct sink *k, unsigned delay_ms)
{
	if (k->busy || k->qlen == 0 || evtimer_pending(k->ev_kick, NULL))
		return;
	arm_ms(k->ev_kick, delay_ms);
}

void
mon_alert_done(struct mon_alert_sink *s, int ok, const char *why)
{
	struct sink	*k = (struct sink *)s;
	size_t		 n = k->inflight;

	if (!k->busy)
		return;
	k->busy = 0;
	evtimer_del(k->ev_deadline);
	if (ok) {
		k->n_sent += n;
		k->attempt = 0;
		q_pop(k, n);
		k->inflight = 0;
		mon_debug("alerts: %s: delivered %zu", s->name, n);
		kick(k, k->sc->batch_ms);
		return;
	}
	k->n_failed++;
	snprintf(k->last_error, sizeof(k->last_error), "%s",
	    why ? why : "failed");
	if (k->attempt < (unsigned)k->sc->retries) {
		uint64_t d = (uint64_t)k->sc->retry_ms << k->attempt;

		if (d > BACKOFF_MAX_MS)
			d = BACKOFF_MAX_MS;
		k->attempt++;
		mon_warn("alerts: %s: delivery of %zu failed: %s; retry %u/%d "
		    "in %llu ms", s->name, n, k->last_error, k->attempt,
		    k->sc->retries, (unsigned long long)d);
		k->inflight = 0;
		arm_ms(k->ev_kick, (unsigned)d);
		return;
	}
	k->n_dead += n;
	mon_error("alerts: %s: %zu alarms are dead letters after %d "
	    "attempts: %s (%llu dead so far)", s->name, n, k->sc->retries + 1,
	    k->last_error, (unsigned long long)k->n_dead);
	q_pop(k, n);
	k->inflight = 0;
	k->attempt = 0;
	kick(k, 0);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct sink	*k = arg;
	char		 why[64];

	(void)fd;
	(void)what;
	if (!k->busy)
		return;
	k->pub.type->cancel(&k->pub);
	snprintf(why, sizeof(why), "no answer within %u ms",
	    k->sc->timeout_ms);
	mon_alert_done(&k->pub, 0, why);
}

/* ---- building alarms -------------------------------------------------- */

static const char *const alert_names[MON_ALERT_WHAT__COUNT][2] = {
	[MON_ALERT_REAL]	= { "LvsmonRealDown", "LvsmonRealFlapping" },
	[MON_ALERT_QUORUM]	= { "LvsmonQuorumLost", "LvsmonQuorumLost" },
	[MON_ALERT_BACKEND]	= { "LvsmonBackendError",
				    "LvsmonBackendError" },
	[MON_ALERT_DIRECTOR]	= { "LvsmonDirectorFault",
				    "LvsmonDirectorFault" },
	[MON_ALERT_PEER]	= { "LvsmonPeerDead", "LvsmonPeerDead" },
	[MON_ALERT_ROUTE]	= { "LvsmonRouteWithdrawn",
				    "LvsmonRouteWithdrawn" },
};

static const char *
role_name(int64_t r)
{
	return r >= 0 && r < MON_HA__COUNT ? mon_ha_role_names[r] : "unknown";
}

/* A failure's severity; a notice is only news. */
static enum mon_alert_severity
severity(const struct subj *s, enum mon_alert_kind kind)
{
	if (kind == MON_ALERT_NOTICE)
		return MON_SEV_INFO;
	/* a withdrawn route: the other directors serve on */
	return s->what == MON_ALERT_REAL || s->what == MON_ALERT_PEER ||
	    s->what == MON_ALERT_ROUTE ? MON_SEV_WARNING : MON_SEV_CRITICAL;
}

static const struct mon_real *
subj_real(const struct subj *s)
{
	size_t	i;

	if (s->what != MON_ALERT_REAL)
		return NULL;
	for (i = 0; i + 1 < al.m->nsvcs && al.svc_off[i + 1] <= s->idx; i++)
		;
	return &al.m->svcs[i].reals[s->idx - al.svc_off[i]];
}

static const struct mon_service *
subj_svc(const struct subj *s)
{
	const struct mon_real *rs = subj_real(s);

	if (rs != NULL)
		return rs->svc;
	if (s->what == MON_ALERT_QUORUM)
		return &al.m->svcs[s->idx - al.nreals];
	if (s->what == MON_ALERT_ROUTE)
		return &al.m->svcs[s->idx - al.nreals - al.m->nsvcs];
	return NULL;
}

static void
summarize(struct mon_alert *a)
{
	char		 t[40];
	const char	*sep = a->msg[0] ? ": " : "";

	mon_rfc3339(&a->since, t, sizeof(t));
	switch (a->what) {
	case MON_ALERT_REAL:
		if (a->kind == MON_ALERT_FLAP)
			snprintf(a->summary, sizeof(a->summary), "%s/%s "
			    "flapping: %s", a->service, a->server, a->msg);
		else if (a->kind == MON_ALERT_FLAP_END)
			snprintf(a->summary, sizeof(a->summary), "%s/%s "
			    "stable again (%s)", a->service, a->server,
			    a->state);
		else if (a->kind == MON_ALERT_REPEAT)
			snprintf(a->summary, sizeof(a->summary), "%s/%s still "
			    "%s since %s%s%s", a->service, a->server,
			    a->state, t, sep, a->msg);
		else
			snprintf(a->summary, sizeof(a->summary), "%s/%s %s%s%s",
			    a->service, a->server, a->state, sep, a->msg);
		break;
	case MON_ALERT_QUORUM:
		snprintf(a->summary, sizeof(a->summary), "%s quorum %s%s%s",
		    a->service, a->state, sep, a->msg);
		break;
	case MON_ALERT_DIRECTOR:
		/* msg is "old -> new: reason" */
		if (a->kind == MON_ALERT_REPEAT)
			snprintf(a->summary, sizeof(a->summary), "director "
			    "still %s since %s%s%s", a->state, t, sep,
			    a->msg);
		else
			snprintf(a->summary, sizeof(a->summary), "director "
			    "%s", a->msg);
		break;
	case MON_ALERT_PEER:
		if (a->kind == MON_ALERT_REPEAT)
			snprintf(a->summary, sizeof(a->summary), "peer %s "
			    "still %s since %s%s%s", a->server, a->state, t,
			    sep, a->msg);
		else
			snprintf(a->summary, sizeof(a->summary), "peer %s "
			    "%s%s%s", a->server, a->state, sep, a->msg);
		break;
	case MON_ALERT_ROUTE:
		snprintf(a->summary, sizeof(a->summary), "%s route %s%s%s",
		    a->service, a->state, sep, a->msg);
		break;
	default:
		snprintf(a->summary, sizeof(a->summary), "packet core %s%s%s",
		    a->state, sep, a->msg);
		break;
	}
}

static struct mon_alert *
build(struct subj *s, enum mon_alert_kind kind, uint64_t seq)
{
	struct mon_alert		*a = calloc(1, sizeof(*a));
	const struct mon_real		*rs = subj_real(s);
	const struct mon_service	*svc = subj_svc(s);
	int				 flap = kind == MON_ALERT_FLAP ||
					    kind == MON_ALERT_FLAP_END;

	if (a == NULL)
		return NULL;
	a->id = ++al.next_id;
	a->seq = seq;
	a->kind = kind;
	a->what = s->what;
	a->severity = severity(s, kind);
	clock_gettime(CLOCK_REALTIME, &a->time);
	a->since = s->since.tv_sec ? s->since : a->time;
	snprintf(a->name, sizeof(a->name), "%s", kind == MON_ALERT_NOTICE ?
	    "LvsmonDirectorRole" : alert_names[s->what][flap]);
	if (svc != NULL)
		snprintf(a->service, sizeof(a->service), "%s", svc->name);
	a->failures = s->fails;
	a->count = kind == MON_ALERT_DOWN || kind == MON_ALERT_REPEAT ?
	    s->sent + 1 : s->sent;
	if (rs != NULL) {
		snprintf(a->server, sizeof(a->server), "%s", rs->key);
		snprintf(a->check, sizeof(a->check), "%s",
		    rs->probe ? rs->probe->type->name : "none");
		snprintf(a->state, sizeof(a->state), "%s",
		    mon_rs_state_names[rs->state]);
		snprintf(a->reason, sizeof(a->reason), "%s",
		    chk_reasons[rs->last_reason].code);
		snprintf(a->msg, sizeof(a->msg), "%s", flap ? s->msg :
		    rs->last_msg);
		/* an alarm about a failure says "down" even while the
		   state machine still counts (alertafter < fall) */
		if ((kind == MON_ALERT_DOWN || kind == MON_ALERT_REPEAT) &&
		    rs->state != MON_RS_DOWN)
			snprintf(a->state, sizeof(a->state), "failing");
		if (kind == MON_ALERT_FLAP)
			snprintf(a->state, sizeof(a->state), "flapping");
	} else if (s->what == MON_ALERT_DIRECTOR ||
	    s->what == MON_ALERT_PEER) {
		snprintf(a->check, sizeof(a->check), "%s",
		    mon_alert_what_names[s->what]);
		if (s->what == MON_ALERT_PEER) {
			snprintf(a->server, sizeof(a->server), "%s", s->key);
			snprintf(a->state, sizeof(a->state), "%s",
			    kind == MON_ALERT_UP ? "alive" : "dead");
		} else
			snprintf(a->state, sizeof(a->state), "%s",
			    role_name(s->role));
		snprintf(a->msg, sizeof(a->msg), "%s", s->msg);
	} else {
		int up = kind == MON_ALERT_UP;

		snprintf(a->check, sizeof(a->check), "%s",
		    mon_alert_what_names[s->what]);
		snprintf(a->state, sizeof(a->state), "%s", s->what ==
		    MON_ALERT_QUORUM ? (up ? "ok" : "lost") : s->what ==
		    MON_ALERT_ROUTE ? (up ? "announced" : "withdrawn") :
		    (up ? "ok" : "failed"));
		snprintf(a->msg, sizeof(a->msg), "%s", s->msg);
	}
	summarize(a);
	return a;
}

/* Does the sink's filter let this alarm through? */
static int
wanted(const struct subj *s, enum mon_alert_kind kind)
{
	const struct sink_conf	*sc = s->sink->sc;
	static const unsigned	 bits[MON_ALERT_WHAT__COUNT] = {
		[MON_ALERT_REAL] = EVF_REAL, [MON_ALERT_QUORUM] = EVF_QUORUM,
		[MON_ALERT_BACKEND] = EVF_BACKEND,
		[MON_ALERT_DIRECTOR] = EVF_DIRECTOR,
		[MON_ALERT_PEER] = EVF_PEER, [MON_ALERT_ROUTE] = EVF_ROUTE,
	};
	unsigned		 bit = bits[s->what];

	if (kind == MON_ALERT_FLAP || kind == MON_ALERT_FLAP_END)
		bit = EVF_FLAPPING;
	return s->on && (sc->evmask & bit) &&
	    (int)severity(s, kind) >= sc->min_sev;
}

static void
emit(struct subj *s, enum mon_alert_kind kind, uint64_t seq)
{
	struct mon_alert	*a;

	if (!wanted(s, kind))
		return;
	if ((a = build(s, kind, seq)) == NULL) {
		s->sink->n_dropped++;
		mon_error("alerts: %s: out of memory, alarm dropped",
		    s->sink->pub.name);
		return;
	}
	mon_info("alerts: %s: %s %s: %s", s->sink->pub.name, a->name,
	    mon_alert_kind_names[kind], a->summary);
	enqueue(s->sink, a);
}

/* ---- the policy ------------------------------------------------------- */

static void
repeat_arm(struct subj *s)
{
	if (s->pol.every_ms == 0 ||
	    (s->pol.numalerts > 0 && s->sent >= (unsigned)s->pol.numalerts))
		return;
	arm_ms(s->ev_repeat, s->pol.every_ms);
}

/* Failure is due: send the first alarm unless something holds it. */
static void
fire(struct subj *s, uint64_t seq)
{
	const struct mon_real *rs = subj_real(s);

	if (s->firing || s->flapping)
		return;
	if (rs != NULL && rs->admin != MON_ADMIN_ENABLED)
		return;		/* an operator took it out: no news */
	if (!in_period(&s->pol)) {
		if (!s->held)
			s->sink->n_held++;
		s->held = 1;
		/* quorum and backend have no next check to try again */
		if (!evtimer_pending(s->ev_repeat, NULL))
			arm_ms(s->ev_repeat, HOLD_RETRY_MS);
		return;
	}
	s->held = 0;
	emit(s, MON_ALERT_DOWN, seq);
	s->firing = 1;
	s->sent = 1;
	evtimer_del(s->ev_repeat);
	repeat_arm(s);
}

/* What failed is fine again. */
static void
recover(struct subj *s, uint64_t seq)
{
	evtimer_del(s->ev_repeat);
	if (s->firing && s->pol.upalert && in_period(&s->pol))
		emit(s, MON_ALERT_UP, seq);
	s->firing = 0;
	s->held = 0;
	s->sent = 0;
	s->fails = 0;
	s->nfail_ms = 0;
	s->failed = 0;
	memset(&s->since, 0, sizeof(s->since));
}

static void
on_repeat(evutil_socket_t fd, short what, void *arg)
{
	struct subj	*s = arg;

	(void)fd;
	(void)what;
	if (s->held && !s->firing) {
		/* a held alarm: still failing? */
		const struct mon_real *rs = subj_real(s);

		s->held = 0;
		if ((rs != NULL && rs->state != MON_RS_UP) ||
		    (rs == NULL && s->failed))
			fire(s, 0);
		return;
	}
	if (!s->firing || s->flapping)
		return;
	if (in_period(&s->pol)) {
		emit(s, MON_ALERT_REPEAT, 0);
		s->sent++;
	}
	repeat_arm(s);
}

/* Window mode: remember when this failure happened. */
static void
note_failure(struct subj *s, uint64_t now)
{
	if (s->fail_ms == NULL)
		return;
	s->fail_ms[s->nfail_ms % (unsigned)s->pol.alertafter] = now;
	s->nfail_ms++;
}

/* alertafter reached (consecutive, or within the window)? */
static int
failures_due(const struct subj *s, uint64_t now)
{
	unsigned n = (unsigned)s->pol.alertafter;

	if (s->pol.window_ms == 0 || s->fail_ms == NULL)
		return s->fails >= n;
	/* the oldest of the last n failures is within the window */
	return s->nfail_ms >= n &&
	    now - s->fail_ms[(s->nfail_ms - n) % n] <= s->pol.window_ms;
}

static void
on_check(struct subj *s, const struct mon_event *ev)
{
	uint64_t	now = mono_ms();

	if (ev->new) {
		s->fails = 0;
		return;
	}
	if (s->fails++ == 0 && !s->firing)
		clock_gettime(CLOCK_REALTIME, &s->since);
	note_failure(s, now);
	if (failures_due(s, now))
		fire(s, ev->seq);
}

static int
serving(int64_t state)
{
	return state == MON_RS_UP || state == MON_RS_FALLING;
}

static void
on_flap_timer(evutil_socket_t fd, short what, void *arg)
{
	struct subj		*s = arg;
	uint64_t		 now = mono_ms();
	const struct mon_real	*rs = subj_real(s);

	(void)fd;
	(void)what;
	if (!s->flapping)
		return;
	if (now < s->last_flip + s->pol.flap_ms) {
		arm_ms(s->ev_flap, (unsigned)(s->last_flip + s->pol.flap_ms -
		    now));
		return;
	}
	/* quiet for a whole window: no longer flapping */
	s->flapping = 0;
	s->nflips = 0;
	if (s->pol.upalert && in_period(&s->pol))
		emit(s, MON_ALERT_FLAP_END, 0);
	if (serving(rs->state)) {
		if (s->firing)
			recover(s, 0);
	} else if (s->firing)
		repeat_arm(s);
	else if (failures_due(s, now))
		fire(s, 0);
}

static void
on_state(struct subj *s, const struct mon_event *ev)
{
	uint64_t	now = mono_ms();
	unsigned	k = (unsigned)s->pol.flap_changes;

	if (k > 0 && serving(ev->old) != serving(ev->new)) {
		s->flips[s->nflips % (k + 1)] = now;
		s->nflips++;
		s->last_flip = now;
		if (!s->flapping && s->nflips > k &&
		    now - s->flips[(s->nflips - k - 1) % (k + 1)] <=
		    s->pol.flap_ms) {
			s->flapping = 1;
			snprintf(s->msg, sizeof(s->msg), "%u up/down changes "
			    "within %u s", k + 1, s->pol.flap_ms / 1000);
			evtimer_del(s->ev_repeat);
			emit(s, MON_ALERT_FLAP, ev->seq);
			arm_ms(s->ev_flap, s->pol.flap_ms);
		}
	}
	if (ev->new == MON_RS_UP && !s->flapping)
		recover(s, ev->seq);
}

static void	reload(void);
static struct subj *peer_subj(struct sink *k, const char *addr, size_t len);

/*
 * This director's role changed: FAULT is a failure of the director
 * subject, leaving it the recovery; any other change is a notice (the
 * recovery stands for it when it goes out).
 */
static void
on_role(struct subj *s, const struct mon_event *ev)
{
	int	upsent;

	s->role = (int)ev->new;
	snprintf(s->msg, sizeof(s->msg), "%s -> %s: %s", role_name(ev->old),
	    role_name(ev->new), ev->msg);
	if (ev->new == MON_HA_FAULT) {
		if (!s->failed)
			clock_gettime(CLOCK_REALTIME, &s->since);
		s->failed = 1;
		fire(s, ev->seq);
		return;
	}
	upsent = s->firing && s->pol.upalert && in_period(&s->pol);
	if (s->failed)
		recover(s, ev->seq);
	if (!upsent && in_period(&s->pol))
		emit(s, MON_ALERT_NOTICE, ev->seq);
}

/* A peer went silent (failure) or was heard again (recovery); msg is
 * "ADDRESS: why" (an IPv6 address has no ": " in it). */
static void
on_peer(struct sink *k, const struct mon_event *ev)
{
	const char	*why = strstr(ev->msg, ": ");
	size_t		 len = why ? (size_t)(why - ev->msg) : strlen(ev->msg);
	struct subj	*s = peer_subj(k, ev->msg, len);

	if (s == NULL)
		return;
	snprintf(s->msg, sizeof(s->msg), "%s", why ? why + 2 : "");
	s->role = ev->new != 0;
	if (ev->new == 0) {
		if (!s->failed)
			clock_gettime(CLOCK_REALTIME, &s->since);
		s->failed = 1;
		fire(s, ev->seq);
	} else if (s->failed)
		recover(s, ev->seq);
}

static void
on_event(const struct mon_event *ev, void *arg)
{
	(void)arg;
	if (ev->type == MON_EV_RELOAD) {
		reload();
		return;
	}
	for (size_t i = 0; i < al.nsinks; i++) {
		struct sink	*k = &al.sinks[i];
		struct subj	*s;

		switch (ev->type) {
		case MON_EV_CHECK:
		case MON_EV_STATE:
			if (ev->rs == NULL)
				break;
			s = &k->subj[al.svc_off[ev->rs->svc - al.m->svcs] +
			    (size_t)(ev->rs - ev->rs->svc->reals)];
			if (ev->type == MON_EV_CHECK)
				on_check(s, ev);
			else
				on_state(s, ev);
			break;
		case MON_EV_QUORUM:
			s = &k->subj[al.nreals + (size_t)(ev->svc -
			    al.m->svcs)];
			snprintf(s->msg, sizeof(s->msg), "%s", ev->msg);
			if (ev->new == 0) {
				s->failed = 1;
				clock_gettime(CLOCK_REALTIME, &s->since);
				fire(s, ev->seq);
			} else
				recover(s, ev->seq);
			break;
		case MON_EV_ROUTE:
			s = &k->subj[al.nreals + al.m->nsvcs + (size_t)(
			    ev->svc - al.m->svcs)];
			snprintf(s->msg, sizeof(s->msg), "%s", ev->msg);
			if (ev->new == 0) {
				s->failed = 1;
				clock_gettime(CLOCK_REALTIME, &s->since);
				fire(s, ev->seq);
			} else if (s->failed)
				recover(s, ev->seq);
			break;
		case MON_EV_BACKEND:
			s = &k->subj[al.nreals + 2 * al.m->nsvcs];
			snprintf(s->msg, sizeof(s->msg), "%s", ev->msg);
			if (ev->error != 0) {
				if (!s->failed)
					clock_gettime(CLOCK_REALTIME,
					    &s->since);
				s->failed = 1;
				fire(s, ev->seq);
			} else if (s->failed)
				recover(s, ev->seq);
			break;
		case MON_EV_ROLE:
			if (k->dir != NULL)
				on_role(k->dir, ev);
			break;
		case MON_EV_PEER:
			on_peer(k, ev);
			break;
		default:
			break;
		}
	}
}

/* ---- open / close ----------------------------------------------------- */

static int
subj_init(struct sink *k, struct subj *s, size_t idx, struct err *e)
{
	struct mon_alerts	*a = al.m->alerts;
	const struct mon_service *svc;
	const struct mon_real	*rs;

	s->sink = k;
	s->idx = idx;
	s->what = idx < al.nreals ? MON_ALERT_REAL : idx < al.nreals +
	    al.m->nsvcs ? MON_ALERT_QUORUM : idx < al.nreals +
	    2 * al.m->nsvcs ? MON_ALERT_ROUTE : MON_ALERT_BACKEND;
	s->pol = k->sc->pol;
	rs = subj_real(s);
	svc = subj_svc(s);
	if (svc != NULL && a->svc_ovr != NULL)
		resolve(&s->pol, &a->svc_ovr[svc - al.m->svcs]);
	if (rs != NULL && a->real_ovr != NULL)
		resolve(&s->pol, &a->real_ovr[svc - al.m->svcs]
		    [rs - svc->reals]);
	s->on = k->sc->services == NULL;
	for (size_t i = 0; svc != NULL && i < k->sc->nservices; i++)
		s->on |= strcmp(k->sc->services[i], svc->name) == 0;
	if (svc == NULL)
		s->on = 1;	/* the packet core is everyone's */
	if ((s->ev_repeat = evtimer_new(al.base, on_repeat, s)) == NULL ||
	    (s->ev_flap = evtimer_new(al.base, on_flap_timer, s)) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	if (rs != NULL && s->pol.window_ms > 0 && (s->fail_ms = calloc(
	    (size_t)s->pol.alertafter, sizeof(uint64_t))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	if (rs != NULL && s->pol.flap_changes > 0 && (s->flips = calloc(
	    (size_t)s->pol.flap_changes + 1, sizeof(uint64_t))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	return 0;
}

/* A failover subject (director, peer): daemon-wide, the sink's policy. */
static struct subj *
subj_new(struct sink *k, enum mon_alert_what what)
{
	struct subj	*s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->sink = k;
	s->idx = SIZE_MAX;
	s->what = what;
	s->pol = k->sc->pol;
	s->on = 1;
	if ((s->ev_repeat = evtimer_new(al.base, on_repeat, s)) == NULL ||
	    (s->ev_flap = evtimer_new(al.base, on_flap_timer, s)) == NULL) {
		if (s->ev_repeat != NULL)
			event_free(s->ev_repeat);
		free(s);
		return NULL;
	}
	return s;
}

static void
subj_free(struct subj *s)
{
	if (s->ev_repeat != NULL)
		event_free(s->ev_repeat);
	if (s->ev_flap != NULL)
		event_free(s->ev_flap);
	free(s->fail_ms);
	free(s->flips);
}

/* The peer's subject, made when a peer is first named; NULL on ENOMEM
 * (logged: that peer's alarms are lost, nothing else). */
static struct subj *
peer_subj(struct sink *k, const char *addr, size_t len)
{
	struct subj	**p, *s;

	if (len >= sizeof(s->key))
		len = sizeof(s->key) - 1;
	for (size_t i = 0; i < k->npeers; i++)
		if (strlen(k->peers[i]->key) == len &&
		    strncmp(k->peers[i]->key, addr, len) == 0)
			return k->peers[i];
	if ((p = realloc(k->peers, (k->npeers + 1) * sizeof(*p))) == NULL)
		goto nomem;
	k->peers = p;
	if ((s = subj_new(k, MON_ALERT_PEER)) == NULL)
		goto nomem;
	memcpy(s->key, addr, len);
	s->key[len] = '\0';
	s->role = 1;
	k->peers[k->npeers++] = s;
	return s;
nomem:
	k->n_dropped++;
	mon_error("alerts: %s: out of memory for peer %.*s", k->pub.name,
	    (int)len, addr);
	return NULL;
}

static int
sink_open(struct sink *k, struct sink_conf *sc, size_t i, struct err *e)
{
	int	rc;

	k->sc = sc;
	k->pub.type = sc->type;
	k->pub.conf = sc->tconf;
	k->pub.base = al.base;
	k->pub.timeout_ms = sc->timeout_ms;
	if (sc->name != NULL)
		snprintf(k->namebuf, sizeof(k->namebuf), "%s", sc->name);
	else
		snprintf(k->namebuf, sizeof(k->namebuf), "%s#%zu",
		    sc->type->name, i + 1);
	k->pub.name = k->namebuf;
	k->qcap = (size_t)sc->queue;
	/* reals, quorum per service, route per service, packet core */
	k->nsubj = al.nreals + 2 * al.m->nsvcs + 1;
	if ((k->q = calloc(k->qcap, sizeof(*k->q))) == NULL ||
	    (k->batch = calloc(sc->type->batch_max, sizeof(*k->batch))) ==
	    NULL ||
	    (k->subj = calloc(k->nsubj, sizeof(*k->subj))) == NULL ||
	    (k->ev_kick = evtimer_new(al.base, on_kick, k)) == NULL ||
	    (k->ev_deadline = evtimer_new(al.base, on_deadline, k)) == NULL ||
	    (k->dir = subj_new(k, MON_ALERT_DIRECTOR)) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	k->dir->role = MON_HA_OFF;
	for (size_t j = 0; j < k->nsubj; j++)
		if ((rc = subj_init(k, &k->subj[j], j, e)) < 0)
			return rc;
	if (sc->type->open != NULL && (rc = sc->type->open(&k->pub, e)) < 0) {
		err_prefix(e, "alerts: %s", k->pub.name);
		return rc;
	}
	return 0;
}

/* Where each service's reals start among the subjects. */
static int
layout(void)
{
	struct mon_model	*m = al.m;

	al.nreals = 0;
	if ((al.svc_off = calloc(m->nsvcs + 1, sizeof(size_t))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->nsvcs; i++) {
		al.svc_off[i] = al.nreals;
		al.nreals += m->svcs[i].nreals;
	}
	return 0;
}

int
mon_alert_open(struct mon_model *m, struct event_base *base, struct err *e)
{
	struct mon_alerts	*a = m->alerts;
	int			 rc;

	memset(&al, 0, sizeof(al));
	al.m = m;
	al.base = base;
	if ((rc = layout()) < 0) {
		err_set(e, rc, "out of memory");
		goto fail;
	}
	if (a != NULL && a->nsinks > 0 &&
	    (al.sinks = calloc(a->nsinks, sizeof(*al.sinks))) == NULL) {
		rc = err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; a != NULL && i < a->nsinks; i++) {
		al.nsinks = i + 1;	/* what close must undo */
		if ((rc = sink_open(&al.sinks[i], &a->sinks[i], i, e)) < 0)
			goto fail;
	}
	/* subscribed with no sink too: a reload may bring some */
	if ((rc = mon_event_subscribe_mask(on_event, NULL,
	    MON_EVENT_MASK(MON_EV_CHECK) | MON_EVENT_MASK(MON_EV_STATE) |
	    MON_EVENT_MASK(MON_EV_QUORUM) | MON_EVENT_MASK(MON_EV_BACKEND) |
	    MON_EVENT_MASK(MON_EV_ROLE) | MON_EVENT_MASK(MON_EV_PEER) |
	    MON_EVENT_MASK(MON_EV_ROUTE) |
	    MON_EVENT_MASK(MON_EV_RELOAD))) < 0) {
		err_set(e, rc, "out of memory");
		goto fail;
	}
	al.subscribed = 1;
	for (size_t i = 0; i < al.nsinks; i++)
		mon_info("alerts: %s: ready (%s)", al.sinks[i].pub.name,
		    al.sinks[i].pub.type->name);
	return 0;
fail:
	mon_alert_close();
	return rc;
}

static void
sink_close(struct sink *k)
{
	if (k->busy && k->pub.type != NULL)
		k->pub.type->cancel(&k->pub);
	if (k->qlen > 0) {
		mon_warn("alerts: %s: %zu alarms not delivered at exit",
		    k->pub.name, k->qlen);
		k->n_dead += k->qlen;
	}
	if (k->pub.type != NULL && k->pub.type->close != NULL)
		k->pub.type->close(&k->pub);
	while (k->q != NULL && k->qlen > 0)
		q_pop(k, k->qlen);
	free(k->q);
	free(k->batch);
	for (size_t j = 0; k->subj != NULL && j < k->nsubj; j++)
		subj_free(&k->subj[j]);
	free(k->subj);
	if (k->dir != NULL)
		subj_free(k->dir);
	free(k->dir);
	for (size_t j = 0; j < k->npeers; j++) {
		subj_free(k->peers[j]);
		free(k->peers[j]);
	}
	free(k->peers);
	if (k->ev_kick != NULL)
		event_free(k->ev_kick);
	if (k->ev_deadline != NULL)
		event_free(k->ev_deadline);
}

void
mon_alert_close(void)
{
	if (al.subscribed)
		mon_event_unsubscribe(on_event, NULL);
	for (size_t i = 0; i < al.nsinks; i++)
		sink_close(&al.sinks[i]);
	free(al.sinks);
	free(al.svc_off);
	memset(&al, 0, sizeof(al));
}

/* ---- reload ----------------------------------------------------------- */

/*
 * A subject's bookkeeping into the same subject of the new sink: failures
 * counted, alarm firing, repeats sent, flapping.  Rings of another size
 * (alertafter or flap_changes changed) start empty.  A pending repeat or
 * flap timer starts a new full period.
 */
static void
subj_carry(struct subj *s, struct subj *o)
{
	s->fails = o->fails;
	if (s->fail_ms != NULL && o->fail_ms != NULL &&
	    s->pol.alertafter == o->pol.alertafter) {
		memcpy(s->fail_ms, o->fail_ms, (size_t)s->pol.alertafter *
		    sizeof(*s->fail_ms));
		s->nfail_ms = o->nfail_ms;
	}
	s->since = o->since;
	s->failed = o->failed;
	s->firing = o->firing;
	s->held = o->held;
	s->sent = o->sent;
	s->flapping = o->flapping;
	if (s->flips != NULL && o->flips != NULL &&
	    s->pol.flap_changes == o->pol.flap_changes) {
		memcpy(s->flips, o->flips, ((size_t)s->pol.flap_changes + 1) *
		    sizeof(*s->flips));
		s->nflips = o->nflips;
	}
	s->last_flip = o->last_flip;
	memcpy(s->msg, o->msg, sizeof(s->msg));
	s->role = o->role;
	if (evtimer_pending(o->ev_repeat, NULL))
		arm_ms(s->ev_repeat, s->held && !s->firing ? HOLD_RETRY_MS :
		    s->pol.every_ms ? s->pol.every_ms : HOLD_RETRY_MS);
	if (evtimer_pending(o->ev_flap, NULL))
		arm_ms(s->ev_flap, s->pol.flap_ms);
}

/*
 * The same sink (name and type) in the new config takes over the old
 * one's queue, counters and subjects; a delivery under way is cancelled
 * and its alarms are sent again by the new sink.  Subjects are found by
 * id (a reload keeps the ids of what it keeps).
 */
static void
sink_carry(struct sink *k, struct sink *o, const struct mon_model *old,
    const size_t *old_off)
{
	uint32_t	 maxid = 0;
	size_t		*by_id = NULL;

	if (o->busy) {
		o->pub.type->cancel(&o->pub);
		o->busy = 0;
		o->inflight = 0;
		evtimer_del(o->ev_deadline);
	}
	while (o->qlen > 0) {
		struct mon_alert *a = q_at(o, 0);

		o->q[o->qhead] = NULL;
		o->qhead = (o->qhead + 1) % o->qcap;
		o->qlen--;
		if (k->qlen == k->qcap) {
			free(a);
			k->n_dropped++;
			continue;
		}
		k->q[(k->qhead + k->qlen) % k->qcap] = a;
		k->qlen++;
	}
	k->n_queued = o->n_queued;
	k->n_sent = o->n_sent;
	k->n_failed = o->n_failed;
	k->n_dead = o->n_dead;
	k->n_dropped += o->n_dropped;
	k->n_held = o->n_held;
	memcpy(k->last_error, o->last_error, sizeof(k->last_error));
	kick(k, 0);

	/* old real id -> its subject */
	for (size_t i = 0; i < old->nsvcs; i++)
		for (size_t j = 0; j < old->svcs[i].nreals; j++)
			if (old->svcs[i].reals[j].id > maxid)
				maxid = old->svcs[i].reals[j].id;
	if (o->subj != NULL && (by_id = calloc((size_t)maxid + 1,
	    sizeof(*by_id))) != NULL)
		for (size_t i = 0; i < old->nsvcs; i++)
			for (size_t j = 0; j < old->svcs[i].nreals; j++)
				by_id[old->svcs[i].reals[j].id] =
				    old_off[i] + j + 1;
	for (size_t i = 0, x = 0; by_id != NULL && i < al.m->nsvcs; i++)
		for (size_t j = 0; j < al.m->svcs[i].nreals; j++, x++) {
			uint32_t id = al.m->svcs[i].reals[j].id;

			if (id <= maxid && by_id[id] != 0)
				subj_carry(&k->subj[x], &o->subj[by_id[id] -
				    1]);
		}
	free(by_id);
	/* quorum and route subjects by service id, then the packet core */
	for (size_t i = 0; o->subj != NULL && i < al.m->nsvcs; i++)
		for (size_t j = 0; j < old->nsvcs; j++)
			if (old->svcs[j].id == al.m->svcs[i].id) {
				subj_carry(&k->subj[al.nreals + i],
				    &o->subj[o->nsubj - 1 - 2 * old->nsvcs +
				    j]);
				subj_carry(&k->subj[al.nreals + al.m->nsvcs +
				    i], &o->subj[o->nsubj - 1 - old->nsvcs +
				    j]);
				break;
			}
	if (o->subj != NULL)
		subj_carry(&k->subj[k->nsubj - 1], &o->subj[o->nsubj - 1]);
	/* the failover subjects: the director, the peers by address */
	if (o->dir != NULL && k->dir != NULL)
		subj_carry(k->dir, o->dir);
	for (size_t i = 0; i < o->npeers; i++) {
		struct subj *p = peer_subj(k, o->peers[i]->key,
		    strlen(o->peers[i]->key));

		if (p != NULL)
			subj_carry(p, o->peers[i]);
	}
}

static void
reload(void)
{
	const struct mon_model	*old = mon_reload_previous();
	struct mon_alerts	*a = al.m->alerts;
	struct sink		*osinks = al.sinks;
	size_t			 onsinks = al.nsinks, *old_off = al.svc_off;
	struct err		 e = { "" };

	al.sinks = NULL;
	al.nsinks = 0;
	al.svc_off = NULL;
	if (layout() < 0 || (a != NULL && a->nsinks > 0 &&
	    (al.sinks = calloc(a->nsinks, sizeof(*al.sinks))) == NULL)) {
		mon_error("alerts: out of memory at reload: no alarms until "
		    "the next reload");
		goto close_old;
	}
	for (size_t i = 0; a != NULL && i < a->nsinks; i++) {
		struct sink *k = &al.sinks[al.nsinks];

		if (sink_open(k, &a->sinks[i], i, &e) < 0) {
			mon_error("alerts: reload: %s; that sink is off",
			    e.msg);
			sink_close(k);
			memset(k, 0, sizeof(*k));
			continue;
		}
		al.nsinks++;
		for (size_t j = 0; old != NULL && j < onsinks; j++) {
			struct sink *o = &osinks[j];

			if (o->pub.type == k->pub.type &&
			    strcmp(o->namebuf, k->namebuf) == 0 &&
			    o->subj != NULL) {
				sink_carry(k, o, old, old_off);
				break;
			}
		}
	}
close_old:
	for (size_t j = 0; j < onsinks; j++) {
		struct sink *o = &osinks[j];

		if (o->busy && o->pub.type != NULL) {
			o->pub.type->cancel(&o->pub);
			o->busy = 0;
		}
		if (o->qlen > 0) {
			mon_warn("alerts: %s: not in the new configuration; "
			    "%zu alarms dropped", o->pub.name, o->qlen);
			q_pop(o, o->qlen);
		}
		sink_close(o);
	}
	free(osinks);
	free(old_off);
}

/* ---- show ------------------------------------------------------------- */

void
mon_alert_show_text(struct evbuffer *out)
{
	if (al.nsinks == 0)
		return;
	evbuffer_add_printf(out, "\nalerts\n  %-20s %-8s %6s %6s %6s %6s %6s "
	    "%6s  %s\n", "SINK", "TYPE", "QUEUED", "SENT", "FAILED", "DEAD",
	    "DROP", "HELD", "LAST ERROR");
	for (size_t i = 0; i < al.nsinks; i++) {
		const struct sink *k = &al.sinks[i];

		evbuffer_add_printf(out, "  %-20s %-8s %6zu %6llu %6llu %6llu "
		    "%6llu %6llu  %s\n", k->pub.name, k->pub.type->name,
		    k->qlen, (unsigned long long)k->n_sent,
		    (unsigned long long)k->n_failed,
		    (unsigned long long)k->n_dead,
		    (unsigned long long)k->n_dropped,
		    (unsigned long long)k->n_held,
		    k->last_error[0] ? k->last_error : "-");
	}
}

int
mon_alert_counts(size_t i, struct mon_alert_counts *c)
{
	const struct sink	*k;

	if (i >= al.nsinks)
		return -1;
	k = &al.sinks[i];
	c->name = k->pub.name;
	c->type = k->pub.type->name;
	c->queued = k->qlen;
	c->accepted = k->n_queued;
	c->sent = k->n_sent;
	c->failed = k->n_failed;
	c->dead = k->n_dead;
	c->dropped = k->n_dropped;
	c->held = k->n_held;
	c->last_error = k->last_error;
	return 0;
}

struct json_object *
mon_alert_show_json(void)
{
	json_object		*arr = json_object_new_array();
	struct mon_alert_counts	 c;

	for (size_t i = 0; mon_alert_counts(i, &c) == 0; i++) {
		json_object	*o = json_object_new_object();

		json_object_object_add(o, "name",
		    json_object_new_string(c.name));
		json_object_object_add(o, "type",
		    json_object_new_string(c.type));
		json_object_object_add(o, "queued",
		    json_object_new_int64((int64_t)c.queued));
		json_object_object_add(o, "accepted",
		    json_object_new_int64((int64_t)c.accepted));
		json_object_object_add(o, "sent",
		    json_object_new_int64((int64_t)c.sent));
		json_object_object_add(o, "failed_attempts",
		    json_object_new_int64((int64_t)c.failed));
		json_object_object_add(o, "dead_letters",
		    json_object_new_int64((int64_t)c.dead));
		json_object_object_add(o, "dropped",
		    json_object_new_int64((int64_t)c.dropped));
		json_object_object_add(o, "held",
		    json_object_new_int64((int64_t)c.held));
		json_object_object_add(o, "last_error",
		    json_object_new_string(c.last_error));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* ---- helpers for sinks ----------------------------------------------- */

const char *
mon_alert_summary(const struct mon_alert *a)
{
	return a->summary;
}

struct json_object *
mon_alert_json(const struct mon_alert *a)
{
	json_object	*o = json_object_new_object();
	char		 t[40], since[40];

	mon_rfc3339(&a->time, t, sizeof(t));
	mon_rfc3339(&a->since, since, sizeof(since));
	json_object_object_add(o, "id", json_object_new_int64((int64_t)a->id));
	json_object_object_add(o, "seq",
	    json_object_new_int64((int64_t)a->seq));
	json_object_object_add(o, "alert", json_object_new_string(a->name));
	json_object_object_add(o, "kind",
	    json_object_new_string(mon_alert_kind_names[a->kind]));
	json_object_object_add(o, "about",
	    json_object_new_string(mon_alert_what_names[a->what]));
	json_object_object_add(o, "severity",
	    json_object_new_string(mon_alert_severity_names[a->severity]));
	json_object_object_add(o, "time", json_object_new_string(t));
	json_object_object_add(o, "since", json_object_new_string(since));
	if (a->service[0])
		json_object_object_add(o, "service",
		    json_object_new_string(a->service));
	if (a->server[0])
		json_object_object_add(o, "server",
		    json_object_new_string(a->server));
	json_object_object_add(o, "check", json_object_new_string(a->check));
	json_object_object_add(o, "state", json_object_new_string(a->state));
	if (a->reason[0])
		json_object_object_add(o, "reason",
		    json_object_new_string(a->reason));
	json_object_object_add(o, "message", json_object_new_string(a->msg));
	json_object_object_add(o, "summary",
	    json_object_new_string(a->summary));
	json_object_object_add(o, "failures",
	    json_object_new_int((int)a->failures));
	json_object_object_add(o, "count", json_object_new_int((int)a->count));
	return o;
}

int
mon_alert_parse_hostport(const char *s, int defport,
    struct sockaddr_storage *ss, unsigned *sslen, struct err *e)
{
	char		 host[INET6_ADDRSTRLEN + 2];
	const char	*port = NULL, *end;
	long		 p = defport;
	size_t		 n;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL)
			goto bad;
		n = (size_t)(end - s - 1);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			goto bad;
		s++;
	} else if ((end = strchr(s, ':')) != NULL && strchr(end + 1, ':') ==
	    NULL) {
		n = (size_t)(end - s);
		port = end + 1;
	} else
		n = strlen(s);
	if (n == 0 || n >= sizeof(host))
		goto bad;
	memcpy(host, s, n);
	host[n] = '\0';
	if (port != NULL) {
		char *pe;

		p = strtol(port, &pe, 10);
		if (*port == '\0' || *pe != '\0' || p < 1 || p > 65535)
			goto bad;
	}
	if (p < 1)
		goto bad;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) ==
	    1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		*sslen = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host,
	    &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		*sslen = sizeof(*sin6);
		return 0;
	}
bad:
	return err_set(e, -EINVAL, "expected IP:PORT or [IPv6]:PORT (an "
	    "address, not a host name: no DNS in the loop)");
}

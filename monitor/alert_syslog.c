/*
 * monitor/alert_syslog.c - the `syslog` sink: one datagram per alarm, to a
 * syslog server over UDP or to a local datagram socket (/dev/log).
 *
 *   { type = "syslog"; address = "192.0.2.5:514"; facility = "local3";
 *     format = "rfc5424"; }
 *
 * rfc5424 (the default for an address): structured data, so a collector
 * can index the fields without parsing text:
 *   <188>1 2026-11-23T12:00:00.123Z dir1 lvsmond 4242 LvsmonRealDown
 *   [lvsmon@8225 kind="down" service="web" server="198.51.100.12:8080"
 *   state="down" check="http" reason="L4CON" failures="3" count="1"
 *   seq="42" severity="warning"] web/198.51.100.12:8080 down: ...
 * rfc3164 (the default for a path: local daemons expect it): the classic
 * line, the same fields as key=value after the summary.
 * (8225 is the enterprise number the LVS-MIB has always used.)
 *
 * UDP has no acknowledgement: a send that the kernel takes counts as
 * delivered.  A receiver that refuses (ICMP port unreachable) makes the
 * next send fail with ECONNREFUSED, which is retried like any failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include "alert.h"
#include "show.h"

static const char *const facilities[] = { "kern", "user", "mail", "daemon",
    "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6",
    "local7", NULL };
static const int facility_codes[] = { LOG_KERN, LOG_USER, LOG_MAIL,
    LOG_DAEMON, LOG_AUTH, LOG_SYSLOG, LOG_LPR, LOG_NEWS, LOG_UUCP, LOG_CRON,
    LOG_AUTHPRIV, LOG_FTP, LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
    LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7 };
static const char *const formats[] = { "auto", "rfc5424", "rfc3164", NULL };
enum { FMT_AUTO = 0, FMT_5424, FMT_3164 };

struct conf {
	char	*address;
	int	 facility;
	int	 format;
	char	*hostname;
	char	*tag;
};

static const struct mon_directive directives[] = {
	{ .key = "address", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, address), .sdef = "/dev/log" },
	{ .key = "facility", .type = MON_D_ENUM, .enums = facilities,
	  .offset = offsetof(struct conf, facility), .ndef = 3 },
	{ .key = "format", .type = MON_D_ENUM, .enums = formats,
	  .offset = offsetof(struct conf, format), .ndef = FMT_AUTO },
	{ .key = "hostname", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, hostname) },
	{ .key = "tag", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, tag), .sdef = "lvsmond" },
	{ .key = NULL }
};

struct priv {
	int			 fd;		/* -1: not connected */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	int			 format;
	char			 host[64];
};

static int
sl_configure(void *conf, const config_setting_t *cs, struct err *e)
{
	struct conf		*c = conf;
	struct sockaddr_storage	 ss;
	unsigned		 len;

	(void)cs;
	if (c->address[0] == '/') {
		if (strlen(c->address) >= sizeof(((struct sockaddr_un *)0)->
		    sun_path))
			return err_set(e, -EINVAL, "address: path too long");
		return 0;
	}
	if (mon_alert_parse_hostport(c->address, 514, &ss, &len, e) < 0) {
		err_prefix(e, "address: \"%s\"", c->address);
		return -EINVAL;
	}
	return 0;
}

static int
sl_open(struct mon_alert_sink *s, struct err *e)
{
	struct conf	*c = s->conf;
	struct priv	*p;
	unsigned	 len = 0;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	p->fd = -1;
	if (c->address[0] == '/') {
		struct sockaddr_un *sun = (struct sockaddr_un *)&p->ss;

		sun->sun_family = AF_UNIX;
		snprintf(sun->sun_path, sizeof(sun->sun_path), "%s",
		    c->address);
		p->sslen = sizeof(*sun);
		p->format = c->format == FMT_AUTO ? FMT_3164 : c->format;
	} else {
		mon_alert_parse_hostport(c->address, 514, &p->ss, &len, NULL);
		p->sslen = len;
		p->format = c->format == FMT_AUTO ? FMT_5424 : c->format;
	}
	if (c->hostname != NULL)
		snprintf(p->host, sizeof(p->host), "%s", c->hostname);
	else if (gethostname(p->host, sizeof(p->host)) < 0 || !p->host[0])
		snprintf(p->host, sizeof(p->host), "-");
	p->host[sizeof(p->host) - 1] = '\0';
	s->priv = p;
	return 0;
}

/* An SD-PARAM value: '"', '\' and ']' take a backslash (RFC 5424 6.3.3). */
static void
sd_value(struct evbuffer *b, const char *name, const char *v)
{
	evbuffer_add_printf(b, " %s=\"", name);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\' || *v == ']')
			evbuffer_add(b, "\\", 1);
		evbuffer_add(b, v, 1);
	}
	evbuffer_add(b, "\"", 1);
}

static int
priority(const struct mon_alert *a, int facility)
{
	int	sev;

	if (a->kind == MON_ALERT_UP || a->kind == MON_ALERT_FLAP_END ||
	    a->kind == MON_ALERT_NOTICE)
		sev = LOG_NOTICE;
	else if (a->severity == MON_SEV_CRITICAL)
		sev = LOG_CRIT;
	else if (a->severity == MON_SEV_WARNING)
		sev = LOG_WARNING;
	else
		sev = LOG_INFO;
	return facility_codes[facility] | sev;
}

static void
format(struct evbuffer *b, const struct priv *p, const struct conf *c,
    const struct mon_alert *a)
{
	char	t[40], n[24];
	const struct { const char *k, *v; } kv[] = {
		{ "kind", mon_alert_kind_names[a->kind] },
		{ "service", a->service }, { "server", a->server },
		{ "state", a->state }, { "check", a->check },
		{ "reason", a->reason },
		{ "severity", mon_alert_severity_names[a->severity] },
	};

	mon_rfc3339(&a->time, t, sizeof(t));
	if (p->format == FMT_5424) {
		evbuffer_add_printf(b, "<%d>1 %s %s %s %d %s [lvsmon@8225",
		    priority(a, c->facility), t, p->host, c->tag,
		    (int)getpid(), a->name);
		for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
			if (kv[i].v[0])
				sd_value(b, kv[i].k, kv[i].v);
		snprintf(n, sizeof(n), "%u", a->failures);
		sd_value(b, "failures", n);
		snprintf(n, sizeof(n), "%u", a->count);
		sd_value(b, "count", n);
		snprintf(n, sizeof(n), "%llu", (unsigned long long)a->seq);
		sd_value(b, "seq", n);
		evbuffer_add_printf(b, "] %s", a->summary);
		return;
	}
	{
		struct tm	tm;
		char		ts[20];

		localtime_r(&a->time.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
		evbuffer_add_printf(b, "<%d>%s %s %s[%d]: %s: %s",
		    priority(a, c->facility), ts, p->host, c->tag,
		    (int)getpid(), a->name, a->summary);
		for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
			if (kv[i].v[0] && strchr(kv[i].v, ' ') == NULL)
				evbuffer_add_printf(b, " %s=%s", kv[i].k,
				    kv[i].v);
		evbuffer_add_printf(b, " failures=%u count=%u seq=%llu",
		    a->failures, a->count, (unsigned long long)a->seq);
	}
}

static int
sl_deliver(struct mon_alert_sink *s, const struct mon_alert *const *a,
    size_t n)
{
	struct priv	*p = s->priv;
	struct evbuffer	*b;
	char		 why[96];

	if (p->fd < 0) {
		p->fd = socket(p->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (p->fd < 0)
			return -errno;
		if (connect(p->fd, (struct sockaddr *)&p->ss, p->sslen) < 0) {
			snprintf(why, sizeof(why), "connect %s: %s",
			    ((struct conf *)s->conf)->address,
			    strerror(errno));
			close(p->fd);
			p->fd = -1;
			mon_alert_done(s, 0, why);
			return 0;
		}
	}
	if ((b = evbuffer_new()) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		evbuffer_drain(b, evbuffer_get_length(b));
		format(b, p, s->conf, a[i]);
		if (send(p->fd, evbuffer_pullup(b, -1), evbuffer_get_length(b),
		    MSG_NOSIGNAL) < 0) {
			snprintf(why, sizeof(why), "send: %s",
			    strerror(errno));
			if (errno != EAGAIN && errno != ENOBUFS) {
				close(p->fd);
				p->fd = -1;
			}
			evbuffer_free(b);
			mon_alert_done(s, 0, why);
			return 0;
		}
	}
	evbuffer_free(b);
	mon_alert_done(s, 1, NULL);
	return 0;
}

static void
sl_cancel(struct mon_alert_sink *s)
{
	(void)s;		/* sends finish at once: nothing in flight */
}

static void
sl_close(struct mon_alert_sink *s)
{
	struct priv	*p = s->priv;

	if (p == NULL)
		return;
	if (p->fd >= 0)
		close(p->fd);
	free(p);
	s->priv = NULL;
}

const struct mon_alert_sink_type mon_alert_syslog = {
	.name		= "syslog",
	.directives	= directives,
	.conf_size	= sizeof(struct conf),
	.batch_max	= 1,	/* a retry never repeats a sent one */
	.batch_ms	= 0,
	.configure	= sl_configure,
	.open		= sl_open,
	.deliver	= sl_deliver,
	.cancel		= sl_cancel,
	.close		= sl_close,
};

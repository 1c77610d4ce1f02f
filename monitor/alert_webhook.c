/*
 * monitor/alert_webhook.c - the `webhook` sink: alarms as JSON in an HTTP
 * POST (libevent's evhttp client, on the daemon's loop).
 *
 *   { type = "webhook"; url = "http://127.0.0.1:9093/api/v2/alerts";
 *     format = "alertmanager"; }
 *
 * format "json" (default): a JSON array of alarms, each as
 * mon_alert_json() makes it (fields only ever added).
 * format "alertmanager": Prometheus Alertmanager's v2 API (POST
 * /api/v2/alerts): one alert per alarm, labels alertname (LvsmonRealDown,
 * LvsmonRealFlapping, LvsmonQuorumLost, LvsmonBackendError,
 * LvsmonDirectorFault, LvsmonDirectorRole, LvsmonPeerDead), service,
 * server (a peer's address for LvsmonPeerDead), role (director alarms),
 * severity, job="lvsmon"; annotations summary and description;
 * startsAt = the first failed check; a recovery sends the same labels with
 * endsAt = now, which resolves it.  Alertmanager expires a firing alert
 * that is not re-sent within its resolve_timeout (5 min by default): set
 * alertevery below that for long failures.  A role notice
 * (LvsmonDirectorRole: became master or backup) is news, not a condition:
 * it is sent firing with endsAt NOTICE_SECS later, so it ends by itself.
 *
 * A 2xx answer is a delivery; anything else, a refused or broken
 * connection, or no answer by the sink's timeout, is a failure (retried).
 * The URL must name an IP address: no DNS in the loop.  http only: https
 * needs libevent_openssl, which the daemon does not link yet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <json-c/json.h>

#include "alert.h"
#include "show.h"

#define NOTICE_SECS	300	/* a role notice's life in Alertmanager */

static const char *const formats[] = { "json", "alertmanager", NULL };
enum { FMT_JSON = 0, FMT_AM };

struct conf {
	char	*url;
	int	 format;
};

static const struct mon_directive directives[] = {
	{ .key = "url", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, url), .flags = MON_DF_REQUIRED },
	{ .key = "format", .type = MON_D_ENUM, .enums = formats,
	  .offset = offsetof(struct conf, format), .ndef = FMT_JSON },
	{ .key = NULL }
};

struct priv {
	struct evhttp_uri		*uri;
	struct evhttp_connection	*conn;
	struct evhttp_request		*req;	/* in flight, or NULL */
	char				 hosthdr[80];
	char				*path;
};

/* Parse and check the URL; on success *out is the parsed one. */
static int
parse_url(const char *url, struct evhttp_uri **out, struct err *e)
{
	struct evhttp_uri	*u = evhttp_uri_parse(url);
	const char		*scheme, *host;
	struct in6_addr		 a6;
	struct in_addr		 a4;

	if (u == NULL)
		return err_set(e, -EINVAL, "url: \"%s\" is not a URL", url);
	scheme = evhttp_uri_get_scheme(u);
	host = evhttp_uri_get_host(u);
	if (scheme == NULL || strcmp(scheme, "http") != 0) {
		evhttp_uri_free(u);
		return err_set(e, -EINVAL, "url: \"%s\": only http:// (https "
		    "needs libevent_openssl, not linked)", url);
	}
	if (host == NULL || (inet_pton(AF_INET, host, &a4) != 1 &&
	    inet_pton(AF_INET6, host, &a6) != 1)) {
		evhttp_uri_free(u);
		return err_set(e, -EINVAL, "url: \"%s\": the host must be an "
		    "IP address (no DNS in the loop)", url);
	}
	*out = u;
	return 0;
}

static int
wh_configure(void *conf, const config_setting_t *cs, struct err *e)
{
	struct conf		*c = conf;
	struct evhttp_uri	*u;

	(void)cs;
	if (parse_url(c->url, &u, e) < 0)
		return -EINVAL;
	evhttp_uri_free(u);
	return 0;
}

static int
wh_open(struct mon_alert_sink *s, struct err *e)
{
	struct conf	*c = s->conf;
	struct priv	*p;
	const char	*host, *path, *query;
	int		 port;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	s->priv = p;
	if (parse_url(c->url, &p->uri, e) < 0)
		return -EINVAL;
	host = evhttp_uri_get_host(p->uri);
	port = evhttp_uri_get_port(p->uri);
	if (port < 0)
		port = 80;
	path = evhttp_uri_get_path(p->uri);
	query = evhttp_uri_get_query(p->uri);
	if (asprintf(&p->path, "%s%s%s", path && *path ? path : "/",
	    query ? "?" : "", query ? query : "") < 0) {
		p->path = NULL;
		return err_set(e, -ENOMEM, "out of memory");
	}
	snprintf(p->hosthdr, sizeof(p->hosthdr), strchr(host, ':') ?
	    "[%s]:%d" : "%s:%d", host, port);
	p->conn = evhttp_connection_base_new(s->base, NULL, host,
	    (unsigned short)port);
	if (p->conn == NULL)
		return err_set(e, -ENOMEM, "cannot make an HTTP connection");
	/* the core owns the deadline and the retries */
	evhttp_connection_set_retries(p->conn, 0);
	evhttp_connection_set_timeout(p->conn, (int)(s->timeout_ms / 1000) +
	    1);
	return 0;
}

static json_object *
am_alert(const struct mon_alert *a)
{
	json_object	*o = json_object_new_object();
	json_object	*l = json_object_new_object();
	json_object	*n = json_object_new_object();
	char		 t[40];
	int		 resolved = a->kind == MON_ALERT_UP ||
			    a->kind == MON_ALERT_FLAP_END;

	json_object_object_add(l, "alertname",
	    json_object_new_string(a->name));
	json_object_object_add(l, "job", json_object_new_string("lvsmon"));
	if (a->service[0])
		json_object_object_add(l, "service",
		    json_object_new_string(a->service));
	if (a->server[0])
		json_object_object_add(l, "server",
		    json_object_new_string(a->server));
	json_object_object_add(l, "severity", json_object_new_string(
	    mon_alert_severity_names[a->severity]));
	if (a->what == MON_ALERT_DIRECTOR)
		json_object_object_add(l, "role",
		    json_object_new_string(a->state));
	json_object_object_add(n, "summary",
	    json_object_new_string(a->summary));
	json_object_object_add(n, "description",
	    json_object_new_string(a->msg));
	json_object_object_add(o, "labels", l);
	json_object_object_add(o, "annotations", n);
	mon_rfc3339(&a->since, t, sizeof(t));
	json_object_object_add(o, "startsAt", json_object_new_string(t));
	if (resolved) {
		mon_rfc3339(&a->time, t, sizeof(t));
		json_object_object_add(o, "endsAt",
		    json_object_new_string(t));
	} else if (a->kind == MON_ALERT_NOTICE) {
		/* news, not a condition: firing now (so it is sent), over
		   by itself in NOTICE_SECS (so nothing stays open) */
		struct timespec end = a->time;

		end.tv_sec += NOTICE_SECS;
		mon_rfc3339(&end, t, sizeof(t));
		json_object_object_add(o, "endsAt",
		    json_object_new_string(t));
	}
	return o;
}

static void
on_reply(struct evhttp_request *req, void *arg)
{
	struct mon_alert_sink	*s = arg;
	struct priv		*p = s->priv;
	int			 code = req ? evhttp_request_get_response_code(
				    req) : 0;
	char			 why[160];

	if (p->req == NULL)
		return;		/* cancelled */
	p->req = NULL;
	if (code >= 200 && code < 300) {
		mon_alert_done(s, 1, NULL);
		return;
	}
	if (code == 0)
		snprintf(why, sizeof(why), "%s: no HTTP answer (refused or "
		    "closed)", p->hosthdr);
	else
		snprintf(why, sizeof(why), "%s: HTTP status %d", p->hosthdr,
		    code);
	mon_alert_done(s, 0, why);
}

static int
wh_deliver(struct mon_alert_sink *s, const struct mon_alert *const *a,
    size_t n)
{
	struct conf		*c = s->conf;
	struct priv		*p = s->priv;
	struct evhttp_request	*req;
	struct evkeyvalq	*h;
	json_object		*arr = json_object_new_array();
	const char		*body;

	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, c->format == FMT_AM ?
		    am_alert(a[i]) : mon_alert_json(a[i]));
	if ((req = evhttp_request_new(on_reply, s)) == NULL) {
		json_object_put(arr);
		return -ENOMEM;
	}
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", p->hosthdr);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "User-Agent", "lvsmond");
	body = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN);
	evbuffer_add(evhttp_request_get_output_buffer(req), body,
	    strlen(body));
	json_object_put(arr);
	p->req = req;
	if (evhttp_make_request(p->conn, req, EVHTTP_REQ_POST, p->path) < 0) {
		/* libevent has freed req */
		p->req = NULL;
		return -EIO;
	}
	return 0;
}

static void
wh_cancel(struct mon_alert_sink *s)
{
	struct priv		*p = s->priv;
	struct evhttp_request	*req = p->req;

	if (req == NULL)
		return;
	p->req = NULL;
	evhttp_cancel_request(req);
}

static void
wh_close(struct mon_alert_sink *s)
{
	struct priv	*p = s->priv;

	if (p == NULL)
		return;
	wh_cancel(s);
	if (p->conn != NULL)
		evhttp_connection_free(p->conn);
	if (p->uri != NULL)
		evhttp_uri_free(p->uri);
	free(p->path);
	free(p);
	s->priv = NULL;
}

const struct mon_alert_sink_type mon_alert_webhook = {
	.name		= "webhook",
	.directives	= directives,
	.conf_size	= sizeof(struct conf),
	.batch_max	= 64,
	.batch_ms	= 0,
	.configure	= wh_configure,
	.open		= wh_open,
	.deliver	= wh_deliver,
	.cancel		= wh_cancel,
	.close		= wh_close,
};

/*
 * monitor/alert_mail.c - the `mail` sink: a small non-blocking SMTP client
 * on libevent that hands alarms to a relay, several alarms per message.
 *
 * Written by hand: no well-kept C SMTP library runs inside a libevent loop
 * without threads (libcurl's SMTP would need its multi interface wired to
 * the loop for one dialogue of six commands).
 *
 *   { type = "mail"; relay = "127.0.0.1:25"; from = "lvsmond@dir1";
 *     to = ["ops@example.org"]; batch = 5; }
 *
 * Alarms that come within `batch` seconds (default 5) of the first one go
 * out as one message (at most 50).  The dialogue (RFC 5321): 220 greeting,
 * EHLO, optional AUTH PLAIN (username/password, when the relay offers it),
 * MAIL FROM, RCPT TO for each recipient, DATA, the message with dot
 * stuffing, QUIT.  A 250 to the end of DATA is a delivery; a refused or
 * broken connection, a 4xx/5xx reply or no reply by the sink's timeout is
 * a failure, retried.  The relay must be an IP address (no DNS in the
 * loop).  STARTTLS is not supported yet (needs libevent_openssl).
 *
 * Subject: one alarm reads like mon's mail.alert ("ALERT web/http:
 * SUMMARY", "UPALERT ..."); several: "[lvsmon] N alarms: FIRST SUMMARY".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <openssl/evp.h>

#include "alert.h"
#include "show.h"

#define MAX_RCPT	16

struct conf {
	char	 *relay;
	char	 *from;
	char	 *helo;
	char	 *username;
	char	 *password;
	char	**to;
	size_t	  nto;
	int	  starttls;
};

static const struct mon_directive directives[] = {
	{ .key = "relay", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, relay), .sdef = "127.0.0.1:25" },
	{ .key = "from", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, from) },
	{ .key = "helo", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, helo) },
	{ .key = "username", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, username) },
	{ .key = "password", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, password) },
	{ .key = "to", .type = MON_D_OTHER },
	{ .key = "starttls", .type = MON_D_BOOL,
	  .offset = offsetof(struct conf, starttls), .ndef = 0 },
	{ .key = NULL }
};

/* Where the dialogue is: what the next reply answers. */
enum step {
	S_IDLE = 0,
	S_GREETING,	/* 220 */
	S_EHLO,		/* 250 (multi-line) */
	S_AUTH,		/* 235 */
	S_MAIL,		/* 250 */
	S_RCPT,		/* 250/251, once per recipient */
	S_DATA,		/* 354 */
	S_BODY,		/* 250: delivered */
	S_QUIT,		/* 221, or the close */
};

static const char *const step_names[] = { "idle", "greeting", "EHLO",
    "AUTH", "MAIL FROM", "RCPT TO", "DATA", "end of data", "QUIT" };

struct priv {
	struct sockaddr_storage	 ss;
	unsigned		 sslen;
	char			 host[64];
	char			 from[128];
	struct bufferevent	*bev;
	enum step		 step;
	size_t			 rcpt;		/* recipients answered */
	int			 auth_plain;	/* EHLO offered AUTH PLAIN */
	struct evbuffer		*msg;		/* the message, ready */
};

static int
ml_configure(void *conf, const config_setting_t *cs, struct err *e)
{
	struct conf		*c = conf;
	const config_setting_t	*ts = config_setting_get_member(cs, "to");
	struct sockaddr_storage	 ss;
	unsigned		 len;
	int			 n;

	if (mon_alert_parse_hostport(c->relay, 25, &ss, &len, e) < 0) {
		err_prefix(e, "relay: \"%s\"", c->relay);
		return -EINVAL;
	}
	if (c->starttls)
		return err_set(e, -EINVAL, "starttls: not supported yet "
		    "(needs libevent_openssl); use a relay on this host");
	if ((c->username == NULL) != (c->password == NULL))
		return err_set(e, -EINVAL, "username and password go "
		    "together");
	if (ts == NULL || (!config_setting_is_array(ts) &&
	    !config_setting_is_list(ts)) || (n = config_setting_length(ts)) ==
	    0 || n > MAX_RCPT)
		return err_set(e, -EINVAL, "to: expected a list of 1..%d "
		    "addresses [\"ops@example.org\"]", MAX_RCPT);
	if ((c->to = calloc((size_t)n, sizeof(char *))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	for (int i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(ts,
		    (unsigned)i);
		const char *v;

		if (config_setting_type(el) != CONFIG_TYPE_STRING ||
		    strchr(v = config_setting_get_string(el), '@') == NULL ||
		    strpbrk(v, "<>\r\n ") != NULL)
			return err_set(e, -EINVAL, "to: expected addresses "
			    "like \"ops@example.org\"");
		if ((c->to[i] = strdup(v)) == NULL)
			return err_set(e, -ENOMEM, "out of memory");
		c->nto++;
	}
	if (c->from != NULL && (strchr(c->from, '@') == NULL ||
	    strpbrk(c->from, "<>\r\n ") != NULL))
		return err_set(e, -EINVAL, "from: expected an address like "
		    "\"lvsmond@dir1.example.org\"");
	return 0;
}

static void
ml_release(void *conf)
{
	struct conf	*c = conf;

	for (size_t i = 0; i < c->nto; i++)
		free(c->to[i]);
	free(c->to);
	c->to = NULL;
	c->nto = 0;
}

static int
ml_open(struct mon_alert_sink *s, struct err *e)
{
	struct conf	*c = s->conf;
	struct priv	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	s->priv = p;
	mon_alert_parse_hostport(c->relay, 25, &p->ss, &p->sslen, NULL);
	if (c->helo != NULL)
		snprintf(p->host, sizeof(p->host), "%s", c->helo);
	else if (gethostname(p->host, sizeof(p->host)) < 0 || !p->host[0])
		snprintf(p->host, sizeof(p->host), "localhost");
	p->host[sizeof(p->host) - 1] = '\0';
	if (c->from != NULL)
		snprintf(p->from, sizeof(p->from), "%s", c->from);
	else
		snprintf(p->from, sizeof(p->from), "lvsmond@%s", p->host);
	return 0;
}

static void
conn_free(struct priv *p)
{
	if (p->bev != NULL)
		bufferevent_free(p->bev);
	p->bev = NULL;
	if (p->msg != NULL)
		evbuffer_free(p->msg);
	p->msg = NULL;
	p->step = S_IDLE;
}

/* The message: headers, then each alarm; CRLF, dot-stuffed, ".". */
static struct evbuffer *
compose(const struct mon_alert_sink *s, const struct mon_alert *const *a,
    size_t n)
{
	const struct conf	*c = s->conf;
	const struct priv	*p = s->priv;
	struct evbuffer		*b = evbuffer_new();
	struct evbuffer		*body = evbuffer_new();
	char			 date[64], t[40];
	struct tm		 tm;
	time_t			 now = time(NULL);
	char			*line;
	size_t			 len;

	if (b == NULL || body == NULL) {
		if (b != NULL)
			evbuffer_free(b);
		if (body != NULL)
			evbuffer_free(body);
		return NULL;
	}
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	evbuffer_add_printf(b, "From: %s\r\nTo: ", p->from);
	for (size_t i = 0; i < c->nto; i++)
		evbuffer_add_printf(b, "%s%s", i ? ", " : "", c->to[i]);
	if (n == 1) {
		int up = a[0]->kind == MON_ALERT_UP ||
		    a[0]->kind == MON_ALERT_FLAP_END;

		evbuffer_add_printf(b, "\r\nSubject: %s %s/%s: %s\r\n",
		    up ? "UPALERT" : a[0]->kind == MON_ALERT_NOTICE ?
		    "NOTICE" : "ALERT",
		    a[0]->service[0] ? a[0]->service : "lvsmond",
		    a[0]->kind == MON_ALERT_FLAP ||
		    a[0]->kind == MON_ALERT_FLAP_END ? "flapping" :
		    a[0]->check, a[0]->summary);
	} else
		evbuffer_add_printf(b, "\r\nSubject: [lvsmon] %zu alarms: "
		    "%s\r\n", n, a[0]->summary);
	evbuffer_add_printf(b, "Date: %s\r\nMessage-ID: <%lld.%llu@%s>\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Auto-Submitted: auto-generated\r\nX-Lvsmon-Alarms: %zu\r\n\r\n",
	    date, (long long)now, (unsigned long long)a[0]->id, p->host, n);

	for (size_t i = 0; i < n; i++) {
		mon_rfc3339(&a[i]->time, t, sizeof(t));
		evbuffer_add_printf(body, "%s%s\n  alert: %s (%s)\n"
		    "  time: %s\n", i ? "\n" : "", a[i]->summary, a[i]->name,
		    mon_alert_kind_names[a[i]->kind], t);
		if (a[i]->service[0])
			evbuffer_add_printf(body, "  service: %s\n",
			    a[i]->service);
		if (a[i]->server[0])
			evbuffer_add_printf(body, "  server: %s\n",
			    a[i]->server);
		evbuffer_add_printf(body, "  state: %s\n  check: %s\n",
		    a[i]->state, a[i]->check);
		if (a[i]->reason[0])
			evbuffer_add_printf(body, "  reason: %s\n",
			    a[i]->reason);
		evbuffer_add_printf(body, "  message: %s\n  failures: %u\n",
		    a[i]->msg, a[i]->failures);
	}
	while ((line = evbuffer_readln(body, &len, EVBUFFER_EOL_LF)) !=
	    NULL) {
		evbuffer_add_printf(b, "%s%s\r\n", line[0] == '.' ? "." : "",
		    line);
		free(line);
	}
	evbuffer_free(body);
	evbuffer_add(b, ".\r\n", 3);
	return b;
}

static void
fail(struct mon_alert_sink *s, const char *fmt, const char *what)
{
	struct priv	*p = s->priv;
	char		 why[192];

	snprintf(why, sizeof(why), fmt, step_names[p->step], what);
	conn_free(p);
	mon_alert_done(s, 0, why);
}

static void
send_auth(struct priv *p, const struct conf *c)
{
	unsigned char	raw[512], enc[700];
	size_t		ul = strlen(c->username);
	size_t		pl = strlen(c->password);

	if (ul + pl + 2 > sizeof(raw)) {
		ul = 0;		/* refused by the relay, reported as such */
		pl = 0;
	}
	raw[0] = '\0';
	memcpy(raw + 1, c->username, ul);
	raw[1 + ul] = '\0';
	memcpy(raw + 2 + ul, c->password, pl);
	EVP_EncodeBlock(enc, raw, (int)(ul + pl + 2));
	evbuffer_add_printf(bufferevent_get_output(p->bev), "AUTH PLAIN %s\r\n",
	    enc);
	p->step = S_AUTH;
}

static void
send_mail_from(struct priv *p)
{
	evbuffer_add_printf(bufferevent_get_output(p->bev),
	    "MAIL FROM:<%s>\r\n", p->from);
	p->step = S_MAIL;
}

/* One complete reply (last line "NNN text") for the current step. */
static void
reply(struct mon_alert_sink *s, int code, const char *text)
{
	struct priv		*p = s->priv;
	const struct conf	*c = s->conf;
	struct evbuffer		*out = bufferevent_get_output(p->bev);

	switch (p->step) {
	case S_GREETING:
		if (code != 220)
			return fail(s, "smtp: %s: %s", text);
		evbuffer_add_printf(out, "EHLO %s\r\n", p->host);
		p->step = S_EHLO;
		return;
	case S_EHLO:
		if (code != 250)
			return fail(s, "smtp: %s: %s", text);
		if (c->username != NULL && p->auth_plain)
			send_auth(p, c);
		else
			send_mail_from(p);
		return;
	case S_AUTH:
		if (code != 235)
			return fail(s, "smtp: %s: %s", text);
		send_mail_from(p);
		return;
	case S_MAIL:
		if (code != 250)
			return fail(s, "smtp: %s: %s", text);
		p->rcpt = 0;
		evbuffer_add_printf(out, "RCPT TO:<%s>\r\n", c->to[0]);
		p->step = S_RCPT;
		return;
	case S_RCPT:
		if (code != 250 && code != 251)
			return fail(s, "smtp: %s: %s", text);
		if (++p->rcpt < c->nto) {
			evbuffer_add_printf(out, "RCPT TO:<%s>\r\n",
			    c->to[p->rcpt]);
			return;
		}
		evbuffer_add_printf(out, "DATA\r\n");
		p->step = S_DATA;
		return;
	case S_DATA:
		if (code != 354)
			return fail(s, "smtp: %s: %s", text);
		evbuffer_add_buffer(out, p->msg);
		p->step = S_BODY;
		return;
	case S_BODY:
		if (code != 250)
			return fail(s, "smtp: %s: %s", text);
		evbuffer_add_printf(out, "QUIT\r\n");
		p->step = S_QUIT;
		mon_alert_done(s, 1, NULL);
		return;
	case S_QUIT:
		conn_free(p);
		return;
	default:
		return;
	}
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct mon_alert_sink	*s = arg;
	struct priv		*p = s->priv;
	char			*line;
	size_t			 len;

	while (p->bev == bev &&
	    (line = evbuffer_readln(bufferevent_get_input(bev), &len,
	    EVBUFFER_EOL_CRLF)) != NULL) {
		int code = len >= 3 ? atoi(line) : 0;

		if (len < 3 || code < 200 || code > 599) {
			free(line);
			return fail(s, "smtp: %s: malformed reply%s", "");
		}
		if (p->step == S_EHLO && len > 4 &&
		    strncasecmp(line + 4, "AUTH", 4) == 0 &&
		    strstr(line + 8, "PLAIN") != NULL)
			p->auth_plain = 1;
		if (len > 3 && line[3] == '-') {	/* more lines follow */
			free(line);
			continue;
		}
		reply(s, code, line);
		free(line);
	}
	if (p->bev == bev &&
	    evbuffer_get_length(bufferevent_get_input(bev)) > 4096)
		fail(s, "smtp: %s: %s", "reply line too long");
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct mon_alert_sink	*s = arg;
	struct priv		*p = s->priv;
	char			 e[96];

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	if (p->step == S_QUIT) {	/* delivered already */
		conn_free(p);
		return;
	}
	if (what & BEV_EVENT_ERROR)
		snprintf(e, sizeof(e), "%s", strerror(EVUTIL_SOCKET_ERROR() ?
		    EVUTIL_SOCKET_ERROR() : ECONNRESET));
	else
		snprintf(e, sizeof(e), "connection closed by the relay");
	fail(s, "smtp: %s: %s", e);
}

static int
ml_deliver(struct mon_alert_sink *s, const struct mon_alert *const *a,
    size_t n)
{
	struct priv	*p = s->priv;

	conn_free(p);		/* a QUIT still going: drop it */
	if ((p->msg = compose(s, a, n)) == NULL)
		return -ENOMEM;
	p->bev = bufferevent_socket_new(s->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (p->bev == NULL) {
		conn_free(p);
		return -ENOMEM;
	}
	bufferevent_setcb(p->bev, on_read, NULL, on_event, s);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	p->step = S_GREETING;
	p->auth_plain = 0;
	if (bufferevent_socket_connect(p->bev, (struct sockaddr *)&p->ss,
	    (int)p->sslen) < 0) {
		/* an immediate refusal lands here or in on_event */
		if (p->bev != NULL) {
			conn_free(p);
			return -ECONNREFUSED;
		}
	}
	return 0;
}

static void
ml_cancel(struct mon_alert_sink *s)
{
	conn_free(s->priv);
}

static void
ml_close(struct mon_alert_sink *s)
{
	struct priv	*p = s->priv;

	if (p == NULL)
		return;
	conn_free(p);
	free(p);
	s->priv = NULL;
}

const struct mon_alert_sink_type mon_alert_mail = {
	.name		= "mail",
	.directives	= directives,
	.conf_size	= sizeof(struct conf),
	.batch_max	= 50,
	.batch_ms	= 5000,
	.configure	= ml_configure,
	.open		= ml_open,
	.deliver	= ml_deliver,
	.cancel		= ml_cancel,
	.close		= ml_close,
	.release	= ml_release,
};

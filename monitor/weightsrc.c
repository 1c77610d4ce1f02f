/*
 * monitor/weightsrc.c - the dynamic weight sources of a real server (see
 * weightsrc.h): the agent grammar, what each source currently says, the
 * pieces of the combining rule, and the `agent` / `weight_file` keys.
 * The inotify side is weightwatch.c; the agent's socket is
 * checkers/agent.c.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "model.h"
#include "weightsrc.h"

const char *const mon_ws_oper_names[MON_WS_OPER__COUNT] = {
	[MON_WS_OPER_NONE]	= "",
	[MON_WS_UP]		= "up",
	[MON_WS_DOWN]		= "down",
	[MON_WS_FAIL]		= "fail",
	[MON_WS_STOPPED]	= "stopped",
};

const char *const mon_ws_admin_names[MON_WS_ADMIN__COUNT] = {
	[MON_WS_ADMIN_NONE]	= "",
	[MON_WS_READY]		= "ready",
	[MON_WS_DRAIN]		= "drain",
	[MON_WS_MAINT]		= "maint",
};

#define PCT_MAX		100000

/* Digits only, into *v (at most max); 0 or -1. */
static int
number(const char *s, size_t n, long max, long *v)
{
	long	x = 0;

	if (n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	if (x > max)
		return -1;
	*v = x;
	return 0;
}

/* "NN%" or "N" (abs_ok) as a weight into out; 0 or -1. */
static int
weight_word(const char *w, size_t n, int abs_ok, struct mon_ws_said *out)
{
	long	v;

	if (n > 1 && w[n - 1] == '%' && number(w, n - 1, PCT_MAX, &v) == 0) {
		out->pct = (int)v;
		out->abs = -1;
		return 0;
	}
	if (abs_ok && number(w, n, DIR_WEIGHT_MAX, &v) == 0) {
		out->abs = (int)v;
		out->pct = -1;
		return 0;
	}
	return -1;
}

static int
word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(w, lit, n) == 0;
}

static int
prefix_is(const char *w, size_t n, const char *lit)
{
	size_t	l = strlen(lit);

	return n >= l && strncasecmp(w, lit, l) == 0;
}

/* One word; 0 understood, -1 not. */
static int
one_word(const char *w, size_t n, unsigned flags, struct mon_ws_said *out)
{
	static const struct { const char *w; int oper, admin; } words[] = {
		{ "up",		MON_WS_UP,	MON_WS_ADMIN_NONE },
		{ "down",	MON_WS_DOWN,	MON_WS_ADMIN_NONE },
		{ "fail",	MON_WS_FAIL,	MON_WS_ADMIN_NONE },
		{ "stopped",	MON_WS_STOPPED,	MON_WS_ADMIN_NONE },
		{ "ready",	MON_WS_OPER_NONE, MON_WS_READY },
		{ "drain",	MON_WS_OPER_NONE, MON_WS_DRAIN },
		{ "maint",	MON_WS_OPER_NONE, MON_WS_MAINT },
	};
	long	v;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (word_is(w, n, words[i].w)) {
			if (words[i].oper != MON_WS_OPER_NONE)
				out->oper = words[i].oper;
			else
				out->admin = words[i].admin;
			return 0;
		}
	if (prefix_is(w, n, "weight:"))
		return weight_word(w + 7, n - 7, 1, out);
	if (prefix_is(w, n, "maxconn:"))
		return number(w + 8, n - 8, 1000000000, &v);
	return weight_word(w, n, (flags & MON_WS_BARE) != 0, out);
}

int
mon_ws_parse(const char *text, unsigned flags, struct mon_ws_said *out,
    char *err, size_t errlen)
{
	const char	*s = text;
	int		 good = 0, bad = 0;

	memset(out, 0, sizeof(*out));
	out->pct = out->abs = -1;
	if (errlen > 0)
		err[0] = '\0';
	while (*s != '\0' && *s != '\r' && *s != '\n') {
		const char	*w;
		size_t		 n;

		if (*s == ' ' || *s == '\t' || *s == ',') {
			s++;
			continue;
		}
		if (*s == '#') {
			size_t	d = 0;

			for (s++; *s == ' ' || *s == '\t'; s++)
				;
			while (s[d] != '\0' && s[d] != '\r' && s[d] != '\n')
				d++;
			while (d > 0 && (s[d - 1] == ' ' || s[d - 1] == '\t'))
				d--;
			snprintf(out->desc, sizeof(out->desc), "%.*s",
			    (int)d, s);
			break;
		}
		w = s;
		while (*s != '\0' && *s != '\r' && *s != '\n' && *s != ' ' &&
		    *s != '\t' && *s != ',' && *s != '#')
			s++;
		n = (size_t)(s - w);
		if (one_word(w, n, flags, out) == 0)
			good++;
		else if (bad++ == 0 && errlen > 0)
			snprintf(err, errlen, "unknown word \"%.*s\" (expected "
			    "%sNN%%, weight:N, up, down, drain, maint or "
			    "ready)", n > 32 ? 32 : (int)n, w,
			    flags & MON_WS_BARE ? "a weight 0..65535, " : "");
	}
	return bad ? -EINVAL : good;
}

void
mon_ws_said_text(const struct mon_ws_said *s, char *buf, size_t len)
{
	size_t	n = 0;

	buf[0] = '\0';
#define ADD(...) do { if (n < len) n += (size_t)snprintf(buf + n, len - n, \
		    __VA_ARGS__); } while (0)
	if (s->oper != MON_WS_OPER_NONE)
		ADD("%s", mon_ws_oper_names[s->oper]);
	if (s->admin != MON_WS_ADMIN_NONE)
		ADD("%s%s", n ? " " : "", mon_ws_admin_names[s->admin]);
	if (s->pct >= 0)
		ADD("%s%d%%", n ? " " : "", s->pct);
	else if (s->abs >= 0)
		ADD("%s%d", n ? " " : "", s->abs);
#undef ADD
}

/* Merge a reply into the agent's sticky words; 1 if anything changed. */
static int
merge(struct mon_ws_said *into, const struct mon_ws_said *s)
{
	struct mon_ws_said	old = *into;

	if (s->oper != MON_WS_OPER_NONE)
		into->oper = s->oper;
	/* ready only undoes drain and maint: kept as "nothing said" */
	if (s->admin != MON_WS_ADMIN_NONE)
		into->admin = s->admin == MON_WS_READY ? MON_WS_ADMIN_NONE :
		    s->admin;
	if (s->pct >= 0 || s->abs >= 0) {
		into->pct = s->pct;
		into->abs = s->abs;
	}
	return old.oper != into->oper || old.admin != into->admin ||
	    old.pct != into->pct || old.abs != into->abs;
}

static int
is_down(enum mon_ws_oper o)
{
	return o == MON_WS_DOWN || o == MON_WS_FAIL || o == MON_WS_STOPPED;
}

/* The file's words count only while it was read and understood. */
static const struct mon_ws_said *
file_said(const struct mon_ws *ws)
{
	return ws->file.status == MON_WSF_OK ? &ws->file.said : NULL;
}

int
mon_ws_maint(const struct mon_ws *ws)
{
	const struct mon_ws_said *f = file_said(ws);

	return ws->agent.admin == MON_WS_MAINT || ws->maint[0] != '\0' ||
	    (f != NULL && f->admin == MON_WS_MAINT);
}

int
mon_ws_down(const struct mon_ws *ws)
{
	const struct mon_ws_said *f = file_said(ws);

	return is_down(ws->agent.oper) || (f != NULL && is_down(f->oper));
}

int
mon_ws_drain(const struct mon_ws *ws)
{
	const struct mon_ws_said *f = file_said(ws);

	return ws->agent.admin == MON_WS_DRAIN ||
	    (f != NULL && f->admin == MON_WS_DRAIN);
}

int
mon_ws_absolute(const struct mon_ws *ws)
{
	const struct mon_ws_said *f = file_said(ws);

	if (f != NULL && f->abs >= 0)
		return f->abs;
	return ws->agent.abs;
}

uint32_t
mon_ws_scale(const struct mon_ws *ws, uint32_t base)
{
	const struct mon_ws_said *f = file_said(ws);
	uint64_t		 w = base, div = 1;
	int			 zero = base == 0;

	if (ws->agent.pct >= 0) {
		w *= (uint64_t)ws->agent.pct;
		div *= 100;
		zero |= ws->agent.pct == 0;
	}
	if (f != NULL && f->pct >= 0) {
		w *= (uint64_t)f->pct;
		div *= 100;
		zero |= f->pct == 0;
	}
	if (zero)
		return 0;
	w = (w + div / 2) / div;
	if (w == 0)
		w = 1;		/* 1% of 10 still serves a little */
	return w > DIR_WEIGHT_MAX ? DIR_WEIGHT_MAX : (uint32_t)w;
}

void
mon_ws_summary(const struct mon_real *rs, char *buf, size_t len)
{
	const struct mon_ws	*ws = &rs->ws;
	char			 t[64];
	size_t			 n = 0;

	buf[0] = '\0';
#define ADD(...) do { if (n < len) n += (size_t)snprintf(buf + n, len - n, \
		    __VA_ARGS__); } while (0)
	if (rs->agent != NULL) {
		mon_ws_said_text(&ws->agent, t, sizeof(t));
		ADD("agent %s%s", ws->agent_seen ? (t[0] ? t : "(nothing)") :
		    "(no reply yet)", ws->agent_reach == 0 ?
		    " (unreachable)" : "");
	}
	if (ws->file.path != NULL) {
		switch (ws->file.status) {
		case MON_WSF_OK:
			mon_ws_said_text(&ws->file.said, t, sizeof(t));
			break;
		case MON_WSF_BAD:
			snprintf(t, sizeof(t), "(bad, ignored)");
			break;
		case MON_WSF_EMPTY:
			snprintf(t, sizeof(t), "(empty)");
			break;
		default:
			snprintf(t, sizeof(t), "(none)");
			break;
		}
		ADD("%sfile %s", n ? ", " : "", t);
	}
	if (ws->maint[0] != '\0')
		ADD("%smaintenance (%s)", n ? ", " : "", ws->maint);
#undef ADD
}

void
mon_ws_init(struct mon_ws *ws)
{
	char	*path = ws->file.path;

	memset(ws, 0, sizeof(*ws));
	ws->agent.pct = ws->agent.abs = -1;
	ws->agent_reach = -1;
	ws->file.path = path;
	ws->file.said.pct = ws->file.said.abs = -1;
}

void
mon_ws_free(struct mon_ws *ws)
{
	free(ws->file.path);
	ws->file.path = NULL;
}

void
mon_ws_agent_done(struct mon_real *rs, const struct probe_result *r,
    unsigned duration_ms)
{
	struct mon_ws		*ws = &rs->ws;
	struct mon_ws_said	 said;
	char			 err[128], was[64], now[64], msg[256];
	int			 rc, changed;

	if (r->verdict != CHK_V_OK) {
		/* HAProxy's rule: an agent that cannot be read changes
		   nothing; the health check tests connectivity */
		if (ws->agent_reach != 0)
			mon_info("real %s/%s: agent unreachable (%s), its last "
			    "word stands", rs->svc->name, rs->key, r->msg);
		ws->agent_reach = 0;
		snprintf(ws->agent_msg, sizeof(ws->agent_msg), "%s", r->msg);
		return;
	}
	if (ws->agent_reach == 0)
		mon_info("real %s/%s: agent reachable again", rs->svc->name,
		    rs->key);
	ws->agent_reach = 1;
	rc = mon_ws_parse(r->msg, 0, &said, err, sizeof(err));
	if (rc < 0 && strcmp(ws->agent_msg, r->msg) != 0)
		mon_warn("real %s/%s: agent said \"%s\": %s", rs->svc->name,
		    rs->key, r->msg, err);
	snprintf(ws->agent_msg, sizeof(ws->agent_msg), "%s", r->msg);
	mon_debug("real %s/%s: agent replied in %u ms: %s", rs->svc->name,
	    rs->key, duration_ms, r->msg);
	mon_ws_said_text(&ws->agent, was, sizeof(was));
	changed = merge(&ws->agent, &said) || !ws->agent_seen;
	ws->agent_seen = 1;
	if (!changed)
		return;
	mon_ws_said_text(&ws->agent, now, sizeof(now));
	snprintf(msg, sizeof(msg), "agent: %s -> %s%s%s", was[0] ? was : "-",
	    now[0] ? now : "-", said.desc[0] ? ": " : "", said.desc);
	mon_rs_sources_changed(rs, msg);
}

/* Read at most len-1 bytes of path; -errno, or the length. */
static ssize_t
slurp(const char *path, char *buf, size_t len)
{
	int	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	ssize_t	n, got = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)got < len - 1 &&
	    (n = read(fd, buf + got, len - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return got;
}

void
mon_ws_file_read(struct mon_real *rs)
{
	struct mon_ws_file	*f = &rs->ws.file;
	struct mon_ws_file	 old = *f;
	char			 buf[4096], err[128], was[64], now[64];
	char			 msg[256];
	const char		*s;
	ssize_t			 n;
	int			 line = 1;

	if (f->path == NULL)
		return;
	f->msg[0] = '\0';
	memset(&f->said, 0, sizeof(f->said));
	f->said.pct = f->said.abs = -1;
	f->line = 0;
	if ((n = slurp(f->path, buf, sizeof(buf))) < 0) {
		f->status = MON_WSF_MISSING;
		if (n != -ENOENT)
			snprintf(f->msg, sizeof(f->msg), "%s: %s", f->path,
			    strerror((int)-n));
	} else {
		/* the first line that is neither blank nor a comment */
		for (s = buf; *s != '\0'; line++) {
			const char *e = s + strcspn(s, "\n");

			if (s[strspn(s, " \t\r,")] != '#' &&
			    s + strspn(s, " \t\r,") < e)
				break;
			s = *e ? e + 1 : e;
		}
		f->line = line;
		if (*s == '\0')
			f->status = MON_WSF_EMPTY;
		else if (mon_ws_parse(s, MON_WS_BARE, &f->said, err,
		    sizeof(err)) < 0) {
			f->status = MON_WSF_BAD;
			memset(&f->said, 0, sizeof(f->said));
			f->said.pct = f->said.abs = -1;
			snprintf(f->msg, sizeof(f->msg), "%s:%d: %s", f->path,
			    line, err);
		} else
			f->status = MON_WSF_OK;
	}
	/* a bad file is logged once, not at every rewrite of it */
	if (f->msg[0] != '\0' && strcmp(f->msg, old.msg) != 0)
		mon_warn("real %s/%s: weight file %s, ignored", rs->svc->name,
		    rs->key, f->msg);

	if (old.status == MON_WSF_OK)
		mon_ws_said_text(&old.said, was, sizeof(was));
	else
		was[0] = '\0';
	if (f->status == MON_WSF_OK)
		mon_ws_said_text(&f->said, now, sizeof(now));
	else
		now[0] = '\0';
	if (strcmp(was, now) == 0 && old.status == f->status)
		return;
	snprintf(msg, sizeof(msg), "weight file: %s -> %s%s%s",
	    was[0] ? was : "-", now[0] ? now : "-",
	    f->said.desc[0] ? ": " : "", f->said.desc);
	if (strcmp(was, now) == 0) {
		mon_debug("real %s/%s: %s", rs->svc->name, rs->key, msg);
		return;		/* e.g. missing -> empty: same effect */
	}
	mon_rs_sources_changed(rs, msg);
}

void
mon_ws_maint_set(struct mon_real *rs, const char *name)
{
	struct mon_ws	*ws = &rs->ws;
	char		 msg[160];

	if (name == NULL)
		name = "";
	if (strcmp(ws->maint, name) == 0)
		return;
	if (name[0] != '\0')
		snprintf(msg, sizeof(msg), "maintenance: on (%s)", name);
	else
		snprintf(msg, sizeof(msg), "maintenance: off (%s gone)",
		    ws->maint);
	snprintf(ws->maint, sizeof(ws->maint), "%s", name);
	mon_rs_sources_changed(rs, msg);
}

/* ---- config ---- */

extern const struct probe_type chk_agent;

/* The keys of an agent block, on struct probe itself. */
static const struct mon_directive agent_probe_directives[] = {
	{ .key = "port", .type = MON_D_INT,
	  .offset = offsetof(struct probe, port),
	  .min = 1, .max = 65535, .flags = MON_DF_REQUIRED },
	{ .key = "interval", .type = MON_D_MS,
	  .offset = offsetof(struct probe, interval_ms),
	  .min = 10, .max = 86400000, .ndef = 2000 },
	{ .key = "timeout", .type = MON_D_MS,
	  .offset = offsetof(struct probe, timeout_ms),
	  .min = 1, .max = 3600000, .ndef = 1000 },
	{ .key = NULL }
};

/* Expand %a %p %v %P %n %% of the weight_file template; -EINVAL with e. */
static int
expand(const char *t, const struct mon_real *rs, char **out, struct err *e)
{
	char		 buf[4096], host[INET6_ADDRSTRLEN], vip[INET6_ADDRSTRLEN];
	char		 rport[8], vport[8], one[2] = { 0, 0 };
	size_t		 len = 0, n;
	const char	*add;
	int		 dir = t[0] != '\0' && t[strlen(t) - 1] == '/';

	inet_ntop(rs->family, &rs->addr, host, sizeof(host));
	inet_ntop(rs->svc->family, &rs->svc->addr, vip, sizeof(vip));
	snprintf(rport, sizeof(rport), "%u", rs->port);
	snprintf(vport, sizeof(vport), "%u", rs->svc->port);
	if (t[0] != '/')
		return err_set(e, -EINVAL, "\"%s\": expected an absolute path "
		    "(a file, or a directory ending in /)", t);
	for (const char *s = t; *s != '\0' || dir; s++) {
		if (*s == '\0') {
			/* a directory: the file is named after the real */
			add = rs->key;
			dir = 0;
			s--;
		} else if (*s != '%') {
			one[0] = *s;
			add = one;
		} else {
			switch (*++s) {
			case 'a': add = host; break;
			case 'p': add = rport; break;
			case 'v': add = vip; break;
			case 'P': add = vport; break;
			case 'n': add = rs->svc->name; break;
			case '%': add = "%"; break;
			default:
				return err_set(e, -EINVAL, "unknown placeholder"
				    " %%%.1s (known: %%a %%p %%v %%P %%n %%%%)",
				    *s ? s : "");
			}
		}
		n = strlen(add);
		if (len + n >= sizeof(buf))
			return err_set(e, -EINVAL, "path too long");
		memcpy(buf + len, add, n);
		len += n;
	}
	buf[len] = '\0';
	if ((*out = strdup(buf)) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	return 0;
}

static int
agent_build(struct mon_real *rs, const config_setting_t *ra,
    const config_setting_t *sa, const char *where, struct err *e)
{
	struct probe		*p;
	const config_setting_t	*cs = ra != NULL ? ra : sa;
	int			 rc;

	if (ra == NULL) {
		/* the service's block alone: its keys are checked too */
		ra = sa;
		sa = NULL;
	}
	if ((ra != NULL && config_setting_type(ra) != CONFIG_TYPE_GROUP) ||
	    (sa != NULL && config_setting_type(sa) != CONFIG_TYPE_GROUP))
		return mon_conf_err(e, cs, where, "agent", "expected a group "
		    "{ port = 10000; interval = 2; timeout = 1; }");
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->conf = calloc(1, chk_agent.conf_size)) == NULL) {
		free(p);
		return err_set(e, -ENOMEM, "out of memory");
	}
	p->type = &chk_agent;
	p->rs = rs;
	p->rise = p->fall = 1;
	if ((rc = mon_directives_apply_in(agent_probe_directives, p, ra, sa,
	    chk_agent.directives, "agent", where, e)) < 0 ||
	    (rc = mon_directives_apply_in(chk_agent.directives, p->conf, ra,
	    sa, agent_probe_directives, "agent", where, e)) < 0)
		goto fail;
	/* a reload keeps the running agent while this stays the same */
	mon_probe_fingerprint(p, agent_probe_directives, ra, sa, "agent");
	mon_addr_key(rs->family, &rs->addr, (uint16_t)p->port, p->name,
	    sizeof(p->name));
	inet_ntop(rs->family, &rs->addr, p->host, sizeof(p->host));
	if (rs->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&p->addr;

		sin->sin_family = AF_INET;
		sin->sin_addr = rs->addr.v4;
		sin->sin_port = htons((uint16_t)p->port);
		p->addrlen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&p->addr;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = rs->addr.v6;
		sin6->sin6_port = htons((uint16_t)p->port);
		p->addrlen = sizeof(*sin6);
	}
	rs->agent = p;
	return 0;
fail:
	mon_probe_free(p);
	return rc;
}

int
mon_ws_conf_real(struct mon_real *rs, const config_setting_t *rset,
    const config_setting_t *sset, const char *where, struct err *e)
{
	const config_setting_t	*ra, *sa, *f;
	int			 rc;

	ra = config_setting_get_member(rset, "agent");
	sa = sset != NULL ? config_setting_get_member(sset, "agent") : NULL;
	if ((ra != NULL || sa != NULL) &&
	    (rc = agent_build(rs, ra, sa, where, e)) < 0)
		return rc;
	f = config_setting_get_member(rset, "weight_file");
	if (f == NULL && sset != NULL)
		f = config_setting_get_member(sset, "weight_file");
	if (f != NULL) {
		struct err	sub = { "" };

		if (config_setting_type(f) != CONFIG_TYPE_STRING)
			return mon_conf_err(e, f, where, "weight_file",
			    "expected a string: a path with %%a %%p %%v %%P "
			    "%%n, or a directory ending in /");
		if ((rc = expand(config_setting_get_string(f), rs,
		    &rs->ws.file.path, &sub)) < 0)
			return mon_conf_err(e, f, where, "weight_file", "%s",
			    sub.msg);
	}
	return 0;
}

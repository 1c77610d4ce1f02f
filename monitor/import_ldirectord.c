/*
 * monitor/import_ldirectord.c - ldirectord.cf into the import model
 * (monitor/import.h).
 *
 * The file is "key = value" lines: unindented ones are global (defaults for
 * every virtual where ldirectord allows), "virtual = ..." opens a section
 * that its indented lines fill, as many sections as the file has.  Each
 * section becomes one lvsmon service once the file is read, so a global
 * default written after a section still counts (as in ldirectord, which
 * reads the whole file first).
 *
 * How ldirectord's semantics land:
 *   checkinterval (10 s)             interval
 *   negotiatetimeout (30) /          timeout (negotiate checks take the
 *   checktimeout (5)                 first, the others the second)
 *   failurecount (1)                 fall; rise = 1 (one success is enough)
 *   quiescent (yes)                  on_down "weight0", no: "remove"
 *   fallback                         sorry_server (serves when no real is
 *                                    up: lvsmon's default quorum of 1)
 *   checktype negotiate + service    the check of that protocol
 *   checktype connect / ping         tcp / icmp; external: exec with
 *                                    argv_style "ldirectord"
 *   maintenancedir                   global maintenance_dir
 *   emailalert + smtp                a mail alert sink
 */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "import.h"

#define LD_MAX_LINE	4096
#define LD_MAX_RANGE	256	/* reals of one a->b range */

struct ld_kv {
	char	*key, *val;
	int	 line;
};

struct ld_sect {
	struct ld_kv	*kv;
	size_t		 n;
	int		 line;		/* of "virtual =", 0: global */
};

struct ld {
	struct mon_imp	*m;
	const char	*file;
	struct ld_sect	 global;
	struct ld_sect	*virt;
	size_t		 nvirt;
};

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void
kv_add(struct ld_sect *s, const char *key, const char *val, int line)
{
	s->kv = mon_imp_realloc(s->kv, s->n + 1, sizeof(*s->kv));
	s->kv[s->n].key = strdup(key);
	s->kv[s->n].val = strdup(val);
	if (s->kv[s->n].key == NULL || s->kv[s->n].val == NULL) {
		fprintf(stderr, "lvsmonctl: out of memory\n");
		exit(1);
	}
	s->kv[s->n++].line = line;
}

static int
read_cf(struct ld *l, const char *path, struct err *e)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 cap = 0;
	ssize_t	 len;
	int	 lineno = 0, rc = 0;
	struct ld_sect *cur = NULL;

	if ((f = fopen(path, "r")) == NULL)
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	while ((len = getline(&buf, &cap, f)) >= 0) {
		char	*p, *eq, *key, *val;
		int	 indented = buf[0] == ' ' || buf[0] == '\t';

		lineno++;
		p = trim(buf);
		if (*p == '\0' || *p == '#')
			continue;
		if ((eq = strchr(p, '=')) == NULL) {
			rc = err_set(e, -EINVAL, "%s:%d: expected "
			    "\"key = value\", not \"%.60s\"", path, lineno, p);
			break;
		}
		*eq = '\0';
		key = trim(p);
		val = trim(eq + 1);
		if (*key == '\0') {
			rc = err_set(e, -EINVAL, "%s:%d: a value without a "
			    "key", path, lineno);
			break;
		}
		if (strcmp(key, "virtual") == 0) {
			l->virt = mon_imp_realloc(l->virt, l->nvirt + 1,
			    sizeof(*l->virt));
			cur = &l->virt[l->nvirt++];
			memset(cur, 0, sizeof(*cur));
			cur->line = lineno;
			kv_add(cur, key, val, lineno);
		} else if (indented && cur != NULL)
			kv_add(cur, key, val, lineno);
		else {
			if (indented) {
				rc = err_set(e, -EINVAL, "%s:%d: %s: an "
				    "indented line before any virtual", path,
				    lineno, key);
				break;
			}
			cur = NULL;
			kv_add(&l->global, key, val, lineno);
		}
	}
	if (rc == 0 && ferror(f))
		rc = err_set(e, -EIO, "%s:%d: read error", path, lineno + 1);
	free(buf);
	fclose(f);
	return rc;
}

/* The value of key in the section, else the global one, else NULL. */
static const struct ld_kv *
get(struct ld *l, const struct ld_sect *s, const char *key)
{
	for (size_t i = 0; s != NULL && i < s->n; i++)
		if (strcmp(s->kv[i].key, key) == 0)
			return &s->kv[i];
	for (size_t i = 0; i < l->global.n; i++)
		if (strcmp(l->global.kv[i].key, key) == 0)
			return &l->global.kv[i];
	return NULL;
}

static const char *
getv(struct ld *l, const struct ld_sect *s, const char *key)
{
	const struct ld_kv *kv = get(l, s, key);

	return kv != NULL ? kv->val : NULL;
}

/* A value without its quotes (into buf). */
static const char *
unquote(const char *v, char *buf, size_t len)
{
	size_t n = strlen(v);

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
		snprintf(buf, len, "%.*s", (int)n - 2, v + 1);
	else
		snprintf(buf, len, "%s", v);
	return buf;
}

static int
yes(const char *v)
{
	return v != NULL && (strcasecmp(v, "yes") == 0 ||
	    strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0);
}

/* "80" or "http" (from /etc/services, no DNS); -1 if neither. */
static long
port_of(const char *s, const char *proto)
{
	char		*end;
	long		 p = strtol(s, &end, 10);
	struct servent	*se;

	if (*s != '\0' && *end == '\0')
		return p >= 0 && p <= 65535 ? p : -1;
	if ((se = getservbyname(s, proto)) != NULL)
		return ntohs((uint16_t)se->s_port);
	return -1;
}

/* "IP:PORT", "[v6]:PORT" or "IP" into addr and port (0 if none); -1 if
 * the address is not numeric. */
static int
split_hostport(const char *v, char *addr, size_t alen, long *port,
    const char *proto)
{
	char		 buf[256], *colon;
	struct in6_addr	 a6;
	struct in_addr	 a4;

	if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
		return -1;
	*port = 0;
	if (buf[0] == '[') {
		char *rb = strchr(buf, ']');

		if (rb == NULL)
			return -1;
		*rb = '\0';
		snprintf(addr, alen, "%s", buf + 1);
		if (rb[1] == ':' && (*port = port_of(rb + 2, proto)) < 0)
			return -1;
		return inet_pton(AF_INET6, addr, &a6) == 1 ? 0 : -1;
	}
	if ((colon = strrchr(buf, ':')) != NULL &&
	    strchr(buf, ':') == colon) {
		*colon = '\0';
		if ((*port = port_of(colon + 1, proto)) < 0)
			return -1;
	}
	snprintf(addr, alen, "%s", buf);
	return inet_pton(AF_INET, addr, &a4) == 1 ||
	    inet_pton(AF_INET6, addr, &a6) == 1 ? 0 : -1;
}

static void
quoted_key(FILE *f, const char *key, const char *v)
{
	fprintf(f, "%s = ", key);
	mon_imp_quote(f, v);
	fprintf(f, "; ");
}

/* The service by port, as ldirectord chooses it when none is given. */
static const char *
default_service(long port)
{
	static const struct { long port; const char *name; } t[] = {
		{ 21, "ftp" }, { 25, "smtp" }, { 53, "dns" }, { 80, "http" },
		{ 110, "pop" }, { 119, "nntp" }, { 143, "imap" },
		{ 389, "ldap" }, { 443, "https" }, { 587, "submission" },
		{ 636, "ldaps" }, { 993, "imaps" }, { 995, "pops" },
		{ 1521, "oracle" }, { 1812, "radius" },
		{ 3128, "http_proxy" }, { 3306, "mysql" }, { 5432, "pgsql" },
		{ 5060, "sip" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].port == port)
			return t[i].name;
	return "none";
}

/*
 * The check text of a section (request/receive may be a real's own).
 * Writes "not mapped" notes into t.
 */
static void
make_check(struct ld *l, const struct ld_sect *s, FILE *f,
    struct mon_imp_text *t, long vport, int udp, const char *req,
    const char *recv, long chkport)
{
	char		 b1[1024], b2[1024];
	const char	*ct = getv(l, s, "checktype");
	const char	*svc = getv(l, s, "service");
	const char	*v;
	const struct ld_kv *kv;
	double		 timeout, interval = 10;
	long		 fall = 1;
	int		 negotiate;

	ct = ct != NULL ? ct : "negotiate";
	if (svc == NULL)
		svc = default_service(vport);
	if (isdigit((unsigned char)ct[0])) {
		kv = get(l, s, "checktype");
		mon_imp_unmapped(l->m, t, l->file, kv->line, "checktype = %s "
		    "(connect and every Nth a negotiate: lvsmon runs the "
		    "negotiate check every time)", ct);
		ct = "negotiate";
	}
	negotiate = strcmp(ct, "negotiate") == 0;
	if (negotiate && strcmp(svc, "none") == 0)
		ct = "on", negotiate = 0;
	/* which timeout: ldirectord's rule, each falling back on the other */
	if (negotiate)
		v = getv(l, s, "negotiatetimeout") ?: getv(l, s,
		    "checktimeout");
	else
		v = getv(l, s, "checktimeout") ?: getv(l, s,
		    "negotiatetimeout");
	timeout = v != NULL ? strtod(v, NULL) : negotiate ? 30 : 5;
	if ((v = getv(l, s, "checkinterval")) != NULL)
		interval = strtod(v, NULL);
	if ((v = getv(l, s, "failurecount")) != NULL)
		fall = strtol(v, NULL, 10);
	if (timeout <= 0 || timeout > 3600)
		timeout = 5;
	if (interval <= 0)
		interval = 10;
	if (fall < 1)
		fall = 1;

	if (strcmp(ct, "connect") == 0)
		fprintf(f, "type = \"%s\"; ", udp ? "icmp" : "tcp");
	else if (strcmp(ct, "ping") == 0)
		fprintf(f, "type = \"icmp\"; ");
	else if (strcmp(ct, "external") == 0 ||
	    strcmp(ct, "external-perl") == 0) {
		char	 cmd[1024], *w, *save = NULL;
		int	 n = 0;

		unquote(getv(l, s, "checkcommand") ?: "/bin/true", cmd,
		    sizeof(cmd));
		fprintf(f, "type = \"exec\"; ");
		for (w = strtok_r(cmd, " \t", &save); w != NULL;
		    w = strtok_r(NULL, " \t", &save), n++) {
			if (n == 0) {
				quoted_key(f, "command", w);
				fprintf(f, "args = [");
			} else {
				fprintf(f, "%s", n > 1 ? ", " : " ");
				mon_imp_quote(f, w);
			}
		}
		fprintf(f, "%s]; argv_style = \"ldirectord\"; ",
		    n > 1 ? " " : "");
	} else if (strcmp(ct, "on") == 0 || strcmp(ct, "off") == 0) {
		/* no check: lvsmond keeps such a real up (on); off is
		   made weight 0 by the caller */
		kv = get(l, s, "checktype");
		fprintf(t->f, "# %s:%d: checktype = %s: no check (%s)\n",
		    l->file, kv != NULL ? kv->line : s->line, ct,
		    strcmp(ct, "on") == 0 ? "always up" :
		    "never activated: weight 0");
		return;
	} else if (!negotiate) {
		kv = get(l, s, "checktype");
		mon_imp_unmapped(l->m, t, l->file, kv->line, "checktype = %s "
		    "(tcp instead)", ct);
		fprintf(f, "type = \"tcp\"; ");
	} else if (strcmp(svc, "http") == 0 || strcmp(svc, "https") == 0) {
		fprintf(f, "type = \"%s\"; ", svc);
		if (req != NULL && strncmp(req, "http", 4) == 0)
			mon_imp_unmapped(l->m, t, l->file, s->line, "request "
			    "= \"%s\" (an absolute URL: lvsmon asks the real "
			    "server; path / instead)", req);
		else if (req != NULL)
			quoted_key(f, "path", req[0] == '/' ? req :
			    (snprintf(b1, sizeof(b1), "/%s", req), b1));
		v = getv(l, s, "httpmethod");
		if (v != NULL && strcasecmp(v, "HEAD") == 0) {
			quoted_key(f, "method", "HEAD");
			if (recv != NULL)
				mon_imp_unmapped(l->m, t, l->file,
				    get(l, s, "httpmethod")->line, "receive "
				    "= \"%s\" with httpmethod = HEAD (lvsmon "
				    "matches bodies only)", recv);
		} else if (recv != NULL)
			quoted_key(f, "expect_body", recv);
		if ((v = getv(l, s, "virtualhost")) != NULL)
			quoted_key(f, "host", unquote(v, b2, sizeof(b2)));
		/* ldirectord wants a 2xx */
		fprintf(f, "expect_status = \"200-299\"; ");
	} else if (strcmp(svc, "dns") == 0) {
		struct in_addr a4;
		struct in6_addr a6;

		fprintf(f, "type = \"dns\"; ");
		quoted_key(f, "name", req != NULL ? req : ".");
		if (recv != NULL && (inet_pton(AF_INET, recv, &a4) == 1 ||
		    inet_pton(AF_INET6, recv, &a6) == 1)) {
			quoted_key(f, "expect", recv);
			if (strchr(recv, ':') != NULL)
				fprintf(f, "qtype = \"AAAA\"; ");
		} else if (recv != NULL)
			mon_imp_unmapped(l->m, t, l->file, s->line, "receive "
			    "= \"%s\" (dns: lvsmon matches one address)",
			    recv);
	} else if (strcmp(svc, "radius") == 0) {
		fprintf(f, "type = \"radius\"; ");
		quoted_key(f, "secret", unquote(getv(l, s, "secret") ?: "",
		    b1, sizeof(b1)));
		if ((v = getv(l, s, "login")) != NULL)
			quoted_key(f, "user", unquote(v, b1, sizeof(b1)));
		if ((v = getv(l, s, "passwd")) != NULL)
			quoted_key(f, "password", unquote(v, b1, sizeof(b1)));
	} else if (strcmp(svc, "simpletcp") == 0) {
		fprintf(f, "type = \"sendexpect\"; steps = ( ");
		if (req != NULL) {
			/* ldirectord turns \n into a newline */
			size_t o = 0;

			for (const char *p = req; *p && o + 2 < sizeof(b1);
			    p++)
				if (p[0] == '\\' && p[1] == 'n')
					b1[o++] = '\n', p++;
				else
					b1[o++] = *p;
			b1[o] = '\0';
			fprintf(f, "{ send = ");
			mon_imp_quote(f, b1);
			fprintf(f, "; }%s", recv != NULL ? ", " : " ");
		}
		if (recv != NULL) {
			fprintf(f, "{ expect_re = ");
			mon_imp_quote(f, recv);
			fprintf(f, "; } ");
		}
		if (req == NULL && recv == NULL)
			fprintf(f, "{ connect = \"tcp\"; } ");
		fprintf(f, "); ");
	} else {
		static const struct { const char *ld, *lvsmon; } t2[] = {
			{ "smtp", "smtp" }, { "submission", "smtp" },
			{ "ftp", "ftp" }, { "pop", "pop3" },
			{ "imap", "imap" }, { "ldap", "ldap" },
			{ "mysql", "mysql" }, { "pgsql", "pgsql" },
			{ "sip", "sip" },
		};
		const char *type = NULL;

		for (size_t i = 0; i < sizeof(t2) / sizeof(t2[0]); i++)
			if (strcmp(svc, t2[i].ld) == 0)
				type = t2[i].lvsmon;
		if (type == NULL) {
			kv = get(l, s, "service");
			mon_imp_unmapped(l->m, t, l->file,
			    kv != NULL ? kv->line : s->line, "service = %s "
			    "(no such check in lvsmon: tcp instead)", svc);
			type = "tcp";
		}
		fprintf(f, "type = \"%s\"; ", type);
		if (req != NULL || recv != NULL)
			mon_imp_unmapped(l->m, t, l->file, s->line, "request/"
			    "receive of service %s (lvsmon's %s check has its "
			    "own exchange)", svc, type);
	}
	if ((v = getv(l, s, "checkport")) != NULL)
		fprintf(f, "port = %ld; ", strtol(v, NULL, 10));
	else if (chkport > 0)
		fprintf(f, "port = %ld; ", chkport);
	fprintf(f, "interval = %g; timeout = %g; rise = 1; fall = %ld",
	    interval, timeout, fall);
}

/* The words of a real line: IP[:port] method [weight] ["req", "recv"]. */
static int
real_words(char *v, char **w, int max)
{
	int n = 0;

	while (*v != '\0' && n < max) {
		while (isspace((unsigned char)*v) || *v == ',')
			v++;
		if (*v == '\0')
			break;
		if (*v == '"') {
			w[n++] = ++v;
			while (*v != '\0' && *v != '"')
				v++;
		} else {
			w[n++] = v;
			while (*v != '\0' && !isspace((unsigned char)*v) &&
			    *v != ',')
				v++;
		}
		if (*v != '\0')
			*v++ = '\0';
	}
	return n;
}

static const char *
fwd_of(const char *m)
{
	if (strcmp(m, "gate") == 0)
		return "dr";
	if (strcmp(m, "masq") == 0)
		return "nat";
	if (strcmp(m, "ipip") == 0)
		return "tun";
	return NULL;
}

static void
map_virtual(struct ld *l, const struct ld_sect *s)
{
	struct mon_imp_svc	*svc;
	char			 addr[256], name[160], b[1024];
	const char		*virt = s->kv[0].val, *v, *fwd = NULL;
	const char		*proto = getv(l, s, "protocol");
	const char		*req = NULL, *recv = NULL;
	long			 port = 0, fwmark = 0;
	char			*end;
	int			 udp;

	fwmark = strtol(virt, &end, 10);
	if (*end != '\0' || fwmark <= 0)
		fwmark = 0;
	udp = proto != NULL && strcmp(proto, "udp") == 0;
	if (fwmark == 0 && split_hostport(virt, addr, sizeof(addr), &port,
	    udp ? "udp" : "tcp") < 0) {
		mon_imp_unmapped(l->m, &l->m->head, l->file, s->line,
		    "virtual = %s (lvsmon needs a numeric address and port)",
		    virt);
		return;
	}
	if ((v = getv(l, s, "servicename")) != NULL)
		snprintf(name, sizeof(name), "%s", unquote(v, b, sizeof(b)));
	else if (fwmark > 0)
		snprintf(name, sizeof(name), "fwmark%ld", fwmark);
	else
		snprintf(name, sizeof(name), "%s", virt);
	svc = mon_imp_svc_add(l->m, name);
	fprintf(svc->notes.f, "# %s:%d: virtual = %s\n", l->file, s->line,
	    virt);
	if (fwmark > 0)
		fprintf(svc->keys.f, "fwmark = %ld; ", fwmark);
	else {
		quoted_key(svc->keys.f, "address", addr);
		fprintf(svc->keys.f, "port = %ld; protocol = \"%s\"; ", port,
		    udp ? "udp" : "tcp");
	}
	if ((v = getv(l, s, "request")) != NULL)
		req = strdup(unquote(v, b, sizeof(b)));
	if ((v = getv(l, s, "receive")) != NULL)
		recv = strdup(unquote(v, b, sizeof(b)));

	/* keys of the section, in order; reals after */
	for (size_t i = 1; i < s->n; i++) {
		const struct ld_kv	*kv = &s->kv[i];
		const char		*k = kv->key;
		FILE			*f = svc->keys.f;

		if (strcmp(k, "scheduler") == 0)
			quoted_key(f, "scheduler", kv->val);
		else if (strcmp(k, "persistent") == 0)
			fprintf(f, "persistence = %ld; ",
			    strtol(kv->val, NULL, 10));
		else if (strcmp(k, "netmask") == 0) {
			if (strchr(kv->val, '.') != NULL)
				quoted_key(f, "persistence_netmask",
				    kv->val);
			else
				fprintf(f, "persistence_prefix = %ld; ",
				    strtol(kv->val, NULL, 10));
		} else if (strcmp(k, "protocol") == 0) {
			if (strcmp(kv->val, "fwm") != 0 &&
			    strcmp(kv->val, "tcp") != 0 &&
			    strcmp(kv->val, "udp") != 0)
				mon_imp_unmapped(l->m, &svc->notes, l->file,
				    kv->line, "protocol = %s", kv->val);
		} else if (strcmp(k, "ops") == 0)
			fprintf(f, "one_packet = %s; ", yes(kv->val) ?
			    "true" : "false");
		else if (strcmp(k, "real") == 0 || strcmp(k, "checktype") == 0
		    || strcmp(k, "service") == 0 || strcmp(k, "request") == 0
		    || strcmp(k, "receive") == 0 ||
		    strcmp(k, "checkport") == 0 ||
		    strcmp(k, "checkinterval") == 0 ||
		    strcmp(k, "checktimeout") == 0 ||
		    strcmp(k, "negotiatetimeout") == 0 ||
		    strcmp(k, "failurecount") == 0 ||
		    strcmp(k, "httpmethod") == 0 ||
		    strcmp(k, "virtualhost") == 0 ||
		    strcmp(k, "checkcommand") == 0 ||
		    strcmp(k, "quiescent") == 0 ||
		    strcmp(k, "fallback") == 0 ||
		    strcmp(k, "servicename") == 0 ||
		    ((strcmp(k, "login") == 0 || strcmp(k, "passwd") == 0 ||
		    strcmp(k, "secret") == 0) &&
		    strcmp(getv(l, s, "service") ?: "", "radius") == 0))
			;	/* below, or in the check */
		else if (strcmp(k, "comment") == 0)
			fprintf(svc->notes.f, "# %s:%d: comment: %s\n",
			    l->file, kv->line, unquote(kv->val, b,
			    sizeof(b)));
		else
			mon_imp_unmapped(l->m, &svc->notes, l->file, kv->line,
			    "%s = %s", k, kv->val);
	}
	v = getv(l, s, "quiescent");
	fprintf(svc->keys.f, "on_down = \"%s\"; ", v == NULL || yes(v) ?
	    "weight0" : "remove");
	if ((v = getv(l, s, "fallback")) != NULL) {
		char	 fb[1024], *w[4], sa[256];
		long	 fp;
		int	 n;

		snprintf(fb, sizeof(fb), "%s", v);
		n = real_words(fb, w, 4);
		if (n >= 1 && split_hostport(w[0], sa, sizeof(sa), &fp,
		    udp ? "udp" : "tcp") == 0 && (fp > 0 || port > 0)) {
			char hp[300];

			if (strchr(sa, ':') != NULL)
				snprintf(hp, sizeof(hp), "[%s]:%ld", sa,
				    fp > 0 ? fp : port);
			else
				snprintf(hp, sizeof(hp), "%s:%ld", sa,
				    fp > 0 ? fp : port);
			quoted_key(svc->keys.f, "sorry_server", hp);
		} else
			mon_imp_unmapped(l->m, &svc->notes, l->file,
			    get(l, s, "fallback")->line, "fallback = %s "
			    "(lvsmon needs a numeric IP:PORT)", v);
	}

	for (size_t i = 1; i < s->n; i++) {
		const struct ld_kv	*kv = &s->kv[i];
		char			 rb[1024], *w[8], ra[256], *arrow;
		long			 rp, weight = 1, chkport;
		int			 n, count = 1;
		uint32_t		 first = 0;
		struct in_addr		 a4;

		if (strcmp(kv->key, "real") != 0)
			continue;
		snprintf(rb, sizeof(rb), "%s", kv->val);
		n = real_words(rb, w, 8);
		if (n < 1) {
			mon_imp_unmapped(l->m, &svc->notes, l->file, kv->line,
			    "real = %s", kv->val);
			continue;
		}
		/* a->b: an IPv4 range, each address a real */
		if ((arrow = strstr(w[0], "->")) != NULL) {
			char	 a[64], bb[256];
			struct in_addr lo, hi;

			snprintf(a, sizeof(a), "%.*s", (int)(arrow - w[0]),
			    w[0]);
			if (split_hostport(arrow + 2, bb, sizeof(bb), &rp,
			    udp ? "udp" : "tcp") < 0 ||
			    inet_pton(AF_INET, a, &lo) != 1 ||
			    inet_pton(AF_INET, bb, &hi) != 1 ||
			    ntohl(hi.s_addr) < ntohl(lo.s_addr) ||
			    ntohl(hi.s_addr) - ntohl(lo.s_addr) >=
			    LD_MAX_RANGE) {
				mon_imp_unmapped(l->m, &svc->notes, l->file,
				    kv->line, "real = %s (a range lvsmon "
				    "cannot expand)", kv->val);
				continue;
			}
			first = ntohl(lo.s_addr);
			count = (int)(ntohl(hi.s_addr) - first) + 1;
		} else if (split_hostport(w[0], ra, sizeof(ra), &rp,
		    udp ? "udp" : "tcp") < 0) {
			mon_imp_unmapped(l->m, &svc->notes, l->file, kv->line,
			    "real = %s (lvsmon needs a numeric address)",
			    kv->val);
			continue;
		}
		if (n >= 2) {
			const char *fw = fwd_of(w[1]);

			if (fw == NULL)
				mon_imp_unmapped(l->m, &svc->notes, l->file,
				    kv->line, "real = %s (method %s)",
				    kv->val, w[1]);
			else if (fwd == NULL) {
				fwd = fw;
				fprintf(svc->keys.f, "forward = \"%s\"; ",
				    fwd);
			} else if (strcmp(fw, fwd) != 0)
				mon_imp_unmapped(l->m, &svc->notes, l->file,
				    kv->line, "real = %s (forwarding %s: "
				    "lvsmon's is per service, %s kept)",
				    kv->val, w[1], fwd);
		}
		if (n >= 3)
			weight = strtol(w[2], NULL, 10);
		/* ldirectord gives a gate or ipip real of an address
		   service the virtual port (the kernel forwards unchanged);
		   the check stays on the port written */
		chkport = 0;
		if (fwmark == 0 && n >= 2 && fwd_of(w[1]) != NULL &&
		    strcmp(w[1], "masq") != 0 && rp > 0 && rp != port) {
			fprintf(svc->notes.f, "# %s:%d: real = %s: not masq: "
			    "the kernel gets port %ld (as ldirectord does), "
			    "the check port %ld\n", l->file, kv->line,
			    kv->val, port, rp);
			chkport = rp;
			rp = port;
		}
		for (int j = 0; j < count; j++) {
			struct mon_imp_real *r;

			if (arrow != NULL) {
				a4.s_addr = htonl(first + (uint32_t)j);
				inet_ntop(AF_INET, &a4, ra, sizeof(ra));
			}
			r = mon_imp_real_add(svc, ra, rp > 0 ? (int)rp : 0);
			r->weight = weight < 0 || weight > 65535 ? 1 :
			    (int)weight;
			if (strcmp(getv(l, s, "checktype") ?: "", "off") == 0)
				r->weight = 0;
			if (j == 0 && arrow != NULL)
				fprintf(r->notes.f, "# %s:%d: range %s\n",
				    l->file, kv->line, w[0]);
			make_check(l, s, r->check.f, &r->notes,
			    fwmark > 0 ? 0 : port, udp,
			    n >= 5 ? w[3] : req, n >= 5 ? w[4] : recv,
			    chkport);
			for (int x = n >= 5 ? 5 : 3; x < n; x++) {
				if (w[x][0] == '<' && w[x][1] == 'u')
					fprintf(r->keys.f, "upper_threshold = "
					    "%ld; ", strtol(w[x] + 3, NULL,
					    10));
				else if (w[x][0] == '<' && w[x][1] == 'l')
					fprintf(r->keys.f, "lower_threshold = "
					    "%ld; ", strtol(w[x] + 3, NULL,
					    10));
				else if (j == 0)
					mon_imp_unmapped(l->m, &r->notes,
					    l->file, kv->line, "real: \"%s\"",
					    w[x]);
			}
		}
	}
	free((char *)req);
	free((char *)recv);
	mon_imp_hoist_checks(svc);
}

static void
map_global(struct ld *l)
{
	const char	*to = NULL, *smtp = NULL, *from = NULL, *freq = NULL;
	char		 b[1024];

	for (size_t i = 0; i < l->global.n; i++) {
		const struct ld_kv	*kv = &l->global.kv[i];
		const char		*k = kv->key;

		if (strcmp(k, "maintenancedir") == 0)
			quoted_key(l->m->global.f, "maintenance_dir",
			    unquote(kv->val, b, sizeof(b)));
		else if (strcmp(k, "emailalert") == 0)
			to = kv->val;
		else if (strcmp(k, "smtp") == 0)
			smtp = kv->val;
		else if (strcmp(k, "emailalertfrom") == 0)
			from = kv->val;
		else if (strcmp(k, "emailalertfreq") == 0)
			freq = kv->val;
		else if (strcmp(k, "cleanstop") == 0)
			fprintf(l->m->global.f, "on_exit = \"%s\"; ",
			    yes(kv->val) ? "flush" : "keep");
		else if (strcmp(k, "checktimeout") == 0 ||
		    strcmp(k, "negotiatetimeout") == 0 ||
		    strcmp(k, "checkinterval") == 0 ||
		    strcmp(k, "failurecount") == 0 ||
		    strcmp(k, "quiescent") == 0 ||
		    strcmp(k, "fallback") == 0)
			;	/* defaults of every virtual */
		else
			mon_imp_unmapped(l->m, &l->m->head, l->file, kv->line,
			    "%s = %s", k, kv->val);
	}
	if (to != NULL && smtp != NULL) {
		FILE	*f = l->m->alerts.f;
		char	 tb[1024], *w, *save = NULL;
		int	 n = 0;

		fprintf(f, "  # from emailalert and smtp\n"
		    "  { type = \"mail\"; ");
		snprintf(b, sizeof(b), "%s:25", unquote(smtp, tb,
		    sizeof(tb)));
		quoted_key(f, "relay", strchr(smtp, ':') ? tb : b);
		if (from != NULL)
			quoted_key(f, "from", unquote(from, b, sizeof(b)));
		if (freq != NULL && strtol(freq, NULL, 10) > 0)
			fprintf(f, "alertevery = %ld; ", strtol(freq, NULL,
			    10));
		fprintf(f, "to = [");
		unquote(to, tb, sizeof(tb));
		for (w = strtok_r(tb, ", \t", &save); w != NULL;
		    w = strtok_r(NULL, ", \t", &save))
			fprintf(f, "%s\"%s\"", n++ ? ", " : " ", w);
		fprintf(f, " ]; }\n");
		l->m->nalerts++;
	} else if (to != NULL)
		mon_imp_unmapped(l->m, &l->m->head, l->file, 0, "emailalert = "
		    "%s (lvsmon's mail sink needs a relay: smtp = IP)", to);
}

int
mon_import_ldirectord(struct mon_imp *m, const char *path, struct err *e)
{
	struct ld	l = { .m = m, .file = path };
	int		rc;

	if ((rc = read_cf(&l, path, e)) == 0) {
		map_global(&l);
		for (size_t i = 0; i < l.nvirt; i++)
			map_virtual(&l, &l.virt[i]);
	}
	for (size_t i = 0; i < l.global.n; i++)
		free(l.global.kv[i].key), free(l.global.kv[i].val);
	free(l.global.kv);
	for (size_t i = 0; i < l.nvirt; i++) {
		for (size_t j = 0; j < l.virt[i].n; j++)
			free(l.virt[i].kv[j].key), free(l.virt[i].kv[j].val);
		free(l.virt[i].kv);
	}
	free(l.virt);
	return rc;
}

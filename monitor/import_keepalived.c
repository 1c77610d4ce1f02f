/*
 * monitor/import_keepalived.c - keepalived.conf (2.x; the 1.x names lb_algo,
 * lb_kind, nb_get_retry too) into the import model (monitor/import.h).
 *
 * Two passes.  The reader turns the files (include globs expanded, relative
 * to the including file, at most 8 deep) into a tree of statements: a
 * keyword, its words up to the end of the line, and its block if a "{"
 * follows (on the same line or the next).  The mapper walks the tree:
 * virtual_server (address/port, fwmark, group) into services, real_server
 * into reals, the first checker of a real into its check, retry and delays
 * into fall and intervals, notify scripts into exec alert sinks, VRRP
 * blocks into comments.  Whatever it does not know becomes a "not mapped"
 * comment naming the file and line.
 *
 * keepalived's semantics, and how they land:
 *   delay_loop (60 s)            interval
 *   connect_timeout (5 s)        timeout (MISC_CHECK: misc_timeout)
 *   retry (1; DNS 3, MISC 0)     fall = retry + 1: keepalived retries
 *                                retry times before it calls a real down
 *   delay_before_retry           fast_interval (the pace while falling)
 *   (one success brings it up)   rise = 1
 *   inhibit_on_failure           on_down "weight0", else "remove": a failed
 *                                real leaves the IPVS table in keepalived
 *   quorum (a weight sum)        quorum_weight; hysteresis as is
 */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

#define KA_MAX_DEPTH	8	/* includes within includes */
#define KA_MAX_FILES	256

struct ka_tok {
	char		*s;
	const char	*file;
	int		 line;
	int		 bol;		/* first word of its line */
	int		 quoted;
};

struct ka_node {
	const char	*kw;
	char		**args;
	int		 nargs;
	const char	*file;
	int		 line;
	struct ka_node	*kids;
	size_t		 nkids;
	int		 block;		/* had { } */
};

struct ka {
	struct mon_imp	*m;
	struct ka_tok	*toks;
	size_t		 ntoks;
	char		*files[KA_MAX_FILES];
	size_t		 nfiles;
	struct ka_node	 root;
	/* global_defs for a mail sink */
	char		*mail_from, *smtp_server;
	char		**mail_to;
	size_t		 nmail_to;
	/* scripts already made an alert sink */
	char		**scripts;
	size_t		 nscripts;
	int		 nsvc;
};

/* ---------------------------------------------------------------- reader */

static void
tok_add(struct ka *k, const char *s, size_t n, const char *file, int line,
    int bol, int quoted)
{
	struct ka_tok *t;

	k->toks = mon_imp_realloc(k->toks, k->ntoks + 1, sizeof(*k->toks));
	t = &k->toks[k->ntoks++];
	t->s = mon_imp_realloc(NULL, n + 1, 1);
	memcpy(t->s, s, n);
	t->s[n] = '\0';
	t->file = file;
	t->line = line;
	t->bol = bol;
	t->quoted = quoted;
}

static int read_file(struct ka *k, const char *path, int depth,
    struct err *e);

/* include PATTERN: a glob, relative to the including file's directory. */
static int
include(struct ka *k, const char *pat, const char *from, int line, int depth,
    struct err *e)
{
	char	*dir, *full;
	glob_t	 g;
	int	 rc = 0, grc;

	if (depth >= KA_MAX_DEPTH)
		return err_set(e, -ELOOP, "%s:%d: include %s: more than %d "
		    "levels of include", from, line, pat, KA_MAX_DEPTH);
	if (pat[0] == '/')
		full = mon_imp_strdup(pat);
	else {
		char *tmp = mon_imp_strdup(from);

		dir = dirname(tmp);
		if (asprintf(&full, "%s/%s", dir, pat) < 0) {
			fprintf(stderr, "lvsmonctl: out of memory\n");
			exit(1);
		}
		free(tmp);
	}
	grc = glob(full, 0, NULL, &g);
	if (grc == GLOB_NOMATCH) {
		/* keepalived says nothing; a silent empty include is what
		   a migration must not hide */
		fprintf(k->m->head.f, "# %s:%d: include %s matched no file\n",
		    from, line, pat);
		free(full);
		return 0;
	}
	if (grc != 0) {
		rc = err_set(e, -EIO, "%s:%d: include %s: cannot read", from,
		    line, pat);
		free(full);
		return rc;
	}
	for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
		rc = read_file(k, g.gl_pathv[i], depth + 1, e);
	globfree(&g);
	free(full);
	return rc;
}

static int
read_file(struct ka *k, const char *path, int depth, struct err *e)
{
	FILE		*f;
	char		*line = NULL, *name;
	size_t		 cap = 0;
	ssize_t		 len;
	int		 lineno = 0, rc = 0;

	if (k->nfiles >= KA_MAX_FILES)
		return err_set(e, -E2BIG, "%s: more than %d files included",
		    path, KA_MAX_FILES);
	if ((f = fopen(path, "r")) == NULL)
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	name = k->files[k->nfiles++] = mon_imp_strdup(path);
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		size_t	 first = k->ntoks;
		char	*p = line;

		lineno++;
		for (;;) {
			char	*start;

			while (*p != '\0' && isspace((unsigned char)*p))
				p++;
			if (*p == '\0' || *p == '#' || *p == '!')
				break;
			if (*p == '{' || *p == '}') {
				tok_add(k, p, 1, name, lineno,
				    k->ntoks == first, 0);
				p++;
				continue;
			}
			if (*p == '"') {
				start = ++p;
				while (*p != '\0' && *p != '"' && *p != '\n')
					p++;
				tok_add(k, start, (size_t)(p - start), name,
				    lineno, k->ntoks == first, 1);
				if (*p == '"')
					p++;
				continue;
			}
			start = p;
			while (*p != '\0' && !isspace((unsigned char)*p) &&
			    *p != '{' && *p != '}')
				p++;
			tok_add(k, start, (size_t)(p - start), name, lineno,
			    k->ntoks == first, 0);
		}
		if (k->ntoks > first && !k->toks[first].quoted &&
		    strcmp(k->toks[first].s, "include") == 0) {
			char *pat;

			if (k->ntoks - first != 2) {
				rc = err_set(e, -EINVAL, "%s:%d: include: "
				    "expected one file name or pattern", name,
				    lineno);
				break;
			}
			pat = k->toks[first + 1].s;
			k->ntoks = first;
			free(k->toks[first].s);
			rc = include(k, pat, name, lineno, depth, e);
			free(pat);
		}
	}
	if (rc == 0 && ferror(f))
		rc = err_set(e, -EIO, "%s:%d: read error", name, lineno + 1);
	free(line);
	fclose(f);
	return rc;
}

static int
is_brace(const struct ka_tok *t, char c)
{
	return !t->quoted && t->s[0] == c && t->s[1] == '\0';
}

static int
parse_block(struct ka *k, size_t *i, struct ka_node *parent, int depth,
    struct err *e)
{
	while (*i < k->ntoks) {
		struct ka_tok	*t = &k->toks[*i];
		struct ka_node	*n;

		if (is_brace(t, '}')) {
			if (depth == 0)
				return err_set(e, -EINVAL, "%s:%d: \"}\" "
				    "closes no block", t->file, t->line);
			(*i)++;
			return 0;
		}
		if (is_brace(t, '{'))
			return err_set(e, -EINVAL, "%s:%d: \"{\" without a "
			    "keyword before it", t->file, t->line);
		parent->kids = mon_imp_realloc(parent->kids, parent->nkids + 1,
		    sizeof(*parent->kids));
		n = &parent->kids[parent->nkids++];
		memset(n, 0, sizeof(*n));
		n->kw = t->s;
		n->file = t->file;
		n->line = t->line;
		(*i)++;
		while (*i < k->ntoks && !k->toks[*i].bol &&
		    !is_brace(&k->toks[*i], '{') &&
		    !is_brace(&k->toks[*i], '}')) {
			n->args = mon_imp_realloc(n->args, (size_t)n->nargs + 1,
			    sizeof(*n->args));
			n->args[n->nargs++] = k->toks[(*i)++].s;
		}
		if (*i < k->ntoks && is_brace(&k->toks[*i], '{')) {
			struct ka_tok	*open = &k->toks[*i];
			size_t		 before;
			int		 rc;

			(*i)++;
			n->block = 1;
			before = *i;
			rc = parse_block(k, i, n, depth + 1, e);
			if (rc < 0)
				return rc;
			/* parse_block returns at EOF too: was it closed? */
			if (*i == k->ntoks && (*i == before ||
			    !is_brace(&k->toks[*i - 1], '}')))
				return err_set(e, -EINVAL, "%s:%d: %s: "
				    "block not closed (\"}\" missing)",
				    open->file, open->line, n->kw);
		}
	}
	return 0;
}

static void
node_free(struct ka_node *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		node_free(&n->kids[i]);
	free(n->kids);
	free(n->args);
}

/* ---------------------------------------------------------------- mapper */

/* Every word of a statement as one line: "keyword a b". */
static const char *
words(const struct ka_node *n, char *buf, size_t len)
{
	size_t off;

	snprintf(buf, len, "%s", n->kw);
	for (int i = 0; i < n->nargs; i++) {
		off = strlen(buf);
		snprintf(buf + off, len - off, " %s", n->args[i]);
	}
	if (n->block) {
		off = strlen(buf);
		snprintf(buf + off, len - off, " { ... }");
	}
	return buf;
}

static void
unmapped(struct ka *k, struct mon_imp_text *t, const struct ka_node *n,
    const char *why)
{
	char buf[512];

	mon_imp_unmapped(k->m, t, n->file, n->line, "%s%s%s%s",
	    words(n, buf, sizeof(buf)), why ? " (" : "", why ? why : "",
	    why ? ")" : "");
}

static void
note(struct mon_imp_text *t, const struct ka_node *n, const char *fmt,
    const char *arg)
{
	fprintf(t->f, "# %s:%d: ", n->file, n->line);
	fprintf(t->f, fmt, arg);
	fputc('\n', t->f);
}

static int
is(const struct ka_node *n, const char *kw)
{
	return strcmp(n->kw, kw) == 0;
}

static const char *
arg(const struct ka_node *n, int i)
{
	return i < n->nargs ? n->args[i] : NULL;
}

/* A keepalived <TIMER>: seconds, maybe with decimals. */
static int
timer(const struct ka_node *n, double *out)
{
	char	*end;
	double	 v;

	if (n->nargs < 1)
		return -1;
	v = strtod(n->args[0], &end);
	if (*end != '\0' || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int
integer(const struct ka_node *n, long *out)
{
	char	*end;
	long	 v;

	if (n->nargs < 1)
		return -1;
	v = strtol(n->args[0], &end, 10);
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* "IP:PORT" with brackets for IPv6. */
static void
hostport(char *buf, size_t len, const char *addr, const char *port)
{
	if (strchr(addr, ':') != NULL)
		snprintf(buf, len, "[%s]:%s", addr, port);
	else
		snprintf(buf, len, "%s:%s", addr, port);
}

/* Check settings inherited virtual_server -> real_server -> checker. */
struct ka_chk {
	double	 delay_loop, connect_timeout, delay_before_retry;
	long	 retry;
	int	 has_delay_loop, has_timeout, has_dbr, has_retry;
	const char *virtualhost;
};

/* Take an inheritable setting from n into c; 1 if n was one. */
static int
chk_setting(struct ka *k, struct mon_imp_text *t, const struct ka_node *n,
    struct ka_chk *c)
{
	double	d;
	long	l;

	if (is(n, "delay_loop")) {
		if (timer(n, &d) == 0 && d > 0)
			c->delay_loop = d, c->has_delay_loop = 1;
		else
			unmapped(k, t, n, "not a number of seconds");
	} else if (is(n, "connect_timeout")) {
		if (timer(n, &d) == 0 && d > 0)
			c->connect_timeout = d, c->has_timeout = 1;
		else
			unmapped(k, t, n, "not a number of seconds");
	} else if (is(n, "delay_before_retry")) {
		if (timer(n, &d) == 0 && d > 0)
			c->delay_before_retry = d, c->has_dbr = 1;
		else
			unmapped(k, t, n, "not a number of seconds");
	} else if (is(n, "retry") || is(n, "nb_get_retry") ||
	    is(n, "nb_sock_retry")) {
		if (integer(n, &l) == 0 && l >= 0 && l < 999)
			c->retry = l, c->has_retry = 1;
		else
			unmapped(k, t, n, "not a count");
	} else if (is(n, "virtualhost")) {
		c->virtualhost = arg(n, 0);
	} else if (is(n, "alpha")) {
		note(t, n, "%s: lvsmon starts every real down until its "
		    "first check", "alpha");
	} else if (is(n, "warmup")) {
		note(t, n, "%s: lvsmon starts each check at a random time "
		    "in its first interval", "warmup");
	} else
		return 0;
	return 1;
}

/* Is n one of the settings chk_setting() takes (already read)? */
static int
chk_kw(const struct ka_node *n)
{
	static const char *const kws[] = { "delay_loop", "connect_timeout",
	    "delay_before_retry", "retry", "nb_get_retry", "nb_sock_retry",
	    "virtualhost", "alpha", "warmup", NULL };

	for (size_t i = 0; kws[i] != NULL; i++)
		if (is(n, kws[i]))
			return 1;
	return 0;
}

static void
put_double(FILE *f, const char *key, double v)
{
	if (v == (long)v)
		fprintf(f, "%s = %ld; ", key, (long)v);
	else
		fprintf(f, "%s = %g; ", key, v);
}

/* The common keys of a check from keepalived's settings. */
static void
chk_common(FILE *f, const struct ka_chk *c, long def_retry, double def_dbr,
    int dbr_is_loop, double timeout)
{
	double	 loop = c->has_delay_loop ? c->delay_loop : 60;
	long	 retry = c->has_retry ? c->retry : def_retry;
	double	 dbr = c->has_dbr ? c->delay_before_retry :
	    dbr_is_loop ? loop : def_dbr;

	put_double(f, "interval", loop);
	put_double(f, "timeout", timeout > 3600 ? 3600 : timeout);
	fprintf(f, "rise = 1; fall = %ld; ", retry + 1);
	if (dbr != loop && retry > 0)
		put_double(f, "fast_interval", dbr);
}

/* keepalived's free-form hex ("Ab12f 3 456" = AB 12 0F 03 45 06) as
 * pairs for lvsmon; x/X nibbles (reply only) as ??. */
static int
hex_pairs(const char *const *w, int nw, char *out, size_t len, int wild)
{
	size_t	o = 0;

	out[0] = '\0';
	for (int i = 0; i < nw; i++) {
		const char	*s = w[i];
		size_t		 n = strlen(s);

		for (size_t j = 0; j < n; j += 2) {
			char	a = s[j], b = j + 1 < n ? s[j + 1] : 0;
			char	pair[3];

			if (b == 0)
				b = a, a = '0';
			if (!(isxdigit((unsigned char)a) ||
			    (wild && (a == 'x' || a == 'X'))) ||
			    !(isxdigit((unsigned char)b) ||
			    (wild && (b == 'x' || b == 'X'))))
				return -1;
			if (a == 'x' || a == 'X' || b == 'x' || b == 'X')
				snprintf(pair, sizeof(pair), "??");
			else
				snprintf(pair, sizeof(pair), "%c%c", a, b);
			if (o + 4 >= len)
				return -1;
			o += (size_t)snprintf(out + o, len - o, "%s%s",
			    o ? " " : "", pair);
		}
	}
	return 0;
}

/* Split a script line into command and args (quotes group words). */
static void
put_command(FILE *f, const char *line)
{
	char	 buf[1024], *p = buf, *w;
	int	 n = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (*p == '\'' || *p == '"') {
			char q = *p++;

			w = p;
			while (*p != '\0' && *p != q)
				p++;
		} else {
			w = p;
			while (*p != '\0' && *p != ' ' && *p != '\t')
				p++;
		}
		if (*p != '\0')
			*p++ = '\0';
		if (n == 0) {
			fprintf(f, "command = ");
			mon_imp_quote(f, w);
			fprintf(f, "; args = [");
		} else {
			fprintf(f, "%s", n > 1 ? ", " : " ");
			mon_imp_quote(f, w);
		}
		n++;
	}
	if (n == 0)
		fprintf(f, "command = \"\"; args = [");
	fprintf(f, "%s]; ", n > 1 ? " " : "");
}

static const char *
track_file_path(struct ka *k, const char *name)
{
	for (size_t i = 0; i < k->root.nkids; i++) {
		const struct ka_node *g = &k->root.kids[i];

		if (is(g, "track_file") && g->nargs == 1 &&
		    strcmp(g->args[0], name) == 0)
			for (size_t j = 0; j < g->nkids; j++)
				if (is(&g->kids[j], "file") &&
				    g->kids[j].nargs >= 1)
					return g->kids[j].args[0];
	}
	return NULL;
}

/* One checker block of a real into rs->check (or weight_file). */
static void
map_checker(struct ka *k, struct mon_imp_real *rs, const struct ka_node *n,
    struct ka_chk c, int *have, long defport)
{
	FILE		*f = rs->check.f;
	struct mon_imp_text *t = &rs->notes;
	long		 def_retry = 1, port = 0;
	double		 def_dbr = 1, timeout;
	int		 dbr_loop = 0;
	const char	*type = NULL;
	const struct ka_node *url = NULL, *smtp_host = NULL;
	const char	*misc_path = NULL;
	const struct ka_node *reply = NULL, *payload = NULL;
	const char	*dns_type = "SOA", *dns_name = ".";
	double		 misc_timeout = -1;
	int		 misc_dynamic = 0, enable_sni = 0;
	char		 buf[512];

	if (is(n, "FILE_CHECK")) {
		for (size_t i = 0; i < n->nkids; i++) {
			const struct ka_node *s = &n->kids[i];

			if (is(s, "track_file") && s->nargs == 1 &&
			    track_file_path(k, s->args[0]) == NULL)
				unmapped(k, t, s, "no track_file block of "
				    "that name with a file");
			else if (is(s, "track_file") && s->nargs == 1) {
				fprintf(rs->keys.f, "weight_file = ");
				mon_imp_quote(rs->keys.f,
				    track_file_path(k, s->args[0]));
				fprintf(rs->keys.f, "; ");
				note(t, s, "FILE_CHECK %s: lvsmon reads the "
				    "file's number as the weight (0 = out), "
				    "not keepalived's weight multiplier",
				    s->args[0]);
			} else if (is(s, "weight") || is(s, "dynamic"))
				unmapped(k, t, s, "lvsmon: the number in "
				    "the file is the weight");
			else
				unmapped(k, t, s, NULL);
		}
		return;
	}
	if (*have) {
		unmapped(k, t, n, "lvsmon runs one check per real: the first "
		    "one is kept");
		return;
	}
	if (is(n, "TCP_CHECK"))
		type = "tcp";
	else if (is(n, "HTTP_GET"))
		type = "http", def_dbr = 3;
	else if (is(n, "SSL_GET"))
		type = "https", def_dbr = 3;
	else if (is(n, "SMTP_CHECK"))
		type = "smtp";
	else if (is(n, "DNS_CHECK"))
		type = "dns", def_retry = 3, dbr_loop = 1;
	else if (is(n, "UDP_CHECK"))
		type = "udp";
	else if (is(n, "PING_CHECK") || is(n, "ICMP_CHECK"))
		type = "icmp";
	else if (is(n, "MISC_CHECK"))
		type = "exec", def_retry = 0;
	else {
		unmapped(k, t, n, "no such check in lvsmon");
		return;
	}
	for (size_t i = 0; i < n->nkids; i++) {
		const struct ka_node	*s = &n->kids[i];
		long			 l;

		if (chk_setting(k, t, s, &c))
			continue;
		if (is(s, "connect_port")) {
			if (integer(s, &l) == 0 && l > 0 && l < 65536)
				port = l;
			else
				unmapped(k, t, s, "not a port");
		} else if (is(s, "url") && url == NULL &&
		    (is(n, "HTTP_GET") || is(n, "SSL_GET")))
			url = s;
		else if (is(s, "enable_sni") && is(n, "SSL_GET"))
			enable_sni = 1;
		else if (is(s, "host") && is(n, "SMTP_CHECK") && s->block &&
		    smtp_host == NULL)
			smtp_host = s;
		else if (is(s, "type") && is(n, "DNS_CHECK") && s->nargs == 1)
			dns_type = s->args[0];
		else if (is(s, "name") && is(n, "DNS_CHECK") && s->nargs == 1)
			dns_name = s->args[0];
		else if (is(s, "misc_path") && is(n, "MISC_CHECK") &&
		    s->nargs >= 1)
			misc_path = s->args[0];
		else if (is(s, "misc_timeout") && is(n, "MISC_CHECK") &&
		    timer(s, &misc_timeout) == 0)
			;
		else if (is(s, "misc_dynamic") && is(n, "MISC_CHECK"))
			misc_dynamic = 1;
		else if (is(s, "payload") && is(n, "UDP_CHECK"))
			payload = s;
		else if (is(s, "require_reply") && is(n, "UDP_CHECK"))
			reply = s;
		else
			unmapped(k, t, s, NULL);
	}
	*have = 1;
	timeout = c.has_timeout ? c.connect_timeout : 5;
	if (is(n, "MISC_CHECK"))
		timeout = misc_timeout > 0 ? misc_timeout :
		    c.has_delay_loop ? c.delay_loop : 60;
	fprintf(f, "type = \"%s\"; ", type);
	if (port == 0)
		port = defport;
	if (port > 0)
		fprintf(f, "port = %ld; ", port);
	chk_common(f, &c, def_retry, def_dbr, dbr_loop, timeout);
	if (url != NULL) {
		const char	*path = "/", *host = c.virtualhost;
		char		 codes[256] = "";

		for (size_t i = 0; i < url->nkids; i++) {
			const struct ka_node *s = &url->kids[i];

			if (is(s, "path") && s->nargs == 1)
				path = s->args[0];
			else if (is(s, "status_code") && s->nargs >= 1)
				for (int j = 0; j < s->nargs; j++) {
					size_t o = strlen(codes);

					snprintf(codes + o, sizeof(codes) - o,
					    "%s%s", o ? "," : "", s->args[j]);
				}
			else if (is(s, "virtualhost") && s->nargs == 1)
				host = s->args[0];
			else if (is(s, "regex") && s->nargs == 1) {
				fprintf(f, "expect_body = ");
				mon_imp_quote(f, s->args[0]);
				fprintf(f, "; ");
			} else if (is(s, "digest"))
				unmapped(k, t, s, "lvsmon has no body digest; "
				    "use expect_body");
			else
				unmapped(k, t, s, NULL);
		}
		fprintf(f, "path = ");
		mon_imp_quote(f, path);
		/* keepalived's default is 2xx, lvsmon's 200-399 */
		fprintf(f, "; expect_status = ");
		mon_imp_quote(f, codes[0] ? codes : "200-299");
		fprintf(f, "; ");
		if (host != NULL) {
			fprintf(f, "host = ");
			mon_imp_quote(f, host);
			fprintf(f, "; ");
			if (enable_sni) {
				fprintf(f, "sni = ");
				mon_imp_quote(f, host);
				fprintf(f, "; ");
			}
		}
		for (size_t i = 0; i < n->nkids; i++)
			if (is(&n->kids[i], "url") && &n->kids[i] != url)
				unmapped(k, t, &n->kids[i], "lvsmon checks "
				    "one URL per real: the first is kept");
	} else if (is(n, "HTTP_GET") || is(n, "SSL_GET"))
		fprintf(f, "expect_status = \"200-299\"; ");
	if (smtp_host != NULL) {
		for (size_t i = 0; i < smtp_host->nkids; i++) {
			const struct ka_node *s = &smtp_host->kids[i];
			long l;

			if (is(s, "connect_port") && integer(s, &l) == 0 &&
			    port == 0)
				fprintf(f, "port = %ld; ", l);
			else
				unmapped(k, t, s, NULL);
		}
		for (size_t i = 0; i < n->nkids; i++)
			if (is(&n->kids[i], "host") &&
			    &n->kids[i] != smtp_host)
				unmapped(k, t, &n->kids[i], "lvsmon checks "
				    "one host per real: the first is kept");
	}
	if (is(n, "DNS_CHECK")) {
		fprintf(f, "name = ");
		mon_imp_quote(f, dns_name);
		fprintf(f, "; qtype = ");
		mon_imp_quote(f, dns_type);
		fprintf(f, "; ");
	}
	if (is(n, "UDP_CHECK")) {
		const struct ka_node *pl = payload;

		if (pl != NULL) {
			if (hex_pairs((const char *const *)pl->args,
			    pl->nargs, buf, sizeof(buf), 0) == 0) {
				fprintf(f, "send_hex = ");
				mon_imp_quote(f, buf);
				fprintf(f, "; ");
			} else
				unmapped(k, t, pl, "not hex");
		}
		if (reply != NULL && reply->nargs == 0)
			fprintf(f, "expect_hex = \"??\"; ");
		else if (reply != NULL) {
			if (hex_pairs((const char *const *)reply->args,
			    reply->nargs, buf, sizeof(buf), 1) == 0) {
				fprintf(f, "expect_hex = ");
				mon_imp_quote(f, buf);
				fprintf(f, "; ");
			} else
				unmapped(k, t, reply, "not hex");
		}
	}
	if (is(n, "MISC_CHECK")) {
		put_command(f, misc_path != NULL ? misc_path : "");
		/* keepalived runs misc_path as written, judged by its own
		   exit codes (checkers/exec.c: argv_style) */
		fprintf(f, "argv_style = \"%s\"; ", misc_dynamic ?
		    "keepalived_dynamic" : "keepalived");
		if (misc_path == NULL)
			note(t, n, "%s: no misc_path", "MISC_CHECK");
	}
}

static void
alert_script(struct ka *k, const char *svc, const char *script,
    const char *events, int upalert, const struct ka_node *n)
{
	FILE *f = k->m->alerts.f;

	fprintf(f, "%s  # from %s %s (%s:%d); lvsmon runs it as a mon alert "
	    "script:\n  # SCRIPT ARGS -s CHECK -g SERVICE -h SERVER -t TIME"
	    "%s\n", k->m->nalerts ? ",\n" : "", n->kw, script, n->file,
	    n->line, upalert ? " [-u on recovery]" : "");
	fprintf(f, "  { type = \"exec\"; ");
	put_command(f, script);
	fprintf(f, "services = [ ");
	mon_imp_quote(f, svc);
	fprintf(f, " ]; events = [ \"%s\" ]; upalert = %s; }", events,
	    upalert ? "true" : "false");
	k->m->nalerts++;
}

/* A real_server block. */
static void
map_real(struct ka *k, struct mon_imp_svc *svc, const struct ka_node *n,
    struct ka_chk c, const char *vport, int *on_down_seen, int udp, int nat)
{
	struct mon_imp_real	*rs;
	long			 port = 0, l, chkport = 0;
	int			 have = 0;
	char			 key[160];

	if (n->nargs < 1 || n->nargs > 2) {
		unmapped(k, &svc->notes, n, "expected real_server IP [PORT]");
		return;
	}
	if (n->nargs == 2) {
		char *end;

		port = strtol(n->args[1], &end, 10);
		if (*end != '\0' || port < 0 || port > 65535) {
			unmapped(k, &svc->notes, n, "port not a number");
			return;
		}
	}
	/* keepalived gives a DR or TUN real the virtual port (none for a
	   fwmark service), as the kernel forwards unchanged; its checks
	   stay on the port written */
	if (!nat && port > 0) {
		long vp = vport != NULL ? strtol(vport, NULL, 10) : 0;

		if (vp != port) {
			fprintf(svc->notes.f, "# %s:%d: real_server %s %s: "
			    "not NAT: the kernel gets port %ld (as keepalived "
			    "does), the check port %ld\n", n->file, n->line,
			    n->args[0], n->args[1], vp, port);
			chkport = port;
			port = vp;
		}
	}
	rs = mon_imp_real_add(svc, n->args[0], (int)port);
	hostport(key, sizeof(key), n->args[0], n->nargs == 2 ? n->args[1] :
	    vport != NULL ? vport : "0");
	for (size_t i = 0; i < n->nkids; i++)
		if (chk_setting(k, &rs->notes, &n->kids[i], &c))
			continue;
	for (size_t i = 0; i < n->nkids; i++) {
		const struct ka_node *s = &n->kids[i];

		if (chk_kw(s))
			continue;
		if (is(s, "weight")) {
			if (integer(s, &l) == 0 && l >= 0 && l <= 65535)
				rs->weight = (int)l;
			else
				unmapped(k, &rs->notes, s, "not 0..65535");
		} else if (is(s, "uthreshold") && integer(s, &l) == 0)
			fprintf(rs->keys.f, "upper_threshold = %ld; ", l);
		else if (is(s, "lthreshold") && integer(s, &l) == 0)
			fprintf(rs->keys.f, "lower_threshold = %ld; ", l);
		else if (is(s, "notify_up") && s->nargs >= 1)
			alert_script(k, svc->name, s->args[0], "real", 1, s);
		else if (is(s, "notify_down") && s->nargs >= 1)
			alert_script(k, svc->name, s->args[0], "real", 0, s);
		else if (is(s, "inhibit_on_failure")) {
			/* lvsmon's on_down is the service's */
			if (!*on_down_seen)
				*on_down_seen = 1;
		} else if (s->block && (strstr(s->kw, "_CHECK") != NULL ||
		    is(s, "HTTP_GET") || is(s, "SSL_GET"))) {
			map_checker(k, rs, s, c, &have, chkport);
		} else
			unmapped(k, &rs->notes, s, NULL);
	}
	/* keepalived keeps a real without a checker up for good, and so
	   does lvsmond a real without a check */
	if (!have)
		note(&rs->notes, n, "%s: no checker: always up, as in "
		    "keepalived", key);
}

static const struct ka_node *
find_group(struct ka *k, const char *name)
{
	for (size_t i = 0; i < k->root.nkids; i++) {
		const struct ka_node *g = &k->root.kids[i];

		if (is(g, "virtual_server_group") && g->nargs == 1 &&
		    strcmp(g->args[0], name) == 0)
			return g;
	}
	return NULL;
}


/*
 * One lvsmon service of a virtual_server: addr/port given (or fwmark > 0).
 */
static void
map_vs(struct ka *k, const struct ka_node *vs, const char *addr,
    const char *port, long fwmark, const char *label, int first)
{
	struct mon_imp_svc	*svc;
	struct ka_chk		 c = { 0 };
	FILE			*f;
	char			 name[64], flags[256] = "", sorry[160] = "";
	char			 wbuf[512];
	int			 inhibit = 0, rs_inhibit = 0, nat = 1;
	const char		*proto = "tcp", *ipfam = NULL;
	long			 l;

	if (fwmark > 0)
		snprintf(name, sizeof(name), "fwmark%ld", fwmark);
	else
		snprintf(name, sizeof(name), "%s%s%s", addr, port ? ":" : "",
		    port ? port : "");
	svc = mon_imp_svc_add(k->m, label != NULL ? label : name);
	f = svc->keys.f;
	fprintf(svc->notes.f, "# %s:%d: %s\n", vs->file, vs->line,
	    words(vs, wbuf, sizeof(wbuf)));
	if (label != NULL)
		fprintf(svc->notes.f, "#   member %s of group %s\n", name,
		    vs->args[1]);
	if (fwmark > 0)
		fprintf(f, "fwmark = %ld; ", fwmark);
	else {
		fprintf(f, "address = ");
		mon_imp_quote(f, addr);
		fprintf(f, "; port = %s; ", port);
	}
	for (size_t i = 0; i < vs->nkids; i++) {
		const struct ka_node *s = &vs->kids[i];

		if (is(s, "inhibit_on_failure"))
			inhibit = 1;
		else if (is(s, "real_server"))
			;
		else
			chk_setting(k, &svc->notes, s, &c);
	}
	for (size_t i = 0; i < vs->nkids; i++) {
		const struct ka_node	*s = &vs->kids[i];
		struct mon_imp_text	*t = &svc->notes;

		if (is(s, "real_server") || is(s, "inhibit_on_failure") ||
		    chk_kw(s))
			continue;
		if (is(s, "lvs_sched") || is(s, "lb_algo")) {
			fprintf(f, "scheduler = ");
			mon_imp_quote(f, s->nargs ? s->args[0] : "wlc");
			fprintf(f, "; ");
		} else if (is(s, "lvs_method") || is(s, "lb_kind")) {
			const char *m = s->nargs ? s->args[0] : "";

			nat = strcasecmp(m, "NAT") == 0;
			if (strcasecmp(m, "NAT") == 0)
				fprintf(f, "forward = \"nat\"; ");
			else if (strcasecmp(m, "DR") == 0)
				fprintf(f, "forward = \"dr\"; ");
			else if (strcasecmp(m, "TUN") == 0)
				fprintf(f, "forward = \"tun\"; ");
			else
				unmapped(k, t, s, NULL);
			if ((strcasecmp(m, "TUN") == 0 && s->nargs > 1))
				unmapped(k, t, s, "lvsmon tunnels with ipip "
				    "only");
		} else if (is(s, "protocol")) {
			const char *p = s->nargs ? s->args[0] : "";

			if (strcasecmp(p, "TCP") == 0)
				proto = "tcp";
			else if (strcasecmp(p, "UDP") == 0)
				proto = "udp";
			else if (strcasecmp(p, "SCTP") == 0)
				proto = "sctp";
			else
				unmapped(k, t, s, NULL);
		} else if (is(s, "persistence_timeout")) {
			if (s->nargs == 0)
				fprintf(f, "persistence = 360; ");
			else if (integer(s, &l) == 0 && l >= 0)
				fprintf(f, "persistence = %ld; ", l);
			else
				unmapped(k, t, s, "not a number");
		} else if (is(s, "persistence_granularity") && s->nargs == 1) {
			if (strchr(s->args[0], '.') != NULL) {
				fprintf(f, "persistence_netmask = ");
				mon_imp_quote(f, s->args[0]);
				fprintf(f, "; ");
			} else if (integer(s, &l) == 0 ||
			    (s->args[0][0] == '/' &&
			    (l = strtol(s->args[0] + 1, NULL, 10)) > 0))
				fprintf(f, "persistence_prefix = %ld; ", l);
			else
				unmapped(k, t, s, NULL);
		} else if (is(s, "flag-1") || is(s, "flag-2") ||
		    is(s, "flag-3") || is(s, "sh-port") ||
		    is(s, "sh-fallback") || is(s, "mh-port") ||
		    is(s, "mh-fallback")) {
			size_t o = strlen(flags);

			snprintf(flags + o, sizeof(flags) - o, "%s\"%s\"",
			    o ? ", " : "", s->kw);
		} else if (is(s, "ops"))
			fprintf(f, "one_packet = true; ");
		else if (is(s, "quorum")) {
			if (integer(s, &l) == 0 && l >= 1)
				fprintf(f, "quorum_weight = %ld; ", l);
			else
				unmapped(k, t, s, "not a number");
		} else if (is(s, "hysteresis")) {
			if (integer(s, &l) == 0 && l >= 0)
				fprintf(f, "hysteresis = %ld; ", l);
			else
				unmapped(k, t, s, "not a number");
		} else if ((is(s, "quorum_up") || is(s, "quorum_down")) &&
		    s->nargs >= 1) {
			alert_script(k, svc->name, s->args[0], "quorum",
			    is(s, "quorum_up"), s);
		} else if (is(s, "sorry_server") && s->nargs >= 1) {
			const char *sp = s->nargs > 1 ? s->args[1] : port;

			if (sp == NULL)
				unmapped(k, t, s, "a sorry server of a "
				    "fwmark service needs a port in lvsmon");
			else
				hostport(sorry, sizeof(sorry), s->args[0],
				    sp);
		} else if (is(s, "ip_family") && s->nargs == 1)
			ipfam = s->args[0];
		else
			unmapped(k, t, s, NULL);
	}
	if (fwmark > 0 && ipfam != NULL)
		fprintf(f, "family = \"%s\"; ",
		    strcmp(ipfam, "inet6") == 0 ? "ipv6" : "ipv4");
	else if (fwmark == 0)
		fprintf(f, "protocol = \"%s\"; ", proto);
	if (flags[0] != '\0')
		fprintf(f, "scheduler_flags = [ %s ]; ", flags);
	if (sorry[0] != '\0') {
		fprintf(f, "sorry_server = ");
		mon_imp_quote(f, sorry);
		fprintf(f, "; ");
	}
	for (size_t i = 0; i < vs->nkids; i++)
		if (is(&vs->kids[i], "real_server") && vs->kids[i].block)
			map_real(k, svc, &vs->kids[i], c, port, &rs_inhibit,
			    fwmark > 0 || strcmp(proto, "udp") == 0, nat);
		else if (is(&vs->kids[i], "real_server"))
			unmapped(k, &svc->notes, &vs->kids[i], "no block");
	fprintf(f, "on_down = \"%s\";", inhibit ? "weight0" : "remove");
	if (rs_inhibit && !inhibit)
		fprintf(svc->notes.f, "# %s:%d: inhibit_on_failure on a "
		    "real_server: lvsmon's on_down is per service (remove "
		    "kept)\n", vs->file, vs->line);
	mon_imp_hoist_checks(svc);
}

/* "192.0.2.10-20 80": an IPv4 range in the last byte, one service each. */
static int
range(struct ka *k, const struct ka_node *vs, const struct ka_node *mbr,
    int *count)
{
	char		 a[64], label[64], *dash, *end;
	unsigned	 b[4];
	long		 hi;

	snprintf(a, sizeof(a), "%s", mbr->kw);
	if ((dash = strchr(a, '-')) == NULL)
		return -1;
	*dash = '\0';
	hi = strtol(dash + 1, &end, 10);
	if (*end != '\0' || sscanf(a, "%u.%u.%u.%u", &b[0], &b[1], &b[2],
	    &b[3]) != 4 || b[3] > 255 || hi < (long)b[3] || hi > 255)
		return -1;
	(*count)--;
	for (long x = b[3]; x <= hi; x++) {
		snprintf(a, sizeof(a), "%u.%u.%u.%ld", b[0], b[1], b[2], x);
		snprintf(label, sizeof(label), "%s-%d", vs->args[1],
		    ++*count);
		map_vs(k, vs, a, mbr->args[0], 0, label, 0);
	}
	return 0;
}

/* virtual_server group NAME: one lvsmon service per member. */
static void
map_vs_group(struct ka *k, const struct ka_node *vs)
{
	const struct ka_node	*g = find_group(k, vs->args[1]);
	char			 label[64];
	int			 count = 0;

	if (g == NULL) {
		unmapped(k, &k->m->head, vs, "no such virtual_server_group");
		return;
	}
	for (size_t i = 0; i < g->nkids; i++) {
		const struct ka_node	*mbr = &g->kids[i];
		char			*end;
		long			 l;

		snprintf(label, sizeof(label), "%s-%d", vs->args[1],
		    ++count);
		if (is(mbr, "fwmark") && integer(mbr, &l) == 0 && l > 0)
			map_vs(k, vs, NULL, NULL, l, label, count == 1);
		else if (mbr->nargs == 1 && strchr(mbr->kw, '-') == NULL &&
		    (strtol(mbr->args[0], &end, 10), *end == '\0'))
			map_vs(k, vs, mbr->kw, mbr->args[0], 0, label,
			    count == 1);
		else if (mbr->nargs == 1 && range(k, vs, mbr, &count) == 0)
			;
		else {
			count--;
			unmapped(k, &k->m->head, mbr, "lvsmon has no address "
			    "ranges: list each address");
		}
	}
}

static void
map_global_defs(struct ka *k, const struct ka_node *n)
{
	for (size_t i = 0; i < n->nkids; i++) {
		const struct ka_node *s = &n->kids[i];

		if (is(s, "notification_email")) {
			for (size_t j = 0; j < s->nkids; j++) {
				/* lvsmon's mail sink wants user@domain */
				if (strchr(s->kids[j].kw, '@') == NULL) {
					unmapped(k, &k->m->head, &s->kids[j],
					    "not an address user@domain");
					continue;
				}
				k->mail_to = mon_imp_realloc(k->mail_to,
				    k->nmail_to + 1, sizeof(char *));
				k->mail_to[k->nmail_to++] =
				    (char *)s->kids[j].kw;
			}
		} else if (is(s, "notification_email_from") && s->nargs == 1)
			k->mail_from = s->args[0];
		else if (is(s, "smtp_server") && s->nargs >= 1)
			k->smtp_server = s->args[0];
		else
			unmapped(k, &k->m->head, s, NULL);
	}
}

/* A VRRP block as comments: the failover section is the director's. */
static void
vrrp_lines(struct mon_imp_text *t, const struct ka_node *n, int depth)
{
	char buf[512];

	for (size_t i = 0; i < n->nkids; i++) {
		const struct ka_node *s = &n->kids[i];

		fprintf(t->f, "#   %*s%s    (%s:%d)\n", depth * 2, "",
		    words(s, buf, sizeof(buf)), s->file, s->line);
		if (s->block)
			vrrp_lines(t, s, depth + 1);
	}
}

static void
map_vrrp(struct ka *k, const struct ka_node *n)
{
	struct mon_imp_text	*t = &k->m->tail;
	char			 buf[512];

	fprintf(t->f, "#\n# director failover: from %s (%s:%d).  Set up "
	    "lvsmond's director\n# block (lvsmond.conf(5)) with these "
	    "values; lvsmonctl import does not\n# write it.\n",
	    words(n, buf, sizeof(buf)), n->file, n->line);
	vrrp_lines(t, n, 0);
}

static void
map_tree(struct ka *k)
{
	for (size_t i = 0; i < k->root.nkids; i++) {
		const struct ka_node *n = &k->root.kids[i];

		if (is(n, "global_defs"))
			map_global_defs(k, n);
		else if (is(n, "vrrp_instance") || is(n, "vrrp_sync_group") ||
		    is(n, "vrrp_script") || is(n, "static_ipaddress") ||
		    is(n, "static_routes") || is(n, "virtual_ipaddress") ||
		    is(n, "vrrp_track_process") || is(n, "track_file") ||
		    is(n, "virtual_server_group")) {
			if (!is(n, "track_file") &&
			    !is(n, "virtual_server_group"))
				map_vrrp(k, n);
		} else if (is(n, "virtual_server") && n->block) {
			long	 l;
			char	*end;

			if (n->nargs == 2 && strcmp(n->args[0], "group") == 0)
				map_vs_group(k, n);
			else if (n->nargs == 2 &&
			    strcmp(n->args[0], "fwmark") == 0 &&
			    (l = strtol(n->args[1], &end, 10)) > 0 &&
			    *end == '\0')
				map_vs(k, n, NULL, NULL, l, NULL, 1);
			else if (n->nargs == 2 &&
			    (l = strtol(n->args[1], &end, 10)) >= 0 &&
			    *end == '\0')
				map_vs(k, n, n->args[0], n->args[1], 0, NULL,
				    1);
			else
				unmapped(k, &k->m->head, n, "expected "
				    "virtual_server IP PORT, fwmark N or "
				    "group NAME");
		} else
			unmapped(k, &k->m->head, n, NULL);
	}
	if (k->mail_to != NULL && k->smtp_server != NULL) {
		FILE	*f = k->m->alerts.f;
		char	 relay[160];

		hostport(relay, sizeof(relay), k->smtp_server, "25");
		fprintf(f, "%s  # from global_defs notification_email\n"
		    "  { type = \"mail\"; relay = ", k->m->nalerts ? ",\n" :
		    "");
		mon_imp_quote(f, relay);
		if (k->mail_from != NULL) {
			fprintf(f, "; from = ");
			mon_imp_quote(f, k->mail_from);
		}
		fprintf(f, "; to = [ ");
		for (size_t i = 0; i < k->nmail_to; i++) {
			fprintf(f, "%s", i ? ", " : "");
			mon_imp_quote(f, k->mail_to[i]);
		}
		fprintf(f, " ]; }");
		k->m->nalerts++;
	}
	if (k->m->nalerts > 0)
		fputs("\n", k->m->alerts.f);
}

int
mon_import_keepalived(struct mon_imp *m, const char *path, struct err *e)
{
	struct ka	k = { .m = m };
	size_t		i = 0;
	int		rc;

	if ((rc = read_file(&k, path, 0, e)) == 0 &&
	    (rc = parse_block(&k, &i, &k.root, 0, e)) == 0)
		map_tree(&k);
	node_free(&k.root);
	for (size_t j = 0; j < k.ntoks; j++)
		free(k.toks[j].s);
	free(k.toks);
	for (size_t j = 0; j < k.nfiles; j++)
		free(k.files[j]);
	free(k.mail_to);
	free(k.scripts);
	return rc;
}

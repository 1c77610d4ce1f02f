/*
 * checkers/sendexpect.c - the send/expect engine (contract and step
 * semantics: sendexpect.h) and the two check types built on it directly:
 * "sendexpect" (steps from the config) and "udp" (a datagram, an answer or
 * silence).  The canned protocols are tables in protocols.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "checkers/chk_conf.h"
#include "checkers/chk_conn.h"
#include "checkers/chk_tls.h"
#include "checkers/sendexpect.h"
#include "monitor/probe.h"

#define SE_MAX_STEPS	64
#define SE_MAX_READ	16384		/* default unread bytes kept */
#define SE_QUOTE	44		/* chars of got/want in a message */
#define SE_PHASE_LEN	sizeof(((struct chk_se_priv *)NULL)->phase)

enum se_op { SE_CONNECT = 0, SE_SEND, SE_EXPECT, SE_STARTTLS };
enum se_kind { SE_K_STR = 0, SE_K_RE, SE_K_HEX, SE_K_MIN, SE_K_QUIET };

struct se_step {
	enum se_op		 op;
	enum se_kind		 kind;
	int			 num;		/* as written, from 1; 0:
						   the implicit connect */
	int			 dgram;		/* connect: udp */
	int			 port;		/* connect: 0 = check's */
	unsigned char		*data;		/* send bytes, expect pattern */
	size_t			 len;
	unsigned char		*mask;		/* hex: 1 = byte must match */
	pcre2_code		*re;
	pcre2_match_data	*md;
	int			 anchored;	/* "^...": a mismatch is known
						   before the reply is whole */
	size_t			 min;
	int			 negate;
	unsigned		 timeout_ms;	/* 0: the check's only */
	char			*want;		/* "\"+PONG\"", "/re/", ... */
	int			 tls;		/* connect: then TLS */
	struct chk_tls_conf	 tlsc;		/* connect+tls, starttls */
	int			 fresh;		/* send: @@RANDOM@@ */
};

/* Owned by whoever compiled it (a probe's priv); freed by chk_se_free. */
struct chk_se_prog {
	struct se_step	*steps;
	size_t		 n;
};

/* One run (p->run); freed by se_run_free. */
struct se_run {
	struct probe		*p;
	const struct chk_se_prog *prog;
	size_t			 max_read;
	struct chk_conn		 conn;
	struct chk_tls		 tls;		/* on conn, once a handshake
						   began (tls.ssl) */
	short			 want;		/* what TLS waits for */
	unsigned char		*sbuf;		/* a fresh send's bytes */
	size_t			 sbuf_for;	/* the step they are for */
	char			 token[11];	/* for @@RANDOM@@ */
	int			 dgram;
	size_t			 i;		/* current step */
	size_t			 sent;		/* of the current send */
	unsigned char		*buf;		/* received, buf[off..len)
						   unread */
	size_t			 len, off, cap;
	int			 eof;		/* stream closed by peer */
	int			 msg;		/* udp: a datagram arrived */
	struct event		*ev_step;	/* this step's own timeout */
	size_t			 timer_for;	/* step the timer is for */
	char			*phase;		/* the probe's priv->phase */
	char			 last[SE_QUOTE + 4]; /* first matched line */
	struct timespec		 t0;
};

static void	se_advance(struct se_run *run);
static void	se_readable(struct chk_conn *c, int err, void *arg);

/* ---- text for messages -------------------------------------------- */

/* s[0..n) as C-ish text: printable as is, \r \n \t \" \\ and \xHH; at
   most max chars of output, "..." when cut.  A regex (re) keeps its
   backslashes and quotes as written. */
static void
se_quote_re(const unsigned char *s, size_t n, char *out, size_t outlen,
    size_t max, int re)
{
	size_t	o = 0;
	char	tmp[5];

	if (max > outlen - 4)
		max = outlen - 4;
	for (size_t i = 0; i < n; i++) {
		unsigned char	c = s[i];

		if (c == '\r')
			snprintf(tmp, sizeof(tmp), "\\r");
		else if (c == '\n')
			snprintf(tmp, sizeof(tmp), "\\n");
		else if (c == '\t')
			snprintf(tmp, sizeof(tmp), "\\t");
		else if (!re && (c == '"' || c == '\\'))
			snprintf(tmp, sizeof(tmp), "\\%c", c);
		else if (c < ' ' || c >= 0x7f)
			snprintf(tmp, sizeof(tmp), "\\x%02x", c);
		else
			snprintf(tmp, sizeof(tmp), "%c", c);
		if (o + strlen(tmp) > max) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, tmp, strlen(tmp));
		o += strlen(tmp);
	}
	out[o] = '\0';
}

static void
se_quote(const unsigned char *s, size_t n, char *out, size_t outlen,
    size_t max)
{
	se_quote_re(s, n, out, outlen, max, 0);
}

/* The first line of s[0..n) without its line end, quoted. */
static void
se_quote_line(const unsigned char *s, size_t n, char *out, size_t outlen)
{
	const unsigned char	*nl = memchr(s, '\n', n);
	size_t			 l = nl != NULL ? (size_t)(nl - s) : n;

	if (nl != NULL && l > 0 && s[l - 1] == '\r')
		l--;
	se_quote(s, l, out, outlen, SE_QUOTE);
}

/* ---- compiling ---------------------------------------------------- */

static int
se_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "0a ?? 00" -> bytes and mask; wild: ?? allowed. */
static int
se_parse_hex(const char *s, int wild, struct se_step *st, struct err *e,
    const char *key)
{
	size_t	n = 0, cap = strlen(s) / 2 + 1;
	int	hi, lo;

	st->data = malloc(cap);
	st->mask = wild ? malloc(cap) : NULL;
	if (st->data == NULL || (wild && st->mask == NULL))
		return err_set(e, -ENOMEM, "out of memory");
	while (*s != '\0') {
		if (*s == ' ' || *s == '\t' || *s == ':') {
			s++;
			continue;
		}
		if (wild && s[0] == '?' && s[1] == '?') {
			st->data[n] = 0;
			st->mask[n++] = 0;
			s += 2;
			continue;
		}
		if ((hi = se_hexval(s[0])) < 0 || s[1] == '\0' ||
		    (lo = se_hexval(s[1])) < 0)
			return err_set(e, -EINVAL, "%s: expected hex byte "
			    "pairs%s, e.g. \"0d0a\", at \"%.8s\"", key,
			    wild ? " or ??" : "", s);
		st->data[n] = (unsigned char)(hi << 4 | lo);
		if (wild)
			st->mask[n] = 1;
		n++;
		s += 2;
	}
	if (n == 0)
		return err_set(e, -EINVAL, "%s: no bytes", key);
	st->len = n;
	return 0;
}

static int
se_dup(struct se_step *st, const char *s)
{
	st->len = strlen(s);
	if ((st->data = malloc(st->len + 1)) == NULL)
		return -ENOMEM;
	memcpy(st->data, s, st->len + 1);
	return 0;
}

static void
se_step_free(struct se_step *st)
{
	free(st->data);
	free(st->mask);
	pcre2_match_data_free(st->md);
	pcre2_code_free(st->re);
	free(st->want);
	chk_tls_conf_release(&st->tlsc);
}

void
chk_se_free(struct chk_se_prog *prog)
{
	if (prog == NULL)
		return;
	for (size_t i = 0; i < prog->n; i++)
		se_step_free(&prog->steps[i]);
	free(prog->steps);
	free(prog);
}

/* How many actions a row names: exactly one is right. */
static int
se_actions(const struct chk_se_def *d)
{
	return (d->connect != NULL) + (d->send != NULL) +
	    (d->send_hex != NULL) + (d->expect != NULL) +
	    (d->expect_re != NULL) + (d->expect_hex != NULL) +
	    (d->expect_min > 0) + (d->quiet_ms > 0) + (d->starttls != 0);
}

static int
se_compile_one(const struct chk_se_def *d, int num, struct se_step *st,
    struct err *e)
{
	char		 q[SE_QUOTE + 8];
	PCRE2_UCHAR	 msg[120];
	PCRE2_SIZE	 off;
	int		 code, rc;

	st->num = num;
	st->timeout_ms = d->timeout_ms;
	st->negate = d->negate;
	if (se_actions(d) != 1)
		return err_set(e, -EINVAL, "step %d: needs exactly one of "
		    "connect, starttls, send, send_hex, expect, expect_re, "
		    "expect_hex, expect_min, quiet", num);
	if (d->tls && d->connect == NULL)
		return err_set(e, -EINVAL, "step %d: tls goes with connect "
		    "(or use starttls = true)", num);
	if ((d->sni != NULL || d->verify || d->ca_file != NULL ||
	    d->verify_name != NULL) && !d->tls && !d->starttls)
		return err_set(e, -EINVAL, "step %d: sni, verify, ca_file and "
		    "verify_name go with tls = true or starttls", num);
	if (d->tls || d->starttls) {
		st->tls = 1;
		if ((rc = chk_tls_conf_init(&st->tlsc, d->sni, d->verify,
		    d->ca_file, d->verify_name, e)) < 0) {
			err_prefix(e, "step %d", num);
			return rc;
		}
	}
	if (d->starttls) {
		st->op = SE_STARTTLS;
		return 0;
	}
	if (d->negate && d->expect == NULL && d->expect_re == NULL &&
	    d->expect_hex == NULL)
		return err_set(e, -EINVAL, "step %d: negate goes with expect, "
		    "expect_re or expect_hex", num);
	if (d->connect != NULL) {
		st->op = SE_CONNECT;
		if (strcmp(d->connect, "udp") == 0) {
			st->dgram = 1;
			if (d->tls)
				return err_set(e, -EINVAL, "step %d: tls "
				    "needs connect = \"tcp\"", num);
		}
		else if (strcmp(d->connect, "tcp") != 0)
			return err_set(e, -EINVAL, "step %d: connect: \"%s\" "
			    "is not tcp or udp", num, d->connect);
		if (d->port < 0 || d->port > 65535)
			return err_set(e, -EINVAL, "step %d: port: %d not in "
			    "0..65535", num, d->port);
		st->port = d->port;
		return 0;
	}
	if (d->send != NULL || d->send_hex != NULL) {
		st->op = SE_SEND;
		st->fresh = d->fresh;
		if (d->send != NULL)
			return se_dup(st, d->send) < 0 ?
			    err_set(e, -ENOMEM, "out of memory") : 0;
		snprintf(q, sizeof(q), "step %d: send_hex", num);
		return se_parse_hex(d->send_hex, 0, st, e, q);
	}
	st->op = SE_EXPECT;
	if (d->expect != NULL) {
		st->kind = SE_K_STR;
		if (d->expect[0] == '\0')
			return err_set(e, -EINVAL, "step %d: expect: empty "
			    "(use expect_min = 1 for \"anything\")", num);
		if (se_dup(st, d->expect) < 0)
			return err_set(e, -ENOMEM, "out of memory");
		se_quote(st->data, st->len, q, sizeof(q), SE_QUOTE);
		rc = asprintf(&st->want, "\"%s\"", q);
	} else if (d->expect_re != NULL) {
		st->kind = SE_K_RE;
		st->re = pcre2_compile((PCRE2_SPTR)d->expect_re,
		    PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
		if (st->re == NULL) {
			if (pcre2_get_error_message(code, msg,
			    sizeof(msg)) < 0)
				snprintf((char *)msg, sizeof(msg), "error %d",
				    code);
			return err_set(e, -EINVAL, "step %d: expect_re: %s at "
			    "offset %zu", num, (char *)msg, (size_t)off);
		}
		(void)pcre2_jit_compile(st->re, PCRE2_JIT_COMPLETE |
		    PCRE2_JIT_PARTIAL_HARD);
		{
			uint32_t	opts = 0;

			st->anchored = pcre2_pattern_info(st->re,
			    PCRE2_INFO_ALLOPTIONS, &opts) == 0 &&
			    (opts & PCRE2_ANCHORED) != 0;
		}
		if ((st->md = pcre2_match_data_create_from_pattern(st->re,
		    NULL)) == NULL)
			return err_set(e, -ENOMEM, "out of memory");
		se_quote_re((const unsigned char *)d->expect_re,
		    strlen(d->expect_re), q, sizeof(q), SE_QUOTE, 1);
		rc = asprintf(&st->want, "/%s/", q);
	} else if (d->expect_hex != NULL) {
		st->kind = SE_K_HEX;
		snprintf(q, sizeof(q), "step %d: expect_hex", num);
		if ((rc = se_parse_hex(d->expect_hex, 1, st, e, q)) < 0)
			return rc;
		rc = asprintf(&st->want, "hex %.*s", SE_QUOTE, d->expect_hex);
	} else if (d->expect_min > 0) {
		st->kind = SE_K_MIN;
		st->min = (size_t)d->expect_min;
		rc = asprintf(&st->want, "at least %d bytes", d->expect_min);
	} else {
		st->kind = SE_K_QUIET;
		st->timeout_ms = d->quiet_ms;
		rc = asprintf(&st->want, "no error in %u ms", d->quiet_ms);
	}
	if (rc < 0) {
		st->want = NULL;
		return err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

/* A starttls step needs a plain TCP connection before it. */
static int
se_check_starttls(const struct chk_se_prog *prog, size_t k, struct err *e)
{
	const struct se_step	*st = &prog->steps[k];

	if (st->op != SE_STARTTLS)
		return 0;
	while (k-- > 0) {
		if (prog->steps[k].op == SE_STARTTLS ||
		    (prog->steps[k].op == SE_CONNECT && prog->steps[k].tls))
			return err_set(e, -EINVAL, "step %d: starttls: the "
			    "connection is TLS already", st->num);
		if (prog->steps[k].op == SE_CONNECT && prog->steps[k].dgram)
			return err_set(e, -EINVAL, "step %d: starttls needs "
			    "a TCP connection, not udp", st->num);
		if (prog->steps[k].op == SE_CONNECT)
			break;
	}
	return 0;
}

int
chk_se_compile(const struct chk_se_def *defs, size_t n,
    struct chk_se_prog **out, struct err *e)
{
	struct chk_se_prog	*prog;
	size_t			 k = 0, extra;
	int			 rc;

	*out = NULL;
	if (n == 0)
		return err_set(e, -EINVAL, "steps: at least one step needed");
	if (n > SE_MAX_STEPS)
		return err_set(e, -EINVAL, "steps: %zu steps, at most %d", n,
		    SE_MAX_STEPS);
	extra = defs[0].connect == NULL;
	if ((prog = calloc(1, sizeof(*prog))) == NULL ||
	    (prog->steps = calloc(n + extra, sizeof(*prog->steps))) == NULL) {
		free(prog);
		return err_set(e, -ENOMEM, "out of memory");
	}
	if (extra) {		/* the implicit TCP connect */
		prog->steps[k].op = SE_CONNECT;
		k++;
	}
	prog->n = k;
	for (size_t i = 0; i < n; i++, k++) {
		prog->n = k + 1;
		if ((rc = se_compile_one(&defs[i], (int)i + 1,
		    &prog->steps[k], e)) < 0 ||
		    (rc = se_check_starttls(prog, k, e)) < 0) {
			chk_se_free(prog);
			return rc;
		}
	}
	*out = prog;
	return 0;
}

/* ---- steps from the config ---------------------------------------- */

static const char *const se_step_keys[] = {
	"connect", "port", "send", "send_hex", "expect", "expect_re",
	"expect_hex", "expect_min", "negate", "timeout", "quiet", "tls",
	"starttls", "sni", "verify", "ca_file", "verify_name", NULL
};

/* seconds (int or float) -> ms, 1 ms .. 1 h */
static int
se_seconds(const config_setting_t *s, unsigned *ms)
{
	double	f;

	if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
		f = config_setting_get_float(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64)
		f = (double)config_setting_get_int64(s);
	else
		return -EINVAL;
	if (!(f >= 0.001 && f <= 3600))
		return -EINVAL;
	*ms = (unsigned)(f * 1000 + 0.5);
	return 0;
}

static int
se_def_from_group(const config_setting_t *g, int num, struct chk_se_def *d,
    struct err *e)
{
	const config_setting_t	*s;
	const char		*name;
	int			 i, k;

	memset(d, 0, sizeof(*d));
	if (!config_setting_is_group(g))
		return err_set(e, -EINVAL, "steps: step %d: expected a group "
		    "like { send = \"PING\\r\\n\"; }", num);
	for (i = 0; (s = config_setting_get_elem(g, (unsigned)i)) != NULL;
	    i++) {
		name = config_setting_name(s);
		for (k = 0; se_step_keys[k] != NULL; k++)
			if (strcmp(se_step_keys[k], name) == 0)
				break;
		if (se_step_keys[k] == NULL)
			return err_set(e, -EINVAL, "step %d: unknown key "
			    "\"%s\"", num, name);
		if (strcmp(name, "connect") == 0 &&
		    config_setting_type(s) == CONFIG_TYPE_BOOL) {
			d->connect = config_setting_get_bool(s) ? "tcp" : NULL;
			continue;
		}
		if (strcmp(name, "port") == 0 ||
		    strcmp(name, "expect_min") == 0) {
			if (config_setting_type(s) != CONFIG_TYPE_INT)
				return err_set(e, -EINVAL, "step %d: %s: "
				    "expected an integer", num, name);
			if (name[0] == 'p')
				d->port = config_setting_get_int(s);
			else if ((d->expect_min =
			    config_setting_get_int(s)) <= 0)
				return err_set(e, -EINVAL, "step %d: "
				    "expect_min: expected 1 or more", num);
			continue;
		}
		if (strcmp(name, "negate") == 0 ||
		    strcmp(name, "tls") == 0 ||
		    strcmp(name, "starttls") == 0 ||
		    strcmp(name, "verify") == 0) {
			if (config_setting_type(s) != CONFIG_TYPE_BOOL)
				return err_set(e, -EINVAL, "step %d: %s: "
				    "expected true or false", num, name);
			*(name[0] == 'n' ? &d->negate : name[0] == 't' ?
			    &d->tls : name[0] == 's' ? &d->starttls :
			    &d->verify) = config_setting_get_bool(s);
			continue;
		}
		if (strcmp(name, "timeout") == 0 ||
		    strcmp(name, "quiet") == 0) {
			if (se_seconds(s, name[0] == 't' ? &d->timeout_ms :
			    &d->quiet_ms) < 0)
				return err_set(e, -EINVAL, "step %d: %s: "
				    "expected seconds (0.001..3600)", num,
				    name);
			continue;
		}
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return err_set(e, -EINVAL, "step %d: %s: expected a "
			    "string", num, name);
		if (strcmp(name, "connect") == 0)
			d->connect = config_setting_get_string(s);
		else if (strcmp(name, "send") == 0)
			d->send = config_setting_get_string(s);
		else if (strcmp(name, "send_hex") == 0)
			d->send_hex = config_setting_get_string(s);
		else if (strcmp(name, "expect") == 0)
			d->expect = config_setting_get_string(s);
		else if (strcmp(name, "expect_re") == 0)
			d->expect_re = config_setting_get_string(s);
		else if (strcmp(name, "sni") == 0)
			d->sni = config_setting_get_string(s);
		else if (strcmp(name, "ca_file") == 0)
			d->ca_file = config_setting_get_string(s);
		else if (strcmp(name, "verify_name") == 0)
			d->verify_name = config_setting_get_string(s);
		else
			d->expect_hex = config_setting_get_string(s);
	}
	return 0;
}

int
chk_se_from_config(const config_setting_t *steps, struct chk_se_prog **out,
    struct err *e)
{
	struct chk_se_def	defs[SE_MAX_STEPS];
	int			n, rc;

	*out = NULL;
	if (steps == NULL)
		return err_set(e, -EINVAL, "steps: required, e.g. steps = ( "
		    "{ send = \"PING\\r\\n\"; }, { expect = \"+PONG\"; } )");
	if (!config_setting_is_list(steps))
		return err_set(e, -EINVAL, "steps: expected a list ( {...}, "
		    "{...} )");
	if ((n = config_setting_length(steps)) > SE_MAX_STEPS)
		return err_set(e, -EINVAL, "steps: %d steps, at most %d", n,
		    SE_MAX_STEPS);
	for (int i = 0; i < n; i++)
		if ((rc = se_def_from_group(config_setting_get_elem(steps,
		    (unsigned)i), i + 1, &defs[i], e)) < 0)
			return rc;
	return chk_se_compile(defs, (size_t)n, out, e);
}

/* ---- running ------------------------------------------------------ */

static void
se_run_free(struct se_run *run)
{
	chk_tls_end(&run->tls, 0);
	chk_conn_close(&run->conn, 1);
	free(run->sbuf);
	if (run->ev_step != NULL)
		event_free(run->ev_step);
	free(run->buf);
	free(run);
}

static void __attribute__((format(printf, 4, 5)))
se_end(struct se_run *run, enum chk_verdict v, enum chk_reason r,
    const char *fmt, ...)
{
	struct probe	*p = run->p;
	char		 msg[sizeof(((struct probe_result *)NULL)->msg)];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	se_run_free(run);
	p->run = NULL;
	probe_done(p, v, -1, r, "%s", msg);
}

static const struct se_step *
se_cur(const struct se_run *run)
{
	return &run->prog->steps[run->i];
}

static void
se_set_phase(struct se_run *run)
{
	const struct se_step	*st = se_cur(run);
	static const char *const ops[] = {
		"connect", "send", "expect", "starttls"
	};

	if (st->num == 0)
		snprintf(run->phase, SE_PHASE_LEN, "connect");
	else
		snprintf(run->phase, SE_PHASE_LEN, "%s step %d",
		    st->kind == SE_K_QUIET ? "quiet" : ops[st->op], st->num);
	run->p->phase = run->phase;
}

/* The expect step failed: say what came and what was wanted. */
static void
se_fail_expect(struct se_run *run, enum chk_reason r, const char *why)
{
	const struct se_step	*st = se_cur(run);
	const unsigned char	*u = run->buf + run->off;
	size_t			 ulen = run->len - run->off;
	char			 got[SE_QUOTE * 3 + 8];

	if (st->kind == SE_K_HEX) {
		size_t	o = 0;

		for (size_t i = 0; i < ulen && i < 12; i++)
			o += (size_t)snprintf(got + o, sizeof(got) - o,
			    "%s%02x", i ? " " : "", u[i]);
		got[o] = '\0';
	} else
		se_quote_line(u, ulen, got, sizeof(got));
	se_end(run, CHK_V_FAIL, r, "expect step %d: %sgot \"%s\" want %s%s%s",
	    st->num, why, got, st->negate ? "not " : "", st->want,
	    run->eof && ulen == 0 ? " (closed)" : "");
}

/* Pass the current expect: consume through end, remember the line. */
static void
se_pass(struct se_run *run, size_t end)
{
	if (end > run->off && run->last[0] == '\0')
		se_quote_line(run->buf + run->off, run->len - run->off,
		    run->last, sizeof(run->last));
	run->off = end;
	run->msg = 0;
	run->i++;
}

/*
 * Judge the current expect step on what is unread.  Returns 1 when it
 * passed (step advanced), 0 to read more, -1 when the run ended.
 */
static int
se_judge(struct se_run *run)
{
	const struct se_step	*st = se_cur(run);
	const unsigned char	*u = run->buf + run->off, *m;
	size_t			 ulen = run->len - run->off, end = 0;
	int			 found = 0, decided, rc;
	/* nothing more will come for this step: judge what is there */
	int			 final = run->eof || run->msg ||
				    ulen >= run->max_read;

	if (ulen == 0 && !final && st->kind != SE_K_QUIET)
		return 0;	/* nothing to judge yet */
	switch (st->kind) {
	case SE_K_STR:
		if ((m = memmem(u, ulen, st->data, st->len)) != NULL) {
			found = 1;
			end = (size_t)(m - run->buf) + st->len;
		}
		break;
	case SE_K_RE:
		/* Anchored: PARTIAL_HARD tells "could still match" (wait)
		   from "never will" (fail now, with what the server said). */
		rc = pcre2_match(st->re, u, ulen, 0, st->anchored ?
		    PCRE2_PARTIAL_HARD : 0, st->md, NULL);
		if (rc >= 0) {
			found = 1;
			end = run->off + pcre2_get_ovector_pointer(st->md)[1];
		} else if (rc == PCRE2_ERROR_PARTIAL) {
			;	/* more may come */
		} else if (rc == PCRE2_ERROR_NOMATCH) {
			if (st->anchored)
				final = 1;
		} else {
			se_end(run, CHK_V_FAIL, CHK_R_INTERNAL,
			    "expect step %d: regex match error %d", st->num,
			    rc);
			return -1;
		}
		break;
	case SE_K_HEX:
		if (ulen >= st->len) {
			found = 1;
			for (size_t i = 0; i < st->len && found; i++)
				if (st->mask[i] && u[i] != st->data[i])
					found = 0;
			end = run->off + st->len;
			final = 1;
		}
		break;
	case SE_K_MIN:
		if (ulen >= st->min) {
			found = 1;
			end = run->len;
		}
		break;
	case SE_K_QUIET:
		/* an answer is as good as silence: the port is open */
		if (ulen > 0 || run->msg) {
			found = 1;
			end = run->len;
		}
		break;
	}
	if (!st->negate) {
		if (found) {
			se_pass(run, end);
			return 1;
		}
		if (final) {
			se_fail_expect(run, CHK_R_EXPECT, "");
			return -1;
		}
		return 0;
	}
	if (found) {
		se_fail_expect(run, CHK_R_EXPECT, "");
		return -1;
	}
	decided = final || memchr(u, '\n', ulen) != NULL;
	if (decided) {
		run->msg = 0;
		run->i++;	/* passed; nothing consumed */
		return 1;
	}
	return 0;
}

static void
se_step_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct se_run		*run = arg;
	const struct se_step	*st = se_cur(run);
	char			 why[48];

	if (st->kind == SE_K_QUIET) {	/* silence: passed */
		run->i++;
		se_advance(run);
		return;
	}
	if (st->op != SE_EXPECT) {
		se_end(run, CHK_V_FAIL, CHK_R_TIMEOUT, "%s: timeout after "
		    "%u ms", run->phase, st->timeout_ms);
		return;
	}
	snprintf(why, sizeof(why), "timeout after %u ms, ", st->timeout_ms);
	se_fail_expect(run, CHK_R_TIMEOUT, why);
}

/* Arm (or drop) the per-step timer when a new step begins. */
static int
se_arm(struct se_run *run)
{
	const struct se_step	*st = se_cur(run);
	struct timeval		 tv;

	if (run->timer_for == run->i)
		return 0;
	run->timer_for = run->i;
	if (run->ev_step != NULL)
		evtimer_del(run->ev_step);
	if (st->timeout_ms == 0)
		return 0;
	if (run->ev_step == NULL && (run->ev_step = evtimer_new(run->p->base,
	    se_step_timeout, run)) == NULL)
		return -ENOMEM;
	tv.tv_sec = st->timeout_ms / 1000;
	tv.tv_usec = (st->timeout_ms % 1000) * 1000;
	return evtimer_add(run->ev_step, &tv) < 0 ? -ENOMEM : 0;
}

static enum chk_reason
se_io_reason(int err)
{
	return err == ECONNREFUSED ? CHK_R_CONNREFUSED : CHK_R_IO;
}

static void
se_tls_done(struct chk_conn *c, int err, void *arg)
{
	struct se_run	*run = arg;

	if (err != 0) {
		se_end(run, CHK_V_FAIL, err == EPROTO ? CHK_R_TLS :
		    CHK_R_INTERNAL, "tls: %s", run->tls.err);
		return;
	}
	run->i++;
	se_advance(run);
}

/* The handshake of a connect (tls = true) or starttls step. */
static void
se_tls_begin(struct se_run *run)
{
	const struct se_step	*st = se_cur(run);

	if (st->num == 0)
		snprintf(run->phase, SE_PHASE_LEN, "tls");
	else
		snprintf(run->phase, SE_PHASE_LEN, "tls step %d", st->num);
	run->p->phase = run->phase;
	if (chk_tls_begin(&run->tls, &run->conn, &st->tlsc, se_tls_done,
	    run) < 0)
		se_end(run, CHK_V_FAIL, CHK_R_INTERNAL, "tls: %s",
		    run->tls.err);
}

static void
se_connected(struct chk_conn *c, int err, void *arg)
{
	struct se_run	*run = arg;

	if (err != 0) {
		se_end(run, CHK_V_FAIL, chk_conn_reason(err), "connect: %s",
		    chk_errname(err));
		return;
	}
	if (se_cur(run)->tls) {
		se_tls_begin(run);
		return;
	}
	run->i++;
	se_advance(run);
}

static void
se_ready(struct chk_conn *c, int err, void *arg)
{
	se_advance(arg);
}

static unsigned
se_ms_since(const struct timespec *t0)
{
	struct timespec	now;
	long long	ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
	return ms < 0 ? 0 : (unsigned)ms;
}

/* Read what is there into the buffer.  0: go on judging, -1: ended. */
static int
se_read(struct se_run *run)
{
	size_t		 want;
	ssize_t		 n;
	unsigned char	*nb;

	if (run->off > 0 && run->off == run->len)
		run->off = run->len = 0;
	if (run->off > 0 && run->len == run->cap) {
		memmove(run->buf, run->buf + run->off, run->len - run->off);
		run->len -= run->off;
		run->off = 0;
	}
	if (run->len == run->cap) {
		want = run->cap == 0 ? 2048 : run->cap * 2;
		if (want > run->max_read)
			want = run->max_read;
		if (want <= run->cap)	/* full: se_judge decides */
			return 0;
		if ((nb = realloc(run->buf, want)) == NULL) {
			se_end(run, CHK_V_FAIL, CHK_R_INTERNAL,
			    "read: out of memory");
			return -1;
		}
		run->buf = nb;
		run->cap = want;
	}
	n = chk_tls_recv(&run->tls, run->buf + run->len,
	    run->cap - run->len, &run->want);
	if (n == -EAGAIN)
		return 1;
	if (n == -EPROTO) {
		se_end(run, CHK_V_FAIL, CHK_R_TLS, "tls: read: %s",
		    run->tls.err);
		return -1;
	}
	if (n < 0) {
		se_end(run, CHK_V_FAIL, se_io_reason((int)-n), "read: %s",
		    chk_errname((int)-n));
		return -1;
	}
	if (n == 0 && !run->dgram)
		run->eof = 1;
	if (run->dgram)
		run->msg = 1;
	run->len += (size_t)n;
	return 0;
}

/* A fresh send's bytes: @@RANDOM@@ replaced by this run's token (the
   same length, so the step's length holds). */
static const unsigned char *
se_fresh(struct se_run *run, const struct se_step *st)
{
	const size_t	 ml = sizeof(CHK_SE_RANDOM) - 1;
	unsigned char	*m;

	/* made once per step: a TLS write retried after WANT_WRITE must
	   see the same bytes */
	if (run->sbuf != NULL && run->sbuf_for == run->i)
		return run->sbuf;
	free(run->sbuf);
	if ((run->sbuf = malloc(st->len + 1)) == NULL)
		return NULL;
	memcpy(run->sbuf, st->data, st->len);
	run->sbuf_for = run->i;
	m = run->sbuf;
	while ((m = memmem(m, st->len - (size_t)(m - run->sbuf),
	    CHK_SE_RANDOM, ml)) != NULL) {
		memcpy(m, run->token, ml);
		m += ml;
	}
	return run->sbuf;
}

/* Send the current step's bytes.  1: done, 0: waiting, -1: ended. */
static int
se_send(struct se_run *run)
{
	const struct se_step	*st = se_cur(run);
	const unsigned char	*data = st->data;
	ssize_t			 n;

	if (st->fresh && (data = se_fresh(run, st)) == NULL) {
		se_end(run, CHK_V_FAIL, CHK_R_INTERNAL, "send: out of memory");
		return -1;
	}
	while (run->sent < st->len || (run->dgram && run->sent == 0)) {
		n = chk_tls_send(&run->tls, data + run->sent,
		    st->len - run->sent, &run->want);
		if (n == -EAGAIN) {
			if (chk_conn_wait(&run->conn, run->want, se_ready,
			    run) < 0) {
				se_end(run, CHK_V_FAIL, CHK_R_INTERNAL,
				    "send: cannot wait");
				return -1;
			}
			return 0;
		}
		if (n == -EPROTO) {
			se_end(run, CHK_V_FAIL, CHK_R_TLS, "tls: send: %s",
			    run->tls.err);
			return -1;
		}
		if (n < 0) {
			se_end(run, CHK_V_FAIL, se_io_reason((int)-n),
			    "send: %s", chk_errname((int)-n));
			return -1;
		}
		run->sent += (size_t)n;
		if (run->dgram)		/* one datagram per send step */
			break;
	}
	run->sent = 0;
	run->i++;
	return 1;
}

/* Open the connection of a connect step (closing any before). */
static int
se_connect(struct se_run *run)
{
	const struct se_step	*st = se_cur(run);
	struct probe		*p = run->p;
	struct sockaddr_storage	 ss = p->addr;
	int			 rc;

	chk_tls_end(&run->tls, 0);
	chk_conn_close(&run->conn, 1);
	run->len = run->off = 0;
	run->eof = run->msg = 0;
	run->dgram = st->dgram;
	if (st->port != 0) {
		if (ss.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&ss)->sin6_port =
			    htons((uint16_t)st->port);
		else
			((struct sockaddr_in *)&ss)->sin_port =
			    htons((uint16_t)st->port);
	}
	if (st->dgram)
		rc = chk_conn_open_dgram(&run->conn, p, (struct sockaddr *)&ss,
		    p->addrlen, se_connected, run);
	else
		rc = chk_conn_open_to(&run->conn, p, (struct sockaddr *)&ss,
		    p->addrlen, se_connected, run);
	se_set_phase(run);
	return rc;
}

static void
se_readable(struct chk_conn *c, int err, void *arg)
{
	struct se_run	*run = arg;

	if (se_read(run) < 0)
		return;
	se_advance(run);	/* judges; waits again if undecided */
}

/* Run steps until one has to wait or the run ends. */
static void
se_advance(struct se_run *run)
{
	const struct se_step	*st;
	int			 rc;
	unsigned		 ms;

	for (;;) {
		if (run->i == run->prog->n) {
			ms = se_ms_since(&run->t0);
			if (run->last[0] != '\0')
				se_end(run, CHK_V_OK, CHK_R_OK,
				    "%s: ok in %u ms: \"%s\"",
				    run->p->type->name, ms, run->last);
			else
				se_end(run, CHK_V_OK, CHK_R_OK,
				    "%s: ok in %u ms", run->p->type->name, ms);
			return;
		}
		st = se_cur(run);
		if (se_arm(run) < 0) {
			se_end(run, CHK_V_FAIL, CHK_R_INTERNAL,
			    "step timer: out of memory");
			return;
		}
		se_set_phase(run);
		switch (st->op) {
		case SE_CONNECT:
			if ((rc = se_connect(run)) < 0)
				se_end(run, CHK_V_FAIL, CHK_R_INTERNAL,
				    "connect: %s", chk_errname(-rc));
			return;		/* se_connected goes on */
		case SE_SEND:
			if ((rc = se_send(run)) <= 0)
				return;
			continue;
		case SE_STARTTLS:
			/* what came before the handshake is not the TLS
			   server's to say (RFC 3207 4: discard it) */
			run->off = run->len = 0;
			se_tls_begin(run);
			return;		/* se_tls_done goes on */
		case SE_EXPECT:
			if ((rc = se_judge(run)) < 0)
				return;
			if (rc == 1)
				continue;
			if (run->eof || run->msg) {
				/* judged final above; cannot get here */
				se_fail_expect(run, CHK_R_EXPECT, "");
				return;
			}
			/* bytes OpenSSL decrypted already: no event comes */
			if (chk_tls_pending(&run->tls)) {
				if (se_read(run) < 0)
					return;
				continue;
			}
			if (chk_conn_wait(&run->conn, run->want, se_readable,
			    run) < 0) {
				se_end(run, CHK_V_FAIL, CHK_R_INTERNAL,
				    "read: cannot wait");
				return;
			}
			return;
		}
	}
}

/* ---- the hooks every engine-based check shares -------------------- */

int
chk_se_start(struct probe *p)
{
	struct chk_se_priv	*pv = p->priv;
	struct se_run		*run;

	if (pv == NULL || pv->prog == NULL)
		return -EINVAL;
	if ((run = calloc(1, sizeof(*run))) == NULL)
		return -ENOMEM;
	run->p = p;
	run->prog = pv->prog;
	run->max_read = pv->max_read > 0 ? pv->max_read : SE_MAX_READ;
	run->conn.fd = -1;
	run->tls.conn = &run->conn;
	run->want = EV_READ;
	snprintf(run->token, sizeof(run->token), "%08x%02x", arc4random(),
	    arc4random() & 0xff);
	run->timer_for = (size_t)-1;
	run->phase = pv->phase;
	clock_gettime(CLOCK_MONOTONIC, &run->t0);
	p->run = run;
	/* The first step is a connect: it reports from the loop, so start
	   never ends the run itself. */
	se_advance(run);
	return 0;
}

void
chk_se_cancel(struct probe *p)
{
	if (p->run == NULL)
		return;
	se_run_free(p->run);
	p->run = NULL;
}

void
chk_se_release(struct probe *p)
{
	struct chk_se_priv	*pv = p->priv;

	if (pv == NULL)
		return;
	chk_se_free(pv->prog);
	free(pv);
	p->priv = NULL;
}

/* ---- "sendexpect": the steps from the config ---------------------- */

struct se_conf {
	int	max_read;
};

static int
se_configure(const config_setting_t *cs, struct probe *p, struct err *e)
{
	struct se_conf		*cf = p->conf;
	struct chk_se_priv	*pv;
	int			 rc;

	chk_se_release(p);
	if ((pv = calloc(1, sizeof(*pv))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	pv->max_read = cf->max_read > 0 ? (size_t)cf->max_read : SE_MAX_READ;
	if ((rc = chk_se_from_config(chk_conf_key(cs, "steps"), &pv->prog,
	    e)) < 0) {
		free(pv);
		return rc;
	}
	p->priv = pv;
	return 0;
}

static const struct mon_directive se_directives[] = {
	{ .key = "steps", .type = MON_D_OTHER },
	{ .key = "max_read", .type = MON_D_INT,
	  .offset = offsetof(struct se_conf, max_read),
	  .min = 16, .max = 1 << 20, .ndef = SE_MAX_READ },
	{ .key = NULL }
};

const struct probe_type chk_sendexpect = {
	.name = "sendexpect",
	.directives = se_directives,
	.conf_size = sizeof(struct se_conf),
	.configure = se_configure,
	.start = chk_se_start,
	.cancel = chk_se_cancel,
	.release = chk_se_release,
	.share = 1,
};

/* ---- "udp": one datagram, then an answer or silence --------------- */

#define UDP_DEFAULT_QUIET	200

struct udp_conf {
	char		*send;
	char		*send_hex;
	char		*expect;
	char		*expect_re;
	char		*expect_hex;
	int		 negate;
	unsigned	 quiet_ms;
};

static int
udp_configure(const config_setting_t *cs, struct probe *p, struct err *e)
{
	struct udp_conf		*cf = p->conf;
	struct chk_se_def	 d[3];
	struct chk_se_priv	*pv;
	int			 rc, nexp;

	chk_se_release(p);
	memset(d, 0, sizeof(d));
	d[0].connect = "udp";
	if (cf->send != NULL && cf->send_hex != NULL)
		return err_set(e, -EINVAL, "send and send_hex: one or the "
		    "other");
	d[1].send = cf->send_hex == NULL ? (cf->send ? cf->send : "") : NULL;
	d[1].send_hex = cf->send_hex;
	nexp = (cf->expect != NULL) + (cf->expect_re != NULL) +
	    (cf->expect_hex != NULL);
	if (nexp > 1)
		return err_set(e, -EINVAL, "expect, expect_re, expect_hex: "
		    "one at most");
	d[2].expect = cf->expect;
	d[2].expect_re = cf->expect_re;
	d[2].expect_hex = cf->expect_hex;
	d[2].negate = cf->negate;
	if (nexp == 0) {
		if (cf->negate)
			return err_set(e, -EINVAL, "negate: needs expect, "
			    "expect_re or expect_hex");
		d[2].quiet_ms = cf->quiet_ms > 0 ? cf->quiet_ms :
		    UDP_DEFAULT_QUIET;
		if (p->timeout_ms > 0 && d[2].quiet_ms >= p->timeout_ms)
			return err_set(e, -EINVAL, "quiet: %u ms must be "
			    "shorter than the timeout (%u ms)", d[2].quiet_ms,
			    p->timeout_ms);
	}
	if ((pv = calloc(1, sizeof(*pv))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	pv->max_read = SE_MAX_READ;
	if ((rc = chk_se_compile(d, 3, &pv->prog, e)) < 0) {
		free(pv);
		return rc;
	}
	p->priv = pv;
	return 0;
}

static const struct mon_directive udp_directives[] = {
	{ .key = "send", .type = MON_D_STRING,
	  .offset = offsetof(struct udp_conf, send) },
	{ .key = "send_hex", .type = MON_D_STRING,
	  .offset = offsetof(struct udp_conf, send_hex) },
	{ .key = "expect", .type = MON_D_STRING,
	  .offset = offsetof(struct udp_conf, expect) },
	{ .key = "expect_re", .type = MON_D_STRING,
	  .offset = offsetof(struct udp_conf, expect_re) },
	{ .key = "expect_hex", .type = MON_D_STRING,
	  .offset = offsetof(struct udp_conf, expect_hex) },
	{ .key = "negate", .type = MON_D_BOOL,
	  .offset = offsetof(struct udp_conf, negate) },
	{ .key = "quiet", .type = MON_D_MS,
	  .offset = offsetof(struct udp_conf, quiet_ms),
	  .min = 1, .max = 60000, .ndef = UDP_DEFAULT_QUIET },
	{ .key = NULL }
};

const struct probe_type chk_udp = {
	.name = "udp",
	.directives = udp_directives,
	.conf_size = sizeof(struct udp_conf),
	.configure = udp_configure,
	.start = chk_se_start,
	.cancel = chk_se_cancel,
	.release = chk_se_release,
	.share = 1,
};

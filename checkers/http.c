/*
 * checkers/http.c - the "http" check: one HTTP/1.0 request, the real server
 * passes when the status is in expect_status and, if expect_body is set,
 * the body matches that PCRE2 regex.
 *
 * Keys (rows in http_directives below; README.md lists them for users):
 *   path           "/"        request target
 *   host           address    Host header; default the real's address,
 *                             IPv6 in brackets, ":port" unless port 80
 *   expect_status  "200-399"  codes and ranges: "200,204,300-399"
 *   expect_body    none       PCRE2 regex searched in the body (GET only)
 *   method         GET        GET or HEAD
 *   max_body       65536      body bytes read at most (the rest is unread)
 *
 * Why HTTP/1.0 with "Connection: close": the server ends the reply by
 * closing, so neither chunked decoding nor keep-alive is needed, and the
 * server (not the checker) holds the TIME_WAIT state.  A reply whose end is
 * known earlier (Content-Length reached, HEAD, 204, 304) ends the run
 * without waiting for the close.
 *
 * Written by hand rather than on evhttp: evhttp's client resolves names,
 * retries, and hides the reset-versus-close and where-did-it-stop
 * differences that the reasons below must report.
 *
 * "https" is the same check over TLS (chk_tls.h), with four more keys:
 *   sni            host's name  server name sent (default: the host key
 *                               when it is a name, not an address)
 *   verify         false        refuse a certificate that does not verify
 *   ca_file        system CAs   PEM of the CAs to trust (verify only)
 *   verify_name    sni          the name the certificate must carry
 * The handshake is the "tls" phase; its failures are CHK_R_TLS ("tls:
 * handshake: certificate verify failed (self-signed certificate)").  A
 * transport inside this file rather than https as send/expect data: the
 * status set, Content-Length and body matching are http's, not the
 * engine's.
 *
 * Details (probe_result.msg): "http: status 200" (ok), "connect: ..."
 * (CHK_R_CONNREFUSED/CHK_R_CONNECT), "send: EPIPE", "read: ECONNRESET"
 * (CHK_R_IO), "http: malformed status line", "http: connection closed
 * before status line", "http: headers too long" (CHK_R_PROTOCOL),
 * "http: status 503" (CHK_R_HTTP_STATUS), "http: body does not match /re/"
 * (CHK_R_HTTP_BODY).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "checkers/chk_conn.h"
#include "checkers/chk_http.h"
#include "checkers/chk_tls.h"
#include "monitor/probe.h"

#define HTTP_STATUS_MIN		100
#define HTTP_STATUS_MAX		599
#define HTTP_DEFAULT_STATUS	"200-399"
#define HTTP_DEFAULT_MAX_BODY	65536
#define HTTP_HDR_MAX		16384	/* status line and headers */
#define HTTP_BUF_FIRST		4096

#define STATUS_HELP	"expected status codes like 200 or 200-299,302"

/* A set of status codes 000..999; filled by http_status_parse(). */
struct http_status_set {
	int		given;		/* 0: never set, use the default */
	uint8_t		bits[1000 / 8];
};

enum { HTTP_GET = 0, HTTP_HEAD };
static const char *const http_methods[] = { "GET", "HEAD", NULL };

/* The directive fields (owner: the monitor; strings freed by
 * mon_directives_release()). */
struct http_conf {
	char			*path;
	char			*host;
	struct http_status_set	 expect_status;
	char			*expect_body;
	int			 method;
	int			 max_body;
	/* https only */
	char			*sni;
	int			 verify;
	char			*ca_file;
	char			*verify_name;
};

/* What configure() derives, owned by the probe, freed by http_release(). */
struct http_priv {
	struct http_status_set	 status;
	pcre2_code		*re;	/* NULL: no body check */
	pcre2_match_data	*md;
	const char		*path;	/* conf's or "/" */
	size_t			 max_body;
	int			 tls;	/* https */
	struct chk_tls_conf	 tlsc;
};

/* One run, owned by p->run, freed by http_run_free(). */
struct http_run {
	struct chk_conn	 conn;
	struct chk_tls	 tls;		/* https: on conn once connected */
	short		 want;		/* what the next recv/send waits for */
	struct probe	*p;
	char		*req;
	size_t		 req_len, req_off;
	char		*buf;		/* the reply, NUL-terminated */
	size_t		 len, cap;
	size_t		 hdr_end;	/* offset of the body; 0: not yet */
	int		 status;	/* -1: no status line yet */
	long long	 clen;		/* Content-Length; -1: none */
};

extern const struct probe_type chk_http, chk_https;

static void	http_readable(struct chk_conn *c, int err, void *arg);
static void	http_writable(struct chk_conn *c, int err, void *arg);

static int
status_has(const struct http_status_set *s, int code)
{
	return code >= 0 && code < 1000 &&
	    (s->bits[code / 8] & (1u << (code % 8))) != 0;
}

/* Three-digit-or-so number at *sp; advances *sp.  -1 when no digit. */
static int
parse_code(const char **sp)
{
	const char	*s = *sp;
	int		 n = 0, digits = 0;

	while (*s >= '0' && *s <= '9' && digits < 4) {
		n = n * 10 + (*s++ - '0');
		digits++;
	}
	if (digits == 0 || digits > 3)
		return -1;
	*sp = s;
	return n;
}

/* MON_D_CUSTOM setter of expect_status: "200", "200-299,302", ... */
static int
http_status_parse(void *field, const char *val, struct err *e)
{
	struct http_status_set	 set;
	const char		*s = val;
	int			 lo, hi;

	memset(&set, 0, sizeof(set));
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if ((lo = parse_code(&s)) < 0)
			goto bad;
		hi = lo;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '-') {
			s++;
			while (*s == ' ' || *s == '\t')
				s++;
			if ((hi = parse_code(&s)) < 0)
				goto bad;
			while (*s == ' ' || *s == '\t')
				s++;
		}
		if (lo < HTTP_STATUS_MIN || hi > HTTP_STATUS_MAX || lo > hi)
			goto bad;
		for (int c = lo; c <= hi; c++)
			set.bits[c / 8] |= 1u << (c % 8);
		if (*s == '\0')
			break;
		if (*s++ != ',')
			goto bad;
	}
	set.given = 1;
	memcpy(field, &set, sizeof(set));
	return 0;
bad:
	/* The caller quotes val and names the key and file:line. */
	return err_set(e, -EINVAL, STATUS_HELP);
}

/* Request target and Host value go on the wire as they are: refuse what
 * would break the request line or inject a header. */
static int
http_token_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

static void
http_release(struct probe *p)
{
	struct http_priv	*pv = p->priv;

	if (pv == NULL)
		return;
	pcre2_match_data_free(pv->md);
	pcre2_code_free(pv->re);
	chk_tls_conf_release(&pv->tlsc);
	free(pv);
	p->priv = NULL;
}

/* The name in a host key ("www.example.org:8443" -> "www.example.org"),
 * for the SNI; NULL when there is none or it is an address. */
static const char *
http_host_name(const char *host, char *buf, size_t len)
{
	struct in6_addr	 a;
	const char	*colon;

	if (host == NULL || host[0] == '\0' || host[0] == '[')
		return NULL;
	colon = strchr(host, ':');
	snprintf(buf, len, "%.*s", colon != NULL ? (int)(colon - host) :
	    (int)strlen(host), host);
	if (inet_pton(AF_INET, buf, &a) == 1 || buf[0] == '\0')
		return NULL;
	return buf;
}

static int
http_configure(const config_setting_t *cs, struct probe *p, struct err *e)
{
	struct http_conf	*cf = p->conf;
	struct http_priv	*pv;
	PCRE2_UCHAR		 msg[160];
	PCRE2_SIZE		 off;
	int			 code, rc;

	http_release(p);
	if ((pv = calloc(1, sizeof(*pv))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	p->priv = pv;

	/* Fields the directive table did not fill (a conf built by hand, or
	   a default the generic code left alone) get their default here. */
	pv->path = cf->path != NULL && cf->path[0] != '\0' ? cf->path : "/";
	if (pv->path[0] != '/' || !http_token_ok(pv->path)) {
		rc = err_set(e, -EINVAL, "path: \"%s\" must start with / and "
		    "have no spaces or control characters", pv->path);
		goto fail;
	}
	if (cf->host != NULL && !http_token_ok(cf->host)) {
		rc = err_set(e, -EINVAL, "host: \"%s\" must have no spaces or "
		    "control characters", cf->host);
		goto fail;
	}
	if (cf->expect_status.given)
		pv->status = cf->expect_status;
	else if ((rc = http_status_parse(&pv->status, HTTP_DEFAULT_STATUS,
	    e)) < 0)
		goto fail;
	if (cf->method < HTTP_GET || cf->method > HTTP_HEAD) {
		rc = err_set(e, -EINVAL, "method: expected GET or HEAD");
		goto fail;
	}
	pv->max_body = cf->max_body > 0 ? (size_t)cf->max_body :
	    HTTP_DEFAULT_MAX_BODY;
	if (p->type == &chk_https) {
		char	sni[256];

		pv->tls = 1;
		if ((rc = chk_tls_conf_init(&pv->tlsc, cf->sni != NULL ?
		    cf->sni : http_host_name(cf->host, sni, sizeof(sni)),
		    cf->verify, cf->ca_file, cf->verify_name, e)) < 0)
			goto fail;
	}

	if (cf->expect_body == NULL)
		return 0;
	if (cf->method == HTTP_HEAD) {
		rc = err_set(e, -EINVAL, "expect_body: needs method GET "
		    "(a reply to HEAD has no body)");
		goto fail;
	}
	pv->re = pcre2_compile((PCRE2_SPTR)cf->expect_body,
	    PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
	if (pv->re == NULL) {
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", code);
		rc = err_set(e, -EINVAL, "expect_body: %s at offset %zu",
		    (char *)msg, (size_t)off);
		goto fail;
	}
	/* JIT where the platform has it; the interpreter is fine else. */
	(void)pcre2_jit_compile(pv->re, PCRE2_JIT_COMPLETE);
	if ((pv->md = pcre2_match_data_create_from_pattern(pv->re,
	    NULL)) == NULL) {
		rc = err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	return 0;
fail:
	http_release(p);
	return rc;
}

static void
http_run_free(struct http_run *run, int abort)
{
	chk_tls_end(&run->tls, !abort);
	chk_conn_close(&run->conn, abort);
	free(run->req);
	free(run->buf);
	free(run);
}

/*
 * End the run: format the detail first (it may quote run state), free the
 * run, then report.  abort: close with RST (anything but a reply the
 * server ended by closing; see chk_conn_close()).
 */
static void __attribute__((format(printf, 5, 6)))
http_end(struct http_run *run, int abort, enum chk_verdict v,
    enum chk_reason r, const char *fmt, ...)
{
	struct probe	*p = run->p;
	char		 msg[sizeof(((struct probe_result *)NULL)->msg)];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_run_free(run, abort);
	p->run = NULL;
	probe_done(p, v, -1, r, "%s", msg);
}

int
chk_http_parse_status(const char *line)
{
	const char	*s = line;
	int		 code = 0;

	if (strncmp(s, "HTTP/", 5) != 0)
		return -1;
	s += 5;
	if (!(s[0] >= '0' && s[0] <= '9' && s[1] == '.' &&
	    s[2] >= '0' && s[2] <= '9' && s[3] == ' '))
		return -1;
	s += 3;
	while (*s == ' ')
		s++;
	for (int i = 0; i < 3; i++, s++) {
		if (*s < '0' || *s > '9')
			return -1;
		code = code * 10 + (*s - '0');
	}
	if (*s != ' ' && *s != '\r' && *s != '\n')
		return -1;
	return code;
}

long long
chk_http_content_length(const char *buf, size_t end)
{
	static const char	 name[] = "content-length:";
	const char		*line = buf, *nl, *s;
	long long		 n;

	while (line < buf + end &&
	    (nl = memchr(line, '\n', buf + end - line)) != NULL) {
		if ((size_t)(nl - line) > sizeof(name) - 1 &&
		    strncasecmp(line, name, sizeof(name) - 1) == 0) {
			s = line + sizeof(name) - 1;
			while (*s == ' ' || *s == '\t')
				s++;
			if (*s < '0' || *s > '9')
				return -1;
			for (n = 0; *s >= '0' && *s <= '9'; s++) {
				if (n > (1LL << 50))
					return -1;
				n = n * 10 + (*s - '0');
			}
			return n;
		}
		line = nl + 1;
	}
	return -1;
}

/* Judge what has been read: at EOF, at the cap, or at a known end. */
static void
http_judge(struct http_run *run, int eof)
{
	struct http_priv	*pv = run->p->priv;
	const char		*body;
	size_t			 blen = 0;
	int			 rc;

	if (run->status < 0) {
		if (run->len == 0)
			http_end(run, !eof, CHK_V_FAIL, CHK_R_PROTOCOL,
			    "http: connection closed before status line");
		else
			http_end(run, !eof, CHK_V_FAIL, CHK_R_PROTOCOL,
			    "http: malformed status line");
		return;
	}
	if (!status_has(&pv->status, run->status)) {
		http_end(run, !eof, CHK_V_FAIL, CHK_R_HTTP_STATUS,
		    "http: status %d", run->status);
		return;
	}
	if (pv->re != NULL) {
		/* A reply cut in its headers has no body to match. */
		body = run->buf + run->hdr_end;
		if (run->hdr_end > 0)
			blen = run->len - run->hdr_end;
		if (blen > pv->max_body)
			blen = pv->max_body;
		rc = pcre2_match(pv->re, (PCRE2_SPTR)body, blen, 0, 0,
		    pv->md, NULL);
		if (rc < 0) {
			if (rc == PCRE2_ERROR_NOMATCH)
				http_end(run, !eof, CHK_V_FAIL,
				    CHK_R_HTTP_BODY,
				    "http: body does not match /%s/",
				    ((struct http_conf *)run->p->conf)
				    ->expect_body);
			else
				http_end(run, !eof, CHK_V_FAIL,
				    CHK_R_HTTP_BODY,
				    "http: body match error %d", rc);
			return;
		}
	}
	http_end(run, !eof, CHK_V_OK, CHK_R_OK, "http: status %d",
	    run->status);
}

/*
 * Look at the bytes so far.  Returns 1 when the run ended (judged or
 * failed), 0 to read more.
 */
static int
http_progress(struct http_run *run, size_t old_len)
{
	struct http_priv	*pv = run->p->priv;
	struct http_conf	*cf = run->p->conf;
	const char		*end;
	size_t			 from;

	/* Not HTTP at all: say so now rather than wait for a line end. */
	if (run->status < 0 && strncmp(run->buf, "HTTP/",
	    run->len < 5 ? run->len : 5) != 0) {
		http_end(run, 1, CHK_V_FAIL, CHK_R_PROTOCOL,
		    "http: malformed status line");
		return 1;
	}
	if (run->status < 0 &&
	    memchr(run->buf, '\n', run->len) != NULL) {
		if ((run->status = chk_http_parse_status(run->buf)) < 0) {
			http_end(run, 1, CHK_V_FAIL, CHK_R_PROTOCOL,
			    "http: malformed status line");
			return 1;
		}
	}
	if (run->hdr_end == 0) {
		/* Search again from just before the new bytes. */
		from = old_len > 3 ? old_len - 3 : 0;
		for (size_t i = from; i < run->len; i++) {
			if (run->buf[i] != '\n')
				continue;
			if (i + 1 < run->len && run->buf[i + 1] == '\n') {
				run->hdr_end = i + 2;
				break;
			}
			if (i + 2 < run->len && run->buf[i + 1] == '\r' &&
			    run->buf[i + 2] == '\n') {
				run->hdr_end = i + 3;
				break;
			}
		}
		if (run->hdr_end == 0) {
			if (run->len < HTTP_HDR_MAX)
				return 0;
			if (run->status < 0)
				http_end(run, 1, CHK_V_FAIL, CHK_R_PROTOCOL,
				    "http: malformed status line");
			else
				http_end(run, 1, CHK_V_FAIL, CHK_R_PROTOCOL,
				    "http: headers too long");
			return 1;
		}
		run->clen = chk_http_content_length(run->buf, run->hdr_end);
	}
	/* The headers are complete.  Is the body too? */
	end = run->buf + run->len;
	if (cf->method == HTTP_HEAD || run->status == 204 ||
	    run->status == 304 || (run->status >= 100 && run->status < 200) ||
	    (run->clen >= 0 &&
	    (long long)(end - (run->buf + run->hdr_end)) >= run->clen) ||
	    run->len - run->hdr_end >= pv->max_body) {
		http_judge(run, 0);
		return 1;
	}
	return 0;
}

static void
http_readable(struct chk_conn *c, int err, void *arg)
{
	struct http_run		*run = arg;
	struct http_priv	*pv = run->p->priv;
	size_t			 limit, old_len;
	ssize_t			 n;
	char			*nb;

more:
	old_len = run->len;
	limit = (run->hdr_end > 0 ? run->hdr_end : HTTP_HDR_MAX) +
	    pv->max_body;
	if (run->len == run->cap) {
		run->cap = run->cap == 0 ? HTTP_BUF_FIRST : run->cap * 2;
		if (run->cap > limit)
			run->cap = limit;
		if ((nb = realloc(run->buf, run->cap + 1)) == NULL) {
			http_end(run, 1, CHK_V_FAIL, CHK_R_INTERNAL,
			    "read: out of memory");
			return;
		}
		run->buf = nb;
	}
	n = chk_tls_recv(&run->tls, run->buf + run->len,
	    run->cap - run->len, &run->want);
	if (n == -EAGAIN)
		goto again;
	if (n == -EPROTO) {
		http_end(run, 1, CHK_V_FAIL, CHK_R_TLS, "tls: read: %s",
		    run->tls.err);
		return;
	}
	if (n < 0) {
		http_end(run, 1, CHK_V_FAIL, CHK_R_IO, "read: %s",
		    chk_errname((int)-n));
		return;
	}
	if (n == 0) {
		http_judge(run, 1);
		return;
	}
	run->len += (size_t)n;
	run->buf[run->len] = '\0';
	if (http_progress(run, old_len))
		return;
	/* TLS: bytes OpenSSL decrypted already announce no event */
	if (chk_tls_pending(&run->tls))
		goto more;
again:
	if (chk_conn_wait(c, run->want, http_readable, run) < 0)
		http_end(run, 1, CHK_V_FAIL, CHK_R_INTERNAL,
		    "read: cannot wait");
}

static void
http_send(struct http_run *run)
{
	struct chk_conn	*c = &run->conn;
	ssize_t		 n;

	run->p->phase = "send";
	while (run->req_off < run->req_len) {
		n = chk_tls_send(&run->tls, run->req + run->req_off,
		    run->req_len - run->req_off, &run->want);
		if (n == -EAGAIN) {
			if (chk_conn_wait(c, run->want, http_writable,
			    run) < 0)
				http_end(run, 1, CHK_V_FAIL, CHK_R_INTERNAL,
				    "send: cannot wait");
			return;
		}
		if (n == -EPROTO) {
			http_end(run, 1, CHK_V_FAIL, CHK_R_TLS,
			    "tls: send: %s", run->tls.err);
			return;
		}
		if (n < 0) {
			http_end(run, 1, CHK_V_FAIL, CHK_R_IO, "send: %s",
			    chk_errname((int)-n));
			return;
		}
		run->req_off += (size_t)n;
	}
	run->p->phase = "read";
	run->want = EV_READ;
	if (chk_conn_wait(c, EV_READ, http_readable, run) < 0)
		http_end(run, 1, CHK_V_FAIL, CHK_R_INTERNAL,
		    "read: cannot wait");
}

static void
http_writable(struct chk_conn *c, int err, void *arg)
{
	http_send(arg);
}

static void
http_tls_done(struct chk_conn *c, int err, void *arg)
{
	struct http_run	*run = arg;

	if (err != 0) {
		http_end(run, 1, CHK_V_FAIL, err == EPROTO ? CHK_R_TLS :
		    CHK_R_INTERNAL, "tls: %s", run->tls.err);
		return;
	}
	http_send(run);
}

static void
http_connected(struct chk_conn *c, int err, void *arg)
{
	struct http_run		*run = arg;
	struct http_priv	*pv = run->p->priv;

	if (err != 0) {
		http_end(run, 1, CHK_V_FAIL, chk_conn_reason(err),
		    "connect: %s", chk_errname(err));
		return;
	}
	if (!pv->tls) {
		http_send(run);
		return;
	}
	run->p->phase = "tls";
	if (chk_tls_begin(&run->tls, c, &pv->tlsc, http_tls_done, run) < 0)
		http_end(run, 1, CHK_V_FAIL, CHK_R_INTERNAL, "tls: %s",
		    run->tls.err);
}

/* The port in p->addr, for the Host header. */
static int
http_addr_port(const struct probe *p)
{
	if (p->addr.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&p->addr)
		    ->sin6_port);
	return ntohs(((const struct sockaddr_in *)&p->addr)->sin_port);
}

static int
http_build_request(struct http_run *run)
{
	struct probe		*p = run->p;
	struct http_conf	*cf = p->conf;
	struct http_priv	*pv = p->priv;
	char			 addr[INET6_ADDRSTRLEN + 16];
	const char		*host = addr;
	int			 port = http_addr_port(p), n;
	int			 v6 = strchr(p->host, ':') != NULL;

	/* RFC 9110 7.2: the port goes in Host unless it is the default. */
	if (cf->host != NULL && cf->host[0] != '\0')
		host = cf->host;
	else if (port == (pv->tls ? 443 : 80))
		snprintf(addr, sizeof(addr), "%s%s%s", v6 ? "[" : "",
		    p->host, v6 ? "]" : "");
	else
		snprintf(addr, sizeof(addr), "%s%s%s:%d", v6 ? "[" : "",
		    p->host, v6 ? "]" : "", port);
	n = asprintf(&run->req, "%s %s HTTP/1.0\r\nHost: %s\r\n"
	    "User-Agent: lvsmon\r\nConnection: close\r\n\r\n",
	    http_methods[cf->method], pv->path, host);
	if (n < 0) {
		run->req = NULL;
		return -ENOMEM;
	}
	run->req_len = (size_t)n;
	return 0;
}

static int
http_start(struct probe *p)
{
	struct http_run	*run;
	int		 rc;

	if (p->priv == NULL)	/* configure() was not called or failed */
		return -EINVAL;
	if ((run = calloc(1, sizeof(*run))) == NULL)
		return -ENOMEM;
	run->p = p;
	run->status = -1;
	run->clen = -1;
	run->conn.fd = -1;
	run->tls.conn = &run->conn;
	run->want = EV_READ;
	if ((rc = http_build_request(run)) < 0 ||
	    (rc = chk_conn_open(&run->conn, p, http_connected, run)) < 0) {
		http_run_free(run, 0);
		return rc;
	}
	p->run = run;
	return 0;
}

static void
http_cancel(struct probe *p)
{
	if (p->run == NULL)
		return;
	/* RST: a server that stalls would otherwise keep our FIN_WAIT2. */
	http_run_free(p->run, 1);
	p->run = NULL;
}

#define HTTP_DIRECTIVES							\
	{ .key = "path", .type = MON_D_STRING,				\
	  .offset = offsetof(struct http_conf, path), .sdef = "/" },	\
	{ .key = "host", .type = MON_D_STRING,				\
	  .offset = offsetof(struct http_conf, host), .sdef = NULL },	\
	{ .key = "expect_status", .type = MON_D_CUSTOM,			\
	  .offset = offsetof(struct http_conf, expect_status),		\
	  .sdef = HTTP_DEFAULT_STATUS, .set = http_status_parse },	\
	{ .key = "expect_body", .type = MON_D_STRING,			\
	  .offset = offsetof(struct http_conf, expect_body),		\
	  .sdef = NULL },						\
	{ .key = "method", .type = MON_D_ENUM,				\
	  .offset = offsetof(struct http_conf, method),			\
	  .ndef = HTTP_GET, .enums = http_methods },			\
	{ .key = "max_body", .type = MON_D_INT,				\
	  .offset = offsetof(struct http_conf, max_body),		\
	  .min = 1, .max = 16 << 20, .ndef = HTTP_DEFAULT_MAX_BODY }

static const struct mon_directive http_directives[] = {
	HTTP_DIRECTIVES,
	{ .key = NULL }
};

static const struct mon_directive https_directives[] = {
	HTTP_DIRECTIVES,
	{ .key = "sni", .type = MON_D_STRING,
	  .offset = offsetof(struct http_conf, sni), .sdef = NULL },
	{ .key = "verify", .type = MON_D_BOOL,
	  .offset = offsetof(struct http_conf, verify), .ndef = 0 },
	{ .key = "ca_file", .type = MON_D_STRING,
	  .offset = offsetof(struct http_conf, ca_file), .sdef = NULL },
	{ .key = "verify_name", .type = MON_D_STRING,
	  .offset = offsetof(struct http_conf, verify_name), .sdef = NULL },
	{ .key = NULL }
};

const struct probe_type chk_http = {
	.name = "http",
	.directives = http_directives,
	.conf_size = sizeof(struct http_conf),
	.configure = http_configure,
	.start = http_start,
	.cancel = http_cancel,
	.release = http_release,
	.share = 1,
};

const struct probe_type chk_https = {
	.name = "https",
	.directives = https_directives,
	.conf_size = sizeof(struct http_conf),
	.configure = http_configure,
	.start = http_start,
	.cancel = http_cancel,
	.release = http_release,
};

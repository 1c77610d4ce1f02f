/*
 * checkers/tls.c - the "tls" check: a TCP connect and a TLS handshake, no
 * request; then a look at the server's certificate.
 *
 * Keys (rows in tls_directives):
 *   sni          none    server name sent
 *   verify       false   refuse a chain (or name) that does not verify
 *   ca_file      system  PEM of the CAs to trust (verify only)
 *   verify_name  sni     the name the certificate must carry
 *   min_days     0       fail when fewer whole days are left before the
 *                        certificate expires (0: only an expired one)
 *
 * Details: "tls: TLSv1.3 CN=www.example.org, expires in 88 days
 * (2026-11-20)" (ok).  CHK_R_TLS: the handshake's failure as chk_tls.c
 * words it ("tls: handshake: certificate verify failed (self-signed
 * certificate)", "tls: alert handshake failure"); "tls: CN=x expired on
 * 2020-02-01 (2100 days ago)"; "tls: CN=x expires in 9 days (2026-09-01),
 * under min_days 14"; "tls: CN=x not valid before 2030-01-01".
 * Without verify an expired certificate still completes the handshake,
 * so the date check here is what catches it; with verify, OpenSSL refuses
 * it first ("certificate verify failed (certificate has expired)").
 *
 * The connection ends with close_notify and a RST: like the tcp check,
 * the director keeps no TIME_WAIT state for it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "checkers/chk_conn.h"
#include "checkers/chk_tls.h"
#include "monitor/probe.h"

/* The directive fields (owner: the monitor). */
struct tls_conf {
	char	*sni;
	int	 verify;
	char	*ca_file;
	char	*verify_name;
	int	 min_days;
};

/* From configure(), owned by the probe, freed by tls_release(). */
struct tls_priv {
	struct chk_tls_conf	 tlsc;
};

/* One run, p->run, freed by tls_run_free(). */
struct tls_run {
	struct probe	*p;
	struct chk_conn	 conn;
	struct chk_tls	 tls;
};

static void
tls_release(struct probe *p)
{
	struct tls_priv	*pv = p->priv;

	if (pv == NULL)
		return;
	chk_tls_conf_release(&pv->tlsc);
	free(pv);
	p->priv = NULL;
}

static int
tls_configure(const config_setting_t *cs, struct probe *p, struct err *e)
{
	struct tls_conf	*cf = p->conf;
	struct tls_priv	*pv;
	int		 rc;

	tls_release(p);
	if ((pv = calloc(1, sizeof(*pv))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	if ((rc = chk_tls_conf_init(&pv->tlsc, cf->sni, cf->verify,
	    cf->ca_file, cf->verify_name, e)) < 0) {
		free(pv);
		return rc;
	}
	p->priv = pv;
	return 0;
}

static void
tls_run_free(struct tls_run *run)
{
	chk_tls_end(&run->tls, 1);
	chk_conn_close(&run->conn, 1);
	free(run);
}

static void __attribute__((format(printf, 4, 5)))
tls_end(struct tls_run *run, enum chk_verdict v, enum chk_reason r,
    const char *fmt, ...)
{
	struct probe	*p = run->p;
	char		 msg[sizeof(((struct probe_result *)NULL)->msg)];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tls_run_free(run);
	p->run = NULL;
	probe_done(p, v, -1, r, "%s", msg);
}

/* "2026-11-20" for t; "?" when OpenSSL cannot read it. */
static void
tls_date(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm	tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, len, "?");
}

/* Whole days from now to t, toward zero: negative when t is past. */
static int
tls_days(const ASN1_TIME *t, int *days)
{
	int	secs;

	return ASN1_TIME_diff(days, &secs, NULL, t) == 1 ? 0 : -1;
}

/* The handshake is done: judge the server's certificate. */
static void
tls_judge(struct tls_run *run)
{
	struct tls_conf	*cf = run->p->conf;
	X509		*x = SSL_get0_peer_certificate(run->tls.ssl);
	const ASN1_TIME	*na, *nb;
	char		 cn[96], date[16];
	int		 days;

	if (x == NULL) {
		tls_end(run, CHK_V_FAIL, CHK_R_TLS, "tls: %s: no server "
		    "certificate", chk_tls_version(&run->tls));
		return;
	}
	snprintf(cn, sizeof(cn), "CN=");
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, cn + 3, (int)sizeof(cn) - 3) < 0)
		snprintf(cn, sizeof(cn), "no CN");
	na = X509_get0_notAfter(x);
	nb = X509_get0_notBefore(x);
	tls_date(na, date, sizeof(date));
	if (tls_days(na, &days) < 0) {
		tls_end(run, CHK_V_FAIL, CHK_R_TLS, "tls: %s: unreadable "
		    "expiry date", cn);
		return;
	}
	if (X509_cmp_current_time(nb) > 0) {
		tls_date(nb, date, sizeof(date));
		tls_end(run, CHK_V_FAIL, CHK_R_TLS, "tls: %s not valid before "
		    "%s", cn, date);
		return;
	}
	if (X509_cmp_current_time(na) <= 0) {
		tls_end(run, CHK_V_FAIL, CHK_R_TLS, "tls: %s expired on %s "
		    "(%d days ago)", cn, date, -days);
		return;
	}
	if (days < cf->min_days) {
		tls_end(run, CHK_V_FAIL, CHK_R_TLS, "tls: %s expires in %d "
		    "days (%s), under min_days %d", cn, days, date,
		    cf->min_days);
		return;
	}
	tls_end(run, CHK_V_OK, CHK_R_OK, "tls: %s %s, expires in %d days "
	    "(%s)", chk_tls_version(&run->tls), cn, days, date);
}

static void
tls_done(struct chk_conn *c, int err, void *arg)
{
	struct tls_run	*run = arg;

	if (err != 0) {
		tls_end(run, CHK_V_FAIL, err == EPROTO ? CHK_R_TLS :
		    CHK_R_INTERNAL, "tls: %s", run->tls.err);
		return;
	}
	tls_judge(run);
}

static void
tls_connected(struct chk_conn *c, int err, void *arg)
{
	struct tls_run	*run = arg;
	struct tls_priv	*pv = run->p->priv;

	if (err != 0) {
		tls_end(run, CHK_V_FAIL, chk_conn_reason(err), "connect: %s",
		    chk_errname(err));
		return;
	}
	run->p->phase = "tls";
	if (chk_tls_begin(&run->tls, c, &pv->tlsc, tls_done, run) < 0)
		tls_end(run, CHK_V_FAIL, CHK_R_INTERNAL, "tls: %s",
		    run->tls.err);
}

static int
tls_start(struct probe *p)
{
	struct tls_run	*run;
	int		 rc;

	if (p->priv == NULL)
		return -EINVAL;
	if ((run = calloc(1, sizeof(*run))) == NULL)
		return -ENOMEM;
	run->p = p;
	run->conn.fd = -1;
	run->tls.conn = &run->conn;
	if ((rc = chk_conn_open(&run->conn, p, tls_connected, run)) < 0) {
		free(run);
		return rc;
	}
	p->run = run;
	return 0;
}

static void
tls_cancel(struct probe *p)
{
	if (p->run == NULL)
		return;
	tls_run_free(p->run);
	p->run = NULL;
}

static const struct mon_directive tls_directives[] = {
	{ .key = "sni", .type = MON_D_STRING,
	  .offset = offsetof(struct tls_conf, sni), .sdef = NULL },
	{ .key = "verify", .type = MON_D_BOOL,
	  .offset = offsetof(struct tls_conf, verify), .ndef = 0 },
	{ .key = "ca_file", .type = MON_D_STRING,
	  .offset = offsetof(struct tls_conf, ca_file), .sdef = NULL },
	{ .key = "verify_name", .type = MON_D_STRING,
	  .offset = offsetof(struct tls_conf, verify_name), .sdef = NULL },
	{ .key = "min_days", .type = MON_D_INT,
	  .offset = offsetof(struct tls_conf, min_days),
	  .min = 0, .max = 3650, .ndef = 0 },
	{ .key = NULL }
};

const struct probe_type chk_tls = {
	.name = "tls",
	.directives = tls_directives,
	.conf_size = sizeof(struct tls_conf),
	.configure = tls_configure,
	.start = tls_start,
	.cancel = tls_cancel,
	.release = tls_release,
};

/*
 * checkers/chk_tls.c - client TLS over OpenSSL 3, non-blocking (contract:
 * chk_tls.h).  Shared by the checkers and by Lua sockets.
 *
 * The two shared contexts (verifying with the system's CAs, or not) are
 * made on first use; a check with its own ca_file has its own context,
 * made when the config is read.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "checkers/chk_tls.h"

static SSL_CTX	*ctx_plain, *ctx_verify;

static SSL_CTX *
tls_ctx_make(int verify)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	/* A server that closes without close_notify has still answered. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* A write retried after WANT_WRITE may come from a buffer that has
	   moved (the same bytes); OpenSSL refuses that unless told. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* With VERIFY_NONE OpenSSL still checks the chain and keeps the
	   result; tls_why() reports it only when it ended a handshake. */
	SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
	    NULL);
	return ctx;
}

/* The shared context; borrowed (no reference taken). */
static SSL_CTX *
tls_ctx_shared(int verify)
{
	SSL_CTX	**cp = verify ? &ctx_verify : &ctx_plain;

	if (*cp == NULL && (*cp = tls_ctx_make(verify)) != NULL && verify)
		(void)SSL_CTX_set_default_verify_paths(*cp);
	return *cp;
}

void
chk_tls_cleanup(void)
{
	SSL_CTX_free(ctx_plain);
	SSL_CTX_free(ctx_verify);
	ctx_plain = ctx_verify = NULL;
}

/* OpenSSL's error queue as text, "" if empty; clears it.  A system error
   in it (a file not found) is the errno's name: it says more than the
   "system lib" the layers above it add. */
static void
tls_errtext(char *buf, size_t len)
{
	unsigned long	e;
	const char	*r;
	int		sys = 0, any = 0;

	buf[0] = '\0';
	while ((e = ERR_get_error()) != 0) {
		any = 1;
		if (ERR_SYSTEM_ERROR(e)) {
			if (sys == 0)
				sys = ERR_GET_REASON(e);
			continue;
		}
		if (buf[0] == '\0' && (r = ERR_reason_error_string(e)) != NULL)
			snprintf(buf, len, "%s", r);
	}
	if (sys != 0)
		snprintf(buf, len, "%s", chk_errname(sys));
	else if (buf[0] == '\0' && any)
		snprintf(buf, len, "unknown error");
}

int
chk_tls_conf_init(struct chk_tls_conf *tc, const char *sni, int verify,
    const char *ca_file, const char *verify_name, struct err *e)
{
	char	why[CHK_TLS_ERRLEN];

	memset(tc, 0, sizeof(*tc));
	tc->verify = verify;
	if (!verify && ca_file != NULL)
		return err_set(e, -EINVAL, "ca_file: needs verify = true");
	if (!verify && verify_name != NULL)
		return err_set(e, -EINVAL, "verify_name: needs verify = true");
	if ((sni != NULL && *sni == '\0') ||
	    (verify_name != NULL && *verify_name == '\0'))
		return err_set(e, -EINVAL, "%s: empty name",
		    sni != NULL && *sni == '\0' ? "sni" : "verify_name");
	if ((sni != NULL && (tc->sni = strdup(sni)) == NULL) ||
	    (verify_name != NULL &&
	    (tc->verify_name = strdup(verify_name)) == NULL))
		goto nomem;
	if (ca_file == NULL) {
		if ((tc->ctx = tls_ctx_shared(verify)) == NULL)
			goto nomem;
		SSL_CTX_up_ref(tc->ctx);
		return 0;
	}
	if ((tc->ctx = tls_ctx_make(1)) == NULL)
		goto nomem;
	ERR_clear_error();
	if (SSL_CTX_load_verify_locations(tc->ctx, ca_file, NULL) != 1) {
		tls_errtext(why, sizeof(why));
		chk_tls_conf_release(tc);
		return err_set(e, -EINVAL, "ca_file: %s: %s", ca_file,
		    why[0] != '\0' ? why : "cannot load");
	}
	return 0;
nomem:
	chk_tls_conf_release(tc);
	return err_set(e, -ENOMEM, "out of memory");
}

void
chk_tls_conf_release(struct chk_tls_conf *tc)
{
	free(tc->sni);
	free(tc->verify_name);
	SSL_CTX_free(tc->ctx);
	memset(tc, 0, sizeof(*tc));
}

/*
 * Why the last call failed, in words an operator reads:
 *   "certificate verify failed (self-signed certificate)": the verify
 *     result, when verification is what ended the handshake;
 *   "alert handshake failure": the alert the server sent;
 *   "wrong version number", ...: OpenSSL's reason text;
 *   "ECONNRESET" or "connection closed": the socket under it.
 */
static void
tls_why(SSL *s, int sslerr, char *err, size_t errlen)
{
	unsigned long	e = ERR_peek_last_error();
	int		r = ERR_GET_REASON(e);
	long		v;

	if (e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    r >= SSL_AD_REASON_OFFSET && r < SSL_AD_REASON_OFFSET + 256) {
		/* "sslv3 alert handshake failure": which alert */
		snprintf(err, errlen, "alert %s",
		    SSL_alert_desc_string_long(r - SSL_AD_REASON_OFFSET));
		ERR_clear_error();
		return;
	}
	if (e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    r == SSL_R_CERTIFICATE_VERIFY_FAILED && s != NULL &&
	    (v = SSL_get_verify_result(s)) != X509_V_OK) {
		snprintf(err, errlen, "certificate verify failed (%s)",
		    X509_verify_cert_error_string(v));
		ERR_clear_error();
		return;
	}
	if (e != 0) {
		tls_errtext(err, errlen);
		return;
	}
	if (sslerr == SSL_ERROR_SYSCALL && errno != 0)
		snprintf(err, errlen, "%s", chk_errname(errno));
	else if (sslerr == SSL_ERROR_SYSCALL)
		snprintf(err, errlen, "connection closed");
	else
		snprintf(err, errlen, "error %d", sslerr);
}

SSL *
chk_tls_new(SSL_CTX *ctx, int fd, const char *sni, int verify,
    const char *vname, char *err, size_t errlen)
{
	SSL	*s;

	if (ctx == NULL && (ctx = tls_ctx_shared(verify)) == NULL) {
		snprintf(err, errlen, "cannot make a TLS context");
		return NULL;
	}
	ERR_clear_error();
	if ((s = SSL_new(ctx)) == NULL || SSL_set_fd(s, fd) != 1) {
		tls_why(NULL, 0, err, errlen);
		SSL_free(s);
		return NULL;
	}
	if (sni != NULL && *sni != '\0' &&
	    SSL_set_tlsext_host_name(s, sni) != 1) {
		snprintf(err, errlen, "bad server name: %s", sni);
		SSL_free(s);
		return NULL;
	}
	if (verify && vname != NULL && *vname != '\0' &&
	    SSL_set1_host(s, vname) != 1) {
		snprintf(err, errlen, "bad name to verify: %s", vname);
		SSL_free(s);
		return NULL;
	}
	return s;
}

/* Map an OpenSSL result: > 0 stays, 0 (closed) stays, WANT_* -> -EAGAIN,
   else -EPROTO with err. */
static int
tls_result(SSL *s, int rc, short *want, char *err, size_t errlen)
{
	int	e;

	if (rc > 0)
		return rc;
	switch ((e = SSL_get_error(s, rc))) {
	case SSL_ERROR_WANT_READ:
		*want = EV_READ;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		*want = EV_WRITE;
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	default:
		tls_why(s, e, err, errlen);
		return -EPROTO;
	}
}

int
chk_tls_handshake(SSL *s, short *want, char *err, size_t errlen)
{
	int	rc;

	ERR_clear_error();
	errno = 0;
	rc = tls_result(s, SSL_connect(s), want, err, errlen);
	if (rc == 0) {
		snprintf(err, errlen, "connection closed");
		return -EPROTO;
	}
	return rc > 0 ? 0 : rc;
}

int
chk_tls_read(SSL *s, void *buf, size_t len, short *want, char *err,
    size_t errlen)
{
	ERR_clear_error();
	errno = 0;
	return tls_result(s, SSL_read(s, buf,
	    len > INT32_MAX ? INT32_MAX : (int)len), want, err, errlen);
}

int
chk_tls_write(SSL *s, const void *buf, size_t len, short *want, char *err,
    size_t errlen)
{
	int	rc;

	if (len == 0)
		return 0;
	ERR_clear_error();
	errno = 0;
	rc = tls_result(s, SSL_write(s, buf,
	    len > INT32_MAX ? INT32_MAX : (int)len), want, err, errlen);
	if (rc == 0) {
		snprintf(err, errlen, "connection closed");
		return -EPROTO;
	}
	return rc;
}

void
chk_tls_free(SSL *s)
{
	SSL_free(s);
}

/* ---- TLS on a checker's connection --------------------------------- */

static void
tls_step(struct chk_conn *c, int err, void *arg)
{
	struct chk_tls	*t = arg;
	char		 why[CHK_TLS_ERRLEN - 16];
	short		 want = EV_READ;
	int		 rc;

	rc = chk_tls_handshake(t->ssl, &want, why, sizeof(why));
	if (rc == -EAGAIN) {
		if (chk_conn_wait(c, want, tls_step, t) == 0)
			return;
		snprintf(t->err, sizeof(t->err), "handshake: cannot wait");
		t->cb(c, ENOMEM, t->arg);
		return;
	}
	if (rc < 0) {
		/* an alert names itself; anything else is the handshake's */
		snprintf(t->err, sizeof(t->err), "%s%s",
		    strncmp(why, "alert ", 6) == 0 ? "" : "handshake: ", why);
		t->cb(c, EPROTO, t->arg);
		return;
	}
	t->cb(c, 0, t->arg);
}

int
chk_tls_begin(struct chk_tls *t, struct chk_conn *c,
    const struct chk_tls_conf *tc, chk_conn_cb *cb, void *arg)
{
	const char	*vname = tc->verify_name ? tc->verify_name : tc->sni;

	t->conn = c;
	t->cb = cb;
	t->arg = arg;
	t->err[0] = '\0';
	chk_tls_free(t->ssl);
	if ((t->ssl = chk_tls_new(tc->ctx, c->fd, tc->sni, tc->verify,
	    vname, t->err, sizeof(t->err))) == NULL)
		return -EINVAL;
	/* The socket is writable once connected: the first SSL_connect()
	   runs on the next loop turn, so cb never comes from in here. */
	if (chk_conn_wait(c, EV_WRITE, tls_step, t) < 0) {
		snprintf(t->err, sizeof(t->err), "cannot wait");
		return -ENOMEM;
	}
	return 0;
}

ssize_t
chk_tls_recv(struct chk_tls *t, void *buf, size_t len, short *want)
{
	ssize_t	n;

	*want = EV_READ;
	if (t->ssl != NULL)
		return chk_tls_read(t->ssl, buf, len, want, t->err,
		    sizeof(t->err));
	n = recv(t->conn->fd, buf, len, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR ? -EAGAIN : -errno;
	return n;
}

ssize_t
chk_tls_send(struct chk_tls *t, const void *buf, size_t len, short *want)
{
	ssize_t	n;

	*want = EV_WRITE;
	if (t->ssl != NULL)
		return chk_tls_write(t->ssl, buf, len, want, t->err,
		    sizeof(t->err));
	n = send(t->conn->fd, buf, len, MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR ? -EAGAIN : -errno;
	return n;
}

int
chk_tls_pending(const struct chk_tls *t)
{
	return t->ssl != NULL && SSL_pending(t->ssl) > 0;
}

const char *
chk_tls_version(const struct chk_tls *t)
{
	return t->ssl != NULL ? SSL_get_version(t->ssl) : "";
}

void
chk_tls_end(struct chk_tls *t, int graceful)
{
	if (t->ssl == NULL)
		return;
	if (graceful) {
		ERR_clear_error();
		(void)SSL_shutdown(t->ssl);
	}
	SSL_free(t->ssl);
	t->ssl = NULL;
	ERR_clear_error();
}

/*
 * lua/tls.c - client TLS for Lua sockets over OpenSSL 3, non-blocking: the
 * socket code drives SSL_connect/SSL_read/SSL_write and waits on libevent
 * for whatever OpenSSL says it wants (read or write).
 *
 * Contexts (one verifying, one not) are made on first use and shared by
 * every TLS socket.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lua/lua_rt.h"

static SSL_CTX	*ctx_plain, *ctx_verify;

static SSL_CTX *
tls_ctx(int verify, char *err, size_t errlen)
{
	SSL_CTX	**cp = verify ? &ctx_verify : &ctx_plain;

	if (*cp != NULL)
		return *cp;
	if ((*cp = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(err, errlen, "cannot make a TLS context");
		return NULL;
	}
	/* A server that closes without close_notify has still answered. */
	SSL_CTX_set_options(*cp, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (verify) {
		SSL_CTX_set_verify(*cp, SSL_VERIFY_PEER, NULL);
		(void)SSL_CTX_set_default_verify_paths(*cp);
	} else
		SSL_CTX_set_verify(*cp, SSL_VERIFY_NONE, NULL);
	return *cp;
}

/* The reason of the last failure: the verify result, else OpenSSL's. */
static void
tls_why(SSL *s, int sslerr, char *err, size_t errlen)
{
	unsigned long	e = ERR_get_error();
	long		v;

	if (s != NULL && (v = SSL_get_verify_result(s)) != X509_V_OK) {
		snprintf(err, errlen, "certificate: %s",
		    X509_verify_cert_error_string(v));
		return;
	}
	if (e != 0) {
		char	buf[120];

		ERR_error_string_n(e, buf, sizeof(buf));
		/* "error:0A000086:SSL routines::certificate verify failed":
		   the last field is what people read. */
		snprintf(err, errlen, "%s", strrchr(buf, ':') ?
		    strrchr(buf, ':') + 1 : buf);
		return;
	}
	if (sslerr == SSL_ERROR_SYSCALL)
		snprintf(err, errlen, "%s", errno != 0 ?
		    strerrorname_np(errno) : "connection closed");
	else
		snprintf(err, errlen, "error %d", sslerr);
}

void *
lua_tls_new(int fd, const char *sni, int verify, const char *vname,
    char *err, size_t errlen)
{
	SSL_CTX	*ctx;
	SSL	*s;

	if ((ctx = tls_ctx(verify, err, errlen)) == NULL)
		return NULL;
	ERR_clear_error();
	if ((s = SSL_new(ctx)) == NULL || SSL_set_fd(s, fd) != 1) {
		tls_why(NULL, 0, err, errlen);
		if (s != NULL)
			SSL_free(s);
		return NULL;
	}
	if (sni != NULL && *sni != '\0')
		(void)SSL_ctrl(s, SSL_CTRL_SET_TLSEXT_HOSTNAME,
		    TLSEXT_NAMETYPE_host_name, (void *)sni);
	if (verify && vname != NULL && *vname != '\0' &&
	    SSL_set1_host(s, vname) != 1) {
		snprintf(err, errlen, "bad name to verify: %s", vname);
		SSL_free(s);
		return NULL;
	}
	return s;
}

/* Map an OpenSSL result: >= 0 stays, WANT_* -> -EAGAIN, else -EPROTO. */
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
lua_tls_handshake(void *tls, short *want, char *err, size_t errlen)
{
	int	rc;

	ERR_clear_error();
	errno = 0;
	rc = tls_result(tls, SSL_connect(tls), want, err, errlen);
	return rc > 0 ? 0 : rc == 0 ? (snprintf(err, errlen,
	    "connection closed in the handshake"), -EPROTO) : rc;
}

int
lua_tls_read(void *tls, char *buf, size_t len, short *want, char *err,
    size_t errlen)
{
	ERR_clear_error();
	errno = 0;
	return tls_result(tls, SSL_read(tls, buf,
	    len > INT32_MAX ? INT32_MAX : (int)len), want, err, errlen);
}

int
lua_tls_write(void *tls, const char *buf, size_t len, short *want,
    char *err, size_t errlen)
{
	int	rc;

	if (len == 0)
		return 0;
	ERR_clear_error();
	errno = 0;
	rc = tls_result(tls, SSL_write(tls, buf,
	    len > INT32_MAX ? INT32_MAX : (int)len), want, err, errlen);
	if (rc == 0) {
		snprintf(err, errlen, "connection closed");
		return -EPROTO;
	}
	return rc;
}

const char *
lua_tls_version(void *tls)
{
	return SSL_get_version(tls);
}

void
lua_tls_free(void *tls)
{
	if (tls != NULL)
		SSL_free(tls);
}

void
lua_tls_cleanup(void)
{
	if (ctx_plain != NULL)
		SSL_CTX_free(ctx_plain);
	if (ctx_verify != NULL)
		SSL_CTX_free(ctx_verify);
	ctx_plain = ctx_verify = NULL;
}

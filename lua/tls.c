/*
 * lua/tls.c - client TLS for Lua sockets over OpenSSL 3, non-blocking: the
 * socket code drives SSL_connect/SSL_read/SSL_write and waits on libevent
 * for whatever OpenSSL says it wants (read or write).
 *
 * libssl is opened with dlopen() when the first TLS socket is made, rather
 * than linked: the Makefile's link line carries libcrypto (for Net-SNMP)
 * but not libssl, and a daemon without TLS checks never loads it.  The
 * symbols are those of the OpenSSL 3 ABI (libssl.so.3); the types and
 * constants come from its headers.  If libssl.so.3 is missing, a TLS
 * connect fails with "tls: libssl.so.3: ..." and nothing else changes.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lua/lua_rt.h"

#define TLS_LIB	"libssl.so.3"

/* Every OpenSSL function used: return type, name, parameters. */
#define TLS_SYMS(X) \
	X(const SSL_METHOD *, TLS_client_method, (void)) \
	X(SSL_CTX *, SSL_CTX_new, (const SSL_METHOD *)) \
	X(void, SSL_CTX_free, (SSL_CTX *)) \
	X(void, SSL_CTX_set_verify, (SSL_CTX *, int, SSL_verify_cb)) \
	X(int, SSL_CTX_set_default_verify_paths, (SSL_CTX *)) \
	X(uint64_t, SSL_CTX_set_options, (SSL_CTX *, uint64_t)) \
	X(SSL *, SSL_new, (SSL_CTX *)) \
	X(void, SSL_free, (SSL *)) \
	X(int, SSL_set_fd, (SSL *, int)) \
	X(int, SSL_connect, (SSL *)) \
	X(int, SSL_get_error, (const SSL *, int)) \
	X(int, SSL_read, (SSL *, void *, int)) \
	X(int, SSL_write, (SSL *, const void *, int)) \
	X(long, SSL_ctrl, (SSL *, int, long, void *)) \
	X(int, SSL_set1_host, (SSL *, const char *)) \
	X(const char *, SSL_get_version, (const SSL *)) \
	X(long, SSL_get_verify_result, (const SSL *)) \
	X(unsigned long, ERR_get_error, (void)) \
	X(void, ERR_error_string_n, (unsigned long, char *, size_t)) \
	X(void, ERR_clear_error, (void)) \
	X(const char *, X509_verify_cert_error_string, (long))

#define TLS_FIELD(r, n, a)	r (*n) a;
static struct {
	void	*h;
	int	 tried;
	char	 why[120];
	TLS_SYMS(TLS_FIELD)
} ssl;

static SSL_CTX	*ctx_plain, *ctx_verify;

static int
tls_load(char *err, size_t errlen)
{
	if (ssl.h != NULL)
		return 0;
	if (ssl.tried) {
		snprintf(err, errlen, "%s", ssl.why);
		return -ENOSYS;
	}
	ssl.tried = 1;
	if ((ssl.h = dlopen(TLS_LIB, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(ssl.why, sizeof(ssl.why), "%s", dlerror());
		goto fail;
	}
#define TLS_LOAD(r, n, a) \
	if ((*(void **)&ssl.n = dlsym(ssl.h, #n)) == NULL) { \
		snprintf(ssl.why, sizeof(ssl.why), TLS_LIB ": no %s", #n); \
		goto fail; \
	}
	TLS_SYMS(TLS_LOAD)
	return 0;
fail:
	if (ssl.h != NULL)
		dlclose(ssl.h);
	ssl.h = NULL;
	snprintf(err, errlen, "%s", ssl.why);
	return -ENOSYS;
}

static SSL_CTX *
tls_ctx(int verify, char *err, size_t errlen)
{
	SSL_CTX	**cp = verify ? &ctx_verify : &ctx_plain;

	if (*cp != NULL)
		return *cp;
	if ((*cp = ssl.SSL_CTX_new(ssl.TLS_client_method())) == NULL) {
		snprintf(err, errlen, "cannot make a TLS context");
		return NULL;
	}
	/* A server that closes without close_notify has still answered. */
	ssl.SSL_CTX_set_options(*cp, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (verify) {
		ssl.SSL_CTX_set_verify(*cp, SSL_VERIFY_PEER, NULL);
		(void)ssl.SSL_CTX_set_default_verify_paths(*cp);
	} else
		ssl.SSL_CTX_set_verify(*cp, SSL_VERIFY_NONE, NULL);
	return *cp;
}

/* The reason of the last failure: the verify result, else OpenSSL's. */
static void
tls_why(SSL *s, int sslerr, char *err, size_t errlen)
{
	unsigned long	e = ssl.ERR_get_error();
	long		v;

	if (s != NULL && (v = ssl.SSL_get_verify_result(s)) != X509_V_OK) {
		snprintf(err, errlen, "certificate: %s",
		    ssl.X509_verify_cert_error_string(v));
		return;
	}
	if (e != 0) {
		char	buf[120];

		ssl.ERR_error_string_n(e, buf, sizeof(buf));
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

	if (tls_load(err, errlen) < 0)
		return NULL;
	if ((ctx = tls_ctx(verify, err, errlen)) == NULL)
		return NULL;
	ssl.ERR_clear_error();
	if ((s = ssl.SSL_new(ctx)) == NULL || ssl.SSL_set_fd(s, fd) != 1) {
		tls_why(NULL, 0, err, errlen);
		if (s != NULL)
			ssl.SSL_free(s);
		return NULL;
	}
	if (sni != NULL && *sni != '\0')
		(void)ssl.SSL_ctrl(s, SSL_CTRL_SET_TLSEXT_HOSTNAME,
		    TLSEXT_NAMETYPE_host_name, (void *)sni);
	if (verify && vname != NULL && *vname != '\0' &&
	    ssl.SSL_set1_host(s, vname) != 1) {
		snprintf(err, errlen, "bad name to verify: %s", vname);
		ssl.SSL_free(s);
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
	switch ((e = ssl.SSL_get_error(s, rc))) {
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

	ssl.ERR_clear_error();
	errno = 0;
	rc = tls_result(tls, ssl.SSL_connect(tls), want, err, errlen);
	return rc > 0 ? 0 : rc == 0 ? (snprintf(err, errlen,
	    "connection closed in the handshake"), -EPROTO) : rc;
}

int
lua_tls_read(void *tls, char *buf, size_t len, short *want, char *err,
    size_t errlen)
{
	ssl.ERR_clear_error();
	errno = 0;
	return tls_result(tls, ssl.SSL_read(tls, buf,
	    len > INT32_MAX ? INT32_MAX : (int)len), want, err, errlen);
}

int
lua_tls_write(void *tls, const char *buf, size_t len, short *want,
    char *err, size_t errlen)
{
	int	rc;

	if (len == 0)
		return 0;
	ssl.ERR_clear_error();
	errno = 0;
	rc = tls_result(tls, ssl.SSL_write(tls, buf,
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
	return ssl.SSL_get_version(tls);
}

void
lua_tls_free(void *tls)
{
	if (tls != NULL)
		ssl.SSL_free(tls);
}

void
lua_tls_cleanup(void)
{
	if (ctx_plain != NULL)
		ssl.SSL_CTX_free(ctx_plain);
	if (ctx_verify != NULL)
		ssl.SSL_CTX_free(ctx_verify);
	ctx_plain = ctx_verify = NULL;
}

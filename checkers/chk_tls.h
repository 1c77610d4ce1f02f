/*
 * checkers/chk_tls.h - client TLS (OpenSSL 3) for everything in the daemon
 * that speaks it: the checkers' connections (https, tls, sendexpect's
 * tls/starttls steps) and the Lua sockets (lua/sock.c).  One place turns
 * OpenSSL's error queue and verify result into the short reasons operators
 * read, so a Lua check and a C check say the same thing about the same
 * server.
 *
 * Nothing here blocks: every call that would wait returns -EAGAIN with the
 * direction (EV_READ or EV_WRITE) OpenSSL wants, and the caller waits for
 * it on the loop.
 *
 * Two levels:
 *   - chk_tls_new/handshake/read/write/free: one SSL session on an fd; the
 *     caller drives it (Lua's coroutine sockets).
 *   - struct chk_tls on a struct chk_conn (checkers): chk_tls_begin() runs
 *     the handshake on the loop and calls back like chk_conn does;
 *     chk_tls_recv/send are recv()/send() that go through TLS once it is on.
 *
 * Ownership: a struct chk_tls_conf belongs to a probe's compiled config
 * (released by chk_tls_conf_release()); a struct chk_tls lives in a run,
 * beside its chk_conn, and is ended by chk_tls_end() before the conn is
 * closed.  SSL_CTX are reference-counted: each holder frees its own.
 */
#ifndef CHK_TLS_H
#define CHK_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "checkers/chk_conn.h"
#include "monitor/err.h"

#define CHK_TLS_ERRLEN	128

/* What one TLS client checks and sends; built at config time. */
struct chk_tls_conf {
	char	*sni;		/* server name sent; NULL: none */
	char	*verify_name;	/* name the certificate must carry; NULL:
				   the sni, or none (chain only) */
	int	 verify;	/* refuse a chain (or name) that fails */
	SSL_CTX	*ctx;		/* a reference, freed by release */
};

/*
 * Fill tc.  ca_file (verify only): PEM file of the trusted CAs instead of
 * the system's; read now, so a missing file is a config error.  Returns 0
 * or -EINVAL/-ENOMEM with e naming the key ("ca_file: /x: No such file").
 */
int	chk_tls_conf_init(struct chk_tls_conf *tc, const char *sni,
	    int verify, const char *ca_file, const char *verify_name,
	    struct err *e);
void	chk_tls_conf_release(struct chk_tls_conf *tc);

/* ---- one session on an fd, driven by the caller -------------------- */

/*
 * A client session on connected fd.  ctx NULL: the shared context for
 * verify (system CAs) or not.  sni: name to send (NULL: none); verify with
 * vname: the certificate must carry it.  Returns NULL with why in err.
 */
SSL	*chk_tls_new(SSL_CTX *ctx, int fd, const char *sni, int verify,
	    const char *vname, char *err, size_t errlen);
/*
 * Drive the handshake, a read or a write.  Return >= 0 (done / bytes; 0
 * from read: the peer closed), -EAGAIN with *want EV_READ or EV_WRITE, or
 * -EPROTO with why in err: "certificate verify failed (self-signed
 * certificate)", "alert handshake failure", "wrong version number",
 * "ECONNRESET".
 */
int	chk_tls_handshake(SSL *s, short *want, char *err, size_t errlen);
int	chk_tls_read(SSL *s, void *buf, size_t len, short *want, char *err,
	    size_t errlen);
int	chk_tls_write(SSL *s, const void *buf, size_t len, short *want,
	    char *err, size_t errlen);
void	chk_tls_free(SSL *s);
/* Drop the shared contexts (sessions keep their own reference). */
void	chk_tls_cleanup(void);

/* ---- TLS on a checker's connection --------------------------------- */

/* Set conn before the first chk_tls_recv/send even without TLS: they
   fall back to recv()/send() on conn->fd while ssl is NULL. */
struct chk_tls {
	SSL		*ssl;		/* NULL: plain (before or no TLS) */
	struct chk_conn	*conn;
	chk_conn_cb	*cb;		/* the handshake's outcome */
	void		*arg;
	char		 err[CHK_TLS_ERRLEN];	/* why the last -EPROTO */
};

/*
 * Start the handshake on the connected c.  cb(c, 0, arg) once it is done,
 * cb(c, EPROTO, arg) with t->err when it failed ("handshake: certificate
 * verify failed (...)", "alert handshake failure"), always from the loop.
 * Returns 0, or -errno when it could not begin (t->err says why).
 */
int	chk_tls_begin(struct chk_tls *t, struct chk_conn *c,
	    const struct chk_tls_conf *tc, chk_conn_cb *cb, void *arg);

/*
 * recv()/send() on c through TLS when it is on.  Return bytes (> 0), 0 at
 * EOF (recv), -EAGAIN with *want, -EPROTO with t->err, or -errno.
 */
ssize_t	chk_tls_recv(struct chk_tls *t, void *buf, size_t len, short *want);
ssize_t	chk_tls_send(struct chk_tls *t, const void *buf, size_t len,
	    short *want);

/* Decrypted bytes OpenSSL holds that no fd event will announce. */
int	chk_tls_pending(const struct chk_tls *t);

/* "TLSv1.3", or "" when TLS is off. */
const char *chk_tls_version(const struct chk_tls *t);

/* Free the session; graceful: send close_notify first (one try, no
 * waiting).  t may be unused (ssl NULL). */
void	chk_tls_end(struct chk_tls *t, int graceful);

#endif

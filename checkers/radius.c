/*
 * checkers/radius.c - the "radius" check: one Access-Request (RFC 2865) to
 * the real server over UDP; any reply whose Response Authenticator
 * verifies with the shared secret passes (Access-Accept, -Reject or
 * -Challenge: the server is alive and shares our secret), or only an
 * Access-Accept with expect = "accept".
 *
 * Keys:
 *   secret          (required)  the shared secret of this client
 *   user            "lvsmon"    User-Name
 *   password        ""          User-Password (hidden with the secret)
 *   nas_identifier  "lvsmon"    NAS-Identifier
 *   expect          "any"       "any" reply, or "accept" only
 *   message_authenticator  true  send one (RFC 3579)
 *
 * The request carries a Message-Authenticator (HMAC-MD5 of the packet
 * keyed with the secret, RFC 3579), which servers may require (and
 * FreeRADIUS asks of every client since the BlastRADIUS fixes); a reply
 * that has one must have it right.  MD5 and HMAC-MD5 come from OpenSSL.
 * The identifier and the Request Authenticator are random per run; a
 * reply with another identifier is ignored (a late one of an older run).
 *
 * Details: "radius: Access-Reject in 2 ms" (ok); "radius: bad response
 * authenticator (wrong secret?)", "radius: bad Message-Authenticator
 * (wrong secret?)", "radius: Access-Reject, want Access-Accept"
 * (CHK_R_EXPECT); "radius: malformed reply" (CHK_R_PROTOCOL); "read:
 * ECONNREFUSED" (ICMP port unreachable, CHK_R_CONNREFUSED); silence: the
 * scheduler's timeout ("during read").
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/evp.h>

#include "checkers/chk_conn.h"
#include "monitor/probe.h"

#define RAD_MAX		4096
#define RAD_HDR		20
#define RAD_ACCESS_REQUEST	1
#define RAD_ACCESS_ACCEPT	2
#define RAD_ACCESS_REJECT	3
#define RAD_ACCESS_CHALLENGE	11
#define RAD_A_USER_NAME		1
#define RAD_A_USER_PASSWORD	2
#define RAD_A_NAS_IDENTIFIER	32
#define RAD_A_MESSAGE_AUTH	80

static const char *const rad_expects[] = { "any", "accept", NULL };

struct rad_conf {
	char	*secret;
	char	*user;
	char	*password;
	char	*nas_identifier;
	int	 expect;		/* 0 any, 1 accept */
	int	 msg_auth;		/* send a Message-Authenticator */
};

struct rad_run {
	struct chk_conn	 conn;
	struct probe	*p;
	unsigned char	 id;
	unsigned char	 auth[16];	/* Request Authenticator */
};

static void __attribute__((format(printf, 4, 5)))
rad_end(struct rad_run *run, enum chk_verdict v, enum chk_reason r,
    const char *fmt, ...)
{
	struct probe	*p = run->p;
	char		 msg[sizeof(((struct probe_result *)NULL)->msg)];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	chk_conn_close(&run->conn, 0);
	free(run);
	p->run = NULL;
	probe_done(p, v, -1, r, "%s", msg);
}

/* MD5 of up to three pieces; 0 or -1. */
static int
rad_md5(unsigned char out[16], const void *a, size_t alen, const void *b,
    size_t blen, const void *c, size_t clen)
{
	EVP_MD_CTX	*x = EVP_MD_CTX_new();
	unsigned	 n = 0;
	int		 ok;

	ok = x != NULL && EVP_DigestInit_ex(x, EVP_md5(), NULL) == 1 &&
	    EVP_DigestUpdate(x, a, alen) == 1 &&
	    (blen == 0 || EVP_DigestUpdate(x, b, blen) == 1) &&
	    (clen == 0 || EVP_DigestUpdate(x, c, clen) == 1) &&
	    EVP_DigestFinal_ex(x, out, &n) == 1 && n == 16;
	EVP_MD_CTX_free(x);
	return ok ? 0 : -1;
}

static int
rad_hmac_md5(unsigned char out[16], const char *key, const void *data,
    size_t len)
{
	size_t	n = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, key, strlen(key),
	    data, len, out, 16, &n) == NULL || n != 16)
		return -1;
	return 0;
}

static size_t
rad_attr(unsigned char *m, size_t o, int type, const void *v, size_t len)
{
	m[o] = (unsigned char)type;
	m[o + 1] = (unsigned char)(len + 2);
	memcpy(m + o + 2, v, len);
	return o + 2 + len;
}

/* The Access-Request of this run into m; its length, 0 on failure. */
static size_t
rad_request(struct rad_run *run, unsigned char *m)
{
	struct rad_conf	*cf = run->p->conf;
	unsigned char	 pw[128] = { 0 }, b[16];
	size_t		 o = RAD_HDR, pwlen, ma;
	size_t		 ulen = strlen(cf->user);
	size_t		 nlen = strlen(cf->nas_identifier);

	m[0] = RAD_ACCESS_REQUEST;
	m[1] = run->id;
	memcpy(m + 4, run->auth, 16);
	o = rad_attr(m, o, RAD_A_USER_NAME, cf->user, ulen);
	/* RFC 2865 5.2: p1 ^ MD5(secret + RA), pi ^ MD5(secret + c(i-1)) */
	pwlen = strlen(cf->password);
	memcpy(pw, cf->password, pwlen);
	pwlen = pwlen == 0 ? 16 : (pwlen + 15) / 16 * 16;
	for (size_t i = 0; i < pwlen; i += 16) {
		if (rad_md5(b, cf->secret, strlen(cf->secret),
		    i == 0 ? run->auth : pw + i - 16, 16, NULL, 0) < 0)
			return 0;
		for (size_t k = 0; k < 16; k++)
			pw[i + k] ^= b[k];
	}
	o = rad_attr(m, o, RAD_A_USER_PASSWORD, pw, pwlen);
	o = rad_attr(m, o, RAD_A_NAS_IDENTIFIER, cf->nas_identifier, nlen);
	m[2] = (unsigned char)(o >> 8);
	m[3] = (unsigned char)o;
	if (!cf->msg_auth)
		return o;
	/* Message-Authenticator: zeros while the HMAC is computed */
	ma = o + 2;
	memset(b, 0, sizeof(b));
	o = rad_attr(m, o, RAD_A_MESSAGE_AUTH, b, 16);
	m[2] = (unsigned char)(o >> 8);
	m[3] = (unsigned char)o;
	if (rad_hmac_md5(b, cf->secret, m, o) < 0)
		return 0;
	memcpy(m + ma, b, 16);
	return o;
}

static const char *
rad_code_name(int code)
{
	switch (code) {
	case RAD_ACCESS_ACCEPT:		return "Access-Accept";
	case RAD_ACCESS_REJECT:		return "Access-Reject";
	case RAD_ACCESS_CHALLENGE:	return "Access-Challenge";
	}
	return NULL;
}

/* Returns 1 when the run ended, 0 to ignore the datagram (not ours). */
static int
rad_judge(struct rad_run *run, unsigned char *m, size_t n)
{
	struct rad_conf	*cf = run->p->conf;
	unsigned char	 want[16], got[16], ra[16];
	size_t		 len, o;
	const char	*name;
	int		 ma = -1;

	if (n < RAD_HDR || m[1] != run->id)
		return 0;
	len = (size_t)(m[2] << 8 | m[3]);
	if (len < RAD_HDR || len > n) {
		rad_end(run, CHK_V_FAIL, CHK_R_PROTOCOL, "radius: malformed "
		    "reply");
		return 1;
	}
	for (o = RAD_HDR; o < len; o += m[o + 1]) {
		if (o + 2 > len || m[o + 1] < 2 || o + m[o + 1] > len) {
			rad_end(run, CHK_V_FAIL, CHK_R_PROTOCOL, "radius: "
			    "malformed reply");
			return 1;
		}
		if (m[o] == RAD_A_MESSAGE_AUTH && m[o + 1] == 18)
			ma = (int)o + 2;
	}
	/* MD5(Code+ID+Length+RequestAuth+Attributes+Secret) */
	memcpy(ra, m + 4, 16);
	memcpy(m + 4, run->auth, 16);
	if (rad_md5(want, m, len, cf->secret, strlen(cf->secret), NULL,
	    0) < 0) {
		rad_end(run, CHK_V_FAIL, CHK_R_INTERNAL, "radius: MD5 failed");
		return 1;
	}
	if (memcmp(want, ra, 16) != 0) {
		rad_end(run, CHK_V_FAIL, CHK_R_EXPECT, "radius: bad response "
		    "authenticator (wrong secret?)");
		return 1;
	}
	/* RFC 3579 3.2: the reply's HMAC is over it with the Request
	   Authenticator in place of its own, and the attribute zeroed */
	if (ma >= 0) {
		memcpy(got, m + ma, 16);
		memset(m + ma, 0, 16);
		if (rad_hmac_md5(want, cf->secret, m, len) < 0 ||
		    memcmp(want, got, 16) != 0) {
			rad_end(run, CHK_V_FAIL, CHK_R_EXPECT, "radius: bad "
			    "Message-Authenticator (wrong secret?)");
			return 1;
		}
	}
	if ((name = rad_code_name(m[0])) == NULL) {
		rad_end(run, CHK_V_FAIL, CHK_R_PROTOCOL, "radius: code %d "
		    "reply to an Access-Request", m[0]);
		return 1;
	}
	if (cf->expect == 1 && m[0] != RAD_ACCESS_ACCEPT) {
		rad_end(run, CHK_V_FAIL, CHK_R_EXPECT, "radius: %s, want "
		    "Access-Accept", name);
		return 1;
	}
	rad_end(run, CHK_V_OK, CHK_R_OK, "radius: %s in %u ms", name,
	    chk_conn_elapsed_ms(&run->conn));
	return 1;
}

static void
rad_readable(struct chk_conn *c, int err, void *arg)
{
	struct rad_run	*run = arg;
	unsigned char	 m[RAD_MAX];
	ssize_t		 n;

	for (int i = 0; i < 8; i++) {	/* a few strays, then yield */
		if ((n = chk_dgram_recv(c, m, sizeof(m))) == -EAGAIN)
			break;
		if (n < 0) {
			rad_end(run, CHK_V_FAIL, n == -ECONNREFUSED ?
			    CHK_R_CONNREFUSED : CHK_R_IO, "read: %s",
			    chk_errname((int)-n));
			return;
		}
		if (rad_judge(run, m, (size_t)n))
			return;
	}
	if (chk_conn_wait(c, EV_READ, rad_readable, run) < 0)
		rad_end(run, CHK_V_FAIL, CHK_R_INTERNAL, "read: cannot wait");
}

static void
rad_connected(struct chk_conn *c, int err, void *arg)
{
	struct rad_run	*run = arg;
	unsigned char	 m[RAD_MAX];
	size_t		 len;

	if (err != 0) {
		rad_end(run, CHK_V_FAIL, chk_conn_reason(err), "connect: %s",
		    chk_errname(err));
		return;
	}
	if ((len = rad_request(run, m)) == 0) {
		rad_end(run, CHK_V_FAIL, CHK_R_INTERNAL, "radius: MD5 failed");
		return;
	}
	run->p->phase = "send";
	if (send(c->fd, m, len, MSG_NOSIGNAL) < 0) {
		rad_end(run, CHK_V_FAIL, errno == ECONNREFUSED ?
		    CHK_R_CONNREFUSED : CHK_R_IO, "send: %s",
		    chk_errname(errno));
		return;
	}
	run->p->phase = "read";
	if (chk_conn_wait(c, EV_READ, rad_readable, run) < 0)
		rad_end(run, CHK_V_FAIL, CHK_R_INTERNAL, "read: cannot wait");
}

static int
rad_configure(const config_setting_t *cs, struct probe *p, struct err *e)
{
	struct rad_conf	*cf = p->conf;

	if (cf->secret == NULL || cf->secret[0] == '\0')
		return err_set(e, -EINVAL, "secret: is required (the shared "
		    "secret the server has for this director)");
	if (cf->user[0] == '\0' || cf->nas_identifier[0] == '\0')
		return err_set(e, -EINVAL, "%s: must not be empty",
		    cf->user[0] == '\0' ? "user" : "nas_identifier");
	if (strlen(cf->user) > 253 || strlen(cf->nas_identifier) > 253)
		return err_set(e, -EINVAL, "%s: longer than 253 bytes",
		    strlen(cf->user) > 253 ? "user" : "nas_identifier");
	if (strlen(cf->password) > 128)
		return err_set(e, -EINVAL, "password: longer than 128 bytes");
	return 0;
}

static int
rad_start(struct probe *p)
{
	struct rad_run	*run;
	int		 rc;

	if ((run = calloc(1, sizeof(*run))) == NULL)
		return -ENOMEM;
	run->p = p;
	run->id = (unsigned char)arc4random();
	arc4random_buf(run->auth, sizeof(run->auth));
	if ((rc = chk_conn_open_dgram(&run->conn, p, NULL, 0, rad_connected,
	    run)) < 0) {
		free(run);
		return rc;
	}
	p->run = run;
	return 0;
}

static void
rad_cancel(struct probe *p)
{
	struct rad_run	*run = p->run;

	if (run == NULL)
		return;
	chk_conn_close(&run->conn, 0);
	free(run);
	p->run = NULL;
}

static const struct mon_directive rad_directives[] = {
	{ .key = "secret", .type = MON_D_STRING,
	  .offset = offsetof(struct rad_conf, secret),
	  .flags = MON_DF_REQUIRED },
	{ .key = "user", .type = MON_D_STRING,
	  .offset = offsetof(struct rad_conf, user), .sdef = "lvsmon" },
	{ .key = "password", .type = MON_D_STRING,
	  .offset = offsetof(struct rad_conf, password), .sdef = "" },
	{ .key = "nas_identifier", .type = MON_D_STRING,
	  .offset = offsetof(struct rad_conf, nas_identifier),
	  .sdef = "lvsmon" },
	{ .key = "expect", .type = MON_D_ENUM,
	  .offset = offsetof(struct rad_conf, expect), .ndef = 0,
	  .enums = rad_expects },
	{ .key = "message_authenticator", .type = MON_D_BOOL,
	  .offset = offsetof(struct rad_conf, msg_auth), .ndef = 1 },
	{ .key = NULL }
};

const struct probe_type chk_radius = {
	.name = "radius",
	.directives = rad_directives,
	.conf_size = sizeof(struct rad_conf),
	.configure = rad_configure,
	.start = rad_start,
	.cancel = rad_cancel,
};

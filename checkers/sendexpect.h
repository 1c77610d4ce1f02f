/*
 * checkers/sendexpect.h - the send/expect engine: a check is a list of
 * steps (connect, send, expect) run in order over one connection; the
 * first step that fails gives the verdict and the reason.  The
 * "sendexpect" check type takes the steps from the config; the canned
 * protocol checks (checkers/protocols.c: smtp, redis, ...) and "udp" are
 * step tables for the same engine, not code of their own.
 *
 * A step, as a row of data (struct chk_se_def) or a config group:
 *   connect     "tcp" | "udp"   (re)connect; port: 0 = the check's port;
 *                               tls = true: a TLS handshake follows
 *                               (phase "tls step N"), with sni, verify,
 *                               ca_file, verify_name (chk_tls.h)
 *   starttls    true            TLS handshake on the open TCP connection
 *                               (SMTP after "220 ready"); unread bytes
 *                               are dropped; the same four TLS keys
 *   send        bytes           text (the config's escapes: \r \n \t \xHH)
 *   send_hex    "50494e47 0d0a" binary, spaces ignored (for NUL bytes)
 *   expect      text            found anywhere in what is unread
 *   expect_re   PCRE2 regex     matched against what is unread
 *   expect_hex  "0a ?? 00"      bytes at the start of what is unread; ??
 *                               matches any byte
 *   expect_min  N               at least N unread bytes
 *   negate      true            the expect passes when the pattern is NOT
 *                               there once a full line (or EOF, or the
 *                               read limit) has arrived
 *   timeout     seconds         this step's own limit (the check's
 *                               timeout still bounds the whole run)
 *   quiet       seconds         (udp) pass if no error comes back within
 *                               this time: ICMP port unreachable fails
 * A list that does not begin with connect begins with a TCP connect to the
 * check's port.  A passed expect consumes what it matched (and what came
 * before it); the next expect looks at the rest.
 *
 * A send step of a canned table may be "fresh": every "@@RANDOM@@" in it
 * becomes ten new hex digits per run (SIP's branch, tag and Call-ID).
 *
 * Reasons: CHK_R_TLS "tls: handshake: certificate verify failed
 * (self-signed certificate)", "tls: alert handshake failure";
 * CHK_R_EXPECT "expect step 3: got \"-ERR\" want \"+PONG\""; a
 * step's own timeout CHK_R_TIMEOUT "expect step 3: timeout after 500 ms,
 * got \"\" want \"+PONG\""; connect failures as chk_conn; "read:
 * ECONNRESET" CHK_R_IO; over UDP an ICMP port unreachable is
 * CHK_R_CONNREFUSED "read: ECONNREFUSED".  Steps count from 1 as written,
 * the implicit connect not counted.
 */
#ifndef CHK_SENDEXPECT_H
#define CHK_SENDEXPECT_H

#include <stddef.h>

#include "monitor/probe.h"

/* One step as data (canned tables); unset fields are 0/NULL. */
struct chk_se_def {
	const char	*connect;	/* "tcp", "udp" */
	int		 port;
	const char	*send;		/* NUL-terminated text */
	const char	*send_hex;
	const char	*expect;
	const char	*expect_re;
	const char	*expect_hex;
	int		 expect_min;
	int		 negate;
	unsigned	 timeout_ms;
	unsigned	 quiet_ms;
	int		 tls;		/* connect: TLS after TCP */
	int		 starttls;	/* upgrade the open connection */
	const char	*sni;		/* tls/starttls settings */
	int		 verify;
	const char	*ca_file;
	const char	*verify_name;
	int		 fresh;		/* send: @@RANDOM@@ per run */
};

#define CHK_SE_RANDOM	"@@RANDOM@@"

/* A compiled step list; immutable once built, shared by runs. */
struct chk_se_prog;

/* Compile n rows.  Returns 0 or -EINVAL/-ENOMEM with e naming the step
 * ("step 2: expect_re: missing ) at offset 4"). */
int	chk_se_compile(const struct chk_se_def *defs, size_t n,
	    struct chk_se_prog **out, struct err *e);

/* Compile a config list of step groups (the "steps" key). */
int	chk_se_from_config(const config_setting_t *steps,
	    struct chk_se_prog **out, struct err *e);

void	chk_se_free(struct chk_se_prog *prog);

/* Per-run: the probe_type hooks of any check built on a prog.  They take
 * the prog from p->priv, which must point to a struct chk_se_priv. */
struct chk_se_priv {
	struct chk_se_prog	*prog;
	size_t			 max_read;	/* unread bytes kept at most */
	char			 phase[32];	/* p->phase points here: the
						   scheduler reads it after
						   cancel() freed the run */
};

int	chk_se_start(struct probe *p);
void	chk_se_cancel(struct probe *p);
void	chk_se_release(struct probe *p);

#endif

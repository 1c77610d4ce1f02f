/*
 * checkers/protocols.c - canned protocol checks: each is a table of steps
 * for the send/expect engine (sendexpect.h), not code of its own.  A new
 * protocol is one table, one PROTO() line here and one row in
 * monitor/probe.c.
 *
 * The expects are regexes anchored at the start of what is unread ("^"),
 * so a wrong answer fails at once with what the server said (L7RSP,
 * 'expect step 1: got "554 no service" want /^(?:220-...'), rather than
 * waiting for the timeout; each consumes its whole reply line(s) so that
 * the next step starts at the next reply.  Where the protocol has a polite
 * goodbye (QUIT, LOGOUT, unbind) the check says it.
 *
 * The OK detail quotes the first line the server matched: "redis: ok in
 * 1 ms: \"+PONG\"", "ssh: ok in 2 ms: \"SSH-2.0-OpenSSH_9.2p1\"".
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkers/sendexpect.h"
#include "monitor/probe.h"

/* A complete (multi-line) reply with code C: "C-..." lines, "C ..." last */
#define REPLY(c)	"^(?:" c "-[^\n]*\n)*" c " [^\n]*\n"

static const struct chk_se_def smtp_steps[] = {
	{ .expect_re = REPLY("220") },
	{ .send = "EHLO lvsmon\r\n" },
	{ .expect_re = REPLY("250") },
	{ .send = "QUIT\r\n" },
	{ .expect_re = "^221" },
};

static const struct chk_se_def ftp_steps[] = {
	{ .expect_re = REPLY("220") },
	{ .send = "QUIT\r\n" },
	{ .expect_re = "^221" },
};

static const struct chk_se_def pop3_steps[] = {
	{ .expect_re = "^\\+OK[^\n]*\n" },
	{ .send = "QUIT\r\n" },
	{ .expect_re = "^\\+OK" },
};

static const struct chk_se_def imap_steps[] = {
	{ .expect_re = "^\\* (?:OK|PREAUTH)[^\n]*\n" },
	{ .send = "a1 LOGOUT\r\n" },
	{ .expect_re = "^\\* BYE" },
};

static const struct chk_se_def redis_steps[] = {
	{ .send = "PING\r\n" },
	{ .expect_re = "^\\+PONG\r\n" },
};

static const struct chk_se_def memcached_steps[] = {
	{ .send = "version\r\n" },
	{ .expect_re = "^VERSION [^\r\n]+\r\n" },
};

/* RFC 4253 4.2; 1.99 is a server that also speaks protocol 1 */
static const struct chk_se_def ssh_steps[] = {
	{ .expect_re = "^SSH-(?:2\\.0|1\\.99)-[^\r\n]*\r?\n" },
};

/* The server speaks first: a packet (3-byte length, sequence 0) whose
   payload starts with protocol version 10; "too many connections" or
   "host blocked" is an error packet (0xff) instead. */
static const struct chk_se_def mysql_steps[] = {
	{ .expect_hex = "?? ?? ?? 00 0a" },
};

/* SSLRequest (length 8, code 80877103): one byte back, 'S' or 'N'; a
   server in trouble answers 'E' (an ErrorResponse) or closes. */
static const struct chk_se_def pgsql_steps[] = {
	{ .send_hex = "00000008 04d2162f" },
	{ .expect_re = "^[SN]" },
};

/* Anonymous simple bind (LDAPv3, message 1), a BindResponse with result
   success (0), then an unbind. */
static const struct chk_se_def ldap_steps[] = {
	{ .send_hex = "300c 020101 6007 020103 0400 8000" },
	{ .expect_hex = "30 ?? 02 01 01 61 ?? 0a 01 00" },
	{ .send_hex = "3005 020102 4200" },
};

/*
 * SIP OPTIONS over UDP (RFC 3261 11): any "SIP/2.0 NNN" status line is an
 * alive SIP stack, 4xx and 5xx included (a "100 Trying" first passes too).
 * The request names the real (sip_request() fills step 2); branch, tag
 * and Call-ID are fresh per run, so a server never takes a run for a
 * retransmission of the last.  "rport" (RFC 3581) sends the answer back
 * to the port we sent from, whatever the Via host says.  Silence is a
 * timeout, an ICMP port unreachable "read: ECONNREFUSED" (L4CON).
 */
static const struct chk_se_def sip_steps[] = {
	{ .connect = "udp" },
	{ .send = NULL, .fresh = 1 },
	{ .expect_re = "^SIP/2\\.0 [1-6][0-9][0-9] " },
};

/* Step 2 of sip: the OPTIONS request for p's address and port. */
static char *
sip_request(const struct probe *p)
{
	const struct sockaddr_in6	*sin6 = (const void *)&p->addr;
	const struct sockaddr_in	*sin = (const void *)&p->addr;
	int				 v6 = p->addr.ss_family == AF_INET6;
	char				 uri[INET6_ADDRSTRLEN + 16], *req;

	snprintf(uri, sizeof(uri), "sip:%s%s%s:%u", v6 ? "[" : "", p->host,
	    v6 ? "]" : "", ntohs(v6 ? sin6->sin6_port : sin->sin_port));
	if (asprintf(&req, "OPTIONS %s SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP lvsmon.invalid;branch=z9hG4bK"
	    CHK_SE_RANDOM ";rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:lvsmon@lvsmon.invalid>;tag=" CHK_SE_RANDOM "\r\n"
	    "To: <%s>\r\n"
	    "Call-ID: " CHK_SE_RANDOM "@lvsmon.invalid\r\n"
	    "CSeq: 1 OPTIONS\r\n"
	    "Accept: application/sdp\r\n"
	    "User-Agent: lvsmon\r\n"
	    "Content-Length: 0\r\n\r\n", uri, uri) < 0)
		return NULL;
	return req;
}

struct proto {
	const char		*name;
	const struct chk_se_def	*steps;
	size_t			 n;
	char			*(*fill)(const struct probe *p);
					/* the text of the step whose send
					   is NULL, made per probe */
};

#define P(name, t)	{ name, t, sizeof(t) / sizeof(t[0]), NULL }
static const struct proto protos[] = {
	P("smtp", smtp_steps),
	P("ftp", ftp_steps),
	P("pop3", pop3_steps),
	P("imap", imap_steps),
	P("redis", redis_steps),
	P("memcached", memcached_steps),
	P("ssh", ssh_steps),
	P("mysql", mysql_steps),
	P("pgsql", pgsql_steps),
	P("ldap", ldap_steps),
	{ "sip", sip_steps, sizeof(sip_steps) / sizeof(sip_steps[0]),
	  sip_request },
};
#undef P

struct proto_conf {
	int	max_read;
};

static int
proto_configure(const config_setting_t *cs, struct probe *p, struct err *e)
{
	struct proto_conf	*cf = p->conf;
	struct chk_se_priv	*pv;
	struct chk_se_def	 defs[8];
	char			*text = NULL;
	int			 rc;

	chk_se_release(p);
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		const struct proto	*pr = &protos[i];

		if (strcmp(pr->name, p->type->name) != 0)
			continue;
		if (pr->n > sizeof(defs) / sizeof(defs[0]))
			return err_set(e, -EINVAL, "%s: too many steps",
			    pr->name);
		memcpy(defs, pr->steps, pr->n * sizeof(defs[0]));
		if (pr->fill != NULL) {
			if ((text = pr->fill(p)) == NULL)
				return err_set(e, -ENOMEM, "out of memory");
			for (size_t k = 0; k < pr->n; k++)
				if (defs[k].send == NULL &&
				    defs[k].fresh)
					defs[k].send = text;
		}
		if ((pv = calloc(1, sizeof(*pv))) == NULL) {
			free(text);
			return err_set(e, -ENOMEM, "out of memory");
		}
		pv->max_read = (size_t)cf->max_read;
		rc = chk_se_compile(defs, pr->n, &pv->prog, e);
		free(text);	/* the prog has its copy */
		if (rc < 0) {
			free(pv);
			return rc;
		}
		p->priv = pv;
		return 0;
	}
	return err_set(e, -EINVAL, "no step table for check type %s",
	    p->type->name);
}

static const struct mon_directive proto_directives[] = {
	{ .key = "max_read", .type = MON_D_INT,
	  .offset = offsetof(struct proto_conf, max_read),
	  .min = 16, .max = 1 << 20, .ndef = 16384 },
	{ .key = NULL }
};

#define PROTO(sym, nm)							\
const struct probe_type sym = {						\
	.name = nm,							\
	.directives = proto_directives,					\
	.conf_size = sizeof(struct proto_conf),				\
	.configure = proto_configure,					\
	.start = chk_se_start,						\
	.cancel = chk_se_cancel,					\
	.release = chk_se_release,					\
	.share = 1,							\
}

extern const struct probe_type chk_smtp, chk_ftp, chk_pop3, chk_imap,
    chk_redis, chk_memcached, chk_ssh, chk_mysql, chk_pgsql, chk_ldap,
    chk_sip;

PROTO(chk_smtp, "smtp");
PROTO(chk_ftp, "ftp");
PROTO(chk_pop3, "pop3");
PROTO(chk_imap, "imap");
PROTO(chk_redis, "redis");
PROTO(chk_memcached, "memcached");
PROTO(chk_ssh, "ssh");
PROTO(chk_mysql, "mysql");
PROTO(chk_pgsql, "pgsql");
PROTO(chk_ldap, "ldap");
PROTO(chk_sip, "sip");

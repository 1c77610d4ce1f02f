/*
 * checkers/dns.c - the "dns" check: one query over UDP to the real server
 * (a resolver or an authoritative server), judged by the reply's rcode
 * and, optionally, an address among the answers.
 *
 * Keys:
 *   name      (required)  the name to ask for, "www.example.com"
 *   qtype     "A"         A, AAAA, NS, CNAME, SOA, PTR, MX, TXT, SRV, ANY
 *   rcode     "NOERROR"   the rcode that passes
 *   expect    none        (A, AAAA) an address that must be in the answer
 *   recurse   true        set RD (ask a resolver to recurse)
 *
 * Not a send/expect table: the query carries a fresh random ID per run (a
 * reply is only taken if it echoes the ID and the question), and the answer
 * section is parsed (names may be compressed), which a byte pattern cannot.
 *
 * Details: "dns: www.example.com A NOERROR, 2 answers" (ok);
 * "dns: rcode NXDOMAIN, want NOERROR" and "dns: www.example.com A: no
 * 192.0.2.5 in 192.0.2.80 192.0.2.81" (CHK_R_EXPECT); "dns: malformed
 * reply" (CHK_R_PROTOCOL); "read: ECONNREFUSED" (ICMP port unreachable,
 * CHK_R_CONNREFUSED).  Replies with another ID are ignored (the run waits
 * on, as a resolver would).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "checkers/chk_conn.h"
#include "monitor/probe.h"

#define DNS_MAX_QUERY	300
#define DNS_MAX_REPLY	4096

static const char *const dns_qtypes[] = {
	"A", "AAAA", "NS", "CNAME", "SOA", "PTR", "MX", "TXT", "SRV", "ANY",
	NULL
};
static const uint16_t dns_qtype_num[] = {
	1, 28, 2, 5, 6, 12, 15, 16, 33, 255
};
enum { DNS_A = 0, DNS_AAAA = 1 };

/* rcodes 0..5 by name, as dig prints them */
static const char *const dns_rcodes[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	NULL
};

struct dns_conf {
	char	*name;
	int	 qtype;
	int	 rcode;
	char	*expect;
	int	 recurse;
};

/* From configure(): the query without its ID, and the expected address. */
struct dns_priv {
	unsigned char	 q[DNS_MAX_QUERY];
	size_t		 qlen;
	size_t		 qname_len;	/* wire length of the question name */
	unsigned char	 want[16];
	size_t		 want_len;	/* 0: no address to find */
};

struct dns_run {
	struct chk_conn	 conn;
	struct probe	*p;
	uint16_t	 id;
};

static void
dns_release(struct probe *p)
{
	free(p->priv);
	p->priv = NULL;
}

/* "www.example.com" -> 3www7example3com0 */
static int
dns_encode_name(const char *name, unsigned char *out, size_t cap,
    size_t *len)
{
	size_t		 o = 0;
	const char	*s = name, *dot;
	size_t		 l;

	if (strcmp(name, ".") == 0) {
		out[0] = 0;
		*len = 1;
		return 0;
	}
	while (*s != '\0') {
		dot = strchr(s, '.');
		l = dot != NULL ? (size_t)(dot - s) : strlen(s);
		if (l == 0 || l > 63 || o + l + 2 > cap)
			return -EINVAL;
		out[o++] = (unsigned char)l;
		memcpy(out + o, s, l);
		o += l;
		s += l;
		if (*s == '.')
			s++;
	}
	if (o + 1 > 255)
		return -EINVAL;
	out[o++] = 0;
	*len = o;
	return 0;
}

static int
dns_configure(const config_setting_t *cs, struct probe *p, struct err *e)
{
	struct dns_conf	*cf = p->conf;
	struct dns_priv	*pv;
	uint16_t	 qt;
	int		 af;

	dns_release(p);
	if (cf->name == NULL)
		return err_set(e, -EINVAL, "name: is required (the name to "
		    "query, e.g. \"www.example.com\")");
	if ((pv = calloc(1, sizeof(*pv))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	/* header: ID (per run), flags, 1 question, no other records */
	pv->q[2] = cf->recurse ? 0x01 : 0x00;
	pv->q[5] = 1;
	if (dns_encode_name(cf->name, pv->q + 12, sizeof(pv->q) - 16,
	    &pv->qname_len) < 0) {
		free(pv);
		return err_set(e, -EINVAL, "name: \"%s\" is not a DNS name "
		    "(labels of 1..63 bytes, 255 in all)", cf->name);
	}
	qt = dns_qtype_num[cf->qtype];
	pv->qlen = 12 + pv->qname_len;
	pv->q[pv->qlen++] = (unsigned char)(qt >> 8);
	pv->q[pv->qlen++] = (unsigned char)qt;
	pv->q[pv->qlen++] = 0;
	pv->q[pv->qlen++] = 1;		/* class IN */
	if (cf->expect != NULL) {
		af = cf->qtype == DNS_A ? AF_INET : cf->qtype == DNS_AAAA ?
		    AF_INET6 : 0;
		if (af == 0 || inet_pton(af, cf->expect, pv->want) != 1) {
			free(pv);
			return err_set(e, -EINVAL, "expect: \"%s\": expected "
			    "an %s address (expect goes with qtype A or "
			    "AAAA)", cf->expect, af == AF_INET6 ? "IPv6" :
			    "IPv4");
		}
		pv->want_len = af == AF_INET ? 4 : 16;
	}
	p->priv = pv;
	return 0;
}

static void __attribute__((format(printf, 4, 5)))
dns_end(struct dns_run *run, enum chk_verdict v, enum chk_reason r,
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

/* Skip a (possibly compressed) name at *off; -1 when it runs off. */
static int
dns_skip_name(const unsigned char *m, size_t len, size_t *off)
{
	size_t	o = *off;

	for (int hops = 0; hops < 128; hops++) {
		if (o >= len)
			return -1;
		if (m[o] == 0) {
			*off = o + 1;
			return 0;
		}
		if ((m[o] & 0xc0) == 0xc0) {	/* pointer: the name ends */
			if (o + 2 > len)
				return -1;
			*off = o + 2;
			return 0;
		}
		if ((m[o] & 0xc0) != 0)
			return -1;
		o += 1 + m[o];
	}
	return -1;
}

/*
 * Judge a reply.  Returns 1 when the run ended, 0 to ignore the datagram
 * (another ID or question: not ours).
 */
static int
dns_judge(struct dns_run *run, const unsigned char *m, size_t len)
{
	struct probe		*p = run->p;
	struct dns_conf		*cf = p->conf;
	struct dns_priv		*pv = p->priv;
	size_t			 off, an, found = 0, seen = 0, o;
	uint16_t		 type, rdlen;
	unsigned		 rcode;
	char			 list[96] = "", addr[INET6_ADDRSTRLEN];
	uint16_t		 want_type = dns_qtype_num[cf->qtype];

	if (len < 12 || ((m[0] << 8) | m[1]) != run->id || !(m[2] & 0x80))
		return 0;
	/* The question must be ours (RFC 5452: ID and question). */
	if (((m[4] << 8) | m[5]) != 1 || len < 12 + pv->qname_len + 4 ||
	    strncasecmp((const char *)m + 12, (const char *)pv->q + 12,
	    pv->qname_len) != 0 ||
	    memcmp(m + 12 + pv->qname_len, pv->q + 12 + pv->qname_len, 4))
		return 0;
	rcode = m[3] & 0x0f;
	if ((int)rcode != cf->rcode) {
		if (rcode < 6)
			dns_end(run, CHK_V_FAIL, CHK_R_EXPECT, "dns: rcode %s, "
			    "want %s", dns_rcodes[rcode],
			    dns_rcodes[cf->rcode]);
		else
			dns_end(run, CHK_V_FAIL, CHK_R_EXPECT, "dns: rcode %u, "
			    "want %s", rcode, dns_rcodes[cf->rcode]);
		return 1;
	}
	an = (size_t)((m[6] << 8) | m[7]);
	off = 12 + pv->qname_len + 4;
	for (size_t i = 0; i < an; i++) {
		if (dns_skip_name(m, len, &off) < 0 || off + 10 > len)
			goto malformed;
		type = (uint16_t)((m[off] << 8) | m[off + 1]);
		rdlen = (uint16_t)((m[off + 8] << 8) | m[off + 9]);
		off += 10;
		if (off + rdlen > len)
			goto malformed;
		if (type == want_type && pv->want_len > 0 &&
		    rdlen == pv->want_len) {
			seen++;
			if (memcmp(m + off, pv->want, rdlen) == 0)
				found = 1;
			inet_ntop(rdlen == 4 ? AF_INET : AF_INET6, m + off,
			    addr, sizeof(addr));
			o = strlen(list);
			if (o + strlen(addr) + 2 < sizeof(list))
				snprintf(list + o, sizeof(list) - o, "%s%s",
				    o ? " " : "", addr);
		}
		off += rdlen;
	}
	if (pv->want_len > 0 && !found) {
		dns_end(run, CHK_V_FAIL, CHK_R_EXPECT, "dns: %s %s: no %s in "
		    "%s", cf->name, dns_qtypes[cf->qtype], cf->expect,
		    seen ? list : "(no answer)");
		return 1;
	}
	dns_end(run, CHK_V_OK, CHK_R_OK, "dns: %s %s %s, %zu answer%s",
	    cf->name, dns_qtypes[cf->qtype], dns_rcodes[cf->rcode], an,
	    an == 1 ? "" : "s");
	return 1;
malformed:
	dns_end(run, CHK_V_FAIL, CHK_R_PROTOCOL, "dns: malformed reply");
	return 1;
}

static void
dns_readable(struct chk_conn *c, int err, void *arg)
{
	struct dns_run	*run = arg;
	unsigned char	 m[DNS_MAX_REPLY];
	ssize_t		 n;

	for (int i = 0; i < 8; i++) {	/* a few strays, then yield */
		if ((n = chk_dgram_recv(c, m, sizeof(m))) == -EAGAIN)
			break;
		if (n < 0) {
			dns_end(run, CHK_V_FAIL, n == -ECONNREFUSED ?
			    CHK_R_CONNREFUSED : CHK_R_IO, "read: %s",
			    chk_errname((int)-n));
			return;
		}
		if (dns_judge(run, m, (size_t)n))
			return;
	}
	if (chk_conn_wait(c, EV_READ, dns_readable, run) < 0)
		dns_end(run, CHK_V_FAIL, CHK_R_INTERNAL, "read: cannot wait");
}

static void
dns_connected(struct chk_conn *c, int err, void *arg)
{
	struct dns_run	*run = arg;
	struct dns_priv	*pv = run->p->priv;
	unsigned char	 q[DNS_MAX_QUERY];

	if (err != 0) {
		dns_end(run, CHK_V_FAIL, chk_conn_reason(err), "connect: %s",
		    chk_errname(err));
		return;
	}
	memcpy(q, pv->q, pv->qlen);
	q[0] = (unsigned char)(run->id >> 8);
	q[1] = (unsigned char)run->id;
	run->p->phase = "send";
	if (send(c->fd, q, pv->qlen, MSG_NOSIGNAL) < 0) {
		dns_end(run, CHK_V_FAIL, errno == ECONNREFUSED ?
		    CHK_R_CONNREFUSED : CHK_R_IO, "send: %s",
		    chk_errname(errno));
		return;
	}
	run->p->phase = "read";
	if (chk_conn_wait(c, EV_READ, dns_readable, run) < 0)
		dns_end(run, CHK_V_FAIL, CHK_R_INTERNAL, "read: cannot wait");
}

static int
dns_start(struct probe *p)
{
	struct dns_run	*run;
	int		 rc;

	if (p->priv == NULL)
		return -EINVAL;
	if ((run = calloc(1, sizeof(*run))) == NULL)
		return -ENOMEM;
	run->p = p;
	run->id = (uint16_t)arc4random();
	if ((rc = chk_conn_open_dgram(&run->conn, p, NULL, 0, dns_connected,
	    run)) < 0) {
		free(run);
		return rc;
	}
	p->run = run;
	return 0;
}

static void
dns_cancel(struct probe *p)
{
	struct dns_run	*run = p->run;

	if (run == NULL)
		return;
	chk_conn_close(&run->conn, 0);
	free(run);
	p->run = NULL;
}

static const struct mon_directive dns_directives[] = {
	{ .key = "name", .type = MON_D_STRING,
	  .offset = offsetof(struct dns_conf, name),
	  .flags = MON_DF_REQUIRED },
	{ .key = "qtype", .type = MON_D_ENUM,
	  .offset = offsetof(struct dns_conf, qtype), .ndef = DNS_A,
	  .enums = dns_qtypes },
	{ .key = "rcode", .type = MON_D_ENUM,
	  .offset = offsetof(struct dns_conf, rcode), .ndef = 0,
	  .enums = dns_rcodes },
	{ .key = "expect", .type = MON_D_STRING,
	  .offset = offsetof(struct dns_conf, expect) },
	{ .key = "recurse", .type = MON_D_BOOL,
	  .offset = offsetof(struct dns_conf, recurse), .ndef = 1 },
	{ .key = NULL }
};

const struct probe_type chk_dns = {
	.name = "dns",
	.directives = dns_directives,
	.conf_size = sizeof(struct dns_conf),
	.configure = dns_configure,
	.start = dns_start,
	.cancel = dns_cancel,
	.release = dns_release,
	.share = 1,
};

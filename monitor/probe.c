/*
 * monitor/probe.c - the probe table, the reasons table, the keys every check
 * has, and probe_done(), the one exit of every check run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "probe.h"

extern const struct probe_type chk_tcp;
extern const struct probe_type chk_http;
extern const struct probe_type chk_lua;
extern const struct probe_type chk_exec;
extern const struct probe_type chk_sendexpect;
extern const struct probe_type chk_udp;
extern const struct probe_type chk_smtp;
extern const struct probe_type chk_ftp;
extern const struct probe_type chk_pop3;
extern const struct probe_type chk_imap;
extern const struct probe_type chk_redis;
extern const struct probe_type chk_memcached;
extern const struct probe_type chk_ssh;
extern const struct probe_type chk_mysql;
extern const struct probe_type chk_pgsql;
extern const struct probe_type chk_ldap;
extern const struct probe_type chk_dns;
extern const struct probe_type chk_icmp;
extern const struct probe_type chk_ntp;
extern const struct probe_type chk_radius;
extern const struct probe_type chk_https;
extern const struct probe_type chk_tls;
extern const struct probe_type chk_sip;

/* Every probe type, once.  Adding a check type = one file + one row. */
const struct probe_type *const mon_probe_types[] = {
	&chk_tcp,
	&chk_http,
	&chk_lua,
	&chk_exec,
	&chk_sendexpect,
	&chk_udp,
	&chk_smtp,
	&chk_ftp,
	&chk_pop3,
	&chk_imap,
	&chk_redis,
	&chk_memcached,
	&chk_ssh,
	&chk_mysql,
	&chk_pgsql,
	&chk_ldap,
	&chk_dns,
	&chk_icmp,
	&chk_ntp,
	&chk_radius,
	&chk_https,
	&chk_tls,
	&chk_sip,
	NULL
};

/* Indexed by enum chk_reason; append only (the MIB carries the numbers). */
const struct chk_reason_info chk_reasons[CHK_R__COUNT] = {
	[CHK_R_NONE]		= { "NONE",	"no check finished yet" },
	[CHK_R_OK]		= { "OK",	"check passed" },
	[CHK_R_TIMEOUT]		= { "TIMEOUT",	"timeout" },
	[CHK_R_CONNREFUSED]	= { "L4CON",	"connection refused" },
	[CHK_R_CONNECT]		= { "L4ERR",	"connect failed" },
	[CHK_R_IO]		= { "IOERR",	"send/receive failed" },
	[CHK_R_HTTP_STATUS]	= { "L7STS",	"unexpected HTTP status" },
	[CHK_R_HTTP_BODY]	= { "L7BODY",	"HTTP body did not match" },
	[CHK_R_PROTOCOL]	= { "L7PROTO",	"malformed reply" },
	[CHK_R_INTERNAL]	= { "INTERNAL",	"check could not run" },
	[CHK_R_SCRIPT_DOWN]	= { "L7DOWN",	"check script reported down" },
	[CHK_R_SCRIPT]		= { "SCRIPT",	"script error" },
	[CHK_R_LIMIT]		= { "LIMIT",	"instruction or memory limit" },
	[CHK_R_WARNING]		= { "WARNING",	"plugin warning, weight cut" },
	[CHK_R_CRITICAL]	= { "CRITICAL",	"plugin reported critical" },
	[CHK_R_UNKNOWN]		= { "UNKNOWN",	"plugin result unknown" },
	[CHK_R_EXPECT]		= { "L7RSP",	"unexpected reply" },
	[CHK_R_TLS]		= { "TLS",	"TLS handshake or certificate "
						"failed" },
};

const char *const chk_verdict_names[CHK_V__COUNT] = {
	[CHK_V_OK]	= "ok",
	[CHK_V_FAIL]	= "fail",
	[CHK_V_UNKNOWN]	= "unknown",
};

const struct probe_type *
mon_probe_type_find(const char *name)
{
	for (size_t i = 0; mon_probe_types[i] != NULL; i++)
		if (strcmp(mon_probe_types[i]->name, name) == 0)
			return mon_probe_types[i];
	return NULL;
}

void
probe_done(struct probe *p, enum chk_verdict v, int weight_hint,
    enum chk_reason r, const char *fmt, ...)
{
	struct probe_result	res = {
		.verdict = v, .weight_hint = weight_hint, .reason = r,
	};
	va_list			ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(res.msg, sizeof(res.msg), fmt, ap);
		va_end(ap);
	} else
		snprintf(res.msg, sizeof(res.msg), "%s", chk_reasons[r].text);
	p->run = NULL;
	if (p->on_done != NULL)
		p->on_done(p, &res);
}

void
probe_fingerprint_mix(struct probe *p, const void *data, size_t n)
{
	const unsigned char	*b = data;
	uint64_t		 h = p->fingerprint ? p->fingerprint :
				    0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	p->fingerprint = h;
}

/*
 * The keys every check block has, filled into struct probe itself.  "type"
 * is read first by conf.c (it picks the type's own table) and is listed
 * here so that it is a known key.
 */
const struct mon_directive mon_probe_common_directives[] = {
	{ .key = "type", .type = MON_D_OTHER },
	{ .key = "interval", .type = MON_D_MS,
	  .offset = offsetof(struct probe, interval_ms),
	  .min = 10, .max = 86400000, .ndef = 2000 },
	{ .key = "timeout", .type = MON_D_MS,
	  .offset = offsetof(struct probe, timeout_ms),
	  .min = 1, .max = 3600000, .ndef = 1000 },
	{ .key = "rise", .type = MON_D_INT,
	  .offset = offsetof(struct probe, rise),
	  .min = 1, .max = 1000, .ndef = 2 },
	{ .key = "fall", .type = MON_D_INT,
	  .offset = offsetof(struct probe, fall),
	  .min = 1, .max = 1000, .ndef = 3 },
	{ .key = "port", .type = MON_D_INT,
	  .offset = offsetof(struct probe, port),
	  .min = 0, .max = 65535, .ndef = 0 },
	/* default 0: the interval (sched.c) */
	{ .key = "fast_interval", .type = MON_D_MS,
	  .offset = offsetof(struct probe, fast_interval_ms),
	  .min = 10, .max = 86400000, .ndef = 0 },
	{ .key = "down_interval", .type = MON_D_MS,
	  .offset = offsetof(struct probe, down_interval_ms),
	  .min = 10, .max = 86400000, .ndef = 0 },
	{ .key = NULL }
};

/*
 * monitor/conf.c - the config file into the model.
 *
 * Every key is a row in one of the tables below (global, service, real) or
 * in a probe type's table (checks); the generic setters in directive.c read
 * them.  What is left here is what rows cannot say: inheritance of the check
 * block, duplicate objects, address families that must agree.
 *
 * Every error names file:line, the object and the key, and nothing of a
 * half-parsed file survives: the caller keeps whatever it had.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "ha_int.h"
#include "announce.h"
#include "confine.h"
#include "conf_include.h"
#include "log.h"
#include "model.h"

const char *const mon_backend_names[MON_BACKEND__COUNT + 1] = {
	[MON_BACKEND_AUTO]	= "auto",
	[MON_BACKEND_IPVS]	= "ipvs",
	[MON_BACKEND_NFT]	= "nft",
	[MON_BACKEND_NONE]	= "none",
	[MON_BACKEND__COUNT]	= NULL,
};

const char *const mon_on_remove_names[MON_ON_REMOVE__COUNT + 1] = {
	[MON_ON_REMOVE_DRAIN]	= "drain",
	[MON_ON_REMOVE_REMOVE]	= "remove",
	[MON_ON_REMOVE__COUNT]	= NULL,
};

const char *const mon_on_exit_names[MON_ON_EXIT__COUNT + 1] = {
	[MON_ON_EXIT_KEEP]	= "keep",
	[MON_ON_EXIT_FLUSH]	= "flush",
	[MON_ON_EXIT__COUNT]	= NULL,
};

static const char *const log_levels[] = { "info", "debug", NULL };
static const char *const protocols[] = { "tcp", "udp", "sctp", NULL };
static const int proto_nums[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP };
static const char *const families[] = { "ipv4", "ipv6", NULL };
static const char *const forwards[] = { "nat", "dr", "tun", NULL };

/* An address as the file gives it. */
struct conf_addr {
	int		 family;
	union dir_addr	 a;
};

static int
set_addr(void *field, const char *val, struct err *e)
{
	struct conf_addr	*ca = field;

	if (inet_pton(AF_INET, val, &ca->a.v4) == 1)
		ca->family = AF_INET;
	else if (inet_pton(AF_INET6, val, &ca->a.v6) == 1)
		ca->family = AF_INET6;
	else
		return err_set(e, -EINVAL,
		    "expected an IPv4 or IPv6 address (no host names)");
	return 0;
}

struct conf_snmp {
	char		*agentx;
	unsigned	 ping_ms;
};

static const struct mon_directive snmp_directives[] = {
	{ .key = "agentx", .type = MON_D_STRING,
	  .offset = offsetof(struct conf_snmp, agentx),
	  .sdef = "/var/agentx/master" },
	{ .key = "ping_interval", .type = MON_D_MS,
	  .offset = offsetof(struct conf_snmp, ping_ms),
	  .min = 100, .max = 3600000, .ndef = 1000 },
	{ .key = NULL }
};

static const struct mon_directive global_directives[] = {
	{ .key = "backend", .type = MON_D_ENUM,
	  .offset = offsetof(struct mon_global, backend),
	  .enums = mon_backend_names, .ndef = MON_BACKEND_AUTO },
	{ .key = "control_socket", .type = MON_D_STRING,
	  .offset = offsetof(struct mon_global, control_socket),
	  .sdef = "/run/lvsmon/lvsmond.sock" },
	{ .key = "state_file", .type = MON_D_STRING,
	  .offset = offsetof(struct mon_global, state_file),
	  .sdef = "/var/lib/lvsmon/state" },
	{ .key = "log_level", .type = MON_D_ENUM,
	  .offset = offsetof(struct mon_global, log_level),
	  .enums = log_levels, .ndef = 0 },
	{ .key = "snmp", .type = MON_D_OTHER },
	{ .key = "on_remove", .type = MON_D_ENUM,
	  .offset = offsetof(struct mon_global, on_remove),
	  .enums = mon_on_remove_names, .ndef = MON_ON_REMOVE_DRAIN },
	{ .key = "drain_timeout", .type = MON_D_MS,
	  .offset = offsetof(struct mon_global, drain_timeout_ms),
	  .min = 0, .max = 86400000, .ndef = 300000 },
	{ .key = "maintenance_dir", .type = MON_D_STRING,
	  .offset = offsetof(struct mon_global, maintenance_dir) },
	{ .key = "metrics", .type = MON_D_STRING,
	  .offset = offsetof(struct mon_global, metrics) },
	{ .key = "ipvs", .type = MON_D_OTHER },
	{ .key = "on_exit", .type = MON_D_ENUM,
	  .offset = offsetof(struct mon_global, on_exit),
	  .enums = mon_on_exit_names, .ndef = MON_ON_EXIT_KEEP },
	{ .key = "reconcile_interval", .type = MON_D_MS,
	  .offset = offsetof(struct mon_global, reconcile_ms),
	  .min = 0, .max = 86400000, .ndef = 30000 },
	{ .key = "max_concurrent_checks", .type = MON_D_INT,
	  .offset = offsetof(struct mon_global, max_checks),
	  .min = 0, .max = 10000000, .ndef = 0 },
	{ .key = "announce", .type = MON_D_OTHER },	/* announce.c */
	{ .key = "confine", .type = MON_D_OTHER },	/* confine.c */
	{ .key = NULL }
};

/* global.ipvs: the kernel's connection timeouts (ipvsadm --set). */
struct conf_ipvs {
	int	tcp, tcp_fin, udp;
};

static const struct mon_directive ipvs_directives[] = {
	{ .key = "timeout_tcp", .type = MON_D_INT,
	  .offset = offsetof(struct conf_ipvs, tcp), .min = 0,
	  .max = 2147483647, .ndef = 0 },
	{ .key = "timeout_tcpfin", .type = MON_D_INT,
	  .offset = offsetof(struct conf_ipvs, tcp_fin), .min = 0,
	  .max = 2147483647, .ndef = 0 },
	{ .key = "timeout_udp", .type = MON_D_INT,
	  .offset = offsetof(struct conf_ipvs, udp), .min = 0,
	  .max = 2147483647, .ndef = 0 },
	{ .key = NULL }
};

struct conf_service {
	char			*name;
	struct conf_addr	 addr;		/* family 0: not given */
	int			 port;
	int			 proto;
	char			*sched;
	int			 fwd;
	int			 on_remove;	/* -1: global's */
	int			 quorum, quorum_weight, hysteresis;
	char			*sorry;
	int			 sorry_weight;
	unsigned		 slow_start;
	int			 on_down;
	int			 fwmark;
	char			*family;	/* fwmark services */
	int			 persist;
	int			 persist_prefix;	/* -1: not given */
	char			*persist_netmask;
	int			 one_packet;
	int			 announce;
	int			 hash_seed;
};

static const struct mon_directive service_directives[] = {
	{ .key = "name", .type = MON_D_STRING,
	  .offset = offsetof(struct conf_service, name),
	  .flags = MON_DF_REQUIRED },
	/* address and port, or fwmark: load_service checks which */
	{ .key = "address", .type = MON_D_CUSTOM, .set = set_addr,
	  .offset = offsetof(struct conf_service, addr) },
	{ .key = "port", .type = MON_D_INT,
	  .offset = offsetof(struct conf_service, port),
	  .min = 1, .max = 65535, .ndef = 0 },
	{ .key = "protocol", .type = MON_D_ENUM, .enums = protocols,
	  .offset = offsetof(struct conf_service, proto), .ndef = 0 },
	{ .key = "fwmark", .type = MON_D_INT,
	  .offset = offsetof(struct conf_service, fwmark),
	  .min = 1, .max = 2147483647, .ndef = 0 },
	{ .key = "family", .type = MON_D_STRING,
	  .offset = offsetof(struct conf_service, family) },
	{ .key = "scheduler", .type = MON_D_STRING,
	  .offset = offsetof(struct conf_service, sched), .sdef = "wrr" },
	{ .key = "scheduler_flags", .type = MON_D_OTHER },
	{ .key = "forward", .type = MON_D_ENUM, .enums = forwards,
	  .offset = offsetof(struct conf_service, fwd), .ndef = DIR_FWD_NAT },
	{ .key = "persistence", .type = MON_D_INT,
	  .offset = offsetof(struct conf_service, persist),
	  .min = 0, .max = 2147483647, .ndef = 0 },
	{ .key = "persistence_prefix", .type = MON_D_INT,
	  .offset = offsetof(struct conf_service, persist_prefix),
	  .min = 1, .max = 128, .ndef = -1 },
	{ .key = "persistence_netmask", .type = MON_D_STRING,
	  .offset = offsetof(struct conf_service, persist_netmask) },
	{ .key = "one_packet", .type = MON_D_BOOL,
	  .offset = offsetof(struct conf_service, one_packet), .ndef = 0 },
	{ .key = "on_remove", .type = MON_D_ENUM,
	  .offset = offsetof(struct conf_service, on_remove),
	  .enums = mon_on_remove_names, .ndef = -1 },
	{ .key = "check", .type = MON_D_OTHER },
	{ .key = "agent", .type = MON_D_OTHER },	/* weightsrc.c */
	{ .key = "weight_file", .type = MON_D_OTHER },
	{ .key = "real_servers", .type = MON_D_OTHER },
	{ .key = "quorum", .type = MON_D_INT,
	  .offset = offsetof(struct conf_service, quorum),
	  .min = 1, .max = 65535, .ndef = 1 },
	{ .key = "quorum_weight", .type = MON_D_INT,
	  .offset = offsetof(struct conf_service, quorum_weight),
	  .min = 1, .max = 0x7fffffff, .ndef = 0 },
	{ .key = "hysteresis", .type = MON_D_INT,
	  .offset = offsetof(struct conf_service, hysteresis),
	  .min = 0, .max = 0x7fffffff, .ndef = 0 },
	{ .key = "sorry_server", .type = MON_D_STRING,
	  .offset = offsetof(struct conf_service, sorry) },
	{ .key = "sorry_weight", .type = MON_D_INT,
	  .offset = offsetof(struct conf_service, sorry_weight),
	  .min = 1, .max = DIR_WEIGHT_MAX, .ndef = 1 },
	{ .key = "slow_start", .type = MON_D_MS,
	  .offset = offsetof(struct conf_service, slow_start),
	  .min = 0, .max = 3600000, .ndef = 0 },
	{ .key = "on_down", .type = MON_D_ENUM, .enums = mon_on_down_names,
	  .offset = offsetof(struct conf_service, on_down),
	  .ndef = MON_ON_DOWN_WEIGHT0 },
	{ .key = "hash_seed", .type = MON_D_INT,
	  .offset = offsetof(struct conf_service, hash_seed),
	  .min = 1, .max = 2147483647, .ndef = 0 },
	{ .key = "announce", .type = MON_D_BOOL,
	  .offset = offsetof(struct conf_service, announce), .ndef = 0 },
	MON_ALERT_OVERRIDE_KEYS,
	{ .key = NULL }
};

struct conf_real {
	struct conf_addr	 addr;
	int			 port;		/* 0: the service's */
	int			 weight;
	unsigned		 slow_start;	/* UINT_MAX: the service's */
	int			 u_thresh, l_thresh;
};

static const struct mon_directive real_directives[] = {
	{ .key = "address", .type = MON_D_CUSTOM, .set = set_addr,
	  .offset = offsetof(struct conf_real, addr),
	  .flags = MON_DF_REQUIRED },
	{ .key = "port", .type = MON_D_INT,
	  .offset = offsetof(struct conf_real, port),
	  .min = 1, .max = 65535, .ndef = 0 },
	{ .key = "weight", .type = MON_D_INT,
	  .offset = offsetof(struct conf_real, weight),
	  .min = 0, .max = DIR_WEIGHT_MAX, .ndef = 1 },
	{ .key = "slow_start", .type = MON_D_MS,
	  .offset = offsetof(struct conf_real, slow_start),
	  .min = 0, .max = 3600000, .ndef = UINT_MAX },
	{ .key = "upper_threshold", .type = MON_D_INT,
	  .offset = offsetof(struct conf_real, u_thresh),
	  .min = 0, .max = 2147483647, .ndef = 0 },
	{ .key = "lower_threshold", .type = MON_D_INT,
	  .offset = offsetof(struct conf_real, l_thresh),
	  .min = 0, .max = 2147483647, .ndef = 0 },
	{ .key = "check", .type = MON_D_OTHER },
	{ .key = "agent", .type = MON_D_OTHER },	/* weightsrc.c */
	{ .key = "weight_file", .type = MON_D_OTHER },
	MON_ALERT_OVERRIDE_KEYS,
	{ .key = NULL }
};

static const struct mon_directive top_directives[] = {
	{ .key = "global", .type = MON_D_OTHER },
	{ .key = "services", .type = MON_D_OTHER },
	{ .key = "alerts", .type = MON_D_OTHER },
	{ .key = "director", .type = MON_D_OTHER },	/* ha_conf.c */
	{ .key = NULL }
};

/* The type a check block asks for, its own or inherited. */
static int
check_type(const config_setting_t *specific, const config_setting_t *inherited,
    const char *where, const struct probe_type **out, struct err *e)
{
	const config_setting_t	*s = NULL;
	const char		*name;
	char			 list[512] = "";

	if (specific != NULL)
		s = config_setting_get_member(specific, "type");
	if (s == NULL && inherited != NULL)
		s = config_setting_get_member(inherited, "type");
	for (size_t i = 0; mon_probe_types[i] != NULL; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s%s", i ? ", " : "", mon_probe_types[i]->name);
	if (s == NULL)
		return mon_conf_err(e, specific ? specific : inherited, where,
		    "check.type", "is required (one of %s)", list);
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return mon_conf_err(e, s, where, "check.type",
		    "expected a string (one of %s)", list);
	name = config_setting_get_string(s);
	if ((*out = mon_probe_type_find(name)) == NULL)
		return mon_conf_err(e, s, where, "check.type",
		    "unknown check type \"%s\" (one of %s)", name, list);
	return 0;
}

void
mon_probe_free(struct probe *p)
{
	if (p == NULL)
		return;
	if (p->type != NULL && p->type->release != NULL)
		p->type->release(p);
	if (p->conf != NULL && p->type != NULL)
		mon_directives_release(p->type->directives, p->conf);
	free(p->conf);
	free(p->ckey);
	free(p);
}

/* One setting, canonically: its type, then its value or its members. */
static void
fingerprint_setting(struct probe *p, const config_setting_t *s)
{
	char		 buf[64];
	int		 t = s != NULL ? config_setting_type(s) : 0;
	const char	*str, *name;

	switch (t) {
	case 0:
		probe_fingerprint_mix(p, "", 1);
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
	case CONFIG_TYPE_FLOAT:
		/* 1 and 1.0 are the same number */
		snprintf(buf, sizeof(buf), "%.17g", t == CONFIG_TYPE_FLOAT ?
		    config_setting_get_float(s) :
		    (double)config_setting_get_int64(s));
		t = CONFIG_TYPE_FLOAT;
		probe_fingerprint_mix(p, buf, strlen(buf) + 1);
		break;
	case CONFIG_TYPE_BOOL:
		buf[0] = 'b';
		buf[1] = (char)config_setting_get_bool(s);
		probe_fingerprint_mix(p, buf, 2);
		break;
	case CONFIG_TYPE_STRING:
		str = config_setting_get_string(s);
		probe_fingerprint_mix(p, "s", 1);
		probe_fingerprint_mix(p, str, strlen(str) + 1);
		break;
	default:	/* group, list, array: every element, in order */
		probe_fingerprint_mix(p, &t, sizeof(t));
		for (int i = 0; i < config_setting_length(s); i++) {
			const config_setting_t *m = config_setting_get_elem(s,
			    (unsigned)i);

			name = config_setting_name(m);
			if (name != NULL)
				probe_fingerprint_mix(p, name,
				    strlen(name) + 1);
			fingerprint_setting(p, m);
		}
		probe_fingerprint_mix(p, "}", 1);
		break;
	}
}

/*
 * What the check of a real is, as a reload compares it: every key of the
 * type (the common ones first) with the value it took (after defaults and
 * inheritance: 1 and 1.0 s are the same interval), and the service's name
 * (messages carry it).  Keys are read through the tables, so spacing,
 * comments and the order of keys do not matter; a value that changes does.
 * Groups and lists (MON_D_OTHER) and custom keys: their settings.
 */
void
mon_probe_fingerprint(struct probe *p, const struct mon_directive *common,
    const config_setting_t *rc, const config_setting_t *sc, const char *svc)
{
	const struct probe_type		*t = p->type;
	const struct mon_directive	*tabs[2] = { common, t->directives };
	void				*bases[2] = { p, p->conf };

	p->fingerprint = 0;
	probe_fingerprint_mix(p, t->name, strlen(t->name) + 1);
	probe_fingerprint_mix(p, svc, strlen(svc) + 1);
	for (size_t k = 0; k < 2; k++)
		for (const struct mon_directive *d = tabs[k];
		    d != NULL && d->key != NULL; d++) {
			const config_setting_t	*v = NULL;
			const char		*f = (const char *)bases[k] +
						    d->offset;
			const char		*str;

			probe_fingerprint_mix(p, d->key, strlen(d->key) + 1);
			switch (d->type) {
			case MON_D_INT:
			case MON_D_BOOL:
			case MON_D_ENUM:
				probe_fingerprint_mix(p, f, sizeof(int));
				continue;
			case MON_D_MS:
				probe_fingerprint_mix(p, f, sizeof(unsigned));
				continue;
			case MON_D_STRING:
				memcpy(&str, f, sizeof(str));
				if (str == NULL)
					str = "";
				probe_fingerprint_mix(p, str, strlen(str) + 1);
				continue;
			default:
				break;
			}
			if (rc != NULL)
				v = config_setting_get_member(rc, d->key);
			if (v == NULL && sc != NULL)
				v = config_setting_get_member(sc, d->key);
			fingerprint_setting(p, v);
		}
}

/*
 * Build the probe of one real from its check block and the service's.
 * *out stays NULL when neither has one (the server is then always up).
 */
static int
probe_build(struct mon_real *rs, const config_setting_t *rc,
    const config_setting_t *sc, const char *where, struct probe **out,
    struct err *e)
{
	const struct probe_type	*t;
	struct probe		*p;
	const config_setting_t	*cs = rc != NULL ? rc : sc;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	int			 rc2;

	*out = NULL;
	if (rc == NULL && sc == NULL)
		return 0;
	if ((rc2 = check_type(rc, sc, where, &t, e)) < 0)
		return rc2;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->conf = calloc(1, t->conf_size ? t->conf_size : 1)) == NULL) {
		free(p);
		return err_set(e, -ENOMEM, "out of memory");
	}
	p->type = t;
	p->rs = rs;
	if ((rc2 = mon_directives_apply(mon_probe_common_directives, p, rc,
	    sc, t->directives, where, e)) < 0 ||
	    (rc2 = mon_directives_apply(t->directives, p->conf, rc, sc,
	    mon_probe_common_directives, where, e)) < 0)
		goto fail;

	mon_addr_key(rs->family, &rs->addr, p->port ? p->port : rs->port,
	    p->name, sizeof(p->name));
	inet_ntop(rs->family, &rs->addr, p->host, sizeof(p->host));
	if (rs->family == AF_INET) {
		sin = (struct sockaddr_in *)&p->addr;
		sin->sin_family = AF_INET;
		sin->sin_addr = rs->addr.v4;
		sin->sin_port = htons(p->port ? p->port : rs->port);
		p->addrlen = sizeof(*sin);
	} else {
		sin6 = (struct sockaddr_in6 *)&p->addr;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = rs->addr.v6;
		sin6->sin6_port = htons(p->port ? p->port : rs->port);
		p->addrlen = sizeof(*sin6);
	}
	if (t->share && mon_probe_key(p, rc, sc) < 0) {
		rc2 = err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	mon_probe_fingerprint(p, mon_probe_common_directives, rc, sc,
	    rs->svc != NULL && rs->svc->name != NULL ? rs->svc->name : "");
	if (t->configure != NULL && (rc2 = t->configure(cs, p, e)) < 0) {
		char msg[sizeof(e->msg)];

		memcpy(msg, e->msg, sizeof(msg));
		rc2 = mon_conf_err(e, cs, where, "check", "%s", msg);
		goto fail;
	}
	*out = p;
	return 0;
fail:
	mon_probe_free(p);
	return rc2;
}

static int
load_real(struct mon_service *svc, struct mon_real *rs,
    const config_setting_t *rset, const config_setting_t *sc, struct err *e)
{
	struct conf_real	 cr = { 0 };
	char			 where[256];
	int			 rc;

	snprintf(where, sizeof(where), "service %s: real #%d", svc->name,
	    config_setting_index(rset) + 1);
	if (config_setting_type(rset) != CONFIG_TYPE_GROUP)
		return mon_conf_err(e, rset, where, NULL,
		    "expected a group { address = ...; port = ...; }");
	if ((rc = mon_directives_apply_group(real_directives, &cr, rset,
	    where, e)) < 0)
		return rc;
	rs->svc = svc;
	rs->family = cr.addr.family;
	rs->addr = cr.addr.a;
	rs->port = (uint16_t)(cr.port ? cr.port : svc->port);
	rs->weight = (uint32_t)cr.weight;
	rs->slow_start_ms = cr.slow_start;	/* UINT_MAX: see load_service */
	rs->u_thresh = (uint32_t)cr.u_thresh;
	rs->l_thresh = (uint32_t)cr.l_thresh;
	rs->line = (int)config_setting_source_line(rset);
	mon_addr_key(rs->family, &rs->addr, rs->port, rs->key, sizeof(rs->key));
	snprintf(where, sizeof(where), "service %s: real %s", svc->name,
	    rs->key);
	/* only a tunnel carries one family inside the other */
	if (rs->family != svc->family && svc->fwd != DIR_FWD_TUN)
		return mon_conf_err(e, config_setting_get_member(rset,
		    "address"), where, "address", "is IPv%d but the service "
		    "is IPv%d (only forward = \"tun\" mixes families)",
		    rs->family == AF_INET ? 4 : 6,
		    svc->family == AF_INET ? 4 : 6);
	if (rs->l_thresh > rs->u_thresh && rs->u_thresh != 0)
		return mon_conf_err(e, config_setting_get_member(rset,
		    "lower_threshold"), where, "lower_threshold", "%u is "
		    "above upper_threshold %u", rs->l_thresh, rs->u_thresh);
	if (rs->l_thresh != 0 && rs->u_thresh == 0)
		return mon_conf_err(e, config_setting_get_member(rset,
		    "lower_threshold"), where, "lower_threshold", "needs "
		    "upper_threshold (the lower one ends an overload)");
	if ((rc = probe_build(rs, config_setting_get_member(rset, "check"), sc,
	    where, &rs->probe, e)) < 0)
		return rc;
	/* rset's parent is real_servers, whose parent is the service */
	return mon_ws_conf_real(rs, rset, config_setting_parent(
	    config_setting_parent(rset)), where, e);
}

static int
real_key_cmp(const void *a, const void *b, void *arg)
{
	const struct mon_real	*r = arg;
	size_t			 i = *(const size_t *)a, j = *(const size_t *)b;
	int			 c = strcmp(r[i].key, r[j].key);

	return c != 0 ? c : (i > j) - (i < j);
}

/*
 * No two reals of a service at one address:port.  Sorted, not pairwise: a
 * service of 100,000 reals took minutes to load the other way (and every
 * reload reads the file again).  The first duplicate in file order is the
 * one named.
 */
static int
reals_unique(struct mon_service *svc, const config_setting_t *reals,
    struct err *e)
{
	size_t	*ix, dup = SIZE_MAX, first = 0;
	char	 where[256];

	if (svc->nreals < 2)
		return 0;
	if ((ix = malloc(svc->nreals * sizeof(*ix))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < svc->nreals; i++)
		ix[i] = i;
	qsort_r(ix, svc->nreals, sizeof(*ix), real_key_cmp, svc->reals);
	for (size_t k = 1; k < svc->nreals; k++)
		if (strcmp(svc->reals[ix[k - 1]].key, svc->reals[ix[k]].key) ==
		    0 && ix[k] < dup) {
			dup = ix[k];
			/* the run's first is its smallest index */
			for (first = k - 1; first > 0 && strcmp(svc->reals[
			    ix[first - 1]].key, svc->reals[ix[k]].key) == 0;
			    first--)
				;
			first = ix[first];
		}
	free(ix);
	if (dup == SIZE_MAX)
		return 0;
	snprintf(where, sizeof(where), "service %s: real %s", svc->name,
	    svc->reals[dup].key);
	return mon_conf_err(e, config_setting_get_elem(reals, (unsigned)dup),
	    where, NULL, "duplicate real server (first at line %d)",
	    svc->reals[first].line);
}

/* quorum, hysteresis, on_down and the sorry server (monitor/quorum.c) */
static int
load_policy(struct mon_service *svc, const struct conf_service *cs,
    const config_setting_t *sset, const char *where, uint32_t *next_real_id,
    struct err *e)
{
	const config_setting_t	*q = config_setting_get_member(sset, "quorum");
	const config_setting_t	*qw = config_setting_get_member(sset,
				    "quorum_weight");
	const config_setting_t	*ss = config_setting_get_member(sset,
				    "sorry_server");
	struct mon_real		*rs;
	uint64_t		 all = 0;
	int			 family;

	svc->quorum = (unsigned)cs->quorum;
	svc->quorum_weight = (unsigned)cs->quorum_weight;
	svc->hysteresis = (unsigned)cs->hysteresis;
	svc->on_down = (enum mon_on_down)cs->on_down;
	for (size_t i = 0; i < svc->nreals; i++)
		all += svc->reals[i].weight;
	if (q != NULL && qw != NULL)
		return mon_conf_err(e, qw, where, "quorum_weight", "and quorum "
		    "(line %d) both set: quorum counts serving reals, "
		    "quorum_weight sums their weights; pick one",
		    config_setting_source_line(q));
	if (svc->quorum > svc->nreals)
		return mon_conf_err(e, q, where, "quorum", "%u but the "
		    "service has only %zu real servers (it could never be "
		    "met)", svc->quorum, svc->nreals);
	if (svc->quorum_weight > all)
		return mon_conf_err(e, qw, where, "quorum_weight", "%u but "
		    "the real servers' weights add up to %llu (it could never "
		    "be met)", svc->quorum_weight, (unsigned long long)all);
	if (cs->sorry == NULL) {
		if (config_setting_get_member(sset, "sorry_weight") != NULL)
			return mon_conf_err(e, config_setting_get_member(sset,
			    "sorry_weight"), where, "sorry_weight", "needs a "
			    "sorry_server");
		return 0;
	}
	rs = &svc->reals[svc->nreals];
	if (mon_addr_key_parse(cs->sorry, &family, &rs->addr, &rs->port) < 0)
		return mon_conf_err(e, ss, where, "sorry_server", "\"%s\": "
		    "expected \"IP:PORT\" or \"[IPv6]:PORT\" (no host "
		    "names)", cs->sorry);
	if (family != svc->family)
		return mon_conf_err(e, ss, where, "sorry_server", "is IPv%d "
		    "but the service is IPv%d", family == AF_INET ? 4 : 6,
		    svc->family == AF_INET ? 4 : 6);
	rs->svc = svc;
	rs->family = family;
	rs->weight = (uint32_t)cs->sorry_weight;
	rs->line = (int)config_setting_source_line(ss);
	rs->sorry = 1;
	mon_addr_key(family, &rs->addr, rs->port, rs->key, sizeof(rs->key));
	for (size_t i = 0; i < svc->nreals; i++)
		if (strcmp(svc->reals[i].key, rs->key) == 0)
			return mon_conf_err(e, ss, where, "sorry_server",
			    "%s is also a real server (line %d)", rs->key,
			    svc->reals[i].line);
	if (*next_real_id > DIR_ID_MAX)
		return mon_conf_err(e, ss, where, "sorry_server",
		    "more than %u real servers", DIR_ID_MAX);
	rs->id = (*next_real_id)++;
	mon_rs_init(rs);
	svc->sorry = rs;
	svc->nreals++;
	return 0;
}

/* address + port (+ protocol), or fwmark (+ family); and the key. */
static int
service_kind(struct mon_service *svc, const struct conf_service *cs,
    const config_setting_t *sset, const char *where, struct err *e)
{
	const config_setting_t	*fm = config_setting_get_member(sset,
				    "fwmark");

	if (fm == NULL) {
		if (cs->addr.family == 0 || cs->port == 0)
			return mon_conf_err(e, sset, where, cs->addr.family ?
			    "port" : "address", "is required (or fwmark = N "
			    "for a firewall-mark service)");
		if (cs->family != NULL)
			return mon_conf_err(e, config_setting_get_member(sset,
			    "family"), where, "family", "is for fwmark "
			    "services (an address has its own family)");
		svc->family = cs->addr.family;
		svc->addr = cs->addr.a;
		svc->port = (uint16_t)cs->port;
		svc->proto = proto_nums[cs->proto];
		snprintf(svc->key, sizeof(svc->key), "%s/",
		    protocols[cs->proto]);
		mon_addr_key(svc->family, &svc->addr, svc->port,
		    svc->key + strlen(svc->key),
		    sizeof(svc->key) - strlen(svc->key));
		return 0;
	}
	/* the kernel matches the packet's mark only: no address, port or
	   protocol of its own */
	if (cs->addr.family != 0 || cs->port != 0 ||
	    config_setting_get_member(sset, "protocol") != NULL)
		return mon_conf_err(e, fm, where, "fwmark", "a firewall-mark "
		    "service has no address, port or protocol (the mark "
		    "selects the packets)");
	svc->family = AF_INET;
	if (cs->family != NULL) {
		if (strcmp(cs->family, families[1]) == 0)
			svc->family = AF_INET6;
		else if (strcmp(cs->family, families[0]) != 0)
			return mon_conf_err(e, config_setting_get_member(sset,
			    "family"), where, "family", "\"%s\" is not one "
			    "of ipv4, ipv6", cs->family);
	}
	svc->fwmark = (uint32_t)cs->fwmark;
	snprintf(svc->key, sizeof(svc->key), "fwmark%s/%u",
	    svc->family == AF_INET6 ? "6" : "", svc->fwmark);
	return 0;
}

/* persistence, persistence_prefix / persistence_netmask */
static int
service_persist(struct mon_service *svc, const struct conf_service *cs,
    const config_setting_t *sset, const char *where, struct err *e)
{
	const config_setting_t	*px, *nm;
	int			 max = svc->family == AF_INET6 ? 128 : 32;

	svc->persist = (uint32_t)cs->persist;
	px = config_setting_get_member(sset, "persistence_prefix");
	nm = config_setting_get_member(sset, "persistence_netmask");
	if ((px != NULL || nm != NULL) && cs->persist == 0)
		return mon_conf_err(e, px ? px : nm, where, px ?
		    "persistence_prefix" : "persistence_netmask", "needs "
		    "persistence = SECONDS");
	if (px != NULL && nm != NULL)
		return mon_conf_err(e, nm, where, "persistence_netmask",
		    "give persistence_prefix or persistence_netmask, not "
		    "both");
	if (px != NULL) {
		if (cs->persist_prefix > max)
			return mon_conf_err(e, px, where, "persistence_prefix",
			    "%d is longer than an IPv%d address (1..%d)",
			    cs->persist_prefix, max == 32 ? 4 : 6, max);
		svc->persist_plen = (uint8_t)(cs->persist_prefix == max ? 0 :
		    cs->persist_prefix);
	}
	if (nm != NULL) {
		struct in_addr	a;
		uint32_t	m;
		int		n = 0;

		if (svc->family != AF_INET)
			return mon_conf_err(e, nm, where,
			    "persistence_netmask", "is for IPv4 (IPv6: "
			    "persistence_prefix = 64)");
		if (inet_pton(AF_INET, cs->persist_netmask, &a) != 1)
			return mon_conf_err(e, nm, where,
			    "persistence_netmask", "\"%s\" is not a netmask "
			    "such as 255.255.255.0", cs->persist_netmask);
		for (m = ntohl(a.s_addr); m & 0x80000000u; m <<= 1)
			n++;
		if (m != 0 || n == 0)
			return mon_conf_err(e, nm, where,
			    "persistence_netmask", "\"%s\" is not a "
			    "contiguous netmask", cs->persist_netmask);
		svc->persist_plen = (uint8_t)(n == 32 ? 0 : n);
	}
	return 0;
}

/* one_packet, scheduler_flags = [ "sh-fallback", "sh-port", ... ] */
static int
service_flags(struct mon_service *svc, const struct conf_service *cs,
    const config_setting_t *sset, const char *where, struct err *e)
{
	static const struct { const char *name, *sched; uint32_t flag; }
	    names[] = {
		{ "sh-fallback", "sh", DIR_SVC_SCHED_F1 },
		{ "sh-port", "sh", DIR_SVC_SCHED_F2 },
		{ "mh-fallback", "mh", DIR_SVC_SCHED_F1 },
		{ "mh-port", "mh", DIR_SVC_SCHED_F2 },
		{ "flag-1", NULL, DIR_SVC_SCHED_F1 },
		{ "flag-2", NULL, DIR_SVC_SCHED_F2 },
		{ "flag-3", NULL, DIR_SVC_SCHED_F3 },
	};
	const config_setting_t	*fl = config_setting_get_member(sset,
				    "scheduler_flags");
	const size_t		 nn = sizeof(names) / sizeof(names[0]);

	if (cs->one_packet) {
		if (svc->proto != IPPROTO_UDP && svc->fwmark == 0)
			return mon_conf_err(e, config_setting_get_member(sset,
			    "one_packet"), where, "one_packet", "is for udp "
			    "services (or fwmark ones)");
		svc->dir_flags |= DIR_SVC_ONEPACKET;
	}
	if (fl == NULL)
		return 0;
	if (!config_setting_is_array(fl) && !config_setting_is_list(fl))
		return mon_conf_err(e, fl, where, "scheduler_flags",
		    "expected an array [ \"sh-fallback\", \"sh-port\" ]");
	for (int i = 0; i < config_setting_length(fl); i++) {
		const config_setting_t	*f = config_setting_get_elem(fl,
					    (unsigned)i);
		const char		*v = config_setting_get_string(f);
		size_t			 k;

		for (k = 0; v != NULL && k < nn; k++)
			if (strcmp(names[k].name, v) == 0)
				break;
		if (v == NULL || k == nn)
			return mon_conf_err(e, f, where, "scheduler_flags",
			    "%s%s%s is not one of sh-fallback, sh-port, "
			    "mh-fallback, mh-port, flag-1, flag-2, flag-3",
			    v ? "\"" : "", v ? v : "a non-string",
			    v ? "\"" : "");
		if (names[k].sched != NULL &&
		    strcmp(names[k].sched, svc->sched) != 0)
			return mon_conf_err(e, f, where, "scheduler_flags",
			    "\"%s\" is for scheduler %s, not %s", v,
			    names[k].sched, svc->sched);
		svc->dir_flags |= names[k].flag;
	}
	return 0;
}

/*
 * Services seen so far, by name (which 0) and by key (1): a hash, since a
 * file of thousands of services is read at every reload.
 */
struct seen {
	struct mon_service	**slot[2];
	size_t			  mask;
};

static uint64_t
seen_hash(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* Add svc; the earlier service with the same name/key if there is one. */
static struct mon_service *
seen_add(struct seen *sn, int which, struct mon_service *svc)
{
	const char	*k = which ? svc->key : svc->name;

	for (size_t i = seen_hash(k) & sn->mask;; i = (i + 1) & sn->mask) {
		struct mon_service *o = sn->slot[which][i];

		if (o == NULL) {
			sn->slot[which][i] = svc;
			return NULL;
		}
		if (strcmp(which ? o->key : o->name, k) == 0)
			return o;
	}
}

static int
load_service(struct mon_model *m, struct mon_service *svc,
    const config_setting_t *sset, struct seen *seen, uint32_t *next_real_id,
    struct err *e)
{
	struct conf_service	 cs = { 0 };
	const config_setting_t	*sc, *reals;
	char			 where[256];
	struct probe		*scratch;
	int			 rc;

	snprintf(where, sizeof(where), "service #%d",
	    config_setting_index(sset) + 1);
	if (config_setting_type(sset) != CONFIG_TYPE_GROUP)
		return mon_conf_err(e, sset, where, NULL,
		    "expected a group { name = ...; address = ...; }");
	rc = mon_directives_apply_group(service_directives, &cs, sset, where,
	    e);
	svc->name = cs.name;	/* owned by svc from here, even on error */
	svc->sched[0] = '\0';
	if (cs.sched != NULL)
		snprintf(svc->sched, sizeof(svc->sched), "%s", cs.sched);
	if (rc < 0)
		goto out;
	snprintf(where, sizeof(where), "service %s", svc->name);
	if (strlen(cs.sched) >= sizeof(svc->sched) || cs.sched[0] == '\0') {
		rc = mon_conf_err(e, config_setting_get_member(sset,
		    "scheduler"), where, "scheduler", "expected a scheduler "
		    "name such as rr, wrr, sh");
		goto out;
	}
	svc->fwd = (enum dir_fwd)cs.fwd;
	svc->on_remove = cs.on_remove >= 0 ? cs.on_remove :
	    m->global.on_remove;
	svc->line = (int)config_setting_source_line(sset);
	if ((rc = service_kind(svc, &cs, sset, where, e)) < 0 ||
	    (rc = service_persist(svc, &cs, sset, where, e)) < 0 ||
	    (rc = service_flags(svc, &cs, sset, where, e)) < 0)
		goto out;
	svc->announce = cs.announce;
	svc->hash_seed = (uint32_t)cs.hash_seed;
	if (cs.hash_seed != 0 && strcmp(svc->sched, "sh") != 0) {
		rc = mon_conf_err(e, config_setting_get_member(sset,
		    "hash_seed"), where, "hash_seed", "is for scheduler sh "
		    "(the nft backend's source hash), not %s", svc->sched);
		goto out;
	}
	if ((rc = mon_announce_conf_service(m, svc, sset, where, e)) < 0)
		goto out;

	{
		struct mon_service *o;

		if ((o = seen_add(seen, 0, svc)) != NULL) {
			rc = mon_conf_err(e, sset, where, "name", "duplicate "
			    "service name (first at line %d)", o->line);
			goto out;
		}
		if ((o = seen_add(seen, 1, svc)) != NULL) {
			rc = mon_conf_err(e, sset, where, NULL, "same %s as "
			    "service %s (line %d)", svc->fwmark ?
			    "fwmark and family" : "address, port and protocol",
			    o->name, o->line);
			goto out;
		}
	}

	/* the service's own check block is checked against its own type,
	   so a typo there is caught even if every real overrides it */
	sc = config_setting_get_member(sset, "check");
	if (sc != NULL) {
		struct mon_real	tmp = { .svc = svc, .family = svc->family,
				    .addr = svc->addr, .port = svc->port };

		if (config_setting_type(sc) != CONFIG_TYPE_GROUP) {
			rc = mon_conf_err(e, sc, where, "check",
			    "expected a group { type = ...; }");
			goto out;
		}
		if ((rc = probe_build(&tmp, sc, NULL, where, &scratch, e)) < 0)
			goto out;
		mon_probe_free(scratch);
	}

	reals = config_setting_get_member(sset, "real_servers");
	if (reals == NULL || (!config_setting_is_list(reals) &&
	    !config_setting_is_array(reals)) ||
	    config_setting_length(reals) == 0) {
		rc = mon_conf_err(e, reals ? reals : sset, where,
		    "real_servers", "expected a list ( { address = ...; "
		    "port = ...; }, ... ) with at least one server");
		goto out;
	}
	svc->nreals = (size_t)config_setting_length(reals);
	/* one more slot: the sorry server, if any, goes last */
	if ((svc->reals = calloc(svc->nreals + 1, sizeof(*svc->reals))) ==
	    NULL) {
		svc->nreals = 0;
		rc = err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < svc->nreals; i++) {
		struct mon_real *rs = &svc->reals[i];

		if ((rc = load_real(svc, rs, config_setting_get_elem(reals,
		    (unsigned)i), sc, e)) < 0) {
			svc->nreals = i + 1;	/* free what was built */
			goto out;
		}
		if (*next_real_id > DIR_ID_MAX) {
			rc = mon_conf_err(e, reals, where, "real_servers",
			    "more than %u real servers", DIR_ID_MAX);
			goto out;
		}
		rs->id = (*next_real_id)++;
		if (rs->slow_start_ms == UINT_MAX)
			rs->slow_start_ms = cs.slow_start;
		mon_rs_init(rs);
	}
	if ((rc = reals_unique(svc, reals, e)) < 0)
		goto out;
	if ((rc = load_policy(svc, &cs, sset, where, next_real_id, e)) < 0)
		goto out;
	mon_svc_quorum(svc, 1);
	rc = 0;
out:
	free(cs.sched);
	free(cs.sorry);
	free(cs.family);
	free(cs.persist_netmask);
	return rc;
}

int
mon_model_load(struct mon_model *m, const char *file, struct err *e)
{
	config_t		 cfg;
	const config_setting_t	*root, *g, *svcs, *snmp, *ipvs;
	uint32_t		 next_real_id = 1;
	struct seen		 seen = { { NULL, NULL }, 0 };
	int			 rc;

	memset(m, 0, sizeof(*m));
	if ((rc = mon_conf_includes_check(file, e)) < 0)
		return rc;	/* libconfig would exit() on it */
	config_init(&cfg);
	if (config_read_file(&cfg, file) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			rc = err_set(e, -ENOENT, "%s: cannot read the file",
			    file);
		else
			rc = err_set(e, -EINVAL, "%s:%d: syntax error: %s",
			    config_error_file(&cfg) ? config_error_file(&cfg) :
			    file, config_error_line(&cfg),
			    config_error_text(&cfg));
		config_destroy(&cfg);
		return rc;
	}
	if ((m->file = strdup(file)) == NULL) {
		rc = err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	root = config_root_setting(&cfg);
	if ((rc = mon_directives_apply_group(top_directives, NULL, root,
	    "top level", e)) < 0)
		goto fail;
	g = config_setting_get_member(root, "global");
	if (g != NULL && config_setting_type(g) != CONFIG_TYPE_GROUP) {
		rc = mon_conf_err(e, g, NULL, "global",
		    "expected a group { backend = ...; }");
		goto fail;
	}
	if ((rc = mon_directives_apply_group(global_directives, &m->global,
	    g, "global", e)) < 0)
		goto fail;
	/* a read of the whole kernel table per interval: not a busy loop */
	if (m->global.reconcile_ms > 0 && m->global.reconcile_ms < 1000) {
		rc = mon_conf_err(e, config_setting_get_member(g,
		    "reconcile_interval"), "global", "reconcile_interval",
		    "expected 0 (off) or at least 1 s");
		goto fail;
	}
	if (g != NULL && (snmp = config_setting_get_member(g, "snmp")) !=
	    NULL) {
		struct conf_snmp cs = { 0 };

		if (config_setting_type(snmp) != CONFIG_TYPE_GROUP) {
			rc = mon_conf_err(e, snmp, "global", "snmp",
			    "expected a group { agentx = \"/var/agentx/master\";"
			    " }");
			goto fail;
		}
		rc = mon_directives_apply_group(snmp_directives, &cs, snmp,
		    "global: snmp", e);
		m->global.snmp_agentx = cs.agentx;
		m->global.snmp_ping_ms = cs.ping_ms;
		if (rc < 0)
			goto fail;
	}
	if (g != NULL && (ipvs = config_setting_get_member(g, "ipvs")) !=
	    NULL) {
		struct conf_ipvs ci = { 0 };

		if (config_setting_type(ipvs) != CONFIG_TYPE_GROUP) {
			rc = mon_conf_err(e, ipvs, "global", "ipvs",
			    "expected a group { timeout_tcp = 900; }");
			goto fail;
		}
		if ((rc = mon_directives_apply_group(ipvs_directives, &ci,
		    ipvs, "global: ipvs", e)) < 0)
			goto fail;
		m->global.ipvs_timeouts = (struct dir_timeouts){
		    (uint32_t)ci.tcp, (uint32_t)ci.tcp_fin, (uint32_t)ci.udp };
		m->global.ipvs_line = (int)config_setting_source_line(ipvs);
	}

	if ((rc = mon_announce_conf_global(m, g, e)) < 0 ||
	    (rc = mon_confine_conf_global(m, g, e)) < 0)
		goto fail;

	svcs = config_setting_get_member(root, "services");
	if (svcs != NULL && !config_setting_is_list(svcs)) {
		rc = mon_conf_err(e, svcs, NULL, "services",
		    "expected a list ( { name = ...; }, ... )");
		goto fail;
	}
	m->nsvcs = svcs ? (size_t)config_setting_length(svcs) : 0;
	if (m->nsvcs > 0 &&
	    (m->svcs = calloc(m->nsvcs, sizeof(*m->svcs))) == NULL) {
		m->nsvcs = 0;
		rc = err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	seen.mask = 15;
	while (seen.mask + 1 < 2 * m->nsvcs)
		seen.mask = seen.mask * 2 + 1;
	if ((seen.slot[0] = calloc(seen.mask + 1, sizeof(void *))) == NULL ||
	    (seen.slot[1] = calloc(seen.mask + 1, sizeof(void *))) == NULL) {
		rc = err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < m->nsvcs; i++) {
		m->svcs[i].id = (uint32_t)i + 1;
		if ((rc = load_service(m, &m->svcs[i],
		    config_setting_get_elem(svcs, (unsigned)i), &seen,
		    &next_real_id, e)) < 0) {
			m->nsvcs = i + 1;
			goto fail;
		}
	}
	free(seen.slot[0]);
	free(seen.slot[1]);
	seen.slot[0] = seen.slot[1] = NULL;
	/* after the services: an alerts entry may name them */
	if ((rc = mon_alerts_load(m, root, service_directives,
	    real_directives, e)) < 0)
		goto fail;
	if ((rc = mon_ha_conf_load(root, file, &m->ha, e)) < 0)
		goto fail;
	/* a backend named in the file must do what the file asks; "auto"
	   is checked once it has chosen (mon_apply_open) */
	if (m->global.backend != MON_BACKEND_AUTO &&
	    (rc = mon_model_check_backend(m,
	    mon_backend_names[m->global.backend], e)) < 0)
		goto fail;
	config_destroy(&cfg);
	return 0;
fail:
	free(seen.slot[0]);
	free(seen.slot[1]);
	config_destroy(&cfg);
	mon_model_free(m);
	return rc;
}

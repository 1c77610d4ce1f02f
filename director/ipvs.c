/*
 * director/ipvs.c - the "ipvs" backend: the kernel's IP Virtual Server
 * over generic netlink (messages in director/ipvs_nl.c).
 *
 * Ownership: lvsmon owns the IPVS table of its network namespace.  sync
 * makes the kernel hold exactly the desired table: services and reals
 * that are not in it are deleted, whoever added them (a hand-made
 * "ipvsadm -a" is drift, repaired like a hand-made "ipvsadm -d").
 *
 * Identity: IPVS has no ids.  A service is its key (family + protocol,
 * address, port; or family + fwmark), a real its address and port within
 * the service.  The backend keeps the last table it made the kernel hold,
 * with the monitor's ids, and maps kernel entries to ids by key; entries
 * it does not know (another process's, or before the first sync) read
 * back with id 0.
 *
 * sync: read the kernel's table (one dump of services, one of reals per
 * service), compare with the desired one, and send only the differences:
 * add/change/delete service, add/change/delete real.  Established
 * connections are never cut by a sync that keeps their service and real:
 * IPVS changes a scheduler or a weight in place.  The first sync after
 * open is the same operation, so a restarted daemon adopts what the
 * kernel holds, counters and connections included.
 *
 * Atomicity: IPVS has no transactions.  All changes go out together, one
 * message each, many per sendmsg; when one fails, the ones that succeeded
 * are undone (in reverse order) and the caller gets the first failure,
 * so the kernel is left as it was.  Undo can only fail if someone else
 * changes the table at the same moment; the message says so.
 *
 * apply: one SET_DEST per real whose weight changes, sent together.
 * Weight 0 quiesces a real (no new connections, established ones go on);
 * removing it from the table deletes it (IPVS then drops the packets of
 * its connections unless expire_nodest_conn says otherwise).  Which of
 * the two a down real gets is the monitor's choice.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/ip_vs.h>

#include "director/ipvs_int.h"

/* A real in the backend's table, found by the monitor's id. */
struct ridx {
	uint32_t	id;
	uint32_t	si, di;		/* b->t.s[si].d[di] */
};

struct dir_backend {
	struct ipvs_nl	*nl;
	struct ipvs_tab	 t;		/* what we made the kernel hold; by
					   key, dests by key */
	struct ridx	*ridx;		/* [nridx] by id */
	size_t		 nridx;
};

/* Every scheduler IPVS has had; the kernel tells which it has. */
static const char *const scheds[] = {
	"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq",
	"fo", "ovf", "mh", "twos", NULL
};

static const uint32_t fwd_ipvs[DIR_FWD__COUNT] = {
	[DIR_FWD_NAT] = IP_VS_CONN_F_MASQ,
	[DIR_FWD_DR] = IP_VS_CONN_F_DROUTE,
	[DIR_FWD_TUN] = IP_VS_CONN_F_TUNNEL,
};

/* ---- keys ---- */

static int
cmp_addr(int af, const union dir_addr *a, const union dir_addr *b)
{
	return memcmp(a, b, af == AF_INET6 ? 16 : 4);
}

static int
cmp_svc(const void *x, const void *y)
{
	const struct ipvs_svc *a = x, *b = y;
	int c;

	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	if (a->fwmark != b->fwmark)
		return a->fwmark < b->fwmark ? -1 : 1;
	if (a->fwmark != 0)
		return 0;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if ((c = cmp_addr(a->af, &a->addr, &b->addr)) != 0)
		return c;
	return a->port < b->port ? -1 : a->port > b->port;
}

static int
cmp_dest(const void *x, const void *y)
{
	const struct ipvs_dest *a = x, *b = y;
	int c;

	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	if ((c = cmp_addr(a->af, &a->addr, &b->addr)) != 0)
		return c;
	return a->port < b->port ? -1 : a->port > b->port;
}

static int
cmp_ridx(const void *x, const void *y)
{
	const struct ridx *a = x, *b = y;

	return a->id < b->id ? -1 : a->id > b->id;
}

static void
sort_tab(struct ipvs_tab *t)
{
	size_t i;

	if (t->ns > 1)
		qsort(t->s, t->ns, sizeof(*t->s), cmp_svc);
	for (i = 0; i < t->ns; i++)
		if (t->s[i].nd > 1)
			qsort(t->s[i].d, t->s[i].nd, sizeof(*t->s[i].d),
			    cmp_dest);
}

static struct ipvs_svc *
find_svc(const struct ipvs_tab *t, const struct ipvs_svc *k)
{
	return t->ns == 0 ? NULL :
	    bsearch(k, t->s, t->ns, sizeof(*t->s), cmp_svc);
}

static struct ipvs_dest *
find_dest(const struct ipvs_svc *s, const struct ipvs_dest *k)
{
	return s == NULL || s->nd == 0 ? NULL :
	    bsearch(k, s->d, s->nd, sizeof(*s->d), cmp_dest);
}

/* ---- the desired table in IPVS terms ---- */

static uint32_t
netmask_of(int af, unsigned plen)
{
	if (af == AF_INET6)
		return plen == 0 ? 128 : plen;
	if (plen == 0 || plen >= 32)
		return 0xffffffffu;
	return htonl(~0u << (32 - plen));
}

static uint8_t
plen_of(int af, uint32_t netmask)
{
	uint32_t m;
	uint8_t n = 0;

	if (af == AF_INET6)
		return netmask >= 128 ? 0 : (uint8_t)netmask;
	for (m = ntohl(netmask); m & 0x80000000u; m <<= 1)
		n++;
	return n >= 32 ? 0 : n;
}

static int
sched_known(const char *name)
{
	size_t i;

	for (i = 0; scheds[i] != NULL; i++)
		if (strcmp(scheds[i], name) == 0)
			return 1;
	return 0;
}

static void
copy_addr(int af, union dir_addr *dst, const union dir_addr *src)
{
	memset(dst, 0, sizeof(*dst));
	memcpy(dst, src, af == AF_INET6 ? 16 : 4);
}

int
dir_ipvs_check_table(const struct dir_table *t, struct ipvs_tab *out,
    char *err, size_t errlen)
{
	size_t i, j;
	char k[80];

	out->s = NULL;
	out->ns = 0;
	if (t->nsvcs == 0)
		return 0;
	if ((out->s = calloc(t->nsvcs, sizeof(*out->s))) == NULL)
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	for (i = 0; i < t->nsvcs; i++) {
		const struct dir_service *ds = &t->svcs[i];
		struct ipvs_svc *s = &out->s[i];
		const char *sched = ds->sched[0] != '\0' ? ds->sched : "wrr";

		out->ns = i + 1;
		dir_svc_key(ds, k, sizeof(k));
		if (ds->family != AF_INET && ds->family != AF_INET6)
			goto bad_family;
		s->af = ds->family;
		s->id = ds->id;
		s->fwmark = ds->fwmark;
		if (ds->fwmark == 0) {
			if (ds->proto != IPPROTO_TCP &&
			    ds->proto != IPPROTO_UDP &&
			    ds->proto != IPPROTO_SCTP) {
				dir_err(err, errlen, -EINVAL, "service %s: "
				    "protocol %d: IPVS balances tcp, udp and "
				    "sctp", k, ds->proto);
				goto fail;
			}
			if (ds->port == 0 && ds->persist == 0) {
				dir_err(err, errlen, -EINVAL, "service %s: "
				    "port 0 (all ports) needs persistence",
				    k);
				goto fail;
			}
			s->proto = ds->proto;
			copy_addr(s->af, &s->addr, &ds->addr);
			s->port = ds->port;
		}
		if (!sched_known(sched)) {
			dir_err(err, errlen, -EINVAL, "service %s: scheduler "
			    "%s is not an IPVS scheduler (rr wrr lc wlc lblc "
			    "lblcr dh sh sed nq fo ovf mh twos)", k, sched);
			goto fail;
		}
		snprintf(s->sched, sizeof(s->sched), "%s", sched);
		if ((unsigned)ds->fwd >= DIR_FWD__COUNT) {
			dir_err(err, errlen, -EINVAL, "service %s: forwarding "
			    "method %d unknown", k, (int)ds->fwd);
			goto fail;
		}
		if (ds->persist_plen > (s->af == AF_INET6 ? 128 : 32)) {
			dir_err(err, errlen, -EINVAL, "service %s: "
			    "persistence prefix /%u is longer than the "
			    "address", k, ds->persist_plen);
			goto fail;
		}
		if (ds->flags & ~(DIR_SVC_ONEPACKET | DIR_SVC_SCHED_F1 |
		    DIR_SVC_SCHED_F2 | DIR_SVC_SCHED_F3)) {
			dir_err(err, errlen, -EINVAL, "service %s: unknown "
			    "flags 0x%x", k, ds->flags);
			goto fail;
		}
		if ((ds->flags & DIR_SVC_ONEPACKET) &&
		    ds->proto != IPPROTO_UDP && ds->fwmark == 0) {
			dir_err(err, errlen, -EINVAL, "service %s: one-packet "
			    "scheduling is for udp", k);
			goto fail;
		}
		s->flags = (ds->persist ? IP_VS_SVC_F_PERSISTENT : 0) |
		    (ds->flags & DIR_SVC_ONEPACKET ?
		    IP_VS_SVC_F_ONEPACKET : 0) |
		    (ds->flags & DIR_SVC_SCHED_F1 ? IP_VS_SVC_F_SCHED1 : 0) |
		    (ds->flags & DIR_SVC_SCHED_F2 ? IP_VS_SVC_F_SCHED2 : 0) |
		    (ds->flags & DIR_SVC_SCHED_F3 ? IP_VS_SVC_F_SCHED3 : 0);
		s->timeout = ds->persist;
		s->netmask = netmask_of(s->af, ds->persist_plen);
		if (ds->nreals == 0)
			continue;
		if ((s->d = calloc(ds->nreals, sizeof(*s->d))) == NULL) {
			dir_err(err, errlen, -ENOMEM, "out of memory");
			goto fail;
		}
		for (j = 0; j < ds->nreals; j++) {
			const struct dir_real *r = &ds->reals[j];
			struct ipvs_dest *d = &s->d[j];
			char a[INET6_ADDRSTRLEN];

			s->nd = j + 1;
			dir_addr_str(r->family, &r->addr, a, sizeof(a));
			if (r->family != AF_INET && r->family != AF_INET6) {
				dir_err(err, errlen, -EINVAL, "service %s: "
				    "real %u: address family %d", k, r->id,
				    r->family);
				goto fail;
			}
			if (r->family != ds->family &&
			    ds->fwd != DIR_FWD_TUN) {
				dir_err(err, errlen, -EINVAL, "service %s: "
				    "real %s: IPVS mixes IPv4 and IPv6 only "
				    "when tunnelling", k, a);
				goto fail;
			}
			if (r->weight > DIR_WEIGHT_MAX) {
				dir_err(err, errlen, -EINVAL, "service %s: "
				    "real %s: weight %u not in 0..%u", k, a,
				    r->weight, DIR_WEIGHT_MAX);
				goto fail;
			}
			if (r->l_thresh > r->u_thresh && r->u_thresh != 0) {
				dir_err(err, errlen, -EINVAL, "service %s: "
				    "real %s: lower threshold %u above the "
				    "upper %u", k, a, r->l_thresh,
				    r->u_thresh);
				goto fail;
			}
			d->af = r->family;
			copy_addr(d->af, &d->addr, &r->addr);
			/* Port 0 on a fwmark service: the client's. */
			d->port = r->port;
			d->fwd = fwd_ipvs[ds->fwd];
			d->weight = r->weight;
			d->u_thresh = r->u_thresh;
			d->l_thresh = r->l_thresh;
			d->id = r->id;
		}
	}
	sort_tab(out);
	/* Duplicates: the same key twice, the same real twice. */
	for (i = 0; i < out->ns; i++) {
		struct ipvs_svc *s = &out->s[i];

		if (i > 0 && cmp_svc(&out->s[i - 1], s) == 0) {
			dir_err(err, errlen, -EINVAL, "service %s is in the "
			    "table twice", ipvs_svc_str(s, k, sizeof(k)));
			goto fail;
		}
		for (j = 1; j < s->nd; j++)
			if (cmp_dest(&s->d[j - 1], &s->d[j]) == 0) {
				char a[INET6_ADDRSTRLEN];

				dir_err(err, errlen, -EINVAL, "service %s: "
				    "real %s port %u is in it twice",
				    ipvs_svc_str(s, k, sizeof(k)),
				    dir_addr_str(s->d[j].af, &s->d[j].addr, a,
				    sizeof(a)), s->d[j].port);
				goto fail;
			}
	}
	return 0;
bad_family:
	dir_err(err, errlen, -EINVAL, "service %s: address family %d", k,
	    t->svcs[i].family);
fail:
	ipvs_tab_free(out);
	return -EINVAL;
}

/* Real ids must be unique: apply finds reals by id alone. */
static int
build_ridx(const struct ipvs_tab *t, struct ridx **out, size_t *nout,
    char *err, size_t errlen)
{
	struct ridx *x;
	size_t i, j, n = 0;

	for (i = 0; i < t->ns; i++)
		n += t->s[i].nd;
	if ((x = calloc(n + 1, sizeof(*x))) == NULL)
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	n = 0;
	for (i = 0; i < t->ns; i++)
		for (j = 0; j < t->s[i].nd; j++) {
			x[n].id = t->s[i].d[j].id;
			x[n].si = (uint32_t)i;
			x[n].di = (uint32_t)j;
			n++;
		}
	if (n > 1)
		qsort(x, n, sizeof(*x), cmp_ridx);
	for (i = 1; i < n; i++)
		if (x[i].id == x[i - 1].id) {
			char k[80];

			dir_err(err, errlen, -EINVAL, "service %s: real id %u "
			    "is used twice in the table",
			    ipvs_svc_str(&t->s[x[i].si], k, sizeof(k)),
			    x[i].id);
			free(x);
			return -EINVAL;
		}
	*out = x;
	*nout = n;
	return 0;
}

/* ---- sending a change set ---- */

struct opv {
	struct ipvs_op	*v;
	size_t		 n, cap;
};

static int
op_add(struct opv *o, uint8_t cmd, const struct ipvs_svc *s,
    const struct ipvs_dest *d, uint8_t ucmd, const struct ipvs_svc *us,
    const struct ipvs_dest *ud)
{
	if (o->n == o->cap) {
		size_t c = o->cap ? o->cap * 2 : 64;
		struct ipvs_op *p = realloc(o->v, c * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		o->v = p;
		o->cap = c;
	}
	o->v[o->n++] = (struct ipvs_op){ .cmd = cmd, .s = s, .d = d,
	    .ucmd = ucmd, .us = us, .ud = ud };
	return 0;
}

/*
 * Send the ops; if one fails, undo those that went through and report the
 * first failure with what it was doing.
 */
static int
run_ops(struct dir_backend *b, const struct ipvs_op *ops, size_t n,
    char *err, size_t errlen)
{
	struct ipvs_op *undo;
	size_t i, j, nu = 0, fi = n;
	int *res, *ures, r, ur = 0;
	char what[160], uerr[256] = "";

	if (n == 0)
		return 0;
	if ((res = calloc(n, sizeof(*res))) == NULL)
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	r = ipvs_nl_exec(b->nl, ops, n, 0, res, err, errlen);
	if (r == 0) {
		free(res);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (res[i] < 0) {
			fi = i;
			break;
		}
	/* The undo list: the ops that went through, last first. */
	undo = calloc(n, sizeof(*undo));
	ures = calloc(n, sizeof(*ures));
	if (undo != NULL && ures != NULL) {
		for (i = n; i-- > 0;)
			if (res[i] == 0)
				undo[nu++] = ops[i];
		ur = nu ? ipvs_nl_exec(b->nl, undo, nu, 1, ures, uerr,
		    sizeof(uerr)) : 0;
		if (ur < 0 && uerr[0] == '\0')
			for (j = 0; j < nu; j++)
				if (ures[j] < 0) {
					ipvs_op_str(&undo[j], 1, what,
					    sizeof(what));
					snprintf(uerr, sizeof(uerr), "%s: %s",
					    what, strerror(-ures[j]));
					break;
				}
	} else {
		ur = -ENOMEM;
		snprintf(uerr, sizeof(uerr), "out of memory");
	}
	if (fi < n) {
		const struct ipvs_op *o = &ops[fi];

		r = res[fi];
		if (r == -ENOENT && (o->cmd == IPVS_CMD_NEW_SERVICE ||
		    o->cmd == IPVS_CMD_SET_SERVICE)) {
			char k[80];

			dir_err(err, errlen, r, "ipvs: service %s: scheduler "
			    "%s: module ip_vs_%s not available",
			    ipvs_svc_str(o->s, k, sizeof(k)), o->s->sched,
			    o->s->sched);
		} else if (r == -EINVAL && o->cmd == IPVS_CMD_NEW_DEST) {
			/* IPVS takes a real only if the namespace routes
			 * its address (a local table exists: lo is up) */
			dir_err(err, errlen, r, "ipvs: %s: %s (IPVS refuses a "
			    "real whose address this network namespace "
			    "cannot route: is lo up, is there a route?)",
			    ipvs_op_str(o, 0, what, sizeof(what)),
			    strerror(-r));
		} else {
			dir_err(err, errlen, r, "ipvs: %s: %s",
			    ipvs_op_str(o, 0, what, sizeof(what)),
			    strerror(-r));
		}
	}
	if (ur < 0) {
		size_t l = strlen(err);

		snprintf(err + l, errlen > l ? errlen - l : 0, "; undoing %zu "
		    "earlier changes failed too (%s): the kernel's table "
		    "differs until the next sync", nu, uerr);
	}
	free(res);
	free(undo);
	free(ures);
	return r < 0 ? r : -EIO;
}

static int
same_svc_attrs(const struct ipvs_svc *a, const struct ipvs_svc *b)
{
	return strcmp(a->sched, b->sched) == 0 && a->flags == b->flags &&
	    a->timeout == b->timeout && a->netmask == b->netmask;
}

static int
same_dest_attrs(const struct ipvs_dest *a, const struct ipvs_dest *b)
{
	return a->fwd == b->fwd && a->weight == b->weight &&
	    a->u_thresh == b->u_thresh && a->l_thresh == b->l_thresh;
}

/* The changes that turn k (the kernel's, sorted) into d (sorted). */
static int
diff(const struct ipvs_tab *k, const struct ipvs_tab *d, struct opv *o)
{
	size_t i = 0, j = 0, x, y;
	int r = 0;

	while (r == 0 && (i < k->ns || j < d->ns)) {
		const struct ipvs_svc *ks = i < k->ns ? &k->s[i] : NULL;
		const struct ipvs_svc *ds = j < d->ns ? &d->s[j] : NULL;
		int c = ks == NULL ? 1 : ds == NULL ? -1 : cmp_svc(ks, ds);

		if (c < 0) {
			r = op_add(o, IPVS_CMD_DEL_SERVICE, ks, NULL,
			    IPVS_CMD_NEW_SERVICE, ks, NULL);
			i++;
			continue;
		}
		if (c > 0) {
			r = op_add(o, IPVS_CMD_NEW_SERVICE, ds, NULL,
			    IPVS_CMD_DEL_SERVICE, ds, NULL);
			for (y = 0; r == 0 && y < ds->nd; y++)
				r = op_add(o, IPVS_CMD_NEW_DEST, ds,
				    &ds->d[y], IPVS_CMD_DEL_DEST, ds,
				    &ds->d[y]);
			j++;
			continue;
		}
		if (!same_svc_attrs(ks, ds))
			r = op_add(o, IPVS_CMD_SET_SERVICE, ds, NULL,
			    IPVS_CMD_SET_SERVICE, ks, NULL);
		x = y = 0;
		while (r == 0 && (x < ks->nd || y < ds->nd)) {
			const struct ipvs_dest *kd = x < ks->nd ? &ks->d[x] :
			    NULL;
			const struct ipvs_dest *dd = y < ds->nd ? &ds->d[y] :
			    NULL;
			int e = kd == NULL ? 1 : dd == NULL ? -1 :
			    cmp_dest(kd, dd);

			if (e < 0) {
				r = op_add(o, IPVS_CMD_DEL_DEST, ds, kd,
				    IPVS_CMD_NEW_DEST, ks, kd);
				x++;
			} else if (e > 0) {
				r = op_add(o, IPVS_CMD_NEW_DEST, ds, dd,
				    IPVS_CMD_DEL_DEST, ds, dd);
				y++;
			} else {
				if (!same_dest_attrs(kd, dd))
					r = op_add(o, IPVS_CMD_SET_DEST, ds,
					    dd, IPVS_CMD_SET_DEST, ks, kd);
				x++;
				y++;
			}
		}
		i++;
		j++;
	}
	return r;
}

/* ---- hooks ---- */

static int
ipvs_available(char *err, size_t errlen)
{
	char e2[160] = "";
	int r;

	r = dir_ipvs_family_present(err, errlen);
	if (r == 0) {
		/* Not loaded yet, or not there at all. */
		if (dir_ipvs_modprobe(e2, sizeof(e2)) < 0)
			return dir_err(err, errlen, -ENOENT, "no IPVS in this "
			    "kernel (generic netlink family IPVS not found; "
			    "%s)", e2);
		r = dir_ipvs_family_present(err, errlen);
		if (r == 0)
			return dir_err(err, errlen, -ENOENT, "no IPVS in this "
			    "kernel (generic netlink family IPVS not found "
			    "after modprobe ip_vs)");
	}
	return r < 0 ? r : 0;
}

static int
ipvs_open(struct dir_backend **out, char *err, size_t errlen)
{
	struct dir_backend *b = calloc(1, sizeof(*b));
	int r;

	if (b == NULL)
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	if ((r = ipvs_nl_open(&b->nl, err, errlen)) < 0) {
		free(b);
		return r;
	}
	*out = b;
	return 0;
}

static void
ipvs_close(struct dir_backend *b)
{
	if (b == NULL)
		return;
	ipvs_nl_close(b->nl);
	ipvs_tab_free(&b->t);
	free(b->ridx);
	free(b);
}

/*
 * IPVS loads a scheduler's module itself (request_module) where the
 * kernel can run modprobe; where it cannot (a container, modprobe path
 * unset) we try once per name, as ipvsadm's users would by hand.  Only
 * for a module not loaded yet: at start or when the table asks for a new
 * scheduler, bounded by dir_modprobe's 5 s.  A failure is left to the
 * kernel's answer, which names the module.
 */
static void
load_scheds(const struct ipvs_tab *t)
{
	char path[64], mod[32], e[160];
	size_t i, j;

	for (i = 0; i < t->ns; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(t->s[j].sched, t->s[i].sched) == 0)
				break;
		if (j < i)
			continue;
		snprintf(mod, sizeof(mod), "ip_vs_%s", t->s[i].sched);
		snprintf(path, sizeof(path), "/sys/module/%s", mod);
		if (access(path, F_OK) == 0 || access("/sys/module",
		    F_OK) != 0)
			continue;
		(void)dir_modprobe(mod, e, sizeof(e));
	}
}

static int
ipvs_sync(struct dir_backend *b, const struct dir_table *desired, char *err,
    size_t errlen)
{
	struct ipvs_tab want, cur;
	struct opv o = { NULL, 0, 0 };
	struct ridx *ri = NULL;
	size_t nri = 0;
	int r;

	if ((r = dir_ipvs_check_table(desired, &want, err, errlen)) < 0)
		return r;
	if ((r = build_ridx(&want, &ri, &nri, err, errlen)) < 0) {
		ipvs_tab_free(&want);
		return r;
	}
	if ((r = ipvs_nl_read(b->nl, &cur, err, errlen)) < 0) {
		ipvs_tab_free(&want);
		free(ri);
		return r;
	}
	sort_tab(&cur);
	load_scheds(&want);
	if ((r = diff(&cur, &want, &o)) < 0)
		dir_err(err, errlen, r, "out of memory");
	else
		r = run_ops(b, o.v, o.n, err, errlen);
	free(o.v);
	ipvs_tab_free(&cur);
	if (r < 0) {
		ipvs_tab_free(&want);
		free(ri);
		return r;
	}
	ipvs_tab_free(&b->t);
	free(b->ridx);
	b->t = want;
	b->ridx = ri;
	b->nridx = nri;
	return 0;
}

static struct ridx *
find_real(struct dir_backend *b, uint32_t id)
{
	struct ridx k = { .id = id };

	return b->nridx == 0 ? NULL :
	    bsearch(&k, b->ridx, b->nridx, sizeof(k), cmp_ridx);
}

static int
ipvs_apply(struct dir_backend *b, const struct dir_change *ch, size_t n,
    char *err, size_t errlen)
{
	struct ipvs_dest *nd = NULL;
	struct opv o = { NULL, 0, 0 };
	struct ridx *x;
	uint32_t *slot = NULL;		/* ridx index -> nd index + 1 */
	size_t i, nn = 0;
	int r = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		x = find_real(b, ch[i].real_id);
		if (x == NULL || b->t.s[x->si].id != ch[i].svc_id)
			return dir_err(err, errlen, -ENOENT, "service %u has "
			    "no real %u in the kernel's table (sync first)",
			    ch[i].svc_id, ch[i].real_id);
		if (ch[i].weight > DIR_WEIGHT_MAX)
			return dir_err(err, errlen, -EINVAL, "service %u: "
			    "real %u: weight %u not in 0..%u", ch[i].svc_id,
			    ch[i].real_id, ch[i].weight, DIR_WEIGHT_MAX);
	}
	nd = calloc(n, sizeof(*nd));
	slot = calloc(b->nridx, sizeof(*slot));
	if (nd == NULL || slot == NULL) {
		r = dir_err(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	/* The same real twice: the last weight wins, one message. */
	for (i = 0; i < n; i++) {
		size_t k;

		x = find_real(b, ch[i].real_id);
		k = (size_t)(x - b->ridx);
		if (slot[k] == 0) {
			nd[nn] = b->t.s[x->si].d[x->di];
			slot[k] = (uint32_t)++nn;
		}
		nd[slot[k] - 1].weight = ch[i].weight;
	}
	for (i = 0; i < b->nridx && r == 0; i++) {
		const struct ipvs_svc *s;
		const struct ipvs_dest *old;

		if (slot[i] == 0)
			continue;
		s = &b->t.s[b->ridx[i].si];
		old = &s->d[b->ridx[i].di];
		if (old->weight == nd[slot[i] - 1].weight)
			continue;
		r = op_add(&o, IPVS_CMD_SET_DEST, s, &nd[slot[i] - 1],
		    IPVS_CMD_SET_DEST, s, old);
	}
	if (r < 0) {
		dir_err(err, errlen, r, "out of memory");
		goto out;
	}
	if ((r = run_ops(b, o.v, o.n, err, errlen)) < 0)
		goto out;
	for (i = 0; i < b->nridx; i++)
		if (slot[i] != 0)
			b->t.s[b->ridx[i].si].d[b->ridx[i].di].weight =
			    nd[slot[i] - 1].weight;
out:
	free(o.v);
	free(nd);
	free(slot);
	return r;
}

static enum dir_fwd
fwd_of(uint32_t fwd)
{
	switch (fwd) {
	case IP_VS_CONN_F_DROUTE:
		return DIR_FWD_DR;
	case IP_VS_CONN_F_TUNNEL:
		return DIR_FWD_TUN;
	default:
		return DIR_FWD_NAT;
	}
}

/* By id; unknown ones (id 0) by key (qsort is not stable). */
static int
cmp_dir_svc(const void *x, const void *y)
{
	const struct dir_service *a = x, *b = y;
	int c;

	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->fwmark != b->fwmark)
		return a->fwmark < b->fwmark ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if ((c = memcmp(&a->addr, &b->addr, sizeof(a->addr))) != 0)
		return c;
	return a->port < b->port ? -1 : a->port > b->port;
}

static int
cmp_dir_real(const void *x, const void *y)
{
	const struct dir_real *a = x, *b = y;
	int c;

	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if ((c = memcmp(&a->addr, &b->addr, sizeof(a->addr))) != 0)
		return c;
	return a->port < b->port ? -1 : a->port > b->port;
}

static int
ipvs_read_stats(struct dir_backend *b, struct dir_table *out, char *err,
    size_t errlen)
{
	struct ipvs_tab k;
	size_t i, j;
	int r;

	out->svcs = NULL;
	out->nsvcs = 0;
	if ((r = ipvs_nl_read(b->nl, &k, err, errlen)) < 0)
		return r;
	sort_tab(&k);
	if (k.ns > 0 && (out->svcs = calloc(k.ns, sizeof(*out->svcs))) ==
	    NULL)
		goto nomem;
	for (i = 0; i < k.ns; i++) {
		const struct ipvs_svc *ks = &k.s[i];
		const struct ipvs_svc *mine = find_svc(&b->t, ks);
		struct dir_service *s = &out->svcs[i];

		out->nsvcs = i + 1;
		s->id = mine != NULL ? mine->id : 0;
		s->family = ks->af;
		s->proto = ks->fwmark ? 0 : ks->proto;
		copy_addr(ks->af, &s->addr, &ks->addr);
		s->port = ks->port;
		s->fwmark = ks->fwmark;
		snprintf(s->sched, sizeof(s->sched), "%s", ks->sched);
		s->fwd = ks->nd > 0 ? fwd_of(ks->d[0].fwd) : DIR_FWD_NAT;
		s->conns = ks->conns;
		s->persist = ks->flags & IP_VS_SVC_F_PERSISTENT ?
		    ks->timeout : 0;
		s->persist_plen = s->persist ? plen_of(ks->af, ks->netmask) :
		    0;
		s->flags = (ks->flags & IP_VS_SVC_F_ONEPACKET ?
		    DIR_SVC_ONEPACKET : 0) |
		    (ks->flags & IP_VS_SVC_F_SCHED1 ? DIR_SVC_SCHED_F1 : 0) |
		    (ks->flags & IP_VS_SVC_F_SCHED2 ? DIR_SVC_SCHED_F2 : 0) |
		    (ks->flags & IP_VS_SVC_F_SCHED3 ? DIR_SVC_SCHED_F3 : 0);
		if (ks->nd == 0)
			continue;
		if ((s->reals = calloc(ks->nd, sizeof(*s->reals))) == NULL)
			goto nomem;
		s->nreals = ks->nd;
		for (j = 0; j < ks->nd; j++) {
			const struct ipvs_dest *kd = &ks->d[j];
			const struct ipvs_dest *md = find_dest(mine, kd);
			struct dir_real *d = &s->reals[j];

			d->id = md != NULL ? md->id : 0;
			d->family = kd->af;
			copy_addr(kd->af, &d->addr, &kd->addr);
			d->port = kd->port;
			d->weight = kd->weight;
			d->stats = kd->stats;
			d->u_thresh = kd->u_thresh;
			d->l_thresh = kd->l_thresh;
		}
		qsort(s->reals, s->nreals, sizeof(*s->reals), cmp_dir_real);
	}
	if (out->nsvcs > 1)
		qsort(out->svcs, out->nsvcs, sizeof(*out->svcs), cmp_dir_svc);
	ipvs_tab_free(&k);
	return 0;
nomem:
	ipvs_tab_free(&k);
	dir_table_free(out);
	return dir_err(err, errlen, -ENOMEM, "out of memory");
}

static int
ipvs_flush(struct dir_backend *b, char *err, size_t errlen)
{
	int r = ipvs_nl_flush(b->nl, err, errlen);

	if (r == 0) {
		ipvs_tab_free(&b->t);
		free(b->ridx);
		b->ridx = NULL;
		b->nridx = 0;
	}
	return r;
}

static int
ipvs_set_timeouts(struct dir_backend *b, const struct dir_timeouts *t,
    char *err, size_t errlen)
{
	if (t->tcp == 0 && t->tcp_fin == 0 && t->udp == 0)
		return 0;
	return ipvs_nl_set_timeouts(b->nl, t, err, errlen);
}

static int
ipvs_get_timeouts(struct dir_backend *b, struct dir_timeouts *t, char *err,
    size_t errlen)
{
	return ipvs_nl_get_timeouts(b->nl, t, err, errlen);
}

static int
ipvs_daemon_start(struct dir_backend *b, const struct dir_sync_daemon *d,
    char *err, size_t errlen)
{
	if (d->role != DIR_SYNC_MASTER && d->role != DIR_SYNC_BACKUP)
		return dir_err(err, errlen, -EINVAL, "ipvs: sync daemon: "
		    "role %d is neither master nor backup", (int)d->role);
	if (d->ifname[0] == '\0')
		return dir_err(err, errlen, -EINVAL, "ipvs: sync daemon: no "
		    "multicast interface");
	if (d->syncid > 255)
		return dir_err(err, errlen, -EINVAL, "ipvs: sync daemon: "
		    "syncid %u not in 0..255", d->syncid);
	return ipvs_nl_daemon_start(b->nl, d, err, errlen);
}

static int
ipvs_daemon_stop(struct dir_backend *b, enum dir_sync_role role, char *err,
    size_t errlen)
{
	return ipvs_nl_daemon_stop(b->nl, role, err, errlen);
}

static int
ipvs_daemon_read(struct dir_backend *b, struct dir_sync_daemon out[2],
    size_t *n, char *err, size_t errlen)
{
	return ipvs_nl_daemon_read(b->nl, out, n, err, errlen);
}

const struct dir_backend_ops dir_ipvs_ops = {
	.name		= "ipvs",
	.available	= ipvs_available,
	.open		= ipvs_open,
	.sync		= ipvs_sync,
	.apply		= ipvs_apply,
	.read_stats	= ipvs_read_stats,
	.close		= ipvs_close,
	.flush		= ipvs_flush,
	.caps		= DIR_CAP_FWMARK | DIR_CAP_SCTP | DIR_CAP_PERSIST |
			  DIR_CAP_ONEPACKET | DIR_CAP_SCHED_FLAGS |
			  DIR_CAP_THRESH | DIR_CAP_DR | DIR_CAP_TUN |
			  DIR_CAP_TIMEOUTS | DIR_CAP_SYNC_DAEMON,
	.scheds		= scheds,
	.set_timeouts	= ipvs_set_timeouts,
	.get_timeouts	= ipvs_get_timeouts,
	.sync_daemon_start = ipvs_daemon_start,
	.sync_daemon_stop = ipvs_daemon_stop,
	.sync_daemon_read = ipvs_daemon_read,
};

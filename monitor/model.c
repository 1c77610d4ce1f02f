/* monitor/model.c - lookups and the kernel table view of the model. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "ha_int.h"
#include "model.h"

void
mon_model_free(struct mon_model *m)
{
	for (size_t i = 0; i < m->nsvcs; i++) {
		struct mon_service *svc = &m->svcs[i];

		for (size_t j = 0; j < svc->nreals; j++) {
			mon_probe_free(svc->reals[j].probe);
			mon_probe_free(svc->reals[j].agent);
			mon_ws_free(&svc->reals[j].ws);
		}
		free(svc->reals);
		free(svc->leaving);
		free(svc->name);
	}
	free(m->svcs);
	mon_alerts_free(m->alerts);
	mon_ha_conf_free(m->ha);
	free(m->global.control_socket);
	free(m->global.state_file);
	free(m->global.snmp_agentx);
	free(m->global.maintenance_dir);
	free(m->global.metrics);
	free(m->file);
	memset(m, 0, sizeof(*m));
}

struct mon_service *
mon_model_service(struct mon_model *m, const char *name)
{
	for (size_t i = 0; i < m->nsvcs; i++)
		if (strcmp(m->svcs[i].name, name) == 0)
			return &m->svcs[i];
	return NULL;
}

struct mon_real *
mon_model_real(struct mon_service *s, const char *key)
{
	int		family;
	union dir_addr	a;
	uint16_t	port;
	char		canon[sizeof(s->reals[0].key)];

	/* compare canonical forms: 2001:db8::0:1 is 2001:db8::1 */
	if (mon_addr_key_parse(key, &family, &a, &port) < 0)
		return NULL;
	mon_addr_key(family, &a, port, canon, sizeof(canon));
	for (size_t i = 0; i < s->nreals; i++)
		if (strcmp(s->reals[i].key, canon) == 0)
			return &s->reals[i];
	return NULL;
}

size_t
mon_model_nreals(const struct mon_model *m)
{
	size_t	n = 0;

	for (size_t i = 0; i < m->nsvcs; i++)
		n += m->svcs[i].nreals;
	return n;
}

int
mon_model_dir_table(const struct mon_model *m, struct dir_table *t)
{
	memset(t, 0, sizeof(*t));
	if (m->nsvcs == 0)
		return 0;
	if ((t->svcs = calloc(m->nsvcs, sizeof(*t->svcs))) == NULL)
		return -ENOMEM;
	t->nsvcs = m->nsvcs;
	for (size_t i = 0; i < m->nsvcs; i++) {
		const struct mon_service	*s = &m->svcs[i];
		struct dir_service		*d = &t->svcs[i];

		d->id = s->id;
		d->family = s->family;
		d->proto = s->proto;
		d->addr = s->addr;
		d->port = s->port;
		d->fwmark = s->fwmark;
		snprintf(d->sched, sizeof(d->sched), "%s", s->sched);
		d->fwd = s->fwd;
		d->persist = s->persist;
		d->persist_plen = s->persist_plen;
		d->flags = s->dir_flags;
		d->hash_seed = s->hash_seed;
		if ((d->reals = calloc(s->nreals + s->nleaving,
		    sizeof(*d->reals))) == NULL) {
			dir_table_free(t);
			return -ENOMEM;
		}
		d->nreals = 0;
		for (size_t j = 0; j < s->nreals; j++) {
			const struct mon_real	*r = &s->reals[j];

			/* on_down = "remove": a down real is not there */
			if (!r->in_table)
				continue;
			d->reals[d->nreals++] = (struct dir_real){ .id = r->id,
			    .family = r->family, .addr = r->addr,
			    .port = r->port, .weight = r->eff_weight,
			    .u_thresh = r->u_thresh, .l_thresh = r->l_thresh };
		}
		/* removed by a reload, draining: no new flows */
		for (size_t j = 0; j < s->nleaving; j++) {
			const struct mon_leaving *l = &s->leaving[j];

			d->reals[d->nreals++] = (struct dir_real){
			    .id = l->id, .family = l->family,
			    .addr = l->addr, .port = l->port, .weight = 0 };
		}
	}
	return 0;
}

/* "FILE:LINE: service web: KEY: needs backend ipvs (nft cannot)" */
static int
refuse(struct err *e, const struct mon_model *m, int line, const char *where,
    const char *key, unsigned cap, const char *backend, const char *extra)
{
	const struct dir_backend_ops	*can = dir_backend_with(cap);

	return err_set(e, -EOPNOTSUPP, "%s:%d: %s: %s: needs backend %s (%s "
	    "cannot%s)", m->file ? m->file : "config", line, where, key,
	    can != NULL ? can->name : "?", backend, extra ? extra : "");
}

int
mon_model_check_backend(const struct mon_model *m, const char *backend,
    struct err *e)
{
	const struct dir_backend_ops	*ops = dir_backend_find(backend);
	const struct dir_backend_ops	*ipvs = dir_backend_find("ipvs");
	const struct dir_timeouts	*t = &m->global.ipvs_timeouts;
	char				 where[256];

	if (ops == NULL)
		return 0;
	if ((t->tcp || t->tcp_fin || t->udp) &&
	    !(ops->caps & DIR_CAP_TIMEOUTS))
		return refuse(e, m, m->global.ipvs_line, "global", "ipvs",
		    DIR_CAP_TIMEOUTS, backend, NULL);
	for (size_t i = 0; i < m->nsvcs; i++) {
		const struct mon_service	*s = &m->svcs[i];
		static const unsigned		 fwd_cap[DIR_FWD__COUNT] = {
		    [DIR_FWD_NAT] = 0, [DIR_FWD_DR] = DIR_CAP_DR,
		    [DIR_FWD_TUN] = DIR_CAP_TUN };
		static const char *const	 fwd_key[DIR_FWD__COUNT] = {
		    [DIR_FWD_NAT] = "forward nat", [DIR_FWD_DR] =
		    "forward dr", [DIR_FWD_TUN] = "forward tun" };
		unsigned			 need;

		snprintf(where, sizeof(where), "service %s", s->name);
		need = fwd_cap[s->fwd];
		if (need != 0 && !(ops->caps & need))
			return refuse(e, m, s->line, where, fwd_key[s->fwd],
			    need, backend, NULL);
		if (s->fwmark != 0 && !(ops->caps & DIR_CAP_FWMARK))
			return refuse(e, m, s->line, where, "fwmark",
			    DIR_CAP_FWMARK, backend, NULL);
		if (s->proto == IPPROTO_SCTP && !(ops->caps & DIR_CAP_SCTP))
			return refuse(e, m, s->line, where, "protocol sctp",
			    DIR_CAP_SCTP, backend, NULL);
		if (!dir_backend_has_sched(ops, s->sched)) {
			char	list[128] = "";

			for (size_t k = 0; ops->scheds[k] != NULL; k++)
				snprintf(list + strlen(list), sizeof(list) -
				    strlen(list), "%s%s", k ? " " : "",
				    ops->scheds[k]);
			if (ipvs != NULL && ipvs != ops &&
			    dir_backend_has_sched(ipvs, s->sched))
				return err_set(e, -EOPNOTSUPP, "%s:%d: %s: "
				    "scheduler: %s needs backend ipvs (%s "
				    "does %s)", m->file ? m->file : "config",
				    s->line, where, s->sched, backend, list);
			return err_set(e, -EINVAL, "%s:%d: %s: scheduler: "
			    "\"%s\" is not a scheduler of backend %s (%s)",
			    m->file ? m->file : "config", s->line, where,
			    s->sched, backend, list);
		}
		/* IPVS's sh and mh hash with fixed keys: nothing to seed */
		if (s->hash_seed != 0 && strcmp(backend, "ipvs") == 0)
			return err_set(e, -EOPNOTSUPP, "%s:%d: %s: hash_seed: "
			    "needs backend nft (%s hashes with fixed keys: "
			    "use scheduler mh, the same on every director)",
			    m->file ? m->file : "config", s->line, where,
			    backend);
		if (s->persist != 0 && !(ops->caps & DIR_CAP_PERSIST))
			return refuse(e, m, s->line, where, "persistence",
			    DIR_CAP_PERSIST, backend, NULL);
		if ((s->dir_flags & DIR_SVC_ONEPACKET) &&
		    !(ops->caps & DIR_CAP_ONEPACKET))
			return refuse(e, m, s->line, where, "one_packet",
			    DIR_CAP_ONEPACKET, backend, NULL);
		if ((s->dir_flags & ~DIR_SVC_ONEPACKET) &&
		    !(ops->caps & DIR_CAP_SCHED_FLAGS))
			return refuse(e, m, s->line, where, "scheduler_flags",
			    DIR_CAP_SCHED_FLAGS, backend, NULL);
		for (size_t j = 0; j < s->nreals; j++) {
			const struct mon_real *r = &s->reals[j];

			if ((r->u_thresh || r->l_thresh) &&
			    !(ops->caps & DIR_CAP_THRESH)) {
				snprintf(where, sizeof(where), "service %s: "
				    "real %s", s->name, r->key);
				return refuse(e, m, r->line, where, r->u_thresh ?
				    "upper_threshold" : "lower_threshold",
				    DIR_CAP_THRESH, backend, NULL);
			}
		}
	}
	return 0;
}

void
mon_addr_key(int family, const union dir_addr *a, uint16_t port, char *buf,
    size_t len)
{
	char	txt[INET6_ADDRSTRLEN];

	inet_ntop(family, a, txt, sizeof(txt));
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", txt, port);
	else
		snprintf(buf, len, "%s:%u", txt, port);
}

int
mon_addr_key_parse(const char *s, int *family, union dir_addr *a,
    uint16_t *port)
{
	char		 host[INET6_ADDRSTRLEN + 1];
	const char	*colon, *start = s;
	size_t		 n;
	char		*end;
	unsigned long	 p;

	if (*s == '[') {
		start = s + 1;
		if ((colon = strchr(start, ']')) == NULL || colon[1] != ':')
			return -EINVAL;
		n = (size_t)(colon - start);
		colon++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -EINVAL;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, start, n);
	host[n] = '\0';
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno || p == 0 || p > 65535)
		return -EINVAL;
	if (*s != '[' && inet_pton(AF_INET, host, &a->v4) == 1)
		*family = AF_INET;
	else if (*s == '[' && inet_pton(AF_INET6, host, &a->v6) == 1)
		*family = AF_INET6;
	else
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

/*
 * director/dir.c - the backend table, "auto", and table helpers shared by
 * every backend.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "director/dir.h"
#include "director/dir_int.h"

/* IPVS first: "auto" prefers it, and it is the production packet core. */
const struct dir_backend_ops *const dir_backends[] = {
	&dir_ipvs_ops,
	&dir_nft_ops,
	&dir_none_ops,
	NULL
};

const struct dir_backend_ops *
dir_backend_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; dir_backends[i] != NULL; i++)
		if (strcmp(dir_backends[i]->name, name) == 0)
			return dir_backends[i];
	return NULL;
}

const struct dir_backend_ops *
dir_backend_with(unsigned caps)
{
	size_t i;

	/* none does everything by doing nothing: not worth naming */
	for (i = 0; dir_backends[i] != NULL; i++)
		if ((dir_backends[i]->caps & caps) == caps &&
		    dir_backends[i]->scheds != NULL)
			return dir_backends[i];
	return NULL;
}

int
dir_backend_has_sched(const struct dir_backend_ops *ops, const char *name)
{
	size_t i;

	if (ops->scheds == NULL)
		return 1;
	for (i = 0; ops->scheds[i] != NULL; i++)
		if (strcmp(ops->scheds[i], name) == 0)
			return 1;
	return 0;
}

/*
 * The lookup may load ip_vs (its genl alias); when the family is still
 * missing, "modprobe ip_vs" runs once and is waited for (at most 5 s,
 * usually a few ms).  Both block: auto is asked once, at start, before
 * the loop serves anything, so the wait holds nothing else up.
 */
const struct dir_backend_ops *
dir_backend_auto(char *why, size_t whylen)
{
	char err[160] = "", merr[160] = "";
	int r, loaded = 0;

	r = dir_ipvs_family_present(err, sizeof(err));
	if (r == 0) {
		if (dir_ipvs_modprobe(merr, sizeof(merr)) == 0) {
			loaded = 1;
			r = dir_ipvs_family_present(err, sizeof(err));
		}
	}
	if (r > 0) {
		dir_err(why, whylen, 0, "auto: kernel has IPVS (generic "
		    "netlink family IPVS%s); using ipvs", loaded ?
		    ", after modprobe ip_vs" : "");
		return &dir_ipvs_ops;
	}
	if (r == 0)
		dir_err(why, whylen, 0, "auto: no IPVS in this kernel (genl "
		    "family IPVS not found%s%s); using nft",
		    merr[0] ? "; " : "", merr);
	else
		dir_err(why, whylen, 0, "auto: cannot ask the kernel for "
		    "IPVS (%s); using nft", err);
	return &dir_nft_ops;
}

int
dir_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

void
dir_table_free(struct dir_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nsvcs; i++)
		free(t->svcs[i].reals);
	free(t->svcs);
	t->svcs = NULL;
	t->nsvcs = 0;
}

int
dir_table_copy(struct dir_table *dst, const struct dir_table *src)
{
	size_t i;

	dst->svcs = NULL;
	dst->nsvcs = 0;
	if (src->nsvcs == 0)
		return 0;
	dst->svcs = calloc(src->nsvcs, sizeof(*dst->svcs));
	if (dst->svcs == NULL)
		return -ENOMEM;
	for (i = 0; i < src->nsvcs; i++) {
		const struct dir_service *s = &src->svcs[i];
		struct dir_service *d = &dst->svcs[i];

		*d = *s;
		d->reals = NULL;
		d->nreals = 0;
		dst->nsvcs = i + 1;
		if (s->nreals == 0)
			continue;
		d->reals = malloc(s->nreals * sizeof(*d->reals));
		if (d->reals == NULL) {
			dir_table_free(dst);
			return -ENOMEM;
		}
		memcpy(d->reals, s->reals, s->nreals * sizeof(*d->reals));
		d->nreals = s->nreals;
	}
	return 0;
}

const char *
dir_addr_str(int family, const union dir_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (inet_ntop(family, a, buf, len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

const char *
dir_svc_key(const struct dir_service *s, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	const char *p = s->proto == IPPROTO_UDP ? "udp" :
	    s->proto == IPPROTO_TCP ? "tcp" :
	    s->proto == IPPROTO_SCTP ? "sctp" : "proto?";

	if (s->fwmark != 0) {
		snprintf(buf, len, "fwmark/%u", s->fwmark);
		return buf;
	}
	dir_addr_str(s->family, &s->addr, a, sizeof(a));
	if (s->family == AF_INET6)
		snprintf(buf, len, "%s/[%s]:%u", p, a, s->port);
	else
		snprintf(buf, len, "%s/%s:%u", p, a, s->port);
	return buf;
}

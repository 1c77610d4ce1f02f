/*
 * monitor/import_ipvs.c - the kernel's IPVS table, as it is now, into the
 * import model (monitor/import.h): what an existing director serves, so
 * that lvsmond can adopt it as it is.
 *
 * The table is read through the IPVS backend's own read (director/ipvs.c,
 * one generic-netlink dump), not by parsing ipvsadm's output.  Every real
 * gets a tcp check (icmp for udp and fwmark services, which have no port
 * to connect to for sure); its weight is the kernel's, so the first sync
 * of lvsmond changes nothing while the reals answer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "director/dir.h"
#include "import.h"

static const char *const fwd_names[] = { "nat", "dr", "tun" };

static void
flag(FILE *f, int *n, const char *name)
{
	fprintf(f, "%s\"%s\"", (*n)++ ? ", " : "", name);
}

int
mon_import_ipvs(struct mon_imp *m, struct err *e)
{
	const struct dir_backend_ops	*ops = dir_backend_find("ipvs");
	struct dir_backend		*b = NULL;
	struct dir_table		 t = { 0 };
	char				 msg[256] = "";
	int				 rc;

	if (ops == NULL)
		return err_set(e, -ENOSYS, "no ipvs backend in this build");
	if ((rc = ops->available(msg, sizeof(msg))) < 0 ||
	    (rc = ops->open(&b, msg, sizeof(msg))) < 0)
		return err_set(e, rc, "%s", msg);
	rc = ops->read_stats(b, &t, msg, sizeof(msg));
	ops->close(b);
	if (rc < 0)
		return err_set(e, rc, "reading the table: %s", msg);
	fprintf(m->head.f, "# %zu service(s) read from the kernel; each real "
	    "keeps its weight.\n", t.nsvcs);
	fputs("backend = \"ipvs\"; ", m->global.f);
	for (size_t i = 0; i < t.nsvcs; i++) {
		const struct dir_service	*s = &t.svcs[i];
		struct mon_imp_svc		*svc;
		char				 a[INET6_ADDRSTRLEN];
		char				 name[80];
		FILE				*f;
		int				 nf = 0, udp;

		dir_addr_str(s->family, &s->addr, a, sizeof(a));
		udp = s->fwmark != 0 || s->proto == IPPROTO_UDP;
		if (s->fwmark != 0)
			snprintf(name, sizeof(name), "fwmark%u%s", s->fwmark,
			    s->family == AF_INET6 ? "-v6" : "");
		else
			snprintf(name, sizeof(name), "%s-%s%s%s:%u",
			    s->proto == IPPROTO_UDP ? "udp" :
			    s->proto == IPPROTO_SCTP ? "sctp" : "tcp",
			    s->family == AF_INET6 ? "[" : "", a,
			    s->family == AF_INET6 ? "]" : "", s->port);
		svc = mon_imp_svc_add(m, name);
		f = svc->keys.f;
		if (s->fwmark != 0)
			fprintf(f, "fwmark = %u; family = \"%s\"; ",
			    s->fwmark, s->family == AF_INET6 ? "ipv6" :
			    "ipv4");
		else {
			fprintf(f, "address = \"%s\"; port = %u; ", a,
			    s->port);
			fprintf(f, "protocol = \"%s\"; ",
			    s->proto == IPPROTO_UDP ? "udp" :
			    s->proto == IPPROTO_SCTP ? "sctp" : "tcp");
		}
		fprintf(f, "scheduler = \"%s\"; forward = \"%s\"; ", s->sched,
		    (unsigned)s->fwd < 3 ? fwd_names[s->fwd] : "nat");
		if (s->persist > 0) {
			fprintf(f, "persistence = %u; ", s->persist);
			if (s->persist_plen > 0 &&
			    s->persist_plen < (s->family == AF_INET6 ? 128 :
			    32))
				fprintf(f, "persistence_prefix = %u; ",
				    s->persist_plen);
		}
		if (s->flags & DIR_SVC_ONEPACKET)
			fprintf(f, "one_packet = true; ");
		if (s->flags & (DIR_SVC_SCHED_F1 | DIR_SVC_SCHED_F2 |
		    DIR_SVC_SCHED_F3)) {
			int sh = strcmp(s->sched, "sh") == 0;
			int mh = strcmp(s->sched, "mh") == 0;

			fprintf(f, "scheduler_flags = [ ");
			if (s->flags & DIR_SVC_SCHED_F1)
				flag(f, &nf, sh ? "sh-fallback" : mh ?
				    "mh-fallback" : "flag-1");
			if (s->flags & DIR_SVC_SCHED_F2)
				flag(f, &nf, sh ? "sh-port" : mh ?
				    "mh-port" : "flag-2");
			if (s->flags & DIR_SVC_SCHED_F3)
				flag(f, &nf, "flag-3");
			fprintf(f, " ]; ");
		}
		/* a down real goes to weight 0, as a hand-made table that
		   an operator quiesces */
		fprintf(f, "on_down = \"weight0\";");
		fprintf(svc->check.f, "type = \"%s\"; interval = 5; "
		    "timeout = 2; rise = 1; fall = 3", udp ? "icmp" : "tcp");
		for (size_t j = 0; j < s->nreals; j++) {
			const struct dir_real	*r = &s->reals[j];
			struct mon_imp_real	*rs;
			char			 ra[INET6_ADDRSTRLEN];

			dir_addr_str(r->family, &r->addr, ra, sizeof(ra));
			rs = mon_imp_real_add(svc, ra, r->port);
			rs->weight = (int)r->weight;
			if (r->u_thresh > 0)
				fprintf(rs->keys.f, "upper_threshold = %u; ",
				    r->u_thresh);
			if (r->l_thresh > 0)
				fprintf(rs->keys.f, "lower_threshold = %u; ",
				    r->l_thresh);
		}
		if (s->nreals == 0)
			fprintf(svc->notes.f, "# no real server in the kernel "
			    "for this service\n");
	}
	dir_table_free(&t);
	return 0;
}

/*
 * t/tools/dirctl.c - drive a director backend without the daemon (tests,
 * lab, bench).
 *
 *   dirctl [-b nft|ipvs|none|auto] CMD [ARGS] [CMD [ARGS]] ...
 *     sync FILE                 make the kernel hold FILE's table
 *     apply SVC REAL WEIGHT ... weight changes, one batch (after the
 *                               table is adopted if this run did no sync)
 *     show                      read_stats as stable text
 *     flush                     remove everything the backend put there
 *     auto                      print what "auto" would pick and why
 *     timeouts-set TCP FIN UDP  connection timeouts in seconds (0 = keep)
 *     timeouts                  print "timeouts TCP FIN UDP"
 *     daemon-start master|backup IFN SYNCID
 *                               start the connection-sync daemon
 *     daemon-stop master|backup stop it
 *     daemons                   print "daemon ROLE IFN syncid N" lines
 *   (the last five: ipvs only; other backends say they cannot)
 *
 * Commands run in order in one process, so "sync F apply 1 2 0 show" uses
 * one backend instance, as the daemon would.
 *
 * FILE: one object per line, '#' comments; a real belongs to the service
 * above it; IPv6 addresses without brackets.
 *   service ID tcp|udp|sctp ADDR PORT SCHED [nat|dr|tun] [OPT...]
 *   service ID fwmark MARK inet|inet6 SCHED [nat|dr|tun] [OPT...]
 *   real ID ADDR PORT WEIGHT [upper=N] [lower=N]
 * service OPTs (ipvs): persist=SECONDS, persist_plen=BITS, onepacket,
 * sched_flag=1|2|3 (may repeat).
 *
 * show prints, services and reals sorted by id:
 *   service ID PROTO ADDR:PORT SCHED conns N [persist S/PLEN] [flags F]
 *   service ID fwmark MARK SCHED conns N ...      (fwmark services)
 *   real SVC ID ADDR:PORT weight W conns N inpkts N outpkts N inbytes N
 *     outbytes N [active N inactive N]   (one line; the last two when
 *     the backend knows them)
 * Exit 0 on success, 1 on failure with the backend's message on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "director/dir.h"

static int
parse_addr(const char *s, int *family, union dir_addr *a)
{
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

static int
load(const char *path, struct dir_table *t)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int ln = 0;

	t->svcs = NULL;
	t->nsvcs = 0;
	if (f == NULL) {
		fprintf(stderr, "dirctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *w[16], *save = NULL, *tok;
		int n = 0, k;

		ln++;
		if (strchr(line, '#') != NULL)
			*strchr(line, '#') = '\0';
		for (tok = strtok_r(line, " \t\r\n", &save); tok != NULL &&
		    n < 16; tok = strtok_r(NULL, " \t\r\n", &save))
			w[n++] = tok;
		if (n == 0)
			continue;
		if (strcmp(w[0], "service") == 0 && n >= 6) {
			struct dir_service *s, *p;

			p = realloc(t->svcs, (t->nsvcs + 1) * sizeof(*p));
			if (p == NULL)
				goto bad;
			t->svcs = p;
			s = &t->svcs[t->nsvcs++];
			memset(s, 0, sizeof(*s));
			s->id = (uint32_t)strtoul(w[1], NULL, 0);
			if (strcmp(w[2], "fwmark") == 0) {
				s->fwmark = (uint32_t)strtoul(w[3], NULL, 0);
				s->family = strcmp(w[4], "inet6") == 0 ?
				    AF_INET6 : AF_INET;
				if (s->fwmark == 0 || (strcmp(w[4], "inet")
				    != 0 && s->family != AF_INET6))
					goto bad;
			} else {
				s->proto = strcmp(w[2], "udp") == 0 ?
				    IPPROTO_UDP : strcmp(w[2], "tcp") == 0 ?
				    IPPROTO_TCP : strcmp(w[2], "sctp") == 0 ?
				    IPPROTO_SCTP : -1;
				if (s->proto < 0 || parse_addr(w[3],
				    &s->family, &s->addr) < 0)
					goto bad;
				s->port = (uint16_t)strtoul(w[4], NULL, 10);
			}
			snprintf(s->sched, sizeof(s->sched), "%.15s", w[5]);
			k = 6;
			s->fwd = DIR_FWD_NAT;
			if (n > 6 && strchr(w[6], '=') == NULL &&
			    strcmp(w[6], "onepacket") != 0) {
				s->fwd = strcmp(w[6], "nat") == 0 ?
				    DIR_FWD_NAT : strcmp(w[6], "dr") == 0 ?
				    DIR_FWD_DR : DIR_FWD_TUN;
				k = 7;
			}
			for (; k < n; k++) {
				if (strncmp(w[k], "persist=", 8) == 0)
					s->persist = (uint32_t)strtoul(w[k] + 8,
					    NULL, 10);
				else if (strncmp(w[k], "persist_plen=", 13)
				    == 0)
					s->persist_plen = (uint8_t)strtoul(
					    w[k] + 13, NULL, 10);
				else if (strcmp(w[k], "onepacket") == 0)
					s->flags |= DIR_SVC_ONEPACKET;
				else if (strcmp(w[k], "sched_flag=1") == 0)
					s->flags |= DIR_SVC_SCHED_F1;
				else if (strcmp(w[k], "sched_flag=2") == 0)
					s->flags |= DIR_SVC_SCHED_F2;
				else if (strcmp(w[k], "sched_flag=3") == 0)
					s->flags |= DIR_SVC_SCHED_F3;
				else
					goto bad;
			}
		} else if (strcmp(w[0], "real") == 0 && n >= 5 &&
		    t->nsvcs > 0) {
			struct dir_service *s = &t->svcs[t->nsvcs - 1];
			struct dir_real *r, *p;

			p = realloc(s->reals, (s->nreals + 1) * sizeof(*p));
			if (p == NULL)
				goto bad;
			s->reals = p;
			r = &s->reals[s->nreals++];
			memset(r, 0, sizeof(*r));
			r->id = (uint32_t)strtoul(w[1], NULL, 0);
			if (parse_addr(w[2], &r->family, &r->addr) < 0)
				goto bad;
			r->port = (uint16_t)strtoul(w[3], NULL, 10);
			r->weight = (uint32_t)strtoul(w[4], NULL, 10);
			for (k = 5; k < n; k++) {
				if (strncmp(w[k], "upper=", 6) == 0)
					r->u_thresh = (uint32_t)strtoul(
					    w[k] + 6, NULL, 10);
				else if (strncmp(w[k], "lower=", 6) == 0)
					r->l_thresh = (uint32_t)strtoul(
					    w[k] + 6, NULL, 10);
				else
					goto bad;
			}
		} else {
			goto bad;
		}
	}
	fclose(f);
	return 0;
bad:
	fprintf(stderr, "dirctl: %s:%d: cannot read this line\n", path, ln);
	fclose(f);
	dir_table_free(t);
	return -1;
}

static void
show(const struct dir_table *t)
{
	char a[INET6_ADDRSTRLEN];
	size_t i, j;

	for (i = 0; i < t->nsvcs; i++) {
		const struct dir_service *s = &t->svcs[i];
		const char *fmt = s->family == AF_INET6 ? "[%s]:%u" : "%s:%u";
		char ap[INET6_ADDRSTRLEN + 8];

		if (s->fwmark != 0)
			snprintf(ap, sizeof(ap), "%u", s->fwmark);
		else
			snprintf(ap, sizeof(ap), fmt, dir_addr_str(s->family,
			    &s->addr, a, sizeof(a)), s->port);
		printf("service %u %s %s %s conns %llu", s->id,
		    s->fwmark != 0 ? "fwmark" : s->proto == IPPROTO_UDP ?
		    "udp" : s->proto == IPPROTO_SCTP ? "sctp" : "tcp", ap,
		    s->sched, (unsigned long long)s->conns);
		if (s->persist != 0)
			printf(" persist %u/%u", s->persist, s->persist_plen);
		if (s->flags != 0)
			printf(" flags 0x%x", s->flags);
		printf("\n");
		for (j = 0; j < s->nreals; j++) {
			const struct dir_real *r = &s->reals[j];

			fmt = r->family == AF_INET6 ? "[%s]:%u" : "%s:%u";
			snprintf(ap, sizeof(ap), fmt, dir_addr_str(r->family,
			    &r->addr, a, sizeof(a)), r->port);
			printf("real %u %u %s weight %u conns %llu inpkts %llu "
			    "outpkts %llu inbytes %llu outbytes %llu", s->id,
			    r->id, ap, r->weight,
			    (unsigned long long)r->stats.conns,
			    (unsigned long long)r->stats.inpkts,
			    (unsigned long long)r->stats.outpkts,
			    (unsigned long long)r->stats.inbytes,
			    (unsigned long long)r->stats.outbytes);
			if (r->stats.active != 0 || r->stats.inactive != 0)
				printf(" active %u inactive %u",
				    r->stats.active, r->stats.inactive);
			printf("\n");
		}
	}
}

static int
role_of(const char *s)
{
	return strcmp(s, "master") == 0 ? DIR_SYNC_MASTER :
	    strcmp(s, "backup") == 0 ? DIR_SYNC_BACKUP : -1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: dirctl [-b nft|ipvs|none|auto] sync FILE | "
	    "apply SVC REAL WEIGHT ... | show | flush | auto ...\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const struct dir_backend_ops *ops = dir_backend_find("nft");
	struct dir_backend *b = NULL;
	char err[512] = "";
	int i = 1, synced = 0, rc = 0;

	if (argc > 2 && strcmp(argv[1], "-b") == 0) {
		if (strcmp(argv[2], "auto") == 0)
			ops = dir_backend_auto(err, sizeof(err));
		else
			ops = dir_backend_find(argv[2]);
		if (ops == NULL) {
			fprintf(stderr, "dirctl: no backend %s\n", argv[2]);
			return 2;
		}
		i = 3;
	}
	if (i >= argc)
		return usage();
	if (ops->open(&b, err, sizeof(err)) < 0) {
		fprintf(stderr, "dirctl: open %s: %s\n", ops->name, err);
		return 1;
	}
	while (i < argc && rc == 0) {
		const char *cmd = argv[i++];

		if (strcmp(cmd, "sync") == 0 && i < argc) {
			struct dir_table t;

			if (load(argv[i++], &t) < 0) {
				rc = 1;
				break;
			}
			if (ops->sync(b, &t, err, sizeof(err)) < 0) {
				fprintf(stderr, "dirctl: sync: %s\n", err);
				rc = 1;
			}
			dir_table_free(&t);
			synced = 1;
		} else if (strcmp(cmd, "apply") == 0) {
			struct dir_change *ch = NULL;
			size_t n = 0;

			while (i + 2 < argc && argv[i][0] >= '0' &&
			    argv[i][0] <= '9') {
				struct dir_change *p = realloc(ch,
				    (n + 1) * sizeof(*ch));

				if (p == NULL)
					break;
				ch = p;
				ch[n].svc_id = (uint32_t)strtoul(argv[i], 0, 0);
				ch[n].real_id = (uint32_t)strtoul(argv[i + 1],
				    0, 0);
				ch[n].weight = (uint32_t)strtoul(argv[i + 2],
				    0, 0);
				n++;
				i += 3;
			}
			if (!synced) {
				/* Adopt the kernel's table, as a restarted
				 * daemon does. */
				struct dir_table t;

				if (ops->read_stats(b, &t, err,
				    sizeof(err)) < 0 || ops->sync(b, &t, err,
				    sizeof(err)) < 0) {
					fprintf(stderr, "dirctl: adopt: %s\n",
					    err);
					rc = 1;
				}
				dir_table_free(&t);
				synced = 1;
			}
			if (rc == 0 && ops->apply(b, ch, n, err,
			    sizeof(err)) < 0) {
				fprintf(stderr, "dirctl: apply: %s\n", err);
				rc = 1;
			}
			free(ch);
		} else if (strcmp(cmd, "show") == 0) {
			struct dir_table t;

			if (ops->read_stats(b, &t, err, sizeof(err)) < 0) {
				fprintf(stderr, "dirctl: show: %s\n", err);
				rc = 1;
			} else {
				show(&t);
				dir_table_free(&t);
			}
		} else if (strcmp(cmd, "flush") == 0) {
			if (ops->flush != NULL && ops->flush(b, err,
			    sizeof(err)) < 0) {
				fprintf(stderr, "dirctl: flush: %s\n", err);
				rc = 1;
			}
		} else if (strcmp(cmd, "timeouts-set") == 0 && i + 2 < argc) {
			struct dir_timeouts to = {
			    (uint32_t)strtoul(argv[i], NULL, 10),
			    (uint32_t)strtoul(argv[i + 1], NULL, 10),
			    (uint32_t)strtoul(argv[i + 2], NULL, 10) };

			i += 3;
			if (ops->set_timeouts == NULL) {
				fprintf(stderr, "dirctl: backend %s has no "
				    "timeouts\n", ops->name);
				rc = 1;
			} else if (ops->set_timeouts(b, &to, err,
			    sizeof(err)) < 0) {
				fprintf(stderr, "dirctl: timeouts-set: %s\n",
				    err);
				rc = 1;
			}
		} else if (strcmp(cmd, "timeouts") == 0) {
			struct dir_timeouts to;

			if (ops->get_timeouts == NULL) {
				fprintf(stderr, "dirctl: backend %s has no "
				    "timeouts\n", ops->name);
				rc = 1;
			} else if (ops->get_timeouts(b, &to, err,
			    sizeof(err)) < 0) {
				fprintf(stderr, "dirctl: timeouts: %s\n", err);
				rc = 1;
			} else {
				printf("timeouts %u %u %u\n", to.tcp,
				    to.tcp_fin, to.udp);
			}
		} else if (strcmp(cmd, "daemon-start") == 0 && i + 2 < argc) {
			struct dir_sync_daemon d = { 0 };
			int role = role_of(argv[i]);

			snprintf(d.ifname, sizeof(d.ifname), "%s",
			    argv[i + 1]);
			d.syncid = (uint32_t)strtoul(argv[i + 2], NULL, 10);
			i += 3;
			d.role = (enum dir_sync_role)role;
			if (role < 0 || ops->sync_daemon_start == NULL) {
				fprintf(stderr, "dirctl: daemon-start: %s\n",
				    role < 0 ? "master or backup?" :
				    "this backend has no sync daemon");
				rc = 1;
			} else if (ops->sync_daemon_start(b, &d, err,
			    sizeof(err)) < 0) {
				fprintf(stderr, "dirctl: daemon-start: %s\n",
				    err);
				rc = 1;
			}
		} else if (strcmp(cmd, "daemon-stop") == 0 && i < argc) {
			int role = role_of(argv[i++]);

			if (role < 0 || ops->sync_daemon_stop == NULL) {
				fprintf(stderr, "dirctl: daemon-stop: %s\n",
				    role < 0 ? "master or backup?" :
				    "this backend has no sync daemon");
				rc = 1;
			} else if (ops->sync_daemon_stop(b,
			    (enum dir_sync_role)role, err, sizeof(err)) < 0) {
				fprintf(stderr, "dirctl: daemon-stop: %s\n",
				    err);
				rc = 1;
			}
		} else if (strcmp(cmd, "daemons") == 0) {
			struct dir_sync_daemon d[2];
			size_t n = 0, k;

			if (ops->sync_daemon_read == NULL) {
				fprintf(stderr, "dirctl: daemons: this backend "
				    "has no sync daemon\n");
				rc = 1;
			} else if (ops->sync_daemon_read(b, d, &n, err,
			    sizeof(err)) < 0) {
				fprintf(stderr, "dirctl: daemons: %s\n", err);
				rc = 1;
			}
			for (k = 0; rc == 0 && k < n; k++)
				printf("daemon %s %s syncid %u\n",
				    d[k].role == DIR_SYNC_MASTER ? "master" :
				    "backup", d[k].ifname, d[k].syncid);
		} else if (strcmp(cmd, "auto") == 0) {
			char why[256];

			printf("%s\n", dir_backend_auto(why, sizeof(why))->name);
			printf("%s\n", why);
		} else {
			rc = usage();
		}
	}
	ops->close(b);
	fflush(stdout);
	return rc;
}

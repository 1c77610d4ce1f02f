/*
 * t/tools/dirctl.c - drive a director backend without the daemon (tests,
 * lab, bench).
 *
 *   dirctl [-b nft|none|auto] CMD [ARGS] [CMD [ARGS]] ...
 *     sync FILE                 make the kernel hold FILE's table
 *     apply SVC REAL WEIGHT ... weight changes, one batch (after the
 *                               table is adopted if this run did no sync)
 *     show                      read_stats as stable text
 *     flush                     remove everything the backend put there
 *     auto                      print what "auto" would pick and why
 *
 * Commands run in order in one process, so "sync F apply 1 2 0 show" uses
 * one backend instance, as the daemon would.
 *
 * FILE: one object per line, '#' comments; a real belongs to the service
 * above it; IPv6 addresses without brackets.
 *   service ID tcp|udp ADDR PORT SCHED [nat|dr|tun]
 *   real ID ADDR PORT WEIGHT
 *
 * show prints, services and reals sorted by id:
 *   service ID PROTO ADDR:PORT SCHED conns N
 *   real SVC ID ADDR:PORT weight W conns N inpkts N outpkts N inbytes N
 *     outbytes N        (one line)
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
		char w[7][64] = { "" };
		int n;

		ln++;
		if (strchr(line, '#') != NULL)
			*strchr(line, '#') = '\0';
		n = sscanf(line, "%63s %63s %63s %63s %63s %63s %63s", w[0],
		    w[1], w[2], w[3], w[4], w[5], w[6]);
		if (n <= 0)
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
			s->proto = strcmp(w[2], "udp") == 0 ? IPPROTO_UDP :
			    strcmp(w[2], "tcp") == 0 ? IPPROTO_TCP : -1;
			if (s->proto < 0 || parse_addr(w[3], &s->family,
			    &s->addr) < 0)
				goto bad;
			s->port = (uint16_t)strtoul(w[4], NULL, 10);
			snprintf(s->sched, sizeof(s->sched), "%.15s", w[5]);
			s->fwd = n < 7 || strcmp(w[6], "nat") == 0 ?
			    DIR_FWD_NAT : strcmp(w[6], "dr") == 0 ? DIR_FWD_DR :
			    DIR_FWD_TUN;
		} else if (strcmp(w[0], "real") == 0 && n == 5 &&
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

		snprintf(ap, sizeof(ap), fmt,
		    dir_addr_str(s->family, &s->addr, a, sizeof(a)), s->port);
		printf("service %u %s %s %s conns %llu\n", s->id,
		    s->proto == IPPROTO_UDP ? "udp" : "tcp", ap, s->sched,
		    (unsigned long long)s->conns);
		for (j = 0; j < s->nreals; j++) {
			const struct dir_real *r = &s->reals[j];

			fmt = r->family == AF_INET6 ? "[%s]:%u" : "%s:%u";
			snprintf(ap, sizeof(ap), fmt, dir_addr_str(r->family,
			    &r->addr, a, sizeof(a)), r->port);
			printf("real %u %u %s weight %u conns %llu inpkts %llu "
			    "outpkts %llu inbytes %llu outbytes %llu\n", s->id,
			    r->id, ap, r->weight,
			    (unsigned long long)r->stats.conns,
			    (unsigned long long)r->stats.inpkts,
			    (unsigned long long)r->stats.outpkts,
			    (unsigned long long)r->stats.inbytes,
			    (unsigned long long)r->stats.outbytes);
		}
	}
}

static int
usage(void)
{
	fprintf(stderr, "usage: dirctl [-b nft|none|auto] sync FILE | apply "
	    "SVC REAL WEIGHT ... | show | flush | auto ...\n");
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

/*
 * bench/dir_apply.c - what a backend costs: sync, one weight change,
 * a batch of changes, read_stats, at S services x R reals.
 *
 *   ip netns exec NS build/bench/dir_apply [-b nft|ipvs] [-s S] [-r R] [-n N]
 *   bench/apply-nft.sh [ARGS]      (makes and removes the namespace)
 *   bench/ipvs-apply.sh            (both backends in the IPVS guest)
 *
 * Without -s: 100 then 1,000 services (10 reals each), and the ratio.
 * -n: single changes measured (default 200).  Prints figures, never
 * passes or fails.  Refuses to run in the init network namespace: it
 * creates and deletes table inet lvsmon wherever it runs.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "director/dir.h"

struct fig {
	double	sync0, resync, one_med, one_p90, batch, read, flush;
	size_t	nbatch;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * A new namespace's lo is down, so it has no local routing table, and
 * IPVS refuses every real address (EINVAL: it asks the local table for
 * the address's type).  The daemon's namespace always has one.
 */
static void
lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			perror("dir_apply: bring lo up");
	}
	close(fd);
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
build(struct dir_table *t, unsigned s, unsigned r)
{
	unsigned i, j;

	t->nsvcs = s;
	t->svcs = calloc(s, sizeof(*t->svcs));
	for (i = 0; i < s; i++) {
		struct dir_service *v = &t->svcs[i];

		v->id = i + 1;
		v->family = AF_INET;
		v->proto = IPPROTO_TCP;
		inet_pton(AF_INET, "203.0.113.10", &v->addr.v4);
		v->addr.v4.s_addr = htonl(ntohl(v->addr.v4.s_addr) + i / 5000);
		v->port = (uint16_t)(1000 + i % 5000);
		snprintf(v->sched, sizeof(v->sched), "wrr");
		v->fwd = DIR_FWD_NAT;
		v->nreals = r;
		v->reals = calloc(r, sizeof(*v->reals));
		for (j = 0; j < r; j++) {
			struct dir_real *x = &v->reals[j];

			x->id = i * r + j + 1;
			x->family = AF_INET;
			inet_pton(AF_INET, "198.51.100.0", &x->addr.v4);
			x->addr.v4.s_addr = htonl(ntohl(x->addr.v4.s_addr) +
			    1 + j);
			x->port = 8080;
			x->weight = 1 + (unsigned)rand() % 100;
		}
	}
}

static int
run(const struct dir_backend_ops *ops, unsigned s, unsigned r, unsigned n,
    struct fig *f)
{
	struct dir_backend *b = NULL;
	struct dir_table t, got;
	struct dir_change *ch;
	char err[512];
	double *d, t0;
	unsigned i;

	memset(f, 0, sizeof(*f));
	build(&t, s, r);
	if (ops->open(&b, err, sizeof(err)) < 0)
		goto fail;
	if (ops->flush != NULL)
		ops->flush(b, err, sizeof(err));
	t0 = now_ms();
	if (ops->sync(b, &t, err, sizeof(err)) < 0)
		goto fail;
	f->sync0 = now_ms() - t0;

	/* A restarted daemon: new instance, same table (adoption). */
	ops->close(b);
	b = NULL;
	if (ops->open(&b, err, sizeof(err)) < 0)
		goto fail;
	t0 = now_ms();
	if (ops->sync(b, &t, err, sizeof(err)) < 0)
		goto fail;
	f->resync = now_ms() - t0;

	d = calloc(n, sizeof(*d));
	/* The first changes warm caches (ours and the kernel's); the next
	 * n are measured. */
	for (i = 0; i < n + 20; i++) {
		struct dir_change c;
		unsigned k = (unsigned)rand() % s;

		c.svc_id = k + 1;
		c.real_id = k * r + (unsigned)rand() % r + 1;
		c.weight = (unsigned)rand() % 101;
		t0 = now_ms();
		if (ops->apply(b, &c, 1, err, sizeof(err)) < 0) {
			free(d);
			goto fail;
		}
		if (i >= 20)
			d[i - 20] = now_ms() - t0;
	}
	qsort(d, n, sizeof(*d), cmp_d);
	f->one_med = d[n / 2];
	f->one_p90 = d[(n * 9) / 10];
	free(d);

	f->nbatch = (size_t)s * r;
	ch = calloc(f->nbatch, sizeof(*ch));
	for (i = 0; i < f->nbatch; i++) {
		ch[i].svc_id = i / r + 1;
		ch[i].real_id = i + 1;
		ch[i].weight = 1 + (unsigned)rand() % 100;
	}
	t0 = now_ms();
	if (ops->apply(b, ch, f->nbatch, err, sizeof(err)) < 0) {
		free(ch);
		goto fail;
	}
	f->batch = now_ms() - t0;
	free(ch);

	t0 = now_ms();
	if (ops->read_stats(b, &got, err, sizeof(err)) < 0)
		goto fail;
	f->read = now_ms() - t0;
	dir_table_free(&got);

	t0 = now_ms();
	if (ops->flush != NULL && ops->flush(b, err, sizeof(err)) < 0)
		goto fail;
	f->flush = now_ms() - t0;
	ops->close(b);
	dir_table_free(&t);
	return 0;
fail:
	fprintf(stderr, "dir_apply: %u services: %s\n", s, err);
	if (b != NULL)
		ops->close(b);
	dir_table_free(&t);
	return -1;
}

static const char *bname = "nft";

static void
print(unsigned s, unsigned r, unsigned n, const struct fig *f)
{
	printf("%u services x %u reals (%s, wrr):\n", s, r, bname);
	printf("  initial sync (empty kernel)          %9.2f ms\n", f->sync0);
	printf("  re-sync, new instance (adoption)     %9.2f ms\n", f->resync);
	printf("  one weight change, median of %-4u    %9.3f ms\n", n,
	    f->one_med);
	printf("  one weight change, p90               %9.3f ms\n", f->one_p90);
	printf("  %zu weight changes in one apply()  %9.2f ms\n", f->nbatch,
	    f->batch);
	printf("  read_stats (whole table, counters)   %9.2f ms\n", f->read);
	printf("  flush (%s)%*s %9.2f ms\n", strcmp(bname, "nft") == 0 ?
	    "delete both tables" : "whole table", strcmp(bname, "nft") == 0 ?
	    10 : 16, "", f->flush);
}

int
main(int argc, char **argv)
{
	const struct dir_backend_ops *ops;
	unsigned s = 0, r = 10, n = 200;
	struct fig small, big;
	struct stat a, b;
	int c;

	while ((c = getopt(argc, argv, "b:s:r:n:")) != -1) {
		switch (c) {
		case 'b': bname = optarg; break;
		case 's': s = (unsigned)atoi(optarg); break;
		case 'r': r = (unsigned)atoi(optarg); break;
		case 'n': n = (unsigned)atoi(optarg); break;
		default:
			fprintf(stderr, "usage: dir_apply [-b nft|ipvs] [-s S] "
			    "[-r R] [-n N]\n");
			return 2;
		}
	}
	if ((ops = dir_backend_find(bname)) == NULL) {
		fprintf(stderr, "dir_apply: no backend %s\n", bname);
		return 2;
	}
	if (r == 0 || n == 0) {
		fprintf(stderr, "dir_apply: -r and -n must be > 0\n");
		return 2;
	}
	if (stat("/proc/1/ns/net", &a) == 0 &&
	    stat("/proc/self/ns/net", &b) == 0 && a.st_ino == b.st_ino) {
		fprintf(stderr, "dir_apply: run me in a network namespace of "
		    "my own (bench/apply-nft.sh does that)\n");
		return 2;
	}
	lo_up();
	srand(1);
	if (s != 0) {
		if (run(ops, s, r, n, &big) < 0)
			return 1;
		print(s, r, n, &big);
		return 0;
	}
	if (run(ops, 100, r, n, &small) < 0 || run(ops, 1000, r, n, &big) < 0)
		return 1;
	print(100, r, n, &small);
	print(1000, r, n, &big);
	printf("ratio 1000/100: sync %.1fx, one change %.1fx, "
	    "all-reals batch %.1fx (10x the changes), read_stats %.1fx\n",
	    big.sync0 / small.sync0, big.one_med / small.one_med,
	    big.batch / small.batch, big.read / small.read);
	return 0;
}

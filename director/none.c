/*
 * director/none.c - the "none" backend: monitor only.
 *
 * Keeps the desired table in memory so that read_stats answers what was
 * set (weights as applied, counters zero) and the rest of the daemon runs
 * the same code whatever the backend.  Never touches the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "director/dir_int.h"

struct dir_backend {
	struct dir_table	t;	/* owned */
};

static int
none_available(char *err, size_t errlen)
{
	return 0;
}

static int
none_open(struct dir_backend **out, char *err, size_t errlen)
{
	struct dir_backend *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	*out = b;
	return 0;
}

static int
none_sync(struct dir_backend *b, const struct dir_table *desired,
    char *err, size_t errlen)
{
	struct dir_table t;
	size_t i, j;

	if (dir_table_copy(&t, desired) < 0)
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	/* Counters are the kernel's; here there is none. */
	for (i = 0; i < t.nsvcs; i++) {
		t.svcs[i].conns = 0;
		for (j = 0; j < t.svcs[i].nreals; j++)
			memset(&t.svcs[i].reals[j].stats, 0,
			    sizeof(t.svcs[i].reals[j].stats));
	}
	dir_table_free(&b->t);
	b->t = t;
	return 0;
}

static struct dir_real *
none_find(struct dir_backend *b, uint32_t svc_id, uint32_t real_id)
{
	size_t i, j;

	for (i = 0; i < b->t.nsvcs; i++) {
		struct dir_service *s = &b->t.svcs[i];

		if (s->id != svc_id)
			continue;
		for (j = 0; j < s->nreals; j++)
			if (s->reals[j].id == real_id)
				return &s->reals[j];
	}
	return NULL;
}

static int
none_apply(struct dir_backend *b, const struct dir_change *ch, size_t n,
    char *err, size_t errlen)
{
	size_t i;

	/* Check all first: a failed apply changes nothing. */
	for (i = 0; i < n; i++) {
		if (none_find(b, ch[i].svc_id, ch[i].real_id) == NULL)
			return dir_err(err, errlen, -ENOENT, "service %u: "
			    "no real %u", ch[i].svc_id, ch[i].real_id);
		if (ch[i].weight > DIR_WEIGHT_MAX)
			return dir_err(err, errlen, -EINVAL, "service %u: "
			    "real %u: weight %u not in 0..%u", ch[i].svc_id,
			    ch[i].real_id, ch[i].weight, DIR_WEIGHT_MAX);
	}
	for (i = 0; i < n; i++)
		none_find(b, ch[i].svc_id, ch[i].real_id)->weight =
		    ch[i].weight;
	return 0;
}

static int
none_read_stats(struct dir_backend *b, struct dir_table *out, char *err,
    size_t errlen)
{
	if (dir_table_copy(out, &b->t) < 0)
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	return 0;
}

static void
none_close(struct dir_backend *b)
{
	if (b == NULL)
		return;
	dir_table_free(&b->t);
	free(b);
}

static int
none_flush(struct dir_backend *b, char *err, size_t errlen)
{
	dir_table_free(&b->t);
	return 0;
}

const struct dir_backend_ops dir_none_ops = {
	.name		= "none",
	.available	= none_available,
	.open		= none_open,
	.sync		= none_sync,
	.apply		= none_apply,
	.read_stats	= none_read_stats,
	.close		= none_close,
	.flush		= none_flush,
	/* monitor only: whatever the table says is kept, nothing done */
	.caps		= DIR_CAP_FWMARK | DIR_CAP_SCTP | DIR_CAP_PERSIST |
			  DIR_CAP_ONEPACKET | DIR_CAP_SCHED_FLAGS |
			  DIR_CAP_THRESH | DIR_CAP_DR | DIR_CAP_TUN |
			  DIR_CAP_TIMEOUTS,
	.scheds		= NULL,
};

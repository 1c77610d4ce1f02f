/*
 * t/fuzz/nft.c - the kernel's nf_tables dumps as the nft backend's
 * decoders see them: nft_read_cur() (our sets, chains and counter keys:
 * what a restart adopts) and nft_read_table() (every set of the table
 * back into services and reals: read_stats and the reconcile), through
 * dump_run()'s loop, mnl_cb_run() and libnftnl's parsers.
 *
 * No kernel: mnl_socket_sendto() and mnl_socket_recvfrom() are defined
 * here and win over libmnl's at link time.  Each request ("send") starts
 * a new run of answers from the input (t/fuzz/feed.h); after its records
 * the harness answers NLMSG_DONE.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "director/nft_int.h"
#include "feed.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct feed	in;
static uint32_t		seq;
static int		done;	/* the current request's DONE was given */

ssize_t
mnl_socket_sendto(const struct mnl_socket *nl, const void *buf, size_t len)
{
	struct nlmsghdr	h;

	(void)nl;
	if (len < sizeof(h))
		return -1;
	memcpy(&h, buf, sizeof(h));
	seq = h.nlmsg_seq;
	done = 0;
	return (ssize_t)len;
}

ssize_t
mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t bufsiz)
{
	const uint8_t	*rec;
	size_t		 len;

	(void)nl;
	if (bufsiz < 64)
		abort();
	if (done) {		/* asked again after DONE: a decoder bug */
		errno = EAGAIN;
		return -1;
	}
	if (feed_next(&in, &rec, &len)) {
		if (len > bufsiz)
			len = bufsiz;	/* the kernel would truncate */
		memcpy(buf, rec, len);
		feed_stamp(buf, len, seq, NULL);
		return (ssize_t)len;
	}
	done = 1;
	return (ssize_t)feed_done(buf, seq);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nft_nl		n = { .nl = NULL, .portid = 0, .seq = 1 };
	struct nft_cur		c;
	struct dir_table	t;
	char			err[256];
	int			exists;

	if (size > 256 * 1024)
		return -1;
	in.p = data;
	in.left = size;
	(void)nft_read_cur(&n, &c, &exists, err, sizeof(err));
	nft_cur_free(&c);
	if (nft_read_table(&n, &t, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < t.nsvcs; i++)
			if (t.svcs[i].nreals > 0 && t.svcs[i].reals == NULL)
				abort();
		dir_table_free(&t);
	}
	return 0;
}

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
 *
 * Two input forms.  Structured (what fuzzing uses): the harness builds
 * each answer with libnftnl's own builders from the input's choices (how
 * many sets, chains, elements; names; key and data bytes of any length;
 * goto chains; counters; an error instead of a dump), so every message is
 * one a kernel could send and the fuzzer works on lvsmon's side of the
 * parse (nft_read.c).  Raw records (feed.h), only with LVSMON_FUZZ_RAW
 * set (t/e2e/fuzz.t replays corpus/nft-raw/ so): the framing, dump_run()
 * and the checks done before libnftnl parses; raw bytes are not fuzzed
 * because libnftnl 1.2.4 itself crashes on malformed messages (a set
 * expression without a name: strcmp(NULL)), which lvsmon cannot prevent
 * short of parsing the dumps itself.
 *
 * libnftnl trusts the kernel: an attribute of the wrong length makes its
 * parsers print "nf_tables kernel ABI is broken, contact your vendor" and
 * exit().  lvsmon cannot catch that without redoing libnftnl's checks, so
 * the harness defines exit() too: during an input it jumps back here and
 * the input ends (what libnftnl allocated before is lost: leak detection
 * is off for this harness; the exit happens only inside libnftnl, whose
 * parse is the only code between our calls and the jump).  Any other
 * exit is the real one.
 */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>

#include "director/nft_int.h"
#include "feed.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

static struct feed	in;
static jmp_buf		back;
static volatile int	armed;
static unsigned long	abi_exits;
static int		raw;		/* LVSMON_FUZZ_RAW: records */
static int		req;		/* NFT_MSG_GET* of the request */
static const uint8_t	*sp_;		/* structured input */
static size_t		 sleft;

void
exit(int status)
{
	void	(*real)(int);

	if (armed) {
		armed = 0;
		abi_exits++;
		longjmp(back, 1);
	}
	real = (void (*)(int))dlsym(RTLD_NEXT, "exit");
	real(status);
	_exit(status);
}

/* and LeakSanitizer's check at the end of the process: the jumps leak */
int	__lsan_is_turned_off(void);

int
__lsan_is_turned_off(void)
{
	return 1;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char	*args[64];
	static char	 noleak[] = "-detect_leaks=0";
	int		 n = *argc < 62 ? *argc : 62;

	raw = getenv("LVSMON_FUZZ_RAW") != NULL;
	memcpy(args, *argv, (size_t)n * sizeof(char *));
	args[n++] = noleak;
	args[n] = NULL;
	*argc = n;
	*argv = args;
	return 0;
}
static uint32_t		seq;
static int		done;	/* the current request's DONE was given */

/* ---- structured answers ---- */

static unsigned
take(size_t n)		/* n bytes (<= 4) of the input as a number */
{
	unsigned	v = 0;

	for (size_t i = 0; i < n && sleft > 0; i++, sleft--)
		v = v << 8 | *sp_++;
	return v;
}

/* A name: one of ours (what the readers look for), or bytes. */
static void
name(char *out, size_t len)
{
	static const char *const known[] = { "svc4", "svc6", "svc_sched",
	    "be_svc", "be_addr4", "be_addr6", "be_weight", "be_conn",
	    "be_in", "be_out", "sched_1", "sched_77", "svc_1", "svc_2",
	    "svc_x", "lvsmon_anchor", "" };
	unsigned	k = take(1), n;

	if (k < 200) {
		snprintf(out, len, "%s", known[k % (sizeof(known) /
		    sizeof(known[0]))]);
		return;
	}
	n = take(1) % (unsigned)len;
	for (unsigned i = 0; i < n; i++)
		out[i] = (char)(take(1) % 255 + 1);
	out[n] = '\0';
}

static void
bytes(uint8_t *out, uint32_t *len, uint32_t max)
{
	*len = take(1) % (max + 1);
	for (uint32_t i = 0; i < *len; i++)
		out[i] = (uint8_t)take(1);
}

/* The answer to the current request, built into buf: error, or a dump
 * of sets, chains or elements (by the request), then DONE. */
static ssize_t
build(void *buf, size_t bufsiz)
{
	char		*p = buf, *end = p + bufsiz - 64;
	unsigned	 kind = take(1), n = take(1) % 8;
	struct nlmsghdr	*nlh;

	if (kind % 16 == 0) {		/* an error: ENOENT mostly */
		struct nlmsgerr	e = { .error = kind % 32 == 0 ? -ENOENT :
		    -(int)(take(1) % 140) };

		nlh = mnl_nlmsg_put_header(p);
		nlh->nlmsg_type = NLMSG_ERROR;
		nlh->nlmsg_seq = seq;
		memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(e)), &e,
		    sizeof(e));
		return (ssize_t)nlh->nlmsg_len;
	}
	for (unsigned i = 0; i < n && sleft > 0 && p + 4096 < end; i++) {
		char	nm[64];

		if (req == NFT_MSG_GETSET) {
			struct nftnl_set	*s = nftnl_set_alloc();

			name(nm, sizeof(nm));
			nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
			nftnl_set_set_str(s, NFTNL_SET_NAME, nm);
			nftnl_set_set_u32(s, NFTNL_SET_FLAGS, take(4));
			nlh = nftnl_nlmsg_build_hdr(p, NFT_MSG_NEWSET,
			    NFPROTO_INET, NLM_F_MULTI, seq);
			nftnl_set_nlmsg_build_payload(nlh, s);
			nftnl_set_free(s);
		} else if (req == NFT_MSG_GETCHAIN) {
			struct nftnl_chain	*c = nftnl_chain_alloc();

			name(nm, sizeof(nm));
			nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE,
			    take(1) < 240 ? NFT_TABLE : "other");
			nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, nm);
			nlh = nftnl_nlmsg_build_hdr(p, NFT_MSG_NEWCHAIN,
			    NFPROTO_INET, NLM_F_MULTI, seq);
			nftnl_chain_nlmsg_build_payload(nlh, c);
			nftnl_chain_free(c);
		} else if (req == NFT_MSG_GETSETELEM) {
			struct nftnl_set	*s = nftnl_set_alloc();
			unsigned		 ne = take(1) % 6 + 1;

			nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
			nftnl_set_set_str(s, NFTNL_SET_NAME, "x");
			for (unsigned j = 0; j < ne && sleft > 0; j++) {
				struct nftnl_set_elem	*el;
				uint8_t			 b[64];
				uint32_t		 len;
				unsigned		 what = take(1);

				el = nftnl_set_elem_alloc();
				bytes(b, &len, 40);
				if (len == 0)
					b[len++] = 0;
				nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, b,
				    len);
				if (what & 1) {
					bytes(b, &len, 40);
					if (len == 0)
						b[len++] = 0;
					nftnl_set_elem_set(el,
					    NFTNL_SET_ELEM_DATA, b, len);
				} else if (what & 2) {
					name(nm, sizeof(nm));
					nftnl_set_elem_set_u32(el,
					    NFTNL_SET_ELEM_VERDICT,
					    (uint32_t)NFT_GOTO);
					nftnl_set_elem_set_str(el,
					    NFTNL_SET_ELEM_CHAIN, nm);
				}
				if (what & 4) {
					struct nftnl_expr *e =
					    nftnl_expr_alloc(what & 8 ?
					    "counter" : "limit");

					nftnl_expr_set_u64(e,
					    NFTNL_EXPR_CTR_PACKETS, take(4));
					nftnl_expr_set_u64(e,
					    NFTNL_EXPR_CTR_BYTES, take(4));
					nftnl_set_elem_add_expr(el, e);
				}
				nftnl_set_elem_add(s, el);
			}
			nlh = nftnl_nlmsg_build_hdr(p, NFT_MSG_NEWSETELEM,
			    NFPROTO_INET, NLM_F_MULTI, seq);
			nftnl_set_elems_nlmsg_build_payload(nlh, s);
			nftnl_set_free(s);
		} else
			break;		/* a table dump: DONE is enough */
		p += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	p += feed_done((uint8_t *)p, seq);
	return p - (char *)buf;
}

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
	req = h.nlmsg_type & 0xff;
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
	if (!raw) {
		done = 1;
		return build(buf, bufsiz);
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
	in.p = sp_ = data;
	in.left = sleft = size;
	if (setjmp(back) != 0)
		return 0;	/* libnftnl's exit(): see the top */
	armed = 1;
	(void)nft_read_cur(&n, &c, &exists, err, sizeof(err));
	nft_cur_free(&c);
	if (nft_read_table(&n, &t, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < t.nsvcs; i++)
			if (t.svcs[i].nreals > 0 && t.svcs[i].reals == NULL)
				abort();
		dir_table_free(&t);
	}
	armed = 0;
	return 0;
}

/*
 * t/fuzz/ipvs.c - the kernel's IPVS generic-netlink answers as the ipvs
 * backend's decoders see them: ipvs_nl_read() (the service dump, then a
 * destination dump per service), ipvs_nl_get_timeouts() and
 * ipvs_nl_daemon_read(), through their own receive loop (request(),
 * recv_one()) on a real socket.
 *
 * No kernel: the harness stands in for libnl where ipvs_nl.c meets it
 * (genl_connect, genl_ctrl_resolve, nl_socket_get_fd, nl_sendto are
 * defined here and win over libnl's at link time).  The socket is one end
 * of an AF_UNIX SOCK_SEQPACKET pair (datagram boundaries, and not the
 * queue limit of 10 of SOCK_DGRAM); when a request is "sent", the answers
 * from the input (t/fuzz/feed.h) are queued on the other end, then
 * NLMSG_DONE.
 * The receiving end is non-blocking: an answer the decoder waits for in
 * vain is an EAGAIN (-EIO), never a hang.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "director/ipvs_int.h"
#include "feed.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAMILY	0x23		/* the "IPVS" family id we hand out */

static int		sp[2] = { -1, -1 };
static struct feed	in;
static uint8_t		dgram[65536 + 64];

/* ---- libnl, as ipvs_nl.c uses it ---- */

int
genl_connect(struct nl_sock *sk)
{
	(void)sk;
	return 0;
}

int
genl_ctrl_resolve(struct nl_sock *sk, const char *name)
{
	(void)sk;
	(void)name;
	return FAMILY;
}

int
nl_socket_get_fd(const struct nl_sock *sk)
{
	(void)sk;
	return sp[0];
}

static uint16_t
to_family(uint16_t type)
{
	/* control messages stay; any other is the family's answer */
	return type < NLMSG_MIN_TYPE ? type : FAMILY;
}

int
nl_sendto(struct nl_sock *sk, void *buf, size_t size)
{
	struct nlmsghdr	 h;
	const uint8_t	*rec;
	size_t		 len;
	uint32_t	 seq;

	(void)sk;
	if (size < sizeof(h))
		return -NLE_INVAL;
	memcpy(&h, buf, sizeof(h));
	seq = h.nlmsg_seq;
	while (feed_next(&in, &rec, &len)) {
		memcpy(dgram, rec, len);
		feed_stamp(dgram, len, seq, to_family);
		(void)send(sp[1], dgram, len, MSG_DONTWAIT);
	}
	len = feed_done(dgram, seq);
	(void)send(sp[1], dgram, len, MSG_DONTWAIT);
	return (int)size;
}

/* ---- the harness ---- */

static void
drain(void)
{
	while (recv(sp[0], dgram, sizeof(dgram), MSG_DONTWAIT) >= 0)
		;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipvs_nl		*nl;
	struct ipvs_tab		 tab;
	struct dir_timeouts	 to;
	struct dir_sync_daemon	 d[2];
	size_t			 nd;
	char			 err[256];
	int			 big = 1 << 20, rc;

	if (size > 256 * 1024)
		return -1;
	if (sp[0] < 0) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) < 0)
			abort();
		fcntl(sp[0], F_SETFL, O_NONBLOCK);
		setsockopt(sp[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
		setsockopt(sp[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	}
	in.p = data;
	in.left = size;
	if (ipvs_nl_open(&nl, err, sizeof(err)) < 0)
		abort();
	if ((rc = ipvs_nl_read(nl, &tab, err, sizeof(err))) > 0)
		abort();	/* 0 or -errno, nothing else */
	if (rc == 0) {
		char	 k[96];

		for (size_t i = 0; i < tab.ns; i++) {
			(void)ipvs_svc_str(&tab.s[i], k, sizeof(k));
			if (tab.s[i].nd > 0 && tab.s[i].d == NULL)
				abort();
		}
		ipvs_tab_free(&tab);
	}
	drain();
	if (ipvs_nl_get_timeouts(nl, &to, err, sizeof(err)) > 0)
		abort();
	drain();
	if (ipvs_nl_daemon_read(nl, d, &nd, err, sizeof(err)) > 0 || nd > 2)
		abort();
	drain();
	ipvs_nl_close(nl);
	return 0;
}

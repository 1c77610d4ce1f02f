/*
 * director/announce.h - tell the segment that a VIP moved here: a
 * gratuitous ARP (IPv4: an ARP request for the address from itself,
 * broadcast) or an unsolicited neighbour advertisement (IPv6: to ff02::1,
 * override flag, our link-layer address), so switches and neighbours
 * send the VIP's traffic to this director at once instead of after
 * their cache times out.
 *
 * The sockets (AF_PACKET for ARP, raw ICMPv6 for NA) need CAP_NET_RAW:
 * dir_announce_open is called at start, before the capability drop
 * (lvsmond keeps cap_net_raw anyway).  One call sends one datagram and
 * never waits; the caller spaces the repeats on its own timer.
 *
 * Owner: the caller of dir_announce_open frees with dir_announce_close.
 */
#ifndef DIR_ANNOUNCE_H
#define DIR_ANNOUNCE_H

#include <stddef.h>

struct dir_announce;

/* For ifname.  0 or -errno with err filled. */
int	dir_announce_open(struct dir_announce **out, const char *ifname,
	    char *err, size_t errlen);
void	dir_announce_close(struct dir_announce *a);

/* One GARP (AF_INET) or unsolicited NA (AF_INET6) for addr.  0 or
 * -errno with err filled. */
int	dir_announce_send(struct dir_announce *a, int family,
	    const void *addr, char *err, size_t errlen);

#endif

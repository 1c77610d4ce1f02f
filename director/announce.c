/*
 * director/announce.c - gratuitous ARP and unsolicited neighbour
 * advertisements (see announce.h).  Packets are built by hand: they are
 * a few fixed fields (RFC 5227 section 3 "ARP announcement", RFC 4861
 * section 7.2.6), and no Debian library sends them from a non-blocking
 * loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_packet.h>

#include "announce.h"

struct dir_announce {
	char		 ifname[IF_NAMESIZE];
	int		 ifindex;
	uint8_t		 mac[6];
	int		 arp;		/* AF_PACKET, ETH_P_ARP; -1 */
	int		 icmp6;		/* raw ICMPv6; -1 */
};

void
dir_announce_close(struct dir_announce *a)
{
	if (a == NULL)
		return;
	if (a->arp >= 0)
		close(a->arp);
	if (a->icmp6 >= 0)
		close(a->icmp6);
	free(a);
}

int
dir_announce_open(struct dir_announce **out, const char *ifname, char *err,
    size_t errlen)
{
	struct dir_announce	*a;
	struct ifreq		 ifr = { 0 };
	int			 hops = 255, rc;

	if (strlen(ifname) >= IF_NAMESIZE) {
		snprintf(err, errlen, "interface name %s too long", ifname);
		return -EINVAL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -ENOMEM;
	a->arp = a->icmp6 = -1;
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	if ((a->ifindex = (int)if_nametoindex(ifname)) == 0) {
		rc = -errno;
		snprintf(err, errlen, "interface %s: %s", ifname,
		    strerror(errno));
		goto fail;
	}
	a->arp = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(ETH_P_ARP));
	if (a->arp < 0) {
		rc = -errno;
		snprintf(err, errlen, "packet socket: %s (needs "
		    "cap_net_raw)", strerror(errno));
		goto fail;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(a->arp, SIOCGIFHWADDR, &ifr) < 0) {
		rc = -errno;
		snprintf(err, errlen, "interface %s: link address: %s", ifname,
		    strerror(errno));
		goto fail;
	}
	memcpy(a->mac, ifr.ifr_hwaddr.sa_data, 6);
	a->icmp6 = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_ICMPV6);
	/* no IPv6 on this host: GARP still works, NA fails when asked */
	if (a->icmp6 >= 0 &&
	    (setsockopt(a->icmp6, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	    sizeof(hops)) < 0 ||
	    setsockopt(a->icmp6, IPPROTO_IPV6, IPV6_MULTICAST_IF, &a->ifindex,
	    sizeof(a->ifindex)) < 0)) {
		close(a->icmp6);
		a->icmp6 = -1;
	}
	*out = a;
	return 0;
fail:
	dir_announce_close(a);
	return rc;
}

static int
send_garp(struct dir_announce *a, const void *addr, char *err, size_t errlen)
{
	struct ether_arp	 p;
	struct sockaddr_ll	 to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = a->ifindex,
		.sll_halen = 6,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};

	memset(&p, 0, sizeof(p));
	p.arp_hrd = htons(ARPHRD_ETHER);
	p.arp_pro = htons(ETH_P_IP);
	p.arp_hln = 6;
	p.arp_pln = 4;
	/* a request: every host updates an entry it has (RFC 5227) */
	p.arp_op = htons(ARPOP_REQUEST);
	memcpy(p.arp_sha, a->mac, 6);
	memcpy(p.arp_spa, addr, 4);
	memcpy(p.arp_tpa, addr, 4);
	if (sendto(a->arp, &p, sizeof(p), 0, (struct sockaddr *)&to,
	    sizeof(to)) < 0) {
		snprintf(err, errlen, "gratuitous ARP on %s: %s", a->ifname,
		    strerror(errno));
		return -errno;
	}
	return 0;
}

static int
send_na(struct dir_announce *a, const void *addr, char *err, size_t errlen)
{
	struct {
		struct nd_neighbor_advert	na;
		struct nd_opt_hdr		opt;
		uint8_t				mac[6];
	} __attribute__((packed)) p;
	struct sockaddr_in6	 to = { .sin6_family = AF_INET6 };
	union {
		struct cmsghdr	c;
		char		buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cm;
	struct iovec		 iov = { &p, sizeof(p) };
	struct msghdr		 msg = {
		.msg_name = &to, .msg_namelen = sizeof(to),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
	};
	struct cmsghdr		*c;
	struct in6_pktinfo	 pi = { .ipi6_ifindex = (unsigned)a->ifindex };

	if (a->icmp6 < 0) {
		snprintf(err, errlen, "neighbour advertisement on %s: no "
		    "ICMPv6 socket", a->ifname);
		return -EAFNOSUPPORT;
	}
	memset(&p, 0, sizeof(p));
	p.na.nd_na_type = ND_NEIGHBOR_ADVERT;
	p.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
	memcpy(&p.na.nd_na_target, addr, 16);
	p.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	p.opt.nd_opt_len = 1;
	memcpy(p.mac, a->mac, 6);
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	/* from the VIP itself, so the neighbours learn it (the kernel
	   fills the ICMPv6 checksum of a raw ICMPv6 socket) */
	memcpy(&pi.ipi6_addr, addr, 16);
	memset(cm.buf, 0, sizeof(cm.buf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	if (sendmsg(a->icmp6, &msg, 0) < 0) {
		snprintf(err, errlen, "neighbour advertisement on %s: %s",
		    a->ifname, strerror(errno));
		return -errno;
	}
	return 0;
}

int
dir_announce_send(struct dir_announce *a, int family, const void *addr,
    char *err, size_t errlen)
{
	return family == AF_INET ? send_garp(a, addr, err, errlen) :
	    send_na(a, addr, err, errlen);
}

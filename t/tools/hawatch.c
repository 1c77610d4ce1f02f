/*
 * t/tools/hawatch.c - the failover tests' eyes and hands.
 *
 *   hawatch garp IFACE SECS [COUNT]
 *	Print one line per gratuitous ARP ("garp 192.0.2.100 MAC") and per
 *	unsolicited neighbour advertisement ("na 2001:db8:1::100 MAC") seen
 *	on IFACE, flushed at once; exit after SECS, or after COUNT lines.
 *
 *   hawatch probe ADDR PORT SECS [-r] [-i INTERVAL_MS]
 *	A TCP connect to ADDR:PORT every INTERVAL_MS (default 20), each
 *	given 200 ms.  At the end prints "ok N", "fail N" and "gap_ms G":
 *	the longest time from one successful connect to the next (an
 *	outage, seen from the client).  -r: stop as soon as a success
 *	follows a failure (recovered).  Exits after SECS in any case.
 *
 *   hawatch forge DST PORT SRC KEYFILE
 *	Send one heartbeat (role master, priority 255, a new epoch) from
 *	SRC to DST:PORT, signed with KEYFILE's key (a wrong key: forged).
 *
 *   hawatch replay IFACE DST PORT SRC COUNT SECS
 *	Capture one UDP datagram to DST:PORT leaving through IFACE (a
 *	genuine heartbeat) within SECS, then send its payload again COUNT
 *	times from SRC: a replay.  Prints "captured LEN", exit 1 if none.
 *
 *   hawatch overlap ADDR SECS STOPFILE NS1 NS2
 *	Sample which of the network namespaces NS1, NS2 (names under
 *	/run/netns) hold the IPv4 address ADDR, every 20 ms, in the order
 *	NS1, NS2, NS1, until SECS pass or STOPFILE exists.  Prints
 *	"samples N", "both M" (NS2 held it between two NS1 samples that both
 *	held it: both held it at NS2's sample), "ns1 K", "ns2 L" (samples
 *	where each held it).  One netlink socket per namespace, made once:
 *	a sample costs two address dumps, not two processes.
 *
 * Every wait is bounded.  Needs CAP_NET_RAW (packet sockets) and, for
 * overlap, CAP_SYS_ADMIN (setns).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/if_addr.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "monitor/ha_int.h"

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
usage(void)
{
	fprintf(stderr, "usage: hawatch garp IFACE SECS [COUNT]\n"
	    "       hawatch probe ADDR PORT SECS [-r] [-i MS]\n"
	    "       hawatch forge DST PORT SRC KEYFILE\n"
	    "       hawatch replay IFACE DST PORT SRC COUNT SECS\n"
	    "       hawatch overlap ADDR SECS STOPFILE NS1 NS2\n");
	return 2;
}

static int
packet_socket(const char *ifname, int proto)
{
	struct sockaddr_ll	sll = { .sll_family = AF_PACKET };
	int			fd;

	sll.sll_protocol = htons((uint16_t)proto);
	if ((sll.sll_ifindex = (int)if_nametoindex(ifname)) == 0) {
		fprintf(stderr, "hawatch: %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK, htons(proto));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "hawatch: packet socket: %s\n",
		    strerror(errno));
		return -1;
	}
	return fd;
}

static void
mac_str(const uint8_t *m, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
	    m[4], m[5]);
}

static int
garp(int argc, char **argv)
{
	uint8_t			 buf[2048];
	struct sockaddr_ll	 from;
	socklen_t		 fl;
	long long		 end;
	long			 count = argc > 4 ? atol(argv[4]) : 0, seen = 0;
	int			 fd;

	if (argc < 4)
		return usage();
	if ((fd = packet_socket(argv[2], ETH_P_ALL)) < 0)
		return 1;
	end = now_ms() + atol(argv[3]) * 1000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (now_ms() < end && (count == 0 || seen < count)) {
		struct pollfd	pfd = { fd, POLLIN, 0 };
		char		a[INET6_ADDRSTRLEN], m[24];
		ssize_t		n;

		if (poll(&pfd, 1, (int)(end - now_ms())) <= 0)
			continue;
		fl = sizeof(from);
		if ((n = recvfrom(fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fl)) <= 0)
			continue;
		if (ntohs(from.sll_protocol) == ETH_P_ARP &&
		    (size_t)n >= sizeof(struct ether_arp)) {
			struct ether_arp *p = (struct ether_arp *)buf;

			if (memcmp(p->arp_spa, p->arp_tpa, 4) != 0)
				continue;
			inet_ntop(AF_INET, p->arp_spa, a, sizeof(a));
			mac_str(p->arp_sha, m);
			printf("garp %s %s\n", a, m);
			seen++;
		} else if (ntohs(from.sll_protocol) == ETH_P_IPV6 &&
		    (size_t)n >= sizeof(struct ip6_hdr) +
		    sizeof(struct nd_neighbor_advert) + 8) {
			struct ip6_hdr *ip = (struct ip6_hdr *)buf;
			struct nd_neighbor_advert *na =
			    (struct nd_neighbor_advert *)(ip + 1);
			uint8_t *opt = (uint8_t *)(na + 1);

			if (ip->ip6_nxt != IPPROTO_ICMPV6 ||
			    na->nd_na_type != ND_NEIGHBOR_ADVERT ||
			    opt[0] != ND_OPT_TARGET_LINKADDR)
				continue;
			inet_ntop(AF_INET6, &na->nd_na_target, a, sizeof(a));
			mac_str(opt + 2, m);
			printf("na %s %s\n", a, m);
			seen++;
		}
	}
	return 0;
}

static int
sockaddr_of(const char *addr, int port, struct sockaddr_storage *ss,
    socklen_t *sl)
{
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr,
	    &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*sl = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, addr,
	    &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*sl = sizeof(struct sockaddr_in6);
		return 0;
	}
	fprintf(stderr, "hawatch: %s: not an address\n", addr);
	return -1;
}

/* 1 connected within ms, 0 not. */
static int
try_connect(const struct sockaddr_storage *ss, socklen_t sl, int ms)
{
	struct pollfd	pfd;
	int		fd, err = 0, ok = 0;
	socklen_t	el = sizeof(err);

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (const struct sockaddr *)ss, sl) == 0)
		ok = 1;
	else if (errno == EINPROGRESS) {
		pfd = (struct pollfd){ fd, POLLOUT, 0 };
		if (poll(&pfd, 1, ms) == 1 && getsockopt(fd, SOL_SOCKET,
		    SO_ERROR, &err, &el) == 0 && err == 0)
			ok = 1;
	}
	close(fd);
	return ok;
}

static int
probe(int argc, char **argv)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	long long		 end, last_ok = -1, gap = 0, t0;
	long			 nok = 0, nfail = 0, interval = 20;
	int			 until = 0;

	if (argc < 5)
		return usage();
	for (int i = 5; i < argc; i++) {
		if (strcmp(argv[i], "-r") == 0)
			until = 1;
		else if (strcmp(argv[i], "-i") == 0 && i + 1 < argc)
			interval = atol(argv[++i]);
		else
			return usage();
	}
	if (sockaddr_of(argv[2], atoi(argv[3]), &ss, &sl) < 0)
		return 2;
	end = now_ms() + atol(argv[4]) * 1000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((t0 = now_ms()) < end) {
		if (try_connect(&ss, sl, 200)) {
			long long t = now_ms();

			if (last_ok >= 0 && t - last_ok > gap)
				gap = t - last_ok;
			last_ok = t;
			nok++;
			if (until && nfail > 0)
				break;
		} else
			nfail++;
		t0 += interval;
		while (now_ms() < t0)
			usleep(1000);
	}
	printf("ok %ld\nfail %ld\ngap_ms %lld\n", nok, nfail, gap);
	return 0;
}

static int
read_key(const char *path, uint8_t *key, size_t *len)
{
	int	fd = open(path, O_RDONLY);
	ssize_t	n;

	if (fd < 0 || (n = read(fd, key, 4096)) < 0) {
		fprintf(stderr, "hawatch: %s: %s\n", path, strerror(errno));
		return -1;
	}
	close(fd);
	while (n > 0 && (key[n - 1] == '\n' || key[n - 1] == '\r'))
		n--;
	*len = (size_t)n;
	return 0;
}

static int
send_from(const char *src, const char *dst, int port, const void *buf,
    size_t len, int count)
{
	struct sockaddr_storage	 s, d;
	socklen_t		 sl, dl;
	int			 fd, one = 1;

	if (sockaddr_of(src, 0, &s, &sl) < 0 ||
	    sockaddr_of(dst, port, &d, &dl) < 0)
		return 2;
	fd = socket(d.ss_family, SOCK_DGRAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&s, sl) < 0) {
		fprintf(stderr, "hawatch: bind %s: %s\n", src,
		    strerror(errno));
		return 1;
	}
	for (int i = 0; i < count; i++) {
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&d, dl) < 0) {
			fprintf(stderr, "hawatch: send: %s\n",
			    strerror(errno));
			return 1;
		}
		usleep(10000);
	}
	close(fd);
	return 0;
}

static int
forge(int argc, char **argv)
{
	uint8_t			key[4097], buf[MON_HA_PKT_LEN];
	size_t			keylen;
	struct timespec		now;
	struct mon_ha_msg	m = { .role = MON_HA_MASTER, .priority = 255,
				      .seq = 1 };

	if (argc < 6)
		return usage();
	if (read_key(argv[5], key, &keylen) < 0)
		return 1;
	clock_gettime(CLOCK_REALTIME, &now);
	/* a newer epoch than the real sender's: only the HMAC stops it */
	m.epoch = (uint64_t)now.tv_sec * 1000000000u +
	    (uint64_t)now.tv_nsec;
	if (mon_ha_wire_encode(&m, key, keylen, buf) < 0)
		return 1;
	return send_from(argv[4], argv[2], atoi(argv[3]), buf, sizeof(buf),
	    1);
}

static int
replay(int argc, char **argv)
{
	uint8_t			 buf[2048];
	struct in_addr		 dst;
	struct sockaddr_ll	 from;
	socklen_t		 fl;
	long long		 end;
	int			 fd, port;

	if (argc < 8)
		return usage();
	if (inet_pton(AF_INET, argv[3], &dst) != 1) {
		fprintf(stderr, "hawatch: replay: IPv4 only\n");
		return 2;
	}
	port = atoi(argv[4]);
	/* outgoing packets reach ETH_P_ALL sockets only */
	if ((fd = packet_socket(argv[2], ETH_P_ALL)) < 0)
		return 1;
	end = now_ms() + atol(argv[7]) * 1000;
	while (now_ms() < end) {
		struct pollfd	 pfd = { fd, POLLIN, 0 };
		struct ip	*ip = (struct ip *)buf;
		struct udphdr	*u;
		ssize_t		 n;
		size_t		 hl;

		if (poll(&pfd, 1, (int)(end - now_ms())) <= 0)
			continue;
		fl = sizeof(from);
		if ((n = recvfrom(fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fl)) < (ssize_t)sizeof(*ip) ||
		    ntohs(from.sll_protocol) != ETH_P_IP)
			continue;
		hl = (size_t)ip->ip_hl * 4;
		if (ip->ip_p != IPPROTO_UDP || ip->ip_dst.s_addr != dst.s_addr ||
		    (size_t)n < hl + sizeof(*u))
			continue;
		u = (struct udphdr *)(buf + hl);
		if (ntohs(u->uh_dport) != port)
			continue;
		printf("captured %zu\n", (size_t)n - hl - sizeof(*u));
		fflush(stdout);
		/* the original gets there first: what we send is old */
		usleep(50000);
		return send_from(argv[5], argv[3], port, u + 1,
		    (size_t)n - hl - sizeof(*u), atoi(argv[6]));
	}
	fprintf(stderr, "hawatch: replay: nothing captured\n");
	return 1;
}

/* A NETLINK_ROUTE socket inside the namespace called name. */
static int
ns_socket(const char *name)
{
	char	path[256];
	int	self, ns, fd = -1;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if ((self = open("/proc/self/ns/net", O_RDONLY)) < 0 ||
	    (ns = open(path, O_RDONLY)) < 0) {
		fprintf(stderr, "hawatch: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (setns(ns, CLONE_NEWNET) == 0) {
		fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
		if (setns(self, CLONE_NEWNET) < 0) {
			fprintf(stderr, "hawatch: setns back: %s\n",
			    strerror(errno));
			exit(1);
		}
	} else
		fprintf(stderr, "hawatch: setns %s: %s\n", name,
		    strerror(errno));
	close(ns);
	close(self);
	return fd;
}

/* 1 an interface of fd's namespace holds addr, 0 not, -1 error. */
static int
holds(int fd, const struct in_addr *addr)
{
	struct {
		struct nlmsghdr		nh;
		struct ifaddrmsg	ifa;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETADDR,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1 },
		.ifa = { .ifa_family = AF_INET },
	};
	static char	buf[65536];
	int		found = 0;

	if (send(fd, &req, sizeof(req), 0) < 0)
		return -1;
	for (;;) {
		ssize_t		 n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr	*nh;

		if (n <= 0)
			return -1;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		    nh = NLMSG_NEXT(nh, n)) {
			struct ifaddrmsg	*ifa;
			struct rtattr		*rta;
			int			 len;

			if (nh->nlmsg_type == NLMSG_DONE)
				return found;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return -1;
			if (nh->nlmsg_type != RTM_NEWADDR)
				continue;
			ifa = NLMSG_DATA(nh);
			len = (int)IFA_PAYLOAD(nh);
			for (rta = IFA_RTA(ifa); RTA_OK(rta, len);
			    rta = RTA_NEXT(rta, len))
				if ((rta->rta_type == IFA_LOCAL ||
				    rta->rta_type == IFA_ADDRESS) &&
				    memcmp(RTA_DATA(rta), addr, 4) == 0)
					found = 1;
		}
	}
}

static int
overlap(int argc, char **argv)
{
	struct in_addr	 a;
	struct stat	 st;
	long long	 end;
	long		 n = 0, both = 0, h1 = 0, h2 = 0;
	int		 fd1, fd2;

	if (argc < 7)
		return usage();
	if (inet_pton(AF_INET, argv[2], &a) != 1)
		return usage();
	if ((fd1 = ns_socket(argv[5])) < 0 || (fd2 = ns_socket(argv[6])) < 0)
		return 1;
	end = now_ms() + atol(argv[3]) * 1000;
	while (now_ms() < end && stat(argv[4], &st) < 0) {
		int	x = holds(fd1, &a), y = holds(fd2, &a), z = holds(fd1, &a);

		if (x < 0 || y < 0 || z < 0) {
			fprintf(stderr, "hawatch: address dump failed\n");
			return 1;
		}
		n++;
		both += x && y && z;
		h1 += x;
		h2 += y;
		usleep(20000);
	}
	printf("samples %ld\nboth %ld\nns1 %ld\nns2 %ld\n", n, both, h1, h2);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "garp") == 0)
		return garp(argc, argv);
	if (strcmp(argv[1], "probe") == 0)
		return probe(argc, argv);
	if (strcmp(argv[1], "forge") == 0)
		return forge(argc, argv);
	if (strcmp(argv[1], "replay") == 0)
		return replay(argc, argv);
	if (strcmp(argv[1], "overlap") == 0)
		return overlap(argc, argv);
	return usage();
}

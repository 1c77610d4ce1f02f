/*
 * director/vip.c - VIPs on an interface through libnl-route-3 (see
 * vip.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_addr.h>

#include <netlink/netlink.h>
#include <netlink/addr.h>
#include <netlink/route/addr.h>

#include "vip.h"

struct dir_vip {
	struct nl_sock	*sk;
};

int
dir_vip_open(struct dir_vip **out, char *err, size_t errlen)
{
	struct dir_vip	*v;
	int		 rc;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return -ENOMEM;
	if ((v->sk = nl_socket_alloc()) == NULL) {
		free(v);
		return -ENOMEM;
	}
	if ((rc = nl_connect(v->sk, NETLINK_ROUTE)) < 0) {
		snprintf(err, errlen, "rtnetlink: %s", nl_geterror(rc));
		nl_socket_free(v->sk);
		free(v);
		return -EIO;
	}
	*out = v;
	return 0;
}

void
dir_vip_close(struct dir_vip *v)
{
	if (v == NULL)
		return;
	nl_socket_free(v->sk);
	free(v);
}

static int
build(const char *ifname, int family, const void *addr, int plen,
    struct rtnl_addr **out, char *err, size_t errlen)
{
	unsigned		 idx = if_nametoindex(ifname);
	struct nl_addr		*a;
	struct rtnl_addr	*ra;

	if (idx == 0) {
		snprintf(err, errlen, "interface %s: %s", ifname,
		    strerror(errno));
		return -ENODEV;
	}
	if ((a = nl_addr_build(family, addr, family == AF_INET ? 4 : 16)) ==
	    NULL)
		return -ENOMEM;
	nl_addr_set_prefixlen(a, plen);
	if ((ra = rtnl_addr_alloc()) == NULL) {
		nl_addr_put(a);
		return -ENOMEM;
	}
	rtnl_addr_set_ifindex(ra, (int)idx);
	rtnl_addr_set_family(ra, family);
	rtnl_addr_set_local(ra, a);
	rtnl_addr_set_prefixlen(ra, plen);
	nl_addr_put(a);
	*out = ra;
	return 0;
}

static void
describe(int family, const void *addr, int plen, const char *ifname,
    const char *what, int nlerr, char *err, size_t errlen)
{
	char	buf[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, buf, sizeof(buf));
	snprintf(err, errlen, "%s %s/%d on %s: %s", what, buf, plen, ifname,
	    nl_geterror(nlerr));
}

int
dir_vip_add(struct dir_vip *v, const char *ifname, int family,
    const void *addr, int plen, char *err, size_t errlen)
{
	struct rtnl_addr	*ra;
	int			 rc;

	if ((rc = build(ifname, family, addr, plen, &ra, err, errlen)) < 0)
		return rc;
	if (family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	rc = rtnl_addr_add(v->sk, ra, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_addr_put(ra);
	if (rc == -NLE_EXIST)
		rc = 0;
	if (rc < 0) {
		describe(family, addr, plen, ifname, "adding", rc, err,
		    errlen);
		return -EIO;
	}
	return 0;
}

int
dir_vip_del(struct dir_vip *v, const char *ifname, int family,
    const void *addr, int plen, char *err, size_t errlen)
{
	struct rtnl_addr	*ra;
	int			 rc;

	if ((rc = build(ifname, family, addr, plen, &ra, err, errlen)) < 0)
		return rc;
	rc = rtnl_addr_delete(v->sk, ra, 0);
	rtnl_addr_put(ra);
	/* not there: what we wanted */
	if (rc == -NLE_NOADDR || rc == -NLE_OBJ_NOTFOUND)
		rc = 0;
	if (rc < 0) {
		describe(family, addr, plen, ifname, "removing", rc, err,
		    errlen);
		return -EIO;
	}
	return 0;
}

struct has_arg {
	int		 idx, family, found;
	const void	*addr;
};

static void
has_one(struct nl_object *o, void *arg)
{
	struct rtnl_addr	*ra = (struct rtnl_addr *)o;
	struct has_arg		*h = arg;
	struct nl_addr		*l = rtnl_addr_get_local(ra);

	if (rtnl_addr_get_ifindex(ra) == h->idx && l != NULL &&
	    nl_addr_get_family(l) == h->family &&
	    memcmp(nl_addr_get_binary_addr(l), h->addr,
	    h->family == AF_INET ? 4 : 16) == 0)
		h->found = 1;
}

int
dir_vip_has(struct dir_vip *v, const char *ifname, int family,
    const void *addr, char *err, size_t errlen)
{
	struct nl_cache	*c = NULL;
	struct has_arg	 h = { (int)if_nametoindex(ifname), family, 0, addr };
	int		 rc;

	if (h.idx == 0) {
		snprintf(err, errlen, "interface %s: %s", ifname,
		    strerror(errno));
		return -ENODEV;
	}
	if ((rc = rtnl_addr_alloc_cache(v->sk, &c)) < 0) {
		snprintf(err, errlen, "reading addresses: %s",
		    nl_geterror(rc));
		return -EIO;
	}
	nl_cache_foreach(c, has_one, &h);
	nl_cache_free(c);
	return h.found;
}

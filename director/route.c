/*
 * director/route.c - host routes to VIPs in lvsmon's routing table
 * (route.h), over libnl-route-3.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/route.h>
#include <netlink/route/nexthop.h>

#include "route.h"

struct dir_route {
	struct nl_sock		*sk;
	struct dir_route_conf	 c;
};

static void
say(char *err, size_t errlen, const char *fmt, const char *a, int rc)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, fmt, a, nl_geterror(rc));
}

int
dir_route_open(struct dir_route **out, const struct dir_route_conf *c,
    char *err, size_t errlen)
{
	struct dir_route	*r;
	int			 rc;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -ENOMEM;
	r->c = *c;
	if (r->c.ifname[0] == '\0')
		snprintf(r->c.ifname, sizeof(r->c.ifname), "lo");
	if ((r->sk = nl_socket_alloc()) == NULL) {
		free(r);
		return -ENOMEM;
	}
	if ((rc = nl_connect(r->sk, NETLINK_ROUTE)) < 0) {
		say(err, errlen, "route: netlink%s: %s", "", rc);
		nl_socket_free(r->sk);
		free(r);
		return -ENOTCONN;
	}
	*out = r;
	return 0;
}

void
dir_route_close(struct dir_route *r)
{
	if (r == NULL)
		return;
	nl_socket_free(r->sk);
	free(r);
}

/* The route as we install it, also the key to delete it by. */
static int
build(struct dir_route *r, int family, const union dir_addr *a,
    struct rtnl_route **out, char *err, size_t errlen)
{
	struct rtnl_route	*rt;
	struct rtnl_nexthop	*nh;
	struct nl_addr		*dst;
	unsigned		 ifx;

	*out = NULL;
	if ((ifx = if_nametoindex(r->c.ifname)) == 0) {
		if (err != NULL)
			snprintf(err, errlen, "route: device %s: %s",
			    r->c.ifname, strerror(errno));
		return -ENODEV;
	}
	dst = nl_addr_build(family, a, family == AF_INET ? 4 : 16);
	rt = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (dst == NULL || rt == NULL || nh == NULL) {
		nl_addr_put(dst);
		rtnl_route_put(rt);
		rtnl_route_nh_free(nh);
		return -ENOMEM;
	}
	nl_addr_set_prefixlen(dst, family == AF_INET ? 32 : 128);
	rtnl_route_set_family(rt, (uint8_t)family);
	rtnl_route_set_dst(rt, dst);
	nl_addr_put(dst);
	rtnl_route_set_table(rt, r->c.table);
	rtnl_route_set_protocol(rt, r->c.protocol);
	rtnl_route_set_priority(rt, r->c.metric);
	rtnl_route_set_type(rt, RTN_UNICAST);
	rtnl_route_set_scope(rt, RT_SCOPE_LINK);
	rtnl_route_nh_set_ifindex(nh, (int)ifx);
	rtnl_route_add_nexthop(rt, nh);
	*out = rt;
	return 0;
}

int
dir_route_set(struct dir_route *r, int family, const union dir_addr *a,
    int present, char *err, size_t errlen)
{
	struct rtnl_route	*rt;
	char			 s[INET6_ADDRSTRLEN + 40];
	int			 rc;

	if ((rc = build(r, family, a, &rt, err, errlen)) < 0)
		return rc;
	inet_ntop(family, a, s, INET6_ADDRSTRLEN);
	snprintf(s + strlen(s), sizeof(s) - strlen(s), "/%d table %u",
	    family == AF_INET ? 32 : 128, r->c.table);
	/* NLM_F_REPLACE: the route there already (a previous run's) is
	   success, and a changed metric or device is taken over */
	if (present)
		rc = rtnl_route_add(r->sk, rt, NLM_F_CREATE | NLM_F_REPLACE);
	else {
		rc = rtnl_route_delete(r->sk, rt, 0);
		if (rc == -NLE_OBJ_NOTFOUND)
			rc = 0;		/* gone already: what we wanted */
	}
	rtnl_route_put(rt);
	if (rc < 0) {
		say(err, errlen, present ? "route: add %s: %s" :
		    "route: delete %s: %s", s, rc);
		return rc == -NLE_PERM ? -EPERM : -EIO;
	}
	return 0;
}

struct walk {
	struct dir_route	*r;
	void			(*fn)(int, const union dir_addr *, void *);
	void			*arg;
};

static void
each(struct nl_object *o, void *arg)
{
	struct walk		*w = arg;
	struct rtnl_route	*rt = (struct rtnl_route *)o;
	struct nl_addr		*dst = rtnl_route_get_dst(rt);
	union dir_addr		 a;
	int			 fam = rtnl_route_get_family(rt);
	unsigned		 len = fam == AF_INET ? 4 : 16;

	if (rtnl_route_get_table(rt) != w->r->c.table ||
	    rtnl_route_get_protocol(rt) != w->r->c.protocol || dst == NULL ||
	    (fam != AF_INET && fam != AF_INET6) ||
	    nl_addr_get_prefixlen(dst) != len * 8 ||
	    nl_addr_get_len(dst) != len)
		return;
	memset(&a, 0, sizeof(a));
	memcpy(&a, nl_addr_get_binary_addr(dst), len);
	w->fn(fam, &a, w->arg);
}

int
dir_route_list(struct dir_route *r,
    void (*fn)(int family, const union dir_addr *a, void *arg), void *arg,
    char *err, size_t errlen)
{
	struct nl_cache	*cache = NULL;
	struct walk	 w = { r, fn, arg };
	int		 rc;

	if ((rc = rtnl_route_alloc_cache(r->sk, AF_UNSPEC, 0, &cache)) < 0) {
		say(err, errlen, "route: list%s: %s", "", rc);
		return -EIO;
	}
	nl_cache_foreach(cache, each, &w);
	nl_cache_free(cache);
	return 0;
}

/*
 * director/route.h - route health injection: host routes to VIPs in one
 * kernel routing table, for the site's routing daemon to announce.
 *
 * lvsmon does not speak BGP.  It puts "VIP/32 (or /128) dev lo" into a
 * table of its own (announce.table) with a protocol number of its own
 * (announce.protocol), and BIRD (a kernel protocol that learns that table
 * and a BGP protocol exporting it) or FRR ("redistribute table N")
 * announces what is there and withdraws what leaves.  No ip rule points
 * at the table: the routes never steer this host's own forwarding.
 *
 * One netlink socket (libnl-route-3), one request and its ack per call:
 * quick, like a backend hook; no sleeping.  Calls are idempotent: adding
 * a route that is there (same table, protocol, metric) or deleting one
 * that is not is success, so a restart adopts what it finds without a
 * flap.  Errors return -errno with a message for the operator in err.
 *
 * Owner: the caller of dir_route_open(); dir_route_close() frees it.
 * Includes nothing from the rooms above (director/ rule).
 */
#ifndef DIR_ROUTE_H
#define DIR_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "dir.h"

struct dir_route_conf {
	uint32_t	table;		/* 1..2^32-1 but not 253..255 */
	uint8_t		protocol;	/* rtm_protocol; ours, so it can
					   be listed (and BIRD learns it
					   as an alien route) */
	uint32_t	metric;		/* RTA_PRIORITY */
	char		ifname[16];	/* the route's device ("lo") */
};

struct dir_route;

int	dir_route_open(struct dir_route **out, const struct dir_route_conf *c,
	    char *err, size_t errlen);
void	dir_route_close(struct dir_route *r);

/* Install (present 1) or withdraw (0) the host route to a. */
int	dir_route_set(struct dir_route *r, int family, const union dir_addr *a,
	    int present, char *err, size_t errlen);

/*
 * Call fn for every host route of our table and protocol now in the
 * kernel (both families).  0 or -errno.
 */
int	dir_route_list(struct dir_route *r,
	    void (*fn)(int family, const union dir_addr *a, void *arg),
	    void *arg, char *err, size_t errlen);

#endif

/*
 * director/vip.h - the virtual addresses a failover master holds: add,
 * remove and query one address on one interface, over rtnetlink
 * (libnl-route-3).  Each call is one short netlink exchange with the
 * kernel (no network I/O), like the backends' own.
 *
 * Idempotent: adding an address that is there, or removing one that is
 * not, is success.  IPv6 addresses are added without duplicate address
 * detection (IFA_F_NODAD): a VIP taken over from a dead peer must serve
 * at once, and its neighbour advertisement is ours to send.
 *
 * Owner: the caller of dir_vip_open frees with dir_vip_close.
 */
#ifndef DIR_VIP_H
#define DIR_VIP_H

#include <stddef.h>

struct dir_vip;

/* 0 or -errno with err filled. */
int	dir_vip_open(struct dir_vip **out, char *err, size_t errlen);
void	dir_vip_close(struct dir_vip *v);

/* addr: 4 or 16 bytes by family; plen the prefix length. */
int	dir_vip_add(struct dir_vip *v, const char *ifname, int family,
	    const void *addr, int plen, char *err, size_t errlen);
int	dir_vip_del(struct dir_vip *v, const char *ifname, int family,
	    const void *addr, int plen, char *err, size_t errlen);
/* 1 the interface holds it, 0 not, -errno. */
int	dir_vip_has(struct dir_vip *v, const char *ifname, int family,
	    const void *addr, char *err, size_t errlen);

#endif

/*
 * director/dir.h - the packet core behind one interface.
 *
 * The monitor decides weights; a backend makes the kernel forward by them.
 * A backend never knows why a weight changed, and includes nothing from the
 * rooms above it (so errors come back as text in a caller's buffer).
 *
 * Backends, registered once in dir_backends[] (director/dir.c):
 *   "nft"  - nftables through libnftnl/libmnl, one netlink batch per change
 *            set, its own table "inet lvsmon" (director/nft.c)
 *   "ipvs" - the kernel's IPVS over generic netlink (libnl-genl-3), one
 *            message per change, many per sendmsg (director/ipvs.c)
 *   "none" - monitor only: keeps the desired table in memory, touches no
 *            kernel state (director/none.c)
 *
 * Identity: services and reals carry ids chosen by the monitor (stable
 * across reload/restart).  The nft backend uses the real's id as its
 * conntrack mark, so ids are < DIR_ID_MAX.
 *
 * Every hook runs on the daemon's single thread and returns quickly: one
 * netlink transaction, no sleeping.  Hooks return 0 or a negative errno and,
 * on failure, write a message for the operator into err (errlen bytes).
 * A failed sync/apply leaves the kernel as it was before the call (one
 * atomic batch) and the backend's own idea of the table unchanged.
 */
#ifndef DIR_H
#define DIR_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define DIR_ID_MAX	0x00ffffffu	/* ids fit in 24 bits */
#define DIR_WEIGHT_MAX	65535u

union dir_addr {
	struct in_addr	v4;
	struct in6_addr	v6;
};

enum dir_fwd {
	DIR_FWD_NAT = 0,	/* masquerading: DNAT to the real */
	DIR_FWD_DR,		/* direct routing (gatewaying) */
	DIR_FWD_TUN,		/* IP-in-IP tunnelling */
	DIR_FWD__COUNT
};

/* Kernel counters of one real (backend-filled; 0 when not supported). */
struct dir_real_stats {
	uint64_t	conns;		/* connections scheduled to it */
	uint64_t	inpkts, outpkts;
	uint64_t	inbytes, outbytes;
	uint32_t	active;		/* established connections now */
	uint32_t	inactive;	/* other live connections now */
};

struct dir_real {
	uint32_t		id;
	int			family;		/* AF_INET, AF_INET6 */
	union dir_addr		addr;
	uint16_t		port;		/* host order */
	uint32_t		weight;		/* 0..DIR_WEIGHT_MAX; 0 = no
						   new flows, established kept */
	struct dir_real_stats	stats;		/* read_stats/read only */
	/* Connection thresholds (ipvs only; 0 = none): above u_thresh
	 * live connections the real gets no new ones until they fall
	 * below l_thresh. */
	uint32_t		u_thresh, l_thresh;
};

/* dir_service.flags (ipvs only; the nft backend needs them 0). */
#define DIR_SVC_ONEPACKET	0x01u	/* schedule each UDP datagram */
#define DIR_SVC_SCHED_F1	0x02u	/* scheduler flag 1 (sh, mh:
					   fallback) */
#define DIR_SVC_SCHED_F2	0x04u	/* scheduler flag 2 (sh, mh: hash
					   the source port too) */
#define DIR_SVC_SCHED_F3	0x08u	/* scheduler flag 3 */

struct dir_service {
	uint32_t		id;
	int			family;		/* AF_INET, AF_INET6 */
	int			proto;		/* IPPROTO_TCP, IPPROTO_UDP,
						   IPPROTO_SCTP (ipvs) */
	union dir_addr		addr;
	uint16_t		port;		/* host order */
	uint32_t		fwmark;		/* 0 = address/port service */
	char			sched[16];	/* "wrr", "rr", "sh", ... */
	enum dir_fwd		fwd;
	struct dir_real		*reals;		/* owned by the table */
	size_t			 nreals;
	uint64_t		 conns;		/* service totals (read only) */
	/* Persistence (ipvs only): a client goes on to the same real for
	 * persist seconds after its last connection; clients are grouped
	 * by their first persist_plen address bits (0 = the whole
	 * address: 32 or 128). */
	uint32_t		 persist;
	uint8_t			 persist_plen;
	uint32_t		 flags;		/* DIR_SVC_* */
};

/* A whole table.  Whoever filled it frees it with dir_table_free(). */
struct dir_table {
	struct dir_service	*svcs;
	size_t			 nsvcs;
};

/* One weight change for one existing real. */
struct dir_change {
	uint32_t	svc_id;
	uint32_t	real_id;
	uint32_t	weight;
};

struct dir_backend;	/* a backend's private state */

struct dir_backend_ops {
	const char	*name;
	/*
	 * Say whether this backend can work here (kernel support), without
	 * changing anything.  0 = yes; else -errno and why in err.
	 */
	int	(*available)(char *err, size_t errlen);
	/* Open netlink sockets etc.  Touches no forwarding state. */
	int	(*open)(struct dir_backend **out, char *err, size_t errlen);
	/*
	 * Make the kernel hold exactly the desired table: add what is
	 * missing, change what differs, remove what is not in it; all in one
	 * batch, without cutting established flows (never flush or delete
	 * the table while serving).  The first sync after open adopts what
	 * the kernel already has.  Also checks the table: a scheduler or
	 * forwarding method the backend cannot do is refused with a message
	 * naming the service.
	 */
	int	(*sync)(struct dir_backend *b, const struct dir_table *desired,
		    char *err, size_t errlen);
	/* Change weights of existing reals, all in one batch. */
	int	(*apply)(struct dir_backend *b, const struct dir_change *ch,
		    size_t n, char *err, size_t errlen);
	/*
	 * Read the table as the kernel holds it now, with weights and
	 * counters, into *out (caller frees with dir_table_free()).
	 */
	int	(*read_stats)(struct dir_backend *b, struct dir_table *out,
		    char *err, size_t errlen);
	/* Close sockets and free b.  Leaves the kernel's table as it is. */
	void	(*close)(struct dir_backend *b);
	/* Remove everything this backend put in the kernel (on_exit=flush,
	 * tests' cleanup).  May be NULL. */
	int	(*flush)(struct dir_backend *b, char *err, size_t errlen);
};

extern const struct dir_backend_ops *const dir_backends[];

/* Find a backend by name ("nft", "ipvs", "none"); NULL if unknown. */
const struct dir_backend_ops *dir_backend_find(const char *name);

/*
 * "auto": IPVS when the kernel's IPVS generic-netlink family exists (after
 * trying "modprobe ip_vs" once, waited for: call it at start), else
 * nft.  why gets one line saying what was chosen and why.
 */
const struct dir_backend_ops *dir_backend_auto(char *why, size_t whylen);

void	dir_table_free(struct dir_table *t);
/* Deep copy; 0 or -ENOMEM. */
int	dir_table_copy(struct dir_table *dst, const struct dir_table *src);

/* "203.0.113.10" / "2001:db8::10" into buf; returns buf. */
const char *dir_addr_str(int family, const union dir_addr *a, char *buf,
	    size_t len);

#endif

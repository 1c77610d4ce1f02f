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
	/* sh on nft: the jhash seed; 0 = the backend's own (0x4c564d53 ^
	 * id).  Directors with the same seed and the same reals map a
	 * client to the same real (reals are ordered by address, not by
	 * id).  IPVS's sh and mh hash with fixed keys: no seed. */
	uint32_t		 hash_seed;
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

/* Connection timeouts of the packet core, in seconds; 0 = leave the
 * kernel's value as it is (IPVS: ipvsadm --set TCP TCPFIN UDP). */
struct dir_timeouts {
	uint32_t	tcp;		/* established TCP */
	uint32_t	tcp_fin;	/* TCP after a FIN */
	uint32_t	udp;
};

/* The connection-sync daemon (IPVS): a master multicasts its connection
 * table, a backup applies what it receives; one of each at most. */
enum dir_sync_role {
	DIR_SYNC_MASTER = 1,		/* IP_VS_STATE_MASTER */
	DIR_SYNC_BACKUP = 2,		/* IP_VS_STATE_BACKUP */
};

struct dir_sync_daemon {
	enum dir_sync_role	role;
	char			ifname[16];	/* multicast interface */
	uint32_t		syncid;		/* 0..255 */
	/* Optional; 0 (AF_UNSPEC for the family) = the kernel's
	 * default (224.0.0.81, port 8848, ttl 1, the MTU's length). */
	uint16_t		maxlen;
	int			mcast_family;
	union dir_addr		mcast_group;
	uint16_t		mcast_port;
	uint8_t			mcast_ttl;
};

/*
 * What a backend can do beyond NAT of tcp/udp services by address and
 * port (dir_backend_ops.caps).  The monitor refuses a configuration that
 * asks a backend for more, naming the key; sync refuses it too.
 */
#define DIR_CAP_FWMARK		0x001u	/* fwmark services */
#define DIR_CAP_SCTP		0x002u	/* sctp services */
#define DIR_CAP_PERSIST		0x004u	/* persistence, its prefix */
#define DIR_CAP_ONEPACKET	0x008u	/* DIR_SVC_ONEPACKET */
#define DIR_CAP_SCHED_FLAGS	0x010u	/* DIR_SVC_SCHED_F1..3 */
#define DIR_CAP_THRESH		0x020u	/* real u_thresh, l_thresh */
#define DIR_CAP_DR		0x040u	/* DIR_FWD_DR */
#define DIR_CAP_TUN		0x080u	/* DIR_FWD_TUN */
#define DIR_CAP_TIMEOUTS	0x100u	/* set_timeouts */
#define DIR_CAP_SYNC_DAEMON	0x200u	/* sync_daemon_* */

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

	/* DIR_CAP_* */
	unsigned		 caps;
	/* The scheduler names sync accepts; NULL = any (none). */
	const char *const	*scheds;

	/*
	 * Optional hooks, NULL where the backend has no such thing (nft,
	 * none).  Each is one netlink request and its answer.
	 */
	/* Set the timeouts that are not 0; the others stay as they are. */
	int	(*set_timeouts)(struct dir_backend *b,
		    const struct dir_timeouts *t, char *err, size_t errlen);
	int	(*get_timeouts)(struct dir_backend *b, struct dir_timeouts *t,
		    char *err, size_t errlen);
	/* Start a master or backup sync daemon (-EEXIST if that role
	 * runs); stop the one of a role (-ESRCH if none runs). */
	int	(*sync_daemon_start)(struct dir_backend *b,
		    const struct dir_sync_daemon *d, char *err, size_t errlen);
	int	(*sync_daemon_stop)(struct dir_backend *b,
		    enum dir_sync_role role, char *err, size_t errlen);
	/* The daemons running now: *n (0..2) entries of out. */
	int	(*sync_daemon_read)(struct dir_backend *b,
		    struct dir_sync_daemon out[2], size_t *n, char *err,
		    size_t errlen);
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

/* The first registered backend that has every cap in caps (to name it
 * in a refusal: "needs backend ipvs"); NULL if none. */
const struct dir_backend_ops *dir_backend_with(unsigned caps);
/* Does ops accept the scheduler name? */
int	dir_backend_has_sched(const struct dir_backend_ops *ops,
	    const char *name);

void	dir_table_free(struct dir_table *t);
/* Deep copy; 0 or -ENOMEM. */
int	dir_table_copy(struct dir_table *dst, const struct dir_table *src);

/* "203.0.113.10" / "2001:db8::10" into buf; returns buf. */
const char *dir_addr_str(int family, const union dir_addr *a, char *buf,
	    size_t len);

#endif

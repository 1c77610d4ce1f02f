/*
 * director/ipvs_int.h - what the ipvs backend's files share (ipvs.c: the
 * hooks and the table logic; ipvs_nl.c: generic netlink).
 */
#ifndef IPVS_INT_H
#define IPVS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "director/dir_int.h"

/* One destination as IPVS holds it (or as we want it held). */
struct ipvs_dest {
	int			af;
	union dir_addr		addr;
	uint16_t		port;		/* host order */
	uint32_t		fwd;		/* IP_VS_CONN_F_MASQ/... */
	uint32_t		weight;
	uint32_t		u_thresh, l_thresh;
	uint32_t		id;		/* the monitor's; 0 unknown */
	struct dir_real_stats	stats;		/* read only */
};

/* One virtual service; its dests are owned by it. */
struct ipvs_svc {
	int			af;
	int			proto;		/* 0 for fwmark services */
	union dir_addr		addr;
	uint16_t		port;
	uint32_t		fwmark;
	char			sched[16];
	uint32_t		flags;		/* IP_VS_SVC_F_*, no HASHED */
	uint32_t		timeout;	/* persistence, s */
	uint32_t		netmask;	/* as IPVS wants it: v4 mask in
						   network order, v6 prefix
						   length */
	uint32_t		id;		/* the monitor's; 0 unknown */
	uint64_t		conns;		/* read only */
	struct ipvs_dest	*d;
	size_t			 nd;
};

struct ipvs_tab {
	struct ipvs_svc	*s;
	size_t		 ns;
};

/*
 * One change to send.  cmd is an IPVS_CMD_*; s names the service (all of
 * its attributes for NEW/SET_SERVICE), d the dest for *_DEST.  The undo
 * (ucmd, us, ud) puts back what was there: for DEL_SERVICE it re-adds us
 * and all of its dests.
 */
struct ipvs_op {
	uint8_t			 cmd, ucmd;
	const struct ipvs_svc	*s, *us;
	const struct ipvs_dest	*d, *ud;
};

struct ipvs_nl;	/* socket, family id, sequence, buffers */

int	ipvs_nl_open(struct ipvs_nl **out, char *err, size_t errlen);
void	ipvs_nl_close(struct ipvs_nl *nl);
/*
 * Send ops (as many per sendmsg as fit in 32 KiB), one ack each, res[i]
 * 0 or -errno.  Returns 0 when all succeeded, else the first failure's
 * -errno (what failed is in res); a socket error is -EIO with err set.
 * undo != 0 sends the ops' undo instead.
 */
int	ipvs_nl_exec(struct ipvs_nl *nl, const struct ipvs_op *ops, size_t n,
	    int undo, int *res, char *err, size_t errlen);
/* Read the kernel's whole table (services, dests, counters). */
int	ipvs_nl_read(struct ipvs_nl *nl, struct ipvs_tab *out, char *err,
	    size_t errlen);
/* IPVS_CMD_FLUSH: every service and dest in this network namespace. */
int	ipvs_nl_flush(struct ipvs_nl *nl, char *err, size_t errlen);

/* IPVS_CMD_SET_CONFIG (the non-zero fields) and GET_CONFIG. */
int	ipvs_nl_set_timeouts(struct ipvs_nl *nl, const struct dir_timeouts *t,
	    char *err, size_t errlen);
int	ipvs_nl_get_timeouts(struct ipvs_nl *nl, struct dir_timeouts *t,
	    char *err, size_t errlen);
/* IPVS_CMD_NEW_DAEMON, DEL_DAEMON, GET_DAEMON (dump). */
int	ipvs_nl_daemon_start(struct ipvs_nl *nl,
	    const struct dir_sync_daemon *d, char *err, size_t errlen);
int	ipvs_nl_daemon_stop(struct ipvs_nl *nl, enum dir_sync_role role,
	    char *err, size_t errlen);
int	ipvs_nl_daemon_read(struct ipvs_nl *nl, struct dir_sync_daemon out[2],
	    size_t *n, char *err, size_t errlen);

void	ipvs_tab_free(struct ipvs_tab *t);
/*
 * The desired table in IPVS terms, checked (schedulers, protocols,
 * families, flags, thresholds, duplicates), sorted by key; ids kept.
 * Touches no kernel state.  director/ipvs.c
 */
int	dir_ipvs_check_table(const struct dir_table *t, struct ipvs_tab *out,
	    char *err, size_t errlen);
/* "add service tcp/203.0.113.10:80", "set dest ... 198.51.100.11:8080" */
const char *ipvs_op_str(const struct ipvs_op *op, int undo, char *buf,
	    size_t len);
const char *ipvs_svc_str(const struct ipvs_svc *s, char *buf, size_t len);

#endif

/*
 * mib/rows.h - the binding rows and the cached kernel counters, shared by
 * the files of mib/ (internal to the room).
 */
#ifndef MIB_ROWS_H
#define MIB_ROWS_H

#include <stdint.h>
#include <time.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "mib.h"

struct mib_ctr {
	uint64_t	conns, inpkts, outpkts, inbytes, outbytes;
};

struct mib_rate {
	uint32_t	cps, inpps, outpps, inbps, outbps;
};

/* A service row.  idx first: the containers' key (TABLE_CONTAINER_KEY_
   NETSNMP_INDEX).  The same row sits in the lvsmon and, when it fits, the
   historical container. */
struct mib_svc {
	netsnmp_index		 idx;
	oid			 oids[1];	/* service id */
	struct mon_service	*svc;		/* the model's, not owned */
	size_t			 first;		/* its reals in mib.reals[] */
	struct mib_ctr		 sum;		/* over its reals, last read */
	struct mib_ctr		 prev;		/* at the read before */
	struct mib_rate		 rate;
};

struct mib_real {
	netsnmp_index		 idx;
	oid			 oids[2];	/* service id, real id */
	struct mon_real		*rs;		/* the model's, not owned */
	struct mib_svc		*ms;
	int			 prev_state;	/* enum mon_rs_state */
	struct mib_ctr		 prev;
	struct mib_rate		 rate;
};

/* The room's state (mib/mib.c). */
struct mib_state {
	struct mon_model	*m;
	struct mib_svc		*svcs;		/* owned, one per service */
	size_t			 nsvcs;
	struct mib_real		*reals;		/* owned, one per real */
	size_t			 nreals;
	size_t			 nlegacy_svcs;	/* rows in lvsServiceTable */

	struct timespec		 tried;		/* last refresh attempt */
	struct timespec		 rated;		/* stats_time of the rates */
	int			 have_rates;
	long			 ct_tcp, ct_fin, ct_udp; /* seconds */

	int			 role, prev_role;	/* MIB numbers */
	u_long			 role_ticks;	/* sysUpTime at the change */
};

/* A DateAndTime of 11 octets, UTC. */
void	mib_set_date(netsnmp_variable_list *vb, const struct timespec *rt);

extern struct mib_state mib;

/* Read the kernel counters if the cached ones are a second old or more,
   and recompute rates when they changed.  Cheap otherwise. */
void	mib_refresh(void);

/* Rows by model object (never NULL for objects of the model). */
struct mib_svc	*mib_svc_row(const struct mon_service *svc);
struct mib_real	*mib_real_row(const struct mon_real *rs);

/* Set vb to the value of column col of the lvsmon tables; 0, or -1 for a
   column that does not exist. */
int	mib_svc_value(const struct mib_svc *ms, unsigned col,
	    netsnmp_variable_list *vb);
int	mib_real_value(const struct mib_real *mr, unsigned col,
	    netsnmp_variable_list *vb);

/*
 * Answer a GET on a table_container table: refresh the counters once, then
 * for each request set its value with svc_fn or real_fn (by is_real) on the
 * row the container found; noSuchInstance without a row, noSuchObject for
 * a column the function does not know.  Shared by the historical and the
 * lvsmon tables, which differ only in their columns.
 */
typedef int (*mib_value_fn)(const void *row, unsigned col,
    netsnmp_variable_list *vb);
void	mib_table_get(netsnmp_agent_request_info *ri,
	    netsnmp_request_info *requests, mib_value_fn fn);

/* Helpers for values. */
void	mib_set_int(netsnmp_variable_list *vb, u_char type, long v);
void	mib_set_c64(netsnmp_variable_list *vb, uint64_t v);
void	mib_set_str(netsnmp_variable_list *vb, const char *s);
u_long	mib_timestamp(const struct timespec *rt);

/* One table_container registration (mib/mib.c does the library's
   bookkeeping, including what its unregister forgets to free). */
struct mib_table {
	const char			*name;
	netsnmp_handler_registration	*reg;
	netsnmp_table_registration_info	*ti;
	netsnmp_container		*c;
};
int	mib_table_register(struct mib_table *t, const oid *o, size_t len,
	    Netsnmp_Node_Handler *fn, int writable, u_char idxtype,
	    int nidx, unsigned mincol, unsigned maxcol, struct err *e);
void	mib_table_unregister(struct mib_table *t);
/* Insert a row; 0 or -ENOMEM. */
int	mib_table_insert(struct mib_table *t, void *row);

/*
 * Failover (mib/failover.c), read from mon_ha_view() at each request.
 * mib_role_of: enum mon_ha_role -> lvsmonDirectorRole (enum snmp_role):
 * OFF standalone, INIT and BACKUP backup, MASTER master, FAULT fault.
 * mib_daemon_state: lvsDaemonState, the role of the sync daemon the
 * kernel runs (none(0), master(1), backup(2)); mib_sync_state_of maps
 * mon_apply_sync_daemon_state()'s bits to it.
 * mib_peer_value: column col of lvsmonPeerTable for one peer; 0, or -1.
 */
struct mon_ha_view;
struct mon_ha_peer_view;
int	mib_role_of(int ha_role);
int	mib_daemon_state(void);
int	mib_sync_state_of(int bits);
int	mib_peer_value(const struct mon_ha_peer_view *p, unsigned col,
	    netsnmp_variable_list *vb);
int	mib_failover_register(struct err *e);
void	mib_failover_unregister(void);

/* Registration of each part; 0 or -errno with e. */
int	mib_legacy_register(struct err *e);
void	mib_legacy_unregister(void);
int	mib_lvsmon_register(struct err *e);
void	mib_lvsmon_unregister(void);
/* Empty the part's containers and insert mib.svcs/mib.reals again (at
   register, and after a reload rebuilt them); 0 or -ENOMEM. */
int	mib_legacy_fill(void);
int	mib_lvsmon_fill(void);

/*
 * SET of lvsmonRealTable, split out of the handler's modes so that the
 * fuzz harness (t/fuzz/snmpset.c) runs the same code on any varbind.
 * check_set: RESERVE1, is vb acceptable for column col of row mr (NULL:
 * no such row)?  An SNMP error, or 0.  apply: ACTION and UNDO, set the
 * column through the command path (mon_cmd_*(), like lvsmonctl); 0 or
 * -errno (logged).
 */
#define MIB_LVSMON_COL_ADMIN	7
#define MIB_LVSMON_COL_WEIGHT	8
int	mib_lvsmon_check_set(const struct mib_real *mr, unsigned col,
	    const netsnmp_variable_list *vb);
int	mib_lvsmon_apply(struct mib_real *mr, unsigned col, long v);

#endif

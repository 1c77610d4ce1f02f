/*
 * mib/failover.c - director failover in the MIB: the role numbers of
 * lvsmonDirectorRole, the historical lvsDaemonState, and lvsmonPeerTable
 * (lvsmon.6), all read from mon_ha_view() (monitor/ha.h) when a request
 * comes in.
 *
 * The peer table is a table_iterator over the view's peers, not a
 * table_container like the service and real tables: it has a handful of
 * rows, and ha.c may replace them at any reload, so nothing is kept here
 * that could point into an old view.  Its index is the peer's position in
 * the director block's `peers` list (1, 2, ...).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include "monitor/apply.h"
#include "monitor/ha.h"
#include "snmp/snmp.h"
#include "rows.h"

#define PEER_TABLE	6	/* lvsmon.6 */
#define PEER_MAXCOL	10

static const oid peer_oid[] = { MIB_LVS_OID, 100, PEER_TABLE };

static netsnmp_handler_registration	*peer_reg;

int
mib_role_of(int ha_role)
{
	switch (ha_role) {
	case MON_HA_MASTER:
		return SNMP_ROLE_MASTER;
	case MON_HA_INIT:	/* holds no VIP, waits to hear its peers */
	case MON_HA_BACKUP:
		return SNMP_ROLE_BACKUP;
	case MON_HA_FAULT:
		return SNMP_ROLE_FAULT;
	default:
		return SNMP_ROLE_STANDALONE;
	}
}

int
mib_sync_state_of(int bits)
{
	/* the historical enumeration has no "both": ha.c stops one role's
	   daemon before it starts the other's, and a master's is the one
	   that matters to a poller */
	return bits & 1 ? 1 : bits & 2 ? 2 : 0;
}

int
mib_daemon_state(void)
{
	static struct timespec	tried;
	static int		last;
	struct timespec		now;
	int			bits;

	/* what the kernel runs, not what ha.c meant to start: read at most
	   once a second (one netlink round trip), the last value between */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (tried.tv_sec != 0 && (now.tv_sec - tried.tv_sec) * 1000 +
	    (now.tv_nsec - tried.tv_nsec) / 1000000 < 1000)
		return last;
	tried = now;
	if ((bits = mon_apply_sync_daemon_state()) >= 0)
		last = mib_sync_state_of(bits);
	return last;
}

int
mib_peer_value(const struct mon_ha_peer_view *p, unsigned col,
    netsnmp_variable_list *vb)
{
	unsigned char	a[16];
	int		type = 0;
	size_t		len = 0;

	switch (col) {
	case 2:
	case 3:
		if (inet_pton(AF_INET, p->addr, a) == 1) {
			type = 1;
			len = 4;
		} else if (inet_pton(AF_INET6, p->addr, a) == 1) {
			type = 2;
			len = 16;
		}
		if (col == 2)
			mib_set_int(vb, ASN_INTEGER, type);
		else
			snmp_set_var_typed_value(vb, ASN_OCTET_STR, a, len);
		break;
	case 4: mib_set_int(vb, ASN_INTEGER, p->alive ? 1 : 2); break;
	case 5:
		/* never heard: it has not said a role */
		mib_set_int(vb, ASN_INTEGER, p->last_heard.tv_sec == 0 &&
		    p->rx == 0 ? 5 : mib_role_of(p->role));
		break;
	case 6: mib_set_int(vb, ASN_INTEGER, p->priority); break;
	case 7: mib_set_int(vb, ASN_TIMETICKS, p->last_heard.tv_sec == 0 ?
		    0 : (long)mib_timestamp(&p->last_heard)); break;
	case 8: mib_set_c64(vb, p->rx); break;
	case 9: mib_set_c64(vb, p->bad_auth); break;
	case 10: mib_set_c64(vb, p->replayed); break;
	default: return -1;
	}
	return 0;
}

/* The iterator: the loop context is the next position (0-based). */
static netsnmp_variable_list *
peer_next(void **loop, void **data, netsnmp_variable_list *idx,
    netsnmp_iterator_info *ii)
{
	const struct mon_ha_view	*v = mon_ha_view();
	size_t				 i = (size_t)(uintptr_t)*loop;

	(void)ii;
	if (v == NULL || i >= v->npeers)
		return NULL;
	snmp_set_var_typed_integer(idx, ASN_UNSIGNED, (long)(i + 1));
	*data = (void *)(uintptr_t)(i + 1);
	*loop = (void *)(uintptr_t)(i + 1);
	return idx;
}

static netsnmp_variable_list *
peer_first(void **loop, void **data, netsnmp_variable_list *idx,
    netsnmp_iterator_info *ii)
{
	*loop = NULL;
	return peer_next(loop, data, idx, ii);
}

static int
peer_handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
    netsnmp_agent_request_info *ri, netsnmp_request_info *requests)
{
	const struct mon_ha_view	*v = mon_ha_view();

	(void)h;
	(void)reg;
	if (ri->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		size_t				 i = (size_t)(uintptr_t)
					    netsnmp_extract_iterator_context(r);
		netsnmp_table_request_info	*ti =
					    netsnmp_extract_table_info(r);

		if (r->processed)
			continue;
		if (i == 0 || v == NULL || i > v->npeers || ti == NULL) {
			netsnmp_set_request_error(ri, r,
			    SNMP_NOSUCHINSTANCE);
			continue;
		}
		if (mib_peer_value(&v->peers[i - 1], ti->colnum,
		    r->requestvb) < 0)
			netsnmp_set_request_error(ri, r, SNMP_NOSUCHOBJECT);
	}
	return SNMP_ERR_NOERROR;
}

int
mib_failover_register(struct err *e)
{
	netsnmp_table_registration_info	*ti;
	netsnmp_iterator_info		*ii;

	peer_reg = netsnmp_create_handler_registration("lvsmonPeerTable",
	    peer_handler, peer_oid, OID_LENGTH(peer_oid), HANDLER_CAN_RONLY);
	ti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	ii = SNMP_MALLOC_TYPEDEF(netsnmp_iterator_info);
	if (peer_reg == NULL || ti == NULL || ii == NULL)
		goto fail;
	netsnmp_table_helper_add_index(ti, ASN_UNSIGNED);
	ti->min_column = 2;
	ti->max_column = PEER_MAXCOL;
	ii->get_first_data_point = peer_first;
	ii->get_next_data_point = peer_next;
	ii->table_reginfo = ti;
	/* the 2 variant: the iterator info (and ti) go with the handler */
	if (netsnmp_register_table_iterator2(peer_reg, ii) !=
	    SNMPERR_SUCCESS) {
		peer_reg = NULL;	/* freed by the library */
		return err_set(e, -ENOMEM, "snmp: cannot register "
		    "lvsmonPeerTable");
	}
	return 0;
fail:
	if (peer_reg != NULL)
		netsnmp_handler_registration_free(peer_reg);
	peer_reg = NULL;
	if (ti != NULL)
		netsnmp_table_registration_info_free(ti);
	SNMP_FREE(ii);
	return err_set(e, -ENOMEM, "snmp: cannot register lvsmonPeerTable");
}

void
mib_failover_unregister(void)
{
	if (peer_reg != NULL)
		netsnmp_unregister_handler(peer_reg);
	peer_reg = NULL;
}

/*
 * snmp/notify.c - notifications: a bounded queue, sent as AgentX Notify
 * PDUs with a callback so that each leaves the queue only when the master
 * answered it.
 *
 * Why not send_v2trap(): in a subagent it writes the Notify and forgets
 * it, and while the session is down the notification is dropped without a
 * word (notes/snmp.md, gotcha 9).  Here an entry stays until acknowledged:
 * delivery is at least once (a Response lost with the session means the
 * entry is sent again after reconnect).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/queue.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "monitor/log.h"
#include "notify.h"
#include "snmp.h"

/* AgentX PDU type (RFC 2741 6.1); Net-SNMP's agentx headers are private */
#define AGENTX_MSG_NOTIFY	12
#define NOTIFY_TIMEOUT_S	2	/* a live master answers in ms */

struct entry {
	TAILQ_ENTRY(entry)	 link;
	netsnmp_variable_list	*vars;		/* owned */
	long			 reqid;		/* in flight; 0 = not sent */
};

static struct {
	TAILQ_HEAD(, entry)	 q;
	size_t			 n, max, inflight;
	struct event		*ev;		/* deferred send */
	netsnmp_session		*sess;		/* NULL while down */
	struct snmp_notify_stats st;
	int			 init;
} nq;

static void	send_some(void);

static void
entry_free(struct entry *en)
{
	if (en == NULL)
		return;
	snmp_free_varbind(en->vars);
	free(en);
}

static void
on_send(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	send_some();
}

int
snmp_notify_init(struct event_base *base, size_t max)
{
	if (nq.init)
		return 0;
	TAILQ_INIT(&nq.q);
	nq.max = max ? max : 1;
	nq.n = nq.inflight = 0;
	nq.sess = NULL;
	nq.st = (struct snmp_notify_stats){ 0, 0, 0 };
	nq.ev = NULL;
	if (base != NULL && (nq.ev = event_new(base, -1, 0, on_send,
	    NULL)) == NULL)
		return -ENOMEM;
	nq.init = 1;
	return 0;
}

int
snmp_notify_ready(void)
{
	return nq.init;
}

void
snmp_notify_reset(void)
{
	struct entry	*en;

	if (!nq.init)
		return;
	while ((en = TAILQ_FIRST(&nq.q)) != NULL) {
		TAILQ_REMOVE(&nq.q, en, link);
		entry_free(en);
	}
	if (nq.ev != NULL)
		event_free(nq.ev);
	nq.ev = NULL;
	nq.n = nq.inflight = 0;
	nq.sess = NULL;
	nq.init = 0;
}

void
snmp_notify_stats(struct snmp_notify_stats *st)
{
	*st = nq.st;
	st->queued = (uint32_t)nq.n;
}

static void
kick(void)
{
	if (nq.ev != NULL && nq.sess != NULL)
		event_active(nq.ev, 0, 0);
}

static struct entry *
find_reqid(long reqid)
{
	struct entry	*en;

	TAILQ_FOREACH(en, &nq.q, link)
		if (en->reqid == reqid)
			return en;
	return NULL;
}

int
snmp_notify_enqueue(netsnmp_variable_list *vars)
{
	struct entry	*en;

	if (!nq.init || (en = calloc(1, sizeof(*en))) == NULL) {
		snmp_free_varbind(vars);
		nq.st.dropped++;
		return -ENOMEM;
	}
	en->vars = vars;
	/* full: drop the oldest that is not on the wire (its answer would
	   find nothing); if all are in flight, the oldest of those */
	if (nq.n >= nq.max) {
		struct entry *old = TAILQ_FIRST(&nq.q), *o;

		TAILQ_FOREACH(o, &nq.q, link)
			if (o->reqid == 0) {
				old = o;
				break;
			}
		if (old->reqid != 0)
			nq.inflight--;
		TAILQ_REMOVE(&nq.q, old, link);
		entry_free(old);
		nq.n--;
		if (nq.st.dropped++ == 0 || mon_log_enabled(LOG_DEBUG))
			mon_warn("snmp: notification queue full (%zu): "
			    "dropping the oldest", nq.max);
	}
	TAILQ_INSERT_TAIL(&nq.q, en, link);
	nq.n++;
	kick();
	return 0;
}

static int
on_answer(int op, netsnmp_session *s, int reqid, netsnmp_pdu *pdu,
    void *magic)
{
	struct entry	*en;

	(void)s;
	(void)magic;
	if ((en = find_reqid(reqid)) == NULL)
		return 1;		/* dropped meanwhile, or session gone */
	nq.inflight--;
	if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE &&
	    pdu != NULL && pdu->errstat != SNMP_ERR_NOERROR) {
		/* the master refused this one: sending it again would loop */
		mon_warn("snmp: master refused a notification (error %ld): "
		    "dropped", pdu->errstat);
		nq.st.dropped++;
	} else if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE) {
		nq.st.sent++;
	} else {
		en->reqid = 0;		/* timeout: again later */
		return 1;
	}
	TAILQ_REMOVE(&nq.q, en, link);
	entry_free(en);
	nq.n--;
	kick();
	return 1;
}

static int
send_one(struct entry *en)
{
	netsnmp_pdu	*pdu;
	netsnmp_variable_list *up;
	oid		 uptime_oid[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };
	u_long		 ticks = netsnmp_get_agent_uptime();

	if ((pdu = snmp_pdu_create(AGENTX_MSG_NOTIFY)) == NULL)
		return -ENOMEM;
	pdu->version = nq.sess->version;
	pdu->sessid = nq.sess->sessid;
	pdu->reqid = snmp_get_next_reqid();
	pdu->flags |= UCD_MSG_FLAG_PDU_TIMEOUT;
	pdu->time = NOTIFY_TIMEOUT_S;
	up = snmp_varlist_add_variable(&pdu->variables, uptime_oid,
	    OID_LENGTH(uptime_oid), ASN_TIMETICKS, &ticks, sizeof(ticks));
	if (up == NULL || (up->next_variable =
	    snmp_clone_varbind(en->vars)) == NULL) {
		snmp_free_pdu(pdu);
		return -ENOMEM;
	}
	en->reqid = pdu->reqid;
	if (snmp_async_send(nq.sess, pdu, on_answer, NULL) == 0) {
		en->reqid = 0;
		snmp_free_pdu(pdu);
		return -EIO;
	}
	nq.inflight++;
	return 0;
}

static void
send_some(void)
{
	struct entry	*en;

	if (nq.sess == NULL)
		return;
	TAILQ_FOREACH(en, &nq.q, link) {
		if (nq.inflight >= SNMP_NOTIFY_WINDOW)
			break;
		if (en->reqid == 0 && send_one(en) < 0)
			break;		/* the next answer or session kicks */
	}
}

void
snmp_notify_session(netsnmp_session *s)
{
	struct entry	*en;

	nq.sess = s;
	if (s == NULL) {
		/* answers on a dead session never come */
		TAILQ_FOREACH(en, &nq.q, link)
			en->reqid = 0;
		nq.inflight = 0;
		return;
	}
	kick();
}

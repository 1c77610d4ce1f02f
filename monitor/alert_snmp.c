/*
 * monitor/alert_snmp.c - the `snmp` sink: each alarm as an lvsmonAlarm
 * notification through the AgentX subagent (snmpd sends it on to its
 * trap2sink / informsink / trapsess receivers).
 *
 *   alerts = ( { type = "snmp"; alertafter = 3; alertevery = 600; } );
 *
 * Needs global.snmp (conf: checked at load).  The subagent's own queue
 * keeps notifications while snmpd is away and sends them when it is back,
 * so handing an alarm to it is the delivery; the policy's retries only
 * cover a queue that is not there.  While an `snmp` sink is configured the
 * ungated per-change notifications (lvsmonRealStateChange,
 * lvsmonServiceQuorumChange) are not sent: the policy decides what goes
 * out (mib/mib.c asks mon_alerts_has()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "snmp/snmp.h"

static const struct mon_directive directives[] = {
	{ .key = NULL }
};

static int
sn_deliver(struct mon_alert_sink *s, const struct mon_alert *const *a,
    size_t n)
{
	char	why[64];
	int	rc;

	for (size_t i = 0; i < n; i++)
		if ((rc = snmp_alarm_send(a[i])) < 0) {
			snprintf(why, sizeof(why), "snmp: %s", rc ==
			    -ENOTCONN ? "no AgentX subagent" : strerror(-rc));
			mon_alert_done(s, 0, why);
			return 0;
		}
	mon_alert_done(s, 1, NULL);
	return 0;
}

static void
sn_cancel(struct mon_alert_sink *s)
{
	(void)s;	/* delivery is synchronous: nothing in flight */
}

const struct mon_alert_sink_type mon_alert_snmp = {
	.name = "snmp",
	.directives = directives,
	.conf_size = 0,
	.batch_max = 16,
	.batch_ms = 0,
	.deliver = sn_deliver,
	.cancel = sn_cancel,
};

/*
 * monitor/ha.c - director failover.  Interface skeleton: the heartbeat,
 * state machine and VIP takeover land here (issue 10); until then no
 * director block exists and the view is NULL (role OFF).
 */
#include "ha.h"

const char *const mon_ha_role_names[MON_HA__COUNT] = {
	[MON_HA_OFF]	= "off",
	[MON_HA_INIT]	= "init",
	[MON_HA_BACKUP]	= "backup",
	[MON_HA_MASTER]	= "master",
	[MON_HA_FAULT]	= "fault",
};

const struct mon_ha_view *
mon_ha_view(void)
{
	return NULL;
}

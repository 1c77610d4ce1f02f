/*
 * monitor/ha_show.h - the failover view for lvsmonctl (role, show) and
 * /metrics; nothing when failover is off (JSON: NULL).
 */
#ifndef MON_HA_SHOW_H
#define MON_HA_SHOW_H

#include <event2/buffer.h>
#include <json-c/json.h>

void		 mon_ha_show_text(struct evbuffer *out);
json_object	*mon_ha_show_json(void);
void		 mon_ha_metrics(struct evbuffer *out);

#endif

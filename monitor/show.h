/*
 * monitor/show.h - the model and events rendered for lvsmonctl: a table
 * for people, JSON for scripts (stable: fields are only added).
 */
#ifndef MON_SHOW_H
#define MON_SHOW_H

#include <event2/buffer.h>

#include "event.h"
#include "model.h"

void	mon_show_text(struct evbuffer *out, const struct mon_model *m);
void	mon_show_json(struct evbuffer *out, const struct mon_model *m);
/* One line per event, text or JSON. */
void	mon_event_format(struct evbuffer *out, const struct mon_event *ev,
	    int json);
/* "2026-11-23T12:00:00.123Z" */
void	mon_rfc3339(const struct timespec *ts, char *buf, size_t len);

#endif

/*
 * monitor/metrics.h - the Prometheus /metrics listener (global.metrics).
 *
 * An HTTP server (libevent's evhttp) on the daemon's loop answers GET (and
 * HEAD) /metrics with the model in the Prometheus text format 0.0.4, and
 * 404 to any other path.  It reads the model (like show), the kernel's
 * counters (mon_apply_refresh, at most once a second) and its own
 * per-service check histograms, fed from the bus (MON_EV_CHECK).  The
 * series are listed in monitor/README.md.
 */
#ifndef MON_METRICS_H
#define MON_METRICS_H

#include <event2/event.h>

#include "model.h"

/*
 * Listen on addr ("127.0.0.1:9580", "[::1]:9580"; numeric only, no DNS).
 * Returns 0, or -errno with e saying why ("global.metrics: ...").
 */
int	mon_metrics_open(struct mon_model *m, struct event_base *base,
	    const char *addr, struct err *e);
void	mon_metrics_close(void);

/* The whole exposition, as a scrape gets it (tests, benchmarks). */
struct evbuffer;
void	mon_metrics_format(struct evbuffer *out, struct mon_model *m);

#endif

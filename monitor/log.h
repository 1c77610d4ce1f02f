/*
 * monitor/log.h - one log line per change (STYLE habit 8).  Every message
 * starts with the object's key ("real web/198.51.100.11:8080: ...") and its
 * text stays stable: tests and operators match it.
 *
 * Destination: stderr with a timestamp when running in the foreground (-n),
 * syslog (daemon facility) otherwise.
 */
#ifndef MON_LOG_H
#define MON_LOG_H

#include <syslog.h>

void	mon_log_open(int foreground, int level);
void	mon_log_level(int level);
int	mon_log_enabled(int level);
void	mon_log(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#define mon_info(...)	mon_log(LOG_INFO, __VA_ARGS__)
#define mon_warn(...)	mon_log(LOG_WARNING, __VA_ARGS__)
#define mon_error(...)	mon_log(LOG_ERR, __VA_ARGS__)
#define mon_debug(...)	do { if (mon_log_enabled(LOG_DEBUG)) \
				mon_log(LOG_DEBUG, __VA_ARGS__); } while (0)

#endif

/* monitor/log.c - stderr or syslog (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

static int	to_stderr = 1;
static int	max_level = LOG_INFO;

void
mon_log_open(int foreground, int level)
{
	to_stderr = foreground;
	max_level = level;
	if (!foreground)
		openlog("lvsmond", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
mon_log_level(int level)
{
	max_level = level;
}

int
mon_log_enabled(int level)
{
	return level <= max_level;
}

void
mon_log(int level, const char *fmt, ...)
{
	va_list		ap;
	struct timespec	ts;
	struct tm	tm;
	char		stamp[32];

	if (level > max_level)
		return;
	va_start(ap, fmt);
	if (!to_stderr) {
		vsyslog(level, fmt, ap);
		va_end(ap);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ ", stamp, ts.tv_nsec / 1000000);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/*
 * monitor/err.h - how errors travel back to the one place that reports them.
 *
 * A function that can fail for a reason a user caused (a config value, a
 * control command, a check that could not start) returns a negative
 * errno-style code and fills the caller's struct err with a message fit for
 * that user: "lvsmond.conf:42: service web: real 10.0.0.5:80: weight: 70000
 * not in 0..65535".  Only main() decides to exit.
 *
 * The struct lives on the caller's stack; nothing here allocates.
 */
#ifndef MON_ERR_H
#define MON_ERR_H

#include <stddef.h>

struct err {
	char	msg[512];	/* "" when nothing failed */
};

/* Fill e (may be NULL) and return code, so callers write
 * "return err_set(e, -EINVAL, "...", ...);". */
int	err_set(struct err *e, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Put "prefix: " in front of what is already there ("service web: ..."). */
void	err_prefix(struct err *e, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif

/* monitor/err.c - struct err helpers (see err.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int
err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list	ap;

	if (e == NULL)
		return code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

void
err_prefix(struct err *e, const char *fmt, ...)
{
	char	pre[256], old[sizeof(e->msg)];
	size_t	n;
	va_list	ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	/* truncation is fine: the front of a message says the most */
	n = (size_t)snprintf(e->msg, sizeof(e->msg), "%s: ", pre);
	if (n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, "%.*s",
		    (int)(sizeof(e->msg) - n - 1), old);
}

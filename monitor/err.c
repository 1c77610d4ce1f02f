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
	va_list	ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	snprintf(e->msg, sizeof(e->msg), "%s: %s", pre, old);
}

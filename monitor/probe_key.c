/*
 * monitor/probe_key.c - a check's own keys as one line of text (see
 * mon_probe_key in probe.h), so that the scheduler can tell that two reals
 * of two services ask for the very same check of the same address:port and
 * run it once (sched.c, dedup).
 *
 * The text is built from the config settings, not from the parsed conf
 * struct: a struct may hold pointers (a compiled regex, a list of steps)
 * that no generic code can compare, while two settings that print alike
 * mean the same.  Two spellings of one value ("1" and "1.0") print apart:
 * those probes are then simply not shared.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

struct buf {
	char	*s;
	size_t	 len, cap;
	int	 err;
};

static void
put(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
put(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (b->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		/* the first call has no buffer: NULL + 0 is undefined */
		n = vsnprintf(b->s != NULL ? b->s + b->len : NULL,
		    b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t	 cap = (b->cap + (size_t)n + 1) * 2;
		char	*s = realloc(b->s, cap);

		if (s == NULL) {
			b->err = 1;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

static void
put_value(struct buf *b, const config_setting_t *s)
{
	int	n;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		put(b, "%d", config_setting_get_int(s));
		break;
	case CONFIG_TYPE_INT64:
		put(b, "%lldL", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		put(b, "%.17g", config_setting_get_float(s));
		break;
	case CONFIG_TYPE_BOOL:
		put(b, "%s", config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_STRING:
		/* length first: no escaping needed to keep two apart */
		put(b, "%zu\"%s\"", strlen(config_setting_get_string(s)),
		    config_setting_get_string(s));
		break;
	case CONFIG_TYPE_GROUP:
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_ARRAY:
		n = config_setting_length(s);
		put(b, "%c", config_setting_type(s) == CONFIG_TYPE_GROUP ? '{' :
		    '(');
		for (int i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(s,
			    (unsigned)i);

			if (config_setting_name(e) != NULL)
				put(b, "%s=", config_setting_name(e));
			put_value(b, e);
			put(b, ";");
		}
		put(b, "%c", config_setting_type(s) == CONFIG_TYPE_GROUP ? '}' :
		    ')');
		break;
	default:
		put(b, "?");
		break;
	}
}

int
mon_probe_key(struct probe *p, const config_setting_t *specific,
    const config_setting_t *inherited)
{
	struct buf			 b = { NULL, 0, 0, 0 };
	const struct mon_directive	*d;

	put(&b, "%s:", p->type->name);
	for (d = p->type->directives; d != NULL && d->key != NULL; d++) {
		const config_setting_t	*s = NULL;

		if (specific != NULL)
			s = config_setting_get_member(specific, d->key);
		if (s == NULL && inherited != NULL)
			s = config_setting_get_member(inherited, d->key);
		if (s == NULL)
			continue;
		put(&b, "%s=", d->key);
		put_value(&b, s);
		put(&b, ";");
	}
	if (b.err) {
		free(b.s);
		return -ENOMEM;
	}
	free(p->ckey);
	p->ckey = b.s;
	return 0;
}

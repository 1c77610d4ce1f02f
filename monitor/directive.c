/*
 * monitor/directive.c - the generic setters behind every config key table
 * (see directive.h).  A room lists its keys as rows; this file reads them
 * from libconfig, applies inheritance, bounds and defaults, and says what
 * was expected when a value is wrong.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directive.h"

int
mon_conf_err(struct err *e, const config_setting_t *s, const char *where,
    const char *key, const char *fmt, ...)
{
	char		 msg[384];
	const char	*file = NULL;
	int		 line = 0;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s != NULL) {
		file = config_setting_source_file(s);
		line = (int)config_setting_source_line(s);
	}
	return err_set(e, -EINVAL, "%s:%d: %s%s%s%s%s", file ? file : "config",
	    line, where ? where : "", where && *where ? ": " : "",
	    key ? key : "", key ? ": " : "", msg);
}

static const char *
type_text(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:	return "an integer";
	case CONFIG_TYPE_FLOAT:	return "a number";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL:	return "a boolean";
	case CONFIG_TYPE_GROUP:	return "a group { }";
	case CONFIG_TYPE_ARRAY:	return "an array [ ]";
	case CONFIG_TYPE_LIST:	return "a list ( )";
	default:		return "something else";
	}
}

int
mon_directive_known(const struct mon_directive *dirs, const char *key)
{
	for (; dirs != NULL && dirs->key != NULL; dirs++)
		if (strcmp(dirs->key, key) == 0)
			return 1;
	return 0;
}

/* Store the default of d at field. */
static int
set_default(const struct mon_directive *d, void *field, const char *where,
    struct err *e)
{
	switch (d->type) {
	case MON_D_INT:
	case MON_D_BOOL:
	case MON_D_ENUM:
		*(int *)field = (int)d->ndef;
		return 0;
	case MON_D_MS:
		*(unsigned *)field = (unsigned)d->ndef;
		return 0;
	case MON_D_STRING:
		if (d->sdef == NULL)
			return 0;
		if ((*(char **)field = strdup(d->sdef)) == NULL)
			return err_set(e, -ENOMEM, "out of memory");
		return 0;
	case MON_D_OTHER:
		return 0;
	case MON_D_CUSTOM:
		if (d->sdef == NULL || d->set == NULL)
			return 0;
		if (d->set(field, d->sdef, e) < 0) {
			err_prefix(e, "%s: default of %s", where, d->key);
			return -EINVAL;
		}
		return 0;
	default:
		return err_set(e, -EINVAL, "%s: %s: bad directive type",
		    where, d->key);
	}
}

/* Parse the setting s into field, as d says. */
static int
set_value(const struct mon_directive *d, void *field,
    const config_setting_t *s, const char *where, const char *ctx,
    struct err *e)
{
	char		 key[96];
	long long	 n;
	double		 f;
	const char	*str;
	int		 i;

	snprintf(key, sizeof(key), "%s%s", ctx, d->key);
	switch (d->type) {
	case MON_D_OTHER:
		return 0;
	case MON_D_INT:
		if (config_setting_type(s) != CONFIG_TYPE_INT &&
		    config_setting_type(s) != CONFIG_TYPE_INT64)
			return mon_conf_err(e, s, where, key,
			    "expected an integer, got %s", type_text(s));
		n = config_setting_get_int64(s);
		if (n < d->min || n > d->max)
			return mon_conf_err(e, s, where, key,
			    "%lld not in %lld..%lld", n, d->min, d->max);
		*(int *)field = (int)n;
		return 0;
	case MON_D_MS:
		if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
			f = config_setting_get_float(s);
		else if (config_setting_type(s) == CONFIG_TYPE_INT ||
		    config_setting_type(s) == CONFIG_TYPE_INT64)
			f = (double)config_setting_get_int64(s);
		else
			return mon_conf_err(e, s, where, key,
			    "expected seconds (e.g. 0.5), got %s",
			    type_text(s));
		n = llround(f * 1000.0);
		if (!isfinite(f) || n < d->min || n > d->max)
			return mon_conf_err(e, s, where, key,
			    "%g s not in %g..%g s", f, d->min / 1000.0,
			    d->max / 1000.0);
		*(unsigned *)field = (unsigned)n;
		return 0;
	case MON_D_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return mon_conf_err(e, s, where, key,
			    "expected true or false, got %s", type_text(s));
		*(int *)field = config_setting_get_bool(s);
		return 0;
	default:
		break;
	}

	/* the rest are strings in the file */
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return mon_conf_err(e, s, where, key,
		    "expected a string, got %s", type_text(s));
	str = config_setting_get_string(s);
	switch (d->type) {
	case MON_D_STRING:
		free(*(char **)field);
		if ((*(char **)field = strdup(str)) == NULL)
			return err_set(e, -ENOMEM, "out of memory");
		return 0;
	case MON_D_ENUM:
		for (i = 0; d->enums[i] != NULL; i++)
			if (strcmp(d->enums[i], str) == 0) {
				*(int *)field = i;
				return 0;
			}
		{
			char	list[256] = "";

			for (i = 0; d->enums[i] != NULL; i++)
				snprintf(list + strlen(list),
				    sizeof(list) - strlen(list), "%s%s",
				    i ? ", " : "", d->enums[i]);
			return mon_conf_err(e, s, where, key,
			    "\"%s\" is not one of %s", str, list);
		}
	case MON_D_CUSTOM:
		if (d->set == NULL)
			return 0;
		if (d->release != NULL)
			d->release(field);
		if (d->set(field, str, e) < 0)
			return mon_conf_err(e, s, where, key, "\"%s\": %s",
			    str, e->msg);
		return 0;
	default:
		return mon_conf_err(e, s, where, key, "bad directive type");
	}
}

static int
apply(const struct mon_directive *dirs, void *base,
    const config_setting_t *specific, const config_setting_t *inherited,
    const struct mon_directive *also_known, const char *where,
    const char *ctx, struct err *e)
{
	const struct mon_directive	*d;
	const config_setting_t		*s;
	int				 i, rc;

	/* a key of the most specific group that nobody knows is a typo */
	for (i = 0; specific != NULL &&
	    (s = config_setting_get_elem(specific, (unsigned)i)) != NULL; i++) {
		const char *name = config_setting_name(s);

		if (name == NULL || mon_directive_known(dirs, name) ||
		    mon_directive_known(also_known, name))
			continue;
		return mon_conf_err(e, s, where, name, "unknown key%s%.*s",
		    *ctx ? " in " : "", *ctx ? (int)strlen(ctx) - 1 : 0, ctx);
	}

	for (d = dirs; d != NULL && d->key != NULL; d++) {
		/* base NULL: a table of MON_D_OTHER rows only (no field);
		   NULL + 0 is undefined behaviour all the same */
		void *field = base != NULL ? (char *)base + d->offset : NULL;

		s = NULL;
		if (specific != NULL)
			s = config_setting_get_member(specific, d->key);
		if (s == NULL && inherited != NULL)
			s = config_setting_get_member(inherited, d->key);
		if (s != NULL)
			rc = set_value(d, field, s, where, ctx, e);
		else if (d->flags & MON_DF_REQUIRED)
			rc = mon_conf_err(e, specific ? specific : inherited,
			    where, d->key, "is required");
		else
			rc = set_default(d, field, where, e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
mon_directives_apply(const struct mon_directive *dirs, void *base,
    const config_setting_t *specific, const config_setting_t *inherited,
    const struct mon_directive *also_known, const char *where,
    struct err *e)
{
	return apply(dirs, base, specific, inherited, also_known, where,
	    "check.", e);
}

int
mon_directives_apply_in(const struct mon_directive *dirs, void *base,
    const config_setting_t *specific, const config_setting_t *inherited,
    const struct mon_directive *also_known, const char *block,
    const char *where, struct err *e)
{
	char	ctx[32];

	snprintf(ctx, sizeof(ctx), "%s.", block);
	return apply(dirs, base, specific, inherited, also_known, where, ctx,
	    e);
}

int
mon_directives_apply_group(const struct mon_directive *dirs, void *base,
    const config_setting_t *group, const char *where, struct err *e)
{
	return apply(dirs, base, group, NULL, NULL, where, "", e);
}

void
mon_directives_release(const struct mon_directive *dirs, void *base)
{
	for (; dirs != NULL && dirs->key != NULL; dirs++) {
		void *field = (char *)base + dirs->offset;

		if (dirs->type == MON_D_STRING) {
			free(*(char **)field);
			*(char **)field = NULL;
		} else if (dirs->type == MON_D_CUSTOM && dirs->release != NULL)
			dirs->release(field);
	}
}

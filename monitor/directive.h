/*
 * monitor/directive.h - a config key is a row of data (STYLE habit 2).
 *
 * Each room that owns config keys declares a table of struct mon_directive
 * rows, ended by a row whose key is NULL.  monitor/conf.c owns the generic
 * setters and the inheritance (service check -> real check), so a probe type
 * never walks libconfig by hand: it lists its keys, the offset of each field
 * in its own conf struct, the bounds and the default.  An unknown or
 * misplaced key is an error that names file:line and the key.
 */
#ifndef MON_DIRECTIVE_H
#define MON_DIRECTIVE_H

#include <stddef.h>
#include <libconfig.h>

#include "err.h"

enum mon_dtype {
	MON_D_INT = 0,	/* int; config integer; bounds min..max */
	MON_D_MS,	/* unsigned (ms); config seconds, int or float: 0.5 */
	MON_D_BOOL,	/* int 0/1; config true/false */
	MON_D_STRING,	/* char * (strdup'd, freed with the conf struct) */
	MON_D_ENUM,	/* int index into enums[]; config string */
	MON_D_CUSTOM,	/* set() parses the config string into the field */
	MON_D_OTHER,	/* a known key the caller reads itself (a group) */
	MON_D__COUNT
};

#define MON_DF_REQUIRED	0x1	/* no default: the key must be present */

struct mon_directive {
	const char		*key;
	enum mon_dtype		 type;
	size_t			 offset;	/* of the field in the conf struct */
	long long		 min, max;	/* INT and MS (in ms) bounds */
	long long		 ndef;		/* INT, MS (ms), BOOL, ENUM default */
	const char		*sdef;		/* STRING, CUSTOM default; NULL = none */
	const char *const	*enums;		/* ENUM names, NULL-terminated */
	/*
	 * CUSTOM: parse val into field.  Returns 0 or -EINVAL with e saying
	 * what was expected (the caller adds file:line and the key).  Called
	 * with the default text too, so defaults go through the same parser.
	 */
	int			(*set)(void *field, const char *val,
				    struct err *e);
	/* CUSTOM: free what set() allocated in field (may be NULL). */
	void			(*release)(void *field);
	unsigned		 flags;		/* MON_DF_* */
};

/*
 * Fill the struct at base from up to two groups: the most specific first
 * (a real's check block), then the one it inherits from (the service's);
 * either may be NULL.  Keys of the specific group that are in neither dirs
 * nor also_known (the keys another table handles) are errors; keys of the
 * inherited group that dirs lacks are skipped (they were checked against
 * the service's own check type).  where names the object for messages
 * ("service web: real 198.51.100.11:8080").  Returns 0 or -EINVAL with e as
 * "FILE:LINE: WHERE: check.KEY: what was expected".
 */
int	mon_directives_apply(const struct mon_directive *dirs, void *base,
	    const config_setting_t *specific, const config_setting_t *inherited,
	    const struct mon_directive *also_known, const char *where,
	    struct err *e);

/* The same for another block than check ("agent": "agent.port: ..."). */
int	mon_directives_apply_in(const struct mon_directive *dirs, void *base,
	    const config_setting_t *specific, const config_setting_t *inherited,
	    const struct mon_directive *also_known, const char *block,
	    const char *where, struct err *e);

/* One group, no inheritance, keys named plainly (global, service, real). */
int	mon_directives_apply_group(const struct mon_directive *dirs, void *base,
	    const config_setting_t *group, const char *where, struct err *e);

/*
 * Like err_set, for a config setting: "FILE:LINE: WHERE: KEY: msg".  s may
 * be NULL (no line known: the group's line is used by callers instead).
 */
int	mon_conf_err(struct err *e, const config_setting_t *s, const char *where,
	    const char *key, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

/* Free the STRING and CUSTOM fields that mon_directives_apply filled. */
void	mon_directives_release(const struct mon_directive *dirs, void *base);

/* Is key one of dirs' rows? */
int	mon_directive_known(const struct mon_directive *dirs, const char *key);

#endif

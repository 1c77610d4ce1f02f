/*
 * checkers/chk_conf.c - inherited MON_D_OTHER keys (see chk_conf.h).
 */
#include <string.h>

#include "checkers/chk_conf.h"

/*
 * The service's check group when cs is a real's own check block.  The
 * config's shape (monitor/conf.c) is service { check; real_servers = (
 * { check } ) }: walk up from the real's check to the service.
 */
static const config_setting_t *
conf_inherited(const config_setting_t *cs)
{
	const config_setting_t	*real, *list, *svc, *sc;
	const char		*name;

	if ((real = config_setting_parent(cs)) == NULL ||
	    (list = config_setting_parent(real)) == NULL ||
	    (name = config_setting_name(list)) == NULL ||
	    strcmp(name, "real_servers") != 0 ||
	    (svc = config_setting_parent(list)) == NULL ||
	    (sc = config_setting_get_member(svc, "check")) == NULL ||
	    sc == cs)
		return NULL;
	return sc;
}

const config_setting_t *
chk_conf_key(const config_setting_t *cs, const char *key)
{
	const config_setting_t	*s, *in;

	if (cs == NULL)
		return NULL;
	if ((s = config_setting_get_member(cs, key)) == NULL &&
	    (in = conf_inherited(cs)) != NULL)
		s = config_setting_get_member(in, key);
	return s;
}

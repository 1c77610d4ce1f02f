/*
 * checkers/chk_conf.h - config keys that the generic directive code does
 * not parse for a checker (lists, groups, floats: MON_D_OTHER rows), read
 * by the checker's configure() with the same inheritance as the rest: a
 * real's own check block first, then its service's check block.
 */
#ifndef CHK_CONF_H
#define CHK_CONF_H

#include <libconfig.h>

/*
 * The setting key of a check block cs (what configure() receives), or of
 * the service's check block when cs is a real's own and lacks the key.
 * NULL when neither has it.
 */
const config_setting_t	*chk_conf_key(const config_setting_t *cs,
			    const char *key);

#endif

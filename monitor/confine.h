/*
 * monitor/confine.h - global.confine: after start, lvsmond and every
 * program it runs (exec checks, alert scripts) may write only beneath its
 * state directory, its control socket's directory, /tmp, /var/tmp, /dev
 * and the directories listed in `writable`; reading and executing stay
 * free.  Landlock (Linux 5.13+), the unprivileged LSM: what the systemd
 * unit's ProtectSystem=strict gives, also without systemd, and kept
 * by the process itself (a unit file can be edited, a drop-in forgotten).
 *
 *   confine = true;
 *   confine = { writable = ("/var/lib/nagios/rw"); };
 *
 * Applied once, before the capability drop; a reload cannot widen it (a
 * changed state_file or control_socket directory needs a restart).  The
 * rules are inherited by every child and cannot be lifted: that is the
 * point.  no_new_privs is set with them (as the unit's NoNewPrivileges),
 * so a plugin's file capabilities and setuid bit no longer apply.
 */
#ifndef MON_CONFINE_H
#define MON_CONFINE_H

#include <libconfig.h>

struct err;
struct mon_model;

/* MON_CONFINE_MAX (model.h): how many `writable` entries */


/* Parse global.confine into m->global.  0 or -errno with file:line. */
int	mon_confine_conf_global(struct mon_model *m,
	    const config_setting_t *g, struct err *e);
/*
 * Restrict this process (and what it will start) to the model's writable
 * directories.  0 when confined or not asked to; -errno when asked and
 * impossible (no Landlock, a listed directory missing): the daemon does
 * not run unconfined against its configuration.
 */
int	mon_confine_apply(const struct mon_model *m, struct err *e);

#endif

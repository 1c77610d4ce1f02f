/*
 * monitor/confine.c - global.confine with Landlock (confine.h).  glibc
 * 2.36 has no wrappers for the three Landlock calls: syscall(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "confine.h"
#include "directive.h"
#include "err.h"
#include "log.h"
#include "model.h"

/* Linux 6.2 (ABI 3); Debian 12's headers are 6.1's */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif

int
mon_confine_conf_global(struct mon_model *m, const config_setting_t *g,
    struct err *e)
{
	const config_setting_t	*s, *w;
	int			 n;

	m->global.confine = 0;
	m->global.nwritable = 0;
	if (g == NULL || (s = config_setting_get_member(g, "confine")) ==
	    NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_BOOL) {
		m->global.confine = config_setting_get_bool(s);
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return mon_conf_err(e, s, "global", "confine", "expected true, "
		    "false or a group { writable = (\"/dir\"); }");
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *k = config_setting_get_elem(s,
		    (unsigned)i);

		if (strcmp(config_setting_name(k), "writable") != 0)
			return mon_conf_err(e, k, "global: confine",
			    config_setting_name(k), "unknown key (known: "
			    "writable)");
	}
	m->global.confine = 1;
	if ((w = config_setting_get_member(s, "writable")) == NULL)
		return 0;
	if (!config_setting_is_list(w) && !config_setting_is_array(w))
		return mon_conf_err(e, w, "global: confine", "writable",
		    "expected a list of directories (\"/dir\", ...)");
	if ((n = config_setting_length(w)) > MON_CONFINE_MAX)
		return mon_conf_err(e, w, "global: confine", "writable",
		    "%d directories, at most %d", n, MON_CONFINE_MAX);
	for (int i = 0; i < n; i++) {
		const config_setting_t	*d = config_setting_get_elem(w,
		    (unsigned)i);
		const char		*p = config_setting_get_string(d);

		if (p == NULL || p[0] != '/' ||
		    strlen(p) >= sizeof(m->global.writable[0]))
			return mon_conf_err(e, d, "global: confine",
			    "writable", "expected an absolute directory "
			    "path (under %zu characters)",
			    sizeof(m->global.writable[0]));
		snprintf(m->global.writable[i], sizeof(m->global.writable[i]),
		    "%s", p);
	}
	m->global.nwritable = (size_t)n;
	return 0;
}

/* The directory part of a file's path ("." for a bare name). */
static void
dir_of(const char *file, char *out, size_t len)
{
	char	tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", file);
	snprintf(out, len, "%s", dirname(tmp));
}

/* One rule: every handled right beneath path.  -errno, or 0. */
static int
allow(int ruleset, const char *path, __u64 rights)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = rights };
	int	rc = 0;

	if ((pb.parent_fd = open(path, O_PATH | O_CLOEXEC)) < 0)
		return -errno;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH,
	    &pb, 0) < 0)
		rc = -errno;
	close(pb.parent_fd);
	return rc;
}

int
mon_confine_apply(const struct mon_model *m, struct err *e)
{
	struct landlock_ruleset_attr	 attr = { 0 };
	const struct mon_global		*g = &m->global;
	/* the daemon's own, and what programs commonly need */
	char				 own[2][PATH_MAX];
	const char			*fixed[] = { own[0], own[1], "/tmp",
					    "/var/tmp", "/dev" };
	char				 list[512] = "";
	long				 abi;
	int				 fd, rc;

	if (!g->confine)
		return 0;
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return err_set(e, -ENOSYS, "global.confine: this kernel offers "
		    "no Landlock (%s); refusing to run unconfined",
		    strerror(errno));
	attr.handled_access_fs = LANDLOCK_ACCESS_FS_WRITE_FILE |
	    LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
	    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
	    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
	    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
	    LANDLOCK_ACCESS_FS_MAKE_SYM;
	if (abi >= 2)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if ((fd = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    sizeof(attr), 0)) < 0)
		return err_set(e, -errno, "global.confine: landlock: %s",
		    strerror(errno));
	dir_of(g->state_file, own[0], sizeof(own[0]));
	dir_of(g->control_socket, own[1], sizeof(own[1]));
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		/* a system without /var/tmp is no reason to stop */
		if ((rc = allow(fd, fixed[i], attr.handled_access_fs)) < 0 &&
		    i < 2) {
			close(fd);
			return err_set(e, rc, "global.confine: %s: %s",
			    fixed[i], strerror(-rc));
		}
		if (rc == 0)
			snprintf(list + strlen(list), sizeof(list) -
			    strlen(list), "%s%s", list[0] ? " " : "",
			    fixed[i]);
	}
	for (size_t i = 0; i < g->nwritable; i++) {
		if ((rc = allow(fd, g->writable[i],
		    attr.handled_access_fs)) < 0) {
			close(fd);
			return err_set(e, rc, "global.confine: writable: %s: "
			    "%s", g->writable[i], strerror(-rc));
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    " %s", g->writable[i]);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_landlock_restrict_self, fd, 0) < 0) {
		rc = -errno;
		close(fd);
		return err_set(e, rc, "global.confine: landlock: %s",
		    strerror(-rc));
	}
	close(fd);
	mon_info("lvsmond: confined (Landlock ABI %ld): writes only beneath "
	    "%s", abi, list);
	return 0;
}

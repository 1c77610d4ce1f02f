/*
 * monitor/caps.c - the capability drop after start (see caps.h), through
 * libcap-ng.
 */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/securebits.h>

#include <cap-ng.h>

#include "caps.h"
#include "log.h"

int
mon_caps_drop(struct err *e)
{
	int	admin, raw, setpcap, rc;

	if (capng_get_caps_process() < 0)
		return err_set(e, -EPERM, "capabilities: cannot read this "
		    "process's capabilities");
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE)
		return 0;	/* nothing to drop */
	admin = capng_have_capability(CAPNG_PERMITTED, CAP_NET_ADMIN);
	raw = capng_have_capability(CAPNG_PERMITTED, CAP_NET_RAW);
	setpcap = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);

	/* before the drop: setting securebits needs CAP_SETPCAP */
	if (setpcap && prctl(PR_SET_SECUREBITS, SECBIT_NOROOT |
	    SECBIT_NOROOT_LOCKED, 0, 0, 0) < 0)
		return err_set(e, -errno, "capabilities: securebits noroot: "
		    "%s", strerror(errno));

	capng_clear(setpcap ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS);
	if (admin)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
		    (setpcap ? CAPNG_BOUNDING_SET : 0), CAP_NET_ADMIN);
	if (raw)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
		    (setpcap ? CAPNG_BOUNDING_SET : 0), CAP_NET_RAW);
	/* inheritable is empty now, so the kernel clears ambient too */
	if ((rc = capng_apply(setpcap ? CAPNG_SELECT_BOTH :
	    CAPNG_SELECT_CAPS)) < 0)
		return err_set(e, -EPERM, "capabilities: dropping all but "
		    "cap_net_admin and cap_net_raw failed (libcap-ng %d)", rc);
	mon_info("lvsmond: capabilities: keeping only%s%s%s", admin ?
	    " cap_net_admin" : "", raw ? " cap_net_raw" : "",
	    setpcap ? "; bounding set and securebits noroot locked" :
	    "; bounding set left to the service manager (no cap_setpcap)");
	if (!admin)
		mon_warn("lvsmond: no cap_net_admin: the packet core will "
		    "refuse changes");
	return 0;
}

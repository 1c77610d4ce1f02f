/*
 * director/dir_int.h - what the director's own files share; not for other
 * rooms (they use director/dir.h only).
 */
#ifndef DIR_INT_H
#define DIR_INT_H

#include <stdarg.h>
#include <stddef.h>

#include "director/dir.h"

extern const struct dir_backend_ops dir_nft_ops;	/* director/nft.c */
extern const struct dir_backend_ops dir_none_ops;	/* director/none.c */
extern const struct dir_backend_ops dir_ipvs_ops;	/* director/ipvs.c */

/*
 * Does the kernel answer for the generic-netlink family "IPVS"?
 * 1 = yes, 0 = no, -errno when generic netlink itself failed (why in err).
 * director/ipvs_probe.c
 */
int	dir_ipvs_family_present(char *err, size_t errlen);
/*
 * Run "modprobe -q ip_vs" and wait for it (at most 5 s; it runs once, at
 * start, before the event loop serves anything).  0 when modprobe exited
 * 0, else -errno and why in err.  director/ipvs_probe.c
 */
int	dir_ipvs_modprobe(char *err, size_t errlen);
/* The same for any module ("ip_vs_sh").  director/ipvs_probe.c */
int	dir_modprobe(const char *module, char *err, size_t errlen);

/* snprintf into err when err is not NULL; returns code. */
int	dir_err(char *err, size_t errlen, int code, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* "tcp/203.0.113.10:80", "udp/[2001:db8::10]:53" */
const char *dir_svc_key(const struct dir_service *s, char *buf, size_t len);

#endif

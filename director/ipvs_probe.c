/*
 * director/ipvs_probe.c - is the kernel's IPVS there?  Only the question
 * "auto" asks: does the generic-netlink controller know a family named
 * "IPVS".  It changes nothing and loads no module (the controller does not
 * autoload on a lookup by name).
 */
#include <errno.h>

#include <netlink/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "director/dir_int.h"

int
dir_ipvs_family_present(char *err, size_t errlen)
{
	struct nl_sock *sk;
	int r;

	sk = nl_socket_alloc();
	if (sk == NULL)
		return dir_err(err, errlen, -ENOMEM, "out of memory");
	r = genl_connect(sk);
	if (r < 0) {
		dir_err(err, errlen, -EIO, "generic netlink: %s",
		    nl_geterror(r));
		nl_socket_free(sk);
		return -EIO;
	}
	r = genl_ctrl_resolve(sk, "IPVS");
	nl_socket_free(sk);
	if (r >= 0)
		return 1;
	if (r == -NLE_OBJ_NOTFOUND)
		return 0;
	return dir_err(err, errlen, -EIO, "generic netlink: %s",
	    nl_geterror(r));
}

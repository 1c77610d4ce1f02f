/*
 * director/ipvs_probe.c - is the kernel's IPVS there?  The question "auto"
 * and the ipvs backend's "available" ask: does the generic-netlink
 * controller know a family named "IPVS".  Where ip_vs is a module with the
 * alias net-pf-16-proto-16-family-IPVS (Debian's 6.1 has it) the lookup
 * itself makes the kernel load it (request_module, waited for in the
 * kernel).  When the family is still missing (autoloading off, an older
 * module), dir_ipvs_modprobe() runs modprobe, as ipvsadm and keepalived
 * do.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

extern char **environ;

int
dir_ipvs_modprobe(char *err, size_t errlen)
{
	return dir_modprobe("ip_vs", err, errlen);
}

int
dir_modprobe(const char *module, char *err, size_t errlen)
{
	static const char *const paths[] = { "/sbin/modprobe",
	    "/usr/sbin/modprobe", NULL };
	char *argv[] = { "modprobe", "-q", "--", (char *)module, NULL };
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	const char *path = NULL;
	pid_t pid, w;
	int i, r, st = 0;

	for (i = 0; paths[i] != NULL; i++)
		if (access(paths[i], X_OK) == 0) {
			path = paths[i];
			break;
		}
	if (path == NULL)
		return dir_err(err, errlen, -ENOENT, "no modprobe in /sbin or "
		    "/usr/sbin");
	r = posix_spawn(&pid, path, NULL, NULL, argv, environ);
	if (r != 0)
		return dir_err(err, errlen, -r, "modprobe %s: %s", module,
		    strerror(r));
	/* Bounded: 500 ticks of 10 ms. */
	for (i = 0; i < 500; i++) {
		w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0) {
			/* SIGCHLD ignored: the child was reaped for us;
			 * the caller looks at the kernel anyway. */
			return errno == ECHILD ? 0 : dir_err(err, errlen,
			    -errno, "modprobe %s: %s", module,
			    strerror(errno));
		}
		nanosleep(&tick, NULL);
	}
	if (i == 500) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return dir_err(err, errlen, -ETIMEDOUT, "modprobe %s did not "
		    "finish within 5 s", module);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	return dir_err(err, errlen, -ENOENT, "modprobe %s failed (%s %d)",
	    module, WIFEXITED(st) ? "exit" : "signal",
	    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

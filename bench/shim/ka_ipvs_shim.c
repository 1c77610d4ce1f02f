/*
 * bench/shim/ka_ipvs_shim.c - an LD_PRELOAD shim that lets keepalived's
 * checker run on a kernel without IPVS, so its health checks can be
 * measured.  bench/checks builds it into a temporary directory: it lives
 * under bench/shim/ because the Makefile links every C file directly in
 * bench/ as a program.
 *
 * keepalived's checker stops FATAL when ipvs_init() fails, and that happens
 * whenever a virtual_server exists.  Its libipvs first tries the "IPVS"
 * generic-netlink family (absent here), then a raw socket and
 * getsockopt(IPPROTO_IP, IP_VS_SO_GET_INFO).  This shim answers the
 * IP_VS_SO_* socket options in user space: GETs describe an empty IPVS
 * table, SETs succeed and are only counted.  Every other socket option goes
 * to libc.  The health checks themselves stay real sockets.
 *
 * With KA_SHIM_LOG=PREFIX set, each process that uses the shim rewrites
 * PREFIX.PID with one line of counters after every faked call, so the bench
 * can show which IPVS calls were faked and that none happen in steady state
 * (expected: ADD 1, ADDDEST N at start; DEL, DELDEST at stop).  Rewritten
 * on every call rather than at exit: keepalived may be killed at the end.
 * There are about 2N calls in all, none between start and stop.
 */
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ip_vs.h>

typedef int (*getsockopt_fn)(int, int, int, void *, socklen_t *);
typedef int (*setsockopt_fn)(int, int, int, const void *, socklen_t);

static unsigned long set_calls[IP_VS_SO_SET_MAX - IP_VS_BASE_CTL + 1];
static unsigned long get_calls[IP_VS_SO_GET_MAX - IP_VS_BASE_CTL + 1];

static void shim_report(void);

int getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int setsockopt(int fd, int level, int name, const void *val, socklen_t len);

static void
zero_out(void *val, socklen_t *len, size_t keep)
{
	/* Keep the caller's lookup key (service id) and zero the rest. */
	if (val != NULL && len != NULL && *len > keep)
		memset((char *)val + keep, 0, *len - keep);
}

int
getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	static getsockopt_fn real;

	if (level == IPPROTO_IP && name >= IP_VS_SO_GET_VERSION &&
	    name <= IP_VS_SO_GET_MAX) {
		get_calls[name - IP_VS_BASE_CTL]++;
		shim_report();
		switch (name) {
		case IP_VS_SO_GET_VERSION:
			if (val != NULL && len != NULL && *len > 0) {
				snprintf(val, *len,
				    "IP Virtual Server version 1.2.1 "
				    "(size=4096)");
			}
			return 0;
		case IP_VS_SO_GET_INFO: {
			struct ip_vs_getinfo info = {
				.version = (1 << 16) | (2 << 8) | 1,
				.size = 4096,
				.num_services = 0,
			};

			if (val == NULL || len == NULL || *len < sizeof(info)) {
				errno = EINVAL;
				return -1;
			}
			memcpy(val, &info, sizeof(info));
			*len = sizeof(info);
			return 0;
		}
		case IP_VS_SO_GET_SERVICES:
			zero_out(val, len, sizeof(unsigned int));
			if (val != NULL)
				((struct ip_vs_get_services *)val)->
				    num_services = 0;
			return 0;
		case IP_VS_SO_GET_DESTS:
			/* Keep the service key, report no destinations. */
			zero_out(val, len, offsetof(struct ip_vs_get_dests,
			    num_dests));
			return 0;
		case IP_VS_SO_GET_SERVICE:
			return 0;
		default:
			zero_out(val, len, 0);
			return 0;
		}
	}
	if (real == NULL)
		real = (getsockopt_fn)dlsym(RTLD_NEXT, "getsockopt");
	return real(fd, level, name, val, len);
}

int
setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	static setsockopt_fn real;

	if (level == IPPROTO_IP && name >= IP_VS_BASE_CTL &&
	    name <= IP_VS_SO_SET_MAX) {
		set_calls[name - IP_VS_BASE_CTL]++;
		shim_report();
		return 0;
	}
	if (real == NULL)
		real = (setsockopt_fn)dlsym(RTLD_NEXT, "setsockopt");
	return real(fd, level, name, val, len);
}

static void
shim_report(void)
{
	static const char *set_names[] = {
		"NONE", "INSERT", "ADD", "EDIT", "DEL", "FLUSH", "LIST",
		"ADDDEST", "DELDEST", "EDITDEST", "TIMEOUT", "STARTDAEMON",
		"STOPDAEMON", "RESTORE", "SAVE", "ZERO",
	};
	const char *prefix = getenv("KA_SHIM_LOG");
	char path[4096];
	FILE *f;

	if (prefix == NULL)
		return;
	snprintf(path, sizeof(path), "%s.%d", prefix, (int)getpid());
	f = fopen(path, "w");
	if (f == NULL)
		return;
	fprintf(f, "pid %d:", (int)getpid());
	for (size_t i = 0; i < sizeof(set_calls) / sizeof(set_calls[0]); i++)
		if (set_calls[i] != 0)
			fprintf(f, " SET_%s=%lu", set_names[i], set_calls[i]);
	for (size_t i = 0; i < sizeof(get_calls) / sizeof(get_calls[0]); i++)
		if (get_calls[i] != 0)
			fprintf(f, " GET+%zu=%lu", i, get_calls[i]);
	fprintf(f, "\n");
	fclose(f);
}

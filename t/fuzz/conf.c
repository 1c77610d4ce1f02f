/*
 * t/fuzz/conf.c - the config file: libconfig text -> the model, every
 * service, real, check block (all probe types' configure()), agent,
 * alerts and global key, exactly as `lvsmond -t` and a reload read it.
 *
 * The text goes to a memfd and is read through /proc/self/fd/N, because
 * mon_model_load() takes a path.  A good file is freed again (no leak),
 * a bad one must leave an error naming where.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lua/lua_rt.h"
#include "monitor/log.h"
#include "monitor/model.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

static int		fd = -1;
static char		path[64];
static unsigned long	inputs;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct err	e = { "" };

	mon_log_level(LOG_ERR);
	/* As in a daemon that runs a lua check all along: the Lua state,
	   and the TLS contexts freed with it, live across inputs (else
	   every input with a verify = true check reloads the system CA
	   store: seconds under ASan) */
	if (lua_rt_acquire(&e) == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mon_model	m;
	struct err		e = { "" };

	if (size > 64 * 1024)
		return -1;
	/* a fresh Lua state now and then: it keeps every chunk compiled */
	if (++inputs % 500 == 0) {
		lua_rt_release();
		if (lua_rt_acquire(&e) == NULL)
			abort();
	}
	if (fd < 0) {
		fd = memfd_create("lvsmond.conf", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) !=
	    (ssize_t)size)
		abort();
	memset(&m, 0, sizeof(m));
	if (mon_model_load(&m, path, &e) == 0) {
		mon_model_free(&m);
		return 0;
	}
	/* refused: the message is for the user; it must say something */
	if (e.msg[0] == '\0')
		abort();
	return 0;
}

/*
 * lua/rt.c - the one lua_State of the daemon: its allocator and memory
 * limit, the sandbox every check sees, compiled-chunk cache, require, and
 * the runs (one coroutine each): start, resume, finish, cancel, and the
 * count hook that enforces the instruction budget and slices long
 * computations so that the event loop keeps turning.
 *
 * Every Lua API call made from C outside a running coroutine goes through
 * lua_pcall of a C function: an allocation may fail at the memory limit,
 * and an unprotected error would reach the panic handler.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lualib.h>

#include "checkers/chk_tls.h"
#include "lua/lua_rt.h"
#include "monitor/log.h"

#define RT_MAX_FILE	(1 << 20)	/* a script or module, bytes */
#define RT_MAX_LOG	400		/* lvsmon.log text, bytes */

/* The state and what belongs to it as a whole. */
static struct {
	lua_State		*L;
	int			 refs;		/* configured lua checks */
	size_t			 used, limit;
	int			 sandbox_ref;	/* the shared read-only globals */
	int			 envmt_ref;	/* metatable of every env */
	int			 chunks_ref;	/* compiled chunks, by text */
	struct event_base	*base;
	unsigned		 running;	/* runs alive */
	struct lua_run		*cur;		/* the run being resumed */
} rt = { .sandbox_ref = LUA_NOREF };

static void	run_finish(struct lua_run *run, enum chk_verdict v, int w,
		    enum chk_reason r, const char *msg);
static void	rt_hook(lua_State *L, lua_Debug *ar);

/* ---- memory ------------------------------------------------------------ */

/* Lua's allocator: the one place that counts, and refuses over the limit
 * (Lua then collects garbage and retries once before raising "not enough
 * memory" in the coroutine that asked). */
static void *
rt_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	size_t	 old = ptr != NULL ? osize : 0;
	void	*np;

	if (nsize == 0) {
		free(ptr);
		rt.used -= old;
		return NULL;
	}
	if (nsize > old && rt.used - old + nsize > rt.limit)
		return NULL;
	if ((np = realloc(ptr, nsize)) == NULL)
		return NULL;
	rt.used = rt.used - old + nsize;
	if (nsize >= LUA_RT_BIG_ALLOC && rt.cur != NULL &&
	    rt.cur->p != NULL && rt.cur->co != NULL) {
		/*
		 * A big block costs time the instruction count does not see
		 * (filling it, first touch of its pages).  Ask for a hook at
		 * the next instruction, which yields to the loop: a string
		 * doubled in a loop then lets other checks run between
		 * doublings.  lua_sethook may be called at any point.
		 */
		rt.cur->big_alloc = 1;
		lua_sethook(rt.cur->co, rt_hook, LUA_MASKCOUNT, 1);
	}
	return np;
}

void *
lua_rt_realloc(void *ptr, size_t osize, size_t nsize)
{
	return rt_alloc(NULL, ptr, osize, nsize);
}

void
lua_rt_stats(size_t *used, size_t *limit, unsigned *running)
{
	if (used != NULL)
		*used = rt.used;
	if (limit != NULL)
		*limit = rt.limit;
	if (running != NULL)
		*running = rt.running;
}

/* LVSMON_LUA_MEMORY: bytes, or with K, M, G. */
static size_t
rt_limit_from_env(void)
{
	const char		*s = getenv("LVSMON_LUA_MEMORY");
	char			*end;
	unsigned long long	 v;

	if (s == NULL || *s == '\0')
		return LUA_RT_DEFAULT_MEMORY;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		goto bad;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end != '\0' || v < (1u << 20))
		goto bad;
	return (size_t)v;
bad:
	mon_warn("lua: LVSMON_LUA_MEMORY=\"%s\": expected bytes >= 1M "
	    "(K, M, G suffixes); using %u MB", s, LUA_RT_DEFAULT_MEMORY >> 20);
	return LUA_RT_DEFAULT_MEMORY;
}

/* ---- small helpers ----------------------------------------------------- */

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct event_base *
lua_rt_base(void)
{
	return rt.base;
}

struct lua_run *
lua_rt_current(void)
{
	return rt.cur;
}

struct lua_run *
lua_rt_run_of(lua_State *L, const char *what)
{
	struct lua_run	*run = rt.cur;

	if (run == NULL || run->p == NULL)
		luaL_error(L, "%s: only inside check(), not while the file "
		    "is loaded", what);
	else if (run->co != L)
		luaL_error(L, "%s: must run in check()'s own coroutine, not "
		    "in a coroutine the script made", what);
	return run;
}

/* "label" of the running check for log lines. */
static const char *
cur_label(void)
{
	if (rt.cur != NULL && rt.cur->ck != NULL)
		return rt.cur->ck->label;
	return "lua";
}

/*
 * "file:line" of the innermost Lua function on L's stack (a coroutine that
 * just failed keeps its stack for this), or "" when there is none.
 */
static void
rt_where(lua_State *L, char *buf, size_t len)
{
	lua_Debug	ar;

	buf[0] = '\0';
	for (int lvl = 0; lua_getstack(L, lvl, &ar); lvl++) {
		if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0)
			continue;
		snprintf(buf, len, "%s:%d", ar.short_src, ar.currentline);
		return;
	}
}

/* ---- files -------------------------------------------------------------- */

int
lua_rt_find(const char *dirs, const char *rel, char *out, size_t outlen)
{
	const char	*d = dirs, *end;
	struct stat	 st;

	while (d != NULL && *d != '\0') {
		end = strchr(d, ':');
		if (end == NULL)
			end = d + strlen(d);
		if (end > d && snprintf(out, outlen, "%.*s/%s",
		    (int)(end - d), d, rel) < (int)outlen &&
		    stat(out, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
		d = *end == ':' ? end + 1 : NULL;
	}
	return -ENOENT;
}

char *
lua_rt_read_file(const char *path, size_t *len, struct err *e)
{
	struct stat	 st;
	char		*buf = NULL;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		err_set(e, -errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > RT_MAX_FILE) {
		err_set(e, -EINVAL, "%s: not a regular file of at most %d "
		    "bytes", path, RT_MAX_FILE);
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	while (got < (size_t)st.st_size &&
	    (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	*len = got;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/* ---- compiling ---------------------------------------------------------- */

int
lua_rt_compile(lua_State *L, const char *text, size_t len,
    const char *chunkname)
{
	const char	*prefix = "local _ENV = ...; ";
	int		 top = lua_gettop(L);

	/* The cache key: name and text (a changed file compiles anew). */
	lua_pushstring(L, chunkname);
	lua_pushliteral(L, "\n");
	lua_pushlstring(L, text, len);
	lua_concat(L, 3);
	lua_rawgeti(L, LUA_REGISTRYINDEX, rt.chunks_ref);
	lua_pushvalue(L, -2);
	if (lua_rawget(L, -2) == LUA_TFUNCTION) {
		lua_replace(L, top + 1);
		lua_settop(L, top + 1);
		return 0;
	}
	lua_pop(L, 1);
	/*
	 * "local _ENV = ..." on the file's own first line keeps its line
	 * numbers; a #! line becomes a comment.  Text only: a binary chunk
	 * is refused by mode "t" (and by the prefix, which is text).
	 */
	if (len > 0 && text[0] == '#') {
		lua_pushfstring(L, "%s--", prefix);
		text++;
		len--;
	} else
		lua_pushstring(L, prefix);
	lua_pushlstring(L, text, len);
	lua_concat(L, 2);
	{
		size_t		 slen;
		const char	*src = lua_tolstring(L, -1, &slen);

		if (luaL_loadbufferx(L, src, slen, chunkname, "t") !=
		    LUA_OK) {
			lua_replace(L, top + 1);
			lua_settop(L, top + 1);
			return -1;
		}
	}
	/* The chunk's own upvalue _ENV is shadowed by the local; leave it
	   nothing to reach either. */
	lua_pushnil(L);
	lua_setupvalue(L, -2, 1);
	lua_pushvalue(L, top + 1);	/* key */
	lua_pushvalue(L, -2);		/* fn */
	lua_rawset(L, top + 2);		/* chunks[key] = fn */
	lua_replace(L, top + 1);
	lua_settop(L, top + 1);
	return 0;
}

/* ---- the sandbox -------------------------------------------------------- */

/* __newindex of a shared library: they are shared by every check. */
static int
ro_newindex(lua_State *L)
{
	const char	*name = "library";

	if (lua_getmetatable(L, 1) &&
	    lua_getfield(L, -1, "__name") == LUA_TSTRING)
		name = lua_tostring(L, -1);
	return luaL_error(L, "%s is read-only (shared by every check)", name);
}


/* __pairs of a shared library: iterate the library itself.  Upvalue 1 is
 * the base library's next. */
static int
ro_pairs(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_getmetatable(L, 1);
	lua_getfield(L, -1, "__index");
	lua_remove(L, -2);
	lua_pushnil(L);
	return 3;
}

/* Replace the table on top by a read-only proxy of it named name.  The
 * proxy's metatable is hidden (__metatable) so that no script can reach
 * the shared table to change it. */
static void
rt_proxy(lua_State *L, const char *name)
{
	lua_newtable(L);			/* lib proxy */
	lua_createtable(L, 0, 6);		/* lib proxy mt */
	lua_pushvalue(L, -3);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, ro_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_getglobal(L, "next");
	lua_pushcclosure(L, ro_pairs, 1);
	lua_setfield(L, -2, "__pairs");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_pushstring(L, name);
	lua_setfield(L, -2, "__name");
	lua_pushboolean(L, 1);
	lua_setfield(L, -2, "__lvsmon_ro");
	lua_setmetatable(L, -2);
	lua_replace(L, -2);
}

/* rawset, refusing the shared libraries (a rawset on a proxy would show in
 * every check). */
static int
sb_rawset(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checkany(L, 2);
	luaL_checkany(L, 3);
	if (lua_getmetatable(L, 1)) {
		if (lua_getfield(L, -1, "__lvsmon_ro") == LUA_TBOOLEAN)
			return ro_newindex(L);
		lua_pop(L, 2);
	}
	lua_settop(L, 3);
	lua_rawset(L, 1);
	return 1;
}

/* print(...): to the debug log, like lvsmon.log("debug", ...). */
static int
sb_print(lua_State *L)
{
	luaL_Buffer	b;
	int		n = lua_gettop(L);

	if (!mon_log_enabled(LOG_DEBUG))
		return 0;
	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	mon_debug("%s: lua: %.*s", cur_label(), RT_MAX_LOG,
	    lua_tostring(L, -1));
	return 0;
}

/* load(chunk [, chunkname [, mode [, env]]]): text chunks only; the
 * default environment is the caller's own (upvalue 1), not a global one. */
static int
sb_load(lua_State *L)
{
	size_t		 len;
	const char	*s = lua_tolstring(L, 1, &len);
	const char	*name = luaL_optstring(L, 2, "=(load)");

	if (s == NULL || lua_type(L, 1) != LUA_TSTRING)
		return luaL_error(L, "load: only a string of Lua text can be "
		    "loaded here");
	if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
		luaL_pushfail(L);
		lua_insert(L, -2);
		return 2;
	}
	if (!lua_isnone(L, 4))
		lua_pushvalue(L, 4);
	else
		lua_pushvalue(L, lua_upvalueindex(1));
	lua_setupvalue(L, -2, 1);
	return 1;
}

static int	sb_require(lua_State *L);

/*
 * Give the env table at idx its own _G and load, and require: the closure
 * at req_idx, or (req_idx 0) a new one with its own loaded-table over the
 * directories dirs.
 */
static void
env_fill(lua_State *L, int idx, int req_idx, const char *dirs)
{
	idx = lua_absindex(L, idx);
	lua_pushvalue(L, idx);
	lua_setfield(L, idx, "_G");
	lua_pushvalue(L, idx);
	lua_pushcclosure(L, sb_load, 1);
	lua_setfield(L, idx, "load");
	if (req_idx != 0) {
		lua_pushvalue(L, req_idx);
	} else {
		lua_newtable(L);		/* loaded */
		lua_pushstring(L, dirs);
		lua_pushcclosure(L, sb_require, 2);
	}
	lua_setfield(L, idx, "require");
}

static void
env_push(lua_State *L)
{
	lua_newtable(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, rt.envmt_ref);
	lua_setmetatable(L, -2);
}

void
lua_rt_new_env(lua_State *L, const char *dirs)
{
	env_push(L);
	env_fill(L, -1, 0, dirs);
}

/* A module name: letters, digits, _ - and dots between them. */
static int
module_name_ok(const char *s)
{
	if (*s == '\0' || *s == '.' || strlen(s) > 128)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '.' && (s[1] == '.' || s[1] == '\0'))
			return 0;
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && *s != '_' && *s != '-' &&
		    *s != '.')
			return 0;
	}
	return 1;
}

/*
 * require(name): name.lua from the check's directories only (upvalue 2),
 * loaded once per check (upvalue 1: its loaded table), with an environment
 * of its own.  The file is read here, synchronously: a local file, and the
 * top of a script (where requires belong) runs at configure time.
 */
static int
sb_require(lua_State *L)
{
	const char	*name = luaL_checkstring(L, 1);
	const char	*dirs = lua_tostring(L, lua_upvalueindex(2));
	char		 rel[160], path[PATH_MAX], chunk[PATH_MAX + 1];
	struct err	 e = { "" };
	lua_Debug	 ar;
	char		*text;
	size_t		 len;
	int		 rc;

	lua_settop(L, 1);
	if (!module_name_ok(name))
		return luaL_error(L, "require \"%s\": a module name is letters, "
		    "digits, _ and -, with dots for directories", name);
	if (lua_getfield(L, lua_upvalueindex(1), name) != LUA_TNIL) {
		if (lua_islightuserdata(L, -1))
			return luaL_error(L, "require \"%s\": loop (the module "
			    "requires itself)", name);
		return 1;
	}
	lua_pop(L, 1);
	snprintf(rel, sizeof(rel), "%s.lua", name);
	for (char *c = rel; c < rel + strlen(name); c++)
		if (*c == '.')
			*c = '/';
	if (lua_rt_find(dirs, rel, path, sizeof(path)) < 0)
		return luaL_error(L, "require \"%s\": no %s in %s", name, rel,
		    dirs);
	if ((text = lua_rt_read_file(path, &len, &e)) == NULL)
		return luaL_error(L, "require \"%s\": %s", name, e.msg);
	snprintf(chunk, sizeof(chunk), "@%s", rel);
	rc = lua_rt_compile(L, text, len, chunk);
	free(text);
	if (rc < 0)
		return lua_error(L);
	/* The module's own environment, sharing this check's require. */
	env_push(L);
	lua_getstack(L, 0, &ar);
	lua_getinfo(L, "f", &ar);		/* this closure */
	env_fill(L, -2, lua_gettop(L), NULL);
	lua_pop(L, 1);
	lua_pushlightuserdata(L, (void *)&rt);	/* "loading" */
	lua_setfield(L, lua_upvalueindex(1), name);
	lua_call(L, 1, 1);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_pushvalue(L, -1);
	lua_setfield(L, lua_upvalueindex(1), name);
	return 1;
}

/* ---- lvsmon.now, sleep, log -------------------------------------------- */

static int
l_now(lua_State *L)
{
	lua_pushinteger(L, now_ms());
	return 1;
}

static void
run_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	lua_rt_wake(arg);
}

int
lua_rt_timer(lua_State *L, struct lua_run *run, long long ms)
{
	struct timeval	tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (run->timer == NULL &&
	    (run->timer = evtimer_new(rt.base, run_timer_cb, run)) == NULL)
		return -ENOMEM;
	/* From now, not from the loop's cached time (earlier by the time
	   the scripts of this turn took): sleep(100) waits 100 ms. */
	event_base_update_cache_time(rt.base);
	return evtimer_add(run->timer, &tv) < 0 ? -ENOMEM : 0;
}

int
lua_rt_yield(lua_State *L, struct lua_run *run, lua_KFunction k,
    lua_KContext ctx)
{
	run->yield = LUA_Y_IO;
	run->waiting = 1;
	return lua_yieldk(L, 0, ctx, k);
}

/* Until the deadline (ctx, ms): the loop's clock may be coarse (libevent
 * uses CLOCK_MONOTONIC_COARSE), so a timer can fire a few ms early. */
static int
sleep_k(lua_State *L, int status, lua_KContext until)
{
	struct lua_run	*run = lua_rt_run_of(L, "lvsmon.sleep");
	long long	 left = (long long)until - now_ms();

	if (left <= 0)
		return 0;
	if (lua_rt_timer(L, run, left) < 0)
		return luaL_error(L, "lvsmon.sleep: out of memory");
	run->p->phase = "sleep";
	return lua_rt_yield(L, run, sleep_k, until);
}

static int
l_sleep(lua_State *L)
{
	lua_Integer	 ms = luaL_checkinteger(L, 1);

	lua_rt_run_of(L, "lvsmon.sleep");
	if (!lua_isyieldable(L))
		return luaL_error(L, "lvsmon.sleep: attempt to yield across "
		    "a C-call boundary");
	lua_settop(L, 0);
	return sleep_k(L, LUA_OK, (lua_KContext)(now_ms() + (ms > 0 ? ms :
	    0)));
}

static int
l_log(lua_State *L)
{
	static const char *const names[] = { "debug", "info", "warning",
	    "error", NULL };
	static const int levels[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING,
	    LOG_ERR };
	int		 i = luaL_checkoption(L, 1, NULL, names);
	const char	*msg = luaL_tolstring(L, 2, NULL);

	if (levels[i] == LOG_DEBUG && !mon_log_enabled(LOG_DEBUG))
		return 0;
	mon_log(levels[i], "%s: lua: %.*s", cur_label(), RT_MAX_LOG, msg);
	return 0;
}

/* ---- the state ---------------------------------------------------------- */

static int
rt_panic(lua_State *L)
{
	/* Every entry is protected; reaching here is a bug in lua/. */
	mon_error("lua: unprotected error: %s", lua_tostring(L, -1));
	abort();
	return 0;
}

static const char *const rt_basic[] = {
	"assert", "error", "ipairs", "next", "pairs", "pcall", "select",
	"tonumber", "tostring", "type", "xpcall", "getmetatable",
	"setmetatable", "rawequal", "rawget", "rawlen", "_VERSION", NULL
};

/* Build the sandbox (protected: runs under lua_pcall). */
static int
rt_setup(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base },
		{ LUA_STRLIBNAME, luaopen_string },
		{ LUA_TABLIBNAME, luaopen_table },
		{ LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 },
		{ LUA_COLIBNAME, luaopen_coroutine },
		{ LUA_OSLIBNAME, luaopen_os },
		{ NULL, NULL }
	};
	static const char *const shared[] = { LUA_STRLIBNAME,
	    LUA_TABLIBNAME, LUA_MATHLIBNAME, LUA_UTF8LIBNAME, LUA_COLIBNAME,
	    NULL };
	static const char *const os_ok[] = { "time", "clock", "date",
	    "difftime", NULL };
	int	sb;

	for (const luaL_Reg *l = libs; l->name != NULL; l++) {
		luaL_requiref(L, l->name, l->func, 1);
		lua_pop(L, 1);
	}
	lua_newtable(L);
	sb = lua_gettop(L);
	for (int i = 0; rt_basic[i] != NULL; i++) {
		lua_getglobal(L, rt_basic[i]);
		lua_setfield(L, sb, rt_basic[i]);
	}
	lua_pushcfunction(L, sb_rawset);
	lua_setfield(L, sb, "rawset");
	lua_pushcfunction(L, sb_print);
	lua_setfield(L, sb, "print");

	/* No string.dump (binary chunks), and the strings' metatable out of
	   reach ("":upper() still works: the VM reads it directly). */
	lua_getglobal(L, LUA_STRLIBNAME);
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	lua_pop(L, 1);
	lua_pushliteral(L, "");
	lua_getmetatable(L, -1);
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 2);

	for (int i = 0; shared[i] != NULL; i++) {
		lua_getglobal(L, shared[i]);
		rt_proxy(L, shared[i]);
		lua_setfield(L, sb, shared[i]);
	}
	lua_newtable(L);
	lua_getglobal(L, LUA_OSLIBNAME);
	for (int i = 0; os_ok[i] != NULL; i++) {
		lua_getfield(L, -1, os_ok[i]);
		lua_setfield(L, -3, os_ok[i]);
	}
	lua_pop(L, 1);
	rt_proxy(L, LUA_OSLIBNAME);
	lua_setfield(L, sb, LUA_OSLIBNAME);

	/* The environment of every check: its own table over sb. */
	lua_createtable(L, 0, 2);
	lua_pushvalue(L, sb);
	lua_setfield(L, -2, "__index");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	rt.envmt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_newtable(L);
	rt.chunks_ref = luaL_ref(L, LUA_REGISTRYINDEX);

	/* lvsmon: now, sleep, log, the sockets, resolve, http_get. */
	lua_newtable(L);
	lua_pushcfunction(L, l_now);
	lua_setfield(L, -2, "now");
	lua_pushcfunction(L, l_sleep);
	lua_setfield(L, -2, "sleep");
	lua_pushcfunction(L, l_log);
	lua_setfield(L, -2, "log");
	lua_sock_openlib(L);
	lua_pushvalue(L, -1);
	rt_proxy(L, "lvsmon");
	lua_setfield(L, sb, "lvsmon");
	if (lua_rt_compile(L, lua_http_source, strlen(lua_http_source),
	    "=lvsmon.http") < 0)
		return lua_error(L);
	env_push(L);
	env_fill(L, -1, 0, "");
	lua_call(L, 1, 1);
	lua_setfield(L, -2, "http_get");
	lua_pop(L, 1);

	lua_pushvalue(L, sb);
	rt.sandbox_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

lua_State *
lua_rt_acquire(struct err *e)
{
	lua_State	*L;

	if (rt.L != NULL) {
		rt.refs++;
		return rt.L;
	}
	rt.limit = rt_limit_from_env();
	rt.used = 0;
	if ((L = lua_newstate(rt_alloc, NULL)) == NULL) {
		err_set(e, -ENOMEM, "lua: out of memory");
		return NULL;
	}
	lua_atpanic(L, rt_panic);
	lua_pushcfunction(L, rt_setup);
	if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
		err_set(e, -ENOMEM, "lua: cannot build the sandbox: %s",
		    lua_tostring(L, -1));
		lua_close(L);
		return NULL;
	}
	/* Many short-lived coroutines and buffers: the generational
	   collector keeps the young garbage cheap. */
	lua_gc(L, LUA_GCGEN, 0, 0);
	rt.L = L;
	rt.refs = 1;
	return L;
}

void
lua_rt_release(void)
{
	if (rt.L == NULL || --rt.refs > 0)
		return;
	lua_close(rt.L);
	rt.L = NULL;
	rt.base = NULL;
	lua_sock_cleanup();
	chk_tls_cleanup();
	if (rt.used != 0)
		mon_warn("lua: %zu bytes still counted after lua_close",
		    rt.used);
}

/* ---- the hook: instruction budget, slices ------------------------------ */

static void
rt_hook(lua_State *L, lua_Debug *ar)
{
	struct lua_run	*run = rt.cur;
	char		 where[96];

	if (run == NULL)
		return;
	if (run->big_alloc) {
		/* Back to the normal period; yield now if possible. */
		run->big_alloc = 0;
		lua_sethook(run->co, rt_hook, LUA_MASKCOUNT,
		    LUA_RT_HOOK_COUNT);
		if (L == run->co && lua_isyieldable(L)) {
			run->yield = LUA_Y_SLICE;
			lua_yield(L, 0);
			return;
		}
	}
	run->instr += LUA_RT_HOOK_COUNT;
	if (run->instr > run->max_instr) {
		if (!run->limit) {
			run->limit = 1;
			rt_where(L, where, sizeof(where));
			snprintf(run->limit_msg, sizeof(run->limit_msg),
			    "%s%sinstruction limit (%lld) reached", where,
			    where[0] ? ": " : "", run->max_instr);
		}
		/* End it at once where it can yield; an error elsewhere
		   (it may be caught by pcall, but the next hook comes). */
		if (L == run->co && run->p != NULL && lua_isyieldable(L)) {
			run->yield = LUA_Y_KILL;
			lua_yield(L, 0);
			return;
		}
		lua_pushstring(L, run->limit_msg);
		lua_error(L);
	}
	if (run->instr - run->slice_mark >= LUA_RT_SLICE &&
	    L == run->co && run->p != NULL && lua_isyieldable(L)) {
		run->yield = LUA_Y_SLICE;
		lua_yield(L, 0);
	}
}

int
lua_rt_pcall_budget(lua_State *L, int nargs, int nres, long long budget)
{
	struct lua_run	 boot = { .co = L, .max_instr = budget };
	struct lua_run	*prev = rt.cur;
	int		 st;

	rt.cur = &boot;
	lua_sethook(L, rt_hook, LUA_MASKCOUNT, LUA_RT_HOOK_COUNT);
	st = lua_pcall(L, nargs, nres, 0);
	lua_sethook(L, NULL, 0, 0);
	rt.cur = prev;
	return st;
}

/* ---- runs ---------------------------------------------------------------- */

/* Make the coroutine and push check and target on it (protected). */
static int
run_prepare(lua_State *L)
{
	struct lua_run	*run = lua_touserdata(L, 1);

	run->co = lua_newthread(L);
	run->co_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_rawgeti(run->co, LUA_REGISTRYINDEX, run->ck->fn_ref);
	lua_rawgeti(run->co, LUA_REGISTRYINDEX, run->ck->target_ref);
	return 0;
}

static void	run_resume(struct lua_run *run, int nargs);

int
lua_rt_run_start(struct probe *p, struct lua_check *ck)
{
	struct lua_run	*run;
	lua_State	*L = rt.L;

	if (L == NULL)
		return -EINVAL;
	if ((run = calloc(1, sizeof(*run))) == NULL)
		return -ENOMEM;
	run->p = p;
	run->ck = ck;
	run->co_ref = LUA_NOREF;
	run->max_instr = ck->max_instr;
	rt.base = p->base;
	lua_pushcfunction(L, run_prepare);
	lua_pushlightuserdata(L, run);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		lua_pop(L, 1);
		if (run->co_ref != LUA_NOREF)
			luaL_unref(L, LUA_REGISTRYINDEX, run->co_ref);
		free(run);
		lua_gc(L, LUA_GCCOLLECT);
		probe_done(p, CHK_V_FAIL, -1, CHK_R_LIMIT, "lua: not enough "
		    "memory to start (lua memory limit %zu MB)",
		    rt.limit >> 20);
		return 0;
	}
	lua_sethook(run->co, rt_hook, LUA_MASKCOUNT, LUA_RT_HOOK_COUNT);
	rt.running++;
	p->run = run;
	p->phase = "script";
	run_resume(run, 1);
	return 0;
}

void
lua_rt_wake(struct lua_run *run)
{
	if (run == NULL || !run->waiting)
		return;
	run->waiting = 0;
	run_resume(run, 0);
}

void
lua_rt_resume(struct lua_run *run)
{
	lua_rt_wake(run);
}

/*
 * A returned value in words, for a message: never luaL_tolstring(), whose
 * __tostring and __name metamethods run the script's code (which may
 * raise) outside any protected call, where an error is a panic.
 */
static const char *
rt_describe(lua_State *L, int idx, char *buf, size_t len)
{
	switch (lua_type(L, idx)) {
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			snprintf(buf, len, "%lld",
			    (long long)lua_tointeger(L, idx));
		else
			snprintf(buf, len, "%.14g",
			    (double)lua_tonumber(L, idx));
		return buf;
	case LUA_TSTRING:
		snprintf(buf, len, "\"%s\"", lua_tostring(L, idx));
		return buf;
	case LUA_TBOOLEAN:
		return lua_toboolean(L, idx) ? "true" : "false";
	default:
		return lua_typename(L, lua_type(L, idx));
	}
}

/* What check() returned (st LUA_OK, nres values on co). */
static void
run_returned(struct lua_run *run, int nres)
{
	lua_State	*co = run->co;
	int		 b = lua_gettop(co) - nres + 1;
	const char	*v, *msg = NULL;
	char		 buf[160];
	int		 ok, warn = 0, w = -1, isint;
	lua_Integer	 wi;

	if (nres >= 3 && !lua_isnil(co, b + 2))
		msg = lua_isstring(co, b + 2) ? lua_tostring(co, b + 2) :
		    luaL_typename(co, b + 2);
	if (nres == 0 || lua_isnil(co, b))
		ok = 0;
	else if (lua_isboolean(co, b))
		ok = lua_toboolean(co, b);
	else if (lua_type(co, b) == LUA_TSTRING &&
	    (strcmp((v = lua_tostring(co, b)), "up") == 0 ||
	    strcmp(v, "down") == 0 || strcmp(v, "warning") == 0)) {
		ok = v[0] != 'd';
		warn = v[0] == 'w';
	} else {
		snprintf(buf, sizeof(buf), "%.40s: check() returned %s%s%.30s%s: "
		    "expected true, false, \"up\", \"down\" or \"warning\"",
		    run->ck->chunk, luaL_typename(co, b),
		    lua_type(co, b) == LUA_TSTRING ? " \"" : "",
		    lua_type(co, b) == LUA_TSTRING ? lua_tostring(co, b) : "",
		    lua_type(co, b) == LUA_TSTRING ? "\"" : "");
		run_finish(run, CHK_V_FAIL, -1, CHK_R_SCRIPT, buf);
		return;
	}
	if (nres >= 2 && !lua_isnil(co, b + 1)) {
		wi = lua_tointegerx(co, b + 1, &isint);
		if (!isint || wi < 0 || wi > 65535) {
			char	wd[32];

			snprintf(buf, sizeof(buf), "%s: check() returned "
			    "weight %.20s: expected an integer 0..65535",
			    run->ck->chunk, rt_describe(co, b + 1, wd,
			    sizeof(wd)));
			run_finish(run, CHK_V_FAIL, -1, CHK_R_SCRIPT, buf);
			return;
		}
		w = (int)wi;
	}
	if (warn)
		snprintf(buf, sizeof(buf), "warning: %s",
		    msg != NULL ? msg : "lua: warning");
	else
		snprintf(buf, sizeof(buf), "%s",
		    msg != NULL ? msg : ok ? "lua: up" : "lua: down");
	run_finish(run, ok ? CHK_V_OK : CHK_V_FAIL, w,
	    ok ? CHK_R_OK : CHK_R_SCRIPT_DOWN, buf);
}

/* The coroutine raised an error (status st, the error object on top). */
static void
run_failed(struct lua_run *run, int st)
{
	lua_State	*co = run->co;
	const char	*m;
	char		 where[96], buf[160];
	size_t		 wl;

	rt_where(co, where, sizeof(where));
	if (where[0] == '\0')
		snprintf(where, sizeof(where), "%s", run->ck->chunk);
	wl = strcspn(where, ":");
	if (st == LUA_ERRMEM) {
		snprintf(buf, sizeof(buf), "%s: not enough memory (lua memory "
		    "limit %zu MB)", where, rt.limit >> 20);
		run->limit = 2;
	} else if (run->limit) {
		snprintf(buf, sizeof(buf), "%s", run->limit_msg);
	} else {
		m = lua_type(co, -1) == LUA_TSTRING ? lua_tostring(co, -1) :
		    NULL;
		if (m == NULL)
			snprintf(buf, sizeof(buf), "%s: error object is a %s "
			    "value", where, luaL_typename(co, -1));
		else if (strncmp(m, where, wl) == 0 && m[wl] == ':')
			snprintf(buf, sizeof(buf), "%s", m);
		else
			snprintf(buf, sizeof(buf), "%s: %s", where, m);
	}
	run_finish(run, CHK_V_FAIL, -1,
	    run->limit ? CHK_R_LIMIT : CHK_R_SCRIPT, buf);
}

static void
run_resume(struct lua_run *run, int nargs)
{
	struct lua_run	*prev = rt.cur;
	int		 st, nres = 0;

	if (run->timer != NULL)
		evtimer_del(run->timer);
	rt.cur = run;
	run->yield = LUA_Y_NONE;
	run->slice_mark = run->instr;
	st = lua_resume(run->co, NULL, nargs, &nres);
	rt.cur = prev;
	if (st == LUA_OK && run->limit) {
		/* The script caught the limit's error with pcall: still over. */
		run_finish(run, CHK_V_FAIL, -1, CHK_R_LIMIT, run->limit_msg);
		return;
	}
	if (st == LUA_OK) {
		run_returned(run, nres);
		return;
	}
	if (st != LUA_YIELD) {
		run_failed(run, st);
		return;
	}
	lua_pop(run->co, nres);
	switch (run->yield) {
	case LUA_Y_IO:
		return;
	case LUA_Y_SLICE:
		/* The next loop turn, after the events that are ready now. */
		run->p->phase = "script";
		if (lua_rt_timer(run->co, run, 0) == 0) {
			run->waiting = 1;
			return;
		}
		run_finish(run, CHK_V_FAIL, -1, CHK_R_INTERNAL,
		    "lua: cannot arm a timer");
		return;
	case LUA_Y_KILL:
		run_finish(run, CHK_V_FAIL, -1, CHK_R_LIMIT, run->limit_msg);
		return;
	case LUA_Y_NONE:
	default:
		run_finish(run, CHK_V_FAIL, -1, CHK_R_SCRIPT, "coroutine.yield() "
		    "in check()'s own coroutine (yield only in coroutines the "
		    "script made)");
		return;
	}
}

void
lua_rt_run_free(struct lua_run *run)
{
	if (run == NULL)
		return;
	lua_sock_close_all(run);
	lua_sock_dns_cancel(run);
	if (run->timer != NULL)
		event_free(run->timer);
	if (run->co_ref != LUA_NOREF && rt.L != NULL)
		luaL_unref(rt.L, LUA_REGISTRYINDEX, run->co_ref);
	rt.running--;
	if (run->p != NULL && run->p->run == run)
		run->p->run = NULL;
	free(run);
}

static void
run_finish(struct lua_run *run, enum chk_verdict v, int w,
    enum chk_reason r, const char *msg)
{
	struct probe	*p = run->p;
	char		 buf[160];
	int		 mem = run->limit == 2;

	/* msg may live on the coroutine's stack: copy it first. */
	snprintf(buf, sizeof(buf), "%s", msg);
	lua_rt_run_free(run);
	if (mem) {
		/* Give the memory of the failed run back to the system now:
		   a memory bomb should not leave the daemon fat. */
		lua_gc(rt.L, LUA_GCCOLLECT);
		malloc_trim(0);
	}
	probe_done(p, v, w, r, "%s", buf);
}

/*
 * lua/lua_rt.h - the Lua runtime inside lvsmond (see lua/README.md for what
 * scripts see).  Private to lua/: the rest of the daemon knows only the
 * probe type chk_lua (lua/check.c), listed in monitor/probe.c.
 *
 * One lua_State for the whole daemon, created when the first lua check is
 * configured and closed when the last one is released (at exit, or when a
 * reload drops them all).  Every running check is a coroutine of it:
 *
 *     idle --start()--> resumed --yield (I/O, sleep, DNS)--> waiting
 *                          ^                                   |
 *                          +-------- event, timeout -----------+
 *     resumed --return, error, limit--> finished: probe_done()
 *     waiting/resumed --cancel() (the scheduler's timeout)--> dropped
 *
 * Ownership: struct lua_run is malloc'd by start() and freed when the run
 * finishes or is cancelled (lua_run_free); it owns the coroutine's registry
 * reference, its timer, its DNS request and the list of its open sockets
 * (closed with it).  Socket objects are Lua userdata: Lua frees their
 * memory, the run closes their file descriptors.
 *
 * Names: lua_rt_, lua_sock_ (Lua's own API is lua_ + a verb; none
 * of these clash with it).
 */
#ifndef LUA_RT_H
#define LUA_RT_H

#include <stddef.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <lua.h>

#include "monitor/err.h"
#include "monitor/probe.h"

#define LUA_RT_DEFAULT_MEMORY	(128u << 20)	/* whole state */
#define LUA_RT_DEFAULT_INSTR	10000000LL	/* per run */
#define LUA_RT_HOOK_COUNT	1000		/* instructions per hook call */
#define LUA_RT_SLICE		100000		/* yield to the loop this often */
#define LUA_RT_BIG_ALLOC	(256u << 10)	/* and after a block this big */

struct lua_sock;
struct lua_dns;

/* Why a coroutine yielded; set by whoever yields, read by lua_rt_resume. */
enum lua_yield_kind {
	LUA_Y_NONE = 0,	/* coroutine.yield() by the script: an error */
	LUA_Y_IO,	/* a socket, timer or DNS event will resume it */
	LUA_Y_SLICE,	/* long computation: resume on the next loop turn */
	LUA_Y_KILL,	/* over the instruction budget: end the run */
};

/* What one configured lua check keeps (p->priv), freed by its release(). */
struct lua_check {
	int		 env_ref;	/* its own global table */
	int		 fn_ref;	/* its check() function */
	int		 target_ref;	/* the target table */
	long long	 max_instr;
	char		 label[160];	/* "real web/198.51.100.11:80" */
	char		 chunk[64];	/* short name of the script, for
					   messages without a position */
};

/* One run of one check (p->run). */
struct lua_run {
	struct probe		*p;	/* NULL for the configure-time run */
	struct lua_check	*ck;
	lua_State		*co;	/* the coroutine (main state while
					   configuring) */
	int			 co_ref;	/* registry ref; LUA_NOREF */
	struct event		*timer;	/* sleep, slice */
	struct lua_sock		*socks;	/* open sockets, a list */
	struct lua_dns		*dns;	/* pending resolve, or NULL */
	long long		 instr;	/* executed in this run */
	long long		 max_instr;
	long long		 slice_mark;
	int			 big_alloc;	/* yield at the next hook */
	enum lua_yield_kind	 yield;
	int			 waiting;	/* 1: yielded for an event;
						   lua_rt_wake resumes */
	int			 limit;	/* over a limit: 1 instructions,
					   2 memory; reason LIMIT */
	char			 limit_msg[160];
};

/* ---- rt.c: the state ------------------------------------------------ */

/* Take a reference on the one state, creating it on first use.  Returns
 * it, or NULL with e filled (out of memory). */
lua_State	*lua_rt_acquire(struct err *e);
/* Drop a reference; the last one closes the state. */
void		 lua_rt_release(void);

/* Allocate, grow or free memory counted against the state's limit (for
 * socket buffers).  NULL when over the limit (nsize > 0). */
void		*lua_rt_realloc(void *ptr, size_t osize, size_t nsize);
/* Bytes in use by the state now, its limit, and running coroutines. */
void		 lua_rt_stats(size_t *used, size_t *limit, unsigned *running);

/*
 * Compile a chunk (text only) as "local _ENV = ...; <text>" so that one
 * compiled function serves every check: each call gets its own _ENV.  The
 * compiled function is cached by chunkname and text.  Pushes it, or returns
 * -1 with the message pushed instead (a syntax error: "file:3: ...").
 */
int		 lua_rt_compile(lua_State *L, const char *text, size_t len,
		    const char *chunkname);
/* Push a new environment table for a check: _G, load and require of its
 * own (require searches the colon-separated directories dirs), __index the
 * shared read-only sandbox. */
void		 lua_rt_new_env(lua_State *L, const char *dirs);
/* lua_pcall with the instruction budget counted (configure time: the top
 * of a script).  Returns lua_pcall's status. */
int		 lua_rt_pcall_budget(lua_State *L, int nargs, int nres,
		    long long budget);
/* Find rel in the colon-separated dirs: 0 with out filled, or -ENOENT. */
int		 lua_rt_find(const char *dirs, const char *rel, char *out,
		    size_t outlen);
/* A whole small file, NUL-terminated, malloc'd; NULL with e filled. */
char		*lua_rt_read_file(const char *path, size_t *len,
		    struct err *e);

/* The run whose coroutine is L, or a Lua error naming what: socket, sleep
 * and DNS calls may run only in check()'s own coroutine. */
struct lua_run	*lua_rt_run_of(lua_State *L, const char *what);
/* The running one (any coroutine of it), or NULL. */
struct lua_run	*lua_rt_current(void);

/* Start a run of p: the coroutine calls check(target).  May finish at once
 * (probe_done).  Returns 0 or -errno (nothing started). */
int		 lua_rt_run_start(struct probe *p, struct lua_check *ck);
/* Resume a run waiting for an event (from the event's callback); no-op
 * when it is not waiting (a late or stray event). */
void		 lua_rt_wake(struct lua_run *run);
void		 lua_rt_resume(struct lua_run *run);
/* Arm run's timer (sleep, DNS timeout) for ms from now: 0 or -ENOMEM. */
int		 lua_rt_timer(lua_State *L, struct lua_run *run, long long ms);
/* Yield the run's coroutine L until lua_rt_wake; k continues the call.
 * The caller checked lua_isyieldable and armed its event. */
int		 lua_rt_yield(lua_State *L, struct lua_run *run,
		    lua_KFunction k, lua_KContext ctx);
/* Drop a run without probe_done(): close its sockets, events, DNS. */
void		 lua_rt_run_free(struct lua_run *run);

/* The event base of the daemon (known after the first start()). */
struct event_base *lua_rt_base(void);

/* ---- sock.c: the socket objects, DNS ---------------------------------- */

/* Put tcp, udp and resolve in the table on top of the stack. */
void		 lua_sock_openlib(lua_State *L);
/* Close every socket of run and forget them (end or cancel of a run). */
void		 lua_sock_close_all(struct lua_run *run);
/* Cancel run's pending DNS request. */
void		 lua_sock_dns_cancel(struct lua_run *run);
/* Free the DNS base (at state close). */
void		 lua_sock_cleanup(void);

/* TLS: checkers/chk_tls.h (chk_tls_new, _handshake, _read, _write, _free),
   shared with the C checkers. */

/* ---- http.c: lvsmon.http_get in Lua ---------------------------------- */

extern const char lua_http_source[];

#endif

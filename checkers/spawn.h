/*
 * checkers/spawn.h - THE external-program runner of lvsmon: exec checks
 * (Nagios plugins), alert scripts, anything that runs a program.  Nothing
 * else in the daemon should fork, exec or wait for a child.
 *
 * What it does, and why:
 *   - posix_spawn(), no shell: argv goes to the program as given, so a
 *     real's address or a service name can never be parsed as shell syntax.
 *   - The child leads its own process group (pgid = pid), so a timeout kills
 *     everything it started (a plugin's own children), not only itself.
 *   - Signals the daemon ignores or blocks are reset to the default in the
 *     child; every fd of the daemon but 0/1/2 is closed in the child
 *     (stdin is /dev/null, or a pipe the loop writes opts.in into: a child
 *     that does not read it never blocks us, a child that exits early
 *     only cuts it short).
 *   - stdout and stderr are read through non-blocking pipes on the caller's
 *     event_base, each kept up to opts.out_cap bytes; the rest is still read
 *     (so the child never blocks on a full pipe) and dropped, and counted.
 *   - Timeout: SIGTERM to the process group, then SIGKILL to it
 *     opts.kill_grace_ms later if the child has not exited.
 *   - The child is reaped without blocking: a pidfd (Linux >= 5.3) is an
 *     event on the base; when it becomes readable, waitpid(pid, WNOHANG).
 *     No SIGCHLD handler, no waitpid(-1): code elsewhere in the process
 *     must not reap children it did not start either (it would steal ours).
 *   - One callback at the end, from the loop, never from inside
 *     chk_spawn_start(): exit status or signal, the timed-out flag, the
 *     captured output.  When the child exits, the output already in the
 *     pipes is read (the child's writes are complete by then) and the run
 *     ends at once, even if a grandchild still holds the pipes open.
 *
 * Life of a run:
 *
 *     chk_spawn_start() --> running --child exits--> cb(result) --> freed
 *                              |    \--timeout: TERM, grace: KILL--^
 *                              +--chk_spawn_cancel()--> freed, no cb
 *
 * Ownership: the run belongs to this module; the caller holds the handle
 * from chk_spawn_start() only until the callback starts or until it calls
 * chk_spawn_cancel(), whichever comes first.  The result and its buffers
 * belong to the module and are valid during the callback only.
 *
 * Cancel kills the process group with SIGKILL and returns at once; the
 * killed child is reaped later by the loop (an "orphan").  Before freeing an
 * event_base that ran spawns, call chk_spawn_drain(base): it waits a bounded
 * time for that base's orphans and frees their events.
 */
#ifndef CHK_SPAWN_H
#define CHK_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include <event2/event.h>

#define CHK_SPAWN_OUT_CAP	4096	/* default bytes kept per stream */
#define CHK_SPAWN_GRACE_MS	1000	/* default TERM -> KILL delay */

struct chk_spawn;

struct chk_spawn_opts {
	const char	 *path;		/* program; absolute, or looked up in
					   PATH (execvp rules) if no '/' */
	char *const	 *argv;		/* argv[0] included, NULL-ended */
	char *const	 *env;		/* "NAME=value" entries, NULL-ended,
					   added to the inherited environment
					   (replacing same names); or NULL */
	int		  env_clear;	/* 1: env is the whole environment */
	unsigned	  timeout_ms;	/* 0: no timeout */
	unsigned	  kill_grace_ms; /* 0: CHK_SPAWN_GRACE_MS */
	size_t		  out_cap;	/* per stream; 0: CHK_SPAWN_OUT_CAP */
	const char	 *in;		/* stdin's bytes (copied), written
					   through a non-blocking pipe, then
					   EOF; NULL: stdin is /dev/null */
	size_t		  in_len;
};

struct chk_spawn_result {
	pid_t		 pid;
	int		 exited;	/* 1: exit_code is valid */
	int		 exit_code;	/* 0..255 */
	int		 signo;		/* killed by this signal; 0: none */
	int		 timed_out;	/* 1: we sent the TERM/KILL */
	const char	*out;		/* stdout, NUL-terminated (may hold
					   NULs of its own: use out_len) */
	size_t		 out_len;
	size_t		 out_dropped;	/* bytes read past the cap */
	const char	*err;		/* stderr, same rules */
	size_t		 err_len;
	size_t		 err_dropped;
	unsigned	 duration_ms;	/* start to reap */
};

/* Called once per run from the loop; the handle is gone after it. */
typedef void chk_spawn_cb(const struct chk_spawn_result *r, void *arg);

/*
 * Start o->path.  Returns 0 with *sp set (may be NULL if the caller does
 * not need to cancel), or a negative errno when nothing runs: -ENOENT,
 * -EACCES (posix_spawn reports exec failures), -EMFILE, -ENOMEM.  No
 * callback then.
 */
int	chk_spawn_start(struct event_base *base, const struct chk_spawn_opts *o,
	    chk_spawn_cb *cb, void *arg, struct chk_spawn **sp);

/* Kill the run's process group (SIGKILL) and free the run; no callback.
 * s must be a live handle (callback not yet started). */
void	chk_spawn_cancel(struct chk_spawn *s);

/* pid of a live run (for logs). */
pid_t	chk_spawn_pid(const struct chk_spawn *s);

/*
 * Reap the orphans of base (children of cancelled runs), waiting up to
 * max_ms in total, and free their events.  Any still unreaped then are
 * left as zombies (their pidfd closed): only a child in uninterruptible
 * sleep can outlive a SIGKILL that long.  Returns how many were left.
 */
int	chk_spawn_drain(struct event_base *base, unsigned max_ms);

#endif

/*
 * checkers/spawn.c - run an external program without blocking the loop
 * (contract and life of a run: spawn.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "checkers/spawn.h"

extern char **environ;

/* Reads per stream per wakeup: a child that writes without pause (10 MB
   of noise) gets 16 x 64 KiB per loop turn, and the other events their
   turn in between. */
#define SPAWN_READS_PER_WAKE	16
#define SPAWN_READ_CHUNK	65536
/* After the child exits, what its pipes still hold is read at most up to
   this much (a grandchild could keep writing forever). */
#define SPAWN_FINAL_READ_MAX	(4u << 20)

struct spawn_stream {
	int		 fd;		/* read end; -1 at EOF or closed */
	struct event	*ev;
	char		*buf;		/* cap + 1 bytes, NUL-terminated */
	size_t		 len, cap;
	size_t		 dropped;
};

/* One run; owned by this module (see spawn.h). */
struct chk_spawn {
	struct event_base	*base;
	pid_t			 pid;
	int			 pidfd;
	struct event		*ev_pid;
	struct event		*ev_timer;
	struct spawn_stream	 st[2];		/* stdout, stderr */
	int			 in_fd;		/* stdin's write end; -1 */
	struct event		*ev_in;
	char			*in;		/* what is left to write */
	size_t			 in_off, in_len;
	unsigned		 timeout_ms, grace_ms;
	int			 term_sent;
	int			 timed_out;
	struct timespec		 t0;
	chk_spawn_cb		*cb;
	void			*arg;
};

/* A cancelled run's child, SIGKILLed, waiting to be reaped by the loop.
   Kept on a static list so chk_spawn_drain() can find them (and so that
   they stay reachable for the leak checker while they wait). */
struct spawn_orphan {
	struct event_base	*base;
	pid_t			 pid;
	int			 pidfd;
	struct event		*ev;
	struct spawn_orphan	*next;
};

static struct spawn_orphan	*spawn_orphans;

static int
spawn_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static unsigned
spawn_ms_since(const struct timespec *t0)
{
	struct timespec	now;
	long long	ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
	return ms < 0 ? 0 : (unsigned)ms;
}

static void
spawn_stream_close(struct spawn_stream *st)
{
	if (st->ev != NULL)
		event_free(st->ev);
	st->ev = NULL;
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
}

/*
 * Read what is there, up to max bytes.  Keeps up to cap bytes, drops and
 * counts the rest.  Returns 1 at EOF or error (stream closed), 0 when the
 * pipe is empty for now or max was reached.
 */
static int
spawn_stream_read(struct spawn_stream *st, size_t max)
{
	char		 scratch[SPAWN_READ_CHUNK];
	size_t		 total = 0, room;
	ssize_t		 n;

	while (st->fd >= 0 && total < max) {
		room = st->cap - st->len;
		if (room > 0 && st->buf == NULL &&
		    (st->buf = malloc(st->cap + 1)) == NULL)
			room = 0;	/* no memory: drop, but keep reading */
		if (room > 0) {
			if (room > SPAWN_READ_CHUNK)
				room = SPAWN_READ_CHUNK;
			n = read(st->fd, st->buf + st->len, room);
		} else
			n = read(st->fd, scratch, sizeof(scratch));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0) {
			spawn_stream_close(st);
			return 1;
		}
		if (room > 0) {
			st->len += (size_t)n;
			st->buf[st->len] = '\0';
		} else
			st->dropped += (size_t)n;
		total += (size_t)n;
	}
	return st->fd < 0;
}

static void
spawn_stream_event(evutil_socket_t fd, short what, void *arg)
{
	struct spawn_stream	*st = arg;

	/* The event is persistent; at EOF the stream closes and frees it. */
	(void)spawn_stream_read(st, (size_t)SPAWN_READS_PER_WAKE *
	    SPAWN_READ_CHUNK);
}

static void
spawn_in_close(struct chk_spawn *s)
{
	if (s->ev_in != NULL)
		event_free(s->ev_in);
	if (s->in_fd >= 0)
		close(s->in_fd);
	s->ev_in = NULL;
	s->in_fd = -1;
	free(s->in);
	s->in = NULL;
}

/* Write what the pipe takes; EOF (close) once all is written or the child
   stopped reading (EPIPE: SIGPIPE is the daemon's to ignore). */
static void
spawn_in_event(evutil_socket_t fd, short what, void *arg)
{
	struct chk_spawn	*s = arg;
	ssize_t			 n;

	(void)fd;
	(void)what;
	while (s->in_off < s->in_len) {
		n = write(s->in_fd, s->in + s->in_off, s->in_len - s->in_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;		/* the persistent event comes back */
		if (n <= 0)
			break;
		s->in_off += (size_t)n;
	}
	spawn_in_close(s);
}

static void
spawn_free(struct chk_spawn *s)
{
	spawn_in_close(s);
	for (int i = 0; i < 2; i++) {
		spawn_stream_close(&s->st[i]);
		free(s->st[i].buf);
	}
	if (s->ev_timer != NULL)
		event_free(s->ev_timer);
	if (s->ev_pid != NULL)
		event_free(s->ev_pid);
	if (s->pidfd >= 0)
		close(s->pidfd);
	free(s);
}

/* The child was reaped (status from waitpid; -1: unknown, somebody else
   reaped it): report. */
static void
spawn_finish(struct chk_spawn *s, int status)
{
	struct chk_spawn_result	r;

	for (int i = 0; i < 2; i++)
		(void)spawn_stream_read(&s->st[i], SPAWN_FINAL_READ_MAX);
	memset(&r, 0, sizeof(r));
	r.pid = s->pid;
	if (status == -1)
		;	/* neither an exit code nor a signal to report */
	else if (WIFEXITED(status)) {
		r.exited = 1;
		r.exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status))
		r.signo = WTERMSIG(status);
	r.timed_out = s->timed_out;
	r.out = s->st[0].buf != NULL ? s->st[0].buf : "";
	r.out_len = s->st[0].len;
	r.out_dropped = s->st[0].dropped;
	r.err = s->st[1].buf != NULL ? s->st[1].buf : "";
	r.err_len = s->st[1].len;
	r.err_dropped = s->st[1].dropped;
	r.duration_ms = spawn_ms_since(&s->t0);
	s->cb(&r, s->arg);
	spawn_free(s);
}

static void
spawn_pid_event(evutil_socket_t fd, short what, void *arg)
{
	struct chk_spawn	*s = arg;
	int			 status = 0;
	pid_t			 rc;

	/* A timed-out run's leftovers (the plugin's own children) go too.
	   The child is a zombie until waitpid below, so its pid, which is
	   the group's id, cannot have been reused yet. */
	if (s->timed_out)
		(void)kill(-s->pid, SIGKILL);
	do
		rc = waitpid(s->pid, &status, WNOHANG);
	while (rc < 0 && errno == EINTR);
	if (rc == 0 && event_add(s->ev_pid, NULL) == 0)
		return;		/* not yet: the pidfd said so too early */
	if (rc <= 0)
		status = -1;
	spawn_finish(s, status);
}

static void
spawn_timer_event(evutil_socket_t fd, short what, void *arg)
{
	struct chk_spawn	*s = arg;
	struct timeval		 tv;

	if (!s->term_sent) {
		s->term_sent = 1;
		s->timed_out = 1;
		(void)kill(-s->pid, SIGTERM);
		tv.tv_sec = s->grace_ms / 1000;
		tv.tv_usec = (s->grace_ms % 1000) * 1000;
		(void)event_add(s->ev_timer, &tv);
		return;
	}
	(void)kill(-s->pid, SIGKILL);
}

/* The environment for the child: inherited entries not named in extra,
   then extra.  The strings are not copied. */
static char **
spawn_env(char *const *extra, int clear)
{
	size_t	 n = 0, m = 0, k = 0;
	char	**env;
	int	 shadowed;

	for (; extra != NULL && extra[m] != NULL; m++)
		;
	for (; !clear && environ != NULL && environ[n] != NULL; n++)
		;
	if ((env = calloc(n + m + 1, sizeof(*env))) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char	*eq = strchr(environ[i], '=');
		size_t		 nl = eq != NULL ? (size_t)(eq - environ[i]) :
				    strlen(environ[i]);

		shadowed = 0;
		for (size_t j = 0; j < m && !shadowed; j++)
			shadowed = strncmp(extra[j], environ[i], nl) == 0 &&
			    extra[j][nl] == '=';
		if (!shadowed)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < m; j++)
		env[k++] = extra[j];
	env[k] = NULL;
	return env;
}

/* posix_spawn with the pipes, the process group and default signals. */
static int
spawn_exec(struct chk_spawn *s, const struct chk_spawn_opts *o, int in[2],
    int out[2], int err[2])
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	sigset_t			 none, all;
	char				**env;
	int				 rc;

	if ((env = spawn_env(o->env, o->env_clear)) == NULL)
		return -ENOMEM;
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		free(env);
		return -rc;
	}
	if ((rc = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		free(env);
		return -rc;
	}
	sigemptyset(&none);
	sigfillset(&all);
	if ((rc = in[0] >= 0 ?
	    posix_spawn_file_actions_adddup2(&fa, in[0], 0) :
	    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
	    O_RDONLY, 0)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, out[1], 1)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, err[1], 2)) != 0 ||
	    /* the daemon's sockets are not the plugin's business */
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0 ||
	    (rc = posix_spawnattr_setpgroup(&at, 0)) != 0 ||
	    (rc = posix_spawnattr_setsigmask(&at, &none)) != 0 ||
	    /* SIGPIPE ignored in the daemon must not stay ignored */
	    (rc = posix_spawnattr_setsigdefault(&at, &all)) != 0 ||
	    (rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) != 0)
		goto out;
	if (strchr(o->path, '/') != NULL)
		rc = posix_spawn(&s->pid, o->path, &fa, &at, o->argv, env);
	else
		rc = posix_spawnp(&s->pid, o->path, &fa, &at, o->argv, env);
out:
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	return -rc;
}

static void
spawn_close_pair(int fd[2])
{
	for (int i = 0; i < 2; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	fd[0] = fd[1] = -1;
}

int
chk_spawn_start(struct event_base *base, const struct chk_spawn_opts *o,
    chk_spawn_cb *cb, void *arg, struct chk_spawn **sp)
{
	struct chk_spawn	*s;
	int			 in[2] = { -1, -1 };
	int			 out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int			 rc, status;
	struct timeval		 tv;
	size_t			 cap;

	if (sp != NULL)
		*sp = NULL;
	if (o->path == NULL || o->argv == NULL || o->argv[0] == NULL)
		return -EINVAL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->base = base;
	s->pidfd = -1;
	s->in_fd = -1;
	s->cb = cb;
	s->arg = arg;
	s->timeout_ms = o->timeout_ms;
	s->grace_ms = o->kill_grace_ms > 0 ? o->kill_grace_ms :
	    CHK_SPAWN_GRACE_MS;
	cap = o->out_cap > 0 ? o->out_cap : CHK_SPAWN_OUT_CAP;
	for (int i = 0; i < 2; i++) {
		s->st[i].fd = -1;
		s->st[i].cap = cap;
	}
	/* Both ends close-on-exec; dup2 onto 1 and 2 in the child clears it
	   there.  Only our read ends are non-blocking: a plugin expects an
	   ordinary blocking stdout. */
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
	    fcntl(out[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(err[0], F_SETFL, O_NONBLOCK) < 0) {
		rc = -errno;
		goto fail;
	}
	if (o->in != NULL) {
		if ((s->in = malloc(o->in_len ? o->in_len : 1)) == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		memcpy(s->in, o->in, o->in_len);
		s->in_len = o->in_len;
		if (pipe2(in, O_CLOEXEC) < 0 ||
		    fcntl(in[1], F_SETFL, O_NONBLOCK) < 0) {
			rc = -errno;
			goto fail;
		}
	}
	/* A bigger pipe: a chatty child is drained in fewer wakeups (the
	   default 64 KiB; refused above pipe-max-size, which is fine). */
	(void)fcntl(out[0], F_SETPIPE_SZ, 1 << 20);
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	if ((rc = spawn_exec(s, o, in, out, err)) < 0)
		goto fail;
	close(out[1]);
	close(err[1]);
	if (in[0] >= 0)
		close(in[0]);
	s->in_fd = in[1];
	in[0] = in[1] = -1;
	s->st[0].fd = out[0];
	s->st[1].fd = err[0];
	out[0] = out[1] = err[0] = err[1] = -1;

	/* From here a child runs: a failure kills and reaps it. */
	if ((s->pidfd = spawn_pidfd_open(s->pid)) < 0) {
		rc = -errno;
		goto kill;
	}
	rc = -ENOMEM;
	if ((s->ev_pid = event_new(base, s->pidfd, EV_READ, spawn_pid_event,
	    s)) == NULL || event_add(s->ev_pid, NULL) < 0)
		goto kill;
	for (int i = 0; i < 2; i++)
		if ((s->st[i].ev = event_new(base, s->st[i].fd,
		    EV_READ | EV_PERSIST, spawn_stream_event,
		    &s->st[i])) == NULL ||
		    event_add(s->st[i].ev, NULL) < 0)
			goto kill;
	if (s->in_fd >= 0 && ((s->ev_in = event_new(base, s->in_fd,
	    EV_WRITE | EV_PERSIST, spawn_in_event, s)) == NULL ||
	    event_add(s->ev_in, NULL) < 0))
		goto kill;
	if (s->timeout_ms > 0) {
		tv.tv_sec = s->timeout_ms / 1000;
		tv.tv_usec = (s->timeout_ms % 1000) * 1000;
		if ((s->ev_timer = evtimer_new(base, spawn_timer_event,
		    s)) == NULL || evtimer_add(s->ev_timer, &tv) < 0)
			goto kill;
	}
	if (sp != NULL)
		*sp = s;
	return 0;
kill:
	/* Rare (no memory, no pidfd): the blocking wait follows a SIGKILL. */
	(void)kill(-s->pid, SIGKILL);
	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
fail:
	spawn_close_pair(in);
	spawn_close_pair(out);
	spawn_close_pair(err);
	spawn_free(s);
	return rc;
}

pid_t
chk_spawn_pid(const struct chk_spawn *s)
{
	return s->pid;
}

static void
spawn_orphan_unlink(struct spawn_orphan *o)
{
	for (struct spawn_orphan **pp = &spawn_orphans; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	event_free(o->ev);
	close(o->pidfd);
	free(o);
}

static void
spawn_orphan_event(evutil_socket_t fd, short what, void *arg)
{
	struct spawn_orphan	*o = arg;
	pid_t			 rc;

	do
		rc = waitpid(o->pid, NULL, WNOHANG);
	while (rc < 0 && errno == EINTR);
	if (rc == 0 && event_add(o->ev, NULL) == 0)
		return;
	spawn_orphan_unlink(o);
}

void
chk_spawn_cancel(struct chk_spawn *s)
{
	struct spawn_orphan	*o;
	pid_t			 rc;

	(void)kill(-s->pid, SIGKILL);
	do
		rc = waitpid(s->pid, NULL, WNOHANG);
	while (rc < 0 && errno == EINTR);
	if (rc == 0 && (o = calloc(1, sizeof(*o))) != NULL) {
		o->base = s->base;
		o->pid = s->pid;
		o->pidfd = s->pidfd;
		o->ev = event_new(s->base, o->pidfd, EV_READ,
		    spawn_orphan_event, o);
		if (o->ev != NULL && event_add(o->ev, NULL) == 0) {
			s->pidfd = -1;	/* the orphan has it now */
			o->next = spawn_orphans;
			spawn_orphans = o;
		} else {
			if (o->ev != NULL)
				event_free(o->ev);
			free(o);
		}
	}
	/* Without memory for an orphan the zombie stays until we exit:
	   better than blocking the loop. */
	spawn_free(s);
}

int
chk_spawn_drain(struct event_base *base, unsigned max_ms)
{
	struct spawn_orphan	*o, *next;
	struct timespec		 t0;
	int			 left = 0, status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (o = spawn_orphans; o != NULL; o = next) {
		next = o->next;
		if (o->base != base)
			continue;
		while (waitpid(o->pid, &status, WNOHANG) == 0 &&
		    spawn_ms_since(&t0) < max_ms) {
			struct timespec	ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
		}
		if (waitpid(o->pid, &status, WNOHANG) == 0)
			left++;
		spawn_orphan_unlink(o);
	}
	return left;
}

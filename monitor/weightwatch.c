/*
 * monitor/weightwatch.c - the weight files and the maintenance directory,
 * watched with one inotify descriptor on the loop (weightsrc.h).
 *
 * Directories are watched, not files: a file that does not exist yet
 * cannot be watched, and editors and deploy tools replace files by rename.
 * A weight file is re-read when a writer closes it (IN_CLOSE_WRITE), when
 * one is renamed into place (IN_MOVED_TO), and is gone on IN_DELETE or
 * IN_MOVED_FROM; a half-written file is never read.  A maintenance file
 * counts from IN_CREATE / IN_MOVED_TO (any kind of file, even a directory)
 * until IN_DELETE / IN_MOVED_FROM.  A directory that is missing, or goes
 * away, is retried every RETRY_S seconds; an inotify queue overflow
 * re-reads everything.
 *
 * Names in the maintenance directory, for real 198.51.100.11:8080 of
 * service web (the first one present is shown): "web@198.51.100.11:8080",
 * "web@198.51.100.11", "198.51.100.11:8080", "198.51.100.11"; IPv6 reals
 * as "[2001:db8::1]:80" and "2001:db8::1".  ldirectord's maintenancedir
 * names (ip, ip:port) work unchanged; the service-qualified ones pick one
 * service of a real shared by several.
 *
 * Lookups: each watch keeps its (name, real) entries sorted by name, so
 * an event costs a binary search, not a walk over every real.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>

#include <event2/event.h>

#include "log.h"
#include "model.h"
#include "weightsrc.h"

#define RETRY_S		2
#define NCAND		4	/* maintenance names per real */

enum { ENT_FILE = 0, ENT_MAINT };

struct ent {
	char		*name;		/* owned */
	struct mon_real	*rs;
	int		 kind;		/* ENT_* */
};

struct watch {
	char		*dir;		/* owned */
	int		 wd;		/* -1: missing, retried */
	int		 warned;	/* its absence was logged */
	struct ent	*ents;		/* owned, sorted by name */
	size_t		 nents, cap;
};

static struct {
	struct mon_model	*m;
	int			 fd;
	struct event		*ev;
	struct event		*retry;
	struct watch		*w;
	size_t			 nw;
} ww = { .fd = -1 };

static struct watch *
watch_get(const char *dir)
{
	struct watch	*n;

	for (size_t i = 0; i < ww.nw; i++)
		if (strcmp(ww.w[i].dir, dir) == 0)
			return &ww.w[i];
	if ((n = realloc(ww.w, (ww.nw + 1) * sizeof(*n))) == NULL)
		return NULL;
	ww.w = n;
	n = &ww.w[ww.nw];
	memset(n, 0, sizeof(*n));
	n->wd = -1;
	if ((n->dir = strdup(dir)) == NULL)
		return NULL;
	ww.nw++;
	return n;
}

static int
ent_add(struct watch *w, const char *name, struct mon_real *rs, int kind)
{
	if (w->nents == w->cap) {
		size_t		 c = w->cap ? w->cap * 2 : 16;
		struct ent	*n = realloc(w->ents, c * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		w->ents = n;
		w->cap = c;
	}
	if ((w->ents[w->nents].name = strdup(name)) == NULL)
		return -ENOMEM;
	w->ents[w->nents].rs = rs;
	w->ents[w->nents++].kind = kind;
	return 0;
}

static int
ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->name,
	    ((const struct ent *)b)->name);
}

/* The maintenance names of rs, most specific first. */
static void
maint_names(const struct mon_real *rs, char out[NCAND][128])
{
	char	addr[INET6_ADDRSTRLEN];

	inet_ntop(rs->family, &rs->addr, addr, sizeof(addr));
	snprintf(out[0], 128, "%s@%s", rs->svc->name, rs->key);
	snprintf(out[1], 128, "%s@%s", rs->svc->name, addr);
	snprintf(out[2], 128, "%s", rs->key);
	snprintf(out[3], 128, "%s", addr);
}

/* Is rs named in the maintenance directory now? */
static void
maint_check(struct mon_real *rs, const char *dir, int present)
{
	char	names[NCAND][128], path[PATH_MAX];

	maint_names(rs, names);
	for (size_t i = 0; present && i < NCAND; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (access(path, F_OK) == 0) {
			mon_ws_maint_set(rs, names[i]);
			return;
		}
	}
	mon_ws_maint_set(rs, NULL);
}

/* Apply what is there now to one entry (present 0: the directory is
   gone, so is everything in it). */
static void
ent_refresh(struct watch *w, struct ent *en, int present)
{
	if (en->kind == ENT_MAINT)
		maint_check(en->rs, w->dir, present);
	else
		mon_ws_file_read(en->rs);
}

static void
watch_refresh(struct watch *w, int present)
{
	for (size_t i = 0; i < w->nents; i++)
		ent_refresh(w, &w->ents[i], present);
}

static void
watch_add(struct watch *w)
{
	w->wd = inotify_add_watch(ww.fd, w->dir, IN_CLOSE_WRITE |
	    IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
	    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
	if (w->wd < 0) {
		if (!w->warned)
			mon_warn("lvsmond: cannot watch %s (%s); trying again "
			    "every %d s", w->dir, strerror(errno), RETRY_S);
		w->warned = 1;
		return;
	}
	if (w->warned)
		mon_info("lvsmond: watching %s", w->dir);
	w->warned = 0;
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	for (size_t i = 0; i < ww.nw; i++)
		if (ww.w[i].wd < 0) {
			watch_add(&ww.w[i]);
			if (ww.w[i].wd >= 0)
				watch_refresh(&ww.w[i], 1);
		}
}

/* One event of watch w about name (NULL: the directory itself). */
static void
on_name(struct watch *w, const char *name, uint32_t mask)
{
	struct ent	key = { .name = (char *)name }, *en;
	size_t		lo;

	if (mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
		if (w->wd >= 0 && !(mask & IN_IGNORED))
			inotify_rm_watch(ww.fd, w->wd);
		w->wd = -1;
		watch_refresh(w, 0);
		watch_add(w);		/* moved: the old path may be back */
		if (w->wd >= 0)
			watch_refresh(w, 1);
		return;
	}
	if (name == NULL || w->nents == 0)
		return;
	/* the first entry with this name, then all equal ones */
	en = bsearch(&key, w->ents, w->nents, sizeof(*en), ent_cmp);
	if (en == NULL)
		return;
	lo = (size_t)(en - w->ents);
	while (lo > 0 && strcmp(w->ents[lo - 1].name, name) == 0)
		lo--;
	for (; lo < w->nents && strcmp(w->ents[lo].name, name) == 0; lo++)
		ent_refresh(w, &w->ents[lo], 1);
}

static void
on_inotify(evutil_socket_t fd, short what, void *arg)
{
	char		 buf[8192] __attribute__((aligned(
			    __alignof__(struct inotify_event))));
	ssize_t		 n;

	(void)what;
	(void)arg;
	/* bounded: one buffer per loop turn, the rest on the next */
	if ((n = read(fd, buf, sizeof(buf))) <= 0)
		return;
	for (char *p = buf; p < buf + n;) {
		struct inotify_event *ie = (struct inotify_event *)p;

		p += sizeof(*ie) + ie->len;
		if (ie->mask & IN_Q_OVERFLOW) {
			mon_warn("lvsmond: inotify queue overflow, reading "
			    "every weight file again");
			for (size_t i = 0; i < ww.nw; i++)
				if (ww.w[i].wd >= 0)
					watch_refresh(&ww.w[i], 1);
			continue;
		}
		for (size_t i = 0; i < ww.nw; i++)
			if (ww.w[i].wd == ie->wd)
				on_name(&ww.w[i], ie->len ? ie->name : NULL,
				    ie->mask);
	}
}

/* Split path into its directory and name; -EINVAL if it has none. */
static int
split(const char *path, char *dir, size_t len, const char **name)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL || slash[1] == '\0' ||
	    (size_t)(slash - path) >= len)
		return -EINVAL;
	snprintf(dir, len, "%.*s", slash == path ? 1 : (int)(slash - path),
	    path);
	*name = slash + 1;
	return 0;
}

static int
build(struct mon_model *m)
{
	const char	*md = m->global.maintenance_dir;
	char		 dir[PATH_MAX], names[NCAND][128];
	const char	*name;
	struct watch	*w, *mw = NULL;

	if (md != NULL && (mw = watch_get(md)) == NULL)
		return -ENOMEM;
	for (size_t s = 0; s < m->nsvcs; s++)
		for (size_t r = 0; r < m->svcs[s].nreals; r++) {
			struct mon_real	*rs = &m->svcs[s].reals[r];
			const char	*path = rs->ws.file.path;

			if (mw != NULL) {
				maint_names(rs, names);
				for (size_t i = 0; i < NCAND; i++)
					if (ent_add(mw, names[i], rs,
					    ENT_MAINT) < 0)
						return -ENOMEM;
			}
			if (path == NULL ||
			    split(path, dir, sizeof(dir), &name) < 0)
				continue;
			if ((w = watch_get(dir)) == NULL ||
			    ent_add(w, name, rs, ENT_FILE) < 0)
				return -ENOMEM;
			/* watch_get may have moved the array */
			if (md != NULL)
				mw = watch_get(md);
		}
	for (size_t i = 0; i < ww.nw; i++)
		qsort(ww.w[i].ents, ww.w[i].nents, sizeof(struct ent),
		    ent_cmp);
	return 0;
}

int
mon_ws_watch_open(struct mon_model *m, struct event_base *base,
    struct err *e)
{
	static const struct timeval	retry = { RETRY_S, 0 };
	int				rc;

	ww.m = m;
	if ((rc = build(m)) < 0) {
		mon_ws_watch_close();
		return err_set(e, rc, "out of memory");
	}
	if (ww.nw == 0)
		return 0;
	if ((ww.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
		rc = -errno;
		mon_ws_watch_close();
		return err_set(e, rc, "inotify: %s (weight files, "
		    "maintenance_dir)", strerror(-rc));
	}
	ww.ev = event_new(base, ww.fd, EV_READ | EV_PERSIST, on_inotify, NULL);
	ww.retry = event_new(base, -1, EV_PERSIST, on_retry, NULL);
	if (ww.ev == NULL || ww.retry == NULL || event_add(ww.ev, NULL) < 0 ||
	    event_add(ww.retry, &retry) < 0) {
		mon_ws_watch_close();
		return err_set(e, -ENOMEM, "out of memory");
	}
	/* watch first, then read: a write in between is not lost */
	for (size_t i = 0; i < ww.nw; i++)
		watch_add(&ww.w[i]);
	for (size_t i = 0; i < ww.nw; i++)
		if (ww.w[i].wd >= 0)
			watch_refresh(&ww.w[i], 1);
	return 0;
}

void
mon_ws_watch_close(void)
{
	if (ww.ev != NULL)
		event_free(ww.ev);
	if (ww.retry != NULL)
		event_free(ww.retry);
	if (ww.fd >= 0)
		close(ww.fd);
	for (size_t i = 0; i < ww.nw; i++) {
		for (size_t j = 0; j < ww.w[i].nents; j++)
			free(ww.w[i].ents[j].name);
		free(ww.w[i].ents);
		free(ww.w[i].dir);
	}
	free(ww.w);
	memset(&ww, 0, sizeof(ww));
	ww.fd = -1;
}

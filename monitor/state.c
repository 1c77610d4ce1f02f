/*
 * monitor/state.c - what must outlive the process: object ids (the SNMP row
 * indexes and the nft conntrack marks) and what operators set by hand
 * (admin state, weight).  One text file, one line per object, replaced
 * atomically (write, fsync, rename) after every change:
 *
 *   service tcp/203.0.113.10:80 id 1
 *   real tcp/203.0.113.10:80 198.51.100.11:8080 id 3 admin drain weight 50
 *   director drained
 *
 * Objects are matched by key (what they are), never by position, so adding
 * a server in the middle of the file moves nobody else's id.  A line that
 * cannot be read is reported with file:line and skipped; the rest is kept.
 *
 * What lvsmond writes starts with the STATE_HEAD line and ends with
 * "end LINES HASH" (the lines before it and their FNV-1a hash): rename()
 * makes the file whole or absent, but a disk, a copy or an editor can still
 * cut it short or change a digit, and a weight of 5 read from a cut "50" is
 * worse than no weight.  Such a file is refused whole, kept as FILE.bad, and
 * the daemon starts from the config.  A file without the head (written by
 * hand, or by an older lvsmond) is read line by line as before.
 *
 * A save that fails (disk full, ENOSPC from the fsync) leaves the old file
 * in place (the new one is written beside it and renamed only when it is on
 * disk) and is retried every STATE_RETRY_S seconds until it succeeds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "announce.h"
#include "log.h"
#include "resource.h"
#include "state.h"

#define STATE_HEAD	"# lvsmond state v2: ids and settings made by hand. " \
			"Rewritten by lvsmond.\n"
#define STATE_RETRY_S	5

static uint32_t
fnv1a(uint32_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

#define FNV_INIT	2166136261u

/*
 * Is a file that lvsmond wrote still whole?  0 if so or if it is not one of
 * ours (no head), else -EBADMSG with why in *why.
 */
static int
whole_file(FILE *f, const char **why)
{
	char		 line[1024];
	uint32_t	 h = FNV_INIT, want;
	unsigned long	 n = 0, nwant;
	int		 ours = 0, ended = 0;

	*why = NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t	len = strlen(line);
		char	tail;

		if (n == 0)
			ours = strcmp(line, STATE_HEAD) == 0;
		if (!ours)
			break;
		if (ended) {
			*why = "lines after the end line";
			break;
		}
		if (sscanf(line, "end %lu %8x%c", &nwant, &want, &tail) == 3 &&
		    tail == '\n') {
			ended = 1;
			if (nwant != n || want != h)
				*why = nwant != n ? "line count does not match"
				    : "checksum does not match";
			continue;
		}
		h = fnv1a(h, line, len);
		n++;
	}
	if (ours && !ended && *why == NULL)
		*why = "no end line: truncated";
	rewind(f);
	return *why != NULL ? -EBADMSG : 0;
}

static struct mon_service *
find_service(struct mon_model *m, const char *key)
{
	for (size_t i = 0; i < m->nsvcs; i++)
		if (strcmp(m->svcs[i].key, key) == 0)
			return &m->svcs[i];
	return NULL;
}

static int
admin_parse(const char *s)
{
	for (int i = 0; i < MON_ADMIN__COUNT; i++)
		if (strcmp(mon_admin_names[i], s) == 0)
			return i;
	return -1;
}

/* One "real" line's words after the two keys: id N [admin A] [weight W] */
static int
real_fields(struct mon_real *rs, char **w, int n, uint32_t *id)
{
	for (int i = 0; i + 1 < n; i += 2) {
		char		*end;
		unsigned long	 v = strtoul(w[i + 1], &end, 10);
		int		 a;

		if (strcmp(w[i], "id") == 0 && *end == '\0' && v > 0 &&
		    v <= DIR_ID_MAX)
			*id = (uint32_t)v;
		else if (strcmp(w[i], "admin") == 0 &&
		    (a = admin_parse(w[i + 1])) >= 0)
			rs->admin = (enum mon_admin)a;
		else if (strcmp(w[i], "weight") == 0 && *end == '\0' &&
		    v <= DIR_WEIGHT_MAX)
			rs->admin_weight = (int)v;
		else
			return -EINVAL;
	}
	return n % 2 == 0 ? 0 : -EINVAL;
}

int
mon_state_load(struct mon_model *m, const char *path)
{
	FILE		*f;
	char		 line[1024];
	int		 lineno = 0, bad = 0, bad_file = 0;
	uint32_t	*sid, *rid, next = 1;
	size_t		 nreals = mon_model_nreals(m);

	/* ids from the file, 0 where the file has none */
	sid = calloc(m->nsvcs + 1, sizeof(*sid));
	rid = calloc(nreals + 1, sizeof(*rid));
	if (sid == NULL || rid == NULL) {
		free(sid);
		free(rid);
		return -ENOMEM;
	}
	if ((f = fopen(path, "r")) == NULL && errno != ENOENT)
		mon_warn("lvsmond: state file %s: %s; starting without it",
		    path, strerror(errno));
	if (f != NULL) {
		const char	*why;
		char		 kept[PATH_MAX];

		if (whole_file(f, &why) < 0) {
			fclose(f);
			f = NULL;
			/* else the next save would overwrite the evidence */
			if (snprintf(kept, sizeof(kept), "%s.bad", path) >=
			    (int)sizeof(kept) || rename(path, kept) < 0)
				kept[0] = '\0';
			mon_error("lvsmond: state file %s: refused (%s); "
			    "ids and settings made by hand start from the "
			    "config%s%s", path, why, kept[0] ? "; kept as " :
			    "", kept);
			bad_file = 1;
		}
	}
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char			*w[12], *save = NULL, *t;
		int			 n = 0;
		struct mon_service	*s;
		struct mon_real		*rs;
		uint32_t		 id = 0;

		lineno++;
		for (t = strtok_r(line, " \t\n", &save); t != NULL && n < 12;
		    t = strtok_r(NULL, " \t\n", &save))
			w[n++] = t;
		if (n == 0 || w[0][0] == '#' || (strcmp(w[0], "end") == 0 &&
		    n == 3))
			continue;
		if (strcmp(w[0], "service") == 0 && n == 4 &&
		    strcmp(w[2], "id") == 0) {
			id = (uint32_t)strtoul(w[3], NULL, 10);
			if ((s = find_service(m, w[1])) != NULL && id > 0)
				sid[s - m->svcs] = id;
			continue;
		}
		/* lvsmonctl drain-director lasts (announce.h) */
		if (strcmp(w[0], "director") == 0 && n == 2 &&
		    strcmp(w[1], "drained") == 0) {
			mon_announce_restore_drained();
			continue;
		}
		if (strcmp(w[0], "real") == 0 && n >= 5) {
			if ((s = find_service(m, w[1])) == NULL ||
			    (rs = mon_model_real(s, w[2])) == NULL)
				continue;	/* no longer configured */
			if (real_fields(rs, w + 3, n - 3, &id) == 0) {
				size_t k = 0;

				for (size_t i = 0; i < (size_t)(s - m->svcs);
				    i++)
					k += m->svcs[i].nreals;
				rid[k + (size_t)(rs - s->reals)] = id;
				continue;
			}
		}
		mon_warn("lvsmond: %s:%d: cannot read this state line; "
		    "skipped", path, lineno);
		bad++;
	}
	if (f != NULL)
		fclose(f);

	/* a file id wins; everyone else gets a fresh one above all of them */
	for (size_t i = 0; i < m->nsvcs; i++)
		if (sid[i] >= next)
			next = sid[i] + 1;
	for (size_t i = 0; i < m->nsvcs; i++)
		m->svcs[i].id = sid[i] ? sid[i] : next++;
	next = 1;
	for (size_t k = 0; k < nreals; k++)
		if (rid[k] >= next)
			next = rid[k] + 1;
	for (size_t i = 0, k = 0; i < m->nsvcs; i++)
		for (size_t j = 0; j < m->svcs[i].nreals; j++, k++) {
			struct mon_real *rs = &m->svcs[i].reals[j];

			rs->id = rid[k] ? rid[k] : next++;
			rs->eff_weight = mon_rs_weight(rs);
		}
	for (size_t i = 0; i < m->nsvcs; i++)
		mon_svc_quorum(&m->svcs[i], 1);
	free(sid);
	free(rid);
	if (next > DIR_ID_MAX) {
		mon_error("lvsmond: state file %s: real server ids exhausted",
		    path);
		return -ERANGE;
	}
	return bad || bad_file ? -EINVAL : 0;
}

static struct {
	struct event		*ev;
	struct mon_model	*m;
	int			 pending;
	int			 failing;	/* last save failed: retrying */
} defer;

static void
save_now(struct mon_model *m)
{
	struct err	e = { "" };

	if (m->global.state_file == NULL)
		return;
	if (mon_state_save(m, m->global.state_file, &e) == 0) {
		if (defer.failing)
			mon_info("lvsmond: state file %s: saved again",
			    m->global.state_file);
		defer.failing = 0;
		return;
	}
	/* once per streak: a full disk must not fill the log as well */
	if (!defer.failing)
		mon_error("lvsmond: %s; the previous file is kept, retrying "
		    "every %d s", e.msg, STATE_RETRY_S);
	defer.failing = 1;
	if (defer.ev != NULL && defer.m == m) {
		struct timeval tv = { STATE_RETRY_S, 0 };

		defer.pending = 1;
		event_add(defer.ev, &tv);
	}
}

static void
on_save(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	defer.pending = 0;
	save_now(defer.m);
}

int
mon_state_defer_open(struct mon_model *m, struct event_base *base)
{
	defer.m = m;
	if ((defer.ev = event_new(base, -1, 0, on_save, NULL)) == NULL)
		return -ENOMEM;
	return 0;
}

void
mon_state_defer_close(void)
{
	if (defer.pending)
		save_now(defer.m);	/* nothing set by hand is lost */
	if (defer.ev != NULL)
		event_free(defer.ev);
	memset(&defer, 0, sizeof(defer));
}

void
mon_state_dirty(struct mon_model *m)
{
	if (defer.ev == NULL || defer.m != m) {
		save_now(m);
		return;
	}
	if (!defer.pending) {
		defer.pending = 1;
		event_active(defer.ev, 0, 0);
	}
}

/* One line into the file and into the hash of the end line. */
static uint32_t __attribute__((format(printf, 4, 5)))
put(FILE *f, uint32_t h, unsigned long *n, const char *fmt, ...)
{
	char	line[1024];
	va_list	ap;
	int	len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len < 0)
		return h;
	if ((size_t)len >= sizeof(line))	/* keys are far shorter */
		len = sizeof(line) - 1;
	fwrite(line, 1, (size_t)len, f);
	(*n)++;
	return fnv1a(h, line, (size_t)len);
}

int
mon_state_save(const struct mon_model *m, const char *path, struct err *e)
{
	char		 tmp[PATH_MAX], dir[PATH_MAX], *slash;
	FILE		*f;
	int		 fd, rc = 0;
	uint32_t	 h = FNV_INIT;
	unsigned long	 n = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return err_set(e, -ENAMETOOLONG, "state file %s: path too "
		    "long", path);
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return err_set(e, -errno, "state file: cannot create "
			    "%s: %s", dir, strerror(errno));
	} else
		snprintf(dir, sizeof(dir), ".");
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		return err_set(e, rc, "state file %s: %s", tmp,
		    strerror(-rc));
	}
	h = put(f, h, &n, "%s", STATE_HEAD);
	for (size_t i = 0; i < m->nsvcs; i++) {
		const struct mon_service *s = &m->svcs[i];

		h = put(f, h, &n, "service %s id %u\n", s->key, s->id);
		for (size_t j = 0; j < s->nreals; j++) {
			const struct mon_real *rs = &s->reals[j];
			char	w[32] = "";

			if (rs->admin_weight >= 0)
				snprintf(w, sizeof(w), " weight %d",
				    rs->admin_weight);
			h = put(f, h, &n, "real %s %s id %u admin %s%s\n",
			    s->key, rs->key, rs->id,
			    mon_admin_names[rs->admin], w);
		}
	}
	if (mon_announce_drained())
		h = put(f, h, &n, "director drained\n");
	fprintf(f, "end %lu %08x\n", n, h);
	/* the data must be on disk before the name points at it */
	if (fflush(f) != 0 || fsync(fd) < 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return err_set(e, rc, "state file %s: %s", path,
		    strerror(-rc));
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

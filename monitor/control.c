/*
 * monitor/control.c - the control socket (protocol in control.h).
 *
 * Every client is a bufferevent on the daemon's loop; a command is one row
 * of ctl_commands[] (name, arity, handler), so a new command is a row and a
 * function, not another branch of a parser.  A bad line gets "error: ..."
 * and the daemon goes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "announce.h"
#include "apply.h"
#include "control.h"
#include "event.h"
#include "ha.h"
#include "ha_show.h"
#include "log.h"
#include "reload.h"
#include "show.h"
#include "state.h"

#define CTL_MAX_LINE	4096
#define CTL_MAX_ARGS	8
#define CTL_MAX_QUEUE	(1 << 20)	/* a stream client this far behind
					   is dropped, not buffered forever */
/*
 * A flood of clients must not take the descriptors the checks need: past
 * CTL_MAX_CLIENTS a client is told so and closed, and one that neither
 * finishes its command nor reads its answer within CTL_IDLE_S is dropped
 * (event streams excepted: they are meant to wait).
 */
#define CTL_MAX_CLIENTS	128
#define CTL_IDLE_S	10
#define CTL_LOG_EVERY_S	10		/* refusals: one line per period */

struct client {
	struct bufferevent	*bev;
	int			 json;		/* events --json */
	int			 streaming;
	int			 replay;	/* --since given */
	uint64_t		 replay_from;	/* replay after "ok" */
	struct client		*prev, *next;	/* ctl.clients */
};

static struct {
	struct mon_model	*m;
	struct evconnlistener	*lis;
	char			*path;
	struct client		*clients;	/* owned; freed at close */
	int			 nclients;
	int			 spare_fd;	/* /dev/null, given up to accept
						   and refuse when out of fds */
	struct event		*resume;	/* accepts paused: no spare */
	unsigned long		 refused;	/* since the last log line */
	time_t			 refused_log;
} ctl = { .spare_fd = -1 };

typedef int (*ctl_fn)(struct client *c, int argc, char **argv,
    struct evbuffer *out, struct err *e);

struct ctl_command {
	const char	*name;
	int		 min, max;	/* words after the name */
	ctl_fn		 fn;
	const char	*usage;
};

static void	client_free(struct client *c);

static int
has_json_flag(int argc, char **argv, struct err *e)
{
	if (argc == 0)
		return 0;
	if (strcmp(argv[0], "--json") == 0)
		return 1;
	return err_set(e, -EINVAL, "unknown option '%s' (expected --json)",
	    argv[0]);
}

static int
cmd_show(struct client *c, int argc, char **argv, struct evbuffer *out,
    struct err *e)
{
	int	json;

	(void)c;
	if ((json = has_json_flag(argc, argv, e)) < 0)
		return json;
	/* kernel_weight is what the kernel holds now, not what we wrote */
	mon_apply_refresh(ctl.m);
	if (json)
		mon_show_json(out, ctl.m);
	else
		mon_show_text(out, ctl.m);
	return 0;
}

static int
cmd_set(struct client *c, int argc, char **argv, struct evbuffer *out,
    struct err *e)
{
	char	*end;
	long	 w;
	int	 rc;

	(void)c;
	if (strcmp(argv[0], "weight") != 0)
		return err_set(e, -EINVAL, "unknown setting '%s' (expected "
		    "set weight SERVICE SERVER WEIGHT)", argv[0]);
	if (strcmp(argv[3], "config") == 0)
		w = -1;
	else {
		errno = 0;
		w = strtol(argv[3], &end, 10);
		if (*argv[3] == '\0' || *end != '\0' || errno ||
		    w < 0 || w > DIR_WEIGHT_MAX)
			return err_set(e, -EINVAL, "weight '%s' is not a "
			    "number in 0..%u (or \"config\")", argv[3],
			    DIR_WEIGHT_MAX);
	}
	if ((rc = mon_cmd_set_weight(ctl.m, argv[1], argv[2], (int)w, e)) < 0)
		return rc;
	evbuffer_add_printf(out, "ok\n");
	return 0;
}

static int
cmd_admin(struct client *c, int argc, char **argv, struct evbuffer *out,
    struct err *e, enum mon_admin to)
{
	int	rc;

	(void)c;
	(void)argc;
	if ((rc = mon_cmd_set_admin(ctl.m, argv[0], argv[1], to, e)) < 0)
		return rc;
	evbuffer_add_printf(out, "ok\n");
	return 0;
}

static int
cmd_enable(struct client *c, int argc, char **argv, struct evbuffer *out,
    struct err *e)
{
	return cmd_admin(c, argc, argv, out, e, MON_ADMIN_ENABLED);
}

static int
cmd_disable(struct client *c, int argc, char **argv, struct evbuffer *out,
    struct err *e)
{
	return cmd_admin(c, argc, argv, out, e, MON_ADMIN_DISABLED);
}

static int
cmd_drain(struct client *c, int argc, char **argv, struct evbuffer *out,
    struct err *e)
{
	return cmd_admin(c, argc, argv, out, e, MON_ADMIN_DRAIN);
}

static void
on_stream_event(const struct mon_event *ev, void *arg)
{
	struct client	*c = arg;
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	if (evbuffer_get_length(out) > CTL_MAX_QUEUE) {
		mon_warn("lvsmond: control: events client too slow, "
		    "dropping it");
		client_free(c);
		return;
	}
	mon_event_format(out, ev, c->json);
}

/* events --since: one kept event, if what it names still exists */
static void
replay(const struct mon_event_rec *r, void *arg)
{
	struct client		*c = arg;
	struct mon_event	 ev = r->ev;
	struct mon_service	*svc = NULL;

	if (r->svc[0] != '\0' &&
	    (svc = mon_model_service(ctl.m, r->svc)) == NULL)
		return;		/* gone with a reload */
	ev.svc = svc;
	if (r->rs[0] != '\0' && (svc == NULL ||
	    (ev.rs = mon_model_real(svc, r->rs)) == NULL))
		return;
	mon_event_format(bufferevent_get_output(c->bev), &ev, c->json);
}

static int
cmd_events(struct client *c, int argc, char **argv, struct evbuffer *out,
    struct err *e)
{
	unsigned long long	 since = 0;
	int			 json = 0, want_since = 0;
	char			*end;
	uint64_t		 oldest;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			errno = 0;
			since = strtoull(argv[++i], &end, 10);
			if (*argv[i] == '\0' || *end != '\0' || errno ||
			    argv[i][0] == '-')
				return err_set(e, -EINVAL, "--since: '%s' is "
				    "not an event number", argv[i]);
			want_since = 1;
		} else
			return err_set(e, -EINVAL, "unknown option '%s' "
			    "(expected --json or --since SEQ)", argv[i]);
	}
	if (mon_event_subscribe(on_stream_event, c) < 0)
		return err_set(e, -ENOMEM, "out of memory");
	c->json = json;
	c->streaming = 1;
	if (!want_since)
		return 0;
	/* catch up first (after "ok"): the kept events newer than SEQ;
	   say so if some were already dropped from the ring */
	oldest = mon_event_since(0, NULL, NULL);
	if (oldest > since + 1) {
		if (json)
			evbuffer_add_printf(out, "{\"type\":\"lost\",\"first\":"
			    "%llu,\"last\":%llu}\n", since + 1,
			    (unsigned long long)oldest - 1);
		else
			evbuffer_add_printf(out, "lost events %llu..%llu (no "
			    "longer kept)\n", since + 1,
			    (unsigned long long)oldest - 1);
	}
	c->replay = 1;
	c->replay_from = since;
	return 0;
}

static int
cmd_reload(struct client *c, int argc, char **argv, struct evbuffer *out,
    struct err *e)
{
	struct mon_reload_result	res;
	int				rc;

	(void)c;
	(void)argc;
	(void)argv;
	if ((rc = mon_reload(ctl.m, &res, e)) < 0) {
		mon_error("lvsmond: reload failed, still running the "
		    "previous configuration: %s", e->msg);
		return rc;
	}
	evbuffer_add_printf(out, "reloaded: %s; checks kept %zu, restarted "
	    "or new %zu; draining %zu; kernel: %s (%zu weight changes) in "
	    "%.1f ms\n", res.summary, res.kept_checks,
	    res.started_checks, res.draining,
	    res.synced ? "sync" : "weights only", res.kernel_changes,
	    res.total_us / 1000.0);
	return 0;
}

static int
cmd_role(struct client *c, int argc, char **argv, struct evbuffer *out,
    struct err *e)
{
	json_object	*o;
	int		 json;

	(void)c;
	if ((json = has_json_flag(argc, argv, e)) < 0)
		return json;
	if (!json) {
		mon_ha_show_text(out);
		return 0;
	}
	o = mon_ha_show_json();
	evbuffer_add_printf(out, "%s\n", o == NULL ? "null" :
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return 0;
}

static int
cmd_failover(struct client *c, int argc, char **argv, struct evbuffer *out,
    struct err *e)
{
	int	rc;

	(void)c;
	(void)argc;
	(void)argv;
	if ((rc = mon_ha_failover(e)) < 0)
		return rc;
	evbuffer_add_printf(out, "handing over: priority 0 until a "
	    "peer is master\n");
	return 0;
}

static int
director_drain(int drain, struct evbuffer *out, struct err *e)
{
	int	rc;

	if ((rc = mon_announce_drain(drain, e)) < 0)
		return rc;
	mon_state_dirty(ctl.m);		/* it lasts a restart */
	evbuffer_add_printf(out, "ok\n");
	return 0;
}

static int
cmd_drain_director(struct client *c, int argc, char **argv,
    struct evbuffer *out, struct err *e)
{
	(void)c;
	(void)argc;
	(void)argv;
	return director_drain(1, out, e);
}

static int
cmd_undrain_director(struct client *c, int argc, char **argv,
    struct evbuffer *out, struct err *e)
{
	(void)c;
	(void)argc;
	(void)argv;
	return director_drain(0, out, e);
}

static const struct ctl_command ctl_commands[] = {
	{ "show",	0, 1, cmd_show,    "show [--json]" },
	{ "set",	4, 4, cmd_set,     "set weight SERVICE SERVER WEIGHT" },
	{ "enable",	2, 2, cmd_enable,  "enable SERVICE SERVER" },
	{ "disable",	2, 2, cmd_disable, "disable SERVICE SERVER" },
	{ "drain",	2, 2, cmd_drain,   "drain SERVICE SERVER" },
	{ "events",	0, 3, cmd_events,  "events [--json] [--since SEQ]" },
	{ "reload",	0, 0, cmd_reload,  "reload" },
	{ "role",	0, 1, cmd_role,    "role [--json]" },
	{ "failover",	0, 0, cmd_failover, "failover" },
	{ "drain-director", 0, 0, cmd_drain_director, "drain-director" },
	{ "undrain-director", 0, 0, cmd_undrain_director,
	  "undrain-director" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
dispatch(struct client *c, char *line, struct evbuffer *out, struct err *e)
{
	char				*argv[CTL_MAX_ARGS], *save = NULL, *w;
	int				 argc = 0;
	const struct ctl_command	*cmd;

	for (w = strtok_r(line, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		if (argc == CTL_MAX_ARGS)
			return err_set(e, -EINVAL, "too many words");
		argv[argc++] = w;
	}
	if (argc == 0)
		return err_set(e, -EINVAL, "empty command");
	for (cmd = ctl_commands; cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, argv[0]) == 0)
			break;
	if (cmd->name == NULL) {
		char	list[512] = "";

		for (cmd = ctl_commands; cmd->name != NULL; cmd++)
			snprintf(list + strlen(list), sizeof(list) -
			    strlen(list), "%s%s", list[0] ? ", " : "",
			    cmd->name);
		return err_set(e, -EINVAL, "unknown command '%.64s' (one of "
		    "%s)", argv[0], list);
	}
	if (argc - 1 < cmd->min || argc - 1 > cmd->max)
		return err_set(e, -EINVAL, "usage: lvsmonctl %s", cmd->usage);
	return cmd->fn(c, argc - 1, argv + 1, out, e);
}

static void
client_free(struct client *c)
{
	if (c->streaming)
		mon_event_unsubscribe(on_stream_event, c);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		ctl.clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	bufferevent_free(c->bev);
	free(c);
	ctl.nclients--;
}

/* Refusals are logged, but a flood gives one line per period, not one each. */
static void
refused(const char *why)
{
	time_t	now = time(NULL);

	ctl.refused++;
	if (now - ctl.refused_log < CTL_LOG_EVERY_S)
		return;
	mon_warn("lvsmond: control: refused %lu client%s in %d s: %s",
	    ctl.refused, ctl.refused == 1 ? "" : "s", CTL_LOG_EVERY_S, why);
	ctl.refused = 0;
	ctl.refused_log = now;
}

/* Tell a client we cannot serve it, without waiting on it, and close. */
static void
refuse_fd(int fd, const char *msg)
{
	ssize_t	n = send(fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL);

	(void)n;
	evutil_closesocket(fd);
}

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (ctl.spare_fd < 0)
		ctl.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	evconnlistener_enable(ctl.lis);
}

/*
 * accept() failed.  Out of descriptors, the connection stays in the backlog
 * and the listener would wake the loop again at once, for ever (and libevent
 * would log each time): give up the spare descriptor to take the client,
 * tell it why, close it and take the spare back.  Without a spare, pause
 * accepting for a second.
 */
static void
on_accept_error(struct evconnlistener *lis, void *arg)
{
	int	err = EVUTIL_SOCKET_ERROR(), fd;

	(void)arg;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS &&
	    err != ENOMEM) {
		mon_warn("lvsmond: control: accept: %s", strerror(err));
		return;
	}
	refused(strerror(err));
	if (ctl.spare_fd >= 0) {
		close(ctl.spare_fd);
		ctl.spare_fd = -1;
		fd = accept4(evconnlistener_get_fd(lis), NULL, NULL,
		    SOCK_CLOEXEC);
		if (fd >= 0)
			refuse_fd(fd, "error: lvsmond is out of file "
			    "descriptors; try again later\n");
		ctl.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (ctl.spare_fd >= 0 && fd >= 0)
			return;
	}
	if (ctl.resume != NULL) {
		struct timeval	tv = { 1, 0 };

		evconnlistener_disable(lis);
		event_add(ctl.resume, &tv);
	}
}

/* Close once everything queued has been written. */
static void
on_write_done(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;

	(void)bev;
	if (!c->streaming)
		client_free(c);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct evbuffer	*body;
	struct err	 e = { "" };
	size_t		 len;
	char		*line;

	if (c->streaming) {		/* a stream takes no more commands */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
	if (line == NULL) {
		if (evbuffer_get_length(in) <= CTL_MAX_LINE)
			return;		/* wait for the rest of the line */
		evbuffer_drain(in, evbuffer_get_length(in));
		err_set(&e, -E2BIG, "command longer than %d bytes",
		    CTL_MAX_LINE);
		goto reply;
	}
	if (len > CTL_MAX_LINE)
		err_set(&e, -E2BIG, "command longer than %d bytes",
		    CTL_MAX_LINE);
	else if (strlen(line) != len)
		err_set(&e, -EINVAL, "command contains a NUL byte");
	if (len > 0 && line[len - 1] == '\r')
		line[len - 1] = '\0';
	body = evbuffer_new();
	if (e.msg[0] == '\0' && body != NULL && dispatch(c, line, body, &e) ==
	    0) {
		bufferevent_write(bev, "ok\n", 3);
		bufferevent_write_buffer(bev, body);
		evbuffer_free(body);
		free(line);
		if (c->replay) {
			c->replay = 0;
			mon_event_since(c->replay_from, replay, c);
		}
		if (c->streaming) {	/* a stream waits as long as it likes */
			bufferevent_set_timeouts(bev, NULL, NULL);
			return;
		}
		bufferevent_disable(bev, EV_READ);
		return;
	}
	if (body != NULL)
		evbuffer_free(body);
	free(line);
reply:
	if (e.msg[0] == '\0')
		err_set(&e, -ENOMEM, "out of memory");
	evbuffer_add_printf(bufferevent_get_output(bev), "error: %s\n",
	    e.msg);
	bufferevent_disable(bev, EV_READ);
}

static void
on_bev_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		client_free(arg);
}

static void
on_accept(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct event_base	*base = evconnlistener_get_base(lis);
	struct client		*c;
	struct ucred		 cred;
	socklen_t		 len = sizeof(cred);
	struct timeval		 idle = { CTL_IDLE_S, 0 };

	(void)sa;
	(void)salen;
	(void)arg;
	/* root only: the socket's mode says so, the peer's uid proves it */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		mon_warn("lvsmond: control: refused a client with uid %d",
		    (int)cred.uid);
		refuse_fd(fd, "error: permission denied: only root may use "
		    "lvsmond's control socket\n");
		return;
	}
	if (ctl.nclients >= CTL_MAX_CLIENTS) {
		refused("too many clients");
		refuse_fd(fd, "error: too many control clients; try again\n");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->bev = bufferevent_socket_new(base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		evutil_closesocket(fd);
		return;
	}
	if ((c->next = ctl.clients) != NULL)
		c->next->prev = c;
	ctl.clients = c;
	ctl.nclients++;
	bufferevent_setcb(c->bev, on_read, on_write_done, on_bev_event, c);
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_enable(c->bev, EV_READ);
}

int
mon_control_open(struct mon_model *m, struct event_base *base,
    const char *path, struct err *e)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	char			 dir[PATH_MAX], *slash;
	mode_t			 old;
	int			 fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return err_set(e, -ENAMETOOLONG, "global.control_socket: "
		    "%s: path longer than %zu bytes", path,
		    sizeof(sun.sun_path) - 1);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return err_set(e, -errno, "global.control_socket: "
			    "cannot create %s: %s", dir, strerror(errno));
	}
	/* a socket file left by a dead daemon: is anyone answering? */
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(fd);
			return err_set(e, -EADDRINUSE, "global.control_socket:"
			    " %s: another lvsmond is running", path);
		}
		close(fd);
	}
	unlink(path);
	old = umask(0077);
	ctl.lis = evconnlistener_new_bind(base, on_accept, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
	    (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (ctl.lis == NULL)
		return err_set(e, -errno, "global.control_socket: %s: %s",
		    path, strerror(errno));
	evconnlistener_set_error_cb(ctl.lis, on_accept_error);
	ctl.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ctl.resume = evtimer_new(base, on_resume, NULL);
	ctl.m = m;
	ctl.path = strdup(path);
	return 0;
}

void
mon_control_close(void)
{
	while (ctl.clients != NULL)
		client_free(ctl.clients);
	if (ctl.lis != NULL)
		evconnlistener_free(ctl.lis);
	if (ctl.resume != NULL)
		event_free(ctl.resume);
	if (ctl.spare_fd >= 0)
		close(ctl.spare_fd);
	if (ctl.path != NULL)
		unlink(ctl.path);
	free(ctl.path);
	memset(&ctl, 0, sizeof(ctl));
	ctl.spare_fd = -1;
}

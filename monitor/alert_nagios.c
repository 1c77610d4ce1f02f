/*
 * monitor/alert_nagios.c - the `nagios` sink: passive service check results
 * for Nagios or Icinga, written to their external command file (a FIFO, or
 * a plain file for tests and spools), or sent to an NSCA daemon through
 * send_nsca (from the nsca-client package).
 *
 *   { type = "nagios"; command_file = "/var/lib/nagios4/rw/nagios.cmd"; }
 *   { type = "nagios"; nsca_host = "192.0.2.5:5667";
 *     nsca_config = "/etc/send_nsca.cfg"; }
 *
 * Command file: one line per alarm, all of a batch in one write (each line
 * is well under PIPE_BUF, so a FIFO takes it whole or not at all):
 *   [TIME] PROCESS_SERVICE_CHECK_RESULT;HOST;SERVICE;CODE;SUMMARY
 * NSCA: the same four fields, tab-separated, one block per alarm ended by
 * ETB (0x17, send_nsca's block separator since 2.9: a newline would be
 * taken as part of the output), on send_nsca's stdin; exit 0 is delivered.
 * HOST: the real's address (host_name overrides, for every alarm); for
 * quorum and packet-core alarms, director_name (default: this host's
 * name).  SERVICE: service_prefix + the lvsmon service ("web"), + " quorum"
 * for quorum alarms; "lvsmon backend" for the packet core; "lvsmon
 * director" for this director's failover role and "lvsmon peer ADDRESS"
 * for a peer director (both on the director_name host).  CODE: 2
 * (CRITICAL) while failed (director in fault, peer dead), 1 (WARNING)
 * when flapping, 0 (OK) on recovery and for a role notice (became master
 * or backup).
 *
 * The file is opened for each delivery (O_NONBLOCK): a FIFO that nobody
 * reads (Nagios stopped) fails with ENXIO and is retried later; a full one
 * fails with EAGAIN.  send_nsca runs through checkers/spawn.h.  Neither
 * blocks the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netdb.h>

#include "alert.h"
#include "checkers/spawn.h"

#define NSCA_ETB	'\027'
#define NSCA_OUT_CAP	1024

struct conf {
	char	*command_file;
	char	*nsca_host;		/* "IP" or "IP:PORT" */
	char	*send_nsca;
	char	*nsca_config;
	char	*host_name;
	char	*director_name;
	char	*service_prefix;
};

static const struct mon_directive directives[] = {
	{ .key = "command_file", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, command_file) },
	{ .key = "nsca_host", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, nsca_host) },
	{ .key = "send_nsca", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, send_nsca),
	  .sdef = "/usr/sbin/send_nsca" },
	{ .key = "nsca_config", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, nsca_config),
	  .sdef = "/etc/send_nsca.cfg" },
	{ .key = "host_name", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, host_name) },
	{ .key = "director_name", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, director_name) },
	{ .key = "service_prefix", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, service_prefix), .sdef = "" },
	{ .key = NULL }
};

struct priv {
	char			 director[64];
	char			 addr[64], port[8];	/* nsca */
	struct chk_spawn	*run;
};

static int
ng_configure(void *conf, const config_setting_t *cs, struct err *e)
{
	struct conf	*c = conf;

	(void)cs;
	if ((c->command_file == NULL) == (c->nsca_host == NULL))
		return err_set(e, -EINVAL, "needs exactly one of command_file "
		    "(the external command file) and nsca_host (send_nsca)");
	if (c->command_file != NULL && c->command_file[0] != '/')
		return err_set(e, -EINVAL, "command_file: \"%s\" must be an "
		    "absolute path", c->command_file);
	if (c->nsca_host != NULL) {
		struct sockaddr_storage	ss;
		unsigned		sslen;

		if (mon_alert_parse_hostport(c->nsca_host, 5667, &ss, &sslen,
		    e) < 0) {
			err_prefix(e, "nsca_host");
			return -EINVAL;
		}
		if (c->send_nsca[0] != '/' || c->nsca_config[0] != '/')
			return err_set(e, -EINVAL, "send_nsca and nsca_config "
			    "must be absolute paths");
	}
	return 0;
}

static int
ng_open(struct mon_alert_sink *s, struct err *e)
{
	struct conf	*c = s->conf;
	struct priv	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	if (c->director_name != NULL)
		snprintf(p->director, sizeof(p->director), "%s",
		    c->director_name);
	else if (gethostname(p->director, sizeof(p->director)) < 0)
		snprintf(p->director, sizeof(p->director), "lvsmond");
	p->director[sizeof(p->director) - 1] = '\0';
	if (c->nsca_host != NULL) {
		struct sockaddr_storage	ss;
		unsigned		sslen;

		if (mon_alert_parse_hostport(c->nsca_host, 5667, &ss, &sslen,
		    e) < 0 || getnameinfo((struct sockaddr *)&ss, sslen,
		    p->addr, sizeof(p->addr), p->port, sizeof(p->port),
		    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
			free(p);
			return -EINVAL;
		}
	}
	s->priv = p;
	return 0;
}

/* Nagios splits a command on ';' and ends it at a newline. */
static void
put_field(char *dst, size_t len, const char *src, int last)
{
	size_t	i;

	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = src[i] == '\n' || src[i] == '\r' ||
		    (!last && src[i] == ';') ? ' ' : src[i];
	dst[i] = '\0';
}

/* The four fields of a passive result. */
struct result {
	char	host[80], svc[96], out[512];
	int	code;
};

static void
result(struct result *r, const struct mon_alert_sink *s,
    const struct mon_alert *a)
{
	const struct conf	*c = s->conf;
	const struct priv	*p = s->priv;

	if (c->host_name != NULL)
		put_field(r->host, sizeof(r->host), c->host_name, 0);
	else if (a->what == MON_ALERT_REAL) {
		/* the address, without the port */
		const char *b = a->server, *end = strrchr(b, ':');
		size_t n = end ? (size_t)(end - b) : strlen(b);

		if (*b == '[') {
			b++;
			n = n >= 2 ? n - 2 : 0;
		}
		snprintf(r->host, sizeof(r->host), "%.*s", (int)n, b);
	} else
		put_field(r->host, sizeof(r->host), p->director, 0);
	if (a->what == MON_ALERT_BACKEND)
		snprintf(r->svc, sizeof(r->svc), "%slvsmon backend",
		    c->service_prefix);
	else if (a->what == MON_ALERT_DIRECTOR)
		snprintf(r->svc, sizeof(r->svc), "%slvsmon director",
		    c->service_prefix);
	else if (a->what == MON_ALERT_PEER)
		snprintf(r->svc, sizeof(r->svc), "%slvsmon peer %s",
		    c->service_prefix, a->server);
	else
		snprintf(r->svc, sizeof(r->svc), "%s%s%s", c->service_prefix,
		    a->service, a->what == MON_ALERT_QUORUM ? " quorum" :
		    a->what == MON_ALERT_ROUTE ? " route" : "");
	put_field(r->svc, sizeof(r->svc), r->svc, 0);
	put_field(r->out, sizeof(r->out), a->summary, 1);
	/* a role notice (master, backup) is OK: the director serves or
	   stands by as it should */
	r->code = a->kind == MON_ALERT_UP || a->kind == MON_ALERT_FLAP_END ||
	    a->kind == MON_ALERT_NOTICE ? 0 : a->kind == MON_ALERT_FLAP ? 1 :
	    2;
}

/* send_nsca splits on tabs and ends a result at ETB. */
static void
nsca_field(char *f)
{
	for (; *f; f++)
		if (*f == '\t' || *f == NSCA_ETB)
			*f = ' ';
}

static void
nsca_done(const struct chk_spawn_result *r, void *arg)
{
	struct mon_alert_sink	*s = arg;
	struct priv		*p = s->priv;
	const char		*o = r->err_len ? r->err : r->out;
	size_t			 olen = r->err_len ? r->err_len : r->out_len;
	char			 why[160], said[120];
	size_t			 k = 0;

	p->run = NULL;
	if (r->exited && r->exit_code == 0) {
		mon_alert_done(s, 1, NULL);
		return;
	}
	/* send_nsca says why on stderr, over two lines ("Connection refused
	   by host", "Error: Could not connect to host ... on port ...") */
	for (size_t i = 0; i < olen && k + 3 < sizeof(said); i++) {
		if (o[i] != '\n')
			said[k++] = o[i] == '\r' ? ' ' : o[i];
		else if (i + 1 < olen) {
			said[k++] = ';';
			said[k++] = ' ';
		}
	}
	said[k] = '\0';
	if (r->timed_out)
		snprintf(why, sizeof(why), "send_nsca: killed at the timeout");
	else if (r->exited)
		snprintf(why, sizeof(why), "send_nsca: exit %d: %s",
		    r->exit_code, said);
	else
		snprintf(why, sizeof(why), "send_nsca: killed by signal %d",
		    r->signo);
	mon_alert_done(s, 0, why);
}

static int
nsca_deliver(struct mon_alert_sink *s, const struct mon_alert *const *a,
    size_t n)
{
	struct conf		*c = s->conf;
	struct priv		*p = s->priv;
	struct chk_spawn_opts	 o = { 0 };
	struct result		 r;
	char			 to[16], *buf;
	size_t			 len = 0, cap = n * 768;
	char *const		 argv[] = { c->send_nsca, "-H", p->addr,
				    "-p", p->port, "-c", c->nsca_config,
				    "-to", to, NULL };
	int			 rc;

	if ((buf = malloc(cap)) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		result(&r, s, a[i]);
		nsca_field(r.host);
		nsca_field(r.svc);
		nsca_field(r.out);
		len += (size_t)snprintf(buf + len, cap - len, "%s\t%s\t%d\t%s%c",
		    r.host, r.svc, r.code, r.out, NSCA_ETB);
	}
	/* its own connect/read timeout, inside the delivery's deadline */
	snprintf(to, sizeof(to), "%u", s->timeout_ms / 2000 ?
	    s->timeout_ms / 2000 : 1);
	o.path = c->send_nsca;
	o.argv = argv;
	o.in = buf;
	o.in_len = len;
	o.timeout_ms = s->timeout_ms * 3 / 4;
	o.kill_grace_ms = s->timeout_ms / 8 ? s->timeout_ms / 8 : 1;
	o.out_cap = NSCA_OUT_CAP;
	rc = chk_spawn_start(s->base, &o, nsca_done, s, &p->run);
	free(buf);
	return rc;
}

static int
ng_deliver(struct mon_alert_sink *s, const struct mon_alert *const *a,
    size_t n)
{
	struct conf	*c = s->conf;
	struct result	 r;
	char		*buf, why[160];
	size_t		 len = 0, cap = n * 768;
	ssize_t		 w;
	int		 fd;

	if (c->nsca_host != NULL)
		return nsca_deliver(s, a, n);
	if ((buf = malloc(cap)) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		result(&r, s, a[i]);
		len += (size_t)snprintf(buf + len, cap - len,
		    "[%lld] PROCESS_SERVICE_CHECK_RESULT;%s;%s;%d;%s\n",
		    (long long)a[i]->time.tv_sec, r.host, r.svc, r.code, r.out);
	}
	fd = open(c->command_file, O_WRONLY | O_APPEND | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, sizeof(why), "%s: %s", c->command_file,
		    errno == ENXIO ? "nobody reads the command pipe" :
		    strerror(errno));
		free(buf);
		mon_alert_done(s, 0, why);
		return 0;
	}
	w = write(fd, buf, len);
	if (w < 0 || (size_t)w != len) {
		snprintf(why, sizeof(why), "%s: write: %s", c->command_file,
		    w < 0 ? strerror(errno) : "short write");
		close(fd);
		free(buf);
		mon_alert_done(s, 0, why);
		return 0;
	}
	close(fd);
	free(buf);
	mon_alert_done(s, 1, NULL);
	return 0;
}

static void
ng_cancel(struct mon_alert_sink *s)
{
	struct priv	*p = s->priv;

	/* a write ends at once; send_nsca is killed */
	if (p != NULL && p->run != NULL)
		chk_spawn_cancel(p->run);
	if (p != NULL)
		p->run = NULL;
}

static void
ng_close(struct mon_alert_sink *s)
{
	ng_cancel(s);
	free(s->priv);
	s->priv = NULL;
}

const struct mon_alert_sink_type mon_alert_nagios = {
	.name		= "nagios",
	.directives	= directives,
	.conf_size	= sizeof(struct conf),
	.batch_max	= 4,	/* 4 lines stay within PIPE_BUF */
	.batch_ms	= 0,
	.configure	= ng_configure,
	.open		= ng_open,
	.deliver	= ng_deliver,
	.cancel		= ng_cancel,
	.close		= ng_close,
};

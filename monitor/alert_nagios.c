/*
 * monitor/alert_nagios.c - the `nagios` sink: passive service check results
 * written to the external command file of Nagios or Icinga (a FIFO, or a
 * plain file for tests and spools).
 *
 *   { type = "nagios"; command_file = "/var/lib/nagios3/rw/nagios.cmd"; }
 *
 * One line per alarm, all of a batch in one write (each line is well under
 * PIPE_BUF, so a FIFO takes it whole or not at all):
 *   [TIME] PROCESS_SERVICE_CHECK_RESULT;HOST;SERVICE;CODE;SUMMARY
 * HOST: the real's address (host_name overrides, for every alarm); for
 * quorum and packet-core alarms, director_name (default: this host's
 * name).  SERVICE: service_prefix + the lvsmon service ("web"), + " quorum"
 * for quorum alarms; "lvsmon backend" for the packet core.  CODE: 2
 * (CRITICAL) while failed, 1 (WARNING) when flapping, 0 (OK) on recovery.
 *
 * The file is opened for each delivery (O_NONBLOCK): a FIFO that nobody
 * reads (Nagios stopped) fails with ENXIO and is retried later; a full one
 * fails with EAGAIN.  Neither blocks the loop.  (send_nsca is not
 * supported yet: run it from an `exec` sink.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"

struct conf {
	char	*command_file;
	char	*host_name;
	char	*director_name;
	char	*service_prefix;
};

static const struct mon_directive directives[] = {
	{ .key = "command_file", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, command_file),
	  .flags = MON_DF_REQUIRED },
	{ .key = "host_name", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, host_name) },
	{ .key = "director_name", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, director_name) },
	{ .key = "service_prefix", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, service_prefix), .sdef = "" },
	{ .key = NULL }
};

struct priv {
	char	director[64];
};

static int
ng_configure(void *conf, const config_setting_t *cs, struct err *e)
{
	struct conf	*c = conf;

	(void)cs;
	if (c->command_file[0] != '/')
		return err_set(e, -EINVAL, "command_file: \"%s\" must be an "
		    "absolute path", c->command_file);
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

static void
line(char *buf, size_t len, const struct mon_alert_sink *s,
    const struct mon_alert *a)
{
	const struct conf	*c = s->conf;
	const struct priv	*p = s->priv;
	char			 host[80], svc[96], out[512];
	int			 code;

	if (c->host_name != NULL)
		put_field(host, sizeof(host), c->host_name, 0);
	else if (a->what == MON_ALERT_REAL) {
		/* the address, without the port */
		const char *b = a->server, *end = strrchr(b, ':');
		size_t n = end ? (size_t)(end - b) : strlen(b);

		if (*b == '[') {
			b++;
			n = n >= 2 ? n - 2 : 0;
		}
		snprintf(host, sizeof(host), "%.*s", (int)n, b);
	} else
		put_field(host, sizeof(host), p->director, 0);
	if (a->what == MON_ALERT_BACKEND)
		snprintf(svc, sizeof(svc), "%slvsmon backend",
		    c->service_prefix);
	else
		snprintf(svc, sizeof(svc), "%s%s%s", c->service_prefix,
		    a->service, a->what == MON_ALERT_QUORUM ? " quorum" : "");
	put_field(svc, sizeof(svc), svc, 0);
	put_field(out, sizeof(out), a->summary, 1);
	code = a->kind == MON_ALERT_UP || a->kind == MON_ALERT_FLAP_END ? 0 :
	    a->kind == MON_ALERT_FLAP ? 1 : 2;
	snprintf(buf, len, "[%lld] PROCESS_SERVICE_CHECK_RESULT;%s;%s;%d;%s\n",
	    (long long)a->time.tv_sec, host, svc, code, out);
}

static int
ng_deliver(struct mon_alert_sink *s, const struct mon_alert *const *a,
    size_t n)
{
	struct conf	*c = s->conf;
	char		*buf, why[160];
	size_t		 len = 0, cap = n * 768;
	ssize_t		 w;
	int		 fd;

	if ((buf = malloc(cap)) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		line(buf + len, cap - len, s, a[i]);
		len += strlen(buf + len);
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
	(void)s;		/* a write ends at once */
}

static void
ng_close(struct mon_alert_sink *s)
{
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

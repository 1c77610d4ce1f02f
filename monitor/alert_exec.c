/*
 * monitor/alert_exec.c - the `exec` sink: alert scripts with mon's calling
 * convention, so mon's alert.d (mail.alert, file.alert, ...) works as it
 * is.
 *
 *   { type = "exec"; command = "/etc/lvsmon/alert.d/mail.alert";
 *     args = ["ops@example.org"]; alertafter = 3; alertevery = 600; }
 *
 * One run per alarm, through the project's runner (checkers/spawn.h):
 * posix_spawn, no shell for the arguments, own process group, output
 * captured up to a cap, killed at the sink's timeout.  The command line:
 *
 *   COMMAND -s CHECK -g SERVICE -h HOST -t TIME [-u] ARGS...
 *
 *   -g  the lvsmon service ("web"; "lvsmond" for the packet core): mon's
 *       watch group
 *   -s  what failed: the real's check type ("http"), "quorum", "backend",
 *       or "flapping": mon's service
 *   -h  the real server ("198.51.100.12:8080"), or the service's address
 *   -t  the alarm's time, seconds since the epoch
 *   -u  on up alarms (recovery, end of flapping)
 *
 * stdin: the summary line, then "key: value" detail lines.  Environment:
 * mon's MON_ALERTTYPE (failure or up), MON_GROUP, MON_SERVICE, MON_RETVAL,
 * MON_OPSTATUS, MON_LAST_SUMMARY, MON_LAST_OUTPUT, MON_FIRST_FAILURE,
 * MON_LAST_FAILURE, MON_DESCRIPTION, and LVSMON_KIND, LVSMON_ALERT,
 * LVSMON_SERVICE, LVSMON_SERVER, LVSMON_STATE, LVSMON_REASON,
 * LVSMON_MESSAGE, LVSMON_SEVERITY, LVSMON_FAILURES, LVSMON_COUNT,
 * LVSMON_SEQ, LVSMON_ID.
 *
 * Exit status 0 is a delivery; anything else (or a kill at the timeout) is
 * a failure, retried like any other.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "checkers/spawn.h"
#include "log.h"

#define MAX_ARGS	32
#define OUT_CAP		1024

struct conf {
	char	 *command;
	char	**args;		/* from configure(); NULL-ended */
	size_t	  nargs;
	int	  fail_on_exit;
};

static const struct mon_directive directives[] = {
	{ .key = "command", .type = MON_D_STRING,
	  .offset = offsetof(struct conf, command), .flags = MON_DF_REQUIRED },
	{ .key = "args", .type = MON_D_OTHER },
	{ .key = "fail_on_exit", .type = MON_D_BOOL,
	  .offset = offsetof(struct conf, fail_on_exit), .ndef = 1 },
	{ .key = NULL }
};

struct priv {
	struct chk_spawn	*run;
	char			*argv[MAX_ARGS + 16];
	char			*env[40];
	size_t			 nenv;
	char			 t[24];
};

static int
ex_configure(void *conf, const config_setting_t *cs, struct err *e)
{
	struct conf		*c = conf;
	const config_setting_t	*as;
	int			 n;

	if (c->command[0] != '/')
		return err_set(e, -EINVAL, "command: \"%s\" must be an "
		    "absolute path", c->command);
	if ((as = config_setting_get_member(cs, "args")) == NULL)
		return 0;
	if (!config_setting_is_array(as) && !config_setting_is_list(as))
		return err_set(e, -EINVAL, "args: expected a list of strings "
		    "[\"ops@example.org\"]");
	n = config_setting_length(as);
	if (n > MAX_ARGS)
		return err_set(e, -EINVAL, "args: at most %d", MAX_ARGS);
	if ((c->args = calloc((size_t)n + 1, sizeof(char *))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	for (int i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(as,
		    (unsigned)i);

		if (config_setting_type(el) != CONFIG_TYPE_STRING)
			return err_set(e, -EINVAL, "args: expected a list of "
			    "strings [\"ops@example.org\"]");
		if ((c->args[i] = strdup(config_setting_get_string(el))) ==
		    NULL)
			return err_set(e, -ENOMEM, "out of memory");
		c->nargs++;
	}
	return 0;
}

static void
ex_release(void *conf)
{
	struct conf	*c = conf;

	for (size_t i = 0; i < c->nargs; i++)
		free(c->args[i]);
	free(c->args);
	c->args = NULL;
	c->nargs = 0;
}

static int
ex_open(struct mon_alert_sink *s, struct err *e)
{
	struct conf	*c = s->conf;

	if (access(c->command, X_OK) < 0)
		mon_warn("alerts: %s: %s: %s (alarms will fail until it is "
		    "there)", s->name, c->command, strerror(errno));
	if ((s->priv = calloc(1, sizeof(struct priv))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	return 0;
}

static void
run_free(struct priv *p)
{
	for (size_t i = 0; i < p->nenv; i++)
		free(p->env[i]);
	p->nenv = 0;
	p->env[0] = NULL;
	p->run = NULL;
}

static void
env_add(struct priv *p, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
env_add(struct priv *p, const char *name, const char *fmt, ...)
{
	va_list	 ap;
	char	*v = NULL, *kv = NULL;

	if (p->nenv + 1 >= sizeof(p->env) / sizeof(p->env[0]))
		return;
	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) < 0)
		v = NULL;
	va_end(ap);
	if (v == NULL || asprintf(&kv, "%s=%s", name, v) < 0)
		kv = NULL;
	free(v);
	if (kv == NULL)
		return;
	p->env[p->nenv++] = kv;
	p->env[p->nenv] = NULL;
}

static void
on_exit_cb(const struct chk_spawn_result *r, void *arg)
{
	struct mon_alert_sink	*s = arg;
	struct priv		*p = s->priv;
	struct conf		*c = s->conf;
	char			 why[160], line[96] = "";
	const char		*o = r->err_len ? r->err : r->out;
	size_t			 olen = r->err_len ? r->err_len :
				    r->out_len;

	run_free(p);
	/* by length: the runner's buffers are counted, not trusted to end
	   in a NUL */
	if (o != NULL && olen > 0) {
		const char *nl = memchr(o, '\n', olen);
		size_t n = nl ? (size_t)(nl - o) : olen;

		snprintf(line, sizeof(line), ": %.*s", (int)(n < 80 ? n : 80),
		    o);
	}
	if (r->timed_out) {
		snprintf(why, sizeof(why), "%s: killed after %u ms%s",
		    c->command, r->duration_ms, line);
		mon_alert_done(s, 0, why);
	} else if (r->signo) {
		snprintf(why, sizeof(why), "%s: killed by signal %d%s",
		    c->command, r->signo, line);
		mon_alert_done(s, 0, why);
	} else if (r->exit_code != 0 && c->fail_on_exit) {
		snprintf(why, sizeof(why), "%s: exit %d%s", c->command,
		    r->exit_code, line);
		mon_alert_done(s, 0, why);
	} else
		mon_alert_done(s, 1, NULL);
}

static int
ex_deliver(struct mon_alert_sink *s, const struct mon_alert *const *aa,
    size_t n)
{
	const struct mon_alert	*a = aa[0];
	struct priv		*p = s->priv;
	struct conf		*c = s->conf;
	struct chk_spawn_opts	 o = { 0 };
	int			 up = a->kind == MON_ALERT_UP ||
				    a->kind == MON_ALERT_FLAP_END;
	int			 flap = a->kind == MON_ALERT_FLAP ||
				    a->kind == MON_ALERT_FLAP_END;
	const char		*group = a->service[0] ? a->service :
				    "lvsmond";
	const char		*svc = flap ? "flapping" : a->check;
	const char		*host = a->server[0] ? a->server : group;
	size_t			 k = 0;
	char			*input;
	int			 rc, ilen;

	(void)n;		/* batch_max 1 */
	snprintf(p->t, sizeof(p->t), "%lld", (long long)a->time.tv_sec);
	p->argv[k++] = c->command;
	p->argv[k++] = "-s";
	p->argv[k++] = (char *)svc;
	p->argv[k++] = "-g";
	p->argv[k++] = (char *)group;
	p->argv[k++] = "-h";
	p->argv[k++] = (char *)host;
	p->argv[k++] = "-t";
	p->argv[k++] = p->t;
	if (up)
		p->argv[k++] = "-u";
	for (size_t i = 0; i < c->nargs; i++)
		p->argv[k++] = c->args[i];
	p->argv[k] = NULL;

	/* a role notice is neither: no -u, but no failure either */
	env_add(p, "MON_ALERTTYPE", "%s", up ? "up" : a->kind ==
	    MON_ALERT_NOTICE ? "notice" : "failure");
	env_add(p, "MON_GROUP", "%s", group);
	env_add(p, "MON_SERVICE", "%s", svc);
	env_add(p, "MON_RETVAL", "%d", up || a->kind == MON_ALERT_NOTICE ?
	    0 : 1);
	env_add(p, "MON_OPSTATUS", "%d", up || a->kind == MON_ALERT_NOTICE ?
	    1 : 0);
	env_add(p, "MON_LAST_SUMMARY", "%s", a->summary);
	env_add(p, "MON_LAST_OUTPUT", "%s", a->msg);
	env_add(p, "MON_FIRST_FAILURE", "%lld", (long long)a->since.tv_sec);
	env_add(p, "MON_LAST_FAILURE", "%lld", up ||
	    a->kind == MON_ALERT_NOTICE ? 0LL :
	    (long long)a->time.tv_sec);
	env_add(p, "MON_DESCRIPTION", "%s", a->name);
	env_add(p, "LVSMON_KIND", "%s", mon_alert_kind_names[a->kind]);
	env_add(p, "LVSMON_ALERT", "%s", a->name);
	env_add(p, "LVSMON_SERVICE", "%s", a->service);
	env_add(p, "LVSMON_SERVER", "%s", a->server);
	env_add(p, "LVSMON_STATE", "%s", a->state);
	env_add(p, "LVSMON_REASON", "%s", a->reason);
	env_add(p, "LVSMON_MESSAGE", "%s", a->msg);
	env_add(p, "LVSMON_SEVERITY", "%s",
	    mon_alert_severity_names[a->severity]);
	env_add(p, "LVSMON_FAILURES", "%u", a->failures);
	env_add(p, "LVSMON_COUNT", "%u", a->count);
	env_add(p, "LVSMON_SEQ", "%llu", (unsigned long long)a->seq);
	env_add(p, "LVSMON_ID", "%llu", (unsigned long long)a->id);

	/* stdin: the summary line, then the details (mon's scripts read
	   the summary as the mail's first line) */
	if ((ilen = asprintf(&input, "%s\nalert: %s\nkind: %s\n"
	    "service: %s\nserver: %s\ncheck: %s\nstate: %s\nreason: %s\n"
	    "message: %s\nfailures: %u\ncount: %u\nseverity: %s\n",
	    a->summary, a->name, mon_alert_kind_names[a->kind], a->service,
	    a->server, a->check, a->state, a->reason, a->msg, a->failures,
	    a->count, mon_alert_severity_names[a->severity])) < 0) {
		run_free(p);
		return -ENOMEM;
	}
	o.path = c->command;
	o.argv = p->argv;
	o.in = input;
	o.in_len = (size_t)ilen;
	o.env = p->env;
	/* TERM at 3/4 of the deadline, KILL at 7/8: the runner ends it
	   before the core gives up on the delivery */
	o.timeout_ms = s->timeout_ms * 3 / 4;
	o.kill_grace_ms = s->timeout_ms / 8 ? s->timeout_ms / 8 : 1;
	o.out_cap = OUT_CAP;
	rc = chk_spawn_start(s->base, &o, on_exit_cb, s, &p->run);
	free(input);		/* the runner keeps its own copy */
	if (rc < 0) {
		run_free(p);
		return rc;
	}
	return 0;
}

static void
ex_cancel(struct mon_alert_sink *s)
{
	struct priv	*p = s->priv;

	if (p->run != NULL)
		chk_spawn_cancel(p->run);
	run_free(p);
}

static void
ex_close(struct mon_alert_sink *s)
{
	struct priv	*p = s->priv;

	if (p == NULL)
		return;
	/* the killed children of cancelled runs: reap them (bounded) */
	chk_spawn_drain(s->base, 2000);
	free(p);
	s->priv = NULL;
}

const struct mon_alert_sink_type mon_alert_exec = {
	.name		= "exec",
	.directives	= directives,
	.conf_size	= sizeof(struct conf),
	.batch_max	= 1,
	.batch_ms	= 0,
	.configure	= ex_configure,
	.open		= ex_open,
	.deliver	= ex_deliver,
	.cancel		= ex_cancel,
	.close		= ex_close,
	.release	= ex_release,
};

/*
 * checkers/exec.c - the "exec" check: run an external program (a Nagios
 * plugin, an ldirectord or HAProxy external check) per run and judge its
 * exit code.  The program runs through checkers/spawn.c: no shell, its own
 * process group, output capped, never blocking the loop.
 *
 * Keys:
 *   command         (required)  program; absolute path, or looked up in PATH
 *   args            []          list of strings, placeholders expanded
 *   argv_style      "nagios"    "nagios": argv = command, args...
 *                               "ldirectord", "haproxy": argv = command,
 *                               args..., VIP, VPORT, RIP, RPORT
 *                               "keepalived", "keepalived_dynamic": argv =
 *                               command, args... (a MISC_CHECK's misc_path)
 *   warning_factor  0.5         nagios exit 1: weight x factor (0..1)
 *   max_output      4096        bytes of stdout kept (1..1 MiB)
 *
 * Placeholders in args: %a real address, %p check port, %v virtual
 * address, %P virtual port, %n service name, %w configured weight, %t
 * timeout in seconds (a whole number, at least 1: for a plugin's own -t),
 * %% a '%'.  Environment: LVSMON_REAL_ADDR, LVSMON_REAL_PORT,
 * LVSMON_VIRTUAL_ADDR, LVSMON_VIRTUAL_PORT, LVSMON_SERVICE, LVSMON_WEIGHT,
 * LVSMON_TIMEOUT_MS; with argv_style "haproxy" also HAPROXY_PROXY_ADDR,
 * HAPROXY_PROXY_PORT, HAPROXY_PROXY_NAME, HAPROXY_SERVER_ADDR,
 * HAPROXY_SERVER_PORT, HAPROXY_SERVER_NAME.
 *
 * Verdicts, nagios style (the Nagios plugin API's exit codes):
 *   0 OK        ok, reason OK, weight as configured
 *   1 WARNING   ok, reason WARNING, weight_hint = weight x warning_factor
 *               (at least 1 while the factor is above 0: a warning keeps
 *               the server in service)
 *   2 CRITICAL  fail, reason CRITICAL
 *   3 UNKNOWN, any other code, killed by a signal, killed at the timeout:
 *               fail, reason UNKNOWN.  The issue wants "no state change"
 *               here; the probe API has only ok/fail today, so UNKNOWN is
 *               a fail with its own reason until the monitor grows a third
 *               verdict (see README.md).
 * ldirectord, haproxy and keepalived styles: 0 ok, anything else fail
 * (CRITICAL), as those tools do; a signal or the timeout is still UNKNOWN.
 * keepalived_dynamic (MISC_CHECK's misc_dynamic): 0 ok, 1 fail, 2..255 ok
 * with weight_hint = code - 2.
 *
 * The detail is the plugin's first line of stdout (of stderr when stdout is
 * empty), perfdata after '|' included: "TCP OK - 0.001 second response time
 * on 127.0.0.1 port 22|time=0.000962s;;;0.000000;10.000000".  Without
 * output: "exec: exit 2".
 *
 * Timeout: the program gets SIGTERM at 3/4 of the check's timeout and its
 * process group SIGKILL at 7/8, so that the run ends with this check's own
 * UNKNOWN "killed at timeout" before the scheduler's deadline; should the
 * scheduler cancel first, cancel() kills the group at once.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkers/chk_conf.h"
#include "checkers/chk_exec.h"
#include "checkers/spawn.h"
#include "monitor/model.h"
#include "monitor/probe.h"

#define EXEC_MAX_ARGS		64
#define EXEC_ARG_MAX		4096
#define EXEC_DEFAULT_FACTOR	0.5
#define EXEC_DEFAULT_OUTPUT	4096
#define EXEC_NENV		16

enum { EXEC_NAGIOS = 0, EXEC_LDIRECTORD, EXEC_HAPROXY, EXEC_KEEPALIVED,
	EXEC_KEEPALIVED_DYN };
static const char *const exec_styles[] = {
	"nagios", "ldirectord", "haproxy", "keepalived", "keepalived_dynamic",
	NULL
};

/* Directive fields (owner: the monitor). */
struct exec_conf {
	char	*command;
	int	 style;
	int	 max_output;
};

/* From configure(), owned by the probe, freed by exec_release(). */
struct exec_priv {
	char	**args;			/* templates, NULL-ended */
	size_t	  nargs;
	double	  factor;
};

/* One run (p->run): the argv and environment it was started with. */
struct exec_run {
	struct probe		*p;
	struct chk_spawn	*sp;
	char			*argv[EXEC_MAX_ARGS + 6];
	char			*env[EXEC_NENV + 1];
};

static void
exec_release(struct probe *p)
{
	struct exec_priv	*pv = p->priv;

	if (pv == NULL)
		return;
	for (size_t i = 0; i < pv->nargs; i++)
		free(pv->args[i]);
	free(pv->args);
	free(pv);
	p->priv = NULL;
}

/* A placeholder letter is known?  Checked at load so typos are errors. */
static int
exec_template_ok(const char *t, struct err *e, size_t i)
{
	for (const char *s = t; *s != '\0'; s++) {
		if (*s != '%')
			continue;
		s++;
		if (*s == '\0' || strchr("apvPnwt%", *s) == NULL)
			return err_set(e, -EINVAL, "args[%zu]: \"%s\": unknown "
			    "placeholder %%%s (one of %%a %%p %%v %%P %%n "
			    "%%w %%t %%%%)", i, t, *s ? (char[]){ *s, 0 } :
			    "");
	}
	return 0;
}

static int
exec_configure(const config_setting_t *cs, struct probe *p, struct err *e)
{
	struct exec_conf	*cf = p->conf;
	struct exec_priv	*pv;
	const config_setting_t	*s, *el;
	int			 rc, n;

	exec_release(p);
	if ((pv = calloc(1, sizeof(*pv))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	p->priv = pv;
	pv->factor = EXEC_DEFAULT_FACTOR;
	if (cf->command == NULL || cf->command[0] == '\0') {
		rc = err_set(e, -EINVAL, "command: is required (the program "
		    "to run, e.g. /usr/lib/nagios/plugins/check_tcp)");
		goto fail;
	}

	if ((s = chk_conf_key(cs, "args")) != NULL) {
		if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
			rc = err_set(e, -EINVAL, "args: expected a list of "
			    "strings, e.g. [\"-H\", \"%%a\"]");
			goto fail;
		}
		n = config_setting_length(s);
		if (n > EXEC_MAX_ARGS) {
			rc = err_set(e, -EINVAL, "args: %d arguments, at most "
			    "%d", n, EXEC_MAX_ARGS);
			goto fail;
		}
		if ((pv->args = calloc((size_t)n + 1, sizeof(char *))) ==
		    NULL) {
			rc = err_set(e, -ENOMEM, "out of memory");
			goto fail;
		}
		for (int i = 0; i < n; i++) {
			el = config_setting_get_elem(s, (unsigned)i);
			if (config_setting_type(el) != CONFIG_TYPE_STRING) {
				rc = err_set(e, -EINVAL, "args[%d]: expected "
				    "a string", i);
				goto fail;
			}
			if ((rc = exec_template_ok(
			    config_setting_get_string(el), e, (size_t)i)) < 0)
				goto fail;
			if ((pv->args[i] = strdup(
			    config_setting_get_string(el))) == NULL) {
				rc = err_set(e, -ENOMEM, "out of memory");
				goto fail;
			}
			pv->nargs++;
		}
	}

	if ((s = chk_conf_key(cs, "warning_factor")) != NULL) {
		if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
			pv->factor = config_setting_get_float(s);
		else if (config_setting_type(s) == CONFIG_TYPE_INT ||
		    config_setting_type(s) == CONFIG_TYPE_INT64)
			pv->factor = (double)config_setting_get_int64(s);
		else
			pv->factor = -1;
		if (!(pv->factor >= 0 && pv->factor <= 1)) {
			rc = err_set(e, -EINVAL, "warning_factor: expected a "
			    "number from 0 to 1 (0.5: half the weight)");
			goto fail;
		}
	}
	return 0;
fail:
	exec_release(p);
	return rc;
}

/* Facts about the real and its service; the model may be absent (tests). */
struct exec_facts {
	char		vip[INET6_ADDRSTRLEN];
	char		vport[8];
	char		rport[8];
	char		weight[12];
	char		timeout_s[12];
	const char	*service;
	unsigned	weight_n;
};

static void
exec_facts(const struct probe *p, struct exec_facts *f)
{
	const struct mon_real	*rs = p->rs;
	const struct mon_service *svc = rs != NULL ? rs->svc : NULL;
	int			 port;

	memset(f, 0, sizeof(*f));
	f->service = "";
	if (p->addr.ss_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)&p->addr)
		    ->sin6_port);
	else
		port = ntohs(((const struct sockaddr_in *)&p->addr)->sin_port);
	snprintf(f->rport, sizeof(f->rport), "%d", port);
	if (svc != NULL) {
		inet_ntop(svc->family, &svc->addr, f->vip, sizeof(f->vip));
		snprintf(f->vport, sizeof(f->vport), "%u", svc->port);
		if (svc->name != NULL)
			f->service = svc->name;
	}
	f->weight_n = rs != NULL ? rs->weight : 1;
	snprintf(f->weight, sizeof(f->weight), "%u", f->weight_n);
	snprintf(f->timeout_s, sizeof(f->timeout_s), "%u",
	    p->timeout_ms < 1000 ? 1 : p->timeout_ms / 1000);
}

/* Expand one template; NULL when out of memory or too long. */
static char *
exec_expand(const char *t, const struct probe *p, const struct exec_facts *f)
{
	char		 buf[EXEC_ARG_MAX];
	size_t		 len = 0, n;
	const char	*add;
	char		 one[2] = { 0, 0 };

	for (const char *s = t; *s != '\0'; s++) {
		if (*s != '%') {
			one[0] = *s;
			add = one;
		} else {
			switch (*++s) {
			case 'a': add = p->host; break;
			case 'p': add = f->rport; break;
			case 'v': add = f->vip; break;
			case 'P': add = f->vport; break;
			case 'n': add = f->service; break;
			case 'w': add = f->weight; break;
			case 't': add = f->timeout_s; break;
			case '%': add = "%"; break;
			default:  return NULL;	/* configure() refused it */
			}
		}
		n = strlen(add);
		if (len + n >= sizeof(buf))
			return NULL;
		memcpy(buf + len, add, n);
		len += n;
	}
	buf[len] = '\0';
	return strdup(buf);
}

static void
exec_run_free(struct exec_run *run)
{
	for (size_t i = 0; run->argv[i] != NULL; i++)
		free(run->argv[i]);
	for (size_t i = 0; run->env[i] != NULL; i++)
		free(run->env[i]);
	free(run);
}

void
chk_exec_first_line(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	n = 0;

	while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\r' ||
	    *s == '\n')) {
		s++;
		len--;
	}
	while (n < len && s[n] != '\n' && s[n] != '\r' && s[n] != '\0')
		n++;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= outlen)
		n = outlen - 1;
	for (size_t i = 0; i < n; i++)	/* keep the log one line, printable */
		out[i] = (unsigned char)s[i] < ' ' ? ' ' : s[i];
	out[n] = '\0';
}

static void
exec_done(const struct chk_spawn_result *r, void *arg)
{
	struct exec_run		*run = arg;
	struct probe		*p = run->p;
	struct exec_priv	*pv = p->priv;
	struct exec_conf	*cf = p->conf;
	char			 line[sizeof(((struct probe_result *)0)->msg)];
	const char		*sig;
	unsigned		 w;
	int			 hint;

	chk_exec_first_line(r->out, r->out_len, line, sizeof(line));
	if (line[0] == '\0')
		chk_exec_first_line(r->err, r->err_len, line, sizeof(line));
	exec_run_free(run);
	p->run = NULL;

	/* Whatever a program says after we sent it TERM is no verdict. */
	if (r->timed_out) {
		probe_done(p, CHK_V_UNKNOWN, -1, CHK_R_UNKNOWN,
		    "exec: killed at timeout after %u ms%s%s",
		    r->duration_ms, line[0] != '\0' ? ": " : "", line);
		return;
	}
	if (!r->exited) {
		sig = r->signo > 0 ? sigabbrev_np(r->signo) : NULL;
		probe_done(p, CHK_V_UNKNOWN, -1, CHK_R_UNKNOWN,
		    "exec: killed by SIG%s%s%s", sig != NULL ? sig : "?",
		    line[0] != '\0' ? ": " : "", line);
		return;
	}
	if (line[0] == '\0')
		snprintf(line, sizeof(line), "exec: exit %d", r->exit_code);
	if (cf->style == EXEC_KEEPALIVED_DYN && r->exit_code >= 2) {
		probe_done(p, CHK_V_OK, r->exit_code - 2, CHK_R_OK, "%s",
		    line);
		return;
	}
	if (cf->style != EXEC_NAGIOS) {
		if (r->exit_code == 0)
			probe_done(p, CHK_V_OK, -1, CHK_R_OK, "%s", line);
		else
			probe_done(p, CHK_V_FAIL, -1, CHK_R_CRITICAL, "%s",
			    line);
		return;
	}
	switch (r->exit_code) {
	case 0:
		probe_done(p, CHK_V_OK, -1, CHK_R_OK, "%s", line);
		break;
	case 1:
		w = p->rs != NULL ? p->rs->weight : 1;
		hint = (int)lround(w * pv->factor);
		if (hint == 0 && pv->factor > 0 && w > 0)
			hint = 1;
		probe_done(p, CHK_V_OK, hint, CHK_R_WARNING, "%s", line);
		break;
	case 2:
		probe_done(p, CHK_V_FAIL, -1, CHK_R_CRITICAL, "%s", line);
		break;
	default:
		probe_done(p, CHK_V_UNKNOWN, -1, CHK_R_UNKNOWN, "%s", line);
		break;
	}
}

static int
exec_env_add(struct exec_run *run, size_t *k, const char *name,
    const char *val)
{
	if (*k >= EXEC_NENV)
		return -E2BIG;
	if (asprintf(&run->env[*k], "%s=%s", name, val) < 0) {
		run->env[*k] = NULL;
		return -ENOMEM;
	}
	(*k)++;
	return 0;
}

static int
exec_build(struct exec_run *run)
{
	struct probe		*p = run->p;
	struct exec_conf	*cf = p->conf;
	struct exec_priv	*pv = p->priv;
	struct exec_facts	 f;
	char			 ms[12];
	size_t			 a = 0, k = 0;
	int			 rc = 0;

	exec_facts(p, &f);
	if ((run->argv[a++] = strdup(cf->command)) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < pv->nargs; i++)
		if ((run->argv[a++] = exec_expand(pv->args[i], p, &f)) ==
		    NULL)
			return -ENOMEM;
	if (cf->style == EXEC_LDIRECTORD || cf->style == EXEC_HAPROXY) {
		/* ldirectord's checkcommand and HAProxy's external-check
		   both end with: VIP VPORT RIP RPORT (ldirectord appends
		   them to the command line, options and all) */
		const char	*fixed[] = { f.vip, f.vport, p->host, f.rport };

		for (size_t i = 0; i < 4; i++)
			if ((run->argv[a++] = strdup(fixed[i])) == NULL)
				return -ENOMEM;
	}
	snprintf(ms, sizeof(ms), "%u", p->timeout_ms);
	if ((rc = exec_env_add(run, &k, "LVSMON_REAL_ADDR", p->host)) < 0 ||
	    (rc = exec_env_add(run, &k, "LVSMON_REAL_PORT", f.rport)) < 0 ||
	    (rc = exec_env_add(run, &k, "LVSMON_VIRTUAL_ADDR", f.vip)) < 0 ||
	    (rc = exec_env_add(run, &k, "LVSMON_VIRTUAL_PORT", f.vport)) < 0 ||
	    (rc = exec_env_add(run, &k, "LVSMON_SERVICE", f.service)) < 0 ||
	    (rc = exec_env_add(run, &k, "LVSMON_WEIGHT", f.weight)) < 0 ||
	    (rc = exec_env_add(run, &k, "LVSMON_TIMEOUT_MS", ms)) < 0)
		return rc;
	if (cf->style == EXEC_HAPROXY &&
	    ((rc = exec_env_add(run, &k, "HAPROXY_PROXY_ADDR", f.vip)) < 0 ||
	    (rc = exec_env_add(run, &k, "HAPROXY_PROXY_PORT", f.vport)) < 0 ||
	    (rc = exec_env_add(run, &k, "HAPROXY_PROXY_NAME",
	    f.service)) < 0 ||
	    (rc = exec_env_add(run, &k, "HAPROXY_SERVER_ADDR", p->host)) < 0 ||
	    (rc = exec_env_add(run, &k, "HAPROXY_SERVER_PORT", f.rport)) < 0 ||
	    (rc = exec_env_add(run, &k, "HAPROXY_SERVER_NAME", p->name)) < 0))
		return rc;
	return 0;
}

static int
exec_start(struct probe *p)
{
	struct exec_conf	*cf = p->conf;
	struct exec_run		*run;
	struct chk_spawn_opts	 o = { 0 };
	int			 rc;

	if (p->priv == NULL)
		return -EINVAL;
	if ((run = calloc(1, sizeof(*run))) == NULL)
		return -ENOMEM;
	run->p = p;
	if ((rc = exec_build(run)) < 0) {
		exec_run_free(run);
		return rc;
	}
	o.path = cf->command;
	o.argv = run->argv;
	o.env = run->env;
	o.out_cap = cf->max_output > 0 ? (size_t)cf->max_output :
	    EXEC_DEFAULT_OUTPUT;
	/* TERM at 3/4, KILL at 7/8: our own verdict before the deadline */
	o.timeout_ms = p->timeout_ms > 0 ? p->timeout_ms * 3 / 4 : 0;
	if (o.timeout_ms == 0 && p->timeout_ms > 0)
		o.timeout_ms = 1;
	o.kill_grace_ms = p->timeout_ms / 8 > 0 ? p->timeout_ms / 8 : 1;
	p->phase = "exec";
	p->run = run;
	if ((rc = chk_spawn_start(p->base, &o, exec_done, run,
	    &run->sp)) < 0) {
		p->run = NULL;
		exec_run_free(run);
		/* A missing or non-executable program is the check's
		   answer, not an internal failure: report it as UNKNOWN. */
		if (rc == -ENOENT || rc == -EACCES || rc == -ENOEXEC) {
			probe_done(p, CHK_V_UNKNOWN, -1, CHK_R_UNKNOWN,
			    "exec: %s: %s", cf->command,
			    strerrorname_np(-rc));
			return 0;
		}
		return rc;
	}
	return 0;
}

static void
exec_cancel(struct probe *p)
{
	struct exec_run	*run = p->run;

	if (run == NULL)
		return;
	chk_spawn_cancel(run->sp);
	exec_run_free(run);
	p->run = NULL;
}

static const struct mon_directive exec_directives[] = {
	{ .key = "command", .type = MON_D_STRING,
	  .offset = offsetof(struct exec_conf, command),
	  .flags = MON_DF_REQUIRED },
	{ .key = "args", .type = MON_D_OTHER },
	{ .key = "argv_style", .type = MON_D_ENUM,
	  .offset = offsetof(struct exec_conf, style),
	  .ndef = EXEC_NAGIOS, .enums = exec_styles },
	{ .key = "warning_factor", .type = MON_D_OTHER },
	{ .key = "max_output", .type = MON_D_INT,
	  .offset = offsetof(struct exec_conf, max_output),
	  .min = 1, .max = 1 << 20, .ndef = EXEC_DEFAULT_OUTPUT },
	{ .key = NULL }
};

const struct probe_type chk_exec = {
	.name = "exec",
	.directives = exec_directives,
	.conf_size = sizeof(struct exec_conf),
	.configure = exec_configure,
	.start = exec_start,
	.cancel = exec_cancel,
	.release = exec_release,
};

/*
 * checkers/agent.c - the agent probe (HAProxy's agent-check protocol): a
 * TCP connection to the real's agent port, an optional `send` string, and
 * one line read back.  It is not a health check: it is not in the probe
 * table, conf.c builds it from a real's `agent` block (weightsrc.c), the
 * scheduler runs it beside the health check, and its result goes to
 * mon_ws_agent_done(), never to rise/fall.
 *
 * Verdicts: an answer is CHK_V_OK with the line as the message (the
 * monitor parses it: monitor/weightsrc.h has the grammar); a connection
 * that fails or times out is CHK_V_FAIL (the agent's last word stands);
 * a peer that closes without a byte is CHK_V_UNKNOWN ("agent: closed
 * without a reply").
 *
 * The line ends at the first CR or LF, or where the agent closes, or at
 * AGENT_LINE_MAX bytes.  The connection is then closed with a reset, like
 * the tcp check's, so that neither side keeps TIME_WAIT state.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "checkers/chk_conn.h"
#include "monitor/probe.h"

#define AGENT_LINE_MAX	159	/* what fits a probe_result message */

struct agent_conf {
	char	*send;		/* NULL: send nothing (HAProxy's default) */
};

struct agent_run {
	struct chk_conn	 conn;
	struct probe	*p;
	size_t		 sent;
	size_t		 got;
	char		 buf[AGENT_LINE_MAX + 1];
};

static void	agent_read(struct chk_conn *, int, void *);

static void
agent_end(struct agent_run *run, enum chk_verdict v, enum chk_reason r,
    const char *what, int err)
{
	struct probe	*p = run->p;
	char		 line[AGENT_LINE_MAX + 1];

	memcpy(line, run->buf, sizeof(line));
	chk_conn_close(&run->conn, 1);
	free(run);
	p->run = NULL;
	if (v == CHK_V_OK)
		probe_done(p, v, -1, r, "%s", line);
	else if (err != 0)
		probe_done(p, v, -1, r, "%s: %s", what, chk_errname(err));
	else
		probe_done(p, v, -1, r, "%s", what);
}

/* A line is complete: up to CR/LF, or everything at EOF or at the cap. */
static int
agent_line(struct agent_run *run, int eof)
{
	size_t	n = strcspn(run->buf, "\r\n");

	if (n < run->got || eof || run->got == AGENT_LINE_MAX) {
		run->buf[n] = '\0';
		return 1;
	}
	return 0;
}

static void
agent_read(struct chk_conn *c, int err, void *arg)
{
	struct agent_run	*run = arg;
	ssize_t			 n;

	if (err != 0) {
		agent_end(run, CHK_V_FAIL, CHK_R_IO, "read", err);
		return;
	}
	run->p->phase = "read";
	n = recv(c->fd, run->buf + run->got, AGENT_LINE_MAX - run->got, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		if (chk_conn_wait(c, EV_READ, agent_read, run) < 0)
			agent_end(run, CHK_V_FAIL, CHK_R_INTERNAL, "read",
			    ENOMEM);
		return;
	}
	if (n < 0) {
		agent_end(run, CHK_V_FAIL, CHK_R_IO, "read", errno);
		return;
	}
	run->got += (size_t)n;
	run->buf[run->got] = '\0';
	if (n == 0 && run->got == 0) {
		agent_end(run, CHK_V_UNKNOWN, CHK_R_PROTOCOL,
		    "agent: closed without a reply", 0);
		return;
	}
	if (agent_line(run, n == 0)) {
		agent_end(run, CHK_V_OK, CHK_R_OK, NULL, 0);
		return;
	}
	if (chk_conn_wait(c, EV_READ, agent_read, run) < 0)
		agent_end(run, CHK_V_FAIL, CHK_R_INTERNAL, "read", ENOMEM);
}

static void
agent_send(struct chk_conn *c, int err, void *arg)
{
	struct agent_run	*run = arg;
	const char		*s = ((struct agent_conf *)run->p->conf)->send;
	size_t			 len = strlen(s);
	ssize_t			 n;

	if (err != 0) {
		agent_end(run, CHK_V_FAIL, CHK_R_IO, "send", err);
		return;
	}
	run->p->phase = "send";
	n = send(c->fd, s + run->sent, len - run->sent, MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		agent_end(run, CHK_V_FAIL, CHK_R_IO, "send", errno);
		return;
	}
	if (n > 0)
		run->sent += (size_t)n;
	if (chk_conn_wait(c, run->sent < len ? EV_WRITE : EV_READ,
	    run->sent < len ? agent_send : agent_read, run) < 0)
		agent_end(run, CHK_V_FAIL, CHK_R_INTERNAL, "send", ENOMEM);
}

static void
agent_connected(struct chk_conn *c, int err, void *arg)
{
	struct agent_run	*run = arg;
	const char		*s = ((struct agent_conf *)run->p->conf)->send;

	if (err != 0) {
		agent_end(run, CHK_V_FAIL, chk_conn_reason(err), "connect",
		    err);
		return;
	}
	if (s != NULL && s[0] != '\0')
		agent_send(c, 0, run);
	else if (chk_conn_wait(c, EV_READ, agent_read, run) < 0)
		agent_end(run, CHK_V_FAIL, CHK_R_INTERNAL, "read", ENOMEM);
	else
		run->p->phase = "read";
}

static int
agent_start(struct probe *p)
{
	struct agent_run	*run;
	int			 rc;

	if ((run = calloc(1, sizeof(*run))) == NULL)
		return -ENOMEM;
	run->p = p;
	if ((rc = chk_conn_open(&run->conn, p, agent_connected, run)) < 0) {
		free(run);
		return rc;
	}
	p->run = run;
	return 0;
}

static void
agent_cancel(struct probe *p)
{
	struct agent_run	*run = p->run;

	if (run == NULL)
		return;
	chk_conn_close(&run->conn, 1);
	free(run);
	p->run = NULL;
}

static const struct mon_directive agent_directives[] = {
	{ .key = "send", .type = MON_D_STRING,
	  .offset = offsetof(struct agent_conf, send) },
	{ .key = NULL }
};

const struct probe_type chk_agent = {
	.name = "agent",
	.directives = agent_directives,
	.conf_size = sizeof(struct agent_conf),
	.configure = NULL,
	.start = agent_start,
	.cancel = agent_cancel,
	.release = NULL,
};

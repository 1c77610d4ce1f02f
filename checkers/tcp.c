/*
 * checkers/tcp.c - the "tcp" check: the real server passes when a TCP
 * connection to the check port completes its handshake.
 *
 * One key: mode = "connect" (default), "syn" (half-open: one SYN from a
 * raw socket, SYN-ACK passes, RST fails; the server never sees an
 * established connection; needs CAP_NET_RAW; checkers/syn.c) or "raw" (the
 * same half-open check through the daemon's one batched prober: no socket
 * per check, SYNs sent with sendmmsg, answers read through a BPF filter;
 * for very large pools; checkers/rawsyn.c).
 *
 * Details: "connected in 3 ms" on success,
 * "connect: ECONNREFUSED" (CHK_R_CONNREFUSED) or "connect: EHOSTUNREACH",
 * "connect: ENETUNREACH"... (CHK_R_CONNECT) on failure.
 *
 * How the connection ends: with an RST (SO_LINGER 0), not a FIN.  The
 * handshake has completed by then, so the server's accept() still returns
 * the connection (what a server-side log or the bench counts); but the side
 * that closes first with a FIN keeps the 4-tuple in TIME_WAIT for 60 s, and
 * at a few hundred checks per second against one server port that would use
 * up the local port range (28k ports / 60 s = ~470 connections/s).  HAProxy
 * closes its plain connect checks the same way for the same reason.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "checkers/chk_conn.h"
#include "checkers/rawsyn.h"
#include "checkers/syn.h"
#include "monitor/probe.h"

enum { TCP_CONNECT = 0, TCP_SYN, TCP_RAW };
static const char *const tcp_modes[] = { "connect", "syn", "raw", NULL };

/* Directive fields (owner: the monitor).  A probe built by hand may have
   no conf at all: then the mode is connect. */
struct tcp_conf {
	int	mode;
};

static int
tcp_mode(const struct probe *p)
{
	return p->conf != NULL ? ((const struct tcp_conf *)p->conf)->mode :
	    TCP_CONNECT;
}

struct tcp_run {
	struct chk_conn	conn;
	struct probe	*p;
};

static void
tcp_connected(struct chk_conn *c, int err, void *arg)
{
	struct tcp_run	*run = arg;
	struct probe	*p = run->p;
	unsigned	 ms = chk_conn_elapsed_ms(c);

	chk_conn_close(c, 1);
	free(run);
	p->run = NULL;
	if (err != 0)
		probe_done(p, CHK_V_FAIL, -1, chk_conn_reason(err),
		    "connect: %s", chk_errname(err));
	else
		probe_done(p, CHK_V_OK, -1, CHK_R_OK, "connected in %u ms", ms);
}

static int
tcp_start(struct probe *p)
{
	struct tcp_run	*run;
	int		 rc;

	if (tcp_mode(p) == TCP_SYN)
		return chk_syn_start(p);
	if (tcp_mode(p) == TCP_RAW)
		return chk_rawsyn_start(p);
	if ((run = calloc(1, sizeof(*run))) == NULL)
		return -ENOMEM;
	run->p = p;
	if ((rc = chk_conn_open(&run->conn, p, tcp_connected, run)) < 0) {
		free(run);
		return rc;
	}
	p->run = run;
	return 0;
}

static void
tcp_cancel(struct probe *p)
{
	struct tcp_run	*run = p->run;

	if (tcp_mode(p) == TCP_SYN) {
		chk_syn_cancel(p);
		return;
	}
	if (tcp_mode(p) == TCP_RAW) {
		chk_rawsyn_cancel(p);
		return;
	}
	if (run == NULL)
		return;
	chk_conn_close(&run->conn, 1);
	free(run);
	p->run = NULL;
}

/* Nothing to check or precompute; present so callers need no NULL test. */
static int
tcp_configure(const config_setting_t *cs, struct probe *p, struct err *e)
{
	return 0;
}

/* The raw prober's engine is opened when the scheduler takes the probe
   (before any privilege drop) and let go with it. */
static int
tcp_open(struct probe *p)
{
	return tcp_mode(p) == TCP_RAW ? chk_rawsyn_open(p) : 0;
}

static void
tcp_close(struct probe *p)
{
	if (tcp_mode(p) == TCP_RAW)
		chk_rawsyn_close(p);
}

static const struct mon_directive tcp_directives[] = {
	{ .key = "mode", .type = MON_D_ENUM,
	  .offset = offsetof(struct tcp_conf, mode), .ndef = TCP_CONNECT,
	  .enums = tcp_modes },
	{ .key = NULL }
};

const struct probe_type chk_tcp = {
	.name = "tcp",
	.directives = tcp_directives,
	.conf_size = sizeof(struct tcp_conf),
	.configure = tcp_configure,
	.start = tcp_start,
	.cancel = tcp_cancel,
	.release = tcp_close,	/* a probe started without open() */
	.open = tcp_open,
	.close = tcp_close,
	.share = 1,
};

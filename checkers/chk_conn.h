/*
 * checkers/chk_conn.h - one non-blocking TCP connection of one check run,
 * shared by the TCP-based checkers (tcp, http) so that none of them repeats
 * the connect dance (socket, connect, EINPROGRESS, SO_ERROR) or the errno
 * naming that operators grep for.
 *
 * Life of a struct chk_conn (it lives inside the checker's p->run):
 *
 *     chk_conn_open() --> connecting --cb(c, err)--> connected / failed
 *     connected --chk_conn_wait(EV_READ or EV_WRITE)--> cb(c, 0) when ready
 *     any state --chk_conn_close()--> closed (fd and event gone)
 *
 * The callback is always called from the event loop, never from inside
 * chk_conn_open() or chk_conn_wait(): even a connect that fails or succeeds
 * at once (ENETUNREACH without a route) is reported on the next loop turn.  So a
 * checker's start() never re-enters itself and never sees its run state
 * freed under its feet; cancel() before that turn simply drops it.
 *
 * Ownership: the checker owns the struct (usually embedded in its run
 * state) and must call chk_conn_close() before freeing it.
 */
#ifndef CHK_CONN_H
#define CHK_CONN_H

#include <time.h>

#include <event2/event.h>

#include "monitor/probe.h"

struct chk_conn;

/*
 * err: 0 when the connection is established (after open) or the socket is
 * ready for what chk_conn_wait() asked; else a positive errno from connect
 * (ECONNREFUSED, EHOSTUNREACH, ...).
 */
typedef void chk_conn_cb(struct chk_conn *c, int err, void *arg);

struct chk_conn {
	int		 fd;		/* -1 when closed */
	struct event	*ev;		/* one event on fd, re-armed per wait */
	int		 connecting;	/* 1 until the connect outcome */
	int		 early_err;	/* connect()'s own verdict, reported
					   from the loop (-1: none yet) */
	chk_conn_cb	*cb;
	void		*arg;
	struct timespec	 t0;		/* when connect() was called */
};

/*
 * Start connecting to p->addr on p->base; sets p->phase to "connect".
 * Returns 0 when the outcome will come through cb, or a negative errno when
 * nothing could be started (socket(), event_new(): the check could not run;
 * c is then closed already).
 */
int		chk_conn_open(struct chk_conn *c, struct probe *p,
		    chk_conn_cb *cb, void *arg);

/*
 * The same for a connected UDP socket (SOCK_DGRAM) to addr, or p->addr when
 * addr is NULL: connect() on a datagram socket only sets the peer, so the
 * outcome is known at once; cb(c, 0 or errno, arg) still comes from the
 * loop.  Once connected, an ICMP port unreachable from the peer makes a
 * later send() or recv() fail with ECONNREFUSED.
 */
int		chk_conn_open_dgram(struct chk_conn *c, struct probe *p,
		    const struct sockaddr *addr, socklen_t addrlen,
		    chk_conn_cb *cb, void *arg);

/* chk_conn_open() to addr instead of p->addr (another port). */
int		chk_conn_open_to(struct chk_conn *c, struct probe *p,
		    const struct sockaddr *addr, socklen_t addrlen,
		    chk_conn_cb *cb, void *arg);

/* After a successful connect: call cb(c, 0, arg) once the socket is ready
 * for what (EV_READ or EV_WRITE).  Returns 0 or -errno (event_add). */
int		chk_conn_wait(struct chk_conn *c, short what, chk_conn_cb *cb,
		    void *arg);

/*
 * Close the socket and free the event; c may be closed already or never
 * opened (fd -1).  abort: send RST (SO_LINGER 0) instead of FIN, so that
 * neither end keeps TIME_WAIT or FIN_WAIT2 state for this connection.
 */
void		chk_conn_close(struct chk_conn *c, int abort);

/*
 * One datagram waiting on the connected UDP socket of c into buf: its
 * length, -EAGAIN when none waits, or -errno (-ECONNREFUSED: an ICMP port
 * unreachable came back).  The datagram checks (dns, ntp, radius) read
 * their replies, and the strays before them, through it.
 */
ssize_t		chk_dgram_recv(struct chk_conn *c, void *buf, size_t len);

/* Milliseconds since chk_conn_open(). */
unsigned	chk_conn_elapsed_ms(const struct chk_conn *c);

/* The reason for a failed connect: CHK_R_CONNREFUSED or CHK_R_CONNECT. */
enum chk_reason	chk_conn_reason(int err);

/*
 * "ECONNREFUSED" for ECONNREFUSED: the errno's name, not strerror's
 * sentence, because operators grep logs for it.  An errno glibc does not
 * name gives "errno 123" in a static buffer (valid until the next call).
 */
const char	*chk_errname(int err);

#endif

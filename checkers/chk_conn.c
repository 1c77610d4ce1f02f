/*
 * checkers/chk_conn.c - the shared non-blocking connect of the TCP-based
 * checkers (see chk_conn.h for the life of a connection).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "checkers/chk_conn.h"

static void
conn_event(evutil_socket_t fd, short what, void *arg)
{
	struct chk_conn	*c = arg;
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	if (c->connecting) {
		c->connecting = 0;
		if (c->early_err >= 0)
			err = c->early_err;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		c->early_err = -1;
	}
	c->cb(c, err, c->arg);
}

int
chk_conn_open(struct chk_conn *c, struct probe *p, chk_conn_cb *cb,
    void *arg)
{
	return chk_conn_open_to(c, p, (struct sockaddr *)&p->addr, p->addrlen,
	    cb, arg);
}

int
chk_conn_open_dgram(struct chk_conn *c, struct probe *p,
    const struct sockaddr *addr, socklen_t addrlen, chk_conn_cb *cb,
    void *arg)
{
	if (addr == NULL) {
		addr = (struct sockaddr *)&p->addr;
		addrlen = p->addrlen;
	}
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->cb = cb;
	c->arg = arg;
	p->phase = "connect";
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	c->fd = socket(addr->sa_family,
	    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (c->fd < 0)
		return -errno;
	c->ev = event_new(p->base, c->fd, EV_WRITE, conn_event, c);
	if (c->ev == NULL) {
		chk_conn_close(c, 0);
		return -ENOMEM;
	}
	c->connecting = 1;
	c->early_err = connect(c->fd, addr, addrlen) == 0 ? 0 : errno;
	event_active(c->ev, EV_WRITE, 0);
	return 0;
}

int
chk_conn_open_to(struct chk_conn *c, struct probe *p,
    const struct sockaddr *addr, socklen_t addrlen, chk_conn_cb *cb,
    void *arg)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->early_err = -1;
	c->cb = cb;
	c->arg = arg;
	p->phase = "connect";
	clock_gettime(CLOCK_MONOTONIC, &c->t0);

	c->fd = socket(addr->sa_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (c->fd < 0)
		return -errno;
	c->ev = event_new(p->base, c->fd, EV_WRITE, conn_event, c);
	if (c->ev == NULL) {
		chk_conn_close(c, 0);
		return -ENOMEM;
	}
	c->connecting = 1;
	if (connect(c->fd, addr, addrlen) == 0) {
		c->early_err = 0;
	} else if (errno != EINPROGRESS && errno != EINTR) {
		/* The kernel refused at once (no route, a broadcast
		   address): report it from the loop like the rest. */
		c->early_err = errno;
	}
	if (c->early_err >= 0) {
		event_active(c->ev, EV_WRITE, 0);
		return 0;
	}
	/* No timeout here: the scheduler owns the deadline and cancels. */
	if (event_add(c->ev, NULL) < 0) {
		chk_conn_close(c, 0);
		return -ENOMEM;
	}
	return 0;
}

int
chk_conn_wait(struct chk_conn *c, short what, chk_conn_cb *cb, void *arg)
{
	c->cb = cb;
	c->arg = arg;
	event_del(c->ev);
	if (event_assign(c->ev, event_get_base(c->ev), c->fd, what,
	    conn_event, c) < 0)
		return -EINVAL;
	if (event_add(c->ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

void
chk_conn_close(struct chk_conn *c, int abort)
{
	struct linger	lg = { .l_onoff = 1, .l_linger = 0 };

	if (c->ev != NULL)
		event_free(c->ev);
	c->ev = NULL;
	if (c->fd >= 0) {
		if (abort)
			(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg,
			    sizeof(lg));
		close(c->fd);
	}
	c->fd = -1;
}

ssize_t
chk_dgram_recv(struct chk_conn *c, void *buf, size_t len)
{
	ssize_t	n;

	while ((n = recv(c->fd, buf, len, 0)) < 0 && errno == EINTR)
		;
	if (n >= 0)
		return n;
	return errno == EWOULDBLOCK ? -EAGAIN : -errno;
}

unsigned
chk_conn_elapsed_ms(const struct chk_conn *c)
{
	struct timespec	now;
	long long	ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - c->t0.tv_sec) * 1000 +
	    (now.tv_nsec - c->t0.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (unsigned)ms;
}

enum chk_reason
chk_conn_reason(int err)
{
	return err == ECONNREFUSED ? CHK_R_CONNREFUSED : CHK_R_CONNECT;
}

const char *
chk_errname(int err)
{
	static char	 buf[24];
	const char	*name = strerrorname_np(err);

	if (name != NULL)
		return name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

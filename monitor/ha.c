/*
 * monitor/ha.c - director failover on the loop: the heartbeat sockets and
 * timers, the peers' liveness, the role (decided by ha_fsm.c, pictured in
 * ha_int.h) and what a role does: VIPs (director/vip.h), announcements
 * (director/announce.h) and the IPVS sync daemon (apply.h).
 *
 * Every interval each director sends one heartbeat to each peer; a peer
 * not heard for `dead` intervals is dead (one timer per peer, re-armed by
 * each accepted heartbeat, so the takeover does not wait for a tick).  A
 * role change sends a heartbeat at once, so a peer waiting for our answer
 * (a preempting backup, a handover) does not wait for the next interval.
 * Going MASTER adds the VIPs then announces them; leaving MASTER removes
 * them before the heartbeat that says so: a peer takes the VIPs only after
 * hearing that we dropped them, so a preemption or a handover leaves a gap
 * of one datagram's flight, never two holders.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "apply.h"
#include "director/announce.h"
#include "director/vip.h"
#include "event.h"
#include "ha_int.h"
#include "log.h"
#include "model.h"
#include "reload.h"

const char *const mon_ha_role_names[MON_HA__COUNT] = {
	[MON_HA_OFF]	= "off",
	[MON_HA_INIT]	= "init",
	[MON_HA_BACKUP]	= "backup",
	[MON_HA_MASTER]	= "master",
	[MON_HA_FAULT]	= "fault",
};

#define RX_BURST	64	/* datagrams read per wakeup */
#define MAX_IFS		8	/* interfaces VIPs may sit on */

struct peer {
	struct mon_ha_peer_view	*v;		/* in ha.pviews */
	int			 family;
	uint8_t			 addr[16];
	struct sockaddr_storage	 sa;		/* where heartbeats go */
	socklen_t		 salen;
	struct mon_ha_replay	 replay;
	int			 preempt;	/* it said MON_HA_F_PREEMPT */
	struct event		*dead_ev;
};

struct annc {
	char			 ifname[IF_NAMESIZE];
	struct dir_announce	*a;
};

static struct {
	struct event_base	*base;
	struct mon_model	*m;
	const struct mon_ha_conf *c;		/* m->ha */
	int			 fd4, fd6;
	struct event		*rx4, *rx6, *tick, *annc_ev, *again;
	struct dir_vip		*vip;
	struct annc		 annc[MAX_IFS];
	size_t			 nannc;
	struct peer		*peers;
	struct mon_ha_peer_view	*pviews;
	struct mon_ha_view	 view;
	int			 family;	/* our address, tiebreak */
	uint8_t			 addr[16];
	uint64_t		 epoch, seq;
	uint32_t		 generation;
	struct timespec		 init_until;	/* CLOCK_MONOTONIC */
	int			 resign;	/* failover requested */
	struct timespec		 resign_until;
	int			 no_preempt;	/* handed over: do not take it
						   back until that master dies */
	int			 fault;		/* tracked interface down */
	int			 backend_bad;	/* the packet core failed (last
						   MON_EV_BACKEND had an error) */
	const char		*hint;		/* reason for the next change */
	unsigned		 annc_left;
	int			 open;
} ha = { .fd4 = -1, .fd6 = -1 };

static void	evaluate(void);
static void	send_all(int flags);

static double
ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) +
	    (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

static struct timeval
ms_tv(unsigned ms)
{
	return (struct timeval){ ms / 1000, (ms % 1000) * 1000 };
}

const struct mon_ha_view *
mon_ha_view(void)
{
	return ha.c != NULL && ha.open ? &ha.view : NULL;
}

static const char *
vip_if(const struct mon_ha_addr *v)
{
	return v->ifname != NULL ? v->ifname : ha.c->interface;
}

/* ---- what a role does ---------------------------------------------- */

static void
vips_set(const struct mon_ha_conf *c, int add)
{
	char	err[256];

	if (ha.vip == NULL || c == NULL)
		return;
	for (size_t i = 0; i < c->nvips; i++) {
		const struct mon_ha_addr *v = &c->vips[i];
		const char *ifn = v->ifname != NULL ? v->ifname : c->interface;
		int rc = add ? dir_vip_add(ha.vip, ifn, v->family, v->addr,
		    v->plen, err, sizeof(err)) : dir_vip_del(ha.vip, ifn,
		    v->family, v->addr, v->plen, err, sizeof(err));

		if (rc < 0)
			mon_error("director: vip %s: %s", v->text, err);
	}
}

static struct dir_announce *
annc_for(const char *ifname)
{
	char	err[256];

	for (size_t i = 0; i < ha.nannc; i++)
		if (strcmp(ha.annc[i].ifname, ifname) == 0)
			return ha.annc[i].a;
	if (ha.nannc == MAX_IFS)
		return NULL;
	if (dir_announce_open(&ha.annc[ha.nannc].a, ifname, err,
	    sizeof(err)) < 0) {
		mon_error("director: announcements on %s: %s", ifname, err);
		return NULL;
	}
	snprintf(ha.annc[ha.nannc].ifname, IF_NAMESIZE, "%s", ifname);
	return ha.annc[ha.nannc++].a;
}

static void
annc_close(void)
{
	for (size_t i = 0; i < ha.nannc; i++)
		dir_announce_close(ha.annc[i].a);
	ha.nannc = 0;
}

static void
announce_once(void)
{
	char	err[256];

	for (size_t i = 0; i < ha.c->nvips; i++) {
		const struct mon_ha_addr	*v = &ha.c->vips[i];
		struct dir_announce		*a = annc_for(vip_if(v));

		if (a != NULL && dir_announce_send(a, v->family, v->addr, err,
		    sizeof(err)) < 0)
			mon_warn("director: vip %s: %s", v->text, err);
	}
}

static void
on_announce(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	tv;

	(void)fd;
	(void)what;
	(void)arg;
	if (ha.view.role != MON_HA_MASTER || ha.annc_left == 0)
		return;
	announce_once();
	if (--ha.annc_left > 0) {
		tv = ms_tv(ha.c->announce_ms);
		evtimer_add(ha.annc_ev, &tv);
	}
}

static void
sync_daemon(enum mon_ha_role role)
{
	struct err	e = { "" };

	if (ha.c->sync_interface == NULL)
		return;
	if (mon_apply_sync_daemon(role == MON_HA_MASTER ? 1 : 2,
	    ha.c->sync_interface, (uint32_t)ha.c->syncid, &e) < 0)
		mon_warn("director: sync daemon: %s", e.msg);
}

static void
set_role(enum mon_ha_role to, const char *reason)
{
	struct mon_event	ev = { .type = MON_EV_ROLE };
	enum mon_ha_role	from = ha.view.role;

	if (to == from)
		return;
	if (from == MON_HA_MASTER) {
		/* first the VIPs go, then the peers hear it */
		evtimer_del(ha.annc_ev);
		ha.annc_left = 0;
		vips_set(ha.c, 0);
	}
	ha.view.role = to;
	ha.view.reason = reason;
	clock_gettime(CLOCK_REALTIME, &ha.view.since);
	ha.view.transitions++;
	if (to == MON_HA_MASTER) {
		vips_set(ha.c, 1);
		ha.annc_left = ha.c->announce;
		if (ha.annc_left > 0)
			on_announce(-1, 0, NULL);
	}
	if (to == MON_HA_MASTER || from == MON_HA_MASTER || from ==
	    MON_HA_INIT)
		sync_daemon(to);
	mon_info("director: %s -> %s: %s", mon_ha_role_names[from],
	    mon_ha_role_names[to], reason);
	ev.old = from;
	ev.new = to;
	ev.msg = reason;
	mon_event_emit(&ev);
	send_all(0);
}

/* ---- the decision -------------------------------------------------- */

/* Configured, less quorum_penalty per service without quorum (never
 * below 1: a director with lost services still beats none); 0 while
 * handing over. */
static int
eff_priority(void)
{
	int	p = ha.c->priority;

	if (ha.resign)
		return 0;
	for (size_t i = 0; ha.c->quorum_penalty > 0 && i < ha.m->nsvcs; i++)
		if (!ha.m->svcs[i].quorum_ok)
			p -= ha.c->quorum_penalty;
	return p < 1 ? 1 : p;
}

static void
evaluate(void)
{
	struct mon_ha_fsm_peer	 fp[64];
	struct mon_ha_fsm_in	 in = { 0 };
	struct timespec		 now;
	const char		*reason;
	int			 to, master_alive = 0;

	if (!ha.open)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (size_t i = 0; i < ha.c->npeers && i < 64; i++) {
		struct peer *p = &ha.peers[i];

		fp[i] = (struct mon_ha_fsm_peer){ p->v->alive, p->v->role,
		    p->v->priority, p->preempt, p->family, { 0 } };
		memcpy(fp[i].addr, p->addr, 16);
		if (p->v->alive && p->v->role == MON_HA_MASTER &&
		    p->v->priority > 0)
			master_alive = 1;
	}
	/* a handover ends when a peer is master (or times out) */
	if (ha.resign && (master_alive || ts_diff(&now,
	    &ha.resign_until) > 0)) {
		ha.resign = 0;
		if (master_alive)
			ha.no_preempt = 1;
	}
	if (ha.no_preempt && !master_alive && !ha.resign)
		ha.no_preempt = 0;
	ha.view.priority = eff_priority();
	in.role = ha.view.role;
	in.priority = ha.view.priority;
	in.preempt = ha.c->preempt && !ha.no_preempt;
	in.fault = ha.fault || ha.backend_bad;
	in.init_over = ts_diff(&now, &ha.init_until) >= 0;
	in.family = ha.family;
	memcpy(in.addr, ha.addr, 16);
	in.peers = fp;
	in.npeers = ha.c->npeers < 64 ? ha.c->npeers : 64;
	to = mon_ha_decide(&in, &reason);
	if (to != (int)ha.view.role) {
		if (to == MON_HA_MASTER && ha.hint != NULL)
			reason = ha.hint;
		else if (to != MON_HA_MASTER && ha.resign)
			reason = "failover requested";
		else if (ha.view.role == MON_HA_MASTER &&
		    to == MON_HA_BACKUP && ha.view.priority < ha.c->priority)
			reason = "priority lowered";
		else if (to == MON_HA_FAULT && ha.backend_bad && !ha.fault)
			reason = "packet core failing";
		else if (to == MON_HA_FAULT)
			reason = "tracked interface down";
		set_role((enum mon_ha_role)to, reason ? reason : "decided");
		ha.hint = NULL;
	}
}

/* ---- heartbeats ---------------------------------------------------- */

static void
send_all(int flags)
{
	struct mon_ha_msg	m;
	uint8_t			buf[MON_HA_PKT_LEN];

	if (!ha.open)
		return;
	m.role = (uint8_t)ha.view.role;
	m.priority = (uint8_t)((flags & MON_HA_F_LEAVING) ? 0 :
	    ha.view.priority);
	m.flags = (uint8_t)flags;
	if (ha.c->preempt && !ha.no_preempt)
		m.flags |= MON_HA_F_PREEMPT;
	m.generation = ha.generation;
	m.epoch = ha.epoch;
	for (size_t i = 0; i < ha.c->npeers; i++) {
		struct peer	*p = &ha.peers[i];
		int		 fd = p->family == AF_INET ? ha.fd4 : ha.fd6;

		m.seq = ++ha.seq;
		if (fd < 0 || mon_ha_wire_encode(&m, ha.c->key, ha.c->keylen,
		    buf) < 0)
			continue;
		/* a full queue or an unreachable peer: the next interval
		   tries again, and the peer's dead timer tells the rest */
		if (sendto(fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&p->sa, p->salen) == sizeof(buf))
			ha.view.tx++;
	}
}

static void
check_tracked(void)
{
	struct ifreq	ifr;
	int		fd = ha.fd4 >= 0 ? ha.fd4 : ha.fd6, down = 0;

	for (size_t i = 0; i < ha.c->ntrack && fd >= 0; i++) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s",
		    ha.c->track[i]);
		if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
		    !(ifr.ifr_flags & IFF_UP) ||
		    !(ifr.ifr_flags & IFF_RUNNING)) {
			if (!ha.fault)
				mon_warn("director: tracked interface %s is "
				    "down", ha.c->track[i]);
			down = 1;
			break;
		}
	}
	if (!down && ha.fault)
		mon_info("director: tracked interfaces are up again");
	ha.fault = down;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	check_tracked();
	evaluate();
	send_all(0);
}

static void
peer_event(struct peer *p, int alive, const char *why)
{
	struct mon_event	ev = { .type = MON_EV_PEER };
	char			msg[128];

	snprintf(msg, sizeof(msg), "%s: %s", p->v->addr, why);
	mon_info("director: peer %s", msg);
	ev.old = !alive;
	ev.new = alive;
	ev.msg = msg;
	mon_event_emit(&ev);
}

static void
on_dead(evutil_socket_t fd, short what, void *arg)
{
	struct peer	*p = arg;
	char		 why[64];

	(void)fd;
	(void)what;
	if (!p->v->alive)
		return;
	p->v->alive = 0;
	snprintf(why, sizeof(why), "silent for %u x %.3f s", ha.c->dead,
	    ha.c->interval_ms / 1000.0);
	if (p->v->role == MON_HA_MASTER)
		ha.hint = "peer dead";
	peer_event(p, 0, why);
	evaluate();
}

static struct peer *
peer_by_addr(const struct sockaddr_storage *ss)
{
	const void	*a;
	int		 fam = ss->ss_family;

	if (fam == AF_INET6 && IN6_IS_ADDR_V4MAPPED(
	    &((const struct sockaddr_in6 *)ss)->sin6_addr)) {
		fam = AF_INET;
		a = (const uint8_t *)&((const struct sockaddr_in6 *)ss)->
		    sin6_addr + 12;
	} else if (fam == AF_INET6)
		a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	else
		a = &((const struct sockaddr_in *)ss)->sin_addr;
	for (size_t i = 0; i < ha.c->npeers; i++)
		if (ha.peers[i].family == fam && memcmp(ha.peers[i].addr, a,
		    fam == AF_INET ? 4 : 16) == 0)
			return &ha.peers[i];
	return NULL;
}

static void
accept_msg(struct peer *p, const struct mon_ha_msg *m)
{
	struct timeval	tv = ms_tv(ha.c->interval_ms * ha.c->dead);
	int		was_alive = p->v->alive;
	int		was_master = p->v->role == MON_HA_MASTER;

	p->v->rx++;
	p->v->role = (enum mon_ha_role)m->role;
	p->v->priority = m->priority;
	p->preempt = !!(m->flags & MON_HA_F_PREEMPT);
	clock_gettime(CLOCK_REALTIME, &p->v->last_heard);
	if (m->flags & MON_HA_F_LEAVING) {
		/* it stops now: no need to wait out the dead interval */
		evtimer_del(p->dead_ev);
		p->v->alive = 0;
		if (was_master)
			ha.hint = "peer left";
		if (was_alive)
			peer_event(p, 0, "leaving");
		evaluate();
		return;
	}
	evtimer_add(p->dead_ev, &tv);
	p->v->alive = 1;
	if (!was_alive)
		peer_event(p, 1, "heard");
	if (was_master && p->v->role != MON_HA_MASTER)
		ha.hint = p->v->priority == 0 ? "failover requested" :
		    ha.c->preempt && ha.view.priority > p->v->priority ?
		    "preempted" : "peer yielded";
	evaluate();
}

static void
on_rx(evutil_socket_t fd, short what, void *arg)
{
	uint8_t			 buf[256];
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	struct mon_ha_msg	 m;
	struct peer		*p;
	ssize_t			 n;
	char			 a[INET6_ADDRSTRLEN];
	int			 rc;

	(void)what;
	(void)arg;
	for (int i = 0; i < RX_BURST; i++) {
		sl = sizeof(ss);
		if ((n = recvfrom(fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&ss, &sl)) < 0)
			return;
		p = peer_by_addr(&ss);
		rc = mon_ha_wire_decode(buf, (size_t)n, ha.c->key,
		    ha.c->keylen, &m);
		if (rc == -EBADMSG)
			continue;
		if (rc == -EPERM || p == NULL) {
			/* forged, wrong key, or from nobody we know */
			ha.view.bad_auth++;
			if (p != NULL)
				p->v->bad_auth++;
			if (mon_log_enabled(LOG_DEBUG)) {
				getnameinfo((struct sockaddr *)&ss, sl, a,
				    sizeof(a), NULL, 0, NI_NUMERICHOST);
				mon_debug("director: heartbeat from %s "
				    "dropped: %s", a, p == NULL ?
				    "not a peer" : "bad HMAC");
			}
			continue;
		}
		if (mon_ha_replay_check(&p->replay, m.epoch, m.seq) < 0) {
			ha.view.replayed++;
			p->v->replayed++;
			mon_debug("director: heartbeat from %s dropped: "
			    "replayed (epoch %llu seq %llu)", p->v->addr,
			    (unsigned long long)m.epoch,
			    (unsigned long long)m.seq);
			continue;
		}
		accept_msg(p, &m);
	}
}

/* ---- open, close, reload ------------------------------------------- */

static int
udp_open(int family, struct err *e)
{
	int			 fd, one = 1;
	struct sockaddr_storage	 ss = { 0 };
	socklen_t		 sl;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, -errno, "director: heartbeat socket: %s",
		    strerror(errno));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_port = htons(ha.c->port);
		sl = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(ha.c->port);
		sl = sizeof(struct sockaddr_in6);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int	rc = -errno;

		close(fd);
		return err_set(e, rc, "%s:%d: director: port: cannot listen "
		    "on udp port %d: %s", ha.m->file, ha.c->line, ha.c->port,
		    strerror(-rc));
	}
	return fd;
}

/* Our address for the tiebreak: `source`, else the one the kernel would
 * send from to the first peer (a connect of a UDP socket sends nothing). */
static void
own_address(void)
{
	const struct peer	*p = &ha.peers[0];
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	int			 fd;

	memset(ha.addr, 0, sizeof(ha.addr));
	ha.family = p->family;
	if (ha.c->source != NULL) {
		ha.family = strchr(ha.c->source, ':') ? AF_INET6 : AF_INET;
		inet_pton(ha.family, ha.c->source, ha.addr);
		return;
	}
	if ((fd = socket(p->family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	if (connect(fd, (const struct sockaddr *)&p->sa, p->salen) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			memcpy(ha.addr, &((struct sockaddr_in *)&ss)->sin_addr,
			    4);
		else
			memcpy(ha.addr, &((struct sockaddr_in6 *)&ss)->
			    sin6_addr, 16);
	}
	close(fd);
}

static void
peers_free(void)
{
	for (size_t i = 0; ha.peers != NULL && i < ha.view.npeers; i++)
		if (ha.peers[i].dead_ev != NULL)
			event_free(ha.peers[i].dead_ev);
	free(ha.peers);
	free(ha.pviews);
	ha.peers = NULL;
	ha.pviews = NULL;
	ha.view.peers = NULL;
	ha.view.npeers = 0;
}

/* Peers from ha.c; old (may be NULL) gives the replay state and counters
 * of the peers kept across a reload. */
static int
peers_build(const struct peer *old, const struct mon_ha_peer_view *oldv,
    size_t nold, struct err *e)
{
	size_t	n = ha.c->npeers;

	ha.peers = calloc(n, sizeof(*ha.peers));
	ha.pviews = calloc(n, sizeof(*ha.pviews));
	if (ha.peers == NULL || ha.pviews == NULL)
		goto nomem;
	ha.view.peers = ha.pviews;
	ha.view.npeers = n;
	for (size_t i = 0; i < n; i++) {
		struct peer			*p = &ha.peers[i];
		const struct mon_ha_addr	*a = &ha.c->peers[i];

		p->v = &ha.pviews[i];
		p->v->addr = a->text;
		p->family = a->family;
		memcpy(p->addr, a->addr, 16);
		if (a->family == AF_INET) {
			struct sockaddr_in *s = (struct sockaddr_in *)&p->sa;

			s->sin_family = AF_INET;
			s->sin_port = htons(ha.c->port);
			memcpy(&s->sin_addr, a->addr, 4);
			p->salen = sizeof(*s);
		} else {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)&p->sa;

			s->sin6_family = AF_INET6;
			s->sin6_port = htons(ha.c->port);
			memcpy(&s->sin6_addr, a->addr, 16);
			p->salen = sizeof(*s);
		}
		if ((p->dead_ev = evtimer_new(ha.base, on_dead, p)) == NULL)
			goto nomem;
		for (size_t j = 0; j < nold; j++)
			if (old[j].family == p->family &&
			    memcmp(old[j].addr, p->addr, 16) == 0) {
				struct timeval tv = ms_tv(ha.c->interval_ms *
				    ha.c->dead);

				p->replay = old[j].replay;
				p->preempt = old[j].preempt;
				*p->v = oldv[j];
				p->v->addr = a->text;
				if (p->v->alive)
					evtimer_add(p->dead_ev, &tv);
			}
	}
	return 0;
nomem:
	return err_set(e, -ENOMEM, "out of memory");
}

static void
io_close(void)
{
	if (ha.rx4 != NULL)
		event_free(ha.rx4);
	if (ha.rx6 != NULL)
		event_free(ha.rx6);
	ha.rx4 = ha.rx6 = NULL;
	if (ha.fd4 >= 0)
		close(ha.fd4);
	if (ha.fd6 >= 0)
		close(ha.fd6);
	ha.fd4 = ha.fd6 = -1;
}

static int
io_open(struct err *e)
{
	int	need4 = 0, need6 = 0;

	for (size_t i = 0; i < ha.c->npeers; i++) {
		need4 |= ha.c->peers[i].family == AF_INET;
		need6 |= ha.c->peers[i].family == AF_INET6;
	}
	if (need4 && (ha.fd4 = udp_open(AF_INET, e)) < 0)
		return ha.fd4;
	if (need6 && (ha.fd6 = udp_open(AF_INET6, e)) < 0)
		return ha.fd6;
	if ((ha.fd4 >= 0 && ((ha.rx4 = event_new(ha.base, ha.fd4,
	    EV_READ | EV_PERSIST, on_rx, NULL)) == NULL ||
	    event_add(ha.rx4, NULL) < 0)) ||
	    (ha.fd6 >= 0 && ((ha.rx6 = event_new(ha.base, ha.fd6,
	    EV_READ | EV_PERSIST, on_rx, NULL)) == NULL ||
	    event_add(ha.rx6, NULL) < 0)))
		return err_set(e, -ENOMEM, "out of memory");
	return 0;
}

static void
on_again(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	evaluate();
	send_all(0);
}

static int
tick_start(void)
{
	struct timeval	tv = ms_tv(ha.c->interval_ms);

	return event_add(ha.tick, &tv);
}

static void
on_reload(const struct mon_event *ev, void *arg);

/* Quorum and the packet core change our fitness: decide again on the
 * next loop turn (a subscriber may not emit events itself). */
static void
on_health(const struct mon_event *ev, void *arg)
{
	struct timeval	tv = { 0, 0 };

	(void)arg;
	if (ev->type == MON_EV_BACKEND)
		ha.backend_bad = ev->error != 0;
	if (ha.open && ha.again != NULL)
		evtimer_add(ha.again, &tv);
}

int
mon_ha_open(struct mon_model *m, struct event_base *base, struct err *e)
{
	char		err[256];
	struct timespec	now;
	int		rc;

	ha.base = base;
	ha.m = m;
	if (mon_event_subscribe_mask(on_reload, NULL,
	    MON_EVENT_MASK(MON_EV_RELOAD)) < 0 ||
	    mon_event_subscribe_mask(on_health, NULL,
	    MON_EVENT_MASK(MON_EV_QUORUM) | MON_EVENT_MASK(MON_EV_BACKEND)) < 0)
		return err_set(e, -ENOMEM, "out of memory");
	if ((ha.tick = event_new(base, -1, EV_PERSIST, on_tick, NULL)) ==
	    NULL || (ha.annc_ev = evtimer_new(base, on_announce, NULL)) ==
	    NULL || (ha.again = evtimer_new(base, on_again, NULL)) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	clock_gettime(CLOCK_REALTIME, &now);
	ha.epoch = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	if (m->ha == NULL)
		return 0;
	ha.c = m->ha;
	if ((rc = dir_vip_open(&ha.vip, err, sizeof(err))) < 0)
		return err_set(e, rc, "director: %s", err);
	/* the packet sockets need cap_net_raw: before the drop */
	(void)annc_for(ha.c->interface);
	for (size_t i = 0; i < ha.c->nvips; i++)
		(void)annc_for(vip_if(&ha.c->vips[i]));
	if ((rc = peers_build(NULL, NULL, 0, e)) < 0 ||
	    (rc = io_open(e)) < 0)
		return rc;
	own_address();
	clock_gettime(CLOCK_MONOTONIC, &ha.init_until);
	ha.init_until.tv_sec += (ha.c->interval_ms * ha.c->dead) / 1000;
	ha.init_until.tv_nsec += (long)((ha.c->interval_ms * ha.c->dead) %
	    1000) * 1000000;
	if (ha.init_until.tv_nsec >= 1000000000) {
		ha.init_until.tv_sec++;
		ha.init_until.tv_nsec -= 1000000000;
	}
	ha.view.role = MON_HA_INIT;
	ha.view.reason = "started";
	clock_gettime(CLOCK_REALTIME, &ha.view.since);
	ha.view.base_priority = ha.c->priority;
	ha.view.priority = ha.c->priority;
	ha.open = 1;
	/* a restart as backup must not keep VIPs a crash left behind */
	vips_set(ha.c, 0);
	check_tracked();
	mon_info("director: priority %d, %zu peers, %zu vips on %s, "
	    "heartbeat every %.3f s, dead after %u", ha.c->priority,
	    ha.c->npeers, ha.c->nvips, ha.c->interface,
	    ha.c->interval_ms / 1000.0, ha.c->dead);
	send_all(0);
	return tick_start() < 0 ? err_set(e, -ENOMEM, "out of memory") : 0;
}

/* A clean stop: VIPs go, and the peers hear it at once. */
void
mon_ha_close(void)
{
	if (ha.open) {
		if (ha.view.role == MON_HA_MASTER)
			vips_set(ha.c, 0);
		send_all(MON_HA_F_LEAVING);
		if (ha.c->sync_interface != NULL &&
		    ha.view.role == MON_HA_MASTER)
			sync_daemon(MON_HA_BACKUP);
	}
	ha.open = 0;
	mon_event_unsubscribe(on_reload, NULL);
	mon_event_unsubscribe(on_health, NULL);
	peers_free();
	io_close();
	annc_close();
	dir_vip_close(ha.vip);
	ha.vip = NULL;
	if (ha.tick != NULL)
		event_free(ha.tick);
	if (ha.annc_ev != NULL)
		event_free(ha.annc_ev);
	if (ha.again != NULL)
		event_free(ha.again);
	ha.tick = ha.annc_ev = ha.again = NULL;
	ha.c = NULL;
	memset(&ha.view, 0, sizeof(ha.view));
}

/*
 * A reload: an unchanged block keeps everything (the pointer moves to the
 * new model's copy).  A changed one keeps the role and the peers it still
 * names (their replay state, counters, liveness); a master swaps the VIPs
 * that changed and announces again; new sockets if the port changed.
 * The block removed: VIPs released, role off.  The block added: as at
 * start (INIT first).  Events may not be emitted from here: the decision
 * runs on the next loop turn.
 */
static void
on_reload(const struct mon_event *ev, void *arg)
{
	const struct mon_model		*prev = mon_reload_previous();
	const struct mon_ha_conf	*old = prev != NULL ? prev->ha : NULL;
	struct peer			*op = ha.peers;
	struct mon_ha_peer_view		*ov = ha.pviews;
	size_t				 nold = ha.view.npeers;
	struct err			 e = { "" };
	struct timeval			 tv = { 0, 0 };
	int				 was_master;

	(void)ev;
	(void)arg;
	ha.generation++;
	if (mon_ha_conf_equal(old, ha.m->ha)) {
		ha.c = ha.m->ha;
		if (ha.c != NULL) {
			for (size_t i = 0; i < ha.view.npeers; i++)
				ha.pviews[i].addr = ha.c->peers[i].text;
		}
		return;
	}
	was_master = ha.open && ha.view.role == MON_HA_MASTER;
	if (was_master)
		vips_set(old, 0);
	if (ha.m->ha == NULL) {
		mon_info("director: block removed by reload: failover off");
		if (ha.open)
			send_all(MON_HA_F_LEAVING);
		peers_free();
		io_close();
		annc_close();
		event_del(ha.tick);
		ha.open = 0;
		ha.c = NULL;
		memset(&ha.view, 0, sizeof(ha.view));
		return;
	}
	ha.peers = NULL;
	ha.pviews = NULL;
	io_close();
	annc_close();
	ha.c = ha.m->ha;
	if (peers_build(op, ov, nold, &e) < 0 || io_open(&e) < 0) {
		mon_error("director: reload: %s; failover stopped", e.msg);
		ha.open = 0;
	}
	for (size_t i = 0; op != NULL && i < nold; i++)
		if (op[i].dead_ev != NULL)
			event_free(op[i].dead_ev);
	free(op);
	free(ov);
	if (ha.vip == NULL) {
		char	err[256];

		if (dir_vip_open(&ha.vip, err, sizeof(err)) < 0)
			mon_error("director: %s", err);
	}
	if (!ha.open && e.msg[0] == '\0') {
		/* added by this reload: as at start */
		ha.open = 1;
		ha.view.role = MON_HA_INIT;
		ha.view.reason = "configured by reload";
		clock_gettime(CLOCK_MONOTONIC, &ha.init_until);
		ha.init_until.tv_sec += (ha.c->interval_ms * ha.c->dead + 999) /
		    1000;
	}
	ha.view.base_priority = ha.c->priority;
	own_address();
	if (was_master && ha.open) {
		vips_set(ha.c, 1);
		ha.annc_left = ha.c->announce;
		if (ha.annc_left > 0)
			evtimer_add(ha.annc_ev, &tv);
	}
	event_del(ha.tick);
	if (ha.open)
		tick_start();
	evtimer_add(ha.again, &tv);
	mon_info("director: reconfigured by reload (generation %u)",
	    ha.generation);
}

int
mon_ha_failover(struct err *e)
{
	struct timespec	now;
	int		alive = 0;

	if (!ha.open)
		return err_set(e, -ENOENT, "no director block: failover is "
		    "not configured");
	if (ha.view.role != MON_HA_MASTER)
		return err_set(e, -EINVAL, "this director is %s, not master: "
		    "nothing to hand over", mon_ha_role_names[ha.view.role]);
	for (size_t i = 0; i < ha.view.npeers; i++)
		alive |= ha.pviews[i].alive && ha.pviews[i].priority > 0 &&
		    ha.pviews[i].role != MON_HA_FAULT;
	if (!alive)
		return err_set(e, -EAGAIN, "no live peer to hand over to");
	clock_gettime(CLOCK_MONOTONIC, &now);
	ha.resign = 1;
	/* if nobody takes over in three dead intervals, take it back */
	ha.resign_until = now;
	ha.resign_until.tv_sec += (3 * ha.c->interval_ms * ha.c->dead + 999) /
	    1000;
	evaluate();
	return 0;
}

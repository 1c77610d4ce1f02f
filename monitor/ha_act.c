/*
 * monitor/ha_act.c - what a failover role does to the host: the VIPs on
 * their interfaces (director/vip.h), the announcement burst when they
 * arrive (director/announce.h: `announce` GARPs / NAs per VIP spaced by
 * `announce_interval` on a timer of the loop) and the IPVS sync daemon's
 * role (apply.h).  ha.c decides; this file only carries out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>

#include <event2/event.h>

#include "apply.h"
#include "director/announce.h"
#include "director/vip.h"
#include "ha_int.h"
#include "log.h"

#define MAX_IFS		8	/* interfaces VIPs may sit on */

struct annc {
	char			 ifname[IF_NAMESIZE];
	struct dir_announce	*a;
};

static struct {
	const struct mon_ha_conf *c;		/* the block announcing */
	struct dir_vip		*vip;
	struct annc		 annc[MAX_IFS];
	size_t			 nannc;
	struct event		*annc_ev;
	unsigned		 annc_left;
} act;

static struct timeval
ms_tv(unsigned ms)
{
	return (struct timeval){ ms / 1000, (ms % 1000) * 1000 };
}

static const char *
vip_if(const struct mon_ha_conf *c, const struct mon_ha_addr *v)
{
	return v->ifname != NULL ? v->ifname : c->interface;
}

void
mon_ha_act_vips(const struct mon_ha_conf *c, int add)
{
	char	err[256];

	if (act.vip == NULL || c == NULL)
		return;
	for (size_t i = 0; i < c->nvips; i++) {
		const struct mon_ha_addr *v = &c->vips[i];
		const char *ifn = v->ifname != NULL ? v->ifname : c->interface;
		int rc = add ? dir_vip_add(act.vip, ifn, v->family, v->addr,
		    v->plen, err, sizeof(err)) : dir_vip_del(act.vip, ifn,
		    v->family, v->addr, v->plen, err, sizeof(err));

		if (rc < 0)
			mon_error("director: vip %s: %s", v->text, err);
	}
}

/* A master's reload: the VIPs the new block no longer lists go (the rest
 * stay: no gap; the new ones are added after). */
void
mon_ha_act_drop_gone(const struct mon_ha_conf *old,
    const struct mon_ha_conf *nw)
{
	char	err[256];

	if (act.vip == NULL || old == NULL)
		return;
	for (size_t i = 0; i < old->nvips; i++) {
		const struct mon_ha_addr	*v = &old->vips[i];
		const char			*ifn = v->ifname != NULL ?
		    v->ifname : old->interface;
		int				 kept = 0;

		for (size_t j = 0; nw != NULL && j < nw->nvips; j++) {
			const struct mon_ha_addr *w = &nw->vips[j];

			kept |= w->family == v->family && w->plen == v->plen &&
			    memcmp(w->addr, v->addr, 16) == 0 &&
			    strcmp(w->ifname != NULL ? w->ifname :
			    nw->interface, ifn) == 0;
		}
		if (!kept && dir_vip_del(act.vip, ifn, v->family, v->addr,
		    v->plen, err, sizeof(err)) < 0)
			mon_error("director: vip %s: %s", v->text, err);
	}
}

static struct dir_announce *
annc_for(const char *ifname)
{
	char	err[256];

	for (size_t i = 0; i < act.nannc; i++)
		if (strcmp(act.annc[i].ifname, ifname) == 0)
			return act.annc[i].a;
	if (act.nannc == MAX_IFS)
		return NULL;
	if (dir_announce_open(&act.annc[act.nannc].a, ifname, err,
	    sizeof(err)) < 0) {
		mon_error("director: announcements on %s: %s", ifname, err);
		return NULL;
	}
	snprintf(act.annc[act.nannc].ifname, IF_NAMESIZE, "%s", ifname);
	return act.annc[act.nannc++].a;
}

static void
annc_close(void)
{
	for (size_t i = 0; i < act.nannc; i++)
		dir_announce_close(act.annc[i].a);
	act.nannc = 0;
}

static void
announce_once(void)
{
	char	err[256];

	for (size_t i = 0; i < act.c->nvips; i++) {
		const struct mon_ha_addr	*v = &act.c->vips[i];
		struct dir_announce		*a = annc_for(vip_if(act.c, v));

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
	if (act.c == NULL || act.annc_left == 0)
		return;
	announce_once();
	if (--act.annc_left > 0) {
		tv = ms_tv(act.c->announce_ms);
		evtimer_add(act.annc_ev, &tv);
	}
}

void
mon_ha_act_sync(const struct mon_ha_conf *c, int master)
{
	struct err	e = { "" };

	if (c == NULL || c->sync_interface == NULL)
		return;
	if (mon_apply_sync_daemon(master ? 1 : 2, c->sync_interface,
	    (uint32_t)c->syncid, &e) < 0)
		mon_warn("director: sync daemon: %s", e.msg);
}

int
mon_ha_act_open(struct event_base *base, const struct mon_ha_conf *c,
    struct err *e)
{
	char	err[256];
	int	rc;

	if (act.annc_ev == NULL &&
	    (act.annc_ev = evtimer_new(base, on_announce, NULL)) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	if (act.vip == NULL &&
	    (rc = dir_vip_open(&act.vip, err, sizeof(err))) < 0)
		return err_set(e, rc, "director: %s", err);
	/* the packet sockets need cap_net_raw: open them now, before the
	   drop (lvsmond keeps cap_net_raw, so a reload may add more) */
	(void)annc_for(c->interface);
	for (size_t i = 0; i < c->nvips; i++)
		(void)annc_for(vip_if(c, &c->vips[i]));
	return 0;
}

void
mon_ha_act_announce(const struct mon_ha_conf *c)
{
	act.c = c;
	act.annc_left = c->announce;
	if (act.annc_left > 0)
		on_announce(-1, 0, NULL);
}

void
mon_ha_act_announce_stop(void)
{
	if (act.annc_ev != NULL)
		evtimer_del(act.annc_ev);
	act.annc_left = 0;
	act.c = NULL;
}

void
mon_ha_act_reconf(const struct mon_ha_conf *c)
{
	/* the interfaces may have changed: reopened on the next send */
	annc_close();
	if (act.c != NULL)
		act.c = c;
}

void
mon_ha_act_close(void)
{
	mon_ha_act_announce_stop();
	annc_close();
	dir_vip_close(act.vip);
	act.vip = NULL;
	if (act.annc_ev != NULL)
		event_free(act.annc_ev);
	act.annc_ev = NULL;
}

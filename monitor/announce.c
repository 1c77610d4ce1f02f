/*
 * monitor/announce.c - route health injection (announce.h): which VIPs
 * this director announces, kept in step with quorum, drain-director,
 * reloads and the kernel.
 *
 * Everything is decided in one place, reconcile(), run on the loop after
 * the events that may change the answer (QUORUM, STATE, RELOAD; a
 * subscriber must not emit, and a route change is an event), on the
 * retry timer after a failure and on the reconcile timer.  It reads the
 * model, never keeps pointers into it past the call (a reload replaces
 * the services), and keeps only what the kernel holds: one entry per
 * address with our route.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "announce.h"
#include "director/route.h"
#include "directive.h"
#include "event.h"
#include "log.h"
#include "model.h"

/* ---- config ---------------------------------------------------------- */

struct conf_announce {
	int	 table, protocol, metric;
	char	*device;
};

static const struct mon_directive announce_directives[] = {
	/* 253..255 are the kernel's default, main and local tables: a
	   host route there would steer this director's own traffic */
	{ .key = "table", .type = MON_D_INT,
	  .offset = offsetof(struct conf_announce, table),
	  .min = 1, .max = 252, .ndef = 0, .flags = MON_DF_REQUIRED },
	/* 0..4 are the kernel's own (unspec, redirect, kernel, boot,
	   static): ours must tell our routes apart */
	{ .key = "protocol", .type = MON_D_INT,
	  .offset = offsetof(struct conf_announce, protocol),
	  .min = 5, .max = 255, .ndef = 250 },
	{ .key = "metric", .type = MON_D_INT,
	  .offset = offsetof(struct conf_announce, metric),
	  .min = 0, .max = 2147483647, .ndef = 0 },
	{ .key = "device", .type = MON_D_STRING,
	  .offset = offsetof(struct conf_announce, device), .sdef = "lo" },
	{ .key = NULL }
};

int
mon_announce_conf_global(struct mon_model *m, const config_setting_t *g,
    struct err *e)
{
	const config_setting_t	*s;
	struct conf_announce	 c = { 0 };
	int			 rc;

	if (g == NULL || (s = config_setting_get_member(g, "announce")) ==
	    NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return mon_conf_err(e, s, "global", "announce", "expected a "
		    "group { table = 100; protocol = 250; }");
	rc = mon_directives_apply_group(announce_directives, &c, s,
	    "global: announce", e);
	if (rc == 0 && (c.device[0] == '\0' ||
	    strlen(c.device) >= sizeof(m->global.announce_dev)))
		rc = mon_conf_err(e, config_setting_get_member(s, "device"),
		    "global: announce", "device", "\"%s\" is not an "
		    "interface name (1..15 characters)", c.device);
	if (rc == 0) {
		m->global.announce_table = (uint32_t)c.table;
		m->global.announce_proto = (uint8_t)c.protocol;
		m->global.announce_metric = (uint32_t)c.metric;
		snprintf(m->global.announce_dev,
		    sizeof(m->global.announce_dev), "%s", c.device);
		m->global.announce_line = (int)config_setting_source_line(s);
	}
	free(c.device);
	return rc;
}

int
mon_announce_conf_service(struct mon_model *m, struct mon_service *svc,
    const config_setting_t *sset, const char *where, struct err *e)
{
	const config_setting_t	*s = config_setting_get_member(sset,
				    "announce");

	if (!svc->announce)
		return 0;
	if (svc->fwmark != 0)
		return mon_conf_err(e, s, where, "announce", "a firewall-mark "
		    "service has no VIP to announce (announce the address "
		    "that the mark's rule matches in a service of its own)");
	if (m->global.announce_table == 0)
		return mon_conf_err(e, s, where, "announce", "needs "
		    "global.announce = { table = N; } (the routing table the "
		    "routing daemon reads)");
	return 0;
}

/* ---- runtime --------------------------------------------------------- */

/* One VIP whose route we hold or held. */
struct vip {
	int		 family;
	union dir_addr	 a;
	int		 have;		/* our route is in the kernel */
	int		 adopted;	/* found at start, not yet decided */
	int		 mark;		/* reconcile scratch: in the config */
	int		 ok;		/* scratch: every service has quorum */
	int		 undecided;	/* scratch: a real without a verdict */
	const char	*why;		/* scratch: the first service that
					   lacks quorum */
};

static struct {
	struct mon_model	*m;
	struct dir_route	*r;
	struct event		*ev_run;	/* reconcile, next loop turn */
	struct event		*ev_retry;	/* after a failed change */
	struct event		*ev_tick;	/* reconcile_interval */
	struct vip		*vips;
	size_t			 nvips, cap;
	int			 drained;
	size_t			 nadopted;	/* routes adopted, undecided */
	const char		*why_up;	/* why a route comes back,
						   if not quorum */
	uint64_t		 changes;	/* routes set or deleted */
	int			 exiting;
	uint32_t		 table;		/* as opened: a reload does
						   not move the routes */
	uint8_t			 proto;
} an;

static const struct timeval	retry_tv = { 1, 0 };

static struct vip *
vip_find(int family, const union dir_addr *a)
{
	size_t	len = family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < an.nvips; i++)
		if (an.vips[i].family == family &&
		    memcmp(&an.vips[i].a, a, len) == 0)
			return &an.vips[i];
	return NULL;
}

static struct vip *
vip_add(int family, const union dir_addr *a)
{
	struct vip	*v;

	if ((v = vip_find(family, a)) != NULL)
		return v;
	if (an.nvips == an.cap) {
		size_t	c = an.cap ? an.cap * 2 : 16;

		if ((v = realloc(an.vips, c * sizeof(*v))) == NULL)
			return NULL;
		an.vips = v;
		an.cap = c;
	}
	v = &an.vips[an.nvips++];
	memset(v, 0, sizeof(*v));
	v->family = family;
	v->a = *a;
	return v;
}

int
mon_announce_state(const struct mon_service *svc)
{
	const struct vip	*v;

	if (!svc->announce || an.r == NULL)
		return -1;
	v = vip_find(svc->family, &svc->addr);
	return v != NULL && v->have;
}

uint64_t
mon_announce_changes(void)
{
	return an.changes;
}

void
mon_announce_restore_drained(void)
{
	an.drained = 1;
}

int
mon_announce_drained(void)
{
	return an.drained;
}

static void
emit(struct vip *v, const char *msg)
{
	char	addr[INET6_ADDRSTRLEN];

	dir_addr_str(v->family, &v->a, addr, sizeof(addr));
	mon_info("lvsmond: route %s/%d %s: %s", addr, v->family == AF_INET ?
	    32 : 128, v->have ? "announced" : "withdrawn", msg);
	for (size_t i = 0; an.m != NULL && i < an.m->nsvcs; i++) {
		struct mon_service	*s = &an.m->svcs[i];
		struct mon_event	 ev = { .type = MON_EV_ROUTE };

		if (!s->announce || s->family != v->family ||
		    memcmp(&s->addr, &v->a, v->family == AF_INET ? 4 : 16))
			continue;
		ev.svc = s;
		ev.old = !v->have;
		ev.new = v->have;
		ev.msg = msg;
		mon_event_emit(&ev);
	}
}

/* Make the kernel hold v's route (want), say why; 0 or -errno. */
static int
route_to(struct vip *v, int want, const char *why)
{
	char	err[256] = "";
	int	rc;

	if (v->have == want)
		return 0;
	if ((rc = dir_route_set(an.r, v->family, &v->a, want, err,
	    sizeof(err))) < 0) {
		mon_error("lvsmond: %s (retrying in 1 s)", err);
		if (an.ev_retry != NULL && !an.exiting)
			evtimer_add(an.ev_retry, &retry_tv);
		return rc;
	}
	v->have = want;
	v->adopted = 0;
	an.changes++;
	emit(v, why);
	return 0;
}

static void
reconcile(void)
{
	struct mon_model	*m = an.m;
	char			 why[160];
	size_t			 k;

	if (an.r == NULL)
		return;
	for (size_t i = 0; i < an.nvips; i++) {
		an.vips[i].mark = 0;
		an.vips[i].ok = 1;
		an.vips[i].undecided = 0;
		an.vips[i].why = NULL;
	}
	for (size_t i = 0; m != NULL && i < m->nsvcs && !an.exiting; i++) {
		struct mon_service	*s = &m->svcs[i];
		struct vip		*v;

		if (!s->announce)
			continue;
		if ((v = vip_add(s->family, &s->addr)) == NULL) {
			mon_error("lvsmond: announce: out of memory");
			return;
		}
		v->mark = 1;
		if (!s->quorum_ok && v->ok) {
			v->ok = 0;
			v->why = s->name;
		}
		for (size_t j = 0; j < s->nreals; j++)
			if (!s->reals[j].sorry && !s->reals[j].decided)
				v->undecided = 1;
	}
	for (size_t i = 0; i < an.nvips; i++) {
		struct vip	*v = &an.vips[i];
		int		 want = v->mark && v->ok && !an.drained &&
				    !an.exiting;

		if (!v->undecided)
			v->adopted = 0;

		if (!v->mark)
			snprintf(why, sizeof(why), an.exiting ? "daemon "
			    "stopping (on_exit = \"flush\")" : "no service "
			    "announces it any more");
		else if (an.drained)
			snprintf(why, sizeof(why), "director drained "
			    "(drain-director)");
		else if (!v->ok) {
			/* adopted at start: no verdict yet is no reason */
			if (v->adopted && v->undecided)
				continue;
			snprintf(why, sizeof(why), "service %s: quorum lost",
			    v->why);
		} else
			snprintf(why, sizeof(why), "%s", an.why_up != NULL ?
			    an.why_up : "quorum held");
		route_to(v, want, why);
	}
	an.nadopted = 0;
	for (size_t i = 0; i < an.nvips; i++)
		an.nadopted += an.vips[i].adopted != 0;
	/* forget what is neither configured nor in the kernel */
	for (size_t i = k = 0; i < an.nvips; i++)
		if (an.vips[i].mark || an.vips[i].have)
			an.vips[k++] = an.vips[i];
	an.nvips = k;
}

static void
on_run(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	reconcile();
}

static void
on_event(const struct mon_event *ev, void *arg)
{
	(void)arg;
	/* a first verdict that changes no state (a real that stays down)
	   still decides an adopted route: checks count while one waits */
	if (ev->type == MON_EV_QUORUM || ev->type == MON_EV_RELOAD ||
	    ev->type == MON_EV_STATE ||
	    (ev->type == MON_EV_CHECK && an.nadopted > 0))
		event_active(an.ev_run, EV_TIMEOUT, 0);
}

/* Kernel routes found: ours again (adopt), or someone deleted ours. */
static void
found(int family, const union dir_addr *a, void *arg)
{
	struct vip	*v;

	(void)arg;
	if ((v = vip_add(family, a)) != NULL)
		v->mark = 2;	/* seen in the kernel */
}

/* What the kernel holds now: adopted at start, repaired later. */
static int
read_kernel(int start)
{
	char	err[256] = "";
	int	rc;

	for (size_t i = 0; i < an.nvips; i++)
		an.vips[i].mark = 0;
	if ((rc = dir_route_list(an.r, found, NULL, err, sizeof(err))) < 0) {
		mon_error("lvsmond: announce: %s", err);
		return rc;
	}
	for (size_t i = 0; i < an.nvips; i++) {
		struct vip	*v = &an.vips[i];
		char		 s[INET6_ADDRSTRLEN];

		if (start && v->mark == 2) {
			v->have = v->adopted = 1;
			mon_info("lvsmond: route %s table %u: adopted (kept "
			    "until its services are decided)",
			    dir_addr_str(v->family, &v->a, s, sizeof(s)),
			    an.table);
		} else if (v->have && v->mark != 2) {
			mon_warn("lvsmond: route %s table %u: gone from the "
			    "kernel (deleted by hand?); installing it again",
			    dir_addr_str(v->family, &v->a, s, sizeof(s)),
			    an.table);
			v->have = 0;
		} else if (!v->have && v->mark == 2)
			v->have = 1;	/* added by hand: decided below */
	}
	return 0;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (read_kernel(0) == 0)
		reconcile();
}

int
mon_announce_open(struct mon_model *m, struct event_base *base,
    struct err *e)
{
	struct dir_route_conf	c = { 0 };
	char			err[256] = "";
	int			rc;

	an.m = m;
	if (m->global.announce_table == 0)
		return 0;
	c.table = an.table = m->global.announce_table;
	c.protocol = an.proto = m->global.announce_proto;
	c.metric = m->global.announce_metric;
	snprintf(c.ifname, sizeof(c.ifname), "%s", m->global.announce_dev);
	if ((rc = dir_route_open(&an.r, &c, err, sizeof(err))) < 0)
		return err_set(e, rc, "global.announce: %s", err[0] ? err :
		    "out of memory");
	an.ev_run = event_new(base, -1, 0, on_run, NULL);
	an.ev_retry = evtimer_new(base, on_run, NULL);
	an.ev_tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	if (an.ev_run == NULL || an.ev_retry == NULL || an.ev_tick == NULL ||
	    mon_event_subscribe_mask(on_event, NULL, MON_EVENT_MASK_DEFAULT |
	    MON_EVENT_MASK(MON_EV_CHECK)) < 0) {
		mon_announce_close();
		return err_set(e, -ENOMEM, "out of memory");
	}
	if (m->global.reconcile_ms > 0) {
		struct timeval tv = { m->global.reconcile_ms / 1000,
		    (m->global.reconcile_ms % 1000) * 1000 };

		evtimer_add(an.ev_tick, &tv);
	}
	if ((rc = read_kernel(1)) < 0) {
		mon_announce_close();
		return err_set(e, rc, "global.announce: cannot read routing "
		    "table %u", c.table);
	}
	reconcile();
	return 0;
}

void
mon_announce_exit(struct mon_model *m)
{
	if (an.r == NULL)
		return;
	if (m->global.on_exit != MON_ON_EXIT_FLUSH) {
		if (an.nvips > 0)
			mon_info("lvsmond: routes kept (on_exit = \"keep\"): "
			    "a restart adopts them; drain-director first to "
			    "take this director out");
		return;
	}
	an.exiting = 1;
	reconcile();
}

void
mon_announce_close(void)
{
	mon_event_unsubscribe(on_event, NULL);
	if (an.ev_run != NULL)
		event_free(an.ev_run);
	if (an.ev_retry != NULL)
		event_free(an.ev_retry);
	if (an.ev_tick != NULL)
		event_free(an.ev_tick);
	dir_route_close(an.r);
	free(an.vips);
	memset(&an, 0, sizeof(an));
}

int
mon_announce_drain(int drained, struct err *e)
{
	if (an.r == NULL)
		return err_set(e, -ENOENT, "no route to withdraw: "
		    "global.announce is not configured");
	if (an.drained == drained)
		return 0;
	an.drained = drained;
	mon_info("lvsmond: director %s by lvsmonctl", drained ? "drained: "
	    "withdrawing every announced VIP" : "undrained: announcing "
	    "the VIPs that have quorum");
	an.why_up = "director undrained (undrain-director)";
	reconcile();
	an.why_up = NULL;
	return 0;
}

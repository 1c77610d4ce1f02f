/* monitor/event.c - the event bus (see event.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "model.h"

const char *const mon_event_type_names[MON_EV__COUNT] = {
	[MON_EV_STATE]		= "state",
	[MON_EV_ADMIN]		= "admin",
	[MON_EV_WEIGHT]		= "weight",
	[MON_EV_APPLIED]	= "applied",
	[MON_EV_BACKEND]	= "backend",
	[MON_EV_QUORUM]		= "quorum",
	[MON_EV_CHECK]		= "check",
	[MON_EV_SOURCE]		= "source",
	[MON_EV_RELOAD]		= "reload",
	[MON_EV_ROLE]		= "role",
	[MON_EV_PEER]		= "peer",
	[MON_EV_ROUTE]		= "route",
};

struct sub {
	mon_event_fn	 fn;
	void		*arg;
	unsigned	 mask;
};

/* A handful of subscribers: an array beats a list. */
static struct sub	*subs;
static size_t		 nsubs, cap;

/* The last MON_EVENT_RING numbered events (allocated at the first). */
static struct mon_event_rec	*ring;
static uint64_t			 last_seq;

int
mon_event_subscribe_mask(mon_event_fn fn, void *arg, unsigned mask)
{
	struct sub	*n;

	if (nsubs == cap) {
		size_t c = cap ? cap * 2 : 8;

		if ((n = realloc(subs, c * sizeof(*n))) == NULL)
			return -ENOMEM;
		subs = n;
		cap = c;
	}
	subs[nsubs++] = (struct sub){ fn, arg, mask };
	return 0;
}

int
mon_event_subscribe(mon_event_fn fn, void *arg)
{
	return mon_event_subscribe_mask(fn, arg, MON_EVENT_MASK_DEFAULT);
}

void
mon_event_unsubscribe(mon_event_fn fn, void *arg)
{
	for (size_t i = 0; i < nsubs; i++)
		if (subs[i].fn == fn && subs[i].arg == arg) {
			/* shift, not swap: delivery order is subscription
			   order */
			memmove(&subs[i], &subs[i + 1],
			    (nsubs - i - 1) * sizeof(*subs));
			nsubs--;
			return;
		}
}

/* Keep a copy of ev (numbered) in the ring. */
static void
keep(const struct mon_event *ev)
{
	struct mon_event_rec	*r;

	if (ring == NULL &&
	    (ring = calloc(MON_EVENT_RING, sizeof(*ring))) == NULL)
		return;		/* no catch-up, the stream still works */
	r = &ring[ev->seq % MON_EVENT_RING];
	r->ev = *ev;
	r->ev.svc = NULL;
	r->ev.rs = NULL;
	snprintf(r->svc, sizeof(r->svc), "%s", ev->svc ? ev->svc->name : "");
	snprintf(r->rs, sizeof(r->rs), "%s", ev->rs ? ev->rs->key : "");
	snprintf(r->text, sizeof(r->text), "%s", ev->msg);
	r->ev.msg = r->text;
}

void
mon_event_emit(struct mon_event *ev)
{
	unsigned	bit = MON_EVENT_MASK(ev->type);

	if (ev->time.tv_sec == 0)
		clock_gettime(CLOCK_REALTIME, &ev->time);
	if (ev->msg == NULL)
		ev->msg = "";
	if (ev->type != MON_EV_CHECK) {
		ev->seq = ++last_seq;
		keep(ev);
	}
	/* a subscriber may unsubscribe itself (a stream whose client has
	   gone): step on only if slot i still holds the one just called */
	for (size_t i = 0; i < nsubs;) {
		struct sub s = subs[i];

		if (s.mask & bit)
			s.fn(ev, s.arg);
		if (i < nsubs && subs[i].fn == s.fn && subs[i].arg == s.arg)
			i++;
	}
}

uint64_t
mon_event_since(uint64_t after,
    void (*fn)(const struct mon_event_rec *r, void *arg), void *arg)
{
	uint64_t	oldest;

	if (ring == NULL || last_seq == 0)
		return 0;
	oldest = last_seq > MON_EVENT_RING ? last_seq - MON_EVENT_RING + 1 :
	    1;
	if (fn == NULL)
		return oldest;
	for (uint64_t s = after + 1 > oldest ? after + 1 : oldest;
	    s <= last_seq; s++)
		fn(&ring[s % MON_EVENT_RING], arg);
	return oldest;
}

uint64_t
mon_event_last_seq(void)
{
	return last_seq;
}

void
mon_event_reset(void)
{
	free(subs);
	subs = NULL;
	nsubs = cap = 0;
	free(ring);
	ring = NULL;
	last_seq = 0;
}

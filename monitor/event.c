/* monitor/event.c - the event bus (see event.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

const char *const mon_event_type_names[MON_EV__COUNT] = {
	[MON_EV_STATE]		= "state",
	[MON_EV_ADMIN]		= "admin",
	[MON_EV_WEIGHT]		= "weight",
	[MON_EV_APPLIED]	= "applied",
	[MON_EV_BACKEND]	= "backend",
	[MON_EV_QUORUM]		= "quorum",
};

struct sub {
	mon_event_fn	 fn;
	void		*arg;
};

/* A handful of subscribers: an array beats a list. */
static struct sub	*subs;
static size_t		 nsubs, cap;

int
mon_event_subscribe(mon_event_fn fn, void *arg)
{
	struct sub	*n;

	if (nsubs == cap) {
		cap = cap ? cap * 2 : 8;
		if ((n = realloc(subs, cap * sizeof(*n))) == NULL)
			return -ENOMEM;
		subs = n;
	}
	subs[nsubs++] = (struct sub){ fn, arg };
	return 0;
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

void
mon_event_emit(struct mon_event *ev)
{
	if (ev->time.tv_sec == 0)
		clock_gettime(CLOCK_REALTIME, &ev->time);
	if (ev->msg == NULL)
		ev->msg = "";
	/* a subscriber may unsubscribe itself (a stream whose client has
	   gone): step on only if slot i still holds the one just called */
	for (size_t i = 0; i < nsubs;) {
		struct sub s = subs[i];

		s.fn(ev, s.arg);
		if (i < nsubs && subs[i].fn == s.fn && subs[i].arg == s.arg)
			i++;
	}
}

void
mon_event_reset(void)
{
	free(subs);
	subs = NULL;
	nsubs = cap = 0;
}

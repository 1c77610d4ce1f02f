/*
 * monitor/state.h - the state file: ids and hand-made settings that survive
 * a restart (format in state.c).
 */
#ifndef MON_STATE_H
#define MON_STATE_H

#include <event2/event.h>

#include "model.h"

/*
 * Give every service and real its id (from the file where it is listed, a
 * fresh one otherwise) and restore admin state and weights set by hand.
 * A missing file is a first start.  A file lvsmond wrote that is no longer
 * whole (cut short, changed: its end line disagrees) is refused whole,
 * logged and renamed FILE.bad: everything starts from the config.  Returns
 * 0, -EINVAL if some lines were unreadable (logged with file:line, skipped)
 * or the file was refused, or -ENOMEM.
 */
int	mon_state_load(struct mon_model *m, const char *path);

/*
 * Save after the current loop turn: an operator's command first reaches
 * the kernel (apply.c's batch was queued before), then the file is written.
 * A save that fails is logged once and retried every 5 s until it works.
 * Without mon_state_defer_open() (tests), mon_state_dirty() saves at once.
 */
int	mon_state_defer_open(struct mon_model *m, struct event_base *base);
void	mon_state_defer_close(void);
void	mon_state_dirty(struct mon_model *m);

/* Write the file atomically (tmp, fsync, rename). */
int	mon_state_save(const struct mon_model *m, const char *path,
	    struct err *e);

#endif

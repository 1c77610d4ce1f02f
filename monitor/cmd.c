/*
 * monitor/cmd.c - the state-changing commands, one path for every front end
 * (the control socket today, SNMP SET tomorrow), so they behave alike.
 */
#include <errno.h>

#include "control.h"
#include "resource.h"
#include "state.h"

/*
 * What an operator sets must outlive a restart.  The change is already in
 * effect; the file is written after this loop turn (state.h), and one that
 * cannot be written is logged, not undone.
 */
static void
persist(struct mon_model *m)
{
	mon_state_dirty(m);
}

static int
find(struct mon_model *m, const char *svc, const char *server,
    struct mon_real **out, struct err *e)
{
	struct mon_service	*s;

	if ((s = mon_model_service(m, svc)) == NULL)
		return err_set(e, -ENOENT, "unknown service '%s'", svc);
	if ((*out = mon_model_real(s, server)) == NULL)
		return err_set(e, -ENOENT, "service %s has no real server "
		    "'%s' (write addr:port or [v6addr]:port)", svc, server);
	return 0;
}

int
mon_cmd_set_weight(struct mon_model *m, const char *svc, const char *server,
    int weight, struct err *e)
{
	struct mon_real	*rs;
	int		 rc;

	if (weight < -1 || weight > (int)DIR_WEIGHT_MAX)
		return err_set(e, -EINVAL, "weight %d not in 0..%u", weight,
		    DIR_WEIGHT_MAX);
	if ((rc = find(m, svc, server, &rs, e)) < 0)
		return rc;
	mon_rs_set_weight(rs, weight);
	persist(m);
	return 0;
}

int
mon_cmd_set_admin(struct mon_model *m, const char *svc, const char *server,
    enum mon_admin to, struct err *e)
{
	struct mon_real	*rs;
	int		 rc;

	if ((rc = find(m, svc, server, &rs, e)) < 0)
		return rc;
	mon_rs_set_admin(rs, to);
	persist(m);
	return 0;
}

/*
 * t/unit/monitor_reload.c - a reload matches services and reals by what they
 * are, keeps ids, runtime and running checks of what stays, restarts only
 * changed checks, drains what was removed, and changes nothing when the new
 * file is bad.  No packet core here (apply.c is not open): the kernel side
 * is t/e2e/reload.t.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "monitor/event.h"
#include "monitor/log.h"
#include "monitor/model.h"
#include "monitor/reload.h"
#include "monitor/resource.h"
#include "monitor/sched.h"
#include "monitor/weightsrc.h"

static char		 dir[] = "/tmp/lvsmon-reload-XXXXXX";
static char		 conf[128], state[128];
static struct event_base *base;

static void
write_conf(const char *fmt, ...)
{
	FILE	*f = fopen(conf, "w");
	va_list	 ap;

	assert_non_null(f);
	fprintf(f, "global = { state_file = \"%s\"; };\n", state);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* Load, give ids as the daemon's start would (file order), arm checks. */
static void
start(struct mon_model *m)
{
	struct err	e = { "" };

	if (mon_model_load(m, conf, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(mon_sched_start(m, base), 0);
}

static void
stop(struct mon_model *m)
{
	mon_sched_stop(m);
	mon_model_free(m);
	mon_event_reset();
}

static int
reload(struct mon_model *m, struct mon_reload_result *res)
{
	struct err	e = { "" };
	int		rc = mon_reload(m, res, &e);

	if (rc < 0)
		fail_msg("reload: %s", e.msg);
	return rc;
}

#define CHECK(iv) "check = { type = \"tcp\"; interval = " iv "; };"
#define SVC(name, vip, chk, reals) "{ name = \"" name "\"; address = \"" \
	vip "\"; port = 80; " chk " real_servers = ( " reals " ); }"
#define R(x, w) "{ address = \"198.51.100." #x "\"; port = 8080; " \
	"weight = " #w "; }"
#define RC(x, w, iv) "{ address = \"198.51.100." #x "\"; port = 8080; " \
	"weight = " #w "; check = { type = \"tcp\"; interval = " iv "; }; }"

static struct mon_real *
real(struct mon_model *m, const char *svc, int x)
{
	char	key[32];

	snprintf(key, sizeof(key), "198.51.100.%d:8080", x);
	assert_non_null(mon_model_service(m, svc));
	return mon_model_real(mon_model_service(m, svc), key);
}

static void
a_weight_change_keeps_ids_state_admin_and_running_checks(void **st)
{
	struct mon_model		 m;
	struct mon_reload_result	 res;
	struct mon_real			*r1, *r2;
	struct probe			*p1, *p2;
	uint32_t			 id1, id2, sid;

	(void)st;
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1"),
	    R(11, 10) "," R(12, 10)) " );\n");
	start(&m);
	r1 = real(&m, "web", 11);
	r2 = real(&m, "web", 12);
	mon_rs_verdict(r1, 1, -1, CHK_R_OK, "ok", 1);	/* decisive: up */
	mon_rs_verdict(r2, 1, -1, CHK_R_OK, "ok", 1);
	mon_rs_verdict(r2, 0, -1, CHK_R_CONNREFUSED, "refused", 1);
	assert_int_equal(r2->state, MON_RS_FALLING);
	mon_rs_set_admin(r1, MON_ADMIN_DRAIN);
	id1 = r1->id;
	id2 = r2->id;
	sid = m.svcs[0].id;
	p1 = r1->probe;
	p2 = r2->probe;

	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1"),
	    R(11, 10) "," R(12, 30)) " );\n");
	assert_int_equal(reload(&m, &res), 0);
	r1 = real(&m, "web", 11);
	r2 = real(&m, "web", 12);
	assert_int_equal(res.changed, 1);
	assert_int_equal(res.added + res.removed, 0);
	assert_int_equal(res.kept_checks, 2);
	assert_int_equal(res.restarted_checks, 0);
	assert_int_equal(m.svcs[0].id, sid);
	assert_int_equal(r1->id, id1);
	assert_int_equal(r2->id, id2);
	/* the very same check objects run on, pointing at the new reals */
	assert_ptr_equal(r1->probe, p1);
	assert_ptr_equal(r2->probe, p2);
	assert_ptr_equal(p1->rs, r1);
	assert_ptr_equal(p2->rs, r2);
	assert_non_null(p1->ev_next);
	/* state, count, admin kept; the new weight in effect */
	assert_int_equal(r1->admin, MON_ADMIN_DRAIN);
	assert_int_equal(r1->eff_weight, 0);
	assert_int_equal(r2->state, MON_RS_FALLING);
	assert_int_equal(r2->count, 1);
	assert_int_equal(r2->weight, 30);
	assert_int_equal(r2->eff_weight, 30);
	assert_string_equal(r2->last_msg, "refused");
	stop(&m);
}

static void
a_changed_check_restarts_only_that_check(void **st)
{
	struct mon_model		 m;
	struct mon_reload_result	 res;
	struct mon_real			*r1, *r2;
	struct probe			*p1, *p2;

	(void)st;
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1"),
	    R(11, 10) "," RC(12, 10, "1")) " );\n");
	start(&m);
	r1 = real(&m, "web", 11);
	r2 = real(&m, "web", 12);
	mon_rs_verdict(r1, 1, -1, CHK_R_OK, "ok", 1);
	mon_rs_verdict(r2, 1, -1, CHK_R_OK, "ok", 1);
	mon_rs_verdict(r2, 0, -1, CHK_R_CONNREFUSED, "refused", 1);
	p1 = r1->probe;
	p2 = r2->probe;

	/* the same text written differently changes nothing */
	write_conf("services = (\n  " SVC("web", "203.0.113.10",
	    "check = { interval = 1.0; type = \"tcp\"; };",
	    R(11, 10) ",\n  " RC(12, 10, "1.0")) " );\n");
	assert_int_equal(reload(&m, &res), 0);
	assert_int_equal(res.changed, 0);
	assert_ptr_equal(real(&m, "web", 12)->probe, p2);

	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1"),
	    R(11, 10) "," RC(12, 10, "0.5")) " );\n");
	assert_int_equal(reload(&m, &res), 0);
	r1 = real(&m, "web", 11);
	r2 = real(&m, "web", 12);
	assert_int_equal(res.changed, 1);
	assert_int_equal(res.kept_checks, 1);
	assert_int_equal(res.restarted_checks, 1);
	assert_ptr_equal(r1->probe, p1);
	assert_ptr_not_equal(r2->probe, NULL);
	assert_int_equal(r2->probe->interval_ms, 500);
	assert_non_null(r2->probe->ev_next);	/* armed */
	assert_ptr_equal(r2->probe->rs, r2);
	/* a new check counts afresh; what the old one found stays */
	assert_int_equal(r2->count, 0);
	assert_int_equal(r2->state, MON_RS_FALLING);
	assert_int_equal(r1->state, MON_RS_UP);
	stop(&m);
}

static void
new_reals_start_down_removed_ones_drain_or_go(void **st)
{
	struct mon_model		 m;
	struct mon_reload_result	 res;
	struct mon_real			*r1, *r2, *r3;
	uint32_t			 id1, id2, maxid;

	(void)st;
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1"),
	    R(11, 10) "," R(12, 10)) "," SVC("api", "203.0.113.11",
	    CHECK("1"), R(21, 10) "," R(22, 10)) " );\n");
	start(&m);
	r1 = real(&m, "web", 11);
	r2 = real(&m, "web", 12);
	mon_rs_verdict(r1, 1, -1, CHK_R_OK, "ok", 1);
	mon_rs_verdict(r2, 0, -1, CHK_R_CONNREFUSED, "refused", 1);
	id1 = r1->id;
	id2 = r2->id;
	maxid = real(&m, "api", 22)->id;

	/* web: 11 removed (drain, the default), 13 new; api removes 22 with
	   on_remove = "remove" */
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1"),
	    R(12, 10) "," R(13, 10)) "," SVC("api", "203.0.113.11",
	    CHECK("1") " on_remove = \"remove\";", R(21, 10)) " );\n");
	assert_int_equal(reload(&m, &res), 0);
	assert_int_equal(res.added, 1);
	assert_int_equal(res.removed, 2);
	assert_int_equal(res.draining, 1);
	r2 = real(&m, "web", 12);
	r3 = real(&m, "web", 13);
	assert_null(real(&m, "web", 11));
	assert_null(real(&m, "api", 22));
	/* a failed server is not brought back by a reload */
	assert_int_equal(r2->id, id2);
	assert_int_equal(r2->state, MON_RS_DOWN);
	assert_int_equal(r2->eff_weight, 0);
	/* a new one starts down, with an id nobody had */
	assert_int_equal(r3->state, MON_RS_DOWN);
	assert_int_equal(r3->decided, 0);
	assert_true(r3->id > maxid);
	/* the removed one is still in the kernel's table, at weight 0 */
	assert_int_equal(m.svcs[0].nleaving, 1);
	assert_int_equal(m.svcs[0].leaving[0].id, id1);
	assert_int_equal(mon_model_service(&m, "api")->nleaving, 0);
	{
		struct dir_table t;
		int found = 0;

		assert_int_equal(mon_model_dir_table(&m, &t), 0);
		for (size_t i = 0; i < t.svcs[0].nreals; i++)
			if (t.svcs[0].reals[i].id == id1) {
				found = 1;
				assert_int_equal(t.svcs[0].reals[i].weight, 0);
			}
		assert_true(found);
		dir_table_free(&t);
	}

	/* back while it drains: its old id (its conntrack mark) again */
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1"),
	    R(11, 10) "," R(12, 10) "," R(13, 10)) "," SVC("api",
	    "203.0.113.11", CHECK("1"), R(21, 10)) " );\n");
	assert_int_equal(reload(&m, &res), 0);
	assert_int_equal(real(&m, "web", 11)->id, id1);
	assert_int_equal(m.svcs[0].nleaving, 0);
	stop(&m);
}

static void
a_bad_file_changes_nothing(void **st)
{
	struct mon_model		 m;
	struct mon_reload_result	 res;
	struct mon_service		*svcs;
	struct probe			*p1;
	struct err			 e = { "" };
	char				 want[160];

	(void)st;
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1"),
	    R(11, 10) "," R(12, 10)) " );\n");
	start(&m);
	svcs = m.svcs;
	p1 = m.svcs[0].reals[0].probe;

	/* a syntax error on line 3 (global is line 1) */
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1"),
	    R(11, 10) "," R(12, 10)) "\n\n  { name = ; } );\n");
	assert_true(mon_reload(&m, &res, &e) < 0);
	snprintf(want, sizeof(want), "%s:4: syntax error", conf);
	assert_non_null(strstr(e.msg, want));
	assert_ptr_equal(m.svcs, svcs);
	assert_ptr_equal(m.svcs[0].reals[0].probe, p1);
	assert_non_null(p1->ev_next);

	/* valid syntax, invalid value: file:line, the key, nothing changed */
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1"),
	    R(11, 10) ",\n" R(12, 70000)) " );\n");
	e.msg[0] = '\0';
	assert_true(mon_reload(&m, &res, &e) < 0);
	assert_non_null(strstr(e.msg, ":3:"));
	assert_non_null(strstr(e.msg, "weight"));
	assert_ptr_equal(m.svcs, svcs);
	assert_int_equal(m.svcs[0].reals[1].weight, 10);
	stop(&m);
}

static void
reordering_moves_no_id(void **st)
{
	struct mon_model		 m;
	struct mon_reload_result	 res;
	uint32_t			 ids[4], sweb, sapi;

	(void)st;
	write_conf("services = ( " SVC("web", "203.0.113.10", "",
	    R(11, 10) "," R(12, 10)) "," SVC("api", "203.0.113.11", "",
	    R(21, 10) "," R(22, 10)) " );\n");
	start(&m);
	ids[0] = real(&m, "web", 11)->id;
	ids[1] = real(&m, "web", 12)->id;
	ids[2] = real(&m, "api", 21)->id;
	ids[3] = real(&m, "api", 22)->id;
	sweb = mon_model_service(&m, "web")->id;
	sapi = mon_model_service(&m, "api")->id;

	write_conf("services = ( " SVC("api", "203.0.113.11", "",
	    R(22, 10) "," R(21, 10)) "," SVC("web", "203.0.113.10", "",
	    R(12, 10) "," R(11, 10)) " );\n");
	assert_int_equal(reload(&m, &res), 0);
	assert_int_equal(res.changed + res.added + res.removed, 0);
	assert_int_equal(mon_model_service(&m, "web")->id, sweb);
	assert_int_equal(mon_model_service(&m, "api")->id, sapi);
	assert_int_equal(real(&m, "web", 11)->id, ids[0]);
	assert_int_equal(real(&m, "web", 12)->id, ids[1]);
	assert_int_equal(real(&m, "api", 21)->id, ids[2]);
	assert_int_equal(real(&m, "api", 22)->id, ids[3]);
	/* no check: always up, before and after */
	assert_int_equal(real(&m, "web", 11)->state, MON_RS_UP);
	stop(&m);
}

static size_t		 nreloads;
static size_t		 prev_nreals;
static size_t		 nstates;

static void
on_ev(const struct mon_event *ev, void *arg)
{
	(void)arg;
	if (ev->type == MON_EV_STATE)
		nstates++;
	if (ev->type != MON_EV_RELOAD)
		return;
	nreloads++;
	assert_non_null(mon_reload_previous());
	prev_nreals = mon_model_nreals(mon_reload_previous());
}

static void
rooms_hear_of_it_with_the_previous_model_and_no_state_events(void **st)
{
	struct mon_model		 m;
	struct mon_reload_result	 res;

	(void)st;
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1"),
	    R(11, 10) "," R(12, 10)) " );\n");
	start(&m);
	mon_rs_verdict(real(&m, "web", 11), 1, -1, CHK_R_OK, "ok", 1);
	assert_int_equal(mon_event_subscribe(on_ev, NULL), 0);
	nreloads = nstates = 0;
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1"),
	    R(11, 10) "," R(12, 10) "," R(13, 1)) " );\n");
	assert_int_equal(reload(&m, &res), 0);
	assert_int_equal(nreloads, 1);
	assert_int_equal(prev_nreals, 2);
	assert_int_equal(nstates, 0);
	assert_null(mon_reload_previous());
	assert_string_equal(res.summary, "1 services, 3 reals, +1 -0 ~0");
	/* a check removed: the server is up (no check, always up) */
	write_conf("services = ( " SVC("web", "203.0.113.10", "",
	    R(11, 10) "," R(12, 10) "," R(13, 1)) " );\n");
	assert_int_equal(reload(&m, &res), 0);
	assert_int_equal(real(&m, "web", 12)->state, MON_RS_UP);
	assert_null(real(&m, "web", 12)->probe);
	assert_int_equal(nstates, 2);	/* 12 and 13: down -> up */
	stop(&m);
}

#define AGENT(iv) "agent = { port = 10000; interval = " iv "; };"

static void
an_agent_and_what_the_sources_said_stay(void **st)
{
	struct mon_model		 m;
	struct mon_reload_result	 res;
	struct mon_real			*r1, *r2;
	struct probe			*a1, *a2;
	struct probe_result		 pr = { .verdict = CHK_V_OK,
					    .weight_hint = -1 };

	(void)st;
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1")
	    AGENT("2"), R(11, 10) "," R(12, 10)) " );\n");
	start(&m);
	r1 = real(&m, "web", 11);
	r2 = real(&m, "web", 12);
	mon_rs_verdict(r1, 1, -1, CHK_R_OK, "ok", 1);
	mon_rs_verdict(r2, 1, -1, CHK_R_OK, "ok", 1);
	snprintf(pr.msg, sizeof(pr.msg), "drain # deploy");
	mon_ws_agent_done(r1, &pr, 1);
	snprintf(pr.msg, sizeof(pr.msg), "50%%");
	mon_ws_agent_done(r2, &pr, 1);
	assert_int_equal(r1->eff_weight, 0);
	assert_int_equal(r2->eff_weight, 5);
	a1 = r1->agent;
	a2 = r2->agent;
	assert_non_null(a1);
	assert_non_null(a1->ev_next);

	/* another weight for 12: the agents run on, what they said holds */
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1")
	    AGENT("2"), R(11, 10) "," R(12, 30)) " );\n");
	assert_int_equal(reload(&m, &res), 0);
	r1 = real(&m, "web", 11);
	r2 = real(&m, "web", 12);
	assert_ptr_equal(r1->agent, a1);
	assert_ptr_equal(r2->agent, a2);
	assert_ptr_equal(a1->rs, r1);
	assert_ptr_equal(a2->rs, r2);
	assert_int_equal(r1->ws.agent.admin, MON_WS_DRAIN);
	assert_string_equal(r1->ws.agent_msg, "drain # deploy");
	assert_int_equal(r1->eff_weight, 0);
	assert_int_equal(r2->eff_weight, 15);	/* 50% of the new 30 */

	/* another agent interval: a new agent, armed; the word stays */
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1")
	    AGENT("3"), R(11, 10) "," R(12, 30)) " );\n");
	assert_int_equal(reload(&m, &res), 0);
	r1 = real(&m, "web", 11);
	assert_ptr_not_equal(r1->agent, a1);
	assert_non_null(r1->agent);
	assert_int_equal(r1->agent->interval_ms, 3000);
	assert_non_null(r1->agent->ev_next);
	assert_ptr_equal(r1->agent->rs, r1);
	assert_ptr_equal(r1->probe->rs, r1);	/* the check was kept */
	assert_int_equal(res.kept_checks, 2);
	assert_int_equal(r1->ws.agent.admin, MON_WS_DRAIN);
	assert_int_equal(r1->eff_weight, 0);
	stop(&m);
}

static void
a_slow_start_under_way_goes_on(void **st)
{
	struct mon_model		 m;
	struct mon_reload_result	 res;
	struct mon_real			*r1;
	struct timespec			 t0;

	(void)st;
	assert_int_equal(mon_slowstart_open(base), 0);
	write_conf("services = ( " SVC("web", "203.0.113.10",
	    "check = { type = \"tcp\"; interval = 1; rise = 1; fall = 1; };"
	    " slow_start = 60;", R(11, 100) "," R(12, 10)) " );\n");
	start(&m);
	r1 = real(&m, "web", 11);
	mon_rs_verdict(r1, 1, -1, CHK_R_OK, "ok", 1);	/* up, no ramp */
	mon_rs_verdict(r1, 0, -1, CHK_R_CONNREFUSED, "refused", 1);
	mon_rs_verdict(r1, 1, -1, CHK_R_OK, "ok", 1);	/* back: ramp */
	assert_true(r1->ramping);
	assert_true(r1->eff_weight < 100);
	t0 = r1->ramp_start;

	write_conf("services = ( " SVC("web", "203.0.113.10",
	    "check = { type = \"tcp\"; interval = 1; rise = 1; fall = 1; };"
	    " slow_start = 60;", R(11, 100) "," R(12, 20)) " );\n");
	assert_int_equal(reload(&m, &res), 0);
	r1 = real(&m, "web", 11);
	assert_true(r1->ramping);
	assert_int_equal(r1->ramp_start.tv_sec, t0.tv_sec);
	assert_int_equal(r1->ramp_start.tv_nsec, t0.tv_nsec);
	assert_non_null(r1->ramp_ev);
	assert_true(evtimer_pending(r1->ramp_ev, NULL));
	assert_true(r1->eff_weight < 100);
	assert_int_equal(r1->target_weight, 100);

	/* slow_start removed: the ramp ends, full weight */
	write_conf("services = ( " SVC("web", "203.0.113.10",
	    "check = { type = \"tcp\"; interval = 1; rise = 1; fall = 1; };",
	    R(11, 100) "," R(12, 20)) " );\n");
	assert_int_equal(reload(&m, &res), 0);
	r1 = real(&m, "web", 11);
	assert_false(r1->ramping);
	assert_int_equal(r1->eff_weight, 100);
	mon_slowstart_close(&m);
	stop(&m);
}

static size_t	nquorum;

static void
on_quorum(const struct mon_event *ev, void *arg)
{
	(void)arg;
	if (ev->type == MON_EV_QUORUM)
		nquorum++;
}

static void
a_lost_quorum_and_its_sorry_server_stay(void **st)
{
	struct mon_model		 m;
	struct mon_reload_result	 res;
	struct mon_service		*s;
	struct mon_real			*sorry;
	uint32_t			 sorry_id;

	(void)st;
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1")
	    " quorum = 2; sorry_server = \"198.51.100.99:8080\";"
	    " sorry_weight = 5;", R(11, 10) "," R(12, 10)) " );\n");
	start(&m);
	mon_rs_verdict(real(&m, "web", 11), 1, -1, CHK_R_OK, "ok", 1);
	mon_rs_verdict(real(&m, "web", 12), 0, -1, CHK_R_CONNREFUSED, "no", 1);
	s = mon_model_service(&m, "web");
	assert_false(s->quorum_ok);
	assert_true(s->sorry_active);
	sorry_id = s->sorry->id;
	assert_int_equal(mon_event_subscribe(on_quorum, NULL), 0);
	nquorum = 0;

	/* a weight changed: quorum still lost, no quorum event, the sorry
	   server still last and serving alone */
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1")
	    " quorum = 2; sorry_server = \"198.51.100.99:8080\";"
	    " sorry_weight = 5;", R(11, 20) "," R(12, 10)) " );\n");
	assert_int_equal(reload(&m, &res), 0);
	s = mon_model_service(&m, "web");
	assert_int_equal(nquorum, 0);
	assert_false(s->quorum_ok);
	assert_true(s->sorry_active);
	assert_int_equal(s->nreals, 3);
	sorry = &s->reals[s->nreals - 1];
	assert_ptr_equal(s->sorry, sorry);
	assert_true(sorry->sorry);
	assert_int_equal(sorry->id, sorry_id);
	assert_int_equal(sorry->eff_weight, 5);
	assert_int_equal(real(&m, "web", 11)->eff_weight, 0);
	assert_int_equal(real(&m, "web", 11)->target_weight, 20);

	/* quorum = 1: the file itself regains it: one event */
	write_conf("services = ( " SVC("web", "203.0.113.10", CHECK("1")
	    " quorum = 1; sorry_server = \"198.51.100.99:8080\";"
	    " sorry_weight = 5;", R(11, 20) "," R(12, 10)) " );\n");
	assert_int_equal(reload(&m, &res), 0);
	s = mon_model_service(&m, "web");
	assert_int_equal(nquorum, 1);
	assert_true(s->quorum_ok);
	assert_false(s->sorry_active);
	assert_int_equal(s->sorry->eff_weight, 0);
	assert_int_equal(real(&m, "web", 11)->eff_weight, 20);
	mon_event_unsubscribe(on_quorum, NULL);
	stop(&m);
}

static int
setup(void **st)
{
	(void)st;
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/lvsmond.conf", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	base = event_base_new();
	mon_log_open(1, LOG_WARNING);
	return 0;
}

static int
teardown(void **st)
{
	char	cmd[160];

	(void)st;
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    a_weight_change_keeps_ids_state_admin_and_running_checks),
		cmocka_unit_test(a_changed_check_restarts_only_that_check),
		cmocka_unit_test(new_reals_start_down_removed_ones_drain_or_go),
		cmocka_unit_test(a_bad_file_changes_nothing),
		cmocka_unit_test(reordering_moves_no_id),
		cmocka_unit_test(
		    rooms_hear_of_it_with_the_previous_model_and_no_state_events),
		cmocka_unit_test(an_agent_and_what_the_sources_said_stay),
		cmocka_unit_test(a_slow_start_under_way_goes_on),
		cmocka_unit_test(a_lost_quorum_and_its_sorry_server_stay),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * t/unit/monitor_weightsrc.c - the weight sources: the agent grammar
 * (HAProxy's words, in any order, the last of a kind wins), the agent's
 * sticky words and its "unreachable changes nothing" rule, weight files
 * (a number, NN%, down, drain; bad content has no effect) and the one rule
 * that combines them in mon_rs_weight(), seen as the weight an operator
 * would get in the kernel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "monitor/event.h"
#include "monitor/log.h"
#include "monitor/model.h"

extern const struct probe_type chk_tcp;
extern const struct probe_type chk_agent;

static struct mon_service	svc;
static struct mon_real		rs;
static struct probe		p, agent;
static char			dir[64];
static int			nsource;	/* MON_EV_SOURCE seen */
static char			last_src[160];

static void
record(const struct mon_event *ev, void *arg)
{
	(void)arg;
	if (ev->type == MON_EV_SOURCE) {
		nsource++;
		snprintf(last_src, sizeof(last_src), "%s", ev->msg);
	}
}

static int
setup(void **state)
{
	(void)state;
	mon_log_open(1, LOG_EMERG);	/* quiet: tests read the fields */
	memset(&svc, 0, sizeof(svc));
	memset(&rs, 0, sizeof(rs));
	memset(&p, 0, sizeof(p));
	memset(&agent, 0, sizeof(agent));
	svc.name = "web";
	svc.reals = &rs;
	svc.nreals = 1;
	rs.svc = &svc;
	rs.weight = 20;
	snprintf(rs.key, sizeof(rs.key), "198.51.100.11:8080");
	p.type = &chk_tcp;
	p.rise = p.fall = 1;
	agent.type = &chk_agent;
	rs.probe = &p;
	rs.agent = &agent;
	mon_rs_init(&rs);
	mon_rs_verdict(&rs, 1, -1, CHK_R_OK, "ok", 1);	/* up */
	nsource = 0;
	last_src[0] = '\0';
	snprintf(dir, sizeof(dir), "/tmp/lvsmon-ws-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return mon_event_subscribe(record, NULL);
}

static int
teardown(void **state)
{
	char	path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/w", dir);
	unlink(path);
	rmdir(dir);
	mon_ws_free(&rs.ws);
	mon_event_reset();
	return 0;
}

/* An agent run that answered line. */
static void
reply(const char *line)
{
	struct probe_result	r = { .verdict = CHK_V_OK, .weight_hint = -1,
				      .reason = CHK_R_OK };

	snprintf(r.msg, sizeof(r.msg), "%s", line);
	mon_ws_agent_done(&rs, &r, 1);
}

static void
unreachable(void)
{
	struct probe_result	r = { .verdict = CHK_V_FAIL, .weight_hint = -1,
				      .reason = CHK_R_CONNREFUSED,
				      .msg = "connect: ECONNREFUSED" };

	mon_ws_agent_done(&rs, &r, 1);
}

/* The weight file holds text (NULL: no file). */
static void
file(const char *text)
{
	char	path[128];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/w", dir);
	if (rs.ws.file.path == NULL)
		rs.ws.file.path = strdup(path);
	if (text == NULL)
		unlink(path);
	else {
		assert_non_null(f = fopen(path, "w"));
		fputs(text, f);
		fclose(f);
	}
	mon_ws_file_read(&rs);
}

static void
the_grammar_is_haproxys(void **state)
{
	struct mon_ws_said	s;
	char			err[128], t[64];

	(void)state;
	assert_int_equal(mon_ws_parse("75%\n", 0, &s, err, sizeof(err)), 1);
	assert_int_equal(s.pct, 75);
	assert_int_equal(s.abs, -1);
	assert_int_equal(s.oper, MON_WS_OPER_NONE);
	assert_int_equal(s.admin, MON_WS_ADMIN_NONE);

	/* several words, commas and blanks, any order, a description */
	assert_int_equal(mon_ws_parse("UP,drain\t weight:30 # backup runs\r\n",
	    0, &s, err, sizeof(err)), 3);
	assert_int_equal(s.oper, MON_WS_UP);
	assert_int_equal(s.admin, MON_WS_DRAIN);
	assert_int_equal(s.abs, 30);
	assert_int_equal(s.pct, -1);
	assert_string_equal(s.desc, "backup runs");
	mon_ws_said_text(&s, t, sizeof(t));
	assert_string_equal(t, "up drain 30");

	/* the last word of a kind wins */
	mon_ws_parse("down up 10% weight:50%", 0, &s, err, sizeof(err));
	assert_int_equal(s.oper, MON_WS_UP);
	assert_int_equal(s.pct, 50);
	mon_ws_parse("stopped # by hand", 0, &s, err, sizeof(err));
	assert_int_equal(s.oper, MON_WS_STOPPED);
	mon_ws_parse("fail maint ready", 0, &s, err, sizeof(err));
	assert_int_equal(s.oper, MON_WS_FAIL);
	assert_int_equal(s.admin, MON_WS_READY);

	/* maxconn is understood and ignored */
	assert_int_equal(mon_ws_parse("maxconn:30 80%", 0, &s, err,
	    sizeof(err)), 2);
	assert_int_equal(s.pct, 80);

	/* only the first line counts */
	mon_ws_parse("drain\nmaint", 0, &s, err, sizeof(err));
	assert_int_equal(s.admin, MON_WS_DRAIN);

	/* an agent's bare number is not a weight; a file's is */
	assert_int_equal(mon_ws_parse("40", 0, &s, err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(mon_ws_parse("40", MON_WS_BARE, &s, err,
	    sizeof(err)), 1);
	assert_int_equal(s.abs, 40);

	/* an unknown word is named; the good words still count */
	assert_int_equal(mon_ws_parse("drain bogus 50%", 0, &s, err,
	    sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown word \"bogus\""));
	assert_int_equal(s.admin, MON_WS_DRAIN);
	assert_int_equal(s.pct, 50);

	/* out of range */
	assert_int_equal(mon_ws_parse("weight:70000", 0, &s, err,
	    sizeof(err)), -EINVAL);
	assert_int_equal(mon_ws_parse("-5%", 0, &s, err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(mon_ws_parse("%", 0, &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(mon_ws_parse("", 0, &s, err, sizeof(err)), 0);
}

static void
an_agent_percentage_scales_the_configured_weight(void **state)
{
	(void)state;
	assert_int_equal(rs.eff_weight, 20);
	reply("75%");
	assert_int_equal(rs.eff_weight, 15);
	assert_int_equal(nsource, 1);
	assert_string_equal(last_src, "agent: - -> 75%");
	reply("75%");			/* the same again: no event */
	assert_int_equal(nsource, 1);
	reply("weight:7");
	assert_int_equal(rs.eff_weight, 7);
	reply("100%");
	assert_int_equal(rs.eff_weight, 20);
	reply("1%");			/* 0.2 rounds to 0: still serves */
	assert_int_equal(rs.eff_weight, 1);
	reply("0%");
	assert_int_equal(rs.eff_weight, 0);
	reply("500%");
	assert_int_equal(rs.eff_weight, 100);
}

static void
agent_words_stick_until_the_agent_takes_them_back(void **state)
{
	(void)state;
	reply("drain 50% # deploy");
	assert_int_equal(rs.eff_weight, 0);
	assert_string_equal(last_src, "agent: - -> drain 50%: deploy");
	reply("up");		/* up is health, not admin: still drained */
	assert_int_equal(rs.eff_weight, 0);
	reply("ready");		/* the 50% said earlier still holds */
	assert_int_equal(rs.eff_weight, 10);
	reply("down # disk full");
	assert_int_equal(rs.eff_weight, 0);
	assert_int_equal(rs.state, MON_RS_UP);	/* health is its own */
	reply("ready");		/* ready does not undo down */
	assert_int_equal(rs.eff_weight, 0);
	reply("up");
	assert_int_equal(rs.eff_weight, 10);
	reply("maint");
	assert_int_equal(rs.eff_weight, 0);
	reply("ready 100%");
	assert_int_equal(rs.eff_weight, 20);
}

static void
an_unreachable_agent_changes_nothing(void **state)
{
	(void)state;
	reply("drain");
	assert_int_equal(rs.eff_weight, 0);
	unreachable();
	assert_int_equal(rs.eff_weight, 0);	/* its last word stands */
	assert_int_equal(rs.ws.agent_reach, 0);
	assert_string_equal(rs.ws.agent_msg, "connect: ECONNREFUSED");
	reply("ready");
	assert_int_equal(rs.ws.agent_reach, 1);
	assert_int_equal(rs.eff_weight, 20);
	unreachable();
	assert_int_equal(rs.eff_weight, 20);
	/* garbage from a reachable agent changes nothing either */
	reply("I am a web server");
	assert_int_equal(rs.eff_weight, 20);
}

static void
a_weight_file_holds_a_weight_a_percentage_down_or_drain(void **state)
{
	(void)state;
	file("20\n");
	assert_int_equal(rs.ws.file.status, MON_WSF_OK);
	assert_int_equal(rs.eff_weight, 20);
	file("# set by deploy.sh\n\n5\n");
	assert_int_equal(rs.eff_weight, 5);
	assert_int_equal(rs.ws.file.line, 3);
	file("50%");
	assert_int_equal(rs.eff_weight, 10);
	file("down\n");
	assert_int_equal(rs.eff_weight, 0);
	file("drain\n");
	assert_int_equal(rs.eff_weight, 0);
	file(NULL);			/* gone: no effect */
	assert_int_equal(rs.ws.file.status, MON_WSF_MISSING);
	assert_int_equal(rs.eff_weight, 20);
	file("");			/* empty: no effect */
	assert_int_equal(rs.ws.file.status, MON_WSF_EMPTY);
	assert_int_equal(rs.eff_weight, 20);
}

static void
a_bad_weight_file_has_no_effect_and_names_its_line(void **state)
{
	(void)state;
	file("40");
	assert_int_equal(rs.eff_weight, 40);
	file("# comment\nforty\n");
	assert_int_equal(rs.ws.file.status, MON_WSF_BAD);
	assert_int_equal(rs.eff_weight, 20);
	assert_non_null(strstr(rs.ws.file.msg, "/w:2: unknown word "
	    "\"forty\""));
	file("70000");
	assert_int_equal(rs.ws.file.status, MON_WSF_BAD);
	assert_int_equal(rs.eff_weight, 20);
}

static void
the_rule_combines_every_source(void **state)
{
	(void)state;
	/* percentages multiply: 20 x 50% x 50% = 5 */
	reply("50%");
	file("50%");
	assert_int_equal(rs.eff_weight, 5);
	/* a file's absolute beats the agent's, the agent's % still scales */
	file("40");
	reply("weight:8 50%");		/* the last weight word wins: 50% */
	assert_int_equal(rs.eff_weight, 20);
	reply("weight:8");
	assert_int_equal(rs.eff_weight, 40);	/* the file's 40 */
	file(NULL);
	assert_int_equal(rs.eff_weight, 8);	/* the agent's 8 */
	/* an operator's weight beats both absolutes; percentages scale it */
	mon_rs_set_weight(&rs, 30);
	assert_int_equal(rs.eff_weight, 30);
	reply("50%");
	assert_int_equal(rs.eff_weight, 15);
	mon_rs_set_weight(&rs, -1);
	assert_int_equal(rs.eff_weight, 10);
	/* a check's weight (exec WARNING: 20 x 0.5) is scaled too */
	mon_rs_verdict(&rs, 1, 10, CHK_R_WARNING, "WARNING - slow", 1);
	assert_int_equal(rs.eff_weight, 5);
	mon_rs_verdict(&rs, 1, -1, CHK_R_OK, "ok", 1);
	assert_int_equal(rs.eff_weight, 10);
	/* health down wins over every weight, and comes back with them */
	mon_rs_verdict(&rs, 0, -1, CHK_R_CONNREFUSED, "refused", 1);
	assert_int_equal(rs.eff_weight, 0);
	mon_rs_verdict(&rs, 1, -1, CHK_R_OK, "ok", 1);
	assert_int_equal(rs.eff_weight, 10);
	/* the maintenance directory and the operator's disable */
	mon_ws_maint_set(&rs, "198.51.100.11");
	assert_int_equal(rs.eff_weight, 0);
	assert_string_equal(last_src, "maintenance: on (198.51.100.11)");
	mon_rs_set_admin(&rs, MON_ADMIN_DISABLED);
	mon_ws_maint_set(&rs, NULL);
	assert_int_equal(rs.eff_weight, 0);	/* still disabled */
	mon_rs_set_admin(&rs, MON_ADMIN_ENABLED);
	assert_int_equal(rs.eff_weight, 10);
	/* a file's down or drain, like the agent's */
	file("drain");
	assert_int_equal(rs.eff_weight, 0);
	file("maint");
	assert_int_equal(rs.eff_weight, 0);
	file(NULL);
	assert_int_equal(rs.eff_weight, 10);
}

static void
the_summary_says_what_each_source_does(void **state)
{
	char	buf[256];

	(void)state;
	mon_ws_summary(&rs, buf, sizeof(buf));
	assert_string_equal(buf, "agent (no reply yet)");
	reply("up 75%");
	file("50%");
	mon_ws_maint_set(&rs, "web@198.51.100.11:8080");
	mon_ws_summary(&rs, buf, sizeof(buf));
	assert_string_equal(buf, "agent up 75%, file 50%, maintenance "
	    "(web@198.51.100.11:8080)");
	unreachable();
	file("x");
	mon_ws_summary(&rs, buf, sizeof(buf));
	assert_string_equal(buf, "agent up 75% (unreachable), file (bad, "
	    "ignored), maintenance (web@198.51.100.11:8080)");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(the_grammar_is_haproxys),
		T(an_agent_percentage_scales_the_configured_weight),
		T(agent_words_stick_until_the_agent_takes_them_back),
		T(an_unreachable_agent_changes_nothing),
		T(a_weight_file_holds_a_weight_a_percentage_down_or_drain),
		T(a_bad_weight_file_has_no_effect_and_names_its_line),
		T(the_rule_combines_every_source),
		T(the_summary_says_what_each_source_does),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

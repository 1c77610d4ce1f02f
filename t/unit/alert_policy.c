/*
 * t/unit/alert_policy.c - the alarm policy without a lab: periods, the
 * config errors an operator reads, and alertafter / upalert driven through
 * the real state machine (mon_rs_verdict) with a syslog sink sending to a
 * UDP socket of this test on 127.0.0.1.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <event2/event.h>

#include "monitor/alert.h"
#include "monitor/event.h"
#include "monitor/model.h"

static char	path[64];

static const char *
write_conf(const char *text)
{
	int	fd;

	snprintf(path, sizeof(path), "/tmp/lvsmon-alert-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static struct tm
at(int wday, int hour, int min)
{
	struct tm	tm = { .tm_wday = wday, .tm_hour = hour, .tm_min = min };

	return tm;
}

static int
match(const char *period, int wday, int hour, int min)
{
	struct mon_alert_period	*p;
	struct err		 e = { "" };
	struct tm		 tm = at(wday, hour, min);
	int			 r;

	assert_int_equal(mon_alert_period_parse(period, &p, &e), 0);
	r = mon_alert_period_match(p, &tm);
	mon_alert_period_free(p);
	return r;
}

static void
periods_say_when_alarms_go_out(void **state)
{
	struct mon_alert_period	*p;
	struct err		 e = { "" };
	const char		*bad[] = { "Mon-Fri 25:00-26:00", "Funday",
				    "08:00-08:00", "Mon 8-", "Mon-Fri 08:00 18:00",
				    NULL };

	(void)state;
	assert_true(match("Mon-Fri 08:00-18:00", 3, 10, 0));
	assert_false(match("Mon-Fri 08:00-18:00", 6, 10, 0));
	assert_false(match("Mon-Fri 08:00-18:00", 1, 18, 0));
	assert_true(match("Mon-Fri 08:00-18:00", 1, 17, 59));
	/* past midnight: the night that starts on the listed day */
	assert_true(match("22:00-06:00", 2, 23, 0));
	assert_true(match("22:00-06:00", 3, 5, 59));
	assert_false(match("22:00-06:00", 3, 6, 0));
	assert_true(match("Fri 22:00-06:00", 6, 1, 0));
	assert_false(match("Fri 22:00-06:00", 0, 1, 0));
	assert_true(match("Sat,Sun", 0, 3, 0));
	assert_false(match("Sat,Sun", 1, 3, 0));
	assert_true(match("Mon-Fri 08:00-18:00; Sat 10:00-12:00", 6, 11, 0));
	assert_true(match("Fri-Mon", 0, 12, 0));	/* wraps the week */
	assert_false(match("Fri-Mon", 3, 12, 0));
	assert_true(match("*", 4, 4, 4));
	for (int i = 0; bad[i] != NULL; i++) {
		assert_int_equal(mon_alert_period_parse(bad[i], &p, &e),
		    -EINVAL);
		assert_non_null(strstr(e.msg, "expected windows like"));
	}
}

#define SVC \
    "services = ( { name = \"web\"; address = \"203.0.113.10\"; port = 80;\n" \
    "  check = { type = \"tcp\"; rise = 2; fall = 1; };\n" \
    "  real_servers = ( { address = \"198.51.100.11\"; port = 8080; } );\n"

static void
config_errors_name_line_entry_and_key(void **state)
{
	static const struct {
		const char	*text, *want;
	} cases[] = {
		{ SVC "} );\nalerts = ( { type = \"pager\"; } );\n",
		  ":5: alerts #1: type: unknown sink \"pager\" (one of syslog, "
		  "exec, webhook, mail, nagios, snmp)" },
		{ SVC "} );\nalerts = ( { type = \"exec\";\n"
		  "  command = \"mail.alert\"; } );\n",
		  ":5: alerts #1 (exec): command: \"mail.alert\" must be an "
		  "absolute path" },
		{ SVC "} );\nalerts = ( { type = \"webhook\";\n"
		  "  url = \"http://am.example.org:9093/api/v2/alerts\"; } );\n",
		  "the host must be an IP address (no DNS in the loop)" },
		{ SVC "} );\nalerts = ( { type = \"syslog\";\n"
		  "  services = [\"www\"]; } );\n",
		  ":6: alerts #1 (syslog): services: no service named \"www\"" },
		{ SVC "} );\nalerts = ( { type = \"syslog\";\n"
		  "  alertevry = 600; } );\n",
		  ":6: alerts #1 (syslog): alertevry: unknown key" },
		{ SVC "} );\nalerts = ( { type = \"mail\"; relay = \"127.0.0.1\";"
		  " } );\n",
		  "to: expected a list of 1..16 addresses" },
		{ SVC "  alertafter = 0; } );\n",
		  ":4: service web: alertafter: 0 not in 1..10000" },
		{ SVC "  period = \"Mon-Fri 9:7-17\"; } );\n",
		  "service web: period: \"Mon-Fri 9:7-17\": expected windows" },
		{ SVC "} );\nalerts = ( { type = \"syslog\"; "
		  "events = [\"real\", \"role\"]; } );\n",
		  "events: unknown \"role\"" },
	};
	struct mon_model	m;
	struct err		e = { "" };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(mon_model_load(&m, write_conf(cases[i].text),
		    &e), -EINVAL);
		unlink(path);
		if (strstr(e.msg, cases[i].want) == NULL)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, e.msg,
			    cases[i].want);
	}
}

static void
overrides_are_known_keys_of_services_and_reals(void **state)
{
	struct mon_model	m;
	struct err		e = { "" };

	(void)state;
	assert_int_equal(mon_model_load(&m, write_conf(
	    "services = ( { name = \"web\"; address = \"203.0.113.10\";\n"
	    "  port = 80; alertafter = 5; alertevery = 60; upalert = false;\n"
	    "  period = \"Mon-Fri 08:00-18:00\"; flap_changes = 0;\n"
	    "  real_servers = ( { address = \"198.51.100.11\"; port = 80;\n"
	    "    alertafter = 2; numalerts = 1; } ); } );\n"
	    "alerts = ( { type = \"syslog\"; address = \"127.0.0.1:5514\"; "
	    "name = \"noc\"; } );\n"), &e), 0);
	unlink(path);
	mon_model_free(&m);
}

/* ---- the policy through the state machine ------------------------------ */

struct rig {
	struct mon_model	 m;
	struct event_base	*base;
	int			 fd;
	struct mon_real		*rs;
};

static void
rig_up(struct rig *r, const char *extra)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	char			conf[1024];
	struct err		e = { "" };

	r->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(r->fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(r->fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_int_equal(getsockname(r->fd, (struct sockaddr *)&sin, &len),
	    0);
	snprintf(conf, sizeof(conf), SVC "} );\nalerts = ( { type = "
	    "\"syslog\"; address = \"127.0.0.1:%d\"; %s } );\n",
	    ntohs(sin.sin_port), extra);
	if (mon_model_load(&r->m, write_conf(conf), &e) < 0)
		fail_msg("%s", e.msg);
	unlink(path);
	r->base = event_base_new();
	assert_non_null(r->base);
	if (mon_alert_open(&r->m, r->base, &e) < 0)
		fail_msg("%s", e.msg);
	r->rs = &r->m.svcs[0].reals[0];
}

static void
rig_down(struct rig *r)
{
	mon_alert_close();
	mon_event_reset();
	event_base_free(r->base);
	mon_model_free(&r->m);
	close(r->fd);
}

/* One check result, then let the loop deliver. */
static void
check(struct rig *r, int ok)
{
	mon_rs_verdict(r->rs, ok, -1, ok ? CHK_R_OK : CHK_R_CONNREFUSED,
	    ok ? "connected" : "connect: ECONNREFUSED", 1);
	for (int i = 0; i < 4; i++)
		event_base_loop(r->base, EVLOOP_NONBLOCK);
}

/* Datagrams received since the last call, their kinds joined by ','. */
static char *
received(struct rig *r)
{
	static char	kinds[256];
	char		buf[2048];
	ssize_t		n;

	kinds[0] = '\0';
	while ((n = recv(r->fd, buf, sizeof(buf) - 1, 0)) > 0) {
		const char *k;

		buf[n] = '\0';
		if ((k = strstr(buf, " kind=\"")) != NULL)
			snprintf(kinds + strlen(kinds), sizeof(kinds) -
			    strlen(kinds), "%s%.*s", kinds[0] ? "," : "",
			    (int)strcspn(k + 7, "\""), k + 7);
	}
	return kinds;
}

static void
alertafter_3_means_one_alarm_at_the_third_failure(void **state)
{
	struct rig	r;

	(void)state;
	rig_up(&r, "alertafter = 3; events = [\"real\"];");
	check(&r, 1);
	assert_string_equal(received(&r), "");
	check(&r, 0);
	check(&r, 0);
	assert_string_equal(received(&r), "");
	check(&r, 0);
	assert_string_equal(received(&r), "down");
	for (int i = 0; i < 5; i++)
		check(&r, 0);
	assert_string_equal(received(&r), "");
	/* rise = 2: the first good check is not yet a recovery */
	check(&r, 1);
	assert_string_equal(received(&r), "");
	check(&r, 1);
	assert_string_equal(received(&r), "up");
	rig_down(&r);
}

static void
a_blip_shorter_than_alertafter_says_nothing(void **state)
{
	struct rig	r;

	(void)state;
	rig_up(&r, "alertafter = 3; events = [\"real\"];");
	check(&r, 1);
	check(&r, 0);
	check(&r, 0);
	check(&r, 1);
	check(&r, 1);
	check(&r, 0);
	check(&r, 0);
	check(&r, 1);
	check(&r, 1);
	assert_string_equal(received(&r), "");
	rig_down(&r);
}

static void
upalert_false_sends_no_recovery(void **state)
{
	struct rig	r;

	(void)state;
	rig_up(&r, "upalert = false; events = [\"real\"];");
	check(&r, 1);
	check(&r, 0);
	assert_string_equal(received(&r), "down");
	check(&r, 1);
	check(&r, 1);
	assert_string_equal(received(&r), "");
	rig_down(&r);
}

static void
a_disabled_real_does_not_alarm(void **state)
{
	struct rig	r;

	(void)state;
	rig_up(&r, "events = [\"real\"];");
	check(&r, 1);
	mon_rs_set_admin(r.rs, MON_ADMIN_DISABLED);
	check(&r, 0);
	check(&r, 0);
	assert_string_equal(received(&r), "");
	rig_down(&r);
}

static void
the_severity_filter_drops_warnings(void **state)
{
	struct rig	r;

	(void)state;
	/* a real down is a warning; quorum and the packet core critical */
	rig_up(&r, "severity = \"critical\";");
	check(&r, 1);
	check(&r, 0);
	assert_string_equal(received(&r), "down");	/* quorum lost */
	rig_down(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(periods_say_when_alarms_go_out),
		cmocka_unit_test(config_errors_name_line_entry_and_key),
		cmocka_unit_test(overrides_are_known_keys_of_services_and_reals),
		cmocka_unit_test(
		    alertafter_3_means_one_alarm_at_the_third_failure),
		cmocka_unit_test(a_blip_shorter_than_alertafter_says_nothing),
		cmocka_unit_test(upalert_false_sends_no_recovery),
		cmocka_unit_test(a_disabled_real_does_not_alarm),
		cmocka_unit_test(the_severity_filter_drops_warnings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

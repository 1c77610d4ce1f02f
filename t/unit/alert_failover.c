/*
 * t/unit/alert_failover.c - failover events as alarms, without a second
 * director: synthetic MON_EV_ROLE and MON_EV_PEER events on the bus (as
 * monitor/ha.c emits them) through the policy to a syslog sink sending
 * RFC 5424 datagrams to a UDP socket of this test on 127.0.0.1.  What is
 * checked is what a receiver reads: the alarm's name, kind, state, server,
 * severity and summary with the reason.
 */
#include <errno.h>
#include <fcntl.h>
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
#include <json-c/json.h>

#include "monitor/alert.h"
#include "monitor/event.h"
#include "monitor/ha.h"
#include "monitor/model.h"
#include "monitor/reload.h"
#include "monitor/sched.h"

#define SVC \
    "services = ( { name = \"web\"; address = \"203.0.113.10\"; port = 80;\n" \
    "  check = { type = \"tcp\"; rise = 2; fall = 1; };\n" \
    "  real_servers = ( { address = \"198.51.100.11\"; port = 8080; } );\n"

struct rig {
	struct mon_model	 m;
	struct event_base	*base;
	int			 fd;
	int			 port;
	char			 path[64];	/* kept: a reload reads it */
	char			 got[8][1024];	/* datagrams of the last turn */
	int			 n;
};

static void
write_conf(struct rig *r, const char *extra)
{
	char	conf[1024];
	int	fd;

	snprintf(conf, sizeof(conf), SVC "} );\nalerts = ( { type = "
	    "\"syslog\"; address = \"127.0.0.1:%d\"; format = \"rfc5424\"; "
	    "%s } );\n", r->port, extra);
	fd = open(r->path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, conf, strlen(conf)), (ssize_t)strlen(conf));
	close(fd);
}

static void
rig_up(struct rig *r, const char *extra)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	struct err		e = { "" };
	int			fd;

	memset(r, 0, sizeof(*r));
	r->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(r->fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(r->fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_int_equal(getsockname(r->fd, (struct sockaddr *)&sin, &len),
	    0);
	r->port = ntohs(sin.sin_port);
	snprintf(r->path, sizeof(r->path), "/tmp/lvsmon-alertha-XXXXXX");
	fd = mkstemp(r->path);
	assert_true(fd >= 0);
	close(fd);
	write_conf(r, extra);
	if (mon_model_load(&r->m, r->path, &e) < 0) {
		unlink(r->path);
		fail_msg("%s", e.msg);
	}
	r->base = event_base_new();
	assert_non_null(r->base);
	if (mon_alert_open(&r->m, r->base, &e) < 0)
		fail_msg("%s", e.msg);
}

static void
rig_down(struct rig *r)
{
	mon_alert_close();
	mon_event_reset();
	event_base_free(r->base);
	mon_model_free(&r->m);
	close(r->fd);
	unlink(r->path);
}

/* Emit one event as ha.c would, let the loop deliver, collect. */
static void
emit(struct rig *r, enum mon_event_type t, int64_t old, int64_t new,
    const char *msg)
{
	struct mon_event	ev = { .type = t, .old = old, .new = new,
				    .msg = msg };
	ssize_t			n;

	mon_event_emit(&ev);
	for (int i = 0; i < 4; i++)
		event_base_loop(r->base, EVLOOP_NONBLOCK);
	r->n = 0;
	while (r->n < 8 && (n = recv(r->fd, r->got[r->n],
	    sizeof(r->got[0]) - 1, 0)) > 0)
		r->got[r->n++][n] = '\0';
}

static void
has(const struct rig *r, int i, const char *want)
{
	assert_true(i < r->n);
	if (strstr(r->got[i], want) == NULL)
		fail_msg("datagram %d: want \"%s\" in \"%s\"", i, want,
		    r->got[i]);
}

static void
role_changes_are_notices_with_the_reason(void **state)
{
	struct rig	r;

	(void)state;
	rig_up(&r, "");
	emit(&r, MON_EV_ROLE, MON_HA_OFF, MON_HA_INIT, "started");
	assert_int_equal(r.n, 1);
	emit(&r, MON_EV_ROLE, MON_HA_INIT, MON_HA_BACKUP,
	    "peer 192.0.2.2 outranks us");
	assert_int_equal(r.n, 1);
	has(&r, 0, " LvsmonDirectorRole [lvsmon@8225");
	has(&r, 0, "kind=\"notice\"");
	has(&r, 0, "state=\"backup\"");
	has(&r, 0, "check=\"director\"");
	has(&r, 0, "severity=\"info\"");
	has(&r, 0, "] director init -> backup: peer 192.0.2.2 outranks us");
	/* LOG_DAEMON | LOG_NOTICE: news, not a failure */
	assert_int_equal(strncmp(r.got[0], "<29>1 ", 6), 0);
	emit(&r, MON_EV_ROLE, MON_HA_BACKUP, MON_HA_MASTER, "peer dead");
	assert_int_equal(r.n, 1);
	has(&r, 0, "state=\"master\"");
	has(&r, 0, "] director backup -> master: peer dead");
	rig_down(&r);
}

static void
fault_is_a_failure_and_leaving_it_the_recovery(void **state)
{
	struct rig	r;

	(void)state;
	rig_up(&r, "");
	emit(&r, MON_EV_ROLE, MON_HA_INIT, MON_HA_MASTER, "no peer heard");
	assert_int_equal(r.n, 1);
	emit(&r, MON_EV_ROLE, MON_HA_MASTER, MON_HA_FAULT,
	    "priority lowered to 0: backend unreachable");
	assert_int_equal(r.n, 1);
	has(&r, 0, " LvsmonDirectorFault [lvsmon@8225");
	has(&r, 0, "kind=\"down\"");
	has(&r, 0, "state=\"fault\"");
	has(&r, 0, "severity=\"critical\"");
	has(&r, 0, "] director master -> fault: priority lowered to 0: "
	    "backend unreachable");
	assert_int_equal(strncmp(r.got[0], "<26>1 ", 6), 0);	/* crit */
	/* the recovery stands for the notice: one alarm, not two */
	emit(&r, MON_EV_ROLE, MON_HA_FAULT, MON_HA_BACKUP, "health back");
	assert_int_equal(r.n, 1);
	has(&r, 0, " LvsmonDirectorFault [lvsmon@8225");
	has(&r, 0, "kind=\"up\"");
	has(&r, 0, "state=\"backup\"");
	has(&r, 0, "] director fault -> backup: health back");
	rig_down(&r);
}

static void
a_peer_going_silent_is_a_down_and_heard_again_an_up(void **state)
{
	struct rig	r;

	(void)state;
	rig_up(&r, "");
	/* first heard: nothing failed, nothing to say */
	emit(&r, MON_EV_PEER, 0, 1, "192.0.2.2: heartbeat heard");
	assert_int_equal(r.n, 0);
	emit(&r, MON_EV_PEER, 1, 0, "2001:db8::2: no heartbeat for 0.6 s");
	assert_int_equal(r.n, 1);
	has(&r, 0, " LvsmonPeerDead [lvsmon@8225");
	has(&r, 0, "kind=\"down\"");
	has(&r, 0, "server=\"2001:db8::2\"");
	has(&r, 0, "state=\"dead\"");
	has(&r, 0, "severity=\"warning\"");
	has(&r, 0, "] peer 2001:db8::2 dead: no heartbeat for 0.6 s");
	/* another peer is another subject */
	emit(&r, MON_EV_PEER, 1, 0, "192.0.2.2: no heartbeat for 0.6 s");
	assert_int_equal(r.n, 1);
	has(&r, 0, "server=\"192.0.2.2\"");
	emit(&r, MON_EV_PEER, 0, 1, "2001:db8::2: heartbeat heard");
	assert_int_equal(r.n, 1);
	has(&r, 0, "kind=\"up\"");
	has(&r, 0, "server=\"2001:db8::2\"");
	has(&r, 0, "] peer 2001:db8::2 alive: heartbeat heard");
	rig_down(&r);
}

static void
filters_events_and_severity_apply(void **state)
{
	struct rig	r;

	(void)state;
	/* notices are info: a sink for warnings and up gets no notice,
	   but a fault */
	rig_up(&r, "severity = \"warning\";");
	emit(&r, MON_EV_ROLE, MON_HA_BACKUP, MON_HA_MASTER, "peer dead");
	assert_int_equal(r.n, 0);
	emit(&r, MON_EV_ROLE, MON_HA_MASTER, MON_HA_FAULT, "interface down");
	assert_int_equal(r.n, 1);
	has(&r, 0, "kind=\"down\"");
	rig_down(&r);
	/* events = [ "peer" ]: peers only */
	rig_up(&r, "events = [\"peer\"];");
	emit(&r, MON_EV_ROLE, MON_HA_MASTER, MON_HA_FAULT, "interface down");
	assert_int_equal(r.n, 0);
	emit(&r, MON_EV_PEER, 1, 0, "192.0.2.2: no heartbeat for 0.6 s");
	assert_int_equal(r.n, 1);
	rig_down(&r);
	/* events = [ "director" ]: the role only */
	rig_up(&r, "events = [\"director\"];");
	emit(&r, MON_EV_PEER, 1, 0, "192.0.2.2: no heartbeat for 0.6 s");
	assert_int_equal(r.n, 0);
	emit(&r, MON_EV_ROLE, MON_HA_BACKUP, MON_HA_MASTER, "peer dead");
	assert_int_equal(r.n, 1);
	rig_down(&r);
}

static void
a_reload_keeps_what_failed(void **state)
{
	struct rig			r;
	struct mon_reload_result	res;
	struct err			e = { "" };

	(void)state;
	rig_up(&r, "");
	assert_int_equal(mon_reload_open(&r.m, r.base), 0);
	assert_int_equal(mon_sched_start(&r.m, r.base), 0);
	emit(&r, MON_EV_ROLE, MON_HA_MASTER, MON_HA_FAULT, "interface down");
	has(&r, 0, "kind=\"down\"");
	emit(&r, MON_EV_PEER, 1, 0, "192.0.2.2: no heartbeat for 0.6 s");
	has(&r, 0, "kind=\"down\"");
	/* a reload with another policy: the sink is the same (type and
	   name), so the director's fault and the dead peer carry over */
	write_conf(&r, "alertevery = 3600;");
	if (mon_reload(&r.m, &res, &e) < 0)
		fail_msg("reload: %s", e.msg);
	for (int i = 0; i < 4; i++)
		event_base_loop(r.base, EVLOOP_NONBLOCK);
	while (recv(r.fd, r.got[0], sizeof(r.got[0]), 0) > 0)
		;
	/* leaving fault is the recovery (without the carry: a notice) */
	emit(&r, MON_EV_ROLE, MON_HA_FAULT, MON_HA_BACKUP, "interface up");
	assert_int_equal(r.n, 1);
	has(&r, 0, "kind=\"up\"");
	has(&r, 0, "] director fault -> backup: interface up");
	/* the peer heard again is its up (without the carry: nothing) */
	emit(&r, MON_EV_PEER, 0, 1, "192.0.2.2: heartbeat heard");
	assert_int_equal(r.n, 1);
	has(&r, 0, "kind=\"up\"");
	has(&r, 0, "server=\"192.0.2.2\"");
	mon_sched_stop(&r.m);
	mon_reload_close();
	rig_down(&r);
}

static void
the_summary_helper_and_json_say_the_same(void **state)
{
	struct mon_alert	 a = { .kind = MON_ALERT_NOTICE,
				    .what = MON_ALERT_DIRECTOR,
				    .severity = MON_SEV_INFO };
	struct json_object	*o;
	const char		*s;

	(void)state;
	snprintf(a.name, sizeof(a.name), "LvsmonDirectorRole");
	snprintf(a.check, sizeof(a.check), "director");
	snprintf(a.state, sizeof(a.state), "master");
	snprintf(a.summary, sizeof(a.summary), "director backup -> master: "
	    "peer dead");
	o = mon_alert_json(&a);
	assert_non_null(o);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	assert_non_null(strstr(s, "\"kind\":\"notice\""));
	assert_non_null(strstr(s, "\"about\":\"director\""));
	assert_non_null(strstr(s, "\"state\":\"master\""));
	json_object_put(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(role_changes_are_notices_with_the_reason),
		cmocka_unit_test(
		    fault_is_a_failure_and_leaving_it_the_recovery),
		cmocka_unit_test(
		    a_peer_going_silent_is_a_down_and_heard_again_an_up),
		cmocka_unit_test(filters_events_and_severity_apply),
		cmocka_unit_test(a_reload_keeps_what_failed),
		cmocka_unit_test(the_summary_helper_and_json_say_the_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * t/unit/checkers_sendexpect.c - the send/expect engine, the canned
 * protocol tables and the udp check, configured through the real loader
 * (mon_model_load) and run against a scripted server on 127.0.0.1 on the
 * same event loop: it may send a banner, answers each trigger it sees with
 * its reply, and then closes or keeps the connection open.  UDP: a socket
 * that answers every datagram, and a closed port (ICMP port unreachable).
 * Every wait has a deadline.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <event2/event.h>

#include "monitor/model.h"
#include "monitor/probe.h"

#define DEADLINE_S	5

struct rule {
	const char	*trigger;	/* substring of what came in */
	const char	*reply;
	size_t		 reply_len;	/* 0: strlen */
};

struct srv {
	int		 lfd, cfd, ufd;
	struct event	*lev, *cev, *uev;
	const char	*banner;
	size_t		 banner_len;
	const struct rule *rules;
	int		 nrules;
	int		 close_after;	/* close after the last rule fired */
	unsigned char	 got[4096];	/* what the checker sent */
	size_t		 got_len;
	int		 fired;
	int		 port, uport, closed_uport;
};

struct ctx {
	struct event_base	*base;
	struct mon_model	 m;
	int			 loaded;
	struct event		*deadline;
	int			 done;
	struct probe_result	 res;
	struct srv		 s;
};

static struct ctx	*cur;

static void
on_done(struct probe *p, const struct probe_result *r)
{
	assert_null(p->run);
	cur->done++;
	cur->res = *r;
	event_base_loopbreak(cur->base);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

/* ---- the scripted server ------------------------------------------ */

static void
srv_drop(struct srv *s)
{
	if (s->cev != NULL)
		event_free(s->cev);
	s->cev = NULL;
	if (s->cfd >= 0)
		close(s->cfd);
	s->cfd = -1;
}

static void
srv_read(evutil_socket_t fd, short what, void *arg)
{
	struct srv	*s = arg;
	ssize_t		 n;
	size_t		 room = sizeof(s->got) - s->got_len;

	n = recv(fd, s->got + s->got_len, room, 0);
	if (n <= 0) {
		srv_drop(s);
		return;
	}
	s->got_len += (size_t)n;
	while (s->fired < s->nrules) {
		const struct rule *r = &s->rules[s->fired];

		if (memmem(s->got, s->got_len, r->trigger,
		    strlen(r->trigger)) == NULL)
			break;
		(void)send(fd, r->reply, r->reply_len ? r->reply_len :
		    strlen(r->reply), MSG_NOSIGNAL);
		s->fired++;
		if (s->fired == s->nrules && s->close_after) {
			srv_drop(s);
			return;
		}
	}
}

static void
srv_accept(evutil_socket_t fd, short what, void *arg)
{
	struct srv	*s = arg;
	int		 cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK);

	if (cfd < 0)
		return;
	srv_drop(s);
	s->cfd = cfd;
	s->got_len = 0;
	s->fired = 0;
	if (s->banner != NULL)
		(void)send(cfd, s->banner, s->banner_len ? s->banner_len :
		    strlen(s->banner), MSG_NOSIGNAL);
	if (s->nrules == 0 && s->close_after) {
		srv_drop(s);
		return;
	}
	s->cev = event_new(cur->base, cfd, EV_READ | EV_PERSIST, srv_read, s);
	event_add(s->cev, NULL);
}

static void
srv_udp(evutil_socket_t fd, short what, void *arg)
{
	struct srv		*s = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	char			 buf[512];
	ssize_t			 n;

	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &len);
	if (n < 0)
		return;
	memcpy(s->got, buf, (size_t)n);
	s->got_len = (size_t)n;
	if (s->nrules > 0)
		(void)sendto(fd, s->rules[0].reply, strlen(s->rules[0].reply),
		    0, (struct sockaddr *)&ss, len);
}

static int
bound(int type, int *port)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	int			fd = socket(AF_INET, type | SOCK_NONBLOCK, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, len), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static int
setup(void **state)
{
	struct ctx	*c = calloc(1, sizeof(*c));
	struct srv	*s = &c->s;
	int		 fd;

	c->base = event_base_new();
	c->deadline = evtimer_new(c->base, on_deadline, c->base);
	s->cfd = -1;
	s->lfd = bound(SOCK_STREAM, &s->port);
	assert_int_equal(listen(s->lfd, 16), 0);
	s->lev = event_new(c->base, s->lfd, EV_READ | EV_PERSIST, srv_accept,
	    s);
	event_add(s->lev, NULL);
	s->ufd = bound(SOCK_DGRAM, &s->uport);
	s->uev = event_new(c->base, s->ufd, EV_READ | EV_PERSIST, srv_udp, s);
	event_add(s->uev, NULL);
	/* a UDP port nobody listens on: bind, note, close */
	fd = bound(SOCK_DGRAM, &s->closed_uport);
	close(fd);
	cur = c;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx	*c = *state;

	for (size_t i = 0; c->loaded && i < c->m.nsvcs; i++)
		for (size_t j = 0; j < c->m.svcs[i].nreals; j++) {
			struct probe *p = c->m.svcs[i].reals[j].probe;

			if (p != NULL && p->run != NULL)
				p->type->cancel(p);
		}
	if (c->loaded)
		mon_model_free(&c->m);
	srv_drop(&c->s);
	event_free(c->s.lev);
	event_free(c->s.uev);
	close(c->s.lfd);
	close(c->s.ufd);
	event_free(c->deadline);
	event_base_free(c->base);
	free(c);
	return 0;
}

/* ---- loading and running ------------------------------------------ */

/* A service whose one real is 127.0.0.1:port with check { keys }. */
static int
load(struct ctx *c, int port, const char *keys, struct err *e)
{
	char	 path[64], *text;
	FILE	*f;
	int	 fd, rc;

	if (c->loaded)
		mon_model_free(&c->m);
	c->loaded = 0;
	snprintf(path, sizeof(path), "/tmp/lvsmon-se-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_true(asprintf(&text,
	    "global = { backend = \"none\";\n"
	    "  control_socket = \"/tmp/x.sock\"; };\n"
	    "services = ( { name = \"svc\"; address = \"203.0.113.10\";\n"
	    "  port = 80; real_servers = ( { address = \"127.0.0.1\";\n"
	    "  port = %d; check = { %s }; } ); } );\n", port, keys) > 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	free(text);
	rc = mon_model_load(&c->m, path, e);
	unlink(path);
	c->loaded = rc == 0;
	return rc;
}

/* Load and run once; the result is in c->res. */
static void
check(struct ctx *c, int port, const char *keys)
{
	struct err		 e = { "" };
	struct timeval		 tv = { DEADLINE_S, 0 };
	struct probe		*p;

	if (load(c, port, keys, &e) != 0)
		fail_msg("load: %s", e.msg);
	p = c->m.svcs[0].reals[0].probe;
	assert_non_null(p);
	p->base = c->base;
	p->on_done = on_done;
	c->done = 0;
	evtimer_add(c->deadline, &tv);
	assert_int_equal(p->type->start(p), 0);
	if (!c->done)
		event_base_dispatch(c->base);
	evtimer_del(c->deadline);
	assert_int_equal(c->done, 1);
}

static void
script(struct ctx *c, const char *banner, const struct rule *rules, int n,
    int close_after)
{
	c->s.banner = banner;
	c->s.banner_len = 0;
	c->s.rules = rules;
	c->s.nrules = n;
	c->s.close_after = close_after;
}

#define PING_STEPS							\
	"type = \"sendexpect\"; steps = ( { send = \"PING\\r\\n\"; },"	\
	" { expect = \"+PONG\"; timeout = 0.3; } );"

/* ---- the tests ---------------------------------------------------- */

static void
ping_pong_passes_and_quotes_the_reply(void **state)
{
	struct ctx		*c = *state;
	static const struct rule r[] = { { "PING\r\n", "+PONG\r\n", 0 } };

	script(c, NULL, r, 1, 0);
	check(c, c->s.port, PING_STEPS);
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_int_equal(c->res.reason, CHK_R_OK);
	assert_non_null(strstr(c->res.msg, "sendexpect: ok in "));
	assert_non_null(strstr(c->res.msg, ": \"+PONG\""));
	assert_int_equal(c->s.got_len, 6);
	assert_memory_equal(c->s.got, "PING\r\n", 6);
}

static void
a_wrong_reply_names_the_step_what_came_and_what_was_wanted(void **state)
{
	struct ctx		*c = *state;
	static const struct rule r[] = { { "PING", "-ERR\r\n", 0 } };

	script(c, NULL, r, 1, 1);	/* the server closes after it */
	check(c, c->s.port, PING_STEPS);
	assert_int_equal(c->res.verdict, CHK_V_FAIL);
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	assert_string_equal(c->res.msg,
	    "expect step 2: got \"-ERR\" want \"+PONG\"");
}

static void
a_steps_own_timeout_says_what_came_so_far(void **state)
{
	struct ctx		*c = *state;
	static const struct rule r[] = { { "PING", "-ERR wait\r\n", 0 } };

	script(c, NULL, r, 1, 0);	/* keeps the connection open */
	check(c, c->s.port, PING_STEPS);
	assert_int_equal(c->res.verdict, CHK_V_FAIL);
	assert_int_equal(c->res.reason, CHK_R_TIMEOUT);
	assert_string_equal(c->res.msg, "expect step 2: timeout after 300 ms, "
	    "got \"-ERR wait\" want \"+PONG\"");
}

static void
an_anchored_regex_fails_at_once_without_waiting(void **state)
{
	struct ctx		*c = *state;
	static const struct rule r[] = {
		{ "PING", "-NOAUTH Authentication required.\r\n", 0 } };
	struct timespec		 t0, t1;

	script(c, NULL, r, 1, 0);	/* open: only the regex decides */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	check(c, c->s.port, "type = \"redis\"; timeout = 3;");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	assert_string_equal(c->res.msg, "expect step 2: got \"-NOAUTH "
	    "Authentication required.\" want /^\\+PONG\\r\\n/");
	assert_true(t1.tv_sec - t0.tv_sec < 2);	/* not the 3 s timeout */
}

static void
redis_and_memcached_tables_pass_against_their_replies(void **state)
{
	struct ctx		*c = *state;
	static const struct rule r1[] = { { "PING\r\n", "+PONG\r\n", 0 } };
	static const struct rule r2[] = {
		{ "version\r\n", "VERSION 1.6.18\r\n", 0 } };

	script(c, NULL, r1, 1, 0);
	check(c, c->s.port, "type = \"redis\";");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_non_null(strstr(c->res.msg, "redis: ok in "));
	script(c, NULL, r2, 1, 0);
	check(c, c->s.port, "type = \"memcached\";");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_non_null(strstr(c->res.msg, ": \"VERSION 1.6.18\""));
}

static void
smtp_reads_multiline_banner_and_ehlo_then_quits(void **state)
{
	struct ctx		*c = *state;
	static const struct rule r[] = {
		{ "EHLO lvsmon\r\n", "250-mx.example\r\n250-PIPELINING\r\n"
		  "250 SMTPUTF8\r\n", 0 },
		{ "QUIT\r\n", "221 2.0.0 Bye\r\n", 0 } };

	script(c, "220-mx.example ESMTP\r\n220 ready\r\n", r, 2, 1);
	check(c, c->s.port, "type = \"smtp\";");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_non_null(strstr(c->res.msg, ": \"220-mx.example ESMTP\""));
	assert_non_null(memmem(c->s.got, c->s.got_len, "QUIT\r\n", 6));
}

static void
smtp_refusal_banner_is_l7rsp(void **state)
{
	struct ctx	*c = *state;

	script(c, "554 5.3.2 no service\r\n", NULL, 0, 0);
	check(c, c->s.port, "type = \"smtp\";");
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	assert_non_null(strstr(c->res.msg,
	    "expect step 1: got \"554 5.3.2 no service\""));
}

static void
hex_with_wildcards_checks_a_mysql_greeting(void **state)
{
	struct ctx	*c = *state;
	static const char good[] = "\x4a\x00\x00\x00\x0a" "8.0.36\0";
	static const char bad[] = "\x17\x00\x00\x00\xff\x69\x04" "Too many";

	script(c, good, NULL, 0, 0);
	c->s.banner_len = sizeof(good) - 1;
	check(c, c->s.port, "type = \"mysql\";");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	script(c, bad, NULL, 0, 0);
	c->s.banner_len = sizeof(bad) - 1;
	check(c, c->s.port, "type = \"mysql\";");
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	assert_string_equal(c->res.msg, "expect step 1: got \"17 00 00 00 ff "
	    "69 04 54 6f 6f 20 6d\" want hex ?? ?? ?? 00 0a");
}

static void
send_hex_sends_nul_bytes_and_pgsql_takes_s_or_n(void **state)
{
	struct ctx		*c = *state;
	static const unsigned char ssl[] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16,
					     0x2f };
	static const struct rule ok[] = { { "\x04\xd2", "N", 0 } };
	static const struct rule bad[] = { { "\x04\xd2", "EFATAL", 0 } };

	script(c, NULL, ok, 1, 0);
	check(c, c->s.port, "type = \"pgsql\";");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_int_equal(c->s.got_len, sizeof(ssl));
	assert_memory_equal(c->s.got, ssl, sizeof(ssl));
	script(c, NULL, bad, 1, 0);
	check(c, c->s.port, "type = \"pgsql\";");
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
}

static void
negate_passes_on_a_line_without_the_pattern(void **state)
{
	struct ctx		*c = *state;
	static const struct rule ok[] = { { "STATUS", "ready\r\n", 0 } };
	static const struct rule bad[] = {
		{ "STATUS", "ERR overloaded\r\n", 0 } };
	const char		*keys = "type = \"sendexpect\"; steps = ( "
				    "{ send = \"STATUS\\n\"; }, { expect = "
				    "\"ERR\"; negate = true; } );";

	script(c, NULL, ok, 1, 0);
	check(c, c->s.port, keys);
	assert_int_equal(c->res.verdict, CHK_V_OK);
	script(c, NULL, bad, 1, 0);
	check(c, c->s.port, keys);
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	assert_string_equal(c->res.msg, "expect step 2: got \"ERR "
	    "overloaded\" want not \"ERR\"");
}

static void
expect_min_waits_for_enough_bytes(void **state)
{
	struct ctx	*c = *state;

	script(c, "0123456789", NULL, 0, 1);
	check(c, c->s.port, "type = \"sendexpect\"; steps = ( "
	    "{ expect_min = 10; } );");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	script(c, "012345678", NULL, 0, 1);	/* then closes */
	check(c, c->s.port, "type = \"sendexpect\"; steps = ( "
	    "{ expect_min = 10; } );");
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	assert_string_equal(c->res.msg,
	    "expect step 1: got \"012345678\" want at least 10 bytes");
}

static void
a_refused_connect_is_l4con(void **state)
{
	struct ctx	*c = *state;
	int		 port, fd = bound(SOCK_STREAM, &port);

	close(fd);	/* nothing listens there now */
	check(c, port, "type = \"ssh\";");
	assert_int_equal(c->res.reason, CHK_R_CONNREFUSED);
	assert_string_equal(c->res.msg, "connect: ECONNREFUSED");
}

static void
a_second_connect_step_goes_to_its_port(void **state)
{
	struct ctx	*c = *state;
	char		 keys[256];
	static const struct rule r[] = { { "hi", "yes\n", 0 } };

	script(c, NULL, r, 1, 0);
	/* first to a closed port would fail: so connect explicitly to the
	   server's port, as step 1 */
	snprintf(keys, sizeof(keys), "type = \"sendexpect\"; steps = ( "
	    "{ connect = \"tcp\"; port = %d; }, { send = \"hi\"; }, "
	    "{ expect = \"yes\"; } );", c->s.port);
	check(c, 9, keys);	/* the real's port 9 is never used */
	assert_int_equal(c->res.verdict, CHK_V_OK);
}

static void
udp_answer_passes_and_port_unreachable_is_refused(void **state)
{
	struct ctx		*c = *state;
	static const struct rule r[] = { { "", "pong\n", 0 } };

	script(c, NULL, r, 1, 0);
	check(c, c->s.uport, "type = \"udp\"; send = \"ping\"; "
	    "expect = \"pong\";");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_int_equal(c->s.got_len, 4);
	check(c, c->s.uport, "type = \"udp\"; send = \"ping\"; "
	    "expect = \"PONG\";");
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	assert_string_equal(c->res.msg,
	    "expect step 3: got \"pong\" want \"PONG\"");
	check(c, c->s.closed_uport, "type = \"udp\"; send = \"ping\"; "
	    "expect = \"pong\";");
	assert_int_equal(c->res.verdict, CHK_V_FAIL);
	assert_int_equal(c->res.reason, CHK_R_CONNREFUSED);
	assert_string_equal(c->res.msg, "read: ECONNREFUSED");
}

static void
udp_without_expect_passes_on_silence_fails_on_unreachable(void **state)
{
	struct ctx	*c = *state;

	script(c, NULL, NULL, 0, 0);	/* the server reads, never answers */
	check(c, c->s.uport, "type = \"udp\"; quiet = 0.1;");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	check(c, c->s.closed_uport, "type = \"udp\"; quiet = 0.1;");
	assert_int_equal(c->res.reason, CHK_R_CONNREFUSED);
}

/* The Call-ID line of the last datagram the server got. */
static void
sip_call_id(const struct srv *s, char *out, size_t len)
{
	const char	*id = memmem(s->got, s->got_len, "Call-ID: ", 9);
	const char	*end;

	assert_non_null(id);
	end = memchr(id, '\r', s->got_len - (size_t)(id - (char *)s->got));
	assert_non_null(end);
	snprintf(out, len, "%.*s", (int)(end - id), id);
}

static void
sip_options_names_the_real_and_is_fresh_per_run(void **state)
{
	struct ctx		*c = *state;
	static const struct rule r[] = {
		{ "", "SIP/2.0 503 Service Unavailable\r\n"
		  "Content-Length: 0\r\n\r\n", 0 }
	};
	static const struct rule junk[] = {
		{ "", "HTTP/1.0 400 no\r\n", 0 }
	};
	char			 want[64], id1[96], id2[96];

	script(c, NULL, r, 1, 0);
	check(c, c->s.uport, "type = \"sip\";");
	/* a 503 is still a SIP stack that answers */
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_string_equal(c->res.msg + strlen(c->res.msg) -
	    strlen("\"SIP/2.0 503 Service Unavailable\""),
	    "\"SIP/2.0 503 Service Unavailable\"");
	snprintf(want, sizeof(want), "OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n",
	    c->s.uport);
	assert_memory_equal(c->s.got, want, strlen(want));
	assert_null(memmem(c->s.got, c->s.got_len, "@@", 2));
	assert_non_null(memmem(c->s.got, c->s.got_len, "\r\n\r\n", 4));
	sip_call_id(&c->s, id1, sizeof(id1));
	check(c, c->s.uport, "type = \"sip\";");
	sip_call_id(&c->s, id2, sizeof(id2));
	assert_string_not_equal(id1, id2);
	/* not SIP */
	script(c, NULL, junk, 1, 0);
	check(c, c->s.uport, "type = \"sip\";");
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	/* nobody on the port: ICMP port unreachable */
	check(c, c->s.closed_uport, "type = \"sip\";");
	assert_int_equal(c->res.reason, CHK_R_CONNREFUSED);
	assert_string_equal(c->res.msg, "read: ECONNREFUSED");
}

/* A server that is not TLS: the connect step's handshake fails with the
   TLS reason and OpenSSL's word for it */
static void
tls_step_against_plain_text_is_a_tls_failure(void **state)
{
	struct ctx	*c = *state;

	script(c, "HTTP/1.0 400 Bad Request\r\n\r\n", NULL, 0, 0);
	check(c, c->s.port, "type = \"sendexpect\"; steps = ( "
	    "{ connect = \"tcp\"; tls = true; sni = \"x.test\"; }, "
	    "{ send = \"PING\\r\\n\"; }, { expect = \"+PONG\"; } );");
	assert_int_equal(c->res.verdict, CHK_V_FAIL);
	assert_int_equal(c->res.reason, CHK_R_TLS);
	assert_string_equal(c->res.msg,
	    "tls: handshake: wrong version number");
}

static void
loop_for(struct ctx *c, long ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(c->base, &tv);
	event_base_dispatch(c->base);
}

/* The scheduler cancels at its deadline and then names p->phase in the
   reason: the phase must outlive the run (ASan checks the read). */
static void
the_phase_names_the_step_after_a_cancel(void **state)
{
	struct ctx	*c = *state;
	struct err	 e = { "" };
	struct probe	*p;

	script(c, NULL, NULL, 0, 0);	/* reads, never answers */
	assert_int_equal(load(c, c->s.port, PING_STEPS, &e), 0);
	p = c->m.svcs[0].reals[0].probe;
	p->base = c->base;
	p->on_done = on_done;
	c->done = 0;
	assert_int_equal(p->type->start(p), 0);
	loop_for(c, 100);
	assert_int_equal(c->done, 0);
	assert_non_null(p->run);
	p->type->cancel(p);
	assert_null(p->run);
	assert_string_equal(p->phase, "expect step 2");
}

static void
config_errors_name_the_step_and_key(void **state)
{
	struct ctx	*c = *state;
	struct err	 e;
	static const struct { const char *keys, *want; } cases[] = {
		{ "type = \"sendexpect\";", "steps: required" },
		{ "type = \"sendexpect\"; steps = ( { expect_re = \"(x\"; } );",
		  "step 1: expect_re: missing closing parenthesis at "
		  "offset 2" },
		{ "type = \"sendexpect\"; steps = ( { send = \"a\"; "
		  "expect = \"b\"; } );", "step 1: needs exactly one of" },
		{ "type = \"sendexpect\"; steps = ( { send = \"a\"; }, "
		  "{ expct = \"b\"; } );", "step 2: unknown key \"expct\"" },
		{ "type = \"sendexpect\"; steps = ( { send_hex = \"0g\"; } );",
		  "step 1: send_hex: expected hex byte pairs" },
		{ "type = \"sendexpect\"; steps = ( { send = \"a\"; "
		  "negate = true; } );", "step 1: negate goes with expect" },
		{ "type = \"udp\"; quiet = 2; timeout = 1;",
		  "quiet: 2000 ms must be shorter than the timeout" },
		{ "type = \"sendexpect\"; steps = ( { connect = \"udp\"; "
		  "tls = true; } );", "step 1: tls needs connect = \"tcp\"" },
		{ "type = \"sendexpect\"; steps = ( { send = \"a\"; "
		  "tls = true; } );", "step 1: tls goes with connect" },
		{ "type = \"sendexpect\"; steps = ( { send = \"a\"; "
		  "sni = \"x\"; } );", "step 1: sni, verify, ca_file and "
		  "verify_name go with tls = true or starttls" },
		{ "type = \"sendexpect\"; steps = ( { connect = \"tcp\"; "
		  "tls = true; ca_file = \"/x\"; } );",
		  "step 1: ca_file: needs verify = true" },
		{ "type = \"sendexpect\"; steps = ( { connect = \"tcp\"; "
		  "tls = true; verify = true; "
		  "ca_file = \"/nonexistent/ca.pem\"; } );",
		  "step 1: ca_file: /nonexistent/ca.pem: " },
		{ "type = \"sendexpect\"; steps = ( { connect = \"tcp\"; "
		  "tls = true; }, { starttls = true; } );",
		  "step 2: starttls: the connection is TLS already" },
		{ "type = \"sendexpect\"; steps = ( { connect = \"udp\"; }, "
		  "{ starttls = true; } );",
		  "step 2: starttls needs a TCP connection, not udp" },
		{ "type = \"sendexpect\"; steps = ( { starttls = 1; } );",
		  "step 1: starttls: expected true or false" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&e, 0, sizeof(e));
		assert_int_not_equal(load(c, 80, cases[i].keys, &e), 0);
		if (strstr(e.msg, cases[i].want) == NULL)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i,
			    e.msg, cases[i].want);
	}
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(ping_pong_passes_and_quotes_the_reply),
		T(a_wrong_reply_names_the_step_what_came_and_what_was_wanted),
		T(a_steps_own_timeout_says_what_came_so_far),
		T(an_anchored_regex_fails_at_once_without_waiting),
		T(redis_and_memcached_tables_pass_against_their_replies),
		T(smtp_reads_multiline_banner_and_ehlo_then_quits),
		T(smtp_refusal_banner_is_l7rsp),
		T(hex_with_wildcards_checks_a_mysql_greeting),
		T(send_hex_sends_nul_bytes_and_pgsql_takes_s_or_n),
		T(negate_passes_on_a_line_without_the_pattern),
		T(expect_min_waits_for_enough_bytes),
		T(a_refused_connect_is_l4con),
		T(a_second_connect_step_goes_to_its_port),
		T(udp_answer_passes_and_port_unreachable_is_refused),
		T(udp_without_expect_passes_on_silence_fails_on_unreachable),
		T(sip_options_names_the_real_and_is_fresh_per_run),
		T(tls_step_against_plain_text_is_a_tls_failure),
		T(the_phase_names_the_step_after_a_cancel),
		T(config_errors_name_the_step_and_key),
	};
#undef T

	signal(SIGPIPE, SIG_IGN);	/* as lvsmond: OpenSSL writes with
					   write(), not MSG_NOSIGNAL */
	return cmocka_run_group_tests(tests, NULL, NULL);
}

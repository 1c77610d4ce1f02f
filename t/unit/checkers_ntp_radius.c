/*
 * t/unit/checkers_ntp_radius.c - the ntp and radius checks against fake
 * servers on a UDP socket of 127.0.0.1 on the same event loop, loaded
 * through the daemon's config loader.  The NTP fake answers in the mode
 * the test asks (synchronised, leap 3, stratum 16 kiss, a clock 2 s off,
 * a stray reply first, a cut reply).  The RADIUS fake checks what the
 * request carries (the Message-Authenticator, the hidden password decoded
 * with the secret) and signs its reply with the secret or a wrong one.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <event2/event.h>
#include <openssl/evp.h>

#include "monitor/model.h"
#include "monitor/probe.h"

#define DEADLINE_S	5
#define SECRET		"s3cret"

enum mode { GOOD = 0, LEAP3, KISS, OFF2S, STRAY_FIRST, CUT,
	    ACCEPT, REJECT, BADSIGN, BADMA };

struct ctx {
	struct event_base	*base;
	struct mon_model	 m;
	int			 loaded;
	struct event		*deadline;
	int			 done;
	struct probe_result	 res;
	int			 ufd, port, closed_port;
	struct event		*uev;
	enum mode		 mode;
	int			 queries;
	/* what the RADIUS fake saw */
	int			 ma_ok;
	char			 user[64], password[64], nas[64];
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

static void
put64(unsigned char *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (56 - 8 * i));
}

static uint64_t
ntp_now(double shift)
{
	struct timespec	ts;
	double		t;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = (double)ts.tv_sec + 2208988800.0 + ts.tv_nsec / 1e9 + shift;
	return (uint64_t)(t * 4294967296.0);
}

static size_t
ntp_reply(struct ctx *c, const unsigned char *q, unsigned char *m)
{
	memset(m, 0, 48);
	m[0] = 0 << 6 | 4 << 3 | 4;
	m[1] = 2;
	memcpy(m + 12, "\xc0\x00\x02\x01", 4);
	memcpy(m + 24, q + 40, 8);		/* origin = their transmit */
	put64(m + 32, ntp_now(c->mode == OFF2S ? 2.0 : 0));
	put64(m + 40, ntp_now(c->mode == OFF2S ? 2.0 : 0));
	if (c->mode == LEAP3) {
		m[0] = 3 << 6 | 4 << 3 | 4;
		m[1] = 0;
		memset(m + 12, 0, 4);
	}
	if (c->mode == KISS) {
		m[1] = 0;
		memcpy(m + 12, "RATE", 4);
	}
	return c->mode == CUT ? 40 : 48;
}

static void
md5(unsigned char out[16], const void *a, size_t alen, const void *b,
    size_t blen)
{
	unsigned	n;
	EVP_MD_CTX	*x = EVP_MD_CTX_new();

	EVP_DigestInit_ex(x, EVP_md5(), NULL);
	EVP_DigestUpdate(x, a, alen);
	if (blen)
		EVP_DigestUpdate(x, b, blen);
	EVP_DigestFinal_ex(x, out, &n);
	EVP_MD_CTX_free(x);
}

static void
hmac_md5(unsigned char out[16], const void *d, size_t len)
{
	size_t	n;

	EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, SECRET, strlen(SECRET), d,
	    len, out, 16, &n);
}

/* Check the Access-Request like a server would; build the reply. */
static size_t
radius_reply(struct ctx *c, unsigned char *q, size_t n, unsigned char *m)
{
	size_t		 len = (size_t)(q[2] << 8 | q[3]), o, ma = 0;
	unsigned char	 got[16], want[16], b[16], pw[128];
	size_t		 pwlen = 0;
	const char	*key = c->mode == BADSIGN ? "other" : SECRET;

	assert_int_equal(q[0], 1);
	assert_int_equal(len, n);
	for (o = 20; o + 2 <= len; o += q[o + 1]) {
		char	*dst = NULL;

		switch (q[o]) {
		case 1: dst = c->user; break;
		case 32: dst = c->nas; break;
		case 80: ma = o + 2; break;
		case 2:
			pwlen = q[o + 1] - 2u;
			memcpy(pw, q + o + 2, pwlen);
			break;
		}
		if (dst != NULL)
			snprintf(dst, 64, "%.*s", q[o + 1] - 2, q + o + 2);
	}
	/* the Message-Authenticator, over the packet with it zeroed */
	c->ma_ok = 0;
	if (ma) {
		memcpy(got, q + ma, 16);
		memset(q + ma, 0, 16);
		hmac_md5(want, q, len);
		c->ma_ok = memcmp(got, want, 16) == 0;
		memcpy(q + ma, got, 16);
	}
	/* un-hide the password: RFC 2865 5.2 backwards */
	for (size_t i = pwlen; i >= 16; i -= 16) {
		md5(b, SECRET, strlen(SECRET), i == 16 ? q + 4 : pw + i - 32,
		    16);
		for (int k = 0; k < 16; k++)
			pw[i - 16 + k] ^= b[k];
	}
	pw[pwlen < sizeof(pw) ? pwlen : 0] = 0;
	snprintf(c->password, sizeof(c->password), "%.63s", (char *)pw);

	m[0] = c->mode == ACCEPT ? 2 : 3;
	m[1] = q[1];
	m[2] = 0;
	m[3] = 20;
	memcpy(m + 4, q + 4, 16);	/* the Request Authenticator, ... */
	if (c->mode == BADMA) {		/* ... a Message-Authenticator */
		m[3] = 38;
		m[20] = 80;
		m[21] = 18;
		memset(m + 22, 0x5a, 16);	/* wrong on purpose */
	}
	md5(b, m, m[3], key, strlen(key));
	memcpy(m + 4, b, 16);		/* ... replaced by the response's */
	return m[3];
}

static void
srv(evutil_socket_t fd, short what, void *arg)
{
	struct ctx		*c = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	unsigned char		 q[4096], m[4096];
	ssize_t			 n;
	size_t			 rl;

	n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&ss, &len);
	if (n < 20)
		return;
	c->queries++;
	if (c->mode >= ACCEPT)
		rl = radius_reply(c, q, (size_t)n, m);
	else {
		assert_int_equal(n, 48);
		assert_int_equal(q[0], 0 << 6 | 4 << 3 | 3);
		rl = ntp_reply(c, q, m);
		if (c->mode == STRAY_FIRST) {
			m[31] ^= 1;	/* another origin: not ours */
			sendto(fd, m, rl, 0, (struct sockaddr *)&ss, len);
			m[31] ^= 1;
		}
	}
	sendto(fd, m, rl, 0, (struct sockaddr *)&ss, len);
}

static int
udp_bound(int *port)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	int			fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK,
				    0);

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

	c->base = event_base_new();
	c->deadline = evtimer_new(c->base, on_deadline, c->base);
	c->ufd = udp_bound(&c->port);
	c->uev = event_new(c->base, c->ufd, EV_READ | EV_PERSIST, srv, c);
	event_add(c->uev, NULL);
	close(udp_bound(&c->closed_port));
	cur = c;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx	*c = *state;

	if (c->loaded) {
		struct probe *p = c->m.svcs[0].reals[0].probe;

		if (p->run != NULL)
			p->type->cancel(p);
		mon_model_free(&c->m);
	}
	event_free(c->uev);
	close(c->ufd);
	event_free(c->deadline);
	event_base_free(c->base);
	free(c);
	return 0;
}

static int
load(struct ctx *c, int port, const char *type, const char *keys,
    struct err *e)
{
	char	 path[64];
	FILE	*f;
	int	 fd, rc;

	if (c->loaded)
		mon_model_free(&c->m);
	c->loaded = 0;
	snprintf(path, sizeof(path), "/tmp/lvsmon-udp-XXXXXX");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fprintf(f, "global = { backend = \"none\";\n"
	    "  control_socket = \"/tmp/x.sock\"; };\n"
	    "services = ( { name = \"u\"; address = \"203.0.113.53\";\n"
	    "  port = 123; protocol = \"udp\";\n"
	    "  real_servers = ( { address = \"127.0.0.1\"; port = %d;\n"
	    "  check = { type = \"%s\"; %s }; } ); } );\n", port, type, keys);
	fclose(f);
	rc = mon_model_load(&c->m, path, e);
	unlink(path);
	c->loaded = rc == 0;
	return rc;
}

static void
check(struct ctx *c, int port, const char *type, const char *keys)
{
	struct err	 e = { "" };
	struct timeval	 tv = { DEADLINE_S, 0 };
	struct probe	*p;

	if (load(c, port, type, keys, &e) != 0)
		fail_msg("load: %s", e.msg);
	p = c->m.svcs[0].reals[0].probe;
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
ntp_a_synchronised_server_passes(void **state)
{
	struct ctx	*c = *state;

	check(c, c->port, "ntp", "");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_non_null(strstr(c->res.msg, "ntp: stratum 2, offset "));
}

static void
ntp_leap3_and_kiss_fail(void **state)
{
	struct ctx	*c = *state;

	c->mode = LEAP3;
	check(c, c->port, "ntp", "");
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	assert_string_equal(c->res.msg, "ntp: unsynchronised (leap 3)");
	c->mode = KISS;
	check(c, c->port, "ntp", "");
	assert_string_equal(c->res.msg, "ntp: kiss-o'-death RATE");
}

static void
ntp_stratum_and_offset_limits(void **state)
{
	struct ctx	*c = *state;
	double		 off;

	check(c, c->port, "ntp", "max_stratum = 1;");
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	assert_string_equal(c->res.msg, "ntp: stratum 2, max 1");
	c->mode = OFF2S;
	check(c, c->port, "ntp", "max_offset = 0.5;");
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	/* 2 s ahead, less the time the exchange took (a loaded machine: the
	   text may read 1999.8 ms) */
	assert_true(strncmp(c->res.msg, "ntp: offset ", 12) == 0);
	off = strtod(c->res.msg + 12, NULL);
	assert_true(off > 1900 && off < 2100);
	assert_non_null(strstr(c->res.msg, " ms, max 500 ms"));
	/* without max_offset, the same server passes, its offset shown */
	check(c, c->port, "ntp", "");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_non_null(strstr(c->res.msg, "offset "));
	off = strtod(strstr(c->res.msg, "offset ") + 7, NULL);
	assert_true(off > 1900 && off < 2100);
}

static void
ntp_a_stray_reply_is_ignored_a_cut_one_is_not(void **state)
{
	struct ctx	*c = *state;

	c->mode = STRAY_FIRST;
	check(c, c->port, "ntp", "");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	c->mode = CUT;
	check(c, c->port, "ntp", "");
	assert_int_equal(c->res.reason, CHK_R_PROTOCOL);
	assert_string_equal(c->res.msg, "ntp: malformed reply (40 bytes)");
}

static void
ntp_a_closed_port_is_l4con(void **state)
{
	struct ctx	*c = *state;

	check(c, c->closed_port, "ntp", "");
	assert_int_equal(c->res.reason, CHK_R_CONNREFUSED);
	assert_string_equal(c->res.msg, "read: ECONNREFUSED");
}

static void
radius_request_and_reply(void **state)
{
	struct ctx	*c = *state;

	c->mode = ACCEPT;
	check(c, c->port, "radius", "secret = \"" SECRET "\"; "
	    "password = \"a password longer than 16\"; expect = \"accept\";");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_non_null(strstr(c->res.msg, "radius: Access-Accept in "));
	/* what the server saw */
	assert_true(c->ma_ok);
	assert_string_equal(c->user, "lvsmon");
	assert_string_equal(c->nas, "lvsmon");
	assert_string_equal(c->password, "a password longer than 16");
}

static void
radius_any_reply_passes_unless_accept_is_wanted(void **state)
{
	struct ctx	*c = *state;

	c->mode = REJECT;
	check(c, c->port, "radius", "secret = \"" SECRET "\"; "
	    "user = \"probe\"; nas_identifier = \"lb1\";");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_non_null(strstr(c->res.msg, "radius: Access-Reject in "));
	assert_string_equal(c->user, "probe");
	assert_string_equal(c->nas, "lb1");
	check(c, c->port, "radius", "secret = \"" SECRET "\"; "
	    "expect = \"accept\";");
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	assert_string_equal(c->res.msg,
	    "radius: Access-Reject, want Access-Accept");
}

static void
radius_a_reply_signed_otherwise_fails(void **state)
{
	struct ctx	*c = *state;

	c->mode = BADSIGN;
	check(c, c->port, "radius", "secret = \"" SECRET "\";");
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	assert_string_equal(c->res.msg,
	    "radius: bad response authenticator (wrong secret?)");
	c->mode = BADMA;
	check(c, c->port, "radius", "secret = \"" SECRET "\";");
	assert_int_equal(c->res.reason, CHK_R_EXPECT);
	assert_string_equal(c->res.msg,
	    "radius: bad Message-Authenticator (wrong secret?)");
	/* without one in the request, none is checked by the fake */
	c->mode = REJECT;
	check(c, c->port, "radius", "secret = \"" SECRET "\"; "
	    "message_authenticator = false;");
	assert_int_equal(c->res.verdict, CHK_V_OK);
	assert_false(c->ma_ok);
}

static void
config_errors(void **state)
{
	struct ctx	*c = *state;
	struct err	 e = { "" };

	assert_int_not_equal(load(c, 1812, "radius", "", &e), 0);
	assert_non_null(strstr(e.msg, "secret"));
	assert_int_not_equal(load(c, 1812, "radius", "secret = \"x\"; "
	    "user = \"\";", &e), 0);
	assert_non_null(strstr(e.msg, "user: must not be empty"));
	assert_int_not_equal(load(c, 1812, "radius", "secret = \"x\"; "
	    "expect = \"reject\";", &e), 0);
	assert_non_null(strstr(e.msg, "expect"));
	assert_int_not_equal(load(c, 123, "ntp", "max_stratum = 16;", &e),
	    0);
	assert_non_null(strstr(e.msg, "max_stratum"));
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(ntp_a_synchronised_server_passes),
		T(ntp_leap3_and_kiss_fail),
		T(ntp_stratum_and_offset_limits),
		T(ntp_a_stray_reply_is_ignored_a_cut_one_is_not),
		T(ntp_a_closed_port_is_l4con),
		T(radius_request_and_reply),
		T(radius_any_reply_passes_unless_accept_is_wanted),
		T(radius_a_reply_signed_otherwise_fails),
		T(config_errors),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}

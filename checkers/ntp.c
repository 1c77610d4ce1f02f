/*
 * checkers/ntp.c - the "ntp" check: one client request (mode 3, RFC 5905)
 * to the real server; passes on a server reply (mode 4) that echoes our
 * transmit timestamp as its origin, from a synchronised server (leap
 * indicator not 3) at stratum 1..max_stratum, with a clock offset within
 * max_offset when that is set.
 *
 * Keys:
 *   max_stratum  15   highest stratum that passes (1..15)
 *   max_offset   none largest |offset| that passes, in seconds (0.05)
 *
 * Not a send/expect table: the origin timestamp must equal what this run
 * sent (a stale or forged reply is ignored, as ntpd does), and the offset
 * is arithmetic on four timestamps.  Our transmit timestamp is the real
 * time with the low 8 bits of its fraction random (60 ns), so that it is
 * both usable for the offset and hard to guess.
 *
 * Details: "ntp: stratum 2, offset 0.3 ms" (ok); "ntp: unsynchronised
 * (leap 3)", "ntp: stratum 16, max 15", "ntp: kiss-o'-death RATE",
 * "ntp: offset 812.4 ms, max 50 ms" (CHK_R_EXPECT); "ntp: malformed
 * reply" (CHK_R_PROTOCOL, 48 bytes expected); "read: ECONNREFUSED" (ICMP
 * port unreachable, CHK_R_CONNREFUSED).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "checkers/chk_conn.h"
#include "monitor/probe.h"

#define NTP_LEN		48
#define NTP_EPOCH	2208988800ULL	/* 1900 to 1970, seconds */

struct ntp_conf {
	int		max_stratum;
	unsigned	max_offset_ms;	/* 0: not checked */
};

struct ntp_run {
	struct chk_conn	 conn;
	struct probe	*p;
	uint64_t	 t1;		/* our transmit timestamp (NTP format) */
};

static void __attribute__((format(printf, 4, 5)))
ntp_end(struct ntp_run *run, enum chk_verdict v, enum chk_reason r,
    const char *fmt, ...)
{
	struct probe	*p = run->p;
	char		 msg[sizeof(((struct probe_result *)NULL)->msg)];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	chk_conn_close(&run->conn, 0);
	free(run);
	p->run = NULL;
	probe_done(p, v, -1, r, "%s", msg);
}

/* The real time as a 64-bit NTP timestamp (32.32 fixed point). */
static uint64_t
ntp_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec + NTP_EPOCH) << 32 |
	    (((uint64_t)ts.tv_nsec << 32) / 1000000000ULL);
}

static uint64_t
ntp_get64(const unsigned char *b)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* A signed difference of two timestamps, in microseconds (era-safe over
   the ±68 years a 64-bit difference wraps in). */
static int64_t
ntp_diff_us(uint64_t a, uint64_t b)
{
	int64_t	d = (int64_t)(a - b);

	/* d / 2^32 seconds; split to keep the precision and not overflow */
	return (d >> 32) * 1000000 + (((d & 0xffffffffLL) * 1000000) >> 32);
}

/* "0.3 ms", "-1.2 ms", "812 ms": tenths below 100 ms */
static void
ntp_ms_text(int64_t us, char *out, size_t cap)
{
	uint64_t	a = (uint64_t)(us < 0 ? -us : us);

	if (a < 100000)
		snprintf(out, cap, "%s%llu.%llu ms", us < 0 ? "-" : "",
		    (unsigned long long)(a / 1000),
		    (unsigned long long)(a % 1000 / 100));
	else
		snprintf(out, cap, "%s%llu ms", us < 0 ? "-" : "",
		    (unsigned long long)(a / 1000));
}

/* Returns 1 when the run ended, 0 to ignore the datagram (not ours). */
static int
ntp_judge(struct ntp_run *run, const unsigned char *m, size_t len,
    uint64_t t4)
{
	struct ntp_conf	*cf = run->p->conf;
	int		 leap, mode, stratum;
	uint64_t	 t2, t3;
	int64_t		 off;
	char		 t[32], kod[5];

	if (len < NTP_LEN) {
		ntp_end(run, CHK_V_FAIL, CHK_R_PROTOCOL, "ntp: malformed "
		    "reply (%zu bytes)", len);
		return 1;
	}
	/* the origin must be what we sent: else a stray or a forgery */
	if (ntp_get64(m + 24) != run->t1)
		return 0;
	leap = m[0] >> 6;
	mode = m[0] & 7;
	stratum = m[1];
	if (mode != 4) {
		ntp_end(run, CHK_V_FAIL, CHK_R_PROTOCOL, "ntp: mode %d reply, "
		    "want 4 (server)", mode);
		return 1;
	}
	/* chrony without a source answers leap 3 and stratum 0 */
	if (leap == 3) {
		ntp_end(run, CHK_V_FAIL, CHK_R_EXPECT, "ntp: unsynchronised "
		    "(leap 3)");
		return 1;
	}
	if (stratum == 0) {
		/* a kiss-o'-death: the refid is 4 ASCII letters */
		for (int i = 0; i < 4; i++)
			kod[i] = m[12 + i] >= 0x20 && m[12 + i] < 0x7f ?
			    (char)m[12 + i] : '?';
		kod[4] = '\0';
		ntp_end(run, CHK_V_FAIL, CHK_R_EXPECT, "ntp: kiss-o'-death %s",
		    kod);
		return 1;
	}
	if (stratum > cf->max_stratum) {
		ntp_end(run, CHK_V_FAIL, CHK_R_EXPECT, "ntp: stratum %d, max "
		    "%d", stratum, cf->max_stratum);
		return 1;
	}
	t2 = ntp_get64(m + 32);
	t3 = ntp_get64(m + 40);
	/* ((T2 - T1) + (T3 - T4)) / 2 */
	off = (ntp_diff_us(t2, run->t1) + ntp_diff_us(t3, t4)) / 2;
	ntp_ms_text(off, t, sizeof(t));
	if (cf->max_offset_ms > 0 &&
	    (uint64_t)(off < 0 ? -off : off) > cf->max_offset_ms * 1000ULL) {
		ntp_end(run, CHK_V_FAIL, CHK_R_EXPECT, "ntp: offset %s, max "
		    "%u ms", t, cf->max_offset_ms);
		return 1;
	}
	ntp_end(run, CHK_V_OK, CHK_R_OK, "ntp: stratum %d, offset %s",
	    stratum, t);
	return 1;
}

static void
ntp_readable(struct chk_conn *c, int err, void *arg)
{
	struct ntp_run	*run = arg;
	unsigned char	 m[512];
	ssize_t		 n;

	for (int i = 0; i < 8; i++) {	/* a few strays, then yield */
		if ((n = chk_dgram_recv(c, m, sizeof(m))) == -EAGAIN)
			break;
		if (n < 0) {
			ntp_end(run, CHK_V_FAIL, n == -ECONNREFUSED ?
			    CHK_R_CONNREFUSED : CHK_R_IO, "read: %s",
			    chk_errname((int)-n));
			return;
		}
		if (ntp_judge(run, m, (size_t)n, ntp_now()))
			return;
	}
	if (chk_conn_wait(c, EV_READ, ntp_readable, run) < 0)
		ntp_end(run, CHK_V_FAIL, CHK_R_INTERNAL, "read: cannot wait");
}

static void
ntp_connected(struct chk_conn *c, int err, void *arg)
{
	struct ntp_run	*run = arg;
	unsigned char	 q[NTP_LEN] = { 0 };

	if (err != 0) {
		ntp_end(run, CHK_V_FAIL, chk_conn_reason(err), "connect: %s",
		    chk_errname(err));
		return;
	}
	q[0] = 0 << 6 | 4 << 3 | 3;	/* no leap warning, version 4, client */
	run->t1 = (ntp_now() & ~0xffULL) | (arc4random() & 0xff);
	for (int i = 0; i < 8; i++)
		q[40 + i] = (unsigned char)(run->t1 >> (56 - 8 * i));
	run->p->phase = "send";
	if (send(c->fd, q, sizeof(q), MSG_NOSIGNAL) < 0) {
		ntp_end(run, CHK_V_FAIL, errno == ECONNREFUSED ?
		    CHK_R_CONNREFUSED : CHK_R_IO, "send: %s",
		    chk_errname(errno));
		return;
	}
	run->p->phase = "read";
	if (chk_conn_wait(c, EV_READ, ntp_readable, run) < 0)
		ntp_end(run, CHK_V_FAIL, CHK_R_INTERNAL, "read: cannot wait");
}

static int
ntp_start(struct probe *p)
{
	struct ntp_run	*run;
	int		 rc;

	if ((run = calloc(1, sizeof(*run))) == NULL)
		return -ENOMEM;
	run->p = p;
	if ((rc = chk_conn_open_dgram(&run->conn, p, NULL, 0, ntp_connected,
	    run)) < 0) {
		free(run);
		return rc;
	}
	p->run = run;
	return 0;
}

static void
ntp_cancel(struct probe *p)
{
	struct ntp_run	*run = p->run;

	if (run == NULL)
		return;
	chk_conn_close(&run->conn, 0);
	free(run);
	p->run = NULL;
}

static const struct mon_directive ntp_directives[] = {
	{ .key = "max_stratum", .type = MON_D_INT,
	  .offset = offsetof(struct ntp_conf, max_stratum),
	  .min = 1, .max = 15, .ndef = 15 },
	{ .key = "max_offset", .type = MON_D_MS,
	  .offset = offsetof(struct ntp_conf, max_offset_ms),
	  .min = 0, .max = 86400000, .ndef = 0 },
	{ .key = NULL }
};

const struct probe_type chk_ntp = {
	.name = "ntp",
	.directives = ntp_directives,
	.conf_size = sizeof(struct ntp_conf),
	.start = ntp_start,
	.cancel = ntp_cancel,
};

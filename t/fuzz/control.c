/*
 * t/fuzz/control.c - the control socket's protocol: what any local root
 * process (lvsmonctl, a script, a confused user) writes to lvsmond.sock.
 * The daemon's own code runs: the listener, the per-client bufferevent,
 * line framing (4 KiB cap, NUL bytes, CR), the command table and every
 * command (show, set weight, enable, disable, drain, events with --json
 * and --since, reload) on a loaded model with the backend "none", the
 * state file and the reload machinery open, as lvsmond starts them.
 *
 * Input: up to 4 client connections, split after each '\n' (the last one
 * takes the rest, extra lines included).  Each client writes its bytes,
 * shuts its write side and reads until the daemon closes or a bound of
 * loop turns (an `events` stream stays open; the client then leaves).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "monitor/alert.h"
#include "monitor/apply.h"
#include "monitor/control.h"
#include "monitor/log.h"
#include "monitor/model.h"
#include "monitor/reload.h"
#include "monitor/resource.h"
#include "monitor/state.h"
#include "tmp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

#define CLIENTS		4
#define TURNS		400	/* loop turns per client at most */

static struct mon_model	 m;
static struct event_base	*base;
static char		 dir[256], sock[300];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct err	 e = { "" };
	char		 conf[300];
	FILE		*f;

	fz_tmpdir(dir, sizeof(dir), "ctl");
	snprintf(conf, sizeof(conf), "%s/lvsmond.conf", dir);
	snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
	if ((f = fopen(conf, "w")) == NULL)
		abort();
	fprintf(f, "global = { backend = \"none\"; state_file = \"%s/state\"; "
	    "control_socket = \"%s\"; };\n"
	    "services = (\n"
	    " { name = \"web\"; address = \"203.0.113.10\"; port = 80;\n"
	    "   check = { type = \"tcp\"; interval = 60; };\n"
	    "   real_servers = ( { address = \"198.51.100.11\"; port = 80; "
	    "weight = 100; },\n"
	    "     { address = \"198.51.100.12\"; port = 80; weight = 50; } ); },\n"
	    " { name = \"v6\"; address = \"2001:db8::10\"; port = 443;\n"
	    "   real_servers = ( { address = \"2001:db8::11\"; port = 443; } ); }\n"
	    ");\n", dir, sock);
	fclose(f);
	mon_log_level(LOG_ERR);
	if (mon_model_load(&m, conf, &e) < 0)
		goto fail;
	if ((base = event_base_new()) == NULL ||
	    mon_state_defer_open(&m, base) < 0 ||
	    mon_reload_open(&m, base) < 0 || mon_slowstart_open(base) < 0 ||
	    mon_apply_open(&m, base, &e) < 0 ||
	    mon_alert_open(&m, base, &e) < 0 ||
	    mon_control_open(&m, base, sock, &e) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "control harness: %s\n", e.msg);
	abort();
}

/* One client: connect, write, shut the write side, read to the end. */
static void
client(const uint8_t *p, size_t n)
{
	struct sockaddr_un	 sa = { .sun_family = AF_UNIX };
	char			 buf[65536];
	size_t			 off = 0;
	ssize_t			 r;
	int			 fd, turns;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0)
		abort();
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		abort();
	for (turns = 0; turns < TURNS; turns++) {
		if (off < n) {
			r = send(fd, p + off, n - off, MSG_NOSIGNAL);
			if (r > 0)
				off += (size_t)r;
			else if (errno != EAGAIN)
				off = n;	/* the daemon closed on us */
			if (off == n)
				shutdown(fd, SHUT_WR);
		} else if (turns == 0)
			shutdown(fd, SHUT_WR);
		event_base_loop(base, EVLOOP_NONBLOCK);
		r = recv(fd, buf, sizeof(buf), 0);
		if (r == 0 || (r < 0 && errno != EAGAIN))
			break;		/* the daemon closed: done */
	}
	close(fd);
	/* let the daemon see the close (a stream client is freed then) */
	for (turns = 0; turns < 4; turns++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*p = data, *nl;
	size_t		 left = size;

	if (size > 64 * 1024)
		return -1;
	for (int i = 0; i < CLIENTS && (i == 0 || left > 0); i++) {
		size_t	n = left;

		if (i < CLIENTS - 1 && (nl = memchr(p, '\n', left)) != NULL)
			n = (size_t)(nl - p) + 1;
		client(p, n);
		p += n;
		left -= n;
	}
	return 0;
}

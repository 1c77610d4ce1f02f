/*
 * monitor/lvsmonctl.c - the command-line client of the control socket.
 * It sends the words of its command line as one line and prints the answer;
 * all checking of the command is the daemon's (one place, same errors for
 * every front end).  Exit: 0 ok, 1 the daemon said no or is not there,
 * 2 usage (ours, or the daemon's "usage:" answer).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "import.h"

#define DEFAULT_SOCKET	"/run/lvsmon/lvsmond.sock"
#define MAX_LINE	4096

static void
usage(void)
{
	fprintf(stderr,
	    "usage: lvsmonctl [-s SOCKET] COMMAND\n"
	    "  show [--json]                       services and servers\n"
	    "  set weight SERVICE SERVER WEIGHT    0..65535, or config\n"
	    "  enable|disable|drain SERVICE SERVER\n"
	    "  events [--json] [--since SEQ]       stream events (after SEQ)\n"
	    "  reload                              re-read the config file\n"
	    "  role [--json]                       failover role and peers\n"
	    "  failover                            a master hands over to a "
	    "peer\n"
	    "  import keepalived|ldirectord FILE   print it as an "
	    "lvsmond.conf\n"
	    "  import ipvs                         the kernel's IPVS table "
	    "as one\n"
	    "SERVER is addr:port or [v6addr]:port.  SOCKET defaults to "
	    "$LVSMON_SOCKET or %s.\n", DEFAULT_SOCKET);
	exit(2);
}

int
main(int argc, char **argv)
{
	const char		*path = getenv("LVSMON_SOCKET");
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	char			 line[MAX_LINE + 2], buf[65536];
	size_t			 len = 0, n;
	ssize_t			 r;
	int			 fd, ch, first = 1, failed = 0;

	while ((ch = getopt(argc, argv, "+s:h")) != -1)
		switch (ch) {
		case 's': path = optarg; break;
		default: usage();
		}
	if (optind == argc)
		usage();
	/* import reads files and the kernel, not the daemon */
	if (strcmp(argv[optind], "import") == 0)
		return mon_import_main(argc - optind, argv + optind);
	if (path == NULL || *path == '\0')
		path = DEFAULT_SOCKET;
	for (int i = optind; i < argc; i++) {
		n = strlen(argv[i]);
		if (n == 0 || strpbrk(argv[i], " \t\r\n") != NULL) {
			fprintf(stderr, "lvsmonctl: argument %d ('%s') is "
			    "empty or has blanks\n", i - optind + 1, argv[i]);
			return 2;
		}
		if (len + n + 1 > MAX_LINE) {
			fprintf(stderr, "lvsmonctl: command too long\n");
			return 2;
		}
		memcpy(line + len, argv[i], n);
		len += n;
		line[len++] = i + 1 < argc ? ' ' : '\n';
	}

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "lvsmonctl: %s: path too long\n", path);
		return 1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "lvsmonctl: cannot reach lvsmond at %s: %s\n",
		    path, strerror(errno));
		return 1;
	}
	/* a daemon that refuses us (too many clients, out of descriptors)
	   says why and closes before reading: read that, do not die of it */
	signal(SIGPIPE, SIG_IGN);
	for (size_t off = 0; off < len; off += (size_t)r)
		if ((r = write(fd, line + off, len - off)) < 0) {
			if (errno == EPIPE || errno == ECONNRESET)
				break;
			fprintf(stderr, "lvsmonctl: write: %s\n",
			    strerror(errno));
			return 1;
		}

	/* first line: "ok" or "error: ..."; the rest is the output */
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((r = read(fd, buf, sizeof(buf) - 1)) > 0) {
		char	*p = buf;

		buf[r] = '\0';
		if (first) {
			char *nl = memchr(buf, '\n', (size_t)r);

			if (strncmp(buf, "error: ", 7) == 0) {
				/* the daemon knows the grammar; a wrong
				   word count is still a usage error */
				failed = strncmp(buf + 7, "usage: ", 7) == 0 ?
				    2 : 1;
				first = 0;
				fprintf(stderr, "lvsmonctl: %.*s", (int)r - 7,
				    buf + 7);
				continue;
			}
			if (nl == NULL || strncmp(buf, "ok\n", 3) != 0) {
				fprintf(stderr, "lvsmonctl: unexpected answer "
				    "from lvsmond\n");
				return 1;
			}
			first = 0;
			p = nl + 1;
		}
		fwrite(p, 1, (size_t)(buf + r - p), failed ? stderr : stdout);
		fflush(failed ? stderr : stdout);
	}
	if (first && !failed) {
		fprintf(stderr, "lvsmonctl: lvsmond closed the connection "
		    "without an answer\n");
		return 1;
	}
	close(fd);
	return failed;
}

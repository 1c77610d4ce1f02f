/*
 * t/fuzz/agent.c - what an agent (HAProxy's agent-check protocol) answers
 * and what a weight file holds: the line as the agent check makes it (at
 * most 159 bytes, cut at CR, LF or NUL), parsed by mon_ws_parse() with
 * and without MON_WS_BARE, then handed to the real exactly as the
 * scheduler does (mon_ws_agent_done(): merge, log, the resource's weight
 * rule) and written to the real's weight file and read back
 * (mon_ws_file_read()).  The real's summary and scaled weight must stay
 * in range.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/log.h"
#include "monitor/model.h"
#include "monitor/probe.h"
#include "monitor/weightsrc.h"
#include "tmp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

#define LINE_MAX_AGENT	159	/* checkers/agent.c AGENT_LINE_MAX */

static struct mon_model	 m;
static struct mon_real	*rs;
static char		 dir[256], wfile[300];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct err	 e = { "" };
	char		 conf[300];
	FILE		*f;

	fz_tmpdir(dir, sizeof(dir), "agent");
	snprintf(conf, sizeof(conf), "%s/lvsmond.conf", dir);
	snprintf(wfile, sizeof(wfile), "%s/weight", dir);
	if ((f = fopen(conf, "w")) == NULL)
		abort();
	fprintf(f, "global = { backend = \"none\"; state_file = \"%s/state\"; "
	    "control_socket = \"%s/sock\"; };\n"
	    "services = ( { name = \"web\"; address = \"203.0.113.10\"; "
	    "port = 80; real_servers = ( { address = \"198.51.100.11\"; "
	    "port = 80; weight = 100; agent = { port = 9000; }; "
	    "weight_file = \"%s\"; } ); } );\n", dir, dir, wfile);
	fclose(f);
	if (mon_model_load(&m, conf, &e) < 0) {
		fprintf(stderr, "agent harness: %s\n", e.msg);
		abort();
	}
	unlink(conf);
	rs = mon_model_real(mon_model_service(&m, "web"),
	    "198.51.100.11:80");
	if (rs == NULL)
		abort();
	mon_log_level(LOG_ERR);	/* a warning per input is noise */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_result	 r = { .verdict = CHK_V_OK, .weight_hint = -1 };
	struct mon_ws_said	 said;
	char			 err[128], text[64], sum[256];
	size_t			 n = size < LINE_MAX_AGENT ? size : LINE_MAX_AGENT;
	FILE			*f;

	if (size > 4096)
		return -1;
	memcpy(r.msg, data, n);
	r.msg[n] = '\0';
	r.msg[strcspn(r.msg, "\r\n")] = '\0';

	if (mon_ws_parse(r.msg, 0, &said, err, sizeof(err)) < 0 &&
	    err[0] == '\0')
		abort();
	mon_ws_said_text(&said, text, sizeof(text));
	(void)mon_ws_parse(r.msg, MON_WS_BARE, &said, err, sizeof(err));
	if (said.pct < -1 || said.abs < -1 || said.abs > 65535)
		abort();

	mon_ws_agent_done(rs, &r, 1);
	if ((f = fopen(wfile, "w")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	mon_ws_file_read(rs);
	mon_ws_summary(rs, sum, sizeof(sum));
	if (mon_ws_scale(&rs->ws, rs->weight) > 65535)
		abort();
	return 0;
}

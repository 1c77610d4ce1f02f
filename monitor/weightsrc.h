/*
 * monitor/weightsrc.h - dynamic weight sources: what a real server's agent
 * says (HAProxy's agent-check protocol), what its weight file holds, and
 * whether the maintenance directory names it.  Each source only proposes;
 * mon_rs_weight() in resource.c is the one rule that combines them with the
 * health and admin states (the table in monitor/README.md, "Weight
 * sources", and lvsmond.conf(5)).
 *
 * The grammar (one line, words separated by blanks, tabs or commas, in any
 * order, the last word of a kind wins, text after '#' is a description):
 *   up                      the agent's opinion of health: serving allowed
 *   down | fail | stopped   not serving, at once (no fall count)
 *   ready                   clears drain and maint
 *   drain                   weight 0, established flows kept
 *   maint                   maintenance: weight 0, like `disable`
 *   NN% | weight:NN%        percentage of the weight (0 .. 100000)
 *   weight:N                absolute weight 0 .. 65535
 *   maxconn:N               accepted and ignored (no connection limit in
 *                           the packet core)
 *   N                       (weight files only) absolute weight, like
 *                           weight:N
 *
 * The agent's words are sticky (HAProxy's rule: what a reply does not
 * mention keeps its last value, and only the agent undoes what it did); a
 * weight file is read whole each time: its content is the whole effect,
 * and a missing, empty or bad file has none.
 *
 * Writers: weightsrc.c is the only writer of rs->ws (from the scheduler's
 * agent results and from weightwatch.c's file events); it tells
 * resource.c through mon_rs_sources_changed().
 */
#ifndef MON_WEIGHTSRC_H
#define MON_WEIGHTSRC_H

#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

#include "err.h"

/* The health word of a reply or file; NONE: not said. */
enum mon_ws_oper {
	MON_WS_OPER_NONE = 0,
	MON_WS_UP,
	MON_WS_DOWN,
	MON_WS_FAIL,
	MON_WS_STOPPED,
	MON_WS_OPER__COUNT
};

/* The admin word; NONE: not said.  READY is said, and means "neither". */
enum mon_ws_admin {
	MON_WS_ADMIN_NONE = 0,
	MON_WS_READY,
	MON_WS_DRAIN,
	MON_WS_MAINT,
	MON_WS_ADMIN__COUNT
};

extern const char *const mon_ws_oper_names[MON_WS_OPER__COUNT];
extern const char *const mon_ws_admin_names[MON_WS_ADMIN__COUNT];

/* What one agent reply or one weight file says. */
struct mon_ws_said {
	enum mon_ws_oper	 oper;
	enum mon_ws_admin	 admin;
	int			 pct;		/* percentage, -1 not said */
	int			 abs;		/* absolute weight, -1 not said
						   (pct and abs exclude each
						   other: the last one wins) */
	char			 desc[96];	/* after '#', "" none */
};

/* The weight file of one real (config, then runtime). */
struct mon_ws_file {
	char			*path;		/* expanded; owned; NULL none */
	int			 status;	/* enum below */
	int			 line;		/* line of the content or of the
						   error */
	char			 msg[160];	/* the error, for show and logs */
	struct mon_ws_said	 said;		/* status OK: its effect */
};

enum {
	MON_WSF_MISSING = 0,	/* no such file (or not read yet) */
	MON_WSF_OK,		/* read; said holds its effect */
	MON_WSF_EMPTY,		/* no words: no effect */
	MON_WSF_BAD,		/* not understood: no effect, logged once */
};

/* A real's dynamic sources: embedded in struct mon_real as `ws`. */
struct mon_ws {
	/* agent (runtime; the probe itself is rs->agent) */
	struct mon_ws_said	 agent;		/* merged, sticky */
	int			 agent_seen;	/* has had one good reply */
	int			 agent_reach;	/* 1 last run answered, 0 it did
						   not (no change made), -1 no
						   run yet */
	char			 agent_msg[160]; /* the last reply, or why the
						   agent could not be read */

	struct mon_ws_file	 file;

	/* maintenance directory: the file that names this real */
	char			 maint[96];	/* "" none */
};

struct mon_real;
struct mon_model;
struct probe_result;

/*
 * Parse one reply line or file content (up to the first CR or LF) into
 * *out (every field "not said" first).  flags MON_WS_BARE: a bare number
 * is an absolute weight (weight files).  Returns the number of words
 * understood, or -EINVAL with err saying which word was not (out still
 * holds those that were: an agent's good words count, HAProxy's rule).
 */
#define MON_WS_BARE	0x1
int	mon_ws_parse(const char *text, unsigned flags, struct mon_ws_said *out,
	    char *err, size_t errlen);

/* "75%", "20", "down", "drain 50%"...: what said asks for, "" nothing. */
void	mon_ws_said_text(const struct mon_ws_said *s, char *buf, size_t len);

/* The rule's pieces, read by mon_rs_weight() (resource.c). */
int	mon_ws_maint(const struct mon_ws *ws);	/* agent maint or maint dir */
int	mon_ws_down(const struct mon_ws *ws);	/* agent/file down */
int	mon_ws_drain(const struct mon_ws *ws);	/* agent/file drain */
int	mon_ws_absolute(const struct mon_ws *ws); /* file's, else agent's,
						     -1 none */
/* base x the agent's and the file's percentages, rounded, clamped to
   0..65535, at least 1 when base and every percentage are above 0 */
uint32_t mon_ws_scale(const struct mon_ws *ws, uint32_t base);

/* What the sources do to this real, one line ("agent 75%, file down");
   "" when none is configured. */
void	mon_ws_summary(const struct mon_real *rs, char *buf, size_t len);

/* Start state of rs->ws (no agent word, file unread, no maintenance). */
void	mon_ws_init(struct mon_ws *ws);
/* Free what the config put in ws (the file path). */
void	mon_ws_free(struct mon_ws *ws);

/*
 * An agent run ended (the scheduler calls this instead of mon_rs_verdict
 * for rs->agent).  An answer is parsed and merged; no answer changes
 * nothing but the message.
 */
void	mon_ws_agent_done(struct mon_real *rs, const struct probe_result *r,
	    unsigned duration_ms);

/* Re-read rs's weight file (weightwatch.c, on start and on events). */
void	mon_ws_file_read(struct mon_real *rs);
/* Set rs's maintenance mark: name the file found, or NULL: none. */
void	mon_ws_maint_set(struct mon_real *rs, const char *name);

/*
 * Config: a real's `agent` and `weight_file` keys, its own or the
 * service's (rset, sset: the real's and the service's groups).  Builds
 * rs->agent and rs->ws.file.path.  0 or -EINVAL with e naming file:line.
 */
int	mon_ws_conf_real(struct mon_real *rs, const config_setting_t *rset,
	    const config_setting_t *sset, const char *where, struct err *e);

/*
 * The watcher (weightwatch.c): one inotify descriptor for the daemon on
 * the loop, watching the directories of the weight files and the
 * maintenance directory.  Reads every file once at open.  0 or -errno
 * with e set (inotify itself failed); a missing directory is only logged
 * and retried every few seconds.
 */
struct event_base;
int	mon_ws_watch_open(struct mon_model *m, struct event_base *base,
	    struct err *e);
void	mon_ws_watch_close(void);

#endif

/*
 * monitor/import.h - lvsmonctl import: another director's configuration (or
 * the kernel's IPVS table) into an lvsmond.conf on stdout.
 *
 * An importer (import_keepalived.c, import_ldirectord.c, import_ipvs.c)
 * fills one struct mon_imp: services, their reals and checks as ready-made
 * libconfig text, plus comments; import.c writes the file in one order
 * (global, services, alerts, then the comments that have no key, such as
 * a VRRP block).  Nothing read is dropped without a trace: what has no
 * lvsmon key becomes a "# FILE:LINE: not mapped: ..." comment next to
 * where it would have gone.
 *
 * Owner: the importer's caller (mon_import_main) frees everything with
 * mon_imp_free().  Nothing here runs on the daemon's loop: lvsmonctl only.
 */
#ifndef MON_IMPORT_H
#define MON_IMPORT_H

#include <stdio.h>

#include "err.h"

/* A growing text (open_memstream): fprintf(t->f, ...). */
struct mon_imp_text {
	char	*s;
	size_t	 n;
	FILE	*f;
};

/* Every struct below owns its texts; the arrays hold pointers because
 * each text's stream points into its struct (it must not move). */
struct mon_imp_real {
	char		 addr[64];	/* as written */
	int		 port;		/* 0: the service's */
	int		 weight;	/* -1: lvsmon's default */
	struct mon_imp_text keys;	/* more "key = value;" */
	struct mon_imp_text check;	/* the check group's inside */
	struct mon_imp_text notes;	/* "# ..." lines */
};

struct mon_imp_svc {
	char		 name[64];
	struct mon_imp_text keys;	/* address, port, ... */
	struct mon_imp_text check;	/* "": each real has its own */
	struct mon_imp_text notes;
	struct mon_imp_real **reals;
	size_t		 nreals;
};

struct mon_imp {
	const char	*what;		/* "keepalived", ... */
	const char	*source;	/* the file, or "kernel" */
	struct mon_imp_text head;	/* comments at the top */
	struct mon_imp_text global;	/* global keys */
	struct mon_imp_svc **svcs;
	size_t		 nsvcs;
	struct mon_imp_text alerts;	/* alert groups, each "{...}" */
	size_t		 nalerts;
	struct mon_imp_text tail;	/* comments at the end */
	unsigned	 unmapped;	/* "not mapped" comments */
};

/* Text buffers. */
/* reallocarray/strdup that end lvsmonctl (exit 1) when memory runs out */
void	*mon_imp_realloc(void *p, size_t n, size_t size);
char	*mon_imp_strdup(const char *s);
void	mon_imp_text_init(struct mon_imp_text *t);
void	mon_imp_text_free(struct mon_imp_text *t);
/* The text so far ("" if none); stays valid until the next write. */
const char *mon_imp_text_str(struct mon_imp_text *t);

void	mon_imp_init(struct mon_imp *m, const char *what,
	    const char *source);
void	mon_imp_free(struct mon_imp *m);
/* A new service / real, zeroed, its texts open; NULL only without
 * memory (then lvsmonctl exits). */
struct mon_imp_svc *mon_imp_svc_add(struct mon_imp *m, const char *name);
struct mon_imp_real *mon_imp_real_add(struct mon_imp_svc *s,
	    const char *addr, int port);
/* Write s into t as a libconfig string, quotes and escapes included. */
void	mon_imp_quote(FILE *f, const char *s);
/* "# FILE:LINE: not mapped: WHAT" into t, counted in m->unmapped. */
void	mon_imp_unmapped(struct mon_imp *m, struct mon_imp_text *t,
	    const char *file, int line, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* If every real has the same check text, move it to the service. */
void	mon_imp_hoist_checks(struct mon_imp_svc *s);
/* The whole lvsmond.conf. */
void	mon_imp_write(struct mon_imp *m, FILE *out);

/* The importers: 0 or -errno with FILE:LINE: why in e. */
int	mon_import_keepalived(struct mon_imp *m, const char *path,
	    struct err *e);
int	mon_import_ldirectord(struct mon_imp *m, const char *path,
	    struct err *e);
int	mon_import_ipvs(struct mon_imp *m, struct err *e);

/* lvsmonctl import WHAT [FILE]: argv[0] is "import"; the exit status. */
int	mon_import_main(int argc, char **argv);

#endif

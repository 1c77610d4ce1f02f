/*
 * monitor/import.c - lvsmonctl import: the dispatch and the writer of the
 * lvsmond.conf that an importer filled in (monitor/import.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

void
mon_imp_text_init(struct mon_imp_text *t)
{
	t->s = NULL;
	t->n = 0;
	if ((t->f = open_memstream(&t->s, &t->n)) == NULL) {
		/* lvsmonctl is a short-lived tool: without memory, stop */
		fprintf(stderr, "lvsmonctl: out of memory\n");
		exit(1);
	}
}

void
mon_imp_text_free(struct mon_imp_text *t)
{
	if (t->f != NULL)
		fclose(t->f);
	t->f = NULL;
	free(t->s);
	t->s = NULL;
}

const char *
mon_imp_text_str(struct mon_imp_text *t)
{
	fflush(t->f);
	return t->s != NULL ? t->s : "";
}

/* A text of keys without its trailing blanks, for "{ ... }". */
static void
put_keys(FILE *out, struct mon_imp_text *t)
{
	const char	*s = mon_imp_text_str(t);
	size_t		 n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		n--;
	fprintf(out, "%.*s", (int)n, s);
}

void
mon_imp_init(struct mon_imp *m, const char *what, const char *source)
{
	memset(m, 0, sizeof(*m));
	m->what = what;
	m->source = source;
	mon_imp_text_init(&m->head);
	mon_imp_text_init(&m->global);
	mon_imp_text_init(&m->alerts);
	mon_imp_text_init(&m->tail);
}

void
mon_imp_free(struct mon_imp *m)
{
	for (size_t i = 0; i < m->nsvcs; i++) {
		struct mon_imp_svc *s = m->svcs[i];

		for (size_t j = 0; j < s->nreals; j++) {
			mon_imp_text_free(&s->reals[j]->keys);
			mon_imp_text_free(&s->reals[j]->check);
			mon_imp_text_free(&s->reals[j]->notes);
			free(s->reals[j]);
		}
		free(s->reals);
		mon_imp_text_free(&s->keys);
		mon_imp_text_free(&s->check);
		mon_imp_text_free(&s->notes);
		free(s);
	}
	free(m->svcs);
	mon_imp_text_free(&m->head);
	mon_imp_text_free(&m->global);
	mon_imp_text_free(&m->alerts);
	mon_imp_text_free(&m->tail);
}

/* lvsmonctl is a short-lived tool: without memory, it stops */
void *
mon_imp_realloc(void *p, size_t n, size_t size)
{
	if ((p = reallocarray(p, n ? n : 1, size)) == NULL) {
		fprintf(stderr, "lvsmonctl: out of memory\n");
		exit(1);
	}
	return p;
}

char *
mon_imp_strdup(const char *s)
{
	char	*d = strdup(s);

	if (d == NULL) {
		fprintf(stderr, "lvsmonctl: out of memory\n");
		exit(1);
	}
	return d;
}

struct mon_imp_svc *
mon_imp_svc_add(struct mon_imp *m, const char *name)
{
	struct mon_imp_svc	*s;
	char			 base[48];
	int			 k = 1;

	m->svcs = mon_imp_realloc(m->svcs, m->nsvcs + 1, sizeof(*m->svcs));
	s = m->svcs[m->nsvcs++] = mon_imp_realloc(NULL, 1, sizeof(*s));
	memset(s, 0, sizeof(*s));
	/* lvsmonctl's words have no blanks ("Web Site" -> "Web-Site");
	   names must be unique: a second "web" becomes "web-2" */
	snprintf(base, sizeof(base), "%s", name);
	for (char *p = base; *p != '\0'; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			*p = '-';
	snprintf(s->name, sizeof(s->name), "%s", base);
	for (size_t i = 0; i + 1 < m->nsvcs; i++)
		if (strcmp(m->svcs[i]->name, s->name) == 0) {
			snprintf(s->name, sizeof(s->name), "%s-%d", base,
			    ++k);
			i = (size_t)-1;
		}
	mon_imp_text_init(&s->keys);
	mon_imp_text_init(&s->check);
	mon_imp_text_init(&s->notes);
	return s;
}

struct mon_imp_real *
mon_imp_real_add(struct mon_imp_svc *s, const char *addr, int port)
{
	struct mon_imp_real	*r;

	s->reals = mon_imp_realloc(s->reals, s->nreals + 1, sizeof(*s->reals));
	r = s->reals[s->nreals++] = mon_imp_realloc(NULL, 1, sizeof(*r));
	memset(r, 0, sizeof(*r));
	snprintf(r->addr, sizeof(r->addr), "%s", addr);
	r->port = port;
	r->weight = -1;
	mon_imp_text_init(&r->keys);
	mon_imp_text_init(&r->check);
	mon_imp_text_init(&r->notes);
	return r;
}

void
mon_imp_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':	fputs("\\\"", f); break;
		case '\\':	fputs("\\\\", f); break;
		case '\n':	fputs("\\n", f); break;
		case '\r':	fputs("\\r", f); break;
		case '\t':	fputs("\\t", f); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\x%02x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

void
mon_imp_unmapped(struct mon_imp *m, struct mon_imp_text *t, const char *file,
    int line, const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* one comment line, whatever the source held */
	for (char *p = buf; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(t->f, "# %s:%d: not mapped: %s\n", file, line, buf);
	m->unmapped++;
}

void
mon_imp_hoist_checks(struct mon_imp_svc *s)
{
	const char	*first;

	if (s->nreals == 0 || *mon_imp_text_str(&s->check) != '\0')
		return;
	first = mon_imp_text_str(&s->reals[0]->check);
	if (*first == '\0')
		return;
	for (size_t i = 1; i < s->nreals; i++)
		if (strcmp(mon_imp_text_str(&s->reals[i]->check), first) != 0)
			return;
	fputs(first, s->check.f);
	for (size_t i = 0; i < s->nreals; i++) {
		mon_imp_text_free(&s->reals[i]->check);
		mon_imp_text_init(&s->reals[i]->check);
	}
}

/* Comment lines, each indented by ind. */
static void
put_lines(FILE *out, const char *ind, const char *text)
{
	while (*text != '\0') {
		const char *nl = strchr(text, '\n');
		size_t n = nl != NULL ? (size_t)(nl - text) : strlen(text);

		fprintf(out, "%s%.*s\n", ind, (int)n, text);
		text += n + (nl != NULL);
	}
}

static void
write_real(FILE *out, struct mon_imp_real *r, int last)
{
	const char	*keys = mon_imp_text_str(&r->keys);
	const char	*check = mon_imp_text_str(&r->check);

	put_lines(out, "      ", mon_imp_text_str(&r->notes));
	fprintf(out, "      { address = ");
	mon_imp_quote(out, r->addr);
	fprintf(out, ";");
	if (r->port > 0)
		fprintf(out, " port = %d;", r->port);
	if (r->weight >= 0)
		fprintf(out, " weight = %d;", r->weight);
	if (*keys != '\0') {
		fputc(' ', out);
		put_keys(out, &r->keys);
	}
	if (*check != '\0') {
		fprintf(out, "\n        check = { ");
		put_keys(out, &r->check);
		fprintf(out, " };");
	}
	fprintf(out, " }%s\n", last ? "" : ",");
}

void
mon_imp_write(struct mon_imp *m, FILE *out)
{
	const char	*g = mon_imp_text_str(&m->global);

	fprintf(out, "# lvsmond.conf(5) made by lvsmonctl import %s from %s\n",
	    m->what, m->source);
	fprintf(out, "# %u item(s) could not be mapped: see the \"not "
	    "mapped\" comments.\n", m->unmapped);
	put_lines(out, "", mon_imp_text_str(&m->head));
	fprintf(out, "global = {%s%s};\n", *g != '\0' ? " " : "", g);
	fprintf(out, "services = (\n");
	for (size_t i = 0; i < m->nsvcs; i++) {
		struct mon_imp_svc	*s = m->svcs[i];
		const char		*check = mon_imp_text_str(&s->check);

		put_lines(out, "  ", mon_imp_text_str(&s->notes));
		fprintf(out, "  {\n    name = ");
		mon_imp_quote(out, s->name);
		fprintf(out, ";\n    ");
		put_keys(out, &s->keys);
		fputc('\n', out);
		if (*check != '\0') {
			fprintf(out, "    check = { ");
			put_keys(out, &s->check);
			fprintf(out, " };\n");
		}
		fprintf(out, "    real_servers = (\n");
		for (size_t j = 0; j < s->nreals; j++)
			write_real(out, s->reals[j], j + 1 == s->nreals);
		fprintf(out, "    );\n  }%s\n", i + 1 < m->nsvcs ? "," : "");
	}
	fprintf(out, ");\n");
	if (m->nalerts > 0)
		fprintf(out, "alerts = (\n%s);\n",
		    mon_imp_text_str(&m->alerts));
	put_lines(out, "", mon_imp_text_str(&m->tail));
}

static void
import_usage(void)
{
	fprintf(stderr,
	    "usage: lvsmonctl import keepalived FILE\n"
	    "       lvsmonctl import ldirectord FILE\n"
	    "       lvsmonctl import ipvs\n"
	    "Prints an lvsmond.conf on stdout; what has no lvsmon key is a\n"
	    "\"# FILE:LINE: not mapped: ...\" comment.\n");
}

int
mon_import_main(int argc, char **argv)
{
	struct mon_imp	m;
	struct err	e = { .msg = "" };
	int		rc;

	if (argc < 2 || (strcmp(argv[1], "ipvs") == 0 ? argc != 2 :
	    argc != 3)) {
		import_usage();
		return 2;
	}
	if (strcmp(argv[1], "keepalived") == 0) {
		mon_imp_init(&m, "keepalived", argv[2]);
		rc = mon_import_keepalived(&m, argv[2], &e);
	} else if (strcmp(argv[1], "ldirectord") == 0) {
		mon_imp_init(&m, "ldirectord", argv[2]);
		rc = mon_import_ldirectord(&m, argv[2], &e);
	} else if (strcmp(argv[1], "ipvs") == 0) {
		mon_imp_init(&m, "ipvs", "the kernel's IPVS table");
		rc = mon_import_ipvs(&m, &e);
	} else {
		import_usage();
		return 2;
	}
	if (rc == 0)
		mon_imp_write(&m, stdout);
	else
		fprintf(stderr, "lvsmonctl: import %s: %s\n", argv[1],
		    e.msg[0] != '\0' ? e.msg : strerror(-rc));
	mon_imp_free(&m);
	if (rc == 0 && fflush(stdout) != 0) {
		fprintf(stderr, "lvsmonctl: stdout: %s\n", strerror(errno));
		return 1;
	}
	return rc == 0 ? 0 : 1;
}

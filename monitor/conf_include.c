/*
 * monitor/conf_include.c - @include paths checked before libconfig reads
 * them (see conf_include.h for why).  The scan follows libconfig 1.5's
 * scanner: a line of blanks, "@include", blanks, a quoted path where \\
 * and \" are the only escapes, the path relative to the current
 * directory; it ends at a NUL byte as libconfig's copy does.  It does not
 * know comments: an @include line inside a block comment is checked too,
 * which can only refuse a file that names a directory there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf_include.h"

#define INCLUDE_DEPTH	10	/* libconfig's MAX_INCLUDE_DEPTH */
#define INCLUDE_READ	(16u << 20)	/* larger files: left to libconfig */

static int	check_file(const char *file, int depth, struct err *e);

/* The path of an @include line at s (a line), or NULL; *bad: an escape
 * libconfig does not know. */
static char *
include_path(const char *s, const char *end, int *bad)
{
	static const char	kw[] = "@include";
	char			*p, *o;

	*bad = 0;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if ((size_t)(end - s) < sizeof(kw) || memcmp(s, kw, sizeof(kw) - 1))
		return NULL;
	s += sizeof(kw) - 1;
	if (s >= end || (*s != ' ' && *s != '\t'))
		return NULL;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s >= end || *s++ != '"')
		return NULL;
	if ((p = o = malloc((size_t)(end - s) + 1)) == NULL)
		return NULL;
	for (; s < end && *s != '"'; s++) {
		if (*s == '\\') {
			if (s + 1 >= end || (s[1] != '\\' && s[1] != '"'))
				*bad = 1;
			else
				s++;
		}
		*o++ = *s;
	}
	*o = '\0';		/* and a NUL inside ends it, as in libconfig */
	return p;
}

static int
check_text(const char *file, const char *buf, size_t len, int depth,
    struct err *e)
{
	const char	*line = buf, *end = buf + len, *nl;
	struct stat	 st;
	char		*path;
	int		 lineno = 1, bad, rc = 0;

	for (; line < end && rc == 0; line = nl + 1, lineno++) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		if ((path = include_path(line, nl, &bad)) == NULL)
			continue;
		if (bad)
			rc = err_set(e, -EINVAL, "%s:%d: @include \"%.64s\": "
			    "only \\\\ and \\\" escapes", file, lineno, path);
		else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
			rc = err_set(e, -EINVAL, "%s:%d: @include \"%.64s\": "
			    "not a regular file", file, lineno, path);
		else if (depth < INCLUDE_DEPTH && stat(path, &st) == 0)
			rc = check_file(path, depth + 1, e);
		free(path);
	}
	return rc;
}

static int
check_file(const char *file, int depth, struct err *e)
{
	struct stat	 st;
	FILE		*f;
	char		*buf;
	size_t		 n;
	int		 rc;

	/* not there, unreadable, huge: libconfig says so itself */
	if (stat(file, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > INCLUDE_READ || (f = fopen(file, "r")) == NULL)
		return 0;
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(f);
		return err_set(e, -ENOMEM, "out of memory");
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	rc = check_text(file, buf, n, depth, e);
	free(buf);
	return rc;
}

int
mon_conf_includes_check(const char *file, struct err *e)
{
	return check_file(file, 0, e);
}

/*
 * t/fuzz/tmp.h - a harness's scratch directory under $TMPDIR (run.sh and
 * t/e2e/fuzz.t point it at a directory they remove afterwards).
 */
#ifndef T_FUZZ_TMP_H
#define T_FUZZ_TMP_H

#include <stdio.h>
#include <stdlib.h>

static inline void
fz_tmpdir(char *buf, size_t len, const char *tag)
{
	const char	*t = getenv("TMPDIR");

	snprintf(buf, len, "%s/lvsmon-fuzz-%s.XXXXXX",
	    t != NULL && t[0] != '\0' ? t : "/tmp", tag);
	if (mkdtemp(buf) == NULL)
		abort();
}

#endif

/*
 * checkers/chk_exec.h - what the exec check makes of a plugin's output,
 * public so that the fuzz harness (t/fuzz/exec.c) reaches it.
 */
#ifndef CHK_EXEC_H
#define CHK_EXEC_H

#include <stddef.h>

/* First line of s (at most len bytes, NULs allowed: the line ends there),
 * trimmed, control characters made spaces, into out (outlen > 0).  The
 * Nagios perfdata after '|' stays in the line: the check does not parse
 * it, the message carries it. */
void	chk_exec_first_line(const char *s, size_t len, char *out,
	    size_t outlen);

#endif

/*
 * t/fuzz/exec.c - a plugin's output (a Nagios plugin, an ldirectord or
 * HAProxy external check): stdout and stderr as the exec check receives
 * them from checkers/spawn.c (any bytes, NULs included, up to max_output),
 * through chk_exec_first_line(), which makes the check's message (the
 * first line, perfdata after '|' kept as text: lvsmon does not parse it).
 * The message must be one printable line that fits.
 *
 * Input: two bytes of split point, then stdout, then stderr.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checkers/chk_exec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one(const char *s, size_t len, size_t outlen)
{
	char	*out = malloc(outlen);
	size_t	 n;

	if (out == NULL)
		return;
	chk_exec_first_line(s, len, out, outlen);
	n = strlen(out);
	if (n >= outlen)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < ' ')
			abort();
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	 split;
	char	*out, *err;

	if (size < 2 || size > (1 << 20))
		return -1;
	split = ((size_t)data[0] << 8 | data[1]) % (size - 1);
	data += 2;
	size -= 2;
	/* two buffers of their exact sizes, not NUL-terminated: spawn.c's
	   buffers hold what the pipe gave */
	out = malloc(split + 1);
	err = malloc(size - split + 1);
	if (out == NULL || err == NULL) {
		free(out);
		free(err);
		return 0;
	}
	memcpy(out, data, split);
	memcpy(err, data + split, size - split);
	one(out, split, 160);			/* probe_result.msg */
	one(err, size - split, 160);
	one(out, split, 1);
	one(err, size - split, 7);
	free(out);
	free(err);
	return 0;
}

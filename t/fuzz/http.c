/*
 * t/fuzz/http.c - what a real server sends to the http/https check: the
 * status line, the header block's end and Content-Length, through the
 * same functions the check calls (checkers/chk_http.h), fed the way
 * http_progress() feeds them: the bytes read so far, NUL-terminated,
 * arriving in pieces (the first byte of the input picks the piece size).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checkers/chk_http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR_MAX	16384	/* the check's HTTP_HDR_MAX */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		 step, len = 0, hdr_end = 0, i;
	int		 status = -1;
	long long	 clen;
	char		*buf;

	if (size < 1 || size > 4 * HDR_MAX)
		return -1;
	step = data[0] % 64 + 1;
	data++;
	size--;
	/* exactly as big as what was read, plus the NUL: ASan sees any
	   read past it */
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	while (len < size) {
		size_t	old = len;

		len = len + step < size ? len + step : size;
		memcpy(buf + old, data + old, len - old);
		buf[len] = '\0';
		if (status < 0 && memchr(buf, '\n', len) != NULL) {
			status = chk_http_parse_status(buf);
			if (status < 0)
				break;		/* malformed: the run ends */
			if (status > 999)
				abort();
		}
		if (hdr_end != 0)
			continue;
		for (i = old > 3 ? old - 3 : 0; i < len; i++) {
			if (buf[i] != '\n')
				continue;
			if (i + 1 < len && buf[i + 1] == '\n') {
				hdr_end = i + 2;
				break;
			}
			if (i + 2 < len && buf[i + 1] == '\r' &&
			    buf[i + 2] == '\n') {
				hdr_end = i + 3;
				break;
			}
		}
		if (hdr_end == 0 && len >= HDR_MAX)
			break;
		if (hdr_end != 0) {
			clen = chk_http_content_length(buf, hdr_end);
			if (clen < -1)
				abort();
		}
	}
	/* at EOF the check judges whatever came: the status line alone */
	buf[len] = '\0';
	(void)chk_http_parse_status(buf);
	(void)chk_http_content_length(buf, len);
	free(buf);
	return 0;
}

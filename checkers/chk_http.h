/*
 * checkers/chk_http.h - the http check's reply parsers, public so that the
 * fuzz harness (t/fuzz/http.c) reaches exactly what the check runs on the
 * bytes a real server sends.
 */
#ifndef CHK_HTTP_H
#define CHK_HTTP_H

#include <stddef.h>

/* "HTTP/1.1 200 OK": returns the code, or -1 when the line is not a
 * status line.  line is NUL-terminated at or after its end. */
int		chk_http_parse_status(const char *line);

/* Content-Length from the header block buf[0..end), or -1.  buf is
 * NUL-terminated at or after end. */
long long	chk_http_content_length(const char *buf, size_t end);

#endif

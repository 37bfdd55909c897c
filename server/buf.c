/*
 * buf.c — the server's output buffer, and its JSON through the
 * library's writer.
 *
 * Responses are built in a growing buffer (doubling, through the
 * library's allocation door) with an optional cap; a failure is sticky,
 * so a handler writes a whole document and checks once at the end.
 * JSON strings and numbers go through json.c's writer (sp_json_put_str,
 * sp_json_put_double), the one the CLI's files use: strings escaped,
 * also for HTML contexts (<, >, & as \u escapes), invalid UTF-8 — which
 * may come back from a client's bytes in an error message — replaced by
 * U+FFFD; numbers in the shortest form that reads back exactly.  So
 * every body the server sends is valid UTF-8 JSON.
 */
#include "server.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void srv_buf_init(srv_buf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	b->max = max;
}

void srv_buf_free(srv_buf *b)
{
	sp_free(b->p);
	memset(b, 0, sizeof *b);
}

static bool reserve(srv_buf *b, size_t extra)
{
	if (b->failed)
		return false;
	if (extra > SIZE_MAX / 2 - b->len ||
	    (b->max && b->len + extra > b->max)) {
		b->failed = true;
		return false;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = sp_realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void srv_buf_put(srv_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void srv_buf_puts(srv_buf *b, const char *s)
{
	srv_buf_put(b, s, strlen(s));
}

void srv_buf_printf(srv_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t)n < sizeof small) {
		srv_buf_put(b, small, (size_t)n);
		return;
	}
	if (!reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void buf_put(void *ctx, const char *s, size_t n)
{
	srv_buf_put(ctx, s, n);
}

void srv_json_str(srv_buf *b, const char *s, size_t n)
{
	sp_json_put_str(buf_put, b, s, n, SP_JSON_HTML);
}

void srv_json_cstr(srv_buf *b, const char *s)
{
	srv_json_str(b, s, strlen(s));
}

void srv_json_num(srv_buf *b, double v)
{
	sp_json_put_double(buf_put, b, v);
}

void srv_json_key(srv_buf *b, const char *key, bool first)
{
	if (!first)
		srv_buf_put(b, ",", 1);
	srv_json_cstr(b, key);
	srv_buf_put(b, ":", 1);
}

/*
 * jsonw.c — the server's output buffer and JSON writer.
 *
 * Responses are built in a growing buffer (doubling, through the
 * library's allocation door) with an optional cap; a failure is sticky,
 * so a handler writes a whole document and checks once at the end.
 * Strings are escaped for JSON and also for HTML contexts (<, >, & as
 * \u escapes), and invalid UTF-8 — which may come back from a client's
 * bytes in an error message — is replaced by U+FFFD, so every body the
 * server sends is valid UTF-8 JSON.
 */
#include "server.h"

#include <math.h>
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

/* Length of the valid UTF-8 sequence at s[0..n) (n >= 1), or 0 when the
 * bytes there are not one (RFC 3629: no overlongs, no surrogates, at
 * most U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t k;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		k = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		k = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	unsigned cp = c & (0x7f >> k);
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

void srv_json_str(srv_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	srv_buf_put(b, "\"", 1);
	size_t i = 0;
	while (i < n && !b->failed) {
		size_t run = i;
		/* Copy the longest run that needs no escape at once. */
		while (run < n && u[run] >= 0x20 && u[run] < 0x80 &&
		       u[run] != '"' && u[run] != '\\' && u[run] != '<' &&
		       u[run] != '>' && u[run] != '&')
			run++;
		srv_buf_put(b, s + i, run - i);
		i = run;
		if (i == n)
			break;
		unsigned c = u[i];
		if (c >= 0x80) {
			size_t k = utf8_len(u + i, n - i);
			if (k) {
				srv_buf_put(b, s + i, k);
				i += k;
			} else {
				srv_buf_put(b, "\xef\xbf\xbd", 3);
				i++;
			}
			continue;
		}
		char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			srv_buf_put(b, esc, 2);
		} else if (c == '\n') {
			srv_buf_put(b, "\\n", 2);
		} else if (c == '\t') {
			srv_buf_put(b, "\\t", 2);
		} else {
			srv_buf_put(b, esc, 6);
		}
		i++;
	}
	srv_buf_put(b, "\"", 1);
}

void srv_json_cstr(srv_buf *b, const char *s)
{
	srv_json_str(b, s, strlen(s));
}

void srv_json_num(srv_buf *b, double v)
{
	if (!isfinite(v)) {
		srv_buf_puts(b, "null");
		return;
	}
	if (fabs(v) < 1e15 && v == (double)(long long)v) {
		srv_buf_printf(b, "%lld", (long long)v);
		return;
	}
	srv_buf_printf(b, "%.10g", v);
}

void srv_json_key(srv_buf *b, const char *key, bool first)
{
	if (!first)
		srv_buf_put(b, ",", 1);
	srv_json_cstr(b, key);
	srv_buf_put(b, ":", 1);
}

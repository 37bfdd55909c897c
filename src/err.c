/*
 * err.c — status strings (from the one table in smartpick.h) and the
 * helper that fills an sp_err with "file:line: field: message".
 */
#include "internal.h"

#include <stdio.h>

const char *sp_strerror(sp_status s)
{
	switch (s) {
#define SP_X_CASE(name, code, text) \
	case SP_##name:             \
		return text;
		SP_STATUS_MAP(SP_X_CASE)
#undef SP_X_CASE
	}
	return "unknown status";
}

void sp__err_clear(sp_err *e)
{
	if (e)
		memset(e, 0, sizeof *e);
}

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Appends src to dst (of `size` bytes, holding `*used`), truncating. */
static void append(char *dst, size_t size, size_t *used, const char *src)
{
	size_t n = strlen(src);
	if (*used + n >= size)
		n = size - 1 - *used;
	memcpy(dst + *used, src, n);
	*used += n;
	dst[*used] = '\0';
}

sp_status sp__err_set(sp_err *e, sp_status s, const char *file, long line,
                      const char *field, const char *fmt, ...)
{
	if (!e)
		return s;
	char detail[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	copy_str(e->file, sizeof e->file, file);
	e->line = line;
	copy_str(e->field, sizeof e->field, field);
	size_t used = 0;
	e->msg[0] = '\0';
	if (file && *file) {
		append(e->msg, sizeof e->msg, &used, e->file);
		if (line > 0) {
			char num[32];
			snprintf(num, sizeof num, ":%ld", line);
			append(e->msg, sizeof e->msg, &used, num);
		}
		append(e->msg, sizeof e->msg, &used, ": ");
	}
	if (field && *field) {
		append(e->msg, sizeof e->msg, &used, "field '");
		append(e->msg, sizeof e->msg, &used, e->field);
		append(e->msg, sizeof e->msg, &used, "': ");
	}
	append(e->msg, sizeof e->msg, &used, detail);
	return s;
}

/*
 * err.c — status strings (from the one table in smartpick.h) and the
 * helper that fills an sp_err with "file:line: field: message".
 */
#include "internal.h"

#include <stdio.h>

const char *sp_strerror(sp_status s)
{
	switch (s) {
#define SP_X_CASE(name, code, text)                                        \
	case SP_##name:                                                    \
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
	char where[300] = "";
	if (file && *file && line > 0)
		snprintf(where, sizeof where, "%s:%ld: ", e->file, line);
	else if (file && *file)
		snprintf(where, sizeof where, "%s: ", e->file);
	if (field && *field)
		snprintf(e->msg, sizeof e->msg, "%sfield '%s': %s", where,
			 e->field, detail);
	else
		snprintf(e->msg, sizeof e->msg, "%s%s", where, detail);
	return s;
}

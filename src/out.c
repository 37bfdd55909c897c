/*
 * out.c — buffered writing for the output formats: integers and strings
 * without printf, with one failure flag checked at the end.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sp__out_init(sp__out *o, FILE *f)
{
	o->f = f;
	o->n = 0;
	o->failed = false;
}

static void drain(sp__out *o)
{
	if (o->n && fwrite(o->buf, 1, o->n, o->f) != o->n)
		o->failed = true;
	o->n = 0;
}

void sp__out_mem(sp__out *o, const char *s, size_t n)
{
	if (n > sizeof o->buf - o->n) {
		drain(o);
		if (n > sizeof o->buf) {
			if (fwrite(s, 1, n, o->f) != n)
				o->failed = true;
			return;
		}
	}
	memcpy(o->buf + o->n, s, n);
	o->n += n;
}

void sp__out_str(sp__out *o, const char *s)
{
	sp__out_mem(o, s, strlen(s));
}

void sp__out_char(sp__out *o, char c)
{
	if (o->n == sizeof o->buf)
		drain(o);
	o->buf[o->n++] = c;
}

void sp__out_int(sp__out *o, long v)
{
	char tmp[24];
	int i = sizeof tmp;
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	sp__out_mem(o, tmp + i, sizeof tmp - i);
}

bool sp__out_flush(sp__out *o)
{
	drain(o);
	if (fflush(o->f) != 0)
		o->failed = true;
	return !o->failed;
}

sp_status sp__out_string(sp_status (*write)(const void *obj, FILE *f),
                         const void *obj, char **out, size_t *outlen,
                         sp_err *err)
{
	char *buf = NULL;
	size_t n = 0;
	*out = NULL;
	*outlen = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f)
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	sp_status s = write(obj, f);
	if (fclose(f) || s) {
		free(buf);
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "cannot write the report");
	}
	/* Hand over through the library's allocation door. */
	if (!(*out = sp_malloc(n + 1))) {
		free(buf);
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	}
	memcpy(*out, buf, n + 1);
	*outlen = n;
	free(buf);
	return SP_OK;
}

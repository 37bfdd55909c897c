/*
 * csv.c — the CSV tokenizer (RFC 4180) and the text helpers shared by the
 * text readers; see csv.h for the contract.
 *
 * The tokenizer walks the input once.  Unquoted fields are found as a
 * span and copied whole; quoted fields are copied byte by byte so that
 * doubled quotes collapse.  Each record's fields go to one reusable
 * buffer, NUL-separated, so reading a file allocates only while the
 * largest record grows the buffer.  The record cap is checked while
 * scanning, so a huge line costs time proportional to the cap, not to the
 * line.  Rejected: trimming spaces around unquoted fields (RFC 4180 keeps
 * them, and a writer that never trims round-trips any name) and accepting
 * a quote inside an unquoted field (ambiguous; it usually means a
 * spreadsheet mangled the file).
 */
#include "csv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void sp__csv_init(sp__csv *c, const char *buf, size_t len, const char *name)
{
	memset(c, 0, sizeof *c);
	c->name = name ? name : "";
	c->p = buf;
	c->end = buf + len;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		c->p += 3;
	c->next_line = 1;
}

void sp__csv_free(sp__csv *c)
{
	SP_VEC_FREE(c->text);
	SP_VEC_FREE(c->off);
	SP_VEC_FREE(c->htext);
	SP_VEC_FREE(c->hoff);
}

static sp_status fail(const sp__csv *c, sp_err *err, sp_status s, long line,
                      int col, const char *fmt, va_list ap) SP_PRINTF(6, 0);

static sp_status fail(const sp__csv *c, sp_err *err, sp_status s, long line,
                      int col, const char *fmt, va_list ap)
{
	char msg[400];
	vsnprintf(msg, sizeof msg, fmt, ap);
	const char *field = sp__csv_column(c, col);
	return sp__err_set(err, s, c->name, line, *field ? field : NULL, "%s",
	                   msg);
}

sp_status sp__csv_err(const sp__csv *c, sp_err *err, sp_status s, int i,
                      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sp_status r = fail(c, err, s, c->line, i, fmt, ap);
	va_end(ap);
	return r;
}

/* An error at an explicit line (inside a multi-line record). */
static sp_status err_at(const sp__csv *c, sp_err *err, sp_status s, long line,
                        int col, const char *fmt, ...) SP_PRINTF(6, 7);

static sp_status err_at(const sp__csv *c, sp_err *err, sp_status s, long line,
                        int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sp_status r = fail(c, err, s, line, col, fmt, ap);
	va_end(ap);
	return r;
}

static sp_status too_long(const sp__csv *c, sp_err *err)
{
	return err_at(c, err, SP_ELIMIT, c->line, -1,
	              "record is longer than %d bytes", SP_MAX_LINE);
}

/* Makes room for `more` bytes of field text (the common case without a
 * call). */
static bool text_room(sp__csv *c, size_t more)
{
	return c->text.cap - c->text.n >= more || SP_VEC_RESERVE(c->text, more);
}

/* Reads a quoted field (c->p at the opening quote) into c->text. */
static sp_status quoted(sp__csv *c, const char *rec, int col, sp_err *err)
{
	long opened = c->next_line;
	const char *p = c->p + 1;
	for (;;) {
		if (p >= c->end)
			return err_at(c, err, SP_EPARSE, opened, col,
			              "quoted field never closed");
		if ((size_t)(p - rec) > SP_MAX_LINE)
			return too_long(c, err);
		char ch = *p;
		if (ch == '"') {
			if (p + 1 < c->end && p[1] == '"') {
				p += 2;
			} else {
				p++;
				break;
			}
		} else {
			if (ch == '\0')
				return err_at(c, err, SP_EPARSE, c->next_line,
				              col, "NUL byte in input");
			if (ch == '\n')
				c->next_line++;
			p++;
		}
		if (!text_room(c, 1))
			return sp__err_set(err, SP_ENOMEM, c->name, c->line,
			                   NULL, "out of memory");
		c->text.v[c->text.n++] = ch;
	}
	c->p = p;
	if (p < c->end && *p != ',' && *p != '\n' &&
	    !(*p == '\r' && (p + 1 == c->end || p[1] == '\n')))
		return err_at(c, err, SP_EPARSE, c->next_line, col,
		              "unexpected character after a closing quote "
		              "(a quote inside a field is written \"\")");
	return SP_OK;
}

/* Reads an unquoted field into c->text. */
static sp_status unquoted(sp__csv *c, const char *rec, int col, sp_err *err)
{
	const char *p = c->p;
	while (p < c->end && *p != ',' && *p != '\n') {
		if (*p == '"')
			return err_at(c, err, SP_EPARSE, c->next_line, col,
			              "quote inside an unquoted field (quote "
			              "the whole field and double the quote)");
		if (*p == '\0')
			return err_at(c, err, SP_EPARSE, c->next_line, col,
			              "NUL byte in input");
		if (*p == '\r' && (p + 1 == c->end || p[1] == '\n'))
			break;
		if (*p == '\r')
			return err_at(c, err, SP_EPARSE, c->next_line, col,
			              "carriage return inside an unquoted "
			              "field");
		if ((size_t)(p - rec) >= SP_MAX_LINE)
			return too_long(c, err);
		p++;
	}
	size_t n = (size_t)(p - c->p);
	if (!text_room(c, n + 1))
		return sp__err_set(err, SP_ENOMEM, c->name, c->line, NULL,
		                   "out of memory");
	memcpy(c->text.v + c->text.n, c->p, n);
	c->text.n += n;
	c->p = p;
	return SP_OK;
}

/* Skips empty lines; false at the end of the input. */
static bool skip_blank(sp__csv *c)
{
	while (c->p < c->end) {
		if (*c->p == '\n') {
			c->p++;
			c->next_line++;
		} else if (*c->p == '\r' &&
		           (c->p + 1 == c->end || c->p[1] == '\n')) {
			c->p++;
		} else {
			return true;
		}
	}
	return false;
}

sp_status sp__csv_next(sp__csv *c, sp_err *err)
{
	c->nf = 0;
	c->text.n = 0;
	c->off.n = 0;
	if (!skip_blank(c))
		return SP_OK;
	c->line = c->next_line;
	const char *rec = c->p;
	for (;;) {
		int col = (int)c->off.n;
		if (c->off.n == c->off.cap && !SP_VEC_RESERVE(c->off, 1))
			return sp__err_set(err, SP_ENOMEM, c->name, c->line,
			                   NULL, "out of memory");
		c->off.v[c->off.n++] = c->text.n;
		sp_status s = c->p < c->end && *c->p == '"'
		                  ? quoted(c, rec, col, err)
		                  : unquoted(c, rec, col, err);
		if (s)
			return s;
		if (!text_room(c, 1))
			return sp__err_set(err, SP_ENOMEM, c->name, c->line,
			                   NULL, "out of memory");
		c->text.v[c->text.n++] = '\0';
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == '\r')
			c->p++;
		if (c->p < c->end && *c->p == '\n') {
			c->p++;
			c->next_line++;
		}
		break;
	}
	if ((size_t)(c->p - rec) > SP_MAX_LINE + 2)
		return too_long(c, err);
	c->nf = c->off.n;
	if (c->ncols && c->nf != c->ncols)
		return err_at(c, err, SP_EPARSE, c->line, -1,
		              "expected %zu fields, as in the header, got %zu",
		              c->ncols, c->nf);
	return SP_OK;
}

const char *sp__csv_field(const sp__csv *c, int i)
{
	if (i < 0 || (size_t)i >= c->nf)
		return "";
	return c->text.v + c->off.v[i];
}

size_t sp__csv_field_len(const sp__csv *c, int i)
{
	if (i < 0 || (size_t)i >= c->nf)
		return 0;
	size_t end = (size_t)i + 1 < c->nf ? c->off.v[i + 1] : c->text.n;
	return end - c->off.v[i] - 1;
}

const char *sp__csv_column(const sp__csv *c, int i)
{
	if (i < 0 || (size_t)i >= c->hoff.n)
		return "";
	return c->htext.v + c->hoff.v[i];
}

/* Keeps a copy of the current record as the header. */
static bool keep_header(sp__csv *c)
{
	if (!SP_VEC_RESERVE(c->htext, c->text.n) ||
	    !SP_VEC_RESERVE(c->hoff, c->nf))
		return false;
	memcpy(c->htext.v, c->text.v, c->text.n);
	c->htext.n = c->text.n;
	memcpy(c->hoff.v, c->off.v, c->nf * sizeof *c->off.v);
	c->hoff.n = c->nf;
	return true;
}

/* Writes "a, b and c" into buf. */
static void list_names(char *buf, size_t size, const char *const *cols,
                       size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " and " : ", ";
		int w = snprintf(buf + used, size - used, "%s%s", sep, cols[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

sp_status sp__csv_header(sp__csv *c, const char *const *cols, size_t ncols,
                         size_t nreq, bool allow_extra, int *idx, sp_err *err)
{
	assert(nreq <= ncols);
	sp_status s = sp__csv_next(c, err);
	if (s)
		return s;
	if (c->nf == 0)
		return sp__err_set(err, SP_EPARSE, c->name, 1, NULL,
		                   "missing header row");
	if (!keep_header(c))
		return sp__err_set(err, SP_ENOMEM, c->name, c->line, NULL,
		                   "out of memory");
	for (size_t i = 0; i < ncols; i++)
		idx[i] = -1;
	char names[256];
	list_names(names, sizeof names, cols, ncols);
	for (size_t j = 0; j < c->nf; j++) {
		const char *h = sp__csv_field(c, (int)j);
		size_t i = 0;
		while (i < ncols && strcmp(h, cols[i]) != 0)
			i++;
		char q[SP__QUOTE_SIZE];
		if (i == ncols && !allow_extra)
			return sp__csv_err(c, err, SP_EPARSE, (int)j,
			                   "unknown column %s (expected %s)",
			                   sp__csv_quote(q, sizeof q, h),
			                   names);
		if (i == ncols)
			continue;
		if (idx[i] >= 0)
			return sp__csv_err(c, err, SP_EPARSE, (int)j,
			                   "column %s appears twice",
			                   sp__csv_quote(q, sizeof q, h));
		idx[i] = (int)j;
	}
	for (size_t i = 0; i < nreq; i++)
		if (idx[i] < 0)
			return sp__err_set(
			    err, SP_EPARSE, c->name, c->line, cols[i],
			    "missing column (expected %s)", names);
	c->ncols = c->nf;
	return SP_OK;
}

sp_status sp__csv_parse_long(const char *s, long lo, long hi, long *out,
                             sp_err *err, const char *file, long line,
                             const char *field)
{
	assert(lo >= 0 && lo <= hi);
	char q[SP__QUOTE_SIZE];
	const char *what = lo == 0   ? "a non-negative integer"
	                   : lo == 1 ? "a positive integer"
	                             : "an integer";
	if (*s < '0' || *s > '9')
		return sp__err_set(err, SP_EPARSE, file, line, field,
		                   "expected %s, got %s", what,
		                   sp__csv_quote(q, sizeof q, s));
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end != '\0')
		return sp__err_set(err, SP_EPARSE, file, line, field,
		                   "expected %s, got %s", what,
		                   sp__csv_quote(q, sizeof q, s));
	if (errno == ERANGE || v > hi)
		return sp__err_set(err, SP_ELIMIT, file, line, field,
		                   "%s is above the limit of %ld",
		                   sp__csv_quote(q, sizeof q, s), hi);
	if (v < lo)
		return sp__err_set(err, SP_EPARSE, file, line, field,
		                   "expected %s, got %s", what,
		                   sp__csv_quote(q, sizeof q, s));
	*out = v;
	return SP_OK;
}

sp_status sp__csv_long(const sp__csv *c, int i, long lo, long hi, long *out,
                       sp_err *err)
{
	const char *field = sp__csv_column(c, i);
	return sp__csv_parse_long(sp__csv_field(c, i), lo, hi, out, err,
	                          c->name, c->line, *field ? field : NULL);
}

/* True if s is a decimal number as people write them: an optional '-',
 * digits with an optional '.', an optional exponent.  strtod alone would
 * also take "+5", "0x1p3", "inf" and "nan", which no table means. */
static bool decimal_syntax(const char *s)
{
	int digits = 0;
	if (*s == '-')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits++;
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

sp_status sp__csv_double(const sp__csv *c, int i, double lo, double hi,
                         double *out, sp_err *err)
{
	const char *s = sp__csv_field(c, i);
	char q[SP__QUOTE_SIZE];
	char *end = NULL;
	double v = 0;
	if (decimal_syntax(s))
		v = strtod(s, &end);
	if (!end || end == s || *end != '\0' || !isfinite(v))
		return sp__csv_err(c, err, SP_EPARSE, i,
		                   "expected a number, got %s",
		                   sp__csv_quote(q, sizeof q, s));
	if (v > hi)
		return sp__csv_err(c, err, SP_ELIMIT, i,
		                   "%s is above the limit of %g",
		                   sp__csv_quote(q, sizeof q, s), hi);
	if (v < lo)
		return sp__csv_err(c, err, SP_EPARSE, i,
		                   "%s is below the minimum of %g",
		                   sp__csv_quote(q, sizeof q, s), lo);
	*out = v;
	return SP_OK;
}

const char *sp__csv_quote(char *dst, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	assert(size >= 16);
	size_t n = 0, room = size - 6; /* keep space for ...", quote, NUL */
	dst[n++] = '"';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char esc[4];
		size_t w = 0;
		if (ch == '"' || ch == '\\') {
			esc[w++] = '\\';
			esc[w++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			esc[w++] = '\\';
			esc[w++] = 'x';
			esc[w++] = hex[ch >> 4];
			esc[w++] = hex[ch & 15];
		} else {
			esc[w++] = (char)ch;
		}
		if (n + w > room) {
			memcpy(dst + n, "...", 3);
			n += 3;
			break;
		}
		memcpy(dst + n, esc, w);
		n += w;
	}
	dst[n++] = '"';
	dst[n] = '\0';
	return dst;
}

/* ------------------------------------------------------------------ */
/* Name indexes: linear probing at load <= 1/2, slots chosen by the high
 * bits of a Fibonacci product of the hash.                            */

uint64_t sp__csv_name_head(const char *s, size_t len)
{
	uint64_t head = 0;
	memcpy(&head, s, len < 8 ? len : 8);
	return head;
}

/* A multiply-xorshift over 8-byte words: one multiply per word. */
uint32_t sp__csv_name_hash(uint64_t head, const char *s, size_t len)
{
	uint64_t h = (head ^ len) * 0x9e3779b97f4a7c15ull;
	for (size_t i = 8; i < len; i += 8) {
		size_t n = len - i < 8 ? len - i : 8;
		h = (h ^ sp__csv_name_head(s + i, n)) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	return (uint32_t)(h >> 32);
}

static size_t slot_of(const sp__csv_index *x, uint32_t hash)
{
	return (size_t)((hash * 2654435769u) >> (32 - x->bits));
}

bool sp__csv_index_build(sp__csv_index *x, const sp_inst *in, int32_t n,
                         const char *(*name)(const sp_inst *, int32_t))
{
	x->in = in;
	x->name = name;
	x->bits = 4;
	while (((size_t)1 << x->bits) < 2 * (size_t)n)
		x->bits++;
	size_t cap = (size_t)1 << x->bits;
	x->v = sp_malloc(cap * sizeof *x->v);
	if (!x->v)
		return false;
	for (size_t i = 0; i < cap; i++)
		x->v[i].id = SP_NONE;
	for (int32_t id = 0; id < n; id++) {
		const char *s = name(in, id);
		size_t len = strlen(s);
		uint64_t head = sp__csv_name_head(s, len);
		uint32_t h = sp__csv_name_hash(head, s, len);
		size_t i = slot_of(x, h);
		while (x->v[i].id != SP_NONE)
			i = (i + 1) & (cap - 1);
		x->v[i] = (sp__csv_slot){h, id, head};
	}
	return true;
}

void sp__csv_index_free(sp__csv_index *x)
{
	sp_free(x->v);
	x->v = NULL;
}

int32_t sp__csv_index_get(const sp__csv_index *x, const char *s, size_t len,
                          uint32_t hash, uint64_t head)
{
	size_t mask = ((size_t)1 << x->bits) - 1;
	for (size_t i = slot_of(x, hash);; i = (i + 1) & mask) {
		const sp__csv_slot *e = &x->v[i];
		if (e->id == SP_NONE)
			return SP_NONE;
		/* A head with a zero byte holds the whole name. */
		if (e->hash == hash && e->head == head &&
		    (len < 8 || strcmp(x->name(x->in, e->id), s) == 0))
			return e->id;
	}
}

int32_t sp__csv_index_find(const sp__csv_index *x, const char *s, size_t len)
{
	uint64_t head = sp__csv_name_head(s, len);
	return sp__csv_index_get(x, s, len, sp__csv_name_hash(head, s, len),
	                         head);
}

void sp__csv_index_prefetch(const sp__csv_index *x, uint32_t hash)
{
#if defined(__GNUC__)
	__builtin_prefetch(&x->v[slot_of(x, hash)]);
#else
	(void)x;
	(void)hash;
#endif
}

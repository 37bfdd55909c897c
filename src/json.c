/*
 * json.c — a strict RFC 8259 parser into an arena-backed tree, typed
 * getters with field-level errors, and JSON writer helpers.
 *
 * Design
 *   Recursive descent over a (buf, len) pair, depth-capped, so the C
 *   stack is bounded by the cap.  Nodes and decoded strings are bump-
 *   allocated from one arena; nothing is malloc'd per node.  While a
 *   container is open its children are pushed on one shared pointer
 *   stack; when it closes they are copied into an exact-size arena array
 *   and popped, so every container costs one allocation.
 *
 *   Strings: a scan eight bytes at a time finds the first byte that is a
 *   quote, a backslash, a control or non-ASCII; when it is the closing
 *   quote (names and keys, nearly always) the bytes are copied as they
 *   are.  Otherwise a second pass finds the closing quote (skipping
 *   escaped characters) and decodes into an arena buffer of the raw
 *   length, which is enough because no escape decodes to more bytes than
 *   it occupies.  UTF-8 is validated per RFC 3629 (no overlong forms, no
 *   surrogates, nothing above U+10FFFF), and \u0000 is refused: every
 *   reader hands strings on as C strings, where a NUL would silently cut
 *   "Internal Medicine\u0000xyz" to "Internal Medicine".
 *
 *   Numbers are checked against the RFC grammar, then converted without
 *   the C locale's help: integers exactly (int64, with overflow checks);
 *   other values by Clinger's fast path when the significand has at most
 *   15 digits and the power of ten at most 22 (one correctly rounded
 *   multiply or divide of two exact doubles), and otherwise by strtod on
 *   a bounded copy rewritten as "DIGITSeEXP" — no decimal point, so a
 *   locale with a decimal comma cannot change the result.
 *
 *   Duplicate keys are found when an object closes: pairwise for small
 *   objects; for larger ones, an open-addressing index (uint32 slots
 *   after the member array, in the same allocation) that also makes
 *   sp__json_get constant-time.  Rejected: a sorted member array (loses
 *   document order, which writers and messages want) and per-node
 *   malloc (ten times slower on large documents).
 *
 *   Costs: O(input) time; about 40 bytes per value plus the strings.
 */
#include "json.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Clinger's fast path needs each double operation rounded once. */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define FAST_PATH 1
#else
#define FAST_PATH 0
#endif

#define DEFAULT_MAX_NODES  ((size_t)1 << 25)
#define DEFAULT_MAX_STRING ((size_t)1 << 20)
#define HARD_MAX_DEPTH     1024
#define HARD_MAX_NODES     ((size_t)UINT32_MAX / 4)
#define MAX_NUMBER_TEXT    1024 /* characters of one number */
#define SMALL_OBJECT       8    /* objects up to this size have no index */
#define CHUNK_MAX          (((size_t)4 << 20) - 256) /* see take() */

typedef struct {
	const char *p, *end, *line_start;
	const char *name; /* borrowed from the caller, for messages */
	uint32_t line;
	int depth;
	sp__json_limits lim;
	sp__json_doc *doc;
	SP_VEC(sp__json *) stack; /* children of the open containers */
	char *cur, *stop;         /* the current chunk of the arena */
	size_t chunk;             /* size of the next chunk */
	sp_err *err;
} parser;

/* ------------------------------------------------------------------ */
/* Errors.                                                             */

/* Fills err with "name:LINE:COL: message" and returns s. */
static sp_status fail_at(parser *ps, uint32_t line, uint32_t col, sp_status s,
                         const char *fmt, ...) SP_PRINTF(5, 6);
static sp_status fail_at(parser *ps, uint32_t line, uint32_t col, sp_status s,
                         const char *fmt, ...)
{
	sp_err *e = ps->err;
	if (!e)
		return s;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *name = ps->name;
	if (line > 0)
		sp__err_set(e, s, NULL, 0, NULL, "%s:%lu:%lu: %s", name,
		            (unsigned long)line, (unsigned long)col, msg);
	else
		sp__err_set(e, s, NULL, 0, NULL, "%s: %s", name, msg);
	snprintf(e->file, sizeof e->file, "%s", name);
	e->line = line;
	return s;
}

/* An error at position `at` on the current line. */
static sp_status fail(parser *ps, const char *at, sp_status s, const char *fmt,
                      ...) SP_PRINTF(4, 5);
static sp_status fail(parser *ps, const char *at, sp_status s, const char *fmt,
                      ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return fail_at(ps, ps->line, (uint32_t)(at - ps->line_start + 1), s,
	               "%s", msg);
}

static sp_status oom(parser *ps)
{
	return fail_at(ps, 0, 0, SP_ENOMEM, "out of memory");
}

/* Length of dst[0..n) without a trailing incomplete UTF-8 sequence. */
static size_t complete_prefix(const char *dst, size_t n)
{
	size_t k = n, cont = 0;
	while (k > 0 && cont < 3 &&
	       ((unsigned char)dst[k - 1] & 0xC0) == 0x80) {
		k--;
		cont++;
	}
	if (k == 0)
		return n;
	unsigned char lead = (unsigned char)dst[k - 1];
	size_t want = lead >= 0xF0   ? 3
	              : lead >= 0xE0 ? 2
	              : lead >= 0xC0 ? 1
	                             : 0;
	return want > cont ? k - 1 : n;
}

/* Escapes s[0..len) into dst as in sp__json_quote, with or without the
 * quotes. */
static void escape_into(char *dst, size_t size, const char *s, size_t len,
                        bool quotes)
{
	static const char hex[] = "0123456789abcdef";
	assert(size >= 16);
	size_t n = 0, room = size - 6; /* for ...", the quote and NUL */
	if (quotes)
		dst[n++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[4];
		size_t w = 0;
		if (c == '"' || c == '\\') {
			esc[w++] = '\\';
			esc[w++] = (char)c;
		} else if (c < 0x20 || c == 0x7F) {
			esc[w++] = '\\';
			esc[w++] = 'x';
			esc[w++] = hex[c >> 4];
			esc[w++] = hex[c & 15];
		} else {
			esc[w++] = (char)c;
		}
		if (n + w > room) {
			n = complete_prefix(dst, n);
			memcpy(dst + n, "...", 3);
			n += 3;
			break;
		}
		memcpy(dst + n, esc, w);
		n += w;
	}
	if (quotes)
		dst[n++] = '"';
	dst[n] = '\0';
}

const char *sp__json_quote(char *dst, size_t size, const char *s, size_t len)
{
	escape_into(dst, size, s, len, true);
	return dst;
}

/* ------------------------------------------------------------------ */
/* UTF-8.                                                              */

/* Length of the valid UTF-8 sequence at p (p < end, *p >= 0x80), or 0. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0; /* overlong */
	else if (c == 0xED)
		hi = 0x9F; /* surrogates */
	else if (c == 0xF0)
		lo = 0x90; /* overlong */
	else if (c == 0xF4)
		hi = 0x8F; /* above U+10FFFF */
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

static size_t utf8_put(unsigned char *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (unsigned char)(0xC0 | (cp >> 6));
		d[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (unsigned char)(0xE0 | (cp >> 12));
		d[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		d[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	d[0] = (unsigned char)(0xF0 | (cp >> 18));
	d[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	d[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	d[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* ------------------------------------------------------------------ */
/* Numbers.                                                            */

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* True when digits[0..nd) * 10^e10 (negated if neg) is an integer in
 * int64 range; gives it in *iv.  Decided on the decimal text, not on the
 * rounded double. */
static bool exact_int(const char *digits, size_t nd, long e10, bool neg,
                      int64_t *iv)
{
	if (nd == 0) {
		*iv = 0;
		return true;
	}
	if (e10 < 0 || (long)nd + e10 > 19)
		return false;
	uint64_t u = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
	for (long k = 0; k < (long)nd + e10; k++) {
		unsigned dig = k < (long)nd ? (unsigned)(digits[k] - '0') : 0;
		if (u > (lim - dig) / 10)
			return false;
		u = u * 10 + dig;
	}
	*iv = neg ? (int64_t)(0 - u) : (int64_t)u;
	return true;
}

typedef enum { NUM_OK, NUM_SYNTAX, NUM_LONG, NUM_RANGE } num_result;

/* Scans an RFC 8259 number at p and converts it.  Sets *stop past it;
 * on NUM_SYNTAX, *stop is where the grammar failed. */
static num_result scan_number(const char *p, const char *end, const char **stop,
                              double *d, int64_t *iv, bool *is_int)
{
	static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,
	                             1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
	                             1e18, 1e19, 1e20, 1e21, 1e22};
	const char *start = p;
	bool neg = false, lexical_int = true;
	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	const char *int_start = p;
	if (p < end && *p == '0')
		p++;
	else if (p < end && *p >= '1' && *p <= '9')
		while (p < end && is_digit(*p))
			p++;
	else
		return *stop = p, NUM_SYNTAX;
	const char *int_end = p, *frac_start = p, *frac_end = p;
	if (p < end && *p == '.') {
		lexical_int = false;
		frac_start = ++p;
		if (p >= end || !is_digit(*p))
			return *stop = p, NUM_SYNTAX;
		while (p < end && is_digit(*p))
			p++;
		frac_end = p;
	}
	long exp = 0;
	if (p < end && (*p == 'e' || *p == 'E')) {
		lexical_int = false;
		p++;
		bool eneg = false;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p >= end || !is_digit(*p))
			return *stop = p, NUM_SYNTAX;
		for (; p < end && is_digit(*p); p++)
			if (exp < 1000000) /* saturate: far beyond range */
				exp = exp * 10 + (*p - '0');
		if (eneg)
			exp = -exp;
	}
	*stop = p;
	if (p - start > MAX_NUMBER_TEXT)
		return NUM_LONG;

	*is_int = false;
	if (lexical_int && int_end - int_start <= 16) {
		/* The common case: a short integer, exact in a double. */
		uint64_t u = 0;
		for (const char *q = int_start; q < int_end; q++)
			u = u * 10 + (uint64_t)(*q - '0');
		if (u <= ((uint64_t)1 << 53)) {
			*is_int = true;
			*iv = neg ? -(int64_t)u : (int64_t)u;
			*d = neg ? -(double)u : (double)u;
			return NUM_OK;
		}
	}

	/* Significant digits: integer and fraction parts without leading or
	 * trailing zeros; value = digits * 10^e10. */
	char digits[MAX_NUMBER_TEXT + 32];
	size_t nd = 0;
	long e10 = exp;
	for (const char *q = int_start; q < int_end; q++)
		if (nd || *q != '0')
			digits[nd++] = *q;
	for (const char *q = frac_start; q < frac_end; q++) {
		e10--;
		if (nd || *q != '0')
			digits[nd++] = *q;
	}
	while (nd > 0 && digits[nd - 1] == '0') {
		nd--;
		e10++;
	}
	double v;
	if (nd == 0) {
		v = 0.0;
	} else if (FAST_PATH && nd <= 15 && e10 >= -22 && e10 <= 22) {
		uint64_t m = 0;
		for (size_t k = 0; k < nd; k++)
			m = m * 10 + (uint64_t)(digits[k] - '0');
		v = e10 >= 0 ? (double)m * p10[e10] : (double)m / p10[-e10];
	} else {
		int w = snprintf(digits + nd, sizeof digits - nd, "e%ld", e10);
		if (w < 0 || (size_t)w >= sizeof digits - nd)
			return NUM_LONG;
		char *endp;
		v = strtod(digits, &endp);
		if (endp != digits + nd + (size_t)w)
			return NUM_SYNTAX;
	}
	if (isinf(v))
		return NUM_RANGE;
	*d = neg ? -v : v;
	*is_int = exact_int(digits, nd, e10, neg, iv);
	return NUM_OK;
}

/* ------------------------------------------------------------------ */
/* The parser.                                                         */

static sp_status parse_value(parser *ps, sp__json **out);

static void skip_ws_slow(parser *ps)
{
	const char *p = ps->p, *end = ps->end;
	while (p < end) {
		char c = *p;
		if (c == ' ' || c == '\t' || c == '\r') {
			p++;
		} else if (c == '\n') {
			p++;
			ps->line++;
			ps->line_start = p;
		} else {
			break;
		}
	}
	ps->p = p;
}

/* Skips whitespace, counting lines.  Compact documents have none, so the
 * first test is the one that usually decides. */
static inline void skip_ws(parser *ps)
{
	if (ps->p < ps->end && (unsigned char)*ps->p > ' ')
		return;
	skip_ws_slow(ps);
}

/* Bump allocation inside chunks taken from the document's arena: cheaper
 * than one arena call per node, and no rounding of small strings to 16
 * bytes.  Chunks double from 4 KiB, so small documents stay small, to just
 * under 4 MiB, so that with the arena's block header they fill whole
 * 2 MiB huge pages (see alloc.c): a large document then takes a few
 * hundred page faults instead of thousands.  `align` is a power of two. */
static void *take(parser *ps, size_t n, size_t align)
{
	uintptr_t p =
	    ((uintptr_t)ps->cur + (align - 1)) & ~(uintptr_t)(align - 1);
	if (ps->cur && p <= (uintptr_t)ps->stop &&
	    n <= (uintptr_t)ps->stop - p) {
		ps->cur = (char *)p + n;
		return (void *)p;
	}
	if (n > ps->chunk / 4)
		return sp__arena_alloc(&ps->doc->arena, n);
	char *c = sp__arena_alloc(&ps->doc->arena, ps->chunk);
	if (!c)
		return NULL;
	ps->cur = c + n;
	ps->stop = c + ps->chunk;
	if (ps->chunk < CHUNK_MAX)
		ps->chunk = SP_MIN(2 * ps->chunk, CHUNK_MAX);
	return c;
}

static sp_status new_node(parser *ps, sp__json_type t, sp__json **out)
{
	if (ps->doc->nodes >= ps->lim.max_nodes)
		return fail(ps, ps->p, SP_ELIMIT, "more than %zu values",
		            ps->lim.max_nodes);
	sp__json *n = take(ps, sizeof *n, _Alignof(sp__json));
	if (!n)
		return oom(ps);
	memset(n, 0, sizeof *n);
	n->type = (uint8_t)t;
	n->line = ps->line;
	n->col = (uint32_t)(ps->p - ps->line_start + 1);
	ps->doc->nodes++;
	*out = n;
	return SP_OK;
}

/* Decodes one \uXXXX escape at s (pointing at the backslash, with
 * s + 6 <= q checked by the caller); -1 when the hex digits are bad. */
static long hex4(const unsigned char *s)
{
	long v = 0;
	for (int k = 2; k < 6; k++) {
		int h = hexval(s[k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Decodes the escape at s (a backslash before q) into d; sets the
 * lengths consumed and produced. */
static sp_status decode_escape(parser *ps, const unsigned char *s,
                               const unsigned char *q, unsigned char *d,
                               size_t *used, size_t *made)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *at = (const char *)s;
	const char *hit = s[1] ? strchr(from, s[1]) : NULL;
	if (hit) {
		*d = (unsigned char)to[hit - from];
		*used = 2;
		*made = 1;
		return SP_OK;
	}
	if (s[1] != 'u') {
		if (s[1] >= 0x20 && s[1] < 0x7F)
			return fail(ps, at, SP_EPARSE,
			            "invalid escape '\\%c' in string",
			            (char)s[1]);
		return fail(ps, at, SP_EPARSE, "invalid escape in string");
	}
	long cp = q - s >= 6 ? hex4(s) : -1;
	if (cp < 0)
		return fail(ps, at, SP_EPARSE,
		            "invalid \\u escape: expected four hex digits");
	*used = 6;
	if (cp == 0) /* C strings end there: "IM\u0000x" would read "IM" */
		return fail(ps, at, SP_EPARSE,
		            "invalid \\u escape: NUL (\\u0000) is not allowed "
		            "in a string");
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(ps, at, SP_EPARSE,
		            "invalid \\u escape: unpaired low surrogate");
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		long lo = q - s >= 12 && s[6] == '\\' && s[7] == 'u'
		              ? hex4(s + 6)
		              : -1;
		if (lo < 0xDC00 || lo > 0xDFFF)
			return fail(ps, at, SP_EPARSE,
			            "invalid \\u escape: unpaired high "
			            "surrogate");
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		*used = 12;
	}
	*made = utf8_put(d, (uint32_t)cp);
	return SP_OK;
}

/* True for bytes that end the plain (ASCII, unescaped) part of a string:
 * controls, non-ASCII, '"' and '\\'. */
static inline bool special(unsigned char c)
{
	return (unsigned char)(c - 0x20) >= 0x60 || c == '"' || c == '\\';
}

/* The first byte at or after q that is special(), or end.  Eight bytes
 * at a time where the byte order allows: a byte is flagged when it
 * equals '"' or '\\' (x ^ c has a zero byte), is below 0x20, or has its
 * high bit set.  The borrow of the subtractions can only flag bytes after
 * a truly flagged one, so the lowest flag is exact. */
static const unsigned char *plain_run(const unsigned char *q,
                                      const unsigned char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    (defined(__GNUC__) || defined(__clang__))
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;
	while (end - q >= 8) {
		uint64_t v;
		memcpy(&v, q, 8);
		uint64_t x = v ^ (ones * '"'), y = v ^ (ones * '\\');
		uint64_t m = ((x - ones) & ~x) | ((y - ones) & ~y) |
		             ((v - ones * 0x20) & ~v) | v;
		m &= high;
		if (m)
			return q + (__builtin_ctzll(m) >> 3);
		q += 8;
	}
#endif
	while (q < end && !special(*q))
		q++;
	return q;
}

/* Parses the string at ps->p (a '"'); gives its decoded, NUL-terminated
 * bytes in the arena. */
static sp_status parse_string(parser *ps, const char **out, size_t *outlen)
{
	const char *open = ps->p;
	const unsigned char *s = (const unsigned char *)open + 1;
	const unsigned char *end = (const unsigned char *)ps->end, *q = s;
	q = plain_run(q, end);
	if (q < end && *q == '"') {
		/* The common case: copy as is. */
		size_t len = (size_t)(q - s);
		if (len > ps->lim.max_string)
			return fail(ps, open, SP_ELIMIT,
			            "string longer than %zu bytes",
			            ps->lim.max_string);
		char *buf = take(ps, len + 1, 1);
		if (!buf)
			return oom(ps);
		memcpy(buf, s, len);
		buf[len] = '\0';
		ps->p = (const char *)q + 1;
		*out = buf;
		*outlen = len;
		return SP_OK;
	}
	while (q < end && *q != '"') {
		if (*q == '\\' && ++q == end)
			break;
		q++;
	}
	if (q >= end)
		return fail(ps, open, SP_EPARSE, "unterminated string");
	unsigned char *buf = take(ps, (size_t)(q - s) + 1, 1);
	if (!buf)
		return oom(ps);
	unsigned char *d = buf;
	while (s < q) {
		unsigned char c = *s;
		if (c >= 0x20 && c < 0x80 && c != '\\') {
			*d++ = c;
			s++;
		} else if (c == '\\') {
			size_t used = 0, made = 0;
			sp_status st = decode_escape(ps, s, q, d, &used, &made);
			if (st)
				return st;
			s += used;
			d += made;
		} else if (c < 0x20) {
			return fail(ps, (const char *)s, SP_EPARSE,
			            "unescaped control character U+%04X in "
			            "string",
			            (unsigned)c);
		} else {
			size_t n = utf8_seq(s, q);
			if (!n)
				return fail(ps, (const char *)s, SP_EPARSE,
				            "invalid UTF-8 in string");
			memcpy(d, s, n);
			s += n;
			d += n;
		}
	}
	*d = '\0';
	size_t len = (size_t)(d - buf);
	if (len > ps->lim.max_string)
		return fail(ps, open, SP_ELIMIT, "string longer than %zu bytes",
		            ps->lim.max_string);
	ps->p = (const char *)q + 1;
	*out = (const char *)buf;
	*outlen = len;
	return SP_OK;
}

static sp_status parse_number(parser *ps, sp__json *n)
{
	const char *stop;
	bool is_int = false;
	num_result r = scan_number(ps->p, ps->end, &stop, &n->u.num.d,
	                           &n->u.num.i, &is_int);
	if (r == NUM_OK && stop < ps->end &&
	    (is_digit(*stop) || is_alpha(*stop) || *stop == '.' ||
	     *stop == '-' || *stop == '+'))
		r = NUM_SYNTAX; /* "01", "1.2.3", "1-2", "0x1" */
	switch (r) {
	case NUM_OK:
		break;
	case NUM_SYNTAX:
		return fail(ps, ps->p, SP_EPARSE, "invalid number");
	case NUM_LONG:
		return fail(ps, ps->p, SP_ELIMIT,
		            "number longer than %d characters",
		            MAX_NUMBER_TEXT);
	case NUM_RANGE:
		return fail(ps, ps->p, SP_EPARSE, "number out of range");
	}
	n->is_int = is_int;
	ps->p = stop;
	return SP_OK;
}

static sp_status parse_literal(parser *ps, sp__json *n)
{
	static const struct {
		const char *text;
		size_t len;
		sp__json_type type;
	} lits[] = {{"true", 4, SP__JSON_TRUE},
	            {"false", 5, SP__JSON_FALSE},
	            {"null", 4, SP__JSON_NULL}};
	for (size_t k = 0; k < sizeof lits / sizeof *lits; k++) {
		size_t len = lits[k].len;
		if ((size_t)(ps->end - ps->p) < len ||
		    memcmp(ps->p, lits[k].text, len) != 0)
			continue;
		const char *after = ps->p + len;
		if (after < ps->end && (is_alpha(*after) || is_digit(*after)))
			break;
		n->type = (uint8_t)lits[k].type;
		ps->p = after;
		return SP_OK;
	}
	return fail(ps, ps->p, SP_EPARSE, "expected a value");
}

static uint64_t key_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static size_t index_cap(size_t n)
{
	size_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	return cap;
}

static bool same_key(const sp__json *a, const char *key, size_t len)
{
	return a->keylen == len && memcmp(a->key, key, len) == 0;
}

static sp_status duplicate(parser *ps, const sp__json *first,
                           const sp__json *again)
{
	char k[SP__JSON_QUOTE_SIZE];
	return fail_at(ps, again->line, again->col, SP_EPARSE,
	               "duplicate key %s (first on line %lu)",
	               sp__json_quote(k, sizeof k, again->key, again->keylen),
	               (unsigned long)first->line);
}

/* Checks an object's keys for repeats; builds the index of a large one
 * in the slots after its members. */
static sp_status index_object(parser *ps, sp__json *obj)
{
	sp__json **v = obj->u.kids.v;
	size_t n = obj->u.kids.n;
	if (n <= SMALL_OBJECT) {
		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (same_key(v[j], v[i]->key, v[i]->keylen))
					return duplicate(ps, v[j], v[i]);
		return SP_OK;
	}
	size_t cap = index_cap(n), mask = cap - 1;
	uint32_t *slot = (uint32_t *)(v + n);
	memset(slot, 0, cap * sizeof *slot);
	for (size_t i = 0; i < n; i++) {
		size_t h = (size_t)key_hash(v[i]->key, v[i]->keylen) & mask;
		for (; slot[h]; h = (h + 1) & mask) {
			const sp__json *o = v[slot[h] - 1];
			if (same_key(o, v[i]->key, v[i]->keylen))
				return duplicate(ps, o, v[i]);
		}
		slot[h] = (uint32_t)(i + 1);
	}
	return SP_OK;
}

/* Moves the children pushed since `base` into container c. */
static sp_status close_container(parser *ps, sp__json *c, size_t base)
{
	size_t n = ps->stack.n - base;
	size_t bytes = n * sizeof(sp__json *);
	if (c->type == SP__JSON_OBJECT && n > SMALL_OBJECT)
		bytes += index_cap(n) * sizeof(uint32_t);
	sp__json **v = NULL;
	if (n) {
		v = take(ps, bytes, _Alignof(sp__json *));
		if (!v)
			return oom(ps);
		memcpy(v, ps->stack.v + base, n * sizeof *v);
	}
	ps->stack.n = base;
	c->u.kids.v = v;
	c->u.kids.n = n;
	ps->depth--;
	return c->type == SP__JSON_OBJECT ? index_object(ps, c) : SP_OK;
}

static sp_status open_container(parser *ps)
{
	if (ps->depth >= ps->lim.max_depth)
		return fail(ps, ps->p, SP_ELIMIT,
		            "nesting deeper than %d levels", ps->lim.max_depth);
	ps->depth++;
	ps->p++;
	return SP_OK;
}

static inline sp_status push(parser *ps, sp__json *child)
{
	if (ps->stack.n == ps->stack.cap && !SP_VEC_RESERVE(ps->stack, 1))
		return oom(ps);
	ps->stack.v[ps->stack.n++] = child;
	return SP_OK;
}

static sp_status parse_array(parser *ps, sp__json *arr)
{
	size_t base = ps->stack.n;
	sp_status s = open_container(ps);
	if (s)
		return s;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return close_container(ps, arr, base);
	}
	for (;;) {
		sp__json *child = NULL;
		if ((s = parse_value(ps, &child)) || (s = push(ps, child)))
			return s;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			skip_ws(ps);
			if (ps->p < ps->end && *ps->p == ']')
				return fail(ps, ps->p, SP_EPARSE,
				            "expected a value after ',' "
				            "(trailing commas are not "
				            "allowed)");
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']') {
			ps->p++;
			return close_container(ps, arr, base);
		}
		return fail(ps, ps->p, SP_EPARSE,
		            "expected ',' or ']' after array element");
	}
}

static sp_status parse_member(parser *ps, sp__json **out)
{
	uint32_t line = ps->line;
	uint32_t col = (uint32_t)(ps->p - ps->line_start + 1);
	const char *key;
	size_t keylen;
	sp_status s = parse_string(ps, &key, &keylen);
	if (s)
		return s;
	skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != ':')
		return fail(ps, ps->p, SP_EPARSE,
		            "expected ':' after object key");
	ps->p++;
	if ((s = parse_value(ps, out)))
		return s;
	(*out)->key = key;
	(*out)->keylen = (uint32_t)keylen;
	(*out)->line = line;
	(*out)->col = col;
	return SP_OK;
}

static sp_status parse_object(parser *ps, sp__json *obj)
{
	size_t base = ps->stack.n;
	sp_status s = open_container(ps);
	if (s)
		return s;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return close_container(ps, obj, base);
	}
	for (bool first = true;; first = false) {
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != '"') {
			if (!first && ps->p < ps->end && *ps->p == '}')
				return fail(ps, ps->p, SP_EPARSE,
				            "expected a string key after ',' "
				            "(trailing commas are not "
				            "allowed)");
			return fail(ps, ps->p, SP_EPARSE,
			            first ? "expected a string key or '}'"
			                  : "expected a string key");
		}
		sp__json *child = NULL;
		if ((s = parse_member(ps, &child)) || (s = push(ps, child)))
			return s;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == '}') {
			ps->p++;
			return close_container(ps, obj, base);
		}
		return fail(ps, ps->p, SP_EPARSE,
		            "expected ',' or '}' after object member");
	}
}

static sp_status parse_value(parser *ps, sp__json **out)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, ps->p, SP_EPARSE,
		            "expected a value before the end of the input");
	sp__json *n = NULL;
	sp_status s = new_node(ps, SP__JSON_NULL, &n);
	if (s)
		return s;
	*out = n;
	char c = *ps->p;
	switch (c) {
	case '{':
		n->type = SP__JSON_OBJECT;
		return parse_object(ps, n);
	case '[':
		n->type = SP__JSON_ARRAY;
		return parse_array(ps, n);
	case '"':
		n->type = SP__JSON_STRING;
		return parse_string(ps, &n->u.str.s, &n->u.str.len);
	case 't':
	case 'f':
	case 'n':
		return parse_literal(ps, n);
	default:
		if (c == '-' || is_digit(c)) {
			n->type = SP__JSON_NUMBER;
			return parse_number(ps, n);
		}
		return fail(ps, ps->p, SP_EPARSE, "expected a value");
	}
}

static sp__json_limits effective_limits(const sp__json_limits *lim)
{
	sp__json_limits l = {0};
	if (lim)
		l = *lim;
	if (!l.max_bytes)
		l.max_bytes = SP_MAX_FILE;
	if (!l.max_nodes || l.max_nodes > HARD_MAX_NODES)
		l.max_nodes = l.max_nodes ? HARD_MAX_NODES : DEFAULT_MAX_NODES;
	if (!l.max_string)
		l.max_string = DEFAULT_MAX_STRING;
	if (l.max_string > UINT32_MAX) /* keys' lengths are uint32 */
		l.max_string = UINT32_MAX;
	if (l.max_depth <= 0)
		l.max_depth = SP_MAX_JSON_DEPTH;
	if (l.max_depth > HARD_MAX_DEPTH)
		l.max_depth = HARD_MAX_DEPTH;
	return l;
}

sp_status sp__json_parse(const char *buf, size_t len, const char *name,
                         const sp__json_limits *lim, sp__json_doc **out,
                         sp_err *err)
{
	*out = NULL;
	if (!name)
		name = "<json>";
	if (!buf)
		buf = "";
	sp__json_doc *d = sp_calloc(1, sizeof *d);
	if (!d)
		return sp__err_set(err, SP_ENOMEM, name, 0, NULL,
		                   "out of memory");
	sp__arena_init(&d->arena);
	parser ps = {.p = buf,
	             .end = buf + len,
	             .line_start = buf,
	             .name = name,
	             .line = 1,
	             .lim = effective_limits(lim),
	             .doc = d,
	             .chunk = 4096,
	             .err = err};
	sp_status s = SP_OK;
	d->name = sp__arena_strdup(&d->arena, name, strlen(name));
	if (!d->name) {
		s = oom(&ps);
	} else if (len > ps.lim.max_bytes) {
		s = fail_at(&ps, 0, 0, SP_ELIMIT,
		            "document larger than %zu bytes", ps.lim.max_bytes);
	} else {
		if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
			ps.p = ps.line_start = buf + 3;
		s = parse_value(&ps, &d->root);
		skip_ws(&ps);
		if (!s && ps.p < ps.end)
			s = fail(&ps, ps.p, SP_EPARSE,
			         "unexpected content after the JSON value");
	}
	SP_VEC_FREE(ps.stack);
	if (s) {
		sp__json_free(d);
		return s;
	}
	*out = d;
	return SP_OK;
}

void sp__json_free(sp__json_doc *d)
{
	if (!d)
		return;
	sp__arena_free(&d->arena);
	sp_free(d);
}

/* ------------------------------------------------------------------ */
/* Accessors.                                                          */

const char *sp__json_type_name(sp__json_type t)
{
	switch (t) {
	case SP__JSON_NULL:
		return "null";
	case SP__JSON_FALSE:
	case SP__JSON_TRUE:
		return "a boolean";
	case SP__JSON_NUMBER:
		return "a number";
	case SP__JSON_STRING:
		return "a string";
	case SP__JSON_ARRAY:
		return "an array";
	case SP__JSON_OBJECT:
		return "an object";
	}
	return "a value";
}

size_t sp__json_len(const sp__json *n)
{
	if (n && (n->type == SP__JSON_ARRAY || n->type == SP__JSON_OBJECT))
		return n->u.kids.n;
	return 0;
}

const sp__json *sp__json_at(const sp__json *n, size_t i)
{
	assert(i < sp__json_len(n));
	return n->u.kids.v[i];
}

const sp__json *sp__json_getn(const sp__json *obj, const char *key,
                              size_t keylen)
{
	if (!obj || obj->type != SP__JSON_OBJECT)
		return NULL;
	sp__json *const *v = obj->u.kids.v;
	size_t n = obj->u.kids.n;
	if (n <= SMALL_OBJECT) {
		for (size_t i = 0; i < n; i++)
			if (same_key(v[i], key, keylen))
				return v[i];
		return NULL;
	}
	const uint32_t *slot = (const uint32_t *)(v + n);
	size_t mask = index_cap(n) - 1;
	for (size_t h = (size_t)key_hash(key, keylen) & mask; slot[h];
	     h = (h + 1) & mask)
		if (same_key(v[slot[h] - 1], key, keylen))
			return v[slot[h] - 1];
	return NULL;
}

const sp__json *sp__json_get(const sp__json *obj, const char *key)
{
	return sp__json_getn(obj, key, strlen(key));
}

bool sp__json_int(const sp__json *n, int64_t *v)
{
	if (!n || n->type != SP__JSON_NUMBER || !n->is_int)
		return false;
	*v = n->u.num.i;
	return true;
}

sp_status sp__json_err(sp_err *err, const sp__json_doc *d, const sp__json *at,
                       sp_status s, const char *field, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sp__err_set(err, s, d ? d->name : NULL, at ? (long)at->line : 0,
	                   field, "%s", msg);
}

sp_status sp__json_as_int(const sp__json_doc *d, const sp__json *n,
                          const char *field, int64_t lo, int64_t hi, int64_t *v,
                          sp_err *err)
{
	int64_t x;
	if (!sp__json_int(n, &x) || x < lo || x > hi)
		return sp__json_err(err, d, n, SP_EPARSE, field,
		                    "expected an integer between %lld and "
		                    "%lld",
		                    (long long)lo, (long long)hi);
	*v = x;
	return SP_OK;
}

sp_status sp__json_as_double(const sp__json_doc *d, const sp__json *n,
                             const char *field, double lo, double hi, double *v,
                             sp_err *err)
{
	if (!n || n->type != SP__JSON_NUMBER || !(n->u.num.d >= lo) ||
	    !(n->u.num.d <= hi))
		return sp__json_err(err, d, n, SP_EPARSE, field,
		                    "expected a number between %.15g and %.15g",
		                    lo, hi);
	*v = n->u.num.d;
	return SP_OK;
}

sp_status sp__json_as_str(const sp__json_doc *d, const sp__json *n,
                          const char *field, size_t maxlen, const char **s,
                          size_t *len, sp_err *err)
{
	if (!n || n->type != SP__JSON_STRING)
		return sp__json_err(
		    err, d, n, SP_EPARSE, field, "expected a string, not %s",
		    sp__json_type_name(n ? n->type : SP__JSON_NULL));
	if (n->u.str.len > maxlen)
		return sp__json_err(err, d, n, SP_ELIMIT, field,
		                    "string longer than %zu bytes", maxlen);
	*s = n->u.str.s;
	if (len)
		*len = n->u.str.len;
	return SP_OK;
}

/* Looks key up; *m is NULL when absent (an error if required). */
static sp_status member(const sp__json_doc *d, const sp__json *obj,
                        const char *key, bool required, const sp__json **m,
                        sp_err *err)
{
	*m = sp__json_get(obj, key);
	if (!*m && required)
		return sp__json_err(err, d, obj, SP_EPARSE, key, "missing");
	return SP_OK;
}

sp_status sp__json_get_int(const sp__json_doc *d, const sp__json *obj,
                           const char *key, bool required, int64_t lo,
                           int64_t hi, int64_t *v, sp_err *err)
{
	const sp__json *m;
	sp_status s = member(d, obj, key, required, &m, err);
	if (s || !m)
		return s;
	return sp__json_as_int(d, m, key, lo, hi, v, err);
}

sp_status sp__json_get_double(const sp__json_doc *d, const sp__json *obj,
                              const char *key, bool required, double lo,
                              double hi, double *v, sp_err *err)
{
	const sp__json *m;
	sp_status s = member(d, obj, key, required, &m, err);
	if (s || !m)
		return s;
	return sp__json_as_double(d, m, key, lo, hi, v, err);
}

sp_status sp__json_get_str(const sp__json_doc *d, const sp__json *obj,
                           const char *key, bool required, size_t maxlen,
                           const char **str, size_t *len, sp_err *err)
{
	const sp__json *m;
	sp_status s = member(d, obj, key, required, &m, err);
	if (s || !m)
		return s;
	return sp__json_as_str(d, m, key, maxlen, str, len, err);
}

sp_status sp__json_get_bool(const sp__json_doc *d, const sp__json *obj,
                            const char *key, bool required, bool *v,
                            sp_err *err)
{
	const sp__json *m;
	sp_status s = member(d, obj, key, required, &m, err);
	if (s || !m)
		return s;
	if (m->type != SP__JSON_TRUE && m->type != SP__JSON_FALSE)
		return sp__json_err(err, d, m, SP_EPARSE, key,
		                    "expected true or false, not %s",
		                    sp__json_type_name(m->type));
	*v = m->type == SP__JSON_TRUE;
	return SP_OK;
}

static sp_status get_typed(const sp__json_doc *d, const sp__json *obj,
                           const char *key, bool required, sp__json_type t,
                           const sp__json **out, sp_err *err)
{
	const sp__json *m;
	sp_status s = member(d, obj, key, required, &m, err);
	if (s || !m)
		return s;
	if (m->type != t)
		return sp__json_err(
		    err, d, m, SP_EPARSE, key, "expected %s, not %s",
		    sp__json_type_name(t), sp__json_type_name(m->type));
	*out = m;
	return SP_OK;
}

sp_status sp__json_get_array(const sp__json_doc *d, const sp__json *obj,
                             const char *key, bool required,
                             const sp__json **arr, sp_err *err)
{
	return get_typed(d, obj, key, required, SP__JSON_ARRAY, arr, err);
}

sp_status sp__json_get_object(const sp__json_doc *d, const sp__json *obj,
                              const char *key, bool required,
                              const sp__json **o, sp_err *err)
{
	return get_typed(d, obj, key, required, SP__JSON_OBJECT, o, err);
}

sp_status sp__json_check_object(const sp__json_doc *d, const sp__json *n,
                                const char *field, const char *const *allowed,
                                size_t nallowed, sp_err *err)
{
	if (!n || n->type != SP__JSON_OBJECT)
		return sp__json_err(
		    err, d, n, SP_EPARSE, field, "expected an object, not %s",
		    sp__json_type_name(n ? n->type : SP__JSON_NULL));
	for (size_t i = 0; i < n->u.kids.n; i++) {
		const sp__json *m = n->u.kids.v[i];
		size_t k = 0;
		/* Keys hold no NUL when they match: compare as C strings. */
		while (k < nallowed && strcmp(allowed[k], m->key) != 0)
			k++;
		if (k < nallowed && strlen(allowed[k]) != m->keylen)
			k = nallowed; /* "id\u0000x" is not "id" */
		if (k < nallowed)
			continue;
		char list[256] = "", key[64];
		size_t used = 0;
		for (k = 0; k < nallowed && used < sizeof list; k++) {
			const char *sep = k == 0              ? ""
			                  : k + 1 == nallowed ? " or "
			                                      : ", ";
			int w = snprintf(list + used, sizeof list - used,
			                 "%s%s", sep, allowed[k]);
			if (w < 0)
				break;
			used += (size_t)w;
		}
		escape_into(key, sizeof key, m->key, m->keylen, false);
		return sp__json_err(err, d, m, SP_EPARSE, key,
		                    "unknown field (expected %s)", list);
	}
	return SP_OK;
}

/* ------------------------------------------------------------------ */
/* Writing.                                                            */

/* The one string escaper, for every writer: the library's (sp__out) and
 * the front ends' buffers (sp_json_put_str).  Runs that need no escape go
 * out in one piece. */
static void put_str(sp_json_put_fn *put, void *ctx, const char *str, size_t len,
                    unsigned flags)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)str, *end = p + len;
	const unsigned char *run = p;
	bool html = flags & SP_JSON_HTML;
	put(ctx, "\"", 1);
	while (p < end) {
		unsigned char c = *p;
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' &&
		    !(html && (c == '<' || c == '>' || c == '&'))) {
			p++;
			continue;
		}
		size_t n = c >= 0x80 ? utf8_seq(p, end) : 0;
		if (n) {
			p += n;
			continue;
		}
		put(ctx, (const char *)run, (size_t)(p - run));
		char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			put(ctx, esc, 2);
			break;
		case '\n':
			put(ctx, "\\n", 2);
			break;
		case '\t':
			put(ctx, "\\t", 2);
			break;
		case '\r':
			put(ctx, "\\r", 2);
			break;
		case '\b':
			put(ctx, "\\b", 2);
			break;
		case '\f':
			put(ctx, "\\f", 2);
			break;
		default:
			if (c >= 0x80)
				put(ctx, "\\ufffd", 6);
			else
				put(ctx, esc, 6);
		}
		run = ++p;
	}
	put(ctx, (const char *)run, (size_t)(p - run));
	put(ctx, "\"", 1);
}

static void out_put(void *ctx, const char *s, size_t n)
{
	sp__out_mem(ctx, s, n);
}

void sp__json_write_str(sp__out *o, const char *str, size_t len)
{
	put_str(out_put, o, str, len, 0);
}

void sp_json_put_str(sp_json_put_fn *put, void *ctx, const char *s, size_t len,
                     unsigned flags)
{
	put_str(put, ctx, s, len, flags);
}

void sp__json_write_strz(sp__out *o, const char *s)
{
	sp__json_write_str(o, s, strlen(s));
}

/* One value through a writer of its own onto f. */
static sp_status fput_value(FILE *f, const char *s, double v)
{
	sp__out *o = sp_malloc(sizeof *o);
	if (!o)
		return SP_ENOMEM;
	sp__out_init(o, f);
	if (s)
		sp__json_write_strz(o, s);
	else
		sp__json_write_double(o, v);
	bool ok = sp__out_flush(o);
	sp_free(o);
	return ok ? SP_OK : SP_EIO;
}

sp_status sp_json_fputs(const char *s, FILE *f)
{
	return fput_value(f, s ? s : "", 0);
}

sp_status sp_json_fputd(double v, FILE *f)
{
	return fput_value(f, NULL, v);
}

void sp__json_write_int(sp__out *o, int64_t v)
{
	char tmp[24];
	int i = sizeof tmp;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	sp__out_mem(o, tmp + i, sizeof tmp - (size_t)i);
}

/* Formats v with %.*g and rewrites the locale's decimal point, whatever
 * its bytes, as '.'; gives the length. */
static size_t format_g(char *buf, size_t size, int prec, double v)
{
	char raw[64];
	int w = snprintf(raw, sizeof raw, "%.*g", prec, v);
	size_t n = 0;
	bool in_point = false;
	for (int i = 0; i < w && i < (int)sizeof raw - 1 && n < size - 1; i++) {
		char c = raw[i];
		bool num =
		    is_digit(c) || c == '-' || c == '+' || c == 'e' || c == 'E';
		if (num)
			buf[n++] = c;
		else if (!in_point)
			buf[n++] = '.';
		in_point = !num;
	}
	buf[n] = '\0';
	return n;
}

/* v as JSON text in buf (64 bytes); gives the length. */
static size_t format_double(char *buf, double v)
{
	if (!isfinite(v)) {
		memcpy(buf, "null", 5);
		return 4;
	}
	if (v == floor(v) && fabs(v) <= 9007199254740992.0) {
		if (v == 0 && signbit(v)) {
			memcpy(buf, "-0", 3);
			return 2;
		}
		int w = snprintf(buf, 64, "%lld", (long long)v);
		return w > 0 ? (size_t)w : 0;
	}
	size_t n = 0;
	for (int prec = 15; prec <= 17; prec++) {
		n = format_g(buf, 64, prec, v);
		const char *stop;
		double back;
		int64_t iv;
		bool is_int;
		if (scan_number(buf, buf + n, &stop, &back, &iv, &is_int) ==
		        NUM_OK &&
		    stop == buf + n && back == v)
			break;
	}
	return n;
}

void sp__json_write_double(sp__out *o, double v)
{
	char buf[64];
	sp__out_mem(o, buf, format_double(buf, v));
}

void sp_json_put_double(sp_json_put_fn *put, void *ctx, double v)
{
	char buf[64];
	put(ctx, buf, format_double(buf, v));
}

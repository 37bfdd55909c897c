/*
 * io_rp.c — the stable-matching-suite text format, extended: readers and
 * writers of instances and matchings (docs/formats.md has the grammar).
 *
 *   r <applicant> <program>...                  a single's list
 *   c <couple> <a> <b> <pA1> <pB1> ...          a couple's pairs (-1: none)
 *   p <program> <quota> <applicant>...          a program and its list
 *   s <applicant> <k> <adv1>..<advk> <pgy1>...  a supplemental list
 *   v <donor> <receiver> <count>                a reversion
 *   t <program> <track>                         a program's track
 *
 * Reading.  The buffer is copied once and split into records in a single
 * pass that turns every whitespace byte into NUL (eight bytes at a time),
 * so each token is a C string in place and no token costs an allocation.
 * The records array (start, end, line) lets later passes skip comments
 * and blank lines.  Pass 1 creates programs (p lines) and applicants (r
 * lines, then couple members, in file order) so that names may be used
 * before the line that defines them; pass 2 sets the lists, couples,
 * supplemental lists, reversions and tracks, in file order.  Each list is
 * turned into ids in one reused scratch array; a per-entity position
 * array, reset after each list, finds a repeated name and both of its
 * ranks in O(1).  Names resolve through csv.h's name index (hash and
 * first 8 bytes inline, slots prefetched a few names ahead) rather than
 * the instance's map, whose string compares at every probe made lookups
 * most of the cost.  A synthetic national instance (47k applicants, 6.6k
 * programs, 1.14M list entries, 7.7 MB) parses in about 60 ms.
 *
 * The first error stops the read and everything built is freed; pass 1's
 * errors (bad record types, quotas, duplicate definitions) come before
 * pass 2's (unknown names, bad lists), each naming its line.
 *
 * Writing emits p (and t) lines in program order, then r and c lines in
 * applicant order (a couple's line at its first member), then s and v
 * lines in their order, so reading the output back gives the same
 * instance, with the same ids whenever each couple's members are
 * consecutive.  Names with whitespace cannot be tokens, a program named
 * -1 cannot be told from "unmatched" in a couple's list, and a line may
 * not pass SP_MAX_LINE: the writers check all three before writing a
 * byte and refuse with SP_EUNSUPPORTED or SP_ELIMIT.
 */
#include "csv.h"
#include "io.h"
#include "matching.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* Token separators.  '\n' only ends lines but is listed for the writer's
 * check of names. */
static const unsigned char is_ws[256] = {
    [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\v'] = 1, ['\f'] = 1, ['\n'] = 1};

static const char *const track_names[] = {"categorical", "preliminary",
                                          "advanced", "primary", "reserved"};

/* ------------------------------------------------------------------ */
/* Lexing: records and tokens.                                         */

typedef struct {
	uint32_t start, end, line; /* bytes [start, end) of text; 1-based */
} rec;

typedef struct {
	const char *name; /* borrowed, for messages */
	sp_err *err;
	char *text; /* owned copy of the input, whitespace turned to NUL */
	size_t len;
	SP_VEC(rec) recs;      /* records, without comments and blank lines */
	SP_VEC(char *) tok;    /* tokens of the current record */
	SP_VEC(uint32_t) th;   /* their hashes (name_hash) */
	SP_VEC(uint32_t) tl;   /* their lengths */
	SP_VEC(uint64_t) head; /* their first 8 bytes (name_head) */
	long line;             /* line of the current record */
	const char *nul;       /* the input's first NUL byte, or NULL */
} lexer;

static sp_status lx_err(const lexer *lx, sp_status s, const char *field,
                        const char *fmt, ...) SP_PRINTF(4, 5);

static sp_status lx_err(const lexer *lx, sp_status s, const char *field,
                        const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sp__err_set(lx->err, s, lx->name, lx->line, field, "%s", msg);
}

static sp_status oom(const lexer *lx)
{
	return sp__err_set(lx->err, SP_ENOMEM, lx->name, 0, NULL,
	                   "out of memory");
}

static void lx_free(lexer *lx)
{
	sp_free(lx->text);
	SP_VEC_FREE(lx->recs);
	SP_VEC_FREE(lx->tok);
	SP_VEC_FREE(lx->th);
	SP_VEC_FREE(lx->tl);
	SP_VEC_FREE(lx->head);
}

/* Turns space and \t \n \v \f \r (9..13) into NUL in [p, end), eight
 * bytes at a time: per byte, the high bit of `sp` marks a space and that
 * of `ctl` a byte in 9..13 (exact tests: no carry crosses bytes because
 * each byte's high bit is set before subtracting). */
static void blank_spaces(char *p, char *end)
{
	const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
	for (; end - p >= 8; p += 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		uint64_t low = w & ~high, e = w ^ (ones * ' ');
		uint64_t sp = ~(((e & ~high) + ~high) | e) & high;
		uint64_t ge9 = ((low | high) - ones * 9) & high;
		uint64_t ge14 = ((low | high) - ones * 14) & high;
		uint64_t ctl = ge9 & ~ge14 & ~w & high;
		uint64_t m = ((sp | ctl) >> 7) * 0xff;
		if (m) {
			w &= ~m;
			memcpy(p, &w, 8);
		}
	}
	for (; p < end; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == ' ' || (unsigned char)(ch - 9) < 5)
			*p = '\0';
	}
}

/* Splits one line [p, le) in place; records it unless it is blank or a
 * comment. */
static sp_status split_line(lexer *lx, char *p, char *le)
{
	size_t n = (size_t)(le - p);
	if (n && le[-1] == '\r')
		n--;
	if (n > SP_MAX_LINE)
		return lx_err(lx, SP_ELIMIT, NULL,
		              "line is longer than %d bytes", SP_MAX_LINE);
	if (lx->nul && lx->nul < le)
		return lx_err(lx, SP_EPARSE, NULL, "NUL byte in input");
	char *first = p;
	while (first < le && is_ws[(unsigned char)*first])
		first++;
	blank_spaces(first, le);
	*le = '\0';
	if (first == le || *first == '#')
		return SP_OK;
	rec r = {(uint32_t)(first - lx->text), (uint32_t)(le - lx->text),
	         (uint32_t)lx->line};
	return SP_VEC_PUSH(lx->recs, r) ? SP_OK : oom(lx);
}

/* Copies buf and splits it into records. */
static sp_status lx_init(lexer *lx, const char *buf, size_t len,
                         const char *name, sp_err *err)
{
	memset(lx, 0, sizeof *lx);
	lx->name = name ? name : "";
	lx->err = err;
	if (len > (size_t)SP_MAX_FILE)
		return sp__err_set(err, SP_ELIMIT, lx->name, 0, NULL,
		                   "input is larger than %ld bytes",
		                   (long)SP_MAX_FILE);
	/* NUL plus 8 zero bytes, so the hash may load whole words. */
	lx->text = sp_calloc(len + 1 + 8, 1);
	if (!lx->text)
		return oom(lx);
	if (len)
		memcpy(lx->text, buf, len);
	lx->len = len;
	char *p = lx->text, *end = lx->text + len;
	lx->nul = memchr(p, '\0', len);
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end) {
		lx->line++;
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end;
		sp_status s = split_line(lx, p, le);
		if (s)
			return s;
		p = le + 1;
	}
	return SP_OK;
}

/* Keeps the first `n` (1..8) bytes of a word loaded from memory. */
static uint64_t keep_bytes(uint64_t w, size_t n)
{
	if (n >= 8)
		return w;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return w & ~(~0ull >> (8 * n));
#else
	return w & ((1ull << (8 * n)) - 1);
#endif
}

/* The NUL that ends the token at p, a word at a time where the byte
 * order allows (the text is padded so whole words may be loaded). */
static char *token_end(char *p)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (;; p += 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		uint64_t z =
		    (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
		if (z)
			return p + (__builtin_ctzll(z) >> 3);
	}
#else
	while (*p)
		p++;
	return p;
#endif
}

/* Gathers up to `max` tokens of record r into lx->tok (lx->tok.n is the
 * number gathered).  With `hash`, also each token's head, hash and
 * length for the name index. */
static sp_status lx_tokens(lexer *lx, const rec *r, size_t max, bool hash)
{
	char *p = lx->text + r->start, *end = lx->text + r->end;
	size_t most = (size_t)(end - p) / 2 + 1, n = 0;
	if (most > max)
		most = max;
	lx->line = r->line;
	/* The four grow together; checking one would go wrong after a
	 * failed allocation, so check all. */
	bool room = lx->tok.cap >= most && lx->th.cap >= most &&
	            lx->tl.cap >= most && lx->head.cap >= most;
	if (!room &&
	    (!SP_VEC_RESERVE(lx->tok, most) || !SP_VEC_RESERVE(lx->th, most) ||
	     !SP_VEC_RESERVE(lx->tl, most) || !SP_VEC_RESERVE(lx->head, most)))
		return oom(lx);
	while (p < end && n < max) {
		if (!*p) {
			p++;
			continue;
		}
		char *t = p;
		p = token_end(p);
		size_t len = (size_t)(p - t);
		lx->tok.v[n] = t;
		if (hash) {
			uint64_t w;
			memcpy(&w, t, 8); /* the text has 8 bytes of padding */
			w = keep_bytes(w, len);
			lx->head.v[n] = w;
			lx->th.v[n] = sp__csv_name_hash(w, t, len);
			lx->tl.v[n] = (uint32_t)len;
		}
		n++;
	}
	lx->tok.n = n;
	return SP_OK;
}

/* The error for a record type not in `expected`. */
static sp_status bad_type(const lexer *lx, const char *expected)
{
	char q[SP__QUOTE_SIZE];
	return lx_err(lx, SP_EPARSE, "type",
	              "unknown record type %s (expected %s)",
	              sp__csv_quote(q, sizeof q, lx->tok.v[0]), expected);
}

/* The record type letter, or 0 when the first token is longer. */
static char rec_type(const lexer *lx)
{
	const char *t = lx->tok.v[0];
	return t[1] == '\0' ? t[0] : 0;
}

/* The error for a token after the last field of a fixed-size record. */
static sp_status extra_token(const lexer *lx, size_t k)
{
	char q[SP__QUOTE_SIZE];
	return lx_err(lx, SP_EPARSE, NULL,
	              "unexpected %s at the end of the line",
	              sp__csv_quote(q, sizeof q, lx->tok.v[k]));
}

/* Lists resolve names ahead of use: the slot of the name PREFETCH
 * places ahead is requested while this one is looked up, which hides
 * most of the cache misses of an index larger than the cache. */
#define PREFETCH 8

/* The id of token k of the current record in index x, or SP_NONE. */
static int32_t index_find(const sp__csv_index *x, const lexer *lx, size_t k)
{
	return sp__csv_index_get(x, lx->tok.v[k], lx->tl.v[k], lx->th.v[k],
	                         lx->head.v[k]);
}

/* ------------------------------------------------------------------ */
/* Reading instances.                                                  */

typedef SP_VEC(uint32_t) u32vec;

typedef struct {
	lexer lx;
	sp_inst *in;
	u32vec pline, aline, cline; /* line defining each program, ... */
	uint32_t *tline;            /* line of each program's t line, or 0 */
	int32_t *ppos, *apos;       /* rank in the current list, or -1 */
	SP_VEC(int32_t) ids;        /* the current list as ids */
	SP_VEC(uint64_t) keys;      /* scratch for couple pair checks */
	sp__csv_index pidx, aidx;   /* programs and applicants, pass 2 */
} reader;

static void reader_free(reader *r)
{
	lx_free(&r->lx);
	SP_VEC_FREE(r->pline);
	SP_VEC_FREE(r->aline);
	SP_VEC_FREE(r->cline);
	sp_free(r->tline);
	sp_free(r->ppos);
	sp_free(r->apos);
	SP_VEC_FREE(r->ids);
	SP_VEC_FREE(r->keys);
	sp__csv_index_free(&r->pidx);
	sp__csv_index_free(&r->aidx);
}

static sp_status check_name(reader *r, const char *tok, const char *field)
{
	if (strlen(tok) > SP_MAX_NAME)
		return lx_err(&r->lx, SP_ELIMIT, field,
		              "name is longer than %d bytes", SP_MAX_NAME);
	return SP_OK;
}

/* The error for a name that is not defined. */
static sp_status unknown(reader *r, const char *tok, const char *what,
                         const char *field, const char *hint)
{
	sp_status s = check_name(r, tok, field);
	if (s)
		return s;
	char q[SP__QUOTE_SIZE];
	return lx_err(&r->lx, SP_ENOTFOUND, field, "unknown %s %s%s", what,
	              sp__csv_quote(q, sizeof q, tok), hint);
}

/* Pass 2: the program named by token k. */
static sp_status find_program(reader *r, size_t k, const char *field,
                              int32_t *id)
{
	*id = index_find(&r->pidx, &r->lx, k);
	if (*id == SP_NONE)
		return unknown(r, r->lx.tok.v[k], "program", field,
		               " (no p line defines it)");
	return SP_OK;
}

/* Pass 2: the applicant named by token k. */
static sp_status find_applicant(reader *r, size_t k, const char *field,
                                int32_t *id)
{
	*id = index_find(&r->aidx, &r->lx, k);
	if (*id == SP_NONE)
		return unknown(r, r->lx.tok.v[k], "applicant", field,
		               " (no r or c line defines it)");
	return SP_OK;
}

static sp_status define_program(reader *r)
{
	lexer *lx = &r->lx;
	char **t = lx->tok.v;
	if (lx->tok.n < 2)
		return lx_err(lx, SP_EPARSE, "program",
		              "expected a program name after 'p'");
	if (lx->tok.n < 3)
		return lx_err(lx, SP_EPARSE, "quota",
		              "expected a quota after the program name");
	sp_status s = check_name(r, t[1], "program");
	long quota;
	if (!s)
		s = sp__csv_parse_long(t[2], 0, SP_MAX_QUOTA, &quota, lx->err,
		                       lx->name, lx->line, "quota");
	if (s)
		return s;
	int32_t id;
	s = sp_inst_add_program(r->in, t[1], (int)quota, &id);
	char q[SP__QUOTE_SIZE];
	if (s == SP_EDUP)
		return lx_err(lx, s, "program",
		              "duplicate program %s (first on line %u)",
		              sp__csv_quote(q, sizeof q, t[1]),
		              r->pline.v[sp_inst_find_program(r->in, t[1])]);
	if (s == SP_ELIMIT)
		return lx_err(lx, s, "program", "more than %d programs",
		              SP_MAX_ENTITIES);
	if (s)
		return s == SP_ENOMEM
		           ? oom(lx)
		           : lx_err(lx, s, "program", "%s", sp_strerror(s));
	return SP_VEC_PUSH(r->pline, (uint32_t)lx->line) ? SP_OK : oom(lx);
}

static sp_status define_applicant(reader *r, const char *name)
{
	lexer *lx = &r->lx;
	sp_status s = check_name(r, name, "applicant");
	if (s)
		return s;
	s = sp_inst_add_applicant(r->in, name, NULL);
	char q[SP__QUOTE_SIZE];
	if (s == SP_EDUP)
		return lx_err(lx, s, "applicant",
		              "duplicate applicant %s (first on line %u)",
		              sp__csv_quote(q, sizeof q, name),
		              r->aline.v[sp_inst_find_applicant(r->in, name)]);
	if (s == SP_ELIMIT)
		return lx_err(lx, s, "applicant", "more than %d applicants",
		              SP_MAX_ENTITIES);
	if (s)
		return s == SP_ENOMEM
		           ? oom(lx)
		           : lx_err(lx, s, "applicant", "%s", sp_strerror(s));
	return SP_VEC_PUSH(r->aline, (uint32_t)lx->line) ? SP_OK : oom(lx);
}

/* Pass 1 of a c line (its first four tokens): creates both members. */
static sp_status define_members(reader *r)
{
	lexer *lx = &r->lx;
	char **t = lx->tok.v;
	size_t n = lx->tok.n;
	if (n < 2)
		return lx_err(lx, SP_EPARSE, "couple",
		              "expected a couple name after 'c'");
	if (n < 4)
		return lx_err(lx, SP_EPARSE, "applicant",
		              "expected the couple's two applicants");
	sp_status s = check_name(r, t[1], "couple");
	if (s)
		return s;
	char q[SP__QUOTE_SIZE], q2[SP__QUOTE_SIZE];
	if (strcmp(t[2], t[3]) == 0)
		return lx_err(lx, SP_EPARSE, "applicant",
		              "couple %s names applicant %s twice",
		              sp__csv_quote(q, sizeof q, t[1]),
		              sp__csv_quote(q2, sizeof q2, t[2]));
	s = define_applicant(r, t[2]);
	if (!s)
		s = define_applicant(r, t[3]);
	return s;
}

static sp_status pass1(reader *r, const rec *rc)
{
	lexer *lx = &r->lx;
	sp_status s = lx_tokens(lx, rc, 4, false);
	if (s)
		return s;
	switch (rec_type(lx)) {
	case 'p':
		return define_program(r);
	case 'r':
		if (lx->tok.n < 2)
			return lx_err(lx, SP_EPARSE, "applicant",
			              "expected an applicant name after 'r'");
		return define_applicant(r, lx->tok.v[1]);
	case 'c':
		return define_members(r);
	case 's':
	case 'v':
	case 't':
		return SP_OK;
	default:
		return bad_type(lx, "r, c, p, s, v or t");
	}
}

/* Appends the ids of the n names from token `first` to r->ids;
 * `programs` picks the kind.  A name twice in these n is an error naming
 * both ranks. */
static sp_status append_ids(reader *r, size_t first, size_t n, bool programs,
                            const char *field)
{
	char **t = r->lx.tok.v + first;
	if (n == 0)
		return SP_OK;
	if (!SP_VEC_RESERVE(r->ids, n))
		return oom(&r->lx);
	int32_t *pos = programs ? r->ppos : r->apos;
	int32_t *ids = r->ids.v + r->ids.n;
	const sp__csv_index *x = programs ? &r->pidx : &r->aidx;
	for (size_t i = 0; i < n; i++) {
		if (i + PREFETCH < n)
			sp__csv_index_prefetch(
			    x, r->lx.th.v[first + i + PREFETCH]);
		int32_t id;
		sp_status s = programs
		                  ? find_program(r, first + i, field, &id)
		                  : find_applicant(r, first + i, field, &id);
		if (s)
			return s;
		if (pos[id] >= 0) {
			char q[SP__QUOTE_SIZE];
			return lx_err(&r->lx, SP_EDUP, field,
			              "%s %s appears twice in the list (at "
			              "%d and %zu)",
			              programs ? "program" : "applicant",
			              sp__csv_quote(q, sizeof q, t[i]),
			              pos[id] + 1, i + 1);
		}
		pos[id] = (int32_t)i;
		ids[i] = id;
	}
	for (size_t i = 0; i < n; i++)
		pos[ids[i]] = -1;
	r->ids.n += n;
	return SP_OK;
}

/* The error for a list longer than its cap. */
static sp_status too_many(reader *r, const char *field, size_t n, long cap)
{
	return lx_err(&r->lx, SP_ELIMIT, field,
	              "the list has %zu entries; the limit is %ld", n, cap);
}

/* The error for an unexpected builder status. */
static sp_status builder_err(reader *r, sp_status s)
{
	if (s == SP_ENOMEM)
		return oom(&r->lx);
	return lx_err(&r->lx, s, NULL, "%s", sp_strerror(s));
}

static sp_status read_rol(reader *r)
{
	size_t n = r->lx.tok.n - 2;
	if (n > SP_MAX_LIST)
		return too_many(r, "program", n, SP_MAX_LIST);
	int32_t a;
	r->ids.n = 0;
	sp_status s = find_applicant(r, 1, "applicant", &a);
	if (!s)
		s = append_ids(r, 2, n, true, "program");
	if (s)
		return s;
	s = sp_inst_set_rol(r->in, a, r->ids.v, n);
	return s ? builder_err(r, s) : SP_OK;
}

static sp_status read_program_rol(reader *r)
{
	size_t n = r->lx.tok.n - 3;
	if (n > SP_MAX_PROGRAM_LIST)
		return too_many(r, "applicant", n, SP_MAX_PROGRAM_LIST);
	int32_t p;
	r->ids.n = 0;
	sp_status s = find_program(r, 1, "program", &p);
	if (!s)
		s = append_ids(r, 3, n, false, "applicant");
	if (s)
		return s;
	s = sp_inst_set_program_rol(r->in, p, r->ids.v, n);
	return s ? builder_err(r, s) : SP_OK;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

/* Finds a pair listed twice among the first `len` pairs of r->ids (the
 * pairs before a (-1, -1) end, as the builder counts them). */
static sp_status check_pairs(reader *r, size_t len)
{
	const int32_t *pairs = r->ids.v;
	if (len < 2)
		return SP_OK;
	if (!SP_VEC_RESERVE(r->keys, len))
		return oom(&r->lx);
	/* Each pair packed into 64 bits; sorted, a repeat sits next to
	 * its twin.  The ranks for the message come from a second scan. */
	uint64_t *keys = r->keys.v;
	for (size_t k = 0; k < len; k++)
		keys[k] = ((uint64_t)(uint32_t)pairs[2 * k] << 32) |
		          (uint32_t)pairs[2 * k + 1];
	qsort(keys, len, sizeof *keys, cmp_u64);
	size_t k = 1;
	while (k < len && keys[k] != keys[k - 1])
		k++;
	if (k >= len)
		return SP_OK;
	uint64_t dup = keys[k];
	size_t first = 0, second = 0;
	for (size_t i = 0; i < len; i++) {
		uint64_t key = ((uint64_t)(uint32_t)pairs[2 * i] << 32) |
		               (uint32_t)pairs[2 * i + 1];
		if (key != dup)
			continue;
		if (first == 0) {
			first = i + 1;
		} else {
			second = i + 1;
			break;
		}
	}
	char **t = r->lx.tok.v + 4;
	char q[SP__QUOTE_SIZE], q2[SP__QUOTE_SIZE];
	return lx_err(
	    &r->lx, SP_EDUP, "program",
	    "pair (%s, %s) appears twice in the list (at %zu and %zu)",
	    sp__csv_quote(q, sizeof q, t[2 * (first - 1)]),
	    sp__csv_quote(q2, sizeof q2, t[2 * (first - 1) + 1]), first,
	    second);
}

static sp_status read_couple(reader *r)
{
	lexer *lx = &r->lx;
	char **t = lx->tok.v;
	if ((lx->tok.n - 4) % 2)
		return lx_err(lx, SP_EPARSE, "program",
		              "a couple ranks pairs of programs, but the line "
		              "has an odd number (%zu) of programs",
		              lx->tok.n - 4);
	size_t npairs = (lx->tok.n - 4) / 2;
	if (npairs > SP_MAX_LIST)
		return too_many(r, "program", npairs, SP_MAX_LIST);
	r->ids.n = 0;
	if (!SP_VEC_RESERVE(r->ids, 2 * npairs))
		return oom(lx);
	size_t len = npairs;
	for (size_t i = 0; i < 2 * npairs; i++) {
		const char *tok = t[4 + i];
		int32_t id = SP_NONE;
		if (strcmp(tok, "-1") != 0) {
			sp_status s = find_program(r, 4 + i, "program", &id);
			if (s)
				return s;
		}
		r->ids.v[i] = id;
		if (i % 2 && id == SP_NONE && r->ids.v[i - 1] == SP_NONE &&
		    len == npairs)
			len = i / 2;
	}
	r->ids.n = 2 * npairs;
	sp_status s = check_pairs(r, len);
	if (s)
		return s;
	int32_t a, b, c;
	s = find_applicant(r, 2, "applicant", &a);
	if (!s)
		s = find_applicant(r, 3, "applicant", &b);
	if (!s)
		s = sp_inst_add_couple(r->in, t[1], a, b, r->ids.v, npairs, &c);
	if (s == SP_EDUP) {
		int32_t k = 0;
		while (strcmp(sp_inst_couple_name(r->in, k), t[1]) != 0)
			k++;
		char q[SP__QUOTE_SIZE];
		return lx_err(lx, s, "couple",
		              "duplicate couple %s (first on line %u)",
		              sp__csv_quote(q, sizeof q, t[1]), r->cline.v[k]);
	}
	if (s)
		return builder_err(r, s);
	return SP_VEC_PUSH(r->cline, (uint32_t)lx->line) ? SP_OK : oom(lx);
}

static sp_status read_supplemental(reader *r)
{
	lexer *lx = &r->lx;
	char **t = lx->tok.v;
	size_t n = lx->tok.n;
	if (n < 2)
		return lx_err(lx, SP_EPARSE, "applicant",
		              "expected an applicant name after 's'");
	if (n < 3)
		return lx_err(lx, SP_EPARSE, "k",
		              "expected the number of advanced programs");
	int32_t a;
	long k;
	sp_status s = find_applicant(r, 1, "applicant", &a);
	if (!s)
		s = sp__csv_parse_long(t[2], 1, SP_MAX_LIST, &k, lx->err,
		                       lx->name, lx->line, "k");
	if (s)
		return s;
	if (n < 3 + (size_t)k)
		return lx_err(lx, SP_EPARSE, "advanced",
		              "expected %ld advanced programs, got %zu", k,
		              n - 3);
	if (n == 3 + (size_t)k)
		return lx_err(
		    lx, SP_EPARSE, "program",
		    "expected PGY-1 programs after the advanced ones");
	size_t npre = n - 3 - (size_t)k;
	if (npre > SP_MAX_LIST)
		return too_many(r, "program", npre, SP_MAX_LIST);
	char q[SP__QUOTE_SIZE], q2[SP__QUOTE_SIZE];
	if (sp_inst_couple_of(r->in, a) != SP_NONE)
		return lx_err(lx, SP_EINVAL, "applicant",
		              "applicant %s is in a couple; only single "
		              "applicants have supplemental lists",
		              sp__csv_quote(q, sizeof q, t[1]));
	r->ids.n = 0;
	s = append_ids(r, 3, (size_t)k, true, "advanced");
	if (!s)
		s = append_ids(r, 3 + (size_t)k, npre, true, "program");
	if (s)
		return s;
	const int32_t *adv = r->ids.v;
	s = sp_inst_add_supplemental(r->in, a, adv, (size_t)k, adv + k, npre);
	if (s != SP_EDUP)
		return s ? builder_err(r, s) : SP_OK;
	long i = 0;
	while (i < k && sp__inst_supp_for(r->in, a, adv[i]) == SP_NONE)
		i++;
	return lx_err(lx, s, "advanced",
	              "advanced program %s is already linked to a "
	              "supplemental list of applicant %s",
	              sp__csv_quote(q, sizeof q, t[3 + (i < k ? i : 0)]),
	              sp__csv_quote(q2, sizeof q2, t[1]));
}

static sp_status read_reversion(reader *r)
{
	lexer *lx = &r->lx;
	char **t = lx->tok.v;
	size_t n = lx->tok.n;
	static const char *const fields[] = {"", "donor", "receiver", "count"};
	static const char *const what[] = {"", "a donor program",
	                                   "a receiver program", "a count"};
	if (n < 4)
		return lx_err(lx, SP_EPARSE, fields[n], "expected %s", what[n]);
	if (n > 4)
		return extra_token(lx, 4);
	int32_t d, rc;
	long count;
	sp_status s = find_program(r, 1, "donor", &d);
	if (!s)
		s = find_program(r, 2, "receiver", &rc);
	if (!s)
		s = sp__csv_parse_long(t[3], 1, SP_MAX_QUOTA, &count, lx->err,
		                       lx->name, lx->line, "count");
	if (s)
		return s;
	char q[SP__QUOTE_SIZE];
	if (d == rc)
		return lx_err(lx, SP_EINVAL, "receiver",
		              "program %s cannot revert positions to itself",
		              sp__csv_quote(q, sizeof q, t[1]));
	if (count > sp_inst_quota(r->in, d))
		return lx_err(lx, SP_EINVAL, "count",
		              "count %ld is more than the quota %d of donor %s",
		              count, sp_inst_quota(r->in, d),
		              sp__csv_quote(q, sizeof q, t[1]));
	s = sp_inst_add_reversion(r->in, d, rc, (int)count);
	return s ? builder_err(r, s) : SP_OK;
}

static sp_status read_track(reader *r)
{
	lexer *lx = &r->lx;
	char **t = lx->tok.v;
	size_t n = lx->tok.n;
	if (n < 2)
		return lx_err(lx, SP_EPARSE, "program",
		              "expected a program name after 't'");
	if (n < 3)
		return lx_err(lx, SP_EPARSE, "track",
		              "expected a track after the program name");
	if (n > 3)
		return extra_token(lx, 3);
	int32_t p;
	sp_status s = find_program(r, 1, "program", &p);
	if (s)
		return s;
	size_t k = 0;
	while (k < 5 && strcmp(t[2], track_names[k]) != 0)
		k++;
	char q[SP__QUOTE_SIZE];
	if (k == 5)
		return lx_err(lx, SP_EPARSE, "track",
		              "unknown track %s (expected categorical, "
		              "preliminary, advanced, primary or reserved)",
		              sp__csv_quote(q, sizeof q, t[2]));
	if (r->tline[p])
		return lx_err(lx, SP_EDUP, "program",
		              "track of program %s already set on line %u",
		              sp__csv_quote(q, sizeof q, t[1]), r->tline[p]);
	r->tline[p] = (uint32_t)lx->line;
	sp_inst_set_track(r->in, p, (sp_track)k);
	return SP_OK;
}

static sp_status pass2(reader *r, const rec *rc)
{
	sp_status s = lx_tokens(&r->lx, rc, SIZE_MAX, true);
	if (s)
		return s;
	switch (rec_type(&r->lx)) {
	case 'r':
		return read_rol(r);
	case 'c':
		return read_couple(r);
	case 'p':
		return read_program_rol(r);
	case 's':
		return read_supplemental(r);
	case 'v':
		return read_reversion(r);
	default:
		return read_track(r);
	}
}

/* Allocates the per-entity arrays and name indexes pass 2 needs. */
static sp_status alloc_marks(reader *r)
{
	int32_t np = sp_inst_nprograms(r->in), na = sp_inst_napplicants(r->in);
	r->tline = sp_calloc((size_t)np, sizeof *r->tline);
	r->ppos = sp_malloc((np ? (size_t)np : 1) * sizeof *r->ppos);
	r->apos = sp_malloc((na ? (size_t)na : 1) * sizeof *r->apos);
	if (!r->tline || !r->ppos || !r->apos ||
	    !sp__csv_index_build(&r->pidx, r->in, np, sp_inst_program_name) ||
	    !sp__csv_index_build(&r->aidx, r->in, na, sp_inst_applicant_name))
		return oom(&r->lx);
	memset(r->ppos, 0xff, (size_t)np * sizeof *r->ppos);
	memset(r->apos, 0xff, (size_t)na * sizeof *r->apos);
	return SP_OK;
}

sp_status sp__io_rp_read(const char *buf, size_t len, const char *name,
                         sp_inst **out, sp_err *err)
{
	*out = NULL;
	reader r;
	memset(&r, 0, sizeof r);
	sp_status s = lx_init(&r.lx, buf, len, name, err);
	if (!s && sp_inst_new(&r.in) != SP_OK)
		s = oom(&r.lx);
	for (size_t i = 0; !s && i < r.lx.recs.n; i++)
		s = pass1(&r, &r.lx.recs.v[i]);
	if (!s)
		s = alloc_marks(&r);
	for (size_t i = 0; !s && i < r.lx.recs.n; i++)
		s = pass2(&r, &r.lx.recs.v[i]);
	if (s)
		sp_inst_free(r.in);
	else
		*out = r.in;
	reader_free(&r);
	return s;
}

/* ------------------------------------------------------------------ */
/* Reading matchings.                                                  */

typedef struct {
	lexer lx;
	const sp_inst *in;
	sp_matching *m;
	uint32_t *rline, *sline, *qline; /* line that set each, or 0 */
	uint32_t mline;
} mreader;

/* Reads `r|s <applicant> <program|-1>`. */
static sp_status read_assignment(mreader *r, bool supp)
{
	lexer *lx = &r->lx;
	char **t = lx->tok.v;
	size_t n = lx->tok.n;
	if (n < 3)
		return lx_err(lx, SP_EPARSE, n < 2 ? "applicant" : "program",
		              "expected %s",
		              n < 2 ? "an applicant name"
		                    : "a program name or -1");
	if (n > 3)
		return extra_token(lx, 3);
	char q[SP__QUOTE_SIZE];
	int32_t a = sp_inst_find_applicant(r->in, t[1]);
	if (a == SP_NONE)
		return lx_err(lx, SP_ENOTFOUND, "applicant",
		              "unknown applicant %s",
		              sp__csv_quote(q, sizeof q, t[1]));
	int32_t p = SP_NONE;
	if (strcmp(t[2], "-1") != 0) {
		p = sp_inst_find_program(r->in, t[2]);
		if (p == SP_NONE)
			return lx_err(lx, SP_ENOTFOUND, "program",
			              "unknown program %s",
			              sp__csv_quote(q, sizeof q, t[2]));
	}
	uint32_t *seen = supp ? r->sline : r->rline;
	if (seen[a])
		return lx_err(lx, SP_EDUP, "applicant",
		              "applicant %s is matched twice (first on line "
		              "%u)",
		              sp__csv_quote(q, sizeof q, t[1]), seen[a]);
	seen[a] = (uint32_t)lx->line;
	if (supp)
		sp_matching_set_supplemental(r->m, a, p);
	else
		sp_matching_set(r->m, a, p);
	return SP_OK;
}

static sp_status read_capacity(mreader *r)
{
	lexer *lx = &r->lx;
	char **t = lx->tok.v;
	size_t n = lx->tok.n;
	if (n < 3)
		return lx_err(lx, SP_EPARSE, n < 2 ? "program" : "capacity",
		              "expected %s",
		              n < 2 ? "a program name" : "a capacity");
	if (n > 3)
		return extra_token(lx, 3);
	char q[SP__QUOTE_SIZE];
	int32_t p = sp_inst_find_program(r->in, t[1]);
	if (p == SP_NONE)
		return lx_err(lx, SP_ENOTFOUND, "program", "unknown program %s",
		              sp__csv_quote(q, sizeof q, t[1]));
	long cap;
	sp_status s = sp__csv_parse_long(t[2], 0, INT_MAX, &cap, lx->err,
	                                 lx->name, lx->line, "capacity");
	if (s)
		return s;
	if (r->qline[p])
		return lx_err(lx, SP_EDUP, "program",
		              "capacity of program %s already given on line %u",
		              sp__csv_quote(q, sizeof q, t[1]), r->qline[p]);
	r->qline[p] = (uint32_t)lx->line;
	sp_matching_set_capacity(r->m, p, (int)cap);
	return SP_OK;
}

static sp_status read_stable(mreader *r)
{
	lexer *lx = &r->lx;
	if (lx->tok.n < 2)
		return lx_err(lx, SP_EPARSE, "stable",
		              "expected 1 (stable) or 0 after 'm'");
	if (lx->tok.n > 2)
		return extra_token(lx, 2);
	if (r->mline)
		return lx_err(lx, SP_EDUP, "stable",
		              "second m line (first on line %u)", r->mline);
	long v;
	sp_status s = sp__csv_parse_long(lx->tok.v[1], 0, 1, &v, lx->err,
	                                 lx->name, lx->line, "stable");
	if (s == SP_ELIMIT)
		s = lx_err(lx, SP_EPARSE, "stable",
		           "expected 1 (stable) or 0 after 'm'");
	if (s)
		return s;
	r->mline = (uint32_t)lx->line;
	r->m->stable = (int)v;
	return SP_OK;
}

static sp_status read_mrec(mreader *r, const rec *rc)
{
	sp_status s = lx_tokens(&r->lx, rc, SIZE_MAX, false);
	if (s)
		return s;
	switch (rec_type(&r->lx)) {
	case 'm':
		return read_stable(r);
	case 'r':
		return read_assignment(r, false);
	case 's':
		return read_assignment(r, true);
	case 'q':
		return read_capacity(r);
	default:
		return bad_type(&r->lx, "m, r, s or q");
	}
}

sp_status sp__io_rp_matching_read(const sp_inst *in, const char *buf,
                                  size_t len, const char *name,
                                  sp_matching **out, sp_err *err)
{
	*out = NULL;
	mreader r;
	memset(&r, 0, sizeof r);
	r.in = in;
	sp_status s = lx_init(&r.lx, buf, len, name, err);
	size_t na = (size_t)sp_inst_napplicants(in);
	size_t np = (size_t)sp_inst_nprograms(in);
	if (!s && sp__matching_alloc(in, &r.m) != SP_OK)
		s = oom(&r.lx);
	if (!s) {
		r.rline = sp_calloc(na, sizeof *r.rline);
		r.sline = sp_calloc(na, sizeof *r.sline);
		r.qline = sp_calloc(np, sizeof *r.qline);
		if (!r.rline || !r.sline || !r.qline)
			s = oom(&r.lx);
	}
	for (size_t i = 0; !s && i < r.lx.recs.n; i++)
		s = read_mrec(&r, &r.lx.recs.v[i]);
	if (s)
		sp_matching_free(r.m);
	else
		*out = r.m;
	lx_free(&r.lx);
	sp_free(r.rline);
	sp_free(r.sline);
	sp_free(r.qline);
	return s;
}

/* ------------------------------------------------------------------ */
/* Writing.                                                            */

/* True if s can be written as one token. */
static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (is_ws[(unsigned char)*s])
			return false;
	return true;
}

/* Length of a line listing `n` names of programs (or applicants) after a
 * prefix of `len` bytes. */
static size_t list_line(size_t len, const sp_inst *in, const int32_t *v,
                        size_t n, bool programs)
{
	for (size_t i = 0; i < n; i++) {
		const char *s = v[i] == SP_NONE ? "-1"
		                : programs      ? sp_inst_program_name(in, v[i])
		                           : sp_inst_applicant_name(in, v[i]);
		len += 1 + strlen(s);
	}
	return len;
}

/* Checks that every name is a token and no couple ranks a program named
 * -1; SP_EUNSUPPORTED otherwise. */
static sp_status check_names(const sp_inst *in)
{
	for (int32_t p = 0; p < sp_inst_nprograms(in); p++)
		if (!is_token(sp_inst_program_name(in, p)))
			return SP_EUNSUPPORTED;
	for (int32_t a = 0; a < sp_inst_napplicants(in); a++)
		if (!is_token(sp_inst_applicant_name(in, a)))
			return SP_EUNSUPPORTED;
	for (int32_t c = 0; c < sp_inst_ncouples(in); c++) {
		if (!is_token(sp_inst_couple_name(in, c)))
			return SP_EUNSUPPORTED;
		size_t n;
		const int32_t *v = sp_inst_couple_rol(in, c, &n);
		for (size_t i = 0; i < 2 * n; i++)
			if (v[i] != SP_NONE &&
			    strcmp(sp_inst_program_name(in, v[i]), "-1") == 0)
				return SP_EUNSUPPORTED;
	}
	return SP_OK;
}

static size_t ndigits(long v)
{
	size_t n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Checks that no line of the output would pass SP_MAX_LINE. */
static sp_status check_lines(const sp_inst *in)
{
	size_t n;
	const int32_t *v;
	for (int32_t p = 0; p < sp_inst_nprograms(in); p++) {
		v = sp_inst_program_rol(in, p, &n);
		size_t head = 3 + strlen(sp_inst_program_name(in, p)) +
		              ndigits(sp_inst_quota(in, p));
		if (list_line(head, in, v, n, false) > SP_MAX_LINE)
			return SP_ELIMIT;
	}
	for (int32_t a = 0; a < sp_inst_napplicants(in); a++) {
		v = sp_inst_rol(in, a, &n);
		size_t head = 2 + strlen(sp_inst_applicant_name(in, a));
		if (list_line(head, in, v, n, true) > SP_MAX_LINE)
			return SP_ELIMIT;
	}
	for (int32_t c = 0; c < sp_inst_ncouples(in); c++) {
		int32_t a, b;
		sp_inst_couple_members(in, c, &a, &b);
		v = sp_inst_couple_rol(in, c, &n);
		size_t head = 4 + strlen(sp_inst_couple_name(in, c)) +
		              strlen(sp_inst_applicant_name(in, a)) +
		              strlen(sp_inst_applicant_name(in, b));
		if (list_line(head, in, v, 2 * n, true) > SP_MAX_LINE)
			return SP_ELIMIT;
	}
	for (size_t k = 0; k < sp_inst_nsupplementals(in); k++) {
		int32_t a;
		const int32_t *adv, *pre;
		size_t nadv, npre;
		sp_inst_supplemental(in, k, &a, &adv, &nadv, &pre, &npre);
		size_t head = 3 + strlen(sp_inst_applicant_name(in, a)) +
		              ndigits((long)nadv);
		head = list_line(head, in, adv, nadv, true);
		if (list_line(head, in, pre, npre, true) > SP_MAX_LINE)
			return SP_ELIMIT;
	}
	return SP_OK;
}

static void put_list(sp__out *o, const sp_inst *in, const int32_t *v, size_t n,
                     bool programs)
{
	for (size_t i = 0; i < n; i++) {
		sp__out_char(o, ' ');
		if (v[i] == SP_NONE)
			sp__out_mem(o, "-1", 2);
		else
			sp__out_str(o, programs
			                   ? sp_inst_program_name(in, v[i])
			                   : sp_inst_applicant_name(in, v[i]));
	}
	sp__out_char(o, '\n');
}

static void put_programs(sp__out *o, const sp_inst *in)
{
	for (int32_t p = 0; p < sp_inst_nprograms(in); p++) {
		const char *name = sp_inst_program_name(in, p);
		size_t n;
		const int32_t *v = sp_inst_program_rol(in, p, &n);
		sp__out_mem(o, "p ", 2);
		sp__out_str(o, name);
		sp__out_char(o, ' ');
		sp__out_int(o, sp_inst_quota(in, p));
		put_list(o, in, v, n, false);
		sp_track t = sp_inst_track(in, p);
		if (t == SP_TRACK_CATEGORICAL)
			continue;
		sp__out_mem(o, "t ", 2);
		sp__out_str(o, name);
		sp__out_char(o, ' ');
		sp__out_str(o, track_names[t]);
		sp__out_char(o, '\n');
	}
}

static void put_couple(sp__out *o, const sp_inst *in, int32_t c)
{
	int32_t a, b;
	sp_inst_couple_members(in, c, &a, &b);
	size_t n;
	const int32_t *v = sp_inst_couple_rol(in, c, &n);
	sp__out_mem(o, "c ", 2);
	sp__out_str(o, sp_inst_couple_name(in, c));
	sp__out_char(o, ' ');
	sp__out_str(o, sp_inst_applicant_name(in, a));
	sp__out_char(o, ' ');
	sp__out_str(o, sp_inst_applicant_name(in, b));
	put_list(o, in, v, 2 * n, true);
}

/* r lines, and each couple's c line at its first member. */
static void put_applicants(sp__out *o, const sp_inst *in)
{
	for (int32_t a = 0; a < sp_inst_napplicants(in); a++) {
		int32_t c = sp_inst_couple_of(in, a);
		if (c != SP_NONE) {
			int32_t x, y;
			sp_inst_couple_members(in, c, &x, &y);
			if (a == SP_MIN(x, y))
				put_couple(o, in, c);
			continue;
		}
		size_t n;
		const int32_t *v = sp_inst_rol(in, a, &n);
		sp__out_mem(o, "r ", 2);
		sp__out_str(o, sp_inst_applicant_name(in, a));
		put_list(o, in, v, n, true);
	}
}

static void put_extensions(sp__out *o, const sp_inst *in)
{
	for (size_t k = 0; k < sp_inst_nsupplementals(in); k++) {
		int32_t a;
		const int32_t *adv, *pre;
		size_t nadv, npre;
		sp_inst_supplemental(in, k, &a, &adv, &nadv, &pre, &npre);
		sp__out_mem(o, "s ", 2);
		sp__out_str(o, sp_inst_applicant_name(in, a));
		sp__out_char(o, ' ');
		sp__out_int(o, (long)nadv);
		for (size_t i = 0; i < nadv; i++) {
			sp__out_char(o, ' ');
			sp__out_str(o, sp_inst_program_name(in, adv[i]));
		}
		put_list(o, in, pre, npre, true);
	}
	for (size_t k = 0; k < sp_inst_nreversions(in); k++) {
		int32_t d, r;
		int count;
		sp_inst_reversion(in, k, &d, &r, &count);
		sp__out_mem(o, "v ", 2);
		sp__out_str(o, sp_inst_program_name(in, d));
		sp__out_char(o, ' ');
		sp__out_str(o, sp_inst_program_name(in, r));
		sp__out_char(o, ' ');
		sp__out_int(o, count);
		sp__out_char(o, '\n');
	}
}

sp_status sp__io_rp_write(const sp_inst *in, FILE *f)
{
	sp_status s = check_names(in);
	if (!s)
		s = check_lines(in);
	if (s)
		return s;
	sp__out *o = sp_malloc(sizeof *o);
	if (!o)
		return SP_ENOMEM;
	sp__out_init(o, f);
	put_programs(o, in);
	put_applicants(o, in);
	put_extensions(o, in);
	s = sp__out_flush(o) ? SP_OK : SP_EIO;
	sp_free(o);
	return s;
}

/* Checks the names a matching's output would hold. */
static sp_status check_matching(const sp_inst *in, const sp_matching *m)
{
	if (m->na != sp_inst_napplicants(in) || m->np != sp_inst_nprograms(in))
		return SP_EINVAL;
	for (int32_t a = 0; a < m->na; a++) {
		int32_t ps[2] = {m->prog[a], m->supp[a]};
		if (ps[0] == SP_NONE && ps[1] == SP_NONE)
			continue;
		if (!is_token(sp_inst_applicant_name(in, a)))
			return SP_EUNSUPPORTED;
		for (int j = 0; j < 2; j++) {
			if (ps[j] == SP_NONE)
				continue;
			const char *pn = sp_inst_program_name(in, ps[j]);
			if (!is_token(pn) || strcmp(pn, "-1") == 0)
				return SP_EUNSUPPORTED;
		}
	}
	for (int32_t p = 0; p < m->np; p++)
		if (m->cap[p] != sp_inst_quota(in, p) &&
		    !is_token(sp_inst_program_name(in, p)))
			return SP_EUNSUPPORTED;
	return SP_OK;
}

static void put_pair(sp__out *o, char type, const char *x, const char *y)
{
	sp__out_char(o, type);
	sp__out_char(o, ' ');
	sp__out_str(o, x);
	sp__out_char(o, ' ');
	sp__out_str(o, y);
	sp__out_char(o, '\n');
}

sp_status sp__io_rp_matching_write(const sp_inst *in, const sp_matching *m,
                                   FILE *f)
{
	sp_status s = check_matching(in, m);
	if (s)
		return s;
	sp__out *o = sp_malloc(sizeof *o);
	if (!o)
		return SP_ENOMEM;
	sp__out_init(o, f);
	sp__out_str(o, m->stable ? "m 1\n" : "m 0\n");
	for (int32_t a = 0; a < m->na; a++) {
		const char *an = sp_inst_applicant_name(in, a);
		if (m->prog[a] != SP_NONE)
			put_pair(o, 'r', an,
			         sp_inst_program_name(in, m->prog[a]));
		if (m->supp[a] != SP_NONE)
			put_pair(o, 's', an,
			         sp_inst_program_name(in, m->supp[a]));
	}
	for (int32_t p = 0; p < m->np; p++) {
		if (m->cap[p] == sp_inst_quota(in, p))
			continue;
		sp__out_mem(o, "q ", 2);
		sp__out_str(o, sp_inst_program_name(in, p));
		sp__out_char(o, ' ');
		sp__out_int(o, m->cap[p]);
		sp__out_char(o, '\n');
	}
	s = sp__out_flush(o) ? SP_OK : SP_EIO;
	sp_free(o);
	return s;
}

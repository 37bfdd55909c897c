/*
 * csv.h — a small CSV tokenizer (RFC 4180) for every reader of CSV data:
 * the instance folder and matchings (io_csv.c), and later the calibration
 * tables and catalog imports.  Also what the text readers share: strict
 * integers, values quoted for messages, and a fast read-only index from
 * names to ids; and the in-memory entry point of the CSV instance
 * reader, for tests and fuzzing.
 *
 * The tokenizer reads a buffer already in memory, one record at a time.
 * Quoted fields may hold commas, doubled quotes and line breaks; CRLF line
 * ends are accepted; empty lines are skipped; a UTF-8 byte order mark is
 * skipped.  A record (including any line breaks inside quotes) is at most
 * SP_MAX_LINE bytes.  After the header, every record must have as many
 * fields as the header.  Errors name the file, the line where the record
 * starts, and the column.
 */
#ifndef SP_CSV_H
#define SP_CSV_H

#include "internal.h"

typedef struct {
	const char *name;    /* borrowed; the file name used in messages */
	const char *p, *end; /* unread input */
	long line;           /* line where the current record starts */
	long next_line;      /* line of p */
	SP_VEC(char) text;   /* fields of the current record, NUL-ended */
	SP_VEC(size_t) off;  /* field i starts at text.v + off.v[i] */
	size_t nf;           /* fields in the current record; 0 at the end */
	size_t ncols;        /* fields each record must have; 0 = any */
	SP_VEC(char) htext;  /* the header's names, NUL-ended */
	SP_VEC(size_t) hoff;
} sp__csv;

/* Starts reading buf[0..len) (borrowed: it must outlive the tokenizer);
 * `name` is borrowed too. */
void sp__csv_init(sp__csv *c, const char *buf, size_t len, const char *name);
/* Frees the tokenizer's buffers (not the input). */
void sp__csv_free(sp__csv *c);

/* Reads the next record.  Returns SP_OK with c->nf == 0 at the end of the
 * input; SP_EPARSE (bad quoting, NUL byte, wrong field count), SP_ELIMIT
 * (record too long) or SP_ENOMEM with err filled. */
sp_status sp__csv_next(sp__csv *c, sp_err *err) SP_MUST_CHECK;

/* Reads the header row and finds each of cols[0..ncols): idx[i] gets the
 * column's position or -1.  The first `nreq` names are required.  A
 * column not in `cols` is an error unless allow_extra; a repeated column
 * is always an error.  From then on each record must have as many fields
 * as the header. */
sp_status sp__csv_header(sp__csv *c, const char *const *cols, size_t ncols,
                         size_t nreq, bool allow_extra, int *idx,
                         sp_err *err) SP_MUST_CHECK;

/* Field i of the current record, NUL-terminated and unquoted; "" when
 * i < 0 (an absent optional column).  Valid until the next record. */
const char *sp__csv_field(const sp__csv *c, int i);
/* Its length in bytes. */
size_t sp__csv_field_len(const sp__csv *c, int i);
/* The header's name of column i, or "" when unknown. */
const char *sp__csv_column(const sp__csv *c, int i);

/* Fills err as "name:line: field 'column': message" for column i of the
 * current record (i < 0: no field) and returns s. */
sp_status sp__csv_err(const sp__csv *c, sp_err *err, sp_status s, int i,
                      const char *fmt, ...) SP_PRINTF(5, 6);

/* Field i as an integer in [lo, hi] (lo >= 0), or a finite double in
 * [lo, hi]: SP_EPARSE when it is not a number or below lo, SP_ELIMIT when
 * above hi, with err filled. */
sp_status sp__csv_long(const sp__csv *c, int i, long lo, long hi, long *out,
                       sp_err *err) SP_MUST_CHECK;
sp_status sp__csv_double(const sp__csv *c, int i, double lo, double hi,
                         double *out, sp_err *err) SP_MUST_CHECK;

/* Text helpers for every text reader. */

/* Parses all of s as a decimal integer in [lo, hi] (lo >= 0) with strtol:
 * no sign, no spaces.  On failure fills err for file:line and `field`
 * ("expected a non-negative integer, got "x"") and returns SP_EPARSE
 * (not an integer, or below lo) or SP_ELIMIT (above hi). */
sp_status sp__csv_parse_long(const char *s, long lo, long hi, long *out,
                             sp_err *err, const char *file, long line,
                             const char *field) SP_MUST_CHECK;

/* Writes s into dst as a double-quoted value fit for a message: quotes,
 * backslashes and control bytes escaped, long values cut short with
 * "...".  Returns dst. */
const char *sp__csv_quote(char *dst, size_t size, const char *s);
#define SP__QUOTE_SIZE 96

/* Name indexes: the bulk lookups of names by the readers (about one per
 * list entry) go through a read-only index built once all names exist.
 * The instance's map compares whole strings at every probe; the index
 * keeps beside each id the name's hash and first 8 bytes, so a probe
 * reads one slot and a name shorter than 8 bytes matches without
 * reading the name at all. */
typedef struct {
	uint32_t hash;
	int32_t id; /* SP_NONE: empty */
	uint64_t head;
} sp__csv_slot;

typedef struct {
	sp__csv_slot *v;
	unsigned bits;
	const sp_inst *in; /* borrowed */
	const char *(*name)(const sp_inst *, int32_t);
} sp__csv_index;

/* The first 8 bytes of a name of `len` bytes, zero padded. */
uint64_t sp__csv_name_head(const char *s, size_t len);
/* The index's hash of a name, given its head. */
uint32_t sp__csv_name_hash(uint64_t head, const char *s, size_t len);
/* Indexes names 0..n-1 given by name(in, id) (sp_inst_program_name or
 * sp_inst_applicant_name); false on OOM.  Free with sp__csv_index_free. */
bool sp__csv_index_build(sp__csv_index *x, const sp_inst *in, int32_t n,
                         const char *(*name)(const sp_inst *, int32_t));
void sp__csv_index_free(sp__csv_index *x);
/* The id of s (NUL-terminated, len = strlen(s)) with its hash and head,
 * or SP_NONE. */
int32_t sp__csv_index_get(const sp__csv_index *x, const char *s, size_t len,
                          uint32_t hash, uint64_t head);
/* The same, computing hash and head. */
int32_t sp__csv_index_find(const sp__csv_index *x, const char *s, size_t len);
/* Asks the cache for the slot of a name with this hash. */
void sp__csv_index_prefetch(const sp__csv_index *x, uint32_t hash);

/* io_csv.c: the CSV instance reader over files already in memory.  The
 * folder's files in this order; a NULL buf means the file is absent
 * (only programs.csv is required). */
enum {
	SP__CSV_PROGRAMS,
	SP__CSV_APPLICANTS,
	SP__CSV_COUPLES,
	SP__CSV_PROGRAM_LISTS,
	SP__CSV_SUPPLEMENTAL,
	SP__CSV_REVERSIONS,
	SP__CSV_NFILES
};
typedef struct {
	const char *buf; /* borrowed */
	size_t len;
	const char *name; /* for messages */
} sp__csv_src;
/* The file names, indexed as above ("programs.csv", ...). */
extern const char *const sp__io_csv_files[SP__CSV_NFILES];
/* Reads an instance from the files; gives *out (sp_inst_free). */
sp_status sp__io_csv_read_bufs(const sp__csv_src *src, sp_inst **out,
                               sp_err *err) SP_MUST_CHECK;

#endif

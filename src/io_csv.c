/*
 * io_csv.c — the CSV-folder format (docs/formats.md): an instance as a
 * directory of CSV files, and a matching as one CSV file.
 *
 *   programs.csv       program,quota[,track]          (required)
 *   applicants.csv     applicant,rank,program         singles' lists
 *   couples.csv        couple,applicant_a,applicant_b,rank,program_a,program_b
 *   program_lists.csv  program,rank,applicant
 *   supplemental.csv   applicant,advanced,rank,program
 *   reversions.csv     donor,receiver,count
 *
 * Reading.  Files are read in the order above, so every name is defined
 * before it is used: programs.csv creates programs; applicants.csv
 * creates single applicants in order of first appearance; couples.csv
 * creates couples (in order of first appearance) and their members.
 * Lists are "long": one row per entry, rows in any order.  Each file's
 * rows are gathered into an array of (owner, rank, ids, line) and placed
 * by a counting sort on the owner, then by rank into the owner's slots,
 * which finds a rank past the end, a repeated rank or an empty-list row
 * beside ranked rows in one linear pass, each error naming its line.
 * Supplemental rows are grouped by (applicant, advanced program); groups
 * of one applicant with the same PGY-1 list become one list linked to
 * all of their advanced programs, which is how the writer spells a list
 * linked to several.
 *
 * Writing.  Every file is written (header only when empty, so no stale
 * file from an earlier instance survives) to a temporary in the target
 * directory; only when all six are complete are they renamed into place.
 */
#include "csv.h"
#include "io.h"
#include "matching.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const sp__io_csv_files[SP__CSV_NFILES] = {
    "programs.csv",      "applicants.csv",   "couples.csv",
    "program_lists.csv", "supplemental.csv", "reversions.csv"};

static const char *const track_names[] = {"categorical", "preliminary",
                                          "advanced", "primary", "reserved"};

/* One row of a long-format list. */
typedef struct {
	int32_t owner; /* applicant, program, couple or group */
	int32_t rank;  /* 1-based; 0 for an empty-list row */
	int32_t v[2];  /* ranked ids (a couple's pair uses both) */
	uint32_t line;
} lrow;

/* Where an applicant was defined. */
typedef struct {
	uint32_t file; /* SP__CSV_APPLICANTS or SP__CSV_COUPLES */
	uint32_t line;
} origin;

typedef SP_VEC(int32_t) ivec;

typedef struct {
	const sp__csv_src *src;
	sp_err *err;
	sp_inst *in;
	sp__csv c;                /* the file being read */
	SP_VEC(uint32_t) pline;   /* programs.csv line of each program */
	SP_VEC(origin) aorig;     /* where each applicant was defined */
	SP_VEC(lrow) rows;        /* the current file's rows */
	ivec start, order;        /* rows by owner, then rank */
	ivec ids;                 /* one list */
	int32_t *ppos, *apos;     /* rank in the current list, or -1 */
	sp__csv_index pidx, aidx; /* built once the names are all known */
	/* couples.csv and supplemental.csv groups */
	sp__arena names;
	sp__strmap cmap;
	SP_VEC(const char *) gname;
	ivec ga, gb;
} reader;

static void reader_free(reader *r)
{
	sp__csv_free(&r->c);
	SP_VEC_FREE(r->pline);
	SP_VEC_FREE(r->aorig);
	SP_VEC_FREE(r->rows);
	SP_VEC_FREE(r->start);
	SP_VEC_FREE(r->order);
	SP_VEC_FREE(r->ids);
	sp_free(r->ppos);
	sp_free(r->apos);
	sp__csv_index_free(&r->pidx);
	sp__csv_index_free(&r->aidx);
	sp__arena_free(&r->names);
	sp__strmap_free(&r->cmap);
	SP_VEC_FREE(r->gname);
	SP_VEC_FREE(r->ga);
	SP_VEC_FREE(r->gb);
}

static sp_status oom(const reader *r)
{
	return sp__err_set(r->err, SP_ENOMEM, r->c.name, r->c.line, NULL,
	                   "out of memory");
}

/* An error at a row read earlier (the tokenizer has moved on). */
static sp_status row_err(const reader *r, sp_status s, uint32_t line,
                         const char *field, const char *fmt, ...)
    SP_PRINTF(5, 6);

static sp_status row_err(const reader *r, sp_status s, uint32_t line,
                         const char *field, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sp__err_set(r->err, s, r->c.name, (long)line, field, "%s", msg);
}

/* ------------------------------------------------------------------ */
/* Cells.                                                              */

/* Column i as a name: non-empty, at most SP_MAX_NAME bytes. */
static sp_status cell_name(reader *r, int i, const char **out)
{
	*out = sp__csv_field(&r->c, i);
	size_t n = sp__csv_field_len(&r->c, i);
	if (n == 0)
		return sp__csv_err(&r->c, r->err, SP_EPARSE, i,
		                   "expected a name, got an empty cell");
	if (n > SP_MAX_NAME)
		return sp__csv_err(&r->c, r->err, SP_ELIMIT, i,
		                   "name is longer than %d bytes", SP_MAX_NAME);
	return SP_OK;
}

static sp_status cell_program(reader *r, int i, int32_t *id)
{
	const char *name;
	sp_status s = cell_name(r, i, &name);
	if (s)
		return s;
	*id = sp__csv_index_find(&r->pidx, name, sp__csv_field_len(&r->c, i));
	char q[SP__QUOTE_SIZE];
	if (*id == SP_NONE)
		return sp__csv_err(&r->c, r->err, SP_ENOTFOUND, i,
		                   "unknown program %s (not in programs.csv)",
		                   sp__csv_quote(q, sizeof q, name));
	return SP_OK;
}

static sp_status cell_applicant(reader *r, int i, int32_t *id)
{
	const char *name;
	sp_status s = cell_name(r, i, &name);
	if (s)
		return s;
	*id = sp__csv_index_find(&r->aidx, name, sp__csv_field_len(&r->c, i));
	char q[SP__QUOTE_SIZE];
	if (*id == SP_NONE)
		return sp__csv_err(&r->c, r->err, SP_ENOTFOUND, i,
		                   "unknown applicant %s (not in "
		                   "applicants.csv or couples.csv)",
		                   sp__csv_quote(q, sizeof q, name));
	return SP_OK;
}

/* Column i as a rank in 1..cap, or 0 when the cell is empty and
 * allow_empty. */
static sp_status cell_rank(reader *r, int i, long cap, bool allow_empty,
                           int32_t *rank)
{
	*rank = 0;
	if (allow_empty && sp__csv_field_len(&r->c, i) == 0)
		return SP_OK;
	long v;
	sp_status s = sp__csv_long(&r->c, i, 1, cap, &v, r->err);
	if (!s)
		*rank = (int32_t)v;
	return s;
}

/* The cells of an empty-list row other than the owner must be empty. */
static sp_status empty_row(reader *r, int i)
{
	if (sp__csv_field_len(&r->c, i) == 0)
		return SP_OK;
	return sp__csv_err(&r->c, r->err, SP_EPARSE, i,
	                   "a ranked entry needs a rank (an empty rank "
	                   "marks an empty list, with no entry)");
}

/* Long lists usually give an owner's rows together: the owner of the
 * previous row, when its name is `name` again, saves a lookup. */
static int32_t same_owner(const reader *r, const char *name,
                          const char *(*name_of)(const sp_inst *, int32_t))
{
	if (!r->rows.n)
		return SP_NONE;
	int32_t o = r->rows.v[r->rows.n - 1].owner;
	return strcmp(name_of(r->in, o), name) == 0 ? o : SP_NONE;
}

static sp_status add_row(reader *r, int32_t owner, int32_t rank, int32_t v0,
                         int32_t v1)
{
	if (r->rows.n == r->rows.cap && !SP_VEC_RESERVE(r->rows, 1))
		return oom(r);
	r->rows.v[r->rows.n++] =
	    (lrow){owner, rank, {v0, v1}, (uint32_t)r->c.line};
	return SP_OK;
}

/* Reads the header of file f into r->c. */
static sp_status open_file(reader *r, int f, const char *const *cols,
                           size_t ncols, size_t nreq, int *idx)
{
	sp__csv_free(&r->c);
	sp__csv_init(&r->c, r->src[f].buf, r->src[f].len, r->src[f].name);
	r->rows.n = 0;
	return sp__csv_header(&r->c, cols, ncols, nreq, false, idx, r->err);
}

/* ------------------------------------------------------------------ */
/* Long lists: rows placed by owner and rank.                          */

/* Writes a description of owner o ("applicant "A"") into buf. */
typedef void (*owner_fn)(const reader *r, int32_t o, char *buf, size_t size);

/* Groups r->rows by owner (0..nowners) and places each owner's rows by
 * rank: afterwards the rows of owner o, in rank order, are
 * order.v[start.v[o] .. start.v[o + 1]).  Ranks must run 1..n without
 * gaps or repeats; an empty-list row (rank 0) must be its owner's only
 * row. */
static sp_status group_rows(reader *r, size_t nowners, owner_fn describe)
{
	size_t n = r->rows.n;
	r->start.n = r->order.n = 0;
	if (!SP_VEC_RESERVE(r->start, nowners + 1) ||
	    !SP_VEC_RESERVE(r->order, n))
		return oom(r);
	int32_t *start = r->start.v, *order = r->order.v;
	memset(start, 0, (nowners + 1) * sizeof *start);
	for (size_t i = 0; i < n; i++)
		start[r->rows.v[i].owner + 1]++;
	for (size_t o = 0; o < nowners; o++)
		start[o + 1] += start[o];
	if (n)
		memset(order, 0xff, n * sizeof *order);
	char who[2 * SP__QUOTE_SIZE + 64];
	for (size_t i = 0; i < n; i++) {
		const lrow *w = &r->rows.v[i];
		int32_t len = start[w->owner + 1] - start[w->owner];
		int32_t slot = start[w->owner] + (w->rank ? w->rank - 1 : 0);
		if (w->rank == 0 && len > 1) {
			describe(r, w->owner, who, sizeof who);
			return row_err(r, SP_EPARSE, w->line, "rank",
			               "%s has an empty-list row (empty rank) "
			               "and other rows",
			               who);
		}
		if (w->rank > len) {
			describe(r, w->owner, who, sizeof who);
			return row_err(r, SP_EPARSE, w->line, "rank",
			               "rank %d of %s leaves a gap: it has %d "
			               "rows, so ranks must run 1 to %d",
			               w->rank, who, len, len);
		}
		if (order[slot] >= 0) {
			describe(r, w->owner, who, sizeof who);
			return row_err(r, SP_EDUP, w->line, "rank",
			               "rank %d of %s appears twice (first on "
			               "line %u)",
			               w->rank, who,
			               r->rows.v[order[slot]].line);
		}
		order[slot] = (int32_t)i;
	}
	r->start.n = nowners + 1;
	r->order.n = n;
	return SP_OK;
}

/* Gathers v[k] of owner o's rows into r->ids (nothing for an empty-list
 * row); a repeated id is an error naming both lines. */
static sp_status collect(reader *r, int32_t o, int k, bool programs,
                         const char *field, owner_fn describe)
{
	int32_t from = r->start.v[o], to = r->start.v[o + 1];
	r->ids.n = 0;
	if (to - from == 1 && r->rows.v[r->order.v[from]].rank == 0)
		return SP_OK;
	if (!SP_VEC_RESERVE(r->ids, (size_t)(to - from)))
		return oom(r);
	int32_t *pos = programs ? r->ppos : r->apos;
	for (int32_t j = from; j < to; j++) {
		const lrow *w = &r->rows.v[r->order.v[j]];
		int32_t id = w->v[k];
		if (pos[id] >= 0) {
			char who[2 * SP__QUOTE_SIZE + 64], q[SP__QUOTE_SIZE];
			describe(r, o, who, sizeof who);
			const char *name =
			    programs ? sp_inst_program_name(r->in, id)
			             : sp_inst_applicant_name(r->in, id);
			return row_err(
			    r, SP_EDUP, w->line, field,
			    "%s %s appears twice in the list of %s (first "
			    "on line %u)",
			    programs ? "program" : "applicant",
			    sp__csv_quote(q, sizeof q, name), who,
			    r->rows.v[r->order.v[from + pos[id]]].line);
		}
		pos[id] = j - from;
		r->ids.v[r->ids.n++] = id;
	}
	for (size_t j = 0; j < r->ids.n; j++)
		pos[r->ids.v[j]] = -1;
	return SP_OK;
}

static void describe_applicant(const reader *r, int32_t o, char *buf,
                               size_t size)
{
	char q[SP__QUOTE_SIZE];
	snprintf(buf, size, "applicant %s",
	         sp__csv_quote(q, sizeof q, sp_inst_applicant_name(r->in, o)));
}

static void describe_program(const reader *r, int32_t o, char *buf, size_t size)
{
	char q[SP__QUOTE_SIZE];
	snprintf(buf, size, "program %s",
	         sp__csv_quote(q, sizeof q, sp_inst_program_name(r->in, o)));
}

static void describe_couple(const reader *r, int32_t o, char *buf, size_t size)
{
	char q[SP__QUOTE_SIZE];
	snprintf(buf, size, "couple %s",
	         sp__csv_quote(q, sizeof q, r->gname.v[o]));
}

static void describe_supp(const reader *r, int32_t o, char *buf, size_t size)
{
	char q[SP__QUOTE_SIZE], q2[SP__QUOTE_SIZE];
	snprintf(buf, size, "the supplemental list of applicant %s for %s",
	         sp__csv_quote(q, sizeof q,
	                       sp_inst_applicant_name(r->in, r->ga.v[o])),
	         sp__csv_quote(q2, sizeof q2,
	                       sp_inst_program_name(r->in, r->gb.v[o])));
}

/* The line of owner o's first row in rank order. */
static uint32_t first_line(const reader *r, int32_t o)
{
	return r->rows.v[r->order.v[r->start.v[o]]].line;
}

/* ------------------------------------------------------------------ */
/* The files.                                                          */

static sp_status parse_track(reader *r, int i, sp_track *t)
{
	const char *s = sp__csv_field(&r->c, i);
	*t = SP_TRACK_CATEGORICAL;
	if (!*s)
		return SP_OK;
	for (size_t k = 0; k < 5; k++) {
		if (strcmp(s, track_names[k]) == 0) {
			*t = (sp_track)k;
			return SP_OK;
		}
	}
	char q[SP__QUOTE_SIZE];
	return sp__csv_err(&r->c, r->err, SP_EPARSE, i,
	                   "unknown track %s (expected categorical, "
	                   "preliminary, advanced, primary or reserved)",
	                   sp__csv_quote(q, sizeof q, s));
}

static sp_status read_program_row(reader *r, const int *idx)
{
	const char *name;
	long quota;
	sp_track track;
	sp_status s = cell_name(r, idx[0], &name);
	if (!s)
		s = sp__csv_long(&r->c, idx[1], 0, SP_MAX_QUOTA, &quota,
		                 r->err);
	if (!s)
		s = parse_track(r, idx[2], &track);
	if (s)
		return s;
	int32_t p;
	s = sp_inst_add_program(r->in, name, (int)quota, &p);
	char q[SP__QUOTE_SIZE];
	if (s == SP_EDUP)
		return sp__csv_err(
		    &r->c, r->err, s, idx[0],
		    "duplicate program %s (first on line %u)",
		    sp__csv_quote(q, sizeof q, name),
		    r->pline.v[sp_inst_find_program(r->in, name)]);
	if (s == SP_ELIMIT)
		return sp__csv_err(&r->c, r->err, s, idx[0],
		                   "more than %d programs", SP_MAX_ENTITIES);
	if (s)
		return s == SP_ENOMEM ? oom(r)
		                      : sp__csv_err(&r->c, r->err, s, idx[0],
		                                    "%s", sp_strerror(s));
	sp_inst_set_track(r->in, p, track);
	return SP_VEC_PUSH(r->pline, (uint32_t)r->c.line) ? SP_OK : oom(r);
}

static sp_status read_programs(reader *r)
{
	static const char *const cols[] = {"program", "quota", "track"};
	int idx[3];
	sp_status s = open_file(r, SP__CSV_PROGRAMS, cols, 3, 2, idx);
	while (!s && !(s = sp__csv_next(&r->c, r->err)) && r->c.nf)
		s = read_program_row(r, idx);
	return s;
}

/* Creates applicant `name` defined at the current row of file f. */
static sp_status new_applicant(reader *r, int col, const char *name, uint32_t f,
                               int32_t *id)
{
	sp_status s = sp_inst_add_applicant(r->in, name, id);
	char q[SP__QUOTE_SIZE];
	if (s == SP_EDUP) {
		origin o = r->aorig.v[sp_inst_find_applicant(r->in, name)];
		return sp__csv_err(&r->c, r->err, s, col,
		                   "applicant %s is already defined (%s line "
		                   "%u)",
		                   sp__csv_quote(q, sizeof q, name),
		                   sp__io_csv_files[o.file], o.line);
	}
	if (s == SP_ELIMIT)
		return sp__csv_err(&r->c, r->err, s, col,
		                   "more than %d applicants", SP_MAX_ENTITIES);
	if (s)
		return s == SP_ENOMEM ? oom(r)
		                      : sp__csv_err(&r->c, r->err, s, col, "%s",
		                                    sp_strerror(s));
	origin o = {f, (uint32_t)r->c.line};
	return SP_VEC_PUSH(r->aorig, o) ? SP_OK : oom(r);
}

static sp_status read_applicant_row(reader *r, const int *idx)
{
	const char *name;
	sp_status s = cell_name(r, idx[0], &name);
	if (s)
		return s;
	int32_t a = same_owner(r, name, sp_inst_applicant_name);
	if (a == SP_NONE)
		a = sp_inst_find_applicant(r->in, name);
	if (a == SP_NONE) {
		s = new_applicant(r, idx[0], name, SP__CSV_APPLICANTS, &a);
		if (s)
			return s;
	}
	int32_t rank, p = SP_NONE;
	s = cell_rank(r, idx[1], SP_MAX_LIST, true, &rank);
	if (!s)
		s = rank ? cell_program(r, idx[2], &p) : empty_row(r, idx[2]);
	return s ? s : add_row(r, a, rank, p, SP_NONE);
}

static sp_status read_applicants(reader *r)
{
	static const char *const cols[] = {"applicant", "rank", "program"};
	int idx[3];
	sp_status s = open_file(r, SP__CSV_APPLICANTS, cols, 3, 3, idx);
	while (!s && !(s = sp__csv_next(&r->c, r->err)) && r->c.nf)
		s = read_applicant_row(r, idx);
	size_t na = (size_t)sp_inst_napplicants(r->in);
	if (!s)
		s = group_rows(r, na, describe_applicant);
	for (size_t a = 0; !s && a < na; a++) {
		s = collect(r, (int32_t)a, 0, true, "program",
		            describe_applicant);
		if (!s && sp_inst_set_rol(r->in, (int32_t)a, r->ids.v,
		                          r->ids.n) != SP_OK)
			s = oom(r);
	}
	return s;
}

/* The couple group of the current row, created with its members on the
 * couple's first row; later rows must name the same members. */
static sp_status couple_group(reader *r, const int *idx, int32_t *g)
{
	const char *name, *an, *bn;
	sp_status s = cell_name(r, idx[0], &name);
	if (!s)
		s = cell_name(r, idx[1], &an);
	if (!s)
		s = cell_name(r, idx[2], &bn);
	if (s)
		return s;
	char q[SP__QUOTE_SIZE], q2[SP__QUOTE_SIZE], q3[SP__QUOTE_SIZE];
	*g = sp__strmap_get(&r->cmap, name);
	if (*g != SP_NONE) {
		int32_t a = r->ga.v[*g], b = r->gb.v[*g];
		if (strcmp(an, sp_inst_applicant_name(r->in, a)) == 0 &&
		    strcmp(bn, sp_inst_applicant_name(r->in, b)) == 0)
			return SP_OK;
		return sp__csv_err(
		    &r->c, r->err, SP_EPARSE, idx[1],
		    "couple %s has members %s and %s (line %u), not "
		    "these",
		    sp__csv_quote(q, sizeof q, name),
		    sp__csv_quote(q2, sizeof q2,
		                  sp_inst_applicant_name(r->in, a)),
		    sp__csv_quote(q3, sizeof q3,
		                  sp_inst_applicant_name(r->in, b)),
		    r->aorig.v[a].line);
	}
	if (strcmp(an, bn) == 0)
		return sp__csv_err(&r->c, r->err, SP_EPARSE, idx[2],
		                   "couple %s names applicant %s twice",
		                   sp__csv_quote(q, sizeof q, name),
		                   sp__csv_quote(q2, sizeof q2, an));
	int32_t a, b;
	s = new_applicant(r, idx[1], an, SP__CSV_COUPLES, &a);
	if (!s)
		s = new_applicant(r, idx[2], bn, SP__CSV_COUPLES, &b);
	if (s)
		return s;
	*g = (int32_t)r->gname.n;
	const char *key = sp__arena_strdup(&r->names, name, strlen(name));
	if (!key || !sp__strmap_put(&r->cmap, key, *g) ||
	    !SP_VEC_PUSH(r->gname, key) || !SP_VEC_PUSH(r->ga, a) ||
	    !SP_VEC_PUSH(r->gb, b))
		return oom(r);
	return SP_OK;
}

/* A couple's program cell: a program, or empty / "-" for unmatched. */
static sp_status cell_pair_program(reader *r, int i, int32_t *p)
{
	const char *s = sp__csv_field(&r->c, i);
	*p = SP_NONE;
	if (!*s || strcmp(s, "-") == 0)
		return SP_OK;
	return cell_program(r, i, p);
}

static sp_status read_couple_row(reader *r, const int *idx)
{
	int32_t g, rank, pa = SP_NONE, pb = SP_NONE;
	sp_status s = couple_group(r, idx, &g);
	if (!s)
		s = cell_rank(r, idx[3], SP_MAX_LIST, true, &rank);
	if (s)
		return s;
	if (rank == 0) {
		s = empty_row(r, idx[4]);
		if (!s)
			s = empty_row(r, idx[5]);
	} else {
		s = cell_pair_program(r, idx[4], &pa);
		if (!s)
			s = cell_pair_program(r, idx[5], &pb);
	}
	return s ? s : add_row(r, g, rank, pa, pb);
}

/* The error for a pair listed twice by couple g. */
static sp_status dup_pair(reader *r, int32_t g)
{
	int32_t from = r->start.v[g], n = r->start.v[g + 1] - from;
	for (int32_t j = 1; j < n; j++) {
		const lrow *w = &r->rows.v[r->order.v[from + j]];
		for (int32_t i = 0; i < j; i++) {
			const lrow *x = &r->rows.v[r->order.v[from + i]];
			if (x->v[0] != w->v[0] || x->v[1] != w->v[1])
				continue;
			char who[SP__QUOTE_SIZE + 16];
			describe_couple(r, g, who, sizeof who);
			return row_err(r, SP_EDUP, w->line, "program_a",
			               "%s ranks this pair twice (first on "
			               "line %u)",
			               who, x->line);
		}
	}
	return row_err(r, SP_EDUP, first_line(r, g), NULL, "duplicate pair");
}

static sp_status read_couples(reader *r)
{
	static const char *const cols[] = {"couple",      "applicant_a",
	                                   "applicant_b", "rank",
	                                   "program_a",   "program_b"};
	int idx[6];
	sp_status s = open_file(r, SP__CSV_COUPLES, cols, 6, 6, idx);
	while (!s && !(s = sp__csv_next(&r->c, r->err)) && r->c.nf)
		s = read_couple_row(r, idx);
	size_t ng = r->gname.n;
	if (!s)
		s = group_rows(r, ng, describe_couple);
	for (size_t g = 0; !s && g < ng; g++) {
		int32_t from = r->start.v[g], to = r->start.v[g + 1];
		r->ids.n = 0;
		if (!SP_VEC_RESERVE(r->ids, 2 * (size_t)(to - from)))
			return oom(r);
		for (int32_t j = from; j < to; j++) {
			const lrow *w = &r->rows.v[r->order.v[j]];
			if (w->rank == 0)
				continue;
			r->ids.v[r->ids.n++] = w->v[0];
			r->ids.v[r->ids.n++] = w->v[1];
		}
		s = sp_inst_add_couple(r->in, r->gname.v[g], r->ga.v[g],
		                       r->gb.v[g], r->ids.v, r->ids.n / 2,
		                       NULL);
		if (s == SP_EDUP)
			s = dup_pair(r, (int32_t)g);
		else if (s)
			s = s == SP_ENOMEM
			        ? oom(r)
			        : row_err(r, s, first_line(r, (int32_t)g),
			                  "couple", "%s", sp_strerror(s));
	}
	return s;
}

static sp_status read_program_list_row(reader *r, const int *idx)
{
	int32_t p =
	    same_owner(r, sp__csv_field(&r->c, idx[0]), sp_inst_program_name);
	int32_t rank, a = SP_NONE;
	sp_status s = p == SP_NONE ? cell_program(r, idx[0], &p) : SP_OK;
	if (!s)
		s = cell_rank(r, idx[1], SP_MAX_PROGRAM_LIST, true, &rank);
	if (!s)
		s = rank ? cell_applicant(r, idx[2], &a) : empty_row(r, idx[2]);
	return s ? s : add_row(r, p, rank, a, SP_NONE);
}

static sp_status read_program_lists(reader *r)
{
	static const char *const cols[] = {"program", "rank", "applicant"};
	int idx[3];
	sp_status s = open_file(r, SP__CSV_PROGRAM_LISTS, cols, 3, 3, idx);
	while (!s && !(s = sp__csv_next(&r->c, r->err)) && r->c.nf)
		s = read_program_list_row(r, idx);
	size_t np = (size_t)sp_inst_nprograms(r->in);
	if (!s)
		s = group_rows(r, np, describe_program);
	for (size_t p = 0; !s && p < np; p++) {
		if (r->start.v[p] == r->start.v[p + 1])
			continue;
		s = collect(r, (int32_t)p, 0, false, "applicant",
		            describe_program);
		if (!s && sp_inst_set_program_rol(r->in, (int32_t)p, r->ids.v,
		                                  r->ids.n) != SP_OK)
			s = oom(r);
	}
	return s;
}

/* Supplemental rows are first kept with owner = applicant and
 * v = {program, advanced}; supp_groups then numbers the (applicant,
 * advanced) groups in order of first appearance. */
static sp_status read_supp_row(reader *r, const int *idx)
{
	int32_t a, adv, rank, p;
	sp_status s = cell_applicant(r, idx[0], &a);
	if (s)
		return s;
	char q[SP__QUOTE_SIZE];
	if (sp_inst_couple_of(r->in, a) != SP_NONE)
		return sp__csv_err(
		    &r->c, r->err, SP_EINVAL, idx[0],
		    "applicant %s is in a couple; only single applicants "
		    "have supplemental lists",
		    sp__csv_quote(q, sizeof q, sp__csv_field(&r->c, idx[0])));
	s = cell_program(r, idx[1], &adv);
	if (!s)
		s = cell_rank(r, idx[2], SP_MAX_LIST, false, &rank);
	if (!s)
		s = cell_program(r, idx[3], &p);
	return s ? s : add_row(r, a, rank, p, adv);
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* Numbers the (applicant, advanced) groups of r->rows in order of first
 * appearance (a hash table sized for the rows), setting each row's owner
 * and r->ga / r->gb to the group's applicant and advanced program. */
static sp_status supp_groups(reader *r)
{
	size_t cap = 16;
	while (cap < 2 * r->rows.n)
		cap *= 2;
	uint64_t *keys = sp_malloc(cap * sizeof *keys);
	int32_t *vals = sp_malloc(cap * sizeof *vals);
	if (!keys || !vals) {
		sp_free(keys);
		sp_free(vals);
		return oom(r);
	}
	memset(vals, 0xff, cap * sizeof *vals);
	r->ga.n = r->gb.n = 0;
	sp_status s = SP_OK;
	for (size_t i = 0; !s && i < r->rows.n; i++) {
		lrow *w = &r->rows.v[i];
		uint64_t key =
		    (uint64_t)(uint32_t)w->owner << 32 | (uint32_t)w->v[1];
		size_t h = mix(key) & (cap - 1);
		while (vals[h] >= 0 && keys[h] != key)
			h = (h + 1) & (cap - 1);
		if (vals[h] < 0) {
			keys[h] = key;
			vals[h] = (int32_t)r->ga.n;
			if (!SP_VEC_PUSH(r->ga, w->owner) ||
			    !SP_VEC_PUSH(r->gb, w->v[1]))
				s = oom(r);
		}
		w->owner = vals[h];
	}
	sp_free(keys);
	sp_free(vals);
	return s;
}

typedef struct {
	int32_t off, len; /* the group's PGY-1 list in a flat array */
	int32_t rep;      /* the first group with the same applicant+list */
	int32_t next;     /* next group merged into the same rep, or -1 */
	uint64_t hash;
} sgroup;

/* Orders groups by applicant, then list hash, then appearance. */
static int cmp_groups(int32_t i, int32_t j, const reader *r, const sgroup *g)
{
	if (r->ga.v[i] != r->ga.v[j])
		return r->ga.v[i] < r->ga.v[j] ? -1 : 1;
	if (g[i].hash != g[j].hash)
		return g[i].hash < g[j].hash ? -1 : 1;
	return (i > j) - (i < j);
}

/* A merge sort of group indices (qsort has no context argument);
 * tmp has room for n indices. */
static void sort_groups(int32_t *v, int32_t *tmp, size_t n, const reader *r,
                        const sgroup *g)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	sort_groups(v, tmp, h, r, g);
	sort_groups(v + h, tmp, n - h, r, g);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = cmp_groups(v[i], v[j], r, g) <= 0 ? v[i++] : v[j++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof *v);
}

/* Finds, for each group, the first group of the same applicant with the
 * same PGY-1 list (g[x].rep), and chains the groups of each rep in order
 * of appearance (g[x].next). */
static sp_status merge_groups(reader *r, sgroup *g, const int32_t *flat,
                              size_t ng)
{
	int32_t *ix = sp_malloc((ng ? ng : 1) * 2 * sizeof *ix);
	if (!ix)
		return oom(r);
	for (size_t i = 0; i < ng; i++)
		ix[i] = (int32_t)i;
	sort_groups(ix, ix + ng, ng, r, g);
	for (size_t i = 0; i < ng; i++) {
		sgroup *x = &g[ix[i]];
		x->rep = ix[i];
		x->next = -1;
		/* Earlier members of the run with the same applicant and
		 * hash come first (the sort is stable on the index). */
		for (size_t j = i; j-- > 0;) {
			const sgroup *y = &g[ix[j]];
			if (r->ga.v[ix[j]] != r->ga.v[ix[i]] ||
			    y->hash != x->hash)
				break;
			if (y->rep == ix[j] && y->len == x->len &&
			    memcmp(flat + y->off, flat + x->off,
			           (size_t)x->len * sizeof *flat) == 0) {
				x->rep = ix[j];
				break;
			}
		}
	}
	sp_free(ix);
	/* Chain each rep's groups in order of appearance. */
	for (size_t i = 0; i < ng; i++) {
		int32_t rep = g[i].rep;
		if (rep == (int32_t)i)
			continue;
		int32_t t = rep;
		while (g[t].next >= 0)
			t = g[t].next;
		g[t].next = (int32_t)i;
	}
	return SP_OK;
}

/* Adds the merged supplemental lists in order of appearance. */
static sp_status add_supp_lists(reader *r, sgroup *g, const int32_t *flat,
                                size_t ng)
{
	for (size_t i = 0; i < ng; i++) {
		if (g[i].rep != (int32_t)i)
			continue;
		r->ids.n = 0;
		for (int32_t k = (int32_t)i; k >= 0; k = g[k].next)
			if (!SP_VEC_PUSH(r->ids, r->gb.v[k]))
				return oom(r);
		if (r->ids.n > SP_MAX_LIST)
			return row_err(r, SP_ELIMIT, first_line(r, (int32_t)i),
			               "advanced",
			               "one supplemental list is linked to "
			               "%zu advanced programs; the limit is "
			               "%d",
			               r->ids.n, SP_MAX_LIST);
		sp_status s = sp_inst_add_supplemental(
		    r->in, r->ga.v[i], r->ids.v, r->ids.n, flat + g[i].off,
		    (size_t)g[i].len);
		if (s)
			return s == SP_ENOMEM
			           ? oom(r)
			           : row_err(r, s, first_line(r, (int32_t)i),
			                     "applicant", "%s", sp_strerror(s));
	}
	return SP_OK;
}

/* Gathers each group's PGY-1 list into one flat array. */
static sp_status group_lists(reader *r, sgroup *g, ivec *flat, size_t ng)
{
	for (size_t i = 0; i < ng; i++) {
		sp_status s =
		    collect(r, (int32_t)i, 0, true, "program", describe_supp);
		if (s)
			return s;
		if (!SP_VEC_RESERVE(*flat, r->ids.n))
			return oom(r);
		g[i].off = (int32_t)flat->n;
		g[i].len = (int32_t)r->ids.n;
		uint64_t h = 1469598103934665603ull;
		for (size_t k = 0; k < r->ids.n; k++) {
			flat->v[flat->n++] = r->ids.v[k];
			h = mix(h ^ (uint32_t)r->ids.v[k]) + k;
		}
		g[i].hash = h;
	}
	return SP_OK;
}

static sp_status read_supplemental(reader *r)
{
	static const char *const cols[] = {"applicant", "advanced", "rank",
	                                   "program"};
	int idx[4];
	sp_status s = open_file(r, SP__CSV_SUPPLEMENTAL, cols, 4, 4, idx);
	while (!s && !(s = sp__csv_next(&r->c, r->err)) && r->c.nf)
		s = read_supp_row(r, idx);
	if (!s)
		s = supp_groups(r);
	size_t ng = r->ga.n;
	if (!s)
		s = group_rows(r, ng, describe_supp);
	if (s)
		return s;
	sgroup *g = sp_calloc(ng, sizeof *g);
	ivec flat = {0};
	if (!g)
		return oom(r);
	s = group_lists(r, g, &flat, ng);
	if (!s)
		s = merge_groups(r, g, flat.v, ng);
	if (!s)
		s = add_supp_lists(r, g, flat.v, ng);
	sp_free(g);
	SP_VEC_FREE(flat);
	return s;
}

static sp_status read_reversion_row(reader *r, const int *idx)
{
	int32_t d, rc;
	long count;
	sp_status s = cell_program(r, idx[0], &d);
	if (!s)
		s = cell_program(r, idx[1], &rc);
	if (!s)
		s = sp__csv_long(&r->c, idx[2], 1, SP_MAX_QUOTA, &count,
		                 r->err);
	if (s)
		return s;
	char q[SP__QUOTE_SIZE];
	const char *dn = sp_inst_program_name(r->in, d);
	if (d == rc)
		return sp__csv_err(&r->c, r->err, SP_EINVAL, idx[1],
		                   "program %s cannot revert positions to "
		                   "itself",
		                   sp__csv_quote(q, sizeof q, dn));
	if (count > sp_inst_quota(r->in, d))
		return sp__csv_err(&r->c, r->err, SP_EINVAL, idx[2],
		                   "count %ld is more than the quota %d of "
		                   "donor %s",
		                   count, sp_inst_quota(r->in, d),
		                   sp__csv_quote(q, sizeof q, dn));
	s = sp_inst_add_reversion(r->in, d, rc, (int)count);
	return s ? oom(r) : SP_OK;
}

static sp_status read_reversions(reader *r)
{
	static const char *const cols[] = {"donor", "receiver", "count"};
	int idx[3];
	sp_status s = open_file(r, SP__CSV_REVERSIONS, cols, 3, 3, idx);
	while (!s && !(s = sp__csv_next(&r->c, r->err)) && r->c.nf)
		s = read_reversion_row(r, idx);
	return s;
}

/* Allocates the per-entity position arrays, and builds the name indexes
 * once the names they hold are complete: programs after programs.csv,
 * applicants after couples.csv. */
static sp_status alloc_pos(reader *r, int f)
{
	if (!r->pidx.v &&
	    !sp__csv_index_build(&r->pidx, r->in, sp_inst_nprograms(r->in),
	                         sp_inst_program_name))
		return oom(r);
	if (f > SP__CSV_COUPLES && !r->aidx.v &&
	    !sp__csv_index_build(&r->aidx, r->in, sp_inst_napplicants(r->in),
	                         sp_inst_applicant_name))
		return oom(r);
	size_t np = (size_t)sp_inst_nprograms(r->in);
	size_t na = (size_t)sp_inst_napplicants(r->in);
	sp_free(r->ppos);
	sp_free(r->apos);
	r->ppos = sp_malloc((np ? np : 1) * sizeof *r->ppos);
	r->apos = sp_malloc((na ? na : 1) * sizeof *r->apos);
	if (!r->ppos || !r->apos)
		return oom(r);
	memset(r->ppos, 0xff, np * sizeof *r->ppos);
	memset(r->apos, 0xff, na * sizeof *r->apos);
	return SP_OK;
}

sp_status sp__io_csv_read_bufs(const sp__csv_src *src, sp_inst **out,
                               sp_err *err)
{
	*out = NULL;
	reader r;
	memset(&r, 0, sizeof r);
	r.src = src;
	r.err = err;
	sp__arena_init(&r.names);
	sp__strmap_init(&r.cmap);
	static sp_status (*const readers[SP__CSV_NFILES])(reader *) = {
	    read_programs,      read_applicants,   read_couples,
	    read_program_lists, read_supplemental, read_reversions};
	sp_status s = SP_OK;
	if (!src[SP__CSV_PROGRAMS].buf)
		s = sp__err_set(err, SP_EIO, sp__io_csv_files[SP__CSV_PROGRAMS],
		                0, NULL, "required file is missing");
	if (!s && sp_inst_new(&r.in) != SP_OK)
		s = oom(&r);
	for (int f = 0; !s && f < SP__CSV_NFILES; f++) {
		/* An absent or empty optional file has no rows. */
		if (f != SP__CSV_PROGRAMS && (!src[f].buf || !src[f].len))
			continue;
		if (f != SP__CSV_PROGRAMS)
			s = alloc_pos(&r, f);
		if (!s)
			s = readers[f](&r);
	}
	if (s)
		sp_inst_free(r.in);
	else
		*out = r.in;
	reader_free(&r);
	return s;
}

/* ------------------------------------------------------------------ */
/* Reading a directory.                                                */

/* Gives "dir/name" (sp_free). */
static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir), m = strlen(name);
	bool slash = n && dir[n - 1] == '/';
	char *p = sp_malloc(n + m + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, n);
	if (!slash)
		p[n++] = '/';
	memcpy(p + n, name, m + 1);
	return p;
}

/* Checks that dir is a directory. */
static sp_status check_dir(const char *dir, sp_err *err)
{
	struct stat st;
	if (stat(dir, &st) != 0)
		return sp__err_set(err, SP_EIO, dir, 0, NULL,
		                   "cannot open directory: %s",
		                   strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sp__err_set(err, SP_EIO, dir, 0, NULL,
		                   "not a directory (the CSV format is a "
		                   "folder of files)");
	return SP_OK;
}

sp_status sp__io_csv_read_dir(const char *dir, sp_inst **out, sp_err *err)
{
	*out = NULL;
	sp_status s = check_dir(dir, err);
	if (s)
		return s;
	sp__csv_src src[SP__CSV_NFILES];
	char *bufs[SP__CSV_NFILES] = {0}, *paths[SP__CSV_NFILES] = {0};
	for (int f = 0; !s && f < SP__CSV_NFILES; f++) {
		src[f].buf = NULL;
		src[f].len = 0;
		paths[f] = join(dir, sp__io_csv_files[f]);
		if (!paths[f]) {
			s = sp__err_set(err, SP_ENOMEM, dir, 0, NULL,
			                "out of memory");
			break;
		}
		src[f].name = paths[f];
		struct stat st;
		if (f != SP__CSV_PROGRAMS && stat(paths[f], &st) != 0 &&
		    errno == ENOENT)
			continue;
		s = sp__io_read_file(paths[f], &bufs[f], &src[f].len, err);
		src[f].buf = bufs[f];
	}
	if (!s)
		s = sp__io_csv_read_bufs(src, out, err);
	for (int f = 0; f < SP__CSV_NFILES; f++) {
		sp_free(bufs[f]);
		sp_free(paths[f]);
	}
	return s;
}

/* ------------------------------------------------------------------ */
/* Writing.                                                            */

/* Writes s as one CSV field, quoted when it holds a comma, quote, line
 * break or carriage return. */
static void put_field(sp__out *o, const char *s)
{
	if (!s[strcspn(s, ",\"\n\r")]) {
		sp__out_str(o, s);
		return;
	}
	sp__out_char(o, '"');
	for (; *s; s++) {
		if (*s == '"')
			sp__out_char(o, '"');
		sp__out_char(o, *s);
	}
	sp__out_char(o, '"');
}

static void put_sep(sp__out *o)
{
	sp__out_char(o, ',');
}

static void put_end(sp__out *o)
{
	sp__out_char(o, '\n');
}

static void put_programs(const sp_inst *in, sp__out *o)
{
	sp__out_str(o, "program,quota,track\n");
	for (int32_t p = 0; p < sp_inst_nprograms(in); p++) {
		put_field(o, sp_inst_program_name(in, p));
		put_sep(o);
		sp__out_int(o, sp_inst_quota(in, p));
		put_sep(o);
		sp__out_str(o, track_names[sp_inst_track(in, p)]);
		put_end(o);
	}
}

static void put_applicants(const sp_inst *in, sp__out *o)
{
	sp__out_str(o, "applicant,rank,program\n");
	for (int32_t a = 0; a < sp_inst_napplicants(in); a++) {
		if (sp_inst_couple_of(in, a) != SP_NONE)
			continue;
		const char *name = sp_inst_applicant_name(in, a);
		size_t n;
		const int32_t *v = sp_inst_rol(in, a, &n);
		if (n == 0) {
			put_field(o, name);
			sp__out_str(o, ",,\n");
		}
		for (size_t i = 0; i < n; i++) {
			put_field(o, name);
			put_sep(o);
			sp__out_int(o, (long)i + 1);
			put_sep(o);
			put_field(o, sp_inst_program_name(in, v[i]));
			put_end(o);
		}
	}
}

static void put_couple_head(const sp_inst *in, sp__out *o, int32_t c)
{
	int32_t a, b;
	sp_inst_couple_members(in, c, &a, &b);
	put_field(o, sp_inst_couple_name(in, c));
	put_sep(o);
	put_field(o, sp_inst_applicant_name(in, a));
	put_sep(o);
	put_field(o, sp_inst_applicant_name(in, b));
	put_sep(o);
}

static void put_couples(const sp_inst *in, sp__out *o)
{
	sp__out_str(o, "couple,applicant_a,applicant_b,rank,program_a,"
	               "program_b\n");
	for (int32_t c = 0; c < sp_inst_ncouples(in); c++) {
		size_t n;
		const int32_t *v = sp_inst_couple_rol(in, c, &n);
		if (n == 0) {
			put_couple_head(in, o, c);
			sp__out_str(o, ",,\n");
		}
		for (size_t i = 0; i < n; i++) {
			put_couple_head(in, o, c);
			sp__out_int(o, (long)i + 1);
			for (int j = 0; j < 2; j++) {
				put_sep(o);
				if (v[2 * i + j] != SP_NONE)
					put_field(o, sp_inst_program_name(
					                 in, v[2 * i + j]));
			}
			put_end(o);
		}
	}
}

static void put_program_lists(const sp_inst *in, sp__out *o)
{
	sp__out_str(o, "program,rank,applicant\n");
	for (int32_t p = 0; p < sp_inst_nprograms(in); p++) {
		size_t n;
		const int32_t *v = sp_inst_program_rol(in, p, &n);
		for (size_t i = 0; i < n; i++) {
			put_field(o, sp_inst_program_name(in, p));
			put_sep(o);
			sp__out_int(o, (long)i + 1);
			put_sep(o);
			put_field(o, sp_inst_applicant_name(in, v[i]));
			put_end(o);
		}
	}
}

static void put_supplemental(const sp_inst *in, sp__out *o)
{
	sp__out_str(o, "applicant,advanced,rank,program\n");
	for (size_t k = 0; k < sp_inst_nsupplementals(in); k++) {
		int32_t a;
		const int32_t *adv, *pre;
		size_t nadv, npre;
		sp_inst_supplemental(in, k, &a, &adv, &nadv, &pre, &npre);
		for (size_t j = 0; j < nadv; j++) {
			for (size_t i = 0; i < npre; i++) {
				put_field(o, sp_inst_applicant_name(in, a));
				put_sep(o);
				put_field(o, sp_inst_program_name(in, adv[j]));
				put_sep(o);
				sp__out_int(o, (long)i + 1);
				put_sep(o);
				put_field(o, sp_inst_program_name(in, pre[i]));
				put_end(o);
			}
		}
	}
}

static void put_reversions(const sp_inst *in, sp__out *o)
{
	sp__out_str(o, "donor,receiver,count\n");
	for (size_t k = 0; k < sp_inst_nreversions(in); k++) {
		int32_t d, r;
		int count;
		sp_inst_reversion(in, k, &d, &r, &count);
		put_field(o, sp_inst_program_name(in, d));
		put_sep(o);
		put_field(o, sp_inst_program_name(in, r));
		put_sep(o);
		sp__out_int(o, count);
		put_end(o);
	}
}

/* Checks that no couple ranks a program named "-", which couples.csv
 * would read back as "unmatched". */
static sp_status check_writable(const sp_inst *in, const char *dir, sp_err *err)
{
	for (int32_t c = 0; c < sp_inst_ncouples(in); c++) {
		size_t n;
		const int32_t *v = sp_inst_couple_rol(in, c, &n);
		for (size_t i = 0; i < 2 * n; i++)
			if (v[i] != SP_NONE &&
			    strcmp(sp_inst_program_name(in, v[i]), "-") == 0)
				return sp__err_set(
				    err, SP_EUNSUPPORTED, dir, 0, NULL,
				    "a couple ranks a program named \"-\", "
				    "which couples.csv reads as unmatched "
				    "(use rp or json)");
	}
	return SP_OK;
}

/* Creates dir unless it exists; *made says whether it was created (and
 * so must go again if the write fails). */
static sp_status make_dir(const char *dir, bool *made, sp_err *err)
{
	*made = mkdir(dir, 0777) == 0;
	if (*made || errno == EEXIST)
		return check_dir(dir, err);
	return sp__err_set(err, SP_EIO, dir, 0, NULL,
	                   "cannot create directory: %s", strerror(errno));
}

/* Where one file of the folder goes, as sp_outfile decides for single
 * files: a symbolic link is followed to its target (a link to nothing
 * is refused), anything that exists and is not a regular file is
 * refused (a folder of CSV files holds files), else the path itself. */
static sp_status resolve_final(char **final, sp_err *err)
{
	struct stat st;
	if (lstat(*final, &st) != 0)
		return SP_OK; /* a new file */
	if (S_ISLNK(st.st_mode)) {
		char *t = realpath(*final, NULL);
		if (!t)
			return sp__err_set(err, SP_EIO, *final, 0, NULL,
			                   "is a symbolic link to nothing; not "
			                   "writing through it");
		char *mine = sp_malloc(strlen(t) + 1);
		if (mine)
			memcpy(mine, t, strlen(t) + 1);
		free(t);
		if (!mine)
			return sp__err_set(err, SP_ENOMEM, *final, 0, NULL,
			                   "out of memory");
		if (stat(mine, &st) != 0)
			st.st_mode = S_IFREG;
		sp_free(*final);
		*final = mine;
	}
	if (!S_ISREG(st.st_mode))
		return sp__err_set(err, SP_EIO, *final, 0, NULL,
		                   "is not a regular file (the CSV format is a "
		                   "folder of files)");
	return SP_OK;
}

/* Writes one file to a new temporary "<final>.tmp.<pid>.<n>"; gives its
 * name in *tmp (sp_free). */
static sp_status write_tmp(const sp_inst *in, const char *final,
                           void (*put)(const sp_inst *, sp__out *), char **tmp,
                           sp__out *o, sp_err *err)
{
	size_t size = strlen(final) + 48;
	*tmp = sp_malloc(size);
	if (!*tmp)
		return sp__err_set(err, SP_ENOMEM, final, 0, NULL,
		                   "out of memory");
	int fd = -1;
	for (int n = 0; fd < 0 && n < 100; n++) {
		snprintf(*tmp, size, "%s.tmp.%ld.%d", final, (long)getpid(), n);
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		sp_status s = sp__err_set(err, SP_EIO, final, 0, NULL,
		                          "cannot create a temporary file: %s",
		                          strerror(errno));
		if (fd >= 0) {
			close(fd);
			remove(*tmp);
		}
		sp_free(*tmp);
		*tmp = NULL;
		return s;
	}
	sp__out_init(o, f);
	put(in, o);
	bool ok = sp__out_flush(o);
	ok = fclose(f) == 0 && ok;
	if (!ok)
		return sp__err_set(err, SP_EIO, final, 0, NULL,
		                   "cannot write: %s", strerror(errno));
	return SP_OK;
}

sp_status sp__io_csv_write_dir(const sp_inst *in, const char *dir, sp_err *err)
{
	static void (*const puts_[SP__CSV_NFILES])(
	    const sp_inst *, sp__out *) = {put_programs,     put_applicants,
	                                   put_couples,      put_program_lists,
	                                   put_supplemental, put_reversions};
	bool made = false;
	sp_status s = check_writable(in, dir, err);
	if (!s)
		s = make_dir(dir, &made, err);
	if (s)
		return s;
	char *finals[SP__CSV_NFILES] = {0}, *tmps[SP__CSV_NFILES] = {0};
	sp__out *o = sp_malloc(sizeof *o);
	if (!o)
		s = sp__err_set(err, SP_ENOMEM, dir, 0, NULL, "out of memory");
	for (int f = 0; !s && f < SP__CSV_NFILES; f++) {
		finals[f] = join(dir, sp__io_csv_files[f]);
		if (!finals[f])
			s = sp__err_set(err, SP_ENOMEM, dir, 0, NULL,
			                "out of memory");
		else if (!(s = resolve_final(&finals[f], err)))
			s = write_tmp(in, finals[f], puts_[f], &tmps[f], o,
			              err);
	}
	for (int f = 0; !s && f < SP__CSV_NFILES; f++)
		if (rename(tmps[f], finals[f]) != 0)
			s = sp__err_set(err, SP_EIO, finals[f], 0, NULL,
			                "cannot rename the temporary file "
			                "into place: %s",
			                strerror(errno));
		else
			tmps[f][0] = '\0';
	for (int f = 0; f < SP__CSV_NFILES; f++) {
		if (tmps[f] && tmps[f][0])
			remove(tmps[f]);
		sp_free(tmps[f]);
		sp_free(finals[f]);
	}
	sp_free(o);
	if (s && made)
		rmdir(dir); /* a failed command leaves no new folder */
	return s;
}

/* ------------------------------------------------------------------ */
/* Matchings.                                                          */

sp_status sp__io_csv_matching_write(const sp_inst *in, const sp_matching *m,
                                    FILE *f)
{
	if (m->na != sp_inst_napplicants(in) || m->np != sp_inst_nprograms(in))
		return SP_EINVAL;
	sp__out *o = sp_malloc(sizeof *o);
	if (!o)
		return SP_ENOMEM;
	sp__out_init(o, f);
	sp__out_str(o, "applicant,program,supplemental,capacity\n");
	for (int32_t a = 0; a < m->na; a++) {
		put_field(o, sp_inst_applicant_name(in, a));
		put_sep(o);
		if (m->prog[a] != SP_NONE)
			put_field(o, sp_inst_program_name(in, m->prog[a]));
		put_sep(o);
		if (m->supp[a] != SP_NONE)
			put_field(o, sp_inst_program_name(in, m->supp[a]));
		put_sep(o);
		put_end(o);
	}
	/* Capacities changed by reversions: rows with no applicant. */
	for (int32_t p = 0; p < m->np; p++) {
		if (m->cap[p] == sp_inst_quota(in, p))
			continue;
		put_sep(o);
		put_field(o, sp_inst_program_name(in, p));
		put_sep(o);
		put_sep(o);
		sp__out_int(o, m->cap[p]);
		put_end(o);
	}
	sp_status s = sp__out_flush(o) ? SP_OK : SP_EIO;
	sp_free(o);
	return s;
}

/* Column i as a program or, when empty, SP_NONE. */
static sp_status match_program(const sp_inst *in, sp__csv *c, int i, int32_t *p,
                               sp_err *err)
{
	const char *s = sp__csv_field(c, i);
	*p = SP_NONE;
	if (!*s)
		return SP_OK;
	*p = sp_inst_find_program(in, s);
	char q[SP__QUOTE_SIZE];
	if (*p == SP_NONE)
		return sp__csv_err(c, err, SP_ENOTFOUND, i,
		                   "unknown program %s",
		                   sp__csv_quote(q, sizeof q, s));
	return SP_OK;
}

/* A row with no applicant: a program's capacity after reversions. */
static sp_status read_capacity_row(const sp_inst *in, sp__csv *c,
                                   const int *idx, sp_matching *m, sp_err *err)
{
	int32_t p;
	long cap;
	sp_status s = match_program(in, c, idx[1], &p, err);
	if (s)
		return s;
	if (p == SP_NONE || idx[3] < 0 || !*sp__csv_field(c, idx[3]) ||
	    *sp__csv_field(c, idx[2]))
		return sp__csv_err(c, err, SP_EPARSE, idx[0],
		                   "a row without an applicant gives a "
		                   "program and its capacity, nothing else");
	s = sp__csv_long(c, idx[3], 0, 2L * SP_MAX_QUOTA, &cap, err);
	if (s)
		return s;
	sp_matching_set_capacity(m, p, (int)cap);
	return SP_OK;
}

static sp_status read_match_row(const sp_inst *in, sp__csv *c, const int *idx,
                                uint32_t *seen, sp_matching *m, sp_err *err)
{
	const char *name = sp__csv_field(c, idx[0]);
	char q[SP__QUOTE_SIZE];
	if (!*name)
		return read_capacity_row(in, c, idx, m, err);
	if (idx[3] >= 0 && *sp__csv_field(c, idx[3]))
		return sp__csv_err(c, err, SP_EPARSE, idx[3],
		                   "capacity belongs on a row without an "
		                   "applicant");
	int32_t a = sp_inst_find_applicant(in, name);
	if (a == SP_NONE)
		return sp__csv_err(c, err, SP_ENOTFOUND, idx[0],
		                   "unknown applicant %s",
		                   sp__csv_quote(q, sizeof q, name));
	if (seen[a])
		return sp__csv_err(c, err, SP_EDUP, idx[0],
		                   "applicant %s appears twice (first on line "
		                   "%u)",
		                   sp__csv_quote(q, sizeof q, name), seen[a]);
	seen[a] = (uint32_t)c->line;
	int32_t p, sp;
	sp_status s = match_program(in, c, idx[1], &p, err);
	if (!s)
		s = match_program(in, c, idx[2], &sp, err);
	if (s)
		return s;
	sp_matching_set(m, a, p);
	sp_matching_set_supplemental(m, a, sp);
	return SP_OK;
}

sp_status sp__io_csv_matching_read(const sp_inst *in, const char *buf,
                                   size_t len, const char *name,
                                   sp_matching **out, sp_err *err)
{
	static const char *const cols[] = {"applicant", "program",
	                                   "supplemental", "capacity"};
	*out = NULL;
	sp__csv c;
	sp__csv_init(&c, buf, len, name);
	sp_matching *m = NULL;
	size_t na = (size_t)sp_inst_napplicants(in);
	uint32_t *seen = sp_calloc(na, sizeof *seen);
	sp_status s = SP_OK;
	if (!seen || sp__matching_alloc(in, &m) != SP_OK)
		s = sp__err_set(err, SP_ENOMEM, name, 0, NULL, "out of memory");
	int idx[4];
	if (!s)
		s = sp__csv_header(&c, cols, 4, 2, false, idx, err);
	while (!s && !(s = sp__csv_next(&c, err)) && c.nf)
		s = read_match_row(in, &c, idx, seen, m, err);
	if (s)
		sp_matching_free(m);
	else
		*out = m;
	sp_free(seen);
	sp__csv_free(&c);
	return s;
}

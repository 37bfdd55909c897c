/*
 * tables.h — the one reader of the embedded data tables (the CSV files of
 * data/, data.h): opens a table by file name, checks its header for the columns
 * the caller needs (other columns are allowed) and hands out fields by
 * the caller's column order.  catalog.c, market.c and calib.c read the
 * cited figures through it.
 */
#ifndef SP_TABLES_H
#define SP_TABLES_H

#include "csv.h"

#define SP__TABLE_MAX_COLS 32

/* An embedded table open for reading.  `c` is the tokenizer (for
 * sp__csv_long / sp__csv_double / sp__csv_err); idx[k] is the field
 * index of the caller's column k. */
typedef struct {
	sp__csv c;
	int idx[SP__TABLE_MAX_COLS];
	char name[64]; /* "data/<file>", for messages */
} sp__table;

/* Opens data/<file> and reads its header; every one of cols[0..ncols)
 * must be present (ncols <= SP__TABLE_MAX_COLS).  Errors name
 * "data/<file>": SP_ENOTFOUND when the build does not embed it.  Close
 * with sp__table_close whatever the result. */
sp_status sp__table_open(sp__table *t, const char *file,
                         const char *const *cols, size_t ncols, sp_err *err);
/* Reads the next row: true while there is one; false at the end or on
 * an error (then *s is set, else SP_OK). */
bool sp__table_next(sp__table *t, sp_status *s, sp_err *err);
/* The caller's column k of the current row ("" when empty). */
const char *sp__table_str(const sp__table *t, int k);
/* Column k as a number; `dflt` when empty or not a number. */
double sp__table_num(const sp__table *t, int k, double dflt);
void sp__table_close(sp__table *t);

#endif

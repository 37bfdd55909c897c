/*
 * tables.c — the one reader of the embedded data tables (see tables.h).
 * The tables are small, cited, and checked by tests/integration/data.sh;
 * this reader is strict about their header (a missing column is an error
 * naming the file and the column) and lenient about cells, which each
 * caller converts: with sp__csv_long / sp__csv_double where a bad cell
 * must be an error, with sp__table_num where a default will do.
 */
#include "tables.h"

#include "data.h"

#include <stdio.h>
#include <stdlib.h>

sp_status sp__table_open(sp__table *t, const char *file,
                         const char *const *cols, size_t ncols, sp_err *err)
{
	snprintf(t->name, sizeof t->name, "data/%s", file);
	size_t len = 0;
	const char *buf = sp__data_file(file, &len);
	sp__csv_init(&t->c, buf ? buf : "", buf ? len : 0, t->name);
	if (!buf)
		return sp__err_set(err, SP_ENOTFOUND, t->name, 0, NULL,
		                   "table missing from this build");
	if (ncols > SP__TABLE_MAX_COLS)
		return sp__err_set(err, SP_ELIMIT, t->name, 0, NULL,
		                   "too many columns asked for");
	return sp__csv_header(&t->c, cols, ncols, ncols, true, t->idx, err);
}

bool sp__table_next(sp__table *t, sp_status *s, sp_err *err)
{
	*s = sp__csv_next(&t->c, err);
	return *s == SP_OK && t->c.nf > 0;
}

const char *sp__table_str(const sp__table *t, int k)
{
	return sp__csv_field(&t->c, t->idx[k]);
}

double sp__table_num(const sp__table *t, int k, double dflt)
{
	const char *s = sp__table_str(t, k);
	if (!*s)
		return dflt;
	char *end;
	double v = strtod(s, &end);
	return *end ? dflt : v;
}

void sp__table_close(sp__table *t)
{
	sp__csv_free(&t->c);
}

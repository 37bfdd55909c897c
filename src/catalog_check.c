/*
 * catalog_check.c — what a catalog may hold, checked on the way in
 * (import, catalog.c) and on the way out (every row read back): the
 * rules for text, codes and each program's and specialty's values, and
 * the damage check run when a catalog is opened.
 *
 * Why read-back checks: a catalog is a file anyone can edit with the
 * sqlite3 shell, and a damaged page can hand back a different but
 * well-formed value.  The simulator trusts every number it is given (a
 * selectivity of 9e999 is an infinite score; a state outside the table
 * indexes past it), so every value is held to the import's rules when it
 * is read, and a row that breaks them stops the command with a message
 * naming the row and field and saying how to rebuild the catalog.
 *
 * Damage: PRAGMA integrity_check when the catalog is opened: every page
 * of the b-trees, the records' formats, the CHECK and NOT NULL
 * constraints, and every index against its table.  About 15 ms on the
 * default catalog of 6,626 programs (1.1 MB).  quick_check (10 ms) was
 * tried first and rejected: it skips the index comparison, and 5 of 39
 * copies with 4 flipped bits that integrity_check calls damaged went
 * through it to an export with altered rows (a flipped value under the
 * code index).  Also rejected: a checksum over what the program reads (a
 * second format to keep in step with the schema, blind to damage in
 * pages no query reads).
 */
#include "catalog.h"
#include "csv.h"

#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool sp__catalog_clean_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p;
		int more;
		unsigned min;
		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3, min = 0x10000;
		} else {
			return false;
		}
		unsigned cp = c & (0x3fu >> more);
		for (int k = 1; k <= more; k++) {
			if ((p[k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[k] & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += more + 1;
	}
	return true;
}

bool sp__catalog_valid_code(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof((sp_program_info *)0)->code)
		return false;
	for (; *s; s++) {
		char ch = *s;
		bool ok = (ch >= 'A' && ch <= 'Z') ||
		          (ch >= 'a' && ch <= 'z') ||
		          (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		          ch == '/' || ch == '-';
		if (!ok)
			return false;
	}
	return true;
}

/* Text of 1..size-1 bytes of clean UTF-8, as the import takes it. */
static bool good_text(const char *s, size_t size)
{
	size_t n = strlen(s);
	return n > 0 && n < size && sp__catalog_clean_text(s);
}

static bool in_range(int v, int lo, int hi)
{
	return v >= lo && v <= hi;
}

static bool finite_in(double v, double lo, double hi)
{
	return isfinite(v) && v >= lo && v <= hi;
}

const char *sp__catalog_program_fault(const sp_program_info *p)
{
	int div = sp__catalog_division(p->state);
	if (!sp__catalog_valid_code(p->code))
		return "code";
	if (!good_text(p->name, sizeof p->name))
		return "name";
	if (!sp__catalog_valid_code(p->specialty))
		return "specialty";
	if (!in_range((int)p->track, SP_TRACK_CATEGORICAL, SP_TRACK_RESERVED))
		return "track";
	if (div == 0)
		return "state";
	if (p->region != div)
		return "region";
	if (!in_range((int)p->setting, SP_SETTING_UNIVERSITY,
	              SP_SETTING_MILITARY))
		return "setting";
	if (!in_range(p->positions, 1, SP__CATALOG_MAX_POSITIONS))
		return "positions";
	if (!finite_in(p->selectivity, -SP__CATALOG_MAX_SELECTIVITY,
	               SP__CATALOG_MAX_SELECTIVITY))
		return "selectivity";
	if (!in_range(p->interview_slots, 1, SP__CATALOG_MAX_SLOTS))
		return "interview_slots";
	if (!in_range(p->accepts_signals, 0, 1))
		return "accepts_signals";
	if (!in_range(p->sponsors_visa, 0, 1))
		return "sponsors_visa";
	if (!finite_in(p->step2_median, SP__CATALOG_MIN_STEP2,
	               SP__CATALOG_MAX_STEP2))
		return "step2_median";
	if (!in_range(p->synthetic, 0, 1))
		return "synthetic";
	if (p->city[0] && !good_text(p->city, sizeof p->city))
		return "city";
	if (p->acgme_id[0] && !good_text(p->acgme_id, sizeof p->acgme_id))
		return "acgme_id";
	bool any_rate = false;
	for (int k = 0; k < SP_RATE_N; k++) {
		if (isnan(p->rates[k]))
			continue;
		if (!finite_in(p->rates[k], 0, 1))
			return sp_rate_name((sp_rate)k);
		any_rate = true;
	}
	if (any_rate ? !in_range(p->rate_cycle, 2000, 2100) : p->rate_cycle)
		return "rate_cycle";
	if (p->estimated >> SP_FIELD_N)
		return "estimated";
	return NULL;
}

const char *sp__catalog_specialty_fault(const sp_specialty_info *s)
{
	if (!sp__catalog_valid_code(s->code))
		return "code";
	if (!good_text(s->name, sizeof s->name))
		return "name";
	if (!good_text(s->family, sizeof s->family))
		return "family";
	if (!in_range((int)s->track, SP_TRACK_CATEGORICAL, SP_TRACK_RESERVED))
		return "track";
	if (!in_range(s->pgy2, 0, 1))
		return "pgy2";
	if (!in_range(s->programs, 0, SP__CATALOG_MAX_PROGRAMS))
		return "programs";
	if (!in_range(s->positions, 0,
	              SP__CATALOG_MAX_PROGRAMS * SP__CATALOG_MAX_POSITIONS))
		return "positions";
	if (!in_range(s->signals_gold, 0, 1000))
		return "signals_gold";
	if (!in_range(s->signals_silver, 0, 1000))
		return "signals_silver";
	return NULL;
}

bool sp__catalog_stats_ok(const sp__prog_stats *p, int trials)
{
	return isfinite(p->icm) && isfinite(p->mcm) && isfinite(p->ics) &&
	       p->ics >= 0 && isfinite(p->mcs) && p->mcs >= 0 &&
	       isfinite(p->filled) && p->filled >= 0 &&
	       in_range(p->icn, 0, trials) && in_range(p->mcn, 0, trials);
}

/* The advice every damage message ends with. */
#define REBUILD                                                       \
	"; rebuild it: smartpick catalog init --force --db %s (then " \
	"catalog import FILE.csv --db %s if it held imported programs)"

sp_status sp__catalog_check_program(const sp_program_info *p, const char *path,
                                    sp_err *err)
{
	const char *field = sp__catalog_program_fault(p);
	if (!field)
		return SP_OK;
	char code[2 * sizeof p->code];
	sp__csv_quote(code, sizeof code, p->code);
	return sp__err_set(err, SP_EPARSE, path, 0, field,
	                   "damaged catalog: program %ld (%s) holds a value "
	                   "the import would refuse" REBUILD,
	                   (long)p->id, code, path, path);
}

sp_status sp__catalog_check_specialty(const sp_specialty_info *s,
                                      const char *path, sp_err *err)
{
	const char *field = sp__catalog_specialty_fault(s);
	if (!field)
		return SP_OK;
	char code[2 * sizeof s->code];
	sp__csv_quote(code, sizeof code, s->code);
	return sp__err_set(err, SP_EPARSE, path, 0, field,
	                   "damaged catalog: specialty %s holds a value the "
	                   "catalog never writes" REBUILD,
	                   code, path, path);
}

/* The fitted parameters must be finite numbers: the model would take an
 * infinite one as it is.  Checked here, when the catalog opens, so that
 * every command refuses the file at once; sp_catalog_apply_params also
 * fails on a value it cannot use, for a catalog changed since it opened.
 * A catalog without the table (a new file) has nothing to check. */
static sp_status check_params(sqlite3 *db, const char *path, sp_err *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db,
	                       "SELECT name, specialty FROM params WHERE "
	                       "typeof(value) NOT IN ('real', 'integer') OR "
	                       "NOT abs(value) <= 1e300 LIMIT 1",
	                       -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return SP_OK;
	}
	sp_status s = SP_OK;
	if (sqlite3_step(st) == SQLITE_ROW) {
		char name[80];
		const unsigned char *n = sqlite3_column_text(st, 0);
		const unsigned char *sp = sqlite3_column_text(st, 1);
		snprintf(name, sizeof name, "%s%s%s", n ? (const char *)n : "",
		         sp && *sp ? " of " : "", sp ? (const char *)sp : "");
		char q[SP__QUOTE_SIZE];
		s = sp__err_set(err, SP_EPARSE, path, 0, "value",
		                "damaged catalog: parameter %s is not a "
		                "finite number" REBUILD,
		                sp__csv_quote(q, sizeof q, name), path, path);
	}
	sqlite3_finalize(st);
	return s;
}

sp_status sp__catalog_integrity_check(sqlite3 *db, const char *path,
                                      sp_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc =
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &st, NULL);
	const char *what = NULL;
	char first[160] = "";
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *r = sqlite3_column_text(st, 0);
		snprintf(first, sizeof first, "%s", r ? (const char *)r : "");
		if (strcmp(first, "ok") == 0)
			first[0] = '\0';
		else
			what = first;
	} else if ((rc & 0xff) == SQLITE_NOTADB) {
		sqlite3_finalize(st);
		return sp__err_set(err, SP_EPARSE, path, 0, NULL,
		                   "not a SmartPick catalog (not a SQLite "
		                   "database)");
	} else {
		what = sqlite3_errmsg(db);
		snprintf(first, sizeof first, "%s", what);
		what = first;
	}
	sqlite3_finalize(st);
	if (!what)
		return check_params(db, path, err);
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return sp__err_set(err, SP_EIO, path, 0, NULL,
		                   "cannot check the catalog: %s", first);
	return sp__err_set(
	    err, SP_EPARSE, path, 0, NULL,
	    "damaged catalog (SQLite integrity_check: %s)" REBUILD, first, path,
	    path);
}

/*
 * catalog.h — internal entry points of the program catalog (catalog.c)
 * for tests and the fuzz harness.  The catalog's API is in smartpick.h;
 * its schema and the synthetic draws are described in docs/catalog.md.
 */
#ifndef SP_CATALOG_H
#define SP_CATALOG_H

#include "internal.h"

/* Largest positions one program may have in the catalog. */
#define SP__CATALOG_MAX_POSITIONS 1000
/* Most programs one import may hold. */
#define SP__CATALOG_MAX_PROGRAMS 100000
/* The other bounds a program's values keep (import and read-back). */
#define SP__CATALOG_MAX_SELECTIVITY 10
#define SP__CATALOG_MAX_SLOTS       1000000
#define SP__CATALOG_MIN_STEP2       1
#define SP__CATALOG_MAX_STEP2       300

/* catalog_check.c: the rules for what a catalog holds.
 * True if s is valid UTF-8 without control characters. */
bool sp__catalog_clean_text(const char *s);
/* True if s is a program code: 1..23 of [A-Za-z0-9._/-]. */
bool sp__catalog_valid_code(const char *s);
/* The first field of p (or s) that breaks the import's rules, by its
 * column name; NULL when every value is good. */
const char *sp__catalog_program_fault(const sp_program_info *p);
const char *sp__catalog_specialty_fault(const sp_specialty_info *s);
/* SP_OK when p (s) is good, else SP_EPARSE with a message naming the
 * row, the field, and how to rebuild the catalog at `path`. */
sp_status sp__catalog_check_program(const sp_program_info *p, const char *path,
                                    sp_err *err) SP_MUST_CHECK;
sp_status sp__catalog_check_specialty(const sp_specialty_info *s,
                                      const char *path,
                                      sp_err *err) SP_MUST_CHECK;
/* PRAGMA integrity_check on an open database, then every fitted
 * parameter finite: SP_EPARSE ("damaged catalog", with how to rebuild
 * it) unless both hold. */
typedef struct sqlite3 sqlite3;
sp_status sp__catalog_integrity_check(sqlite3 *db, const char *path,
                                      sp_err *err) SP_MUST_CHECK;

/* sp_catalog_import_csv over a CSV held in memory: buf[0..len) is
 * borrowed, `name` names it in messages.  Same contract: validated row
 * by row, the first error stops it, all or nothing. */
sp_status sp__catalog_import_mem(sp_catalog *c, const char *buf, size_t len,
                                 const char *name, sp_err *err) SP_MUST_CHECK;

/* sp_catalog_init_synthetic with the fitted parameters taken from
 * params[0..len) (a CSV named `name`; NULL: no parameters) instead of the
 * embedded data/params.csv. */
sp_status sp__catalog_init_with_params(sp_catalog *c, uint64_t seed,
                                       const char *params, size_t len,
                                       const char *name,
                                       sp_err *err) SP_MUST_CHECK;

/* The US census division (1..9) of a two-letter postal code of the 50
 * states, DC or PR; 0 when unknown.  PR belongs to no census division;
 * the catalog files it under 5, South Atlantic. */
int sp__catalog_division(const char *state);

/* The market statistics the advisor (advise.c) reads per program: the
 * interview cutoff and the match cutoff (mean, SD, trials constrained)
 * and mean positions filled, from a simulation of `trials` seasons.
 * They are stored with `key`, a fingerprint of the programs and
 * parameters they were simulated from, so that stale ones are never
 * read. */
typedef struct {
	int32_t id; /* the program's catalog id */
	double icm, ics;
	int icn;
	double mcm, mcs;
	int mcn;
	double filled;
} sp__prog_stats;

/* Fills st[0..n) (whose ids the caller set, ascending) from the stored
 * statistics if they carry `key` and cover every id: *found = true and
 * *trials set.  Otherwise *found = false and st is untouched but for
 * partial reads.  A catalog without statistics is not an error. */
sp_status sp__catalog_stats_get(sp_catalog *c, const char *key,
                                sp__prog_stats *st, size_t n, int *trials,
                                bool *found, sp_err *err) SP_MUST_CHECK;
/* True if st holds values a simulation of `trials` seasons can give
 * (catalog_check.c): finite, spreads and fill not negative, counts
 * within 0..trials.  A row that breaks it makes the stored statistics
 * count as absent, so they are simulated again. */
bool sp__catalog_stats_ok(const sp__prog_stats *st, int trials);
/* Replaces the stored statistics, in one transaction. */
sp_status sp__catalog_stats_put(sp_catalog *c, const char *key, int trials,
                                const sp__prog_stats *st, size_t n,
                                sp_err *err) SP_MUST_CHECK;

#endif

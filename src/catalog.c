/*
 * catalog.c — the program catalog: a SQLite database of specialties,
 * programs and fitted model parameters; the real catalog and the
 * synthetic one drawn from the cited tables; CSV import and export.  The
 * schema, every synthetic share and the CSV format are documented in
 * docs/catalog.md.
 *
 * Storage.  One SQLite file, marked as ours by PRAGMA application_id and
 * versioned by the `schema_version` row of the meta table.  Foreign keys
 * are on (a program's specialty must exist).  Every statement is
 * prepared from constant text and every value is bound, so no data ever
 * becomes SQL.  Every change (creating the schema, init, import, setting
 * parameters) is one BEGIN IMMEDIATE ... COMMIT transaction, rolled back
 * on the first error, so a reader sees the old catalog or the new one and
 * a failed command leaves the file as it was.
 *
 * Specialties.  One row per row of data/specialties_2025.csv (NRMP 2025
 * Table 1C and the derived PGY-2 rows, including the two residual rows
 * that make the totals 6,626 programs and 43,237 positions), joined with
 * the 2025 ERAS signal allotments (data/signals.csv) and the Step 2 CK
 * quartiles of matched US MD seniors (data/step2_by_specialty_2026.csv).
 * A row's signals and scores are those of its own code, else of its base
 * code: the code without an "-A" (advanced) suffix, and IM for IMPRIM and
 * PEDS for PEDSPRIM (primary-care tracks of the same programs).  Rows with
 * no score row use the median of the table's medians and of its IQRs.
 *
 * The real catalog (the default).  The programs of the embedded
 * data/programs.csv (tools/build-programs: name, city, state, specialty
 * row and the program's measured 2024 interview rates) come first in
 * each specialty row; labelled estimated rows ("Unlisted ... program N
 * (estimated)", drawn like synthetic ones from a fixed stream) bring the
 * row to its published program count; the row's published positions are
 * shared by interview volume (row_sizes).  Setting (from the name), selectivity
 * (from the measured rates), slots, visa sponsorship and the Step 2 CK
 * median are estimates, and each row's `estimated` column lists what is.
 *
 * Schema 2 added the city, the ACGME id, the rates and the provenance
 * columns; a schema 1 file is upgraded in place when opened.
 *
 * The synthetic catalog.  For each specialty row, exactly `programs`
 * programs whose positions sum exactly to `positions`: each program gets
 * one position, and the rest are apportioned by largest remainders in
 * proportion to lognormal weights (sigma 0.75), which gives the skew of
 * real specialties (a few very large programs, many small ones); no
 * program exceeds SP__CATALOG_MAX_POSITIONS.  Then per program, in a fixed
 * order of draws from the specialty's own stream of sp_rng (seed, row),
 * so the catalog depends only on the seed and the embedded tables:
 * setting, selectivity (standard normal, a little correlated with size
 * and with a university setting), census division and state, interview
 * slots (10 to 14 per position), signal participation (93% where the
 * specialty has signals), visa sponsorship (a share by specialty group),
 * and the Step 2 CK median (the specialty's matched median shifted by
 * selectivity).  The shares are synthetic and stated below and in
 * docs/catalog.md; only the counts per specialty are published figures.
 *
 * Import.  The CSV is read with the project's tokenizer (csv.c) and its
 * caps; every field is validated and the first error, with its file, line
 * and column, stops the import and rolls it back.  Export writes the same
 * columns with numbers in their shortest exact form, so export, import,
 * export gives the same bytes.
 *
 * Rejected: keeping the state table in data/ (census divisions are a
 * definition, not a calibration figure, and data/ holds cited figures
 * only); routing SQLite's allocations through sp_malloc (that needs
 * sqlite3_config, process-wide state the library must not touch).
 */
#include "catalog.h"
#include "csv.h"
#include "data.h"
#include "io.h"
#include "tables.h"

#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#define SCHEMA_VERSION 2
#define APPLICATION_ID 0x53504b43 /* "SPKC" */

/* Import defaults for absent columns or empty cells (docs/catalog.md). */
#define DEFAULT_SLOTS_PER_POSITION 12
#define DEFAULT_SETTING            SP_SETTING_COMMUNITY_UNIVERSITY

struct sp_catalog {
	sqlite3 *db;
	char *path; /* for messages */
};

/* ------------------------------------------------------------------ */
/* Names of the enumerations, as stored and as in the CSV.              */

static const char *const track_names[] = {"categorical", "preliminary",
                                          "advanced", "primary", "reserved"};
static const char *const setting_names[] = {
    "university", "community-university", "community", "military"};

static int find_name(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* Rates and estimable fields, in sp_rate and sp_field order: the CSV's
 * and the database's column names. */
static const char *const rate_names[SP_RATE_N] = {
    "rate_md",      "rate_do",       "rate_usimg", "rate_img",
    "rate_instate", "rate_outstate", "rate_gold",  "rate_silver",
    "rate_signal",  "rate_nosignal"};
static const char *const field_names[SP_FIELD_N] = {"name",
                                                    "city",
                                                    "state",
                                                    "specialty",
                                                    "positions",
                                                    "setting",
                                                    "selectivity",
                                                    "interview_slots",
                                                    "accepts_signals",
                                                    "sponsors_visa",
                                                    "step2_median"};

const char *sp_rate_name(sp_rate r)
{
	return (unsigned)r < SP_RATE_N ? rate_names[r] : "";
}

const char *sp_field_name(sp_field f)
{
	return (unsigned)f < SP_FIELD_N ? field_names[f] : "";
}

const char *sp_program_provenance(const sp_program_info *p, sp_field f)
{
	if (p->synthetic)
		return "synthetic";
	if ((unsigned)f < SP_FIELD_N && (p->estimated & (1u << f)))
		return "estimated";
	return "published";
}

#define NTRACKS   ((int)(sizeof track_names / sizeof *track_names))
#define NSETTINGS ((int)(sizeof setting_names / sizeof *setting_names))

/* ------------------------------------------------------------------ */
/* States and US census divisions (US Census Bureau, "Census Regions and
 * Divisions of the United States").  A definition, not a calibration
 * figure.  PR is in no census division; the catalog files it under
 * South Atlantic.  The table is grouped by division, in order, which the
 * synthetic draw relies on. */

static const struct {
	char code[3];
	int division;
} states[] = {{"CT", 1}, {"ME", 1}, {"MA", 1}, {"NH", 1}, {"RI", 1}, {"VT", 1},
              {"NJ", 2}, {"NY", 2}, {"PA", 2}, {"IL", 3}, {"IN", 3}, {"MI", 3},
              {"OH", 3}, {"WI", 3}, {"IA", 4}, {"KS", 4}, {"MN", 4}, {"MO", 4},
              {"NE", 4}, {"ND", 4}, {"SD", 4}, {"DE", 5}, {"DC", 5}, {"FL", 5},
              {"GA", 5}, {"MD", 5}, {"NC", 5}, {"SC", 5}, {"VA", 5}, {"WV", 5},
              {"PR", 5}, {"AL", 6}, {"KY", 6}, {"MS", 6}, {"TN", 6}, {"AR", 7},
              {"LA", 7}, {"OK", 7}, {"TX", 7}, {"AZ", 8}, {"CO", 8}, {"ID", 8},
              {"MT", 8}, {"NV", 8}, {"NM", 8}, {"UT", 8}, {"WY", 8}, {"AK", 9},
              {"CA", 9}, {"HI", 9}, {"OR", 9}, {"WA", 9}};

#define NSTATES ((int)(sizeof states / sizeof *states))

static const char *const division_names[10] = {"",
                                               "New England",
                                               "Middle Atlantic",
                                               "East North Central",
                                               "West North Central",
                                               "South Atlantic",
                                               "East South Central",
                                               "West South Central",
                                               "Mountain",
                                               "Pacific"};

int sp__catalog_division(const char *state)
{
	for (int i = 0; i < NSTATES; i++)
		if (strcmp(states[i].code, state) == 0)
			return states[i].division;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Synthetic shares.  None of these is a published figure; each is a
 * labelled assumption, stated again in docs/catalog.md. */

/* Share of programs per census division 1..9 (synthetic; it leans toward
 * the divisions where graduate medical education concentrates, without a
 * cited figure).  Within a division, states are equally likely. */
static const double division_share[10] = {0,    0.07, 0.18, 0.16, 0.06,
                                          0.19, 0.06, 0.10, 0.06, 0.12};

/* Share of programs per setting, in sp_setting order (synthetic). */
static const double setting_share[4] = {0.32, 0.38, 0.29, 0.01};

/* Lognormal sigma of the program-size weights (synthetic). */
#define SIZE_SIGMA 0.75
/* Selectivity = A*size + B*university + sqrt(1-A^2-B^2)*noise, each term
 * standardized, so selectivity has mean 0 and variance 1 (synthetic). */
#define SEL_SIZE 0.25
#define SEL_UNIV 0.25
/* Interview slots per position, uniform in [lo, hi) (assumption: about
 * 12 per position in the S18 simulation; urology's 40 interviews per
 * program for about 2.7 positions, S45, is near 15). */
#define SLOTS_LO 10.0
#define SLOTS_HI 14.0
/* Share of programs that accept ERAS signals where the specialty has
 * them: 93% of ERAS programs opted in (S60). */
#define SIGNAL_SHARE 0.93
/* Step 2 CK median = specialty median + selectivity * IQR/1.35 * this. */
#define STEP2_SPREAD 0.5

/* Visa sponsorship shares by specialty group (synthetic). */
#define VISA_HIGH    0.60
#define VISA_SURGERY 0.20
#define VISA_OTHER   0.40
static const char *const visa_high_codes[] = {
    "IM",    "IMPRIM", "IMPRELIM", "FM",  "PEDS",  "PEDSPRIM", "MEDPEDS",
    "PSYCH", "NEURO",  "NEURO-A",  "CHN", "CHN-A", "PATH"};
static const char *const visa_surgery_codes[] = {
    "GS", "SURGPRELIM", "NSGY", "ORTHO", "ENT", "PLAS", "TS", "VS"};

static bool in_list(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static double visa_share(const char *code)
{
	if (in_list(visa_high_codes,
	            sizeof visa_high_codes / sizeof *visa_high_codes, code))
		return VISA_HIGH;
	if (in_list(visa_surgery_codes,
	            sizeof visa_surgery_codes / sizeof *visa_surgery_codes,
	            code))
		return VISA_SURGERY;
	return VISA_OTHER;
}

/* ------------------------------------------------------------------ */
/* Small text helpers.                                                 */

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Writes v in the shortest form that reads back as exactly v. */
static void format_double(char *buf, size_t size, double v)
{
	if (v == 0)
		v = 0; /* no "-0" */
	if (v == trunc(v) && fabs(v) < 1e15) {
		snprintf(buf, size, "%.0f", v);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static void now_iso(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		copy_str(buf, size, "unknown");
}

/* ------------------------------------------------------------------ */
/* SQLite plumbing: errors, statements, transactions.                  */

static sp_status status_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return SP_ENOMEM;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return SP_EPARSE;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
		return SP_EINVAL;
	case SQLITE_TOOBIG:
		return SP_ELIMIT;
	default:
		return SP_EIO;
	}
}

/* Fills err for SQLite result rc while doing `what`. */
static sp_status db_fail(sp_catalog *c, int rc, sp_err *err, const char *what)
{
	if ((rc & 0xff) == SQLITE_NOTADB)
		return sp__err_set(err, SP_EPARSE, c->path, 0, NULL,
		                   "not a SmartPick catalog (not a SQLite "
		                   "database)");
	/* Damage found by a read: say so the way opening would have. */
	if ((rc & 0xff) == SQLITE_CORRUPT &&
	    sp__catalog_integrity_check(c->db, c->path, err) != SP_OK)
		return SP_EPARSE;
	return sp__err_set(err, status_of(rc), c->path, 0, NULL, "%s: %s", what,
	                   sqlite3_errmsg(c->db));
}

static sp_status prep(sp_catalog *c, const char *sql, sqlite3_stmt **st,
                      sp_err *err)
{
	int rc = sqlite3_prepare_v2(c->db, sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		*st = NULL;
		return db_fail(c, rc, err, "cannot prepare a query");
	}
	return SP_OK;
}

/* Runs constant SQL text (no data in it). */
static sp_status exec_sql(sp_catalog *c, const char *sql, sp_err *err,
                          const char *what)
{
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? SP_OK : db_fail(c, rc, err, what);
}

/* Steps a statement that returns no rows, then resets it. */
static sp_status step_done(sp_catalog *c, sqlite3_stmt *st, sp_err *err,
                           const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? SP_OK : db_fail(c, rc, err, what);
}

static sp_status begin(sp_catalog *c, sp_err *err)
{
	return exec_sql(c, "BEGIN IMMEDIATE", err,
	                "cannot start a transaction");
}

static void rollback(sp_catalog *c)
{
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Commits, or rolls back when s is an error or the commit fails. */
static sp_status finish(sp_catalog *c, sp_status s, sp_err *err)
{
	if (s == SP_OK)
		s = exec_sql(c, "COMMIT", err, "cannot commit");
	if (s != SP_OK)
		rollback(c);
	return s;
}

static void bind_str(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static const char *col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

static sp_status set_meta(sp_catalog *c, const char *key, const char *value,
                          sp_err *err)
{
	sqlite3_stmt *st;
	sp_status s = prep(c,
	                   "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	                   "ON CONFLICT (key) DO UPDATE SET value = "
	                   "excluded.value",
	                   &st, err);
	if (s)
		return s;
	bind_str(st, 1, key);
	bind_str(st, 2, value);
	s = step_done(c, st, err, "cannot write the meta table");
	sqlite3_finalize(st);
	return s;
}

/* Runs a query that returns one integer (0 when no row). */
static sp_status query_int(sp_catalog *c, const char *sql, long long *out,
                           sp_err *err)
{
	sqlite3_stmt *st;
	sp_status s = prep(c, sql, &st, err);
	if (s)
		return s;
	*out = 0;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		s = db_fail(c, rc, err, "cannot read the catalog");
	sqlite3_finalize(st);
	return s;
}

/* ------------------------------------------------------------------ */
/* The schema.                                                         */

/* The columns schema 2 adds to programs (also what migrating a schema 1
 * catalog adds, by ALTER TABLE ... ADD COLUMN). */
#define PROGRAM_V2_COLUMNS                                \
	"  city            TEXT NOT NULL DEFAULT '',\n"   \
	"  acgme_id        TEXT NOT NULL DEFAULT '',\n"   \
	"  rate_md         REAL,\n"                       \
	"  rate_do         REAL,\n"                       \
	"  rate_usimg      REAL,\n"                       \
	"  rate_img        REAL,\n"                       \
	"  rate_instate    REAL,\n"                       \
	"  rate_outstate   REAL,\n"                       \
	"  rate_gold       REAL,\n"                       \
	"  rate_silver     REAL,\n"                       \
	"  rate_signal     REAL,\n"                       \
	"  rate_nosignal   REAL,\n"                       \
	"  rate_cycle      INTEGER NOT NULL DEFAULT 0,\n" \
	"  estimated       TEXT NOT NULL DEFAULT ''\n"

static const char migrate_v1_sql[] =
    "ALTER TABLE programs ADD COLUMN city TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE programs ADD COLUMN acgme_id TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE programs ADD COLUMN rate_md REAL;\n"
    "ALTER TABLE programs ADD COLUMN rate_do REAL;\n"
    "ALTER TABLE programs ADD COLUMN rate_usimg REAL;\n"
    "ALTER TABLE programs ADD COLUMN rate_img REAL;\n"
    "ALTER TABLE programs ADD COLUMN rate_instate REAL;\n"
    "ALTER TABLE programs ADD COLUMN rate_outstate REAL;\n"
    "ALTER TABLE programs ADD COLUMN rate_gold REAL;\n"
    "ALTER TABLE programs ADD COLUMN rate_silver REAL;\n"
    "ALTER TABLE programs ADD COLUMN rate_signal REAL;\n"
    "ALTER TABLE programs ADD COLUMN rate_nosignal REAL;\n"
    "ALTER TABLE programs ADD COLUMN rate_cycle INTEGER NOT NULL DEFAULT "
    "0;\n"
    "ALTER TABLE programs ADD COLUMN estimated TEXT NOT NULL DEFAULT '';\n"
    "UPDATE meta SET value = '2' WHERE key = 'schema_version';\n"
    "PRAGMA user_version = 2;\n";

static const char schema_sql[] =
    "CREATE TABLE meta (\n"
    "  key   TEXT PRIMARY KEY,\n"
    "  value TEXT NOT NULL\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE specialties (\n"
    "  code           TEXT PRIMARY KEY,\n"
    "  ord            INTEGER NOT NULL UNIQUE,\n"
    "  name           TEXT NOT NULL,\n"
    "  family         TEXT NOT NULL,\n"
    "  kind           TEXT NOT NULL CHECK (kind IN ('categorical',\n"
    "                   'preliminary', 'transitional', 'primary',\n"
    "                   'advanced', 'residual')),\n"
    "  track          TEXT NOT NULL CHECK (track IN ('categorical',\n"
    "                   'preliminary', 'advanced', 'primary',\n"
    "                   'reserved')),\n"
    "  pgy2           INTEGER NOT NULL CHECK (pgy2 IN (0, 1)),\n"
    "  programs       INTEGER NOT NULL DEFAULT 0,\n"
    "  positions      INTEGER NOT NULL DEFAULT 0,\n"
    "  published_programs  INTEGER NOT NULL,\n"
    "  published_positions INTEGER NOT NULL,\n"
    "  signals_gold   INTEGER NOT NULL DEFAULT 0,\n"
    "  signals_silver INTEGER NOT NULL DEFAULT 0,\n"
    "  step2_median   REAL NOT NULL,\n"
    "  step2_iqr      REAL NOT NULL,\n"
    "  step2_basis    TEXT NOT NULL,\n"
    "  source         TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE programs (\n"
    "  id              INTEGER PRIMARY KEY,\n"
    "  code            TEXT NOT NULL UNIQUE,\n"
    "  name            TEXT NOT NULL,\n"
    "  specialty       TEXT NOT NULL REFERENCES specialties (code),\n"
    "  track           TEXT NOT NULL CHECK (track IN ('categorical',\n"
    "                    'preliminary', 'advanced', 'primary',\n"
    "                    'reserved')),\n"
    "  state           TEXT NOT NULL CHECK (length(state) = 2),\n"
    "  region          INTEGER NOT NULL CHECK (region BETWEEN 1 AND 9),\n"
    "  setting         TEXT NOT NULL CHECK (setting IN ('university',\n"
    "                    'community-university', 'community',\n"
    "                    'military')),\n"
    "  positions       INTEGER NOT NULL CHECK (positions BETWEEN 1 AND "
    "1000),\n"
    "  selectivity     REAL NOT NULL,\n"
    "  interview_slots INTEGER NOT NULL CHECK (interview_slots >= 0),\n"
    "  accepts_signals INTEGER NOT NULL CHECK (accepts_signals IN (0, "
    "1)),\n"
    "  sponsors_visa   INTEGER NOT NULL CHECK (sponsors_visa IN (0, 1)),\n"
    "  step2_median    REAL NOT NULL,\n"
    "  synthetic       INTEGER NOT NULL CHECK (synthetic IN (0, "
    "1)),\n" PROGRAM_V2_COLUMNS ");\n"
    "CREATE INDEX programs_by_specialty ON programs (specialty, id);\n"
    "CREATE INDEX programs_by_state ON programs (state);\n"
    "CREATE TABLE params (\n"
    "  name      TEXT NOT NULL,\n"
    "  specialty TEXT NOT NULL DEFAULT '',\n"
    "  value     REAL NOT NULL,\n"
    "  source    TEXT NOT NULL DEFAULT '',\n"
    "  PRIMARY KEY (name, specialty)\n"
    ") WITHOUT ROWID;\n";

/* ------------------------------------------------------------------ */
/* Specialties from the embedded tables.                               */

typedef struct {
	char code[16], name[96], family[64], kind[16];
	sp_track track;
	int pgy2, residual;
	int programs, positions; /* published */
	int gold, silver;
	double step2_median, step2_iqr;
	char step2_basis[16];
	char source[64];
} spec;

typedef SP_VEC(spec) spec_vec;
typedef SP_VEC(sp_program_info) prog_vec;

/* Appends the ';'-separated ids of src to dst, skipping repeats. */
static void add_sources(char *dst, size_t size, const char *src)
{
	char id[16];
	while (*src) {
		size_t n = strcspn(src, ";");
		if (n > 0 && n < sizeof id) {
			memcpy(id, src, n);
			id[n] = '\0';
			bool have = false;
			for (const char *p = dst; *p;
			     p += strcspn(p, ";"), p += *p == ';') {
				size_t m = strcspn(p, ";");
				have =
				    have || (m == n && memcmp(p, id, n) == 0);
			}
			size_t used = strlen(dst);
			if (!have && used + n + 2 < size) {
				if (used)
					dst[used++] = ';';
				memcpy(dst + used, id, n + 1);
			}
		}
		src += n;
		src += *src == ';';
	}
}

/* The code whose signals and scores a row shares (see the file
 * comment). */
static void base_code(const char *code, char *out, size_t size)
{
	if (strcmp(code, "IMPRIM") == 0) {
		copy_str(out, size, "IM");
		return;
	}
	if (strcmp(code, "PEDSPRIM") == 0) {
		copy_str(out, size, "PEDS");
		return;
	}
	copy_str(out, size, code);
	size_t n = strlen(out);
	if (n > 2 && strcmp(out + n - 2, "-A") == 0)
		out[n - 2] = '\0';
}

/* Whether row sp takes the values of a table row for `code`: always for
 * its own code, for its base code only when nothing is set yet. */
static bool takes(const spec *sp, const char *code, bool set)
{
	if (strcmp(sp->code, code) == 0)
		return true;
	char base[16];
	base_code(sp->code, base, sizeof base);
	return !set && strcmp(base, code) == 0;
}

/* Field i as an integer; an empty cell is 0. */
static sp_status opt_long(const sp__csv *t, int i, long *out, sp_err *err)
{
	*out = 0;
	if (*sp__csv_field(t, i) == '\0')
		return SP_OK;
	return sp__csv_long(t, i, 0, 1000000, out, err);
}

static sp_status kind_track(const sp__csv *t, int i, bool pgy2, spec *s,
                            sp_err *err)
{
	const char *k = sp__csv_field(t, i);
	copy_str(s->kind, sizeof s->kind, k);
	s->residual = strcmp(k, "residual") == 0;
	if (!strcmp(k, "categorical"))
		s->track = SP_TRACK_CATEGORICAL;
	else if (!strcmp(k, "preliminary") || !strcmp(k, "transitional"))
		s->track = SP_TRACK_PRELIMINARY;
	else if (!strcmp(k, "primary"))
		s->track = SP_TRACK_PRIMARY;
	else if (!strcmp(k, "advanced"))
		s->track = SP_TRACK_ADVANCED;
	else if (s->residual)
		s->track = pgy2 ? SP_TRACK_ADVANCED : SP_TRACK_CATEGORICAL;
	else
		return sp__csv_err(t, err, SP_EPARSE, i, "unknown kind");
	return SP_OK;
}

static sp_status read_specialty_rows(spec_vec *v, sp_err *err)
{
	static const char *const cols[] = {"code",      "specialty", "family",
	                                   "track",     "kind",      "programs",
	                                   "positions", "source"};
	sp__table tb;
	sp__csv *t = &tb.c;
	int *idx = tb.idx;
	sp_status s = sp__table_open(&tb, "specialties_2025.csv", cols, 8, err);
	while (!s && !(s = sp__csv_next(t, err)) && t->nf) {
		spec sp;
		memset(&sp, 0, sizeof sp);
		long programs = 0, positions = 0;
		copy_str(sp.code, sizeof sp.code, sp__csv_field(t, idx[0]));
		copy_str(sp.name, sizeof sp.name, sp__csv_field(t, idx[1]));
		copy_str(sp.family, sizeof sp.family, sp__csv_field(t, idx[2]));
		sp.pgy2 = strcmp(sp__csv_field(t, idx[3]), "pgy2") == 0;
		copy_str(sp.source, sizeof sp.source, sp__csv_field(t, idx[7]));
		if ((s = kind_track(t, idx[4], sp.pgy2, &sp, err)) ||
		    (s = sp__csv_long(t, idx[5], 1, 100000, &programs, err)) ||
		    (s = sp__csv_long(t, idx[6], 1, 10000000, &positions, err)))
			break;
		if (positions < programs ||
		    positions > programs * (long)SP__CATALOG_MAX_POSITIONS) {
			s = sp__csv_err(t, err, SP_EINVAL, idx[6],
			                "positions do not fit the programs");
			break;
		}
		sp.programs = (int)programs;
		sp.positions = (int)positions;
		if (!SP_VEC_PUSH(*v, sp))
			s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
			                "out of memory");
	}
	sp__table_close(&tb);
	return s;
}

static sp_status read_signals(spec_vec *v, sp_err *err)
{
	static const char *const cols[] = {
	    "match_year",  "code",    "gold",  "silver",
	    "single_tier", "in_eras", "source"};
	sp__table tb;
	sp__csv *t = &tb.c;
	int *idx = tb.idx;
	sp_status s = sp__table_open(&tb, "signals.csv", cols, 7, err);
	while (!s && !(s = sp__csv_next(t, err)) && t->nf) {
		if (strcmp(sp__csv_field(t, idx[0]), "2025") != 0 ||
		    strcmp(sp__csv_field(t, idx[5]), "yes") != 0)
			continue;
		long gold, silver, single;
		if ((s = opt_long(t, idx[2], &gold, err)) ||
		    (s = opt_long(t, idx[3], &silver, err)) ||
		    (s = opt_long(t, idx[4], &single, err)))
			break;
		const char *code = sp__csv_field(t, idx[1]);
		for (size_t i = 0; i < v->n; i++) {
			spec *sp = &v->v[i];
			if (!takes(sp, code, sp->gold + sp->silver > 0))
				continue;
			sp->gold = (int)(single ? single : gold);
			sp->silver = (int)(single ? 0 : silver);
			add_sources(sp->source, sizeof sp->source,
			            sp__csv_field(t, idx[6]));
		}
	}
	sp__table_close(&tb);
	return s;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

static double median_of(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAX_STEP2_ROWS 128

static sp_status read_step2(spec_vec *v, sp_err *err)
{
	static const char *const cols[] = {
	    "code", "matched_q1", "matched_median", "matched_q3", "source"};
	double med[MAX_STEP2_ROWS], iqr[MAX_STEP2_ROWS];
	size_t n = 0;
	sp__table tb;
	sp__csv *t = &tb.c;
	int *idx = tb.idx;
	sp_status s =
	    sp__table_open(&tb, "step2_by_specialty_2026.csv", cols, 5, err);
	for (size_t i = 0; i < v->n; i++)
		v->v[i].step2_median = -1;
	while (!s && !(s = sp__csv_next(t, err)) && t->nf) {
		double q1, m, q3;
		if ((s = sp__csv_double(t, idx[1], 1, 300, &q1, err)) ||
		    (s = sp__csv_double(t, idx[2], 1, 300, &m, err)) ||
		    (s = sp__csv_double(t, idx[3], 1, 300, &q3, err)))
			break;
		if (n == MAX_STEP2_ROWS) {
			s = sp__csv_err(t, err, SP_ELIMIT, -1, "too many rows");
			break;
		}
		med[n] = m;
		iqr[n++] = q3 - q1;
		const char *code = sp__csv_field(t, idx[0]);
		for (size_t i = 0; i < v->n; i++) {
			spec *sp = &v->v[i];
			if (!takes(sp, code, sp->step2_median >= 0))
				continue;
			sp->step2_median = m;
			sp->step2_iqr = q3 - q1;
			copy_str(sp->step2_basis, sizeof sp->step2_basis, code);
			add_sources(sp->source, sizeof sp->source,
			            sp__csv_field(t, idx[4]));
		}
	}
	sp__table_close(&tb);
	if (s)
		return s;
	if (n == 0)
		return sp__err_set(err, SP_EPARSE,
		                   "data/step2_by_specialty_2026.csv", 0, NULL,
		                   "no rows");
	double all_med = median_of(med, n), all_iqr = median_of(iqr, n);
	for (size_t i = 0; i < v->n; i++) {
		spec *sp = &v->v[i];
		if (sp->step2_median >= 0)
			continue;
		sp->step2_median = all_med;
		sp->step2_iqr = all_iqr;
		copy_str(sp->step2_basis, sizeof sp->step2_basis, "overall");
		add_sources(sp->source, sizeof sp->source, "S24");
	}
	return SP_OK;
}

/* Reads the specialty rows with their signals and scores into *v. */
static sp_status load_specs(spec_vec *v, sp_err *err)
{
	sp_status s = read_specialty_rows(v, err);
	if (!s)
		s = read_signals(v, err);
	if (!s)
		s = read_step2(v, err);
	return s;
}

/* Replaces the specialties table with v (the programs must be gone). */
static sp_status install_specs(sp_catalog *c, const spec_vec *v, sp_err *err)
{
	sp_status s = exec_sql(c, "DELETE FROM specialties", err,
	                       "cannot clear the specialties");
	sqlite3_stmt *st = NULL;
	if (!s)
		s = prep(c,
		         "INSERT INTO specialties (code, ord, name, family, "
		         "kind, track, pgy2, published_programs, "
		         "published_positions, signals_gold, signals_silver, "
		         "step2_median, step2_iqr, step2_basis, source) "
		         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
		         "?11, ?12, ?13, ?14, ?15)",
		         &st, err);
	for (size_t i = 0; !s && i < v->n; i++) {
		const spec *sp = &v->v[i];
		bind_str(st, 1, sp->code);
		sqlite3_bind_int(st, 2, (int)i + 1);
		bind_str(st, 3, sp->name);
		bind_str(st, 4, sp->family);
		bind_str(st, 5, sp->kind);
		bind_str(st, 6, track_names[sp->track]);
		sqlite3_bind_int(st, 7, sp->pgy2);
		sqlite3_bind_int(st, 8, sp->programs);
		sqlite3_bind_int(st, 9, sp->positions);
		sqlite3_bind_int(st, 10, sp->gold);
		sqlite3_bind_int(st, 11, sp->silver);
		sqlite3_bind_double(st, 12, sp->step2_median);
		sqlite3_bind_double(st, 13, sp->step2_iqr);
		bind_str(st, 14, sp->step2_basis);
		bind_str(st, 15, sp->source);
		s = step_done(c, st, err, "cannot write a specialty");
	}
	sqlite3_finalize(st);
	return s;
}

/* ------------------------------------------------------------------ */
/* Opening.                                                            */

const char *sp_catalog_default_path(const char *path)
{
	if (path && *path)
		return path;
	const char *env = getenv("SMARTPICK_DB");
	if (env && *env)
		return env;
	return "smartpick.db";
}

/* Creates the schema and the specialties in an empty database. */
static sp_status create_schema(sp_catalog *c, sp_err *err)
{
	spec_vec v = {0};
	sp_status s = load_specs(&v, err);
	if (s) {
		SP_VEC_FREE(v);
		return s;
	}
	s = begin(c, err);
	if (s) {
		SP_VEC_FREE(v);
		return s;
	}
	long long ntables = 0;
	char buf[64], when[32];
	s = query_int(c, "SELECT count(*) FROM sqlite_master", &ntables, err);
	if (!s && ntables == 0) {
		now_iso(when, sizeof when);
		snprintf(buf, sizeof buf, "%d", SCHEMA_VERSION);
		if (!(s = exec_sql(c, schema_sql, err,
		                   "cannot create the schema")) &&
		    !(s = install_specs(c, &v, err)) &&
		    !(s = set_meta(c, "schema_version", buf, err)) &&
		    !(s = set_meta(c, "synthetic", "0", err)) &&
		    !(s = set_meta(c, "seed", "", err)) &&
		    !(s = set_meta(c, "created", when, err)) &&
		    !(s = set_meta(c, "note", "empty catalog", err))) {
			snprintf(buf, sizeof buf,
			         "PRAGMA application_id = %d; "
			         "PRAGMA user_version = %d",
			         APPLICATION_ID, SCHEMA_VERSION);
			s = exec_sql(c, buf, err, "cannot mark the catalog");
		}
	}
	SP_VEC_FREE(v);
	return finish(c, s, err);
}

/* Upgrades a schema 1 catalog in place (one transaction): the programs
 * gain schema 2's columns, empty (no city, no rates, nothing marked
 * estimated).  Its programs stay what they were (synthetic or imported);
 * 'smartpick catalog init --force' replaces them with the real catalog. */
static sp_status migrate(sp_catalog *c, long long version, sp_err *err)
{
	sp_status s = begin(c, err);
	if (!s)
		s = exec_sql(c, migrate_v1_sql, err, "cannot upgrade");
	s = finish(c, s, err);
	if (!s)
		return SP_OK;
	char why[256];
	copy_str(why, sizeof why, err ? err->msg : sp_strerror(s));
	return sp__err_set(err, s, c->path, 0, NULL,
	                   "catalog schema %lld is older than this SmartPick "
	                   "reads (%d) and could not be upgraded (%s); "
	                   "rebuild it with 'smartpick catalog init --force'",
	                   version, SCHEMA_VERSION, why);
}

/* Checks that the database is a current SmartPick catalog, creating the
 * schema in an empty one when `create`. */
static sp_status check_identity(sp_catalog *c, int create, sp_err *err)
{
	long long appid = 0, ntables = 0, version = 0;
	sp_status s = query_int(c, "PRAGMA application_id", &appid, err);
	if (!s)
		s = query_int(c, "SELECT count(*) FROM sqlite_master", &ntables,
		              err);
	if (s)
		return s;
	if (ntables == 0) {
		if (create)
			return create_schema(c, err);
		return sp__err_set(err, SP_EINVAL, c->path, 0, NULL,
		                   "empty database, not a SmartPick catalog "
		                   "(create one with 'smartpick catalog "
		                   "init')");
	}
	if (appid != APPLICATION_ID)
		return sp__err_set(err, SP_EINVAL, c->path, 0, NULL,
		                   "not a SmartPick catalog (a SQLite "
		                   "database of another program)");
	s = query_int(c,
	              "SELECT CAST(value AS INTEGER) FROM meta WHERE key = "
	              "'schema_version'",
	              &version, err);
	if (s)
		return sp__err_set(err, SP_EINVAL, c->path, 0, NULL,
		                   "not a SmartPick catalog (no meta table)");
	if (version > SCHEMA_VERSION)
		return sp__err_set(err, SP_EUNSUPPORTED, c->path, 0, NULL,
		                   "catalog schema %lld is newer than this "
		                   "SmartPick reads (%d); upgrade SmartPick",
		                   version, SCHEMA_VERSION);
	if (version < 1)
		return sp__err_set(err, SP_EPARSE, c->path, 0, NULL,
		                   "damaged catalog: bad schema_version");
	return version < SCHEMA_VERSION ? migrate(c, version, err) : SP_OK;
}

sp_status sp_catalog_open(const char *path, int create, sp_catalog **out,
                          sp_err *err)
{
	sp__err_clear(err);
	*out = NULL;
	if (!path || !*path)
		return sp__err_set(err, SP_EINVAL, NULL, 0, NULL,
		                   "no catalog path");
	bool memory = strcmp(path, ":memory:") == 0;
	struct stat st;
	if (!memory && stat(path, &st) != 0) {
		if (!create || errno != ENOENT)
			return sp__err_set(err, SP_EIO, path, 0, NULL,
			                   "no catalog here (%s); create one "
			                   "with 'smartpick catalog init'",
			                   strerror(errno));
	} else if (!memory && S_ISDIR(st.st_mode)) {
		return sp__err_set(err, SP_EIO, path, 0, NULL,
		                   "is a directory, not a catalog");
	}
	sp_catalog *c = sp_calloc(1, sizeof *c);
	size_t n = strlen(path) + 1;
	if (c)
		c->path = sp_malloc(n);
	if (!c || !c->path) {
		sp_free(c);
		return sp__err_set(err, SP_ENOMEM, path, 0, NULL,
		                   "out of memory");
	}
	memcpy(c->path, path, n);
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(path, &c->db, flags, NULL);
	sp_status s = SP_OK;
	if (rc != SQLITE_OK)
		s = sp__err_set(
		    err, status_of(rc), path, 0, NULL, "cannot open: %s",
		    c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
	if (!s) {
		sqlite3_busy_timeout(c->db, 5000);
		s = exec_sql(c, "PRAGMA foreign_keys = ON", err,
		             "cannot enable foreign keys");
	}
	if (!s && !memory)
		s = sp__catalog_integrity_check(c->db, path, err);
	if (!s)
		s = check_identity(c, create, err);
	if (s) {
		sp_catalog_close(c);
		return s;
	}
	*out = c;
	return SP_OK;
}

void sp_catalog_close(sp_catalog *c)
{
	if (!c)
		return;
	sqlite3_close(c->db);
	sp_free(c->path);
	sp_free(c);
}

/* ------------------------------------------------------------------ */
/* Programs: one row in and out.                                       */

static const char insert_program_sql[] =
    "INSERT INTO programs (code, name, specialty, track, state, region, "
    "setting, positions, selectivity, interview_slots, accepts_signals, "
    "sponsors_visa, step2_median, synthetic, city, acgme_id, rate_md, "
    "rate_do, rate_usimg, rate_img, rate_instate, rate_outstate, "
    "rate_gold, rate_silver, rate_signal, rate_nosignal, rate_cycle, "
    "estimated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
    "?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, "
    "?26, ?27, ?28)";

/* The estimated-field mask as stored: field names joined by ';', in
 * sp_field order ("" when nothing is estimated). */
static void format_estimated(unsigned mask, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int f = 0; f < SP_FIELD_N; f++)
		if (mask & (1u << f)) {
			int n = snprintf(buf + used, size - used, "%s%s",
			                 used ? ";" : "", field_names[f]);
			if (n < 0 || (size_t)n >= size - used)
				return;
			used += (size_t)n;
		}
}

/* Parses format_estimated's text; false on an unknown or repeated name
 * (*bad gives the offending name's offset). */
static bool parse_estimated(const char *s, unsigned *mask, size_t *bad)
{
	*mask = 0;
	const char *p = s;
	while (*p) {
		size_t n = strcspn(p, ";");
		int f = 0;
		while (f < SP_FIELD_N && (strlen(field_names[f]) != n ||
		                          memcmp(field_names[f], p, n) != 0))
			f++;
		if (f == SP_FIELD_N || (*mask & (1u << f))) {
			*bad = (size_t)(p - s);
			return false;
		}
		*mask |= 1u << f;
		p += n;
		if (*p == ';' && !*++p) {
			*bad = (size_t)(p - s);
			return false;
		}
	}
	return true;
}

static sp_status insert_program(sp_catalog *c, sqlite3_stmt *st,
                                const sp_program_info *p, sp_err *err)
{
	bind_str(st, 1, p->code);
	bind_str(st, 2, p->name);
	bind_str(st, 3, p->specialty);
	bind_str(st, 4, track_names[p->track]);
	bind_str(st, 5, p->state);
	sqlite3_bind_int(st, 6, p->region);
	bind_str(st, 7, setting_names[p->setting]);
	sqlite3_bind_int(st, 8, p->positions);
	sqlite3_bind_double(st, 9, p->selectivity);
	sqlite3_bind_int(st, 10, p->interview_slots);
	sqlite3_bind_int(st, 11, p->accepts_signals);
	sqlite3_bind_int(st, 12, p->sponsors_visa);
	sqlite3_bind_double(st, 13, p->step2_median);
	sqlite3_bind_int(st, 14, p->synthetic);
	bind_str(st, 15, p->city);
	bind_str(st, 16, p->acgme_id);
	for (int r = 0; r < SP_RATE_N; r++)
		if (!isnan(p->rates[r]))
			sqlite3_bind_double(st, 17 + r, p->rates[r]);
	sqlite3_bind_int(st, 27, p->rate_cycle);
	char est[256];
	format_estimated(p->estimated, est, sizeof est);
	sqlite3_bind_text(st, 28, est, -1, SQLITE_TRANSIENT);
	return step_done(c, st, err, "cannot write a program");
}

#define PROGRAM_COLUMNS                                              \
	"id, code, name, specialty, track, state, region, setting, " \
	"positions, selectivity, interview_slots, accepts_signals, " \
	"sponsors_visa, step2_median, synthetic, city, acgme_id, "   \
	"rate_md, rate_do, rate_usimg, rate_img, rate_instate, "     \
	"rate_outstate, rate_gold, rate_silver, rate_signal, "       \
	"rate_nosignal, rate_cycle, estimated"

static void read_program(sqlite3_stmt *st, sp_program_info *p)
{
	memset(p, 0, sizeof *p);
	p->id = (int32_t)sqlite3_column_int(st, 0);
	copy_str(p->code, sizeof p->code, col_str(st, 1));
	copy_str(p->name, sizeof p->name, col_str(st, 2));
	copy_str(p->specialty, sizeof p->specialty, col_str(st, 3));
	/* Unknown names and non-numbers stay out of range for the check. */
	p->track = (sp_track)find_name(track_names, NTRACKS, col_str(st, 4));
	copy_str(p->state, sizeof p->state, col_str(st, 5));
	p->region = sqlite3_column_int(st, 6);
	p->setting =
	    (sp_setting)find_name(setting_names, NSETTINGS, col_str(st, 7));
	p->positions = sqlite3_column_int(st, 8);
	p->selectivity = sqlite3_column_type(st, 9) == SQLITE_TEXT
	                     ? NAN
	                     : sqlite3_column_double(st, 9);
	p->interview_slots = sqlite3_column_int(st, 10);
	p->accepts_signals = sqlite3_column_int(st, 11);
	p->sponsors_visa = sqlite3_column_int(st, 12);
	p->step2_median = sqlite3_column_double(st, 13);
	p->synthetic = sqlite3_column_int(st, 14);
	copy_str(p->city, sizeof p->city, col_str(st, 15));
	copy_str(p->acgme_id, sizeof p->acgme_id, col_str(st, 16));
	for (int r = 0; r < SP_RATE_N; r++)
		p->rates[r] = sqlite3_column_type(st, 17 + r) == SQLITE_NULL
		                  ? NAN
		                  : sqlite3_column_double(st, 17 + r);
	p->rate_cycle = sqlite3_column_int(st, 27);
	size_t bad;
	if (!parse_estimated(col_str(st, 28), &p->estimated, &bad))
		p->estimated = (1u << SP_FIELD_N) - 1;
}

/* Sets each specialty's program and position counts from its programs. */
static sp_status recount(sp_catalog *c, sp_err *err)
{
	return exec_sql(c,
	                "UPDATE specialties SET "
	                "programs = (SELECT count(*) FROM programs p WHERE "
	                "p.specialty = specialties.code), "
	                "positions = (SELECT coalesce(sum(p.positions), 0) "
	                "FROM programs p WHERE p.specialty = "
	                "specialties.code)",
	                err, "cannot count the programs");
}

/* ------------------------------------------------------------------ */
/* The synthetic catalog.                                              */

typedef struct {
	double rem;
	int i;
} leftover;

static int cmp_remainder(const void *x, const void *y)
{
	const leftover *a = x, *b = y;
	if (a->rem != b->rem)
		return a->rem < b->rem ? 1 : -1;
	return (a->i > b->i) - (a->i < b->i);
}

/* Sizes n programs so that each has at least 1 position and they sum to
 * `total`: one each, the rest by largest remainders in proportion to w,
 * then any excess over the cap moved to the first programs below it.
 * Needs n <= total <= n * cap. */
static bool apportion(int *size, const double *w, int n, long total)
{
	leftover *r = sp_malloc((size_t)n * sizeof *r);
	if (!r)
		return false;
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += w[i];
	long extra = total - n, given = 0;
	for (int i = 0; i < n; i++) {
		double q = (double)extra * w[i] / sum;
		long whole = (long)floor(q);
		size[i] = 1 + (int)whole;
		given += whole;
		r[i].rem = q - (double)whole;
		r[i].i = i;
	}
	qsort(r, (size_t)n, sizeof *r, cmp_remainder);
	for (long k = 0; given < extra; k++, given++)
		size[r[k % n].i]++;
	sp_free(r);
	long excess = 0;
	for (int i = 0; i < n; i++)
		if (size[i] > SP__CATALOG_MAX_POSITIONS) {
			excess += size[i] - SP__CATALOG_MAX_POSITIONS;
			size[i] = SP__CATALOG_MAX_POSITIONS;
		}
	for (int i = 0; excess > 0; i = (i + 1) % n)
		if (size[i] < SP__CATALOG_MAX_POSITIONS) {
			size[i]++;
			excess--;
		}
	return true;
}

static sp_setting draw_setting(sp_rng *r)
{
	double u = sp_rng_uniform(r), acc = 0;
	for (int i = 0; i < NSETTINGS - 1; i++) {
		acc += setting_share[i];
		if (u < acc)
			return (sp_setting)i;
	}
	return (sp_setting)(NSETTINGS - 1);
}

/* Draws a division by division_share, then a state in it uniformly. */
static int draw_state(sp_rng *r)
{
	double u = sp_rng_uniform(r), acc = 0;
	int d = 9;
	for (int k = 1; k < 9; k++) {
		acc += division_share[k];
		if (u < acc) {
			d = k;
			break;
		}
	}
	int first = 0, count = 0;
	while (states[first].division != d)
		first++;
	while (first + count < NSTATES && states[first + count].division == d)
		count++;
	return first + (int)sp_rng_below(r, (uint64_t)count);
}

/* The name's qualifier after the family (see docs/catalog.md). */
static const char *name_qualifier(const spec *sp)
{
	if (sp->residual)
		return sp->pgy2 ? " PGY-2" : " PGY-1";
	if (sp->track == SP_TRACK_PRIMARY)
		return " Primary";
	if (sp->pgy2)
		return " Advanced";
	return "";
}

/* Draws program k of specialty sp (z: its size draw) into p. */
static void draw_program(sp_rng *r, const spec *sp, int k, int positions,
                         double z, sp_program_info *p)
{
	memset(p, 0, sizeof *p);
	p->setting = draw_setting(r);
	double pu = setting_share[SP_SETTING_UNIVERSITY];
	double univ =
	    ((p->setting == SP_SETTING_UNIVERSITY) - pu) / sqrt(pu * (1 - pu));
	double noise = sqrt(1 - SEL_SIZE * SEL_SIZE - SEL_UNIV * SEL_UNIV);
	double sel = SEL_SIZE * z + SEL_UNIV * univ + noise * sp_rng_normal(r);
	sel = fmax(-5, fmin(5, sel));
	p->selectivity = round(sel * 1000) / 1000;
	int si = draw_state(r);
	copy_str(p->state, sizeof p->state, states[si].code);
	p->region = states[si].division;
	double k_slots = SLOTS_LO + (SLOTS_HI - SLOTS_LO) * sp_rng_uniform(r);
	p->interview_slots = (int)lround(positions * k_slots);
	double u_sig = sp_rng_uniform(r);
	p->accepts_signals =
	    (sp->gold + sp->silver) > 0 && u_sig < SIGNAL_SHARE;
	p->sponsors_visa = sp_rng_uniform(r) < visa_share(sp->code);
	double step2 = sp->step2_median +
	               p->selectivity * sp->step2_iqr / 1.35 * STEP2_SPREAD;
	p->step2_median = fmax(1, fmin(300, round(step2)));
	p->positions = positions;
	p->track = sp->track;
	p->synthetic = 1;
	for (int q = 0; q < SP_RATE_N; q++)
		p->rates[q] = NAN;
	copy_str(p->specialty, sizeof p->specialty, sp->code);
	/* Codes are at most 15 + 1 + 5 bytes: a specialty has far fewer
	 * than 100,000 programs, and the bound lets the compiler see the
	 * code always fits. */
	snprintf(p->code, sizeof p->code, "%s-%04u", sp->code,
	         (unsigned)(k + 1) % 100000u);
	char name[256];
	snprintf(name, sizeof name, "Synthetic %s%s Program %d (%s)",
	         sp->family, name_qualifier(sp), k + 1, p->state);
	copy_str(p->name, sizeof p->name, name);
}

/* Draws the programs of specialty row `row` onto *out. */
static sp_status draw_specialty(const spec *sp, size_t row, uint64_t seed,
                                prog_vec *out, sp_err *err)
{
	int n = sp->programs;
	double *z = sp_malloc((size_t)n * sizeof *z);
	double *w = sp_malloc((size_t)n * sizeof *w);
	int *size = sp_malloc((size_t)n * sizeof *size);
	sp_status s = SP_OK;
	if (!z || !w || !size)
		s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL, "out of memory");
	sp_rng r;
	sp_rng_seed(&r, seed, (uint64_t)row + 1);
	for (int i = 0; !s && i < n; i++) {
		z[i] = sp_rng_normal(&r);
		w[i] = exp(SIZE_SIGMA * z[i]);
	}
	if (!s && !apportion(size, w, n, sp->positions))
		s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL, "out of memory");
	for (int i = 0; !s && i < n; i++) {
		if (!SP_VEC_RESERVE(*out, 1)) {
			s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
			                "out of memory");
			break;
		}
		sp_program_info *p = &out->v[out->n++];
		draw_program(&r, sp, i, size[i], z[i], p);
		p->id = (int32_t)out->n;
	}
	sp_free(z);
	sp_free(w);
	sp_free(size);
	return s;
}

/* Loads fitted parameters from a CSV (name, specialty, value, source;
 * other columns ignored) inside the caller's transaction. */
static sp_status load_params_csv(sp_catalog *c, const char *buf, size_t len,
                                 const char *name, sp_err *err);

sp_status sp__catalog_init_with_params(sp_catalog *c, uint64_t seed,
                                       const char *params, size_t len,
                                       const char *name, sp_err *err)
{
	sp__err_clear(err);
	spec_vec v = {0};
	sp_status s = load_specs(&v, err);
	if (s) {
		SP_VEC_FREE(v);
		return s;
	}
	if ((s = begin(c, err))) {
		SP_VEC_FREE(v);
		return s;
	}
	sqlite3_stmt *ins = NULL;
	prog_vec pv = {0};
	if (!(s = exec_sql(c, "DELETE FROM programs; DELETE FROM params", err,
	                   "cannot clear the catalog")) &&
	    !(s = install_specs(c, &v, err)))
		s = prep(c, insert_program_sql, &ins, err);
	for (size_t i = 0; !s && i < v.n; i++)
		s = draw_specialty(&v.v[i], i, seed, &pv, err);
	for (size_t j = 0; !s && j < pv.n; j++)
		s = insert_program(c, ins, &pv.v[j], err);
	sqlite3_finalize(ins);
	SP_VEC_FREE(pv);
	char num[32], when[32], note[200];
	snprintf(num, sizeof num, "%llu", (unsigned long long)seed);
	snprintf(note, sizeof note,
	         "SYNTHETIC catalog drawn from seed %s: per-specialty program "
	         "and position counts are NRMP 2025 figures; every other "
	         "program attribute is drawn (docs/catalog.md)",
	         num);
	now_iso(when, sizeof when);
	if (!s && !(s = recount(c, err)) &&
	    !(s = set_meta(c, "synthetic", "1", err)) &&
	    !(s = set_meta(c, "seed", num, err)) &&
	    !(s = set_meta(c, "created", when, err)) &&
	    !(s = set_meta(c, "note", note, err)) && params)
		s = load_params_csv(c, params, len, name, err);
	SP_VEC_FREE(v);
	return finish(c, s, err);
}

sp_status sp_catalog_synthetic(uint64_t seed, sp_specialty_info **specs,
                               size_t *nspecs, sp_program_info **progs,
                               size_t *nprogs, sp_err *err)
{
	sp__err_clear(err);
	*specs = NULL;
	*progs = NULL;
	*nspecs = *nprogs = 0;
	spec_vec v = {0};
	prog_vec pv = {0};
	sp_specialty_info *si = NULL;
	sp_status s = load_specs(&v, err);
	if (!s && !(si = sp_calloc(v.n ? v.n : 1, sizeof *si)))
		s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL, "out of memory");
	for (size_t i = 0; !s && i < v.n; i++) {
		const spec *sp = &v.v[i];
		copy_str(si[i].code, sizeof si[i].code, sp->code);
		copy_str(si[i].name, sizeof si[i].name, sp->name);
		copy_str(si[i].family, sizeof si[i].family, sp->family);
		si[i].track = sp->track;
		si[i].pgy2 = sp->pgy2;
		si[i].programs = sp->programs;
		si[i].positions = sp->positions;
		si[i].signals_gold = sp->gold;
		si[i].signals_silver = sp->silver;
		s = draw_specialty(sp, i, seed, &pv, err);
	}
	size_t n = v.n;
	SP_VEC_FREE(v);
	if (s) {
		sp_free(si);
		SP_VEC_FREE(pv);
		return s;
	}
	*specs = si;
	*nspecs = n;
	*progs = pv.v;
	*nprogs = pv.n;
	return SP_OK;
}

sp_status sp_catalog_init_synthetic(sp_catalog *c, uint64_t seed, sp_err *err)
{
	size_t len = 0;
	const char *params = sp__data_file("params.csv", &len);
	return sp__catalog_init_with_params(c, seed, params, len,
	                                    "data/params.csv", err);
}

/* ------------------------------------------------------------------ */
/* The real catalog (docs/catalog.md, "The real catalog").             */

/* Stream of the estimated rows' draws: sp_rng (REAL_SEED, row + 1). */
#define REAL_SEED 0x7265616cu /* "real" */
/* Measured rates are clamped to [RATE_EPS, 1 - RATE_EPS] before probit. */
#define RATE_EPS 0.005
/* Fields every estimated row estimates: all of them. */
#define ALL_FIELDS ((1u << SP_FIELD_N) - 1)

static const char *const real_cols[] = {
    "program_code",  "name",          "city",      "state",       "specialty",
    "acgme_id",      "rate_md",       "rate_do",   "rate_usimg",  "rate_img",
    "rate_instate",  "rate_outstate", "rate_gold", "rate_silver", "rate_signal",
    "rate_nosignal", "rate_cycle",    "derived"};
#define REAL_NCOLS ((int)(sizeof real_cols / sizeof *real_cols))

/* The setting a program's name suggests (an estimate: names say
 * "University" or a service branch; the rest are taken as
 * community-university, the commonest setting). */
static sp_setting guess_setting(const char *name)
{
	static const char *const military[] = {"National Capital Consortium",
	                                       " Army ",
	                                       "Navy",
	                                       "Naval ",
	                                       "Air Force",
	                                       "Military",
	                                       "Uniformed Services"};
	for (size_t i = 0; i < sizeof military / sizeof *military; i++)
		if (strstr(name, military[i]))
			return SP_SETTING_MILITARY;
	if (strstr(name, "University") || strstr(name, "School of Medicine") ||
	    strstr(name, "College of Medicine"))
		return SP_SETTING_UNIVERSITY;
	return SP_SETTING_COMMUNITY_UNIVERSITY;
}

/* One row of data/programs.csv into p (validated). */
static sp_status real_row(const sp__csv *t, const int *idx, sp_program_info *p,
                          sp_err *err)
{
	memset(p, 0, sizeof *p);
	const char *code = sp__csv_field(t, idx[0]);
	const char *name = sp__csv_field(t, idx[1]);
	const char *city = sp__csv_field(t, idx[2]);
	const char *state = sp__csv_field(t, idx[3]);
	if (!sp__catalog_valid_code(code))
		return sp__csv_err(t, err, SP_EPARSE, idx[0], "bad code");
	if (!*name || strlen(name) >= sizeof p->name ||
	    !sp__catalog_clean_text(name))
		return sp__csv_err(t, err, SP_EPARSE, idx[1], "bad name");
	if (strlen(city) >= sizeof p->city || !sp__catalog_clean_text(city))
		return sp__csv_err(t, err, SP_EPARSE, idx[2], "bad city");
	if (!sp__catalog_division(state))
		return sp__csv_err(t, err, SP_EPARSE, idx[3], "unknown state");
	copy_str(p->code, sizeof p->code, code);
	copy_str(p->name, sizeof p->name, name);
	copy_str(p->city, sizeof p->city, city);
	copy_str(p->state, sizeof p->state, state);
	copy_str(p->specialty, sizeof p->specialty, sp__csv_field(t, idx[4]));
	copy_str(p->acgme_id, sizeof p->acgme_id, sp__csv_field(t, idx[5]));
	p->region = sp__catalog_division(state);
	for (int r = 0; r < SP_RATE_N; r++) {
		p->rates[r] = NAN;
		if (*sp__csv_field(t, idx[6 + r]) == '\0')
			continue;
		sp_status s =
		    sp__csv_double(t, idx[6 + r], 0, 1, &p->rates[r], err);
		if (s)
			return s;
	}
	long cycle;
	sp_status s = opt_long(t, idx[16], &cycle, err);
	if (s)
		return s;
	p->rate_cycle = (int)cycle;
	if (strstr(sp__csv_field(t, idx[17]), "specialty"))
		p->estimated |= 1u << SP_FIELD_SPECIALTY;
	return SP_OK;
}

/* Reads data/programs.csv into rows[i], the real programs of specialty
 * row v->v[i]; fails on a row whose specialty is unknown or that would
 * take a row past its published program count. */
static sp_status read_real(const spec_vec *v, prog_vec *rows, sp_err *err)
{
	sp__table tb;
	sp__csv *t = &tb.c;
	int *idx = tb.idx;
	sp_status s =
	    sp__table_open(&tb, "programs.csv", real_cols, REAL_NCOLS, err);
	while (!s && !(s = sp__csv_next(t, err)) && t->nf) {
		sp_program_info p;
		if ((s = real_row(t, idx, &p, err)))
			break;
		size_t i = 0;
		while (i < v->n && strcmp(v->v[i].code, p.specialty) != 0)
			i++;
		if (i == v->n) {
			s = sp__csv_err(t, err, SP_ENOTFOUND, idx[4],
			                "unknown specialty");
			break;
		}
		if ((int)rows[i].n >= v->v[i].programs) {
			s = sp__csv_err(t, err, SP_EINVAL, idx[4],
			                "more programs than NRMP counts");
			break;
		}
		if (!SP_VEC_PUSH(rows[i], p))
			s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
			                "out of memory");
	}
	sp__table_close(&tb);
	return s;
}

/* A measured program's interview level: the probit of the mean of its
 * MD and DO rates (those it has); NAN when it has neither. */
static double interview_level(const sp_program_info *p)
{
	double sum = 0;
	int n = 0;
	for (int r = SP_RATE_MD; r <= SP_RATE_DO; r++)
		if (!isnan(p->rates[r])) {
			sum += p->rates[r];
			n++;
		}
	if (!n)
		return NAN;
	double x = fmax(RATE_EPS, fmin(1 - RATE_EPS, sum / n));
	return gsl_cdf_ugaussian_Pinv(x);
}

/* The probit of a measured program's non-US IMG rate; NAN without it. */
static double img_level(const sp_program_info *p)
{
	double x = p->rates[SP_RATE_IMG];
	if (isnan(x))
		return NAN;
	return gsl_cdf_ugaussian_Pinv(fmax(RATE_EPS, fmin(1 - RATE_EPS, x)));
}

/* A program's level for selectivity: its US interview level plus its
 * IMG level (the row's mean `imean` where it has no IMG rate); NAN
 * without US rates. */
static double sel_level(const sp_program_info *p, double imean)
{
	double x = interview_level(p), y = img_level(p);
	return isnan(x) ? NAN : x + (isnan(y) ? imean : y);
}

/* Selectivity of the real programs of a row: minus their level,
 * standardized over the row's measured programs: a program that invites
 * a smaller share of its US applicants is sought after more, and at the
 * same US rates one that invites more of its non-US IMGs is sought after
 * less (it fills with them because US graduates seek it less; model
 * version 8, docs/catalog.md); 0 (typical) for programs without rates
 * or rows with fewer than two. */
static void real_selectivity(prog_vec *r)
{
	double sum = 0, sq = 0, isum = 0;
	int n = 0, ni = 0;
	for (size_t j = 0; j < r->n; j++) {
		double y = img_level(&r->v[j]);
		if (!isnan(y)) {
			isum += y;
			ni++;
		}
	}
	double imean = ni ? isum / ni : 0;
	for (size_t j = 0; j < r->n; j++) {
		double x = sel_level(&r->v[j], imean);
		if (!isnan(x)) {
			sum += x;
			sq += x * x;
			n++;
		}
	}
	double mean = n ? sum / n : 0;
	double sd = n > 1 ? sqrt(fmax(0, sq / n - mean * mean)) : 0;
	for (size_t j = 0; j < r->n; j++) {
		double x = sel_level(&r->v[j], imean);
		double sel = isnan(x) || sd <= 0 ? 0 : -(x - mean) / sd;
		r->v[j].selectivity =
		    round(fmax(-5, fmin(5, sel)) * 1000) / 1000;
	}
}

/* Share of a row's programs with a non-US IMG rate that interviewed any
 * (the row's sponsorship estimate for programs without that rate); the
 * synthetic share when none has the rate. */
static double row_visa_share(const spec *sp, const prog_vec *r)
{
	int n = 0, yes = 0;
	for (size_t j = 0; j < r->n; j++)
		if (!isnan(r->v[j].rates[SP_RATE_IMG])) {
			n++;
			yes += r->v[j].rates[SP_RATE_IMG] > 0;
		}
	return n ? (double)yes / n : visa_share(sp->code);
}

/* Fills the estimated fields of real program p (positions given). */
static void complete_real(sp_rng *rng, const spec *sp, double visa,
                          int positions, sp_program_info *p)
{
	unsigned est = (1u << SP_FIELD_POSITIONS) | (1u << SP_FIELD_SETTING) |
	               (1u << SP_FIELD_SELECTIVITY) | (1u << SP_FIELD_SLOTS) |
	               (1u << SP_FIELD_VISA) | (1u << SP_FIELD_STEP2);
	p->track = sp->track;
	p->positions = positions;
	p->setting = guess_setting(p->name);
	if (p->interview_slots <= 0) /* not fitted (read_fitted_slots) */
		p->interview_slots = positions * DEFAULT_SLOTS_PER_POSITION;
	bool sig_rates =
	    !isnan(p->rates[SP_RATE_GOLD]) || !isnan(p->rates[SP_RATE_SIGNAL]);
	p->accepts_signals = (sp->gold + sp->silver) > 0;
	if (p->accepts_signals && !sig_rates)
		est |= 1u << SP_FIELD_SIGNALS;
	double u = sp_rng_uniform(rng);
	if (!isnan(p->rates[SP_RATE_IMG]))
		p->sponsors_visa = p->rates[SP_RATE_IMG] > 0;
	else
		p->sponsors_visa = u < visa;
	double step2 = sp->step2_median +
	               p->selectivity * sp->step2_iqr / 1.35 * STEP2_SPREAD;
	p->step2_median = fmax(1, fmin(300, round(step2)));
	p->estimated |= est;
}

/* Draws a state with the frequencies of the real programs' states. */
static int draw_real_state(sp_rng *r, const long *count, long total)
{
	long u = total > 0 ? (long)sp_rng_below(r, (uint64_t)total) : 0;
	for (int i = 0; i < NSTATES; i++)
		if ((u -= count[i]) < 0)
			return i;
	return 0;
}

/* A program's positions (estimated) follow its interview volume: the
 * slots fitted to its own measured rates (read_fitted_slots), capped at
 * SIZE_CAP times the row's median; a program without fitted slots, and
 * every estimated row, weighs the median.  Every program gets at least
 * one position and the row sums to its published positions (apportion).
 * An equal split had given every Internal Medicine program 15 positions,
 * so a program fitted to interview 2 applicants (it interviews almost
 * none of the many who apply) could never fill; sized by volume, the
 * spread of sizes is of the order of Florida's published quotas
 * (docs/catalog.md).  Which program is large stays a guess. */
#define SIZE_CAP 3.0

static sp_status row_sizes(const spec *sp, const prog_vec *real, int *size)
{
	int n = sp->programs, k = (int)real->n, nw = 0;
	double *w = sp_malloc((size_t)n * sizeof *w);
	double *v = sp_malloc((size_t)n * sizeof *v);
	if (!w || !v) {
		sp_free(w);
		sp_free(v);
		return SP_ENOMEM;
	}
	for (int j = 0; j < k; j++)
		if (real->v[j].interview_slots > 0)
			v[nw++] = real->v[j].interview_slots;
	double med = nw ? median_of(v, (size_t)nw) : 1;
	for (int j = 0; j < n; j++) {
		double x = j < k && real->v[j].interview_slots > 0
		               ? real->v[j].interview_slots
		               : med;
		w[j] = SP_MIN(x, SIZE_CAP * med);
	}
	bool ok = sp->positions >= n && nw > 0 &&
	          apportion(size, w, n, sp->positions);
	if (!ok) /* equal split: the first positions % n get one more */
		for (int j = 0; j < n; j++)
			size[j] = sp->positions / n + (j < sp->positions % n);
	sp_free(w);
	sp_free(v);
	return SP_OK;
}

/* Writes specialty row sp (number `row`): its real programs, then the
 * estimated rows that bring it to the published program count, sharing
 * the published positions by interview volume (row_sizes). */
static sp_status real_specialty(sp_catalog *c, sqlite3_stmt *ins,
                                const spec *sp, size_t row, prog_vec *real,
                                const long *state_count, long nstates_total,
                                sp_err *err)
{
	int n = sp->programs, k = (int)real->n;
	int *size = sp_malloc((size_t)(n > 0 ? n : 1) * sizeof *size);
	if (!size || row_sizes(sp, real, size)) {
		sp_free(size);
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	}
	sp_rng r;
	sp_rng_seed(&r, REAL_SEED, (uint64_t)row + 1);
	real_selectivity(real);
	double visa = row_visa_share(sp, real);
	sp_status s = SP_OK;
	for (int j = 0; !s && j < k; j++) {
		sp_program_info *p = &real->v[j];
		complete_real(&r, sp, visa, size[j], p);
		s = insert_program(c, ins, p, err);
	}
	for (int j = k; !s && j < n; j++) {
		sp_program_info p;
		draw_program(&r, sp, j, size[j], 0, &p);
		int si = draw_real_state(&r, state_count, nstates_total);
		copy_str(p.state, sizeof p.state, states[si].code);
		p.region = states[si].division;
		p.synthetic = 0;
		p.estimated = ALL_FIELDS;
		snprintf(p.code, sizeof p.code, "%s-E%04u", sp->code,
		         (unsigned)(j - k + 1) % 10000u);
		char name[256];
		snprintf(name, sizeof name,
		         "Unlisted %s%s program %d (estimated)", sp->family,
		         name_qualifier(sp), j - k + 1);
		copy_str(p.name, sizeof p.name, name);
		s = insert_program(c, ins, &p, err);
	}
	sp_free(size);
	return s;
}

/* The interview slots fitted to each measured program's rates
 * (data/program_fit.csv, smartpick calibrate --programs), where the build
 * embeds them: what the model uses, so what the catalog shows (still an
 * estimate). */
static sp_status read_fitted_slots(const spec_vec *v, prog_vec *rows,
                                   sp_err *err)
{
	static const char *const cols[] = {"program_code", "interview_slots"};
	if (!sp__data_file("program_fit.csv", NULL))
		return SP_OK;
	sp__strmap codes;
	sp__strmap_init(&codes);
	sp_status s = SP_OK;
	int32_t flat = 0;
	for (size_t i = 0; !s && i < v->n; i++)
		for (size_t j = 0; !s && j < rows[i].n; j++, flat++)
			if (!sp__strmap_put(&codes, rows[i].v[j].code, flat))
				s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
				                "out of memory");
	sp__table t;
	bool opened = !s;
	if (opened)
		s = sp__table_open(&t, "program_fit.csv", cols, 2, err);
	while (!s && sp__table_next(&t, &s, err)) {
		int32_t at = sp__strmap_get(&codes, sp__table_str(&t, 0));
		long slots;
		if ((s = sp__csv_long(&t.c, t.idx[1], 1, 1000000, &slots, err)))
			break;
		for (size_t i = 0; at != SP_NONE && i < v->n; i++) {
			if ((size_t)at < rows[i].n) {
				rows[i].v[at].interview_slots = (int)slots;
				break;
			}
			at -= (int32_t)rows[i].n;
		}
	}
	if (opened)
		sp__table_close(&t);
	sp__strmap_free(&codes);
	return s;
}

/* Inserts every row's programs (inside the caller's transaction). */
static sp_status insert_real(sp_catalog *c, const spec_vec *v, prog_vec *rows,
                             sp_err *err)
{
	long count[NSTATES] = {0}, total = 0;
	for (size_t i = 0; i < v->n; i++)
		for (size_t j = 0; j < rows[i].n; j++) {
			for (int k = 0; k < NSTATES; k++)
				if (!strcmp(states[k].code, rows[i].v[j].state))
					count[k]++;
			total++;
		}
	sqlite3_stmt *ins = NULL;
	sp_status s = prep(c, insert_program_sql, &ins, err);
	for (size_t i = 0; !s && i < v->n; i++)
		s = real_specialty(c, ins, &v->v[i], i, &rows[i], count, total,
		                   err);
	sqlite3_finalize(ins);
	return s;
}

sp_status sp_catalog_init_real(sp_catalog *c, sp_err *err)
{
	sp__err_clear(err);
	spec_vec v = {0};
	prog_vec *rows = NULL;
	sp_status s = load_specs(&v, err);
	if (!s && !(rows = sp_calloc(v.n ? v.n : 1, sizeof *rows)))
		s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL, "out of memory");
	if (!s)
		s = read_real(&v, rows, err);
	if (!s)
		s = read_fitted_slots(&v, rows, err);
	long nreal = 0;
	for (size_t i = 0; !s && i < v.n; i++)
		nreal += (long)rows[i].n;
	bool open = false;
	if (!s && !(s = begin(c, err))) {
		open = true;
		if (!(s = exec_sql(c,
		                   "DELETE FROM programs; DELETE FROM params",
		                   err, "cannot clear the catalog")) &&
		    !(s = install_specs(c, &v, err)))
			s = insert_real(c, &v, rows, err);
	}
	char note[300], when[32];
	snprintf(note, sizeof note,
	         "REAL catalog: %ld programs from data/programs.csv (S96) "
	         "with their measured 2024 interview rates, and estimated "
	         "rows up to the NRMP 2025 counts; estimated fields are "
	         "marked (docs/catalog.md)",
	         nreal);
	now_iso(when, sizeof when);
	size_t plen = 0;
	const char *params = sp__data_file("params.csv", &plen);
	if (!s && !(s = recount(c, err)) &&
	    !(s = set_meta(c, "synthetic", "0", err)) &&
	    !(s = set_meta(c, "seed", "", err)) &&
	    !(s = set_meta(c, "created", when, err)) &&
	    !(s = set_meta(c, "note", note, err)) && params)
		s = load_params_csv(c, params, plen, "data/params.csv", err);
	if (open)
		s = finish(c, s, err);
	for (size_t i = 0; rows && i < v.n; i++)
		SP_VEC_FREE(rows[i]);
	sp_free(rows);
	SP_VEC_FREE(v);
	return s;
}

/* ------------------------------------------------------------------ */
/* Import.                                                             */

/* Columns of the import format; the first F_REQUIRED are required. */
enum {
	F_CODE,
	F_NAME,
	F_SPECIALTY,
	F_TRACK,
	F_STATE,
	F_POSITIONS,
	F_REGION,
	F_SETTING,
	F_SELECTIVITY,
	F_SLOTS,
	F_SIGNALS,
	F_VISA,
	F_STEP2,
	F_SYNTHETIC,
	F_CITY,
	F_ACGME,
	F_RATE0, /* SP_RATE_N columns, in sp_rate order */
	F_RATE_CYCLE = F_RATE0 + SP_RATE_N,
	F_ESTIMATED,
	F_N
};
#define F_REQUIRED 6

static const char *const import_cols[F_N] = {"code",
                                             "name",
                                             "specialty",
                                             "track",
                                             "state",
                                             "positions",
                                             "region",
                                             "setting",
                                             "selectivity",
                                             "interview_slots",
                                             "accepts_signals",
                                             "sponsors_visa",
                                             "step2_median",
                                             "synthetic",
                                             "city",
                                             "acgme_id",
                                             "rate_md",
                                             "rate_do",
                                             "rate_usimg",
                                             "rate_img",
                                             "rate_instate",
                                             "rate_outstate",
                                             "rate_gold",
                                             "rate_silver",
                                             "rate_signal",
                                             "rate_nosignal",
                                             "rate_cycle",
                                             "estimated"};

/* What the import needs to know of a specialty. */
typedef struct {
	char code[16];
	sp_track track;
	bool residual, signals;
	double step2_median;
} spec_key;

typedef SP_VEC(spec_key) spec_key_vec;

static sp_status load_spec_keys(sp_catalog *c, spec_key_vec *v, sp_err *err)
{
	sqlite3_stmt *st;
	sp_status s = prep(c,
	                   "SELECT code, track, kind, signals_gold + "
	                   "signals_silver, step2_median FROM specialties "
	                   "ORDER BY ord",
	                   &st, err);
	int rc;
	while (!s && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		spec_key k;
		copy_str(k.code, sizeof k.code, col_str(st, 0));
		int t = find_name(track_names, NTRACKS, col_str(st, 1));
		k.track = t < 0 ? SP_TRACK_CATEGORICAL : (sp_track)t;
		k.residual = strcmp(col_str(st, 2), "residual") == 0;
		k.signals = sqlite3_column_int(st, 3) > 0;
		k.step2_median = sqlite3_column_double(st, 4);
		if (!SP_VEC_PUSH(*v, k))
			s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
			                "out of memory");
	}
	if (!s && rc != SQLITE_DONE)
		s = db_fail(c, rc, err, "cannot read the specialties");
	sqlite3_finalize(st);
	return s;
}

static const spec_key *find_key(const spec_key_vec *v, const char *code)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i].code, code) == 0)
			return &v->v[i];
	return NULL;
}

/* State while importing one file. */
typedef struct {
	sp__csv t;
	int idx[F_N];
	spec_key_vec keys;
	sp__strmap seen; /* program code -> line */
	sp__arena arena; /* the codes */
} importer;

static bool cell_empty(const importer *im, int f)
{
	return *sp__csv_field(&im->t, im->idx[f]) == '\0';
}

static sp_status bad(const importer *im, sp_err *err, sp_status s, int f,
                     const char *fmt, ...) SP_PRINTF(5, 6);

static sp_status bad(const importer *im, sp_err *err, sp_status s, int f,
                     const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sp__csv_err(&im->t, err, s, im->idx[f], "%s", msg);
}

/* An optional integer column: the default when absent or empty. */
static sp_status opt_int(const importer *im, int f, long lo, long hi, long dflt,
                         int *out, sp_err *err)
{
	long v = dflt;
	if (!cell_empty(im, f)) {
		sp_status s = sp__csv_long(&im->t, im->idx[f], lo, hi, &v, err);
		if (s)
			return s;
	}
	*out = (int)v;
	return SP_OK;
}

static sp_status opt_double(const importer *im, int f, double lo, double hi,
                            double dflt, double *out, sp_err *err)
{
	double v = dflt;
	if (!cell_empty(im, f)) {
		sp_status s =
		    sp__csv_double(&im->t, im->idx[f], lo, hi, &v, err);
		if (s)
			return s;
	}
	*out = v == 0 ? 0 : v;
	return SP_OK;
}

static sp_status parse_code_name(const importer *im, sp_program_info *p,
                                 sp_err *err)
{
	char q[SP__QUOTE_SIZE];
	const char *code = sp__csv_field(&im->t, im->idx[F_CODE]);
	const char *name = sp__csv_field(&im->t, im->idx[F_NAME]);
	if (!sp__catalog_valid_code(code))
		return bad(im, err, SP_EPARSE, F_CODE,
		           "expected a program code of 1 to %zu letters, "
		           "digits, '.', '_', '/' or '-', got %s",
		           sizeof p->code - 1,
		           sp__csv_quote(q, sizeof q, code));
	int32_t first = sp__strmap_get(&im->seen, code);
	if (first != SP_NONE)
		return bad(im, err, SP_EDUP, F_CODE,
		           "duplicate program code %s (first on line %ld)",
		           sp__csv_quote(q, sizeof q, code), (long)first);
	size_t n = strlen(name);
	if (n == 0 || n >= sizeof p->name || !sp__catalog_clean_text(name))
		return bad(im, err, SP_EPARSE, F_NAME,
		           "expected a name of 1 to %zu bytes of UTF-8 text "
		           "without control characters, got %s",
		           sizeof p->name - 1,
		           sp__csv_quote(q, sizeof q, name));
	copy_str(p->code, sizeof p->code, code);
	copy_str(p->name, sizeof p->name, name);
	return SP_OK;
}

static sp_status parse_kind(const importer *im, const spec_key **key,
                            sp_program_info *p, sp_err *err)
{
	char q[SP__QUOTE_SIZE];
	const char *code = sp__csv_field(&im->t, im->idx[F_SPECIALTY]);
	*key = find_key(&im->keys, code);
	if (!*key)
		return bad(im, err, SP_ENOTFOUND, F_SPECIALTY,
		           "unknown specialty code %s (the codes are listed "
		           "by 'smartpick catalog show')",
		           sp__csv_quote(q, sizeof q, code));
	const char *track = sp__csv_field(&im->t, im->idx[F_TRACK]);
	int t = find_name(track_names, NTRACKS, track);
	if (t < 0)
		return bad(im, err, SP_ENOTFOUND, F_TRACK,
		           "unknown track %s (expected categorical, "
		           "preliminary, advanced, primary or reserved)",
		           sp__csv_quote(q, sizeof q, track));
	if (!(*key)->residual && (sp_track)t != (*key)->track)
		return bad(im, err, SP_EINVAL, F_TRACK,
		           "track %s does not fit specialty %s, whose "
		           "programs are %s",
		           sp__csv_quote(q, sizeof q, track), (*key)->code,
		           track_names[(*key)->track]);
	copy_str(p->specialty, sizeof p->specialty, (*key)->code);
	p->track = (sp_track)t;
	return SP_OK;
}

static sp_status parse_place(const importer *im, sp_program_info *p,
                             sp_err *err)
{
	char q[SP__QUOTE_SIZE];
	const char *state = sp__csv_field(&im->t, im->idx[F_STATE]);
	int div = sp__catalog_division(state);
	if (div == 0)
		return bad(im, err, SP_ENOTFOUND, F_STATE,
		           "unknown state %s (expected the two-letter postal "
		           "code, in capitals, of one of the 50 states, DC or "
		           "PR)",
		           sp__csv_quote(q, sizeof q, state));
	copy_str(p->state, sizeof p->state, state);
	sp_status s = opt_int(im, F_REGION, 1, 9, div, &p->region, err);
	if (s)
		return s;
	if (p->region != div)
		return bad(im, err, SP_EINVAL, F_REGION,
		           "region %d does not match state %s, which is in "
		           "census division %d (%s)",
		           p->region, p->state, div, division_names[div]);
	p->setting = DEFAULT_SETTING;
	if (!cell_empty(im, F_SETTING)) {
		const char *set = sp__csv_field(&im->t, im->idx[F_SETTING]);
		int g = find_name(setting_names, NSETTINGS, set);
		if (g < 0)
			return bad(im, err, SP_ENOTFOUND, F_SETTING,
			           "unknown setting %s (expected university, "
			           "community-university, community or "
			           "military)",
			           sp__csv_quote(q, sizeof q, set));
		p->setting = (sp_setting)g;
	}
	return SP_OK;
}

/* City, ACGME id, measured rates and provenance (all optional). */
static sp_status parse_v2(const importer *im, sp_program_info *p, sp_err *err)
{
	char q[SP__QUOTE_SIZE];
	const char *city = sp__csv_field(&im->t, im->idx[F_CITY]);
	if (strlen(city) >= sizeof p->city || !sp__catalog_clean_text(city))
		return bad(im, err, SP_EPARSE, F_CITY,
		           "expected a city of at most %zu bytes of UTF-8 "
		           "text without control characters, got %s",
		           sizeof p->city - 1,
		           sp__csv_quote(q, sizeof q, city));
	const char *acgme = sp__csv_field(&im->t, im->idx[F_ACGME]);
	bool ok = strlen(acgme) < sizeof p->acgme_id;
	for (const char *a = acgme; ok && *a; a++)
		ok = (*a >= '0' && *a <= '9') || (*a >= 'A' && *a <= 'Z');
	if (!ok)
		return bad(im, err, SP_EPARSE, F_ACGME,
		           "expected an ACGME id of at most %zu digits or "
		           "capital letters, got %s",
		           sizeof p->acgme_id - 1,
		           sp__csv_quote(q, sizeof q, acgme));
	copy_str(p->city, sizeof p->city, city);
	copy_str(p->acgme_id, sizeof p->acgme_id, acgme);
	sp_status s;
	for (int r = 0; r < SP_RATE_N; r++)
		if ((s = opt_double(im, F_RATE0 + r, 0, 1, NAN, &p->rates[r],
		                    err)))
			return s;
	if ((s = opt_int(im, F_RATE_CYCLE, 2000, 2100, 0, &p->rate_cycle, err)))
		return s;
	const char *est = sp__csv_field(&im->t, im->idx[F_ESTIMATED]);
	size_t at;
	if (!parse_estimated(est, &p->estimated, &at))
		return bad(im, err, SP_EPARSE, F_ESTIMATED,
		           "unknown or repeated field at byte %zu of %s "
		           "(expected field names joined by ';': name, city, "
		           "state, specialty, positions, setting, selectivity, "
		           "interview_slots, accepts_signals, sponsors_visa, "
		           "step2_median)",
		           at + 1, sp__csv_quote(q, sizeof q, est));
	return SP_OK;
}

/* Reads and validates the current record into p. */
static sp_status parse_row(const importer *im, sp_program_info *p, sp_err *err)
{
	memset(p, 0, sizeof *p);
	const spec_key *key;
	long positions;
	sp_status s;
	if ((s = parse_code_name(im, p, err)) ||
	    (s = parse_kind(im, &key, p, err)) ||
	    (s = parse_place(im, p, err)) ||
	    (s = sp__csv_long(&im->t, im->idx[F_POSITIONS], 1,
	                      SP__CATALOG_MAX_POSITIONS, &positions, err)))
		return s;
	p->positions = (int)positions;
	if ((s = opt_double(im, F_SELECTIVITY, -SP__CATALOG_MAX_SELECTIVITY,
	                    SP__CATALOG_MAX_SELECTIVITY, 0, &p->selectivity,
	                    err)) ||
	    (s = opt_int(im, F_SLOTS, 1, SP__CATALOG_MAX_SLOTS,
	                 (long)positions * DEFAULT_SLOTS_PER_POSITION,
	                 &p->interview_slots, err)) ||
	    (s = opt_int(im, F_SIGNALS, 0, 1, key->signals, &p->accepts_signals,
	                 err)) ||
	    (s = opt_int(im, F_VISA, 0, 1, 0, &p->sponsors_visa, err)) ||
	    (s = opt_double(im, F_STEP2, SP__CATALOG_MIN_STEP2,
	                    SP__CATALOG_MAX_STEP2, key->step2_median,
	                    &p->step2_median, err)) ||
	    (s = opt_int(im, F_SYNTHETIC, 0, 1, 0, &p->synthetic, err)))
		return s;
	return parse_v2(im, p, err);
}

/* Remembers the current row's code for the duplicate check. */
static sp_status remember(importer *im, const sp_program_info *p, sp_err *err)
{
	char *key = sp__arena_strdup(&im->arena, p->code, strlen(p->code));
	if (!key || !sp__strmap_put(&im->seen, key, (int32_t)im->t.line))
		return sp__err_set(err, SP_ENOMEM, im->t.name, im->t.line, NULL,
		                   "out of memory");
	return SP_OK;
}

/* Reads every row and inserts it; *nsynth counts synthetic rows. */
static sp_status import_rows(sp_catalog *c, importer *im, long *nrows,
                             long *nsynth, sp_err *err)
{
	sqlite3_stmt *ins;
	sp_status s = prep(c, insert_program_sql, &ins, err);
	*nrows = *nsynth = 0;
	while (!s && !(s = sp__csv_next(&im->t, err)) && im->t.nf) {
		sp_program_info p;
		if (*nrows == SP__CATALOG_MAX_PROGRAMS) {
			s = sp__csv_err(&im->t, err, SP_ELIMIT, -1,
			                "more than %d programs",
			                SP__CATALOG_MAX_PROGRAMS);
			break;
		}
		if ((s = parse_row(im, &p, err)) || (s = remember(im, &p, err)))
			break;
		s = insert_program(c, ins, &p, err);
		if (s) /* the row passed validation: name it anyway */
			s = sp__err_set(err, s, im->t.name, im->t.line, NULL,
			                "%s", err ? err->msg : "");
		++*nrows;
		*nsynth += p.synthetic;
	}
	sqlite3_finalize(ins);
	return s;
}

/* Records an import in the meta table. */
static sp_status import_meta(sp_catalog *c, const char *name, long nsynth,
                             sp_err *err)
{
	char when[32], note[400];
	now_iso(when, sizeof when);
	snprintf(note, sizeof note,
	         nsynth ? "imported from %s (%ld rows marked synthetic)"
	                : "imported from %s",
	         name, nsynth);
	sp_status s;
	if ((s = set_meta(c, "synthetic", nsynth ? "1" : "0", err)) ||
	    (s = set_meta(c, "seed", "", err)) ||
	    (s = set_meta(c, "created", when, err)))
		return s;
	return set_meta(c, "note", note, err);
}

sp_status sp__catalog_import_mem(sp_catalog *c, const char *buf, size_t len,
                                 const char *name, sp_err *err)
{
	sp__err_clear(err);
	if (!name)
		name = "<memory>";
	importer im;
	memset(&im, 0, sizeof im);
	sp__csv_init(&im.t, buf, len, name);
	sp__strmap_init(&im.seen);
	sp__arena_init(&im.arena);
	long nrows = 0, nsynth = 0;
	sp_status s = sp__csv_header(&im.t, import_cols, F_N, F_REQUIRED, false,
	                             im.idx, err);
	if (!s)
		s = begin(c, err);
	if (!s) {
		if (!(s = load_spec_keys(c, &im.keys, err)) &&
		    !(s = exec_sql(c, "DELETE FROM programs", err,
		                   "cannot clear the programs")) &&
		    !(s = import_rows(c, &im, &nrows, &nsynth, err)) &&
		    nrows == 0)
			s = sp__err_set(err, SP_EPARSE, name, 0, NULL,
			                "no programs after the header (an "
			                "import replaces the whole catalog, "
			                "so it needs at least one row)");
		if (!s && !(s = recount(c, err)))
			s = import_meta(c, name, nsynth, err);
		s = finish(c, s, err);
	}
	SP_VEC_FREE(im.keys);
	sp__strmap_free(&im.seen);
	sp__arena_free(&im.arena);
	sp__csv_free(&im.t);
	return s;
}

sp_status sp_catalog_import_csv(sp_catalog *c, const char *path, sp_err *err)
{
	sp__err_clear(err);
	char *buf;
	size_t len;
	sp_status s = sp__io_read_file(path, &buf, &len, err);
	if (s)
		return s;
	s = sp__catalog_import_mem(c, buf, len, path, err);
	sp_free(buf);
	return s;
}

/* ------------------------------------------------------------------ */
/* Export.                                                             */

/* Writes a CSV field, quoted when it holds a comma, quote or line end. */
static void put_field(sp__out *o, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
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

static void put_double(sp__out *o, double v)
{
	char buf[40];
	format_double(buf, sizeof buf, v);
	sp__out_str(o, buf);
}

static void put_program(sp__out *o, const sp_program_info *p)
{
	put_field(o, p->code);
	sp__out_char(o, ',');
	put_field(o, p->name);
	sp__out_char(o, ',');
	put_field(o, p->specialty);
	sp__out_char(o, ',');
	sp__out_str(o, track_names[p->track]);
	sp__out_char(o, ',');
	put_field(o, p->state);
	sp__out_char(o, ',');
	sp__out_int(o, p->region);
	sp__out_char(o, ',');
	sp__out_str(o, setting_names[p->setting]);
	sp__out_char(o, ',');
	sp__out_int(o, p->positions);
	sp__out_char(o, ',');
	put_double(o, p->selectivity);
	sp__out_char(o, ',');
	sp__out_int(o, p->interview_slots);
	sp__out_char(o, ',');
	sp__out_int(o, p->accepts_signals);
	sp__out_char(o, ',');
	sp__out_int(o, p->sponsors_visa);
	sp__out_char(o, ',');
	put_double(o, p->step2_median);
	sp__out_char(o, ',');
	sp__out_int(o, p->synthetic);
	sp__out_char(o, ',');
	put_field(o, p->city);
	sp__out_char(o, ',');
	put_field(o, p->acgme_id);
	for (int r = 0; r < SP_RATE_N; r++) {
		sp__out_char(o, ',');
		if (!isnan(p->rates[r]))
			put_double(o, p->rates[r]);
	}
	sp__out_char(o, ',');
	if (p->rate_cycle)
		sp__out_int(o, p->rate_cycle);
	char est[256];
	format_estimated(p->estimated, est, sizeof est);
	sp__out_char(o, ',');
	sp__out_str(o, est);
	sp__out_char(o, '\n');
}

sp_status sp_catalog_export_csv(sp_catalog *c, FILE *f, sp_err *err)
{
	sp__err_clear(err);
	sqlite3_stmt *st;
	sp_status s = prep(c,
	                   "SELECT " PROGRAM_COLUMNS " FROM programs ORDER BY "
	                   "id",
	                   &st, err);
	if (s)
		return s;
	sp__out *o = sp_malloc(sizeof *o);
	if (!o) {
		sqlite3_finalize(st);
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	}
	sp__out_init(o, f);
	sp__out_str(o, "code,name,specialty,track,state,region,setting,"
	               "positions,selectivity,interview_slots,accepts_signals,"
	               "sponsors_visa,step2_median,synthetic,city,acgme_id,"
	               "rate_md,rate_do,rate_usimg,rate_img,rate_instate,"
	               "rate_outstate,rate_gold,rate_silver,rate_signal,"
	               "rate_nosignal,rate_cycle,estimated\n");
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sp_program_info p;
		read_program(st, &p);
		if ((s = sp__catalog_check_program(&p, c->path, err)))
			break;
		put_program(o, &p);
	}
	if (!s && rc != SQLITE_DONE)
		s = db_fail(c, rc, err, "cannot read the programs");
	sqlite3_finalize(st);
	if (!sp__out_flush(o) && !s)
		s = sp__err_set(err, SP_EIO, NULL, 0, NULL,
		                "cannot write the CSV: %s", strerror(errno));
	sp_free(o);
	return s;
}

/* ------------------------------------------------------------------ */
/* Reading the catalog.                                                */

sp_status sp_catalog_specialties(sp_catalog *c, sp_specialty_info **out,
                                 size_t *n, sp_err *err)
{
	sp__err_clear(err);
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st;
	sp_status s = prep(c,
	                   "SELECT code, name, family, track, pgy2, programs, "
	                   "positions, signals_gold, signals_silver FROM "
	                   "specialties ORDER BY ord",
	                   &st, err);
	SP_VEC(sp_specialty_info) v = {0};
	int rc = SQLITE_DONE;
	while (!s && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		sp_specialty_info si;
		memset(&si, 0, sizeof si);
		copy_str(si.code, sizeof si.code, col_str(st, 0));
		copy_str(si.name, sizeof si.name, col_str(st, 1));
		copy_str(si.family, sizeof si.family, col_str(st, 2));
		si.track =
		    (sp_track)find_name(track_names, NTRACKS, col_str(st, 3));
		si.pgy2 = sqlite3_column_int(st, 4);
		si.programs = sqlite3_column_int(st, 5);
		si.positions = sqlite3_column_int(st, 6);
		si.signals_gold = sqlite3_column_int(st, 7);
		si.signals_silver = sqlite3_column_int(st, 8);
		if ((s = sp__catalog_check_specialty(&si, c->path, err)))
			break;
		if (!SP_VEC_PUSH(v, si))
			s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
			                "out of memory");
	}
	if (!s && rc != SQLITE_DONE)
		s = db_fail(c, rc, err, "cannot read the specialties");
	sqlite3_finalize(st);
	if (s) {
		SP_VEC_FREE(v);
		return s;
	}
	*out = v.v;
	*n = v.n;
	return SP_OK;
}

sp_status sp_catalog_programs(sp_catalog *c, const char *specialty,
                              sp_program_info **out, size_t *n, sp_err *err)
{
	sp__err_clear(err);
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st;
	sp_status s;
	if (specialty) {
		long long known = 0;
		s = prep(c, "SELECT count(*) FROM specialties WHERE code = ?1",
		         &st, err);
		if (s)
			return s;
		bind_str(st, 1, specialty);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			known = sqlite3_column_int64(st, 0);
		else
			s = db_fail(c, rc, err, "cannot read the specialties");
		sqlite3_finalize(st);
		if (s)
			return s;
		if (!known) {
			char q[SP__QUOTE_SIZE];
			return sp__err_set(
			    err, SP_ENOTFOUND, NULL, 0, "specialty",
			    "unknown specialty code %s",
			    sp__csv_quote(q, sizeof q, specialty));
		}
		s = prep(c,
		         "SELECT " PROGRAM_COLUMNS " FROM programs WHERE "
		         "specialty = ?1 ORDER BY id",
		         &st, err);
		if (!s)
			bind_str(st, 1, specialty);
	} else {
		s = prep(c,
		         "SELECT " PROGRAM_COLUMNS " FROM programs ORDER BY id",
		         &st, err);
	}
	if (s)
		return s;
	SP_VEC(sp_program_info) v = {0};
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!SP_VEC_RESERVE(v, 1)) {
			s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
			                "out of memory");
			break;
		}
		read_program(st, &v.v[v.n]);
		if ((s = sp__catalog_check_program(&v.v[v.n++], c->path, err)))
			break;
	}
	if (!s && rc != SQLITE_DONE)
		s = db_fail(c, rc, err, "cannot read the programs");
	sqlite3_finalize(st);
	if (s) {
		SP_VEC_FREE(v);
		return s;
	}
	*out = v.v;
	*n = v.n;
	return SP_OK;
}

int sp_catalog_is_synthetic(sp_catalog *c)
{
	long long v = 0;
	if (query_int(c,
	              "SELECT CAST(value AS INTEGER) FROM meta WHERE key = "
	              "'synthetic'",
	              &v, NULL) != SP_OK)
		return 0;
	return v == 1;
}

/* ------------------------------------------------------------------ */
/* Fitted parameters.                                                  */

sp_status sp_catalog_param_get(sp_catalog *c, const char *name,
                               const char *specialty, double *value)
{
	if (!name)
		return SP_EINVAL;
	sqlite3_stmt *st;
	sp_status s = prep(c,
	                   "SELECT value FROM params WHERE name = ?1 AND "
	                   "specialty = ?2",
	                   &st, NULL);
	if (s)
		return s;
	bind_str(st, 1, name);
	bind_str(st, 2, specialty ? specialty : "");
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*value = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return isfinite(*value) ? SP_OK : SP_EPARSE;
	return rc == SQLITE_DONE ? SP_ENOTFOUND : status_of(rc);
}

/* Checks one parameter; `where` (file, line) names it in messages. */
static sp_status check_param(sp_catalog *c, const char *name,
                             const char *specialty, double value,
                             const char *file, long line, const char *what,
                             sp_err *err)
{
	char q[SP__QUOTE_SIZE];
	size_t n = strlen(name);
	if (n == 0 || n > SP_MAX_NAME || !sp__catalog_clean_text(name))
		return sp__err_set(err, SP_EINVAL, file, line, "name",
		                   "%sexpected a parameter name of 1 to %d "
		                   "bytes, got %s",
		                   what, SP_MAX_NAME,
		                   sp__csv_quote(q, sizeof q, name));
	if (!isfinite(value))
		return sp__err_set(err, SP_EINVAL, file, line, "value",
		                   "%sparameter %s is not a finite number",
		                   what, sp__csv_quote(q, sizeof q, name));
	if (!*specialty)
		return SP_OK;
	sqlite3_stmt *st;
	sp_status s =
	    prep(c, "SELECT 1 FROM specialties WHERE code = ?1", &st, err);
	if (s)
		return s;
	bind_str(st, 1, specialty);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return SP_OK;
	if (rc != SQLITE_DONE)
		return db_fail(c, rc, err, "cannot read the specialties");
	return sp__err_set(err, SP_ENOTFOUND, file, line, "specialty",
	                   "%sunknown specialty code %s for parameter %s", what,
	                   sp__csv_quote(q, sizeof q, specialty), name);
}

static const char upsert_param_sql[] =
    "INSERT INTO params (name, specialty, value, source) VALUES (?1, ?2, "
    "?3, ?4) ON CONFLICT (name, specialty) DO UPDATE SET value = "
    "excluded.value, source = excluded.source";

sp_status sp_catalog_params_set(sp_catalog *c, size_t n,
                                const char *const *names,
                                const char *const *specs, const double *vals,
                                sp_err *err)
{
	sp__err_clear(err);
	sp_status s = begin(c, err);
	if (s)
		return s;
	sqlite3_stmt *st = NULL;
	s = prep(c, upsert_param_sql, &st, err);
	for (size_t i = 0; !s && i < n; i++) {
		char what[48];
		const char *spec_code = specs && specs[i] ? specs[i] : "";
		snprintf(what, sizeof what, "parameter %zu: ", i);
		if (!names || !names[i]) {
			s = sp__err_set(err, SP_EINVAL, NULL, 0, "name",
			                "%sno name", what);
			break;
		}
		if ((s = check_param(c, names[i], spec_code, vals[i], NULL, 0,
		                     what, err)))
			break;
		bind_str(st, 1, names[i]);
		bind_str(st, 2, spec_code);
		sqlite3_bind_double(st, 3, vals[i]);
		bind_str(st, 4, "");
		s = step_done(c, st, err, "cannot write a parameter");
	}
	sqlite3_finalize(st);
	return finish(c, s, err);
}

static sp_status load_params_csv(sp_catalog *c, const char *buf, size_t len,
                                 const char *name, sp_err *err)
{
	static const char *const cols[] = {"name", "specialty", "value",
	                                   "source"};
	int idx[4];
	sp__csv t;
	sp__csv_init(&t, buf, len, name);
	sqlite3_stmt *st = NULL;
	sp_status s = sp__csv_header(&t, cols, 4, 4, true, idx, err);
	if (!s)
		s = prep(c, upsert_param_sql, &st, err);
	while (!s && !(s = sp__csv_next(&t, err)) && t.nf) {
		double v;
		const char *pname = sp__csv_field(&t, idx[0]);
		const char *spec_code = sp__csv_field(&t, idx[1]);
		const char *src = sp__csv_field(&t, idx[3]);
		if ((s = sp__csv_double(&t, idx[2], -1e300, 1e300, &v, err)) ||
		    (s = check_param(c, pname, spec_code, v, name, t.line, "",
		                     err)))
			break;
		if (!*src || !sp__catalog_clean_text(src)) {
			s = sp__csv_err(&t, err, SP_EPARSE, idx[3],
			                "every parameter needs a source");
			break;
		}
		bind_str(st, 1, pname);
		bind_str(st, 2, spec_code);
		sqlite3_bind_double(st, 3, v);
		bind_str(st, 4, src);
		s = step_done(c, st, err, "cannot write a parameter");
	}
	sqlite3_finalize(st);
	sp__csv_free(&t);
	return s;
}

/* ------------------------------------------------------------------ */
/* Market statistics for the advisor.  The table is created on first
 * use, so catalogs made before it existed need no migration; the key in
 * the meta table ties the rows to the programs and parameters they were
 * simulated from. */

static const char stats_sql[] =
    "CREATE TABLE IF NOT EXISTS program_stats (\n"
    "  program INTEGER PRIMARY KEY,\n"
    "  icm REAL NOT NULL, ics REAL NOT NULL, icn INTEGER NOT NULL,\n"
    "  mcm REAL NOT NULL, mcs REAL NOT NULL, mcn INTEGER NOT NULL,\n"
    "  filled REAL NOT NULL\n"
    ")";

static int stats_by_id(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = ((const sp__prog_stats *)b)->id;
	return (x > y) - (x < y);
}

sp_status sp__catalog_stats_get(sp_catalog *c, const char *key,
                                sp__prog_stats *st, size_t n, int *trials,
                                bool *found, sp_err *err)
{
	sp__err_clear(err);
	*found = false;
	sqlite3_stmt *q;
	sp_status s = prep(c,
	                   "SELECT (SELECT value FROM meta WHERE key = "
	                   "'stats_key'), (SELECT value FROM meta WHERE key = "
	                   "'stats_trials'), (SELECT count(*) FROM "
	                   "sqlite_master WHERE name = 'program_stats')",
	                   &q, err);
	if (s)
		return s;
	bool ok = false;
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		ok = sqlite3_column_int(q, 2) == 1 &&
		     !strcmp(col_str(q, 0), key);
		*trials = sqlite3_column_int(q, 1);
	} else if (rc != SQLITE_DONE) {
		s = db_fail(c, rc, err, "cannot read the catalog");
	}
	sqlite3_finalize(q);
	if (s || !ok || *trials < 1)
		return s;
	s = prep(c,
	         "SELECT program, icm, ics, icn, mcm, mcs, mcn, filled FROM "
	         "program_stats",
	         &q, err);
	if (s)
		return s;
	size_t seen = 0;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int32_t id = (int32_t)sqlite3_column_int64(q, 0);
		sp__prog_stats *p =
		    bsearch(&id, st, n, sizeof *st, stats_by_id);
		if (!p)
			continue;
		p->icm = sqlite3_column_double(q, 1);
		p->ics = sqlite3_column_double(q, 2);
		p->icn = sqlite3_column_int(q, 3);
		p->mcm = sqlite3_column_double(q, 4);
		p->mcs = sqlite3_column_double(q, 5);
		p->mcn = sqlite3_column_int(q, 6);
		p->filled = sqlite3_column_double(q, 7);
		/* Values no simulation gives: the cache is not used. */
		seen += sp__catalog_stats_ok(p, *trials) ? 1 : n + 1;
	}
	if (rc != SQLITE_DONE)
		s = db_fail(c, rc, err, "cannot read the market statistics");
	sqlite3_finalize(q);
	*found = !s && seen == n;
	return s;
}

sp_status sp__catalog_stats_put(sp_catalog *c, const char *key, int trials,
                                const sp__prog_stats *st, size_t n, sp_err *err)
{
	sp__err_clear(err);
	sp_status s = begin(c, err);
	if (s)
		return s;
	sqlite3_stmt *ins = NULL;
	if (!(s = exec_sql(c, stats_sql, err,
	                   "cannot create the statistics table")) &&
	    !(s = exec_sql(c, "DELETE FROM program_stats", err,
	                   "cannot clear the statistics")))
		s = prep(c,
		         "INSERT INTO program_stats (program, icm, ics, icn, "
		         "mcm, mcs, mcn, filled) VALUES (?1, ?2, ?3, ?4, ?5, "
		         "?6, ?7, ?8)",
		         &ins, err);
	for (size_t i = 0; !s && i < n; i++) {
		const sp__prog_stats *p = &st[i];
		sqlite3_bind_int64(ins, 1, p->id);
		sqlite3_bind_double(ins, 2, isfinite(p->icm) ? p->icm : 0);
		sqlite3_bind_double(ins, 3, p->ics);
		sqlite3_bind_int(ins, 4, p->icn);
		sqlite3_bind_double(ins, 5, isfinite(p->mcm) ? p->mcm : 0);
		sqlite3_bind_double(ins, 6, p->mcs);
		sqlite3_bind_int(ins, 7, p->mcn);
		sqlite3_bind_double(ins, 8, p->filled);
		s = step_done(c, ins, err, "cannot write the statistics");
	}
	sqlite3_finalize(ins);
	char num[24];
	snprintf(num, sizeof num, "%d", trials);
	if (!s)
		s = set_meta(c, "stats_key", key, err);
	if (!s)
		s = set_meta(c, "stats_trials", num, err);
	return finish(c, s, err);
}

const char *sp_division_name(int d)
{
	return d >= 1 && d <= 9 ? division_names[d] : "";
}

const char *sp_setting_name(sp_setting s)
{
	static const char *const names[] = {
	    "university", "community_university", "community", "military"};
	return (unsigned)s < 4 ? names[s] : "";
}

sp_status sp_catalog_apply_params(sp_catalog *c, sp_model *m, sp_err *err)
{
	size_t n = sp_model_nparams(m);
	for (size_t k = 0; k < n; k++) {
		const char *name, *code, *st;
		double v;
		sp_model_param_at(m, k, &name, &code, &v, &st);
		sp_status s = sp_catalog_param_get(c, name, code, &v);
		if (s == SP_ENOTFOUND)
			continue; /* not fitted here: the shipped value stays */
		if (!s)
			s = sp_model_param_set(m, name, code, v);
		if (s)
			return sp__err_set(
			    err, s, c->path, 0, name,
			    "fitted parameter %s%s%s cannot be used (%s); "
			    "refit it with 'smartpick calibrate' or rebuild "
			    "the "
			    "catalog with 'smartpick catalog init --force'",
			    name, *code ? " of " : "", code, sp_strerror(s));
	}
	return SP_OK;
}

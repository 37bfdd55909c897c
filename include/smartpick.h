/*
 * smartpick.h — the public API of libsmartpick.
 *
 * This header is the whole API: nothing else in include/ or src/ is a
 * promise.  The CLI (cli/) and the server (server/) include only this file.
 *
 * Conventions
 *   - Names: public functions and types start with sp_, macros with SP_.
 *   - Errors: fallible functions return sp_status (0 is SP_OK); a human
 *     message goes to a caller-supplied sp_err, which names the file, line
 *     and field when the error came from input.
 *   - Ownership is stated at each declaration: "borrows" (the callee keeps
 *     no reference), "takes" (the callee frees it), "gives" (the caller
 *     frees it, with the named function).  Every *_free accepts NULL.
 *   - The library never prints and never exits.
 */
#ifndef SMARTPICK_H
#define SMARTPICK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define SP_MUST_CHECK __attribute__((warn_unused_result))
#else
#define SP_MUST_CHECK
#endif

#define SP_VERSION "0.1.0"

/* ------------------------------------------------------------------ */
/* Status codes: one table gives the enum and sp_strerror().           */

#define SP_STATUS_MAP(X)                                    \
	X(OK, 0, "success")                                 \
	X(ENOMEM, 1, "out of memory")                       \
	X(EINVAL, 2, "invalid argument")                    \
	X(EIO, 3, "input/output error")                     \
	X(EPARSE, 4, "malformed input")                     \
	X(ELIMIT, 5, "input exceeds a hard limit")          \
	X(EDUP, 6, "duplicate entry")                       \
	X(ENOTFOUND, 7, "unknown name")                     \
	X(ECYCLE, 8, "circular reversions")                 \
	X(ENOSTABLE, 9, "no stable matching found")         \
	X(EUNSUPPORTED, 10, "not supported for this input") \
	X(EUNSTABLE, 11, "matching is not stable")

typedef enum {
#define SP_X_ENUM(name, code, text) SP_##name = code,
	SP_STATUS_MAP(SP_X_ENUM)
#undef SP_X_ENUM
} sp_status;

/* Returns a static English description of status s. */
const char *sp_strerror(sp_status s);

/* Error detail filled by fallible functions that read input.  `file` and
 * `line` are 0/empty when they do not apply. */
typedef struct {
	char file[256];
	long line;      /* 1-based; 0 when unknown */
	char field[64]; /* the column, key or token at fault */
	char msg[512];  /* the whole sentence, ready to print */
} sp_err;

/* ------------------------------------------------------------------ */
/* Hard caps on anything read from outside.                            */

#define SP_MAX_LINE         65536      /* bytes per text line */
#define SP_MAX_FILE         (1L << 30) /* bytes per input file */
#define SP_MAX_NAME         128        /* bytes per identifier */
#define SP_MAX_LIST         4096     /* entries per applicant or couple list */
#define SP_MAX_PROGRAM_LIST 200000   /* entries per program list */
#define SP_MAX_QUOTA        100000   /* positions per program */
#define SP_MAX_ENTITIES     10000000 /* programs or applicants per instance */
#define SP_MAX_JSON_DEPTH   64       /* nesting of JSON documents */

/* ------------------------------------------------------------------ */
/* Instances: programs, applicants, couples and their rank order lists. */

/* An instance of the matching problem.  Programs and applicants have
 * dense ids 0..n-1 assigned in order of creation and a unique name.
 * A program's rank order list ranks applicants (singles, couple members
 * and applicants with supplemental lists alike). */
typedef struct sp_inst sp_inst;

#define SP_NONE (-1) /* "no program" / "unmatched" in pairs and results */

typedef enum {
	SP_TRACK_CATEGORICAL = 0, /* full training, starts PGY-1 */
	SP_TRACK_PRELIMINARY = 1, /* PGY-1 only */
	SP_TRACK_ADVANCED = 2,    /* starts PGY-2; needs a PGY-1 elsewhere */
	SP_TRACK_PRIMARY = 3,     /* primary-care categorical */
	SP_TRACK_RESERVED = 4     /* physician (PGY-2 reserved) positions */
} sp_track;

/* Gives a new empty instance; free with sp_inst_free. */
sp_status sp_inst_new(sp_inst **out) SP_MUST_CHECK;
void sp_inst_free(sp_inst *in);

/* Adds a program.  `name` is borrowed (copied).  Fails with SP_EDUP when
 * the name exists, SP_EINVAL for a negative or oversized quota. */
sp_status sp_inst_add_program(sp_inst *in, const char *name, int quota,
                              int32_t *id) SP_MUST_CHECK;
/* Adds an applicant (single until placed in a couple). */
sp_status sp_inst_add_applicant(sp_inst *in, const char *name,
                                int32_t *id) SP_MUST_CHECK;

/* Looks a name up; returns its id or SP_NONE. */
int32_t sp_inst_find_program(const sp_inst *in, const char *name);
int32_t sp_inst_find_applicant(const sp_inst *in, const char *name);

/* Optional program attributes. */
void sp_inst_set_track(sp_inst *in, int32_t program, sp_track t);

/* Sets a single applicant's rank order list (most preferred first);
 * `programs` is borrowed.  Each applicant's list is set once.  Fails with
 * SP_EDUP on a repeated program or a second call, SP_ELIMIT past
 * SP_MAX_LIST, SP_EINVAL if the applicant is in a couple. */
sp_status sp_inst_set_rol(sp_inst *in, int32_t applicant,
                          const int32_t *programs, size_t n) SP_MUST_CHECK;

/* Makes applicants a and b a couple whose list is n ranked pairs:
 * pairs[2k] is a's program and pairs[2k+1] b's in the k-th choice,
 * SP_NONE meaning that partner goes unmatched.  A pair (SP_NONE, SP_NONE)
 * ends the list.  Neither applicant may have a list of its own. */
sp_status sp_inst_add_couple(sp_inst *in, const char *name, int32_t a,
                             int32_t b, const int32_t *pairs, size_t n,
                             int32_t *id) SP_MUST_CHECK;

/* Sets a program's rank order list of applicants.  Duplicates are
 * refused with SP_EDUP. */
sp_status sp_inst_set_program_rol(sp_inst *in, int32_t program,
                                  const int32_t *applicants,
                                  size_t n) SP_MUST_CHECK;

/* Adds a supplemental PGY-1 list for a single applicant: when the
 * applicant matches one of the `nadv` linked advanced programs on its
 * primary list, the engine then tries the `nprelim` PGY-1 programs in
 * order.  Failure to place it there never undoes the advanced match.
 * Each advanced program may be linked to at most one supplemental list
 * of a given applicant. */
sp_status sp_inst_add_supplemental(sp_inst *in, int32_t applicant,
                                   const int32_t *advanced, size_t nadv,
                                   const int32_t *prelim,
                                   size_t nprelim) SP_MUST_CHECK;

/* Adds a reversion: up to `count` positions of `donor` left unfilled
 * once the donor is done move to `receiver`.  Cycles among reversions
 * are refused later, by sp_match, with SP_ECYCLE. */
sp_status sp_inst_add_reversion(sp_inst *in, int32_t donor, int32_t receiver,
                                int count) SP_MUST_CHECK;

/* Builds the rank index sp_match and sp_verify need (each list entry
 * joined with the other side's rank: O(list entries)).  Without it, each
 * sp_match builds a private one; preparing once pays when an instance is
 * matched many times, and lets concurrent matches share it.  Any change
 * to the instance makes the index stale (it is rebuilt on the next
 * prepare).  The readers in sp_inst_read prepare what they read. */
sp_status sp_inst_prepare(sp_inst *in) SP_MUST_CHECK;

/* Read-only views. */
int32_t sp_inst_nprograms(const sp_inst *in);
int32_t sp_inst_napplicants(const sp_inst *in);
int32_t sp_inst_ncouples(const sp_inst *in);
const char *sp_inst_program_name(const sp_inst *in, int32_t p);
const char *sp_inst_applicant_name(const sp_inst *in, int32_t a);
const char *sp_inst_couple_name(const sp_inst *in, int32_t c);
int sp_inst_quota(const sp_inst *in, int32_t p);
sp_track sp_inst_track(const sp_inst *in, int32_t p);
/* The couple applicant a belongs to, or SP_NONE. */
int32_t sp_inst_couple_of(const sp_inst *in, int32_t a);
/* Members of couple c. */
void sp_inst_couple_members(const sp_inst *in, int32_t c, int32_t *a,
                            int32_t *b);
/* Borrowed views into the lists; valid until the instance changes. */
const int32_t *sp_inst_rol(const sp_inst *in, int32_t a, size_t *n);
const int32_t *sp_inst_couple_rol(const sp_inst *in, int32_t c, size_t *npairs);
const int32_t *sp_inst_program_rol(const sp_inst *in, int32_t p, size_t *n);
size_t sp_inst_nsupplementals(const sp_inst *in);
/* The k-th supplemental list: applicant, linked advanced programs and
 * PGY-1 programs (all borrowed views). */
void sp_inst_supplemental(const sp_inst *in, size_t k, int32_t *applicant,
                          const int32_t **adv, size_t *nadv,
                          const int32_t **prelim, size_t *nprelim);
size_t sp_inst_nreversions(const sp_inst *in);
void sp_inst_reversion(const sp_inst *in, size_t k, int32_t *donor,
                       int32_t *receiver, int *count);

/* ------------------------------------------------------------------ */
/* Matching.                                                           */

typedef enum {
	SP_PROPOSE_APPLICANTS = 0, /* Roth–Peranson, the NRMP's mode */
	SP_PROPOSE_PROGRAMS = 1    /* program-proposing; singles only */
} sp_side;

typedef struct {
	sp_side side;
	/* Couples are entered in input order unless seed != 0, in which
	 * case the order is shuffled from the seed, and again on each
	 * restart after a cycle. */
	uint64_t seed;
	/* A cycle is declared when one applicant is displaced more than
	 * cycle_limit times; 0 means the default (1000). */
	int cycle_limit;
	/* Restarts with a new couple order after a cycle; 0 means none.
	 * Restarts need seed != 0 to differ. */
	int max_restarts;
} sp_match_opts;

/* Default options: applicant-proposing, input order, no restarts. */
sp_match_opts sp_match_defaults(void);

/* Statistics of one run. */
typedef struct {
	long proposals;      /* applications examined */
	long displacements;  /* applicants bumped or withdrawn */
	long program_checks; /* program-stack examinations */
	int rounds;          /* couples phase: couples entered + re-entries */
	int cycles;          /* cycles detected (each caused a restart or
	                        the failure) */
	int restarts;        /* couple orders tried beyond the first */
	long reverted;       /* positions moved by reversions */
	int fallback;        /* 1 when the matching came from the KPR-style
	                        fallback after RP's repair cycled, 2 from
	                        the random walk over blocking pairs */
	int kpr_passes;      /* the fallback's top-down repair passes */
	int walk_steps;      /* steps of the random walk over blocking
	                        pairs (the last resort), all attempts */
} sp_match_stats;

/* A matching of an instance. */
typedef struct sp_matching sp_matching;

/* Runs the match.  Gives *out (free with sp_matching_free) on SP_OK and
 * also on SP_ENOSTABLE, where *out holds the matching with the fewest
 * violations found and sp_matching_stable() is 0; sp_verify() names
 * each violation.  SP_ECYCLE for circular reversions; SP_EUNSUPPORTED for
 * program-proposing with couples or supplemental lists. */
sp_status sp_match(const sp_inst *in, const sp_match_opts *opts,
                   sp_matching **out, sp_err *err) SP_MUST_CHECK;

/* Gives an empty matching (everyone unmatched) sized for `in`, for
 * readers of matchings. */
sp_status sp_matching_new(const sp_inst *in, sp_matching **out) SP_MUST_CHECK;
void sp_matching_free(sp_matching *m);

/* The applicant's primary program, or SP_NONE. */
int32_t sp_matching_program(const sp_matching *m, int32_t applicant);
/* The applicant's PGY-1 program from a supplemental list, or SP_NONE. */
int32_t sp_matching_supplemental(const sp_matching *m, int32_t applicant);
void sp_matching_set(sp_matching *m, int32_t applicant, int32_t program);
void sp_matching_set_supplemental(sp_matching *m, int32_t applicant,
                                  int32_t program);
/* Positions of program p after reversions (equals its quota when no
 * reversion touched it). */
int sp_matching_capacity(const sp_matching *m, int32_t p);
void sp_matching_set_capacity(sp_matching *m, int32_t p, int capacity);
/* Positions of p taken (primary and supplemental matches). */
int sp_matching_filled(const sp_matching *m, int32_t p);
int sp_matching_stable(const sp_matching *m);
const sp_match_stats *sp_matching_stats(const sp_matching *m);

/* ------------------------------------------------------------------ */
/* Verification.                                                       */

typedef enum {
	SP_V_OVER_QUOTA = 1,  /* program holds more than its capacity */
	SP_V_UNACCEPTABLE,    /* pair not ranked by both sides */
	SP_V_BLOCKING_PAIR,   /* single (or supplemental) + program */
	SP_V_BLOCKING_COUPLE, /* couple + one or two programs */
	SP_V_COUPLE_SPLIT,    /* couple not at a pair of its list */
	SP_V_SUPPLEMENTAL,    /* supplemental match without its link */
	SP_V_REVERSION        /* reversion accounting is wrong */
} sp_violation_kind;

typedef struct {
	sp_violation_kind kind;
	int32_t applicant; /* or couple id for SP_V_BLOCKING_COUPLE */
	int32_t program;   /* program, or first program of the pair */
	int32_t program2;  /* second program of the pair, or SP_NONE */
} sp_violation;

typedef struct sp_report sp_report;

/* Checks m against in: quotas (capacities after reversions),
 * acceptability, every blocking pair and blocking coalition,
 * supplemental and reversion accounting.  Runs in time linear in the
 * list sizes.  Gives *out; returns SP_OK when the check ran (the
 * matching may still be unstable: see sp_report_count). */
sp_status sp_verify(const sp_inst *in, const sp_matching *m,
                    sp_report **out) SP_MUST_CHECK;
void sp_report_free(sp_report *r);
size_t sp_report_count(const sp_report *r);
const sp_violation *sp_report_get(const sp_report *r, size_t k);
/* Writes a sentence describing v into buf (always terminated). */
void sp_violation_describe(const sp_inst *in, const sp_violation *v, char *buf,
                           size_t size);

/* ------------------------------------------------------------------ */
/* Reading and writing instances and matchings.                         */

typedef enum {
	SP_FMT_AUTO = 0, /* from the path: .rp, .json, or a directory */
	SP_FMT_RP,       /* stable-matching-suite r/c/p text, extended */
	SP_FMT_JSON,     /* one JSON document */
	SP_FMT_CSV       /* a directory of CSV files */
} sp_format;

/* Picks the format of `path` (a directory means CSV). */
sp_format sp_format_of_path(const char *path);
/* Parses "rp", "json" or "csv"; returns SP_FMT_AUTO when unknown. */
sp_format sp_format_parse(const char *name);

/* Reads an instance from path.  Gives *out on success. */
sp_status sp_inst_read(const char *path, sp_format fmt, sp_inst **out,
                       sp_err *err) SP_MUST_CHECK;
/* Reads an instance from a memory buffer (rp or json only); `name` is
 * used in error messages. */
sp_status sp_inst_read_mem(const char *buf, size_t len, sp_format fmt,
                           const char *name, sp_inst **out,
                           sp_err *err) SP_MUST_CHECK;
/* Writes an instance.  For SP_FMT_CSV `path` is a directory, created if
 * needed; files are written to temporaries and renamed into place. */
sp_status sp_inst_write(const sp_inst *in, const char *path, sp_format fmt,
                        sp_err *err) SP_MUST_CHECK;

/* An output file that appears whole or not at all (src/outfile.c): a
 * regular or new file is written to a temporary beside it and renamed
 * into place; a symbolic link is followed to its target; a device, FIFO,
 * "-" or /dev/stdout is written directly, never replaced.  Open gives the
 * stream *f to write to; commit flushes, checks every write, renames,
 * frees o, and fails with SP_EIO if anything was lost (`path` names the
 * output in messages); abort drops the temporary and frees o.  Both
 * accept NULL. */
typedef struct sp_outfile sp_outfile;
/* The library's JSON writer, for front ends that print JSON: s as a
 * JSON string (quoted, escaped, bytes that are not UTF-8 as U+FFFD) and
 * v as the shortest number that reads back exactly ("null" when not
 * finite).  SP_EIO when the stream failed. */
sp_status sp_json_fputs(const char *s, FILE *f) SP_MUST_CHECK;
sp_status sp_json_fputd(double v, FILE *f) SP_MUST_CHECK;
/* The same writer into a front end's own buffer: the text goes to
 * put(ctx, bytes, n) in pieces (put keeps any failure itself, so these
 * cannot fail).  With SP_JSON_HTML a string also has <, > and & written
 * as \u003c, \u003e and \u0026, so it is safe inside an HTML page. */
typedef void sp_json_put_fn(void *ctx, const char *s, size_t n);
#define SP_JSON_HTML 1u
void sp_json_put_str(sp_json_put_fn *put, void *ctx, const char *s, size_t len,
                     unsigned flags);
void sp_json_put_double(sp_json_put_fn *put, void *ctx, double v);
sp_status sp_outfile_open(const char *path, sp_outfile **o, FILE **f,
                          sp_err *err) SP_MUST_CHECK;
sp_status sp_outfile_commit(sp_outfile *o, const char *path,
                            sp_err *err) SP_MUST_CHECK;
void sp_outfile_abort(sp_outfile *o);

/* Writes a matching to a stream (rp: "m 1" then "r a p" lines; json: an
 * object; csv: applicant,program,supplemental rows). */
sp_status sp_matching_fwrite(const sp_inst *in, const sp_matching *m,
                             sp_format fmt, FILE *f) SP_MUST_CHECK;
/* Reads a matching for `in` from path (format as for instances; for CSV
 * the path is a file). */
sp_status sp_matching_read(const sp_inst *in, const char *path, sp_format fmt,
                           sp_matching **out, sp_err *err) SP_MUST_CHECK;
sp_status sp_matching_read_mem(const sp_inst *in, const char *buf, size_t len,
                               sp_format fmt, const char *name,
                               sp_matching **out, sp_err *err) SP_MUST_CHECK;

/* ------------------------------------------------------------------ */
/* Synthetic markets.                                                  */

typedef struct {
	uint64_t seed;
	int32_t napplicants; /* including couple members */
	int32_t ncouples;    /* couples among the applicants */
	int32_t nprograms;
	int32_t npositions;        /* spread over programs */
	int rol_len;               /* mean programs ranked by a single */
	int couple_rol_len;        /* mean pairs ranked by a couple */
	double correlation;        /* 0 = idiosyncratic, 1 = common views */
	int nregions;              /* geography for coherent couples */
	double supplemental_share; /* share of programs that are advanced */
	int reversions;            /* number of reversions to draw */
	/* Zero leaves each of these as it was before they existed. */
	double preliminary_share;   /* share of programs that are PGY-1 only
	                               (0: as many as advanced) */
	double advanced_applicants; /* share of singles who seek advanced
	                               positions; only they rank them (0:
	                               any single may) */
	int supplemental_len;       /* mean supplemental list length (0:
	                               about rol_len / 3) */
} sp_gen_opts;

/* Defaults: a small correlated market. */
sp_gen_opts sp_gen_defaults(void);
/* The national-scale defaults (2025 NRMP size; advanced positions,
 * supplemental lists and their lengths from data/supplemental.csv). */
sp_gen_opts sp_gen_national(void);
/* A deliberately hard national-size market for stress tests: every
 * single may rank advanced programs, so about 40% of applicants carry
 * supplemental lists (the national preset before it followed the
 * published figures). */
sp_gen_opts sp_gen_hard(void);
/* Gives a seeded synthetic instance; the same options give the same
 * instance on every machine. */
sp_status sp_gen(const sp_gen_opts *o, sp_inst **out,
                 sp_err *err) SP_MUST_CHECK;

/* ------------------------------------------------------------------ */
/* The program catalog (SQLite).  Schema: docs/catalog.md.              */

typedef struct sp_catalog sp_catalog;

/* The database path: `path` if not NULL, else $SMARTPICK_DB, else
 * "smartpick.db".  Returns a static or borrowed string. */
const char *sp_catalog_default_path(const char *path);

/* Opens (create != 0: creates if missing) the catalog at path and makes
 * sure its schema is current.  Gives *out; close with sp_catalog_close. */
sp_status sp_catalog_open(const char *path, int create, sp_catalog **out,
                          sp_err *err) SP_MUST_CHECK;
void sp_catalog_close(sp_catalog *c);

/* Replaces the catalog with the real one (the default): the programs of
 * the embedded data/programs.csv with their measured rates, and labelled
 * estimated rows that bring every specialty row to its published NRMP
 * 2025 program and position counts; estimated fields are marked
 * (docs/catalog.md).  Also installs the fitted parameters.  All or
 * nothing. */
sp_status sp_catalog_init_real(sp_catalog *c, sp_err *err) SP_MUST_CHECK;
/* Replaces the catalog with the synthetic one built from the cited
 * tables: per-specialty program and position counts equal the published
 * ones; everything else is drawn from `seed` and marked synthetic.  Also
 * installs the fitted model parameters shipped in data/.  One
 * transaction: on failure the database is unchanged. */
sp_status sp_catalog_init_synthetic(sp_catalog *c, uint64_t seed,
                                    sp_err *err) SP_MUST_CHECK;
/* Replaces the programs with those of a CSV file (columns in
 * docs/catalog.md), validated row by row; all or nothing. */
sp_status sp_catalog_import_csv(sp_catalog *c, const char *path,
                                sp_err *err) SP_MUST_CHECK;
/* Writes the programs as CSV in the import format (a round trip). */
sp_status sp_catalog_export_csv(sp_catalog *c, FILE *f,
                                sp_err *err) SP_MUST_CHECK;

typedef enum {
	SP_SETTING_UNIVERSITY = 0,
	SP_SETTING_COMMUNITY_UNIVERSITY = 1,
	SP_SETTING_COMMUNITY = 2,
	SP_SETTING_MILITARY = 3
} sp_setting;

/* Measured interview-offer rates of a program (sp_program_info.rates):
 * by applicant type, by the applicant's school in or out of the
 * program's state, by signal tier (gold/silver in two-tier specialties,
 * signal in one-tier ones). */
typedef enum {
	SP_RATE_MD = 0,
	SP_RATE_DO,
	SP_RATE_USIMG,
	SP_RATE_IMG, /* non-US IMGs */
	SP_RATE_INSTATE,
	SP_RATE_OUTSTATE,
	SP_RATE_GOLD,
	SP_RATE_SILVER,
	SP_RATE_SIGNAL, /* single-tier signal */
	SP_RATE_NOSIGNAL,
	SP_RATE_N
} sp_rate;

/* Program fields whose value may be estimated (sp_program_info.estimated
 * is a mask of 1u << f). */
typedef enum {
	SP_FIELD_NAME = 0,
	SP_FIELD_CITY,
	SP_FIELD_STATE,
	SP_FIELD_SPECIALTY, /* the specialty row, hence the track */
	SP_FIELD_POSITIONS,
	SP_FIELD_SETTING,
	SP_FIELD_SELECTIVITY,
	SP_FIELD_SLOTS,
	SP_FIELD_SIGNALS,
	SP_FIELD_VISA,
	SP_FIELD_STEP2,
	SP_FIELD_N
} sp_field;

/* One specialty track group as the catalog holds it (one row of
 * data/specialties_2025.csv plus signal allotments). */
typedef struct {
	char code[16];      /* e.g. "IM", "ANES-A" */
	char name[96];      /* as in the calibration data */
	char family[64];    /* groups PGY-1 and PGY-2 rows of a specialty */
	sp_track track;     /* categorical, preliminary, advanced, primary */
	int pgy2;           /* 1 for PGY-2 (advanced) tracks */
	int programs;       /* in the catalog */
	int positions;      /* in the catalog */
	int signals_gold;   /* ERAS 2025 allotment; 0 when none */
	int signals_silver; /* second tier; 0 when single-tier */
} sp_specialty_info;

typedef struct {
	int32_t id;         /* catalog row id */
	char code[24];      /* stable program code, e.g. "IM-0042" */
	char name[128];     /* the full published name (1 to 127 bytes) */
	char specialty[16]; /* sp_specialty_info.code */
	sp_track track;
	char state[3]; /* two-letter postal code */
	int region;    /* US census division 1..9 */
	sp_setting setting;
	int positions;
	double selectivity;  /* latent desirability, standard normal scale */
	int interview_slots; /* interviews offered per season: 1 or more
	                        in a catalog; SP_SLOTS_FROM_MODEL in the
	                        built-in one (see below) */
	int accepts_signals; /* 1 if the program takes ERAS signals */
	int sponsors_visa;   /* 1 if it sponsors H-1B or J-1 */
	double step2_median; /* Step 2 CK median of matched residents */
	int synthetic;       /* 1 when drawn, not published */
	/* Schema 2 (the real catalog, docs/catalog.md). */
	char city[64];     /* "" when unknown */
	char acgme_id[16]; /* ACGME program id; "" when unknown */
	/* The program's own interview-offer rates (0..1, share of its
	 * applicants of a group it invited), NAN where not measured; from
	 * the application cycle rate_cycle (0: no rates). */
	double rates[SP_RATE_N];
	int rate_cycle;
	/* Provenance: bit (1u << f) set when field f (sp_field) is
	 * estimated.  Rates are measured; a field not estimated is
	 * published, unless the row is synthetic (everything drawn). */
	unsigned estimated;
} sp_program_info;
/* interview_slots of the built-in synthetic catalog: the model's slots
 * per position times positions, following the fitted parameter.  Any
 * other value is the count itself (0: the program interviews nobody). */
#define SP_SLOTS_FROM_MODEL (-1)

/* A rate's column name as in the CSV and the database ("rate_md", ...);
 * "" otherwise. */
const char *sp_rate_name(sp_rate r);
/* A field's name as in the CSV ("positions", ...); "" otherwise. */
const char *sp_field_name(sp_field f);
/* Where field f of p comes from: "synthetic", "estimated" or
 * "published". */
const char *sp_program_provenance(const sp_program_info *p, sp_field f);

/* Gives the synthetic catalog of `seed` without a database, exactly the
 * programs sp_catalog_init_synthetic writes (same ids, in catalog
 * order), with the specialties: for tests, benchmarks and `simulate
 * --builtin`.  Free both arrays with sp_free. */
sp_status sp_catalog_synthetic(uint64_t seed, sp_specialty_info **specs,
                               size_t *nspecs, sp_program_info **progs,
                               size_t *nprogs, sp_err *err) SP_MUST_CHECK;
/* Gives the specialties (*n of them) in catalog order; free with
 * sp_free. */
sp_status sp_catalog_specialties(sp_catalog *c, sp_specialty_info **out,
                                 size_t *n, sp_err *err) SP_MUST_CHECK;
/* Gives the programs of one specialty code (NULL: all), by id; free
 * with sp_free. */
sp_status sp_catalog_programs(sp_catalog *c, const char *specialty,
                              sp_program_info **out, size_t *n,
                              sp_err *err) SP_MUST_CHECK;
/* The name of US census division d, 1..9 ("New England" ... "Pacific");
 * "" otherwise. */
const char *sp_division_name(int d);
/* A setting's name as profiles and the HTTP API spell it:
 * "university", "community_university", "community", "military"; ""
 * otherwise.  (The catalog's CSV writes "community-university".) */
const char *sp_setting_name(sp_setting s);

/* 1 when the catalog is the synthetic one. */
int sp_catalog_is_synthetic(sp_catalog *c);

/* Fitted model parameters by (name, specialty code or "" for global). */
sp_status sp_catalog_param_get(sp_catalog *c, const char *name,
                               const char *specialty,
                               double *value) SP_MUST_CHECK;
/* Sets many parameters in one transaction: names[i], specs[i], vals[i]. */
sp_status sp_catalog_params_set(sp_catalog *c, size_t n,
                                const char *const *names,
                                const char *const *specs, const double *vals,
                                sp_err *err) SP_MUST_CHECK;

/* ------------------------------------------------------------------ */
/* Market model and simulator.  The model is described, parameter by
 * parameter, in docs/model.md. */

/* A market: specialties, programs and the model's parameters. */
typedef struct sp_model sp_model;

typedef enum {
	SP_APPL_US_MD = 0,      /* US MD seniors */
	SP_APPL_US_DO = 1,      /* US DO seniors */
	SP_APPL_US_IMG = 2,     /* US-citizen IMGs */
	SP_APPL_NON_US_IMG = 3, /* non-US-citizen IMGs */
	SP_APPL_OTHER = 4,      /* prior US graduates, Canadians, others */
	SP_APPL_NTYPES = 5
} sp_appl_type;

/* "us_md", "us_do", "us_img", "non_us_img", "other". */
const char *sp_appl_type_name(sp_appl_type t);

/* Gives a model over the specialties and programs given (both borrowed:
 * copied).  Programs name their specialty by code.  The parameters
 * start at their defaults with the fitted values shipped in
 * data/params.csv applied.  Free with sp_model_free. */
sp_status sp_model_new(const sp_specialty_info *specs, size_t nspecs,
                       const sp_program_info *progs, size_t nprogs,
                       sp_model **out, sp_err *err) SP_MUST_CHECK;
void sp_model_free(sp_model *m);

/* Restricts the simulated market to the specialty families of the
 * given codes (any code of a family selects the whole family); n = 0
 * selects all.  Applicants are drawn for the whole country and those
 * whose preferred and backup families are all outside the selection
 * are left out, so a subset is the national model seen through it. */
sp_status sp_model_select(sp_model *m, const char *const *codes, size_t n,
                          sp_err *err) SP_MUST_CHECK;

/* Parameters: global ones have specialty "" (or NULL); per-family ones
 * are keyed by the family's code (e.g. "IM", "DR").  Fails with
 * SP_ENOTFOUND for an unknown name or code. */
sp_status sp_model_param_set(sp_model *m, const char *name,
                             const char *specialty, double value) SP_MUST_CHECK;
sp_status sp_model_param_get(const sp_model *m, const char *name,
                             const char *specialty,
                             double *value) SP_MUST_CHECK;
/* The k-th parameter (0 <= k < sp_model_nparams): name, specialty code
 * ("" when global), value, and its status: "fitted", "cited" or
 * "assumption".  Strings are borrowed from the model. */
size_t sp_model_nparams(const sp_model *m);
void sp_model_param_at(const sp_model *m, size_t k, const char **name,
                       const char **specialty, double *value,
                       const char **status);
/* Applies a params.csv (columns name,specialty,value,source; borrowed);
 * unknown names or codes are skipped and counted in *skipped. */
sp_status sp_model_params_load_csv(sp_model *m, const char *buf, size_t len,
                                   const char *name, size_t *skipped,
                                   sp_err *err) SP_MUST_CHECK;

/* Gives model m the fitted parameters the catalog holds (those it does
 * not hold keep their values): what simulate, calibrate and the advisor
 * run on.  Fails, naming the parameter, when one cannot be read or is
 * not a finite number (SP_EPARSE), or the database fails (SP_EIO); m
 * may then hold some of the catalog's values, so the caller drops it. */
sp_status sp_catalog_apply_params(sp_catalog *c, sp_model *m,
                                  sp_err *err) SP_MUST_CHECK;

/* One applicant, as the advisor sees them. */
typedef struct {
	sp_appl_type type;
	double step2;   /* USMLE Step 2 CK (COMLEX converted by the caller) */
	int research;   /* research items (abstracts, posters, papers) */
	char state[3];  /* home state; "" for none */
	int needs_visa; /* 1 when a visa is needed */
	int aoa;        /* Alpha Omega Alpha: 1 member, -1 not, 0 not said */
} sp_profile;

/* What the profile tells about the part of the applicant's strength that
 * Step 2, research and type leave open (letters, grades, interviews):
 * its mean and SD in units of that part's SD, given the profile's AOA
 * answer (0 and 1 when it gives none; docs/model.md, "AOA"). */
void sp_model_strength_given(const sp_model *m, const sp_profile *p,
                             double *shift, double *scale);

/* Program j's interview score of an applicant with this profile and a
 * given latent-strength deviation `eps` (in SDs of the strength noise;
 * 0 for the typical applicant of the profile) when the applicant sends
 * signal tier `tier` (0 none, 1 silver, 2 gold or single-tier signal):
 * the score is Normal(*mean, *sd).  The program invites applicants
 * whose score exceeds its cutoff (sp_sim_result_cutoff).  j indexes the
 * programs as given to sp_model_new.  Returns 0 (and leaves *mean at
 * -inf) when the profile cannot be invited there (visa). */
int sp_model_interview_score(const sp_model *m, int32_t j, const sp_profile *p,
                             double eps, int tier, double *mean, double *sd);
/* The SD of the latent strength noise (what `eps` is in units of). */
double sp_model_strength_sd(const sp_model *m);

typedef struct {
	uint64_t seed; /* trial t uses the stream (seed, t) */
	int trials;    /* >= 1 */
	int threads;   /* 0: all cores */
	/* Called from worker threads (serialised by the simulator) after
	 * each trial; may be NULL. */
	void (*progress)(void *ctx, int done, int total);
	void *progress_ctx;
} sp_sim_opts;

sp_sim_opts sp_sim_defaults(void);

/* Aggregated outcomes of the trials. */
typedef struct sp_sim_result sp_sim_result;

/* Runs o->trials seeded trials of the market on o->threads threads.
 * The result is identical for any thread count.  Gives *out (free with
 * sp_sim_result_free). */
sp_status sp_simulate(const sp_model *m, const sp_sim_opts *o,
                      sp_sim_result **out, sp_err *err) SP_MUST_CHECK;
void sp_sim_result_free(sp_sim_result *r);

/* Writes the result as one JSON object (by_group, by_specialty,
 * by_type, interview rates, timing) or as readable tables. */
sp_status sp_sim_result_write_json(const sp_sim_result *r,
                                   FILE *f) SP_MUST_CHECK;
sp_status sp_sim_result_write_table(const sp_sim_result *r,
                                    FILE *f) SP_MUST_CHECK;

/* Summary figures (means over trials). */
int sp_sim_result_trials(const sp_sim_result *r);
double sp_sim_result_ms_per_trial(const sp_sim_result *r);
/* Applicants per trial and the share matched, overall and by type. */
double sp_sim_result_applicants(const sp_sim_result *r, sp_appl_type t);
double sp_sim_result_match_rate(const sp_sim_result *r, sp_appl_type t);
/* Program j's interview cutoff (the score of the last applicant it
 * offered an interview, second round included) over the trials in
 * which it had more applicants than interview slots: mean and SD; *n
 * trials (0: never constrained, the cutoff is -inf). */
void sp_sim_result_cutoff(const sp_sim_result *r, int32_t j, double *mean,
                          double *sd, int *n);
/* Program j's simulated interview-offer rate for the group of measured
 * rate k (the share of its applications from that group that were
 * offered an interview, over all trials; NAN when none applied) and the
 * group's applications per trial.  Comparable with
 * sp_program_info.rates[k]. */
void sp_sim_result_program_rate(const sp_sim_result *r, int32_t j, sp_rate k,
                                double *rate, double *apps);
/* Program j's mean positions filled per trial. */
double sp_sim_result_filled(const sp_sim_result *r, int32_t j);
/* Program j's match cutoff: the program-side rank score (interview
 * score + rank noise) of the last applicant it matched, over the trials
 * in which it filled every position: mean and SD; *n trials (0: never
 * full, the cutoff is -inf — it takes anyone it ranks). */
void sp_sim_result_match_cutoff(const sp_sim_result *r, int32_t j, double *mean,
                                double *sd, int *n);

/* Per-program interview fit (src/progfit.c): each program with measured
 * rates gets interview slots and score offsets (per applicant type, and
 * for in-state applicants) fitted so that its simulated interview-offer
 * rates follow its own measured ones; a damped fixed-point iteration
 * over `iterations` simulations of `trials` seasons (seed, threads as in
 * sp_sim_opts).  0 takes the defaults (10 iterations, 4 trials, damping
 * 0.7).  The model shipped loads the result from data/program_fit.csv. */
typedef struct {
	int n;           /* programs compared */
	double mae;      /* median |measured - simulated|, as a fraction */
	double pearson;  /* correlation of measured and simulated */
	double spearman; /* rank correlation */
} sp_progfit_stat;

typedef struct {
	int iterations, trials, threads;
	uint64_t seed;
	double damping;
	/* After each simulation, before the step; may be NULL.  `st` is the
	 * fit of the US MD rates over all programs. */
	void (*progress)(void *ctx, int iteration, const sp_progfit_stat *st);
	void *progress_ctx;
} sp_progfit_opts;

sp_status sp_model_fit_programs(sp_model *m, const sp_progfit_opts *o,
                                sp_err *err) SP_MUST_CHECK;
/* Writes the fitted programs (those with measured rates) as
 * program_fit.csv: program_code, interview_slots, off_us_md, off_us_do,
 * off_us_img, off_non_us_img, off_instate, source. */
sp_status sp_model_program_fit_write_csv(const sp_model *m, FILE *f,
                                         const char *source) SP_MUST_CHECK;
/* Measured rate k against the simulated one over the programs of a
 * family (its code, e.g. "IM"; NULL: all) that have it and at least two
 * simulated applications of the group per season. */
sp_status sp_progfit_stats(const sp_model *m, const sp_sim_result *r,
                           const char *family, sp_rate k,
                           sp_progfit_stat *out) SP_MUST_CHECK;

/* The per-program fit figures of a simulation as a Markdown table (by
 * family and rate, then all programs). */
sp_status sp_progfit_report_write_md(const sp_model *m, const sp_sim_result *r,
                                     FILE *f) SP_MUST_CHECK;
/* Trials first .. first + count - 1 of o->seed (o->trials is ignored;
 * count 0 gives an empty result): one MPI rank's share of a simulation.
 * Merging the shares' counts gives sp_simulate's result exactly. */
sp_status sp_simulate_range(const sp_model *m, const sp_sim_opts *o, int first,
                            int count, sp_sim_result **out,
                            sp_err *err) SP_MUST_CHECK;
/* The result's counts as one vector of int64 sums over trials (adding
 * two results' vectors element by element merges them): writes them to
 * v when cap is large enough, and returns their number. */
size_t sp_sim_result_counts(const sp_sim_result *r, int64_t *v, size_t cap);
/* Replaces r's counts with v (n from sp_sim_result_counts of a result of
 * the same model); SP_EINVAL when n differs. */
sp_status sp_sim_result_set_counts(sp_sim_result *r, const int64_t *v,
                                   size_t n) SP_MUST_CHECK;
/* The timing the writers report: threads per process (0: as run), wall
 * time, and the sum of the trials' times (sp_sim_result_trial_ms). */
void sp_sim_result_set_timing(sp_sim_result *r, int threads, double wall_ms,
                              double trial_ms);
double sp_sim_result_trial_ms(const sp_sim_result *r);

/* A simulation in a few figures, over the selected specialties (means
 * per trial; rates are shares of applicants, outside applicants seen
 * only through a backup left out). */
typedef struct {
	double applicants;                 /* per trial */
	double matched;                    /* share matched anywhere */
	double match_rate[SP_APPL_NTYPES]; /* by applicant type */
	double unmatched;                  /* applicants per trial */
	double positions;                  /* offered per trial */
	double unfilled;                   /* positions per trial */
	double interviews_per_position;
	double applications_per_applicant;
} sp_sim_summary;
void sp_sim_result_summary(const sp_sim_result *r, sp_sim_summary *out);
/* Specialty families: k < sp_sim_result_nfamilies.  0 (and *code
 * "") for a family not simulated; else its code (borrowed from the
 * model) and the share of the applicants preferring it who matched in
 * it (NaN when none preferred it). */
int sp_sim_result_nfamilies(const sp_sim_result *r);
int sp_sim_result_family(const sp_sim_result *r, int k, const char **code,
                         double *matched_pref);

/* Probes: applicants of the advisor's making, inserted into every trial
 * of a simulation with a fixed application list and signals (for
 * `recommend --check`).  Each trial inserts `clones` independent copies
 * (own latent strength, own noise; they compete with each other like any
 * applicants); the population is drawn as usual. */
typedef struct {
	sp_profile profile;
	const int32_t *apps; /* program indexes (as given to sp_model_new) */
	const uint8_t *tier; /* signal tier per application (0, 1, 2) */
	size_t napps;
	/* Preference per application (higher is preferred); NULL: the
	 * model's own applicant utility. */
	const double *pref;
	int clones; /* >= 1 per trial */
} sp_probe;

typedef struct {
	long copies;      /* trials x clones */
	long matched;     /* copies matched anywhere */
	long interviewed; /* copies with at least one interview */
	/* Per application (napps entries, allocated by sp_simulate_probe,
	 * free with sp_free): copies interviewed there, matched there. */
	long *int_at, *match_at;
} sp_probe_result;

/* Runs o->trials trials with the probe inserted; the result is
 * identical for any thread count, and the population is drawn exactly as
 * by sp_simulate with the same seed (the copies draw from a stream of
 * their own; docs/model.md, "Probes").  Fails with SP_EINVAL, err.field
 * naming the field, unless: program indexes in range, distinct and in
 * the selected specialties; tiers 0..2; clones 1..1000; napps <= 2000;
 * finite preferences.  *out's arrays are owned by the caller. */
sp_status sp_simulate_probe(const sp_model *m, const sp_sim_opts *o,
                            const sp_probe *pr, sp_probe_result *out,
                            sp_err *err) SP_MUST_CHECK;

/* Calibration: fits the free parameters (marked "fitted") so that the
 * simulated market reproduces the cited targets, with GSL's
 * trust-region least squares over common random numbers. */
typedef struct sp_calib_batch sp_calib_batch; /* see sp_calib_batch_run */
typedef struct {
	uint64_t seed;  /* common random numbers */
	int trials;     /* per evaluation */
	int threads;    /* 0: all cores */
	int max_iter;   /* outer iterations of the optimizer */
	double fd_step; /* finite-difference step on the parameters */
	/* true: one evaluation per parameter for the Jacobian; false (the
	 * default): per-family parameters of one kind share evaluations
	 * (docs/model.md, Calibration). */
	int full_jacobian;
	/* Called after each evaluation; may be NULL. */
	void (*progress)(void *ctx, int evals, double cost);
	void *progress_ctx;
	/* Runs a batch of evaluations (the Jacobian's groups) elsewhere,
	 * e.g. spread over MPI ranks; NULL: one after another here. */
	sp_status (*batch)(void *ctx, sp_calib_batch *b, sp_err *err);
	void *batch_ctx;
	/* Runs the evaluations outside a batch (the trust region's steps,
	 * the report's), e.g. spread over MPI ranks; must give
	 * sp_simulate's result.  NULL: sp_simulate. */
	sp_status (*simulate)(const sp_model *m, const sp_sim_opts *o,
	                      sp_sim_result **out, sp_err *err);
} sp_calib_opts;

sp_calib_opts sp_calib_defaults(void);

typedef struct sp_calib_report sp_calib_report;

/* Fits m's parameters in place and gives the report (free with
 * sp_calib_report_free), target beside simulated for every target. */
sp_status sp_calibrate(sp_model *m, const sp_calib_opts *o,
                       sp_calib_report **out, sp_err *err) SP_MUST_CHECK;
/* The report only: m as it is, against every target. */
sp_status sp_calib_evaluate(const sp_model *m, const sp_calib_opts *o,
                            sp_calib_report **out, sp_err *err) SP_MUST_CHECK;
void sp_calib_report_free(sp_calib_report *r);
/* Targets met / all targets. */
size_t sp_calib_report_ntargets(const sp_calib_report *r);
size_t sp_calib_report_npassed(const sp_calib_report *r);
/* The weighted sum of squares at the start and at the end, and the
 * number of evaluations (simulations) the fit ran. */
void sp_calib_report_cost(const sp_calib_report *r, double *before,
                          double *after, int *evals);
/* Writes the report as Markdown (target beside simulated, pass/fail)
 * or as JSON. */
sp_status sp_calib_report_write_md(const sp_calib_report *r,
                                   FILE *f) SP_MUST_CHECK;
sp_status sp_calib_report_write_json(const sp_calib_report *r,
                                     FILE *f) SP_MUST_CHECK;
/* A batch (given to sp_calib_opts.batch, borrowed for the call): the
 * hook runs some points here with sp_calib_batch_run and writes the
 * others' residuals, brought from where they ran, at
 * sp_calib_batch_resid (all points' residuals are one array:
 * points x nresid doubles from point 0's).  Every point's residuals
 * depend on the point only, never on where or with how many threads it
 * ran. */
int sp_calib_batch_points(const sp_calib_batch *b);
size_t sp_calib_batch_nresid(const sp_calib_batch *b);
sp_status sp_calib_batch_run(sp_calib_batch *b, int i,
                             sp_err *err) SP_MUST_CHECK;
double *sp_calib_batch_resid(sp_calib_batch *b, int i);

/* Writes m's fitted parameters as data/params.csv (name, specialty,
 * value, source), `source` on every row. */
sp_status sp_model_params_write_csv(const sp_model *m, const char *source,
                                    FILE *f) SP_MUST_CHECK;

/* ------------------------------------------------------------------ */
/* Policy studies (src/study.c, docs/study.md): one lever of the market
 * (signals, an application cap, positions, applicant numbers or any
 * parameter) swept over values, a seeded simulation at each. */
typedef struct sp_study sp_study;

/* Reads a study spec (JSON; `name` names it in messages, borrowed):
 * errors name file, line and field.  Free with sp_study_free. */
sp_status sp_study_parse(const char *buf, size_t len, const char *name,
                         sp_study **out, sp_err *err) SP_MUST_CHECK;
void sp_study_free(sp_study *st);
int sp_study_nvalues(const sp_study *st);
/* Sets o's seed and trials to the study's. */
void sp_study_sim_opts(const sp_study *st, sp_sim_opts *o);
/* Value k on copies of the catalog the model is then built from
 * (signals, positions; SP_ENOTFOUND naming the spec's line for an
 * unknown specialty), and on the built model: its parameters (a cap,
 * applicants, a parameter) and the specialties simulated.  Call both,
 * in this order, for each k. */
sp_status sp_study_apply_catalog(const sp_study *st, int k,
                                 sp_specialty_info *specs, size_t ns,
                                 sp_program_info *progs, size_t np,
                                 sp_err *err) SP_MUST_CHECK;
sp_status sp_study_apply_model(const sp_study *st, int k, sp_model *m,
                               sp_err *err) SP_MUST_CHECK;
/* Keeps value k's outcome (r may be freed after). */
sp_status sp_study_record(sp_study *st, int k,
                          const sp_sim_result *r) SP_MUST_CHECK;
/* The recorded outcomes: tables (by applicant type; by specialty), a
 * tidy CSV (value, measure, group, estimate) and an SVG figure of the
 * match rate by applicant type against the value. */
sp_status sp_study_write_table(const sp_study *st, FILE *f) SP_MUST_CHECK;
sp_status sp_study_write_csv(const sp_study *st, FILE *f) SP_MUST_CHECK;
sp_status sp_study_write_svg(const sp_study *st, FILE *f) SP_MUST_CHECK;

/* ------------------------------------------------------------------ */
/* Portfolios (src/portfolio.c): which options to take when only the best
 * success counts.  Option j succeeds with probability p_j and is then
 * worth value_j >= 0 (the outside option is worth 0); the portfolio's
 * value is E[max value over its successful options].  The design
 * comment in src/portfolio.c says which solvers are exact. */

typedef struct {
	double p;     /* success probability, in [0, 1] */
	double value; /* worth when it is the best success, >= 0 */
	int64_t cost; /* for budgets: a non-negative integer */
} sp_option;

/* v(X) for the k distinct options set[0..k) (independent outcomes). */
double sp_portfolio_value(const sp_option *o, const int32_t *set, size_t k);

/* Cardinality: Kapur's greedy with the elimination transform, exact for
 * independent outcomes and equal costs.  Fills order[0..h) (h <= n) so
 * that for every i <= h the first i options are an optimal portfolio of
 * size i, and curve[i-1] its value.  Ties in gain go to the lower
 * index.  O(n h). */
sp_status sp_portfolio_order(const sp_option *o, size_t n, size_t h,
                             int32_t *order, double *curve,
                             sp_err *err) SP_MUST_CHECK;

/* Budget: the exact dynamic programme over spending (integer costs),
 * O(n budget) time, n (budget + 1) bits.  Gives the chosen options in
 * chosen[0..*k) (ascending index; room for n) and their value.  A budget
 * above the sum of the costs counts as that sum.  SP_ELIMIT when
 * n * (budget + 1) exceeds 2^30. */
sp_status sp_portfolio_budget(const sp_option *o, size_t n, int64_t budget,
                              int32_t *chosen, size_t *k, double *value,
                              sp_err *err) SP_MUST_CHECK;

/* Correlated outcomes: K scenarios (the nodes of an integral over the
 * applicant's latent strength) with weights w[0..K) summing to 1; in
 * scenario s option j succeeds with probability p[s * n + j],
 * independently of the others given s.  value[j] as above. */
typedef struct {
	size_t n, k;
	const double *w;     /* k */
	const double *p;     /* k * n */
	const double *value; /* n */
} sp_mixture;

/* E over scenarios of v_s(X). */
double sp_mixture_value(const sp_mixture *mx, const int32_t *set, size_t len);
/* Greedy by exact marginal value under the mixture: order[0..h) and
 * curve[i-1] = value of the first i.  Options in fixed[0..nfixed) come
 * first (e.g. the signalled programs).  Not guaranteed optimal under
 * correlation (see src/portfolio.c); checked against brute force. */
sp_status sp_mixture_order(const sp_mixture *mx, const int32_t *fixed,
                           size_t nfixed, size_t h, int32_t *order,
                           double *curve, sp_err *err) SP_MUST_CHECK;
/* Improves set[0..len) in place by best-improvement single swaps with
 * options outside it (keeping the first nfixed) until none helps;
 * gives its value.  O(K n len) per swap.  NaN (set untouched) for an
 * invalid mixture or a set with repeats or options out of range; out of
 * memory leaves the set as it was and gives its value. */
double sp_mixture_improve(const sp_mixture *mx, int32_t *set, size_t len,
                          size_t nfixed);

/* Signals: exact allocation of at most `gold` gold and `silver` silver
 * signals over n candidates, at most one each, maximizing the sum of
 * separable gains gain[3 j + t] (t: 0 none, 1 silver, 2 gold).  Gives
 * tier[j] and the total.  O(n gold silver). */
sp_status sp_signal_alloc(const double *gain, size_t n, int gold, int silver,
                          uint8_t *tier, double *total,
                          sp_err *err) SP_MUST_CHECK;

/* The raw portfolio problem as JSON (`smartpick portfolio`, the HTTP
 * API): {"options":[{"id":"a","p":0.39,"value":200,"cost":3},...],
 * "count":3} or "budget":8.  Writes {"chosen":[ids],"value":V}, or with
 * `curve` (count only) {"curve":[{"count":1,"added":id,"chosen":[...],
 * "value":V},...]} for counts 1..count, into a malloc'd string (free
 * with sp_free).  Ids are listed in input order.  docs/portfolio.md has
 * the format and caps.  Errors name line, column and field
 * ("name:3:17: options[2].p: must be a number between 0 and 1"); `name`
 * is used in messages. */
sp_status sp_portfolio_json(const char *json, size_t len, const char *name,
                            int curve, char **out, size_t *outlen,
                            sp_err *err) SP_MUST_CHECK;

/* ------------------------------------------------------------------ */
/* The advisor (src/advise.c): one applicant's recommended list.  The
 * profile format is docs/profile.md; the report's JSON is described
 * there too. */

typedef struct sp_advisor sp_advisor;

/* Loads everything a recommendation needs from the catalog (programs,
 * fitted parameters, the market statistics; computing and storing the
 * statistics first if the catalog has none).  The advisor is read-only
 * afterwards: sp_recommend_json may run on many threads at once. */
sp_status sp_advisor_open(sp_catalog *c, sp_advisor **out,
                          sp_err *err) SP_MUST_CHECK;
void sp_advisor_free(sp_advisor *a);
/* Simulates `trials` seasons (0: the default, 16) of the catalog's
 * market on `threads` threads (0: all cores) and stores each program's
 * cutoffs in the catalog for sp_advisor_open (`smartpick catalog
 * stats`).  One transaction. */
sp_status sp_advisor_prepare(sp_catalog *c, int trials, int threads,
                             sp_err *err) SP_MUST_CHECK;

/* One recommendation.  Gives *out (free with sp_advice_free); bad
 * profiles fail with SP_EPARSE / SP_EINVAL / SP_ENOTFOUND and an error
 * naming the field ("profile.json:4: field 'step2': ..."). */
typedef struct sp_advice sp_advice;
sp_status sp_recommend(const sp_advisor *a, const char *json, size_t len,
                       const char *name, sp_advice **out,
                       sp_err *err) SP_MUST_CHECK;
void sp_advice_free(sp_advice *r);
/* The overall P(match) of the recommended list, and its size. */
double sp_advice_p_match(const sp_advice *r);
size_t sp_advice_nprograms(const sp_advice *r);
/* The headline figures (strings borrowed from the report). */
typedef struct {
	const char *specialty;         /* the preferred one */
	double p_match, p_low, p_high; /* overall, with its band */
	double p_preferred;            /* matched in the preferred one */
	double interviews; /* expected interviews attended (at most the cap) */
	double cost;       /* ERAS fees in dollars */
	size_t applications;
	int stop_at; /* where one more application stops paying */
	/* P(match) for applicants of this profile at the 10th and 90th
	 * percentile of what it cannot tell (docs/profile.md) */
	double p_p10, p_p90;
} sp_advice_summary;
void sp_advice_get_summary(const sp_advice *r, sp_advice_summary *out);
/* Writers: the report as JSON (docs/profile.md), as readable tables,
 * or the list as CSV (one row per program). */
sp_status sp_advice_write_json(const sp_advice *r, FILE *f) SP_MUST_CHECK;
sp_status sp_advice_write_table(const sp_advice *r, FILE *f) SP_MUST_CHECK;
sp_status sp_advice_write_csv(const sp_advice *r, FILE *f) SP_MUST_CHECK;

/* Cross-check by simulation: inserts `clones` copies of the applicant
 * with the recommended list and signals into o->trials simulated
 * seasons of the applicant's specialties and records the simulated
 * P(match) (with a 95% interval) in the report, beside the estimate. */
sp_status sp_advice_check(const sp_advisor *a, sp_advice *r,
                          const sp_sim_opts *o, int clones,
                          sp_err *err) SP_MUST_CHECK;
/* After sp_advice_check: the simulated P(match) and its interval;
 * returns 0 when no check was run. */
int sp_advice_checked(const sp_advice *r, double *p, double *lo, double *hi);

/* Advisors' cohorts: a CSV file with one student per row (columns in
 * docs/profile.md), read into profile JSON texts that sp_recommend
 * takes.  Ids are unique and safe as file names.  Gives *out (free with
 * sp_cohort_free). */
typedef struct sp_cohort sp_cohort;
sp_status sp_cohort_read(const char *buf, size_t len, const char *name,
                         sp_cohort **out, sp_err *err) SP_MUST_CHECK;
void sp_cohort_free(sp_cohort *c);
size_t sp_cohort_size(const sp_cohort *c);
/* Student i's id, profile (JSON text, *len bytes) and "name:line" for
 * messages; borrowed from the cohort. */
const char *sp_cohort_id(const sp_cohort *c, size_t i);
const char *sp_cohort_profile(const sp_cohort *c, size_t i, size_t *len);
const char *sp_cohort_where(const sp_cohort *c, size_t i);

/* A profile (JSON text) in, the report (JSON, malloc'd; free with
 * sp_free) out.  Bad profiles fail with SP_EPARSE / SP_EINVAL and an
 * error naming the field. */
sp_status sp_recommend_json(const sp_advisor *a, const char *json, size_t len,
                            const char *name, char **out, size_t *outlen,
                            sp_err *err) SP_MUST_CHECK;

/* Chances (src/chances.c): the applicant of a profile at every program of
 * a specialty family (`specialty`: a name or code; NULL: the profile's),
 * P(interview) with no signal and with each signal tier, and P(match if
 * applied); best first.  JSON and CSV fields in docs/http-api.md.  Gives
 * *out (free with sp_chances_free); bad profiles as sp_recommend. */
typedef struct sp_chances sp_chances;
sp_status sp_chances_compute(const sp_advisor *a, const char *json, size_t len,
                             const char *name, const char *specialty,
                             sp_chances **out, sp_err *err) SP_MUST_CHECK;
void sp_chances_free(sp_chances *c);
size_t sp_chances_count(const sp_chances *c);
sp_status sp_chances_write_json(const sp_chances *c, FILE *f) SP_MUST_CHECK;
sp_status sp_chances_write_csv(const sp_chances *c, FILE *f) SP_MUST_CHECK;
sp_status sp_chances_write_table(const sp_chances *c, FILE *f) SP_MUST_CHECK;
/* The same as a JSON string (free with sp_free); thread-safe like
 * sp_recommend_json. */
sp_status sp_chances_json(const sp_advisor *a, const char *json, size_t len,
                          const char *name, const char *specialty, char **out,
                          size_t *outlen, sp_err *err) SP_MUST_CHECK;

/* An applicant's own list (src/score.c): {"profile": {...},
 * "rank_order": ["CODE" | {"code", "signal"}, ...]} (POST /api/rank's
 * body) scored as the advisor scores its own list, answered as
 * sp_recommend_json's report (docs/http-api.md, POST /api/score).  Bad
 * input fails as sp_rank_eval's; a program outside the profile's
 * specialties or a signal over the allotment names its entry. */
sp_status sp_score_json(const sp_advisor *a, const char *json, size_t len,
                        const char *name, char **out, size_t *outlen,
                        sp_err *err) SP_MUST_CHECK;

/* ------------------------------------------------------------------ */
/* After interviews (src/rank.c): a rank order list's chance of matching,
 * program by program, and what adding a program would add
 * (docs/rank.md). */

typedef struct sp_rank sp_rank;
/* {"profile": {...}, "rank_order": ["CODE", ...], "also_interviewed":
 * ["CODE", ...]}: gives *out (free with sp_rank_free).  Bad input fails
 * with SP_EPARSE / SP_EINVAL / SP_ENOTFOUND and an error naming the
 * line and field ("rol.json:5: field 'rank_order[1]': ..."). */
sp_status sp_rank_eval(const sp_advisor *a, const char *json, size_t len,
                       const char *name, sp_rank **out,
                       sp_err *err) SP_MUST_CHECK;
void sp_rank_free(sp_rank *r);
/* P(match) for the list, its length, and P(match at the i-th program):
 * these sum to P(match). */
double sp_rank_p_match(const sp_rank *r);
size_t sp_rank_nprograms(const sp_rank *r);
double sp_rank_p_at(const sp_rank *r, size_t i);
/* Writers: the report as JSON (docs/rank.md) or as readable text. */
sp_status sp_rank_write_json(const sp_rank *r, FILE *f) SP_MUST_CHECK;
sp_status sp_rank_write_table(const sp_rank *r, FILE *f) SP_MUST_CHECK;
/* sp_rank_eval, then the JSON report in a malloc'd string (free with
 * sp_free). */
sp_status sp_rank_json(const sp_advisor *a, const char *json, size_t len,
                       const char *name, char **out, size_t *outlen,
                       sp_err *err) SP_MUST_CHECK;

/* ------------------------------------------------------------------ */
/* Random numbers: a counter-based, splittable generator, so that Monte
 * Carlo workers get independent streams from (seed, stream). */

typedef struct {
	uint64_t s[4];
} sp_rng;

void sp_rng_seed(sp_rng *r, uint64_t seed, uint64_t stream);
uint64_t sp_rng_next(sp_rng *r);
/* Uniform in [0, 1). */
double sp_rng_uniform(sp_rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t sp_rng_below(sp_rng *r, uint64_t n);
/* Standard normal. */
double sp_rng_normal(sp_rng *r);

/* ------------------------------------------------------------------ */
/* Memory: one allocation door.  Tests can make the n-th allocation fail. */

void *sp_malloc(size_t n);
void *sp_calloc(size_t n, size_t size);
void *sp_realloc(void *p, size_t n);
void sp_free(void *p);
/* Makes the n-th allocation from now fail (n >= 1); 0 disarms. */
void sp_alloc_fail_after(long n);

#ifdef __cplusplus
}
#endif
#endif /* SMARTPICK_H */

/*
 * cmd_catalog.c — `smartpick catalog`: builds, imports, exports and shows
 * the program catalog (a SQLite file; docs/catalog.md).  Four verbs:
 * init (the real catalog, or --synthetic), import (a CSV, all or nothing),
 * export (the same CSV, atomically) and show (a per-specialty table or one
 * specialty's programs, as text or JSON).
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage_text[] =
    "usage: smartpick catalog COMMAND [OPTIONS]\n"
    "\n"
    "The program catalog: a SQLite database of specialties, residency\n"
    "programs and fitted model parameters.  The database is --db FILE, else\n"
    "$SMARTPICK_DB, else ./smartpick.db.  Schema and CSV format:\n"
    "docs/catalog.md.\n"
    "\n"
    "commands:\n"
    "  init     build the catalog: the real programs and their measured\n"
    "           interview rates, filled to the published NRMP 2025 counts\n"
    "           with estimated rows (--synthetic: a drawn one)\n"
    "  import   replace the programs with those of a CSV file (validated;\n"
    "           all or nothing)\n"
    "  export   write the programs as CSV, in the import format\n"
    "  show     the specialties with their programs, positions and signals;\n"
    "           or one specialty's programs\n"
    "  stats    simulate the market and store each program's interview and\n"
    "           match cutoffs, which 'smartpick recommend' reads\n"
    "\n"
    "'smartpick catalog COMMAND --help' describes a command.\n"
    "\n"
    "example:\n"
    "  smartpick catalog init\n"
    "  smartpick catalog show --specialty DERM\n"
    "  smartpick catalog export --out catalog.csv\n";

static const char init_text[] =
    "usage: smartpick catalog init [--db FILE] [--force]\n"
    "       smartpick catalog init --synthetic [--seed N] [--db FILE] "
    "[--force]\n"
    "\n"
    "Builds the catalog.  For each specialty row of the NRMP 2025 Main\n"
    "Match (Table 1C and the PGY-2 rows, in data/specialties_2025.csv) it\n"
    "holds exactly the published number of programs and positions: 6626\n"
    "programs and 43237 positions in all.\n"
    "\n"
    "By default the programs are the real ones of data/programs.csv (4777\n"
    "programs of 22 specialties, with name, city, state and their own\n"
    "interview-offer rates of the 2024 cycle), and each row is filled up to\n"
    "its published count with rows named \"Unlisted ... program N\n"
    "(estimated)\".  Positions, setting, selectivity, interview slots, visa\n"
    "sponsorship and the Step 2 CK median are estimated and marked so.\n"
    "\n"
    "With --synthetic every program is drawn at random from the seed and is\n"
    "not real (\"Synthetic ... Program N (ST)\", marked synthetic): for\n"
    "tests and experiments.  How each value is made: docs/catalog.md.  Both\n"
    "install the fitted model parameters shipped with SmartPick, if any.\n"
    "\n"
    "options:\n"
    "      --db FILE   the catalog (created if missing)\n"
    "      --synthetic the synthetic catalog instead of the real one\n"
    "      --seed N    with --synthetic: draw from seed N (default 1); the\n"
    "                  same seed gives the same catalog on every machine\n"
    "      --force     replace a catalog that already holds programs\n"
    "  -q, --quiet     no summary\n"
    "  -h, --help      this help\n"
    "\n"
    "Exit status: 0 done; 2 usage, or the catalog holds programs and\n"
    "--force is missing; 3 FILE is not a SmartPick catalog; 4 I/O error;\n"
    "5 internal error.  On failure the database is unchanged.\n";

static const char import_text[] =
    "usage: smartpick catalog import [--db FILE] FILE.csv\n"
    "\n"
    "Replaces every program in the catalog with the rows of FILE.csv, a CSV\n"
    "file with a header row; columns in any order:\n"
    "\n"
    "  required  code, name, specialty, track, state, positions\n"
    "  optional  region, setting, selectivity, interview_slots,\n"
    "            accepts_signals, sponsors_visa, step2_median, synthetic\n"
    "\n"
    "An absent optional column, or an empty cell, takes its default\n"
    "(docs/catalog.md): region from the state, setting\n"
    "community-university, selectivity 0, interview_slots 12 per position,\n"
    "accepts_signals 1 where the specialty has ERAS signals, sponsors_visa\n"
    "0, step2_median the specialty's median, synthetic 0.  Every field is\n"
    "checked; the first bad one is reported as FILE:LINE: field 'NAME': ...\n"
    "and nothing is changed.  `smartpick catalog export` writes this format.\n"
    "\n"
    "options:\n"
    "      --db FILE   the catalog (created if missing)\n"
    "  -q, --quiet     no summary\n"
    "  -h, --help      this help\n"
    "\n"
    "Exit status: 0 imported; 2 usage; 3 bad row (nothing imported) or not a\n"
    "SmartPick catalog; 4 I/O error; 5 internal error.\n";

static const char export_text[] =
    "usage: smartpick catalog export [--db FILE] [--out FILE]\n"
    "\n"
    "Writes the catalog's programs as CSV in the import format, one row per\n"
    "program in catalog order, so that export, import and export again give\n"
    "the same bytes.\n"
    "\n"
    "options:\n"
    "      --db FILE   the catalog (must exist)\n"
    "  -o, --out FILE  write to FILE (default: stdout); the file appears\n"
    "                  whole or not at all\n"
    "  -h, --help      this help\n"
    "\n"
    "Exit status: 0 written; 2 usage; 3 not a SmartPick catalog; 4 I/O\n"
    "error (no catalog, or cannot write); 5 internal error.\n";

static const char show_text[] =
    "usage: smartpick catalog show [--db FILE] [--specialty CODE] [--json]\n"
    "\n"
    "Prints the catalog's specialty rows (code, track, programs, positions,\n"
    "ERAS signals as gold+silver or a single count, name) with totals, and\n"
    "says whether the catalog is SYNTHETIC.  With --specialty, prints that\n"
    "row and its programs.\n"
    "\n"
    "options:\n"
    "      --db FILE         the catalog (must exist)\n"
    "  -s, --specialty CODE  one specialty and its programs\n"
    "      --json            one JSON object instead of a table\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 shown; 2 usage or unknown specialty; 3 not a SmartPick\n"
    "catalog; 4 I/O error (no catalog); 5 internal error.\n";

static const char *const track_name[] = {"categorical", "preliminary",
                                         "advanced", "primary", "reserved"};
static const char *const setting_name[] = {"university", "community-university",
                                           "community", "military"};

/* Options common to the verbs. */
typedef struct {
	const char *cmd; /* "catalog VERB", for messages */
	const char *db, *out, *specialty, *input;
	uint64_t seed;
	long trials;
	bool force, quiet, json, synthetic, seeded;
} opts;

enum { O_DB = 256, O_SEED, O_FORCE, O_JSON, O_SYNTHETIC };

/* Which options a verb accepts. */
enum {
	A_DB = 1,
	A_SEED = 2,
	A_FORCE = 4,
	A_JSON = 8,
	A_OUT = 16,
	A_SPECIALTY = 32,
	A_QUIET = 64,
	A_TRIALS = 128,
	A_SYNTHETIC = 256
};

static unsigned option_bit(int c)
{
	switch (c) {
	case O_DB:
		return A_DB;
	case O_SEED:
		return A_SEED;
	case O_FORCE:
		return A_FORCE;
	case O_JSON:
		return A_JSON;
	case 'o':
		return A_OUT;
	case 's':
		return A_SPECIALTY;
	case 'q':
		return A_QUIET;
	case 'n':
		return A_TRIALS;
	case O_SYNTHETIC:
		return A_SYNTHETIC;
	default:
		return 0;
	}
}

/* Parses argv (argv[0] is the verb) with the options in `allowed`;
 * returns -1 after --help, else EXIT_OKAY or a usage exit code.  `nargs`
 * is the number of operands the verb takes (0 or 1). */
static int parse(int argc, char **argv, unsigned allowed, const char *help,
                 int nargs, opts *o)
{
	static const struct option longs[] = {
	    {"db", required_argument, NULL, O_DB},
	    {"seed", required_argument, NULL, O_SEED},
	    {"force", no_argument, NULL, O_FORCE},
	    {"json", no_argument, NULL, O_JSON},
	    {"out", required_argument, NULL, 'o'},
	    {"specialty", required_argument, NULL, 's'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"trials", required_argument, NULL, 'n'},
	    {"synthetic", no_argument, NULL, O_SYNTHETIC},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "o:s:n:qh", longs, NULL)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			return -1;
		}
		if (!(option_bit(c) & allowed))
			return cli_usage(o->cmd, "unknown option");
		switch (c) {
		case O_DB:
			o->db = optarg;
			break;
		case O_SEED:
			if (!cli_parse_u64(optarg, &o->seed))
				return cli_usage(o->cmd,
				                 "--seed needs a "
				                 "non-negative integer");
			o->seeded = true;
			break;
		case O_SYNTHETIC:
			o->synthetic = true;
			break;
		case O_FORCE:
			o->force = true;
			break;
		case O_JSON:
			o->json = true;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 's':
			o->specialty = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'n':
			if (!cli_parse_long(optarg, 1, 10000, &o->trials))
				return cli_usage(o->cmd,
				                 "--trials needs an "
				                 "integer from 1 to 10000");
			break;
		}
	}
	if (o->seeded && !o->synthetic)
		return cli_usage(o->cmd, "--seed draws the synthetic catalog: "
		                         "add --synthetic");
	if (argc - optind > nargs)
		return cli_usage(o->cmd, "unexpected argument '%s'",
		                 argv[optind + nargs]);
	if (argc - optind < nargs)
		return cli_usage(o->cmd, "missing FILE.csv");
	if (nargs)
		o->input = argv[optind];
	return EXIT_OKAY;
}

/* Prints the library's message and returns the exit code for s. */
static int fail(const opts *o, sp_status s, const sp_err *err)
{
	cli_error(o->cmd, "%s", err->msg[0] ? err->msg : sp_strerror(s));
	return cli_exit_for(s);
}

/* Removes a catalog this command created and then failed to fill, with
 * SQLite's side files: a failed command leaves no new file behind. */
static void drop_new(const char *path, bool made)
{
	static const char *const side[] = {"", "-journal", "-wal", "-shm"};
	if (!made || !strcmp(path, ":memory:"))
		return;
	for (size_t i = 0; i < sizeof side / sizeof *side; i++) {
		char name[4096];
		if ((size_t)snprintf(name, sizeof name, "%s%s", path, side[i]) <
		    sizeof name)
			remove(name);
	}
}

/* Opens the catalog; with `create`, *made says whether the file is new
 * (NULL: do not care). */
static int open_catalog_new(const opts *o, int create, sp_catalog **c,
                            bool *made)
{
	const char *path = sp_catalog_default_path(o->db);
	struct stat st;
	bool is_new = create && stat(path, &st) != 0 && errno == ENOENT;
	if (made)
		*made = is_new;
	sp_err err = {0};
	sp_status s = sp_catalog_open(path, create, c, &err);
	if (s)
		drop_new(path, is_new);
	return s ? fail(o, s, &err) : EXIT_OKAY;
}

static int open_catalog(const opts *o, int create, sp_catalog **c)
{
	return open_catalog_new(o, create, c, NULL);
}

/* Sums the specialties' programs and positions. */
static sp_status totals(sp_catalog *c, long *programs, long *positions,
                        size_t *rows, sp_err *err)
{
	sp_specialty_info *sp;
	size_t n;
	sp_status s = sp_catalog_specialties(c, &sp, &n, err);
	if (s)
		return s;
	*programs = *positions = 0;
	for (size_t i = 0; i < n; i++) {
		*programs += sp[i].programs;
		*positions += sp[i].positions;
	}
	*rows = n;
	sp_free(sp);
	return SP_OK;
}

static int run_init(opts *o)
{
	sp_catalog *c;
	bool made;
	int rc = open_catalog_new(o, 1, &c, &made);
	if (rc)
		return rc;
	const char *path = sp_catalog_default_path(o->db);
	sp_err err = {0};
	long programs, positions;
	size_t rows;
	sp_status s = totals(c, &programs, &positions, &rows, &err);
	if (!s && programs > 0 && !o->force) {
		cli_error(o->cmd,
		          "%s already holds a catalog of %ld programs; use "
		          "--force to replace it",
		          path, programs);
		sp_catalog_close(c);
		return EXIT_USAGE;
	}
	if (!s)
		s = o->synthetic ? sp_catalog_init_synthetic(c, o->seed, &err)
		                 : sp_catalog_init_real(c, &err);
	if (!s)
		s = totals(c, &programs, &positions, &rows, &err);
	sp_catalog_close(c);
	if (s) {
		drop_new(path, made);
		return fail(o, s, &err);
	}
	if (!o->quiet && !o->synthetic)
		printf("catalog written to %s: %ld programs, %ld positions in "
		       "%zu specialty rows\n"
		       "  the published NRMP 2025 counts; the real programs of "
		       "data/programs.csv\n"
		       "  with their measured 2024 interview rates, and rows "
		       "named \"Unlisted ...\n"
		       "  (estimated)\" where the source lists fewer programs "
		       "than NRMP counts;\n"
		       "  estimated values are marked (docs/catalog.md)\n",
		       path, programs, positions, rows);
	else if (!o->quiet)
		printf("SYNTHETIC catalog written to %s (seed %llu)\n"
		       "  %ld programs, %ld positions in %zu specialty rows: "
		       "the published NRMP 2025 counts\n"
		       "  every program and its attributes are drawn at "
		       "random: these are not real programs\n",
		       path, (unsigned long long)o->seed, programs, positions,
		       rows);
	return EXIT_OKAY;
}

static int run_import(opts *o)
{
	sp_catalog *c;
	bool made;
	int rc = open_catalog_new(o, 1, &c, &made);
	if (rc)
		return rc;
	sp_err err = {0};
	long programs = 0, positions = 0;
	size_t rows;
	sp_status s = sp_catalog_import_csv(c, o->input, &err);
	if (!s)
		s = totals(c, &programs, &positions, &rows, &err);
	int synthetic = s ? 0 : sp_catalog_is_synthetic(c);
	sp_catalog_close(c);
	if (s) {
		drop_new(sp_catalog_default_path(o->db), made);
		return fail(o, s, &err);
	}
	if (!o->quiet)
		printf("imported %ld program%s, %ld positions from %s into "
		       "%s%s\n",
		       programs, programs == 1 ? "" : "s", positions, o->input,
		       sp_catalog_default_path(o->db),
		       synthetic ? " (rows marked synthetic: the catalog is "
		                   "SYNTHETIC)"
		                 : "");
	return EXIT_OKAY;
}

static int run_export(opts *o)
{
	sp_catalog *c;
	int rc = open_catalog(o, 0, &c);
	if (rc)
		return rc;
	cli_out out;
	if (!cli_out_open(&out, o->out)) {
		cli_error(o->cmd, "%s", cli_out_error());
		sp_catalog_close(c);
		return EXIT_IO;
	}
	sp_err err = {0};
	sp_status s = sp_catalog_export_csv(c, out.f, &err);
	sp_catalog_close(c);
	if (s) {
		cli_out_abort(&out);
		return fail(o, s, &err);
	}
	if (!cli_out_commit(&out)) {
		cli_error(o->cmd, "%s", cli_out_error());
		return EXIT_IO;
	}
	return EXIT_OKAY;
}

/* ------------------------------------------------------------------ */
/* show                                                                */

static void signals_text(const sp_specialty_info *sp, char *buf, size_t size)
{
	if (sp->signals_gold && sp->signals_silver)
		snprintf(buf, size, "%d+%d", sp->signals_gold,
		         sp->signals_silver);
	else if (sp->signals_gold)
		snprintf(buf, size, "%d", sp->signals_gold);
	else
		snprintf(buf, size, "-");
}

/* JSON through the library's writer (a failed write shows in ferror,
 * which the command checks at the end). */
static void json_str(FILE *f, const char *s)
{
	(void)!sp_json_fputs(s, f);
}

static void json_num(FILE *f, double v)
{
	(void)!sp_json_fputd(v, f);
}

static void json_specialty(FILE *f, const sp_specialty_info *sp)
{
	fputs("{\"code\":", f);
	json_str(f, sp->code);
	fputs(",\"name\":", f);
	json_str(f, sp->name);
	fputs(",\"family\":", f);
	json_str(f, sp->family);
	fprintf(f,
	        ",\"track\":\"%s\",\"pgy2\":%s,\"programs\":%d,"
	        "\"positions\":%d,\"signals_gold\":%d,\"signals_silver\":%d}",
	        track_name[sp->track], sp->pgy2 ? "true" : "false",
	        sp->programs, sp->positions, sp->signals_gold,
	        sp->signals_silver);
}

static void json_program(FILE *f, const sp_program_info *p)
{
	fprintf(f, "{\"id\":%ld,\"code\":", (long)p->id);
	json_str(f, p->code);
	fputs(",\"name\":", f);
	json_str(f, p->name);
	fputs(",\"specialty\":", f);
	json_str(f, p->specialty);
	fprintf(f, ",\"track\":\"%s\",\"state\":", track_name[p->track]);
	json_str(f, p->state);
	fprintf(f,
	        ",\"region\":%d,\"setting\":\"%s\",\"positions\":%d,"
	        "\"selectivity\":",
	        p->region, setting_name[p->setting], p->positions);
	json_num(f, p->selectivity);
	fprintf(f,
	        ",\"interview_slots\":%d,\"accepts_signals\":%s,"
	        "\"sponsors_visa\":%s,\"step2_median\":",
	        p->interview_slots, p->accepts_signals ? "true" : "false",
	        p->sponsors_visa ? "true" : "false");
	json_num(f, p->step2_median);
	fprintf(f,
	        ",\"synthetic\":%s,\"city\":", p->synthetic ? "true" : "false");
	json_str(f, p->city);
	fputs(",\"acgme_id\":", f);
	json_str(f, p->acgme_id);
	fputs(",\"rates\":{", f);
	for (int r = 0, n = 0; r < SP_RATE_N; r++) {
		if (p->rates[r] != p->rates[r]) /* NAN: not measured */
			continue;
		fprintf(f, "%s\"%s\":", n++ ? "," : "",
		        sp_rate_name((sp_rate)r) + 5);
		json_num(f, p->rates[r]);
	}
	fprintf(f, "},\"rate_cycle\":%d,\"provenance\":{", p->rate_cycle);
	for (int k = 0; k < SP_FIELD_N; k++)
		fprintf(f, "%s\"%s\":\"%s\"", k ? "," : "",
		        sp_field_name((sp_field)k),
		        sp_program_provenance(p, (sp_field)k));
	fputs("}}", f);
}

static void show_json(int synthetic, const sp_specialty_info *sp, size_t nsp,
                      const sp_program_info *pr, size_t npr, bool with_pr)
{
	long programs = 0, positions = 0;
	printf("{\"synthetic\":%s,\"specialties\":[",
	       synthetic ? "true" : "false");
	for (size_t i = 0; i < nsp; i++) {
		if (i)
			putchar(',');
		json_specialty(stdout, &sp[i]);
		programs += sp[i].programs;
		positions += sp[i].positions;
	}
	printf("],\"totals\":{\"programs\":%ld,\"positions\":%ld}", programs,
	       positions);
	if (with_pr) {
		printf(",\"programs\":[");
		for (size_t i = 0; i < npr; i++) {
			if (i)
				putchar(',');
			json_program(stdout, &pr[i]);
		}
		putchar(']');
	}
	printf("}\n");
}

/* A program is a real one when its name is not estimated. */
static bool is_real(const sp_program_info *p)
{
	return !p->synthetic && !(p->estimated & (1u << SP_FIELD_NAME));
}

static void show_label(int synthetic, long programs, long real)
{
	if (programs == 0)
		printf("EMPTY catalog: build one with 'smartpick catalog init' "
		       "(synthetic) or\n'smartpick catalog import FILE.csv'\n");
	else if (synthetic)
		printf(
		    "SYNTHETIC catalog: programs and positions per specialty "
		    "are the published\nNRMP 2025 counts; the programs "
		    "themselves are drawn at random, not real\n");
	else
		printf("catalog of %ld real programs and %ld estimated rows "
		       "(named \"... (estimated)\")\n",
		       real, programs - real);
}

/* One value of a program, marked "~" when estimated. */
static void mark(char *buf, size_t size, const sp_program_info *p, sp_field f,
                 const char *text)
{
	bool est = !p->synthetic && (p->estimated & (1u << f));
	snprintf(buf, size, "%s%s", est ? "~" : "", text);
}

/* The programs of one specialty: estimated values carry "~"; rates are
 * measured (in percent; "-" where the program has none). */
static void show_programs(const sp_program_info *pr, size_t npr)
{
	printf("\n~ = estimated (docs/catalog.md); rates are measured, "
	       "%% of applicants invited\n");
	printf("\n%-16s %-5s %-21s %9s %11s %6s %7s %4s %6s %4s %4s %4s %4s"
	       "  %s\n",
	       "program", "state", "setting", "positions", "selectivity",
	       "slots", "signals", "visa", "step2", "md", "do", "usim", "img",
	       "name (city)");
	for (size_t i = 0; i < npr; i++) {
		const sp_program_info *p = &pr[i];
		char v[8][40], t[32];
		mark(v[0], 40, p, SP_FIELD_SETTING, setting_name[p->setting]);
		snprintf(t, sizeof t, "%d", p->positions);
		mark(v[1], 40, p, SP_FIELD_POSITIONS, t);
		snprintf(t, sizeof t, "%.3f", p->selectivity);
		mark(v[2], 40, p, SP_FIELD_SELECTIVITY, t);
		snprintf(t, sizeof t, "%d", p->interview_slots);
		mark(v[3], 40, p, SP_FIELD_SLOTS, t);
		mark(v[4], 40, p, SP_FIELD_SIGNALS,
		     p->accepts_signals ? "yes" : "no");
		mark(v[5], 40, p, SP_FIELD_VISA,
		     p->sponsors_visa ? "yes" : "no");
		snprintf(t, sizeof t, "%.0f", p->step2_median);
		mark(v[6], 40, p, SP_FIELD_STEP2, t);
		mark(v[7], 40, p, SP_FIELD_STATE, p->state);
		printf("%-16s %-5s %-21s %9s %11s %6s %7s %4s %6s", p->code,
		       v[7], v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
		for (int r = SP_RATE_MD; r <= SP_RATE_IMG; r++)
			if (p->rates[r] == p->rates[r])
				printf(" %4.0f", 100 * p->rates[r]);
			else
				printf(" %4s", "-");
		printf("  %s%s%s%s\n", p->name, p->city[0] ? " (" : "", p->city,
		       p->city[0] ? ")" : "");
	}
}

static void show_table(int synthetic, const sp_specialty_info *sp, size_t nsp,
                       const sp_program_info *pr, size_t npr, bool with_pr)
{
	long programs = 0, positions = 0;
	for (size_t i = 0; i < nsp; i++) {
		programs += sp[i].programs;
		positions += sp[i].positions;
	}
	long real = 0;
	for (size_t i = 0; i < npr; i++)
		real += is_real(&pr[i]);
	show_label(synthetic, programs, real);
	printf("\n%-11s %-12s %8s %5s %9s %7s  %s\n", "code", "track",
	       "programs", "real", "positions", "signals", "name");
	for (size_t i = 0; i < nsp; i++) {
		char sig[24];
		long nreal = 0;
		for (size_t j = 0; j < npr; j++)
			nreal += is_real(&pr[j]) &&
			         !strcmp(pr[j].specialty, sp[i].code);
		signals_text(&sp[i], sig, sizeof sig);
		printf("%-11s %-12s %8d %5ld %9d %7s  %s\n", sp[i].code,
		       track_name[sp[i].track], sp[i].programs, nreal,
		       sp[i].positions, sig, sp[i].name);
	}
	if (!with_pr) {
		printf("%-11s %-12s %8ld %5ld %9ld\n", "total", "", programs,
		       real, positions);
		return;
	}
	show_programs(pr, npr);
}

static int run_show(opts *o)
{
	sp_catalog *c;
	int rc = open_catalog(o, 0, &c);
	if (rc)
		return rc;
	sp_err err = {0};
	sp_specialty_info *sp = NULL;
	sp_program_info *pr = NULL;
	size_t nsp = 0, npr = 0;
	sp_status s = sp_catalog_specialties(c, &sp, &nsp, &err);
	if (!s && !o->json && !o->specialty) /* to count the real ones */
		s = sp_catalog_programs(c, NULL, &pr, &npr, &err);
	if (!s && o->specialty) {
		s = sp_catalog_programs(c, o->specialty, &pr, &npr, &err);
		size_t k = 0;
		while (!s && k < nsp && strcmp(sp[k].code, o->specialty) != 0)
			k++;
		if (!s && k < nsp) {
			sp[0] = sp[k];
			nsp = 1;
		}
	}
	int synthetic = s ? 0 : sp_catalog_is_synthetic(c);
	sp_catalog_close(c);
	if (s == SP_ENOTFOUND && o->specialty) {
		cli_error(o->cmd,
		          "unknown specialty code '%s' (see 'smartpick catalog "
		          "show')",
		          o->specialty);
		rc = EXIT_USAGE;
	} else if (s) {
		rc = fail(o, s, &err);
	} else if (o->json) {
		show_json(synthetic, sp, nsp, pr, npr, o->specialty != NULL);
	} else {
		show_table(synthetic, sp, nsp, pr, npr, o->specialty != NULL);
	}
	sp_free(sp);
	sp_free(pr);
	if (!rc && (fflush(stdout) != 0 || ferror(stdout))) {
		cli_error(o->cmd, "cannot write to stdout");
		rc = EXIT_IO;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* stats                                                               */

static const char stats_text[] =
    "usage: smartpick catalog stats [--db FILE] [--trials N]\n"
    "\n"
    "Simulates N seasons (default 16) of the catalog's market and stores\n"
    "each program's interview and match cutoffs, which 'smartpick\n"
    "recommend' and 'smartpick serve' read.  They are tied to the\n"
    "programs and parameters they came from: after 'catalog import' or\n"
    "'calibrate' the advisor recomputes them on first use (16 seasons).\n"
    "More seasons give steadier estimates (docs/profile.md).\n"
    "\n"
    "Exit status: 0 stored; 3 not a SmartPick catalog; 4 cannot write it.\n";

static int run_stats(opts *o)
{
	sp_catalog *c;
	int rc = open_catalog(o, 0, &c);
	if (rc)
		return rc;
	sp_err err = {0};
	sp_status s = sp_advisor_prepare(c, (int)o->trials, 0, &err);
	sp_catalog_close(c);
	if (s)
		return fail(o, s, &err);
	if (!o->quiet)
		printf("market statistics stored in %s (%ld simulated "
		       "seasons)\n",
		       sp_catalog_default_path(o->db),
		       o->trials ? o->trials : 16);
	return EXIT_OKAY;
}

/* ------------------------------------------------------------------ */

int cmd_catalog(int argc, char **argv)
{
	static const struct {
		const char *verb;
		unsigned allowed;
		const char *help;
		int nargs;
		int (*run)(opts *);
	} verbs[] = {
	    {"init", A_DB | A_SEED | A_FORCE | A_QUIET | A_SYNTHETIC, init_text,
	     0, run_init},
	    {"import", A_DB | A_QUIET, import_text, 1, run_import},
	    {"export", A_DB | A_OUT, export_text, 0, run_export},
	    {"show", A_DB | A_SPECIALTY | A_JSON, show_text, 0, run_show},
	    {"stats", A_DB | A_TRIALS | A_QUIET, stats_text, 0, run_stats},
	};
	if (argc < 2) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	const char *verb = argv[1];
	if (!strcmp(verb, "-h") || !strcmp(verb, "--help") ||
	    !strcmp(verb, "help")) {
		fputs(usage_text, stdout);
		return EXIT_OKAY;
	}
	for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) {
		if (strcmp(verb, verbs[i].verb) != 0)
			continue;
		char cmd[32];
		snprintf(cmd, sizeof cmd, "catalog %s", verb);
		opts o = {.cmd = cmd, .seed = 1};
		int rc = parse(argc - 1, argv + 1, verbs[i].allowed,
		               verbs[i].help, verbs[i].nargs, &o);
		if (rc)
			return rc < 0 ? EXIT_OKAY : rc;
		return verbs[i].run(&o);
	}
	return cli_usage("catalog",
	                 "unknown command '%s' (init, import, "
	                 "export, show or stats)",
	                 verb);
}

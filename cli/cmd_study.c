/*
 * cmd_study.c — `smartpick study SPEC.json`: a policy sweep.  For each
 * value of the spec's lever, a model built from a copy of the catalog
 * with the value applied, simulated with the spec's seed and trials
 * (through cli_run, so smartpick-mpi spreads each simulation over its
 * ranks); then the table, and on request the CSV and the SVG figure.
 * The spec format is in docs/study.md.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: smartpick study SPEC.json [OPTIONS]\n"
    "\n"
    "Sweeps one lever of the market (signals per specialty and tier, an\n"
    "application cap, positions, applicant numbers, any parameter) over\n"
    "the spec's values and simulates each with the same seed and trials;\n"
    "prints match rates by applicant type and specialty, interviews per\n"
    "position, unmatched applicants and unfilled positions.  Under\n"
    "mpirun (smartpick-mpi) each simulation is spread over the ranks.\n"
    "The spec is described in docs/study.md (example: examples/study.json).\n"
    "\n"
    "options:\n"
    "      --csv FILE        write the outcomes as CSV (value, measure,\n"
    "                        group, estimate)\n"
    "      --svg FILE        write a figure: match rate by applicant type\n"
    "                        against the value\n"
    "  -o, --out FILE        write the table to FILE (default: stdout)\n"
    "  -j, --threads N       worker threads (default: all cores)\n"
    "      --db PATH         catalog database (default: $SMARTPICK_DB or\n"
    "                        smartpick.db)\n"
    "      --builtin         use the built-in synthetic catalog\n"
    "      --catalog-seed N  seed of the built-in catalog (default 1)\n"
    "      --params FILE     apply a params.csv to every model\n"
    "  -q, --quiet           no progress\n"
    "  -h, --help            this help\n"
    "\n"
    "example:\n"
    "  smartpick study examples/study.json --csv cap.csv --svg cap.svg\n";

typedef struct {
	const char *db, *params;
	bool builtin, quiet;
	uint64_t cseed;
	int threads;
} opts;

typedef struct {
	sp_catalog *c;
	sp_specialty_info *specs;
	sp_program_info *progs;
	size_t ns, np;
} catalog;

/* Value k: the catalog copied and changed, the model built with the
 * database's parameters and --params, then changed, selected and
 * simulated; the outcome recorded. */
static int run_value(const char *cmd, const opts *o, const catalog *cat,
                     sp_study *st, int k)
{
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_specialty_info *specs = malloc((cat->ns + 1) * sizeof *specs);
	sp_program_info *progs = malloc((cat->np + 1) * sizeof *progs);
	sp_model *m = NULL;
	sp_sim_result *r = NULL;
	int rc = EXIT_OKAY;
	sp_status s = specs && progs ? SP_OK : SP_ENOMEM;
	if (!s) {
		memcpy(specs, cat->specs, cat->ns * sizeof *specs);
		memcpy(progs, cat->progs, cat->np * sizeof *progs);
		s = sp_study_apply_catalog(st, k, specs, cat->ns, progs,
		                           cat->np, &err);
	}
	if (!s)
		s = sp_model_new(specs, cat->ns, progs, cat->np, &m, &err);
	if (!s && cat->c)
		s = sp_catalog_apply_params(cat->c, m, &err);
	if (!s && o->params)
		rc = cli_model_params(cmd, o->params, m);
	if (!s && !rc)
		s = sp_study_apply_model(st, k, m, &err);
	sp_sim_opts so = sp_sim_defaults();
	sp_study_sim_opts(st, &so);
	so.threads = o->threads ? o->threads : cli_run.threads;
	if (!s && !rc)
		s = cli_run.simulate(m, &so, &r, &err);
	if (!s && !rc)
		s = sp_study_record(st, k, r);
	if (s)
		rc = cli_fail(cmd, s, &err);
	sp_sim_result_free(r);
	sp_model_free(m);
	free(specs);
	free(progs);
	return rc;
}

static int write_to(const char *cmd, const char *path, const sp_study *st,
                    sp_status (*writer)(const sp_study *, FILE *))
{
	cli_out out;
	if (!cli_out_open(&out, path)) {
		cli_error(cmd, "cannot write %s", path);
		return EXIT_IO;
	}
	if (writer(st, out.f)) {
		cli_out_abort(&out);
		cli_error(cmd, "cannot write %s", path ? path : "stdout");
		return EXIT_IO;
	}
	if (!cli_out_commit(&out)) {
		cli_error(cmd, "cannot write %s", path ? path : "stdout");
		return EXIT_IO;
	}
	return EXIT_OKAY;
}

static int run_study(const char *cmd, const opts *o, const char *spec,
                     const char *out, const char *csv, const char *svg)
{
	size_t len;
	char *buf = cli_read_input(cmd, spec, &len);
	if (!buf)
		return EXIT_IO;
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_study *st = NULL;
	sp_status s = sp_study_parse(buf, len, spec, &st, &err);
	free(buf);
	if (s)
		return cli_fail(cmd, s, &err);
	catalog cat;
	int rc = cli_catalog_read(cmd, o->db, o->builtin, o->cseed, &cat.c,
	                          &cat.specs, &cat.ns, &cat.progs, &cat.np);
	int n = sp_study_nvalues(st);
	bool progress = !o->quiet && isatty(STDERR_FILENO) && cli_run.rank == 0;
	for (int k = 0; !rc && k < n; k++) {
		if (progress)
			fprintf(stderr, "\rvalue %d of %d", k + 1, n);
		rc = run_value(cmd, o, &cat, st, k);
	}
	if (progress)
		fputc('\n', stderr);
	/* Files first, so that a table on stdout means every file is
	 * there. */
	if (!rc && csv)
		rc = write_to(cmd, csv, st, sp_study_write_csv);
	if (!rc && svg)
		rc = write_to(cmd, svg, st, sp_study_write_svg);
	if (!rc)
		rc = write_to(cmd, out, st, sp_study_write_table);
	if (cat.c || cat.specs) {
		sp_catalog_close(cat.c);
		sp_free(cat.specs);
		sp_free(cat.progs);
	}
	sp_study_free(st);
	return rc;
}

int cmd_study(int argc, char **argv)
{
	enum { O_DB = 256, O_BUILTIN, O_CSEED, O_PARAMS, O_CSV, O_SVG };
	static const struct option longs[] = {
	    {"csv", required_argument, NULL, O_CSV},
	    {"svg", required_argument, NULL, O_SVG},
	    {"out", required_argument, NULL, 'o'},
	    {"threads", required_argument, NULL, 'j'},
	    {"db", required_argument, NULL, O_DB},
	    {"builtin", no_argument, NULL, O_BUILTIN},
	    {"catalog-seed", required_argument, NULL, O_CSEED},
	    {"params", required_argument, NULL, O_PARAMS},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	opts o;
	memset(&o, 0, sizeof o);
	o.cseed = 1;
	const char *out = NULL, *csv = NULL, *svg = NULL;
	long v;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:j:qh", longs, NULL)) != -1) {
		switch (c) {
		case O_CSV:
			csv = optarg;
			break;
		case O_SVG:
			svg = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'j':
			if (!cli_parse_long(optarg, 1, 256, &v))
				return cli_usage(argv[0],
				                 "--threads needs an "
				                 "integer from 1 to 256");
			o.threads = (int)v;
			break;
		case O_DB:
			o.db = optarg;
			break;
		case O_BUILTIN:
			o.builtin = true;
			break;
		case O_CSEED:
			if (!cli_parse_u64(optarg, &o.cseed))
				return cli_usage(argv[0],
				                 "--catalog-seed needs "
				                 "a non-negative integer");
			break;
		case O_PARAMS:
			o.params = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OKAY;
		default:
			return cli_usage(argv[0], "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage(argv[0], "expected one SPEC.json");
	return run_study(argv[0], &o, argv[optind], out, csv, svg);
}

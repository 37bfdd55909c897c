/*
 * cmd_simulate.c — `smartpick simulate`: N seeded trials of the market
 * model over the catalog (or the built-in synthetic one), on all cores;
 * a table by default, JSON with --json.  Also holds the loader shared
 * with `calibrate` (the catalog into a model, with its parameters).
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: smartpick simulate [OPTIONS]\n"
    "\n"
    "Simulates the Match: synthetic applicants apply, signal, interview\n"
    "and rank; programs rank; the engine matches.  Each trial is seeded\n"
    "from (--seed, trial number), so the result does not depend on the\n"
    "number of threads.  The model is described in docs/model.md.\n"
    "\n"
    "options:\n"
    "  -n, --trials N        trials (default 10)\n"
    "      --seed N          seed (default 1)\n"
    "  -j, --threads N       worker threads (default: all cores)\n"
    "  -s, --specialty CODE  simulate only this specialty family (e.g. IM,\n"
    "                        DR); repeat or separate with commas\n"
    "      --db PATH         catalog database (default: $SMARTPICK_DB or\n"
    "                        smartpick.db)\n"
    "      --builtin         use the synthetic catalog ('catalog init\n"
    "                        --synthetic', no database) with the shipped\n"
    "                        parameters\n"
    "      --catalog-seed N  seed of that synthetic catalog (default 1)\n"
    "      --params FILE     apply a params.csv after loading\n"
    "      --json            write JSON (by_group, by_specialty, by_type,\n"
    "                        interview_rates) instead of tables\n"
    "  -o, --out FILE        write to FILE (default: stdout)\n"
    "  -q, --quiet           no progress bar\n"
    "  -h, --help            this help\n"
    "\n"
    "example:\n"
    "  smartpick simulate --builtin --trials 20 --specialty IM --json\n";

static int catalog_fail(const char *cmd, bool builtin, sp_status s,
                        const sp_err *err)
{
	cli_error(cmd, "%s", err->msg[0] ? err->msg : sp_strerror(s));
	if (!builtin)
		fprintf(stderr, "(create the catalog with 'smartpick catalog "
		                "init', or use --builtin)\n");
	return cli_exit_for(s);
}

int cli_catalog_read(const char *cmd, const char *db, bool builtin,
                     uint64_t cseed, sp_catalog **c, sp_specialty_info **specs,
                     size_t *ns, sp_program_info **progs, size_t *np)
{
	sp_err err;
	memset(&err, 0, sizeof err);
	*c = NULL;
	*specs = NULL;
	*progs = NULL;
	sp_status s;
	if (builtin) {
		s = sp_catalog_synthetic(cseed, specs, ns, progs, np, &err);
	} else {
		s = sp_catalog_open(sp_catalog_default_path(db), 0, c, &err);
		if (!s)
			s = sp_catalog_specialties(*c, specs, ns, &err);
		if (!s)
			s = sp_catalog_programs(*c, NULL, progs, np, &err);
	}
	if (s) {
		sp_free(*specs);
		sp_free(*progs);
		sp_catalog_close(*c);
		*c = NULL;
		return catalog_fail(cmd, builtin, s, &err);
	}
	return EXIT_OKAY;
}

/* Builds the model: from the built-in catalog, or from the database's
 * specialties, programs and fitted parameters. */
static int load_model(const char *cmd, const char *db, bool builtin,
                      uint64_t cseed, sp_model **m)
{
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_specialty_info *specs;
	sp_program_info *progs;
	size_t ns = 0, np = 0;
	sp_catalog *c;
	int rc = cli_catalog_read(cmd, db, builtin, cseed, &c, &specs, &ns,
	                          &progs, &np);
	if (rc)
		return rc;
	sp_status s = sp_model_new(specs, ns, progs, np, m, &err);
	sp_free(specs);
	sp_free(progs);
	/* The database's fitted parameters override the shipped ones. */
	if (!s && c && (s = sp_catalog_apply_params(c, *m, &err))) {
		sp_model_free(*m);
		*m = NULL;
	}
	sp_catalog_close(c);
	return s ? catalog_fail(cmd, builtin, s, &err) : EXIT_OKAY;
}

int cli_model_load(const char *cmd, const char *db, bool builtin,
                   uint64_t cseed, const char *params, sp_model **m)
{
	int rc = load_model(cmd, db, builtin, cseed, m);
	if (rc || !params)
		return rc;
	rc = cli_model_params(cmd, params, *m);
	if (rc)
		sp_model_free(*m);
	return rc;
}

int cli_model_params(const char *cmd, const char *params, sp_model *m)
{
	size_t len, skipped;
	char *buf = cli_read_input(cmd, params, &len);
	if (!buf)
		return EXIT_IO;
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_status s =
	    sp_model_params_load_csv(m, buf, len, params, &skipped, &err);
	free(buf);
	if (s) {
		cli_error(cmd, "%s", err.msg);
		return cli_exit_for(s);
	}
	if (skipped)
		cli_error(cmd, "%s: %zu unknown parameter(s) ignored", params,
		          skipped);
	return EXIT_OKAY;
}

bool cli_add_codes(char *arg, const char **codes, size_t *n, size_t cap)
{
	for (char *p = arg; p && *p;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		if (*p) {
			if (*n == cap)
				return false;
			codes[(*n)++] = p;
		}
		p = comma ? comma + 1 : NULL;
	}
	return true;
}

void cli_progress(void *ctx, int done, int total)
{
	(void)ctx;
	int width = 40, fillw = total ? done * width / total : width;
	fprintf(stderr, "\r[%.*s%*s] %d/%d", fillw,
	        "########################################", width - fillw, "",
	        done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

int cmd_simulate(int argc, char **argv)
{
	enum { O_SEED = 256, O_DB, O_BUILTIN, O_JSON, O_CSEED, O_PARAMS };
	static const struct option longs[] = {
	    {"trials", required_argument, NULL, 'n'},
	    {"seed", required_argument, NULL, O_SEED},
	    {"threads", required_argument, NULL, 'j'},
	    {"specialty", required_argument, NULL, 's'},
	    {"db", required_argument, NULL, O_DB},
	    {"builtin", no_argument, NULL, O_BUILTIN},
	    {"catalog-seed", required_argument, NULL, O_CSEED},
	    {"params", required_argument, NULL, O_PARAMS},
	    {"json", no_argument, NULL, O_JSON},
	    {"out", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	sp_sim_opts so = sp_sim_defaults();
	const char *db = NULL, *out = NULL, *params = NULL;
	const char *codes[64];
	size_t ncodes = 0;
	bool builtin = false, json = false, quiet = false;
	uint64_t cseed = 1;
	long v;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "n:j:s:o:qh", longs, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!cli_parse_long(optarg, 1, 1000000, &v))
				return cli_usage(argv[0], "--trials needs an "
				                          "integer from 1");
			so.trials = (int)v;
			break;
		case O_SEED:
			if (!cli_parse_u64(optarg, &so.seed))
				return cli_usage(argv[0],
				                 "--seed needs a "
				                 "non-negative integer");
			break;
		case O_CSEED:
			if (!cli_parse_u64(optarg, &cseed))
				return cli_usage(argv[0],
				                 "--catalog-seed needs "
				                 "a non-negative integer");
			break;
		case 'j':
			if (!cli_parse_long(optarg, 1, 256, &v))
				return cli_usage(argv[0],
				                 "--threads needs an "
				                 "integer from 1 to 256");
			so.threads = (int)v;
			break;
		case 's':
			if (!cli_add_codes(optarg, codes, &ncodes, 64))
				return cli_usage(argv[0],
				                 "too many specialties");
			break;
		case O_DB:
			db = optarg;
			break;
		case O_BUILTIN:
			builtin = true;
			break;
		case O_PARAMS:
			params = optarg;
			break;
		case O_JSON:
			json = true;
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OKAY;
		default:
			return cli_usage(argv[0], "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage(argv[0], "unexpected argument '%s'",
		                 argv[optind]);
	sp_model *m = NULL;
	int rc = cli_model_load(argv[0], db, builtin, cseed, params, &m);
	if (rc)
		return rc;
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_status s = sp_model_select(m, codes, ncodes, &err);
	if (s) {
		cli_error(argv[0], "%s", err.msg);
		sp_model_free(m);
		return EXIT_USAGE;
	}
	if (!quiet && isatty(STDERR_FILENO))
		so.progress = cli_progress;
	if (!so.threads)
		so.threads = cli_run.threads;
	sp_sim_result *r = NULL;
	s = cli_run.simulate(m, &so, &r, &err);
	if (s) {
		cli_error(argv[0], "%s", err.msg[0] ? err.msg : sp_strerror(s));
		sp_model_free(m);
		return cli_exit_for(s);
	}
	cli_out o;
	rc = EXIT_OKAY;
	if (!cli_out_open(&o, out)) {
		cli_error(argv[0], "%s", cli_out_error());
		rc = EXIT_IO;
	} else {
		s = json ? sp_sim_result_write_json(r, o.f)
		         : sp_sim_result_write_table(r, o.f);
		if (s || !cli_out_commit(&o)) {
			if (s)
				cli_out_abort(&o);
			cli_error(argv[0], "%s",
			          s ? sp_strerror(s) : cli_out_error());
			rc = EXIT_IO;
		}
	}
	sp_sim_result_free(r);
	sp_model_free(m);
	return rc;
}

/*
 * cmd_calibrate.c — `smartpick calibrate`: fits the market model's free
 * parameters to the cited targets (GSL least squares over common random
 * numbers), stores them in the catalog and in a params.csv, and writes
 * the report (target beside simulated) as Markdown or JSON.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: smartpick calibrate [OPTIONS]\n"
    "\n"
    "Fits the market model's free parameters so that simulated fill rates,\n"
    "match rates by applicant type, US MD outcomes and interview rates\n"
    "reproduce the cited figures (docs/model.md), then stores them in the\n"
    "catalog and writes the report, target beside simulated.\n"
    "\n"
    "options:\n"
    "  -n, --trials N        trials per evaluation (default 2)\n"
    "      --seed N          seed of the common random numbers (default 2025)\n"
    "  -j, --threads N       worker threads (default: all cores)\n"
    "      --max-iter N      optimizer iterations (default 8)\n"
    "      --step H          finite-difference step (default 0.15)\n"
    "      --full-jacobian   one evaluation per parameter for the Jacobian\n"
    "                        (slower; default: grouped by family)\n"
    "      --db PATH         catalog database (default: $SMARTPICK_DB or\n"
    "                        smartpick.db); the fit is stored there\n"
    "      --builtin         use the synthetic catalog ('catalog init\n"
    "                        --synthetic', no database); nothing is\n"
    "                        stored in a database\n"
    "  -s, --specialty CODE  fit only these specialty families (e.g. DERM,TS;\n"
    "                        for tests and quick looks: the parameters of\n"
    "                        the others keep their values)\n"
    "      --params FILE     start from this params.csv\n"
    "      --params-out FILE write the fitted parameters here (e.g.\n"
    "                        data/params.csv)\n"
    "  -r, --report FILE     write the report here (default: stdout)\n"
    "      --json            the report as JSON\n"
    "      --evaluate        report only: no fit\n"
    "      --programs        fit each program with measured rates instead\n"
    "                        (interview slots and score offsets, so that its\n"
    "                        simulated interview rates follow its own; the\n"
    "                        catalog's, --max-iter iterations, default 10);\n"
    "                        the report gives the per-program fit on a\n"
    "                        held-out seed (seed + 1)\n"
    "      --fit-out FILE    with --programs: write the fit here (e.g.\n"
    "                        data/program_fit.csv, which the model loads)\n"
    "  -q, --quiet           no progress\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 when done (the report says which targets pass).\n";

static void progress(void *ctx, int evals, double cost)
{
	(void)ctx;
	fprintf(stderr, "\revaluation %d: weighted sum of squares %.1f   ",
	        evals, cost);
	fflush(stderr);
}

static int store_db(const char *cmd, const char *db, const sp_model *m)
{
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_catalog *c = NULL;
	size_t n = sp_model_nparams(m), k = 0;
	const char **names = calloc(n + 1, sizeof *names);
	const char **specs = calloc(n + 1, sizeof *specs);
	double *vals = calloc(n + 1, sizeof *vals);
	sp_status s = names && specs && vals ? SP_OK : SP_ENOMEM;
	for (size_t i = 0; !s && i < n; i++) {
		const char *st;
		sp_model_param_at(m, i, &names[k], &specs[k], &vals[k], &st);
		k += !strcmp(st, "fitted");
	}
	if (!s)
		s = sp_catalog_open(sp_catalog_default_path(db), 0, &c, &err);
	if (!s)
		s = sp_catalog_params_set(c, k, names, specs, vals, &err);
	sp_catalog_close(c);
	free(names);
	free(specs);
	free(vals);
	if (s) {
		cli_error(cmd, "storing the parameters: %s",
		          err.msg[0] ? err.msg : sp_strerror(s));
		return cli_exit_for(s);
	}
	return EXIT_OKAY;
}

static int write_params(const char *cmd, const char *path, const sp_model *m,
                        const sp_calib_opts *o)
{
	char date[32], src[160];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	snprintf(src, sizeof src,
	         "fitted: smartpick calibrate %s seed %llu trials %d", date,
	         (unsigned long long)o->seed, o->trials);
	cli_out out;
	if (!cli_out_open(&out, path)) {
		cli_error(cmd, "%s", cli_out_error());
		return EXIT_IO;
	}
	if (sp_model_params_write_csv(m, src, out.f)) {
		cli_out_abort(&out);
		cli_error(cmd, "cannot write %s", path);
		return EXIT_IO;
	}
	if (!cli_out_commit(&out)) {
		cli_error(cmd, "%s", cli_out_error());
		return EXIT_IO;
	}
	return EXIT_OKAY;
}

static void fit_progress(void *ctx, int it, const sp_progfit_stat *st)
{
	(void)ctx;
	fprintf(stderr,
	        "iteration %d: US MD rates of %d programs: median error %.1f "
	        "points, rank correlation %.3f\n",
	        it + 1, st->n, 100 * st->mae, st->spearman);
}

/* calibrate --programs: the per-program fit, then its figures on a
 * held-out seed. */
static int fit_programs(const char *cmd, sp_model *m, const sp_calib_opts *co,
                        int iterations, bool eval_only, bool quiet,
                        const char *fit_out, const char *report)
{
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_progfit_opts po;
	memset(&po, 0, sizeof po);
	po.iterations = iterations;
	po.trials = co->trials;
	po.threads = co->threads;
	po.seed = co->seed;
	po.progress = quiet ? NULL : fit_progress;
	sp_status s = eval_only || iterations == 0
	                  ? SP_OK
	                  : sp_model_fit_programs(m, &po, &err);
	if (!s && fit_out) {
		char src[160];
		snprintf(src, sizeof src,
		         "fitted: smartpick calibrate --programs seed %llu "
		         "trials %d iterations %d",
		         (unsigned long long)co->seed, co->trials, iterations);
		cli_out out;
		if (!cli_out_open(&out, fit_out) ||
		    sp_model_program_fit_write_csv(m, out.f, src) ||
		    !cli_out_commit(&out)) {
			cli_error(cmd, "cannot write %s", fit_out);
			return EXIT_IO;
		}
	}
	sp_sim_result *r = NULL;
	sp_sim_opts so = sp_sim_defaults();
	so.seed = co->seed + 1;
	so.trials = co->trials;
	so.threads = co->threads;
	if (!s)
		s = sp_simulate(m, &so, &r, &err);
	if (s) {
		cli_error(cmd, "%s", err.msg[0] ? err.msg : sp_strerror(s));
		return cli_exit_for(s);
	}
	cli_out out;
	int rc = EXIT_OKAY;
	if (!cli_out_open(&out, report) ||
	    sp_progfit_report_write_md(m, r, out.f) || !cli_out_commit(&out)) {
		cli_error(cmd, "cannot write the report");
		rc = EXIT_IO;
	}
	sp_sim_result_free(r);
	return rc;
}

int cmd_calibrate(int argc, char **argv)
{
	enum {
		O_SEED = 256,
		O_DB,
		O_BUILTIN,
		O_JSON,
		O_ITER,
		O_STEP,
		O_PARAMS,
		O_PARAMS_OUT,
		O_EVAL,
		O_FULLJ,
		O_PROGRAMS,
		O_FIT_OUT
	};
	static const struct option longs[] = {
	    {"trials", required_argument, NULL, 'n'},
	    {"seed", required_argument, NULL, O_SEED},
	    {"threads", required_argument, NULL, 'j'},
	    {"max-iter", required_argument, NULL, O_ITER},
	    {"step", required_argument, NULL, O_STEP},
	    {"db", required_argument, NULL, O_DB},
	    {"builtin", no_argument, NULL, O_BUILTIN},
	    {"specialty", required_argument, NULL, 's'},
	    {"params", required_argument, NULL, O_PARAMS},
	    {"params-out", required_argument, NULL, O_PARAMS_OUT},
	    {"report", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, O_JSON},
	    {"evaluate", no_argument, NULL, O_EVAL},
	    {"full-jacobian", no_argument, NULL, O_FULLJ},
	    {"programs", no_argument, NULL, O_PROGRAMS},
	    {"fit-out", required_argument, NULL, O_FIT_OUT},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	sp_calib_opts co = sp_calib_defaults();
	const char *db = NULL, *report = NULL, *params = NULL, *pout = NULL;
	bool builtin = false, json = false, quiet = false, eval_only = false;
	bool programs = false;
	const char *fit_out = NULL;
	bool iter_set = false;
	const char *codes[64];
	size_t ncodes = 0;
	long v;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "n:j:r:s:qh", longs, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!cli_parse_long(optarg, 1, 100000, &v))
				return cli_usage(argv[0], "--trials needs an "
				                          "integer from 1");
			co.trials = (int)v;
			break;
		case O_SEED:
			if (!cli_parse_u64(optarg, &co.seed))
				return cli_usage(argv[0],
				                 "--seed needs a "
				                 "non-negative integer");
			break;
		case 'j':
			if (!cli_parse_long(optarg, 1, 256, &v))
				return cli_usage(argv[0],
				                 "--threads needs an "
				                 "integer from 1 to 256");
			co.threads = (int)v;
			break;
		case O_ITER:
			if (!cli_parse_long(optarg, 0, 10000, &v))
				return cli_usage(argv[0], "--max-iter needs an "
				                          "integer from 0");
			co.max_iter = (int)v;
			iter_set = true;
			break;
		case O_PROGRAMS:
			programs = true;
			break;
		case O_FIT_OUT:
			fit_out = optarg;
			break;
		case O_STEP:
			if (!cli_parse_double(optarg, 1e-6, 10, &co.fd_step))
				return cli_usage(argv[0],
				                 "--step needs a number "
				                 "in (0, 10]");
			break;
		case O_DB:
			db = optarg;
			break;
		case O_BUILTIN:
			builtin = true;
			break;
		case 's':
			if (!cli_add_codes(optarg, codes, &ncodes, 64))
				return cli_usage(argv[0],
				                 "too many specialties");
			break;
		case O_PARAMS:
			params = optarg;
			break;
		case O_PARAMS_OUT:
			pout = optarg;
			break;
		case 'r':
			report = optarg;
			break;
		case O_JSON:
			json = true;
			break;
		case O_EVAL:
			eval_only = true;
			break;
		case O_FULLJ:
			co.full_jacobian = 1;
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
	int rc = cli_model_load(argv[0], db, builtin, 1, params, &m);
	if (rc)
		return rc;
	if (programs) {
		rc = fit_programs(argv[0], m, &co, iter_set ? co.max_iter : 10,
		                  eval_only, quiet, fit_out, report);
		sp_model_free(m);
		return rc;
	}
	if (!quiet && isatty(STDERR_FILENO))
		co.progress = progress;
	co.batch = cli_run.calib_batch;
	co.simulate = cli_run.simulate;
	if (!co.threads)
		co.threads = cli_run.threads;
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_status s = sp_model_select(m, codes, ncodes, &err);
	if (s) {
		cli_error(argv[0], "%s", err.msg);
		sp_model_free(m);
		return EXIT_USAGE;
	}
	sp_calib_report *r = NULL;
	s = eval_only ? sp_calib_evaluate(m, &co, &r, &err)
	              : sp_calibrate(m, &co, &r, &err);
	if (co.progress)
		fputc('\n', stderr);
	if (s) {
		cli_error(argv[0], "%s", err.msg[0] ? err.msg : sp_strerror(s));
		sp_model_free(m);
		return cli_exit_for(s);
	}
	if (!eval_only && !builtin && cli_run.rank == 0)
		rc = store_db(argv[0], db, m);
	if (!rc && !eval_only && pout)
		rc = write_params(argv[0], pout, m, &co);
	cli_out out;
	if (!rc && !cli_out_open(&out, report)) {
		cli_error(argv[0], "%s", cli_out_error());
		rc = EXIT_IO;
	} else if (!rc) {
		s = json ? sp_calib_report_write_json(r, out.f)
		         : sp_calib_report_write_md(r, out.f);
		if (s)
			cli_out_abort(&out);
		if (s || !cli_out_commit(&out)) {
			cli_error(argv[0], "cannot write the report: %s",
			          s ? sp_strerror(s) : cli_out_error());
			rc = EXIT_IO;
		}
	}
	if (cli_run.rank == 0)
		fprintf(
		    stderr, "calibrate: %zu of %zu targets within 2 points\n",
		    sp_calib_report_npassed(r), sp_calib_report_ntargets(r));
	sp_calib_report_free(r);
	sp_model_free(m);
	return rc;
}

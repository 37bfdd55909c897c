/*
 * cmd_recommend.c — `smartpick recommend`: one applicant's profile in,
 * the recommended list out (a table, --json or --csv); --check runs the
 * list through simulated seasons; --batch does a whole cohort for an
 * advisor, one report per student and a summary.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: smartpick recommend [OPTIONS] PROFILE.json\n"
    "       smartpick recommend [OPTIONS] --batch COHORT.csv --out DIR\n"
    "\n"
    "Recommends where to apply and where to signal, how many applications\n"
    "are worth their fee, and the probability of matching, program by\n"
    "program with the reasons.  The profile format is docs/profile.md\n"
    "(an example: examples/profile.json); '-' reads it from stdin.\n"
    "\n"
    "options:\n"
    "      --json            write the report as JSON\n"
    "      --csv FILE        also write the list as CSV to FILE\n"
    "  -o, --out FILE        write the report to FILE (default: stdout);\n"
    "                        with --batch, the directory for the reports\n"
    "      --check           cross-check the estimate by simulation: the\n"
    "                        applicant, with this list, in full seasons\n"
    "  -n, --trials N        seasons for --check (default 200)\n"
    "      --clones N        copies of the applicant per season (default 1;\n"
    "                        copies compete for the same programs)\n"
    "      --seed N          seed for --check (default 1)\n"
    "  -j, --threads N       threads for --check (default: all cores)\n"
    "      --batch FILE      a cohort CSV, one student per row (columns in\n"
    "                        docs/profile.md); needs --out DIR\n"
    "      --db PATH         catalog database (default: $SMARTPICK_DB or\n"
    "                        smartpick.db)\n"
    "  -q, --quiet           no progress bar\n"
    "  -h, --help            this help\n"
    "\n"
    "The first run on a catalog simulates the market once to estimate each\n"
    "program's interview and match cutoffs (a few seconds) and stores them.\n"
    "\n"
    "examples:\n"
    "  smartpick recommend examples/profile.json\n"
    "  smartpick recommend --json --check examples/profile.json\n"
    "  smartpick recommend --batch cohort.csv --out reports/\n";

typedef struct {
	bool json, check, quiet;
	const char *csv, *out;
	sp_sim_opts so;
	int clones;
} opts;

static int open_advisor(const char *cmd, const char *db, sp_advisor **a)
{
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_catalog *c = NULL;
	sp_status s = sp_catalog_open(sp_catalog_default_path(db), 0, &c, &err);
	if (!s)
		s = sp_advisor_open(c, a, &err);
	sp_catalog_close(c);
	return s ? cli_fail(cmd, s, &err) : EXIT_OKAY;
}

/* Writes the report to path (atomically) as JSON or a table. */
static int write_report(const char *cmd, const sp_advice *r, const char *path,
                        int how)
{
	cli_out o;
	if (!cli_out_open(&o, path)) {
		cli_error(cmd, "%s", cli_out_error());
		return EXIT_IO;
	}
	sp_status s = how == 0   ? sp_advice_write_table(r, o.f)
	              : how == 1 ? sp_advice_write_json(r, o.f)
	                         : sp_advice_write_csv(r, o.f);
	if (s) {
		cli_out_abort(&o);
		cli_error(cmd, "cannot write %s", path ? path : "stdout");
		return EXIT_IO;
	}
	if (!cli_out_commit(&o)) {
		cli_error(cmd, "%s", cli_out_error());
		return EXIT_IO;
	}
	return EXIT_OKAY;
}

static int check(const char *cmd, const sp_advisor *a, sp_advice *r,
                 const opts *op)
{
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_sim_opts so = op->so;
	if (!op->quiet && isatty(STDERR_FILENO)) {
		fprintf(stderr, "checking by simulation:\n");
		so.progress = cli_progress;
	}
	sp_status s = sp_advice_check(a, r, &so, op->clones, &err);
	if (s) {
		cli_error(cmd, "check: %s",
		          err.msg[0] ? err.msg : sp_strerror(s));
		return cli_exit_for(s);
	}
	return EXIT_OKAY;
}

static int one(const char *cmd, const sp_advisor *a, const char *path,
               const opts *op)
{
	size_t len;
	char *buf = cli_read_input(cmd, path, &len);
	if (!buf)
		return EXIT_IO;
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_advice *r = NULL;
	sp_status s = sp_recommend(
	    a, buf, len, strcmp(path, "-") ? path : "stdin", &r, &err);
	free(buf);
	if (s) {
		return cli_fail(cmd, s, &err);
	}
	int rc = op->check ? check(cmd, a, r, op) : EXIT_OKAY;
	if (!rc && op->csv)
		rc = write_report(cmd, r, op->csv, 2);
	if (!rc)
		rc = write_report(cmd, r, op->out, op->json ? 1 : 0);
	sp_advice_free(r);
	return rc;
}

static int batch(const char *cmd, const sp_advisor *a, const char *path,
                 const opts *op)
{
	size_t len;
	char *buf = cli_read_input(cmd, path, &len);
	if (!buf)
		return EXIT_IO;
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_cohort *co = NULL;
	sp_status s = sp_cohort_read(buf, len, path, &co, &err);
	free(buf);
	if (s) {
		return cli_fail(cmd, s, &err);
	}
	bool made = mkdir(op->out, 0777) == 0;
	if (!made && errno != EEXIST) {
		cli_error(cmd, "cannot create %s: %s", op->out,
		          strerror(errno));
		sp_cohort_free(co);
		return EXIT_IO;
	}
	size_t n = sp_cohort_size(co), bad = 0;
	size_t plen = strlen(op->out) + 128;
	char *file = malloc(plen);
	cli_out sum;
	snprintf(file ? file : "", file ? plen : 0, "%s/summary.csv", op->out);
	if (!file || !cli_out_open(&sum, file)) {
		cli_error(cmd, "cannot write %s/summary.csv", op->out);
		if (made)
			rmdir(op->out);
		free(file);
		sp_cohort_free(co);
		return EXIT_IO;
	}
	fprintf(sum.f, "id,specialty,applications,cost,p_match,p_match_low,"
	               "p_match_high,p_match_preferred,stop_at,p_match_p10,"
	               "p_match_p90,");
	fprintf(sum.f,
	        op->check ? "p_simulated,status,error\n" : "status,error\n");
	int rc = EXIT_OKAY;
	bool tty = !op->quiet && isatty(STDERR_FILENO);
	for (size_t i = 0; i < n && rc != EXIT_IO; i++) {
		size_t jl;
		const char *id = sp_cohort_id(co, i);
		const char *json = sp_cohort_profile(co, i, &jl);
		sp_advice *r = NULL;
		memset(&err, 0, sizeof err);
		s = sp_recommend(a, json, jl, sp_cohort_where(co, i), &r, &err);
		if (!s && op->check) {
			opts q = *op;
			q.quiet = true;
			if (check(cmd, a, r, &q))
				s = SP_EINVAL;
		}
		if (s) {
			bad++;
			if (tty)
				fputc('\n', stderr);
			cli_error(cmd, "%s",
			          err.msg[0] ? err.msg : sp_strerror(s));
			fprintf(sum.f, "%s,,,,,,,,,,,%serror,\"", id,
			        op->check ? "," : "");
			for (const char *p = err.msg; *p; p++)
				fprintf(sum.f, *p == '"' ? "\"\"" : "%c", *p);
			fputs("\"\n", sum.f);
		} else {
			sp_advice_summary rs;
			sp_advice_get_summary(r, &rs);
			snprintf(file, plen, "%s/%s.json", op->out, id);
			rc = write_report(cmd, r, file, 1);
			snprintf(file, plen, "%s/%s.txt", op->out, id);
			if (!rc)
				rc = write_report(cmd, r, file, 0);
			snprintf(file, plen, "%s/%s.csv", op->out, id);
			if (!rc)
				rc = write_report(cmd, r, file, 2);
			fprintf(
			    sum.f,
			    "%s,\"%s\",%zu,%.0f,%.4f,%.4f,%.4f,%.4f,%d,%.4f,"
			    "%.4f,",
			    id, rs.specialty, rs.applications, rs.cost,
			    rs.p_match, rs.p_low, rs.p_high, rs.p_preferred,
			    rs.stop_at, rs.p_p10, rs.p_p90);
			double p, lo, hi;
			if (op->check)
				fprintf(sum.f, "%.4f,",
				        sp_advice_checked(r, &p, &lo, &hi)
				            ? p
				            : -1);
			fputs("ok,\n", sum.f);
		}
		sp_advice_free(r);
		if (tty)
			cli_progress(NULL, (int)(i + 1), (int)n);
	}
	if (rc == EXIT_IO)
		cli_out_abort(&sum);
	else if (!cli_out_commit(&sum)) {
		cli_error(cmd, "%s", cli_out_error());
		rc = EXIT_IO;
	}
	if (!rc)
		fprintf(stderr,
		        "smartpick recommend: %zu report(s) in %s/, %zu "
		        "failed; summary in %s/summary.csv\n",
		        n - bad, op->out, bad, op->out);
	free(file);
	sp_cohort_free(co);
	return rc ? rc : bad ? EXIT_INPUT : EXIT_OKAY;
}

int cmd_recommend(int argc, char **argv)
{
	enum { O_JSON = 256, O_CSV, O_CHECK, O_CLONES, O_SEED, O_BATCH, O_DB };
	static const struct option longs[] = {
	    {"json", no_argument, NULL, O_JSON},
	    {"csv", required_argument, NULL, O_CSV},
	    {"out", required_argument, NULL, 'o'},
	    {"check", no_argument, NULL, O_CHECK},
	    {"trials", required_argument, NULL, 'n'},
	    {"clones", required_argument, NULL, O_CLONES},
	    {"seed", required_argument, NULL, O_SEED},
	    {"threads", required_argument, NULL, 'j'},
	    {"batch", required_argument, NULL, O_BATCH},
	    {"db", required_argument, NULL, O_DB},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	opts op;
	memset(&op, 0, sizeof op);
	op.so = sp_sim_defaults();
	/* One copy per season: copies of one applicant apply to the same
	 * programs with the same signals and take each other's places.
	 * With 5 copies the non-US IMG of the panel in Pathology, whose
	 * programs take 3 or 4 residents, matched 68% against 79% with
	 * one copy (200 and 150 copies; docs/validation.md). */
	op.so.trials = 200;
	op.clones = 1;
	const char *db = NULL, *cohort = NULL;
	long v;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:n:j:qh", longs, NULL)) != -1) {
		switch (c) {
		case O_JSON:
			op.json = true;
			break;
		case O_CSV:
			op.csv = optarg;
			break;
		case 'o':
			op.out = optarg;
			break;
		case O_CHECK:
			op.check = true;
			break;
		case 'n':
			if (!cli_parse_long(optarg, 1, 100000, &v))
				return cli_usage(argv[0], "--trials needs an "
				                          "integer from 1");
			op.so.trials = (int)v;
			break;
		case O_CLONES:
			if (!cli_parse_long(optarg, 1, 1000, &v))
				return cli_usage(argv[0],
				                 "--clones needs an "
				                 "integer from 1 to 1000");
			op.clones = (int)v;
			break;
		case O_SEED:
			if (!cli_parse_u64(optarg, &op.so.seed))
				return cli_usage(argv[0],
				                 "--seed needs a "
				                 "non-negative integer");
			break;
		case 'j':
			if (!cli_parse_long(optarg, 1, 256, &v))
				return cli_usage(argv[0],
				                 "--threads needs an "
				                 "integer from 1 to 256");
			op.so.threads = (int)v;
			break;
		case O_BATCH:
			cohort = optarg;
			break;
		case O_DB:
			db = optarg;
			break;
		case 'q':
			op.quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OKAY;
		default:
			return cli_usage(argv[0], "unknown option");
		}
	}
	if (cohort) {
		if (optind != argc)
			return cli_usage(argv[0], "--batch takes no profile "
			                          "argument");
		if (!op.out)
			return cli_usage(argv[0], "--batch needs --out DIR");
		if (op.json || op.csv)
			return cli_usage(argv[0], "--batch writes JSON, text "
			                          "and CSV per student; drop "
			                          "--json/--csv");
	} else if (optind + 1 != argc) {
		return cli_usage(argv[0], optind == argc
		                              ? "give a profile (see --help)"
		                              : "give one profile");
	}
	sp_advisor *a = NULL;
	int rc = open_advisor(argv[0], db, &a);
	if (rc)
		return rc;
	rc = cohort ? batch(argv[0], a, cohort, &op)
	            : one(argv[0], a, argv[optind], &op);
	sp_advisor_free(a);
	return rc;
}

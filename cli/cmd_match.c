/*
 * cmd_match.c — `smartpick match`: reads rank order lists, runs the
 * match, writes the matching (stdout or --out, atomically) and a summary
 * (stderr or --summary).
 */
#include "cli.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
    "usage: smartpick match [OPTIONS] INPUT\n"
    "\n"
    "Runs the NRMP's matching algorithm (Roth-Peranson, applicant-proposing\n"
    "deferred acceptance with couples, supplemental PGY-1 lists and\n"
    "reversions) on the rank order lists in INPUT and writes the matching.\n"
    "\n"
    "INPUT is a .rp file (stable-matching-suite text format, extended), a\n"
    ".json file, a directory of CSV files, or - for .rp text on stdin.\n"
    "Formats are described in docs/formats.md.\n"
    "\n"
    "options:\n"
    "  -o, --out FILE          write the matching to FILE (default: stdout);\n"
    "                          the file appears whole or not at all\n"
    "  -f, --format FMT        matching format: rp, json or csv (default: the\n"
    "                          input's format; csv for a CSV directory)\n"
    "      --input-format FMT  read INPUT as rp, json or csv\n"
    "  -s, --summary FILE      write the summary to FILE (default: stderr)\n"
    "  -q, --quiet             no summary\n"
    "      --programs-propose  program-proposing mode (singles only), for\n"
    "                          comparison\n"
    "      --seed N            enter couples in an order shuffled from N\n"
    "                          (default 0: input order)\n"
    "      --cycle-limit N     displacements of one applicant before a cycle\n"
    "                          is declared (default 1000)\n"
    "      --restarts N        after a cycle, retry with N new couple orders\n"
    "                          (default 0; needs --seed)\n"
    "      --verify            check the result with the verifier too\n"
    "  -h, --help              this help\n"
    "\n"
    "Exit status: 0 matched (and verified, with --verify); 1 no stable\n"
    "matching found (the matching with the fewest violations found is\n"
    "still written, as `m 0`, and the summary names every violation) or\n"
    "--verify found violations; 2 usage; 3 bad input; 4 I/O; 5 internal.\n"
    "\n"
    "example:\n"
    "  smartpick gen --seed 1 --out market.rp\n"
    "  smartpick match market.rp --out matching.rp --summary summary.txt\n";

typedef struct {
	const char *input, *out, *summary;
	sp_format in_fmt, out_fmt;
	bool quiet, verify;
	sp_match_opts mo;
} opts;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int parse_args(int argc, char **argv, opts *o)
{
	enum { O_INFMT = 256, O_PP, O_SEED, O_CYC, O_RESTARTS, O_VERIFY };
	static const struct option longs[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"format", required_argument, NULL, 'f'},
	    {"input-format", required_argument, NULL, O_INFMT},
	    {"summary", required_argument, NULL, 's'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"programs-propose", no_argument, NULL, O_PP},
	    {"seed", required_argument, NULL, O_SEED},
	    {"cycle-limit", required_argument, NULL, O_CYC},
	    {"restarts", required_argument, NULL, O_RESTARTS},
	    {"verify", no_argument, NULL, O_VERIFY},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	memset(o, 0, sizeof *o);
	o->mo = sp_match_defaults();
	optind = 1;
	int c;
	long v;
	while ((c = getopt_long(argc, argv, "o:f:s:qh", longs, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'f':
		case O_INFMT: {
			sp_format f = sp_format_parse(optarg);
			if (f == SP_FMT_AUTO)
				return cli_usage(argv[0],
				                 "unknown format '%s' (use rp, "
				                 "json or csv)",
				                 optarg);
			*(c == 'f' ? &o->out_fmt : &o->in_fmt) = f;
			break;
		}
		case 's':
			o->summary = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case O_PP:
			o->mo.side = SP_PROPOSE_PROGRAMS;
			break;
		case O_SEED:
			if (!cli_parse_u64(optarg, &o->mo.seed))
				return cli_usage(argv[0],
				                 "--seed needs a "
				                 "non-negative integer");
			break;
		case O_CYC:
			if (!cli_parse_long(optarg, 1, 1000000000, &v))
				return cli_usage(argv[0], "--cycle-limit needs "
				                          "an integer from 1");
			o->mo.cycle_limit = (int)v;
			break;
		case O_RESTARTS:
			if (!cli_parse_long(optarg, 0, 1000000, &v))
				return cli_usage(argv[0], "--restarts needs an "
				                          "integer from 0");
			o->mo.max_restarts = (int)v;
			break;
		case O_VERIFY:
			o->verify = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			return cli_usage(argv[0], "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage(argv[0], optind >= argc
		                              ? "missing INPUT"
		                              : "only one INPUT, please");
	o->input = argv[optind];
	return EXIT_OKAY;
}

/* Reads INPUT, "-" meaning stdin. */
static sp_status read_input(const opts *o, sp_inst **in, sp_err *err)
{
	if (strcmp(o->input, "-") != 0)
		return sp_inst_read(o->input, o->in_fmt, in, err);
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return SP_ENOMEM;
	size_t n;
	while ((n = fread(buf + len, 1, cap - len, stdin)) > 0) {
		len += n;
		if (len == cap) {
			if (cap >= (size_t)SP_MAX_FILE) {
				free(buf);
				snprintf(err->msg, sizeof err->msg,
				         "<stdin>: input larger than %ld bytes",
				         (long)SP_MAX_FILE);
				return SP_ELIMIT;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return SP_ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
	}
	sp_format f = o->in_fmt == SP_FMT_AUTO ? SP_FMT_RP : o->in_fmt;
	sp_status s = sp_inst_read_mem(buf, len, f, "<stdin>", in, err);
	free(buf);
	return s;
}

static int cmp_int_desc(const void *x, const void *y)
{
	const int *a = x, *b = y;
	return (b[1] > a[1]) - (b[1] < a[1]);
}

static void write_summary(FILE *f, const sp_inst *in, const sp_matching *m,
                          const opts *o, double ms, bool all_unfilled)
{
	int32_t na = sp_inst_napplicants(in), np = sp_inst_nprograms(in);
	int32_t nc = sp_inst_ncouples(in);
	long matched = 0, supp_placed = 0, positions = 0, filled = 0;
	for (int32_t a = 0; a < na; a++) {
		matched += sp_matching_program(m, a) != SP_NONE;
		supp_placed += sp_matching_supplemental(m, a) != SP_NONE;
	}
	long both = 0, one = 0, neither = 0;
	for (int32_t c = 0; c < nc; c++) {
		int32_t a, b;
		sp_inst_couple_members(in, c, &a, &b);
		int k = (sp_matching_program(m, a) != SP_NONE) +
		        (sp_matching_program(m, b) != SP_NONE);
		both += k == 2;
		one += k == 1;
		neither += k == 0;
	}
	/* (program, unfilled) pairs, most unfilled first. */
	int *unf = malloc(2 * ((size_t)np + 1) * sizeof *unf);
	int32_t nunf = 0;
	for (int32_t p = 0; p < np && unf; p++) {
		int cap = sp_matching_capacity(m, p);
		int fill = sp_matching_filled(m, p);
		positions += cap;
		filled += fill;
		if (fill < cap) {
			unf[2 * nunf] = p;
			unf[2 * nunf + 1] = cap - fill;
			nunf++;
		}
	}
	const sp_match_stats *st = sp_matching_stats(m);
	fprintf(f, "match: %s%s\n",
	        o->mo.side == SP_PROPOSE_PROGRAMS
	            ? "program-proposing deferred acceptance"
	            : "applicant-proposing (Roth-Peranson)",
	        sp_matching_stable(m) ? "" : " -- NO STABLE MATCHING FOUND");
	fprintf(f, "applicants  %8ld  matched %ld (%.1f%%), unmatched %ld\n",
	        (long)na, matched, na ? 100.0 * matched / na : 0.0,
	        (long)na - matched);
	if (nc)
		fprintf(f,
		        "couples     %8ld  both matched %ld, one matched %ld, "
		        "neither %ld\n",
		        (long)nc, both, one, neither);
	if (sp_inst_nsupplementals(in))
		fprintf(f,
		        "supplemental %7zu  lists; PGY-1 positions taken "
		        "through them: %ld\n",
		        sp_inst_nsupplementals(in), supp_placed);
	fprintf(f,
	        "programs    %8ld  positions %ld, filled %ld, unfilled %ld "
	        "in %ld programs\n",
	        (long)np, positions, filled, positions - filled, (long)nunf);
	if (sp_inst_nreversions(in))
		fprintf(f, "reversions  %8zu  positions reverted: %ld\n",
		        sp_inst_nreversions(in), st->reverted);
	fprintf(f,
	        "engine      proposals %ld, displacements %ld, program "
	        "checks %ld, couple rounds %d, cycles %d, restarts %d, "
	        "%.1f ms\n",
	        st->proposals, st->displacements, st->program_checks,
	        st->rounds, st->cycles, st->restarts, ms);
	if (st->fallback == 1)
		fprintf(f,
		        "fallback    RP's chain repair cycled; the KPR-style "
		        "algorithm settled it in %d repair pass(es)\n",
		        st->kpr_passes);
	else if (st->fallback == 2)
		fprintf(f,
		        "fallback    RP's chain repair and the KPR-style "
		        "algorithm cycled; a random walk over blocking pairs "
		        "settled it in %d step(s)\n",
		        st->walk_steps);
	if (nunf && unf) {
		qsort(unf, (size_t)nunf, 2 * sizeof *unf, cmp_int_desc);
		int32_t show = all_unfilled ? nunf : (nunf < 20 ? nunf : 20);
		fprintf(f, "unfilled positions by program:\n");
		for (int32_t i = 0; i < show; i++)
			fprintf(f, "  %-20s %d of %d\n",
			        sp_inst_program_name(in, unf[2 * i]),
			        unf[2 * i + 1],
			        sp_matching_capacity(m, unf[2 * i]));
		if (show < nunf)
			fprintf(f,
			        "  ... %ld more (use --summary FILE for "
			        "all)\n",
			        (long)(nunf - show));
	}
	free(unf);
}

/* Runs the verifier and prints each violation (the first `show`);
 * returns their number. */
static long run_verify(const sp_inst *in, const sp_matching *m, FILE *f,
                       long show)
{
	sp_report *r;
	if (sp_verify(in, m, &r) != SP_OK)
		return -1;
	long n = (long)sp_report_count(r);
	for (long k = 0; k < n && k < show; k++) {
		char buf[600];
		sp_violation_describe(in, sp_report_get(r, (size_t)k), buf,
		                      sizeof buf);
		fprintf(f, "  %s\n", buf);
	}
	fprintf(f, "verify: %ld violation(s)%s\n", n,
	        n > show ? " (first 50 shown)" : "");
	sp_report_free(r);
	return n;
}

int cmd_match(int argc, char **argv)
{
	opts o;
	int rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? EXIT_OKAY : rc;
	sp_err err = {0};
	sp_inst *in = NULL;
	sp_status s = read_input(&o, &in, &err);
	if (s) {
		cli_error(argv[0], "%s", err.msg[0] ? err.msg : sp_strerror(s));
		return cli_exit_for(s);
	}
	sp_format fmt = o.out_fmt;
	if (fmt == SP_FMT_AUTO)
		fmt = o.in_fmt != SP_FMT_AUTO     ? o.in_fmt
		      : strcmp(o.input, "-") == 0 ? SP_FMT_RP
		                                  : sp_format_of_path(o.input);
	if (fmt == SP_FMT_AUTO)
		fmt = SP_FMT_RP;

	double t0 = now_ms();
	sp_matching *m = NULL;
	s = sp_match(in, &o.mo, &m, &err);
	double ms = now_ms() - t0;
	if (s && s != SP_ENOSTABLE) {
		cli_error(argv[0], "%s", err.msg[0] ? err.msg : sp_strerror(s));
		sp_inst_free(in);
		return cli_exit_for(s);
	}
	rc = s == SP_ENOSTABLE ? EXIT_UNSTABLE : EXIT_OKAY;
	if (s == SP_ENOSTABLE)
		cli_error(argv[0], "%s", err.msg);

	cli_out out;
	if (!cli_out_open(&out, o.out)) {
		cli_error(argv[0], "%s", cli_out_error());
		rc = EXIT_IO;
		goto done;
	}
	if (sp_matching_fwrite(in, m, fmt, out.f) != SP_OK) {
		cli_out_abort(&out);
		cli_error(argv[0], "cannot write the matching to %s",
		          o.out ? o.out : "stdout");
		rc = EXIT_IO;
		goto done;
	}
	if (!cli_out_commit(&out)) {
		cli_error(argv[0], "%s", cli_out_error());
		rc = EXIT_IO;
		goto done;
	}
	/* No stable matching found: the administrator gets every
	 * violation of the matching written, whatever -q says. */
	bool unsettled = s == SP_ENOSTABLE;
	if (!o.quiet || o.verify || unsettled) {
		cli_out so;
		if (o.summary && !cli_out_open(&so, o.summary)) {
			cli_error(argv[0], "%s", cli_out_error());
			rc = EXIT_IO;
			goto done;
		}
		FILE *f = o.summary ? so.f : stderr;
		if (!o.quiet)
			write_summary(f, in, m, &o, ms, o.summary != NULL);
		if (o.verify || unsettled) {
			if (unsettled)
				fprintf(f, "unsettled: the matching written "
				           "has the fewest violations found; "
				           "every one:\n");
			long nv =
			    run_verify(in, m, f, unsettled ? LONG_MAX : 50);
			if (nv != 0 && rc == EXIT_OKAY)
				rc = nv < 0 ? EXIT_INTERNAL : EXIT_UNSTABLE;
		}
		if (o.summary && !cli_out_commit(&so)) {
			cli_error(argv[0], "%s", cli_out_error());
			rc = EXIT_IO;
		}
	}
done:
	sp_matching_free(m);
	sp_inst_free(in);
	return rc;
}

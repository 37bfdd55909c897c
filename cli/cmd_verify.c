/*
 * cmd_verify.c — `smartpick verify`: checks a matching against rank
 * order lists and prints every violation in a sentence.
 */
#include "cli.h"

#include <getopt.h>
#include <string.h>

static const char usage_text[] =
    "usage: smartpick verify [OPTIONS] INSTANCE MATCHING\n"
    "\n"
    "Checks MATCHING against the rank order lists in INSTANCE: capacities\n"
    "(after reversions), that every pair ranked each other, every blocking\n"
    "pair (a single, or a supplemental list, with a program) and blocking\n"
    "coalition (a couple with one or two programs), couples at pairs of\n"
    "their list, supplemental positions under a linked advanced match, and\n"
    "reversion accounting.  Linear in the size of the lists.\n"
    "\n"
    "INSTANCE is a .rp file, a .json file or a directory of CSV files.\n"
    "MATCHING is what `smartpick match` wrote: .rp, .json or .csv.\n"
    "\n"
    "options:\n"
    "      --input-format FMT     read INSTANCE as rp, json or csv\n"
    "      --matching-format FMT  read MATCHING as rp, json or csv\n"
    "      --json                 print the violations as a JSON object\n"
    "      --max N                print at most N violations (default: all)\n"
    "  -q, --quiet                print only the count\n"
    "  -h, --help                 this help\n"
    "\n"
    "Exit status: 0 the matching is stable and valid; 1 violations found;\n"
    "2 usage; 3 bad input; 4 I/O; 5 internal.\n";

static const char *kind_name(sp_violation_kind k)
{
	switch (k) {
	case SP_V_OVER_QUOTA:
		return "over_capacity";
	case SP_V_UNACCEPTABLE:
		return "unacceptable";
	case SP_V_BLOCKING_PAIR:
		return "blocking_pair";
	case SP_V_BLOCKING_COUPLE:
		return "blocking_coalition";
	case SP_V_COUPLE_SPLIT:
		return "couple_split";
	case SP_V_SUPPLEMENTAL:
		return "supplemental";
	case SP_V_REVERSION:
		return "reversion";
	}
	return "unknown";
}

/* Prints s as a JSON string through the library's writer (a failed
 * write is caught when stdout is closed). */
static void json_str(const char *s)
{
	(void)!sp_json_fputs(s, stdout);
}

int cmd_verify(int argc, char **argv)
{
	enum { O_INFMT = 256, O_MFMT, O_JSON, O_MAX };
	static const struct option longs[] = {
	    {"input-format", required_argument, NULL, O_INFMT},
	    {"matching-format", required_argument, NULL, O_MFMT},
	    {"json", no_argument, NULL, O_JSON},
	    {"max", required_argument, NULL, O_MAX},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	sp_format ifmt = SP_FMT_AUTO, mfmt = SP_FMT_AUTO;
	bool json = false, quiet = false;
	long max = -1;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", longs, NULL)) != -1) {
		switch (c) {
		case O_INFMT:
		case O_MFMT: {
			sp_format f = sp_format_parse(optarg);
			if (f == SP_FMT_AUTO)
				return cli_usage(argv[0], "unknown format '%s'",
				                 optarg);
			*(c == O_INFMT ? &ifmt : &mfmt) = f;
			break;
		}
		case O_JSON:
			json = true;
			break;
		case O_MAX:
			if (!cli_parse_long(optarg, 0, 1L << 40, &max))
				return cli_usage(argv[0],
				                 "--max needs a "
				                 "non-negative integer");
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
	if (argc - optind != 2)
		return cli_usage(argv[0], "needs INSTANCE and MATCHING");
	const char *ipath = argv[optind], *mpath = argv[optind + 1];
	if (mfmt == SP_FMT_AUTO) {
		size_t n = strlen(mpath);
		mfmt = n > 4 && strcmp(mpath + n - 4, ".csv") == 0
		           ? SP_FMT_CSV
		           : sp_format_of_path(mpath);
		if (mfmt == SP_FMT_AUTO)
			mfmt = SP_FMT_RP;
	}
	sp_err err = {0};
	sp_inst *in = NULL;
	sp_matching *m = NULL;
	sp_report *r = NULL;
	sp_status s = sp_inst_read(ipath, ifmt, &in, &err);
	if (!s)
		s = sp_matching_read(in, mpath, mfmt, &m, &err);
	if (s) {
		cli_error(argv[0], "%s", err.msg[0] ? err.msg : sp_strerror(s));
		sp_inst_free(in);
		return cli_exit_for(s);
	}
	s = sp_verify(in, m, &r);
	if (s) {
		cli_error(argv[0], "%s", sp_strerror(s));
		sp_matching_free(m);
		sp_inst_free(in);
		return cli_exit_for(s);
	}
	size_t n = sp_report_count(r);
	size_t show =
	    quiet ? 0 : (max < 0 || (size_t)max > n ? n : (size_t)max);
	if (json) {
		printf("{\"stable\":%s,\"violations\":%zu,\"list\":[",
		       n ? "false" : "true", n);
		for (size_t k = 0; k < show; k++) {
			const sp_violation *v = sp_report_get(r, k);
			char buf[600];
			sp_violation_describe(in, v, buf, sizeof buf);
			printf("%s{\"kind\":\"%s\",\"text\":", k ? "," : "",
			       kind_name(v->kind));
			json_str(buf);
			putchar('}');
		}
		printf("]}\n");
	} else {
		for (size_t k = 0; k < show; k++) {
			char buf[600];
			sp_violation_describe(in, sp_report_get(r, k), buf,
			                      sizeof buf);
			printf("%s\n", buf);
		}
		fprintf(stderr, "verify: %s: %zu violation(s)%s\n", mpath, n,
		        n ? "" : "; the matching is stable");
	}
	sp_report_free(r);
	sp_matching_free(m);
	sp_inst_free(in);
	return n ? EXIT_UNSTABLE : EXIT_OKAY;
}

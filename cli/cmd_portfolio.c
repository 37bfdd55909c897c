/*
 * cmd_portfolio.c — `smartpick portfolio`: the raw portfolio problem
 * (options with a success probability and a value; a count or a budget)
 * in JSON, the optimal set out.  A thin client of sp_portfolio_json.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* The library refuses larger problems; read one byte more to tell. */
#define MAX_INPUT ((size_t)16 << 20)

static const char usage_text[] =
    "usage: smartpick portfolio [OPTIONS] [FILE|-]\n"
    "\n"
    "Chooses the options that maximize the expected value of the best\n"
    "success, when option j succeeds independently with probability p\n"
    "and is then worth `value` (default 1, which makes the objective the\n"
    "probability of at least one success).  FILE (default: stdin) is\n"
    "\n"
    "  {\"options\": [{\"id\": \"a\", \"p\": 0.39, \"value\": 200, \"cost\": "
    "3},\n"
    "               ...],\n"
    "   \"count\": 3}            take at most 3 options (cost ignored), or\n"
    "   \"budget\": 8}           total cost at most 8 (integer costs)\n"
    "\n"
    "and the answer is {\"chosen\": [ids in input order], \"value\": V}.\n"
    "With a count the answer is exact (Kapur's greedy, O(n count)); with a\n"
    "budget it is exact too (a dynamic programme over spending,\n"
    "O(n budget)).  docs/portfolio.md has the details.\n"
    "\n"
    "options:\n"
    "      --curve         with a count: the optimum for every count\n"
    "                      1..count, {\"curve\": [{\"count\": 1, \"added\":\n"
    "                      id, \"chosen\": [...], \"value\": V}, ...]}\n"
    "  -o, --out FILE      write the answer to FILE (whole or not at all)\n"
    "  -h, --help          this help\n"
    "\n"
    "Limits: 16 MiB of input, 100,000 options, ids of 1-64 bytes,\n"
    "options x count <= 2^28, options x (budget + 1) <= 2^30.\n"
    "Exit status: 0 done; 2 usage; 3 bad input (the message names\n"
    "file:line:column and the field); 4 I/O; 5 internal.\n";

/* Reads path ("-": stdin) into a malloc'd buffer of at most MAX_INPUT
 * bytes.  Returns an exit code; *buf is NULL unless EXIT_OKAY. */
static int read_input(const char *cmd, const char *path, char **buf,
                      size_t *len)
{
	bool in = !strcmp(path, "-");
	FILE *f = in ? stdin : fopen(path, "rb");
	*buf = NULL;
	*len = 0;
	if (!f) {
		cli_error(cmd, "cannot read %s: %s", path, strerror(errno));
		return EXIT_IO;
	}
	size_t cap = 1 << 16, n = 0, k;
	char *b = malloc(cap);
	while (b && (k = fread(b + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap && cap <= MAX_INPUT) {
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
		if (n > MAX_INPUT)
			break;
	}
	int rc = EXIT_OKAY;
	if (!b) {
		cli_error(cmd, "out of memory reading %s", path);
		rc = EXIT_INTERNAL;
	} else if (ferror(f)) {
		cli_error(cmd, "cannot read %s: %s", path, strerror(errno));
		rc = EXIT_IO;
	} else if (n > MAX_INPUT) {
		cli_error(cmd, "%s: larger than %zu bytes", path, MAX_INPUT);
		rc = EXIT_INPUT;
	}
	if (!in)
		fclose(f);
	if (rc) {
		free(b);
		return rc;
	}
	*buf = b;
	*len = n;
	return EXIT_OKAY;
}

int cmd_portfolio(int argc, char **argv)
{
	enum { O_CURVE = 256 };
	static const struct option longs[] = {
	    {"curve", no_argument, NULL, O_CURVE},
	    {"out", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	bool curve = false;
	const char *out = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longs, NULL)) != -1) {
		switch (c) {
		case O_CURVE:
			curve = true;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OKAY;
		default:
			return cli_usage(argv[0], "unknown option");
		}
	}
	if (argc - optind > 1)
		return cli_usage(argv[0], "takes at most one FILE");
	const char *path = optind < argc ? argv[optind] : "-";
	char *text;
	size_t len;
	int rc = read_input(argv[0], path, &text, &len);
	if (rc)
		return rc;
	char *answer = NULL;
	size_t alen = 0;
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_status s =
	    sp_portfolio_json(text, len, strcmp(path, "-") ? path : "stdin",
	                      curve, &answer, &alen, &err);
	free(text);
	if (s) {
		cli_error(argv[0], "%s", err.msg[0] ? err.msg : sp_strerror(s));
		return cli_exit_for(s);
	}
	cli_out o;
	if (!cli_out_open(&o, out)) {
		cli_error(argv[0], "%s", cli_out_error());
		sp_free(answer);
		return EXIT_IO;
	}
	bool ok =
	    fwrite(answer, 1, alen, o.f) == alen && fputc('\n', o.f) != EOF;
	sp_free(answer);
	if (!ok) {
		cli_out_abort(&o);
		cli_error(argv[0], "cannot write %s", out ? out : "stdout");
		return EXIT_IO;
	}
	if (!cli_out_commit(&o)) {
		cli_error(argv[0], "%s", cli_out_error());
		return EXIT_IO;
	}
	return EXIT_OKAY;
}

/*
 * cmd_rank.c — `smartpick rank`: after interviews, a rank order list in
 * (the profile and the programs that interviewed the applicant, in order
 * of preference), P(match) program by program out, as text or --json
 * (src/rank.c; docs/rank.md).
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: smartpick rank [OPTIONS] ROL.json\n"
    "\n"
    "After interviews: the chance that a rank order list matches, and at\n"
    "which program, with what ranking the programs left off would add.\n"
    "ROL.json is {\"profile\": {...}, \"rank_order\": [\"CODE\", ...],\n"
    "\"also_interviewed\": [\"CODE\", ...]}: the profile as for recommend,\n"
    "and catalog program codes in order of preference (docs/rank.md; an\n"
    "example: examples/rank.json).  '-' reads it from stdin.\n"
    "\n"
    "options:\n"
    "      --json        write the report as JSON\n"
    "  -o, --out FILE    write the report to FILE (default: stdout)\n"
    "      --db PATH     catalog database (default: $SMARTPICK_DB or\n"
    "                    smartpick.db)\n"
    "  -h, --help        this help\n"
    "\n"
    "'smartpick help ranking' explains the figures.\n";

static int report(const sp_rank *r, const char *path, bool json)
{
	cli_out o;
	if (!cli_out_open(&o, path)) {
		cli_error("rank", "cannot write %s", path);
		return EXIT_IO;
	}
	sp_status s =
	    json ? sp_rank_write_json(r, o.f) : sp_rank_write_table(r, o.f);
	if (s) {
		cli_out_abort(&o);
	}
	if (s || !cli_out_commit(&o)) {
		cli_error("rank", "cannot write %s", path ? path : "stdout");
		return EXIT_IO;
	}
	return EXIT_OKAY;
}

int cmd_rank(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'J'},
	    {"out", required_argument, NULL, 'o'},
	    {"db", required_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	bool json = false;
	const char *out = NULL, *db = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'J':
			json = true;
			break;
		case 'o':
			out = optarg;
			break;
		case 'D':
			db = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OKAY;
		case ':':
			return cli_usage("rank", "option '%s' needs a value",
			                 argv[optind - 1]);
		default:
			return cli_usage("rank", "unknown option '%s'",
			                 argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage("rank", "expected one ROL.json (see --help)");
	const char *path = argv[optind];
	size_t len;
	char *buf = cli_read_input("rank", path, &len);
	if (!buf)
		return EXIT_IO;
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_catalog *cat = NULL;
	sp_advisor *a = NULL;
	sp_rank *r = NULL;
	sp_status s =
	    sp_catalog_open(sp_catalog_default_path(db), 0, &cat, &err);
	if (!s)
		s = sp_advisor_open(cat, &a, &err);
	sp_catalog_close(cat);
	if (!s)
		s = sp_rank_eval(a, buf, len,
		                 strcmp(path, "-") ? path : "stdin", &r, &err);
	free(buf);
	int rc = s ? cli_fail("rank", s, &err) : report(r, out, json);
	sp_rank_free(r);
	sp_advisor_free(a);
	return rc;
}

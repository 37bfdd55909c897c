/*
 * cmd_chances.c — `smartpick chances`: one applicant's chances at every
 * program of a specialty (a table, --json or --csv), whether or not the
 * recommended list would take it.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: smartpick chances [OPTIONS] PROFILE.json\n"
    "\n"
    "The applicant's chances at every program of a specialty (default:\n"
    "the profile's): P(interview) with no signal and with each signal\n"
    "tier the specialty has, and P(match if applied), best first.  The\n"
    "profile format is docs/profile.md; '-' reads it from stdin.\n"
    "\n"
    "options:\n"
    "      --specialty NAME  another specialty (a name or code)\n"
    "      --json            write JSON (fields in docs/http-api.md)\n"
    "      --csv FILE        also write CSV to FILE\n"
    "  -o, --out FILE        write to FILE (default: stdout)\n"
    "      --db PATH         catalog database (default: $SMARTPICK_DB or\n"
    "                        smartpick.db)\n"
    "  -h, --help            this help\n"
    "\n"
    "examples:\n"
    "  smartpick chances examples/profile.json\n"
    "  smartpick chances --specialty FM --json examples/profile.json\n";

enum { O_JSON = 256, O_CSV, O_DB, O_SPEC };

static int write_to(const char *cmd, const sp_chances *ch, const char *path,
                    int how)
{
	cli_out o;
	if (!cli_out_open(&o, path)) {
		cli_error(cmd, "cannot write %s", path);
		return EXIT_IO;
	}
	sp_status s = how == 0   ? sp_chances_write_table(ch, o.f)
	              : how == 1 ? sp_chances_write_json(ch, o.f)
	                         : sp_chances_write_csv(ch, o.f);
	if (s) {
		cli_out_abort(&o);
	} else if (cli_out_commit(&o)) {
		return EXIT_OKAY;
	}
	cli_error(cmd, "cannot write %s", path ? path : "stdout");
	return EXIT_IO;
}

static int run(const char *cmd, const char *db, const char *path,
               const char *spec, const char *csv, const char *out, bool json)
{
	size_t len;
	char *buf = cli_read_input(cmd, path, &len);
	if (!buf)
		return EXIT_IO;
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_catalog *c = NULL;
	sp_advisor *a = NULL;
	sp_chances *ch = NULL;
	sp_status s = sp_catalog_open(sp_catalog_default_path(db), 0, &c, &err);
	if (!s)
		s = sp_advisor_open(c, &a, &err);
	sp_catalog_close(c);
	if (!s)
		s = sp_chances_compute(a, buf, len,
		                       strcmp(path, "-") ? path : "stdin", spec,
		                       &ch, &err);
	free(buf);
	int rc = s ? cli_fail(cmd, s, &err) : EXIT_OKAY;
	if (!rc && csv)
		rc = write_to(cmd, ch, csv, 2);
	if (!rc)
		rc = write_to(cmd, ch, out, json ? 1 : 0);
	sp_chances_free(ch);
	sp_advisor_free(a);
	return rc;
}

int cmd_chances(int argc, char **argv)
{
	static const struct option longs[] = {
	    {"specialty", required_argument, NULL, O_SPEC},
	    {"json", no_argument, NULL, O_JSON},
	    {"csv", required_argument, NULL, O_CSV},
	    {"out", required_argument, NULL, 'o'},
	    {"db", required_argument, NULL, O_DB},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	const char *db = NULL, *spec = NULL, *csv = NULL, *out = NULL;
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longs, NULL)) != -1) {
		switch (c) {
		case O_SPEC:
			spec = optarg;
			break;
		case O_JSON:
			json = true;
			break;
		case O_CSV:
			csv = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case O_DB:
			db = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OKAY;
		default:
			return cli_usage(argv[0], "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage(argv[0], optind == argc
		                              ? "give a profile (see --help)"
		                              : "give one profile");
	return run(argv[0], db, argv[optind], spec, csv, out, json);
}

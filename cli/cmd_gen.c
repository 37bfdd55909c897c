/*
 * cmd_gen.c — `smartpick gen`: writes a seeded synthetic market (see
 * src/gen.c for the model) as rp, JSON or a folder of CSV files.
 *
 * A preset gives every option; the other flags override it one by one.
 * Bad values are usage errors naming the flag; the library checks how
 * options combine (e.g. couples against applicants) and its message is
 * reported under the flag's name too.
 */
#include "cli.h"

#include <limits.h>
#include <string.h>

#define CMD "gen"

/* The library's option names and the flags that set them. */
static const struct {
	const char *field;
	const char *flag;
} flag_of[] = {
    {"napplicants", "--applicants"},
    {"ncouples", "--couples"},
    {"nprograms", "--programs"},
    {"npositions", "--positions"},
    {"rol_len", "--rol-len"},
    {"couple_rol_len", "--couple-rol-len"},
    {"correlation", "--correlation"},
    {"nregions", "--regions"},
    {"supplemental_share", "--supplemental"},
    {"reversions", "--reversions"},
    {"preliminary_share", "--preliminary"},
    {"advanced_applicants", "--advanced-applicants"},
    {"supplemental_len", "--supplemental-len"},
};

static void help(void)
{
	sp_gen_opts s = sp_gen_defaults(), n = sp_gen_national();
	printf("usage: smartpick gen [OPTIONS]\n"
	       "\n"
	       "Writes a seeded synthetic residency market: programs in "
	       "regions with a common\n"
	       "quality, applicants with a latent strength, correlated "
	       "rank order lists on\n"
	       "both sides, couples who rank pairs of programs in one "
	       "region, supplemental\n"
	       "lists for advanced programs, and reversions.  The same "
	       "options give the same\n"
	       "market on every machine.\n"
	       "\n"
	       "options (defaults: small preset / national preset):\n");
	printf("  --preset NAME         small, national or hard (default "
	       "small); hard is\n"
	       "                        national-size with supplemental "
	       "lists for 40%% of\n"
	       "                        applicants, for stress tests\n"
	       "  --seed N              random seed (%llu / %llu)\n",
	       (unsigned long long)s.seed, (unsigned long long)n.seed);
	printf("  --applicants N        applicants, couple members "
	       "included (%d / %d)\n",
	       (int)s.napplicants, (int)n.napplicants);
	printf("  --couples N           couples among them (%d / %d)\n",
	       (int)s.ncouples, (int)n.ncouples);
	printf("  --programs N          programs (%d / %d)\n", (int)s.nprograms,
	       (int)n.nprograms);
	printf("  --positions N         positions over all programs "
	       "(%d / %d)\n",
	       (int)s.npositions, (int)n.npositions);
	printf("  --rol-len N           mean programs ranked by a single "
	       "(%d / %d)\n",
	       s.rol_len, n.rol_len);
	printf("  --couple-rol-len N    mean pairs ranked by a couple "
	       "(%d / %d)\n",
	       s.couple_rol_len, n.couple_rol_len);
	printf("  --correlation X       0 = idiosyncratic, 1 = common views "
	       "(%g / %g)\n",
	       s.correlation, n.correlation);
	printf("  --regions N           regions (%d / %d)\n", s.nregions,
	       n.nregions);
	printf("  --supplemental X      share of programs that are "
	       "advanced, 0..0.5,\n"
	       "                        with as many preliminary "
	       "(%g / %g)\n",
	       s.supplemental_share, n.supplemental_share);
	printf("  --reversions N        donor->receiver reversions "
	       "(%d / %d)\n",
	       s.reversions, n.reversions);
	printf("  --preliminary X       share of programs that are PGY-1 "
	       "only (%g / %g;\n"
	       "                        0: as many as advanced)\n",
	       s.preliminary_share, n.preliminary_share);
	printf("  --advanced-applicants X  share of singles who seek "
	       "advanced positions;\n"
	       "                        only they rank them (%g / %g; 0: "
	       "any single may)\n",
	       s.advanced_applicants, n.advanced_applicants);
	printf("  --supplemental-len N  mean supplemental list length "
	       "(%d / %d; 0: about\n"
	       "                        rol-len / 3)\n",
	       s.supplemental_len, n.supplemental_len);
	printf("  --format F            rp, json or csv (default: from "
	       "--out, else rp)\n"
	       "  --out PATH            file, or folder for csv; - is "
	       "stdout (default -)\n"
	       "  -h, --help            this text\n"
	       "\n"
	       "example:\n"
	       "  smartpick gen --preset national --seed 7 --out "
	       "market.rp\n"
	       "  smartpick gen --applicants 5000 --programs 500 "
	       "--positions 4800 --format json\n"
	       "\n"
	       "Exit codes: 0 written, 2 bad options, 4 cannot write, "
	       "5 out of memory.\n");
}

/* The value of option argv[*i]: "--opt=VALUE" or "--opt VALUE". */
static const char *value_of(int argc, char **argv, int *i, const char *eq)
{
	if (eq)
		return eq + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* The numeric flags, in the order of `numeric` below. */
enum {
	F_SEED,
	F_APPLICANTS,
	F_COUPLES,
	F_PROGRAMS,
	F_POSITIONS,
	F_ROL,
	F_CROL,
	F_CORR,
	F_REGIONS,
	F_SUPP,
	F_REV,
	F_PRELIM,
	F_ADVAPP,
	F_SUPPLEN,
	F_COUNT
};

typedef struct {
	sp_gen_opts o;
	const char *preset, *format, *out;
	/* Flags given on the command line, applied over the preset. */
	bool set[F_COUNT];
	sp_gen_opts given;
} gen_args;

static const char *const numeric[F_COUNT] = {"--seed",
                                             "--applicants",
                                             "--couples",
                                             "--programs",
                                             "--positions",
                                             "--rol-len",
                                             "--couple-rol-len",
                                             "--correlation",
                                             "--regions",
                                             "--supplemental",
                                             "--reversions",
                                             "--preliminary",
                                             "--advanced-applicants",
                                             "--supplemental-len"};

/* Parses the value v of numeric flag k into a->given; false if bad. */
static bool parse_numeric(gen_args *a, int k, const char *v)
{
	long n = 0;
	sp_gen_opts *g = &a->given;
	if (k == F_SEED)
		return cli_parse_u64(v, &g->seed);
	if (k == F_CORR)
		return cli_parse_double(v, 0.0, 1.0, &g->correlation);
	if (k == F_SUPP)
		return cli_parse_double(v, 0.0, 1.0, &g->supplemental_share);
	if (k == F_PRELIM)
		return cli_parse_double(v, 0.0, 1.0, &g->preliminary_share);
	if (k == F_ADVAPP)
		return cli_parse_double(v, 0.0, 1.0, &g->advanced_applicants);
	if (!cli_parse_long(v, 0, INT32_MAX, &n))
		return false;
	switch (k) {
	case F_APPLICANTS:
		g->napplicants = (int32_t)n;
		break;
	case F_COUPLES:
		g->ncouples = (int32_t)n;
		break;
	case F_PROGRAMS:
		g->nprograms = (int32_t)n;
		break;
	case F_POSITIONS:
		g->npositions = (int32_t)n;
		break;
	case F_ROL:
		g->rol_len = (int)n;
		break;
	case F_CROL:
		g->couple_rol_len = (int)n;
		break;
	case F_REGIONS:
		g->nregions = (int)n;
		break;
	case F_SUPPLEN:
		g->supplemental_len = (int)n;
		break;
	default:
		g->reversions = (int)n;
		break;
	}
	return true;
}

/* Copies the flags given over the preset's options. */
static void apply(gen_args *a)
{
	const sp_gen_opts *g = &a->given;
	sp_gen_opts *o = &a->o;
	if (a->set[F_SEED])
		o->seed = g->seed;
	if (a->set[F_APPLICANTS])
		o->napplicants = g->napplicants;
	if (a->set[F_COUPLES])
		o->ncouples = g->ncouples;
	if (a->set[F_PROGRAMS])
		o->nprograms = g->nprograms;
	if (a->set[F_POSITIONS])
		o->npositions = g->npositions;
	if (a->set[F_ROL])
		o->rol_len = g->rol_len;
	if (a->set[F_CROL])
		o->couple_rol_len = g->couple_rol_len;
	if (a->set[F_CORR])
		o->correlation = g->correlation;
	if (a->set[F_REGIONS])
		o->nregions = g->nregions;
	if (a->set[F_SUPP])
		o->supplemental_share = g->supplemental_share;
	if (a->set[F_REV])
		o->reversions = g->reversions;
	if (a->set[F_PRELIM])
		o->preliminary_share = g->preliminary_share;
	if (a->set[F_ADVAPP])
		o->advanced_applicants = g->advanced_applicants;
	if (a->set[F_SUPPLEN])
		o->supplemental_len = g->supplemental_len;
}

/* The text options, numbered after the numeric ones. */
enum { T_PRESET = F_COUNT, T_FORMAT, T_OUT, T_END };
static const char *const text[] = {"--preset", "--format", "--out"};

/* Which option arg[0..len) names, or -1. */
static int option_index(const char *arg, size_t len)
{
	for (int j = 0; j < T_END; j++) {
		const char *name = j < F_COUNT ? numeric[j] : text[j - F_COUNT];
		if (strlen(name) == len && !strncmp(arg, name, len))
			return j;
	}
	return -1;
}

/* Stores value v of option k; returns -1 to go on, else an exit code. */
static int take(gen_args *a, int k, const char *v, const char *name)
{
	if (k == T_PRESET)
		a->preset = v;
	else if (k == T_FORMAT)
		a->format = v;
	else if (k == T_OUT)
		a->out = v;
	else if (parse_numeric(a, k, v))
		a->set[k] = true;
	else
		return cli_usage(CMD, "bad value '%s' for %s", v, name);
	return -1;
}

/* Parses argv into a; returns -1 to go on, else an exit code. */
static int parse(int argc, char **argv, gen_args *a)
{
	memset(a, 0, sizeof *a);
	a->preset = "small";
	a->out = "-";
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			help();
			return EXIT_OKAY;
		}
		if (strncmp(arg, "--", 2) != 0)
			return cli_usage(CMD, "unexpected argument '%s'", arg);
		const char *eq = strchr(arg, '=');
		size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
		int k = option_index(arg, len);
		if (k < 0)
			return cli_usage(CMD, "unknown option '%.*s'", (int)len,
			                 arg);
		const char *name = k < F_COUNT ? numeric[k] : text[k - F_COUNT];
		const char *v = value_of(argc, argv, &i, eq);
		if (!v)
			return cli_usage(CMD, "%s needs a value", name);
		int rc = take(a, k, v, name);
		if (rc >= 0)
			return rc;
	}
	if (!strcmp(a->preset, "small"))
		a->o = sp_gen_defaults();
	else if (!strcmp(a->preset, "national"))
		a->o = sp_gen_national();
	else if (!strcmp(a->preset, "hard"))
		a->o = sp_gen_hard();
	else
		return cli_usage(CMD,
		                 "unknown preset '%s' (small, national, hard)",
		                 a->preset);
	apply(a);
	return -1;
}

/* Picks the output format from --format or the path. */
static int pick_format(const gen_args *a, sp_format *fmt)
{
	bool to_stdout = !strcmp(a->out, "-");
	if (a->format) {
		*fmt = sp_format_parse(a->format);
		if (*fmt == SP_FMT_AUTO)
			return cli_usage(CMD,
			                 "unknown format '%s' (rp, json, "
			                 "csv)",
			                 a->format);
	} else {
		*fmt = to_stdout ? SP_FMT_RP : sp_format_of_path(a->out);
		if (*fmt == SP_FMT_AUTO)
			return cli_usage(CMD,
			                 "cannot tell the format of '%s'; "
			                 "add --format rp|json|csv",
			                 a->out);
	}
	if (*fmt == SP_FMT_CSV && to_stdout)
		return cli_usage(CMD, "csv writes a folder of files: give "
		                      "--out DIR");
	return -1;
}

/* Reports sp_gen's failure; option errors are usage errors. */
static int gen_failed(sp_status s, const sp_err *err)
{
	if (s != SP_EINVAL) {
		cli_error(CMD, "%s", err->msg[0] ? err->msg : sp_strerror(s));
		return cli_exit_for(s);
	}
	const char *flag = err->field;
	for (size_t i = 0; i < sizeof flag_of / sizeof *flag_of; i++)
		if (!strcmp(err->field, flag_of[i].field))
			flag = flag_of[i].flag;
	/* The message reads "field 'x': detail"; keep the detail. */
	const char *detail = strstr(err->msg, "': ");
	detail = detail ? detail + 3 : err->msg;
	return cli_usage(CMD, "%s %s", flag, detail);
}

int cmd_gen(int argc, char **argv)
{
	gen_args a;
	int rc = parse(argc, argv, &a);
	if (rc >= 0)
		return rc;
	sp_format fmt;
	if ((rc = pick_format(&a, &fmt)) >= 0)
		return rc;
	sp_inst *in = NULL;
	sp_err err;
	sp_status s = sp_gen(&a.o, &in, &err);
	if (s)
		return gen_failed(s, &err);
	s = sp_inst_write(in, a.out, fmt, &err);
	sp_inst_free(in);
	if (s) {
		cli_error(CMD, "%s", err.msg[0] ? err.msg : sp_strerror(s));
		return cli_exit_for(s);
	}
	return EXIT_OKAY;
}

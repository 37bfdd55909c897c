/*
 * main.c — the smartpick command: dispatches to one cmd_<verb>.c per
 * subcommand.  Talks to people only through stderr, stdout and the exit
 * code; all the work is in libsmartpick.
 */
#include "cli.h"

#include <string.h>

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
    {"match", cmd_match, "run the match on rank order lists"},
    {"verify", cmd_verify, "check a matching: quotas, blocking pairs"},
    {"gen", cmd_gen, "generate a seeded synthetic market"},
    {"catalog", cmd_catalog, "build, import, export or show the catalog"},
    {"simulate", cmd_simulate,
     "simulate the Match: trials of the market model"},
    {"calibrate", cmd_calibrate, "fit the market model to the cited figures"},
    {"serve", cmd_serve, "serve the web page and its JSON API over HTTP"},
    {"recommend", cmd_recommend, "an applicant's optimized list and P(match)"},
    {"portfolio", cmd_portfolio, "the optimal set of options: count or budget"},
    {"rank", cmd_rank,
     "after interviews: a rank list's P(match), program by program"},
    {"study", cmd_study, "a policy sweep: one lever over values, simulated"},
    {"chances", cmd_chances, "an applicant's chances at every program"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: smartpick COMMAND [OPTIONS] [ARGS]\n\n"
	           "SmartPick: the NRMP's match algorithm (Roth-Peranson), "
	           "and tools around it.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
		        commands[i].summary);
	cli_help_topics(f);
	fprintf(f, "\n'smartpick COMMAND --help' describes a command.\n"
	           "Exit codes: 0 ok, 1 unstable or no stable matching, "
	           "2 usage, 3 bad input,\n4 I/O error, 5 internal error.\n");
}

static int run(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *verb = argv[1];
	if (!strcmp(verb, "-h") || !strcmp(verb, "--help") ||
	    (!strcmp(verb, "help") && argc == 2)) {
		usage(stdout);
		return EXIT_OKAY;
	}
	if (!strcmp(verb, "help")) {
		/* help COMMAND is COMMAND --help; else a topic. */
		char *sub[] = {argv[2], "--help", NULL};
		for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
			if (argc == 3 && !strcmp(argv[2], commands[i].name))
				return commands[i].fn(2, sub);
		return cmd_help(argc - 1, argv + 1);
	}
	if (!strcmp(verb, "--version") || !strcmp(verb, "version")) {
		printf("smartpick %s\n", SP_VERSION);
		return EXIT_OKAY;
	}
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (!strcmp(verb, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "smartpick: unknown command '%s'\n\n", verb);
	usage(stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	return cli_close_std(run(argc, argv));
}

/*
 * cli.h — shared pieces of the smartpick command: exit codes, the
 * subcommand table, atomic output files.  Includes only the public API.
 */
#ifndef SP_CLI_H
#define SP_CLI_H

#include "smartpick.h"

#include <stdbool.h>
#include <stdio.h>

/* Exit codes, documented in docs/cli.md. */
enum {
	EXIT_OKAY = 0,     /* done; for verify: the matching is stable */
	EXIT_UNSTABLE = 1, /* verify found violations; match found no
	                      stable matching */
	EXIT_USAGE = 2,    /* bad command line */
	EXIT_INPUT = 3,    /* bad input data (message names file:line) */
	EXIT_IO = 4,       /* cannot read or write a file */
	EXIT_INTERNAL = 5  /* out of memory or another internal failure */
};

/* Each subcommand: argv[0] is the subcommand's name. */
int cmd_match(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_catalog(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_recommend(int argc, char **argv);
int cmd_portfolio(int argc, char **argv);
int cmd_chances(int argc, char **argv);

/* Prints "smartpick CMD: message" to stderr and returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "smartpick CMD: message" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Maps a library status to an exit code. */
int cli_exit_for(sp_status s);
/* Prints the library's message for s (err's, else sp_strerror) and
 * returns the exit code for s. */
int cli_fail(const char *cmd, sp_status s, const sp_err *err);

/* Output that appears at `path` whole or not at all: write to the FILE
 * from cli_out_open, then cli_out_commit renames it into place (or
 * cli_out_abort removes it).  A NULL or "-" path means stdout. */
typedef struct {
	FILE *f;
	char *path;
	char *tmp;
} cli_out;
bool cli_out_open(cli_out *o, const char *path);
bool cli_out_commit(cli_out *o);
void cli_out_abort(cli_out *o);

/* Loads the market model from the catalog at `db` (or the built-in
 * synthetic catalog), then applies a params.csv if `params` is given;
 * prints its own errors and returns an exit code. */
int cli_model_load(const char *cmd, const char *db, bool builtin,
                   uint64_t cseed, const char *params, sp_model **m);
/* A progress bar on stderr (the simulator's progress callback). */
void cli_progress(void *ctx, int done, int total);

/* Reads a whole file ("-": stdin) into a malloc'd, NUL-terminated
 * buffer (at most 128 MiB); NULL when it cannot. */
char *cli_read_file(const char *path, size_t *len);

/* Parses a non-negative integer option; false on junk or overflow. */
bool cli_parse_long(const char *s, long lo, long hi, long *out);
bool cli_parse_u64(const char *s, uint64_t *out);
bool cli_parse_double(const char *s, double lo, double hi, double *out);

#endif

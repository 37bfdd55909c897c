/*
 * util.c — the CLI's helpers: messages, exit codes, atomic output files,
 * strict number parsing.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "smartpick %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'smartpick %s --help'.\n", cmd);
	return EXIT_USAGE;
}

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "smartpick %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_exit_for(sp_status s)
{
	switch (s) {
	case SP_OK:
		return EXIT_OKAY;
	case SP_ENOSTABLE:
	case SP_EUNSTABLE:
		return EXIT_UNSTABLE;
	case SP_EIO:
		return EXIT_IO;
	case SP_ENOMEM:
		return EXIT_INTERNAL;
	default:
		return EXIT_INPUT;
	}
}

/* Why the last cli_out_open or cli_out_commit failed. */
static char out_why[sizeof((sp_err *)0)->msg];

static void out_failed(const sp_err *err)
{
	snprintf(out_why, sizeof out_why, "%s", err->msg);
}

const char *cli_out_error(void)
{
	return out_why[0] ? out_why : "write error";
}

cli_runner cli_run = {sp_simulate, NULL, 0, 1, 0};

bool cli_out_open(cli_out *o, const char *path)
{
	memset(o, 0, sizeof *o);
	o->path = path && cli_run.rank == 0 ? path : "-";
	sp_err err;
	if (sp_outfile_open(o->path, &o->o, &o->f, &err)) {
		out_failed(&err);
		return false;
	}
	return true;
}

bool cli_out_commit(cli_out *o)
{
	sp_err err;
	bool ok = sp_outfile_commit(o->o, o->path, &err) == SP_OK;
	if (!ok)
		out_failed(&err);
	memset(o, 0, sizeof *o);
	return ok;
}

void cli_out_abort(cli_out *o)
{
	sp_outfile_abort(o->o);
	memset(o, 0, sizeof *o);
}

/* Like coreutils' close_stdout: output that never reached stdout or
 * stderr is an error, found only by flushing and closing them. */
int cli_close_std(int rc)
{
	bool out_ok = fflush(stdout) == 0 && !ferror(stdout);
	int saved = errno;
	/* A closed stdout that nothing was written to is not an error. */
	if (fclose(stdout) != 0 && errno != EBADF && out_ok) {
		out_ok = false;
		saved = errno;
	}
	if (!out_ok) {
		fprintf(stderr, "smartpick: cannot write to stdout: %s\n",
		        strerror(saved));
		if (rc == EXIT_OKAY || rc == EXIT_UNSTABLE)
			rc = EXIT_IO;
	}
	if (ferror(stderr) || fclose(stderr) != 0)
		if (rc == EXIT_OKAY || rc == EXIT_UNSTABLE)
			rc = EXIT_IO;
	return rc;
}

bool cli_parse_long(const char *s, long lo, long hi, long *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

bool cli_parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s || *s == '-')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool cli_parse_double(const char *s, double lo, double hi, double *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !(v >= lo && v <= hi))
		return false;
	*out = v;
	return true;
}

char *cli_read_file(const char *path, size_t *len)
{
	bool in = !strcmp(path, "-");
	FILE *f = in ? stdin : fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0, k;
	char *buf = malloc(cap + 1);
	while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) {
			char *nb =
			    cap < (1u << 26) ? realloc(buf, cap * 2 + 1) : NULL;
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
	} else if (!buf) {
		errno = cap >= (1u << 26) ? EFBIG : ENOMEM;
	}
	if (!in) {
		int e = errno;
		fclose(f);
		errno = e;
	}
	if (buf)
		buf[n] = 0;
	*len = n;
	return buf;
}

char *cli_read_input(const char *cmd, const char *path, size_t *len)
{
	errno = 0;
	char *buf = cli_read_file(path, len);
	if (!buf)
		cli_error(cmd, "cannot read %s: %s",
		          strcmp(path, "-") ? path : "standard input",
		          errno == EFBIG ? "64 MiB or larger"
		          : errno        ? strerror(errno)
		                         : "read error");
	return buf;
}

int cli_fail(const char *cmd, sp_status s, const sp_err *err)
{
	cli_error(cmd, "%s", err && err->msg[0] ? err->msg : sp_strerror(s));
	return cli_exit_for(s);
}

/*
 * io.c — the format dispatcher behind sp_inst_read / sp_inst_write and
 * the matching readers and writer: picks a format from the path or, when
 * the path does not tell, from the first bytes; reads whole files under
 * SP_MAX_FILE; writes rp and JSON through a temporary file in the same
 * directory that is renamed into place, so `path` holds the old contents
 * or the new, never half of them.  The per-format work is in io_rp.c,
 * io_csv.c and io_json.c (see io.h).
 */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

sp_format sp_format_parse(const char *name)
{
	if (!name)
		return SP_FMT_AUTO;
	if (strcasecmp(name, "rp") == 0)
		return SP_FMT_RP;
	if (strcasecmp(name, "json") == 0)
		return SP_FMT_JSON;
	if (strcasecmp(name, "csv") == 0)
		return SP_FMT_CSV;
	return SP_FMT_AUTO;
}

sp_format sp_format_of_path(const char *path)
{
	if (!path || !*path || strcmp(path, "-") == 0)
		return SP_FMT_AUTO;
	struct stat st;
	size_t n = strlen(path);
	if (path[n - 1] == '/' || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
		return SP_FMT_CSV;
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	if (!dot)
		return SP_FMT_AUTO;
	if (strcasecmp(dot, ".rp") == 0)
		return SP_FMT_RP;
	if (strcasecmp(dot, ".json") == 0)
		return SP_FMT_JSON;
	if (strcasecmp(dot, ".csv") == 0)
		return SP_FMT_CSV;
	return SP_FMT_AUTO;
}

/* ------------------------------------------------------------------ */
/* Reading whole files.                                                */

static sp_status too_big(const char *path, sp_err *err)
{
	return sp__err_set(err, SP_ELIMIT, path, 0, NULL,
	                   "file is larger than the limit of %ld bytes",
	                   (long)SP_MAX_FILE);
}

/* Reads all of f into a new buffer; `hint` is the expected size. */
static sp_status slurp(FILE *f, size_t hint, const char *path, char **buf,
                       size_t *len, sp_err *err)
{
	size_t cap = hint + 1, n = 0;
	char *b = sp_malloc(cap);
	if (!b)
		return sp__err_set(err, SP_ENOMEM, path, 0, NULL,
		                   "out of memory");
	for (;;) {
		if (n + 1 == cap) {
			if (n > (size_t)SP_MAX_FILE) {
				sp_free(b);
				return too_big(path, err);
			}
			size_t ncap = cap * 2;
			char *nb = sp_realloc(b, ncap);
			if (!nb) {
				sp_free(b);
				return sp__err_set(err, SP_ENOMEM, path, 0,
				                   NULL, "out of memory");
			}
			b = nb;
			cap = ncap;
		}
		size_t got = fread(b + n, 1, cap - 1 - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		sp_free(b);
		return sp__err_set(err, SP_EIO, path, 0, NULL,
		                   "cannot read: %s", strerror(errno));
	}
	if (n > (size_t)SP_MAX_FILE) {
		sp_free(b);
		return too_big(path, err);
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return SP_OK;
}

sp_status sp__io_read_file(const char *path, char **buf, size_t *len,
                           sp_err *err)
{
	*buf = NULL;
	*len = 0;
	bool std = strcmp(path, "-") == 0;
	FILE *f = std ? stdin : fopen(path, "rb");
	if (!f)
		return sp__err_set(err, SP_EIO, path, 0, NULL,
		                   "cannot open: %s", strerror(errno));
	struct stat st;
	size_t hint = 1 << 16;
	sp_status s = SP_OK;
	if (fstat(fileno(f), &st) == 0) {
		if (S_ISDIR(st.st_mode))
			s = sp__err_set(err, SP_EIO, path, 0, NULL,
			                "is a directory, not a file");
		else if (S_ISREG(st.st_mode) && st.st_size > SP_MAX_FILE)
			s = too_big(path, err);
		else if (S_ISREG(st.st_mode))
			hint = (size_t)st.st_size;
	}
	if (!s)
		s = slurp(f, hint, path, buf, len, err);
	if (!std)
		fclose(f);
	return s;
}

/* ------------------------------------------------------------------ */
/* Dispatch.                                                           */

/* The first byte that is not a byte order mark or whitespace. */
static const char *first_byte(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p < end ? p : NULL;
}

/* Guesses an instance's format from its text: JSON or rp. */
static sp_format sniff(const char *buf, size_t len)
{
	const char *p = first_byte(buf, len);
	return p && (*p == '{' || *p == '[') ? SP_FMT_JSON : SP_FMT_RP;
}

/* Guesses a matching's format: JSON, CSV (its header) or rp. */
static sp_format sniff_matching(const char *buf, size_t len)
{
	const char *p = first_byte(buf, len);
	static const char head[] = "applicant,";
	if (p && (size_t)(buf + len - p) >= sizeof head - 1 &&
	    memcmp(p, head, sizeof head - 1) == 0)
		return SP_FMT_CSV;
	return sniff(buf, len);
}

/* Makes sure a failure carries a message. */
static sp_status finish(sp_status s, sp_err *err, const char *name)
{
	if (s && err && !err->msg[0])
		sp__err_set(err, s, name, 0, NULL, "%s", sp_strerror(s));
	return s;
}

/* Finishes a read: on success the instance is prepared for matching
 * (sp_inst_prepare), as the API promises of every reader. */
static sp_status finish_read(sp_status s, sp_inst **out, sp_err *err,
                             const char *name)
{
	if (!s && (s = sp_inst_prepare(*out)) != SP_OK) {
		sp_inst_free(*out);
		*out = NULL;
	}
	return finish(s, err, name);
}

sp_status sp_inst_read_mem(const char *buf, size_t len, sp_format fmt,
                           const char *name, sp_inst **out, sp_err *err)
{
	sp__err_clear(err);
	*out = NULL;
	name = name ? name : "";
	if (fmt == SP_FMT_AUTO)
		fmt = sniff(buf, len);
	sp_status s;
	switch (fmt) {
	case SP_FMT_RP:
		s = sp__io_rp_read(buf, len, name, out, err);
		break;
	case SP_FMT_JSON:
		s = sp__io_json_read(buf, len, name, out, err);
		break;
	default:
		s = sp__err_set(err, SP_EUNSUPPORTED, name, 0, NULL,
		                "the CSV format is a folder of files; read it "
		                "with sp_inst_read");
	}
	return finish_read(s, out, err, name);
}

sp_status sp_inst_read(const char *path, sp_format fmt, sp_inst **out,
                       sp_err *err)
{
	sp__err_clear(err);
	*out = NULL;
	if (!path)
		return sp__err_set(err, SP_EINVAL, NULL, 0, NULL, "no path");
	if (fmt == SP_FMT_AUTO)
		fmt = sp_format_of_path(path);
	if (fmt == SP_FMT_CSV)
		return finish_read(sp__io_csv_read_dir(path, out, err), out,
		                   err, path);
	char *buf;
	size_t len;
	sp_status s = sp__io_read_file(path, &buf, &len, err);
	if (s)
		return s;
	s = sp_inst_read_mem(buf, len, fmt, path, out, err);
	sp_free(buf);
	return s;
}

sp_status sp_matching_read_mem(const sp_inst *in, const char *buf, size_t len,
                               sp_format fmt, const char *name,
                               sp_matching **out, sp_err *err)
{
	sp__err_clear(err);
	*out = NULL;
	name = name ? name : "";
	if (fmt == SP_FMT_AUTO)
		fmt = sniff_matching(buf, len);
	sp_status s;
	switch (fmt) {
	case SP_FMT_JSON:
		s = sp__io_json_matching_read(in, buf, len, name, out, err);
		break;
	case SP_FMT_CSV:
		s = sp__io_csv_matching_read(in, buf, len, name, out, err);
		break;
	default:
		s = sp__io_rp_matching_read(in, buf, len, name, out, err);
	}
	return finish(s, err, name);
}

sp_status sp_matching_read(const sp_inst *in, const char *path, sp_format fmt,
                           sp_matching **out, sp_err *err)
{
	sp__err_clear(err);
	*out = NULL;
	if (!path)
		return sp__err_set(err, SP_EINVAL, NULL, 0, NULL, "no path");
	if (fmt == SP_FMT_AUTO)
		fmt = sp_format_of_path(path);
	char *buf;
	size_t len;
	sp_status s = sp__io_read_file(path, &buf, &len, err);
	if (s)
		return s;
	s = sp_matching_read_mem(in, buf, len, fmt, path, out, err);
	sp_free(buf);
	return s;
}

sp_status sp_matching_fwrite(const sp_inst *in, const sp_matching *m,
                             sp_format fmt, FILE *f)
{
	switch (fmt) {
	case SP_FMT_JSON:
		return sp__io_json_matching_write(in, m, f);
	case SP_FMT_CSV:
		return sp__io_csv_matching_write(in, m, f);
	default:
		return sp__io_rp_matching_write(in, m, f);
	}
}

/* ------------------------------------------------------------------ */
/* Writing instances through a temporary file.                        */

typedef struct {
	FILE *f;
	sp_outfile *o;
} outfile;

/* Opens path for writing as sp_outfile_open does. */
static sp_status out_open(outfile *o, const char *path, sp_err *err)
{
	return sp_outfile_open(path, &o->o, &o->f, err);
}

/* Commits the output when s is SP_OK, else drops it. */
static sp_status out_close(outfile *o, sp_status s, const char *path,
                           sp_err *err)
{
	if (s) {
		sp_outfile_abort(o->o);
		return s;
	}
	return sp_outfile_commit(o->o, path, err);
}

/* The message for a writer's failure. */
static sp_status write_error(sp_status s, sp_format fmt, const char *path,
                             sp_err *err)
{
	if (s == SP_EUNSUPPORTED && fmt == SP_FMT_RP)
		return sp__err_set(err, s, path, 0, NULL,
		                   "the rp format cannot hold this instance: a "
		                   "name contains whitespace, or a couple "
		                   "ranks a program named -1 (use json or "
		                   "csv)");
	if (s == SP_ELIMIT && fmt == SP_FMT_RP)
		return sp__err_set(err, s, path, 0, NULL,
		                   "a list is too long for the rp format: a "
		                   "line would pass %d bytes (use json or csv)",
		                   SP_MAX_LINE);
	if (s == SP_EIO)
		return sp__err_set(err, s, path, 0, NULL, "cannot write: %s",
		                   strerror(errno));
	return sp__err_set(err, s, path, 0, NULL, "%s", sp_strerror(s));
}

sp_status sp_inst_write(const sp_inst *in, const char *path, sp_format fmt,
                        sp_err *err)
{
	sp__err_clear(err);
	if (!path)
		return sp__err_set(err, SP_EINVAL, NULL, 0, NULL, "no path");
	if (fmt == SP_FMT_AUTO)
		fmt = strcmp(path, "-") == 0 ? SP_FMT_RP
		                             : sp_format_of_path(path);
	if (fmt == SP_FMT_AUTO)
		return sp__err_set(err, SP_EINVAL, path, 0, NULL,
		                   "cannot tell the format from the name (use "
		                   ".rp, .json, or a directory for csv)");
	if (fmt == SP_FMT_CSV) {
		if (strcmp(path, "-") == 0)
			return sp__err_set(err, SP_EINVAL, path, 0, NULL,
			                   "the CSV format is a folder of "
			                   "files; it cannot go to stdout");
		return finish(sp__io_csv_write_dir(in, path, err), err, path);
	}
	outfile o;
	sp_status s = out_open(&o, path, err);
	if (s)
		return s;
	s = fmt == SP_FMT_RP ? sp__io_rp_write(in, o.f)
	                     : sp__io_json_write(in, o.f);
	if (s)
		write_error(s, fmt, path, err);
	return out_close(&o, s, path, err);
}

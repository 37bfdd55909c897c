/*
 * outfile.c — the one way the program creates an output file: whole or
 * not at all, and never by replacing something that is not a file.
 *
 * What a path names decides how it is written:
 *   - "-", and the names of open descriptors (/dev/stdout, /dev/stderr,
 *     /dev/fd/N, /proc/self/fd/N): the descriptor itself, so that
 *     `--out /dev/stdout >> log` appends as the shell set it up;
 *   - an existing device, FIFO or socket: opened and written in place
 *     (renaming a file over /dev/full would replace the device);
 *   - a regular file, or a path that does not exist yet: written to a
 *     new "<target>.tmp.<pid>.<n>" in the same directory, then renamed
 *     over the target, so the target holds the old contents or the new,
 *     never half.  The new file keeps an existing file's permission bits;
 *   - a symbolic link: followed to its target, which is then written as
 *     above (as cp does).  A link to nothing is refused, as cp refuses it.
 *   - a directory: refused.
 * Every write is checked: sp_outfile_commit flushes and closes and says
 * whether all of it reached the file.  A direct write that fails half-way
 * cannot be undone; the caller's non-zero exit says so.
 *
 * Rejected: writing in place always (a crash leaves half a file), and
 * O_TMPFILE + linkat (Linux only, and not on every file system).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct sp_outfile {
	FILE *f;
	bool is_stdout; /* "-": flushed, never closed */
	char *target;   /* the file renamed over; NULL when direct */
	char *tmp;      /* the temporary; NULL when direct */
};

/* The descriptor a path names directly, or -1. */
static int named_fd(const char *path)
{
	if (!strcmp(path, "/dev/stdout"))
		return 1;
	if (!strcmp(path, "/dev/stderr"))
		return 2;
	const char *n = NULL;
	if (!strncmp(path, "/dev/fd/", 8))
		n = path + 8;
	else if (!strncmp(path, "/proc/self/fd/", 14))
		n = path + 14;
	if (!n || *n < '0' || *n > '9')
		return -1;
	char *end;
	errno = 0;
	long v = strtol(n, &end, 10);
	return errno || *end || v > INT_MAX ? -1 : (int)v;
}

static sp_status fail(sp_err *err, const char *path, const char *what)
{
	return sp__err_set(err, SP_EIO, path, 0, NULL, "%s: %s", what,
	                   strerror(errno));
}

/* Opens fd as o->f, or closes it and fails. */
static sp_status wrap_fd(sp_outfile *o, int fd, const char *path, sp_err *err)
{
	o->f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (o->f)
		return SP_OK;
	sp_status s = fail(err, path, "cannot open for writing");
	if (fd >= 0)
		close(fd);
	return s;
}

/* A new temporary beside o->target, with the given permission bits. */
static sp_status open_tmp(sp_outfile *o, mode_t mode, bool keep_mode,
                          sp_err *err)
{
	size_t size = strlen(o->target) + 48;
	o->tmp = sp_malloc(size);
	if (!o->tmp)
		return sp__err_set(err, SP_ENOMEM, o->target, 0, NULL,
		                   "out of memory");
	int fd = -1;
	for (int n = 0; fd < 0 && n < 100; n++) {
		snprintf(o->tmp, size, "%s.tmp.%ld.%d", o->target,
		         (long)getpid(), n);
		fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		sp_status s =
		    fail(err, o->target, "cannot create a temporary file");
		sp_free(o->tmp);
		o->tmp = NULL;
		return s;
	}
	if (keep_mode)
		(void)!fchmod(fd, mode & 07777);
	sp_status s = wrap_fd(o, fd, o->target, err);
	if (s) {
		remove(o->tmp);
		sp_free(o->tmp);
		o->tmp = NULL;
	}
	return s;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = sp_malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

/* Chooses how to write path (see the file's comment) and opens it. */
static sp_status open_path(sp_outfile *o, const char *path, sp_err *err)
{
	int fd = named_fd(path);
	if (fd >= 0)
		return wrap_fd(o, dup(fd), path, err);
	struct stat st;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return sp__err_set(err, SP_EIO, path, 0, NULL,
			                   "is a directory");
		if (!S_ISREG(st.st_mode))
			return wrap_fd(o, open(path, O_WRONLY | O_NOCTTY), path,
			               err);
		o->target = realpath(path, NULL);
		if (!o->target)
			return fail(err, path, "cannot resolve the path");
		/* realpath's memory is the C library's; keep one door. */
		char *t = dup_str(o->target);
		free(o->target);
		o->target = t;
		if (!o->target)
			return sp__err_set(err, SP_ENOMEM, path, 0, NULL,
			                   "out of memory");
		return open_tmp(o, st.st_mode, true, err);
	}
	if (errno != ENOENT)
		return fail(err, path, "cannot write");
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return sp__err_set(err, SP_EIO, path, 0, NULL,
		                   "is a symbolic link to nothing; not writing "
		                   "through it");
	o->target = dup_str(path);
	if (!o->target)
		return sp__err_set(err, SP_ENOMEM, path, 0, NULL,
		                   "out of memory");
	return open_tmp(o, 0, false, err);
}

sp_status sp_outfile_open(const char *path, sp_outfile **out, FILE **f,
                          sp_err *err)
{
	sp__err_clear(err);
	*out = NULL;
	*f = NULL;
	sp_outfile *o = sp_calloc(1, sizeof *o);
	if (!o)
		return sp__err_set(err, SP_ENOMEM, path, 0, NULL,
		                   "out of memory");
	sp_status s = SP_OK;
	if (!strcmp(path, "-")) {
		o->f = stdout;
		o->is_stdout = true;
	} else {
		s = open_path(o, path, err);
	}
	if (s) {
		sp_free(o->target);
		sp_free(o);
		return s;
	}
	*out = o;
	*f = o->f;
	return SP_OK;
}

sp_status sp_outfile_commit(sp_outfile *o, const char *path, sp_err *err)
{
	sp__err_clear(err);
	if (!o)
		return SP_OK;
	const char *name = o->target ? o->target : path ? path : "-";
	sp_status s = SP_OK;
	if (fflush(o->f) != 0 || ferror(o->f))
		s = fail(err, name, "cannot write");
	if (!o->is_stdout && fclose(o->f) != 0 && !s)
		s = fail(err, name, "cannot write");
	o->f = NULL;
	if (o->tmp && !s && rename(o->tmp, o->target) != 0)
		s = fail(err, name,
		         "cannot rename the temporary file into place");
	if (o->tmp && s)
		remove(o->tmp);
	sp_free(o->tmp);
	sp_free(o->target);
	sp_free(o);
	return s;
}

void sp_outfile_abort(sp_outfile *o)
{
	if (!o)
		return;
	if (o->f && !o->is_stdout)
		fclose(o->f);
	if (o->tmp)
		remove(o->tmp);
	sp_free(o->tmp);
	sp_free(o->target);
	sp_free(o);
}

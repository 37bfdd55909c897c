/*
 * static.c — serves the page: regular files under the web root
 * (web/dist/ by default), nothing else.
 *
 * Defence in depth against path traversal, each layer sufficient on its
 * own for the case it names:
 *   1. the handler has already refused escaped '/', '\\', NUL and other
 *      control bytes in the path (handler.c, decode);
 *   2. every segment must be non-empty and must not start with '.', which
 *      excludes ".", "..", and dotfiles such as .git or .env;
 *   3. the extension must be on a whitelist that also fixes the
 *      Content-Type (no sniffing, no directory listings, no .map of
 *      sources unless built);
 *   4. the file's real path (realpath: symbolic links and any remaining
 *      "..") must lie strictly under the root's real path;
 *   5. the opened file must be a regular file (fstat), at most
 *      SRV_MAX_STATIC bytes.
 * The root is resolved on each request, so a page built after the
 * server started is served without a restart.  Files are read whole per
 * request (the page is a few small files); no cache to go stale.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *ext;
	const char *type;
} types[] = {
    {"html", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"map", "application/json; charset=utf-8"},
    {"webmanifest", "application/manifest+json"},
    {"txt", "text/plain; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff2", "font/woff2"},
};

static int refuse(char *msg, size_t msgsize, int status, const char *text)
{
	snprintf(msg, msgsize, "%s", text);
	return status;
}

/* The Content-Type for the last segment's extension, or NULL. */
static const char *type_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	if (!dot)
		return NULL;
	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if (!strcasecmp(dot + 1, types[i].ext))
			return types[i].type;
	return NULL;
}

/* True when every '/'-separated segment of rel is non-empty and does not
 * start with '.'. */
static bool segments_ok(const char *rel)
{
	const char *s = rel;
	for (;;) {
		if (*s == '\0' || *s == '/' || *s == '.')
			return false;
		const char *e = strchr(s, '/');
		if (!e)
			return true;
		s = e + 1;
	}
}

/* Reads the whole of fd (a regular file of `size` bytes). */
static int read_all(int fd, size_t size, srv_file *f, char *msg, size_t msgsize)
{
	char *p = sp_malloc(size ? size : 1);
	if (!p)
		return refuse(msg, msgsize, 500, "out of memory");
	size_t got = 0;
	while (got < size) {
		ssize_t n = read(fd, p + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			sp_free(p);
			return refuse(msg, msgsize, 500,
			              "cannot read the file");
		}
		got += (size_t)n;
	}
	f->body = p;
	f->len = got;
	return 200;
}

int srv_static_load(const char *root, const char *path, srv_file *f, char *msg,
                    size_t msgsize)
{
	memset(f, 0, sizeof *f);
	if (!strcmp(path, "/"))
		path = "/index.html";
	const char *rel = path + 1;
	if (path[0] != '/' || !segments_ok(rel) || strlen(rel) > 1024)
		return refuse(msg, msgsize, 404, "not found");
	f->type = type_of(rel);
	if (!f->type)
		return refuse(msg, msgsize, 404, "not found");
	char rroot[PATH_MAX], full[PATH_MAX], real[PATH_MAX];
	if (!realpath(root, rroot))
		return refuse(msg, msgsize, 404,
		              "the page is not built (run 'make web')");
	int n = snprintf(full, sizeof full, "%s/%s", rroot, rel);
	if (n < 0 || (size_t)n >= sizeof full || !realpath(full, real))
		return refuse(msg, msgsize, 404, "not found");
	size_t rn = strlen(rroot);
	if (strncmp(real, rroot, rn) || real[rn] != '/')
		return refuse(msg, msgsize, 404, "not found");
	int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return refuse(msg, msgsize, 404, "not found");
	struct stat st;
	int status;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		status = refuse(msg, msgsize, 404, "not found");
	else if (st.st_size > SRV_MAX_STATIC)
		status = refuse(msg, msgsize, 500, "file too large to serve");
	else
		status = read_all(fd, (size_t)st.st_size, f, msg, msgsize);
	close(fd);
	return status;
}

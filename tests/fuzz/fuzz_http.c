/*
 * fuzz_http.c — libFuzzer harness for the server's request handling
 * (server/handler.c, static.c, buf.c): routing, target decoding, query
 * parsing, filters, content-type checks, static paths, the Host check
 * and error bodies, over the built-in synthetic catalog and a small
 * temporary web root.
 *
 * Input: "METHOD\nTARGET\nCONTENT-TYPE\nHOST\nBODY"; missing pieces are
 * NULL.  The first byte's low bit marks the body truncated (as the
 * transport does past a cap).  Every response must carry a status in
 * 200..599 and the security headers, a 405 its Allow header, and every
 * JSON body must parse.  The portfolio solver is kept busy-gated (its
 * own harness, fuzz_portfolio, runs it under small caps), so a run stays
 * fast; the advisor is absent (fuzz_profile covers the profile reader).
 *
 *   make fuzz FUZZ_SECONDS=60
 */
#include "json.h"
#include "server.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static srv_app *app;

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

/* The temporary web root, under $TMPDIR (the build directory's tmp/
 * when `make test` replays the corpus), removed at exit. */
static char dir[4096];

static void remove_root(void)
{
	static const char *const names[] = {
	    "index.html", "app.js", ".hidden.js", "sub/a.css", "sub", ""};
	char path[4200];
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		remove(path);
	}
}

static void load(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/sp-fuzz-http-XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	atexit(remove_root);
	write_file(dir, "index.html", "<!doctype html>");
	write_file(dir, "app.js", "1;");
	write_file(dir, ".hidden.js", "2;");
	char sub[4200];
	snprintf(sub, sizeof sub, "%s/sub", dir);
	mkdir(sub, 0700);
	write_file(dir, "sub/a.css", "p{}");
	sp_specialty_info *specs;
	sp_program_info *progs;
	size_t ns, np;
	if (sp_catalog_synthetic(1, &specs, &ns, &progs, &np, NULL))
		abort();
	srv_config cfg = {.web = dir, .loopback = true, .port = 8080};
	if (srv_app_new(specs, ns, progs, np, 1, NULL, &cfg, &app, NULL))
		abort();
	atomic_store(app->portfolio_busy, SRV_PORTFOLIO_SLOTS);
}

/* Cuts the next '\n'-ended piece off [*p, end) into a fresh string, or
 * NULL when none is left. */
static char *piece(const uint8_t **p, const uint8_t *end)
{
	if (*p >= end)
		return NULL;
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	const uint8_t *stop = nl ? nl : end;
	size_t n = (size_t)(stop - *p);
	char *s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p = nl ? nl + 1 : end;
	return s;
}

static void check(const srv_response *r)
{
	static const char *const must[] = {
	    "Content-Security-Policy", "X-Content-Type-Options",
	    "Referrer-Policy", "X-Frame-Options", "Cache-Control"};
	if (r->status < 200 || r->status > 599)
		abort();
	for (size_t i = 0; i < sizeof must / sizeof *must; i++)
		if (!srv_response_header(r, must[i]))
			abort();
	if (r->status == 405 && !srv_response_header(r, "Allow"))
		abort();
	const char *type = srv_response_header(r, "Content-Type");
	if (type && !strncmp(type, "application/json", 16)) {
		sp__json_doc *d;
		sp_err err;
		if (sp__json_parse(r->body, r->len, "response", NULL, &d,
		                   &err)) {
			fprintf(stderr, "response is not JSON: %s\n", err.msg);
			abort();
		}
		sp__json_free(d);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!app)
		load();
	if (size == 0)
		return 0;
	bool truncated = data[0] & 1;
	const uint8_t *p = data + 1, *end = data + size;
	char *method = piece(&p, end);
	char *uri = piece(&p, end);
	char *ctype = piece(&p, end);
	char *host = piece(&p, end);
	srv_request req = {.method = method,
	                   .uri = uri,
	                   .content_type = ctype,
	                   .host = host,
	                   .body = (const char *)p,
	                   .len = (size_t)(end - p),
	                   .truncated = truncated};
	srv_response r;
	srv_handle(app, &req, &r);
	check(&r);
	srv_response_free(&r);
	if (method && uri)
		(void)srv_body_cap(method, uri);
	free(method);
	free(uri);
	free(ctype);
	free(host);
	return 0;
}

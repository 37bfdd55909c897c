/*
 * test_server.c — the HTTP front end's request handler (server/), driven
 * without sockets: routing, methods (405 with Allow, OPTIONS), the
 * health, specialties and programs endpoints (filters, paging, strict
 * parameters), POST checks (content type, size, empty body), the
 * portfolio endpoint and its concurrency gate, static files against
 * traversal of every kind, the Host check, security headers on every
 * response, the JSON writer's escaping, hostile bytes, and allocation
 * failures.  Every response body that claims JSON is parsed.
 */
#include "testutil.h"

#include "json.h"
#include "server.h"

#include <ctype.h>
#include <math.h>
#include <stdatomic.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static srv_app *app; /* the built-in synthetic catalog */
static sp_specialty_info *specs_copy;
static size_t nspecs;
static sp_program_info *progs_copy;
static size_t nprogs;
static char webdir[200];  /* a temporary static root */
static char outside[256]; /* a file outside it */

/* ------------------------------------------------------------------ */
/* Helpers.                                                            */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *path_in(const char *dir, const char *name)
{
	static char buf[512];
	snprintf(buf, sizeof buf, "%s/%s", dir, name);
	return buf;
}

static int by_id(const void *a, const void *b)
{
	int32_t x = ((const sp_program_info *)a)->id;
	int32_t y = ((const sp_program_info *)b)->id;
	return (x > y) - (x < y);
}

static int setup(void **state)
{
	(void)state;
	sp_specialty_info *s;
	sp_program_info *p;
	sp_err err;
	OK(sp_catalog_synthetic(1, &s, &nspecs, &p, &nprogs, &err));
	specs_copy = malloc(nspecs * sizeof *s);
	progs_copy = malloc(nprogs * sizeof *p);
	memcpy(specs_copy, s, nspecs * sizeof *s);
	memcpy(progs_copy, p, nprogs * sizeof *p);
	qsort(progs_copy, nprogs, sizeof *p, by_id);

	tu_tmp(webdir, sizeof webdir, "sp-server-XXXXXX");
	assert_non_null(mkdtemp(webdir));
	write_file(path_in(webdir, "index.html"), "<!doctype html><p>hi</p>");
	write_file(path_in(webdir, "app.js"), "console.log(1);");
	write_file(path_in(webdir, ".secret.js"), "secret");
	write_file(path_in(webdir, "x.exe"), "MZ");
	assert_int_equal(mkdir(path_in(webdir, "sub"), 0700), 0);
	write_file(path_in(webdir, "sub/style.css"), "p{}");
	assert_int_equal(mkdir(path_in(webdir, "dir.js"), 0700), 0);
	assert_int_equal(mkfifo(path_in(webdir, "pipe.js"), 0600), 0);
	snprintf(outside, sizeof outside, "%s-outside.txt", webdir);
	write_file(outside, "outside the root");
	assert_int_equal(symlink(outside, path_in(webdir, "leak.txt")), 0);
	assert_int_equal(symlink("/etc", path_in(webdir, "etc")), 0);

	srv_config cfg = {
	    .web = webdir, .loopback = true, .host = "127.0.0.2", .port = 8080};
	OK(srv_app_new(s, nspecs, p, nprogs, 1, NULL, &cfg, &app, &err));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	srv_app_free(app);
	free(specs_copy);
	free(progs_copy);
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", webdir, outside);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Asserts the headers every response carries. */
static void assert_security(const srv_response *r)
{
	assert_string_equal(
	    srv_response_header(r, "Content-Security-Policy"),
	    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
	    "script-src 'self'; object-src 'none'; base-uri 'none'; "
	    "frame-ancestors 'none'; form-action 'self'");
	assert_string_equal(srv_response_header(r, "X-Content-Type-Options"),
	                    "nosniff");
	assert_string_equal(srv_response_header(r, "Referrer-Policy"),
	                    "no-referrer");
	assert_string_equal(srv_response_header(r, "X-Frame-Options"), "DENY");
	assert_non_null(srv_response_header(r, "Cache-Control"));
}

typedef struct {
	srv_response r;
	sp__json_doc *doc; /* the parsed body when it is JSON */
} reply;

/* Sends one request; checks the security headers and, for a JSON body,
 * that it parses. */
static reply *send_req(const char *method, const char *uri, const char *ctype,
                       const char *body, size_t len)
{
	reply *x = calloc(1, sizeof *x);
	srv_request req = {.method = method,
	                   .uri = uri,
	                   .content_type = ctype,
	                   .host = "127.0.0.1:8080",
	                   .body = body,
	                   .len = len};
	srv_handle(app, &req, &x->r);
	assert_security(&x->r);
	const char *type = srv_response_header(&x->r, "Content-Type");
	if (type && !strncmp(type, "application/json", 16)) {
		sp_err err;
		if (sp__json_parse(x->r.body, x->r.len, "response", NULL,
		                   &x->doc, &err)) {
			fprintf(stderr, "not JSON: %s\n", err.msg);
			fail();
		}
	}
	return x;
}

static reply *get(const char *uri)
{
	return send_req("GET", uri, NULL, NULL, 0);
}

static reply *post(const char *uri, const char *body)
{
	return send_req("POST", uri, "application/json", body, strlen(body));
}

static void done(reply *x)
{
	sp__json_free(x->doc);
	srv_response_free(&x->r);
	free(x);
}

static const sp__json *member(const reply *x, const char *key)
{
	assert_non_null(x->doc);
	const sp__json *v = sp__json_get(x->doc->root, key);
	assert_non_null(v);
	return v;
}

static int64_t int_member(const reply *x, const char *key)
{
	int64_t v;
	assert_true(sp__json_int(member(x, key), &v));
	return v;
}

/* The error's status and field ("" when none) must be as given. */
static void assert_error(const reply *x, int status, const char *field)
{
	assert_int_equal(x->r.status, status);
	const sp__json *e = member(x, "error");
	int64_t st;
	assert_true(sp__json_int(sp__json_get(e, "status"), &st));
	assert_int_equal(st, status);
	const sp__json *m = sp__json_get(e, "message");
	assert_non_null(m);
	assert_true(m->type == SP__JSON_STRING && m->u.str.len > 0);
	const sp__json *f = sp__json_get(e, "field");
	if (*field) {
		assert_non_null(f);
		assert_string_equal(f->u.str.s, field);
	} else {
		assert_null(f);
	}
}

static void expect_error(const char *method, const char *uri, int status,
                         const char *field)
{
	reply *x = send_req(method, uri, NULL, NULL, 0);
	assert_error(x, status, field);
	done(x);
}

/* Programs matching a predicate in the catalog itself. */
static long count_programs(bool (*pred)(const sp_program_info *))
{
	long n = 0;
	for (size_t i = 0; i < nprogs; i++)
		n += pred(&progs_copy[i]);
	return n;
}

/* ------------------------------------------------------------------ */
/* Endpoints.                                                          */

static void test_health(void **state)
{
	(void)state;
	reply *x = get("/api/health");
	assert_int_equal(x->r.status, 200);
	assert_string_equal(member(x, "status")->u.str.s, "ok");
	assert_string_equal(member(x, "version")->u.str.s, SP_VERSION);
	assert_int_equal(int_member(x, "programs"), (int64_t)nprogs);
	assert_int_equal(member(x, "synthetic")->type, SP__JSON_TRUE);
	assert_int_equal(member(x, "advisor")->type, SP__JSON_FALSE);
	assert_string_equal(srv_response_header(&x->r, "Cache-Control"),
	                    "no-store");
	done(x);
}

static void test_specialties(void **state)
{
	(void)state;
	reply *x = get("/api/specialties");
	assert_int_equal(x->r.status, 200);
	const sp__json *a = member(x, "specialties");
	assert_int_equal(sp__json_len(a), nspecs);
	for (size_t i = 0; i < nspecs; i++) {
		const sp__json *s = sp__json_at(a, i);
		assert_string_equal(sp__json_get(s, "code")->u.str.s,
		                    specs_copy[i].code);
		assert_string_equal(sp__json_get(s, "family")->u.str.s,
		                    specs_copy[i].family);
		int64_t v;
		assert_true(sp__json_int(sp__json_get(s, "programs"), &v));
		assert_int_equal(v, specs_copy[i].programs);
		assert_true(sp__json_int(sp__json_get(s, "signals_gold"), &v));
		assert_int_equal(v, specs_copy[i].signals_gold);
		assert_non_null(sp__json_get(s, "signals_silver"));
		assert_non_null(sp__json_get(s, "pgy2"));
		assert_non_null(sp__json_get(s, "track"));
		assert_non_null(sp__json_get(s, "positions"));
	}
	done(x);
}

static void test_programs_paging(void **state)
{
	(void)state;
	reply *x = get("/api/programs");
	assert_int_equal(x->r.status, 200);
	assert_int_equal(int_member(x, "total"), (int64_t)nprogs);
	assert_int_equal(int_member(x, "offset"), 0);
	assert_int_equal(int_member(x, "limit"), 50);
	const sp__json *a = member(x, "programs");
	assert_int_equal(sp__json_len(a), 50);
	/* Ascending ids; every field of the contract. */
	static const char *const fields[] = {"id",
	                                     "code",
	                                     "name",
	                                     "specialty",
	                                     "track",
	                                     "state",
	                                     "region",
	                                     "setting",
	                                     "positions",
	                                     "interview_slots",
	                                     "accepts_signals",
	                                     "sponsors_visa",
	                                     "step2_median",
	                                     "synthetic"};
	int64_t last = -1;
	for (size_t i = 0; i < sp__json_len(a); i++) {
		const sp__json *p = sp__json_at(a, i);
		for (size_t k = 0; k < sizeof fields / sizeof *fields; k++)
			assert_non_null(sp__json_get(p, fields[k]));
		int64_t id;
		assert_true(sp__json_int(sp__json_get(p, "id"), &id));
		assert_true(id > last);
		last = id;
	}
	done(x);

	x = get("/api/programs?offset=6600&limit=200");
	assert_int_equal(x->r.status, 200);
	assert_int_equal(sp__json_len(member(x, "programs")), nprogs - 6600);
	done(x);
	x = get("/api/programs?offset=100000");
	assert_int_equal(sp__json_len(member(x, "programs")), 0);
	assert_int_equal(int_member(x, "total"), (int64_t)nprogs);
	done(x);
	/* Pages tile the whole list. */
	x = get("/api/programs?limit=7&offset=14");
	const sp__json *p0 = sp__json_at(member(x, "programs"), 0);
	int64_t id;
	assert_true(sp__json_int(sp__json_get(p0, "id"), &id));
	assert_int_equal(id, progs_copy[14].id);
	done(x);
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return false;
}

static bool is_im(const sp_program_info *p)
{
	return !strcmp(p->specialty, "IM");
}

static bool is_ohio(const sp_program_info *p)
{
	return !strcmp(p->state, "OH");
}

static bool is_pacific_military_visa(const sp_program_info *p)
{
	return p->region == 9 && p->setting == SP_SETTING_MILITARY &&
	       p->sponsors_visa;
}

static bool is_im_ohio_university(const sp_program_info *p)
{
	return is_im(p) && is_ohio(p) && p->setting == SP_SETTING_UNIVERSITY;
}

static void test_programs_filters(void **state)
{
	(void)state;
	reply *x = get("/api/programs?specialty=IM&limit=200");
	assert_int_equal(x->r.status, 200);
	assert_int_equal(int_member(x, "total"), count_programs(is_im));
	const sp__json *a = member(x, "programs");
	for (size_t i = 0; i < sp__json_len(a); i++)
		assert_string_equal(
		    sp__json_get(sp__json_at(a, i), "specialty")->u.str.s,
		    "IM");
	done(x);

	x = get("/api/programs?state=oh");
	assert_int_equal(int_member(x, "total"), count_programs(is_ohio));
	done(x);

	x = get("/api/programs?region=9&setting=military&visa=1");
	int64_t t1 = int_member(x, "total");
	assert_int_equal(t1, count_programs(is_pacific_military_visa));
	done(x);
	x = get("/api/programs?region=Pacific&setting=MILITARY&visa=true");
	assert_int_equal(int_member(x, "total"), t1);
	done(x);

	x = get("/api/programs?specialty=im&state=OH&setting=university");
	assert_int_equal(int_member(x, "total"),
	                 count_programs(is_im_ohio_university));
	done(x);

	/* A family name selects all its rows; q searches names, ignoring
	 * case. */
	const sp_program_info *im = NULL;
	for (size_t i = 0; i < nprogs && !im; i++)
		if (is_im(&progs_copy[i]))
			im = &progs_copy[i];
	assert_non_null(im);
	char uri[512] = "/api/programs?specialty=Internal+Medicine&q=";
	for (const char *c = im->name; *c; c++)
		snprintf(uri + strlen(uri), sizeof uri - strlen(uri), "%%%02X",
		         (unsigned)tolower((unsigned char)*c));
	x = get(uri);
	assert_int_equal(x->r.status, 200);
	a = member(x, "programs");
	assert_true(sp__json_len(a) >= 1);
	for (size_t i = 0; i < sp__json_len(a); i++) {
		const char *name =
		    sp__json_get(sp__json_at(a, i), "name")->u.str.s;
		assert_true(contains_ci(name, im->name));
	}
	done(x);

	/* Code search, case-insensitive. */
	x = get("/api/programs?q=im-0042");
	a = member(x, "programs");
	assert_true(sp__json_len(a) >= 1);
	for (size_t i = 0; i < sp__json_len(a); i++)
		assert_true(contains_ci(
		    sp__json_get(sp__json_at(a, i), "code")->u.str.s,
		    "IM-0042"));
	done(x);
	x = get("/api/programs?q=no+such+program+anywhere");
	assert_int_equal(int_member(x, "total"), 0);
	done(x);
	/* Empty pieces and an empty query are fine. */
	x = get("/api/programs?&&limit=1&");
	assert_int_equal(x->r.status, 200);
	done(x);
}

static void test_programs_bad_params(void **state)
{
	(void)state;
	expect_error("GET", "/api/programs?limit=0", 400, "limit");
	expect_error("GET", "/api/programs?limit=201", 400, "limit");
	expect_error("GET", "/api/programs?limit=1e3", 400, "limit");
	expect_error("GET", "/api/programs?offset=-1", 400, "offset");
	expect_error("GET", "/api/programs?offset=99999999999", 400, "offset");
	expect_error("GET", "/api/programs?region=10", 400, "region");
	expect_error("GET", "/api/programs?region=", 400, "region");
	expect_error("GET", "/api/programs?setting=hospital", 400, "setting");
	expect_error("GET", "/api/programs?visa=2", 400, "visa");
	expect_error("GET", "/api/programs?state=O1", 400, "state");
	expect_error("GET", "/api/programs?state=OHI", 400, "state");
	expect_error("GET", "/api/programs?specialty=NOPE", 400, "specialty");
	expect_error("GET", "/api/programs?sort=name", 400, "sort");
	expect_error("GET", "/api/programs?limit=1&limit=2", 400, "limit");
	expect_error("GET", "/api/programs?q=%zz", 400, "q");
	expect_error("GET", "/api/programs?q=%4", 400, "q");
	expect_error("GET", "/api/programs?q=a%00b", 400, "q");
	expect_error("GET", "/api/programs?=1", 400, "");
	char uri[2048] = "/api/programs?q=";
	memset(uri + 16, 'a', 101);
	expect_error("GET", uri, 400, "q");
	snprintf(uri, sizeof uri, "/api/programs?");
	for (int i = 0; i < 17; i++)
		snprintf(uri + strlen(uri), sizeof uri - strlen(uri), "a%d&",
		         i);
	expect_error("GET", uri, 400, "");
	expect_error("GET", "/api/health?x=1", 400, "x");
	expect_error("GET", "/api/specialties?x=1", 400, "x");
}

static void test_program_by_id(void **state)
{
	(void)state;
	char uri[64];
	snprintf(uri, sizeof uri, "/api/programs/%d", progs_copy[17].id);
	reply *x = get(uri);
	assert_int_equal(x->r.status, 200);
	assert_string_equal(member(x, "code")->u.str.s, progs_copy[17].code);
	assert_string_equal(member(x, "name")->u.str.s, progs_copy[17].name);
	assert_int_equal(int_member(x, "positions"), progs_copy[17].positions);
	done(x);
	expect_error("GET", "/api/programs/99999999", 404, "");
	expect_error("GET", "/api/programs/abc", 404, "");
	expect_error("GET", "/api/programs/-1", 404, "");
	expect_error("GET", "/api/programs/", 404, "");
	expect_error("GET", "/api/programs/1/2", 404, "");
	expect_error("GET", "/api/programs/99999999999999999999", 404, "");
}

/* ------------------------------------------------------------------ */
/* Routing and methods.                                                */

static void test_routing(void **state)
{
	(void)state;
	expect_error("GET", "/api/nope", 404, "");
	expect_error("GET", "/api", 404, ""); /* a static path: no file */
	expect_error("GET", "/api/health/", 404, "");
	expect_error("POST", "/api/nope", 404, "");

	reply *x = send_req("PUT", "/api/health", NULL, NULL, 0);
	assert_error(x, 405, "");
	assert_string_equal(srv_response_header(&x->r, "Allow"),
	                    "GET, HEAD, OPTIONS");
	done(x);
	x = send_req("GET", "/api/recommend", NULL, NULL, 0);
	assert_error(x, 405, "");
	assert_string_equal(srv_response_header(&x->r, "Allow"),
	                    "POST, OPTIONS");
	done(x);
	x = send_req("DELETE", "/index.html", NULL, NULL, 0);
	assert_error(x, 405, "");
	done(x);
	x = send_req("OPTIONS", "/api/recommend", NULL, NULL, 0);
	assert_int_equal(x->r.status, 204);
	assert_int_equal(x->r.len, 0);
	assert_string_equal(srv_response_header(&x->r, "Allow"),
	                    "POST, OPTIONS");
	/* No CORS: other origins get no permission. */
	assert_null(srv_response_header(&x->r, "Access-Control-Allow-Origin"));
	done(x);
	x = send_req("HEAD", "/api/health", NULL, NULL, 0);
	assert_int_equal(x->r.status, 200);
	done(x);
	x = send_req("get", "/api/health", NULL, NULL, 0);
	assert_error(x, 405, "");
	done(x);
}

static void test_request_target(void **state)
{
	(void)state;
	char *uri = malloc(SRV_MAX_URI + 2);
	memset(uri, 'a', SRV_MAX_URI + 1);
	uri[0] = '/';
	uri[SRV_MAX_URI + 1] = '\0';
	expect_error("GET", uri, 414, "");
	free(uri);
	expect_error("GET", "", 400, "");
	expect_error("GET", "*", 400, "");
	expect_error("GET", "http://example.com/api/health", 400, "");
	expect_error("GET", "?x", 400, "");
	/* Raw spaces and control bytes (MHD passes them on) are 400. */
	expect_error("GET", "/api/health x", 400, "");
	expect_error("GET", "/a b", 400, "");
	expect_error("GET", "/api/health\x7f", 400, "");
	/* A NULL method or target still gets an answer. */
	srv_request req = {0};
	srv_response r;
	srv_handle(app, &req, &r);
	assert_int_equal(r.status, 400);
	assert_security(&r);
	srv_response_free(&r);
	req.uri = "/api/health";
	srv_handle(app, &req, &r);
	assert_int_equal(r.status, 405);
	srv_response_free(&r);
	/* A fragment is not part of the query. */
	reply *x = get("/api/programs?limit=3#frag");
	assert_int_equal(x->r.status, 200);
	assert_int_equal(int_member(x, "limit"), 3);
	done(x);
	/* Escapes in the path decode before routing. */
	x = get("/api/%68ealth");
	assert_int_equal(x->r.status, 200);
	done(x);
}

static void test_host_check(void **state)
{
	(void)state;
	static const struct {
		const char *host;
		int status;
	} cases[] = {{"127.0.0.1:8080", 200},
	             {"localhost:8080", 200},
	             {"LOCALHOST:8080", 200},
	             {"[::1]:8080", 200},
	             {NULL, 200},
	             {"evil.example", 421},
	             {"127.0.0.1:9999", 421},
	             {"127.0.0.1", 421},
	             {"127.0.0.1:8080x", 421},
	             {"127.0.0.2:8080", 200},
	             {"127.0.0.3:8080", 421},
	             {"evil.example:8080", 421},
	             {"", 421}};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		srv_request req = {.method = "GET",
		                   .uri = "/api/health",
		                   .host = cases[i].host};
		srv_response r;
		srv_handle(app, &req, &r);
		assert_int_equal(r.status, cases[i].status);
		assert_security(&r);
		srv_response_free(&r);
	}
}

/* ------------------------------------------------------------------ */
/* POST endpoints.                                                     */

static void test_post_checks(void **state)
{
	(void)state;
	const char *body = "{\"applicant_type\":\"us_md\"}";
	static const char *const bad_types[] = {
	    NULL,
	    "text/plain",
	    "application/jsonx",
	    "application/json; charset=latin1",
	    "application/x-www-form-urlencoded",
	    "multipart/form-data",
	    ""};
	for (size_t i = 0; i < sizeof bad_types / sizeof *bad_types; i++) {
		reply *x = send_req("POST", "/api/recommend", bad_types[i],
		                    body, strlen(body));
		assert_error(x, 415, "");
		done(x);
	}
	/* Good types reach the advisor, absent here: 503. */
	static const char *const good_types[] = {
	    "application/json", "Application/JSON",
	    "application/json; charset=utf-8",
	    "application/json;charset=\"UTF-8\""};
	for (size_t i = 0; i < sizeof good_types / sizeof *good_types; i++) {
		reply *x = send_req("POST", "/api/recommend", good_types[i],
		                    body, strlen(body));
		assert_error(x, 503, "");
		done(x);
	}
	reply *x =
	    send_req("POST", "/api/recommend", "application/json", "", 0);
	assert_error(x, 400, "");
	done(x);
	srv_request req = {.method = "POST",
	                   .uri = "/api/recommend",
	                   .content_type = "application/json",
	                   .truncated = true};
	srv_response r;
	srv_handle(app, &req, &r);
	assert_int_equal(r.status, 413);
	assert_security(&r);
	srv_response_free(&r);
	char *big = malloc(SRV_MAX_BODY_RECOMMEND + 1);
	memset(big, ' ', SRV_MAX_BODY_RECOMMEND + 1);
	x = send_req("POST", "/api/recommend", "application/json", big,
	             SRV_MAX_BODY_RECOMMEND + 1);
	assert_error(x, 413, "");
	done(x);
	free(big);
	x = post("/api/recommend?debug=1", body);
	assert_error(x, 400, "debug");
	done(x);
}

static void test_portfolio(void **state)
{
	(void)state;
	const char *problem =
	    "{\"options\":[{\"id\":\"a\",\"p\":0.39,\"value\":200,\"cost\":3},"
	    "{\"id\":\"b\",\"p\":0.5,\"value\":100,\"cost\":2},"
	    "{\"id\":\"c\",\"p\":0.2,\"value\":300,\"cost\":4}],\"count\":2}";
	reply *x = post("/api/portfolio", problem);
	assert_int_equal(x->r.status, 200);
	assert_int_equal(sp__json_len(member(x, "chosen")), 2);
	assert_non_null(member(x, "value"));
	done(x);
	x = post("/api/portfolio?curve=1", problem);
	assert_int_equal(x->r.status, 200);
	assert_int_equal(sp__json_len(member(x, "curve")), 2);
	done(x);
	x = post("/api/portfolio?curve=2", problem);
	assert_error(x, 400, "curve");
	done(x);
	/* NUL in any JSON string is an error, not the end of the string. */
	x = post("/api/portfolio",
	         "{\"options\":[{\"id\":\"a\\u0000xyz\",\"p\":0.5,"
	         "\"value\":1}],\"count\":1}");
	assert_error(x, 400, "");
	done(x);
	/* The 503 for refused connections carries every header. */
	srv_response busy;
	srv_busy(&busy, "too many connections");
	assert_int_equal(busy.status, 503);
	assert_string_equal(srv_response_header(&busy, "Retry-After"), "1");
	assert_security(&busy);
	srv_response_free(&busy);
	x = post("/api/portfolio", "{\"options\":[");
	assert_error(x, 400, "");
	done(x);
	x = post("/api/portfolio",
	         "{\"options\":[{\"id\":\"a\",\"p\":7,\"value\":1}],"
	         "\"count\":1}");
	assert_int_equal(x->r.status / 100, 4);
	assert_non_null(sp__json_get(member(x, "error"), "field"));
	done(x);
	/* The gate: one problem at a time, the rest told to retry. */
	atomic_store(app->portfolio_busy, SRV_PORTFOLIO_SLOTS);
	x = post("/api/portfolio", problem);
	assert_error(x, 503, "");
	assert_string_equal(srv_response_header(&x->r, "Retry-After"), "1");
	done(x);
	atomic_store(app->portfolio_busy, 0);
	x = post("/api/portfolio", problem);
	assert_int_equal(x->r.status, 200);
	done(x);
	assert_int_equal(atomic_load(app->portfolio_busy), 0);
}

static void test_body_cap(void **state)
{
	(void)state;
	assert_int_equal(srv_body_cap("POST", "/api/recommend"),
	                 SRV_MAX_BODY_RECOMMEND);
	assert_int_equal(srv_body_cap("POST", "/api/portfolio?curve=1"),
	                 SRV_MAX_BODY_PORTFOLIO);
	assert_int_equal(srv_body_cap("POST", "/api/%72ecommend"),
	                 SRV_MAX_BODY_RECOMMEND);
	assert_int_equal(srv_body_cap("GET", "/api/recommend"), 0);
	assert_int_equal(srv_body_cap("PUT", "/api/recommend"), 0);
	assert_int_equal(srv_body_cap("POST", "/api/health"), 0);
	assert_int_equal(srv_body_cap("POST", "/"), 0);
	assert_int_equal(srv_body_cap("POST", "/api/recommend%"), 0);
}

/* ------------------------------------------------------------------ */
/* Static files.                                                       */

static void test_static_files(void **state)
{
	(void)state;
	reply *x = get("/");
	assert_int_equal(x->r.status, 200);
	assert_string_equal(srv_response_header(&x->r, "Content-Type"),
	                    "text/html; charset=utf-8");
	assert_string_equal(srv_response_header(&x->r, "Cache-Control"),
	                    "no-cache");
	assert_int_equal(x->r.len, strlen("<!doctype html><p>hi</p>"));
	assert_memory_equal(x->r.body, "<!doctype html><p>hi</p>", x->r.len);
	done(x);
	x = get("/app.js?v=3");
	assert_int_equal(x->r.status, 200);
	assert_string_equal(srv_response_header(&x->r, "Content-Type"),
	                    "text/javascript; charset=utf-8");
	done(x);
	x = get("/sub/style.css");
	assert_int_equal(x->r.status, 200);
	assert_string_equal(srv_response_header(&x->r, "Content-Type"),
	                    "text/css; charset=utf-8");
	done(x);
	x = send_req("HEAD", "/index.html", NULL, NULL, 0);
	assert_int_equal(x->r.status, 200);
	done(x);
}

static void test_static_traversal(void **state)
{
	(void)state;
	/* Not found: no such file, dotfiles, dot segments, symlinks out of
	 * the root, non-regular files, unlisted extensions, no extension. */
	static const char *const not_found[] = {"/missing.js",
	                                        "/.secret.js",
	                                        "/sub/../app.js",
	                                        "/../app.js",
	                                        "/./app.js",
	                                        "/%2e%2e/app.js",
	                                        "/%2E%2E/%2e%2E/etc/passwd",
	                                        "/sub/.%2e/app.js",
	                                        "//app.js",
	                                        "/sub//style.css",
	                                        "/leak.txt",
	                                        "/etc/passwd",
	                                        "/etc/hostname.txt",
	                                        "/dir.js",
	                                        "/pipe.js",
	                                        "/x.exe",
	                                        "/sub",
	                                        "/sub/",
	                                        "/index",
	                                        "/.",
	                                        "/..",
	                                        "/%2e",
	                                        "/index.html.",
	                                        "/app.js/"};
	for (size_t i = 0; i < sizeof not_found / sizeof *not_found; i++) {
		reply *x = get(not_found[i]);
		if (x->r.status != 404)
			fprintf(stderr, "%s: %d\n", not_found[i], x->r.status);
		assert_error(x, 404, "");
		done(x);
	}
	/* Bad requests: encoded separators, backslashes, NUL and control
	 * bytes, malformed escapes. */
	static const char *const bad[] = {"/sub%2fstyle.css",
	                                  "/sub%2Fstyle.css",
	                                  "/..%2f..%2fetc%2fpasswd",
	                                  "/sub%5cstyle.css",
	                                  "/sub\\style.css",
	                                  "/%00.js",
	                                  "/index.html%00.js",
	                                  "/a%0a.js",
	                                  "/a%7f.js",
	                                  "/%",
	                                  "/%g0.js",
	                                  "/%0"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		reply *x = get(bad[i]);
		if (x->r.status != 400)
			fprintf(stderr, "%s: %d\n", bad[i], x->r.status);
		assert_error(x, 400, "");
		done(x);
	}
}

static void test_static_without_page(void **state)
{
	(void)state;
	sp_specialty_info *s = sp_malloc(sizeof *s);
	sp_program_info *p = sp_malloc(sizeof *p);
	memcpy(s, specs_copy, sizeof *s);
	memcpy(p, progs_copy, sizeof *p);
	srv_config cfg = {.web = "/nonexistent/smartpick/web"};
	srv_app *a;
	sp_err err;
	OK(srv_app_new(s, 1, p, 1, 0, NULL, &cfg, &a, &err));
	srv_request req = {.method = "GET", .uri = "/"};
	srv_response r;
	srv_handle(a, &req, &r);
	assert_int_equal(r.status, 404);
	assert_non_null(strstr(r.body, "make web"));
	assert_security(&r);
	srv_response_free(&r);
	/* Not loopback: any Host is accepted. */
	req.uri = "/api/health";
	req.host = "example.org";
	srv_handle(a, &req, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"synthetic\":false"));
	srv_response_free(&r);
	srv_app_free(a);
}

/* ------------------------------------------------------------------ */
/* JSON output and hostile bytes.                                      */

static void test_json_writer(void **state)
{
	(void)state;
	srv_buf b;
	srv_buf_init(&b, 0);
	srv_json_str(&b, "a\"b\\c\n\t\x01<>&\xc3\xa9\xff\xed\xa0\x80z", 18);
	/* The library's writer (sp_json_put_str): bytes that are not UTF-8
	 * (a lone 0xff, the three of a surrogate) become \ufffd each. */
	assert_string_equal(b.p, "\"a\\\"b\\\\c\\n\\t\\u0001\\u003c\\u003e"
	                         "\\u0026\xc3\xa9\\ufffd\\ufffd"
	                         "\\ufffd\\ufffdz\"");
	srv_buf_free(&b);
	srv_buf_init(&b, 0);
	srv_json_num(&b, NAN);
	srv_buf_put(&b, ",", 1);
	srv_json_num(&b, 42);
	srv_buf_put(&b, ",", 1);
	srv_json_num(&b, 242.5);
	srv_buf_put(&b, ",", 1);
	srv_json_num(&b, 1e300);
	assert_string_equal(b.p, "null,42,242.5,1e+300");
	srv_buf_free(&b);
	/* Numbers read back exactly (the server's own writer, %.10g, wrote
	 * 0.3 and 1.234567890e+15 for these two). */
	srv_buf_init(&b, 0);
	srv_json_num(&b, 0.1 + 0.2);
	srv_buf_put(&b, ",", 1);
	srv_json_num(&b, 1234567890123456.0);
	srv_buf_put(&b, ",", 1);
	srv_json_num(&b, 1.0 / 3);
	assert_string_equal(b.p, "0.30000000000000004,1234567890123456,"
	                         "0.3333333333333333");
	srv_buf_free(&b);
	/* The cap is sticky. */
	srv_buf_init(&b, 8);
	srv_buf_puts(&b, "12345");
	srv_buf_puts(&b, "6789");
	srv_buf_puts(&b, "0");
	assert_true(b.failed);
	srv_buf_free(&b);
}

static void test_hostile_bytes_in_errors(void **state)
{
	(void)state;
	reply *x = get("/api/programs?specialty=%3Cscript%3Ealert(1)%3C%2F"
	               "script%3E%C3%28");
	assert_error(x, 400, "specialty");
	/* Escaped, and still valid UTF-8 JSON (the parser checked). */
	assert_null(memchr(x->r.body, '<', x->r.len));
	done(x);
	x = get("/api/nope%3Cb%3E");
	assert_error(x, 404, "");
	assert_null(memchr(x->r.body, '<', x->r.len));
	done(x);
}

/* Random requests: every one gets a status, the headers, and (for JSON)
 * a body that parses. */
static void test_random_requests(void **state)
{
	(void)state;
	static const char *const methods[] = {"GET", "POST",    "HEAD",
	                                      "PUT", "OPTIONS", "X"};
	static const char alphabet[] = "/api/programsrecommendhealth?&=%2e."
	                               "\\\x00\x01\xff"
	                               "0123456789abcdefABCDEF+<>\"{}[]:,";
	sp_rng rng;
	sp_rng_seed(&rng, 7, 0);
	char uri[128], body[128];
	for (int t = 0; t < 3000; t++) {
		size_t n = 1 + sp_rng_below(&rng, sizeof uri - 2);
		for (size_t i = 0; i < n; i++)
			uri[i] =
			    alphabet[sp_rng_below(&rng, sizeof alphabet - 1)];
		uri[n] = '\0';
		if (sp_rng_below(&rng, 2))
			memcpy(uri, "/api/", 5 < n ? 5 : n);
		size_t bn = sp_rng_below(&rng, sizeof body);
		for (size_t i = 0; i < bn; i++)
			body[i] =
			    alphabet[sp_rng_below(&rng, sizeof alphabet - 1)];
		const char *m = methods[sp_rng_below(&rng, 6)];
		reply *x = send_req(m, uri, "application/json", body, bn);
		assert_true(x->r.status >= 200 && x->r.status < 600);
		done(x);
	}
}

static void test_out_of_memory(void **state)
{
	(void)state;
	const char *uris[] = {"/api/programs?specialty=IM&limit=200",
	                      "/api/specialties", "/api/nope", "/",
	                      "/api/programs?limit=0"};
	for (size_t u = 0; u < sizeof uris / sizeof *uris; u++) {
		for (long n = 1; n < 40; n++) {
			srv_request req = {.method = "GET", .uri = uris[u]};
			srv_response r;
			sp_alloc_fail_after(n);
			srv_handle(app, &req, &r);
			sp_alloc_fail_after(0);
			assert_true(r.status == 200 || r.status == 500 ||
			            r.status == 400 || r.status == 404);
			assert_security(&r);
			if (r.status == 500 && r.len)
				assert_non_null(
				    strstr(r.body, "out of memory"));
			srv_response_free(&r);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_health),
	    cmocka_unit_test(test_specialties),
	    cmocka_unit_test(test_programs_paging),
	    cmocka_unit_test(test_programs_filters),
	    cmocka_unit_test(test_programs_bad_params),
	    cmocka_unit_test(test_program_by_id),
	    cmocka_unit_test(test_routing),
	    cmocka_unit_test(test_request_target),
	    cmocka_unit_test(test_host_check),
	    cmocka_unit_test(test_post_checks),
	    cmocka_unit_test(test_portfolio),
	    cmocka_unit_test(test_body_cap),
	    cmocka_unit_test(test_static_files),
	    cmocka_unit_test(test_static_traversal),
	    cmocka_unit_test(test_static_without_page),
	    cmocka_unit_test(test_json_writer),
	    cmocka_unit_test(test_hostile_bytes_in_errors),
	    cmocka_unit_test(test_random_requests),
	    cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * handler.c — srv_handle: one complete HTTP request in, one response
 * out, with no socket in sight (the transport is http.c).
 *
 * Order of checks, each answering at once when it fails:
 *   1. the request target: at most SRV_MAX_URI bytes (414), no raw space
 *      or control byte (400; the transport passes them on), origin-form
 *      "/..." (400), a path whose %-escapes decode strictly and never to
 *      '/', '\\', NUL or another control byte (400);
 *   2. the Host header, when the server listens on loopback only (421):
 *      a page on another site that rebinds its name to 127.0.0.1 must not
 *      reach the API;
 *   3. the route: /api/... by exact path, else a static file (static.c);
 *      unknown API paths are 404, a known path with the wrong method is
 *      405 with Allow, OPTIONS is 204 with Allow (no CORS: only the page
 *      the server itself serves may call the API);
 *   4. per endpoint: query parameters (strict: unknown, repeated,
 *      malformed or out-of-range values are 400 naming the parameter),
 *      and for POST the content type (415), the body's size (413) and
 *      presence (400); the library parses the JSON and its status maps
 *      to 400 (malformed), 422 (well-formed but invalid), 413 (a hard
 *      limit such as depth) or 500.
 * Every response carries the security headers (add_security); API
 * responses are never cached.  Every error is
 * {"error":{"status":N,"message":"...","field":"..."}}.  A failed
 * allocation anywhere becomes a 500 with a static body, so the handler
 * cannot fail.  Nothing from the request is logged or kept.
 */
#include "server.h"

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The body of the 500 sent when even the error could not be built. */
static const char oom_body[] =
    "{\"error\":{\"status\":500,\"message\":\"out of memory\"}}";

static const char csp[] =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

static const char json_type[] = "application/json; charset=utf-8";

static const char *const track_names[5] = {"categorical", "preliminary",
                                           "advanced", "primary", "reserved"};

/* ------------------------------------------------------------------ */
/* Responses.                                                          */

static void add_header(srv_response *r, const char *name, const char *value)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (!strcmp(r->headers[i].name, name)) {
			r->headers[i].value = value;
			return;
		}
	if (r->nheaders < SRV_MAX_HEADERS) {
		r->headers[r->nheaders].name = name;
		r->headers[r->nheaders].value = value;
		r->nheaders++;
	}
}

static void add_security(srv_response *r, bool api)
{
	add_header(r, "Content-Security-Policy", csp);
	add_header(r, "X-Content-Type-Options", "nosniff");
	add_header(r, "Referrer-Policy", "no-referrer");
	add_header(r, "X-Frame-Options", "DENY");
	add_header(r, "Cross-Origin-Resource-Policy", "same-origin");
	add_header(r, "Cache-Control", api ? "no-store" : "no-cache");
}

/* Replaces r's body with the static out-of-memory error. */
static void set_oom(srv_response *r)
{
	sp_free(r->body);
	r->body = NULL;
	r->len = 0;
	r->status = 500;
	r->body = sp_malloc(sizeof oom_body);
	if (r->body) {
		memcpy(r->body, oom_body, sizeof oom_body);
		r->len = sizeof oom_body - 1;
	}
	add_header(r, "Content-Type", json_type);
}

/* Hands b's bytes to r as a JSON body with `status`. */
static void set_json(srv_response *r, int status, srv_buf *b)
{
	if (b->failed) {
		srv_buf_free(b);
		set_oom(r);
		return;
	}
	r->status = status;
	r->body = b->p;
	r->len = b->len;
	b->p = NULL;
	srv_buf_free(b);
	add_header(r, "Content-Type", json_type);
}

static void set_error(srv_response *r, int status, const char *field,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_error(srv_response *r, int status, const char *field,
                      const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	srv_buf b;
	srv_buf_init(&b, 0);
	srv_buf_printf(&b, "{\"error\":{\"status\":%d,\"message\":", status);
	srv_json_cstr(&b, msg);
	if (field && *field) {
		srv_buf_puts(&b, ",\"field\":");
		srv_json_cstr(&b, field);
	}
	srv_buf_puts(&b, "}}");
	set_json(r, status, &b);
}

/* The error of a failed library call: its message and field. */
static void set_lib_error(srv_response *r, sp_status s, const sp_err *err)
{
	int status;
	switch (s) {
	case SP_EPARSE:
		status = 400;
		break;
	case SP_ELIMIT:
		status = 413;
		break;
	case SP_EINVAL:
	case SP_ENOTFOUND:
	case SP_EDUP:
	case SP_EUNSUPPORTED:
		status = 422;
		break;
	default:
		status = 500;
		break;
	}
	const char *msg = err->msg[0] ? err->msg : sp_strerror(s);
	set_error(r, status, err->field, "%s", msg);
}

static void set_allow(srv_response *r, const char *allow, const char *method)
{
	add_header(r, "Allow", allow);
	if (!strcmp(method, "OPTIONS")) {
		r->status = 204;
		return;
	}
	set_error(r, 405, NULL, "method %s is not allowed here (allowed: %s)",
	          method, allow);
}

void srv_response_free(srv_response *r)
{
	sp_free(r->body);
	memset(r, 0, sizeof *r);
}

const char *srv_response_header(const srv_response *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (!strcasecmp(r->headers[i].name, name))
			return r->headers[i].value;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The request target.                                                 */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes %-escapes of s[0..n) into out (at least n + 1 bytes); with
 * `form` (a query), '+' is a space.  Refuses malformed escapes, decoded
 * bytes below 0x20 and DEL, and in paths '\\' and an escaped '/'.
 * Returns the decoded length, or -1. */
static long decode(const char *s, size_t n, char *out, bool form)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (n - i < 3)
				return -1;
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
			if (!form && c == '/')
				return -1;
		} else if (form && c == '+') {
			c = ' ';
		}
		if (c < 0x20 || c == 0x7f || (!form && c == '\\'))
			return -1;
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return (long)k;
}

typedef struct {
	size_t n;
	struct {
		char name[32];
		char value[SRV_MAX_PARAM + 1];
	} p[SRV_MAX_PARAMS];
	char bad[32]; /* after an error: the parameter at fault, or "" */
} query;

/* Splits and decodes "a=1&b=2" (empty pieces are skipped).  Returns an
 * error message (and names the parameter in q->bad when it can), or
 * NULL. */
static const char *parse_query(const char *s, size_t n, query *q)
{
	q->n = 0;
	q->bad[0] = '\0';
	for (size_t i = 0, j; i < n; i = j + 1) {
		for (j = i; j < n && s[j] != '&';)
			j++;
		if (j == i)
			continue;
		q->bad[0] = '\0';
		if (q->n == SRV_MAX_PARAMS)
			return "too many query parameters";
		const char *eq = memchr(s + i, '=', j - i);
		size_t kn = eq ? (size_t)(eq - (s + i)) : j - i;
		const char *v = eq ? eq + 1 : s + j;
		size_t vn = (size_t)(s + j - v);
		char *name = q->p[q->n].name;
		if (kn == 0 || kn >= sizeof q->p[0].name ||
		    decode(s + i, kn, name, true) <= 0)
			return "malformed query parameter name";
		memcpy(q->bad, name, strlen(name) + 1);
		if (vn > 3 * SRV_MAX_PARAM)
			return "query parameter value too long";
		char tmp[3 * SRV_MAX_PARAM + 1];
		long dn = decode(v, vn, tmp, true);
		if (dn < 0)
			return "malformed query parameter value";
		if (dn > SRV_MAX_PARAM)
			return "query parameter value too long";
		memcpy(q->p[q->n].value, tmp, (size_t)dn + 1);
		for (size_t k = 0; k < q->n; k++)
			if (!strcmp(q->p[k].name, name))
				return "query parameter repeated";
		q->n++;
	}
	q->bad[0] = '\0';
	return NULL;
}

/* The value of parameter `name`, or NULL. */
static const char *param(const query *q, const char *name)
{
	for (size_t i = 0; i < q->n; i++)
		if (!strcmp(q->p[i].name, name))
			return q->p[i].value;
	return NULL;
}

/* Answers 400 naming the first parameter not in `known` (NULL-ended);
 * returns false then. */
static bool only_known(const query *q, const char *const *known,
                       srv_response *r)
{
	for (size_t i = 0; i < q->n; i++) {
		size_t k = 0;
		while (known[k] && strcmp(known[k], q->p[i].name))
			k++;
		if (!known[k]) {
			set_error(r, 400, q->p[i].name,
			          "unknown query parameter '%s'", q->p[i].name);
			return false;
		}
	}
	return true;
}

/* A decimal integer in [lo, hi]; false on anything else. */
static bool parse_int(const char *s, long lo, long hi, long *out)
{
	if (!*s || strlen(s) > 10)
		return false;
	long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* ------------------------------------------------------------------ */
/* JSON of catalog objects.                                            */

static const char *spec_name(const srv_app *app, const char *code)
{
	for (size_t i = 0; i < app->ns; i++)
		if (!strcmp(app->specs[i].code, code))
			return app->specs[i].name;
	return "";
}

static const char *name_of(const char *const *names, size_t n, int v)
{
	return v >= 0 && (size_t)v < n ? names[v] : "";
}

static void write_program(srv_buf *b, const srv_app *app,
                          const sp_program_info *p)
{
	srv_buf_printf(b, "{\"id\":%ld,\"code\":", (long)p->id);
	srv_json_cstr(b, p->code);
	srv_buf_puts(b, ",\"name\":");
	srv_json_cstr(b, p->name);
	srv_buf_puts(b, ",\"specialty\":");
	srv_json_cstr(b, p->specialty);
	srv_buf_puts(b, ",\"specialty_name\":");
	srv_json_cstr(b, spec_name(app, p->specialty));
	srv_buf_puts(b, ",\"track\":");
	srv_json_cstr(b, name_of(track_names, 5, (int)p->track));
	srv_buf_puts(b, ",\"state\":");
	srv_json_cstr(b, p->state);
	srv_buf_printf(b, ",\"region\":%d,\"region_name\":", p->region);
	srv_json_cstr(b, sp_division_name(p->region));
	srv_buf_puts(b, ",\"setting\":");
	srv_json_cstr(b, sp_setting_name(p->setting));
	srv_buf_printf(b,
	               ",\"positions\":%d,\"interview_slots\":%d,"
	               "\"accepts_signals\":%s,\"sponsors_visa\":%s,"
	               "\"step2_median\":",
	               p->positions, p->interview_slots,
	               p->accepts_signals ? "true" : "false",
	               p->sponsors_visa ? "true" : "false");
	srv_json_num(b, p->step2_median);
	srv_buf_printf(
	    b, ",\"synthetic\":%s,\"city\":", p->synthetic ? "true" : "false");
	srv_json_cstr(b, p->city);
	/* Where the figures come from (docs/catalog.md): the estimated
	 * fields, and the program's own measured interview-offer rates. */
	srv_buf_puts(b, ",\"estimated\":[");
	for (int f = 0, k = 0; f < SP_FIELD_N; f++) {
		if (!strcmp(sp_program_provenance(p, (sp_field)f), "published"))
			continue;
		if (k++)
			srv_buf_puts(b, ",");
		srv_json_cstr(b, sp_field_name((sp_field)f));
	}
	srv_buf_puts(b, "],\"measured_rates\":");
	if (!p->rate_cycle) {
		srv_buf_puts(b, "null}");
		return;
	}
	srv_buf_printf(b, "{\"cycle\":%d", p->rate_cycle);
	for (int k = 0; k < SP_RATE_N; k++) {
		if (isnan(p->rates[k]))
			continue;
		srv_buf_puts(b, ",");
		srv_json_cstr(b, sp_rate_name((sp_rate)k) + 5);
		srv_buf_puts(b, ":");
		srv_json_num(b, p->rates[k]);
	}
	srv_buf_puts(b, "}}");
}

/* ------------------------------------------------------------------ */
/* Endpoints.                                                          */

static void api_health(const srv_app *app, srv_response *r)
{
	srv_buf b;
	srv_buf_init(&b, 0);
	srv_buf_puts(&b, "{\"status\":\"ok\",\"version\":");
	srv_json_cstr(&b, SP_VERSION);
	srv_buf_printf(&b,
	               ",\"programs\":%zu,\"synthetic\":%s,"
	               "\"advisor\":%s}",
	               app->np, app->synthetic ? "true" : "false",
	               app->adv ? "true" : "false");
	set_json(r, 200, &b);
}

static void api_specialties(const srv_app *app, srv_response *r)
{
	srv_buf b;
	srv_buf_init(&b, 0);
	srv_buf_puts(&b, "{\"specialties\":[");
	for (size_t i = 0; i < app->ns; i++) {
		const sp_specialty_info *s = &app->specs[i];
		srv_buf_puts(&b, i ? ",{\"code\":" : "{\"code\":");
		srv_json_cstr(&b, s->code);
		srv_buf_puts(&b, ",\"name\":");
		srv_json_cstr(&b, s->name);
		srv_buf_puts(&b, ",\"family\":");
		srv_json_cstr(&b, s->family);
		srv_buf_puts(&b, ",\"track\":");
		srv_json_cstr(&b, name_of(track_names, 5, (int)s->track));
		srv_buf_printf(&b,
		               ",\"pgy2\":%s,\"programs\":%d,\"positions\":%d,"
		               "\"signals_gold\":%d,\"signals_silver\":%d}",
		               s->pgy2 ? "true" : "false", s->programs,
		               s->positions, s->signals_gold,
		               s->signals_silver);
	}
	srv_buf_puts(&b, "]}");
	set_json(r, 200, &b);
}

/* The filters of /api/programs, parsed. */
typedef struct {
	bool *spec; /* ns flags; NULL: any specialty */
	char state[3];
	int region;  /* 0: any */
	int setting; /* -1: any */
	bool visa;
	const char *q;
	size_t qlen;
	long offset, limit;
} filter;

static bool ieq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

static int tolower_ascii(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Case-insensitive (ASCII) substring search. */
static bool contains(const char *hay, const char *needle, size_t n)
{
	if (n == 0)
		return true;
	for (const char *h = hay; *h; h++) {
		size_t k = 0;
		while (k < n && h[k] &&
		       tolower_ascii(h[k]) == tolower_ascii(needle[k]))
			k++;
		if (k == n)
			return true;
	}
	return false;
}

/* Parses the filters; answers 400 and returns false on a bad one. */
static bool parse_filter(const srv_app *app, const query *q, filter *f,
                         srv_response *r)
{
	static const char *const known[] = {"specialty", "state", "region",
	                                    "setting",   "visa",  "q",
	                                    "offset",    "limit", NULL};
	memset(f, 0, sizeof *f);
	f->setting = -1;
	f->limit = SRV_PAGE_DEFAULT;
	if (!only_known(q, known, r))
		return false;
	const char *v;
	if ((v = param(q, "specialty")) != NULL) {
		/* A code, or a name or family: every row it names. */
		f->spec = sp_calloc(app->ns ? app->ns : 1, sizeof *f->spec);
		if (!f->spec) {
			set_oom(r);
			return false;
		}
		bool any = false;
		for (size_t i = 0; i < app->ns; i++) {
			const sp_specialty_info *s = &app->specs[i];
			f->spec[i] = ieq(v, s->code) || ieq(v, s->name) ||
			             ieq(v, s->family);
			any = any || f->spec[i];
		}
		if (!any) {
			set_error(r, 400, "specialty",
			          "unknown specialty '%s' (see "
			          "/api/specialties)",
			          v);
			return false;
		}
	}
	if ((v = param(q, "state")) != NULL) {
		if (strlen(v) != 2 ||
		    !((v[0] | 0x20) >= 'a' && (v[0] | 0x20) <= 'z' &&
		      (v[1] | 0x20) >= 'a' && (v[1] | 0x20) <= 'z')) {
			set_error(r, 400, "state",
			          "state: expected a two-letter postal code");
			return false;
		}
		f->state[0] = (char)(v[0] & ~0x20);
		f->state[1] = (char)(v[1] & ~0x20);
	}
	if ((v = param(q, "region")) != NULL) {
		long d = 0;
		for (int k = 1; k <= 9 && !d; k++)
			if (ieq(v, sp_division_name(k)))
				d = k;
		if (!d && !parse_int(v, 1, 9, &d)) {
			set_error(r, 400, "region",
			          "region: expected a census division, 1 to 9 "
			          "or its name");
			return false;
		}
		f->region = (int)d;
	}
	if ((v = param(q, "setting")) != NULL) {
		for (int k = 0; k < 4 && f->setting < 0; k++)
			if (ieq(v, sp_setting_name((sp_setting)k)))
				f->setting = k;
		if (f->setting < 0) {
			set_error(
			    r, 400, "setting",
			    "setting: expected university, "
			    "community_university, community or military");
			return false;
		}
	}
	if ((v = param(q, "visa")) != NULL) {
		if (strcmp(v, "0") && strcmp(v, "1") && strcmp(v, "true") &&
		    strcmp(v, "false")) {
			set_error(r, 400, "visa", "visa: expected 0 or 1");
			return false;
		}
		f->visa = !strcmp(v, "1") || !strcmp(v, "true");
	}
	if ((v = param(q, "q")) != NULL) {
		f->qlen = strlen(v);
		if (f->qlen > SRV_MAX_Q) {
			set_error(r, 400, "q", "q: longer than %d bytes",
			          SRV_MAX_Q);
			return false;
		}
		f->q = v;
	}
	if ((v = param(q, "offset")) != NULL &&
	    !parse_int(v, 0, 1000000000, &f->offset)) {
		set_error(r, 400, "offset",
		          "offset: expected an integer from 0");
		return false;
	}
	if ((v = param(q, "limit")) != NULL &&
	    !parse_int(v, 1, SRV_PAGE_MAX, &f->limit)) {
		set_error(r, 400, "limit",
		          "limit: expected an integer from 1 to %d",
		          SRV_PAGE_MAX);
		return false;
	}
	return true;
}

static bool spec_selected(const srv_app *app, const filter *f, const char *code)
{
	if (!f->spec)
		return true;
	for (size_t i = 0; i < app->ns; i++)
		if (f->spec[i] && !strcmp(app->specs[i].code, code))
			return true;
	return false;
}

static bool matches(const srv_app *app, const filter *f,
                    const sp_program_info *p)
{
	if (f->state[0] && strcmp(p->state, f->state))
		return false;
	if (f->region && p->region != f->region)
		return false;
	if (f->setting >= 0 && (int)p->setting != f->setting)
		return false;
	if (f->visa && !p->sponsors_visa)
		return false;
	if (f->q && !contains(p->name, f->q, f->qlen) &&
	    !contains(p->code, f->q, f->qlen))
		return false;
	return spec_selected(app, f, p->specialty);
}

static void api_programs(const srv_app *app, const query *q, srv_response *r)
{
	filter f;
	if (!parse_filter(app, q, &f, r)) {
		sp_free(f.spec);
		return;
	}
	srv_buf b;
	srv_buf_init(&b, 0);
	srv_buf_puts(&b, "{\"programs\":[");
	long total = 0;
	for (size_t i = 0; i < app->np; i++) {
		const sp_program_info *p = &app->progs[i];
		if (!matches(app, &f, p))
			continue;
		if (total >= f.offset && total < f.offset + f.limit) {
			if (total > f.offset)
				srv_buf_put(&b, ",", 1);
			write_program(&b, app, p);
		}
		total++;
	}
	srv_buf_printf(&b, "],\"total\":%ld,\"offset\":%ld,\"limit\":%ld}",
	               total, f.offset, f.limit);
	sp_free(f.spec);
	set_json(r, 200, &b);
}

static void api_program(const srv_app *app, const char *idtext, srv_response *r)
{
	long id;
	if (!parse_int(idtext, 0, INT32_MAX, &id)) {
		set_error(r, 404, NULL, "no program with id '%s'", idtext);
		return;
	}
	size_t lo = 0, hi = app->np;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (app->progs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == app->np || app->progs[lo].id != id) {
		set_error(r, 404, NULL, "no program with id %ld", id);
		return;
	}
	srv_buf b;
	srv_buf_init(&b, 0);
	write_program(&b, app, &app->progs[lo]);
	set_json(r, 200, &b);
}

/* True when `ct` is application/json, with no charset or UTF-8. */
static bool is_json_type(const char *ct)
{
	static const char want[] = "application/json";
	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, sizeof want - 1))
		return false;
	ct += sizeof want - 1;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (!*ct)
		return true;
	if (*ct != ';')
		return false;
	/* Parameters: only a UTF-8 charset (quoted or not) is taken. */
	for (const char *p = ct; *p; p++) {
		if (strncasecmp(p, "charset=", 8))
			continue;
		p += 8;
		if (*p == '"')
			p++;
		if (strncasecmp(p, "utf-8", 5))
			return false;
		p += 5;
		if (*p == '"')
			p++;
		while (*p == ' ' || *p == '\t')
			p++;
		return *p == '\0' || *p == ';';
	}
	return true;
}

/* The checks every POST endpoint makes before its body is parsed. */
static bool body_ok(const srv_request *req, long cap, srv_response *r)
{
	if (!is_json_type(req->content_type)) {
		set_error(r, 415, NULL,
		          "expected Content-Type: application/json");
		return false;
	}
	if (req->truncated || req->len > (size_t)cap) {
		set_error(r, 413, NULL, "request body larger than %ld bytes",
		          cap);
		return false;
	}
	if (req->len == 0) {
		set_error(r, 400, NULL, "empty request body: expected JSON");
		return false;
	}
	return true;
}

/* The advisor's JSON answers share their checks and their ending: the
 * query holds only `known`, the body fits `cap`, the server has an
 * advisor; then call() gives the library's answer or its error. */
static bool advisor_ready(const srv_app *app, const srv_request *req,
                          const query *q, const char *const *known, size_t cap,
                          srv_response *r)
{
	if (!only_known(q, known, r) || !body_ok(req, cap, r))
		return false;
	if (!app->adv) {
		set_error(r, 503, NULL,
		          "the advisor is not available on this server");
		return false;
	}
	return true;
}

static void advisor_answer(srv_response *r, sp_status s, const sp_err *err,
                           char *out, size_t n)
{
	if (s) {
		set_lib_error(r, s, err);
		return;
	}
	r->status = 200;
	r->body = out;
	r->len = n;
	add_header(r, "Content-Type", json_type);
}

/* POST /api/recommend (sp_recommend_json), POST /api/rank (sp_rank_json)
 * and POST /api/score (sp_score_json), whose bodies are capped at `cap`
 * and named `what` in error messages. */
typedef sp_status (*advisor_json_fn)(const sp_advisor *, const char *, size_t,
                                     const char *, char **, size_t *, sp_err *);

static void api_advisor(const srv_app *app, const srv_request *req,
                        const query *q, srv_response *r, advisor_json_fn fn,
                        size_t cap, const char *what)
{
	static const char *const known[] = {NULL};
	if (!advisor_ready(app, req, q, known, cap, r))
		return;
	char *out = NULL;
	size_t n = 0;
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_status s = fn(app->adv, req->body, req->len, what, &out, &n, &err);
	advisor_answer(r, s, &err, out, n);
}

/* POST /api/chances[?specialty=NAME]: the body is a profile. */
static void api_chances(const srv_app *app, const srv_request *req,
                        const query *q, srv_response *r)
{
	static const char *const known[] = {"specialty", NULL};
	if (!advisor_ready(app, req, q, known, SRV_MAX_BODY_RECOMMEND, r))
		return;
	char *out = NULL;
	size_t n = 0;
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_status s = sp_chances_json(app->adv, req->body, req->len, "profile",
	                              param(q, "specialty"), &out, &n, &err);
	advisor_answer(r, s, &err, out, n);
}

static void api_portfolio(const srv_app *app, const srv_request *req,
                          const query *q, srv_response *r)
{
	static const char *const known[] = {"curve", NULL};
	if (!only_known(q, known, r))
		return;
	const char *v = param(q, "curve");
	int curve = v && (!strcmp(v, "1") || !strcmp(v, "true"));
	if (v && !curve && strcmp(v, "0") && strcmp(v, "false")) {
		set_error(r, 400, "curve", "curve: expected 0 or 1");
		return;
	}
	if (!body_ok(req, SRV_MAX_BODY_PORTFOLIO, r))
		return;
	/* A large problem is seconds of work: a few at a time, so the rest
	 * of the API keeps answering. */
	if (atomic_fetch_add(app->portfolio_busy, 1) >= SRV_PORTFOLIO_SLOTS) {
		atomic_fetch_sub(app->portfolio_busy, 1);
		add_header(r, "Retry-After", "1");
		set_error(r, 503, NULL,
		          "busy with another portfolio problem; retry");
		return;
	}
	char *out = NULL;
	size_t n = 0;
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_status s = sp_portfolio_json(req->body, req->len, "problem", curve,
	                                &out, &n, &err);
	atomic_fetch_sub(app->portfolio_busy, 1);
	if (s) {
		set_lib_error(r, s, &err);
		return;
	}
	if (n > SRV_MAX_ANSWER_PORTFOLIO) {
		/* A slow reader holds its answer: keep each one bounded. */
		sp_free(out);
		set_error(r, 413, "count",
		          "the answer would be %zu bytes, over the server's "
		          "%ld; ask for a smaller count or use the command "
		          "line",
		          n, (long)SRV_MAX_ANSWER_PORTFOLIO);
		return;
	}
	r->status = 200;
	r->body = out;
	r->len = n;
	add_header(r, "Content-Type", json_type);
}

static void serve_static(const srv_app *app, const char *path, srv_response *r)
{
	srv_file f;
	char msg[200];
	int status = srv_static_load(app->web, path, &f, msg, sizeof msg);
	if (status != 200) {
		set_error(r, status, NULL, "%s", msg);
		return;
	}
	r->status = 200;
	r->body = f.body;
	r->len = f.len;
	add_header(r, "Content-Type", f.type);
}

/* ------------------------------------------------------------------ */
/* Routing.                                                            */

/* Splits the raw target into its decoded path (in `path`, of
 * SRV_MAX_URI + 1 bytes) and raw query; NULL path on a bad target. */
static const char *split_target(const char *uri, char *path, const char **qs,
                                size_t *qlen)
{
	size_t n = strlen(uri);
	const char *mark = memchr(uri, '?', n);
	size_t pn = mark ? (size_t)(mark - uri) : n;
	*qs = mark ? mark + 1 : uri + n;
	*qlen = mark ? n - pn - 1 : 0;
	const char *hash = memchr(*qs, '#', *qlen);
	if (hash)
		*qlen = (size_t)(hash - *qs);
	if (n > SRV_MAX_URI || pn == 0 || uri[0] != '/' ||
	    decode(uri, pn, path, false) < 0)
		return NULL;
	return path;
}

size_t srv_body_cap(const char *method, const char *uri)
{
	char path[SRV_MAX_URI + 1];
	const char *qs;
	size_t qlen;
	if (strcmp(method, "POST") || strlen(uri) > SRV_MAX_URI ||
	    !split_target(uri, path, &qs, &qlen))
		return 0;
	if (!strcmp(path, "/api/recommend") || !strcmp(path, "/api/chances"))
		return SRV_MAX_BODY_RECOMMEND;
	if (!strcmp(path, "/api/portfolio"))
		return SRV_MAX_BODY_PORTFOLIO;
	if (!strcmp(path, "/api/rank") || !strcmp(path, "/api/score"))
		return SRV_MAX_BODY_RANK;
	return 0;
}

/* True when the Host header names this server on loopback. */
static bool host_ok(const srv_app *app, const char *host)
{
	const char *const names[] = {"127.0.0.1", "localhost", "[::1]",
	                             app->host};
	if (!app->loopback || !host)
		return true;
	char port[16];
	snprintf(port, sizeof port, "%d", app->port);
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		size_t n = strlen(names[i]);
		if (!n || strncasecmp(host, names[i], n))
			continue;
		const char *rest = host + n;
		if (!*rest && app->port == 80)
			return true;
		if (*rest == ':' && !strcmp(rest + 1, port))
			return true;
	}
	return false;
}

static bool is_get(const char *m)
{
	return !strcmp(m, "GET") || !strcmp(m, "HEAD");
}

/* Routes the request; returns true when a static file answered. */
static bool route(const srv_app *app, const srv_request *req, srv_response *r)
{
	static const char get_allow[] = "GET, HEAD, OPTIONS";
	static const char post_allow[] = "POST, OPTIONS";
	char path[SRV_MAX_URI + 1];
	const char *qs;
	size_t qlen;
	const char *m = req->method ? req->method : "";
	const char *uri = req->uri ? req->uri : "";
	if (strlen(uri) > SRV_MAX_URI) {
		set_error(r, 414, NULL, "request target longer than %d bytes",
		          SRV_MAX_URI);
		return false;
	}
	for (const char *c = uri; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f) {
			set_error(r, 400, NULL,
			          "the request target holds a raw space or "
			          "control byte; percent-encode it (%%20)");
			return false;
		}
	if (!split_target(uri, path, &qs, &qlen)) {
		set_error(r, 400, NULL, "malformed request target");
		return false;
	}
	if (!host_ok(app, req->host)) {
		set_error(r, 421, NULL,
		          "this server answers only to its own "
		          "loopback address");
		return false;
	}
	if (strncmp(path, "/api/", 5)) {
		if (!is_get(m)) {
			set_allow(r, get_allow, m);
			return false;
		}
		serve_static(app, path, r);
		return r->status == 200;
	}
	const char *name = path + 5;
	bool post = !strcmp(name, "recommend") || !strcmp(name, "portfolio") ||
	            !strcmp(name, "rank") || !strcmp(name, "chances") ||
	            !strcmp(name, "score");
	bool get = !strcmp(name, "health") || !strcmp(name, "specialties") ||
	           !strcmp(name, "programs") || !strncmp(name, "programs/", 9);
	if (!post && !get) {
		set_error(r, 404, NULL, "no such API endpoint: %s", path);
		return false;
	}
	if (get ? !is_get(m) : strcmp(m, "POST")) {
		set_allow(r, get ? get_allow : post_allow, m);
		return false;
	}
	query *q = sp_malloc(sizeof *q);
	if (!q) {
		set_oom(r);
		return false;
	}
	const char *bad = parse_query(qs, qlen, q);
	static const char *const none[] = {NULL};
	if (bad && q->bad[0])
		set_error(r, 400, q->bad, "%s: %s", q->bad, bad);
	else if (bad)
		set_error(r, 400, NULL, "%s", bad);
	else if (!strcmp(name, "programs"))
		api_programs(app, q, r);
	else if (!strcmp(name, "recommend"))
		api_advisor(app, req, q, r, sp_recommend_json,
		            SRV_MAX_BODY_RECOMMEND, "profile");
	else if (!strcmp(name, "rank"))
		api_advisor(app, req, q, r, sp_rank_json, SRV_MAX_BODY_RANK,
		            "rank list");
	else if (!strcmp(name, "score"))
		api_advisor(app, req, q, r, sp_score_json, SRV_MAX_BODY_RANK,
		            "list");
	else if (!strcmp(name, "portfolio"))
		api_portfolio(app, req, q, r);
	else if (!strcmp(name, "chances"))
		api_chances(app, req, q, r);
	else if (!only_known(q, none, r))
		; /* answered */
	else if (!strcmp(name, "health"))
		api_health(app, r);
	else if (!strcmp(name, "specialties"))
		api_specialties(app, r);
	else
		api_program(app, name + 9, r);
	sp_free(q);
	return false;
}

void srv_busy(srv_response *out, const char *why)
{
	memset(out, 0, sizeof *out);
	set_error(out, 503, NULL, "%s; retry in a second", why);
	add_header(out, "Retry-After", "1");
	add_header(out, "Connection", "close");
	add_security(out, true);
}

void srv_handle(const srv_app *app, const srv_request *req, srv_response *out)
{
	memset(out, 0, sizeof *out);
	bool file = route(app, req, out);
	add_security(out, !file);
}

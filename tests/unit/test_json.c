/*
 * test_json.c — the JSON parser (valid and invalid documents, escapes,
 * UTF-8, numbers, caps, duplicate keys, positions in messages), the
 * typed getters and the writer helpers.
 */
#include "testutil.h"

#include "json.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>

/* Parses text (as a C string) or fails the test. */
static sp__json_doc *parse(const char *text)
{
	sp__json_doc *d = NULL;
	sp_err err;
	sp_status s =
	    sp__json_parse(text, strlen(text), "t.json", NULL, &d, &err);
	if (s)
		fail_msg("parse failed: %s", err.msg);
	return d;
}

/* Parses buf[0..len) expecting status `want` and message `msg`. */
static void bad_len(const char *buf, size_t len, sp_status want,
                    const char *msg)
{
	sp__json_doc *d = (sp__json_doc *)1;
	sp_err err;
	sp_status s = sp__json_parse(buf, len, "t.json", NULL, &d, &err);
	assert_int_equal(s, want);
	assert_null(d);
	assert_string_equal(err.msg, msg);
}

static void bad(const char *text, sp_status want, const char *msg)
{
	bad_len(text, strlen(text), want, msg);
}

static void test_scalars(void **state)
{
	(void)state;
	sp__json_doc *d = parse("true");
	assert_int_equal(d->root->type, SP__JSON_TRUE);
	sp__json_free(d);
	d = parse(" \t\r\n false \n");
	assert_int_equal(d->root->type, SP__JSON_FALSE);
	assert_int_equal(d->root->line, 2);
	assert_int_equal(d->root->col, 2);
	sp__json_free(d);
	d = parse("null");
	assert_int_equal(d->root->type, SP__JSON_NULL);
	sp__json_free(d);
	d = parse("\"hi\"");
	assert_int_equal(d->root->type, SP__JSON_STRING);
	assert_string_equal(d->root->u.str.s, "hi");
	assert_int_equal(d->root->u.str.len, 2);
	sp__json_free(d);
	d = parse("-12");
	int64_t v;
	assert_true(sp__json_int(d->root, &v));
	assert_int_equal(v, -12);
	sp__json_free(d);
	sp__json_free(NULL);
}

static void test_tree(void **state)
{
	(void)state;
	sp__json_doc *d = parse("{\n"
	                        "  \"a\": [1, 2, {\"b\": null}],\n"
	                        "  \"c\": \"x\",\n"
	                        "  \"e\": {}, \"f\": []\n"
	                        "}");
	const sp__json *r = d->root;
	assert_int_equal(r->type, SP__JSON_OBJECT);
	assert_int_equal(sp__json_len(r), 4);
	const sp__json *a = sp__json_get(r, "a");
	assert_non_null(a);
	assert_int_equal(a->line, 2);
	assert_int_equal(a->col, 3); /* a member points at its key */
	assert_string_equal(a->key, "a");
	assert_int_equal(sp__json_len(a), 3);
	const sp__json *third = sp__json_at(a, 2);
	assert_int_equal(third->type, SP__JSON_OBJECT);
	assert_int_equal(third->col, 15);
	assert_int_equal(sp__json_get(third, "b")->type, SP__JSON_NULL);
	assert_int_equal(sp__json_at(a, 1)->col, 12);
	assert_string_equal(sp__json_get(r, "c")->u.str.s, "x");
	assert_int_equal(sp__json_get(r, "c")->line, 3);
	assert_int_equal(sp__json_len(sp__json_get(r, "e")), 0);
	assert_int_equal(sp__json_get(r, "f")->type, SP__JSON_ARRAY);
	assert_null(sp__json_get(r, "zz"));
	assert_null(sp__json_get(a, "a")); /* not an object */
	assert_null(sp__json_get(NULL, "a"));
	assert_int_equal(sp__json_len(sp__json_get(r, "c")), 0);
	assert_string_equal(sp__json_at(r, 3)->key, "f");
	assert_int_equal(d->nodes, 9);
	sp__json_free(d);
}

static void test_escapes(void **state)
{
	(void)state;
	sp__json_doc *d = parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"");
	assert_string_equal(d->root->u.str.s, "q\" b\\ s/ \b\f\n\r\t");
	sp__json_free(d);
	d = parse("\"\\u00e9\\u20AC\\ud83d\\ude00\\u0041\"");
	assert_string_equal(d->root->u.str.s,
	                    "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"
	                    "A");
	sp__json_free(d);
	bad("\"a\\u0000b\"", SP_EPARSE,
	    "t.json:1:3: invalid \\u escape: NUL (\\u0000) is not allowed "
	    "in a string");
	bad("{\"specialty\": \"Internal Medicine\\u0000xyz\"}", SP_EPARSE,
	    "t.json:1:33: invalid \\u escape: NUL (\\u0000) is not allowed "
	    "in a string");
	d = parse("\"\\uDBFF\\uDFFF\"");
	assert_string_equal(d->root->u.str.s, "\xF4\x8F\xBF\xBF");
	sp__json_free(d);

	bad("\"\\x\"", SP_EPARSE, "t.json:1:2: invalid escape '\\x' in string");
	bad("\"\\u12\"", SP_EPARSE,
	    "t.json:1:2: invalid \\u escape: expected four hex digits");
	bad("\"ab\\u12g4\"", SP_EPARSE,
	    "t.json:1:4: invalid \\u escape: expected four hex digits");
	bad("\"\\ud800\"", SP_EPARSE,
	    "t.json:1:2: invalid \\u escape: unpaired high surrogate");
	bad("\"\\ud800\\u0041\"", SP_EPARSE,
	    "t.json:1:2: invalid \\u escape: unpaired high surrogate");
	bad("\"\\udc00\"", SP_EPARSE,
	    "t.json:1:2: invalid \\u escape: unpaired low surrogate");
	bad("\"\\", SP_EPARSE, "t.json:1:1: unterminated string");
	bad("\"abc", SP_EPARSE, "t.json:1:1: unterminated string");
	bad("[\"a\\\"]", SP_EPARSE, "t.json:1:2: unterminated string");
}

static void test_utf8(void **state)
{
	(void)state;
	sp__json_doc *d =
	    parse("\"\xC2\xA2 \xE2\x82\xAC \xF0\x90\x8D\x88 \xEF\xBF\xBF "
	          "\x7F\"");
	assert_int_equal(d->root->u.str.len, 17);
	sp__json_free(d);
	static const char *const invalid[] = {
	    "\"\xC0\x80\"",         /* overlong NUL */
	    "\"\xC1\xBF\"",         /* overlong */
	    "\"\xE0\x80\xAF\"",     /* overlong */
	    "\"\xED\xA0\x80\"",     /* surrogate */
	    "\"\xF4\x90\x80\x80\"", /* above U+10FFFF */
	    "\"\xF5\x80\x80\x80\"", "\"\x80\"", "\"\xFF\"",
	    "\"\xE2\x82\"",  /* truncated */
	    "\"\xE2\x82x\"", /* bad continuation */
	    "\"\xF0\x9F\x98\"",
	};
	for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++)
		bad(invalid[i], SP_EPARSE,
		    "t.json:1:2: invalid UTF-8 in string");
	bad("[\n \"ab\ncd\"]", SP_EPARSE,
	    "t.json:2:5: unescaped control character U+000A in string");
	bad("\"\t\"", SP_EPARSE,
	    "t.json:1:2: unescaped control character U+0009 in string");
	bad_len("\"a\0\"", 4, SP_EPARSE,
	        "t.json:1:3: unescaped control character U+0000 in string");
	/* A byte order mark is skipped; columns count from after it. */
	d = parse("\xEF\xBB\xBF[1]");
	assert_int_equal(d->root->col, 1);
	sp__json_free(d);
	bad("\xEF\xBB[1]", SP_EPARSE, "t.json:1:1: expected a value");
	bad("\xC3\xA9", SP_EPARSE, "t.json:1:1: expected a value");
}

/* Parses a number and checks its value against strtod in the C locale. */
static void num_ok(const char *text, bool is_int)
{
	sp__json_doc *d = parse(text);
	assert_int_equal(d->root->type, SP__JSON_NUMBER);
	double want = strtod(text, NULL);
	if (d->root->u.num.d != want)
		fail_msg("%s: got %.17g, want %.17g", text, d->root->u.num.d,
		         want);
	assert_int_equal(signbit(d->root->u.num.d), signbit(want));
	assert_int_equal(d->root->is_int, is_int);
	sp__json_free(d);
}

static void test_numbers(void **state)
{
	(void)state;
	num_ok("0", true);
	num_ok("-0", true);
	num_ok("7", true);
	num_ok("1.5", false);
	num_ok("-0.0", true);
	num_ok("1e3", true);
	num_ok("1E+3", true);
	num_ok("2.50e1", true);
	num_ok("0.1", false);
	num_ok("123456789.123456789", false);
	num_ok("1e-7", false);
	num_ok("1.7976931348623157e308", false);
	num_ok("2.2250738585072014e-308", false);
	num_ok("4.9e-324", false);
	num_ok("1e-400", false); /* underflows to zero */
	num_ok("0.30000000000000004", false);
	num_ok("9007199254740993", true);
	num_ok("9223372036372036.854775807", false);
	num_ok("922337203685477580.7e1", true);
	num_ok("92233720368547758.08e2", false);
	num_ok("-92233720368547758.08e2", true);
	num_ok("0.000e5", true);
	num_ok("120e-1", true);
	num_ok("125e-1", false);
	num_ok("18446744073709551616", false);
	num_ok("1000000000000000000000000", false);
	num_ok("123456789012345678901234567890e-10", false);
	num_ok("0.000000000000000000000000000001234", false);
	num_ok("2.4703282292062328e-324", false);
	num_ok("1.00000000000000011102230246251565404236316680908203125",
	       false);
	num_ok("1.00000000000000011102230246251565404236316680908203126",
	       false);

	sp__json_doc *d = parse("[9223372036854775807, -9223372036854775808, "
	                        "9223372036854775808, 1e18, 1.0e100]");
	int64_t v;
	assert_true(sp__json_int(sp__json_at(d->root, 0), &v));
	assert_true(v == INT64_MAX);
	assert_true(sp__json_int(sp__json_at(d->root, 1), &v));
	assert_true(v == INT64_MIN);
	assert_false(sp__json_int(sp__json_at(d->root, 2), &v));
	assert_true(sp__json_at(d->root, 2)->u.num.d == 9223372036854775808.0);
	assert_true(sp__json_int(sp__json_at(d->root, 3), &v)); /* exact */
	assert_true(v == 1000000000000000000);
	assert_false(sp__json_int(sp__json_at(d->root, 4), &v));
	assert_false(sp__json_int(d->root, &v));
	sp__json_free(d);

	static const char *const invalid[] = {
	    "01",  "-",    "1.",    ".5",  "+1",    "1e", "1e+",
	    "--1", "0x10", "1.2.3", "-01", "1e5.5", "00", "1-2"};
	for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
		char want[64];
		snprintf(want, sizeof want, "t.json:1:1: %s",
		         invalid[i][0] == '.' || invalid[i][0] == '+'
		             ? "expected a value"
		             : "invalid number");
		bad(invalid[i], SP_EPARSE, want);
	}
	bad("NaN", SP_EPARSE, "t.json:1:1: expected a value");
	bad("-Infinity", SP_EPARSE, "t.json:1:1: invalid number");
	bad("[1, 1e400]", SP_EPARSE, "t.json:1:5: number out of range");
	bad("-1e999999999999", SP_EPARSE, "t.json:1:1: number out of range");

	char big[1100];
	memset(big, '1', sizeof big - 1);
	big[0] = '0';
	big[1] = '.';
	big[sizeof big - 1] = '\0';
	bad(big, SP_ELIMIT, "t.json:1:1: number longer than 1024 characters");
	big[1024] = '\0'; /* exactly the cap: accepted */
	d = parse(big);
	assert_true(fabs(d->root->u.num.d - 1.0 / 9) < 1e-15);
	sp__json_free(d);
}

static void test_literals_and_syntax(void **state)
{
	(void)state;
	bad("", SP_EPARSE,
	    "t.json:1:1: expected a value before the end of the input");
	bad("  \n ", SP_EPARSE,
	    "t.json:2:2: expected a value before the end of the input");
	bad("tru", SP_EPARSE, "t.json:1:1: expected a value");
	bad("truex", SP_EPARSE, "t.json:1:1: expected a value");
	bad("nul", SP_EPARSE, "t.json:1:1: expected a value");
	bad("True", SP_EPARSE, "t.json:1:1: expected a value");
	bad("[1] [2]", SP_EPARSE,
	    "t.json:1:5: unexpected content after the JSON value");
	bad("1 2", SP_EPARSE,
	    "t.json:1:3: unexpected content after the JSON value");
	bad("{\"a\":1\n \"b\":2}", SP_EPARSE,
	    "t.json:2:2: expected ',' or '}' after object member");
	bad("{\"a\" 1}", SP_EPARSE,
	    "t.json:1:6: expected ':' after object key");
	bad("{\"a\":1,}", SP_EPARSE,
	    "t.json:1:8: expected a string key after ',' (trailing commas "
	    "are not allowed)");
	bad("{a:1}", SP_EPARSE, "t.json:1:2: expected a string key or '}'");
	bad("{\"a\":1,,}", SP_EPARSE, "t.json:1:8: expected a string key");
	bad("{", SP_EPARSE, "t.json:1:2: expected a string key or '}'");
	bad("{\"a\":", SP_EPARSE,
	    "t.json:1:6: expected a value before the end of the input");
	bad("[1,]", SP_EPARSE,
	    "t.json:1:4: expected a value after ',' (trailing commas are not "
	    "allowed)");
	bad("[1 2]", SP_EPARSE,
	    "t.json:1:4: expected ',' or ']' after array element");
	bad("[", SP_EPARSE,
	    "t.json:1:2: expected a value before the end of the input");
	bad("[1", SP_EPARSE,
	    "t.json:1:3: expected ',' or ']' after array element");
	bad("]", SP_EPARSE, "t.json:1:1: expected a value");
	bad("// c\n1", SP_EPARSE, "t.json:1:1: expected a value");
	bad("[1]\x0c", SP_EPARSE,
	    "t.json:1:4: unexpected content after the JSON value");

	sp_err err;
	sp__json_doc *d;
	assert_int_equal(sp__json_parse("[1,", 3, "x/in.json", NULL, &d, &err),
	                 SP_EPARSE);
	assert_string_equal(err.file, "x/in.json");
	assert_int_equal(err.line, 1);
	/* NULL err, NULL name and an empty NULL buffer are allowed. */
	assert_int_equal(sp__json_parse(NULL, 0, NULL, NULL, &d, &err),
	                 SP_EPARSE);
	assert_string_equal(err.msg, "<json>:1:1: expected a value before the "
	                             "end of the input");
	assert_int_equal(sp__json_parse("[", 1, NULL, NULL, &d, NULL),
	                 SP_EPARSE);
	assert_int_equal(sp__json_parse("{}", 2, NULL, NULL, &d, NULL), SP_OK);
	sp__json_free(d);
}

static void test_duplicates(void **state)
{
	(void)state;
	bad("{\"a\":1,\n\"b\":2,\n\"a\":3}", SP_EPARSE,
	    "t.json:3:1: duplicate key \"a\" (first on line 1)");
	bad("[{}, {\"x\": {\"k\": 1, \"k\": 2}}]", SP_EPARSE,
	    "t.json:1:21: duplicate key \"k\" (first on line 1)");
	/* No key holds a NUL, so no two keys differ only after one. */
	bad("{\"a\\u0000b\":1, \"a\":3}", SP_EPARSE,
	    "t.json:1:4: invalid \\u escape: NUL (\\u0000) is not allowed "
	    "in a string");
	sp__json_doc *d;

	/* A large object: indexed, still strict. */
	char buf[40000];
	size_t n = 0;
	n += (size_t)snprintf(buf + n, sizeof buf - n, "{");
	for (int i = 0; i < 2000; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"k%d\":%d\n",
		                      i ? "," : "", i, i);
	snprintf(buf + n, sizeof buf - n, "}");
	d = parse(buf);
	assert_int_equal(sp__json_len(d->root), 2000);
	for (int i = 0; i < 2000; i += 7) {
		char key[16];
		snprintf(key, sizeof key, "k%d", i);
		const sp__json *m = sp__json_get(d->root, key);
		assert_non_null(m);
		assert_int_equal(m->u.num.i, i);
		assert_int_equal(m->line, i + 1);
	}
	assert_null(sp__json_get(d->root, "k2000"));
	assert_null(sp__json_get(d->root, ""));
	sp__json_free(d);
	snprintf(buf + n, sizeof buf - n, ",\"k1234\":0}");
	bad(buf, SP_EPARSE,
	    "t.json:2001:2: duplicate key \"k1234\" (first on line 1235)");
	/* Long keys are shortened in the message. */
	char longkey[300];
	snprintf(longkey, sizeof longkey, "{\"%0100d\":1,\"%0100d\":2}", 0, 0);
	bad(longkey, SP_EPARSE,
	    "t.json:1:107: duplicate key \""
	    "00000000000000000000000000000000000000000000000000000000000000000"
	    "000000000000000000000000...\" (first on line 1)");
}

static void nest(char *buf, int depth, const char *open, const char *close,
                 const char *inner)
{
	size_t n = 0;
	for (int i = 0; i < depth; i++)
		n += (size_t)snprintf(buf + n, 1000 - n, "%s", open);
	n += (size_t)snprintf(buf + n, 1000 - n, "%s", inner);
	for (int i = 0; i < depth; i++)
		n += (size_t)snprintf(buf + n, 1000 - n, "%s", close);
}

static void test_limits(void **state)
{
	(void)state;
	char buf[1000];
	nest(buf, SP_MAX_JSON_DEPTH, "[", "]", "1");
	sp__json_free(parse(buf));
	nest(buf, SP_MAX_JSON_DEPTH + 1, "[", "]", "1");
	bad(buf, SP_ELIMIT, "t.json:1:65: nesting deeper than 64 levels");
	nest(buf, SP_MAX_JSON_DEPTH + 1, "{\"a\":", "}", "{}");
	char want[100];
	snprintf(want, sizeof want,
	         "t.json:1:%d: nesting deeper than 64 levels",
	         5 * SP_MAX_JSON_DEPTH + 1);
	bad(buf, SP_ELIMIT, want);

	sp__json_limits lim = {
	    .max_depth = 2, .max_nodes = 4, .max_string = 3, .max_bytes = 20};
	sp__json_doc *d;
	sp_err err;
	assert_int_equal(sp__json_parse("[[1]]", 5, "t", &lim, &d, &err),
	                 SP_OK);
	sp__json_free(d);
	assert_int_equal(sp__json_parse("[[[1]]]", 7, "t", &lim, &d, &err),
	                 SP_ELIMIT);
	assert_string_equal(err.msg, "t:1:3: nesting deeper than 2 levels");
	assert_int_equal(sp__json_parse("[1,2,3,4]", 9, "t", &lim, &d, &err),
	                 SP_ELIMIT);
	assert_string_equal(err.msg, "t:1:8: more than 4 values");
	assert_int_equal(sp__json_parse("[1,2,3]", 7, "t", &lim, &d, &err),
	                 SP_OK);
	sp__json_free(d);
	assert_int_equal(sp__json_parse("\"abcd\"", 6, "t", &lim, &d, &err),
	                 SP_ELIMIT);
	assert_string_equal(err.msg, "t:1:1: string longer than 3 bytes");
	assert_int_equal(
	    sp__json_parse("\"\\u0041bc\"", 10, "t", &lim, &d, &err),
	    SP_OK); /* decoded length counts */
	sp__json_free(d);
	assert_int_equal(
	    sp__json_parse("{\"abcd\":1}", 10, "t", &lim, &d, &err), SP_ELIMIT);
	assert_string_equal(err.msg, "t:1:2: string longer than 3 bytes");
	assert_int_equal(
	    sp__json_parse("[                    ]", 22, "t", &lim, &d, &err),
	    SP_ELIMIT);
	assert_string_equal(err.msg, "t: document larger than 20 bytes");
	assert_int_equal(err.line, 0);
}

static void test_getters(void **state)
{
	(void)state;
	sp__json_doc *d = parse("{\"quota\": 5,\n"
	                        " \"big\": 100001,\n"
	                        " \"frac\": 2.5,\n"
	                        " \"name\": \"P1\",\n"
	                        " \"flag\": true,\n"
	                        " \"list\": [1],\n"
	                        " \"obj\": {}}");
	const sp__json *r = d->root;
	sp_err err;
	int64_t v = -1;
	OK(sp__json_get_int(d, r, "quota", true, 0, 100000, &v, &err));
	assert_int_equal(v, 5);
	assert_int_equal(
	    sp__json_get_int(d, r, "big", true, 0, 100000, &v, &err),
	    SP_EPARSE);
	assert_string_equal(err.msg, "t.json:2: field 'big': expected an "
	                             "integer between 0 and 100000");
	assert_string_equal(err.field, "big");
	assert_int_equal(err.line, 2);
	assert_int_equal(sp__json_get_int(d, r, "frac", true, 0, 9, &v, &err),
	                 SP_EPARSE);
	assert_int_equal(sp__json_get_int(d, r, "name", true, 0, 9, &v, &err),
	                 SP_EPARSE);
	assert_int_equal(sp__json_get_int(d, r, "nope", true, 0, 9, &v, &err),
	                 SP_EPARSE);
	assert_string_equal(err.msg, "t.json:1: field 'nope': missing");
	v = 42;
	OK(sp__json_get_int(d, r, "nope", false, 0, 9, &v, &err));
	assert_int_equal(v, 42);

	double x = 0;
	OK(sp__json_get_double(d, r, "frac", true, 0, 3, &x, &err));
	assert_true(x == 2.5);
	OK(sp__json_get_double(d, r, "quota", true, 0, 5, &x, &err));
	assert_true(x == 5);
	assert_int_equal(
	    sp__json_get_double(d, r, "frac", true, 0, 1, &x, &err), SP_EPARSE);
	assert_string_equal(err.msg, "t.json:3: field 'frac': expected a "
	                             "number between 0 and 1");
	assert_int_equal(
	    sp__json_get_double(d, r, "name", true, 0, 1, &x, &err), SP_EPARSE);
	x = 7;
	OK(sp__json_get_double(d, r, "none", false, 0, 1, &x, &err));
	assert_true(x == 7);

	const char *s = NULL;
	size_t len = 0;
	OK(sp__json_get_str(d, r, "name", true, 10, &s, &len, &err));
	assert_string_equal(s, "P1");
	assert_int_equal(len, 2);
	assert_int_equal(
	    sp__json_get_str(d, r, "name", true, 1, &s, &len, &err), SP_ELIMIT);
	assert_string_equal(err.msg, "t.json:4: field 'name': string longer "
	                             "than 1 bytes");
	assert_int_equal(
	    sp__json_get_str(d, r, "quota", true, 9, &s, NULL, &err),
	    SP_EPARSE);
	assert_string_equal(err.msg, "t.json:1: field 'quota': expected a "
	                             "string, not a number");

	bool b = false;
	OK(sp__json_get_bool(d, r, "flag", true, &b, &err));
	assert_true(b);
	assert_int_equal(sp__json_get_bool(d, r, "list", true, &b, &err),
	                 SP_EPARSE);
	assert_string_equal(err.msg, "t.json:6: field 'list': expected true "
	                             "or false, not an array");

	const sp__json *a = NULL, *o = NULL;
	OK(sp__json_get_array(d, r, "list", true, &a, &err));
	assert_int_equal(sp__json_len(a), 1);
	OK(sp__json_get_array(d, r, "absent", false, &a, &err));
	assert_int_equal(sp__json_get_array(d, r, "obj", true, &a, &err),
	                 SP_EPARSE);
	assert_string_equal(err.msg, "t.json:7: field 'obj': expected an "
	                             "array, not an object");
	OK(sp__json_get_object(d, r, "obj", true, &o, &err));
	assert_int_equal(o->type, SP__JSON_OBJECT);
	assert_int_equal(sp__json_get_object(d, r, "flag", true, &o, &err),
	                 SP_EPARSE);

	static const char *const keys[] = {"quota", "big",  "frac", "name",
	                                   "flag",  "list", "obj"};
	OK(sp__json_check_object(d, r, "root", keys, 7, &err));
	assert_int_equal(sp__json_check_object(d, r, "root", keys, 3, &err),
	                 SP_EPARSE);
	assert_string_equal(err.msg, "t.json:4: field 'name': unknown field "
	                             "(expected quota, big or frac)");
	assert_int_equal(sp__json_check_object(d, a, "list", keys, 3, &err),
	                 SP_EPARSE);
	assert_string_equal(err.msg, "t.json:6: field 'list': expected an "
	                             "object, not an array");
	assert_int_equal(
	    sp__json_err(&err, d, NULL, SP_EINVAL, NULL, "x %d", 1), SP_EINVAL);
	assert_string_equal(err.msg, "t.json: x 1");
	sp__json_free(d);
}

/* Runs fn on an in-memory stream and gives what it wrote. */
static char *capture(void (*fn)(sp__out *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	sp__out o;
	sp__out_init(&o, f);
	fn(&o, arg);
	assert_true(sp__out_flush(&o));
	fclose(f);
	return buf;
}

static void put_str(sp__out *o, const void *arg)
{
	sp__json_write_strz(o, arg);
}

static void put_double(sp__out *o, const void *arg)
{
	sp__json_write_double(o, *(const double *)arg);
}

static void put_int(sp__out *o, const void *arg)
{
	sp__json_write_int(o, *(const int64_t *)arg);
}

static void str_is(const char *in, const char *want)
{
	char *got = capture(put_str, in);
	assert_string_equal(got, want);
	free(got);
}

static void double_is(double v, const char *want)
{
	char *got = capture(put_double, &v);
	assert_string_equal(got, want);
	free(got);
}

static void test_write_strings(void **state)
{
	(void)state;
	str_is("plain", "\"plain\"");
	str_is("", "\"\"");
	str_is("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
	str_is("\n\t\r\b\f\x01\x1f\x7f",
	       "\"\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\"");
	str_is("caf\xC3\xA9 \xF0\x9F\x98\x80",
	       "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
	str_is("bad\xFF!\xC3", "\"bad\\ufffd!\\ufffd\"");
	str_is("\xED\xA0\x80", "\"\\ufffd\\ufffd\\ufffd\"");

	/* Whatever the bytes, the output parses back; valid UTF-8 comes
	 * back unchanged. */
	sp_rng rng;
	sp_rng_seed(&rng, 7, 0);
	for (int t = 0; t < 300; t++) {
		char in[40];
		size_t n = sp_rng_below(&rng, sizeof in);
		for (size_t i = 0; i < n; i++)
			in[i] = (char)(t % 2 ? 1 + sp_rng_below(&rng, 255)
			                     : 1 + sp_rng_below(&rng, 127));
		in[n] = '\0';
		char *got = capture(put_str, in);
		sp__json_doc *d = parse(got);
		assert_int_equal(d->root->type, SP__JSON_STRING);
		if (t % 2 == 0)
			assert_string_equal(d->root->u.str.s, in);
		sp__json_free(d);
		free(got);
	}
}

/* A growing buffer for sp_json_put_str and sp_json_put_double. */
typedef struct {
	char buf[512];
	size_t n;
} sink;

static void sink_put(void *ctx, const char *s, size_t n)
{
	sink *k = ctx;
	assert_true(k->n + n < sizeof k->buf);
	memcpy(k->buf + k->n, s, n);
	k->n += n;
	k->buf[k->n] = '\0';
}

/* The front ends' entry points (the server's buffer) are the same
 * writer: byte for byte what sp__json_write_str and _double give, and
 * with SP_JSON_HTML <, > and & as \u escapes that read back. */
static void test_put_buffer(void **state)
{
	(void)state;
	sink k = {.n = 0};
	sp_json_put_str(sink_put, &k, "<a href=\"x\">&amp;</a>", 21,
	                SP_JSON_HTML);
	assert_string_equal(k.buf, "\"\\u003ca href=\\\"x\\\"\\u003e"
	                           "\\u0026amp;\\u003c/a\\u003e\"");
	sp__json_doc *d = parse(k.buf);
	assert_string_equal(d->root->u.str.s, "<a href=\"x\">&amp;</a>");
	sp__json_free(d);

	sp_rng rng;
	sp_rng_seed(&rng, 11, 0);
	for (int t = 0; t < 300; t++) {
		char in[40];
		size_t n = sp_rng_below(&rng, sizeof in);
		for (size_t i = 0; i < n; i++)
			in[i] = (char)(1 + sp_rng_below(&rng, 255));
		in[n] = '\0';
		k.n = 0;
		sp_json_put_str(sink_put, &k, in, n, 0);
		char *want = capture(put_str, in);
		assert_string_equal(k.buf, want);
		free(want);

		double v;
		uint64_t bits = sp_rng_next(&rng);
		memcpy(&v, &bits, sizeof v);
		if (t % 3 == 0)
			v = (double)sp_rng_below(&rng, 1000000) / 1000;
		k.n = 0;
		sp_json_put_double(sink_put, &k, v);
		want = capture(put_double, &v);
		assert_string_equal(k.buf, want);
		free(want);
	}
}

static void test_write_numbers(void **state)
{
	(void)state;
	double_is(0.0, "0");
	double_is(-0.0, "-0");
	double_is(3.0, "3");
	double_is(-42.0, "-42");
	double_is(0.1, "0.1");
	double_is(1.5, "1.5");
	double_is(0.1 + 0.2, "0.30000000000000004");
	double_is(1e300, "1e+300");
	double_is(5e-324, "4.94065645841247e-324");
	double_is(9007199254740992.0, "9007199254740992");
	double_is(9007199254740994.0, "9007199254740994");
	double_is(1e22, "1e+22");
	double_is(NAN, "null");
	double_is(INFINITY, "null");
	double_is(-INFINITY, "null");
	int64_t ints[] = {0, -1, 100000, INT64_MAX, INT64_MIN};
	const char *want[] = {"0", "-1", "100000", "9223372036854775807",
	                      "-9223372036854775808"};
	for (int i = 0; i < 5; i++) {
		char *got = capture(put_int, &ints[i]);
		assert_string_equal(got, want[i]);
		free(got);
	}
	/* Random doubles: shortest output, exact read-back. */
	sp_rng rng;
	sp_rng_seed(&rng, 11, 0);
	for (int t = 0; t < 2000; t++) {
		uint64_t bits = sp_rng_next(&rng);
		double v;
		memcpy(&v, &bits, sizeof v);
		if (t % 3 == 0)
			v = sp_rng_uniform(&rng) * 1000;
		if (!isfinite(v))
			continue;
		char *got = capture(put_double, &v);
		sp__json_doc *d = parse(got);
		if (d->root->u.num.d != v)
			fail_msg("%.17g written as %s", v, got);
		assert_true(strlen(got) <= 24);
		sp__json_free(d);
		free(got);
	}
}

static void test_quote(void **state)
{
	(void)state;
	char buf[SP__JSON_QUOTE_SIZE];
	assert_string_equal(sp__json_quote(buf, sizeof buf, "P1", 2), "\"P1\"");
	assert_string_equal(sp__json_quote(buf, sizeof buf, "a\"b\\c\n\0", 7),
	                    "\"a\\\"b\\\\c\\x0a\\x00\"");
	assert_string_equal(sp__json_quote(buf, sizeof buf, "", 0), "\"\"");
	/* Long values are cut at a character boundary. */
	char in[200];
	for (int i = 0; i < 100; i++)
		memcpy(in + 2 * i, "\xC3\xA9", 2);
	sp__json_quote(buf, 20, in, sizeof in); /* cuts inside the 7th */
	assert_string_equal(buf, "\"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
	                         "\xC3\xA9...\"");
	sp__json_quote(buf, 21, in, sizeof in); /* 7 fit exactly */
	assert_string_equal(buf, "\"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
	                         "\xC3\xA9\xC3\xA9...\"");
}

/* Numbers read and write the same whatever LC_NUMERIC says. */
static void test_locale(void **state)
{
	(void)state;
	static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8",
	                                    "fr_FR.UTF-8", "de_DE"};
	const char *set = NULL;
	for (size_t i = 0; i < 4 && !set; i++)
		set = setlocale(LC_NUMERIC, names[i]);
	if (!set)
		skip(); /* no locale with a decimal comma installed */
	sp__json_doc *d = parse("[1.5, 2.5e-3, 0.1]");
	assert_true(sp__json_at(d->root, 0)->u.num.d == 1.5);
	assert_true(sp__json_at(d->root, 1)->u.num.d == 2.5e-3);
	sp__json_free(d);
	double_is(1.5, "1.5");
	double_is(0.1 + 0.2, "0.30000000000000004");
	setlocale(LC_NUMERIC, "C");
}

/* Every allocation failure is reported as SP_ENOMEM, without leaks. */
static void test_out_of_memory(void **state)
{
	(void)state;
	char doc[16000];
	size_t n = (size_t)snprintf(doc, sizeof doc,
	                            "{\"a\": [1, 2.5, \"x\", {\"b\": null}],");
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(doc + n, sizeof doc - n,
		                      "\"key%d\": [\"%0300d\"],", i, i);
	snprintf(doc + n, sizeof doc - n, "\"z\": true}");
	int failures = 0;
	for (long k = 1; k < 200; k++) {
		sp__json_doc *d;
		sp_err err;
		sp_alloc_fail_after(k);
		sp_status s =
		    sp__json_parse(doc, strlen(doc), "m.json", NULL, &d, &err);
		sp_alloc_fail_after(0);
		if (s == SP_OK) {
			sp__json_free(d);
			break;
		}
		assert_int_equal(s, SP_ENOMEM);
		assert_string_equal(err.msg, "m.json: out of memory");
		failures++;
	}
	assert_true(failures > 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalars),
	    cmocka_unit_test(test_tree),
	    cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_literals_and_syntax),
	    cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_getters),
	    cmocka_unit_test(test_write_strings),
	    cmocka_unit_test(test_write_numbers),
	    cmocka_unit_test(test_put_buffer),
	    cmocka_unit_test(test_quote),
	    cmocka_unit_test(test_locale),
	    cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_io_json.c — the JSON instance and matching formats (io_json.c):
 * the documented example, round trips (couples with null, supplemental
 * lists, reversions, tracks, ids preserved), every field-level error with
 * its line, the matching reader and writer, write failures and
 * allocation failures.
 */
#include "testutil.h"

#include "io.h"

#include <stdio.h>

/* ------------------------------------------------------------------ */
/* Helpers.                                                            */

static sp_inst *read_json(const char *text)
{
	sp_inst *in = NULL;
	sp_err err;
	sp_status s = sp__io_json_read(text, strlen(text), "i.json", &in, &err);
	if (s)
		fail_msg("unexpected error: %s", err.msg);
	return in;
}

/* Reads text expecting failure with message `msg`. */
static void bad(const char *text, sp_status want, const char *msg)
{
	sp_inst *in = (sp_inst *)1;
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_status s = sp__io_json_read(text, strlen(text), "i.json", &in, &err);
	if (s == SP_OK)
		fail_msg("accepted: %s", text);
	assert_null(in);
	assert_string_equal(err.msg, msg);
	assert_int_equal(s, want);
}

/* Writes `in` into a new string (free). */
static char *write_json(const sp_inst *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	OK(sp__io_json_write(in, f));
	fclose(f);
	return buf;
}

static char *write_matching(const sp_inst *in, const sp_matching *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	OK(sp__io_json_matching_write(in, m, f));
	fclose(f);
	return buf;
}

/* Writes, reads back, compares, and checks the second write is the same
 * text as the first. */
static void round_trip(const sp_inst *in)
{
	char *text = write_json(in);
	sp_inst *back = read_json(text);
	assert_inst_equal(in, back);
	char *again = write_json(back);
	assert_string_equal(text, again);
	free(text);
	free(again);
	sp_inst_free(back);
}

/* The example of docs/json-format.md. */
static const char example[] =
    "{\n"
    "  \"programs\": [\n"
    "    {\"id\": \"P1\", \"quota\": 2, \"rol\": [\"A1\", \"A2\", "
    "\"A3\", \"A5\"]},\n"
    "    {\"id\": \"P2\", \"quota\": 1, \"track\": \"preliminary\",\n"
    "     \"rol\": [\"A4\", \"A5\", \"A1\"]},\n"
    "    {\"id\": \"P3\", \"quota\": 1, \"track\": \"preliminary\", "
    "\"rol\": [\"A5\"]},\n"
    "    {\"id\": \"P9\", \"quota\": 1, \"track\": \"advanced\", "
    "\"rol\": [\"A5\"]}\n"
    "  ],\n"
    "  \"applicants\": [\n"
    "    {\"id\": \"A1\", \"rol\": [\"P1\", \"P2\"]},\n"
    "    {\"id\": \"A2\", \"rol\": [\"P1\"]},\n"
    "    {\"id\": \"A5\", \"rol\": [\"P9\"]}\n"
    "  ],\n"
    "  \"couples\": [\n"
    "    {\"id\": \"C1\", \"members\": [\"A3\", \"A4\"],\n"
    "     \"rol\": [[\"P1\", \"P2\"], [\"P1\", null]]}\n"
    "  ],\n"
    "  \"supplemental\": [\n"
    "    {\"applicant\": \"A5\", \"advanced\": [\"P9\"], "
    "\"rol\": [\"P3\", \"P2\"]}\n"
    "  ],\n"
    "  \"reversions\": [{\"donor\": \"P3\", \"receiver\": \"P2\", "
    "\"count\": 1}]\n"
    "}\n";

/* ------------------------------------------------------------------ */
/* Instances.                                                          */

static void test_example(void **state)
{
	(void)state;
	sp_inst *in = read_json(example);
	assert_int_equal(sp_inst_nprograms(in), 4);
	assert_int_equal(sp_inst_napplicants(in), 5);
	assert_int_equal(sp_inst_ncouples(in), 1);
	int32_t p2 = sp_inst_find_program(in, "P2");
	assert_int_equal(sp_inst_track(in, p2), SP_TRACK_PRELIMINARY);
	assert_int_equal(sp_inst_track(in, 0), SP_TRACK_CATEGORICAL);
	assert_int_equal(sp_inst_track(in, 3), SP_TRACK_ADVANCED);
	/* Members declared only in "couples" come after "applicants". */
	assert_int_equal(sp_inst_find_applicant(in, "A3"), 3);
	assert_int_equal(sp_inst_find_applicant(in, "A4"), 4);
	assert_int_equal(sp_inst_couple_of(in, 3), 0);
	size_t n;
	const int32_t *pairs = sp_inst_couple_rol(in, 0, &n);
	assert_int_equal(n, 2);
	assert_int_equal(pairs[0], 0);
	assert_int_equal(pairs[1], p2);
	assert_int_equal(pairs[2], 0);
	assert_int_equal(pairs[3], SP_NONE);
	const int32_t *rol = sp_inst_program_rol(in, 0, &n);
	assert_int_equal(n, 4);
	assert_int_equal(rol[2], 3);
	assert_int_equal(sp_inst_nsupplementals(in), 1);
	assert_int_equal(sp_inst_nreversions(in), 1);
	round_trip(in);
	sp_inst_free(in);

	/* Everything optional: the empty instance. */
	in = read_json("{}");
	assert_int_equal(sp_inst_nprograms(in), 0);
	round_trip(in);
	sp_inst_free(in);
}

/* Members may also be declared in "applicants", without a list; then
 * their ids follow that order, which is how the writer keeps ids. */
static void test_members_in_applicants(void **state)
{
	(void)state;
	sp_inst *in = read_json(
	    "{\"programs\":[{\"id\":\"P\",\"quota\":1}],"
	    "\"applicants\":[{\"id\":\"M1\"},{\"id\":\"S\",\"rol\":[\"P\"]},"
	    "{\"id\":\"M2\"}],"
	    "\"couples\":[{\"id\":\"C\",\"members\":[\"M2\",\"M1\"],"
	    "\"rol\":[[null,\"P\"]]}]}");
	assert_int_equal(sp_inst_find_applicant(in, "M1"), 0);
	assert_int_equal(sp_inst_find_applicant(in, "M2"), 2);
	int32_t a, b;
	sp_inst_couple_members(in, 0, &a, &b);
	assert_int_equal(a, 2);
	assert_int_equal(b, 0);
	round_trip(in);
	char *text = write_json(in);
	assert_non_null(strstr(text, "{\"id\":\"M1\"}"));
	assert_non_null(strstr(text, "\"rol\":[[null,\"P\"]]"));
	free(text);
	sp_inst_free(in);
}

/* Builds a random instance with every feature. */
static sp_inst *random_inst(uint64_t seed)
{
	sp_rng r;
	sp_rng_seed(&r, seed, 1);
	sp_inst *in;
	OK(sp_inst_new(&in));
	int np = 2 + (int)sp_rng_below(&r, 20);
	int na = 4 + (int)sp_rng_below(&r, 40);
	char name[32];
	for (int p = 0; p < np; p++) {
		snprintf(name, sizeof name,
		         p % 5 ? "P%d" : "prog \"%d\" \xC3\xA9", p);
		int32_t id;
		OK(sp_inst_add_program(in, name, (int)sp_rng_below(&r, 4),
		                       &id));
		sp_inst_set_track(in, id, (sp_track)sp_rng_below(&r, 5));
	}
	for (int a = 0; a < na; a++) {
		snprintf(name, sizeof name, "A%d", a);
		OK(sp_inst_add_applicant(in, name, NULL));
	}
	int32_t ids[64];
	/* Couples of consecutive applicants 0-1, 4-5, ... */
	for (int a = 0; a + 1 < na; a += 4) {
		int32_t pairs[16];
		size_t n = sp_rng_below(&r, 8), k = 0;
		for (size_t i = 0; i < n; i++) {
			int32_t x =
			    (int32_t)sp_rng_below(&r, (uint64_t)np + 1) - 1;
			int32_t y = (int32_t)sp_rng_below(&r, (uint64_t)np) -
			            (i % 2 ? 0 : 1);
			if (x == SP_NONE && y == SP_NONE)
				continue;
			bool dup = false;
			for (size_t j = 0; j < k; j++)
				dup |=
				    pairs[2 * j] == x && pairs[2 * j + 1] == y;
			if (dup)
				continue;
			pairs[2 * k] = x;
			pairs[2 * k + 1] = y;
			k++;
		}
		snprintf(name, sizeof name, "C%d", a);
		OK(sp_inst_add_couple(in, name, a, a + 1, pairs, k, NULL));
	}
	for (int a = 0; a < na; a++) {
		if (sp_inst_couple_of(in, a) != SP_NONE || a % 7 == 3)
			continue;
		size_t n = 0;
		for (int p = 0; p < np; p++)
			if (sp_rng_below(&r, 2))
				ids[n++] = p;
		OK(sp_inst_set_rol(in, a, ids, n));
		if (n >= 2 && sp_rng_below(&r, 3) == 0)
			OK(sp_inst_add_supplemental(in, a, ids, 1, ids + 1,
			                            n - 1));
	}
	for (int p = 0; p < np; p++) {
		size_t n = 0;
		for (int a = 0; a < na && n < 64; a++)
			if (sp_rng_below(&r, 3) == 0)
				ids[n++] = a;
		if (p % 4 != 1)
			OK(sp_inst_set_program_rol(in, p, ids, n));
	}
	for (int k = 0; k < 3; k++) {
		int32_t d = (int32_t)sp_rng_below(&r, (uint64_t)np);
		int32_t v = (int32_t)sp_rng_below(&r, (uint64_t)np);
		if (d != v && sp_inst_quota(in, d) > 0)
			OK(sp_inst_add_reversion(in, d, v, 1));
	}
	return in;
}

static void test_round_trips(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 60; seed++) {
		sp_inst *in = random_inst(seed);
		round_trip(in);
		sp_inst_free(in);
	}
}

/* Names with quotes, backslashes and non-ASCII survive. */
static void test_odd_names(void **state)
{
	(void)state;
	sp_inst *in;
	OK(sp_inst_new(&in));
	int32_t p, a;
	OK(sp_inst_add_program(in, "St. \"Mary's\" \\ \xE6\x9D\xB1", 1, &p));
	OK(sp_inst_add_applicant(in, "O'Brien, J\xC3\xA9r\xC3\xB4me", &a));
	OK(sp_inst_add_applicant(in, "tab\there\x01\nnewline", NULL));
	OK(sp_inst_set_rol(in, a, &p, 1));
	round_trip(in);
	sp_inst_free(in);
	in = read_json("{\"programs\":[{\"id\":\"\\u00e9\\ud83d\\ude00\","
	               "\"quota\":0}]}");
	assert_string_equal(sp_inst_program_name(in, 0),
	                    "\xC3\xA9\xF0\x9F\x98\x80");
	sp_inst_free(in);
}

/* ------------------------------------------------------------------ */
/* Instance errors, one per check.                                     */

#define PA                                                                     \
	"{\"programs\":[{\"id\":\"P1\",\"quota\":2},{\"id\":\"P2\",\"quota\":" \
	"1}]"
#define APPS ",\"applicants\":[{\"id\":\"A1\"},{\"id\":\"A2\"}]"

static void test_errors_root_and_programs(void **state)
{
	(void)state;
	bad("[]", SP_EPARSE, "i.json:1: expected an object, not an array");
	bad("{\"program\":[]}", SP_EPARSE,
	    "i.json:1: field 'program': unknown field (expected programs, "
	    "applicants, couples, supplemental or reversions)");
	bad("{\"programs\":{}}", SP_EPARSE,
	    "i.json:1: field 'programs': expected an array, not an object");
	bad("{\"programs\":[1]}", SP_EPARSE,
	    "i.json:1: field 'programs': expected an object, not a number");
	bad("{\"programs\":[{\"id\":\"P1\"}]}", SP_EPARSE,
	    "i.json:1: field 'quota': missing");
	bad("{\"programs\":[{\"quota\":1}]}", SP_EPARSE,
	    "i.json:1: field 'id': missing");
	bad("{\"programs\":[{\"id\":5,\"quota\":1}]}", SP_EPARSE,
	    "i.json:1: field 'id': expected a string, not a number");
	bad("{\"programs\":[{\"id\":\"\",\"quota\":1}]}", SP_EPARSE,
	    "i.json:1: field 'id': a name must not be empty");
	bad("{\"programs\":[{\"id\":\"a\\u0000b\",\"quota\":1}]}", SP_EPARSE,
	    "i.json:1:22: invalid \\u escape: NUL (\\u0000) is not allowed in "
	    "a string");
	char longname[300];
	snprintf(longname, sizeof longname,
	         "{\"programs\":[{\"id\":\"%0129d\",\"quota\":1}]}", 0);
	bad(longname, SP_ELIMIT,
	    "i.json:1: field 'id': string longer than 128 bytes");
	static const char *const quotas[] = {"-1",    "100001", "1.5",
	                                     "\"2\"", "null",   "1e10"};
	for (size_t i = 0; i < sizeof quotas / sizeof *quotas; i++) {
		char doc[100];
		snprintf(doc, sizeof doc,
		         "{\"programs\":[{\"id\":\"P\",\"quota\":%s}]}",
		         quotas[i]);
		bad(doc, SP_EPARSE,
		    "i.json:1: field 'quota': expected an integer between 0 "
		    "and 100000");
	}
	sp_inst *in = read_json("{\"programs\":[{\"id\":\"P\",\"quota\":"
	                        "1.0e5}]}");
	assert_int_equal(sp_inst_quota(in, 0), 100000);
	sp_inst_free(in);
	bad("{\"programs\":[{\"id\":\"P\",\"quota\":1,\"track\":\"x\"}]}",
	    SP_EPARSE,
	    "i.json:1: field 'track': expected categorical, preliminary, "
	    "advanced, primary or reserved");
	bad("{\"programs\":[{\"id\":\"P\",\"quota\":1,\"track\":1}]}",
	    SP_EPARSE,
	    "i.json:1: field 'track': expected a string, not a "
	    "number");
	bad("{\"programs\":[{\"id\":\"P\",\"quota\":1,\"rol\":\"A1\"}]}",
	    SP_EPARSE,
	    "i.json:1: field 'rol': expected an array, not a "
	    "string");
	bad("{\"programs\":[{\"id\":\"P\",\"quotas\":1}]}", SP_EPARSE,
	    "i.json:1: field 'quotas': unknown field (expected id, quota, "
	    "track or rol)");
	bad("{\"programs\":[\n{\"id\":\"P1\",\"quota\":1},\n"
	    "{\"id\":\"P1\",\"quota\":2}]}",
	    SP_EDUP,
	    "i.json:3: field 'id': duplicate program \"P1\" (first on line 2)");
	bad("{\"programs\":[{\"id\":\"P1\",\"quota\":1,\n\"rol\":[\"A1\",\n"
	    "\"A9\"]}]" APPS "}",
	    SP_ENOTFOUND, "i.json:3: field 'rol': unknown applicant \"A9\"");
	bad("{\"programs\":[{\"id\":\"P1\",\"quota\":1,\n\"rol\":[\"A1\",\n"
	    "\"A1\"]}]" APPS "}",
	    SP_EDUP,
	    "i.json:3: field 'rol': applicant \"A1\" listed twice (first on "
	    "line 2)");
	bad("{\"programs\":[{\"id\":\"P1\",\"quota\":1,\"rol\":[7]}]}",
	    SP_EPARSE,
	    "i.json:1: field 'rol': expected a string, not a "
	    "number");
	/* A syntax error reports line and column. */
	bad("{\"programs\":[{\"id\":\"P1\" \"quota\":1}]}", SP_EPARSE,
	    "i.json:1:25: expected ',' or '}' after object member");
	bad("{\"programs\":[],\"programs\":[]}", SP_EPARSE,
	    "i.json:1:16: duplicate key \"programs\" (first on line 1)");
}

static void test_errors_applicants(void **state)
{
	(void)state;
	bad(PA ",\"applicants\":[{\"id\":\"A1\"},\n{\"id\":\"A1\"}]}", SP_EDUP,
	    "i.json:2: field 'id': duplicate applicant \"A1\" (first on line "
	    "1)");
	bad(PA ",\"applicants\":[{\"id\":\"A1\",\"rol\":[\"P9\"]}]}",
	    SP_ENOTFOUND, "i.json:1: field 'rol': unknown program \"P9\"");
	bad(PA ",\"applicants\":[{\"id\":\"A1\",\"rol\":[\"P1\",\n"
	       "\"P2\",\n\"P1\"]}]}",
	    SP_EDUP,
	    "i.json:3: field 'rol': program \"P1\" listed twice (first on "
	    "line 1)");
	bad(PA ",\"applicants\":[{\"id\":\"A1\",\"rol\":[\"P\\n\\\"9\"]}]}",
	    SP_ENOTFOUND,
	    "i.json:1: field 'rol': unknown program \"P\\x0a\\\"9\"");
	bad(PA ",\"applicants\":[{\"id\":\"A1\",\"rank\":[]}]}", SP_EPARSE,
	    "i.json:1: field 'rank': unknown field (expected id or rol)");
	bad(PA ",\"applicants\":[\"A1\"]}", SP_EPARSE,
	    "i.json:1: field 'applicants': expected an object, not a string");
	bad(PA ",\"applicants\":[{\"rol\":[]}]}", SP_EPARSE,
	    "i.json:1: field 'id': missing");
	/* The list cap is checked before the names. */
	size_t cap = 64 + 5 * (SP_MAX_LIST + 1);
	char *doc = malloc(cap);
	size_t n = (size_t)snprintf(doc, cap,
	                            PA ",\"applicants\":[{\"id\":\"A1\","
	                               "\"rol\":[");
	for (int i = 0; i <= SP_MAX_LIST; i++)
		n +=
		    (size_t)snprintf(doc + n, cap - n, "%s\"P\"", i ? "," : "");
	snprintf(doc + n, cap - n, "]}]}");
	bad(doc, SP_ELIMIT, "i.json:1: field 'rol': more than 4096 entries");
	free(doc);

	cap = 64 + 4 * ((size_t)SP_MAX_PROGRAM_LIST + 1);
	doc = malloc(cap);
	n = (size_t)snprintf(doc, cap,
	                     "{\"programs\":[{\"id\":\"P\","
	                     "\"quota\":1,\"rol\":[");
	for (int i = 0; i <= SP_MAX_PROGRAM_LIST; i++)
		n += (size_t)snprintf(doc + n, cap - n, "%s\"\"", i ? "," : "");
	snprintf(doc + n, cap - n, "]}]}");
	bad(doc, SP_ELIMIT, "i.json:1: field 'rol': more than 200000 entries");
	free(doc);

	cap = 128 + 12 * (SP_MAX_LIST + 1);
	doc = malloc(cap);
	n = (size_t)snprintf(doc, cap,
	                     PA ",\"couples\":[{\"id\":\"C\","
	                        "\"members\":[\"X\",\"Y\"],\"rol\":[");
	for (int i = 0; i <= SP_MAX_LIST; i++)
		n += (size_t)snprintf(doc + n, cap - n, "%s[\"P1\",null]",
		                      i ? "," : "");
	snprintf(doc + n, cap - n, "]}]}");
	bad(doc, SP_ELIMIT, "i.json:1: field 'rol': more than 4096 pairs");
	free(doc);
}

static void test_errors_couples(void **state)
{
	(void)state;
	bad(PA APPS ",\"couples\":[{\"id\":\"C\"}]}", SP_EPARSE,
	    "i.json:1: field 'members': missing");
	bad(PA APPS ",\"couples\":[{\"id\":\"C\",\"members\":[\"A1\"]}]}",
	    SP_EPARSE,
	    "i.json:1: field 'members': expected two applicants, not 1");
	bad(PA APPS ",\"couples\":[{\"id\":\"C\",\"members\":[\"X\",\"X\"]}]}",
	    SP_EINVAL,
	    "i.json:1: field 'members': a couple needs two different "
	    "applicants");
	bad(PA APPS ",\"couples\":[{\"id\":\"C\",\"members\":[\"X\",3]}]}",
	    SP_EPARSE,
	    "i.json:1: field 'members': expected a string, not a number");
	bad(PA ",\"applicants\":[\n{\"id\":\"A1\",\"rol\":[]}],\n"
	       "\"couples\":[{\"id\":\"C\",\"members\":[\"X\",\"A1\"]}]}",
	    SP_EINVAL,
	    "i.json:3: field 'members': applicant \"A1\" has its own \"rol\" "
	    "in "
	    "\"applicants\" (line 2); couple members rank only as a couple");
	bad(PA ",\"couples\":[{\"id\":\"C1\",\"members\":[\"X\",\"Y\"]},\n"
	       "{\"id\":\"C2\",\"members\":[\"Z\",\"Y\"]}]}",
	    SP_EDUP,
	    "i.json:2: field 'members': applicant \"Y\" is already in couple "
	    "\"C1\"");
	bad(PA ",\"couples\":[{\"id\":\"C1\",\"members\":[\"X\",\"Y\"]},\n"
	       "{\"id\":\"C1\",\"members\":[\"Z\",\"W\"]}]}",
	    SP_EDUP, "i.json:2: field 'id': duplicate couple \"C1\"");
	bad(PA ",\"couples\":[{\"id\":\"C\",\"members\":[\"X\",\"Y\"],"
	       "\"rol\":[\"P1\"]}]}",
	    SP_EPARSE,
	    "i.json:1: field 'rol': expected a pair [program, program] (null "
	    "for unmatched)");
	bad(PA ",\"couples\":[{\"id\":\"C\",\"members\":[\"X\",\"Y\"],"
	       "\"rol\":[[\"P1\",\"P2\",\"P1\"]]}]}",
	    SP_EPARSE,
	    "i.json:1: field 'rol': expected a pair [program, program] (null "
	    "for unmatched)");
	bad(PA ",\"couples\":[{\"id\":\"C\",\"members\":[\"X\",\"Y\"],"
	       "\"rol\":[[null,null]]}]}",
	    SP_EPARSE,
	    "i.json:1: field 'rol': a pair needs at least one program ([null, "
	    "null] is not allowed)");
	bad(PA ",\"couples\":[{\"id\":\"C\",\"members\":[\"X\",\"Y\"],"
	       "\"rol\":[[\"P1\",\n\"P9\"]]}]}",
	    SP_ENOTFOUND, "i.json:2: field 'rol': unknown program \"P9\"");
	bad(PA ",\"couples\":[{\"id\":\"C\",\"members\":[\"X\",\"Y\"],"
	       "\"rol\":[[\"P1\",false]]}]}",
	    SP_EPARSE,
	    "i.json:1: field 'rol': expected a string, not a boolean");
	bad(PA
	    ",\"couples\":[{\"id\":\"C\",\"members\":[\"X\",\"Y\"],\"rol\":[\n"
	    "[\"P1\",null],\n[\"P2\",\"P2\"],\n[\"P1\",null]]}]}",
	    SP_EDUP,
	    "i.json:4: field 'rol': pair [\"P1\", null] listed twice (first on "
	    "line 2)");
	bad(PA ",\"couples\":[{\"id\":\"C\",\"members\":[\"X\",\"Y\"],"
	       "\"pairs\":[]}]}",
	    SP_EPARSE,
	    "i.json:1: field 'pairs': unknown field (expected id, members or "
	    "rol)");
}

#define SUPP_BASE                                                \
	PA ",\"applicants\":[{\"id\":\"A1\",\"rol\":[\"P1\"]}]," \
	   "\"couples\":[{\"id\":\"C\",\"members\":[\"X\",\"Y\"]}],"

static void test_errors_supplemental(void **state)
{
	(void)state;
	bad(SUPP_BASE "\"supplemental\":[{\"applicant\":\"A9\","
	              "\"advanced\":[\"P1\"],\"rol\":[\"P2\"]}]}",
	    SP_ENOTFOUND,
	    "i.json:1: field 'applicant': unknown applicant \"A9\"");
	bad(SUPP_BASE "\"supplemental\":[{\"applicant\":\"X\","
	              "\"advanced\":[\"P1\"],\"rol\":[\"P2\"]}]}",
	    SP_EINVAL,
	    "i.json:1: field 'applicant': \"X\" is in couple \"C\"; "
	    "supplemental "
	    "lists are for single applicants");
	bad(SUPP_BASE "\"supplemental\":[{\"applicant\":\"A1\","
	              "\"advanced\":[],\"rol\":[\"P2\"]}]}",
	    SP_EINVAL,
	    "i.json:1: field 'advanced': must list at least one program");
	bad(SUPP_BASE "\"supplemental\":[{\"applicant\":\"A1\","
	              "\"advanced\":[\"P1\"],\"rol\":[]}]}",
	    SP_EINVAL, "i.json:1: field 'rol': must list at least one program");
	bad(SUPP_BASE "\"supplemental\":[{\"applicant\":\"A1\","
	              "\"advanced\":[\"P1\"]}]}",
	    SP_EPARSE, "i.json:1: field 'rol': missing");
	bad(SUPP_BASE "\"supplemental\":[{\"advanced\":[\"P1\"],"
	              "\"rol\":[\"P2\"]}]}",
	    SP_EPARSE, "i.json:1: field 'applicant': missing");
	bad(SUPP_BASE "\"supplemental\":[{\"applicant\":\"A1\","
	              "\"advanced\":[\"P1\"],\"rol\":[\"P2\",\"P2\"]}]}",
	    SP_EDUP,
	    "i.json:1: field 'rol': program \"P2\" listed twice (first on "
	    "line 1)");
	bad(SUPP_BASE "\"supplemental\":[{\"applicant\":\"A1\","
	              "\"advanced\":[\"P1\"],\"rol\":[\"P2\"]},\n"
	              "{\"applicant\":\"A1\",\"advanced\":[\"P2\",\"P1\"],"
	              "\"rol\":[\"P2\"]}]}",
	    SP_EDUP,
	    "i.json:2: field 'advanced': program \"P1\" is already linked to "
	    "another supplemental list of \"A1\"");
	bad(SUPP_BASE "\"supplemental\":[{\"applicant\":\"A1\","
	              "\"advanced\":[\"P1\"],\"rol\":[\"P2\"],\"x\":1}]}",
	    SP_EPARSE,
	    "i.json:1: field 'x': unknown field (expected applicant, "
	    "advanced or rol)");
}

static void test_errors_reversions(void **state)
{
	(void)state;
	bad(PA ",\"reversions\":[{\"donor\":\"P1\",\"receiver\":\"P2\","
	       "\"count\":3}]}",
	    SP_EPARSE,
	    "i.json:1: field 'count': expected an integer between 1 and 2");
	bad(PA ",\"reversions\":[{\"donor\":\"P1\",\"receiver\":\"P2\","
	       "\"count\":0}]}",
	    SP_EPARSE,
	    "i.json:1: field 'count': expected an integer between 1 and 2");
	bad(PA ",\"reversions\":[{\"donor\":\"P1\",\"receiver\":\"P2\"}]}",
	    SP_EPARSE, "i.json:1: field 'count': missing");
	bad(PA ",\"reversions\":[{\"donor\":\"P1\",\"receiver\":\"P1\","
	       "\"count\":1}]}",
	    SP_EINVAL,
	    "i.json:1: field 'receiver': a program cannot revert positions "
	    "to itself");
	bad(PA ",\"reversions\":[{\"donor\":\"PX\",\"receiver\":\"P1\","
	       "\"count\":1}]}",
	    SP_ENOTFOUND, "i.json:1: field 'donor': unknown program \"PX\"");
	bad(PA ",\"reversions\":[{\"receiver\":\"P1\",\"count\":1}]}",
	    SP_EPARSE, "i.json:1: field 'donor': missing");
	bad(PA ",\"reversions\":[{\"donor\":\"P1\",\"count\":1}]}", SP_EPARSE,
	    "i.json:1: field 'receiver': missing");
	bad("{\"programs\":[{\"id\":\"P0\",\"quota\":0},{\"id\":\"P1\","
	    "\"quota\":1}],\"reversions\":[{\"donor\":\"P0\",\"receiver\":"
	    "\"P1\",\"count\":1}]}",
	    SP_EINVAL,
	    "i.json:1: field 'donor': program \"P0\" has no positions to "
	    "revert");
	bad(PA ",\"reversions\":[{\"donor\":\"P1\",\"receiver\":\"P2\","
	       "\"count\":1,\"when\":1}]}",
	    SP_EPARSE,
	    "i.json:1: field 'when': unknown field (expected donor, receiver "
	    "or count)");
}

/* ------------------------------------------------------------------ */
/* Matchings.                                                          */

static void matching_equal(const sp_inst *in, const sp_matching *x,
                           const sp_matching *y)
{
	assert_int_equal(sp_matching_stable(x), sp_matching_stable(y));
	for (int32_t a = 0; a < sp_inst_napplicants(in); a++) {
		assert_int_equal(sp_matching_program(x, a),
		                 sp_matching_program(y, a));
		assert_int_equal(sp_matching_supplemental(x, a),
		                 sp_matching_supplemental(y, a));
	}
	for (int32_t p = 0; p < sp_inst_nprograms(in); p++)
		assert_int_equal(sp_matching_capacity(x, p),
		                 sp_matching_capacity(y, p));
}

static sp_matching *read_m(const sp_inst *in, const char *text)
{
	sp_matching *m = NULL;
	sp_err err;
	sp_status s = sp__io_json_matching_read(in, text, strlen(text),
	                                        "m.json", &m, &err);
	if (s)
		fail_msg("unexpected error: %s", err.msg);
	return m;
}

static void bad_m(const sp_inst *in, const char *text, sp_status want,
                  const char *msg)
{
	sp_matching *m = (sp_matching *)1;
	sp_err err;
	sp_status s = sp__io_json_matching_read(in, text, strlen(text),
	                                        "m.json", &m, &err);
	if (s == SP_OK)
		fail_msg("accepted: %s", text);
	assert_null(m);
	assert_string_equal(err.msg, msg);
	assert_int_equal(s, want);
}

static void test_matching_round_trip(void **state)
{
	(void)state;
	sp_inst *in = read_json(example);
	sp_matching *m;
	OK(sp_matching_new(in, &m));
	int32_t a1 = sp_inst_find_applicant(in, "A1");
	int32_t a5 = sp_inst_find_applicant(in, "A5");
	int32_t a3 = sp_inst_find_applicant(in, "A3");
	sp_matching_set(m, a1, sp_inst_find_program(in, "P1"));
	sp_matching_set(m, a5, sp_inst_find_program(in, "P9"));
	sp_matching_set_supplemental(m, a5, sp_inst_find_program(in, "P3"));
	sp_matching_set_supplemental(m, a3, sp_inst_find_program(in, "P2"));
	sp_matching_set_capacity(m, sp_inst_find_program(in, "P2"), 2);
	sp_matching_set_capacity(m, sp_inst_find_program(in, "P3"), 0);
	char *text = write_matching(in, m);
	assert_string_equal(text,
	                    "{\n"
	                    "  \"stable\": true,\n"
	                    "  \"matching\": [\n"
	                    "    {\"applicant\":\"A1\",\"program\":\"P1\"},\n"
	                    "    {\"applicant\":\"A5\",\"program\":\"P9\","
	                    "\"supplemental\":\"P3\"},\n"
	                    "    {\"applicant\":\"A3\",\"program\":null,"
	                    "\"supplemental\":\"P2\"}\n"
	                    "  ],\n"
	                    "  \"unmatched\": [\"A2\",\"A4\"],\n"
	                    "  \"capacity\": {\"P2\":2,\"P3\":0}\n"
	                    "}\n");
	sp_matching *back = read_m(in, text);
	matching_equal(in, m, back);
	free(text);
	sp_matching_free(back);
	sp_matching_free(m);

	/* Explicit nulls mean no match. */
	m = read_m(in, "{\"matching\":[{\"applicant\":\"A2\",\"program\":"
	               "null,\"supplemental\":null}],\"unmatched\":[\"A1\"]}");
	assert_int_equal(sp_matching_program(m, 1), SP_NONE);
	assert_int_equal(sp_matching_supplemental(m, 1), SP_NONE);
	sp_matching_free(m);

	/* The minimal shape; "stable": false is kept. */
	m = read_m(in, "{\"matching\":[{\"applicant\":\"A2\",\"program\":"
	               "\"P1\"}],\"stable\":false}");
	assert_int_equal(sp_matching_program(m, 1), 0);
	assert_int_equal(sp_matching_program(m, 0), SP_NONE);
	assert_int_equal(sp_matching_stable(m), 0);
	assert_int_equal(sp_matching_capacity(m, 0), 2);
	text = write_matching(in, m);
	sp_matching *again = read_m(in, text);
	matching_equal(in, m, again);
	free(text);
	sp_matching_free(again);
	sp_matching_free(m);
	sp_inst_free(in);
}

static void test_matching_errors(void **state)
{
	(void)state;
	sp_inst *in = read_json(example);
	bad_m(in, "{}", SP_EPARSE, "m.json:1: field 'matching': missing");
	bad_m(in, "[]", SP_EPARSE,
	      "m.json:1: expected an object, not an array");
	bad_m(in, "{\"matching\":[],\"stats\":{}}", SP_EPARSE,
	      "m.json:1: field 'stats': unknown field (expected stable, "
	      "matching, unmatched or capacity)");
	bad_m(in, "{\"matching\":[],\"stable\":1}", SP_EPARSE,
	      "m.json:1: field 'stable': expected true or false, not a "
	      "number");
	bad_m(in,
	      "{\"matching\":[\n{\"applicant\":\"A1\",\"program\":\"P1\"},"
	      "\n{\"applicant\":\"A1\",\"program\":\"P2\"}]}",
	      SP_EDUP,
	      "m.json:3: field 'applicant': applicant \"A1\" listed twice "
	      "(first on line 2)");
	bad_m(in,
	      "{\"matching\":[\n{\"applicant\":\"A1\",\"program\":\"P1\"}"
	      "],\n\"unmatched\":[\"A2\",\n\"A1\"]}",
	      SP_EDUP,
	      "m.json:4: field 'unmatched': applicant \"A1\" listed twice "
	      "(first on line 2)");
	bad_m(in, "{\"matching\":[{\"applicant\":\"AX\",\"program\":\"P1\"}]}",
	      SP_ENOTFOUND,
	      "m.json:1: field 'applicant': unknown applicant \"AX\"");
	bad_m(in, "{\"matching\":[{\"applicant\":\"A1\",\"program\":\"PX\"}]}",
	      SP_ENOTFOUND,
	      "m.json:1: field 'program': unknown program \"PX\"");
	bad_m(in,
	      "{\"matching\":[{\"applicant\":\"A1\",\"program\":\"P1\","
	      "\"supplemental\":\"PX\"}]}",
	      SP_ENOTFOUND,
	      "m.json:1: field 'supplemental': unknown program \"PX\"");
	bad_m(in, "{\"matching\":[{\"applicant\":\"A1\"}]}", SP_EPARSE,
	      "m.json:1: field 'program': missing");
	bad_m(in, "{\"matching\":[{\"program\":\"P1\"}]}", SP_EPARSE,
	      "m.json:1: field 'applicant': missing");
	bad_m(in, "{\"matching\":[{\"applicant\":\"A1\",\"program\":1}]}",
	      SP_EPARSE,
	      "m.json:1: field 'program': expected a string, not a number");
	bad_m(in,
	      "{\"matching\":[{\"applicant\":\"A1\",\"program\":\"P1\","
	      "\"rank\":1}]}",
	      SP_EPARSE,
	      "m.json:1: field 'rank': unknown field (expected applicant, "
	      "program or supplemental)");
	bad_m(in, "{\"matching\":[],\"unmatched\":[\"AX\"]}", SP_ENOTFOUND,
	      "m.json:1: field 'unmatched': unknown applicant \"AX\"");
	bad_m(in, "{\"matching\":[],\"capacity\":{\"PX\":1}}", SP_ENOTFOUND,
	      "m.json:1: field 'capacity': unknown program \"PX\"");
	bad_m(in, "{\"matching\":[],\"capacity\":{\"P1\":-1}}", SP_EPARSE,
	      "m.json:1: field 'capacity': expected an integer between 0 and "
	      "2147483647");
	bad_m(in, "{\"matching\":[],\"capacity\":[]}", SP_EPARSE,
	      "m.json:1: field 'capacity': expected an object, not an array");
	bad_m(in, "{\"matching\":[],\"capacity\":{\"P1\\u0000\":1}}", SP_EPARSE,
	      "m.json:1:31: invalid \\u escape: NUL (\\u0000) is not allowed "
	      "in a string");
	bad_m(in, "{\"matching\":[}", SP_EPARSE,
	      "m.json:1:14: expected a value");
	sp_inst_free(in);
}

/* ------------------------------------------------------------------ */
/* Failures.                                                           */

static void test_write_failure(void **state)
{
	(void)state;
	FILE *f = fopen("/dev/full", "w");
	if (!f)
		skip();
	sp_inst *in = random_inst(3);
	assert_int_equal(sp__io_json_write(in, f), SP_EIO);
	sp_matching *m;
	OK(sp_matching_new(in, &m));
	assert_int_equal(sp__io_json_matching_write(in, m, f), SP_EIO);
	fclose(f);
	sp_matching_free(m);
	sp_inst_free(in);
}

static void test_out_of_memory(void **state)
{
	(void)state;
	sp_inst *ref = read_json(example);
	int failures = 0;
	for (long k = 1; k < 400; k++) {
		sp_inst *in;
		sp_err err;
		sp_alloc_fail_after(k);
		sp_status s = sp__io_json_read(example, strlen(example),
		                               "i.json", &in, &err);
		sp_alloc_fail_after(0);
		if (s == SP_OK) {
			assert_inst_equal(ref, in);
			sp_inst_free(in);
			break;
		}
		assert_int_equal(s, SP_ENOMEM);
		assert_null(in);
		failures++;
	}
	assert_true(failures > 10);
	const char *mt = "{\"matching\":[{\"applicant\":\"A1\",\"program\":"
	                 "\"P1\"}],\"capacity\":{\"P2\":2}}";
	for (long k = 1; k < 100; k++) {
		sp_matching *m;
		sp_err err;
		sp_alloc_fail_after(k);
		sp_status s = sp__io_json_matching_read(ref, mt, strlen(mt),
		                                        "m.json", &m, &err);
		sp_alloc_fail_after(0);
		if (s == SP_OK) {
			sp_matching_free(m);
			break;
		}
		assert_int_equal(s, SP_ENOMEM);
	}
	sp_alloc_fail_after(1);
	assert_int_equal(sp__io_json_write(ref, stdout), SP_ENOMEM);
	sp_alloc_fail_after(0);
	sp_inst_free(ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example),
	    cmocka_unit_test(test_members_in_applicants),
	    cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_odd_names),
	    cmocka_unit_test(test_errors_root_and_programs),
	    cmocka_unit_test(test_errors_applicants),
	    cmocka_unit_test(test_errors_couples),
	    cmocka_unit_test(test_errors_supplemental),
	    cmocka_unit_test(test_errors_reversions),
	    cmocka_unit_test(test_matching_round_trip),
	    cmocka_unit_test(test_matching_errors),
	    cmocka_unit_test(test_write_failure),
	    cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

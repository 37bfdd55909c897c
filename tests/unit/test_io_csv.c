/*
 * test_io_csv.c — the CSV tokenizer (csv.c) and the CSV-folder format
 * (io_csv.c): quoting, line numbers, headers, caps; instance folders read
 * from memory and from disk, round trips, every error with its file,
 * line and field; matchings; allocation failures.
 */
#include "testutil.h"

#include "csv.h"
#include "io.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* The tokenizer.                                                      */

/* Reads the next record of c, expecting success. */
static void next(sp__csv *c)
{
	sp_err err;
	if (sp__csv_next(c, &err) != SP_OK)
		fail_msg("unexpected error: %s", err.msg);
}

static void test_tokenizer_basic(void **state)
{
	(void)state;
	const char *text = "\xEF\xBB\xBF"
	                   "a,b,c\r\n"
	                   "1,\"x, y\",\r\n"
	                   "\n"
	                   "\"multi\nline\",\"say \"\"hi\"\"\",\"\"\n"
	                   "last,row,here";
	sp__csv c;
	sp__csv_init(&c, text, strlen(text), "t.csv");
	static const char *const cols[] = {"a", "b", "c"};
	int idx[3];
	sp_err err;
	OK(sp__csv_header(&c, cols, 3, 3, false, idx, &err));
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[2], 2);
	assert_string_equal(sp__csv_column(&c, 1), "b");
	next(&c);
	assert_int_equal(c.line, 2);
	assert_int_equal(c.nf, 3);
	assert_string_equal(sp__csv_field(&c, 1), "x, y");
	assert_string_equal(sp__csv_field(&c, 2), "");
	assert_int_equal(sp__csv_field_len(&c, 1), 4);
	next(&c);
	assert_int_equal(c.line, 4);
	assert_string_equal(sp__csv_field(&c, 0), "multi\nline");
	assert_string_equal(sp__csv_field(&c, 1), "say \"hi\"");
	assert_string_equal(sp__csv_field(&c, 2), "");
	next(&c);
	assert_int_equal(c.line, 6);
	assert_string_equal(sp__csv_field(&c, 2), "here");
	assert_string_equal(sp__csv_field(&c, -1), "");
	assert_string_equal(sp__csv_field(&c, 7), "");
	next(&c);
	assert_int_equal(c.nf, 0);
	next(&c);
	assert_int_equal(c.nf, 0);
	sp__csv_free(&c);
}

static void test_tokenizer_optional_columns(void **state)
{
	(void)state;
	const char *text = "z,notes,x\n1,n,2\n";
	static const char *const cols[] = {"x", "y", "z"};
	int idx[3];
	sp_err err;
	sp__csv c;
	sp__csv_init(&c, text, strlen(text), "t.csv");
	OK(sp__csv_header(&c, cols, 3, 1, true, idx, &err));
	assert_int_equal(idx[0], 2);
	assert_int_equal(idx[1], -1);
	assert_int_equal(idx[2], 0);
	next(&c);
	long v;
	OK(sp__csv_long(&c, idx[0], 0, 10, &v, &err));
	assert_int_equal(v, 2);
	assert_string_equal(sp__csv_field(&c, idx[1]), "");
	sp__csv_free(&c);
}

typedef struct {
	const char *text;
	sp_status status;
	long line;
	const char *field;
	const char *msg;
} tok_case;

static const tok_case tok_errors[] = {
    {"", SP_EPARSE, 1, "", "missing header row"},
    {"\n\n", SP_EPARSE, 1, "", "missing header row"},
    {"a,b\n1\n", SP_EPARSE, 2, "",
     "expected 2 fields, as in the header, "
     "got 1"},
    {"a,b\n1,2,3\n", SP_EPARSE, 2, "", "got 3"},
    {"a,b\n1,\"2\n\n", SP_EPARSE, 2, "b", "quoted field never closed"},
    {"a,b\n1,\"2\"x\n", SP_EPARSE, 2, "b", "after a closing quote"},
    {"a,b\n1,2\"\n", SP_EPARSE, 2, "b", "quote inside an unquoted field"},
    {"a,b\n1,\"x\ny\"z\n", SP_EPARSE, 3, "b", "after a closing quote"},
    {"a,b\n1,2\r3\n", SP_EPARSE, 2, "b", "carriage return inside"},
    {"a,c\n", SP_EPARSE, 1, "c", "unknown column \"c\" (expected a and b)"},
    {"a,a,b\n", SP_EPARSE, 1, "a", "column \"a\" appears twice"},
    {"a\n", SP_EPARSE, 1, "b", "missing column"},
};

static void test_tokenizer_errors(void **state)
{
	(void)state;
	static const char *const cols[] = {"a", "b"};
	for (size_t i = 0; i < sizeof tok_errors / sizeof *tok_errors; i++) {
		const tok_case *t = &tok_errors[i];
		sp__csv c;
		sp__csv_init(&c, t->text, strlen(t->text), "t.csv");
		int idx[2];
		sp_err err;
		sp_status s = sp__csv_header(&c, cols, 2, 2, false, idx, &err);
		while (!s && !(s = sp__csv_next(&c, &err)) && c.nf)
			;
		if (s != t->status || err.line != t->line ||
		    strcmp(err.field, t->field) != 0 ||
		    !strstr(err.msg, t->msg))
			fail_msg("case %zu: got %d line %ld field '%s': %s", i,
			         s, err.line, err.field, err.msg);
		sp__csv_free(&c);
	}
}

static void test_tokenizer_nul_and_caps(void **state)
{
	(void)state;
	static const char text[] = "a\nx\0y\n";
	sp__csv c;
	sp_err err;
	sp__csv_init(&c, text, sizeof text - 1, "t.csv");
	next(&c);
	assert_int_equal(sp__csv_next(&c, &err), SP_EPARSE);
	assert_non_null(strstr(err.msg, "NUL byte"));
	sp__csv_free(&c);

	/* A record of SP_MAX_LINE bytes passes, one more byte does not,
	 * also when the extra bytes sit inside quotes. */
	size_t n = SP_MAX_LINE + 8;
	char *big = malloc(n + 8);
	assert_non_null(big);
	memset(big, 'x', n);
	big[SP_MAX_LINE] = '\n';
	sp__csv_init(&c, big, SP_MAX_LINE + 1, "t.csv");
	next(&c);
	assert_int_equal(sp__csv_field_len(&c, 0), SP_MAX_LINE);
	sp__csv_free(&c);
	big[SP_MAX_LINE] = 'x';
	sp__csv_init(&c, big, n, "t.csv");
	assert_int_equal(sp__csv_next(&c, &err), SP_ELIMIT);
	assert_non_null(strstr(err.msg, "longer than 65536"));
	sp__csv_free(&c);
	big[0] = '"';
	big[n - 1] = '"';
	sp__csv_init(&c, big, n, "t.csv");
	assert_int_equal(sp__csv_next(&c, &err), SP_ELIMIT);
	sp__csv_free(&c);
	free(big);
}

static void test_numbers_and_quote(void **state)
{
	(void)state;
	long v;
	sp_err err;
	OK(sp__csv_parse_long("42", 0, 100, &v, &err, "f", 3, "n"));
	assert_int_equal(v, 42);
	assert_int_equal(sp__csv_parse_long("", 0, 100, &v, &err, "f", 3, "n"),
	                 SP_EPARSE);
	assert_int_equal(sp__csv_parse_long(" 4", 0, 9, &v, &err, "f", 3, "n"),
	                 SP_EPARSE);
	assert_int_equal(sp__csv_parse_long("0", 1, 9, &v, &err, "f", 3, "n"),
	                 SP_EPARSE);
	assert_string_equal(err.msg, "f:3: field 'n': expected a positive "
	                             "integer, got \"0\"");
	assert_int_equal(sp__csv_parse_long("10", 1, 9, &v, &err, "f", 3, "n"),
	                 SP_ELIMIT);
	assert_string_equal(err.msg, "f:3: field 'n': \"10\" is above the "
	                             "limit of 9");

	const char *text = "x\n0.25\nnan\n1e9\n abc\n";
	sp__csv c;
	sp__csv_init(&c, text, strlen(text), "d.csv");
	next(&c);
	next(&c);
	double d;
	OK(sp__csv_double(&c, 0, 0, 1, &d, &err));
	assert_true(d == 0.25);
	next(&c);
	assert_int_equal(sp__csv_double(&c, 0, 0, 1, &d, &err), SP_EPARSE);
	next(&c);
	assert_int_equal(sp__csv_double(&c, 0, 0, 1, &d, &err), SP_ELIMIT);
	next(&c);
	assert_int_equal(sp__csv_double(&c, 0, 0, 1, &d, &err), SP_EPARSE);
	sp__csv_free(&c);

	/* Only decimal numbers as people write them: no sign '+', no hex
	 * floats, no inf or nan spelled out, no bare '.' or exponent. */
	const char *odd = "x\n0x1p3\n+5\n.5\n-2.5e-1\n5.\n1e\n.\ninf\n"
	                  "0x10\n";
	static const sp_status want[] = {SP_EPARSE, SP_EPARSE, SP_OK,
	                                 SP_OK,     SP_OK,     SP_EPARSE,
	                                 SP_EPARSE, SP_EPARSE, SP_EPARSE};
	sp__csv_init(&c, odd, strlen(odd), "d.csv");
	next(&c);
	for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
		next(&c);
		assert_int_equal(sp__csv_double(&c, 0, -1, 10, &d, &err),
		                 want[k]);
	}
	assert_true(d == 5.0);
	sp__csv_free(&c);

	char q[SP__QUOTE_SIZE];
	assert_string_equal(sp__csv_quote(q, sizeof q, "a\"b\\c\n\x01"),
	                    "\"a\\\"b\\\\c\\x0a\\x01\"");
	char long_name[300];
	memset(long_name, 'n', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	sp__csv_quote(q, sizeof q, long_name);
	assert_true(strlen(q) < sizeof q);
	assert_non_null(strstr(q, "...\""));
}

/* Names of every length up to 40 that share their prefixes resolve to
 * their own ids, and near misses to none. */
static void test_name_index(void **state)
{
	(void)state;
	sp_inst *in;
	OK(sp_inst_new(&in));
	char name[48];
	for (int n = 1; n <= 40; n++) {
		memset(name, 'x', (size_t)n);
		name[n] = '\0';
		OK(sp_inst_add_program(in, name, 1, NULL));
	}
	sp__csv_index x;
	assert_true(sp__csv_index_build(&x, in, sp_inst_nprograms(in),
	                                sp_inst_program_name));
	for (int n = 1; n <= 40; n++) {
		memset(name, 'x', (size_t)n);
		name[n] = '\0';
		assert_int_equal(sp__csv_index_find(&x, name, (size_t)n),
		                 n - 1);
		name[n - 1] = 'y';
		assert_int_equal(sp__csv_index_find(&x, name, (size_t)n),
		                 SP_NONE);
	}
	memset(name, 'x', 41);
	name[41] = '\0';
	assert_int_equal(sp__csv_index_find(&x, name, 41), SP_NONE);
	sp__csv_index_free(&x);
	sp__csv_index_free(&x);
	sp_inst_free(in);
}

/* ------------------------------------------------------------------ */
/* Instance folders in memory.                                         */

/* The six files' texts; NULL for an absent file. */
typedef struct {
	const char *files[SP__CSV_NFILES];
} folder;

static sp_status read_folder(const folder *f, sp_inst **out, sp_err *err)
{
	sp__csv_src src[SP__CSV_NFILES];
	for (int i = 0; i < SP__CSV_NFILES; i++) {
		src[i].buf = f->files[i];
		src[i].len = f->files[i] ? strlen(f->files[i]) : 0;
		src[i].name = sp__io_csv_files[i];
	}
	return sp__io_csv_read_bufs(src, out, err);
}

static const folder example = {{
    "program,quota,track\n"
    "P1,2,\n"
    "ADV,1,advanced\n"
    "ADV2,1,advanced\n"
    "PRE,3,preliminary\n"
    "\"P,4\",1,categorical\n",
    /* applicants.csv: rows out of order, an empty list. */
    "applicant,rank,program\n"
    "s1,2,P1\n"
    "s2,,\n"
    "s1,1,ADV\n"
    "s1,3,ADV2\n"
    "s3,1,\"P,4\"\n",
    "couple,applicant_a,applicant_b,rank,program_a,program_b\n"
    "C,m1,m2,2,P1,-\n"
    "C,m1,m2,1,P1,\"P,4\"\n"
    "C,m1,m2,3,,P1\n"
    "D,n1,n2,,,\n",
    "program,rank,applicant\n"
    "P1,2,m1\n"
    "P1,1,s1\n"
    "PRE,1,s1\n",
    /* s1's list for ADV and ADV2 is the same: one list. */
    "applicant,advanced,rank,program\n"
    "s1,ADV,1,PRE\n"
    "s1,ADV2,2,P1\n"
    "s1,ADV,2,P1\n"
    "s1,ADV2,1,PRE\n"
    "s3,ADV,1,P1\n",
    "donor,receiver,count\n"
    "PRE,P1,2\n",
}};

static void test_read_example(void **state)
{
	(void)state;
	sp_inst *in;
	sp_err err;
	sp_status s = read_folder(&example, &in, &err);
	if (s)
		fail_msg("%s", err.msg);
	assert_int_equal(sp_inst_nprograms(in), 5);
	assert_string_equal(sp_inst_program_name(in, 4), "P,4");
	assert_int_equal(sp_inst_track(in, 1), SP_TRACK_ADVANCED);
	assert_int_equal(sp_inst_track(in, 0), SP_TRACK_CATEGORICAL);
	/* Singles in order of first appearance, then couple members. */
	assert_int_equal(sp_inst_napplicants(in), 7);
	assert_string_equal(sp_inst_applicant_name(in, 1), "s2");
	assert_string_equal(sp_inst_applicant_name(in, 3), "m1");
	size_t n;
	const int32_t *v = sp_inst_rol(in, 0, &n);
	assert_int_equal(n, 3);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[2], 2);
	sp_inst_rol(in, 1, &n);
	assert_int_equal(n, 0);
	assert_int_equal(sp_inst_ncouples(in), 2);
	v = sp_inst_couple_rol(in, 0, &n);
	assert_int_equal(n, 3);
	assert_int_equal(v[1], 4);
	assert_int_equal(v[3], SP_NONE);
	assert_int_equal(v[4], SP_NONE);
	sp_inst_couple_rol(in, 1, &n);
	assert_int_equal(n, 0);
	v = sp_inst_program_rol(in, 0, &n);
	assert_int_equal(n, 2);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], 3);
	assert_int_equal(sp_inst_nsupplementals(in), 2);
	int32_t a;
	const int32_t *adv, *pre;
	size_t nadv, npre;
	sp_inst_supplemental(in, 0, &a, &adv, &nadv, &pre, &npre);
	assert_int_equal(a, 0);
	assert_int_equal(nadv, 2);
	assert_int_equal(adv[0], 1);
	assert_int_equal(adv[1], 2);
	assert_int_equal(npre, 2);
	assert_int_equal(pre[0], 3);
	assert_int_equal(pre[1], 0);
	assert_int_equal(sp_inst_nreversions(in), 1);
	sp_inst_free(in);
}

static void test_supplemental_lists_differ(void **state)
{
	(void)state;
	folder f = example;
	f.files[SP__CSV_SUPPLEMENTAL] = "applicant,advanced,rank,program\n"
	                                "s1,ADV,1,PRE\n"
	                                "s1,ADV2,1,P1\n"
	                                "s1,ADV2,2,PRE\n"
	                                "s1,ADV,2,P1\n";
	sp_inst *in;
	sp_err err;
	OK(read_folder(&f, &in, &err));
	assert_int_equal(sp_inst_nsupplementals(in), 2);
	int32_t a;
	const int32_t *adv, *pre;
	size_t nadv, npre;
	sp_inst_supplemental(in, 1, &a, &adv, &nadv, &pre, &npre);
	assert_int_equal(nadv, 1);
	assert_int_equal(adv[0], 2);
	assert_int_equal(pre[0], 0);
	sp_inst_free(in);
}

static void test_optional_files(void **state)
{
	(void)state;
	folder f = {{"program,quota\nP,1\n", NULL, "", NULL, NULL, NULL}};
	sp_inst *in;
	sp_err err;
	OK(read_folder(&f, &in, &err));
	assert_int_equal(sp_inst_nprograms(in), 1);
	assert_int_equal(sp_inst_napplicants(in), 0);
	sp_inst_free(in);
	f.files[SP__CSV_PROGRAMS] = NULL;
	assert_int_equal(read_folder(&f, &in, &err), SP_EIO);
	assert_non_null(strstr(err.msg, "programs.csv: required file"));
	f.files[SP__CSV_PROGRAMS] = "";
	assert_int_equal(read_folder(&f, &in, &err), SP_EPARSE);
	assert_non_null(strstr(err.msg, "missing header row"));
}

typedef struct {
	int file; /* which file of `example` to replace */
	const char *text;
	sp_status status;
	const char *where; /* "file:line" prefix of the message */
	const char *field;
	const char *msg;
} folder_case;

#define PROGS  "program,quota,track\n"
#define APPS   "applicant,rank,program\n"
#define COUPS  "couple,applicant_a,applicant_b,rank,program_a,program_b\n"
#define PLISTS "program,rank,applicant\n"
#define SUPPS  "applicant,advanced,rank,program\n"
#define REVS   "donor,receiver,count\n"

static const folder_case folder_errors[] = {
    {SP__CSV_PROGRAMS, PROGS "P,1,\nQ,2,\nP7,1,\nP7,2,\n", SP_EDUP,
     "programs.csv:5:", "program",
     "duplicate program \"P7\" (first on line 4)"},
    {SP__CSV_PROGRAMS, PROGS "P,x,\n", SP_EPARSE, "programs.csv:2:", "quota",
     "expected a non-negative integer, got \"x\""},
    {SP__CSV_PROGRAMS, PROGS "P,100001,\n", SP_ELIMIT,
     "programs.csv:2:", "quota", "above the limit"},
    {SP__CSV_PROGRAMS, PROGS ",1,\n", SP_EPARSE, "programs.csv:2:", "program",
     "expected a name, got an empty cell"},
    {SP__CSV_PROGRAMS, PROGS "P,1,weird\n", SP_EPARSE,
     "programs.csv:2:", "track", "unknown track \"weird\""},
    {SP__CSV_PROGRAMS, "program,places\n", SP_EPARSE,
     "programs.csv:1:", "places", "unknown column \"places\""},
    {SP__CSV_PROGRAMS, "program\nP\n", SP_EPARSE, "programs.csv:1:", "quota",
     "missing column"},
    {SP__CSV_APPLICANTS, APPS "a,1,P1\na,3,P1\n", SP_EPARSE,
     "applicants.csv:3:", "rank",
     "rank 3 of applicant \"a\" leaves a gap: it has 2 rows"},
    {SP__CSV_APPLICANTS, APPS "a,1,P1\na,1,PRE\n", SP_EDUP, "applicants.csv:3:",
     "rank", "rank 1 of applicant \"a\" appears twice (first on line 2)"},
    {SP__CSV_APPLICANTS, APPS "a,1,P1\na,2,P1\n", SP_EDUP,
     "applicants.csv:3:", "program",
     "program \"P1\" appears twice in the list of applicant \"a\" "
     "(first on line 2)"},
    {SP__CSV_APPLICANTS, APPS "a,1,P1\na,,\n", SP_EPARSE,
     "applicants.csv:3:", "rank", "has an empty-list row"},
    {SP__CSV_APPLICANTS, APPS "a,,P1\n", SP_EPARSE,
     "applicants.csv:2:", "program", "needs a rank"},
    {SP__CSV_APPLICANTS, APPS "a,1,\n", SP_EPARSE,
     "applicants.csv:2:", "program", "expected a name"},
    {SP__CSV_APPLICANTS, APPS "a,1,NOPE\n", SP_ENOTFOUND, "applicants.csv:2:",
     "program", "unknown program \"NOPE\" (not in programs.csv)"},
    {SP__CSV_APPLICANTS, APPS "a,0,P1\n", SP_EPARSE,
     "applicants.csv:2:", "rank", "positive integer"},
    {SP__CSV_APPLICANTS, APPS "a,4097,P1\n", SP_ELIMIT,
     "applicants.csv:2:", "rank", "above the limit of 4096"},
    {SP__CSV_APPLICANTS, APPS "a,1\n", SP_EPARSE, "applicants.csv:2:", "",
     "expected 3 fields"},
    {SP__CSV_COUPLES, COUPS "C,s1,x,1,P1,P1\n", SP_EDUP,
     "couples.csv:2:", "applicant_a",
     "applicant \"s1\" is already defined (applicants.csv line 2)"},
    {SP__CSV_COUPLES, COUPS "C,x,y,1,P1,P1\nK,y,z,,,\n", SP_EDUP,
     "couples.csv:3:", "applicant_a",
     "applicant \"y\" is already defined (couples.csv line 2)"},
    {SP__CSV_COUPLES, COUPS "C,x,y,1,P1,P1\nC,x,z,2,P1,-\n", SP_EPARSE,
     "couples.csv:3:", "applicant_a",
     "couple \"C\" has members \"x\" and \"y\" (line 2), not these"},
    {SP__CSV_COUPLES, COUPS "C,x,x,1,P1,P1\n", SP_EPARSE,
     "couples.csv:2:", "applicant_b", "names applicant \"x\" twice"},
    {SP__CSV_COUPLES, COUPS "C,x,y,1,P1,-\nC,x,y,2,P1,\n", SP_EDUP,
     "couples.csv:3:", "program_a",
     "couple \"C\" ranks this pair twice (first on line 2)"},
    {SP__CSV_COUPLES, COUPS "C,x,y,1,P1,NOPE\n", SP_ENOTFOUND,
     "couples.csv:2:", "program_b", "unknown program \"NOPE\""},
    {SP__CSV_COUPLES, COUPS "C,x,y,,P1,\n", SP_EPARSE,
     "couples.csv:2:", "program_a", "needs a rank"},
    {SP__CSV_COUPLES, COUPS "C,x,y,2,P1,P1\n", SP_EPARSE,
     "couples.csv:2:", "rank", "leaves a gap"},
    {SP__CSV_PROGRAM_LISTS, PLISTS "NOPE,1,s1\n", SP_ENOTFOUND,
     "program_lists.csv:2:", "program", "unknown program"},
    {SP__CSV_PROGRAM_LISTS, PLISTS "P1,1,nobody\n", SP_ENOTFOUND,
     "program_lists.csv:2:", "applicant",
     "unknown applicant \"nobody\" (not in applicants.csv or "
     "couples.csv)"},
    {SP__CSV_PROGRAM_LISTS, PLISTS "P1,1,s1\nP1,2,s1\n", SP_EDUP,
     "program_lists.csv:3:", "applicant",
     "applicant \"s1\" appears twice in the list of program \"P1\""},
    {SP__CSV_PROGRAM_LISTS, PLISTS "P1,1,s1\nP1,1,s2\n", SP_EDUP,
     "program_lists.csv:3:", "rank",
     "rank 1 of program \"P1\" appears "
     "twice"},
    {SP__CSV_SUPPLEMENTAL, SUPPS "m1,ADV,1,PRE\n", SP_EINVAL,
     "supplemental.csv:2:", "applicant", "is in a couple"},
    {SP__CSV_SUPPLEMENTAL, SUPPS "s1,ADV,,PRE\n", SP_EPARSE,
     "supplemental.csv:2:", "rank", "positive integer"},
    {SP__CSV_SUPPLEMENTAL, SUPPS "s1,ADV,1,PRE\ns1,ADV,1,P1\n", SP_EDUP,
     "supplemental.csv:3:", "rank",
     "rank 1 of the supplemental list of applicant \"s1\" for \"ADV\" "
     "appears twice"},
    {SP__CSV_SUPPLEMENTAL, SUPPS "s1,ADV,1,PRE\ns1,ADV,2,PRE\n", SP_EDUP,
     "supplemental.csv:3:", "program", "appears twice in the list"},
    {SP__CSV_SUPPLEMENTAL, SUPPS "s1,NOPE,1,PRE\n", SP_ENOTFOUND,
     "supplemental.csv:2:", "advanced", "unknown program"},
    {SP__CSV_REVERSIONS, REVS "P1,P1,1\n", SP_EINVAL,
     "reversions.csv:2:", "receiver", "cannot revert positions to itself"},
    {SP__CSV_REVERSIONS, REVS "P1,PRE,3\n", SP_EINVAL,
     "reversions.csv:2:", "count", "more than the quota 2 of donor"},
    {SP__CSV_REVERSIONS, REVS "P1,PRE,0\n", SP_EPARSE,
     "reversions.csv:2:", "count", "positive integer"},
    {SP__CSV_REVERSIONS, REVS "P1,NOPE,1\n", SP_ENOTFOUND,
     "reversions.csv:2:", "receiver", "unknown program"},
};

static void test_folder_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof folder_errors / sizeof *folder_errors;
	     i++) {
		const folder_case *t = &folder_errors[i];
		folder f = example;
		f.files[t->file] = t->text;
		sp_inst *in = (sp_inst *)1;
		sp_err err;
		sp_status s = read_folder(&f, &in, &err);
		if (s != t->status || strcmp(err.field, t->field) != 0 ||
		    strncmp(err.msg, t->where, strlen(t->where)) != 0 ||
		    !strstr(err.msg, t->msg))
			fail_msg("case %zu: got %d field '%s': %s\n  want %d "
			         "%s field '%s': ...%s...",
			         i, s, err.field, err.msg, t->status, t->where,
			         t->field, t->msg);
		assert_null(in);
	}
}

/* ------------------------------------------------------------------ */
/* Folders on disk: round trips.                                       */

/* Every feature, with names that need quoting; singles before couple
 * members, the order the CSV reader gives. */
static sp_inst *rich_instance(void)
{
	sp_inst *in;
	OK(sp_inst_new(&in));
	const char *progs[] = {"P0",   "P, \"one\"", "ADV1",
	                       "ADV2", "PRE1",       "multi\nline"};
	int quota[] = {2, 1, 1, 1, 3, 2};
	for (int i = 0; i < 6; i++)
		OK(sp_inst_add_program(in, progs[i], quota[i], NULL));
	sp_inst_set_track(in, 2, SP_TRACK_ADVANCED);
	sp_inst_set_track(in, 3, SP_TRACK_ADVANCED);
	sp_inst_set_track(in, 4, SP_TRACK_PRELIMINARY);
	sp_inst_set_track(in, 5, SP_TRACK_PRIMARY);
	const char *apps[] = {"a0", " a1 ", "a2", "a3", "m1", "m2", "n1", "n2"};
	for (int i = 0; i < 8; i++)
		OK(sp_inst_add_applicant(in, apps[i], NULL));
	int32_t l0[] = {2, 3, 0};
	OK(sp_inst_set_rol(in, 0, l0, 3));
	int32_t l1[] = {1, 0};
	OK(sp_inst_set_rol(in, 1, l1, 2));
	OK(sp_inst_set_rol(in, 2, NULL, 0));
	int32_t l3[] = {5};
	OK(sp_inst_set_rol(in, 3, l3, 1));
	int32_t pairs[] = {0, 1, 1, SP_NONE, SP_NONE, 0};
	OK(sp_inst_add_couple(in, "C1", 4, 5, pairs, 3, NULL));
	OK(sp_inst_add_couple(in, "C2", 6, 7, NULL, 0, NULL));
	int32_t pr0[] = {0, 4, 1, 3, 6, 2}, pr1[] = {5, 1};
	OK(sp_inst_set_program_rol(in, 0, pr0, 6));
	OK(sp_inst_set_program_rol(in, 1, pr1, 2));
	int32_t adv[] = {2, 3}, pre[] = {4, 5};
	OK(sp_inst_add_supplemental(in, 0, adv, 2, pre, 2));
	int32_t pre2[] = {5};
	OK(sp_inst_add_supplemental(in, 1, adv, 1, pre2, 1));
	OK(sp_inst_add_reversion(in, 0, 1, 1));
	OK(sp_inst_add_reversion(in, 4, 5, 2));
	return in;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void remove_folder(const char *dir)
{
	for (int i = 0; i < SP__CSV_NFILES; i++) {
		char path[640];
		snprintf(path, sizeof path, "%s/%s", dir, sp__io_csv_files[i]);
		remove(path);
	}
	assert_int_equal(rmdir(dir), 0);
}

static void test_roundtrip_dir(void **state)
{
	(void)state;
	char tmp[400];
	assert_non_null(mkdtemp(tu_tmp(tmp, sizeof tmp, "sp-test-csv-XXXXXX")));
	char dir[512];
	snprintf(dir, sizeof dir, "%s/inst", tmp);
	sp_inst *in = rich_instance(), *back;
	sp_err err;
	/* A new directory; then written again over itself. */
	OK(sp_inst_write(in, dir, SP_FMT_CSV, &err));
	assert_int_equal(count_entries(dir), SP__CSV_NFILES);
	OK(sp_inst_read(dir, SP_FMT_AUTO, &back, &err));
	assert_inst_equal(in, back);
	sp_inst_free(back);

	/* Over an existing folder: a stale file is replaced. */
	sp_inst *small;
	OK(sp_inst_new(&small));
	OK(sp_inst_add_program(small, "only", 1, NULL));
	OK(sp_inst_write(small, dir, SP_FMT_AUTO, &err));
	assert_int_equal(count_entries(dir), SP__CSV_NFILES);
	OK(sp_inst_read(dir, SP_FMT_CSV, &back, &err));
	assert_inst_equal(small, back);
	sp_inst_free(back);
	sp_inst_free(small);

	/* Only programs.csv is required. */
	char path[640];
	snprintf(path, sizeof path, "%s/couples.csv", dir);
	assert_int_equal(remove(path), 0);
	OK(sp_inst_read(dir, SP_FMT_CSV, &back, &err));
	sp_inst_free(back);
	snprintf(path, sizeof path, "%s/programs.csv", dir);
	assert_int_equal(remove(path), 0);
	assert_int_equal(sp_inst_read(dir, SP_FMT_CSV, &back, &err), SP_EIO);
	assert_non_null(strstr(err.msg, "programs.csv: cannot open"));
	remove_folder(dir);

	/* Not a directory, or missing. */
	assert_int_equal(sp_inst_read(dir, SP_FMT_CSV, &back, &err), SP_EIO);
	assert_non_null(strstr(err.msg, "cannot open directory"));
	snprintf(path, sizeof path, "%s/file.csv", tmp);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(sp_inst_read(path, SP_FMT_AUTO, &back, &err), SP_EIO);
	assert_non_null(strstr(err.msg, "not a directory"));
	assert_int_equal(sp_inst_write(in, path, SP_FMT_CSV, &err), SP_EIO);
	assert_int_equal(remove(path), 0);
	assert_int_equal(sp_inst_write(in, "-", SP_FMT_CSV, &err), SP_EINVAL);
	assert_int_equal(rmdir(tmp), 0);
	sp_inst_free(in);
}

/* An instance from the rp reader (couple members between singles) comes
 * back from CSV with the same names, lists and couple order. */
static void test_roundtrip_renumbered(void **state)
{
	(void)state;
	const char *text = "p A 1 x m1\np B 2 m2 y\n"
	                   "r x A B\nc K m1 m2 A B -1 A\nr y B\n";
	sp_inst *in, *back;
	sp_err err;
	OK(sp_inst_read_mem(text, strlen(text), SP_FMT_RP, "t.rp", &in, &err));
	char tmp[400];
	assert_non_null(mkdtemp(tu_tmp(tmp, sizeof tmp, "sp-test-csv-XXXXXX")));
	OK(sp_inst_write(in, tmp, SP_FMT_CSV, &err));
	OK(sp_inst_read(tmp, SP_FMT_CSV, &back, &err));
	assert_string_equal(sp_inst_applicant_name(back, 1), "y");
	assert_int_equal(sp_inst_couple_of(back, 2), 0);
	size_t n;
	const int32_t *v = sp_inst_program_rol(back, 1, &n);
	assert_int_equal(n, 2);
	assert_string_equal(sp_inst_applicant_name(back, v[0]), "m2");
	assert_string_equal(sp_inst_applicant_name(back, v[1]), "y");
	sp_inst_free(back);
	sp_inst_free(in);
	remove_folder(tmp);
}

static void test_writer_refuses_dash(void **state)
{
	(void)state;
	sp_inst *in;
	int32_t p, a, b;
	OK(sp_inst_new(&in));
	OK(sp_inst_add_program(in, "-", 1, &p));
	OK(sp_inst_add_applicant(in, "a", &a));
	OK(sp_inst_add_applicant(in, "b", &b));
	int32_t pairs[] = {p, SP_NONE};
	OK(sp_inst_add_couple(in, "C", a, b, pairs, 1, NULL));
	sp_err err;
	assert_int_equal(
	    sp_inst_write(in, "/tmp/sp-never-made/", SP_FMT_AUTO, &err),
	    SP_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "named \"-\""));
	sp_inst_free(in);
}

/* ------------------------------------------------------------------ */
/* Matchings.                                                          */

static void test_matching_roundtrip(void **state)
{
	(void)state;
	sp_inst *in = rich_instance();
	sp_matching *m, *back;
	OK(sp_matching_new(in, &m));
	sp_matching_set(m, 0, 2);
	sp_matching_set_supplemental(m, 0, 4);
	sp_matching_set(m, 1, 1);
	sp_matching_set(m, 4, 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	OK(sp_matching_fwrite(in, m, SP_FMT_CSV, f));
	fclose(f);
	assert_string_equal(buf, "applicant,program,supplemental,capacity\n"
	                         "a0,ADV1,PRE1,\n"
	                         " a1 ,\"P, \"\"one\"\"\",,\n"
	                         "a2,,,\n"
	                         "a3,,,\n"
	                         "m1,P0,,\n"
	                         "m2,,,\n"
	                         "n1,,,\n"
	                         "n2,,,\n");
	/* Capacities after reversions travel as rows without an applicant. */
	{
		sp_matching *c, *cback;
		OK(sp_matching_new(in, &c));
		sp_matching_set_capacity(c, 0, 7);
		char *cbuf = NULL;
		size_t clen = 0;
		FILE *cf = open_memstream(&cbuf, &clen);
		OK(sp_matching_fwrite(in, c, SP_FMT_CSV, cf));
		fclose(cf);
		assert_non_null(strstr(cbuf, "\n,P0,,7\n"));
		sp_err cerr;
		OK(sp_matching_read_mem(in, cbuf, clen, SP_FMT_CSV, "c.csv",
		                        &cback, &cerr));
		assert_int_equal(sp_matching_capacity(cback, 0), 7);
		sp_matching_free(cback);
		sp_matching_free(c);
		free(cbuf);
	}
	sp_err err;
	OK(sp_matching_read_mem(in, buf, len, SP_FMT_AUTO, "m.csv", &back,
	                        &err));
	for (int32_t a = 0; a < sp_inst_napplicants(in); a++) {
		assert_int_equal(sp_matching_program(m, a),
		                 sp_matching_program(back, a));
		assert_int_equal(sp_matching_supplemental(m, a),
		                 sp_matching_supplemental(back, a));
	}
	sp_matching_free(back);
	/* Rows in any order; missing applicants are unmatched; the
	 * supplemental column is optional. */
	const char *text = "program,applicant\nP0,m2\n,a0\n";
	OK(sp_matching_read_mem(in, text, strlen(text), SP_FMT_CSV, "m.csv",
	                        &back, &err));
	assert_int_equal(sp_matching_program(back, 5), 0);
	assert_int_equal(sp_matching_program(back, 0), SP_NONE);
	sp_matching_free(back);
	free(buf);
	sp_matching_free(m);
	sp_inst_free(in);
}

static void test_matching_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		sp_status status;
		long line;
		const char *field, *msg;
	} cases[] = {
	    {"applicant,program\nzz,P0\n", SP_ENOTFOUND, 2, "applicant",
	     "unknown applicant \"zz\""},
	    {"applicant,program\na0,ZZ\n", SP_ENOTFOUND, 2, "program",
	     "unknown program \"ZZ\""},
	    {"applicant,program,supplemental\na0,P0,ZZ\n", SP_ENOTFOUND, 2,
	     "supplemental", "unknown program"},
	    {"applicant,program\na0,P0\na2,\na0,\n", SP_EDUP, 4, "applicant",
	     "appears twice (first on line 2)"},
	    {"applicant\na0\n", SP_EPARSE, 1, "program", "missing column"},
	    {"applicant,program,quota\n", SP_EPARSE, 1, "quota",
	     "unknown column"},
	    {"applicant,program,capacity\na0,P0,3\n", SP_EPARSE, 2, "capacity",
	     "belongs on a row without an applicant"},
	    {"applicant,program,capacity\n,P0,\n", SP_EPARSE, 2, "applicant",
	     "program and its capacity"},
	    {"applicant,program,capacity\n,P0,x\n", SP_EPARSE, 2, "capacity",
	     ""},
	};
	sp_inst *in = rich_instance();
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		sp_matching *m = (sp_matching *)1;
		sp_err err;
		sp_status s = sp_matching_read_mem(
		    in, cases[i].text, strlen(cases[i].text), SP_FMT_CSV,
		    "m.csv", &m, &err);
		if (s != cases[i].status || err.line != cases[i].line ||
		    strcmp(err.field, cases[i].field) != 0 ||
		    !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: got %d line %ld field '%s': %s", i,
			         s, err.line, err.field, err.msg);
		assert_null(m);
	}
	sp_inst_free(in);
}

/* ------------------------------------------------------------------ */
/* Allocation failures.                                                */

static void test_alloc_failures(void **state)
{
	(void)state;
	sp_inst *in = rich_instance();
	const char *mtext = "applicant,program,supplemental\na0,ADV1,PRE1\n";
	int done = 0;
	for (long n = 1; done != 2 && n < 10000; n++) {
		done = 0;
		sp_inst *back;
		sp_err err;
		sp_alloc_fail_after(n);
		sp_status s = read_folder(&example, &back, &err);
		sp_alloc_fail_after(0);
		if (s == SP_OK) {
			done++;
			sp_inst_free(back);
		} else {
			assert_int_equal(s, SP_ENOMEM);
			assert_null(back);
		}
		sp_matching *m;
		sp_alloc_fail_after(n);
		s = sp_matching_read_mem(in, mtext, strlen(mtext), SP_FMT_CSV,
		                         "m.csv", &m, &err);
		sp_alloc_fail_after(0);
		if (s == SP_OK) {
			done++;
			sp_matching_free(m);
		} else {
			assert_int_equal(s, SP_ENOMEM);
		}
	}
	assert_int_equal(done, 2);
	sp_inst_free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tokenizer_basic),
	    cmocka_unit_test(test_tokenizer_optional_columns),
	    cmocka_unit_test(test_tokenizer_errors),
	    cmocka_unit_test(test_tokenizer_nul_and_caps),
	    cmocka_unit_test(test_numbers_and_quote),
	    cmocka_unit_test(test_name_index),
	    cmocka_unit_test(test_read_example),
	    cmocka_unit_test(test_supplemental_lists_differ),
	    cmocka_unit_test(test_optional_files),
	    cmocka_unit_test(test_folder_errors),
	    cmocka_unit_test(test_roundtrip_dir),
	    cmocka_unit_test(test_roundtrip_renumbered),
	    cmocka_unit_test(test_writer_refuses_dash),
	    cmocka_unit_test(test_matching_roundtrip),
	    cmocka_unit_test(test_matching_errors),
	    cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

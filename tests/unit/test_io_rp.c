/*
 * test_io_rp.c — the rp format (io_rp.c) and the format dispatcher
 * (io.c): round trips, every error path with its line and field, the
 * caps, the matching reader and writer, files, and allocation failures.
 */
#include "testutil.h"

#include "io.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Helpers.                                                            */

static sp_inst *read_rp(const char *text)
{
	sp_inst *in = NULL;
	sp_err err;
	sp_status s =
	    sp_inst_read_mem(text, strlen(text), SP_FMT_RP, "t.rp", &in, &err);
	if (s)
		fail_msg("unexpected error: %s", err.msg);
	return in;
}

/* Writes `in` in rp into a new string (free); *status gets the result. */
static char *write_rp(const sp_inst *in, sp_status *status)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	*status = sp__io_rp_write(in, f);
	fclose(f);
	return buf;
}

/* An instance with every feature: tracks, an empty list, a couple with
 * unmatched partners, supplemental lists (one linked to two advanced
 * programs) and reversions. */
static sp_inst *rich_instance(void)
{
	sp_inst *in;
	OK(sp_inst_new(&in));
	const char *progs[] = {"P0", "P1", "ADV1", "ADV2", "PRE1", "PRE2"};
	int quota[] = {2, 1, 1, 1, 3, 2};
	for (int i = 0; i < 6; i++)
		OK(sp_inst_add_program(in, progs[i], quota[i], NULL));
	sp_inst_set_track(in, 2, SP_TRACK_ADVANCED);
	sp_inst_set_track(in, 3, SP_TRACK_ADVANCED);
	sp_inst_set_track(in, 4, SP_TRACK_PRELIMINARY);
	sp_inst_set_track(in, 5, SP_TRACK_RESERVED);
	const char *apps[] = {"a0", "a1", "a2", "m1", "m2", "a5"};
	for (int i = 0; i < 6; i++)
		OK(sp_inst_add_applicant(in, apps[i], NULL));
	int32_t l0[] = {2, 3, 0};
	OK(sp_inst_set_rol(in, 0, l0, 3));
	int32_t l1[] = {1, 0};
	OK(sp_inst_set_rol(in, 1, l1, 2));
	OK(sp_inst_set_rol(in, 2, NULL, 0));
	int32_t pairs[] = {0, 1, 1, SP_NONE, SP_NONE, 0};
	OK(sp_inst_add_couple(in, "C1", 3, 4, pairs, 3, NULL));
	int32_t l5[] = {0};
	OK(sp_inst_set_rol(in, 5, l5, 1));
	int32_t pr0[] = {0, 3, 1, 5, 4, 2}, pr1[] = {3, 1};
	OK(sp_inst_set_program_rol(in, 0, pr0, 6));
	OK(sp_inst_set_program_rol(in, 1, pr1, 2));
	int32_t pr4[] = {0};
	OK(sp_inst_set_program_rol(in, 4, pr4, 1));
	int32_t adv[] = {2, 3}, pre[] = {4, 5};
	OK(sp_inst_add_supplemental(in, 0, adv, 2, pre, 2));
	int32_t pre2[] = {5};
	OK(sp_inst_add_supplemental(in, 1, adv, 1, pre2, 1));
	OK(sp_inst_add_reversion(in, 0, 1, 1));
	OK(sp_inst_add_reversion(in, 4, 5, 2));
	return in;
}

/* ------------------------------------------------------------------ */
/* Reading.                                                            */

static void test_read_suite_format(void **state)
{
	(void)state;
	/* Applicants' lines before the programs', as the suite writes. */
	sp_inst *in = read_rp("# a comment\n"
	                      "r 1 10 11\r\n"
	                      "\n"
	                      "r 2\t11\n"
	                      "r 5\n"
	                      "c 0 3 4 10 11 11 -1 -1 10\n"
	                      "   \n"
	                      "p 10 1 1 3\n"
	                      "p 11 2 4 2 1\n");
	assert_int_equal(sp_inst_nprograms(in), 2);
	assert_int_equal(sp_inst_napplicants(in), 5);
	assert_int_equal(sp_inst_ncouples(in), 1);
	assert_string_equal(sp_inst_program_name(in, 0), "10");
	assert_int_equal(sp_inst_quota(in, 1), 2);
	size_t n;
	const int32_t *v = sp_inst_rol(in, 0, &n);
	assert_int_equal(n, 2);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], 1);
	sp_inst_rol(in, 2, &n);
	assert_int_equal(n, 0);
	assert_string_equal(sp_inst_applicant_name(in, 3), "3");
	assert_int_equal(sp_inst_couple_of(in, 3), 0);
	v = sp_inst_couple_rol(in, 0, &n);
	assert_int_equal(n, 3);
	assert_int_equal(v[3], SP_NONE);
	assert_int_equal(v[4], SP_NONE);
	v = sp_inst_program_rol(in, 1, &n);
	assert_int_equal(n, 3);
	assert_int_equal(v[0], 4);
	sp_inst_free(in);
}

static void test_read_extensions(void **state)
{
	(void)state;
	sp_inst *in = read_rp("\xEF\xBB\xBF"
	                      "s A 2 ADV1 ADV2 PRE\n"
	                      "t ADV1 advanced\n"
	                      "v PRE ADV1 1\n"
	                      "r A ADV1 ADV2\n"
	                      "p ADV1 1 A\n"
	                      "p ADV2 1\n"
	                      "p PRE 2 A\n");
	assert_int_equal(sp_inst_track(in, 0), SP_TRACK_ADVANCED);
	assert_int_equal(sp_inst_track(in, 1), SP_TRACK_CATEGORICAL);
	assert_int_equal(sp_inst_nsupplementals(in), 1);
	int32_t a;
	const int32_t *adv, *pre;
	size_t nadv, npre;
	sp_inst_supplemental(in, 0, &a, &adv, &nadv, &pre, &npre);
	assert_int_equal(nadv, 2);
	assert_int_equal(npre, 1);
	assert_int_equal(pre[0], 2);
	assert_int_equal(sp_inst_nreversions(in), 1);
	sp_inst_free(in);
}

static void test_roundtrip(void **state)
{
	(void)state;
	sp_inst *in = rich_instance();
	sp_status s;
	char *text = write_rp(in, &s);
	OK(s);
	sp_inst *back = read_rp(text);
	assert_inst_equal(in, back);
	char *again = write_rp(back, &s);
	OK(s);
	assert_string_equal(text, again);
	/* The couple line keeps its -1s. */
	assert_non_null(strstr(text, "c C1 m1 m2 P0 P1 P1 -1 -1 P0\n"));
	assert_non_null(strstr(text, "s a0 2 ADV1 ADV2 PRE1 PRE2\n"));
	assert_non_null(strstr(text, "t PRE2 reserved\n"));
	assert_non_null(strstr(text, "r a2\n"));
	free(text);
	free(again);
	sp_inst_free(back);
	sp_inst_free(in);
}

static void expect(const char *text, sp_status want, long line,
                   const char *field, const char *msg);

/* Names that share their first bytes resolve to the right ids (the
 * name index keeps only 8 bytes inline). */
static void test_similar_names(void **state)
{
	(void)state;
	sp_inst *in = read_rp("p ABCDEFG 1\np ABCDEFGH 1\np ABCDEFGHI 1\n"
	                      "p ABCDEFGHIJKLMNOPQ1 1\np ABCDEFGHIJKLMNOPQ2 1\n"
	                      "r a ABCDEFGHIJKLMNOPQ2 ABCDEFGHI ABCDEFG "
	                      "ABCDEFGH ABCDEFGHIJKLMNOPQ1\n");
	size_t n;
	const int32_t *v = sp_inst_rol(in, 0, &n);
	int32_t want[] = {4, 2, 0, 1, 3};
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i], want[i]);
	sp_inst_free(in);
	expect("p ABCDEFGH 1\nr a ABCDEFGHX\n", SP_ENOTFOUND, 2, "program",
	       "unknown program \"ABCDEFGHX\"");
	expect("p ABCDEFGH 1\nr a ABCDEFG\n", SP_ENOTFOUND, 2, "program",
	       "unknown program");
}

static void test_empty_input(void **state)
{
	(void)state;
	sp_inst *in = read_rp("");
	assert_int_equal(sp_inst_nprograms(in), 0);
	sp_inst_free(in);
	in = read_rp("# nothing\n\n");
	assert_int_equal(sp_inst_napplicants(in), 0);
	sp_inst_free(in);
}

/* ------------------------------------------------------------------ */
/* Errors.                                                             */

typedef struct {
	const char *text;
	sp_status status;
	long line;
	const char *field; /* "" for none */
	const char *msg;   /* a substring of the message */
} err_case;

static const err_case rp_errors[] = {
    {"x 1\n", SP_EPARSE, 1, "type", "unknown record type \"x\""},
    {"rr 1\n", SP_EPARSE, 1, "type", "unknown record type"},
    {"p\n", SP_EPARSE, 1, "program", "expected a program name"},
    {"p P\n", SP_EPARSE, 1, "quota", "expected a quota"},
    {"\n\np P x\n", SP_EPARSE, 3, "quota",
     "expected a non-negative integer, got \"x\""},
    {"p P -1\n", SP_EPARSE, 1, "quota", "non-negative integer"},
    {"p P 1x\n", SP_EPARSE, 1, "quota", "got \"1x\""},
    {"p P +1\n", SP_EPARSE, 1, "quota", "got \"+1\""},
    {"p P 100001\n", SP_ELIMIT, 1, "quota", "above the limit of 100000"},
    {"p P 99999999999999999999\n", SP_ELIMIT, 1, "quota", "limit"},
    {"p P 1\np P 2\n", SP_EDUP, 2, "program",
     "duplicate program \"P\" (first on line 1)"},
    {"r\n", SP_EPARSE, 1, "applicant", "expected an applicant name"},
    {"r a\nr a\n", SP_EDUP, 2, "applicant",
     "duplicate applicant \"a\" (first on line 1)"},
    {"r a\nc C a b\n", SP_EDUP, 2, "applicant",
     "duplicate applicant \"a\" (first on line 1)"},
    {"r a Q\n", SP_ENOTFOUND, 1, "program",
     "unknown program \"Q\" (no p line defines it)"},
    {"p P 1\nr a P P\n", SP_EDUP, 2, "program",
     "program \"P\" appears twice in the list (at 1 and 2)"},
    {"p P 1 zed\n", SP_ENOTFOUND, 1, "applicant", "unknown applicant \"zed\""},
    {"p P 1 a b a\nr a\nr b\n", SP_EDUP, 1, "applicant",
     "applicant \"a\" appears twice in the list (at 1 and 3)"},
    {"c\n", SP_EPARSE, 1, "couple", "expected a couple name"},
    {"c C a\n", SP_EPARSE, 1, "applicant", "two applicants"},
    {"c C a a\n", SP_EPARSE, 1, "applicant", "names applicant \"a\" twice"},
    {"p P 1\nc C a b P\n", SP_EPARSE, 2, "program", "odd number"},
    {"c C a b Q -1\n", SP_ENOTFOUND, 1, "program", "unknown program \"Q\""},
    {"p P 1\nc C a b P -1 -1 P P -1\n", SP_EDUP, 2, "program",
     "pair (\"P\", \"-1\") appears twice in the list (at 1 and 3)"},
    {"c C a b\nc C x y\n", SP_EDUP, 2, "couple",
     "duplicate couple \"C\" (first on line 1)"},
    {"s\n", SP_EPARSE, 1, "applicant", "expected an applicant name"},
    {"s a\n", SP_EPARSE, 1, "k", "number of advanced programs"},
    {"s a 1 P Q\n", SP_ENOTFOUND, 1, "applicant", "unknown applicant"},
    {"r a\ns a 0 P\n", SP_EPARSE, 2, "k", "positive integer"},
    {"p P 1\nr a\ns a 2 P\n", SP_EPARSE, 3, "advanced",
     "expected 2 advanced programs, got 1"},
    {"p P 1\nr a\ns a 1 P\n", SP_EPARSE, 3, "program",
     "expected PGY-1 programs"},
    {"p P 1\np Q 1\nr a\ns a 2 P P Q\n", SP_EDUP, 4, "advanced",
     "appears twice"},
    {"p P 1\np Q 1\nc C a b\ns a 1 P Q\n", SP_EINVAL, 4, "applicant",
     "is in a couple"},
    {"p P 1\np Q 1\nr a\ns a 1 P Q\ns a 1 P Q\n", SP_EDUP, 5, "advanced",
     "already linked"},
    {"v P\n", SP_EPARSE, 1, "receiver", "expected a receiver program"},
    {"p P 1\np Q 1\nv P Q\n", SP_EPARSE, 3, "count", "expected a count"},
    {"p P 1\np Q 1\nv P Q 1 2\n", SP_EPARSE, 3, "",
     "unexpected \"2\" at the end"},
    {"p P 1\nv P P 1\n", SP_EINVAL, 2, "receiver", "to itself"},
    {"p P 1\np Q 1\nv P Q 2\n", SP_EINVAL, 3, "count",
     "more than the quota 1 of donor \"P\""},
    {"p P 1\nv P Z 1\n", SP_ENOTFOUND, 2, "receiver", "unknown program \"Z\""},
    {"p P 1\nt P\n", SP_EPARSE, 2, "track", "expected a track"},
    {"p P 1\nt P weird\n", SP_EPARSE, 2, "track", "unknown track \"weird\""},
    {"p P 1\nt P advanced\nt P advanced\n", SP_EDUP, 3, "program",
     "already set on line 2"},
    {"p P 1\nt P advanced x\n", SP_EPARSE, 2, "", "unexpected \"x\""},
    {"r a\x01\x7f b\n", SP_ENOTFOUND, 1, "program", "unknown program \"b\""},
    {"r \"q\\ b\n", SP_ENOTFOUND, 1, "program", "unknown program \"b\""},
};

static void check_error(const err_case *c, sp_status s, const sp_err *err)
{
	if (s != c->status || err->line != c->line ||
	    strcmp(err->field, c->field) != 0 || !strstr(err->msg, c->msg))
		fail_msg("input %s\n  got status %d line %ld field '%s': %s\n"
		         "  want status %d line %ld field '%s': ...%s...",
		         c->text, s, err->line, err->field, err->msg, c->status,
		         c->line, c->field, c->msg);
}

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rp_errors / sizeof *rp_errors; i++) {
		const err_case *c = &rp_errors[i];
		sp_inst *in = (sp_inst *)1;
		sp_err err;
		sp_status s = sp_inst_read_mem(c->text, strlen(c->text),
		                               SP_FMT_RP, "t.rp", &in, &err);
		check_error(c, s, &err);
		assert_null(in);
		assert_string_equal(err.file, "t.rp");
		assert_true(strncmp(err.msg, "t.rp:", 5) == 0);
	}
}

static void test_error_message_format(void **state)
{
	(void)state;
	const char *text = "p P 1\n\n\n\n\n\n\n\n\n\n\np Q x\n";
	sp_inst *in;
	sp_err err;
	assert_int_equal(sp_inst_read_mem(text, strlen(text), SP_FMT_RP,
	                                  "inst.rp", &in, &err),
	                 SP_EPARSE);
	assert_string_equal(err.msg, "inst.rp:12: field 'quota': expected a "
	                             "non-negative integer, got \"x\"");
}

/* Every byte value inside a long token: the separators (space and
 * \t \n \v \f \r) split it, every other byte is part of the name.  The
 * token spans whole 8-byte words, so the word-at-a-time path runs. */
static void test_every_byte(void **state)
{
	(void)state;
	for (int b = 1; b < 256; b++) {
		char text[64];
		snprintf(text, sizeof text,
		         "p P 1\nr xxxxxxxxxxxxxx%cyyyyyyyyyyyyyyy\n", b);
		sp_inst *in;
		sp_err err;
		sp_status s = sp_inst_read_mem(text, strlen(text), SP_FMT_RP,
		                               "t.rp", &in, &err);
		bool sep = b == ' ' || (b >= 9 && b <= 13);
		if (b == '\n') {
			assert_int_equal(s, SP_EPARSE); /* "yyy..." as a type */
		} else if (sep) {
			assert_int_equal(s, SP_ENOTFOUND);
			assert_non_null(strstr(err.msg, "\"yyyyyyyyyyyyyyy\""));
		} else {
			OK(s);
			const char *name = sp_inst_applicant_name(in, 0);
			assert_int_equal(strlen(name), 30);
			assert_int_equal((unsigned char)name[14], b);
			sp_inst_free(in);
		}
	}
}

static void test_nul_byte(void **state)
{
	(void)state;
	const char text[] = "r a\nr b\0c\n";
	sp_inst *in;
	sp_err err;
	assert_int_equal(sp_inst_read_mem(text, sizeof text - 1, SP_FMT_RP,
	                                  "t.rp", &in, &err),
	                 SP_EPARSE);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "NUL byte"));
}

/* ------------------------------------------------------------------ */
/* Caps.                                                               */

/* A buffer of `n` copies of `unit` after `head` (free). */
static char *repeat(const char *head, const char *unit, size_t n,
                    const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + n * ul + tl + 1);
	assert_non_null(s);
	memcpy(s, head, hl);
	for (size_t i = 0; i < n; i++)
		memcpy(s + hl + i * ul, unit, ul);
	memcpy(s + hl + n * ul, tail, tl + 1);
	return s;
}

static void expect(const char *text, sp_status want, long line,
                   const char *field, const char *msg)
{
	sp_inst *in;
	sp_err err;
	sp_status s =
	    sp_inst_read_mem(text, strlen(text), SP_FMT_RP, "t.rp", &in, &err);
	err_case c = {"(generated)", want, line, field, msg};
	check_error(&c, s, &err);
}

static void test_caps(void **state)
{
	(void)state;
	/* A line of exactly SP_MAX_LINE bytes is fine; one more is not. */
	char *ok = repeat("r a", " ", SP_MAX_LINE - 3, "\r\n");
	sp_inst *in = read_rp(ok);
	sp_inst_free(in);
	free(ok);
	char *big = repeat("r a", " ", SP_MAX_LINE - 2, "\n");
	expect(big, SP_ELIMIT, 1, "", "longer than 65536 bytes");
	free(big);

	char name[SP_MAX_NAME + 2];
	memset(name, 'n', sizeof name - 1);
	name[SP_MAX_NAME + 1] = '\0';
	char text[512];
	snprintf(text, sizeof text, "p %s 1\n", name);
	expect(text, SP_ELIMIT, 1, "program", "longer than 128 bytes");
	snprintf(text, sizeof text, "r a %s\n", name);
	expect(text, SP_ELIMIT, 1, "program", "longer than 128 bytes");
	name[SP_MAX_NAME] = '\0';
	snprintf(text, sizeof text, "p %s 1\n", name);
	in = read_rp(text);
	sp_inst_free(in);

	/* SP_MAX_LIST programs on a line pass; one more does not. */
	char *list = repeat("p P 1\nr a", " P", SP_MAX_LIST + 1, "\n");
	expect(list, SP_ELIMIT, 2, "program", "limit is 4096");
	free(list);
	list = repeat("p P 1\nr a", " P", 3, "\n");
	expect(list, SP_EDUP, 2, "program",
	       "appears twice in the list (at 1 and 2)");
	free(list);

	/* The file cap is checked before the buffer is read. */
	sp_err err;
	assert_int_equal(sp_inst_read_mem("", (size_t)SP_MAX_FILE + 1,
	                                  SP_FMT_RP, "huge.rp", &in, &err),
	                 SP_ELIMIT);
}

static void test_max_list(void **state)
{
	(void)state;
	/* SP_MAX_LIST distinct programs, each named with 3 characters. */
	size_t n = SP_MAX_LIST;
	char *text = malloc(n * 16 + 64);
	assert_non_null(text);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(text + k, 16, "p %zx 1\n", i + 0x100);
	k += (size_t)snprintf(text + k, 8, "r a");
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(text + k, 16, " %zx", i + 0x100);
	snprintf(text + k, 4, "\n");
	sp_inst *in = read_rp(text);
	size_t len;
	sp_inst_rol(in, 0, &len);
	assert_int_equal(len, SP_MAX_LIST);
	sp_inst_free(in);
	free(text);
}

/* ------------------------------------------------------------------ */
/* Writers refuse what the format cannot hold.                         */

static void test_writer_refuses(void **state)
{
	(void)state;
	sp_inst *in;
	OK(sp_inst_new(&in));
	OK(sp_inst_add_program(in, "has space", 1, NULL));
	sp_status s;
	char *text = write_rp(in, &s);
	assert_int_equal(s, SP_EUNSUPPORTED);
	assert_string_equal(text, "");
	free(text);
	sp_inst_free(in);

	OK(sp_inst_new(&in));
	int32_t p, a, b;
	OK(sp_inst_add_program(in, "-1", 1, &p));
	OK(sp_inst_add_applicant(in, "a", &a));
	OK(sp_inst_add_applicant(in, "b", &b));
	int32_t pairs[] = {p, p};
	OK(sp_inst_add_couple(in, "C", a, b, pairs, 1, NULL));
	text = write_rp(in, &s);
	assert_int_equal(s, SP_EUNSUPPORTED);
	free(text);
	sp_inst_free(in);

	/* A program list whose line would pass SP_MAX_LINE. */
	OK(sp_inst_new(&in));
	OK(sp_inst_add_program(in, "P", 1, &p));
	size_t n = 6000;
	int32_t *ids = malloc(n * sizeof *ids);
	assert_non_null(ids);
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "applicant%06zu", i);
		OK(sp_inst_add_applicant(in, name, &ids[i]));
	}
	OK(sp_inst_set_program_rol(in, p, ids, n));
	text = write_rp(in, &s);
	assert_int_equal(s, SP_ELIMIT);
	free(text);
	sp_err err;
	char path[400];
	assert_non_null(
	    mkdtemp(tu_tmp(path, sizeof path, "sp-test-rp-XXXXXX")));
	char file[512];
	snprintf(file, sizeof file, "%s/x.rp", path);
	assert_int_equal(sp_inst_write(in, file, SP_FMT_AUTO, &err), SP_ELIMIT);
	assert_non_null(strstr(err.msg, "too long for the rp format"));
	/* Nothing is left behind. */
	assert_int_equal(rmdir(path), 0);
	free(ids);
	sp_inst_free(in);
}

/* ------------------------------------------------------------------ */
/* Matchings.                                                          */

static char *write_matching(const sp_inst *in, const sp_matching *m,
                            sp_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	OK(sp_matching_fwrite(in, m, fmt, f));
	fclose(f);
	return buf;
}

static void test_matching_roundtrip(void **state)
{
	(void)state;
	sp_inst *in = rich_instance();
	sp_matching *m;
	OK(sp_matching_new(in, &m));
	sp_matching_set(m, 0, 2);
	sp_matching_set_supplemental(m, 0, 4);
	sp_matching_set(m, 3, 0);
	sp_matching_set(m, 4, 1);
	sp_matching_set_capacity(m, 1, 2);
	sp_matching_set_capacity(m, 0, 1);
	char *text = write_matching(in, m, SP_FMT_RP);
	assert_string_equal(text, "m 1\n"
	                          "r a0 ADV1\n"
	                          "s a0 PRE1\n"
	                          "r m1 P0\n"
	                          "r m2 P1\n"
	                          "q P0 1\n"
	                          "q P1 2\n");
	sp_matching *back;
	sp_err err;
	OK(sp_matching_read_mem(in, text, strlen(text), SP_FMT_AUTO, "m.rp",
	                        &back, &err));
	for (int32_t a = 0; a < sp_inst_napplicants(in); a++) {
		assert_int_equal(sp_matching_program(m, a),
		                 sp_matching_program(back, a));
		assert_int_equal(sp_matching_supplemental(m, a),
		                 sp_matching_supplemental(back, a));
	}
	for (int32_t p = 0; p < sp_inst_nprograms(in); p++)
		assert_int_equal(sp_matching_capacity(m, p),
		                 sp_matching_capacity(back, p));
	assert_int_equal(sp_matching_stable(back), 1);
	sp_matching_free(back);
	free(text);

	const char *unstable = "# from matchrp\nm 0\nr a1 -1\nr a2 P0\n";
	OK(sp_matching_read_mem(in, unstable, strlen(unstable), SP_FMT_RP,
	                        "m.rp", &back, &err));
	assert_int_equal(sp_matching_stable(back), 0);
	assert_int_equal(sp_matching_program(back, 1), SP_NONE);
	assert_int_equal(sp_matching_program(back, 2), 0);
	char *again = write_matching(in, back, SP_FMT_AUTO);
	assert_string_equal(again, "m 0\nr a2 P0\n");
	free(again);
	sp_matching_free(back);
	sp_matching_free(m);
	sp_inst_free(in);
}

static const err_case matching_errors[] = {
    {"x a P0\n", SP_EPARSE, 1, "type", "expected m, r, s or q"},
    {"m\n", SP_EPARSE, 1, "stable", "expected 1"},
    {"m 2\n", SP_EPARSE, 1, "stable", "expected 1"},
    {"m yes\n", SP_EPARSE, 1, "stable", "got \"yes\""},
    {"m 1\nm 1\n", SP_EDUP, 2, "stable", "first on line 1"},
    {"m 1 2\n", SP_EPARSE, 1, "", "unexpected \"2\""},
    {"r a0\n", SP_EPARSE, 1, "program", "a program name or -1"},
    {"r\n", SP_EPARSE, 1, "applicant", "an applicant name"},
    {"r zz P0\n", SP_ENOTFOUND, 1, "applicant", "unknown applicant \"zz\""},
    {"r a0 ZZ\n", SP_ENOTFOUND, 1, "program", "unknown program \"ZZ\""},
    {"r a0 P0\n\nr a0 P1\n", SP_EDUP, 3, "applicant",
     "applicant \"a0\" is matched twice (first on line 1)"},
    {"s a0 PRE1\ns a0 PRE1\n", SP_EDUP, 2, "applicant", "matched twice"},
    {"r a0 P0 P1\n", SP_EPARSE, 1, "", "unexpected \"P1\""},
    {"q P0\n", SP_EPARSE, 1, "capacity", "expected a capacity"},
    {"q P0 -2\n", SP_EPARSE, 1, "capacity", "non-negative"},
    {"q ZZ 1\n", SP_ENOTFOUND, 1, "program", "unknown program"},
    {"q P0 1\nq P0 2\n", SP_EDUP, 2, "program", "already given on line 1"},
    {"q P0 1 1\n", SP_EPARSE, 1, "", "unexpected"},
};

static void test_matching_errors(void **state)
{
	(void)state;
	sp_inst *in = rich_instance();
	for (size_t i = 0; i < sizeof matching_errors / sizeof *matching_errors;
	     i++) {
		const err_case *c = &matching_errors[i];
		sp_matching *m = (sp_matching *)1;
		sp_err err;
		sp_status s = sp_matching_read_mem(in, c->text, strlen(c->text),
		                                   SP_FMT_RP, "m.rp", &m, &err);
		check_error(c, s, &err);
		assert_null(m);
	}
	sp_inst_free(in);
}

/* ------------------------------------------------------------------ */
/* Files and the dispatcher.                                           */

static void test_formats(void **state)
{
	(void)state;
	assert_int_equal(sp_format_parse("rp"), SP_FMT_RP);
	assert_int_equal(sp_format_parse("JSON"), SP_FMT_JSON);
	assert_int_equal(sp_format_parse("csv"), SP_FMT_CSV);
	assert_int_equal(sp_format_parse("xml"), SP_FMT_AUTO);
	assert_int_equal(sp_format_parse(NULL), SP_FMT_AUTO);
	assert_int_equal(sp_format_of_path("a/b.rp"), SP_FMT_RP);
	assert_int_equal(sp_format_of_path("b.RP"), SP_FMT_RP);
	assert_int_equal(sp_format_of_path("x.json"), SP_FMT_JSON);
	assert_int_equal(sp_format_of_path("m.csv"), SP_FMT_CSV);
	assert_int_equal(sp_format_of_path("/tmp"), SP_FMT_CSV);
	assert_int_equal(sp_format_of_path("new/"), SP_FMT_CSV);
	assert_int_equal(sp_format_of_path("a.d/file"), SP_FMT_AUTO);
	assert_int_equal(sp_format_of_path("-"), SP_FMT_AUTO);
}

static void test_files(void **state)
{
	(void)state;
	char dir[400];
	assert_non_null(mkdtemp(tu_tmp(dir, sizeof dir, "sp-test-rp-XXXXXX")));
	char path[512], other[512];
	snprintf(path, sizeof path, "%s/inst.rp", dir);
	snprintf(other, sizeof other, "%s/inst.txt", dir);
	sp_inst *in = rich_instance(), *back;
	sp_err err;
	OK(sp_inst_write(in, path, SP_FMT_AUTO, &err));
	OK(sp_inst_read(path, SP_FMT_AUTO, &back, &err));
	assert_inst_equal(in, back);
	sp_inst_free(back);
	/* An unknown extension: the reader sniffs, the writer asks. */
	assert_int_equal(rename(path, other), 0);
	OK(sp_inst_read(other, SP_FMT_AUTO, &back, &err));
	sp_inst_free(back);
	assert_int_equal(sp_inst_write(in, other, SP_FMT_AUTO, &err),
	                 SP_EINVAL);
	assert_non_null(strstr(err.msg, "cannot tell the format"));
	OK(sp_inst_write(in, other, SP_FMT_RP, &err));
	assert_int_equal(remove(other), 0);

	/* Missing files and directories. */
	assert_int_equal(sp_inst_read(path, SP_FMT_AUTO, &back, &err), SP_EIO);
	assert_null(back);
	assert_non_null(strstr(err.msg, "cannot open"));
	assert_int_equal(sp_inst_read(dir, SP_FMT_RP, &back, &err), SP_EIO);
	assert_non_null(strstr(err.msg, "is a directory"));

	/* An error inside a file names the path. */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("p P 1\nr a Q\n", f);
	fclose(f);
	assert_int_equal(sp_inst_read(path, SP_FMT_AUTO, &back, &err),
	                 SP_ENOTFOUND);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, 2);

	/* Matchings from files. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("m 1\nr a0 P0\n", f);
	fclose(f);
	sp_matching *m;
	OK(sp_matching_read(in, path, SP_FMT_AUTO, &m, &err));
	assert_int_equal(sp_matching_program(m, 0), 0);
	sp_matching_free(m);
	assert_int_equal(remove(path), 0);
	assert_int_equal(sp_matching_read(in, path, SP_FMT_AUTO, &m, &err),
	                 SP_EIO);
	assert_int_equal(rmdir(dir), 0);

	/* CSV cannot come from memory. */
	assert_int_equal(sp_inst_read_mem("x", 1, SP_FMT_CSV, "x", &back, &err),
	                 SP_EUNSUPPORTED);
	sp_inst_free(in);
}

/* ------------------------------------------------------------------ */
/* Allocation failures: every one gives SP_ENOMEM and leaks nothing
 * (the sanitizer build checks the leaks). */

static void test_alloc_failures(void **state)
{
	(void)state;
	sp_inst *in = rich_instance();
	sp_status s;
	char *text = write_rp(in, &s);
	OK(s);
	const char *mtext = "m 1\nr a0 ADV1\ns a0 PRE1\nq P0 1\n";
	int done = 0;
	for (long n = 1; done != 3 && n < 10000; n++) {
		done = 0;
		sp_inst *back;
		sp_err err;
		sp_alloc_fail_after(n);
		s = sp_inst_read_mem(text, strlen(text), SP_FMT_RP, "t.rp",
		                     &back, &err);
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
		s = sp_matching_read_mem(in, mtext, strlen(mtext), SP_FMT_RP,
		                         "m.rp", &m, &err);
		sp_alloc_fail_after(0);
		if (s == SP_OK) {
			done++;
			sp_matching_free(m);
		} else {
			assert_int_equal(s, SP_ENOMEM);
		}
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		sp_alloc_fail_after(n);
		s = sp__io_rp_write(in, f);
		sp_alloc_fail_after(0);
		fclose(f);
		free(buf);
		if (s == SP_OK)
			done++;
		else
			assert_int_equal(s, SP_ENOMEM);
	}
	assert_int_equal(done, 3);
	free(text);
	sp_inst_free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_suite_format),
	    cmocka_unit_test(test_read_extensions),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_similar_names),
	    cmocka_unit_test(test_empty_input),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_error_message_format),
	    cmocka_unit_test(test_every_byte),
	    cmocka_unit_test(test_nul_byte),
	    cmocka_unit_test(test_caps),
	    cmocka_unit_test(test_max_list),
	    cmocka_unit_test(test_writer_refuses),
	    cmocka_unit_test(test_matching_roundtrip),
	    cmocka_unit_test(test_matching_errors),
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_files),
	    cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

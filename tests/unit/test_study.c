/*
 * test_study.c — policy studies (src/study.c): the spec reader (every
 * lever; errors naming file, line and field), the levers on the catalog
 * and the model, a short sweep whose outcomes move the way the lever
 * says, and the writers (table, CSV, SVG).
 */
#include "testutil.h"

#include <math.h>

static sp_study *parse_ok(const char *js)
{
	sp_study *st = NULL;
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_status s = sp_study_parse(js, strlen(js), "spec.json", &st, &err);
	if (s)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(s, SP_OK);
	assert_non_null(st);
	return st;
}

/* The spec is refused with a message holding `want` (file:line and the
 * field). */
static void parse_bad(const char *js, const char *want)
{
	sp_study *st = NULL;
	sp_err err;
	memset(&err, 0, sizeof err);
	assert_int_not_equal(
	    sp_study_parse(js, strlen(js), "spec.json", &st, &err), SP_OK);
	assert_null(st);
	if (!strstr(err.msg, want))
		fprintf(stderr, "message: %s\nwanted: %s\n", err.msg, want);
	assert_non_null(strstr(err.msg, want));
}

static void test_parse(void **state)
{
	(void)state;
	sp_study *st = parse_ok("{\"vary\": \"signals\", \"specialty\": "
	                        "\"DERM\", \"tier\": \"silver\",\n"
	                        " \"values\": [0, 3, 6], \"trials\": 3, "
	                        "\"seed\": 9, \"simulate\": [\"DERM\"]}");
	assert_int_equal(sp_study_nvalues(st), 3);
	sp_sim_opts o = sp_sim_defaults();
	sp_study_sim_opts(st, &o);
	assert_int_equal(o.trials, 3);
	assert_int_equal((int)o.seed, 9);
	sp_study_free(st);
	st = parse_ok("{\"vary\": \"parameter\", \"parameter\": "
	              "\"interview_cap\", \"change\": \"add\", \"values\": "
	              "[-4, 0, 4]}");
	sp_study_free(st);
	sp_study_free(NULL);
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_bad("{\"values\": [1]}", "spec.json:1: field 'vary': missing");
	parse_bad("{\"vary\": \"signals\",\n\"values\": [1],\n\"trails\": 3}",
	          "spec.json:3: field 'trails': unknown field");
	parse_bad("{\"vary\": \"money\", \"values\": [1]}",
	          "spec.json:1: field 'vary'");
	parse_bad("{\"vary\": \"application_cap\",\n\"values\": [40, 0]}",
	          "spec.json:2: field 'values'");
	parse_bad("{\"vary\": \"signals\", \"values\": [1.5]}",
	          "field 'values': expected whole numbers");
	parse_bad("{\"vary\": \"application_cap\", \"values\": [40],\n"
	          "\"tier\": \"gold\"}",
	          "spec.json:2: field 'tier'");
	parse_bad("{\"vary\": \"positions\", \"values\": [1],\n"
	          "\"change\": \"add\"}",
	          "spec.json:2: field 'change'");
	parse_bad("{\"vary\": \"applicants\", \"values\": [1],\n"
	          "\"applicant_type\": \"dentist\"}",
	          "spec.json:2: field 'applicant_type'");
	parse_bad("{\"vary\": \"parameter\", \"values\": [1]}",
	          "field 'parameter': missing");
	parse_bad("{\"vary\": \"signals\", \"values\": []}",
	          "field 'values': expected 1 to 64 values");
	parse_bad("{\"vary\": \"signals\", \"values\": [1], \"trials\": 0}",
	          "field 'trials'");
	parse_bad("{\"vary\": \"signals\", \"values\": [1], \"simulate\": "
	          "[\"\"]}",
	          "field 'simulate'");
	parse_bad("{\"vary\": \"signals\", \"values\": [1]", "spec.json:1");
	parse_bad("[1]", "spec.json:1");
}

typedef struct {
	sp_specialty_info *specs;
	sp_program_info *progs;
	size_t ns, np;
} cat;

static cat builtin(void)
{
	cat c;
	sp_err err;
	OK(sp_catalog_synthetic(3, &c.specs, &c.ns, &c.progs, &c.np, &err));
	return c;
}

static void cat_free(cat *c)
{
	sp_free(c->specs);
	sp_free(c->progs);
}

static long positions_of(const cat *c, const char *code)
{
	long n = 0;
	for (size_t j = 0; j < c->np; j++)
		if (!code || !strcmp(c->progs[j].specialty, code))
			n += c->progs[j].positions;
	return n;
}

static void test_apply_catalog(void **state)
{
	(void)state;
	cat c = builtin();
	sp_err err;
	sp_study *st = parse_ok("{\"vary\": \"signals\", \"specialty\": "
	                        "\"DERM\", \"values\": [0, 7]}");
	OK(sp_study_apply_catalog(st, 1, c.specs, c.ns, c.progs, c.np, &err));
	int other = -1;
	for (size_t s = 0; s < c.ns; s++) {
		if (!strcmp(c.specs[s].code, "DERM"))
			assert_int_equal(c.specs[s].signals_gold, 7);
		else if (!strcmp(c.specs[s].code, "IM"))
			other = c.specs[s].signals_gold;
	}
	cat fresh = builtin();
	for (size_t s = 0; s < fresh.ns; s++)
		if (!strcmp(fresh.specs[s].code, "IM"))
			assert_int_equal(other, fresh.specs[s].signals_gold);
	assert_int_equal(
	    sp_study_apply_catalog(st, 2, c.specs, c.ns, c.progs, c.np, &err),
	    SP_EINVAL);
	sp_study_free(st);

	/* An unknown specialty: the spec's line and field. */
	st = parse_ok("{\"vary\": \"signals\",\n\"specialty\": \"NOPE\", "
	              "\"values\": [1]}");
	assert_int_equal(
	    sp_study_apply_catalog(st, 0, c.specs, c.ns, c.progs, c.np, &err),
	    SP_ENOTFOUND);
	assert_non_null(strstr(err.msg, "spec.json:2: field 'specialty'"));
	sp_study_free(st);

	/* Positions halved everywhere. */
	long before = positions_of(&c, NULL), derm = positions_of(&c, "DERM");
	st = parse_ok("{\"vary\": \"positions\", \"values\": [0.5]}");
	OK(sp_study_apply_catalog(st, 0, c.specs, c.ns, c.progs, c.np, &err));
	long after = positions_of(&c, NULL);
	assert_true(labs(after - before / 2) < (long)c.np / 2 + 1);
	assert_true(positions_of(&c, "DERM") <= derm / 2 + derm / 10 + 1);
	sp_study_free(st);
	cat_free(&c);
	cat_free(&fresh);
}

static sp_model *model_of(const cat *c)
{
	sp_model *m = NULL;
	sp_err err;
	OK(sp_model_new(c->specs, c->ns, c->progs, c->np, &m, &err));
	return m;
}

static void test_apply_model(void **state)
{
	(void)state;
	cat c = builtin();
	sp_model *m = model_of(&c);
	sp_err err;
	double v, md0, img0;
	OK(sp_model_param_get(m, "applicants_us_md", "", &md0));
	OK(sp_model_param_get(m, "applicants_us_img", "", &img0));
	sp_study *st = parse_ok("{\"vary\": \"applicants\", \"applicant_type\":"
	                        " \"us_img\", \"values\": [2]}");
	OK(sp_study_apply_model(st, 0, m, &err));
	OK(sp_model_param_get(m, "applicants_us_img", "", &v));
	assert_true(fabs(v - 2 * img0) < 1e-9);
	OK(sp_model_param_get(m, "applicants_us_md", "", &v));
	assert_true(fabs(v - md0) < 1e-9);
	sp_study_free(st);

	st = parse_ok("{\"vary\": \"application_cap\", \"values\": [40]}");
	OK(sp_study_apply_model(st, 0, m, &err));
	OK(sp_model_param_get(m, "application_cap", "", &v));
	assert_true(v == 40);
	sp_study_free(st);

	st = parse_ok("{\"vary\": \"parameter\", \"parameter\": "
	              "\"signal_gold\", \"specialty\": \"DERM\", \"change\": "
	              "\"scale\", \"values\": [2]}");
	double g0;
	OK(sp_model_param_get(m, "signal_gold", "DERM", &g0));
	OK(sp_study_apply_model(st, 0, m, &err));
	OK(sp_model_param_get(m, "signal_gold", "DERM", &v));
	assert_true(fabs(v - 2 * g0) < 1e-9);
	sp_study_free(st);

	st = parse_ok("{\"vary\": \"parameter\", \"parameter\": "
	              "\"no_such\", \"values\": [2]}");
	assert_int_equal(sp_study_apply_model(st, 0, m, &err), SP_ENOTFOUND);
	assert_non_null(strstr(err.msg, "field 'parameter'"));
	sp_study_free(st);

	st = parse_ok("{\"vary\": \"application_cap\", \"values\": [40],\n"
	              "\"simulate\": [\"DERM\", \"NOPE\"]}");
	assert_int_not_equal(sp_study_apply_model(st, 0, m, &err), SP_OK);
	assert_non_null(strstr(err.msg, "spec.json:2: field 'simulate'"));
	assert_non_null(strstr(err.msg, "NOPE"));
	sp_study_free(st);
	sp_model_free(m);
	cat_free(&c);
}

static char *written(const sp_study *st,
                     sp_status (*w)(const sp_study *, FILE *))
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	OK(w(st, f));
	fclose(f);
	return buf;
}

static int count(const char *s, const char *what)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, what)); p++)
		n++;
	return n;
}

/* A cap of 3 applications against none, on two small specialties: the
 * cap holds, and the writers carry both values. */
static void test_sweep(void **state)
{
	(void)state;
	cat c = builtin();
	sp_study *st = parse_ok(
	    "{\"title\": \"Cap <3> & none\", \"vary\": \"application_cap\", "
	    "\"values\": [3, 400], \"trials\": 2, \"seed\": 4, "
	    "\"simulate\": [\"DERM\", \"TS\"]}");
	sp_sim_summary sum[2];
	for (int k = 0; k < 2; k++) {
		sp_err err;
		sp_model *m = model_of(&c);
		OK(sp_study_apply_catalog(st, k, c.specs, c.ns, c.progs, c.np,
		                          &err));
		OK(sp_study_apply_model(st, k, m, &err));
		sp_sim_opts o = sp_sim_defaults();
		sp_study_sim_opts(st, &o);
		o.threads = 2;
		sp_sim_result *r = NULL;
		OK(sp_simulate(m, &o, &r, &err));
		OK(sp_study_record(st, k, r));
		sp_sim_result_summary(r, &sum[k]);
		sp_sim_result_free(r);
		sp_model_free(m);
	}
	assert_true(sum[0].applications_per_applicant <= 3 + 1e-9);
	assert_true(sum[1].applications_per_applicant > 10);
	assert_true(sum[0].applicants == sum[1].applicants);
	assert_true(sum[0].positions == sum[1].positions);
	assert_true(sum[0].unfilled > sum[1].unfilled);
	assert_true(sum[0].matched < sum[1].matched);
	assert_true(sum[0].unmatched > sum[1].unmatched);

	char *t = written(st, sp_study_write_table);
	assert_non_null(strstr(t, "Cap <3> & none"));
	assert_non_null(strstr(t, "DERM"));
	assert_non_null(strstr(t, "non_us_img"));
	free(t);
	char *csv = written(st, sp_study_write_csv);
	assert_true(strncmp(csv, "value,measure,group,estimate\n", 29) == 0);
	/* 12 measures a value, and one per family (DERM, TS). */
	assert_int_equal(count(csv, "\n"), 1 + 2 * (12 + 2));
	assert_non_null(strstr(csv, "\n3,matched_preferred,DERM,"));
	assert_non_null(strstr(csv, "\n400,unfilled,all,"));
	free(csv);
	char *svg = written(st, sp_study_write_svg);
	assert_true(strncmp(svg, "<svg ", 5) == 0);
	assert_non_null(strstr(svg, "</svg>\n"));
	assert_non_null(strstr(svg, "Cap &lt;3&gt; &amp; none"));
	assert_int_equal(count(svg, "<polyline"), 1 + SP_APPL_NTYPES);
	assert_int_equal(count(svg, "<circle"), 2 * (1 + SP_APPL_NTYPES));
	assert_null(strstr(svg, "nan"));
	free(svg);
	sp_study_free(st);
	cat_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_apply_catalog),
	    cmocka_unit_test(test_apply_model),
	    cmocka_unit_test(test_sweep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

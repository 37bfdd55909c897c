/*
 * test_advise.c — the advisor (advise.c): profiles refused field by
 * field, cohorts, the fee schedule, estimates that move the right way
 * (score, research, signal, home state), the correlation the latent
 * strength induces, estimates monotone in Step 2 at every program of four
 * specialties and the score screen, a backup that keeps the first choice,
 * the list's constraints (count, budget and target as caps, visa, refused
 * states), the interview cap, the report's JSON (single-tier signals),
 * determinism, and the statistics stored in and read back from the
 * catalog.
 */
#include "testutil.h"

#include "advise.h"
#include "json.h"
#include "market.h"

#include <math.h>

static sp_catalog *cat;
static sp_advisor *adv;
static sp_model *model; /* the built-in one, for profile checks */

static int setup(void **state)
{
	(void)state;
	sp_err err;
	if (sp_catalog_open(":memory:", 1, &cat, &err) ||
	    sp_catalog_init_synthetic(cat, 1, &err) ||
	    sp_advisor_prepare(cat, 2, 0, &err) ||
	    sp_advisor_open(cat, &adv, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	sp_specialty_info *specs;
	sp_program_info *progs;
	size_t ns, np;
	if (sp_catalog_synthetic(1, &specs, &ns, &progs, &np, &err) ||
	    sp_model_new(specs, ns, progs, np, &model, &err))
		return -1;
	sp_free(specs);
	sp_free(progs);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_advisor_free(adv);
	sp_catalog_close(cat);
	sp_model_free(model);
	return 0;
}

/* The report for a profile, as parsed JSON (free with sp__json_free). */
static sp__json_doc *report(const char *profile)
{
	char *out;
	size_t len;
	sp_err err;
	sp_status s = sp_recommend_json(adv, profile, strlen(profile), "t",
	                                &out, &len, &err);
	if (s)
		fprintf(stderr, "%s\n", err.msg);
	assert_int_equal(s, SP_OK);
	sp__json_doc *d;
	assert_int_equal(sp__json_parse(out, len, "report", NULL, &d, &err),
	                 SP_OK);
	sp_free(out);
	return d;
}

static double num(const sp__json *obj, const char *key)
{
	const sp__json *v = sp__json_get(obj, key);
	assert_non_null(v);
	assert_int_equal(v->type, SP__JSON_NUMBER);
	return v->u.num.d;
}

static const char *str(const sp__json *obj, const char *key)
{
	const sp__json *v = sp__json_get(obj, key);
	assert_non_null(v);
	assert_int_equal(v->type, SP__JSON_STRING);
	return v->u.str.s;
}

/* Index of the program with this code in the catalog order. */
static int32_t prog_index(const char *code)
{
	sp_program_info *p;
	size_t n;
	OK(sp_catalog_programs(cat, NULL, &p, &n, NULL));
	int32_t j = -1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(p[i].code, code))
			j = (int32_t)i;
	sp_free(p);
	assert_true(j >= 0);
	return j;
}

/* ------------------------------------------------------------------ */

static void expect_error(const char *profile, sp_status want, const char *field,
                         const char *text)
{
	sp_err err;
	memset(&err, 0, sizeof err);
	sp_status s = sp__advise_check_profile(model, profile, strlen(profile),
	                                       "p.json", &err);
	if (s != want || !strstr(err.msg, field) || !strstr(err.msg, text))
		fprintf(stderr, "profile %s\n  gave %d: %s\n", profile, s,
		        err.msg);
	assert_int_equal(s, want);
	assert_non_null(strstr(err.msg, "p.json:"));
	assert_non_null(strstr(err.msg, field));
	assert_non_null(strstr(err.msg, text));
}

static void test_profile_errors(void **state)
{
	(void)state;
	const char *ok = "{\"applicant_type\":\"us_md\",\"step2\":246,"
	                 "\"specialty\":\"Internal Medicine\"}";
	OK(sp__advise_check_profile(model, ok, strlen(ok), "p.json", NULL));
	expect_error("{\"step2\":246,\"specialty\":\"IM\"}", SP_EPARSE,
	             "applicant_type", "missing");
	expect_error("{\"applicant_type\":\"doctor\",\"step2\":246,"
	             "\"specialty\":\"IM\"}",
	             SP_EINVAL, "applicant_type", "us_md");
	expect_error("{\"applicant_type\":\"us_md\",\"step2\":400,"
	             "\"specialty\":\"IM\"}",
	             SP_EPARSE, "step2", "300");
	expect_error("{\"applicant_type\":\"us_md\",\"specialty\":\"IM\"}",
	             SP_EINVAL, "step2", "missing");
	expect_error("{\"applicant_type\":\"us_do\",\"step2\":240,"
	             "\"comlex2\":550,\"specialty\":\"IM\"}",
	             SP_EINVAL, "comlex2", "not both");
	expect_error("{\"applicant_type\":\"us_md\",\"step2\":246,"
	             "\"specialty\":\"Cardiology\"}",
	             SP_ENOTFOUND, "specialty", "Cardiology");
	expect_error("{\"applicant_type\":\"us_md\",\"step2\":246,"
	             "\"specialty\":\"IM\",\"home_state\":\"ZZ\"}",
	             SP_ENOTFOUND, "home_state", "ZZ");
	expect_error("{\"applicant_type\":\"us_md\",\"step2\":246,"
	             "\"specialty\":\"IM\",\"backups\":[\"IM\"]}",
	             SP_EDUP, "backups", "already");
	expect_error("{\"applicant_type\":\"us_md\",\"step2\":246,"
	             "\"specialty\":\"IM\",\"backups\":[\"FM\",\"PEDS\","
	             "\"PSYCH\"]}",
	             SP_ELIMIT, "backups", "at most");
	expect_error("{\"applicant_type\":\"us_md\",\"step2\":246,"
	             "\"specialty\":\"IM\",\"budget\":900,"
	             "\"applications\":20}",
	             SP_EINVAL, "budget", "at most one");
	expect_error("{\"applicant_type\":\"us_md\",\"step2\":246,"
	             "\"specialty\":\"IM\",\"target\":1.5}",
	             SP_EPARSE, "target", "0.999");
	expect_error("{\"applicant_type\":\"us_md\",\"step2\":246,"
	             "\"specialty\":\"IM\",\"settings_want\":[\"rural\"]}",
	             SP_EINVAL, "settings_want", "rural");
	expect_error("{\"applicant_type\":\"us_md\",\"step2\":246,"
	             "\"specialty\":\"IM\",\"regions_want\":[\"Mars\"]}",
	             SP_EINVAL, "regions_want", "census");
	expect_error("{\"applicant_type\":\"us_md\",\"step2\":246,"
	             "\"specialty\":\"IM\",\"signals\":{\"platinum\":1}}",
	             SP_EPARSE, "platinum", "unknown");
	expect_error("{\"applicant_type\":\"us_md\",\"step2\":246,"
	             "\"specialty\":\"IM\",\"colour\":\"blue\"}",
	             SP_EPARSE, "colour", "unknown");
	expect_error("[1,2]", SP_EPARSE, "profile", "object");
	expect_error("{\"applicant_type\":\"us_md\",", SP_EPARSE, "p.json", "");
	/* Names: family, code, row name; any case. */
	const char *alt[] = {"{\"applicant_type\":\"us_md\",\"step2\":246,"
	                     "\"specialty\":\"internal medicine\"}",
	                     "{\"applicant_type\":\"us_img\",\"step2\":246,"
	                     "\"specialty\":\"DR-A\"}",
	                     "{\"applicant_type\":\"us_do\",\"comlex2\":560,"
	                     "\"specialty\":\"Family Medicine\"}"};
	for (size_t i = 0; i < 3; i++)
		OK(sp__advise_check_profile(model, alt[i], strlen(alt[i]), "p",
		                            NULL));
}

static void test_cohort(void **state)
{
	(void)state;
	const char *csv = "id,applicant_type,specialty,step2,backups,"
	                  "needs_visa,signals_gold,budget\n"
	                  "ann,us_md,IM,246,Family Medicine;Pediatrics,no,"
	                  "3,900\n"
	                  "bo.b-2,non_us_img,Internal Medicine,238,,yes,,\n";
	sp_cohort *c;
	sp_err err;
	OK(sp_cohort_read(csv, strlen(csv), "c.csv", &c, &err));
	assert_int_equal(sp_cohort_size(c), 2);
	assert_string_equal(sp_cohort_id(c, 1), "bo.b-2");
	assert_string_equal(sp_cohort_where(c, 1), "c.csv:3");
	size_t len;
	const char *js = sp_cohort_profile(c, 0, &len);
	assert_string_equal(js, "{\"id\":\"ann\",\"applicant_type\":\"us_md\","
	                        "\"specialty\":\"IM\",\"step2\":246,"
	                        "\"needs_visa\":false,\"backups\":[\"Family "
	                        "Medicine\",\"Pediatrics\"],\"budget\":900,"
	                        "\"signals\":{\"gold\":3}}");
	for (size_t i = 0; i < 2; i++) {
		js = sp_cohort_profile(c, i, &len);
		OK(sp__advise_check_profile(model, js, len,
		                            sp_cohort_where(c, i), NULL));
	}
	sp_cohort_free(c);

	const struct {
		const char *csv, *text;
	} bad[] = {
	    {"id,applicant_type\nx,us_md\n", "specialty"},
	    {"id,applicant_type,specialty\n../x,us_md,IM\n", "ids are"},
	    {"id,applicant_type,specialty\na,us_md,IM\na,us_md,FM\n",
	     "repeats"},
	    {"id,applicant_type,specialty,step2\na,us_md,IM,high\n",
	     "expected a number"},
	    {"id,applicant_type,specialty,needs_visa\na,us_md,IM,maybe\n",
	     "yes or no"},
	    {"id,applicant_type,specialty,colour\na,us_md,IM,red\n", "colour"},
	    {"id,applicant_type,specialty\n", "no students"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(&err, 0, sizeof err);
		c = NULL;
		assert_int_not_equal(sp_cohort_read(bad[i].csv,
		                                    strlen(bad[i].csv), "c.csv",
		                                    &c, &err),
		                     SP_OK);
		assert_null(c);
		if (!strstr(err.msg, bad[i].text))
			fprintf(stderr, "%s\n", err.msg);
		assert_non_null(strstr(err.msg, bad[i].text));
		assert_non_null(strstr(err.msg, "c.csv"));
	}
	/* A row that is valid CSV but not a valid profile fails later,
	 * naming its line. */
	const char *later = "id,applicant_type,specialty,step2\n"
	                    "a,us_md,IM,999\n";
	OK(sp_cohort_read(later, strlen(later), "c.csv", &c, &err));
	js = sp_cohort_profile(c, 0, &len);
	assert_int_equal(sp__advise_check_profile(model, js, len,
	                                          sp_cohort_where(c, 0), &err),
	                 SP_EPARSE);
	assert_non_null(strstr(err.msg, "c.csv:2"));
	assert_non_null(strstr(err.msg, "step2"));
	sp_cohort_free(c);
}

static void test_fees(void **state)
{
	(void)state;
	/* ERAS 2026 (data/fees_eras.csv): $11 each to 30, $30 after. */
	assert_true(fabs(sp__advise_fee(adv, 0)) < 1e-9);
	assert_true(fabs(sp__advise_fee(adv, 1) - 11) < 1e-9);
	assert_true(fabs(sp__advise_fee(adv, 30) - 330) < 1e-9);
	assert_true(fabs(sp__advise_fee(adv, 31) - 360) < 1e-9);
	assert_true(fabs(sp__advise_fee(adv, 60) - 1230) < 1e-9);
}

static void probs(const char *profile, int32_t j, int tier, double *pi,
                  double *q)
{
	sp_err err;
	OK(sp__advise_probs(adv, profile, strlen(profile), j, tier, pi, q,
	                    &err));
	assert_true(*q <= *pi + 1e-12);
	assert_true(*pi >= 0 && *pi <= 1 && *q >= 0);
}

/* AOA (docs/profile.md): a member's unexplained strength is higher and
 * narrower, a non-member's a little lower; at every program the chances
 * order member >= not said >= not a member; a DO may not say. */
static void test_aoa(void **state)
{
	(void)state;
	sp_profile p;
	memset(&p, 0, sizeof p);
	double sh, sc;
	sp_model_strength_given(model, &p, &sh, &sc);
	assert_true(sh == 0 && sc == 1);
	p.aoa = 1;
	sp_model_strength_given(model, &p, &sh, &sc);
	assert_true(fabs(sh - 0.8996) < 1e-3 && fabs(sc - 0.8444) < 1e-3);
	p.aoa = -1;
	sp_model_strength_given(model, &p, &sh, &sc);
	assert_true(fabs(sh + 0.1799) < 1e-3 && fabs(sc - 0.9289) < 1e-3);
	static const char *const fmt =
	    "{\"applicant_type\":\"us_md\",\"step2\":240,"
	    "\"specialty\":\"IM\"%s}";
	char yes[160], no[160], unsaid[160];
	snprintf(yes, sizeof yes, fmt, ",\"aoa\":true");
	snprintf(no, sizeof no, fmt, ",\"aoa\":false");
	snprintf(unsaid, sizeof unsaid, fmt, "");
	sp_program_info *pr;
	size_t n;
	OK(sp_catalog_programs(cat, "IM", &pr, &n, NULL));
	int moved = 0;
	for (size_t i = 0; i < n; i += n / 10) {
		int32_t j = prog_index(pr[i].code);
		double iy, qy, iu, qu, in, qn;
		probs(yes, j, 0, &iy, &qy);
		probs(unsaid, j, 0, &iu, &qu);
		probs(no, j, 0, &in, &qn);
		assert_true(qy >= qu - 1e-12 && qu >= qn - 1e-12);
		assert_true(iy >= iu - 1e-12 && iu >= in - 1e-12);
		moved += qy > qu + 1e-6;
	}
	sp_free(pr);
	assert_true(moved > 0);
	sp_err err;
	const char *dox = "{\"applicant_type\":\"us_do\",\"comlex2\":550,"
	                  "\"specialty\":\"IM\",\"aoa\":true}";
	assert_int_equal(
	    sp__advise_check_profile(model, dox, strlen(dox), "p.json", &err),
	    SP_EINVAL);
	assert_non_null(strstr(err.msg, "aoa"));
}

static void test_estimates_move_right(void **state)
{
	(void)state;
	char buf[256];
	/* A selective program with signals, somewhere. */
	sp_program_info *p;
	size_t n;
	OK(sp_catalog_programs(cat, "IM", &p, &n, NULL));
	int checked = 0;
	for (size_t i = 0; i < n && checked < 12; i += n / 12) {
		int32_t j = prog_index(p[i].code);
		double lo_i, lo_q, hi_i, hi_q, r0, r0q, r1, r1q;
		snprintf(buf, sizeof buf,
		         "{\"applicant_type\":\"us_md\",\"step2\":235,"
		         "\"specialty\":\"IM\",\"home_state\":\"%s\"}",
		         strcmp(p[i].state, "AK") ? "AK" : "HI");
		probs(buf, j, 0, &lo_i, &lo_q);
		snprintf(buf, sizeof buf,
		         "{\"applicant_type\":\"us_md\",\"step2\":260,"
		         "\"specialty\":\"IM\",\"home_state\":\"%s\"}",
		         strcmp(p[i].state, "AK") ? "AK" : "HI");
		probs(buf, j, 0, &hi_i, &hi_q);
		assert_true(hi_i >= lo_i);
		assert_true(hi_q >= lo_q);
		/* Research. */
		probs("{\"applicant_type\":\"us_md\",\"step2\":240,"
		      "\"specialty\":\"IM\",\"research\":0}",
		      j, 0, &r0, &r0q);
		probs("{\"applicant_type\":\"us_md\",\"step2\":240,"
		      "\"specialty\":\"IM\",\"research\":20}",
		      j, 0, &r1, &r1q);
		assert_true(r1 >= r0);
		/* Home state: in state beats out of state. */
		double in_i, in_q, out_i, out_q;
		snprintf(buf, sizeof buf,
		         "{\"applicant_type\":\"us_md\",\"step2\":240,"
		         "\"specialty\":\"IM\",\"home_state\":\"%s\"}",
		         p[i].state);
		probs(buf, j, 0, &in_i, &in_q);
		snprintf(buf, sizeof buf,
		         "{\"applicant_type\":\"us_md\",\"step2\":240,"
		         "\"specialty\":\"IM\",\"home_state\":\"%s\"}",
		         strcmp(p[i].state, "AK") ? "AK" : "HI");
		probs(buf, j, 0, &out_i, &out_q);
		assert_true(in_i >= out_i);
		/* Signals: gold >= silver >= none (IM has both tiers). */
		if (p[i].accepts_signals) {
			double s0, s0q, s1, s1q, s2, s2q;
			const char *pr = "{\"applicant_type\":\"us_md\","
			                 "\"step2\":240,\"specialty\":\"IM\"}";
			probs(pr, j, 0, &s0, &s0q);
			probs(pr, j, 1, &s1, &s1q);
			probs(pr, j, 2, &s2, &s2q);
			assert_true(s2 >= s1 && s1 >= s0);
			assert_true(s2q >= s0q);
		}
		/* Strictly, somewhere in the middle of the range. */
		if (lo_i > 0.02 && hi_i < 0.98)
			assert_true(hi_i > lo_i);
		checked++;
	}
	sp_free(p);
	assert_true(checked >= 10);
}

/* Every program of four specialties (tiered and single-tier, one
 * advanced): P(interview) and P(match if applied), with no signal and
 * with a gold/single signal, never rise as Step 2 CK falls (190 to 290
 * by 5); and a program whose matched residents' median is 3 or more
 * SDs of the specialty's matched residents (35-45 points) above the
 * applicant never offers an unsignalled interview with a chance over
 * 50% (the score screen). */
static void test_monotone_in_score(void **state)
{
	(void)state;
	static const char *const specs[] = {"IM", "FM", "PSYCH", "DERM-A"};
	sp_program_info *all;
	size_t n;
	OK(sp_catalog_programs(cat, NULL, &all, &n, NULL));
	int programs = 0, far = 0;
	for (size_t k = 0; k < sizeof specs / sizeof *specs; k++) {
		for (size_t j = 0; j < n; j++) {
			if (strcmp(all[j].specialty, specs[k]))
				continue;
			programs++;
			for (int t = 0; t <= (all[j].accepts_signals ? 2 : 0);
			     t += 2) {
				double last_i = -1, last_q = -1;
				for (int s2 = 190; s2 <= 290; s2 += 5) {
					char buf[160];
					double pi, q;
					snprintf(
					    buf, sizeof buf,
					    "{\"applicant_type\":\"us_md\","
					    "\"step2\":%d,\"specialty\":\"%"
					    "s\"}",
					    s2, specs[k]);
					probs(buf, (int32_t)j, t, &pi, &q);
					assert_true(pi >= last_i - 1e-9);
					assert_true(q >= last_q - 1e-9);
					last_i = pi;
					last_q = q;
					int32_t f = adv->m->spec_fam
					                [adv->m->prog_spec[j]];
					if (t == 0 && all[j].step2_median > 0 &&
					    all[j].step2_median - s2 >=
					        3 * sp__peers_sd(adv, f)) {
						far++;
						assert_true(pi <= 0.5);
					}
				}
			}
		}
	}
	sp_free(all);
	assert_true(programs > 1000);
	assert_true(far > 100);
}

/* Preferences first: a backup never costs the first choice more than 2
 * points unless the profile trades (backup_weight), by default and
 * under a budget; the first choice's signals all stay on the list. */
static void test_backup_keeps_first_choice(void **state)
{
	(void)state;
	static const char *const base[] = {
	    "\"applicant_type\":\"us_md\",\"step2\":215,\"home_state\":\"OH\","
	    "\"specialty\":\"IM\"",
	    "\"applicant_type\":\"us_img\",\"step2\":228,\"specialty\":\"IM\","
	    "\"budget\":600",
	    "\"applicant_type\":\"us_do\",\"step2\":225,\"specialty\":"
	    "\"Psychiatry\""};
	for (size_t i = 0; i < sizeof base / sizeof *base; i++) {
		char alone[300], with[300];
		snprintf(alone, sizeof alone, "{%s}", base[i]);
		snprintf(with, sizeof with,
		         "{%s,\"backups\":[\"Family Medicine\"]}", base[i]);
		sp__json_doc *a = report(alone), *b = report(with);
		double pa = num(a->root, "p_match_first_choice");
		double pb = num(b->root, "p_match_first_choice");
		assert_true(pb >= pa - 0.02);
		assert_true(num(b->root, "p_match") >= pb - 1e-9);
		const sp__json *sa =
		    sp__json_at(sp__json_get(a->root, "signals"), 0);
		const sp__json *sb =
		    sp__json_at(sp__json_get(b->root, "signals"), 0);
		assert_int_equal((int)(num(sa, "gold") + num(sa, "silver")),
		                 (int)(num(sb, "gold") + num(sb, "silver")));
		sp__json_free(a);
		sp__json_free(b);
	}
}

static void test_visa_and_exclusions(void **state)
{
	(void)state;
	sp__json_doc *d = report(
	    "{\"applicant_type\":\"non_us_img\",\"step2\":245,\"specialty\":"
	    "\"IM\",\"needs_visa\":true,\"states_avoid\":[\"NY\",\"CA\"],"
	    "\"settings_avoid\":[\"community\"],\"applications\":40}");
	const sp__json *progs = sp__json_get(d->root, "programs");
	assert_true(sp__json_len(progs) > 0);
	sp_program_info *all;
	size_t n;
	OK(sp_catalog_programs(cat, NULL, &all, &n, NULL));
	for (size_t i = 0; i < sp__json_len(progs); i++) {
		const sp__json *p = sp__json_at(progs, i);
		assert_string_not_equal(str(p, "state"), "NY");
		assert_string_not_equal(str(p, "state"), "CA");
		assert_string_not_equal(str(p, "setting"), "community");
		int32_t id = (int32_t)num(p, "id");
		for (size_t k = 0; k < n; k++)
			if (all[k].id == id)
				assert_int_equal(all[k].sponsors_visa, 1);
	}
	sp_free(all);
	sp__json_free(d);
}

static void test_list_constraints(void **state)
{
	(void)state;
	/* Count: a cap; with a stop gain small enough, reached (the fees
	 * and the transcript, $80). */
	sp__json_doc *d = report("{\"applicant_type\":\"us_md\",\"step2\":240,"
	                         "\"specialty\":\"IM\",\"applications\":31,"
	                         "\"stop_gain\":0.00001}");
	assert_int_equal((int)num(d->root, "applications"), 31);
	assert_int_equal(sp__json_len(sp__json_get(d->root, "programs")), 31);
	assert_true(fabs(num(d->root, "cost") - 440) < 1e-9);
	sp__json_free(d);
	d = report("{\"applicant_type\":\"us_md\",\"step2\":262,"
	           "\"specialty\":\"IM\",\"applications\":200}");
	assert_true(num(d->root, "applications") < 200);
	assert_int_equal((int)num(d->root, "applications"),
	                 (int)num(d->root, "stop_at"));
	sp__json_free(d);
	/* Budget: the fees fit, and it is a cap, not a target. */
	d = report("{\"applicant_type\":\"us_md\",\"step2\":240,"
	           "\"specialty\":\"IM\",\"budget\":500,"
	           "\"stop_gain\":0.00001}");
	assert_true(num(d->root, "cost") <= 500);
	assert_true(num(d->root, "applications") >= 30);
	sp__json_free(d);
	d = report("{\"applicant_type\":\"us_md\",\"step2\":240,"
	           "\"specialty\":\"IM\",\"budget\":5000}");
	assert_true(num(d->root, "cost") < 2000);
	assert_int_equal((int)num(d->root, "applications"),
	                 (int)num(d->root, "stop_at"));
	sp__json_free(d);
	/* Target: the shortest list reaching it. */
	d = report("{\"applicant_type\":\"us_md\",\"step2\":250,"
	           "\"specialty\":\"IM\",\"target\":0.8}");
	double p = num(d->root, "p_match");
	const sp__json *curve = sp__json_get(d->root, "curve");
	size_t k = (size_t)num(d->root, "applications");
	if (num(sp__json_at(curve, sp__json_len(curve) - 1), "p_match") >= 0.8)
		assert_true(p >= 0.8 - 1e-6 || k < sp__json_len(curve));
	sp__json_free(d);
}

static void test_report_shape(void **state)
{
	(void)state;
	const char *pr = "{\"applicant_type\":\"us_md\",\"step2\":246,"
	                 "\"research\":4,\"home_state\":\"OH\",\"specialty\":"
	                 "\"Internal Medicine\",\"backups\":[\"Family "
	                 "Medicine\"],\"budget\":900}";
	sp__json_doc *d = report(pr);
	const sp__json *r = d->root;
	double p = num(r, "p_match"), lo = num(r, "p_match_low"),
	       hi = num(r, "p_match_high");
	assert_true(p >= 0 && p <= 1);
	assert_true(lo <= p + 1e-9 && p <= hi + 1e-9);
	assert_true(num(r, "p_match_preferred") <= p + 1e-9);
	assert_true(num(r, "cost") <= 900);
	const sp__json *progs = sp__json_get(r, "programs");
	size_t n = sp__json_len(progs);
	assert_int_equal((size_t)num(r, "applications"), n);
	double sum = 0, indep = 1;
	int gold = 0;
	for (size_t i = 0; i < n; i++) {
		const sp__json *x = sp__json_at(progs, i);
		const char *tier = str(x, "tier"), *sig = str(x, "signal");
		assert_true(!strcmp(tier, "reach") || !strcmp(tier, "target") ||
		            !strcmp(tier, "likely"));
		assert_true(!strcmp(sig, "gold") || !strcmp(sig, "silver") ||
		            !strcmp(sig, "signal") || !strcmp(sig, "none"));
		/* Family Medicine is single-tier: never "gold". */
		if (!strcmp(str(x, "specialty"), "Family Medicine"))
			assert_true(strcmp(sig, "gold") &&
			            strcmp(sig, "silver"));
		gold += !strcmp(sig, "gold") &&
		        !strcmp(str(x, "specialty"), "Internal Medicine");
		double pi = num(x, "p_interview"), pm = num(x, "p_match");
		assert_true(pi >= 0 && pi <= 1 && pm >= 0 && pm <= 1);
		assert_true(num(x, "p_match_if_interviewed") <= 1 + 1e-9);
		assert_true(sp__json_len(sp__json_get(x, "reasons")) >= 1);
		assert_non_null(sp__json_get(x, "name"));
		sum += pm;
		indep *= 1 - num(x, "p_match_if_applied");
	}
	/* P(match there) sums to P(match). */
	assert_true(fabs(sum - p) < 1e-3);
	/* One latent strength: correlated decisions match less often than
	 * independent coins with the same marginals would. */
	assert_true(p <= 1 - indep + 1e-9);
	/* Internal Medicine's allotment is used (3 gold in 2025). */
	const sp__json *sig = sp__json_get(r, "signals");
	assert_true(sp__json_len(sig) == 2);
	assert_int_equal(gold, (int)num(sp__json_at(sig, 0), "gold_available"));
	assert_true(sp__json_get(sp__json_at(sig, 0), "tiered")->type ==
	            SP__JSON_TRUE);
	assert_true(sp__json_get(sp__json_at(sig, 1), "tiered")->type ==
	            SP__JSON_FALSE);
	/* The curve: cost rises, P(match) rises. */
	const sp__json *curve = sp__json_get(r, "curve");
	for (size_t i = 1; i < sp__json_len(curve); i++) {
		assert_true(num(sp__json_at(curve, i), "cost") >=
		            num(sp__json_at(curve, i - 1), "cost"));
		assert_true(num(sp__json_at(curve, i), "p_match") >=
		            num(sp__json_at(curve, i - 1), "p_match") - 1e-9);
	}
	sp__json_free(d);
	/* Deterministic. */
	char *a, *b;
	size_t la, lb;
	OK(sp_recommend_json(adv, pr, strlen(pr), "t", &a, &la, NULL));
	OK(sp_recommend_json(adv, pr, strlen(pr), "t", &b, &lb, NULL));
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	sp_free(a);
	sp_free(b);
}

static void test_stronger_matches_more(void **state)
{
	(void)state;
	double last = -1;
	for (int s2 = 220; s2 <= 270; s2 += 10) {
		char buf[160];
		snprintf(buf, sizeof buf,
		         "{\"applicant_type\":\"us_md\",\"step2\":%d,"
		         "\"specialty\":\"IM\",\"applications\":25}",
		         s2);
		sp__json_doc *d = report(buf);
		double p = num(d->root, "p_match");
		assert_true(p >= last - 1e-3);
		last = p;
		sp__json_free(d);
	}
}

/* The interview cap: an applicant with a long list is offered
 * more interviews than it can attend (16); the report counts only those
 * within the cap, so the expected interviews stay under it while the
 * listed interview chances sum well past it, and P(match) is still the
 * sum of the programs' P(match there). */
static void test_interview_cap(void **state)
{
	(void)state;
	sp__json_doc *d = report("{\"applicant_type\":\"us_md\",\"step2\":240,"
	                         "\"research\":2,\"specialty\":\"IM\","
	                         "\"applications\":70,\"stop_gain\":0.00001}");
	const sp__json *r = d->root;
	const sp__json *progs = sp__json_get(r, "programs");
	double offered = 0, sum = 0;
	for (size_t i = 0; i < sp__json_len(progs); i++) {
		offered += num(sp__json_at(progs, i), "p_interview");
		sum += num(sp__json_at(progs, i), "p_match");
	}
	double iv = num(r, "interviews_expected");
	assert_true(offered > 20);
	assert_true(iv > 8 && iv <= 16 + 0.05);
	assert_true(fabs(sum - num(r, "p_match")) < 2e-3);
	sp__json_free(d);
}

/* The interval over what the profile does not tell: P(match) at the
 * 10th and 90th percentiles of the unexplained strength brackets the
 * estimate, and is wide for an applicant whose chances are not settled
 * by the profile (a non-US IMG needing a visa), for the list anywhere
 * and in the first choice alike. */
static void test_unknown_interval(void **state)
{
	(void)state;
	sp__json_doc *d =
	    report("{\"applicant_type\":\"non_us_img\",\"step2\":232,"
	           "\"needs_visa\":true,\"specialty\":\"IM\","
	           "\"applications\":30}");
	const sp__json *r = d->root;
	double p = num(r, "p_match"), lo = num(r, "p_match_p10"),
	       hi = num(r, "p_match_p90");
	assert_true(lo <= p + 1e-9 && p <= hi + 1e-9);
	assert_true(hi - lo > 0.1);
	double f = num(r, "p_match_first_choice"),
	       flo = num(r, "p_match_first_choice_p10"),
	       fhi = num(r, "p_match_first_choice_p90");
	assert_true(flo <= f + 1e-9 && f <= fhi + 1e-9);
	sp__json_free(d);
}

/* A probability strictly between 0 and 1 is written strictly between
 * (the page then shows ">99%" as the table does); 0, 1 and the rest are
 * left alone. */
static void test_prob_kept(void **state)
{
	(void)state;
	assert_true(fabs(sp__report_prob_kept(0.99996, 4) - 0.9999) < 1e-12);
	assert_true(fabs(sp__report_prob_kept(0.00001, 4) - 0.0001) < 1e-12);
	assert_true(sp__report_prob_kept(1, 4) == 1);
	assert_true(sp__report_prob_kept(0, 4) == 0);
	assert_true(sp__report_prob_kept(0.5, 4) == 0.5);
}

/* The shrinkage of the shares of binding seasons follows the row's
 * own spread: programs that all fill about as often share their
 * evidence (8 pseudo-seasons), a row of mostly always-filling programs
 * with a few that rarely fill keeps each one's record (few). */
static double weight_of(const double *p, int n, double t)
{
	double s1 = 0, s2 = 0, sb = 0;
	for (int i = 0; i < n; i++) {
		s1 += p[i];
		s2 += p[i] * p[i];
		sb += p[i] * (1 - p[i]);
	}
	return sp__shrink_weight(s1, s2, sb, n, t);
}

static void test_shrink_weight(void **state)
{
	(void)state;
	double mixed[40], alike[40];
	for (int i = 0; i < 40; i++) {
		mixed[i] = i % 10 ? 1.0 : 0.25;           /* 16 or 4 of 16 */
		alike[i] = i % 4 ? 15.0 / 16 : 14.0 / 16; /* noise only */
	}
	double km = weight_of(mixed, 40, 16), ka = weight_of(alike, 40, 16);
	assert_true(km >= 0.5 && km < 1);
	assert_true(ka == 8);
	/* A program that filled 16 of 16 seasons in the mixed row keeps a
	 * share above 0.99 (a fixed 8 pseudo-seasons gave 0.975). */
	assert_true((16 + km * 0.925) / (16 + km) > 0.99);
	assert_true(weight_of(mixed, 1, 16) == 8); /* one program: no spread */
	double ones[3] = {1, 1, 1};
	assert_true(weight_of(ones, 3, 16) == 8);
}

static void test_stats_reused(void **state)
{
	(void)state;
	/* A second advisor reads the stored statistics: same report. */
	sp_advisor *b;
	OK(sp_advisor_open(cat, &b, NULL));
	const char *pr = "{\"applicant_type\":\"us_do\",\"comlex2\":560,"
	                 "\"specialty\":\"FM\",\"applications\":20}";
	char *x, *y;
	size_t lx, ly;
	OK(sp_recommend_json(adv, pr, strlen(pr), "t", &x, &lx, NULL));
	OK(sp_recommend_json(b, pr, strlen(pr), "t", &y, &ly, NULL));
	assert_int_equal(lx, ly);
	assert_memory_equal(x, y, lx);
	sp_free(x);
	sp_free(y);
	sp_advisor_free(b);
	sp_advisor_free(NULL);
	sp_advice_free(NULL);
}

static void test_alloc_failures(void **state)
{
	(void)state;
	const char *pr = "{\"applicant_type\":\"us_md\",\"step2\":246,"
	                 "\"specialty\":\"IM\",\"backups\":[\"FM\"]}";
	int failed = 0;
	for (long n = 1; n < 400; n += 7) {
		sp_advice *r = NULL;
		sp_err err;
		sp_alloc_fail_after(n);
		sp_status s = sp_recommend(adv, pr, strlen(pr), "t", &r, &err);
		sp_alloc_fail_after(0);
		if (s) {
			assert_int_equal(s, SP_ENOMEM);
			assert_null(r);
			failed++;
		}
		sp_advice_free(r);
	}
	assert_true(failed > 0);
}

/* The report's percentages never say "100%" or "0%", at either
 * precision, for what is neither certain nor impossible (the page's
 * pct() rounds the same way). */
static void test_report_pct(void **state)
{
	(void)state;
	char b[16];
	assert_string_equal(sp__report_pct(b, sizeof b, 0.9996), ">99%");
	assert_string_equal(sp__report_pct(b, sizeof b, 1.0), "100%");
	assert_string_equal(sp__report_pct(b, sizeof b, 0.004), "<1%");
	assert_string_equal(sp__report_pct(b, sizeof b, 0.0), "0%");
	assert_string_equal(sp__report_pct(b, sizeof b, 0.734), "73%");
	assert_string_equal(sp__report_pct1(b, sizeof b, 0.9996), ">99.9%");
	assert_string_equal(sp__report_pct1(b, sizeof b, 0.9989), "99.9%");
	assert_string_equal(sp__report_pct1(b, sizeof b, 1.0), "100.0%");
	assert_string_equal(sp__report_pct1(b, sizeof b, 0.0004), "<0.1%");
	assert_string_equal(sp__report_pct1(b, sizeof b, 0.0), "0.0%");
	assert_string_equal(sp__report_pct1(b, sizeof b, NAN), "-");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_profile_errors),
	    cmocka_unit_test(test_cohort),
	    cmocka_unit_test(test_fees),
	    cmocka_unit_test(test_estimates_move_right),
	    cmocka_unit_test(test_aoa),
	    cmocka_unit_test(test_monotone_in_score),
	    cmocka_unit_test(test_backup_keeps_first_choice),
	    cmocka_unit_test(test_visa_and_exclusions),
	    cmocka_unit_test(test_list_constraints),
	    cmocka_unit_test(test_report_shape),
	    cmocka_unit_test(test_stronger_matches_more),
	    cmocka_unit_test(test_interview_cap),
	    cmocka_unit_test(test_unknown_interval),
	    cmocka_unit_test(test_prob_kept),
	    cmocka_unit_test(test_shrink_weight),
	    cmocka_unit_test(test_stats_reused),
	    cmocka_unit_test(test_alloc_failures),
	    cmocka_unit_test(test_report_pct),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_market.c — the market model (src/market.c): the built-in
 * catalog, parameters by name, the interview score, and one trial's
 * conservation laws: no program over quota, every match at a program
 * that interviewed the applicant, a stable matching.
 */
#include "testutil.h"

#include "market.h"

#include <math.h>

static const char *const small[] = {"DERM", "TS", "VS", "PLAS", "TY"};

static sp_model *builtin_model(void)
{
	sp_specialty_info *specs;
	sp_program_info *progs;
	size_t ns, np;
	sp_err err;
	OK(sp_catalog_synthetic(7, &specs, &ns, &progs, &np, &err));
	sp_model *m = NULL;
	OK(sp_model_new(specs, ns, progs, np, &m, &err));
	sp_free(specs);
	sp_free(progs);
	return m;
}

static void test_builtin_catalog(void **state)
{
	(void)state;
	sp_specialty_info *specs;
	sp_program_info *progs;
	size_t ns, np;
	sp_err err;
	OK(sp_catalog_synthetic(7, &specs, &ns, &progs, &np, &err));
	long pos = 0, rowpos = 0;
	for (size_t j = 0; j < np; j++) {
		assert_true(progs[j].positions >= 1);
		pos += progs[j].positions;
	}
	for (size_t s = 0; s < ns; s++)
		rowpos += specs[s].positions;
	assert_int_equal(pos, rowpos);
	/* The published national total (S7): 43,237 positions. */
	assert_int_equal(pos, 43237);
	sp_free(specs);
	sp_free(progs);
}

static void test_params(void **state)
{
	(void)state;
	sp_model *m = builtin_model();
	double v;
	OK(sp_model_param_get(m, "applicants_us_md", "", &v));
	assert_true(fabs(v - 20368) < 1e-9);
	OK(sp_model_param_set(m, "demand", "IM", 0.25));
	OK(sp_model_param_get(m, "demand", "IM", &v));
	assert_true(fabs(v - 0.25) < 1e-12);
	/* Any row's code names its family. */
	OK(sp_model_param_get(m, "demand", "IMPRIM", &v));
	assert_true(fabs(v - 0.25) < 1e-12);
	assert_int_equal(sp_model_param_set(m, "no_such", "", 1), SP_ENOTFOUND);
	assert_int_equal(sp_model_param_set(m, "demand", "NOPE", 1),
	                 SP_ENOTFOUND);
	size_t n = sp_model_nparams(m), fitted = 0;
	for (size_t k = 0; k < n; k++) {
		const char *name, *spec, *st;
		sp_model_param_at(m, k, &name, &spec, &v, &st);
		fitted += !strcmp(st, "fitted");
		assert_true(isfinite(v));
	}
	assert_true(fitted > 10);
	const char csv[] = "name,specialty,value,source\n"
	                   "strength_us_do,,-0.5,test\n"
	                   "bogus,,1,test\n";
	size_t skipped;
	sp_err err;
	OK(sp_model_params_load_csv(m, csv, sizeof csv - 1, "t.csv", &skipped,
	                            &err));
	assert_int_equal(skipped, 1);
	OK(sp_model_param_get(m, "strength_us_do", NULL, &v));
	assert_true(fabs(v + 0.5) < 1e-12);
	sp_model_free(m);
	sp_model_free(NULL);
}

static void test_interview_score(void **state)
{
	(void)state;
	sp_model *m = builtin_model();
	sp_profile p = {SP_APPL_US_MD, 250, 3, "CA", 0, 0};
	double m0, m1, m2, sd;
	int32_t j = m->sp_prog[m->sp_off[0]]; /* a program of row 0 */
	assert_true(sp_model_interview_score(m, j, &p, 0, 0, &m0, &sd));
	assert_true(sp_model_interview_score(m, j, &p, 0, 1, &m1, &sd));
	assert_true(sp_model_interview_score(m, j, &p, 0, 2, &m2, &sd));
	assert_true(m2 >= m1 && m1 >= m0);
	assert_true(sd > 0);
	double hi;
	p.step2 = 265;
	assert_true(sp_model_interview_score(m, j, &p, 0, 0, &hi, &sd));
	assert_true(hi > m0);
	/* The in-state bonus: global plus the program's family's offset,
	 * applied in state only, and only at that family's programs. */
	int32_t fam = m->pfam[j], other = -1;
	for (int32_t k = 0; k < m->np && other < 0; k++)
		if (m->pfam[k] != fam && m->progs[k].positions > 0)
			other = k;
	assert_true(other >= 0);
	sp_profile in = p, out = p;
	snprintf(in.state, sizeof in.state, "%s", m->progs[j].state);
	snprintf(out.state, sizeof out.state, "%s",
	         strcmp(m->progs[j].state, "AK") ? "AK" : "HI");
	double a0, a1, b0, b1, c0, c1;
	assert_true(sp_model_interview_score(m, j, &in, 0, 0, &a0, &sd));
	assert_true(sp_model_interview_score(m, j, &out, 0, 0, &b0, &sd));
	snprintf(in.state, sizeof in.state, "%s", m->progs[other].state);
	assert_true(sp_model_interview_score(m, other, &in, 0, 0, &c0, &sd));
	m->fp[SP__F_I_STATE_F * m->nf + fam] += 0.7;
	assert_true(sp_model_interview_score(m, other, &in, 0, 0, &c1, &sd));
	snprintf(in.state, sizeof in.state, "%s", m->progs[j].state);
	assert_true(sp_model_interview_score(m, j, &in, 0, 0, &a1, &sd));
	assert_true(sp_model_interview_score(m, j, &out, 0, 0, &b1, &sd));
	assert_true(fabs(a1 - a0 - 0.7) < 1e-9);
	assert_true(b1 == b0 && c1 == c0);
	m->fp[SP__F_I_STATE_F * m->nf + fam] -= 0.7;
	/* Visa: only at sponsoring programs. */
	p.needs_visa = 1;
	p.type = SP_APPL_NON_US_IMG;
	for (int32_t k = 0; k < m->np; k++)
		if (!m->progs[k].sponsors_visa) {
			assert_false(
			    sp_model_interview_score(m, k, &p, 0, 0, &m0, &sd));
			break;
		}
	sp_model_free(m);
}

static void test_trial_conservation(void **state)
{
	(void)state;
	sp_model *m = builtin_model();
	sp_err err;
	OK(sp_model_select(m, small, sizeof small / sizeof *small, &err));
	sp__trial t;
	sp__trial_init(&t);
	for (uint64_t trial = 0; trial < 3; trial++) {
		OK(sp__trial_run(&t, m, 42, trial, NULL, &err));
		assert_true(t.ap.n > 100);
		/* No program over quota. */
		for (int32_t j = 0; j < m->np; j++)
			assert_true(t.filled[j] <= m->progs[j].positions);
		/* Every match at a program that interviewed the applicant. */
		long matched = 0;
		for (size_t i = 0; i < t.ap.n; i++) {
			const sp__appl *a = &t.ap.v[i];
			int32_t want[2] = {a->matched, a->supp};
			for (int w = 0; w < 2; w++) {
				if (want[w] == SP_NONE)
					continue;
				matched++;
				bool found = false;
				for (int32_t k = 0; k < a->app_n; k++) {
					const sp__app *p =
					    &t.apps.v[a->app_off + k];
					found |= p->prog == want[w] &&
					         p->status == SP__APP_ACCEPTED;
				}
				assert_true(found);
			}
			assert_true(a->ninterviews <= (int)m->g[SP__G_I_CAP]);
		}
		assert_true(matched > 0);
		/* The engine's matching is stable (verified). */
		if (t.stable) {
			sp_report *rep = NULL;
			OK(sp_verify(t.in, t.mt, &rep));
			assert_int_equal(sp_report_count(rep), 0);
			sp_report_free(rep);
		}
		/* Programs never interview past their slots plus re-offers. */
		for (int32_t j = 0; j < m->np; j++) {
			long iv = 0;
			for (int32_t k = 0; k < t.p_n[j]; k++)
				iv++;
			assert_true(
			    iv <= 2L * (long)lround(m->progs[j].positions *
			                            m->g[SP__G_SLOTS_PER_POS]) +
			              1);
		}
	}
	sp__trial_free(&t);
	sp_model_free(m);
}

/* Non-US IMGs prefer the families of the cited counts (S26,
 * data/img_preferred_2026.csv) in the cited shares, whatever the
 * self-selection by strength: stronger ones still lean to the
 * competitive families (Dermatology over Family Medicine), and no one
 * prefers a family without a count (the preliminary years). */
static void test_img_preferred(void **state)
{
	(void)state;
	sp_model *m = builtin_model();
	sp_err err;
	assert_true(m->img_pref);
	double tot = 0;
	for (int32_t f = 0; f < m->nf; f++)
		tot += m->fam[f].img_n;
	/* The table's total (11,649) less Preventive Medicine's 5. */
	assert_true(fabs(tot - 11644) < 1e-9);
	sp__trial t;
	sp__trial_init(&t);
	OK(sp__trial_run(&t, m, 42, 0, NULL, &err));
	long n[512] = {0}, all = 0;
	double zs[512] = {0};
	for (size_t i = 0; i < t.npop; i++) {
		const sp__appl *a = &t.ap.v[i];
		if (a->type != SP_APPL_NON_US_IMG)
			continue;
		assert_true(a->fam >= 0);
		n[a->fam]++;
		zs[a->fam] += a->z;
		all++;
	}
	assert_true(all > 10000);
	for (int32_t f = 0; f < m->nf; f++) {
		double p = m->fam[f].img_n / tot, got = (double)n[f] / all;
		if (p == 0) {
			assert_int_equal(n[f], 0);
			continue;
		}
		/* Four binomial SDs, and a tenth of a point for the
		 * stratified sample the shares are solved on. */
		double tol = 4 * sqrt(p * (1 - p) / all) + 0.001;
		if (fabs(got - p) > tol)
			fail_msg("%s: %.4f of non-US IMGs, cited %.4f",
			         m->fam[f].code, got, p);
	}
	int32_t derm = sp__model_family(m, "DERM");
	int32_t fm = sp__model_family(m, "FM");
	int32_t tyf = sp__model_family(m, "TY");
	assert_true(derm >= 0 && fm >= 0 && tyf >= 0);
	assert_int_equal(n[tyf], 0);
	assert_true(zs[derm] / n[derm] > zs[fm] / n[fm] + 0.2);
	sp__trial_free(&t);
	sp_model_free(m);
}

/* Self-selection tilts each type around its own mean strength: moving
 * a type's strength (what its match rate is fitted by) leaves where its
 * applicants want to train as it was (the type's affinity, from the
 * cited fill shares, says that); before model version 8 a weaker US
 * IMG type also wanted the less competitive families more. */
static void count_families(sp_model *m, int type, long *n)
{
	sp_err err;
	sp__trial t;
	sp__trial_init(&t);
	OK(sp__trial_run(&t, m, 42, 0, NULL, &err));
	memset(n, 0, 512 * sizeof *n);
	for (size_t i = 0; i < t.npop; i++)
		if (t.ap.v[i].type == type)
			n[t.ap.v[i].fam]++;
	sp__trial_free(&t);
}

static void test_family_by_type_offset(void **state)
{
	(void)state;
	sp_model *m = builtin_model();
	static long a[512], b[512];
	OK(sp_model_param_set(m, "strength_us_img", "", -1.6));
	count_families(m, SP_APPL_US_IMG, a);
	OK(sp_model_param_set(m, "strength_us_img", "", -0.4));
	count_families(m, SP_APPL_US_IMG, b);
	long moved = 0, all = 0;
	for (int32_t f = 0; f < m->nf; f++) {
		moved += labs(a[f] - b[f]);
		all += a[f];
	}
	assert_true(all > 4000);
	/* Identical up to float rounding at a tie. */
	assert_true(moved <= all / 500);
	sp_model_free(m);
}

static void test_trial_deterministic(void **state)
{
	(void)state;
	sp_model *m = builtin_model();
	sp_err err;
	OK(sp_model_select(m, small, 2, &err));
	sp__trial a, b;
	sp__trial_init(&a);
	sp__trial_init(&b);
	OK(sp__trial_run(&a, m, 5, 9, NULL, &err));
	OK(sp__trial_run(&b, m, 5, 8, NULL, &err)); /* dirty the scratch */
	OK(sp__trial_run(&b, m, 5, 9, NULL, &err));
	assert_int_equal(a.ap.n, b.ap.n);
	assert_int_equal(a.apps.n, b.apps.n);
	for (size_t i = 0; i < a.ap.n; i++) {
		assert_int_equal(a.ap.v[i].matched, b.ap.v[i].matched);
		assert_int_equal(a.ap.v[i].supp, b.ap.v[i].supp);
	}
	sp__trial_free(&a);
	sp__trial_free(&b);
	sp_model_free(m);
}

static void test_sort_select(void **state)
{
	(void)state;
	sp_rng r;
	sp_rng_seed(&r, 3, 0);
	sp__keyed k[500], c[500];
	for (int n = 0; n < 500; n += 37) {
		for (int i = 0; i < n; i++) {
			k[i].key = (float)sp_rng_below(&r, 50);
			k[i].id = i;
		}
		memcpy(c, k, sizeof(sp__keyed) * (size_t)n);
		sp__keyed_sort_desc(c, (size_t)n);
		for (int i = 1; i < n; i++)
			assert_true(c[i - 1].key > c[i].key ||
			            (c[i - 1].key == c[i].key &&
			             c[i - 1].id < c[i].id));
		for (int top = 0; top <= n; top += 13) {
			sp__keyed s[500];
			memcpy(s, k, sizeof(sp__keyed) * (size_t)n);
			sp__keyed_select_top(s, (size_t)n, (size_t)top);
			sp__keyed_sort_desc(s, (size_t)top);
			for (int i = 0; i < top; i++)
				assert_int_equal(s[i].id, c[i].id);
		}
	}
}

/* The inlined generator draws the library's stream. */
static void test_rng_inline(void **state)
{
	(void)state;
	for (uint64_t seed = 0; seed < 3; seed++) {
		sp_rng a, b;
		sp_rng_seed(&a, seed, 77);
		sp_rng_seed(&b, seed, 77);
		for (int i = 0; i < 1000; i++) {
			assert_true(sp_rng_next(&a) == sp__rng_next(&b));
			assert_true(sp_rng_uniform(&a) == sp__rng_uniform(&b));
			uint64_t n = 1 + (uint64_t)i * 977;
			assert_true(sp_rng_below(&a, n) ==
			            sp__rng_below(&b, n));
		}
	}
}

/* Integer keys order as sp__keyed_sort_desc does; their selection and
 * sort agree with it. */
static void test_keys(void **state)
{
	(void)state;
	sp_rng r;
	sp_rng_seed(&r, 9, 1);
	static const float vals[] = {-INFINITY, -3.5f,  -1e-30f, -0.0f,
	                             0.0f,      1e-30f, 2.0f,    INFINITY};
	for (size_t i = 0; i < 8; i++)
		for (size_t j = 0; j < 8; j++)
			for (int32_t a = 0; a < 3; a++) {
				int32_t b = 1;
				bool before = vals[i] > vals[j] ||
				              (vals[i] == vals[j] && a < b);
				assert_int_equal(before,
				                 sp__key(vals[i], a) >
				                     sp__key(vals[j], b));
				assert_true(sp__key_val(sp__key(vals[i], a)) ==
				            vals[i]);
				assert_int_equal(
				    sp__key_id(sp__key(vals[i], a)), a);
			}
	sp__keyed k[700], c[700];
	uint64_t v[700], w[700];
	for (int n = 0; n < 700; n += 53) {
		for (int i = 0; i < n; i++) {
			k[i].key = (float)sp_rng_below(&r, 40) - 20.0f;
			k[i].id = (int32_t)sp_rng_below(&r, 1u << 30);
			v[i] = sp__key(k[i].key, k[i].id);
		}
		memcpy(c, k, sizeof(sp__keyed) * (size_t)n);
		sp__keyed_sort_desc(c, (size_t)n);
		memcpy(w, v, sizeof(uint64_t) * (size_t)n);
		sp__key_sort(w, (size_t)n);
		for (int i = 0; i < n; i++)
			assert_int_equal(sp__key_id(w[i]), c[i].id);
		for (int top = 0; top <= n; top += 17) {
			memcpy(w, v, sizeof(uint64_t) * (size_t)n);
			sp__key_select(w, (size_t)n, (size_t)top);
			/* The first `top` are the top `top`, in any order. */
			sp__key_sort(w, (size_t)top);
			for (int i = 0; i < top; i++)
				assert_int_equal(sp__key_id(w[i]), c[i].id);
		}
	}
}

static void test_bad_input(void **state)
{
	(void)state;
	sp_model *m = NULL;
	sp_err err;
	assert_int_equal(sp_model_new(NULL, 0, NULL, 0, &m, &err), SP_EINVAL);
	sp_specialty_info s;
	memset(&s, 0, sizeof s);
	snprintf(s.code, sizeof s.code, "X");
	snprintf(s.family, sizeof s.family, "X");
	sp_program_info p;
	memset(&p, 0, sizeof p);
	snprintf(p.specialty, sizeof p.specialty, "Y");
	p.positions = 1;
	assert_int_equal(sp_model_new(&s, 1, &p, 1, &m, &err), SP_ENOTFOUND);
	assert_null(m);
	m = builtin_model();
	const char *bad[] = {"NOPE"};
	assert_int_equal(sp_model_select(m, bad, 1, &err), SP_ENOTFOUND);
	sp_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_builtin_catalog),
	    cmocka_unit_test(test_params),
	    cmocka_unit_test(test_interview_score),
	    cmocka_unit_test(test_trial_conservation),
	    cmocka_unit_test(test_img_preferred),
	    cmocka_unit_test(test_family_by_type_offset),
	    cmocka_unit_test(test_trial_deterministic),
	    cmocka_unit_test(test_sort_select),
	    cmocka_unit_test(test_rng_inline),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

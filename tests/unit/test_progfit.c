/*
 * test_progfit.c — the per-program interview fit (src/progfit.c) on the
 * real catalog: with the shipped fit (data/program_fit.csv), a program's
 * simulated interview rate by applicant type, and the advisor's
 * P(interview) of a typical applicant without a signal, follow the
 * program's own measured rate (rank correlation at least 0.7 across the
 * Internal Medicine and the Family Medicine programs); the fit file
 * round-trips; the fit iteration moves the rates toward the measured
 * ones on a small family.
 */
#include "testutil.h"

#include "market.h"

#include <math.h>

/* The real catalog as a model (with the shipped parameters and fit),
 * restricted to the families of `codes`. */
static sp_model *real_model(const char *const *codes, size_t ncodes)
{
	sp_catalog *c;
	sp_err err;
	OK(sp_catalog_open(":memory:", 1, &c, &err));
	if (sp_catalog_init_real(c, &err))
		fail_msg("init_real: %s", err.msg);
	sp_specialty_info *specs;
	sp_program_info *progs;
	size_t ns, np;
	OK(sp_catalog_specialties(c, &specs, &ns, &err));
	OK(sp_catalog_programs(c, NULL, &progs, &np, &err));
	sp_model *m = NULL;
	OK(sp_model_new(specs, ns, progs, np, &m, &err));
	OK(sp_catalog_apply_params(c, m, &err));
	OK(sp_model_select(m, codes, ncodes, &err));
	sp_free(specs);
	sp_free(progs);
	sp_catalog_close(c);
	return m;
}

static sp_sim_result *simulate(const sp_model *m, uint64_t seed, int trials)
{
	sp_sim_opts o = sp_sim_defaults();
	o.seed = seed;
	o.trials = trials;
	o.threads = 2;
	sp_sim_result *r = NULL;
	sp_err err;
	OK(sp_simulate(m, &o, &r, &err));
	return r;
}

/* Mid-ranks of v[0..n) into rk (n is a few hundred). */
static void ranks(const double *v, size_t n, double *rk)
{
	for (size_t i = 0; i < n; i++) {
		double below = 0, same = 0;
		for (size_t k = 0; k < n; k++) {
			below += v[k] < v[i];
			same += v[k] == v[i];
		}
		rk[i] = below + (same + 1) / 2;
	}
}

static double spearman(const double *x, const double *y, size_t n)
{
	double *rx = malloc(n * sizeof *rx), *ry = malloc(n * sizeof *ry);
	assert_non_null(rx);
	assert_non_null(ry);
	ranks(x, n, rx);
	ranks(y, n, ry);
	double m = (n + 1) / 2.0, sxy = 0, sxx = 0, syy = 0;
	for (size_t i = 0; i < n; i++) {
		sxy += (rx[i] - m) * (ry[i] - m);
		sxx += (rx[i] - m) * (rx[i] - m);
		syy += (ry[i] - m) * (ry[i] - m);
	}
	free(rx);
	free(ry);
	return sxy / sqrt(sxx * syy);
}

/* The advisor's P(interview) at program j of the typical applicant of
 * a type (Step 2 CK 250, 3 research items, no home state), without a
 * signal: the score against the program's simulated cutoff, both
 * normal (what advise.c reads: sp_model_interview_score and
 * sp_sim_result_cutoff). */
static double p_interview(const sp_model *m, const sp_sim_result *r, int32_t j,
                          sp_appl_type type)
{
	sp_profile p;
	memset(&p, 0, sizeof p);
	p.type = type;
	p.step2 = 250;
	p.research = 3;
	double mean, sd, cut, cut_sd;
	int n;
	if (!sp_model_interview_score(m, j, &p, 0, 0, &mean, &sd))
		return 0;
	sp_sim_result_cutoff(r, j, &cut, &cut_sd, &n);
	if (n == 0)
		return 1; /* never more applicants than slots */
	double z = (mean - cut) / sqrt(sd * sd + cut_sd * cut_sd +
	                               pow(sp_model_strength_sd(m), 2));
	return 0.5 * erfc(-z / sqrt(2.0));
}

/* Measured rate of `type` against (a) the simulated rate, (b) the
 * advisor's P(interview) without a signal, over the programs of one
 * family: both rank correlations at least 0.7. */
static void check_family(const sp_model *m, const sp_sim_result *r,
                         const char *family, sp_rate rate, sp_appl_type type)
{
	sp_progfit_stat st;
	OK(sp_progfit_stats(m, r, family, rate, &st));
	assert_true(st.n > 200);
	if (st.spearman < 0.7)
		fail_msg("%s %s: simulated vs measured rank correlation %.3f",
		         family, sp_rate_name(rate), st.spearman);
	size_t np = 0;
	double *x = malloc((size_t)m->np * sizeof *x);
	double *y = malloc((size_t)m->np * sizeof *y);
	assert_non_null(x);
	assert_non_null(y);
	for (int32_t j = 0; j < m->np; j++) {
		const sp_program_info *p = &m->progs[j];
		if (strcmp(p->specialty, family) || isnan(p->rates[rate]))
			continue;
		x[np] = p->rates[rate];
		y[np++] = p_interview(m, r, j, type);
	}
	assert_true(np > 200);
	double rho = spearman(x, y, np);
	printf("# %s %s: %d programs, simulated rate: median error %.1f "
	       "points, rho %.3f; advisor P(interview), no signal: rho %.3f\n",
	       family, sp_rate_name(rate), st.n, 100 * st.mae, st.spearman,
	       rho);
	if (rho < 0.7)
		fail_msg("%s %s: advisor P(interview) vs measured rank "
		         "correlation %.3f",
		         family, sp_rate_name(rate), rho);
	free(x);
	free(y);
}

static void test_rates_follow_measured(void **state)
{
	(void)state;
	static const char *const codes[] = {"IM", "FM"};
	sp_model *m = real_model(codes, 2);
	sp_sim_result *r = simulate(m, 424242, 2); /* not a fit seed */
	check_family(m, r, "IM", SP_RATE_MD, SP_APPL_US_MD);
	check_family(m, r, "IM", SP_RATE_DO, SP_APPL_US_DO);
	check_family(m, r, "FM", SP_RATE_MD, SP_APPL_US_MD);
	check_family(m, r, "FM", SP_RATE_DO, SP_APPL_US_DO);
	sp_sim_result_free(r);
	sp_model_free(m);
}

/* The fit iteration itself, on Neurosurgery alone: the median error of
 * the US MD rates falls, and the written fit reads back. */
static void test_fit_moves_rates(void **state)
{
	(void)state;
	static const char *const codes[] = {"NSGY"};
	sp_model *m = real_model(codes, 1);
	/* Start from the specialty's model: no offsets, catalog slots. */
	for (int32_t j = 0; j < m->np; j++)
		for (int k = 0; k < SP__NPOFF; k++)
			m->poff[(size_t)j * SP__NPOFF + k] = 0;
	sp_sim_result *r0 = simulate(m, 99, 2);
	sp_progfit_stat before, after;
	OK(sp_progfit_stats(m, r0, "NSGY", SP_RATE_MD, &before));
	sp_sim_result_free(r0);
	sp_progfit_opts o;
	memset(&o, 0, sizeof o);
	o.iterations = 5;
	o.trials = 2;
	o.threads = 2;
	o.seed = 5;
	sp_err err;
	OK(sp_model_fit_programs(m, &o, &err));
	sp_sim_result *r1 = simulate(m, 99, 2);
	OK(sp_progfit_stats(m, r1, "NSGY", SP_RATE_MD, &after));
	sp_sim_result_free(r1);
	assert_true(after.mae < before.mae);
	assert_true(after.spearman > before.spearman);
	/* Write and read back. */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	OK(sp_model_program_fit_write_csv(m, f, "fitted: test"));
	fclose(f);
	sp_model *m2 = real_model(codes, 1);
	size_t skipped;
	OK(sp__model_load_program_fit(m2, buf, len, "t.csv", &skipped, &err));
	assert_int_equal(skipped, 0);
	for (int32_t j = 0; j < m->np; j++) {
		assert_int_equal(m->progs[j].interview_slots,
		                 m2->progs[j].interview_slots);
		for (int k = 0; k < SP__NPOFF; k++)
			assert_true(fabs(m->poff[(size_t)j * SP__NPOFF + k] -
			                 m2->poff[(size_t)j * SP__NPOFF + k]) <
			            1e-4);
	}
	/* A bad cell names its line and column. */
	const char *bad = "program_code,interview_slots,off_us_md,off_us_do,"
	                  "off_us_img,off_non_us_img,off_instate,off_silver,"
	                  "off_gold\nNSGY-R0001,0,0,0,0,0,0,0,0\n";
	assert_int_not_equal(sp__model_load_program_fit(
	                         m2, bad, strlen(bad), "t.csv", &skipped, &err),
	                     SP_OK);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.field, "interview_slots");
	free(buf);
	sp_model_free(m);
	sp_model_free(m2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rates_follow_measured),
	    cmocka_unit_test(test_fit_moves_rates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

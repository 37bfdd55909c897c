/*
 * test_sim.c — the simulator (src/sim.c): identical results for any
 * thread count, sane aggregates, the JSON's by_group fields, option
 * checks.
 */
#include "testutil.h"

#include "market.h"

#include <math.h>

static const char *const small[] = {"DERM", "TS", "VS"};

static sp_model *small_model(void)
{
	sp_specialty_info *specs;
	sp_program_info *progs;
	size_t ns, np;
	sp_err err;
	OK(sp_model_builtin_catalog(3, &specs, &ns, &progs, &np, &err));
	sp_model *m = NULL;
	OK(sp_model_new(specs, ns, progs, np, &m, &err));
	sp_free(specs);
	sp_free(progs);
	OK(sp_model_select(m, small, 3, &err));
	return m;
}

/* The JSON of a run without its timing line. */
static char *run_json(const sp_model *m, int threads, size_t *len)
{
	sp_sim_opts o = sp_sim_defaults();
	o.seed = 77;
	o.trials = 5;
	o.threads = threads;
	sp_sim_result *r = NULL;
	sp_err err;
	OK(sp_simulate(m, &o, &r, &err));
	assert_int_equal(sp_sim_result_trials(r), 5);
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	OK(sp_sim_result_write_json(r, f));
	fclose(f);
	char *t = strstr(buf, "\"timing\"");
	assert_non_null(t);
	*t = 0;
	*len = (size_t)(t - buf);
	sp_sim_result_free(r);
	return buf;
}

static void test_threads_identical(void **state)
{
	(void)state;
	sp_model *m = small_model();
	size_t n1, n2, n3;
	char *a = run_json(m, 1, &n1);
	char *b = run_json(m, 2, &n2);
	char *c = run_json(m, 4, &n3);
	assert_int_equal(n1, n2);
	assert_int_equal(n1, n3);
	assert_memory_equal(a, b, n1);
	assert_memory_equal(a, c, n1);
	free(a);
	free(b);
	free(c);
	sp_model_free(m);
}

static void test_aggregates(void **state)
{
	(void)state;
	sp_model *m = small_model();
	sp_sim_opts o = sp_sim_defaults();
	o.trials = 3;
	o.threads = 2;
	sp_sim_result *r = NULL;
	sp_err err;
	OK(sp_simulate(m, &o, &r, &err));
	double all = sp_sim_result_match_rate(r, SP_APPL_NTYPES);
	assert_true(all > 0.2 && all <= 1.0);
	assert_true(sp_sim_result_applicants(r, SP_APPL_NTYPES) > 100);
	double filled = 0;
	for (int32_t j = 0; j < m->np; j++) {
		double f = sp_sim_result_filled(r, j);
		assert_true(f <= m->progs[j].positions + 1e-9);
		filled += f;
		double mu, sd;
		int n;
		sp_sim_result_cutoff(r, j, &mu, &sd, &n);
		assert_true(n == 0 || (isfinite(mu) && sd >= 0));
	}
	assert_true(filled > 0);
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	OK(sp_sim_result_write_json(r, f));
	OK(sp_sim_result_write_table(r, f));
	fclose(f);
	const char *keys[] = {
	    "\"by_group\"",       "\"specialty\"",
	    "\"applicant_type\"", "\"step2_band\"",
	    "\"applicants\"",     "\"matched_preferred\"",
	    "\"matched_any\"",    "\"contiguous_ranks_median\"",
	    "\"by_specialty\"",   "\"fill_rate\"",
	    "\"by_type\"",        "\"match_rate\""};
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
		assert_non_null(strstr(buf, keys[k]));
	free(buf);
	sp_sim_result_free(r);
	sp_model_free(m);
}

static int calls;
static void progress(void *ctx, int done, int total)
{
	(void)ctx;
	assert_true(done >= 1 && done <= total);
	calls++;
}

static void test_options(void **state)
{
	(void)state;
	sp_model *m = small_model();
	sp_sim_opts o = sp_sim_defaults();
	sp_sim_result *r = NULL;
	sp_err err;
	o.trials = 0;
	assert_int_equal(sp_simulate(m, &o, &r, &err), SP_EINVAL);
	assert_null(r);
	o.trials = 2;
	o.threads = 8; /* more threads than trials */
	o.progress = progress;
	calls = 0;
	OK(sp_simulate(m, &o, &r, &err));
	assert_int_equal(calls, 2);
	sp_sim_result_free(r);
	sp_sim_result_free(NULL);
	sp_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_threads_identical),
	    cmocka_unit_test(test_aggregates),
	    cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_gen.c — the synthetic market generator (src/gen.c): sizes,
 * determinism, geography of couples, mutual acceptability, quotas,
 * supplemental lists, reversions, option checks, allocation failures.
 */
#include "testutil.h"
#include "data.h"

#include <math.h>

#include <stdio.h>
#include <unistd.h>

/* test_fingerprint's hash of the default market. */
#define GEN_FINGERPRINT 0xa0a9b5fc31465918ull

/* A medium market: big enough for shares and means to settle. */
static sp_gen_opts medium(void)
{
	sp_gen_opts o = sp_gen_defaults();
	o.seed = 11;
	o.napplicants = 5000;
	o.ncouples = 150;
	o.nprograms = 700;
	o.npositions = 4600;
	o.rol_len = 12;
	o.couple_rol_len = 20;
	o.nregions = 9;
	o.supplemental_share = 0.05;
	o.reversions = 30;
	return o;
}

static sp_inst *gen_ok(const sp_gen_opts *o)
{
	sp_inst *in = NULL;
	sp_err err;
	sp_status s = sp_gen(o, &in, &err);
	if (s)
		fail_msg("sp_gen: %s", err.msg);
	assert_non_null(in);
	return in;
}

static bool same_ints(const int32_t *a, size_t na, const int32_t *b, size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof *a) == 0);
}

/* True when x and y hold the same market, list for list. */
static bool same_inst(const sp_inst *x, const sp_inst *y)
{
	int32_t np = sp_inst_nprograms(x), na = sp_inst_napplicants(x);
	if (np != sp_inst_nprograms(y) || na != sp_inst_napplicants(y) ||
	    sp_inst_ncouples(x) != sp_inst_ncouples(y))
		return false;
	size_t n1, n2;
	for (int32_t p = 0; p < np; p++) {
		const int32_t *l1 = sp_inst_program_rol(x, p, &n1);
		const int32_t *l2 = sp_inst_program_rol(y, p, &n2);
		if (!same_ints(l1, n1, l2, n2) ||
		    sp_inst_quota(x, p) != sp_inst_quota(y, p) ||
		    sp_inst_track(x, p) != sp_inst_track(y, p))
			return false;
	}
	for (int32_t a = 0; a < na; a++) {
		const int32_t *l1 = sp_inst_rol(x, a, &n1);
		const int32_t *l2 = sp_inst_rol(y, a, &n2);
		if (!same_ints(l1, n1, l2, n2))
			return false;
	}
	for (int32_t c = 0; c < sp_inst_ncouples(x); c++) {
		const int32_t *l1 = sp_inst_couple_rol(x, c, &n1);
		const int32_t *l2 = sp_inst_couple_rol(y, c, &n2);
		if (!same_ints(l1, 2 * n1, l2, 2 * n2))
			return false;
	}
	if (sp_inst_nsupplementals(x) != sp_inst_nsupplementals(y) ||
	    sp_inst_nreversions(x) != sp_inst_nreversions(y))
		return false;
	for (size_t k = 0; k < sp_inst_nsupplementals(x); k++) {
		int32_t a1, a2;
		const int32_t *ad1, *ad2, *pr1, *pr2;
		size_t na1, na2, np1, np2;
		sp_inst_supplemental(x, k, &a1, &ad1, &na1, &pr1, &np1);
		sp_inst_supplemental(y, k, &a2, &ad2, &na2, &pr2, &np2);
		if (a1 != a2 || !same_ints(ad1, na1, ad2, na2) ||
		    !same_ints(pr1, np1, pr2, np2))
			return false;
	}
	for (size_t k = 0; k < sp_inst_nreversions(x); k++) {
		int32_t d1, d2, r1, r2;
		int c1, c2;
		sp_inst_reversion(x, k, &d1, &r1, &c1);
		sp_inst_reversion(y, k, &d2, &r2, &c2);
		if (d1 != d2 || r1 != r2 || c1 != c2)
			return false;
	}
	return true;
}

static void test_defaults_sizes_and_names(void **state)
{
	(void)state;
	sp_gen_opts o = sp_gen_defaults();
	sp_inst *in = gen_ok(&o);
	assert_int_equal(sp_inst_napplicants(in), o.napplicants);
	assert_int_equal(sp_inst_ncouples(in), o.ncouples);
	assert_int_equal(sp_inst_nprograms(in), o.nprograms);
	long total = 0;
	for (int32_t p = 0; p < o.nprograms; p++) {
		assert_true(sp_inst_quota(in, p) >= 1);
		total += sp_inst_quota(in, p);
	}
	assert_int_equal(total, o.npositions);
	assert_string_equal(sp_inst_program_name(in, 0), "P1");
	assert_string_equal(sp_inst_applicant_name(in, 0), "A1");
	assert_string_equal(sp_inst_couple_name(in, 0), "C1");
	assert_int_equal(sp_inst_find_program(in, "P40"), 39);
	sp_inst_free(in);
}

static void test_national_preset(void **state)
{
	(void)state;
	sp_gen_opts o = sp_gen_national();
	assert_true(o.napplicants >= 45000 && o.napplicants <= 50000);
	assert_int_equal(o.ncouples, 1200);
	assert_true(o.nprograms >= 6400 && o.nprograms <= 6800);
	assert_true(o.npositions >= 41000 && o.npositions <= 45000);
	assert_int_equal(o.rol_len, 12);
	assert_int_equal(o.couple_rol_len, 20);
	sp_gen_opts h = sp_gen_hard();
	assert_int_equal(h.napplicants, o.napplicants);
	assert_true(h.advanced_applicants == 0 && h.supplemental_len == 0);
}

/* The value of `metric` in the embedded data/supplemental.csv. */
static double supp_figure(const char *metric)
{
	size_t len;
	const char *t = sp__data_file("supplemental.csv", &len);
	assert_non_null(t);
	char key[80];
	snprintf(key, sizeof key, ",%s,", metric);
	const char *at = strstr(t, key);
	assert_non_null(at);
	return strtod(at + strlen(key), NULL);
}

/* The national preset follows data/supplemental.csv: its shares are the
 * table's, and a generated market has about 3,000 advanced positions,
 * supplemental lists for far fewer than the hard preset's 40% of
 * applicants (but at least 1,000), and 1,200 couples. */
static void test_national_tracks(void **state)
{
	(void)state;
	sp_gen_opts o = sp_gen_national();
	assert_true(fabs(o.supplemental_share -
	                 supp_figure("pgy2_share_of_positions")) < 0.01);
	assert_true(fabs(o.preliminary_share -
	                 supp_figure("pgy1_only_share_of_positions")) < 0.01);
	assert_true(o.advanced_applicants <=
	            supp_figure("share_applicants_ranking_pgy2_max"));
	o.seed = 3;
	sp_inst *in = gen_ok(&o);
	long adv = 0, pre = 0;
	for (int32_t p = 0; p < sp_inst_nprograms(in); p++) {
		if (sp_inst_track(in, p) == SP_TRACK_ADVANCED)
			adv += sp_inst_quota(in, p);
		if (sp_inst_track(in, p) == SP_TRACK_PRELIMINARY)
			pre += sp_inst_quota(in, p);
	}
	print_message("  advanced %ld, preliminary %ld positions, %zu "
	              "supplemental lists\n",
	              adv, pre, sp_inst_nsupplementals(in));
	assert_true(adv >= 2500 && adv <= 3500);
	assert_true(pre >= 4000 && pre <= 5300);
	uint8_t *has = calloc((size_t)o.napplicants, 1);
	long holders = 0;
	for (size_t k = 0; k < sp_inst_nsupplementals(in); k++) {
		int32_t a;
		const int32_t *x, *y;
		size_t nx, ny;
		sp_inst_supplemental(in, k, &a, &x, &nx, &y, &ny);
		holders += !has[a];
		has[a] = 1;
	}
	free(has);
	assert_true(holders >= 1000);
	assert_true(holders <=
	            supp_figure("share_applicants_ranking_pgy2_max") *
	                o.napplicants);
	assert_true(sp_inst_nsupplementals(in) >= 1000);
	assert_true(sp_inst_ncouples(in) >= 1000);
	sp_inst_free(in);
}

static void test_determinism(void **state)
{
	(void)state;
	sp_gen_opts o = sp_gen_defaults();
	sp_inst *a = gen_ok(&o), *b = gen_ok(&o);
	assert_true(same_inst(a, b));
	o.seed++;
	sp_inst *c = gen_ok(&o);
	assert_false(same_inst(a, c));
	sp_inst_free(a);
	sp_inst_free(b);
	sp_inst_free(c);
}

/* A fixed fingerprint of the default market: changes to the model or
 * the generator's random streams show up here, and so would a machine
 * that generated a different market from the same options. */
static void test_fingerprint(void **state)
{
	(void)state;
	sp_gen_opts o = sp_gen_defaults();
	sp_inst *in = gen_ok(&o);
	uint64_t h = 1469598103934665603ull;
	size_t n;
	for (int32_t a = 0; a < sp_inst_napplicants(in); a++) {
		const int32_t *l = sp_inst_rol(in, a, &n);
		for (size_t i = 0; i < n; i++)
			h = (h ^ (uint64_t)(l[i] + 1)) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
	}
	for (int32_t p = 0; p < sp_inst_nprograms(in); p++) {
		const int32_t *l = sp_inst_program_rol(in, p, &n);
		for (size_t i = 0; i < n; i++)
			h = (h ^ (uint64_t)(l[i] + 1)) * 1099511628211ull;
		h = (h ^ (uint64_t)sp_inst_quota(in, p)) * 1099511628211ull;
	}
	/* Print it so that an intended change can update the constant. */
	printf("fingerprint of the default market: 0x%016llx\n",
	       (unsigned long long)h);
	assert_true(h == GEN_FINGERPRINT);
	sp_inst_free(in);
}

/* Every couple ranks pairs in one region (program p is in region
 * p mod nregions), both partners' programs in it. */
static void test_couples_regional(void **state)
{
	(void)state;
	sp_gen_opts o = medium();
	sp_inst *in = gen_ok(&o);
	long same = 0, half = 0, pairs = 0;
	for (int32_t c = 0; c < sp_inst_ncouples(in); c++) {
		size_t n;
		const int32_t *l = sp_inst_couple_rol(in, c, &n);
		int reg = -1;
		bool seen_half = false;
		for (size_t k = 0; k < n; k++) {
			int32_t p = l[2 * k], q = l[2 * k + 1];
			assert_false(p == SP_NONE && q == SP_NONE);
			if (p == SP_NONE || q == SP_NONE) {
				/* One-partner pairs end the list. */
				seen_half = true;
				half++;
				continue;
			}
			assert_false(seen_half);
			assert_int_equal(p % o.nregions, q % o.nregions);
			if (reg < 0)
				reg = p % o.nregions;
			assert_int_equal(p % o.nregions, reg);
			if (p == q) {
				same++;
				assert_true(sp_inst_quota(in, p) >= 2);
			}
			pairs++;
		}
		int32_t a, b;
		sp_inst_couple_members(in, c, &a, &b);
		assert_int_equal(sp_inst_couple_of(in, a), c);
		assert_int_equal(sp_inst_couple_of(in, b), c);
	}
	double mean = (double)pairs / o.ncouples;
	assert_true(mean > 0.8 * o.couple_rol_len &&
	            mean < 1.2 * o.couple_rol_len);
	assert_true(same > 0);
	assert_true(half > 0);
	sp_inst_free(in);
}

/* True when applicant a lists program p anywhere: its own list, its
 * column of its couple's pairs, or a supplemental list. */
static bool lists(const sp_inst *in, int32_t a, int32_t p)
{
	size_t n;
	int32_t c = sp_inst_couple_of(in, a);
	if (c != SP_NONE) {
		int32_t x, y;
		sp_inst_couple_members(in, c, &x, &y);
		const int32_t *l = sp_inst_couple_rol(in, c, &n);
		for (size_t k = 0; k < n; k++)
			if (l[2 * k + (a == y)] == p)
				return true;
		return false;
	}
	const int32_t *l = sp_inst_rol(in, a, &n);
	for (size_t i = 0; i < n; i++)
		if (l[i] == p)
			return true;
	for (size_t k = 0; k < sp_inst_nsupplementals(in); k++) {
		int32_t who;
		const int32_t *adv, *pre;
		size_t nadv, npre;
		sp_inst_supplemental(in, k, &who, &adv, &nadv, &pre, &npre);
		if (who != a)
			continue;
		for (size_t i = 0; i < npre; i++)
			if (pre[i] == p)
				return true;
	}
	return false;
}

/* Programs rank only applicants who ranked them, and nearly all. */
static void test_mutual_acceptability(void **state)
{
	(void)state;
	sp_gen_opts o = sp_gen_defaults();
	o.napplicants = 600;
	o.ncouples = 30;
	o.nprograms = 80;
	o.npositions = 560;
	sp_inst *in = gen_ok(&o);
	long on_program = 0, on_applicant = 0;
	for (int32_t p = 0; p < o.nprograms; p++) {
		size_t n;
		const int32_t *l = sp_inst_program_rol(in, p, &n);
		for (size_t i = 0; i < n; i++)
			assert_true(lists(in, l[i], p));
		on_program += (long)n;
	}
	for (int32_t a = 0; a < o.napplicants; a++)
		for (int32_t p = 0; p < o.nprograms; p++)
			on_applicant += lists(in, a, p);
	/* Programs leave out about 1 in 32. */
	assert_true(on_program < on_applicant);
	assert_true(on_program > 0.94 * on_applicant);
	sp_inst_free(in);
}

static void test_lists_and_quotas(void **state)
{
	(void)state;
	sp_gen_opts o = medium();
	sp_inst *in = gen_ok(&o);
	long entries = 0, singles = 0;
	for (int32_t a = 0; a < o.napplicants; a++) {
		if (sp_inst_couple_of(in, a) != SP_NONE)
			continue;
		size_t n;
		sp_inst_rol(in, a, &n);
		entries += (long)n;
		singles++;
	}
	assert_int_equal(singles, o.napplicants - 2 * o.ncouples);
	double mean = (double)entries / singles;
	assert_true(mean > 0.85 * o.rol_len && mean < 1.15 * o.rol_len);
	long total = 0;
	int big = 0;
	for (int32_t p = 0; p < o.nprograms; p++) {
		assert_true(sp_inst_quota(in, p) >= 1);
		total += sp_inst_quota(in, p);
		big = sp_inst_quota(in, p) > big ? sp_inst_quota(in, p) : big;
	}
	assert_int_equal(total, o.npositions);
	/* Skewed sizes: the largest is several times the mean. */
	assert_true(big > 2 * o.npositions / o.nprograms);
	sp_inst_free(in);
}

static bool on_rol(const sp_inst *in, int32_t a, int32_t p)
{
	size_t n;
	const int32_t *l = sp_inst_rol(in, a, &n);
	for (size_t i = 0; i < n; i++)
		if (l[i] == p)
			return true;
	return false;
}

static void test_supplemental(void **state)
{
	(void)state;
	sp_gen_opts o = medium();
	sp_inst *in = gen_ok(&o);
	int adv = 0, pre = 0;
	for (int32_t p = 0; p < o.nprograms; p++) {
		adv += sp_inst_track(in, p) == SP_TRACK_ADVANCED;
		pre += sp_inst_track(in, p) == SP_TRACK_PRELIMINARY;
	}
	assert_int_equal(adv, 35); /* 0.05 * 700 */
	assert_int_equal(pre, 35);
	size_t ns = sp_inst_nsupplementals(in);
	assert_true(ns > 0);
	for (size_t k = 0; k < ns; k++) {
		int32_t a;
		const int32_t *ad, *pr;
		size_t nad, npr;
		sp_inst_supplemental(in, k, &a, &ad, &nad, &pr, &npr);
		assert_int_equal(sp_inst_couple_of(in, a), SP_NONE);
		assert_true(nad >= 1 && npr >= 1);
		for (size_t i = 0; i < nad; i++) {
			assert_int_equal(sp_inst_track(in, ad[i]),
			                 SP_TRACK_ADVANCED);
			assert_true(on_rol(in, a, ad[i]));
		}
		for (size_t i = 0; i < npr; i++) {
			assert_int_equal(sp_inst_track(in, pr[i]),
			                 SP_TRACK_PRELIMINARY);
			assert_false(on_rol(in, a, pr[i]));
		}
	}
	/* Singles with an advanced program nearly always have it linked
	 * (not always: a weak applicant may get no preliminary interview). */
	long advanced = 0, linked_n = 0;
	for (int32_t a = 0; a < o.napplicants; a++) {
		size_t n;
		const int32_t *l = sp_inst_rol(in, a, &n);
		for (size_t i = 0; i < n; i++) {
			if (sp_inst_track(in, l[i]) != SP_TRACK_ADVANCED)
				continue;
			bool linked = false;
			for (size_t k = 0; k < ns && !linked; k++) {
				int32_t who;
				const int32_t *ad, *pr;
				size_t nad, npr;
				sp_inst_supplemental(in, k, &who, &ad, &nad,
				                     &pr, &npr);
				for (size_t j = 0; who == a && j < nad; j++)
					linked |= ad[j] == l[i];
			}
			advanced++;
			linked_n += linked;
		}
	}
	assert_true(linked_n > 0.9 * advanced);
	/* Couples do not rank advanced programs. */
	for (int32_t c = 0; c < o.ncouples; c++) {
		size_t n;
		const int32_t *l = sp_inst_couple_rol(in, c, &n);
		for (size_t k = 0; k < 2 * n; k++)
			assert_true(l[k] == SP_NONE ||
			            sp_inst_track(in, l[k]) !=
			                SP_TRACK_ADVANCED);
	}
	sp_inst_free(in);

	o.supplemental_share = 0;
	in = gen_ok(&o);
	assert_int_equal(sp_inst_nsupplementals(in), 0);
	for (int32_t p = 0; p < o.nprograms; p++)
		assert_int_equal(sp_inst_track(in, p), SP_TRACK_CATEGORICAL);
	sp_inst_free(in);
}

/* Reversions: the count asked, donors before receivers (so no cycle),
 * no pair twice, a donor never gives more than its quota. */
static void test_reversions(void **state)
{
	(void)state;
	sp_gen_opts o = medium();
	sp_inst *in = gen_ok(&o);
	size_t nr = sp_inst_nreversions(in);
	assert_int_equal(nr, (size_t)o.reversions);
	int *given = calloc((size_t)o.nprograms, sizeof *given);
	assert_non_null(given);
	for (size_t k = 0; k < nr; k++) {
		int32_t d, r;
		int cnt;
		sp_inst_reversion(in, k, &d, &r, &cnt);
		assert_true(d < r);
		assert_true(cnt >= 1);
		given[d] += cnt;
		assert_true(given[d] <= sp_inst_quota(in, d));
		for (size_t j = 0; j < k; j++) {
			int32_t d2, r2;
			int c2;
			sp_inst_reversion(in, j, &d2, &r2, &c2);
			assert_false(d == d2 && r == r2);
		}
	}
	free(given);
	sp_inst_free(in);

	/* Crowded: as many reversions as programs allow. */
	o = sp_gen_defaults();
	o.nprograms = 6;
	o.npositions = 6;
	o.reversions = 5;
	in = gen_ok(&o);
	assert_int_equal(sp_inst_nreversions(in), 5);
	for (size_t k = 0; k < 5; k++) {
		int32_t d, r;
		int cnt;
		sp_inst_reversion(in, k, &d, &r, &cnt);
		assert_true(d < r && cnt == 1);
	}
	sp_inst_free(in);
}

static void expect_bad(sp_gen_opts o, const char *field)
{
	sp_inst *in = (sp_inst *)&o; /* must be reset to NULL */
	sp_err err;
	assert_int_equal(sp_gen(&o, &in, &err), SP_EINVAL);
	assert_null(in);
	assert_string_equal(err.field, field);
	assert_non_null(strstr(err.msg, field));
}

static void test_bad_options(void **state)
{
	(void)state;
	sp_gen_opts d = sp_gen_defaults(), o;
	o = d, o.napplicants = 0, expect_bad(o, "napplicants");
	o = d, o.ncouples = -1, expect_bad(o, "ncouples");
	o = d, o.ncouples = 101, expect_bad(o, "ncouples");
	o = d, o.nprograms = 0, expect_bad(o, "nprograms");
	o = d, o.npositions = 39, expect_bad(o, "npositions");
	o = d, o.rol_len = 0, expect_bad(o, "rol_len");
	o = d, o.couple_rol_len = 0, expect_bad(o, "couple_rol_len");
	o = d, o.correlation = 1.5, expect_bad(o, "correlation");
	o = d, o.correlation = -0.1, expect_bad(o, "correlation");
	o = d, o.nregions = 0, expect_bad(o, "nregions");
	o = d, o.supplemental_share = 0.6, expect_bad(o, "supplemental_share");
	o = d, o.preliminary_share = 0.99, expect_bad(o, "preliminary_share");
	o = d, o.advanced_applicants = 1.5,
	expect_bad(o, "advanced_applicants");
	o = d, o.supplemental_len = -1, expect_bad(o, "supplemental_len");
	o = d, o.reversions = -1, expect_bad(o, "reversions");
	o = d, o.reversions = 40, expect_bad(o, "reversions");
	o = d, o.napplicants = 10000000, o.rol_len = 2000,
	expect_bad(o, "rol_len");
	sp_err err;
	assert_int_equal(sp_gen(&d, NULL, &err), SP_EINVAL);
	sp_inst *in;
	assert_int_equal(sp_gen(NULL, &in, NULL), SP_EINVAL);
}

/* Extremes still give valid markets. */
static void test_edges(void **state)
{
	(void)state;
	sp_gen_opts o = sp_gen_defaults();
	o.napplicants = 2;
	o.ncouples = 1;
	o.nprograms = 1;
	o.npositions = 1;
	o.supplemental_share = 0;
	o.reversions = 0;
	sp_inst *in = gen_ok(&o);
	assert_int_equal(sp_inst_ncouples(in), 1);
	sp_inst_free(in);

	o = sp_gen_defaults();
	o.correlation = 0;
	in = gen_ok(&o);
	sp_inst_free(in);
	o.correlation = 1;
	o.nregions = 1;
	o.supplemental_share = 0.5;
	in = gen_ok(&o);
	sp_inst_free(in);
}

/* Each allocation failure gives SP_ENOMEM and no instance. */
static void test_alloc_failures(void **state)
{
	(void)state;
	sp_gen_opts o = sp_gen_defaults();
	o.napplicants = 40;
	o.ncouples = 4;
	o.nprograms = 10;
	o.npositions = 35;
	o.reversions = 2;
	o.supplemental_share = 0.2;
	for (long n = 1;; n++) {
		sp_inst *in = NULL;
		sp_alloc_fail_after(n);
		sp_status s = sp_gen(&o, &in, NULL);
		sp_alloc_fail_after(0);
		if (s == SP_OK) {
			sp_inst_free(in);
			assert_true(n > 10);
			break;
		}
		assert_int_equal(s, SP_ENOMEM);
		assert_null(in);
		assert_true(n < 100000);
	}
}

/* The generated market survives the rp writer and reader intact. */
static void test_rp_round_trip(void **state)
{
	(void)state;
	sp_gen_opts o = sp_gen_defaults();
	sp_inst *in = gen_ok(&o), *back = NULL;
	char name[64], path[512];
	snprintf(name, sizeof name, "sp-test-gen-%ld.rp", (long)getpid());
	tu_tmp(path, sizeof path, name);
	sp_err err;
	if (sp_inst_write(in, path, SP_FMT_RP, &err))
		fail_msg("write: %s", err.msg);
	if (sp_inst_read(path, SP_FMT_RP, &back, &err))
		fail_msg("read: %s", err.msg);
	remove(path);
	assert_true(same_inst(in, back));
	sp_inst_free(in);
	sp_inst_free(back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_sizes_and_names),
	    cmocka_unit_test(test_national_preset),
	    cmocka_unit_test(test_national_tracks),
	    cmocka_unit_test(test_determinism),
	    cmocka_unit_test(test_fingerprint),
	    cmocka_unit_test(test_couples_regional),
	    cmocka_unit_test(test_mutual_acceptability),
	    cmocka_unit_test(test_lists_and_quotas),
	    cmocka_unit_test(test_supplemental),
	    cmocka_unit_test(test_reversions),
	    cmocka_unit_test(test_bad_options),
	    cmocka_unit_test(test_edges),
	    cmocka_unit_test(test_alloc_failures),
	    cmocka_unit_test(test_rp_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_rank.c — the after-interview rank list (rank.c): the core against
 * brute force over every outcome; its properties on random chances (the
 * chances at each program sum to P(match), appending never lowers it,
 * the order changes where but not whether, moving a program up never
 * lowers the chance there); the same properties through sp_rank_eval on
 * a synthetic catalog; the additions; and input refused field by field.
 */
#include "testutil.h"
#include "json.h"
#include "rank.h"

#include <math.h>

#define NK 10

static sp_catalog *cat;
static sp_advisor *adv;

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
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_advisor_free(adv);
	sp_catalog_close(cat);
	return 0;
}

/* Random weights summing to 1 and chances r[n * nk]. */
static void random_case(sp_rng *g, double *w, size_t nk, double *r, size_t n)
{
	double sum = 0;
	for (size_t k = 0; k < nk; k++)
		sum += w[k] = sp_rng_uniform(g) + 0.01;
	for (size_t k = 0; k < nk; k++)
		w[k] /= sum;
	for (size_t i = 0; i < n * nk; i++) {
		double u = sp_rng_uniform(g);
		r[i] = u < 0.1 ? 0 : u > 0.95 ? 1 : u;
	}
}

/* Brute force: at each node, every subset of programs that would take
 * the applicant; the applicant matches at the first in list order. */
static void brute(const double *w, size_t nk, const double *r, size_t n,
                  double *pm)
{
	for (size_t i = 0; i < n; i++)
		pm[i] = 0;
	for (size_t k = 0; k < nk; k++)
		for (unsigned set = 0; set < 1u << n; set++) {
			double p = w[k];
			for (size_t i = 0; i < n; i++) {
				double x = r[i * nk + k];
				p *= set >> i & 1 ? x : 1 - x;
			}
			for (size_t i = 0; i < n; i++)
				if (set >> i & 1) {
					pm[i] += p;
					break;
				}
		}
}

static void test_core_brute_force(void **state)
{
	(void)state;
	sp_rng g;
	sp_rng_seed(&g, 7, 0);
	for (int t = 0; t < 200; t++) {
		size_t n = 1 + sp_rng_below(&g, 7),
		       nk = 1 + sp_rng_below(&g, 4);
		double w[4], r[7 * 4], pm[7], want[7], surv[4];
		random_case(&g, w, nk, r, n);
		double p = sp__rank_core(w, nk, r, n, pm, surv);
		brute(w, nk, r, n, want);
		double sum = 0;
		for (size_t i = 0; i < n; i++) {
			assert_true(fabs(pm[i] - want[i]) < 1e-12);
			sum += pm[i];
		}
		assert_true(fabs(p - sum) < 1e-12);
	}
}

static void test_core_properties(void **state)
{
	(void)state;
	sp_rng g;
	sp_rng_seed(&g, 11, 0);
	for (int t = 0; t < 500; t++) {
		size_t n = 1 + sp_rng_below(&g, 20);
		double w[NK], r[21 * NK], pm[21], pm2[21], surv[NK];
		random_case(&g, w, NK, r, n + 1);
		double p = sp__rank_core(w, NK, r, n, pm, surv);
		/* Appending the (n+1)-th never lowers P(match), and adds
		 * exactly its chance among the list's misses. */
		double gain = 0;
		for (size_t k = 0; k < NK; k++)
			gain += w[k] * surv[k] * r[n * NK + k];
		double p1 = sp__rank_core(w, NK, r, n + 1, pm2, surv);
		assert_true(p1 >= p - 1e-15);
		assert_true(fabs(p1 - p - gain) < 1e-12);
		/* The list's own chances do not move. */
		for (size_t i = 0; i < n; i++)
			assert_true(fabs(pm[i] - pm2[i]) < 1e-15);
		/* Moving program b up to the top: P(match) stays, the
		 * chance at b never falls, and the others' never rise. */
		size_t b = sp_rng_below(&g, n);
		double moved[21 * NK];
		memcpy(moved, r + b * NK, NK * sizeof *r);
		for (size_t i = 0, o = 1; i < n; i++)
			if (i != b)
				memcpy(moved + o++ * NK, r + i * NK,
				       NK * sizeof *r);
		double p2 = sp__rank_core(w, NK, moved, n, pm2, surv);
		assert_true(fabs(p2 - p) < 1e-12);
		assert_true(pm2[0] >= pm[b] - 1e-15);
		for (size_t i = 0, o = 1; i < n; i++)
			if (i != b)
				assert_true(pm2[o++] <= pm[i] + 1e-15);
	}
}

static const char profile[] =
    "{\"applicant_type\": \"us_md\", \"step2\": 246, \"research\": 4, "
    "\"home_state\": \"OH\", \"specialty\": \"IM\"}";

/* A rank list of the codes (a NULL-terminated list), as JSON. */
static char *rol(const char *const *codes, const char *also)
{
	static char buf[4096];
	size_t n = (size_t)snprintf(
	    buf, sizeof buf, "{\"profile\": %s,\n\"rank_order\": [", profile);
	for (size_t i = 0; codes[i]; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"%s\"",
		                      i ? ",\n" : "", codes[i]);
	snprintf(buf + n, sizeof buf - n, "]%s%s%s}\n",
	         also ? ",\n\"also_interviewed\": [\"" : "", also ? also : "",
	         also ? "\"]" : "");
	return buf;
}

static sp_rank *eval(const char *json)
{
	sp_rank *r = NULL;
	sp_err err;
	if (sp_rank_eval(adv, json, strlen(json), "rol.json", &r, &err))
		fail_msg("rank: %s", err.msg);
	return r;
}

static const char *const list6[] = {"IM-0036", "IM-0450", "IM-0308", "IM-0324",
                                    "IM-0013", "IM-0284", NULL};

static void test_eval_sum_and_append(void **state)
{
	(void)state;
	sp_rank *r = eval(rol(list6, "IM-0187"));
	assert_int_equal(sp_rank_nprograms(r), 6);
	double sum = 0;
	for (size_t i = 0; i < 6; i++) {
		assert_true(sp_rank_p_at(r, i) > 0);
		sum += sp_rank_p_at(r, i);
	}
	double p = sp_rank_p_match(r);
	assert_true(fabs(sum - p) < 1e-12);
	assert_true(p > 0 && p < 1);
	/* Each prefix: appending never lowers P(match). */
	double prev = 0;
	for (size_t n = 0; n <= 6; n++) {
		const char *pre[7];
		for (size_t i = 0; i < n; i++)
			pre[i] = list6[i];
		pre[n] = NULL;
		sp_rank *q = eval(rol(pre, NULL));
		assert_true(sp_rank_p_match(q) >= prev);
		prev = sp_rank_p_match(q);
		sp_rank_free(q);
	}
	assert_true(fabs(prev - p) < 1e-12);
	/* The addition's gain is what ranking it adds. */
	const char *seven[8];
	memcpy(seven, list6, 6 * sizeof *seven);
	seven[6] = "IM-0187";
	seven[7] = NULL;
	sp_rank *q = eval(rol(seven, NULL));
	char *json;
	size_t len;
	sp_err err;
	OK(sp_rank_json(adv, rol(list6, "IM-0187"),
	                strlen(rol(list6, "IM-0187")), "rol.json", &json, &len,
	                &err));
	sp__json_doc *d;
	OK(sp__json_parse(json, len, "out", NULL, &d, &err));
	const sp__json *adds = sp__json_get(d->root, "additions");
	assert_int_equal(sp__json_len(adds), 1);
	double gain = sp__json_get(sp__json_at(adds, 0), "gain")->u.num.d;
	assert_true(fabs(sp_rank_p_match(q) - p - gain) < 1e-4);
	assert_true(gain > 0);
	sp__json_free(d);
	sp_free(json);
	sp_rank_free(q);
	sp_rank_free(r);
}

static void test_eval_order(void **state)
{
	(void)state;
	sp_rank *r = eval(rol(list6, NULL));
	/* Reversed: the same P(match); the last program, now first, is
	 * likelier there than it was. */
	const char *rev[7];
	for (size_t i = 0; i < 6; i++)
		rev[i] = list6[5 - i];
	rev[6] = NULL;
	sp_rank *q = eval(rol(rev, NULL));
	assert_true(fabs(sp_rank_p_match(q) - sp_rank_p_match(r)) < 1e-12);
	assert_true(sp_rank_p_at(q, 0) > sp_rank_p_at(r, 5));
	assert_true(sp_rank_p_at(q, 5) < sp_rank_p_at(r, 0));
	sp_rank_free(q);
	sp_rank_free(r);
}

static void test_eval_report(void **state)
{
	(void)state;
	char *json;
	size_t len;
	sp_err err;
	const char *in = rol(list6, NULL);
	OK(sp_rank_json(adv, in, strlen(in), "rol.json", &json, &len, &err));
	sp__json_doc *d;
	OK(sp__json_parse(json, len, "out", NULL, &d, &err));
	const sp__json *root = d->root;
	double p = sp__json_get(root, "p_match")->u.num.d;
	double lo = sp__json_get(root, "p_low")->u.num.d;
	double hi = sp__json_get(root, "p_high")->u.num.d;
	assert_true(lo <= p && p <= hi);
	const sp__json *progs = sp__json_get(root, "programs");
	assert_int_equal(sp__json_len(progs), 6);
	double cum = 0;
	for (size_t i = 0; i < 6; i++) {
		const sp__json *x = sp__json_at(progs, i);
		assert_string_equal(sp__json_get(x, "code")->u.str.s, list6[i]);
		double pm = sp__json_get(x, "p_match")->u.num.d;
		double taken = sp__json_get(x, "p_taken")->u.num.d;
		assert_true(pm <= taken + 1e-4 && taken <= 1);
		cum += pm;
		assert_true(fabs(sp__json_get(x, "p_cumulative")->u.num.d -
		                 cum) < 1e-3);
	}
	assert_true(fabs(cum - p) < 1e-3);
	assert_true(sp__json_len(sp__json_get(root, "advice")) >= 2);
	sp__json_free(d);
	sp_free(json);
}

/* Refused input: the status and the message's line and field. */
static void refused(const char *json, sp_status want, const char *where)
{
	sp_rank *r = NULL;
	sp_err err;
	assert_int_equal(
	    sp_rank_eval(adv, json, strlen(json), "rol.json", &r, &err), want);
	assert_null(r);
	if (!strstr(err.msg, where))
		fail_msg("'%s' lacks '%s'", err.msg, where);
}

static void test_refused(void **state)
{
	(void)state;
	refused("{\"profile\": {}, \"rank_order\": []", SP_EPARSE,
	        "rol.json:1");
	refused("{\"rank_order\": []}", SP_EPARSE, "'profile'");
	refused("{\"profile\": {\"applicant_type\": \"us_md\",\n"
	        "\"step2\": 99, \"specialty\": \"IM\"}, \"rank_order\": []}",
	        SP_EPARSE, "rol.json:2: field 'step2'");
	const char *dup[] = {"IM-0001", "IM-0002", "IM-0001", NULL};
	refused(rol(dup, NULL), SP_EINVAL,
	        "rol.json:4: field 'rank_order[2]': program listed twice");
	const char *nope[] = {"IM-0001", "XX-1", NULL};
	refused(rol(nope, NULL), SP_ENOTFOUND,
	        "rol.json:3: field 'rank_order[1]': no program \"XX-1\"");
	refused(rol(list6, "IM-0450"), SP_EINVAL,
	        "field 'also_interviewed[0]': program listed twice");
	refused("{\"profile\": {\"applicant_type\": \"us_md\", \"step2\": "
	        "240, \"specialty\": \"IM\"}, \"rank_order\": [{\"code\": "
	        "\"IM-0001\", \"signal\": \"blue\"}]}",
	        SP_EINVAL, "field 'rank_order[0].signal'");
	refused("{\"profile\": {\"applicant_type\": \"us_md\", \"step2\": "
	        "240, \"specialty\": \"IM\"}, \"rank_order\": [], \"x\": 1}",
	        SP_EPARSE, "field 'x': unknown field");
}

/* A signal buys the interview, not the rank (rank_signal 0, model
 * version 7): once interviewed, an applicant who signalled is no likelier
 * to match there, and a little less (it was invited from lower down). */
static void test_signal(void **state)
{
	(void)state;
#define SIGNALLED(t)                                                  \
	"{\"profile\": %s, \"rank_order\": [{\"code\": \"IM-0036\", " \
	"\"signal\": \"" t "\"}]}"
	char a[512], b[512];
	snprintf(a, sizeof a, SIGNALLED("none"), profile);
	snprintf(b, sizeof b, SIGNALLED("gold"), profile);
	sp_rank *ra = eval(a), *rb = eval(b);
	assert_true(sp_rank_p_match(rb) <= sp_rank_p_match(ra) + 1e-12);
	assert_true(sp_rank_p_match(rb) > 0);
	sp_rank_free(ra);
	sp_rank_free(rb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_core_brute_force),
	    cmocka_unit_test(test_core_properties),
	    cmocka_unit_test(test_eval_sum_and_append),
	    cmocka_unit_test(test_eval_order),
	    cmocka_unit_test(test_eval_report),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_signal),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * bench_portfolio.c — the portfolio optimizer (src/portfolio.c) on
 * Kapur's synthetic markets (t ~ ceil(Exp(scale 10)), f = 1/(t + 10 Q),
 * Q ~ U[0,1); costs U{1..30}): 1,000 options with a count of 50, the
 * whole curve (count 1,000), a budget of 3,000, the same through the
 * JSON front end, and the correlated mixture at the advisor's size
 * (800 options, 16 scenarios, 60 picks, then the swap search).  Prints
 * the best and median wall time of each.
 *
 *   bench_portfolio [--runs N]
 * Targets (docs/benchmarks.md): <= 10 ms for each 1,000-option problem,
 * about 20 ms for the mixture greedy.
 */
#include "smartpick.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

enum { N = 1000, MN = 800, MK = 16, MH = 60 };

typedef struct {
	sp_option o[N];
	int32_t order[N], chosen[N];
	double curve[N];
	char *json_count, *json_curve, *json_budget;
	double w[MK], mp[MK * MN], mval[MN];
	int32_t set[MN];
} bench;

static void die(const char *what, const sp_err *err)
{
	fprintf(stderr, "bench_portfolio: %s: %s\n", what, err->msg);
	exit(1);
}

static void run(bench *b, int which)
{
	sp_err err;
	size_t k, len;
	double v;
	char *out;
	sp_mixture mx = {MN, MK, b->w, b->mp, b->mval};
	switch (which) {
	case 0:
		if (sp_portfolio_order(b->o, N, 50, b->order, b->curve, &err))
			die("order", &err);
		break;
	case 1:
		if (sp_portfolio_order(b->o, N, N, b->order, b->curve, &err))
			die("order", &err);
		break;
	case 2:
		if (sp_portfolio_budget(b->o, N, 3000, b->chosen, &k, &v, &err))
			die("budget", &err);
		break;
	case 3:
	case 4:
	case 5: {
		const char *text = which == 3   ? b->json_count
		                   : which == 4 ? b->json_curve
		                                : b->json_budget;
		if (sp_portfolio_json(text, strlen(text), "bench", which == 4,
		                      &out, &len, &err))
			die("json", &err);
		sp_free(out);
		break;
	}
	case 6:
		if (sp_mixture_order(&mx, NULL, 0, MH, b->order, b->curve,
		                     &err))
			die("mixture", &err);
		break;
	case 7:
		memcpy(b->set, b->order, MH * sizeof *b->set);
		sp_mixture_improve(&mx, b->set, MH, 0);
		break;
	}
}

/* The problem as JSON text (malloc'd). */
static char *to_json(const sp_option *o, size_t n, const char *tail)
{
	size_t cap = n * 96 + 64, len = 0;
	char *s = malloc(cap);
	if (!s)
		exit(1);
	len += (size_t)snprintf(s + len, cap - len, "{\"options\":[");
	for (size_t j = 0; j < n; j++)
		len += (size_t)snprintf(s + len, cap - len,
		                        "%s{\"id\":\"o%zu\",\"p\":%.17g,"
		                        "\"value\":%.17g,\"cost\":%lld}",
		                        j ? "," : "", j, o[j].p, o[j].value,
		                        (long long)o[j].cost);
	snprintf(s + len, cap - len, "],%s}", tail);
	return s;
}

static void setup(bench *b)
{
	sp_rng r;
	sp_rng_seed(&r, 2022, 0);
	for (size_t j = 0; j < N; j++) {
		double t = ceil(-10 * log(1 - sp_rng_uniform(&r)));
		if (t < 1)
			t = 1;
		double f = 1 / (t + 10 * sp_rng_uniform(&r));
		b->o[j] = (sp_option){f, t, 1 + (int64_t)sp_rng_below(&r, 30)};
	}
	b->json_count = to_json(b->o, N, "\"count\":50");
	b->json_curve = to_json(b->o, N, "\"count\":1000");
	b->json_budget = to_json(b->o, N, "\"budget\":3000");
	/* The mixture: strength nodes z_s, option j succeeds with
	 * logistic(a_j + b_j z_s); Gauss-Hermite-like weights. */
	double sum = 0;
	for (size_t s = 0; s < MK; s++) {
		double z = -3 + 6.0 * (double)s / (MK - 1);
		b->w[s] = exp(-z * z / 2);
		sum += b->w[s];
	}
	for (size_t s = 0; s < MK; s++)
		b->w[s] /= sum;
	for (size_t j = 0; j < MN; j++) {
		double a = -3 + 4 * sp_rng_uniform(&r);
		double sl = 1 + sp_rng_uniform(&r);
		for (size_t s = 0; s < MK; s++) {
			double z = -3 + 6.0 * (double)s / (MK - 1);
			b->mp[s * MN + j] = 1 / (1 + exp(-(a + sl * z)));
		}
		b->mval[j] = 1 + 9 * sp_rng_uniform(&r);
	}
}

int main(int argc, char **argv)
{
	int runs = 21;
	for (int i = 1; i + 1 < argc; i += 2)
		if (!strcmp(argv[i], "--runs"))
			runs = (int)strtol(argv[i + 1], NULL, 10);
	if (runs < 1 || runs > 1000) {
		fprintf(stderr, "usage: bench_portfolio [--runs N]\n");
		return 2;
	}
	static bench b;
	setup(&b);
	static const char *const names[] = {
	    "count 50 of 1,000",        "full curve (1,000)",
	    "budget 3,000, costs 1-30", "JSON: count 50",
	    "JSON: full curve",         "JSON: budget 3,000",
	    "mixture 800x16, h 60",     "  + swap search",
	};
	static const char *const targets[] = {
	    "<= 10 ms", "<= 10 ms", "<= 10 ms", "", "", "", "~ 20 ms", "",
	};
	printf("portfolio optimizer: ms per problem (best and median of %d "
	       "runs)\n",
	       runs);
	printf("%-28s %10s %10s  %s\n", "problem", "best", "median", "target");
	double *t = malloc((size_t)runs * sizeof *t);
	if (!t)
		return 1;
	for (int w = 0; w < 8; w++) {
		for (int k = 0; k < runs; k++) {
			double t0 = now_ms();
			run(&b, w);
			t[k] = now_ms() - t0;
		}
		qsort(t, (size_t)runs, sizeof *t, cmp_double);
		printf("%-28s %10.3f %10.3f  %s\n", names[w], t[0], t[runs / 2],
		       targets[w]);
	}
	sp_mixture mx = {MN, MK, b.w, b.mp, b.mval};
	double g = b.curve[MH - 1];
	double v = sp_mixture_value(&mx, b.set, MH);
	printf("(mixture: greedy value %.6f, after swaps %.6f)\n", g, v);
	free(t);
	free(b.json_count);
	free(b.json_curve);
	free(b.json_budget);
	return 0;
}

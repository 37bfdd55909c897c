/*
 * bench_advise.c — one recommendation (src/advise.c): the profile parsed,
 * every program of a specialty and a backup estimated over the latent
 * strength, signals allocated, the list optimized, the report written
 * as JSON — on the default synthetic catalog with its market statistics
 * already stored (the one-off simulation that computes them is timed
 * separately).  Also the whole command as a user runs it, opening the
 * catalog each time.
 *
 *   bench_advise [--runs N]
 * Target (docs/benchmarks.md): one recommendation <= 200 ms.
 */
#include "smartpick.h"

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

static const char *const profiles[][2] = {
    {"IM + FM, US MD 246, budget",
     "{\"applicant_type\":\"us_md\",\"step2\":246,\"research\":4,"
     "\"home_state\":\"OH\",\"specialty\":\"Internal Medicine\","
     "\"backups\":[\"Family Medicine\"],\"budget\":900}"},
    {"IM + FM, non-US IMG 238, visa",
     "{\"applicant_type\":\"non_us_img\",\"step2\":238,\"needs_visa\":"
     "true,\"specialty\":\"IM\",\"backups\":[\"FM\"]}"},
    {"ORTHO + GS, US MD 255",
     "{\"applicant_type\":\"us_md\",\"step2\":255,\"research\":12,"
     "\"home_state\":\"TX\",\"specialty\":\"Orthopaedic Surgery\","
     "\"backups\":[\"Surgery\"]}"},
};

static void die(const char *what, const sp_err *err)
{
	fprintf(stderr, "bench_advise: %s: %s\n", what, err->msg);
	exit(1);
}

int main(int argc, char **argv)
{
	int runs = 7;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_advise [--runs N]\n");
			return 2;
		}
	}
	if (runs < 1)
		runs = 1;
	const char *db = "/tmp/sp-bench-advise.db";
	remove(db);
	sp_catalog *c;
	sp_err err;
	if (sp_catalog_open(db, 1, &c, &err) ||
	    sp_catalog_init_synthetic(c, 1, &err))
		die("catalog", &err);
	double t0 = now_ms();
	if (sp_advisor_prepare(c, 16, 0, &err))
		die("statistics", &err);
	printf("advisor: market statistics, 16 seasons on all cores: %.0f ms "
	       "(once per catalog)\n",
	       now_ms() - t0);
	double best_open = 1e300;
	sp_advisor *a = NULL;
	for (int k = 0; k < runs; k++) {
		sp_advisor_free(a);
		t0 = now_ms();
		if (sp_advisor_open(c, &a, &err))
			die("open", &err);
		double t = now_ms() - t0;
		if (t < best_open)
			best_open = t;
	}
	printf("advisor: open (catalog, model, statistics): %.1f ms\n",
	       best_open);
	for (size_t p = 0; p < sizeof profiles / sizeof *profiles; p++) {
		double best = 1e300;
		size_t n = 0;
		for (int k = 0; k < runs; k++) {
			char *out;
			t0 = now_ms();
			if (sp_recommend_json(a, profiles[p][1],
			                      strlen(profiles[p][1]), "bench",
			                      &out, &n, &err))
				die(profiles[p][0], &err);
			double t = now_ms() - t0;
			sp_free(out);
			if (t < best)
				best = t;
		}
		printf("advisor: one recommendation, %-32s %6.1f ms  "
		       "(open + recommend %.1f ms; target <= 200)\n",
		       profiles[p][0], best, best + best_open);
	}
	sp_advisor_free(a);
	sp_catalog_close(c);
	remove(db);
	return 0;
}

/*
 * bench_sim.c — time per trial of the market simulator (src/market.c,
 * src/sim.c) on the built-in national catalog: Internal Medicine alone
 * (about 11,000 positions) and the whole national market, on one thread
 * and on all cores.  Prints milliseconds per trial (wall time of the
 * run divided by the trials) and the speed-up of all cores over one.
 *
 *   bench_sim [--trials N] [--runs N]
 * Targets (docs/benchmarks.md): IM <= 200 ms per trial, national <= 1 s
 * per trial on one core, near-linear scaling with cores.  A last row
 * times the advisor's check (sp_simulate_probe): Internal Medicine with
 * 100 copies of a probe applying to 40 programs.
 */
#include "smartpick.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Best wall time per trial over `runs` runs. */
static double time_run(const sp_model *m, int trials, int threads, int runs)
{
	double best = 1e300;
	for (int k = 0; k < runs; k++) {
		sp_sim_opts o = sp_sim_defaults();
		o.seed = 1;
		o.trials = trials;
		o.threads = threads;
		sp_sim_result *r = NULL;
		sp_err err;
		double t0 = now_ms();
		if (sp_simulate(m, &o, &r, &err)) {
			fprintf(stderr, "bench_sim: %s\n", err.msg);
			exit(1);
		}
		double ms = (now_ms() - t0) / trials;
		sp_sim_result_free(r);
		if (ms < best)
			best = ms;
	}
	return best;
}

/* The same for sp_simulate_probe: 100 copies of a US MD senior
 * applying to 40 Internal Medicine programs (every 8th of the
 * catalog's), three of them with gold signals and twelve with silver. */
static double time_probe(const sp_model *m, const sp_program_info *progs,
                         size_t np, int trials, int threads, int runs)
{
	int32_t apps[40];
	uint8_t tier[40] = {2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
	size_t n = 0, seen = 0;
	for (size_t j = 0; j < np && n < 40; j++)
		if (!strcmp(progs[j].specialty, "IM") && seen++ % 8 == 0)
			apps[n++] = (int32_t)j;
	sp_probe pr;
	memset(&pr, 0, sizeof pr);
	pr.profile.type = SP_APPL_US_MD;
	pr.profile.step2 = 250;
	pr.profile.research = 4;
	snprintf(pr.profile.state, sizeof pr.profile.state, "OH");
	pr.apps = apps;
	pr.tier = tier;
	pr.napps = n;
	pr.clones = 100;
	double best = 1e300;
	for (int k = 0; k < runs; k++) {
		sp_sim_opts o = sp_sim_defaults();
		o.seed = 1;
		o.trials = trials;
		o.threads = threads;
		sp_probe_result res;
		sp_err err;
		double t0 = now_ms();
		if (sp_simulate_probe(m, &o, &pr, &res, &err)) {
			fprintf(stderr, "bench_sim: %s\n", err.msg);
			exit(1);
		}
		double ms = (now_ms() - t0) / trials;
		sp_free(res.int_at);
		sp_free(res.match_at);
		if (ms < best)
			best = ms;
	}
	return best;
}

int main(int argc, char **argv)
{
	int trials = 4, runs = 3;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--trials"))
			trials = (int)strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--runs"))
			runs = (int)strtol(argv[i + 1], NULL, 10);
	}
	if (trials < 1 || runs < 1 || runs > 100) {
		fprintf(stderr, "usage: bench_sim [--trials N] [--runs N]\n");
		return 2;
	}
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int cores = ncpu < 1 ? 1 : (int)ncpu;
	sp_specialty_info *specs;
	sp_program_info *progs;
	size_t ns, np;
	sp_err err;
	if (sp_catalog_synthetic(1, &specs, &ns, &progs, &np, &err)) {
		fprintf(stderr, "bench_sim: %s\n", err.msg);
		return 1;
	}
	static const char *const im[] = {"IM"};
	printf("market simulator: ms per trial (best of %d runs of %d "
	       "trials)\n",
	       runs, trials);
	printf("%-22s %12s %12s %9s\n", "market", "1 thread", "all cores",
	       "speed-up");
	for (int which = 0; which < 2; which++) {
		sp_model *m = NULL;
		if (sp_model_new(specs, ns, progs, np, &m, &err) ||
		    sp_model_select(m, im, which == 0 ? 1 : 0, &err)) {
			fprintf(stderr, "bench_sim: %s\n", err.msg);
			return 1;
		}
		double one = time_run(m, trials, 1, runs);
		double all =
		    cores > 1 ? time_run(m, trials * cores, cores, runs) : one;
		printf("%-22s %10.1f ms %10.1f ms %8.2fx  (%d cores)\n",
		       which == 0 ? "Internal Medicine" : "national", one, all,
		       one / all, cores);
		if (which == 0) {
			double p1 = time_probe(m, progs, np, trials, 1, runs);
			double pa =
			    cores > 1 ? time_probe(m, progs, np, trials * cores,
			                           cores, runs)
			              : p1;
			printf("%-22s %10.1f ms %10.1f ms %8.2fx  (%d cores)\n",
			       "IM + probe x100", p1, pa, p1 / pa, cores);
		}
		sp_model_free(m);
	}
	sp_free(specs);
	sp_free(progs);
	return 0;
}

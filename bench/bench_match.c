/*
 * bench_match.c — the engine benchmark at 2025 NRMP scale.
 *
 * Generates the national market (sp_gen_national), writes it as .rp to a
 * temporary file, and times, as the best and median of --runs runs with
 * CLOCK_MONOTONIC:
 *   parse    sp_inst_read of the .rp file (which also builds the rank
 *            index, as every reader does)
 *   index    sp_inst_prepare alone: joining both sides' ranks, once per
 *            instance (one run: it is cached)
 *   singles  sp_match on the same market without couples, supplemental
 *            lists or reversions (generated with ncouples = 0, so
 *            plain deferred acceptance), prepared
 *   couples  sp_match on the whole national market, prepared
 *   verify   sp_verify of the couples matching
 * and prints each beside its target from the issue.  Memory is the peak
 * RSS of a fresh process (this program re-executed with --child) that
 * parses, matches and verifies a market (its VmHWM), at national size
 * and at twice national size: linear memory shows as about equal bytes
 * per list entry, and the marginal bytes per added entry say what each
 * entry costs without the fixed part.
 *
 * Uses only the public API, like any client of the library.
 */
#include "smartpick.h"

#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_RUNS 101

/* Wall-clock figures of n runs, and the least thread CPU time (which a
 * busy machine disturbs less). */
typedef struct {
	double best, median, cpu; /* milliseconds */
	int n;
} timing;

/* A run's samples: wall and CPU milliseconds. */
typedef struct {
	double wall[MAX_RUNS], cpu[MAX_RUNS];
} samples;

/* A start time on both clocks. */
typedef struct {
	double wall, cpu;
} stamp;

/* List entries of a market, each list counted once. */
typedef struct {
	long single;  /* singles' rank order lists */
	long pairs;   /* couples' ranked pairs */
	long supp;    /* supplemental lists: linked and PGY-1 programs */
	long program; /* programs' rank order lists */
} entries;

static double clock_ms(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

static stamp start(void)
{
	stamp t = {now_ms(), clock_ms(CLOCK_THREAD_CPUTIME_ID)};
	return t;
}

/* Records the time since t0 as sample i. */
static void stop(stamp t0, samples *sm, int i)
{
	sm->wall[i] = now_ms() - t0.wall;
	sm->cpu[i] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - t0.cpu;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

static timing summarize(double *ms, int n)
{
	qsort(ms, (size_t)n, sizeof *ms, cmp_double);
	timing t = {ms[0], n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2,
	            ms[0], n};
	return t;
}

static timing summarize_both(samples *sm, int n)
{
	timing t = summarize(sm->wall, n);
	t.cpu = summarize(sm->cpu, n).best;
	return t;
}

static long total(entries e)
{
	return e.single + e.pairs + e.supp + e.program;
}

static entries count_entries(const sp_inst *in)
{
	entries e = {0, 0, 0, 0};
	size_t n;
	for (int32_t a = 0; a < sp_inst_napplicants(in); a++) {
		sp_inst_rol(in, a, &n);
		e.single += (long)n;
	}
	for (int32_t c = 0; c < sp_inst_ncouples(in); c++) {
		sp_inst_couple_rol(in, c, &n);
		e.pairs += (long)n;
	}
	for (size_t k = 0; k < sp_inst_nsupplementals(in); k++) {
		int32_t a;
		const int32_t *adv, *pre;
		size_t nadv, npre;
		sp_inst_supplemental(in, k, &a, &adv, &nadv, &pre, &npre);
		e.supp += (long)(nadv + npre);
	}
	for (int32_t p = 0; p < sp_inst_nprograms(in); p++) {
		sp_inst_program_rol(in, p, &n);
		e.program += (long)n;
	}
	return e;
}

static void die(const char *what, sp_status s, const sp_err *err)
{
	fprintf(stderr, "bench_match: %s: %s\n", what,
	        err && err->msg[0] ? err->msg : sp_strerror(s));
	exit(1);
}

static sp_inst *generate(const sp_gen_opts *o, double *ms)
{
	sp_inst *in;
	sp_err err;
	double t0 = now_ms();
	sp_status s = sp_gen(o, &in, &err);
	if (s)
		die("sp_gen", s, &err);
	if (ms)
		*ms = now_ms() - t0;
	return in;
}

/* ------------------------------------------------------------------ */
/* The timed steps.                                                    */

static timing time_parse(const char *path, int runs)
{
	samples sm;
	for (int i = 0; i < runs; i++) {
		sp_inst *in;
		sp_err err;
		stamp t0 = start();
		sp_status s = sp_inst_read(path, SP_FMT_RP, &in, &err);
		stop(t0, &sm, i);
		if (s)
			die("sp_inst_read", s, &err);
		sp_inst_free(in);
	}
	return summarize_both(&sm, runs);
}

/* Times sp_match; gives the last run's matching and status. */
static timing time_match(const sp_inst *in, int runs, sp_matching **last,
                         sp_status *status)
{
	samples sm;
	sp_match_opts o = sp_match_defaults();
	*last = NULL;
	for (int i = 0; i < runs; i++) {
		sp_matching *m = NULL;
		sp_err err;
		stamp t0 = start();
		sp_status s = sp_match(in, &o, &m, &err);
		stop(t0, &sm, i);
		if (s != SP_OK && s != SP_ENOSTABLE)
			die("sp_match", s, &err);
		*status = s;
		sp_matching_free(*last);
		*last = m;
	}
	return summarize_both(&sm, runs);
}

static timing time_verify(const sp_inst *in, const sp_matching *m, int runs,
                          size_t *violations)
{
	samples sm;
	for (int i = 0; i < runs; i++) {
		sp_report *r;
		stamp t0 = start();
		sp_status s = sp_verify(in, m, &r);
		stop(t0, &sm, i);
		if (s)
			die("sp_verify", s, NULL);
		*violations = sp_report_count(r);
		sp_report_free(r);
	}
	return summarize_both(&sm, runs);
}

/* ------------------------------------------------------------------ */
/* Memory: peak RSS of a fresh process.                                */

/* This process's peak resident set in bytes (VmHWM), or -1.  Unlike
 * getrusage's ru_maxrss, which Linux carries across execve (so a child
 * started by posix_spawn inherits the parent's peak), VmHWM belongs to
 * the address space that exec created. */
static long peak_rss(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/* The --child side: parse, match, verify, then print the peak RSS;
 * exit 0 when all ran. */
static int child(const char *path)
{
	sp_inst *in;
	sp_matching *m = NULL;
	sp_report *r = NULL;
	sp_err err;
	sp_match_opts o = sp_match_defaults();
	if (sp_inst_read(path, SP_FMT_RP, &in, &err))
		return 1;
	sp_status s = sp_match(in, &o, &m, &err);
	if ((s != SP_OK && s != SP_ENOSTABLE) || sp_verify(in, m, &r))
		return 1;
	printf("%ld\n", peak_rss());
	sp_report_free(r);
	sp_matching_free(m);
	sp_inst_free(in);
	return 0;
}

/* Runs `self --child path`; returns its peak RSS in bytes, or -1. */
static long child_rss(const char *self, const char *path)
{
	char *argv[] = {(char *)self, "--child", (char *)path, NULL};
	int fd[2];
	if (pipe(fd) != 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	pid_t pid;
	int rc = posix_spawn(&pid, self, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	long rss = -1;
	FILE *f = fdopen(fd[0], "r");
	if (f && fscanf(f, "%ld", &rss) != 1)
		rss = -1;
	if (f)
		fclose(f);
	else
		close(fd[0]);
	int status;
	if (rc != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return rss;
}

static void write_rp(const sp_inst *in, const char *path, double *ms)
{
	sp_err err;
	double t0 = now_ms();
	sp_status s = sp_inst_write(in, path, SP_FMT_RP, &err);
	if (s)
		die("sp_inst_write", s, &err);
	if (ms)
		*ms = now_ms() - t0;
}

/* ------------------------------------------------------------------ */
/* Report.                                                             */

/* A row of the table; target 0 means the step has none of its own. */
static void row(const char *step, timing t, double target)
{
	if (target <= 0) {
		printf("  %-28s %8.1f ms %8.1f ms %8.1f ms  (part of parse)\n",
		       step, t.best, t.median, t.cpu);
		return;
	}
	printf("  %-28s %8.1f ms %8.1f ms %8.1f ms  <= %3.0f ms  %s\n", step,
	       t.best, t.median, t.cpu, target,
	       t.best <= target ? "ok" : "OVER TARGET");
}

static void print_stats(const char *name, const sp_inst *in,
                        const sp_matching *m, sp_status s, size_t violations)
{
	const sp_match_stats *st = sp_matching_stats(m);
	int32_t na = sp_inst_napplicants(in), matched = 0;
	long positions = 0, filled = 0;
	for (int32_t a = 0; a < na; a++)
		matched += sp_matching_program(m, a) != SP_NONE;
	for (int32_t p = 0; p < sp_inst_nprograms(in); p++) {
		positions += sp_matching_capacity(m, p);
		filled += sp_matching_filled(m, p);
	}
	printf("  %s: %s; %ld violations found by sp_verify\n", name,
	       s == SP_OK ? "stable matching" : sp_strerror(s),
	       (long)violations);
	printf("    matched %d of %d applicants (%.1f%%); filled %ld of %ld "
	       "positions (%.1f%%)\n",
	       matched, na, 100.0 * matched / na, filled, positions,
	       100.0 * (double)filled / (double)positions);
	printf("    proposals %ld, displacements %ld, program checks %ld, "
	       "rounds %d,\n    cycles %d, restarts %d, positions reverted "
	       "%ld\n",
	       st->proposals, st->displacements, st->program_checks, st->rounds,
	       st->cycles, st->restarts, st->reverted);
}

static void print_market(const char *name, const sp_inst *in, entries e)
{
	long positions = 0;
	for (int32_t p = 0; p < sp_inst_nprograms(in); p++)
		positions += sp_inst_quota(in, p);
	printf("  %s: %d applicants (%d couples), %d programs, %ld "
	       "positions\n"
	       "    list entries %ld = %ld single + %ld couple pairs + %ld "
	       "supplemental + %ld program\n",
	       name, (int)sp_inst_napplicants(in), (int)sp_inst_ncouples(in),
	       (int)sp_inst_nprograms(in), positions, total(e), e.single,
	       e.pairs, e.supp, e.program);
}

static sp_gen_opts scaled(sp_gen_opts o, int k)
{
	o.napplicants *= k;
	o.ncouples *= k;
	o.nprograms *= k;
	o.npositions *= k;
	o.reversions *= k;
	return o;
}

static void memory_table(const char *self, const char *dir,
                         const sp_gen_opts *o, const char *path1, entries e1)
{
	char path2[4096];
	snprintf(path2, sizeof path2, "%s/smartpick-bench-%ld-x2.rp", dir,
	         (long)getpid());
	sp_gen_opts o2 = scaled(*o, 2);
	sp_inst *in2 = generate(&o2, NULL);
	entries e2 = count_entries(in2);
	write_rp(in2, path2, NULL);
	sp_inst_free(in2);
	long r1 = child_rss(self, path1), r2 = child_rss(self, path2);
	remove(path2);
	printf("\nmemory: peak RSS of a fresh process that parses, matches "
	       "and verifies\n"
	       "  %-22s %14s %12s %14s\n",
	       "market", "list entries", "peak RSS", "bytes/entry");
	if (r1 < 0 || r2 < 0) {
		printf("  (the child process failed; no figures)\n");
		return;
	}
	printf("  %-22s %14ld %9.1f MB %14.0f\n", "national", total(e1),
	       (double)r1 / 1e6, (double)r1 / (double)total(e1));
	printf("  %-22s %14ld %9.1f MB %14.0f\n", "2 x national", total(e2),
	       (double)r2 / 1e6, (double)r2 / (double)total(e2));
	printf("  marginal: %.0f bytes per added list entry (target: memory "
	       "linear in list entries)\n",
	       (double)(r2 - r1) / (double)(total(e2) - total(e1)));
}

/* Runs sp_match once on the national market for seeds 1..n: couples
 * make stability a matter of luck for any Roth-Peranson engine, so the
 * rate at which it finds a stable matching is a figure of its own. */
static void seed_table(const sp_gen_opts *o, int n)
{
	int stable = 0;
	double ms[MAX_RUNS], worst = 0;
	printf("\nstability over seeds: the national market with seeds 1..%d\n",
	       n);
	printf("  seed  result                          match ms  cycles  "
	       "restarts\n");
	for (int k = 0; k < n; k++) {
		sp_gen_opts ok = *o;
		ok.seed = (uint64_t)k + 1;
		sp_inst *in = generate(&ok, NULL);
		sp_matching *m = NULL;
		sp_match_opts mo = sp_match_defaults();
		sp_err err;
		double t0 = now_ms();
		sp_status s = sp_match(in, &mo, &m, &err);
		ms[k] = now_ms() - t0;
		if (s != SP_OK && s != SP_ENOSTABLE)
			die("sp_match", s, &err);
		const sp_match_stats *st = sp_matching_stats(m);
		printf("  %4d  %-30s %9.1f  %6d  %8d\n", k + 1,
		       s == SP_OK ? "stable" : sp_strerror(s), ms[k],
		       st->cycles, st->restarts);
		stable += s == SP_OK;
		worst = ms[k] > worst ? ms[k] : worst;
		sp_matching_free(m);
		sp_inst_free(in);
	}
	timing t = summarize(ms, n);
	printf("  stable on %d of %d; match time median %.1f ms, worst %.1f "
	       "ms\n",
	       stable, n, t.median, worst);
}

/* ------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "usage: bench_match [--runs N] [--seed N] "
	                "[--tmpdir DIR] [--no-memory] [--seeds N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int runs = 7, seeds = 5;
	bool memory = true;
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	sp_gen_opts o = sp_gen_national();
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--child") && i + 1 < argc)
			return child(argv[i + 1]);
		if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = (int)strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			o.seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--tmpdir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--seeds") && i + 1 < argc)
			seeds = (int)strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--no-memory"))
			memory = false;
		else
			usage();
	}
	if (runs < 1 || runs > MAX_RUNS || seeds < 0 || seeds > MAX_RUNS)
		usage();

	double gen_ms, write_ms, singles_gen_ms;
	sp_inst *in = generate(&o, &gen_ms);
	entries e = count_entries(in);
	char path[4096];
	snprintf(path, sizeof path, "%s/smartpick-bench-%ld.rp", dir,
	         (long)getpid());
	write_rp(in, path, &write_ms);
	struct stat st;
	long bytes = stat(path, &st) == 0 ? (long)st.st_size : -1;

	sp_gen_opts os = o;
	os.ncouples = 0;
	os.supplemental_share = 0;
	os.reversions = 0;
	sp_inst *singles = generate(&os, &singles_gen_ms);
	entries es = count_entries(singles);

	printf("SmartPick engine benchmark (%s), seed %llu, %d runs each\n\n",
	       SP_VERSION, (unsigned long long)o.seed, runs);
	print_market("national", in, e);
	print_market("singles only", singles, es);
	printf("  sp_gen: %.0f ms (national), %.0f ms (singles only); "
	       ".rp written in %.0f ms, %.1f MB\n\n",
	       gen_ms, singles_gen_ms, write_ms, (double)bytes / 1e6);

	timing parse = time_parse(path, runs);
	stamp ti = start();
	if (sp_inst_prepare(singles) || sp_inst_prepare(in))
		die("sp_inst_prepare", SP_ENOMEM, NULL);
	samples si;
	stop(ti, &si, 0);
	timing tindex = summarize_both(&si, 1);
	sp_matching *ms, *mc;
	sp_status ss, sc;
	timing tsingles = time_match(singles, runs, &ms, &ss);
	timing tcouples = time_match(in, runs, &mc, &sc);
	size_t vs = 0, vc = 0;
	time_verify(singles, ms, 1, &vs);
	timing tverify = time_verify(in, mc, runs, &vc);

	printf("  %-28s %11s %11s %11s  %6s\n", "step", "best wall",
	       "median wall", "best CPU", "target");
	row("parse .rp (sp_inst_read)", parse, 100);
	row("rank index, both markets", tindex, 0);
	row("match, singles only", tsingles, 10);
	row("match, with couples", tcouples, 100);
	row("verify (sp_verify)", tverify, 50);
	printf("  (the verdict is on the best wall time; the median shows a "
	       "shared machine's\n  noise, and thread CPU time what the "
	       "step costs when it has a core)\n");
	printf("\n");
	print_stats("singles only", singles, ms, ss, vs);
	print_stats("with couples", in, mc, sc, vc);

	sp_matching_free(ms);
	sp_matching_free(mc);
	sp_inst_free(singles);
	if (memory)
		memory_table("/proc/self/exe", dir, &o, path, e);
	if (seeds > 0)
		seed_table(&o, seeds);
	sp_inst_free(in);
	remove(path);
	return 0;
}

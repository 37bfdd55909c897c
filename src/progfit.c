/*
 * progfit.c — each program's interview behaviour fitted to its own
 * measured interview-offer rates (sp_program_info.rates, from the real
 * catalog), and the per-program fit figures.
 *
 * What is fitted.  Per program j with measured rates: its interview
 * slots (how many it invites: the level of all its rates) and offsets
 * added to its interview score of an applicant, one per applicant type
 * (US MD, US DO, US IMG, non-US IMG; "other" keeps 0), one for
 * applicants from its own state (on top of the family's in-state
 * bonus) and one per signal tier (on top of the family's bonus).  A program
 * without rates keeps its specialty's model (its catalog slots, offsets 0).
 *
 * How.  A damped fixed-point iteration over simulated national seasons
 * (common random numbers: every iteration simulates the same seeds, so
 * the map is deterministic).  After each simulation, for each program:
 *   - slots *= (T / S)^damping, clamped to a factor of [0.5, 2], where
 *     S is its simulated offer rate over all its applications and T the
 *     same with each measured type's rate in place of the simulated one
 *     (weights: the simulated applications of each type);
 *   - offset_t += damping * scale * (d_t - mean d), where d_t =
 *     probit(measured_t) - probit(simulated_t) (rates clamped to [0.01,
 *     0.99]; the simulated one smoothed by half an offer), the mean is
 *     weighted by applications and removed because a common shift moves
 *     the program's cutoff, not its rates (the slots carry the level);
 *     `scale` turns probit units into score units: the SD of the
 *     strength noise and the interview noise together;
 *   - offset_instate += damping * scale * (d_in - d_out), the same on the
 *     in-state and out-of-state rates.
 * Offsets stay within ±3 scale.  Complexity: one simulation of `trials`
 * seasons per iteration plus O(programs).
 *
 * Rejected: a joint least-squares fit (thousands of parameters, each
 * evaluation a national simulation: a Jacobian is out of reach, and the
 * map above is nearly diagonal, each program's rates moving mostly with
 * its own parameters); fitting selectivity (it moves who applies, which
 * the rates condition on, so it chases its own tail).
 */
#include "market.h"

#include "tables.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define RATE_LO   0.01
#define RATE_HI   0.99
#define MIN_APPS  2.0 /* simulated applications per trial to use a rate */
#define MAX_OFF   3.0 /* in units of scale */
#define SLOT_STEP 2.0 /* largest factor on the slots in one iteration */

static double probit(double p)
{
	return gsl_cdf_ugaussian_Pinv(fmax(RATE_LO, fmin(RATE_HI, p)));
}

static bool measured(const sp_program_info *p)
{
	for (int k = 0; k < SP_RATE_N; k++)
		if (!isnan(p->rates[k]))
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* The fit file: program_code, interview_slots, off_us_md, off_us_do,
 * off_us_img, off_non_us_img, off_instate, source. */

static const char *const fit_cols[] = {
    "program_code", "interview_slots", "off_us_md",
    "off_us_do",    "off_us_img",      "off_non_us_img",
    "off_instate",  "off_silver",      "off_gold"};
#define FIT_NCOLS ((int)(sizeof fit_cols / sizeof *fit_cols))

sp_status sp__model_load_program_fit(sp_model *m, const char *buf, size_t len,
                                     const char *name, size_t *skipped,
                                     sp_err *err)
{
	*skipped = 0;
	sp__strmap codes;
	sp__strmap_init(&codes);
	for (int32_t j = 0; j < m->np; j++)
		if (!sp__strmap_put(&codes, m->progs[j].code, j)) {
			sp__strmap_free(&codes);
			return sp__err_set(err, SP_ENOMEM, name, 0, NULL,
			                   "out of memory");
		}
	sp__csv c;
	int idx[FIT_NCOLS];
	sp__csv_init(&c, buf, len, name);
	sp_status s =
	    sp__csv_header(&c, fit_cols, FIT_NCOLS, FIT_NCOLS, true, idx, err);
	while (!s && !(s = sp__csv_next(&c, err)) && c.nf) {
		int32_t j = sp__strmap_get(&codes, sp__csv_field(&c, idx[0]));
		long slots;
		double off[SP__NPOFF] = {0};
		if ((s = sp__csv_long(&c, idx[1], 1, 1000000, &slots, err)))
			break;
		for (int k = 0; k < 4 && !s; k++)
			s = sp__csv_double(&c, idx[2 + k], -50, 50, &off[k],
			                   err);
		for (int k = 0; k < 3 && !s; k++)
			s = sp__csv_double(&c, idx[6 + k], -50, 50,
			                   &off[SP__POFF_INSTATE + k], err);
		if (s)
			break;
		if (j == SP_NONE) {
			++*skipped;
			continue;
		}
		m->progs[j].interview_slots = (int)slots;
		for (int k = 0; k < SP__NPOFF; k++)
			m->poff[(size_t)j * SP__NPOFF + k] = (float)off[k];
	}
	sp__csv_free(&c);
	sp__strmap_free(&codes);
	return s;
}

sp_status sp_model_program_fit_write_csv(const sp_model *m, FILE *f,
                                         const char *source)
{
	fprintf(f, "program_code,interview_slots,off_us_md,off_us_do,"
	           "off_us_img,off_non_us_img,off_instate,off_silver,off_gold,"
	           "source\n");
	for (int32_t j = 0; j < m->np; j++) {
		const sp_program_info *p = &m->progs[j];
		if (!measured(p))
			continue;
		const float *o = m->poff + (size_t)j * SP__NPOFF;
		fprintf(f, "%s,%d,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%s\n",
		        p->code, p->interview_slots, o[0], o[1], o[2], o[3],
		        o[SP__POFF_INSTATE], o[SP__POFF_TIER(1)],
		        o[SP__POFF_TIER(2)], source);
	}
	return ferror(f) ? SP_EIO : SP_OK;
}

/* ------------------------------------------------------------------ */
/* One step of the fixed-point iteration for program j. */

/* probit(measured) - probit(simulated, smoothed) for rate k of program
 * j; false when either is missing or too few applied. */
static bool gap(const sp_model *m, const sp_sim_result *r, int32_t j, sp_rate k,
                double *d)
{
	double rate, apps, want = m->progs[j].rates[k];
	sp_sim_result_program_rate(r, j, k, &rate, &apps);
	if (isnan(want) || isnan(rate) || apps < MIN_APPS)
		return false;
	*d = probit(want) - probit((rate * apps + 0.5) / (apps + 1));
	return true;
}

/* Moves offset o by the gap of rate k relative to rate base's. */
static void relative_step(const sp_model *m, const sp_sim_result *r, int32_t j,
                          sp_rate k, sp_rate base, double step, float *o)
{
	double dk, db;
	if (!gap(m, r, j, k, &dk) || !gap(m, r, j, base, &db))
		return;
	*o = (float)(*o + step * (dk - db));
}

static void step_program(sp_model *m, const sp_sim_result *r, int32_t j,
                         double damping, double scale)
{
	sp_program_info *p = &m->progs[j];
	float *off = m->poff + (size_t)j * SP__NPOFF;
	double d[4], w[4], all = 0, offered = 0, target = 0, dsum = 0, wsum = 0;
	for (int t = 0; t < 4; t++) {
		double rate, apps;
		sp_sim_result_program_rate(r, j, (sp_rate)t, &rate, &apps);
		w[t] = 0;
		if (apps <= 0 || isnan(rate))
			continue;
		all += apps;
		offered += rate * apps;
		bool have = !isnan(p->rates[t]);
		target += (have ? p->rates[t] : rate) * apps;
		if (!have || apps < MIN_APPS)
			continue;
		double smooth = (rate * apps + 0.5) / (apps + 1.0);
		d[t] = probit(p->rates[t]) - probit(smooth);
		w[t] = apps;
		dsum += d[t] * apps;
		wsum += apps;
	}
	if (all <= 0 || offered <= 0)
		return; /* nobody applied, or nobody was invited */
	double factor = pow(target / offered, damping);
	factor = fmax(1 / SLOT_STEP, fmin(SLOT_STEP, factor));
	long slots = lround(p->interview_slots * factor);
	p->interview_slots = (int)SP_MAX(1, SP_MIN(slots, 1000000));
	double mean = wsum > 0 ? dsum / wsum : 0;
	for (int t = 0; t < 4; t++)
		if (w[t] > 0) {
			double o = off[t] + damping * scale * (d[t] - mean);
			off[t] = (float)fmax(-MAX_OFF * scale,
			                     fmin(MAX_OFF * scale, o));
		}
	double step = damping * scale;
	relative_step(m, r, j, SP_RATE_INSTATE, SP_RATE_OUTSTATE, step,
	              &off[SP__POFF_INSTATE]);
	relative_step(m, r, j, SP_RATE_SILVER, SP_RATE_NOSIGNAL, step,
	              &off[SP__POFF_TIER(1)]);
	relative_step(m, r, j,
	              isnan(p->rates[SP_RATE_GOLD]) ? SP_RATE_SIGNAL
	                                            : SP_RATE_GOLD,
	              SP_RATE_NOSIGNAL, step, &off[SP__POFF_TIER(2)]);
	for (int k = SP__POFF_INSTATE; k < SP__NPOFF; k++)
		off[k] = (float)fmax(-MAX_OFF * scale,
		                     fmin(MAX_OFF * scale, off[k]));
}

sp_status sp_model_fit_programs(sp_model *m, const sp_progfit_opts *o,
                                sp_err *err)
{
	sp_sim_opts so = sp_sim_defaults();
	so.seed = o->seed;
	so.trials = o->trials > 0 ? o->trials : 4;
	so.threads = o->threads;
	double damping = o->damping > 0 ? o->damping : 0.7;
	double scale = hypot(m->g[SP__G_Z_NOISE], m->g[SP__G_I_NOISE]);
	int iterations = o->iterations > 0 ? o->iterations : 10;
	for (int it = 0; it < iterations; it++) {
		sp_sim_result *r;
		sp_status s = sp_simulate(m, &so, &r, err);
		if (s)
			return s;
		sp_progfit_stat st;
		if ((s = sp_progfit_stats(m, r, NULL, SP_RATE_MD, &st))) {
			sp_sim_result_free(r);
			return sp__err_set(err, s, NULL, 0, NULL,
			                   "out of memory");
		}
		if (o->progress)
			o->progress(o->progress_ctx, it, &st);
		for (int32_t j = 0; j < m->np; j++)
			if (measured(&m->progs[j]))
				step_program(m, r, j, damping, scale);
		sp_sim_result_free(r);
	}
	return SP_OK;
}

/* ------------------------------------------------------------------ */
/* Fit figures. */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Mid-ranks of v[0..n) into rk. */
static void ranks(const double *v, size_t n, double *rk, size_t *order)
{
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	/* insertion sort of indexes by value: n is a few hundred */
	for (size_t i = 1; i < n; i++) {
		size_t x = order[i], h = i;
		while (h > 0 && v[order[h - 1]] > v[x]) {
			order[h] = order[h - 1];
			h--;
		}
		order[h] = x;
	}
	for (size_t i = 0; i < n;) {
		size_t e = i;
		while (e + 1 < n && v[order[e + 1]] == v[order[i]])
			e++;
		double mid = (double)(i + e) / 2.0 + 1;
		for (size_t k = i; k <= e; k++)
			rk[order[k]] = mid;
		i = e + 1;
	}
}

static double pearson(const double *x, const double *y, size_t n)
{
	double mx = 0, my = 0;
	for (size_t i = 0; i < n; i++)
		mx += x[i], my += y[i];
	mx /= (double)n, my /= (double)n;
	double sxy = 0, sxx = 0, syy = 0;
	for (size_t i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
		syy += (y[i] - my) * (y[i] - my);
	}
	return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

sp_status sp_progfit_stats(const sp_model *m, const sp_sim_result *r,
                           const char *family, sp_rate k, sp_progfit_stat *out)
{
	memset(out, 0, sizeof *out);
	out->mae = out->pearson = out->spearman = NAN;
	int32_t fam = family ? sp__model_family(m, family) : -1;
	if (family && fam < 0)
		return SP_ENOTFOUND;
	size_t n = 0, cap = (size_t)m->np;
	double *x = sp_malloc(cap * sizeof *x), *y = sp_malloc(cap * sizeof *y);
	double *rx = sp_malloc(cap * sizeof *rx),
	       *ry = sp_malloc(cap * sizeof *ry);
	size_t *ord = sp_malloc(cap * sizeof *ord);
	if (!x || !y || !rx || !ry || !ord) {
		sp_free(x), sp_free(y), sp_free(rx), sp_free(ry), sp_free(ord);
		return SP_ENOMEM;
	}
	for (int32_t j = 0; j < m->np; j++) {
		if (fam >= 0 && m->spec_fam[m->prog_spec[j]] != fam)
			continue;
		double want = m->progs[j].rates[k], rate, apps;
		if (isnan(want))
			continue;
		sp_sim_result_program_rate(r, j, k, &rate, &apps);
		if (apps < MIN_APPS || isnan(rate))
			continue;
		x[n] = want;
		y[n++] = rate;
	}
	out->n = (int)n;
	if (n >= 3) {
		for (size_t i = 0; i < n; i++)
			rx[i] = fabs(x[i] - y[i]);
		qsort(rx, n, sizeof *rx, cmp_d);
		out->mae = n % 2 ? rx[n / 2] : (rx[n / 2 - 1] + rx[n / 2]) / 2;
		out->pearson = pearson(x, y, n);
		ranks(x, n, rx, ord);
		ranks(y, n, ry, ord);
		out->spearman = pearson(rx, ry, n);
	}
	sp_free(x), sp_free(y), sp_free(rx), sp_free(ry), sp_free(ord);
	return SP_OK;
}

/* The fit figures as Markdown: one row per family and measured rate
 * (with at least 3 programs), then all programs together, per rate. */
sp_status sp_progfit_report_write_md(const sp_model *m, const sp_sim_result *r,
                                     FILE *f)
{
	fprintf(f, "| family | rate | programs | median abs. error (points) "
	           "| Pearson r | Spearman rho |\n|---|---|---|---|---|---|\n");
	for (int32_t fam = -1; fam < m->nf; fam++) {
		const char *code = fam < 0 ? NULL : m->fam[fam].code;
		for (int k = 0; k < SP_RATE_N; k++) {
			sp_progfit_stat st;
			sp_status s =
			    sp_progfit_stats(m, r, code, (sp_rate)k, &st);
			if (s)
				return s;
			if (st.n < 3)
				continue;
			fprintf(f, "| %s | %s | %d | %.1f | %.2f | %.2f |\n",
			        code ? code : "all",
			        sp_rate_name((sp_rate)k) + 5, st.n,
			        100 * st.mae, st.pearson, st.spearman);
		}
	}
	return ferror(f) ? SP_EIO : SP_OK;
}

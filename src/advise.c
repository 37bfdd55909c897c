/*
 * advise.c — the advisor: one applicant's chances at every program of
 * their specialties, and the recommended list (which programs, which
 * signals, how many applications), with the reasons.
 *
 * The estimates come from the calibrated market model (market.c) and a
 * simulation of the national market (sim.c; `catalog stats`, stored in
 * the catalog), summarised per program by two cutoffs:
 *   - the interview cutoff C_I: the interview score of the last applicant
 *     a program offers an interview, second round included (when it has
 *     more applicants than slots);
 *   - the match cutoff C_M: the program-side rank score of the last
 *     applicant it matches (when it fills).
 * In a large market a program's cutoffs hardly move when one applicant
 * joins (Azevedo and Leshno's cutoff view of stable matchings), so for
 * one applicant with latent-strength deviation e:
 *   S   ~ N(mu_j(e, signal), sigma^2)       the interview score at j,
 *   P(interview at j | e)  = P(S > C_I),
 *   q_j(e) = P(interview and taken at j | e) = P(S > C_I, S + R > C_M),
 * with R ~ N(0, rho^2) the program's rank noise and C_I, C_M normal over
 * the simulated seasons in which they bind (a program that does not
 * bind in a season takes everyone at that stage; the shares of such
 * seasons are shrunk toward the specialty's).  X = S - C_I and
 * Y = S + R - C_M are bivariate normal, so q_j is Phi2 (Genz's form of
 * Plackett's identity, 4 Gauss–Legendre nodes).  Given e, the programs'
 * decisions are independent; the applicant matches at the best program
 * that takes them, so P(match | e) = 1 - prod_j (1 - q_j(e)).  The
 * latent strength e is the same at every program: it is integrated out
 * with 10 Gauss–Hermite nodes (the "scenarios" of sp_mixture), never
 * treated as independent coins.  docs/validation.md compares the result
 * with the applicant inserted into simulated seasons (--check).
 *
 * The list (portfolio.c): signals are allocated first, exactly for the
 * separable first-order gains (each program's gain in expected value when
 * signalled); the signalled programs are fixed applications; the rest of
 * the list is the greedy order by exact marginal value under the mixture
 * over e (among the MAX_CAND best candidates by value times chance),
 * improved by single swaps.  That is exact for one scenario (Kapur's
 * nested optimum) and a heuristic under correlation — measured against
 * brute force in tests/unit/test_portfolio.c.  The list stops where one
 * more application adds less than the profile's stop_gain (default
 * STOP_GAIN), never before its signalled programs; a budget, a count or
 * a target only end it earlier (caps, never targets), so stop_at is the
 * list's length.
 *
 * Preferences first (plan_main): unless the profile trades (backup_weight
 * given), the first choice's list is planned alone, exactly as without
 * backups, then fixed, and the backups are added after it.  Backups rank
 * below every first-choice program and are attended after them under the
 * interview cap, so P(match in the first choice) is what it was without
 * them.  Rejected: one joint optimization with backups at a weight (the
 * previous design): it traded a US MD's Internal Medicine list for Family
 * Medicine (81% -> 73% in IM) with nobody asking.
 *
 * An advanced (PGY-2) first choice gets a PGY-1 list from the preliminary
 * and transitional families (plan_pgy1), planned on its own by the same
 * stop rule; P(advanced and PGY-1) = E_e[P(advanced | e) P(PGY-1 | e)],
 * and a PGY-1 year alone never counts as a match.
 *
 * The score screen (sp__advise_screen) multiplies a program's figures
 * for an applicant far below its residents' median: the simulated market
 * never sees such applications, so its cutoffs cannot say no to them.
 *
 * Cost: O(programs x tiers x nodes) for the estimates and O(h n K) for
 * the greedy; about 10 ms for Internal Medicine with Family Medicine as
 * a backup (docs/benchmarks.md).
 *
 * Rejected: estimating P(match) from the simulated match rates of
 * applicants "like" the profile.  Cells of type x score x specialty x
 * list are thin, and they cannot answer "what if I apply here instead".
 */
#include "advise.h"
#include "catalog.h"
#include "json.h"
#include "market.h"

#include <gsl/gsl_integration.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CAND       600   /* candidates kept for the optimizer */
#define STATS_TRIALS   16    /* seasons simulated for the statistics */
#define STATS_SEED     20251 /* their seed */
#define SHRINK_SEASONS 8     /* pseudo-seasons toward the specialty's shares */
#define BAND_SHIFT     0.15  /* cutoff shift for the band (score units) */
/* The score screen (sp__advise_screen): a program passes an applicant whose
 * Step 2 CK is z SDs of its specialty's matched residents from the
 * program's median with probability Phi((z + SCREEN_Z) / SCREEN_W). */
#define SCREEN_Z 2.5
#define SCREEN_W 0.5

/* ------------------------------------------------------------------ */
/* Opening: the catalog, the model, the statistics. */

static void nodes(double *x, double *w, int n)
{
	gsl_integration_fixed_workspace *ws = gsl_integration_fixed_alloc(
	    gsl_integration_fixed_hermite, (size_t)n, 0, 0.5, 0, 0);
	double sum = 0;
	for (int i = 0; i < n; i++) {
		x[i] = gsl_integration_fixed_nodes(ws)[i];
		w[i] = gsl_integration_fixed_weights(ws)[i];
		sum += w[i];
	}
	for (int i = 0; i < n; i++)
		w[i] /= sum;
	gsl_integration_fixed_free(ws);
}

/* FNV-1a over the bytes that decide the statistics. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211u;
	return h;
}

static void stats_key(const sp_advisor *a, char *key, size_t size)
{
	uint64_t h = 14695981039346656037u;
	for (size_t j = 0; j < a->np; j++) {
		const sp_program_info *p = &a->progs[j];
		h = fnv(h, &p->id, sizeof p->id);
		h = fnv(h, p->specialty, strlen(p->specialty));
		h = fnv(h, p->state, 2);
		h = fnv(h, &p->positions, sizeof p->positions);
		h = fnv(h, &p->selectivity, sizeof p->selectivity);
		h = fnv(h, &p->interview_slots, sizeof p->interview_slots);
		h = fnv(h, &p->accepts_signals, sizeof p->accepts_signals);
		h = fnv(h, &p->sponsors_visa, sizeof p->sponsors_visa);
	}
	size_t n = sp_model_nparams(a->m);
	for (size_t k = 0; k < n; k++) {
		const char *name, *spec, *st;
		double v;
		sp_model_param_at(a->m, k, &name, &spec, &v, &st);
		h = fnv(h, name, strlen(name));
		h = fnv(h, spec, strlen(spec));
		h = fnv(h, &v, sizeof v);
	}
	snprintf(key, size, "v%d-%d-%016llx", SP__MODEL_VERSION, STATS_SEED,
	         (unsigned long long)h);
}

static sp_status simulate_stats(sp_advisor *a, int trials, int threads,
                                sp_err *err)
{
	sp_sim_opts o = sp_sim_defaults();
	o.seed = STATS_SEED;
	o.trials = trials;
	o.threads = threads;
	sp_sim_result *r;
	sp_status s = sp_simulate(a->m, &o, &r, err);
	if (s)
		return s;
	for (size_t j = 0; j < a->np; j++) {
		sp__prog_stats *p = &a->st[j];
		sp_sim_result_cutoff(r, (int32_t)j, &p->icm, &p->ics, &p->icn);
		sp_sim_result_match_cutoff(r, (int32_t)j, &p->mcm, &p->mcs,
		                           &p->mcn);
		p->filled = sp_sim_result_filled(r, (int32_t)j);
		/* As the catalog stores them (a cutoff that never bound is
		 * 0), so the run that simulates answers as the runs that read
		 * the stored statistics. */
		if (!isfinite(p->icm))
			p->icm = 0;
		if (!isfinite(p->mcm))
			p->mcm = 0;
	}
	a->trials = trials;
	sp_sim_result_free(r);
	return SP_OK;
}

/* Genz's form of Plackett's identity for Phi2(h, k; r) = P(X < h,
 * Y < k), standard normals with correlation r in [0, 1):
 *   Phi2 = Phi(h) Phi(k) + 1/(2 pi) int_0^asin(r)
 *          exp(-(h^2 + k^2 - 2hk sin(theta)) / (2 cos^2(theta))) dtheta,
 * on NGL Gauss-Legendre nodes.  The integrand is smooth; with 4 nodes
 * the error is below 2e-5 for |h|, |k| <= 4 and r <= 0.9 (6 nodes: 5e-7;
 * against 200 nodes), and here r is at most sigma^2 / (sigma^2 + rho^2) ~ 0.74.
 * The angles depend on r alone, so one program's nodes share them. */
typedef struct bvn_nodes {
	double w[NGL], sn[NGL], c2[NGL]; /* weight * scale, sin, 2 cos^2 */
} bvn_nodes;

static void bvn_init(const sp_advisor *a, double r, bvn_nodes *b)
{
	double th = asin(r);
	for (int i = 0; i < NGL; i++) {
		double t = 0.5 * th * (a->glx[i] + 1), c = cos(t);
		b->w[i] = a->glw[i] * 0.5 * th / (2 * M_PI);
		b->sn[i] = sin(t);
		b->c2[i] = 2 * c * c;
	}
}

/* The shares of seasons in which a program's cutoffs bind, from a
 * finite simulation, shrunk toward its specialty row's mean.  For a weak
 * applicant the seasons in which a program does not fill dominate its
 * chance there, and with a few dozen seasons those shares are noisy; the
 * optimizer would pick exactly the programs whose share came out too
 * high (a winner's curse the validation panel showed,
 * docs/validation.md).
 *
 * How hard to shrink is the row's own evidence (empirical Bayes, a beta
 * prior by the method of moments): the spread of its programs' shares
 * beyond what binomial noise over the seasons explains.  A row whose
 * programs all fill about as often gets many pseudo-seasons (at most
 * SHRINK_SEASONS); a row where some programs always fill and others
 * rarely do gets few, so a program that filled in every season keeps a
 * share near 1.  A fixed 8 pseudo-seasons had given every always-filling
 * Internal Medicine program a 5% chance of a season in which it takes
 * everyone it interviewed, which a weak applicant with a long list
 * collected twenty times over (+8 points, docs/validation.md). */
double sp__shrink_weight(double s1, double s2, double sb, double n, double t)
{
	if (n < 2)
		return SHRINK_SEASONS;
	double mu = s1 / n, var = s2 / n - mu * mu;
	double noise = sb / n / t; /* mean p(1 - p) / t */
	double tv = var - noise;
	if (mu <= 0 || mu >= 1 || tv <= 0)
		return SHRINK_SEASONS;
	double k = mu * (1 - mu) / tv - 1;
	return k < 0.5 ? 0.5 : k > SHRINK_SEASONS ? SHRINK_SEASONS : k;
}

static sp_status shrink_shares(sp_advisor *a)
{
	const sp_model *m = a->m;
	a->fi = sp_calloc(a->np, sizeof *a->fi);
	a->fm = sp_calloc(a->np, sizeof *a->fm);
	/* Per row: sums of the shares, of their squares and of p(1 - p),
	 * for interviews [0..3) and the match [3..6); the count. */
	double *sum = sp_calloc((size_t)m->ns * 6, sizeof *sum);
	double *cnt = sp_calloc((size_t)m->ns, sizeof *cnt);
	sp_status s = a->fi && a->fm && sum && cnt ? SP_OK : SP_ENOMEM;
	double t = a->trials > 0 ? a->trials : 1;
	for (size_t j = 0; !s && j < a->np; j++) {
		int32_t r = m->prog_spec[j];
		double p[2] = {a->st[j].icn / t, a->st[j].mcn / t};
		for (int w = 0; w < 2; w++) {
			sum[r * 6 + w * 3] += p[w];
			sum[r * 6 + w * 3 + 1] += p[w] * p[w];
			sum[r * 6 + w * 3 + 2] += p[w] * (1 - p[w]);
		}
		cnt[r]++;
	}
	a->sx = sp_calloc(a->np, sizeof *a->sx);
	a->sy = sp_calloc(a->np, sizeof *a->sy);
	a->bn = sp_calloc(a->np, sizeof *a->bn);
	if (!a->sx || !a->sy || !a->bn)
		s = SP_ENOMEM;
	double sig = m->g[SP__G_I_NOISE];
	for (size_t j = 0; !s && j < a->np; j++) {
		const sp__prog_stats *st = &a->st[j];
		a->sx[j] = sqrt(sig * sig + st->ics * st->ics);
		a->sy[j] =
		    sqrt(sig * sig + a->rho * a->rho + st->mcs * st->mcs);
		bvn_init(a, sig * sig / (a->sx[j] * a->sy[j]), &a->bn[j]);
	}
	for (size_t j = 0; !s && j < a->np; j++) {
		int32_t r = m->prog_spec[j];
		const double *u = sum + r * 6;
		double ki = sp__shrink_weight(u[0], u[1], u[2], cnt[r], t);
		double km = sp__shrink_weight(u[3], u[4], u[5], cnt[r], t);
		a->fi[j] = (a->st[j].icn + ki * u[0] / cnt[r]) / (t + ki);
		a->fm[j] = (a->st[j].mcn + km * u[3] / cnt[r]) / (t + km);
	}
	sp_free(sum);
	sp_free(cnt);
	return s;
}

/* Each family's simulated fill, from the statistics (explain_unfilled
 * sets it beside the published one). */
static sp_status sim_fills(sp_advisor *a)
{
	const sp_model *m = a->m;
	double *fill = sp_calloc((size_t)m->nf + 1, sizeof *fill);
	double *pos = sp_calloc((size_t)m->nf + 1, sizeof *pos);
	if (!fill || !pos) {
		sp_free(fill);
		sp_free(pos);
		return SP_ENOMEM;
	}
	for (size_t j = 0; j < a->np; j++) {
		int32_t f = m->spec_fam[m->prog_spec[j]];
		fill[f] += a->st[j].filled;
		pos[f] += a->progs[j].positions;
	}
	for (int32_t f = 0; f < m->nf; f++)
		a->peer[f].sim_fill = pos[f] > 0 ? fill[f] / pos[f] : NAN;
	sp_free(fill);
	sp_free(pos);
	return SP_OK;
}

/* Everything but the statistics: catalog, model, fees, nodes. */
static sp_status open_parts(sp_catalog *c, sp_advisor *a, sp_err *err)
{
	sp_status s = sp_catalog_specialties(c, &a->specs, &a->ns, err);
	if (!s)
		s = sp_catalog_programs(c, NULL, &a->progs, &a->np, err);
	if (!s && a->np == 0)
		s = sp__err_set(err, SP_EINVAL, NULL, 0, NULL,
		                "the catalog has no programs (run 'smartpick "
		                "catalog init')");
	if (!s)
		s = sp_model_new(a->specs, a->ns, a->progs, a->np, &a->m, err);
	if (s)
		return s;
	/* The database's fitted parameters override the shipped ones. */
	if ((s = sp_catalog_apply_params(c, a->m, err)))
		return s;
	a->synthetic = sp_catalog_is_synthetic(c);
	a->rho = a->m->g[SP__G_R_NOISE_PROG];
	a->sd_z = sp_model_strength_sd(a->m);
	if ((s = sp__fees_load(a, err)) || (s = sp__peers_load(a, err)))
		return s;
	a->st = sp_calloc(a->np, sizeof *a->st);
	if (!a->st)
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	for (size_t j = 0; j < a->np; j++)
		a->st[j].id = a->progs[j].id;
	nodes(a->ex, a->ew, NE);
	gsl_integration_fixed_workspace *gl = gsl_integration_fixed_alloc(
	    gsl_integration_fixed_legendre, NGL, -1, 1, 0, 0);
	if (!gl)
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	for (int i = 0; i < NGL; i++) {
		a->glx[i] = gsl_integration_fixed_nodes(gl)[i];
		a->glw[i] = gsl_integration_fixed_weights(gl)[i];
	}
	gsl_integration_fixed_free(gl);
	return SP_OK;
}

sp_status sp_advisor_prepare(sp_catalog *c, int trials, int threads,
                             sp_err *err)
{
	sp__err_clear(err);
	if (trials < 0 || trials > 10000 || threads < 0)
		return sp__err_set(err, SP_EINVAL, NULL, 0, NULL,
		                   "trials must be 1-10000 (0: default)");
	sp_advisor *a = sp_calloc(1, sizeof *a);
	if (!a)
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	char key[64];
	sp_status s = open_parts(c, a, err);
	if (!s) {
		stats_key(a, key, sizeof key);
		s = simulate_stats(a, trials ? trials : STATS_TRIALS, threads,
		                   err);
	}
	if (!s)
		s = sp__catalog_stats_put(c, key, a->trials, a->st, a->np, err);
	sp_advisor_free(a);
	return s;
}

sp_status sp_advisor_open(sp_catalog *c, sp_advisor **out, sp_err *err)
{
	sp__err_clear(err);
	*out = NULL;
	sp_advisor *a = sp_calloc(1, sizeof *a);
	if (!a)
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	char key[64];
	bool found = false;
	sp_status s = open_parts(c, a, err);
	if (!s) {
		stats_key(a, key, sizeof key);
		s = sp__catalog_stats_get(c, key, a->st, a->np, &a->trials,
		                          &found, err);
	}
	if (!s && !found) {
		s = simulate_stats(a, STATS_TRIALS, 0, err);
		/* Keep them for next time; a read-only catalog only costs
		 * the next run the same simulation. */
		sp_err ignored;
		if (!s && sp__catalog_stats_put(c, key, a->trials, a->st, a->np,
		                                &ignored))
			sp__err_clear(&ignored);
	}
	if (!s && ((s = shrink_shares(a)) || (s = sim_fills(a))))
		s = sp__err_set(err, s, NULL, 0, NULL, "out of memory");
	if (s) {
		sp_advisor_free(a);
		return s;
	}
	*out = a;
	return SP_OK;
}

void sp_advisor_free(sp_advisor *a)
{
	if (!a)
		return;
	sp_model_free(a->m);
	sp_free(a->specs);
	sp_free(a->progs);
	sp_free(a->st);
	sp_free(a->fi);
	sp_free(a->fm);
	sp_free(a->sx);
	sp_free(a->sy);
	sp_free(a->bn);
	sp_free(a->peer);
	sp_free(a);
}

/* ------------------------------------------------------------------ */
/* Estimates. */

/* Frees a candidate's per-node tables (not the candidate). */
void sp__advise_cand_free(cand *x)
{
	sp_free(x->q);
	sp_free(x->qi);
	x->q = x->qi = NULL;
}

static double phi(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

static double bvn(const bvn_nodes *b, double h, double k, double ph, double pk)
{
	double acc = 0, hk = h * h + k * k, two = 2 * h * k;
	for (int i = 0; i < NGL; i++)
		acc += b->w[i] * exp(-(hk - two * b->sn[i]) / b->c2[i]);
	return ph * pk + acc;
}

/* P(interview) and q = P(interview and taken) at program j for the
 * interview score S ~ Normal(mu0 + ex[k] sd_z, sig) at every latent
 * strength node k; the program ranks on S moved by
 * sp__model_rank_shift, centred at mur (market.c, program_lists);
 * `shift` moves both cutoffs.  With X = S - C_I and
 * Y = S + R - C_M (cutoffs normal over the seasons in which they bind,
 * R the rank noise), X and Y are bivariate normal with covariance
 * sig^2; a cutoff that did not bind in a season lets everyone
 * through.  `sdz` is the SD of the applicant's unexplained strength
 * (sd_z, narrowed by what the profile tells: sp_model_strength_given).
 * `pass` is the score screen's (screen_pass). */
static void program_probs(const sp_advisor *a, size_t j, double mu0, double mur,
                          double sdz, double shift, double pass, double *pint,
                          double *q)
{
	const sp__prog_stats *st = &a->st[j];
	double fi = a->fi[j], fm = a->fm[j], sx = a->sx[j], sy = a->sy[j];
	const bvn_nodes *b = &a->bn[j];
	bool both_bind = fi > 0 && fm > 0;
	for (int k = 0; k < NE; k++) {
		double mu = mu0 + a->ex[k] * sdz;
		double h = (mu - st->icm - shift) / sx;
		double px = fi > 0 ? phi(h) : 1;
		if (px < 1e-12 && fi >= 1) { /* never invited here */
			pint[k] = q[k] = 0;
			continue;
		}
		double g = (mu + mur - mu0 - st->mcm - shift) / sy;
		double py = fm > 0 ? phi(g) : 1;
		double both = px * py;
		/* Where either event is all but certain or impossible the
		 * product is exact to 1e-9 and saves the integral. */
		if (both_bind && px > 1e-9 && py > 1e-9 && px < 1 - 1e-9 &&
		    py < 1 - 1e-9)
			both = SP_MIN(bvn(b, h, g, px, py), SP_MIN(px, py));
		pint[k] = pass * (fi * px + (1 - fi));
		q[k] = pass * (fi * fm * both + fi * (1 - fm) * px +
		               (1 - fi) * fm * py + (1 - fi) * (1 - fm));
	}
}

/* ------------------------------------------------------------------ */
/* The report. */

void sp_advice_free(sp_advice *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		sp__advise_cand_free(&r->pr[i].c);
	sp_free(r->pr);
	sp_free(r->curve_p);
	sp_free(r->curve_cost);
	sp_free(r->chk_int);
	sp_free(r->chk_match);
	for (size_t i = 0; i < r->nest; i++)
		sp__advise_cand_free(&r->est[i]);
	sp_free(r->est);
	sp_free(r);
}

double sp_advice_p_match(const sp_advice *r)
{
	return r->p_match;
}

size_t sp_advice_nprograms(const sp_advice *r)
{
	return r->n;
}

void sp_advice_get_summary(const sp_advice *r, sp_advice_summary *out)
{
	out->specialty = r->a->m->fam[r->pf.fam[0]].name;
	out->p_match = r->p_match;
	out->p_low = r->lo;
	out->p_high = r->hi;
	out->p_preferred = r->p_pref;
	out->interviews = r->interviews;
	out->cost = r->cost;
	out->applications = r->n;
	out->stop_at = r->stop_at;
	out->p_p10 = r->unk_lo;
	out->p_p90 = r->unk_hi;
}

int sp_advice_checked(const sp_advice *r, double *p, double *lo, double *hi)
{
	if (!r->checked)
		return 0;
	*p = r->chk_p;
	*lo = r->chk_lo;
	*hi = r->chk_hi;
	return 1;
}

static bool has_state(char (*list)[3], int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/* A row of the real catalog whose very name is estimated. */
static bool invented(const sp_program_info *p)
{
	return !p->synthetic && (p->estimated >> SP_FIELD_NAME & 1);
}

/* The candidates: the programs of the profile's specialties that it
 * neither refuses nor cannot join (visa). */
static sp_status candidates(const sp_advisor *a, const prof *pf, cand **out,
                            size_t *n)
{
	const sp_model *m = a->m;
	size_t cap = 0;
	for (size_t j = 0; j < a->np; j++)
		for (int k = 0; k < pf->nfam; k++)
			cap += m->spec_fam[m->prog_spec[j]] == pf->fam[k];
	cand *c = sp_calloc(cap ? cap : 1, sizeof *c);
	if (!c)
		return SP_ENOMEM;
	bool any_want =
	    pf->nwant_states || pf->want_regions || pf->want_settings;
	/* Only real programs are recommended: an applicant cannot apply to
	 * a row the catalog made up to reach the published counts ("Unlisted
	 * ... (estimated)"; it stays in the market).  A family with no real
	 * programs at all (preliminary and transitional years, for now)
	 * keeps its estimated rows, named as such, as placeholders. */
	bool real[MAX_FAM] = {false};
	for (size_t j = 0; j < a->np; j++)
		for (int i = 0; i < pf->nfam; i++)
			if (pf->fam[i] == m->spec_fam[m->prog_spec[j]] &&
			    !invented(&a->progs[j]))
				real[i] = true;
	size_t k = 0;
	for (size_t j = 0; j < a->np; j++) {
		const sp_program_info *p = &a->progs[j];
		int f = m->spec_fam[m->prog_spec[j]], slot = -1;
		for (int i = 0; i < pf->nfam; i++)
			if (pf->fam[i] == f)
				slot = i;
		if (slot >= 0 && real[slot] && invented(p))
			continue;
		if (slot < 0 || (pf->p.needs_visa && !p->sponsors_visa) ||
		    has_state((char(*)[3])pf->avoid_states, pf->navoid_states,
		              p->state) ||
		    (pf->avoid_settings >> p->setting & 1))
			continue;
		cand *x = &c[k++];
		x->j = (int32_t)j;
		x->slot = slot;
		bool wanted = has_state((char(*)[3])pf->want_states,
		                        pf->nwant_states, p->state) ||
		              (pf->want_regions >> p->region & 1) ||
		              (pf->want_settings >> p->setting & 1);
		x->place = any_want && !wanted ? 0.8 : 1.0;
		x->value =
		    (pf->role[slot] == ROLE_BACKUP ? pf->backup_weight : 1.0) *
		    x->place;
		const sp__family *fm = &m->fam[f];
		int gold = slot == 0 && pf->gold >= 0 ? pf->gold : fm->gold;
		int silver =
		    slot == 0 && pf->silver >= 0 ? pf->silver : fm->silver;
		x->tiers = 1;
		if (p->accepts_signals) {
			if (gold > 0)
				x->tiers |= 4;
			if (silver > 0)
				x->tiers |= 2;
		}
	}
	*out = c;
	*n = k;
	return SP_OK;
}

/* The score screen.  In the simulated market a program's cutoffs come
 * from the applicants who chose to apply, and applicants far below a
 * program do not apply there, so a program that rarely fills its
 * interview slots "takes everyone": the estimate had offered a Step 2
 * 215 applicant 97-100% interview chances at programs whose residents'
 * median is 262-274 (issue 12).  Real programs screen on the reported
 * score: an applicant z SDs of the specialty's matched residents below
 * the program's median passes with probability
 * Phi((z + SCREEN_Z) / SCREEN_W): 84% at 2 SDs below (about 24 points
 * in Internal Medicine), 50% at 2.5, 2% at 3.5; 1 above 1.5 SDs below.
 * The screen sees the score, not the latent strength, so it multiplies
 * every node alike, and it rises with the score (monotone estimates).
 * It is an assumption, not a fit: docs/validation.md. */
double sp__advise_screen(const sp_advisor *a, size_t j, double step2)
{
	const sp_program_info *p = &a->progs[j];
	if (p->step2_median <= 0)
		return 1;
	double sd = sp__peers_sd(a, a->m->spec_fam[a->m->prog_spec[j]]);
	double z = (step2 - p->step2_median) / sd;
	return z > -1.5 ? 1 : phi((z + SCREEN_Z) / SCREEN_W);
}

/* The SD of the profile's unexplained strength: the model's, narrowed by
 * what the profile tells beyond its inputs (its AOA answer; the mean's
 * move is in sp_model_interview_score). */
static double node_sd(const sp_advisor *a, const sp_profile *p)
{
	double given, scale;
	sp_model_strength_given(a->m, p, &given, &scale);
	return scale * a->sd_z;
}

sp_status sp__advise_estimate(const sp_advisor *a, const prof *pf, cand *c,
                              size_t n, double shift)
{
	double sdz = node_sd(a, &pf->p);
	for (size_t i = 0; i < n; i++) {
		cand *x = &c[i];
		if (!x->q) {
			x->q = sp_calloc(3 * NE, sizeof *x->q);
			x->qi = sp_calloc(3 * NE, sizeof *x->qi);
			if (!x->q || !x->qi)
				return SP_ENOMEM;
		}
		/* The home-state terms once (tier 0); the signal bonus is
		 * the difference the tier makes to a stateless score. */
		double mu0, sig, base, with;
		double pass = sp__advise_screen(a, (size_t)x->j, pf->p.step2);
		sp_profile bare = pf->p;
		bare.state[0] = 0;
		if (!sp_model_interview_score(a->m, x->j, &pf->p, 0, 0, &mu0,
		                              &sig) ||
		    !sp_model_interview_score(a->m, x->j, &bare, 0, 0, &base,
		                              &sig)) {
			x->pi[0] = x->pi[1] = x->pi[2] = NAN;
			continue;
		}
		for (int t = 0; t < 3; t++) {
			x->pi[t] = NAN;
			if (!(x->tiers >> t & 1))
				continue;
			if (t && !sp_model_interview_score(a->m, x->j, &bare, 0,
			                                   t, &with, &sig))
				continue;
			double mut = mu0 + (t ? with - base : 0);
			program_probs(a, (size_t)x->j, mut,
			              mut + sp__model_rank_shift(a->m, x->j,
			                                         pf->p.type, t),
			              sdz, shift, pass, &x->qi[t * NE],
			              &x->q[t * NE]);
			/* A signal never lowers a chance: node by node, the
			 * tier's figures are at least the unsignalled ones
			 * (the quadratures can differ in the last digit). */
			double acc = 0;
			for (int k = 0; k < NE; k++) {
				double *qi = &x->qi[t * NE + k],
				       *q = &x->q[t * NE + k];
				if (t && isfinite(x->pi[0])) {
					*qi = fmax(*qi, x->qi[k]);
					*q = fmax(*q, x->q[k]);
				}
				acc += a->ew[k] * *qi;
			}
			x->pi[t] = acc;
		}
	}
	return SP_OK;
}

/* The interview cap.  An applicant attends at most interview_cap
 * interviews (16): offered more, it declines the rest, and a program it
 * did not interview at cannot match it.  Programs are attended in the
 * order the simulated applicant uses (value, then P(match | interviewed)
 * first: the --check copies' order); given the latent-strength node,
 * offers are independent, so the number of offers before a program is
 * a sum of independent coins, kept as a distribution cut at the cap.
 * `attend` returns in att[i * NE + e] the probability that c[i] is
 * reached with fewer than cap offers before it at node e.  Since the
 * likeliest are attended first, the cap costs the panel's profiles at
 * most a few tenths of a point (docs/validation.md); it matters for the
 * expected interviews the report gives, and for lists whose offers run
 * well past the cap. */
typedef struct {
	double value, pmi;
	int32_t j;
	size_t i;
} att_key;

static int by_attend(const void *x, const void *y)
{
	const att_key *a = x, *b = y;
	if (a->value != b->value)
		return a->value > b->value ? -1 : 1;
	if (a->pmi != b->pmi)
		return a->pmi > b->pmi ? -1 : 1;
	return (a->j > b->j) - (a->j < b->j);
}

/* The distribution of offers so far, dist[0..cap] (cap: the cap
 * reached), after one more program offering with probability p. */
static void offer_step(double *dist, int cap, double p)
{
	dist[cap] += dist[cap - 1] * p;
	for (int k = cap - 1; k > 0; k--)
		dist[k] = dist[k] * (1 - p) + dist[k - 1] * p;
	dist[0] *= 1 - p;
}

int sp__advise_interview_cap(const sp_advisor *a)
{
	double cap = a->m->g[SP__G_I_CAP];
	return cap >= MAX_LIST ? MAX_LIST : cap >= 1 ? (int)cap : 1;
}

static sp_status attend(const sp_advisor *a, const cand *c, size_t len,
                        double *att)
{
	int cap = sp__advise_interview_cap(a);
	for (size_t i = 0; i < len * NE; i++)
		att[i] = 1;
	if ((size_t)cap >= len)
		return SP_OK;
	att_key *o = sp_malloc(len * sizeof *o);
	double *dist = sp_calloc((size_t)NE * (size_t)(cap + 1), sizeof *dist);
	if (!o || !dist) {
		sp_free(o);
		sp_free(dist);
		return SP_ENOMEM;
	}
	for (size_t i = 0; i < len; i++)
		o[i] = (att_key){c[i].value,
		                 sp__advise_match_if_interviewed(&c[i]), c[i].j,
		                 i};
	qsort(o, len, sizeof *o, by_attend);
	for (int e = 0; e < NE; e++)
		dist[e * (cap + 1)] = 1;
	for (size_t r = 0; r < len; r++) {
		const cand *x = &c[o[r].i];
		for (int e = 0; e < NE; e++) {
			double *d = dist + e * (cap + 1);
			att[o[r].i * NE + (size_t)e] = 1 - d[cap];
			offer_step(d, cap, x->qi[x->tier * NE + e]);
		}
	}
	sp_free(o);
	sp_free(dist);
	return SP_OK;
}

/* Per latent-strength node: P(match), P(match at an advanced-track
 * program), the same two in the first choice. */
typedef struct {
	double any[NE], adv[NE], first[NE], first_adv[NE];
} by_node;

/* P(match anywhere) of list c[0..len) under the tiers assigned and the
 * interview cap, each program's P(match there) in c[i].pm (taken there
 * and by nothing ranked above it: c is in rank order), in *iv (unless
 * NULL) the expected number of interviews attended, and in *bn (unless
 * NULL) the same by node. */
static sp_status p_list(const sp_advisor *a, cand *c, size_t len, double *p,
                        double *iv, by_node *bn)
{
	double *att = sp_malloc((len ? len : 1) * NE * sizeof *att);
	if (!att)
		return SP_ENOMEM;
	sp_status s = attend(a, c, len, att);
	if (s) {
		sp_free(att);
		return s;
	}
	double surv[NE], n = 0;
	for (int e = 0; e < NE; e++)
		surv[e] = 1;
	if (bn)
		memset(bn, 0, sizeof *bn);
	for (size_t i = 0; i < len; i++) {
		double pm = 0;
		bool adv = a->progs[c[i].j].track == SP_TRACK_ADVANCED;
		for (int e = 0; e < NE; e++) {
			double q = c[i].q[c[i].tier * NE + e] * att[i * NE + e];
			pm += a->ew[e] * surv[e] * q;
			if (bn) {
				double here = surv[e] * q;
				bn->any[e] += here;
				bn->adv[e] += adv ? here : 0;
				bn->first[e] += c[i].slot == 0 ? here : 0;
				bn->first_adv[e] +=
				    c[i].slot == 0 && adv ? here : 0;
			}
			surv[e] *= 1 - q;
			n += a->ew[e] * c[i].qi[c[i].tier * NE + e] *
			     att[i * NE + e];
		}
		c[i].pm = pm;
	}
	if (iv)
		*iv = n;
	*p = 0;
	for (int e = 0; e < NE; e++)
		*p += a->ew[e] * (1 - surv[e]);
	sp_free(att);
	return SP_OK;
}

static int by_pref(const void *x, const void *y)
{
	const rprog *a = x, *b = y;
	if (a->c.value != b->c.value)
		return a->c.value > b->c.value ? -1 : 1;
	if (a->c.qbar != b->c.qbar)
		return a->c.qbar < b->c.qbar ? -1 : 1; /* reaches first */
	return a->c.j - b->c.j;
}

static void add_reason(rprog *r, const char *fmt, ...) SP_PRINTF(2, 3);
static void add_reason(rprog *r, const char *fmt, ...)
{
	if (r->nreasons == SP__MAX_REASONS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reasons[r->nreasons++], sizeof r->reasons[0], fmt, ap);
	va_end(ap);
}

const char *sp__advise_tier_name(int t)
{
	return t == 2 ? "gold" : t == 1 ? "silver" : "none";
}

/* A signal the model lets do more than the program's own figures allow
 * (docs/model.md, "Signals for applicants a program rarely invites"):
 * the applicant, unsignalled, would be invited no more often than the
 * program's average unsignalled applicant, yet signalled it is given an
 * interview chance well above the rate the program measured for all
 * its signallers of that tier.  A signal adds the same bonus to every
 * applicant type's score, so at a program that all but refuses a type
 * it can overturn the refusal.  The measured rate goes in *meas. */
#define SIGNAL_OVER 0.15 /* points above the measured rate, as a share */
static bool signal_over_measured(const sp_advisor *a, const prof *pf,
                                 const cand *x, double *meas)
{
	const sp_program_info *p = &a->progs[x->j];
	if (!x->tier || !p->rate_cycle || !isfinite(x->pi[0]) ||
	    !isfinite(x->pi[x->tier]))
		return false;
	bool tiered = a->m->fam[pf->fam[x->slot]].silver > 0;
	double m = p->rates[!tiered        ? SP_RATE_SIGNAL
	                    : x->tier == 2 ? SP_RATE_GOLD
	                                   : SP_RATE_SILVER];
	double none = p->rates[SP_RATE_NOSIGNAL];
	if (isnan(m) || isnan(none) || x->pi[0] > none)
		return false;
	*meas = m;
	return x->pi[x->tier] > m + SIGNAL_OVER;
}

/* What a signal does here, said only where it changes the rounded
 * figure; single-tier specialties say "a signal", not "gold". */
static void signal_reason(const sp_advisor *a, const prof *pf, rprog *r)
{
	const cand *x = &r->c;
	bool tiered = a->m->fam[pf->fam[x->slot]].silver > 0;
	const char *kind = !tiered ? "" : x->tier == 1 ? "silver " : "gold ";
	char b0[16], b1[16];
	if (x->tier && isfinite(x->pi[0])) {
		sp__report_pct(b0, sizeof b0, x->pi[0]);
		sp__report_pct(b1, sizeof b1, x->pi[x->tier]);
		double meas;
		if (strcmp(b0, b1))
			add_reason(r,
			           "Your %ssignal raises your interview chance "
			           "here from %s to %s.",
			           kind, b0, b1);
		else
			add_reason(r,
			           "Signalled (signals are free): it hardly "
			           "changes your interview chance here (%s).",
			           b1);
		if (signal_over_measured(a, pf, x, &meas))
			add_reason(
			    r,
			    "Optimistic: it invited %.0f%% of all its "
			    "%ssignallers (%d cycle), and unsignalled you "
			    "do no better than its average applicant "
			    "(docs/model.md, signals).",
			    100 * meas, kind, a->progs[x->j].rate_cycle);
		return;
	}
	if (x->tier || !(x->tiers & 4) || !isfinite(x->pi[2]))
		return;
	sp__report_pct(b0, sizeof b0, x->pi[0]);
	sp__report_pct(b1, sizeof b1, x->pi[2]);
	if (strcmp(b0, b1))
		add_reason(r,
		           "Not signalled: %s interview chance (%s with a "
		           "%ssignal).",
		           b0, b1, tiered ? "gold " : "");
}

/* The program's own measured interview-offer rate for the applicant's
 * type, where the catalog has it: the fact behind the estimate. */
static void measured_reason(const sp_program_info *p, const prof *pf, rprog *r)
{
	static const struct {
		sp_rate k;
		const char *who;
	} by_type[SP_APPL_NTYPES] = {
	    {SP_RATE_MD, "US MD"},     {SP_RATE_DO, "US DO"},
	    {SP_RATE_USIMG, "US IMG"}, {SP_RATE_IMG, "non-US IMG"},
	    {SP_RATE_N, ""}, /* others: no measured group */
	};
	int t = (int)pf->p.type;
	if (!p->rate_cycle || t < 0 || t >= SP_APPL_NTYPES ||
	    by_type[t].k == SP_RATE_N || isnan(p->rates[by_type[t].k]))
		return;
	add_reason(r,
	           "Measured: in the %d cycle this program invited %.0f%% of "
	           "its %s applicants to interview.",
	           p->rate_cycle, 100 * p->rates[by_type[t].k], by_type[t].who);
}

/* Short of residents in most simulated seasons: filled in fewer than
 * half of the statistics' seasons, when the program takes anyone it
 * interviewed who ranks it.  One rule for the program's reason and
 * for the note that counts such programs (explain_unfilled), so the
 * note's count is the number of programs giving the reason. */
static bool short_in_most(const sp_advisor *a, int32_t j)
{
	return a->trials > 0 && 2 * a->st[j].mcn < a->trials;
}

static void reasons(const sp_advisor *a, const prof *pf, rprog *r)
{
	const sp_program_info *p = &a->progs[r->c.j];
	const cand *x = &r->c;
	double d = pf->p.step2 - p->step2_median;
	/* No program publishes its residents' median: say when it is ours. */
	const char *est =
	    strcmp(sp_program_provenance(p, SP_FIELD_STEP2), "published")
	        ? "estimated "
	        : "";
	if (p->step2_median > 0) {
		if (fabs(d) < 1)
			add_reason(r,
			           "Your Step 2 CK (%.0f) is at this program's "
			           "%smedian for matched residents (%.0f).",
			           pf->p.step2, est, p->step2_median);
		else
			add_reason(
			    r,
			    "Your Step 2 CK (%.0f) is %.0f point%s %s this "
			    "program's %smedian for matched residents "
			    "(%.0f).",
			    pf->p.step2, fabs(d),
			    lround(fabs(d)) == 1 ? "" : "s",
			    d > 0 ? "above" : "below", est, p->step2_median);
	}
	measured_reason(p, pf, r);
	signal_reason(a, pf, r);
	if (pf->p.state[0] && !strcmp(pf->p.state, p->state))
		add_reason(r,
		           "In your home state (%s): programs favour "
		           "applicants with ties to the state.",
		           p->state);
	else if (pf->p.state[0] &&
	         sp__catalog_division(pf->p.state) == p->region)
		add_reason(r, "In your home region (%s).",
		           sp_division_name(p->region));
	if (pf->p.needs_visa)
		add_reason(r, "Sponsors visas.");
	if (pf->role[x->slot] == ROLE_BACKUP)
		add_reason(r, "Backup specialty (%s).",
		           a->m->fam[pf->fam[x->slot]].name);
	else if (pf->role[x->slot] == ROLE_PGY1)
		add_reason(r,
		           "PGY-1 year (%s) for your advanced positions: the "
		           "supplemental rank list.",
		           a->m->fam[pf->fam[x->slot]].name);
	const sp__prog_stats *st = &a->st[x->j];
	if (short_in_most(a, x->j))
		add_reason(r,
		           "Did not fill in %d of %d simulated seasons: it "
		           "takes most applicants it interviews.",
		           a->trials - st->mcn, a->trials);
}

void sp__advise_note(sp_advice *r, const char *fmt, ...)
{
	if (r->nnotes == (int)(sizeof r->notes / sizeof *r->notes))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->notes[r->nnotes++], sizeof r->notes[0], fmt, ap);
	va_end(ap);
}

/* Allocates each specialty's signals over its candidates (exact for
 * the first-order gains), marking the chosen ones' tier. */
static sp_status allocate_signals(const sp_advisor *a, sp_advice *r, cand *c,
                                  size_t n, sp_err *err)
{
	const prof *pf = &r->pf;
	double *gain = sp_calloc(3 * (n ? n : 1), sizeof *gain);
	uint8_t *tier = sp_calloc(n ? n : 1, 1);
	size_t *idx = sp_calloc(n ? n : 1, sizeof *idx);
	sp_status s = gain && tier && idx ? SP_OK : SP_ENOMEM;
	/* With a fixed number of applications, signals go to at most that
	 * many programs (the preferred specialty's first). */
	int room = pf->mode == MODE_COUNT ? pf->count : 1 << 30;
	for (int slot = 0; !s && slot < pf->nfam; slot++) {
		const sp__family *fm = &a->m->fam[pf->fam[slot]];
		int gold = slot == 0 && pf->gold >= 0 ? pf->gold : fm->gold;
		int silver =
		    slot == 0 && pf->silver >= 0 ? pf->silver : fm->silver;
		r->gold[slot] = gold;
		r->silver[slot] = silver;
		gold = SP_MIN(gold, room);
		silver = SP_MIN(silver, room - gold);
		room -= gold + silver;
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			if (c[i].slot != slot)
				continue;
			idx[m] = i;
			for (int t = 0; t < 3; t++) {
				double g = 0;
				if (t && (c[i].tiers >> t & 1))
					for (int k = 0; k < NE; k++)
						g += a->ew[k] *
						     (c[i].q[t * NE + k] -
						      c[i].q[k]);
				gain[3 * m + t] = t && !(c[i].tiers >> t & 1)
				                      ? -1
				                      : c[i].value * g;
			}
			m++;
		}
		if (m == 0 || (gold == 0 && silver == 0))
			continue;
		double total;
		s = sp_signal_alloc(gain, m, gold, silver, tier, &total, err);
		for (size_t i = 0; !s && i < m; i++)
			c[idx[i]].tier = tier[i];
	}
	sp_free(gain);
	sp_free(tier);
	sp_free(idx);
	if (s == SP_ENOMEM)
		return sp__err_set(err, s, NULL, 0, NULL, "out of memory");
	return s;
}

/* Candidates by value times P(match there if applied), best first;
 * ties by program index (deterministic). */
static int by_worth(const void *x, const void *y)
{
	const cand *a = x, *b = y;
	double u = a->value * a->qbar, v = b->value * b->qbar;
	if (u != v)
		return u > v ? -1 : 1;
	return (a->j > b->j) - (a->j < b->j);
}

/* The working set of one recommendation: the candidates, grouped by
 * role (first choice, backups, PGY-1 year), and the optimizer's
 * buffers. */
typedef struct {
	cand *c;
	size_t n;
	size_t nrole[3]; /* candidates per role, in that order in c */
	double *pmx, *val, *curve;
	int32_t *order, *fixed;
} work;

static int by_role(const void *x, const void *y, const prof *pf)
{
	const cand *a = x, *b = y;
	int ra = pf->role[a->slot], rb = pf->role[b->slot];
	if (ra != rb)
		return ra - rb;
	return (a->j > b->j) - (a->j < b->j);
}

/* Sorts c[0..n) by role (an insertion sort keeps it free of a global
 * for qsort's comparator; n is at most MAX_CAND per role). */
static void group_by_role(cand *c, size_t n, const prof *pf, size_t *nrole)
{
	for (size_t i = 1; i < n; i++) {
		cand x = c[i];
		size_t k = i;
		for (; k > 0 && by_role(&c[k - 1], &x, pf) > 0; k--)
			c[k] = c[k - 1];
		c[k] = x;
	}
	for (size_t i = 0; i < n; i++)
		nrole[pf->role[c[i].slot]]++;
}

/* Drops programs the applicant has essentially no chance at, unless
 * signalled (they only slow the optimizer), and keeps the MAX_CAND best
 * of each role by value times chance (and every signalled one): with
 * equal values the greedy takes programs in exactly that order when
 * outcomes are independent, and a list holds at most MAX_LIST. */
static void prune(const sp_advisor *a, const prof *pf, work *w)
{
	cand *c = w->c;
	size_t k = 0;
	for (size_t i = 0; i < w->n; i++) {
		double qb = 0;
		for (int e = 0; e < NE; e++)
			qb += a->ew[e] * c[i].q[c[i].tier * NE + e];
		c[i].qbar = qb;
		if (qb >= 1e-4 || c[i].tier)
			c[k++] = c[i];
		else
			sp__advise_cand_free(&c[i]);
	}
	w->n = k;
	qsort(c, w->n, sizeof *c, by_worth);
	size_t kept[3] = {0};
	k = 0;
	for (size_t i = 0; i < w->n; i++) {
		int role = pf->role[c[i].slot];
		if (kept[role] < MAX_CAND || c[i].tier) {
			kept[role]++;
			c[k++] = c[i];
		} else {
			sp__advise_cand_free(&c[i]);
		}
	}
	w->n = k;
	group_by_role(c, w->n, pf, w->nrole);
}

/* How far the greedy order must go at first: a count or budget bounds
 * it; otherwise start at 80 (the doubling goes on from there). */
static size_t first_len(const sp_advisor *a, const prof *pf, double budget,
                        size_t nfixed, size_t hmax)
{
	size_t h = nfixed + 40 > 80 ? nfixed + 40 : 80;
	if (pf->mode == MODE_COUNT)
		h = ((size_t)pf->count > nfixed ? (size_t)pf->count : nfixed) +
		    20;
	if (pf->mode == MODE_BUDGET) {
		/* The most applications the budget could buy: the cheapest
		 * tier first in every specialty. */
		size_t k = 0;
		for (;;) {
			size_t per = (k + 1 + (size_t)pf->nfam - 1) / pf->nfam;
			double cheapest = pf->nfam * sp__fees_of(a, (int)per);
			if (cheapest > budget + 30 * pf->nfam || k > hmax)
				break;
			k++;
		}
		h = (k > nfixed ? k : nfixed) + 1;
	}
	return h < hmax ? h : hmax;
}

/* The curve of P(match) and cost along order[0..h), and the stop point:
 * the first length at or past the fixed programs where one more
 * application (and the next three together) add less than the
 * profile's stop_gain each.  `base` counts applications already on the
 * list in other roles (their fees). */
static sp_status make_curve(const sp_advisor *a, sp_advice *r, const cand *c,
                            const int32_t *order, size_t h, size_t nfixed,
                            const int *base)
{
	const prof *pf = &r->pf;
	sp_free(r->curve_p);
	sp_free(r->curve_cost);
	r->curve_p = sp_malloc(h * sizeof *r->curve_p);
	r->curve_cost = sp_malloc(h * sizeof *r->curve_cost);
	r->ncurve = 0;
	if (!r->curve_p || !r->curve_cost)
		return SP_ENOMEM;
	/* The interview cap as in p_list, the greedy order standing for
	 * the attend order (both put the likeliest first). */
	int cap = sp__advise_interview_cap(a);
	double *dist = sp_calloc((size_t)NE * (size_t)(cap + 1), sizeof *dist);
	if (!dist)
		return SP_ENOMEM;
	double surv[NE];
	int cnt[MAX_FAM];
	memcpy(cnt, base, sizeof cnt);
	for (int e = 0; e < NE; e++) {
		surv[e] = 1;
		dist[e * (cap + 1)] = 1;
	}
	for (size_t i = 0; i < h; i++) {
		const cand *x = &c[order[i]];
		double p = 0;
		for (int e = 0; e < NE; e++) {
			double *d = dist + e * (cap + 1);
			surv[e] *= 1 - x->q[x->tier * NE + e] * (1 - d[cap]);
			offer_step(d, cap, x->qi[x->tier * NE + e]);
			p += a->ew[e] * (1 - surv[e]);
		}
		cnt[x->slot]++;
		r->curve_p[i] = p;
		r->curve_cost[i] = sp__fees_list(a, pf, cnt);
	}
	sp_free(dist);
	r->ncurve = h;
	r->stop_at = (int)h;
	size_t from = nfixed ? nfixed - 1 : 0;
	for (size_t i = from; i + 1 < h; i++) {
		size_t j3 = i + 3 < h ? i + 3 : h - 1;
		if (r->curve_p[i + 1] - r->curve_p[i] < pf->stop_gain &&
		    r->curve_p[j3] - r->curve_p[i] <
		        pf->stop_gain * (double)(j3 - i)) {
			r->stop_at = (int)i + 1;
			break;
		}
	}
	return SP_OK;
}

/* One planning problem: options c[0..n) of the working set (one role,
 * or the first choice and its backups), with fixed[0..nfixed) on the
 * list whatever happens. */
typedef struct {
	size_t n;
	const int32_t *fixed;
	size_t nfixed;
	double budget;   /* what the fees may reach (MODE_BUDGET) */
	int count;       /* most applications (MODE_COUNT) */
	int mode;        /* the profile's, or MODE_DEFAULT */
	const int *base; /* applications per slot already listed */
} problem;

/* The length of the list along the greedy order: where one more
 * application adds less than stop_gain, or earlier where the budget or
 * the count runs out, or where the target is reached.  The budget and
 * the count are caps, never targets.  Never shorter than the fixed
 * programs (noted when a cap would cut them). */
static size_t choose_len(sp_advice *r, const problem *pb, size_t h)
{
	const prof *pf = &r->pf;
	size_t len = (size_t)r->stop_at, cap = len;
	r->stop_why = "gain";
	switch (pb->mode) {
	case MODE_COUNT:
		cap = (size_t)pb->count < h ? (size_t)pb->count : h;
		if (cap < len) {
			len = cap;
			r->stop_why = "count";
		}
		break;
	case MODE_BUDGET:
		cap = 0;
		while (cap < h && r->curve_cost[cap] <= pb->budget)
			cap++;
		if (cap < len) {
			len = cap;
			r->stop_why = "budget";
		}
		break;
	case MODE_TARGET:
		for (size_t i = 0; i < h; i++)
			if (r->curve_p[i] >= pf->target) {
				len = i + 1;
				r->stop_why = "target";
				break;
			}
		break;
	default:
		break;
	}
	if (len < pb->nfixed) {
		if (pb->mode == MODE_BUDGET)
			sp__advise_note(
			    r,
			    "The budget ($%.0f) does not cover the %zu "
			    "signalled programs; they are listed anyway "
			    "(signals are free, applications are not).",
			    pf->budget, pb->nfixed);
		else if (pb->mode == MODE_COUNT)
			sp__advise_note(
			    r,
			    "%d applications are fewer than your signals; "
			    "the list holds the %zu signalled programs.",
			    pf->count, pb->nfixed);
		len = pb->nfixed;
	}
	return len ? len : (pb->n ? 1 : 0);
}

/* Orders the problem's options greedily (fixed first) and picks the
 * length; r's curve is this problem's.  The greedy costs O(h n K): it
 * runs only as far as the answer needs, doubling when the stop point
 * or the target lies beyond. */
static sp_status plan(const sp_advisor *a, sp_advice *r, work *w,
                      const problem *pb, size_t *len, sp_err *err)
{
	const prof *pf = &r->pf;
	size_t n = pb->n;
	for (size_t i = 0; i < n; i++) {
		w->val[i] = w->c[i].value;
		for (int e = 0; e < NE; e++)
			w->pmx[e * n + i] = w->c[i].q[w->c[i].tier * NE + e];
	}
	sp_mixture mx = {n, NE, a->ew, w->pmx, w->val};
	size_t hmax = n < MAX_LIST ? n : MAX_LIST;
	if (hmax < pb->nfixed)
		hmax = pb->nfixed;
	size_t h = first_len(a, pf, pb->budget, pb->nfixed, hmax);
	sp_status s;
	for (;;) {
		if ((s = sp_mixture_order(&mx, pb->fixed, pb->nfixed, h,
		                          w->order, w->curve, err)) ||
		    (s = make_curve(a, r, w->c, w->order, h, pb->nfixed,
		                    pb->base)))
			return s;
		bool enough = h == hmax || r->stop_at < (int)h - 3;
		if (pb->mode == MODE_TARGET)
			enough = h == hmax || r->curve_p[h - 1] >= pf->target ||
			         r->stop_at < (int)h - 3;
		if (enough)
			break;
		h = 2 * h < hmax ? 2 * h : hmax;
	}
	*len = choose_len(r, pb, h);
	/* Single swaps on the chosen list, keeping the fixed ones and
	 * (with several specialties or a budget) the cost. */
	if (pf->nfam == 1 || pb->mode != MODE_BUDGET)
		(void)sp_mixture_improve(&mx, w->order, *len, pb->nfixed);
	return SP_OK;
}

/* The signalled candidates among c[from..to) into fixed[], after the
 * nfixed already there. */
static size_t add_signalled(const work *w, size_t from, size_t to,
                            int32_t *fixed, size_t nfixed)
{
	for (size_t i = from; i < to; i++)
		if (w->c[i].tier)
			fixed[nfixed++] = (int32_t)i;
	return nfixed;
}

/* The first choice and its backups: c[0..nmain).  Unless the profile
 * trades (backup_weight given), the first choice's list is planned alone
 * first, exactly as without backups, and the backups are added after it
 * with it fixed: backups rank below every first-choice program and are
 * attended after them, so they cannot lower P(match in the first
 * choice).  Gives the list in order[0..*len). */
static sp_status plan_main(const sp_advisor *a, sp_advice *r, work *w,
                           double budget, int count, const int *base,
                           size_t *len, sp_err *err)
{
	const prof *pf = &r->pf;
	size_t nfirst = w->nrole[ROLE_FIRST];
	size_t nmain = nfirst + w->nrole[ROLE_BACKUP];
	problem pb = {nmain, w->fixed, 0, budget, count, pf->mode, base};
	sp_status s;
	if (w->nrole[ROLE_BACKUP] && !pf->trade && nfirst) {
		problem first = pb;
		first.n = nfirst;
		first.nfixed = add_signalled(w, 0, nfirst, w->fixed, 0);
		size_t len1;
		if ((s = plan(a, r, w, &first, &len1, err)))
			return s;
		r->p_pref_alone = r->curve_p[len1 - 1];
		memcpy(w->fixed, w->order, len1 * sizeof *w->fixed);
		pb.nfixed = len1;
		/* The backups' list stops by the gain rule or the caps left;
		 * a target is the first choice's to reach. */
		if (pb.mode == MODE_TARGET)
			pb.mode = MODE_DEFAULT;
	}
	/* Every signalled program is on the list (signals are free): the
	 * first choice's were fixed by its own plan, or are fixed here. */
	pb.nfixed = add_signalled(w, pb.nfixed ? nfirst : 0, nmain, w->fixed,
	                          pb.nfixed);
	return plan(a, r, w, &pb, len, err);
}

/* The PGY-1 list of an advanced first choice: c[nmain..n), planned on
 * its own by the gain rule (its own P(a PGY-1 position)).  Gives the
 * chosen candidates' indexes in pick[0..*len). */
static sp_status plan_pgy1(const sp_advisor *a, sp_advice *r, work *w,
                           int32_t *pick, size_t *len, sp_err *err)
{
	size_t nmain = w->nrole[ROLE_FIRST] + w->nrole[ROLE_BACKUP];
	size_t np1 = w->nrole[ROLE_PGY1];
	*len = 0;
	if (!np1)
		return SP_OK;
	work sub = *w;
	sub.c = w->c + nmain;
	int base[MAX_FAM] = {0};
	problem pb = {np1, w->fixed, 0, 0, 0, MODE_DEFAULT, base};
	pb.nfixed = add_signalled(&sub, 0, np1, w->fixed, 0);
	sp_status s = plan(a, r, &sub, &pb, len, err);
	for (size_t i = 0; !s && i < *len; i++)
		pick[i] = (int32_t)nmain + w->order[i];
	return s;
}

/* The report's programs: the main list in rank (preference) order, then
 * the PGY-1 list; P(match there) for each, the class, the reasons. */
static sp_status take_list(sp_advice *r, work *w, const int32_t *main_pick,
                           size_t nmain, const int32_t *pgy1_pick, size_t npgy1)
{
	size_t len = nmain + npgy1;
	r->pr = sp_calloc(len ? len : 1, sizeof *r->pr);
	if (!r->pr)
		return SP_ENOMEM;
	for (size_t i = 0; i < len; i++) {
		cand *x =
		    &w->c[i < nmain ? main_pick[i] : pgy1_pick[i - nmain]];
		r->pr[i].c = *x;
		x->q = x->qi = NULL; /* moved */
	}
	r->n = len;
	r->nmain = nmain;
	qsort(r->pr, nmain, sizeof *r->pr, by_pref);
	qsort(r->pr + nmain, npgy1, sizeof *r->pr, by_pref);
	return SP_OK;
}

/* What we do not know about the applicant.  The latent strength's
 * unexplained part e (letters, clerkship grades, interview skill:
 * strength_noise, docs/model.md) is integrated over at the nodes ex[];
 * the list's P(match) given e rises with e.  The interval reports it at
 * the 10th and 90th percentiles of e (z = -/+1.2816), linear between
 * the two nodes around z: the range of applicants with this profile, not
 * the model's own uncertainty (the band). */
#define UNKNOWN_Z 1.2815516

static double at_quantile(const sp_advisor *a, const double *v, double z)
{
	int lo = -1, hi = -1;
	for (int e = 0; e < NE; e++) {
		if (a->ex[e] <= z && (lo < 0 || a->ex[e] > a->ex[lo]))
			lo = e;
		if (a->ex[e] >= z && (hi < 0 || a->ex[e] < a->ex[hi]))
			hi = e;
	}
	if (lo < 0)
		return v[hi];
	if (hi < 0 || hi == lo)
		return v[lo];
	double t = (z - a->ex[lo]) / (a->ex[hi] - a->ex[lo]);
	return v[lo] + t * (v[hi] - v[lo]);
}

/* P(match) of the list (and of its PGY-1 part), P(match there) at each
 * program, the first choice's share, the advanced specialty's figures,
 * the counts, classes and reasons. */
static sp_status score_list(const sp_advisor *a, sp_advice *r)
{
	const prof *pf = &r->pf;
	size_t len = r->n, nm = r->nmain;
	cand *tmp = sp_calloc(len ? len : 1, sizeof *tmp);
	if (!tmp)
		return SP_ENOMEM;
	for (size_t i = 0; i < len; i++)
		tmp[i] = r->pr[i].c; /* borrowed */
	by_node bm, bp;
	double p1 = 0;
	sp_status s = p_list(a, tmp, nm, &r->p_match, &r->interviews, &bm);
	if (!s && len > nm)
		s = p_list(a, tmp + nm, len - nm, &p1, NULL, &bp);
	for (size_t i = 0; i < len; i++)
		r->pr[i].c.pm = tmp[i].pm;
	sp_free(tmp);
	if (s)
		return s;
	r->unk_lo = at_quantile(a, bm.any, -UNKNOWN_Z);
	r->unk_hi = at_quantile(a, bm.any, UNKNOWN_Z);
	r->unk_pref_lo = at_quantile(a, bm.first, -UNKNOWN_Z);
	r->unk_pref_hi = at_quantile(a, bm.first, UNKNOWN_Z);
	r->p_pref = r->p_adv = r->p_adv_pgy1 = 0;
	for (int e = 0; e < NE; e++) {
		r->p_pref += a->ew[e] * bm.first[e];
		r->p_adv += a->ew[e] * bm.first_adv[e];
		if (len > nm)
			r->p_adv_pgy1 += a->ew[e] * bm.first_adv[e] * bp.any[e];
	}
	r->has_pgy1 = len > nm;
	r->p_pgy1 = p1;
	r->p_pref_complete = r->p_pref - r->p_adv + r->p_adv_pgy1;
	if (isnan(r->p_pref_alone))
		r->p_pref_alone = r->p_pref;
	int cnt[MAX_FAM] = {0};
	for (size_t i = 0; i < len; i++) {
		cand *x = &r->pr[i].c;
		cnt[x->slot]++;
		x->cls = x->qbar >= 0.35 ? 2 : x->qbar >= 0.12 ? 1 : 0;
		if (x->tier == 2)
			r->gold_used[x->slot]++;
		else if (x->tier == 1)
			r->silver_used[x->slot]++;
		reasons(a, pf, &r->pr[i]);
	}
	r->cost = sp__fees_list(a, pf, cnt);
	return SP_OK;
}

/* The band: the same list with every cutoff shifted by +/- BAND_SHIFT
 * (model uncertainty; docs/validation.md). */
static sp_status band(const sp_advisor *a, sp_advice *r)
{
	const prof *pf = &r->pf;
	size_t len = r->nmain;
	cand *tmp = sp_calloc(len ? len : 1, sizeof *tmp);
	if (!tmp)
		return SP_ENOMEM;
	sp_status s = SP_OK;
	for (int side = 0; side < 2 && !s; side++) {
		for (size_t i = 0; i < len; i++) {
			tmp[i] = r->pr[i].c;
			tmp[i].q = tmp[i].qi = NULL;
		}
		s = sp__advise_estimate(a, pf, tmp, len,
		                        side ? -BAND_SHIFT : BAND_SHIFT);
		if (!s)
			s = p_list(a, tmp, len, side ? &r->hi : &r->lo, NULL,
			           NULL);
		for (size_t i = 0; i < len; i++)
			sp__advise_cand_free(&tmp[i]);
	}
	sp_free(tmp);
	return s;
}

/* Signals left unused, per specialty, and why: the allocation uses a
 * signal wherever it gains anything, so an unused one gains nothing at
 * any program open to the profile. */
static void explain_signals(const sp_advisor *a, sp_advice *r)
{
	const prof *pf = &r->pf;
	for (int sl = 0; sl < pf->nfam; sl++) {
		int avail = r->gold[sl] + r->silver[sl];
		int used = r->gold_used[sl] + r->silver_used[sl];
		if (avail == 0 || used >= avail)
			continue;
		sp__advise_note(r,
		                "%s: %d of %d signals unused: at no other "
		                "program open to you (visa, places, settings) "
		                "would a signal change your chances.",
		                a->m->fam[pf->fam[sl]].name, avail - used,
		                avail);
	}
}

/* Advanced first choice: the PGY-1 year and what each figure means. */
static void explain_pgy1(const sp_advisor *a, sp_advice *r)
{
	const prof *pf = &r->pf;
	const sp__family *f = &a->m->fam[pf->fam[0]];
	if (!f->advanced)
		return;
	if (!r->has_pgy1) {
		sp__advise_note(
		    r,
		    "%s's advanced (PGY-2) positions start after a "
		    "PGY-1 year, and no preliminary or transitional "
		    "program is open to this profile: a match at an "
		    "advanced program alone does not start training.",
		    f->name);
		return;
	}
	char b[4][16];
	sp__advise_note(
	    r,
	    "%s's advanced (PGY-2) positions start after a PGY-1 year: "
	    "the list ends with %zu preliminary/transitional programs "
	    "for it (the supplemental rank list). P(advanced position) "
	    "%s, P(a PGY-1 year) %s, both %s; with its categorical "
	    "programs, P(%s with the PGY-1 year) %s. A PGY-1 year alone "
	    "is not a match in %s.",
	    f->name, r->n - r->nmain, sp__report_pct(b[0], 16, r->p_adv),
	    sp__report_pct(b[1], 16, r->p_pgy1),
	    sp__report_pct(b[2], 16, r->p_adv_pgy1), f->name,
	    sp__report_pct(b[3], 16, r->p_pref_complete), f->name);
}

/* Estimated rows on the list: only where a family has no real programs
 * in the catalog (candidates), so the applicant knows to find them. */
static void explain_invented(const sp_advisor *a, sp_advice *r)
{
	bool told[MAX_FAM] = {false};
	for (size_t i = 0; i < r->n; i++) {
		const cand *x = &r->pr[i].c;
		if (told[x->slot] || !invented(&a->progs[x->j]))
			continue;
		told[x->slot] = true;
		sp__advise_note(
		    r,
		    "The catalog has no real %s programs by name yet: the "
		    "rows named \"Unlisted ... (estimated)\" on this list "
		    "stand "
		    "for programs of that kind, with estimated figures: find "
		    "the real ones on ERAS and apply to that many.",
		    a->m->fam[r->pf.fam[x->slot]].name);
	}
}

/* Specialties that apply outside ERAS (OB/GYN: ResidencyCAS). */
static void explain_systems(const sp_advisor *a, sp_advice *r)
{
	const prof *pf = &r->pf;
	for (int sl = 0; sl < pf->nfam; sl++) {
		const sp__family *f = &a->m->fam[pf->fam[sl]];
		if (!sp__fees_outside_eras(a, f->code))
			continue;
		sp__advise_note(
		    r,
		    "%s applies through ResidencyCAS, not ERAS: the cost "
		    "leaves out its application fees (ResidencyCAS's "
		    "schedule is not in SmartPick's data), and its "
		    "program signals are not modelled (none are placed "
		    "here). Check ResidencyCAS for both.",
		    f->name);
	}
}

/* Backups under the protected first choice. */
static void explain_backups(const sp_advisor *a, sp_advice *r)
{
	const prof *pf = &r->pf;
	int backups = 0;
	for (int sl = 1; sl < pf->nfam; sl++)
		backups += pf->role[sl] == ROLE_BACKUP;
	if (!backups)
		return;
	const char *first = a->m->fam[pf->fam[0]].name;
	if (pf->trade)
		sp__advise_note(
		    r,
		    "backup_weight %.2f: a match in a backup counts %.0f%% "
		    "of one in %s, and the list may give up %s chances "
		    "for backup ones.",
		    pf->backup_weight, 100 * pf->backup_weight, first, first);
	else {
		char b1[16], b2[16];
		sp__advise_note(
		    r,
		    "Backups are added after %s's own list and ranked "
		    "below it, so they do not lower P(match in %s) "
		    "(%s without backups, %s with). To trade "
		    "first-choice chances for backup ones, set "
		    "backup_weight.",
		    first, first, sp__report_pct1(b1, 16, r->p_pref_alone),
		    sp__report_pct1(b2, 16, r->p_pref));
	}
}

/* What ended the list, against what the profile asked for. */
static void explain_stop(sp_advice *r)
{
	const prof *pf = &r->pf;
	double g = 100 * pf->stop_gain;
	bool by_gain = !strcmp(r->stop_why, "gain");
	if (pf->mode == MODE_BUDGET && by_gain)
		sp__advise_note(
		    r,
		    "The list stops at %zu applications ($%.0f of your "
		    "$%.0f budget): one more would add under %.2g point. "
		    "The budget is a cap, not a target.",
		    r->n, r->cost, pf->budget, g);
	else if (pf->mode == MODE_BUDGET)
		sp__advise_note(
		    r,
		    "Your budget ($%.0f) ends the list at %zu "
		    "applications; more would still add at least %.2g "
		    "point each.",
		    pf->budget, r->n, g);
	else if (pf->mode == MODE_COUNT && by_gain)
		sp__advise_note(
		    r,
		    "The list stops at %zu of the %d applications you "
		    "allowed: one more would add under %.2g point.",
		    r->n, pf->count, g);
	else if (pf->mode == MODE_TARGET) {
		double p =
		    r->pf.nfam > 1 && !pf->trade ? r->p_pref : r->p_match;
		char b[16];
		if (p + 5e-4 < pf->target)
			sp__advise_note(
			    r,
			    "No list reaches your target P(match) of "
			    "%.0f%%: past %zu applications each adds under "
			    "%.2g point; this list gives %s.",
			    100 * pf->target, r->n, g,
			    sp__report_pct1(b, sizeof b, p));
	}
}

/* The points of specialty slot sl's P(match) that rest on programs
 * `leans` picks, their count in *n and the slot's total in *all: a note
 * that says the figure leans on them is due where they carry at least
 * 10 points and a fifth of it (lean_due). */
typedef bool lean_fn(const sp_advisor *a, const prof *pf, const cand *x);
static double leaning(const sp_advisor *a, const sp_advice *r, int sl,
                      lean_fn *leans, int *n, double *all)
{
	double p = 0;
	*n = 0;
	*all = 0;
	for (size_t i = 0; i < r->n; i++) {
		const cand *x = &r->pr[i].c;
		if (x->slot != sl)
			continue;
		*all += x->pm;
		if (leans(a, &r->pf, x)) {
			p += x->pm;
			(*n)++;
		}
	}
	return p;
}

static bool lean_due(double p, double all)
{
	return p >= 0.1 && p >= 0.2 * all;
}

static bool leans_short(const sp_advisor *a, const prof *pf, const cand *x)
{
	(void)pf;
	return short_in_most(a, x->j);
}

static bool leans_signal(const sp_advisor *a, const prof *pf, const cand *x)
{
	double meas;
	return signal_over_measured(a, pf, x, &meas);
}

/* Programs the simulated market leaves short of residents in most
 * seasons take anyone they interviewed (program_probs).  Which programs
 * those are is the model's guess (in version 7, when it filled Internal
 * Medicine's positions 87% against a published 96.7%, more its guess
 * still; in version 8 it fills 95%), so a list that leans on them is
 * told an optimistic figure: said so where they carry at least 10
 * points and a fifth of the family's P(match), with both fill rates. */
static void explain_unfilled(const sp_advisor *a, sp_advice *r)
{
	const prof *pf = &r->pf;
	const sp_model *m = a->m;
	for (int sl = 0; sl < pf->nfam; sl++) {
		int32_t f = pf->fam[sl];
		const sp__peer *pe = &a->peer[f];
		double sim = pe->sim_fill;
		if (!(pe->positions > 0) || !isfinite(sim))
			continue;
		double pub = pe->matched / pe->positions;
		/* Short by more than 2 points: the model leaves the family
		 * short; otherwise it fills about as many positions, but
		 * which programs go short is still its guess. */
		bool under = sim <= pub - 0.02;
		int n;
		double all, p = leaning(a, r, sl, leans_short, &n, &all);
		if (!lean_due(p, all))
			continue;
		bool one = n == 1;
		sp__advise_note(
		    r,
		    "%d %s program%s on this list, carrying %.0f of its "
		    "%.0f points, %s short of residents in most simulated "
		    "seasons, when %s anyone %s interviewed who ranks %s. "
		    "The model fills %.0f%% of %s's positions %s the "
		    "real Match filled %.1f%% (NRMP 2025)%s: read %s "
		    "chances as optimistic.",
		    n, m->fam[f].name, one ? "" : "s", 100 * p, 100 * all,
		    one ? "is" : "are", one ? "it takes" : "they take",
		    one ? "it" : "they", one ? "it" : "them", 100 * sim,
		    m->fam[f].name, under ? "where" : "and", 100 * pub,
		    under ? ""
		          : ", but which programs go short is the model's "
		            "guess, not a published fact",
		    one ? "its" : "their");
	}
}

/* Signals the model lets do more than the programs' own figures allow
 * (signal_over_measured), said where they carry at least 10 points and
 * a fifth of a specialty's figure, as for the programs left short. */
static void explain_signal_over(const sp_advisor *a, sp_advice *r)
{
	const prof *pf = &r->pf;
	for (int sl = 0; sl < pf->nfam; sl++) {
		int n;
		double all, p = leaning(a, r, sl, leans_signal, &n, &all);
		if (!lean_due(p, all))
			continue;
		bool one = n == 1;
		sp__advise_note(
		    r,
		    "%d signalled %s program%s on this list, carrying %.0f "
		    "of its %.0f points, %s you an interview chance well "
		    "above what %s measured for all %s signallers, though "
		    "unsignalled you would do no better than %s average "
		    "applicant: the model's signal lifts applicants a "
		    "program rarely invites too far. Read %s chances as "
		    "optimistic.",
		    n, a->m->fam[pf->fam[sl]].name, one ? "" : "s", 100 * p,
		    100 * all, one ? "gives" : "give", one ? "it" : "they",
		    one ? "its" : "their", one ? "its" : "their",
		    one ? "its" : "their");
	}
}

static void explain(const sp_advisor *a, sp_advice *r)
{
	explain_stop(r);
	explain_backups(a, r);
	explain_signals(a, r);
	explain_pgy1(a, r);
	explain_systems(a, r);
	explain_invented(a, r);
	explain_unfilled(a, r);
	explain_signal_over(a, r);
}

/* A deep copy of candidates c[0..n) (their tables too) into *out. */
static sp_status copy_cands(const cand *c, size_t n, cand **out)
{
	cand *d = sp_calloc(n ? n : 1, sizeof *d);
	if (!d)
		return SP_ENOMEM;
	sp_status s = SP_OK;
	for (size_t i = 0; i < n; i++) {
		d[i] = c[i];
		d[i].q = sp_malloc(3 * NE * sizeof *d[i].q);
		d[i].qi = sp_malloc(3 * NE * sizeof *d[i].qi);
		if (!d[i].q || !d[i].qi) {
			s = SP_ENOMEM;
			continue;
		}
		memcpy(d[i].q, c[i].q, 3 * NE * sizeof *d[i].q);
		memcpy(d[i].qi, c[i].qi, 3 * NE * sizeof *d[i].qi);
	}
	if (s) {
		for (size_t i = 0; i < n; i++)
			sp__advise_cand_free(&d[i]);
		sp_free(d);
		return s;
	}
	*out = d;
	return SP_OK;
}

/* The candidates and their estimates: from the seed's (a what-if over
 * the same programs: only the values follow this profile's weights), or
 * computed; kept for later what-ifs when asked. */
static sp_status estimated(const sp_advisor *a, sp_advice *r, work *w)
{
	const prof *pf = &r->pf;
	sp_status s;
	if (r->seed) {
		s = copy_cands(r->seed->est, r->seed->nest, &w->c);
		w->n = r->seed->nest;
		for (size_t i = 0; !s && i < w->n; i++)
			w->c[i].value = (pf->role[w->c[i].slot] == ROLE_BACKUP
			                     ? pf->backup_weight
			                     : 1.0) *
			                w->c[i].place;
	} else {
		s = candidates(a, pf, &w->c, &w->n);
		if (!s)
			s = sp__advise_estimate(a, pf, w->c, w->n, 0);
	}
	if (!s && r->keep_est && (s = copy_cands(w->c, w->n, &r->est)) == 0)
		r->nest = w->n;
	return s;
}

static void work_free(work *w)
{
	for (size_t i = 0; i < w->n; i++)
		sp__advise_cand_free(&w->c[i]);
	sp_free(w->c);
	sp_free(w->pmx);
	sp_free(w->val);
	sp_free(w->order);
	sp_free(w->fixed);
	sp_free(w->curve);
}

sp_status sp__advise_build(const sp_advisor *a, sp_advice *r, sp_err *err)
{
	const prof *pf = &r->pf;
	work w;
	memset(&w, 0, sizeof w);
	int32_t *pick = NULL;
	r->p_pref_alone = NAN;
	r->stop_why = "gain";
	sp_status s = estimated(a, r, &w);
	if (!s)
		s = allocate_signals(a, r, w.c, w.n, err);
	if (s)
		goto done;
	prune(a, pf, &w);
	if (w.n == 0 || w.nrole[ROLE_FIRST] + w.nrole[ROLE_BACKUP] == 0) {
		sp__advise_note(
		    r, "No program of these specialties is open to this "
		       "profile (visa, refused states or settings).");
		goto done;
	}
	size_t n = w.n;
	w.pmx = sp_malloc(NE * n * sizeof *w.pmx);
	w.val = sp_malloc(n * sizeof *w.val);
	w.order = sp_malloc(n * sizeof *w.order);
	w.fixed = sp_malloc(n * sizeof *w.fixed);
	w.curve = sp_malloc(n * sizeof *w.curve);
	pick = sp_malloc(n * sizeof *pick);
	if (!w.pmx || !w.val || !w.order || !w.fixed || !w.curve || !pick) {
		s = SP_ENOMEM;
		goto done;
	}
	/* The PGY-1 list first: its fees come out of a budget before the
	 * backups'. */
	size_t np1, nm;
	int base[MAX_FAM] = {0};
	if ((s = plan_pgy1(a, r, &w, pick, &np1, err)))
		goto done;
	for (size_t i = 0; i < np1; i++)
		base[w.c[pick[i]].slot]++;
	if ((s = plan_main(a, r, &w, pf->budget, pf->count, base, &nm, err)) ||
	    (s = take_list(r, &w, w.order, nm, pick, np1)) ||
	    (s = score_list(a, r)) || (s = band(a, r)))
		goto done;
	r->stop_at = (int)r->n;
	explain(a, r);
done:
	work_free(&w);
	sp_free(pick);
	if (s == SP_ENOMEM)
		return sp__err_set(err, s, NULL, 0, NULL, "out of memory");
	return s;
}

sp_status sp_recommend(const sp_advisor *a, const char *json, size_t len,
                       const char *name, sp_advice **out, sp_err *err)
{
	sp__err_clear(err);
	*out = NULL;
	sp_advice *r = sp_calloc(1, sizeof *r);
	if (!r)
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	r->a = a;
	sp_status s = sp__profile_parse(a->m, json, len, name, &r->pf, err);
	for (int k = 1; !s && k < r->pf.nfam; k++)
		r->keep_est |= r->pf.role[k] == ROLE_BACKUP; /* the trade-off */
	if (!s)
		s = sp__advise_build(a, r, err);
	if (!s)
		s = sp__guide_risk(a, r, err);
	if (!s)
		s = sp__guide_tradeoff(a, r, err);
	if (s) {
		sp_advice_free(r);
		return s;
	}
	if (a->synthetic)
		sp__advise_note(
		    r, "The catalog is synthetic: program names and "
		       "figures are drawn, not real (docs/catalog.md).");
	*out = r;
	return SP_OK;
}

sp_status sp__advise_probs(const sp_advisor *a, const char *json, size_t len,
                           int32_t j, int tier, double *pint, double *q,
                           sp_err *err)
{
	prof pf;
	*pint = *q = 0;
	sp_status s = sp__profile_parse(a->m, json, len, "profile", &pf, err);
	if (s)
		return s;
	if (j < 0 || (size_t)j >= a->np || tier < 0 || tier > 2)
		return sp__err_set(err, SP_EINVAL, NULL, 0, NULL,
		                   "no such program or tier");
	double mut, sig, pi[NE], qq[NE];
	if (!sp_model_interview_score(a->m, j, &pf.p, 0, tier, &mut, &sig))
		return SP_OK;
	program_probs(a, (size_t)j, mut,
	              mut + sp__model_rank_shift(a->m, j, pf.p.type, tier),
	              node_sd(a, &pf.p), 0,
	              sp__advise_screen(a, (size_t)j, pf.p.step2), pi, qq);
	for (int k = 0; k < NE; k++) {
		*pint += a->ew[k] * pi[k];
		*q += a->ew[k] * qq[k];
	}
	return SP_OK;
}

double sp__advise_fee(const sp_advisor *a, int n)
{
	return sp__fees_of(a, n);
}

/* ------------------------------------------------------------------ */
/* After interviews (rank.c): the estimates at given programs, node by
 * node, through the same candidates and `estimate` as the list. */

_Static_assert(NE == SP__ADVISE_NK, "advise.h's node count");

sp_status sp__advise_at(const sp_advisor *a, const char *json, size_t len,
                        const char *name, const int32_t *j, const uint8_t *tier,
                        size_t n, double shift, double *pint, double *q,
                        sp__advise_view *v, sp_err *err)
{
	v->progs = a->progs;
	v->np = a->np;
	v->w = a->ew;
	v->band = BAND_SHIFT;
	if (!json)
		return SP_OK;
	prof pf;
	sp_status s = sp__profile_parse(a->m, json, len, name, &pf, err);
	if (s)
		return s;
	for (size_t i = 0; i < n && !s; i++) {
		if (j[i] < 0 || (size_t)j[i] >= a->np || tier[i] > 2)
			return sp__err_set(err, SP_EINVAL, NULL, 0, NULL,
			                   "no such program or tier");
		cand c = {.j = j[i], .tiers = (uint8_t)(1 | 1 << tier[i])};
		s = sp__advise_estimate(a, &pf, &c, 1, shift);
		for (int k = 0; k < NE && !s; k++) {
			bool ok = c.q && !isnan(c.pi[tier[i]]);
			pint[i * NE + (size_t)k] =
			    ok ? c.qi[tier[i] * NE + k] : 0;
			q[i * NE + (size_t)k] = ok ? c.q[tier[i] * NE + k] : 0;
		}
		sp__advise_cand_free(&c);
	}
	return s;
}

/* ------------------------------------------------------------------ */
/* An applicant's own list (score.c): the report's figures for the list
 * already in r->pr (r->nmain programs, then the PGY-1 list), as
 * sp__advise_build gives them for its own list, and the curve along the
 * list's programs by worth (value times P(match if applied)). */

sp_status sp__advise_rescore(const sp_advisor *a, sp_advice *r)
{
	size_t nm = r->nmain;
	r->p_pref_alone = NAN;
	sp_status s = score_list(a, r);
	if (!s)
		s = band(a, r);
	cand *c = sp_calloc(nm ? nm : 1, sizeof *c);
	int32_t *order = sp_calloc(nm ? nm : 1, sizeof *order);
	int base[MAX_FAM] = {0};
	if (!s && (!c || !order))
		s = SP_ENOMEM;
	if (!s && nm) {
		for (size_t i = 0; i < nm; i++) {
			c[i] = r->pr[i].c; /* borrowed */
			order[i] = (int32_t)i;
		}
		qsort(c, nm, sizeof *c, by_worth);
		for (size_t i = nm; i < r->n; i++)
			base[r->pr[i].c.slot]++;
		s = make_curve(a, r, c, order, nm, nm, base);
	}
	r->stop_at = (int)r->n;
	sp_free(c);
	sp_free(order);
	return s;
}

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
 * brute force in tests/unit/test_portfolio.c.  The number of applications
 * comes from the profile (budget, count or target probability) or, by
 * default, is where one more application adds less than STOP_GAIN to
 * P(match).
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
#include "csv.h"
#include "data.h"
#include "json.h"
#include "market.h"

#include <ctype.h>
#include <gsl/gsl_integration.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NE             10    /* nodes over the latent strength */
#define NGL            4     /* Gauss-Legendre nodes for the bivariate normal */
#define MAX_FAM        3     /* preferred + two backups */
#define MAX_LIST       400   /* longest list considered */
#define MAX_CAND       600   /* candidates kept for the optimizer */
#define STOP_GAIN      0.001 /* default stop: one more adds < 0.1 point */
#define STATS_TRIALS   16    /* seasons simulated for the statistics */
#define STATS_SEED     20251 /* their seed */
#define SHRINK_SEASONS 8     /* pseudo-seasons toward the specialty's shares */
#define BAND_SHIFT     0.15  /* cutoff shift for the band (score units) */

typedef struct {
	int from, to; /* 1-based application numbers; to = 0: no bound */
	int flat;     /* one charge for the whole tier */
	double price;
} fee_tier;

struct sp_advisor {
	sp_model *m;
	sp_specialty_info *specs;
	size_t ns;
	sp_program_info *progs;
	size_t np;
	sp__prog_stats *st;
	int trials;
	int synthetic;
	fee_tier fee[8];
	int nfee;
	double ex[NE], ew[NE];     /* latent-strength nodes, weights sum to 1 */
	double glx[NGL], glw[NGL]; /* Gauss-Legendre on [-1, 1] */
	double rho;                /* program rank noise */
	/* Per program: the share of seasons in which its interview and
	 * match cutoffs bind, shrunk toward its specialty's (see
	 * shrink_shares). */
	double *fi, *fm;
	/* Per program, from the statistics and the interview noise sigma
	 * (a model constant): the SDs of X and Y and the nodes of their
	 * bivariate normal (program_probs). */
	double *sx, *sy;
	struct bvn_nodes *bn;
	double sd_z; /* SD of the latent strength noise */
};

/* ------------------------------------------------------------------ */
/* Fees (data/fees_eras.csv, the 2026 ERAS residency schedule). */

static sp_status load_fees(sp_advisor *a, sp_err *err)
{
	size_t len;
	const char *buf = sp__data_file("fees_eras.csv", &len);
	if (!buf)
		return sp__err_set(err, SP_EINVAL, "fees_eras.csv", 0, NULL,
		                   "the fee table is not built in");
	static const char *const cols[] = {
	    "system",    "match_year_from", "match_year_to", "item",
	    "tier_from", "tier_to",         "pricing",       "price_usd"};
	int idx[8];
	sp__csv c;
	sp__csv_init(&c, buf, len, "fees_eras.csv");
	sp_status s = sp__csv_header(&c, cols, 8, 8, true, idx, err);
	while (!s && !(s = sp__csv_next(&c, err)) && c.nf) {
		if (strcmp(sp__csv_field(&c, idx[0]), "eras_residency") ||
		    strcmp(sp__csv_field(&c, idx[3]), "programs_per_specialty"))
			continue;
		long y0 = strtol(sp__csv_field(&c, idx[1]), NULL, 10);
		long y1 = strtol(sp__csv_field(&c, idx[2]), NULL, 10);
		if (y0 > 2026 || (y1 && y1 < 2026) || a->nfee == 8)
			continue;
		fee_tier *t = &a->fee[a->nfee++];
		t->from = (int)strtol(sp__csv_field(&c, idx[4]), NULL, 10);
		t->to = (int)strtol(sp__csv_field(&c, idx[5]), NULL, 10);
		t->flat = !strcmp(sp__csv_field(&c, idx[6]), "flat");
		t->price = strtod(sp__csv_field(&c, idx[7]), NULL);
	}
	sp__csv_free(&c);
	if (!s && a->nfee == 0)
		s = sp__err_set(err, SP_EINVAL, "fees_eras.csv", 0, NULL,
		                "no 2026 residency fee schedule");
	return s;
}

/* The fee for n applications to one specialty. */
static double fee_of(const sp_advisor *a, int n)
{
	double f = 0;
	for (int i = 0; i < a->nfee; i++) {
		const fee_tier *t = &a->fee[i];
		if (n < t->from)
			continue;
		int hi = t->to && t->to < n ? t->to : n;
		f += t->flat ? t->price : t->price * (hi - t->from + 1);
	}
	return f;
}

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
	if ((s = load_fees(a, err)))
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
	if (!s && (s = shrink_shares(a)))
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
	sp_free(a);
}

/* ------------------------------------------------------------------ */
/* The profile (docs/profile.md). */

enum { MODE_DEFAULT, MODE_BUDGET, MODE_COUNT, MODE_TARGET };

typedef struct {
	sp_profile p;
	int fam[MAX_FAM]; /* family indexes: preferred, backups */
	int nfam;
	char want_states[64][3], avoid_states[64][3];
	int nwant_states, navoid_states;
	unsigned want_regions;  /* bit d for division d */
	unsigned want_settings; /* bit per sp_setting */
	unsigned avoid_settings;
	int gold, silver; /* for the preferred specialty; -1: allotment */
	int mode;
	double budget, target;
	int count;
	double backup_weight;
	int comlex; /* the score was given as COMLEX Level 2 */
	double comlex_score;
} prof;

static bool ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

/* The family named by a family name, a row code or a row name. */
static int find_family(const sp_model *m, const char *s)
{
	for (int32_t f = 0; f < m->nf; f++)
		if (ieq(m->fam[f].name, s) || ieq(m->fam[f].code, s))
			return f;
	for (int32_t k = 0; k < m->ns; k++)
		if (ieq(m->specs[k].code, s) || ieq(m->specs[k].name, s))
			return m->spec_fam[k];
	return -1;
}

static int find_state(const sp_model *m, const char *s)
{
	for (int32_t k = 0; k < m->nstates; k++)
		if (ieq(m->state_code[k], s))
			return k;
	return -1;
}

/* Reads an array of state codes into out (upper case). */
static sp_status get_states(const sp__json_doc *d, const sp__json *obj,
                            const char *key, const sp_model *m, char (*out)[3],
                            int *n, sp_err *err)
{
	const sp__json *arr = NULL;
	sp_status s = sp__json_get_array(d, obj, key, false, &arr, err);
	if (s || !arr)
		return s;
	if (sp__json_len(arr) > 64)
		return sp__json_err(err, d, arr, SP_ELIMIT, key,
		                    "at most 64 states");
	for (size_t i = 0; i < sp__json_len(arr); i++) {
		const char *v;
		size_t len;
		if ((s = sp__json_as_str(d, sp__json_at(arr, i), key, 2, &v,
		                         &len, err)))
			return s;
		int k = find_state(m, v);
		if (k < 0)
			return sp__json_err(err, d, sp__json_at(arr, i),
			                    SP_ENOTFOUND, key,
			                    "unknown state \"%s\" (expected a "
			                    "two-letter postal code)",
			                    v);
		memcpy(out[*n], m->state_code[k], 3);
		(*n)++;
	}
	return SP_OK;
}

static sp_status get_settings(const sp__json_doc *d, const sp__json *obj,
                              const char *key, unsigned *mask, sp_err *err)
{
	const sp__json *arr = NULL;
	sp_status s = sp__json_get_array(d, obj, key, false, &arr, err);
	if (s || !arr)
		return s;
	for (size_t i = 0; i < sp__json_len(arr) && i < 16; i++) {
		const char *v;
		size_t len;
		if ((s = sp__json_as_str(d, sp__json_at(arr, i), key, 32, &v,
		                         &len, err)))
			return s;
		int k = -1;
		for (int t = 0; t < 4; t++)
			if (ieq(v, sp_setting_name((sp_setting)t)))
				k = t;
		if (ieq(v, "community-university"))
			k = SP_SETTING_COMMUNITY_UNIVERSITY;
		if (k < 0)
			return sp__json_err(err, d, sp__json_at(arr, i),
			                    SP_EINVAL, key,
			                    "unknown setting \"%s\" (expected "
			                    "university, community_university, "
			                    "community or military)",
			                    v);
		*mask |= 1u << k;
	}
	if (sp__json_len(arr) > 16)
		return sp__json_err(err, d, arr, SP_ELIMIT, key,
		                    "at most 16 settings");
	return SP_OK;
}

static sp_status parse_profile(const sp_model *m, const char *json, size_t len,
                               const char *name, prof *pf, sp_err *err)
{
	static const char *const keys[] = {
	    "applicant_type", "step2",         "comlex2",      "research",
	    "home_state",     "needs_visa",    "specialty",    "backups",
	    "states_want",    "states_avoid",  "regions_want", "settings_want",
	    "settings_avoid", "signals",       "budget",       "applications",
	    "target",         "backup_weight", "name",         "id"};
	sp__json_limits lim = {0};
	lim.max_depth = 8;
	lim.max_bytes = 1 << 16;
	lim.max_nodes = 4096;
	lim.max_string = 1024;
	sp__json_doc *d = NULL;
	memset(pf, 0, sizeof *pf);
	pf->gold = pf->silver = -1;
	pf->backup_weight = 0.6;
	sp_status s =
	    sp__json_parse(json, len, name ? name : "profile", &lim, &d, err);
	if (s)
		return s;
	const sp__json *root = d->root;
	const char *str;
	size_t slen;
	int64_t iv;
	double dv;
	bool bv = false;
	s = sp__json_check_object(d, root, "profile", keys,
	                          sizeof keys / sizeof *keys, err);
	if (s)
		goto done;
	/* Type. */
	if ((s = sp__json_get_str(d, root, "applicant_type", true, 16, &str,
	                          &slen, err)))
		goto done;
	pf->p.type = SP_APPL_NTYPES;
	for (int t = 0; t < SP_APPL_OTHER; t++)
		if (!strcmp(str, sp_appl_type_name((sp_appl_type)t)))
			pf->p.type = (sp_appl_type)t;
	if (pf->p.type == SP_APPL_NTYPES) {
		s = sp__json_err(err, d, sp__json_get(root, "applicant_type"),
		                 SP_EINVAL, "applicant_type",
		                 "expected us_md, us_do, us_img or non_us_img");
		goto done;
	}
	/* Score: Step 2 CK, or COMLEX Level 2-CE converted. */
	const sp__json *s2 = sp__json_get(root, "step2");
	const sp__json *cx = sp__json_get(root, "comlex2");
	if (s2 && cx) {
		s = sp__json_err(err, d, cx, SP_EINVAL, "comlex2",
		                 "give step2 or comlex2, not both");
		goto done;
	}
	if (!s2 && !cx) {
		s = sp__json_err(err, d, root, SP_EINVAL, "step2",
		                 "missing (give step2, or comlex2 for DO "
		                 "applicants)");
		goto done;
	}
	if (s2) {
		if ((s = sp__json_as_double(d, s2, "step2", 180, 300,
		                            &pf->p.step2, err)))
			goto done;
	} else {
		if ((s = sp__json_as_double(d, cx, "comlex2", 200, 1000, &dv,
		                            err)))
			goto done;
		/* Assumption (docs/profile.md): same percentile, from
		 * the norms COMLEX 520 +/- 100 and Step 2 CK 250 +/- 15. */
		pf->comlex = 1;
		pf->comlex_score = dv;
		pf->p.step2 = 250 + (dv - 520) / 100 * 15;
		if (pf->p.step2 < 180)
			pf->p.step2 = 180;
		if (pf->p.step2 > 300)
			pf->p.step2 = 300;
	}
	iv = 0;
	if ((s = sp__json_get_int(d, root, "research", false, 0, 1000, &iv,
	                          err)))
		goto done;
	pf->p.research = (int)iv;
	str = NULL;
	if ((s = sp__json_get_str(d, root, "home_state", false, 2, &str, &slen,
	                          err)))
		goto done;
	if (str && *str) {
		int k = find_state(m, str);
		if (k < 0) {
			s = sp__json_err(err, d,
			                 sp__json_get(root, "home_state"),
			                 SP_ENOTFOUND, "home_state",
			                 "unknown state \"%s\" (expected a "
			                 "two-letter postal code)",
			                 str);
			goto done;
		}
		memcpy(pf->p.state, m->state_code[k], 3);
	}
	if ((s = sp__json_get_bool(d, root, "needs_visa", false, &bv, err)))
		goto done;
	pf->p.needs_visa = bv;
	/* Specialties. */
	if ((s = sp__json_get_str(d, root, "specialty", true, 96, &str, &slen,
	                          err)))
		goto done;
	pf->fam[0] = find_family(m, str);
	if (pf->fam[0] < 0) {
		s = sp__json_err(err, d, sp__json_get(root, "specialty"),
		                 SP_ENOTFOUND, "specialty",
		                 "unknown specialty \"%s\" (see 'smartpick "
		                 "catalog show' or /api/specialties)",
		                 str);
		goto done;
	}
	pf->nfam = 1;
	const sp__json *arr = NULL;
	if ((s = sp__json_get_array(d, root, "backups", false, &arr, err)))
		goto done;
	for (size_t i = 0; arr && i < sp__json_len(arr); i++) {
		const sp__json *e = sp__json_at(arr, i);
		if (i >= MAX_FAM - 1) {
			s = sp__json_err(err, d, e, SP_ELIMIT, "backups",
			                 "at most %d backup specialties",
			                 MAX_FAM - 1);
			goto done;
		}
		if ((s = sp__json_as_str(d, e, "backups", 96, &str, &slen,
		                         err)))
			goto done;
		int f = find_family(m, str);
		if (f < 0) {
			s = sp__json_err(err, d, e, SP_ENOTFOUND, "backups",
			                 "unknown specialty \"%s\"", str);
			goto done;
		}
		for (int k = 0; k < pf->nfam; k++)
			if (pf->fam[k] == f) {
				s = sp__json_err(err, d, e, SP_EDUP, "backups",
				                 "\"%s\" is already listed",
				                 str);
				goto done;
			}
		pf->fam[pf->nfam++] = f;
	}
	/* Places and settings. */
	if ((s = get_states(d, root, "states_want", m, pf->want_states,
	                    &pf->nwant_states, err)) ||
	    (s = get_states(d, root, "states_avoid", m, pf->avoid_states,
	                    &pf->navoid_states, err)) ||
	    (s = get_settings(d, root, "settings_want", &pf->want_settings,
	                      err)) ||
	    (s = get_settings(d, root, "settings_avoid", &pf->avoid_settings,
	                      err)))
		goto done;
	arr = NULL;
	if ((s = sp__json_get_array(d, root, "regions_want", false, &arr, err)))
		goto done;
	for (size_t i = 0; arr && i < sp__json_len(arr); i++) {
		const sp__json *e = sp__json_at(arr, i);
		int div = -1;
		if (e->type == SP__JSON_NUMBER && sp__json_int(e, &iv) &&
		    iv >= 1 && iv <= 9)
			div = (int)iv;
		else if (e->type == SP__JSON_STRING)
			for (int k = 1; k <= 9; k++)
				if (ieq(e->u.str.s, sp_division_name(k)))
					div = k;
		if (div < 0 || i >= 9) {
			s = sp__json_err(err, d, e, SP_EINVAL, "regions_want",
			                 "expected census divisions (1-9 or "
			                 "names such as \"Pacific\")");
			goto done;
		}
		pf->want_regions |= 1u << div;
	}
	/* Signals. */
	const sp__json *sig = NULL;
	if ((s = sp__json_get_object(d, root, "signals", false, &sig, err)))
		goto done;
	if (sig) {
		static const char *const skeys[] = {"gold", "silver"};
		if ((s = sp__json_check_object(d, sig, "signals", skeys, 2,
		                               err)))
			goto done;
		iv = -1;
		if ((s = sp__json_get_int(d, sig, "gold", false, 0, 100, &iv,
		                          err)))
			goto done;
		pf->gold = (int)iv;
		iv = -1;
		if ((s = sp__json_get_int(d, sig, "silver", false, 0, 100, &iv,
		                          err)))
			goto done;
		pf->silver = (int)iv;
	}
	/* How much to apply. */
	int modes = 0;
	const sp__json *bj = sp__json_get(root, "budget");
	const sp__json *cj = sp__json_get(root, "applications");
	const sp__json *tj = sp__json_get(root, "target");
	modes = (bj != NULL) + (cj != NULL) + (tj != NULL);
	if (modes > 1) {
		s = sp__json_err(err, d, bj ? bj : cj, SP_EINVAL,
		                 bj ? "budget" : "applications",
		                 "give at most one of budget, applications "
		                 "and target");
		goto done;
	}
	if (bj) {
		pf->mode = MODE_BUDGET;
		if ((s = sp__json_as_double(d, bj, "budget", 0, 1e6,
		                            &pf->budget, err)))
			goto done;
	} else if (cj) {
		pf->mode = MODE_COUNT;
		if ((s = sp__json_as_int(d, cj, "applications", 1, MAX_LIST,
		                         &iv, err)))
			goto done;
		pf->count = (int)iv;
	} else if (tj) {
		pf->mode = MODE_TARGET;
		if ((s = sp__json_as_double(d, tj, "target", 0.01, 0.999,
		                            &pf->target, err)))
			goto done;
	}
	if ((s = sp__json_get_double(d, root, "backup_weight", false, 0, 1,
	                             &pf->backup_weight, err)))
		goto done;
	const sp__json *nm = sp__json_get(root, "name");
	const sp__json *id = sp__json_get(root, "id");
	if ((nm &&
	     (s = sp__json_as_str(d, nm, "name", 200, &str, &slen, err))) ||
	    (id && id->type != SP__JSON_NUMBER &&
	     (s = sp__json_as_str(d, id, "id", 200, &str, &slen, err))))
		goto done;
done:
	sp__json_free(d);
	return s;
}

/* ------------------------------------------------------------------ */
/* Estimates. */

typedef struct {
	int32_t j;     /* program index */
	int slot;      /* 0 preferred specialty, 1.. backups */
	double value;  /* preference weight */
	uint8_t tiers; /* available signal tiers: bit t */
	uint8_t tier;  /* assigned signal */
	double pi[3];  /* P(interview) by tier, integrated over e */
	double *q;     /* q[t * NE + k] */
	double *qi;    /* P(interview | e_k) by tier, same layout */
	/* Filled for the report. */
	double pm, qbar;
	int cls; /* 0 reach, 1 target, 2 likely */
} cand;

/* Frees a candidate's per-node tables (not the candidate). */
static void cand_free(cand *x)
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
 * strength node k; `shift` moves both cutoffs.  With X = S - C_I and
 * Y = S + R - C_M (cutoffs normal over the seasons in which they bind,
 * R the rank noise), X and Y are bivariate normal with covariance
 * sig^2; a cutoff that did not bind in a season lets everyone
 * through. */
static void program_probs(const sp_advisor *a, size_t j, double mu0,
                          double shift, double *pint, double *q)
{
	const sp__prog_stats *st = &a->st[j];
	double fi = a->fi[j], fm = a->fm[j], sx = a->sx[j], sy = a->sy[j];
	const bvn_nodes *b = &a->bn[j];
	bool both_bind = fi > 0 && fm > 0;
	for (int k = 0; k < NE; k++) {
		double mu = mu0 + a->ex[k] * a->sd_z;
		double h = (mu - st->icm - shift) / sx;
		double px = fi > 0 ? phi(h) : 1;
		if (px < 1e-12 && fi >= 1) { /* never invited here */
			pint[k] = q[k] = 0;
			continue;
		}
		double g = (mu - st->mcm - shift) / sy;
		double py = fm > 0 ? phi(g) : 1;
		double both = px * py;
		/* Where either event is all but certain or impossible the
		 * product is exact to 1e-9 and saves the integral. */
		if (both_bind && px > 1e-9 && py > 1e-9 && px < 1 - 1e-9 &&
		    py < 1 - 1e-9)
			both = bvn(b, h, g, px, py);
		pint[k] = fi * px + (1 - fi);
		q[k] = fi * fm * both + fi * (1 - fm) * px +
		       (1 - fi) * fm * py + (1 - fi) * (1 - fm);
	}
}

/* ------------------------------------------------------------------ */
/* The report. */

typedef struct {
	cand c;
	char reasons[5][200];
	int nreasons;
} rprog;

struct sp_advice {
	prof pf;
	const sp_advisor *a;
	rprog *pr; /* the list, in rank (preference) order */
	size_t n;
	double p_match, lo, hi, p_pref, cost, value;
	double interviews; /* expected, attended (within the cap) */
	int stop_at;
	double *curve_p, *curve_cost;
	size_t ncurve;
	int gold[MAX_FAM], silver[MAX_FAM]; /* allotments used per slot */
	int gold_used[MAX_FAM], silver_used[MAX_FAM];
	int checked;
	double chk_p, chk_lo, chk_hi;
	long chk_copies;
	double *chk_int, *chk_match; /* per program, simulated */
	char notes[4][240];
	int nnotes;
};

void sp_advice_free(sp_advice *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		cand_free(&r->pr[i].c);
	sp_free(r->pr);
	sp_free(r->curve_p);
	sp_free(r->curve_cost);
	sp_free(r->chk_int);
	sp_free(r->chk_match);
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
	size_t k = 0;
	for (size_t j = 0; j < a->np; j++) {
		const sp_program_info *p = &a->progs[j];
		int f = m->spec_fam[m->prog_spec[j]], slot = -1;
		for (int i = 0; i < pf->nfam; i++)
			if (pf->fam[i] == f)
				slot = i;
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
		x->value = (slot ? pf->backup_weight : 1.0) *
		           (any_want && !wanted ? 0.8 : 1.0);
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

static sp_status estimate(const sp_advisor *a, const prof *pf, cand *c,
                          size_t n, double shift)
{
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
			program_probs(a, (size_t)x->j,
			              mu0 + (t ? with - base : 0), shift,
			              &x->qi[t * NE], &x->q[t * NE]);
			double acc = 0;
			for (int k = 0; k < NE; k++)
				acc += a->ew[k] * x->qi[t * NE + k];
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

/* P(match | interviewed) at c under its tier: what the applicant, and
 * --check's copies, attend and rank by among programs valued alike. */
static double match_if_interviewed(const cand *c)
{
	return c->pi[c->tier] > 0 ? c->qbar / c->pi[c->tier] : 0;
}

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

static int interview_cap(const sp_advisor *a)
{
	double cap = a->m->g[SP__G_I_CAP];
	return cap >= MAX_LIST ? MAX_LIST : cap >= 1 ? (int)cap : 1;
}

static sp_status attend(const sp_advisor *a, const cand *c, size_t len,
                        double *att)
{
	int cap = interview_cap(a);
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
		o[i] = (att_key){c[i].value, match_if_interviewed(&c[i]),
		                 c[i].j, i};
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

/* P(match anywhere) of list c[0..len) under the tiers assigned and the
 * interview cap, each program's P(match there) in c[i].pm (taken there
 * and by nothing ranked above it: c is in rank order), and in *iv
 * (unless NULL) the expected number of interviews attended. */
static sp_status p_list(const sp_advisor *a, cand *c, size_t len, double *p,
                        double *iv)
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
	for (size_t i = 0; i < len; i++) {
		double pm = 0;
		for (int e = 0; e < NE; e++) {
			double q = c[i].q[c[i].tier * NE + e] * att[i * NE + e];
			pm += a->ew[e] * surv[e] * q;
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

/* The fees for cnt[s] applications to each specialty s: ERAS charges
 * per specialty. */
static double fees(const sp_advisor *a, const prof *pf, const int *cnt)
{
	double f = 0;
	for (int s = 0; s < pf->nfam; s++)
		f += fee_of(a, cnt[s]);
	return f;
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
	if (r->nreasons == 5)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reasons[r->nreasons++], sizeof r->reasons[0], fmt, ap);
	va_end(ap);
}

static const char *tier_name(int t)
{
	return t == 2 ? "gold" : t == 1 ? "silver" : "none";
}

static void reasons(const sp_advisor *a, const prof *pf, rprog *r)
{
	const sp_program_info *p = &a->progs[r->c.j];
	const cand *x = &r->c;
	double d = pf->p.step2 - p->step2_median;
	if (p->step2_median > 0) {
		if (fabs(d) < 1)
			add_reason(r,
			           "Your Step 2 CK (%.0f) is at this program's "
			           "median for matched residents (%.0f).",
			           pf->p.step2, p->step2_median);
		else
			add_reason(
			    r,
			    "Your Step 2 CK (%.0f) is %.0f points %s this "
			    "program's median for matched residents "
			    "(%.0f).",
			    pf->p.step2, fabs(d), d > 0 ? "above" : "below",
			    p->step2_median);
	}
	if (x->tier && isfinite(x->pi[0]) && x->pi[0] > 0)
		add_reason(r,
		           "A %s signal raises your interview chance here from "
		           "%.0f%% to %.0f%%.",
		           tier_name(x->tier), 100 * x->pi[0],
		           100 * x->pi[x->tier]);
	else if (!x->tier && (x->tiers & 4) && isfinite(x->pi[2]))
		add_reason(
		    r,
		    "Not signalled: %.0f%% interview chance (%.0f%% with "
		    "a gold signal).",
		    100 * x->pi[0], 100 * x->pi[2]);
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
	if (x->slot)
		add_reason(r, "Backup specialty (%s).",
		           a->m->fam[pf->fam[x->slot]].name);
	const sp__prog_stats *st = &a->st[x->j];
	if (a->trials && st->mcn < a->trials / 2)
		add_reason(r,
		           "Did not fill in %d of %d simulated seasons: it "
		           "takes most applicants it interviews.",
		           a->trials - st->mcn, a->trials);
}

static void add_note(sp_advice *r, const char *fmt, ...) SP_PRINTF(2, 3);
static void add_note(sp_advice *r, const char *fmt, ...)
{
	if (r->nnotes == 4)
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

/* How far the greedy order must go at first: a count or budget
 * bounds it; otherwise start at 80 (the doubling goes on from there). */
static size_t first_len(const sp_advisor *a, const prof *pf, size_t nfixed,
                        size_t hmax)
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
			double cheapest = pf->nfam * fee_of(a, (int)per);
			if (cheapest > pf->budget + 30 * pf->nfam || k > hmax)
				break;
			k++;
		}
		h = (k > nfixed ? k : nfixed) + 1;
	}
	return h < hmax ? h : hmax;
}

/* The curve of P(match) and cost along order[0..h), and the stop point:
 * where one more application (and the next two together) add less than
 * STOP_GAIN each. */
static sp_status make_curve(const sp_advisor *a, sp_advice *r, const cand *c,
                            const int32_t *order, size_t h)
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
	int cap = interview_cap(a);
	double *dist = sp_calloc((size_t)NE * (size_t)(cap + 1), sizeof *dist);
	if (!dist)
		return SP_ENOMEM;
	double surv[NE];
	int cnt[MAX_FAM] = {0};
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
		r->curve_cost[i] = fees(a, pf, cnt);
	}
	sp_free(dist);
	r->ncurve = h;
	r->stop_at = (int)h;
	for (size_t i = 0; i + 1 < h; i++) {
		size_t j3 = i + 3 < h ? i + 3 : h - 1;
		if (r->curve_p[i + 1] - r->curve_p[i] < STOP_GAIN &&
		    r->curve_p[j3] - r->curve_p[i] <
		        STOP_GAIN * (double)(j3 - i)) {
			r->stop_at = (int)i + 1;
			break;
		}
	}
	return SP_OK;
}

static sp_status build(const sp_advisor *a, sp_advice *r, sp_err *err)
{
	const prof *pf = &r->pf;
	cand *c = NULL;
	size_t n = 0;
	double *pmx = NULL, *val = NULL, *curve = NULL;
	int32_t *order = NULL, *fixed = NULL;
	sp_status s = candidates(a, pf, &c, &n);
	if (!s)
		s = estimate(a, pf, c, n, 0);
	if (!s)
		s = allocate_signals(a, r, c, n, err);
	if (s)
		goto done;
	/* Drop programs the applicant has essentially no chance at,
	 * unless signalled: they only slow the optimizer. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		double qb = 0;
		for (int e = 0; e < NE; e++)
			qb += a->ew[e] * c[i].q[c[i].tier * NE + e];
		c[i].qbar = qb;
		if (qb >= 1e-4 || c[i].tier)
			c[k++] = c[i];
		else
			cand_free(&c[i]);
	}
	n = k;
	/* Keep the MAX_CAND best by value times chance (and every
	 * signalled one): with equal values the greedy takes programs in
	 * exactly that order when outcomes are independent, and a list
	 * holds at most MAX_LIST, so the rest only cost time. */
	if (n > MAX_CAND) {
		qsort(c, n, sizeof *c, by_worth);
		k = 0;
		for (size_t i = 0; i < n; i++) {
			if (i < MAX_CAND || c[i].tier) {
				c[k++] = c[i];
			} else {
				cand_free(&c[i]);
			}
		}
		n = k;
	}
	if (n == 0) {
		add_note(r, "No program of these specialties is open to this "
		            "profile (visa, refused states or settings).");
		goto done;
	}
	/* The mixture: scenarios = latent-strength nodes. */
	pmx = sp_malloc(NE * n * sizeof *pmx);
	val = sp_malloc(n * sizeof *val);
	order = sp_malloc(n * sizeof *order);
	fixed = sp_malloc(n * sizeof *fixed);
	curve = sp_malloc(n * sizeof *curve);
	if (!pmx || !val || !order || !fixed || !curve) {
		s = SP_ENOMEM;
		goto done;
	}
	size_t nfixed = 0;
	for (size_t i = 0; i < n; i++) {
		val[i] = c[i].value;
		for (int e = 0; e < NE; e++)
			pmx[e * n + i] = c[i].q[c[i].tier * NE + e];
		if (c[i].tier)
			fixed[nfixed++] = (int32_t)i;
	}
	sp_mixture mx = {n, NE, a->ew, pmx, val};
	/* The greedy costs O(h n K): run it only as far as the answer
	 * needs, doubling when the stop point or target lies beyond. */
	size_t hmax = n < MAX_LIST ? n : MAX_LIST;
	if (hmax < nfixed)
		hmax = nfixed;
	size_t h = first_len(a, pf, nfixed, hmax);
	for (;;) {
		if ((s = sp_mixture_order(&mx, fixed, nfixed, h, order, curve,
		                          err)))
			goto done;
		if ((s = make_curve(a, r, c, order, h)))
			goto done;
		bool enough = h == hmax || pf->mode == MODE_COUNT ||
		              pf->mode == MODE_BUDGET;
		if (pf->mode == MODE_TARGET)
			enough = enough || r->curve_p[h - 1] >= pf->target;
		else if (pf->mode == MODE_DEFAULT)
			enough = enough || r->stop_at < (int)h - 3;
		if (enough)
			break;
		h = 2 * h < hmax ? 2 * h : hmax;
	}
	size_t len = (size_t)r->stop_at;
	switch (pf->mode) {
	case MODE_COUNT:
		len = (size_t)pf->count < h ? (size_t)pf->count : h;
		if (len < nfixed) {
			add_note(r,
			         "%d applications are fewer than your signals; "
			         "the list holds the %zu signalled programs.",
			         pf->count, nfixed);
			len = nfixed;
		}
		break;
	case MODE_BUDGET:
		len = 0;
		while (len < h && r->curve_cost[len] <= pf->budget)
			len++;
		if (len < nfixed) {
			add_note(r,
			         "The budget ($%.0f) does not cover the %zu "
			         "signalled programs; they are listed anyway.",
			         pf->budget, nfixed);
			len = nfixed;
		}
		break;
	case MODE_TARGET:
		len = h;
		for (size_t i = 0; i < h; i++)
			if (r->curve_p[i] >= pf->target) {
				len = i + 1;
				break;
			}
		if (len < nfixed)
			len = nfixed;
		if (r->curve_p[h - 1] < pf->target)
			add_note(
			    r,
			    "No list reaches the target P(match) of %.0f%%; "
			    "this one gets closest.",
			    100 * pf->target);
		break;
	default:
		break;
	}
	if (len == 0)
		len = 1;
	/* Single swaps on the chosen list, keeping the signalled ones and
	 * (with several specialties or a budget) the cost. */
	if (pf->nfam == 1 || pf->mode != MODE_BUDGET)
		(void)sp_mixture_improve(&mx, order, len, nfixed);
	/* The report's programs. */
	r->pr = sp_calloc(len, sizeof *r->pr);
	if (!r->pr) {
		s = SP_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < len; i++) {
		cand *x = &c[order[i]];
		r->pr[i].c = *x;
		x->q = x->qi = NULL; /* moved */
	}
	r->n = len;
	qsort(r->pr, len, sizeof *r->pr, by_pref);
	/* P(match there): interviewed (within the cap), taken there and
	 * by nothing preferred. */
	cand *tmp = sp_calloc(len, sizeof *tmp);
	if (!tmp) {
		s = SP_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < len; i++)
		tmp[i] = r->pr[i].c; /* borrowed */
	s = p_list(a, tmp, len, &r->p_match, &r->interviews);
	for (size_t i = 0; i < len; i++)
		r->pr[i].c.pm = tmp[i].pm;
	if (s) {
		sp_free(tmp);
		goto done;
	}
	double pp = 0;
	int cnt[MAX_FAM] = {0};
	for (size_t i = 0; i < len; i++) {
		cand *x = &r->pr[i].c;
		cnt[x->slot]++;
		if (x->slot == 0)
			pp += x->pm;
		x->cls = x->qbar >= 0.35 ? 2 : x->qbar >= 0.12 ? 1 : 0;
		if (x->tier == 2)
			r->gold_used[x->slot]++;
		else if (x->tier == 1)
			r->silver_used[x->slot]++;
		reasons(a, pf, &r->pr[i]);
	}
	r->p_pref = pp;
	r->cost = fees(a, pf, cnt);
	/* The band: the same list with every cutoff shifted by +/-
	 * BAND_SHIFT (model uncertainty; docs/validation.md). */
	for (int side = 0; side < 2 && !s; side++) {
		for (size_t i = 0; i < len; i++) {
			tmp[i] = r->pr[i].c;
			tmp[i].q = tmp[i].qi = NULL;
		}
		s = estimate(a, pf, tmp, len, side ? -BAND_SHIFT : BAND_SHIFT);
		if (!s)
			s = p_list(a, tmp, len, side ? &r->hi : &r->lo, NULL);
		for (size_t i = 0; i < len; i++)
			cand_free(&tmp[i]);
	}
	sp_free(tmp);
	if (a->m->fam[pf->fam[0]].adv_only || a->m->fam[pf->fam[0]].advanced)
		add_note(r,
		         "Advanced (PGY-2) positions start after a PGY-1 year: "
		         "apply to preliminary or transitional programs too "
		         "(add them as a backup to see them here).");
done:
	for (size_t i = 0; i < n; i++)
		cand_free(&c[i]);
	sp_free(c);
	sp_free(pmx);
	sp_free(val);
	sp_free(order);
	sp_free(fixed);
	sp_free(curve);
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
	sp_status s = parse_profile(a->m, json, len, name, &r->pf, err);
	if (!s)
		s = build(a, r, err);
	if (s) {
		sp_advice_free(r);
		return s;
	}
	if (a->synthetic)
		add_note(r, "The catalog is synthetic: program names and "
		            "figures are drawn, not real (docs/catalog.md).");
	*out = r;
	return SP_OK;
}

/* ------------------------------------------------------------------ */
/* Writers. */

static const char *const class_names[] = {"reach", "target", "likely"};

static void jnum(sp__out *o, double v, int digits)
{
	char buf[32];
	if (!isfinite(v)) {
		sp__out_str(o, "null");
		return;
	}
	snprintf(buf, sizeof buf, "%.*f", digits, v);
	sp__out_str(o, buf);
}

static void jkey(sp__out *o, const char *k)
{
	sp__json_write_strz(o, k);
	sp__out_char(o, ':');
}

sp_status sp_advice_write_json(const sp_advice *r, FILE *f)
{
	const sp_advisor *a = r->a;
	const prof *pf = &r->pf;
	sp__out o;
	sp__out_init(&o, f);
	sp__out_str(&o, "{");
	jkey(&o, "specialty");
	sp__json_write_strz(&o, a->m->fam[pf->fam[0]].name);
	sp__out_str(&o, ",");
	jkey(&o, "backups");
	sp__out_char(&o, '[');
	for (int s = 1; s < pf->nfam; s++) {
		if (s > 1)
			sp__out_char(&o, ',');
		sp__json_write_strz(&o, a->m->fam[pf->fam[s]].name);
	}
	sp__out_str(&o, "],");
	jkey(&o, "applicant_type");
	sp__json_write_strz(&o, sp_appl_type_name(pf->p.type));
	sp__out_str(&o, ",");
	jkey(&o, "step2");
	jnum(&o, pf->p.step2, 0);
	sp__out_str(&o, ",");
	jkey(&o, "p_match");
	jnum(&o, r->p_match, 4);
	sp__out_str(&o, ",");
	jkey(&o, "p_match_low");
	jnum(&o, r->lo, 4);
	sp__out_str(&o, ",");
	jkey(&o, "p_match_high");
	jnum(&o, r->hi, 4);
	sp__out_str(&o, ",");
	jkey(&o, "p_match_preferred");
	jnum(&o, r->p_pref, 4);
	sp__out_str(&o, ",");
	jkey(&o, "interviews_expected");
	jnum(&o, r->interviews, 1);
	sp__out_str(&o, ",");
	jkey(&o, "applications");
	sp__json_write_int(&o, (int64_t)r->n);
	sp__out_str(&o, ",");
	jkey(&o, "cost");
	jnum(&o, r->cost, 0);
	sp__out_str(&o, ",");
	jkey(&o, "stop_at");
	sp__json_write_int(&o, r->stop_at);
	sp__out_str(&o, ",");
	jkey(&o, "signals");
	sp__out_char(&o, '[');
	for (int sl = 0; sl < pf->nfam; sl++) {
		sp__out_str(&o, sl ? ",{" : "{");
		jkey(&o, "specialty");
		sp__json_write_strz(&o, a->m->fam[pf->fam[sl]].name);
		sp__out_str(&o, ",");
		jkey(&o, "gold");
		sp__json_write_int(&o, r->gold_used[sl]);
		sp__out_str(&o, ",");
		jkey(&o, "silver");
		sp__json_write_int(&o, r->silver_used[sl]);
		sp__out_str(&o, ",");
		jkey(&o, "gold_available");
		sp__json_write_int(&o, r->gold[sl]);
		sp__out_str(&o, ",");
		jkey(&o, "silver_available");
		sp__json_write_int(&o, r->silver[sl]);
		sp__out_char(&o, '}');
	}
	sp__out_str(&o, "],");
	if (r->checked) {
		jkey(&o, "check");
		sp__out_str(&o, "{");
		jkey(&o, "p_match");
		jnum(&o, r->chk_p, 4);
		sp__out_str(&o, ",");
		jkey(&o, "low");
		jnum(&o, r->chk_lo, 4);
		sp__out_str(&o, ",");
		jkey(&o, "high");
		jnum(&o, r->chk_hi, 4);
		sp__out_str(&o, ",");
		jkey(&o, "copies");
		sp__json_write_int(&o, r->chk_copies);
		sp__out_str(&o, "},");
	}
	jkey(&o, "programs");
	sp__out_char(&o, '[');
	for (size_t i = 0; i < r->n; i++) {
		const rprog *rp = &r->pr[i];
		const cand *x = &rp->c;
		const sp_program_info *p = &a->progs[x->j];
		sp__out_str(&o, i ? ",\n{" : "\n{");
		jkey(&o, "id");
		sp__json_write_int(&o, p->id);
		sp__out_str(&o, ",");
		jkey(&o, "code");
		sp__json_write_strz(&o, p->code);
		sp__out_str(&o, ",");
		jkey(&o, "name");
		sp__json_write_strz(&o, p->name);
		sp__out_str(&o, ",");
		jkey(&o, "specialty");
		sp__json_write_strz(&o, a->m->fam[pf->fam[x->slot]].name);
		sp__out_str(&o, ",");
		jkey(&o, "state");
		sp__json_write_strz(&o, p->state);
		sp__out_str(&o, ",");
		jkey(&o, "region");
		sp__json_write_strz(&o, sp_division_name(p->region));
		sp__out_str(&o, ",");
		jkey(&o, "setting");
		sp__json_write_strz(&o, sp_setting_name(p->setting));
		sp__out_str(&o, ",");
		jkey(&o, "positions");
		sp__json_write_int(&o, p->positions);
		sp__out_str(&o, ",");
		jkey(&o, "tier");
		sp__json_write_strz(&o, class_names[x->cls]);
		sp__out_str(&o, ",");
		jkey(&o, "signal");
		sp__json_write_strz(&o, tier_name(x->tier));
		sp__out_str(&o, ",");
		jkey(&o, "p_interview");
		jnum(&o, x->pi[x->tier], 4);
		sp__out_str(&o, ",");
		jkey(&o, "p_interview_none");
		jnum(&o, x->pi[0], 4);
		sp__out_str(&o, ",");
		jkey(&o, "p_interview_silver");
		jnum(&o, x->pi[1], 4);
		sp__out_str(&o, ",");
		jkey(&o, "p_interview_gold");
		jnum(&o, x->pi[2], 4);
		sp__out_str(&o, ",");
		jkey(&o, "p_match_if_interviewed");
		jnum(&o, x->pi[x->tier] > 0 ? x->qbar / x->pi[x->tier] : 0, 4);
		sp__out_str(&o, ",");
		jkey(&o, "p_match_if_applied");
		jnum(&o, x->qbar, 4);
		sp__out_str(&o, ",");
		jkey(&o, "p_match");
		jnum(&o, x->pm, 4);
		sp__out_str(&o, ",");
		if (r->checked && r->chk_int && r->chk_match) {
			jkey(&o, "simulated_p_interview");
			jnum(&o, r->chk_int[i], 4);
			sp__out_str(&o, ",");
			jkey(&o, "simulated_p_match");
			jnum(&o, r->chk_match[i], 4);
			sp__out_str(&o, ",");
		}
		jkey(&o, "reasons");
		sp__out_char(&o, '[');
		for (int k = 0; k < rp->nreasons; k++) {
			if (k)
				sp__out_char(&o, ',');
			sp__json_write_strz(&o, rp->reasons[k]);
		}
		sp__out_str(&o, "]}");
	}
	sp__out_str(&o, "],\n");
	jkey(&o, "curve");
	sp__out_char(&o, '[');
	for (size_t i = 0; i < r->ncurve; i++) {
		sp__out_str(&o, i ? ",{" : "{");
		jkey(&o, "applications");
		sp__json_write_int(&o, (int64_t)i + 1);
		sp__out_str(&o, ",");
		jkey(&o, "p_match");
		jnum(&o, r->curve_p[i], 4);
		sp__out_str(&o, ",");
		jkey(&o, "cost");
		jnum(&o, r->curve_cost[i], 0);
		sp__out_char(&o, '}');
	}
	sp__out_str(&o, "],\n");
	jkey(&o, "notes");
	sp__out_char(&o, '[');
	for (int k = 0; k < r->nnotes; k++) {
		if (k)
			sp__out_char(&o, ',');
		sp__json_write_strz(&o, r->notes[k]);
	}
	sp__out_str(&o, "]}\n");
	return sp__out_flush(&o) ? SP_OK : SP_EIO;
}

sp_status sp_advice_write_table(const sp_advice *r, FILE *f)
{
	const sp_advisor *a = r->a;
	const prof *pf = &r->pf;
	fprintf(f, "SmartPick recommendation: %s", a->m->fam[pf->fam[0]].name);
	for (int s = 1; s < pf->nfam; s++)
		fprintf(f, "%s%s", s == 1 ? " (backups: " : ", ",
		        a->m->fam[pf->fam[s]].name);
	fprintf(f, "%s\n\n", pf->nfam > 1 ? ")" : "");
	fprintf(f, "P(match)        %.0f%%  (range %.0f%%-%.0f%%)\n",
	        100 * r->p_match, 100 * r->lo, 100 * r->hi);
	if (pf->nfam > 1)
		fprintf(f, "  in %-10.10s  %.0f%%\n",
		        a->m->fam[pf->fam[0]].name, 100 * r->p_pref);
	if (r->checked)
		fprintf(f,
		        "Simulated       %.0f%%  (95%% interval %.0f%%-%.0f%%, "
		        "%ld simulated applicants)\n",
		        100 * r->chk_p, 100 * r->chk_lo, 100 * r->chk_hi,
		        r->chk_copies);
	fprintf(f, "Applications    %zu (ERAS fees $%.0f)\n", r->n, r->cost);
	fprintf(f, "Interviews      %.1f expected (at most %d attended)\n",
	        r->interviews, interview_cap(a));
	fprintf(f, "Stop at         %d: one more adds under %.1f point\n",
	        r->stop_at, 100 * STOP_GAIN);
	for (int sl = 0; sl < pf->nfam; sl++)
		fprintf(f,
		        "Signals         %s: %d gold of %d, %d silver of %d\n",
		        a->m->fam[pf->fam[sl]].name, r->gold_used[sl],
		        r->gold[sl], r->silver_used[sl], r->silver[sl]);
	fputc('\n', f);
	for (int cls = 0; cls < 3; cls++) {
		int any = 0;
		for (size_t i = 0; i < r->n; i++) {
			const cand *x = &r->pr[i].c;
			if (x->cls != cls)
				continue;
			const sp_program_info *p = &a->progs[x->j];
			if (!any++)
				fprintf(f,
				        "%s\n  %-12s %-34s %-2s %-6s %6s %6s\n",
				        cls == 0   ? "REACH"
				        : cls == 1 ? "TARGET"
				                   : "LIKELY",
				        "code", "program", "st", "signal",
				        "P(int)", "P(mt)");
			fprintf(f,
			        "  %-12s %-34.34s %-2s %-6s %5.0f%% %5.1f%%\n",
			        p->code, p->name, p->state, tier_name(x->tier),
			        100 * x->pi[x->tier], 100 * x->pm);
			if (r->pr[i].nreasons)
				fprintf(f, "      %s\n", r->pr[i].reasons[0]);
		}
		if (any)
			fputc('\n', f);
	}
	fprintf(f, "P(match) by number of applications:\n");
	size_t step = r->ncurve > 60 ? 10 : 5;
	for (size_t i = 0; i < r->ncurve; i += step)
		fprintf(f, "  %4zu  %5.1f%%  $%.0f\n", i + 1,
		        100 * r->curve_p[i], r->curve_cost[i]);
	for (int k = 0; k < r->nnotes; k++)
		fprintf(f, "\nNote: %s", r->notes[k]);
	fputc('\n', f);
	return ferror(f) ? SP_EIO : SP_OK;
}

/* A CSV cell: quoted when needed; a leading = + - @ gets a quote mark
 * so spreadsheets do not run it as a formula. */
static void csv_cell(FILE *f, const char *s)
{
	bool formula = *s == '=' || *s == '+' || *s == '-' || *s == '@';
	bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	if (!quote) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

sp_status sp_advice_write_csv(const sp_advice *r, FILE *f)
{
	const sp_advisor *a = r->a;
	fputs("rank,code,name,specialty,state,tier,signal,p_interview,"
	      "p_match_if_interviewed,p_match,reasons\n",
	      f);
	for (size_t i = 0; i < r->n; i++) {
		const cand *x = &r->pr[i].c;
		const sp_program_info *p = &a->progs[x->j];
		char reasons[1100] = "";
		size_t used = 0;
		for (int k = 0; k < r->pr[i].nreasons; k++)
			used += (size_t)snprintf(
			    reasons + used, sizeof reasons - used, "%s%s",
			    k ? " " : "", r->pr[i].reasons[k]);
		fprintf(f, "%zu,", i + 1);
		csv_cell(f, p->code);
		fputc(',', f);
		csv_cell(f, p->name);
		fputc(',', f);
		csv_cell(f, a->m->fam[r->pf.fam[x->slot]].name);
		fprintf(f, ",%s,%s,%s,%.4f,%.4f,%.4f,", p->state,
		        class_names[x->cls], tier_name(x->tier), x->pi[x->tier],
		        x->pi[x->tier] > 0 ? x->qbar / x->pi[x->tier] : 0,
		        x->pm);
		csv_cell(f, reasons);
		fputc('\n', f);
	}
	return ferror(f) ? SP_EIO : SP_OK;
}

sp_status sp_recommend_json(const sp_advisor *a, const char *json, size_t len,
                            const char *name, char **out, size_t *outlen,
                            sp_err *err)
{
	*out = NULL;
	*outlen = 0;
	sp_advice *r;
	sp_status s = sp_recommend(a, json, len, name, &r, err);
	if (s)
		return s;
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f) {
		sp_advice_free(r);
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	}
	s = sp_advice_write_json(r, f);
	sp_advice_free(r);
	if (fclose(f) || s) {
		free(buf);
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "cannot write the report");
	}
	/* Hand over through the library's allocation door. */
	*out = sp_malloc(n + 1);
	if (!*out) {
		free(buf);
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	}
	memcpy(*out, buf, n + 1);
	*outlen = n;
	free(buf);
	return SP_OK;
}

/* ------------------------------------------------------------------ */
/* The cross-check by simulation. */

sp_status sp_advice_check(const sp_advisor *a, sp_advice *r,
                          const sp_sim_opts *o, int clones, sp_err *err)
{
	sp__err_clear(err);
	const prof *pf = &r->pf;
	if (r->n == 0)
		return sp__err_set(err, SP_EINVAL, NULL, 0, NULL,
		                   "the list is empty: nothing to check");
	/* The whole national market: a specialty subset would leave the
	 * applicants whose preferred specialty is outside it competing in
	 * the subset as if they could not match at home (docs/model.md),
	 * and the statistics behind the estimate are national too. */
	const sp_model *m = a->m;
	sp_status s = SP_OK;
	int32_t *apps = sp_malloc(r->n * sizeof *apps);
	uint8_t *tier = sp_malloc(r->n);
	double *pref = sp_malloc(r->n * sizeof *pref);
	if (!s && (!apps || !tier || !pref))
		s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL, "out of memory");
	sp_probe_result res;
	memset(&res, 0, sizeof res);
	if (!s) {
		for (size_t i = 0; i < r->n; i++) {
			apps[i] = r->pr[i].c.j;
			tier[i] = r->pr[i].c.tier;
			/* Preference, and among equals the likelier match
			 * first: when offered more interviews than the cap,
			 * the copies attend those (a real applicant with no
			 * preference among programs would not keep its
			 * reaches and decline its likely ones), and rank
			 * them in that order. */
			const cand *c = &r->pr[i].c;
			pref[i] = c->value + 1e-3 * match_if_interviewed(c);
		}
		sp_probe pr;
		memset(&pr, 0, sizeof pr);
		pr.profile = pf->p;
		pr.apps = apps;
		pr.tier = tier;
		pr.napps = r->n;
		pr.pref = pref;
		pr.clones = clones;
		s = sp_simulate_probe(m, o, &pr, &res, err);
	}
	if (!s && res.copies > 0) {
		double n = (double)res.copies, p = res.matched / n;
		/* Wilson's 95% interval. */
		double z = 1.96, den = 1 + z * z / n;
		double mid = (p + z * z / (2 * n)) / den;
		double half =
		    z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den;
		r->checked = 1;
		r->chk_p = p;
		r->chk_lo = mid - half;
		r->chk_hi = mid + half;
		r->chk_copies = res.copies;
		sp_free(r->chk_int);
		sp_free(r->chk_match);
		r->chk_int = sp_malloc(r->n * sizeof *r->chk_int);
		r->chk_match = sp_malloc(r->n * sizeof *r->chk_match);
		for (size_t i = 0; r->chk_int && r->chk_match && i < r->n;
		     i++) {
			r->chk_int[i] = res.int_at[i] / n;
			r->chk_match[i] = res.match_at[i] / n;
		}
	}
	sp_free(res.int_at);
	sp_free(res.match_at);
	sp_free(apps);
	sp_free(tier);
	sp_free(pref);
	return s;
}

sp_status sp__advise_check_profile(const sp_model *m, const char *json,
                                   size_t len, const char *name, sp_err *err)
{
	prof pf;
	sp__err_clear(err);
	return parse_profile(m, json, len, name, &pf, err);
}

sp_status sp__advise_probs(const sp_advisor *a, const char *json, size_t len,
                           int32_t j, int tier, double *pint, double *q,
                           sp_err *err)
{
	prof pf;
	*pint = *q = 0;
	sp_status s = parse_profile(a->m, json, len, "profile", &pf, err);
	if (s)
		return s;
	if (j < 0 || (size_t)j >= a->np || tier < 0 || tier > 2)
		return sp__err_set(err, SP_EINVAL, NULL, 0, NULL,
		                   "no such program or tier");
	double mu0, sig, pi[NE], qq[NE];
	if (!sp_model_interview_score(a->m, j, &pf.p, 0, tier, &mu0, &sig))
		return SP_OK;
	program_probs(a, (size_t)j, mu0, 0, pi, qq);
	for (int k = 0; k < NE; k++) {
		*pint += a->ew[k] * pi[k];
		*q += a->ew[k] * qq[k];
	}
	return SP_OK;
}

double sp__advise_fee(const sp_advisor *a, int n)
{
	return fee_of(a, n);
}

/* ------------------------------------------------------------------ */
/* Cohorts: CSV rows to profile JSON texts. */

#define COHORT_MAX 10000

struct sp_cohort {
	size_t n;
	char **id, **json, **where;
	size_t *len;
};

void sp_cohort_free(sp_cohort *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		sp_free(c->id[i]);
		sp_free(c->json[i]);
		sp_free(c->where[i]);
	}
	sp_free(c->id);
	sp_free(c->json);
	sp_free(c->where);
	sp_free(c->len);
	sp_free(c);
}

size_t sp_cohort_size(const sp_cohort *c)
{
	return c->n;
}

const char *sp_cohort_id(const sp_cohort *c, size_t i)
{
	return c->id[i];
}

const char *sp_cohort_profile(const sp_cohort *c, size_t i, size_t *len)
{
	*len = c->len[i];
	return c->json[i];
}

const char *sp_cohort_where(const sp_cohort *c, size_t i)
{
	return c->where[i];
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = sp_malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* Column kinds: a JSON string, a number, a boolean, a ';' list of
 * strings, a member of "signals". */
enum { K_STR, K_NUM, K_BOOL, K_LIST, K_SIG };

static const struct {
	const char *col, *key;
	int kind;
} cohort_cols[] = {
    {"id", "id", K_STR},
    {"applicant_type", "applicant_type", K_STR},
    {"specialty", "specialty", K_STR},
    {"step2", "step2", K_NUM},
    {"comlex2", "comlex2", K_NUM},
    {"research", "research", K_NUM},
    {"home_state", "home_state", K_STR},
    {"needs_visa", "needs_visa", K_BOOL},
    {"backups", "backups", K_LIST},
    {"states_want", "states_want", K_LIST},
    {"states_avoid", "states_avoid", K_LIST},
    {"regions_want", "regions_want", K_LIST},
    {"settings_want", "settings_want", K_LIST},
    {"settings_avoid", "settings_avoid", K_LIST},
    {"signals_gold", "gold", K_SIG},
    {"signals_silver", "silver", K_SIG},
    {"budget", "budget", K_NUM},
    {"applications", "applications", K_NUM},
    {"target", "target", K_NUM},
    {"backup_weight", "backup_weight", K_NUM},
};
#define NCOLS (sizeof cohort_cols / sizeof *cohort_cols)

static bool is_number(const char *s)
{
	char *end;
	if (!*s || isspace((unsigned char)*s))
		return false;
	double v = strtod(s, &end);
	return *end == 0 && isfinite(v);
}

/* Ids become file names: letters, digits, '-', '_', '.', not leading
 * '.', at most 64 bytes. */
static bool safe_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' &&
		    *s != '.')
			return false;
	return true;
}

static sp_status row_json(const sp__csv *t, const int *idx, char **out,
                          size_t *outlen, sp_err *err)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f)
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	sp__out o;
	sp__out_init(&o, f);
	sp__out_char(&o, '{');
	bool first = true, sig = false;
	sp_status s = SP_OK;
	for (size_t k = 0; k < NCOLS && !s; k++) {
		const char *v = sp__csv_field(t, idx[k]);
		if (!*v || cohort_cols[k].kind == K_SIG)
			continue;
		if (!first)
			sp__out_char(&o, ',');
		first = false;
		sp__json_write_strz(&o, cohort_cols[k].key);
		sp__out_char(&o, ':');
		switch (cohort_cols[k].kind) {
		case K_STR:
			sp__json_write_strz(&o, v);
			break;
		case K_NUM:
			if (!is_number(v))
				s = sp__csv_err(t, err, SP_EPARSE, idx[k],
				                "expected a number");
			else
				sp__out_str(&o, v);
			break;
		case K_BOOL:
			if (ieq(v, "1") || ieq(v, "yes") || ieq(v, "true"))
				sp__out_str(&o, "true");
			else if (ieq(v, "0") || ieq(v, "no") || ieq(v, "false"))
				sp__out_str(&o, "false");
			else
				s = sp__csv_err(t, err, SP_EPARSE, idx[k],
				                "expected yes or no");
			break;
		default: { /* K_LIST */
			sp__out_char(&o, '[');
			const char *p = v;
			for (bool firstel = true;; firstel = false) {
				const char *e = strchr(p, ';');
				size_t l = e ? (size_t)(e - p) : strlen(p);
				while (l && isspace((unsigned char)*p))
					p++, l--;
				while (l && isspace((unsigned char)p[l - 1]))
					l--;
				if (!firstel)
					sp__out_char(&o, ',');
				sp__json_write_str(&o, p, l);
				if (!e)
					break;
				p = e + 1;
			}
			sp__out_char(&o, ']');
		}
		}
	}
	for (size_t k = 0; k < NCOLS && !s; k++) {
		const char *v = sp__csv_field(t, idx[k]);
		if (cohort_cols[k].kind != K_SIG || !*v)
			continue;
		if (!is_number(v)) {
			s = sp__csv_err(t, err, SP_EPARSE, idx[k],
			                "expected a number");
			break;
		}
		sp__out_str(&o, sig     ? ","
		                : first ? "\"signals\":{"
		                        : ",\"signals\":{");
		first = false;
		sig = true;
		sp__json_write_strz(&o, cohort_cols[k].key);
		sp__out_char(&o, ':');
		sp__out_str(&o, v);
	}
	if (sig)
		sp__out_char(&o, '}');
	sp__out_char(&o, '}');
	bool ok = sp__out_flush(&o);
	if (fclose(f) || !ok) {
		if (!s)
			s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
			                "out of memory");
	}
	if (!s) {
		*out = sp_malloc(n + 1);
		if (*out) {
			memcpy(*out, buf, n + 1);
			*outlen = n;
		} else {
			s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
			                "out of memory");
		}
	}
	free(buf);
	return s;
}

sp_status sp_cohort_read(const char *buf, size_t len, const char *name,
                         sp_cohort **out, sp_err *err)
{
	sp__err_clear(err);
	*out = NULL;
	const char *cols[NCOLS];
	int idx[NCOLS];
	for (size_t k = 0; k < NCOLS; k++)
		cols[k] = cohort_cols[k].col;
	sp_cohort *c = sp_calloc(1, sizeof *c);
	size_t cap = 0;
	sp__csv t;
	sp__csv_init(&t, buf, len, name);
	sp_status s =
	    c ? sp__csv_header(&t, cols, NCOLS, 3, false, idx, err) : SP_ENOMEM;
	while (!s && !(s = sp__csv_next(&t, err)) && t.nf) {
		const char *id = sp__csv_field(&t, idx[0]);
		if (!safe_id(id)) {
			s = sp__csv_err(
			    &t, err, SP_EPARSE, idx[0],
			    "ids are 1-64 letters, digits, '-', '_' "
			    "or '.' (they name the report files)");
			break;
		}
		for (size_t i = 0; i < c->n; i++)
			if (!strcmp(c->id[i], id)) {
				s = sp__csv_err(&t, err, SP_EDUP, idx[0],
				                "id \"%s\" repeats line %s", id,
				                c->where[i]);
				break;
			}
		if (s)
			break;
		if (c->n == COHORT_MAX) {
			s = sp__csv_err(&t, err, SP_ELIMIT, -1,
			                "more than %d students", COHORT_MAX);
			break;
		}
		if (c->n == cap) {
			size_t nc = cap ? 2 * cap : 16;
			char **a1 = sp_realloc(c->id, nc * sizeof *a1);
			if (a1)
				c->id = a1;
			char **a2 = sp_realloc(c->json, nc * sizeof *a2);
			if (a2)
				c->json = a2;
			char **a3 = sp_realloc(c->where, nc * sizeof *a3);
			if (a3)
				c->where = a3;
			size_t *a4 = sp_realloc(c->len, nc * sizeof *a4);
			if (a4)
				c->len = a4;
			if (!a1 || !a2 || !a3 || !a4) {
				s = SP_ENOMEM;
				break;
			}
			cap = nc;
		}
		char where[300];
		snprintf(where, sizeof where, "%s:%ld", name, t.line);
		size_t i = c->n;
		c->id[i] = dup_str(id);
		c->where[i] = dup_str(where);
		c->json[i] = NULL;
		c->n++;
		if (!c->id[i] || !c->where[i]) {
			s = SP_ENOMEM;
			break;
		}
		s = row_json(&t, idx, &c->json[i], &c->len[i], err);
	}
	sp__csv_free(&t);
	if (!s && c->n == 0)
		s = sp__err_set(err, SP_EPARSE, name, 0, NULL,
		                "no students (one row per student after the "
		                "header)");
	if (s) {
		if (s == SP_ENOMEM && !err->msg[0])
			sp__err_set(err, s, name, 0, NULL, "out of memory");
		sp_cohort_free(c);
		return s;
	}
	*out = c;
	return SP_OK;
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
	sp_status s = parse_profile(a->m, json, len, name, &pf, err);
	if (s)
		return s;
	for (size_t i = 0; i < n && !s; i++) {
		if (j[i] < 0 || (size_t)j[i] >= a->np || tier[i] > 2)
			return sp__err_set(err, SP_EINVAL, NULL, 0, NULL,
			                   "no such program or tier");
		cand c = {.j = j[i], .tiers = (uint8_t)(1 | 1 << tier[i])};
		s = estimate(a, &pf, &c, 1, shift);
		for (int k = 0; k < NE && !s; k++) {
			bool ok = c.q && !isnan(c.pi[tier[i]]);
			pint[i * NE + (size_t)k] =
			    ok ? c.qi[tier[i] * NE + k] : 0;
			q[i * NE + (size_t)k] = ok ? c.q[tier[i] * NE + k] : 0;
		}
		cand_free(&c);
	}
	return s;
}

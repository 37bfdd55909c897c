/*
 * calib.c — calibration: the model's free parameters fitted so that the
 * simulated market reproduces the cited targets.
 *
 * Targets (data/, cited): fill rate per specialty row (S18), match rate
 * per applicant type (S10, S11), share of US MD seniors matched in their
 * preferred specialty and Step 2 CK medians of matched and unmatched
 * seniors (S24), program-mean interview rates by signal tier and by
 * in-state status (S48), US MD seniors matched in their preferred
 * specialty by Step 2 CK band (S97) and non-US IMGs' match rate by
 * preferred specialty (S26).  Residuals are simulated minus target, in
 * percentage points for rates and points for scores, times a weight.
 *
 * Free parameters: demand per family (fill), strength per non-MD
 * applicant type (match rates), the signal bonuses of the families with
 * interview-rate data, the in-state interview bonus, and with the Step 2
 * band curves the weight of Step 2 and of the rest in the strength and
 * how much more broadly weaker applicants apply.
 *
 * Method: GSL's trust-region nonlinear least squares
 * (gsl_multifit_nlinear, Levenberg–Marquardt) over common random numbers:
 * every evaluation runs the same seeded trials, so the objective is a
 * deterministic (piecewise constant) function of the parameters.  The
 * Jacobian is by forward differences with a wide step (opts.fd_step), as
 * a derivative at the scale of GSL's default step would see only the
 * flat pieces.  docs/model.md explains the choice against per-parameter
 * Brent root finding and the hybrid root solver.  The Jacobian's
 * evaluations are one batch, which a caller's hook may spread (over MPI
 * ranks: docs/mpi.md); each depends on its point only.
 */
#include "market.h"

#include "csv.h"
#include "tables.h"
#include "data.h"
#include "json.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <math.h>
#include <stdlib.h>

/* A rank floor is fitted for families with a fill target below this
 * (percent); a demand group holds at most this share of the positions
 * of the families whose demand is fitted. */
#define FLOOR_FILL   95.0
#define FLOOR_START  -3.0
#define FLOOR_OFF    -9.5 /* at or below: off (the default is -10) */
#define DEMAND_SHARE 0.06
/* The match rates by type weigh double: five figures that every
 * applicant's P(match) rests on, against 160 others. */
#define TYPE_WEIGHT 2.0

enum {
	T_FILL,     /* fill rate of a specialty row */
	T_TYPE,     /* match rate of an applicant type */
	T_MD_SHARE, /* US MD share matched in the preferred family */
	T_S2_MATCH, /* Step 2 median, matched US MD */
	T_S2_UNM,   /* Step 2 median, unmatched US MD */
	T_IV,       /* interview rate (what: sp__sim_iv_rate) */
	T_BAND,     /* US MD matched in preferred, Step 2 band (what: band) */
	T_IMG       /* non-US IMG matched in preferred */
};

/* The Step 2 band curves and the IMG rates weigh sqrt(n / BAND_N), at
 * most BAND_WMAX: the weighted sum of squares then follows the
 * applicant-weighted error the published tables measure. */
#define BAND_N    1000.0
#define BAND_WMAX 2.0
/* The bands of the published curves: 210-219 (below 220: sim.c's band
 * 0 takes everything below 220) to 240-249, then 250 and up. */
#define BAND_TOP 4

typedef struct {
	int kind;
	int32_t idx; /* specialty row, type or family */
	int what;
	double value; /* pp or points */
	double weight;
	double sim;
	double n; /* applicants behind the cited figure; 0: not given */
	char label[96];
	char group[32];
} target;

typedef struct {
	long slot;   /* parameter slot */
	int32_t fam; /* a per-family parameter's family; -1: global */
	int group;   /* perturbed together in the Jacobian (see jac) */
} fparam;

/* Every selected family's US MD curve, P(match in preferred | Step 2
 * band), fitted or not: the curves kept back from the fit are checked
 * against it by whoever holds them (issue 17). */
#define NCURVE (BAND_TOP + 1) /* below 220, ..., 240-249, 250+ */
typedef struct {
	char code[16];
	double p[NCURVE]; /* NAN: no such simulated senior */
	int64_t n[NCURVE];
} curve;

struct sp_calib_report {
	SP_VEC(target) t;
	SP_VEC(curve) cv; /* from the last evaluation */
	int evals;
	double cost0, cost;
	int iters, restarts;
	char method[192];
};

sp_calib_opts sp_calib_defaults(void)
{
	sp_calib_opts o;
	memset(&o, 0, sizeof o);
	o.seed = 2025;
	o.trials = 2;
	o.max_iter = 8;
	o.fd_step = 0.15;
	return o;
}

/* ------------------------------------------------------------------ */
/* Targets from the cited tables. */

/* Opens an embedded table (tables.c); false when it cannot be read. */
static bool open_table(sp__table *t, const char *file, const char *const *cols,
                       size_t n)
{
	if (sp__table_open(t, file, cols, n, NULL) == SP_OK)
		return true;
	sp__table_close(t);
	return false;
}

static double num(const sp__table *t, int col)
{
	return sp__table_num(t, col, NAN);
}

static const char *str(const sp__table *t, int col)
{
	return sp__table_str(t, col);
}

static bool add(sp_calib_report *r, int kind, int32_t idx, int what,
                double value, double weight, const char *group,
                const char *label)
{
	target x;
	memset(&x, 0, sizeof x);
	x.kind = kind;
	x.idx = idx;
	x.what = what;
	x.value = value;
	x.weight = weight;
	x.sim = NAN;
	snprintf(x.group, sizeof x.group, "%s", group);
	snprintf(x.label, sizeof x.label, "%s", label);
	return SP_VEC_PUSH(r->t, x);
}

static int32_t spec_row(const sp_model *m, const char *code)
{
	for (int32_t s = 0; s < m->ns; s++)
		if (!strcmp(m->specs[s].code, code))
			return s;
	return -1;
}

static bool fill_targets(sp_calib_report *r, const sp_model *m)
{
	static const char *const cols[] = {"code", "kind", "fill_pct"};
	sp__table t;
	sp_status st;
	if (!open_table(&t, "specialties_2025.csv", cols, 3))
		return true;
	bool ok = true;
	while (ok && sp__table_next(&t, &st, NULL)) {
		int32_t s = spec_row(m, str(&t, 0));
		double v = num(&t, 2);
		if (s < 0 || !strcmp(str(&t, 1), "residual") || isnan(v) ||
		    !m->fam[m->spec_fam[s]].selected)
			continue;
		ok = add(r, T_FILL, s, 0, v, 1.0, "fill rate", str(&t, 0));
	}
	sp__table_close(&t);
	return ok;
}

static bool type_targets(sp_calib_report *r)
{
	static const char *const cols[] = {"year", "applicant_type",
	                                   "match_rate_pct"};
	sp__table t;
	sp_status st;
	if (!open_table(&t, "applicant_types.csv", cols, 3))
		return true;
	bool ok = true;
	while (ok && sp__table_next(&t, &st, NULL)) {
		if (strcmp(str(&t, 0), "2025"))
			continue;
		for (int k = 0; k < SP_APPL_NTYPES; k++)
			if (!strcmp(str(&t, 1),
			            sp_appl_type_name((sp_appl_type)k)))
				ok = add(r, T_TYPE, k, 0, num(&t, 2),
				         TYPE_WEIGHT, "match rate", str(&t, 1));
	}
	sp__table_close(&t);
	return ok;
}

static bool md_targets(sp_calib_report *r, const sp_model *m)
{
	static const char *const cols[] = {"code", "matched_median",
	                                   "unmatched_median",
	                                   "derived_pct_matched"};
	sp__table t;
	sp_status st;
	if (!open_table(&t, "step2_by_specialty_2026.csv", cols, 4))
		return true;
	bool ok = true;
	while (ok && sp__table_next(&t, &st, NULL)) {
		int32_t f = sp__model_family(m, str(&t, 0));
		if (f < 0 || !m->fam[f].selected)
			continue;
		double share = num(&t, 3), mm = num(&t, 1), um = num(&t, 2);
		if (!isnan(share))
			ok = add(r, T_MD_SHARE, f, 0, share, 0.5,
			         "US MD matched in preferred", str(&t, 0));
		if (ok && !isnan(mm))
			ok = add(r, T_S2_MATCH, f, 0, mm, 0.5,
			         "Step 2 median, matched", str(&t, 0));
		if (ok && !isnan(um))
			ok = add(r, T_S2_UNM, f, 0, um, 0.5,
			         "Step 2 median, unmatched", str(&t, 0));
	}
	sp__table_close(&t);
	return ok;
}

static bool iv_targets(sp_calib_report *r, const sp_model *m)
{
	static const char *const cols[] = {"code",
	                                   "rate_gold",
	                                   "rate_silver",
	                                   "rate_signal",
	                                   "rate_no_signal",
	                                   "rate_in_state",
	                                   "rate_out_of_state"};
	static const struct {
		int col, what;
		double w;
		const char *group;
	} map[] = {{1, 2, 1.0, "interview rate, gold"},
	           {2, 1, 1.0, "interview rate, silver"},
	           {3, 2, 1.0, "interview rate, signal"},
	           {4, 0, 1.0, "interview rate, no signal"},
	           {5, 4, 0.5, "interview rate, in state"},
	           {6, 3, 0.5, "interview rate, out of state"}};
	sp__table t;
	sp_status st;
	if (!open_table(&t, "interview_rates_2024.csv", cols, 7))
		return true;
	bool ok = true;
	while (ok && sp__table_next(&t, &st, NULL)) {
		int32_t f = sp__model_family(m, str(&t, 0));
		if (f < 0 || !m->fam[f].selected)
			continue;
		for (size_t k = 0; ok && k < sizeof map / sizeof *map; k++) {
			double v = num(&t, map[k].col);
			if (!isnan(v))
				ok = add(r, T_IV, f, map[k].what, 100 * v,
				         map[k].w, map[k].group, str(&t, 0));
		}
	}
	sp__table_close(&t);
	return ok;
}

static double band_weight(double n)
{
	double w = sqrt(n / BAND_N);
	return w > BAND_WMAX ? BAND_WMAX : w;
}

/* P(match in preferred | Step 2 band), US MD seniors (S97). */
static bool band_targets(sp_calib_report *r, const sp_model *m)
{
	static const char *const cols[] = {"code", "step2_low", "applicants_n",
	                                   "match_preferred_pct", "use"};
	sp__table t;
	sp_status st;
	if (!open_table(&t, "step2_band_us_md.csv", cols, 5))
		return true;
	bool ok = true;
	while (ok && sp__table_next(&t, &st, NULL)) {
		int32_t f = sp__model_family(m, str(&t, 0));
		double lo = num(&t, 1), n = num(&t, 2), v = num(&t, 3);
		if (f < 0 || !m->fam[f].selected || isnan(v) || isnan(lo) ||
		    strcmp(str(&t, 4), "fit"))
			continue;
		int b = sp__sim_band(lo);
		char label[64];
		snprintf(label, sizeof label, "%s %.0f%s", str(&t, 0), lo,
		         b >= BAND_TOP ? "+" : "");
		ok = add(r, T_BAND, f, b, v, band_weight(n),
		         "US MD pref, Step 2 band", label);
		if (ok)
			r->t.v[r->t.n - 1].n = n;
	}
	sp__table_close(&t);
	return ok;
}

/* Non-US IMGs matched in their preferred specialty (S26). */
static bool img_targets(sp_calib_report *r, const sp_model *m)
{
	static const char *const cols[] = {"code", "applicants_n",
	                                   "match_rate_pct"};
	sp__table t;
	sp_status st;
	if (!open_table(&t, "img_preferred_2026.csv", cols, 3))
		return true;
	bool ok = true;
	while (ok && sp__table_next(&t, &st, NULL)) {
		int32_t f = sp__model_family(m, str(&t, 0));
		double n = num(&t, 1), v = num(&t, 2);
		if (f < 0 || !m->fam[f].selected || isnan(v) || isnan(n))
			continue;
		ok = add(r, T_IMG, f, 0, v, band_weight(n), "non-US IMG pref",
		         str(&t, 0));
		if (ok)
			r->t.v[r->t.n - 1].n = n;
	}
	sp__table_close(&t);
	return ok;
}

static double simulated(const target *x, const sp_sim_result *r)
{
	switch (x->kind) {
	case T_FILL:
		return 100 * sp__sim_fill(r, x->idx);
	case T_TYPE:
		return 100 * sp_sim_result_match_rate(r, (sp_appl_type)x->idx);
	case T_MD_SHARE:
		return 100 * sp__sim_pref_rate(r, x->idx, SP_APPL_US_MD);
	case T_S2_MATCH:
		return sp__sim_step2_median(r, x->idx, 1);
	case T_S2_UNM:
		return sp__sim_step2_median(r, x->idx, 0);
	case T_BAND:
		return 100 * sp__sim_band_pref_rate(
		                 r, x->idx, SP_APPL_US_MD, x->what,
		                 x->what >= BAND_TOP ? 99 : x->what);
	case T_IMG:
		return 100 * sp__sim_pref_rate(r, x->idx, SP_APPL_NON_US_IMG);
	default:
		return 100 * sp__sim_iv_rate(r, x->idx, x->what);
	}
}

static sp_status new_report(const sp_model *m, sp_calib_report **out)
{
	sp_calib_report *r = sp_calloc(1, sizeof *r);
	if (!r)
		return SP_ENOMEM;
	if (!fill_targets(r, m) || !type_targets(r) || !md_targets(r, m) ||
	    !iv_targets(r, m) || !band_targets(r, m) || !img_targets(r, m)) {
		sp_calib_report_free(r);
		return SP_ENOMEM;
	}
	*out = r;
	return SP_OK;
}

void sp_calib_report_free(sp_calib_report *r)
{
	if (!r)
		return;
	SP_VEC_FREE(r->t);
	SP_VEC_FREE(r->cv);
	sp_free(r);
}

static double cost_of(const sp_calib_report *r)
{
	double c = 0;
	for (size_t k = 0; k < r->t.n; k++) {
		const target *x = &r->t.v[k];
		if (isfinite(x->sim))
			c += x->weight * x->weight * (x->sim - x->value) *
			     (x->sim - x->value);
	}
	return c;
}

/* Runs the trials and fills every target's simulated value (the
 * caller counts the evaluation in r->evals).  `alone`: a batch's point,
 * run here whatever o->simulate does (its ranks run other points). */
static sp_status evaluate(const sp_model *m, const sp_calib_opts *o,
                          sp_calib_report *r, bool alone, sp_err *err)
{
	sp_sim_opts so = sp_sim_defaults();
	so.seed = o->seed;
	so.trials = o->trials;
	so.threads = o->threads;
	sp_sim_result *res = NULL;
	sp_status s = !alone && o->simulate ? o->simulate(m, &so, &res, err)
	                                    : sp_simulate(m, &so, &res, err);
	if (s)
		return s;
	for (size_t k = 0; k < r->t.n; k++)
		r->t.v[k].sim = simulated(&r->t.v[k], res);
	r->cv.n = 0;
	for (int32_t f = 0; f < m->nf; f++) {
		if (!m->fam[f].selected)
			continue;
		curve c;
		memset(&c, 0, sizeof c);
		snprintf(c.code, sizeof c.code, "%s", m->fam[f].code);
		for (int b = 0; b < NCURVE; b++) {
			int hi = b == BAND_TOP ? 99 : b;
			c.p[b] = 100 * sp__sim_band_pref_rate(
			                   res, f, SP_APPL_US_MD, b, hi);
			c.n[b] = sp__sim_band_n(res, f, SP_APPL_US_MD, b, hi);
		}
		if (!SP_VEC_PUSH(r->cv, c)) {
			sp_sim_result_free(res);
			return sp__err_set(err, SP_ENOMEM, "", 0, "",
			                   "out of memory");
		}
	}
	sp_sim_result_free(res);
	return SP_OK;
}

sp_status sp_calib_evaluate(const sp_model *m, const sp_calib_opts *o,
                            sp_calib_report **out, sp_err *err)
{
	*out = NULL;
	sp_calib_report *r;
	if (new_report(m, &r))
		return sp__err_set(err, SP_ENOMEM, "", 0, "", "out of memory");
	snprintf(r->method, sizeof r->method, "evaluation only");
	sp_status s = evaluate(m, o, r, false, err);
	r->evals++;
	if (s) {
		sp_calib_report_free(r);
		return s;
	}
	r->cost0 = r->cost = cost_of(r);
	*out = r;
	return SP_OK;
}

/* ------------------------------------------------------------------ */
/* The fit. */

typedef struct {
	sp_model *m;
	const sp_calib_opts *o;
	sp_calib_report *r;
	fparam *p;
	size_t np;
	int ngroups;
	int32_t *tfam; /* each target's family; -1: none (a type's rate) */
	sp_status status;
	sp_err *err;
	double h;
	gsl_vector *xlast, *flast; /* the last evaluation */
	bool have_last;
} fit;

static void set_x(fit *F, const gsl_vector *x)
{
	for (size_t k = 0; k < F->np; k++)
		*sp__model_slot(F->m, (size_t)F->p[k].slot) =
		    gsl_vector_get(x, k);
}

/* A target's residual: weighted, 0 where the trials gave no figure. */
static double resid_of(const target *t)
{
	return t->weight * (isfinite(t->sim) ? t->sim - t->value : 0);
}

static int resid(const gsl_vector *x, void *arg, gsl_vector *f)
{
	fit *F = arg;
	set_x(F, x);
	sp_status s = evaluate(F->m, F->o, F->r, false, F->err);
	F->r->evals++;
	if (s) {
		F->status = s;
		return GSL_EFAILED;
	}
	for (size_t k = 0; k < F->r->t.n; k++)
		gsl_vector_set(f, k, resid_of(&F->r->t.v[k]));
	gsl_vector_memcpy(F->xlast, x);
	gsl_vector_memcpy(F->flast, f);
	F->have_last = true;
	if (F->o->progress)
		F->o->progress(F->o->progress_ctx, F->r->evals, cost_of(F->r));
	return GSL_SUCCESS;
}

static bool same_x(const gsl_vector *a, const gsl_vector *b)
{
	for (size_t k = 0; k < a->size; k++)
		if (gsl_vector_get(a, k) != gsl_vector_get(b, k))
			return false;
	return true;
}

/* A batch of evaluations the fit needs together (the Jacobian's
 * groups): point i is x + i * nx, its residuals go to f + i * nf. */
struct sp_calib_batch {
	fit *F;
	int n; /* points */
	size_t nx, nf;
	double *x, *f;
	int *group; /* point i's Jacobian group */
};

int sp_calib_batch_points(const sp_calib_batch *b)
{
	return b->n;
}

size_t sp_calib_batch_nresid(const sp_calib_batch *b)
{
	return b->nf;
}

double *sp_calib_batch_resid(sp_calib_batch *b, int i)
{
	return b->f + (size_t)i * b->nf;
}

sp_status sp_calib_batch_run(sp_calib_batch *b, int i, sp_err *err)
{
	fit *F = b->F;
	if (i < 0 || i >= b->n)
		return sp__err_set(err, SP_EINVAL, "", 0, "", "no such point");
	for (size_t k = 0; k < F->np; k++)
		*sp__model_slot(F->m, (size_t)F->p[k].slot) =
		    b->x[(size_t)i * b->nx + k];
	sp_status s = evaluate(F->m, F->o, F->r, true, err);
	if (s)
		return s;
	double *f = sp_calib_batch_resid(b, i);
	for (size_t k = 0; k < b->nf; k++)
		f[k] = resid_of(&F->r->t.v[k]);
	return SP_OK;
}

/* Runs the batch: through the caller's hook (which runs some points here
 * and brings the others' residuals from elsewhere), or point by point.
 * Every point counts as an evaluation, wherever it ran. */
static int run_batch(fit *F, sp_calib_batch *b)
{
	sp_status s = SP_OK;
	if (F->o->batch)
		s = F->o->batch(F->o->batch_ctx, b, F->err);
	else
		for (int i = 0; !s && i < b->n; i++)
			s = sp_calib_batch_run(b, i, F->err);
	if (s) {
		F->status = s;
		return GSL_EFAILED;
	}
	/* The last point is the last evaluation, as if run by resid. */
	for (size_t k = 0; b->n > 0 && k < b->nx; k++)
		gsl_vector_set(F->xlast, k,
		               b->x[(size_t)(b->n - 1) * b->nx + k]);
	for (size_t k = 0; b->n > 0 && k < b->nf; k++)
		gsl_vector_set(F->flast, k,
		               sp_calib_batch_resid(b, b->n - 1)[k]);
	F->have_last |= b->n > 0;
	for (int i = 0; i < b->n; i++) {
		F->r->evals++;
		if (!F->o->progress)
			continue;
		const double *f = sp_calib_batch_resid(b, i);
		double c = 0;
		for (size_t k = 0; k < b->nf; k++)
			c += f[k] * f[k];
		F->o->progress(F->o->progress_ctx, F->r->evals, c);
	}
	return GSL_SUCCESS;
}

/* Group g's columns of J from the residuals at x (f0) and at x plus h
 * on g's members (f1): see jac. */
static void jac_columns(const fit *F, gsl_matrix *J, const gsl_vector *f0,
                        const double *f1, int g)
{
	size_t n = F->r->t.n, members = 0;
	for (size_t k = 0; k < F->np; k++)
		members += F->p[k].group == g;
	for (size_t k = 0; k < F->np; k++) {
		if (F->p[k].group != g)
			continue;
		for (size_t i = 0; i < n; i++) {
			double d = (f1[i] - gsl_vector_get(f0, i)) / F->h;
			if (members > 1 && F->tfam[i] != F->p[k].fam)
				d = 0;
			gsl_matrix_set(J, i, k, d);
		}
	}
}

/* Forward differences with the wide step h, one evaluation per group
 * of parameters (Curtis, Powell and Reid's grouping).  A parameter
 * alone in its group gets its whole column.  The members of a group
 * (per-family parameters of one kind) are perturbed together, and a
 * target's change is credited to the member of the target's own family
 * (zero to the others and for targets of no family): the Jacobian is
 * taken as block-diagonal by family there.  That is exact for nothing
 * and close for what the groups hold (signal bonuses, rank floors and
 * in-state offsets act on their own family; the demand groups hold families
 * with a few percent of the positions between them); the trust region checks
 * every step against the true residuals, so an inexact Jacobian costs
 * iterations, never a wrong answer.  f(x) is not evaluated again when
 * the solver has just done so.  The groups' evaluations are independent
 * of each other and run as one batch (sp_calib_opts.batch spreads them
 * over MPI ranks; the result does not depend on where each ran). */
static int jac(const gsl_vector *x, void *arg, gsl_matrix *J)
{
	fit *F = arg;
	size_t n = F->r->t.n;
	gsl_vector *f0 = gsl_vector_alloc(n);
	sp_calib_batch b = {.F = F, .nx = F->np, .nf = n};
	b.x = sp_calloc((size_t)F->ngroups * F->np + 1, sizeof *b.x);
	b.f = sp_calloc((size_t)F->ngroups * n + 1, sizeof *b.f);
	b.group = sp_calloc((size_t)F->ngroups + 1, sizeof *b.group);
	int rc = f0 && b.x && b.f && b.group ? GSL_SUCCESS : GSL_ENOMEM;
	if (!rc && F->have_last && same_x(x, F->xlast))
		gsl_vector_memcpy(f0, F->flast);
	else if (!rc)
		rc = resid(x, F, f0);
	/* One point per group with members: x plus h on the members. */
	for (int g = 0; !rc && g < F->ngroups; g++) {
		double *xx = b.x + (size_t)b.n * F->np;
		bool members = false;
		for (size_t k = 0; k < F->np; k++) {
			bool in = F->p[k].group == g;
			xx[k] = gsl_vector_get(x, k) + (in ? F->h : 0);
			members |= in;
		}
		if (members)
			b.group[b.n++] = g;
	}
	if (!rc)
		rc = run_batch(F, &b);
	for (int i = 0; !rc && i < b.n; i++)
		jac_columns(F, J, f0, b.f + (size_t)i * n, b.group[i]);
	if (f0)
		gsl_vector_free(f0);
	sp_free(b.x);
	sp_free(b.f);
	sp_free(b.group);
	set_x(F, x);
	return rc;
}

/* The free parameters: those with a target that moves them. */
static size_t free_params(const sp_model *m, const sp_calib_report *r,
                          fparam *p)
{
	size_t n = 0;
	bool want[SP__NF][512];
	memset(want, 0, sizeof want);
	bool md_type[SP_APPL_NTYPES] = {false};
	bool state = false, reach = false, band = false;
	for (size_t k = 0; k < r->t.n; k++) {
		const target *x = &r->t.v[k];
		if (x->kind == T_FILL)
			want[SP__F_DEMAND][m->spec_fam[x->idx]] = true;
		if (x->kind == T_TYPE)
			md_type[x->idx] = true;
		if (x->kind == T_IV && x->what == 2 && m->fam[x->idx].gold)
			want[SP__F_SIG_GOLD][x->idx] = true;
		if (x->kind == T_IV && x->what == 1 && m->fam[x->idx].silver)
			want[SP__F_SIG_SILVER][x->idx] = true;
		/* In- and out-of-state interview rates: one global bonus
		 * and each family's offset (home-school and away-rotation
		 * preferences differ by specialty). */
		if (x->kind == T_IV && (x->what == 3 || x->what == 4)) {
			state = true;
			want[SP__F_I_STATE_F][x->idx] = true;
		}
		if (x->kind == T_S2_UNM)
			reach = true;
		if (x->kind == T_BAND)
			band = true;
		/* How far a family's programs rank IMGs below what their
		 * interviews say: the non-US IMGs' match rate by preferred
		 * specialty (the interview rates are the programs' own,
		 * progfit.c). */
		if (x->kind == T_IMG)
			want[SP__F_RANK_IMG][x->idx] = true;
		/* Unfilled positions that persist: some applicants would
		 * rather not rank the family's programs.  The family's main
		 * row decides (Pediatrics-Primary's 58 positions at 94.8%
		 * had set a floor that left Pediatrics' 3,135 at 88%). */
		if (x->kind == T_FILL && x->value < FLOOR_FILL &&
		    !strcmp(m->specs[x->idx].code,
		            m->fam[m->spec_fam[x->idx]].code))
			want[SP__F_RANK_FLOOR][m->spec_fam[x->idx]] = true;
	}
	static const int zs[SP_APPL_NTYPES] = {
	    -1, SP__G_Z_US_DO, SP__G_Z_US_IMG, SP__G_Z_NON_US_IMG,
	    SP__G_Z_OTHER};
	for (int t = 1; t < SP_APPL_NTYPES; t++)
		if (md_type[t])
			p[n++] = (fparam){zs[t], -1, 0};
	if (state)
		p[n++] = (fparam){SP__G_I_STATE, -1, 0};
	/* Who goes unmatched: applicants who aim at their own level fail
	 * about as often whatever their strength; aiming lower (safety
	 * programs) makes the unmatched the weaker ones, as the Step 2
	 * medians of unmatched seniors say they are. */
	if (reach)
		p[n++] = (fparam){SP__G_APPLY_REACH, -1, 0};
	/* How decisive Step 2 is: its weight in the strength, the weight
	 * of everything else programs judge (school, letters, grades,
	 * interview), and how much more broadly weaker applicants apply;
	 * the P(match | Step 2 band) curves measure all three. */
	if (band) {
		p[n++] = (fparam){SP__G_Z_STEP2, -1, 0};
		p[n++] = (fparam){SP__G_Z_NOISE, -1, 0};
		p[n++] = (fparam){SP__G_APPS_ADAPT, -1, 0};
	}
	/* Who has a second specialty to fall back on: what the match rates
	 * of US seniors (high, with few backups) and of IMGs (many backups)
	 * rest on besides strength. */
	if (md_type[SP_APPL_US_MD])
		p[n++] = (fparam){SP__G_BACKUP_US, -1, 0};
	if (md_type[SP_APPL_US_IMG] || md_type[SP_APPL_NON_US_IMG])
		p[n++] = (fparam){SP__G_BACKUP_IMG, -1, 0};
	for (int k = 0; k < SP__NF; k++)
		for (int32_t f = 0; f < m->nf; f++)
			if (want[k][f])
				p[n++] = (fparam){SP__NG + (long)k * m->nf + f,
				                  f, 0};
	return n;
}

static int32_t target_family(const sp_model *m, const target *x)
{
	switch (x->kind) {
	case T_FILL:
		return m->spec_fam[x->idx];
	case T_TYPE:
		return -1;
	default:
		return x->idx;
	}
}

/* A per-family parameter's kind (SP__F_*); -1 for a global one. */
static int param_kind(const sp_model *m, const fparam *x)
{
	return x->fam >= 0 ? (int)((x->slot - SP__NG) / m->nf) : -1;
}

static bool is_demand(const sp_model *m, const fparam *x)
{
	return param_kind(m, x) == SP__F_DEMAND;
}

/* Groups for jac: a global parameter alone; the other per-family
 * parameters together by kind (the signal bonuses of one tier, the rank
 * floors, the in-state offsets); the demands packed, largest first,
 * into groups of at most DEMAND_SHARE of their positions (a family
 * larger than that alone).  `full`: every parameter alone. */
static int make_groups(const sp_model *m, fparam *p, size_t np, bool full)
{
	int ng = 0;
	double total = 0;
	for (size_t k = 0; k < np; k++) {
		p[k].group = -1;
		if (is_demand(m, &p[k]))
			total += m->fam[p[k].fam].positions;
	}
	if (!full) {
		double share[64];
		int dg[64], nd = 0;
		for (;;) {
			size_t best = np;
			for (size_t k = 0; k < np; k++)
				if (p[k].group < 0 && is_demand(m, &p[k]) &&
				    (best == np ||
				     m->fam[p[k].fam].positions >
				         m->fam[p[best].fam].positions))
					best = k;
			if (best == np)
				break;
			double sh = total > 0
			                ? m->fam[p[best].fam].positions / total
			                : 1;
			int q = 0;
			while (q < nd && share[q] + sh > DEMAND_SHARE)
				q++;
			if (q == nd && nd == 64)
				q = nd - 1;
			else if (q == nd) {
				share[nd] = 0;
				dg[nd++] = ng++;
			}
			share[q] += sh;
			p[best].group = dg[q];
		}
		int kind_group[SP__NF];
		for (int k = 0; k < SP__NF; k++)
			kind_group[k] = -1;
		for (size_t k = 0; k < np; k++) {
			if (p[k].group >= 0 || p[k].fam < 0)
				continue;
			int kind = param_kind(m, &p[k]);
			if (kind_group[kind] < 0)
				kind_group[kind] = ng++;
			p[k].group = kind_group[kind];
		}
	}
	for (size_t k = 0; k < np; k++)
		if (p[k].group < 0)
			p[k].group = ng++;
	return ng;
}

sp_status sp_calibrate(sp_model *m, const sp_calib_opts *o,
                       sp_calib_report **out, sp_err *err)
{
	*out = NULL;
	if (o->trials < 1 || o->max_iter < 0 || !(o->fd_step > 0))
		return sp__err_set(err, SP_EINVAL, "", 0, "",
		                   "calibration needs trials >= 1 and a "
		                   "positive step");
	sp_calib_report *r;
	if (new_report(m, &r))
		return sp__err_set(err, SP_ENOMEM, "", 0, "", "out of memory");
	size_t n = r->t.n;
	fparam *p = sp_calloc(sp__model_nslots(m), sizeof *p);
	fit F = {.m = m,
	         .o = o,
	         .r = r,
	         .p = p,
	         .tfam = sp_calloc(n + 1, sizeof *F.tfam),
	         .err = err,
	         .h = o->fd_step};
	sp_status s = SP_OK;
	if (!p || !F.tfam) {
		s = sp__err_set(err, SP_ENOMEM, "", 0, "", "out of memory");
		goto done;
	}
	F.np = free_params(m, r, p);
	if (F.np == 0 || n < F.np) {
		s = evaluate(m, o, r, false, err);
		r->evals++;
		goto done;
	}
	F.xlast = gsl_vector_alloc(F.np);
	F.flast = gsl_vector_alloc(n);
	if (!F.xlast || !F.flast) {
		s = sp__err_set(err, SP_ENOMEM, "", 0, "", "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		F.tfam[i] = target_family(m, &r->t.v[i]);
	F.ngroups = make_groups(m, p, F.np, o->full_jacobian);
	/* A rank floor that is off (far below any utility) has no
	 * derivative: the fit starts it where it bites a little. */
	for (size_t k = 0; k < F.np; k++) {
		double *v = sp__model_slot(m, (size_t)p[k].slot);
		if (param_kind(m, &p[k]) == SP__F_RANK_FLOOR && *v <= FLOOR_OFF)
			*v = FLOOR_START;
	}
	gsl_set_error_handler_off();
	gsl_multifit_nlinear_parameters fp =
	    gsl_multifit_nlinear_default_parameters();
	fp.trs = gsl_multifit_nlinear_trs_lm;
	fp.scale = gsl_multifit_nlinear_scale_more;
	gsl_multifit_nlinear_workspace *w = gsl_multifit_nlinear_alloc(
	    gsl_multifit_nlinear_trust, &fp, n, F.np);
	gsl_vector *x = gsl_vector_alloc(F.np);
	if (!w || !x) {
		if (w)
			gsl_multifit_nlinear_free(w);
		if (x)
			gsl_vector_free(x);
		s = sp__err_set(err, SP_ENOMEM, "", 0, "", "out of memory");
		goto done;
	}
	for (size_t k = 0; k < F.np; k++)
		gsl_vector_set(x, k, *sp__model_slot(m, (size_t)p[k].slot));
	gsl_multifit_nlinear_fdf fdf;
	memset(&fdf, 0, sizeof fdf);
	fdf.f = resid;
	fdf.df = jac;
	fdf.n = n;
	fdf.p = F.np;
	fdf.params = &F;
	int rc = gsl_multifit_nlinear_init(x, &fdf, w);
	gsl_vector *res = gsl_multifit_nlinear_residual(w);
	double c0;
	gsl_blas_ddot(res, res, &c0);
	r->cost0 = c0;
	/* The trust region shrinks after failed steps and the solver then
	 * stops (no progress, or a step below the tolerance); on a noisy
	 * objective that happens long before the optimum.  While a run
	 * still lowered the cost by 1%, the solver restarts from where it
	 * stopped with a fresh Jacobian and trust region. */
	int iter = 0;
	double start = c0;
	while (!rc && iter < o->max_iter) {
		bool stopped = false;
		for (; !rc && !stopped && iter < o->max_iter; iter++) {
			rc = gsl_multifit_nlinear_iterate(w);
			int info;
			if (rc == GSL_ENOPROG) {
				rc = 0;
				stopped = true;
			} else if (!rc && gsl_multifit_nlinear_test(
			                      1e-4, 1e-6, 1e-6, &info, w) ==
			                      GSL_SUCCESS) {
				stopped = true;
			}
		}
		double c;
		gsl_blas_ddot(res, res, &c);
		if (rc || !stopped || !(c < 0.99 * start))
			break;
		start = c;
		gsl_vector_memcpy(x, gsl_multifit_nlinear_position(w));
		rc = gsl_multifit_nlinear_init(x, &fdf, w);
		res = gsl_multifit_nlinear_residual(w);
		r->restarts++;
	}
	r->iters = iter;
	if (F.status) {
		s = F.status;
	} else {
		/* Leave the model at the best point and report there. */
		set_x(&F, gsl_multifit_nlinear_position(w));
		s = evaluate(m, o, r, false, err);
		r->evals++;
	}
	snprintf(r->method, sizeof r->method,
	         "gsl_multifit_nlinear (trust region, Levenberg-Marquardt), "
	         "%zu parameters in %d Jacobian groups, %zu targets, "
	         "%d restarts",
	         F.np, F.ngroups, n, r->restarts);
	gsl_multifit_nlinear_free(w);
	gsl_vector_free(x);
done:
	r->cost = cost_of(r);
	sp_free(p);
	sp_free(F.tfam);
	if (F.xlast)
		gsl_vector_free(F.xlast);
	if (F.flast)
		gsl_vector_free(F.flast);
	if (s) {
		sp_calib_report_free(r);
		return s;
	}
	*out = r;
	return SP_OK;
}

/* ------------------------------------------------------------------ */
/* The report. */

size_t sp_calib_report_ntargets(const sp_calib_report *r)
{
	return r->t.n;
}

void sp_calib_report_cost(const sp_calib_report *r, double *before,
                          double *after, int *evals)
{
	*before = r->cost0;
	*after = r->cost;
	*evals = r->evals;
}

static bool passed(const target *x)
{
	return isfinite(x->sim) && fabs(x->sim - x->value) <= 2.0 + 1e-9;
}

size_t sp_calib_report_npassed(const sp_calib_report *r)
{
	size_t n = 0;
	for (size_t k = 0; k < r->t.n; k++)
		n += passed(&r->t.v[k]);
	return n;
}

/* Mean |simulated - cited| over the targets of `kind`, weighted by
 * their applicants (n; 1 each when not given); NAN when none has a
 * simulated value. */
static double wmae(const sp_calib_report *r, int kind)
{
	double sw = 0, s = 0;
	for (size_t k = 0; k < r->t.n; k++) {
		const target *x = &r->t.v[k];
		if (x->kind != kind || !isfinite(x->sim))
			continue;
		double w = x->n > 0 ? x->n : 1;
		sw += w;
		s += w * fabs(x->sim - x->value);
	}
	return sw > 0 ? s / sw : NAN;
}

sp_status sp_calib_report_write_md(const sp_calib_report *r, FILE *f)
{
	fprintf(f,
	        "Mean |difference| weighted by applicants: US MD matched in "
	        "preferred by Step 2 band %.1f, non-US IMG matched in "
	        "preferred %.1f; unweighted: Step 2 medians, matched %.1f, "
	        "unmatched %.1f.\n\n",
	        wmae(r, T_BAND), wmae(r, T_IMG), wmae(r, T_S2_MATCH),
	        wmae(r, T_S2_UNM));
	fprintf(f,
	        "Method: %s; %d evaluations, %d iterations; weighted sum of "
	        "squares %.1f -> %.1f.\n\n"
	        "Pass: |simulated - target| <= 2 (percentage points for "
	        "rates, points for scores).  **%zu of %zu targets pass.**\n\n"
	        "| target | code | cited | simulated | difference | pass |\n"
	        "|---|---|---:|---:|---:|:---:|\n",
	        r->method, r->evals, r->iters, r->cost0, r->cost,
	        sp_calib_report_npassed(r), r->t.n);
	for (size_t k = 0; k < r->t.n; k++) {
		const target *x = &r->t.v[k];
		fprintf(f, "| %s | %s | %.1f | ", x->group, x->label, x->value);
		if (isfinite(x->sim))
			fprintf(f, "%.1f | %+.1f | %s |\n", x->sim,
			        x->sim - x->value,
			        passed(x) ? "yes" : "**no**");
		else
			fprintf(f, "— | — | no data |\n");
	}
	if (r->cv.n) {
		fprintf(f,
		        "\nUS MD seniors, simulated P(match in the preferred "
		        "specialty | Step 2 CK band), every specialty, fitted "
		        "or not (the published curves kept back from the fit "
		        "are checked against these): percent, and in "
		        "parentheses the simulated seniors over the trials; "
		        "\"—\" where there were none.\n\n"
		        "| specialty | below 220 | 220–229 | 230–239 | "
		        "240–249 | 250+ |\n|---|---:|---:|---:|---:|---:|\n");
		for (size_t k = 0; k < r->cv.n; k++) {
			const curve *c = &r->cv.v[k];
			fprintf(f, "| %s |", c->code);
			for (int b = 0; b < NCURVE; b++)
				if (c->n[b] > 0)
					fprintf(f, " %.1f (%lld) |", c->p[b],
					        (long long)c->n[b]);
				else
					fprintf(f, " — |");
			fputc('\n', f);
		}
	}
	return ferror(f) ? SP_EIO : SP_OK;
}

/* An array's item k, one a line: the object opened with its first key. */
static void open_item(sp__out *o, size_t k, const char *key)
{
	sp__out_str(o, k ? ",\n  {\"" : "\n  {\"");
	sp__out_str(o, key);
	sp__out_str(o, "\": ");
}

/* Through json.c's writer, as every JSON the library writes: names
 * escaped and checked as UTF-8, numbers that read back exactly. */
sp_status sp_calib_report_write_json(const sp_calib_report *r, FILE *f)
{
	sp__out *o = sp_malloc(sizeof *o);
	if (!o)
		return SP_ENOMEM;
	sp__out_init(o, f);
	sp__out_str(o, "{\"method\": ");
	sp__json_write_strz(o, r->method);
	sp__out_str(o, ", \"evaluations\": ");
	sp__json_write_int(o, r->evals);
	sp__out_str(o, ", \"iterations\": ");
	sp__json_write_int(o, r->iters);
	sp__out_str(o, ", \"passed\": ");
	sp__json_write_int(o, (int64_t)sp_calib_report_npassed(r));
	sp__out_str(o, ", \"targets\": [");
	for (size_t k = 0; k < r->t.n; k++) {
		const target *x = &r->t.v[k];
		open_item(o, k, "group");
		sp__json_write_strz(o, x->group);
		sp__out_str(o, ", \"code\": ");
		sp__json_write_strz(o, x->label);
		sp__out_str(o, ", \"cited\": ");
		sp__json_write_double(o, x->value);
		sp__out_str(o, ", \"simulated\": ");
		sp__json_write_double(o, x->sim); /* null when no data */
		sp__out_str(o, ", \"pass\": ");
		sp__out_str(o, passed(x) ? "true" : "false");
		sp__out_char(o, '}');
	}
	/* Every specialty's US MD curve: [{"code", "bands": [{"step2_low",
	 * "simulated" (null: none), "n"}]}]; the lowest band holds
	 * everything below 220. */
	sp__out_str(o, "\n], \"curves\": [");
	for (size_t k = 0; k < r->cv.n; k++) {
		const curve *c = &r->cv.v[k];
		open_item(o, k, "code");
		sp__json_write_strz(o, c->code);
		sp__out_str(o, ", \"bands\": [");
		for (int b = 0; b < NCURVE; b++) {
			sp__out_str(o, b ? ", {\"step2_low\": "
			                 : "{\"step2_low\": ");
			sp__json_write_int(o, 210 + 10 * b);
			sp__out_str(o, ", \"simulated\": ");
			sp__json_write_double(o, c->n[b] > 0 ? c->p[b] : NAN);
			sp__out_str(o, ", \"n\": ");
			sp__json_write_int(o, c->n[b]);
			sp__out_char(o, '}');
		}
		sp__out_str(o, "]}");
	}
	sp__out_str(o, "\n]}\n");
	bool ok = sp__out_flush(o);
	sp_free(o);
	return ok && !ferror(f) ? SP_OK : SP_EIO;
}

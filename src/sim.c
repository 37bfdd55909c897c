/*
 * sim.c — the simulator: N seeded trials of the market (market.c) on a
 * pool of threads, and their aggregation.
 *
 * Determinism: trial t draws from the stream (seed, t) only, whatever
 * thread runs it; each worker adds its trials' outcomes into its own
 * accumulator of integer counts (cutoffs in fixed point), and the
 * workers' accumulators are summed at the end.  Integer sums do not
 * depend on order, so the result is identical for any thread count.
 * Workers share nothing but the read-only model and a trial counter.
 *
 * Two cutoffs per program, both over trials, both in fixed point: the
 * interview cutoff (the score of the last first-round invitee, in the
 * trials where the program had more applications than slots) and the
 * match cutoff (the program's rank key, score + rank noise, of the
 * lowest-ranked applicant it matched, in the trials where it filled
 * every position; its own matched applicants only, supplemental
 * matches included, so couples and PGY-1 lists count where they land).
 *
 * Probes (sp_simulate_probe): the same pool with a probe inserted into
 * every trial (market.c: add_probes); the workers then count only the
 * probes' outcomes, in integer counters, so the result is
 * thread-count independent as well.  Probes never enter the
 * population's aggregates.
 *
 * Shares (sp_simulate_range): any range of trial numbers runs alone,
 * and every count of the result is an integer sum over trials, so the
 * results of disjoint ranges merge by adding their count vectors
 * (sp_sim_result_counts): what smartpick-mpi's ranks do with one
 * MPI_Allreduce, with no MPI here.
 *
 * Rejected: per-trial floating sums merged in trial order (needs a
 * buffer of every trial's figures, or a barrier per trial).
 */
#include "market.h"
#include "json.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define BAND_LO 210 /* lowest Step 2 band reported */
#define NBANDS  9   /* 210, 220, ..., 290 */
#define NCONTIG 41  /* contiguous ranks 0..40 (40 = 40 or more) */
#define S2_LO   200
#define NS2     101 /* Step 2 histogram, 200..300 */
#define FIXED   10000.0

/* One accumulator: counts summed over trials. */
typedef struct {
	int64_t trials, stable;
	int64_t cycled; /* trials whose chain repair cycled at least once */
	int64_t type_n[SP_APPL_NTYPES], type_matched[SP_APPL_NTYPES];
	int64_t *filled;                    /* per program */
	int64_t *cut_n, *cut_s, *cut_ss;    /* per program, fixed point */
	int64_t *mcut_n, *mcut_s, *mcut_ss; /* match cutoff, likewise */
	int64_t *grp;  /* per (family, type, band): n, pref, any */
	int64_t *cont; /* per (family, type, band): contiguous histogram */
	int64_t *s2;   /* per family, US MD: [matched_pref][NS2] */
	int64_t *iv;   /* per program: apps/offers by tier (3), state (2),
	                  type (5): 20 counters */
	int64_t *pref; /* per family and type: preferring, matched there */
	int64_t interviews, applications;
	double ms; /* wall time of trials (not part of the result's
	              determinism) */
} acc;

#define IVN 20
/* A worker's counts of one trial's applications by program and (tier,
 * in state, type, offered): one counter an application, where iv would
 * take three (each a likely cache miss); added into iv after the
 * trial. */
#define IVTN (3 * 2 * SP_APPL_NTYPES * 2)

struct sp_sim_result {
	const sp_model *m; /* borrowed: valid while the model lives */
	int32_t np, nf;
	acc a;
	double wall_ms;
	int threads;
};

static size_t ngrp(int32_t nf)
{
	return (size_t)nf * SP_APPL_NTYPES * NBANDS;
}

static void acc_free(acc *a)
{
	void *p[] = {a->filled, a->cut_n,  a->cut_s,   a->cut_ss,
	             a->mcut_n, a->mcut_s, a->mcut_ss, a->grp,
	             a->cont,   a->s2,     a->iv,      a->pref};
	for (size_t i = 0; i < sizeof p / sizeof *p; i++)
		sp_free(p[i]);
	memset(a, 0, sizeof *a);
}

static bool acc_init(acc *a, int32_t np, int32_t nf)
{
	memset(a, 0, sizeof *a);
	size_t n = (size_t)np + 1, g = ngrp(nf);
	a->filled = sp_calloc(n, sizeof(int64_t));
	a->cut_n = sp_calloc(n, sizeof(int64_t));
	a->cut_s = sp_calloc(n, sizeof(int64_t));
	a->cut_ss = sp_calloc(n, sizeof(int64_t));
	a->mcut_n = sp_calloc(n, sizeof(int64_t));
	a->mcut_s = sp_calloc(n, sizeof(int64_t));
	a->mcut_ss = sp_calloc(n, sizeof(int64_t));
	a->grp = sp_calloc(g * 3, sizeof(int64_t));
	a->cont = sp_calloc(g * NCONTIG, sizeof(int64_t));
	a->s2 = sp_calloc((size_t)nf * 2 * NS2, sizeof(int64_t));
	a->iv = sp_calloc(n * IVN, sizeof(int64_t));
	a->pref = sp_calloc((size_t)nf * SP_APPL_NTYPES * 2, sizeof(int64_t));
	if (!a->filled || !a->cut_n || !a->cut_s || !a->cut_ss || !a->mcut_n ||
	    !a->mcut_s || !a->mcut_ss || !a->grp || !a->cont || !a->s2 ||
	    !a->iv || !a->pref) {
		acc_free(a);
		return false;
	}
	return true;
}

static void add_vec(int64_t *d, const int64_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] += s[i];
}

/* The accumulator's counts as parts (p[i], len[i] entries each), in
 * one fixed order: what merging adds and sp_sim_result_counts packs.
 * Returns the number of parts (ACC_PARTS). */
#define ACC_PARTS 17
static int acc_parts(const acc *a, int32_t np, int32_t nf, const int64_t **p,
                     size_t *len)
{
	size_t n = (size_t)np + 1, g = ngrp(nf);
	const struct {
		const int64_t *p;
		size_t n;
	} t[ACC_PARTS] = {{&a->trials, 1},
	                  {&a->stable, 1},
	                  {&a->cycled, 1},
	                  {a->type_n, SP_APPL_NTYPES},
	                  {a->type_matched, SP_APPL_NTYPES},
	                  {a->filled, n},
	                  {a->cut_n, n},
	                  {a->cut_s, n},
	                  {a->cut_ss, n},
	                  {a->mcut_n, n},
	                  {a->mcut_s, n},
	                  {a->mcut_ss, n},
	                  {a->grp, g * 3},
	                  {a->cont, g * NCONTIG},
	                  {a->s2, (size_t)nf * 2 * NS2},
	                  {a->iv, n * IVN},
	                  {a->pref, (size_t)nf * SP_APPL_NTYPES * 2}};
	for (int i = 0; i < ACC_PARTS; i++) {
		p[i] = t[i].p;
		len[i] = t[i].n;
	}
	return ACC_PARTS;
}

static void acc_merge(acc *d, const acc *s, int32_t np, int32_t nf)
{
	const int64_t *dp[ACC_PARTS], *sp[ACC_PARTS];
	size_t len[ACC_PARTS];
	acc_parts(s, np, nf, sp, len);
	acc_parts(d, np, nf, dp, len);
	for (int i = 0; i < ACC_PARTS; i++)
		add_vec((int64_t *)dp[i], sp[i], len[i]);
	d->interviews += s->interviews;
	d->applications += s->applications;
	d->ms += s->ms;
}

static int band_of(double step2)
{
	int b = (int)floor((step2 - BAND_LO) / 10.0);
	return b < 0 ? 0 : b >= NBANDS ? NBANDS - 1 : b;
}

static void cut_add(int64_t *n, int64_t *s, int64_t *ss, double v)
{
	int64_t c = llround(v * FIXED);
	++*n;
	*s += c;
	*ss += c * c / (int64_t)FIXED;
}

/* Adds one applicant's applications to this trial's interview
 * counters (ivt, IVTN per program). */
static void count_interviews(acc *a, uint32_t *ivt, const sp_model *m,
                             const sp__trial *t, const sp__appl *ap)
{
	a->interviews += ap->ninterviews;
	for (int32_t k = 0; k < ap->app_n; k++) {
		const sp__app *p = &t->apps.v[ap->app_off + k];
		int instate =
		    ap->state >= 0 && ap->state == m->prog_state[p->prog];
		size_t c =
		    (((size_t)p->tier * 2 + (size_t)instate) * SP_APPL_NTYPES +
		     ap->type) *
		        2 +
		    (p->offered != 0);
		ivt[(size_t)p->prog * IVTN + c]++;
	}
	a->applications += ap->app_n;
}

/* Adds the trial's counters into the totals by tier, state and type,
 * and clears them. */
static void flush_interviews(acc *a, uint32_t *ivt, const sp_model *m)
{
	for (int32_t j = 0; j < m->np; j++) {
		if (!m->fam[m->pfam[j]].selected)
			continue; /* never applied to */
		uint32_t *c = ivt + (size_t)j * IVTN;
		int64_t *iv = a->iv + (size_t)j * IVN;
		for (int tier = 0; tier < 3; tier++)
			for (int st = 0; st < 2; st++)
				for (int ty = 0; ty < SP_APPL_NTYPES; ty++)
					for (int off = 0; off < 2; off++) {
						int64_t v = *c;
						*c++ = 0;
						iv[tier * 2 + off] += v;
						iv[6 + st * 2 + off] += v;
						iv[10 + ty * 2 + off] += v;
					}
	}
}

/* Adds one trial's outcome (the population's: probes are left out). */
static void acc_add(acc *a, uint32_t *ivt, const sp_model *m,
                    const sp__trial *t)
{
	a->trials++;
	a->stable += t->stable;
	a->cycled += t->cycled;
	for (int32_t j = 0; j < m->np; j++) {
		a->filled[j] += t->filled[j];
		if (t->constrained[j])
			cut_add(&a->cut_n[j], &a->cut_s[j], &a->cut_ss[j],
			        t->cutoff[j]);
		int pos = m->progs[j].positions;
		if (pos > 0 && t->filled[j] >= pos && isfinite(t->mcut[j]))
			cut_add(&a->mcut_n[j], &a->mcut_s[j], &a->mcut_ss[j],
			        t->mcut[j]);
	}
	for (size_t i = 0; i < t->npop; i++) {
		const sp__appl *ap = &t->ap.v[i];
		if (ap->outside) {
			/* Applicants seen only through their backup in a
			 * specialty subset: their own family is not simulated,
			 * so they count for fill and interviews only. */
			count_interviews(a, ivt, m, t, ap);
			continue;
		}
		bool any = ap->matched != SP_NONE;
		bool pref =
		    any && m->spec_fam[m->prog_spec[ap->matched]] == ap->fam;
		a->type_n[ap->type]++;
		a->type_matched[ap->type] += any;
		size_t g =
		    ((size_t)ap->fam * SP_APPL_NTYPES + ap->type) * NBANDS +
		    (size_t)band_of(ap->step2);
		a->grp[g * 3] += 1;
		a->grp[g * 3 + 1] += pref;
		a->grp[g * 3 + 2] += any;
		a->cont[g * NCONTIG + SP_MIN(ap->contiguous, NCONTIG - 1)]++;
		size_t pf = ((size_t)ap->fam * SP_APPL_NTYPES + ap->type) * 2;
		a->pref[pf]++;
		a->pref[pf + 1] += pref;
		if (ap->type == SP_APPL_US_MD) {
			int s = (int)lround(ap->step2) - S2_LO;
			s = s < 0 ? 0 : s >= NS2 ? NS2 - 1 : s;
			a->s2[((size_t)ap->fam * 2 + pref) * NS2 + (size_t)s]++;
		}
		count_interviews(a, ivt, m, t, ap);
	}
	flush_interviews(a, ivt, m);
}

/* The iv counters: [k*2] counts applications that were not offered,
 * [k*2+1] those offered; rates use their sum as the denominator. */

/* ------------------------------------------------------------------ */
/* The thread pool. */

typedef struct {
	const sp_model *m;
	const sp_sim_opts *o;
	const sp_probe *probe; /* NULL: a plain simulation */
	int first, end;        /* runs trials first .. end - 1 */
	atomic_int next, done;
	atomic_int failed;
	pthread_mutex_t lock;
	sp_status status;
	sp_err err;
} pool;

/* A probe's counters (sp_probe_result's, in int64). */
typedef struct {
	int64_t copies, matched, interviewed;
	int64_t *int_at, *match_at; /* per application */
} pacc;

typedef struct {
	pool *p;
	acc a;
	pacc pa;
	uint32_t *ivt; /* IVTN per program; not for probes */
	sp__trial t;
	pthread_t th;
} worker;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void pacc_free(pacc *a)
{
	sp_free(a->int_at);
	sp_free(a->match_at);
	memset(a, 0, sizeof *a);
}

static bool pacc_init(pacc *a, size_t napps)
{
	memset(a, 0, sizeof *a);
	a->int_at = sp_calloc(napps + 1, sizeof *a->int_at);
	a->match_at = sp_calloc(napps + 1, sizeof *a->match_at);
	if (!a->int_at || !a->match_at) {
		pacc_free(a);
		return false;
	}
	return true;
}

static void pacc_merge(pacc *d, const pacc *s, size_t napps)
{
	d->copies += s->copies;
	d->matched += s->matched;
	d->interviewed += s->interviewed;
	add_vec(d->int_at, s->int_at, napps);
	add_vec(d->match_at, s->match_at, napps);
}

/* Adds the probes' outcomes of one trial: its copies are the
 * applicants from t->npop on, their applications in the probe's
 * order. */
static void pacc_add(pacc *a, const sp__trial *t)
{
	for (size_t i = t->npop; i < t->ap.n; i++) {
		const sp__appl *ap = &t->ap.v[i];
		a->copies++;
		a->matched += ap->matched != SP_NONE;
		a->interviewed += ap->ninterviews > 0;
		for (int32_t k = 0; k < ap->app_n; k++) {
			const sp__app *p = &t->apps.v[ap->app_off + k];
			a->int_at[k] += p->status == SP__APP_ACCEPTED;
			a->match_at[k] += ap->matched == p->prog;
		}
	}
}

static void *work(void *arg)
{
	worker *w = arg;
	pool *p = w->p;
	for (;;) {
		int k = atomic_fetch_add(&p->next, 1);
		if (k >= p->end || atomic_load(&p->failed))
			break;
		double t0 = now_ms();
		sp_err err;
		sp__err_clear(&err);
		sp_status s = sp__trial_run(&w->t, p->m, p->o->seed,
		                            (uint64_t)k, p->probe, &err);
		if (s) {
			pthread_mutex_lock(&p->lock);
			if (!atomic_load(&p->failed)) {
				p->status = s;
				p->err = err;
			}
			atomic_store(&p->failed, 1);
			pthread_mutex_unlock(&p->lock);
			break;
		}
		if (p->probe)
			pacc_add(&w->pa, &w->t);
		else
			acc_add(&w->a, w->ivt, p->m, &w->t);
		w->a.trials += p->probe != NULL;
		w->a.ms += now_ms() - t0;
		int d = atomic_fetch_add(&p->done, 1) + 1;
		if (p->o->progress) {
			pthread_mutex_lock(&p->lock);
			p->o->progress(p->o->progress_ctx, d,
			               p->end - p->first);
			pthread_mutex_unlock(&p->lock);
		}
	}
	return NULL;
}

sp_sim_opts sp_sim_defaults(void)
{
	sp_sim_opts o;
	memset(&o, 0, sizeof o);
	o.seed = 1;
	o.trials = 10;
	return o;
}

static int cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

/* Runs trials first .. first + count - 1 of o->seed on a pool of
 * threads and merges the workers' counters into r->a (and, with a
 * probe, into *pa, initialised by the caller). */
static sp_status run_trials(const sp_model *m, const sp_sim_opts *o, int first,
                            int count, const sp_probe *probe, sp_sim_result *r,
                            pacc *pa, sp_err *err)
{
	if (count < 1 || count > 10000000 || first < 0 ||
	    first > 10000000 - count || o->threads < 0)
		return sp__err_set(err, SP_EINVAL, "", 0, "trials",
		                   "trials must be from 1 to 10000000, threads "
		                   "from 0");
	int nth = o->threads ? o->threads : cores();
	nth = SP_MIN(nth, count);
	nth = SP_MIN(nth, 256);
	size_t napps = probe ? probe->napps : 0;
	worker *ws = sp_calloc((size_t)nth, sizeof *ws);
	if (!ws)
		return sp__err_set(err, SP_ENOMEM, "", 0, "", "out of memory");
	r->threads = nth;
	pool p;
	memset(&p, 0, sizeof p);
	p.m = m;
	p.o = o;
	p.probe = probe;
	p.first = first;
	p.end = first + count;
	atomic_init(&p.next, first);
	pthread_mutex_init(&p.lock, NULL);
	double t0 = now_ms();
	int started = 0;
	sp_status s = SP_OK;
	for (int i = 0; i < nth; i++) {
		ws[i].p = &p;
		sp__trial_init(&ws[i].t);
		if (!probe)
			ws[i].ivt = sp_calloc(((size_t)m->np + 1) * IVTN,
			                      sizeof *ws[i].ivt);
		if (!acc_init(&ws[i].a, m->np, m->nf) ||
		    (probe ? !pacc_init(&ws[i].pa, napps) : !ws[i].ivt)) {
			acc_free(&ws[i].a);
			s = SP_ENOMEM;
			break;
		}
		started++;
	}
	/* The first worker runs on this thread. */
	int spawned = 1;
	for (int i = 1; !s && i < started; i++, spawned++)
		if (pthread_create(&ws[i].th, NULL, work, &ws[i])) {
			s = SP_ENOMEM;
			break;
		}
	if (!s || spawned > 1) {
		if (s)
			atomic_store(&p.failed, 1);
		else if (started > 0)
			work(&ws[0]);
		for (int i = 1; i < spawned; i++)
			pthread_join(ws[i].th, NULL);
	}
	r->wall_ms = now_ms() - t0;
	for (int i = 0; i < started; i++) {
		acc_merge(&r->a, &ws[i].a, m->np, m->nf);
		if (probe)
			pacc_merge(pa, &ws[i].pa, napps);
	}
	for (int i = 0; i < nth; i++) {
		acc_free(&ws[i].a);
		pacc_free(&ws[i].pa);
		sp_free(ws[i].ivt);
		sp__trial_free(&ws[i].t);
	}
	sp_free(ws);
	pthread_mutex_destroy(&p.lock);
	if (!s && p.status) {
		s = p.status;
		if (err)
			*err = p.err;
	} else if (s) {
		sp__err_set(err, s, "", 0, "", "cannot start the workers");
	}
	return s;
}

sp_status sp_simulate(const sp_model *m, const sp_sim_opts *o,
                      sp_sim_result **out, sp_err *err)
{
	/* No trials is an error here (run_trials says so), not an empty
	 * result. */
	return sp_simulate_range(m, o, 0, o->trials < 1 ? -1 : o->trials, out,
	                         err);
}

sp_status sp_simulate_range(const sp_model *m, const sp_sim_opts *o, int first,
                            int count, sp_sim_result **out, sp_err *err)
{
	*out = NULL;
	sp_sim_result *r = sp_calloc(1, sizeof *r);
	if (!r || !acc_init(&r->a, m->np, m->nf)) {
		sp_free(r);
		return sp__err_set(err, SP_ENOMEM, "", 0, "", "out of memory");
	}
	r->m = m;
	r->np = m->np;
	r->nf = m->nf;
	/* No trials (an MPI rank with none to run): an empty result. */
	sp_status s = count == 0 && first >= 0
	                  ? SP_OK
	                  : run_trials(m, o, first, count, NULL, r, NULL, err);
	if (s) {
		sp_sim_result_free(r);
		return s;
	}
	*out = r;
	return SP_OK;
}

sp_status sp_simulate_probe(const sp_model *m, const sp_sim_opts *o,
                            const sp_probe *pr, sp_probe_result *out,
                            sp_err *err)
{
	memset(out, 0, sizeof *out);
	if (!pr)
		return sp__err_set(err, SP_EINVAL, "", 0, "", "no probe given");
	sp_status s = sp__probe_check(m, pr, err);
	if (s)
		return s;
	sp_sim_result r;
	pacc pa;
	memset(&r, 0, sizeof r);
	if (!acc_init(&r.a, m->np, m->nf))
		return sp__err_set(err, SP_ENOMEM, "", 0, "", "out of memory");
	if (!pacc_init(&pa, pr->napps)) {
		acc_free(&r.a);
		return sp__err_set(err, SP_ENOMEM, "", 0, "", "out of memory");
	}
	s = run_trials(m, o, 0, o->trials, pr, &r, &pa, err);
	acc_free(&r.a);
	long *ia = NULL, *ma = NULL;
	if (!s) {
		ia = sp_calloc(pr->napps + 1, sizeof *ia);
		ma = sp_calloc(pr->napps + 1, sizeof *ma);
		if (!ia || !ma) {
			sp_free(ia);
			sp_free(ma);
			s = sp__err_set(err, SP_ENOMEM, "", 0, "",
			                "out of memory");
		}
	}
	if (!s) {
		out->copies = (long)pa.copies;
		out->matched = (long)pa.matched;
		out->interviewed = (long)pa.interviewed;
		for (size_t k = 0; k < pr->napps; k++) {
			ia[k] = (long)pa.int_at[k];
			ma[k] = (long)pa.match_at[k];
		}
		out->int_at = ia;
		out->match_at = ma;
	}
	pacc_free(&pa);
	return s;
}

void sp_sim_result_free(sp_sim_result *r)
{
	if (!r)
		return;
	acc_free(&r->a);
	sp_free(r);
}

/* ------------------------------------------------------------------ */
/* Counts for merging elsewhere (MPI ranks): every count is a sum over
 * trials, so adding two results' vectors element by element is merging
 * them, in any order. */

size_t sp_sim_result_counts(const sp_sim_result *r, int64_t *v, size_t cap)
{
	const int64_t *p[ACC_PARTS];
	size_t len[ACC_PARTS], n = 2;
	acc_parts(&r->a, r->np, r->nf, p, len);
	for (int i = 0; i < ACC_PARTS; i++)
		n += len[i];
	if (!v || cap < n)
		return n;
	for (int i = 0; i < ACC_PARTS; i++) {
		memcpy(v, p[i], len[i] * sizeof *v);
		v += len[i];
	}
	v[0] = r->a.interviews;
	v[1] = r->a.applications;
	return n;
}

sp_status sp_sim_result_set_counts(sp_sim_result *r, const int64_t *v, size_t n)
{
	const int64_t *p[ACC_PARTS];
	size_t len[ACC_PARTS];
	if (n != sp_sim_result_counts(r, NULL, 0))
		return SP_EINVAL;
	acc_parts(&r->a, r->np, r->nf, p, len);
	for (int i = 0; i < ACC_PARTS; i++) {
		memcpy((int64_t *)p[i], v, len[i] * sizeof *v);
		v += len[i];
	}
	r->a.interviews = v[0];
	r->a.applications = v[1];
	return SP_OK;
}

void sp_sim_result_set_timing(sp_sim_result *r, int threads, double wall_ms,
                              double trial_ms)
{
	if (threads > 0)
		r->threads = threads;
	r->wall_ms = wall_ms;
	r->a.ms = trial_ms;
}

double sp_sim_result_trial_ms(const sp_sim_result *r)
{
	return r->a.ms;
}

/* ------------------------------------------------------------------ */
/* Figures. */

int sp_sim_result_trials(const sp_sim_result *r)
{
	return (int)r->a.trials;
}

double sp_sim_result_ms_per_trial(const sp_sim_result *r)
{
	return r->a.trials ? r->a.ms / (double)r->a.trials : 0;
}

double sp_sim_result_applicants(const sp_sim_result *r, sp_appl_type t)
{
	int64_t n = 0;
	for (int k = 0; k < SP_APPL_NTYPES; k++)
		if ((int)t == k || (int)t < 0 || t >= SP_APPL_NTYPES)
			n += r->a.type_n[k];
	return r->a.trials ? (double)n / (double)r->a.trials : 0;
}

double sp_sim_result_match_rate(const sp_sim_result *r, sp_appl_type t)
{
	int64_t n = 0, k = 0;
	for (int i = 0; i < SP_APPL_NTYPES; i++)
		if ((int)t == i || (int)t < 0 || t >= SP_APPL_NTYPES) {
			n += r->a.type_n[i];
			k += r->a.type_matched[i];
		}
	return n ? (double)k / (double)n : 0;
}

void sp_sim_result_cutoff(const sp_sim_result *r, int32_t j, double *mean,
                          double *sd, int *n)
{
	*mean = -INFINITY;
	*sd = 0;
	*n = 0;
	if (j < 0 || j >= r->np || r->a.cut_n[j] == 0)
		return;
	double c = (double)r->a.cut_n[j];
	double mu = (double)r->a.cut_s[j] / FIXED / c;
	double ss = (double)r->a.cut_ss[j] / FIXED / c;
	*mean = mu;
	*sd = sqrt(SP_MAX(0.0, ss - mu * mu));
	*n = (int)r->a.cut_n[j];
}

void sp_sim_result_match_cutoff(const sp_sim_result *r, int32_t j, double *mean,
                                double *sd, int *n)
{
	*mean = -INFINITY;
	*sd = 0;
	*n = 0;
	if (j < 0 || j >= r->np || r->a.mcut_n[j] == 0)
		return;
	double c = (double)r->a.mcut_n[j];
	double mu = (double)r->a.mcut_s[j] / FIXED / c;
	double ss = (double)r->a.mcut_ss[j] / FIXED / c;
	*mean = mu;
	*sd = sqrt(SP_MAX(0.0, ss - mu * mu));
	*n = (int)r->a.mcut_n[j];
}

double sp_sim_result_filled(const sp_sim_result *r, int32_t j)
{
	if (j < 0 || j >= r->np || !r->a.trials)
		return 0;
	return (double)r->a.filled[j] / (double)r->a.trials;
}

/* Fill rate of specialty row `spec`: positions filled / positions. */
double sp__sim_fill(const sp_sim_result *r, int32_t spec)
{
	const sp_model *m = r->m;
	int64_t f = 0, pos = 0;
	for (int32_t k = m->sp_off[spec]; k < m->sp_off[spec + 1]; k++) {
		int32_t j = m->sp_prog[k];
		f += r->a.filled[j];
		pos += m->progs[j].positions;
	}
	return pos && r->a.trials ? (double)f / ((double)pos * r->a.trials) : 0;
}

/* Program-mean interview rate in a family: `what` 0..2 tier (none,
 * silver, gold), 3 out of state, 4 in state, 5..9 applicant type. */
double sp__sim_iv_rate(const sp_sim_result *r, int32_t fam, int what)
{
	const sp_model *m = r->m;
	int idx = what < 3   ? what * 2
	          : what < 5 ? 6 + (what - 3) * 2
	                     : 10 + (what - 5) * 2;
	double sum = 0;
	int n = 0;
	for (int32_t j = 0; j < m->np; j++) {
		if (m->spec_fam[m->prog_spec[j]] != fam)
			continue;
		const int64_t *iv = r->a.iv + (size_t)j * IVN;
		int64_t apps = iv[idx] + iv[idx + 1];
		if (apps < 3)
			continue;
		sum += (double)iv[idx + 1] / (double)apps;
		n++;
	}
	return n ? sum / n : NAN;
}

void sp_sim_result_program_rate(const sp_sim_result *r, int32_t j, sp_rate k,
                                double *rate, double *apps)
{
	/* The iv columns of each sp_rate: type, state (0 out, 1 in), tier
	 * (0 none, 1 silver, 2 gold or single). */
	static const int col[SP_RATE_N] = {10, 12, 14, 16, 8, 6, 4, 2, 4, 0};
	*rate = NAN;
	*apps = 0;
	if (j < 0 || j >= r->np || (unsigned)k >= SP_RATE_N)
		return;
	const int64_t *iv = r->a.iv + (size_t)j * IVN + col[k];
	int64_t n = iv[0] + iv[1];
	*apps = r->a.trials ? (double)n / (double)r->a.trials : 0;
	if (n > 0)
		*rate = (double)iv[1] / (double)n;
}

/* Share of applicants of `type` preferring family `fam` who matched in
 * it. */
double sp__sim_pref_rate(const sp_sim_result *r, int32_t fam, int type)
{
	const int64_t *p =
	    r->a.pref + ((size_t)fam * SP_APPL_NTYPES + type) * 2;
	return p[0] ? (double)p[1] / (double)p[0] : NAN;
}

/* Applicants of `type` preferring family `fam` with Step 2 CK in the
 * 10-point bands [band_lo, band_hi] (band 0: below 220, the top band: 290
 * and up), and of them those who matched in it: s[0], s[1]. */
static void band_sums(const sp_sim_result *r, int32_t fam, int type,
                      int band_lo, int band_hi, int64_t s[2])
{
	s[0] = s[1] = 0;
	band_lo = SP_MAX(band_lo, 0);
	band_hi = SP_MIN(band_hi, NBANDS - 1);
	for (int b = band_lo; b <= band_hi; b++) {
		const int64_t *x =
		    r->a.grp +
		    (((size_t)fam * SP_APPL_NTYPES + (size_t)type) * NBANDS +
		     (size_t)b) *
		        3;
		s[0] += x[0];
		s[1] += x[1];
	}
}

/* Share of those applicants (band_sums) who matched in `fam`; NAN when
 * there are none. */
double sp__sim_band_pref_rate(const sp_sim_result *r, int32_t fam, int type,
                              int band_lo, int band_hi)
{
	int64_t s[2];
	band_sums(r, fam, type, band_lo, band_hi, s);
	return s[0] ? (double)s[1] / (double)s[0] : NAN;
}

/* How many those applicants are, over the trials (the rate's n). */
int64_t sp__sim_band_n(const sp_sim_result *r, int32_t fam, int type,
                       int band_lo, int band_hi)
{
	int64_t s[2];
	band_sums(r, fam, type, band_lo, band_hi, s);
	return s[0];
}

/* The band of a Step 2 CK score in sp__sim_band_pref_rate. */
int sp__sim_band(double step2)
{
	return band_of(step2);
}

static double hist_median(const int64_t *h, int n, double lo)
{
	int64_t tot = 0;
	for (int i = 0; i < n; i++)
		tot += h[i];
	if (!tot)
		return NAN;
	int64_t half = (tot + 1) / 2, c = 0;
	for (int i = 0; i < n; i++)
		if ((c += h[i]) >= half)
			return lo + i;
	return lo + n - 1;
}

/* Median Step 2 CK of US MD applicants preferring `fam` who matched in
 * it (matched = 1) or did not (0). */
double sp__sim_step2_median(const sp_sim_result *r, int32_t fam, int matched)
{
	return hist_median(r->a.s2 + ((size_t)fam * 2 + (matched != 0)) * NS2,
	                   NS2, S2_LO);
}

/* ------------------------------------------------------------------ */
/* Output. */

/* JSON goes through json.c's writer: strings escaped and checked as
 * UTF-8, doubles in the shortest form that reads back exactly ("null"
 * when not finite). */

/* Writes `sep`, then "key": . */
static void json_key(sp__out *o, const char *sep, const char *key)
{
	sp__out_str(o, sep);
	sp__json_write_strz(o, key);
	sp__out_str(o, ": ");
}

static void json_num_member(sp__out *o, const char *sep, const char *key,
                            double v)
{
	json_key(o, sep, key);
	sp__json_write_double(o, v);
}

static void json_str_member(sp__out *o, const char *sep, const char *key,
                            const char *v)
{
	json_key(o, sep, key);
	sp__json_write_strz(o, v);
}

static void json_by_type(sp__out *o, const sp_sim_result *r, double T)
{
	sp__out_str(o, ",\n\"by_type\": [");
	for (int t = 0; t < SP_APPL_NTYPES; t++) {
		json_str_member(o, t ? ",\n  {" : "\n  {", "applicant_type",
		                sp_appl_type_name((sp_appl_type)t));
		json_num_member(o, ", ", "applicants",
		                (double)r->a.type_n[t] / T);
		json_num_member(o, ", ", "match_rate",
		                sp_sim_result_match_rate(r, (sp_appl_type)t));
		sp__out_char(o, '}');
	}
	sp__out_str(o, "\n]");
}

static void json_by_specialty(sp__out *o, const sp_sim_result *r)
{
	const sp_model *m = r->m;
	sp__out_str(o, ",\n\"by_specialty\": [");
	bool first = true;
	for (int32_t s = 0; s < m->ns; s++) {
		if (!m->fam[m->spec_fam[s]].selected)
			continue;
		int64_t pos = 0;
		for (int32_t k = m->sp_off[s]; k < m->sp_off[s + 1]; k++)
			pos += m->progs[m->sp_prog[k]].positions;
		json_str_member(o, first ? "\n  {" : ",\n  {", "code",
		                m->specs[s].code);
		first = false;
		json_str_member(o, ", ", "specialty", m->specs[s].name);
		json_str_member(o, ", ", "family", m->specs[s].family);
		json_key(o, ", ", "positions");
		sp__json_write_int(o, pos);
		json_num_member(o, ", ", "fill_rate", sp__sim_fill(r, s));
		sp__out_char(o, '}');
	}
	sp__out_str(o, "\n]");
}

static void json_by_group(sp__out *o, const sp_sim_result *r, double T)
{
	const sp_model *m = r->m;
	sp__out_str(o, ",\n\"by_group\": [");
	bool first = true;
	for (int32_t fa = 0; fa < m->nf; fa++)
		for (int t = 0; t < SP_APPL_NTYPES; t++)
			for (int b = 0; b < NBANDS; b++) {
				size_t g =
				    ((size_t)fa * SP_APPL_NTYPES + t) * NBANDS +
				    (size_t)b;
				const int64_t *x = r->a.grp + g * 3;
				if (!x[0])
					continue;
				json_str_member(o, first ? "\n  {" : ",\n  {",
				                "specialty", m->fam[fa].name);
				first = false;
				json_str_member(o, ", ", "code",
				                m->fam[fa].code);
				json_str_member(
				    o, ", ", "applicant_type",
				    sp_appl_type_name((sp_appl_type)t));
				json_key(o, ", ", "step2_band");
				sp__json_write_int(o, BAND_LO + 10 * b);
				json_num_member(o, ", ", "applicants",
				                (double)x[0] / T);
				json_num_member(o, ", ", "matched_preferred",
				                (double)x[1] / T);
				json_num_member(o, ", ", "matched_any",
				                (double)x[2] / T);
				json_num_member(
				    o, ", ", "contiguous_ranks_median",
				    hist_median(r->a.cont + g * NCONTIG,
				                NCONTIG, 0));
				sp__out_char(o, '}');
			}
	sp__out_str(o, "\n]");
}

static void json_interview_rates(sp__out *o, const sp_sim_result *r)
{
	static const char *const what[] = {
	    "no_signal", "silver", "gold",   "out_of_state", "in_state",
	    "us_md",     "us_do",  "us_img", "non_us_img",   "other"};
	const sp_model *m = r->m;
	sp__out_str(o, ",\n\"interview_rates\": [");
	bool first = true;
	for (int32_t fa = 0; fa < m->nf; fa++) {
		if (!m->fam[fa].selected)
			continue;
		json_str_member(o, first ? "\n  {" : ",\n  {", "specialty",
		                m->fam[fa].name);
		first = false;
		for (int w = 0; w < 10; w++)
			json_num_member(o, ", ", what[w],
			                sp__sim_iv_rate(r, fa, w));
		sp__out_char(o, '}');
	}
	sp__out_str(o, "\n]");
}

sp_status sp_sim_result_write_json(const sp_sim_result *r, FILE *f)
{
	sp__out *o = sp_malloc(sizeof *o);
	if (!o)
		return SP_ENOMEM;
	sp__out_init(o, f);
	double T = r->a.trials ? (double)r->a.trials : 1;
	json_key(o, "{\n", "trials");
	sp__json_write_int(o, r->a.trials);
	json_key(o, ",\n", "stable_trials");
	sp__json_write_int(o, r->a.stable);
	json_key(o, ",\n", "cycled_trials");
	sp__json_write_int(o, r->a.cycled);
	json_num_member(o, ",\n", "applicants_per_trial",
	                sp_sim_result_applicants(r, SP_APPL_NTYPES));
	json_num_member(o, ",\n", "applications_per_trial",
	                (double)r->a.applications / T);
	json_num_member(o, ",\n", "interviews_per_trial",
	                (double)r->a.interviews / T);
	json_by_type(o, r, T);
	json_by_specialty(o, r);
	json_by_group(o, r, T);
	json_interview_rates(o, r);
	json_key(o, ",\n", "timing");
	json_key(o, "{", "threads");
	sp__json_write_int(o, r->threads);
	json_num_member(o, ", ", "wall_ms", r->wall_ms);
	json_num_member(o, ", ", "ms_per_trial", sp_sim_result_ms_per_trial(r));
	sp__out_str(o, "}\n}\n");
	bool ok = sp__out_flush(o);
	sp_free(o);
	return ok && !ferror(f) ? SP_OK : SP_EIO;
}

sp_status sp_sim_result_write_table(const sp_sim_result *r, FILE *f)
{
	const sp_model *m = r->m;
	double T = r->a.trials ? (double)r->a.trials : 1;
	fprintf(f,
	        "%lld trials (%lld stable, %lld cycled before settling or "
	        "not), %.0f applicants, %.0f applications, %.0f interviews "
	        "per trial\n\n",
	        (long long)r->a.trials, (long long)r->a.stable,
	        (long long)r->a.cycled,
	        sp_sim_result_applicants(r, SP_APPL_NTYPES),
	        (double)r->a.applications / T, (double)r->a.interviews / T);
	fprintf(f, "%-12s %10s %8s\n", "type", "applicants", "matched");
	for (int t = 0; t < SP_APPL_NTYPES; t++)
		fprintf(f, "%-12s %10.0f %7.1f%%\n",
		        sp_appl_type_name((sp_appl_type)t),
		        (double)r->a.type_n[t] / T,
		        100 * sp_sim_result_match_rate(r, (sp_appl_type)t));
	fprintf(f, "%-12s %10.0f %7.1f%%\n\n", "all",
	        sp_sim_result_applicants(r, SP_APPL_NTYPES),
	        100 * sp_sim_result_match_rate(r, SP_APPL_NTYPES));
	fprintf(f, "%-12s %-44s %9s %6s %9s\n", "code", "specialty",
	        "positions", "fill", "US MD");
	for (int32_t s = 0; s < m->ns; s++) {
		int32_t fa = m->spec_fam[s];
		if (!m->fam[fa].selected)
			continue;
		int64_t pos = 0;
		for (int32_t k = m->sp_off[s]; k < m->sp_off[s + 1]; k++)
			pos += m->progs[m->sp_prog[k]].positions;
		double md = sp__sim_pref_rate(r, fa, SP_APPL_US_MD);
		fprintf(f, "%-12s %-44.44s %9lld %5.1f%% ", m->specs[s].code,
		        m->specs[s].name, (long long)pos,
		        100 * sp__sim_fill(r, s));
		if (isfinite(md) && !strcmp(m->fam[fa].code, m->specs[s].code))
			fprintf(f, "%8.1f%%\n", 100 * md);
		else
			fprintf(f, "%9s\n", "");
	}
	fprintf(f,
	        "\nUS MD: share of US MD seniors preferring the family who "
	        "matched in it.\n%.1f ms per trial on %d thread(s); %.1f s "
	        "wall.\n",
	        sp_sim_result_ms_per_trial(r), r->threads, r->wall_ms / 1e3);
	return ferror(f) ? SP_EIO : SP_OK;
}

/* ------------------------------------------------------------------ */
/* Summaries for policy studies (study.c). */

void sp_sim_result_summary(const sp_sim_result *r, sp_sim_summary *out)
{
	const sp_model *m = r->m;
	double T = r->a.trials ? (double)r->a.trials : 1;
	int64_t pos = 0, filled = 0, n = 0, k = 0;
	memset(out, 0, sizeof *out);
	for (int32_t j = 0; j < m->np; j++)
		if (m->fam[m->spec_fam[m->prog_spec[j]]].selected) {
			pos += m->progs[j].positions;
			filled += r->a.filled[j];
		}
	for (int t = 0; t < SP_APPL_NTYPES; t++) {
		n += r->a.type_n[t];
		k += r->a.type_matched[t];
		out->match_rate[t] =
		    sp_sim_result_match_rate(r, (sp_appl_type)t);
	}
	out->applicants = (double)n / T;
	out->matched = n ? (double)k / (double)n : 0;
	out->unmatched = (double)(n - k) / T;
	out->positions = (double)pos;
	out->unfilled = (double)pos - (double)filled / T;
	out->interviews_per_position =
	    pos ? (double)r->a.interviews / T / (double)pos : 0;
	out->applications_per_applicant =
	    n ? (double)r->a.applications / (double)n : 0;
}

int sp_sim_result_nfamilies(const sp_sim_result *r)
{
	return r->nf;
}

int sp_sim_result_family(const sp_sim_result *r, int k, const char **code,
                         double *matched_pref)
{
	const sp_model *m = r->m;
	*code = "";
	*matched_pref = NAN;
	if (k < 0 || k >= m->nf || !m->fam[k].selected)
		return 0;
	int64_t n = 0, p = 0;
	for (int t = 0; t < SP_APPL_NTYPES; t++) {
		const int64_t *x =
		    r->a.pref + ((size_t)k * SP_APPL_NTYPES + (size_t)t) * 2;
		n += x[0];
		p += x[1];
	}
	*code = m->fam[k].code;
	*matched_pref = n ? (double)p / (double)n : NAN;
	return 1;
}

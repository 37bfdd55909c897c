/*
 * market.c — the market model: who applies where, who signals what, who
 * is invited and who accepts, how both sides rank; then one trial of
 * the match.  docs/model.md describes the model and every parameter;
 * this file follows its order.
 *
 * One trial, in stages (each O(applications) unless noted):
 *   1. the national applicant population, by type, with Step 2 CK drawn
 *      from the cited percentile table, research, home state, visa
 *      need, a latent strength z and a preferred family drawn with
 *      self-selection (stronger applicants lean to competitive
 *      families); some get a backup family; applicants whose families
 *      are all outside the selection are dropped;
 *   2. couples among US seniors of non-advanced families;
 *   3. applications: a count per applicant, spread over the family's
 *      rows by positions, programs drawn around the applicant's own
 *      quantile of the programs' selectivity order, some near home;
 *      advanced (PGY-2) applicants also apply to PGY-1 programs;
 *   4. signals to the top of the applicant's signal key;
 *   5. interviews: each program sorts its applicants by a score (latent
 *      strength + signal + geography + noise) and invites its slots;
 *      applicants accept up to a cap by their own utility; declined
 *      slots are offered once more down the program's order;
 *   6. rank order lists: applicants rank their interviews by utility,
 *      PGY-1 interviews of advanced applicants form supplemental lists,
 *      couples rank region-coherent pairs; programs rank interviewees;
 *   7. the instance is built through the public builder and matched.
 * Every draw comes from a substream of the trial's key (seed, trial),
 * one per applicant and stage and one per program (market.h:
 * sp__substream), in a fixed order, so a trial's outcome does not
 * depend on which thread ran it.  Probes (the advisor's applicants,
 * sp_simulate_probe) are appended after stage 4 with fixed applications
 * and signals and draw from a stream of their own (seed,
 * SP__PROBE_STREAM(trial)); the population is drawn exactly as without
 * them and differs afterwards only through their competition.
 *
 * Speed (docs/benchmarks.md).  A trial is a few million applications,
 * each drawn, scored, selected and ranked, so the cost is per
 * application and per random draw (about ten million).  What keeps it
 * down:
 *   - the generator is inlined (market.h) and hot loops keep its state
 *     in a local, so it lives in registers;
 *   - selections and sorts run on one-integer keys (sp__key: float key
 *     and id) with branch-free partitions; only sets matter where the
 *     old code sorted (who is invited, who accepts, who gets a signal),
 *     so those are selections; each program's next `slots` are set
 *     aside with its invitees, so the second round selects among them;
 *   - an applicant offered no more than the cap accepts all (no sort);
 *     offers and accepted interviews are listed per applicant, so the
 *     later stages read a dozen entries, not every application;
 *   - every candidate application draws its numbers whatever becomes of
 *     it and is taken without a branch (apply_row), and its signals are
 *     chosen right after its family's applications (draw_signals);
 *   - the family draw works on log weights (Gumbel-max: no exp);
 *   - per-trial values derived from the parameters (slots, signal
 *     bonuses, family weights' parts) are computed once per trial, and
 *     buffers are the worker's, reused from trial to trial.
 *
 * Rejected: building the instance through an internal fast path.  The
 * builder costs a few tens of milliseconds at national size (names,
 * validation), well inside the budget, and keeps the engine's input
 * checked.
 */
#include "market.h"

#include "csv.h"
#include "data.h"
#include "tables.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ */
/* Small helpers. */

static const char *const type_names[SP_APPL_NTYPES] = {
    "us_md", "us_do", "us_img", "non_us_img", "other"};

const char *sp_appl_type_name(sp_appl_type t)
{
	return (unsigned)t < SP_APPL_NTYPES ? type_names[t] : "unknown";
}

double sp__market_phi(double x)
{
	return 0.5 * erfc(-x / sqrt(2.0));
}

static void keyed_isort(sp__keyed *k, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		sp__keyed x = k[i];
		size_t j = i;
		while (j > 0 &&
		       (k[j - 1].key < x.key ||
		        (k[j - 1].key == x.key && k[j - 1].id > x.id))) {
			k[j] = k[j - 1];
			j--;
		}
		k[j] = x;
	}
}

static bool keyed_before(const sp__keyed *a, const sp__keyed *b)
{
	return a->key > b->key || (a->key == b->key && a->id < b->id);
}

/* Quicksort with median-of-three pivots and insertion sort for short
 * runs; ties broken by id so the order is total and deterministic. */
void sp__keyed_sort_desc(sp__keyed *k, size_t n)
{
	while (n > 16) {
		size_t mid = n / 2;
		sp__keyed *a = &k[0], *b = &k[mid], *c = &k[n - 1], t;
		if (keyed_before(b, a))
			t = *a, *a = *b, *b = t;
		if (keyed_before(c, b))
			t = *b, *b = *c, *c = t;
		if (keyed_before(b, a))
			t = *a, *a = *b, *b = t;
		sp__keyed pivot = k[mid];
		size_t i = 0, j = n - 1;
		for (;;) {
			while (keyed_before(&k[i], &pivot))
				i++;
			while (keyed_before(&pivot, &k[j]))
				j--;
			if (i >= j)
				break;
			t = k[i], k[i] = k[j], k[j] = t;
			i++;
			j--;
		}
		/* Recurse into the smaller side, loop on the larger. */
		size_t left = j + 1;
		if (left < n - left) {
			sp__keyed_sort_desc(k, left);
			k += left;
			n -= left;
		} else {
			sp__keyed_sort_desc(k + left, n - left);
			n = left;
		}
	}
	keyed_isort(k, n);
}

void sp__keyed_select_top(sp__keyed *k, size_t n, size_t top)
{
	size_t lo = 0, hi = n; /* the boundary `top` lies in [lo, hi) */
	while (top > lo && top < hi && hi - lo > 16) {
		size_t mid = lo + (hi - lo) / 2;
		sp__keyed *a = &k[lo], *b = &k[mid], *c = &k[hi - 1], t;
		if (keyed_before(b, a))
			t = *a, *a = *b, *b = t;
		if (keyed_before(c, b))
			t = *b, *b = *c, *c = t;
		if (keyed_before(b, a))
			t = *a, *a = *b, *b = t;
		sp__keyed pivot = k[mid];
		size_t i = lo, j = hi - 1;
		for (;;) {
			while (keyed_before(&k[i], &pivot))
				i++;
			while (keyed_before(&pivot, &k[j]))
				j--;
			if (i >= j)
				break;
			t = k[i], k[i] = k[j], k[j] = t;
			i++;
			j--;
		}
		/* k[lo..j] precede or equal the pivot, k[j+1..hi) follow. */
		if (top <= j + 1)
			hi = j + 1;
		else
			lo = j + 1;
	}
	if (top > lo && top < hi)
		keyed_isort(k + lo, hi - lo);
}

/* Keys in one integer (market.h: sp__key), for the hot paths.  The
 * partition is Lomuto's made branch-free (each key is swapped to the
 * boundary and the boundary moves by the comparison's result), after a
 * median-of-three pivot moved to v[0]; keys are distinct (ids are). */
static void key_isort(uint64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1] < x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* Partitions v[0..n), n >= 3: returns p with v[0..p) > v[p] > v[p+1..n). */
static size_t key_partition(uint64_t *v, size_t n)
{
	size_t mid = n / 2, m;
	uint64_t a = v[0], b = v[mid], c = v[n - 1];
	if ((a < b) == (b < c))
		m = mid;
	else if ((b < a) == (a < c))
		m = 0;
	else
		m = n - 1;
	uint64_t p = v[m];
	v[m] = v[0];
	v[0] = p;
	size_t i = 1;
	for (size_t j = 1; j < n; j++) {
		uint64_t x = v[j];
		v[j] = v[i];
		v[i] = x;
		i += x > p;
	}
	v[0] = v[i - 1];
	v[i - 1] = p;
	return i - 1;
}

void sp__key_sort(uint64_t *v, size_t n)
{
	while (n > 16) {
		size_t p = key_partition(v, n);
		/* Recurse into the smaller side, loop on the larger. */
		if (p < n - p - 1) {
			sp__key_sort(v, p);
			v += p + 1;
			n -= p + 1;
		} else {
			sp__key_sort(v + p + 1, n - p - 1);
			n = p;
		}
	}
	key_isort(v, n);
}

/* Partitions all the way down (no insertion sort at the end, whose
 * place-finding branches the processor mostly guesses wrong: the
 * signals' selections among a few dozen keys cost a fifth of a trial's
 * mispredictions that way). */
void sp__key_select(uint64_t *v, size_t n, size_t top)
{
	while (top > 0 && top < n) {
		if (n == 2) { /* top == 1 */
			uint64_t a = v[0], b = v[1];
			v[0] = a > b ? a : b;
			v[1] = a > b ? b : a;
			return;
		}
		size_t p = key_partition(v, n);
		if (top <= p) {
			n = p;
		} else {
			v += p + 1;
			n -= p + 1;
			top -= p + 1;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Normal draws by table: the quantile function at 4096 knots,
 * interpolated linearly inside a cell (exact in distribution up to the
 * interpolation, about 1e-4 in the CDF); the two outer cells use
 * Marsaglia's exact tail method.  Five times faster than the polar
 * method, which needs a log and a sqrt per pair. */

static double quantile_slow(double p)
{
	double lo = -40, hi = 40;
	for (int i = 0; i < 200 && hi - lo > 1e-12; i++) {
		double mid = 0.5 * (lo + hi);
		if (sp__market_phi(mid) < p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

static sp_status build_normal_table(sp_model *m)
{
	m->nq = sp_calloc(SP__NQ + 1, sizeof *m->nq);
	m->gq = sp_calloc(SP__NQ + 1, sizeof *m->gq);
	if (!m->nq || !m->gq)
		return SP_ENOMEM;
	for (int k = 1; k < SP__NQ; k++)
		m->nq[k] = (float)quantile_slow((double)k / SP__NQ);
	m->nq[0] = -m->nq[SP__NQ - 1];
	m->nq[SP__NQ] = m->nq[SP__NQ - 1];
	for (int k = 1; k < SP__NQ; k++)
		m->gq[k] = -log(-log((double)k / SP__NQ));
	return SP_OK;
}

static double normal_tail(sp_rng *r, double a)
{
	double x, y;
	do {
		x = -log(1.0 - sp__rng_uniform(r)) / a;
		y = -log(1.0 - sp__rng_uniform(r));
	} while (2 * y < x * x);
	return a + x;
}

/* Inlined, with the tail through a copy of the state: callers keep
 * their generator in a local (sp_rng rl = *r) whose address never
 * escapes, so its four words stay in registers. */
static inline double normal(const sp_model *m, sp_rng *r)
{
	uint64_t b = sp__rng_next(r);
	uint32_t k = (uint32_t)(b >> 52); /* 12 bits: the cell */
	double f = (double)(b & ((1ull << 52) - 1)) * 0x1.0p-52;
	if (__builtin_expect(k - 1 >= SP__NQ - 2, 0)) {
		sp_rng tmp = *r;
		double x = normal_tail(&tmp, m->nq[SP__NQ - 1]);
		*r = tmp;
		return k ? x : -x;
	}
	float lo = m->nq[k], hi = m->nq[k + 1];
	return lo + f * (float)(hi - lo);
}

/* A standard Gumbel, -log(-log u), by the same kind of table; in the
 * two outer cells, where the quantile is steep, exactly from the same
 * 64-bit u. */
static inline double gumbel(const sp_model *m, sp_rng *r)
{
	uint64_t b = sp__rng_next(r);
	uint32_t k = (uint32_t)(b >> 52);
	double f = (double)(b & ((1ull << 52) - 1)) * 0x1.0p-52;
	if (__builtin_expect(k - 1 >= SP__NQ - 2, 0)) {
		double u = ((double)k + f) / SP__NQ;
		return -log(-log(u > 0 ? u : 0x1.0p-64));
	}
	return m->gq[k] + f * (m->gq[k + 1] - m->gq[k]);
}

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

/* ------------------------------------------------------------------ */
/* Cited per-specialty figures the model reads. */

static double spec_step2_median(const char *code)
{
	static const char *const cols[] = {"code", "matched_median"};
	sp__table t;
	sp_status s;
	double v = 0;
	if (sp__table_open(&t, "step2_by_specialty_2026.csv", cols, 2, NULL)) {
		sp__table_close(&t);
		return 250;
	}
	while (sp__table_next(&t, &s, NULL))
		if (!strcmp(sp__table_str(&t, 0), code))
			v = sp__table_num(&t, 1, 0);
	sp__table_close(&t);
	return v > 0 ? v : 0;
}

/* Type affinity of each family from the cited shares of filled
 * positions by type (S19), relative to each type's share of all
 * matched applicants (2025): a = share in the family / national share. */
static void read_affinity(sp_model *m)
{
	double nat[SP_APPL_NTYPES] = {19044, 7773, 3108, 6653, 1089};
	double tot = 0;
	for (int t = 0; t < SP_APPL_NTYPES; t++)
		tot += nat[t];
	for (int t = 0; t < SP_APPL_NTYPES; t++)
		nat[t] /= tot;
	static const char *const cols[] = {
	    "code",       "us_md_senior_pct", "us_do_senior_pct",
	    "us_img_pct", "non_us_img_pct",   "remainder_pct"};
	sp__table t;
	sp_status s;
	if (sp__table_open(&t, "filled_share_by_type_2025.csv", cols, 6,
	                   NULL)) {
		sp__table_close(&t);
		return;
	}
	while (sp__table_next(&t, &s, NULL)) {
		int32_t f = sp__model_family(m, sp__table_str(&t, 0));
		if (f < 0)
			continue;
		/* Only the family's main row carries the family's mix. */
		if (strcmp(m->fam[f].code, sp__table_str(&t, 0)))
			continue;
		for (int k = 0; k < SP_APPL_NTYPES; k++) {
			double a =
			    sp__table_num(&t, 1 + k, -1) / 100.0 / nat[k];
			if (a > 0)
				m->fam[f].aff[k] = SP_MAX(0.05, SP_MIN(a, 5.0));
		}
	}
	sp__table_close(&t);
}

/* Non-US IMGs by preferred specialty (S26, Charting Outcomes: Non-US
 * IMGs): the counts cover the type (11,649 against 11,465 active
 * applicants), so they give the type's preferred family directly; the
 * rows of specialties the model does not hold (Preventive Medicine)
 * are dropped. */
static void read_img_pref(sp_model *m)
{
	static const char *const cols[] = {"code", "applicants_n"};
	sp__table t;
	sp_status s;
	if (sp__table_open(&t, "img_preferred_2026.csv", cols, 2, NULL)) {
		sp__table_close(&t);
		return;
	}
	while (sp__table_next(&t, &s, NULL)) {
		int32_t f = sp__model_family(m, sp__table_str(&t, 0));
		double n = sp__table_num(&t, 1, 0);
		if (f < 0 || !(n > 0))
			continue;
		m->fam[f].img_n += n;
		m->img_pref = true;
	}
	sp__table_close(&t);
}

/* The Step 2 CK inverse CDF: cited percentiles (S27) with assumed tails
 * (0.2% at the 214 floor, 99.9% at 282). */
static void read_step2_norms(sp_model *m)
{
	static const char *const cols[] = {"exam", "metric", "score", "value"};
	int n = 0;
	m->s2_x[n] = 214, m->s2_p[n++] = 0.0;
	m->s2_x[n] = 222, m->s2_p[n++] = 0.02;
	sp__table t;
	sp_status s;
	if (!sp__table_open(&t, "score_norms.csv", cols, 4, NULL)) {
		while (n < 14 && sp__table_next(&t, &s, NULL)) {
			if (strcmp(sp__table_str(&t, 0), "usmle_step2ck") ||
			    strcmp(sp__table_str(&t, 1), "percentile"))
				continue;
			m->s2_x[n] = sp__table_num(&t, 2, 0);
			m->s2_p[n++] = sp__table_num(&t, 3, 0) / 100.0;
		}
	}
	sp__table_close(&t);
	m->s2_x[n] = 282, m->s2_p[n++] = 1.0;
	m->s2_n = n;
}

static double step2_at(const sp_model *m, double u)
{
	for (int i = 1; i < m->s2_n; i++)
		if (u <= m->s2_p[i]) {
			double a = m->s2_p[i - 1], b = m->s2_p[i];
			double f = b > a ? (u - a) / (b - a) : 0;
			return m->s2_x[i - 1] +
			       f * (m->s2_x[i] - m->s2_x[i - 1]);
		}
	return m->s2_x[m->s2_n - 1];
}

static double draw_step2(const sp_model *m, sp_rng *r)
{
	return step2_at(m, sp_rng_uniform(r));
}

/* ------------------------------------------------------------------ */
/* The model. */

int32_t sp__model_family(const sp_model *m, const char *code)
{
	for (int32_t s = 0; s < m->ns; s++)
		if (!strcmp(m->specs[s].code, code))
			return m->spec_fam[s];
	for (int32_t f = 0; f < m->nf; f++)
		if (!strcmp(m->fam[f].code, code))
			return f;
	return -1;
}

void sp_model_free(sp_model *m)
{
	if (!m)
		return;
	for (int32_t f = 0; m->fam && f < m->nf; f++)
		sp_free(m->fam[f].specs);
	void *ptrs[] = {
	    m->specs,     m->progs,      m->prog_spec,  m->spec_fam,
	    m->fam,       m->sp_off,     m->sp_prog,    m->sr_off,
	    m->sr_prog,   m->prog_rank,  m->state_code, m->state_region,
	    m->state_cum, m->prog_state, m->fp,         m->nq,
	    m->psel,      m->pseld,      m->preg,       m->pvisa,
	    m->psig,      m->pfam,       m->gq,         m->poff};
	for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++)
		sp_free(ptrs[i]);
	if (m->pnames) {
		size_t n = sp__model_nslots(m);
		for (size_t i = 0; i < n; i++)
			sp_free(m->pnames[i]);
		sp_free(m->pnames);
	}
	sp_free(m);
}

static int cmp_by_sel(const void *x, const void *y, const sp_model *m)
{
	const sp_program_info *a = &m->progs[*(const int32_t *)x];
	const sp_program_info *b = &m->progs[*(const int32_t *)y];
	if (a->selectivity != b->selectivity)
		return a->selectivity > b->selectivity ? -1 : 1;
	return (*(const int32_t *)x > *(const int32_t *)y) -
	       (*(const int32_t *)x < *(const int32_t *)y);
}

/* Sorts ids by selectivity (insertion into runs is too slow for 800
 * programs; a keyed sort does it). */
static void sort_by_sel(const sp_model *m, int32_t *ids, int32_t n,
                        sp__keyed *tmp)
{
	for (int32_t i = 0; i < n; i++)
		tmp[i].key = (float)m->progs[ids[i]].selectivity,
		tmp[i].id = ids[i];
	sp__keyed_sort_desc(tmp, (size_t)n);
	for (int32_t i = 0; i < n; i++)
		ids[i] = tmp[i].id;
	(void)cmp_by_sel;
}

static sp_status build_families(sp_model *m)
{
	m->spec_fam = sp_malloc((size_t)m->ns * sizeof *m->spec_fam);
	m->fam = sp_calloc((size_t)m->ns, sizeof *m->fam);
	if (!m->spec_fam || !m->fam)
		return SP_ENOMEM;
	for (int32_t s = 0; s < m->ns; s++) {
		const sp_specialty_info *si = &m->specs[s];
		int32_t f = 0;
		while (f < m->nf && strcmp(m->fam[f].name, si->family))
			f++;
		if (f == m->nf) {
			sp__family *x = &m->fam[m->nf++];
			copy_str(x->name, sizeof x->name, si->family);
			x->specs = sp_malloc((size_t)m->ns * sizeof *x->specs);
			if (!x->specs)
				return SP_ENOMEM;
			x->prelim = x->adv_only = true;
			for (int t = 0; t < SP_APPL_NTYPES; t++)
				x->aff[t] = 1.0;
			x->selected = true;
		}
		sp__family *x = &m->fam[f];
		m->spec_fam[s] = f;
		x->specs[x->nspecs++] = s;
		x->positions += si->positions;
		bool adv = si->track == SP_TRACK_ADVANCED;
		bool was_adv_only = x->nspecs == 1 || x->adv_only;
		x->advanced |= adv;
		x->adv_only &= adv;
		x->prelim &= si->track == SP_TRACK_PRELIMINARY;
		/* At most SP__MAX_SIGNALS in all (the largest allotment
		 * is 30), whatever a database says. */
		x->gold =
		    SP_MIN(SP_MAX(x->gold, si->signals_gold), SP__MAX_SIGNALS);
		x->silver = SP_MIN(SP_MAX(x->silver, si->signals_silver),
		                   SP__MAX_SIGNALS - x->gold);
		/* The main row: the first PGY-1 row, else the first row. */
		if (!x->code[0] || (was_adv_only && !adv && x->nspecs > 1))
			copy_str(x->code, sizeof x->code, si->code);
	}
	for (int32_t f = 0; f < m->nf; f++) {
		sp__family *x = &m->fam[f];
		double med = spec_step2_median(x->code);
		if (med <= 0)
			med = x->prelim ? 248 : 250; /* assumption */
		x->c = (med - 250.0) / 5.0;
	}
	return SP_OK;
}

static sp_status build_program_lists(sp_model *m)
{
	int32_t ns = m->ns, np = m->np;
	m->prog_spec = sp_malloc(((size_t)np + 1) * sizeof(int32_t));
	m->sp_off = sp_calloc((size_t)ns + 1, sizeof(int32_t));
	m->sp_prog = sp_malloc(((size_t)np + 1) * sizeof(int32_t));
	m->sr_off = sp_calloc((size_t)ns * 10 + 1, sizeof(int32_t));
	m->sr_prog = sp_malloc(((size_t)np + 1) * sizeof(int32_t));
	m->prog_rank = sp_malloc(((size_t)np + 1) * sizeof(int32_t));
	sp__keyed *tmp = sp_malloc(((size_t)np + 1) * sizeof *tmp);
	int32_t *fill = sp_calloc((size_t)ns * 10 + 1, sizeof *fill);
	sp_status s = SP_OK;
	if (!m->prog_spec || !m->sp_off || !m->sp_prog || !m->sr_off ||
	    !m->sr_prog || !m->prog_rank || !tmp || !fill) {
		s = SP_ENOMEM;
		goto out;
	}
	for (int32_t j = 0; j < np; j++) {
		int32_t sx = 0;
		while (sx < ns &&
		       strcmp(m->specs[sx].code, m->progs[j].specialty))
			sx++;
		if (sx == ns) {
			s = SP_ENOTFOUND;
			goto out;
		}
		m->prog_spec[j] = sx;
		m->sp_off[sx + 1]++;
		int reg = m->progs[j].region;
		reg = reg >= 1 && reg <= 9 ? reg : 0;
		m->sr_off[sx * 10 + reg + 1]++;
	}
	for (int32_t sx = 0; sx < ns; sx++)
		m->sp_off[sx + 1] += m->sp_off[sx];
	for (int32_t k = 0; k < ns * 10; k++)
		m->sr_off[k + 1] += m->sr_off[k];
	int32_t *cur = fill;
	for (int32_t sx = 0; sx < ns; sx++)
		cur[sx] = m->sp_off[sx];
	for (int32_t j = 0; j < np; j++)
		m->sp_prog[cur[m->prog_spec[j]]++] = j;
	for (int32_t sx = 0; sx < ns; sx++) {
		int32_t *ids = m->sp_prog + m->sp_off[sx];
		int32_t n = m->sp_off[sx + 1] - m->sp_off[sx];
		sort_by_sel(m, ids, n, tmp);
		for (int32_t k = 0; k < n; k++)
			m->prog_rank[ids[k]] = k;
	}
	for (int32_t k = 0; k < ns * 10; k++)
		cur[k] = m->sr_off[k];
	for (int32_t k = 0; k < np; k++) {
		int32_t j = m->sp_prog[k];
		int reg = m->progs[j].region;
		reg = reg >= 1 && reg <= 9 ? reg : 0;
		m->sr_prog[cur[m->prog_spec[j] * 10 + reg]++] = j;
	}
out:
	sp_free(tmp);
	sp_free(fill);
	return s;
}

/* Home states: the states of the catalog, weighted by its positions
 * (synthetic weights; docs/model.md). */
static sp_status build_states(sp_model *m)
{
	int32_t np = m->np;
	m->state_code = sp_calloc((size_t)np + 1, sizeof *m->state_code);
	m->state_region = sp_calloc((size_t)np + 1, 1);
	m->state_cum = sp_calloc((size_t)np + 1, sizeof *m->state_cum);
	m->prog_state = sp_malloc(((size_t)np + 1) * sizeof *m->prog_state);
	if (!m->state_code || !m->state_region || !m->state_cum ||
	    !m->prog_state)
		return SP_ENOMEM;
	for (int32_t j = 0; j < np; j++) {
		const sp_program_info *p = &m->progs[j];
		int32_t k = 0;
		while (k < m->nstates && strcmp(m->state_code[k], p->state))
			k++;
		if (k == m->nstates) {
			if (k >= 32000)
				return SP_ELIMIT;
			copy_str(m->state_code[k], 3, p->state);
			m->state_region[k] =
			    (uint8_t)(p->region >= 1 && p->region <= 9
			                  ? p->region
			                  : 0);
			m->nstates++;
		}
		m->prog_state[j] = (int16_t)k;
		m->state_cum[k] += p->positions;
	}
	for (int32_t k = 1; k < m->nstates; k++)
		m->state_cum[k] += m->state_cum[k - 1];
	return SP_OK;
}

size_t sp__model_nslots(const sp_model *m)
{
	return SP__NG + (size_t)SP__NF * (size_t)m->nf;
}

double *sp__model_slot(sp_model *m, size_t k)
{
	return k < SP__NG ? &m->g[k] : &m->fp[k - SP__NG];
}

static const char *const gnames[] = {
#define SP_X(id, name, def, st) name,
    SP__GPARAMS(SP_X)
#undef SP_X
};
static const double gdefs[] = {
#define SP_X(id, name, def, st) def,
    SP__GPARAMS(SP_X)
#undef SP_X
};
static const char *const gstatus[] = {
#define SP_X(id, name, def, st) st,
    SP__GPARAMS(SP_X)
#undef SP_X
};
static const char *const fnames[] = {
#define SP_X(id, name, def, st) name,
    SP__FPARAMS(SP_X)
#undef SP_X
};
static const double fdefs[] = {
#define SP_X(id, name, def, st) def,
    SP__FPARAMS(SP_X)
#undef SP_X
};
static const char *const fstatus[] = {
#define SP_X(id, name, def, st) st,
    SP__FPARAMS(SP_X)
#undef SP_X
};

static sp_status init_params(sp_model *m)
{
	for (int k = 0; k < SP__NG; k++)
		m->g[k] = gdefs[k];
	m->fp = sp_malloc((size_t)SP__NF * (size_t)m->nf * sizeof *m->fp);
	m->pnames = sp_calloc(sp__model_nslots(m), sizeof *m->pnames);
	if (!m->fp || !m->pnames)
		return SP_ENOMEM;
	for (int k = 0; k < SP__NF; k++)
		for (int32_t f = 0; f < m->nf; f++) {
			double v = fdefs[k];
			/* Few applicants prefer a PGY-1-only year. */
			if (k == SP__F_DEMAND && m->fam[f].prelim)
				v = -1.5;
			m->fp[k * m->nf + f] = v;
		}
	return SP_OK;
}

sp_status sp_model_new(const sp_specialty_info *specs, size_t nspecs,
                       const sp_program_info *progs, size_t nprogs,
                       sp_model **out, sp_err *err)
{
	*out = NULL;
	if (!nspecs || !nprogs || nspecs > 4096 || nprogs > SP_MAX_ENTITIES)
		return sp__err_set(err, SP_EINVAL, "", 0, "",
		                   "a market needs 1 to 4096 specialties and "
		                   "at least one program");
	sp_model *m = sp_calloc(1, sizeof *m);
	if (!m)
		return sp__err_set(err, SP_ENOMEM, "", 0, "", "out of memory");
	m->ns = (int32_t)nspecs;
	m->np = (int32_t)nprogs;
	m->specs = sp_malloc(nspecs * sizeof *specs);
	m->progs = sp_malloc(nprogs * sizeof *progs);
	sp_status s = SP_ENOMEM;
	if (!m->specs || !m->progs)
		goto fail;
	memcpy(m->specs, specs, nspecs * sizeof *specs);
	memcpy(m->progs, progs, nprogs * sizeof *progs);
	for (size_t j = 0; j < nprogs; j++)
		if (m->progs[j].positions < 0 ||
		    m->progs[j].positions > SP_MAX_QUOTA) {
			s = sp__err_set(err, SP_EINVAL, "", 0, "positions",
			                "program %s: positions out of range",
			                m->progs[j].code);
			goto fail_quiet;
		}
	if ((s = build_families(m)) || (s = build_program_lists(m))) {
		if (s == SP_ENOTFOUND) {
			s = sp__err_set(err, s, "", 0, "specialty",
			                "a program names a specialty that is "
			                "not in the list");
			goto fail_quiet;
		}
		goto fail;
	}
	if (m->nf > 512) {
		s = sp__err_set(err, SP_ELIMIT, "", 0, "",
		                "more than 512 specialty families");
		goto fail_quiet;
	}
	if ((s = build_states(m)) || (s = init_params(m)) ||
	    (s = build_normal_table(m)))
		goto fail;
	read_affinity(m);
	read_img_pref(m);
	read_step2_norms(m);
	m->psel = sp_malloc(nprogs * sizeof *m->psel);
	m->pseld = sp_malloc(nprogs * sizeof *m->pseld);
	m->preg = sp_malloc(nprogs);
	m->pvisa = sp_malloc(nprogs);
	m->psig = sp_malloc(nprogs);
	m->pfam = sp_malloc(nprogs * sizeof *m->pfam);
	m->poff = sp_calloc(nprogs * SP__NPOFF, sizeof *m->poff);
	if (!m->psel || !m->pseld || !m->preg || !m->pvisa || !m->psig ||
	    !m->pfam || !m->poff) {
		s = SP_ENOMEM;
		goto fail;
	}
	for (size_t j = 0; j < nprogs; j++) {
		const sp_program_info *p = &m->progs[j];
		m->psel[j] = (float)p->selectivity;
		m->pseld[j] = p->selectivity;
		m->psig[j] = p->accepts_signals != 0;
		m->preg[j] =
		    (uint8_t)(p->region >= 1 && p->region <= 9 ? p->region : 0);
		m->pvisa[j] = p->sponsors_visa != 0;
		m->pfam[j] = (int16_t)m->spec_fam[m->prog_spec[j]];
	}
	size_t len, skipped;
	const char *buf = sp__data_file("params.csv", &len);
	if (buf && (s = sp_model_params_load_csv(m, buf, len, "params.csv",
	                                         &skipped, err)))
		goto fail_quiet;
	buf = sp__data_file("program_fit.csv", &len);
	if (buf && (s = sp__model_load_program_fit(
	                m, buf, len, "data/program_fit.csv", &skipped, err)))
		goto fail_quiet;
	*out = m;
	return SP_OK;
fail:
	s = sp__err_set(err, s, "", 0, "", "%s", sp_strerror(s));
fail_quiet:
	sp_model_free(m);
	return s;
}

sp_status sp_model_select(sp_model *m, const char *const *codes, size_t n,
                          sp_err *err)
{
	bool *sel = sp_calloc((size_t)m->nf, sizeof *sel);
	if (!sel)
		return sp__err_set(err, SP_ENOMEM, "", 0, "", "out of memory");
	for (size_t i = 0; i < n; i++) {
		int32_t f = sp__model_family(m, codes[i]);
		if (f < 0) {
			sp_free(sel);
			return sp__err_set(
			    err, SP_ENOTFOUND, "", 0, "specialty",
			    "unknown specialty code '%s'", codes[i]);
		}
		sel[f] = true;
	}
	for (int32_t f = 0; f < m->nf; f++)
		m->fam[f].selected = n == 0 || sel[f];
	sp_free(sel);
	return SP_OK;
}

/* ------------------------------------------------------------------ */
/* Parameters by name. */

static long slot_of(const sp_model *m, const char *name, const char *spec)
{
	if (!spec || !*spec) {
		for (int k = 0; k < SP__NG; k++)
			if (!strcmp(gnames[k], name))
				return k;
		return -1;
	}
	int32_t f = sp__model_family(m, spec);
	for (int k = 0; f >= 0 && k < SP__NF; k++)
		if (!strcmp(fnames[k], name))
			return SP__NG + (long)k * m->nf + f;
	return -1;
}

sp_status sp_model_param_set(sp_model *m, const char *name,
                             const char *specialty, double value)
{
	long k = slot_of(m, name, specialty);
	if (k < 0)
		return SP_ENOTFOUND;
	if (!isfinite(value))
		return SP_EINVAL;
	*sp__model_slot(m, (size_t)k) = value;
	return SP_OK;
}

sp_status sp_model_param_get(const sp_model *m, const char *name,
                             const char *specialty, double *value)
{
	long k = slot_of(m, name, specialty);
	if (k < 0)
		return SP_ENOTFOUND;
	*value = *sp__model_slot((sp_model *)m, (size_t)k);
	return SP_OK;
}

size_t sp_model_nparams(const sp_model *m)
{
	return sp__model_nslots(m);
}

void sp_model_param_at(const sp_model *m, size_t k, const char **name,
                       const char **specialty, double *value,
                       const char **status)
{
	assert(k < sp__model_nslots(m));
	if (k < SP__NG) {
		*name = gnames[k];
		*specialty = "";
		*status = gstatus[k];
	} else {
		size_t kk = (k - SP__NG) / (size_t)m->nf;
		size_t f = (k - SP__NG) % (size_t)m->nf;
		*name = fnames[kk];
		*specialty = m->fam[f].code;
		*status = fstatus[kk];
	}
	*value = *sp__model_slot((sp_model *)m, k);
}

sp_status sp_model_params_load_csv(sp_model *m, const char *buf, size_t len,
                                   const char *name, size_t *skipped,
                                   sp_err *err)
{
	static const char *const cols[] = {"name", "specialty", "value",
	                                   "source"};
	int idx[4];
	sp__csv c;
	*skipped = 0;
	sp__csv_init(&c, buf, len, name);
	sp_status s = sp__csv_header(&c, cols, 4, 3, true, idx, err);
	while (!s && !(s = sp__csv_next(&c, err)) && c.nf) {
		double v;
		if ((s = sp__csv_double(&c, idx[2], -1e9, 1e9, &v, err))) {
			/* sp__csv_double refuses negatives below lo only. */
			break;
		}
		if (sp_model_param_set(m, sp__csv_field(&c, idx[0]),
		                       sp__csv_field(&c, idx[1]), v))
			++*skipped;
	}
	sp__csv_free(&c);
	return s;
}

sp_status sp_model_params_write_csv(const sp_model *m, const char *source,
                                    FILE *f)
{
	fprintf(f, "name,specialty,value,source\n");
	size_t n = sp__model_nslots(m);
	for (size_t k = 0; k < n; k++) {
		const char *name, *spec, *st;
		double v;
		sp_model_param_at(m, k, &name, &spec, &v, &st);
		if (strcmp(st, "fitted"))
			continue;
		fprintf(f, "%s,%s,%.6g,\"%s\"\n", name, spec, v, source);
	}
	return ferror(f) ? SP_EIO : SP_OK;
}

/* ------------------------------------------------------------------ */
/* The interview score, shared with the advisor. */

static double type_strength(const sp_model *m, int type)
{
	static const int ids[SP_APPL_NTYPES] = {
	    -1, SP__G_Z_US_DO, SP__G_Z_US_IMG, SP__G_Z_NON_US_IMG,
	    SP__G_Z_OTHER};
	return ids[type] < 0 ? 0.0 : m->g[ids[type]];
}

/* The strength without its noise: beta_s (step2 - 250) / 15 +
 * beta_r log1p(research) + beta_type. */
static double strength_mean(const sp_model *m, int type, double step2,
                            int research)
{
	return m->g[SP__G_Z_STEP2] * (step2 - 250.0) / 15.0 +
	       m->g[SP__G_Z_RESEARCH] * log1p(research) +
	       type_strength(m, type);
}

static double signal_bonus(const sp_model *m, int32_t f, int tier)
{
	if (tier == 2)
		return m->fp[SP__F_SIG_GOLD * m->nf + f];
	if (tier == 1)
		return m->fp[SP__F_SIG_SILVER * m->nf + f];
	return 0;
}

double sp__model_rank_shift(const sp_model *m, int32_t j, int type, int tier)
{
	int32_t f = m->pfam[j];
	double drop = 0;
	if (tier == 1 || tier == 2)
		drop = (1 - m->g[SP__G_R_SIGNAL]) *
		       (signal_bonus(m, f, tier) +
		        m->poff[(size_t)j * SP__NPOFF + SP__POFF_TIER(tier)]);
	bool img = type == SP_APPL_US_IMG || type == SP_APPL_NON_US_IMG;
	return -drop + (img ? m->fp[(size_t)SP__F_RANK_IMG * m->nf + f] : 0.0);
}

/* The interview bonus of an in-state applicant at family f's programs:
 * the global interview_state plus the family's own offset. */
static double state_bonus(const sp_model *m, int32_t f)
{
	return m->g[SP__G_I_STATE] + m->fp[SP__F_I_STATE_F * m->nf + f];
}

/* AOA (docs/model.md): Alpha Omega Alpha is taken to elect one sixth of
 * a US MD class (the commonly stated cap; not a cited figure), mostly on
 * clerkship grades, which the model's unexplained strength X (standard normal)
 * stands for.  Membership is taken as Y = AOA_RHO X + sqrt(1 - AOA_RHO^2) W >
 * t, W standard normal and t = Phi^-1(1 - AOA_SHARE): a member's X has mean
 * AOA_RHO lambda and variance 1 - AOA_RHO^2 lambda (lambda - t), lambda =
 * phi(t) / (1 - Phi(t)) (the moments of a truncated normal), a non-member's the
 * same with Y <= t; both taken as normal.  Member: +0.90 SD, SD 0.84;
 * not: -0.18, 0.93.  Both constants are assumptions. */
#define AOA_SHARE (1.0 / 6)
#define AOA_RHO   0.6

void sp_model_strength_given(const sp_model *m, const sp_profile *p,
                             double *shift, double *scale)
{
	(void)m;
	*shift = 0;
	*scale = 1;
	if (p->aoa == 0)
		return;
	double t = 0.9674215661017010; /* Phi^-1(5/6) */
	double ph = exp(-0.5 * t * t) / sqrt(2 * M_PI);
	double mean, var; /* of Y given the answer */
	if (p->aoa > 0) {
		double lam = ph / AOA_SHARE;
		mean = lam;
		var = 1 - lam * (lam - t);
	} else {
		double mu = ph / (1 - AOA_SHARE);
		mean = -mu;
		var = 1 - t * mu - mu * mu;
	}
	*shift = AOA_RHO * mean;
	*scale = sqrt(AOA_RHO * AOA_RHO * var + 1 - AOA_RHO * AOA_RHO);
}

double sp_model_strength_sd(const sp_model *m)
{
	return fabs(m->g[SP__G_Z_NOISE]); /* fitted: its sign is free */
}

int sp_model_interview_score(const sp_model *m, int32_t j, const sp_profile *p,
                             double eps, int tier, double *mean, double *sd)
{
	*mean = -INFINITY;
	*sd = m->g[SP__G_I_NOISE];
	if (j < 0 || j >= m->np || (unsigned)p->type >= SP_APPL_NTYPES)
		return 0;
	const sp_program_info *pr = &m->progs[j];
	if (p->needs_visa && !pr->sponsors_visa)
		return 0;
	double shift, scale;
	sp_model_strength_given(m, p, &shift, &scale);
	double z = strength_mean(m, p->type, p->step2, p->research) +
	           shift * sp_model_strength_sd(m) + eps * m->g[SP__G_Z_NOISE];
	int32_t f = m->spec_fam[m->prog_spec[j]];
	const float *off = m->poff + (size_t)j * SP__NPOFF;
	z += signal_bonus(m, f, tier) + off[p->type];
	if (tier == 1 || tier == 2)
		z += off[SP__POFF_TIER(tier)];
	if (p->state[0] && !strcmp(p->state, pr->state))
		z += state_bonus(m, f) + off[SP__POFF_INSTATE];
	for (int32_t k = 0; p->state[0] && k < m->nstates; k++)
		if (!strcmp(m->state_code[k], p->state) &&
		    m->state_region[k] == pr->region)
			z += m->g[SP__G_I_REGION];
	*mean = z;
	return 1;
}

/* ------------------------------------------------------------------ */
/* One trial. */

void sp__trial_init(sp__trial *t)
{
	memset(t, 0, sizeof *t);
}

void sp__trial_free(sp__trial *t)
{
	SP_VEC_FREE(t->ap);
	SP_VEC_FREE(t->apps);
	SP_VEC_FREE(t->ks);
	SP_VEC_FREE(t->kx);
	SP_VEC_FREE(t->pk);
	SP_VEC_FREE(t->iv);
	SP_VEC_FREE(t->sel);
	SP_VEC_FREE(t->pairs);
	SP_VEC_FREE(t->acc);
	SP_VEC_FREE(t->accl);
	SP_VEC_FREE(t->pidx);
	void *ptrs[] = {t->p_off, t->p_n,     t->p_acc,       t->slots,
	                t->mark,  t->cutoff,  t->constrained, t->filled,
	                t->mcut,  t->inst_id, t->inst_prog};
	for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++)
		sp_free(ptrs[i]);
	sp_inst_free(t->in);
	sp_matching_free(t->mt);
	memset(t, 0, sizeof *t);
}

static int slots_of(const sp_model *m, int32_t j)
{
	const sp_program_info *p = &m->progs[j];
	if (p->interview_slots != SP_SLOTS_FROM_MODEL)
		return p->interview_slots < 0 ? 0 : p->interview_slots;
	return (int)lround(p->positions * m->g[SP__G_SLOTS_PER_POS]);
}

/* A type's strengths at K fixed stratified points (Step 2, research and
 * the unexplained part at staggered quantiles): what the family weights
 * need of the type's distribution, without a draw from the trial's
 * streams. */
enum { TYPE_K = 512, IMG_PREF_PASSES = 40 };

/* Each type's Step 2 offset (none for US MD, the table's own) and
 * research mean, by parameter slot. */
static const int type_s2_off[SP_APPL_NTYPES] = {
    -1, SP__G_S2_OFF_US_DO, SP__G_S2_OFF_US_IMG, SP__G_S2_OFF_NON_US_IMG,
    SP__G_S2_OFF_OTHER};
static const int type_res[SP_APPL_NTYPES] = {
    SP__G_RES_US_MD, SP__G_RES_US_DO, SP__G_RES_US_IMG, SP__G_RES_NON_US_IMG,
    SP__G_RES_OTHER};

static void type_strengths(const sp_model *m, int type, double *z)
{
	const int *offs = type_s2_off, *res = type_res;
	double mean = SP_MAX(0.0, m->g[res[type]]);
	double rden = log1p(-1.0 / (1.0 + mean) + 1e-12);
	double off = offs[type] >= 0 ? m->g[offs[type]] : 0;
	for (int k = 0; k < TYPE_K; k++) {
		double u1 = (k + 0.5) / TYPE_K;
		double u2 = fmod((k + 0.5) * 0.6180339887498949, 1.0);
		double u3 = fmod((k + 0.5) * 0.7548776662466927, 1.0);
		double s2 = SP_MIN(300.0, SP_MAX(214.0, step2_at(m, u1) + off));
		int r = (int)SP_MIN(200.0, floor(log1p(-u2) / rden));
		double e = m->nq[(int)(u3 * SP__NQ)];
		z[k] = strength_mean(m, type, s2, r) + m->g[SP__G_Z_NOISE] * e;
		if (!isfinite(z[k]))
			z[k] = 0;
	}
}

/* The non-US IMGs' preferred-family weights: log(count) + b_F, with the
 * offsets b_F set so that, over the type's strength distribution (z,
 * TYPE_K points), the self-selected choice (the tilt of draw_family)
 * still lands in each family with the cited share: iterative
 * proportional fitting, each pass moving b_F by the log of target over
 * current share.  Families without a count get none of the type. */
static void img_pref_weights(sp__trial *t, const sp_model *m, const double *z)
{
	double tot = 0;
	for (int32_t f = 0; f < m->nf; f++)
		tot += m->fam[f].img_n;
	double gz[TYPE_K];
	for (int k = 0; k < TYPE_K; k++)
		gz[k] =
		    m->g[SP__G_GAMMA] * (z[k] - t->fw_zbar[SP_APPL_NON_US_IMG]);
	double *lw = t->fw_img;
	for (int32_t f = 0; f < m->nf; f++)
		lw[f] = m->fam[f].img_n > 0 ? log(m->fam[f].img_n / tot)
		                            : -INFINITY;
	double share[512], e[512];
	for (int pass = 0; pass < IMG_PREF_PASSES; pass++) {
		memset(share, 0, (size_t)m->nf * sizeof *share);
		for (int k = 0; k < TYPE_K; k++) {
			double mx = -INFINITY, sum = 0;
			for (int32_t f = 0; f < m->nf; f++)
				mx = SP_MAX(mx, lw[f] + gz[k] * t->fw_c[f]);
			for (int32_t f = 0; f < m->nf; f++) {
				e[f] =
				    lw[f] > -INFINITY
				        ? exp(lw[f] + gz[k] * t->fw_c[f] - mx)
				        : 0;
				sum += e[f];
			}
			for (int32_t f = 0; f < m->nf; f++)
				share[f] += e[f] / sum;
		}
		double worst = 0;
		for (int32_t f = 0; f < m->nf; f++) {
			if (lw[f] == -INFINITY || share[f] <= 0)
				continue;
			double d =
			    log(m->fam[f].img_n / tot * TYPE_K / share[f]);
			lw[f] += d;
			worst = SP_MAX(worst, fabs(d));
		}
		if (worst < 1e-4)
			break;
	}
}

/* The worker's per-program arrays (once), and the values this trial
 * derives from the parameters (every trial: calibration changes them
 * between simulations). */
static sp_status trial_alloc(sp__trial *t, const sp_model *m)
{
	size_t np = (size_t)m->np + 1;
	if (!t->p_off) {
		t->p_off = sp_calloc(np + 1, sizeof *t->p_off);
		t->p_n = sp_calloc(np, sizeof *t->p_n);
		t->p_acc = sp_calloc(np, sizeof *t->p_acc);
		t->slots = sp_calloc(np, sizeof *t->slots);
		t->mark = sp_calloc(np, sizeof *t->mark);
		t->cutoff = sp_calloc(np, sizeof *t->cutoff);
		t->constrained = sp_calloc(np, 1);
		t->filled = sp_calloc(np, sizeof *t->filled);
		t->mcut = sp_calloc(np, sizeof *t->mcut);
		t->inst_id = sp_calloc(np, sizeof *t->inst_id);
		t->inst_prog = sp_calloc(np, sizeof *t->inst_prog);
		if (!t->p_off || !t->p_n || !t->p_acc || !t->slots ||
		    !t->mark || !t->cutoff || !t->constrained || !t->filled ||
		    !t->mcut || !t->inst_id || !t->inst_prog) {
			sp__trial_free(t);
			return SP_ENOMEM;
		}
	}
	for (int32_t j = 0; j < m->np; j++)
		t->slots[j] = slots_of(m, j);
	for (int32_t f = 0; f < m->nf; f++) {
		for (int tier = 0; tier < 3; tier++)
			t->sigb[f * 3 + tier] = signal_bonus(m, f, tier);
		t->istate[f] = state_bonus(m, f);
	}
	for (int32_t f = 0; f < m->nf; f++) {
		const sp__family *x = &m->fam[f];
		double d = m->fp[SP__F_DEMAND * m->nf + f];
		for (int type = 0; type < SP_APPL_NTYPES; type++) {
			double b = x->positions * x->aff[type];
			t->fw_lbase[type][f] =
			    x->positions > 0 && b > 0 && isfinite(d)
			        ? log(b) + d
			        : -INFINITY;
		}
		t->fw_c[f] = isfinite(x->c) ? x->c : 0;
		t->fw_adv[f] = x->adv_only;
	}
	/* Self-selection tilts each type around its own mean strength: where
	 * a type goes is its affinity's (the cited fill shares), who within
	 * it goes where is the tilt's. */
	double z[TYPE_K];
	for (int type = 0; type < SP_APPL_NTYPES; type++) {
		type_strengths(m, type, z);
		double sum = 0;
		for (int k = 0; k < TYPE_K; k++)
			sum += z[k];
		t->fw_zbar[type] = sum / TYPE_K;
		if (type == SP_APPL_NON_US_IMG && m->img_pref)
			img_pref_weights(t, m, z);
	}
	return SP_OK;
}

static int draw_home(const sp_model *m, sp_rng *r)
{
	if (m->nstates == 0)
		return -1;
	double u = sp__rng_uniform(r) * m->state_cum[m->nstates - 1];
	int32_t lo = 0, hi = m->nstates - 1;
	while (lo < hi) {
		int32_t mid = (lo + hi) / 2;
		if (m->state_cum[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Preferred family: P(F | type, z) ∝ positions_F · exp(demand_F) ·
 * aff_{type,F} · exp(gamma · (z - zbar_type) · c_F).  `sign` -1
 * tilts toward less competitive families (backups); `skip` is
 * excluded; advanced-only families are excluded when !allow_adv.
 *
 * Drawn by the Gumbel-max rule: every family draws G_F ~ Gumbel (all of
 * them, always, in order) and the largest log w_F + G_F wins, which it
 * does with probability w_F / Σ w; the log weights need no exp.  Unlike
 * the inverse CDF, where raising one family's weight moves the
 * boundaries of all that follow it (a fifth of the applicants changed
 * family when one small family's demand rose), a change of w_F only
 * moves applicants into or out of F: what calibration's differences
 * need.  z enters relative to its type's mean (the tilt sorts within a
 * type); a non-US IMG's preferred family weighs the cited counts
 * (img_pref_weights) instead. */
static int16_t draw_family(const sp__trial *t, const sp_model *m, sp_rng *r,
                           int type, double z, double sign, int skip,
                           bool allow_adv)
{
	double gz = m->g[SP__G_GAMMA] * sign * (z - t->fw_zbar[type]);
	if (!isfinite(gz))
		gz = 0;
	const double *lb = t->fw_lbase[type];
	if (type == SP_APPL_NON_US_IMG && m->img_pref && skip < 0)
		lb = t->fw_img;
	int16_t best = -1;
	double bv = -INFINITY;
	for (int32_t f = 0; f < m->nf; f++) {
		double v = lb[f] + gz * t->fw_c[f] + gumbel(m, r);
		bool ok = f != skip && (allow_adv || !t->fw_adv[f]) &&
		          lb[f] > -INFINITY;
		if (ok && v > bv) {
			bv = v;
			best = (int16_t)f;
		}
	}
	return best;
}

static double backup_prob(const sp_model *m, int type, const sp__family *x)
{
	double base = type <= SP_APPL_US_DO ? m->g[SP__G_BACKUP_US]
	                                    : m->g[SP__G_BACKUP_IMG];
	double p = base + m->g[SP__G_BACKUP_SLOPE] * SP_MAX(0.0, x->c);
	return SP_MAX(0.0, SP_MIN(p, 0.9));
}

/* Stage 1: the population. */
static sp_status draw_population(sp__trial *t, const sp_model *m)
{
	static const int nids[SP_APPL_NTYPES] = {
	    SP__G_N_US_MD, SP__G_N_US_DO, SP__G_N_US_IMG, SP__G_N_NON_US_IMG,
	    SP__G_N_OTHER};
	const int *offs = type_s2_off, *res = type_res;
	t->ap.n = 0;
	int32_t id = 0; /* national index */
	for (int type = 0; type < SP_APPL_NTYPES; type++) {
		long n = lround(SP_MAX(0.0, m->g[nids[type]]));
		if (n > 1000000)
			return SP_ELIMIT;
		if (!SP_VEC_RESERVE(t->ap, (size_t)n))
			return SP_ENOMEM;
		/* Research items: geometric with the type's mean. */
		double mean = SP_MAX(0.0, m->g[res[type]]);
		double pr = 1.0 / (1.0 + mean);
		double rden = log1p(-pr + 1e-12);
		for (long i = 0; i < n; i++, id++) {
			sp__appl a;
			memset(&a, 0, sizeof a);
			a.type = (uint8_t)type;
			a.id = id;
			sp_rng ra;
			sp_rng *r = &ra;
			sp__substream(r, t->key, SP__SUB_POP, (uint64_t)id);
			double s2 = draw_step2(m, r);
			if (offs[type] >= 0)
				s2 += m->g[offs[type]];
			a.step2 = (float)SP_MIN(300.0, SP_MAX(214.0, s2));
			double u = sp__rng_uniform(r);
			a.research =
			    (int16_t)SP_MIN(200.0, floor(log1p(-u) / rden));
			a.state = type == SP_APPL_NON_US_IMG
			              ? -1
			              : (int16_t)draw_home(m, r);
			a.region = a.state >= 0 ? m->state_region[a.state] : 0;
			a.visa = type == SP_APPL_NON_US_IMG &&
			         sp__rng_uniform(r) < m->g[SP__G_VISA_SHARE];
			a.z = (float)(strength_mean(m, type, a.step2,
			                            a.research) +
			              m->g[SP__G_Z_NOISE] * normal(m, r));
			a.fam = draw_family(t, m, r, type, a.z, 1.0, -1, true);
			a.backup = -1;
			if (a.fam >= 0 &&
			    sp__rng_uniform(r) <
			        backup_prob(m, type, &m->fam[a.fam]))
				a.backup = draw_family(t, m, r, type, a.z, -1.0,
				                       a.fam, false);
			a.partner = -1;
			a.matched = a.supp = SP_NONE;
			if (a.fam < 0)
				continue;
			bool keep =
			    m->fam[a.fam].selected ||
			    (a.backup >= 0 && m->fam[a.backup].selected);
			if (!keep)
				continue;
			a.outside = 0;
			if (!m->fam[a.fam].selected) {
				/* Seen through the window: only its backup
				 * applications. */
				a.fam = a.backup;
				a.backup = -1;
				a.outside = 1;
			}
			a.adv = m->fam[a.fam].advanced;
			t->ap.v[t->ap.n++] = a;
		}
	}
	return SP_OK;
}

/* Stage 2: couples, scaled by the share of applicants kept. */
static void draw_couples(sp__trial *t, const sp_model *m, sp_rng *r)
{
	double national = 0;
	for (int k = SP__G_N_US_MD; k <= SP__G_N_OTHER; k++)
		national += m->g[k];
	size_t n = t->ap.n;
	long want = national > 0
	                ? lround(m->g[SP__G_COUPLES] * (double)n / national)
	                : 0;
	t->ncouples = 0;
	size_t nc = 0;
	t->iv.n = 0;
	if (!SP_VEC_RESERVE(t->iv, n + 1))
		return;
	int32_t *cand = t->iv.v;
	for (size_t i = 0; i < n; i++) {
		const sp__appl *a = &t->ap.v[i];
		if (a->type <= SP_APPL_US_DO && !a->adv &&
		    (a->backup < 0 || !m->fam[a->backup].advanced))
			cand[nc++] = (int32_t)i;
	}
	/* A partial Fisher–Yates shuffle picks 2·want members. */
	size_t k = 0;
	for (; k + 1 < nc && (long)(k / 2) < want; k += 2) {
		for (size_t h = k; h < k + 2; h++) {
			size_t j = h + sp__rng_below(r, nc - h);
			int32_t x = cand[h];
			cand[h] = cand[j];
			cand[j] = x;
		}
		sp__appl *a = &t->ap.v[cand[k]], *b = &t->ap.v[cand[k + 1]];
		a->partner = cand[k + 1];
		b->partner = cand[k];
		/* Couples share a home. */
		b->state = a->state;
		b->region = a->region;
		t->ncouples++;
	}
}

static void family_stats(sp__trial *t, const sp_model *m)
{
	double n[512] = {0}, s1[512] = {0}, s2[512] = {0};
	for (size_t i = 0; i < t->ap.n; i++) {
		const sp__appl *a = &t->ap.v[i];
		if (a->outside) /* not one of the family's own applicants */
			continue;
		n[a->fam]++;
		s1[a->fam] += a->z;
		s2[a->fam] += (double)a->z * a->z;
	}
	for (int32_t f = 0; f < m->nf; f++) {
		double mu = n[f] > 0 ? s1[f] / n[f] : 0;
		double var = n[f] > 1 ? s2[f] / n[f] - mu * mu : 1;
		t->fam_mu[f] = mu;
		t->fam_sd[f] = var > 1e-6 ? sqrt(var) : 1;
	}
}

static uint32_t next_stamp(sp__trial *t, const sp_model *m)
{
	if (++t->stamp == 0) {
		memset(t->mark, 0, ((size_t)m->np + 1) * sizeof *t->mark);
		t->stamp = 1;
	}
	return t->stamp;
}

/* Applicant a's taste for program j, given a standard normal e; and
 * program j's interview score of a before any signal's bonus, given
 * another.  Products, not branches (the compiler makes branches of
 * `c ? x : 0.0`): whether a program is in the applicant's state or
 * division is a coin the processor would often guess wrong. */
static inline double taste(const sp_model *m, const sp__appl *a, int32_t j,
                           double e)
{
	bool reg = a->region && a->region == m->preg[j];
	bool st = a->state >= 0 && a->state == m->prog_state[j];
	return m->psel[j] + m->g[SP__G_U_NOISE] * e +
	       (double)reg * m->g[SP__G_U_REGION] +
	       (double)st * m->g[SP__G_U_STATE];
}

static inline double interview_score(const sp_model *m, const double *istate,
                                     const sp__appl *a, int32_t j, double e)
{
	bool reg = a->region && a->region == m->preg[j];
	bool st = a->state >= 0 && a->state == m->prog_state[j];
	const float *off = m->poff + (size_t)j * SP__NPOFF;
	return a->z + m->g[SP__G_I_NOISE] * e + off[a->type] +
	       (double)st * (istate[m->pfam[j]] + off[SP__POFF_INSTATE]) +
	       (double)reg * m->g[SP__G_I_REGION];
}

static inline sp__app new_app(int32_t j, int32_t ai, float u, int kind)
{
	sp__app x;
	memset(&x, 0, sizeof x);
	x.prog = j;
	x.appl = ai;
	x.u = u;
	x.kind = (uint8_t)kind;
	return x;
}

/* Applicant a's application to program j, from two standard normals:
 * its taste (less `penalty`) and its interview score (the signal's
 * bonus is added when signals are drawn). */
static inline sp__app draw_app(const sp_model *m, const double *istate,
                               const sp__appl *a, int32_t ai, int32_t j,
                               int kind, float penalty, double eu, double es)
{
	sp__app x = new_app(j, ai, (float)taste(m, a, j, eu) - penalty, kind);
	x.score = (float)interview_score(m, istate, a, j, es);
	return x;
}

/* Draws up to `want` programs of specialty row sx for applicant a
 * (marked in t->mark with the applicant's stamp), appends the
 * applications with their tastes and interview scores, and counts them
 * in t->p_n. */
static sp_status apply_row(sp__trial *t, const sp_model *m, sp_rng *r,
                           int32_t ai, int32_t sx, long want, double q,
                           int kind, uint32_t stamp)
{
	const sp__appl *a = &t->ap.v[ai];
	int32_t off = m->sp_off[sx], n = m->sp_off[sx + 1] - off;
	if (n <= 0 || want <= 0)
		return SP_OK;
	bool all = want >= n; /* apply everywhere it may */
	if (!SP_VEC_RESERVE(t->apps, all ? (size_t)n : (size_t)want + 1))
		return SP_ENOMEM;
	sp__app *out = t->apps.v + t->apps.n;
	const int32_t *prog = m->sp_prog + off;
	uint32_t *mark = t->mark;
	int32_t *p_n = t->p_n;
	const double *istate = t->istate;
	const uint8_t *pvisa = m->pvisa;
	bool visa = a->visa;
	float penalty =
	    kind == SP__KIND_BACKUP ? (float)m->g[SP__G_U_BACKUP] : 0.0f;
	long got = 0;
	sp_rng rl = *r;
	if (all) {
		for (int32_t k = 0; k < n; k++) {
			int32_t j = prog[k];
			double eu = normal(m, &rl), es = normal(m, &rl);
			bool ok = !visa || pvisa[j];
			mark[j] = stamp;
			out[got] = draw_app(m, istate, a, ai, j, kind, penalty,
			                    eu, es);
			p_n[j] += ok;
			got += ok;
		}
		t->apps.n += (size_t)got;
		*r = rl;
		return SP_OK;
	}
	const int32_t *home_prog = m->sr_prog;
	int32_t rn = 0;
	if (a->region) {
		int32_t roff = m->sr_off[sx * 10 + a->region];
		rn = m->sr_off[sx * 10 + a->region + 1] - roff;
		home_prog += roff;
	}
	double spread = m->g[SP__G_APPLY_SPREAD];
	double home = m->g[SP__G_APPLY_HOME];
	double center = q - m->g[SP__G_APPLY_REACH];
	if (rn <= 0)
		home = 0;
	/* Every candidate draws four numbers whatever becomes of it: a home
	 * coin and a home program (one 64-bit number), a position in the
	 * row, its taste and its score.  Whether it is taken (not a
	 * duplicate, not barred by the visa) is decided without a branch:
	 * the next candidate's draws never wait on this one's fate, and no
	 * misguessed duplicate throws away the work begun after it. */
	long tries = 0, max_tries = 4 * want + 16;
	while (got < want && tries++ < max_tries) {
		/* One draw gives the coin (high 32 bits) and the home
		 * program (low 32 bits, by multiply-shift). */
		uint64_t h = sp__rng_next(&rl);
		bool at_home = (double)(h >> 32) * 0x1.0p-32 < home;
		int32_t jh =
		    home_prog[((h & 0xffffffffu) * (uint64_t)rn) >> 32];
		double x = center + spread * normal(m, &rl);
		/* Reflected at the row's ends (not clamped: a pile of
		 * draws on the last program would only be redrawn). */
		x = x < 0 ? -x : x;
		double y = 2 - x; /* a min, not a branch */
		x = y < x ? y : x;
		long k = (long)(x * n);
		k = k < 0 ? 0 : k >= n ? n - 1 : k;
		int32_t jn = prog[k];
		int32_t j = jn ^ ((jn ^ jh) & -(int32_t)at_home);
		double eu = normal(m, &rl), es = normal(m, &rl);
		bool ok = (mark[j] != stamp) & (!visa | (pvisa[j] != 0));
		mark[j] = stamp; /* a barred program stays barred */
		/* The list grows into memory not yet in cache: ask for the
		 * line a few applications ahead before writing it. */
		__builtin_prefetch(out + got + 12, 1, 3);
		out[got] = draw_app(m, istate, a, ai, j, kind, penalty, eu, es);
		p_n[j] += ok;
		got += ok;
	}
	t->apps.n += (size_t)got;
	*r = rl;
	return SP_OK;
}

/* Signals: gold to the top `gold` of the signal key among the
 * family's applications [from, to) to programs that take signals (the
 * applicant's start at off), silver to the next; the signal's bonus
 * added to the program's score.  The key is the taste less
 * signal_reach times the program's selectivity above the applicant's
 * standing zs.
 *
 * The best gold + silver = cap keys are found in one pass: a key above
 * the threshold (the cap-th best seen so far) is appended without a
 * branch, and when 4 cap have gathered the best cap are kept by a
 * selection and the threshold rises.  Keys are distinct: the set a sort
 * would give. */
static void draw_signals(sp__trial *t, const sp_model *m, const sp__family *x,
                         const double *bonus, double zs, int32_t off,
                         int32_t from, int32_t to)
{
	double kappa = m->g[SP__G_SIG_REACH];
	sp__app *apps = t->apps.v;
	uint64_t buf[4 * SP__MAX_SIGNALS];
	uint64_t thr = 0; /* below every key */
	size_t n = 0, cap = (size_t)(x->gold + x->silver);
	for (int32_t k = from; k < to; k++) {
		int32_t j = apps[k].prog;
		/* max(0, d) as 0.5 (d + |d|), exact and without a branch */
		double d = m->pseld[j] - zs;
		double key = apps[k].u - kappa * 0.5 * (d + fabs(d));
		/* The applicant's own index: the order a sort by key
		 * breaks ties in. */
		uint64_t v = sp__key((float)key, k - off);
		buf[n] = v;
		n += (v > thr) & (m->psig[j] != 0);
		if (n == 4 * cap) {
			sp__key_select(buf, n, cap);
			n = cap;
			thr = buf[0];
			for (size_t i = 1; i < cap; i++)
				thr = SP_MIN(thr, buf[i]);
		}
	}
	size_t top = SP_MIN(n, cap), gold = SP_MIN(top, (size_t)x->gold);
	sp__key_select(buf, n, top);
	sp__key_select(buf, top, gold);
	for (size_t k = 0; k < top; k++) {
		sp__app *p = &apps[off + sp__key_id(buf[k])];
		p->tier = k < gold ? 2 : 1;
		p->score = (float)(p->score + bonus[p->tier] +
		                   m->poff[(size_t)p->prog * SP__NPOFF +
		                           SP__POFF_TIER(p->tier)]);
	}
}

/* Applications of one family split over its rows by positions. */
static sp_status apply_family(sp__trial *t, const sp_model *m, sp_rng *r,
                              int32_t ai, int32_t f, long want, int kind,
                              uint32_t stamp)
{
	const sp__family *x = &m->fam[f];
	const sp__appl *a = &t->ap.v[ai];
	double zs = (a->z - t->fam_mu[f]) / t->fam_sd[f];
	double q = 1.0 - sp__market_phi(zs);
	int32_t from = (int32_t)t->apps.n;
	long left = want;
	int pos_left = x->positions;
	for (int k = 0; k < x->nspecs && left > 0; k++) {
		int32_t sx = x->specs[k];
		int p = m->specs[sx].positions;
		long n = pos_left > 0 ? lround((double)left * p / pos_left) : 0;
		pos_left -= p;
		left -= n;
		sp_status s = apply_row(t, m, r, ai, sx, n, q, kind, stamp);
		if (s)
			return s;
	}
	if (kind != SP__KIND_PRELIM && x->gold + x->silver > 0)
		draw_signals(t, m, x, t->sigb + (size_t)f * 3, zs, a->app_off,
		             from, (int32_t)t->apps.n);
	return SP_OK;
}

/* Weaker applicants apply more broadly: the applications to the
 * preferred family are scaled by exp(-alpha zs - alpha^2 / 2), zs the
 * applicant's standardized strength among the family's applicants and
 * alpha = apps_adapt (fitted), which keeps the family's mean (zs is about
 * N(0, 1)).  Only the preferred family's share moves, so an applicant
 * seen through its backup in a specialty subset sends what it sends in
 * the national market.  No random number is drawn. */
static long adapt_apps(const sp__trial *t, const sp_model *m, const sp__appl *a,
                       long n)
{
	/* Never negative: weaker applicants do not apply more narrowly
	 * (AAMC: applications rise as scores fall); a fit that asks for
	 * it is off its model, and below 0 the fit sees a flat objective. */
	double alpha = m->g[SP__G_APPS_ADAPT];
	if (alpha <= 0 || n <= 0)
		return n;
	double zs = (a->z - t->fam_mu[a->fam]) / t->fam_sd[a->fam];
	long k = lround((double)n * exp(-alpha * zs - 0.5 * alpha * alpha));
	return SP_MAX(1, SP_MIN(k, 400));
}

/* Stages 3 to 5a, one applicant at a time while its applications are
 * in cache: applications, signals, and the programs' interview
 * scores. */
static sp_status draw_applications(sp__trial *t, const sp_model *m)
{
	memset(t->p_n, 0, ((size_t)m->np + 1) * sizeof *t->p_n);
	static const int apid[SP_APPL_NTYPES] = {
	    SP__G_APPS_US_MD, SP__G_APPS_US_DO, SP__G_APPS_US_IMG,
	    SP__G_APPS_NON_US_IMG, SP__G_APPS_OTHER};
	t->apps.n = 0;
	double sdl = m->g[SP__G_APPS_SDLOG];
	for (size_t i = 0; i < t->ap.n; i++) {
		sp__appl *a = &t->ap.v[i];
		sp_rng ra;
		sp_rng *r = &ra;
		sp__substream(r, t->key, SP__SUB_APPS, (uint64_t)a->id);
		uint32_t stamp = next_stamp(t, m);
		double mean = m->g[apid[a->type]];
		long n =
		    lround(mean * exp(sdl * normal(m, r) - 0.5 * sdl * sdl));
		/* application_cap: a policy's cap (studies); 400 is no
		 * cap the draws reach. */
		n = SP_MIN(SP_MAX(3, SP_MIN(n, 400)),
		           SP_MAX(1, lround(m->g[SP__G_APP_CAP])));
		/* The backup's share is set aside even when the backup is
		 * outside a specialty subset, so the preferred family sees
		 * the same applications as in the national market. */
		long nb =
		    a->backup >= 0 ? lround(n * m->g[SP__G_BACKUP_SHARE]) : 0;
		long npref = a->outside ? 0 : adapt_apps(t, m, a, n - nb);
		a->app_off = (int32_t)t->apps.n;
		sp_status s =
		    a->outside
		        ? apply_family(t, m, r, (int32_t)i, a->fam,
		                       lround(n * m->g[SP__G_BACKUP_SHARE]),
		                       SP__KIND_BACKUP, stamp)
		        : apply_family(t, m, r, (int32_t)i, a->fam, npref,
		                       SP__KIND_PREFERRED, stamp);
		if (!s && nb > 0 && m->fam[a->backup].selected)
			s = apply_family(t, m, r, (int32_t)i, a->backup, nb,
			                 SP__KIND_BACKUP, stamp);
		/* Advanced applicants also apply to PGY-1-only programs. */
		for (int32_t f = 0; !s && a->adv && f < m->nf; f++) {
			const sp__family *x = &m->fam[f];
			if (!x->prelim || !x->selected)
				continue;
			long share = lround(m->g[SP__G_PRELIM_APPS] *
			                    x->positions / 4654.0);
			s = apply_family(t, m, r, (int32_t)i, f, share,
			                 SP__KIND_PRELIM, stamp);
		}
		if (s)
			return s;
		a->app_n = (int32_t)t->apps.n - a->app_off;
	}
	return SP_OK;
}

/* The probes' interview scores: applications [from, to), in order (the
 * draw order is fixed), and the number each program considers (the
 * population's were drawn and counted with its applications). */
static void scores(sp__trial *t, const sp_model *m, sp_rng *r, size_t from,
                   size_t to)
{
	sp_rng rl = *r;
	for (size_t k = from; k < to; k++) {
		sp__app *p = &t->apps.v[k];
		const sp__appl *a = &t->ap.v[p->appl];
		int32_t j = p->prog;
		double tier_off = p->tier ? m->poff[(size_t)j * SP__NPOFF +
		                                    SP__POFF_TIER(p->tier)]
		                          : 0.0;
		p->score =
		    (float)(interview_score(m, t->istate, a, j,
		                            normal(m, &rl)) +
		            t->sigb[m->pfam[j] * 3 + p->tier] + tier_off);
		p->status = SP__APP_APPLIED;
		p->offered = 0;
		t->p_n[j] += p->kind != SP__KIND_BARRED;
	}
	*r = rl;
}

/* Stage 5: interview offers and acceptance.  The probes' scores are
 * drawn here from rp (the population's were drawn with its applications,
 * from each applicant's own stream). */
static sp_status interviews(sp__trial *t, const sp_model *m, sp_rng *rp)
{
	int32_t np = m->np;
	size_t na = t->apps.n;
	sp__app *apps = t->apps.v;
	scores(t, m, rp, t->napop, na);
	/* Applications by program; each program's best `slots` are moved
	 * to the front of its range (selection, not a sort: the order
	 * among the invited does not matter), the next `slots` after them:
	 * the declined slots (at most `slots`) are offered again there. */
	t->p_off[0] = 0;
	for (int32_t j = 0; j < np; j++)
		t->p_off[j + 1] = t->p_off[j] + t->p_n[j];
	t->pk.n = 0;
	if (!SP_VEC_RESERVE(t->pk, na + 1) ||
	    !SP_VEC_RESERVE(t->acc, t->ap.n) ||
	    !SP_VEC_RESERVE(t->accl, na + 1))
		return SP_ENOMEM;
	uint64_t *pk = t->pk.v;
	/* Each applicant's offers are listed where its accepted interviews
	 * will be (accl from app_off), acc[i] counting them. */
	int32_t *acc = t->acc.v, *p_acc = t->p_acc, *accl = t->accl.v;
	memset(acc, 0, t->ap.n * sizeof *acc);
	memset(t->p_n, 0, ((size_t)np + 1) * sizeof *t->p_n);
	for (size_t k = 0; k < na; k++) {
		int32_t j = apps[k].prog;
		if (apps[k].kind != SP__KIND_BARRED)
			pk[t->p_off[j] + t->p_n[j]++] =
			    sp__key(apps[k].score, (int32_t)k);
	}
	for (int32_t j = 0; j < np; j++) {
		uint64_t *kk = pk + t->p_off[j];
		int32_t n = t->p_n[j];
		int slots = t->slots[j];
		t->constrained[j] = n > slots;
		t->cutoff[j] = -INFINITY;
		if (n > slots) {
			size_t pre = SP_MIN((size_t)n, 2 * (size_t)slots);
			sp__key_select(kk, (size_t)n, pre);
			sp__key_select(kk, pre, (size_t)slots);
			uint64_t lo = kk[0];
			for (int i = 1; i < slots; i++)
				lo = SP_MIN(lo, kk[i]);
			t->cutoff[j] = sp__key_val(lo);
		}
		for (int32_t i = 0; i < n && i < slots; i++) {
			int32_t id = sp__key_id(kk[i]);
			sp__app *p = &apps[id];
			p->status = SP__APP_OFFERED;
			p->offered = 1;
			accl[t->ap.v[p->appl].app_off + acc[p->appl]++] = id;
		}
	}
	/* Applicants accept up to the cap by their own utility: when
	 * offered more, the best `cap` (a selection again). */
	int cap = (int)SP_MAX(1.0, m->g[SP__G_I_CAP]);
	uint32_t *taken = t->mark; /* reused: declined slots */
	memset(taken, 0, ((size_t)np + 1) * sizeof *taken);
	memset(p_acc, 0, ((size_t)np + 1) * sizeof *p_acc);
	for (size_t i = 0; i < t->ap.n; i++) {
		const sp__appl *a = &t->ap.v[i];
		size_t n = (size_t)acc[i];
		if (!SP_VEC_RESERVE(t->kx, n))
			return SP_ENOMEM;
		uint64_t *kx = t->kx.v;
		const int32_t *l = accl + a->app_off;
		for (size_t k = 0; k < n; k++)
			kx[k] = sp__key(apps[l[k]].u, l[k]);
		size_t keep = SP_MIN(n, (size_t)cap);
		if (n > keep) {
			sp__key_select(kx, n, keep);
			for (size_t k = keep; k < n; k++) {
				sp__app *p = &apps[sp__key_id(kx[k])];
				p->status = SP__APP_DECLINED;
				taken[p->prog]++;
			}
		}
		for (size_t k = 0; k < keep; k++) {
			int32_t id = sp__key_id(kx[k]);
			apps[id].status = SP__APP_ACCEPTED;
			p_acc[apps[id].prog]++;
			accl[a->app_off + k] = id;
		}
		acc[i] = (int32_t)keep;
	}
	/* Declined slots are offered once more, to the next applicants in
	 * each program's order; those with no room left decline. */
	for (int32_t j = 0; j < np; j++) {
		int32_t d = (int32_t)taken[j];
		int slots = t->slots[j];
		int32_t rest = t->p_n[j] - slots;
		if (d <= 0 || rest <= 0)
			continue;
		uint64_t *kk = pk + t->p_off[j] + slots;
		d = SP_MIN(d, rest);
		/* d <= min(slots, rest): within the next `slots`. */
		sp__key_select(kk, (size_t)SP_MIN(rest, slots), (size_t)d);
		/* The interview cutoff is the last offer's score, second
		 * round included: an applicant scoring above it was offered
		 * an interview (what the advisor reads). */
		uint64_t lo = kk[0];
		for (int32_t i = 1; i < d; i++)
			lo = SP_MIN(lo, kk[i]);
		t->cutoff[j] = sp__key_val(lo);
		for (int32_t i = 0; i < d; i++) {
			sp__app *p = &apps[sp__key_id(kk[i])];
			p->offered = 1;
			if (acc[p->appl] < cap) {
				p->status = SP__APP_ACCEPTED;
				accl[t->ap.v[p->appl].app_off +
				     acc[p->appl]++] = sp__key_id(kk[i]);
				p_acc[j]++;
			} else {
				p->status = SP__APP_DECLINED;
			}
		}
	}
	/* Each list in application order (ranked_interviews draws in that
	 * order, program_lists gathers in it). */
	for (size_t i = 0; i < t->ap.n; i++) {
		sp__appl *a = &t->ap.v[i];
		int32_t *l = accl + a->app_off;
		for (int32_t k = 1; k < acc[i]; k++) {
			int32_t x = l[k], h = k;
			for (; h > 0 && l[h - 1] > x; h--)
				l[h] = l[h - 1];
			l[h] = x;
		}
		a->ninterviews = acc[i];
	}
	memset(t->mark, 0, ((size_t)np + 1) * sizeof *t->mark);
	t->stamp = 0;
	return SP_OK;
}

/* Applicant i's interviews ranked by utility plus rank noise (by the
 * stated preference alone when `fixed`), leaving out those whose key is
 * below the rank_floor of the program's family (never when `fixed`):
 * the main ones in
 * t->kx[0..*n1), and when `prelim` the PGY-1 ones of an advanced
 * applicant (kind PRELIM) in t->kx[*n1..*n1 + *n2); ids are
 * application indexes.  The noise is drawn for the main ones, then the
 * PGY-1 ones, each in application order. */
static sp_status ranked_interviews(sp__trial *t, const sp_model *m, sp_rng *r,
                                   int32_t i, bool prelim, bool fixed,
                                   size_t *n1, size_t *n2)
{
	const sp__appl *a = &t->ap.v[i];
	size_t cap = (size_t)a->app_n;
	if (!SP_VEC_RESERVE(t->kx, cap) || !SP_VEC_RESERVE(t->sel, cap))
		return SP_ENOMEM;
	const sp__app *apps = t->apps.v + a->app_off;
	const int32_t *accl = t->accl.v + a->app_off;
	int32_t *ids = t->sel.v;
	size_t nm = 0, np = 0;
	for (int32_t q = 0; q < a->ninterviews; q++) {
		int32_t k = accl[q] - a->app_off;
		if (apps[k].kind != SP__KIND_PRELIM)
			ids[nm++] = k;
		else if (prelim)
			ids[cap - ++np] = k; /* from the back */
	}
	double noise = m->g[SP__G_R_NOISE_APPL];
	const double *rfloor = m->fp + (size_t)SP__F_RANK_FLOOR * m->nf;
	uint64_t *kx = t->kx.v;
	sp_rng rl = *r;
	size_t w = 0, wm = 0;
	for (size_t q = 0; q < nm + np; q++) {
		if (q == nm)
			wm = w;
		int32_t k = q < nm ? ids[q] : ids[cap - 1 - (q - nm)];
		float key = fixed ? apps[k].u
		                  : (float)(apps[k].u + noise * normal(m, &rl));
		/* Below its family's floor, the applicant would rather go
		 * unmatched (and SOAP or reapply) than train there. */
		if (!fixed && key < rfloor[m->pfam[apps[k].prog]])
			continue;
		kx[w++] = sp__key(key, a->app_off + k);
	}
	if (np == 0)
		wm = w;
	*r = rl;
	sp__key_sort(kx, wm);
	sp__key_sort(kx + wm, w - wm);
	*n1 = wm;
	*n2 = w - wm;
	return SP_OK;
}

static inline int32_t inst_of(const sp__trial *t, uint64_t key)
{
	return t->inst_id[t->apps.v[sp__key_id(key)].prog];
}

/* Stage 6 and 7 for one single applicant: its list (and supplemental
 * list) into the instance. */
static sp_status single_lists(sp__trial *t, const sp_model *m, sp_rng *r,
                              int32_t i, bool fixed)
{
	sp__appl *a = &t->ap.v[i];
	size_t n1, n2;
	sp_status s = ranked_interviews(t, m, r, i, true, fixed, &n1, &n2);
	if (s)
		return s;
	t->iv.n = 0;
	if (!SP_VEC_RESERVE(t->iv, 2 * (n1 + n2) + 1))
		return SP_ENOMEM;
	const uint64_t *kx = t->kx.v;
	int32_t *iv = t->iv.v;
	size_t niv = 0;
	int32_t nadv = 0;
	a->contiguous = 0;
	bool run = true;
	for (size_t k = 0; k < n1; k++) {
		int32_t j = t->apps.v[sp__key_id(kx[k])].prog;
		int32_t sx = m->prog_spec[j];
		if (run && m->spec_fam[sx] == a->fam)
			a->contiguous++;
		else
			run = false;
		nadv += m->specs[sx].track == SP_TRACK_ADVANCED;
		iv[niv++] = t->inst_id[j];
	}
	size_t nprim = niv;
	if (nadv == 0) {
		/* No advanced interview: PGY-1 interviews go at the end. */
		for (size_t k = 0; k < n2 && niv < SP_MAX_LIST; k++)
			iv[niv++] = inst_of(t, kx[n1 + k]);
		nprim = niv;
	}
	if (nprim > SP_MAX_LIST)
		nprim = SP_MAX_LIST;
	if (nprim && (s = sp_inst_set_rol(t->in, i, iv, nprim)))
		return s;
	if (nadv == 0 || n2 == 0)
		return SP_OK;
	/* The supplemental list, linked to every advanced program ranked. */
	size_t base = niv;
	for (size_t k = 0; k < nprim; k++)
		if (sp_inst_track(t->in, iv[k]) == SP_TRACK_ADVANCED)
			iv[niv++] = iv[k];
	size_t adv_n = niv - base;
	for (size_t k = 0; k < n2; k++)
		iv[niv++] = inst_of(t, kx[n1 + k]);
	return sp_inst_add_supplemental(t->in, i, iv + base, adv_n,
	                                iv + base + adv_n, niv - base - adv_n);
}

/* A couple's list: region-coherent pairs of the members' interviews by
 * summed utility, then one-member options with a penalty. */
static sp_status couple_list(sp__trial *t, const sp_model *m, int32_t ia,
                             int32_t ib)
{
	int32_t mem[2] = {ia, ib};
	SP_VEC(sp__keyed) l[2] = {{0}, {0}};
	sp_status s = SP_OK;
	for (int w = 0; w < 2 && !s; w++) {
		size_t n1, n2;
		sp_rng r;
		sp__substream(&r, t->key, SP__SUB_RANK,
		              (uint64_t)t->ap.v[mem[w]].id);
		if ((s = ranked_interviews(t, m, &r, mem[w], false, false, &n1,
		                           &n2)))
			break;
		sp__appl *a = &t->ap.v[mem[w]];
		a->contiguous = 0;
		for (size_t k = 0; k < n1; k++) {
			int32_t j = t->apps.v[sp__key_id(t->kx.v[k])].prog;
			if (m->spec_fam[m->prog_spec[j]] != a->fam)
				break;
			a->contiguous++;
		}
		for (size_t k = 0; k < n1 && !s; k++) {
			sp__keyed kk = {sp__key_val(t->kx.v[k]),
			                sp__key_id(t->kx.v[k])};
			if (!SP_VEC_PUSH(l[w], kk))
				s = SP_ENOMEM;
		}
	}
	t->ks.n = 0;
	double solo = m->g[SP__G_COUPLE_SOLO];
	for (size_t x = 0; x < l[0].n && !s; x++) {
		const sp__app *pa = &t->apps.v[l[0].v[x].id];
		for (size_t y = 0; y < l[1].n && !s; y++) {
			const sp__app *pb = &t->apps.v[l[1].v[y].id];
			if (m->progs[pa->prog].region !=
			    m->progs[pb->prog].region)
				continue;
			sp__keyed kk = {l[0].v[x].key + l[1].v[y].key,
			                (int32_t)(x * 65536 + y)};
			if (!SP_VEC_PUSH(t->ks, kk))
				s = SP_ENOMEM;
		}
	}
	for (int w = 0; w < 2 && !s; w++)
		for (size_t x = 0; x < l[w].n && !s; x++) {
			sp__keyed kk = {
			    (float)(l[w].v[x].key - solo),
			    (int32_t)(w ? 0x7fff0000 + x : 0x7ffe0000 + x)};
			if (!SP_VEC_PUSH(t->ks, kk))
				s = SP_ENOMEM;
		}
	if (!s)
		sp__keyed_sort_desc(t->ks.v, t->ks.n);
	t->pairs.n = 0;
	for (size_t k = 0; k < t->ks.n && !s && t->pairs.n / 2 < SP_MAX_LIST;
	     k++) {
		int32_t id = t->ks.v[k].id, pa = SP_NONE, pb = SP_NONE;
		if (id >= 0x7fff0000)
			pb = t->inst_id[t->apps.v[l[1].v[id - 0x7fff0000].id]
			                    .prog];
		else if (id >= 0x7ffe0000)
			pa = t->inst_id[t->apps.v[l[0].v[id - 0x7ffe0000].id]
			                    .prog];
		else {
			pa = t->inst_id[t->apps.v[l[0].v[id / 65536].id].prog];
			pb = t->inst_id[t->apps.v[l[1].v[id % 65536].id].prog];
		}
		if (!SP_VEC_PUSH(t->pairs, pa) || !SP_VEC_PUSH(t->pairs, pb))
			s = SP_ENOMEM;
	}
	SP_VEC_FREE(l[0]);
	SP_VEC_FREE(l[1]);
	if (s)
		return s;
	char name[32];
	snprintf(name, sizeof name, "c%d", (int)ia);
	int32_t cid;
	return sp_inst_add_couple(t->in, name, ia, ib, t->pairs.v,
	                          t->pairs.n / 2, &cid);
}

/* Programs rank their interviewees by score plus rank noise (the key is
 * kept in the application: the match cutoff reads it).  The interviews
 * are gathered by program in one sequential pass over the applications,
 * so each program draws in application order. */
static sp_status program_lists(sp__trial *t, const sp_model *m, sp_rng *rp)
{
	double noise = m->g[SP__G_R_NOISE_PROG];
	int32_t np = m->np;
	size_t nreg = t->napop;
	sp__app *apps = t->apps.v;
	t->p_off[0] = 0;
	for (int32_t j = 0; j < np; j++) {
		t->p_off[j + 1] = t->p_off[j] + t->p_acc[j];
		t->p_n[j] = 0;
	}
	t->pidx.n = 0;
	if (!SP_VEC_RESERVE(t->pidx, (size_t)t->p_off[np] + 1))
		return SP_ENOMEM;
	int32_t *pidx = t->pidx.v;
	/* Applicants in order, each one's interviews in order: the
	 * applications in order. */
	for (size_t i = 0; i < t->ap.n; i++) {
		const sp__appl *a = &t->ap.v[i];
		const int32_t *l = t->accl.v + a->app_off;
		for (int32_t q = 0; q < a->ninterviews; q++) {
			int32_t j = apps[l[q]].prog;
			pidx[t->p_off[j] + t->p_n[j]++] = l[q];
		}
	}
	for (int32_t j = 0; j < np; j++) {
		if (t->inst_id[j] == SP_NONE)
			continue;
		size_t n = (size_t)t->p_n[j];
		if (!SP_VEC_RESERVE(t->kx, n) || !SP_VEC_RESERVE(t->iv, n + 1))
			return SP_ENOMEM;
		uint64_t *kx = t->kx.v;
		const int32_t *idx = pidx + t->p_off[j];
		/* The rank key: the interview score less the signal's
		 * part, plus rank_img for IMGs (sp__model_rank_shift), by
		 * [type][tier]. */
		double shift[SP_APPL_NTYPES][3];
		for (int ty = 0; ty < SP_APPL_NTYPES; ty++)
			for (int tier = 0; tier < 3; tier++)
				shift[ty][tier] =
				    sp__model_rank_shift(m, j, ty, tier);
		/* The population's interviews come first (by index). */
		size_t i = 0;
		for (int w = 0; w < 2; w++) {
			sp_rng rl = *rp;
			if (!w)
				sp__substream(&rl, t->key, SP__SUB_PROG,
				              (uint64_t)j);
			for (; i < n && (w || (size_t)idx[i] < nreg); i++) {
				sp__app *p = &apps[idx[i]];
				int ty = t->ap.v[p->appl].type;
				p->score =
				    (float)(p->score + shift[ty][p->tier] +
				            noise * normal(m, &rl));
				kx[i] = sp__key(p->score, p->appl);
			}
			if (w)
				*rp = rl;
		}
		sp__key_sort(kx, n);
		for (i = 0; i < n; i++)
			t->iv.v[i] = sp__key_id(kx[i]);
		sp_status s =
		    sp_inst_set_program_rol(t->in, t->inst_id[j], t->iv.v, n);
		if (s)
			return s;
	}
	return SP_OK;
}

/* "a123": the builder's names, without snprintf's cost. */
static void entity_name(char *buf, char tag, size_t i)
{
	char tmp[24];
	size_t n = 0;
	do
		tmp[n++] = (char)('0' + i % 10);
	while ((i /= 10) > 0);
	buf[0] = tag;
	for (size_t k = 0; k < n; k++)
		buf[1 + k] = tmp[n - 1 - k];
	buf[1 + n] = 0;
}

static sp_status build_instance(sp__trial *t, const sp_model *m, sp_rng *rp,
                                const sp_probe *probe)
{
	sp_inst_free(t->in);
	t->in = NULL;
	sp_status s = sp_inst_new(&t->in);
	if (s)
		return s;
	char name[32];
	for (int32_t j = 0; j < m->np; j++) {
		t->inst_id[j] = SP_NONE;
		if (!m->fam[m->pfam[j]].selected)
			continue;
		entity_name(name, 'p', (size_t)j);
		int32_t id;
		if ((s = sp_inst_add_program(t->in, name, m->progs[j].positions,
		                             &id)))
			return s;
		sp_inst_set_track(t->in, id, m->progs[j].track);
		t->inst_id[j] = id;
		t->inst_prog[id] = j;
	}
	for (size_t i = 0; i < t->ap.n; i++) {
		entity_name(name, 'a', i);
		int32_t id;
		if ((s = sp_inst_add_applicant(t->in, name, &id)))
			return s;
	}
	bool fixed = probe && probe->pref;
	for (size_t i = 0; i < t->ap.n && !s; i++) {
		const sp__appl *a = &t->ap.v[i];
		sp_rng ra;
		if (i >= t->npop) {
			s = single_lists(t, m, rp, (int32_t)i, fixed);
		} else if (a->partner < 0) {
			sp__substream(&ra, t->key, SP__SUB_RANK,
			              (uint64_t)a->id);
			s = single_lists(t, m, &ra, (int32_t)i, false);
		} else if (a->partner > (int32_t)i) {
			s = couple_list(t, m, (int32_t)i, a->partner);
		}
	}
	if (!s)
		s = program_lists(t, m, rp);
	return s;
}

/* The program's rank key of applicant i, whom it matched. */
static float rank_key(const sp__trial *t, const sp__appl *a, int32_t j)
{
	const int32_t *l = t->accl.v + a->app_off;
	for (int32_t q = 0; q < a->ninterviews; q++)
		if (t->apps.v[l[q]].prog == j)
			return t->apps.v[l[q]].score;
	assert(!"a match without an interview");
	return INFINITY;
}

static void record_outcome(sp__trial *t, const sp_model *m)
{
	memset(t->filled, 0, ((size_t)m->np + 1) * sizeof *t->filled);
	for (int32_t j = 0; j < m->np; j++)
		t->mcut[j] = INFINITY;
	for (size_t i = 0; i < t->ap.n; i++) {
		sp__appl *a = &t->ap.v[i];
		int32_t p = sp_matching_program(t->mt, (int32_t)i);
		int32_t q = sp_matching_supplemental(t->mt, (int32_t)i);
		a->matched = p == SP_NONE ? SP_NONE : t->inst_prog[p];
		a->supp = q == SP_NONE ? SP_NONE : t->inst_prog[q];
		int32_t at[2] = {a->matched, a->supp};
		for (int w = 0; w < 2; w++) {
			int32_t j = at[w];
			if (j == SP_NONE)
				continue;
			t->filled[j]++;
			t->mcut[j] = SP_MIN(t->mcut[j], rank_key(t, a, j));
		}
	}
}

/* ------------------------------------------------------------------ */
/* Probes. */

static int32_t state_index(const sp_model *m, const char *code)
{
	for (int32_t k = 0; code[0] && k < m->nstates; k++)
		if (!strcmp(m->state_code[k], code))
			return k;
	return -1;
}

sp_status sp__probe_check(const sp_model *m, const sp_probe *pr, sp_err *err)
{
	const sp_profile *p = &pr->profile;
	if ((unsigned)p->type >= SP_APPL_NTYPES)
		return sp__err_set(err, SP_EINVAL, "", 0, "type",
		                   "probe: applicant type %d is not one of "
		                   "0..%d",
		                   (int)p->type, SP_APPL_NTYPES - 1);
	if (!isfinite(p->step2) || p->step2 < 0 || p->step2 > 400)
		return sp__err_set(err, SP_EINVAL, "", 0, "step2",
		                   "probe: Step 2 score must be a number from "
		                   "0 to 400");
	if (p->research < 0)
		return sp__err_set(err, SP_EINVAL, "", 0, "research",
		                   "probe: research items must be >= 0");
	if (p->aoa < -1 || p->aoa > 1)
		return sp__err_set(err, SP_EINVAL, "", 0, "aoa",
		                   "probe: aoa must be 1, -1 or 0 (got %d)",
		                   p->aoa);
	if (memchr(p->state, 0, sizeof p->state) == NULL)
		return sp__err_set(err, SP_EINVAL, "", 0, "state",
		                   "probe: home state is not a 2-letter code");
	if (pr->clones < 1 || pr->clones > 1000)
		return sp__err_set(err, SP_EINVAL, "", 0, "clones",
		                   "probe: clones must be from 1 to 1000 "
		                   "(got %d)",
		                   pr->clones);
	if (pr->napps > 2000)
		return sp__err_set(err, SP_EINVAL, "", 0, "apps",
		                   "probe: %zu applications, at most 2000",
		                   pr->napps);
	if (pr->napps && (!pr->apps || !pr->tier))
		return sp__err_set(err, SP_EINVAL, "", 0, "apps",
		                   "probe: applications or tiers missing");
	uint8_t *seen = sp_calloc((size_t)m->np + 1, 1);
	if (!seen)
		return sp__err_set(err, SP_ENOMEM, "", 0, "", "out of memory");
	sp_status s = SP_OK;
	for (size_t k = 0; k < pr->napps && !s; k++) {
		int32_t j = pr->apps[k];
		if (j < 0 || j >= m->np)
			s = sp__err_set(err, SP_EINVAL, "", 0, "apps",
			                "probe application %zu: program index "
			                "%ld is out of range (0..%ld)",
			                k, (long)j, (long)m->np - 1);
		else if (seen[j])
			s = sp__err_set(err, SP_EINVAL, "", 0, "apps",
			                "probe application %zu: program %s "
			                "appears twice",
			                k, m->progs[j].code);
		else if (!m->fam[m->pfam[j]].selected)
			s = sp__err_set(err, SP_EINVAL, "", 0, "apps",
			                "probe application %zu: program %s is "
			                "outside the simulated specialties",
			                k, m->progs[j].code);
		else if (pr->tier[k] > 2)
			s = sp__err_set(err, SP_EINVAL, "", 0, "tier",
			                "probe application %zu: signal tier %d "
			                "is not 0, 1 or 2",
			                k, (int)pr->tier[k]);
		else if (pr->pref && !isfinite(pr->pref[k]))
			s = sp__err_set(err, SP_EINVAL, "", 0, "pref",
			                "probe application %zu: preference is "
			                "not a finite number",
			                k);
		else
			seen[j] = 1;
	}
	sp_free(seen);
	return s;
}

/* Appends the probe's copies and their applications (after the
 * population's signals: a probe's tiers are given).  A signal to a
 * program that takes none carries no bonus; an application a program
 * cannot consider (visa) is BARRED. */
static sp_status add_probes(sp__trial *t, const sp_model *m, const sp_probe *pr,
                            sp_rng *rp)
{
	const sp_profile *pf = &pr->profile;
	int32_t st = state_index(m, pf->state);
	/* What the profile says beyond Step 2, research and type (its AOA
	 * answer) moves and narrows the copies' unexplained strength as it
	 * does the advisor's nodes. */
	double shift, scale;
	sp_model_strength_given(m, pf, &shift, &scale);
	double mean = strength_mean(m, pf->type, pf->step2, pf->research) +
	              shift * sp_model_strength_sd(m);
	double noise = scale * m->g[SP__G_Z_NOISE];
	if (!SP_VEC_RESERVE(t->ap, (size_t)pr->clones) ||
	    !SP_VEC_RESERVE(t->apps, (size_t)pr->clones * pr->napps))
		return SP_ENOMEM;
	for (int c = 0; c < pr->clones; c++) {
		sp__appl a;
		memset(&a, 0, sizeof a);
		a.type = (uint8_t)pf->type;
		a.visa = pf->needs_visa != 0;
		a.state = (int16_t)st;
		a.region = st >= 0 ? m->state_region[st] : 0;
		a.fam = a.backup = -1;
		a.research = (int16_t)SP_MIN(pf->research, 32767);
		a.step2 = (float)pf->step2;
		a.z = (float)(mean + noise * normal(m, rp));
		a.partner = -1;
		a.matched = a.supp = SP_NONE;
		a.app_off = (int32_t)t->apps.n;
		a.app_n = (int32_t)pr->napps;
		int32_t ai = (int32_t)t->ap.n;
		for (size_t k = 0; k < pr->napps; k++) {
			int32_t j = pr->apps[k];
			float u = pr->pref
			              ? (float)pr->pref[k]
			              : (float)taste(m, &a, j, normal(m, rp));
			bool barred = a.visa && !m->pvisa[j];
			sp__app x = new_app(j, ai, u,
			                    barred ? SP__KIND_BARRED
			                           : SP__KIND_PREFERRED);
			x.tier = m->psig[j] ? pr->tier[k] : 0;
			t->apps.v[t->apps.n++] = x;
		}
		t->ap.v[t->ap.n++] = a;
	}
	return SP_OK;
}

sp_status sp__trial_run(sp__trial *t, const sp_model *m, uint64_t seed,
                        uint64_t trial, const sp_probe *probe, sp_err *err)
{
	sp_rng r, rp;
	sp_rng_seed(&r, seed, trial);
	t->key = sp__rng_next(&r);
	sp_rng_seed(&rp, seed, SP__PROBE_STREAM(trial));
	sp_status s = trial_alloc(t, m);
	if (!s)
		s = draw_population(t, m);
	if (!s) {
		draw_couples(t, m, &r);
		family_stats(t, m);
		s = draw_applications(t, m);
	}
	t->npop = t->ap.n;
	t->napop = t->apps.n;
	if (!s && probe)
		s = add_probes(t, m, probe, &rp);
	if (!s)
		s = interviews(t, m, &rp);
	if (!s)
		s = build_instance(t, m, &rp, probe);
	if (s)
		return sp__err_set(err, s, "", 0, "", "market trial %llu: %s",
		                   (unsigned long long)trial, sp_strerror(s));
	sp_matching_free(t->mt);
	t->mt = NULL;
	sp_match_opts mo = sp_match_defaults();
	mo.seed = seed ^ (trial * 0x9e3779b97f4a7c15ull) ^ 1;
	/* A cycle is declared after 100 displacements of one applicant
	 * (the engine's default, 1000, is for real matches: here each
	 * failed attempt cost about 85 ms of an IM trial), and two more
	 * attempts follow; on the national market 12 of 12 trials were
	 * stable with these settings as with the defaults and 5 restarts,
	 * and a trial that cycles anyway costs three attempts, not six. */
	mo.max_restarts = 2;
	mo.cycle_limit = 100;
	s = sp_match(t->in, &mo, &t->mt, err);
	if (s && s != SP_ENOSTABLE)
		return s;
	t->stable = s == SP_OK;
	t->cycled = sp_matching_stats(t->mt)->cycles > 0;
	record_outcome(t, m);
	return SP_OK;
}

/*
 * gen.c — seeded synthetic residency markets (sp_gen).
 *
 * The model.  Programs sit in `nregions` regions (program id p, counted
 * from 0, lies in region p mod nregions, so regions are equal in size
 * and visible to users and tests; the national preset uses 9, like the
 * US census divisions) and have a quality q ~ N(0,1).  Applicants have
 * a latent strength s ~ N(0,1) and a home region (the region of a
 * uniformly drawn program).  With c = `correlation`:
 *
 *   applicant a's utility of program p   u = sqrt(c) q_p + sqrt(1-c) e_ap
 *                                              + 0.5 [p in a's home region]
 *   program p's score of applicant a     v = sqrt(c) s_a + sqrt(1-c) f_pa
 *
 * with independent N(0,1) noises e, f; c is then exactly the correlation
 * of two applicants' utilities for the same program (home aside), and of
 * two programs' scores of the same applicant.
 *
 * Who ranks whom (the interview stage, compressed).  A single draws a
 * list length L ~ rol_len + N(0, (rol_len/3)^2), clipped to [1, ...],
 * then up to 3L distinct candidate programs, half from its home region
 * and half nationally.  Each draw is a popularity tournament: a program
 * drawn in proportion to its positions (so lists grow with quotas, as
 * interview numbers do), replaced with probability c by the better of
 * two such draws.  A drawn program becomes a candidate only if it
 * invites the applicant: sqrt(c) (s_a - q_p) + sqrt(1-c) g > -0.5, g ~
 * N(0,1), so strong applicants interview anywhere and weak ones mostly
 * at weaker programs.  After 16 tries per wanted candidate the applicant
 * makes do with fewer (a weak applicant may rank few programs).  It
 * ranks its top L candidates by u.  A draw costs O(1) (a guide table
 * over cumulative positions), so the generator is O(E log E) in the E
 * list entries, never O(applicants x programs).  When 3L would be half
 * of the pool or more (small markets), every program in it is screened.
 *
 * Calibration, such as it is: without the screen, a third of the
 * national market went unmatched; with it, and with the engine of the
 * time of writing, the national preset matched 86% of applicants and
 * filled 96% of positions (with the advanced track below, 84% and 97%:
 * an applicant's supplemental match is a second position; NRMP 2025
 * Main Residency Match: 40,764 positions filled for 47,208 active
 * applicants, so 86% placed, and 94.3% of the 43,237 positions filled).
 *
 * Programs rank everyone who ranked them (mutual acceptability, as after
 * interviews), ordered by v, except that each leaves out 1 in 32 of them
 * at random so that lists are incomplete on both sides.
 *
 * Couples (the last 2 * ncouples applicants, partners adjacent) are
 * geographically coherent: the couple picks one region (that of a
 * uniformly drawn non-advanced program) and each partner draws about
 * sqrt(Lc) + 1 candidates there, Lc ~ couple_rol_len + N(0,
 * (couple_rol_len/3)^2); the couple ranks its best Lc pairs by u_a + u_b,
 * which is nearly every combination.  Couples are cautious: they screen
 * as if each partner were 1 sd weaker, applying where both are likely
 * to be taken.  (With the singles' screen and 2x more candidates per
 * partner, half the national couples went unmatched; with caution, 86%
 * of couples place both partners, against the 95% the NRMP reports for
 * 2017.)  Half the couples share a candidate, and pairs at one program
 * (quota >= 2 only) get a bonus of 0.25, so some couples rank both
 * partners at the same program.  A quarter of the couples end their list
 * with one or two pairs in which one partner goes unmatched (SP_NONE).
 * Couples do not rank advanced programs: the API gives supplemental
 * lists to singles only.
 *
 * Quotas: each program gets 1 position, and the other npositions -
 * nprograms are shared in proportion to log-uniform weights (2^k with k
 * in 0..6, times a uniform factor in [1, 2)), by largest remainder; so
 * sizes are skewed (median about half the mean, largest about 4x).
 *
 * Supplemental lists.  When supplemental_share > 0, that share of the
 * programs are advanced (PGY-2) and preliminary_share others (as many
 * when 0) preliminary (PGY-1 only).  A single with advanced programs on
 * its list gets one supplemental list per region of those programs (at
 * most 3, or 2 with advanced_applicants; the rest join the last), linked
 * to them; it ranks about supplemental_len (default rol_len/3)
 * preliminary programs drawn three times in four from that region,
 * never one already on its primary list, and those programs rank it
 * (NRMP: supplemental lists "often are based on geographic location").
 *
 * Who ranks advanced programs.  With advanced_applicants = 0 any single
 * may draw them, so at national scale 40% of applicants end up with
 * supplemental lists: sp_gen_hard keeps that market for stress tests.
 * With advanced_applicants > 0 (the national preset) only that share of
 * the singles seeks advanced positions: half its list (rounded up) is
 * its best advanced candidates, ranked above its best categorical and
 * preliminary ones; the other singles rank categorical programs, and one
 * in PRELIM_SEEK_DEN ranks PGY-1-only programs too.  The national
 * figures (data/supplemental.csv, NRMP 2025): 3,196 advanced positions
 * of 43,237 (7.4%) and 4,654 PGY-1-only (10.8%); at most 15.7% of
 * applicants rank advanced programs (7,395 applicants ranking, counted
 * once per specialty); 2.87 applicants ranking per PGY-1-only position.
 * The preset: 7% advanced programs (about 2,900 positions), 10.8%
 * preliminary, 14% of singles on the advanced track (about 6,200
 * applicants with 12,000 supplemental lists of mean length 6), giving
 * 2.8 applicants ranking per preliminary position; matched, seed 0
 * fills 99.9% of advanced and 94.6% of preliminary positions (NRMP:
 * 96.9% and 80.5%).  Couples do not rank advanced programs.  (Program counts do
 * not follow: the published advanced programs are small, 3.7 positions each,
 * ours are drawn like every other.)
 *
 * Reversions: `reversions` donor -> receiver pairs, the receiver in the
 * donor's region when one with a larger id exists there, else any
 * program with a larger id; since donors always precede receivers the
 * reversion graph is acyclic.  Each moves 1 or 2 positions, and a donor
 * never gives away more than its quota in total.
 *
 * Determinism.  Every draw comes from sp_rng streams derived from the
 * seed and a (phase, index) tag, so each applicant's, couple's and
 * program's lists depend only on the seed and shared program attributes,
 * not on the order of work.  Normals are Irwin-Hall sums of four 16-bit
 * uniforms (one generator output; exact mean 0 and sd 2^16/sqrt 3,
 * bounded at 3.46 sd) held as integers, and all utilities are integer
 * fixed point: no libm call decides anything (sp_rng_normal uses log(),
 * which libms need not round alike).  The two weights come from sqrt(),
 * which IEEE 754 rounds exactly.  Every sort is a total order (ties
 * broken by id), so qsort's instability cannot show, and no expression
 * makes two draws, since C leaves their order to the compiler (gcc and
 * clang differ).
 *
 * Rejected: sampling proportional to exp(u) without replacement (needs
 * exp/log and an alias table per region for no gain in realism at this
 * level); scoring every (applicant, program) pair (310 M pairs at
 * national scale); zipped random couple lists (pathological for
 * Roth-Peranson and unlike real couples, who search in one city).
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Fixed point: normals have sd IH_SD; weights are scaled by WSCALE. */
#define IH_SD           37837 /* 2^16 / sqrt(3), rounded */
#define WSCALE          4096
#define HOME_BONUS      ((int64_t)IH_SD * WSCALE / 2)
#define SAME_BONUS      ((int64_t)IH_SD * WSCALE / 4)
#define SCREEN_SLACK    ((int64_t)IH_SD * WSCALE / 2)
#define COUPLE_CAUTION  IH_SD /* couples screen as if 1 sd weaker */
#define CAND_FACTOR     3     /* candidates drawn per list entry */
#define DROP_MASK       31    /* programs leave out 1 in 32 rankers */
#define MAX_GROUPS      3     /* supplemental lists per applicant */
#define TRACK_GROUPS    2     /* the same with advanced_applicants > 0 */
#define PRELIM_SEEK_DEN 4     /* 1 in 4 other singles rank PGY-1-only too */
#define MAX_ENTRIES     100000000L /* list entries an instance may have */
#define MAX_REGIONS     10000
#define MAX_COUPLE_K    (64 + 1) /* isqrt(SP_MAX_LIST) + 1 */

/* The national preset's advanced track, from data/supplemental.csv
 * (test_gen checks these against the table). */
#define NAT_ADVANCED_SHARE      0.07
#define NAT_PRELIM_SHARE        0.108
#define NAT_ADVANCED_APPLICANTS 0.14
#define NAT_SUPPLEMENTAL_LEN    6

/* Random streams: (phase << 40) | index. */
enum {
	S_PROGRAMS = 1,
	S_TRACKS,
	S_STRENGTH,
	S_SINGLE,
	S_COUPLE,
	S_RANK,
	S_REVERSION
};

typedef SP_VEC(int32_t) ivec;

/* A set of programs to draw from; cum[i] - cum[0] is the number of
 * positions in v[0..i), and guide[j] is the first i whose positions
 * reach past j/n of the pool's (a guide table: Chen & Asau 1974). */
typedef struct {
	const int32_t *v;
	const int64_t *cum;
	const int32_t *guide;
	int32_t n;
} pool;

/* A candidate with its sort key; sorted by key descending, id ascending. */
typedef struct {
	int64_t key;
	int32_t id;
	int32_t id2;
} scored;

/* Programs of one kind grouped by region, ascending ids in each. */
typedef struct {
	int32_t *off; /* nregions + 1 offsets */
	int32_t *ids;
	int64_t *cum; /* positions before each id, one more than ids */
	int32_t *rguide, *wguide; /* guide tables: per region, whole */
} bucket;

typedef struct {
	const sp_gen_opts *o;
	sp_inst *in;
	int64_t wc, we; /* fixed-point sqrt(c), sqrt(1-c) */
	uint32_t tour;  /* tournament probability, out of WSCALE */
	int32_t np, na, ns;
	int32_t *quota, *region, *quality, *strength;
	uint8_t *track;
	bucket all, nonadv, prelim, adv_b, cat_b;
	uint32_t *mark, *seen; /* stamps per program */
	uint32_t mark_stamp, seen_stamp;
	scored *cand; /* candidates: CAND_CAP entries */
	scored *pairs;
	int32_t *list;      /* a list being built, SP_MAX_LIST * 2 + 4 */
	int32_t *rol, *adv; /* a primary list; its advanced programs */
	ivec ea, ep;        /* acceptability entries (applicant, program) */
} gen;

#define CAND_CAP (2 * CAND_FACTOR * SP_MAX_LIST + 2)

static void stream(const gen *g, sp_rng *r, int phase, uint64_t i)
{
	sp_rng_seed(r, g->o->seed, ((uint64_t)phase << 40) | i);
}

/* A normal deviate with sd IH_SD (Irwin-Hall of four 16-bit uniforms). */
static int32_t ih(sp_rng *r)
{
	uint64_t x = sp_rng_next(r);
	int32_t s = (int32_t)(x & 0xffff) + (int32_t)((x >> 16) & 0xffff) +
	            (int32_t)((x >> 32) & 0xffff) + (int32_t)(x >> 48);
	return s - 2 * 65535;
}

static int32_t below(sp_rng *r, int64_t n)
{
	return (int32_t)sp_rng_below(r, (uint64_t)n);
}

static int cmp_scored(const void *x, const void *y)
{
	const scored *a = x, *b = y;
	if (a->key != b->key)
		return a->key > b->key ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return (a->id2 > b->id2) - (a->id2 < b->id2);
}

/* Sorts by cmp_scored.  The order is total, so the result is the same
 * whatever the algorithm; short arrays (most lists) skip qsort's
 * overhead. */
static void sort_scored(scored *v, size_t n)
{
	if (n > 24) {
		qsort(v, n, sizeof *v, cmp_scored);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		scored x = v[i];
		size_t j = i;
		for (; j > 0 && cmp_scored(&x, &v[j - 1]) < 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static uint32_t fresh(uint32_t *stamp, uint32_t *arr, int32_t n)
{
	if (++*stamp == 0) {
		memset(arr, 0, (size_t)n * sizeof *arr);
		*stamp = 1;
	}
	return *stamp;
}

/* ------------------------------------------------------------------ */
/* Options.                                                            */

sp_gen_opts sp_gen_defaults(void)
{
	sp_gen_opts o = {0};
	o.seed = 1;
	o.napplicants = 200;
	o.ncouples = 10;
	o.nprograms = 40;
	o.npositions = 190;
	o.rol_len = 8;
	o.couple_rol_len = 12;
	o.correlation = 0.6;
	o.nregions = 4;
	o.supplemental_share = 0.05;
	o.reversions = 2;
	return o;
}

sp_gen_opts sp_gen_hard(void)
{
	sp_gen_opts o = {0};
	o.seed = 2025;
	o.napplicants = 47000;
	o.ncouples = 1200;
	o.nprograms = 6600;
	o.npositions = 43000;
	o.rol_len = 12;
	o.couple_rol_len = 20;
	o.correlation = 0.6;
	o.nregions = 9;
	o.supplemental_share = 0.04;
	o.reversions = 40;
	return o;
}

/* The hard market's sizes with the advanced track of
 * data/supplemental.csv (see "Supplemental lists" above). */
sp_gen_opts sp_gen_national(void)
{
	sp_gen_opts o = sp_gen_hard();
	o.supplemental_share = NAT_ADVANCED_SHARE;
	o.preliminary_share = NAT_PRELIM_SHARE;
	o.advanced_applicants = NAT_ADVANCED_APPLICANTS;
	o.supplemental_len = NAT_SUPPLEMENTAL_LEN;
	return o;
}

#define BAD(field, ...) sp__err_set(err, SP_EINVAL, NULL, 0, field, __VA_ARGS__)

static sp_status check_sizes(const sp_gen_opts *o, sp_err *err)
{
	if (o->napplicants < 1 || o->napplicants > SP_MAX_ENTITIES)
		return BAD("napplicants", "must be between 1 and %d, not %d",
		           SP_MAX_ENTITIES, (int)o->napplicants);
	if (o->ncouples < 0 || o->ncouples > o->napplicants / 2)
		return BAD("ncouples",
		           "must be between 0 and half the applicants (%d), "
		           "not %d",
		           (int)(o->napplicants / 2), (int)o->ncouples);
	if (o->nprograms < 1 || o->nprograms > SP_MAX_ENTITIES)
		return BAD("nprograms", "must be between 1 and %d, not %d",
		           SP_MAX_ENTITIES, (int)o->nprograms);
	if (o->npositions < o->nprograms ||
	    (int64_t)o->npositions > (int64_t)o->nprograms * SP_MAX_QUOTA)
		return BAD("npositions",
		           "must be at least the number of programs (%d) and "
		           "at most %d per program, not %d",
		           (int)o->nprograms, SP_MAX_QUOTA, (int)o->npositions);
	if (o->nregions < 1 || o->nregions > MAX_REGIONS)
		return BAD("nregions", "must be between 1 and %d, not %d",
		           MAX_REGIONS, o->nregions);
	return SP_OK;
}

static sp_status check_lists(const sp_gen_opts *o, sp_err *err)
{
	if (o->rol_len < 1 || o->rol_len > SP_MAX_LIST / 2)
		return BAD("rol_len", "must be between 1 and %d, not %d",
		           SP_MAX_LIST / 2, o->rol_len);
	if (o->couple_rol_len < 1 || o->couple_rol_len > SP_MAX_LIST / 2)
		return BAD("couple_rol_len", "must be between 1 and %d, not %d",
		           SP_MAX_LIST / 2, o->couple_rol_len);
	int64_t entries = (int64_t)o->napplicants * o->rol_len +
	                  (int64_t)o->ncouples * o->couple_rol_len;
	if (entries > MAX_ENTRIES)
		return BAD("rol_len",
		           "the market would have about %lld list entries; "
		           "the limit is %ld",
		           (long long)entries, MAX_ENTRIES);
	if (!(o->correlation >= 0.0 && o->correlation <= 1.0))
		return BAD("correlation", "must be between 0 and 1, not %g",
		           o->correlation);
	if (!(o->supplemental_share >= 0.0 && o->supplemental_share <= 0.5))
		return BAD("supplemental_share",
		           "must be between 0 and 0.5, not %g",
		           o->supplemental_share);
	if (o->supplemental_share > 0 && o->nprograms < 2)
		return BAD("supplemental_share", "needs at least 2 programs");
	if (!(o->preliminary_share >= 0.0 &&
	      o->preliminary_share + o->supplemental_share <= 1.0))
		return BAD("preliminary_share",
		           "must be at least 0 and leave the advanced share "
		           "room (at most %g), not %g",
		           1.0 - o->supplemental_share, o->preliminary_share);
	if (!(o->advanced_applicants >= 0.0 && o->advanced_applicants <= 1.0))
		return BAD("advanced_applicants",
		           "must be between 0 and 1, not %g",
		           o->advanced_applicants);
	if (o->supplemental_len < 0 || o->supplemental_len > SP_MAX_LIST / 2)
		return BAD("supplemental_len",
		           "must be between 0 and %d, not %d", SP_MAX_LIST / 2,
		           o->supplemental_len);
	if (o->reversions < 0 || o->reversions > o->nprograms - 1)
		return BAD("reversions",
		           "must be between 0 and one fewer than the programs "
		           "(%d), not %d",
		           (int)(o->nprograms - 1), o->reversions);
	return SP_OK;
}

/* ------------------------------------------------------------------ */
/* Programs: attributes, quotas, tracks, regional buckets.             */

static sp_status gen_quotas(gen *g, sp_rng *r)
{
	int32_t np = g->np;
	scored *rem = sp_malloc((size_t)np * sizeof *rem);
	int64_t *w = sp_malloc((size_t)np * sizeof *w);
	if (!rem || !w) {
		sp_free(rem);
		sp_free(w);
		return SP_ENOMEM;
	}
	int64_t total = 0;
	for (int32_t p = 0; p < np; p++) {
		/* Two statements: the order of the draws must not be left
		 * to the compiler. */
		int64_t octave = (int64_t)1 << below(r, 7);
		w[p] = octave * (64 + below(r, 64));
		total += w[p];
	}
	int64_t extra = (int64_t)g->o->npositions - np, given = 0;
	for (int32_t p = 0; p < np; p++) {
		int64_t share = extra * w[p] / total;
		g->quota[p] = 1 + (int32_t)share;
		given += share;
		rem[p] = (scored){extra * w[p] % total, p, 0};
	}
	sort_scored(rem, (size_t)np);
	for (int64_t k = 0; k < extra - given; k++)
		g->quota[rem[k].id]++;
	/* Keep every quota under the cap by moving the excess along. */
	int64_t carry = 0;
	for (int32_t p = 0; p < np; p++)
		if (g->quota[p] > SP_MAX_QUOTA) {
			carry += g->quota[p] - SP_MAX_QUOTA;
			g->quota[p] = SP_MAX_QUOTA;
		}
	for (int32_t p = 0; p < np && carry > 0; p++) {
		int64_t room = SP_MAX_QUOTA - g->quota[p];
		int64_t take = SP_MIN(room, carry);
		g->quota[p] += (int32_t)take;
		carry -= take;
	}
	sp_free(rem);
	sp_free(w);
	return SP_OK;
}

/* Marks round(share * np) random programs advanced and round(
 * preliminary_share * np) others preliminary, as many as advanced when
 * that share is 0 (a partial Fisher-Yates shuffle). */
static sp_status gen_tracks(gen *g)
{
	int32_t np = g->np;
	if (g->o->supplemental_share <= 0)
		return SP_OK;
	int32_t nadv = (int32_t)lround(g->o->supplemental_share * np);
	nadv = SP_MAX(nadv, 1);
	nadv = SP_MIN(nadv, np / 2);
	int32_t npre = nadv;
	if (g->o->preliminary_share > 0)
		npre = SP_MAX(1, (int32_t)lround(g->o->preliminary_share * np));
	npre = SP_MIN(npre, np - nadv);
	int32_t *perm = sp_malloc((size_t)np * sizeof *perm);
	if (!perm)
		return SP_ENOMEM;
	for (int32_t p = 0; p < np; p++)
		perm[p] = p;
	sp_rng r;
	stream(g, &r, S_TRACKS, 0);
	for (int32_t k = 0; k < nadv + npre; k++) {
		int32_t j = k + below(&r, np - k);
		int32_t t = perm[k];
		perm[k] = perm[j];
		perm[j] = t;
		g->track[perm[k]] =
		    k < nadv ? SP_TRACK_ADVANCED : SP_TRACK_PRELIMINARY;
	}
	sp_free(perm);
	return SP_OK;
}

static bool in_kind(const gen *g, int kind, int32_t p)
{
	if (kind == 3)
		return g->track[p] == SP_TRACK_ADVANCED;
	if (kind == 4)
		return g->track[p] == SP_TRACK_CATEGORICAL;
	if (kind == 1)
		return g->track[p] != SP_TRACK_ADVANCED;
	if (kind == 2)
		return g->track[p] == SP_TRACK_PRELIMINARY;
	return true;
}

/* Fills guide[0..n) for the pool whose cumulative counts are cum[0..n]:
 * guide[j] is the first i with cum[i+1] - cum[0] > floor(j T / n), T the
 * pool's total. */
static void make_guide(const int64_t *cum, int32_t n, int32_t *guide)
{
	int64_t total = cum[n] - cum[0];
	int32_t i = 0;
	for (int32_t j = 0; j < n; j++) {
		int64_t thr = j * total / n;
		while (cum[i + 1] - cum[0] <= thr)
			i++;
		guide[j] = i;
	}
}

/* Groups the programs of a kind (0 all, 1 non-advanced, 2 preliminary,
 * 3 advanced, 4 categorical)
 * by region with a counting sort, which keeps ids ascending. */
static sp_status make_bucket(gen *g, int kind, bucket *b)
{
	int nr = g->o->nregions;
	b->off = sp_calloc((size_t)nr + 1, sizeof *b->off);
	b->ids = sp_malloc((size_t)g->np * sizeof *b->ids);
	b->cum = sp_malloc(((size_t)g->np + 1) * sizeof *b->cum);
	b->rguide = sp_malloc((size_t)g->np * sizeof *b->rguide);
	b->wguide = sp_malloc((size_t)g->np * sizeof *b->wguide);
	if (!b->off || !b->ids || !b->cum || !b->rguide || !b->wguide)
		return SP_ENOMEM;
	for (int32_t p = 0; p < g->np; p++)
		if (in_kind(g, kind, p))
			b->off[g->region[p] + 1]++;
	for (int k = 0; k < nr; k++)
		b->off[k + 1] += b->off[k];
	int32_t *fill = sp_malloc((size_t)nr * sizeof *fill);
	if (!fill)
		return SP_ENOMEM;
	memcpy(fill, b->off, (size_t)nr * sizeof *fill);
	for (int32_t p = 0; p < g->np; p++)
		if (in_kind(g, kind, p))
			b->ids[fill[g->region[p]]++] = p;
	sp_free(fill);
	b->cum[0] = 0;
	for (int32_t i = 0; i < b->off[nr]; i++)
		b->cum[i + 1] = b->cum[i] + g->quota[b->ids[i]];
	for (int k = 0; k < nr; k++)
		make_guide(b->cum + b->off[k], b->off[k + 1] - b->off[k],
		           b->rguide + b->off[k]);
	make_guide(b->cum, b->off[nr], b->wguide);
	return SP_OK;
}

static pool region_pool(const bucket *b, int32_t reg)
{
	return (pool){b->ids + b->off[reg], b->cum + b->off[reg],
	              b->rguide + b->off[reg], b->off[reg + 1] - b->off[reg]};
}

static pool whole_pool(const gen *g, const bucket *b)
{
	return (pool){b->ids, b->cum, b->wguide, b->off[g->o->nregions]};
}

static sp_status gen_programs(gen *g)
{
	sp_rng r;
	stream(g, &r, S_PROGRAMS, 0);
	for (int32_t p = 0; p < g->np; p++) {
		g->region[p] = p % g->o->nregions;
		g->quality[p] = ih(&r);
	}
	sp_status s = gen_quotas(g, &r);
	if (!s)
		s = gen_tracks(g);
	if (!s)
		s = make_bucket(g, 0, &g->all);
	if (!s)
		s = make_bucket(g, 1, &g->nonadv);
	if (!s)
		s = make_bucket(g, 2, &g->prelim);
	if (!s)
		s = make_bucket(g, 3, &g->adv_b);
	if (!s)
		s = make_bucket(g, 4, &g->cat_b);
	return s;
}

static sp_status add_programs(gen *g)
{
	char name[24];
	for (int32_t p = 0; p < g->np; p++) {
		snprintf(name, sizeof name, "P%ld", (long)p + 1);
		sp_status s =
		    sp_inst_add_program(g->in, name, g->quota[p], NULL);
		if (s)
			return s;
		sp_inst_set_track(g->in, p, (sp_track)g->track[p]);
	}
	return SP_OK;
}

/* ------------------------------------------------------------------ */
/* Drawing and ranking candidates.                                     */

/* The program of a uniformly drawn position of a non-empty pool. */
static int32_t by_position(sp_rng *r, pool from)
{
	int64_t total = from.cum[from.n] - from.cum[0];
	int64_t t = (int64_t)sp_rng_below(r, (uint64_t)total);
	int32_t i = from.guide[t * from.n / total];
	while (from.cum[i + 1] - from.cum[0] <= t)
		i++;
	return from.v[i];
}

/* One popularity-tournament draw: a program in proportion to its
 * positions, or with probability c the better of two such. */
static int32_t pick(const gen *g, sp_rng *r, pool from)
{
	int32_t x = by_position(r, from);
	if (sp_rng_below(r, WSCALE) < g->tour) {
		int32_t y = by_position(r, from);
		if (g->quality[y] > g->quality[x] ||
		    (g->quality[y] == g->quality[x] && y < x))
			x = y;
	}
	return x;
}

/* The interview screen: does program p invite an applicant of strength
 * s?  Yes when sqrt(c) (s - q_p) + sqrt(1-c) noise > -SCREEN_SLACK. */
static bool invites(const gen *g, sp_rng *r, int32_t p, int32_t s)
{
	int64_t v = g->wc * ((int64_t)s - g->quality[p]) + g->we * ih(r);
	return v > -SCREEN_SLACK;
}

/* Fills g->cand[].id with up to m distinct programs from `all` that
 * invite an applicant of strength s, each drawn from `local` with
 * probability local16/16 (when local has any); each program is screened
 * once.  Programs whose g->seen stamp is `excl` (when nonzero) are
 * skipped.  When m is half of `all` or more, screens all of it instead.
 * Returns the count, at most max(m, all.n when screened whole). */
static size_t draw(gen *g, sp_rng *r, pool local, pool all, size_t m,
                   int local16, uint32_t excl, int32_t s)
{
	size_t k = 0;
	if (m == 0 || all.n == 0)
		return 0;
	if (2 * m >= (size_t)all.n) {
		for (int32_t i = 0; i < all.n; i++) {
			int32_t p = all.v[i];
			if ((!excl || g->seen[p] != excl) &&
			    invites(g, r, p, s))
				g->cand[k++].id = p;
		}
		return k;
	}
	uint32_t st = fresh(&g->mark_stamp, g->mark, g->np);
	size_t tries = 0, max_tries = 16 * m + 64;
	while (k < m && tries++ < max_tries) {
		bool near = local.n > 0 && below(r, 16) < local16;
		int32_t p = pick(g, r, near ? local : all);
		if (g->mark[p] == st || (excl && g->seen[p] == excl))
			continue;
		g->mark[p] = st; /* one screen per program */
		if (invites(g, r, p, s))
			g->cand[k++].id = p;
	}
	return k;
}

static int64_t utility(const gen *g, sp_rng *r, int32_t p, int32_t home)
{
	int64_t u = g->wc * g->quality[p] + g->we * ih(r);
	if (g->region[p] == home)
		u += HOME_BONUS;
	return u;
}

/* Scores the k candidates and writes the best `len` to g->list, best
 * first; returns how many were written. */
static size_t rank_top(gen *g, sp_rng *r, size_t k, int32_t home, size_t len)
{
	for (size_t i = 0; i < k; i++) {
		g->cand[i].key = utility(g, r, g->cand[i].id, home);
		g->cand[i].id2 = 0;
	}
	sort_scored(g->cand, k);
	len = SP_MIN(len, k);
	for (size_t i = 0; i < len; i++)
		g->list[i] = g->cand[i].id;
	return len;
}

/* A list length: mean + N(0, (mean/3)^2), rounded toward the mean,
 * clipped to [1, max] (0 when max is 0). */
static size_t draw_len(sp_rng *r, int mean, size_t max)
{
	int64_t len = mean + (int64_t)ih(r) * mean / (3 * IH_SD);
	if (len < 1)
		len = 1;
	if ((size_t)len > max)
		len = (int64_t)max;
	return (size_t)len;
}

static sp_status push_entry(gen *g, int32_t a, int32_t p)
{
	if (!SP_VEC_PUSH(g->ea, a) || !SP_VEC_PUSH(g->ep, p))
		return SP_ENOMEM;
	return SP_OK;
}

/* ------------------------------------------------------------------ */
/* Singles and their supplemental lists.                               */

/* Splits the advanced programs of rol into groups by region, in order
 * of first appearance (at most MAX_GROUPS; programs of later regions
 * join the last group).  Writes them grouped to g->adv, group k being
 * start[k]..start[k+1]; returns the number of groups. */
static int group_advanced(gen *g, const int32_t *rol, size_t n, size_t *start)
{
	int32_t reg[MAX_GROUPS];
	int ng = 0,
	    maxg = g->o->advanced_applicants > 0 ? TRACK_GROUPS : MAX_GROUPS;
	for (size_t i = 0; i < n && ng < maxg; i++) {
		if (g->track[rol[i]] != SP_TRACK_ADVANCED)
			continue;
		int k = 0;
		while (k < ng && reg[k] != g->region[rol[i]])
			k++;
		if (k == ng)
			reg[ng++] = g->region[rol[i]];
	}
	size_t m = 0;
	for (int k = 0; k < ng; k++) {
		start[k] = m;
		for (size_t i = 0; i < n; i++) {
			if (g->track[rol[i]] != SP_TRACK_ADVANCED)
				continue;
			int j = 0;
			while (j < ng - 1 && reg[j] != g->region[rol[i]])
				j++;
			if (j == k)
				g->adv[m++] = rol[i];
		}
	}
	start[ng] = m;
	return ng;
}

/* Gives single a (primary list rol) its supplemental lists. */
static sp_status gen_supplemental(gen *g, sp_rng *r, int32_t a,
                                  const int32_t *rol, size_t n)
{
	size_t start[MAX_GROUPS + 1];
	int ng = group_advanced(g, rol, n, start);
	if (ng == 0)
		return SP_OK;
	uint32_t st = fresh(&g->seen_stamp, g->seen, g->np);
	for (size_t i = 0; i < n; i++)
		g->seen[rol[i]] = st;
	pool all = whole_pool(g, &g->prelim);
	int mean = g->o->supplemental_len > 0
	               ? g->o->supplemental_len
	               : SP_MAX(1, (g->o->rol_len + 1) / 3);
	for (int k = 0; k < ng; k++) {
		int32_t reg = g->region[g->adv[start[k]]];
		size_t len = draw_len(r, mean, (size_t)all.n);
		size_t nc = draw(g, r, region_pool(&g->prelim, reg), all,
		                 CAND_FACTOR * len, 12, st, g->strength[a]);
		size_t m = rank_top(g, r, nc, reg, len);
		if (m == 0)
			continue;
		sp_status s = sp_inst_add_supplemental(
		    g->in, a, g->adv + start[k], start[k + 1] - start[k],
		    g->list, m);
		for (size_t i = 0; i < m && !s; i++) {
			/* Seen now: later lists skip it, so the applicant
			 * is entered once on the program's side. */
			g->seen[g->list[i]] = st;
			s = push_entry(g, a, g->list[i]);
		}
		if (s)
			return s;
	}
	return SP_OK;
}

/* The list of an advanced-track single: its best advanced candidates
 * (about half the list) above its best others; in g->list, count
 * returned. */
static size_t advanced_list(gen *g, sp_rng *r, int32_t a, int32_t home,
                            size_t len)
{
	const bucket *b = &g->adv_b;
	size_t nadv = (len + 1) / 2;
	size_t nc = draw(g, r, region_pool(b, home), whole_pool(g, b),
	                 CAND_FACTOR * nadv, 8, 0, g->strength[a]);
	size_t n = rank_top(g, r, nc, home, nadv);
	memcpy(g->rol, g->list, n * sizeof *g->rol);
	b = &g->nonadv;
	nc = draw(g, r, region_pool(b, home), whole_pool(g, b),
	          CAND_FACTOR * (len - n), 8, 0, g->strength[a]);
	size_t m = rank_top(g, r, nc, home, len - n);
	memmove(g->list + n, g->list, m * sizeof *g->list);
	memcpy(g->list, g->rol, n * sizeof *g->list);
	return n + m;
}

/* Whether single a seeks advanced positions (only with
 * advanced_applicants > 0, which draws it; otherwise every single may
 * rank any program). */
static bool advanced_track(const gen *g, sp_rng *r)
{
	uint32_t t = (uint32_t)lround(g->o->advanced_applicants * 65536.0);
	return (uint32_t)below(r, 65536) < t && g->adv_b.off[g->o->nregions];
}

static sp_status gen_single(gen *g, int32_t a)
{
	sp_rng r;
	stream(g, &r, S_SINGLE, (uint64_t)a);
	int32_t home = g->region[below(&r, g->np)];
	size_t len = draw_len(&r, g->o->rol_len,
	                      SP_MIN((size_t)g->np, (size_t)SP_MAX_LIST));
	size_t n;
	if (g->o->advanced_applicants > 0 && advanced_track(g, &r)) {
		n = advanced_list(g, &r, a, home, len);
	} else {
		const bucket *b = &g->all;
		if (g->o->advanced_applicants > 0)
			b = below(&r, PRELIM_SEEK_DEN) == 0 ? &g->nonadv
			                                    : &g->cat_b;
		size_t nc = draw(g, &r, region_pool(b, home), whole_pool(g, b),
		                 CAND_FACTOR * len, 8, 0, g->strength[a]);
		n = rank_top(g, &r, nc, home, len);
	}
	sp_status s = sp_inst_set_rol(g->in, a, g->list, n);
	for (size_t i = 0; i < n && !s; i++)
		s = push_entry(g, a, g->list[i]);
	if (!s && g->prelim.off[g->o->nregions] > 0) {
		memcpy(g->rol, g->list, n * sizeof *g->rol);
		s = gen_supplemental(g, &r, a, g->rol, n);
	}
	return s;
}

/* ------------------------------------------------------------------ */
/* Couples.                                                            */

static size_t isqrt(size_t n)
{
	size_t x = 0;
	while ((x + 1) * (x + 1) <= n)
		x++;
	return x;
}

/* Draws one partner's candidates in the couple's region into ids[] and
 * their utilities into u[]; returns the count. */
static size_t partner_pool(gen *g, sp_rng *r, pool local, size_t k, int32_t m,
                           int32_t *ids, int64_t *u)
{
	size_t n =
	    draw(g, r, local, local, k, 16, 0, g->strength[m] - COUPLE_CAUTION);
	for (size_t i = 0; i < n; i++) {
		ids[i] = g->cand[i].id;
		u[i] = utility(g, r, ids[i], SP_NONE);
	}
	return n;
}

/* Index of the largest u (the lowest index among equals). */
static size_t best_of(const int64_t *u, size_t n)
{
	size_t b = 0;
	for (size_t i = 1; i < n; i++)
		if (u[i] > u[b])
			b = i;
	return b;
}

/* Pushes each distinct program in column j of the n pairs for member m. */
static sp_status couple_entries(gen *g, int32_t m, const int32_t *pairs,
                                size_t n, int j)
{
	uint32_t st = fresh(&g->mark_stamp, g->mark, g->np);
	for (size_t k = 0; k < n; k++) {
		int32_t p = pairs[2 * k + j];
		if (p == SP_NONE || g->mark[p] == st)
			continue;
		g->mark[p] = st;
		sp_status s = push_entry(g, m, p);
		if (s)
			return s;
	}
	return SP_OK;
}

static sp_status gen_couple(gen *g, int32_t c)
{
	sp_rng r;
	stream(g, &r, S_COUPLE, (uint64_t)c);
	pool choices = whole_pool(g, &g->nonadv);
	int32_t reg = g->region[choices.v[below(&r, choices.n)]];
	pool local = region_pool(&g->nonadv, reg);
	size_t want = draw_len(&r, g->o->couple_rol_len, SP_MAX_LIST - 2);
	size_t k = isqrt(want) + 1;
	int32_t pa[2 * MAX_COUPLE_K], pb[2 * MAX_COUPLE_K + 1];
	int64_t ua[2 * MAX_COUPLE_K], ub[2 * MAX_COUPLE_K + 1];
	int32_t a = g->ns + 2 * c, b = a + 1;
	size_t na = partner_pool(g, &r, local, k, a, pa, ua);
	size_t nb = partner_pool(g, &r, local, k, b, pb, ub);
	if (na > 0 && (sp_rng_next(&r) & 1) && g->quota[pa[0]] >= 2) {
		size_t j = 0;
		while (j < nb && pb[j] != pa[0])
			j++;
		if (j == nb) {
			pb[nb] = pa[0];
			ub[nb] = utility(g, &r, pa[0], SP_NONE);
			nb++;
		}
	}
	size_t npairs = 0;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++) {
			bool same = pa[i] == pb[j];
			if (same && g->quota[pa[i]] < 2)
				continue;
			g->pairs[npairs++] =
			    (scored){ua[i] + ub[j] + (same ? SAME_BONUS : 0),
			             (int32_t)i, (int32_t)j};
		}
	sort_scored(g->pairs, npairs);
	size_t n = SP_MIN(want, npairs);
	for (size_t t = 0; t < n; t++) {
		g->list[2 * t] = pa[g->pairs[t].id];
		g->list[2 * t + 1] = pb[g->pairs[t].id2];
	}
	if (below(&r, 4) == 0) {
		if (na > 0) {
			g->list[2 * n] = pa[best_of(ua, na)];
			g->list[2 * n++ + 1] = SP_NONE;
		}
		if (nb > 0 && (sp_rng_next(&r) & 1)) {
			g->list[2 * n] = SP_NONE;
			g->list[2 * n++ + 1] = pb[best_of(ub, nb)];
		}
	}
	char name[24];
	snprintf(name, sizeof name, "C%ld", (long)c + 1);
	sp_status s = sp_inst_add_couple(g->in, name, a, b, g->list, n, NULL);
	if (!s)
		s = couple_entries(g, a, g->list, n, 0);
	if (!s)
		s = couple_entries(g, b, g->list, n, 1);
	return s;
}

/* ------------------------------------------------------------------ */
/* Programs' lists and reversions.                                     */

/* Orders the rankers of program p by score and sets its list. */
static sp_status rank_program(gen *g, int32_t p, const int32_t *who, size_t n,
                              scored *buf, int32_t *ids)
{
	sp_rng r;
	stream(g, &r, S_RANK, (uint64_t)p);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t v = g->wc * g->strength[who[i]] + g->we * ih(&r);
		if ((sp_rng_next(&r) & DROP_MASK) == 0)
			continue;
		buf[k++] = (scored){v, who[i], 0};
	}
	sort_scored(buf, k);
	k = SP_MIN(k, (size_t)SP_MAX_PROGRAM_LIST);
	for (size_t i = 0; i < k; i++)
		ids[i] = buf[i].id;
	return sp_inst_set_program_rol(g->in, p, ids, k);
}

static sp_status gen_program_lists(gen *g)
{
	size_t ne = g->ea.n;
	int32_t *off = sp_calloc((size_t)g->np + 1, sizeof *off);
	int32_t *who = sp_malloc((ne ? ne : 1) * sizeof *who);
	scored *buf = NULL;
	int32_t *ids = NULL;
	sp_status s = SP_ENOMEM;
	if (!off || !who)
		goto out;
	size_t longest = 0;
	for (size_t e = 0; e < ne; e++)
		off[g->ep.v[e] + 1]++;
	for (int32_t p = 0; p < g->np; p++) {
		longest = SP_MAX(longest, (size_t)off[p + 1]);
		off[p + 1] += off[p];
	}
	buf = sp_malloc((longest ? longest : 1) * sizeof *buf);
	ids = sp_malloc((longest ? longest : 1) * sizeof *ids);
	if (!buf || !ids)
		goto out;
	/* Place entries (in applicant order) with off[p] as the cursor,
	 * then shift the offsets back. */
	for (size_t e = 0; e < ne; e++)
		who[off[g->ep.v[e]]++] = g->ea.v[e];
	for (int32_t p = g->np; p > 0; p--)
		off[p] = off[p - 1];
	off[0] = 0;
	s = SP_OK;
	for (int32_t p = 0; p < g->np && !s; p++)
		s = rank_program(g, p, who + off[p],
		                 (size_t)(off[p + 1] - off[p]), buf, ids);
out:
	sp_free(off);
	sp_free(who);
	sp_free(buf);
	sp_free(ids);
	return s;
}

/* A set of (donor, receiver) keys: open addressing, power-of-2 size. */
typedef struct {
	uint64_t *v;
	size_t mask;
} keyset;

/* Inserts key (never 0); returns false if it was present. */
static bool keyset_add(keyset *ks, uint64_t key)
{
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & ks->mask;
	while (ks->v[i]) {
		if (ks->v[i] == key)
			return false;
		i = (i + 1) & ks->mask;
	}
	ks->v[i] = key;
	return true;
}

static uint64_t rkey(int32_t d, int32_t rcv)
{
	return ((uint64_t)(uint32_t)d << 32 | (uint32_t)rcv) + 1;
}

/* A receiver for donor d, preferably later in d's region; SP_NONE if
 * the drawn one is taken. */
static int32_t draw_receiver(gen *g, sp_rng *r, int32_t d)
{
	pool reg = region_pool(&g->all, g->region[d]);
	int32_t lo = 0, hi = reg.n; /* first index with id > d */
	while (lo < hi) {
		int32_t mid = lo + (hi - lo) / 2;
		if (reg.v[mid] <= d)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < reg.n)
		return reg.v[lo + below(r, reg.n - lo)];
	return d + 1 + below(r, g->np - d - 1);
}

/* Picks a free (donor, receiver) pair into *d, *rcv: a few random
 * tries, then, when crowded, the first free pair in id order.  One
 * exists, since each donor 0..np-2 can give at least once and fewer than
 * np-1 reversions were placed before. */
static bool find_pair(gen *g, sp_rng *r, keyset *ks, const int32_t *left,
                      int32_t *d, int32_t *rcv)
{
	for (int t = 0; t < 32; t++) {
		*d = below(r, g->np - 1);
		if (left[*d] == 0)
			continue;
		*rcv = draw_receiver(g, r, *d);
		if (keyset_add(ks, rkey(*d, *rcv)))
			return true;
	}
	for (*d = 0; *d < g->np - 1; ++*d) {
		if (left[*d] == 0)
			continue;
		for (*rcv = *d + 1; *rcv < g->np; ++*rcv)
			if (keyset_add(ks, rkey(*d, *rcv)))
				return true;
	}
	return false;
}

static sp_status gen_reversions(gen *g)
{
	int nrev = g->o->reversions;
	if (nrev == 0)
		return SP_OK;
	size_t size = 16;
	while (size < 4 * (size_t)nrev)
		size *= 2;
	keyset ks = {sp_calloc(size, sizeof(uint64_t)), size - 1};
	int32_t *left = sp_malloc((size_t)g->np * sizeof *left);
	sp_status s = SP_ENOMEM;
	if (!ks.v || !left)
		goto out;
	memcpy(left, g->quota, (size_t)g->np * sizeof *left);
	sp_rng r;
	stream(g, &r, S_REVERSION, 0);
	s = SP_OK;
	for (int k = 0; k < nrev && !s; k++) {
		int32_t d, rcv;
		bool found = find_pair(g, &r, &ks, left, &d, &rcv);
		assert(found);
		if (!found)
			break;
		int cnt = 1 + below(&r, SP_MIN(left[d], 2));
		left[d] -= cnt;
		s = sp_inst_add_reversion(g->in, d, rcv, cnt);
	}
out:
	sp_free(ks.v);
	sp_free(left);
	return s;
}

/* ------------------------------------------------------------------ */
/* Driver.                                                             */

static void gen_free(gen *g)
{
	sp_free(g->quota);
	sp_free(g->region);
	sp_free(g->quality);
	sp_free(g->strength);
	sp_free(g->track);
	bucket *bs[] = {&g->all, &g->nonadv, &g->prelim, &g->adv_b, &g->cat_b};
	for (size_t i = 0; i < 5; i++) {
		sp_free(bs[i]->off);
		sp_free(bs[i]->ids);
		sp_free(bs[i]->cum);
		sp_free(bs[i]->rguide);
		sp_free(bs[i]->wguide);
	}
	sp_free(g->mark);
	sp_free(g->seen);
	sp_free(g->cand);
	sp_free(g->pairs);
	sp_free(g->list);
	sp_free(g->rol);
	sp_free(g->adv);
	SP_VEC_FREE(g->ea);
	SP_VEC_FREE(g->ep);
}

static sp_status gen_alloc(gen *g)
{
	size_t np = (size_t)g->np, na = (size_t)g->na;
	g->quota = sp_malloc(np * sizeof *g->quota);
	g->region = sp_malloc(np * sizeof *g->region);
	g->quality = sp_malloc(np * sizeof *g->quality);
	g->track = sp_calloc(np, sizeof *g->track);
	g->strength = sp_malloc(na * sizeof *g->strength);
	g->mark = sp_calloc(np, sizeof *g->mark);
	g->seen = sp_calloc(np, sizeof *g->seen);
	g->cand = sp_malloc(CAND_CAP * sizeof *g->cand);
	g->list = sp_malloc((2 * SP_MAX_LIST + 4) * sizeof *g->list);
	g->rol = sp_malloc(SP_MAX_LIST * sizeof *g->rol);
	g->adv = sp_malloc(SP_MAX_LIST * sizeof *g->adv);
	if (g->o->ncouples > 0)
		g->pairs = sp_malloc((size_t)(2 * MAX_COUPLE_K + 1) *
		                     (2 * MAX_COUPLE_K + 1) * sizeof *g->pairs);
	bool ok = g->quota && g->region && g->quality && g->track &&
	          g->strength && g->mark && g->seen && g->cand && g->list &&
	          g->rol && g->adv && (g->o->ncouples == 0 || g->pairs);
	return ok ? SP_OK : SP_ENOMEM;
}

static sp_status add_applicants(gen *g)
{
	char name[24];
	sp_rng r;
	stream(g, &r, S_STRENGTH, 0);
	for (int32_t a = 0; a < g->na; a++) {
		g->strength[a] = ih(&r);
		snprintf(name, sizeof name, "A%ld", (long)a + 1);
		sp_status s = sp_inst_add_applicant(g->in, name, NULL);
		if (s)
			return s;
	}
	return SP_OK;
}

static sp_status build(gen *g)
{
	sp_status s = gen_alloc(g);
	if (!s)
		s = gen_programs(g);
	if (!s)
		s = add_programs(g);
	if (!s)
		s = add_applicants(g);
	for (int32_t a = 0; a < g->ns && !s; a++)
		s = gen_single(g, a);
	for (int32_t c = 0; c < g->o->ncouples && !s; c++)
		s = gen_couple(g, c);
	if (!s)
		s = gen_program_lists(g);
	if (!s)
		s = gen_reversions(g);
	return s;
}

sp_status sp_gen(const sp_gen_opts *o, sp_inst **out, sp_err *err)
{
	sp__err_clear(err);
	if (!out)
		return BAD("out", "is NULL");
	*out = NULL;
	if (!o)
		return BAD("opts", "is NULL");
	sp_status s = check_sizes(o, err);
	if (!s)
		s = check_lists(o, err);
	if (s)
		return s;
	gen g = {0};
	g.o = o;
	g.np = o->nprograms;
	g.na = o->napplicants;
	g.ns = o->napplicants - 2 * o->ncouples;
	g.wc = (int64_t)lround(sqrt(o->correlation) * WSCALE);
	g.we = (int64_t)lround(sqrt(1.0 - o->correlation) * WSCALE);
	g.tour = (uint32_t)lround(o->correlation * WSCALE);
	s = sp_inst_new(&g.in);
	if (!s)
		s = build(&g);
	gen_free(&g);
	if (s) {
		sp_inst_free(g.in);
		return sp__err_set(err, s, NULL, 0, NULL,
		                   "generating the market failed: %s",
		                   sp_strerror(s));
	}
	*out = g.in;
	return SP_OK;
}

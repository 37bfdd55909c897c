/*
 * match.c — the match engine: Roth–Peranson applicant-proposing deferred
 * acceptance with couples, supplemental PGY-1 lists and reversions, and a
 * program-proposing mode for comparison.
 *
 * DESIGN
 *
 * Source.  Roth & Peranson, "The Redesign of the Matching Market for
 * American Physicians", AER 89(4), 1999, as outlined there and in the
 * NRMP's own descriptions (the algorithm tries an applicant's programs
 * from the top of the list; a bumped applicant is re-matched "starting
 * from the top of the applicant's ROL", NRMP International).  RP-1999 is
 * an outline, not a specification; the choices below are ours and are
 * stated so that results can be checked.
 *
 * State.  Each program keeps the applicants it tentatively holds as flags
 * over its own rank order list (held[off_p + r] for rank r), with the
 * count and the worst held rank.  A program *accepts* an applicant of
 * rank r when it has a free position or r is better than its worst.
 * Every list entry carries both ranks (applicant side and program side),
 * joined once before matching, so each proposal is O(1).
 *
 * Phases.
 *   1. Singles.  Classic McVitie–Wilson deferred acceptance over the
 *      applicants who are not in couples, in id order; a bumped single
 *      continues down its list.  With singles only this yields the
 *      applicant-optimal stable matching (Gale–Shapley), which the tests
 *      check against a deliberately simple implementation.
 *   2. Couples, one at a time (RP's applicant stack), in input order or,
 *      with a seed, a seeded shuffle.  A couple tries its pairs from the
 *      top; a pair is possible when each named program accepts the member
 *      sent there, treating the couple's own current positions as free.
 *      Both members at one program: both must be among the program's
 *      `capacity` best of its held set plus the two — when the program is
 *      full, both must beat its two worst (the rule Ashlagi–Braverman–
 *      Hassidim use; RP leave it open).  A pair with SP_NONE leaves that
 *      partner unmatched.
 *      When a couple member is displaced, its partner is withdrawn, the
 *      couple re-enters the applicant stack and the program the partner
 *      left goes on the program stack.  Any position released (a
 *      withdrawal, an applicant moving up, a reversion adding positions)
 *      puts its program on the program stack.
 *   3. Program stack.  When the applicant stack is empty, a program is
 *      popped and its list scanned for applicants it would now accept who
 *      prefer it to what they hold; each is pushed back on the applicant
 *      stack.  Every re-processed applicant or couple restarts from the
 *      top of its list and stops at its current match: this is RP's
 *      instability-chain repair, and it touches only the programs that
 *      changed, never a rescan of everyone (the stable-matching-suite
 *      rescans all residents after each couple; 39 s at 40k applicants).
 *   4. Supplemental lists.  An applicant holding an advanced program that
 *      is linked to one of its supplemental lists gets a second agent that
 *      proposes down that list of PGY-1 programs.  These agents run only
 *      when the applicant and program stacks are empty, i.e. after the
 *      advanced match has settled; their failure never undoes the
 *      advanced match, and losing the advanced position withdraws the
 *      PGY-1 one (NRMP: "only if the applicant first matches to the
 *      linked advanced program").
 *   5. Reversions.  When everything is quiet, each reversion, in a
 *      topological order of the donor→receiver graph, moves up to its
 *      count of the donor's unfilled positions to the receiver, whose
 *      program check then admits applicants who wanted it; this repeats
 *      until no reversion moves anything (a donor that loses an applicant
 *      later may revert more, never beyond its count).  A cycle in the
 *      graph is refused with SP_ECYCLE (NRMP: "no circular reversions").
 *
 * Cycles.  With couples a stable matching may not exist (Roth 1984;
 * Kojima–Pathak–Roth 2013), and the chain repair can loop.  Following RP,
 * a cycle is declared when one applicant is displaced more than
 * `cycle_limit` times in the couples phase.  With max_restarts > 0 the
 * whole run restarts with another seeded couple order; when attempts are
 * exhausted the result is SP_ENOSTABLE with the last matching and the
 * evidence (the cycling applicant and program) in the error.
 *
 * Invariants (asserted in debug builds): held counts never exceed
 * capacity; an applicant's primary and supplemental positions are
 * reflected exactly by the held flags; a couple holds both positions of
 * one pair of its list or neither.
 *
 * Complexity.  Joining the ranks is O(L) for L list entries.  The singles
 * phase is O(L) proposals plus the worst-rank rescans (amortized O(L)).
 * Each re-processing costs the length of one list, each program check the
 * length of one program list; on realistic (correlated) markets the
 * couples phase costs a small multiple of the singles phase.  Memory is
 * O(L + applicants + programs).
 *
 * Determinism.  No hash order, no clock, no global state: the same
 * instance and options give the same matching on every machine.
 *
 * Program-proposing mode is the textbook algorithm for singles (each
 * program proposes down its list until full); it refuses couples and
 * supplemental lists, for which it is not defined here.
 */
#include "matching.h"

#include <stdio.h>

#define DEFAULT_CYCLE_LIMIT 1000

typedef struct {
	const sp_inst *in;
	int32_t na, np, nc;

	/* Program lists: applicant, and the applicant's own list position of
	 * this program (ROL index for singles, first pair index for couple
	 * members, -1 when the applicant does not rank the program). */
	int32_t *pl_off, *pl_app, *pl_pos;
	uint8_t *held;
	int32_t *cnt, *cap, *worst;

	/* Singles' lists: program and the applicant's rank there (-1 when
	 * the program does not rank the applicant). */
	int32_t *a_off, *e_prog, *e_rank;
	/* Couples' pairs, two entries per pair. */
	int32_t *c_off, *cp_prog, *cp_rank, *cm;
	/* Supplemental lists. */
	int32_t *sl_off, *sl_prog, *sl_rank;

	/* Applicant state. */
	int32_t *couple;           /* couple id or SP_NONE */
	int32_t *match, *mrank;    /* primary program, its program rank */
	int32_t *mpos;             /* position in own list (singles) */
	int32_t *next;             /* singles phase: next list position */
	int32_t *sidx;             /* active supplemental list or NONE */
	int32_t *smatch, *srank, *spos; /* supplemental position */
	int32_t *cpos;             /* per couple: pair index held, or -1 */
	int32_t *disp;             /* displacements in the couples phase */

	/* Stacks; agents are applicant ids, or na + c for couple c. */
	int32_t *astack, *sstack, *pstack;
	int32_t an, sn, pn;
	uint8_t *a_on, *s_on, *p_on;

	bool restarting; /* past the singles phase: restart from the top */
	int cycle_limit;
	bool cycled;
	int32_t cycle_app, cycle_prog;
	sp_match_stats st;
} eng;

/* ------------------------------------------------------------------ */
/* Setup: allocate and join the two sides' ranks.                      */

static void eng_free(eng *e)
{
	void *ptrs[] = {e->pl_off, e->pl_app, e->pl_pos,  e->held,   e->cnt,
			e->cap,    e->worst,  e->a_off,   e->e_prog, e->e_rank,
			e->c_off,  e->cp_prog, e->cp_rank, e->cm,    e->sl_off,
			e->sl_prog, e->sl_rank, e->couple, e->match, e->mrank,
			e->mpos,   e->next,   e->sidx,    e->smatch, e->srank,
			e->spos,   e->cpos,   e->disp,    e->astack, e->sstack,
			e->pstack, e->a_on,   e->s_on,    e->p_on};
	for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++)
		sp_free(ptrs[i]);
	memset(e, 0, sizeof *e);
}

static size_t at_least_one(size_t n)
{
	return n ? n : 1;
}

#define ALLOC(ptr, n) ((ptr) = sp_malloc(at_least_one((size_t)(n)) * sizeof *(ptr)))

/* Fills pl_off/pl_app and the per-applicant buckets of (program, index
 * into pl arrays) that the join below uses. */
static bool build_program_lists(eng *e, int32_t **b_off, int32_t **b_idx,
				int32_t **b_prog)
{
	const sp_inst *in = e->in;
	size_t total = 0;
	for (int32_t p = 0; p < e->np; p++) {
		size_t n;
		sp_inst_program_rol(in, p, &n);
		e->pl_off[p] = (int32_t)total;
		total += n;
	}
	e->pl_off[e->np] = (int32_t)total;
	if (!ALLOC(e->pl_app, total) || !ALLOC(e->pl_pos, total) ||
	    !(e->held = sp_calloc(total ? total : 1, 1)))
		return false;
	int32_t *bo = sp_calloc((size_t)e->na + 1, sizeof *bo);
	int32_t *bi = sp_malloc((total ? total : 1) * sizeof *bi);
	int32_t *bp = sp_malloc((total ? total : 1) * sizeof *bp);
	*b_off = bo;
	*b_idx = bi;
	*b_prog = bp;
	if (!bo || !bi || !bp)
		return false;
	for (int32_t p = 0; p < e->np; p++) {
		size_t n;
		const int32_t *l = sp_inst_program_rol(in, p, &n);
		memcpy(e->pl_app + e->pl_off[p], l, n * sizeof *l);
		for (size_t r = 0; r < n; r++)
			bo[l[r] + 1]++;
	}
	for (int32_t a = 0; a < e->na; a++)
		bo[a + 1] += bo[a];
	/* Fill in program order so each bucket is sorted by program. */
	int32_t *fill = sp_malloc(((size_t)e->na + 1) * sizeof *fill);
	if (!fill)
		return false;
	memcpy(fill, bo, ((size_t)e->na + 1) * sizeof *fill);
	for (int32_t p = 0; p < e->np; p++)
		for (int32_t i = e->pl_off[p]; i < e->pl_off[p + 1]; i++) {
			int32_t k = fill[e->pl_app[i]]++;
			bi[k] = i;
			bp[k] = p;
		}
	sp_free(fill);
	for (size_t i = 0; i < total; i++)
		e->pl_pos[i] = -1;
	return true;
}

/* Scratch for the join: for one applicant at a time, the program rank
 * (program side) and list position (applicant side) by program. */
typedef struct {
	uint32_t *mark, *mark2;
	int32_t *rank, *pos;
	uint32_t stamp;
} join_scratch;

static void mark_bucket(const eng *e, join_scratch *js, const int32_t *b_off,
			const int32_t *b_idx, const int32_t *b_prog, int32_t a)
{
	js->stamp++;
	for (int32_t k = b_off[a]; k < b_off[a + 1]; k++) {
		int32_t p = b_prog[k];
		js->mark[p] = js->stamp;
		js->rank[p] = b_idx[k] - e->pl_off[p];
	}
}

static int32_t rank_at(const join_scratch *js, int32_t p)
{
	return js->mark[p] == js->stamp ? js->rank[p] : -1;
}

/* Records, for each program that ranks applicant a, where a's own list
 * first names that program (js->pos, marked with mark2). */
static void set_pl_pos(eng *e, const join_scratch *js, const int32_t *b_off,
		       const int32_t *b_idx, const int32_t *b_prog, int32_t a)
{
	for (int32_t k = b_off[a]; k < b_off[a + 1]; k++) {
		int32_t p = b_prog[k];
		if (js->mark2[p] == js->stamp)
			e->pl_pos[b_idx[k]] = js->pos[p];
	}
}

static bool join_ranks(eng *e)
{
	const sp_inst *in = e->in;
	int32_t *b_off = NULL, *b_idx = NULL, *b_prog = NULL;
	join_scratch js = {0};
	bool ok = false;
	if (!build_program_lists(e, &b_off, &b_idx, &b_prog))
		goto out;
	js.mark = sp_calloc((size_t)e->np + 1, sizeof *js.mark);
	js.mark2 = sp_calloc((size_t)e->np + 1, sizeof *js.mark2);
	ALLOC(js.rank, e->np);
	ALLOC(js.pos, e->np);
	if (!js.mark || !js.mark2 || !js.rank || !js.pos)
		goto out;

	/* Singles. */
	size_t ne = 0;
	for (int32_t a = 0; a < e->na; a++) {
		size_t n = 0;
		if (e->couple[a] == SP_NONE)
			sp_inst_rol(in, a, &n);
		e->a_off[a] = (int32_t)ne;
		ne += n;
	}
	e->a_off[e->na] = (int32_t)ne;
	if (!ALLOC(e->e_prog, ne) || !ALLOC(e->e_rank, ne))
		goto out;
	for (int32_t a = 0; a < e->na; a++) {
		if (e->couple[a] != SP_NONE)
			continue;
		size_t n;
		const int32_t *rol = sp_inst_rol(in, a, &n);
		mark_bucket(e, &js, b_off, b_idx, b_prog, a);
		for (size_t k = 0; k < n; k++) {
			int32_t p = rol[k];
			e->e_prog[e->a_off[a] + k] = p;
			e->e_rank[e->a_off[a] + k] = rank_at(&js, p);
			js.mark2[p] = js.stamp;
			js.pos[p] = (int32_t)k;
		}
		set_pl_pos(e, &js, b_off, b_idx, b_prog, a);
	}

	/* Couples: member j of couple c is cm[2c + j]. */
	size_t np2 = 0;
	for (int32_t c = 0; c < e->nc; c++) {
		size_t n;
		sp_inst_couple_rol(in, c, &n);
		e->c_off[c] = (int32_t)np2;
		np2 += n;
		sp_inst_couple_members(in, c, &e->cm[2 * c], &e->cm[2 * c + 1]);
	}
	e->c_off[e->nc] = (int32_t)np2;
	if (!ALLOC(e->cp_prog, 2 * np2) || !ALLOC(e->cp_rank, 2 * np2))
		goto out;
	for (int32_t c = 0; c < e->nc; c++) {
		size_t n;
		const int32_t *pairs = sp_inst_couple_rol(in, c, &n);
		memcpy(e->cp_prog + 2 * e->c_off[c], pairs,
		       2 * n * sizeof *pairs);
		for (int j = 0; j < 2; j++) {
			int32_t a = e->cm[2 * c + j];
			mark_bucket(e, &js, b_off, b_idx, b_prog, a);
			for (size_t k = 0; k < n; k++) {
				int32_t p = pairs[2 * k + j];
				size_t i = 2 * ((size_t)e->c_off[c] + k) + j;
				e->cp_rank[i] = p == SP_NONE ? 0 : rank_at(&js, p);
				if (p != SP_NONE && js.mark2[p] != js.stamp) {
					js.mark2[p] = js.stamp;
					js.pos[p] = (int32_t)k;
				}
			}
			set_pl_pos(e, &js, b_off, b_idx, b_prog, a);
		}
	}

	/* Supplemental lists. */
	size_t ns = sp_inst_nsupplementals(in), nse = 0;
	if (!ALLOC(e->sl_off, ns + 1))
		goto out;
	for (size_t s = 0; s < ns; s++) {
		int32_t a;
		const int32_t *adv, *pre;
		size_t nadv, npre;
		sp_inst_supplemental(in, s, &a, &adv, &nadv, &pre, &npre);
		e->sl_off[s] = (int32_t)nse;
		nse += npre;
	}
	e->sl_off[ns] = (int32_t)nse;
	if (!ALLOC(e->sl_prog, nse) || !ALLOC(e->sl_rank, nse))
		goto out;
	for (size_t s = 0; s < ns; s++) {
		int32_t a;
		const int32_t *adv, *pre;
		size_t nadv, npre;
		sp_inst_supplemental(in, s, &a, &adv, &nadv, &pre, &npre);
		mark_bucket(e, &js, b_off, b_idx, b_prog, a);
		for (size_t k = 0; k < npre; k++) {
			e->sl_prog[e->sl_off[s] + k] = pre[k];
			e->sl_rank[e->sl_off[s] + k] = rank_at(&js, pre[k]);
		}
	}
	ok = true;
out:
	sp_free(b_off);
	sp_free(b_idx);
	sp_free(b_prog);
	sp_free(js.mark);
	sp_free(js.mark2);
	sp_free(js.rank);
	sp_free(js.pos);
	return ok;
}

static sp_status eng_init(eng *e, const sp_inst *in)
{
	memset(e, 0, sizeof *e);
	e->in = in;
	e->na = sp_inst_napplicants(in);
	e->np = sp_inst_nprograms(in);
	e->nc = sp_inst_ncouples(in);
	int32_t na = e->na, np = e->np, nc = e->nc;
	if (!ALLOC(e->pl_off, np + 1) || !ALLOC(e->cnt, np) ||
	    !ALLOC(e->cap, np) || !ALLOC(e->worst, np) ||
	    !ALLOC(e->a_off, na + 1) || !ALLOC(e->c_off, nc + 1) ||
	    !ALLOC(e->cm, 2 * nc) || !ALLOC(e->couple, na) ||
	    !ALLOC(e->match, na) || !ALLOC(e->mrank, na) ||
	    !ALLOC(e->mpos, na) || !ALLOC(e->next, na) ||
	    !ALLOC(e->sidx, na) || !ALLOC(e->smatch, na) ||
	    !ALLOC(e->srank, na) || !ALLOC(e->spos, na) ||
	    !ALLOC(e->cpos, nc) || !ALLOC(e->disp, na) ||
	    !ALLOC(e->astack, na + nc) || !ALLOC(e->sstack, na) ||
	    !ALLOC(e->pstack, np) ||
	    !(e->a_on = sp_calloc((size_t)(na + nc) + 1, 1)) ||
	    !(e->s_on = sp_calloc((size_t)na + 1, 1)) ||
	    !(e->p_on = sp_calloc((size_t)np + 1, 1)))
		return SP_ENOMEM;
	for (int32_t a = 0; a < na; a++)
		e->couple[a] = sp_inst_couple_of(in, a);
	if (!join_ranks(e))
		return SP_ENOMEM;
	return SP_OK;
}

/* Resets the matching state (kept: the joined lists). */
static void eng_reset(eng *e)
{
	for (int32_t p = 0; p < e->np; p++) {
		e->cnt[p] = 0;
		e->cap[p] = sp_inst_quota(e->in, p);
		e->worst[p] = -1;
		e->p_on[p] = 0;
	}
	memset(e->held, 0, (size_t)e->pl_off[e->np]);
	for (int32_t a = 0; a < e->na; a++) {
		e->match[a] = e->smatch[a] = e->sidx[a] = SP_NONE;
		e->mrank[a] = e->srank[a] = e->mpos[a] = e->spos[a] = -1;
		e->next[a] = 0;
		e->disp[a] = 0;
		e->s_on[a] = 0;
	}
	for (int32_t c = 0; c < e->nc; c++)
		e->cpos[c] = -1;
	memset(e->a_on, 0, (size_t)(e->na + e->nc));
	e->an = e->sn = e->pn = 0;
	e->restarting = false;
	e->cycled = false;
}

/* ------------------------------------------------------------------ */
/* Stacks.                                                              */

static void push_agent(eng *e, int32_t agent)
{
	if (!e->a_on[agent]) {
		e->a_on[agent] = 1;
		e->astack[e->an++] = agent;
	}
}

static void push_supp(eng *e, int32_t a)
{
	if (!e->s_on[a]) {
		e->s_on[a] = 1;
		e->sstack[e->sn++] = a;
	}
}

static void push_program(eng *e, int32_t p)
{
	if (!e->p_on[p]) {
		e->p_on[p] = 1;
		e->pstack[e->pn++] = p;
	}
}

/* ------------------------------------------------------------------ */
/* Program held sets.                                                   */

static bool is_held(const eng *e, int32_t p, int32_t r)
{
	return e->held[e->pl_off[p] + r] != 0;
}

static bool accepts(const eng *e, int32_t p, int32_t r)
{
	return r >= 0 && (e->cnt[p] < e->cap[p] || r < e->worst[p]);
}

/* The worst held rank below `from` (exclusive), or -1. */
static int32_t scan_worst(const eng *e, int32_t p, int32_t from)
{
	const uint8_t *h = e->held + e->pl_off[p];
	int32_t r = from - 1;
	while (r >= 0 && !h[r])
		r--;
	return r;
}

/* Frees the position that rank r holds at p; p goes on the program
 * stack, since someone it turned away may now want it. */
static void release(eng *e, int32_t p, int32_t r)
{
	assert(is_held(e, p, r));
	e->held[e->pl_off[p] + r] = 0;
	e->cnt[p]--;
	if (r == e->worst[p])
		e->worst[p] = scan_worst(e, p, r);
	push_program(e, p);
}

static void displaced(eng *e, int32_t d, int32_t p);

/* Places rank r at p, displacing p's worst when p is full.  The caller
 * has checked accepts(). */
static void hold(eng *e, int32_t p, int32_t r)
{
	assert(accepts(e, p, r) && !is_held(e, p, r));
	int32_t bumped = -1;
	if (e->cnt[p] >= e->cap[p]) {
		bumped = e->worst[p];
		e->held[e->pl_off[p] + bumped] = 0;
		e->cnt[p]--;
		e->worst[p] = scan_worst(e, p, bumped);
	}
	e->held[e->pl_off[p] + r] = 1;
	e->cnt[p]++;
	if (r > e->worst[p])
		e->worst[p] = r;
	assert(e->cnt[p] <= e->cap[p]);
	if (bumped >= 0)
		displaced(e, e->pl_app[e->pl_off[p] + bumped], p);
}

/* ------------------------------------------------------------------ */
/* Supplemental agents.                                                 */

/* Withdraws a's supplemental position, if any, and activates the list
 * linked to a's current primary program, if any. */
static void supp_reset(eng *e, int32_t a)
{
	if (e->smatch[a] != SP_NONE) {
		release(e, e->smatch[a], e->srank[a]);
		e->smatch[a] = SP_NONE;
		e->srank[a] = e->spos[a] = -1;
	}
	e->sidx[a] = e->match[a] == SP_NONE
			     ? SP_NONE
			     : sp__inst_supp_for(e->in, a, e->match[a]);
	if (e->sidx[a] != SP_NONE)
		push_supp(e, a);
}

static void process_supp(eng *e, int32_t a)
{
	int32_t s = e->sidx[a];
	if (s == SP_NONE)
		return;
	int32_t off = e->sl_off[s], len = e->sl_off[s + 1] - off;
	int32_t end = e->smatch[a] != SP_NONE ? e->spos[a] : len;
	for (int32_t j = 0; j < end; j++) {
		int32_t p = e->sl_prog[off + j], r = e->sl_rank[off + j];
		e->st.proposals++;
		if (p == e->match[a] || !accepts(e, p, r))
			continue;
		if (e->smatch[a] != SP_NONE)
			release(e, e->smatch[a], e->srank[a]);
		e->smatch[a] = p;
		e->srank[a] = r;
		e->spos[a] = j;
		hold(e, p, r);
		return;
	}
}

/* ------------------------------------------------------------------ */
/* Singles.                                                             */

/* Moves single a's primary position to entry k of its list (program p,
 * rank r), releasing what it held. */
static void single_take(eng *e, int32_t a, int32_t k, int32_t p, int32_t r)
{
	if (e->smatch[a] == p) {
		/* a already sits at p through its supplemental list: the
		 * position becomes its primary one. */
		e->smatch[a] = SP_NONE;
		e->srank[a] = e->spos[a] = -1;
		if (e->match[a] != SP_NONE)
			release(e, e->match[a], e->mrank[a]);
		e->match[a] = p;
		e->mrank[a] = r;
		e->mpos[a] = k;
		supp_reset(e, a);
		return;
	}
	if (e->match[a] != SP_NONE)
		release(e, e->match[a], e->mrank[a]);
	e->match[a] = p;
	e->mrank[a] = r;
	e->mpos[a] = k;
	supp_reset(e, a);
	hold(e, p, r);
}

/* Tries single a's list from `start` up to (not including) its current
 * match, taking the first program that accepts it. */
static void process_single(eng *e, int32_t a)
{
	int32_t off = e->a_off[a], len = e->a_off[a + 1] - off;
	int32_t start = e->restarting ? 0 : e->next[a];
	int32_t end = e->match[a] != SP_NONE ? e->mpos[a] : len;
	for (int32_t k = start; k < end; k++) {
		int32_t p = e->e_prog[off + k], r = e->e_rank[off + k];
		e->st.proposals++;
		if (r < 0)
			continue;
		if (e->smatch[a] == p || accepts(e, p, r)) {
			e->next[a] = k + 1;
			single_take(e, a, k, p, r);
			return;
		}
	}
	if (e->match[a] == SP_NONE)
		e->next[a] = len;
}

/* ------------------------------------------------------------------ */
/* Couples.                                                             */

/* Rank of couple c's member j at the program it currently holds. */
static int32_t member_rank(const eng *e, int32_t c, int j)
{
	return e->mrank[e->cm[2 * c + j]];
}

/* Would program p take the members of couple c that pair k sends there?
 * The couple's members now at p leave first (X); those sent to p (T),
 * whether or not they are there now, must all be among p's `capacity`
 * best of the rest plus T.  For one member sent to a program it is not
 * at, this is the usual "free position or better than the worst". */
static bool pair_accepted_at(const eng *e, int32_t c, int32_t k, int32_t p)
{
	int32_t base = 2 * e->c_off[c] + 2 * k;
	int32_t w = -1, nt = 0, x_rank[2], nx = 0;
	for (int j = 0; j < 2; j++) {
		int32_t m = e->cm[2 * c + j];
		if (e->cp_prog[base + j] == p) {
			nt++;
			if (e->cp_rank[base + j] > w)
				w = e->cp_rank[base + j];
		}
		if (e->match[m] == p)
			x_rank[nx++] = member_rank(e, c, j);
	}
	if (nt == 0)
		return true;
	int32_t held = e->cnt[p] - nx;
	if (held + nt <= e->cap[p])
		return true;
	if (nt == 1 && nx == 0)
		return w < e->worst[p];
	/* Count the held ranks better than w, less the leaving members. */
	int32_t better = 0;
	const uint8_t *h = e->held + e->pl_off[p];
	for (int32_t r = 0; r < w; r++)
		better += h[r];
	for (int i = 0; i < nx; i++)
		better -= x_rank[i] < w;
	return better + nt <= e->cap[p];
}

static bool pair_possible(const eng *e, int32_t c, int32_t k)
{
	int32_t base = 2 * e->c_off[c] + 2 * k;
	for (int j = 0; j < 2; j++) {
		int32_t p = e->cp_prog[base + j];
		if (p != SP_NONE && e->cp_rank[base + j] < 0)
			return false;
	}
	for (int j = 0; j < 2; j++) {
		int32_t p = e->cp_prog[base + j];
		if (p != SP_NONE && !pair_accepted_at(e, c, k, p))
			return false;
	}
	return true;
}

/* Moves couple c to pair k: both members leave what they hold, then take
 * their new positions (which may displace others). */
static void couple_take(eng *e, int32_t c, int32_t k)
{
	int32_t base = 2 * e->c_off[c] + 2 * k;
	for (int j = 0; j < 2; j++) {
		int32_t m = e->cm[2 * c + j];
		if (e->match[m] != SP_NONE)
			release(e, e->match[m], e->mrank[m]);
		e->match[m] = SP_NONE;
	}
	e->cpos[c] = k;
	for (int j = 0; j < 2; j++) {
		int32_t m = e->cm[2 * c + j];
		int32_t p = e->cp_prog[base + j];
		if (p == SP_NONE)
			continue;
		e->match[m] = p;
		e->mrank[m] = e->cp_rank[base + j];
		hold(e, p, e->mrank[m]);
	}
}

static void process_couple(eng *e, int32_t c)
{
	int32_t len = e->c_off[c + 1] - e->c_off[c];
	int32_t end = e->cpos[c] >= 0 ? e->cpos[c] : len;
	for (int32_t k = 0; k < end; k++) {
		e->st.proposals++;
		if (pair_possible(e, c, k)) {
			couple_take(e, c, k);
			/* The move itself can open a pair above k: entering a
			 * program displaced its worst, and the position one
			 * member leaves may be exactly what an earlier pair
			 * needs.  Re-queue the couple to look again. */
			if (k > 0)
				push_agent(e, e->na + c);
			return;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Displacement and program checks.                                     */

static void note_displacement(eng *e, int32_t d, int32_t p)
{
	e->st.displacements++;
	if (e->restarting && ++e->disp[d] > e->cycle_limit && !e->cycled) {
		e->cycled = true;
		e->cycle_app = d;
		e->cycle_prog = p;
	}
}

static void displaced(eng *e, int32_t d, int32_t p)
{
	note_displacement(e, d, p);
	if (e->match[d] != p) {
		assert(e->smatch[d] == p);
		e->smatch[d] = SP_NONE;
		e->srank[d] = e->spos[d] = -1;
		push_supp(e, d);
		return;
	}
	int32_t c = e->couple[d];
	e->match[d] = SP_NONE;
	if (c == SP_NONE) {
		supp_reset(e, d);
		push_agent(e, d);
		return;
	}
	/* Withdraw the partner: a couple holds both halves of a pair or
	 * nothing. */
	int32_t partner = e->cm[2 * c] == d ? e->cm[2 * c + 1] : e->cm[2 * c];
	if (e->match[partner] != SP_NONE) {
		release(e, e->match[partner], e->mrank[partner]);
		e->match[partner] = SP_NONE;
	}
	e->cpos[c] = -1;
	push_agent(e, e->na + c);
}

/* Position of p in a's active supplemental list, or -1. */
static int32_t supp_pos(const eng *e, int32_t a, int32_t p)
{
	int32_t s = e->sidx[a];
	if (s == SP_NONE)
		return -1;
	for (int32_t j = e->sl_off[s]; j < e->sl_off[s + 1]; j++)
		if (e->sl_prog[j] == p)
			return j - e->sl_off[s];
	return -1;
}

/* Pushes every applicant that p would now accept and that prefers p to
 * what it holds. */
static void check_program(eng *e, int32_t p)
{
	e->st.program_checks++;
	int32_t off = e->pl_off[p], len = e->pl_off[p + 1] - off;
	int32_t lim = e->cnt[p] < e->cap[p] ? len : e->worst[p];
	for (int32_t r = lim - 1; r >= 0; r--) {
		if (e->held[off + r])
			continue;
		int32_t a = e->pl_app[off + r], pos = e->pl_pos[off + r];
		int32_t c = e->couple[a];
		if (c != SP_NONE) {
			if (pos >= 0 && (e->cpos[c] < 0 || pos < e->cpos[c]))
				push_agent(e, e->na + c);
			continue;
		}
		if (pos >= 0 && (e->match[a] == SP_NONE || pos < e->mpos[a]))
			push_agent(e, a);
		int32_t j = supp_pos(e, a, p);
		if (j >= 0 && (e->smatch[a] == SP_NONE || j < e->spos[a]))
			push_supp(e, a);
	}
}

/* Runs the stacks until all are empty or a cycle is found: applicants
 * and couples first, then program checks, then supplemental agents. */
static void run(eng *e)
{
	while (!e->cycled) {
		if (e->an) {
			int32_t g = e->astack[--e->an];
			e->a_on[g] = 0;
			if (g >= e->na) {
				e->st.rounds++;
				process_couple(e, g - e->na);
			} else {
				process_single(e, g);
			}
		} else if (e->pn) {
			int32_t p = e->pstack[--e->pn];
			e->p_on[p] = 0;
			check_program(e, p);
		} else if (e->sn) {
			int32_t a = e->sstack[--e->sn];
			e->s_on[a] = 0;
			process_supp(e, a);
		} else {
			break;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Reversions.                                                          */

/* Orders reversions so that every reversion into a program comes before
 * any reversion out of it (Kahn's algorithm on the donor→receiver
 * graph).  Fails with SP_ECYCLE naming a program on a cycle. */
static sp_status order_reversions(const sp_inst *in, int32_t *order,
				  sp_err *err)
{
	size_t nr = sp_inst_nreversions(in);
	int32_t np = sp_inst_nprograms(in);
	int32_t *indeg = sp_calloc((size_t)np + 1, sizeof *indeg);
	int32_t *queue = sp_malloc(((size_t)np + 1) * sizeof *queue);
	uint8_t *done = sp_calloc(nr + 1, 1);
	sp_status s = SP_OK;
	if (!indeg || !queue || !done) {
		s = SP_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < nr; k++) {
		int32_t d, r;
		int cnt;
		sp_inst_reversion(in, k, &d, &r, &cnt);
		indeg[r]++;
	}
	int32_t qh = 0, qt = 0;
	for (int32_t p = 0; p < np; p++)
		if (indeg[p] == 0)
			queue[qt++] = p;
	size_t no = 0;
	/* Quadratic in the number of reversions, which is small (one per
	 * donor–receiver pair); programs with none are skipped cheaply. */
	while (qh < qt) {
		int32_t p = queue[qh++];
		for (size_t k = 0; k < nr; k++) {
			int32_t d, r;
			int cnt;
			sp_inst_reversion(in, k, &d, &r, &cnt);
			if (d != p || done[k])
				continue;
			done[k] = 1;
			order[no++] = (int32_t)k;
			if (--indeg[r] == 0)
				queue[qt++] = r;
		}
	}
	if (no < nr) {
		for (size_t k = 0; k < nr; k++) {
			if (done[k])
				continue;
			int32_t d, r;
			int cnt;
			sp_inst_reversion(in, k, &d, &r, &cnt);
			s = sp__err_set(err, SP_ECYCLE, NULL, 0, NULL,
					"circular reversions: %s reverts to "
					"%s, which reverts back to it "
					"(directly or through others)",
					sp_inst_program_name(in, d),
					sp_inst_program_name(in, r));
			break;
		}
	}
out:
	sp_free(indeg);
	sp_free(queue);
	sp_free(done);
	return s;
}

/* Moves unfilled donor positions to receivers until nothing moves. */
static void apply_reversions(eng *e, const int32_t *order, int *used)
{
	size_t nr = sp_inst_nreversions(e->in);
	bool moved = true;
	while (moved && !e->cycled) {
		moved = false;
		for (size_t i = 0; i < nr && !e->cycled; i++) {
			int32_t k = order[i], d, r;
			int count;
			sp_inst_reversion(e->in, (size_t)k, &d, &r, &count);
			int t = SP_MIN(e->cap[d] - e->cnt[d], count - used[k]);
			if (t <= 0)
				continue;
			e->cap[d] -= t;
			e->cap[r] += t;
			used[k] += t;
			e->st.reverted += t;
			push_program(e, r);
			run(e);
			moved = true;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Program-proposing mode (singles only).                               */

static bool run_programs_propose(eng *e)
{
	int32_t *ptr = sp_malloc(((size_t)e->np + 1) * sizeof *ptr);
	if (!ptr)
		return false;
	for (int32_t p = 0; p < e->np; p++) {
		ptr[p] = 0;
		push_program(e, p);
	}
	while (e->pn) {
		int32_t p = e->pstack[--e->pn];
		e->p_on[p] = 0;
		int32_t off = e->pl_off[p], len = e->pl_off[p + 1] - off;
		while (e->cnt[p] < e->cap[p] && ptr[p] < len) {
			int32_t r = ptr[p]++;
			int32_t a = e->pl_app[off + r], pos = e->pl_pos[off + r];
			e->st.proposals++;
			if (pos < 0)
				continue;
			if (e->match[a] != SP_NONE && e->mpos[a] < pos)
				continue;
			if (e->match[a] != SP_NONE) {
				int32_t old = e->match[a];
				e->held[e->pl_off[old] + e->mrank[a]] = 0;
				e->cnt[old]--;
				e->st.displacements++;
				push_program(e, old);
			}
			e->held[off + r] = 1;
			e->cnt[p]++;
			e->match[a] = p;
			e->mrank[a] = r;
			e->mpos[a] = pos;
		}
	}
	sp_free(ptr);
	return true;
}

/* ------------------------------------------------------------------ */
/* Entry points.                                                        */

sp_match_opts sp_match_defaults(void)
{
	sp_match_opts o = {SP_PROPOSE_APPLICANTS, 0, DEFAULT_CYCLE_LIMIT, 0};
	return o;
}

/* Fills `order` with the couples' entry order for attempt `attempt`. */
static void couple_order(int32_t *order, int32_t nc, uint64_t seed,
			 int attempt)
{
	for (int32_t c = 0; c < nc; c++)
		order[c] = c;
	if (seed == 0 && attempt == 0)
		return;
	sp_rng rng;
	sp_rng_seed(&rng, seed, (uint64_t)attempt);
	for (int32_t i = nc - 1; i > 0; i--) {
		int32_t j = (int32_t)sp_rng_below(&rng, (uint64_t)i + 1);
		int32_t t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

/* One full attempt of the applicant-proposing algorithm. */
static void attempt_match(eng *e, const int32_t *corder,
			  const int32_t *rorder, int *used)
{
	eng_reset(e);
	/* Singles phase: the applicant stack only.  No position is released
	 * here (singles move only when bumped), so the program stack stays
	 * empty; supplemental agents wait until every single is placed. */
	for (int32_t a = 0; a < e->na; a++) {
		if (e->couple[a] != SP_NONE)
			continue;
		push_agent(e, a);
		while (e->an) {
			int32_t g = e->astack[--e->an];
			e->a_on[g] = 0;
			process_single(e, g);
		}
	}
	assert(e->pn == 0);
	/* From here on positions can be released (supplemental agents move
	 * up, couples withdraw), so every re-processing restarts from the
	 * top of its list and displacements count toward the cycle limit. */
	e->restarting = true;
	run(e);
	for (int32_t i = 0; i < e->nc && !e->cycled; i++) {
		push_agent(e, e->na + corder[i]);
		run(e);
	}
	memset(used, 0, (sp_inst_nreversions(e->in) + 1) * sizeof *used);
	if (!e->cycled)
		apply_reversions(e, rorder, used);
}

static void export(const eng *e, sp_matching *m)
{
	for (int32_t a = 0; a < e->na; a++) {
		m->prog[a] = e->match[a];
		m->supp[a] = e->smatch[a];
	}
	for (int32_t p = 0; p < e->np; p++)
		m->cap[p] = e->cap[p];
	m->stats = e->st;
	m->stable = !e->cycled;
}

sp_status sp_match(const sp_inst *in, const sp_match_opts *opts,
		   sp_matching **out, sp_err *err)
{
	sp_match_opts o = opts ? *opts : sp_match_defaults();
	if (o.cycle_limit <= 0)
		o.cycle_limit = DEFAULT_CYCLE_LIMIT;
	if (o.max_restarts < 0)
		o.max_restarts = 0;
	sp__err_clear(err);
	*out = NULL;
	if (o.side == SP_PROPOSE_PROGRAMS &&
	    (sp_inst_ncouples(in) > 0 || sp_inst_nsupplementals(in) > 0 ||
	     sp_inst_nreversions(in) > 0))
		return sp__err_set(err, SP_EUNSUPPORTED, NULL, 0, NULL,
				   "program-proposing mode supports single "
				   "applicants only (no couples, "
				   "supplemental lists or reversions)");

	size_t nr = sp_inst_nreversions(in);
	int32_t *rorder = sp_malloc((nr + 1) * sizeof *rorder);
	int *used = sp_malloc((nr + 1) * sizeof *used);
	int32_t *corder =
		sp_malloc(((size_t)sp_inst_ncouples(in) + 1) * sizeof *corder);
	sp_matching *m = NULL;
	eng e;
	sp_status s = eng_init(&e, in);
	if (!s && (!rorder || !used || !corder))
		s = SP_ENOMEM;
	if (!s)
		s = order_reversions(in, rorder, err);
	if (!s)
		s = sp__matching_alloc(in, &m);
	if (s)
		goto out;

	e.cycle_limit = o.cycle_limit;
	if (o.side == SP_PROPOSE_PROGRAMS) {
		eng_reset(&e);
		if (!run_programs_propose(&e)) {
			s = SP_ENOMEM;
			goto out;
		}
	} else {
		for (int att = 0; att <= o.max_restarts; att++) {
			couple_order(corder, e.nc, o.seed, att);
			attempt_match(&e, corder, rorder, used);
			if (!e.cycled)
				break;
			e.st.cycles++;
			if (att < o.max_restarts)
				e.st.restarts++;
		}
	}
	export(&e, m);
	if (e.cycled) {
		s = sp__err_set(
			err, SP_ENOSTABLE, NULL, 0, NULL,
			"no stable matching found: the couples' chains "
			"cycled in %d attempt(s); applicant %s was displaced "
			"more than %d times (last from program %s); the "
			"matching returned is the last one tried",
			o.max_restarts + 1, sp_inst_applicant_name(in, e.cycle_app),
			o.cycle_limit, sp_inst_program_name(in, e.cycle_prog));
	}
	*out = m;
	m = NULL;
out:
	sp_matching_free(m);
	sp_free(rorder);
	sp_free(used);
	sp_free(corder);
	eng_free(&e);
	return s;
}

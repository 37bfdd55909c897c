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
 *      applicants who are not in couples; a bumped single continues down
 *      its list.  Proposals go through a FIFO queue with staged prefetch
 *      (singles_phase), since the order does not change the result.  With
 * singles only this yields the applicant-optimal stable matching
 * (Gale–Shapley), which the tests check against a deliberately simple
 * implementation.
 *   2. Couples, one at a time (RP's applicant stack), after the
 *      supplemental agents of phase 4, in input order or,
 *      with a seed, a seeded shuffle.  A couple tries its pairs from the
 *      top; a pair is possible when each named program accepts the member
 *      sent there.
 *      Following Kojima–Pathak–Roth's stability definition, each program
 *      must choose the member sent to it from everything it holds: a
 *      partner who would leave the program still counts, so a couple
 *      cannot hand one partner's position to the other.  (Freeing it
 *      instead, as a first version did, lets a couple place a partner a
 *      program ranks far down by vacating the other's seat, and on
 *      national-size markets that ping-pongs with the singles the program
 *      prefers.)  Both members at one program: both must be among the
 *      program's `capacity` best of its held set plus the two — when the
 *      program is full, both must beat its two worst (the rule Ashlagi–
 *      Braverman–Hassidim use; RP leave it open).  A pair with SP_NONE
 *      leaves that partner unmatched.
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
 *      proposes down that list of PGY-1 programs.  The agents activated
 *      by the singles phase enter one at a time right after it (as RP
 *      enter couples and applicants with supplemental lists), each chain
 *      settling before the next; one activated later runs when the
 *      applicant and program stacks are empty.  Either way a list is
 *      consulted only once its advanced match is held; its failure never
 *      undoes the advanced match, and losing the advanced position
 *      withdraws the PGY-1 one (NRMP: "only if the applicant first
 *      matches to the linked advanced program").
 *   5. Reversions.  When everything is quiet, each reversion, in a
 *      topological order of the donor→receiver graph, moves up to its
 *      count of the donor's unfilled positions to the receiver, whose
 *      program check then admits applicants who wanted it; this repeats
 *      until no reversion moves anything (a donor that loses an applicant
 *      later may revert more, never beyond its count).  A cycle in the
 *      graph is refused with SP_ECYCLE (NRMP: "no circular reversions").
 *
 * Cycles.  With couples a stable matching may not exist (Roth 1984;
 * Kojima–Pathak–Roth 2013), nor with supplemental lists alone
 * (tests/golden/no-stable-supplemental), and the chain repair can loop.
 * Following RP, a cycle is declared when one applicant is displaced more
 * than `cycle_limit` times after the singles phase.  The run then falls
 * back to the sequential algorithm of KPR (kpr_attempt: down-only, then
 * whole top-down repair passes), which settles some markets RP's
 * vacancy-driven restarts ping-pong on (two couples each opening the
 * other's best pair, seen on national-size synthetic markets).  With
 * max_restarts > 0 both are retried with another seeded order.  When
 * every attempt cycled, a random walk over blocking pairs from the last
 * attempt's end (walk: Roth & Vande Vate's random paths, each step
 * satisfying a random eighth of the blocking pairs, followed half the
 * time by RP's chain repair, back to its best state when lost) looks
 * for a stable matching and keeps the matching with the fewest
 * violations it sees.  Of 400,000 small random markets
 * (test_match.c's search, two shapes), 4,199 made the chain repair
 * cycle; exhaustive search (tests/unit/brute.h) found that 3,726 of
 * them have no stable matching, the engine found one in each of the
 * other 473 (90 through the walk), and every unsettled matching it
 * returned had the fewest violations any matching has.  Before the
 * walk, 5 in 166 markets with a stable matching were missed.
 * Deciding whether a stable matching exists with couples is NP-complete
 * (Ronn 1990), so no bound on work makes this complete.  When the walk
 * ends unsettled the result is SP_ENOSTABLE with the matching with the
 * fewest violations found (the verifier names each).
 *
 * Invariants (asserted in debug builds): held counts never exceed
 * capacity; an applicant's primary and supplemental positions are
 * reflected exactly by the held flags; a couple holds both positions of
 * one pair of its list or neither.
 *
 * Complexity.  Joining the ranks (index.c, or once per instance with
 * sp_inst_prepare) is O(L) for L list entries.  The singles
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
#include "index.h"
#include "matching.h"

#include <stdio.h>

#define DEFAULT_CYCLE_LIMIT 1000
#define KPR_MAX_PASSES      100 /* top-down repair passes of the fallback */
/* The random walk's steps per attempt: WALK_WORK list entries of
 * verifier passes, within [WALK_MIN_STEPS, WALK_MAX_STEPS]. */
#define WALK_WORK      50000000L
#define WALK_MIN_STEPS 20
#define WALK_MAX_STEPS 500
#define WALK_PATIENCE  50 /* steps without a better matching, then afresh */
#define WALK_BATCH     8  /* a step satisfies 1 + 1/8 of the blocking */
#define WALK_SLACK     64 /* back to the snapshot past 2 x its count + 64 */

typedef struct {
	int32_t cnt;   /* positions held */
	int32_t cap;   /* positions, after reversions */
	int32_t worst; /* worst held rank, or -1 */
	int32_t pad;
} pstate;

typedef struct {
	int32_t match; /* primary program, or SP_NONE */
	int32_t mrank; /* the program's rank of the applicant */
	int32_t mpos;  /* position of that program in the applicant's list */
	int32_t next;  /* singles phase: next list position to try */
} astate;

/* The singles phase's queue: an applicant to process, or a position a
 * program just gave up, resolved to its applicant only when needed (the
 * lookup is a random read the queue lets us prefetch). */
typedef struct {
	int32_t who;  /* applicant, or -1 - (program-list index) bumped */
	int32_t from; /* program the applicant was bumped from, or SP_NONE */
} qitem;

typedef struct {
	const sp_inst *in;
	const sp__index *x;
	sp__index *own; /* the index built for this run, if any */
	char *block;    /* all the state below, in one allocation */
	size_t block_size;
	int32_t na, np, nc;

	/* Borrowed from the index (see index.h). */
	const int32_t *pl_off, *pl_app, *pl_pos;
	const int32_t *a_off;
	const sp__entry *ent;
	const int32_t *c_off, *cp_prog, *cp_rank, *cm;
	const int32_t *sl_off, *sl_prog, *sl_rank;
	const int32_t *couple;
	const uint8_t *has_supp;

	/* Program state: held flags over each program's list, and per
	 * program what every proposal reads, together in one cache line. */
	uint8_t *held;
	pstate *ps;

	/* Applicant state: the hot part together, the supplemental part
	 * (touched only by applicants with supplemental lists) apart. */
	astate *as;
	int32_t *sidx;                  /* active supplemental list or NONE */
	int32_t *smatch, *srank, *spos; /* supplemental position */
	int32_t *cpos;                  /* per couple: pair index held, or -1 */
	int32_t *cnext; /* per couple: next pair when going down */
	int32_t *disp;  /* displacements since the singles phase */

	/* Singles phase: a FIFO queue (ring of na + 1 items). */
	qitem *queue;
	size_t qtail;
	bool queue_bumps;

	/* Stacks; agents are applicant ids, or na + c for couple c. */
	int32_t *astack, *sstack, *pstack;
	int32_t an, sn, pn;
	uint8_t *a_on, *s_on, *p_on;

	/* How the current phase works (see attempt_match, kpr_attempt). */
	bool from_top; /* re-processing starts at the top of a list */
	bool checks;   /* the program stack is examined */
	bool counting; /* displacements count toward the cycle limit */
	int cycle_limit;
	bool cycled;
	int32_t cycle_app, cycle_prog;
	sp_match_stats st;
} eng;

/* ------------------------------------------------------------------ */
/* Setup.                                                               */

static void eng_free(eng *e)
{
	sp_free(e->block);
	sp__index_free(e->own);
	memset(e, 0, sizeof *e);
}

/* Carves 16-byte-aligned pieces out of one block. */
static void *carve(char **at, size_t n)
{
	void *p = *at;
	*at += (n + 15) & ~(size_t)15;
	return p;
}

/* Uses the instance's prepared index, or builds one for this run. */
static sp_status eng_init(eng *e, const sp_inst *in)
{
	memset(e, 0, sizeof *e);
	e->in = in;
	e->x = sp__inst_index(in);
	if (!e->x) {
		sp_status s = sp__index_build(in, &e->own);
		if (s)
			return s;
		e->x = e->own;
	}
	const sp__index *x = e->x;
	e->na = x->na;
	e->np = x->np;
	e->nc = x->nc;
	e->pl_off = x->pl_off;
	e->pl_app = x->pl_app;
	e->pl_pos = x->pl_pos;
	e->a_off = x->a_off;
	e->ent = x->ent;
	e->c_off = x->c_off;
	e->cp_prog = x->cp_prog;
	e->cp_rank = x->cp_rank;
	e->cm = x->cm;
	e->sl_off = x->sl_off;
	e->sl_prog = x->sl_prog;
	e->sl_rank = x->sl_rank;
	e->couple = x->couple;
	e->has_supp = x->has_supp;
	/* All per-run state in one block (see alloc.c on huge pages). */
	size_t na = (size_t)e->na + 1, np = (size_t)e->np + 1;
	size_t nc = (size_t)e->nc + 1, nl = (size_t)x->pl_off[e->np] + 1;
	size_t i4 = sizeof(int32_t), pad = 16;
	size_t size =
	    nl + pad + np * (sizeof(pstate) + i4 + 1 + 3 * pad) +
	    na * (sizeof(astate) + sizeof(qitem) + 7 * i4 + 2 + 9 * pad) +
	    nc * (3 * i4 + 1 + 2 * pad);
	char *at = e->block = sp_calloc(size, 1);
	e->block_size = size;
	if (!at)
		return SP_ENOMEM;
	e->held = carve(&at, nl);
	e->ps = carve(&at, np * sizeof *e->ps);
	e->as = carve(&at, na * sizeof *e->as);
	e->queue = carve(&at, na * sizeof *e->queue);
	e->sidx = carve(&at, na * i4);
	e->smatch = carve(&at, na * i4);
	e->srank = carve(&at, na * i4);
	e->spos = carve(&at, na * i4);
	e->disp = carve(&at, na * i4);
	e->cpos = carve(&at, nc * i4);
	e->cnext = carve(&at, nc * i4);
	e->astack = carve(&at, (na + nc) * i4);
	e->sstack = carve(&at, na * i4);
	e->pstack = carve(&at, np * i4);
	e->a_on = carve(&at, na + nc);
	e->s_on = carve(&at, na);
	e->p_on = carve(&at, np);
	assert((size_t)(at - e->block) <= size);
	return SP_OK;
}

/* Resets the matching state (kept: the joined lists). */
static void eng_reset(eng *e)
{
	for (int32_t p = 0; p < e->np; p++) {
		e->ps[p].cnt = 0;
		e->ps[p].cap = sp_inst_quota(e->in, p);
		e->ps[p].worst = -1;
		e->p_on[p] = 0;
	}
	memset(e->held, 0, (size_t)e->pl_off[e->np]);
	for (int32_t a = 0; a < e->na; a++) {
		e->as[a].match = e->smatch[a] = e->sidx[a] = SP_NONE;
		e->as[a].mrank = e->srank[a] = e->as[a].mpos = e->spos[a] = -1;
		e->as[a].next = 0;
		e->disp[a] = 0;
		e->s_on[a] = 0;
	}
	for (int32_t c = 0; c < e->nc; c++) {
		e->cpos[c] = -1;
		e->cnext[c] = 0;
	}
	memset(e->a_on, 0, (size_t)(e->na + e->nc));
	e->an = e->sn = e->pn = 0;
	e->from_top = e->checks = e->counting = false;
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

#ifndef NDEBUG
/* Used by assertions only. */
static inline bool is_held(const eng *e, int32_t p, int32_t r)
{
	return e->held[e->pl_off[p] + r] != 0;
}
#endif

static bool accepts(const eng *e, int32_t p, int32_t r)
{
	return r >= 0 && (e->ps[p].cnt < e->ps[p].cap || r < e->ps[p].worst);
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
	e->ps[p].cnt--;
	if (r == e->ps[p].worst)
		e->ps[p].worst = scan_worst(e, p, r);
	push_program(e, p);
}

static void displaced(eng *e, int32_t d, int32_t p);

/* Places rank r at p, displacing p's worst when p is full.  The caller
 * has checked accepts(). */
static void hold(eng *e, int32_t p, int32_t r)
{
	assert(accepts(e, p, r) && !is_held(e, p, r));
	int32_t bumped = -1;
	if (e->ps[p].cnt >= e->ps[p].cap) {
		bumped = e->ps[p].worst;
		e->held[e->pl_off[p] + bumped] = 0;
		e->ps[p].cnt--;
		e->ps[p].worst = scan_worst(e, p, bumped);
	}
	e->held[e->pl_off[p] + r] = 1;
	e->ps[p].cnt++;
	if (r > e->ps[p].worst)
		e->ps[p].worst = r;
	assert(e->ps[p].cnt <= e->ps[p].cap);
	if (bumped < 0)
		return;
	if (e->queue_bumps) {
		qitem *it = &e->queue[e->qtail++ % ((size_t)e->na + 1)];
		it->who = -1 - (e->pl_off[p] + bumped);
		it->from = p;
	} else {
		displaced(e, e->pl_app[e->pl_off[p] + bumped], p);
	}
}

/* ------------------------------------------------------------------ */
/* Supplemental agents.                                                 */

/* Withdraws a's supplemental position, if any, and activates the list
 * linked to a's current primary program, if any. */
static void supp_reset(eng *e, int32_t a)
{
	if (!e->has_supp[a])
		return;
	if (e->smatch[a] != SP_NONE) {
		release(e, e->smatch[a], e->srank[a]);
		e->smatch[a] = SP_NONE;
		e->srank[a] = e->spos[a] = -1;
	}
	e->sidx[a] = e->as[a].match == SP_NONE
	                 ? SP_NONE
	                 : sp__inst_supp_for(e->in, a, e->as[a].match);
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
		if (p == e->as[a].match || !accepts(e, p, r))
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
	if (e->has_supp[a] && e->smatch[a] == p) {
		/* a already sits at p through its supplemental list: the
		 * position becomes its primary one. */
		e->smatch[a] = SP_NONE;
		e->srank[a] = e->spos[a] = -1;
		if (e->as[a].match != SP_NONE)
			release(e, e->as[a].match, e->as[a].mrank);
		e->as[a].match = p;
		e->as[a].mrank = r;
		e->as[a].mpos = k;
		supp_reset(e, a);
		return;
	}
	if (e->as[a].match != SP_NONE)
		release(e, e->as[a].match, e->as[a].mrank);
	e->as[a].match = p;
	e->as[a].mrank = r;
	e->as[a].mpos = k;
	supp_reset(e, a);
	hold(e, p, r);
}

/* Tries single a's list from `start` up to (not including) its current
 * match, taking the first program that accepts it. */
static void process_single(eng *e, int32_t a)
{
	int32_t off = e->a_off[a], len = e->a_off[a + 1] - off;
	int32_t start = e->from_top ? 0 : e->as[a].next;
	int32_t end = e->as[a].match != SP_NONE ? e->as[a].mpos : len;
	int32_t sp = e->has_supp[a] ? e->smatch[a] : SP_NONE;
	for (int32_t k = start; k < end; k++) {
		int32_t p = e->ent[off + k].prog, r = e->ent[off + k].rank;
		e->st.proposals++;
		if (r < 0)
			continue;
		if (p == sp || accepts(e, p, r)) {
			e->as[a].next = k + 1;
			single_take(e, a, k, p, r);
			return;
		}
	}
	if (e->as[a].match == SP_NONE)
		e->as[a].next = len;
}

/* ------------------------------------------------------------------ */
/* Couples.                                                             */

/* Rank of couple c's member j at the program it currently holds. */
static int32_t member_rank(const eng *e, int32_t c, int j)
{
	return e->as[e->cm[2 * c + j]].mrank;
}

/* Would program p take the members of couple c that pair k sends there?
 * Kojima–Pathak–Roth's definition: each member sent to p must be chosen
 * by p from what it holds plus the member(s) sent — a partner now at p
 * and leaving still counts, so a couple cannot hand one partner's
 * position to the other.  Members sent to p and already there are not
 * counted twice.  For one member sent to a program it is not at, this is
 * the usual "free position or better than the worst". */
static bool pair_accepted_at(const eng *e, int32_t c, int32_t k, int32_t p)
{
	int32_t base = 2 * e->c_off[c] + 2 * k;
	int32_t w = -1, nt = 0, x_rank[2], nx = 0;
	for (int j = 0; j < 2; j++) {
		if (e->cp_prog[base + j] != p)
			continue;
		nt++;
		if (e->cp_rank[base + j] > w)
			w = e->cp_rank[base + j];
		if (e->as[e->cm[2 * c + j]].match == p)
			x_rank[nx++] = member_rank(e, c, j);
	}
	if (nt == 0 || (nt == 1 && nx == 1))
		return true;
	int32_t held = e->ps[p].cnt - nx;
	if (held + nt <= e->ps[p].cap)
		return true;
	if (nt == 1)
		return w < e->ps[p].worst;
	/* Both sent here: count the held ranks better than the worse of the
	 * two, other than the members themselves. */
	int32_t better = 0;
	const uint8_t *h = e->held + e->pl_off[p];
	for (int32_t r = 0; r < w; r++)
		better += h[r];
	for (int i = 0; i < nx; i++)
		better -= x_rank[i] < w;
	return better + nt <= e->ps[p].cap;
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
		if (e->as[m].match != SP_NONE)
			release(e, e->as[m].match, e->as[m].mrank);
		e->as[m].match = SP_NONE;
	}
	e->cpos[c] = k;
	for (int j = 0; j < 2; j++) {
		int32_t m = e->cm[2 * c + j];
		int32_t p = e->cp_prog[base + j];
		if (p == SP_NONE)
			continue;
		e->as[m].match = p;
		e->as[m].mrank = e->cp_rank[base + j];
		hold(e, p, e->as[m].mrank);
	}
}

static void process_couple(eng *e, int32_t c)
{
	int32_t len = e->c_off[c + 1] - e->c_off[c];
	int32_t start = e->from_top ? 0 : e->cnext[c];
	int32_t end = e->cpos[c] >= 0 ? e->cpos[c] : len;
	for (int32_t k = start; k < end; k++) {
		e->st.proposals++;
		if (pair_possible(e, c, k)) {
			couple_take(e, c, k);
			e->cnext[c] = k + 1;
			/* The move itself can open a pair above k: entering a
			 * program displaced its worst, and the position one
			 * member leaves may be exactly what an earlier pair
			 * needs.  With program checks on, re-queue the couple
			 * to look again. */
			if (k > 0 && e->checks)
				push_agent(e, e->na + c);
			return;
		}
	}
	if (e->cpos[c] < 0)
		e->cnext[c] = len;
}

/* ------------------------------------------------------------------ */
/* Displacement and program checks.                                     */

static void note_displacement(eng *e, int32_t d, int32_t p)
{
	e->st.displacements++;
	if (e->counting && ++e->disp[d] > e->cycle_limit && !e->cycled) {
		e->cycled = true;
		e->cycle_app = d;
		e->cycle_prog = p;
	}
}

/* Bookkeeping when single d loses its primary position at p. */
static void unseat_single(eng *e, int32_t d, int32_t p)
{
	note_displacement(e, d, p);
	e->as[d].match = SP_NONE;
	supp_reset(e, d);
}

static void displaced(eng *e, int32_t d, int32_t p)
{
	int32_t c = e->couple[d];
	if (e->as[d].match == p && c == SP_NONE) {
		unseat_single(e, d, p);
		push_agent(e, d);
		return;
	}
	note_displacement(e, d, p);
	if (e->as[d].match != p) {
		assert(e->smatch[d] == p);
		e->smatch[d] = SP_NONE;
		e->srank[d] = e->spos[d] = -1;
		push_supp(e, d);
		return;
	}
	e->as[d].match = SP_NONE;
	/* Withdraw the partner: a couple holds both halves of a pair or
	 * nothing. */
	int32_t partner = e->cm[2 * c] == d ? e->cm[2 * c + 1] : e->cm[2 * c];
	if (e->as[partner].match != SP_NONE) {
		release(e, e->as[partner].match, e->as[partner].mrank);
		e->as[partner].match = SP_NONE;
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
	int32_t lim = e->ps[p].cnt < e->ps[p].cap ? len : e->ps[p].worst;
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
		if (pos >= 0 &&
		    (e->as[a].match == SP_NONE || pos < e->as[a].mpos))
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
			if (e->checks)
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
			int t = SP_MIN(e->ps[d].cap - e->ps[d].cnt,
			               count - used[k]);
			if (t <= 0)
				continue;
			e->ps[d].cap -= t;
			e->ps[r].cap += t;
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
		while (e->ps[p].cnt < e->ps[p].cap && ptr[p] < len) {
			int32_t r = ptr[p]++;
			int32_t a = e->pl_app[off + r],
			        pos = e->pl_pos[off + r];
			e->st.proposals++;
			if (pos < 0)
				continue;
			if (e->as[a].match != SP_NONE && e->as[a].mpos < pos)
				continue;
			if (e->as[a].match != SP_NONE) {
				int32_t old = e->as[a].match;
				e->held[e->pl_off[old] + e->as[a].mrank] = 0;
				e->ps[old].cnt--;
				e->st.displacements++;
				push_program(e, old);
			}
			e->held[off + r] = 1;
			e->ps[p].cnt++;
			e->as[a].match = p;
			e->as[a].mrank = r;
			e->as[a].mpos = pos;
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
static void couple_order(int32_t *order, int32_t nc, uint64_t seed, int attempt)
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

/* Queue slot i, resolved to an applicant. */
static int32_t resolve(const eng *e, qitem *it)
{
	if (it->who < 0)
		it->who = e->pl_app[-1 - it->who];
	return it->who;
}

/* Prefetches, in stages, what the items a little ahead in the queue will
 * read: who was bumped (16 ahead), their state (8), their list (4), the
 * program they will try first (2).  Each stage's own reads were
 * prefetched by the stage before, so the loop never waits on memory. */
static void prefetch_ahead(eng *e, size_t head)
{
	size_t n = (size_t)e->na + 1, tail = e->qtail;
	if (head + 16 < tail) {
		const qitem *it = &e->queue[(head + 16) % n];
		if (it->who < 0)
			SP_PREFETCH(&e->pl_app[-1 - it->who]);
	}
	if (head + 8 < tail) {
		int32_t a = resolve(e, &e->queue[(head + 8) % n]);
		SP_PREFETCH(&e->as[a]);
		SP_PREFETCH(&e->a_off[a]);
	}
	if (head + 4 < tail) {
		int32_t a = resolve(e, &e->queue[(head + 4) % n]);
		SP_PREFETCH(&e->ent[e->a_off[a] + e->as[a].next]);
	}
	if (head + 2 < tail) {
		int32_t a = resolve(e, &e->queue[(head + 2) % n]);
		int32_t k = e->a_off[a] + e->as[a].next;
		if (k < e->a_off[a + 1]) {
			int32_t p = e->ent[k].prog, r = e->ent[k].rank;
			SP_PREFETCH(&e->ps[p]);
			if (r >= 0)
				SP_PREFETCH(&e->held[e->pl_off[p] + r]);
		}
	}
}

/* Phase 1: deferred acceptance among the singles.  The order in which
 * singles propose does not change the result (the applicant-optimal
 * stable matching is unique), so a FIFO queue replaces the stack here:
 * it lets prefetch_ahead hide the random reads that dominate on large
 * markets.  No position is released in this phase (singles move only
 * when bumped), so the program stack stays empty; supplemental agents
 * wait until every single is placed. */
static void singles_phase(eng *e)
{
	size_t n = (size_t)e->na + 1, head = 0;
	e->qtail = 0;
	for (int32_t a = 0; a < e->na; a++)
		if (e->couple[a] == SP_NONE) {
			e->queue[e->qtail].who = a;
			e->queue[e->qtail++].from = SP_NONE;
		}
	e->queue_bumps = true;
	while (head < e->qtail) {
		prefetch_ahead(e, head);
		qitem *it = &e->queue[head++ % n];
		int32_t a = resolve(e, it);
		if (it->from != SP_NONE)
			unseat_single(e, a, it->from);
		process_single(e, a);
	}
	e->queue_bumps = false;
}

/* Phase 2: the supplemental agents the singles phase activated enter
 * one at a time, as RP-1999 enters couples and applicants with
 * supplemental lists, each chain settling before the next: in applicant
 * order, or shuffled from (seed, attempt) when seed != 0.  (Entered all
 * at once instead, they cycled on a national-size synthetic market.) */
static void enter_supplementals(eng *e, uint64_t seed, int attempt)
{
	/* The singles phase's queue is free now: it holds the order. */
	int32_t m = 0;
	for (int32_t a = 0; a < e->na; a++)
		if (e->s_on[a]) {
			e->s_on[a] = 0;
			e->queue[m++].who = a;
		}
	e->sn = 0;
	if (seed != 0) {
		sp_rng rng;
		sp_rng_seed(&rng, seed, 0x100000u + (uint64_t)attempt);
		for (int32_t i = m - 1; i > 0; i--) {
			int32_t j =
			    (int32_t)sp_rng_below(&rng, (uint64_t)i + 1);
			int32_t t = e->queue[i].who;
			e->queue[i].who = e->queue[j].who;
			e->queue[j].who = t;
		}
	}
	for (int32_t i = 0; i < m && !e->cycled; i++) {
		push_supp(e, e->queue[i].who);
		run(e);
	}
}

/* One full attempt of the applicant-proposing algorithm. */
static void attempt_match(eng *e, const int32_t *corder, const int32_t *rorder,
                          int *used, uint64_t seed, int attempt)
{
	eng_reset(e);
	singles_phase(e);
	assert(e->pn == 0 && e->an == 0);
	/* From here on positions can be released (supplemental agents move
	 * up, couples withdraw), so every re-processing restarts from the
	 * top of its list and displacements count toward the cycle limit. */
	e->from_top = e->checks = e->counting = true;
	enter_supplementals(e, seed, attempt);
	for (int32_t i = 0; i < e->nc && !e->cycled; i++) {
		push_agent(e, e->na + corder[i]);
		run(e);
	}
	memset(used, 0, (sp_inst_nreversions(e->in) + 1) * sizeof *used);
	if (!e->cycled)
		apply_reversions(e, rorder, used);
}

/* True when no single, supplemental agent or couple would take a place
 * above the one it holds (the verifier's definitions, on the engine's
 * own state). */
static bool stable_now(const eng *e)
{
	for (int32_t a = 0; a < e->na; a++) {
		if (e->couple[a] != SP_NONE)
			continue;
		int32_t off = e->a_off[a], len = e->a_off[a + 1] - off;
		int32_t end = e->as[a].match != SP_NONE ? e->as[a].mpos : len;
		int32_t sp = e->has_supp[a] ? e->smatch[a] : SP_NONE;
		for (int32_t k = 0; k < end; k++) {
			int32_t p = e->ent[off + k].prog,
			        r = e->ent[off + k].rank;
			if (r >= 0 && (p == sp || accepts(e, p, r)))
				return false;
		}
		int32_t s = e->has_supp[a] ? e->sidx[a] : SP_NONE;
		if (s == SP_NONE)
			continue;
		int32_t soff = e->sl_off[s];
		int32_t send =
		    sp != SP_NONE ? e->spos[a] : e->sl_off[s + 1] - soff;
		for (int32_t j = 0; j < send; j++) {
			int32_t p = e->sl_prog[soff + j];
			if (p != e->as[a].match &&
			    accepts(e, p, e->sl_rank[soff + j]))
				return false;
		}
	}
	for (int32_t c = 0; c < e->nc; c++) {
		int32_t len = e->c_off[c + 1] - e->c_off[c];
		int32_t end = e->cpos[c] >= 0 ? e->cpos[c] : len;
		for (int32_t k = 0; k < end; k++)
			if (pair_possible(e, c, k))
				return false;
	}
	return true;
}

/* The fallback when RP's chain repair cycles: the sequential couples
 * algorithm of Kojima, Pathak & Roth (2013, appendix B.2), as we read
 * it.  After the singles phase, couples enter and every bumped single or
 * couple only continues *down* its list, as in plain deferred acceptance
 * (no program checks, so nobody moves back up and this phase always
 * ends).  Then, while some agent would take a better place, every couple
 * and single is processed again from the top of its list, still without
 * program checks, until a pass leaves the matching stable or an
 * applicant is displaced more than cycle_limit times.  Moving up only in
 * whole passes avoids the ping-pong RP's vacancy-driven restarts fall
 * into when two couples each open the other's best pair. */
static void kpr_attempt(eng *e, const int32_t *corder, const int32_t *rorder,
                        int *used, uint64_t seed, int attempt)
{
	eng_reset(e);
	singles_phase(e);
	e->counting = true;
	e->from_top = true;
	enter_supplementals(e, seed, attempt);
	e->from_top = false;
	for (int32_t i = e->nc - 1; i >= 0; i--)
		push_agent(e, e->na + corder[i]);
	run(e);
	e->from_top = true;
	int passes = 0;
	while (!e->cycled && !stable_now(e)) {
		if (++passes > KPR_MAX_PASSES) {
			/* Passes that move nobody displace nobody either:
			 * bound them too. */
			e->cycled = true;
			e->cycle_app = e->cycle_prog = SP_NONE;
			break;
		}
		e->st.kpr_passes++;
		for (int32_t a = e->na - 1; a >= 0; a--) {
			if (e->couple[a] != SP_NONE)
				continue;
			push_agent(e, a);
			if (e->has_supp[a] && e->sidx[a] != SP_NONE)
				push_supp(e, a);
		}
		for (int32_t i = e->nc - 1; i >= 0; i--)
			push_agent(e, e->na + corder[i]);
		run(e);
	}
	e->checks = true;
	memset(used, 0, (sp_inst_nreversions(e->in) + 1) * sizeof *used);
	if (!e->cycled)
		apply_reversions(e, rorder, used);
}

static void export(const eng *e, sp_matching *m)
{
	for (int32_t a = 0; a < e->na; a++) {
		sp_matching_set(m, a, e->as[a].match);
		sp_matching_set_supplemental(m, a, e->smatch[a]);
	}
	for (int32_t p = 0; p < e->np; p++)
		m->cap[p] = e->ps[p].cap;
	m->stats = e->st;
	m->stable = !e->cycled;
}

/* ------------------------------------------------------------------ */
/* The last resort: a random walk over blocking pairs.                  */

/* Forgets whatever is waiting on the stacks; every agent on them is
 * already in a consistent state (unmatched, or holding what it holds). */
static void clear_stacks(eng *e)
{
	while (e->an)
		e->a_on[e->astack[--e->an]] = 0;
	while (e->sn)
		e->s_on[e->sstack[--e->sn]] = 0;
	while (e->pn)
		e->p_on[e->pstack[--e->pn]] = 0;
}

/* Satisfies the blocking pair (a, p): primary when link is SP_NONE,
 * else p from the supplemental list linked to a's advanced match. */
static void walk_pair(eng *e, int32_t a, int32_t p, int32_t link)
{
	if (link != SP_NONE) {
		int32_t j = e->as[a].match == link ? supp_pos(e, a, p) : -1;
		if (j < 0 || (e->smatch[a] != SP_NONE && j >= e->spos[a]))
			return; /* no longer blocking */
		int32_t r = e->sl_rank[e->sl_off[e->sidx[a]] + j];
		if (p == e->as[a].match || !accepts(e, p, r))
			return;
		if (e->smatch[a] != SP_NONE)
			release(e, e->smatch[a], e->srank[a]);
		e->smatch[a] = p;
		e->srank[a] = r;
		e->spos[a] = j;
		hold(e, p, r);
		return;
	}
	int32_t off = e->a_off[a], len = e->a_off[a + 1] - off;
	if (e->as[a].match != SP_NONE)
		len = e->as[a].mpos;
	for (int32_t k = 0; k < len; k++) {
		int32_t r = e->ent[off + k].rank;
		if (e->ent[off + k].prog != p || r < 0)
			continue;
		bool here = e->has_supp[a] && e->smatch[a] == p;
		if (here || accepts(e, p, r))
			single_take(e, a, k, p, r);
		return;
	}
}

/* Satisfies the blocking coalition of couple c with pair (p, q). */
static void walk_couple(eng *e, int32_t c, int32_t p, int32_t q)
{
	int32_t len = e->c_off[c + 1] - e->c_off[c];
	int32_t end = e->cpos[c] >= 0 ? e->cpos[c] : len;
	for (int32_t k = 0; k < end; k++) {
		int32_t base = 2 * e->c_off[c] + 2 * k;
		if (e->cp_prog[base] != p || e->cp_prog[base + 1] != q)
			continue;
		if (pair_possible(e, c, k))
			couple_take(e, c, k);
		return;
	}
}

/* Satisfies 1 + nb / WALK_BATCH of the nb blocking pairs and
 * coalitions of report r (n entries), drawn at random without
 * replacement, in the order drawn; each is skipped when an earlier one
 * has closed it. */
static sp_status walk_step(eng *e, sp_rng *rng, const sp_report *r, size_t n,
                           size_t nb)
{
	const sp_violation **bv = sp_malloc(nb * sizeof *bv);
	if (!bv)
		return SP_ENOMEM;
	size_t m = 0;
	for (size_t k = 0; k < n; k++) {
		const sp_violation *v = sp_report_get(r, k);
		if (v->kind == SP_V_BLOCKING_PAIR ||
		    v->kind == SP_V_BLOCKING_COUPLE)
			bv[m++] = v;
	}
	size_t take = 1 + nb / WALK_BATCH;
	for (size_t i = 0; i < take; i++) {
		size_t j = i + (size_t)sp_rng_below(rng, (uint64_t)(m - i));
		const sp_violation *v = bv[j];
		bv[j] = bv[i];
		if (v->kind == SP_V_BLOCKING_PAIR)
			walk_pair(e, v->applicant, v->program, v->program2);
		else
			walk_couple(e, v->applicant, v->program, v->program2);
	}
	sp_free(bv);
	return SP_OK;
}

/* Counts the blocking pairs and coalitions of a report. */
static size_t blocking_count(const sp_report *r, size_t n)
{
	size_t b = 0;
	for (size_t k = 0; k < n; k++) {
		sp_violation_kind kind = sp_report_get(r, k)->kind;
		b += kind == SP_V_BLOCKING_PAIR || kind == SP_V_BLOCKING_COUPLE;
	}
	return b;
}

/* Roth & Vande Vate's random paths to stability (Econometrica 58(6),
 * 1990), extended here to couples and supplemental lists, where they
 * need not end.  From the engine's current matching, each step
 * satisfies 1 + 1/WALK_BATCH of the blocking pairs and coalitions in
 * the verifier's report, drawn at random (whoever they displace is left
 * unmatched, to block later), and half the time lets RP's chain repair
 * settle the displaced.  Drawing among all of them, not each agent's
 * best, is what lets it leave the ping-pong the chain repair fell into:
 * a couple may settle on a lower pair its partner's seat then protects.
 * The state with the fewest violations of this walk is kept (a copy of
 * the engine's block): the walk returns to it when it has grown past
 * twice its count plus WALK_SLACK, or after WALK_PATIENCE steps without
 * a better one; on small markets (steps enough to place everyone) it
 * starts afresh from nobody matched instead, as couples can force every
 * step of a cycle.  When nothing blocks but positions could still
 * revert, the reversions run.  The matching with the fewest violations
 * seen is exported to `best` (*best_v violations); *stable says whether
 * the last one is stable.  At most `steps` steps. */
static sp_status walk(eng *e, sp_rng *rng, int steps, const int32_t *rorder,
                      int *used, sp_matching *cur, sp_matching *best,
                      size_t *best_v, bool *stable)
{
	size_t nused = (sp_inst_nreversions(e->in) + 1) * sizeof *used;
	char *snap = sp_malloc(e->block_size);
	int *snap_used = sp_malloc(nused);
	sp_status s = snap && snap_used ? SP_OK : SP_ENOMEM;
	clear_stacks(e);
	e->checks = e->from_top = e->counting = true;
	*stable = false;
	size_t local = (size_t)-1; /* violations of the snapshot */
	int since = 0;             /* steps since the snapshot improved */
	for (int step = 0; !s; step++) {
		if (since == WALK_PATIENCE) {
			since = 0;
			if (steps - step > e->na) {
				/* Couples can force every step of a cycle:
				 * afresh from nobody matched, when the steps
				 * left could place everyone. */
				eng_reset(e);
				e->checks = e->from_top = e->counting = true;
				memset(used, 0, nused);
				local = (size_t)-1;
			} else {
				memcpy(e->block, snap, e->block_size);
				memcpy(used, snap_used, nused);
			}
		}
		e->cycled = false;
		export(e, cur);
		sp_report *r;
		if ((s = sp__verify_index(e->in, e->x, cur, &r)))
			break;
		size_t n = sp_report_count(r), nb = blocking_count(r, n);
		since++;
		if (n < local) {
			local = n;
			memcpy(snap, e->block, e->block_size);
			memcpy(snap_used, used, nused);
			since = 0;
		}
		if (n < *best_v) {
			*best_v = n;
			export(e, best);
		}
		if (n == 0 || step >= steps) {
			*stable = n == 0;
			sp_report_free(r);
			break;
		}
		e->st.walk_steps++;
		if (n > 2 * local + WALK_SLACK) {
			/* Lost: back to the snapshot, to walk another way. */
			sp_report_free(r);
			memcpy(e->block, snap, e->block_size);
			memcpy(used, snap_used, nused);
			continue;
		}
		if (nb == 0) {
			/* Only reversion accounting is wrong. */
			sp_report_free(r);
			memset(e->disp, 0, (size_t)e->na * sizeof *e->disp);
			apply_reversions(e, rorder, used);
			clear_stacks(e);
			continue;
		}
		s = walk_step(e, rng, r, n, nb);
		sp_report_free(r);
		/* Every other step, whoever that displaced settles by RP's
		 * chain repair from this new start; otherwise it waits,
		 * unmatched, for a later step. */
		if (sp_rng_below(rng, 2)) {
			memset(e->disp, 0, (size_t)e->na * sizeof *e->disp);
			run(e);
		}
		clear_stacks(e);
	}
	sp_free(snap);
	sp_free(snap_used);
	return s;
}

/* Steps of the random walk per attempt: more on small markets, where a
 * step (one verifier pass) is cheap. */
static int walk_steps(const eng *e)
{
	long entries = (long)e->pl_off[e->np] + 1;
	long steps = WALK_WORK / entries;
	return (int)SP_MAX(WALK_MIN_STEPS, SP_MIN(steps, WALK_MAX_STEPS));
}

/* The applicant-proposing run: per attempt (a couple and supplemental
 * order), RP's chain repair, and when it cycles the KPR-style fallback;
 * when every attempt cycled, the random walk from the last one's end.
 * The first stable matching ends it; when none is found, *m is the
 * matching with the fewest violations the walk saw, and the result
 * SP_ENOSTABLE. */
static sp_status attempts(eng *e, const sp_match_opts *o, int32_t *corder,
                          const int32_t *rorder, int *used, sp_matching **m,
                          sp_err *err)
{
	sp_matching *cur = NULL, *best = NULL;
	size_t best_v = (size_t)-1;
	bool stable = false;
	sp_status s = SP_OK;
	int att = 0;
	for (; att <= o->max_restarts && !stable; att++) {
		couple_order(corder, e->nc, o->seed, att);
		attempt_match(e, corder, rorder, used, o->seed, att);
		if (!e->cycled) {
			stable = true;
			break;
		}
		e->st.cycles++;
		kpr_attempt(e, corder, rorder, used, o->seed, att);
		if (!e->cycled) {
			e->st.fallback = 1;
			stable = true;
			break;
		}
		e->st.cycles++;
		if (att < o->max_restarts)
			e->st.restarts++;
	}
	if (!stable) {
		/* Every order cycled: walk from the last attempt's end. */
		if ((s = sp__matching_alloc(e->in, &cur)) ||
		    (s = sp__matching_alloc(e->in, &best)))
			goto out;
		sp_rng rng;
		sp_rng_seed(&rng, o->seed, 0x200000u);
		s = walk(e, &rng, walk_steps(e), rorder, used, cur, best,
		         &best_v, &stable);
		if (s)
			goto out;
		e->st.fallback = stable ? 2 : 0;
	}
	if (stable) {
		e->cycled = false;
		export(e, *m);
		goto out;
	}
	sp_matching_free(*m);
	*m = best;
	best = NULL;
	(*m)->stats = e->st;
	(*m)->stable = 0;
	s = sp__err_set(err, SP_ENOSTABLE, NULL, 0, NULL,
	                "no stable matching found in %d attempt(s): RP's "
	                "chain repair cycled, the KPR-style fallback did "
	                "not settle, and %d steps of a random walk over "
	                "blocking pairs found none; the matching returned "
	                "has the fewest violations found (%zu), each "
	                "named by the verifier",
	                att, e->st.walk_steps, best_v);
out:
	sp_matching_free(cur);
	sp_matching_free(best);
	return s;
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
		export(&e, m);
	} else {
		s = attempts(&e, &o, corder, rorder, used, &m, err);
		if (s && s != SP_ENOSTABLE)
			goto out;
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

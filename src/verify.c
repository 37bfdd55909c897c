/*
 * verify.c — the stability verifier: checks a matching against an
 * instance and lists every violation it finds.
 *
 * DESIGN
 *
 * Definitions (Roth–Peranson 1999; Kojima–Pathak–Roth 2013 for couples):
 *   - A program *would take* applicant a of rank r when fewer than
 *     `capacity` of the applicants it holds rank better than r — i.e. it
 *     has a free position or ranks a above one it holds.  Capacities are
 *     the matching's (after reversions).
 *   - Blocking pair: a single applicant and a program it ranks above its
 *     match (or any program it ranks, when unmatched) that would take it.
 *     Supplemental lists give blocking pairs too: an applicant matched to
 *     a linked advanced program and a PGY-1 program above its PGY-1 match
 *     on the linked list.
 *   - Blocking coalition: a couple and a pair (p, q) above its current
 *     pair on its list such that p and q would take the members sent
 *     there (KPR: member f is in Ch_p(mu(p) + f), where mu(p) still holds
 *     a partner who would leave), and — both members at one program —
 *     both among its `capacity` best.
 *   - Accounting: capacity respected; every pair mutually ranked; each
 *     couple at a pair of its list (or both unmatched); supplemental
 *     positions only under a linked advanced match; capacities agree with
 *     the reversions, and a donor with reversion budget left is full.
 *
 * Method.  Every list entry's rank on the other side comes from the
 * instance's rank index (index.c; readers prepare it, else it is built
 * here).  One pass over the applicants gives each program the sorted
 * ranks it holds; "would take" is then a binary search (count of held
 * ranks better than r).  Each applicant's list is scanned once above its
 * match, so the whole check is O(L log q) for L list entries and q the
 * largest capacity, effectively linear.
 */
#include "index.h"
#include "matching.h"

#include <stdio.h>
#include <stdlib.h>

struct sp_report {
	SP_VEC(sp_violation) v;
};

void sp_report_free(sp_report *r)
{
	if (!r)
		return;
	SP_VEC_FREE(r->v);
	sp_free(r);
}

size_t sp_report_count(const sp_report *r)
{
	return r->v.n;
}

const sp_violation *sp_report_get(const sp_report *r, size_t k)
{
	return k < r->v.n ? &r->v.v[k] : NULL;
}

typedef struct {
	const sp_inst *in;
	const sp_matching *m;
	sp_report *rep;
	int32_t na, np;
	/* The rank index: each list entry with the other side's rank. */
	const sp__index *x;
	sp__index *own; /* built here when the instance had none */
	/* Sorted held ranks per program, and filled counts. */
	int32_t *h_off, *h_rank, *filled;
	/* Rank of each applicant at its primary program (-1 if none). */
	int32_t *cur_rank;
	bool oom;
} ver;

static void add(ver *v, sp_violation_kind kind, int32_t a, int32_t p,
                int32_t p2)
{
	sp_violation x = {kind, a, p, p2};
	if (!SP_VEC_PUSH(v->rep->v, x))
		v->oom = true;
}

/* Rank of single a's k-th choice's program of a (-1: not ranked). */
static int32_t entry_rank(const ver *v, int32_t a, int32_t k)
{
	return v->x->ent[v->x->a_off[a] + k].rank;
}

/* Program p's rank of applicant a, or -1: from a's own list through the
 * index when p is on it, else (a matching naming a program a did not
 * list, or a PGY-1 program) by reading p's list. */
static int32_t rank_of(const ver *v, int32_t a, int32_t p)
{
	const sp__index *x = v->x;
	int32_t c = x->couple[a];
	if (c == SP_NONE) {
		for (int32_t k = x->a_off[a]; k < x->a_off[a + 1]; k++)
			if (x->ent[k].prog == p)
				return x->ent[k].rank;
	} else {
		int j = x->cm[2 * c] == a ? 0 : 1;
		for (int32_t k = 2 * x->c_off[c]; k < 2 * x->c_off[c + 1];
		     k += 2)
			if (x->cp_prog[k + j] == p)
				return x->cp_rank[k + j];
	}
	for (int32_t i = x->pl_off[p]; i < x->pl_off[p + 1]; i++)
		if (x->pl_app[i] == a)
			return i - x->pl_off[p];
	return -1;
}

/* Held ranks at p better than r. */
static int32_t better_than(const ver *v, int32_t p, int32_t r)
{
	int32_t lo = v->h_off[p], hi = v->h_off[p + 1];
	while (lo < hi) {
		int32_t mid = lo + (hi - lo) / 2;
		if (v->h_rank[mid] < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - v->h_off[p];
}

static bool would_take(const ver *v, int32_t p, int32_t r)
{
	return r >= 0 && better_than(v, p, r) < sp_matching_capacity(v->m, p);
}

static int cmp_i32(const void *x, const void *y)
{
	int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
	return (a > b) - (a < b);
}

static bool setup(ver *v)
{
	int32_t na = v->na, np = v->np;
	if (!v->x)
		v->x = sp__inst_index(v->in);
	if (!v->x) {
		if (sp__index_build(v->in, &v->own) != SP_OK)
			return false;
		v->x = v->own;
	}
	v->h_off = sp_calloc((size_t)np + 2, sizeof *v->h_off);
	v->h_rank = sp_malloc(2 * ((size_t)na + 1) * sizeof *v->h_rank);
	v->filled = sp_calloc((size_t)np + 1, sizeof *v->filled);
	v->cur_rank = sp_malloc(((size_t)na + 1) * sizeof *v->cur_rank);
	if (!v->h_off || !v->h_rank || !v->filled || !v->cur_rank)
		return false;

	/* Held ranks per program (acceptable assignments only; all of them
	 * count as filled). */
	for (int32_t a = 0; a < na; a++) {
		int32_t ps[2] = {sp_matching_program(v->m, a),
		                 sp_matching_supplemental(v->m, a)};
		for (int j = 0; j < 2; j++)
			if (ps[j] != SP_NONE) {
				v->filled[ps[j]]++;
				v->h_off[ps[j] + 1]++;
			}
	}
	for (int32_t p = 0; p < np; p++)
		v->h_off[p + 1] += v->h_off[p];
	int32_t *pos = sp_malloc(((size_t)np + 1) * sizeof *pos);
	if (!pos)
		return false;
	memcpy(pos, v->h_off, ((size_t)np + 1) * sizeof *pos);
	for (int32_t a = 0; a < na; a++) {
		int32_t ps[2] = {sp_matching_program(v->m, a),
		                 sp_matching_supplemental(v->m, a)};
		int32_t rs[2] = {ps[0] == SP_NONE ? -1 : rank_of(v, a, ps[0]),
		                 ps[1] == SP_NONE ? -1 : rank_of(v, a, ps[1])};
		v->cur_rank[a] = rs[0];
		for (int j = 0; j < 2; j++) {
			if (ps[j] == SP_NONE)
				continue;
			int32_t r = rs[j];
			/* An unranked holder takes a position but ranks
			 * below everyone. */
			v->h_rank[pos[ps[j]]++] = r >= 0 ? r : INT32_MAX;
		}
	}
	sp_free(pos);
	for (int32_t p = 0; p < np; p++) {
		int32_t n = v->h_off[p + 1] - v->h_off[p];
		if (n > 1)
			qsort(v->h_rank + v->h_off[p], (size_t)n,
			      sizeof *v->h_rank, cmp_i32);
	}
	return true;
}

static void check_quotas(ver *v)
{
	for (int32_t p = 0; p < v->np; p++)
		if (v->filled[p] > sp_matching_capacity(v->m, p))
			add(v, SP_V_OVER_QUOTA, SP_NONE, p, SP_NONE);
}

/* Position of p in list l[0..n), or -1. */
static int32_t find(const int32_t *l, size_t n, int32_t p)
{
	for (size_t k = 0; k < n; k++)
		if (l[k] == p)
			return (int32_t)k;
	return -1;
}

static void check_supplemental(ver *v, int32_t a)
{
	int32_t adv = sp_matching_program(v->m, a);
	int32_t sp = sp_matching_supplemental(v->m, a);
	int32_t s = adv == SP_NONE ? SP_NONE : sp__inst_supp_for(v->in, a, adv);
	if (s == SP_NONE) {
		if (sp != SP_NONE)
			add(v, SP_V_SUPPLEMENTAL, a, sp, adv);
		return;
	}
	int32_t who;
	const int32_t *advl, *pre;
	size_t nadv, npre;
	sp_inst_supplemental(v->in, (size_t)s, &who, &advl, &nadv, &pre, &npre);
	const int32_t *srank = v->x->sl_rank + v->x->sl_off[s];
	int32_t j0 = (int32_t)npre;
	if (sp != SP_NONE) {
		j0 = find(pre, npre, sp);
		if (j0 < 0) {
			add(v, SP_V_SUPPLEMENTAL, a, sp, adv);
			return;
		}
		if (srank[j0] < 0)
			add(v, SP_V_UNACCEPTABLE, a, sp, SP_NONE);
	}
	for (int32_t j = 0; j < j0; j++)
		if (pre[j] != adv && would_take(v, pre[j], srank[j]))
			add(v, SP_V_BLOCKING_PAIR, a, pre[j], adv);
}

static void check_single(ver *v, int32_t a)
{
	size_t n;
	const int32_t *rol = sp_inst_rol(v->in, a, &n);
	int32_t p = sp_matching_program(v->m, a);
	int32_t k0 = (int32_t)n;
	if (p != SP_NONE) {
		k0 = find(rol, n, p);
		if (k0 < 0 || entry_rank(v, a, k0) < 0) {
			add(v, SP_V_UNACCEPTABLE, a, p, SP_NONE);
			if (k0 < 0)
				k0 = (int32_t)n;
		}
	}
	for (int32_t k = 0; k < k0; k++)
		if (would_take(v, rol[k], entry_rank(v, a, k)))
			add(v, SP_V_BLOCKING_PAIR, a, rol[k], SP_NONE);
	if (sp_matching_supplemental(v->m, a) != SP_NONE ||
	    sp__inst_has_supp(v->in, a))
		check_supplemental(v, a);
}

/* Would program x take the members of couple c (members mem[], ranks at
 * x in rk[]) that pair (p, q) sends to x?  Kojima–Pathak–Roth: those sent
 * must all be among x's `capacity` best of what it holds plus them; a
 * partner at x who would leave still counts. */
static bool couple_taken_at(const ver *v, const int32_t mem[2],
                            const int32_t pq[2], const int32_t rk[2], int32_t x)
{
	int32_t nt = 0, nthere = 0, w = -1, there_better = 0;
	for (int j = 0; j < 2; j++)
		if (pq[j] == x) {
			nt++;
			nthere += sp_matching_program(v->m, mem[j]) == x;
			if (rk[j] > w)
				w = rk[j];
		}
	if (nt == 0 || (nt == 1 && nthere == 1))
		return true;
	for (int j = 0; j < 2; j++) {
		int32_t cr = v->cur_rank[mem[j]];
		if (pq[j] == x && sp_matching_program(v->m, mem[j]) == x &&
		    cr >= 0 && cr < w)
			there_better++;
	}
	int32_t better = better_than(v, x, w) - there_better;
	return better + nt <= sp_matching_capacity(v->m, x);
}

static void check_couple(ver *v, int32_t c)
{
	int32_t mem[2];
	sp_inst_couple_members(v->in, c, &mem[0], &mem[1]);
	size_t n;
	const int32_t *pairs = sp_inst_couple_rol(v->in, c, &n);
	int32_t cur[2] = {sp_matching_program(v->m, mem[0]),
	                  sp_matching_program(v->m, mem[1])};
	for (int j = 0; j < 2; j++)
		if (sp_matching_supplemental(v->m, mem[j]) != SP_NONE)
			add(v, SP_V_SUPPLEMENTAL, mem[j],
			    sp_matching_supplemental(v->m, mem[j]), SP_NONE);
	/* Ranks of each member at the programs of each pair (0 for an
	 * unmatched partner), from the index. */
	const int32_t *rk = v->x->cp_rank + 2 * v->x->c_off[c];
	int32_t k0 = (int32_t)n;
	if (cur[0] != SP_NONE || cur[1] != SP_NONE) {
		k0 = -1;
		for (size_t k = 0; k < n && k0 < 0; k++)
			if (pairs[2 * k] == cur[0] &&
			    pairs[2 * k + 1] == cur[1])
				k0 = (int32_t)k;
		if (k0 < 0) {
			add(v, SP_V_COUPLE_SPLIT, c, cur[0], cur[1]);
			return;
		}
		for (int j = 0; j < 2; j++)
			if (cur[j] != SP_NONE && rk[2 * k0 + j] < 0)
				add(v, SP_V_UNACCEPTABLE, mem[j], cur[j],
				    SP_NONE);
	}
	for (int32_t k = 0; k < k0; k++) {
		int32_t pq[2] = {pairs[2 * k], pairs[2 * k + 1]};
		int32_t r[2] = {rk[2 * k], rk[2 * k + 1]};
		if ((pq[0] != SP_NONE && r[0] < 0) ||
		    (pq[1] != SP_NONE && r[1] < 0))
			continue;
		bool ok = true;
		for (int j = 0; j < 2 && ok; j++)
			if (pq[j] != SP_NONE)
				ok = couple_taken_at(v, mem, pq, r, pq[j]);
		if (ok)
			add(v, SP_V_BLOCKING_COUPLE, c, pq[0], pq[1]);
	}
}

/* Capacities must follow from the reversions: only programs in a
 * reversion change, within what they can give and get, in total
 * conserved; a pure donor with budget left must be full. */
static void check_reversions(ver *v)
{
	int32_t np = v->np;
	int64_t *in_max = sp_calloc((size_t)np + 1, sizeof *in_max);
	int64_t *out_max = sp_calloc((size_t)np + 1, sizeof *out_max);
	if (!in_max || !out_max) {
		v->oom = true;
		goto out;
	}
	size_t nr = sp_inst_nreversions(v->in);
	for (size_t k = 0; k < nr; k++) {
		int32_t d, r;
		int cnt;
		sp_inst_reversion(v->in, k, &d, &r, &cnt);
		out_max[d] += cnt;
		in_max[r] += cnt;
	}
	int64_t sum = 0;
	int32_t first = SP_NONE;
	for (int32_t p = 0; p < np; p++) {
		int64_t delta = (int64_t)sp_matching_capacity(v->m, p) -
		                sp_inst_quota(v->in, p);
		sum += delta;
		if (delta != 0 && first == SP_NONE)
			first = p;
		if (delta < -out_max[p] || delta > in_max[p] ||
		    sp_matching_capacity(v->m, p) < 0) {
			add(v, SP_V_REVERSION, SP_NONE, p, SP_NONE);
			continue;
		}
		if (out_max[p] > 0 && in_max[p] == 0 && -delta < out_max[p] &&
		    v->filled[p] < sp_matching_capacity(v->m, p))
			add(v, SP_V_REVERSION, SP_NONE, p, SP_NONE);
	}
	if (sum != 0)
		add(v, SP_V_REVERSION, SP_NONE, first, SP_NONE);
out:
	sp_free(in_max);
	sp_free(out_max);
}

sp_status sp_verify(const sp_inst *in, const sp_matching *m, sp_report **out)
{
	return sp__verify_index(in, NULL, m, out);
}

sp_status sp__verify_index(const sp_inst *in, const sp__index *x,
                           const sp_matching *m, sp_report **out)
{
	*out = NULL;
	if (m->na != sp_inst_napplicants(in) || m->np != sp_inst_nprograms(in))
		return SP_EINVAL;
	ver v = {0};
	v.in = in;
	v.x = x;
	v.m = m;
	v.na = m->na;
	v.np = m->np;
	v.rep = sp_calloc(1, sizeof *v.rep);
	if (v.rep && setup(&v)) {
		check_quotas(&v);
		for (int32_t a = 0; a < v.na; a++)
			if (sp_inst_couple_of(in, a) == SP_NONE)
				check_single(&v, a);
		for (int32_t c = 0; c < sp_inst_ncouples(in); c++)
			check_couple(&v, c);
		check_reversions(&v);
	} else {
		v.oom = true;
	}
	void *ptrs[] = {v.h_off, v.h_rank, v.filled, v.cur_rank};
	sp__index_free(v.own);
	for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++)
		sp_free(ptrs[i]);
	if (v.oom) {
		sp_report_free(v.rep);
		return SP_ENOMEM;
	}
	*out = v.rep;
	return SP_OK;
}

static const char *pname(const sp_inst *in, int32_t p)
{
	return p == SP_NONE ? "(unmatched)" : sp_inst_program_name(in, p);
}

void sp_violation_describe(const sp_inst *in, const sp_violation *x, char *buf,
                           size_t size)
{
	switch (x->kind) {
	case SP_V_OVER_QUOTA:
		snprintf(buf, size,
		         "over capacity: program %s holds more "
		         "applicants than its positions",
		         pname(in, x->program));
		break;
	case SP_V_UNACCEPTABLE:
		snprintf(buf, size,
		         "unacceptable: applicant %s is matched to "
		         "%s, but the two did not rank each other",
		         sp_inst_applicant_name(in, x->applicant),
		         pname(in, x->program));
		break;
	case SP_V_BLOCKING_PAIR:
		if (x->program2 != SP_NONE)
			snprintf(buf, size,
			         "blocking pair: applicant %s "
			         "prefers PGY-1 program %s (supplemental list "
			         "of %s) to its PGY-1 match, and %s would "
			         "take it",
			         sp_inst_applicant_name(in, x->applicant),
			         pname(in, x->program), pname(in, x->program2),
			         pname(in, x->program));
		else
			snprintf(
			    buf, size,
			    "blocking pair: applicant %s "
			    "prefers %s to its match, and %s would take it",
			    sp_inst_applicant_name(in, x->applicant),
			    pname(in, x->program), pname(in, x->program));
		break;
	case SP_V_BLOCKING_COUPLE: {
		int32_t a, b;
		sp_inst_couple_members(in, x->applicant, &a, &b);
		snprintf(buf, size,
		         "blocking coalition: couple %s (%s, %s) "
		         "prefers (%s, %s) to its pair, and both programs "
		         "would take them",
		         sp_inst_couple_name(in, x->applicant),
		         sp_inst_applicant_name(in, a),
		         sp_inst_applicant_name(in, b), pname(in, x->program),
		         pname(in, x->program2));
		break;
	}
	case SP_V_COUPLE_SPLIT:
		snprintf(buf, size,
		         "couple %s is at (%s, %s), which is not a "
		         "pair on its list",
		         sp_inst_couple_name(in, x->applicant),
		         pname(in, x->program), pname(in, x->program2));
		break;
	case SP_V_SUPPLEMENTAL:
		snprintf(buf, size,
		         "supplemental: applicant %s holds PGY-1 "
		         "position %s without a matching advanced position "
		         "linked to a list that contains it",
		         sp_inst_applicant_name(in, x->applicant),
		         pname(in, x->program));
		break;
	case SP_V_REVERSION:
		snprintf(buf, size,
		         "reversion: the capacity of %s does not "
		         "follow from its quota and reversions (or a donor "
		         "with reversions left has unfilled positions)",
		         pname(in, x->program));
		break;
	default:
		snprintf(buf, size, "unknown violation");
	}
}

/*
 * brute.h — exhaustive search over every matching of a tiny instance
 * (tests only): decides whether a stable matching exists at all, and
 * finds the fewest violations any matching has.
 *
 * DESIGN
 *
 * Every agent is given each of its options in turn, depth first: a
 * single is unmatched or at a program of its list that ranks it; when
 * that program is advanced and linked to one of its supplemental lists,
 * the applicant is also unmatched there or at a program of that list
 * that ranks it; a couple is unmatched or at a pair of its list whose
 * programs rank the members sent there.  A branch is cut as soon as a
 * program holds more than its quota.  Every complete assignment goes to
 * sp_verify, the same verifier `smartpick verify` runs, so "stable"
 * means exactly what it means everywhere else: no blocking pair, no
 * blocking coalition, nothing split or over quota.  Matchings that put
 * someone at a program that does not rank it, or a couple member
 * alone, are never stable and are not enumerated.
 *
 * Cost: the product of the agents' option counts (less what the quotas
 * cut), each leaf one verifier run; `limit` bounds the leaves.  Instances
 * with reversions are refused (capacities would depend on the matching).
 */
#ifndef SP_BRUTE_H
#define SP_BRUTE_H

#include "smartpick.h"

#include <stdbool.h>
#include <stdlib.h>

typedef struct {
	long leaves;   /* complete matchings verified */
	long stable;   /* stable ones among them */
	size_t fewest; /* fewest violations of any matching */
	bool complete; /* false: the leaf limit cut the search short */
} brute_result;

typedef struct {
	const sp_inst *in;
	sp_matching *m;
	int32_t na, np, nc;
	int32_t *rank; /* rank[p * na + a]: p's rank of a, or -1 */
	int *fill;
	long limit;
	bool stop_at_stable;
	brute_result r;
} brute_state;

static inline bool brute_ranks(const brute_state *b, int32_t p, int32_t a)
{
	return p == SP_NONE || b->rank[(size_t)p * b->na + a] >= 0;
}

static inline bool brute_take(brute_state *b, int32_t p)
{
	if (p == SP_NONE)
		return true;
	if (b->fill[p] >= sp_inst_quota(b->in, p))
		return false;
	b->fill[p]++;
	return true;
}

static inline void brute_put(brute_state *b, int32_t p)
{
	if (p != SP_NONE)
		b->fill[p]--;
}

static inline bool brute_done(const brute_state *b)
{
	return b->r.leaves >= b->limit || (b->stop_at_stable && b->r.stable);
}

static inline void brute_leaf(brute_state *b)
{
	sp_report *rep;
	if (sp_verify(b->in, b->m, &rep) != SP_OK) {
		b->r.leaves = b->limit; /* give up */
		return;
	}
	size_t n = sp_report_count(rep);
	sp_report_free(rep);
	b->r.leaves++;
	b->r.stable += n == 0;
	if (n < b->r.fewest)
		b->r.fewest = n;
}

static void brute_agent(brute_state *b, int32_t k);

/* The supplemental options of single a at primary program p. */
static inline void brute_supp(brute_state *b, int32_t a, int32_t p, int32_t k)
{
	size_t ns = sp_inst_nsupplementals(b->in);
	for (size_t s = 0; s < ns; s++) {
		int32_t who;
		const int32_t *adv, *pre;
		size_t nadv, npre;
		sp_inst_supplemental(b->in, s, &who, &adv, &nadv, &pre, &npre);
		if (who != a)
			continue;
		bool linked = false;
		for (size_t i = 0; i < nadv; i++)
			linked |= adv[i] == p;
		if (!linked)
			continue;
		for (size_t i = 0; i < npre && !brute_done(b); i++) {
			int32_t q = pre[i];
			if (q == p || !brute_ranks(b, q, a) ||
			    !brute_take(b, q))
				continue;
			sp_matching_set_supplemental(b->m, a, q);
			brute_agent(b, k + 1);
			sp_matching_set_supplemental(b->m, a, SP_NONE);
			brute_put(b, q);
		}
		return; /* a program links at most one list */
	}
}

static inline void brute_single(brute_state *b, int32_t a, int32_t k)
{
	size_t n;
	const int32_t *l = sp_inst_rol(b->in, a, &n);
	brute_agent(b, k + 1);
	for (size_t i = 0; i < n && !brute_done(b); i++) {
		int32_t p = l[i];
		if (!brute_ranks(b, p, a) || !brute_take(b, p))
			continue;
		sp_matching_set(b->m, a, p);
		brute_agent(b, k + 1);
		brute_supp(b, a, p, k);
		sp_matching_set(b->m, a, SP_NONE);
		brute_put(b, p);
	}
}

static inline void brute_couple(brute_state *b, int32_t c, int32_t k)
{
	int32_t x, y;
	size_t n;
	sp_inst_couple_members(b->in, c, &x, &y);
	const int32_t *l = sp_inst_couple_rol(b->in, c, &n);
	brute_agent(b, k + 1);
	for (size_t i = 0; i < n && !brute_done(b); i++) {
		int32_t p = l[2 * i], q = l[2 * i + 1];
		if (!brute_ranks(b, p, x) || !brute_ranks(b, q, y))
			continue;
		if (!brute_take(b, p))
			continue;
		if (!brute_take(b, q)) {
			brute_put(b, p);
			continue;
		}
		sp_matching_set(b->m, x, p);
		sp_matching_set(b->m, y, q);
		brute_agent(b, k + 1);
		sp_matching_set(b->m, x, SP_NONE);
		sp_matching_set(b->m, y, SP_NONE);
		brute_put(b, q);
		brute_put(b, p);
	}
}

/* Agent k: applicants 0..na-1 (couple members skipped), then couples. */
static void brute_agent(brute_state *b, int32_t k)
{
	if (brute_done(b))
		return;
	if (k == b->na + b->nc) {
		brute_leaf(b);
		return;
	}
	if (k >= b->na)
		brute_couple(b, k - b->na, k);
	else if (sp_inst_couple_of(b->in, k) != SP_NONE)
		brute_agent(b, k + 1);
	else
		brute_single(b, k, k);
}

/* Searches every matching of `in` (at most `limit` of them); with
 * stop_at_stable, stops at the first stable one.  Returns false when the
 * instance has reversions or memory runs out. */
static inline bool brute_search(const sp_inst *in, long limit,
                                bool stop_at_stable, brute_result *out)
{
	if (sp_inst_nreversions(in) > 0)
		return false;
	brute_state b = {0};
	b.in = in;
	b.na = sp_inst_napplicants(in);
	b.np = sp_inst_nprograms(in);
	b.nc = sp_inst_ncouples(in);
	b.limit = limit;
	b.stop_at_stable = stop_at_stable;
	b.r.fewest = (size_t)-1;
	b.rank = malloc(((size_t)b.np * (size_t)b.na + 1) * sizeof *b.rank);
	b.fill = calloc((size_t)b.np + 1, sizeof *b.fill);
	bool ok = b.rank && b.fill && sp_matching_new(in, &b.m) == SP_OK;
	if (ok) {
		for (size_t i = 0; i < (size_t)b.np * (size_t)b.na; i++)
			b.rank[i] = -1;
		for (int32_t p = 0; p < b.np; p++) {
			size_t n;
			const int32_t *l = sp_inst_program_rol(in, p, &n);
			for (size_t i = 0; i < n; i++)
				b.rank[(size_t)p * b.na + l[i]] = (int32_t)i;
		}
		brute_agent(&b, 0);
		b.r.complete = b.r.leaves < limit || b.r.stable > 0;
		*out = b.r;
	}
	sp_matching_free(b.m);
	free(b.rank);
	free(b.fill);
	return ok;
}

#endif

/*
 * matching.c — a matching of an instance: each applicant's primary and
 * supplemental program, each program's capacity after reversions, the
 * run's statistics and whether it is known stable.
 */
#include "matching.h"

sp_status sp__matching_alloc(const sp_inst *in, sp_matching **out)
{
	int32_t na = sp_inst_napplicants(in), np = sp_inst_nprograms(in);
	sp_matching *m = sp_calloc(1, sizeof *m);
	*out = NULL;
	if (!m)
		return SP_ENOMEM;
	m->na = na;
	m->np = np;
	m->prog = sp_malloc((size_t)(na ? na : 1) * sizeof *m->prog);
	m->supp = sp_malloc((size_t)(na ? na : 1) * sizeof *m->supp);
	m->cap = sp_malloc((size_t)(np ? np : 1) * sizeof *m->cap);
	m->fill = sp_calloc((size_t)(np ? np : 1), sizeof *m->fill);
	if (!m->prog || !m->supp || !m->cap || !m->fill) {
		sp_matching_free(m);
		return SP_ENOMEM;
	}
	for (int32_t a = 0; a < na; a++)
		m->prog[a] = m->supp[a] = SP_NONE;
	for (int32_t p = 0; p < np; p++)
		m->cap[p] = sp_inst_quota(in, p);
	m->stable = 1;
	*out = m;
	return SP_OK;
}

sp_status sp_matching_new(const sp_inst *in, sp_matching **out)
{
	return sp__matching_alloc(in, out);
}

void sp_matching_free(sp_matching *m)
{
	if (!m)
		return;
	sp_free(m->prog);
	sp_free(m->supp);
	sp_free(m->cap);
	sp_free(m->fill);
	sp_free(m);
}

int32_t sp_matching_program(const sp_matching *m, int32_t a)
{
	assert(a >= 0 && a < m->na);
	return m->prog[a];
}

int32_t sp_matching_supplemental(const sp_matching *m, int32_t a)
{
	assert(a >= 0 && a < m->na);
	return m->supp[a];
}

/* Moves one taken position from program `from` to `to` (either may be
 * SP_NONE). */
static void move_fill(sp_matching *m, int32_t from, int32_t to)
{
	if (from != SP_NONE)
		m->fill[from]--;
	if (to != SP_NONE)
		m->fill[to]++;
}

void sp_matching_set(sp_matching *m, int32_t a, int32_t p)
{
	assert(a >= 0 && a < m->na && p >= SP_NONE && p < m->np);
	move_fill(m, m->prog[a], p);
	m->prog[a] = p;
}

void sp_matching_set_supplemental(sp_matching *m, int32_t a, int32_t p)
{
	assert(a >= 0 && a < m->na && p >= SP_NONE && p < m->np);
	move_fill(m, m->supp[a], p);
	m->supp[a] = p;
}

int sp_matching_capacity(const sp_matching *m, int32_t p)
{
	assert(p >= 0 && p < m->np);
	return m->cap[p];
}

void sp_matching_set_capacity(sp_matching *m, int32_t p, int capacity)
{
	assert(p >= 0 && p < m->np);
	m->cap[p] = capacity;
}

int sp_matching_filled(const sp_matching *m, int32_t p)
{
	assert(p >= 0 && p < m->np);
	return m->fill[p];
}

int sp_matching_stable(const sp_matching *m)
{
	return m->stable;
}

const sp_match_stats *sp_matching_stats(const sp_matching *m)
{
	return &m->stats;
}

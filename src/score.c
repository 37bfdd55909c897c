/*
 * score.c — an applicant's own list scored as the advisor scores the
 * list it recommends (POST /api/score; docs/http-api.md).  The page's
 * list editor sends the list after every edit (a program added from the
 * explorer, one removed, a signal moved) and shows the answer: P(match)
 * and its band, each program's share of the matches, tiers, reasons,
 * the ERAS fees and the curve.
 *
 * Input: the body of POST /api/rank (src/rank.c parses it):
 *   {"profile": {...}, "rank_order": ["CODE" | {"code", "signal"}, ...]}
 * the programs in the applicant's order of preference.  Each program
 * must belong to the profile's first choice, a backup or (advanced first
 * choice) the PGY-1 year; a signal must be a tier the program takes and
 * the specialty has, and no specialty may get more of a tier than its
 * allotment (the profile's gold and silver for the first choice).
 * Programs the profile avoids stay: the applicant put them there.
 *
 * Output: /api/recommend's report (report.c's writer) for this list, so
 * the page draws both the same way.  Its figures are advise.c's for a
 * fixed list (sp__advise_rescore): the same estimates, interview cap,
 * band and fees, so the recommended list sent back unchanged scores as
 * recommended.  The curve runs along the list's own programs by worth;
 * stop_at is the list's length, stop_reason "edited", and there is no
 * at-risk guidance (it would plan other lists).
 *
 * Cost: the estimates, O(n K) for n programs and K nodes, and the curve,
 * O(n K cap); under a millisecond for a 100-program list.
 */
#include "advise.h"
#include "rank.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int32_t by_code(void *ctx, const char *code)
{
	const sp_advisor *a = ctx;
	for (size_t j = 0; j < a->np; j++)
		if (!strcmp(a->progs[j].code, code))
			return (int32_t)j;
	return -1;
}

static bool listed(char (*list)[3], int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/* Program in->j[i] as a candidate of the profile in r->pf: its slot, its
 * value (advise.c's candidates: a backup's weight, 0.8 outside the
 * wanted places), the tiers it could take and the tier asked for. */
static sp_status place(const sp_advisor *a, sp_advice *r, const char *name,
                       const sp__rank_input *in, size_t i, cand *x, sp_err *err)
{
	const prof *pf = &r->pf;
	const sp_model *m = a->m;
	const sp_program_info *p = &a->progs[in->j[i]];
	int f = m->spec_fam[m->prog_spec[in->j[i]]], slot = -1;
	char field[48];
	snprintf(field, sizeof field, "rank_order[%zu]", i);
	for (int k = 0; k < pf->nfam; k++)
		if (pf->fam[k] == f)
			slot = k;
	if (slot < 0)
		return sp__err_set(err, SP_EINVAL, name, 0, field,
		                   "%s is in %s, not in the profile's "
		                   "specialty or backups",
		                   p->code, m->fam[f].name);
	bool any_want =
	    pf->nwant_states || pf->want_regions || pf->want_settings;
	bool wanted =
	    listed((char(*)[3])pf->want_states, pf->nwant_states, p->state) ||
	    (pf->want_regions >> p->region & 1) ||
	    (pf->want_settings >> p->setting & 1);
	x->j = in->j[i];
	x->slot = slot;
	x->value = (pf->role[slot] == ROLE_BACKUP ? pf->backup_weight : 1.0) *
	           (any_want && !wanted ? 0.8 : 1.0);
	x->tiers = 1;
	if (p->accepts_signals)
		x->tiers |=
		    (r->gold[slot] > 0 ? 4 : 0) | (r->silver[slot] > 0 ? 2 : 0);
	x->tier = in->tier[i];
	if (!(x->tiers >> x->tier & 1)) {
		snprintf(field, sizeof field, "rank_order[%zu].signal", i);
		return sp__err_set(
		    err, SP_EINVAL, name, 0, field, "%s takes no %s signal",
		    p->accepts_signals ? m->fam[f].name : p->code,
		    sp__advise_tier_name(x->tier));
	}
	int *used = x->tier == 2 ? r->gold_used : r->silver_used;
	int have = x->tier == 2 ? r->gold[slot] : r->silver[slot];
	if (x->tier && ++used[slot] > have) {
		snprintf(field, sizeof field, "rank_order[%zu].signal", i);
		return sp__err_set(err, SP_EINVAL, name, 0, field,
		                   "more %s signals in %s than the %d allowed",
		                   sp__advise_tier_name(x->tier),
		                   m->fam[f].name, have);
	}
	return SP_OK;
}

/* The estimates at x; none where the profile cannot be invited (a visa
 * the program does not give, or no interview model). */
static sp_status estimate(const sp_advisor *a, const prof *pf, cand *x)
{
	sp_status s = sp__advise_estimate(a, pf, x, 1, 0);
	if (s)
		return s;
	bool none = (pf->p.needs_visa && !a->progs[x->j].sponsors_visa) ||
	            isnan(x->pi[x->tier]);
	for (int t = 0; none && t < 3; t++) {
		if (!(x->tiers >> t & 1))
			continue;
		x->pi[t] = 0;
		memset(&x->q[t * NE], 0, NE * sizeof *x->q);
		memset(&x->qi[t * NE], 0, NE * sizeof *x->qi);
	}
	x->qbar = 0;
	for (int k = 0; k < NE; k++)
		x->qbar += a->ew[k] * x->q[x->tier * NE + k];
	return SP_OK;
}

/* Fills r from the parsed list: the main list (first choice and
 * backups) in the order given, then the PGY-1 list. */
static sp_status fill(const sp_advisor *a, sp_advice *r, const char *name,
                      const sp__rank_input *in, sp_err *err)
{
	const prof *pf = &r->pf;
	size_t n = in->nrank;
	if (in->nalso)
		return sp__err_set(err, SP_EINVAL, name, 0, "also_interviewed",
		                   "not for a list to apply to (see "
		                   "/api/rank)");
	if (n == 0)
		return sp__err_set(err, SP_EINVAL, name, 0, "rank_order",
		                   "the list is empty: add a program");
	for (int sl = 0; sl < pf->nfam; sl++) {
		const sp__family *fm = &a->m->fam[pf->fam[sl]];
		r->gold[sl] = sl == 0 && pf->gold >= 0 ? pf->gold : fm->gold;
		r->silver[sl] =
		    sl == 0 && pf->silver >= 0 ? pf->silver : fm->silver;
	}
	cand *xs = sp_calloc(n, sizeof *xs);
	r->pr = sp_calloc(n, sizeof *r->pr);
	sp_status s = xs && r->pr ? SP_OK : SP_ENOMEM;
	for (size_t i = 0; i < n && !s; i++)
		s = place(a, r, name, in, i, &xs[i], err);
	/* sp__advise_rescore counts the signals used again. */
	memset(r->gold_used, 0, sizeof r->gold_used);
	memset(r->silver_used, 0, sizeof r->silver_used);
	for (int pass = 0; pass < 2 && !s; pass++) {
		for (size_t i = 0; i < n && !s; i++) {
			if ((pf->role[xs[i].slot] == ROLE_PGY1) != (pass == 1))
				continue;
			r->pr[r->n].c = xs[i];
			s = estimate(a, pf, &r->pr[r->n++].c);
		}
		if (pass == 0)
			r->nmain = r->n;
	}
	sp_free(xs);
	return s ? s : sp__advise_rescore(a, r);
}

/* sp_advice_write_json under the writer type sp__out_string
 * takes. */
static sp_status write_json(const void *r, FILE *f)
{
	return sp_advice_write_json(r, f);
}

sp_status sp_score_json(const sp_advisor *a, const char *json, size_t len,
                        const char *name, char **out, size_t *outlen,
                        sp_err *err)
{
	*out = NULL;
	*outlen = 0;
	name = name ? name : "list";
	sp__rank_input in;
	sp_status s =
	    sp__rank_parse(json, len, name, by_code, (void *)a, &in, err);
	sp_advice *r = s ? NULL : sp_calloc(1, sizeof *r);
	if (!s && !r)
		s = SP_ENOMEM;
	if (!s) {
		r->a = a;
		r->stop_why = "edited";
		s = sp__profile_parse(a->m, in.profile, in.plen, name, &r->pf,
		                      err);
	}
	if (!s)
		s = fill(a, r, name, &in, err);
	if (!s && a->synthetic)
		sp__advise_note(r, "The catalog is synthetic: program names "
		                   "and figures are drawn, not real "
		                   "(docs/catalog.md).");
	if (!s)
		s = sp__out_string(write_json, r, out, outlen, err);
	if (s == SP_ENOMEM)
		sp__err_set(err, s, name, 0, NULL, "out of memory");
	sp_advice_free(r);
	sp__rank_input_free(&in);
	return s;
}

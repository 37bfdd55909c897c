/*
 * check.c — the cross-check of a recommendation by simulation
 * (`recommend --check`): the applicant, with the recommended list and
 * signals, inserted into full simulated seasons (sim.c's probes).
 */
#include "advise.h"

#include <math.h>
#include <string.h>

sp_status sp_advice_check(const sp_advisor *a, sp_advice *r,
                          const sp_sim_opts *o, int clones, sp_err *err)
{
	sp__err_clear(err);
	const prof *pf = &r->pf;
	/* The main list only: the PGY-1 list of an advanced first choice
	 * is a supplemental list, not a match of its own. */
	size_t n = r->nmain;
	if (n == 0)
		return sp__err_set(err, SP_EINVAL, NULL, 0, NULL,
		                   "the list is empty: nothing to check");
	/* The whole national market: a specialty subset would leave the
	 * applicants whose preferred specialty is outside it competing in
	 * the subset as if they could not match at home (docs/model.md),
	 * and the statistics behind the estimate are national too. */
	const sp_model *m = a->m;
	sp_status s = SP_OK;
	int32_t *apps = sp_malloc(n * sizeof *apps);
	uint8_t *tier = sp_malloc(n);
	double *pref = sp_malloc(n * sizeof *pref);
	if (!s && (!apps || !tier || !pref))
		s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL, "out of memory");
	sp_probe_result res;
	memset(&res, 0, sizeof res);
	if (!s) {
		for (size_t i = 0; i < n; i++) {
			apps[i] = r->pr[i].c.j;
			tier[i] = r->pr[i].c.tier;
			/* Preference, and among equals the likelier match
			 * first: when offered more interviews than the cap,
			 * the copies attend those (a real applicant with no
			 * preference among programs would not keep its
			 * reaches and decline its likely ones), and rank
			 * them in that order. */
			const cand *c = &r->pr[i].c;
			pref[i] = c->value +
			          1e-3 * sp__advise_match_if_interviewed(c);
		}
		sp_probe pr;
		memset(&pr, 0, sizeof pr);
		pr.profile = pf->p;
		pr.apps = apps;
		pr.tier = tier;
		pr.napps = n;
		pr.pref = pref;
		pr.clones = clones;
		s = sp_simulate_probe(m, o, &pr, &res, err);
	}
	if (!s && res.copies > 0) {
		double c = (double)res.copies, p = res.matched / c;
		/* Wilson's 95% interval. */
		double z = 1.96, den = 1 + z * z / c;
		double mid = (p + z * z / (2 * c)) / den;
		double half =
		    z * sqrt(p * (1 - p) / c + z * z / (4 * c * c)) / den;
		r->checked = 1;
		r->chk_p = p;
		r->chk_lo = mid - half;
		r->chk_hi = mid + half;
		r->chk_copies = res.copies;
		sp_free(r->chk_int);
		sp_free(r->chk_match);
		r->chk_int = sp_malloc(r->n * sizeof *r->chk_int);
		r->chk_match = sp_malloc(r->n * sizeof *r->chk_match);
		for (size_t i = 0; r->chk_int && r->chk_match && i < r->n;
		     i++) {
			r->chk_int[i] = i < n ? res.int_at[i] / c : NAN;
			r->chk_match[i] = i < n ? res.match_at[i] / c : NAN;
		}
	}
	sp_free(res.int_at);
	sp_free(res.match_at);
	sp_free(apps);
	sp_free(tier);
	sp_free(pref);
	return s;
}

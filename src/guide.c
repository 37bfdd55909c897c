/*
 * guide.c — guidance for an applicant at risk: when P(match in the first
 * choice) is under RISK_LEVEL (80%), the report says so and gives, with
 * numbers, what would raise it: a longer first-choice list, a backup
 * specialty, dropping place and setting limits; how many of the listed
 * programs are community programs; and what SOAP is.  Each figure is a
 * what-if recommendation on a copy of the profile (the same model, the
 * same optimizer), so the numbers agree with the report's.
 *
 * With backups, also the trade-off the profile can choose with
 * backup_weight: P(match in the first choice) and P(match anywhere) for
 * the jointly optimized list at weights 0.2 to 1, beside the protected
 * list the report gives by default.
 */
#include "advise.h"

#include <math.h>
#include <string.h>

/* The first choice's P(match), its PGY-1 year covered for an advanced
 * specialty. */
static double p_first(const sp_advice *r)
{
	return r->has_pgy1 ? r->p_pref_complete : r->p_pref;
}

/* Runs the recommendation for profile pf; gives the first choice's
 * P(match), P(match anywhere) and the list's length. */
static sp_status whatif(const sp_advisor *a, const prof *pf,
                        const sp_advice *seed, double *pfirst, double *pany,
                        int *n, sp_err *err)
{
	sp_advice *w = sp_calloc(1, sizeof *w);
	if (!w)
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	w->a = a;
	w->pf = *pf;
	w->seed = seed;
	sp_status s = sp__advise_build(a, w, err);
	if (!s) {
		*pfirst = p_first(w);
		*pany = w->p_match;
		*n = (int)w->nmain;
	}
	sp_advice_free(w);
	return s;
}

/* The profile without its backups (PGY-1 families kept). */
static void drop_backups(prof *pf)
{
	int k = 1;
	for (int s = 1; s < pf->nfam; s++)
		if (pf->role[s] != ROLE_BACKUP) {
			pf->fam[k] = pf->fam[s];
			pf->role[k++] = pf->role[s];
		}
	pf->nfam = k;
}

/* The least competitive large specialty that is not already listed and
 * is a full residency (not PGY-1 only, not advanced only); -1 if none. */
static int pick_backup(const sp_advisor *a, const prof *pf)
{
	const sp_model *m = a->m;
	int best = -1;
	for (int32_t f = 0; f < m->nf; f++) {
		bool listed = false;
		for (int s = 0; s < pf->nfam; s++)
			listed |= pf->fam[s] == f;
		const sp__family *x = &m->fam[f];
		if (listed || x->prelim || x->adv_only || x->positions < 1000)
			continue;
		if (best < 0 || x->c < m->fam[best].c)
			best = f;
	}
	return best;
}

static sp_status try_more(const sp_advisor *a, sp_advice *r, sp_err *err)
{
	prof pf = r->pf;
	drop_backups(&pf);
	int n1 = 0;
	for (size_t i = 0; i < r->nmain; i++)
		n1 += r->pr[i].c.slot == 0;
	pf.mode = MODE_COUNT;
	pf.count = SP_MIN(SP_MAX(2 * n1, n1 + 10), MAX_LIST);
	pf.stop_gain = 0.00001;
	double any;
	return whatif(a, &pf, NULL, &r->risk.more_p, &any, &r->risk.more_n,
	              err);
}

static sp_status try_backup(const sp_advisor *a, sp_advice *r, sp_err *err)
{
	prof pf = r->pf;
	for (int s = 1; s < pf.nfam; s++)
		if (pf.role[s] == ROLE_BACKUP)
			return SP_OK; /* the profile has one */
	int f = pick_backup(a, &pf);
	if (f < 0 || pf.nfam == MAX_FAM)
		return SP_OK;
	pf.fam[pf.nfam] = f;
	pf.role[pf.nfam++] = ROLE_BACKUP;
	pf.trade = 0;
	double first;
	sp_status s = whatif(a, &pf, NULL, &first, &r->risk.backup_p,
	                     &r->risk.backup_n, err);
	if (!s)
		r->risk.backup_f = f;
	return s;
}

static sp_status try_wider(const sp_advisor *a, sp_advice *r, sp_err *err)
{
	prof pf = r->pf;
	if (!pf.nwant_states && !pf.navoid_states && !pf.want_regions &&
	    !pf.want_settings && !pf.avoid_settings)
		return SP_OK;
	pf.nwant_states = pf.navoid_states = 0;
	pf.want_regions = pf.want_settings = pf.avoid_settings = 0;
	double any;
	return whatif(a, &pf, NULL, &r->risk.wider_p, &any, &r->risk.wider_n,
	              err);
}

static void risk_notes(const sp_advisor *a, sp_advice *r)
{
	const sp__risk *k = &r->risk;
	const char *first = a->m->fam[r->pf.fam[0]].name;
	char b[16];
	sp__advise_note(r,
	                "At risk: P(match in %s) is %s, under %.0f%%. "
	                "Applicants under 80%% should plan for not matching "
	                "in their first choice.",
	                first, sp__report_pct(b, sizeof b, k->p),
	                100 * RISK_LEVEL);
	if (k->more_n)
		sp__advise_note(r,
		                "More applications: %d %s programs (the "
		                "likeliest you have not listed, past the stop "
		                "point) give P(match in %s) %s.",
		                k->more_n, first, first,
		                sp__report_pct(b, sizeof b, k->more_p));
	if (k->backup_f >= 0)
		sp__advise_note(r,
		                "A backup: adding %s (%d applications in all, "
		                "%s kept first) gives P(match somewhere) "
		                "%s.",
		                a->m->fam[k->backup_f].name, k->backup_n, first,
		                sp__report_pct(b, sizeof b, k->backup_p));
	if (k->wider_n)
		sp__advise_note(r,
		                "Wider regions and settings: without your "
		                "place and setting limits, P(match in %s) "
		                "%s (%d applications).",
		                first, sp__report_pct(b, sizeof b, k->wider_p),
		                k->wider_n);
	sp__advise_note(r,
	                "Community programs: %d of the %zu programs on your "
	                "list. If you do not match, SOAP (the Supplemental "
	                "Offer and Acceptance Program) runs in Match Week, "
	                "before Match Day: unmatched applicants apply "
	                "through ERAS to positions left unfilled and receive "
	                "offers in rounds. Check your eligibility and have "
	                "your documents ready before Match Week.",
	                k->community, r->nmain);
}

sp_status sp__guide_risk(const sp_advisor *a, sp_advice *r, sp_err *err)
{
	sp__risk *k = &r->risk;
	memset(k, 0, sizeof *k);
	k->backup_f = -1;
	k->more_p = k->backup_p = k->wider_p = NAN;
	k->p = p_first(r);
	if (r->nmain == 0 || k->p >= RISK_LEVEL)
		return SP_OK;
	k->at_risk = 1;
	for (size_t i = 0; i < r->nmain; i++) {
		sp_setting st = a->progs[r->pr[i].c.j].setting;
		k->community += st == SP_SETTING_COMMUNITY ||
		                st == SP_SETTING_COMMUNITY_UNIVERSITY;
	}
	sp_status s = try_more(a, r, err);
	if (!s)
		s = try_backup(a, r, err);
	if (!s)
		s = try_wider(a, r, err);
	if (!s)
		risk_notes(a, r);
	return s;
}

sp_status sp__guide_tradeoff(const sp_advisor *a, sp_advice *r, sp_err *err)
{
	bool backups = false;
	for (int s = 1; s < r->pf.nfam; s++)
		backups |= r->pf.role[s] == ROLE_BACKUP;
	r->ntrade = 0;
	if (!backups || r->nmain == 0)
		return SP_OK;
	for (int k = 0; k < 5; k++) {
		prof pf = r->pf;
		pf.trade = 1;
		pf.backup_weight = 0.2 * (k + 1);
		double any;
		sp_status s =
		    whatif(a, &pf, r->est ? r : NULL, &r->trade[k].p_first,
		           &any, &r->trade[k].n, err);
		if (s)
			return s;
		r->trade[k].w = pf.backup_weight;
		r->trade[k].p_any = any;
		r->ntrade++;
	}
	return SP_OK;
}

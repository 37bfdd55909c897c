/*
 * profile.c — the applicant's profile (docs/profile.md): strict JSON with
 * field-level errors, read into the advisor's `prof`.
 */
#include "advise.h"
#include "json.h"

#include <ctype.h>
#include <string.h>

bool sp__profile_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

/* The family named by a family name, a row code or a row name. */
int sp__profile_find_family(const sp_model *m, const char *s)
{
	for (int32_t f = 0; f < m->nf; f++)
		if (sp__profile_ieq(m->fam[f].name, s) ||
		    sp__profile_ieq(m->fam[f].code, s))
			return f;
	for (int32_t k = 0; k < m->ns; k++)
		if (sp__profile_ieq(m->specs[k].code, s) ||
		    sp__profile_ieq(m->specs[k].name, s))
			return m->spec_fam[k];
	return -1;
}

static int find_state(const sp_model *m, const char *s)
{
	for (int32_t k = 0; k < m->nstates; k++)
		if (sp__profile_ieq(m->state_code[k], s))
			return k;
	return -1;
}

/* Reads an array of state codes into out (upper case). */
static sp_status get_states(const sp__json_doc *d, const sp__json *obj,
                            const char *key, const sp_model *m, char (*out)[3],
                            int *n, sp_err *err)
{
	const sp__json *arr = NULL;
	sp_status s = sp__json_get_array(d, obj, key, false, &arr, err);
	if (s || !arr)
		return s;
	if (sp__json_len(arr) > 64)
		return sp__json_err(err, d, arr, SP_ELIMIT, key,
		                    "at most 64 states");
	for (size_t i = 0; i < sp__json_len(arr); i++) {
		const char *v;
		size_t len;
		if ((s = sp__json_as_str(d, sp__json_at(arr, i), key, 2, &v,
		                         &len, err)))
			return s;
		int k = find_state(m, v);
		if (k < 0)
			return sp__json_err(err, d, sp__json_at(arr, i),
			                    SP_ENOTFOUND, key,
			                    "unknown state \"%s\" (expected a "
			                    "two-letter postal code)",
			                    v);
		memcpy(out[*n], m->state_code[k], 3);
		(*n)++;
	}
	return SP_OK;
}

static sp_status get_settings(const sp__json_doc *d, const sp__json *obj,
                              const char *key, unsigned *mask, sp_err *err)
{
	const sp__json *arr = NULL;
	sp_status s = sp__json_get_array(d, obj, key, false, &arr, err);
	if (s || !arr)
		return s;
	for (size_t i = 0; i < sp__json_len(arr) && i < 16; i++) {
		const char *v;
		size_t len;
		if ((s = sp__json_as_str(d, sp__json_at(arr, i), key, 32, &v,
		                         &len, err)))
			return s;
		int k = -1;
		for (int t = 0; t < 4; t++)
			if (sp__profile_ieq(v, sp_setting_name((sp_setting)t)))
				k = t;
		if (sp__profile_ieq(v, "community-university"))
			k = SP_SETTING_COMMUNITY_UNIVERSITY;
		if (k < 0)
			return sp__json_err(err, d, sp__json_at(arr, i),
			                    SP_EINVAL, key,
			                    "unknown setting \"%s\" (expected "
			                    "university, community_university, "
			                    "community or military)",
			                    v);
		*mask |= 1u << k;
	}
	if (sp__json_len(arr) > 16)
		return sp__json_err(err, d, arr, SP_ELIMIT, key,
		                    "at most 16 settings");
	return SP_OK;
}

static sp_status read_type(const sp__json_doc *d, const sp__json *root,
                           prof *pf, sp_err *err)
{
	const char *str;
	size_t slen;
	sp_status s = sp__json_get_str(d, root, "applicant_type", true, 16,
	                               &str, &slen, err);
	if (s)
		return s;
	pf->p.type = SP_APPL_NTYPES;
	for (int t = 0; t < SP_APPL_OTHER; t++)
		if (!strcmp(str, sp_appl_type_name((sp_appl_type)t)))
			pf->p.type = (sp_appl_type)t;
	if (pf->p.type == SP_APPL_NTYPES)
		return sp__json_err(err, d,
		                    sp__json_get(root, "applicant_type"),
		                    SP_EINVAL, "applicant_type",
		                    "expected us_md, us_do, us_img or "
		                    "non_us_img");
	return SP_OK;
}

/* Score: Step 2 CK, or COMLEX Level 2-CE converted. */
static sp_status read_score(const sp__json_doc *d, const sp__json *root,
                            prof *pf, sp_err *err)
{
	const sp__json *s2 = sp__json_get(root, "step2");
	const sp__json *cx = sp__json_get(root, "comlex2");
	if (s2 && cx)
		return sp__json_err(err, d, cx, SP_EINVAL, "comlex2",
		                    "give step2 or comlex2, not both");
	if (!s2 && !cx)
		return sp__json_err(err, d, root, SP_EINVAL, "step2",
		                    "missing (give step2, or comlex2 for DO "
		                    "applicants)");
	if (s2)
		return sp__json_as_double(d, s2, "step2", 180, 300,
		                          &pf->p.step2, err);
	double dv;
	sp_status s = sp__json_as_double(d, cx, "comlex2", 200, 1000, &dv, err);
	if (s)
		return s;
	/* Assumption (docs/profile.md): same percentile, from the norms
	 * COMLEX 520 +/- 100 and Step 2 CK 250 +/- 15. */
	pf->comlex = 1;
	pf->comlex_score = dv;
	pf->p.step2 = 250 + (dv - 520) / 100 * 15;
	if (pf->p.step2 < 180)
		pf->p.step2 = 180;
	if (pf->p.step2 > 300)
		pf->p.step2 = 300;
	return SP_OK;
}

/* Research, home state, visa. */
static sp_status read_person(const sp__json_doc *d, const sp__json *root,
                             const sp_model *m, prof *pf, sp_err *err)
{
	int64_t iv = 0;
	sp_status s =
	    sp__json_get_int(d, root, "research", false, 0, 1000, &iv, err);
	if (s)
		return s;
	pf->p.research = (int)iv;
	const char *str = NULL;
	size_t slen;
	if ((s = sp__json_get_str(d, root, "home_state", false, 2, &str, &slen,
	                          err)))
		return s;
	if (str && *str) {
		int k = find_state(m, str);
		if (k < 0)
			return sp__json_err(err, d,
			                    sp__json_get(root, "home_state"),
			                    SP_ENOTFOUND, "home_state",
			                    "unknown state \"%s\" (expected a "
			                    "two-letter postal code)",
			                    str);
		memcpy(pf->p.state, m->state_code[k], 3);
	}
	bool bv = false;
	if ((s = sp__json_get_bool(d, root, "needs_visa", false, &bv, err)))
		return s;
	pf->p.needs_visa = bv;
	/* Alpha Omega Alpha: elected at US MD schools (docs/profile.md). */
	const sp__json *aoa = sp__json_get(root, "aoa");
	if (aoa && (s = sp__json_get_bool(d, root, "aoa", false, &bv, err)))
		return s;
	if (aoa && pf->p.type != SP_APPL_US_MD)
		return sp__json_err(
		    err, d, aoa, SP_EINVAL, "aoa",
		    "Alpha Omega Alpha elects at US MD schools: "
		    "leave 'aoa' out for a %s applicant",
		    sp_appl_type_name(pf->p.type));
	if (aoa)
		pf->p.aoa = bv ? 1 : -1;
	return SP_OK;
}

/* An advanced (PGY-2) first choice needs a PGY-1 year: its list is
 * planned with every preliminary / transitional family as its
 * supplemental PGY-1 list (NRMP supplemental lists), unless the profile
 * named some. */
static void add_pgy1(const sp_model *m, prof *pf)
{
	if (!m->fam[pf->fam[0]].advanced)
		return;
	for (int k = 1; k < pf->nfam; k++)
		if (pf->role[k] == ROLE_PGY1)
			return;
	for (int32_t f = 0; f < m->nf && pf->nfam < MAX_FAM; f++) {
		bool listed = false;
		for (int k = 0; k < pf->nfam; k++)
			listed |= pf->fam[k] == f;
		if (m->fam[f].prelim && !listed) {
			pf->role[pf->nfam] = ROLE_PGY1;
			pf->fam[pf->nfam++] = f;
		}
	}
}

static sp_status read_specialties(const sp__json_doc *d, const sp__json *root,
                                  const sp_model *m, prof *pf, sp_err *err)
{
	const char *str;
	size_t slen;
	sp_status s =
	    sp__json_get_str(d, root, "specialty", true, 96, &str, &slen, err);
	if (s)
		return s;
	pf->fam[0] = sp__profile_find_family(m, str);
	pf->role[0] = ROLE_FIRST;
	if (pf->fam[0] < 0)
		return sp__json_err(err, d, sp__json_get(root, "specialty"),
		                    SP_ENOTFOUND, "specialty",
		                    "unknown specialty \"%s\" (see 'smartpick "
		                    "catalog show' or /api/specialties)",
		                    str);
	pf->nfam = 1;
	const sp__json *arr = NULL;
	if ((s = sp__json_get_array(d, root, "backups", false, &arr, err)))
		return s;
	for (size_t i = 0; arr && i < sp__json_len(arr); i++) {
		const sp__json *e = sp__json_at(arr, i);
		if (i >= MAX_BACKUPS)
			return sp__json_err(err, d, e, SP_ELIMIT, "backups",
			                    "at most %d backup specialties",
			                    MAX_BACKUPS);
		if ((s = sp__json_as_str(d, e, "backups", 96, &str, &slen,
		                         err)))
			return s;
		int f = sp__profile_find_family(m, str);
		if (f < 0)
			return sp__json_err(err, d, e, SP_ENOTFOUND, "backups",
			                    "unknown specialty \"%s\"", str);
		for (int k = 0; k < pf->nfam; k++)
			if (pf->fam[k] == f)
				return sp__json_err(
				    err, d, e, SP_EDUP, "backups",
				    "\"%s\" is already listed", str);
		/* A preliminary or transitional "backup" of an advanced
		 * first choice is its PGY-1 year, not a match of its own. */
		pf->role[pf->nfam] =
		    m->fam[f].prelim && m->fam[pf->fam[0]].advanced
		        ? ROLE_PGY1
		        : ROLE_BACKUP;
		pf->fam[pf->nfam++] = f;
	}
	add_pgy1(m, pf);
	return SP_OK;
}

static sp_status read_regions(const sp__json_doc *d, const sp__json *root,
                              prof *pf, sp_err *err)
{
	const sp__json *arr = NULL;
	sp_status s =
	    sp__json_get_array(d, root, "regions_want", false, &arr, err);
	for (size_t i = 0; !s && arr && i < sp__json_len(arr); i++) {
		const sp__json *e = sp__json_at(arr, i);
		int64_t iv;
		int div = -1;
		if (e->type == SP__JSON_NUMBER && sp__json_int(e, &iv) &&
		    iv >= 1 && iv <= 9)
			div = (int)iv;
		else if (e->type == SP__JSON_STRING)
			for (int k = 1; k <= 9; k++)
				if (sp__profile_ieq(e->u.str.s,
				                    sp_division_name(k)))
					div = k;
		if (div < 0 || i >= 9)
			return sp__json_err(err, d, e, SP_EINVAL,
			                    "regions_want",
			                    "expected census divisions (1-9 or "
			                    "names such as \"Pacific\")");
		pf->want_regions |= 1u << div;
	}
	return s;
}

/* Places and settings. */
static sp_status read_places(const sp__json_doc *d, const sp__json *root,
                             const sp_model *m, prof *pf, sp_err *err)
{
	sp_status s;
	if ((s = get_states(d, root, "states_want", m, pf->want_states,
	                    &pf->nwant_states, err)) ||
	    (s = get_states(d, root, "states_avoid", m, pf->avoid_states,
	                    &pf->navoid_states, err)) ||
	    (s = get_settings(d, root, "settings_want", &pf->want_settings,
	                      err)) ||
	    (s = get_settings(d, root, "settings_avoid", &pf->avoid_settings,
	                      err)))
		return s;
	return read_regions(d, root, pf, err);
}

static sp_status read_signals(const sp__json_doc *d, const sp__json *root,
                              prof *pf, sp_err *err)
{
	static const char *const skeys[] = {"gold", "silver"};
	const sp__json *sig = NULL;
	sp_status s = sp__json_get_object(d, root, "signals", false, &sig, err);
	if (s || !sig)
		return s;
	if ((s = sp__json_check_object(d, sig, "signals", skeys, 2, err)))
		return s;
	int64_t iv = -1;
	if ((s = sp__json_get_int(d, sig, "gold", false, 0, 100, &iv, err)))
		return s;
	pf->gold = (int)iv;
	iv = -1;
	if ((s = sp__json_get_int(d, sig, "silver", false, 0, 100, &iv, err)))
		return s;
	pf->silver = (int)iv;
	return SP_OK;
}

/* How much to apply: at most one of budget, applications and target. */
static sp_status read_amount(const sp__json_doc *d, const sp__json *root,
                             prof *pf, sp_err *err)
{
	const sp__json *bj = sp__json_get(root, "budget");
	const sp__json *cj = sp__json_get(root, "applications");
	const sp__json *tj = sp__json_get(root, "target");
	if ((bj != NULL) + (cj != NULL) + (tj != NULL) > 1)
		return sp__json_err(err, d, bj ? bj : cj, SP_EINVAL,
		                    bj ? "budget" : "applications",
		                    "give at most one of budget, applications "
		                    "and target");
	if (bj) {
		pf->mode = MODE_BUDGET;
		return sp__json_as_double(d, bj, "budget", 0, 1e6, &pf->budget,
		                          err);
	}
	if (cj) {
		int64_t iv;
		pf->mode = MODE_COUNT;
		sp_status s = sp__json_as_int(d, cj, "applications", 1,
		                              MAX_LIST, &iv, err);
		pf->count = (int)iv;
		return s;
	}
	if (tj) {
		pf->mode = MODE_TARGET;
		return sp__json_as_double(d, tj, "target", 0.01, 0.999,
		                          &pf->target, err);
	}
	return SP_OK;
}

/* The backup weight and the labels (name, id) that only travel. */
static sp_status read_rest(const sp__json_doc *d, const sp__json *root,
                           prof *pf, sp_err *err)
{
	pf->trade = sp__json_get(root, "backup_weight") != NULL;
	sp_status s = sp__json_get_double(d, root, "backup_weight", false, 0, 1,
	                                  &pf->backup_weight, err);
	if (s || (s = sp__json_get_double(d, root, "stop_gain", false, 0.00001,
	                                  0.05, &pf->stop_gain, err)))
		return s;
	const char *str;
	size_t slen;
	const sp__json *nm = sp__json_get(root, "name");
	const sp__json *id = sp__json_get(root, "id");
	if (nm && (s = sp__json_as_str(d, nm, "name", 200, &str, &slen, err)))
		return s;
	if (id && id->type != SP__JSON_NUMBER)
		s = sp__json_as_str(d, id, "id", 200, &str, &slen, err);
	return s;
}

sp_status sp__profile_parse(const sp_model *m, const char *json, size_t len,
                            const char *name, prof *pf, sp_err *err)
{
	static const char *const keys[] = {"applicant_type", "step2",
	                                   "comlex2",        "research",
	                                   "home_state",     "needs_visa",
	                                   "specialty",      "backups",
	                                   "states_want",    "states_avoid",
	                                   "regions_want",   "settings_want",
	                                   "settings_avoid", "signals",
	                                   "budget",         "applications",
	                                   "target",         "backup_weight",
	                                   "name",           "id",
	                                   "stop_gain",      "aoa"};
	sp__json_limits lim = {0};
	lim.max_depth = 8;
	lim.max_bytes = 1 << 16;
	lim.max_nodes = 4096;
	lim.max_string = 1024;
	sp__json_doc *d = NULL;
	memset(pf, 0, sizeof *pf);
	pf->gold = pf->silver = -1;
	pf->backup_weight = 0.6;
	pf->stop_gain = STOP_GAIN;
	sp_status s =
	    sp__json_parse(json, len, name ? name : "profile", &lim, &d, err);
	if (s)
		return s;
	const sp__json *root = d->root;
	if (!(s = sp__json_check_object(d, root, "profile", keys,
	                                sizeof keys / sizeof *keys, err)) &&
	    !(s = read_type(d, root, pf, err)) &&
	    !(s = read_score(d, root, pf, err)) &&
	    !(s = read_person(d, root, m, pf, err)) &&
	    !(s = read_specialties(d, root, m, pf, err)) &&
	    !(s = read_places(d, root, m, pf, err)) &&
	    !(s = read_signals(d, root, pf, err)) &&
	    !(s = read_amount(d, root, pf, err)))
		s = read_rest(d, root, pf, err);
	sp__json_free(d);
	return s;
}

sp_status sp__advise_check_profile(const sp_model *m, const char *json,
                                   size_t len, const char *name, sp_err *err)
{
	prof pf;
	sp__err_clear(err);
	return sp__profile_parse(m, json, len, name, &pf, err);
}

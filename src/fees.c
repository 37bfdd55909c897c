/*
 * fees.c — what applications cost: the ERAS residency fee schedule
 * (data/fees_eras.csv, 2026) per specialty, the exam transcript fee once
 * a season, and which specialties apply outside ERAS (data/signals.csv's
 * in_eras: OB/GYN through ResidencyCAS from the 2025 Match), whose fees
 * SmartPick does not hold and leaves out of the cost.
 */
#include "advise.h"
#include "csv.h"
#include "data.h"

#include <stdlib.h>
#include <string.h>

/* The 2025 rows of data/signals.csv with in_eras "no". */
static sp_status load_systems(sp_advisor *a, sp_err *err)
{
	size_t len;
	const char *buf = sp__data_file("signals.csv", &len);
	if (!buf)
		return sp__err_set(err, SP_EINVAL, "signals.csv", 0, NULL,
		                   "the signal table is not built in");
	static const char *const cols[] = {"match_year", "code", "in_eras"};
	int idx[3];
	sp__csv c;
	sp__csv_init(&c, buf, len, "signals.csv");
	sp_status s = sp__csv_header(&c, cols, 3, 3, true, idx, err);
	while (!s && !(s = sp__csv_next(&c, err)) && c.nf) {
		const char *code = sp__csv_field(&c, idx[1]);
		if (strcmp(sp__csv_field(&c, idx[0]), "2025") ||
		    strcmp(sp__csv_field(&c, idx[2]), "no") ||
		    a->nnot_eras == 8 || strlen(code) >= 16)
			continue;
		memcpy(a->not_eras[a->nnot_eras++], code, strlen(code) + 1);
	}
	sp__csv_free(&c);
	return s;
}

bool sp__fees_outside_eras(const sp_advisor *a, const char *code)
{
	for (int i = 0; i < a->nnot_eras; i++)
		if (!strcmp(a->not_eras[i], code))
			return true;
	return false;
}

sp_status sp__fees_load(sp_advisor *a, sp_err *err)
{
	size_t len;
	const char *buf = sp__data_file("fees_eras.csv", &len);
	if (!buf)
		return sp__err_set(err, SP_EINVAL, "fees_eras.csv", 0, NULL,
		                   "the fee table is not built in");
	static const char *const cols[] = {
	    "system",    "match_year_from", "match_year_to", "item",
	    "tier_from", "tier_to",         "pricing",       "price_usd"};
	int idx[8];
	sp__csv c;
	sp__csv_init(&c, buf, len, "fees_eras.csv");
	sp_status s = sp__csv_header(&c, cols, 8, 8, true, idx, err);
	while (!s && !(s = sp__csv_next(&c, err)) && c.nf) {
		if (strcmp(sp__csv_field(&c, idx[0]), "eras_residency"))
			continue;
		long y0 = strtol(sp__csv_field(&c, idx[1]), NULL, 10);
		long y1 = strtol(sp__csv_field(&c, idx[2]), NULL, 10);
		if (y0 > 2026 || (y1 && y1 < 2026))
			continue;
		if (!strcmp(sp__csv_field(&c, idx[3]), "exam_transcript")) {
			a->transcript = strtod(sp__csv_field(&c, idx[7]), NULL);
			continue;
		}
		if (strcmp(sp__csv_field(&c, idx[3]),
		           "programs_per_specialty") ||
		    a->nfee == 8)
			continue;
		fee_tier *t = &a->fee[a->nfee++];
		t->from = (int)strtol(sp__csv_field(&c, idx[4]), NULL, 10);
		t->to = (int)strtol(sp__csv_field(&c, idx[5]), NULL, 10);
		t->flat = !strcmp(sp__csv_field(&c, idx[6]), "flat");
		t->price = strtod(sp__csv_field(&c, idx[7]), NULL);
	}
	sp__csv_free(&c);
	if (!s && a->nfee == 0)
		s = sp__err_set(err, SP_EINVAL, "fees_eras.csv", 0, NULL,
		                "no 2026 residency fee schedule");
	return s ? s : load_systems(a, err);
}

double sp__fees_of(const sp_advisor *a, int n)
{
	double f = 0;
	for (int i = 0; i < a->nfee; i++) {
		const fee_tier *t = &a->fee[i];
		if (n < t->from)
			continue;
		int hi = t->to && t->to < n ? t->to : n;
		f += t->flat ? t->price : t->price * (hi - t->from + 1);
	}
	return f;
}

/* The fees for cnt[s] applications to each specialty s: ERAS charges
 * per specialty, and the exam transcript once when anything goes
 * through ERAS. */
double sp__fees_list(const sp_advisor *a, const prof *pf, const int *cnt)
{
	double f = 0;
	bool any = false;
	for (int s = 0; s < pf->nfam; s++) {
		if (!cnt[s] ||
		    sp__fees_outside_eras(a, a->m->fam[pf->fam[s]].code))
			continue;
		f += sp__fees_of(a, cnt[s]);
		any = true;
	}
	return any ? f + a->transcript : f;
}

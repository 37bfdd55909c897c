/*
 * peers.c — where an applicant stands among others: the Step 2 CK of
 * matched and unmatched seniors per specialty (data/step2_by_specialty_
 * 2026.csv: quartiles of the matched, median of the unmatched), the mean
 * number of ERAS applications per applicant type (data/applications_per_
 * applicant.csv, the 2025 season) and the mean interview rate programs
 * gave each applicant type (data/interview_rates_2024.csv).  Also the
 * spread of matched residents' scores that the advisor's score screen
 * reads (advise.c, sp__advise_screen).
 *
 * Percentiles assume normal scores: the matched with the published
 * median and SD = IQR / 1.349, the unmatched with their median and the
 * same SD (their quartiles are not published).
 */
#include "advise.h"
#include "csv.h"
#include "data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PEER_SD_DEFAULT 12.0 /* matched residents' SD where unknown */

static double num_or_nan(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	return *s && !*end ? v : NAN;
}

static sp_status open_table(sp__csv *c, const char *file,
                            const char *const *cols, int n, int *idx,
                            sp_err *err)
{
	size_t len;
	const char *buf = sp__data_file(file, &len);
	if (!buf)
		return sp__err_set(err, SP_EINVAL, file, 0, NULL,
		                   "the table is not built in");
	sp__csv_init(c, buf, len, file);
	return sp__csv_header(c, cols, (size_t)n, (size_t)n, true, idx, err);
}

static sp_status load_step2(sp_advisor *a, sp_err *err)
{
	static const char *const cols[] = {"family", "matched_q1",
	                                   "matched_median", "matched_q3",
	                                   "unmatched_median"};
	int idx[5];
	sp__csv c;
	sp_status s =
	    open_table(&c, "step2_by_specialty_2026.csv", cols, 5, idx, err);
	while (!s && !(s = sp__csv_next(&c, err)) && c.nf) {
		const char *fam = sp__csv_field(&c, idx[0]);
		for (int32_t f = 0; f < a->m->nf; f++) {
			if (strcmp(a->m->fam[f].name, fam))
				continue;
			sp__peer *p = &a->peer[f];
			p->q1 = num_or_nan(sp__csv_field(&c, idx[1]));
			p->median = num_or_nan(sp__csv_field(&c, idx[2]));
			p->q3 = num_or_nan(sp__csv_field(&c, idx[3]));
			p->unmatched_median =
			    num_or_nan(sp__csv_field(&c, idx[4]));
		}
	}
	sp__csv_free(&c);
	return s;
}

/* 2025 ERAS means for all specialties: us_md, us_do, img (both IMG
 * types). */
static sp_status load_applications(sp_advisor *a, sp_err *err)
{
	static const char *const cols[] = {"match_year", "code",
	                                   "applicant_type", "metric", "value"};
	int idx[5];
	sp__csv c;
	sp_status s =
	    open_table(&c, "applications_per_applicant.csv", cols, 5, idx, err);
	while (!s && !(s = sp__csv_next(&c, err)) && c.nf) {
		if (strcmp(sp__csv_field(&c, idx[0]), "2025") ||
		    strcmp(sp__csv_field(&c, idx[1]), "ALL") ||
		    strcmp(sp__csv_field(&c, idx[3]), "mean_applications"))
			continue;
		const char *t = sp__csv_field(&c, idx[2]);
		double v = num_or_nan(sp__csv_field(&c, idx[4]));
		if (!strcmp(t, "us_md"))
			a->apps_by_type[SP_APPL_US_MD] = v;
		else if (!strcmp(t, "us_do"))
			a->apps_by_type[SP_APPL_US_DO] = v;
		else if (!strcmp(t, "img"))
			a->apps_by_type[SP_APPL_US_IMG] =
			    a->apps_by_type[SP_APPL_NON_US_IMG] = v;
	}
	sp__csv_free(&c);
	return s;
}

static sp_status load_rates(sp_advisor *a, sp_err *err)
{
	static const char *const cols[] = {"code", "rate_md", "rate_do",
	                                   "rate_us_img", "rate_non_us_img"};
	int idx[5];
	sp__csv c;
	sp_status s =
	    open_table(&c, "interview_rates_2024.csv", cols, 5, idx, err);
	while (!s && !(s = sp__csv_next(&c, err)) && c.nf) {
		const char *code = sp__csv_field(&c, idx[0]);
		for (int32_t f = 0; f < a->m->nf; f++) {
			if (strcmp(a->m->fam[f].code, code))
				continue;
			sp__peer *p = &a->peer[f];
			p->rate[SP_APPL_US_MD] =
			    num_or_nan(sp__csv_field(&c, idx[1]));
			p->rate[SP_APPL_US_DO] =
			    num_or_nan(sp__csv_field(&c, idx[2]));
			p->rate[SP_APPL_US_IMG] =
			    num_or_nan(sp__csv_field(&c, idx[3]));
			p->rate[SP_APPL_NON_US_IMG] =
			    num_or_nan(sp__csv_field(&c, idx[4]));
		}
	}
	sp__csv_free(&c);
	return s;
}

/* The published positions and matches of each family (its rows summed):
 * the fill the simulated market should reach (explain_unfilled). */
static sp_status load_fills(sp_advisor *a, sp_err *err)
{
	static const char *const cols[] = {"code", "positions", "matched"};
	int idx[3];
	sp__csv c;
	sp_status s = open_table(&c, "specialties_2025.csv", cols, 3, idx, err);
	while (!s && !(s = sp__csv_next(&c, err)) && c.nf) {
		int32_t f = sp__model_family(a->m, sp__csv_field(&c, idx[0]));
		double n = num_or_nan(sp__csv_field(&c, idx[1]));
		double m = num_or_nan(sp__csv_field(&c, idx[2]));
		if (f >= 0 && isfinite(n) && isfinite(m)) {
			a->peer[f].positions += n;
			a->peer[f].matched += m;
		}
	}
	sp__csv_free(&c);
	return s;
}

sp_status sp__peers_load(sp_advisor *a, sp_err *err)
{
	a->peer = sp_calloc((size_t)a->m->nf, sizeof *a->peer);
	if (!a->peer)
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	for (int32_t f = 0; f < a->m->nf; f++) {
		sp__peer *p = &a->peer[f];
		p->q1 = p->median = p->q3 = p->unmatched_median = NAN;
		for (int t = 0; t < SP_APPL_NTYPES; t++)
			p->rate[t] = NAN;
	}
	for (int t = 0; t < SP_APPL_NTYPES; t++)
		a->apps_by_type[t] = NAN;
	sp_status s = load_step2(a, err);
	if (!s)
		s = load_applications(a, err);
	if (!s)
		s = load_rates(a, err);
	if (!s)
		s = load_fills(a, err);
	return s;
}

double sp__peers_sd(const sp_advisor *a, int32_t f)
{
	const sp__peer *p = &a->peer[f];
	double sd = (p->q3 - p->q1) / 1.349;
	return isfinite(sd) && sd > 1 ? sd : PEER_SD_DEFAULT;
}

/* Share of a normal population with this median and SD below x. */
static double below(double x, double median, double sd)
{
	return 0.5 * erfc(-(x - median) / (sd * M_SQRT2));
}

double sp__peers_pct_matched(const sp_advisor *a, int32_t f, double step2)
{
	const sp__peer *p = &a->peer[f];
	return isfinite(p->median) ? below(step2, p->median, sp__peers_sd(a, f))
	                           : NAN;
}

double sp__peers_pct_unmatched(const sp_advisor *a, int32_t f, double step2)
{
	const sp__peer *p = &a->peer[f];
	return isfinite(p->unmatched_median)
	           ? below(step2, p->unmatched_median, sp__peers_sd(a, f))
	           : NAN;
}

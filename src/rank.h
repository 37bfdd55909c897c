/*
 * rank.h — internal entry points of the after-interview rank list
 * (rank.c) for tests and the fuzz harness.  The API is in smartpick.h
 * ("After interviews").
 */
#ifndef SP_RANK_H
#define SP_RANK_H

#include "internal.h"

#define SP__RANK_MAX 300 /* programs on a list (and interviewed, unranked) */

/* A parsed rank order list.  j[0..nrank) are the ranked programs in
 * order, j[nrank..nrank + nalso) the programs that interviewed the
 * applicant but are left off; tier[] their signal tiers (0 none, 1
 * silver, 2 gold).  `profile` is the input with every byte outside the
 * "profile" object blanked (newlines kept), so the profile reader's
 * messages name the input's own lines. */
typedef struct {
	int32_t *j;
	uint8_t *tier;
	size_t nrank, nalso;
	char *profile;
	size_t plen;
} sp__rank_input;

/* Parses {"profile": {...}, "rank_order": [...], "also_interviewed":
 * [...]} (docs/rank.md); `lookup` maps a program code to its index (or
 * a negative value when unknown).  Errors name `name`, the line and the
 * field ("rol.json:7: field 'rank_order[2]': no program IM-9999 in the
 * catalog").  Gives *in (free with sp__rank_input_free, also after a
 * failure). */
sp_status sp__rank_parse(const char *json, size_t len, const char *name,
                         int32_t (*lookup)(void *ctx, const char *code),
                         void *ctx, sp__rank_input *in,
                         sp_err *err) SP_MUST_CHECK;
void sp__rank_input_free(sp__rank_input *in);

/* The core, for nk latent-strength nodes with weights w[0..nk) and n
 * programs in rank order, r[i * nk + k] the chance that program i ranks
 * the applicant high enough at node k (given the interview): pm[i] gets
 * P(match at the i-th program), surv[0..nk) the chance at each node of
 * matching nowhere on the list, and the return value is P(match). */
double sp__rank_core(const double *w, size_t nk, const double *r, size_t n,
                     double *pm, double *surv);

#endif

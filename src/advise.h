/*
 * advise.h — internal entry points of the advisor (advise.c) for tests
 * and the fuzz harness.  The API is in smartpick.h ("The advisor").
 */
#ifndef SP_ADVISE_H
#define SP_ADVISE_H

#include "internal.h"

/* Parses and validates a profile against model m alone (no catalog, no
 * statistics): SP_OK or the field-level error sp_recommend would give. */
sp_status sp__advise_check_profile(const sp_model *m, const char *json,
                                   size_t len, const char *name,
                                   sp_err *err) SP_MUST_CHECK;

/* For tests: program j's P(interview) and P(interviewed and taken),
 * integrated over the latent strength, for the profile in json with
 * signal tier `tier` (0 none, 1 silver, 2 gold).  *pint = *q = 0 where
 * the profile cannot be invited (visa). */
sp_status sp__advise_probs(const sp_advisor *a, const char *json, size_t len,
                           int32_t j, int tier, double *pint, double *q,
                           sp_err *err) SP_MUST_CHECK;
/* For tests: the fee for n applications to one specialty. */
double sp__advise_fee(const sp_advisor *a, int n);
/* The pseudo-seasons by which a specialty row's shares of binding
 * seasons are shrunk toward the row's mean, from the sums over its n
 * programs of the share p, of p^2 and of p(1 - p), with t seasons
 * simulated (0.5 to 8: advise.c, shrink_shares). */
double sp__shrink_weight(double s1, double s2, double sb, double n, double t);

/* After interviews (rank.c; one accessor while advise.c is split).  The
 * advisor's programs (borrowed, in model order: the j below), its
 * latent-strength node weights w[0..SP__ADVISE_NK) (summing to 1) and
 * the cutoff shift of its band. */
#define SP__ADVISE_NK 10
typedef struct {
	const sp_program_info *progs;
	size_t np;
	const double *w;
	double band;
} sp__advise_view;
/* Fills *v; then, unless json is NULL, for the profile in json (errors
 * name `name`, line and field) and each program j[i] with signal tier
 * tier[i] (0 none, 1 silver, 2 gold): P(interview | e_k) in
 * pint[i * SP__ADVISE_NK + k] and P(interviewed and taken | e_k) in q[same],
 * with both cutoffs moved by `shift` score units; 0 where the profile
 * cannot be invited (visa). */
sp_status sp__advise_at(const sp_advisor *a, const char *json, size_t len,
                        const char *name, const int32_t *j, const uint8_t *tier,
                        size_t n, double shift, double *pint, double *q,
                        sp__advise_view *v, sp_err *err) SP_MUST_CHECK;

#endif

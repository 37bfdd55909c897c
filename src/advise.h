/*
 * advise.h — the advisor's internals, shared by its files, and its entry
 * points for tests and the fuzz harness.  The API is in smartpick.h ("The
 * advisor").  The advisor is split by concern:
 *   advise.c   opening (catalog, model, statistics), the estimates and the
 *              recommended list;
 *   fees.c     the ERAS fee schedule;
 *   profile.c  the profile (docs/profile.md);
 *   report.c   the writers (JSON, table, CSV);
 *   check.c    the cross-check by simulation (--check);
 *   cohort.c   advisors' cohort CSV files.
 */
#ifndef SP_ADVISE_H
#define SP_ADVISE_H

#include "catalog.h"
#include "internal.h"
#include "market.h"

#include <stdio.h>

#define NE          10 /* nodes over the latent strength */
#define NGL         4  /* Gauss-Legendre nodes for the bivariate normal */
#define MAX_FAM     6  /* first choice, two backups, PGY-1 families */
#define MAX_BACKUPS 2
#define MAX_LIST    400   /* longest list considered */
#define STOP_GAIN   0.001 /* default stop: one more adds < 0.1 point */

typedef struct {
	int from, to; /* 1-based application numbers; to = 0: no bound */
	int flat;     /* one charge for the whole tier */
	double price;
} fee_tier;

/* Peers in one specialty family (peers.c); NAN where not published. */
typedef struct {
	double q1, median, q3;       /* Step 2 CK of matched seniors */
	double unmatched_median;     /* of unmatched seniors */
	double rate[SP_APPL_NTYPES]; /* mean program interview rate, 2024 */
	double positions, matched;   /* NRMP 2025, the family's rows */
	double
	    sim_fill; /* share of its positions the statistics' seasons fill */
} sp__peer;

struct sp_advisor {
	sp_model *m;
	sp_specialty_info *specs;
	size_t ns;
	sp_program_info *progs;
	size_t np;
	sp__prog_stats *st;
	int trials;
	int synthetic;
	fee_tier fee[8];
	int nfee;
	double transcript; /* the exam transcript fee, once a season */
	/* Specialty codes that apply outside ERAS (ResidencyCAS), from
	 * data/signals.csv's in_eras. */
	char not_eras[8][16];
	int nnot_eras;
	sp__peer *peer;                      /* per family */
	double apps_by_type[SP_APPL_NTYPES]; /* mean ERAS applications, 2025 */
	double ex[NE], ew[NE];     /* latent-strength nodes, weights sum to 1 */
	double glx[NGL], glw[NGL]; /* Gauss-Legendre on [-1, 1] */
	double rho;                /* program rank noise */
	/* Per program: the share of seasons in which its interview and
	 * match cutoffs bind, shrunk toward its specialty's (see
	 * shrink_shares). */
	double *fi, *fm;
	/* Per program, from the statistics and the interview noise sigma
	 * (a model constant): the SDs of X and Y and the nodes of their
	 * bivariate normal (program_probs). */
	double *sx, *sy;
	struct bvn_nodes *bn;
	double sd_z; /* SD of the latent strength noise */
};

/* ------------------------------------------------------------------ */
/* The profile (profile.c). */

enum { MODE_DEFAULT, MODE_BUDGET, MODE_COUNT, MODE_TARGET };

/* What a specialty slot is for: the first choice, a backup (insurance),
 * or the PGY-1 year of an advanced (PGY-2) first choice (preliminary and
 * transitional programs, the supplemental list). */
enum { ROLE_FIRST, ROLE_BACKUP, ROLE_PGY1 };

typedef struct {
	sp_profile p;
	int fam[MAX_FAM]; /* family indexes: preferred, backups, PGY-1 */
	int role[MAX_FAM];
	int nfam;
	char want_states[64][3], avoid_states[64][3];
	int nwant_states, navoid_states;
	unsigned want_regions;  /* bit d for division d */
	unsigned want_settings; /* bit per sp_setting */
	unsigned avoid_settings;
	int gold, silver; /* for the preferred specialty; -1: allotment */
	int mode;
	double budget, target;
	int count;
	double backup_weight;
	int trade;        /* backup_weight given: first-choice chances may be
	                     traded for backup ones */
	double stop_gain; /* the list stops where one more adds less */
	int comlex;       /* the score was given as COMLEX Level 2 */
	double comlex_score;
} prof;

/* Parses and validates a profile against model m into *pf. */
sp_status sp__profile_parse(const sp_model *m, const char *json, size_t len,
                            const char *name, prof *pf,
                            sp_err *err) SP_MUST_CHECK;
/* The family named by a family name, a row code or a row name; -1. */
int sp__profile_find_family(const sp_model *m, const char *s);
/* ASCII case-insensitive equality. */
bool sp__profile_ieq(const char *a, const char *b);

/* ------------------------------------------------------------------ */
/* Peers (peers.c). */

sp_status sp__peers_load(sp_advisor *a, sp_err *err) SP_MUST_CHECK;
/* The SD of family f's matched residents' Step 2 CK (IQR / 1.349). */
double sp__peers_sd(const sp_advisor *a, int32_t f);
/* The share of f's matched (unmatched) seniors scoring below step2;
 * NAN where not published. */
double sp__peers_pct_matched(const sp_advisor *a, int32_t f, double step2);
double sp__peers_pct_unmatched(const sp_advisor *a, int32_t f, double step2);
/* The score screen's pass probability at program j (advise.c). */
double sp__advise_screen(const sp_advisor *a, size_t j, double step2);

/* ------------------------------------------------------------------ */
/* Fees (fees.c). */

/* Reads the 2026 ERAS residency schedule into a->fee. */
sp_status sp__fees_load(sp_advisor *a, sp_err *err) SP_MUST_CHECK;
/* The fee for n applications to one specialty. */
double sp__fees_of(const sp_advisor *a, int n);
/* Whether specialty family code applies outside ERAS (ResidencyCAS). */
bool sp__fees_outside_eras(const sp_advisor *a, const char *code);
/* The fees for cnt[s] applications to each of the profile's specialties. */
double sp__fees_list(const sp_advisor *a, const prof *pf, const int *cnt);

/* ------------------------------------------------------------------ */
/* Candidates and the report (advise.c). */

typedef struct {
	int32_t j;     /* program index */
	int slot;      /* index into prof.fam (0: the first choice) */
	double value;  /* preference weight */
	double place;  /* its place factor: 0.8 outside wanted places, else 1 */
	uint8_t tiers; /* available signal tiers: bit t */
	uint8_t tier;  /* assigned signal */
	double pi[3];  /* P(interview) by tier, integrated over e */
	double *q;     /* q[t * NE + k] */
	double *qi;    /* P(interview | e_k) by tier, same layout */
	/* Filled for the report. */
	double pm, qbar;
	int cls; /* 0 reach, 1 target, 2 likely */
} cand;

typedef struct {
	cand c;
#define SP__MAX_REASONS 6 /* reasons kept per program */
	char reasons[SP__MAX_REASONS][200];
	int nreasons;
} rprog;

/* At-risk guidance (guide.c): what would raise the chances, each figure
 * from a what-if recommendation; NAN / 0 where not tried. */
typedef struct {
	int at_risk;     /* P(match in the first choice) < RISK_LEVEL */
	double p;        /* that P */
	int more_n;      /* a longer first-choice list ... */
	double more_p;   /* ... and its P(match in the first choice) */
	int backup_f;    /* a backup family tried (-1: none) */
	int backup_n;    /* its list's length (all specialties) */
	double backup_p; /* its P(match anywhere) */
	double wider_p;  /* no place or setting limits: P(first choice) */
	int wider_n;
	int community; /* community programs on the list */
} sp__risk;

struct sp_advice {
	prof pf;
	const sp_advisor *a;
	rprog *pr; /* the list, in rank (preference) order */
	size_t n;
	double p_match, lo, hi, p_pref, cost, value;
	/* P(match) anywhere and in the first choice for an applicant of
	 * this profile at the 10th and 90th percentiles of what the profile
	 * does not tell (advise.c, at_quantile). */
	double unk_lo, unk_hi, unk_pref_lo, unk_pref_hi;
	double p_pref_alone; /* the first choice's list without backups */
	/* Advanced first choice: P(an advanced position), P(a PGY-1 year
	 * from the PGY-1 list), P(both); P(the first choice with its PGY-1
	 * year covered: categorical, or advanced and PGY-1). */
	int has_pgy1;
	double p_adv, p_pgy1, p_adv_pgy1, p_pref_complete;
	const char *stop_why; /* what ended the list */
	size_t nmain; /* pr[0..nmain): the list; pr[nmain..n): PGY-1 list */
	double interviews; /* expected, attended (within the cap) */
	int stop_at;
	double *curve_p, *curve_cost;
	size_t ncurve;
	int gold[MAX_FAM], silver[MAX_FAM]; /* allotments used per slot */
	int gold_used[MAX_FAM], silver_used[MAX_FAM];
	int checked;
	double chk_p, chk_lo, chk_hi;
	long chk_copies;
	double *chk_int, *chk_match; /* per program, simulated */
	sp__risk risk;
	/* The estimates before signals, kept (keep_est) for what-ifs over the
	 * same programs, which start from a seed's instead of recomputing. */
	int keep_est;
	cand *est;
	size_t nest;
	const sp_advice *seed;
	/* With backups: the trade-off between the first choice and P(match
	 * anywhere) as backup_weight goes from 0.2 to 1 (guide.c). */
	struct {
		double w, p_first, p_any;
		int n;
	} trade[5];
	int ntrade;
	char notes[12][480];
	int nnotes;
};

/* The estimates for candidates c[0..n) (advise.c), cutoffs moved by
 * shift; a candidate's tables are freed by sp__advise_cand_free. */
sp_status sp__advise_estimate(const sp_advisor *a, const prof *pf, cand *c,
                              size_t n, double shift) SP_MUST_CHECK;
void sp__advise_cand_free(cand *x);
/* Builds the recommendation for r->pf into r (advise.c). */
sp_status sp__advise_build(const sp_advisor *a, sp_advice *r,
                           sp_err *err) SP_MUST_CHECK;
/* Adds a note to the report (at most 12). */
void sp__advise_note(sp_advice *r, const char *fmt, ...) SP_PRINTF(2, 3);
/* An applicant's own list (score.c): P(match), each program's share,
 * classes, reasons, cost, band and curve for the programs already in
 * r->pr (main list first, r->nmain of them), their estimates and tiers
 * set (advise.c). */
sp_status sp__advise_rescore(const sp_advisor *a, sp_advice *r) SP_MUST_CHECK;
/* At-risk guidance into r->risk and its notes (guide.c). */
sp_status sp__guide_risk(const sp_advisor *a, sp_advice *r,
                         sp_err *err) SP_MUST_CHECK;
#define RISK_LEVEL 0.8
/* The trade-off curve into r->trade (guide.c); nothing without backups. */
sp_status sp__guide_tradeoff(const sp_advisor *a, sp_advice *r,
                             sp_err *err) SP_MUST_CHECK;

/* P(match | interviewed) at c under its tier: what the applicant, and
 * --check's copies, attend and rank by among programs valued alike. */
static inline double sp__advise_match_if_interviewed(const cand *c)
{
	return c->pi[c->tier] > 0 ? c->qbar / c->pi[c->tier] : 0;
}
/* A probability strictly between 0 and 1 stays so when written with
 * `digits` decimals (0.99996 is written 0.9999, not 1.0000), so the page
 * shows ">99%" where the table does (report.c). */
double sp__report_prob_kept(double v, int digits);
/* report.c: a program's identity fields in JSON (from "id" on; the one
 * place catalog fields join every writer's output), and a probability
 * rounded as the page rounds it (">99%", "<1%") into buf. */
void sp__report_program_ident(sp__out *o, const sp_program_info *p);
const char *sp__report_pct(char *buf, size_t size, double p);
const char *sp__report_pct1(char *buf, size_t size, double p);
/* The identity columns in CSV (their header when p is NULL). */
void sp__report_program_ident_csv(FILE *f, const sp_program_info *p);
/* "gold", "silver" or "none" for tier 2, 1, 0. */
const char *sp__advise_tier_name(int t);
/* The most interviews an applicant attends (the model's cap). */
int sp__advise_interview_cap(const sp_advisor *a);

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

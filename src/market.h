/*
 * market.h — the market model's internals, shared by market.c (the
 * model and one trial), sim.c (trials on threads, aggregation) and
 * calib.c (the fit), and open to the unit tests.  The model is in
 * docs/model.md; the API in smartpick.h ("Market model and simulator").
 */
#ifndef SP_MARKET_H
#define SP_MARKET_H

#include "internal.h"

/* Global parameters: id, name, default, status.  The order is the order
 * of docs/model.md's table and of data/params.csv. */
#define SP__GPARAMS(X)                                                    \
	X(N_US_MD, "applicants_us_md", 20368, "cited")                    \
	X(N_US_DO, "applicants_us_do", 8392, "cited")                     \
	X(N_US_IMG, "applicants_us_img", 4587, "cited")                   \
	X(N_NON_US_IMG, "applicants_non_us_img", 11465, "cited")          \
	X(N_OTHER, "applicants_other", 2396, "cited")                     \
	X(COUPLES, "couples", 1239, "cited")                              \
	X(S2_OFF_US_DO, "step2_offset_us_do", -4, "assumption")           \
	X(S2_OFF_US_IMG, "step2_offset_us_img", -8, "assumption")         \
	X(S2_OFF_NON_US_IMG, "step2_offset_non_us_img", -2, "assumption") \
	X(S2_OFF_OTHER, "step2_offset_other", -9, "assumption")           \
	X(Z_US_DO, "strength_us_do", -0.3, "fitted")                      \
	X(Z_US_IMG, "strength_us_img", -1.2, "fitted")                    \
	X(Z_NON_US_IMG, "strength_non_us_img", -1.4, "fitted")            \
	X(Z_OTHER, "strength_other", -1.6, "fitted")                      \
	X(Z_STEP2, "strength_step2", 0.8, "fitted")                       \
	X(Z_RESEARCH, "strength_research", 0.2, "assumption")             \
	X(Z_NOISE, "strength_noise", 0.6, "fitted")                       \
	X(RES_US_MD, "research_mean_us_md", 6, "assumption")              \
	X(RES_US_DO, "research_mean_us_do", 3, "assumption")              \
	X(RES_US_IMG, "research_mean_us_img", 3, "assumption")            \
	X(RES_NON_US_IMG, "research_mean_non_us_img", 4, "assumption")    \
	X(RES_OTHER, "research_mean_other", 3, "assumption")              \
	X(GAMMA, "selfselect_gamma", 0.5, "assumption")                   \
	X(APPS_US_MD, "apps_mean_us_md", 58, "cited")                     \
	X(APPS_US_DO, "apps_mean_us_do", 72, "cited")                     \
	X(APPS_US_IMG, "apps_mean_us_img", 129, "cited")                  \
	X(APPS_NON_US_IMG, "apps_mean_non_us_img", 129, "cited")          \
	X(APPS_OTHER, "apps_mean_other", 90, "assumption")                \
	X(APPS_SDLOG, "apps_sd_log", 0.45, "assumption")                  \
	X(APPS_ADAPT, "apps_adapt", 0, "fitted")                          \
	X(APPLY_SPREAD, "apply_spread", 0.3, "assumption")                \
	X(APPLY_REACH, "apply_reach", 0.05, "fitted")                     \
	X(APPLY_HOME, "apply_home", 0.25, "assumption")                   \
	X(BACKUP_US, "backup_base_us", 0.05, "fitted")                    \
	X(BACKUP_IMG, "backup_base_img", 0.35, "fitted")                  \
	X(BACKUP_SLOPE, "backup_slope", 0.25, "assumption")               \
	X(BACKUP_SHARE, "backup_share", 0.3, "assumption")                \
	X(PRELIM_APPS, "prelim_apps", 15, "assumption")                   \
	X(U_REGION, "util_region", 0.5, "assumption")                     \
	X(U_STATE, "util_state", 0.5, "assumption")                       \
	X(U_NOISE, "util_noise", 0.6, "assumption")                       \
	X(U_BACKUP, "util_backup", 2.0, "assumption")                     \
	X(SIG_REACH, "signal_reach", 1.0, "assumption")                   \
	X(I_NOISE, "interview_noise", 1.0, "assumption")                  \
	X(I_STATE, "interview_state", 0.8, "fitted")                      \
	X(I_REGION, "interview_region", 0.2, "assumption")                \
	X(I_CAP, "interview_cap", 16, "assumption")                       \
	X(SLOTS_PER_POS, "slots_per_position", 12, "assumption")          \
	X(R_NOISE_APPL, "rank_noise_applicant", 0.3, "assumption")        \
	X(R_NOISE_PROG, "rank_noise_program", 0.6, "assumption")          \
	X(R_SIGNAL, "rank_signal", 0, "assumption")                       \
	X(VISA_SHARE, "visa_share_non_us_img", 0.75, "assumption")        \
	X(COUPLE_SOLO, "couple_solo_penalty", 3.0, "assumption")          \
	X(APP_CAP, "application_cap", 400, "assumption")

enum {
#define SP_X(id, name, def, st) SP__G_##id,
	SP__GPARAMS(SP_X)
#undef SP_X
	    SP__NG
};

/* The model's version: raise it with any change to the code that moves
 * simulated outcomes for the same catalog, parameters and seed (it keys
 * the advisor's stored statistics, which are then recomputed).
 * 3: applications reflected at the ends of a row; substreams per
 *    applicant and program; rank_floor.
 * 4: every candidate application draws its taste and score whether or
 *    not it is taken; the backup penalty also when a row is applied to
 *    whole.
 * 5: per-program interview slots and score offsets fitted to each
 *    program's measured rates (data/program_fit.csv, progfit.c).
 * 6: weaker applicants send more applications to their preferred family
 *    (apps_adapt); strength_step2 and strength_noise fitted to the
 *    published P(match | Step 2 band) curves.
 * 7: programs rank their interviewees without the signal's bonus
 *    (rank_signal: the share of it kept, 0), and IMGs with their
 *    family's rank_img offset (fitted to non-US IMGs' match rates).
 * 8: non-US IMGs prefer families in the cited shares (S26); the real
 *    catalog's selectivity counts the non-US IMG interview rate. */
#define SP__MODEL_VERSION 8

/* Signals one applicant may send in one family, gold and silver. */
#define SP__MAX_SIGNALS 64

/* Per-family parameters. */
#define SP__FPARAMS(X)                                      \
	X(DEMAND, "demand", 0, "fitted")                    \
	X(SIG_GOLD, "signal_gold", 1.5, "fitted")           \
	X(SIG_SILVER, "signal_silver", 0.8, "fitted")       \
	X(RANK_FLOOR, "rank_floor", -10, "fitted")          \
	X(I_STATE_F, "interview_state_family", 0, "fitted") \
	X(RANK_IMG, "rank_img", 0, "fitted")

enum {
#define SP_X(id, name, def, st) SP__F_##id,
	SP__FPARAMS(SP_X)
#undef SP_X
	    SP__NF
};

/* A specialty family: the PGY-1 and PGY-2 rows of one specialty
 * (e.g. Anesthesiology's categorical and advanced tracks). */
typedef struct {
	char name[96];  /* sp_specialty_info.family */
	char code[16];  /* the main row's code (categorical PGY-1 first) */
	int32_t *specs; /* its rows (indexes into the model's specialties) */
	int nspecs;
	int positions;
	bool prelim;   /* every row is PGY-1 only (preliminary/transitional) */
	bool advanced; /* some row is advanced (PGY-2) */
	bool adv_only; /* every row is advanced */
	int gold, silver; /* signal allotment (single tier: gold) */
	double c;         /* competitiveness: (Step 2 median - 250) / 5 */
	double aff[SP_APPL_NTYPES]; /* type affinity (cited fill shares) */
	double img_n; /* non-US IMGs preferring it (S26); 0 when none */
	bool selected;
} sp__family;

struct sp_model {
	sp_specialty_info *specs;
	int32_t ns;
	sp_program_info *progs;
	int32_t np;
	int32_t *prog_spec; /* specialty of each program */
	int32_t *spec_fam;  /* family of each specialty */
	sp__family *fam;
	int32_t nf;
	/* Programs of each specialty by selectivity, most selective first;
	 * and by specialty and region (10 regions, 0 = unknown). */
	int32_t *sp_off, *sp_prog;
	int32_t *sr_off, *sr_prog;
	/* Rank of each program within its specialty (0 = most selective). */
	int32_t *prog_rank;
	/* States: codes, census division, weight for home states. */
	int32_t nstates;
	char (*state_code)[3];
	uint8_t *state_region;
	double *state_cum; /* cumulative weights for drawing */
	int16_t *prog_state;
	/* Hot per-program fields, compact: selectivity (as float for the
	 * utility, as double for the signal key), census division, visa
	 * sponsorship, signals accepted, family. */
	float *psel;
	double *pseld;
	uint8_t *preg, *pvisa, *psig;
	int16_t *pfam;
	/* Per-program interview offsets fitted to the program's own
	 * measured rates (data/program_fit.csv, progfit.c): SP__NPOFF per
	 * program, one per applicant type, one for in-state applicants and
	 * one per signal tier; 0 where not fitted. */
	float *poff;
	/* Parameters. */
	double g[SP__NG];
	double *fp; /* fp[k * nf + f] */
	/* The non-US IMGs' preferred families follow the cited counts
	 * (S26, sp__family.img_n) instead of the weights of the others. */
	bool img_pref;
	char **pnames; /* "" or the family code, per parameter slot */
	/* Step 2 CK inverse CDF knots (score at cumulative probability). */
	double s2_p[16], s2_x[16];
	int s2_n;
	/* The standard normal quantile at k / SP__NQ, k = 0..SP__NQ, in
	 * float, for the table sampler (market.c: normal()); and the
	 * standard Gumbel's, cells 1..SP__NQ-2 (market.c: gumbel()).  A
	 * cell's width is the difference of its two ends, computed as it is
	 * needed (16 and 32 KB: a stored width doubled them, and the first
	 * level cache holds the smaller tables better). */
	float *nq;
	double *gq;
};
#define SP__NQ 4096

/* Number of parameter slots: SP__NG + SP__NF * nf. */
size_t sp__model_nslots(const sp_model *m);
double *sp__model_slot(sp_model *m, size_t k);
/* What program j's rank key adds to the interview score of an applicant
 * of this type who sent signal `tier` (stage 6): less the part of the
 * signal's bonus (the family's and the program's own tier offset) it
 * does not keep (1 - rank_signal), plus the family's rank_img for a
 * graduate of a foreign school (US or non-US IMG).  The simulated
 * programs rank by it and the advisor's match cutoffs compare with it. */
double sp__model_rank_shift(const sp_model *m, int32_t j, int type, int tier);

/* One applicant of a trial. */
typedef struct {
	uint8_t type, visa, region, adv;
	int16_t state;       /* index into the model's states, or -1 */
	int16_t fam, backup; /* families, backup -1 when none */
	int16_t research;
	int32_t id; /* index in the national population: names its streams */
	float step2, z;
	float q;         /* target quantile within the preferred family */
	int32_t partner; /* the other member of a couple, or -1 */
	int32_t app_off, app_n;
	int32_t matched, supp; /* program index, or SP_NONE */
	int32_t contiguous;    /* ranks in the preferred family at the top */
	int32_t ninterviews;
	/* In a specialty subset (sp_model_select): the preferred family is
	 * outside it, so `fam` holds the backup and only the backup's share
	 * of the applications is drawn (docs/model.md, Outputs). */
	uint8_t outside;
} sp__appl;

enum { SP__APP_APPLIED, SP__APP_OFFERED, SP__APP_ACCEPTED, SP__APP_DECLINED };
/* BARRED: a probe's application that the program cannot consider (it
 * does not sponsor the visa the probe needs); never offered. */
enum { SP__KIND_PREFERRED, SP__KIND_BACKUP, SP__KIND_PRELIM, SP__KIND_BARRED };

/* One application: 20 bytes, as the stages stream through a million
 * and more of them.  score: the program's interview score of the
 * applicant; once the program's rank list is built, its rank key (score
 * + rank noise), which the match cutoff reads. */
typedef struct {
	int32_t prog, appl;
	float u, score;
	uint8_t tier, status, kind, offered; /* offered: ever offered */
} sp__app;

typedef struct {
	float key;
	int32_t id;
} sp__keyed;

/* A worker's trial: scratch reused from trial to trial, and after
 * sp__trial_run the trial's outcome.  Applicants [0, npop) are the
 * drawn population, [npop, ap.n) the probes; applications [0, napop)
 * are the population's. */
typedef struct {
	SP_VEC(sp__appl) ap;
	SP_VEC(sp__app) apps;
	SP_VEC(sp__keyed) ks; /* couples' lists */
	SP_VEC(uint64_t) kx;  /* scratch sort keys (sp__key) */
	SP_VEC(uint64_t) pk;  /* applications by program (sp__key) */
	SP_VEC(int32_t) iv;   /* scratch list */
	SP_VEC(int32_t) sel;  /* scratch list */
	SP_VEC(int32_t) pairs;
	SP_VEC(int32_t) acc; /* interviews accepted, per applicant */
	/* The interviews applicant a accepted: application indexes in
	 * increasing order, at accl[a->app_off .. + a->ninterviews). */
	SP_VEC(int32_t) accl;
	SP_VEC(int32_t) pidx; /* interviews by program */
	int32_t *p_off, *p_n; /* applications by program: range, count */
	int32_t *p_acc;       /* interviews accepted, per program */
	int32_t *slots;       /* interview slots per program, this trial */
	uint32_t *mark;
	uint32_t stamp;
	float *cutoff;        /* per program; valid when constrained */
	uint8_t *constrained; /* more applications than slots */
	int32_t *filled;      /* per program */
	float *mcut; /* per program: lowest rank key matched (+inf: none) */
	double fam_mu[512], fam_sd[512];
	double sigb[512 * 3]; /* signal bonus by family and tier */
	double istate[512];   /* in-state bonus by family */
	/* Family weights' parts (draw_family): log(positions · affinity)
	 * + demand by type and family (-inf when the family has no
	 * positions), competitiveness c_F, advanced-only. */
	double fw_lbase[SP_APPL_NTYPES][512], fw_c[512];
	/* The non-US IMGs' preferred family, when the model has their cited
	 * counts (img_pref): log(count) + an offset that keeps the counts'
	 * shares under self-selection (img_pref_weights). */
	double fw_img[512];
	double fw_zbar[SP_APPL_NTYPES]; /* each type's mean strength */
	uint8_t fw_adv[512];
	int32_t *inst_id; /* program -> instance id, or SP_NONE */
	int32_t *inst_prog;
	size_t npop, napop;
	int32_t ncouples;
	int stable;
	int cycled;   /* the engine's chain repair cycled (then restarted) */
	uint64_t key; /* the trial's key: its substreams derive from it */
	sp_inst *in;
	sp_matching *mt;
} sp__trial;

/* The trial's random substreams, one per applicant and stage (by the
 * applicant's national index) and per program: what one applicant or
 * program draws does not depend on what any other drew, so a change of
 * parameters that alters one applicant's choices leaves the others'
 * numbers as they were (common random numbers that hold; calibration
 * differences depend on it), and a specialty subset draws its
 * applicants' numbers as the national market does. */
enum { SP__SUB_POP = 1, SP__SUB_APPS, SP__SUB_RANK, SP__SUB_PROG };
static inline void sp__substream(sp_rng *r, uint64_t key, unsigned what,
                                 uint64_t id)
{
	sp_rng_seed(r, key, (uint64_t)what << 40 ^ id);
}

void sp__trial_init(sp__trial *t);
void sp__trial_free(sp__trial *t);
/* Runs trial `trial` of the market from the stream (seed, trial), with
 * the probe's copies inserted when `probe` is not NULL (their draws
 * come from a stream of their own: sp__probe_stream).  The probe must
 * have passed sp__probe_check. */
sp_status sp__trial_run(sp__trial *t, const sp_model *m, uint64_t seed,
                        uint64_t trial, const sp_probe *probe,
                        sp_err *err) SP_MUST_CHECK;
/* The probes' stream id for a trial: disjoint from the trials' own
 * (trial numbers are below 2^24) and from the built-in catalog's. */
#define SP__PROBE_STREAM(trial) (0x70726f6265000000ull + (trial))
/* Checks a probe against the model: SP_EINVAL with a message naming
 * the field. */
sp_status sp__probe_check(const sp_model *m, const sp_probe *pr,
                          sp_err *err) SP_MUST_CHECK;

/* The generator of rng.c (xoshiro256**), inlined for the trial's ten
 * million or so draws: a call per draw cost a tenth of a trial.  The
 * streams are the same (test_market.c checks it). */
static inline uint64_t sp__rng_next(sp_rng *r)
{
	uint64_t *s = r->s;
	uint64_t x = s[1] * 5;
	uint64_t out = ((x << 7) | (x >> 57)) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return out;
}

static inline double sp__rng_uniform(sp_rng *r)
{
	return (double)(sp__rng_next(r) >> 11) * 0x1.0p-53;
}

static inline uint64_t sp__rng_below(sp_rng *r, uint64_t n)
{
	uint64_t x = sp__rng_next(r);
	__uint128_t m = (__uint128_t)x * n;
	uint64_t lo = (uint64_t)m;
	if (lo < n) {
		uint64_t floor = -n % n;
		while (lo < floor) {
			x = sp__rng_next(r);
			m = (__uint128_t)x * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

/* A sort key in one integer: a float key, larger first, then an id
 * (>= 0), smaller first, so that "comes first" is one unsigned "greater"
 * and the order is the one sp__keyed_sort_desc gives.  -0 is folded
 * into +0 (they compare equal as floats). */
static inline uint64_t sp__key(float key, int32_t id)
{
	uint32_t b;
	key += 0.0f;
	memcpy(&b, &key, sizeof b);
	b ^= (uint32_t)((int32_t)b >> 31) | 0x80000000u;
	return (uint64_t)b << 32 | (uint32_t) ~(uint32_t)id;
}

static inline int32_t sp__key_id(uint64_t k)
{
	return (int32_t) ~(uint32_t)k;
}

static inline float sp__key_val(uint64_t k)
{
	uint32_t b = (uint32_t)(k >> 32);
	b ^= ~(uint32_t)((int32_t)b >> 31) | 0x80000000u;
	float f;
	memcpy(&f, &b, sizeof f);
	return f;
}

/* Sorts keys descending; moves the `top` largest to the front in no
 * particular order (expected O(n)).  Branch-free partitions: the keys
 * are random, so a branch per comparison would be a coin toss. */
void sp__key_sort(uint64_t *v, size_t n);
void sp__key_select(uint64_t *v, size_t n, size_t top);

/* Standard normal CDF and its inverse. */
double sp__market_phi(double x);

/* Sorts k[0..n) by key, descending. */
void sp__keyed_sort_desc(sp__keyed *k, size_t n);
/* Moves the top `top` of k[0..n) (by key, then id) to the front, in no
 * particular order: expected O(n). */
void sp__keyed_select_top(sp__keyed *k, size_t n, size_t top);

/* Per-program offsets: poff[j * SP__NPOFF + type], and the in-state
 * one at SP__POFF_INSTATE. */
#define SP__NPOFF        (SP_APPL_NTYPES + 3)
#define SP__POFF_INSTATE SP_APPL_NTYPES
/* The offset of signal tier t (1 silver, 2 gold or single-tier). */
#define SP__POFF_TIER(t) (SP_APPL_NTYPES + (t))

/* Applies a program fit (columns program_code, interview_slots, off_*
 * as progfit.c writes them) to the programs whose codes it names; rows
 * naming other programs are skipped and counted in *skipped. */
sp_status sp__model_load_program_fit(sp_model *m, const char *buf, size_t len,
                                     const char *name, size_t *skipped,
                                     sp_err *err);

/* Index of the family with this code (any row's code), or -1. */
int32_t sp__model_family(const sp_model *m, const char *code);

/* sim.c: figures of a result for calib.c.  Fill rate of specialty row
 * `spec`; program-mean interview rate in a family (`what` 0..2 signal
 * tier none/silver/gold, 3 out of state, 4 in state, 5..9 applicant
 * type); share of `type` preferring `fam` matched in it; median Step 2
 * CK of US MD seniors preferring `fam`, matched there or not. */
double sp__sim_fill(const sp_sim_result *r, int32_t spec);
double sp__sim_iv_rate(const sp_sim_result *r, int32_t fam, int what);
double sp__sim_pref_rate(const sp_sim_result *r, int32_t fam, int type);
double sp__sim_step2_median(const sp_sim_result *r, int32_t fam, int matched);
double sp__sim_band_pref_rate(const sp_sim_result *r, int32_t fam, int type,
                              int band_lo, int band_hi);
int sp__sim_band(double step2);
int64_t sp__sim_band_n(const sp_sim_result *r, int32_t fam, int type,
                       int band_lo, int band_hi);

#endif

/*
 * rank.c — after interviews: a rank order list's chance of matching,
 * program by program, where the applicant most likely lands, and what
 * ranking one more program that interviewed them would add
 * (`smartpick rank`, POST /api/rank; docs/rank.md).
 *
 * The model is the advisor's (advise.c's design comment): at latent
 * strength e, program j takes an applicant it interviewed when its rank
 * score clears its match cutoff, with probability
 *   r_j(e) = P(interviewed and taken at j | e) / P(interviewed at j | e),
 * from the simulated cutoffs of the catalog's seasons.  Given e the
 * programs decide independently, and the NRMP's algorithm (applicant-
 * proposing, Roth and Peranson 1999) places an applicant at the first
 * program on their list that ranks them high enough, so with the list
 * j_1, ..., j_n
 *   P(match at j_k) = E_e[ prod_{i<k} (1 - r_i(e)) r_k(e) ],
 *   P(match)        = E_e[ 1 - prod_i (1 - r_i(e)) ],
 * the expectation over e by the advisor's Gauss–Hermite nodes (never as
 * independent coins: one strength drives every program's decision).  It
 * follows, and tests/unit/test_rank.c checks, that the P(match at j_k)
 * sum to P(match); that appending a program never lowers P(match) (each
 * factor 1 - r is at most 1); that P(match) does not depend on the
 * order, which decides only where the applicant lands; and that moving a
 * program up never lowers the chance of matching there.  That is the
 * advice the algorithm supports: rank in true preference order, and rank
 * every program you would rather attend than go unmatched.  The band
 * moves every cutoff by the advisor's band shift both ways.
 *
 * Cost: O(n K) for n programs and K nodes, after the advisor's
 * estimates (O(n K) too); microseconds for any list.
 *
 * Rejected: conditioning the strength on the interviews held (a
 * posterior over e given the invitations).  Without the refusals, which
 * the list does not carry, it counts only the good news and overstates
 * the chances; the prior over e is the advisor's, before interviews.
 */
#include "rank.h"
#include "advise.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NK SP__ADVISE_NK

/* ------------------------------------------------------------------ */
/* The core. */

double sp__rank_core(const double *w, size_t nk, const double *r, size_t n,
                     double *pm, double *surv)
{
	for (size_t k = 0; k < nk; k++)
		surv[k] = 1;
	for (size_t i = 0; i < n; i++) {
		double acc = 0;
		for (size_t k = 0; k < nk; k++) {
			double x = r[i * nk + k];
			acc += w[k] * surv[k] * x;
			surv[k] *= 1 - x;
		}
		if (pm)
			pm[i] = acc;
	}
	double p = 0;
	for (size_t k = 0; k < nk; k++)
		p += w[k] * (1 - surv[k]);
	return p;
}

/* ------------------------------------------------------------------ */
/* The input. */

void sp__rank_input_free(sp__rank_input *in)
{
	sp_free(in->j);
	sp_free(in->tier);
	sp_free(in->profile);
	memset(in, 0, sizeof *in);
}

/* The byte offset of (line, col) in buf (both 1-based). */
static size_t offset_of(const char *buf, size_t len, uint32_t line,
                        uint32_t col)
{
	size_t i = 0;
	for (uint32_t l = 1; l < line && i < len; i++)
		if (buf[i] == '\n')
			l++;
	return i + col - 1 < len ? i + col - 1 : len;
}

/* The offset just past the object or array that opens at buf[i] (a
 * document the parser accepted, so brackets balance outside strings). */
static size_t end_of(const char *buf, size_t len, size_t i)
{
	int depth = 0;
	bool str = false;
	for (; i < len; i++) {
		char c = buf[i];
		if (str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				str = false;
		} else if (c == '"') {
			str = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if ((c == '}' || c == ']') && --depth == 0) {
			return i + 1;
		}
	}
	return len;
}

/* pj, a member, records where its key starts: the object opens at the
 * first '{' after the key (only ':' and white space lie between). */
static sp_status blank_profile(const char *json, size_t len, const sp__json *pj,
                               sp__rank_input *in)
{
	size_t a = offset_of(json, len, pj->line, pj->col) + 1;
	for (; a < len && json[a] != '"'; a++)
		if (json[a] == '\\')
			a++;
	while (a < len && json[a] != '{')
		a++;
	size_t b = end_of(json, len, a);
	in->profile = sp_malloc(len + 1);
	if (!in->profile)
		return SP_ENOMEM;
	for (size_t i = 0; i < len; i++)
		in->profile[i] =
		    (i >= a && i < b) || json[i] == '\n' ? json[i] : ' ';
	in->profile[len] = 0;
	in->plen = len;
	return SP_OK;
}

/* One element of a list: "CODE" or {"code": "CODE", "signal": "gold"}. */
static sp_status entry(const sp__json_doc *d, const sp__json *e,
                       const char *field,
                       int32_t (*lookup)(void *, const char *), void *ctx,
                       int32_t *j, uint8_t *tier, sp_err *err)
{
	static const char *const keys[] = {"code", "signal"};
	const char *code, *sig = NULL;
	size_t n;
	char f[64];
	sp_status s;
	*tier = 0;
	if (e->type == SP__JSON_OBJECT) {
		snprintf(f, sizeof f, "%s.code", field);
		const sp__json *cj = sp__json_get(e, "code");
		if ((s = sp__json_check_object(d, e, field, keys, 2, err)))
			return s;
		if (!cj)
			return sp__json_err(err, d, e, SP_EPARSE, f, "missing");
		if ((s = sp__json_as_str(d, cj, f, SP_MAX_NAME, &code, &n,
		                         err)))
			return s;
		const sp__json *sj = sp__json_get(e, "signal");
		snprintf(f, sizeof f, "%s.signal", field);
		if (sj && (s = sp__json_as_str(d, sj, f, 16, &sig, &n, err)))
			return s;
		/* "signal": a single-tier specialty's one kind, which the
		 * advisor holds as its gold tier (the report names it so). */
		if (sig && (!strcmp(sig, "gold") || !strcmp(sig, "signal")))
			*tier = 2;
		else if (sig && !strcmp(sig, "silver"))
			*tier = 1;
		else if (sig && strcmp(sig, "none"))
			return sp__json_err(err, d, sj, SP_EINVAL, f,
			                    "expected \"gold\", \"silver\", "
			                    "\"signal\" or \"none\"");
	} else if ((s = sp__json_as_str(d, e, field, SP_MAX_NAME, &code, &n,
	                                err))) {
		return s;
	}
	*j = lookup(ctx, code);
	if (*j < 0) {
		char q[80];
		return sp__json_err(err, d, e, SP_ENOTFOUND, field,
		                    "no program %s in the catalog",
		                    sp__json_quote(q, sizeof q, code, n));
	}
	return SP_OK;
}

/* The entries of list `key` (optional unless `required`) appended to
 * in->j and in->tier; *count gets how many. */
static sp_status list(const sp__json_doc *d, const char *key, bool required,
                      int32_t (*lookup)(void *, const char *), void *ctx,
                      sp__rank_input *in, size_t *count, sp_err *err)
{
	const sp__json *arr = NULL;
	sp_status s = sp__json_get_array(d, d->root, key, required, &arr, err);
	if (s || !arr)
		return s;
	size_t n = sp__json_len(arr), have = in->nrank + in->nalso;
	if (n > SP__RANK_MAX)
		return sp__json_err(err, d, arr, SP_EINVAL, key,
		                    "at most %d programs", SP__RANK_MAX);
	for (size_t i = 0; i < n; i++) {
		const sp__json *e = sp__json_at(arr, i);
		char f[48];
		snprintf(f, sizeof f, "%s[%zu]", key, i);
		int32_t j = -1;
		uint8_t t;
		if ((s = entry(d, e, f, lookup, ctx, &j, &t, err)))
			return s;
		for (size_t k = 0; k < have + i; k++)
			if (in->j[k] == j)
				return sp__json_err(err, d, e, SP_EINVAL, f,
				                    "program listed twice");
		in->j[have + i] = j;
		in->tier[have + i] = t;
	}
	*count = n;
	return SP_OK;
}

sp_status sp__rank_parse(const char *json, size_t len, const char *name,
                         int32_t (*lookup)(void *ctx, const char *code),
                         void *ctx, sp__rank_input *in, sp_err *err)
{
	static const char *const keys[] = {"profile", "rank_order",
	                                   "also_interviewed"};
	sp__json_limits lim = {0};
	lim.max_depth = 8;
	lim.max_bytes = 1 << 18;
	lim.max_nodes = 16384;
	lim.max_string = 1024;
	sp__json_doc *d = NULL;
	memset(in, 0, sizeof *in);
	sp__err_clear(err);
	name = name ? name : "rank list";
	sp_status s = sp__json_parse(json, len, name, &lim, &d, err);
	if (s)
		return s;
	const sp__json *pj = NULL;
	in->j = sp_malloc(2 * SP__RANK_MAX * sizeof *in->j);
	in->tier = sp_malloc(2 * SP__RANK_MAX);
	if (!in->j || !in->tier)
		s = sp__err_set(err, SP_ENOMEM, name, 0, NULL, "out of memory");
	if (!s)
		s = sp__json_check_object(d, d->root, "rank list", keys, 3,
		                          err);
	if (!s)
		s = sp__json_get_object(d, d->root, "profile", true, &pj, err);
	if (!s)
		s = list(d, "rank_order", true, lookup, ctx, in, &in->nrank,
		         err);
	if (!s)
		s = list(d, "also_interviewed", false, lookup, ctx, in,
		         &in->nalso, err);
	if (!s && blank_profile(json, len, pj, in))
		s = sp__err_set(err, SP_ENOMEM, name, 0, NULL, "out of memory");
	sp__json_free(d);
	return s;
}

/* ------------------------------------------------------------------ */
/* The report. */

typedef struct {
	const sp_program_info *p;
	uint8_t tier;
	double taken; /* P(ranks the applicant high enough | interviewed) */
	double pm;    /* P(match here); for additions, what it adds */
	double cum;   /* P(match here or higher on the list) */
} rk_prog;

struct sp_rank {
	rk_prog *v; /* the list, then the additions by gain */
	size_t n, nalso;
	double p, lo, hi;
	double p_all; /* with every addition ranked too */
	long likely;  /* index into v; -1: unmatched is likeliest */
};

void sp_rank_free(sp_rank *r)
{
	if (!r)
		return;
	sp_free(r->v);
	sp_free(r);
}

double sp_rank_p_match(const sp_rank *r)
{
	return r->p;
}

size_t sp_rank_nprograms(const sp_rank *r)
{
	return r->n;
}

double sp_rank_p_at(const sp_rank *r, size_t i)
{
	return i < r->n ? r->v[i].pm : 0;
}

static int32_t by_code(void *ctx, const char *code)
{
	const sp__advise_view *v = ctx;
	for (size_t j = 0; j < v->np; j++)
		if (!strcmp(v->progs[j].code, code))
			return (int32_t)j;
	return -1;
}

/* r = q / pint at each program and node, for the cutoffs moved by
 * `shift`. */
static sp_status chances(const sp_advisor *a, const sp__rank_input *in,
                         const char *name, double shift, double *r, sp_err *err)
{
	size_t n = in->nrank + in->nalso;
	double *pint = sp_malloc((n ? n : 1) * NK * sizeof *pint);
	double *q = sp_malloc((n ? n : 1) * NK * sizeof *q);
	sp__advise_view v;
	sp_status s = SP_ENOMEM;
	if (pint && q)
		s = sp__advise_at(a, in->profile, in->plen, name, in->j,
		                  in->tier, n, shift, pint, q, &v, err);
	else
		sp__err_set(err, s, name, 0, NULL, "out of memory");
	for (size_t i = 0; !s && i < n * NK; i++)
		r[i] = pint[i] > 0 ? fmin(1, q[i] / pint[i]) : 0;
	sp_free(pint);
	sp_free(q);
	return s;
}

static int by_gain(const void *x, const void *y)
{
	const rk_prog *a = x, *b = y;
	if (a->pm != b->pm)
		return a->pm > b->pm ? -1 : 1;
	return strcmp(a->p->code, b->p->code);
}

/* Fills the report from r (central) and the band's rl, rh. */
static void assemble(sp_rank *rk, const sp__advise_view *v,
                     const sp__rank_input *in, const double *r,
                     const double *rl, const double *rh)
{
	double pm[SP__RANK_MAX], surv[NK], sl[NK];
	size_t n = in->nrank;
	rk->p = sp__rank_core(v->w, NK, r, n, pm, surv);
	rk->lo = sp__rank_core(v->w, NK, rl, n, NULL, sl);
	rk->hi = sp__rank_core(v->w, NK, rh, n, NULL, sl);
	double cum = 0, best = 1 - rk->p;
	rk->likely = -1;
	for (size_t i = 0; i < n + in->nalso; i++) {
		rk_prog *x = &rk->v[i];
		x->p = &v->progs[in->j[i]];
		x->tier = in->tier[i];
		for (size_t k = 0; k < NK; k++)
			x->taken += v->w[k] * r[i * NK + k];
		if (i < n) {
			x->pm = pm[i];
			x->cum = cum += pm[i];
			if (pm[i] > best) {
				best = pm[i];
				rk->likely = (long)i;
			}
		} else {
			/* Ranked anywhere, it adds what it takes among the
			 * list's misses: P(match) does not depend on order. */
			for (size_t k = 0; k < NK; k++)
				x->pm += v->w[k] * surv[k] * r[i * NK + k];
		}
	}
	rk->p_all = sp__rank_core(v->w, NK, r, n + in->nalso, NULL, sl);
	qsort(rk->v + n, in->nalso, sizeof *rk->v, by_gain);
}

sp_status sp_rank_eval(const sp_advisor *a, const char *json, size_t len,
                       const char *name, sp_rank **out, sp_err *err)
{
	*out = NULL;
	name = name ? name : "rank list";
	sp__advise_view v;
	sp__rank_input in;
	sp_status s = sp__advise_at(a, NULL, 0, NULL, NULL, NULL, 0, 0, NULL,
	                            NULL, &v, err);
	if (!s)
		s = sp__rank_parse(json, len, name, by_code, &v, &in, err);
	if (s) {
		sp__rank_input_free(&in);
		return s;
	}
	size_t n = in.nrank + in.nalso, m = (n ? n : 1) * NK;
	double *r = sp_malloc(3 * m * sizeof *r);
	sp_rank *rk = sp_calloc(1, sizeof *rk);
	if (rk)
		rk->v = sp_calloc(n ? n : 1, sizeof *rk->v);
	if (!r || !rk || !rk->v)
		s = sp__err_set(err, SP_ENOMEM, name, 0, NULL, "out of memory");
	if (!s)
		s = chances(a, &in, name, 0, r, err);
	if (!s)
		s = chances(a, &in, name, v.band, r + m, err);
	if (!s)
		s = chances(a, &in, name, -v.band, r + 2 * m, err);
	if (!s) {
		rk->n = in.nrank;
		rk->nalso = in.nalso;
		assemble(rk, &v, &in, r, r + m, r + 2 * m);
		*out = rk;
	} else {
		sp_rank_free(rk);
	}
	sp_free(r);
	sp__rank_input_free(&in);
	return s;
}

/* ------------------------------------------------------------------ */
/* Writers. */

static const char *const tier_names[] = {"none", "silver", "gold"};

/* A probability as the page shows it (web/src/app.js, pct): "<1%",
 * "37%", ">99%". */
static const char *pct(char *buf, size_t size, double p)
{
	if (p > 0 && p < 0.01)
		snprintf(buf, size, "<1%%");
	else if (p > 0.99 && p < 1)
		snprintf(buf, size, ">99%%");
	else
		snprintf(buf, size, "%.0f%%", 100 * p);
	return buf;
}

/* The advice, sentence by sentence; returns how many (at most 3). */
static int advice(const sp_rank *r, char (*s)[400])
{
	int k = 0;
	snprintf(s[k++], 400,
	         "Rank programs in the order you would rather train there, "
	         "not by your chances: the algorithm places you at the "
	         "first program on your list that ranks you high enough, so "
	         "ranking a program lower never helps you get it, and the "
	         "order changes where you match, not whether you match.");
	if (r->nalso) {
		char a[16], b[16];
		snprintf(s[k++], 400,
		         "Rank every program you would rather attend than go "
		         "unmatched: ranking the %zu program%s that "
		         "interviewed you but %s not on the list would raise "
		         "P(match) from %s to %s.",
		         r->nalso, r->nalso == 1 ? "" : "s",
		         r->nalso == 1 ? "is" : "are", pct(a, 16, r->p),
		         pct(b, 16, r->p_all));
	} else {
		snprintf(s[k++], 400,
		         "Rank every program you would rather attend than go "
		         "unmatched: a program added to the list never lowers "
		         "P(match).");
	}
	if (r->p < 0.75)
		snprintf(s[k++], 400,
		         "If you do not match, the NRMP's Supplemental Offer "
		         "and Acceptance Program (SOAP) in Match Week offers "
		         "unfilled positions; P(match) here does not count "
		         "it.");
	return k;
}

static void jnum(sp__out *o, double v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%.4f", sp__report_prob_kept(v, 4));
	sp__out_str(o, buf);
}

static void jkey(sp__out *o, const char *k, bool first)
{
	if (!first)
		sp__out_char(o, ',');
	sp__json_write_strz(o, k);
	sp__out_char(o, ':');
}

static void jprog(sp__out *o, const rk_prog *x, size_t rank, bool added)
{
	sp__out_char(o, '{');
	if (!added) {
		jkey(o, "rank", true);
		sp__out_int(o, (long)rank);
	}
	jkey(o, "code", added);
	sp__json_write_strz(o, x->p->code);
	jkey(o, "name", false);
	sp__json_write_strz(o, x->p->name);
	jkey(o, "specialty", false);
	sp__json_write_strz(o, x->p->specialty);
	jkey(o, "state", false);
	sp__json_write_strz(o, x->p->state);
	jkey(o, "signal", false);
	sp__json_write_strz(o, tier_names[x->tier]);
	jkey(o, "p_taken", false);
	jnum(o, x->taken);
	jkey(o, added ? "gain" : "p_match", false);
	jnum(o, x->pm);
	if (!added) {
		jkey(o, "p_cumulative", false);
		jnum(o, x->cum);
	}
	sp__out_char(o, '}');
}

sp_status sp_rank_write_json(const sp_rank *r, FILE *f)
{
	sp__out o;
	sp__out_init(&o, f);
	sp__out_char(&o, '{');
	jkey(&o, "p_match", true);
	jnum(&o, r->p);
	jkey(&o, "p_low", false);
	jnum(&o, r->lo);
	jkey(&o, "p_high", false);
	jnum(&o, r->hi);
	jkey(&o, "p_unmatched", false);
	jnum(&o, 1 - r->p);
	jkey(&o, "most_likely", false);
	if (r->likely < 0) {
		sp__out_str(&o, "{\"code\":null,\"name\":\"unmatched\"");
		sp__out_str(&o, ",\"p_match\":");
		jnum(&o, 1 - r->p);
		sp__out_char(&o, '}');
	} else {
		jprog(&o, &r->v[r->likely], (size_t)r->likely + 1, false);
	}
	jkey(&o, "programs", false);
	sp__out_char(&o, '[');
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			sp__out_char(&o, ',');
		jprog(&o, &r->v[i], i + 1, false);
	}
	sp__out_char(&o, ']');
	jkey(&o, "p_match_all_ranked", false);
	jnum(&o, r->p_all);
	jkey(&o, "additions", false);
	sp__out_char(&o, '[');
	for (size_t i = 0; i < r->nalso; i++) {
		if (i)
			sp__out_char(&o, ',');
		jprog(&o, &r->v[r->n + i], 0, true);
	}
	sp__out_char(&o, ']');
	char adv[3][400];
	int na = advice(r, adv);
	jkey(&o, "advice", false);
	sp__out_char(&o, '[');
	for (int i = 0; i < na; i++) {
		if (i)
			sp__out_char(&o, ',');
		sp__json_write_strz(&o, adv[i]);
	}
	sp__out_str(&o, "]}\n");
	return sp__out_flush(&o) ? SP_OK : SP_EIO;
}

sp_status sp_rank_write_table(const sp_rank *r, FILE *f)
{
	char a[16], b[16], c[16], d[16];
	fprintf(f, "After interviews: %zu program%s ranked\n", r->n,
	        r->n == 1 ? "" : "s");
	fprintf(f, "P(match) %s (band %s to %s); unmatched %s\n",
	        pct(a, 16, r->p), pct(b, 16, r->lo), pct(c, 16, r->hi),
	        pct(d, 16, 1 - r->p));
	if (r->likely >= 0) {
		const rk_prog *x = &r->v[r->likely];
		fprintf(f, "Most likely: #%ld %s (%s), %s\n", r->likely + 1,
		        x->p->name, x->p->code, pct(a, 16, x->pm));
	} else {
		fprintf(f, "Most likely: unmatched, %s\n",
		        pct(a, 16, 1 - r->p));
	}
	fprintf(f, "\n  # code        state signal  takes you  match here  "
	           "by here  program\n");
	for (size_t i = 0; i < r->n; i++) {
		const rk_prog *x = &r->v[i];
		fprintf(f, "%3zu %-11s %-5s %-7s %9s %11s %8s  %s\n", i + 1,
		        x->p->code, x->p->state, tier_names[x->tier],
		        pct(a, 16, x->taken), pct(b, 16, x->pm),
		        pct(c, 16, x->cum), x->p->name);
	}
	if (r->nalso) {
		fprintf(f, "\nInterviewed you, not ranked (what ranking it "
		           "would add to P(match)):\n");
		for (size_t i = 0; i < r->nalso; i++) {
			const rk_prog *x = &r->v[r->n + i];
			fprintf(f, "    %-11s %-5s +%.1f points  %s\n",
			        x->p->code, x->p->state, 100 * x->pm,
			        x->p->name);
		}
	}
	fprintf(f, "\n'takes you': the chance the program ranks you high "
	           "enough, given the interview;\n'match here': the chance "
	           "you match there (higher choices missed); these sum to "
	           "P(match).\n\n");
	char adv[3][400];
	int na = advice(r, adv);
	for (int i = 0; i < na; i++)
		fprintf(f, "- %s\n", adv[i]);
	return ferror(f) ? SP_EIO : SP_OK;
}

/* sp_rank_write_json under the writer type sp__out_string takes. */
static sp_status write_json(const void *r, FILE *f)
{
	return sp_rank_write_json(r, f);
}

sp_status sp_rank_json(const sp_advisor *a, const char *json, size_t len,
                       const char *name, char **out, size_t *outlen,
                       sp_err *err)
{
	*out = NULL;
	*outlen = 0;
	sp_rank *r;
	sp_status s = sp_rank_eval(a, json, len, name, &r, err);
	if (s)
		return s;
	s = sp__out_string(write_json, r, out, outlen, err);
	sp_rank_free(r);
	return s;
}

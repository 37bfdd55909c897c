/*
 * chances.c — `smartpick chances`: one applicant's chances at every
 * program of a specialty, whether or not a list would take it: P(interview)
 * with no signal and with each signal tier the specialty has (one for a
 * single-tier specialty), and P(match if applied) without a signal.  The
 * figures are the advisor's (advise.c's estimates, the same profile
 * format); the program explorer of the page and POST /api/chances read
 * them.  Programs come best first by P(match if applied), then by id.
 */
#include "advise.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sp_chances {
	const sp_advisor *a;
	prof pf;
	int fam;     /* the specialty family */
	bool tiered; /* gold and silver, or one tier (kept as gold) */
	cand *c;
	size_t n;
};

void sp_chances_free(sp_chances *ch)
{
	if (!ch)
		return;
	for (size_t i = 0; i < ch->n; i++)
		sp__advise_cand_free(&ch->c[i]);
	sp_free(ch->c);
	sp_free(ch);
}

static int by_chance(const void *x, const void *y)
{
	const cand *a = x, *b = y;
	double u = isfinite(a->qbar) ? a->qbar : -1;
	double v = isfinite(b->qbar) ? b->qbar : -1;
	if (u != v)
		return u > v ? -1 : 1;
	return (a->j > b->j) - (a->j < b->j);
}

/* The family's programs as candidates, every tier the family has where
 * the program takes signals; a visa the program cannot give leaves the
 * applicant no chance there. */
static sp_status fill(sp_chances *ch)
{
	const sp_advisor *a = ch->a;
	const sp_model *m = a->m;
	const sp__family *f = &m->fam[ch->fam];
	size_t cap = 0;
	for (size_t j = 0; j < a->np; j++)
		cap += m->spec_fam[m->prog_spec[j]] == ch->fam;
	ch->c = sp_calloc(cap ? cap : 1, sizeof *ch->c);
	if (!ch->c)
		return SP_ENOMEM;
	for (size_t j = 0; j < a->np; j++) {
		if (m->spec_fam[m->prog_spec[j]] != ch->fam)
			continue;
		cand *x = &ch->c[ch->n++];
		x->j = (int32_t)j;
		x->value = 1;
		x->tiers = 1;
		if (a->progs[j].accepts_signals)
			x->tiers |=
			    (f->gold > 0 ? 4 : 0) | (f->silver > 0 ? 2 : 0);
	}
	sp_status s = sp__advise_estimate(a, &ch->pf, ch->c, ch->n, 0);
	for (size_t i = 0; !s && i < ch->n; i++) {
		cand *x = &ch->c[i];
		double qb = 0;
		for (int e = 0; e < NE; e++)
			qb += a->ew[e] * x->q[e];
		x->qbar = isfinite(x->pi[0]) ? qb : NAN;
		if (ch->pf.p.needs_visa && !a->progs[x->j].sponsors_visa) {
			x->pi[0] = x->qbar = 0;
			x->pi[1] = x->pi[1] >= 0 ? 0 : x->pi[1];
			x->pi[2] = x->pi[2] >= 0 ? 0 : x->pi[2];
		}
	}
	if (!s)
		qsort(ch->c, ch->n, sizeof *ch->c, by_chance);
	return s;
}

sp_status sp_chances_compute(const sp_advisor *a, const char *json, size_t len,
                             const char *name, const char *specialty,
                             sp_chances **out, sp_err *err)
{
	sp__err_clear(err);
	*out = NULL;
	sp_chances *ch = sp_calloc(1, sizeof *ch);
	if (!ch)
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	ch->a = a;
	sp_status s = sp__profile_parse(a->m, json, len, name, &ch->pf, err);
	if (!s) {
		ch->fam = specialty ? sp__profile_find_family(a->m, specialty)
		                    : ch->pf.fam[0];
		if (ch->fam < 0)
			s = sp__err_set(err, SP_ENOTFOUND, NULL, 0, "specialty",
			                "unknown specialty \"%s\" (see "
			                "'smartpick catalog show' or "
			                "/api/specialties)",
			                specialty);
	}
	if (!s) {
		ch->tiered = a->m->fam[ch->fam].silver > 0;
		if ((s = fill(ch)) == SP_ENOMEM)
			s = sp__err_set(err, s, NULL, 0, NULL, "out of memory");
	}
	if (s) {
		sp_chances_free(ch);
		return s;
	}
	*out = ch;
	return SP_OK;
}

size_t sp_chances_count(const sp_chances *ch)
{
	return ch->n;
}

static void num(sp__out *o, const char *key, double v)
{
	char buf[40];
	sp__out_char(o, ',');
	sp__json_write_strz(o, key);
	sp__out_char(o, ':');
	if (!isfinite(v))
		snprintf(buf, sizeof buf, "null");
	else
		snprintf(buf, sizeof buf, "%.4f", sp__report_prob_kept(v, 4));
	sp__out_str(o, buf);
}

/* The tier figures: single-tier specialties give p_interview_signal,
 * tiered ones p_interview_silver and p_interview_gold (null where the
 * program takes no signals). */
static void tiers_json(sp__out *o, const sp_chances *ch, const cand *x)
{
	num(o, "p_interview_no_signal", x->pi[0]);
	if (ch->tiered) {
		num(o, "p_interview_silver", x->tiers & 2 ? x->pi[1] : NAN);
		num(o, "p_interview_gold", x->tiers & 4 ? x->pi[2] : NAN);
	} else {
		num(o, "p_interview_signal", x->tiers & 4 ? x->pi[2] : NAN);
	}
	num(o, "p_match_if_applied", x->qbar);
}

sp_status sp_chances_write_json(const sp_chances *ch, FILE *f)
{
	const sp_advisor *a = ch->a;
	sp__out o;
	sp__out_init(&o, f);
	sp__out_str(&o, "{\"specialty\":");
	sp__json_write_strz(&o, a->m->fam[ch->fam].name);
	sp__out_str(&o, ",\"tiered\":");
	sp__out_str(&o, ch->tiered ? "true" : "false");
	sp__out_str(&o, ",\"applicant_type\":");
	sp__json_write_strz(&o, sp_appl_type_name(ch->pf.p.type));
	sp__out_str(&o, ",\"programs\":[");
	for (size_t i = 0; i < ch->n; i++) {
		sp__out_str(&o, i ? ",\n{" : "\n{");
		sp__report_program_ident(&o, &a->progs[ch->c[i].j]);
		tiers_json(&o, ch, &ch->c[i]);
		sp__out_char(&o, '}');
	}
	sp__out_str(&o, "]}\n");
	return sp__out_flush(&o) ? SP_OK : SP_EIO;
}

static void cell(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, ",%.4f", sp__report_prob_kept(v, 4));
	else
		fputc(',', f);
}

sp_status sp_chances_write_csv(const sp_chances *ch, FILE *f)
{
	const sp_advisor *a = ch->a;
	sp__report_program_ident_csv(f, NULL);
	fputs(ch->tiered ? ",p_interview_no_signal,p_interview_silver,"
	                   "p_interview_gold,p_match_if_applied\n"
	                 : ",p_interview_no_signal,p_interview_signal,"
	                   "p_match_if_applied\n",
	      f);
	for (size_t i = 0; i < ch->n; i++) {
		const cand *x = &ch->c[i];
		sp__report_program_ident_csv(f, &a->progs[x->j]);
		cell(f, x->pi[0]);
		if (ch->tiered)
			cell(f, x->tiers & 2 ? x->pi[1] : NAN);
		cell(f, x->tiers & 4 ? x->pi[2] : NAN);
		cell(f, x->qbar);
		fputc('\n', f);
	}
	return ferror(f) ? SP_EIO : SP_OK;
}

sp_status sp_chances_write_table(const sp_chances *ch, FILE *f)
{
	const sp_advisor *a = ch->a;
	char b[4][16];
	fprintf(f,
	        "Chances in %s (%s, Step 2 CK %.0f): %zu programs, best "
	        "first\n\n",
	        a->m->fam[ch->fam].name, sp_appl_type_name(ch->pf.p.type),
	        ch->pf.p.step2, ch->n);
	fprintf(f, "%-12s  %-9s %s  %s\n", "P(if applied)", "P(int)",
	        ch->tiered ? "silver   gold  " : "signal",
	        "code, state, program");
	for (size_t i = 0; i < ch->n; i++) {
		const cand *x = &ch->c[i];
		const sp_program_info *p = &a->progs[x->j];
		sp__report_pct(b[0], 16, x->qbar);
		sp__report_pct(b[1], 16, x->pi[0]);
		sp__report_pct(b[2], 16, x->tiers & 2 ? x->pi[1] : NAN);
		sp__report_pct(b[3], 16, x->tiers & 4 ? x->pi[2] : NAN);
		if (ch->tiered)
			fprintf(f, "%-12s  %-9s %-8s %-7s %s, %s, %s\n", b[0],
			        b[1], b[2], b[3], p->code, p->state, p->name);
		else
			fprintf(f, "%-12s  %-9s %-7s %s, %s, %s\n", b[0], b[1],
			        b[3], p->code, p->state, p->name);
	}
	fputs("\nP(if applied): your chance of matching there if you apply "
	      "without a signal. P(int): of an interview offer without a "
	      "signal; beside it, with each signal (- where the program takes "
	      "none).\n",
	      f);
	return ferror(f) ? SP_EIO : SP_OK;
}

static sp_status chances_json(const void *ch, FILE *f)
{
	return sp_chances_write_json(ch, f);
}

sp_status sp_chances_json(const sp_advisor *a, const char *json, size_t len,
                          const char *name, const char *specialty, char **out,
                          size_t *outlen, sp_err *err)
{
	*out = NULL;
	*outlen = 0;
	sp_chances *ch;
	sp_status s =
	    sp_chances_compute(a, json, len, name, specialty, &ch, err);
	if (s)
		return s;
	s = sp__out_string(chances_json, ch, out, outlen, err);
	sp_chances_free(ch);
	return s;
}

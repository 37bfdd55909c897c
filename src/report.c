/*
 * report.c — the advisor's report writers: JSON (the API's and the
 * page's), the terminal table and CSV.
 */
#include "advise.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const class_names[] = {"reach", "target", "likely"};

static void jnum(sp__out *o, double v, int digits)
{
	char buf[32];
	if (!isfinite(v)) {
		sp__out_str(o, "null");
		return;
	}
	snprintf(buf, sizeof buf, "%.*f", digits, v);
	sp__out_str(o, buf);
}

static void jkey(sp__out *o, const char *k)
{
	sp__json_write_strz(o, k);
	sp__out_char(o, ':');
}

sp_status sp_advice_write_json(const sp_advice *r, FILE *f)
{
	const sp_advisor *a = r->a;
	const prof *pf = &r->pf;
	sp__out o;
	sp__out_init(&o, f);
	sp__out_str(&o, "{");
	jkey(&o, "specialty");
	sp__json_write_strz(&o, a->m->fam[pf->fam[0]].name);
	sp__out_str(&o, ",");
	jkey(&o, "backups");
	sp__out_char(&o, '[');
	for (int s = 1; s < pf->nfam; s++) {
		if (s > 1)
			sp__out_char(&o, ',');
		sp__json_write_strz(&o, a->m->fam[pf->fam[s]].name);
	}
	sp__out_str(&o, "],");
	jkey(&o, "applicant_type");
	sp__json_write_strz(&o, sp_appl_type_name(pf->p.type));
	sp__out_str(&o, ",");
	jkey(&o, "step2");
	jnum(&o, pf->p.step2, 0);
	sp__out_str(&o, ",");
	jkey(&o, "p_match");
	jnum(&o, r->p_match, 4);
	sp__out_str(&o, ",");
	jkey(&o, "p_match_low");
	jnum(&o, r->lo, 4);
	sp__out_str(&o, ",");
	jkey(&o, "p_match_high");
	jnum(&o, r->hi, 4);
	sp__out_str(&o, ",");
	jkey(&o, "p_match_preferred");
	jnum(&o, r->p_pref, 4);
	sp__out_str(&o, ",");
	jkey(&o, "interviews_expected");
	jnum(&o, r->interviews, 1);
	sp__out_str(&o, ",");
	jkey(&o, "applications");
	sp__json_write_int(&o, (int64_t)r->n);
	sp__out_str(&o, ",");
	jkey(&o, "cost");
	jnum(&o, r->cost, 0);
	sp__out_str(&o, ",");
	jkey(&o, "stop_at");
	sp__json_write_int(&o, r->stop_at);
	sp__out_str(&o, ",");
	jkey(&o, "signals");
	sp__out_char(&o, '[');
	for (int sl = 0; sl < pf->nfam; sl++) {
		sp__out_str(&o, sl ? ",{" : "{");
		jkey(&o, "specialty");
		sp__json_write_strz(&o, a->m->fam[pf->fam[sl]].name);
		sp__out_str(&o, ",");
		jkey(&o, "gold");
		sp__json_write_int(&o, r->gold_used[sl]);
		sp__out_str(&o, ",");
		jkey(&o, "silver");
		sp__json_write_int(&o, r->silver_used[sl]);
		sp__out_str(&o, ",");
		jkey(&o, "gold_available");
		sp__json_write_int(&o, r->gold[sl]);
		sp__out_str(&o, ",");
		jkey(&o, "silver_available");
		sp__json_write_int(&o, r->silver[sl]);
		sp__out_char(&o, '}');
	}
	sp__out_str(&o, "],");
	if (r->checked) {
		jkey(&o, "check");
		sp__out_str(&o, "{");
		jkey(&o, "p_match");
		jnum(&o, r->chk_p, 4);
		sp__out_str(&o, ",");
		jkey(&o, "low");
		jnum(&o, r->chk_lo, 4);
		sp__out_str(&o, ",");
		jkey(&o, "high");
		jnum(&o, r->chk_hi, 4);
		sp__out_str(&o, ",");
		jkey(&o, "copies");
		sp__json_write_int(&o, r->chk_copies);
		sp__out_str(&o, "},");
	}
	jkey(&o, "programs");
	sp__out_char(&o, '[');
	for (size_t i = 0; i < r->n; i++) {
		const rprog *rp = &r->pr[i];
		const cand *x = &rp->c;
		const sp_program_info *p = &a->progs[x->j];
		sp__out_str(&o, i ? ",\n{" : "\n{");
		jkey(&o, "id");
		sp__json_write_int(&o, p->id);
		sp__out_str(&o, ",");
		jkey(&o, "code");
		sp__json_write_strz(&o, p->code);
		sp__out_str(&o, ",");
		jkey(&o, "name");
		sp__json_write_strz(&o, p->name);
		sp__out_str(&o, ",");
		jkey(&o, "specialty");
		sp__json_write_strz(&o, a->m->fam[pf->fam[x->slot]].name);
		sp__out_str(&o, ",");
		jkey(&o, "state");
		sp__json_write_strz(&o, p->state);
		sp__out_str(&o, ",");
		jkey(&o, "region");
		sp__json_write_strz(&o, sp_division_name(p->region));
		sp__out_str(&o, ",");
		jkey(&o, "setting");
		sp__json_write_strz(&o, sp_setting_name(p->setting));
		sp__out_str(&o, ",");
		jkey(&o, "positions");
		sp__json_write_int(&o, p->positions);
		sp__out_str(&o, ",");
		jkey(&o, "tier");
		sp__json_write_strz(&o, class_names[x->cls]);
		sp__out_str(&o, ",");
		jkey(&o, "signal");
		sp__json_write_strz(&o, sp__advise_tier_name(x->tier));
		sp__out_str(&o, ",");
		jkey(&o, "p_interview");
		jnum(&o, x->pi[x->tier], 4);
		sp__out_str(&o, ",");
		jkey(&o, "p_interview_none");
		jnum(&o, x->pi[0], 4);
		sp__out_str(&o, ",");
		jkey(&o, "p_interview_silver");
		jnum(&o, x->pi[1], 4);
		sp__out_str(&o, ",");
		jkey(&o, "p_interview_gold");
		jnum(&o, x->pi[2], 4);
		sp__out_str(&o, ",");
		jkey(&o, "p_match_if_interviewed");
		jnum(&o, x->pi[x->tier] > 0 ? x->qbar / x->pi[x->tier] : 0, 4);
		sp__out_str(&o, ",");
		jkey(&o, "p_match_if_applied");
		jnum(&o, x->qbar, 4);
		sp__out_str(&o, ",");
		jkey(&o, "p_match");
		jnum(&o, x->pm, 4);
		sp__out_str(&o, ",");
		if (r->checked && r->chk_int && r->chk_match) {
			jkey(&o, "simulated_p_interview");
			jnum(&o, r->chk_int[i], 4);
			sp__out_str(&o, ",");
			jkey(&o, "simulated_p_match");
			jnum(&o, r->chk_match[i], 4);
			sp__out_str(&o, ",");
		}
		jkey(&o, "reasons");
		sp__out_char(&o, '[');
		for (int k = 0; k < rp->nreasons; k++) {
			if (k)
				sp__out_char(&o, ',');
			sp__json_write_strz(&o, rp->reasons[k]);
		}
		sp__out_str(&o, "]}");
	}
	sp__out_str(&o, "],\n");
	jkey(&o, "curve");
	sp__out_char(&o, '[');
	for (size_t i = 0; i < r->ncurve; i++) {
		sp__out_str(&o, i ? ",{" : "{");
		jkey(&o, "applications");
		sp__json_write_int(&o, (int64_t)i + 1);
		sp__out_str(&o, ",");
		jkey(&o, "p_match");
		jnum(&o, r->curve_p[i], 4);
		sp__out_str(&o, ",");
		jkey(&o, "cost");
		jnum(&o, r->curve_cost[i], 0);
		sp__out_char(&o, '}');
	}
	sp__out_str(&o, "],\n");
	jkey(&o, "notes");
	sp__out_char(&o, '[');
	for (int k = 0; k < r->nnotes; k++) {
		if (k)
			sp__out_char(&o, ',');
		sp__json_write_strz(&o, r->notes[k]);
	}
	sp__out_str(&o, "]}\n");
	return sp__out_flush(&o) ? SP_OK : SP_EIO;
}

sp_status sp_advice_write_table(const sp_advice *r, FILE *f)
{
	const sp_advisor *a = r->a;
	const prof *pf = &r->pf;
	fprintf(f, "SmartPick recommendation: %s", a->m->fam[pf->fam[0]].name);
	for (int s = 1; s < pf->nfam; s++)
		fprintf(f, "%s%s", s == 1 ? " (backups: " : ", ",
		        a->m->fam[pf->fam[s]].name);
	fprintf(f, "%s\n\n", pf->nfam > 1 ? ")" : "");
	fprintf(f, "P(match)        %.0f%%  (range %.0f%%-%.0f%%)\n",
	        100 * r->p_match, 100 * r->lo, 100 * r->hi);
	if (pf->nfam > 1)
		fprintf(f, "  in %-10.10s  %.0f%%\n",
		        a->m->fam[pf->fam[0]].name, 100 * r->p_pref);
	if (r->checked)
		fprintf(f,
		        "Simulated       %.0f%%  (95%% interval %.0f%%-%.0f%%, "
		        "%ld simulated applicants)\n",
		        100 * r->chk_p, 100 * r->chk_lo, 100 * r->chk_hi,
		        r->chk_copies);
	fprintf(f, "Applications    %zu (ERAS fees $%.0f)\n", r->n, r->cost);
	fprintf(f, "Interviews      %.1f expected (at most %d attended)\n",
	        r->interviews, sp__advise_interview_cap(a));
	fprintf(f, "Stop at         %d: one more adds under %.1f point\n",
	        r->stop_at, 100 * STOP_GAIN);
	for (int sl = 0; sl < pf->nfam; sl++)
		fprintf(f,
		        "Signals         %s: %d gold of %d, %d silver of %d\n",
		        a->m->fam[pf->fam[sl]].name, r->gold_used[sl],
		        r->gold[sl], r->silver_used[sl], r->silver[sl]);
	fputc('\n', f);
	for (int cls = 0; cls < 3; cls++) {
		int any = 0;
		for (size_t i = 0; i < r->n; i++) {
			const cand *x = &r->pr[i].c;
			if (x->cls != cls)
				continue;
			const sp_program_info *p = &a->progs[x->j];
			if (!any++)
				fprintf(f,
				        "%s\n  %-12s %-34s %-2s %-6s %6s %6s\n",
				        cls == 0   ? "REACH"
				        : cls == 1 ? "TARGET"
				                   : "LIKELY",
				        "code", "program", "st", "signal",
				        "P(int)", "P(mt)");
			fprintf(f,
			        "  %-12s %-34.34s %-2s %-6s %5.0f%% %5.1f%%\n",
			        p->code, p->name, p->state,
			        sp__advise_tier_name(x->tier),
			        100 * x->pi[x->tier], 100 * x->pm);
			if (r->pr[i].nreasons)
				fprintf(f, "      %s\n", r->pr[i].reasons[0]);
		}
		if (any)
			fputc('\n', f);
	}
	fprintf(f, "P(match) by number of applications:\n");
	size_t step = r->ncurve > 60 ? 10 : 5;
	for (size_t i = 0; i < r->ncurve; i += step)
		fprintf(f, "  %4zu  %5.1f%%  $%.0f\n", i + 1,
		        100 * r->curve_p[i], r->curve_cost[i]);
	for (int k = 0; k < r->nnotes; k++)
		fprintf(f, "\nNote: %s", r->notes[k]);
	fputc('\n', f);
	return ferror(f) ? SP_EIO : SP_OK;
}

/* A CSV cell: quoted when needed; a leading = + - @ gets a quote mark
 * so spreadsheets do not run it as a formula. */
static void csv_cell(FILE *f, const char *s)
{
	bool formula = *s == '=' || *s == '+' || *s == '-' || *s == '@';
	bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	if (!quote) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

sp_status sp_advice_write_csv(const sp_advice *r, FILE *f)
{
	const sp_advisor *a = r->a;
	fputs("rank,code,name,specialty,state,tier,signal,p_interview,"
	      "p_match_if_interviewed,p_match,reasons\n",
	      f);
	for (size_t i = 0; i < r->n; i++) {
		const cand *x = &r->pr[i].c;
		const sp_program_info *p = &a->progs[x->j];
		char reasons[1100] = "";
		size_t used = 0;
		for (int k = 0; k < r->pr[i].nreasons; k++)
			used += (size_t)snprintf(
			    reasons + used, sizeof reasons - used, "%s%s",
			    k ? " " : "", r->pr[i].reasons[k]);
		fprintf(f, "%zu,", i + 1);
		csv_cell(f, p->code);
		fputc(',', f);
		csv_cell(f, p->name);
		fputc(',', f);
		csv_cell(f, a->m->fam[r->pf.fam[x->slot]].name);
		fprintf(f, ",%s,%s,%s,%.4f,%.4f,%.4f,", p->state,
		        class_names[x->cls], sp__advise_tier_name(x->tier),
		        x->pi[x->tier],
		        x->pi[x->tier] > 0 ? x->qbar / x->pi[x->tier] : 0,
		        x->pm);
		csv_cell(f, reasons);
		fputc('\n', f);
	}
	return ferror(f) ? SP_EIO : SP_OK;
}

sp_status sp_recommend_json(const sp_advisor *a, const char *json, size_t len,
                            const char *name, char **out, size_t *outlen,
                            sp_err *err)
{
	*out = NULL;
	*outlen = 0;
	sp_advice *r;
	sp_status s = sp_recommend(a, json, len, name, &r, err);
	if (s)
		return s;
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f) {
		sp_advice_free(r);
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	}
	s = sp_advice_write_json(r, f);
	sp_advice_free(r);
	if (fclose(f) || s) {
		free(buf);
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "cannot write the report");
	}
	/* Hand over through the library's allocation door. */
	*out = sp_malloc(n + 1);
	if (!*out) {
		free(buf);
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	}
	memcpy(*out, buf, n + 1);
	*outlen = n;
	free(buf);
	return SP_OK;
}

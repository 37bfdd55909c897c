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

double sp__report_prob_kept(double v, int digits)
{
	if (!(v > 0 && v < 1))
		return v;
	double ulp = pow(10, -digits);
	return fmin(fmax(v, ulp), 1 - ulp);
}

static void jnum(sp__out *o, double v, int digits)
{
	char buf[32];
	if (!isfinite(v)) {
		sp__out_str(o, "null");
		return;
	}
	if (digits >= 2)
		v = sp__report_prob_kept(v, digits);
	snprintf(buf, sizeof buf, "%.*f", digits, v);
	sp__out_str(o, buf);
}

static void jkey(sp__out *o, const char *k)
{
	sp__json_write_strz(o, k);
	sp__out_char(o, ':');
}

static void kv_num(sp__out *o, const char *k, double v, int digits)
{
	sp__out_char(o, ',');
	jkey(o, k);
	jnum(o, v, digits);
}

static void kv_int(sp__out *o, const char *k, long v)
{
	sp__out_char(o, ',');
	jkey(o, k);
	sp__out_int(o, v);
}

static void kv_str(sp__out *o, const char *k, const char *v)
{
	sp__out_char(o, ',');
	jkey(o, k);
	sp__json_write_strz(o, v);
}

static void kv_bool(sp__out *o, const char *k, bool v)
{
	sp__out_char(o, ',');
	jkey(o, k);
	sp__out_str(o, v ? "true" : "false");
}

static const char *const role_names[] = {"first_choice", "backup", "pgy1"};

static const char *fam_name(const sp_advice *r, int slot)
{
	return r->a->m->fam[r->pf.fam[slot]].name;
}

/* A program's signal as the report names it: "gold", "silver" or "none";
 * "signal" in a single-tier specialty (whose one tier is kept as gold). */
static const char *signal_name(const sp_advice *r, const cand *x)
{
	if (x->tier && r->a->m->fam[r->pf.fam[x->slot]].silver == 0)
		return "signal";
	return sp__advise_tier_name(x->tier);
}

/* A program's identity as every writer gives it (recommend, chances):
 * the one place new catalog fields (city, measured or estimated marks)
 * join the output.  Starts with the "id" key, no comma before it. */
void sp__report_program_ident(sp__out *o, const sp_program_info *p)
{
	jkey(o, "id");
	sp__json_write_int(o, p->id);
	kv_str(o, "code", p->code);
	kv_str(o, "name", p->name);
	kv_str(o, "state", p->state);
	kv_str(o, "region", sp_division_name(p->region));
	kv_str(o, "setting", sp_setting_name(p->setting));
	kv_int(o, "positions", p->positions);
	kv_bool(o, "sponsors_visa", p->sponsors_visa != 0);
	kv_bool(o, "accepts_signals", p->accepts_signals != 0);
	kv_num(o, "step2_median", p->step2_median > 0 ? p->step2_median : NAN,
	       0);
	kv_str(o, "city", p->city);
	kv_bool(o, "synthetic", p->synthetic != 0);
	/* Where the figures come from: the fields estimated (everything is
	 * drawn in a synthetic row), and the program's own measured
	 * interview-offer rates with their cycle (docs/catalog.md). */
	sp__out_char(o, ',');
	jkey(o, "estimated");
	sp__out_char(o, '[');
	for (int f = 0, k = 0; f < SP_FIELD_N; f++) {
		if (strcmp(sp_program_provenance(p, (sp_field)f),
		           "published")) {
			if (k++)
				sp__out_char(o, ',');
			sp__json_write_strz(o, sp_field_name((sp_field)f));
		}
	}
	sp__out_char(o, ']');
	sp__out_char(o, ',');
	jkey(o, "measured_rates");
	if (!p->rate_cycle) {
		sp__out_str(o, "null");
		return;
	}
	sp__out_char(o, '{');
	jkey(o, "cycle");
	sp__out_int(o, p->rate_cycle);
	for (int k = 0; k < SP_RATE_N; k++)
		if (!isnan(p->rates[k]))
			kv_num(o, sp_rate_name((sp_rate)k) + 5, p->rates[k], 2);
	sp__out_char(o, '}');
}

/* The headline figures. */
static void json_summary(sp__out *o, const sp_advice *r)
{
	const prof *pf = &r->pf;
	jkey(o, "specialty");
	sp__json_write_strz(o, fam_name(r, 0));
	sp__out_str(o, ",");
	jkey(o, "backups");
	sp__out_char(o, '[');
	for (int s = 1, k = 0; s < pf->nfam; s++) {
		if (pf->role[s] != ROLE_BACKUP)
			continue;
		if (k++)
			sp__out_char(o, ',');
		sp__json_write_strz(o, fam_name(r, s));
	}
	sp__out_char(o, ']');
	kv_str(o, "applicant_type", sp_appl_type_name(pf->p.type));
	kv_num(o, "step2", pf->p.step2, 0);
	if (pf->p.aoa) /* said: the interval below narrows with it */
		kv_bool(o, "aoa", pf->p.aoa > 0);
	kv_num(o, "p_match", r->p_match, 4);
	kv_num(o, "p_match_low", r->lo, 4);
	kv_num(o, "p_match_high", r->hi, 4);
	/* Applicants of this profile, 10th to 90th percentile of what it
	 * does not tell (letters, grades, interviews). */
	kv_num(o, "p_match_p10", r->unk_lo, 4);
	kv_num(o, "p_match_p90", r->unk_hi, 4);
	kv_num(o, "p_match_first_choice_p10", r->unk_pref_lo, 4);
	kv_num(o, "p_match_first_choice_p90", r->unk_pref_hi, 4);
	kv_num(o, "p_match_preferred", r->p_pref, 4);
	kv_num(o, "p_match_first_choice", r->p_pref, 4);
	kv_num(o, "p_match_first_choice_without_backups", r->p_pref_alone, 4);
	kv_bool(o, "first_choice_protected", !pf->trade);
	kv_num(o, "interviews_expected", r->interviews, 1);
	kv_int(o, "applications", (long)r->n);
	kv_num(o, "cost", r->cost, 0);
	kv_num(o, "transcript_fee", r->a->transcript, 0);
	kv_int(o, "stop_at", r->stop_at);
	kv_str(o, "stop_reason", r->stop_why);
	kv_num(o, "stop_gain", pf->stop_gain, 5);
	if (r->has_pgy1) {
		sp__out_str(o, ",");
		jkey(o, "pgy1");
		sp__out_char(o, '{');
		jkey(o, "applications");
		sp__out_int(o, (long)(r->n - r->nmain));
		kv_num(o, "p_advanced", r->p_adv, 4);
		kv_num(o, "p_pgy1", r->p_pgy1, 4);
		kv_num(o, "p_advanced_and_pgy1", r->p_adv_pgy1, 4);
		kv_num(o, "p_first_choice_with_pgy1", r->p_pref_complete, 4);
		sp__out_char(o, '}');
	}
}

/* Signals per specialty: single-tier specialties say so ("tiered":
 * false, "signals" of "signals_available") and keep gold/silver for
 * readers of the older form. */
static void json_signals(sp__out *o, const sp_advice *r)
{
	const prof *pf = &r->pf;
	jkey(o, "signals");
	sp__out_char(o, '[');
	for (int sl = 0; sl < pf->nfam; sl++) {
		bool tiered = r->silver[sl] > 0;
		sp__out_str(o, sl ? ",{" : "{");
		jkey(o, "specialty");
		sp__json_write_strz(o, fam_name(r, sl));
		kv_str(o, "role", role_names[pf->role[sl]]);
		kv_bool(o, "tiered", tiered);
		if (!tiered) {
			kv_int(o, "signals", r->gold_used[sl]);
			kv_int(o, "signals_available", r->gold[sl]);
		}
		kv_int(o, "gold", r->gold_used[sl]);
		kv_int(o, "silver", r->silver_used[sl]);
		kv_int(o, "gold_available", r->gold[sl]);
		kv_int(o, "silver_available", r->silver[sl]);
		sp__out_char(o, '}');
	}
	sp__out_char(o, ']');
}

/* Where the applicant stands: Step 2 CK percentiles among the first
 * choice's matched and unmatched seniors, the mean applications of
 * their type, the mean interview rate programs gave their type. */
static void json_peers(sp__out *o, const sp_advice *r)
{
	const sp_advisor *a = r->a;
	int32_t f = r->pf.fam[0];
	const sp__peer *p = &a->peer[f];
	sp__out_str(o, ",");
	jkey(o, "peers");
	sp__out_char(o, '{');
	jkey(o, "step2_percentile_matched");
	jnum(o, sp__peers_pct_matched(a, f, r->pf.p.step2), 3);
	kv_num(o, "step2_percentile_unmatched",
	       sp__peers_pct_unmatched(a, f, r->pf.p.step2), 3);
	kv_num(o, "matched_median", p->median, 0);
	kv_num(o, "unmatched_median", p->unmatched_median, 0);
	kv_num(o, "mean_applications_for_type", a->apps_by_type[r->pf.p.type],
	       0);
	kv_num(o, "mean_interview_rate_for_type", p->rate[r->pf.p.type], 3);
	sp__out_char(o, '}');
}

static void json_risk(sp__out *o, const sp_advice *r)
{
	const sp__risk *k = &r->risk;
	sp__out_str(o, ",");
	jkey(o, "at_risk");
	sp__out_str(o, k->at_risk ? "true" : "false");
	if (!k->at_risk)
		return;
	sp__out_str(o, ",");
	jkey(o, "guidance");
	sp__out_char(o, '{');
	jkey(o, "p_first_choice");
	jnum(o, k->p, 4);
	kv_int(o, "more_applications", k->more_n);
	kv_num(o, "more_p_first_choice", k->more_p, 4);
	if (k->backup_f >= 0) {
		kv_str(o, "backup", r->a->m->fam[k->backup_f].name);
		kv_int(o, "backup_applications", k->backup_n);
		kv_num(o, "backup_p_match", k->backup_p, 4);
	}
	if (k->wider_n) {
		kv_int(o, "wider_applications", k->wider_n);
		kv_num(o, "wider_p_first_choice", k->wider_p, 4);
	}
	kv_int(o, "community_programs", k->community);
	sp__out_char(o, '}');
}

static void json_tradeoff(sp__out *o, const sp_advice *r)
{
	if (!r->ntrade)
		return;
	sp__out_str(o, ",");
	jkey(o, "tradeoff");
	sp__out_char(o, '[');
	for (int k = 0; k < r->ntrade; k++) {
		sp__out_str(o, k ? ",{" : "{");
		jkey(o, "backup_weight");
		jnum(o, r->trade[k].w, 1);
		kv_num(o, "p_first_choice", r->trade[k].p_first, 4);
		kv_num(o, "p_match", r->trade[k].p_any, 4);
		kv_int(o, "applications", r->trade[k].n);
		sp__out_char(o, '}');
	}
	sp__out_char(o, ']');
}

static void json_check(sp__out *o, const sp_advice *r)
{
	if (!r->checked)
		return;
	sp__out_str(o, ",");
	jkey(o, "check");
	sp__out_str(o, "{");
	jkey(o, "p_match");
	jnum(o, r->chk_p, 4);
	kv_num(o, "low", r->chk_lo, 4);
	kv_num(o, "high", r->chk_hi, 4);
	kv_int(o, "copies", r->chk_copies);
	sp__out_str(o, "}");
}

static void json_program(sp__out *o, const sp_advice *r, size_t i)
{
	const rprog *rp = &r->pr[i];
	const cand *x = &rp->c;
	const sp_program_info *p = &r->a->progs[x->j];
	sp__out_str(o, i ? ",\n{" : "\n{");
	sp__report_program_ident(o, p);
	kv_str(o, "specialty", fam_name(r, x->slot));
	kv_str(o, "role", role_names[r->pf.role[x->slot]]);
	kv_str(o, "track",
	       p->track == SP_TRACK_ADVANCED      ? "advanced"
	       : p->track == SP_TRACK_PRELIMINARY ? "preliminary"
	                                          : "categorical");
	kv_str(o, "tier", class_names[x->cls]);
	kv_str(o, "signal", signal_name(r, x));
	kv_num(o, "p_interview", x->pi[x->tier], 4);
	kv_num(o, "p_interview_none", x->pi[0], 4);
	kv_num(o, "p_interview_silver", x->pi[1], 4);
	kv_num(o, "p_interview_gold", x->pi[2], 4);
	kv_num(o, "p_match_if_interviewed",
	       x->pi[x->tier] > 0 ? x->qbar / x->pi[x->tier] : 0, 4);
	kv_num(o, "p_match_if_applied", x->qbar, 4);
	kv_num(o, "p_match", x->pm, 4);
	if (r->checked && r->chk_int && r->chk_match) {
		kv_num(o, "simulated_p_interview", r->chk_int[i], 4);
		kv_num(o, "simulated_p_match", r->chk_match[i], 4);
	}
	sp__out_str(o, ",");
	jkey(o, "reasons");
	sp__out_char(o, '[');
	for (int k = 0; k < rp->nreasons; k++) {
		if (k)
			sp__out_char(o, ',');
		sp__json_write_strz(o, rp->reasons[k]);
	}
	sp__out_str(o, "]}");
}

static void json_tail(sp__out *o, const sp_advice *r)
{
	jkey(o, "curve");
	sp__out_char(o, '[');
	for (size_t i = 0; i < r->ncurve; i++) {
		sp__out_str(o, i ? ",{" : "{");
		jkey(o, "applications");
		sp__out_int(o, (long)i + 1);
		kv_num(o, "p_match", r->curve_p[i], 4);
		kv_num(o, "cost", r->curve_cost[i], 0);
		sp__out_char(o, '}');
	}
	sp__out_str(o, "],\n");
	jkey(o, "notes");
	sp__out_char(o, '[');
	for (int k = 0; k < r->nnotes; k++) {
		if (k)
			sp__out_char(o, ',');
		sp__json_write_strz(o, r->notes[k]);
	}
	sp__out_str(o, "]");
}

sp_status sp_advice_write_json(const sp_advice *r, FILE *f)
{
	sp__out o;
	sp__out_init(&o, f);
	sp__out_str(&o, "{");
	json_summary(&o, r);
	sp__out_str(&o, ",");
	json_signals(&o, r);
	json_peers(&o, r);
	json_risk(&o, r);
	json_tradeoff(&o, r);
	json_check(&o, r);
	sp__out_str(&o, ",");
	jkey(&o, "programs");
	sp__out_char(&o, '[');
	for (size_t i = 0; i < r->n; i++)
		json_program(&o, r, i);
	sp__out_str(&o, "],\n");
	json_tail(&o, r);
	sp__out_str(&o, "}\n");
	return sp__out_flush(&o) ? SP_OK : SP_EIO;
}

/* A probability as the page rounds it (util.js pct), to `digits`
 * decimals: ">99%" and "<1%" (">99.9%", "<0.1%") rather than "100%" and
 * "0%" for what is neither certain nor impossible. */
static const char *pct_at(char *buf, size_t size, double p, int digits)
{
	double v = 100 * p, unit = pow(10, -digits);
	if (!isfinite(v))
		snprintf(buf, size, "-");
	else if (v > 100 - unit && v < 100)
		snprintf(buf, size, ">%.*f%%", digits, 100 - unit);
	else if (v > 0 && v < unit)
		snprintf(buf, size, "<%.*f%%", digits, unit);
	else
		snprintf(buf, size, "%.*f%%", digits, v);
	return buf;
}

const char *sp__report_pct(char *buf, size_t size, double p)
{
	return pct_at(buf, size, p, 0);
}

const char *sp__report_pct1(char *buf, size_t size, double p)
{
	return pct_at(buf, size, p, 1);
}

/* Writes text wrapped at `width` columns, every line after the first
 * indented by `indent` spaces (the first is already placed). */
static void wrap(FILE *f, const char *text, int indent, int width)
{
	int col = indent;
	const char *s = text;
	while (*s) {
		const char *e = s;
		while (*e && *e != ' ')
			e++;
		int n = (int)(e - s);
		if (col > indent && col + 1 + n > width) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fwrite(s, 1, (size_t)n, f);
		col += n;
		s = *e ? e + 1 : e;
	}
	fputc('\n', f);
}

static void table_peers(const sp_advice *r, FILE *f)
{
	const sp_advisor *a = r->a;
	int32_t f0 = r->pf.fam[0];
	const sp__peer *p = &a->peer[f0];
	double pm = sp__peers_pct_matched(a, f0, r->pf.p.step2);
	double pu = sp__peers_pct_unmatched(a, f0, r->pf.p.step2);
	char line[400], b1[16], b2[16];
	int n = 0;
	if (isfinite(pm))
		n += snprintf(line + n, sizeof line - (size_t)n,
		              "Your Step 2 CK (%.0f) is above about %s of "
		              "matched seniors in %s (median %.0f)",
		              r->pf.p.step2, sp__report_pct(b1, 16, pm),
		              fam_name(r, 0), p->median);
	if (isfinite(pm) && isfinite(pu))
		n += snprintf(line + n, sizeof line - (size_t)n,
		              " and %s of unmatched ones (median %.0f)",
		              sp__report_pct(b2, 16, pu), p->unmatched_median);
	if (n)
		n += snprintf(line + n, sizeof line - (size_t)n, ". ");
	if (isfinite(a->apps_by_type[r->pf.p.type]))
		n += snprintf(line + n, sizeof line - (size_t)n,
		              "Applicants of your type sent %.0f ERAS "
		              "applications on average (2025, all "
		              "specialties)",
		              a->apps_by_type[r->pf.p.type]);
	if (isfinite(p->rate[r->pf.p.type]))
		n += snprintf(line + n, sizeof line - (size_t)n,
		              "; %s programs interviewed %.0f%% of the "
		              "applicants of your type who applied (2024 "
		              "mean).",
		              fam_name(r, 0), 100 * p->rate[r->pf.p.type]);
	if (!n)
		return;
	fputs("Peers           ", f);
	line[sizeof line - 1] = 0;
	wrap(f, line, 16, 78);
}

static void table_tradeoff(const sp_advice *r, FILE *f)
{
	char b1[16], b2[16];
	if (!r->ntrade)
		return;
	fprintf(f,
	        "Trade-off       to trade %s chances for backup ones, set "
	        "backup_weight:\n",
	        fam_name(r, 0));
	for (int k = 0; k < r->ntrade; k++)
		fprintf(f,
		        "                %.1f: in %s %s, anywhere %s (%d "
		        "applications)\n",
		        r->trade[k].w, fam_name(r, 0),
		        sp__report_pct(b1, 16, r->trade[k].p_first),
		        sp__report_pct(b2, 16, r->trade[k].p_any),
		        r->trade[k].n);
}

static void table_head(const sp_advice *r, FILE *f)
{
	const sp_advisor *a = r->a;
	const prof *pf = &r->pf;
	char b1[16], b2[16], b3[16], b4[16];
	fprintf(f, "SmartPick recommendation: %s", fam_name(r, 0));
	for (int s = 1, k = 0; s < pf->nfam; s++)
		if (pf->role[s] == ROLE_BACKUP)
			fprintf(f, "%s%s",
			        k++ ? ", " : " (backups: ", fam_name(r, s));
	for (int s = 1; s < pf->nfam; s++)
		if (pf->role[s] == ROLE_BACKUP) {
			fputc(')', f);
			break;
		}
	fprintf(f, "\n\n");
	fprintf(f, "P(match anywhere on the list)   %s  (range %s to %s)\n",
	        sp__report_pct(b1, 16, r->p_match),
	        sp__report_pct(b2, 16, r->lo), sp__report_pct(b3, 16, r->hi));
	fprintf(f, "P(match in %s)  %s", fam_name(r, 0),
	        sp__report_pct(b1, 16, r->p_pref));
	bool backups = false;
	for (int sl = 1; sl < pf->nfam; sl++)
		backups |= pf->role[sl] == ROLE_BACKUP;
	if (backups && !pf->trade && isfinite(r->p_pref_alone))
		fprintf(f, "  (%s without backups: protected)",
		        sp__report_pct(b2, 16, r->p_pref_alone));
	fputc('\n', f);
	fprintf(
	    f,
	    "  applicants like you: %s to %s anywhere, %s to %s in %s\n"
	    "  (10th to 90th percentile of what the profile cannot tell%s:\n"
	    "  letters, clerkship grades, interviews)\n",
	    sp__report_pct(b1, 16, r->unk_lo),
	    sp__report_pct(b2, 16, r->unk_hi),
	    sp__report_pct(b3, 16, r->unk_pref_lo),
	    sp__report_pct(b4, 16, r->unk_pref_hi), fam_name(r, 0),
	    r->pf.p.aoa ? " beyond AOA" : "");
	if (r->has_pgy1)
		fprintf(f,
		        "  advanced position %s, PGY-1 year %s, both %s; "
		        "%s with its PGY-1 year: %s\n",
		        sp__report_pct(b1, 16, r->p_adv),
		        sp__report_pct(b2, 16, r->p_pgy1),
		        sp__report_pct(b3, 16, r->p_adv_pgy1), fam_name(r, 0),
		        sp__report_pct(b4, 16, r->p_pref_complete));
	if (r->checked)
		fprintf(f,
		        "Simulated       %s  (95%% interval %s-%s, "
		        "%ld simulated applicants)\n",
		        sp__report_pct(b1, 16, r->chk_p),
		        sp__report_pct(b2, 16, r->chk_lo),
		        sp__report_pct(b3, 16, r->chk_hi), r->chk_copies);
	fprintf(f,
	        "Applications    %zu (fees $%.0f, the $%.0f exam transcript "
	        "included)\n",
	        r->n, r->cost, a->transcript);
	fprintf(f, "Interviews      %.1f expected (at most %d attended)\n",
	        r->interviews, sp__advise_interview_cap(a));
	fprintf(f, "Stop at         %d (%s)\n", r->stop_at,
	        !strcmp(r->stop_why, "budget")   ? "your budget"
	        : !strcmp(r->stop_why, "count")  ? "your number of applications"
	        : !strcmp(r->stop_why, "target") ? "your target reached"
	                                         : "one more adds too little");
	for (int sl = 0; sl < pf->nfam; sl++) {
		if (r->silver[sl] > 0)
			fprintf(f,
			        "Signals         %s: %d gold of %d, %d silver "
			        "of %d\n",
			        fam_name(r, sl), r->gold_used[sl], r->gold[sl],
			        r->silver_used[sl], r->silver[sl]);
		else if (r->gold[sl] > 0)
			fprintf(f, "Signals         %s: %d of %d (one tier)\n",
			        fam_name(r, sl), r->gold_used[sl], r->gold[sl]);
	}
	table_peers(r, f);
	table_tradeoff(r, f);
	fputc('\n', f);
}

static void table_legend(FILE *f)
{
	wrap(f,
	     "Columns: P(interview) is your chance of an interview offer "
	     "there, with the signal shown. P(if applied) is your chance of "
	     "matching there if you apply (offered an interview and ranked "
	     "high enough); it sets the tier: LIKELY at least 35%, TARGET "
	     "12-35%, REACH under 12%. P(match here) is the chance your match "
	     "lands there with this whole list ranked in this order; these add "
	     "up to P(match anywhere).",
	     0, 78);
	fputc('\n', f);
}

static void table_program(const sp_advice *r, size_t i, size_t rank, FILE *f)
{
	const cand *x = &r->pr[i].c;
	const sp_program_info *p = &r->a->progs[x->j];
	char b1[16], b2[16], b3[16];
	int w = fprintf(f, "%4zu. ", rank);
	wrap(f, p->name, w, 78);
	if (p->city[0])
		fprintf(f, "      %s, %s, %s, %s", p->code, p->city, p->state,
		        fam_name(r, x->slot));
	else
		fprintf(f, "      %s, %s, %s", p->code, p->state,
		        fam_name(r, x->slot));
	if (x->tier)
		fprintf(f, ", %s%s", signal_name(r, x),
		        strcmp(signal_name(r, x), "signal") ? " signal" : "");
	fprintf(
	    f,
	    "\n      P(interview) %s   P(if applied) %s   P(match here) %s\n",
	    sp__report_pct(b1, 16, x->pi[x->tier]),
	    sp__report_pct(b2, 16, x->qbar), sp__report_pct(b3, 16, x->pm));
	for (int k = 0; k < r->pr[i].nreasons; k++) {
		fputs("      - ", f);
		wrap(f, r->pr[i].reasons[k], 8, 78);
	}
}

sp_status sp_advice_write_table(const sp_advice *r, FILE *f)
{
	static const char *const heads[] = {
	    "REACH (P(if applied) under 12%)", "TARGET (P(if applied) 12-35%)",
	    "LIKELY (P(if applied) at least 35%)"};
	table_head(r, f);
	table_legend(f);
	/* By tier, each program keeping its rank on the list. */
	for (int cls = 2; cls >= 0; cls--) {
		int any = 0;
		for (size_t i = 0; i < r->nmain; i++) {
			if (r->pr[i].c.cls != cls)
				continue;
			if (!any++)
				fprintf(f, "%s\n", heads[cls]);
			table_program(r, i, i + 1, f);
		}
		if (any)
			fputc('\n', f);
	}
	if (r->n > r->nmain) {
		fprintf(f, "PGY-1 YEAR (supplemental list, for the advanced "
		           "positions)\n");
		for (size_t i = r->nmain; i < r->n; i++)
			table_program(r, i, i - r->nmain + 1, f);
		fputc('\n', f);
	}
	fprintf(f, "P(match anywhere) by number of applications:\n");
	size_t step = r->ncurve > 60 ? 10 : 5;
	for (size_t i = 0; i < r->ncurve; i += step) {
		char b[16];
		fprintf(f, "  %4zu  %6s  $%.0f\n", i + 1,
		        sp__report_pct1(b, sizeof b, r->curve_p[i]),
		        r->curve_cost[i]);
	}
	for (int k = 0; k < r->nnotes; k++) {
		fputs("\nNote: ", f);
		wrap(f, r->notes[k], 6, 78);
	}
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

/* A program's identity columns in CSV (the header when p is NULL): the
 * one place catalog fields join the CSV writers. */
void sp__report_program_ident_csv(FILE *f, const sp_program_info *p)
{
	if (!p) {
		fputs("id,code,name,city,state,region,setting,positions,"
		      "sponsors_visa,accepts_signals,step2_median,estimated",
		      f);
		return;
	}
	fprintf(f, "%d,", p->id);
	csv_cell(f, p->code);
	fputc(',', f);
	csv_cell(f, p->name);
	fputc(',', f);
	csv_cell(f, p->city);
	fprintf(f, ",%s,", p->state);
	csv_cell(f, sp_division_name(p->region));
	fprintf(f, ",%s,%d,%d,%d,", sp_setting_name(p->setting), p->positions,
	        p->sponsors_visa, p->accepts_signals);
	if (p->step2_median > 0)
		fprintf(f, "%.0f", p->step2_median);
	fputc(',', f);
	for (int k = 0, n = 0; k < SP_FIELD_N; k++)
		if (strcmp(sp_program_provenance(p, (sp_field)k), "published"))
			fprintf(f, "%s%s", n++ ? ";" : "",
			        sp_field_name((sp_field)k));
}

sp_status sp_advice_write_csv(const sp_advice *r, FILE *f)
{
	const sp_advisor *a = r->a;
	fputs("rank,code,name,specialty,role,state,tier,signal,p_interview,"
	      "p_match_if_interviewed,p_match_if_applied,p_match,reasons\n",
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
		fprintf(f, ",%s,%s,%s,%s,%.4f,%.4f,%.4f,%.4f,",
		        role_names[r->pf.role[x->slot]], p->state,
		        class_names[x->cls], signal_name(r, x), x->pi[x->tier],
		        x->pi[x->tier] > 0 ? x->qbar / x->pi[x->tier] : 0,
		        x->qbar, x->pm);
		csv_cell(f, reasons);
		fputc('\n', f);
	}
	return ferror(f) ? SP_EIO : SP_OK;
}

static sp_status advice_json(const void *r, FILE *f)
{
	return sp_advice_write_json(r, f);
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
	s = sp__out_string(advice_json, r, out, outlen, err);
	sp_advice_free(r);
	return s;
}

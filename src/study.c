/*
 * study.c — policy studies: one lever of the market swept over a list
 * of values, a seeded simulation at each, the outcomes side by side as
 * a table, a CSV and an SVG figure (docs/study.md).
 *
 * The spec is a JSON object read through json.c (file:line: field
 * errors, strict keys, caps).  The levers:
 *
 *   signals          a specialty's (or every specialty's) gold or silver
 *                    allotment, set or added to (the catalog's rows)
 *   application_cap  most applications one applicant sends
 *   positions        every program's positions and interview slots
 *                    scaled (in one specialty, or everywhere)
 *   applicants       applicant numbers scaled (one type, or all)
 *   parameter        any model parameter (docs/model.md) set, added to
 *                    or scaled
 *
 * Catalog levers change the specialties and programs a model is built
 * from (sp_study_apply_catalog); the others the model's parameters
 * (sp_study_apply_model).  The caller builds one model per value,
 * simulates it with the study's seed and trials (common random numbers:
 * every value sees the same draws where the lever leaves them alone, so
 * differences between values are the lever's, not noise's), and records
 * the result.  Nothing here runs a simulation, so a front end may spread
 * it (smartpick-mpi).
 */
#include "internal.h"
#include "json.h"

#include <math.h>
#include <stdlib.h>

#define MAX_VALUES 64
#define MAX_FAM    64

typedef enum { L_SIGNALS, L_CAP, L_POSITIONS, L_APPLICANTS, L_PARAM } lever;
typedef enum { C_SET, C_ADD, C_SCALE } change;

static const char *const lever_names[] = {
    "signals", "application_cap", "positions", "applicants", "parameter"};
static const char *const change_names[] = {"set", "add", "scale"};

/* One value's outcome. */
typedef struct {
	bool done;
	sp_sim_summary sum;
	double fam[MAX_FAM]; /* by family (codes in sp_study.fam) */
} outcome;

struct sp_study {
	char name[256]; /* the spec's file name, for messages */
	char title[128];
	lever lv;
	change ch;
	char specialty[16]; /* "" for all */
	long spec_line;
	int silver;     /* signals: the silver tier */
	int appl_type;  /* applicants: -1 for all */
	char param[64]; /* parameter: its name */
	double values[MAX_VALUES];
	int nvalues;
	int trials;
	uint64_t seed;
	char select[MAX_FAM][16]; /* specialties simulated; none: all */
	int nselect;
	long select_line;
	char fam[MAX_FAM][16]; /* families recorded, in model order */
	int nfam;
	outcome out[MAX_VALUES];
};

static int find(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

static sp_status copy_code(const sp__json_doc *d, const sp__json *at,
                           const char *field, const char *s, size_t len,
                           char *dst, size_t size, sp_err *err)
{
	if (len == 0 || len >= size)
		return sp__json_err(err, d, at, SP_EPARSE, field,
		                    "expected a specialty code (1 to %zu "
		                    "characters)",
		                    size - 1);
	memcpy(dst, s, len + 1);
	return SP_OK;
}

/* "vary" and what goes with it: the lever, its change, its target. */
static sp_status read_lever(sp_study *st, const sp__json_doc *d,
                            const sp__json *root, sp_err *err)
{
	const char *s = NULL;
	size_t len;
	sp_status rc;
	if ((rc = sp__json_get_str(d, root, "vary", true, 32, &s, &len, err)))
		return rc;
	int lv = find(lever_names, 5, s);
	if (lv < 0)
		return sp__json_err(err, d, sp__json_get(root, "vary"),
		                    SP_EPARSE, "vary",
		                    "expected signals, application_cap, "
		                    "positions, applicants or parameter");
	st->lv = (lever)lv;
	static const change deflt[] = {C_SET, C_SET, C_SCALE, C_SCALE, C_SET};
	st->ch = deflt[lv];
	s = NULL;
	if ((rc =
	         sp__json_get_str(d, root, "change", false, 16, &s, &len, err)))
		return rc;
	if (s) {
		int ch = find(change_names, 3, s);
		/* Which changes each lever takes: signals set or add; a cap
		 * is set; positions and applicants scale; a parameter any. */
		static const unsigned ok[] = {3, 1, 4, 4, 7};
		if (ch < 0 || !(ok[lv] & (1u << ch)))
			return sp__json_err(
			    err, d, sp__json_get(root, "change"), SP_EPARSE,
			    "change", "not a change this lever takes (%s)",
			    lv == L_SIGNALS ? "set or add"
			    : lv == L_CAP   ? "set"
			    : lv == L_PARAM ? "set, add or scale"
			                    : "scale");
		st->ch = (change)ch;
	}
	const sp__json *at = sp__json_get(root, "specialty");
	s = NULL;
	if ((rc = sp__json_get_str(d, root, "specialty", false, 15, &s, &len,
	                           err)))
		return rc;
	if (s) {
		if (lv == L_CAP || lv == L_APPLICANTS)
			return sp__json_err(err, d, at, SP_EPARSE, "specialty",
			                    "this lever applies to every "
			                    "specialty");
		if ((rc = copy_code(d, at, "specialty", s, len, st->specialty,
		                    sizeof st->specialty, err)))
			return rc;
		st->spec_line = at->line;
	}
	s = NULL;
	if ((rc = sp__json_get_str(d, root, "tier", false, 16, &s, &len, err)))
		return rc;
	if (s) {
		st->silver = !strcmp(s, "silver");
		if (lv != L_SIGNALS || (!st->silver && strcmp(s, "gold")))
			return sp__json_err(err, d, sp__json_get(root, "tier"),
			                    SP_EPARSE, "tier",
			                    "expected gold or silver, with "
			                    "\"vary\": \"signals\"");
	}
	s = NULL;
	st->appl_type = -1;
	if ((rc = sp__json_get_str(d, root, "applicant_type", false, 16, &s,
	                           &len, err)))
		return rc;
	if (s) {
		for (int t = 0; t < SP_APPL_NTYPES; t++)
			if (!strcmp(s, sp_appl_type_name((sp_appl_type)t)))
				st->appl_type = t;
		if (lv != L_APPLICANTS || st->appl_type < 0)
			return sp__json_err(
			    err, d, sp__json_get(root, "applicant_type"),
			    SP_EPARSE, "applicant_type",
			    "expected us_md, us_do, us_img, non_us_img or "
			    "other, with \"vary\": \"applicants\"");
	}
	s = NULL;
	if ((rc = sp__json_get_str(d, root, "parameter", lv == L_PARAM, 63, &s,
	                           &len, err)))
		return rc;
	if (s && lv != L_PARAM)
		return sp__json_err(err, d, sp__json_get(root, "parameter"),
		                    SP_EPARSE, "parameter",
		                    "only with \"vary\": \"parameter\"");
	if (s)
		memcpy(st->param, s, len + 1);
	return SP_OK;
}

/* The values, checked against the lever. */
static sp_status read_values(sp_study *st, const sp__json_doc *d,
                             const sp__json *root, sp_err *err)
{
	const sp__json *arr = NULL;
	sp_status rc = sp__json_get_array(d, root, "values", true, &arr, err);
	if (rc)
		return rc;
	size_t n = sp__json_len(arr);
	if (n < 1 || n > MAX_VALUES)
		return sp__json_err(err, d, arr, SP_EPARSE, "values",
		                    "expected 1 to %d values", MAX_VALUES);
	double lo = -1e9, hi = 1e9;
	if (st->lv == L_SIGNALS)
		lo = st->ch == C_ADD ? -64 : 0, hi = 64;
	else if (st->lv == L_CAP)
		lo = 1, hi = 400;
	else if (st->ch == C_SCALE)
		lo = 0, hi = 100;
	for (size_t i = 0; i < n; i++) {
		const sp__json *v = sp__json_at(arr, i);
		if ((rc = sp__json_as_double(d, v, "values", lo, hi,
		                             &st->values[i], err)))
			return rc;
		if ((st->lv == L_SIGNALS || st->lv == L_CAP) &&
		    st->values[i] != floor(st->values[i]))
			return sp__json_err(err, d, v, SP_EPARSE, "values",
			                    "expected whole numbers");
	}
	st->nvalues = (int)n;
	return SP_OK;
}

static sp_status read_select(sp_study *st, const sp__json_doc *d,
                             const sp__json *root, sp_err *err)
{
	const sp__json *arr = NULL;
	sp_status rc =
	    sp__json_get_array(d, root, "simulate", false, &arr, err);
	if (rc || !arr)
		return rc;
	size_t n = sp__json_len(arr);
	st->select_line = arr->line;
	if (n > MAX_FAM)
		return sp__json_err(err, d, arr, SP_EPARSE, "simulate",
		                    "at most %d specialties", MAX_FAM);
	for (size_t i = 0; i < n; i++) {
		const sp__json *v = sp__json_at(arr, i);
		const char *s;
		size_t len;
		if ((rc = sp__json_as_str(d, v, "simulate", 15, &s, &len,
		                          err)) ||
		    (rc = copy_code(d, v, "simulate", s, len,
		                    st->select[st->nselect],
		                    sizeof st->select[0], err)))
			return rc;
		st->nselect++;
	}
	return SP_OK;
}

sp_status sp_study_parse(const char *buf, size_t len, const char *name,
                         sp_study **out, sp_err *err)
{
	*out = NULL;
	if (!name)
		name = "study";
	sp__json_limits lim;
	memset(&lim, 0, sizeof lim);
	lim.max_bytes = 1 << 20;
	lim.max_depth = 4;
	sp__json_doc *d = NULL;
	sp_status rc = sp__json_parse(buf, len, name, &lim, &d, err);
	if (rc)
		return rc;
	sp_study *st = sp_calloc(1, sizeof *st);
	if (!st) {
		sp__json_free(d);
		return sp__err_set(err, SP_ENOMEM, name, 0, "",
		                   "out of memory");
	}
	snprintf(st->name, sizeof st->name, "%s", name);
	static const char *const keys[] = {
	    "title",          "vary",      "change",   "specialty",
	    "tier",           "parameter", "values",   "trials",
	    "applicant_type", "seed",      "simulate", "note"};
	const sp__json *root = d->root;
	int64_t trials = 10, seed = 1;
	const char *title = NULL;
	size_t tlen = 0;
	rc = sp__json_check_object(d, root, "study", keys,
	                           sizeof keys / sizeof *keys, err);
	if (!rc)
		rc = sp__json_get_str(d, root, "title", false, 120, &title,
		                      &tlen, err);
	if (!rc)
		rc = read_lever(st, d, root, err);
	if (!rc)
		rc = read_values(st, d, root, err);
	if (!rc)
		rc = sp__json_get_int(d, root, "trials", false, 1, 100000,
		                      &trials, err);
	if (!rc)
		rc = sp__json_get_int(d, root, "seed", false, 0, INT64_MAX,
		                      &seed, err);
	if (!rc)
		rc = read_select(st, d, root, err);
	if (!rc && title && memchr(title, 0, tlen))
		rc = sp__json_err(err, d, sp__json_get(root, "title"),
		                  SP_EPARSE, "title", "holds a NUL");
	if (!rc && title)
		memcpy(st->title, title, tlen + 1);
	sp__json_free(d);
	if (rc) {
		sp_free(st);
		return rc;
	}
	st->trials = (int)trials;
	st->seed = (uint64_t)seed;
	*out = st;
	return SP_OK;
}

void sp_study_free(sp_study *st)
{
	sp_free(st);
}

int sp_study_nvalues(const sp_study *st)
{
	return st->nvalues;
}

void sp_study_sim_opts(const sp_study *st, sp_sim_opts *o)
{
	o->seed = st->seed;
	o->trials = st->trials;
}

static sp_status not_found(const sp_study *st, sp_err *err)
{
	sp_err e;
	sp__err_set(&e, SP_ENOTFOUND, st->name, st->spec_line, "specialty",
	            "no specialty '%s' in the catalog", st->specialty);
	if (err)
		*err = e;
	return SP_ENOTFOUND;
}

sp_status sp_study_apply_catalog(const sp_study *st, int k,
                                 sp_specialty_info *specs, size_t ns,
                                 sp_program_info *progs, size_t np, sp_err *err)
{
	if (k < 0 || k >= st->nvalues)
		return sp__err_set(err, SP_EINVAL, st->name, 0, "values",
		                   "no value %d", k);
	if (st->lv != L_SIGNALS && st->lv != L_POSITIONS)
		return SP_OK;
	double v = st->values[k];
	/* The rows moved: the family of the named row, or all. */
	const char *fam = NULL;
	for (size_t s = 0; st->specialty[0] && s < ns; s++)
		if (!strcmp(specs[s].code, st->specialty))
			fam = specs[s].family;
	if (st->specialty[0] && !fam)
		return not_found(st, err);
	char family[64];
	if (fam)
		snprintf(family, sizeof family, "%s", fam);
	for (size_t s = 0; s < ns; s++) {
		sp_specialty_info *x = &specs[s];
		if (fam && strcmp(x->family, family))
			continue;
		if (st->lv == L_SIGNALS) {
			int *t =
			    st->silver ? &x->signals_silver : &x->signals_gold;
			/* Adding signals to a specialty that takes none
			 * leaves it alone; setting gives it some. */
			double nv = st->ch == C_ADD ? (*t ? *t + v : 0) : v;
			*t = (int)SP_MAX(0, SP_MIN(64, nv));
			continue;
		}
		x->positions = 0;
		for (size_t j = 0; j < np; j++) {
			sp_program_info *p = &progs[j];
			if (strcmp(p->specialty, x->code))
				continue;
			p->positions = (int)lround(p->positions * v);
			p->interview_slots =
			    (int)lround(p->interview_slots * v);
			x->positions += p->positions;
		}
	}
	return SP_OK;
}

static sp_status set_param(const sp_study *st, sp_model *m, const char *name,
                           const char *spec, double v, sp_err *err)
{
	double old;
	sp_status s = sp_model_param_get(m, name, spec, &old);
	if (!s) {
		double nv = st->ch == C_ADD     ? old + v
		            : st->ch == C_SCALE ? old * v
		                                : v;
		s = sp_model_param_set(m, name, spec, nv);
	}
	if (s)
		return sp__err_set(err, s, st->name, 0,
		                   spec && spec[0] ? "specialty" : "parameter",
		                   "no parameter '%s'%s%s%s for this model",
		                   name, spec && spec[0] ? " of '" : "",
		                   spec ? spec : "",
		                   spec && spec[0] ? "'" : "");
	return SP_OK;
}

sp_status sp_study_apply_model(const sp_study *st, int k, sp_model *m,
                               sp_err *err)
{
	if (k < 0 || k >= st->nvalues)
		return sp__err_set(err, SP_EINVAL, st->name, 0, "values",
		                   "no value %d", k);
	double v = st->values[k];
	sp_status s = SP_OK;
	if (st->lv == L_CAP)
		s = set_param(st, m, "application_cap", "", v, err);
	for (int t = 0; st->lv == L_APPLICANTS && !s && t < SP_APPL_NTYPES;
	     t++) {
		if (st->appl_type >= 0 && t != st->appl_type)
			continue;
		char name[64];
		snprintf(name, sizeof name, "applicants_%s",
		         sp_appl_type_name((sp_appl_type)t));
		s = set_param(st, m, name, "", v, err);
	}
	if (st->lv == L_PARAM)
		s = set_param(st, m, st->param, st->specialty, v, err);
	if (s)
		return s;
	const char *codes[MAX_FAM];
	for (int i = 0; i < st->nselect; i++)
		codes[i] = st->select[i];
	sp_err e;
	memset(&e, 0, sizeof e);
	s = sp_model_select(m, codes, (size_t)st->nselect, &e);
	if (s) {
		/* sp_model_select's message without its own field. */
		const char *why = strstr(e.msg, "': ");
		sp__err_set(err, s, st->name, st->select_line, "simulate", "%s",
		            why ? why + 3 : e.msg);
	}
	return s;
}

sp_status sp_study_record(sp_study *st, int k, const sp_sim_result *r)
{
	if (k < 0 || k >= st->nvalues)
		return SP_EINVAL;
	outcome *o = &st->out[k];
	sp_sim_result_summary(r, &o->sum);
	int nf = sp_sim_result_nfamilies(r);
	for (int f = 0; f < nf; f++) {
		const char *code;
		double rate;
		if (!sp_sim_result_family(r, f, &code, &rate))
			continue;
		int i = 0;
		while (i < st->nfam && strcmp(st->fam[i], code))
			i++;
		if (i == st->nfam) {
			if (st->nfam == MAX_FAM)
				continue;
			for (int j = 0; j < st->nvalues; j++)
				st->out[j].fam[i] = NAN;
			snprintf(st->fam[st->nfam++], sizeof st->fam[0], "%s",
			         code);
		}
		o->fam[i] = rate;
	}
	o->done = true;
	return SP_OK;
}

/* ------------------------------------------------------------------ */
/* Writers. */

/* What the lever is, in words, for headings. */
static void describe(const sp_study *st, char *buf, size_t size)
{
	const char *what = lever_names[st->lv];
	if (st->lv == L_PARAM)
		what = st->param;
	snprintf(
	    buf, size, "%s%s%s%s (%s)", what,
	    st->lv == L_SIGNALS ? (st->silver ? ", silver" : ", gold") : "",
	    st->specialty[0] ? ", " : "", st->specialty, change_names[st->ch]);
	if (st->appl_type >= 0) {
		size_t n = strlen(buf);
		snprintf(buf + n, size - n, ", %s",
		         sp_appl_type_name((sp_appl_type)st->appl_type));
	}
}

static double pct(double x)
{
	return 100 * x;
}

sp_status sp_study_write_table(const sp_study *st, FILE *f)
{
	char lv[160];
	describe(st, lv, sizeof lv);
	fprintf(f, "%s%s%d trials a value, seed %llu; varying %s\n\n",
	        st->title, st->title[0] ? "\n" : "", st->trials,
	        (unsigned long long)st->seed, lv);
	fprintf(f, "%10s %10s %7s", "value", "applicants", "matched");
	for (int t = 0; t < SP_APPL_NTYPES; t++)
		fprintf(f, " %10s", sp_appl_type_name((sp_appl_type)t));
	fprintf(f, " %9s %9s %9s %9s\n", "unmatched", "iv/pos", "positions",
	        "unfilled");
	for (int k = 0; k < st->nvalues; k++) {
		const sp_sim_summary *s = &st->out[k].sum;
		if (!st->out[k].done)
			continue;
		fprintf(f, "%10g %10.0f %6.1f%%", st->values[k], s->applicants,
		        pct(s->matched));
		for (int t = 0; t < SP_APPL_NTYPES; t++)
			fprintf(f, " %9.1f%%", pct(s->match_rate[t]));
		fprintf(f, " %9.0f %9.2f %9.0f %9.1f\n", s->unmatched,
		        s->interviews_per_position, s->positions, s->unfilled);
	}
	if (st->nfam) {
		fprintf(f,
		        "\nMatched in the preferred specialty (share of the "
		        "applicants preferring it), by value:\n%-10s",
		        "specialty");
		for (int k = 0; k < st->nvalues; k++)
			fprintf(f, " %8g", st->values[k]);
		fputc('\n', f);
	}
	for (int i = 0; i < st->nfam; i++) {
		fprintf(f, "%-10s", st->fam[i]);
		for (int k = 0; k < st->nvalues; k++)
			if (st->out[k].done && isfinite(st->out[k].fam[i]))
				fprintf(f, " %7.1f%%", pct(st->out[k].fam[i]));
			else
				fprintf(f, " %8s", "-");
		fputc('\n', f);
	}
	return ferror(f) ? SP_EIO : SP_OK;
}

static void csv_row(FILE *f, double value, const char *measure,
                    const char *group, double v)
{
	fprintf(f, "%.10g,%s,%s,", value, measure, group);
	if (isfinite(v))
		fprintf(f, "%.6g", v);
	fputc('\n', f);
}

sp_status sp_study_write_csv(const sp_study *st, FILE *f)
{
	fprintf(f, "value,measure,group,estimate\n");
	for (int k = 0; k < st->nvalues; k++) {
		const sp_sim_summary *s = &st->out[k].sum;
		double v = st->values[k];
		if (!st->out[k].done)
			continue;
		csv_row(f, v, "applicants", "all", s->applicants);
		csv_row(f, v, "match_rate", "all", s->matched);
		for (int t = 0; t < SP_APPL_NTYPES; t++)
			csv_row(f, v, "match_rate",
			        sp_appl_type_name((sp_appl_type)t),
			        s->match_rate[t]);
		csv_row(f, v, "unmatched", "all", s->unmatched);
		csv_row(f, v, "interviews_per_position", "all",
		        s->interviews_per_position);
		csv_row(f, v, "applications_per_applicant", "all",
		        s->applications_per_applicant);
		csv_row(f, v, "positions", "all", s->positions);
		csv_row(f, v, "unfilled", "all", s->unfilled);
		for (int i = 0; i < st->nfam; i++)
			csv_row(f, v, "matched_preferred", st->fam[i],
			        st->out[k].fam[i]);
	}
	return ferror(f) ? SP_EIO : SP_OK;
}

/* A "nice" tick step for a range: 1, 2 or 5 times a power of ten, about
 * five ticks. */
static double tick_step(double span)
{
	if (!(span > 0))
		return 1;
	double raw = span / 5, p = pow(10, floor(log10(raw)));
	double r = raw / p;
	return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * p;
}

static void svg_text(FILE *f, const char *s)
{
	for (; *s; s++)
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
}

/* Match rate by applicant type against the value: one line per type
 * and one for all, in the Okabe-Ito palette (readable in grey and by
 * colour-blind readers); axes with round ticks; the legend at the
 * right; a caption with the trials and seed. */
sp_status sp_study_write_svg(const sp_study *st, FILE *f)
{
	enum { W = 720, H = 420, L = 64, R = 150, T = 48, B = 64 };
	static const char *const colour[] = {"#000000", "#E69F00", "#56B4E9",
	                                     "#009E73", "#D55E00", "#CC79A7"};
	double x0 = INFINITY, x1 = -INFINITY, y0 = 100, y1 = 0;
	for (int k = 0; k < st->nvalues; k++) {
		if (!st->out[k].done)
			continue;
		x0 = SP_MIN(x0, st->values[k]);
		x1 = SP_MAX(x1, st->values[k]);
		const sp_sim_summary *s = &st->out[k].sum;
		for (int t = -1; t < SP_APPL_NTYPES; t++) {
			double v = pct(t < 0 ? s->matched : s->match_rate[t]);
			y0 = SP_MIN(y0, v);
			y1 = SP_MAX(y1, v);
		}
	}
	if (!(x1 >= x0))
		x0 = 0, x1 = 1;
	if (x1 == x0)
		x0 -= 1, x1 += 1;
	double ys = tick_step(y1 - y0 + 1);
	y0 = SP_MAX(0, floor(y0 / ys) * ys);
	y1 = SP_MIN(100, ceil(y1 / ys) * ys);
	if (y1 <= y0)
		y1 = y0 + ys;
	double pw = W - L - R, ph = H - T - B;
#define PX(x) (L + ((x)-x0) / (x1 - x0) * pw)
#define PY(y) (T + ph - ((y)-y0) / (y1 - y0) * ph)
	char lv[160];
	describe(st, lv, sizeof lv);
	fprintf(f,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	        "height=\"%d\" viewBox=\"0 0 %d %d\" "
	        "font-family=\"Helvetica, Arial, sans-serif\" "
	        "font-size=\"12\">\n"
	        "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
	        "<text x=\"%d\" y=\"24\" font-size=\"15\">",
	        W, H, W, H, L);
	svg_text(f, st->title[0] ? st->title : "Match rate by applicant type");
	fprintf(f, "</text>\n");
	/* Grid and y ticks. */
	for (double y = y0; y <= y1 + 1e-9; y += ys) {
		fprintf(f,
		        "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
		        "stroke=\"#e5e5e5\"/>\n"
		        "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g%%"
		        "</text>\n",
		        L, L + pw, PY(y), PY(y), L - 6, PY(y) + 4, y);
	}
	double xs = tick_step(x1 - x0);
	for (double x = ceil(x0 / xs) * xs; x <= x1 + 1e-9 * xs; x += xs)
		fprintf(f,
		        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
		        "stroke=\"#444\"/>\n"
		        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g"
		        "</text>\n",
		        PX(x), PX(x), T + ph, T + ph + 5, PX(x), T + ph + 19,
		        fabs(x) < xs * 1e-9 ? 0.0 : x);
	fprintf(f,
	        "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
	        "stroke=\"#444\"/>\n"
	        "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%.1f\" "
	        "stroke=\"#444\"/>\n",
	        L, L + pw, T + ph, T + ph, L, L, T, T + ph);
	fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">",
	        L + pw / 2, H - 22);
	svg_text(f, lv);
	fprintf(f,
	        "</text>\n<text transform=\"translate(16 %.1f) rotate(-90)\" "
	        "text-anchor=\"middle\">matched (%% of applicants)</text>\n",
	        T + ph / 2);
	for (int t = -1; t < SP_APPL_NTYPES; t++) {
		const char *c = colour[t + 1];
		fprintf(f,
		        "<polyline fill=\"none\" stroke=\"%s\" "
		        "stroke-width=\"%s\" points=\"",
		        c, t < 0 ? "2.5" : "1.5");
		for (int k = 0; k < st->nvalues; k++) {
			const sp_sim_summary *s = &st->out[k].sum;
			if (st->out[k].done)
				fprintf(f, "%s%.1f,%.1f", k ? " " : "",
				        PX(st->values[k]),
				        PY(pct(t < 0 ? s->matched
				                     : s->match_rate[t])));
		}
		fprintf(f, "\"/>\n");
		for (int k = 0; k < st->nvalues; k++) {
			const sp_sim_summary *s = &st->out[k].sum;
			if (st->out[k].done)
				fprintf(
				    f,
				    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
				    "fill=\"%s\"/>\n",
				    PX(st->values[k]),
				    PY(pct(t < 0 ? s->matched
				                 : s->match_rate[t])),
				    c);
		}
		double ly = T + 10 + (t + 1) * 20;
		fprintf(f,
		        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
		        "stroke=\"%s\" stroke-width=\"2\"/>\n"
		        "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
		        L + pw + 16, L + pw + 40, ly, ly, c, L + pw + 46,
		        ly + 4,
		        t < 0 ? "all" : sp_appl_type_name((sp_appl_type)t));
	}
	fprintf(f,
	        "<text x=\"%d\" y=\"%d\" fill=\"#666\" font-size=\"10\">"
	        "smartpick study: %d simulated seasons a value, seed %llu; "
	        "common random numbers across values</text>\n</svg>\n",
	        L, H - 6, st->trials, (unsigned long long)st->seed);
#undef PX
#undef PY
	return ferror(f) ? SP_EIO : SP_OK;
}

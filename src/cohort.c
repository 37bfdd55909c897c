/*
 * cohort.c — advisors' cohorts: a CSV file with one student per row
 * (columns in docs/profile.md) read into profile JSON texts.
 */
#include "advise.h"
#include "csv.h"
#include "json.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COHORT_MAX 10000

struct sp_cohort {
	size_t n;
	char **id, **json, **where;
	size_t *len;
};

void sp_cohort_free(sp_cohort *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		sp_free(c->id[i]);
		sp_free(c->json[i]);
		sp_free(c->where[i]);
	}
	sp_free(c->id);
	sp_free(c->json);
	sp_free(c->where);
	sp_free(c->len);
	sp_free(c);
}

size_t sp_cohort_size(const sp_cohort *c)
{
	return c->n;
}

const char *sp_cohort_id(const sp_cohort *c, size_t i)
{
	return c->id[i];
}

const char *sp_cohort_profile(const sp_cohort *c, size_t i, size_t *len)
{
	*len = c->len[i];
	return c->json[i];
}

const char *sp_cohort_where(const sp_cohort *c, size_t i)
{
	return c->where[i];
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = sp_malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* Column kinds: a JSON string, a number, a boolean, a ';' list of
 * strings, a member of "signals". */
enum { K_STR, K_NUM, K_BOOL, K_LIST, K_SIG };

static const struct {
	const char *col, *key;
	int kind;
} cohort_cols[] = {
    {"id", "id", K_STR},
    {"applicant_type", "applicant_type", K_STR},
    {"specialty", "specialty", K_STR},
    {"step2", "step2", K_NUM},
    {"comlex2", "comlex2", K_NUM},
    {"research", "research", K_NUM},
    {"home_state", "home_state", K_STR},
    {"needs_visa", "needs_visa", K_BOOL},
    {"aoa", "aoa", K_BOOL},
    {"backups", "backups", K_LIST},
    {"states_want", "states_want", K_LIST},
    {"states_avoid", "states_avoid", K_LIST},
    {"regions_want", "regions_want", K_LIST},
    {"settings_want", "settings_want", K_LIST},
    {"settings_avoid", "settings_avoid", K_LIST},
    {"signals_gold", "gold", K_SIG},
    {"signals_silver", "silver", K_SIG},
    {"budget", "budget", K_NUM},
    {"applications", "applications", K_NUM},
    {"target", "target", K_NUM},
    {"backup_weight", "backup_weight", K_NUM},
    {"stop_gain", "stop_gain", K_NUM},
};
#define NCOLS (sizeof cohort_cols / sizeof *cohort_cols)

static bool is_number(const char *s)
{
	char *end;
	if (!*s || isspace((unsigned char)*s))
		return false;
	double v = strtod(s, &end);
	return *end == 0 && isfinite(v);
}

/* Ids become file names: letters, digits, '-', '_', '.', not leading
 * '.', at most 64 bytes. */
static bool safe_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' &&
		    *s != '.')
			return false;
	return true;
}

static sp_status row_json(const sp__csv *t, const int *idx, char **out,
                          size_t *outlen, sp_err *err)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f)
		return sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
		                   "out of memory");
	sp__out o;
	sp__out_init(&o, f);
	sp__out_char(&o, '{');
	bool first = true, sig = false;
	sp_status s = SP_OK;
	for (size_t k = 0; k < NCOLS && !s; k++) {
		const char *v = sp__csv_field(t, idx[k]);
		if (!*v || cohort_cols[k].kind == K_SIG)
			continue;
		if (!first)
			sp__out_char(&o, ',');
		first = false;
		sp__json_write_strz(&o, cohort_cols[k].key);
		sp__out_char(&o, ':');
		switch (cohort_cols[k].kind) {
		case K_STR:
			sp__json_write_strz(&o, v);
			break;
		case K_NUM:
			if (!is_number(v))
				s = sp__csv_err(t, err, SP_EPARSE, idx[k],
				                "expected a number");
			else
				sp__out_str(&o, v);
			break;
		case K_BOOL:
			if (sp__profile_ieq(v, "1") ||
			    sp__profile_ieq(v, "yes") ||
			    sp__profile_ieq(v, "true"))
				sp__out_str(&o, "true");
			else if (sp__profile_ieq(v, "0") ||
			         sp__profile_ieq(v, "no") ||
			         sp__profile_ieq(v, "false"))
				sp__out_str(&o, "false");
			else
				s = sp__csv_err(t, err, SP_EPARSE, idx[k],
				                "expected yes or no");
			break;
		default: { /* K_LIST */
			sp__out_char(&o, '[');
			const char *p = v;
			for (bool firstel = true;; firstel = false) {
				const char *e = strchr(p, ';');
				size_t l = e ? (size_t)(e - p) : strlen(p);
				while (l && isspace((unsigned char)*p))
					p++, l--;
				while (l && isspace((unsigned char)p[l - 1]))
					l--;
				if (!firstel)
					sp__out_char(&o, ',');
				sp__json_write_str(&o, p, l);
				if (!e)
					break;
				p = e + 1;
			}
			sp__out_char(&o, ']');
		}
		}
	}
	for (size_t k = 0; k < NCOLS && !s; k++) {
		const char *v = sp__csv_field(t, idx[k]);
		if (cohort_cols[k].kind != K_SIG || !*v)
			continue;
		if (!is_number(v)) {
			s = sp__csv_err(t, err, SP_EPARSE, idx[k],
			                "expected a number");
			break;
		}
		sp__out_str(&o, sig     ? ","
		                : first ? "\"signals\":{"
		                        : ",\"signals\":{");
		first = false;
		sig = true;
		sp__json_write_strz(&o, cohort_cols[k].key);
		sp__out_char(&o, ':');
		sp__out_str(&o, v);
	}
	if (sig)
		sp__out_char(&o, '}');
	sp__out_char(&o, '}');
	bool ok = sp__out_flush(&o);
	if (fclose(f) || !ok) {
		if (!s)
			s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
			                "out of memory");
	}
	if (!s) {
		*out = sp_malloc(n + 1);
		if (*out) {
			memcpy(*out, buf, n + 1);
			*outlen = n;
		} else {
			s = sp__err_set(err, SP_ENOMEM, NULL, 0, NULL,
			                "out of memory");
		}
	}
	free(buf);
	return s;
}

sp_status sp_cohort_read(const char *buf, size_t len, const char *name,
                         sp_cohort **out, sp_err *err)
{
	sp__err_clear(err);
	*out = NULL;
	const char *cols[NCOLS];
	int idx[NCOLS];
	for (size_t k = 0; k < NCOLS; k++)
		cols[k] = cohort_cols[k].col;
	sp_cohort *c = sp_calloc(1, sizeof *c);
	size_t cap = 0;
	sp__csv t;
	sp__csv_init(&t, buf, len, name);
	sp_status s =
	    c ? sp__csv_header(&t, cols, NCOLS, 3, false, idx, err) : SP_ENOMEM;
	while (!s && !(s = sp__csv_next(&t, err)) && t.nf) {
		const char *id = sp__csv_field(&t, idx[0]);
		if (!safe_id(id)) {
			s = sp__csv_err(
			    &t, err, SP_EPARSE, idx[0],
			    "ids are 1-64 letters, digits, '-', '_' "
			    "or '.' (they name the report files)");
			break;
		}
		for (size_t i = 0; i < c->n; i++)
			if (!strcmp(c->id[i], id)) {
				s = sp__csv_err(&t, err, SP_EDUP, idx[0],
				                "id \"%s\" repeats line %s", id,
				                c->where[i]);
				break;
			}
		if (s)
			break;
		if (c->n == COHORT_MAX) {
			s = sp__csv_err(&t, err, SP_ELIMIT, -1,
			                "more than %d students", COHORT_MAX);
			break;
		}
		if (c->n == cap) {
			size_t nc = cap ? 2 * cap : 16;
			char **a1 = sp_realloc(c->id, nc * sizeof *a1);
			if (a1)
				c->id = a1;
			char **a2 = sp_realloc(c->json, nc * sizeof *a2);
			if (a2)
				c->json = a2;
			char **a3 = sp_realloc(c->where, nc * sizeof *a3);
			if (a3)
				c->where = a3;
			size_t *a4 = sp_realloc(c->len, nc * sizeof *a4);
			if (a4)
				c->len = a4;
			if (!a1 || !a2 || !a3 || !a4) {
				s = SP_ENOMEM;
				break;
			}
			cap = nc;
		}
		char where[300];
		snprintf(where, sizeof where, "%s:%ld", name, t.line);
		size_t i = c->n;
		c->id[i] = dup_str(id);
		c->where[i] = dup_str(where);
		c->json[i] = NULL;
		c->n++;
		if (!c->id[i] || !c->where[i]) {
			s = SP_ENOMEM;
			break;
		}
		s = row_json(&t, idx, &c->json[i], &c->len[i], err);
	}
	sp__csv_free(&t);
	if (!s && c->n == 0)
		s = sp__err_set(err, SP_EPARSE, name, 0, NULL,
		                "no students (one row per student after the "
		                "header)");
	if (s) {
		if (s == SP_ENOMEM && !err->msg[0])
			sp__err_set(err, s, name, 0, NULL, "out of memory");
		sp_cohort_free(c);
		return s;
	}
	*out = c;
	return SP_OK;
}

/*
 * io_json.c — instances and matchings as one JSON document; the format
 * is specified in docs/json-format.md.
 *
 * Reading parses the whole document with json.c, then builds the
 * instance in dependency order: programs, applicants, couples (whose
 * members may be declared in "applicants" without a list, or only in the
 * couple), applicants' lists, supplemental lists, programs' lists,
 * reversions; then it prepares the instance's rank index, as every
 * reader does.  Every name reference, repeat and cap is checked here
 * before the sp_inst_* call, so each refusal names the field and the line
 * of the offending value; the builder's own checks remain as a backstop.
 * Unknown keys are errors, to catch typos.
 *
 * Writing emits the same shape with one entity per line, in id order,
 * and lists every applicant (couple members without a "rol") in
 * "applicants", so that reading the output back recreates the same ids.
 */
#include "io.h"
#include "json.h"
#include "matching.h"

#include <limits.h>
#include <stdlib.h>

/* Checks that n is an object whose keys are among the NULL-terminated
 * list that follows. */
#define CHECK_KEYS(r, n, field, ...) \
	check_keys((r), (n), (field), (const char *const[]){__VA_ARGS__, NULL})

/* The caps handed to the parser: names are short, so strings are too. */
static const sp__json_limits io_limits = {.max_string = 65536};

static const char *const track_names[] = {"categorical", "preliminary",
                                          "advanced", "primary", "reserved"};
#define NTRACKS (sizeof track_names / sizeof *track_names)

/* Per-entity scratch for finding repeats within one list: mark[i] ==
 * stamp when entity i is in the list, line[i] where it appeared. */
typedef struct {
	uint32_t *mark, *line;
	size_t n;
} marks;

typedef struct {
	const sp__json_doc *d;
	sp_inst *in;
	sp_err *err;
	SP_VEC(int32_t) ids;             /* the list being resolved */
	const sp__json **pnode, **anode; /* declaring objects per id */
	size_t ndeclared;                /* entries of anode */
	marks pm, am;
	uint32_t stamp;
} reader;

static sp_status nomem(reader *r)
{
	return sp__json_err(r->err, r->d, NULL, SP_ENOMEM, NULL,
	                    "out of memory");
}

static bool marks_init(marks *m, size_t n)
{
	m->n = n;
	m->mark = sp_calloc(n ? n : 1, sizeof *m->mark);
	m->line = sp_calloc(n ? n : 1, sizeof *m->line);
	return m->mark && m->line;
}

static void marks_free(marks *m)
{
	sp_free(m->mark);
	sp_free(m->line);
}

static uint32_t next_stamp(reader *r)
{
	if (++r->stamp == 0) {
		memset(r->pm.mark, 0, r->pm.n * sizeof *r->pm.mark);
		if (r->am.mark)
			memset(r->am.mark, 0, r->am.n * sizeof *r->am.mark);
		r->stamp = 1;
	}
	return r->stamp;
}

static sp_status check_keys(reader *r, const sp__json *n, const char *field,
                            const char *const *allowed)
{
	size_t k = 0;
	while (allowed[k])
		k++;
	return sp__json_check_object(r->d, n, field, allowed, k, r->err);
}

/* ------------------------------------------------------------------ */
/* Names and references.                                               */

/* A name as quoted in messages ("P1", escaped and shortened; see
 * sp__json_quote).  Use as show(name).s within one call. */
typedef struct {
	char s[SP__JSON_QUOTE_SIZE];
} shown;

static shown show(const char *name)
{
	shown b;
	sp__json_quote(b.s, sizeof b.s, name, strlen(name));
	return b;
}

/* A name for an entity: a non-empty string of at most SP_MAX_NAME bytes
 * without NUL, the rule shared by every format (docs/formats.md). */
static sp_status as_name(reader *r, const sp__json *n, const char *field,
                         const char **name, size_t *len)
{
	sp_status s =
	    sp__json_as_str(r->d, n, field, SP_MAX_NAME, name, len, r->err);
	if (s)
		return s;
	if (*len == 0)
		return sp__json_err(r->err, r->d, n, SP_EPARSE, field,
		                    "a name must not be empty");
	if (strlen(*name) != *len)
		return sp__json_err(r->err, r->d, n, SP_EPARSE, field,
		                    "a name must not contain NUL (\\u0000)");
	return SP_OK;
}

static sp_status get_name(reader *r, const sp__json *obj, const char *key,
                          const char **name, const sp__json **node)
{
	const sp__json *n = sp__json_get(obj, key);
	if (!n)
		return sp__json_err(r->err, r->d, obj, SP_EPARSE, key,
		                    "missing");
	*node = n;
	size_t len;
	return as_name(r, n, key, name, &len);
}

static sp_status ref_program(reader *r, const sp__json *n, const char *field,
                             int32_t *id)
{
	const char *name;
	size_t len;
	sp_status s = as_name(r, n, field, &name, &len);
	if (s)
		return s;
	*id = sp_inst_find_program(r->in, name);
	if (*id == SP_NONE)
		return sp__json_err(r->err, r->d, n, SP_ENOTFOUND, field,
		                    "unknown program %s", show(name).s);
	return SP_OK;
}

static sp_status ref_applicant(reader *r, const sp__json *n, const char *field,
                               int32_t *id)
{
	const char *name;
	size_t len;
	sp_status s = as_name(r, n, field, &name, &len);
	if (s)
		return s;
	*id = sp_inst_find_applicant(r->in, name);
	if (*id == SP_NONE)
		return sp__json_err(r->err, r->d, n, SP_ENOTFOUND, field,
		                    "unknown applicant %s", show(name).s);
	return SP_OK;
}

/* Resolves an array of program (or applicant) names into r->ids,
 * refusing repeats and lists longer than max. */
static sp_status resolve_list(reader *r, const sp__json *arr, const char *field,
                              size_t max, bool programs)
{
	const char *what = programs ? "program" : "applicant";
	size_t n = sp__json_len(arr);
	r->ids.n = 0;
	if (n > max)
		return sp__json_err(r->err, r->d, arr, SP_ELIMIT, field,
		                    "more than %zu entries", max);
	if (!SP_VEC_RESERVE(r->ids, n))
		return nomem(r);
	marks *m = programs ? &r->pm : &r->am;
	uint32_t st = next_stamp(r);
	for (size_t i = 0; i < n; i++) {
		const sp__json *el = sp__json_at(arr, i);
		int32_t id;
		sp_status s = programs ? ref_program(r, el, field, &id)
		                       : ref_applicant(r, el, field, &id);
		if (s)
			return s;
		if (m->mark[id] == st)
			return sp__json_err(r->err, r->d, el, SP_EDUP, field,
			                    "%s %s listed twice (first on "
			                    "line %lu)",
			                    what, show(el->u.str.s).s,
			                    (unsigned long)m->line[id]);
		m->mark[id] = st;
		m->line[id] = el->line;
		r->ids.v[r->ids.n++] = id;
	}
	return SP_OK;
}

/* Reports a refusal from the builder that the checks above did not
 * anticipate. */
static sp_status built(reader *r, const sp__json *at, const char *field,
                       sp_status s)
{
	if (s == SP_ENOMEM)
		return nomem(r);
	return sp__json_err(r->err, r->d, at, s, field, "%s", sp_strerror(s));
}

/* ------------------------------------------------------------------ */
/* Sections.                                                           */

static sp_status read_track(reader *r, const sp__json *obj, sp_track *t)
{
	const char *name = NULL;
	sp_status s = sp__json_get_str(r->d, obj, "track", false, SP_MAX_NAME,
	                               &name, NULL, r->err);
	if (s || !name)
		return s;
	for (size_t k = 0; k < NTRACKS; k++)
		if (strcmp(name, track_names[k]) == 0) {
			*t = (sp_track)k;
			return SP_OK;
		}
	return sp__json_err(r->err, r->d, sp__json_get(obj, "track"), SP_EPARSE,
	                    "track",
	                    "expected categorical, preliminary, advanced, "
	                    "primary or reserved");
}

static sp_status read_program(reader *r, const sp__json *obj)
{
	sp_status s =
	    CHECK_KEYS(r, obj, "programs", "id", "quota", "track", "rol");
	const char *name = NULL;
	const sp__json *id_node = NULL;
	int64_t quota = 0;
	sp_track track = SP_TRACK_CATEGORICAL;
	if (s || (s = get_name(r, obj, "id", &name, &id_node)) ||
	    (s = sp__json_get_int(r->d, obj, "quota", true, 0, SP_MAX_QUOTA,
	                          &quota, r->err)) ||
	    (s = read_track(r, obj, &track)))
		return s;
	const sp__json *rol = NULL;
	if ((s = sp__json_get_array(r->d, obj, "rol", false, &rol, r->err)))
		return s;
	int32_t p = sp_inst_find_program(r->in, name);
	if (p != SP_NONE)
		return sp__json_err(r->err, r->d, id_node, SP_EDUP, "id",
		                    "duplicate program %s (first on line %lu)",
		                    show(name).s,
		                    (unsigned long)r->pnode[p]->line);
	s = sp_inst_add_program(r->in, name, (int)quota, &p);
	if (s == SP_ELIMIT)
		return sp__json_err(r->err, r->d, id_node, s, "id",
		                    "more than %ld programs",
		                    (long)SP_MAX_ENTITIES);
	if (s)
		return built(r, id_node, "id", s);
	sp_inst_set_track(r->in, p, track);
	r->pnode[p] = obj;
	return SP_OK;
}

static sp_status read_programs(reader *r, const sp__json *arr)
{
	size_t n = sp__json_len(arr);
	r->pnode = sp_calloc(n ? n : 1, sizeof *r->pnode);
	if (!r->pnode)
		return nomem(r);
	for (size_t i = 0; i < n; i++) {
		sp_status s = read_program(r, sp__json_at(arr, i));
		if (s)
			return s;
	}
	return marks_init(&r->pm, n) ? SP_OK : nomem(r);
}

/* Declares the applicant `name` of the entry `obj` of "applicants"; `at`
 * is its "id". */
static sp_status declare_applicant(reader *r, const sp__json *at,
                                   const char *name, const sp__json *obj,
                                   int32_t *id)
{
	int32_t a = sp_inst_find_applicant(r->in, name);
	if (a != SP_NONE) {
		/* Couples are read later: the first is in "applicants". */
		return sp__json_err(r->err, r->d, at, SP_EDUP, at->key,
		                    "duplicate applicant %s (first on line "
		                    "%lu)",
		                    show(name).s,
		                    (unsigned long)r->anode[a]->line);
	}
	sp_status s = sp_inst_add_applicant(r->in, name, &a);
	if (s == SP_ELIMIT)
		return sp__json_err(r->err, r->d, at, s, at->key,
		                    "more than %ld applicants",
		                    (long)SP_MAX_ENTITIES);
	if (s)
		return built(r, at, at->key, s);
	assert((size_t)a < r->ndeclared);
	r->anode[a] = obj;
	*id = a;
	return SP_OK;
}

static sp_status read_applicants(reader *r, const sp__json *arr)
{
	for (size_t i = 0; i < sp__json_len(arr); i++) {
		const sp__json *obj = sp__json_at(arr, i), *id_node = NULL;
		const sp__json *rol = NULL;
		const char *name = NULL;
		int32_t a;
		sp_status s = CHECK_KEYS(r, obj, "applicants", "id", "rol");
		if (s || (s = get_name(r, obj, "id", &name, &id_node)) ||
		    (s = sp__json_get_array(r->d, obj, "rol", false, &rol,
		                            r->err)) ||
		    (s = declare_applicant(r, id_node, name, obj, &a)))
			return s;
	}
	return SP_OK;
}

/* One member of a couple: declared in "applicants" without a list, or
 * declared here. */
static sp_status couple_member(reader *r, const sp__json *n, int32_t *id)
{
	const char *name;
	size_t len;
	sp_status s = as_name(r, n, "members", &name, &len);
	if (s)
		return s;
	int32_t a = sp_inst_find_applicant(r->in, name);
	if (a == SP_NONE) {
		s = sp_inst_add_applicant(r->in, name, &a);
		if (s)
			return built(r, n, "members", s);
		assert((size_t)a < r->ndeclared);
		*id = a;
		return SP_OK;
	}
	int32_t c = sp_inst_couple_of(r->in, a);
	if (c != SP_NONE)
		return sp__json_err(r->err, r->d, n, SP_EDUP, "members",
		                    "applicant %s is already in couple "
		                    "%s",
		                    show(name).s,
		                    show(sp_inst_couple_name(r->in, c)).s);
	const sp__json *decl = r->anode[a];
	if (decl && sp__json_get(decl, "rol"))
		return sp__json_err(r->err, r->d, n, SP_EINVAL, "members",
		                    "applicant %s has its own \"rol\" in "
		                    "\"applicants\" (line %lu); couple "
		                    "members rank only as a couple",
		                    show(name).s, (unsigned long)decl->line);
	*id = a;
	return SP_OK;
}

typedef struct {
	uint64_t key;
	size_t idx;
} pair_key;

static int cmp_pair_key(const void *x, const void *y)
{
	const pair_key *a = x, *b = y;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Finds the first pair of a couple's list equal to an earlier one;
 * gives its index and the earlier one's, or returns false. */
static sp_status repeated_pair(reader *r, const int32_t *pairs, size_t n,
                               size_t *dup, size_t *first, bool *found)
{
	*found = false;
	pair_key *k = sp_malloc((n ? n : 1) * sizeof *k);
	if (!k)
		return nomem(r);
	for (size_t i = 0; i < n; i++) {
		k[i].key = (uint64_t)(uint32_t)pairs[2 * i] << 32 |
		           (uint32_t)pairs[2 * i + 1];
		k[i].idx = i;
	}
	qsort(k, n, sizeof *k, cmp_pair_key);
	for (size_t i = 1; i < n; i++)
		if (k[i].key == k[i - 1].key && (!*found || k[i].idx < *dup)) {
			*found = true;
			*dup = k[i].idx;
			*first = k[i - 1].idx;
		}
	sp_free(k);
	return SP_OK;
}

/* A pair's program as quoted in messages, or null. */
static shown pair_name(const reader *r, int32_t p)
{
	if (p != SP_NONE)
		return show(sp_inst_program_name(r->in, p));
	shown b = {"null"};
	return b;
}

/* Resolves a couple's list of [program|null, program|null] pairs into
 * r->ids, two ints per pair. */
static sp_status couple_pairs(reader *r, const sp__json *arr)
{
	size_t n = sp__json_len(arr);
	r->ids.n = 0;
	if (n > SP_MAX_LIST)
		return sp__json_err(r->err, r->d, arr, SP_ELIMIT, "rol",
		                    "more than %d pairs", SP_MAX_LIST);
	if (!SP_VEC_RESERVE(r->ids, 2 * n))
		return nomem(r);
	for (size_t i = 0; i < n; i++) {
		const sp__json *pair = sp__json_at(arr, i);
		if (pair->type != SP__JSON_ARRAY || sp__json_len(pair) != 2)
			return sp__json_err(r->err, r->d, pair, SP_EPARSE,
			                    "rol",
			                    "expected a pair [program, "
			                    "program] (null for unmatched)");
		for (size_t j = 0; j < 2; j++) {
			const sp__json *el = sp__json_at(pair, j);
			int32_t p = SP_NONE;
			if (el->type != SP__JSON_NULL) {
				sp_status s = ref_program(r, el, "rol", &p);
				if (s)
					return s;
			}
			r->ids.v[r->ids.n++] = p;
		}
		if (r->ids.v[2 * i] == SP_NONE &&
		    r->ids.v[2 * i + 1] == SP_NONE)
			return sp__json_err(r->err, r->d, pair, SP_EPARSE,
			                    "rol",
			                    "a pair needs at least one "
			                    "program ([null, null] is not "
			                    "allowed)");
	}
	size_t dup = 0, first = 0;
	bool found;
	sp_status s = repeated_pair(r, r->ids.v, n, &dup, &first, &found);
	if (s || !found)
		return s;
	const int32_t *pair = r->ids.v + 2 * dup;
	return sp__json_err(r->err, r->d, sp__json_at(arr, dup), SP_EDUP, "rol",
	                    "pair [%s, %s] listed twice (first on line "
	                    "%lu)",
	                    pair_name(r, pair[0]).s, pair_name(r, pair[1]).s,
	                    (unsigned long)sp__json_at(arr, first)->line);
}

static sp_status read_couple(reader *r, const sp__json *obj)
{
	const sp__json *id_node = NULL, *members = NULL, *rol = NULL;
	const char *name = NULL;
	int32_t a = SP_NONE, b = SP_NONE, c;
	sp_status s = CHECK_KEYS(r, obj, "couples", "id", "members", "rol");
	if (s || (s = get_name(r, obj, "id", &name, &id_node)) ||
	    (s = sp__json_get_array(r->d, obj, "members", true, &members,
	                            r->err)) ||
	    (s = sp__json_get_array(r->d, obj, "rol", false, &rol, r->err)))
		return s;
	if (sp__json_len(members) != 2)
		return sp__json_err(r->err, r->d, members, SP_EPARSE, "members",
		                    "expected two applicants, not %zu",
		                    sp__json_len(members));
	const sp__json *m0 = sp__json_at(members, 0);
	const sp__json *m1 = sp__json_at(members, 1);
	if (m0->type == SP__JSON_STRING && m1->type == SP__JSON_STRING &&
	    strcmp(m0->u.str.s, m1->u.str.s) == 0)
		return sp__json_err(r->err, r->d, m1, SP_EINVAL, "members",
		                    "a couple needs two different "
		                    "applicants");
	if ((s = couple_member(r, m0, &a)) || (s = couple_member(r, m1, &b)) ||
	    (s = couple_pairs(r, rol)))
		return s;
	/* Members and pairs are checked, so SP_EDUP can only be the name. */
	s = sp_inst_add_couple(r->in, name, a, b, r->ids.v, r->ids.n / 2, &c);
	if (s == SP_EDUP)
		return sp__json_err(r->err, r->d, id_node, SP_EDUP, "id",
		                    "duplicate couple %s", show(name).s);
	return s ? built(r, id_node, "id", s) : SP_OK;
}

static sp_status read_couples(reader *r, const sp__json *arr)
{
	for (size_t i = 0; i < sp__json_len(arr); i++) {
		sp_status s = read_couple(r, sp__json_at(arr, i));
		if (s)
			return s;
	}
	return SP_OK;
}

static sp_status read_applicant_rols(reader *r)
{
	for (int32_t a = 0; a < sp_inst_napplicants(r->in); a++) {
		const sp__json *rol = sp__json_get(r->anode[a], "rol");
		if (!rol)
			continue;
		sp_status s = resolve_list(r, rol, "rol", SP_MAX_LIST, true);
		if (s)
			return s;
		if ((s = sp_inst_set_rol(r->in, a, r->ids.v, r->ids.n)))
			return built(r, rol, "rol", s);
	}
	return SP_OK;
}

static sp_status read_supplemental(reader *r, const sp__json *obj)
{
	const sp__json *app = NULL, *adv = NULL, *rol = NULL;
	int32_t a;
	sp_status s =
	    CHECK_KEYS(r, obj, "supplemental", "applicant", "advanced", "rol");
	if (s ||
	    (s = sp__json_get_array(r->d, obj, "advanced", true, &adv,
	                            r->err)) ||
	    (s = sp__json_get_array(r->d, obj, "rol", true, &rol, r->err)))
		return s;
	app = sp__json_get(obj, "applicant");
	if (!app)
		return sp__json_err(r->err, r->d, obj, SP_EPARSE, "applicant",
		                    "missing");
	if ((s = ref_applicant(r, app, "applicant", &a)))
		return s;
	int32_t c = sp_inst_couple_of(r->in, a);
	if (c != SP_NONE)
		return sp__json_err(r->err, r->d, app, SP_EINVAL, "applicant",
		                    "%s is in couple %s; supplemental "
		                    "lists are for single applicants",
		                    show(app->u.str.s).s,
		                    show(sp_inst_couple_name(r->in, c)).s);
	const sp__json *lists[2] = {adv, rol};
	const char *fields[2] = {"advanced", "rol"};
	for (int k = 0; k < 2; k++)
		if (sp__json_len(lists[k]) == 0)
			return sp__json_err(r->err, r->d, lists[k], SP_EINVAL,
			                    fields[k],
			                    "must list at least one program");
	if ((s = resolve_list(r, adv, "advanced", SP_MAX_LIST, true)))
		return s;
	size_t nadv = r->ids.n;
	for (size_t i = 0; i < nadv; i++)
		if (sp__inst_supp_for(r->in, a, r->ids.v[i]) != SP_NONE) {
			const sp__json *el = sp__json_at(adv, i);
			return sp__json_err(
			    r->err, r->d, el, SP_EDUP, "advanced",
			    "program %s is already linked "
			    "to another supplemental list of "
			    "%s",
			    show(el->u.str.s).s, show(app->u.str.s).s);
		}
	int32_t *advanced = sp_malloc((nadv ? nadv : 1) * sizeof *advanced);
	if (!advanced)
		return nomem(r);
	memcpy(advanced, r->ids.v, nadv * sizeof *advanced);
	s = resolve_list(r, rol, "rol", SP_MAX_LIST, true);
	if (!s) {
		s = sp_inst_add_supplemental(r->in, a, advanced, nadv, r->ids.v,
		                             r->ids.n);
		if (s)
			s = built(r, obj, NULL, s);
	}
	sp_free(advanced);
	return s;
}

static sp_status read_supplementals(reader *r, const sp__json *arr)
{
	for (size_t i = 0; i < sp__json_len(arr); i++) {
		sp_status s = read_supplemental(r, sp__json_at(arr, i));
		if (s)
			return s;
	}
	return SP_OK;
}

static sp_status read_program_rols(reader *r)
{
	int32_t na = sp_inst_napplicants(r->in);
	if (!marks_init(&r->am, (size_t)na))
		return nomem(r);
	for (int32_t p = 0; p < sp_inst_nprograms(r->in); p++) {
		const sp__json *rol = sp__json_get(r->pnode[p], "rol");
		if (!rol)
			continue;
		sp_status s =
		    resolve_list(r, rol, "rol", SP_MAX_PROGRAM_LIST, false);
		if (s)
			return s;
		if ((s = sp_inst_set_program_rol(r->in, p, r->ids.v, r->ids.n)))
			return built(r, rol, "rol", s);
	}
	return SP_OK;
}

static sp_status read_reversion(reader *r, const sp__json *obj)
{
	const sp__json *dn, *rn;
	int32_t donor, receiver;
	int64_t count = 0;
	sp_status s =
	    CHECK_KEYS(r, obj, "reversions", "donor", "receiver", "count");
	if (s)
		return s;
	if (!(dn = sp__json_get(obj, "donor")))
		return sp__json_err(r->err, r->d, obj, SP_EPARSE, "donor",
		                    "missing");
	if (!(rn = sp__json_get(obj, "receiver")))
		return sp__json_err(r->err, r->d, obj, SP_EPARSE, "receiver",
		                    "missing");
	if ((s = ref_program(r, dn, "donor", &donor)) ||
	    (s = ref_program(r, rn, "receiver", &receiver)))
		return s;
	if (donor == receiver)
		return sp__json_err(r->err, r->d, rn, SP_EINVAL, "receiver",
		                    "a program cannot revert positions to "
		                    "itself");
	int quota = sp_inst_quota(r->in, donor);
	if (quota == 0)
		return sp__json_err(r->err, r->d, dn, SP_EINVAL, "donor",
		                    "program %s has no positions to "
		                    "revert",
		                    show(dn->u.str.s).s);
	if ((s = sp__json_get_int(r->d, obj, "count", true, 1, quota, &count,
	                          r->err)))
		return s;
	s = sp_inst_add_reversion(r->in, donor, receiver, (int)count);
	return s ? built(r, obj, NULL, s) : SP_OK;
}

static sp_status read_reversions(reader *r, const sp__json *arr)
{
	for (size_t i = 0; i < sp__json_len(arr); i++) {
		sp_status s = read_reversion(r, sp__json_at(arr, i));
		if (s)
			return s;
	}
	return SP_OK;
}

static sp_status read_instance(reader *r)
{
	const sp__json *root = r->d->root;
	const sp__json *progs = NULL, *apps = NULL, *couples = NULL;
	const sp__json *supps = NULL, *revs = NULL;
	sp_status s = CHECK_KEYS(r, root, NULL, "programs", "applicants",
	                         "couples", "supplemental", "reversions");
	if (s ||
	    (s = sp__json_get_array(r->d, root, "programs", false, &progs,
	                            r->err)) ||
	    (s = sp__json_get_array(r->d, root, "applicants", false, &apps,
	                            r->err)) ||
	    (s = sp__json_get_array(r->d, root, "couples", false, &couples,
	                            r->err)) ||
	    (s = sp__json_get_array(r->d, root, "supplemental", false, &supps,
	                            r->err)) ||
	    (s = sp__json_get_array(r->d, root, "reversions", false, &revs,
	                            r->err)))
		return s;
	r->ndeclared = sp__json_len(apps) + 2 * sp__json_len(couples);
	r->anode = sp_calloc(r->ndeclared ? r->ndeclared : 1, sizeof *r->anode);
	if (!r->anode || sp_inst_new(&r->in))
		return nomem(r);
	if ((s = read_programs(r, progs)) || (s = read_applicants(r, apps)) ||
	    (s = read_couples(r, couples)) || (s = read_applicant_rols(r)) ||
	    (s = read_supplementals(r, supps)) || (s = read_program_rols(r)) ||
	    (s = read_reversions(r, revs)))
		return s;
	return SP_OK;
}

sp_status sp__io_json_read(const char *buf, size_t len, const char *name,
                           sp_inst **out, sp_err *err)
{
	*out = NULL;
	reader r = {.err = err};
	sp__json_doc *d;
	sp_status s = sp__json_parse(buf, len, name, &io_limits, &d, err);
	if (s)
		return s;
	r.d = d;
	s = read_instance(&r);
	sp_free(r.pnode);
	sp_free(r.anode);
	marks_free(&r.pm);
	marks_free(&r.am);
	SP_VEC_FREE(r.ids);
	sp__json_free(d);
	if (s) {
		sp_inst_free(r.in);
		return s;
	}
	*out = r.in;
	return SP_OK;
}

/* ------------------------------------------------------------------ */
/* Reading matchings.                                                  */

typedef struct {
	reader r;
	sp_matching *m;
	uint32_t *seen; /* per applicant: line where listed, 0 if not */
} mreader;

/* Marks applicant a as listed at n; refuses a second listing. */
static sp_status listed(mreader *mr, const sp__json *n, const char *field,
                        int32_t a)
{
	if (mr->seen[a])
		return sp__json_err(mr->r.err, mr->r.d, n, SP_EDUP, field,
		                    "applicant %s listed twice (first on "
		                    "line %lu)",
		                    show(sp_inst_applicant_name(mr->r.in, a)).s,
		                    (unsigned long)mr->seen[a]);
	mr->seen[a] = n->line ? n->line : 1;
	return SP_OK;
}

/* A program name or null (SP_NONE); absent leaves *p unchanged. */
static sp_status program_or_null(reader *r, const sp__json *obj,
                                 const char *key, int32_t *p)
{
	const sp__json *n = sp__json_get(obj, key);
	if (!n || n->type == SP__JSON_NULL)
		return SP_OK;
	return ref_program(r, n, key, p);
}

static sp_status read_pairing(mreader *mr, const sp__json *obj)
{
	reader *r = &mr->r;
	int32_t a, p = SP_NONE, q = SP_NONE;
	sp_status s = CHECK_KEYS(r, obj, "matching", "applicant", "program",
	                         "supplemental");
	if (s)
		return s;
	const sp__json *an = sp__json_get(obj, "applicant");
	if (!an)
		return sp__json_err(r->err, r->d, obj, SP_EPARSE, "applicant",
		                    "missing");
	if (!sp__json_get(obj, "program"))
		return sp__json_err(r->err, r->d, obj, SP_EPARSE, "program",
		                    "missing");
	if ((s = ref_applicant(r, an, "applicant", &a)) ||
	    (s = listed(mr, an, "applicant", a)) ||
	    (s = program_or_null(r, obj, "program", &p)) ||
	    (s = program_or_null(r, obj, "supplemental", &q)))
		return s;
	sp_matching_set(mr->m, a, p);
	sp_matching_set_supplemental(mr->m, a, q);
	return SP_OK;
}

static sp_status read_capacity(mreader *mr, const sp__json *obj)
{
	reader *r = &mr->r;
	for (size_t i = 0; i < sp__json_len(obj); i++) {
		const sp__json *n = sp__json_at(obj, i);
		int32_t p = SP_NONE;
		if (n->keylen <= SP_MAX_NAME && strlen(n->key) == n->keylen)
			p = sp_inst_find_program(r->in, n->key);
		if (p == SP_NONE) {
			char k[SP__JSON_QUOTE_SIZE];
			return sp__json_err(
			    r->err, r->d, n, SP_ENOTFOUND, "capacity",
			    "unknown program %s",
			    sp__json_quote(k, sizeof k, n->key, n->keylen));
		}
		int64_t cap;
		sp_status s = sp__json_as_int(r->d, n, "capacity", 0, INT_MAX,
		                              &cap, r->err);
		if (s)
			return s;
		sp_matching_set_capacity(mr->m, p, (int)cap);
	}
	return SP_OK;
}

static sp_status read_matching(mreader *mr)
{
	reader *r = &mr->r;
	const sp__json *root = r->d->root;
	const sp__json *pairs = NULL, *unmatched = NULL, *caps = NULL;
	bool stable = true;
	sp_status s = CHECK_KEYS(r, root, NULL, "stable", "matching",
	                         "unmatched", "capacity");
	if (s ||
	    (s = sp__json_get_bool(r->d, root, "stable", false, &stable,
	                           r->err)) ||
	    (s = sp__json_get_array(r->d, root, "matching", true, &pairs,
	                            r->err)) ||
	    (s = sp__json_get_array(r->d, root, "unmatched", false, &unmatched,
	                            r->err)) ||
	    (s = sp__json_get_object(r->d, root, "capacity", false, &caps,
	                             r->err)))
		return s;
	mr->m->stable = stable;
	for (size_t i = 0; i < sp__json_len(pairs); i++)
		if ((s = read_pairing(mr, sp__json_at(pairs, i))))
			return s;
	for (size_t i = 0; i < sp__json_len(unmatched); i++) {
		const sp__json *n = sp__json_at(unmatched, i);
		int32_t a;
		if ((s = ref_applicant(r, n, "unmatched", &a)) ||
		    (s = listed(mr, n, "unmatched", a)))
			return s;
	}
	return read_capacity(mr, caps);
}

sp_status sp__io_json_matching_read(const sp_inst *in, const char *buf,
                                    size_t len, const char *name,
                                    sp_matching **out, sp_err *err)
{
	*out = NULL;
	sp__json_doc *d;
	sp_status s = sp__json_parse(buf, len, name, &io_limits, &d, err);
	if (s)
		return s;
	/* The reader only looks names up; it never changes the instance. */
	mreader mr = {.r = {.d = d, .in = (sp_inst *)in, .err = err}};
	reader *r = &mr.r;
	int32_t na = sp_inst_napplicants(in);
	mr.seen = sp_calloc(na ? (size_t)na : 1, sizeof *mr.seen);
	if (!mr.seen || sp_matching_new(in, &mr.m))
		s = nomem(r);
	else
		s = read_matching(&mr);
	sp_free(mr.seen);
	sp__json_free(d);
	if (s) {
		sp_matching_free(mr.m);
		return s;
	}
	*out = mr.m;
	return SP_OK;
}

/* ------------------------------------------------------------------ */
/* Writing.                                                            */

static void write_list(sp__out *o, const sp_inst *in, const int32_t *ids,
                       size_t n, bool programs)
{
	sp__out_char(o, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sp__out_char(o, ',');
		if (ids[i] == SP_NONE)
			sp__out_mem(o, "null", 4);
		else
			sp__json_write_strz(
			    o, programs ? sp_inst_program_name(in, ids[i])
			                : sp_inst_applicant_name(in, ids[i]));
	}
	sp__out_char(o, ']');
}

/* Starts the i-th entry of a section. */
static void entry(sp__out *o, size_t i)
{
	sp__out_str(o, i ? ",\n    " : "\n    ");
}

/* Opens section `key` ("programs") holding n entries. */
static void section(sp__out *o, const char *key, bool first)
{
	sp__out_str(o, first ? "{\n  \"" : ",\n  \"");
	sp__out_str(o, key);
	sp__out_str(o, "\": [");
}

static void end_section(sp__out *o, size_t n)
{
	sp__out_str(o, n ? "\n  ]" : "]");
}

static void write_programs(sp__out *o, const sp_inst *in)
{
	int32_t np = sp_inst_nprograms(in);
	section(o, "programs", true);
	for (int32_t p = 0; p < np; p++) {
		entry(o, (size_t)p);
		sp__out_str(o, "{\"id\":");
		sp__json_write_strz(o, sp_inst_program_name(in, p));
		sp__out_str(o, ",\"quota\":");
		sp__out_int(o, sp_inst_quota(in, p));
		sp_track t = sp_inst_track(in, p);
		if (t != SP_TRACK_CATEGORICAL && (size_t)t < NTRACKS) {
			sp__out_str(o, ",\"track\":");
			sp__json_write_strz(o, track_names[t]);
		}
		size_t n;
		const int32_t *rol = sp_inst_program_rol(in, p, &n);
		if (n) {
			sp__out_str(o, ",\"rol\":");
			write_list(o, in, rol, n, false);
		}
		sp__out_char(o, '}');
	}
	end_section(o, (size_t)np);
}

static void write_applicants(sp__out *o, const sp_inst *in)
{
	int32_t na = sp_inst_napplicants(in);
	section(o, "applicants", false);
	for (int32_t a = 0; a < na; a++) {
		entry(o, (size_t)a);
		sp__out_str(o, "{\"id\":");
		sp__json_write_strz(o, sp_inst_applicant_name(in, a));
		size_t n;
		const int32_t *rol = sp_inst_rol(in, a, &n);
		if (n && sp_inst_couple_of(in, a) == SP_NONE) {
			sp__out_str(o, ",\"rol\":");
			write_list(o, in, rol, n, true);
		}
		sp__out_char(o, '}');
	}
	end_section(o, (size_t)na);
}

static void write_couples(sp__out *o, const sp_inst *in)
{
	int32_t nc = sp_inst_ncouples(in);
	section(o, "couples", false);
	for (int32_t c = 0; c < nc; c++) {
		int32_t a, b;
		size_t n;
		sp_inst_couple_members(in, c, &a, &b);
		const int32_t *pairs = sp_inst_couple_rol(in, c, &n);
		int32_t ab[2] = {a, b};
		entry(o, (size_t)c);
		sp__out_str(o, "{\"id\":");
		sp__json_write_strz(o, sp_inst_couple_name(in, c));
		sp__out_str(o, ",\"members\":");
		write_list(o, in, ab, 2, false);
		sp__out_str(o, ",\"rol\":[");
		for (size_t k = 0; k < n; k++) {
			if (k)
				sp__out_char(o, ',');
			write_list(o, in, pairs + 2 * k, 2, true);
		}
		sp__out_str(o, "]}");
	}
	end_section(o, (size_t)nc);
}

static void write_supplementals(sp__out *o, const sp_inst *in)
{
	size_t ns = sp_inst_nsupplementals(in);
	section(o, "supplemental", false);
	for (size_t k = 0; k < ns; k++) {
		int32_t a;
		const int32_t *adv, *pre;
		size_t nadv, npre;
		sp_inst_supplemental(in, k, &a, &adv, &nadv, &pre, &npre);
		entry(o, k);
		sp__out_str(o, "{\"applicant\":");
		sp__json_write_strz(o, sp_inst_applicant_name(in, a));
		sp__out_str(o, ",\"advanced\":");
		write_list(o, in, adv, nadv, true);
		sp__out_str(o, ",\"rol\":");
		write_list(o, in, pre, npre, true);
		sp__out_char(o, '}');
	}
	end_section(o, ns);
}

static void write_reversions(sp__out *o, const sp_inst *in)
{
	size_t nr = sp_inst_nreversions(in);
	section(o, "reversions", false);
	for (size_t k = 0; k < nr; k++) {
		int32_t donor, receiver;
		int count;
		sp_inst_reversion(in, k, &donor, &receiver, &count);
		entry(o, k);
		sp__out_str(o, "{\"donor\":");
		sp__json_write_strz(o, sp_inst_program_name(in, donor));
		sp__out_str(o, ",\"receiver\":");
		sp__json_write_strz(o, sp_inst_program_name(in, receiver));
		sp__out_str(o, ",\"count\":");
		sp__out_int(o, count);
		sp__out_char(o, '}');
	}
	end_section(o, nr);
}

sp_status sp__io_json_write(const sp_inst *in, FILE *f)
{
	sp__out *o = sp_malloc(sizeof *o);
	if (!o)
		return SP_ENOMEM;
	sp__out_init(o, f);
	write_programs(o, in);
	write_applicants(o, in);
	write_couples(o, in);
	write_supplementals(o, in);
	write_reversions(o, in);
	sp__out_str(o, "\n}\n");
	bool ok = sp__out_flush(o);
	sp_free(o);
	return ok ? SP_OK : SP_EIO;
}

sp_status sp__io_json_matching_write(const sp_inst *in, const sp_matching *m,
                                     FILE *f)
{
	sp__out *o = sp_malloc(sizeof *o);
	if (!o)
		return SP_ENOMEM;
	sp__out_init(o, f);
	int32_t na = sp_inst_napplicants(in), np = sp_inst_nprograms(in);
	sp__out_str(o, "{\n  \"stable\": ");
	sp__out_str(o, sp_matching_stable(m) ? "true" : "false");
	sp__out_str(o, ",\n  \"matching\": [");
	size_t k = 0;
	for (int32_t a = 0; a < na; a++) {
		int32_t p = sp_matching_program(m, a);
		int32_t q = sp_matching_supplemental(m, a);
		if (p == SP_NONE && q == SP_NONE)
			continue;
		entry(o, k++);
		sp__out_str(o, "{\"applicant\":");
		sp__json_write_strz(o, sp_inst_applicant_name(in, a));
		sp__out_str(o, ",\"program\":");
		if (p == SP_NONE)
			sp__out_str(o, "null");
		else
			sp__json_write_strz(o, sp_inst_program_name(in, p));
		if (q != SP_NONE) {
			sp__out_str(o, ",\"supplemental\":");
			sp__json_write_strz(o, sp_inst_program_name(in, q));
		}
		sp__out_char(o, '}');
	}
	end_section(o, k);
	sp__out_str(o, ",\n  \"unmatched\": [");
	k = 0;
	for (int32_t a = 0; a < na; a++) {
		if (sp_matching_program(m, a) != SP_NONE ||
		    sp_matching_supplemental(m, a) != SP_NONE)
			continue;
		if (k++)
			sp__out_char(o, ',');
		sp__json_write_strz(o, sp_inst_applicant_name(in, a));
	}
	sp__out_str(o, "],\n  \"capacity\": {");
	k = 0;
	for (int32_t p = 0; p < np; p++) {
		int cap = sp_matching_capacity(m, p);
		if (cap == sp_inst_quota(in, p))
			continue;
		if (k++)
			sp__out_char(o, ',');
		sp__json_write_strz(o, sp_inst_program_name(in, p));
		sp__out_char(o, ':');
		sp__out_int(o, cap);
	}
	sp__out_str(o, "}\n}\n");
	bool ok = sp__out_flush(o);
	sp_free(o);
	return ok ? SP_OK : SP_EIO;
}

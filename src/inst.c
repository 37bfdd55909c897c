/*
 * inst.c — the instance: programs, applicants, couples, their rank order
 * lists, supplemental lists and reversions, with validation on entry.
 *
 * Lists live in pools (one growable int32 array per kind) addressed by
 * (offset, length), so they may be set in any order and readers get
 * borrowed, contiguous views.  Names are interned in an arena and found
 * through hash maps.  Every setter validates what it is given (range,
 * duplicates, caps) so a reader can attach the line number to the error.
 */
#include "index.h"

#include <stdlib.h>

typedef SP_VEC(int32_t) ivec;

struct sp_inst {
	sp__arena names;
	sp__strmap pmap, amap, cmap;
	SP_VEC(const char *) pname;
	SP_VEC(const char *) aname;
	SP_VEC(const char *) cname;
	ivec quota, p_off, p_len; /* program lists: p_len -1 = unset */
	SP_VEC(uint8_t) track;
	ivec a_off, a_len, a_couple, a_supp; /* a_supp: first list or NONE */
	ivec c_a, c_b, c_off, c_len;         /* couple lists, 2 ints/pair */
	ivec s_app, s_adv_off, s_nadv, s_pre_off, s_npre, s_next;
	ivec r_donor, r_receiver, r_count;
	ivec rolpool, pairpool, prolpool, supppool;
	SP_VEC(uint32_t) pmark; /* scratch stamps for duplicate checks */
	SP_VEC(uint32_t) amark;
	uint32_t stamp;
	uint64_t version;
	sp__index *index; /* from sp_inst_prepare; current if versions agree */
	uint64_t index_version;
};

sp_status sp_inst_new(sp_inst **out)
{
	sp_inst *in = sp_calloc(1, sizeof *in);
	*out = in;
	if (!in)
		return SP_ENOMEM;
	sp__arena_init(&in->names);
	sp__strmap_init(&in->pmap);
	sp__strmap_init(&in->amap);
	sp__strmap_init(&in->cmap);
	return SP_OK;
}

void sp_inst_free(sp_inst *in)
{
	if (!in)
		return;
	sp__arena_free(&in->names);
	sp__strmap_free(&in->pmap);
	sp__strmap_free(&in->amap);
	sp__strmap_free(&in->cmap);
	SP_VEC_FREE(in->pname);
	SP_VEC_FREE(in->aname);
	SP_VEC_FREE(in->cname);
	ivec *vecs[] = {
	    &in->quota,     &in->p_off,    &in->p_len,      &in->a_off,
	    &in->a_len,     &in->a_couple, &in->a_supp,     &in->c_a,
	    &in->c_b,       &in->c_off,    &in->c_len,      &in->s_app,
	    &in->s_adv_off, &in->s_nadv,   &in->s_pre_off,  &in->s_npre,
	    &in->s_next,    &in->r_donor,  &in->r_receiver, &in->r_count,
	    &in->rolpool,   &in->pairpool, &in->prolpool,   &in->supppool};
	for (size_t i = 0; i < sizeof vecs / sizeof *vecs; i++)
		SP_VEC_FREE(*vecs[i]);
	SP_VEC_FREE(in->track);
	SP_VEC_FREE(in->pmark);
	SP_VEC_FREE(in->amark);
	sp__index_free(in->index);
	sp_free(in);
}

sp_status sp_inst_prepare(sp_inst *in)
{
	if (in->index && in->index_version == in->version)
		return SP_OK;
	sp__index_free(in->index);
	in->index = NULL;
	sp_status s = sp__index_build(in, &in->index);
	in->index_version = in->version;
	return s;
}

const sp__index *sp__inst_index(const sp_inst *in)
{
	return in->index && in->index_version == in->version ? in->index : NULL;
}

uint64_t sp__inst_version(const sp_inst *in)
{
	return in->version;
}

static bool valid_name(const char *name)
{
	size_t n = strlen(name);
	return n > 0 && n <= SP_MAX_NAME;
}

/* Interns name into the arena and map; false on OOM. */
static const char *intern(sp_inst *in, sp__strmap *map, const char *name,
                          int32_t id)
{
	const char *s = sp__arena_strdup(&in->names, name, strlen(name));
	if (!s || !sp__strmap_put(map, s, id))
		return NULL;
	return s;
}

sp_status sp_inst_add_program(sp_inst *in, const char *name, int quota,
                              int32_t *id)
{
	if (!valid_name(name) || quota < 0 || quota > SP_MAX_QUOTA)
		return SP_EINVAL;
	if (sp__strmap_get(&in->pmap, name) != SP_NONE)
		return SP_EDUP;
	if (in->pname.n >= SP_MAX_ENTITIES)
		return SP_ELIMIT;
	int32_t p = (int32_t)in->pname.n;
	if (!SP_VEC_RESERVE(in->pname, 1) || !SP_VEC_RESERVE(in->quota, 1) ||
	    !SP_VEC_RESERVE(in->p_off, 1) || !SP_VEC_RESERVE(in->p_len, 1) ||
	    !SP_VEC_RESERVE(in->track, 1) || !SP_VEC_RESERVE(in->pmark, 1))
		return SP_ENOMEM;
	const char *s = intern(in, &in->pmap, name, p);
	if (!s)
		return SP_ENOMEM;
	SP_VEC_PUSH(in->pname, s);
	SP_VEC_PUSH(in->quota, quota);
	SP_VEC_PUSH(in->p_off, 0);
	SP_VEC_PUSH(in->p_len, -1);
	SP_VEC_PUSH(in->track, SP_TRACK_CATEGORICAL);
	SP_VEC_PUSH(in->pmark, 0);
	in->version++;
	if (id)
		*id = p;
	return SP_OK;
}

sp_status sp_inst_add_applicant(sp_inst *in, const char *name, int32_t *id)
{
	if (!valid_name(name))
		return SP_EINVAL;
	if (sp__strmap_get(&in->amap, name) != SP_NONE)
		return SP_EDUP;
	if (in->aname.n >= SP_MAX_ENTITIES)
		return SP_ELIMIT;
	int32_t a = (int32_t)in->aname.n;
	if (!SP_VEC_RESERVE(in->aname, 1) || !SP_VEC_RESERVE(in->a_off, 1) ||
	    !SP_VEC_RESERVE(in->a_len, 1) || !SP_VEC_RESERVE(in->a_couple, 1) ||
	    !SP_VEC_RESERVE(in->a_supp, 1) || !SP_VEC_RESERVE(in->amark, 1))
		return SP_ENOMEM;
	const char *s = intern(in, &in->amap, name, a);
	if (!s)
		return SP_ENOMEM;
	SP_VEC_PUSH(in->aname, s);
	SP_VEC_PUSH(in->a_off, 0);
	SP_VEC_PUSH(in->a_len, -1);
	SP_VEC_PUSH(in->a_couple, SP_NONE);
	SP_VEC_PUSH(in->a_supp, SP_NONE);
	SP_VEC_PUSH(in->amark, 0);
	in->version++;
	if (id)
		*id = a;
	return SP_OK;
}

int32_t sp_inst_find_program(const sp_inst *in, const char *name)
{
	return sp__strmap_get(&in->pmap, name);
}

int32_t sp_inst_find_applicant(const sp_inst *in, const char *name)
{
	return sp__strmap_get(&in->amap, name);
}

void sp_inst_set_track(sp_inst *in, int32_t p, sp_track t)
{
	assert(p >= 0 && (size_t)p < in->pname.n);
	in->track.v[p] = (uint8_t)t;
}

/* A fresh stamp for a duplicate check: entries marked with it were seen
 * in the current list. */
static uint32_t next_stamp(sp_inst *in)
{
	if (++in->stamp == 0) {
		memset(in->pmark.v, 0, in->pmark.n * sizeof *in->pmark.v);
		memset(in->amark.v, 0, in->amark.n * sizeof *in->amark.v);
		in->stamp = 1;
	}
	return in->stamp;
}

/* Checks that programs[0..n) are valid, distinct program ids. */
static sp_status check_programs(sp_inst *in, const int32_t *programs, size_t n)
{
	uint32_t st = next_stamp(in);
	for (size_t i = 0; i < n; i++) {
		int32_t p = programs[i];
		if (p < 0 || (size_t)p >= in->pname.n)
			return SP_EINVAL;
		if (in->pmark.v[p] == st)
			return SP_EDUP;
		in->pmark.v[p] = st;
	}
	return SP_OK;
}

static bool valid_applicant(const sp_inst *in, int32_t a)
{
	return a >= 0 && (size_t)a < in->aname.n;
}

/* Appends n ints to pool; gives the offset. */
static sp_status pool_append(ivec *pool, const int32_t *v, size_t n,
                             int32_t *off)
{
	if (pool->n + n > INT32_MAX)
		return SP_ELIMIT;
	if (!SP_VEC_RESERVE(*pool, n))
		return SP_ENOMEM;
	*off = (int32_t)pool->n;
	if (n)
		memcpy(pool->v + pool->n, v, n * sizeof *v);
	pool->n += n;
	return SP_OK;
}

sp_status sp_inst_set_rol(sp_inst *in, int32_t a, const int32_t *programs,
                          size_t n)
{
	if (!valid_applicant(in, a) || in->a_couple.v[a] != SP_NONE)
		return SP_EINVAL;
	if (in->a_len.v[a] >= 0)
		return SP_EDUP;
	if (n > SP_MAX_LIST)
		return SP_ELIMIT;
	sp_status s = check_programs(in, programs, n);
	if (s)
		return s;
	s = pool_append(&in->rolpool, programs, n, &in->a_off.v[a]);
	if (s)
		return s;
	in->a_len.v[a] = (int32_t)n;
	in->version++;
	return SP_OK;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

/* Checks a couple's pairs: valid programs or SP_NONE, no pair twice. */
static sp_status check_pairs(const sp_inst *in, const int32_t *pairs, size_t n)
{
	uint64_t *keys = sp_malloc((n ? n : 1) * sizeof *keys);
	if (!keys)
		return SP_ENOMEM;
	sp_status s = SP_OK;
	for (size_t k = 0; k < n && !s; k++) {
		for (int j = 0; j < 2; j++) {
			int32_t p = pairs[2 * k + j];
			if (p != SP_NONE && (p < 0 || (size_t)p >= in->pname.n))
				s = SP_EINVAL;
		}
		keys[k] = ((uint64_t)(uint32_t)pairs[2 * k] << 32) |
		          (uint32_t)pairs[2 * k + 1];
	}
	if (!s) {
		qsort(keys, n, sizeof *keys, cmp_u64);
		for (size_t k = 1; k < n && !s; k++)
			if (keys[k] == keys[k - 1])
				s = SP_EDUP;
	}
	sp_free(keys);
	return s;
}

sp_status sp_inst_add_couple(sp_inst *in, const char *name, int32_t a,
                             int32_t b, const int32_t *pairs, size_t n,
                             int32_t *id)
{
	if (!valid_name(name) || !valid_applicant(in, a) ||
	    !valid_applicant(in, b) || a == b)
		return SP_EINVAL;
	if (in->a_couple.v[a] != SP_NONE || in->a_couple.v[b] != SP_NONE ||
	    in->a_len.v[a] >= 0 || in->a_len.v[b] >= 0 ||
	    in->a_supp.v[a] != SP_NONE || in->a_supp.v[b] != SP_NONE)
		return SP_EINVAL;
	if (sp__strmap_get(&in->cmap, name) != SP_NONE)
		return SP_EDUP;
	/* A (none, none) pair ends the list: later pairs are worse than
	 * both going unmatched, so they can never be used. */
	size_t len = 0;
	while (len < n &&
	       !(pairs[2 * len] == SP_NONE && pairs[2 * len + 1] == SP_NONE))
		len++;
	if (len > SP_MAX_LIST)
		return SP_ELIMIT;
	sp_status s = check_pairs(in, pairs, len);
	if (s)
		return s;
	int32_t c = (int32_t)in->cname.n;
	if (!SP_VEC_RESERVE(in->cname, 1) || !SP_VEC_RESERVE(in->c_a, 1) ||
	    !SP_VEC_RESERVE(in->c_b, 1) || !SP_VEC_RESERVE(in->c_off, 1) ||
	    !SP_VEC_RESERVE(in->c_len, 1))
		return SP_ENOMEM;
	int32_t off;
	s = pool_append(&in->pairpool, pairs, 2 * len, &off);
	if (s)
		return s;
	const char *nm = intern(in, &in->cmap, name, c);
	if (!nm)
		return SP_ENOMEM;
	SP_VEC_PUSH(in->cname, nm);
	SP_VEC_PUSH(in->c_a, a);
	SP_VEC_PUSH(in->c_b, b);
	SP_VEC_PUSH(in->c_off, off);
	SP_VEC_PUSH(in->c_len, (int32_t)len);
	in->a_couple.v[a] = c;
	in->a_couple.v[b] = c;
	in->version++;
	if (id)
		*id = c;
	return SP_OK;
}

sp_status sp_inst_set_program_rol(sp_inst *in, int32_t p,
                                  const int32_t *applicants, size_t n)
{
	if (p < 0 || (size_t)p >= in->pname.n)
		return SP_EINVAL;
	if (in->p_len.v[p] >= 0)
		return SP_EDUP;
	if (n > SP_MAX_PROGRAM_LIST)
		return SP_ELIMIT;
	uint32_t st = next_stamp(in);
	for (size_t i = 0; i < n; i++) {
		int32_t a = applicants[i];
		if (!valid_applicant(in, a))
			return SP_EINVAL;
		if (in->amark.v[a] == st)
			return SP_EDUP;
		in->amark.v[a] = st;
	}
	sp_status s =
	    pool_append(&in->prolpool, applicants, n, &in->p_off.v[p]);
	if (s)
		return s;
	in->p_len.v[p] = (int32_t)n;
	in->version++;
	return SP_OK;
}

int32_t sp__inst_supp_for(const sp_inst *in, int32_t a, int32_t p)
{
	for (int32_t k = in->a_supp.v[a]; k != SP_NONE; k = in->s_next.v[k]) {
		const int32_t *adv = in->supppool.v + in->s_adv_off.v[k];
		for (int32_t i = 0; i < in->s_nadv.v[k]; i++)
			if (adv[i] == p)
				return k;
	}
	return SP_NONE;
}

bool sp__inst_has_supp(const sp_inst *in, int32_t a)
{
	return in->a_supp.v[a] != SP_NONE;
}

sp_status sp_inst_add_supplemental(sp_inst *in, int32_t a,
                                   const int32_t *advanced, size_t nadv,
                                   const int32_t *prelim, size_t nprelim)
{
	if (!valid_applicant(in, a) || in->a_couple.v[a] != SP_NONE ||
	    nadv == 0 || nprelim == 0)
		return SP_EINVAL;
	if (nadv > SP_MAX_LIST || nprelim > SP_MAX_LIST)
		return SP_ELIMIT;
	sp_status s = check_programs(in, advanced, nadv);
	if (!s)
		s = check_programs(in, prelim, nprelim);
	if (s)
		return s;
	for (size_t i = 0; i < nadv; i++)
		if (sp__inst_supp_for(in, a, advanced[i]) != SP_NONE)
			return SP_EDUP;
	if (!SP_VEC_RESERVE(in->s_app, 1) ||
	    !SP_VEC_RESERVE(in->s_adv_off, 1) ||
	    !SP_VEC_RESERVE(in->s_nadv, 1) ||
	    !SP_VEC_RESERVE(in->s_pre_off, 1) ||
	    !SP_VEC_RESERVE(in->s_npre, 1) || !SP_VEC_RESERVE(in->s_next, 1))
		return SP_ENOMEM;
	int32_t adv_off, pre_off;
	s = pool_append(&in->supppool, advanced, nadv, &adv_off);
	if (!s)
		s = pool_append(&in->supppool, prelim, nprelim, &pre_off);
	if (s)
		return s;
	int32_t k = (int32_t)in->s_app.n;
	SP_VEC_PUSH(in->s_app, a);
	SP_VEC_PUSH(in->s_adv_off, adv_off);
	SP_VEC_PUSH(in->s_nadv, (int32_t)nadv);
	SP_VEC_PUSH(in->s_pre_off, pre_off);
	SP_VEC_PUSH(in->s_npre, (int32_t)nprelim);
	/* Keep each applicant's lists in input order. */
	SP_VEC_PUSH(in->s_next, SP_NONE);
	int32_t *link = &in->a_supp.v[a];
	while (*link != SP_NONE)
		link = &in->s_next.v[*link];
	*link = k;
	in->version++;
	return SP_OK;
}

sp_status sp_inst_add_reversion(sp_inst *in, int32_t donor, int32_t receiver,
                                int count)
{
	int32_t np = (int32_t)in->pname.n;
	if (donor < 0 || donor >= np || receiver < 0 || receiver >= np ||
	    donor == receiver || count < 1 || count > in->quota.v[donor])
		return SP_EINVAL;
	if (!SP_VEC_RESERVE(in->r_donor, 1) ||
	    !SP_VEC_RESERVE(in->r_receiver, 1) ||
	    !SP_VEC_RESERVE(in->r_count, 1))
		return SP_ENOMEM;
	SP_VEC_PUSH(in->r_donor, donor);
	SP_VEC_PUSH(in->r_receiver, receiver);
	SP_VEC_PUSH(in->r_count, count);
	in->version++;
	return SP_OK;
}

int32_t sp_inst_nprograms(const sp_inst *in)
{
	return (int32_t)in->pname.n;
}

int32_t sp_inst_napplicants(const sp_inst *in)
{
	return (int32_t)in->aname.n;
}

int32_t sp_inst_ncouples(const sp_inst *in)
{
	return (int32_t)in->cname.n;
}

const char *sp_inst_program_name(const sp_inst *in, int32_t p)
{
	return in->pname.v[p];
}

const char *sp_inst_applicant_name(const sp_inst *in, int32_t a)
{
	return in->aname.v[a];
}

const char *sp_inst_couple_name(const sp_inst *in, int32_t c)
{
	return in->cname.v[c];
}

int sp_inst_quota(const sp_inst *in, int32_t p)
{
	return in->quota.v[p];
}

sp_track sp_inst_track(const sp_inst *in, int32_t p)
{
	return (sp_track)in->track.v[p];
}

int32_t sp_inst_couple_of(const sp_inst *in, int32_t a)
{
	return in->a_couple.v[a];
}

void sp_inst_couple_members(const sp_inst *in, int32_t c, int32_t *a,
                            int32_t *b)
{
	*a = in->c_a.v[c];
	*b = in->c_b.v[c];
}

const int32_t *sp_inst_rol(const sp_inst *in, int32_t a, size_t *n)
{
	int32_t len = in->a_len.v[a];
	*n = len > 0 ? (size_t)len : 0;
	return len > 0 ? in->rolpool.v + in->a_off.v[a] : NULL;
}

const int32_t *sp_inst_couple_rol(const sp_inst *in, int32_t c, size_t *npairs)
{
	*npairs = (size_t)in->c_len.v[c];
	return *npairs ? in->pairpool.v + in->c_off.v[c] : NULL;
}

const int32_t *sp_inst_program_rol(const sp_inst *in, int32_t p, size_t *n)
{
	int32_t len = in->p_len.v[p];
	*n = len > 0 ? (size_t)len : 0;
	return len > 0 ? in->prolpool.v + in->p_off.v[p] : NULL;
}

size_t sp_inst_nsupplementals(const sp_inst *in)
{
	return in->s_app.n;
}

void sp_inst_supplemental(const sp_inst *in, size_t k, int32_t *applicant,
                          const int32_t **adv, size_t *nadv,
                          const int32_t **prelim, size_t *nprelim)
{
	*applicant = in->s_app.v[k];
	*adv = in->supppool.v + in->s_adv_off.v[k];
	*nadv = (size_t)in->s_nadv.v[k];
	*prelim = in->supppool.v + in->s_pre_off.v[k];
	*nprelim = (size_t)in->s_npre.v[k];
}

size_t sp_inst_nreversions(const sp_inst *in)
{
	return in->r_donor.n;
}

void sp_inst_reversion(const sp_inst *in, size_t k, int32_t *donor,
                       int32_t *receiver, int *count)
{
	*donor = in->r_donor.v[k];
	*receiver = in->r_receiver.v[k];
	*count = in->r_count.v[k];
}

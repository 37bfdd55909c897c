/*
 * index.c — joins the two sides' rank order lists.
 *
 * For each applicant list entry the engine needs the program's rank of
 * the applicant, and for each program list entry the applicant's
 * position of the program.  Both come from one transpose of the program
 * lists into per-applicant buckets of (program, program-list index),
 * followed by one pass per applicant with a stamp table over programs:
 * O(L) for L list entries.  The transpose is a scatter with poor
 * locality, so each bucket entry is one 8-byte pair — one cache miss per
 * entry rather than two.  Rejected: sorting (program, applicant) keys
 * (O(L log L)), and a hash table of pairs (larger, and as random).
 */
#include "index.h"

static size_t nz(size_t n)
{
	return n ? n : 1;
}

#define ALLOC(ptr, n) ((ptr) = sp_malloc(nz((size_t)(n)) * sizeof *(ptr)))

void sp__index_free(sp__index *x)
{
	if (!x)
		return;
	void *ptrs[] = {x->pl_off, x->pl_app,  x->pl_pos,  x->a_off,
	                x->ent,    x->c_off,   x->cp_prog, x->cp_rank,
	                x->cm,     x->sl_off,  x->sl_prog, x->sl_rank,
	                x->couple, x->has_supp};
	for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++)
		sp_free(ptrs[i]);
	sp_free(x);
}

typedef struct {
	int32_t prog, idx; /* program, and index into pl_* arrays */
} bucket_entry;

/* Scratch for one applicant at a time: the rank each program gives it
 * (rank[], valid where mark[] == stamp) and where its own list first
 * names each program (pos[], valid where mark2[] == stamp). */
typedef struct {
	int32_t *b_off;
	bucket_entry *b;
	uint32_t *mark, *mark2;
	int32_t *rank, *pos;
	uint32_t stamp;
} join;

static void mark_bucket(const sp__index *x, join *j, int32_t a)
{
	j->stamp++;
	for (int32_t k = j->b_off[a]; k < j->b_off[a + 1]; k++) {
		int32_t p = j->b[k].prog;
		j->mark[p] = j->stamp;
		j->rank[p] = j->b[k].idx - x->pl_off[p];
	}
}

static int32_t rank_at(const join *j, int32_t p)
{
	return j->mark[p] == j->stamp ? j->rank[p] : -1;
}

static void note_pos(join *j, int32_t p, int32_t k)
{
	if (j->mark2[p] != j->stamp) {
		j->mark2[p] = j->stamp;
		j->pos[p] = k;
	}
}

/* For each program that ranks a, records where a's list names it. */
static void set_pl_pos(sp__index *x, const join *j, int32_t a)
{
	for (int32_t k = j->b_off[a]; k < j->b_off[a + 1]; k++) {
		int32_t p = j->b[k].prog;
		if (j->mark2[p] == j->stamp)
			x->pl_pos[j->b[k].idx] = j->pos[p];
	}
}

static bool program_lists(const sp_inst *in, sp__index *x, join *j)
{
	size_t total = 0;
	for (int32_t p = 0; p < x->np; p++) {
		size_t n;
		sp_inst_program_rol(in, p, &n);
		x->pl_off[p] = (int32_t)total;
		total += n;
	}
	x->pl_off[x->np] = (int32_t)total;
	j->b_off = sp_calloc((size_t)x->na + 2, sizeof *j->b_off);
	if (!ALLOC(x->pl_app, total) || !ALLOC(x->pl_pos, total) ||
	    !ALLOC(j->b, total) || !j->b_off)
		return false;
	for (int32_t p = 0; p < x->np; p++) {
		size_t n;
		const int32_t *l = sp_inst_program_rol(in, p, &n);
		if (n)
			memcpy(x->pl_app + x->pl_off[p], l, n * sizeof *l);
	}
	for (size_t i = 0; i < total; i++) {
		j->b_off[x->pl_app[i] + 2]++;
		x->pl_pos[i] = -1;
	}
	for (int32_t a = 0; a < x->na; a++)
		j->b_off[a + 2] += j->b_off[a + 1];
	/* b_off[a + 1] is now where a's bucket starts; filling moves it to
	 * where a's bucket ends, which is b_off[a + 1] proper. */
	for (int32_t p = 0; p < x->np; p++)
		for (int32_t i = x->pl_off[p]; i < x->pl_off[p + 1]; i++) {
			int32_t k = j->b_off[x->pl_app[i] + 1]++;
			j->b[k].prog = p;
			j->b[k].idx = i;
		}
	return true;
}

static bool singles(const sp_inst *in, sp__index *x, join *j)
{
	size_t ne = 0;
	for (int32_t a = 0; a < x->na; a++) {
		size_t n = 0;
		if (x->couple[a] == SP_NONE)
			sp_inst_rol(in, a, &n);
		x->a_off[a] = (int32_t)ne;
		ne += n;
	}
	x->a_off[x->na] = (int32_t)ne;
	if (!ALLOC(x->ent, ne))
		return false;
	for (int32_t a = 0; a < x->na; a++) {
		if (x->couple[a] != SP_NONE)
			continue;
		size_t n;
		const int32_t *rol = sp_inst_rol(in, a, &n);
		mark_bucket(x, j, a);
		sp__entry *ent = x->ent + x->a_off[a];
		for (size_t k = 0; k < n; k++) {
			ent[k].prog = rol[k];
			ent[k].rank = rank_at(j, rol[k]);
			note_pos(j, rol[k], (int32_t)k);
		}
		set_pl_pos(x, j, a);
	}
	return true;
}

static bool couples(const sp_inst *in, sp__index *x, join *j)
{
	size_t npairs = 0;
	for (int32_t c = 0; c < x->nc; c++) {
		size_t n;
		sp_inst_couple_rol(in, c, &n);
		x->c_off[c] = (int32_t)npairs;
		npairs += n;
		sp_inst_couple_members(in, c, &x->cm[2 * c], &x->cm[2 * c + 1]);
	}
	x->c_off[x->nc] = (int32_t)npairs;
	if (!ALLOC(x->cp_prog, 2 * npairs) || !ALLOC(x->cp_rank, 2 * npairs))
		return false;
	for (int32_t c = 0; c < x->nc; c++) {
		size_t n;
		const int32_t *pairs = sp_inst_couple_rol(in, c, &n);
		size_t base = 2 * (size_t)x->c_off[c];
		if (n)
			memcpy(x->cp_prog + base, pairs, 2 * n * sizeof *pairs);
		for (int h = 0; h < 2; h++) {
			int32_t a = x->cm[2 * c + h];
			mark_bucket(x, j, a);
			for (size_t k = 0; k < n; k++) {
				int32_t p = pairs[2 * k + h];
				x->cp_rank[base + 2 * k + h] =
				    p == SP_NONE ? 0 : rank_at(j, p);
				if (p != SP_NONE)
					note_pos(j, p, (int32_t)k);
			}
			set_pl_pos(x, j, a);
		}
	}
	return true;
}

static bool supplementals(const sp_inst *in, sp__index *x, join *j)
{
	size_t ns = sp_inst_nsupplementals(in), total = 0;
	if (!ALLOC(x->sl_off, ns + 1))
		return false;
	for (size_t s = 0; s < ns; s++) {
		int32_t a;
		const int32_t *adv, *pre;
		size_t nadv, npre;
		sp_inst_supplemental(in, s, &a, &adv, &nadv, &pre, &npre);
		x->sl_off[s] = (int32_t)total;
		total += npre;
	}
	x->sl_off[ns] = (int32_t)total;
	if (!ALLOC(x->sl_prog, total) || !ALLOC(x->sl_rank, total))
		return false;
	for (size_t s = 0; s < ns; s++) {
		int32_t a;
		const int32_t *adv, *pre;
		size_t nadv, npre;
		sp_inst_supplemental(in, s, &a, &adv, &nadv, &pre, &npre);
		x->has_supp[a] = 1;
		mark_bucket(x, j, a);
		for (size_t k = 0; k < npre; k++) {
			x->sl_prog[x->sl_off[s] + k] = pre[k];
			x->sl_rank[x->sl_off[s] + k] = rank_at(j, pre[k]);
		}
	}
	return true;
}

sp_status sp__index_build(const sp_inst *in, sp__index **out)
{
	*out = NULL;
	sp__index *x = sp_calloc(1, sizeof *x);
	if (!x)
		return SP_ENOMEM;
	x->na = sp_inst_napplicants(in);
	x->np = sp_inst_nprograms(in);
	x->nc = sp_inst_ncouples(in);
	join j = {0};
	bool ok = ALLOC(x->pl_off, x->np + 1) && ALLOC(x->a_off, x->na + 1) &&
	          ALLOC(x->c_off, x->nc + 1) && ALLOC(x->cm, 2 * x->nc) &&
	          ALLOC(x->couple, x->na) &&
	          (x->has_supp = sp_calloc((size_t)x->na + 1, 1)) &&
	          (j.mark = sp_calloc((size_t)x->np + 1, sizeof *j.mark)) &&
	          (j.mark2 = sp_calloc((size_t)x->np + 1, sizeof *j.mark2)) &&
	          ALLOC(j.rank, x->np) && ALLOC(j.pos, x->np);
	if (ok) {
		for (int32_t a = 0; a < x->na; a++)
			x->couple[a] = sp_inst_couple_of(in, a);
		ok = program_lists(in, x, &j) && singles(in, x, &j) &&
		     couples(in, x, &j) && supplementals(in, x, &j);
	}
	sp_free(j.b_off);
	sp_free(j.b);
	sp_free(j.mark);
	sp_free(j.mark2);
	sp_free(j.rank);
	sp_free(j.pos);
	if (!ok) {
		sp__index_free(x);
		return SP_ENOMEM;
	}
	*out = x;
	return SP_OK;
}

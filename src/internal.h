/*
 * internal.h — declarations shared by the library's modules and not part
 * of the API.  Non-static internal names are sp__<module>_<name>, so a
 * name tells which file defines it.
 */
#ifndef SP_INTERNAL_H
#define SP_INTERNAL_H

#include "smartpick.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#define SP_UNUSED(x) ((void)(x))
#define SP_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SP_MAX(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__)
#define SP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define SP_PREFETCH(p)  __builtin_prefetch(p)
#else
#define SP_PRINTF(f, a)
#define SP_PREFETCH(p) ((void)(p))
#endif

/* err.c — fills an sp_err (NULL is allowed) and returns status. */
sp_status sp__err_set(sp_err *e, sp_status s, const char *file, long line,
                      const char *field, const char *fmt, ...) SP_PRINTF(6, 7);
void sp__err_clear(sp_err *e);

/* Growable arrays of a fixed element type: `struct { T *v; size_t n, cap; }`.
 * sp__vec_grow makes room for `more` elements; returns false on OOM. */
bool sp__vec_grow(void **v, size_t *cap, size_t n, size_t more, size_t elem);
#define SP_VEC(T)              \
	struct {               \
		T *v;          \
		size_t n, cap; \
	}
#define SP_VEC_RESERVE(vec, more)                                    \
	sp__vec_grow((void **)&(vec).v, &(vec).cap, (vec).n, (more), \
	             sizeof(*(vec).v))
#define SP_VEC_PUSH(vec, x) \
	(SP_VEC_RESERVE(vec, 1) ? ((vec).v[(vec).n++] = (x), true) : false)
#define SP_VEC_FREE(vec) \
	(sp_free((vec).v), (vec).v = NULL, (vec).n = (vec).cap = 0)

/* strmap.c — an open-addressing map from names to int32 ids.  Keys are
 * borrowed: they must outlive the map (the instance keeps them in an
 * arena). */
typedef struct {
	const char **keys;
	int32_t *vals;
	uint32_t *hashes;
	size_t cap, n;
} sp__strmap;

void sp__strmap_init(sp__strmap *m);
void sp__strmap_free(sp__strmap *m);
/* Returns the id of key, or SP_NONE. */
int32_t sp__strmap_get(const sp__strmap *m, const char *key);
/* Inserts key -> val; returns false on OOM.  The key must be absent. */
bool sp__strmap_put(sp__strmap *m, const char *key, int32_t val);

/* arena.c — bump allocation for strings and other data freed at once. */
typedef struct sp__arena_block sp__arena_block;
typedef struct {
	sp__arena_block *head;
} sp__arena;

void sp__arena_init(sp__arena *a);
void sp__arena_free(sp__arena *a);
void *sp__arena_alloc(sp__arena *a, size_t n);
char *sp__arena_strdup(sp__arena *a, const char *s, size_t len);

/* inst.c — internal access to the instance for the engine and I/O. */
uint64_t sp__inst_version(const sp_inst *in);
/* Index of applicant a's supplemental list linked to advanced program p,
 * or SP_NONE. */
int32_t sp__inst_supp_for(const sp_inst *in, int32_t a, int32_t p);
/* True if applicant a has at least one supplemental list. */
bool sp__inst_has_supp(const sp_inst *in, int32_t a);

/* Fast text output used by the writers. */
typedef struct {
	FILE *f;
	char buf[1 << 16];
	size_t n;
	bool failed;
} sp__out;
void sp__out_init(sp__out *o, FILE *f);
void sp__out_str(sp__out *o, const char *s);
void sp__out_mem(sp__out *o, const char *s, size_t n);
void sp__out_char(sp__out *o, char c);
void sp__out_int(sp__out *o, long v);
/* Flushes; returns false if any write failed. */
bool sp__out_flush(sp__out *o);
/* Runs write(obj, f) on a memory stream and gives what it wrote as a
 * NUL-terminated string from sp_malloc (*out, *outlen bytes; free with
 * sp_free): the writers' text for the JSON-returning entry points. */
sp_status sp__out_string(sp_status (*write)(const void *obj, FILE *f),
                         const void *obj, char **out, size_t *outlen,
                         sp_err *err) SP_MUST_CHECK;

#endif /* SP_INTERNAL_H */

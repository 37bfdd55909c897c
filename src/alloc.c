/*
 * alloc.c — the library's one allocation door.
 *
 * Every allocation goes through sp_malloc/sp_calloc/sp_realloc so tests
 * can make the n-th one fail (sp_alloc_fail_after) and check that each
 * failure path returns SP_ENOMEM and leaks nothing.  The counter is the
 * library's only process-wide state; it is a test hook, off by default.
 */
#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>

static _Atomic long fail_countdown;

void sp_alloc_fail_after(long n)
{
	atomic_store(&fail_countdown, n > 0 ? n : 0);
}

/* True when this allocation must fail. */
static bool should_fail(void)
{
	long c = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
	if (c == 0)
		return false;
	return atomic_fetch_sub(&fail_countdown, 1) == 1;
}

void *sp_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *sp_calloc(size_t n, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

void *sp_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

void sp_free(void *p)
{
	free(p);
}

bool sp__vec_grow(void **v, size_t *cap, size_t n, size_t more, size_t elem)
{
	if (n + more <= *cap)
		return true;
	size_t c = *cap ? *cap : 8;
	while (c < n + more) {
		if (c > SIZE_MAX / 2 / elem)
			return false;
		c *= 2;
	}
	void *p = sp_realloc(*v, c * elem);
	if (!p)
		return false;
	*v = p;
	*cap = c;
	return true;
}

/*
 * alloc.c — the library's one allocation door.
 *
 * Every allocation goes through sp_malloc/sp_calloc/sp_realloc so tests
 * can make the n-th one fail (sp_alloc_fail_after) and check that each
 * failure path returns SP_ENOMEM and leaks nothing.  The counter is the
 * library's only process-wide state; it is a test hook, off by default.
 *
 * Blocks of 2 MiB and more are aligned to 2 MiB and advised as huge
 * pages: the engine's state and index are a few such blocks read at
 * random, and with 4 KiB pages the TLB misses (costly under
 * virtualization) cost more than the work itself.  free() releases them
 * like any other block.
 */
#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

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

#define HUGE_PAGE ((size_t)2 << 20)

static void *big_alloc(size_t n)
{
	void *p;
	if (posix_memalign(&p, HUGE_PAGE, n) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
#endif
	return p;
}

void *sp_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	if (n >= HUGE_PAGE)
		return big_alloc(n);
	return malloc(n ? n : 1);
}

void *sp_calloc(size_t n, size_t size)
{
	if (should_fail())
		return NULL;
	if (size && n >= HUGE_PAGE / size && n <= SIZE_MAX / size) {
		void *p = big_alloc(n * size);
		if (p)
			memset(p, 0, n * size);
		return p;
	}
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

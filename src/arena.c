/*
 * arena.c — bump allocator: many small allocations freed together.
 * Blocks grow geometrically up to 1 MiB; a request larger than a block
 * gets a block of its own.
 */
#include "internal.h"

struct sp__arena_block {
	sp__arena_block *next;
	size_t used, size;
	max_align_t data[];
};

void sp__arena_init(sp__arena *a)
{
	a->head = NULL;
}

void sp__arena_free(sp__arena *a)
{
	sp__arena_block *b = a->head;
	while (b) {
		sp__arena_block *next = b->next;
		sp_free(b);
		b = next;
	}
	a->head = NULL;
}

void *sp__arena_alloc(sp__arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	sp__arena_block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t size = b ? SP_MIN(b->size * 2, (size_t)1 << 20) : 4096;
		if (size < n)
			size = n;
		sp__arena_block *nb = sp_malloc(sizeof *nb + size);
		if (!nb)
			return NULL;
		nb->next = b;
		nb->used = 0;
		nb->size = size;
		a->head = b = nb;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

char *sp__arena_strdup(sp__arena *a, const char *s, size_t len)
{
	char *p = sp__arena_alloc(a, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

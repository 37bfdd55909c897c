/*
 * strmap.c — open addressing with linear probing from names to ids.
 *
 * FNV-1a hashes; the table doubles at 50% load so probes stay short.
 * Each slot keeps its key's 32-bit hash, compared before the key, so a
 * probe past another key rarely touches that key's bytes (the readers
 * look up every name of every list).  Keys are borrowed (the instance
 * keeps them in its arena).  Deletion is not needed: instances only grow.
 */
#include "internal.h"

static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

void sp__strmap_init(sp__strmap *m)
{
	memset(m, 0, sizeof *m);
}

void sp__strmap_free(sp__strmap *m)
{
	sp_free(m->keys);
	sp_free(m->vals);
	sp_free(m->hashes);
	memset(m, 0, sizeof *m);
}

int32_t sp__strmap_get(const sp__strmap *m, const char *key)
{
	if (!m->cap)
		return SP_NONE;
	size_t mask = m->cap - 1;
	uint64_t h = hash(key);
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		if (!m->keys[i])
			return SP_NONE;
		if (m->hashes[i] == (uint32_t)h && strcmp(m->keys[i], key) == 0)
			return m->vals[i];
	}
}

static void insert(const char **keys, int32_t *vals, uint32_t *hashes,
                   size_t cap, const char *key, uint64_t h, int32_t val)
{
	size_t mask = cap - 1;
	size_t i = h & mask;
	while (keys[i])
		i = (i + 1) & mask;
	keys[i] = key;
	vals[i] = val;
	hashes[i] = (uint32_t)h;
}

static bool resize(sp__strmap *m, size_t cap)
{
	const char **keys = sp_calloc(cap, sizeof *keys);
	int32_t *vals = sp_calloc(cap, sizeof *vals);
	uint32_t *hashes = sp_calloc(cap, sizeof *hashes);
	if (!keys || !vals || !hashes) {
		sp_free(keys);
		sp_free(vals);
		sp_free(hashes);
		return false;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			insert(keys, vals, hashes, cap, m->keys[i],
			       hash(m->keys[i]), m->vals[i]);
	sp_free(m->keys);
	sp_free(m->vals);
	sp_free(m->hashes);
	m->keys = keys;
	m->vals = vals;
	m->hashes = hashes;
	m->cap = cap;
	return true;
}

bool sp__strmap_put(sp__strmap *m, const char *key, int32_t val)
{
	if ((m->n + 1) * 2 > m->cap && !resize(m, m->cap ? m->cap * 2 : 64))
		return false;
	insert(m->keys, m->vals, m->hashes, m->cap, key, hash(key), val);
	m->n++;
	return true;
}

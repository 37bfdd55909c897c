/*
 * rng.c — xoshiro256** seeded through splitmix64 from (seed, stream).
 *
 * Each Monte Carlo trial or worker derives its own stream, so results do
 * not depend on how trials are spread over threads.  The algorithms are
 * Blackman & Vigna's public-domain designs, written here from their
 * description; normals use the polar Box–Muller method without caching,
 * so a stream's draws depend only on the calls made on it.
 */
#include "internal.h"

#include <math.h>

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void sp_rng_seed(sp_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ull);
	uint64_t y = splitmix(&x) ^ stream;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&y);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t sp_rng_next(sp_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double sp_rng_uniform(sp_rng *r)
{
	return (double)(sp_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t sp_rng_below(sp_rng *r, uint64_t n)
{
	assert(n > 0);
	/* Lemire's multiply-shift with rejection of the biased zone. */
	uint64_t x = sp_rng_next(r);
	__uint128_t m = (__uint128_t)x * n;
	uint64_t lo = (uint64_t)m;
	if (lo < n) {
		uint64_t floor = -n % n;
		while (lo < floor) {
			x = sp_rng_next(r);
			m = (__uint128_t)x * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double sp_rng_normal(sp_rng *r)
{
	double u, v, s;
	do {
		u = 2.0 * sp_rng_uniform(r) - 1.0;
		v = 2.0 * sp_rng_uniform(r) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	return u * sqrt(-2.0 * log(s) / s);
}

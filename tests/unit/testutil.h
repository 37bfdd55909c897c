/*
 * testutil.h — what every cmocka test file includes.
 */
#ifndef SP_TESTUTIL_H
#define SP_TESTUTIL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "smartpick.h"

#define OK(expr)   assert_int_equal((expr), SP_OK)
#define TMIN(a, b) ((a) < (b) ? (a) : (b))

/* Where tests write: the build directory's tmp/ (the Makefile passes
 * SP_TEST_TMP), never elsewhere. */
#ifndef SP_TEST_TMP
#define SP_TEST_TMP "/tmp"
#endif

/* Fills buf with SP_TEST_TMP "/" name (made if missing) and returns it:
 * a template for mkdtemp or a file path. */
static inline char *tu_tmp(char *buf, size_t size, const char *name)
{
	mkdir(SP_TEST_TMP, 0700);
	if ((size_t)snprintf(buf, size, "%s/%s", SP_TEST_TMP, name) >= size)
		fail_msg("tu_tmp: path too long for %s", name);
	return buf;
}

static inline void assert_lists_equal(const int32_t *x, size_t nx,
                                      const int32_t *y, size_t ny)
{
	assert_int_equal(nx, ny);
	for (size_t i = 0; i < nx; i++)
		assert_int_equal(x[i], y[i]);
}

/* Asserts that two instances are identical, ids included. */
static inline void assert_inst_equal(const sp_inst *x, const sp_inst *y)
{
	size_t nx, ny;
	assert_int_equal(sp_inst_nprograms(x), sp_inst_nprograms(y));
	assert_int_equal(sp_inst_napplicants(x), sp_inst_napplicants(y));
	assert_int_equal(sp_inst_ncouples(x), sp_inst_ncouples(y));
	for (int32_t p = 0; p < sp_inst_nprograms(x); p++) {
		assert_string_equal(sp_inst_program_name(x, p),
		                    sp_inst_program_name(y, p));
		assert_int_equal(sp_inst_quota(x, p), sp_inst_quota(y, p));
		assert_int_equal(sp_inst_track(x, p), sp_inst_track(y, p));
		const int32_t *lx = sp_inst_program_rol(x, p, &nx);
		const int32_t *ly = sp_inst_program_rol(y, p, &ny);
		assert_lists_equal(lx, nx, ly, ny);
	}
	for (int32_t a = 0; a < sp_inst_napplicants(x); a++) {
		assert_string_equal(sp_inst_applicant_name(x, a),
		                    sp_inst_applicant_name(y, a));
		assert_int_equal(sp_inst_couple_of(x, a),
		                 sp_inst_couple_of(y, a));
		const int32_t *lx = sp_inst_rol(x, a, &nx);
		const int32_t *ly = sp_inst_rol(y, a, &ny);
		assert_lists_equal(lx, nx, ly, ny);
	}
	for (int32_t c = 0; c < sp_inst_ncouples(x); c++) {
		int32_t a1, b1, a2, b2;
		assert_string_equal(sp_inst_couple_name(x, c),
		                    sp_inst_couple_name(y, c));
		sp_inst_couple_members(x, c, &a1, &b1);
		sp_inst_couple_members(y, c, &a2, &b2);
		assert_int_equal(a1, a2);
		assert_int_equal(b1, b2);
		const int32_t *lx = sp_inst_couple_rol(x, c, &nx);
		const int32_t *ly = sp_inst_couple_rol(y, c, &ny);
		assert_lists_equal(lx, 2 * nx, ly, 2 * ny);
	}
	assert_int_equal(sp_inst_nsupplementals(x), sp_inst_nsupplementals(y));
	for (size_t k = 0; k < sp_inst_nsupplementals(x); k++) {
		int32_t a1, a2;
		const int32_t *adv1, *pre1, *adv2, *pre2;
		size_t na1, np1, na2, np2;
		sp_inst_supplemental(x, k, &a1, &adv1, &na1, &pre1, &np1);
		sp_inst_supplemental(y, k, &a2, &adv2, &na2, &pre2, &np2);
		assert_int_equal(a1, a2);
		assert_lists_equal(adv1, na1, adv2, na2);
		assert_lists_equal(pre1, np1, pre2, np2);
	}
	assert_int_equal(sp_inst_nreversions(x), sp_inst_nreversions(y));
	for (size_t k = 0; k < sp_inst_nreversions(x); k++) {
		int32_t d1, r1, d2, r2;
		int c1, c2;
		sp_inst_reversion(x, k, &d1, &r1, &c1);
		sp_inst_reversion(y, k, &d2, &r2, &c2);
		assert_int_equal(d1, d2);
		assert_int_equal(r1, r2);
		assert_int_equal(c1, c2);
	}
}

#endif

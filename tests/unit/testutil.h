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
#include <cmocka.h>

#include "smartpick.h"

#define OK(expr)   assert_int_equal((expr), SP_OK)
#define TMIN(a, b) ((a) < (b) ? (a) : (b))

#endif

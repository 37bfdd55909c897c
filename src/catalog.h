/*
 * catalog.h — internal entry points of the program catalog (catalog.c)
 * for tests and the fuzz harness.  The catalog's API is in smartpick.h;
 * its schema and the synthetic draws are described in docs/catalog.md.
 */
#ifndef SP_CATALOG_H
#define SP_CATALOG_H

#include "internal.h"

/* Largest positions one program may have in the catalog. */
#define SP__CATALOG_MAX_POSITIONS 1000
/* Most programs one import may hold. */
#define SP__CATALOG_MAX_PROGRAMS 100000

/* sp_catalog_import_csv over a CSV held in memory: buf[0..len) is
 * borrowed, `name` names it in messages.  Same contract: validated row
 * by row, the first error stops it, all or nothing. */
sp_status sp__catalog_import_mem(sp_catalog *c, const char *buf, size_t len,
                                 const char *name, sp_err *err) SP_MUST_CHECK;

/* sp_catalog_init_synthetic with the fitted parameters taken from
 * params[0..len) (a CSV named `name`; NULL: no parameters) instead of the
 * embedded data/params.csv. */
sp_status sp__catalog_init_with_params(sp_catalog *c, uint64_t seed,
                                       const char *params, size_t len,
                                       const char *name,
                                       sp_err *err) SP_MUST_CHECK;

/* The US census division (1..9) of a two-letter postal code of the 50
 * states, DC or PR; 0 when unknown.  PR belongs to no census division;
 * the catalog files it under 5, South Atlantic. */
int sp__catalog_division(const char *state);

#endif

/*
 * portfolio.h — internals of the portfolio optimizer (portfolio.c) that
 * tests and the fuzz harness reach: the caps of sp_portfolio_json, so a
 * harness can lower them and keep every run fast.
 */
#ifndef SP_PORTFOLIO_H
#define SP_PORTFOLIO_H

#include "internal.h"

/* Caps on one JSON problem.  sp_portfolio_json uses the defaults. */
typedef struct {
	size_t max_bytes;   /* input; default 16 MiB */
	size_t max_options; /* default 100,000 */
	uint64_t max_work;  /* count mode: options x count, the greedy's
	                       steps; default 2^28 */
	uint64_t max_cells; /* budget mode: options x (budget + 1), the
	                       programme's cells; default 2^30 */
	size_t max_out;     /* bytes of output (curves); default 32 MiB */
} sp__portfolio_limits;

#define SP__PORTFOLIO_MAX_BYTES   ((size_t)16 << 20)
#define SP__PORTFOLIO_MAX_OPTIONS 100000
#define SP__PORTFOLIO_MAX_WORK    ((uint64_t)1 << 28)
#define SP__PORTFOLIO_MAX_CELLS   ((uint64_t)1 << 30)
#define SP__PORTFOLIO_MAX_OUT     ((size_t)32 << 20)
#define SP__PORTFOLIO_MAX_ID      64

/* sp_portfolio_json under caps `lim` (NULL: the defaults). */
sp_status sp__portfolio_json(const char *json, size_t len, const char *name,
                             int curve, const sp__portfolio_limits *lim,
                             char **out, size_t *outlen,
                             sp_err *err) SP_MUST_CHECK;

/* The budget programme with its own cell cap (sp_portfolio_budget uses
 * SP__PORTFOLIO_MAX_CELLS). */
sp_status sp__portfolio_budget(const sp_option *o, size_t n, int64_t budget,
                               uint64_t max_cells, int32_t *chosen, size_t *k,
                               double *value, sp_err *err) SP_MUST_CHECK;

#endif /* SP_PORTFOLIO_H */

/*
 * matching.h — the layout of sp_matching, shared by the engine, the
 * verifier and the readers.
 */
#ifndef SP_MATCHING_H
#define SP_MATCHING_H

#include "internal.h"

struct sp_matching {
	int32_t na, np;
	int32_t *prog; /* primary program per applicant, or SP_NONE */
	int32_t *supp; /* supplemental PGY-1 program, or SP_NONE */
	int *cap;      /* capacity per program after reversions */
	int *fill;     /* positions taken per program (kept by the setters) */
	int stable;    /* 0 when the engine gave up (no stable matching) */
	sp_match_stats stats;
};

sp_status sp__matching_alloc(const sp_inst *in, sp_matching **out);

#endif

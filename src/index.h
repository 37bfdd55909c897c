/*
 * index.h — the rank index: every list entry joined with the other
 * side's rank, in flat arrays, as the engine and verifier need them.
 * Built once per instance (sp_inst_prepare) or per match.
 */
#ifndef SP_INDEX_H
#define SP_INDEX_H

#include "internal.h"

typedef struct {
	int32_t prog, rank;
} sp__entry;

typedef struct sp__index {
	int32_t na, np, nc;
	/* Program lists: applicant, and the applicant's own list position
	 * of this program (ROL index for singles, first pair index for
	 * couple members, -1 when the applicant does not rank it). */
	int32_t *pl_off, *pl_app, *pl_pos;
	/* Singles' lists: program, and the applicant's rank there (-1 when
	 * the program does not rank the applicant). */
	int32_t *a_off;
	sp__entry *ent;
	/* Couples' pairs, two entries per pair; members cm[2c], cm[2c+1]. */
	int32_t *c_off, *cp_prog, *cp_rank, *cm;
	/* Supplemental lists (PGY-1 programs and the applicant's rank). */
	int32_t *sl_off, *sl_prog, *sl_rank;
	int32_t *couple;   /* couple of each applicant, or SP_NONE */
	uint8_t *has_supp; /* 1 if the applicant has supplemental lists */
} sp__index;

sp_status sp__index_build(const sp_inst *in, sp__index **out);
void sp__index_free(sp__index *x);

/* inst.c: the instance's prepared index if it is current, else NULL. */
const sp__index *sp__inst_index(const sp_inst *in);
/* sp_verify with a rank index at hand (x, borrowed; NULL: the
 * instance's, or one built for the call), as the engine's last resort
 * verifies many matchings of one instance. */
sp_status sp__verify_index(const sp_inst *in, const sp__index *x,
                           const sp_matching *m, sp_report **out);

#endif

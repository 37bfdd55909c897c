/*
 * fuzz_program_fit.c — libFuzzer harness for the per-program fit reader
 * (sp__model_load_program_fit in progfit.c, through csv.c), which the
 * model applies to data/program_fit.csv: arbitrary bytes applied to the
 * synthetic model.  Must never crash, leak or trip a sanitizer; a
 * refusal always carries a message, and an accepted file leaves every
 * program with at least one interview slot and finite offsets.
 *
 *   make fuzz FUZZ_SECONDS=20
 */
#include "market.h"

#include <math.h>
#include <stdlib.h>

static sp_model *m; /* one model, reused: the reader only sets values */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!m) {
		sp_specialty_info *specs;
		sp_program_info *progs;
		size_t ns, np;
		if (sp_catalog_synthetic(1, &specs, &ns, &progs, &np, NULL) ||
		    sp_model_new(specs, ns, progs, np, &m, NULL))
			abort();
		sp_free(specs);
		sp_free(progs);
	}
	sp_err err;
	size_t skipped = 0;
	sp_status s = sp__model_load_program_fit(m, (const char *)data, size,
	                                         "fuzz.csv", &skipped, &err);
	if (s != SP_OK && !err.msg[0])
		abort();
	for (int32_t j = 0; j < m->np; j++) {
		if (m->progs[j].interview_slots < 0)
			abort();
		for (int k = 0; k < SP__NPOFF; k++)
			if (!isfinite(m->poff[(size_t)j * SP__NPOFF + k]))
				abort();
	}
	return 0;
}

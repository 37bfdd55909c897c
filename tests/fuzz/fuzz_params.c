/*
 * fuzz_params.c — libFuzzer harness for the parameter file reader
 * (sp_model_params_load_csv in market.c, through csv.c), which
 * `simulate --params FILE` and `calibrate` feed with a user's CSV:
 * arbitrary bytes applied to the built-in model.  Must never crash, leak
 * or trip a sanitizer; a refusal always carries a message, and an
 * accepted file leaves every parameter finite.
 *
 *   make fuzz FUZZ_SECONDS=20
 */
#include "smartpick.h"

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
	sp_status s = sp_model_params_load_csv(m, (const char *)data, size,
	                                       "fuzz.csv", &skipped, &err);
	if (s != SP_OK && !err.msg[0])
		abort();
	if (s == SP_OK)
		for (size_t k = 0; k < sp_model_nparams(m); k++) {
			const char *name, *spec, *st;
			double v;
			sp_model_param_at(m, k, &name, &spec, &v, &st);
			if (!isfinite(v))
				abort();
		}
	return 0;
}

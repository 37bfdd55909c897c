/*
 * fuzz_profile.c — libFuzzer harness for the advisor's readers: the
 * profile JSON (profile.c through json.c) against the built-in model,
 * and the cohort CSV (through csv.c), whose every row must again be a
 * profile the JSON reader accepts or refuses with a message.  Must never
 * crash, leak or trip a sanitizer; a refusal always carries a message.
 *
 *   make fuzz FUZZ_SECONDS=20
 */
#include "advise.h"

#include <stdlib.h>

static sp_model *model;

static void load(void)
{
	sp_specialty_info *specs;
	sp_program_info *progs;
	size_t ns, np;
	if (sp_catalog_synthetic(1, &specs, &ns, &progs, &np, NULL) ||
	    sp_model_new(specs, ns, progs, np, &model, NULL))
		abort();
	sp_free(specs);
	sp_free(progs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!model)
		load();
	sp_err err;
	if (sp__advise_check_profile(model, (const char *)data, size, "fuzz",
	                             &err) != SP_OK &&
	    !err.msg[0])
		abort();
	sp_cohort *c = NULL;
	if (sp_cohort_read((const char *)data, size, "fuzz.csv", &c, &err)) {
		if (!err.msg[0])
			abort();
		return 0;
	}
	for (size_t i = 0; i < sp_cohort_size(c); i++) {
		size_t len;
		const char *js = sp_cohort_profile(c, i, &len);
		if (sp__advise_check_profile(model, js, len,
		                             sp_cohort_where(c, i), &err) &&
		    !err.msg[0])
			abort();
	}
	sp_cohort_free(c);
	return 0;
}

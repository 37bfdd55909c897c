/*
 * fuzz_rank.c — libFuzzer harness for the after-interview rank list's
 * reader (rank.c through json.c): the list's structure with a stand-in
 * catalog whose codes are "P-0" to "P-99", then the profile it carries
 * (blanked around, so its lines are the input's) against the built-in
 * model.  Must never crash, leak or trip a sanitizer; a refusal always
 * carries a message; an accepted list holds distinct programs in range.
 *
 *   make fuzz FUZZ_SECONDS=20
 */
#include "advise.h"
#include "rank.h"

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

static int32_t lookup(void *ctx, const char *code)
{
	(void)ctx;
	if (code[0] != 'P' || code[1] != '-' || code[2] < '0' || code[2] > '9')
		return -1;
	if (!code[3])
		return code[2] - '0';
	if (code[3] < '0' || code[3] > '9' || code[4] || code[2] == '0')
		return -1;
	return (code[2] - '0') * 10 + code[3] - '0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!model)
		load();
	sp_err err;
	sp__rank_input in;
	if (sp__rank_parse((const char *)data, size, "fuzz", lookup, NULL, &in,
	                   &err)) {
		if (!err.msg[0])
			abort();
		sp__rank_input_free(&in);
		return 0;
	}
	size_t n = in.nrank + in.nalso;
	if (in.nrank > SP__RANK_MAX || in.nalso > SP__RANK_MAX ||
	    in.plen != size)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (in.j[i] < 0 || in.j[i] > 99 || in.tier[i] > 2)
			abort();
		for (size_t k = 0; k < i; k++)
			if (in.j[k] == in.j[i])
				abort();
	}
	if (sp__advise_check_profile(model, in.profile, in.plen, "fuzz",
	                             &err) != SP_OK &&
	    !err.msg[0])
		abort();
	sp__rank_input_free(&in);
	return 0;
}

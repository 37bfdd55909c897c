/*
 * fuzz_study.c — libFuzzer harness for the study spec reader (study.c
 * through json.c): a refusal always carries a message; an accepted spec
 * applies to a small catalog and writes its table, CSV and SVG (nothing
 * recorded yet) without crashing, leaking or tripping a sanitizer.
 *
 *   make fuzz FUZZ_SECONDS=20
 */
#include "internal.h"

#include <stdlib.h>

static sp_specialty_info *specs;
static sp_program_info *progs;
static size_t ns, np;

static void load(void)
{
	if (sp_catalog_synthetic(1, &specs, &ns, &progs, &np, NULL))
		abort();
	np = np < 64 ? np : 64; /* a few programs are enough */
}

static void write_all(const sp_study *st)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f)
		abort();
	if (sp_study_write_table(st, f) || sp_study_write_csv(st, f) ||
	    sp_study_write_svg(st, f))
		abort();
	fclose(f);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!specs)
		load();
	sp_err err;
	sp_study *st = NULL;
	memset(&err, 0, sizeof err);
	if (sp_study_parse((const char *)data, size, "fuzz.json", &st, &err)) {
		if (!err.msg[0] || st)
			abort();
		return 0;
	}
	sp_specialty_info s2[64];
	sp_program_info p2[64];
	size_t n2 = ns < 64 ? ns : 64;
	for (int k = 0; k < sp_study_nvalues(st); k++) {
		memcpy(s2, specs, n2 * sizeof *s2);
		memcpy(p2, progs, np * sizeof *p2);
		memset(&err, 0, sizeof err);
		if (sp_study_apply_catalog(st, k, s2, n2, p2, np, &err) &&
		    !err.msg[0])
			abort();
	}
	write_all(st);
	sp_study_free(st);
	return 0;
}

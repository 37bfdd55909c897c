/*
 * fuzz_io_json.c — libFuzzer harness for the JSON instance and matching
 * readers (io_json.c).
 *
 * Each input is read as an instance and as a matching of a small fixed
 * instance.  Whatever is accepted is written back, read again and
 * compared: the writer's output must always be readable and equal.
 */
#include "io.h"

#include <stdio.h>
#include <stdlib.h>

static const char fixed[] =
    "{\"programs\":[{\"id\":\"P1\",\"quota\":2,\"rol\":[\"A1\",\"A2\"]},"
    "{\"id\":\"P2\",\"quota\":1,\"track\":\"preliminary\"},"
    "{\"id\":\"P9\",\"quota\":1,\"track\":\"advanced\"}],"
    "\"applicants\":[{\"id\":\"A1\",\"rol\":[\"P1\",\"P2\"]},"
    "{\"id\":\"A2\",\"rol\":[\"P9\"]}],"
    "\"couples\":[{\"id\":\"C1\",\"members\":[\"A3\",\"A4\"],"
    "\"rol\":[[\"P1\",\"P2\"],[\"P1\",null]]}],"
    "\"supplemental\":[{\"applicant\":\"A2\",\"advanced\":[\"P9\"],"
    "\"rol\":[\"P2\"]}],"
    "\"reversions\":[{\"donor\":\"P1\",\"receiver\":\"P2\",\"count\":1}]}";

static char *to_text(const sp_inst *in, const sp_matching *m, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		abort();
	sp_status s =
	    m ? sp__io_json_matching_write(in, m, f) : sp__io_json_write(in, f);
	if (s)
		abort();
	fclose(f);
	return buf;
}

static void same_list(const int32_t *x, size_t nx, const int32_t *y, size_t ny)
{
	if (nx != ny || (nx && memcmp(x, y, nx * sizeof *x) != 0))
		abort();
}

static void same_inst(const sp_inst *x, const sp_inst *y)
{
	size_t nx, ny;
	if (sp_inst_nprograms(x) != sp_inst_nprograms(y) ||
	    sp_inst_napplicants(x) != sp_inst_napplicants(y) ||
	    sp_inst_ncouples(x) != sp_inst_ncouples(y) ||
	    sp_inst_nsupplementals(x) != sp_inst_nsupplementals(y) ||
	    sp_inst_nreversions(x) != sp_inst_nreversions(y))
		abort();
	for (int32_t p = 0; p < sp_inst_nprograms(x); p++) {
		if (strcmp(sp_inst_program_name(x, p),
		           sp_inst_program_name(y, p)) != 0 ||
		    sp_inst_quota(x, p) != sp_inst_quota(y, p) ||
		    sp_inst_track(x, p) != sp_inst_track(y, p))
			abort();
		const int32_t *lx = sp_inst_program_rol(x, p, &nx);
		const int32_t *ly = sp_inst_program_rol(y, p, &ny);
		same_list(lx, nx, ly, ny);
	}
	for (int32_t a = 0; a < sp_inst_napplicants(x); a++) {
		if (strcmp(sp_inst_applicant_name(x, a),
		           sp_inst_applicant_name(y, a)) != 0 ||
		    sp_inst_couple_of(x, a) != sp_inst_couple_of(y, a))
			abort();
		const int32_t *lx = sp_inst_rol(x, a, &nx);
		const int32_t *ly = sp_inst_rol(y, a, &ny);
		same_list(lx, nx, ly, ny);
	}
	for (int32_t c = 0; c < sp_inst_ncouples(x); c++) {
		const int32_t *lx = sp_inst_couple_rol(x, c, &nx);
		const int32_t *ly = sp_inst_couple_rol(y, c, &ny);
		same_list(lx, 2 * nx, ly, 2 * ny);
	}
	for (size_t k = 0; k < sp_inst_nsupplementals(x); k++) {
		int32_t ax, ay;
		const int32_t *dx, *dy, *px, *py;
		size_t ndx, ndy, npx, npy;
		sp_inst_supplemental(x, k, &ax, &dx, &ndx, &px, &npx);
		sp_inst_supplemental(y, k, &ay, &dy, &ndy, &py, &npy);
		if (ax != ay)
			abort();
		same_list(dx, ndx, dy, ndy);
		same_list(px, npx, py, npy);
	}
	for (size_t k = 0; k < sp_inst_nreversions(x); k++) {
		int32_t dx, rx, dy, ry;
		int cx, cy;
		sp_inst_reversion(x, k, &dx, &rx, &cx);
		sp_inst_reversion(y, k, &dy, &ry, &cy);
		if (dx != dy || rx != ry || cx != cy)
			abort();
	}
}

static void fuzz_instance(const char *data, size_t size)
{
	sp_inst *in, *back;
	sp_err err;
	if (sp__io_json_read(data, size, "fuzz", &in, &err))
		return;
	size_t len;
	char *text = to_text(in, NULL, &len);
	if (sp__io_json_read(text, len, "again", &back, &err)) {
		fprintf(stderr, "written instance refused: %s\n", err.msg);
		abort();
	}
	same_inst(in, back);
	sp_inst_free(back);
	sp_inst_free(in);
	free(text);
}

static void fuzz_matching(const sp_inst *in, const char *data, size_t size)
{
	sp_matching *m, *back;
	sp_err err;
	if (sp__io_json_matching_read(in, data, size, "fuzz", &m, &err))
		return;
	size_t len;
	char *text = to_text(in, m, &len);
	if (sp__io_json_matching_read(in, text, len, "again", &back, &err)) {
		fprintf(stderr, "written matching refused: %s\n", err.msg);
		abort();
	}
	if (sp_matching_stable(m) != sp_matching_stable(back))
		abort();
	for (int32_t a = 0; a < sp_inst_napplicants(in); a++)
		if (sp_matching_program(m, a) != sp_matching_program(back, a) ||
		    sp_matching_supplemental(m, a) !=
		        sp_matching_supplemental(back, a))
			abort();
	for (int32_t p = 0; p < sp_inst_nprograms(in); p++)
		if (sp_matching_capacity(m, p) != sp_matching_capacity(back, p))
			abort();
	sp_matching_free(back);
	sp_matching_free(m);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sp_inst *base;
	if (!base) {
		sp_err err;
		if (sp__io_json_read(fixed, strlen(fixed), "fixed", &base,
		                     &err))
			abort();
	}
	fuzz_instance((const char *)data, size);
	fuzz_matching(base, (const char *)data, size);
	return 0;
}

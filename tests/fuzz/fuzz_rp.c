/*
 * fuzz_rp.c — libFuzzer harness for the rp readers and writers.
 *
 * Each input is read as an instance and as a matching (of a fixed small
 * instance, and of the input's own instance when it reads).  Besides
 * "never crash, never leak", it checks properties:
 *   - a failed read fills the message and gives nothing back;
 *   - whatever reads can be written, and reading the output and writing
 *     again gives the same bytes (the writer is canonical);
 *   - a matching read back from its own output is the same matching.
 * A property that fails aborts, which libFuzzer reports as a crash.
 */
#include "io.h"
#include "matching.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_text[] = "p P1 2 a b c\np P2 1 c\np -1 1\n"
                                 "r a P1 P2\nc C b c P1 -1 P2 P1\n";

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* Writes with `write` into a new buffer (free). */
static char *to_text(const sp_inst *in, const sp_matching *m, size_t *len,
                     sp_status *s)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	check(f != NULL);
	*s = m ? sp__io_rp_matching_write(in, m, f) : sp__io_rp_write(in, f);
	check(fclose(f) == 0);
	return buf;
}

/* Reads data as a matching of `in`; a matching that reads must come
 * back the same through its own output. */
static void fuzz_matching(const sp_inst *in, const char *data, size_t size)
{
	sp_matching *m = (sp_matching *)1, *back;
	sp_err err;
	sp_status s =
	    sp_matching_read_mem(in, data, size, SP_FMT_RP, "m", &m, &err);
	if (s) {
		check(m == NULL && err.msg[0] != '\0');
		return;
	}
	size_t len;
	char *text = to_text(in, m, &len, &s);
	check(s == SP_OK || s == SP_ENOMEM);
	if (s == SP_OK) {
		s = sp_matching_read_mem(in, text, len, SP_FMT_RP, "again",
		                         &back, &err);
		check(s == SP_OK);
		check(memcmp(m->prog, back->prog, m->na * sizeof *m->prog) ==
		      0);
		check(memcmp(m->supp, back->supp, m->na * sizeof *m->supp) ==
		      0);
		check(memcmp(m->cap, back->cap, m->np * sizeof *m->cap) == 0);
		check(m->stable == back->stable);
		sp_matching_free(back);
	}
	free(text);
	sp_matching_free(m);
}

/* An instance that reads writes back canonically. */
static void fuzz_roundtrip(const sp_inst *in)
{
	size_t len, len2;
	sp_status s;
	char *text = to_text(in, NULL, &len, &s);
	check(s == SP_OK);
	sp_inst *back;
	sp_err err;
	s = sp_inst_read_mem(text, len, SP_FMT_RP, "again", &back, &err);
	check(s == SP_OK);
	check(sp_inst_napplicants(back) == sp_inst_napplicants(in));
	check(sp_inst_nsupplementals(back) == sp_inst_nsupplementals(in));
	char *again = to_text(back, NULL, &len2, &s);
	check(s == SP_OK && len == len2 && memcmp(text, again, len) == 0);
	free(again);
	free(text);
	sp_inst_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sp_inst *fixed;
	sp_err err;
	if (!fixed)
		check(sp_inst_read_mem(fixed_text, sizeof fixed_text - 1,
		                       SP_FMT_RP, "fixed", &fixed,
		                       &err) == SP_OK);
	const char *text = (const char *)data;
	sp_inst *in = (sp_inst *)1;
	sp_status s =
	    sp_inst_read_mem(text, size, SP_FMT_RP, "fuzz", &in, &err);
	if (s) {
		check(in == NULL && err.msg[0] != '\0');
	} else {
		fuzz_roundtrip(in);
		fuzz_matching(in, text, size);
		sp_inst_free(in);
	}
	fuzz_matching(fixed, text, size);
	return 0;
}

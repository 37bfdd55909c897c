/*
 * fuzz_csv.c — libFuzzer harness for the CSV tokenizer and the CSV
 * readers.
 *
 * An input is split at NUL bytes (which no CSV file may hold) into up to
 * seven parts: the six files of an instance folder, in the order of
 * sp__io_csv_files, then a matching.  The first part also goes through
 * the bare tokenizer with an open header.  Properties checked besides
 * "never crash, never leak": a failure fills the message and gives
 * nothing back; fields have the length the tokenizer reports; an
 * instance that reads and can be written as rp reads back from it; a
 * number the reader takes is written in plain decimal.
 */
#include "csv.h"
#include "io.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void fuzz_tokenizer(const char *buf, size_t len)
{
	static const char *const cols[] = {"a", "b", "n"};
	sp__csv c;
	sp_err err;
	int idx[3];
	sp__csv_init(&c, buf, len, "t.csv");
	sp_status s = sp__csv_header(&c, cols, 3, 0, true, idx, &err);
	while (!s && !(s = sp__csv_next(&c, &err)) && c.nf) {
		for (size_t i = 0; i < c.nf; i++)
			check(strlen(sp__csv_field(&c, (int)i)) ==
			      sp__csv_field_len(&c, (int)i));
		long v;
		double d;
		if (sp__csv_long(&c, idx[2], 0, 1000, &v, &err) == SP_OK)
			check(v >= 0 && v <= 1000);
		if (sp__csv_double(&c, idx[2], -1, 1, &d, &err) == SP_OK) {
			/* Decimal only: no '+', hex, inf or nan spellings. */
			const char *f = sp__csv_field(&c, idx[2]);
			check(d >= -1 && d <= 1);
			check(*f != '+' && !strpbrk(f, "xXpPnNiI+ \t"));
		}
	}
	if (s)
		check(err.msg[0] != '\0');
	sp__csv_free(&c);
}

/* Writes in rp when the format can hold the instance, and reads back. */
static void fuzz_as_rp(const sp_inst *in)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	check(f != NULL);
	sp_status s = sp__io_rp_write(in, f);
	check(fclose(f) == 0);
	if (s == SP_OK) {
		sp_inst *back;
		sp_err err;
		check(sp_inst_read_mem(buf, len, SP_FMT_RP, "rp", &back,
		                       &err) == SP_OK);
		check(sp_inst_napplicants(back) == sp_inst_napplicants(in));
		check(sp_inst_ncouples(back) == sp_inst_ncouples(in));
		sp_inst_free(back);
	} else {
		check(s == SP_EUNSUPPORTED || s == SP_ELIMIT);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	sp__csv_src src[SP__CSV_NFILES];
	const char *mbuf = NULL;
	size_t mlen = 0;
	for (int i = 0; i <= SP__CSV_NFILES; i++) {
		const char *nul = p ? memchr(p, '\0', (size_t)(end - p)) : NULL;
		const char *stop = nul ? nul : end;
		const char *part = p;
		size_t n = p ? (size_t)(stop - p) : 0;
		if (i < SP__CSV_NFILES) {
			src[i].buf = part;
			src[i].len = n;
			src[i].name = sp__io_csv_files[i];
		} else {
			mbuf = part;
			mlen = n;
		}
		p = nul ? nul + 1 : NULL;
	}
	fuzz_tokenizer(src[0].buf, src[0].len);
	sp_inst *in = (sp_inst *)1;
	sp_err err;
	sp_status s = sp__io_csv_read_bufs(src, &in, &err);
	if (s) {
		check(in == NULL && err.msg[0] != '\0');
		return 0;
	}
	fuzz_as_rp(in);
	if (mbuf) {
		sp_matching *m = (sp_matching *)1;
		s = sp_matching_read_mem(in, mbuf, mlen, SP_FMT_CSV, "m.csv",
		                         &m, &err);
		if (s)
			check(m == NULL && err.msg[0] != '\0');
		sp_matching_free(s ? NULL : m);
	}
	sp_inst_free(in);
	return 0;
}

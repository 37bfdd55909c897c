/*
 * fuzz_portfolio.c — libFuzzer harness for the raw portfolio problem
 * (sp_portfolio_json in portfolio.c), in both modes.
 *
 * The first byte chooses the curve flag; the rest is the document.  The
 * caps are lowered so every run stays fast.  A refusal must come with a
 * message; an answer must be valid JSON with a finite, non-negative
 * value for every entry, and a curve must add each option once.
 */
#include "json.h"
#include "portfolio.h"

#include <math.h>
#include <stdlib.h>

/* An answer has "chosen"; a curve entry names the option it "added". */
static void check_entry(const sp__json *e, bool in_curve)
{
	const sp__json *v = sp__json_get(e, "value");
	const sp__json *c = sp__json_get(e, in_curve ? "added" : "chosen");
	if (!v || v->type != SP__JSON_NUMBER || !(v->u.num.d >= 0) ||
	    !isfinite(v->u.num.d) || !c ||
	    c->type != (in_curve ? SP__JSON_STRING : SP__JSON_ARRAY))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	int curve = data[0] & 1;
	sp__portfolio_limits lim = {.max_options = 2000,
	                            .max_work = 1 << 20,
	                            .max_cells = 1 << 20,
	                            .max_out = 1 << 20};
	char *out = NULL;
	size_t len = 0;
	sp_err err;
	sp_status s = sp__portfolio_json((const char *)data + 1, size - 1,
	                                 "fuzz", curve, &lim, &out, &len, &err);
	if (s) {
		if (out || len || !err.msg[0])
			abort();
		return 0;
	}
	sp__json_doc *d;
	if (sp__json_parse(out, len, "answer", NULL, &d, &err)) {
		fprintf(stderr, "answer is not JSON: %s\n", err.msg);
		abort();
	}
	const sp__json *cv = sp__json_get(d->root, "curve");
	if (curve) {
		if (!cv || cv->type != SP__JSON_ARRAY)
			abort();
		/* One ordering: entry i adds an option not added before,
		 * so the answer grows linearly with the count. */
		for (size_t i = 0; i < sp__json_len(cv); i++) {
			const sp__json *e = sp__json_at(cv, i);
			check_entry(e, true);
			const sp__json *a = sp__json_get(e, "added");
			for (size_t k = 0; k < i; k++) {
				const sp__json *b =
				    sp__json_get(sp__json_at(cv, k), "added");
				if (b->u.str.len == a->u.str.len &&
				    !memcmp(b->u.str.s, a->u.str.s,
				            a->u.str.len))
					abort();
			}
		}
	} else {
		check_entry(d->root, false);
	}
	sp__json_free(d);
	sp_free(out);
	return 0;
}

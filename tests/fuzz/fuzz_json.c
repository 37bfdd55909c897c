/*
 * fuzz_json.c — libFuzzer harness for the JSON parser (json.c).
 *
 * Every input is parsed under small caps; an accepted document is walked
 * with the accessors (each member must be found again by key), written
 * back with the writer helpers and parsed again, and the two trees must
 * be equal: strings byte for byte, numbers exactly; no string or key
 * holds a NUL.
 */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>

static void write_tree(sp__out *o, const sp__json *n)
{
	switch ((sp__json_type)n->type) {
	case SP__JSON_NULL:
		sp__out_str(o, "null");
		break;
	case SP__JSON_FALSE:
		sp__out_str(o, "false");
		break;
	case SP__JSON_TRUE:
		sp__out_str(o, "true");
		break;
	case SP__JSON_NUMBER:
		if (n->is_int)
			sp__json_write_int(o, n->u.num.i);
		else
			sp__json_write_double(o, n->u.num.d);
		break;
	case SP__JSON_STRING:
		if (strlen(n->u.str.s) != n->u.str.len)
			abort(); /* no string holds a NUL */
		sp__json_write_str(o, n->u.str.s, n->u.str.len);
		break;
	case SP__JSON_ARRAY:
	case SP__JSON_OBJECT: {
		bool obj = n->type == SP__JSON_OBJECT;
		sp__out_char(o, obj ? '{' : '[');
		for (size_t i = 0; i < sp__json_len(n); i++) {
			const sp__json *k = sp__json_at(n, i);
			if (i)
				sp__out_char(o, ',');
			if (obj) {
				if (strlen(k->key) != k->keylen)
					abort();
				sp__json_write_str(o, k->key, k->keylen);
				sp__out_char(o, ':');
			}
			write_tree(o, k);
		}
		sp__out_char(o, obj ? '}' : ']');
		break;
	}
	}
}

static void check_equal(const sp__json *a, const sp__json *b)
{
	if (a->type != b->type || sp__json_len(a) != sp__json_len(b))
		abort();
	/* An integer stays one; another number keeps its double (which
	 * may print as an integer). */
	if (a->type == SP__JSON_NUMBER &&
	    (a->u.num.d != b->u.num.d ||
	     (a->is_int && (!b->is_int || a->u.num.i != b->u.num.i))))
		abort();
	if (a->type == SP__JSON_STRING &&
	    (a->u.str.len != b->u.str.len ||
	     memcmp(a->u.str.s, b->u.str.s, a->u.str.len) != 0))
		abort();
	for (size_t i = 0; i < sp__json_len(a); i++) {
		const sp__json *x = sp__json_at(a, i), *y = sp__json_at(b, i);
		if (a->type == SP__JSON_OBJECT &&
		    (x->keylen != y->keylen ||
		     memcmp(x->key, y->key, x->keylen) != 0 ||
		     sp__json_getn(a, x->key, x->keylen) != x))
			abort();
		check_equal(x, y);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp__json_limits lim = {.max_nodes = 20000, .max_string = 4096};
	sp__json_doc *d;
	sp_err err;
	if (sp__json_parse((const char *)data, size, "fuzz", &lim, &d, &err))
		return 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	sp__out *o = malloc(sizeof *o);
	if (!o)
		abort();
	sp__out_init(o, f);
	write_tree(o, d->root);
	if (!sp__out_flush(o))
		abort();
	free(o);
	fclose(f);
	sp__json_doc *again;
	if (sp__json_parse(buf, len, "again", &lim, &again, &err)) {
		fprintf(stderr, "rewritten document refused: %s\n", err.msg);
		abort();
	}
	check_equal(d->root, again->root);
	sp__json_free(again);
	sp__json_free(d);
	free(buf);
	return 0;
}

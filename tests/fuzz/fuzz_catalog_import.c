/*
 * fuzz_catalog_import.c — libFuzzer harness for the catalog's CSV import
 * (catalog.c through csv.c): arbitrary bytes are imported into one
 * in-memory catalog.  Must never crash, leak or trip a sanitizer; a
 * refused input must leave an error message; an accepted one must
 * survive export, import, export byte for byte.
 *
 *   make fuzz FUZZ_SECONDS=20
 */
#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>

static sp_catalog *cat;

/* The catalog's export as a malloc'd string. */
static char *export_str(size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		abort();
	if (sp_catalog_export_csv(cat, f, NULL) != SP_OK)
		abort();
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!cat && sp_catalog_open(":memory:", 1, &cat, NULL) != SP_OK)
		abort();
	sp_err err;
	sp_status s = sp__catalog_import_mem(cat, (const char *)data, size,
	                                     "fuzz.csv", &err);
	if (s != SP_OK) {
		if (err.msg[0] == '\0')
			abort();
		return 0;
	}
	size_t n1, n2;
	char *first = export_str(&n1);
	if (sp__catalog_import_mem(cat, first, n1, "export.csv", &err) != SP_OK)
		abort();
	char *second = export_str(&n2);
	if (n1 != n2 || memcmp(first, second, n1) != 0)
		abort();
	free(first);
	free(second);
	return 0;
}

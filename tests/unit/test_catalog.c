/*
 * test_catalog.c — the program catalog (catalog.c): opening and refusing
 * files, the synthetic catalog against the published counts, determinism,
 * export/import round trips, every kind of bad import row (with file,
 * line and field, and the database left exactly as it was), fitted
 * parameters, and allocation failures.
 */
#include "testutil.h"

#include "catalog.h"
#include "csv.h"
#include "data.h"

#include <math.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Helpers.                                                            */

/* A fresh temporary directory, removed by rm_dir. */
static char *temp_dir(void)
{
	char tmpl[512];
	char *d = mkdtemp(tu_tmp(tmpl, sizeof tmpl, "sp-catalog-XXXXXX"));
	assert_non_null(d);
	return strdup(d);
}

static void rm_dir(char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

static char *path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The whole of a file (NULL when absent); *len gets its size. */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return b;
}

static sp_catalog *open_mem(void)
{
	sp_catalog *c = NULL;
	sp_err err;
	sp_status s = sp_catalog_open(":memory:", 1, &c, &err);
	if (s)
		fail_msg("open: %s", err.msg);
	return c;
}

static sp_catalog *open_synthetic(uint64_t seed)
{
	sp_catalog *c = open_mem();
	sp_err err;
	if (sp_catalog_init_synthetic(c, seed, &err))
		fail_msg("init: %s", err.msg);
	return c;
}

/* The catalog's export as a string (free it). */
static char *export_str(sp_catalog *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	sp_err err;
	sp_status s = sp_catalog_export_csv(c, f, &err);
	fclose(f);
	if (s)
		fail_msg("export: %s", err.msg);
	return buf;
}

static sp_status import_str(sp_catalog *c, const char *csv, sp_err *err)
{
	return sp__catalog_import_mem(c, csv, strlen(csv), "t.csv", err);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

static void sum_specialties(sp_catalog *c, long *programs, long *positions)
{
	sp_specialty_info *sp;
	size_t n;
	OK(sp_catalog_specialties(c, &sp, &n, NULL));
	*programs = *positions = 0;
	for (size_t i = 0; i < n; i++) {
		*programs += sp[i].programs;
		*positions += sp[i].positions;
	}
	sp_free(sp);
}

/* ------------------------------------------------------------------ */
/* Opening.                                                            */

static void test_default_path(void **state)
{
	(void)state;
	unsetenv("SMARTPICK_DB");
	assert_string_equal(sp_catalog_default_path(NULL), "smartpick.db");
	assert_string_equal(sp_catalog_default_path(""), "smartpick.db");
	setenv("SMARTPICK_DB", "/tmp/x.db", 1);
	assert_string_equal(sp_catalog_default_path(NULL), "/tmp/x.db");
	assert_string_equal(sp_catalog_default_path("y.db"), "y.db");
	unsetenv("SMARTPICK_DB");
}

static void test_open_refuses(void **state)
{
	(void)state;
	char *dir = temp_dir();
	sp_catalog *c = NULL;
	sp_err err;

	char *missing = path_in(dir, "missing.db");
	assert_int_equal(sp_catalog_open(missing, 0, &c, &err), SP_EIO);
	assert_null(c);
	assert_contains(err.msg, "missing.db");
	assert_contains(err.msg, "catalog init");
	struct stat st;
	assert_int_not_equal(stat(missing, &st), 0); /* not created */

	assert_int_equal(sp_catalog_open(dir, 1, &c, &err), SP_EIO);
	assert_contains(err.msg, "directory");

	char *text = path_in(dir, "notes.txt");
	write_file(text, "these are not the droids you are looking for\n");
	assert_int_equal(sp_catalog_open(text, 1, &c, &err), SP_EPARSE);
	assert_contains(err.msg, "notes.txt: not a SmartPick catalog");
	size_t len;
	char *after = read_all(text, &len);
	assert_string_equal(after, "these are not the droids you are "
	                           "looking for\n");
	free(after);

	char *other = path_in(dir, "other.db");
	sqlite3 *db;
	assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), 0);
	sqlite3_close(db);
	assert_int_equal(sp_catalog_open(other, 1, &c, &err), SP_EINVAL);
	assert_contains(err.msg, "another program");

	char *empty = path_in(dir, "empty.db");
	write_file(empty, "");
	assert_int_equal(sp_catalog_open(empty, 0, &c, &err), SP_EINVAL);
	assert_contains(err.msg, "empty database");

	/* A catalog from a newer SmartPick. */
	char *newer = path_in(dir, "newer.db");
	OK(sp_catalog_open(newer, 1, &c, &err));
	sp_catalog_close(c);
	assert_int_equal(sqlite3_open(newer, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "UPDATE meta SET value = '99' WHERE "
	                              "key = 'schema_version'",
	                              NULL, NULL, NULL),
	                 0);
	sqlite3_close(db);
	assert_int_equal(sp_catalog_open(newer, 0, &c, &err), SP_EUNSUPPORTED);
	assert_contains(err.msg, "newer");

	assert_int_equal(sp_catalog_open("", 1, &c, &err), SP_EINVAL);
	sp_catalog_close(NULL);
	free(missing);
	free(text);
	free(other);
	free(empty);
	free(newer);
	rm_dir(dir);
}

static void test_fresh_catalog(void **state)
{
	(void)state;
	sp_catalog *c = open_mem();
	sp_specialty_info *sp;
	size_t n;
	OK(sp_catalog_specialties(c, &sp, &n, NULL));
	assert_int_equal(n, 38);
	assert_string_equal(sp[0].code, "ANES");
	assert_string_equal(sp[n - 1].code, "PGY2_OTHER");
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sp[i].programs, 0);
	sp_free(sp);
	sp_program_info *pr;
	OK(sp_catalog_programs(c, NULL, &pr, &n, NULL));
	assert_int_equal(n, 0);
	sp_free(pr);
	assert_int_equal(sp_catalog_is_synthetic(c), 0);
	char *csv = export_str(c);
	assert_string_equal(csv, "code,name,specialty,track,state,region,"
	                         "setting,positions,selectivity,interview_"
	                         "slots,accepts_signals,sponsors_visa,step2_"
	                         "median,synthetic,city,acgme_id,rate_md,"
	                         "rate_do,rate_usimg,rate_img,rate_instate,"
	                         "rate_outstate,rate_gold,rate_silver,rate_"
	                         "signal,rate_nosignal,rate_cycle,estimated\n");
	free(csv);
	sp_catalog_close(c);
}

/* ------------------------------------------------------------------ */
/* The synthetic catalog.                                              */

/* Published (code, programs, positions) from the embedded table. */
typedef struct {
	char code[16];
	long programs, positions;
} published;

static size_t read_published(published *out, size_t cap)
{
	size_t len;
	const char *buf = sp__data_file("specialties_2025.csv", &len);
	assert_non_null(buf);
	sp__csv t;
	sp__csv_init(&t, buf, len, "specialties_2025.csv");
	static const char *const cols[] = {"code", "programs", "positions"};
	int idx[3];
	OK(sp__csv_header(&t, cols, 3, 3, true, idx, NULL));
	size_t n = 0;
	for (;;) {
		OK(sp__csv_next(&t, NULL));
		if (!t.nf)
			break;
		assert_true(n < cap);
		snprintf(out[n].code, sizeof out[n].code, "%s",
		         sp__csv_field(&t, idx[0]));
		OK(sp__csv_long(&t, idx[1], 0, 100000, &out[n].programs, NULL));
		OK(sp__csv_long(&t, idx[2], 0, 1000000, &out[n].positions,
		                NULL));
		n++;
	}
	sp__csv_free(&t);
	return n;
}

static void test_init_counts(void **state)
{
	(void)state;
	sp_catalog *c = open_synthetic(1);
	assert_int_equal(sp_catalog_is_synthetic(c), 1);
	published pub[64];
	size_t npub = read_published(pub, 64);
	sp_specialty_info *sp;
	size_t n;
	OK(sp_catalog_specialties(c, &sp, &n, NULL));
	assert_int_equal(n, npub);
	long programs = 0, positions = 0;
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(sp[i].code, pub[i].code);
		assert_int_equal(sp[i].programs, pub[i].programs);
		assert_int_equal(sp[i].positions, pub[i].positions);
		programs += sp[i].programs;
		positions += sp[i].positions;

		/* The programs themselves add up too. */
		sp_program_info *pr;
		size_t np;
		OK(sp_catalog_programs(c, sp[i].code, &pr, &np, NULL));
		assert_int_equal(np, pub[i].programs);
		long sum = 0;
		for (size_t k = 0; k < np; k++) {
			const sp_program_info *p = &pr[k];
			sum += p->positions;
			assert_string_equal(p->specialty, sp[i].code);
			assert_int_equal(p->track, sp[i].track);
			assert_true(p->positions >= 1 && p->positions <= 1000);
			assert_int_equal(p->synthetic, 1);
			assert_int_equal(strncmp(p->name, "Synthetic ", 10), 0);
			assert_int_equal(
			    strncmp(p->code, sp[i].code, strlen(sp[i].code)),
			    0);
			assert_int_equal(p->region,
			                 sp__catalog_division(p->state));
			assert_true(p->interview_slots >= 10 * p->positions);
			assert_true(p->interview_slots <= 14 * p->positions);
			if (sp[i].signals_gold == 0)
				assert_int_equal(p->accepts_signals, 0);
			assert_true(p->step2_median >= 200 &&
			            p->step2_median <= 300);
			assert_true(fabs(p->selectivity) <= 5);
		}
		assert_int_equal(sum, pub[i].positions);
		sp_free(pr);
	}
	assert_int_equal(programs, 6626);
	assert_int_equal(positions, 43237);
	sp_free(sp);

	/* Shapes: IM spans small to very large programs; signal uptake near
	 * 93%; selectivity about standard normal. */
	sp_program_info *pr;
	OK(sp_catalog_programs(c, "IM", &pr, &n, NULL));
	int lo = 1000, hi = 0;
	for (size_t k = 0; k < n; k++) {
		lo = TMIN(lo, pr[k].positions);
		hi = pr[k].positions > hi ? pr[k].positions : hi;
	}
	assert_true(lo <= 4);
	assert_true(hi >= 50);
	sp_free(pr);
	OK(sp_catalog_programs(c, NULL, &pr, &n, NULL));
	assert_int_equal(n, 6626);
	double sig = 0, nsig = 0, mean = 0, var = 0;
	for (size_t k = 0; k < n; k++) {
		mean += pr[k].selectivity / (double)n;
		if (strcmp(pr[k].specialty, "IM") == 0 ||
		    strcmp(pr[k].specialty, "FM") == 0) {
			sig += pr[k].accepts_signals;
			nsig++;
		}
	}
	for (size_t k = 0; k < n; k++)
		var += pow(pr[k].selectivity - mean, 2) / (double)n;
	assert_true(fabs(sig / nsig - 0.93) < 0.03);
	assert_true(fabs(mean) < 0.1);
	assert_true(fabs(var - 1) < 0.1);
	assert_int_equal(pr[0].id, 1);
	assert_string_equal(pr[0].code, "ANES-0001");
	sp_free(pr);
	sp_catalog_close(c);
}

static void test_init_deterministic(void **state)
{
	(void)state;
	sp_catalog *a = open_synthetic(42), *b = open_synthetic(42);
	sp_catalog *d = open_synthetic(43);
	char *ea = export_str(a), *eb = export_str(b), *ed = export_str(d);
	assert_string_equal(ea, eb);
	assert_true(strcmp(ea, ed) != 0);
	free(ea);
	free(eb);
	free(ed);
	sp_catalog_close(a);
	sp_catalog_close(b);
	sp_catalog_close(d);
}

/* ------------------------------------------------------------------ */
/* Import and export.                                                  */

static void test_roundtrip(void **state)
{
	(void)state;
	sp_catalog *a = open_synthetic(3);
	char *first = export_str(a);
	sp_catalog *b = open_mem();
	sp_err err;
	if (import_str(b, first, &err))
		fail_msg("import: %s", err.msg);
	char *second = export_str(b);
	assert_string_equal(first, second);
	/* Rows marked synthetic keep the catalog labelled synthetic. */
	assert_int_equal(sp_catalog_is_synthetic(b), 1);
	long programs, positions;
	sum_specialties(b, &programs, &positions);
	assert_int_equal(programs, 6626);
	assert_int_equal(positions, 43237);

	/* Field by field. */
	sp_program_info *pa, *pb;
	size_t na, nb;
	OK(sp_catalog_programs(a, NULL, &pa, &na, NULL));
	OK(sp_catalog_programs(b, NULL, &pb, &nb, NULL));
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_memory_equal(&pa[i], &pb[i], sizeof pa[i]);
	sp_free(pa);
	sp_free(pb);
	free(first);
	free(second);
	sp_catalog_close(a);
	sp_catalog_close(b);
}

static void test_roundtrip_text(void **state)
{
	(void)state;
	const char *csv =
	    "specialty,code,name,track,state,positions,selectivity\n"
	    "IM,A.1,\"Hospital, \"\"Saint\"\" Mary's\",categorical,NY,30,"
	    "0.1234567890123\n"
	    "PEDS,B/2,Clínica São José,categorical,PR,8,-2.5\n"
	    "PGY2_OTHER,C_3,Other advanced,advanced,AK,1,1e-3\n";
	sp_catalog *c = open_mem();
	sp_err err;
	if (import_str(c, csv, &err))
		fail_msg("import: %s", err.msg);
	assert_int_equal(sp_catalog_is_synthetic(c), 0);
	char *first = export_str(c);
	assert_contains(first, "A.1,\"Hospital, \"\"Saint\"\" Mary's\",IM,"
	                       "categorical,NY,2,community-university,30,"
	                       "0.1234567890123,360,1,0,254,0,,,,,,,,,,,,,,\n");
	assert_contains(first, "B/2,Clínica São José,PEDS,categorical,PR,5,"
	                       "community-university,8,-2.5,96,1,0,249,0,,,,,"
	                       ",,,,,,,,,\n");
	assert_contains(first, ",0.001,");
	OK(import_str(c, first, &err));
	char *second = export_str(c);
	assert_string_equal(first, second);
	free(first);
	free(second);
	sp_catalog_close(c);
}

/* Schema 2's columns: city, ACGME id, rates (empty = not measured),
 * the cycle and the estimated fields survive a round trip; bad values
 * are refused with their field. */
static void test_roundtrip_v2(void **state)
{
	(void)state;
	const char *csv =
	    "code,name,specialty,track,state,positions,city,acgme_id,rate_md,"
	    "rate_img,rate_gold,rate_nosignal,rate_cycle,estimated\n"
	    "X1,\"Sample Hospital, Program\",IM,categorical,MN,12,"
	    "\"St. Paul, North\",1402600001,0.39,0,,0.125,2024,"
	    "positions;setting\n"
	    "X2,Other,FM,categorical,OH,5,,,,,,,,\n";
	sp_catalog *c = open_mem();
	sp_err err;
	if (import_str(c, csv, &err))
		fail_msg("import: %s", err.msg);
	sp_program_info *p;
	size_t n;
	OK(sp_catalog_programs(c, NULL, &p, &n, NULL));
	assert_int_equal(n, 2);
	assert_string_equal(p[0].city, "St. Paul, North");
	assert_string_equal(p[0].acgme_id, "1402600001");
	assert_true(p[0].rates[SP_RATE_MD] == 0.39);
	assert_true(p[0].rates[SP_RATE_IMG] == 0);
	assert_true(isnan(p[0].rates[SP_RATE_GOLD]));
	assert_true(isnan(p[0].rates[SP_RATE_DO]));
	assert_true(p[0].rates[SP_RATE_NOSIGNAL] == 0.125);
	assert_int_equal(p[0].rate_cycle, 2024);
	assert_int_equal(p[0].estimated,
	                 (1u << SP_FIELD_POSITIONS) | (1u << SP_FIELD_SETTING));
	assert_string_equal(sp_program_provenance(&p[0], SP_FIELD_SETTING),
	                    "estimated");
	assert_string_equal(sp_program_provenance(&p[0], SP_FIELD_STATE),
	                    "published");
	assert_int_equal(p[1].rate_cycle, 0);
	assert_int_equal(p[1].estimated, 0);
	for (int r = 0; r < SP_RATE_N; r++)
		assert_true(isnan(p[1].rates[r]));
	sp_free(p);
	char *first = export_str(c);
	assert_contains(first, ",\"St. Paul, North\",1402600001,0.39,,,0,,,"
	                       ",,,0.125,2024,positions;setting\n");
	OK(import_str(c, first, &err));
	char *second = export_str(c);
	assert_string_equal(first, second);
	free(first);
	free(second);
	static const struct {
		const char *row, *field;
	} bad[] = {
	    {"rate_md\nY,Y,IM,categorical,OH,1,1.5\n", "rate_md"},
	    {"rate_cycle\nY,Y,IM,categorical,OH,1,1999\n", "rate_cycle"},
	    {"estimated\nY,Y,IM,categorical,OH,1,colour\n", "estimated"},
	    {"estimated\nY,Y,IM,categorical,OH,1,city;city\n", "estimated"},
	    {"estimated\nY,Y,IM,categorical,OH,1,city;\n", "estimated"},
	    {"acgme_id\nY,Y,IM,categorical,OH,1,12-3\n", "acgme_id"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char buf[256];
		snprintf(buf, sizeof buf,
		         "code,name,specialty,track,state,positions,%s",
		         bad[i].row);
		assert_int_not_equal(import_str(c, buf, &err), SP_OK);
		assert_string_equal(err.field, bad[i].field);
		assert_int_equal(err.line, 2);
	}
	sp_catalog_close(c);
}

/* The real catalog: the published counts per row, at least 4,700 real
 * programs found by name and state with their measured rates, the rest
 * labelled estimated rows, every estimated field marked; deterministic;
 * export, import, export gives the same bytes. */
static void test_real_catalog(void **state)
{
	(void)state;
	sp_catalog *c = open_mem();
	sp_err err;
	if (sp_catalog_init_real(c, &err))
		fail_msg("init_real: %s", err.msg);
	assert_int_equal(sp_catalog_is_synthetic(c), 0);
	long programs, positions;
	sum_specialties(c, &programs, &positions);
	assert_int_equal(programs, 6626);
	assert_int_equal(positions, 43237);
	sp_program_info *p;
	size_t n;
	OK(sp_catalog_programs(c, NULL, &p, &n, NULL));
	size_t real = 0, measured_im = 0;
	bool found = false;
	for (size_t i = 0; i < n; i++) {
		bool est_name = p[i].estimated & (1u << SP_FIELD_NAME);
		assert_int_equal(p[i].synthetic, 0);
		assert_true(p[i].estimated & (1u << SP_FIELD_POSITIONS));
		if (est_name) {
			assert_non_null(strstr(p[i].name, "(estimated)"));
			assert_int_equal(p[i].rate_cycle, 0);
			continue;
		}
		real++;
		for (int r = 0; r < SP_RATE_N; r++)
			assert_true(isnan(p[i].rates[r]) ||
			            (p[i].rates[r] >= 0 && p[i].rates[r] <= 1));
		if (!strcmp(p[i].specialty, "IM") &&
		    !isnan(p[i].rates[SP_RATE_MD]))
			measured_im++;
		if (!strcmp(p[i].name,
		            "Abbott-Northwestern Hospital Program") &&
		    !strcmp(p[i].state, "MN") &&
		    !strcmp(p[i].specialty, "IM")) {
			found = true;
			assert_string_equal(p[i].city, "Minneapolis");
			assert_true(p[i].rates[SP_RATE_MD] == 0.39);
			assert_true(p[i].rates[SP_RATE_INSTATE] == 0.87);
			assert_int_equal(p[i].rate_cycle, 2024);
		}
	}
	assert_true(found);
	assert_int_equal(real, 4777);
	assert_true(measured_im > 500);
	/* Selectivity falls as a program invites more of its US applicants
	 * and, at the same US rates, more of its non-US IMGs (a program
	 * that fills with IMGs is one US graduates seek less): over every
	 * pair of Internal Medicine programs with all three rates. */
	long pairs = 0, img_only = 0;
	for (size_t i = 0; i < n; i++) {
		const sp_program_info *a = &p[i];
		if (strcmp(a->specialty, "IM") || isnan(a->rates[SP_RATE_MD]) ||
		    isnan(a->rates[SP_RATE_DO]) || isnan(a->rates[SP_RATE_IMG]))
			continue;
		double la = a->rates[SP_RATE_MD] + a->rates[SP_RATE_DO];
		for (size_t k = 0; k < n; k++) {
			const sp_program_info *b = &p[k];
			if (k == i || strcmp(b->specialty, "IM") ||
			    isnan(b->rates[SP_RATE_MD]) ||
			    isnan(b->rates[SP_RATE_DO]) ||
			    isnan(b->rates[SP_RATE_IMG]))
				continue;
			double lb = b->rates[SP_RATE_MD] + b->rates[SP_RATE_DO];
			double ia = fmax(a->rates[SP_RATE_IMG], 0.005);
			double ib = fmax(b->rates[SP_RATE_IMG], 0.005);
			if (la >= lb && ia >= ib && (la > lb || ia > ib)) {
				pairs++;
				img_only += la == lb;
				/* Rounded to 3 decimals; strictly
				 * below when only the IMG rate differs. */
				double slack = la == lb ? -0.0005 : 0.0015;
				if (a->selectivity > b->selectivity + slack)
					fail_msg(
					    "%s (%.3f) not below %s (%.3f)",
					    a->code, a->selectivity, b->code,
					    b->selectivity);
			}
		}
	}
	assert_true(pairs > 10000);
	assert_true(img_only > 10);
	sp_free(p);
	char *first = export_str(c);
	sp_catalog *d = open_mem();
	OK(sp_catalog_init_real(d, &err));
	char *again = export_str(d);
	assert_string_equal(first, again);
	OK(import_str(d, first, &err));
	char *second = export_str(d);
	assert_string_equal(first, second);
	free(first);
	free(again);
	free(second);
	sp_catalog_close(c);
	sp_catalog_close(d);
}

static void test_import_defaults(void **state)
{
	(void)state;
	sp_catalog *c = open_mem();
	sp_err err;
	const char *csv =
	    "code,name,specialty,track,state,positions,region,setting,"
	    "selectivity,interview_slots,accepts_signals,sponsors_visa,"
	    "step2_median,synthetic\n"
	    "P1,One,OBGYN,categorical,TX,4,,,,,,,,\n"
	    "P2,Two,DERM-A,advanced,WA,2,9,university,1.5,40,0,1,262.5,0\n"
	    "P3,Three,PGY1_OTHER,preliminary,ME,1,,military,,,,,,1\n";
	if (import_str(c, csv, &err))
		fail_msg("import: %s", err.msg);
	sp_program_info *p;
	size_t n;
	OK(sp_catalog_programs(c, NULL, &p, &n, NULL));
	assert_int_equal(n, 3);
	assert_int_equal(p[0].region, 7);
	assert_int_equal(p[0].setting, SP_SETTING_COMMUNITY_UNIVERSITY);
	assert_true(p[0].selectivity == 0);
	assert_int_equal(p[0].interview_slots, 48);
	assert_int_equal(p[0].accepts_signals, 0); /* OBGYN: no ERAS signals */
	assert_int_equal(p[0].sponsors_visa, 0);
	assert_true(p[0].step2_median == 253);
	assert_int_equal(p[0].synthetic, 0);
	assert_int_equal(p[1].setting, SP_SETTING_UNIVERSITY);
	assert_true(p[1].selectivity == 1.5);
	assert_int_equal(p[1].interview_slots, 40);
	assert_int_equal(p[1].accepts_signals, 0);
	assert_int_equal(p[1].sponsors_visa, 1);
	assert_true(p[1].step2_median == 262.5);
	assert_int_equal(p[2].track, SP_TRACK_PRELIMINARY); /* residual row */
	assert_int_equal(p[2].setting, SP_SETTING_MILITARY);
	assert_int_equal(p[2].synthetic, 1);
	assert_int_equal(p[2].region, 1);
	sp_free(p);
	/* One synthetic row makes the catalog synthetic. */
	assert_int_equal(sp_catalog_is_synthetic(c), 1);

	/* Counts are recomputed from the imported programs. */
	sp_specialty_info *sp;
	OK(sp_catalog_specialties(c, &sp, &n, NULL));
	for (size_t i = 0; i < n; i++) {
		if (strcmp(sp[i].code, "OBGYN") == 0) {
			assert_int_equal(sp[i].programs, 1);
			assert_int_equal(sp[i].positions, 4);
		} else if (strcmp(sp[i].code, "IM") == 0) {
			assert_int_equal(sp[i].programs, 0);
		}
	}
	sp_free(sp);

	/* A minimal file: the required columns only; where the specialty
	 * has signals, programs take them by default. */
	OK(import_str(c,
	              "code,name,specialty,track,state,positions\n"
	              "Q1,Q,IM,categorical,DC,10\n",
	              &err));
	OK(sp_catalog_programs(c, NULL, &p, &n, NULL));
	assert_int_equal(n, 1);
	assert_int_equal(p[0].region, 5);
	assert_int_equal(p[0].accepts_signals, 1);
	assert_int_equal(p[0].interview_slots, 120);
	sp_free(p);
	assert_int_equal(sp_catalog_is_synthetic(c), 0);
	sp_catalog_close(c);
}

#define HEAD "code,name,specialty,track,state,positions\n"
#define ROW1 "A1,Alpha,IM,categorical,OH,10\n"

static const struct {
	const char *csv;
	sp_status status;
	const char *where; /* the start of the message */
	const char *what;  /* also in the message */
} bad_rows[] = {
    {HEAD ROW1 "A2,Beta,XYZ,categorical,OH,5\n", SP_ENOTFOUND,
     "t.csv:3: field 'specialty': ", "unknown specialty code \"XYZ\""},
    {HEAD ROW1 "A2,Beta,IM,categorical,XX,5\n", SP_ENOTFOUND,
     "t.csv:3: field 'state': ", "unknown state \"XX\""},
    {HEAD ROW1 "A2,Beta,IM,categorical,oh,5\n", SP_ENOTFOUND,
     "t.csv:3: field 'state': ", "in capitals"},
    {HEAD ROW1 "A2,Beta,IM,categorical,OH,ten\n", SP_EPARSE,
     "t.csv:3: field 'positions': ", "got \"ten\""},
    {HEAD ROW1 "A2,Beta,IM,categorical,OH,0\n", SP_EPARSE,
     "t.csv:3: field 'positions': ", "positive integer"},
    {HEAD ROW1 "A2,Beta,IM,categorical,OH,1001\n", SP_ELIMIT,
     "t.csv:3: field 'positions': ", "limit of 1000"},
    {HEAD ROW1 "A2,Beta,IM,categorical,OH,-3\n", SP_EPARSE,
     "t.csv:3: field 'positions': ", "\"-3\""},
    {HEAD ROW1 "A2,Beta,IM,categorical,OH,5\nA1,Gamma,IM,categorical,OH,"
               "5\n",
     SP_EDUP, "t.csv:4: field 'code': ",
     "duplicate program code \"A1\" (first on line 2)"},
    {"code,name,specialty,track,state,positions,colour\n" ROW1, SP_EPARSE,
     "t.csv:1: field 'colour': ", "unknown column \"colour\""},
    {"code,name,specialty,track,positions\n" ROW1, SP_EPARSE,
     "t.csv:1: field 'state': ", "missing column"},
    {"code,name,specialty,track,state,positions,state\n" ROW1, SP_EPARSE,
     "t.csv:1: field 'state': ", "appears twice"},
    {HEAD ROW1 "A2,Beta,IM,fellowship,OH,5\n", SP_ENOTFOUND,
     "t.csv:3: field 'track': ", "unknown track \"fellowship\""},
    {HEAD ROW1 "A2,Beta,IM,preliminary,OH,5\n", SP_EINVAL,
     "t.csv:3: field 'track': ", "does not fit specialty IM"},
    {HEAD ROW1 "A 2,Beta,IM,categorical,OH,5\n", SP_EPARSE,
     "t.csv:3: field 'code': ", "program code"},
    {HEAD ROW1 ",Beta,IM,categorical,OH,5\n", SP_EPARSE,
     "t.csv:3: field 'code': ", "got \"\""},
    {HEAD ROW1 "A2,,IM,categorical,OH,5\n", SP_EPARSE,
     "t.csv:3: field 'name': ", "expected a name"},
    {HEAD ROW1 "A2,\"Be\nta\",IM,categorical,OH,5\n", SP_EPARSE,
     "t.csv:3: field 'name': ", "control characters"},
    {HEAD ROW1 "A2,Be\xff,IM,categorical,OH,5\n", SP_EPARSE,
     "t.csv:3: field 'name': ", "UTF-8"},
    {HEAD ROW1 "A2,Beta,IM,categorical,OH\n", SP_EPARSE,
     "t.csv:3: ", "expected 6 fields"},
    {HEAD ROW1 "A2,\"Beta,IM,categorical,OH,5\n", SP_EPARSE,
     "t.csv:3: ", "never closed"},
    {HEAD "A1,Alpha,IM,categorical,OH,10,11\n", SP_EPARSE,
     "t.csv:2: ", "expected 6 fields"},
    {"code,name,specialty,track,state,positions,region\nA1,Alpha,IM,"
     "categorical,OH,10,3\nA2,Beta,IM,categorical,OH,5,4\n",
     SP_EINVAL,
     "t.csv:3: field 'region': ", "census division 3 (East North Central)"},
    {"code,name,specialty,track,state,positions,region\nA2,Beta,IM,"
     "categorical,OH,5,10\n",
     SP_ELIMIT, "t.csv:2: field 'region': ", "limit of 9"},
    {"code,name,specialty,track,state,positions,setting\nA2,Beta,IM,"
     "categorical,OH,5,hospital\n",
     SP_ENOTFOUND, "t.csv:2: field 'setting': ", "unknown setting"},
    {"code,name,specialty,track,state,positions,selectivity\nA2,Beta,IM,"
     "categorical,OH,5,high\n",
     SP_EPARSE, "t.csv:2: field 'selectivity': ", "expected a number"},
    {"code,name,specialty,track,state,positions,selectivity\nA2,Beta,IM,"
     "categorical,OH,5,nan\n",
     SP_EPARSE, "t.csv:2: field 'selectivity': ", "expected a number"},
    {"code,name,specialty,track,state,positions,selectivity\nA2,Beta,IM,"
     "categorical,OH,5,11\n",
     SP_ELIMIT, "t.csv:2: field 'selectivity': ", "limit of 10"},
    {"code,name,specialty,track,state,positions,interview_slots\nA2,Beta,"
     "IM,categorical,OH,5,1.5\n",
     SP_EPARSE, "t.csv:2: field 'interview_slots': ", "got \"1.5\""},
    {"code,name,specialty,track,state,positions,accepts_signals\nA2,Beta,"
     "IM,categorical,OH,5,2\n",
     SP_ELIMIT, "t.csv:2: field 'accepts_signals': ", "limit of 1"},
    {"code,name,specialty,track,state,positions,sponsors_visa\nA2,Beta,"
     "IM,categorical,OH,5,yes\n",
     SP_EPARSE, "t.csv:2: field 'sponsors_visa': ", "got \"yes\""},
    {"code,name,specialty,track,state,positions,step2_median\nA2,Beta,"
     "IM,categorical,OH,5,500\n",
     SP_ELIMIT, "t.csv:2: field 'step2_median': ", "limit of 300"},
    {"code,name,specialty,track,state,positions,synthetic\nA2,Beta,"
     "IM,categorical,OH,5,maybe\n",
     SP_EPARSE, "t.csv:2: field 'synthetic': ", "got \"maybe\""},
    {HEAD, SP_EPARSE, "t.csv: ", "no programs"},
    {"", SP_EPARSE, "t.csv:1: ", "missing header row"},
};

/* Runs bad_rows[first..last) against c, which must not change. */
static void refuse_rows(sp_catalog *c, size_t first, size_t last)
{
	char *before = export_str(c);
	int synthetic = sp_catalog_is_synthetic(c);
	for (size_t i = first; i < last; i++) {
		sp_err err;
		sp_status s = import_str(c, bad_rows[i].csv, &err);
		if (s != bad_rows[i].status)
			fail_msg("case %zu: status %d (%s), expected %d", i,
			         (int)s, err.msg, (int)bad_rows[i].status);
		if (strncmp(err.msg, bad_rows[i].where,
		            strlen(bad_rows[i].where)) != 0)
			fail_msg("case %zu: \"%s\" does not start with "
			         "\"%s\"",
			         i, err.msg, bad_rows[i].where);
		assert_contains(err.msg, bad_rows[i].what);
		assert_string_equal(err.file, "t.csv");
		char *after = export_str(c);
		if (strcmp(before, after) != 0)
			fail_msg("case %zu: the catalog changed", i);
		free(after);
		assert_int_equal(sp_catalog_is_synthetic(c), synthetic);
	}
	free(before);
}

static void test_import_refuses(void **state)
{
	(void)state;
	size_t n = sizeof bad_rows / sizeof *bad_rows;
	/* Every case against a small catalog with a synthetic row... */
	sp_catalog *c = open_mem();
	OK(import_str(c,
	              "code,name,specialty,track,state,positions,synthetic\n"
	              "K1,Kay,PSYCH,categorical,VT,7,0\n"
	              "K2,\"Kay, two\",TY,preliminary,GA,12,1\n"
	              "K3,Kay three,RADONC,advanced,OR,2,0\n",
	              NULL));
	refuse_rows(c, 0, n);
	sp_catalog_close(c);
	/* ...and a few against the whole synthetic catalog. */
	c = open_synthetic(5);
	refuse_rows(c, 0, 3);
	refuse_rows(c, n - 2, n);
	long programs, positions;
	sum_specialties(c, &programs, &positions);
	assert_int_equal(programs, 6626);
	assert_int_equal(positions, 43237);
	sp_catalog_close(c);
}

/* On disk: a refused import leaves the database file byte for byte. */
static void test_import_file(void **state)
{
	(void)state;
	char *dir = temp_dir();
	char *db = path_in(dir, "cat.db"), *csv = path_in(dir, "in.csv");
	char *good = path_in(dir, "good.csv");
	sp_catalog *c;
	sp_err err;
	OK(sp_catalog_open(db, 1, &c, &err));
	OK(sp_catalog_init_synthetic(c, 9, &err));
	char *exported = export_str(c);
	sp_catalog_close(c);

	size_t len0, len1;
	char *bytes0 = read_all(db, &len0);
	/* Row 6000 of a valid export, corrupted: 5998 rows go in first. */
	char *bad = strdup(exported);
	char *p = bad;
	for (int line = 1; line < 6000; line++)
		p = strchr(p, '\n') + 1;
	char *comma = strchr(p, ','); /* the state is the fifth field */
	for (int k = 0; k < 3; k++)
		comma = strchr(comma + 1, ',');
	memcpy(comma + 1, "ZZ", 2);
	write_file(csv, bad);
	OK(sp_catalog_open(db, 0, &c, &err));
	sp_status s = sp_catalog_import_csv(c, csv, &err);
	assert_int_equal(s, SP_ENOTFOUND);
	assert_int_equal(err.line, 6000);
	assert_string_equal(err.field, "state");
	assert_string_equal(err.file, csv);
	char *again = export_str(c);
	assert_string_equal(again, exported);
	free(again);
	sp_catalog_close(c);
	char *bytes1 = read_all(db, &len1);
	assert_int_equal(len0, len1);
	assert_memory_equal(bytes0, bytes1, len0);

	/* A missing file is an I/O error naming it. */
	OK(sp_catalog_open(db, 0, &c, &err));
	char *none = path_in(dir, "none.csv");
	assert_int_equal(sp_catalog_import_csv(c, none, &err), SP_EIO);
	assert_contains(err.msg, "none.csv");

	/* A good file replaces the catalog and is no longer synthetic. */
	write_file(good, "code,name,specialty,track,state,positions\n"
	                 "Z,Zed,FM,categorical,NM,6\n");
	OK(sp_catalog_import_csv(c, good, &err));
	assert_int_equal(sp_catalog_is_synthetic(c), 0);
	sp_catalog_close(c);
	OK(sp_catalog_open(db, 0, &c, &err));
	long programs, positions;
	sum_specialties(c, &programs, &positions);
	assert_int_equal(programs, 1);
	assert_int_equal(positions, 6);
	sp_catalog_close(c);

	free(bytes0);
	free(bytes1);
	free(bad);
	free(exported);
	free(none);
	free(db);
	free(csv);
	free(good);
	rm_dir(dir);
}

/* ------------------------------------------------------------------ */
/* Parameters.                                                         */

static void test_params(void **state)
{
	(void)state;
	sp_catalog *c = open_mem();
	double v = -1;
	assert_int_equal(sp_catalog_param_get(c, "signal_bonus", "", &v),
	                 SP_ENOTFOUND);
	const char *names[] = {"signal_bonus", "signal_bonus", "noise_sd"};
	const char *specs[] = {"", "DERM", NULL};
	const double vals[] = {0.8, 1.2, 0.35};
	OK(sp_catalog_params_set(c, 3, names, specs, vals, NULL));
	OK(sp_catalog_param_get(c, "signal_bonus", "", &v));
	assert_true(v == 0.8);
	OK(sp_catalog_param_get(c, "signal_bonus", "DERM", &v));
	assert_true(v == 1.2);
	OK(sp_catalog_param_get(c, "noise_sd", NULL, &v));
	assert_true(v == 0.35);
	/* No fallback from a specialty to the global value. */
	assert_int_equal(sp_catalog_param_get(c, "noise_sd", "IM", &v),
	                 SP_ENOTFOUND);

	/* Overwrite, all or nothing. */
	const char *n2[] = {"signal_bonus", "signal_bonus"};
	const char *s2[] = {"", "NOPE"};
	const double v2[] = {9, 9};
	sp_err err;
	assert_int_equal(sp_catalog_params_set(c, 2, n2, s2, v2, &err),
	                 SP_ENOTFOUND);
	assert_contains(err.msg, "parameter 1");
	assert_contains(err.msg, "\"NOPE\"");
	OK(sp_catalog_param_get(c, "signal_bonus", "", &v));
	assert_true(v == 0.8);
	const double nan_v[] = {NAN};
	assert_int_equal(sp_catalog_params_set(c, 1, n2, s2, nan_v, &err),
	                 SP_EINVAL);
	const char *empty[] = {""};
	assert_int_equal(sp_catalog_params_set(c, 1, empty, s2, v2, &err),
	                 SP_EINVAL);
	const double v3[] = {2.5};
	OK(sp_catalog_params_set(c, 1, n2, s2, v3, NULL));
	OK(sp_catalog_param_get(c, "signal_bonus", "", &v));
	assert_true(v == 2.5);

	/* Parameters survive an import; init replaces them with the
	 * shipped ones (none in this build). */
	OK(import_str(c, HEAD ROW1, NULL));
	OK(sp_catalog_param_get(c, "signal_bonus", "DERM", &v));
	if (sp__data_file("params.csv", NULL) == NULL) {
		OK(sp_catalog_init_synthetic(c, 2, NULL));
		assert_int_equal(
		    sp_catalog_param_get(c, "signal_bonus", "DERM", &v),
		    SP_ENOTFOUND);
	}
	sp_catalog_close(c);
}

/* sp_catalog_apply_params gives the model the catalog's values and
 * fails, naming the parameter, on one it cannot use: here a value made
 * infinite behind the open handle (the check at open cannot see it). */
static void test_apply_params(void **state)
{
	(void)state;
	char *dir = temp_dir();
	char *path = path_in(dir, "p.db");
	sp_catalog *c;
	sp_err err;
	OK(sp_catalog_open(path, 1, &c, &err));
	sp_specialty_info *specs;
	sp_program_info *progs;
	size_t ns, np;
	OK(sp_catalog_synthetic(1, &specs, &ns, &progs, &np, &err));
	sp_model *m = NULL;
	OK(sp_model_new(specs, ns, progs, np, &m, &err));
	sp_free(specs);
	sp_free(progs);
	/* The model's first parameter is set in the catalog, its second
	 * is not. */
	const char *name0, *code0, *name1, *code1, *st;
	double before, v;
	sp_model_param_at(m, 0, &name0, &code0, &v, &st);
	sp_model_param_at(m, 1, &name1, &code1, &before, &st);
	const char *names[] = {name0};
	const char *codes[] = {code0};
	const double vals[] = {v + 0.625};
	OK(sp_catalog_params_set(c, 1, names, codes, vals, &err));
	OK(sp_catalog_apply_params(c, m, &err));
	OK(sp_model_param_get(m, name0, code0, &v));
	assert_true(v == vals[0]);
	OK(sp_model_param_get(m, name1, code1, &v));
	assert_true(v == before);

	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE params SET value = 9e999",
	                              NULL, NULL, NULL),
	                 0);
	sqlite3_close(db);
	memset(&err, 0, sizeof err);
	assert_int_equal(sp_catalog_apply_params(c, m, &err), SP_EPARSE);
	assert_contains(err.msg, name0);
	assert_contains(err.msg, "p.db");
	sp_model_free(m);
	sp_catalog_close(c);
	free(path);
	rm_dir(dir);
}

static void test_params_csv(void **state)
{
	(void)state;
	sp_catalog *c = open_mem();
	sp_err err;
	const char *good = "name,specialty,value,source,grade\n"
	                   "signal_bonus,,0.75,S48,E\n"
	                   "signal_bonus,ORTHO,1.5,S48;S49,E\n";
	OK(sp__catalog_init_with_params(c, 4, good, strlen(good), "p.csv",
	                                &err));
	double v;
	OK(sp_catalog_param_get(c, "signal_bonus", "ORTHO", &v));
	assert_true(v == 1.5);
	OK(sp_catalog_param_get(c, "signal_bonus", "", &v));
	assert_true(v == 0.75);
	assert_int_equal(sp_catalog_is_synthetic(c), 1);

	/* A bad parameter file fails the whole init: catalog and old
	 * parameters stay. */
	OK(import_str(c, HEAD ROW1, NULL));
	char *imported = export_str(c);
	const char *bad = "name,specialty,value,source\n"
	                  "a,,1,S1\n"
	                  "b,UROLOGY,2,S1\n";
	assert_int_equal(
	    sp__catalog_init_with_params(c, 4, bad, strlen(bad), "p.csv", &err),
	    SP_ENOTFOUND);
	assert_contains(err.msg, "p.csv:3: field 'specialty'");
	char *after = export_str(c);
	assert_string_equal(after, imported);
	free(after);
	OK(sp_catalog_param_get(c, "signal_bonus", "ORTHO", &v));
	assert_int_equal(sp_catalog_is_synthetic(c), 0);
	const char *nosrc = "name,specialty,value,source\na,,1,\n";
	assert_int_equal(sp__catalog_init_with_params(
	                     c, 4, nosrc, strlen(nosrc), "p.csv", &err),
	                 SP_EPARSE);
	assert_contains(err.msg, "p.csv:2: field 'source'");
	free(imported);
	sp_catalog_close(c);
}

static void test_divisions(void **state)
{
	(void)state;
	assert_int_equal(sp__catalog_division("CT"), 1);
	assert_int_equal(sp__catalog_division("NY"), 2);
	assert_int_equal(sp__catalog_division("OH"), 3);
	assert_int_equal(sp__catalog_division("MN"), 4);
	assert_int_equal(sp__catalog_division("DC"), 5);
	assert_int_equal(sp__catalog_division("PR"), 5);
	assert_int_equal(sp__catalog_division("TN"), 6);
	assert_int_equal(sp__catalog_division("TX"), 7);
	assert_int_equal(sp__catalog_division("UT"), 8);
	assert_int_equal(sp__catalog_division("HI"), 9);
	assert_int_equal(sp__catalog_division("GU"), 0);
	assert_int_equal(sp__catalog_division(""), 0);
	assert_int_equal(sp__catalog_division("ny"), 0);
}

static void test_unknown_specialty_query(void **state)
{
	(void)state;
	sp_catalog *c = open_mem();
	sp_program_info *p = NULL;
	size_t n = 9;
	sp_err err;
	assert_int_equal(sp_catalog_programs(c, "NOPE", &p, &n, &err),
	                 SP_ENOTFOUND);
	assert_null(p);
	assert_int_equal(n, 0);
	assert_contains(err.msg, "NOPE");
	sp_catalog_close(c);
}

/* ------------------------------------------------------------------ */
/* Allocation failures: each fails cleanly (ASan checks for leaks) and
 * leaves the catalog as it was. */

static void test_alloc_failures(void **state)
{
	(void)state;
	sp_catalog *c = open_mem();
	OK(import_str(c,
	              "code,name,specialty,track,state,positions\n"
	              "K1,Kay,PSYCH,categorical,VT,7\n",
	              NULL));
	char *before = export_str(c);
	const char *csv =
	    "code,name,specialty,track,state,positions\n"
	    "A1,Alpha,IM,categorical,OH,10\nA2,Beta,FM,categorical,CA,4\n"
	    "A3,Gamma,DERM-A,advanced,NY,2\n";
	int failures = 0;
	for (long n = 1;; n++) {
		sp_alloc_fail_after(n);
		sp_status s = import_str(c, csv, NULL);
		sp_alloc_fail_after(0);
		if (s == SP_OK)
			break;
		assert_int_equal(s, SP_ENOMEM);
		char *after = export_str(c);
		assert_string_equal(before, after);
		free(after);
		failures++;
		assert_true(n < 1000);
	}
	assert_true(failures > 3);

	char *imported = export_str(c);
	failures = 0;
	for (long n = 1;; n *= 2) {
		sp_alloc_fail_after(n);
		sp_status s = sp_catalog_init_synthetic(c, 6, NULL);
		sp_alloc_fail_after(0);
		if (s == SP_OK)
			break;
		assert_int_equal(s, SP_ENOMEM);
		char *after = export_str(c);
		assert_string_equal(imported, after);
		free(after);
		failures++;
		assert_true(n < 100000);
	}
	assert_true(failures > 3);
	long programs, positions;
	sum_specialties(c, &programs, &positions);
	assert_int_equal(programs, 6626);
	assert_int_equal(positions, 43237);

	/* The readers, on a small catalog. */
	OK(import_str(c, csv, NULL));
	for (long n = 1; n < 40; n++) {
		sp_specialty_info *sp = NULL;
		sp_program_info *pr = NULL;
		size_t k;
		sp_alloc_fail_after(n);
		sp_status s1 = sp_catalog_specialties(c, &sp, &k, NULL);
		sp_alloc_fail_after(n);
		sp_status s2 = sp_catalog_programs(c, NULL, &pr, &k, NULL);
		sp_alloc_fail_after(n);
		sp_catalog *d = NULL;
		sp_status s3 = sp_catalog_open(":memory:", 1, &d, NULL);
		sp_alloc_fail_after(n);
		FILE *f = fopen("/dev/null", "w");
		sp_status s4 = sp_catalog_export_csv(c, f, NULL);
		sp_alloc_fail_after(0);
		fclose(f);
		assert_true(s1 == SP_OK || s1 == SP_ENOMEM);
		assert_true(s2 == SP_OK || s2 == SP_ENOMEM);
		assert_true(s3 == SP_OK || s3 == SP_ENOMEM);
		assert_true(s4 == SP_OK || s4 == SP_ENOMEM);
		assert_true(s3 == SP_OK || d == NULL);
		sp_free(sp);
		sp_free(pr);
		sp_catalog_close(d);
	}
	free(before);
	free(imported);
	sp_catalog_close(c);
}

/* The read-back rules: a good program passes; each bad value is named. */
static void test_check_program(void **state)
{
	(void)state;
	sp_program_info good;
	memset(&good, 0, sizeof good);
	good.id = 1;
	snprintf(good.code, sizeof good.code, "IM-0001");
	snprintf(good.name, sizeof good.name, "Caf\xc3\xa9 General");
	snprintf(good.specialty, sizeof good.specialty, "IM");
	snprintf(good.state, sizeof good.state, "NY");
	good.region = sp__catalog_division("NY");
	good.positions = 10;
	good.interview_slots = 120;
	good.step2_median = 245;
	for (int k = 0; k < SP_RATE_N; k++)
		good.rates[k] = NAN;
	assert_null(sp__catalog_program_fault(&good));
	sp_program_info p;
#define BAD(field, change)                                     \
	do {                                                   \
		p = good;                                      \
		change;                                        \
		const char *f = sp__catalog_program_fault(&p); \
		assert_non_null(f);                            \
		assert_string_equal(f, field);                 \
	} while (0)
	BAD("code", p.code[0] = ' ');
	BAD("name", p.name[0] = '\0');
	BAD("name", snprintf(p.name, sizeof p.name, "A\xff"));
	BAD("name", snprintf(p.name, sizeof p.name, "A\tB"));
	BAD("track", p.track = (sp_track)-1);
	BAD("track", p.track = (sp_track)5);
	BAD("state", snprintf(p.state, sizeof p.state, "ZZ"));
	BAD("region", p.region = p.region % 9 + 1);
	BAD("setting", p.setting = (sp_setting)4);
	BAD("positions", p.positions = 0);
	BAD("positions", p.positions = SP__CATALOG_MAX_POSITIONS + 1);
	BAD("selectivity", p.selectivity = INFINITY);
	BAD("selectivity", p.selectivity = NAN);
	BAD("selectivity", p.selectivity = 10.5);
	BAD("interview_slots", p.interview_slots = 0);
	BAD("interview_slots", p.interview_slots = SP_SLOTS_FROM_MODEL);
	BAD("accepts_signals", p.accepts_signals = 2);
	BAD("sponsors_visa", p.sponsors_visa = -1);
	BAD("step2_median", p.step2_median = 0);
	BAD("synthetic", p.synthetic = 7);
	BAD("city", snprintf(p.city, sizeof p.city, "A\x01"));
	BAD("rate_md", (p.rates[SP_RATE_MD] = 1.5, p.rate_cycle = 2024));
	BAD("rate_cycle", p.rates[SP_RATE_MD] = 0.5);
	BAD("rate_cycle", p.rate_cycle = 2024);
	BAD("estimated", p.estimated = 1u << SP_FIELD_N);
	p = good;
	p.rates[SP_RATE_MD] = 0.5;
	p.rate_cycle = 2024;
	assert_null(sp__catalog_program_fault(&p));
#undef BAD
	sp_err err;
	p = good;
	p.selectivity = INFINITY;
	assert_int_equal(sp__catalog_check_program(&p, "x.db", &err),
	                 SP_EPARSE);
	assert_non_null(strstr(err.msg, "field 'selectivity'"));
	assert_non_null(strstr(err.msg, "catalog init --force --db x.db"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_path),
	    cmocka_unit_test(test_open_refuses),
	    cmocka_unit_test(test_fresh_catalog),
	    cmocka_unit_test(test_init_counts),
	    cmocka_unit_test(test_init_deterministic),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_roundtrip_text),
	    cmocka_unit_test(test_roundtrip_v2),
	    cmocka_unit_test(test_real_catalog),
	    cmocka_unit_test(test_import_defaults),
	    cmocka_unit_test(test_import_refuses),
	    cmocka_unit_test(test_import_file),
	    cmocka_unit_test(test_params),
	    cmocka_unit_test(test_params_csv),
	    cmocka_unit_test(test_apply_params),
	    cmocka_unit_test(test_divisions),
	    cmocka_unit_test(test_unknown_specialty_query),
	    cmocka_unit_test(test_alloc_failures),
	    cmocka_unit_test(test_check_program),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

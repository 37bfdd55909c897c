/*
 * app.c — the server's shared state: the catalog's specialties and
 * programs held in memory, the advisor, the static root.
 *
 * Everything is loaded once at start and read-only afterwards, so the
 * request threads share no SQLite handle and take no lock: the catalog
 * is opened, read and closed before the first request.  The programs
 * are kept in ascending id order, so /api/programs/{id} is a binary
 * search.
 */
#include "server.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = sp_malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

static int by_id(const void *a, const void *b)
{
	int32_t x = ((const sp_program_info *)a)->id;
	int32_t y = ((const sp_program_info *)b)->id;
	return (x > y) - (x < y);
}

static sp_status fail(sp_err *err, sp_status s, const char *msg)
{
	if (err) {
		memset(err, 0, sizeof *err);
		snprintf(err->msg, sizeof err->msg, "%s", msg);
	}
	return s;
}

sp_status srv_app_new(sp_specialty_info *specs, size_t ns,
                      sp_program_info *progs, size_t np, int synthetic,
                      sp_advisor *adv, const srv_config *cfg, srv_app **out,
                      sp_err *err)
{
	*out = NULL;
	srv_app *app = sp_calloc(1, sizeof *app);
	const char *web = cfg && cfg->web ? cfg->web : "web/dist";
	if (app) {
		app->web = dup_str(web);
		app->portfolio_busy = sp_calloc(1, sizeof *app->portfolio_busy);
	}
	if (!app || !app->web || !app->portfolio_busy) {
		if (app)
			sp_free(app->web);
		sp_free(app);
		sp_free(specs);
		sp_free(progs);
		sp_advisor_free(adv);
		return fail(err, SP_ENOMEM, "out of memory");
	}
	atomic_init(app->portfolio_busy, 0);
	qsort(progs, np, sizeof *progs, by_id);
	app->specs = specs;
	app->ns = ns;
	app->progs = progs;
	app->np = np;
	app->synthetic = synthetic;
	app->adv = adv;
	app->loopback = cfg && cfg->loopback;
	if (cfg && cfg->host) {
		bool v6 = strchr(cfg->host, ':') != NULL;
		snprintf(app->host, sizeof app->host, "%s%s%s", v6 ? "[" : "",
		         cfg->host, v6 ? "]" : "");
	}
	app->port = cfg ? cfg->port : 0;
	*out = app;
	return SP_OK;
}

sp_status srv_app_open(const srv_config *cfg, srv_app **out, sp_err *err)
{
	*out = NULL;
	const char *path = sp_catalog_default_path(cfg ? cfg->db : NULL);
	sp_catalog *c;
	sp_status s = sp_catalog_open(path, 0, &c, err);
	if (s)
		return s;
	sp_specialty_info *specs = NULL;
	sp_program_info *progs = NULL;
	size_t ns = 0, np = 0;
	sp_advisor *adv = NULL;
	s = sp_catalog_specialties(c, &specs, &ns, err);
	if (!s)
		s = sp_catalog_programs(c, NULL, &progs, &np, err);
	if (!s && np == 0) {
		char msg[400];
		snprintf(msg, sizeof msg,
		         "%s: the catalog has no programs (run 'smartpick "
		         "catalog init')",
		         path);
		s = fail(err, SP_EINVAL, msg);
	}
	if (!s)
		s = sp_advisor_open(c, &adv, err);
	int synthetic = s ? 0 : sp_catalog_is_synthetic(c);
	sp_catalog_close(c);
	if (s) {
		sp_free(specs);
		sp_free(progs);
		return s;
	}
	return srv_app_new(specs, ns, progs, np, synthetic, adv, cfg, out, err);
}

void srv_app_free(srv_app *app)
{
	if (!app)
		return;
	sp_free(app->specs);
	sp_free(app->progs);
	sp_advisor_free(app->adv);
	sp_free(app->web);
	sp_free((void *)app->portfolio_busy);
	sp_free(app);
}

void srv_app_set_port(srv_app *app, int port)
{
	app->port = port;
}

size_t srv_app_nprograms(const srv_app *app)
{
	return app->np;
}

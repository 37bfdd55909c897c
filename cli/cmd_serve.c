/*
 * cmd_serve.c — `smartpick serve`: the web page and its JSON API over
 * HTTP (server/; docs/http-api.md).  Loads the catalog and the advisor,
 * binds, prints the URL, and answers until SIGINT or SIGTERM, then shuts
 * down cleanly (exit 0).
 *
 * The page: --web DIR, else $SMARTPICK_WEB, else the first of
 * EXEDIR/../share/smartpick/web (the installed layout: `make install`
 * puts the binary in PREFIX/bin and the page in PREFIX/share/smartpick/web)
 * and EXEDIR/../web/dist (a binary in the source tree's build directory),
 * else web/dist in the working directory.  EXEDIR is the running binary's
 * directory (/proc/self/exe), so an installed `smartpick serve` finds its
 * page from any directory, and a staged install (DESTDIR) or a moved
 * prefix works without a path compiled in.  Rejected: embedding the page
 * in the binary as data/ is; it would make every build need npm (the
 * charting library), and the page could no longer be rebuilt under a
 * running server.
 *
 * Signals are blocked before the daemon's threads start, so they inherit
 * the mask and the main thread alone takes them, with sigwait: no
 * handler, no flag, no race.
 */
#include "cli.h"
#include "../server/server.h"

#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: smartpick serve [--port P] [--host ADDR] [--db FILE] [--web DIR]\n"
    "\n"
    "Serves the SmartPick page and its JSON API (docs/http-api.md) over\n"
    "HTTP, and prints 'SmartPick serving on http://HOST:PORT/'.  Runs until\n"
    "interrupted (Ctrl-C, SIGTERM).  The catalog must exist (smartpick\n"
    "catalog init); it is read once at start.  Nothing a client sends is\n"
    "logged or stored.\n"
    "\n"
    "options:\n"
    "      --port P      TCP port (default 8080); 0 picks a free one\n"
    "      --host ADDR   numeric address to listen on (default 127.0.0.1);\n"
    "                    on loopback, requests must name it in their Host\n"
    "      --db FILE     the catalog (default $SMARTPICK_DB, else\n"
    "                    ./smartpick.db)\n"
    "      --web DIR     the page's files (default $SMARTPICK_WEB, else\n"
    "                    PREFIX/share/smartpick/web beside the installed\n"
    "                    binary, else web/dist)\n"
    "      --threads N   request threads (default: one per core)\n"
    "      --max-connections N   open connections at most (default 512)\n"
    "      --max-per-client N    open connections from one address at most\n"
    "                    (default 64); past either limit a connection is\n"
    "                    answered 503 with Retry-After and closed\n"
    "      --timeout S   close connections idle for S seconds (default 10)\n"
    "      --header-timeout S    seconds a request's line, headers and\n"
    "                    body may take in all, however slowly they come\n"
    "                    (default 20; fractions allowed)\n"
    "  -h, --help        this help\n"
    "\n"
    "Exit status: 0 stopped by a signal; 2 usage; 3 the catalog is not\n"
    "usable; 4 cannot listen or read the catalog; 5 internal error.\n";

enum {
	OPT_PORT = 256,
	OPT_HOST,
	OPT_DB,
	OPT_WEB,
	OPT_THREADS,
	OPT_MAXC,
	OPT_TIMEOUT,
	OPT_PER_CLIENT,
	OPT_HEADER_TIMEOUT
};

/* The page's files without --web (the comment at the top). */
static const char *default_web(char *buf, size_t size)
{
	static const char *const rel[] = {"../share/smartpick/web",
	                                  "../web/dist"};
	const char *env = getenv("SMARTPICK_WEB");
	if (env && *env)
		return env;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	char *slash = strrchr(exe, '/');
	if (!slash)
		return "web/dist";
	*slash = 0;
	for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
		int k = snprintf(buf, size, "%s/%s/index.html", exe, rel[i]);
		if (k > 0 && (size_t)k < size && access(buf, R_OK) == 0) {
			buf[k - (int)strlen("/index.html")] = 0;
			return buf;
		}
	}
	return "web/dist";
}

static bool is_loopback(const char *host)
{
	return !strncmp(host, "127.", 4) || !strcmp(host, "::1");
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"port", required_argument, NULL, OPT_PORT},
	    {"host", required_argument, NULL, OPT_HOST},
	    {"db", required_argument, NULL, OPT_DB},
	    {"web", required_argument, NULL, OPT_WEB},
	    {"threads", required_argument, NULL, OPT_THREADS},
	    {"max-connections", required_argument, NULL, OPT_MAXC},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"max-per-client", required_argument, NULL, OPT_PER_CLIENT},
	    {"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	char webbuf[PATH_MAX + 64];
	srv_config cfg = {.web = NULL};
	srv_listen l = {.host = "127.0.0.1",
	                .port = 8080,
	                .max_connections = 512,
	                .timeout = 10,
	                .max_per_client = 64,
	                .header_timeout = 20};
	double dv;
	long v;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PORT:
			if (!cli_parse_long(optarg, 0, 65535, &v))
				return cli_usage("serve", "bad --port '%s'",
				                 optarg);
			l.port = (int)v;
			break;
		case OPT_HOST:
			l.host = optarg;
			break;
		case OPT_DB:
			cfg.db = optarg;
			break;
		case OPT_WEB:
			cfg.web = optarg;
			break;
		case OPT_THREADS:
			if (!cli_parse_long(optarg, 1, 256, &v))
				return cli_usage("serve", "bad --threads '%s'",
				                 optarg);
			l.threads = (int)v;
			break;
		case OPT_MAXC:
			if (!cli_parse_long(optarg, 1, 100000, &v))
				return cli_usage("serve",
				                 "bad --max-connections '%s'",
				                 optarg);
			l.max_connections = (int)v;
			break;
		case OPT_TIMEOUT:
			if (!cli_parse_long(optarg, 1, 3600, &v))
				return cli_usage("serve", "bad --timeout '%s'",
				                 optarg);
			l.timeout = (int)v;
			break;
		case OPT_PER_CLIENT:
			if (!cli_parse_long(optarg, 1, 100000, &v))
				return cli_usage("serve",
				                 "bad --max-per-client '%s'",
				                 optarg);
			l.max_per_client = (int)v;
			break;
		case OPT_HEADER_TIMEOUT:
			if (!cli_parse_double(optarg, 0.1, 3600, &dv))
				return cli_usage("serve",
				                 "bad --header-timeout '%s'",
				                 optarg);
			l.header_timeout = dv;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OKAY;
		case ':':
			return cli_usage("serve", "option '%s' needs a value",
			                 argv[optind - 1]);
		default:
			return cli_usage("serve", "unknown option '%s'",
			                 argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage("serve", "unexpected argument '%s'",
		                 argv[optind]);
	if (l.threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		l.threads = n < 1 ? 1 : n > 64 ? 64 : (int)n;
	}
	if (!cfg.web)
		cfg.web = default_web(webbuf, sizeof webbuf);
	cfg.loopback = is_loopback(l.host);
	cfg.host = l.host;

	/* Block the signals first: the daemon's threads inherit the mask. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	sp_err err;
	srv_app *app;
	sp_status s = srv_app_open(&cfg, &app, &err);
	if (s) {
		cli_error("serve", "%s", err.msg[0] ? err.msg : sp_strerror(s));
		return cli_exit_for(s);
	}
	char msg[256];
	int port;
	srv_daemon *d = srv_start(app, &l, &port, msg, sizeof msg);
	if (!d) {
		cli_error("serve", "%s", msg);
		srv_app_free(app);
		return EXIT_IO;
	}
	bool v6 = strchr(l.host, ':') != NULL;
	printf("SmartPick serving on http://%s%s%s:%d/\n", v6 ? "[" : "",
	       l.host, v6 ? "]" : "", port);
	fflush(stdout);
	int sig;
	while (sigwait(&set, &sig) != 0)
		;
	fprintf(stderr, "smartpick serve: %s, stopping\n",
	        sig == SIGINT ? "interrupted" : "terminated");
	srv_stop(d);
	srv_app_free(app);
	return EXIT_OKAY;
}

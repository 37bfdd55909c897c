/*
 * server.h — the HTTP/JSON front end's internal interface (prefix srv_).
 *
 * Three layers, so that everything but the sockets can be tested and
 * fuzzed without a network:
 *   app.c      the state shared by all requests: the catalog loaded into
 *              memory, the advisor, the static root; read-only once open;
 *   handler.c  srv_handle: one complete request in, one response out —
 *              routing, query parsing, validation, the JSON API, error
 *              bodies and security headers (static.c serves web/dist/,
 *              buf.c builds bodies, JSON through the library's
 *              writer);
 *   http.c     the libmicrohttpd transport: connections, timeouts, body
 *              accumulation under caps, the thread pool, shutdown.
 * Like the CLI, the server includes only the public header.  Nothing a
 * client sends is logged or stored.
 */
#ifndef SRV_SERVER_H
#define SRV_SERVER_H

#include "smartpick.h"

#include <stdbool.h>
#include <stddef.h>

/* ------------------------------------------------------------------ */
/* Limits on what a client may send (docs/http-api.md, "Limits").      */

#define SRV_MAX_URI              4096        /* request target, bytes */
#define SRV_MAX_PARAMS           16          /* query parameters */
#define SRV_MAX_PARAM            256         /* bytes per decoded value */
#define SRV_MAX_Q                100         /* bytes of the q= search */
#define SRV_MAX_BODY_RECOMMEND   (64L << 10) /* POST /api/recommend */
#define SRV_MAX_BODY_PORTFOLIO   (1L << 20)  /* POST /api/portfolio */
#define SRV_MAX_ANSWER_PORTFOLIO (2L << 20)  /* its answer, bytes */
#define SRV_MAX_BODY_RANK        (64L << 10) /* POST /api/rank */
#define SRV_MAX_STATIC           (16L << 20) /* bytes per static file */
#define SRV_PAGE_DEFAULT         50          /* /api/programs limit */
#define SRV_PAGE_MAX             200
#define SRV_PORTFOLIO_SLOTS      1 /* portfolio problems solved at once */

/* ------------------------------------------------------------------ */
/* The application: shared, read-only state.                           */

typedef struct srv_app srv_app;

typedef struct {
	const char *db;  /* catalog path; NULL: sp_catalog_default_path */
	const char *web; /* static root; NULL: "web/dist" */
	/* When the server listens on a loopback address only, requests
	 * must name it in their Host header (a DNS-rebinding guard):
	 * 127.0.0.1, localhost, [::1] or `host` (the address listened
	 * on; may be NULL), with `port`. */
	bool loopback;
	const char *host;
	int port;
} srv_config;

/* Internal to the server's files; tests read it too. */
struct srv_app {
	sp_specialty_info *specs; /* catalog order */
	size_t ns;
	sp_program_info *progs; /* ascending id */
	size_t np;
	int synthetic;
	sp_advisor *adv; /* NULL: recommend answers 503 */
	char *web;       /* the static root as configured */
	bool loopback;
	char host[48]; /* the address listened on, as a Host names it */
	int port;
	/* Portfolio problems being solved now (at most
	 * SRV_PORTFOLIO_SLOTS; the rest get 503). */
	_Atomic int *portfolio_busy;
};

/* Opens the catalog (which must exist), loads its specialties and
 * programs into memory, opens the advisor and closes the catalog.
 * Gives *out (free with srv_app_free). */
sp_status srv_app_open(const srv_config *cfg, srv_app **out,
                       sp_err *err) SP_MUST_CHECK;

/* Builds an app from arrays (taken: freed by srv_app_free with sp_free)
 * and an advisor (taken; may be NULL: recommend answers 503).  For
 * tests and the fuzz harness. */
sp_status srv_app_new(sp_specialty_info *specs, size_t ns,
                      sp_program_info *progs, size_t np, int synthetic,
                      sp_advisor *adv, const srv_config *cfg, srv_app **out,
                      sp_err *err) SP_MUST_CHECK;
void srv_app_free(srv_app *app);

/* Sets the port the Host check accepts: the listener's real port,
 * set before the first request is accepted. */
void srv_app_set_port(srv_app *app, int port);

size_t srv_app_nprograms(const srv_app *app);

/* ------------------------------------------------------------------ */
/* One request, one response.                                          */

typedef struct {
	const char *method;       /* "GET", "POST", ... */
	const char *uri;          /* the raw request target: path?query */
	const char *content_type; /* NULL when absent */
	const char *host;         /* the Host header; NULL when absent */
	const char *body;         /* len bytes; NULL when len == 0 */
	size_t len;
	/* The transport stopped reading the body at the route's cap
	 * (srv_body_cap): the handler answers 413. */
	bool truncated;
} srv_request;

#define SRV_MAX_HEADERS 12

typedef struct {
	int status;
	char *body; /* sp_malloc'd (free with srv_response_free); may be
	               NULL when len == 0 */
	size_t len;
	size_t nheaders;
	struct {
		const char *name, *value; /* static strings */
	} headers[SRV_MAX_HEADERS];
} srv_response;

/* Answers one complete request.  Never fails and never crashes on any
 * bytes: every outcome, out-of-memory included, is a response with a
 * status, the security headers and (but for 204 and HEAD-less cases) a
 * body.  Thread-safe: many requests may be handled at once. */
void srv_handle(const srv_app *app, const srv_request *req, srv_response *out);
/* The 503 (with Retry-After, Connection: close and the security
 * headers) sent to a connection refused at the limits; `why` is the
 * sentence in its error body. */
void srv_busy(srv_response *out, const char *why);
void srv_response_free(srv_response *r);

/* The value of header `name` in r (case-insensitive), or NULL. */
const char *srv_response_header(const srv_response *r, const char *name);

/* The most body bytes the route of (method, raw uri) accepts: 0 when it
 * takes no body (the transport then answers at once, without reading
 * one). */
size_t srv_body_cap(const char *method, const char *uri);

/* ------------------------------------------------------------------ */
/* Static files (static.c).                                            */

typedef struct {
	char *body; /* sp_malloc'd */
	size_t len;
	const char *type; /* static Content-Type */
} srv_file;

/* Loads the file that the decoded request path `path` ("/" is
 * /index.html) names under `root`: a regular file with a whitelisted
 * extension, no segment that is empty or starts with '.', whose real
 * path (symbolic links resolved) is under root's real path.  Returns
 * 200 and fills *f, or an HTTP status (404, 500) with a sentence in
 * msg. */
int srv_static_load(const char *root, const char *path, srv_file *f, char *msg,
                    size_t msgsize);

/* ------------------------------------------------------------------ */
/* The transport (http.c).                                             */

typedef struct {
	const char *host; /* numeric IPv4 or IPv6 address */
	int port;         /* 0: any free port */
	int threads;      /* 0: one per core */
	int max_connections;
	int timeout;           /* seconds of inactivity before a connection is
	                          closed */
	int max_per_client;    /* open connections from one address at most */
	double header_timeout; /* seconds a request's line, headers and
	                          body may take in all, however they
	                          trickle; the connection is closed */
} srv_listen;

/* Starts listening; *port gets the real port.  Returns NULL (and a
 * sentence in msg) on failure.  Requests are answered on the daemon's
 * own threads until srv_stop. */
typedef struct srv_daemon srv_daemon;
srv_daemon *srv_start(srv_app *app, const srv_listen *l, int *port, char *msg,
                      size_t msgsize);
void srv_stop(srv_daemon *d);

/* ------------------------------------------------------------------ */
/* A growing byte buffer (buf.c) and JSON into it.  Errors are
 * sticky: after a failed allocation or the cap, `failed` is set and
 * further writes do nothing. */

typedef struct {
	char *p;
	size_t len, cap;
	size_t max; /* 0: no cap */
	bool failed;
} srv_buf;

void srv_buf_init(srv_buf *b, size_t max);
void srv_buf_free(srv_buf *b);
void srv_buf_put(srv_buf *b, const char *s, size_t n);
void srv_buf_puts(srv_buf *b, const char *s);
void srv_buf_printf(srv_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A JSON string through the library's writer (sp_json_put_str with
 * SP_JSON_HTML): quotes, escapes, control characters and <>& as \u,
 * invalid UTF-8 replaced by U+FFFD. */
void srv_json_str(srv_buf *b, const char *s, size_t n);
void srv_json_cstr(srv_buf *b, const char *s);
/* A JSON number through the library's writer (sp_json_put_double): the
 * shortest form that reads back exactly; null when not finite. */
void srv_json_num(srv_buf *b, double v);
/* "key": (with a leading comma unless first). */
void srv_json_key(srv_buf *b, const char *key, bool first);

#endif /* SRV_SERVER_H */

/*
 * http.c — the transport: libmicrohttpd in front of srv_handle.
 *
 * MHD runs a pool of threads (one per core by default), each polling its
 * share of the connections with epoll; a request is answered on the
 * thread that read it, so a recommendation costs no hand-off.  Limits
 * that protect the process from clients:
 *   - at most max_connections open connections; each closed after
 *     `timeout` seconds without progress (slow or vanished clients);
 *   - request line and headers within MHD's per-connection memory pool
 *     (32 KiB; beyond it MHD itself answers 414 or 431);
 *   - the body: a route that takes none is answered as soon as its
 *     headers are in, without reading one; a route that takes one states
 *     its cap (srv_body_cap).  A Content-Length above the cap is answered
 *     413 at once; a chunked body is read up to the cap and the rest
 *     discarded, then answered 413.
 * The listening socket is bound here, before the daemon starts, so that
 * the real port (for --port 0) is known before any request is accepted.
 * Nothing a client sends is logged.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct srv_daemon {
	struct MHD_Daemon *mhd;
	srv_app *app;
};

/* One request's state, from its request line to its completion. */
typedef struct {
	char *uri; /* at most SRV_MAX_URI + 1 bytes of the raw target */
	char *body;
	size_t len, cap, max;
	bool started, truncated;
} req_state;

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)c;
	req_state *s = sp_calloc(1, sizeof *s);
	if (!s)
		return NULL;
	size_t n = strnlen(uri, SRV_MAX_URI + 1);
	s->uri = sp_malloc(n + 1);
	if (!s->uri) {
		sp_free(s);
		return NULL;
	}
	memcpy(s->uri, uri, n);
	s->uri[n] = '\0';
	return s;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode why)
{
	(void)cls;
	(void)c;
	(void)why;
	req_state *s = *req_cls;
	if (!s)
		return;
	sp_free(s->uri);
	sp_free(s->body);
	sp_free(s);
	*req_cls = NULL;
}

static enum MHD_Result respond(srv_daemon *d, struct MHD_Connection *c,
                               req_state *s, const char *method)
{
	srv_request req = {
	    .method = method,
	    .uri = s->uri,
	    .content_type = MHD_lookup_connection_value(
	        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
	    .host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                        MHD_HTTP_HEADER_HOST),
	    .body = s->truncated ? NULL : s->body,
	    .len = s->truncated ? 0 : s->len,
	    .truncated = s->truncated,
	};
	srv_response r;
	srv_handle(d->app, &req, &r);
	struct MHD_Response *mr;
	if (r.len)
		mr = MHD_create_response_from_buffer_with_free_callback(
		    r.len, r.body, sp_free);
	else
		mr = MHD_create_response_from_buffer(0, NULL,
		                                     MHD_RESPMEM_PERSISTENT);
	if (!mr) {
		srv_response_free(&r);
		return MHD_NO;
	}
	if (r.len)
		r.body = NULL; /* MHD frees it */
	for (size_t i = 0; i < r.nheaders; i++)
		if (MHD_add_response_header(mr, r.headers[i].name,
		                            r.headers[i].value) != MHD_YES)
			break;
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)r.status, mr);
	MHD_destroy_response(mr);
	srv_response_free(&r);
	return ok;
}

/* Appends n bytes of body, or marks the request truncated past its cap.
 * False when memory runs out (the connection is then closed). */
static bool take_body(req_state *s, const char *data, size_t n)
{
	if (s->truncated)
		return true;
	if (n > s->max - s->len) {
		s->truncated = true;
		sp_free(s->body);
		s->body = NULL;
		s->len = s->cap = 0;
		return true;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + n)
			cap *= 2;
		if (cap > s->max)
			cap = s->max;
		char *p = sp_realloc(s->body, cap);
		if (!p)
			return false;
		s->body = p;
		s->cap = cap;
	}
	memcpy(s->body + s->len, data, n);
	s->len += n;
	return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
	(void)url;
	(void)version;
	srv_daemon *d = cls;
	req_state *s = *req_cls;
	if (!s)
		return MHD_NO; /* out of memory at the request line */
	if (!s->started) {
		s->started = true;
		s->max = srv_body_cap(method, s->uri);
		const char *cl = MHD_lookup_connection_value(
		    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		const char *te = MHD_lookup_connection_value(
		    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
		bool body = te || (cl && strtoull(cl, NULL, 10) > 0);
		/* Answering now (MHD then closes the connection rather
		 * than read the body) only when there is a body not to
		 * read: otherwise the next call answers, and the
		 * connection stays open for the next request. */
		if (body && s->max == 0)
			return respond(d, c, s, method);
		if (cl && strtoull(cl, NULL, 10) > s->max) {
			s->truncated = true;
			return respond(d, c, s, method);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		bool ok = take_body(s, upload, *upload_size);
		*upload_size = 0;
		return ok ? MHD_YES : MHD_NO;
	}
	return respond(d, c, s, method);
}

/* A bound, listening, non-blocking socket on host:port, or -1. */
static int listen_on(const char *host, int port, int *real_port, bool *ipv6,
                     char *msg, size_t msgsize)
{
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		len = sizeof *v4;
		*ipv6 = false;
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		len = sizeof *v6;
		*ipv6 = true;
	} else {
		snprintf(msg, msgsize, "%s: not a numeric IPv4 or IPv6 address",
		         host);
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 256) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		snprintf(msg, msgsize, "cannot listen on %s port %d: %s", host,
		         port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*real_port = ntohs(*ipv6 ? v6->sin6_port : v4->sin_port);
	return fd;
}

srv_daemon *srv_start(srv_app *app, const srv_listen *l, int *port, char *msg,
                      size_t msgsize)
{
	bool ipv6;
	int fd = listen_on(l->host, l->port, port, &ipv6, msg, msgsize);
	if (fd < 0)
		return NULL;
	srv_app_set_port(app, *port);
	srv_daemon *d = sp_calloc(1, sizeof *d);
	if (!d) {
		close(fd);
		snprintf(msg, msgsize, "out of memory");
		return NULL;
	}
	d->app = app;
	unsigned threads = l->threads > 0 ? (unsigned)l->threads : 1;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD;
	if (ipv6)
		flags |= MHD_USE_IPv6;
	d->mhd = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, d, MHD_OPTION_LISTEN_SOCKET,
	    (MHD_socket)fd, MHD_OPTION_THREAD_POOL_SIZE,
	    threads > 1 ? threads : 0u, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)l->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)l->timeout, MHD_OPTION_URI_LOG_CALLBACK, on_uri, d,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
	    MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
	if (!d->mhd) {
		close(fd);
		sp_free(d);
		snprintf(msg, msgsize, "cannot start the HTTP daemon");
		return NULL;
	}
	return d;
}

void srv_stop(srv_daemon *d)
{
	if (!d)
		return;
	MHD_stop_daemon(d->mhd);
	sp_free(d);
}

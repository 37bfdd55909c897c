/*
 * http.c — the transport: libmicrohttpd in front of srv_handle.
 *
 * MHD runs a pool of threads (one per core by default), each polling its
 * share of the connections with epoll; a request is answered on the
 * thread that read it, so a recommendation costs no hand-off.  The
 * listening socket is ours, not MHD's: one acceptor thread accepts,
 * counts, and hands each connection to MHD (MHD_add_connection), so that
 * the limits below are decided before a connection costs anything.
 * Limits that protect the process from clients:
 *   - at most max_connections open connections, and max_per_client from
 *     one address.  A connection past either limit is answered at once
 *     with 503, Retry-After: 1 and the security headers (srv_busy), then
 *     closed: refused, never queued behind slow clients;
 *   - a total deadline (header_timeout) for each request's line, headers
 *     and body, counted from the connection's start or the end of its
 *     previous response and not reset by each byte, so a client that
 *     trickles a byte every few seconds is cut off like one that sends
 *     nothing.  The acceptor checks every connection ten times a second
 *     and shuts down the socket of one past its deadline (MHD then sees
 *     the end of the stream and closes it).  A connection is also closed
 *     after `timeout` seconds without progress (MHD's idle timeout);
 *   - request line and headers within MHD's per-connection memory pool
 *     (32 KiB; beyond it MHD itself answers 414 or 431);
 *   - the body: a route that takes none is answered as soon as its
 *     headers are in, without reading one; a route that takes one states
 *     its cap (srv_body_cap).  A Content-Length above the cap is answered
 *     413 at once; a chunked body is read up to the cap and the rest
 *     discarded, then answered 413.  The body is freed once the handler
 *     has answered, so a slow reader holds only its response.
 * Errors MHD writes itself (400 for a malformed request line or header,
 * 414, 431, 505) carry no security headers: libmicrohttpd 0.9.75 builds
 * them internally with no hook to add any.  Their bodies are fixed HTML
 * that echo nothing the client sent (docs/http-api.md, "Limits").
 * MHD runs with STRICT_FOR_CLIENT 0 so that a request line with a raw
 * space in its target reaches the handler, which answers 400; at 1, MHD
 * closed such a connection without a word.
 * Nothing a client sends is logged.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* One open connection, as the acceptor counts it. */
typedef struct {
	int fd;               /* -1: a free slot */
	unsigned char ip[16]; /* the client's address (IPv4 in 4 bytes) */
	double start;         /* when its current request began */
	bool answering;       /* the handler has answered; not on a clock */
	bool cut;             /* shut down past its deadline */
} conn;

/* A refused connection: its 503 is written; read until the client
 * closes (closing with unread data would reset the connection and could
 * destroy the 503 before it is read), at most DRAIN_SECONDS. */
typedef struct {
	int fd;
	double since;
} draining;

#define MAX_DRAINING  256
#define DRAIN_SECONDS 2.0

struct srv_daemon {
	struct MHD_Daemon *mhd;
	srv_app *app;
	int lfd;     /* the listening socket */
	int wake[2]; /* a pipe that wakes the acceptor to stop */
	pthread_t acceptor;
	bool started;
	pthread_mutex_t mu; /* guards conns */
	conn *conns;
	int max_conns, max_per_client;
	double deadline;
	char *busy; /* the 503's text, headers and body */
	size_t busy_len;
	draining drain[MAX_DRAINING];
	int ndrain;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The connection's slot (set when MHD announced it), or NULL. */
static conn *slot_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* Marks the connection answered (true) or waiting for its next request
 * (false: the deadline starts again now). */
static void set_answering(srv_daemon *d, struct MHD_Connection *c, bool on)
{
	conn *k = slot_of(c);
	if (!k)
		return;
	pthread_mutex_lock(&d->mu);
	k->answering = on;
	if (!on)
		k->start = now_s();
	pthread_mutex_unlock(&d->mu);
}

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
	(void)why;
	set_answering(cls, c, false);
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
	set_answering(d, c, true);
	sp_free(s->body); /* a slow reader holds only its response */
	s->body = NULL;
	s->len = s->cap = 0;
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

/* MHD announces a connection it took (from MHD_add_connection) and its
 * end: the slot the acceptor reserved for the socket becomes the
 * connection's socket context, and is freed when MHD closes it. */
static void on_connection(void *cls, struct MHD_Connection *c,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	srv_daemon *d = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		    c, MHD_CONNECTION_INFO_CONNECTION_FD);
		int fd = ci ? (int)ci->connect_fd : -1;
		pthread_mutex_lock(&d->mu);
		for (int i = 0; fd >= 0 && i < d->max_conns; i++)
			if (d->conns[i].fd == fd) {
				*socket_context = &d->conns[i];
				break;
			}
		pthread_mutex_unlock(&d->mu);
		return;
	}
	conn *k = *socket_context;
	if (!k)
		return;
	pthread_mutex_lock(&d->mu);
	k->fd = -1;
	pthread_mutex_unlock(&d->mu);
	*socket_context = NULL;
}

/* The address bytes that identify a client. */
static void client_key(const struct sockaddr_storage *ss, unsigned char key[16])
{
	memset(key, 0, 16);
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;
		memcpy(key, &a->sin6_addr, 16);
		/* An IPv4-mapped address is the IPv4 client. */
		static const unsigned char mapped[12] = {
		    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (!memcmp(key, mapped, 12)) {
			memmove(key, key + 12, 4);
			memset(key + 4, 0, 12);
		}
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;
		memcpy(key, &a->sin_addr, 4);
	}
}

/* Reserves a slot for fd from `key`, or says why not (the 503's
 * sentence).  A slot still holding fd is stale (MHD closed that socket
 * and the number came back): it is dropped. */
static const char *reserve(srv_daemon *d, int fd, const unsigned char key[16])
{
	const char *why = NULL;
	int free_at = -1, open = 0, same = 0;
	pthread_mutex_lock(&d->mu);
	for (int i = 0; i < d->max_conns; i++) {
		conn *k = &d->conns[i];
		if (k->fd == fd)
			k->fd = -1;
		if (k->fd < 0) {
			if (free_at < 0)
				free_at = i;
			continue;
		}
		open++;
		same += !memcmp(k->ip, key, 16);
	}
	if (free_at < 0 || open >= d->max_conns)
		why = "the server is at its connection limit";
	else if (same >= d->max_per_client)
		why = "too many connections from this address";
	if (!why) {
		conn *k = &d->conns[free_at];
		memset(k, 0, sizeof *k);
		k->fd = fd;
		memcpy(k->ip, key, 16);
		k->start = now_s();
	}
	pthread_mutex_unlock(&d->mu);
	return why;
}

static void release(srv_daemon *d, int fd)
{
	pthread_mutex_lock(&d->mu);
	for (int i = 0; i < d->max_conns; i++)
		if (d->conns[i].fd == fd)
			d->conns[i].fd = -1;
	pthread_mutex_unlock(&d->mu);
}

/* Writes the 503 (best effort: the socket is new, its buffer empty) and
 * keeps the socket to drain, or closes it when the list is full. */
static void refuse(srv_daemon *d, int fd)
{
	(void)!send(fd, d->busy, d->busy_len, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_WR);
	if (d->ndrain == MAX_DRAINING) {
		close(fd);
		return;
	}
	d->drain[d->ndrain].fd = fd;
	d->drain[d->ndrain].since = now_s();
	d->ndrain++;
}

/* Reads and drops what refused clients still send; closes each at its
 * end of stream or after DRAIN_SECONDS. */
static void drain_refused(srv_daemon *d, double now)
{
	char junk[4096];
	for (int i = 0; i < d->ndrain;) {
		ssize_t n;
		while ((n = recv(d->drain[i].fd, junk, sizeof junk,
		                 MSG_DONTWAIT)) > 0)
			;
		bool done = n == 0 || (n < 0 && errno != EAGAIN &&
		                       errno != EWOULDBLOCK && errno != EINTR);
		if (done || now - d->drain[i].since > DRAIN_SECONDS) {
			close(d->drain[i].fd);
			d->drain[i] = d->drain[--d->ndrain];
			continue;
		}
		i++;
	}
}

/* Shuts down every connection whose request is past its deadline. */
static void enforce_deadlines(srv_daemon *d, double now)
{
	pthread_mutex_lock(&d->mu);
	for (int i = 0; i < d->max_conns; i++) {
		conn *k = &d->conns[i];
		if (k->fd >= 0 && !k->answering && !k->cut &&
		    now - k->start > d->deadline) {
			shutdown(k->fd, SHUT_RDWR);
			k->cut = true;
		}
	}
	pthread_mutex_unlock(&d->mu);
}

/* Accepts every waiting connection: to MHD, or refused with the 503. */
static void accept_all(srv_daemon *d)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int fd = accept(d->lfd, (struct sockaddr *)&ss, &len);
		if (fd < 0)
			return; /* EAGAIN, or an error MHD would also skip */
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) ||
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)) {
			close(fd);
			continue;
		}
		unsigned char key[16];
		client_key(&ss, key);
		if (reserve(d, fd, key)) {
			refuse(d, fd);
			continue;
		}
		/* MHD closes the socket itself when it cannot take it. */
		if (MHD_add_connection(d->mhd, fd, (struct sockaddr *)&ss,
		                       len) != MHD_YES)
			release(d, fd);
	}
}

static void *acceptor(void *arg)
{
	srv_daemon *d = arg;
	for (;;) {
		struct pollfd p[2] = {{.fd = d->lfd, .events = POLLIN},
		                      {.fd = d->wake[0], .events = POLLIN}};
		int n = poll(p, 2, 100);
		if (n > 0 && p[1].revents)
			return NULL;
		if (n > 0 && p[0].revents)
			accept_all(d);
		double now = now_s();
		enforce_deadlines(d, now);
		drain_refused(d, now);
	}
}

/* The text of the 503 sent to refused connections. */
static bool build_busy(srv_daemon *d)
{
	srv_response r;
	srv_busy(&r, "too many connections");
	srv_buf b;
	srv_buf_init(&b, 0);
	srv_buf_printf(&b, "HTTP/1.1 503 Service Unavailable\r\n");
	for (size_t i = 0; i < r.nheaders; i++)
		srv_buf_printf(&b, "%s: %s\r\n", r.headers[i].name,
		               r.headers[i].value);
	srv_buf_printf(&b, "Content-Length: %zu\r\n\r\n", r.len);
	srv_buf_put(&b, r.body, r.len);
	srv_response_free(&r);
	if (b.failed) {
		srv_buf_free(&b);
		return false;
	}
	d->busy = b.p;
	d->busy_len = b.len;
	return true;
}

static void daemon_free(srv_daemon *d)
{
	for (int i = 0; i < d->ndrain; i++)
		close(d->drain[i].fd);
	if (d->lfd >= 0)
		close(d->lfd);
	for (int i = 0; i < 2; i++)
		if (d->wake[i] >= 0)
			close(d->wake[i]);
	pthread_mutex_destroy(&d->mu);
	sp_free(d->conns);
	sp_free(d->busy);
	sp_free(d);
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
	d->lfd = fd;
	d->wake[0] = d->wake[1] = -1;
	pthread_mutex_init(&d->mu, NULL);
	d->max_conns = l->max_connections > 0 ? l->max_connections : 1;
	d->max_per_client =
	    l->max_per_client > 0 ? l->max_per_client : d->max_conns;
	d->deadline = l->header_timeout > 0 ? l->header_timeout : 1e9;
	d->conns = sp_calloc((size_t)d->max_conns, sizeof *d->conns);
	if (!d->conns || !build_busy(d) || pipe(d->wake) != 0) {
		snprintf(msg, msgsize, "out of memory or descriptors");
		daemon_free(d);
		return NULL;
	}
	for (int i = 0; i < d->max_conns; i++)
		d->conns[i].fd = -1;
	unsigned threads = l->threads > 0 ? (unsigned)l->threads : 1;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD |
	                 MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC;
	if (ipv6)
		flags |= MHD_USE_IPv6;
	/* MHD's own cap sits above ours: the acceptor decides. */
	d->mhd = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, d, MHD_OPTION_THREAD_POOL_SIZE,
	    threads > 1 ? threads : 0u, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)d->max_conns + 16u, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)l->timeout, MHD_OPTION_URI_LOG_CALLBACK, on_uri, d,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, d,
	    MHD_OPTION_STRICT_FOR_CLIENT, 0, MHD_OPTION_END);
	if (!d->mhd) {
		snprintf(msg, msgsize, "cannot start the HTTP daemon");
		daemon_free(d);
		return NULL;
	}
	if (pthread_create(&d->acceptor, NULL, acceptor, d) != 0) {
		snprintf(msg, msgsize, "cannot start the acceptor thread");
		MHD_stop_daemon(d->mhd);
		daemon_free(d);
		return NULL;
	}
	d->started = true;
	return d;
}

void srv_stop(srv_daemon *d)
{
	if (!d)
		return;
	if (d->started) {
		(void)!write(d->wake[1], "x", 1);
		pthread_join(d->acceptor, NULL);
	}
	MHD_stop_daemon(d->mhd);
	daemon_free(d);
}

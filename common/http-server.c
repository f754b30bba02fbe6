// SPDX-License-Identifier: Apache-2.0
/* HTTP(S) server over libmicrohttpd: TLS 1.2+, certificate hot reload, exact routing, caps. */
#include <arpa/inet.h>
#include <assert.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "buf.h"
#include "http-server.h"

/* A connection keeps its body buffer between requests up to this size. */
#define CONN_BUF_KEEP ((size_t)64 * 1024)
/* The Allow header of a 405. */
#define ALLOW_MAX 256U

/* Identity of a certificate or key file, following symlinks. */
struct file_id {
	bool valid;
	dev_t dev;
	ino_t ino;
	struct timespec mtim;
	off_t size;
};

/* An immutable certificate chain and key; shared by handshakes, refcounted. */
struct tls_pair {
	unsigned refs; /* under http_server.tls_pair_lock */
	unsigned n_certs;
	gnutls_pcert_st certs[HTTP_SERVER_TLS_CHAIN_MAX];
	gnutls_privkey_t key;
};

struct route {
	struct http_route r;
	size_t first_same_path; /* owner of the 405 response for this path */
	struct MHD_Response *resp_405; /* only set on the owner */
};

/*
 * Per-connection state, created when libmicrohttpd accepts and freed when it
 * closes. Every callback for one connection runs on the same worker thread, so
 * nothing here is locked, and requests on a keep-alive connection reuse it.
 */
struct conn {
	struct http_server *server;
	struct tls_pair *pair; /* the pair this connection's handshake presented */
	struct buf body;
	struct buf query;
	bool has_query;
	bool query_too_long;
	bool started; /* the access handler has seen this request's headers */
	/* An error decided before the body ended: the body is discarded, then this is sent. */
	unsigned reject_status;
	struct MHD_Response *reject_resp;
	int route; /* -1 until matched */
	unsigned status; /* queued status, 0 while none */
	uint64_t start_usec;
	size_t cap; /* body cap of the matched route */
	size_t received; /* body bytes read, kept or discarded */
	char remote[INET6_ADDRSTRLEN + 8];
};

struct http_server {
	struct MHD_Daemon *daemon;
	uint16_t port;
	bool tls;
	struct route *routes;
	size_t n_routes;
	size_t body_max_default;
	uint64_t body_deadline_usec;

	void (*on_response)(void *userdata, int route, unsigned status, uint64_t usec);
	void *on_response_userdata;
	void (*on_diag)(void *userdata, int error, const char *message);
	void *on_diag_userdata;

	/* Shared, immutable responses (libmicrohttpd refcounts them). */
	struct MHD_Response *resp_404, *resp_413, *resp_414, *resp_415, *resp_500;

	char *cert_path, *key_path, *priorities;
	pthread_mutex_t tls_pair_lock; /* the current pair pointer and every pair's refs */
	struct tls_pair *tls_pair;
	pthread_mutex_t tls_reload_lock; /* serialises checks and reloads; guards the ids */
	struct file_id cert_id, key_id; /* of the last attempt, successful or not */
	_Atomic uint64_t tls_next_check;
	_Atomic uint64_t tls_generation;
};

static uint64_t now_usec(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000U + (uint64_t)ts.tv_nsec / 1000U;
}

static void diag(struct http_server *s, int error, const char *fmt, ...) _printf_(3, 4);
static void diag(struct http_server *s, int error, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!s->on_diag)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->on_diag(s->on_diag_userdata, error, line);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) _printf_(2, 0);
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_server *s = cls;
	char line[512];
	size_t n;

	if (!s->on_diag)
		return;
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	s->on_diag(s->on_diag_userdata, 0, line);
}

/* GnuTLS errors become errno here and nowhere else. */
static int gnutls_to_errno(int g)
{
	switch (g) {
	case GNUTLS_E_SUCCESS:
		return 0;
	case GNUTLS_E_MEMORY_ERROR:
		return -ENOMEM;
	case GNUTLS_E_SHORT_MEMORY_BUFFER:
		return -E2BIG; /* more certificates than HTTP_SERVER_TLS_CHAIN_MAX */
	case GNUTLS_E_FILE_ERROR:
		return -EIO;
	case GNUTLS_E_INVALID_REQUEST:
		return -EINVAL; /* e.g. a priority string that does not parse */
	default:
		return -EBADMSG; /* PEM, ASN.1 or algorithm problems: the file is not usable */
	}
}

/* ---- TLS certificate pairs ---------------------------------------------- */

static struct tls_pair *tls_pair_free(struct tls_pair *p)
{
	if (!p)
		return NULL;
	for (unsigned i = 0; i < p->n_certs; i++)
		gnutls_pcert_deinit(&p->certs[i]);
	if (p->key)
		gnutls_privkey_deinit(p->key);
	free(p);
	return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tls_pair *, tls_pair_free);

struct file_data {
	char *data;
	size_t len;
};

static void file_data_wipe(struct file_data *f)
{
	if (f->data) {
		explicit_bzero(f->data, f->len);
		free(f->data);
	}
}

/* Reads a whole regular file of at most `max` bytes into exactly-sized memory (no copies left behind). */
static int read_file_capped(const char *path, size_t max, struct file_data *ret_file)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	size_t size, got = 0;
	char *p;

	/* O_NONBLOCK: a FIFO planted at the path must not hang the handshake thread. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADMSG;
	if (st.st_size < 0 || (uint64_t)st.st_size > max)
		return -EFBIG;
	size = (size_t)st.st_size;
	p = malloc(size + 1);
	if (!p)
		return -ENOMEM;
	/* One byte more than stat said, to notice a file growing under us. */
	while (got < size + 1) {
		ssize_t n = read(fd, p + got, size + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0) {
				int r = -errno;

				explicit_bzero(p, got);
				free(p);
				return r;
			}
			break;
		}
		got += (size_t)n;
	}
	if (got != size) {
		/* Rewritten while we read: the next check sees new ids and retries. */
		explicit_bzero(p, got);
		free(p);
		return -EAGAIN;
	}
	p[got] = '\0';
	*ret_file = (struct file_data){ .data = p, .len = got };
	return 0;
}

static int tls_key_matches(const struct tls_pair *p)
{
	gnutls_datum_t a = {}, b = {};
	gnutls_pubkey_t pub = NULL;
	int g, r;

	g = gnutls_pubkey_init(&pub);
	if (g < 0)
		return gnutls_to_errno(g);
	g = gnutls_pubkey_import_privkey(pub, p->key, 0, 0);
	if (g >= 0)
		g = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &a);
	if (g >= 0)
		g = gnutls_pubkey_export2(p->certs[0].pubkey, GNUTLS_X509_FMT_DER, &b);
	if (g < 0)
		r = gnutls_to_errno(g);
	else if (a.size != b.size || memcmp(a.data, b.data, a.size) != 0)
		r = -EKEYREJECTED;
	else
		r = 0;
	gnutls_free(a.data);
	gnutls_free(b.data);
	gnutls_pubkey_deinit(pub);
	return r;
}

static int tls_pair_load(const char *cert_path, const char *key_path, struct tls_pair **ret_pair)
{
	_cleanup_(file_data_wipe) struct file_data cert = {}, key = {};
	_cleanup_(tls_pair_freep) struct tls_pair *p = NULL;
	gnutls_datum_t d;
	unsigned n = HTTP_SERVER_TLS_CHAIN_MAX;
	int g, r;

	r = read_file_capped(cert_path, HTTP_SERVER_TLS_FILE_MAX, &cert);
	if (r < 0)
		return r;
	r = read_file_capped(key_path, HTTP_SERVER_TLS_FILE_MAX, &key);
	if (r < 0)
		return r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	d = (gnutls_datum_t){ .data = (unsigned char *)cert.data, .size = (unsigned)cert.len };
	g = gnutls_pcert_list_import_x509_raw(p->certs, &n, &d, GNUTLS_X509_FMT_PEM, 0);
	if (g < 0)
		return gnutls_to_errno(g);
	if (n == 0)
		return -EBADMSG;
	p->n_certs = n;

	g = gnutls_privkey_init(&p->key);
	if (g < 0)
		return gnutls_to_errno(g);
	d = (gnutls_datum_t){ .data = (unsigned char *)key.data, .size = (unsigned)key.len };
	g = gnutls_privkey_import_x509_raw(p->key, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (g < 0)
		return gnutls_to_errno(g);

	r = tls_key_matches(p);
	if (r < 0)
		return r;
	p->refs = 1;
	*ret_pair = TAKE_PTR(p);
	return 0;
}

/* Takes a reference on the pair in service, or NULL. */
static struct tls_pair *tls_pair_get(struct http_server *s)
{
	struct tls_pair *p;

	pthread_mutex_lock(&s->tls_pair_lock);
	p = s->tls_pair;
	if (p)
		p->refs++;
	pthread_mutex_unlock(&s->tls_pair_lock);
	return p;
}

static void tls_pair_put(struct http_server *s, struct tls_pair *p)
{
	bool last;

	if (!p)
		return;
	pthread_mutex_lock(&s->tls_pair_lock);
	last = --p->refs == 0;
	pthread_mutex_unlock(&s->tls_pair_lock);
	if (last)
		tls_pair_free(p);
}

static void file_id_get(const char *path, struct file_id *ret)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		*ret = (struct file_id){ .valid = false };
		return;
	}
	*ret = (struct file_id){
		.valid = true,
		.dev = st.st_dev,
		.ino = st.st_ino,
		.mtim = st.st_mtim,
		.size = st.st_size,
	};
}

static bool file_id_equal(const struct file_id *a, const struct file_id *b)
{
	if (a->valid != b->valid)
		return false;
	if (!a->valid)
		return true;
	return a->dev == b->dev && a->ino == b->ino && a->mtim.tv_sec == b->mtim.tv_sec &&
	       a->mtim.tv_nsec == b->mtim.tv_nsec && a->size == b->size;
}

/* Loads the files and puts the pair in service. Caller holds tls_reload_lock. */
static int tls_reload_locked(struct http_server *s)
{
	struct tls_pair *p = NULL, *old;
	uint64_t gen;
	int r;

	file_id_get(s->cert_path, &s->cert_id);
	file_id_get(s->key_path, &s->key_id);
	r = tls_pair_load(s->cert_path, s->key_path, &p);
	if (r < 0) {
		diag(s, r, "tls: cannot use '%s' with '%s', %s", s->cert_path, s->key_path,
		     s->tls_pair ? "keeping the previous pair" : "no certificate");
		return r;
	}
	pthread_mutex_lock(&s->tls_pair_lock);
	old = s->tls_pair;
	s->tls_pair = p;
	pthread_mutex_unlock(&s->tls_pair_lock);
	tls_pair_put(s, old);
	gen = atomic_fetch_add(&s->tls_generation, 1) + 1;
	diag(s, 0, "tls: certificate pair %llu in service from '%s'", (unsigned long long)gen,
	     s->cert_path);
	return 0;
}

/* At most once per interval, and by one thread at a time: reload when the files changed. */
static void tls_maybe_reload(struct http_server *s)
{
	struct file_id cid, kid;
	uint64_t now = now_usec();

	if (now < atomic_load_explicit(&s->tls_next_check, memory_order_relaxed))
		return;
	if (pthread_mutex_trylock(&s->tls_reload_lock) != 0)
		return; /* another handshake is checking; use the pair in service */
	if (now >= atomic_load(&s->tls_next_check)) {
		atomic_store(&s->tls_next_check, now + HTTP_SERVER_TLS_CHECK_USEC);
		file_id_get(s->cert_path, &cid);
		file_id_get(s->key_path, &kid);
		/* A failure keeps the old pair in service and is reported through on_diag. */
		if (!file_id_equal(&cid, &s->cert_id) || !file_id_equal(&kid, &s->key_id))
			(void)tls_reload_locked(s);
	}
	pthread_mutex_unlock(&s->tls_reload_lock);
}

static struct conn *conn_from_mhd(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci;

	if (!mc)
		return NULL;
	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/*
 * gnutls_certificate_retrieve_function2, called for each handshake. There is
 * no closure argument: libmicrohttpd 0.9.75 sets the session pointer to its
 * connection, whose socket context is our struct conn. The connection holds a
 * reference on the pair until it closes, because GnuTLS keeps pointing at the
 * certificates and key it was given (it frees nothing: need_free is 0).
 */
static int tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
			const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
			gnutls_pcert_st **ret_certs, unsigned int *ret_n_certs,
			gnutls_privkey_t *ret_key)
{
	struct conn *c = conn_from_mhd(gnutls_session_get_ptr(session));
	struct tls_pair *p;

	(void)req_ca_dn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	if (!c)
		return -1;
	tls_maybe_reload(c->server);
	p = tls_pair_get(c->server);
	if (!p)
		return -1;
	tls_pair_put(c->server, c->pair); /* a renegotiation replaces the first pair */
	c->pair = p;
	*ret_certs = p->certs;
	*ret_n_certs = p->n_certs;
	*ret_key = p->key;
	return 0;
}

/* ---- Connections and requests ------------------------------------------- */

static void format_addr(const struct sockaddr *sa, char *out, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		if (inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip))) {
			(void)snprintf(out, size, "%s:%u", ip, ntohs(in->sin_port));
			return;
		}
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		const char *ok;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			ok = inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], ip, sizeof(ip));
		else
			ok = inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		if (ok) {
			(void)snprintf(out, size,
				       IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) ? "%s:%u" : "[%s]:%u",
				       ip, ntohs(in6->sin6_port));
			return;
		}
	}
	(void)snprintf(out, size, "unknown");
}

static void conn_request_reset(struct conn *c)
{
	c->started = false;
	c->reject_status = 0;
	c->reject_resp = NULL;
	c->route = -1;
	c->status = 0;
	c->cap = 0;
	c->received = 0;
	c->has_query = false;
	c->query_too_long = false;
	if (c->body.alloc > CONN_BUF_KEEP)
		buf_free(&c->body);
	else
		buf_reset(&c->body);
	buf_reset(&c->query);
}

static struct conn *conn_free(struct conn *c)
{
	if (!c)
		return NULL;
	tls_pair_put(c->server, c->pair);
	buf_free(&c->body);
	buf_free(&c->query);
	free(c);
	return NULL;
}

static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;
	const union MHD_ConnectionInfo *ci;
	struct conn *c;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		*socket_context = conn_free(*socket_context);
		return;
	}
	if (code != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	/* On allocation failure the context stays NULL: handshake and requests are refused. */
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->server = s;
	c->route = -1;
	buf_init(&c->body, s->body_max_default);
	buf_init(&c->query, HTTP_SERVER_QUERY_MAX);
	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	format_addr(ci ? ci->client_addr : NULL, c->remote, sizeof(c->remote));
	*socket_context = c;
}

/* Called with the raw request target before parsing: the request begins here. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *mc)
{
	struct conn *c = conn_from_mhd(mc);
	const char *q;
	size_t n;

	(void)cls;
	if (!c)
		return NULL;
	conn_request_reset(c); /* the previous request may have been refused before the handler */
	q = strchr(uri, '?');
	if (q) {
		q++;
		c->has_query = true;
		n = strnlen(q, HTTP_SERVER_QUERY_MAX + 1);
		if (n > HTTP_SERVER_QUERY_MAX || buf_append(&c->query, q, n) < 0)
			c->query_too_long = true;
	}
	return c;
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct conn *c = *con_cls;

	(void)mc;
	(void)toe;
	if (!c)
		return;
	if (c->status != 0 && s->on_response)
		s->on_response(s->on_response_userdata, c->route, c->status,
			       now_usec() - c->start_usec);
	conn_request_reset(c);
	*con_cls = NULL;
}

static enum MHD_Result queue(struct conn *c, struct MHD_Connection *mc, unsigned status,
			     struct MHD_Response *resp)
{
	enum MHD_Result q = MHD_queue_response(mc, status, resp);

	if (q == MHD_YES)
		c->status = status;
	return q;
}

/* Media type equality, case-insensitive, ignoring parameters (";charset=...") and blanks. */
static bool media_type_match(const char *want, const char *got)
{
	size_t n = strlen(want);

	if (!got)
		return false;
	got += strspn(got, " \t");
	if (strncasecmp(want, got, n) != 0)
		return false;
	got += n;
	got += strspn(got, " \t");
	return *got == '\0' || *got == ';';
}

/* Declared body size; UINT64_MAX when unparsable (libmicrohttpd already answers 400 for that). */
static uint64_t content_length(const char *v)
{
	uint64_t n = 0;

	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return UINT64_MAX;
		if (__builtin_mul_overflow(n, 10U, &n) || __builtin_add_overflow(n, *v - '0', &n))
			return UINT64_MAX;
	}
	return n;
}

static bool expects_continue(struct MHD_Connection *mc)
{
	const char *v = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);

	return v && strcasecmp(v, "100-continue") == 0;
}

/*
 * An error decided from the headers. It is sent at once when no body follows,
 * when the client waits for 100 Continue (it then sends nothing), or when the
 * declared body is beyond the drain budget. Otherwise the client is probably
 * sending the body already: answering and closing now would likely reach it
 * as a connection reset instead of our status (libmicrohttpd 0.9.75 has no
 * lingering close), so the body is read and discarded first (request_feed).
 */
static enum MHD_Result reject(struct conn *c, struct MHD_Connection *mc, unsigned status,
			      struct MHD_Response *resp)
{
	const char *cl =
		MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te =
		MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	uint64_t len = cl ? content_length(cl) : 0;
	bool body = cl ? len > 0 : te && strcasestr(te, "chunked");

	if (!body || expects_continue(mc) || len > (uint64_t)c->cap + HTTP_SERVER_DRAIN_MAX)
		return queue(c, mc, status, resp);
	c->reject_status = status;
	c->reject_resp = resp;
	return MHD_YES;
}

/* -ENOENT: unknown path; -EPERM: known path, other method (reterr_owner: its 405 holder). */
static int route_find(const struct http_server *s, const char *path, const char *method,
		      size_t *ret_index, size_t *reterr_owner)
{
	bool path_known = false;
	size_t first = 0;

	for (size_t i = 0; i < s->n_routes; i++) {
		if (strcmp(s->routes[i].r.path, path) != 0)
			continue;
		if (strcmp(s->routes[i].r.method, method) == 0) {
			*ret_index = i;
			return 0;
		}
		if (!path_known)
			first = i;
		path_known = true;
	}
	if (!path_known)
		return -ENOENT;
	*reterr_owner = s->routes[first].first_same_path;
	return -EPERM;
}

static enum MHD_Result request_begin(struct http_server *s, struct conn *c,
				     struct MHD_Connection *mc, const char *url, const char *method)
{
	const struct route *rt;
	const char *ct, *cl;
	size_t idx, owner;
	int r;

	c->started = true;
	c->start_usec = now_usec();
	if (c->query_too_long)
		return reject(c, mc, 414, s->resp_414);
	r = route_find(s, url, method, &idx, &owner);
	if (r == -ENOENT)
		return reject(c, mc, 404, s->resp_404);
	if (r < 0)
		return reject(c, mc, 405, s->routes[owner].resp_405);
	c->route = (int)idx;
	rt = &s->routes[idx];
	c->cap = rt->r.body_max ? rt->r.body_max : s->body_max_default;
	c->body.max = c->cap;
	if (rt->r.content_type) {
		ct = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		if (!media_type_match(rt->r.content_type, ct))
			return reject(c, mc, 415, s->resp_415);
	}
	/* Known too large: refused before any of it is buffered. */
	cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && content_length(cl) > c->cap)
		return reject(c, mc, 413, s->resp_413);
	return MHD_YES;
}

/* Accumulates one piece of body; < 0 closes the connection. */
static int request_feed(struct http_server *s, struct conn *c, const char *data, size_t len)
{
	int r;

	if (now_usec() - c->start_usec > s->body_deadline_usec)
		return -ETIMEDOUT;
	if (__builtin_add_overflow(c->received, len, &c->received))
		return -EFBIG;
	if (c->reject_status) {
		/* Discarding; bounded so that a client cannot keep us reading forever. */
		if (c->received > c->cap && c->received - c->cap > HTTP_SERVER_DRAIN_MAX)
			return -EFBIG;
		return 0;
	}
	r = buf_append(&c->body, data, len);
	if (r == 0)
		return 0;
	/* Crossed the cap (or out of memory): stop accumulating, release what we have. */
	c->reject_status = r == -EFBIG ? 413 : 500;
	c->reject_resp = r == -EFBIG ? s->resp_413 : s->resp_500;
	buf_free(&c->body);
	return 0;
}

static enum MHD_Result request_finish(struct http_server *s, struct conn *c,
				      struct MHD_Connection *mc, const char *url,
				      const char *method)
{
	const struct route *rt;
	struct http_response resp = { .status = 200 };
	struct http_request req = {
		.method = method,
		.path = url,
		.query = c->has_query ? strempty(c->query.data) : NULL,
		.content_type = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
							    MHD_HTTP_HEADER_CONTENT_TYPE),
		.body = c->body.len ? c->body.data : NULL,
		.body_len = c->body.len,
		.remote_addr = c->remote,
		.authorization = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_AUTHORIZATION),
	};
	struct MHD_Response *m;
	enum MHD_Result q;
	int r;

	if (c->reject_status)
		return queue(c, mc, c->reject_status, c->reject_resp);
	rt = &s->routes[c->route];

	r = rt->r.handler(rt->r.userdata, &req, &resp);
	if (r < 0 || resp.status < 200 || resp.status > 599 || (!resp.body && resp.body_len)) {
		free(resp.body);
		return queue(c, mc, 500, s->resp_500);
	}
	if (resp.body && resp.body_len) {
		m = MHD_create_response_from_buffer_with_free_callback(resp.body_len, resp.body,
								       free);
		if (!m)
			free(resp.body);
	} else {
		free(resp.body);
		m = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	}
	if (!m)
		return queue(c, mc, 500, s->resp_500);
	if (resp.content_type && MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE,
							 resp.content_type) != MHD_YES) {
		MHD_destroy_response(m);
		return queue(c, mc, 500, s->resp_500);
	}
	q = queue(c, mc, resp.status, m);
	MHD_destroy_response(m); /* dropped our reference; the queued one lives on */
	return q;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *mc, const char *url,
				 const char *method, const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct conn *c = *con_cls;

	(void)version;
	if (!c)
		return MHD_NO; /* no per-connection state: out of memory */
	if (!c->started)
		return request_begin(s, c, mc, url, method);
	if (*upload_data_size > 0) {
		int r = request_feed(s, c, upload_data, *upload_data_size);

		*upload_data_size = 0;
		return r < 0 ? MHD_NO : MHD_YES;
	}
	return request_finish(s, c, mc, url, method);
}

/* ---- Setup ----------------------------------------------------------------- */

static struct MHD_Response *static_response(const char *json, bool close)
{
	struct MHD_Response *m;

	m = MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_PERSISTENT);
	if (!m)
		return NULL;
	if (MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") !=
		    MHD_YES ||
	    (close && MHD_add_response_header(m, MHD_HTTP_HEADER_CONNECTION, "close") != MHD_YES)) {
		MHD_destroy_response(m);
		return NULL;
	}
	return m;
}

static int routes_setup(struct http_server *s, const struct http_route *routes, size_t n)
{
	if (n > HTTP_SERVER_ROUTES_MAX || (n > 0 && !routes))
		return -EINVAL;
	s->routes = calloc(n ? n : 1, sizeof(*s->routes));
	if (!s->routes)
		return -ENOMEM;
	s->n_routes = n;
	for (size_t i = 0; i < n; i++) {
		if (!routes[i].method || !routes[i].path || !routes[i].handler)
			return -EINVAL;
		s->routes[i].r = routes[i];
		s->routes[i].first_same_path = i;
		for (size_t j = 0; j < i; j++)
			if (strcmp(routes[j].path, routes[i].path) == 0) {
				s->routes[i].first_same_path = j;
				break;
			}
	}
	for (size_t i = 0; i < n; i++) {
		struct buf allow;
		int r = 0;

		if (s->routes[i].first_same_path != i)
			continue;
		buf_init(&allow, ALLOW_MAX);
		for (size_t j = i; j < n && r == 0; j++)
			if (strcmp(routes[j].path, routes[i].path) == 0)
				r = buf_printf(&allow, "%s%s", allow.len ? ", " : "",
					       routes[j].method);
		if (r == 0) {
			s->routes[i].resp_405 =
				static_response("{\"error\":\"method not allowed\"}", false);
			if (!s->routes[i].resp_405 ||
			    MHD_add_response_header(s->routes[i].resp_405, MHD_HTTP_HEADER_ALLOW,
						    allow.data) != MHD_YES)
				r = -ENOMEM;
		}
		buf_free(&allow);
		if (r < 0)
			return r == -EFBIG ? -EINVAL : r;
	}
	return 0;
}

/* "1.2.3.4:443", "[::1]:443", ":443"; numeric only. *ret_any: all addresses. */
static int parse_listen(const char *text, struct sockaddr_storage *ret_sa, bool *ret_any)
{
	struct sockaddr_storage sa = {};
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_s, *end;
	bool any = false;
	unsigned long port = 0;
	size_t hlen;
	bool v6;

	if (!text || !*text)
		return -EINVAL;
	v6 = text[0] == '[';
	if (v6) {
		end = strchr(text, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		hlen = (size_t)(end - text - 1);
		port_s = end + 2;
		text++;
	} else {
		end = strrchr(text, ':');
		if (!end)
			return -EINVAL;
		hlen = (size_t)(end - text);
		port_s = end + 1;
	}
	if (hlen >= sizeof(host) || !*port_s || strlen(port_s) > 5)
		return -EINVAL;
	for (const char *p = port_s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port > 65535)
		return -EINVAL;
	memcpy(host, text, hlen);
	host[hlen] = '\0';

	if (v6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -EINVAL;
	} else if (hlen == 0) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		in6->sin6_addr = in6addr_any;
		any = true;
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&sa;

		if (strchr(host, ':'))
			return -EINVAL; /* IPv6 needs brackets */
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return -EINVAL;
	}
	*ret_sa = sa;
	*ret_any = any;
	return 0;
}

static int listen_on(const struct sockaddr_storage *sa, bool dual_stack)
{
	_cleanup_close_ int fd = -EBADF;
	socklen_t len = sa->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
						    sizeof(struct sockaddr_in);
	int one = 1, zero = 0;

	fd = socket(sa->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return -errno;
	if (dual_stack && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0)
		return -errno;
	if (bind(fd, (const struct sockaddr *)sa, len) < 0)
		return -errno;
	if (listen(fd, SOMAXCONN) < 0)
		return -errno;
	return TAKE_FD(fd);
}

static int open_listener(const char *text, uint16_t *ret_port)
{
	_cleanup_close_ int fd = -EBADF;
	struct sockaddr_storage sa, bound;
	socklen_t len = sizeof(bound);
	bool any;
	int r;

	r = parse_listen(text, &sa, &any);
	if (r < 0)
		return r;
	fd = listen_on(&sa, any);
	if (any && (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL)) {
		/* No IPv6 on this host: all IPv4 addresses. */
		struct sockaddr_in *in = (struct sockaddr_in *)&sa;
		uint16_t port = ((struct sockaddr_in6 *)&sa)->sin6_port;

		memset(&sa, 0, sizeof(sa));
		in->sin_family = AF_INET;
		in->sin_port = port;
		in->sin_addr.s_addr = htonl(INADDR_ANY);
		fd = listen_on(&sa, false);
	}
	if (fd < 0)
		return fd;
	if (getsockname(fd, (struct sockaddr *)&bound, &len) < 0)
		return -errno;
	*ret_port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port :
							((struct sockaddr_in *)&bound)->sin_port);
	return TAKE_FD(fd);
}

static unsigned default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/*
 * Takes ownership of `fd`: libmicrohttpd closes the listen socket it was given,
 * on stop and on start failure (checked with 0.9.75; its only path that does
 * not is option parsing, and the one option that could fail there, the TLS
 * priorities, is checked beforehand by priorities_check()).
 */
static struct MHD_Daemon *mhd_start(struct http_server *s, int fd, unsigned threads, unsigned limit,
				    unsigned per_ip, unsigned timeout)
{
	/*
	 * Not MHD_USE_TURBO: with it, 0.9.75 never times out a TLS connection that
	 * stalls in the handshake (a silent client holds its slot forever).
	 */
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC;
	unsigned pool = threads > 1 ? threads : 0; /* 0: one internal thread, no pool */

	if (s->on_diag)
		flags |= MHD_USE_ERROR_LOG;
	if (s->tls)
		return MHD_start_daemon(
			flags | MHD_USE_TLS, 0, NULL, NULL, on_access, s,
			MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_LISTEN_SOCKET, fd,
			MHD_OPTION_THREAD_POOL_SIZE, pool, MHD_OPTION_CONNECTION_LIMIT, limit,
			MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
			timeout, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
			MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED,
			on_completed, s, MHD_OPTION_HTTPS_PRIORITIES, s->priorities,
			MHD_OPTION_HTTPS_CERT_CALLBACK, tls_retrieve, MHD_OPTION_END);
	return MHD_start_daemon(flags, 0, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER,
				mhd_log, s, MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_THREAD_POOL_SIZE, pool, MHD_OPTION_CONNECTION_LIMIT,
				limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
				MHD_OPTION_CONNECTION_TIMEOUT, timeout,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
				MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED,
				on_completed, s, MHD_OPTION_END);
}

/*
 * Validated here, not by libmicrohttpd: its option parser rejecting them would
 * also leave the listen socket open (the one start failure that does).
 */
static int priorities_check(const char *priorities)
{
	gnutls_priority_t p;
	int g;

	g = gnutls_priority_init(&p, priorities, NULL);
	if (g < 0)
		return gnutls_to_errno(g);
	gnutls_priority_deinit(p);
	return 0;
}

/* MHD_start_daemon() returns NULL without a reason; errno is meaningful only for resources. */
static int mhd_start_errno(int e)
{
	switch (e) {
	case EAGAIN:
	case ENOMEM:
	case EMFILE:
	case ENFILE:
		return -e;
	default:
		return -EIO;
	}
}

int http_server_start(const struct http_server_config *cfg, struct http_server **ret_server)
{
	_cleanup_(http_server_freep) struct http_server *s = NULL;
	unsigned threads, limit, per_ip, timeout;
	int fd, r;

	assert(cfg);
	assert(ret_server);
	if (!cfg->tls_cert_path != !cfg->tls_key_path)
		return -EINVAL;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->tls_pair_lock, NULL);
	pthread_mutex_init(&s->tls_reload_lock, NULL);
	s->tls = cfg->tls_cert_path != NULL;
	s->body_max_default = cfg->body_max_default ? cfg->body_max_default :
						      HTTP_SERVER_BODY_MAX_DEFAULT;
	timeout = cfg->connection_timeout_sec ? cfg->connection_timeout_sec :
						HTTP_SERVER_TIMEOUT_SEC_DEFAULT;
	s->body_deadline_usec = (uint64_t)timeout * 1000000U;
	s->on_response = cfg->on_response;
	s->on_response_userdata = cfg->on_response_userdata;
	s->on_diag = cfg->on_diag;
	s->on_diag_userdata = cfg->on_diag_userdata;

	threads = cfg->threads ? cfg->threads : default_threads();
	threads = MIN(threads, HTTP_SERVER_THREADS_MAX);
	limit = cfg->connection_limit ? cfg->connection_limit :
					HTTP_SERVER_CONNECTION_LIMIT_DEFAULT;
	limit = MAX(limit, threads); /* every worker must be allowed one connection */
	per_ip = cfg->per_ip_connection_limit ? cfg->per_ip_connection_limit :
						HTTP_SERVER_PER_IP_LIMIT_DEFAULT;

	r = routes_setup(s, cfg->routes, cfg->n_routes);
	if (r < 0)
		return r;
	s->resp_404 = static_response("{\"error\":\"not found\"}", false);
	s->resp_413 = static_response("{\"error\":\"request body too large\"}", true);
	s->resp_414 = static_response("{\"error\":\"query too long\"}", false);
	s->resp_415 = static_response("{\"error\":\"unsupported media type\"}", false);
	s->resp_500 = static_response("{\"error\":\"internal error\"}", false);
	if (!s->resp_404 || !s->resp_413 || !s->resp_414 || !s->resp_415 || !s->resp_500)
		return -ENOMEM;

	if (s->tls) {
		s->cert_path = strdup(cfg->tls_cert_path);
		s->key_path = strdup(cfg->tls_key_path);
		s->priorities = strdup(cfg->tls_priorities ? cfg->tls_priorities :
							     HTTP_SERVER_TLS_PRIORITIES);
		if (!s->cert_path || !s->key_path || !s->priorities)
			return -ENOMEM;
		r = priorities_check(s->priorities);
		if (r < 0)
			return r;
		pthread_mutex_lock(&s->tls_reload_lock);
		r = tls_reload_locked(s);
		atomic_store(&s->tls_next_check, now_usec() + HTTP_SERVER_TLS_CHECK_USEC);
		pthread_mutex_unlock(&s->tls_reload_lock);
		if (r < 0)
			return r;
	}

	fd = open_listener(cfg->listen, &s->port);
	if (fd < 0)
		return fd;
	errno = 0;
	s->daemon = mhd_start(s, fd, threads, limit, per_ip, timeout);
	if (!s->daemon)
		return mhd_start_errno(errno);
	*ret_server = TAKE_PTR(s);
	return 0;
}

uint16_t http_server_port(const struct http_server *s)
{
	return s ? s->port : 0;
}

int http_server_reload_tls(struct http_server *s)
{
	int r;

	if (!s || !s->tls)
		return -EINVAL;
	pthread_mutex_lock(&s->tls_reload_lock);
	r = tls_reload_locked(s);
	atomic_store(&s->tls_next_check, now_usec() + HTTP_SERVER_TLS_CHECK_USEC);
	pthread_mutex_unlock(&s->tls_reload_lock);
	return r;
}

uint64_t http_server_tls_generation(struct http_server *s)
{
	return s ? atomic_load(&s->tls_generation) : 0;
}

static void response_destroy(struct MHD_Response *m)
{
	if (m)
		MHD_destroy_response(m);
}

struct http_server *http_server_free(struct http_server *s)
{
	if (!s)
		return NULL;
	/* Closes every connection (their CLOSED notifications free our state) and joins the workers. */
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	for (size_t i = 0; s->routes && i < s->n_routes; i++)
		response_destroy(s->routes[i].resp_405);
	free(s->routes);
	response_destroy(s->resp_404);
	response_destroy(s->resp_413);
	response_destroy(s->resp_414);
	response_destroy(s->resp_415);
	response_destroy(s->resp_500);
	tls_pair_put(s, s->tls_pair);
	free(s->cert_path);
	free(s->key_path);
	free(s->priorities);
	pthread_mutex_destroy(&s->tls_pair_lock);
	pthread_mutex_destroy(&s->tls_reload_lock);
	free(s);
	return NULL;
}

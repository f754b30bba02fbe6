// SPDX-License-Identifier: Apache-2.0
/* Tests for kubeconfig/in-cluster loading and the API client against an in-test HTTP(S) server. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/buf.h"
#include "common/k8s-client.h"
#include "common/k8s-config.h"

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	(void)nanosleep(&ts, NULL);
}

static char *b64(const char *s)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(s), o = 0;
	char *out = malloc(len / 3 * 4 + 5);

	assert_non_null(out);
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)s[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)(unsigned char)s[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)s[i + 2];
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tbl[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

static void write_file(const char *dir, const char *name, const char *content)
{
	char path[512], tmp[520];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	(void)snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	assert_int_equal(rename(tmp, path), 0); /* new inode, as a projected token rotation */
}

static char *make_tmpdir(void)
{
	char *d = strdup("/tmp/test-k8s-client.XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static void rm_tmpdir(char *d)
{
	static const char *const names[] = { "token",  "ca.crt",     "namespace",
					     "config", "sub/config", "sub" };
	char p[600];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		(void)snprintf(p, sizeof(p), "%s/%s", d, names[i]);
		(void)unlink(p);
		(void)rmdir(p);
	}
	(void)rmdir(d);
	free(d);
}

/* ---------------------------------------------------------------------------
 * Mock API server: libmicrohttpd, one thread per connection, records requests
 * as JSON objects {method, path, args{}, authorization, content_type,
 * user_agent, accept, body, t, client_cert}.
 */

struct mock;
typedef enum MHD_Result (*mock_route_fn)(struct mock *m, struct MHD_Connection *conn,
					 const json_t *req, size_t n);

struct mock {
	struct MHD_Daemon *d;
	uint16_t port;
	char url[64];
	pthread_mutex_t lock;
	json_t *reqs;
	mock_route_fn route;
	void *data;
	atomic_bool closing;
	atomic_uint connections;
	bool tls;
};

struct conn_state {
	struct buf body;
	bool started;
};

static json_t *mock_req(struct mock *m, size_t i)
{
	json_t *r;

	pthread_mutex_lock(&m->lock);
	r = json_incref(json_array_get(m->reqs, i));
	pthread_mutex_unlock(&m->lock);
	json_decref(r); /* still held by reqs */
	return r;
}

static size_t mock_nreqs(struct mock *m)
{
	size_t n;

	pthread_mutex_lock(&m->lock);
	n = json_array_size(m->reqs);
	pthread_mutex_unlock(&m->lock);
	return n;
}

static const char *req_str(const json_t *req, const char *key)
{
	return json_string_value(json_object_get(req, key));
}

static const char *req_arg(const json_t *req, const char *key)
{
	return json_string_value(json_object_get(json_object_get(req, "args"), key));
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	(void)kind;
	json_object_set_new(cls, key, json_string(value ? value : ""));
	return MHD_YES;
}

static void set_header(json_t *req, struct MHD_Connection *conn, const char *key,
		       const char *header)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, header);

	if (v)
		json_object_set_new(req, key, json_string(v));
}

static enum MHD_Result mock_handler(void *cls, struct MHD_Connection *conn, const char *url,
				    const char *method, const char *version,
				    const char *upload_data, size_t *upload_data_size,
				    void **con_cls)
{
	struct mock *m = cls;
	struct conn_state *st = *con_cls;
	json_t *req, *args;
	size_t n;

	(void)version;
	if (!st) {
		st = calloc(1, sizeof(*st));
		if (!st)
			return MHD_NO;
		buf_init(&st->body, 1U << 20);
		*con_cls = st;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (buf_append(&st->body, upload_data, *upload_data_size) < 0)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	req = json_object();
	args = json_object();
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, args);
	json_object_set_new(req, "method", json_string(method));
	json_object_set_new(req, "path", json_string(url));
	json_object_set_new(req, "args", args);
	json_object_set_new(req, "body", json_string(st->body.data ? st->body.data : ""));
	json_object_set_new(req, "t", json_integer((json_int_t)now_usec()));
	set_header(req, conn, "authorization", MHD_HTTP_HEADER_AUTHORIZATION);
	set_header(req, conn, "content_type", MHD_HTTP_HEADER_CONTENT_TYPE);
	set_header(req, conn, "user_agent", MHD_HTTP_HEADER_USER_AGENT);
	set_header(req, conn, "accept", MHD_HTTP_HEADER_ACCEPT);
	if (m->tls) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
		unsigned int npeers = 0;

		if (ci && ci->tls_session)
			(void)gnutls_certificate_get_peers(ci->tls_session, &npeers);
		json_object_set_new(req, "client_cert", json_boolean(npeers > 0));
	}
	pthread_mutex_lock(&m->lock);
	n = json_array_size(m->reqs);
	json_array_append(m->reqs, req);
	pthread_mutex_unlock(&m->lock);
	{
		enum MHD_Result r = m->route(m, conn, req, n);

		json_decref(req);
		return r;
	}
}

static void mock_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			   enum MHD_RequestTerminationCode toe)
{
	struct conn_state *st = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!st)
		return;
	buf_free(&st->body);
	free(st);
	*con_cls = NULL;
}

static void mock_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			enum MHD_ConnectionNotificationCode toe)
{
	struct mock *m = cls;

	(void)conn;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&m->connections, 1);
}

static void mock_start_full(struct mock *m, mock_route_fn route, void *data, const char *cert,
			    const char *key, const char *trust)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
	const union MHD_DaemonInfo *info;

	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->reqs = json_array();
	m->route = route;
	m->data = data;
	m->tls = cert != NULL;
	if (cert)
		m->d = MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, mock_handler, m,
					MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED,
					mock_completed, m, MHD_OPTION_NOTIFY_CONNECTION,
					mock_notify, m, MHD_OPTION_HTTPS_MEM_CERT, cert,
					MHD_OPTION_HTTPS_MEM_KEY, key,
					trust ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, trust,
					MHD_OPTION_END);
	else
		m->d = MHD_start_daemon(flags, 0, NULL, NULL, mock_handler, m, MHD_OPTION_SOCK_ADDR,
					&sa, MHD_OPTION_NOTIFY_COMPLETED, mock_completed, m,
					MHD_OPTION_NOTIFY_CONNECTION, mock_notify, m,
					MHD_OPTION_END);
	assert_non_null(m->d);
	info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(info);
	m->port = info->port;
	(void)snprintf(m->url, sizeof(m->url), "%s://127.0.0.1:%u", cert ? "https" : "http",
		       m->port);
}

static void mock_start(struct mock *m, mock_route_fn route, void *data)
{
	mock_start_full(m, route, data, NULL, NULL, NULL);
}

static void mock_stop(struct mock *m)
{
	atomic_store(&m->closing, true);
	MHD_stop_daemon(m->d);
	json_decref(m->reqs);
	pthread_mutex_destroy(&m->lock);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *body)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result r;

	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result reply_json(struct MHD_Connection *conn, unsigned status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	enum MHD_Result r = reply(conn, status, s);

	free(s);
	json_decref(j);
	return r;
}

static enum MHD_Result reply_status(struct MHD_Connection *conn, unsigned code, const char *reason,
				    const char *message)
{
	return reply_json(conn, code,
			  json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s, s:i}", "kind", "Status",
				    "apiVersion", "v1", "metadata", "status", "Failure", "reason",
				    reason, "message", message, "code", (int)code));
}

/* Streamed (chunked) responses: chunks in order, then an end. */
enum stream_end {
	END_CLEAN, /* terminating chunk */
	END_DROP, /* connection closed mid-stream */
	END_HANG, /* no more data until the server shuts down */
};

struct stream {
	struct mock *m;
	const char *chunks[8];
	size_t i, off;
	enum stream_end end;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream *s = cls;
	size_t len, n;

	(void)pos;
	while (s->i < 8 && s->chunks[s->i] && s->off == strlen(s->chunks[s->i])) {
		s->i++;
		s->off = 0;
	}
	if (s->i >= 8 || !s->chunks[s->i]) {
		switch (s->end) {
		case END_CLEAN:
			return MHD_CONTENT_READER_END_OF_STREAM;
		case END_DROP:
			return MHD_CONTENT_READER_END_WITH_ERROR;
		case END_HANG:
			if (atomic_load(&s->m->closing))
				return MHD_CONTENT_READER_END_WITH_ERROR;
			sleep_ms(20);
			return 0;
		}
	}
	if (s->off == 0 && s->i > 0)
		sleep_ms(10); /* separate chunks arrive in separate reads */
	len = strlen(s->chunks[s->i]);
	n = len - s->off < max ? len - s->off : max;
	memcpy(out, s->chunks[s->i] + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static enum MHD_Result reply_stream(struct mock *m, struct MHD_Connection *conn,
				    const char *const *chunks, enum stream_end end)
{
	struct stream *s = calloc(1, sizeof(*s));
	struct MHD_Response *resp;
	enum MHD_Result r;

	assert_non_null(s);
	s->m = m;
	s->end = end;
	for (size_t i = 0; i < 8 && chunks && chunks[i]; i++)
		s->chunks[i] = chunks[i];
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, s, free);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	r = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return r;
}

static struct k8s_client *client_for(struct mock *m, const char *token)
{
	struct k8s_config *cfg = NULL;
	struct k8s_client *c = NULL;

	assert_int_equal(k8s_config_new(m->url, &cfg), 0);
	if (token)
		cfg->token = strdup(token);
	assert_int_equal(k8s_client_new(cfg, &c), 0);
	k8s_config_free(cfg);
	return c;
}

/* ---------------------------------------------------------------------------
 * kubeconfig
 */

static const char CA_PEM[] = "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";
static const char CERT_PEM[] = "-----BEGIN CERTIFICATE-----\nY2VydA==\n-----END CERTIFICATE-----\n";
static const char KEY_PEM[] = "-----BEGIN PRIVATE KEY-----\na2V5\n-----END PRIVATE KEY-----\n";

static char *kubeconfig_text(void)
{
	char *ca = b64(CA_PEM), *cert = b64(CERT_PEM), *key = b64(KEY_PEM), *s = NULL;

	assert_true(asprintf(&s,
			     "apiVersion: v1\n"
			     "kind: Config\n"
			     "current-context: prod\n"
			     "clusters:\n"
			     "- name: dev\n"
			     "  cluster:\n"
			     "    server: https://dev.example:6443\n"
			     "    insecure-skip-tls-verify: true\n"
			     "- name: prod\n"
			     "  cluster:\n"
			     "    server: https://10.0.0.1:6443/\n"
			     "    certificate-authority-data: %s\n"
			     "contexts:\n"
			     "- name: dev\n"
			     "  context: {cluster: dev, user: dev-user}\n"
			     "- name: prod\n"
			     "  context:\n"
			     "    cluster: prod\n"
			     "    user: prod-user\n"
			     "    namespace: pavise-system\n"
			     "users:\n"
			     "- name: dev-user\n"
			     "  user:\n"
			     "    client-certificate-data: %s\n"
			     "    client-key-data: |\n"
			     "      %.8s\n"
			     "      %s\n"
			     "- name: prod-user\n"
			     "  user:\n"
			     "    token: \"abc.def-123\"\n",
			     ca, cert, key, key + 8) > 0);
	free(ca);
	free(cert);
	free(key);
	return s;
}

static void test_kubeconfig_current_context(void **state)
{
	_cleanup_free_ char *text = kubeconfig_text();
	struct k8s_config *cfg = NULL;
	struct k8s_error err = {};

	(void)state;
	assert_int_equal(k8s_config_parse_kubeconfig(text, strlen(text), NULL, NULL, &cfg, &err),
			 0);
	assert_string_equal(cfg->server, "https://10.0.0.1:6443");
	assert_string_equal(cfg->namespace, "pavise-system");
	assert_string_equal(cfg->token, "abc.def-123");
	assert_null(cfg->token_file);
	assert_int_equal(cfg->ca_data_len, strlen(CA_PEM));
	assert_memory_equal(cfg->ca_data, CA_PEM, strlen(CA_PEM));
	assert_false(cfg->insecure_skip_tls_verify);
	assert_null(cfg->client_cert_data);
	assert_int_equal(cfg->max_response, K8S_RESPONSE_MAX_DEFAULT);
	assert_int_equal(cfg->timeout_usec, K8S_TIMEOUT_DEFAULT);
	k8s_config_free(cfg);
}

static void test_kubeconfig_context_override(void **state)
{
	_cleanup_free_ char *text = kubeconfig_text();
	struct k8s_config *cfg = NULL;
	struct k8s_error err = {};

	(void)state;
	assert_int_equal(k8s_config_parse_kubeconfig(text, strlen(text), NULL, "dev", &cfg, &err),
			 0);
	assert_string_equal(cfg->server, "https://dev.example:6443");
	assert_true(cfg->insecure_skip_tls_verify);
	assert_null(cfg->namespace);
	assert_null(cfg->token);
	assert_null(cfg->ca_data);
	assert_int_equal(cfg->client_cert_data_len, strlen(CERT_PEM));
	assert_memory_equal(cfg->client_cert_data, CERT_PEM, strlen(CERT_PEM));
	/* a block scalar split over two lines: whitespace inside base64 is ignored */
	assert_int_equal(cfg->client_key_data_len, strlen(KEY_PEM));
	assert_memory_equal(cfg->client_key_data, KEY_PEM, strlen(KEY_PEM));
	k8s_config_free(cfg);

	assert_int_equal(k8s_config_parse_kubeconfig(text, strlen(text), NULL, "nope", &cfg, &err),
			 -EINVAL);
	assert_string_equal(err.reason, "InvalidKubeconfig");
	assert_non_null(strstr(err.message, "context 'nope' not found"));
}

static void test_kubeconfig_files(void **state)
{
	char *dir = make_tmpdir();
	char path[600], *text = NULL;
	struct k8s_config *cfg = NULL;
	struct k8s_client *c = NULL;
	struct k8s_error err = {};

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file(dir, "token", "file-token\n");
	assert_true(asprintf(&text,
			     "current-context: c\n"
			     "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
			     "clusters:\n"
			     "- name: k\n"
			     "  cluster: {server: 'http://127.0.0.1:1', certificate-authority: "
			     "../ca.crt}\n"
			     "users:\n"
			     "- name: u\n"
			     "  user:\n"
			     "    tokenFile: ../token\n"
			     "    client-certificate: /abs/cert.pem\n"
			     "    client-key: key.pem\n") > 0);
	write_file(dir, "sub/config", text);
	free(text);
	(void)snprintf(path, sizeof(path), "%s/sub/config", dir);

	assert_int_equal(k8s_config_load(path, &cfg, &err), 0);
	assert_string_equal(cfg->server, "http://127.0.0.1:1");
	assert_non_null(strstr(cfg->token_file, "/sub/../token"));
	assert_non_null(strstr(cfg->ca_file, "/sub/../ca.crt"));
	assert_string_equal(cfg->client_cert_file, "/abs/cert.pem");
	assert_non_null(strstr(cfg->client_key_file, "/sub/key.pem"));
	assert_null(cfg->token);
	/* The client reads the token file. */
	assert_int_equal(k8s_client_new(cfg, &c), 0);
	assert_string_equal(k8s_client_namespace(c), "default");
	k8s_client_free(c);
	/* A token file that cannot be read fails the client, clearly. */
	free(cfg->token_file);
	cfg->token_file = strdup("/nonexistent/token");
	assert_int_equal(k8s_client_new(cfg, &c), -ENOENT);
	k8s_config_free(cfg);

	assert_int_equal(k8s_config_load("/nonexistent/kubeconfig", &cfg, &err), -ENOENT);
	assert_string_equal(err.reason, "ReadFailed");
	assert_non_null(strstr(err.message, "/nonexistent/kubeconfig"));
	rm_tmpdir(dir);
}

static void test_kubeconfig_errors(void **state)
{
	static const struct {
		const char *yaml;
		int error;
		const char *message;
	} cases[] = {
		{ "", -EINVAL, "kubeconfig is empty" },
		{ "- a\n- b\n", -EBADMSG, "not a YAML mapping" },
		{ "kind: Config\n", -EINVAL, "no 'current-context' set" },
		{ "current-context: x\n", -EINVAL, "context 'x' not found in 'contexts'" },
		{ "a: [\n", -EBADMSG, "invalid YAML at line 2" },
		{ "a: 1\na: 2\n", -EBADMSG, "invalid YAML at line 2" },
		{ "? [a]\n: b\n", -EBADMSG, "invalid YAML at line 1" },
		{ "a: 1\n---\nb: 2\n", -EBADMSG, "holds 2 YAML documents" },
		{ "current-context: c\ncontexts: {c: 1}\n", -EBADMSG, "'contexts' must be a list" },
		{ "current-context: c\ncontexts: [{name: c, context: {user: u}}]\n", -EINVAL,
		  "context 'c' has no 'cluster'" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n", -EINVAL,
		  "cluster 'k' not found in 'clusters'" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
		  "clusters: [{name: k, cluster: {}}]\n",
		  -EINVAL, "cluster 'k' has no 'server'" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
		  "clusters: [{name: k, cluster: {server: [1]}}]\n",
		  -EBADMSG, "'server' must be a string" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
		  "clusters: [{name: k, cluster: {server: 'ftp://x'}}]\n",
		  -EINVAL, "'server' must be an http(s) URL" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
		  "clusters: [{name: k, cluster: {server: 'https://u:p@x'}}]\n",
		  -EINVAL, "'server' must be an http(s) URL" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
		  "clusters: [{name: k, cluster: {server: 'https://x'}}]\n",
		  -EINVAL, "user 'u' not found in 'users'" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
		  "clusters: [{name: k, cluster: {server: 'https://x', "
		  "certificate-authority-data: 'no*base64'}}]\n",
		  -EBADMSG, "'certificate-authority-data' is not valid base64" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
		  "clusters: [{name: k, cluster: {server: 'https://x', "
		  "insecure-skip-tls-verify: maybe}}]\n",
		  -EBADMSG, "'insecure-skip-tls-verify' must be true or false" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
		  "clusters: [{name: k, cluster: {server: 'https://x', "
		  "insecure-skip-tls-verify: true, certificate-authority: /ca}}]\n",
		  -EINVAL, "together with 'insecure-skip-tls-verify' is not allowed" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
		  "clusters: [{name: k, cluster: {server: 'https://x', proxy-url: 'http://p'}}]\n",
		  -EOPNOTSUPP, "'proxy-url' is not supported" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
		  "clusters: [{name: k, cluster: {server: 'https://x'}}]\n"
		  "users: [{name: u, user: {client-certificate: /c}}]\n",
		  -EINVAL, "'client-certificate' needs 'client-key'" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
		  "clusters: [{name: k, cluster: {server: 'https://x'}}]\n"
		  "users: [{name: u, user: {client-key-data: a2V5}}]\n",
		  -EINVAL, "'client-key' needs 'client-certificate'" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
		  "clusters: [{name: k, cluster: {server: 'https://x'}}]\n"
		  "users: [{name: u, user: {exec: {command: aws}}}]\n",
		  -EOPNOTSUPP, "'exec' credentials are not supported" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
		  "clusters: [{name: k, cluster: {server: 'https://x'}}]\n"
		  "users: [{name: u, user: {token: \"SECRET\\nX\"}}]\n",
		  -EBADMSG, "'token' holds invalid characters" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
		  "clusters: [{name: k, cluster: {server: 'https://x'}}]\n"
		  "users: [{name: u, user: {token: 12345}}]\n",
		  -EBADMSG, "user 'u': 'token' must be a string" },
		{ "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
		  "clusters: [{name: k, cluster: {server: 'https://x'}}]\n"
		  "users: [{name: u, user: {token: \"SECRET\\0X\"}}]\n",
		  -EBADMSG, "'token' contains a NUL byte" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct k8s_config *cfg = NULL;
		struct k8s_error err = {};
		int r = k8s_config_parse_kubeconfig(cases[i].yaml, strlen(cases[i].yaml), NULL,
						    NULL, &cfg, &err);

		if (r != cases[i].error || !strstr(err.message, cases[i].message))
			fail_msg("case %zu: got %d '%s', want %d '%s'", i, r, err.message,
				 cases[i].error, cases[i].message);
		assert_null(cfg);
		assert_string_equal(err.reason, cases[i].error == -EOPNOTSUPP &&
								strstr(cases[i].message, "exec") ?
							"UnsupportedCredentials" :
							"InvalidKubeconfig");
		assert_null(strstr(err.message, "SECRET"));
	}
}

static void test_kubeconfig_yaml_features(void **state)
{
	/* Anchors, merge keys and YAML 1.1 booleans mean what they mean to kubectl. */
	static const char text[] = "current-context: c\n"
				   "defaults: &d {server: 'https://x:6443', "
				   "insecure-skip-tls-verify: yes}\n"
				   "clusters: [{name: k, cluster: {<<: *d}}]\n"
				   "contexts: [{name: c, context: {cluster: k}}]\n";
	struct k8s_config *cfg = NULL;
	struct k8s_error err = {};
	struct buf deep;

	(void)state;
	assert_int_equal(
		k8s_config_parse_kubeconfig(text, sizeof(text) - 1, NULL, NULL, &cfg, &err), 0);
	assert_string_equal(cfg->server, "https://x:6443");
	assert_true(cfg->insecure_skip_tls_verify);
	k8s_config_free(cfg);

	/* Hostile nesting and oversized input are refused before anything is built. */
	buf_init(&deep, 4096);
	assert_int_equal(buf_append_str(&deep, "a: "), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_append_str(&deep, "["), 0);
	assert_int_equal(k8s_config_parse_kubeconfig(deep.data, deep.len, NULL, NULL, &cfg, &err),
			 -E2BIG);
	assert_non_null(strstr(err.message, "invalid YAML"));
	buf_free(&deep);
	assert_int_equal(k8s_config_parse_kubeconfig(text, K8S_KUBECONFIG_MAX + 1, NULL, NULL, &cfg,
						     &err),
			 -EFBIG);
}

static void test_in_cluster(void **state)
{
	char *dir = make_tmpdir();
	char path[600];
	struct k8s_config *cfg = NULL;
	struct k8s_error err = {};

	(void)state;
	write_file(dir, "token", "  sa-token-1\n");
	write_file(dir, "ca.crt", CA_PEM);
	write_file(dir, "namespace", "pavise-system\n");
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	assert_int_equal(k8s_config_in_cluster(dir, &cfg, &err), 0);
	assert_string_equal(cfg->server, "https://10.96.0.1:443");
	(void)snprintf(path, sizeof(path), "%s/token", dir);
	assert_string_equal(cfg->token_file, path);
	(void)snprintf(path, sizeof(path), "%s/ca.crt", dir);
	assert_string_equal(cfg->ca_file, path);
	assert_string_equal(cfg->namespace, "pavise-system");
	assert_null(cfg->token);
	cfg = k8s_config_free(cfg);

	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	assert_int_equal(k8s_config_in_cluster(dir, &cfg, &err), 0);
	assert_string_equal(cfg->server, "https://[fd00::1]:443");
	cfg = k8s_config_free(cfg);

	setenv("KUBERNETES_SERVICE_PORT", "44a", 1);
	assert_int_equal(k8s_config_in_cluster(dir, &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.message, "KUBERNETES_SERVICE_PORT"));
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	setenv("KUBERNETES_SERVICE_HOST", "evil/host", 1);
	assert_int_equal(k8s_config_in_cluster(dir, &cfg, &err), -EINVAL);

	unsetenv("KUBERNETES_SERVICE_HOST");
	assert_int_equal(k8s_config_in_cluster(dir, &cfg, &err), -ENXIO);
	assert_string_equal(err.reason, "NotInCluster");
	assert_int_equal(k8s_config_load(NULL, &cfg, &err), -ENXIO);
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);

	/* The namespace file is optional; the token is not. */
	(void)snprintf(path, sizeof(path), "%s/namespace", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(k8s_config_in_cluster(dir, &cfg, &err), 0);
	assert_null(cfg->namespace);
	cfg = k8s_config_free(cfg);
	write_file(dir, "token", "\n");
	assert_int_equal(k8s_config_in_cluster(dir, &cfg, &err), -ENODATA);
	(void)snprintf(path, sizeof(path), "%s/token", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(k8s_config_in_cluster(dir, &cfg, &err), -ENOENT);
	assert_non_null(strstr(err.message, "service account token"));
	assert_non_null(strstr(err.message, path));
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	rm_tmpdir(dir);
}

static void test_read_token(void **state)
{
	char *dir = make_tmpdir(), path[600], *tok = NULL;

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/token", dir);
	write_file(dir, "token", "a b\n");
	assert_int_equal(k8s_config_read_token(path, &tok), -EBADMSG);
	write_file(dir, "token", "x\r\n");
	assert_int_equal(k8s_config_read_token(path, &tok), 0);
	assert_string_equal(tok, "x");
	free(tok);
	{
		char *big = malloc(K8S_TOKEN_MAX + 2);

		memset(big, 'a', K8S_TOKEN_MAX + 1);
		big[K8S_TOKEN_MAX + 1] = '\0';
		write_file(dir, "token", big);
		free(big);
	}
	assert_int_equal(k8s_config_read_token(path, &tok), -EFBIG);
	assert_int_equal(k8s_config_read_token(dir, &tok), -EISDIR);
	rm_tmpdir(dir);
}

/* ---------------------------------------------------------------------------
 * Paths
 */

static void test_paths(void **state)
{
	static const struct k8s_resource ap = { "crd.varmor.org", "v1beta1", "armorprofiles" };
	static const struct k8s_resource pods = { NULL, "v1", "pods" };
	static const struct k8s_resource nodes = { "", "v1", "nodes" };
	char *p = NULL;
	struct buf b;

	(void)state;
	assert_int_equal(k8s_client_path(&ap, "ns1", "prof", "status", &p), 0);
	assert_string_equal(
		p, "/apis/crd.varmor.org/v1beta1/namespaces/ns1/armorprofiles/prof/status");
	free(p);
	assert_int_equal(k8s_client_path(&ap, NULL, NULL, NULL, &p), 0);
	assert_string_equal(p, "/apis/crd.varmor.org/v1beta1/armorprofiles");
	free(p);
	assert_int_equal(k8s_client_path(&pods, "default", "a b/c%", NULL, &p), 0);
	assert_string_equal(p, "/api/v1/namespaces/default/pods/a%20b%2Fc%25");
	free(p);
	assert_int_equal(k8s_client_path(&nodes, NULL, "node-1.example", NULL, &p), 0);
	assert_string_equal(p, "/api/v1/nodes/node-1.example");
	free(p);
	assert_int_equal(k8s_client_path(&pods, "default", "..", NULL, &p), -EINVAL);
	assert_int_equal(k8s_client_path(&pods, "", "x", NULL, &p), -EINVAL);
	assert_int_equal(k8s_client_path(&pods, "default", NULL, "status", &p), -EINVAL);
	{
		char longname[K8S_NAME_MAX + 2];

		memset(longname, 'a', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		assert_int_equal(k8s_client_path(&pods, "default", longname, NULL, &p), -EINVAL);
	}

	buf_init(&b, 4096);
	assert_int_equal(k8s_client_path_append(&b, &pods, NULL, NULL, NULL), 0);
	assert_int_equal(k8s_client_query_append(&b, "labelSelector", "app=x,tier in (a,b)"), 0);
	assert_int_equal(k8s_client_query_append(&b, "fieldSelector", "spec.nodeName=n1"), 0);
	assert_string_equal(b.data, "/api/v1/pods?labelSelector=app%3Dx%2Ctier%20in%20%28a%2Cb%29"
				    "&fieldSelector=spec.nodeName%3Dn1");
	buf_free(&b);
	buf_init(&b, 16);
	assert_int_equal(k8s_client_path_append(&b, &ap, "ns", "x", NULL), -EFBIG);
	buf_free(&b);
}

/* ---------------------------------------------------------------------------
 * Requests
 */

/* Echoes the recorded request back as the response; 201 for POST. */
static enum MHD_Result route_echo(struct mock *m, struct MHD_Connection *conn, const json_t *req,
				  size_t n)
{
	(void)m;
	(void)n;
	return reply_json(conn, strcmp(req_str(req, "method"), "POST") == 0 ? 201 : 200,
			  json_deep_copy(req));
}

static void assert_body_json(const json_t *req, const char *expected)
{
	json_auto_t *a = json_loads(req_str(req, "body"), 0, NULL);
	json_auto_t *b = json_loads(expected, 0, NULL);

	assert_non_null(a);
	assert_non_null(b);
	assert_true(json_equal(a, b));
}

static void test_crud(void **state)
{
	static const struct k8s_resource ap = { "crd.varmor.org", "v1beta1", "armorprofiles" };
	struct mock m;
	struct k8s_client *c;
	struct k8s_error err = {};
	json_t *resp = NULL, *req;
	char *path = NULL, *coll = NULL;

	(void)state;
	mock_start(&m, route_echo, NULL);
	c = client_for(&m, "SECRET-TOKEN-123");

	assert_int_equal(k8s_client_get(c, "/api/v1/namespaces/default/pods/p1", &resp, &err), 0);
	assert_non_null(resp);
	assert_string_equal(req_str(resp, "path"), "/api/v1/namespaces/default/pods/p1");
	json_decref(resp);
	req = mock_req(&m, 0);
	assert_string_equal(req_str(req, "method"), "GET");
	assert_string_equal(req_str(req, "authorization"), "Bearer SECRET-TOKEN-123");
	assert_string_equal(req_str(req, "accept"), "application/json");
	assert_int_equal(strncmp(req_str(req, "user_agent"), "pavise/", 7), 0);
	assert_null(req_str(req, "content_type"));
	assert_string_equal(req_str(req, "body"), "");

	assert_int_equal(k8s_client_path(&ap, "ns1", NULL, NULL, &coll), 0);
	assert_int_equal(k8s_client_path(&ap, "ns1", "prof", NULL, &path), 0);
	{
		json_auto_t *obj = json_pack("{s:s, s:{s:s}}", "kind", "ArmorProfile", "metadata",
					     "name", "prof");

		assert_int_equal(k8s_client_create(c, coll, obj, &resp, &err), 0);
		json_decref(resp);
		req = mock_req(&m, 1);
		assert_string_equal(req_str(req, "method"), "POST");
		assert_string_equal(req_str(req, "path"), coll);
		assert_string_equal(req_str(req, "content_type"), "application/json");
		assert_body_json(req,
				 "{\"kind\":\"ArmorProfile\",\"metadata\":{\"name\":\"prof\"}}");

		assert_int_equal(k8s_client_replace(c, path, obj, NULL, &err), 0);
		req = mock_req(&m, 2);
		assert_string_equal(req_str(req, "method"), "PUT");
		assert_string_equal(req_str(req, "path"), path);
		assert_string_equal(req_str(req, "content_type"), "application/json");
		assert_body_json(req,
				 "{\"kind\":\"ArmorProfile\",\"metadata\":{\"name\":\"prof\"}}");
	}
	{
		json_auto_t *mp = json_pack("{s:{s:b}}", "status", "ready", 1);
		json_auto_t *jp = json_pack("[{s:s, s:s, s:s}]", "op", "add", "path",
					    "/metadata/labels/a", "value", "b");
		char *status = NULL;

		assert_int_equal(k8s_client_path(&ap, "ns1", "prof", "status", &status), 0);
		assert_int_equal(k8s_client_patch(c, status, K8S_PATCH_MERGE, mp, NULL, &err), 0);
		req = mock_req(&m, 3);
		assert_string_equal(req_str(req, "method"), "PATCH");
		assert_string_equal(req_str(req, "path"), status);
		assert_string_equal(req_str(req, "content_type"), "application/merge-patch+json");
		assert_body_json(req, "{\"status\":{\"ready\":true}}");

		assert_int_equal(k8s_client_patch(c, path, K8S_PATCH_JSON, jp, NULL, &err), 0);
		req = mock_req(&m, 4);
		assert_string_equal(req_str(req, "method"), "PATCH");
		assert_string_equal(req_str(req, "content_type"), "application/json-patch+json");
		assert_body_json(req, "[{\"op\":\"add\",\"path\":\"/metadata/labels/a\","
				      "\"value\":\"b\"}]");

		assert_int_equal(k8s_client_patch(c, path, K8S_PATCH_STRATEGIC, mp, NULL, &err), 0);
		req = mock_req(&m, 5);
		assert_string_equal(req_str(req, "content_type"),
				    "application/strategic-merge-patch+json");
		free(status);
	}
	{
		json_auto_t *opts = json_pack("{s:s, s:s, s:{s:s}}", "kind", "DeleteOptions",
					      "propagationPolicy", "Foreground", "preconditions",
					      "resourceVersion", "42");

		assert_int_equal(k8s_client_delete(c, path, opts, NULL, &err), 0);
		req = mock_req(&m, 6);
		assert_string_equal(req_str(req, "method"), "DELETE");
		assert_string_equal(req_str(req, "content_type"), "application/json");
		assert_body_json(req,
				 "{\"kind\":\"DeleteOptions\",\"propagationPolicy\":"
				 "\"Foreground\",\"preconditions\":{\"resourceVersion\":\"42\"}}");
		assert_int_equal(k8s_client_delete(c, path, NULL, &resp, &err), 0);
		json_decref(resp);
		req = mock_req(&m, 7);
		assert_string_equal(req_str(req, "method"), "DELETE");
		assert_null(req_str(req, "content_type"));
		assert_string_equal(req_str(req, "body"), "");
	}
	{
		struct k8s_request r = { .method = "GET", .path = "/version?x=1" };

		assert_int_equal(k8s_client_request(c, &r, NULL, &err), 0);
		req = mock_req(&m, 8);
		assert_string_equal(req_arg(req, "x"), "1");
		r.path = "relative";
		assert_int_equal(k8s_client_request(c, &r, NULL, &err), -EINVAL);
		/* Nothing caller-supplied can smuggle a header in. */
		r = (struct k8s_request){ .method = "GET",
					  .path = "/x",
					  .content_type = "a\r\nX-Evil: 1" };
		assert_int_equal(k8s_client_request(c, &r, NULL, &err), -EINVAL);
	}
	{
		struct k8s_config *cfg = NULL;
		struct k8s_client *bad = NULL;

		assert_int_equal(k8s_config_new(m.url, &cfg), 0);
		cfg->token = strdup("tok\r\nX-Evil: 1");
		assert_int_equal(k8s_client_new(cfg, &bad), -EINVAL);
		k8s_config_free(cfg);
	}
	assert_int_equal(mock_nreqs(&m), 9);
	/* One easy handle reused: every request went over one kept-alive connection. */
	assert_int_equal(atomic_load(&m.connections), 1);
	free(path);
	free(coll);
	k8s_client_free(c);
	mock_stop(&m);
}

static void test_token_rotation(void **state)
{
	char *dir = make_tmpdir(), path[600];
	struct k8s_config *cfg = NULL;
	struct k8s_client *c = NULL;
	struct k8s_error err = {};
	struct mock m;

	(void)state;
	mock_start(&m, route_echo, NULL);
	write_file(dir, "token", "token-one\n");
	(void)snprintf(path, sizeof(path), "%s/token", dir);
	assert_int_equal(k8s_config_new(m.url, &cfg), 0);
	cfg->token = strdup("static-token-ignored");
	cfg->token_file = strdup(path);
	assert_int_equal(k8s_client_new(cfg, &c), 0);
	k8s_config_free(cfg);

	assert_int_equal(k8s_client_get(c, "/a", NULL, &err), 0);
	assert_string_equal(req_str(mock_req(&m, 0), "authorization"), "Bearer token-one");
	write_file(dir, "token", "token-two\n");
	assert_int_equal(k8s_client_get(c, "/a", NULL, &err), 0);
	assert_string_equal(req_str(mock_req(&m, 1), "authorization"), "Bearer token-two");
	/* A vanished file keeps the last good token. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(k8s_client_get(c, "/a", NULL, &err), 0);
	assert_string_equal(req_str(mock_req(&m, 2), "authorization"), "Bearer token-two");
	k8s_client_free(c);
	mock_stop(&m);
	rm_tmpdir(dir);
}

/* /status/<code>/<reason>, /html/<code>, /slow, /big, /bigchunked, /notjson, /empty */
static enum MHD_Result route_errors(struct mock *m, struct MHD_Connection *conn, const json_t *req,
				    size_t n)
{
	const char *p = req_str(req, "path");
	char reason[64] = "";
	unsigned code = 0;

	(void)n;
	if (sscanf(p, "/status/%u/%63s", &code, reason) == 2)
		return reply_status(conn, code, reason, "armorprofiles \"x\"\nnot found");
	if (sscanf(p, "/html/%u", &code) == 1)
		return reply(conn, code, "<html>bad gateway</html>");
	if (strcmp(p, "/slow") == 0) {
		for (int i = 0; i < 100 && !atomic_load(&m->closing); i++)
			sleep_ms(20);
		return reply(conn, 200, "{}");
	}
	if (strcmp(p, "/big") == 0 || strcmp(p, "/bigchunked") == 0) {
		static char big[4096 + 16];

		memset(big, ' ', sizeof(big) - 1);
		big[0] = '{';
		big[sizeof(big) - 2] = '}';
		big[sizeof(big) - 1] = '\0';
		if (strcmp(p, "/big") == 0)
			return reply(conn, 200, big);
		{
			const char *chunks[] = { "{\"pad\":\"", big + 1, "\"}", NULL };

			big[sizeof(big) - 2] = ' ';
			return reply_stream(m, conn, chunks, END_CLEAN);
		}
	}
	if (strcmp(p, "/notjson") == 0)
		return reply(conn, 200, "not json");
	if (strcmp(p, "/empty") == 0)
		return reply(conn, 200, "");
	return reply_status(conn, 404, "NotFound", "no route");
}

static void test_errors(void **state)
{
	static const struct {
		const char *path;
		int error;
		int code;
		const char *reason;
	} cases[] = {
		{ "/status/404/NotFound", -ENOENT, 404, "NotFound" },
		{ "/status/409/AlreadyExists", -EEXIST, 409, "AlreadyExists" },
		{ "/status/409/Conflict", -ESTALE, 409, "Conflict" },
		{ "/status/410/Expired", -EBADSLT, 410, "Expired" },
		{ "/status/401/Unauthorized", -EACCES, 401, "Unauthorized" },
		{ "/status/403/Forbidden", -EPERM, 403, "Forbidden" },
		{ "/status/422/Invalid", -EINVAL, 422, "Invalid" },
		{ "/status/400/BadRequest", -EINVAL, 400, "BadRequest" },
		{ "/status/429/TooManyRequests", -EAGAIN, 429, "TooManyRequests" },
		{ "/status/500/InternalError", -EAGAIN, 500, "InternalError" },
		{ "/status/503/ServiceUnavailable", -EAGAIN, 503, "ServiceUnavailable" },
		{ "/status/418/Teapot", -EPROTO, 418, "Teapot" },
	};
	struct k8s_error err = {};
	struct mock m;
	struct k8s_client *c;
	json_t *resp = (json_t *)0x1;

	(void)state;
	mock_start(&m, route_errors, NULL);
	c = client_for(&m, "SECRET-TOKEN-123");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = k8s_client_get(c, cases[i].path, &resp, &err);

		if (r != cases[i].error)
			fail_msg("%s: got %d want %d", cases[i].path, r, cases[i].error);
		assert_int_equal(err.code, cases[i].code);
		assert_string_equal(err.reason, cases[i].reason);
		/* Status.message, with the newline made harmless for one-line logs */
		assert_string_equal(err.message, "armorprofiles \"x\" not found");
		assert_ptr_equal(resp, (json_t *)0x1); /* untouched on failure */
	}
	assert_int_equal(k8s_client_get(c, "/html/502", &resp, &err), -EAGAIN);
	assert_int_equal(err.code, 502);
	assert_string_equal(err.reason, "Unknown");
	assert_string_equal(err.message, "HTTP 502: <html>bad gateway</html>");
	assert_int_equal(k8s_client_get(c, "/notjson", &resp, &err), -EBADMSG);
	assert_string_equal(err.reason, "InvalidResponse");
	assert_int_equal(k8s_client_get(c, "/empty", &resp, &err), 0);
	assert_null(resp);
	k8s_client_free(c);

	/* Timeouts */
	{
		struct k8s_config *cfg = NULL;
		uint64_t t0;

		assert_int_equal(k8s_config_new(m.url, &cfg), 0);
		cfg->timeout_usec = 300 * 1000;
		cfg->token = strdup("SECRET-TOKEN-123");
		assert_int_equal(k8s_client_new(cfg, &c), 0);
		k8s_config_free(cfg);
		t0 = now_usec();
		assert_int_equal(k8s_client_get(c, "/slow", &resp, &err), -ETIMEDOUT);
		assert_true(now_usec() - t0 < 1500 * 1000);
		assert_string_equal(err.reason, "Timeout");
		assert_int_equal(err.code, 0);
		assert_non_null(strstr(err.message, "/slow"));
		assert_null(strstr(err.message, "SECRET"));
		k8s_client_free(c);
	}
	/* Response caps: Content-Length, and a chunked body refused while reading */
	{
		struct k8s_config *cfg = NULL;
		struct k8s_request req = { .method = "GET",
					   .path = "/bigchunked",
					   .max_response = 16384 };

		assert_int_equal(k8s_config_new(m.url, &cfg), 0);
		cfg->max_response = 1024;
		assert_int_equal(k8s_client_new(cfg, &c), 0);
		k8s_config_free(cfg);
		assert_int_equal(k8s_client_get(c, "/big", &resp, &err), -EFBIG);
		assert_string_equal(err.reason, "ResponseTooLarge");
		assert_non_null(strstr(err.message, "1024"));
		assert_int_equal(k8s_client_get(c, "/bigchunked", &resp, &err), -EFBIG);
		assert_string_equal(err.reason, "ResponseTooLarge");
		/* per-request override */
		assert_int_equal(k8s_client_request(c, &req, &resp, &err), 0);
		assert_true(json_is_object(resp));
		json_decref(resp);
		k8s_client_free(c);
	}
	mock_stop(&m);

	/* Connection refused: a port nobody listens on. */
	{
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t sl = sizeof(sa);
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct k8s_config *cfg = NULL;
		char url[64];

		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
		close(fd);
		(void)snprintf(url, sizeof(url), "http://127.0.0.1:%u", ntohs(sa.sin_port));
		assert_int_equal(k8s_config_new(url, &cfg), 0);
		cfg->token = strdup("SECRET-TOKEN-123");
		assert_int_equal(k8s_client_new(cfg, &c), 0);
		k8s_config_free(cfg);
		assert_int_equal(k8s_client_get(c, "/x", &resp, &err), -ECONNREFUSED);
		assert_string_equal(err.reason, "ConnectionRefused");
		assert_null(strstr(err.message, "SECRET"));
		k8s_client_free(c);
	}
}

/* ---------------------------------------------------------------------------
 * LIST
 */

static enum MHD_Result route_pages(struct mock *m, struct MHD_Connection *conn, const json_t *req,
				   size_t n)
{
	const char *cont = req_arg(req, "continue");

	(void)m;
	(void)n;
	if (!cont)
		return reply(
			conn, 200,
			"{\"kind\":\"ArmorProfileList\",\"apiVersion\":\"crd.varmor.org/v1beta1\","
			"\"metadata\":{\"resourceVersion\":\"100\",\"continue\":\"tok-1\"},"
			"\"items\":[{\"metadata\":{\"name\":\"a\"}},{\"metadata\":{\"name\":\"b\"}}]}");
	if (strcmp(cont, "tok-1") == 0)
		return reply(
			conn, 200,
			"{\"kind\":\"ArmorProfileList\",\"apiVersion\":\"crd.varmor.org/v1beta1\","
			"\"metadata\":{\"resourceVersion\":\"100\",\"continue\":\"tok 2/+=\"},"
			"\"items\":[{\"metadata\":{\"name\":\"c\"}},{\"metadata\":{\"name\":\"d\"}}]}");
	if (strcmp(cont, "tok 2/+=") == 0)
		return reply(
			conn, 200,
			"{\"kind\":\"ArmorProfileList\",\"apiVersion\":\"crd.varmor.org/v1beta1\","
			"\"metadata\":{\"resourceVersion\":\"100\"},"
			"\"items\":[{\"kind\":\"Other\",\"metadata\":{\"name\":\"e\"}}]}");
	return reply_status(conn, 410, "Expired", "The provided continue parameter is too old");
}

static void test_list_pagination(void **state)
{
	static const struct k8s_resource ap = { "crd.varmor.org", "v1beta1", "armorprofiles" };
	struct k8s_list_opts opts = { .label_selector = "app=x,tier in (a,b)",
				      .field_selector = "metadata.name!=z",
				      .limit = 2 };
	struct mock m;
	struct k8s_client *c;
	struct k8s_error err = {};
	json_t *items = NULL;
	char *rv = NULL, *coll = NULL;
	static const char *const names[] = { "a", "b", "c", "d", "e" };

	(void)state;
	mock_start(&m, route_pages, NULL);
	c = client_for(&m, "t");
	assert_int_equal(k8s_client_path(&ap, "ns1", NULL, NULL, &coll), 0);
	assert_int_equal(k8s_client_list(c, coll, &opts, &items, &rv, &err), 0);
	assert_string_equal(rv, "100");
	assert_int_equal(json_array_size(items), 5);
	for (size_t i = 0; i < 5; i++) {
		json_t *it = json_array_get(items, i);

		assert_string_equal(
			json_string_value(json_object_get(json_object_get(it, "metadata"), "name")),
			names[i]);
		assert_string_equal(json_string_value(json_object_get(it, "apiVersion")),
				    "crd.varmor.org/v1beta1");
		assert_string_equal(json_string_value(json_object_get(it, "kind")),
				    i == 4 ? "Other" : "ArmorProfile");
	}
	assert_int_equal(mock_nreqs(&m), 3);
	for (size_t i = 0; i < 3; i++) {
		json_t *req = mock_req(&m, i);

		assert_string_equal(req_str(req, "method"), "GET");
		assert_string_equal(req_str(req, "path"), coll);
		assert_string_equal(req_arg(req, "limit"), "2");
		assert_string_equal(req_arg(req, "labelSelector"), "app=x,tier in (a,b)");
		assert_string_equal(req_arg(req, "fieldSelector"), "metadata.name!=z");
		if (i == 0)
			assert_null(req_arg(req, "continue"));
	}
	assert_string_equal(req_arg(mock_req(&m, 1), "continue"), "tok-1");
	assert_string_equal(req_arg(mock_req(&m, 2), "continue"), "tok 2/+=");
	json_decref(items);
	free(rv);

	/* A cap over all pages. */
	opts.max_total = 300;
	assert_int_equal(k8s_client_list(c, coll, &opts, &items, &rv, &err), -EFBIG);
	assert_string_equal(err.reason, "ResponseTooLarge");
	assert_int_equal(k8s_client_list(c, "/x?y=1", NULL, &items, &rv, &err), -EINVAL);
	free(coll);
	k8s_client_free(c);
	mock_stop(&m);
}

/* ---------------------------------------------------------------------------
 * WATCH
 */

struct watch_resp {
	unsigned status; /* 0: a 200 stream */
	const char *body;
	const char *chunks[8];
	enum stream_end end;
};

struct script {
	const char *lists[4]; /* served in order; the last repeats */
	bool list_hang;
	struct watch_resp watches[6]; /* served in order; then streams that hang */
	atomic_uint n_list, n_watch;
};

static enum MHD_Result route_script(struct mock *m, struct MHD_Connection *conn, const json_t *req,
				    size_t n)
{
	struct script *s = m->data;
	const char *w = req_arg(req, "watch");

	(void)n;
	if (w && strcmp(w, "true") == 0) {
		unsigned i = atomic_fetch_add(&s->n_watch, 1);
		const struct watch_resp *wr;

		if (i >= 6 || (!s->watches[i].status && !s->watches[i].chunks[0] &&
			       s->watches[i].end == END_CLEAN))
			return reply_stream(m, conn, NULL, END_HANG);
		wr = &s->watches[i];
		if (wr->status)
			return reply(conn, wr->status, wr->body);
		return reply_stream(m, conn, wr->chunks, wr->end);
	} else {
		unsigned i = atomic_fetch_add(&s->n_list, 1);

		if (s->list_hang)
			return reply_stream(m, conn, NULL, END_HANG);
		while (i > 0 && (i >= 4 || !s->lists[i]))
			i--;
		return reply(conn, 200, s->lists[i]);
	}
}

struct recorder {
	json_t *log;
	atomic_bool stop;
	size_t stop_after; /* entries; 0: never */
	int event_result;
	struct k8s_error last_err;
	struct k8s_client *c;
	int nested;
	atomic_bool done;
};

static const char *obj_name(const json_t *o)
{
	return strna(json_string_value(json_object_get(json_object_get(o, "metadata"), "name")));
}

static const char *obj_rv(const json_t *o)
{
	return strna(json_string_value(
		json_object_get(json_object_get(o, "metadata"), "resourceVersion")));
}

static void rec_log(struct recorder *rec, const char *s)
{
	json_array_append_new(rec->log, json_string(s));
	if (rec->stop_after && json_array_size(rec->log) >= rec->stop_after)
		atomic_store(&rec->stop, true);
}

static int on_event(enum k8s_watch_event type, json_t *obj, void *userdata);

static int on_sync(json_t *items, const char *rv, void *userdata)
{
	struct recorder *rec = userdata;
	struct buf b;
	json_t *it;
	size_t i;

	buf_init(&b, 4096);
	assert_int_equal(buf_printf(&b, "sync:%s:", strna(rv)), 0);
	json_array_foreach(items, i, it) {
		assert_int_equal(buf_printf(&b, "%s%s", i ? "," : "", obj_name(it)), 0);
	}
	rec_log(rec, b.data);
	buf_free(&b);
	if (rec->c) {
		/* Handlers may use the client, but not start a second watch on it. */
		struct k8s_watch_spec spec = { .path = "/x" };
		struct k8s_watch_handlers h = { .on_sync = on_sync, .on_event = on_event };

		rec->nested = k8s_client_watch(rec->c, &spec, &h, NULL, NULL);
	}
	return 0;
}

static int on_event(enum k8s_watch_event type, json_t *obj, void *userdata)
{
	static const char *const names[] = { "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR" };
	struct recorder *rec = userdata;
	char s[256];

	(void)snprintf(s, sizeof(s), "%s:%s:%s", names[type], obj_name(obj), obj_rv(obj));
	rec_log(rec, s);
	return rec->event_result;
}

static int on_error(int error, const struct k8s_error *err, void *userdata)
{
	struct recorder *rec = userdata;
	char s[64];

	(void)snprintf(s, sizeof(s), "error:%s", strerrorname_np(-error));
	rec->last_err = *err;
	rec_log(rec, s);
	return 0;
}

static void *watchdog(void *arg)
{
	struct recorder *rec = arg;

	for (int i = 0; i < 1500 && !atomic_load(&rec->done); i++)
		sleep_ms(10);
	atomic_store(&rec->stop, true);
	return NULL;
}

static const struct k8s_watch_handlers handlers = {
	.on_sync = on_sync,
	.on_event = on_event,
	.on_error = on_error,
};

/* Runs a watch against `s` until the recorder stops it (or a 15 s watchdog). */
static int run_watch(struct mock *m, struct script *s, struct k8s_watch_spec *spec,
		     struct recorder *rec)
{
	struct k8s_client *c;
	pthread_t t;
	int r;

	mock_start(m, route_script, s);
	c = client_for(m, "tok");
	if (!spec->path)
		spec->path = "/apis/crd.varmor.org/v1beta1/armorprofiles";
	if (!spec->backoff_initial_usec)
		spec->backoff_initial_usec = 20 * 1000;
	assert_int_equal(pthread_create(&t, NULL, watchdog, rec), 0);
	r = k8s_client_watch(c, spec, &handlers, rec, &rec->stop);
	atomic_store(&rec->done, true);
	pthread_join(t, NULL);
	k8s_client_free(c);
	return r;
}

static void assert_log(const struct recorder *rec, const char *const *expected, size_t n)
{
	char *dump = json_dumps(rec->log, JSON_COMPACT);
	bool ok = json_array_size(rec->log) == n;

	for (size_t i = 0; ok && i < n; i++)
		ok = strcmp(json_string_value(json_array_get(rec->log, i)), expected[i]) == 0;
	if (!ok)
		fail_msg("watch log %s", dump);
	free(dump);
}

#define LIST(rv, items)                                                                          \
	"{\"kind\":\"ArmorProfileList\",\"apiVersion\":\"crd.varmor.org/v1beta1\",\"metadata\":" \
	"{\"resourceVersion\":\"" rv "\"},\"items\":[" items "]}"
#define OBJ(name, rv)	   "{\"metadata\":{\"name\":\"" name "\",\"resourceVersion\":\"" rv "\"}}"
#define EV(type, name, rv) "{\"type\":\"" type "\",\"object\":" OBJ(name, rv) "}\n"

static void test_watch_events_in_order(void **state)
{
	struct script s = {
		.lists = { LIST("10", OBJ("a", "5")) },
		.watches = { { .chunks = { EV("ADDED", "b", "11") "{\"type\":\"MODIFIED\",\"obj",
					   "ect\":" OBJ("b", "12") "}\n" EV("DELETED", "b", "13") },
			       .end = END_HANG } },
	};
	struct recorder rec = { .log = json_array(), .stop_after = 4 };
	struct k8s_watch_spec spec = { .label_selector = "app=x", .timeout_seconds = 33 };
	static const char *const want[] = { "sync:10:a", "ADDED:b:11", "MODIFIED:b:12",
					    "DELETED:b:13" };
	struct mock m;
	json_t *req;

	(void)state;
	assert_int_equal(run_watch(&m, &s, &spec, &rec), 0);
	assert_log(&rec, want, 4);
	assert_int_equal(mock_nreqs(&m), 2);
	req = mock_req(&m, 0);
	assert_null(req_arg(req, "watch"));
	assert_string_equal(req_arg(req, "labelSelector"), "app=x");
	req = mock_req(&m, 1);
	assert_string_equal(req_arg(req, "watch"), "true");
	assert_string_equal(req_arg(req, "allowWatchBookmarks"), "true");
	assert_string_equal(req_arg(req, "resourceVersion"), "10");
	assert_string_equal(req_arg(req, "timeoutSeconds"), "33");
	assert_string_equal(req_arg(req, "labelSelector"), "app=x");
	assert_string_equal(req_str(req, "authorization"), "Bearer tok");
	mock_stop(&m);
	json_decref(rec.log);
}

static void test_watch_bookmark(void **state)
{
	struct script s = {
		.lists = { LIST("10", "") },
		.watches = { { .chunks = { EV("ADDED", "a", "11") EV("BOOKMARK", "", "50") },
			       .end = END_CLEAN },
			     { .chunks = { EV("MODIFIED", "a", "51") }, .end = END_HANG } },
	};
	struct recorder rec = { .log = json_array(), .stop_after = 3 };
	struct k8s_watch_spec spec = {};
	static const char *const want[] = { "sync:10:", "ADDED:a:11", "MODIFIED:a:51" };
	struct mock m;

	(void)state;
	assert_int_equal(run_watch(&m, &s, &spec, &rec), 0);
	assert_log(&rec, want, 3);
	assert_int_equal(atomic_load(&s.n_list), 1);
	assert_string_equal(req_arg(mock_req(&m, 1), "resourceVersion"), "10");
	/* The reconnect resumes from the bookmark, not from the last object. */
	assert_string_equal(req_arg(mock_req(&m, 2), "resourceVersion"), "50");
	mock_stop(&m);
	json_decref(rec.log);
}

static void test_watch_expired_event_relists(void **state)
{
	struct script s = {
		.lists = { LIST("10", OBJ("a", "5")), LIST("20", OBJ("b", "15")) },
		.watches = { { .chunks = { EV(
				       "ADDED", "c",
				       "11") "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
					     "\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
					     "\"too old resource version: 1 (5)\",\"reason\":"
					     "\"Expired\",\"code\":410}}\n" },
			       .end = END_HANG },
			     { .chunks = { EV("ADDED", "d", "21") }, .end = END_HANG } },
	};
	struct recorder rec = { .log = json_array(), .stop_after = 5 };
	struct k8s_watch_spec spec = {};
	static const char *const want[] = { "sync:10:a", "ADDED:c:11", "error:EBADSLT", "sync:20:b",
					    "ADDED:d:21" };
	struct mock m;

	(void)state;
	assert_int_equal(run_watch(&m, &s, &spec, &rec), 0);
	assert_log(&rec, want, 5);
	assert_int_equal(rec.last_err.code, 410);
	assert_string_equal(rec.last_err.reason, "Expired");
	assert_string_equal(rec.last_err.message, "too old resource version: 1 (5)");
	assert_int_equal(atomic_load(&s.n_list), 2);
	assert_string_equal(req_arg(mock_req(&m, 3), "resourceVersion"), "20");
	mock_stop(&m);
	json_decref(rec.log);
}

static void test_watch_http_gone_relists(void **state)
{
	struct script s = {
		.lists = { LIST("10", OBJ("a", "5")),
			   LIST("20", OBJ("a", "5") "," OBJ("b", "19")) },
		.watches = { { .status = 410,
			       .body = "{\"kind\":\"Status\",\"reason\":\"Gone\",\"message\":"
				       "\"gone\",\"code\":410}" },
			     { .chunks = { EV("ADDED", "c", "21") }, .end = END_HANG } },
	};
	struct recorder rec = { .log = json_array(), .stop_after = 4 };
	struct k8s_watch_spec spec = {};
	static const char *const want[] = { "sync:10:a", "error:EBADSLT", "sync:20:a,b",
					    "ADDED:c:21" };
	struct mock m;

	(void)state;
	assert_int_equal(run_watch(&m, &s, &spec, &rec), 0);
	assert_log(&rec, want, 4);
	assert_int_equal(rec.last_err.code, 410);
	assert_string_equal(rec.last_err.reason, "Gone");
	mock_stop(&m);
	json_decref(rec.log);
}

static void test_watch_reconnect_backoff(void **state)
{
	struct script s = {
		.lists = { LIST("10", "") },
		.watches = { { .chunks = { EV("ADDED", "a", "11") }, .end = END_DROP },
			     { .end = END_DROP, .chunks = { "\n" } },
			     { .status = 503,
			       .body = "{\"kind\":\"Status\",\"reason\":\"ServiceUnavailable\","
				       "\"message\":\"etcd down\",\"code\":503}" },
			     { .chunks = { EV("ADDED", "b", "12") }, .end = END_HANG } },
	};
	struct recorder rec = { .log = json_array(), .stop_after = 6 };
	struct k8s_watch_spec spec = { .backoff_initial_usec = 200 * 1000,
				       .backoff_max_usec = 2000 * 1000 };
	static const char *const want[] = { "sync:10:",		"ADDED:a:11",	"error:ECONNRESET",
					    "error:ECONNRESET", "error:EAGAIN", "ADDED:b:12" };
	struct mock m;
	json_int_t t[4];

	(void)state;
	assert_int_equal(run_watch(&m, &s, &spec, &rec), 0);
	assert_log(&rec, want, 6);
	assert_int_equal(atomic_load(&s.n_list), 1);
	assert_int_equal(mock_nreqs(&m), 5);
	for (size_t i = 0; i < 4; i++) {
		json_t *req = mock_req(&m, i + 1);

		assert_string_equal(req_arg(req, "resourceVersion"), i == 0 ? "10" : "11");
		t[i] = json_integer_value(json_object_get(req, "t"));
	}
	/* Exponential backoff with jitter in [d/2, d]: d = 200 ms, 400 ms, 800 ms. */
	assert_true(t[1] - t[0] >= 100 * 1000);
	assert_true(t[2] - t[1] >= 200 * 1000);
	assert_true(t[3] - t[2] >= 400 * 1000);
	assert_true(t[3] - t[2] < 1500 * 1000);
	mock_stop(&m);
	json_decref(rec.log);
}

static void test_watch_long_line_relists(void **state)
{
	char *longline = malloc(8192);
	struct script s = {
		.lists = { LIST("10", OBJ("a", "5")),
			   LIST("30", OBJ("a", "5") "," OBJ("b", "29")) },
		.watches = { { .end = END_HANG },
			     { .chunks = { EV("ADDED", "c", "31") }, .end = END_HANG } },
	};
	struct recorder rec = { .log = json_array(), .stop_after = 4 };
	struct k8s_watch_spec spec = { .max_line = 1024 };
	static const char *const want[] = { "sync:10:a", "error:EMSGSIZE", "sync:30:a,b",
					    "ADDED:c:31" };
	struct mock m;

	(void)state;
	assert_non_null(longline);
	memcpy(longline, "{\"type\":\"ADDED\",\"object\":{\"pad\":\"", 33);
	memset(longline + 33, 'x', 8000);
	memcpy(longline + 8033, "\"}}\n", 5);
	s.watches[0].chunks[0] = longline;
	assert_int_equal(run_watch(&m, &s, &spec, &rec), 0);
	assert_log(&rec, want, 4);
	assert_string_equal(rec.last_err.reason, "WatchEventTooLarge");
	mock_stop(&m);
	json_decref(rec.log);
	free(longline);
}

static void test_watch_malformed_relists(void **state)
{
	struct script s = {
		.lists = { LIST("10", "") },
		.watches = { { .chunks = { "this is not json\n" }, .end = END_HANG },
			     { .chunks = { "{\"type\":\"ADDED\"}\n" }, .end = END_HANG },
			     { .chunks = { "\n \r\n{\"type\":\"FUTURE\",\"object\":{}}\n" EV(
				       "ADDED", "ok", "12") },
			       .end = END_HANG } },
	};
	struct recorder rec = { .log = json_array(), .stop_after = 6 };
	struct k8s_watch_spec spec = {};
	static const char *const want[] = { "sync:10:",	     "error:EBADMSG", "sync:10:",
					    "error:EBADMSG", "sync:10:",      "ADDED:ok:12" };
	struct mock m;

	(void)state;
	assert_int_equal(run_watch(&m, &s, &spec, &rec), 0);
	assert_log(&rec, want, 6);
	assert_string_equal(rec.last_err.reason, "InvalidWatchEvent");
	mock_stop(&m);
	json_decref(rec.log);
}

struct stopper {
	atomic_bool *stop;
	unsigned after_ms;
	uint64_t stopped_at;
};

static void *stop_later(void *arg)
{
	struct stopper *st = arg;

	sleep_ms(st->after_ms);
	st->stopped_at = now_usec();
	atomic_store(st->stop, true);
	return NULL;
}

/* Stops the watch from another thread after 300 ms; returns how long stopping took. */
static uint64_t watch_stop_latency(struct script *s, struct k8s_watch_spec *spec,
				   struct recorder *rec, int *ret)
{
	struct stopper st = { .stop = &rec->stop, .after_ms = 300 };
	struct k8s_client *c;
	struct mock m;
	pthread_t t;
	uint64_t end;

	mock_start(&m, route_script, s);
	c = client_for(&m, "tok");
	if (!spec->path)
		spec->path = "/api/v1/pods";
	assert_int_equal(pthread_create(&t, NULL, stop_later, &st), 0);
	*ret = k8s_client_watch(c, spec, &handlers, rec, &rec->stop);
	end = now_usec();
	pthread_join(t, NULL);
	k8s_client_free(c);
	mock_stop(&m);
	return end - st.stopped_at;
}

static void test_watch_stop(void **state)
{
	int r;

	(void)state;
	{
		/* blocked in a silent watch */
		struct script s = { .lists = { LIST("10", "") } };
		struct recorder rec = { .log = json_array() };
		struct k8s_watch_spec spec = {};

		assert_true(watch_stop_latency(&s, &spec, &rec, &r) < 1100 * 1000);
		assert_int_equal(r, 0);
		assert_int_equal(json_array_size(rec.log), 1);
		json_decref(rec.log);
	}
	{
		/* blocked in the LIST */
		struct script s = { .lists = { LIST("10", "") }, .list_hang = true };
		struct recorder rec = { .log = json_array() };
		struct k8s_watch_spec spec = {};

		assert_true(watch_stop_latency(&s, &spec, &rec, &r) < 1100 * 1000);
		assert_int_equal(r, 0);
		assert_int_equal(json_array_size(rec.log), 0);
		json_decref(rec.log);
	}
	{
		/* sleeping in a long backoff */
		struct script s = { .lists = { LIST("10", "") },
				    .watches = { { .status = 500, .body = "{}" } } };
		struct recorder rec = { .log = json_array() };
		struct k8s_watch_spec spec = { .backoff_initial_usec = 20ULL * 1000 * 1000 };

		assert_true(watch_stop_latency(&s, &spec, &rec, &r) < 1100 * 1000);
		assert_int_equal(r, 0);
		json_decref(rec.log);
	}
}

static void test_watch_handler_error_and_misuse(void **state)
{
	struct script s = {
		.lists = { LIST("10", "") },
		.watches = { { .chunks = { EV("ADDED", "a", "11") EV("ADDED", "b", "12") },
			       .end = END_HANG } },
	};
	struct recorder rec = { .log = json_array(), .event_result = -EIO };
	struct k8s_watch_spec spec = {};
	static const char *const want[] = { "sync:10:", "ADDED:a:11" };
	struct k8s_watch_handlers bad = { .on_sync = on_sync };
	struct k8s_client *c;
	struct mock m;

	(void)state;
	assert_int_equal(run_watch(&m, &s, &spec, &rec), -EIO);
	assert_log(&rec, want, 2);
	mock_stop(&m);
	json_decref(rec.log);

	/* A handler may not start a second watch on the same client. */
	memset(&s, 0, sizeof(s));
	s.lists[0] = LIST("10", "");
	rec = (struct recorder){ .log = json_array(), .stop_after = 1 };
	mock_start(&m, route_script, &s);
	c = client_for(&m, "tok");
	rec.c = c;
	spec = (struct k8s_watch_spec){ .path = "/api/v1/pods" };
	assert_int_equal(k8s_client_watch(c, &spec, &handlers, &rec, &rec.stop), 0);
	assert_int_equal(rec.nested, -EBUSY);
	assert_int_equal(k8s_client_watch(c, &spec, &bad, &rec, &rec.stop), -EINVAL);
	spec.path = "/api/v1/pods?watch=1";
	assert_int_equal(k8s_client_watch(c, &spec, &handlers, &rec, &rec.stop), -EINVAL);
	k8s_client_free(c);
	mock_stop(&m);
	json_decref(rec.log);
}

static void test_watch_event_parse(void **state)
{
	enum k8s_watch_event type;
	json_t *obj = NULL;
	const char *ok = "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"x\"}}}";

	(void)state;
	assert_int_equal(k8s_client_watch_event_parse(ok, strlen(ok), &type, &obj), 0);
	assert_int_equal(type, K8S_WATCH_DELETED);
	assert_string_equal(obj_name(obj), "x");
	json_decref(obj);
	assert_int_equal(k8s_client_watch_event_parse("[]", 2, &type, &obj), -EBADMSG);
	assert_int_equal(k8s_client_watch_event_parse("{\"type\":1,\"object\":{}}", 22, &type,
						      &obj),
			 -EBADMSG);
	assert_int_equal(k8s_client_watch_event_parse("{\"type\":\"ADDED\",\"object\":[]}", 28,
						      &type, &obj),
			 -EBADMSG);
	assert_int_equal(k8s_client_watch_event_parse("{\"type\":\"X\",\"object\":{}}", 24, &type,
						      &obj),
			 -EPROTONOSUPPORT);
	assert_int_equal(k8s_client_watch_event_parse("{\"type\":\"ADDED\",\"type\":\"ADDED\","
						      "\"object\":{}}",
						      44, &type, &obj),
			 -EBADMSG);
}

/* ---------------------------------------------------------------------------
 * TLS: CA data, verification failure, insecure mode, client certificate blobs,
 * and the in-cluster config end to end.
 */

static void make_cert(const char *cn, char **ret_cert, char **ret_key)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	BIO *bio;
	BUF_MEM *mem;

	assert_non_null(key);
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(now_usec() & 0x7fffffff));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
	assert_non_null(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "critical,CA:TRUE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);

	bio = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(bio, x);
	BIO_get_mem_ptr(bio, &mem);
	*ret_cert = strndup(mem->data, mem->length);
	BIO_free(bio);
	bio = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
	BIO_get_mem_ptr(bio, &mem);
	*ret_key = strndup(mem->data, mem->length);
	BIO_free(bio);
	X509_free(x);
	EVP_PKEY_free(key);
}

static void test_tls(void **state)
{
	char *cert, *key, *ccert, *ckey, *dir;
	struct k8s_config *cfg = NULL;
	struct k8s_client *c = NULL;
	struct k8s_error err = {};
	struct mock m;
	char port[16];

	(void)state;
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		skip();
	make_cert("127.0.0.1", &cert, &key);
	make_cert("pavise-client", &ccert, &ckey);
	mock_start_full(&m, route_echo, NULL, cert, key, ccert);

	/* No CA: the server's self-signed certificate is refused. */
	assert_int_equal(k8s_config_new(m.url, &cfg), 0);
	assert_int_equal(k8s_client_new(cfg, &c), 0);
	assert_int_equal(k8s_client_get(c, "/x", NULL, &err), -EKEYREJECTED);
	assert_string_equal(err.reason, "TLSVerifyFailed");
	c = k8s_client_free(c);

	/* Insecure mode connects anyway. */
	cfg->insecure_skip_tls_verify = true;
	assert_int_equal(k8s_client_new(cfg, &c), 0);
	assert_int_equal(k8s_client_get(c, "/x", NULL, &err), 0);
	c = k8s_client_free(c);
	cfg = k8s_config_free(cfg);

	/* CA and client certificate from memory, as kubeconfig *-data fields give them. */
	{
		char *ca64 = b64(cert), *cert64 = b64(ccert), *key64 = b64(ckey), *text = NULL;

		assert_true(asprintf(&text,
				     "current-context: c\n"
				     "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
				     "clusters: [{name: k, cluster: {server: '%s', "
				     "certificate-authority-data: %s}}]\n"
				     "users: [{name: u, user: {client-certificate-data: %s, "
				     "client-key-data: %s}}]\n",
				     m.url, ca64, cert64, key64) > 0);
		assert_int_equal(
			k8s_config_parse_kubeconfig(text, strlen(text), NULL, NULL, &cfg, &err), 0);
		free(text);
		free(ca64);
		free(cert64);
		free(key64);
	}
	assert_int_equal(k8s_client_new(cfg, &c), 0);
	cfg = k8s_config_free(cfg); /* the client keeps its own copies */
	assert_int_equal(k8s_client_get(c, "/with-cert", NULL, &err), 0);
	assert_int_equal(k8s_client_get(c, "/again", NULL, &err), 0);
	c = k8s_client_free(c);
	assert_true(json_is_true(json_object_get(mock_req(&m, 1), "client_cert")));
	assert_string_equal(req_str(mock_req(&m, 1), "path"), "/with-cert");
	assert_null(req_str(mock_req(&m, 1), "authorization"));

	/* In-cluster: host/port from the environment, CA file and token from the directory. */
	dir = make_tmpdir();
	write_file(dir, "token", "sa-token\n");
	write_file(dir, "ca.crt", cert);
	(void)snprintf(port, sizeof(port), "%u", m.port);
	setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", port, 1);
	assert_int_equal(k8s_config_in_cluster(dir, &cfg, &err), 0);
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	assert_int_equal(k8s_client_new(cfg, &c), 0);
	cfg = k8s_config_free(cfg);
	assert_int_equal(k8s_client_get(c, "/in-cluster", NULL, &err), 0);
	assert_string_equal(req_str(mock_req(&m, 3), "authorization"), "Bearer sa-token");
	assert_false(json_is_true(json_object_get(mock_req(&m, 3), "client_cert")));
	k8s_client_free(c);
	rm_tmpdir(dir);

	mock_stop(&m);
	free(cert);
	free(key);
	free(ccert);
	free(ckey);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kubeconfig_current_context),
		cmocka_unit_test(test_kubeconfig_context_override),
		cmocka_unit_test(test_kubeconfig_files),
		cmocka_unit_test(test_kubeconfig_errors),
		cmocka_unit_test(test_kubeconfig_yaml_features),
		cmocka_unit_test(test_in_cluster),
		cmocka_unit_test(test_read_token),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_crud),
		cmocka_unit_test(test_token_rotation),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_list_pagination),
		cmocka_unit_test(test_watch_event_parse),
		cmocka_unit_test(test_watch_events_in_order),
		cmocka_unit_test(test_watch_bookmark),
		cmocka_unit_test(test_watch_expired_event_relists),
		cmocka_unit_test(test_watch_http_gone_relists),
		cmocka_unit_test(test_watch_reconnect_backoff),
		cmocka_unit_test(test_watch_long_line_relists),
		cmocka_unit_test(test_watch_malformed_relists),
		cmocka_unit_test(test_watch_stop),
		cmocka_unit_test(test_watch_handler_error_and_misuse),
		cmocka_unit_test(test_tls),
	};

	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	return cmocka_run_group_tests(tests, NULL, NULL);
}

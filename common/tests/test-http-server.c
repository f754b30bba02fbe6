// SPDX-License-Identifier: Apache-2.0
/* Tests for the HTTP(S) server over real sockets with libcurl: routing, caps, TLS, reload, timeouts. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "common/buf.h"
#include "common/http-server.h"

extern char **environ;

/* ---- Fixture: a throwaway PKI made with the openssl CLI ----------------- */

static char dir[PATH_MAX];
static char ca1[PATH_MAX], ca2[PATH_MAX];
static char v1_crt[PATH_MAX], v1_key[PATH_MAX];
static char live_crt[PATH_MAX], live_key[PATH_MAX];

static void pathf(char *out, const char *fmt, ...) _printf_(2, 3);
static void pathf(char *out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_MAX)
		abort();
}

static int run(const char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int r, status;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -r;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int write_file(const char *path, const char *data, size_t len)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		return -EIO;
	return 0;
}

static int copy_file(const char *from, const char *to)
{
	char data[16384];
	_cleanup_close_ int fd = open(from, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, data, sizeof(data));
	if (n <= 0)
		return -EIO;
	return write_file(to, data, (size_t)n);
}

/* A CA and a server certificate it signs (EC P-256: fast to make), into live/..vN/. */
static int make_pki(int n, const char *cn, const char *serial, char *ret_ca)
{
	char ca_key[PATH_MAX], csr[PATH_MAX], vdir[PATH_MAX], crt[PATH_MAX], key[PATH_MAX],
		ext[PATH_MAX], ca_cn[64];
	int r;

	pathf(ret_ca, "%s/ca%d.crt", dir, n);
	pathf(ca_key, "%s/ca%d.key", dir, n);
	pathf(csr, "%s/srv%d.csr", dir, n);
	pathf(ext, "%s/ext.cnf", dir);
	pathf(vdir, "%s/live/..v%d", dir, n);
	pathf(crt, "%s/tls.crt", vdir);
	pathf(key, "%s/tls.key", vdir);
	(void)snprintf(ca_cn, sizeof(ca_cn), "/CN=pavise-test-ca-%d", n);
	if (mkdir(vdir, 0700) < 0)
		return -errno;

	const char *const req_ca[] = { "openssl",
				       "req",
				       "-x509",
				       "-newkey",
				       "ec",
				       "-pkeyopt",
				       "ec_paramgen_curve:prime256v1",
				       "-nodes",
				       "-keyout",
				       ca_key,
				       "-out",
				       ret_ca,
				       "-days",
				       "2",
				       "-subj",
				       ca_cn,
				       NULL };
	const char *const req_srv[] = { "openssl",
					"req",
					"-new",
					"-newkey",
					"ec",
					"-pkeyopt",
					"ec_paramgen_curve:prime256v1",
					"-nodes",
					"-keyout",
					key,
					"-out",
					csr,
					"-subj",
					cn,
					NULL };
	const char *const sign[] = { "openssl", "x509",	    "-req", "-in",	   csr,	   "-CA",
				     ret_ca,	"-CAkey",   ca_key, "-set_serial", serial, "-days",
				     "2",	"-extfile", ext,    "-out",	   crt,	   NULL };

	r = run(req_ca);
	if (r == 0)
		r = run(req_srv);
	if (r == 0)
		r = run(sign);
	return r;
}

/* Points live/..data at ..vN atomically, as the kubelet's atomic writer does. */
static void swap_data(int n)
{
	char target[32], tmp[PATH_MAX], data[PATH_MAX];

	(void)snprintf(target, sizeof(target), "..v%d", n);
	pathf(tmp, "%s/live/..data_tmp", dir);
	pathf(data, "%s/live/..data", dir);
	(void)unlink(tmp);
	assert_int_equal(symlink(target, tmp), 0);
	assert_int_equal(rename(tmp, data), 0);
}

static int group_setup(void **state)
{
	static const char ext[] = "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n"
				  "basicConstraints=CA:FALSE\n"
				  "extendedKeyUsage=serverAuth\n";
	static const char garbage_pem[] = "-----BEGIN CERTIFICATE-----\nnot base64!\n";
	char p[PATH_MAX], q[PATH_MAX];

	(void)state;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	pathf(dir, "/tmp/pavise-http-test-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	pathf(p, "%s/live", dir);
	pathf(q, "%s/ext.cnf", dir);
	if (mkdir(p, 0700) < 0 || write_file(q, ext, strlen(ext)) < 0)
		return -1;
	if (make_pki(1, "/CN=pavise-test-1", "1001", ca1) < 0 ||
	    make_pki(2, "/CN=pavise-test-2", "2002", ca2) < 0) {
		fprintf(stderr, "# openssl failed to make the test PKI\n");
		return -1;
	}
	pathf(v1_crt, "%s/live/..v1/tls.crt", dir);
	pathf(v1_key, "%s/live/..v1/tls.key", dir);

	/* ..v3: pavise-test-1's certificate with pavise-test-2's key; ..v4: not PEM at all. */
	pathf(p, "%s/live/..v3", dir);
	if (mkdir(p, 0700) < 0)
		return -1;
	pathf(q, "%s/live/..v3/tls.crt", dir);
	if (copy_file(v1_crt, q) < 0)
		return -1;
	pathf(p, "%s/live/..v2/tls.key", dir);
	pathf(q, "%s/live/..v3/tls.key", dir);
	if (copy_file(p, q) < 0)
		return -1;
	pathf(p, "%s/live/..v4", dir);
	if (mkdir(p, 0700) < 0)
		return -1;
	pathf(q, "%s/live/..v4/tls.crt", dir);
	if (write_file(q, garbage_pem, strlen(garbage_pem)) < 0)
		return -1;
	pathf(p, "%s/live/..v2/tls.key", dir);
	pathf(q, "%s/live/..v4/tls.key", dir);
	if (copy_file(p, q) < 0)
		return -1;

	pathf(p, "%s/live/..data", dir);
	pathf(live_crt, "%s/live/tls.crt", dir);
	pathf(live_key, "%s/live/tls.key", dir);
	if (symlink("..v1", p) < 0 || symlink("..data/tls.crt", live_crt) < 0 ||
	    symlink("..data/tls.key", live_key) < 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	const char *const rm[] = { "rm", "-rf", dir, NULL };

	(void)state;
	if (dir[0])
		(void)run(rm);
	curl_global_cleanup();
	return 0;
}

/* ---- Server side -------------------------------------------------------- */

static _Atomic unsigned n_responses;
static _Atomic int last_route = -2;
static _Atomic unsigned last_status;
static _Atomic int last_diag_error;

static void on_response(void *userdata, int route, unsigned status, uint64_t usec)
{
	(void)userdata;
	(void)usec;
	atomic_store(&last_route, route);
	atomic_store(&last_status, status);
	atomic_fetch_add(&n_responses, 1);
}

static void on_diag(void *userdata, int error, const char *message)
{
	(void)userdata;
	(void)message;
	if (error)
		atomic_store(&last_diag_error, error);
}

static int h_echo(void *userdata, const struct http_request *req, struct http_response *resp)
{
	(void)userdata;
	if (req->body && req->body[req->body_len] != '\0')
		return -EINVAL; /* must be NUL-terminated */
	resp->content_type = "application/json";
	if (req->body_len) {
		resp->body = malloc(req->body_len);
		if (!resp->body)
			return -ENOMEM;
		memcpy(resp->body, req->body, req->body_len);
		resp->body_len = req->body_len;
	}
	return 0;
}

static int h_info(void *userdata, const struct http_request *req, struct http_response *resp)
{
	struct buf b;

	(void)userdata;
	buf_init(&b, 64 * 1024);
	if (buf_printf(&b, "method=%s path=%s query=%s remote=%s", req->method, req->path,
		       req->query ? req->query : "<none>", req->remote_addr) < 0) {
		buf_free(&b);
		return -ENOMEM;
	}
	resp->content_type = "text/plain";
	resp->body = buf_take(&b, &resp->body_len);
	return resp->body ? 0 : -ENOMEM;
}

static int h_len(void *userdata, const struct http_request *req, struct http_response *resp)
{
	struct buf b;

	(void)userdata;
	buf_init(&b, 64);
	if (buf_printf(&b, "%zu", req->body_len) < 0) {
		buf_free(&b);
		return -ENOMEM;
	}
	resp->body = buf_take(&b, &resp->body_len);
	return resp->body ? 0 : -ENOMEM;
}

static int h_fail(void *userdata, const struct http_request *req, struct http_response *resp)
{
	(void)userdata;
	(void)req;
	resp->body = strdup("partial"); /* the server frees it even on error */
	return -EIO;
}

static int h_bad_status(void *userdata, const struct http_request *req, struct http_response *resp)
{
	(void)userdata;
	(void)req;
	resp->status = 42;
	return 0;
}

enum {
	R_ECHO,
	R_INFO,
	R_SMALL,
	R_LEN,
	R_FAIL,
	R_BAD_STATUS,
	R_INFO_PUT,
};

static const struct http_route routes[] = {
	[R_ECHO] = { "POST", "/echo", "application/json", 0, h_echo, NULL },
	[R_INFO] = { "GET", "/info", NULL, 0, h_info, NULL },
	[R_SMALL] = { "POST", "/small", "application/json", 1024, h_len, NULL },
	[R_LEN] = { "POST", "/len", NULL, 0, h_len, NULL },
	[R_FAIL] = { "POST", "/fail", NULL, 0, h_fail, NULL },
	[R_BAD_STATUS] = { "GET", "/bad-status", NULL, 0, h_bad_status, NULL },
	[R_INFO_PUT] = { "PUT", "/info", NULL, 0, h_info, NULL },
};

static struct http_server_config config(bool tls, unsigned timeout)
{
	return (struct http_server_config){
		.listen = "127.0.0.1:0",
		.tls_cert_path = tls ? v1_crt : NULL,
		.tls_key_path = tls ? v1_key : NULL,
		.threads = 2,
		.connection_timeout_sec = timeout,
		.routes = routes,
		.n_routes = ELEMENTSOF(routes),
		.on_response = on_response,
		.on_diag = on_diag,
	};
}

static struct http_server *start(const struct http_server_config *cfg)
{
	struct http_server *s = NULL;

	assert_int_equal(http_server_start(cfg, &s), 0);
	assert_non_null(s);
	assert_int_not_equal(http_server_port(s), 0);
	return s;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* on_response runs after the response is sent, so the client may see it first. */
static void wait_responses(unsigned want)
{
	for (int i = 0; i < 200 && atomic_load(&n_responses) < want; i++)
		sleep_ms(5);
	assert_true(atomic_load(&n_responses) >= want);
}

/* The last response reported, once the server is quiet (earlier ones may report late). */
static void wait_last(int route, unsigned status)
{
	for (int i = 0; i < 200; i++) {
		if (atomic_load(&last_route) == route && atomic_load(&last_status) == status)
			return;
		sleep_ms(5);
	}
	assert_int_equal(atomic_load(&last_route), route);
	assert_int_equal(atomic_load(&last_status), status);
}

/* ---- Client side (libcurl) ---------------------------------------------- */

struct req {
	const char *method; /* default GET */
	const char *path;
	const char *content_type; /* NULL: none at all */
	const char *body;
	size_t body_len;
	bool chunked;
	bool no_expect; /* send the body without waiting for 100 Continue, as Go does */
	bool plain;
	const char *host; /* default 127.0.0.1 */
	uint16_t port;
	const char *ca; /* default ca1 */
	long sslversion;
	bool seclevel0; /* let OpenSSL offer TLS 1.1 */
	CURL *handle; /* reused for keep-alive when set */
};

struct reply {
	CURLcode rc;
	long status;
	long connects; /* new connections this request needed: 0 when kept alive */
	curl_off_t uploaded;
	struct buf body;
	char allow[128];
	char content_type[128];
	char subject[256];
};

struct upload {
	const char *p;
	size_t left;
};

static size_t on_read(char *out, size_t size, size_t nmemb, void *userdata)
{
	struct upload *u = userdata;
	size_t n = MIN(size * nmemb, u->left);

	n = MIN(n, (size_t)7000); /* several chunks */
	memcpy(out, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct reply *r = userdata;

	return buf_append(&r->body, data, size * nmemb) < 0 ? 0 : size * nmemb;
}

static void header_value(const char *line, size_t len, const char *name, char *out, size_t size)
{
	size_t n = strlen(name);

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return;
	line += n + 1;
	len -= n + 1;
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
		len--;
	len = MIN(len, size - 1);
	memcpy(out, line, len);
	out[len] = '\0';
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct reply *r = userdata;

	header_value(data, size * nmemb, "Allow", r->allow, sizeof(r->allow));
	header_value(data, size * nmemb, "Content-Type", r->content_type, sizeof(r->content_type));
	return size * nmemb;
}

/* Performs one request; the caller frees reply->body with buf_free(). */
static void request(const struct req *q, struct reply *r)
{
	CURL *h = q->handle ? q->handle : curl_easy_init();
	struct curl_slist *headers = NULL;
	struct upload up = { q->body, q->body_len };
	_cleanup_free_ char *url = NULL;
	char ct[160];
	const char *method = q->method ? q->method : "GET";

	assert_non_null(h);
	*r = (struct reply){};
	buf_init(&r->body, 8 * 1024 * 1024);
	if (q->handle)
		curl_easy_reset(h); /* options only; the connection cache survives */
	assert_true(asprintf(&url, "%s://%s:%u%s", q->plain ? "http" : "https",
			     q->host ? q->host : "127.0.0.1", q->port, q->path) > 0);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_CAINFO, q->ca ? q->ca : ca1);
	curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
	if (q->sslversion)
		curl_easy_setopt(h, CURLOPT_SSLVERSION, q->sslversion);
	if (q->seclevel0)
		curl_easy_setopt(h, CURLOPT_SSL_CIPHER_LIST, "DEFAULT:@SECLEVEL=0");
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		if (q->chunked) {
			curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(h, CURLOPT_READDATA, &up);
			headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
		} else {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body ? q->body : "");
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
		}
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}
	(void)snprintf(ct, sizeof(ct), "Content-Type:%s%s", q->content_type ? " " : "",
		       q->content_type ? q->content_type : "");
	headers = curl_slist_append(headers, ct);
	if (q->no_expect)
		headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

	r->rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &r->connects);
	curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &r->uploaded);
	if (r->rc == CURLE_OK && !q->plain) {
		struct curl_certinfo *ci = NULL;

		if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) == CURLE_OK && ci &&
		    ci->num_of_certs > 0)
			for (struct curl_slist *l = ci->certinfo[0]; l; l = l->next)
				if (strncmp(l->data, "Subject:", 8) == 0)
					(void)snprintf(r->subject, sizeof(r->subject), "%s",
						       l->data + 8);
	}
	curl_slist_free_all(headers);
	if (!q->handle)
		curl_easy_cleanup(h);
}

/* Status of a request; the body, when wanted, is compared. */
static long status_of(const struct req *q, const char *want_body)
{
	struct reply r;
	long status;

	request(q, &r);
	status = r.rc == CURLE_OK ? r.status : -(long)r.rc;
	if (want_body && status > 0) {
		if (!r.body.data || strcmp(r.body.data, want_body) != 0)
			fprintf(stderr, "# %s: got body '%s', want '%s'\n", q->path,
				strna(r.body.data), want_body);
		assert_non_null(r.body.data);
		assert_string_equal(r.body.data, want_body);
	}
	buf_free(&r.body);
	return status;
}

static char *filled(size_t n)
{
	char *p = malloc(n + 1);

	assert_non_null(p);
	memset(p, 'x', n);
	p[n] = '\0';
	return p;
}

/* ---- Raw sockets for slow and broken clients ---------------------------- */

static int tcp_connect(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void send_all(int fd, const char *s, size_t n)
{
	assert_int_equal(send(fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Milliseconds until the peer closed (EOF or reset), or -1 after `timeout_ms`. */
static long wait_closed(int fd, unsigned timeout_ms, struct buf *got)
{
	uint64_t t0 = mono_ms();

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t el = mono_ms() - t0;
		char data[4096];
		ssize_t n;

		if (el >= timeout_ms)
			return -1;
		if (poll(&p, 1, (int)(timeout_ms - el)) <= 0)
			continue;
		n = recv(fd, data, sizeof(data), 0);
		if (n > 0) {
			if (got && buf_append(got, data, (size_t)n) < 0)
				return -1;
			continue;
		}
		return (long)(mono_ms() - t0);
	}
}

/* ---- Tests -------------------------------------------------------------- */

static void test_routing(void **state)
{
	struct http_server_config cfg = config(true, 0);
	_cleanup_(http_server_freep) struct http_server *s = start(&cfg);
	uint16_t port = http_server_port(s);
	CURL *keep = curl_easy_init();
	char *long_query;
	struct reply r;

	(void)state;
	/* Keep-alive: the second request rides the first one's connection. */
	for (int i = 0; i < 2; i++) {
		request(&(struct req){ .path = "/info", .port = port, .handle = keep }, &r);
		assert_int_equal(r.status, 200);
		assert_int_equal(r.connects, i == 0 ? 1 : 0);
		buf_free(&r.body);
	}
	curl_easy_cleanup(keep);
	/* 200, body echoed, content type set, media type parameters and case ignored. */
	request(&(struct req){ .method = "POST",
			       .path = "/echo",
			       .port = port,
			       .content_type = "application/json",
			       .body = "{\"a\":1}",
			       .body_len = 7 },
		&r);
	assert_int_equal(r.rc, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.data, "{\"a\":1}");
	assert_string_equal(r.content_type, "application/json");
	buf_free(&r.body);
	assert_int_equal(
		status_of(&(struct req){ .method = "POST",
					 .path = "/echo",
					 .port = port,
					 .content_type = "Application/JSON ; charset=utf-8",
					 .body = "[]",
					 .body_len = 2 },
			  "[]"),
		200);
	/* 415: wrong, missing, or merely prefixed media type. */
	assert_int_equal(status_of(&(struct req){ .method = "POST",
						  .path = "/echo",
						  .port = port,
						  .content_type = "text/plain",
						  .body = "{}",
						  .body_len = 2 },
				   "{\"error\":\"unsupported media type\"}"),
			 415);
	assert_int_equal(status_of(&(struct req){ .method = "POST",
						  .path = "/echo",
						  .port = port,
						  .body = "{}",
						  .body_len = 2 },
				   NULL),
			 415);
	assert_int_equal(status_of(&(struct req){ .method = "POST",
						  .path = "/echo",
						  .port = port,
						  .content_type = "application/jsonp",
						  .body = "{}",
						  .body_len = 2 },
				   NULL),
			 415);
	/* 404, and on_response sees route -1. */
	assert_int_equal(status_of(&(struct req){ .path = "/nope", .port = port },
				   "{\"error\":\"not found\"}"),
			 404);
	wait_last(-1, 404);
	assert_int_equal(status_of(&(struct req){ .path = "/echo/", .port = port }, NULL), 404);
	/* 405 with Allow listing every method of the path. */
	request(&(struct req){ .path = "/echo", .port = port }, &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(r.allow, "POST");
	assert_string_equal(r.body.data, "{\"error\":\"method not allowed\"}");
	buf_free(&r.body);
	request(&(struct req){ .method = "DELETE", .path = "/info", .port = port }, &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(r.allow, "GET, PUT");
	buf_free(&r.body);
	/* Query (raw), path and remote address reach the handler. */
	request(&(struct req){ .path = "/info?x=1&y=%20", .port = port }, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(
		strstr(r.body.data, "method=GET path=/info query=x=1&y=%20 remote=127.0.0.1:"));
	buf_free(&r.body);
	wait_last(R_INFO, 200);
	request(&(struct req){ .method = "PUT", .path = "/info", .port = port }, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "method=PUT path=/info query=<none> "));
	buf_free(&r.body);
	/* 500: handler error (its body is freed, not sent), or an invalid status. */
	assert_int_equal(status_of(&(struct req){ .method = "POST", .path = "/fail", .port = port },
				   "{\"error\":\"internal error\"}"),
			 500);
	assert_int_equal(status_of(&(struct req){ .path = "/bad-status", .port = port }, NULL),
			 500);
	/* 414 past the query cap; right at it is fine. */
	long_query = filled(HTTP_SERVER_QUERY_MAX + 7);
	memcpy(long_query, "/info?", 6);
	assert_int_equal(status_of(&(struct req){ .path = long_query, .port = port }, NULL), 414);
	long_query[HTTP_SERVER_QUERY_MAX + 6] = '\0';
	assert_int_equal(status_of(&(struct req){ .path = long_query, .port = port }, NULL), 200);
	free(long_query);
}

/* Status and bytes the client got to send. */
static long upload_status(const struct req *q, curl_off_t *ret_uploaded)
{
	struct reply r;

	request(q, &r);
	buf_free(&r.body);
	*ret_uploaded = r.uploaded;
	return r.rc == CURLE_OK ? r.status : -(long)r.rc;
}

static void test_body_limits(void **state)
{
	struct http_server_config cfg = config(true, 0);
	_cleanup_(http_server_freep) struct http_server *s = start(&cfg);
	uint16_t port = http_server_port(s);
	const size_t max = HTTP_SERVER_BODY_MAX_DEFAULT;
	char *big = filled(max + HTTP_SERVER_DRAIN_MAX + 65536);
	curl_off_t up;
	struct reply r;

	(void)state;
	/* Route cap 1024: exactly at it passes, one more byte is 413, however it is sent. */
	assert_int_equal(status_of(&(struct req){ .method = "POST",
						  .path = "/small",
						  .port = port,
						  .content_type = "application/json",
						  .body = big,
						  .body_len = 1024 },
				   "1024"),
			 200);
	for (int i = 0; i < 5; i++)
		assert_int_equal(status_of(&(struct req){ .method = "POST",
							  .path = "/small",
							  .port = port,
							  .content_type = "application/json",
							  .body = big,
							  .body_len = 1025 },
					   "{\"error\":\"request body too large\"}"),
				 413);
	/* A client that does not wait for 100 Continue still gets the 413, not a reset. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(upload_status(&(struct req){ .method = "POST",
							      .path = "/small",
							      .port = port,
							      .content_type = "application/json",
							      .body = big,
							      .body_len = 200000,
							      .no_expect = true },
					       &up),
				 413);
	/* One that waits is refused before it sends a byte. */
	assert_int_equal(
		upload_status(&(struct req){ .method = "POST",
					     .path = "/small",
					     .port = port,
					     .content_type = "application/json",
					     .body = big,
					     .body_len = 1024 + HTTP_SERVER_DRAIN_MAX + 1 },
			      &up),
		413);
	assert_int_equal(up, 0);
	/* Chunked: exactly at the cap passes, crossing it is 413 (body discarded, not kept). */
	assert_int_equal(status_of(&(struct req){ .method = "POST",
						  .path = "/small",
						  .port = port,
						  .content_type = "application/json",
						  .body = big,
						  .body_len = 1024,
						  .chunked = true },
				   "1024"),
			 200);
	assert_int_equal(status_of(&(struct req){ .method = "POST",
						  .path = "/small",
						  .port = port,
						  .content_type = "application/json",
						  .body = big,
						  .body_len = 20000,
						  .chunked = true },
				   "{\"error\":\"request body too large\"}"),
			 413);
	assert_int_equal(status_of(&(struct req){ .method = "POST",
						  .path = "/small",
						  .port = port,
						  .content_type = "application/json",
						  .body = big,
						  .body_len = 20000,
						  .chunked = true,
						  .no_expect = true },
				   NULL),
			 413);
	/* Past the drain budget the connection is closed without an answer. */
	request(&(struct req){ .method = "POST",
			       .path = "/small",
			       .port = port,
			       .content_type = "application/json",
			       .body = big,
			       .body_len = 1024 + HTTP_SERVER_DRAIN_MAX + 65536,
			       .chunked = true },
		&r);
	assert_int_not_equal(r.rc, CURLE_OK);
	buf_free(&r.body);

	/* Default cap, 3 MiB: exact is accepted, one byte more refused; both encodings. */
	assert_int_equal(status_of(&(struct req){ .method = "POST",
						  .path = "/len",
						  .port = port,
						  .body = big,
						  .body_len = max },
				   "3145728"),
			 200);
	assert_int_equal(upload_status(&(struct req){ .method = "POST",
						      .path = "/len",
						      .port = port,
						      .body = big,
						      .body_len = max + 1 },
				       &up),
			 413);
	assert_int_equal(up, 0); /* curl waits for 100 Continue above 1 MiB */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(upload_status(&(struct req){ .method = "POST",
							      .path = "/len",
							      .port = port,
							      .body = big,
							      .body_len = max + 1,
							      .no_expect = true },
					       &up),
				 413);
		assert_int_equal(up, max + 1);
	}
	assert_int_equal(status_of(&(struct req){ .method = "POST",
						  .path = "/len",
						  .port = port,
						  .body = big,
						  .body_len = max,
						  .chunked = true },
				   "3145728"),
			 200);
	assert_int_equal(status_of(&(struct req){ .method = "POST",
						  .path = "/len",
						  .port = port,
						  .body = big,
						  .body_len = max + 1,
						  .chunked = true },
				   NULL),
			 413);
	/* Other early errors on a body being sent are delivered after it, too. */
	assert_int_equal(status_of(&(struct req){ .method = "POST",
						  .path = "/nope",
						  .port = port,
						  .body = big,
						  .body_len = 300000,
						  .no_expect = true },
				   "{\"error\":\"not found\"}"),
			 404);
	assert_int_equal(status_of(&(struct req){ .method = "POST",
						  .path = "/echo",
						  .port = port,
						  .content_type = "text/plain",
						  .body = big,
						  .body_len = 300000,
						  .no_expect = true },
				   NULL),
			 415);
	/* Still serving. */
	assert_int_equal(status_of(&(struct req){ .path = "/info", .port = port }, NULL), 200);
	free(big);
}

static void test_tls_versions(void **state)
{
	struct http_server_config cfg = config(true, 0);
	_cleanup_(http_server_freep) struct http_server *s = start(&cfg);
	_cleanup_(http_server_freep) struct http_server *weak = NULL;
	uint16_t port = http_server_port(s);
	const long v11 = CURL_SSLVERSION_TLSv1_1 | CURL_SSLVERSION_MAX_TLSv1_1;
	const long v12 = CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2;
	const long v13 = CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_TLSv1_3;

	(void)state;
	assert_int_equal(status_of(&(struct req){ .path = "/info",
						  .port = port,
						  .sslversion = v11,
						  .seclevel0 = true },
				   NULL),
			 -CURLE_SSL_CONNECT_ERROR);
	assert_int_equal(status_of(&(struct req){ .path = "/info",
						  .port = port,
						  .sslversion = v12,
						  .seclevel0 = true },
				   NULL),
			 200);
	assert_int_equal(
		status_of(&(struct req){ .path = "/info", .port = port, .sslversion = v13 }, NULL),
		200);
	/* Control: the same TLS 1.1 client gets through when the server allows 1.1. */
	cfg.tls_priorities = "NORMAL:+VERS-TLS1.1";
	weak = start(&cfg);
	assert_int_equal(status_of(&(struct req){ .path = "/info",
						  .port = http_server_port(weak),
						  .sslversion = v11,
						  .seclevel0 = true },
				   NULL),
			 200);
}

static void expect_cert(uint16_t port, const char *ca, const char *cn)
{
	struct reply r;

	request(&(struct req){ .path = "/info", .port = port, .ca = ca }, &r);
	if (r.rc != CURLE_OK)
		fprintf(stderr, "# %s: %s\n", cn, curl_easy_strerror(r.rc));
	assert_int_equal(r.rc, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.subject, cn));
	buf_free(&r.body);
}

static void test_tls_reload(void **state)
{
	struct http_server_config cfg = config(true, 0);
	_cleanup_(http_server_freep) struct http_server *s = NULL;
	CURL *keep = curl_easy_init();
	uint16_t port;

	(void)state;
	swap_data(1);
	cfg.tls_cert_path = live_crt;
	cfg.tls_key_path = live_key;
	s = start(&cfg);
	port = http_server_port(s);
	assert_int_equal(http_server_tls_generation(s), 1);
	expect_cert(port, ca1, "pavise-test-1");
	/* A keep-alive connection made before the swap. */
	assert_int_equal(status_of(&(struct req){ .path = "/info", .port = port, .handle = keep },
				   NULL),
			 200);

	/* The Secret is updated: new handshakes present the new certificate. */
	swap_data(2);
	sleep_ms(1100);
	expect_cert(port, ca2, "pavise-test-2");
	assert_int_equal(http_server_tls_generation(s), 2);
	assert_true(status_of(&(struct req){ .path = "/info", .port = port, .ca = ca1 }, NULL) < 0);
	/* The old connection keeps working on its old session. */
	assert_int_equal(status_of(&(struct req){ .path = "/info", .port = port, .handle = keep },
				   NULL),
			 200);

	/* A broken update (key of another certificate) keeps the pair in service. */
	atomic_store(&last_diag_error, 0);
	swap_data(3);
	sleep_ms(1100);
	expect_cert(port, ca2, "pavise-test-2");
	assert_int_equal(http_server_tls_generation(s), 2);
	assert_int_equal(atomic_load(&last_diag_error), -EKEYREJECTED);
	assert_int_equal(http_server_reload_tls(s), -EKEYREJECTED);
	/* Unparsable certificate, the same. */
	swap_data(4);
	assert_int_equal(http_server_reload_tls(s), -EBADMSG);
	expect_cert(port, ca2, "pavise-test-2");

	/* Fixed: reloaded on demand. */
	swap_data(1);
	assert_int_equal(http_server_reload_tls(s), 0);
	assert_int_equal(http_server_tls_generation(s), 3);
	expect_cert(port, ca1, "pavise-test-1");
	curl_easy_cleanup(keep);
}

static void test_slow_client(void **state)
{
	struct http_server_config cfg = config(true, 1);
	_cleanup_(http_server_freep) struct http_server *s = start(&cfg);
	_cleanup_(http_server_freep) struct http_server *plain = NULL;
	_cleanup_close_ int tls_fd = -EBADF, hdr_fd = -EBADF, body_fd = -EBADF;
	CURL *keep = curl_easy_init();
	struct reply r;
	static const char half_header[] = "POST /len HTTP/1.1\r\nHost: x\r\nContent-Le";
	static const char half_body[] =
		"POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
		"0123456789";
	uint64_t t0, t_keep;
	long el;

	(void)state;
	cfg = config(false, 1);
	plain = start(&cfg);
	/* Half a TLS record, half a header, a tenth of a body: then silence. */
	tls_fd = tcp_connect(http_server_port(s));
	send_all(tls_fd, "\x16\x03\x01\x02", 4);
	hdr_fd = tcp_connect(http_server_port(plain));
	send_all(hdr_fd, half_header, strlen(half_header));
	body_fd = tcp_connect(http_server_port(plain));
	send_all(body_fd, half_body, strlen(half_body));
	t0 = mono_ms();

	/* Normal clients are served meanwhile. */
	request(&(struct req){ .path = "/info", .port = http_server_port(s), .handle = keep }, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.connects, 1);
	buf_free(&r.body);
	t_keep = mono_ms();
	assert_int_equal(status_of(&(struct req){ .path = "/info",
						  .plain = true,
						  .port = http_server_port(plain) },
				   NULL),
			 200);

	el = wait_closed(tls_fd, 5000, NULL);
	assert_true(el >= 0);
	el = wait_closed(hdr_fd, 5000, NULL);
	assert_true(el >= 0);
	el = wait_closed(body_fd, 5000, NULL);
	assert_true(el >= 0);
	el = (long)(mono_ms() - t0);
	assert_true(el >= 700 && el < 5000);

	/* The idle keep-alive connection was closed too: the next request reconnects. */
	while (mono_ms() < t_keep + 1600)
		sleep_ms(50);
	request(&(struct req){ .path = "/info", .port = http_server_port(s), .handle = keep }, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.connects, 1);
	buf_free(&r.body);
	curl_easy_cleanup(keep);
}

struct worker {
	uint16_t port;
	unsigned ok;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	CURL *h = curl_easy_init();

	for (int i = 0; h && i < 100; i++) {
		struct reply r;
		char body[64];
		int n = snprintf(body, sizeof(body), "{\"i\":%d}", i);
		struct req q = { .method = "POST",
				 .path = "/echo",
				 .port = w->port,
				 .content_type = "application/json",
				 .body = body,
				 .body_len = (size_t)n,
				 .handle = h };

		request(&q, &r);
		if (r.rc == CURLE_OK && r.status == 200 && r.body.data &&
		    strcmp(r.body.data, body) == 0)
			w->ok++;
		buf_free(&r.body);
	}
	curl_easy_cleanup(h);
	return NULL;
}

static void test_concurrent(void **state)
{
	struct http_server_config cfg = config(true, 0);
	_cleanup_(http_server_freep) struct http_server *s = start(&cfg);
	struct worker w[4];
	pthread_t t[4];
	unsigned n0 = atomic_load(&n_responses), ok = 0;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		w[i] = (struct worker){ .port = http_server_port(s) };
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		ok += w[i].ok;
	}
	assert_int_equal(ok, 400);
	wait_responses(n0 + 400);
}

static void test_shutdown(void **state)
{
	struct http_server_config cfg = config(true, 0);
	struct http_server *s = start(&cfg);
	CURL *keep = curl_easy_init();
	_cleanup_close_ int idle_fd = -EBADF, upload_fd = -EBADF;
	static const char partial[] =
		"POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
		"0123456789";
	uint16_t port = http_server_port(s);
	char listen[32];
	uint64_t t0;

	(void)state;
	/* A keep-alive HTTPS connection, a silent socket, plain text on the TLS port. */
	assert_int_equal(status_of(&(struct req){ .path = "/info", .port = port, .handle = keep },
				   NULL),
			 200);
	idle_fd = tcp_connect(port);
	upload_fd = tcp_connect(port);
	send_all(upload_fd, partial, strlen(partial));
	sleep_ms(100);

	t0 = mono_ms();
	s = http_server_free(s);
	assert_null(s);
	assert_true(mono_ms() - t0 < 1000);
	assert_true(wait_closed(idle_fd, 1000, NULL) >= 0);

	/* The port can be bound again at once (SO_REUSEADDR). */
	cfg = config(false, 0);
	(void)snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	cfg.listen = listen;
	s = start(&cfg);
	assert_int_equal(http_server_port(s), port);
	upload_fd = safe_close(upload_fd);
	upload_fd = tcp_connect(port);
	send_all(upload_fd, partial, strlen(partial));
	sleep_ms(100);
	t0 = mono_ms();
	s = http_server_free(s); /* with a request mid-body */
	assert_true(mono_ms() - t0 < 1000);
	curl_easy_cleanup(keep);
	assert_null(http_server_free(NULL));
}

static void test_plain_and_ipv6(void **state)
{
	struct http_server_config cfg = config(false, 0);
	_cleanup_(http_server_freep) struct http_server *s = start(&cfg);
	_cleanup_(http_server_freep) struct http_server *v6 = NULL, *any = NULL;
	struct reply r;
	int e;

	(void)state;
	assert_int_equal(http_server_reload_tls(s), -EINVAL);
	assert_int_equal(http_server_tls_generation(s), 0);
	request(&(struct req){ .method = "POST",
			       .path = "/echo",
			       .plain = true,
			       .port = http_server_port(s),
			       .content_type = "application/json",
			       .body = "{}",
			       .body_len = 2 },
		&r);
	assert_int_equal(r.rc, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.data, "{}");
	buf_free(&r.body);

	/* All addresses: IPv4 clients show as plain IPv4. */
	cfg.listen = ":0";
	any = start(&cfg);
	request(&(struct req){ .path = "/info", .plain = true, .port = http_server_port(any) }, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "remote=127.0.0.1:"));
	buf_free(&r.body);

	cfg.listen = "[::1]:0";
	e = http_server_start(&cfg, &v6);
	if (e == -EADDRNOTAVAIL || e == -EAFNOSUPPORT) {
		fprintf(stderr, "# no IPv6 loopback here, IPv6 part skipped\n");
		return;
	}
	assert_int_equal(e, 0);
	request(&(struct req){ .path = "/info",
			       .plain = true,
			       .host = "[::1]",
			       .port = http_server_port(v6) },
		&r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "remote=[::1]:"));
	buf_free(&r.body);
}

static void test_bad_input(void **state)
{
	struct http_server_config cfg = config(false, 2);
	_cleanup_(http_server_freep) struct http_server *s = start(&cfg);
	_cleanup_(http_server_freep) struct http_server *t = NULL;
	static const char *const garbage[] = {
		"\x00\x01\x02garbage\r\n\r\n",
		"GET /info HTTP/9.9\r\n\r\n",
		"POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
		"POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"POST /len HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"GET /info HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(garbage); i++) {
		_cleanup_close_ int fd = tcp_connect(http_server_port(s));
		struct buf got;
		size_t n = i == 0 ? 15 : strlen(garbage[i]);

		buf_init(&got, 65536);
		send_all(fd, garbage[i], n);
		(void)shutdown(fd, SHUT_WR);
		assert_true(wait_closed(fd, 4000, &got) >= 0);
		/* Whatever came back is not a success. */
		assert_true(!got.data || strncmp(got.data, "HTTP/1.1 200", 12) != 0);
		buf_free(&got);
	}
	assert_int_equal(status_of(&(struct req){ .path = "/info",
						  .plain = true,
						  .port = http_server_port(s) },
				   NULL),
			 200);

	/* Plain HTTP to the TLS port is dropped; TLS still works after. */
	cfg = config(true, 2);
	t = start(&cfg);
	assert_true(status_of(&(struct req){ .path = "/info",
					     .plain = true,
					     .port = http_server_port(t) },
			      NULL) != 200);
	assert_int_equal(status_of(&(struct req){ .path = "/info", .port = http_server_port(t) },
				   NULL),
			 200);
}

static void test_config_errors(void **state)
{
	static const char *const bad_listen[] = {
		"",	     "nonsense", "127.0.0.1",	"127.0.0.1:99999", "127.0.0.1:80x",
		"::1:80",    "[::1:80",	 "[::1]80",	"localhost:80",	   "1.2.3:80",
		"[zz::]:80", "1.2.3.4:", "10.0.0.1:-1",
	};
	struct http_server_config cfg = config(false, 0);
	struct http_server *s = NULL, *a;
	struct http_route bad_route = { "GET", "/x", NULL, 0, NULL, NULL };
	char p[PATH_MAX], listen[32];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad_listen); i++) {
		cfg.listen = bad_listen[i];
		assert_int_equal(http_server_start(&cfg, &s), -EINVAL);
		assert_null(s);
	}
	cfg.listen = NULL;
	assert_int_equal(http_server_start(&cfg, &s), -EINVAL);

	/* Routes: a missing handler, too many. */
	cfg = config(false, 0);
	cfg.routes = &bad_route;
	cfg.n_routes = 1;
	assert_int_equal(http_server_start(&cfg, &s), -EINVAL);
	cfg = config(false, 0);
	cfg.n_routes = HTTP_SERVER_ROUTES_MAX + 1;
	assert_int_equal(http_server_start(&cfg, &s), -EINVAL);

	/* Certificates: half configured, missing, mismatched, unparsable. */
	cfg = config(true, 0);
	cfg.tls_key_path = NULL;
	assert_int_equal(http_server_start(&cfg, &s), -EINVAL);
	cfg = config(true, 0);
	pathf(p, "%s/missing.crt", dir);
	cfg.tls_cert_path = p;
	assert_int_equal(http_server_start(&cfg, &s), -ENOENT);
	cfg = config(true, 0);
	pathf(p, "%s/live/..v3/tls.key", dir);
	cfg.tls_key_path = p;
	assert_int_equal(http_server_start(&cfg, &s), -EKEYREJECTED);
	cfg = config(true, 0);
	pathf(p, "%s/live/..v4/tls.crt", dir);
	cfg.tls_cert_path = p;
	assert_int_equal(http_server_start(&cfg, &s), -EBADMSG);
	cfg = config(true, 0);
	cfg.tls_priorities = "NORMAL:+NO-SUCH-THING";
	assert_int_equal(http_server_start(&cfg, &s), -EINVAL);
	cfg = config(true, 0);
	cfg.tls_cert_path = dir; /* a directory */
	assert_int_equal(http_server_start(&cfg, &s), -EBADMSG);
	assert_null(s);

	/* Port in use. */
	cfg = config(false, 0);
	a = start(&cfg);
	(void)snprintf(listen, sizeof(listen), "127.0.0.1:%u", http_server_port(a));
	cfg.listen = listen;
	assert_int_equal(http_server_start(&cfg, &s), -EADDRINUSE);
	assert_null(s);
	http_server_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routing),	     cmocka_unit_test(test_body_limits),
		cmocka_unit_test(test_tls_versions), cmocka_unit_test(test_tls_reload),
		cmocka_unit_test(test_slow_client),  cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_shutdown),     cmocka_unit_test(test_plain_and_ipv6),
		cmocka_unit_test(test_bad_input),    cmocka_unit_test(test_config_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

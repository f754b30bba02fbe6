// SPDX-License-Identifier: Apache-2.0
/* Kubernetes API client over libcurl: requests, paginated lists, informer-style watch. */
#include <assert.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <curl/curl.h>

#include "k8s-client.h"

#ifndef PAVISE_VERSION
#define PAVISE_VERSION "unknown"
#endif

#define URL_MAX		     (64U * 1024) /* path + query, continue tokens included */
#define ERROR_BODY_MAX	     (64U * 1024) /* what we keep of a failed watch's body */
#define RESOURCE_VERSION_MAX 256U
#define TOKEN_RECHECK_USEC   (60ULL * 1000 * 1000)
#define WATCH_GRACE_USEC     (30ULL * 1000 * 1000) /* beyond timeoutSeconds */
#define STOP_POLL_USEC	     (100ULL * 1000)
#define STOP_POLL_MS	     100
#define WATCH_SHORT_USEC     (1000ULL * 1000)

struct k8s_client {
	/*
	 * Each easy handle runs in a multi handle of its own, polled in short
	 * slices so that `stop` is seen quickly; the multi handle keeps the
	 * connection cache, so connections are reused across requests.
	 */
	CURL *curl; /* ordinary requests, LIST */
	CURLM *multi;
	CURL *watch_curl; /* the watch stream; created on first use */
	CURLM *watch_multi;
	char *server;
	bool https;
	char *namespace;
	char *ca_file;
	char *ca_data;
	size_t ca_data_len;
	bool insecure;
	char *cert_file;
	char *cert_data;
	size_t cert_data_len;
	char *key_file;
	char *key_data;
	size_t key_data_len;
	char *token; /* current bearer token (secret) */
	char *token_file;
	struct stat token_stat; /* of token_file when token was read */
	uint64_t token_read_usec;
	uint64_t connect_timeout_usec;
	uint64_t timeout_usec;
	size_t max_response;
	bool watching;
	char user_agent[64];
};

struct watch_stream;

/* State of one transfer, shared with the curl callbacks. */
struct xfer {
	CURL *h;
	CURLM *multi;
	struct buf body; /* response body (watch: only a non-200 body) */
	int abort_error; /* why a callback stopped the transfer */
	const atomic_bool *stop;
	struct watch_stream *ws; /* non-NULL: watch mode */
	long code;
	char errbuf[CURL_ERROR_SIZE];
};

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static bool stopped(const atomic_bool *stop)
{
	return stop && atomic_load(stop);
}

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Fit for an HTTP header value: visible ASCII and inner spaces only. */
static bool header_value_ok(const char *s, bool allow_space)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f ||
		    (*s == ' ' && !allow_space))
			return false;
	return true;
}

static void free_secret(char *p, size_t len)
{
	if (!p)
		return;
	explicit_bzero(p, len);
	free(p);
}

/* ---- Errors ---- */

/* The one place CURLcode becomes errno. */
static int curl_to_errno(CURLcode cc)
{
	switch ((int)cc) {
	case CURLE_OK:
		return 0;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return -EKEYREJECTED;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CLIENTCERT:
		return -EPROTO;
	case CURLE_FILESIZE_EXCEEDED:
		return -EFBIG;
	case CURLE_ABORTED_BY_CALLBACK:
		return -ECANCELED;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return -ECONNRESET;
	case CURLE_UNKNOWN_OPTION:
	case CURLE_NOT_BUILT_IN:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return -EOPNOTSUPP;
	case CURLE_URL_MALFORMAT:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static int curlm_to_errno(CURLMcode mc)
{
	switch ((int)mc) {
	case CURLM_OK:
		return 0;
	case CURLM_OUT_OF_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static const char *errno_reason(int r)
{
	switch (r) {
	case -ETIMEDOUT:
		return "Timeout";
	case -ECONNREFUSED:
		return "ConnectionRefused";
	case -EHOSTUNREACH:
		return "ResolveFailed";
	case -EKEYREJECTED:
		return "TLSVerifyFailed";
	case -EPROTO:
		return "TLSError";
	case -ECONNRESET:
		return "ConnectionReset";
	case -EFBIG:
		return "ResponseTooLarge";
	case -ECANCELED:
		return "Canceled";
	case -ENOMEM:
		return "OutOfMemory";
	default:
		return "TransportError";
	}
}

static int http_to_errno(long code, const char *reason)
{
	switch (code) {
	case 400:
	case 422:
		return -EINVAL;
	case 401:
		return -EACCES;
	case 403:
		return -EPERM;
	case 404:
		return -ENOENT;
	case 405:
	case 406:
	case 415:
		return -EOPNOTSUPP;
	case 409:
		return streq(reason, "AlreadyExists") ? -EEXIST : -ESTALE;
	case 410:
		return -EBADSLT;
	case 413:
		return -EFBIG;
	case 429:
		return -EAGAIN;
	default:
		return code >= 500 && code <= 599 ? -EAGAIN : -EPROTO;
	}
}

static const char *http_reason(long code)
{
	switch (code) {
	case 400:
		return "BadRequest";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "NotFound";
	case 405:
		return "MethodNotAllowed";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 413:
		return "RequestEntityTooLarge";
	case 415:
		return "UnsupportedMediaType";
	case 422:
		return "Invalid";
	case 429:
		return "TooManyRequests";
	case 500:
		return "InternalError";
	case 503:
		return "ServiceUnavailable";
	case 504:
		return "Timeout";
	default:
		return "Unknown";
	}
}

/* Fills *reterr from a Kubernetes Status object (or the raw status) and maps it to errno. */
static int status_error(long code, const json_t *status, const char *raw, size_t raw_len,
			struct k8s_error *reterr)
{
	const char *reason = NULL, *message = NULL;
	int r;

	if (json_is_object(status) &&
	    streq(json_string_value(json_object_get(status, "kind")), "Status")) {
		reason = json_string_value(json_object_get(status, "reason"));
		message = json_string_value(json_object_get(status, "message"));
		if (code == 0)
			code = (long)json_integer_value(json_object_get(status, "code"));
	}
	if (reason && !*reason)
		reason = NULL;
	r = http_to_errno(code, reason);
	if (message)
		return k8s_config_error_set(reterr, r, (int)code,
					    reason ? reason : http_reason(code), "%s", message);
	if (raw_len > 0)
		return k8s_config_error_set(reterr, r, (int)code,
					    reason ? reason : http_reason(code), "HTTP %ld: %.*s",
					    code, (int)MIN(raw_len, 200U), raw);
	return k8s_config_error_set(reterr, r, (int)code, reason ? reason : http_reason(code),
				    "HTTP %ld", code);
}

static int response_error(long code, const struct buf *body, struct k8s_error *reterr)
{
	json_auto_t *st = NULL;

	if (body->len > 0)
		st = json_loadb(body->data, body->len, 0, NULL);
	return status_error(code, st, body->data, body->len, reterr);
}

/* ---- Client ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init_once(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int strdup_opt(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static int memdup_opt(const char *s, size_t len, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = malloc(len + 1);
	if (!*ret)
		return -ENOMEM;
	memcpy(*ret, s, len);
	(*ret)[len] = '\0';
	return 0;
}

struct k8s_client *k8s_client_free(struct k8s_client *c)
{
	if (!c)
		return NULL;
	curl_easy_cleanup(c->curl);
	curl_multi_cleanup(c->multi);
	curl_easy_cleanup(c->watch_curl);
	curl_multi_cleanup(c->watch_multi);
	free(c->server);
	free(c->namespace);
	free(c->ca_file);
	free(c->ca_data);
	free(c->cert_file);
	free(c->cert_data);
	free(c->key_file);
	free_secret(c->key_data, c->key_data_len);
	free_secret(c->token, c->token ? strlen(c->token) : 0);
	free(c->token_file);
	free(c);
	return NULL;
}

static bool token_stat_same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Re-reads the token file when it changed (projected tokens rotate) or a minute passed. */
static int token_reload(struct k8s_client *c, bool force)
{
	struct stat st;
	uint64_t now = now_usec();
	char *tok;
	int r;

	if (stat(c->token_file, &st) < 0)
		return -errno;
	if (!force && c->token && token_stat_same(&st, &c->token_stat) &&
	    now - c->token_read_usec < TOKEN_RECHECK_USEC)
		return 0;
	r = k8s_config_read_token(c->token_file, &tok);
	if (r < 0)
		return r;
	free_secret(c->token, c->token ? strlen(c->token) : 0);
	c->token = tok;
	c->token_stat = st;
	c->token_read_usec = now;
	return 0;
}

static int client_refresh_token(struct k8s_client *c, struct k8s_error *reterr)
{
	int r;

	if (!c->token_file)
		return 0;
	r = token_reload(c, false);
	if (r < 0 && !c->token) /* else keep using the last good token */
		return k8s_config_error_set(reterr, r, 0, "TokenUnreadable",
					    "cannot read token file '%s': %m", c->token_file);
	return 0;
}

int k8s_client_new(const struct k8s_config *cfg, struct k8s_client **ret_client)
{
	_cleanup_(k8s_client_freep) struct k8s_client *c = NULL;
	int r;

	assert(cfg);
	assert(ret_client);
	if (!cfg->server)
		return -EINVAL;
	(void)pthread_once(&curl_once, curl_init_once);
	if (curl_init_result != CURLE_OK)
		return curl_to_errno(curl_init_result);

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (strdup_opt(cfg->server, &c->server) < 0 ||
	    strdup_opt(cfg->namespace ? cfg->namespace : "default", &c->namespace) < 0 ||
	    strdup_opt(cfg->ca_file, &c->ca_file) < 0 ||
	    memdup_opt(cfg->ca_data, cfg->ca_data_len, &c->ca_data) < 0 ||
	    strdup_opt(cfg->client_cert_file, &c->cert_file) < 0 ||
	    memdup_opt(cfg->client_cert_data, cfg->client_cert_data_len, &c->cert_data) < 0 ||
	    strdup_opt(cfg->client_key_file, &c->key_file) < 0 ||
	    memdup_opt(cfg->client_key_data, cfg->client_key_data_len, &c->key_data) < 0 ||
	    strdup_opt(cfg->token_file, &c->token_file) < 0)
		return -ENOMEM;
	c->ca_data_len = cfg->ca_data_len;
	c->cert_data_len = cfg->client_cert_data_len;
	c->key_data_len = cfg->client_key_data_len;
	c->https = strncmp(c->server, "https://", 8) == 0;
	c->insecure = cfg->insecure_skip_tls_verify;
	c->connect_timeout_usec = cfg->connect_timeout_usec ?: K8S_CONNECT_TIMEOUT_DEFAULT;
	c->timeout_usec = cfg->timeout_usec ?: K8S_TIMEOUT_DEFAULT;
	c->max_response = cfg->max_response ?: K8S_RESPONSE_MAX_DEFAULT;
	(void)snprintf(c->user_agent, sizeof(c->user_agent), "pavise/%s", PAVISE_VERSION);

	if (c->token_file) {
		r = token_reload(c, true);
		if (r < 0)
			return r;
	} else if (cfg->token) {
		if (!header_value_ok(cfg->token, false))
			return -EINVAL;
		r = strdup_opt(cfg->token, &c->token);
		if (r < 0)
			return r;
	}
	c->curl = curl_easy_init();
	c->multi = curl_multi_init();
	if (!c->curl || !c->multi)
		return -ENOMEM;
	*ret_client = TAKE_PTR(c);
	return 0;
}

const char *k8s_client_namespace(const struct k8s_client *c)
{
	return c->namespace;
}

/* ---- Transfers ---- */

static void xfer_init(struct xfer *x, CURL *h, CURLM *multi, size_t max, const atomic_bool *stop)
{
	*x = (struct xfer){ .h = h, .multi = multi, .stop = stop };
	buf_init(&x->body, max);
}

static void xfer_done(struct xfer *x)
{
	buf_free(&x->body);
}

static int watch_feed(struct watch_stream *ws, const char *p, size_t n);

static size_t xfer_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct xfer *x = userdata;
	size_t n = size * nmemb;
	int r;

	if (x->ws && x->code == 0) {
		(void)curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->code);
		if (x->code == 0)
			x->code = -1;
	}
	if (x->ws && x->code == 200) {
		r = watch_feed(x->ws, ptr, n);
		if (r < 0) {
			x->abort_error = r;
			return 0;
		}
		return n;
	}
	if (x->ws) {
		/* A failed watch: keep the start of the Status body, drop the rest. */
		r = buf_append(&x->body, ptr, MIN(n, x->body.max - x->body.len));
		if (r == -ENOMEM) {
			x->abort_error = r;
			return 0;
		}
		return n;
	}
	r = buf_append(&x->body, ptr, n);
	if (r < 0) {
		x->abort_error = r;
		return 0;
	}
	return n;
}

static void slist_free_secretp(struct curl_slist **l)
{
	for (struct curl_slist *p = *l; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(*l);
}

static int slist_add(struct curl_slist **l, const char *s)
{
	struct curl_slist *n = curl_slist_append(*l, s);

	if (!n)
		return -ENOMEM;
	*l = n;
	return 0;
}

#define SETOPT(h, opt, val)                                          \
	do {                                                         \
		CURLcode _cc_ = curl_easy_setopt((h), (opt), (val)); \
		if (_cc_ != CURLE_OK)                                \
			return curl_to_errno(_cc_);                  \
	} while (0)

static int xfer_setup_tls(struct k8s_client *c, CURL *h)
{
	struct curl_blob ca = { .data = c->ca_data, .len = c->ca_data_len },
			 cert = { .data = c->cert_data, .len = c->cert_data_len },
			 key = { .data = c->key_data, .len = c->key_data_len };

	/* The blobs stay owned by the client, which outlives every transfer. */
	ca.flags = cert.flags = key.flags = CURL_BLOB_NOCOPY;
	SETOPT(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (c->insecure) {
		SETOPT(h, CURLOPT_SSL_VERIFYPEER, 0L);
		SETOPT(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (c->ca_data) {
		/* Only the cluster CA, not the system store as well. */
		SETOPT(h, CURLOPT_CAINFO_BLOB, &ca);
		SETOPT(h, CURLOPT_CAPATH, NULL);
	} else if (c->ca_file) {
		SETOPT(h, CURLOPT_CAINFO, c->ca_file);
		SETOPT(h, CURLOPT_CAPATH, NULL);
	}
	if (c->cert_data) {
		SETOPT(h, CURLOPT_SSLCERTTYPE, "PEM");
		SETOPT(h, CURLOPT_SSLCERT_BLOB, &cert);
	} else if (c->cert_file) {
		SETOPT(h, CURLOPT_SSLCERT, c->cert_file);
	}
	if (c->key_data) {
		SETOPT(h, CURLOPT_SSLKEYTYPE, "PEM");
		SETOPT(h, CURLOPT_SSLKEY_BLOB, &key);
	} else if (c->key_file) {
		SETOPT(h, CURLOPT_SSLKEY, c->key_file);
	}
	return 0;
}

static int xfer_setup(struct k8s_client *c, struct xfer *x, const char *url, const char *method,
		      const char *body, size_t body_len, uint64_t timeout_usec,
		      struct curl_slist *headers)
{
	CURL *h = x->h;

	curl_easy_reset(h); /* keeps live connections, DNS and TLS session caches */
	SETOPT(h, CURLOPT_URL, url);
	SETOPT(h, CURLOPT_PROTOCOLS_STR, c->https ? "https" : "http");
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
	SETOPT(h, CURLOPT_USERAGENT, c->user_agent);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, (long)MAX(c->connect_timeout_usec / 1000, 1ULL));
	SETOPT(h, CURLOPT_TIMEOUT_MS, (long)(timeout_usec / 1000));
	SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(h, CURLOPT_ERRORBUFFER, x->errbuf);
	SETOPT(h, CURLOPT_WRITEFUNCTION, xfer_write);
	SETOPT(h, CURLOPT_WRITEDATA, x);
	SETOPT(h, CURLOPT_HTTPHEADER, headers);
	if (!x->ws)
		SETOPT(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->body.max);
	if (c->https) {
		int r = xfer_setup_tls(c, h);

		if (r < 0)
			return r;
	}
	if (!body && streq(method, "POST"))
		body = "";
	if (body) {
		/* A body makes it a POST; CUSTOMREQUEST below renames PUT/PATCH/DELETE. */
		SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		SETOPT(h, CURLOPT_POSTFIELDS, body);
	}
	if (!streq(method, "GET") && !streq(method, "POST"))
		SETOPT(h, CURLOPT_CUSTOMREQUEST, method);
	return 0;
}

/*
 * Drives the transfer in slices of at most STOP_POLL_MS, so that *stop is
 * noticed promptly even while the server sends nothing. *ret_cc is the
 * transfer's result; when stopped, x->abort_error is -ECANCELED.
 */
static int xfer_run(struct xfer *x, CURLcode *ret_cc)
{
	CURLcode cc = CURLE_FAILED_INIT; /* no result reported */
	CURLMcode mc;
	CURLMsg *msg;
	int running = 1, left, r;

	mc = curl_multi_add_handle(x->multi, x->h);
	if (mc != CURLM_OK)
		return curlm_to_errno(mc);
	for (;;) {
		mc = curl_multi_perform(x->multi, &running);
		if (mc != CURLM_OK || running == 0)
			break;
		if (stopped(x->stop)) {
			x->abort_error = -ECANCELED;
			break;
		}
		mc = curl_multi_poll(x->multi, NULL, 0, STOP_POLL_MS, NULL);
		if (mc != CURLM_OK)
			break;
	}
	for (;;) {
		msg = curl_multi_info_read(x->multi, &left);
		if (!msg)
			break;
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == x->h)
			cc = msg->data.result;
	}
	r = curlm_to_errno(mc);
	(void)curl_multi_remove_handle(x->multi, x->h);
	if (r < 0)
		return r;
	*ret_cc = cc;
	return 0;
}

/*
 * Runs one HTTP exchange. Returns 0 when a response arrived (x->code, x->body),
 * or a transport error with *reterr filled.
 */
static int client_perform(struct k8s_client *c, struct xfer *x, const char *method,
			  const char *path, const char *body, size_t body_len,
			  const char *content_type, uint64_t timeout_usec, struct k8s_error *reterr)
{
	_cleanup_(slist_free_secretp) struct curl_slist *headers = NULL;
	_cleanup_free_ char *url = NULL;
	CURLcode cc;
	int r;

	r = client_refresh_token(c, reterr);
	if (r < 0)
		return r;
	url = malloc(strlen(c->server) + strlen(path) + 1);
	if (!url)
		return -ENOMEM;
	memcpy(url, c->server, strlen(c->server));
	memcpy(url + strlen(c->server), path, strlen(path) + 1);

	if (slist_add(&headers, "Accept: application/json") < 0 ||
	    slist_add(&headers, "Expect:") < 0)
		return -ENOMEM;
	if (body) {
		char ct[128];

		(void)snprintf(ct, sizeof(ct), "Content-Type: %s",
			       content_type ? content_type : "application/json");
		if (slist_add(&headers, ct) < 0)
			return -ENOMEM;
	}
	if (c->token) {
		size_t n = strlen(c->token) + sizeof("Authorization: Bearer ");
		char *auth = malloc(n);

		if (!auth)
			return -ENOMEM;
		(void)snprintf(auth, n, "Authorization: Bearer %s", c->token);
		r = slist_add(&headers, auth);
		free_secret(auth, n);
		if (r < 0)
			return r;
	}
	r = xfer_setup(c, x, url, method, body, body_len, timeout_usec, headers);
	if (r < 0)
		return k8s_config_error_set(reterr, r, 0, "ClientSetup",
					    "cannot set up the request: %m");

	r = xfer_run(x, &cc);
	if (r < 0)
		return k8s_config_error_set(reterr, r, 0, "ClientError",
					    "cannot run the request: %m");
	(void)curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->code);
	if (cc == CURLE_OK)
		return 0;
	r = x->abort_error ? x->abort_error : curl_to_errno(cc);
	if (r == -EFBIG)
		return k8s_config_error_set(reterr, r, 0, errno_reason(r),
					    "response larger than %zu bytes", x->body.max);
	if (r == -ECANCELED)
		return k8s_config_error_set(reterr, r, 0, errno_reason(r), "stopped");
	return k8s_config_error_set(reterr, r, 0, errno_reason(r), "%s %s: %s", method, path,
				    x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc));
}

/* 2xx: parse the body into *ret (NULL when empty); else the Status error. */
static int response_parse(const struct xfer *x, json_t **ret, struct k8s_error *reterr)
{
	json_error_t je;
	json_t *j;

	if (x->code < 200 || x->code > 299)
		return response_error(x->code, &x->body, reterr);
	if (!ret)
		return 0;
	if (x->body.len == 0) {
		*ret = NULL;
		return 0;
	}
	j = json_loadb(x->body.data, x->body.len, 0, &je);
	if (!j)
		return k8s_config_error_set(reterr, -EBADMSG, (int)x->code, "InvalidResponse",
					    "response is not JSON: %s (line %d)", je.text, je.line);
	*ret = j;
	return 0;
}

int k8s_client_request(struct k8s_client *c, const struct k8s_request *req, json_t **ret_response,
		       struct k8s_error *reterr)
{
	_cleanup_free_ char *body = NULL;
	struct xfer x;
	int r;

	assert(c);
	assert(req);
	if (!req->method || !req->path || req->path[0] != '/')
		return k8s_config_error_set(reterr, -EINVAL, 0, "InvalidRequest",
					    "request needs a method and an absolute path");
	if (!header_value_ok(req->method, false) ||
	    (req->content_type && !header_value_ok(req->content_type, true)))
		return k8s_config_error_set(reterr, -EINVAL, 0, "InvalidRequest",
					    "method or content type holds invalid characters");
	if (req->body) {
		body = json_dumps(req->body, JSON_COMPACT);
		if (!body)
			return k8s_config_error_set(reterr, -EINVAL, 0, "InvalidRequest",
						    "request body cannot be encoded as JSON");
	}
	xfer_init(&x, c->curl, c->multi, req->max_response ?: c->max_response, NULL);
	r = client_perform(c, &x, req->method, req->path, body, body ? strlen(body) : 0,
			   req->content_type, req->timeout_usec ?: c->timeout_usec, reterr);
	if (r >= 0)
		r = response_parse(&x, ret_response, reterr);
	xfer_done(&x);
	return r;
}

int k8s_client_get(struct k8s_client *c, const char *path, json_t **ret_object,
		   struct k8s_error *reterr)
{
	struct k8s_request req = { .method = "GET", .path = path };

	return k8s_client_request(c, &req, ret_object, reterr);
}

int k8s_client_create(struct k8s_client *c, const char *path, const json_t *object,
		      json_t **ret_object, struct k8s_error *reterr)
{
	struct k8s_request req = { .method = "POST", .path = path, .body = object };

	if (!object)
		return k8s_config_error_set(reterr, -EINVAL, 0, "InvalidRequest",
					    "no object to create");
	return k8s_client_request(c, &req, ret_object, reterr);
}

int k8s_client_replace(struct k8s_client *c, const char *path, const json_t *object,
		       json_t **ret_object, struct k8s_error *reterr)
{
	struct k8s_request req = { .method = "PUT", .path = path, .body = object };

	if (!object)
		return k8s_config_error_set(reterr, -EINVAL, 0, "InvalidRequest",
					    "no object to replace");
	return k8s_client_request(c, &req, ret_object, reterr);
}

int k8s_client_patch(struct k8s_client *c, const char *path, enum k8s_patch_type type,
		     const json_t *patch, json_t **ret_object, struct k8s_error *reterr)
{
	struct k8s_request req = { .method = "PATCH", .path = path, .body = patch };

	switch (type) {
	case K8S_PATCH_MERGE:
		req.content_type = "application/merge-patch+json";
		break;
	case K8S_PATCH_JSON:
		req.content_type = "application/json-patch+json";
		break;
	case K8S_PATCH_STRATEGIC:
		req.content_type = "application/strategic-merge-patch+json";
		break;
	default:
		return k8s_config_error_set(reterr, -EINVAL, 0, "InvalidRequest",
					    "unknown patch type");
	}
	if (!patch)
		return k8s_config_error_set(reterr, -EINVAL, 0, "InvalidRequest", "no patch");
	return k8s_client_request(c, &req, ret_object, reterr);
}

int k8s_client_delete(struct k8s_client *c, const char *path, const json_t *options,
		      json_t **ret_response, struct k8s_error *reterr)
{
	struct k8s_request req = { .method = "DELETE", .path = path, .body = options };

	return k8s_client_request(c, &req, ret_response, reterr);
}

/* ---- Paths ---- */

static bool is_unreserved(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

static int percent_encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char enc[3] = { '%', hex[ch >> 4], hex[ch & 15] };
		int r = is_unreserved(ch) ? buf_append(b, s, 1) : buf_append(b, enc, 3);

		if (r < 0)
			return r;
	}
	return 0;
}

static int segment_append(struct buf *b, const char *seg)
{
	size_t len = strlen(seg);
	int r;

	if (len == 0 || len > K8S_NAME_MAX || strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0)
		return -EINVAL;
	r = buf_append(b, "/", 1);
	if (r < 0)
		return r;
	return percent_encode(b, seg);
}

int k8s_client_path_append(struct buf *b, const struct k8s_resource *res, const char *ns,
			   const char *name, const char *subresource)
{
	int r;

	assert(b);
	if (!res || !res->version || !res->plural)
		return -EINVAL;
	if (res->group && *res->group) {
		r = buf_append_str(b, "/apis");
		if (r >= 0)
			r = segment_append(b, res->group);
	} else {
		r = buf_append_str(b, "/api");
	}
	if (r >= 0)
		r = segment_append(b, res->version);
	if (r >= 0 && ns) {
		r = buf_append_str(b, "/namespaces");
		if (r >= 0)
			r = segment_append(b, ns);
	}
	if (r >= 0)
		r = segment_append(b, res->plural);
	if (r >= 0 && name)
		r = segment_append(b, name);
	if (r >= 0 && subresource) {
		if (!name)
			return -EINVAL;
		r = segment_append(b, subresource);
	}
	return r < 0 ? r : 0;
}

int k8s_client_path(const struct k8s_resource *res, const char *ns, const char *name,
		    const char *subresource, char **ret_path)
{
	struct buf b;
	int r;

	assert(ret_path);
	buf_init(&b, URL_MAX);
	r = k8s_client_path_append(&b, res, ns, name, subresource);
	if (r < 0) {
		buf_free(&b);
		return r;
	}
	*ret_path = buf_take(&b, NULL);
	return *ret_path ? 0 : -ENOMEM;
}

int k8s_client_query_append(struct buf *b, const char *key, const char *value)
{
	int r;

	assert(b);
	if (!key || !*key || !value)
		return -EINVAL;
	r = buf_append(b, b->data && strchr(b->data, '?') ? "&" : "?", 1);
	if (r >= 0)
		r = percent_encode(b, key);
	if (r >= 0)
		r = buf_append(b, "=", 1);
	if (r >= 0)
		r = percent_encode(b, value);
	return r < 0 ? r : 0;
}

/* ---- LIST ---- */

/* Items of a list lack kind/apiVersion; give them the list's. */
static int list_fill_kinds(json_t *items, const json_t *page)
{
	const char *kind = json_string_value(json_object_get(page, "kind"));
	const char *api = json_string_value(json_object_get(page, "apiVersion"));
	size_t klen = kind ? strlen(kind) : 0, i;
	json_t *item;

	json_array_foreach(items, i, item) {
		if (!json_is_object(item))
			return -EBADMSG;
		if (api && !json_object_get(item, "apiVersion") &&
		    json_object_set_new(item, "apiVersion", json_string(api)) < 0)
			return -ENOMEM;
		if (klen > 4 && strcmp(kind + klen - 4, "List") == 0 &&
		    !json_object_get(item, "kind") &&
		    json_object_set_new(item, "kind", json_stringn(kind, klen - 4)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int list_page_url(struct buf *url, const char *path, const struct k8s_list_opts *o,
			 const char *cont)
{
	char limit[16];
	int r;

	(void)snprintf(limit, sizeof(limit), "%u", o->limit ?: K8S_LIST_PAGE_DEFAULT);
	r = buf_append_str(url, path);
	if (r >= 0)
		r = k8s_client_query_append(url, "limit", limit);
	if (r >= 0 && o->label_selector)
		r = k8s_client_query_append(url, "labelSelector", o->label_selector);
	if (r >= 0 && o->field_selector)
		r = k8s_client_query_append(url, "fieldSelector", o->field_selector);
	if (r >= 0 && cont)
		r = k8s_client_query_append(url, "continue", cont);
	return r;
}

static int client_list_internal(struct k8s_client *c, const char *path,
				const struct k8s_list_opts *o, const atomic_bool *stop,
				json_t **ret_items, char **ret_rv, struct k8s_error *reterr)
{
	json_auto_t *items = json_array();
	_cleanup_free_ char *cont = NULL, *rv = NULL;
	size_t total = 0, max_total = o->max_total ?: K8S_LIST_TOTAL_MAX_DEFAULT;

	if (!items)
		return -ENOMEM;
	if (!path || path[0] != '/' || strchr(path, '?'))
		return k8s_config_error_set(
			reterr, -EINVAL, 0, "InvalidRequest",
			"LIST needs an absolute collection path without a query");
	for (;;) {
		json_auto_t *page = NULL;
		json_t *page_items, *meta;
		const char *s;
		struct xfer x;
		struct buf url;
		int r;

		buf_init(&url, URL_MAX);
		r = list_page_url(&url, path, o, cont);
		if (r < 0) {
			buf_free(&url);
			return k8s_config_error_set(reterr, r, 0, "InvalidRequest",
						    "cannot build the LIST URL: %m");
		}
		xfer_init(&x, c->curl, c->multi, o->max_page ?: c->max_response, stop);
		r = client_perform(c, &x, "GET", url.data, NULL, 0, NULL, c->timeout_usec, reterr);
		if (r >= 0)
			r = response_parse(&x, &page, reterr);
		total += x.body.len;
		xfer_done(&x);
		buf_free(&url);
		if (r < 0)
			return r;
		if (total > max_total)
			return k8s_config_error_set(reterr, -EFBIG, 0, "ResponseTooLarge",
						    "LIST of '%s' larger than %zu bytes", path,
						    max_total);
		if (!json_is_object(page))
			return k8s_config_error_set(reterr, -EBADMSG, 0, "InvalidResponse",
						    "LIST response is not an object");
		page_items = json_object_get(page, "items");
		if (page_items && !json_is_null(page_items) && !json_is_array(page_items))
			return k8s_config_error_set(reterr, -EBADMSG, 0, "InvalidResponse",
						    "LIST response 'items' is not an array");
		r = list_fill_kinds(page_items, page);
		if (r == -EBADMSG)
			return k8s_config_error_set(reterr, r, 0, "InvalidResponse",
						    "LIST response item is not an object");
		if (r < 0 || (page_items && json_array_extend(items, page_items) < 0))
			return -ENOMEM;
		meta = json_object_get(page, "metadata");
		s = json_string_value(json_object_get(meta, "resourceVersion"));
		if (s) {
			if (strlen(s) > RESOURCE_VERSION_MAX)
				return k8s_config_error_set(reterr, -EBADMSG, 0, "InvalidResponse",
							    "LIST resourceVersion too long");
			free(rv);
			rv = strdup(s);
			if (!rv)
				return -ENOMEM;
		}
		s = json_string_value(json_object_get(meta, "continue"));
		free(cont);
		cont = NULL;
		if (!s || !*s)
			break;
		cont = strdup(s);
		if (!cont)
			return -ENOMEM;
	}
	*ret_items = TAKE_PTR(items);
	if (ret_rv)
		*ret_rv = TAKE_PTR(rv);
	return 0;
}

int k8s_client_list(struct k8s_client *c, const char *path, const struct k8s_list_opts *opts,
		    json_t **ret_items, char **ret_resource_version, struct k8s_error *reterr)
{
	static const struct k8s_list_opts none = {};

	assert(c);
	assert(ret_items);
	return client_list_internal(c, path, opts ? opts : &none, NULL, ret_items,
				    ret_resource_version, reterr);
}

/* ---- WATCH ---- */

int k8s_client_watch_event_parse(const char *line, size_t len, enum k8s_watch_event *ret_type,
				 json_t **ret_object)
{
	static const struct {
		const char *name;
		enum k8s_watch_event type;
	} types[] = {
		{ "ADDED", K8S_WATCH_ADDED },	  { "MODIFIED", K8S_WATCH_MODIFIED },
		{ "DELETED", K8S_WATCH_DELETED }, { "BOOKMARK", K8S_WATCH_BOOKMARK },
		{ "ERROR", K8S_WATCH_ERROR },
	};
	json_auto_t *ev = NULL;
	const char *type;
	json_t *obj;

	assert(ret_type);
	assert(ret_object);
	if (!line)
		return -EBADMSG;
	ev = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(ev))
		return -EBADMSG;
	type = json_string_value(json_object_get(ev, "type"));
	obj = json_object_get(ev, "object");
	if (!type || !json_is_object(obj))
		return -EBADMSG;
	for (size_t i = 0; i < ELEMENTSOF(types); i++)
		if (strcmp(type, types[i].name) == 0) {
			*ret_type = types[i].type;
			*ret_object = json_incref(obj);
			return 0;
		}
	return -EPROTONOSUPPORT;
}

struct watch_stream {
	const struct k8s_watch_handlers *h;
	void *userdata;
	struct buf line;
	char **rv; /* the loop's resourceVersion, advanced per event */
	size_t events; /* events and bookmarks handled */
	int handler_error; /* a handler's negative return */
	int result; /* why the stream itself asked for a relist */
	struct k8s_error err; /* what went wrong, for on_error */
};

static int rv_set(char **rv, const json_t *obj)
{
	const char *s = json_string_value(
		json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
	char *n;

	if (!s || !*s)
		return 0;
	if (strlen(s) > RESOURCE_VERSION_MAX)
		return -EBADMSG;
	n = strdup(s);
	if (!n)
		return -ENOMEM;
	free(*rv);
	*rv = n;
	return 0;
}

static int watch_line(struct watch_stream *ws, const char *line, size_t len)
{
	enum k8s_watch_event type;
	json_auto_t *obj = NULL;
	bool blank = true;
	int r;

	for (size_t i = 0; i < len && blank; i++)
		blank = line[i] == ' ' || line[i] == '\t' || line[i] == '\r';
	if (blank)
		return 0;
	r = k8s_client_watch_event_parse(line, len, &type, &obj);
	if (r == -EPROTONOSUPPORT)
		return 0; /* a newer server's event type: not ours to interpret */
	if (r < 0) {
		ws->result = k8s_config_error_set(&ws->err, -EBADMSG, 0, "InvalidWatchEvent",
						  "malformed watch event (%zu bytes)", len);
		return ws->result;
	}
	switch (type) {
	case K8S_WATCH_ADDED:
	case K8S_WATCH_MODIFIED:
	case K8S_WATCH_DELETED:
		r = ws->h->on_event(type, obj, ws->userdata);
		if (r < 0) {
			ws->handler_error = r;
			return r;
		}
		break;
	case K8S_WATCH_BOOKMARK:
		break;
	case K8S_WATCH_ERROR:
		r = status_error(0, obj, NULL, 0, &ws->err);
		ws->result = ws->err.code == 410 ? -EBADSLT : r;
		return ws->result;
	}
	r = rv_set(ws->rv, obj);
	if (r == -EBADMSG)
		ws->result = k8s_config_error_set(&ws->err, r, 0, "InvalidWatchEvent",
						  "watch event resourceVersion too long");
	if (r < 0)
		return r;
	ws->events++;
	return 0;
}

/* Splits the stream into lines as it arrives; each line is one event. */
static int watch_feed(struct watch_stream *ws, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		int r = buf_append(&ws->line, p, take);

		if (r == -EFBIG) {
			ws->result = k8s_config_error_set(&ws->err, -EMSGSIZE, 0,
							  "WatchEventTooLarge",
							  "watch event larger than %zu bytes",
							  ws->line.max);
			return ws->result;
		}
		if (r < 0)
			return r;
		if (nl) {
			r = watch_line(ws, ws->line.data, ws->line.len);
			buf_reset(&ws->line);
			if (r < 0)
				return r;
			take++;
		}
		p += take;
		n -= take;
	}
	return 0;
}

enum watch_next {
	WATCH_NEXT_WATCH, /* reconnect from the resourceVersion */
	WATCH_NEXT_RELIST, /* list again */
};

struct watch_outcome {
	enum watch_next next;
	bool backoff;
	bool delivered; /* the stream handled events: reset the backoff */
	int error; /* for on_error; 0 for a clean end */
	struct k8s_error err;
};

static int watch_url(struct buf *url, const struct k8s_watch_spec *spec, const char *rv)
{
	char timeout[16];
	int r;

	(void)snprintf(timeout, sizeof(timeout), "%u",
		       spec->timeout_seconds ?: K8S_WATCH_TIMEOUT_DEFAULT);
	r = buf_append_str(url, spec->path);
	if (r >= 0)
		r = k8s_client_query_append(url, "watch", "true");
	if (r >= 0)
		r = k8s_client_query_append(url, "allowWatchBookmarks", "true");
	if (r >= 0 && rv)
		r = k8s_client_query_append(url, "resourceVersion", rv);
	if (r >= 0)
		r = k8s_client_query_append(url, "timeoutSeconds", timeout);
	if (r >= 0 && spec->label_selector)
		r = k8s_client_query_append(url, "labelSelector", spec->label_selector);
	if (r >= 0 && spec->field_selector)
		r = k8s_client_query_append(url, "fieldSelector", spec->field_selector);
	return r;
}

/* One WATCH request. <0: end the loop with it; 1: stop requested; 0: see *o. */
static int watch_once(struct k8s_client *c, const struct k8s_watch_spec *spec,
		      const struct k8s_watch_handlers *h, void *userdata, const atomic_bool *stop,
		      char **rv, struct watch_outcome *o)
{
	struct watch_stream ws = { .h = h, .userdata = userdata, .rv = rv };
	uint64_t start = now_usec(),
		 timeout = (spec->timeout_seconds ?: K8S_WATCH_TIMEOUT_DEFAULT) * 1000000ULL;
	struct xfer x;
	struct buf url;
	int r;

	*o = (struct watch_outcome){};
	buf_init(&url, URL_MAX);
	r = watch_url(&url, spec, *rv);
	if (r < 0) {
		buf_free(&url);
		return r == -ENOMEM ? r : -EINVAL;
	}
	if (!c->watch_curl)
		c->watch_curl = curl_easy_init();
	if (!c->watch_multi)
		c->watch_multi = curl_multi_init();
	if (!c->watch_curl || !c->watch_multi) {
		buf_free(&url);
		return -ENOMEM;
	}
	buf_init(&ws.line, spec->max_line ?: K8S_WATCH_LINE_MAX_DEFAULT);
	xfer_init(&x, c->watch_curl, c->watch_multi, ERROR_BODY_MAX, stop);
	x.ws = &ws;
	r = client_perform(c, &x, "GET", url.data, NULL, 0, NULL, timeout + WATCH_GRACE_USEC,
			   &o->err);
	buf_free(&url);
	buf_free(&ws.line);
	o->delivered = ws.events > 0;

	if (ws.handler_error < 0)
		r = ws.handler_error;
	else if (stopped(stop))
		r = 1;
	else if (ws.result < 0) {
		/* The stream's content is unusable: an event may be lost, list again. */
		o->next = WATCH_NEXT_RELIST;
		o->backoff = true;
		o->error = ws.result;
		o->err = ws.err;
		r = 0;
	} else if (r == -ENOMEM) {
		/* keep r */
	} else if (r < 0) {
		o->next = WATCH_NEXT_WATCH;
		o->backoff = true;
		o->error = r;
		r = 0;
	} else if (x.code != 200) {
		o->error = response_error(x.code, &x.body, &o->err);
		o->next = o->error == -EAGAIN ? WATCH_NEXT_WATCH : WATCH_NEXT_RELIST;
		o->backoff = true;
		r = 0;
	} else {
		/* Clean end (timeoutSeconds): reconnect, unless the server closes at once. */
		o->next = WATCH_NEXT_WATCH;
		o->backoff = ws.events == 0 && now_usec() - start < WATCH_SHORT_USEC;
		r = 0;
	}
	xfer_done(&x);
	return r;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Sleeps `usec` in short slices; returns 1 when *stop became true. */
static int sleep_or_stop(uint64_t usec, const atomic_bool *stop)
{
	uint64_t end = now_usec() + usec;

	for (;;) {
		uint64_t now = now_usec(), slice;
		struct timespec ts;

		if (stopped(stop))
			return 1;
		if (now >= end)
			return 0;
		slice = MIN(end - now, STOP_POLL_USEC);
		ts = (struct timespec){ .tv_sec = (time_t)(slice / 1000000),
					.tv_nsec = (long)(slice % 1000000) * 1000 };
		(void)nanosleep(&ts, NULL);
	}
}

struct backoff {
	uint64_t initial, max;
	unsigned failures;
	uint64_t rng;
};

/* Exponential with "equal jitter": a random delay in [d/2, d]. */
static uint64_t backoff_next(struct backoff *b)
{
	uint64_t d = b->initial;

	for (unsigned i = 0; i < b->failures && d < b->max; i++)
		d *= 2;
	d = MIN(d, b->max);
	b->failures++;
	return d / 2 + splitmix64(&b->rng) % (d / 2 + 1);
}

static int watch_report(const struct k8s_watch_handlers *h, void *userdata, int error,
			const struct k8s_error *err)
{
	if (!h->on_error)
		return 0;
	return h->on_error(error, err, userdata);
}

static int watch_loop(struct k8s_client *c, const struct k8s_watch_spec *spec,
		      const struct k8s_watch_handlers *h, void *userdata, const atomic_bool *stop)
{
	struct k8s_list_opts lo = {
		.label_selector = spec->label_selector,
		.field_selector = spec->field_selector,
		.limit = spec->page_size,
		.max_page = spec->max_page,
		.max_total = spec->max_list,
	};
	struct backoff bo = {
		.initial = MAX(spec->backoff_initial_usec ?: K8S_BACKOFF_INITIAL_DEFAULT, 2ULL),
		.max = spec->backoff_max_usec ?: K8S_BACKOFF_MAX_DEFAULT,
		.rng = now_usec() ^ (uint64_t)(uintptr_t)c,
	};
	_cleanup_free_ char *rv = NULL;
	bool need_list = true;
	int r;

	bo.max = MAX(bo.max, bo.initial);
	for (;;) {
		struct watch_outcome o;

		if (stopped(stop))
			return 0;
		if (need_list) {
			json_auto_t *items = NULL;
			struct k8s_error err = {};
			char *new_rv = NULL;

			r = client_list_internal(c, spec->path, &lo, stop, &items, &new_rv, &err);
			if (stopped(stop))
				return 0;
			if (r == -ENOMEM || r == -EINVAL)
				return r;
			if (r < 0) {
				r = watch_report(h, userdata, r, &err);
				if (r < 0)
					return r;
				if (sleep_or_stop(backoff_next(&bo), stop))
					return 0;
				continue;
			}
			free(rv);
			rv = new_rv;
			r = h->on_sync(items, rv, userdata);
			if (r < 0)
				return r;
			need_list = false;
		}

		r = watch_once(c, spec, h, userdata, stop, &rv, &o);
		if (r < 0)
			return r;
		if (r > 0)
			return 0;
		if (o.delivered)
			bo.failures = 0;
		if (o.error < 0) {
			r = watch_report(h, userdata, o.error, &o.err);
			if (r < 0)
				return r;
		}
		if (o.next == WATCH_NEXT_RELIST)
			need_list = true;
		if (o.backoff && sleep_or_stop(backoff_next(&bo), stop))
			return 0;
	}
}

int k8s_client_watch(struct k8s_client *c, const struct k8s_watch_spec *spec,
		     const struct k8s_watch_handlers *h, void *userdata, const atomic_bool *stop)
{
	int r;

	assert(c);
	if (!spec || !spec->path || spec->path[0] != '/' || strchr(spec->path, '?') || !h ||
	    !h->on_sync || !h->on_event)
		return -EINVAL;
	if (c->watching)
		return -EBUSY;
	c->watching = true;
	r = watch_loop(c, spec, h, userdata, stop);
	c->watching = false;
	return r;
}

// SPDX-License-Identifier: Apache-2.0
/* HTTP(S) server over libmicrohttpd: TLS 1.2+, certificate hot reload, exact routing, caps. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* Defaults and caps; every size that comes from a client or a file has one. */
#define HTTP_SERVER_BODY_MAX_DEFAULT	     (3U * 1024 * 1024)
#define HTTP_SERVER_TIMEOUT_SEC_DEFAULT	     10U
#define HTTP_SERVER_CONNECTION_LIMIT_DEFAULT 1024U
/* Per client address; 0 in the config means this default. */
#define HTTP_SERVER_PER_IP_LIMIT_DEFAULT 256U
#define HTTP_SERVER_THREADS_MAX		 64U
#define HTTP_SERVER_ROUTES_MAX		 64U
/* Raw query string longer than this: 414. */
#define HTTP_SERVER_QUERY_MAX (8U * 1024)
/*
 * Bodies are never buffered past their route's cap. An error decided from the
 * headers (404, 405, 414, 415, and 413 for a Content-Length over the cap) is
 * sent at once when no body follows, when the client waits for "Expect:
 * 100-continue" (it then sends nothing), or when the declared body exceeds
 * the cap by more than this. Otherwise the body, which the client is likely
 * sending already (Go's net/http does not wait for 100 Continue), is read and
 * discarded first, then the error is sent: answering and closing at once would
 * reach such a client as a connection reset, not a status, as libmicrohttpd
 * 0.9.75 has no lingering close. A chunked body crossing its cap is discarded
 * the same way and answered 413 at its end, because libmicrohttpd cannot
 * answer while it is still reading a body (MHD_queue_response() fails then).
 * Past cap + this many bytes the connection is closed without an answer.
 */
#define HTTP_SERVER_DRAIN_MAX (1U * 1024 * 1024)
/* Certificate chain and key files. */
#define HTTP_SERVER_TLS_FILE_MAX  (1U * 1024 * 1024)
#define HTTP_SERVER_TLS_CHAIN_MAX 16U
/* Certificate and key files are checked for changes at most this often. */
#define HTTP_SERVER_TLS_CHECK_USEC (1000U * 1000)
/* GnuTLS priorities: the NORMAL set with only TLS 1.3 and TLS 1.2 enabled. */
#define HTTP_SERVER_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE"

/* Borrowed view, valid only during the handler call. */
struct http_request {
	const char *method, *path; /* path is percent-decoded, without the query */
	const char *query; /* raw (not decoded) text after '?'; NULL when absent */
	const char *content_type; /* NULL when absent */
	const char *body; /* NUL-terminated, may be NULL when empty */
	size_t body_len;
	const char *remote_addr; /* "ip:port", "[ip6]:port" */
	const char *authorization; /* the Authorization header, NULL when absent; never log it */
};

struct http_response {
	unsigned status; /* 200..599; the server answers 500 for anything else; starts 200 */
	const char *content_type; /* static string, e.g. "application/json"; NULL: no header */
	char *body; /* malloc'ed, owned and freed by the server (even on error); may be NULL */
	size_t body_len;
};

/*
 * Returns 0 to send *resp, or a negative errno (server answers 500). Runs on a
 * server thread; several calls may run at once on different connections.
 */
typedef int (*http_handler_t)(void *userdata, const struct http_request *req,
			      struct http_response *resp);

struct http_route {
	const char *method; /* "POST", "GET" */
	const char *path; /* exact match */
	/* When non-NULL the request must carry it (media type match, parameters ignored), else 415. */
	const char *content_type;
	size_t body_max; /* 0 = server default cap */
	http_handler_t handler;
	void *userdata;
};

struct http_server_config {
	/* "127.0.0.1:8443", "[::1]:8443", ":8443" (all addresses, IPv6 dual stack when available); numeric only; port 0 = ephemeral */
	const char *listen;
	const char *tls_cert_path, *tls_key_path; /* both NULL = plain HTTP; PEM; chain allowed */
	const char *tls_priorities; /* NULL = HTTP_SERVER_TLS_PRIORITIES */
	unsigned threads; /* 0 = number of CPUs */
	/* Idle timeout, and the deadline for receiving a request body; default 10. */
	unsigned connection_timeout_sec;
	unsigned connection_limit; /* default 1024 */
	unsigned per_ip_connection_limit; /* default HTTP_SERVER_PER_IP_LIMIT_DEFAULT */
	size_t body_max_default; /* default 3 MiB */
	/* Copied; the strings and userdata they point to are borrowed and must outlive the server. */
	const struct http_route *routes;
	size_t n_routes;
	/*
	 * Optional; called after each response with the matched route index (-1 if
	 * none), status, and latency in microseconds (request headers received to
	 * response sent). Must be thread-safe.
	 */
	void (*on_response)(void *userdata, int route, unsigned status, uint64_t usec);
	void *on_response_userdata;
	/*
	 * Optional diagnostics: certificate reload results (error 0 on success) and
	 * libmicrohttpd's own messages (error 0). One short line, no newline. Must be
	 * thread-safe; the library itself never logs.
	 */
	void (*on_diag)(void *userdata, int error, const char *message);
	void *on_diag_userdata;
};

struct http_server;

/*
 * Binds, loads the certificate pair when configured and starts the worker
 * threads. Errors: -EINVAL (bad config or listen address), -EADDRINUSE and
 * other bind errors, -ENOENT/-EBADMSG/-EKEYREJECTED (certificate or key
 * missing, unparsable, not matching), -ENOMEM, -EIO (libmicrohttpd failed).
 */
int http_server_start(const struct http_server_config *cfg,
		      struct http_server **ret_server) _warn_unused_result_;
/* The bound port. */
uint16_t http_server_port(const struct http_server *s);
/*
 * Re-reads certificate and key now; new handshakes use them. On error the
 * previous pair stays in service. -EINVAL for a plain-HTTP server.
 */
int http_server_reload_tls(struct http_server *s);
/* How many certificate pairs have been put in service (1 after start with TLS). */
uint64_t http_server_tls_generation(struct http_server *s);
/* Stops (closing idle keep-alive connections), frees; NULL-safe, returns NULL. */
struct http_server *http_server_free(struct http_server *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct http_server *, http_server_free);

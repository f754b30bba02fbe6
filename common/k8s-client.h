// SPDX-License-Identifier: Apache-2.0
/* Kubernetes API client over libcurl: requests, paginated lists, informer-style watch. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "buf.h"
#include "k8s-config.h"
#include "macro.h"

#define K8S_WATCH_LINE_MAX_DEFAULT  (4U * 1024 * 1024) /* one watch event */
#define K8S_LIST_TOTAL_MAX_DEFAULT  (256U * 1024 * 1024) /* all pages of one LIST */
#define K8S_LIST_PAGE_DEFAULT	    500U
#define K8S_WATCH_TIMEOUT_DEFAULT   300U /* seconds, server side */
#define K8S_BACKOFF_INITIAL_DEFAULT (500ULL * 1000)
#define K8S_BACKOFF_MAX_DEFAULT	    (30ULL * 1000 * 1000)
#define K8S_NAME_MAX		    253U /* longest path segment accepted */

/*
 * Error codes: every call returns 0 on success, a negative errno on
 * failure, and fills *reterr (when non-NULL) only on failure.
 *
 *   HTTP status / condition              errno          reterr->reason
 *   400 BadRequest, 422 Invalid          -EINVAL        server's
 *   401 Unauthorized                     -EACCES        server's
 *   403 Forbidden                        -EPERM         server's
 *   404 NotFound                         -ENOENT        server's
 *   405, 406, 415                        -EOPNOTSUPP    server's
 *   409 AlreadyExists                    -EEXIST        "AlreadyExists"
 *   409 Conflict (stale resourceVersion) -ESTALE        "Conflict"
 *   410 Gone / Expired resourceVersion   -EBADSLT       "Expired" / "Gone": relist
 *   413 RequestEntityTooLarge            -EFBIG         server's
 *   429, 5xx                             -EAGAIN        server's: retry later
 *   other non-2xx                        -EPROTO        server's
 *   connect timeout / request timeout    -ETIMEDOUT     "Timeout"
 *   connection refused                   -ECONNREFUSED  "ConnectionRefused"
 *   name resolution failed               -EHOSTUNREACH  "ResolveFailed"
 *   server certificate not trusted       -EKEYREJECTED  "TLSVerifyFailed"
 *   other TLS failure                    -EPROTO        "TLSError"
 *   connection dropped mid-response      -ECONNRESET    "ConnectionReset"
 *   response over the cap                -EFBIG         "ResponseTooLarge"
 *   response body not JSON               -EBADMSG       "InvalidResponse"
 *   `stop` became true                   -ECANCELED     "Canceled"
 *   token file unreadable (never read)   -errno         "TokenUnreadable"
 */

/*
 * Thread safety: a client owns one curl handle for requests (reused, so the
 * connection is kept alive across requests) and one for its watch; it is not
 * thread-safe. Use one client per thread (a k8s_config may be shared
 * read-only), or serialise every call on a client with a mutex. Watch handlers
 * run on the watching thread and may issue ordinary requests on the same
 * client (the two handles are independent), but not start another watch on it.
 *
 * Credentials: the bearer token is sent only in the Authorization header; a
 * token_file is re-read before a request when its inode, size or mtime changed
 * (projected service-account tokens rotate) and at least once a minute, and the
 * last good token is kept if a re-read fails. No error text contains it.
 */
struct k8s_client;

/* Copies everything it needs from cfg; reads the token file when there is one. */
int k8s_client_new(const struct k8s_config *cfg,
		   struct k8s_client **ret_client) _warn_unused_result_;
struct k8s_client *k8s_client_free(struct k8s_client *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct k8s_client *, k8s_client_free);

/* The config's default namespace ("default" when it had none); borrowed. */
const char *k8s_client_namespace(const struct k8s_client *c);

/* ---- Paths ---- */

/* A resource type. group NULL or "" is the core group (/api/v1). */
struct k8s_resource {
	const char *group; /* "crd.varmor.org", "coordination.k8s.io", NULL */
	const char *version; /* "v1beta1", "v1" */
	const char *plural; /* "armorprofiles", "pods" */
};

/*
 * Appends "/api/v1" or "/apis/<group>/<version>", then "/namespaces/<ns>" when
 * ns is non-NULL, "/<plural>", "/<name>" and "/<subresource>" when non-NULL.
 * ns NULL addresses cluster-scoped objects, or all namespaces for a LIST/WATCH.
 * Segments are percent-encoded; empty, ".", ".." or longer than K8S_NAME_MAX
 * gives -EINVAL.
 */
int k8s_client_path_append(struct buf *b, const struct k8s_resource *res, const char *ns,
			   const char *name, const char *subresource) _warn_unused_result_;
/* Same, into a new string; caller frees with free(). */
int k8s_client_path(const struct k8s_resource *res, const char *ns, const char *name,
		    const char *subresource, char **ret_path) _warn_unused_result_;
/* Appends "?key=value" (or "&key=value" when b already has a query), value percent-encoded. */
int k8s_client_query_append(struct buf *b, const char *key, const char *value) _warn_unused_result_;

/* ---- Requests ---- */

struct k8s_request {
	const char *method; /* "GET", "POST", "PUT", "PATCH", "DELETE" */
	const char *path; /* "/api/..." or "/apis/...", may carry a query */
	const json_t *body; /* sent as JSON when non-NULL */
	const char *content_type; /* NULL: "application/json" */
	size_t max_response; /* 0: the config's max_response */
	uint64_t timeout_usec; /* 0: the config's timeout_usec */
};

/*
 * One request. On 2xx, *ret_response (when ret_response is non-NULL) is the
 * parsed body, a new reference the caller json_decref()s, or NULL when the body
 * was empty. On a non-2xx status the Kubernetes Status object is parsed into
 * *reterr (code, reason, message) and mapped as in the table above.
 */
int k8s_client_request(struct k8s_client *c, const struct k8s_request *req, json_t **ret_response,
		       struct k8s_error *reterr) _warn_unused_result_;

/* GET an object. */
int k8s_client_get(struct k8s_client *c, const char *path, json_t **ret_object,
		   struct k8s_error *reterr) _warn_unused_result_;
/* POST `object` to a collection path; *ret_object is the created object. */
int k8s_client_create(struct k8s_client *c, const char *path, const json_t *object,
		      json_t **ret_object, struct k8s_error *reterr) _warn_unused_result_;
/* PUT: replace an object (or a subresource such as ".../status"). */
int k8s_client_replace(struct k8s_client *c, const char *path, const json_t *object,
		       json_t **ret_object, struct k8s_error *reterr) _warn_unused_result_;

enum k8s_patch_type {
	K8S_PATCH_MERGE, /* application/merge-patch+json (RFC 7386) */
	K8S_PATCH_JSON, /* application/json-patch+json (RFC 6902) */
	K8S_PATCH_STRATEGIC, /* application/strategic-merge-patch+json (built-in types only) */
};
int k8s_client_patch(struct k8s_client *c, const char *path, enum k8s_patch_type type,
		     const json_t *patch, json_t **ret_object,
		     struct k8s_error *reterr) _warn_unused_result_;
/*
 * DELETE; `options` is an optional DeleteOptions body (preconditions, propagationPolicy).
 * *ret_response is the deleted object or a Status, as the server chooses.
 */
int k8s_client_delete(struct k8s_client *c, const char *path, const json_t *options,
		      json_t **ret_response, struct k8s_error *reterr) _warn_unused_result_;

struct k8s_list_opts {
	const char *label_selector; /* NULL: none */
	const char *field_selector; /* NULL: none */
	uint32_t limit; /* page size; 0: K8S_LIST_PAGE_DEFAULT */
	size_t max_page; /* response cap per page; 0: the config's max_response */
	size_t max_total; /* cap on all pages together; 0: K8S_LIST_TOTAL_MAX_DEFAULT */
};

/*
 * LIST a collection path, following `continue` until the last page.
 * *ret_items: a new JSON array of every item (each given the list's apiVersion
 * and the kind without "List" when the server left them out); caller
 * json_decref()s. *ret_resource_version (may be NULL): the list's
 * resourceVersion, caller frees with free(). An expired continue token gives
 * -EBADSLT: list again from the start.
 */
int k8s_client_list(struct k8s_client *c, const char *path, const struct k8s_list_opts *opts,
		    json_t **ret_items, char **ret_resource_version,
		    struct k8s_error *reterr) _warn_unused_result_;

/* ---- Watch ---- */

enum k8s_watch_event {
	K8S_WATCH_ADDED,
	K8S_WATCH_MODIFIED,
	K8S_WATCH_DELETED,
	K8S_WATCH_BOOKMARK,
	K8S_WATCH_ERROR,
};

/*
 * Decodes one line of a watch stream ({"type": ..., "object": {...}}).
 * *ret_object is a new reference. -EBADMSG when malformed, -EPROTONOSUPPORT for
 * an unknown event type (callers skip those).
 */
int k8s_client_watch_event_parse(const char *line, size_t len, enum k8s_watch_event *ret_type,
				 json_t **ret_object) _warn_unused_result_;

struct k8s_watch_spec {
	const char *path; /* collection path (k8s_client_path(), name NULL); required */
	const char *label_selector; /* NULL: none */
	const char *field_selector; /* NULL: none */
	uint32_t page_size; /* LIST page size; 0: K8S_LIST_PAGE_DEFAULT */
	uint32_t timeout_seconds; /* server-side watch timeout; 0: K8S_WATCH_TIMEOUT_DEFAULT */
	size_t max_line; /* one event's cap; 0: K8S_WATCH_LINE_MAX_DEFAULT */
	size_t max_page; /* LIST response cap per page; 0: the config's */
	size_t max_list; /* LIST cap over all pages; 0: K8S_LIST_TOTAL_MAX_DEFAULT */
	uint64_t backoff_initial_usec; /* 0: K8S_BACKOFF_INITIAL_DEFAULT */
	uint64_t backoff_max_usec; /* 0: K8S_BACKOFF_MAX_DEFAULT */
};

/*
 * Handlers run on the watching thread; json arguments are borrowed for the
 * duration of the call (json_incref() to keep them). A negative return ends
 * k8s_client_watch() with that value.
 */
struct k8s_watch_handlers {
	/*
	 * After every (re)list: `items` is the complete current set; replace the
	 * cache with it (objects missing from it were deleted meanwhile). Required.
	 */
	int (*on_sync)(json_t *items, const char *resource_version, void *userdata);
	/* ADDED, MODIFIED or DELETED (with the object's last state). Required. */
	int (*on_event)(enum k8s_watch_event type, json_t *object, void *userdata);
	/*
	 * Optional, for logging: a LIST or WATCH attempt failed with `error` and
	 * will be retried (after backoff), or the stream asks for a relist
	 * (-EBADSLT: resourceVersion expired; -EMSGSIZE: an event over max_line;
	 * -EBADMSG: a malformed event). `err` says what failed.
	 */
	int (*on_error)(int error, const struct k8s_error *err, void *userdata);
};

/*
 * Informer loop: LIST (paginated) -> on_sync, then WATCH from the list's
 * resourceVersion with bookmarks, dispatching events in order and advancing
 * the resourceVersion with every event and BOOKMARK. A clean end of the stream
 * (timeoutSeconds) reconnects from the last resourceVersion at once; a dropped
 * connection or a 429/5xx reconnects after exponential backoff with jitter
 * (reset once a stream delivers events); 410 Gone/Expired, an over-long or
 * malformed event, or another ERROR event relists. LIST failures (401/403
 * while RBAC settles, 5xx, transport) are retried with the same backoff.
 * Runs until *stop is true (seen within ~100 ms, also during a silent watch,
 * a blocked LIST or a backoff sleep), then returns 0. Otherwise returns a
 * handler's negative value, -EBUSY (a watch already runs on this client),
 * -ENOMEM, or -EINVAL (bad spec, or the server rejected the LIST as invalid,
 * e.g. a malformed selector: retrying cannot help).
 */
int k8s_client_watch(struct k8s_client *c, const struct k8s_watch_spec *spec,
		     const struct k8s_watch_handlers *h, void *userdata, const atomic_bool *stop);

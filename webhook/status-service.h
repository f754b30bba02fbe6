// SPDX-License-Identifier: Apache-2.0
/* POST /v1/node-status: enforcers report their node's per-profile results, authenticated by TokenReview. */
#pragma once

/*
 * Wiring in webhook/main.c (flags proposed: --status-service (on with a
 * kubeconfig), --status-audience AUD (default none: the API server's own
 * audience), --enforcer-service-account NS:NAME (default
 * <--namespace>:pavise-enforcer)):
 *
 *   struct status_service_config sc = {
 *           .k8s = cfg,                   // the webhook's k8s_config; copied
 *           .namespace = args.namespace, .service_account = "pavise-enforcer",
 *           .audience = args.status_audience,
 *           .on_report = on_node_report, .userdata = controller,
 *   };
 *   status_service_new(&sc, &svc);
 *   status_service_route(svc, &routes[n_routes++]);   // before http_server_start()
 *   /metrics:  status_service_metrics(svc, &buf);
 *   ...
 *   status_service_free(svc);                         // after http_server_free()
 *
 * with on_node_report() calling controller_node_status(controller, r->node,
 * p->name, p->result == STATUS_PROFILE_READY, p->message) for each profile
 * (a pending profile is not ready yet: report it as not ok without a failure
 * message, or skip it, as the controller prefers). No fd to poll: requests
 * run on the HTTP server's threads; a TokenReview (cache miss) blocks its
 * thread for one API round trip.
 *
 * The route reads the bearer token from struct http_request's authorization
 * (the Authorization header); callers with their own server use
 * status_service_handle().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "common/buf.h"
#include "common/http-server.h"
#include "common/k8s-config.h"
#include "common/macro.h"
#include "common/tokenreview.h"

#define STATUS_SERVICE_PATH	       "/v1/node-status"
#define STATUS_SERVICE_BODY_MAX	       (4U * 1024 * 1024) /* one report */
#define STATUS_SERVICE_PROFILES_MAX    4096U /* profiles in one report (PROFILE_STORE_MAX) */
#define STATUS_SERVICE_NAME_MAX	       253U /* node and profile names */
#define STATUS_SERVICE_MESSAGE_MAX     4096U /* one profile's message */
#define STATUS_SERVICE_AUTH_HEADER_MAX (TOKENREVIEW_TOKEN_MAX + 16U)

enum status_part_state {
	STATUS_PART_NONE = 0, /* absent: the profile has no such part */
	STATUS_PART_PENDING,
	STATUS_PART_APPLIED,
	STATUS_PART_FAILED,
	_STATUS_PART_STATE_MAX,
};

enum status_part {
	STATUS_PART_APPARMOR = 0,
	STATUS_PART_SECCOMP,
	STATUS_PART_BPF,
	_STATUS_PART_MAX,
};

enum status_profile_result {
	STATUS_PROFILE_READY, /* every part applied */
	STATUS_PROFILE_PENDING, /* a part is still pending, none failed */
	STATUS_PROFILE_FAILED, /* a part failed, or the enforcer refused the ArmorProfile */
};

/* One profile of a report; strings borrowed from the parsed document. */
struct status_report_profile {
	const char *name;
	enum status_part_state parts[_STATUS_PART_MAX];
	bool refused; /* the enforcer could not read the ArmorProfile at all */
	const char *message; /* NULL when none */
	enum status_profile_result result; /* computed from parts and refused */
};

/*
 * A parsed report. Wire format (JSON object, unknown keys ignored):
 *   {"node": NAME,
 *    "capabilities": {"apparmor": BOOL, "bpf": BOOL, "seccomp": BOOL},
 *    "ready": BOOL,                       // optional: the enforcer's first sync is done
 *    "profiles": [{"name": NAME, "apparmor"|"seccomp"|"bpf": "pending"|"applied"|"failed"|"none",
 *                  "refused": BOOL, "message": STRING}, ...]}
 */
struct status_report {
	const char *node;
	bool node_verified; /* the token's bound node-name claim matched `node` */
	bool apparmor, bpf, seccomp; /* capabilities */
	bool ready;
	struct status_report_profile *profiles;
	size_t n_profiles;
};

/*
 * Parses and validates a report: names are DNS subdomains of at most
 * STATUS_SERVICE_NAME_MAX (profile names as ArmorProfile names), at most
 * STATUS_SERVICE_PROFILES_MAX profiles, no name twice, messages at most
 * STATUS_SERVICE_MESSAGE_MAX. Strings in *ret borrow from doc; free
 * ret->profiles with free() (status_report_done()). -EINVAL with
 * *reterr_field (a static or ret-lived description naming the field, e.g.
 * "profiles[3].apparmor: must be one of none, pending, applied, failed"),
 * written into errbuf.
 */
int status_report_parse(const json_t *doc, struct status_report *ret, char *errbuf,
			size_t errbuf_size) _warn_unused_result_;
void status_report_done(struct status_report *r);

/*
 * Called for every accepted report, on the HTTP thread that received it; must
 * be thread-safe and quick (aggregate and return; write to the API server
 * elsewhere). Everything is borrowed for the call. A negative return makes the
 * answer 503 (the enforcer retries with backoff), e.g. -EAGAIN when this
 * replica is not the leader.
 */
typedef int (*status_service_report_fn)(void *userdata, const struct status_report *r);

/*
 * Checks a token; fills *ret_user. A negative return means "could not ask"
 * (the request is answered 503). The default asks the API server.
 */
typedef int (*status_service_review_fn)(void *userdata, const char *token,
					struct tokenreview_user *ret_user);

struct status_service_config {
	const struct k8s_config *k8s; /* copied; used for TokenReviews unless review is set */
	const char *namespace; /* of the enforcer's service account; default "pavise-system" */
	const char *service_account; /* default "pavise-enforcer" */
	const char *audience; /* NULL: the API server's default audience */
	size_t cache_max; /* 0: TOKENREVIEW_CACHE_MAX */
	uint64_t cache_ttl_usec; /* 0: TOKENREVIEW_TTL_USEC */
	uint64_t cache_negative_usec; /* 0: TOKENREVIEW_NEGATIVE_USEC */
	status_service_report_fn on_report; /* required */
	void *userdata;
	status_service_review_fn review; /* tests; NULL: TokenReview via k8s */
	void *review_userdata;
};

struct status_service;

int status_service_new(const struct status_service_config *cfg,
		       struct status_service **ret) _warn_unused_result_;
struct status_service *status_service_free(struct status_service *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct status_service *, status_service_free);

/*
 * Answers one request: 202 {"accepted": N} after the callback took it; 400 a
 * malformed body or field (the message names it); 401 no or bad bearer token;
 * 403 a token of another account, or a node name other than the token's bound
 * node; 415 not JSON; 503 the token could not be checked, or the callback
 * refused. Error bodies are Kubernetes Status objects, so k8s_client callers
 * get the message. Thread-safe. authorization: the header's value, NULL when
 * absent.
 */
int status_service_handle(struct status_service *s, const char *authorization,
			  const char *content_type, const char *body, size_t body_len,
			  struct http_response *resp) _warn_unused_result_;

/* Fills a route for http_server_config (POST STATUS_SERVICE_PATH, JSON, capped). */
void status_service_route(struct status_service *s, struct http_route *ret_route);

struct status_service_counts {
	uint64_t accepted, bad_request, unauthenticated, forbidden, unavailable;
	uint64_t reviews, review_errors, cache_hits;
};
void status_service_counts(struct status_service *s, struct status_service_counts *ret);

/*
 * Appends the counters as Prometheus text for the webhook's /metrics:
 * pavise_webhook_node_reports_total{result=accepted|bad_request|
 * unauthenticated|forbidden|unavailable}, pavise_webhook_tokenreviews_total
 * {result=ok|error}, pavise_webhook_tokenreview_cache_hits_total and the gauge
 * pavise_webhook_tokenreview_cache_entries. Thread-safe.
 */
int status_service_metrics(struct status_service *s, struct buf *b) _warn_unused_result_;

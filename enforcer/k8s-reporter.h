// SPDX-License-Identifier: Apache-2.0
/* The enforcer's reports to the cluster: node status to the status service, capability labels on its Node. */
#pragma once

/*
 * Wiring in enforcer/main.c (flags proposed: --node-name NAME (default
 * $NODE_NAME via the DaemonSet's fieldRef spec.nodeName), --status-url URL
 * (e.g. https://pavise-webhook.pavise-system.svc:3443/v1/node-status; none:
 * no reports), --status-ca FILE (the webhook's CA bundle), --status-token-file
 * FILE (default /var/run/secrets/tokens/pavise-status, a projected token with
 * the audience the webhook checks; the service-account token works when
 * the webhook checks no audience), --node-labels (default on with a
 * kubeconfig or --in-cluster)):
 *
 *   k8s_reporter_start(&(struct k8s_reporter_config){
 *           .node = args.node_name, .status_url = ..., .status_ca_file = ...,
 *           .token_file = ..., .k8s = cfg (NULL: no labels), .store = store,
 *           .caps = &caps, .on_result = log_report_result }, &rep);
 *   after every profile_store_sync():  k8s_reporter_notify(rep);
 *   stop:                              k8s_reporter_free(rep);
 *
 * No fd to poll: the reporter has its own thread, reads the store through
 * profile_store_status_json() and profile_store_ready() (thread-safe), and
 * never blocks the main loop. It posts when the report changes (at most
 * once per K8S_REPORT_MIN_INTERVAL_USEC), re-sends an unchanged report every
 * heartbeat (30 s), and backs off 1 s, 2 s, ... 30 s (with jitter) after
 * errors. The Node gets pavise.io/{apparmor,bpf,seccomp}=true|false and
 * pavise.io/enforcer=ready|not-ready, patched at start and when readiness
 * changes, retried with the same backoff.
 */

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "common/k8s-config.h"
#include "common/macro.h"
#include "enforcer/caps.h"
#include "enforcer/profile-store.h"

#define K8S_REPORT_PATH_DEFAULT	     "/v1/node-status"
#define K8S_REPORT_HEARTBEAT_USEC    (30ULL * 1000 * 1000)
#define K8S_REPORT_MIN_INTERVAL_USEC (1000ULL * 1000)
#define K8S_REPORT_BACKOFF_MIN_USEC  (1000ULL * 1000)
#define K8S_REPORT_BACKOFF_MAX_USEC  (30ULL * 1000 * 1000)
#define K8S_REPORT_MESSAGE_MAX	     4000U /* bytes of one profile's message (the service takes 4096) */
#define K8S_REPORT_URL_MAX	     2048U

#define K8S_LABEL_APPARMOR	     "pavise.io/apparmor"
#define K8S_LABEL_BPF		     "pavise.io/bpf"
#define K8S_LABEL_SECCOMP	     "pavise.io/seccomp"
#define K8S_LABEL_ENFORCER	     "pavise.io/enforcer"

/* ---- pure parts (tests) ---- */

/*
 * The report (webhook/status-service.h's wire format) from a
 * profile_store_status_json() document: per profile its enforcers' states and
 * the messages of parts not applied ("bpf: ..."), refused documents that
 * carry a valid name not otherwise listed as {"refused": true}. New reference.
 */
int k8s_report_build(const json_t *store_status, const struct caps *caps, const char *node,
		     json_t **ret_report) _warn_unused_result_;

/* The merge patch that sets the capability labels. New reference. */
int k8s_node_labels_patch(const struct caps *caps, bool ready,
			  json_t **ret_patch) _warn_unused_result_;

/* Splits "https://host[:port][/path]" into server and path (default K8S_REPORT_PATH_DEFAULT). */
int k8s_report_url_split(const char *url, char **ret_server, char **ret_path) _warn_unused_result_;

/* When to post next. All times monotonic microseconds. */
struct k8s_report_timer {
	uint64_t last_attempt, last_ok;
	uint64_t retry_at; /* while failures > 0 */
	unsigned failures;
	bool dirty; /* the report changed since the last successful post */
	bool ever_ok;
};
/* The next time a post is due (may be in the past: now). */
uint64_t k8s_report_timer_due(const struct k8s_report_timer *t, uint64_t heartbeat_usec);
/*
 * Records an attempt's outcome at `now`; `jitter` in [0, 1) spreads retries
 * over [0.8, 1.2) of the backoff step.
 */
void k8s_report_timer_done(struct k8s_report_timer *t, uint64_t now, bool ok, double jitter);
/* Backoff step after n consecutive failures (n >= 1), without jitter. */
uint64_t k8s_report_backoff(unsigned n);

/* ---- the reporter thread ---- */

struct k8s_reporter_config {
	const char *node; /* required */
	const char *status_url; /* NULL: no reports */
	const char *status_ca_file; /* NULL: the system store */
	const char *token_file; /* bearer token for the status service; re-read when it rotates */
	const struct k8s_config *k8s; /* API server, for the Node labels; NULL: no labels */
	struct profile_store *store; /* borrowed */
	const struct caps *caps; /* borrowed */
	uint64_t heartbeat_usec; /* 0: K8S_REPORT_HEARTBEAT_USEC */
	/*
	 * Optional, on the reporter thread: what = "report" or "labels"; error 0
	 * for success, else negative errno with the server's message.
	 */
	void (*on_result)(void *userdata, const char *what, int error, const char *message);
	void *userdata;
};

struct k8s_reporter;

int k8s_reporter_start(const struct k8s_reporter_config *cfg,
		       struct k8s_reporter **ret) _warn_unused_result_;
/* The store changed: re-read it and post if the report differs. Thread-safe, never blocks. */
void k8s_reporter_notify(struct k8s_reporter *r);
/* Stops and joins the thread (waits for an in-flight request: at most its 10 s timeout); NULL-safe. */
struct k8s_reporter *k8s_reporter_free(struct k8s_reporter *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct k8s_reporter *, k8s_reporter_free);

struct k8s_reporter_counts {
	uint64_t posts, post_errors, label_patches, label_errors;
};
void k8s_reporter_counts(struct k8s_reporter *r, struct k8s_reporter_counts *ret);

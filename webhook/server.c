// SPDX-License-Identifier: Apache-2.0
/* pavise-webhook's HTTPS endpoints: /mutate, /validate, /healthz, /readyz, /metrics. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/http-server.h"
#include "common/json-arena.h"
#include "common/json-util.h"
#include "common/log.h"
#include "common/prom.h"
#include "rules/validate.h"
#include "webhook/admission.h"
#include "webhook/server.h"

enum route {
	ROUTE_MUTATE,
	ROUTE_VALIDATE,
	ROUTE_HEALTHZ,
	ROUTE_READYZ,
	ROUTE_METRICS,
	_ROUTE_MAX,
};

static const char *const route_paths[_ROUTE_MAX] = {
	[ROUTE_MUTATE] = "/mutate", [ROUTE_VALIDATE] = "/validate", [ROUTE_HEALTHZ] = "/healthz",
	[ROUTE_READYZ] = "/readyz", [ROUTE_METRICS] = "/metrics",
};

/* Status codes counted per route; anything else lands in "other". */
static const unsigned counted_codes[] = { 200, 400, 404, 405, 413, 415, 500, 503 };
#define N_CODES (ELEMENTSOF(counted_codes) + 1)

enum admission_result {
	RESULT_MUTATED,
	RESULT_UNCHANGED,
	RESULT_DENIED,
	RESULT_INVALID,
	_RESULT_MAX,
};

static const char *const result_names[_RESULT_MAX] = {
	[RESULT_MUTATED] = "mutated",
	[RESULT_UNCHANGED] = "unchanged",
	[RESULT_DENIED] = "denied",
	[RESULT_INVALID] = "invalid_request",
};

static const double latency_bounds[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
					 0.01,	 0.025,	  0.05,	  0.1,	 0.5,	 1 };

struct webhook {
	struct webhook_config cfg;
	struct policy_store *store;
	struct http_server *http;
	struct http_route routes[_ROUTE_MAX + WEBHOOK_EXTRA_ROUTES_MAX];
	size_t n_extra;
	atomic_bool ready;
	atomic_uint k8s_version; /* major << 16 | minor */

	uint64_t requests[_ROUTE_MAX + 1][N_CODES];
	struct prom_histogram latency[_ROUTE_MAX];
	uint64_t mutate_results[_RESULT_MAX];
	uint64_t validate_results[2]; /* allowed, denied */
	uint64_t patch_ops;
	uint64_t multi_match;
};

static size_t code_index(unsigned code)
{
	for (size_t i = 0; i < ELEMENTSOF(counted_codes); i++)
		if (counted_codes[i] == code)
			return i;
	return ELEMENTSOF(counted_codes);
}

static void on_response(void *userdata, int route, unsigned status, uint64_t usec)
{
	struct webhook *w = userdata;
	size_t r = route >= 0 && route < _ROUTE_MAX ? (size_t)route : _ROUTE_MAX;

	prom_inc(&w->requests[r][code_index(status)], 1);
	if (r < _ROUTE_MAX)
		prom_histogram_observe(&w->latency[r], usec * 1000);
}

static int respond_text(struct http_response *resp, unsigned status, const char *ctype,
			const char *text)
{
	resp->status = status;
	resp->content_type = ctype;
	resp->body = strdup(text);
	if (!resp->body)
		return -ENOMEM;
	resp->body_len = strlen(text);
	return 0;
}

/* Built without jansson: inside an arena scope jansson's memory is gone after the request. */
static int respond_json_error(struct http_response *resp, unsigned status, const char *msg)
{
	struct buf b;
	int r;

	buf_init(&b, 64 * 1024);
	r = buf_append_str(&b, "{\"error\":");
	if (r >= 0)
		r = json_string_append(&b, msg);
	if (r >= 0)
		r = buf_append_str(&b, "}");
	if (r < 0) {
		buf_free(&b);
		return r;
	}
	resp->status = status;
	resp->content_type = "application/json";
	resp->body = buf_take(&b, &resp->body_len);
	return resp->body ? 0 : -ENOMEM;
}

static int respond_review(struct http_response *resp, const char *uid, bool allowed,
			  const struct mutate_result *patch, int code, const char *message,
			  const char *const *warnings)
{
	int r = admission_response(uid, allowed, patch ? patch->patch : NULL,
				   patch ? patch->patch_len : 0, code, message, warnings,
				   &resp->body, &resp->body_len);

	if (r < 0)
		return r;
	resp->status = 200;
	resp->content_type = "application/json";
	return 0;
}

/* RFC 3339 UTC with seconds, cached per thread for the current second. */
static const char *now_rfc3339(void)
{
	static __thread char buf[32];
	static __thread time_t cached = -1;
	time_t now = time(NULL);
	struct tm tm;

	if (now != cached) {
		gmtime_r(&now, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		cached = now;
	}
	return buf;
}

static int mutate(struct webhook *w, const struct http_request *hreq, struct http_response *resp)
{
	struct admission_request req;
	struct mutate_result res = {};
	struct mutate_config mcfg = w->cfg.mutate;
	struct policy_snapshot *snap;
	struct policy_view view;
	const char *err = NULL;
	unsigned ver = atomic_load_explicit(&w->k8s_version, memory_order_relaxed);
	char warning[512];
	const char *warnings[2] = {};
	int r;

	r = admission_parse(hreq->body, hreq->body_len, &req, &err);
	json_arena_pause(); /* only the request tree lives in the arena */
	if (r < 0) {
		prom_inc(&w->mutate_results[RESULT_INVALID], 1);
		log_warning("admission: invalid review from %s: %s", hreq->remote_addr, err);
		if (req.uid) {
			r = respond_review(resp, req.uid, false, NULL, 400, err, NULL);
			admission_request_forget(&req);
			return r;
		}
		admission_request_forget(&req);
		return respond_json_error(resp, 400, err);
	}

	if (!req.object &&
	    (strcmp(req.operation, "CREATE") == 0 || strcmp(req.operation, "UPDATE") == 0)) {
		prom_inc(&w->mutate_results[RESULT_INVALID], 1);
		log_warning("admission: review '%s' from %s has no request.object", req.uid,
			    hreq->remote_addr);
		r = respond_review(resp, req.uid, false, NULL, 400, "request.object: missing",
				   NULL);
		admission_request_forget(&req);
		return r;
	}

	mcfg.k8s_major = ver >> 16;
	mcfg.k8s_minor = ver & 0xffff;
	snap = policy_store_acquire(w->store);
	view = policy_snapshot_view(snap);
	r = mutate_request(&mcfg, &view, &req, now_rfc3339(), &res, &err);
	if (r == -EBADMSG) {
		prom_inc(&w->mutate_results[RESULT_DENIED], 1);
		log_warning("admission: denied %s %s/%s: %s", req.kind, req.namespace, req.name,
			    err);
		r = respond_review(resp, req.uid, false, NULL, 400, err, NULL);
	} else if (r < 0) {
		/* A workload a policy selects is never let through unprotected. */
		prom_inc(&w->mutate_results[RESULT_DENIED], 1);
		log_error_errno(r, "admission: failed to mutate %s %s/%s: %m", req.kind,
				req.namespace, req.name);
		r = respond_review(resp, req.uid, false, NULL, 500,
				   "pavise: internal error while mutating", NULL);
	} else {
		if (res.n_matched > 1) {
			prom_inc(&w->multi_match, 1);
			snprintf(
				warning, sizeof(warning),
				"pavise: %zu policies match; %s %s%s%s applied (cluster policies first, then by name)",
				res.n_matched,
				res.policy->cluster ? CLUSTER_POLICY_KIND : POLICY_KIND,
				strempty(res.policy->namespace), res.policy->cluster ? "" : "/",
				res.policy->name);
			warnings[0] = warning;
		}
		prom_inc(&w->mutate_results[res.patch ? RESULT_MUTATED : RESULT_UNCHANGED], 1);
		if (res.patch) {
			prom_inc(&w->patch_ops, res.n_ops);
			log_debug("admission: mutated %s %s/%s with %s", req.kind, req.namespace,
				  req.name, res.policy->profile_name);
		}
		r = respond_review(resp, req.uid, true, &res, 200, NULL, warnings);
	}
	mutate_result_done(&res);
	policy_snapshot_release(snap);
	admission_request_forget(&req);
	return r;
}

static bool same_target(const json_t *a, const json_t *b)
{
	json_t *ta = json_path(a, "spec", "target", NULL),
	       *tb = json_path(b, "spec", "target", NULL);

	return (!ta && !tb) || (ta && tb && json_equal(ta, tb));
}

static int validate(struct webhook *w, const struct http_request *hreq, struct http_response *resp)
{
	struct admission_request req;
	struct policy_diags d = {};
	struct policy *p = NULL;
	_cleanup_free_ char *msg = NULL;
	const char *err = NULL;
	int r;

	r = admission_parse(hreq->body, hreq->body_len, &req, &err);
	json_arena_pause(); /* only the request tree lives in the arena */
	if (r < 0) {
		if (req.uid) {
			r = respond_review(resp, req.uid, false, NULL, 400, err, NULL);
			admission_request_forget(&req);
			return r;
		}
		admission_request_forget(&req);
		return respond_json_error(resp, 400, err);
	}
	if (!req.object || strcmp(req.operation, "DELETE") == 0) {
		r = respond_review(resp, req.uid, true, NULL, 200, NULL, NULL);
		admission_request_forget(&req);
		return r;
	}
	r = validate_policy(req.object, w->cfg.pavise_namespace, req.namespace, &p, &d);
	if (r == -ENOMEM) {
		admission_request_forget(&req);
		return r;
	}
	if (r >= 0 && strcmp(req.operation, "UPDATE") == 0 && req.old_object) {
		struct policy *old = NULL;

		/* The old object only needs to parse: rules may have tightened since it was stored. */
		if (policy_parse(req.old_object, w->cfg.pavise_namespace, req.namespace, &old,
				 NULL) == 0)
			r = validate_policy_update(
				old, p, json_path_string(req.old_object, "status", "phase", NULL),
				&d);
		else if (!same_target(req.object, req.old_object)) {
			policy_diags_error(
				&d,
				"spec.target: is immutable; delete and recreate the policy to change it");
			r = -EINVAL;
		}
		policy_free(old);
	}
	if (r < 0) {
		msg = policy_diags_join_errors(&d);
		prom_inc(&w->validate_results[1], 1);
		log_info("admission: refused %s %s/%s: %s", req.kind, req.namespace, req.name,
			 strna(msg));
		r = respond_review(resp, req.uid, false, NULL, 422, msg ? msg : "invalid policy",
				   NULL);
	} else {
		prom_inc(&w->validate_results[0], 1);
		r = respond_review(resp, req.uid, true, NULL, 200, NULL,
				   (const char *const *)d.warnings);
	}
	policy_free(p);
	policy_diags_clear(&d);
	admission_request_forget(&req);
	return r;
}

/* Requests are parsed into a per-thread arena that is dropped whole afterwards. */
static int in_arena(struct webhook *w, const struct http_request *hreq, struct http_response *resp,
		    int (*fn)(struct webhook *, const struct http_request *,
			      struct http_response *))
{
	int r = json_arena_begin(w->cfg.body_max * 16);

	if (r < 0)
		return r;
	r = fn(w, hreq, resp);
	json_arena_end();
	return r;
}

static int handle_mutate(void *userdata, const struct http_request *hreq,
			 struct http_response *resp)
{
	return in_arena(userdata, hreq, resp, mutate);
}

static int handle_validate(void *userdata, const struct http_request *hreq,
			   struct http_response *resp)
{
	return in_arena(userdata, hreq, resp, validate);
}

static int handle_healthz(void *userdata, const struct http_request *req,
			  struct http_response *resp)
{
	(void)userdata;
	(void)req;
	return respond_text(resp, 200, "text/plain", "ok\n");
}

static int handle_readyz(void *userdata, const struct http_request *req, struct http_response *resp)
{
	struct webhook *w = userdata;

	(void)req;
	if (!atomic_load(&w->ready))
		return respond_text(resp, 503, "text/plain", "not ready: policies not synced\n");
	return respond_text(resp, 200, "text/plain", "ok\n");
}

static int render_metrics(struct webhook *w, struct buf *b)
{
	static const char *const hist = "pavise_webhook_request_duration_seconds";
	struct policy_snapshot *snap = policy_store_acquire(w->store);
	size_t n_cluster = 0;
	char labels[128];
	int r;

	for (size_t i = 0; i < policy_snapshot_view(snap).n; i++)
		n_cluster += policy_snapshot_view(snap).policies[i]->cluster;

	r = prom_header(b, "pavise_webhook_requests_total", "counter",
			"HTTP requests by endpoint and status code.");
	for (size_t i = 0; r >= 0 && i <= _ROUTE_MAX; i++)
		for (size_t c = 0; r >= 0 && c < N_CODES; c++) {
			uint64_t v = prom_read(&w->requests[i][c]);
			char code[16];

			if (!v && !(c == 0 && i < _ROUTE_MAX))
				continue;
			if (c < ELEMENTSOF(counted_codes))
				snprintf(code, sizeof(code), "%u", counted_codes[c]);
			else
				snprintf(code, sizeof(code), "other");
			snprintf(labels, sizeof(labels), "endpoint=\"%s\",code=\"%s\"",
				 i < _ROUTE_MAX ? route_paths[i] : "unknown", code);
			r = prom_sample(b, "pavise_webhook_requests_total", labels, v);
		}
	if (r >= 0)
		r = prom_header(b, hist, "histogram", "Time to answer a request, by endpoint.");
	for (size_t i = 0; r >= 0 && i < _ROUTE_MAX; i++) {
		if (i != ROUTE_MUTATE && i != ROUTE_VALIDATE)
			continue;
		snprintf(labels, sizeof(labels), "endpoint=\"%s\"", route_paths[i]);
		r = prom_histogram_render(b, hist, labels, &w->latency[i]);
	}
	if (r >= 0)
		r = prom_header(b, "pavise_webhook_admission_total", "counter",
				"Mutation decisions: mutated, unchanged, denied, invalid_request.");
	for (size_t i = 0; r >= 0 && i < _RESULT_MAX; i++) {
		snprintf(labels, sizeof(labels), "result=\"%s\"", result_names[i]);
		r = prom_sample(b, "pavise_webhook_admission_total", labels,
				prom_read(&w->mutate_results[i]));
	}
	if (r >= 0)
		r = prom_header(b, "pavise_webhook_validation_total", "counter",
				"Policy validation decisions.");
	if (r >= 0)
		r = prom_sample(b, "pavise_webhook_validation_total", "result=\"allowed\"",
				prom_read(&w->validate_results[0]));
	if (r >= 0)
		r = prom_sample(b, "pavise_webhook_validation_total", "result=\"denied\"",
				prom_read(&w->validate_results[1]));
	if (r >= 0)
		r = prom_header(b, "pavise_webhook_patch_operations_total", "counter",
				"JSON Patch operations produced.");
	if (r >= 0)
		r = prom_sample(b, "pavise_webhook_patch_operations_total", NULL,
				prom_read(&w->patch_ops));
	if (r >= 0)
		r = prom_header(b, "pavise_webhook_multiple_matches_total", "counter",
				"Admissions where more than one policy matched.");
	if (r >= 0)
		r = prom_sample(b, "pavise_webhook_multiple_matches_total", NULL,
				prom_read(&w->multi_match));
	if (r >= 0)
		r = prom_header(b, "pavise_webhook_policies", "gauge",
				"Policies in the cache, by kind.");
	if (r >= 0)
		r = prom_sample(b, "pavise_webhook_policies", "kind=\"" POLICY_KIND "\"",
				policy_snapshot_view(snap).n - n_cluster);
	if (r >= 0)
		r = prom_sample(b, "pavise_webhook_policies", "kind=\"" CLUSTER_POLICY_KIND "\"",
				n_cluster);
	if (r >= 0)
		r = prom_header(b, "pavise_webhook_ready", "gauge", "1 once policies are synced.");
	if (r >= 0)
		r = prom_sample(b, "pavise_webhook_ready", NULL, atomic_load(&w->ready));
	if (r >= 0)
		r = prom_header(b, "pavise_build_info", "gauge", "Build information.");
	if (r >= 0)
		r = prom_sample(b, "pavise_build_info",
				"version=\"" PAVISE_VERSION "\",component=\"webhook\"", 1);
	policy_snapshot_release(snap);
	return r;
}

static int handle_metrics(void *userdata, const struct http_request *req,
			  struct http_response *resp)
{
	struct buf b;
	int r;

	(void)req;
	buf_init(&b, 1024 * 1024);
	r = render_metrics(userdata, &b);
	if (r < 0) {
		buf_free(&b);
		return r;
	}
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4";
	resp->body = buf_take(&b, &resp->body_len);
	return resp->body ? 0 : -ENOMEM;
}

int webhook_new(const struct webhook_config *cfg, struct policy_store *store, struct webhook **ret)
{
	struct webhook *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->cfg = *cfg;
	w->store = store;
	atomic_init(&w->ready, false);
	atomic_init(&w->k8s_version, cfg->mutate.k8s_major << 16 | cfg->mutate.k8s_minor);
	for (size_t i = 0; i < _ROUTE_MAX; i++)
		prom_histogram_init(&w->latency[i], latency_bounds, ELEMENTSOF(latency_bounds));
	w->routes[ROUTE_MUTATE] = (struct http_route){ .method = "POST",
						       .path = route_paths[ROUTE_MUTATE],
						       .content_type = "application/json",
						       .body_max = cfg->body_max,
						       .handler = handle_mutate,
						       .userdata = w };
	w->routes[ROUTE_VALIDATE] = (struct http_route){ .method = "POST",
							 .path = route_paths[ROUTE_VALIDATE],
							 .content_type = "application/json",
							 .body_max = cfg->body_max,
							 .handler = handle_validate,
							 .userdata = w };
	w->routes[ROUTE_HEALTHZ] = (struct http_route){ .method = "GET",
							.path = route_paths[ROUTE_HEALTHZ],
							.handler = handle_healthz,
							.userdata = w };
	w->routes[ROUTE_READYZ] = (struct http_route){ .method = "GET",
						       .path = route_paths[ROUTE_READYZ],
						       .handler = handle_readyz,
						       .userdata = w };
	w->routes[ROUTE_METRICS] = (struct http_route){ .method = "GET",
							.path = route_paths[ROUTE_METRICS],
							.handler = handle_metrics,
							.userdata = w };
	*ret = w;
	return 0;
}

int webhook_add_route(struct webhook *w, const struct http_route *route)
{
	if (w->http)
		return -EBUSY;
	if (w->n_extra >= WEBHOOK_EXTRA_ROUTES_MAX)
		return -E2BIG;
	w->routes[_ROUTE_MAX + w->n_extra++] = *route;
	return 0;
}

int webhook_start(struct webhook *w)
{
	struct http_server_config hc = {
		.listen = w->cfg.listen,
		.tls_cert_path = w->cfg.tls_cert,
		.tls_key_path = w->cfg.tls_key,
		.threads = w->cfg.threads,
		.connection_timeout_sec = w->cfg.timeout_sec,
		.body_max_default = w->cfg.body_max,
		.routes = w->routes,
		.n_routes = _ROUTE_MAX + w->n_extra,
		.on_response = on_response,
		.on_response_userdata = w,
	};

	return http_server_start(&hc, &w->http);
}

uint16_t webhook_port(const struct webhook *w)
{
	return w->http ? http_server_port(w->http) : 0;
}

void webhook_set_ready(struct webhook *w, bool ready)
{
	atomic_store(&w->ready, ready);
}

void webhook_set_k8s_version(struct webhook *w, unsigned major, unsigned minor)
{
	atomic_store(&w->k8s_version, major << 16 | minor);
}

struct webhook *webhook_free(struct webhook *w)
{
	if (!w)
		return NULL;
	http_server_free(w->http);
	free(w);
	return NULL;
}

// SPDX-License-Identifier: Apache-2.0
/* The enforcer's HTTP endpoints: /healthz, /readyz, /metrics and /v1/status. */
#include <stdio.h>
#include <string.h>

#include "enforcer/status.h"

static int text(struct http_response *resp, unsigned status, const char *body)
{
	resp->status = status;
	resp->content_type = "text/plain; charset=utf-8";
	resp->body = strdup(body);
	if (!resp->body)
		return -ENOMEM;
	resp->body_len = strlen(body);
	return 0;
}

static int on_healthz(void *userdata, const struct http_request *req, struct http_response *resp)
{
	(void)userdata;
	(void)req;
	return text(resp, 200, "ok\n");
}

static int on_readyz(void *userdata, const struct http_request *req, struct http_response *resp)
{
	struct status_ctx *ctx = userdata;

	(void)req;
	if (profile_store_ready(ctx->store))
		return text(resp, 200, "ok\n");
	return text(resp, 503, "not ready: profiles are being applied\n");
}

int status_json(const struct status_ctx *ctx, json_t **ret)
{
	json_auto_t *st = NULL, *node = NULL;
	int r;

	r = profile_store_status_json(ctx->store, &st);
	if (r < 0)
		return r;
	node = json_pack("{s:s?, s:s, s:{s:b, s:b, s:b}, s:s}", "name", ctx->node_name, "version",
			 strempty(ctx->version), "capabilities", "apparmor", ctx->caps->apparmor,
			 "bpf", ctx->caps->bpf_lsm, "seccomp", ctx->caps->seccomp, "lsm",
			 ctx->caps->lsm);
	if (!node || json_object_set(st, "node", node) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(st);
	return 0;
}

static int on_status(void *userdata, const struct http_request *req, struct http_response *resp)
{
	struct status_ctx *ctx = userdata;
	json_auto_t *st = NULL;
	int r;

	(void)req;
	r = status_json(ctx, &st);
	if (r < 0)
		return r;
	resp->body = json_dumps(st, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!resp->body)
		return -ENOMEM;
	resp->body_len = strlen(resp->body);
	resp->content_type = "application/json";
	return 0;
}

int status_metrics(const struct status_ctx *ctx, struct buf *b)
{
	static const char *const m_profiles = "pavise_enforcer_profiles";
	static const char *const m_attempts = "pavise_enforcer_apply_attempts_total";
	static const char *const m_failures = "pavise_enforcer_apply_failures_total";
	struct profile_store_counts c;
	char labels[128];
	const struct {
		const char *name;
		bool on;
	} caps[] = {
		{ "apparmor", ctx->caps->apparmor },
		{ "bpf", ctx->caps->bpf_lsm },
		{ "seccomp", ctx->caps->seccomp },
	};
	int r;

	profile_store_counts(ctx->store, &c);
	r = prom_header(b, m_profiles, "gauge", "Profiles by enforcer and state.");
	for (int k = 0; r >= 0 && k < _PART_MAX; k++)
		for (int s = APPLY_PENDING; r >= 0 && s < _APPLY_STATE_MAX; s++) {
			snprintf(labels, sizeof(labels), "enforcer=\"%s\",state=\"%s\"",
				 part_kind_to_string(k), apply_state_to_string(s));
			r = prom_sample(b, m_profiles, labels, c.by_state[k][s]);
		}
	if (r >= 0)
		r = prom_header(b, m_attempts, "counter", "Times a profile part was applied.");
	for (int k = 0; r >= 0 && k < _PART_MAX; k++) {
		snprintf(labels, sizeof(labels), "enforcer=\"%s\"", part_kind_to_string(k));
		r = prom_sample(b, m_attempts, labels, c.attempts[k]);
	}
	if (r >= 0)
		r = prom_header(b, m_failures, "counter", "Times applying a profile part failed.");
	for (int k = 0; r >= 0 && k < _PART_MAX; k++) {
		snprintf(labels, sizeof(labels), "enforcer=\"%s\"", part_kind_to_string(k));
		r = prom_sample(b, m_failures, labels, c.failures[k]);
	}
	if (r >= 0)
		r = prom_header(b, "pavise_enforcer_refused_documents", "gauge",
				"Documents of the profile directory refused in the last scan.");
	if (r >= 0)
		r = prom_sample(b, "pavise_enforcer_refused_documents", NULL, c.refused);
	if (r >= 0)
		r = prom_header(b, "pavise_enforcer_syncs_total", "counter",
				"Scans of the profile directory applied.");
	if (r >= 0)
		r = prom_sample(b, "pavise_enforcer_syncs_total", NULL, c.syncs);
	if (r >= 0 && ctx->parser_seconds) {
		r = prom_header(b, "pavise_enforcer_apparmor_parser_seconds", "histogram",
				"Time apparmor_parser took to load, replace or remove a profile.");
		if (r >= 0)
			r = prom_histogram_render(b, "pavise_enforcer_apparmor_parser_seconds",
						  NULL, ctx->parser_seconds);
	}
	if (r >= 0)
		r = prom_header(b, "pavise_enforcer_node_capability", "gauge",
				"1 when this node can enforce the mechanism.");
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(caps); i++) {
		snprintf(labels, sizeof(labels), "enforcer=\"%s\"", caps[i].name);
		r = prom_sample(b, "pavise_enforcer_node_capability", labels, caps[i].on);
	}
	if (r >= 0)
		r = prom_header(b, "pavise_enforcer_ready", "gauge",
				"1 once every known profile is applied or failed.");
	if (r >= 0)
		r = prom_sample(b, "pavise_enforcer_ready", NULL, profile_store_ready(ctx->store));
	if (r >= 0)
		r = prom_header(b, "pavise_build_info", "gauge", "Build information.");
	if (r >= 0) {
		/* the version comes from git describe: [0-9a-z.-] only, nothing to escape */
		snprintf(labels, sizeof(labels), "program=\"pavise-enforcer\",version=\"%s\"",
			 strempty(ctx->version));
		r = prom_sample(b, "pavise_build_info", labels, 1);
	}
	return r;
}

static int on_metrics(void *userdata, const struct http_request *req, struct http_response *resp)
{
	struct status_ctx *ctx = userdata;
	struct buf b;
	int r;

	(void)req;
	buf_init(&b, STATUS_BODY_MAX);
	r = status_metrics(ctx, &b);
	if (r < 0) {
		buf_free(&b);
		return r;
	}
	resp->body = buf_take(&b, &resp->body_len);
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return 0;
}

void status_routes(struct status_ctx *ctx, struct http_route routes[STATUS_ROUTES])
{
	routes[0] = (struct http_route){
		.method = "GET", .path = "/healthz", .handler = on_healthz, .userdata = ctx
	};
	routes[1] = (struct http_route){
		.method = "GET", .path = "/readyz", .handler = on_readyz, .userdata = ctx
	};
	routes[2] = (struct http_route){
		.method = "GET", .path = "/metrics", .handler = on_metrics, .userdata = ctx
	};
	routes[3] = (struct http_route){
		.method = "GET", .path = "/v1/status", .handler = on_status, .userdata = ctx
	};
}

// SPDX-License-Identifier: Apache-2.0
/* The enforcer's HTTP endpoints: /healthz, /readyz, /metrics and /v1/status. */
#include <stdio.h>
#include <string.h>

#include "enforcer/status.h"

void status_live_init(struct status_live *l)
{
	*l = (struct status_live){};
	pthread_mutex_init(&l->lock, NULL);
}

void status_live_done(struct status_live *l)
{
	free(l->bindings);
	l->bindings = NULL;
	pthread_mutex_destroy(&l->lock);
}

void status_live_update(struct status_live *l, const struct status_snapshot *snap)
{
	pthread_mutex_lock(&l->lock);
	l->snap = *snap;
	pthread_mutex_unlock(&l->lock);
}

void status_live_set_bindings(struct status_live *l, struct bpf_binding *bindings, size_t n)
{
	struct bpf_binding *old;

	pthread_mutex_lock(&l->lock);
	old = l->bindings;
	l->bindings = bindings;
	l->n_bindings = n;
	pthread_mutex_unlock(&l->lock);
	free(old);
}

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

static json_t *binding_json(const struct bpf_binding *b)
{
	char id[32];

	snprintf(id, sizeof(id), "%llu", (unsigned long long)b->cgroup_id);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "cgroupId", id, "profile",
			 b->profile, "containerId", b->info.container_id, "container",
			 b->info.container_name, "podNamespace", b->info.pod_namespace, "podName",
			 b->info.pod_name, "podUid", b->info.pod_uid);
}

/* The "bpf", "bind" and "violations" sections, added to st. */
static int live_json(struct status_live *l, json_t *st)
{
	json_auto_t *bindings = json_array(), *bpf = NULL, *bind = NULL, *vio = NULL;
	const struct status_snapshot *s = &l->snap;
	int r = 0;

	if (!bindings)
		return -ENOMEM;
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < l->n_bindings && r >= 0; i++)
		if (json_array_append_new(bindings, binding_json(&l->bindings[i])) < 0)
			r = -ENOMEM;
	bpf = json_pack("{s:b, s:s, s:s?, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:O}", "available",
			s->bpf_available, "message", s->bpf_message, "pinDir", l->pin_dir,
			"tookOver", s->bpf.took_over, "programs", (json_int_t)s->bpf.n_programs,
			"profiles", (json_int_t)s->bpf.n_profiles, "bound",
			(json_int_t)s->bpf.n_bindings, "events", (json_int_t)s->bpf_events,
			"eventsDropped", (json_int_t)s->bpf.events_dropped, "reboundAtStart",
			(json_int_t)s->rebound, "bindings", bindings);
	bind = json_pack("{s:s?, s:b, s:I, s:I, s:I, s:I}", "socket", l->bind_socket, "listening",
			 s->bind_listening, "ok", (json_int_t)s->binds.ok, "failed",
			 (json_int_t)s->binds.failed, "timeouts", (json_int_t)s->binds.timeouts,
			 "connections", (json_int_t)s->binds.connections);
	vio = json_pack("{s:b, s:s?, s:{s:I, s:I, s:I}, s:I, s:I, s:I, s:I}", "enabled",
			s->violations_enabled, "log", l->violations_log, "records", "bpf",
			(json_int_t)s->violations.records[0], "apparmor",
			(json_int_t)s->violations.records[1], "seccomp",
			(json_int_t)s->violations.records[2], "writeErrors",
			(json_int_t)s->violations.write_errors, "rotations",
			(json_int_t)s->violations.rotations, "auditRecords",
			(json_int_t)s->audit_records, "auditOverflows", (json_int_t)s->audit_lost);
	pthread_mutex_unlock(&l->lock);
	if (r < 0 || !bpf || !bind || !vio || json_object_set(st, "bpf", bpf) < 0 ||
	    json_object_set(st, "bind", bind) < 0 || json_object_set(st, "violations", vio) < 0)
		return -ENOMEM;
	return 0;
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
	if (ctx->live) {
		r = live_json(ctx->live, st);
		if (r < 0)
			return r;
	}
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

static int metric(struct buf *b, const char *name, const char *type, const char *help,
		  const char *labels, uint64_t v)
{
	int r = prom_header(b, name, type, help);

	return r < 0 ? r : prom_sample(b, name, labels, v);
}

static int live_metrics(struct status_live *l, struct buf *b)
{
	static const char *const m_binds = "pavise_enforcer_binds_total";
	static const char *const m_vio = "pavise_enforcer_violations_total";
	static const char *const m_drop = "pavise_enforcer_violations_dropped_total";
	struct status_snapshot s;
	int r;

	pthread_mutex_lock(&l->lock);
	s = l->snap;
	pthread_mutex_unlock(&l->lock);

	r = metric(b, "pavise_enforcer_bpf_available", "gauge",
		   "1 when the BPF LSM programs are loaded and attached.", NULL, s.bpf_available);
	if (r >= 0)
		r = metric(b, "pavise_enforcer_bpf_took_over", "gauge",
			   "1 when this enforcer took over pinned programs at start.", NULL,
			   s.bpf.took_over);
	if (r >= 0)
		r = metric(b, "pavise_enforcer_bpf_programs", "gauge", "Attached BPF LSM programs.",
			   NULL, s.bpf.n_programs);
	if (r >= 0)
		r = metric(b, "pavise_enforcer_bpf_profiles", "gauge",
			   "Profiles in the BPF LSM maps.", NULL, s.bpf.n_profiles);
	if (r >= 0)
		r = metric(b, "pavise_enforcer_bpf_bindings", "gauge",
			   "Containers bound to a BPF profile.", NULL, s.bpf.n_bindings);
	if (r >= 0)
		r = metric(b, "pavise_enforcer_bpf_events_total", "counter",
			   "Events read from the BPF ring buffer.", NULL, s.bpf_events);
	if (r >= 0)
		r = metric(b, "pavise_enforcer_containers_rebound_total", "counter",
			   "Running containers bound at start from the runc state directories.",
			   NULL, s.rebound);
	if (r >= 0)
		r = prom_header(b, m_binds, "counter",
				"Bind requests answered on the bind socket.");
	if (r >= 0)
		r = prom_sample(b, m_binds, "result=\"ok\"", s.binds.ok);
	if (r >= 0)
		r = prom_sample(b, m_binds, "result=\"failed\"", s.binds.failed);
	if (r >= 0)
		r = metric(b, "pavise_enforcer_bind_timeouts_total", "counter",
			   "Bind connections closed at their deadline without a request.", NULL,
			   s.binds.timeouts);
	if (r >= 0)
		r = prom_header(b, m_vio, "counter", "Violation records by enforcer.");
	if (r >= 0)
		r = prom_sample(b, m_vio, "enforcer=\"bpf\"", s.violations.records[0]);
	if (r >= 0)
		r = prom_sample(b, m_vio, "enforcer=\"apparmor\"", s.violations.records[1]);
	if (r >= 0)
		r = prom_sample(b, m_vio, "enforcer=\"seccomp\"", s.violations.records[2]);
	if (r >= 0)
		r = prom_header(b, m_drop, "counter", "Violation records lost, by where.");
	if (r >= 0)
		r = prom_sample(b, m_drop, "reason=\"ring_buffer_full\"", s.bpf.events_dropped);
	if (r >= 0)
		r = prom_sample(b, m_drop, "reason=\"audit_overflow\"", s.audit_lost);
	if (r >= 0)
		r = prom_sample(b, m_drop, "reason=\"write_error\"", s.violations.write_errors);
	return r;
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
	if (r >= 0 && ctx->live)
		r = live_metrics(ctx->live, b);
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

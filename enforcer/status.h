// SPDX-License-Identifier: Apache-2.0
/* The enforcer's HTTP endpoints: /healthz, /readyz, /metrics and /v1/status. */
#pragma once

#include <pthread.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/http-server.h"
#include "common/prom.h"
#include "enforcer/bind-server.h"
#include "enforcer/bpf-loader.h"
#include "enforcer/caps.h"
#include "enforcer/profile-store.h"
#include "enforcer/violations.h"

#define STATUS_ROUTES	   4
#define STATUS_BODY_MAX	   (16U * 1024 * 1024) /* a rendered status or metrics page */

#define STATUS_MESSAGE_MAX 512U

/*
 * What the main loop knows about the BPF side, the bind socket and the
 * violation log, copied here for the server threads (the loader is not
 * thread-safe). The main loop refreshes it after every change and on a timer.
 */
struct status_snapshot {
	bool bpf_available;
	char bpf_message[STATUS_MESSAGE_MAX]; /* why not available, or how it started */
	struct bpf_enforcer_stats bpf;
	bool bind_listening;
	struct bind_server_counts binds;
	bool violations_enabled;
	struct violation_log_counts violations;
	uint64_t bpf_events; /* consumed from the ring buffer */
	uint64_t audit_records; /* AppArmor and seccomp records read from the kernel */
	uint64_t audit_lost; /* times the audit socket overflowed */
	uint64_t rebound; /* containers bound at start from the runc state dirs */
};

struct status_live {
	pthread_mutex_t lock;
	struct status_snapshot snap;
	struct bpf_binding *bindings; /* owned */
	size_t n_bindings;
	const char *pin_dir, *bind_socket, *violations_log; /* borrowed, may be NULL */
};

void status_live_init(struct status_live *l);
void status_live_done(struct status_live *l);
/* Replaces the snapshot. */
void status_live_update(struct status_live *l, const struct status_snapshot *snap);
/* Replaces the bindings; takes ownership of `bindings` (free()). */
void status_live_set_bindings(struct status_live *l, struct bpf_binding *bindings, size_t n);

/* Everything is borrowed and must outlive the server; read from server threads. */
struct status_ctx {
	struct profile_store *store;
	const struct caps *caps;
	struct status_live *live; /* may be NULL: no BPF, bind or violation sections */
	const struct prom_histogram *parser_seconds; /* may be NULL */
	const char *node_name; /* may be NULL */
	const char *version;
};

/* Fills routes[STATUS_ROUTES] for http_server_config. */
void status_routes(struct status_ctx *ctx, struct http_route routes[STATUS_ROUTES]);

/* The /v1/status document (new reference) and the /metrics text (appended to b). */
int status_json(const struct status_ctx *ctx, json_t **ret) _warn_unused_result_;
int status_metrics(const struct status_ctx *ctx, struct buf *b) _warn_unused_result_;

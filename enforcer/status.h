// SPDX-License-Identifier: Apache-2.0
/* The enforcer's HTTP endpoints: /healthz, /readyz, /metrics and /v1/status. */
#pragma once

#include <stddef.h>

#include "common/buf.h"
#include "common/http-server.h"
#include "common/prom.h"
#include "enforcer/caps.h"
#include "enforcer/profile-store.h"

#define STATUS_ROUTES	4
#define STATUS_BODY_MAX (16U * 1024 * 1024) /* a rendered status or metrics page */

/* Everything is borrowed and must outlive the server; read from server threads. */
struct status_ctx {
	struct profile_store *store;
	const struct caps *caps;
	const struct prom_histogram *parser_seconds; /* may be NULL */
	const char *node_name; /* may be NULL */
	const char *version;
};

/* Fills routes[STATUS_ROUTES] for http_server_config. */
void status_routes(struct status_ctx *ctx, struct http_route routes[STATUS_ROUTES]);

/* The /v1/status document (new reference) and the /metrics text (appended to b). */
int status_json(const struct status_ctx *ctx, json_t **ret) _warn_unused_result_;
int status_metrics(const struct status_ctx *ctx, struct buf *b) _warn_unused_result_;

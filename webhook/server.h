// SPDX-License-Identifier: Apache-2.0
/* pavise-webhook's HTTPS endpoints: /mutate, /validate, /healthz, /readyz, /metrics. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/http-server.h"
#include "webhook/mutate.h"
#include "webhook/policy-store.h"

#define WEBHOOK_BODY_MAX_DEFAULT (3U * 1024 * 1024)

struct webhook_config {
	const char *listen;
	const char *tls_cert, *tls_key;
	unsigned threads;
	unsigned timeout_sec;
	size_t body_max;
	const char *pavise_namespace;
	struct mutate_config mutate; /* k8s version is updated through webhook_set_k8s_version() */
};

struct webhook;

/* Borrows `store` and the strings in `cfg` for its lifetime. */
int webhook_new(const struct webhook_config *cfg, struct policy_store *store, struct webhook **ret);
/* Adds a route served next to the webhook's own (before webhook_start()); -E2BIG past the max. */
#define WEBHOOK_EXTRA_ROUTES_MAX 4U
int webhook_add_route(struct webhook *w, const struct http_route *route);
int webhook_start(struct webhook *w);
uint16_t webhook_port(const struct webhook *w);
void webhook_set_ready(struct webhook *w, bool ready);
void webhook_set_k8s_version(struct webhook *w, unsigned major, unsigned minor);
struct webhook *webhook_free(struct webhook *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct webhook *, webhook_free);

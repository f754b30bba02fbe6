// SPDX-License-Identifier: Apache-2.0
/* Policies from the API server: watches of VarmorPolicy and VarmorClusterPolicy feeding the store. */
#pragma once

#include <stdbool.h>

#include "common/k8s-config.h"
#include "webhook/policy-store.h"
#include "webhook/server.h"

struct policy_watch;

/*
 * Starts one watching thread per kind. `discover_version`: also poll the API
 * server's /version every 10 minutes and hand it to the webhook. The webhook
 * is marked ready once both kinds have been listed.
 */
int policy_watch_start(const struct k8s_config *cfg, struct policy_store *store, struct webhook *w,
		       const char *pavise_namespace, bool discover_version,
		       struct policy_watch **ret);
/* Stops the threads (within about a second) and frees; NULL-safe. */
struct policy_watch *policy_watch_free(struct policy_watch *pw);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct policy_watch *, policy_watch_free);

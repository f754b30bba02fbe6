// SPDX-License-Identifier: Apache-2.0
/*
 * The policy controller: VarmorPolicy/VarmorClusterPolicy -> ArmorProfile,
 * policy and profile status, events, finalizers and rolling restarts; the
 * replica holding the Lease reconciles, every replica serves admission.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/k8s-config.h"
#include "common/macro.h"
#include "webhook/lease.h"

#define CONTROLLER_FINALIZER	"pavise.io/armorprofile-cleanup"
#define CONTROLLER_PROFILES_MAX 65536U /* profiles whose node results are kept */
#define CONTROLLER_POLICIES_MAX 65536U /* policies cached per kind */
#define CONTROLLER_STATUS_INTERVAL_USEC \
	(1000ULL * 1000) /* one status write per profile per second */

struct controller_config {
	const char *namespace; /* pavise's: cluster policies' profiles and the Lease live here */
	struct lease_config lease; /* lease.namespace NULL: `namespace` */
	unsigned restart_batch; /* workloads restarted together; 0: RESTART_BATCH_DEFAULT */
	uint64_t restart_interval_usec; /* between batches */
	bool restart_interval_set; /* restart_interval_usec given (0 allowed) */
	const char *match_label_key; /* the webhook's match label (NULL: none) */
	const char *match_label_value;
};

struct controller;

/*
 * Starts the Lease, the policy watches, the worker and the restart thread.
 * Strings of `cc` must outlive the controller.
 */
int controller_start(const struct k8s_config *cfg, const struct controller_config *cc,
		     struct controller **ret_controller) _warn_unused_result_;
/* Stops every thread (within about a second) and frees; NULL-safe. */
struct controller *controller_free(struct controller *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct controller *, controller_free);

bool controller_is_leader(struct controller *c);

/*
 * Records what an enforcer on `node` reported for the ArmorProfile named
 * `profile` (loaded: ok; else `message` says why). Thread-safe and cheap: it
 * only updates memory; the leader writes the ArmorProfile's status
 * (desiredNumberLoaded, currentNumberLoaded, one condition per failing node)
 * at most once per second per profile, and the policy's status after it.
 * Returns 0, -EINVAL for an empty or over-long node or profile name, -ENOSPC
 * past CONTROLLER_PROFILES_MAX profiles or CONTROLLER_NODES_MAX nodes.
 */
int controller_node_status(struct controller *c, const char *node, const char *profile, bool ok,
			   const char *message);

// SPDX-License-Identifier: Apache-2.0
/* The webhook's policy cache: thread-safe updates, lock-free-ish immutable snapshots for readers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/policy.h"
#include "webhook/mutate.h"

struct policy_store;
struct policy_snapshot;

int policy_store_new(struct policy_store **ret_store);
struct policy_store *policy_store_free(struct policy_store *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct policy_store *, policy_store_free);

/* Replaces the whole set (takes one reference of each policy; the array stays the caller's). */
int policy_store_replace(struct policy_store *s, struct policy *const *policies, size_t n);
/* Replaces only the cluster (or only the namespaced) policies, as one watch's sync delivers them. */
int policy_store_replace_scope(struct policy_store *s, bool cluster, struct policy *const *policies,
			       size_t n);
/* Adds or replaces the policy with the same kind, namespace and name (takes the reference). */
int policy_store_upsert(struct policy_store *s, struct policy *p);
/* Removes a policy; -ENOENT when absent. */
int policy_store_remove(struct policy_store *s, bool cluster, const char *ns, const char *name);

/* Pins the current set; readers never block writers for longer than a pointer swap. */
struct policy_snapshot *policy_store_acquire(struct policy_store *s);
void policy_snapshot_release(struct policy_snapshot *snap);
struct policy_view policy_snapshot_view(const struct policy_snapshot *snap);
size_t policy_store_count(struct policy_store *s);

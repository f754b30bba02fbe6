// SPDX-License-Identifier: Apache-2.0
/* ArmorProfiles from the API server: an all-namespaces watch turned into the same profile_set the profile directory gives. */
#pragma once

/*
 * Wiring in enforcer/main.c (flags proposed: --kubeconfig PATH or
 * --in-cluster; --profile-dir then becomes optional, and giving both merges
 * nothing: use one source):
 *
 *   k8s_config_load(args.kubeconfig, &cfg, &err);      // NULL: in-cluster
 *   k8s_profiles_start(&(struct k8s_profiles_config){ .k8s = cfg,
 *                      .on_error = log_watch_error }, &kp);
 *   poll: { .fd = k8s_profiles_fd(kp), .events = POLLIN }
 *   on POLLIN: k8s_profiles_drain(kp); then, debounced like the directory's
 *              events (PROFILE_DIR_DEBOUNCE_USEC), k8s_profiles_snapshot(kp,
 *              &want) and profile_store_sync(store, &want, false), exactly
 *              as sync_dir() does with profile_dir_scan();
 *   SIGHUP:    the same with retry_failed = true;
 *   ready:     only after k8s_profiles_synced(kp) and that first sync;
 *   stop:      k8s_profiles_free(kp) (joins the watch thread within ~100 ms).
 *
 * The watch resumes by itself after API server restarts, expired
 * resourceVersions (relist) and dropped connections (backoff).
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "common/k8s-client.h"
#include "common/macro.h"
#include "enforcer/profile-store.h"

#define K8S_PROFILES_MAX      PROFILE_STORE_MAX /* objects cached; more are refused */
#define K8S_PROFILES_LIST_MAX (256U * 1024 * 1024) /* bytes of one LIST over all pages */

/* ---- the cache (pure, used by the watch thread; exposed for tests) ---- */

/* ArmorProfile objects by "namespace/name"; not thread-safe by itself. */
struct k8s_profile_cache {
	json_t *objects; /* object: key -> ArmorProfile */
	size_t dropped; /* objects not kept because the cache was full */
};

int k8s_profile_cache_init(struct k8s_profile_cache *c) _warn_unused_result_;
void k8s_profile_cache_done(struct k8s_profile_cache *c);
/* Replaces the content with `items` (a LIST's array). Returns 1 when it changed. */
int k8s_profile_cache_replace(struct k8s_profile_cache *c, const json_t *items);
/* ADDED/MODIFIED store the object, DELETED removes it. Returns 1 when it changed. */
int k8s_profile_cache_apply(struct k8s_profile_cache *c, enum k8s_watch_event type, json_t *object);
/*
 * Appends every cached object to `want` (empty), in key order, each parsed
 * with armor_profile_parse(); invalid ones and second definitions of a
 * profile name (another namespace) become refused entries. Source:
 * "armorprofiles/<ns>/<name>". -ENOMEM; on error `want` is emptied.
 */
int k8s_profile_cache_to_set(const struct k8s_profile_cache *c,
			     struct profile_set *want) _warn_unused_result_;

/* ---- the watcher ---- */

struct k8s_profiles_config {
	const struct k8s_config *k8s; /* copied */
	const char *label_selector; /* NULL: every ArmorProfile */
	/* Optional, on the watch thread: a LIST/WATCH failed and is retried. Thread-safe please. */
	void (*on_error)(void *userdata, int error, const char *message);
	void *userdata;
};

struct k8s_profiles;

/* Starts the watch thread. */
int k8s_profiles_start(const struct k8s_profiles_config *cfg,
		       struct k8s_profiles **ret) _warn_unused_result_;
/* Stops and joins the thread; NULL-safe. */
struct k8s_profiles *k8s_profiles_free(struct k8s_profiles *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct k8s_profiles *, k8s_profiles_free);

/* A non-blocking eventfd, readable when the set changed. Borrowed. */
int k8s_profiles_fd(struct k8s_profiles *p);
/* Resets the fd. */
void k8s_profiles_drain(struct k8s_profiles *p);
/* The first LIST has been received. */
bool k8s_profiles_synced(struct k8s_profiles *p);
/* The current set (k8s_profile_cache_to_set()), under the cache lock. */
int k8s_profiles_snapshot(struct k8s_profiles *p, struct profile_set *want) _warn_unused_result_;
/* How many times the watch (re)listed, and how many errors it retried. */
void k8s_profiles_counts(struct k8s_profiles *p, uint64_t *ret_syncs, uint64_t *ret_errors);

// SPDX-License-Identifier: Apache-2.0
/* VarmorPolicy / VarmorClusterPolicy model shared by the webhook, controller and tools. */
#pragma once

#include <stdbool.h>
#include <jansson.h>

#include "label-selector.h"
#include "macro.h"

#define POLICY_API_VERSION    "crd.varmor.org/v1beta1"
#define POLICY_KIND	      "VarmorPolicy"
#define CLUSTER_POLICY_KIND   "VarmorClusterPolicy"
#define PROFILE_NAME_MAX      63
#define POLICY_CONTAINERS_MAX 1024

enum policy_enforcer {
	ENFORCER_APPARMOR = 1U << 0,
	ENFORCER_BPF = 1U << 1,
	ENFORCER_SECCOMP = 1U << 2,
	ENFORCER_NETWORKPROXY = 1U << 3,
};

enum policy_mode {
	MODE_ALWAYS_ALLOW,
	MODE_RUNTIME_DEFAULT,
	MODE_ENHANCE_PROTECT,
	MODE_BEHAVIOR_MODELING,
	MODE_DEFENSE_IN_DEPTH,
	_MODE_MAX,
};

enum target_kind {
	TARGET_DEPLOYMENT,
	TARGET_STATEFULSET,
	TARGET_DAEMONSET,
	TARGET_POD,
	_TARGET_KIND_MAX,
};

struct policy_target {
	enum target_kind kind;
	char *name; /* exclusive with selector */
	struct label_selector *selector;
	char **containers; /* NULL-terminated; NULL or empty = all containers */
	size_t n_containers;
};

struct policy {
	unsigned n_ref; /* atomic; policy_ref() / policy_free() */
	bool cluster; /* VarmorClusterPolicy */
	char *namespace; /* NULL for cluster policies */
	char *name;
	struct policy_target target;
	unsigned enforcers; /* enum policy_enforcer bits */
	enum policy_mode mode;
	bool update_existing_workloads;
	char *profile_name; /* varmor-<ns>-<name> / varmor-cluster-<pavise ns>-<name> */
	json_t *object; /* the whole object (own reference) for the compiler */
};

/* Collected validation messages, each "field.path: what is wrong (and the fix)". */
struct policy_diags {
	char **errors;
	size_t n_errors;
	char **warnings;
	size_t n_warnings;
};

int policy_diags_error(struct policy_diags *d, const char *fmt, ...) _printf_(2, 3);
int policy_diags_warning(struct policy_diags *d, const char *fmt, ...) _printf_(2, 3);
void policy_diags_clear(struct policy_diags *d);
/* Joins all errors with "; " into a new string (caller frees). */
char *policy_diags_join_errors(const struct policy_diags *d);

/*
 * Parses and structurally validates a policy object. Every problem found is
 * added to `diags` (may be NULL); returns -EINVAL when there was at least one
 * error. `pavise_namespace` names cluster profiles. A namespaced policy without
 * metadata.namespace gets `default_namespace` (NULL: an error).
 */
int policy_parse(const json_t *obj, const char *pavise_namespace, const char *default_namespace,
		 struct policy **ret_policy, struct policy_diags *diags);
/* Drops one reference; frees on the last. NULL-safe; returns NULL. */
struct policy *policy_free(struct policy *p);
/* Takes another reference (immutable after parse, so shared read-only across threads). */
struct policy *policy_ref(struct policy *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct policy *, policy_free);

/* Enforcer string as vArmor reads it: case-insensitive concatenation of names. */
int policy_enforcers_from_string(const char *s, unsigned *ret_enforcers);
/* Canonical "AppArmorBPFSeccomp"-style text into buf (at least 40 bytes). */
const char *policy_enforcers_to_string(unsigned enforcers, char *buf, size_t size);
int policy_mode_from_string(const char *s, enum policy_mode *ret_mode);
const char *policy_mode_to_string(enum policy_mode mode);
int target_kind_from_string(const char *s, enum target_kind *ret_kind);
const char *target_kind_to_string(enum target_kind kind);

/* "varmor-<ns>-<name>" or "varmor-cluster-<pavise ns>-<name>", lower-cased; caller frees. */
int policy_profile_name(bool cluster, const char *ns, const char *name,
			const char *pavise_namespace, char **ret_name);
/* True when the policy's target.containers selects `container` (empty list: all). */
bool policy_selects_container(const struct policy *p, const char *container);
/* Orders cluster policies first, then by namespace and name (qsort comparator on struct policy *). */
int policy_compare(const void *a, const void *b);

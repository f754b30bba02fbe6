// SPDX-License-Identifier: Apache-2.0
/* Policy and ArmorProfile status (vArmor's phases, conditions, counts) and per-node results; pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "common/macro.h"
#include "common/policy.h"

#define CONTROLLER_NODES_MAX	      10000U /* node results kept per profile */
#define CONTROLLER_NODE_NAME_MAX      253U
#define CONTROLLER_NODE_MESSAGE_MAX   1024U /* longer enforcer messages are cut */
#define CONTROLLER_STATUS_MESSAGE_MAX 32768U /* the CRD's cap on a condition message */

/* What the last reconcile did to the ArmorProfile. */
enum controller_action {
	CONTROLLER_ACTION_NONE, /* the profile was already up to date */
	CONTROLLER_ACTION_CREATED,
	CONTROLLER_ACTION_UPDATED,
	CONTROLLER_ACTION_CREATE_FAILED, /* invalid policy or the API refused; no profile */
	CONTROLLER_ACTION_UPDATE_FAILED, /* the profile exists but could not be updated */
};

struct controller_status_input {
	const char *profile_name;
	long long generation; /* the policy's metadata.generation */
	enum controller_action action;
	const char *error_reason; /* with a *_FAILED action: "Error" or "Forbidden" */
	const char *error_message; /* with a *_FAILED action: the validator's or API's words */
	bool modeling; /* BehaviorModeling: Modeling instead of Protecting */
	unsigned desired; /* nodes that should load the profile */
	unsigned current; /* nodes that reported it loaded */
	unsigned failed; /* nodes that reported a failure */
};

/*
 * Builds the policy's .status from the input and the object's current status
 * (`old`, may be NULL): profileName, ready, phase, conditions (Created,
 * Updated, Ready; types not touched keep their old entry; an entry whose
 * status, reason and message are unchanged keeps its lastTransitionTime) and
 * observedGeneration. `now` is an RFC 3339 time. Returns a new reference.
 */
int controller_status_policy(const struct controller_status_input *in, const json_t *old,
			     const char *now, json_t **ret_status) _warn_unused_result_;

/* ---- Per-node results of one ArmorProfile, as the enforcers report them ---- */

struct controller_node_result {
	char *node;
	bool ok;
	char *message;
};

struct controller_nodes {
	struct controller_node_result *v;
	size_t n, alloc;
};

/*
 * Records a node's result (replacing its previous one). Returns 1 when it
 * changed anything, 0 when it was the same, -EINVAL for a bad node name,
 * -ENOSPC past CONTROLLER_NODES_MAX nodes. The message is cut to
 * CONTROLLER_NODE_MESSAGE_MAX bytes (on a UTF-8 boundary).
 */
int controller_nodes_record(struct controller_nodes *ns, const char *node, bool ok,
			    const char *message) _warn_unused_result_;
/* Forgets every node (the profile changed: enforcers report again). */
void controller_nodes_clear(struct controller_nodes *ns);
void controller_nodes_count(const struct controller_nodes *ns, unsigned *ret_ok,
			    unsigned *ret_failed);

/*
 * The ArmorProfile's .status: desiredNumberLoaded, currentNumberLoaded (nodes
 * that loaded it) and one Ready=False condition per failing node (with
 * nodeName and message), sorted by node. Entries of `old` (may be NULL) that
 * are unchanged keep their lastTransitionTime. Returns a new reference.
 */
int controller_status_profile(const struct controller_nodes *ns, unsigned desired,
			      const json_t *old, const char *now,
			      json_t **ret_status) _warn_unused_result_;

/*
 * Batching: a profile's status is written at most once per `interval_usec`.
 * Returns true when a dirty profile last written at `last_write_usec` (0:
 * never) may be written at `now_usec`.
 */
bool controller_status_flush_due(bool dirty, uint64_t last_write_usec, uint64_t now_usec,
				 uint64_t interval_usec);

/* RFC 3339 UTC time of `t` (seconds since the epoch) into buf (at least 21 bytes). */
const char *controller_time_format(int64_t t, char *buf, size_t size);

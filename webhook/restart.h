// SPDX-License-Identifier: Apache-2.0
/* Rolling restarts for updateExistingWorkloads: selection, idempotence markers, pacing; pure. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "common/macro.h"
#include "common/policy.h"

/* The pod-template annotation vArmor sets to roll a workload. */
#define RESTART_ANNOTATION "controller.varmor.org/restartedAt"
/* On the workload's own metadata: the last restart pavise did, "<policy uid>/<generation>/<op>". */
#define RESTART_MARKER_ANNOTATION "pavise.io/restarted-for"
/* On a policy: the generation whose creation restarts are complete, "<uid>/<generation>". */
#define RESTART_DONE_ANNOTATION	      "pavise.io/workloads-restarted"
#define RESTART_BATCH_DEFAULT	      5U
#define RESTART_BATCH_MAX	      1000U
#define RESTART_INTERVAL_DEFAULT_USEC (10ULL * 1000 * 1000)
#define RESTART_INTERVAL_MAX_USEC     (3600ULL * 1000 * 1000)
#define RESTART_UID_MAX		      128U

enum restart_op {
	RESTART_CREATED, /* the policy was created: add protection */
	RESTART_DELETED, /* the policy was deleted: remove it */
};

const char *restart_op_to_string(enum restart_op op);

/*
 * The marker "<uid>/<generation>/<created|deleted>" into a new string (caller
 * frees). -EINVAL for an empty uid, one over RESTART_UID_MAX or one with '/'.
 */
int restart_marker(const char *uid, long long generation, enum restart_op op,
		   char **ret_marker) _warn_unused_result_;

/*
 * True when `workload` was already restarted for this policy uid and op
 * (any generation: a policy is created and deleted once), from its
 * RESTART_MARKER_ANNOTATION.
 */
bool restart_already_done(const json_t *workload, const char *uid, enum restart_op op);

/*
 * True when the policy's target selects this Deployment/StatefulSet/DaemonSet
 * object: same kind, target.name equal to metadata.name or target.selector
 * matching metadata.labels, and the webhook's match label (key NULL: none) on
 * the object, as vArmor lists them.
 */
bool restart_selects(const struct policy *p, const json_t *workload, const char *match_key,
		     const char *match_value);

/*
 * Prepares the update of one workload in place: for RESTART_DELETED first
 * removes the settings that name `profile` (the per-container AppArmor, BPF
 * and seccomp annotations with the value "localhost/<profile>", and
 * appArmorProfile / seccompProfile of type Localhost with that profile in the
 * containers' and the pod's securityContext); then sets RESTART_ANNOTATION to
 * `now` on the pod template and RESTART_MARKER_ANNOTATION to `marker` on the
 * object. -EBADMSG when the object has no spec.template.
 */
int restart_prepare(json_t *workload, const char *profile, enum restart_op op, const char *marker,
		    const char *now) _warn_unused_result_;

/*
 * Pacing: `batch` workloads at a time, then `interval` before the next batch.
 * restart_pacer_next() returns 0 when one more workload may be restarted at
 * `now` (and counts it), else the microseconds to wait.
 */
struct restart_pacer {
	unsigned batch;
	uint64_t interval_usec;
	unsigned in_batch;
	uint64_t batch_done_usec;
};

void restart_pacer_init(struct restart_pacer *p, unsigned batch, uint64_t interval_usec);
uint64_t restart_pacer_next(struct restart_pacer *p, uint64_t now_usec);

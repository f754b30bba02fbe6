// SPDX-License-Identifier: Apache-2.0
/* Lifting the readiness scheduling gate once a profile is loaded everywhere it may run. */
#pragma once

#include <jansson.h>

#include "common/k8s-client.h"
#include "common/macro.h"

/*
 * The webhook gates a pod whose policy is not ready yet (mutate.h:
 * SCHEDULING_GATE, label LABEL_WAITING_FOR=<profile>). Once the controller
 * sees the ArmorProfile ready (currentNumberLoaded == desiredNumberLoaded),
 * it calls gates_lift() with the profile name: every pod in every namespace
 * carrying the label gets the gate and the label removed (a JSON patch
 * guarded by a "test" op, so a concurrent change of the gates list makes it
 * fail rather than remove the wrong gate; retried on the next call) and an
 * event "ProfileReady" on the pod. Pods are found by label, so the cost is
 * one LIST per ready profile, not per pod.
 */
#define GATES_EVENT_REASON "ProfileReady"

/* The JSON patch that lifts the gate from `pod`; NULL (and 0) when it has none. */
int gates_lift_patch(const json_t *pod, json_t **ret_patch) _warn_unused_result_;

/*
 * Lifts the gate from every pod waiting for `profile`. *ret_lifted (may be
 * NULL) counts pods patched. Returns 0 or the first error (the others are
 * still tried); a pod deleted meanwhile is not an error.
 */
int gates_lift(struct k8s_client *c, const char *profile, const char *component,
	       unsigned *ret_lifted, struct k8s_error *reterr) _warn_unused_result_;

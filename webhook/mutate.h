// SPDX-License-Identifier: Apache-2.0
/* Workload and Pod mutation: policy matching and JSON Patch construction (pure, no I/O). */
#pragma once

#include <stdbool.h>
#include <jansson.h>

#include "common/policy.h"
#include "webhook/admission.h"

#define ANNOTATION_APPARMOR_K8S "container.apparmor.security.beta.kubernetes.io/"
#define ANNOTATION_APPARMOR	"container.apparmor.security.beta.varmor.org/"
#define ANNOTATION_BPF		"container.bpf.security.beta.varmor.org/"
#define ANNOTATION_SECCOMP	"container.seccomp.security.beta.varmor.org/"
#define ANNOTATION_MUTATED_AT	"webhook.varmor.org/mutatedAt"
#define ANNOTATION_POLICY	"pavise.io/policy"
#define DEFAULT_MATCH_LABEL_KEY "sandbox.varmor.org/enable"
#define DEFAULT_MATCH_LABEL_VAL "true"

struct mutate_config {
	const char *match_label_key; /* NULL: no label required */
	const char *match_label_value;
	unsigned k8s_major, k8s_minor; /* API server version */
	bool bpf_exclusive; /* BPF-protected containers get AppArmor unconfined */
	/*
	 * Pods only, at CREATE, not when spec.nodeName is set (the scheduler is
	 * bypassed then):
	 * node_affinity: a required node affinity on the node labels the
	 * enforcers set (NODE_LABEL_PREFIX<enforcer>=true for each enforcer the
	 * policy uses), added to every nodeSelectorTerm, so the pod never lands on
	 * a node that cannot enforce its policy;
	 * scheduling_gate: while the policy's status.ready is not true, the
	 * scheduling gate SCHEDULING_GATE and the label LABEL_WAITING_FOR =
	 * <profile name>, which the controller removes once the ArmorProfile is
	 * loaded on every node.
	 */
	bool node_affinity;
	bool scheduling_gate;
};

#define NODE_LABEL_PREFIX "pavise.io/"
#define SCHEDULING_GATE	  "pavise.io/profile-ready"
#define LABEL_WAITING_FOR "pavise.io/waiting-for"

/* An ordered, immutable view of the policies (cluster policies first, then by name). */
struct policy_view {
	struct policy *const *policies;
	size_t n;
};

/* Largest patch text produced; requests are capped far below what reaches this. */
#define MUTATE_PATCH_MAX (32U * 1024 * 1024)

struct mutate_result {
	char *patch; /* JSON Patch text (malloc'ed); NULL when nothing changes */
	size_t patch_len;
	size_t n_ops; /* operations in the patch */
	const struct policy *policy; /* the policy applied (borrowed from the view) */
	size_t n_matched; /* how many policies matched */
};

/*
 * Decides and builds the mutation for one admission request. `now` is the
 * RFC 3339 timestamp recorded in webhook.varmor.org/mutatedAt. Returns 0 with
 * result->patch NULL when the request is not for us or needs no change;
 * -EBADMSG when the object is malformed where a matching policy needs it
 * (reterr_msg names the field).
 */
int mutate_request(const struct mutate_config *cfg, const struct policy_view *view,
		   const struct admission_request *req, const char *now,
		   struct mutate_result *ret_result, const char **reterr_msg);
void mutate_result_done(struct mutate_result *r);

/* Returns the first policy that matches kind/namespace/name/labels (NULL: none), and counts matches. */
const struct policy *mutate_find_policy(const struct policy_view *view, enum target_kind kind,
					const char *ns, const char *name, const json_t *labels,
					size_t *ret_n_matched);

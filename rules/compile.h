// SPDX-License-Identifier: Apache-2.0
/*
 * The policy compiler's contract. A policy (common/policy.h; the whole
 * object stays in policy->object) is validated and compiled section by
 * section: each enforcer module validates the parts of spec.policy it owns
 * and produces its part of the ArmorProfile's spec.profile.
 */
#pragma once

#include <jansson.h>

#include "common/policy.h"

/* The policy's rule disposition, from enhanceProtect.auditViolations/allowViolations. */
struct compile_disposition {
	bool audit;
	bool allow;
};

/*
 * Each generator module exports (with its own prefix):
 *
 *   int <m>_validate(const struct policy *p, struct policy_diags *d);
 *	Adds an error for every problem in the sections it owns (field path first,
 *	e.g. "spec.policy.enhanceProtect.bpfRawRules.files[2].pattern: ..."), and
 *	warnings for what it accepts but cannot honour. Built-in rules that none of
 *	the selected enforcers implements are reported once by rules/validate.c,
 *	which drops a generator's own per-enforcer "is not implemented by the"
 *	warnings. Returns -EINVAL when it added an error.
 *
 *   apparmor: int apparmor_compile(const struct policy *p, char **ret_profile);
 *   seccomp:  int seccomp_compile(const struct policy *p, char **ret_json);
 *   bpf:      int bpf_content_compile(const struct policy *p, json_t **ret_content);
 *	Called only for a policy that validated; returns the profile text, the
 *	OCI LinuxSeccomp JSON text, or the BpfContent object.
 */

/* Reads enhanceProtect.{auditViolations,allowViolations} (defaults false). */
struct compile_disposition compile_disposition(const struct policy *p);

/*
 * Compiles a validated policy into its ArmorProfile object
 * (crd.varmor.org/v1beta1): metadata.name = spec.profile.name = the profile
 * name, namespace = the policy's (cluster policies: `pavise_namespace`),
 * labels copied from the policy, spec.target, spec.profile {name, enforcer,
 * mode enforce|complain, appArmor, bpf, seccomp} for the enforcers selected,
 * spec.behaviorModeling and spec.updateExistingWorkloads. Returns a new
 * reference (caller owns it).
 */
int compile_armor_profile(const struct policy *p, const char *pavise_namespace,
			  json_t **ret_profile);

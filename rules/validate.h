// SPDX-License-Identifier: Apache-2.0
/* Full policy validation: structure, modes, built-in rule IDs and every enforcer section. */
#pragma once

#include <jansson.h>

#include "common/policy.h"

/*
 * Validates a VarmorPolicy/VarmorClusterPolicy object completely and, when it
 * is valid, returns the parsed policy (warnings may still be present in
 * diags). Returns -EINVAL with every problem in diags, each naming its field.
 */
int validate_policy(const json_t *obj, const char *pavise_namespace, const char *default_namespace,
		    struct policy **ret_policy, struct policy_diags *diags);

/*
 * The rules for changing a policy in place (vArmor's): target is immutable,
 * AppArmor and Seccomp cannot be removed from the enforcer, and a policy
 * still modeling can neither leave BehaviorModeling nor change its enforcer.
 * `old_status_phase` is the old object's status.phase (may be NULL).
 */
int validate_policy_update(const struct policy *old, const struct policy *new,
			   const char *old_status_phase, struct policy_diags *diags);

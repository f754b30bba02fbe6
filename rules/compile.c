// SPDX-License-Identifier: Apache-2.0
/* The policy compiler: shared helpers for the per-enforcer generators. */
#include "common/json-util.h"
#include "rules/compile.h"

struct compile_disposition compile_disposition(const struct policy *p)
{
	const json_t *ep = json_path(p->object, "spec", "policy", "enhanceProtect", NULL);

	return (struct compile_disposition){
		.audit = json_is_true(json_object_get(ep, "auditViolations")),
		.allow = json_is_true(json_object_get(ep, "allowViolations")),
	};
}

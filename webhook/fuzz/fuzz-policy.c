// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: policy files (YAML or JSON) through the loader, the full validator and the compiler. */
#include <stdint.h>
#include <string.h>

#include "common/policy.h"
#include "common/yaml.h"
#include "rules/compile.h"
#include "rules/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *docs = NULL;
	struct yaml_error err;
	size_t i;
	json_t *o;

	if (yaml_load_documents((const char *)data, size, &docs, &err) < 0)
		return 0;
	json_array_foreach(docs, i, o) {
		struct policy_diags d = {};
		struct policy *p = NULL;

		if (validate_policy(o, "pavise-system", "default", &p, &d) == 0) {
			char buf[64];
			json_t *ap = NULL;

			if (!p->profile_name ||
			    !policy_enforcers_to_string(p->enforcers, buf, sizeof(buf)))
				abort();
			/* A policy that validated must compile (BehaviorModel profiles excepted). */
			if (compile_armor_profile(p, "pavise-system", &ap) == 0)
				json_decref(ap);
			policy_free(p);
		} else {
			free(policy_diags_join_errors(&d));
		}
		policy_diags_clear(&d);
	}
	json_decref(docs);
	return 0;
}

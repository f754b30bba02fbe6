// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: seccomp validation and compilation of arbitrary spec.policy JSON. */
#include <stdint.h>
#include <string.h>

#include "common/policy.h"
#include "rules/seccomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const modes[] = { "EnhanceProtect", "DefenseInDepth", "BehaviorModeling",
				     "AlwaysAllow", "RuntimeDefault" };

/*
 * The first byte picks the mode used when the input names none; the rest is
 * spec.policy. Whatever validates must compile, to the same bytes twice, into
 * a profile libseccomp loads.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_diags d = {};
	struct policy *p = NULL;
	json_t *pol, *obj;
	char *a = NULL, *b = NULL;
	int r;

	if (size < 1)
		return 0;
	pol = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(pol)) {
		json_decref(pol);
		return 0;
	}
	if (!json_object_get(pol, "enforcer"))
		json_object_set_new(pol, "enforcer", json_string("Seccomp"));
	if (!json_object_get(pol, "mode"))
		json_object_set_new(pol, "mode", json_string(modes[data[0] % 5]));
	obj = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:{s:s,s:s},s:o}}", "apiVersion",
			POLICY_API_VERSION, "kind", POLICY_KIND, "metadata", "name", "fuzz",
			"namespace", "demo", "spec", "target", "kind", "Pod", "name", "fuzz",
			"policy", pol);
	if (!obj)
		abort();
	if (policy_parse(obj, "pavise-system", NULL, &p, &d) < 0)
		goto out;
	r = seccomp_validate(p, &d);
	if (r == -ENOMEM)
		abort();
	if (r == 0 && (p->enforcers & ENFORCER_SECCOMP)) {
		scmp_filter_ctx ctx = NULL;

		r = seccomp_compile(p, &a);
		if (r == -EOPNOTSUPP)
			goto out; /* DefenseInDepth with a BehaviorModel profile */
		if (r < 0 || seccomp_compile(p, &b) < 0 || strcmp(a, b) != 0)
			abort();
		if (seccomp_profile_load(a, &ctx) < 0)
			abort();
		seccomp_release(ctx);
	}
out:
	free(a);
	free(b);
	policy_free(p);
	policy_diags_clear(&d);
	json_decref(obj);
	return 0;
}

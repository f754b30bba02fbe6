// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for AppArmor raw-rule checks, validation and compilation: no crash, caps hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/policy.h"
#include "rules/apparmor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A policy around the input: the first byte picks where the text goes and the disposition. */
static json_t *policy_object(uint8_t sel, const char *text, size_t len)
{
	json_t *s = json_stringn(text, len), *pol;

	if (!s)
		return NULL; /* not UTF-8: the API server would not have it either */
	if (sel & 1) {
		pol = json_pack("{s:s,s:s,s:{s:{s:s,s:o,s:o}}}", "enforcer", "AppArmor", "mode",
				"DefenseInDepth", "defenseInDepth", "appArmor", "profileType",
				"Custom", "customProfile", s, "appArmorRawRules",
				json_pack("[{s:s,s:[s]}]", "rules", "/etc/hosts r,", "targets",
					  "/bin/sh"));
	} else {
		pol = json_pack(
			"{s:s,s:s,s:{s:b,s:b,s:b,s:[s],s:[{s:[s],s:[s]}],s:[{s:o,s:[s]},o]}}",
			"enforcer", "AppArmor", "mode", "EnhanceProtect", "enhanceProtect",
			"auditViolations", sel & 2, "allowViolations", sel & 4, "privileged",
			sel & 8, "hardeningRules", "disallow-debug-disk-device",
			"attackProtectionRules", "rules", "disable-shell", "targets",
			"/usr/bin/python3", "appArmorRawRules", "rules", s, "targets",
			(sel & 16) ? "/bin/bash" : "/bin/dash", json_incref(s));
	}
	if (!pol)
		return NULL;
	return json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:{s:s,s:s},s:o}}", "apiVersion",
			 "crd.varmor.org/v1beta1", "kind", "VarmorPolicy", "metadata", "name", "f",
			 "namespace", "fuzz", "spec", "target", "kind", "Deployment", "name", "w",
			 "policy", pol);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1, *why = NULL;
	struct policy_diags d = {};
	struct policy *p = NULL;
	unsigned line = 0;
	char *profile = NULL;
	json_t *obj;
	int r, rc;

	if (size < 1)
		return 0;
	r = apparmor_check_raw_rules(text, size - 1, &why, &line);
	if (r != 0 && (r != -EINVAL || !why))
		abort();
	obj = policy_object(data[0], text, size - 1);
	if (!obj)
		return 0;
	if (policy_parse(obj, "varmor", NULL, &p, NULL) < 0) {
		json_decref(obj);
		return 0;
	}
	r = apparmor_validate(p, &d);
	rc = apparmor_compile(p, &profile);
	/* Whatever validates compiles (BehaviorModel aside), within the cap, and vice versa. */
	if (r == 0 && rc != 0)
		abort();
	if (r == -EINVAL && (rc == 0 || d.n_errors == 0))
		abort();
	if (rc == 0 && (!profile || strlen(profile) > APPARMOR_PROFILE_MAX))
		abort();
	if (rc != 0 && profile)
		abort();
	free(profile);
	policy_diags_clear(&d);
	policy_free(p);
	json_decref(obj);
	return 0;
}

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

#include "rules/apparmor.h"
#include "rules/bpf-content.h"
#include "rules/seccomp.h"

static bool complain_mode(const struct policy *p)
{
	const json_t *did = json_path(p->object, "spec", "policy", "defenseInDepth", NULL);

	if (p->mode == MODE_BEHAVIOR_MODELING)
		return true;
	return p->mode == MODE_DEFENSE_IN_DEPTH &&
	       json_is_true(json_object_get(did, "allowViolations"));
}

int compile_armor_profile(const struct policy *p, const char *pavise_namespace,
			  json_t **ret_profile)
{
	json_auto_t *ap = NULL;
	json_t *profile, *labels;
	char enforcers[64];
	const json_t *mo = json_path(p->object, "spec", "policy", "modelingOptions", NULL);
	int r;

	policy_enforcers_to_string(p->enforcers, enforcers, sizeof(enforcers));
	profile = json_pack(
		"{s:s,s:s,s:s}", "name", p->profile_name, "enforcer",
		json_string_value(json_path(p->object, "spec", "policy", "enforcer", NULL)) ?:
			enforcers,
		"mode", complain_mode(p) ? "complain" : "enforce");
	if (!profile)
		return -ENOMEM;
	ap = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:O,s:o,s:{s:b,s:I},s:b}}", "apiVersion",
		       POLICY_API_VERSION, "kind", "ArmorProfile", "metadata", "name",
		       p->profile_name, "namespace", p->cluster ? pavise_namespace : p->namespace,
		       "spec", "target", json_path(p->object, "spec", "target", NULL), "profile",
		       profile, "behaviorModeling", "enable", p->mode == MODE_BEHAVIOR_MODELING,
		       "duration", (json_int_t)json_integer_value(json_object_get(mo, "duration")),
		       "updateExistingWorkloads", p->update_existing_workloads);
	if (!ap)
		return -ENOMEM;
	labels = json_path(p->object, "metadata", "labels", NULL);
	if (json_is_object(labels) &&
	    json_object_set(json_object_get(ap, "metadata"), "labels", labels) < 0)
		return -ENOMEM;

	if (p->enforcers & ENFORCER_APPARMOR) {
		_cleanup_free_ char *text = NULL;

		r = apparmor_compile(p, &text);
		if (r < 0)
			return r;
		if (json_object_set_new(profile, "appArmor", json_string(text)) < 0)
			return -ENOMEM;
	}
	if (p->enforcers & ENFORCER_SECCOMP) {
		_cleanup_free_ char *text = NULL;

		r = seccomp_compile(p, &text);
		if (r < 0)
			return r;
		if (json_object_set_new(profile, "seccomp", json_string(text)) < 0)
			return -ENOMEM;
	}
	if (p->enforcers & ENFORCER_BPF) {
		json_t *content = NULL;

		r = bpf_content_compile(p, &content);
		if (r < 0)
			return r;
		if (json_object_set_new(profile, "bpf", content) < 0)
			return -ENOMEM;
	}
	*ret_profile = TAKE_PTR(ap);
	return 0;
}

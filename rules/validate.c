// SPDX-License-Identifier: Apache-2.0
/* Full policy validation: structure, modes, built-in rule IDs and every enforcer section. */
#include <string.h>

#include "common/json-util.h"
#include "rules/apparmor.h"
#include "rules/bpf-content.h"
#include "rules/catalog.h"
#include "rules/seccomp.h"
#include "rules/validate.h"

#define EP	      "spec.policy.enhanceProtect"
#define RULE_LIST_MAX 512

static const char *category_field(enum rule_category c)
{
	switch (c) {
	case RULE_HARDENING:
		return "hardeningRules";
	case RULE_ATTACK_PROTECTION:
		return "attackProtectionRules";
	case RULE_VUL_MITIGATION:
		return "vulMitigationRules";
	case _RULE_CATEGORY_MAX:
		break;
	}
	return "?";
}

/* Checks one list of built-in rule IDs; `field` is its path for messages. */
static int check_rule_ids(const json_t *list, const char *field, enum rule_category expected,
			  struct policy_diags *d)
{
	size_t i;
	json_t *v;
	int nerr = 0;

	if (!list)
		return 0;
	if (!json_is_array(list)) {
		policy_diags_error(d, "%s: must be a list of built-in rule names", field);
		return -EINVAL;
	}
	if (json_array_size(list) > RULE_LIST_MAX) {
		policy_diags_error(d, "%s: at most %d rules", field, RULE_LIST_MAX);
		return -EINVAL;
	}
	json_array_foreach(list, i, v) {
		const char *id = json_string_value(v);
		const struct catalog_rule *rule;

		if (!id || !*id) {
			policy_diags_error(d, "%s[%zu]: must be a built-in rule name", field, i);
			nerr++;
			continue;
		}
		rule = catalog_lookup(id);
		if (!rule) {
			const char *hint = catalog_suggest(id);

			if (hint)
				policy_diags_error(
					d,
					"%s[%zu]: unknown built-in rule \"%s\" (did you mean \"%s\"?)",
					field, i, id, hint);
			else
				policy_diags_error(
					d,
					"%s[%zu]: unknown built-in rule \"%s\" (run 'pavisectl rules' for the list)",
					field, i, id);
			nerr++;
		} else if (rule->category != expected) {
			policy_diags_warning(
				d,
				"%s[%zu]: \"%s\" is a %s rule, listed under %s; it applies all the same",
				field, i, id, catalog_category_name(rule->category),
				category_field(expected));
		}
	}
	return nerr ? -EINVAL : 0;
}

static unsigned implementers(const struct catalog_rule *rule)
{
	return (rule->apparmor ? ENFORCER_APPARMOR : 0) | (rule->n_bpf ? ENFORCER_BPF : 0) |
	       (rule->n_seccomp ? ENFORCER_SECCOMP : 0);
}

/*
 * One warning per built-in rule that none of the policy's enforcers
 * implements (vArmor drops such rules silently). A rule that one selected
 * enforcer implements and another does not is normal and not reported.
 */
static void check_rule_effect(const struct policy *p, const json_t *list, const char *field,
			      struct policy_diags *d)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v) {
		const struct catalog_rule *rule = catalog_lookup(strempty(json_string_value(v)));
		char have[64], by[64];

		if (!rule || (implementers(rule) & p->enforcers))
			continue;
		policy_enforcers_to_string(p->enforcers, have, sizeof(have));
		if (implementers(rule))
			policy_enforcers_to_string(implementers(rule), by, sizeof(by));
		else
			snprintf(by, sizeof(by), "no enforcer yet");
		policy_diags_warning(
			d,
			"%s[%zu]: built-in rule \"%s\" has no effect with enforcer %s; it is implemented by %s",
			field, i, rule->id, have, by);
	}
}

static bool is_absolute_path(const char *s)
{
	return s && s[0] == '/' && strlen(s) < 4096 && !strstr(s, "/../") && !strchr(s, '\n');
}

static int check_enhance_protect(const struct policy *p, const json_t *ep, struct policy_diags *d)
{
	json_t *aps, *v;
	size_t i;
	int nerr = 0;

	if (!json_is_object(ep)) {
		policy_diags_error(d, EP ": must be an object");
		return -EINVAL;
	}
	nerr += check_rule_ids(json_object_get(ep, "hardeningRules"), EP ".hardeningRules",
			       RULE_HARDENING, d) < 0;
	nerr += check_rule_ids(json_object_get(ep, "vulMitigationRules"), EP ".vulMitigationRules",
			       RULE_VUL_MITIGATION, d) < 0;
	check_rule_effect(p, json_object_get(ep, "hardeningRules"), EP ".hardeningRules", d);
	check_rule_effect(p, json_object_get(ep, "vulMitigationRules"), EP ".vulMitigationRules",
			  d);
	aps = json_object_get(ep, "attackProtectionRules");
	if (aps && !json_is_array(aps)) {
		policy_diags_error(d,
				   EP ".attackProtectionRules: must be a list of {rules, targets}");
		nerr++;
	}
	json_array_foreach(aps, i, v) {
		char field[128];
		json_t *rules = json_object_get(v, "rules"),
		       *targets = json_object_get(v, "targets"), *t;
		size_t k;

		snprintf(field, sizeof(field), EP ".attackProtectionRules[%zu].rules", i);
		if (!json_is_object(v) || json_array_size(rules) == 0) {
			policy_diags_error(
				d, "%s: required, a non-empty list of built-in rule names", field);
			nerr++;
			continue;
		}
		nerr += check_rule_ids(rules, field, RULE_ATTACK_PROTECTION, d) < 0;
		check_rule_effect(p, rules, field, d);
		if (targets && !json_is_array(targets)) {
			policy_diags_error(
				d,
				EP
				".attackProtectionRules[%zu].targets: must be a list of executable paths",
				i);
			nerr++;
		}
		json_array_foreach(targets, k, t)
			if (!is_absolute_path(json_string_value(t))) {
				policy_diags_error(
					d,
					EP
					".attackProtectionRules[%zu].targets[%zu]: must be an absolute executable path such as /bin/bash",
					i, k);
				nerr++;
			}
		if (json_array_size(targets) && !(p->enforcers & ENFORCER_APPARMOR))
			policy_diags_warning(
				d,
				EP
				".attackProtectionRules[%zu].targets: only the AppArmor enforcer restricts rules to target executables; other enforcers apply them to the whole container",
				i);
	}
	for (const char *const *f = (const char *const[]){ "privileged", "auditViolations",
							   "allowViolations", NULL };
	     *f; f++) {
		json_t *b = json_object_get(ep, *f);

		if (b && !json_is_null(b) && !json_is_boolean(b)) {
			policy_diags_error(d, EP ".%s: must be true or false", *f);
			nerr++;
		}
	}
	if (json_object_get(ep, "networkProxyRawRules"))
		policy_diags_warning(
			d, EP
			".networkProxyRawRules: the NetworkProxy enforcer is not part of pavise; these rules are ignored");
	return nerr ? -EINVAL : 0;
}

static int check_modes(const struct policy *p, struct policy_diags *d)
{
	const json_t *pol = json_path(p->object, "spec", "policy", NULL);
	const json_t *ep = json_object_get(pol, "enhanceProtect");
	const json_t *did = json_object_get(pol, "defenseInDepth");
	const json_t *mo = json_object_get(pol, "modelingOptions");
	int nerr = 0;

	if (p->enforcers & ENFORCER_NETWORKPROXY) {
		policy_diags_error(
			d,
			"spec.policy.enforcer: the NetworkProxy enforcer is not supported by pavise; use AppArmor, BPF and/or Seccomp (BPF egress rules cover IP-level egress)");
		nerr++;
	}
	switch (p->mode) {
	case MODE_ENHANCE_PROTECT:
		if (!ep || json_is_null(ep)) {
			policy_diags_error(d, EP ": required when mode is EnhanceProtect");
			nerr++;
		} else {
			nerr += check_enhance_protect(p, ep, d) < 0;
		}
		break;
	case MODE_BEHAVIOR_MODELING: {
		json_t *dur = json_object_get(mo, "duration");

		if (!json_is_integer(dur) || json_integer_value(dur) <= 0 ||
		    json_integer_value(dur) > 60 * 24 * 30) {
			policy_diags_error(
				d,
				"spec.policy.modelingOptions.duration: required when mode is BehaviorModeling, minutes between 1 and 43200");
			nerr++;
		}
		if (p->enforcers & ENFORCER_NETWORKPROXY) {
			policy_diags_error(
				d,
				"spec.policy.mode: BehaviorModeling cannot be combined with NetworkProxy");
			nerr++;
		}
		break;
	}
	case MODE_DEFENSE_IN_DEPTH:
		if (!json_is_object(did)) {
			policy_diags_error(
				d,
				"spec.policy.defenseInDepth: required when mode is DefenseInDepth");
			nerr++;
		}
		if (p->enforcers & ENFORCER_BPF) {
			policy_diags_error(
				d,
				"spec.policy.enforcer: DefenseInDepth is not supported by the BPF enforcer; use AppArmor and/or Seccomp");
			nerr++;
		}
		break;
	case MODE_ALWAYS_ALLOW:
	case MODE_RUNTIME_DEFAULT:
	case _MODE_MAX:
		break;
	}
	if (p->mode != MODE_ENHANCE_PROTECT && ep && !json_is_null(ep))
		policy_diags_warning(d, EP ": ignored in %s mode", policy_mode_to_string(p->mode));
	if (p->target.kind == TARGET_POD && p->update_existing_workloads)
		policy_diags_warning(
			d,
			"spec.updateExistingWorkloads: Pods are never restarted; recreate existing Pods to protect them");
	return nerr ? -EINVAL : 0;
}

static int (*const section_validators[])(const struct policy *, struct policy_diags *) = {
	apparmor_validate,
	seccomp_validate,
	bpf_content_validate,
};

/*
 * Runs one enforcer's validator. Its per-enforcer "not implemented" warnings
 * are dropped: check_rule_effect() reports, once, the rules that none of the
 * selected enforcers implements.
 */
static int run_section_validator(int (*fn)(const struct policy *, struct policy_diags *),
				 const struct policy *p, struct policy_diags *diags)
{
	struct policy_diags local = {};
	int r = fn(p, &local);

	for (size_t i = 0; i < local.n_errors; i++)
		policy_diags_error(diags, "%s", local.errors[i]);
	for (size_t i = 0; i < local.n_warnings; i++)
		if (!strstr(local.warnings[i], "\" is not implemented by the "))
			policy_diags_warning(diags, "%s", local.warnings[i]);
	policy_diags_clear(&local);
	return r;
}

int validate_policy(const json_t *obj, const char *pavise_namespace, const char *default_namespace,
		    struct policy **ret_policy, struct policy_diags *diags)
{
	_cleanup_(policy_freep) struct policy *p = NULL;
	int r, nerr = 0;

	r = policy_parse(obj, pavise_namespace, default_namespace, &p, diags);
	if (r < 0)
		return r;
	nerr += check_modes(p, diags) < 0;
	/* Every enforcer checks the sections it owns, selected or not: a malformed
	 * field is a mistake either way. */
	for (size_t i = 0; i < ELEMENTSOF(section_validators); i++) {
		r = run_section_validator(section_validators[i], p, diags);
		if (r == -ENOMEM)
			return r;
		nerr += r < 0;
	}
	if (nerr)
		return -EINVAL;
	*ret_policy = TAKE_PTR(p);
	return 0;
}

int validate_policy_update(const struct policy *old, const struct policy *new,
			   const char *old_status_phase, struct policy_diags *diags)
{
	const json_t *ot = json_path(old->object, "spec", "target", NULL);
	const json_t *nt = json_path(new->object, "spec", "target", NULL);
	bool modeling = old->mode == MODE_BEHAVIOR_MODELING && old_status_phase &&
			strcmp(old_status_phase, "Modeling") == 0;
	int nerr = 0;

	if (!(ot && nt && json_equal(ot, nt)) && !(!ot && !nt)) {
		policy_diags_error(
			diags,
			"spec.target: is immutable; delete and recreate the policy to change it");
		nerr++;
	}
	if ((old->enforcers & ENFORCER_APPARMOR) && !(new->enforcers &ENFORCER_APPARMOR)) {
		policy_diags_error(
			diags,
			"spec.policy.enforcer: AppArmor cannot be removed from an existing policy (running containers keep the profile); delete and recreate the policy");
		nerr++;
	}
	if ((old->enforcers & ENFORCER_SECCOMP) && !(new->enforcers &ENFORCER_SECCOMP)) {
		policy_diags_error(
			diags,
			"spec.policy.enforcer: Seccomp cannot be removed from an existing policy (running containers keep the filter); delete and recreate the policy");
		nerr++;
	}
	if (modeling && new->mode != MODE_BEHAVIOR_MODELING) {
		policy_diags_error(
			diags,
			"spec.policy.mode: the policy is still modeling; wait until status.phase is Completed before switching mode");
		nerr++;
	}
	if (modeling && new->enforcers != old->enforcers) {
		policy_diags_error(
			diags, "spec.policy.enforcer: cannot change while the policy is modeling");
		nerr++;
	}
	if ((new->enforcers & ~old->enforcers) != 0)
		policy_diags_warning(
			diags,
			"spec.policy.enforcer: an added enforcer only protects Pods created from now on");
	return nerr ? -EINVAL : 0;
}

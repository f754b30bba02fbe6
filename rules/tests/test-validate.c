// SPDX-License-Identifier: Apache-2.0
/*
 * The full validator and the ArmorProfile compiler: field-level messages for
 * invalid policies, update rules, and every policy in vArmor's examples
 * (../shared/varmor-examples, read in place) validating and compiling.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "common/json-util.h"
#include "common/yaml.h"
#include "rules/compile.h"
#include "rules/validate.h"
#include "tests/lib/testlib.h"

#define POL(spec)                                                                                                              \
	"{'apiVersion':'crd.varmor.org/v1beta1','kind':'VarmorPolicy','metadata':{'name':'p','namespace':'demo'},'spec':" spec \
	"}"
#define TGT "'target':{'kind':'Deployment','name':'web'}"

struct vcase {
	const char *policy;
	const char *want; /* substring of an error; NULL: valid */
	const char *want_warning;
};

static const struct vcase cases[] = {
	{ POL("{" TGT
	      ",'policy':{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{'hardeningRules':['disallow-umount']}}}"),
	  NULL },
	{ POL("{" TGT
	      ",'policy':{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{'hardeningRules':['disalow-umount']}}}"),
	  "spec.policy.enhanceProtect.hardeningRules[0]: unknown built-in rule \"disalow-umount\" (did you mean \"disallow-umount\"?)" },
	{ POL("{" TGT
	      ",'policy':{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{'hardeningRules':['zzzzzzzzzz']}}}"),
	  "unknown built-in rule \"zzzzzzzzzz\" (run 'pavisectl rules' for the list)" },
	{ POL("{" TGT ",'policy':{'enforcer':'AppArmor','mode':'EnhanceProtect'}}"),
	  "spec.policy.enhanceProtect: required when mode is EnhanceProtect" },
	{ POL("{" TGT
	      ",'policy':{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{'attackProtectionRules':[{'targets':['/bin/sh']}]}}}"),
	  "spec.policy.enhanceProtect.attackProtectionRules[0].rules: required" },
	{ POL("{" TGT
	      ",'policy':{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{'attackProtectionRules':[{'rules':['disable-shell'],'targets':['bash']}]}}}"),
	  "spec.policy.enhanceProtect.attackProtectionRules[0].targets[0]: must be an absolute executable path" },
	{ POL("{" TGT ",'policy':{'enforcer':'AppArmor','mode':'BehaviorModeling'}}"),
	  "spec.policy.modelingOptions.duration: required when mode is BehaviorModeling" },
	{ POL("{" TGT ",'policy':{'enforcer':'BPF','mode':'DefenseInDepth','defenseInDepth':{}}}"),
	  "spec.policy.enforcer: DefenseInDepth is not supported by the BPF enforcer" },
	{ POL("{" TGT ",'policy':{'enforcer':'AppArmor','mode':'DefenseInDepth'}}"),
	  "spec.policy.defenseInDepth: required when mode is DefenseInDepth" },
	{ POL("{" TGT ",'policy':{'enforcer':'NetworkProxy','mode':'AlwaysAllow'}}"),
	  "the NetworkProxy enforcer is not supported by pavise" },
	{ POL("{'target':{'kind':'Deployment'},'policy':{'enforcer':'BPF','mode':'AlwaysAllow'}}"),
	  "spec.target: one of name or selector is required" },
	{ POL("{" TGT
	      ",'policy':{'enforcer':'Seccomp','mode':'EnhanceProtect','enhanceProtect':{'hardeningRules':['disable-cap-all']}}}"),
	  NULL,
	  "hardeningRules[0]: built-in rule \"disable-cap-all\" has no effect with enforcer Seccomp" },
	{ POL("{" TGT
	      ",'policy':{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{'hardeningRules':['disable-shell']}}}"),
	  NULL, "is a attack-protection rule, listed under hardeningRules" },
	{ POL("{'target':{'kind':'Pod','name':'x'},'updateExistingWorkloads':true,'policy':{'enforcer':'BPF','mode':'AlwaysAllow'}}"),
	  NULL, "spec.updateExistingWorkloads: Pods are never restarted" },
	{ "{'apiVersion':'crd.varmor.org/v1beta1','kind':'VarmorPolicy','metadata':{'name':'a-very-long-policy-name-that-goes-past-the-limit-of-the-profile','namespace':'demo'},'spec':{" TGT
	  ",'policy':{'enforcer':'BPF','mode':'AlwaysAllow'}}}",
	  "over the limit of 63; shorten the policy name" },
};

static bool has(char **v, size_t n, const char *needle)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(v[i], needle))
			return true;
	return false;
}

static void test_messages(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		json_auto_t *o = testlib_json(cases[i].policy);
		struct policy_diags d = {};
		struct policy *p = NULL;
		int r = validate_policy(o, "pavise-system", NULL, &p, &d);

		if (cases[i].want) {
			if (r != -EINVAL || !has(d.errors, d.n_errors, cases[i].want)) {
				for (size_t k = 0; k < d.n_errors; k++)
					fprintf(stderr, "# got: %s\n", d.errors[k]);
				fail_msg("case %zu: want error containing '%s'", i, cases[i].want);
			}
			assert_null(p);
		} else {
			if (r != 0)
				fail_msg("case %zu: want valid, got '%s'", i,
					 d.n_errors ? d.errors[0] : "?");
			assert_non_null(p);
		}
		if (cases[i].want_warning &&
		    !has(d.warnings, d.n_warnings, cases[i].want_warning)) {
			for (size_t k = 0; k < d.n_warnings; k++)
				fprintf(stderr, "# warning: %s\n", d.warnings[k]);
			fail_msg("case %zu: want warning containing '%s'", i,
				 cases[i].want_warning);
		}
		policy_free(p);
		policy_diags_clear(&d);
	}
}

static struct policy *must_validate(const char *fixture)
{
	json_auto_t *o = testlib_json(fixture);
	struct policy_diags d = {};
	struct policy *p = NULL;

	if (validate_policy(o, "pavise-system", NULL, &p, &d) < 0)
		fail_msg("invalid: %s", d.errors[0]);
	policy_diags_clear(&d);
	return p;
}

static void test_update_rules(void **state)
{
	struct policy *a = must_validate(
		POL("{" TGT ",'policy':{'enforcer':'AppArmorSeccomp','mode':'AlwaysAllow'}}"));
	struct policy *moved = must_validate(POL(
		"{'target':{'kind':'Deployment','name':'api'},'policy':{'enforcer':'AppArmorSeccomp','mode':'AlwaysAllow'}}"));
	struct policy *dropped = must_validate(
		POL("{" TGT ",'policy':{'enforcer':'AppArmor','mode':'AlwaysAllow'}}"));
	struct policy *added = must_validate(
		POL("{" TGT ",'policy':{'enforcer':'AppArmorBPFSeccomp','mode':'AlwaysAllow'}}"));
	struct policy *modeling = must_validate(POL(
		"{" TGT
		",'policy':{'enforcer':'AppArmorSeccomp','mode':'BehaviorModeling','modelingOptions':{'duration':5}}}"));
	struct policy_diags d = {};

	(void)state;
	assert_int_equal(validate_policy_update(a, moved, NULL, &d), -EINVAL);
	assert_true(has(d.errors, d.n_errors, "spec.target: is immutable"));
	policy_diags_clear(&d);
	assert_int_equal(validate_policy_update(a, dropped, NULL, &d), -EINVAL);
	assert_true(has(d.errors, d.n_errors, "Seccomp cannot be removed"));
	policy_diags_clear(&d);
	assert_int_equal(validate_policy_update(a, added, NULL, &d), 0);
	assert_true(has(d.warnings, d.n_warnings,
			"an added enforcer only protects Pods created from now on"));
	policy_diags_clear(&d);
	assert_int_equal(validate_policy_update(modeling, a, "Modeling", &d), -EINVAL);
	assert_true(has(d.errors, d.n_errors, "the policy is still modeling"));
	policy_diags_clear(&d);
	assert_int_equal(validate_policy_update(modeling, a, "Completed", &d), 0);
	policy_diags_clear(&d);
	policy_free(a);
	policy_free(moved);
	policy_free(dropped);
	policy_free(added);
	policy_free(modeling);
}

static void test_compile_shape(void **state)
{
	struct policy *p = must_validate(
		"{'apiVersion':'crd.varmor.org/v1beta1','kind':'VarmorClusterPolicy','metadata':{'name':'c','labels':{'team':'x'}},'spec':{"
		"'target':{'kind':'Pod','selector':{'matchLabels':{'app':'a'}}},'updateExistingWorkloads':true,"
		"'policy':{'enforcer':'AppArmorBPFSeccomp','mode':'EnhanceProtect','enhanceProtect':{'hardeningRules':['disallow-umount'],"
		"'vulMitigationRules':['dirty-pipe-mitigation']}}}}");
	json_auto_t *ap = NULL;

	(void)state;
	assert_int_equal(compile_armor_profile(p, "pavise-system", &ap), 0);
	assert_string_equal(json_path_string(ap, "kind", NULL), "ArmorProfile");
	assert_string_equal(json_path_string(ap, "metadata", "name", NULL),
			    "varmor-cluster-pavise-system-c");
	assert_string_equal(json_path_string(ap, "metadata", "namespace", NULL), "pavise-system");
	assert_string_equal(json_path_string(ap, "metadata", "labels", "team", NULL), "x");
	assert_string_equal(json_path_string(ap, "spec", "profile", "name", NULL),
			    "varmor-cluster-pavise-system-c");
	assert_string_equal(json_path_string(ap, "spec", "profile", "mode", NULL), "enforce");
	assert_non_null(strstr(json_path_string(ap, "spec", "profile", "appArmor", NULL),
			       "profile varmor-cluster-pavise-system-c "));
	assert_non_null(strstr(json_path_string(ap, "spec", "profile", "seccomp", NULL), "splice"));
	assert_true(json_is_object(json_path(ap, "spec", "profile", "bpf", NULL)));
	assert_true(json_is_true(json_path(ap, "spec", "updateExistingWorkloads", NULL)));
	assert_string_equal(json_path_string(ap, "spec", "target", "kind", NULL), "Pod");
	policy_free(p);
}

static void test_modeling_is_complain(void **state)
{
	struct policy *p = must_validate(POL(
		"{" TGT
		",'policy':{'enforcer':'AppArmorSeccomp','mode':'BehaviorModeling','modelingOptions':{'duration':30}}}"));
	json_auto_t *ap = NULL;

	(void)state;
	assert_int_equal(compile_armor_profile(p, "pavise-system", &ap), 0);
	assert_string_equal(json_path_string(ap, "spec", "profile", "mode", NULL), "complain");
	assert_true(json_is_true(json_path(ap, "spec", "behaviorModeling", "enable", NULL)));
	assert_int_equal(
		json_integer_value(json_path(ap, "spec", "behaviorModeling", "duration", NULL)),
		30);
	assert_null(json_path(ap, "spec", "profile", "bpf", NULL));
	policy_free(p);
}

static void walk(const char *dir, size_t *n_policies)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);

	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *path = NULL;
		struct stat st;

		if (ents[i]->d_name[0] == '.' ||
		    asprintf(&path, "%s/%s", dir, ents[i]->d_name) < 0) {
			free(ents[i]);
			continue;
		}
		assert_int_equal(stat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			walk(path, n_policies);
		} else if (strstr(path, ".yaml")) {
			json_auto_t *docs = NULL;
			size_t k;
			json_t *o;

			assert_int_equal(yaml_load_file(path, &docs, NULL), 0);
			json_array_foreach(docs, k, o) {
				const char *kind = json_string_value(json_object_get(o, "kind"));
				struct policy_diags d = {};
				struct policy *p = NULL;
				json_auto_t *ap = NULL;

				if (!kind || (strcmp(kind, POLICY_KIND) &&
					      strcmp(kind, CLUSTER_POLICY_KIND)))
					continue;
				(*n_policies)++;
				if (validate_policy(o, "varmor", "default", &p, &d) < 0)
					fail_msg("%s: %s", path, d.errors[0]);
				if (compile_armor_profile(p, "varmor", &ap) < 0)
					fail_msg("%s: does not compile", path);
				policy_free(p);
				policy_diags_clear(&d);
			}
		}
		free(ents[i]);
	}
	free(ents);
}

static void test_varmor_examples(void **state)
{
	char root[4096];
	size_t n = 0;

	(void)state;
	snprintf(root, sizeof(root), "%s/varmor-examples", testlib_shared_dir());
	walk(root, &n);
	assert_int_equal(n, 38); /* every policy in vArmor's examples */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),	cmocka_unit_test(test_update_rules),
		cmocka_unit_test(test_compile_shape),	cmocka_unit_test(test_modeling_is_complain),
		cmocka_unit_test(test_varmor_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: Apache-2.0
/*
 * Tests for rules/seccomp: golden profiles for every built-in rule seccomp
 * implements and every mode, validation messages, the libseccomp loader,
 * filters applied in a forked child on this kernel, and vArmor's examples.
 * UPDATE_GOLDEN=1 rewrites rules/tests/golden/seccomp/.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/fileio.h"
#include "common/json-util.h"
#include "common/yaml.h"
#include "rules/catalog.h"
#include "rules/seccomp.h"
#include "tests/lib/testlib.h"

#define GOLDEN_DIR "rules/tests/golden/seccomp"
/* The errno the child-process tests put in place of EPERM: the kernel never returns it here. */
#define MARK ENOTSUP

/* A VarmorPolicy around spec.policy (single-quoted JSON). */
static struct policy *policy_new(const char *spec_policy)
{
	json_auto_t *pol = testlib_json(spec_policy);
	json_auto_t *obj = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:{s:s,s:s},s:O}}", "apiVersion",
				     POLICY_API_VERSION, "kind", POLICY_KIND, "metadata", "name",
				     "web", "namespace", "demo", "spec", "target", "kind",
				     "Deployment", "name", "web", "policy", pol);
	struct policy_diags d = {};
	struct policy *p = NULL;

	assert_non_null(obj);
	if (policy_parse(obj, "pavise-system", NULL, &p, &d) < 0) {
		_cleanup_free_ char *e = policy_diags_join_errors(&d);

		fail_msg("policy_parse: %s", e);
	}
	policy_diags_clear(&d);
	return p;
}

static void assert_loads(const char *json)
{
	scmp_filter_ctx ctx = NULL;
	int r = seccomp_profile_load(json, &ctx);

	if (r < 0)
		fail_msg("seccomp_profile_load: %s: %s", strerror(-r), json);
	seccomp_release(ctx);
}

/* Validates (no errors, warnings allowed), compiles twice (same bytes) and loads. */
static char *compile_policy(const struct policy *p)
{
	struct policy_diags d = {};
	char *json = NULL, *again = NULL;
	int r = seccomp_validate(p, &d);

	if (r < 0) {
		_cleanup_free_ char *e = policy_diags_join_errors(&d);

		fail_msg("seccomp_validate: %d: %s", r, e);
	}
	policy_diags_clear(&d);
	assert_int_equal(seccomp_compile(p, &json), 0);
	assert_int_equal(seccomp_compile(p, &again), 0);
	assert_string_equal(json, again);
	free(again);
	assert_loads(json);
	return json;
}

static char *compile(const char *spec_policy)
{
	struct policy *p = policy_new(spec_policy);
	char *json = compile_policy(p);

	policy_free(p);
	return json;
}

static void check_golden(const char *name, const char *json)
{
	_cleanup_free_ char *path = NULL, *want = NULL, *got = NULL;

	assert_true(asprintf(&path, GOLDEN_DIR "/%s.json", name) > 0);
	assert_true(asprintf(&got, "%s\n", json) > 0);
	if (secure_getenv("UPDATE_GOLDEN")) {
		assert_int_equal(mkdir_p(GOLDEN_DIR, 0755), 0);
		assert_int_equal(write_file_atomic(path, got, strlen(got), 0644), 0);
		return;
	}
	if (read_full_file(path, SECCOMP_PROFILE_MAX, &want, NULL) < 0)
		fail_msg("%s: missing (UPDATE_GOLDEN=1 writes it); got %s", path, got);
	if (strcmp(want, got) != 0)
		fail_msg("%s differs:\nwant %sgot  %s", path, want, got);
}

static void golden(const char *name, const char *spec_policy)
{
	_cleanup_free_ char *json = compile(spec_policy);

	check_golden(name, json);
}

/* Runs validation; returns its result and the diags (caller clears). */
static int validate(const char *spec_policy, struct policy_diags *d)
{
	struct policy *p = policy_new(spec_policy);
	int r = seccomp_validate(p, d);

	policy_free(p);
	return r;
}

static bool has_msg(char **v, size_t n, const char *msg)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], msg) == 0)
			return true;
	return false;
}

static void dump_diags(const struct policy_diags *d)
{
	for (size_t i = 0; i < d->n_errors; i++)
		print_message("# error: %s\n", d->errors[i]);
	for (size_t i = 0; i < d->n_warnings; i++)
		print_message("# warning: %s\n", d->warnings[i]);
}

static void expect_error(const char *spec_policy, const char *msg)
{
	struct policy_diags d = {};

	if (validate(spec_policy, &d) != -EINVAL || !has_msg(d.errors, d.n_errors, msg)) {
		dump_diags(&d);
		fail_msg("expected error: %s", msg);
	}
	policy_diags_clear(&d);
}

static void expect_warning(const char *spec_policy, const char *msg)
{
	struct policy_diags d = {};

	if (validate(spec_policy, &d) != 0 || !has_msg(d.warnings, d.n_warnings, msg)) {
		dump_diags(&d);
		fail_msg("expected warning (and no error): %s", msg);
	}
	policy_diags_clear(&d);
}

/* ---- golden profiles ---- */

/* The enhanceProtect list a rule of category c goes in, around its ID. */
static char *rule_list(enum rule_category c, const char *id)
{
	char *s = NULL;

	switch (c) {
	case RULE_HARDENING:
		assert_true(asprintf(&s, "'hardeningRules':['%s']", id) > 0);
		break;
	case RULE_ATTACK_PROTECTION:
		assert_true(asprintf(&s, "'attackProtectionRules':[{'rules':['%s']}]", id) > 0);
		break;
	case RULE_VUL_MITIGATION:
		assert_true(asprintf(&s, "'vulMitigationRules':['%s']", id) > 0);
		break;
	case _RULE_CATEGORY_MAX:
		fail();
	}
	return s;
}

static void test_golden_builtin(void **state)
{
	static const struct {
		const char *suffix, *flags;
	} dispositions[] = {
		{ "errno", "" },
		{ "log", ",'auditViolations':true,'allowViolations':true" },
	};
	size_t n, n_seccomp = 0;
	const struct catalog_rule *rules = catalog_rules(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		if (rules[i].n_seccomp == 0)
			continue;
		n_seccomp++;
		for (size_t k = 0; k < ELEMENTSOF(dispositions); k++) {
			_cleanup_free_ char *list = NULL, *spec = NULL, *name = NULL;

			list = rule_list(rules[i].category, rules[i].id);
			assert_true(asprintf(&spec,
					     "{'enforcer':'Seccomp','mode':'EnhanceProtect',"
					     "'enhanceProtect':{%s%s}}",
					     list, dispositions[k].flags) > 0);
			assert_true(asprintf(&name, "builtin-%s-%s", rules[i].id,
					     dispositions[k].suffix) > 0);
			golden(name, spec);
		}
	}
	/* vArmor's section 7 lists seven rules with a seccomp implementation. */
	assert_int_equal(n_seccomp, 7);
}

static void test_golden_modes(void **state)
{
	(void)state;
	golden("always-allow", "{'enforcer':'Seccomp','mode':'AlwaysAllow'}");
	golden("runtime-default", "{'enforcer':'AppArmorSeccomp','mode':'RuntimeDefault'}");
	golden("behavior-modeling",
	       "{'enforcer':'Seccomp','mode':'BehaviorModeling','modelingOptions':{'duration':3}}");
	/* Every seccomp built-in together: chmod-family rules of two built-ins merge. */
	golden("builtin-all-errno",
	       "{'enforcer':'Seccomp','mode':'EnhanceProtect','enhanceProtect':{"
	       "'hardeningRules':['disallow-create-user-ns','DISALLOW_LOAD_ALL_BPF_PROG',"
	       "'disallow-load-bpf-via-setsockopt','disallow-userfaultfd-creation',"
	       "'disable-cap-all'],"
	       "'attackProtectionRules':[{'rules':['disable-chmod-x-bit','disable-chmod-s-bit']}],"
	       "'vulMitigationRules':['dirty-pipe-mitigation'],'privileged':true}}");
	/* Audit without allow still blocks under seccomp (vArmor); only allow+audit logs. */
	golden("builtin-audit-only-errno",
	       "{'enforcer':'Seccomp','mode':'EnhanceProtect','enhanceProtect':{"
	       "'vulMitigationRules':['dirty-pipe-mitigation'],'auditViolations':true}}");
	golden("enhance-protect-empty",
	       "{'enforcer':'Seccomp','mode':'EnhanceProtect','enhanceProtect':{}}");
}

static const char *const did_custom =
	"'customProfile':'{\\'defaultAction\\':\\'SCMP_ACT_LOG\\',"
	"\\'architectures\\':[\\'SCMP_ARCH_X86_64\\'],"
	"\\'syscalls\\':[{\\'names\\':[\\'read\\',\\'write\\',\\'close\\',\\'exit_group\\'],"
	"\\'action\\':\\'SCMP_ACT_ALLOW\\'},"
	"{\\'names\\':[\\'socket\\'],\\'action\\':\\'SCMP_ACT_ALLOW\\',"
	"\\'args\\':[{\\'index\\':0,\\'value\\':2,\\'op\\':\\'SCMP_CMP_EQ\\'}]},"
	"{\\'names\\':[\\'ptrace\\'],\\'action\\':\\'SCMP_ACT_ERRNO\\'},"
	"{\\'names\\':[\\'chmod\\'],\\'action\\':\\'SCMP_ACT_ERRNO\\',\\'errnoRet\\':13}]}'";

static void test_golden_defense_in_depth(void **state)
{
	_cleanup_free_ char *errno_spec = NULL, *log_spec = NULL, *raw_spec = NULL;

	(void)state;
	assert_true(
		asprintf(&errno_spec,
			 "{'enforcer':'AppArmorSeccomp','mode':'DefenseInDepth','defenseInDepth':{"
			 "'allowViolations':false,'seccomp':{'profileType':'Custom',%s}}}",
			 did_custom) > 0);
	golden("defense-in-depth-custom-errno", errno_spec);
	assert_true(asprintf(&log_spec,
			     "{'enforcer':'Seccomp','mode':'DefenseInDepth','defenseInDepth':{"
			     "'allowViolations':true,'seccomp':{'profileType':'Custom',%s}}}",
			     did_custom) > 0);
	golden("defense-in-depth-custom-log", log_spec);
	/* Raw rules: appended; one without args replaces the customProfile's rules for chmod. */
	assert_true(
		asprintf(&raw_spec,
			 "{'enforcer':'Seccomp','mode':'DefenseInDepth','defenseInDepth':{"
			 "'seccomp':{'profileType':'Custom',%s,'syscallRawRules':["
			 "{'names':['chmod','fchmod','fchmodat','fchmodat2'],'action':'SCMP_ACT_ALLOW'},"
			 "{'names':['socket'],'action':'SCMP_ACT_ALLOW','args':["
			 "{'index':0,'value':10,'op':'SCMP_CMP_EQ'}]}]}}}",
			 did_custom) > 0);
	golden("defense-in-depth-custom-raw-rules", raw_spec);
}

static void test_defense_in_depth_default_errno(void **state)
{
	static const char *const custom =
		"'customProfile':'{\\'defaultAction\\':\\'SCMP_ACT_ERRNO\\',"
		"\\'defaultErrnoRet\\':38,\\'flags\\':[\\'SECCOMP_FILTER_FLAG_LOG\\'],"
		"\\'syscalls\\':[{\\'names\\':[\\'read\\'],"
		"\\'action\\':\\'SCMP_ACT_ALLOW\\'}]}'";
	_cleanup_free_ char *spec = NULL, *json = NULL, *log_spec = NULL, *log = NULL;

	(void)state;
	/* The customProfile's defaultErrnoRet and flags are kept with the forced ERRNO... */
	assert_true(asprintf(&spec,
			     "{'enforcer':'Seccomp','mode':'DefenseInDepth','defenseInDepth':{"
			     "'seccomp':{'profileType':'Custom',%s}}}",
			     custom) > 0);
	json = compile(spec);
	assert_string_equal(json,
			    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
			    "\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"syscalls\":[{\"names\":"
			    "[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
	/* ...and the errno goes with allowViolations, which logs instead. */
	assert_true(asprintf(&log_spec,
			     "{'enforcer':'Seccomp','mode':'DefenseInDepth','defenseInDepth':{"
			     "'allowViolations':true,'seccomp':{'profileType':'Custom',%s}}}",
			     custom) > 0);
	log = compile(log_spec);
	assert_string_equal(log,
			    "{\"defaultAction\":\"SCMP_ACT_LOG\",\"flags\":"
			    "[\"SECCOMP_FILTER_FLAG_LOG\"],\"syscalls\":[{\"names\":[\"read\"],"
			    "\"action\":\"SCMP_ACT_ALLOW\"}]}");
}

#define EP(x) "{'enforcer':'Seccomp','mode':'EnhanceProtect','enhanceProtect':{" x "}}"
#define X_BIT "'attackProtectionRules':[{'rules':['disable-chmod-x-bit']}]"

static void test_golden_raw_rules(void **state)
{
	(void)state;
	/* Same action and errnoRet: the raw alternative joins the built-in ones. */
	golden("raw-merge-same-action",
	       EP(X_BIT
		  ",'syscallRawRules':[{'names':['chmod','fchmod'],'action':'SCMP_ACT_ERRNO',"
		  "'args':[{'index':1,'value':512,'valueTwo':512,'op':'SCMP_CMP_MASKED_EQ'}]}]"));
	/* Without errnoRet SCMP_ACT_ERRNO means EPERM, so this merges too. */
	golden("raw-merge-default-errno",
	       EP("'vulMitigationRules':['dirty-pipe-mitigation'],'syscallRawRules':["
		  "{'names':['tee','vmsplice'],'action':'SCMP_ACT_ERRNO'}]"));
	/* No args, same action: the whole syscall is blocked. */
	golden("raw-override-no-args",
	       EP(X_BIT ",'syscallRawRules':[{'names':['chmod'],'action':'SCMP_ACT_ERRNO'}]"));
	/* No args, another action: replaces the built-in for that syscall only. */
	golden("raw-override-other-action",
	       EP(X_BIT ",'vulMitigationRules':['dirty-pipe-mitigation'],'syscallRawRules':["
			"{'names':['splice','fchmodat2'],'action':'SCMP_ACT_LOG'}]"));
	/* ALLOW is the default action: it exempts the syscall and is not written. */
	golden("raw-allow-exempts",
	       EP(X_BIT ",'syscallRawRules':[{'names':['fchmodat2'],'action':'SCMP_ACT_ALLOW'}]"));
	/* A distinctive errno, arguments of different indexes ANDed. */
	golden("raw-errno-and-args",
	       EP("'syscallRawRules':[{'names':['socket'],'action':'SCMP_ACT_ERRNO','errnoRet':97,"
		  "'args':[{'index':1,'value':3,'op':'SCMP_CMP_EQ'},"
		  "{'index':0,'value':38,'op':'SCMP_CMP_EQ'}]},"
		  "{'names':['mkdir','mkdirat'],'action':'SCMP_ACT_ERRNO','errnoRet':95}]"));
	/* vArmor v0.5.6 demo: three conditions on one argument are alternatives (runc, crun). */
	golden("raw-repeated-index",
	       EP("'syscallRawRules':[{'names':['fchmodat'],'action':'SCMP_ACT_ERRNO','args':["
		  "{'index':2,'value':64,'valueTwo':64,'op':'SCMP_CMP_MASKED_EQ'},"
		  "{'index':2,'value':8,'valueTwo':8,'op':'SCMP_CMP_MASKED_EQ'},"
		  "{'index':2,'value':1,'valueTwo':1,'op':'SCMP_CMP_MASKED_EQ'}]}]"));
	/* Conditions on different actions that exclude each other (socket domain). */
	golden("raw-disjoint-actions",
	       EP("'syscallRawRules':[{'names':['socket'],'action':'SCMP_ACT_ERRNO','args':["
		  "{'index':0,'value':38,'op':'SCMP_CMP_EQ'}]},"
		  "{'names':['socket'],'action':'SCMP_ACT_LOG','args':["
		  "{'index':0,'value':17,'op':'SCMP_CMP_EQ'}]},"
		  "{'names':['socket'],'action':'SCMP_ACT_KILL_THREAD','args':["
		  "{'index':0,'value':100,'op':'SCMP_CMP_GE'}]}]"));
	/* A broader alternative makes a narrower one of the same action redundant. */
	golden("raw-subsumed",
	       EP("'hardeningRules':['disallow-load-bpf-via-setsockopt'],'syscallRawRules':["
		  "{'names':['setsockopt'],'action':'SCMP_ACT_ERRNO','errnoRet':1,'args':["
		  "{'index':1,'value':1,'op':'SCMP_CMP_EQ'}]}]"));
}

static void test_deterministic_order(void **state)
{
	_cleanup_free_ char *a = NULL, *b = NULL;

	(void)state;
	a = compile(EP(
		"'hardeningRules':['disallow-create-user-ns','disallow-userfaultfd-creation'],"
		"'attackProtectionRules':[{'rules':['disable-chmod-s-bit','disable-chmod-x-bit']}],"
		"'syscallRawRules':[{'names':['splice','tee'],'action':'SCMP_ACT_ERRNO'}]"));
	b = compile(
		EP("'syscallRawRules':[{'names':['tee','splice'],'action':'SCMP_ACT_ERRNO'}],"
		   "'attackProtectionRules':[{'rules':['disable-chmod-x-bit']},"
		   "{'rules':['disable_chmod_s_bit']}],"
		   "'hardeningRules':['disallow-userfaultfd-creation','disallow-create-user-ns',"
		   "'disallow-create-user-ns']"));
	assert_string_equal(a, b);
}

/* ---- validation ---- */

static void test_validate_raw_rules(void **state)
{
	(void)state;
	expect_error(EP("'syscallRawRules':[{'names':['mkdir'],'action':'SCMP_ACT_ERRNO'},"
			"{'names':['mkdirr'],'action':'SCMP_ACT_ERRNO'}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[1].names[0]: unknown syscall "
		     "\"mkdirr\" (did you mean \"mkdir\"?)");
	expect_error(EP("'syscallRawRules':[{'names':['qwertyuiop'],'action':'SCMP_ACT_ERRNO'}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[0].names[0]: unknown syscall "
		     "\"qwertyuiop\"");
	expect_error(EP("'syscallRawRules':[{'names':[],'action':'SCMP_ACT_ERRNO'}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[0].names: must be a non-empty "
		     "list of syscall names");
	expect_error(EP("'syscallRawRules':[{'action':'SCMP_ACT_ERRNO'}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[0].names: required, a list of "
		     "syscall names");
	expect_error(EP("'syscallRawRules':[{'names':['read',7],'action':'SCMP_ACT_ERRNO'}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[0].names[1]: must be a non-empty "
		     "string");
	expect_error(EP("'syscallRawRules':[{'names':['read'],'action':'SCMP_ACT_DENY'}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[0].action: unknown action "
		     "\"SCMP_ACT_DENY\" (use SCMP_ACT_ERRNO, SCMP_ACT_LOG, SCMP_ACT_ALLOW, "
		     "SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP "
		     "or SCMP_ACT_TRACE)");
	expect_error(EP("'syscallRawRules':[{'names':['read'],'action':'SCMP_ACT_NOTIFY'}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[0].action: SCMP_ACT_NOTIFY needs "
		     "a user-space listener (listenerPath), which pavise does not run; use "
		     "SCMP_ACT_ERRNO or SCMP_ACT_LOG");
	expect_error(EP("'syscallRawRules':[{'names':['read'],'action':'SCMP_ACT_ERRNO',"
			"'errnoRet':4096}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[0].errnoRet: 4096 is out of range "
		     "(0 to 4095)");
	expect_error(EP("'syscallRawRules':[{'names':['read'],'action':'SCMP_ACT_ERRNO',"
			"'errnoRet':-1}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[0].errnoRet: -1 is out of range "
		     "(0 to 4095)");
	expect_error(EP("'syscallRawRules':[{'names':['read'],'action':'SCMP_ACT_LOG',"
			"'errnoRet':1}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[0].errnoRet: only valid with "
		     "SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_LOG");
	expect_error(EP("'syscallRawRules':[{'names':['read'],'action':'SCMP_ACT_ERRNO','args':["
			"{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[0].args[0].index: 6 is not an "
		     "argument index (0 to 5)");
	expect_error(EP("'syscallRawRules':[{'names':['read'],'action':'SCMP_ACT_ERRNO','args':["
			"{'index':0,'value':1,'op':'SCMP_CMP_LIKE'}]}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[0].args[0].op: unknown operator "
		     "\"SCMP_CMP_LIKE\" (use SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, "
		     "SCMP_CMP_GE, SCMP_CMP_GT or SCMP_CMP_MASKED_EQ)");
	expect_error(EP("'syscallRawRules':[{'names':['read'],'action':'SCMP_ACT_ERRNO','args':["
			"{'index':0,'value':-5,'op':'SCMP_CMP_EQ'}]}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[0].args[0].value: must be an "
		     "integer from 0 to 9223372036854775807");
	expect_error(EP("'syscallRawRules':[{'names':['read'],'action':'SCMP_ACT_ERRNO','args':["
			"{'index':0,'op':'SCMP_CMP_EQ'},{'index':1,'op':'SCMP_CMP_EQ'},"
			"{'index':2,'op':'SCMP_CMP_EQ'},{'index':3,'op':'SCMP_CMP_EQ'},"
			"{'index':4,'op':'SCMP_CMP_EQ'},{'index':5,'op':'SCMP_CMP_EQ'},"
			"{'index':0,'op':'SCMP_CMP_NE'}]}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[0].args: 7 conditions, over the "
		     "limit of 6 (runtimes use at most six)");
	expect_error(EP("'syscallRawRules':{'names':['read']}"),
		     "spec.policy.enhanceProtect.syscallRawRules: must be a list of OCI syscall "
		     "rules");
	expect_warning(EP("'syscallRawRules':[{'names':['read'],'action':'SCMP_ACT_ERRNO',"
			  "'errno':13}]"),
		       "spec.policy.enhanceProtect.syscallRawRules[0].errno: unknown field, "
		       "ignored");
	expect_warning(EP("'syscallRawRules':[{'names':['socketcall'],'action':'SCMP_ACT_ERRNO'}]"),
		       "spec.policy.enhanceProtect.syscallRawRules[0].names[0]: \"socketcall\" is "
		       "not a system call on x86_64 (only on other architectures); it has no "
		       "effect there");
	expect_warning(EP("'syscallRawRules':[{'names':['fchmodat'],'action':'SCMP_ACT_ERRNO',"
			  "'args':[{'index':2,'value':64,'valueTwo':64,'op':'SCMP_CMP_MASKED_EQ'},"
			  "{'index':2,'value':8,'valueTwo':8,'op':'SCMP_CMP_MASKED_EQ'}]}]"),
		       "spec.policy.enhanceProtect.syscallRawRules[0].args: several conditions on "
		       "argument 2: runc and crun then treat every condition of this rule as an "
		       "alternative (OR), not all together (AND); pavise writes them as separate "
		       "rules");
	expect_warning(EP(X_BIT ",'syscallRawRules':[{'names':['chmod'],'action':'SCMP_ACT_ALLOW',"
				"'args':[{'index':1,'value':493,'op':'SCMP_CMP_EQ'}]}]"),
		       "spec.policy.enhanceProtect.syscallRawRules[0]: the action is the profile's "
		       "default action, so this rule changes nothing; to exempt a syscall from "
		       "other rules, give it no args");
	expect_warning(EP("'syscallRawRules':[{'names':['read'],'action':'SCMP_ACT_ERRNO','args':["
			  "{'index':0,'value':1,'valueTwo':3,'op':'SCMP_CMP_MASKED_EQ'}]}]"),
		       "spec.policy.enhanceProtect.syscallRawRules[0].args[0]: valueTwo has bits "
		       "outside the mask in value, so (arg & value) == valueTwo never holds");
}

#define EP_HEAD "{'enforcer':'Seccomp','mode':'EnhanceProtect','enhanceProtect':{"

static void test_validate_caps(void **state)
{
	struct policy_diags d = {};
	struct buf b;

	(void)state;
	/* More rules than allowed. */
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_append_str(&b, EP_HEAD "'syscallRawRules':["), 0);
	for (unsigned i = 0; i <= SECCOMP_RAW_RULES_MAX; i++)
		assert_int_equal(buf_printf(&b, "%s{'names':['read'],'action':'SCMP_ACT_ERRNO'}",
					    i ? "," : ""),
				 0);
	assert_int_equal(buf_append_str(&b, "]}}"), 0);
	expect_error(b.data, "spec.policy.enhanceProtect.syscallRawRules: 257 rules, over the "
			     "limit of 256");
	buf_reset(&b);

	/* Too many names in one rule. */
	assert_int_equal(buf_append_str(&b, EP_HEAD "'syscallRawRules':[{'names':["), 0);
	for (unsigned i = 0; i <= SECCOMP_NAMES_MAX; i++)
		assert_int_equal(buf_printf(&b, "%s'read'", i ? "," : ""), 0);
	assert_int_equal(buf_append_str(&b, "],'action':'SCMP_ACT_ERRNO'}]}}"), 0);
	expect_error(b.data, "spec.policy.enhanceProtect.syscallRawRules[0].names: 513 names, "
			     "over the limit of 512");
	buf_reset(&b);

	/* Within the caps, but past the kernel's limit for one BPF program. */
	assert_int_equal(buf_append_str(&b, EP_HEAD "'syscallRawRules':["), 0);
	for (unsigned i = 0; i < 170; i++) {
		assert_int_equal(buf_printf(&b,
					    "%s{'names':['ioctl'],'action':'SCMP_ACT_ERRNO',"
					    "'args':[",
					    i ? "," : ""),
				 0);
		for (unsigned k = 0; k < SECCOMP_ARGS_MAX; k++)
			assert_int_equal(buf_printf(&b,
						    "%s{'index':%u,'value':%u,'valueTwo':%u,"
						    "'op':'SCMP_CMP_MASKED_EQ'}",
						    k ? "," : "", k, i * 13 + k + 1,
						    (i * 13 + k + 1) & 5),
					 0);
		assert_int_equal(buf_append_str(&b, "]}"), 0);
	}
	assert_int_equal(buf_append_str(&b, "]}}"), 0);
	assert_int_equal(validate(b.data, &d), -EINVAL);
	if (d.n_errors != 1 ||
	    !strstr(d.errors[0], "BPF instructions, over the kernel's limit of 4096")) {
		dump_diags(&d);
		fail();
	}
	policy_diags_clear(&d);
	buf_reset(&b);

	/* Too many conditions in all (each rule is fine). */
	assert_int_equal(buf_append_str(&b, EP_HEAD "'syscallRawRules':["), 0);
	for (unsigned i = 0; i < 180; i++)
		assert_int_equal(
			buf_printf(&b,
				   "%s{'names':['ioctl'],'action':'SCMP_ACT_ERRNO','args':["
				   "{'index':0,'value':%u,'op':'SCMP_CMP_EQ'},"
				   "{'index':1,'value':1,'op':'SCMP_CMP_EQ'},"
				   "{'index':2,'value':1,'op':'SCMP_CMP_EQ'},"
				   "{'index':3,'value':1,'op':'SCMP_CMP_EQ'},"
				   "{'index':4,'value':1,'op':'SCMP_CMP_EQ'},"
				   "{'index':5,'value':1,'op':'SCMP_CMP_EQ'}]}",
				   i ? "," : "", i),
			0);
	assert_int_equal(buf_append_str(&b, "]}}"), 0);
	expect_error(b.data, "spec.policy: the seccomp rules have 1080 argument conditions in "
			     "all, over the limit of 1024");
	buf_free(&b);

	/* An ordering comparison combined with other conditions. */
	expect_error(
		EP("'syscallRawRules':[{'names':['kill'],'action':'SCMP_ACT_ERRNO','args':["
		   "{'index':0,'value':1,'op':'SCMP_CMP_GT'},"
		   "{'index':1,'value':9,'op':'SCMP_CMP_EQ'}]}]"),
		"spec.policy.enhanceProtect.syscallRawRules[0]: syscall \"kill\": a "
		"SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_GE or SCMP_CMP_GT condition "
		"must be the only condition of its rule, as combining it with others makes the "
		"seccomp filter grow exponentially; split the rule or use SCMP_CMP_EQ and "
		"SCMP_CMP_MASKED_EQ");
	/* Alone in its rule, it is fine. */
	assert_int_equal(
		validate(EP("'syscallRawRules':[{'names':['kill'],'action':'SCMP_ACT_ERRNO',"
			    "'args':[{'index':1,'value':9,'op':'SCMP_CMP_GE'}]}]"),
			 &d),
		0);
	policy_diags_clear(&d);
}

static void test_validate_builtin_warnings(void **state)
{
	struct policy_diags d = {};

	(void)state;
	expect_warning("{'enforcer':'AppArmorSeccomp','mode':'EnhanceProtect','enhanceProtect':{"
		       "'hardeningRules':['disallow-create-user-ns','disable-cap-net-raw']}}",
		       "spec.policy.enhanceProtect.hardeningRules[1]: built-in rule "
		       "\"disable-cap-net-raw\" is not implemented by the Seccomp enforcer; it is "
		       "ignored there");
	expect_warning(
		"{'enforcer':'Seccomp','mode':'EnhanceProtect','enhanceProtect':{"
		"'attackProtectionRules':[{'rules':['disable-shell']},"
		"{'rules':['disable-chmod-x-bit'],'targets':['/bin/bash']}]}}",
		"spec.policy.enhanceProtect.attackProtectionRules[1].rules[0]: built-in rule "
		"\"disable-chmod-x-bit\" is limited to targets, which the Seccomp enforcer "
		"cannot do (a filter covers the whole container); it is ignored there");
	expect_warning(EP("'vulMitigationRules':['dirty-pipe-mitigation'],'allowViolations':true"),
		       "spec.policy.enhanceProtect.allowViolations: without auditViolations the "
		       "Seccomp enforcer still blocks (SCMP_ACT_ERRNO), as vArmor does; set "
		       "auditViolations too to only log violations (SCMP_ACT_LOG)");
	/* Not the Seccomp enforcer: no warnings, but a malformed section is still an error. */
	assert_int_equal(
		validate("{'enforcer':'AppArmorBPF','mode':'EnhanceProtect',"
			 "'enhanceProtect':{'hardeningRules':['disable-cap-net-raw'],"
			 "'syscallRawRules':[{'names':['read'],'action':'SCMP_ACT_LOG'}]}}",
			 &d),
		0);
	assert_int_equal(d.n_errors + d.n_warnings, 0);
	expect_error("{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{"
		     "'syscallRawRules':[{'names':['nope'],'action':'SCMP_ACT_LOG'}]}}",
		     "spec.policy.enhanceProtect.syscallRawRules[0].names[0]: unknown syscall "
		     "\"nope\"");
	/* Another mode's section, with the Seccomp enforcer: checked, not used. */
	expect_error(EP("'hardeningRules':['disallow-create-user-ns']},'defenseInDepth':{"
			"'seccomp':{'profileType':'Custom','customProfile':'[1]'}"),
		     "spec.policy.defenseInDepth.seccomp.customProfile: the profile must be a JSON "
		     "object");
	assert_int_equal(validate("{'enforcer':'Seccomp','mode':'AlwaysAllow','defenseInDepth':{"
				  "'seccomp':{'profileType':'BehaviorModel'}}}",
				  &d),
			 0);
	assert_int_equal(d.n_errors + d.n_warnings, 0);
	/* Unknown IDs are not this module's to report. */
	assert_int_equal(validate(EP("'hardeningRules':['no-such-rule']"), &d), 0);
	assert_int_equal(d.n_errors + d.n_warnings, 0);
	policy_diags_clear(&d);
}

static void test_validate_conflicts(void **state)
{
	_cleanup_free_ char *json = NULL;

	(void)state;
	/* Another action on an overlapping condition: libseccomp would drop one silently. */
	expect_error(
		EP(X_BIT ",'syscallRawRules':[{'names':['chmod'],'action':'SCMP_ACT_LOG',"
			 "'args':[{'index':1,'value':2048,'valueTwo':2048,"
			 "'op':'SCMP_CMP_MASKED_EQ'}]}]"),
		"spec.policy.enhanceProtect.syscallRawRules[0]: syscall \"chmod\" gets "
		"SCMP_ACT_LOG here but SCMP_ACT_ERRNO (errnoRet 1) from built-in rule "
		"\"disable-chmod-x-bit\", and their conditions can overlap (libseccomp would "
		"silently keep only one): use the same action and errnoRet, or conditions that "
		"exclude each other");
	/* Another errno for the same condition. */
	expect_error(EP("'hardeningRules':['disallow-load-all-bpf-prog'],'syscallRawRules':["
			"{'names':['bpf'],'action':'SCMP_ACT_ERRNO','errnoRet':95,'args':["
			"{'index':0,'value':5,'op':'SCMP_CMP_EQ'}]}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[0]: syscall \"bpf\" gets "
		     "SCMP_ACT_ERRNO (errnoRet 95) here but SCMP_ACT_ERRNO (errnoRet 1) from "
		     "built-in rule \"disallow-load-all-bpf-prog\", and their conditions can "
		     "overlap (libseccomp would silently keep only one): use the same action and "
		     "errnoRet, or conditions that exclude each other");
	/* Two raw rules: one without args does not silently replace another raw rule. */
	expect_error(EP("'syscallRawRules':[{'names':['socket'],'action':'SCMP_ACT_ERRNO','args':["
			"{'index':0,'value':38,'op':'SCMP_CMP_EQ'}]},"
			"{'names':['socket'],'action':'SCMP_ACT_LOG'}]"),
		     "spec.policy.enhanceProtect.syscallRawRules[1]: syscall \"socket\" gets "
		     "SCMP_ACT_LOG here but SCMP_ACT_ERRNO (errnoRet 1) from "
		     "spec.policy.enhanceProtect.syscallRawRules[0], and their conditions can "
		     "overlap (libseccomp would silently keep only one): use the same action and "
		     "errnoRet, or conditions that exclude each other");
	/* Different errno on a disjoint condition of the same argument is fine. */
	json = compile(EP("'hardeningRules':['disallow-load-all-bpf-prog'],'syscallRawRules':["
			  "{'names':['bpf'],'action':'SCMP_ACT_ERRNO','errnoRet':95,'args':["
			  "{'index':0,'value':0,'op':'SCMP_CMP_EQ'}]}]"));
	assert_non_null(strstr(json, "\"errnoRet\":95"));
}

#define DID(x) "{'enforcer':'AppArmorSeccomp','mode':'DefenseInDepth','defenseInDepth':{" x "}}"

static void test_validate_defense_in_depth(void **state)
{
	struct policy *p;
	char *json = NULL;

	(void)state;
	expect_error(DID("'allowViolations':false"),
		     "spec.policy.defenseInDepth.seccomp: required when the enforcer includes "
		     "Seccomp (profileType Custom with a customProfile, or BehaviorModel)");
	expect_error(DID("'seccomp':{'profileType':'Model'}"),
		     "spec.policy.defenseInDepth.seccomp.profileType: unknown type \"Model\" (use "
		     "Custom or BehaviorModel)");
	expect_error(DID("'seccomp':{'profileType':'Custom'}"),
		     "spec.policy.defenseInDepth.seccomp.customProfile: required with profileType "
		     "Custom, an OCI seccomp profile in JSON");
	expect_error(
		DID("'seccomp':{'profileType':'Custom','customProfile':'{\\'defaultAction\\':'}"),
		"spec.policy.defenseInDepth.seccomp.customProfile: not valid JSON: "
		"unexpected token near end of file (line 1, column 17)");
	expect_error(DID("'seccomp':{'profileType':'Custom','customProfile':"
			 "'{\\'defaultAction\\':\\'SCMP_ACT_ERRNO\\',\\'syscalls\\':[{\\'names\\':"
			 "[\\'read\\',\\'writ\\'],\\'action\\':\\'SCMP_ACT_ALLOW\\'}]}'}"),
		     "spec.policy.defenseInDepth.seccomp.customProfile: syscalls[0].names[1]: "
		     "unknown syscall \"writ\" (did you mean \"write\"?)");
	expect_error(DID("'seccomp':{'profileType':'Custom','customProfile':"
			 "'{\\'defaultAction\\':\\'SCMP_ACT_NOTIFY\\',"
			 "\\'listenerPath\\':\\'/run/l.sock\\'}'}"),
		     "spec.policy.defenseInDepth.seccomp.customProfile: listenerPath: seccomp user "
		     "notification is not supported (pavise runs no listener)");
	expect_error(DID("'seccomp':{'profileType':'Custom','customProfile':"
			 "'{\\'defaultAction\\':\\'SCMP_ACT_ERRNO\\',"
			 "\\'architectures\\':[\\'SCMP_ARCH_Z80\\']}'}"),
		     "spec.policy.defenseInDepth.seccomp.customProfile: architectures[0]: unknown "
		     "architecture \"SCMP_ARCH_Z80\"");
	expect_error(DID("'seccomp':{'profileType':'Custom','customProfile':"
			 "'{\\'defaultAction\\':\\'SCMP_ACT_ERRNO\\'}','syscallRawRules':["
			 "{'names':['chmod'],'action':'SCMP_ACT_NOPE'}]}"),
		     "spec.policy.defenseInDepth.seccomp.syscallRawRules[0].action: unknown action "
		     "\"SCMP_ACT_NOPE\" (use SCMP_ACT_ERRNO, SCMP_ACT_LOG, SCMP_ACT_ALLOW, "
		     "SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP or "
		     "SCMP_ACT_TRACE)");
	expect_warning(DID("'seccomp':{'profileType':'BehaviorModel'}"),
		       "spec.policy.defenseInDepth.seccomp.profileType: BehaviorModel needs the "
		       "ArmorProfileModel of a completed BehaviorModeling run, which pavise does "
		       "not build yet; the seccomp profile cannot be compiled (use Custom)");
	expect_error(DID("'seccomp':{'profileType':'BehaviorModel','syscallRawRules':["
			 "{'names':['chmod'],'action':'SCMP_ACT_ERRNO','errnoRet':'EPERM'}]}"),
		     "spec.policy.defenseInDepth.seccomp.syscallRawRules[0].errnoRet: must be an "
		     "integer");
	p = policy_new(DID("'seccomp':{'profileType':'BehaviorModel'}"));
	assert_int_equal(seccomp_compile(p, &json), -EOPNOTSUPP);
	assert_null(json);
	policy_free(p);
}

/* ---- the loader ---- */

static int load(const char *single_quoted)
{
	_cleanup_free_ char *s = strdup(single_quoted);
	scmp_filter_ctx ctx = NULL;
	int r;

	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	r = seccomp_profile_load(s, &ctx);
	if (r == 0)
		seccomp_release(ctx);
	return r;
}

static void test_profile_load(void **state)
{
	_cleanup_free_ char *big = NULL;

	(void)state;
	assert_int_equal(load("{'defaultAction':'SCMP_ACT_ALLOW'}"), 0);
	assert_int_equal(
		load("{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':38,"
		     "'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86','SCMP_ARCH_X32'],"
		     "'flags':['SECCOMP_FILTER_FLAG_LOG'],"
		     "'syscalls':[{'names':['read','write'],'action':'SCMP_ACT_ALLOW'},"
		     "{'names':['personality'],'action':'SCMP_ACT_ALLOW','args':["
		     "{'index':0,'value':0,'op':'SCMP_CMP_EQ'}]},"
		     "{'names':['personality'],'action':'SCMP_ACT_ALLOW','args':["
		     "{'index':0,'value':8,'op':'SCMP_CMP_EQ'}]},"
		     "{'names':['clone3'],'action':'SCMP_ACT_ERRNO','errnoRet':38},"
		     "{'names':['ptrace'],'action':'SCMP_ACT_ERRNO'}]}"),
		0);
	/* Conditions on one argument are alternatives, as in runc and crun. */
	assert_int_equal(load("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['chmod'],"
			      "'action':'SCMP_ACT_ERRNO','args':["
			      "{'index':1,'value':64,'valueTwo':64,'op':'SCMP_CMP_MASKED_EQ'},"
			      "{'index':1,'value':8,'valueTwo':8,'op':'SCMP_CMP_MASKED_EQ'}]}]}"),
			 0);
	assert_int_equal(load("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdirr'],"
			      "'action':'SCMP_ACT_ERRNO'}]}"),
			 -EINVAL);
	assert_int_equal(load("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],"
			      "'action':'SCMP_ACT_NOTIFY'}]}"),
			 -EOPNOTSUPP);
	assert_int_equal(load("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],"
			      "'action':'SCMP_ACT_ERRNO','args':[{'index':9,'value':1,"
			      "'op':'SCMP_CMP_EQ'}]}]}"),
			 -EINVAL);
	assert_int_equal(load("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':'read',"
			      "'action':'SCMP_ACT_ERRNO'}]}"),
			 -EBADMSG);
	assert_int_equal(load("{'defaultAction':'SCMP_ACT_ALLOW','architectures':['x86_64']}"),
			 -EINVAL);
	assert_int_equal(
		load("{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_X']}"),
		-EINVAL);
	assert_int_equal(load("{'syscalls':[]}"), -EINVAL);
	assert_int_equal(load("{'defaultAction':'SCMP_ACT_ALLOW',"), -EBADMSG);
	assert_int_equal(load("{'defaultAction':'SCMP_ACT_ALLOW','defaultAction':'SCMP_ACT_LOG'}"),
			 -EBADMSG);
	assert_int_equal(load("[]"), -EBADMSG);
	/* Ambiguous: two actions on one syscall, overlapping. */
	assert_int_equal(load("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
			      "{'names':['splice'],'action':'SCMP_ACT_ERRNO'},"
			      "{'names':['splice'],'action':'SCMP_ACT_LOG','args':["
			      "{'index':0,'value':3,'op':'SCMP_CMP_EQ'}]}]}"),
			 -EINVAL);
	/* An entry with the default action is skipped, as runtimes do. */
	assert_int_equal(load("{'defaultAction':'SCMP_ACT_ERRNO','syscalls':["
			      "{'names':['read'],'action':'SCMP_ACT_ERRNO'}]}"),
			 0);
	big = malloc(SECCOMP_PROFILE_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', SECCOMP_PROFILE_MAX + 1);
	big[SECCOMP_PROFILE_MAX + 1] = '\0';
	assert_int_equal(seccomp_profile_load(big, &(scmp_filter_ctx){ NULL }), -EFBIG);
}

/* ---- filters applied in a child ---- */

static char test_file[4096];

static int probe_unshare_user(void)
{
	return unshare(CLONE_NEWUSER) < 0 ? errno : 0;
}

static int probe_unshare_uts(void)
{
	return unshare(CLONE_NEWUTS) < 0 ? errno : 0;
}

static int do_chmod(mode_t m)
{
	return chmod(test_file, m) < 0 ? errno : 0;
}

static int probe_chmod_0755(void)
{
	return do_chmod(0755);
}

static int probe_chmod_0644(void)
{
	return do_chmod(0644);
}

static int probe_chmod_0640(void)
{
	return do_chmod(0640);
}

static int probe_chmod_01644(void)
{
	return do_chmod(01644);
}

static int probe_chmod_04644(void)
{
	return do_chmod(04644);
}

static int probe_fchmodat_0711(void)
{
	return fchmodat(AT_FDCWD, test_file, 0711, 0) < 0 ? errno : 0;
}

static int probe_fchmod_0601(void)
{
	int fd = open(test_file, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return errno;
	r = fchmod(fd, 0601) < 0 ? errno : 0;
	close(fd);
	return r;
}

static int probe_splice(void)
{
	int a[2], b[2], r;

	if (pipe(a) < 0 || pipe(b) < 0)
		return 200;
	if (write(a[1], "x", 1) != 1)
		return 201;
	r = splice(a[0], NULL, b[1], NULL, 1, 0) < 0 ? errno : 0;
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	return r;
}

static int probe_pipe_read_write(void)
{
	char c = 0;
	int a[2];

	if (pipe(a) < 0)
		return errno;
	if (write(a[1], "x", 1) != 1)
		return errno;
	if (read(a[0], &c, 1) != 1 || c != 'x')
		return errno ? errno : 202;
	close(a[0]);
	close(a[1]);
	return 0;
}

static int probe_userfaultfd(void)
{
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (fd < 0)
		return errno;
	close((int)fd);
	return 0;
}

static int probe_bpf_prog_load(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr = {
		.prog_type = BPF_PROG_TYPE_SOCKET_FILTER,
		.insns = (uintptr_t)insns,
		.insn_cnt = ELEMENTSOF(insns),
		.license = (uintptr_t) "GPL",
	};
	long fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));

	if (fd < 0)
		return errno;
	close((int)fd);
	return 0;
}

static int probe_bpf_map_create(void)
{
	union bpf_attr attr = {
		.map_type = BPF_MAP_TYPE_ARRAY,
		.key_size = 4,
		.value_size = 4,
		.max_entries = 1,
	};
	long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));

	if (fd < 0)
		return errno;
	close((int)fd);
	return 0;
}

static int do_setsockopt(int domain, int level, int name, const void *v, socklen_t len)
{
	int fd = socket(domain, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return errno;
	r = setsockopt(fd, level, name, v, len) < 0 ? errno : 0;
	close(fd);
	return r;
}

static struct sock_filter accept_all[] = { BPF_STMT(BPF_RET | BPF_K, 0xffff) };
static struct sock_fprog accept_all_prog = { .len = 1, .filter = accept_all };

static int probe_so_attach_filter(void)
{
	return do_setsockopt(AF_INET, SOL_SOCKET, SO_ATTACH_FILTER, &accept_all_prog,
			     sizeof(accept_all_prog));
}

static int probe_so_attach_reuseport_cbpf(void)
{
	return do_setsockopt(AF_INET, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &accept_all_prog,
			     sizeof(accept_all_prog));
}

static int probe_ipv6_v6only(void)
{
	int one = 1;

	/* IPV6_V6ONLY is 26, like SO_ATTACH_FILTER: only the level tells them apart. */
	return do_setsockopt(AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
}

static int probe_so_reuseaddr(void)
{
	int one = 1;

	return do_setsockopt(AF_INET, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
}

static int probe_mkdir(void)
{
	char dir[4200];

	snprintf(dir, sizeof(dir), "%s.d", test_file);
	if (mkdir(dir, 0700) < 0)
		return errno;
	return rmdir(dir) < 0 ? errno : 0;
}

/*
 * Runs fn in a forked child under the profile (NULL: unfiltered) and returns
 * what it returned: 0 or the errno of the call under test.
 */
static int run_probe(const char *profile, int (*fn)(void))
{
	int pfd[2], result = -1, status;
	pid_t pid;

	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		scmp_filter_ctx ctx = NULL;
		int res;

		close(pfd[0]);
		if (profile) {
			if (seccomp_profile_load(profile, &ctx) < 0)
				_exit(100);
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				_exit(101);
			if (seccomp_load(ctx) < 0)
				_exit(102);
		}
		res = fn();
		_exit(write(pfd[1], &res, sizeof(res)) == sizeof(res) ? 0 : 103);
	}
	close(pfd[1]);
	if (read(pfd[0], &result, sizeof(result)) != sizeof(result))
		result = -1;
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("probe child failed: status 0x%x", (unsigned)status);
	return result;
}

/* The profile with every SCMP_ACT_ERRNO EPERM replaced by MARK, to tell the filter from the kernel. */
static char *with_mark(const char *profile)
{
	json_auto_t *root = json_loads(profile, 0, NULL);
	size_t i;
	json_t *e;

	assert_non_null(root);
	json_array_foreach(json_object_get(root, "syscalls"), i, e) {
		json_t *er = json_object_get(e, "errnoRet");

		if (er && json_integer_value(er) == EPERM)
			json_object_set_new(e, "errnoRet", json_integer(MARK));
	}
	return json_dumps(root, JSON_COMPACT);
}

/* The filter makes fn fail with EPERM (and with MARK once EPERM is remapped). */
static void assert_blocked(const char *profile, int (*fn)(void), const char *what)
{
	_cleanup_free_ char *marked = with_mark(profile);
	int r = run_probe(marked, fn);

	if (r != MARK)
		fail_msg("%s: expected the filter's errno %d, got %d (%s)", what, MARK, r,
			 strerror(r));
	assert_int_equal(run_probe(profile, fn), EPERM);
}

/* The filter leaves fn alone: same result as without it, and never the filter's errno. */
static void assert_not_blocked(const char *profile, int (*fn)(void), const char *what)
{
	_cleanup_free_ char *marked = with_mark(profile);
	int base = run_probe(NULL, fn), r = run_probe(marked, fn);

	if (r == MARK || r != base)
		fail_msg("%s: expected %d (%s) as without the filter, got %d (%s)", what, base,
			 strerror(base), r, strerror(r));
	assert_int_equal(run_probe(profile, fn), base);
}

static int kernel_setup(void **state)
{
	_cleanup_free_ char *dir = testlib_tmpdir();
	int fd;

	(void)state;
	if (!dir)
		return -1;
	snprintf(test_file, sizeof(test_file), "%s/file", dir);
	fd = open(test_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int kernel_teardown(void **state)
{
	char dir[4096];

	(void)state;
	(void)unlink(test_file);
	snprintf(dir, sizeof(dir), "%s", test_file);
	*strrchr(dir, '/') = '\0';
	(void)rmdir(dir);
	return 0;
}

static void test_kernel_user_ns(void **state)
{
	_cleanup_free_ char *p = compile(EP("'hardeningRules':['disallow-create-user-ns']"));

	(void)state;
	assert_blocked(p, probe_unshare_user, "unshare(CLONE_NEWUSER)");
	assert_not_blocked(p, probe_unshare_uts, "unshare(CLONE_NEWUTS)");
}

static void test_kernel_chmod(void **state)
{
	_cleanup_free_ char *x = compile(EP(X_BIT));
	_cleanup_free_ char *s =
		compile(EP("'attackProtectionRules':[{'rules':['disable-chmod-s-bit']}]"));

	(void)state;
	assert_blocked(x, probe_chmod_0755, "chmod 0755");
	assert_blocked(x, probe_fchmodat_0711, "fchmodat 0711");
	assert_blocked(x, probe_fchmod_0601, "fchmod 0601");
	assert_not_blocked(x, probe_chmod_0644, "chmod 0644");
	assert_not_blocked(x, probe_chmod_04644, "chmod 04644 under the x-bit rule");
	assert_blocked(s, probe_chmod_04644, "chmod 04644");
	assert_not_blocked(s, probe_chmod_0755, "chmod 0755 under the s-bit rule");
	assert_int_equal(run_probe(NULL, probe_chmod_0644), 0);
}

static void test_kernel_dirty_pipe(void **state)
{
	_cleanup_free_ char *p = compile(EP("'vulMitigationRules':['dirty-pipe-mitigation']"));

	(void)state;
	assert_blocked(p, probe_splice, "splice");
	assert_not_blocked(p, probe_pipe_read_write, "read/write");
	assert_int_equal(run_probe(p, probe_pipe_read_write), 0);
}

static void test_kernel_userfaultfd(void **state)
{
	_cleanup_free_ char *p = compile(EP("'hardeningRules':['disallow-userfaultfd-creation']"));

	(void)state;
	assert_blocked(p, probe_userfaultfd, "userfaultfd");
	assert_not_blocked(p, probe_pipe_read_write, "read/write");
}

static void test_kernel_bpf(void **state)
{
	_cleanup_free_ char *p = compile(EP("'hardeningRules':['disallow-load-all-bpf-prog']"));
	_cleanup_free_ char *raw = NULL;

	(void)state;
	assert_blocked(p, probe_bpf_prog_load, "bpf(BPF_PROG_LOAD)");
	assert_not_blocked(p, probe_bpf_map_create, "bpf(BPF_MAP_CREATE)");
	/* A raw rule with a distinctive errno: no doubt which layer answered. */
	raw = compile(EP("'syscallRawRules':[{'names':['bpf'],'action':'SCMP_ACT_ERRNO',"
			 "'errnoRet':95,'args':[{'index':0,'value':5,'op':'SCMP_CMP_EQ'}]}]"));
	assert_int_equal(run_probe(raw, probe_bpf_prog_load), ENOTSUP);
	assert_int_not_equal(run_probe(raw, probe_bpf_map_create), ENOTSUP);
}

static void test_kernel_setsockopt(void **state)
{
	_cleanup_free_ char *p =
		compile(EP("'hardeningRules':['disallow-load-bpf-via-setsockopt']"));

	(void)state;
	assert_blocked(p, probe_so_attach_filter, "SO_ATTACH_FILTER");
	assert_blocked(p, probe_so_attach_reuseport_cbpf, "SO_ATTACH_REUSEPORT_CBPF");
	assert_not_blocked(p, probe_ipv6_v6only, "IPV6_V6ONLY");
	assert_not_blocked(p, probe_so_reuseaddr, "SO_REUSEADDR");
	assert_int_equal(run_probe(NULL, probe_so_attach_filter), 0);
}

static void test_kernel_log_and_raw(void **state)
{
	_cleanup_free_ char *log =
		compile(EP(X_BIT ",'auditViolations':true,'allowViolations':true"));
	_cleanup_free_ char *merged = NULL, *raw = NULL;

	(void)state;
	/* SCMP_ACT_LOG: the call goes through (and is logged by the kernel). */
	assert_non_null(strstr(log, "SCMP_ACT_LOG"));
	assert_int_equal(run_probe(log, probe_chmod_0755), 0);
	assert_int_equal(run_probe(log, probe_chmod_0644), 0);
	/* A raw alternative merged into the built-in: the sticky bit is blocked too. */
	merged = compile(
		EP(X_BIT
		   ",'syscallRawRules':[{'names':['chmod'],'action':'SCMP_ACT_ERRNO',"
		   "'args':[{'index':1,'value':512,'valueTwo':512,'op':'SCMP_CMP_MASKED_EQ'}]}]"));
	assert_blocked(merged, probe_chmod_01644, "chmod 01644");
	assert_blocked(merged, probe_chmod_0755, "chmod 0755 (merged)");
	assert_not_blocked(merged, probe_chmod_0640, "chmod 0640 (merged)");
	/* A raw rule without args and its own errno. */
	raw = compile(EP("'syscallRawRules':[{'names':['mkdir','mkdirat'],"
			 "'action':'SCMP_ACT_ERRNO','errnoRet':95}]"));
	assert_int_equal(run_probe(raw, probe_mkdir), ENOTSUP);
	assert_int_equal(run_probe(raw, probe_chmod_0644), 0);
	assert_int_equal(run_probe(NULL, probe_mkdir), 0);
}

/* ---- vArmor's examples ---- */

static void walk(const char *root, const char *rel, unsigned *n_seccomp, unsigned *n_policies)
{
	char path[4096];
	struct dirent **ents;
	int n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	n = scandir(path, &ents, NULL, alphasort);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *child = NULL, *crel = NULL;
		json_auto_t *docs = NULL;
		struct yaml_error err = {};
		struct stat st;
		size_t k;
		json_t *o;

		if (ents[i]->d_name[0] == '.')
			goto next;
		assert_true(asprintf(&child, "%s/%s", path, ents[i]->d_name) > 0);
		assert_true(asprintf(&crel, "%s%s%s", rel, *rel ? "/" : "", ents[i]->d_name) > 0);
		assert_int_equal(stat(child, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			walk(root, crel, n_seccomp, n_policies);
			goto next;
		}
		if (!strstr(ents[i]->d_name, ".yaml") && !strstr(ents[i]->d_name, ".yml"))
			goto next;
		if (yaml_load_file(child, &docs, &err) < 0)
			fail_msg("%s: %s", crel, err.msg);
		json_array_foreach(docs, k, o) {
			const char *kind = json_string_value(json_object_get(o, "kind"));
			struct policy_diags d = {};
			struct policy *p = NULL;
			char *json = NULL;
			int r;

			if (!kind ||
			    (strcmp(kind, POLICY_KIND) && strcmp(kind, CLUSTER_POLICY_KIND)))
				continue;
			(*n_policies)++;
			if (policy_parse(o, "varmor", "default", &p, &d) < 0) {
				_cleanup_free_ char *e = policy_diags_join_errors(&d);

				fail_msg("%s: policy_parse: %s", crel, e);
			}
			policy_diags_clear(&d);
			if (!(p->enforcers & ENFORCER_SECCOMP)) {
				policy_free(p);
				continue;
			}
			(*n_seccomp)++;
			r = seccomp_validate(p, &d);
			if (r < 0) {
				_cleanup_free_ char *e = policy_diags_join_errors(&d);

				fail_msg("%s: seccomp_validate: %s", crel, e);
			}
			policy_diags_clear(&d);
			r = seccomp_compile(p, &json);
			if (r < 0)
				fail_msg("%s: seccomp_compile: %s", crel, strerror(-r));
			assert_loads(json);
			print_message("# %s: %s, %zu bytes\n", crel, policy_mode_to_string(p->mode),
				      strlen(json));
			free(json);
			policy_free(p);
		}
next:
		free(ents[i]);
	}
	free(ents);
}

static void test_varmor_examples(void **state)
{
	char root[4096];
	unsigned n_seccomp = 0, n_policies = 0;

	(void)state;
	snprintf(root, sizeof(root), "%s/varmor-examples", testlib_shared_dir());
	walk(root, "", &n_seccomp, &n_policies);
	print_message("# %u policies, %u with the Seccomp enforcer\n", n_policies, n_seccomp);
	assert_true(n_seccomp >= 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_builtin),
		cmocka_unit_test(test_golden_modes),
		cmocka_unit_test(test_golden_defense_in_depth),
		cmocka_unit_test(test_defense_in_depth_default_errno),
		cmocka_unit_test(test_golden_raw_rules),
		cmocka_unit_test(test_deterministic_order),
		cmocka_unit_test(test_validate_raw_rules),
		cmocka_unit_test(test_validate_caps),
		cmocka_unit_test(test_validate_builtin_warnings),
		cmocka_unit_test(test_validate_conflicts),
		cmocka_unit_test(test_validate_defense_in_depth),
		cmocka_unit_test(test_profile_load),
		cmocka_unit_test(test_kernel_user_ns),
		cmocka_unit_test(test_kernel_chmod),
		cmocka_unit_test(test_kernel_dirty_pipe),
		cmocka_unit_test(test_kernel_userfaultfd),
		cmocka_unit_test(test_kernel_bpf),
		cmocka_unit_test(test_kernel_setsockopt),
		cmocka_unit_test(test_kernel_log_and_raw),
		cmocka_unit_test(test_varmor_examples),
	};

	return cmocka_run_group_tests_name("seccomp", tests, kernel_setup, kernel_teardown);
}

// SPDX-License-Identifier: Apache-2.0
/* AppArmor generator: golden profiles for every mode and rule, apparmor_parser, vArmor's examples. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/fileio.h"
#include "common/policy.h"
#include "common/yaml.h"
#include "rules/apparmor.h"
#include "rules/catalog.h"
#include "tests/lib/testlib.h"

#define GOLDEN_DIR "rules/tests/golden/apparmor"
/* The ABI the profiles pin (abi <abi/3.0>), used as the parser's feature set: no kernel here. */
#define ABI_FEATURES "/etc/apparmor.d/abi/3.0"

static char *tmpdir;
static char parser[64];
static unsigned n_parsed;

static int setup(void **state)
{
	static const char *const candidates[] = { "/usr/sbin/apparmor_parser",
						  "/sbin/apparmor_parser" };
	char path[512];
	int fd;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(candidates) && !parser[0]; i++)
		if (access(candidates[i], X_OK) == 0)
			snprintf(parser, sizeof(parser), "%s", candidates[i]);
	tmpdir = testlib_tmpdir();
	if (!tmpdir)
		return -1;
	/* An empty parser.conf: the host's may point at a features file it lacks. */
	snprintf(path, sizeof(path), "%s/parser.conf", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (tmpdir) {
		DIR *d = opendir(tmpdir);
		struct dirent *de;
		char path[512];

		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
				(void)unlink(path);
			}
		if (d)
			closedir(d);
		(void)rmdir(tmpdir);
		free(tmpdir);
	}
	print_message("# apparmor_parser accepted %u profiles\n", n_parsed);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static char *read_text(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	struct buf b;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	buf_init(&b, 16U << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_append(&b, chunk, n), 0);
	if (b.len == 0)
		assert_int_equal(buf_append_str(&b, ""), 0);
	return buf_take(&b, NULL);
}

/* The real apparmor_parser, without a kernel (-Q), without cache (-K), on the node's definition. */
static void parse_ok(const char *name, const char *text)
{
	static const char *const devices[] = { "sda", "sda1", "nvme0n1", "nvme0n1p2" };
	_cleanup_free_ char *defined = NULL;
	char file[512], conf[512], log[512];
	int rc;

	if (!parser[0])
		fail_msg("apparmor_parser is not installed (Debian: apt-get install apparmor)");
	assert_int_equal(apparmor_define_disk_devices(text, devices, ELEMENTSOF(devices), &defined),
			 0);
	snprintf(file, sizeof(file), "%s/%s", tmpdir, name);
	snprintf(conf, sizeof(conf), "%s/parser.conf", tmpdir);
	snprintf(log, sizeof(log), "%s/%s.log", tmpdir, name);
	(void)unlink(log);
	write_file(file, defined);
	rc = testlib_run((char *[]){ parser, "-Q", "-K", "-q", "--config-file", conf, "-M",
				     ABI_FEATURES, file, NULL },
			 log);
	if (rc != 0) {
		_cleanup_free_ char *out = read_text(log);

		fail_msg("apparmor_parser refused %s (exit %d):\n%s\n--- profile ---\n%s", name, rc,
			 strna(out), defined);
	}
	n_parsed++;
}

static bool update_golden(void)
{
	const char *s = secure_getenv("UPDATE_GOLDEN");

	return s && strcmp(s, "1") == 0;
}

static void golden(const char *name, const char *text)
{
	_cleanup_free_ char *want = NULL;
	char path[512];

	snprintf(path, sizeof(path), GOLDEN_DIR "/%s.aa", name);
	if (update_golden()) {
		write_file(path, text);
		return;
	}
	want = read_text(path);
	if (!want)
		fail_msg("%s is missing: run with UPDATE_GOLDEN=1 and review it", path);
	if (strcmp(want, text) != 0) {
		const char *a = want, *b = text;
		unsigned line = 1;

		for (; *a && *a == *b; a++, b++)
			if (*a == '\n')
				line++;
		fail_msg("%s differs at line %u (UPDATE_GOLDEN=1 rewrites it):\n%s", path, line,
			 text);
	}
}

static struct policy *policy_from(json_t *obj)
{
	struct policy_diags d = {};
	struct policy *p = NULL;
	int r = policy_parse(obj, "varmor", "default", &p, &d);

	if (r < 0) {
		_cleanup_free_ char *e = policy_diags_join_errors(&d);

		fail_msg("policy_parse: %s", strna(e));
	}
	policy_diags_clear(&d);
	return p;
}

/* A VarmorPolicy "demo/t" (profile varmor-demo-t) with the given spec.policy (single quotes). */
static json_t *policy_json(const char *spec_policy)
{
	char *s;
	json_t *v;

	assert_true(asprintf(&s,
			     "{'apiVersion':'crd.varmor.org/v1beta1','kind':'VarmorPolicy',"
			     "'metadata':{'name':'t','namespace':'demo'},"
			     "'spec':{'target':{'kind':'Deployment','name':'web'},'policy':%s}}",
			     spec_policy) > 0);
	v = testlib_json(s);
	free(s);
	return v;
}

/* Validates (no errors expected) and compiles. */
static char *compile_ok(const json_t *obj, struct policy_diags *ret_diags)
{
	_cleanup_(policy_freep) struct policy *p = policy_from((json_t *)obj);
	struct policy_diags d = {};
	char *text = NULL;
	int r;

	r = apparmor_validate(p, &d);
	if (r < 0) {
		_cleanup_free_ char *e = policy_diags_join_errors(&d);

		fail_msg("apparmor_validate: %d: %s", r, strna(e));
	}
	assert_int_equal(apparmor_compile(p, &text), 0);
	assert_non_null(text);
	if (ret_diags)
		*ret_diags = d;
	else
		policy_diags_clear(&d);
	return text;
}

static void compile_golden_parse(const char *name, const char *spec_policy)
{
	json_auto_t *obj = policy_json(spec_policy);
	_cleanup_free_ char *text = compile_ok(obj, NULL);

	golden(name, text);
	parse_ok(name, text);
}

static void test_modes(void **state)
{
	(void)state;
	compile_golden_parse("always-allow", "{'enforcer':'AppArmor','mode':'AlwaysAllow'}");
	compile_golden_parse("runtime-default", "{'enforcer':'AppArmor','mode':'RuntimeDefault'}");
	compile_golden_parse(
		"behavior-modeling",
		"{'enforcer':'AppArmorSeccomp','mode':'BehaviorModeling','modelingOptions':{'duration':30}}");
	/* An EnhanceProtect policy without rules is its base. */
	compile_golden_parse("enhance-empty", "{'enforcer':'AppArmor','mode':'EnhanceProtect',"
					      "'enhanceProtect':{}}");
	compile_golden_parse("enhance-empty-privileged",
			     "{'enforcer':'AppArmor','mode':'EnhanceProtect',"
			     "'enhanceProtect':{'privileged':true}}");
}

static void test_behavior_modeling_is_empty(void **state)
{
	json_auto_t *obj = policy_json("{'enforcer':'AppArmor','mode':'BehaviorModeling',"
				       "'modelingOptions':{'duration':5}}");
	_cleanup_free_ char *text = compile_ok(obj, NULL);

	(void)state;
	assert_string_equal(text,
			    "abi <abi/3.0>,\n"
			    "#include <tunables/global>\n"
			    "\n"
			    "profile varmor-demo-t flags=(attach_disconnected,mediate_deleted) {\n"
			    "}\n");
}

static const struct {
	const char *name;
	bool audit, allow;
	const char *qualifier;
} dispositions[] = {
	{ "deny", false, false, "deny " },
	{ "audit-deny", true, false, "audit deny " },
	{ "audit", true, true, "audit " },
	{ "allow", false, true, "" },
};

/* Every built-in rule AppArmor implements, in its own list; returns "{...enhanceProtect...}". */
static char *all_rules_policy(bool audit, bool allow, bool privileged)
{
	const struct catalog_rule *rs;
	struct buf lists[_RULE_CATEGORY_MAX];
	char *s;
	size_t n;

	rs = catalog_rules(&n);
	for (int c = 0; c < _RULE_CATEGORY_MAX; c++)
		buf_init(&lists[c], 1 << 20);
	for (size_t i = 0; i < n; i++) {
		struct buf *b = &lists[rs[i].category];

		if (!rs[i].apparmor)
			continue;
		assert_int_equal(buf_printf(b, "%s'%s'", b->len ? "," : "", rs[i].id), 0);
	}
	assert_true(asprintf(&s,
			     "{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{"
			     "'auditViolations':%s,'allowViolations':%s,'privileged':%s,"
			     "'hardeningRules':[%s],'attackProtectionRules':[{'rules':[%s]}],"
			     "'vulMitigationRules':[%s]}}",
			     audit ? "true" : "false", allow ? "true" : "false",
			     privileged ? "true" : "false", strempty(lists[RULE_HARDENING].data),
			     strempty(lists[RULE_ATTACK_PROTECTION].data),
			     strempty(lists[RULE_VUL_MITIGATION].data)) > 0);
	for (int c = 0; c < _RULE_CATEGORY_MAX; c++)
		buf_free(&lists[c]);
	return s;
}

/* Each rule's lines, expanded for the disposition, follow its "# <id>" comment. */
static void expect_rule_lines(const char *text, const char *qualifier, bool allow)
{
	const struct catalog_rule *rs;
	size_t n;

	rs = catalog_rules(&n);
	for (size_t i = 0; i < n; i++) {
		char marker[128];
		const char *at;

		if (!rs[i].apparmor)
			continue;
		snprintf(marker, sizeof(marker), "\n  # %s\n", rs[i].id);
		at = strstr(text, marker);
		if (!at)
			fail_msg("rule '%s' is missing from the profile", rs[i].id);
		at += strlen(marker);
		for (const char *const *l = rs[i].apparmor; *l; l++) {
			struct buf want;

			buf_init(&want, 4096);
			assert_int_equal(buf_append_str(&want, "  "), 0);
			for (const char *c = *l; *c; c++) {
				if (c[0] == '%' && c[1] == 'Q') {
					assert_int_equal(buf_append_str(&want, qualifier), 0);
					c++;
				} else if (c[0] == '%' && c[1] == 'X') {
					assert_int_equal(buf_append_str(&want, allow ? "ix" : "x"),
							 0);
					c++;
				} else {
					assert_int_equal(buf_append(&want, c, 1), 0);
				}
			}
			assert_int_equal(buf_append_str(&want, "\n"), 0);
			if (strncmp(at, want.data, want.len) != 0)
				fail_msg("rule '%s': expected '%s'", rs[i].id, want.data);
			at += want.len;
			buf_free(&want);
		}
	}
}

static void test_every_rule_every_disposition(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(dispositions); i++)
		for (int priv = 0; priv <= 1; priv++) {
			_cleanup_free_ char *spec = all_rules_policy(dispositions[i].audit,
								     dispositions[i].allow, priv);
			json_auto_t *obj = policy_json(spec);
			_cleanup_free_ char *text = compile_ok(obj, NULL);
			char name[64];

			snprintf(name, sizeof(name), "rules-%s%s", dispositions[i].name,
				 priv ? "-privileged" : "");
			expect_rule_lines(text, dispositions[i].qualifier, dispositions[i].allow);
			/* The base's denials carry the same qualifier (RuntimeDefault base only). */
			if (!priv) {
				char line[128];

				snprintf(line, sizeof(line), "\n  %smount,\n",
					 dispositions[i].qualifier);
				assert_non_null(strstr(text, line));
				snprintf(line, sizeof(line), "\n  %s/sys/firmware/** rwkl%s,\n",
					 dispositions[i].qualifier,
					 dispositions[i].allow ? "ix" : "x");
				assert_non_null(strstr(text, line));
			} else {
				assert_non_null(strstr(text, "\n  pivot_root,\n"));
				assert_null(strstr(text, "@{PROC}"));
			}
			assert_non_null(strstr(text, "\n  # Hardening Rules\n"));
			assert_non_null(strstr(text, "\n  # Attack Protection Rules\n"));
			assert_non_null(strstr(text, "\n  # Vulnerability Mitigation Rules\n"));
			golden(name, text);
			parse_ok(name, text);
		}
}

static void expect_warning(const struct policy_diags *d, const char *needle)
{
	for (size_t i = 0; i < d->n_warnings; i++)
		if (strstr(d->warnings[i], needle))
			return;
	fail_msg("no warning containing '%s' (%zu warnings)", needle, d->n_warnings);
}

static void expect_error(const char *spec_policy, const char *needle)
{
	json_auto_t *obj = policy_json(spec_policy);
	_cleanup_(policy_freep) struct policy *p = policy_from(obj);
	struct policy_diags d = {};
	char *text = NULL;

	assert_int_equal(apparmor_validate(p, &d), -EINVAL);
	for (size_t i = 0; i < d.n_errors; i++)
		if (strstr(d.errors[i], needle)) {
			policy_diags_clear(&d);
			assert_int_not_equal(apparmor_compile(p, &text), 0);
			assert_null(text);
			return;
		}
	fail_msg("no error containing '%s' (first: %s)", needle, d.n_errors ? d.errors[0] : "none");
}

static void test_unimplemented_rules_warn(void **state)
{
	json_auto_t *obj = policy_json(
		"{'enforcer':'AppArmorSeccomp','mode':'EnhanceProtect','enhanceProtect':{"
		"'hardeningRules':['disallow-create-user-ns','disable-cap-all','no-such-rule'],"
		"'attackProtectionRules':[{'rules':['block-access-to-metadata-service']},"
		"{'rules':['disable-chmod-x-bit'],'targets':['/bin/sh']}],"
		"'vulMitigationRules':['dirty-pipe-mitigation','runc-override-mitigation']}}");
	struct policy_diags d = {};
	_cleanup_free_ char *text = compile_ok(obj, &d);

	(void)state;
	assert_int_equal(d.n_warnings, 4);
	expect_warning(
		&d,
		"spec.policy.enhanceProtect.hardeningRules[0]: built-in rule \"disallow-create-user-ns\" is not implemented by the AppArmor enforcer; it is ignored there");
	expect_warning(&d, "attackProtectionRules[0].rules[0]: built-in rule "
			   "\"block-access-to-metadata-service\"");
	expect_warning(&d, "attackProtectionRules[1].rules[0]: built-in rule "
			   "\"disable-chmod-x-bit\"");
	expect_warning(&d, "vulMitigationRules[0]: built-in rule \"dirty-pipe-mitigation\"");
	policy_diags_clear(&d);
	/* Only the implemented rules are in the profile; the unknown ID is someone else's. */
	assert_non_null(strstr(text, "  # disable-cap-all\n  deny capability,\n"));
	assert_non_null(strstr(text, "  # runc-override-mitigation\n  deny /**/runc w,\n"));
	assert_null(strstr(text, "no-such-rule"));
	parse_ok("unimplemented", text);

	/* Without AppArmor in the enforcer, nothing is AppArmor's business. */
	{
		json_auto_t *o2 = policy_json(
			"{'enforcer':'BPFSeccomp','mode':'EnhanceProtect','enhanceProtect':{"
			"'hardeningRules':['disallow-create-user-ns'],"
			"'appArmorRawRules':[{'rules':'not a rule'}]}}");
		_cleanup_(policy_freep) struct policy *p = policy_from(o2);

		assert_int_equal(apparmor_validate(p, &d), 0);
		assert_int_equal(d.n_warnings + d.n_errors, 0);
	}
}

static const char targets_policy[] =
	"{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{%s"
	"'hardeningRules':['disable-cap-net-raw'],"
	"'attackProtectionRules':[{'rules':['mitigate-sa-leak']},"
	"{'rules':['disable-write-etc'],'targets':['/bin/bash','/usr/bin/bash','/bin/dash']},"
	"{'rules':['disable-curl'],'targets':['/usr/bin/python3']},"
	"{'rules':['disable-wget'],'targets':['/usr/bin/python3','/bin/dash']}],"
	"'appArmorRawRules':[{'rules':'audit deny /etc/hosts r,\\n'},"
	"{'rules':'deny /etc/hostname r,','targets':['/bin/bash','/usr/bin/bash']},"
	"{'rules':'deny /tmp/** w,','targets':['/usr/bin/perl']}]}}";

static void test_targets(void **state)
{
	static const struct {
		const char *name, *extra;
	} variants[] = {
		{ "targets", "" },
		{ "targets-privileged", "'privileged':true," },
		{ "targets-audit", "'auditViolations':true,'allowViolations':true," },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(variants); i++) {
		_cleanup_free_ char *spec = NULL, *text = NULL;
		json_t *obj;

		assert_true(asprintf(&spec, targets_policy, variants[i].extra) > 0);
		obj = policy_json(spec);
		text = compile_ok(obj, NULL);
		json_decref(obj);
		/*
		 * vArmor's grouping: bash and /usr/bin/bash share rules and raw rules,
		 * dash has two rule sets, python3 two, perl raw rules only: four children.
		 */
		assert_non_null(strstr(text, "\n  /bin/bash cx -> child_0,\n"
					     "  /usr/bin/bash cx -> child_0,\n"));
		assert_non_null(strstr(text, "\n  /bin/dash cx -> child_1,\n"));
		assert_non_null(strstr(text, "\n  /usr/bin/python3 cx -> child_2,\n"));
		assert_non_null(strstr(text, "\n  /usr/bin/perl cx -> child_3,\n"));
		assert_null(strstr(text, "child_4"));
		assert_non_null(strstr(text, "  profile child_3 flags=(attach_disconnected,"
					     "mediate_deleted) {\n"));
		assert_non_null(strstr(text, "    /usr/bin/perl rix,\n"));
		if (i != 1) {
			assert_non_null(
				strstr(text, "  signal (send) peer=varmor-demo-t//child_0,\n"));
			assert_non_null(
				strstr(text, "    ptrace (tracedby,readby) peer=varmor-demo-t,\n"));
		} else {
			assert_null(strstr(text, "peer="));
		}
		golden(variants[i].name, text);
		parse_ok(variants[i].name, text);
	}
}

static void test_raw_rule_forms(void **state)
{
	(void)state;
	/* v0.5.6: a list of strings. */
	compile_golden_parse("raw-v056",
			     "{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{"
			     "'appArmorRawRules':['deny /etc/hosts r,','audit deny /etc/shadow r,',"
			     "'deny /proc/** w,\\n  deny ptrace,']}}");
	/* Current: [{rules, targets}], multi-line blocks with comments and includes. */
	compile_golden_parse(
		"raw-current",
		"{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{"
		"'auditViolations':true,"
		"'appArmorRawRules':[{'rules':'# keep the hosts file\\naudit deny /etc/hosts r,\\n"
		"owner /tmp/** rw,\\n'},{'rules':'deny network raw,\\n"
		"#include <abstractions/nameservice>\\n\\n  deny /etc/motd r, # trailing comment\\n'}]}}");
}

static const char did_custom_profile[] =
	"abi <abi/3.0>,\\n"
	"#include <tunables/global>\\n"
	"\\n"
	"# a comment with a brace }\\n"
	"profile varmor-demo-t flags=(attach_disconnected,mediate_deleted) {\\n"
	"  #include <abstractions/base>\\n"
	"\\n"
	"  /bin/cat ix,\\n"
	"  /bin/sleep ix,\\n"
	"  owner /etc/** r,\\n"
	"  owner /lib/x86_64-linux-gnu/** mr,\\n"
	"  network,\\n"
	"  ptrace (trace,read,tracedby,readby) peer=varmor-demo-t,\\n"
	"  signal,\\n"
	"  umount,\\n"
	"}\\n"
	"# the end\\n";

static char *did_policy(const char *profile, const char *raw)
{
	char *s;

	assert_true(asprintf(&s,
			     "{'enforcer':'AppArmorSeccomp','mode':'DefenseInDepth',"
			     "'defenseInDepth':{'allowViolations':false,'appArmor':{"
			     "'profileType':'Custom','customProfile':'%s','appArmorRawRules':%s},"
			     "'seccomp':{'profileType':'Custom','customProfile':"
			     "'{\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\"}'}}}",
			     profile, raw) > 0);
	return s;
}

static void test_defense_in_depth(void **state)
{
	_cleanup_free_ char *spec = NULL, *spec2 = NULL, *text = NULL;
	json_t *obj;

	(void)state;
	spec = did_policy(did_custom_profile,
			  "[{'rules':'/etc/shadow r,\\n'},"
			  "{'rules':'/etc/hostname r,','targets':['/bin/grep','/usr/bin/grep']},"
			  "{'rules':'/etc/passwd r,','targets':['/usr/bin/id']}]");
	obj = policy_json(spec);
	text = compile_ok(obj, NULL);
	json_decref(obj);
	/* The raw rules and children go before the profile's own closing brace. */
	assert_non_null(strstr(text, "  umount,\n\n  # Custom Rules\n  /etc/shadow r,\n"));
	assert_non_null(
		strstr(text, "  /bin/grep cx -> child_0,\n  /usr/bin/grep cx -> child_0,\n"));
	assert_non_null(strstr(text, "    /etc/passwd r,\n  }\n}\n# the end\n"));
	assert_non_null(strstr(text, "# a comment with a brace }\nprofile varmor-demo-t "));
	golden("defense-in-depth", text);
	parse_ok("defense-in-depth", text);

	/* No raw rules: the custom profile unchanged. */
	free(text);
	spec2 = did_policy(did_custom_profile, "[]");
	obj = policy_json(spec2);
	text = compile_ok(obj, NULL);
	json_decref(obj);
	assert_non_null(strstr(text, "  umount,\n}\n# the end\n"));
	golden("defense-in-depth-plain", text);
	parse_ok("defense-in-depth-plain", text);
}

static void test_defense_in_depth_errors(void **state)
{
	_cleanup_free_ char *wrong = NULL, *two = NULL, *open = NULL;

	(void)state;
	/* A custom profile named after something else is loaded under the profile name. */
	wrong = did_policy("profile varmor-demo-other flags=(complain) {\\n  file,\\n}\\n", "[]");
	{
		json_auto_t *obj = policy_json(wrong);
		struct policy_diags d = {};
		_cleanup_free_ char *text = compile_ok(obj, &d);

		expect_warning(
			&d,
			"the profile is named 'varmor-demo-other'; pavise loads it as 'varmor-demo-t'");
		assert_non_null(strstr(text, "profile varmor-demo-t flags=(complain) {"));
		assert_null(strstr(text, "varmor-demo-other"));
		parse_ok("defense-in-depth-renamed", text);
		policy_diags_clear(&d);
	}
	two = did_policy("profile varmor-demo-t {\\n}\\nprofile x {\\n}\\n", "[]");
	expect_error(two, "more than one top-level profile");
	open = did_policy("profile varmor-demo-t {\\n  file,\\n", "[]");
	expect_error(open, "never closed");
	expect_error("{'enforcer':'AppArmor','mode':'DefenseInDepth','defenseInDepth':{}}",
		     "spec.policy.defenseInDepth.appArmor: required");
	expect_error("{'enforcer':'AppArmor','mode':'DefenseInDepth','defenseInDepth':{"
		     "'appArmor':{'profileType':'Custom'}}}",
		     "customProfile: required");
	expect_error("{'enforcer':'AppArmor','mode':'DefenseInDepth','defenseInDepth':{"
		     "'appArmor':{'profileType':'Nope'}}}",
		     "profileType: must be BehaviorModel or Custom");

	/* BehaviorModel: a warning now, an error at compile time. */
	{
		json_auto_t *obj = policy_json(
			"{'enforcer':'AppArmor','mode':'DefenseInDepth','defenseInDepth':{"
			"'appArmor':{'profileType':'BehaviorModel'}}}");
		_cleanup_(policy_freep) struct policy *p = policy_from(obj);
		struct policy_diags d = {};
		char *text = NULL;

		assert_int_equal(apparmor_validate(p, &d), 0);
		expect_warning(&d, "BehaviorModel needs the policy's ArmorProfileModel");
		policy_diags_clear(&d);
		assert_int_equal(apparmor_compile(p, &text), -EOPNOTSUPP);
		assert_null(text);
	}
}

static void test_raw_rule_checks(void **state)
{
	static const char *const good[] = {
		"deny /etc/shadow r,",
		"deny /etc/shadow r,\n",
		"\n\n  audit deny /etc/hosts r,  \n# comment\n",
		"owner /tmp/** rw, # trailing",
		"#include <abstractions/nameservice>\ninclude if exists <local/x>\n",
		"audit {\n  /etc/motd r,\n}\n",
		"/\"quoted path, with {braces}\" r,",
		"signal (send) peer=profile_x,",
		"/usr/bin/profile rix,",
		"@{HOME}/.ssh/** r,",
		"deny capability sys_admin, deny capability sys_module,",
		"deny /etc/{passwd,profile,hat} r,",
		"deny /{usr/,}bin/{ba,da,}sh rx,\n@{PROC}/@{pid}/mem r,",
		"",
	};
	static const struct {
		const char *text, *reason;
		unsigned line;
	} bad[] = {
		{ "deny /etc/shadow r", "must end with ','", 1 },
		{ "a,\ndeny /etc/shadow r\n", "must end with ','", 2 },
		{ "}\nprofile evil {\n  file,\n", "closes a block", 1 },
		{ "file,\n}\nprofile evil flags=(unconfined) {", "closes a block", 2 },
		{ "profile evil {\n  file,\n}", "declares a profile or hat", 1 },
		{ "  hat foo {\n  }", "declares a profile or hat", 1 },
		{ "^foo {\n}", "declares a profile or hat", 1 },
		{ "audit profile x {\n}", "declares a profile or hat", 1 },
		{ "deny /x r, profile y {\n}", "declares a profile or hat", 1 },
		{ "audit {\n  /x r,\n", "never closed", 0 },
		{ "abi <abi/4.0>,", "abi and alias", 1 },
		{ "alias /usr/ -> /opt/,", "abi and alias", 1 },
		{ "@{X}=/etc/shadow\n", "variable definitions", 1 },
		{ "@{X} += /tmp,", "variable definitions", 1 },
		{ "#include \"/etc/shadow\"", "search path", 1 },
		{ "#include <../../etc/shadow>", "'..'", 1 },
		{ "/x r, #include <abstractions/base>", "own", 1 },
		{ "/x r,\r\n/y\x01 r,", "control character", 2 },
		{ "/\"unterminated r,", "unterminated", 1 },
		{ "ok,\n/etc/{a,b r,", "unbalanced '{' in a path", 2 },
		{ "/etc/{a,b}} r,", "closes a block", 1 },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(good); i++) {
		const char *why = NULL;
		unsigned line = 0;

		if (apparmor_check_raw_rules(good[i], strlen(good[i]), &why, &line) != 0)
			fail_msg("'%s' refused: line %u: %s", good[i], line, why);
	}
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		const char *why = NULL;
		unsigned line = 99;

		assert_int_equal(apparmor_check_raw_rules(bad[i].text, strlen(bad[i].text), &why,
							  &line),
				 -EINVAL);
		if (!why || !strstr(why, bad[i].reason) || line != bad[i].line)
			fail_msg("'%s': got line %u '%s', want line %u '%s'", bad[i].text, line,
				 strna(why), bad[i].line, bad[i].reason);
	}
	{
		char *big = malloc(APPARMOR_RAW_RULE_MAX + 2);

		assert_non_null(big);
		memset(big, 'a', APPARMOR_RAW_RULE_MAX + 1);
		big[APPARMOR_RAW_RULE_MAX + 1] = '\0';
		assert_int_equal(apparmor_check_raw_rules(big, strlen(big), NULL, NULL), -EINVAL);
		free(big);
	}
}

static void test_policy_errors(void **state)
{
	(void)state;
	expect_error("{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{"
		     "'appArmorRawRules':[{'rules':'deny /x r,'},{'rules':'}\\nprofile x {'}]}}",
		     "spec.policy.enhanceProtect.appArmorRawRules[1].rules: line 1: '}' closes");
	expect_error("{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{"
		     "'appArmorRawRules':['deny /x r']}}",
		     "spec.policy.enhanceProtect.appArmorRawRules[0]: line 1: a rule must end");
	expect_error("{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{"
		     "'appArmorRawRules':[{'targets':['/bin/sh']}]}}",
		     "appArmorRawRules[0]: must be {rules: string, targets: [paths]}");
	expect_error("{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{"
		     "'appArmorRawRules':{'rules':'x,'}}}",
		     "appArmorRawRules: must be a list");
	expect_error("{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{"
		     "'attackProtectionRules':[{'rules':['disable-shell'],'targets':['bin/sh']}]}}",
		     "attackProtectionRules[0].targets[0]: 'bin/sh' must be an absolute path");
	expect_error("{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{"
		     "'attackProtectionRules':[{'rules':['disable-shell'],"
		     "'targets':['/usr/bin/*']}]}}",
		     "must be a literal path");
	expect_error("{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{"
		     "'appArmorRawRules':[{'rules':'deny /x r,','targets':['/a b']}]}}",
		     "appArmorRawRules[0].targets[0]: '/a b' contains whitespace");
	expect_error("{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{"
		     "'appArmorRawRules':[{'rules':'deny /x r,','targets':['/usr/../bin/sh']}]}}",
		     "must be a normalised path");
	expect_error("{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{"
		     "'appArmorRawRules':[{'rules':'deny /x r,','targets':'/bin/sh'}]}}",
		     "must be {rules: string");
	expect_error("{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{"
		     "'attackProtectionRules':[{'rules':['disable-shell'],'targets':[42]}]}}",
		     "targets[0]: must be a string");
}

static void test_caps_on_size(void **state)
{
	struct buf b, rule;

	(void)state;
	/* 128 entries of 15 KiB: each fine, together over the 1 MiB profile cap. */
	buf_init(&rule, 1 << 20);
	while (rule.len < APPARMOR_RAW_RULE_MAX - 1024)
		assert_int_equal(
			buf_append_str(&rule, "deny /some/long/path/name/to/deny/** rw,\\n"), 0);
	buf_init(&b, 64 << 20);
	assert_int_equal(buf_append_str(&b, "{'enforcer':'AppArmor','mode':'EnhanceProtect',"
					    "'enhanceProtect':{'appArmorRawRules':["),
			 0);
	for (unsigned i = 0; i < APPARMOR_RAW_RULES_MAX; i++)
		assert_int_equal(buf_printf(&b, "%s{'rules':'%s'}", i ? "," : "", rule.data), 0);
	assert_int_equal(buf_append_str(&b, "]}}"), 0);
	expect_error(b.data, "would be larger than");
	buf_free(&b);
	buf_free(&rule);

	/* Too many entries, too many targets. */
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_append_str(&b, "{'enforcer':'AppArmor','mode':'EnhanceProtect',"
					    "'enhanceProtect':{'appArmorRawRules':["),
			 0);
	for (unsigned i = 0; i <= APPARMOR_RAW_RULES_MAX; i++)
		assert_int_equal(buf_printf(&b, "%s'deny /x r,'", i ? "," : ""), 0);
	assert_int_equal(buf_append_str(&b, "]}}"), 0);
	expect_error(b.data, "entries, over the limit");
	buf_free(&b);

	buf_init(&b, 1 << 20);
	assert_int_equal(buf_append_str(&b, "{'enforcer':'AppArmor','mode':'EnhanceProtect',"
					    "'enhanceProtect':{'appArmorRawRules':["),
			 0);
	for (unsigned i = 0; i <= APPARMOR_CHILDREN_MAX; i++)
		assert_int_equal(buf_printf(&b, "%s{'rules':'deny /t%u r,','targets':['/t%u']}",
					    i ? "," : "", i, i),
				 0);
	assert_int_equal(buf_append_str(&b, "]}}"), 0);
	expect_error(b.data, "child profiles");
	buf_free(&b);
}

static void test_disk_devices(void **state)
{
	static const char *const devs[] = { "sda", "cciss!c0d0" };
	static const char *const bad[] = { "sda b" };
	json_auto_t *obj = policy_json(
		"{'enforcer':'AppArmor','mode':'EnhanceProtect','enhanceProtect':{'privileged':true,"
		"'hardeningRules':['disallow-debug-disk-device','disallow-mount-disk-device']}}");
	_cleanup_free_ char *text = compile_ok(obj, NULL), *defined = NULL, *none = NULL;
	char file[512], conf[512];

	(void)state;
	assert_non_null(strstr(text, "  deny @{PAVISE_DISK_DEVICES} rw,\n"));
	assert_non_null(strstr(text, "  deny mount @{PAVISE_DISK_DEVICES},\n"));
	assert_int_equal(apparmor_define_disk_devices(text, devs, 2, &defined), 0);
	assert_non_null(strstr(defined, "#include <tunables/global>\n"
					"@{PAVISE_DISK_DEVICES}=/dev/sda /dev/cciss/c0d0\n"));
	assert_int_equal(apparmor_define_disk_devices(text, NULL, 0, &none), 0);
	assert_non_null(strstr(none, "@{PAVISE_DISK_DEVICES}=/dev/.pavise-no-disk-device\n"));
	assert_int_equal(apparmor_define_disk_devices(text, bad, 1, &(char *){ NULL }), -EINVAL);

	/* Without the definition the parser refuses the profile: the node must define it. */
	if (!parser[0])
		fail_msg("apparmor_parser is not installed");
	snprintf(file, sizeof(file), "%s/undefined", tmpdir);
	snprintf(conf, sizeof(conf), "%s/parser.conf", tmpdir);
	write_file(file, text);
	assert_int_not_equal(testlib_run((char *[]){ parser, "-Q", "-K", "-q", "--config-file",
						     conf, "-M", ABI_FEATURES, file, NULL },
					 NULL),
			     0);
	write_file(file, none);
	assert_int_equal(testlib_run((char *[]){ parser, "-Q", "-K", "-q", "--config-file", conf,
						 "-M", ABI_FEATURES, file, NULL },
				     NULL),
			 0);
	parse_ok("disk-devices", text);
}

static void conform_file(const char *path, unsigned *n_policies)
{
	json_auto_t *docs = NULL;
	size_t i;
	json_t *v;

	if (yaml_load_file(path, &docs, NULL) < 0)
		fail_msg("%s: not YAML", path);
	json_array_foreach(docs, i, v) {
		const char *kind = json_string_value(json_object_get(v, "kind"));
		_cleanup_(policy_freep) struct policy *p = NULL;
		struct policy_diags d = {};
		_cleanup_free_ char *text = NULL;
		char name[256];
		int r;

		if (!kind ||
		    (strcmp(kind, "VarmorPolicy") != 0 && strcmp(kind, "VarmorClusterPolicy") != 0))
			continue;
		p = policy_from(v);
		if (!(p->enforcers & ENFORCER_APPARMOR))
			continue;
		r = apparmor_validate(p, &d);
		if (r < 0) {
			_cleanup_free_ char *e = policy_diags_join_errors(&d);

			fail_msg("%s: %s", path, strna(e));
		}
		policy_diags_clear(&d);
		assert_int_equal(apparmor_compile(p, &text), 0);
		snprintf(name, sizeof(name), "example-%u", (*n_policies)++);
		parse_ok(name, text);
	}
}

static void conform_dir(const char *dir, unsigned *n_policies, unsigned *n_files)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, alphasort);

	if (n < 0)
		fail_msg("%s: %s", dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *e = list[i]->d_name;
		char path[1024];
		size_t l = strlen(e);
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, e);
		if (e[0] != '.' && stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				conform_dir(path, n_policies, n_files);
			else if (l > 5 && strcmp(e + l - 5, ".yaml") == 0) {
				(*n_files)++;
				conform_file(path, n_policies);
			}
		}
		free(list[i]);
	}
	free(list);
}

static void test_varmor_examples(void **state)
{
	char dir[1024];
	unsigned n_policies = 0, n_files = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/varmor-examples", testlib_shared_dir());
	conform_dir(dir, &n_policies, &n_files);
	print_message("# %u AppArmor policies of %u example files compiled and parsed\n",
		      n_policies, n_files);
	assert_true(n_policies >= 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_behavior_modeling_is_empty),
		cmocka_unit_test(test_every_rule_every_disposition),
		cmocka_unit_test(test_unimplemented_rules_warn),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_raw_rule_forms),
		cmocka_unit_test(test_defense_in_depth),
		cmocka_unit_test(test_defense_in_depth_errors),
		cmocka_unit_test(test_raw_rule_checks),
		cmocka_unit_test(test_policy_errors),
		cmocka_unit_test(test_caps_on_size),
		cmocka_unit_test(test_disk_devices),
		cmocka_unit_test(test_varmor_examples),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

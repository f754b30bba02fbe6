// SPDX-License-Identifier: Apache-2.0
/*
 * The BPF enforcer's compiler and codec (rules/bpf-content.c): golden
 * BpfContent for every built-in rule BPF implements and for the modes
 * (rules/tests/golden/bpf/, UPDATE_GOLDEN=1 rewrites them; review by eye
 * against varmor.md before committing), field-by-field validation, the
 * JSON -> records -> JSON round trip, hostile content, disk-device expansion,
 * and conformance with vArmor's examples (../shared/varmor-examples, in place).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "common/fileio.h"
#include "common/json-util.h"
#include "common/policy.h"
#include "common/yaml.h"
#include "rules/bpf-content.h"
#include "rules/catalog.h"
#include "tests/lib/testlib.h"

#define GOLDEN_DIR "rules/tests/golden/bpf"
#define GOLDEN_MAX (4U * 1024 * 1024)

static const struct {
	const char *name;
	bool audit, allow;
	__u32 mode;
} dispositions[] = {
	{ "deny", false, false, PAVISE_RULE_DENY },
	{ "audit-deny", true, false, PAVISE_RULE_DENY | PAVISE_RULE_AUDIT },
	{ "audit-allow", true, true, PAVISE_RULE_AUDIT },
	{ "allow", false, true, 0 },
};

/* ---- helpers ---- */

static struct policy *make_policy(const char *enforcer, const char *mode, json_t *ep /* stolen */)
{
	json_auto_t *o = testlib_json(
		"{'apiVersion': 'crd.varmor.org/v1beta1', 'kind': 'VarmorPolicy',"
		" 'metadata': {'name': 'demo', 'namespace': 'demo'},"
		" 'spec': {'target': {'kind': 'Deployment', 'name': 'app'}, 'policy': {}}}");
	json_t *pol = json_path(o, "spec", "policy", NULL);
	struct policy_diags d = {};
	struct policy *p = NULL;

	assert_int_equal(json_object_set_new(pol, "enforcer", json_string(enforcer)), 0);
	assert_int_equal(json_object_set_new(pol, "mode", json_string(mode)), 0);
	if (ep)
		assert_int_equal(json_object_set_new(pol, "enhanceProtect", ep), 0);
	if (policy_parse(o, "pavise-system", NULL, &p, &d) < 0)
		fail_msg("policy_parse: %s", d.errors[0]);
	policy_diags_clear(&d);
	return p;
}

static json_t *enhance(const char *single_quoted, const char *disposition, bool privileged)
{
	json_t *ep = testlib_json(single_quoted ? single_quoted : "{}");

	for (size_t i = 0; disposition && i < ELEMENTSOF(dispositions); i++)
		if (strcmp(dispositions[i].name, disposition) == 0) {
			json_object_set_new(ep, "auditViolations",
					    json_boolean(dispositions[i].audit));
			json_object_set_new(ep, "allowViolations",
					    json_boolean(dispositions[i].allow));
		}
	if (privileged)
		json_object_set_new(ep, "privileged", json_true());
	return ep;
}

static json_t *strv_json(char **v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* Validates (must pass), compiles, encodes and decodes back; returns the content. */
static json_t *compile_checked(const struct policy *p, json_t **ret_warnings)
{
	_cleanup_free_ struct pavise_bpf_profile *prof = calloc(1, sizeof(*prof));
	struct policy_diags d = {};
	json_t *content = NULL;
	json_auto_t *back = NULL;
	char *msg = NULL;
	int r;

	assert_non_null(prof);
	r = bpf_content_validate(p, &d);
	if (r < 0)
		fail_msg("validate: %s", d.n_errors ? d.errors[0] : "no message");
	assert_int_equal(bpf_content_compile(p, &content), 0);
	r = bpf_content_encode(content, prof, &msg);
	if (r == -EINVAL && msg && strstr(msg, BPF_CONTENT_DISK_DEVICES)) {
		json_auto_t *x = NULL;

		free(msg);
		msg = NULL;
		assert_int_equal(bpf_content_expand_disk_devices(
					 content, (const char *const[]){ "sda", NULL }, &x, NULL),
				 0);
		r = bpf_content_encode(x, prof, &msg);
	} else if (r == 0) {
		assert_int_equal(bpf_content_decode(prof, &back), 0);
		if (!json_equal(back, content)) {
			char *a = json_dumps(content, JSON_COMPACT),
			     *b = json_dumps(back, JSON_COMPACT);

			fail_msg("round trip differs:\n%s\n%s", a, b);
		}
	}
	if (r < 0)
		fail_msg("encode: %s", strna(msg));
	if (ret_warnings)
		*ret_warnings = strv_json(d.warnings, d.n_warnings);
	policy_diags_clear(&d);
	return content;
}

static void check_golden(const char *name, const json_t *value)
{
	_cleanup_free_ char *text = json_dumps(value, JSON_INDENT(2)), *path = NULL;
	_cleanup_free_ char *golden = NULL, *want = NULL;
	size_t len;

	assert_non_null(text);
	assert_true(asprintf(&path, "%s/%s", GOLDEN_DIR, name) > 0);
	assert_true(asprintf(&want, "%s\n", text) > 0);
	if (secure_getenv("UPDATE_GOLDEN")) {
		_cleanup_free_ char *dir = strdup(path);

		*strrchr(dir, '/') = 0;
		assert_int_equal(mkdir_p(dir, 0755), 0);
		assert_int_equal(write_file_atomic(path, want, strlen(want), 0644), 0);
		return;
	}
	if (read_full_file(path, GOLDEN_MAX, &golden, &len) < 0)
		fail_msg("%s: missing golden file (UPDATE_GOLDEN=1 writes it)", path);
	if (strcmp(golden, want) != 0) {
		fprintf(stderr, "%s differs; now:\n%s\n", path, want);
		fail_msg("%s: output changed (review, then UPDATE_GOLDEN=1)", path);
	}
}

static bool has(char **v, size_t n, const char *needle)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(v[i], needle))
			return true;
	return false;
}

/* ---- golden: modes and every built-in rule ---- */

static void test_golden_modes(void **state)
{
	static const char *const modes[] = { "AlwaysAllow", "RuntimeDefault", "BehaviorModeling" };
	json_auto_t *out = json_object();

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(modes); i++) {
		_cleanup_(policy_freep) struct policy *p = make_policy("BPF", modes[i], NULL);
		json_t *e = json_object();

		json_object_set_new(e, "profileMode", json_string(bpf_content_profile_mode(p)));
		json_object_set_new(e, "content", compile_checked(p, NULL));
		json_object_set_new(out, modes[i], e);
	}
	for (int priv = 0; priv <= 1; priv++)
		for (size_t k = 0; k < ELEMENTSOF(dispositions); k++) {
			_cleanup_(policy_freep) struct policy *p = make_policy(
				"BPF", "EnhanceProtect", enhance(NULL, dispositions[k].name, priv));
			char key[128];

			snprintf(key, sizeof(key), "EnhanceProtect/%s/%s",
				 priv ? "privileged" : "unprivileged", dispositions[k].name);
			json_object_set_new(out, key, compile_checked(p, NULL));
		}
	check_golden("modes.json", out);
}

static bool has_privileged_only(const struct catalog_rule *r)
{
	for (size_t i = 0; i < r->n_bpf; i++)
		if (r->bpf[i].privileged_only)
			return true;
	return false;
}

static const char *rule_list_key(const struct catalog_rule *r)
{
	switch (r->category) {
	case RULE_HARDENING:
		return "hardeningRules";
	case RULE_VUL_MITIGATION:
		return "vulMitigationRules";
	case RULE_ATTACK_PROTECTION:
	case _RULE_CATEGORY_MAX:
		break;
	}
	return NULL;
}

static json_t *rule_enhance(const struct catalog_rule *r, const char *disp, bool priv)
{
	json_t *ep = enhance(NULL, disp, priv);
	const char *key = rule_list_key(r);

	if (key)
		json_object_set_new(ep, key, json_pack("[s]", r->id));
	else
		json_object_set_new(ep, "attackProtectionRules",
				    json_pack("[{s:[s]}]", "rules", r->id));
	return ep;
}

static void test_golden_builtin(void **state)
{
	size_t n, n_golden = 0;
	const struct catalog_rule *rules = catalog_rules(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const struct catalog_rule *r = &rules[i];
		json_auto_t *out = NULL;
		json_t *warnings = NULL;
		char name[256];

		if (r->n_bpf == 0)
			continue;
		out = json_pack("{s:s}", "rule", r->id);
		for (int priv = 1; priv >= 0; priv--) {
			json_t *group;

			if (!priv && !has_privileged_only(r))
				break;
			group = json_object();
			for (size_t k = 0; k < ELEMENTSOF(dispositions); k++) {
				_cleanup_(policy_freep) struct policy *p =
					make_policy("BPF", "EnhanceProtect",
						    rule_enhance(r, dispositions[k].name, priv));
				json_t *w = NULL;

				json_object_set_new(group, dispositions[k].name,
						    compile_checked(p, &w));
				if (!warnings)
					warnings = w;
				else
					json_decref(w);
			}
			json_object_set_new(out, priv ? "privileged" : "unprivileged", group);
		}
		json_object_set_new(out, "warnings", warnings);
		snprintf(name, sizeof(name), "builtin/%s.json", r->id);
		check_golden(name, out);
		n_golden++;
	}
	assert_true(n_golden >= 60);
}

/* A built-in rule's mode follows the disposition, for every record it produces. */
static void test_builtin_modes(void **state)
{
	size_t n;
	const struct catalog_rule *rules = catalog_rules(&n);
	_cleanup_free_ struct pavise_bpf_profile *prof = calloc(1, sizeof(*prof));

	(void)state;
	assert_non_null(prof);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; rules[i].n_bpf && k < ELEMENTSOF(dispositions); k++) {
			_cleanup_(policy_freep) struct policy *p =
				make_policy("BPF", "EnhanceProtect",
					    rule_enhance(&rules[i], dispositions[k].name, true));
			json_auto_t *c = NULL, *x = NULL;
			__u32 want = dispositions[k].mode;

			assert_int_equal(bpf_content_compile(p, &c), 0);
			assert_int_equal(bpf_content_expand_disk_devices(
						 c, (const char *const[]){ "vda", NULL }, &x, NULL),
					 0);
			assert_int_equal(bpf_content_encode(x, prof, NULL), 0);
			if (prof->capabilities.caps)
				assert_int_equal(prof->capabilities.mode, want);
			if (prof->ptrace.permissions)
				assert_int_equal(prof->ptrace.mode, want);
			for (__u32 j = 0; j < prof->n_files; j++)
				assert_int_equal(prof->files[j].mode, want);
			for (__u32 j = 0; j < prof->n_processes; j++)
				assert_int_equal(prof->processes[j].mode, want);
			for (__u32 j = 0; j < prof->n_networks; j++)
				assert_int_equal(prof->networks[j].mode, want);
			for (__u32 j = 0; j < prof->n_mounts; j++)
				assert_int_equal(prof->mounts[j].mode, want);
		}
}

/* ---- raw rules ---- */

static const char raw_rules[] =
	"{'bpfRawRules': {"
	" 'files': ["
	"  {'pattern': '/etc/shadow', 'permissions': ['read', 'W']},"
	"  {'qualifiers': ['audit'], 'pattern': '/var/log/**', 'permissions': ['a']},"
	"  {'pattern': '/opt/tool', 'permissions': ['*']},"
	"  {'pattern': '*.key', 'permissions': ['r', 'x']}],"
	" 'processes': ["
	"  {'qualifiers': ['audit', 'deny'], 'pattern': '**ping', 'permissions': ['exec']},"
	"  {'pattern': '/usr/bin/nc', 'permissions': ['x', 'read']}],"
	" 'network': {"
	"  'sockets': ["
	"   {'qualifiers': ['audit'], 'protocols': ['udp']},"
	"   {'domains': ['inet', 'INET6'], 'types': ['raw', 'packet']},"
	"   {'domains': ['*']}],"
	"  'egress': {"
	"   'toDestinations': ["
	"    {'ip': 'fdbd:dc01:ff:307:9329:268d:3a27:2ca7'},"
	"    {'cidr': '192.168.1.1/24', 'ports': [{'port': 80, 'endPort': 8080}]},"
	"    {'cidr': '2001:db8::1/64'},"
	"    {'ip': '10.12.34.56', 'ports': [{'port': 8070}, {'port': 9980},"
	"     {'port': 10250, 'endPort': 10255}, {'port': 8070}, {'port': 22, 'endPort': 22}]},"
	"    {'ip': 'pod-self', 'ports': [{'port': 80, 'endPort': 8080}]},"
	"    {'ip': 'unspecified', 'ports': [{'port': 9}]},"
	"    {'ip': 'localhost', 'ports': [{'port': 6443}]},"
	"    {'ip': '::ffff:1.2.3.4'},"
	"    {'ports': [{'port': 1}, {'port': 2}, {'port': 3}, {'port': 4}, {'port': 5},"
	"     {'port': 6}, {'port': 7}, {'port': 8}, {'port': 9}, {'port': 10}, {'port': 11},"
	"     {'port': 12}, {'port': 13}, {'port': 14}, {'port': 15}, {'port': 16},"
	"     {'port': 17}]}],"
	"   'toServices': [{'namespace': 'default', 'name': 'kubernetes'}],"
	"   'toPods': [{'podSelector': {'matchLabels': {'app': 'db'}}, 'ports': [{'port': 5432}]}]}},"
	" 'ptrace': {'strictMode': true, 'permissions': ['readby']},"
	" 'mounts': ["
	"  {'sourcePattern': '/dev/sd**', 'fstype': '*', 'flags': ['all']},"
	"  {'qualifiers': ['audit'], 'sourcePattern': 'proc', 'fstype': 'proc',"
	"   'flags': ['rw', 'nosuid', 'R', 'make-rslave']},"
	"  {'sourcePattern': '**', 'fstype': 'none', 'flags': ['umount']}]}}";

static void test_golden_raw(void **state)
{
	json_auto_t *out = json_object();

	(void)state;
	for (int priv = 0; priv <= 1; priv++) {
		_cleanup_(policy_freep) struct policy *p =
			make_policy("BPF", "EnhanceProtect", enhance(raw_rules, "deny", priv));
		json_t *w = NULL, *c = compile_checked(p, &w);

		json_object_set_new(out, priv ? "privileged" : "unprivileged",
				    json_pack("{s:o,s:o}", "warnings", w, "content", c));
	}
	check_golden("raw-rules.json", out);
}

static void test_raw_semantics(void **state)
{
	_cleanup_(policy_freep) struct policy *p =
		make_policy("BPF", "EnhanceProtect", enhance(raw_rules, "audit-allow", true));
	_cleanup_free_ struct pavise_bpf_profile *prof = calloc(1, sizeof(*prof));
	json_auto_t *c = NULL;
	unsigned ranges = 0, singles = 0, lists = 0, localhost = 0;

	(void)state;
	assert_non_null(prof);
	assert_int_equal(bpf_content_compile(p, &c), 0);
	assert_int_equal(bpf_content_encode(c, prof, NULL), 0);
	/* Files: exec went to process rules, the rest to file rules; '*' gives r/w/a and exec. */
	assert_int_equal(prof->n_files, 5); /* the 4 files + read of /usr/bin/nc */
	assert_int_equal(prof->files[0].permissions,
			 PAVISE_FILE_READ | PAVISE_FILE_WRITE | PAVISE_FILE_APPEND);
	assert_int_equal(prof->files[0].mode, PAVISE_RULE_AUDIT); /* the disposition */
	assert_int_equal(prof->files[1].permissions, PAVISE_FILE_APPEND);
	assert_int_equal(prof->n_processes, 4); /* /opt/tool, *.key, **ping, /usr/bin/nc */
	assert_int_equal(prof->processes[2].mode, PAVISE_RULE_AUDIT | PAVISE_RULE_DENY);
	assert_int_equal(prof->processes[2].pattern.flags,
			 PAVISE_MATCH_GREEDY | PAVISE_MATCH_SUFFIX);
	/* Ports: ranges one rule each, singles grouped by 16, one single a PORT rule. */
	for (__u32 i = 0; i < prof->n_networks; i++) {
		const struct pavise_net_rule *n = &prof->networks[i];

		ranges += !!(n->flags & PAVISE_NET_PORT_RANGE);
		singles += !!(n->flags & PAVISE_NET_PORT);
		lists += !!(n->flags & PAVISE_NET_PORTS);
		if (n->flags & PAVISE_NET_PORT && n->port == 6443)
			localhost++;
	}
	assert_int_equal(ranges, 3); /* 192.168.1.0/24, 10.12.34.56, pod-self */
	assert_int_equal(lists, 2); /* 10.12.34.56 {8070, 9980, 22}, the first 16 of 17 ports */
	assert_int_equal(singles, 4); /* unspecified, localhost v4 and v6, the 17th port */
	assert_int_equal(localhost, 2);
	assert_int_equal(prof->ptrace.flags, PAVISE_MATCH_GREEDY);
	assert_int_equal(prof->ptrace.permissions, PAVISE_PTRACE_READBY);
	assert_int_equal(prof->n_mounts, 3);
	assert_int_equal(prof->mounts[1].reverse_mount_flags, PAVISE_MS_RDONLY);
	assert_int_equal(prof->mounts[1].mount_flags,
			 PAVISE_MS_NOSUID | PAVISE_MS_BIND | PAVISE_MS_REC | PAVISE_MS_SLAVE);
}

/* ---- validation messages ---- */

static const struct {
	const char *mode;
	const char *ep; /* enhanceProtect, single-quoted JSON */
	const char *error; /* substring of one error, NULL: valid */
	const char *warning; /* substring of one warning, or NULL */
} validation[] = {
	/* patterns and permissions */
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'files': [{'pattern': 'etc/x', 'permissions': ['r']}]}}",
	  "spec.policy.enhanceProtect.bpfRawRules.files[0].pattern: 'etc/x' must be an absolute path",
	  NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'files': [{'pattern': '/a/**/b/**', 'permissions': ['r']}]}}",
	  "files[0].pattern: '/a/**/b/**' only one wildcard", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'files': [{'pattern': '/a/***', 'permissions': ['r']}]}}",
	  "'***' is not a wildcard", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'processes': [{'pattern': '/a/*.sh', 'permissions': ['x']}]}}",
	  "processes[0].pattern: '/a/*.sh' a pattern with '*' matches within one file name", NULL },
	{ "EnhanceProtect", "{'bpfRawRules': {'files': [{'permissions': ['r']}]}}",
	  "files[0].pattern: is required", NULL },
	{ "EnhanceProtect", "{'bpfRawRules': {'files': [{'pattern': 7, 'permissions': ['r']}]}}",
	  "files[0].pattern: must be a string", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'files': [{'pattern': '/x', 'permissions': ['rw']}]}}",
	  "files[0].permissions[0]: unknown permission 'rw'", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'files': [{'pattern': '/x', 'permissions': ['ALL', 'Read', 'x', 'A']}]}}",
	  NULL, NULL },
	{ "EnhanceProtect", "{'bpfRawRules': {'files': [{'pattern': '/x', 'permissions': []}]}}",
	  NULL, "files[0].permissions: no permissions, the rule has no effect" },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'files': [{'pattern': '/etc/[ab]', 'permissions': ['r']}]}}", NULL,
	  "matches '?', '[', ']', '{' and '}' literally" },
	{ "EnhanceProtect", "{'bpfRawRules': {'files': {'pattern': '/x'}}}",
	  "spec.policy.enhanceProtect.bpfRawRules.files: must be a list", NULL },
	{ "EnhanceProtect", "{'bpfRawRules': {'files': ['/x']}}", "files[0]: must be an object",
	  NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'files': [{'qualifiers': ['block'], 'pattern': '/x', 'permissions': ['r']}]}}",
	  "files[0].qualifiers[0]: unknown qualifier 'block'", NULL },
	{ "EnhanceProtect", "{'bpfRawRules': {'file': []}}", NULL,
	  "bpfRawRules: unknown field 'file', ignored" },
	/* sockets */
	{ "EnhanceProtect", "{'bpfRawRules': {'network': {'sockets': [{'domains': ['inet4']}]}}}",
	  "network.sockets[0].domains[0]: unknown socket domain 'inet4'", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'sockets': [{'types': ['raw'], 'protocols': ['tcp']}]}}}",
	  "network.sockets[0]: set types or protocols, not both", NULL },
	{ "EnhanceProtect", "{'bpfRawRules': {'network': {'sockets': [{}]}}}",
	  "network.sockets[0]: set at least one of domains, types, protocols", NULL },
	{ "EnhanceProtect", "{'bpfRawRules': {'network': {'sockets': [{'types': ['sctp']}]}}}",
	  "types[0]: unknown socket type 'sctp'", NULL },
	{ "EnhanceProtect", "{'bpfRawRules': {'network': {'sockets': [{'protocols': ['igmp']}]}}}",
	  "protocols[0]: unknown socket protocol 'igmp'", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'sockets': [{'domains': ['mctp', 'xdp', 'alg'], 'protocols': ['all']}]}}}",
	  NULL, NULL },
	/* egress */
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toDestinations': [{'ip': '10.0.0.300'}]}}}}",
	  "egress.toDestinations[0].ip: '10.0.0.300' is not an IP address", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toDestinations': [{'ip': 'fe80::1%eth0'}]}}}}",
	  "is not an IP address", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toDestinations': [{'cidr': '10.0.0.0/33'}]}}}}",
	  "toDestinations[0].cidr: '10.0.0.0/33' is not a valid CIDR: bad prefix length", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toDestinations': [{'cidr': '2001:db8::/129'}]}}}}",
	  "bad prefix length", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toDestinations': [{'cidr': '10.0.0.0'}]}}}}",
	  "'10.0.0.0' is not a CIDR", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toDestinations': [{'cidr': '10.0.0.0/08'}]}}}}",
	  "bad prefix length", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toDestinations': [{'cidr': 'x/8'}]}}}}",
	  "bad address", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toDestinations': [{'cidr': '::ffff:10.0.0.0/104'}]}}}}",
	  "IPv4 form", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toDestinations': [{'ip': '1.2.3.4', 'cidr': '1.2.3.0/24'}]}}}}",
	  "toDestinations[0]: set ip or cidr, not both", NULL },
	{ "EnhanceProtect", "{'bpfRawRules': {'network': {'egress': {'toDestinations': [{}]}}}}",
	  "toDestinations[0]: set ip, cidr or ports", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toDestinations': [{'ports': [{'port': 0}]}]}}}}",
	  "toDestinations[0].ports[0].port: 0 is not a port (1-65535)", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toDestinations': [{'ports': [{'port': 65536}]}]}}}}",
	  "65536 is not a port", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toDestinations': [{'ports': [{'port': 80, 'endPort': 79}]}]}}}}",
	  "ports[0].endPort: 79 is below port 80", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toDestinations': [{'ports': [{'port': 80, 'endPort': 70000}]}]}}}}",
	  "endPort: 70000 is not a port", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toDestinations': [{'ports': [{'port': '80'}]}]}}}}",
	  "ports[0].port: must be an integer", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toServices': [{'namespace': 'default', 'name': 'kubernetes'}]}}}}",
	  NULL, "toServices[0]: Service egress rules need cluster egress control" },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toServices': [{'name': 'kubernetes'}]}}}}",
	  "toServices[0]: a service selected by name needs its namespace", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toServices': [{'name': 'a', 'namespace': 'b', 'serviceSelector': {}}]}}}}",
	  "toServices[0]: set name or serviceSelector, not both", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toServices': [{'serviceSelector': {'matchExpressions': [{'key': 'a', 'operator': 'Near'}]}}]}}}}",
	  "toServices[0].serviceSelector", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toPods': [{'podSelector': {'matchLabels': {'app': 'db'}}}]}}}}",
	  NULL, "toPods[0]: Pod egress rules need cluster egress control" },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egress': {'toPods': [{'namespace': 'x'}]}}}}",
	  "toPods[0].podSelector: is required", NULL },
	{ "EnhanceProtect", "{'bpfRawRules': {'network': {'egresses': [{'port': 443}]}}}", NULL,
	  "egresses: vArmor v0.5.6 field" },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'network': {'egresses': [{'ipBlock': '10.0.0.0/40'}]}}}",
	  "egresses[0].cidr: '10.0.0.0/40'", NULL },
	/* ptrace */
	{ "EnhanceProtect", "{'bpfRawRules': {'ptrace': {'permissions': ['write']}}}",
	  "ptrace.permissions[0]: unknown ptrace permission 'write'", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'ptrace': {'strictMode': 'yes', 'permissions': ['all']}}}",
	  "ptrace.strictMode: must be a boolean", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'ptrace': {'strictMode': true, 'permissions': ['*']}}}", NULL,
	  "strictMode applies to every ptrace permission of the profile" },
	/* mounts */
	{ "EnhanceProtect",
	  "{'privileged': true, 'bpfRawRules': {'mounts': [{'sourcePattern': '/x', 'fstype': 'ext4', 'flags': ['bindx']}]}}",
	  "mounts[0].flags[0]: unknown mount flag 'bindx'", NULL },
	{ "EnhanceProtect",
	  "{'privileged': true, 'bpfRawRules': {'mounts': [{'sourcePattern': '/x', 'fstype': 'ext4', 'flags': ['BIND']}]}}",
	  "unknown mount flag 'BIND'", NULL },
	{ "EnhanceProtect",
	  "{'privileged': true, 'bpfRawRules': {'mounts': [{'sourcePattern': '/x', 'fstype': 'averylongfstype1', 'flags': ['all']}]}}",
	  "mounts[0].fstype: 'averylongfstype1' must have 1 to 15 bytes", NULL },
	{ "EnhanceProtect",
	  "{'privileged': true, 'bpfRawRules': {'mounts': [{'sourcePattern': '/x', 'flags': ['all']}]}}",
	  "mounts[0].fstype: is required", NULL },
	{ "EnhanceProtect",
	  "{'privileged': true, 'bpfRawRules': {'mounts': [{'sourcePattern': '/a/**/b/**', 'fstype': '*', 'flags': ['all']}]}}",
	  "mounts[0].sourcePattern: '/a/**/b/**' only one wildcard", NULL },
	{ "EnhanceProtect",
	  "{'bpfRawRules': {'mounts': [{'sourcePattern': '/x', 'fstype': '*', 'flags': ['B', 'M', 'R', 'r', 'w']}]}}",
	  NULL, "mounts[0]: mount rules are only enforced when privileged is true" },
	/* built-in rules */
	{ "EnhanceProtect", "{'hardeningRules': ['disallow-create-user-ns']}", NULL,
	  "spec.policy.enhanceProtect.hardeningRules[0]: built-in rule \"disallow-create-user-ns\" is not implemented by the BPF enforcer; it is ignored there" },
	{ "EnhanceProtect", "{'vulMitigationRules': ['ingress-nightmare-mitigation']}", NULL,
	  "vulMitigationRules[0]: built-in rule \"ingress-nightmare-mitigation\" needs Service egress control" },
	{ "EnhanceProtect",
	  "{'attackProtectionRules': [{'rules': ['disable-shell'], 'targets': ['/usr/bin/app']}]}",
	  NULL, "attackProtectionRules[0].targets: the BPF enforcer cannot limit rules" },
	{ "EnhanceProtect", "{'hardeningRules': ['DISALLOW_LOAD_EBPF']}", NULL, NULL },
	/* modes */
	{ "DefenseInDepth", "{}",
	  "spec.policy.mode: the BPF enforcer does not support DefenseInDepth", NULL },
	{ "RuntimeDefault", "{'bpfRawRules': 'not an object'}",
	  "spec.policy.enhanceProtect.bpfRawRules: must be an object", NULL },
	{ "AlwaysAllow",
	  "{'bpfRawRules': {'mounts': [{'sourcePattern': '/x', 'fstype': '*', 'flags': ['all']}]}}",
	  NULL, NULL },
};

static void test_validation(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(validation); i++) {
		_cleanup_(policy_freep) struct policy *p =
			make_policy("BPF", validation[i].mode, testlib_json(validation[i].ep));
		struct policy_diags d = {};
		int r = bpf_content_validate(p, &d);
		json_auto_t *c = NULL;

		if (validation[i].error) {
			assert_int_equal(r, -EINVAL);
			if (!has(d.errors, d.n_errors, validation[i].error))
				fail_msg("%s: no error '%s' (got '%s')", validation[i].ep,
					 validation[i].error, d.n_errors ? d.errors[0] : "none");
			assert_int_equal(bpf_content_compile(p, &c), -EINVAL);
		} else {
			if (r < 0)
				fail_msg("%s: %s", validation[i].ep, d.errors[0]);
			assert_int_equal(bpf_content_compile(p, &c), 0);
		}
		if (validation[i].warning && !has(d.warnings, d.n_warnings, validation[i].warning))
			fail_msg("%s: no warning '%s' (got %zu: '%s')", validation[i].ep,
				 validation[i].warning, d.n_warnings,
				 d.n_warnings ? d.warnings[0] : "none");
		/* Every message starts with a field path. */
		for (size_t k = 0; k < d.n_errors; k++)
			assert_true(strncmp(d.errors[k], "spec.", 5) == 0);
		for (size_t k = 0; k < d.n_warnings; k++)
			assert_true(strncmp(d.warnings[k], "spec.", 5) == 0);
		policy_diags_clear(&d);
	}
}

static void test_validation_scope(void **state)
{
	const char *garbage = "{'bpfRawRules': {'files': [{'pattern': 'x***'}], 'network': 5}}";
	struct policy_diags d = {};

	(void)state;
	/* Not selecting BPF, or not EnhanceProtect: malformed raw rules are still errors, quietly. */
	{
		_cleanup_(policy_freep) struct policy *p =
			make_policy("AppArmorSeccomp", "EnhanceProtect", testlib_json(garbage));
		json_auto_t *c = NULL;

		assert_int_equal(bpf_content_validate(p, &d), -EINVAL);
		assert_true(has(d.errors, d.n_errors, "files[0].pattern: 'x***'"));
		assert_true(has(d.errors, d.n_errors, "bpfRawRules.network: must be an object"));
		assert_int_equal(d.n_warnings, 0);
		policy_diags_clear(&d);
		assert_int_equal(bpf_content_compile(p, &c), -EINVAL);
	}
	{
		_cleanup_(policy_freep) struct policy *p = make_policy(
			"Seccomp", "EnhanceProtect",
			testlib_json(
				"{'hardeningRules': ['disallow-create-user-ns'], 'bpfRawRules':"
				" {'mounts': [{'sourcePattern': '/x', 'fstype': '*', 'flags': ['all']}],"
				" 'network': {'egress': {'toPods': [{'podSelector': {}}]}}}}"));

		assert_int_equal(bpf_content_validate(p, &d), 0);
		assert_int_equal(d.n_errors + d.n_warnings, 0);
	}
	{
		_cleanup_(policy_freep) struct policy *p =
			make_policy("AppArmorBPF", "EnhanceProtect", testlib_json(garbage));

		assert_int_equal(bpf_content_validate(p, &d), -EINVAL);
		assert_true(has(d.errors, d.n_errors, "files[0].pattern: 'x***'"));
		assert_true(has(d.errors, d.n_errors, "bpfRawRules.network: must be an object"));
	}
	policy_diags_clear(&d);
	/* Modeling runs the (empty) profile in complain mode. */
	{
		_cleanup_(policy_freep) struct policy *p =
			make_policy("BPF", "BehaviorModeling", NULL);
		__u32 mode;

		assert_string_equal(bpf_content_profile_mode(p), "complain");
		assert_int_equal(bpf_content_profile_mode_from_string("complain", &mode), 0);
		assert_int_equal(mode, PAVISE_PROFILE_COMPLAIN);
		assert_int_equal(bpf_content_profile_mode_from_string("enforce", &mode), 0);
		assert_int_equal(mode, PAVISE_PROFILE_ENFORCE);
		assert_int_equal(bpf_content_profile_mode_from_string("Enforce", &mode), -EINVAL);
	}
}

/* 64 rules of a type fit, 65 do not, counted after expansion (ports, localhost). */
static void test_rule_counts(void **state)
{
	struct policy_diags d = {};

	(void)state;
	for (int n = 57; n <= 58; n++) { /* + 7 files of the RuntimeDefault base */
		json_t *ep = testlib_json("{'bpfRawRules': {'files': []}}");
		json_t *files = json_path(ep, "bpfRawRules", "files", NULL);

		for (int i = 0; i < n; i++) {
			char pat[32];

			snprintf(pat, sizeof(pat), "/f/%d", i);
			json_array_append_new(files, json_pack("{s:s,s:[s]}", "pattern", pat,
							       "permissions", "r"));
		}
		{
			_cleanup_(policy_freep) struct policy *p =
				make_policy("BPF", "EnhanceProtect", ep);
			int r = bpf_content_validate(p, &d);

			if (n == 57)
				assert_int_equal(r, 0);
			else {
				assert_int_equal(r, -EINVAL);
				assert_true(has(
					d.errors, d.n_errors,
					"needs 65 file rules (base, built-in and bpfRawRules together, after expansion); at most 64 fit"));
			}
			policy_diags_clear(&d);
		}
	}
	/* 33 localhost destinations with a port each: 66 network rules. */
	{
		json_t *ep = testlib_json(
			"{'bpfRawRules': {'network': {'egress': {'toDestinations': []}}}}");
		json_t *dests =
			json_path(ep, "bpfRawRules", "network", "egress", "toDestinations", NULL);
		_cleanup_(policy_freep) struct policy *p = NULL;

		for (int i = 1; i <= 33; i++)
			json_array_append_new(dests, json_pack("{s:s,s:[{s:i}]}", "ip", "localhost",
							       "ports", "port", i));
		p = make_policy("BPF", "EnhanceProtect", ep);
		assert_int_equal(bpf_content_validate(p, &d), -EINVAL);
		assert_true(has(d.errors, d.n_errors, "needs 66 network rules"));
		policy_diags_clear(&d);
	}
}

/* ---- the codec: round trip, vArmor's format, hostile content ---- */

static const char varmor_content[] =
	"{'capabilities': {'mode': 3, 'capabilities': 2199023255551},"
	" 'files': ["
	"  {'mode': 1, 'permissions': 14, 'pattern': {'flags': 5, 'prefix': '/proc/sysrq-trigger'}},"
	"  {'mode': 3, 'permissions': 4, 'pattern': {'flags': 14, 'prefix': '/proc/', 'suffix': 'ofnitnuom/'}},"
	"  {'mode': 2, 'permissions': 10, 'pattern': {'flags': 8, 'suffix': 'hs.'}}],"
	" 'processes': [{'mode': 3, 'permissions': 1, 'pattern': {'flags': 10, 'suffix': 'gnip'}}],"
	" 'networks': ["
	"  {'mode': 2, 'flags': 512, 'socket': {'domains': 0, 'types': 0, 'protocols': 131072}},"
	"  {'mode': 2, 'flags': 129, 'address': {'ip': 'fdbd:dc01:ff:307:9329:268d:3a27:2ca7'}},"
	"  {'mode': 2, 'flags': 1120, 'address': {'ip': '192.168.1.0', 'cidr': '192.168.1.0/24', 'port': 80, 'endPort': 8080}},"
	"  {'mode': 2, 'flags': 2113, 'address': {'ip': '10.12.34.56', 'ports': [8070, 9980]}},"
	"  {'mode': 2, 'flags': 5312, 'address': {'ip': 'pod-self', 'port': 80, 'endPort': 8080}},"
	"  {'mode': 1, 'flags': 449, 'address': {'ip': 'unspecified', 'port': 53}},"
	"  {'mode': 1, 'flags': 448, 'address': {'port': 443}}],"
	" 'ptrace': {'mode': 1, 'permissions': 6, 'flags': 1},"
	" 'mounts': [{'mode': 1, 'mountFlags': 4294966783, 'reverseMountflags': 4294967295,"
	"  'pattern': {'flags': 2}, 'fstype': '*'}]}";

static void test_roundtrip_varmor(void **state)
{
	_cleanup_free_ struct pavise_bpf_profile *a = calloc(1, sizeof(*a));
	_cleanup_free_ struct pavise_bpf_profile *b = calloc(1, sizeof(*b));
	json_auto_t *in = testlib_json(varmor_content), *out = NULL, *legacy = NULL;
	char *msg = NULL;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	if (bpf_content_encode(in, a, &msg) < 0)
		fail_msg("%s", msg);
	assert_int_equal(a->n_files, 3);
	assert_int_equal(a->n_networks, 7);
	assert_int_equal(a->networks[1].address[0], 0xfd);
	assert_int_equal(a->networks[2].mask[2], 0xff);
	assert_int_equal(a->networks[2].mask[3], 0);
	assert_int_equal(a->networks[3].ports[1], 9980);
	assert_int_equal(a->mounts[0].mount_flags, 0xfffffdffU);
	assert_string_equal((const char *)a->files[1].pattern.suffix, "ofnitnuom/");
	assert_int_equal(bpf_content_decode(a, &out), 0);
	assert_true(json_equal(in, out));
	assert_int_equal(bpf_content_encode(out, b, NULL), 0);
	assert_memory_equal(a, b, sizeof(*a));

	/* vArmor before v0.6: a bare capability mask and rules without mode (always deny). */
	legacy = testlib_json("{'capabilities': 2097152, 'files': [{'permissions': 2,"
			      " 'pattern': {'flags': 5, 'prefix': '/etc/passwd'}}]}");
	assert_int_equal(bpf_content_encode(legacy, a, NULL), 0);
	assert_int_equal(a->capabilities.mode, PAVISE_RULE_DENY);
	assert_int_equal(a->capabilities.caps, 1U << 21);
	assert_int_equal(a->files[0].mode, PAVISE_RULE_DENY);
}

static void test_roundtrip_records(void **state)
{
	_cleanup_free_ struct pavise_bpf_profile *a = calloc(1, sizeof(*a));
	_cleanup_free_ struct pavise_bpf_profile *b = calloc(1, sizeof(*b));
	json_auto_t *c = NULL;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	/* Records filled to capacity, written out and read back byte for byte. */
	a->mode = PAVISE_PROFILE_ENFORCE;
	a->n_files = a->n_processes = a->n_networks = a->n_mounts = PAVISE_MAX_RULES;
	for (__u32 i = 0; i < PAVISE_MAX_RULES; i++) {
		struct pavise_file_rule *f = &a->files[i];
		struct pavise_net_rule *n = &a->networks[i];
		struct pavise_mount_rule *m = &a->mounts[i];

		f->mode = i % 4;
		f->permissions = PAVISE_FILE_READ;
		f->pattern.flags = PAVISE_MATCH_GREEDY | PAVISE_MATCH_PREFIX | PAVISE_MATCH_SUFFIX;
		memset(f->pattern.prefix, 'p', 63);
		f->pattern.prefix[0] = '/';
		memset(f->pattern.suffix, 's', 63);
		f->pattern.suffix[i % 63] = (__u8)('0' + i % 10);
		a->processes[i] = *f;
		a->processes[i].permissions = PAVISE_FILE_EXEC;
		n->mode = PAVISE_RULE_DENY;
		n->flags = PAVISE_NET_CIDR | PAVISE_NET_IPV6 | PAVISE_NET_PORTS;
		n->address[0] = 0x20;
		n->address[1] = (__u8)i;
		memset(n->mask, 0xff, 2);
		for (int k = 0; k < PAVISE_PORTS_MAX; k++)
			n->ports[k] = (__u16)(1000 + i * 16 + (unsigned)k);
		m->mode = PAVISE_RULE_AUDIT;
		m->mount_flags = i;
		m->reverse_mount_flags = PAVISE_MS_ALL - i;
		m->pattern.flags = PAVISE_MATCH_PRECISE | PAVISE_MATCH_PREFIX;
		snprintf((char *)m->pattern.prefix, sizeof(m->pattern.prefix), "/dev/sd%u", i);
		memcpy(m->fstype, "fifteen-bytes-x", 15);
	}
	a->capabilities = (struct pavise_cap_rule){ .mode = 1, .caps = PAVISE_CAP_ALL };
	a->ptrace = (struct pavise_ptrace_rule){ .mode = 3,
						 .permissions = PAVISE_PTRACE_MASK,
						 .flags = PAVISE_MATCH_GREEDY };
	assert_int_equal(bpf_content_decode(a, &c), 0);
	assert_int_equal(bpf_content_encode(c, b, NULL), 0);
	assert_memory_equal(a, b, sizeof(*a));

	/* Records the JSON cannot carry are refused, not garbled. */
	a->files[3].pattern.prefix[5] = 0xff;
	json_decref(c);
	c = NULL;
	assert_int_equal(bpf_content_decode(a, &c), -EINVAL);
	a->files[3].pattern.prefix[5] = 'p';
	a->n_mounts = PAVISE_MAX_RULES + 1;
	assert_int_equal(bpf_content_decode(a, &c), -EINVAL);
}

static const struct {
	const char *json;
	int err;
	const char *msg;
} hostile[] = {
	{ "[]", -EINVAL, "BpfContent: must be an object" },
	{ "'files'", -EINVAL, "must be an object" },
	{ "{'file': []}", -EINVAL, "BpfContent: unknown field 'file'" },
	{ "{'files': {}}", -EINVAL, "files: must be a list" },
	{ "{'files': [7]}", -EINVAL, "files[0]: must be an object" },
	{ "{'files': [{'mode': 4, 'permissions': 4, 'pattern': {'flags': 5, 'prefix': '/x'}}]}",
	  -EINVAL, "files[0].mode: 4 is out of range (0-3)" },
	{ "{'files': [{'mode': -1, 'permissions': 4, 'pattern': {'flags': 5, 'prefix': '/x'}}]}",
	  -EINVAL, "files[0].mode: -1 is out of range" },
	{ "{'files': [{'mode': 1.5, 'permissions': 4, 'pattern': {'flags': 5, 'prefix': '/x'}}]}",
	  -EINVAL, "files[0].mode: must be an unsigned integer" },
	{ "{'files': [{'mode': 1, 'permissions': '4', 'pattern': {'flags': 5, 'prefix': '/x'}}]}",
	  -EINVAL, "files[0].permissions: must be an unsigned integer" },
	{ "{'files': [{'mode': 1, 'permissions': 256, 'pattern': {'flags': 5, 'prefix': '/x'}}]}",
	  -EINVAL, "files[0].permissions: 0x100 has unknown bits (known: 0x4009f)" },
	{ "{'files': [{'mode': 1, 'permissions': 4}]}", -EINVAL, "files[0].pattern: is required" },
	{ "{'files': [{'mode': 1, 'permissions': 4, 'pattern': {'flags': 13, 'prefix': '/x', 'suffix': 'y'}}]}",
	  -EINVAL, "PRECISE (0x1) takes a prefix only" },
	{ "{'files': [{'mode': 1, 'permissions': 4, 'pattern': {'flags': 5}}]}", -EINVAL,
	  "the PREFIX flag (0x4) and a non-empty prefix go together" },
	{ "{'files': [{'mode': 1, 'permissions': 4, 'pattern': {'flags': 2, 'suffix': 'x'}}]}",
	  -EINVAL, "the SUFFIX flag (0x8) and a non-empty suffix go together" },
	{ "{'files': [{'mode': 1, 'permissions': 4, 'pattern': {'flags': 4, 'prefix': '/etc'}}]}",
	  -EINVAL, "a file-name pattern (neither PRECISE nor GREEDY) cannot contain '/'" },
	{ "{'files': [{'mode': 1, 'permissions': 4, 'pattern': {'flags': 16, 'prefix': '/x'}}]}",
	  -EINVAL, "files[0].pattern.flags: 0x10 has unknown bits" },
	{ "{'files': [{'mode': 1, 'permissions': 4, 'pattern': {'flags': 5, 'prefix': '/0123456789012345678901234567890123456789012345678901234567890123'}}]}",
	  -EINVAL, "pattern.prefix: longer than 63 bytes" },
	{ "{'files': [{'mode': 1, 'permissions': 4, 'pattern': {'flags': 5, 'prefix': '/dev/{{.DiskDevices}}'}}]}",
	  -EINVAL, "holds the disk-device placeholder" },
	{ "{'files': [{'mode': 1, 'permissions': 4, 'pattern': {'flags': 5, 'prefix': '/x', 'extra': 1}}]}",
	  -EINVAL, "files[0].pattern: unknown field 'extra'" },
	{ "{'processes': [{'mode': 1, 'permissions': 1, 'pattern': []}]}", -EINVAL,
	  "processes[0].pattern: must be an object" },
	{ "{'networks': [{'mode': 1, 'flags': 97, 'address': {'cidr': '10.0.0.0/33'}}]}", -EINVAL,
	  "PRECISE, CIDR and POD_SELF_IP exclude each other" },
	{ "{'networks': [{'mode': 1, 'flags': 96, 'address': {'cidr': '10.0.0.0/33'}}]}", -EINVAL,
	  "networks[0].address.cidr: '10.0.0.0/33' is not a valid CIDR: bad prefix length" },
	{ "{'networks': [{'mode': 1, 'flags': 96, 'address': {'cidr': '10.0.0.1'}}]}", -EINVAL,
	  "is not a CIDR" },
	{ "{'networks': [{'mode': 1, 'flags': 160, 'address': {'cidr': '10.0.0.0/8'}}]}", -EINVAL,
	  "the family flag does not match cidr '10.0.0.0/8'" },
	{ "{'networks': [{'mode': 1, 'flags': 96, 'address': {'ip': '10.0.0.1', 'cidr': '10.0.0.0/8'}}]}",
	  -EINVAL, "address.ip: '10.0.0.1' is not the network of cidr '10.0.0.0/8'" },
	{ "{'networks': [{'mode': 1, 'flags': 96}]}", -EINVAL, "address.cidr: required by CIDR" },
	{ "{'networks': [{'mode': 1, 'flags': 65, 'address': {'ip': '::1'}}]}", -EINVAL,
	  "the family flag does not match ip '::1'" },
	{ "{'networks': [{'mode': 1, 'flags': 65, 'address': {'ip': 'localhost'}}]}", -EINVAL,
	  "address.ip: 'localhost' is not an IP address" },
	{ "{'networks': [{'mode': 1, 'flags': 65, 'address': {'ip': '1.2.3.4', 'port': 70000}}]}",
	  -EINVAL, "address.port: 70000 is out of range" },
	{ "{'networks': [{'mode': 1, 'flags': 1, 'address': {'ip': '1.2.3.4'}}]}", -EINVAL,
	  "needs IPV4 (0x40) and/or IPV6 (0x80)" },
	{ "{'networks': [{'mode': 1, 'flags': 2113, 'address': {'ip': '1.2.3.4', 'ports': [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}}]}",
	  -EINVAL, "address.ports: 1 to 16 ports" },
	{ "{'networks': [{'mode': 1, 'flags': 2113, 'address': {'ip': '1.2.3.4', 'ports': [0]}}]}",
	  -EINVAL, "address.ports[0]: not a port" },
	{ "{'networks': [{'mode': 1, 'flags': 1089, 'address': {'ip': '1.2.3.4', 'port': 90, 'endPort': 80}}]}",
	  -EINVAL, "PORT_RANGE (0x400) takes port 1-65535 and endPort above it" },
	{ "{'networks': [{'mode': 1, 'flags': 1345, 'address': {'ip': '1.2.3.4', 'port': 80, 'endPort': 90}}]}",
	  -EINVAL, "PORT, PORT_RANGE and PORTS exclude each other" },
	{ "{'networks': [{'mode': 1, 'flags': 65, 'address': {'ip': '1.2.3.4', 'port': 80}}]}",
	  -EINVAL, "port set without a port flag" },
	{ "{'networks': [{'mode': 1, 'flags': 512, 'socket': {'types': 8, 'protocols': 64}}]}",
	  -EINVAL, "types and protocols exclude each other" },
	{ "{'networks': [{'mode': 1, 'flags': 512, 'socket': {}}]}", -EINVAL,
	  "domains, types and protocols are all empty" },
	{ "{'networks': [{'mode': 1, 'flags': 512}]}", -EINVAL, "networks[0].socket: required" },
	{ "{'networks': [{'mode': 1, 'flags': 512, 'socket': {'domains': 4}, 'address': {}}]}",
	  -EINVAL, "networks[0].address: set on a socket rule" },
	{ "{'networks': [{'mode': 1, 'flags': 576, 'socket': {'domains': 4}}]}", -EINVAL,
	  "SOCKET (0x200) stands alone" },
	{ "{'networks': [{'mode': 1, 'flags': 65, 'socket': {'domains': 4}, 'address': {'ip': '1.1.1.1'}}]}",
	  -EINVAL, "set without the SOCKET flag" },
	{ "{'networks': [{'mode': 1, 'flags': 8192, 'socket': {'domains': 4}}]}", -EINVAL,
	  "networks[0].flags: 0x2000 has unknown bits" },
	{ "{'networks': [{'mode': 1, 'flags': 512, 'socket': {'domains': -4}}]}", -EINVAL,
	  "socket.domains: -4 is out of range" },
	{ "{'mounts': [{'mode': 1, 'mountFlags': 4294967296, 'reverseMountflags': 0, 'pattern': {'flags': 2}, 'fstype': '*'}]}",
	  -EINVAL, "mounts[0].mountFlags: 4294967296 is out of range" },
	{ "{'mounts': [{'mode': 1, 'mountFlags': 1, 'reverseMountflags': 0, 'pattern': {'flags': 2}}]}",
	  -EINVAL, "mounts[0].fstype: required" },
	{ "{'mounts': [{'mode': 1, 'mountFlags': 1, 'pattern': {'flags': 2}, 'fstype': '0123456789abcdef'}]}",
	  -EINVAL, "mounts[0].fstype: longer than 15 bytes" },
	{ "{'ptrace': {'mode': 1, 'permissions': 6, 'flags': 4}}", -EINVAL,
	  "ptrace.flags: 0x4 has unknown bits" },
	{ "{'ptrace': {'mode': 1, 'permissions': 6}}", -EINVAL,
	  "ptrace.flags: PRECISE (0x1) or GREEDY" },
	{ "{'ptrace': [1]}", -EINVAL, "BpfContent.ptrace: must be an object" },
	{ "{'capabilities': -1}", -EINVAL, "capabilities: must be an unsigned integer" },
	{ "{'capabilities': 'all'}", -EINVAL, "capabilities: must be an object" },
	{ "{'capabilities': {'mode': 1, 'capabilities': 1, 'caps': 2}}", -EINVAL,
	  "capabilities: unknown field 'caps'" },
};

static void test_hostile_content(void **state)
{
	_cleanup_free_ struct pavise_bpf_profile *p = calloc(1, sizeof(*p));

	(void)state;
	assert_non_null(p);
	for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
		json_auto_t *c = testlib_json(hostile[i].json);
		char *msg = NULL;
		int r;

		p->mode = 0x5a5a;
		r = bpf_content_encode(c, p, &msg);
		if (r != hostile[i].err || !msg || !strstr(msg, hostile[i].msg))
			fail_msg("%s: %d '%s', expected %d '%s'", hostile[i].json, r, strna(msg),
				 hostile[i].err, hostile[i].msg);
		assert_int_equal(p->mode, 0x5a5a); /* untouched */
		free(msg);
	}
	/* NULL content, and no message wanted. */
	assert_int_equal(bpf_content_encode(NULL, p, NULL), -EINVAL);
}

static void test_hostile_sizes(void **state)
{
	_cleanup_free_ struct pavise_bpf_profile *p = calloc(1, sizeof(*p));
	json_auto_t *c = json_object(), *nul = NULL;
	json_t *files = json_array(), *huge = json_array();
	char *msg = NULL;

	(void)state;
	assert_non_null(p);
	for (int i = 0; i < PAVISE_MAX_RULES + 1; i++)
		json_array_append_new(files,
				      json_pack("{s:i,s:i,s:{s:i,s:s}}", "mode", 1, "permissions",
						4, "pattern", "flags", 5, "prefix", "/x"));
	json_object_set_new(c, "files", files);
	assert_int_equal(bpf_content_encode(c, p, &msg), -E2BIG);
	assert_string_equal(msg, "files: 65 rules; at most 64 fit");
	free(msg);
	json_array_remove(files, 0);
	assert_int_equal(bpf_content_encode(c, p, NULL), 0);
	assert_int_equal(p->n_files, 64);

	/* A million entries: refused on the count, before anything is read. */
	for (int i = 0; i < 1000000; i++)
		json_array_append_new(huge, json_null());
	json_object_set_new(c, "mounts", huge);
	assert_int_equal(bpf_content_encode(c, p, &msg), -E2BIG);
	assert_non_null(strstr(msg, "mounts: 1000000 rules"));
	free(msg);

	/* A NUL inside a string (jansson can hold one). */
	nul = json_pack("{s:[{s:i,s:i,s:{s:i,s:o}}]}", "files", "mode", 1, "permissions", 4,
			"pattern", "flags", 5, "prefix", json_stringn("/etc\0/x", 7));
	assert_int_equal(bpf_content_encode(nul, p, &msg), -EINVAL);
	assert_non_null(strstr(msg, "contains a NUL byte"));
	free(msg);
}

/* ---- disk devices ---- */

static void test_disk_devices(void **state)
{
	_cleanup_(policy_freep) struct policy *p = make_policy(
		"BPF", "EnhanceProtect",
		testlib_json("{'privileged': true, 'hardeningRules': ['disallow-debug-disk-device',"
			     " 'disallow-mount-disk-device']}"));
	_cleanup_free_ struct pavise_bpf_profile *prof = calloc(1, sizeof(*prof));
	const char *devices[BPF_CONTENT_DEVICES_MAX + 2];
	char names[BPF_CONTENT_DEVICES_MAX + 1][16];
	json_auto_t *c = NULL, *x = NULL;
	char *msg = NULL;

	(void)state;
	assert_non_null(prof);
	assert_int_equal(bpf_content_compile(p, &c), 0);
	assert_string_equal(json_path_string(json_array_get(json_object_get(c, "files"), 0),
					     "pattern", "prefix", NULL),
			    "/dev/" BPF_CONTENT_DISK_DEVICES);
	assert_int_equal(bpf_content_encode(c, prof, &msg), -EINVAL);
	assert_non_null(strstr(msg, "placeholder"));
	free(msg);

	assert_int_equal(bpf_content_expand_disk_devices(
				 c, (const char *const[]){ "sda", "nvme0n1", "dm-0", NULL }, &x,
				 NULL),
			 0);
	assert_int_equal(bpf_content_encode(x, prof, NULL), 0);
	assert_int_equal(prof->n_files, 3);
	assert_string_equal((const char *)prof->files[1].pattern.prefix, "/dev/nvme0n1");
	assert_int_equal(prof->n_mounts, 3);
	assert_string_equal((const char *)prof->mounts[2].pattern.prefix, "/dev/dm-0");
	json_decref(x);
	x = NULL;

	/* No disks: the rules go. */
	assert_int_equal(bpf_content_expand_disk_devices(c, NULL, &x, NULL), 0);
	assert_null(json_object_get(x, "files"));
	json_decref(x);
	x = NULL;

	/* Hostile names and too many devices. */
	assert_int_equal(bpf_content_expand_disk_devices(c, (const char *const[]){ "../etc", NULL },
							 &x, &msg),
			 -EINVAL);
	assert_non_null(strstr(msg, "disk device '../etc'"));
	free(msg);
	assert_int_equal(bpf_content_expand_disk_devices(c, (const char *const[]){ "", NULL }, &x,
							 NULL),
			 -EINVAL);
	for (int i = 0; i < 70; i++) {
		snprintf(names[i], sizeof(names[i]), "sd%d", i);
		devices[i] = names[i];
	}
	devices[70] = NULL;
	assert_int_equal(bpf_content_expand_disk_devices(c, devices, &x, &msg), -E2BIG);
	assert_non_null(strstr(msg, "files: 70 rules after expanding"));
	free(msg);
	for (int i = 0; i < BPF_CONTENT_DEVICES_MAX + 1; i++) {
		snprintf(names[i], sizeof(names[i]), "d%d", i);
		devices[i] = names[i];
	}
	devices[BPF_CONTENT_DEVICES_MAX + 1] = NULL;
	assert_int_equal(bpf_content_expand_disk_devices(c, devices, &x, NULL), -EINVAL);
	{
		json_auto_t *not_content = json_array();

		assert_int_equal(bpf_content_expand_disk_devices(not_content, NULL, &x, NULL),
				 -EINVAL);
	}
}

/* ---- conformance with vArmor's examples ---- */

static void walk(const char *dir, json_t *files)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[4096];
		struct stat st;
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk(path, files);
		else if (len > 5 && (strcmp(e->d_name + len - 5, ".yaml") == 0 ||
				     strcmp(e->d_name + len - 4, ".yml") == 0))
			json_array_append_new(files, json_string(path));
	}
	closedir(d);
}

static int cmp_json_strings(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
		      json_string_value(*(json_t *const *)b));
}

static void test_conformance(void **state)
{
	json_auto_t *files = json_array(), *out = json_object();
	char root[4096];
	size_t n_bpf = 0, i;
	json_t *f;

	(void)state;
	snprintf(root, sizeof(root), "%s/varmor-examples", testlib_shared_dir());
	walk(root, files);
	if (json_array_size(files) == 0)
		fail_msg("no examples under %s (PAVISE_SHARED names the shared directory)", root);
	/* Sorted, so the golden file does not depend on readdir order. */
	{
		size_t n = json_array_size(files);
		json_t **v = calloc(n, sizeof(*v));

		for (i = 0; i < n; i++)
			v[i] = json_incref(json_array_get(files, i));
		qsort(v, n, sizeof(*v), cmp_json_strings);
		json_array_clear(files);
		for (i = 0; i < n; i++)
			json_array_append_new(files, v[i]);
		free(v);
	}
	json_array_foreach(files, i, f) {
		const char *path = json_string_value(f);
		json_auto_t *docs = NULL;
		struct yaml_error err;
		size_t k;
		json_t *doc;

		if (yaml_load_file(path, &docs, &err) < 0)
			fail_msg("%s:%u: %s", path, err.line, err.msg);
		json_array_foreach(docs, k, doc) {
			const char *kind = json_string_value(json_object_get(doc, "kind"));
			_cleanup_(policy_freep) struct policy *p = NULL;
			struct policy_diags d = {};
			json_t *w = NULL, *c;
			char key[4096];

			if (!kind ||
			    (strcmp(kind, "VarmorPolicy") && strcmp(kind, "VarmorClusterPolicy")))
				continue;
			if (policy_parse(doc, "varmor", "default", &p, &d) < 0)
				fail_msg("%s: %s", path, d.errors[0]);
			policy_diags_clear(&d);
			if (!(p->enforcers & ENFORCER_BPF))
				continue;
			c = compile_checked(p, &w);
			snprintf(key, sizeof(key), "%s#%zu", path + strlen(root) + 1, k);
			json_object_set_new(out, key,
					    json_pack("{s:s,s:s,s:o,s:o}", "mode",
						      policy_mode_to_string(p->mode), "profileMode",
						      bpf_content_profile_mode(p), "warnings", w,
						      "content", c));
			n_bpf++;
		}
	}
	assert_true(n_bpf >= 10);
	check_golden("conformance.json", out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_modes),	 cmocka_unit_test(test_golden_builtin),
		cmocka_unit_test(test_builtin_modes),	 cmocka_unit_test(test_golden_raw),
		cmocka_unit_test(test_raw_semantics),	 cmocka_unit_test(test_validation),
		cmocka_unit_test(test_validation_scope), cmocka_unit_test(test_rule_counts),
		cmocka_unit_test(test_roundtrip_varmor), cmocka_unit_test(test_roundtrip_records),
		cmocka_unit_test(test_hostile_content),	 cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_disk_devices),	 cmocka_unit_test(test_conformance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: Apache-2.0
/* AppArmor generator: VarmorPolicy -> AppArmor profile text for every mode, and its validation. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/json-util.h"
#include "rules/apparmor.h"
#include "rules/catalog.h"
#include "rules/compile.h"

#define EP_PATH	 "spec.policy.enhanceProtect"
#define DID_PATH "spec.policy.defenseInDepth.appArmor"
#define PATH_BUF 256

/* A path that no host has: what @{PAVISE_DISK_DEVICES} holds on a node without disks. */
#define NO_DISK_DEVICE "/dev/.pavise-no-disk-device"

/*
 * Base rules, one template line each (a NULL ends a list, "" is a blank
 * line). Expanded by emit_template():
 *   %Q  the qualifier of the policy's disposition ("deny " in RuntimeDefault)
 *   %X  "x" when violations are blocked, "ix" when they are allowed (an
 *       allowed x permission needs an exec mode)
 *   %N  the profile's own label (profile or parent//child)
 *   %P  the parent's label (child profiles only)
 */
static const char *const always_allow_base[] = {
	"file,",       "capability,", "network,", "mount,", "remount,", "umount,",
	"pivot_root,", "ptrace,",     "signal,",  "dbus,",  "unix,",	NULL,
};

/*
 * The containerd/Docker default profile, as vArmor's RuntimeDefault mode
 * describes it: everything is allowed except writes to procfs and sysfs
 * outside the container's own processes, the kernel memory files, firmware,
 * powercap, securityfs, and mount(2). Signals and ptrace stay within the
 * container, plus signals from the host and the OCI runtimes.
 */
static const char *const runtime_default_head[] = {
	"network,",
	"capability,",
	"file,",
	"umount,",
	"",
	"# Signals from the host and from the OCI runtimes, and within the container.",
	"signal (receive) peer=unconfined,",
	"signal (receive) peer=runc,",
	"signal (receive) peer=crun,",
	"signal (send,receive) peer=%N,",
	NULL,
};

static const char *const child_peers[] = {
	"# The parent may signal and trace its child profile, not the reverse.",
	"signal (receive) peer=%P,",
	"ptrace (tracedby,readby) peer=%P,",
	NULL,
};

static const char *const runtime_default_denials[] = {
	"",
	"# procfs: no writes to files directly in /proc, nor below any directory of",
	"# /proc other than a process (/proc/<pid>) and /proc/sys.",
	"%Q@{PROC}/* w,",
	"%Q@{PROC}/{[^1-9s]*,[1-9]*[^0-9]*,s,s[^y]*,sy,sy[^s]*,sys?*}/** w,",
	"# /proc/sys: writes only below /proc/sys/k* (kernel), and there only to shm*.",
	"%Q@{PROC}/sys/[^k]** w,",
	"%Q@{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,",
	"# Kernel memory and the magic SysRq trigger.",
	"%Q@{PROC}/sysrq-trigger rwkl%X,",
	"%Q@{PROC}/mem rwkl%X,",
	"%Q@{PROC}/kmem rwkl%X,",
	"%Q@{PROC}/kcore rwkl%X,",
	"",
	"%Qmount,",
	"",
	"# sysfs: read-only except below /sys/fs/cgroup; firmware, powercap and",
	"# securityfs not at all.",
	"%Q/sys/[^f]*/** wkl%X,",
	"%Q/sys/f[^s]*/** wkl%X,",
	"%Q/sys/fs/[^c]*/** wkl%X,",
	"%Q/sys/fs/c[^g]*/** wkl%X,",
	"%Q/sys/fs/cg[^r]*/** wkl%X,",
	"%Q/sys/firmware/** rwkl%X,",
	"%Q/sys/devices/virtual/powercap/** rwkl%X,",
	"%Q/sys/kernel/security/** rwkl%X,",
	"",
	"# Processes of the container may trace each other (Yama and capabilities permitting).",
	"ptrace (trace,read,tracedby,readby) peer=%N,",
	NULL,
};

/* Child profiles of DefenseInDepth start from nothing but these. */
static const char *const did_child_base[] = {
	"signal (send,receive) peer=%N,",
	"ptrace (trace,read,tracedby,readby) peer=%N,",
	NULL,
};

enum base_kind {
	BASE_NONE,
	BASE_ALWAYS_ALLOW,
	BASE_RUNTIME_DEFAULT,
};

struct gen {
	struct buf b;
	const char *qualifier; /* "deny ", "audit deny ", "audit ", "" */
	const char *exec; /* "x" or "ix" */
	const char *self; /* label of the profile being written */
	const char *parent; /* label of its parent, for child profiles */
};

/* Counts errors even when there is nowhere to report them (compile without diags). */
struct diag {
	struct policy_diags *d;
	unsigned n_errors;
	int oom;
};

static void diag_error(struct diag *dg, const char *fmt, ...) _printf_(2, 3);
static void diag_error(struct diag *dg, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;

	dg->n_errors++;
	if (!dg->d)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s || policy_diags_error(dg->d, "%s", s) < 0)
		dg->oom = -ENOMEM;
}

static void diag_warning(struct diag *dg, const char *fmt, ...) _printf_(2, 3);
static void diag_warning(struct diag *dg, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;

	if (!dg->d)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s || policy_diags_warning(dg->d, "%s", s) < 0)
		dg->oom = -ENOMEM;
}

/* --- text scanning shared by raw rules and custom profiles --- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

static bool has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t l = strlen(prefix);

	return n >= l && memcmp(s, prefix, l) == 0;
}

/* Next whitespace-delimited word of [*s, end); false at the end. */
static bool next_word(const char **s, const char *end, const char **ret_w, size_t *ret_n)
{
	const char *p = *s, *w;

	while (p < end && is_space(*p))
		p++;
	if (p >= end)
		return false;
	w = p;
	if (*p == '"') {
		for (p++; p < end && *p != '"'; p++)
			if (*p == '\\' && p + 1 < end)
				p++;
		if (p < end)
			p++;
	} else {
		while (p < end && !is_space(*p))
			p++;
	}
	*ret_w = w;
	*ret_n = (size_t)(p - w);
	*s = p;
	return true;
}

static bool is_rule_qualifier(const char *w, size_t n)
{
	static const char *const q[] = { "audit", "deny", "allow",    "owner", "other",
					 "quiet", "kill", "complain", "prompt" };

	for (size_t i = 0; i < ELEMENTSOF(q); i++)
		if (word_is(w, n, q[i]))
			return true;
	return has_prefix(w, n, "priority=");
}

/*
 * One statement of raw rules (text between ',', '{', '}' and line ends):
 * refuses what would declare something outside the enclosing profile.
 */
static const char *check_statement(const char *s, const char *end)
{
	const char *w, *p = s;
	size_t n;

	if (!next_word(&p, end, &w, &n))
		return NULL;
	if (word_is(w, n, "abi") || word_is(w, n, "alias"))
		return "abi and alias rules are only allowed outside a profile";
	if ((w[0] == '@' || w[0] == '$') && n > 1 && w[1] == '{') {
		const char *c = memchr(w, '}', (size_t)(end - w));

		if (c) {
			for (c++; c < end && is_space(*c); c++)
				;
			if (c < end && (*c == '=' || (*c == '+' && c + 1 < end && c[1] == '=')))
				return "variable definitions are only allowed outside a profile";
		}
		return NULL;
	}
	while (is_rule_qualifier(w, n))
		if (!next_word(&p, end, &w, &n))
			return NULL;
	if (word_is(w, n, "profile") || word_is(w, n, "hat") || w[0] == '^')
		return "declares a profile or hat: raw rules stay inside the policy's profile (use targets for rules that apply to some programs)";
	return NULL;
}

/* "#include <name>" / "include if exists <name>": only search-path includes, no "..". */
static const char *check_include(const char *s, const char *end)
{
	const char *w, *p = s, *lt, *gt;
	size_t n;

	if (!next_word(&p, end, &w, &n))
		return "empty include";
	if (next_word(&p, end, &w, &n) && word_is(w, n, "if")) {
		if (!next_word(&p, end, &w, &n) || !word_is(w, n, "exists"))
			return "malformed include";
	} else {
		p = w;
	}
	while (p < end && is_space(*p))
		p++;
	lt = p;
	gt = memchr(p, '>', (size_t)(end - p));
	if (lt >= end || *lt != '<' || !gt || gt == lt + 1)
		return "only #include <...> of the parser's search path is allowed";
	for (p = gt + 1; p < end; p++)
		if (!is_space(*p))
			return "malformed include";
	for (p = lt + 1; p + 1 < gt; p++)
		if (p[0] == '.' && p[1] == '.')
			return "includes may not contain '..'";
	return NULL;
}

int apparmor_check_raw_rules(const char *text, size_t len, const char **reterr_reason,
			     unsigned *reterr_line)
{
	const char *reason = NULL, *end, *line = text;
	unsigned line_no = 0;
	int depth = 0;

	if (!text) {
		reason = "no rules";
		goto fail;
	}
	end = text + len;
	if (len > APPARMOR_RAW_RULE_MAX) {
		reason = "too long";
		goto fail;
	}
	while (line < end) {
		const char *le = memchr(line, '\n', (size_t)(end - line)), *code_end, *stmt, *p;
		bool quote = false;
		unsigned alt = 0;
		char last = 0;

		if (!le)
			le = end;
		if (++line_no > APPARMOR_RAW_LINES_MAX) {
			reason = "too many lines";
			goto fail;
		}
		for (p = line; p < le && is_space(*p); p++)
			;
		/* Directives: #include <...>, include <...>. */
		if ((has_prefix(p, (size_t)(le - p), "#include") &&
		     (le - p == 8 || is_space(p[8]) || p[8] == '<' || p[8] == '"')) ||
		    (has_prefix(p, (size_t)(le - p), "include") && le - p > 7 && is_space(p[7]))) {
			for (const char *c = p; c < le; c++)
				if ((unsigned char)*c < 0x20 && *c != '\t' && *c != '\r') {
					reason = "control character";
					goto fail;
				}
			reason = check_include(p, le);
			if (reason)
				goto fail;
			line = le + 1;
			continue;
		}
		code_end = le;
		stmt = p;
		for (; p < le; p++) {
			unsigned char c = (unsigned char)*p;

			if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
				reason = "control character";
				goto fail;
			}
			if (quote) {
				if (c == '\\' && p + 1 < le)
					p++;
				else if (c == '"')
					quote = false;
				continue;
			}
			if (c == '"') {
				quote = true;
			} else if (c == '{' && p > stmt && !is_space(p[-1]) && p[-1] != ')') {
				/* Inside a word: an alternation or a variable, not a block. */
				alt++;
			} else if (c == '}' && alt > 0) {
				alt--;
			} else if (alt > 0) {
				continue;
			} else if (c == '#' && (p == line || is_space(p[-1]))) {
				if (has_prefix(p, (size_t)(le - p), "#include")) {
					reason = "#include must be on a line of its own";
					goto fail;
				}
				code_end = p;
				break;
			} else if (c == ',' || c == '{' || c == '}') {
				reason = check_statement(stmt, p);
				if (reason)
					goto fail;
				stmt = p + 1;
				if (c == '{')
					depth++;
				else if (c == '}' && --depth < 0) {
					reason = "'}' closes a block it did not open";
					goto fail;
				}
			}
		}
		if (quote) {
			reason = "unterminated quoted string";
			goto fail;
		}
		if (alt > 0) {
			reason = "unbalanced '{' in a path or variable";
			goto fail;
		}
		reason = check_statement(stmt, code_end);
		if (reason)
			goto fail;
		for (p = code_end; p > line && is_space(p[-1]); p--)
			;
		if (p > line)
			last = p[-1];
		if (last && last != ',' && last != '{' && last != '}') {
			reason = "a rule must end with ',' (one rule per line)";
			goto fail;
		}
		line = le + 1;
	}
	if (depth != 0) {
		line_no = 0;
		reason = "unbalanced braces: a '{' is never closed";
		goto fail;
	}
	return 0;
fail:
	if (reterr_reason)
		*reterr_reason = reason;
	if (reterr_line)
		*reterr_line = line_no;
	return -EINVAL;
}

/*
 * A customProfile: finds its single top-level profile, that profile's name
 * and the offset of its closing brace (where raw rules go).
 */
static const char *scan_custom_profile(const char *text, size_t len, char **ret_name,
				       size_t *ret_close, size_t *ret_name_off,
				       size_t *ret_name_len)
{
	const char *end = text + len, *line = text, *p;
	size_t close = 0;
	unsigned n_top = 0;
	unsigned alt = 0;
	int depth = 0;
	bool quote = false;

	*ret_name = NULL;
	for (p = text; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\n') {
			if (quote)
				return "unterminated quoted string";
			alt = 0;
			line = p + 1;
			continue;
		}
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return "control character";
		if (quote) {
			if (c == '\\' && p + 1 < end && p[1] != '\n')
				p++;
			else if (c == '"')
				quote = false;
			continue;
		}
		if (c == '"') {
			quote = true;
		} else if (c == '{' && p > line && !is_space(p[-1]) && p[-1] != ')') {
			alt++; /* an alternation or a variable inside a word */
		} else if (c == '}' && alt > 0) {
			alt--;
		} else if (alt > 0) {
			continue;
		} else if (c == '#' && (p == line || is_space(p[-1]))) {
			const char *le = memchr(p, '\n', (size_t)(end - p));

			p = (le ? le : end) - 1;
		} else if (c == '{') {
			if (depth++ == 0) {
				const char *s = line, *w;
				size_t n;

				if (++n_top > 1)
					return "defines more than one top-level profile";
				if (!next_word(&s, p, &w, &n))
					return "a profile declaration must be on one line: 'profile NAME flags=(...) {'";
				if (word_is(w, n, "profile") && !next_word(&s, p, &w, &n))
					return "the profile has no name";
				if (n >= 2 && w[0] == '"' && w[n - 1] == '"') {
					w++;
					n -= 2;
				}
				*ret_name = strndup(w, n);
				if (!*ret_name)
					return "out of memory";
				if (ret_name_off)
					*ret_name_off = (size_t)(w - text);
				if (ret_name_len)
					*ret_name_len = n;
			}
		} else if (c == '}') {
			if (--depth < 0) {
				free(*ret_name);
				*ret_name = NULL;
				return "'}' closes a block it did not open";
			}
			if (depth == 0)
				close = (size_t)(p - text);
		}
	}
	if (quote || depth != 0 || n_top == 0) {
		free(*ret_name);
		*ret_name = NULL;
		if (quote)
			return "unterminated quoted string";
		return n_top == 0 ? "defines no profile" :
				    "unbalanced braces: a '{' is never closed";
	}
	*ret_close = close;
	return NULL;
}

/* Targets: absolute, normalised, literal paths (a glob would conflict with the base's x rules). */
static const char *check_target(const char *t, size_t n)
{
	if (n == 0 || t[0] != '/')
		return "must be an absolute path";
	if (n > APPARMOR_TARGET_MAX)
		return "is too long";
	if (strlen(t) != n)
		return "contains a NUL character";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c <= 0x20 || c == 0x7f)
			return "contains whitespace or a control character";
		if (strchr("*?[]{}^,\"#@$!\\=", c))
			return "must be a literal path: no AppArmor glob, variable, quote or ',' characters";
	}
	if (strstr(t, "//") || strstr(t, "/./") || strstr(t, "/../") || t[n - 1] == '/' ||
	    (n >= 2 && strcmp(t + n - 2, "/.") == 0) || (n >= 3 && strcmp(t + n - 3, "/..") == 0))
		return "must be a normalised path to a file";
	return NULL;
}

static bool profile_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > PROFILE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("-._", name[i]))
			return false;
	return true;
}

/* --- the shape of the policy --- */

/* One appArmorRawRules entry, either form. */
struct raw_entry {
	const char *rules;
	size_t len;
	const json_t *targets; /* array or NULL */
};

static bool raw_entry_get(const json_t *v, struct raw_entry *ret)
{
	const json_t *rules;

	*ret = (struct raw_entry){};
	if (json_is_string(v)) {
		ret->rules = json_string_value(v);
		ret->len = json_string_length(v);
		return true;
	}
	if (!json_is_object(v))
		return false;
	rules = json_object_get(v, "rules");
	if (!json_is_string(rules))
		return false;
	ret->rules = json_string_value(rules);
	ret->len = json_string_length(rules);
	ret->targets = json_object_get(v, "targets");
	if (json_is_null(ret->targets))
		ret->targets = NULL;
	return !ret->targets || json_is_array(ret->targets);
}

static void check_targets(struct diag *dg, const char *path, const json_t *targets)
{
	size_t i;
	json_t *t;

	if (!targets || json_is_null(targets))
		return;
	if (!json_is_array(targets)) {
		diag_error(dg, "%s: must be a list of absolute executable paths", path);
		return;
	}
	if (json_array_size(targets) > APPARMOR_TARGETS_MAX) {
		diag_error(dg, "%s: %zu targets, over the limit of %u", path,
			   json_array_size(targets), APPARMOR_TARGETS_MAX);
		return;
	}
	json_array_foreach(targets, i, t) {
		const char *why;

		if (!json_is_string(t)) {
			diag_error(dg, "%s[%zu]: must be a string (an absolute executable path)",
				   path, i);
			continue;
		}
		why = check_target(json_string_value(t), json_string_length(t));
		if (why)
			diag_error(dg, "%s[%zu]: '%.*s' %s", path, i,
				   (int)MIN(json_string_length(t), (size_t)256),
				   json_string_value(t), why);
	}
}

static void check_raw_rules(struct diag *dg, const char *path, const json_t *list)
{
	size_t i;
	json_t *v;

	if (!list || json_is_null(list))
		return;
	if (!json_is_array(list)) {
		diag_error(dg, "%s: must be a list of {rules, targets} (or of rule strings)", path);
		return;
	}
	if (json_array_size(list) > APPARMOR_RAW_RULES_MAX) {
		diag_error(dg, "%s: %zu entries, over the limit of %u", path, json_array_size(list),
			   APPARMOR_RAW_RULES_MAX);
		return;
	}
	json_array_foreach(list, i, v) {
		char p[PATH_BUF];
		struct raw_entry e;
		const char *why = NULL;
		unsigned line = 0;

		if (!raw_entry_get(v, &e)) {
			diag_error(
				dg,
				"%s[%zu]: must be {rules: string, targets: [paths]} or a rule string",
				path, i);
			continue;
		}
		snprintf(p, sizeof(p), "%s[%zu]%s", path, i, json_is_string(v) ? "" : ".rules");
		if (apparmor_check_raw_rules(e.rules, e.len, &why, &line) < 0) {
			if (line > 0)
				diag_error(dg, "%s: line %u: %s", p, line, why);
			else
				diag_error(dg, "%s: %s", p, why);
		}
		snprintf(p, sizeof(p), "%s[%zu].targets", path, i);
		check_targets(dg, p, e.targets);
	}
}

static void warn_builtin_list(struct diag *dg, const char *path, const json_t *list)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v) {
		const struct catalog_rule *r = catalog_lookup(json_string_value(v));

		if (r && !r->apparmor)
			diag_warning(
				dg,
				"%s[%zu]: built-in rule \"%s\" is not implemented by the AppArmor enforcer; it is ignored there",
				path, i, r->id);
	}
}

static void check_enhance_protect(const struct policy *p, struct diag *dg)
{
	const json_t *ep = json_path(p->object, "spec", "policy", "enhanceProtect", NULL);
	const json_t *apr;
	size_t i;
	json_t *v;

	if (!ep)
		return; /* required-field checks belong to the policy validator */
	warn_builtin_list(dg, EP_PATH ".hardeningRules", json_object_get(ep, "hardeningRules"));
	apr = json_object_get(ep, "attackProtectionRules");
	json_array_foreach(apr, i, v) {
		char path[PATH_BUF];

		snprintf(path, sizeof(path), EP_PATH ".attackProtectionRules[%zu].rules", i);
		warn_builtin_list(dg, path, json_object_get(v, "rules"));
		snprintf(path, sizeof(path), EP_PATH ".attackProtectionRules[%zu].targets", i);
		check_targets(dg, path, json_object_get(v, "targets"));
	}
	warn_builtin_list(dg, EP_PATH ".vulMitigationRules",
			  json_object_get(ep, "vulMitigationRules"));
	check_raw_rules(dg, EP_PATH ".appArmorRawRules", json_object_get(ep, "appArmorRawRules"));
}

static void check_defense_in_depth(const struct policy *p, struct diag *dg)
{
	const json_t *aa =
		json_path(p->object, "spec", "policy", "defenseInDepth", "appArmor", NULL);
	const char *type, *custom, *why;
	_cleanup_free_ char *name = NULL;
	size_t close, len;

	if (!aa) {
		diag_error(dg, DID_PATH ": required when the enforcer includes AppArmor");
		return;
	}
	type = json_string_value(json_object_get(aa, "profileType"));
	check_raw_rules(dg, DID_PATH ".appArmorRawRules", json_object_get(aa, "appArmorRawRules"));
	if (type && strcmp(type, "BehaviorModel") == 0) {
		diag_warning(
			dg, DID_PATH
			".profileType: BehaviorModel needs the policy's ArmorProfileModel, which pavise does not build yet; the AppArmor profile cannot be compiled until then (use Custom)");
		return;
	}
	if (!type || strcmp(type, "Custom") != 0) {
		diag_error(dg, DID_PATH ".profileType: must be BehaviorModel or Custom");
		return;
	}
	custom = json_string_value(json_object_get(aa, "customProfile"));
	len = json_string_length(json_object_get(aa, "customProfile"));
	if (!custom || len == 0) {
		diag_error(dg, DID_PATH ".customProfile: required with profileType Custom");
		return;
	}
	if (len > APPARMOR_PROFILE_MAX || strlen(custom) != len) {
		diag_error(dg, DID_PATH ".customProfile: %s",
			   len > APPARMOR_PROFILE_MAX ? "too long" : "contains a NUL character");
		return;
	}
	why = scan_custom_profile(custom, len, &name, &close, NULL, NULL);
	if (why) {
		diag_error(dg, DID_PATH ".customProfile: %s", why);
		return;
	}
	/* vArmor's own example names it after another policy: load it under the right name. */
	if (strcmp(name, strempty(p->profile_name)) != 0)
		diag_warning(
			dg,
			DID_PATH
			".customProfile: the profile is named '%.*s'; pavise loads it as '%s' (the ArmorProfile's name) so that the runtime finds it; references to the old name inside it are left as written",
			(int)MIN(strlen(name), (size_t)128), name, strempty(p->profile_name));
}

static void check_policy(const struct policy *p, struct diag *dg)
{
	if (!profile_name_ok(p->profile_name))
		diag_error(dg,
			   "metadata.name: gives the profile name '%s', which AppArmor cannot use",
			   strna(p->profile_name));
	switch (p->mode) {
	case MODE_ENHANCE_PROTECT:
		check_enhance_protect(p, dg);
		break;
	case MODE_DEFENSE_IN_DEPTH:
		check_defense_in_depth(p, dg);
		break;
	case MODE_ALWAYS_ALLOW:
	case MODE_RUNTIME_DEFAULT:
	case MODE_BEHAVIOR_MODELING:
	case _MODE_MAX:
		break;
	}
}

/* --- generation --- */

static int emit(struct gen *g, unsigned indent, const char *s)
{
	int r = 0;

	for (unsigned i = 0; i < indent && r >= 0; i++)
		r = buf_append_str(&g->b, "  ");
	if (r >= 0)
		r = buf_append_str(&g->b, s);
	if (r >= 0)
		r = buf_append_str(&g->b, "\n");
	return r;
}

static int emitf(struct gen *g, unsigned indent, const char *fmt, ...) _printf_(3, 4);
static int emitf(struct gen *g, unsigned indent, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	return emit(g, indent, s);
}

/* Expands one template line (see the top of this file); "" is a blank line. */
static int emit_template(struct gen *g, unsigned indent, const char *t)
{
	int r = 0;

	if (!*t)
		return buf_append_str(&g->b, "\n");
	for (unsigned i = 0; i < indent && r >= 0; i++)
		r = buf_append_str(&g->b, "  ");
	for (const char *s = t; *s && r >= 0; s++) {
		if (*s != '%' || !s[1]) {
			r = buf_append(&g->b, s, 1);
			continue;
		}
		switch (*++s) {
		case 'Q':
			r = buf_append_str(&g->b, g->qualifier);
			break;
		case 'X':
			r = buf_append_str(&g->b, g->exec);
			break;
		case 'N':
			r = buf_append_str(&g->b, g->self);
			break;
		case 'P':
			r = buf_append_str(&g->b, strempty(g->parent));
			break;
		default:
			r = buf_append(&g->b, s - 1, 2);
			break;
		}
	}
	if (r >= 0)
		r = buf_append_str(&g->b, "\n");
	return r;
}

static int emit_templates(struct gen *g, unsigned indent, const char *const *lines)
{
	for (; *lines; lines++) {
		int r = emit_template(g, indent, *lines);

		if (r < 0)
			return r;
	}
	return 0;
}

/* Raw rules as written, each non-blank line indented. */
static int emit_raw(struct gen *g, unsigned indent, const char *text, size_t len)
{
	const char *end = text + len;

	while (text < end) {
		const char *le = memchr(text, '\n', (size_t)(end - text)), *p;
		int r = 0;

		if (!le)
			le = end;
		for (p = text; p < le && isspace((unsigned char)*p); p++)
			;
		for (unsigned i = 0; p < le && i < indent && r >= 0; i++)
			r = buf_append_str(&g->b, "  ");
		/* Trailing blanks dropped; a line of blanks becomes empty. */
		for (p = le; p > text && isspace((unsigned char)p[-1]); p--)
			;
		if (r >= 0)
			r = buf_append(&g->b, text, (size_t)(p - text));
		if (r >= 0)
			r = buf_append_str(&g->b, "\n");
		if (r < 0)
			return r;
		text = le + 1;
	}
	return 0;
}

static const char *const header_lines[] = {
	"abi <abi/3.0>,",
	"#include <tunables/global>",
	"",
	NULL,
};

static int emit_profile_open(struct gen *g, unsigned indent, const char *name, bool base_include)
{
	int r = 0;

	if (indent == 0)
		r = emit_templates(g, 0, header_lines);
	if (r >= 0)
		r = emitf(g, indent, "profile %s flags=(attach_disconnected,mediate_deleted) {",
			  name);
	if (r >= 0 && base_include)
		r = emit(g, indent + 1, "#include <abstractions/base>");
	return r;
}

static int emit_base(struct gen *g, unsigned indent, enum base_kind base)
{
	int r = 0;

	switch (base) {
	case BASE_NONE:
		return 0;
	case BASE_ALWAYS_ALLOW:
		r = emit_template(g, 0, "");
		if (r >= 0)
			r = emit_templates(g, indent, always_allow_base);
		return r;
	case BASE_RUNTIME_DEFAULT:
		r = emit_template(g, 0, "");
		if (r >= 0)
			r = emit_templates(g, indent, runtime_default_head);
		if (r >= 0 && g->parent)
			r = emit_templates(g, indent, child_peers);
		if (r >= 0)
			r = emit_templates(g, indent, runtime_default_denials);
		return r;
	}
	return -EINVAL;
}

/* The lines of one built-in rule, with its ID as a comment; nothing for other enforcers' rules. */
static int emit_builtin(struct gen *g, unsigned indent, const char *id)
{
	const struct catalog_rule *rule = catalog_lookup(id);
	int r;

	if (!rule || !rule->apparmor)
		return 0;
	r = emitf(g, indent, "# %s", rule->id);
	if (r >= 0)
		r = emit_templates(g, indent, rule->apparmor);
	return r;
}

static int emit_builtin_list(struct gen *g, unsigned indent, const json_t *list)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v) {
		int r = emit_builtin(g, indent, json_string_value(v));

		if (r < 0)
			return r;
	}
	return 0;
}

static int emit_section(struct gen *g, unsigned indent, const char *title)
{
	int r = emit_template(g, 0, "");

	if (r >= 0)
		r = emitf(g, indent, "# %s", title);
	return r;
}

/* --- targets: grouping as vArmor does --- */

struct strv {
	const char **v;
	size_t n, alloc;
};

static int strv_push(struct strv *s, const char *x)
{
	if (s->n == s->alloc) {
		size_t na = s->alloc ? s->alloc * 2 : 8;
		const char **nv = reallocarray(s->v, na, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->alloc = na;
	}
	s->v[s->n++] = x;
	return 0;
}

static int strv_extend(struct strv *s, const struct strv *o)
{
	for (size_t i = 0; i < o->n; i++) {
		int r = strv_push(s, o->v[i]);

		if (r < 0)
			return r;
	}
	return 0;
}

static bool strv_equal(const struct strv *a, const struct strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

/* A child profile: the programs entering it, built-in rule IDs and raw rule texts (borrowed). */
struct group {
	struct strv targets, rules, raw;
};

struct groups {
	struct group *v;
	size_t n, alloc;
};

static void groups_done(struct groups *gs)
{
	for (size_t i = 0; i < gs->n; i++) {
		free(gs->v[i].targets.v);
		free(gs->v[i].rules.v);
		free(gs->v[i].raw.v);
	}
	free(gs->v);
	*gs = (struct groups){};
}

static struct group *groups_add(struct groups *gs)
{
	if (gs->n == gs->alloc) {
		size_t na = gs->alloc ? gs->alloc * 2 : 8;
		struct group *nv = reallocarray(gs->v, na, sizeof(*nv));

		if (!nv)
			return NULL;
		gs->v = nv;
		gs->alloc = na;
	}
	gs->v[gs->n] = (struct group){};
	return &gs->v[gs->n++];
}

/* The group of one target (step 1 and 2: rules of every entry naming it, in order). */
static struct group *group_for_target(struct groups *gs, const char *target)
{
	for (size_t i = 0; i < gs->n; i++)
		if (strcmp(gs->v[i].targets.v[0], target) == 0)
			return &gs->v[i];
	struct group *g = groups_add(gs);

	if (!g || strv_push(&g->targets, target) < 0)
		return NULL;
	return g;
}

static int add_targeted(struct groups *gs, const json_t *targets, const json_t *rule_ids,
			const char *raw)
{
	size_t i, j;
	json_t *t, *id;

	json_array_foreach(targets, i, t) {
		struct group *g = group_for_target(gs, json_string_value(t));

		if (!g)
			return -ENOMEM;
		json_array_foreach(rule_ids, j, id)
			if (json_is_string(id) && strv_push(&g->rules, json_string_value(id)) < 0)
				return -ENOMEM;
		if (raw && strv_push(&g->raw, raw) < 0)
			return -ENOMEM;
	}
	return 0;
}

/*
 * vArmor's grouping: every (target, rules) pair is split per target, the
 * pairs of one target are merged (attack-protection rules first, then raw
 * rules, each in policy order), then targets with identical rule lists share
 * one child profile. Groups keep the order in which targets first appear.
 */
static int build_groups(const json_t *apr, const json_t *raw_list, struct groups *ret)
{
	struct groups per_target = {}, merged = {};
	size_t i;
	json_t *v;
	int r = 0;

	json_array_foreach(apr, i, v) {
		const json_t *targets = json_object_get(v, "targets");

		if (json_array_size(targets) > 0) {
			r = add_targeted(&per_target, targets, json_object_get(v, "rules"), NULL);
			if (r < 0)
				goto out;
		}
	}
	json_array_foreach(raw_list, i, v) {
		struct raw_entry e;

		if (raw_entry_get(v, &e) && json_array_size(e.targets) > 0) {
			r = add_targeted(&per_target, e.targets, NULL, e.rules);
			if (r < 0)
				goto out;
		}
	}
	for (i = 0; i < per_target.n; i++) {
		struct group *src = &per_target.v[i], *dst = NULL;

		for (size_t k = 0; k < merged.n && !dst; k++)
			if (strv_equal(&merged.v[k].rules, &src->rules) &&
			    strv_equal(&merged.v[k].raw, &src->raw))
				dst = &merged.v[k];
		if (!dst) {
			dst = groups_add(&merged);
			if (!dst || strv_extend(&dst->rules, &src->rules) < 0 ||
			    strv_extend(&dst->raw, &src->raw) < 0) {
				r = -ENOMEM;
				goto out;
			}
		}
		r = strv_extend(&dst->targets, &src->targets);
		if (r < 0)
			goto out;
	}
	if (merged.n > APPARMOR_CHILDREN_MAX) {
		r = -E2BIG;
		goto out;
	}
	*ret = merged;
	merged = (struct groups){};
out:
	groups_done(&per_target);
	groups_done(&merged);
	return r;
}

/* --- modes --- */

/* The disposition matrix of varmor.md section 3: "audit " if audit, "deny " unless allow. */
static void set_disposition(struct gen *g, struct compile_disposition d)
{
	g->qualifier = d.allow ? (d.audit ? "audit " : "") : (d.audit ? "audit deny " : "deny ");
	g->exec = d.allow ? "ix" : "x";
}

/* The rule sections of an EnhanceProtect profile (shared by the parent and its children). */
static int emit_sections(struct gen *g, unsigned indent, const json_t *ep)
{
	const json_t *list, *apr = json_object_get(ep, "attackProtectionRules");
	size_t i;
	json_t *v;
	int r;

	list = json_object_get(ep, "hardeningRules");
	if (json_array_size(list) > 0) {
		r = emit_section(g, indent, "Hardening Rules");
		if (r >= 0)
			r = emit_builtin_list(g, indent, list);
		if (r < 0)
			return r;
	}
	if (json_array_size(apr) > 0) {
		r = emit_section(g, indent, "Attack Protection Rules");
		if (r < 0)
			return r;
		json_array_foreach(apr, i, v) {
			if (json_array_size(json_object_get(v, "targets")) > 0)
				continue;
			r = emit_builtin_list(g, indent, json_object_get(v, "rules"));
			if (r < 0)
				return r;
		}
	}
	list = json_object_get(ep, "vulMitigationRules");
	if (json_array_size(list) > 0) {
		r = emit_section(g, indent, "Vulnerability Mitigation Rules");
		if (r >= 0)
			r = emit_builtin_list(g, indent, list);
		if (r < 0)
			return r;
	}
	list = json_object_get(ep, "appArmorRawRules");
	if (json_array_size(list) > 0) {
		r = emit_section(g, indent, "Custom Rules");
		if (r < 0)
			return r;
		json_array_foreach(list, i, v) {
			struct raw_entry e;

			if (!raw_entry_get(v, &e))
				return -EINVAL;
			if (json_array_size(e.targets) > 0)
				continue;
			r = emit_raw(g, indent, e.rules, e.len);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/*
 * Child profiles for targets, inside the parent at `indent`: the parent may
 * signal and trace each child, each target is entered with cx and may run
 * itself inside its child. `ep` is NULL for DefenseInDepth (children start
 * from nothing), else the children get the parent's base and sections.
 */
static int emit_children(struct gen *g, unsigned indent, const struct groups *gs,
			 enum base_kind base, const json_t *ep)
{
	const char *parent_self = g->self;
	int r = 0;

	for (size_t i = 0; i < gs->n && r >= 0; i++) {
		const struct group *grp = &gs->v[i];
		_cleanup_free_ char *child = NULL, *label = NULL;

		if (asprintf(&child, "child_%zu", i) < 0 ||
		    asprintf(&label, "%s//%s", parent_self, child) < 0)
			return -ENOMEM;
		r = emit_section(g, indent, "Child profile for target executables");
		if (r >= 0 && base != BASE_ALWAYS_ALLOW) {
			r = emitf(g, indent, "signal (send) peer=%s,", label);
			if (r >= 0)
				r = emitf(g, indent, "ptrace (trace,read) peer=%s,", label);
		}
		for (size_t t = 0; t < grp->targets.n && r >= 0; t++)
			r = emitf(g, indent, "%s cx -> %s,", grp->targets.v[t], child);
		if (r >= 0)
			r = emit_profile_open(g, indent, child, true);
		for (size_t t = 0; t < grp->targets.n && r >= 0; t++)
			r = emitf(g, indent + 1, "%s rix,", grp->targets.v[t]);
		if (r < 0)
			return r;

		g->self = label;
		g->parent = parent_self;
		if (ep) {
			r = emit_base(g, indent + 1, base);
			if (r >= 0)
				r = emit_sections(g, indent + 1, ep);
			if (r >= 0 && grp->rules.n > 0) {
				r = emit_section(g, indent + 1,
						 "Attack Protection Rules For Targets");
				for (size_t k = 0; k < grp->rules.n && r >= 0; k++)
					r = emit_builtin(g, indent + 1, grp->rules.v[k]);
			}
		} else {
			r = emit_template(g, 0, "");
			if (r >= 0)
				r = emit_templates(g, indent + 1, child_peers);
			if (r >= 0)
				r = emit_templates(g, indent + 1, did_child_base);
		}
		if (r >= 0 && grp->raw.n > 0) {
			r = emit_section(g, indent + 1, "Custom Rules For Targets");
			for (size_t k = 0; k < grp->raw.n && r >= 0; k++)
				r = emit_raw(g, indent + 1, grp->raw.v[k], strlen(grp->raw.v[k]));
		}
		g->self = parent_self;
		g->parent = NULL;
		if (r >= 0)
			r = emit(g, indent, "}");
	}
	return r;
}

static int gen_simple(struct gen *g, const char *name, enum base_kind base)
{
	int r = emit_profile_open(g, 0, name, true);

	if (r >= 0)
		r = emit_base(g, 1, base);
	if (r >= 0)
		r = emit(g, 0, "}");
	return r;
}

static int gen_behavior_modeling(struct gen *g, const char *name)
{
	/* Empty on purpose: in complain mode every access is then logged for the model. */
	int r = emit_profile_open(g, 0, name, false);

	if (r >= 0)
		r = emit(g, 0, "}");
	return r;
}

static int gen_enhance_protect(struct gen *g, const struct policy *p)
{
	const json_t *ep = json_path(p->object, "spec", "policy", "enhanceProtect", NULL);
	enum base_kind base = json_is_true(json_object_get(ep, "privileged")) ?
				      BASE_ALWAYS_ALLOW :
				      BASE_RUNTIME_DEFAULT;
	struct groups gs = {};
	int r;

	set_disposition(g, compile_disposition(p));
	r = build_groups(json_object_get(ep, "attackProtectionRules"),
			 json_object_get(ep, "appArmorRawRules"), &gs);
	if (r < 0)
		return r;
	r = emit_profile_open(g, 0, p->profile_name, true);
	if (r >= 0)
		r = emit_base(g, 1, base);
	if (r >= 0)
		r = emit_sections(g, 1, ep);
	if (r >= 0)
		r = emit_children(g, 1, &gs, base, ep);
	if (r >= 0)
		r = emit(g, 0, "}");
	groups_done(&gs);
	return r;
}

static int gen_defense_in_depth(struct gen *g, const struct policy *p)
{
	const json_t *aa =
		json_path(p->object, "spec", "policy", "defenseInDepth", "appArmor", NULL);
	const json_t *raw_list = json_object_get(aa, "appArmorRawRules"), *custom_json, *v;
	const char *type = json_string_value(json_object_get(aa, "profileType")), *custom, *why;
	_cleanup_free_ char *name = NULL;
	struct groups gs = {};
	size_t close, len, i, name_off = 0, name_len = 0;
	bool any_global = false;
	int r;

	if (type && strcmp(type, "BehaviorModel") == 0)
		return -EOPNOTSUPP;
	custom_json = json_object_get(aa, "customProfile");
	custom = json_string_value(custom_json);
	len = json_string_length(custom_json);
	if (!custom)
		return -EINVAL;
	why = scan_custom_profile(custom, len, &name, &close, &name_off, &name_len);
	if (why)
		return -EINVAL;
	r = build_groups(NULL, raw_list, &gs);
	if (r < 0)
		return r;
	/* The custom profile up to its closing brace, as written, declared under the profile name. */
	r = buf_append(&g->b, custom, name_off);
	if (r >= 0)
		r = buf_append_str(&g->b, p->profile_name);
	if (r >= 0)
		r = buf_append(&g->b, custom + name_off + name_len, close - name_off - name_len);
	if (r >= 0 && close > 0 && custom[close - 1] != '\n')
		r = buf_append_str(&g->b, "\n");
	json_array_foreach(raw_list, i, v) {
		struct raw_entry e;

		if (r < 0)
			break;
		if (!raw_entry_get(v, &e)) {
			r = -EINVAL;
			break;
		}
		if (json_array_size(e.targets) > 0)
			continue;
		if (!any_global) {
			any_global = true;
			r = emit_section(g, 1, "Custom Rules");
			if (r < 0)
				break;
		}
		r = emit_raw(g, 1, e.rules, e.len);
	}
	g->self = p->profile_name;
	if (r >= 0)
		r = emit_children(g, 1, &gs, BASE_NONE, NULL);
	/* The closing brace and whatever followed it. */
	if (r >= 0)
		r = buf_append(&g->b, custom + close, len - close);
	if (r >= 0 && len > close && custom[len - 1] != '\n')
		r = buf_append_str(&g->b, "\n");
	groups_done(&gs);
	return r;
}

static int generate(const struct policy *p, char **ret_profile)
{
	struct gen g = {
		.qualifier = "deny ",
		.exec = "x",
		.self = p->profile_name,
	};
	int r = -EINVAL;

	buf_init(&g.b, APPARMOR_PROFILE_MAX);
	switch (p->mode) {
	case MODE_ALWAYS_ALLOW:
		r = gen_simple(&g, p->profile_name, BASE_ALWAYS_ALLOW);
		break;
	case MODE_RUNTIME_DEFAULT:
		r = gen_simple(&g, p->profile_name, BASE_RUNTIME_DEFAULT);
		break;
	case MODE_ENHANCE_PROTECT:
		r = gen_enhance_protect(&g, p);
		break;
	case MODE_BEHAVIOR_MODELING:
		r = gen_behavior_modeling(&g, p->profile_name);
		break;
	case MODE_DEFENSE_IN_DEPTH:
		r = gen_defense_in_depth(&g, p);
		break;
	case _MODE_MAX:
		break;
	}
	if (r < 0) {
		buf_free(&g.b);
		return r;
	}
	*ret_profile = buf_take(&g.b, NULL);
	return *ret_profile ? 0 : -ENOMEM;
}

int apparmor_validate(const struct policy *p, struct policy_diags *d)
{
	struct diag dg = { .d = d };
	_cleanup_free_ char *text = NULL;
	int r;

	assert(p);
	if (!(p->enforcers & ENFORCER_APPARMOR))
		return 0;
	check_policy(p, &dg);
	if (dg.oom < 0)
		return dg.oom;
	if (dg.n_errors > 0)
		return -EINVAL;
	/* What is left can only be the size of the result: try it. */
	r = generate(p, &text);
	if (r == -EFBIG)
		diag_error(&dg, "spec.policy: the AppArmor profile would be larger than %u bytes",
			   APPARMOR_PROFILE_MAX);
	else if (r == -E2BIG)
		diag_error(&dg, "spec.policy: the targets need more than %u child profiles",
			   APPARMOR_CHILDREN_MAX);
	else if (r < 0 && r != -EOPNOTSUPP)
		return r;
	if (dg.oom < 0)
		return dg.oom;
	return dg.n_errors > 0 ? -EINVAL : 0;
}

int apparmor_compile(const struct policy *p, char **ret_profile)
{
	struct diag dg = {};
	int r;

	assert(p);
	assert(ret_profile);
	check_policy(p, &dg);
	if (dg.n_errors > 0)
		return -EINVAL;
	r = generate(p, ret_profile);
	return r == -E2BIG ? -EINVAL : r;
}

static bool device_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.:+-!", s[i]))
			return false;
	return true;
}

int apparmor_define_disk_devices(const char *profile, const char *const *devices, size_t n_devices,
				 char **ret_profile)
{
	static const char anchor[] = "#include <tunables/global>\n";
	const char *at;
	size_t head = 0;
	struct buf b;
	int r;

	assert(profile);
	assert(ret_profile);
	if (n_devices > APPARMOR_DISK_DEVICES_MAX || (n_devices > 0 && !devices))
		return -EINVAL;
	at = strstr(profile, anchor);
	if (at)
		head = (size_t)(at - profile) + strlen(anchor);
	buf_init(&b, APPARMOR_PROFILE_MAX + APPARMOR_DISK_DEVICES_MAX * 80);
	r = buf_append(&b, profile, head);
	if (r >= 0)
		r = buf_append_str(&b, APPARMOR_DISK_DEVICES_VAR "=");
	for (size_t i = 0; i < n_devices && r >= 0; i++) {
		if (!devices[i] || !device_name_ok(devices[i])) {
			r = -EINVAL;
			break;
		}
		r = buf_append_str(&b, i ? " /dev/" : "/dev/");
		/* /proc/partitions writes '/' in device names as '!' (e.g. cciss!c0d0). */
		for (const char *c = devices[i]; *c && r >= 0; c++)
			r = buf_append(&b, *c == '!' ? "/" : c, 1);
	}
	if (r >= 0 && n_devices == 0)
		r = buf_append_str(&b, NO_DISK_DEVICE);
	if (r >= 0)
		r = buf_append_str(&b, "\n");
	if (r >= 0)
		r = buf_append_str(&b, profile + head);
	if (r < 0) {
		buf_free(&b);
		return r;
	}
	*ret_profile = buf_take(&b, NULL);
	return *ret_profile ? 0 : -ENOMEM;
}

// SPDX-License-Identifier: Apache-2.0
/* VarmorPolicy / VarmorClusterPolicy model shared by the webhook, controller and tools. */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "json-util.h"
#include "policy.h"

#define DIAGS_MAX 256

static const char *const mode_names[_MODE_MAX] = {
	[MODE_ALWAYS_ALLOW] = "AlwaysAllow",	    [MODE_RUNTIME_DEFAULT] = "RuntimeDefault",
	[MODE_ENHANCE_PROTECT] = "EnhanceProtect",  [MODE_BEHAVIOR_MODELING] = "BehaviorModeling",
	[MODE_DEFENSE_IN_DEPTH] = "DefenseInDepth",
};

static const char *const kind_names[_TARGET_KIND_MAX] = {
	[TARGET_DEPLOYMENT] = "Deployment",
	[TARGET_STATEFULSET] = "StatefulSet",
	[TARGET_DAEMONSET] = "DaemonSet",
	[TARGET_POD] = "Pod",
};

static const struct {
	const char *name;
	unsigned bit;
} enforcer_names[] = {
	{ "AppArmor", ENFORCER_APPARMOR },
	{ "BPF", ENFORCER_BPF },
	{ "Seccomp", ENFORCER_SECCOMP },
	{ "NetworkProxy", ENFORCER_NETWORKPROXY },
};

static int diags_add(char ***v, size_t *n, const char *fmt, va_list ap)
{
	char **nv, *s;

	if (*n >= DIAGS_MAX)
		return 0;
	if (vasprintf(&s, fmt, ap) < 0)
		return -ENOMEM;
	nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

int policy_diags_error(struct policy_diags *d, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (!d)
		return 0;
	va_start(ap, fmt);
	r = diags_add(&d->errors, &d->n_errors, fmt, ap);
	va_end(ap);
	return r;
}

int policy_diags_warning(struct policy_diags *d, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (!d)
		return 0;
	va_start(ap, fmt);
	r = diags_add(&d->warnings, &d->n_warnings, fmt, ap);
	va_end(ap);
	return r;
}

void policy_diags_clear(struct policy_diags *d)
{
	for (size_t i = 0; i < d->n_errors; i++)
		free(d->errors[i]);
	for (size_t i = 0; i < d->n_warnings; i++)
		free(d->warnings[i]);
	free(d->errors);
	free(d->warnings);
	*d = (struct policy_diags){};
}

char *policy_diags_join_errors(const struct policy_diags *d)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; i < d->n_errors; i++)
		len += strlen(d->errors[i]) + 2;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < d->n_errors; i++) {
		size_t n = strlen(d->errors[i]);

		if (i > 0) {
			memcpy(p, "; ", 2);
			p += 2;
		}
		memcpy(p, d->errors[i], n + 1);
		p += n;
	}
	return s;
}

int policy_enforcers_from_string(const char *s, unsigned *ret_enforcers)
{
	unsigned bits = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	while (*p) {
		bool found = false;

		for (size_t i = 0; i < ELEMENTSOF(enforcer_names); i++) {
			size_t n = strlen(enforcer_names[i].name);

			if (strncasecmp(p, enforcer_names[i].name, n) == 0) {
				if (bits & enforcer_names[i].bit)
					return -EINVAL; /* repeated */
				bits |= enforcer_names[i].bit;
				p += n;
				found = true;
				break;
			}
		}
		if (!found)
			return -EINVAL;
	}
	*ret_enforcers = bits;
	return 0;
}

const char *policy_enforcers_to_string(unsigned enforcers, char *buf, size_t size)
{
	size_t len = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(enforcer_names); i++)
		if (enforcers & enforcer_names[i].bit) {
			int n = snprintf(buf + len, size - len, "%s", enforcer_names[i].name);

			if (n < 0 || (size_t)n >= size - len)
				break;
			len += (size_t)n;
		}
	return buf;
}

int policy_mode_from_string(const char *s, enum policy_mode *ret_mode)
{
	for (size_t i = 0; s && i < _MODE_MAX; i++)
		if (strcasecmp(s, mode_names[i]) == 0) {
			*ret_mode = (enum policy_mode)i;
			return 0;
		}
	return -EINVAL;
}

const char *policy_mode_to_string(enum policy_mode mode)
{
	return mode < _MODE_MAX ? mode_names[mode] : NULL;
}

int target_kind_from_string(const char *s, enum target_kind *ret_kind)
{
	for (size_t i = 0; s && i < _TARGET_KIND_MAX; i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*ret_kind = (enum target_kind)i;
			return 0;
		}
	return -EINVAL;
}

const char *target_kind_to_string(enum target_kind kind)
{
	return kind < _TARGET_KIND_MAX ? kind_names[kind] : NULL;
}

int policy_profile_name(bool cluster, const char *ns, const char *name,
			const char *pavise_namespace, char **ret_name)
{
	char *s;
	int n;

	if (cluster)
		n = asprintf(&s, "varmor-cluster-%s-%s", pavise_namespace, name);
	else
		n = asprintf(&s, "varmor-%s-%s", ns, name);
	if (n < 0)
		return -ENOMEM;
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	*ret_name = s;
	return 0;
}

bool policy_selects_container(const struct policy *p, const char *container)
{
	if (p->target.n_containers == 0)
		return true;
	for (size_t i = 0; i < p->target.n_containers; i++)
		if (strcmp(p->target.containers[i], container) == 0)
			return true;
	return false;
}

int policy_compare(const void *a, const void *b)
{
	const struct policy *x = *(const struct policy *const *)a;
	const struct policy *y = *(const struct policy *const *)b;
	int c;

	if (x->cluster != y->cluster)
		return x->cluster ? -1 : 1;
	c = strcmp(strempty(x->namespace), strempty(y->namespace));
	if (c != 0)
		return c;
	return strcmp(x->name, y->name);
}

struct policy *policy_ref(struct policy *p)
{
	if (p)
		__atomic_add_fetch(&p->n_ref, 1, __ATOMIC_RELAXED);
	return p;
}

struct policy *policy_free(struct policy *p)
{
	if (!p || __atomic_sub_fetch(&p->n_ref, 1, __ATOMIC_ACQ_REL) > 0)
		return NULL;
	free(p->namespace);
	free(p->name);
	free(p->target.name);
	label_selector_free(p->target.selector);
	for (size_t i = 0; i < p->target.n_containers; i++)
		free(p->target.containers[i]);
	free(p->target.containers);
	free(p->profile_name);
	json_decref(p->object);
	free(p);
	return NULL;
}

/* DNS-1123 subdomain check used for object names and namespaces. */
static bool is_dns1123(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return false;
	}
	return isalnum((unsigned char)s[0]) && isalnum((unsigned char)s[n - 1]);
}

static int parse_target(const json_t *spec, struct policy *p, struct policy_diags *d)
{
	json_t *target, *sel = NULL, *containers = NULL, *c;
	const char *kind, *name = NULL;
	size_t i;
	int r, nerr = 0;

	r = json_get_object(spec, "target", &target);
	if (r < 0) {
		policy_diags_error(d, "spec.target: %s",
				   r == -ENOENT ? "required" : "must be an object");
		return -EINVAL;
	}
	r = json_get_string(target, "kind", &kind);
	if (r < 0) {
		policy_diags_error(
			d,
			"spec.target.kind: required, one of Deployment, StatefulSet, DaemonSet, Pod");
		nerr++;
	} else if (target_kind_from_string(kind, &p->target.kind) < 0) {
		policy_diags_error(
			d,
			"spec.target.kind: unsupported kind '%s' (use Deployment, StatefulSet, DaemonSet or Pod)",
			kind);
		nerr++;
	}

	r = json_get_string(target, "name", &name);
	if (r == -EBADMSG) {
		policy_diags_error(d, "spec.target.name: must be a string");
		nerr++;
	} else if (r == 0 && *name == '\0') {
		name = NULL;
	}
	r = json_get_object(target, "selector", &sel);
	if (r == -EBADMSG) {
		policy_diags_error(d, "spec.target.selector: must be a label selector object");
		nerr++;
	}
	if (name && sel) {
		policy_diags_error(d, "spec.target: set either name or selector, not both");
		nerr++;
	} else if (!name && !sel && r != -EBADMSG) {
		policy_diags_error(d, "spec.target: one of name or selector is required");
		nerr++;
	}
	if (name) {
		if (!is_dns1123(name, 253)) {
			policy_diags_error(d, "spec.target.name: '%s' is not a valid object name",
					   name);
			nerr++;
		}
		p->target.name = strdup(name);
		if (!p->target.name)
			return -ENOMEM;
	}
	if (sel && !name) {
		const char *field = "", *msg = "";

		r = label_selector_parse(sel, &p->target.selector, &field, &msg);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			policy_diags_error(d, "spec.target.selector%s%s: %s", *field ? "." : "",
					   field, msg);
			nerr++;
		}
	}

	r = json_get_array(target, "containers", &containers);
	if (r == -EBADMSG) {
		policy_diags_error(d, "spec.target.containers: must be a list of container names");
		nerr++;
	} else if (json_array_size(containers) > POLICY_CONTAINERS_MAX) {
		policy_diags_error(d, "spec.target.containers: at most %d names",
				   POLICY_CONTAINERS_MAX);
		nerr++;
	} else if (containers) {
		p->target.containers = calloc(json_array_size(containers) + 1, sizeof(char *));
		if (!p->target.containers)
			return -ENOMEM;
		json_array_foreach(containers, i, c) {
			if (!json_is_string(c) || json_string_length(c) == 0) {
				policy_diags_error(
					d,
					"spec.target.containers[%zu]: must be a non-empty string",
					i);
				nerr++;
				continue;
			}
			p->target.containers[p->target.n_containers] = strdup(json_string_value(c));
			if (!p->target.containers[p->target.n_containers])
				return -ENOMEM;
			p->target.n_containers++;
		}
	}
	return nerr ? -EINVAL : 0;
}

static int parse_policy_spec(const json_t *spec, struct policy *p, struct policy_diags *d)
{
	json_t *pol, *v;
	const char *s;
	int r, nerr = 0;

	r = json_get_object(spec, "policy", &pol);
	if (r < 0) {
		policy_diags_error(d, "spec.policy: %s",
				   r == -ENOENT ? "required" : "must be an object");
		return -EINVAL;
	}
	r = json_get_string(pol, "enforcer", &s);
	if (r < 0) {
		policy_diags_error(
			d,
			"spec.policy.enforcer: required, a combination of AppArmor, BPF and Seccomp (e.g. \"AppArmorBPF\")");
		nerr++;
	} else if (policy_enforcers_from_string(s, &p->enforcers) < 0) {
		policy_diags_error(
			d,
			"spec.policy.enforcer: '%s' is not a combination of AppArmor, BPF, Seccomp and NetworkProxy",
			s);
		nerr++;
	}
	r = json_get_string(pol, "mode", &s);
	if (r < 0) {
		policy_diags_error(
			d,
			"spec.policy.mode: required, one of AlwaysAllow, RuntimeDefault, EnhanceProtect, BehaviorModeling, DefenseInDepth");
		nerr++;
	} else if (policy_mode_from_string(s, &p->mode) < 0) {
		policy_diags_error(
			d,
			"spec.policy.mode: unknown mode '%s' (use AlwaysAllow, RuntimeDefault, EnhanceProtect, BehaviorModeling or DefenseInDepth)",
			s);
		nerr++;
	}
	v = json_object_get(spec, "updateExistingWorkloads");
	if (v && !json_is_null(v)) {
		if (!json_is_boolean(v)) {
			policy_diags_error(d,
					   "spec.updateExistingWorkloads: must be true or false");
			nerr++;
		}
		p->update_existing_workloads = json_is_true(v);
	}
	return nerr ? -EINVAL : 0;
}

int policy_parse(const json_t *obj, const char *pavise_namespace, const char *default_namespace,
		 struct policy **ret_policy, struct policy_diags *diags)
{
	_cleanup_(policy_freep) struct policy *p = NULL;
	const char *api, *kind, *name = NULL, *ns = NULL;
	json_t *spec;
	int r, nerr = 0;

	if (!json_is_object(obj)) {
		policy_diags_error(diags, "object: must be a JSON object");
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->n_ref = 1;
	p->object = json_incref((json_t *)obj);

	if (json_get_string(obj, "apiVersion", &api) < 0 || strcmp(api, POLICY_API_VERSION) != 0) {
		policy_diags_error(diags, "apiVersion: must be %s", POLICY_API_VERSION);
		nerr++;
	}
	if (json_get_string(obj, "kind", &kind) < 0 ||
	    (strcmp(kind, POLICY_KIND) != 0 && strcmp(kind, CLUSTER_POLICY_KIND) != 0)) {
		policy_diags_error(diags, "kind: must be %s or %s", POLICY_KIND,
				   CLUSTER_POLICY_KIND);
		return -EINVAL;
	}
	p->cluster = strcmp(kind, CLUSTER_POLICY_KIND) == 0;

	name = json_path_string(obj, "metadata", "name", NULL);
	if (!name || !is_dns1123(name, 253)) {
		policy_diags_error(
			diags,
			"metadata.name: required, a DNS-1123 name (lowercase letters, digits, '-' and '.')");
		return -EINVAL;
	}
	p->name = strdup(name);
	if (!p->name)
		return -ENOMEM;
	if (!p->cluster) {
		ns = json_path_string(obj, "metadata", "namespace", NULL);
		if (!ns || !*ns)
			ns = default_namespace;
		if (!ns || !is_dns1123(ns, 63)) {
			policy_diags_error(diags, "metadata.namespace: required for %s",
					   POLICY_KIND);
			return -EINVAL;
		}
		p->namespace = strdup(ns);
		if (!p->namespace)
			return -ENOMEM;
	}
	r = policy_profile_name(p->cluster, ns, name, pavise_namespace, &p->profile_name);
	if (r < 0)
		return r;
	if (strlen(p->profile_name) > PROFILE_NAME_MAX) {
		policy_diags_error(
			diags,
			"metadata.name: the profile name '%s' is %zu characters, over the limit of %d; shorten the policy name",
			p->profile_name, strlen(p->profile_name), PROFILE_NAME_MAX);
		nerr++;
	}

	r = json_get_object(obj, "spec", &spec);
	if (r < 0) {
		policy_diags_error(diags, "spec: required");
		return -EINVAL;
	}
	r = parse_target(spec, p, diags);
	if (r == -ENOMEM)
		return r;
	nerr += r < 0;
	r = parse_policy_spec(spec, p, diags);
	if (r == -ENOMEM)
		return r;
	nerr += r < 0;
	if (nerr)
		return -EINVAL;
	*ret_policy = TAKE_PTR(p);
	return 0;
}

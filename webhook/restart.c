// SPDX-License-Identifier: Apache-2.0
/* Rolling restarts for updateExistingWorkloads: selection, idempotence markers, pacing; pure. */
#include <stdio.h>
#include <string.h>

#include "common/json-util.h"
#include "webhook/restart.h"

static const char *const kinds[] = {
	[TARGET_DEPLOYMENT] = "Deployment",
	[TARGET_STATEFULSET] = "StatefulSet",
	[TARGET_DAEMONSET] = "DaemonSet",
	[TARGET_POD] = "Pod",
};

/* Per-container annotation prefixes that carry "localhost/<profile>". */
static const char *const annotation_prefixes[] = {
	"container.apparmor.security.beta.varmor.org/",
	"container.bpf.security.beta.varmor.org/",
	"container.seccomp.security.beta.varmor.org/",
	"container.apparmor.security.beta.kubernetes.io/",
};

const char *restart_op_to_string(enum restart_op op)
{
	return op == RESTART_DELETED ? "deleted" : "created";
}

int restart_marker(const char *uid, long long generation, enum restart_op op, char **ret_marker)
{
	size_t len = uid ? strnlen(uid, RESTART_UID_MAX + 1) : 0;

	if (len == 0 || len > RESTART_UID_MAX || strchr(uid, '/'))
		return -EINVAL;
	if (asprintf(ret_marker, "%s/%lld/%s", uid, generation, restart_op_to_string(op)) < 0)
		return -ENOMEM;
	return 0;
}

bool restart_already_done(const json_t *workload, const char *uid, enum restart_op op)
{
	const char *m = json_string_value(
		json_path(workload, "metadata", "annotations", RESTART_MARKER_ANNOTATION, NULL));
	size_t ul = strlen(uid);
	const char *slash;

	if (!m || strncmp(m, uid, ul) != 0 || m[ul] != '/')
		return false;
	slash = strrchr(m + ul + 1, '/');
	return slash && strcmp(slash + 1, restart_op_to_string(op)) == 0;
}

bool restart_selects(const struct policy *p, const json_t *workload, const char *match_key,
		     const char *match_value)
{
	const char *kind = json_string_value(json_object_get(workload, "kind"));
	const char *name = json_path_string(workload, "metadata", "name", NULL);
	const json_t *labels = json_path(workload, "metadata", "labels", NULL);

	if (p->target.kind >= _TARGET_KIND_MAX || p->target.kind == TARGET_POD || !name)
		return false;
	if (kind && strcmp(kind, kinds[p->target.kind]) != 0)
		return false;
	if (match_key) {
		const char *v = json_string_value(json_object_get(labels, match_key));

		if (!v || strcmp(v, match_value ? match_value : "") != 0)
			return false;
	}
	if (p->target.name)
		return strcmp(p->target.name, name) == 0;
	if (p->target.selector)
		return label_selector_matches(p->target.selector, labels);
	return false;
}

static bool names_profile(const json_t *v, const char *profile)
{
	const char *s = json_string_value(v);

	return s && strncmp(s, "localhost/", 10) == 0 && strcmp(s + 10, profile) == 0;
}

static void strip_annotations(json_t *annotations, const char *profile)
{
	const char *key;
	json_t *v, *tmp;

	json_object_foreach_safe(annotations, tmp, key, v) {
		for (size_t i = 0; i < ELEMENTSOF(annotation_prefixes); i++)
			if (strncmp(key, annotation_prefixes[i], strlen(annotation_prefixes[i])) ==
				    0 &&
			    names_profile(v, profile)) {
				json_object_del(annotations, key);
				break;
			}
	}
}

static void strip_security_context(json_t *sc, const char *profile)
{
	static const char *const fields[] = { "appArmorProfile", "seccompProfile" };

	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		const json_t *f = json_object_get(sc, fields[i]);
		const char *type = json_string_value(json_object_get(f, "type"));
		const char *lh = json_string_value(json_object_get(f, "localhostProfile"));

		if (type && strcmp(type, "Localhost") == 0 && lh && strcmp(lh, profile) == 0)
			json_object_del(sc, fields[i]);
	}
}

static int set_annotation(json_t *meta, const char *key, const char *value)
{
	json_t *a = json_object_get(meta, "annotations");

	if (!json_is_object(a)) {
		a = json_object();
		if (!a || json_object_set_new(meta, "annotations", a) < 0)
			return -ENOMEM;
	}
	return json_object_set_new(a, key, json_string(value)) < 0 ? -ENOMEM : 0;
}

int restart_prepare(json_t *workload, const char *profile, enum restart_op op, const char *marker,
		    const char *now)
{
	json_t *tmpl = json_path(workload, "spec", "template", NULL);
	json_t *meta = json_object_get(workload, "metadata");
	json_t *tmeta;
	int r;

	if (!json_is_object(tmpl) || !json_is_object(meta))
		return -EBADMSG;
	tmeta = json_object_get(tmpl, "metadata");
	if (!json_is_object(tmeta)) {
		tmeta = json_object();
		if (!tmeta || json_object_set_new(tmpl, "metadata", tmeta) < 0)
			return -ENOMEM;
	}
	if (op == RESTART_DELETED) {
		json_t *spec = json_object_get(tmpl, "spec");
		static const char *const lists[] = { "containers", "initContainers",
						     "ephemeralContainers" };

		strip_annotations(json_object_get(tmeta, "annotations"), profile);
		strip_security_context(json_object_get(spec, "securityContext"), profile);
		for (size_t l = 0; l < ELEMENTSOF(lists); l++) {
			size_t i;
			json_t *c;

			json_array_foreach(json_object_get(spec, lists[l]), i, c)
				strip_security_context(json_object_get(c, "securityContext"),
						       profile);
		}
	}
	r = set_annotation(tmeta, RESTART_ANNOTATION, now);
	if (r < 0)
		return r;
	return set_annotation(meta, RESTART_MARKER_ANNOTATION, marker);
}

void restart_pacer_init(struct restart_pacer *p, unsigned batch, uint64_t interval_usec)
{
	*p = (struct restart_pacer){ .batch = batch ? batch : 1, .interval_usec = interval_usec };
}

uint64_t restart_pacer_next(struct restart_pacer *p, uint64_t now_usec)
{
	if (p->in_batch >= p->batch) {
		uint64_t due = p->batch_done_usec + p->interval_usec;

		if (now_usec < due)
			return due - now_usec;
		p->in_batch = 0;
	}
	p->in_batch++;
	if (p->in_batch >= p->batch)
		p->batch_done_usec = now_usec;
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/* Lifting the readiness scheduling gate: one LIST by label, one guarded JSON patch per pod. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/json-util.h"
#include "webhook/gates.h"
#include "webhook/mutate.h"

static const struct k8s_resource pods_resource = { NULL, "v1", "pods" };
static const struct k8s_resource events_resource = { NULL, "v1", "events" };

int gates_lift_patch(const json_t *pod, json_t **ret_patch)
{
	const json_t *gates = json_path(pod, "spec", "schedulingGates", NULL);
	const json_t *labels = json_path(pod, "metadata", "labels", NULL);
	json_auto_t *patch = NULL;
	const json_t *g;
	size_t i;
	char path[64];

	*ret_patch = NULL;
	patch = json_array();
	if (!patch)
		return -ENOMEM;
	json_array_foreach(gates, i, g) {
		const char *name = json_string_value(json_object_get(g, "name"));

		if (!name || strcmp(name, SCHEDULING_GATE) != 0)
			continue;
		snprintf(path, sizeof(path), "/spec/schedulingGates/%zu", i);
		if (json_array_append_new(patch,
					  json_pack("{s:s,s:s+,s:s}", "op", "test", "path", path,
						    "/name", "value", SCHEDULING_GATE)) < 0 ||
		    json_array_append_new(patch,
					  json_pack("{s:s,s:s}", "op", "remove", "path", path)) < 0)
			return -ENOMEM;
		break;
	}
	if (json_object_get(labels, LABEL_WAITING_FOR) &&
	    json_array_append_new(patch, json_pack("{s:s,s:s}", "op", "remove", "path",
						   "/metadata/labels/pavise.io~1waiting-for")) < 0)
		return -ENOMEM;
	if (json_array_size(patch) == 0)
		return 0;
	*ret_patch = json_incref(patch);
	return 0;
}

static int post_event(struct k8s_client *c, const json_t *pod, const char *profile,
		      const char *component)
{
	const char *ns = json_path_string(pod, "metadata", "namespace", NULL);
	const char *name = json_path_string(pod, "metadata", "name", NULL);
	const char *uid = json_path_string(pod, "metadata", "uid", NULL);
	_cleanup_free_ char *path = NULL, *msg = NULL;
	json_auto_t *ev = NULL;
	char now[32];
	struct tm tm;
	time_t t = time(NULL);
	int r;

	if (!ns || !name)
		return -EINVAL;
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (asprintf(&msg, "ArmorProfile %s is loaded on every node: scheduling gate %s removed",
		     profile, SCHEDULING_GATE) < 0)
		return -ENOMEM;
	ev = json_pack("{s:{s:s+,s:s},s:{s:s,s:s,s:s,s:s,s:s?},s:s,s:s,s:s,s:{s:s},s:s,s:s,s:i}",
		       "metadata", "generateName", name, ".", "namespace", ns, "involvedObject",
		       "apiVersion", "v1", "kind", "Pod", "namespace", ns, "name", name, "uid", uid,
		       "reason", GATES_EVENT_REASON, "message", msg, "type", "Normal", "source",
		       "component", component, "firstTimestamp", now, "lastTimestamp", now, "count",
		       1);
	if (!ev)
		return -ENOMEM;
	r = k8s_client_path(&events_resource, ns, NULL, NULL, &path);
	if (r < 0)
		return r;
	return k8s_client_create(c, path, ev, NULL, NULL);
}

int gates_lift(struct k8s_client *c, const char *profile, const char *component,
	       unsigned *ret_lifted, struct k8s_error *reterr)
{
	_cleanup_free_ char *path = NULL, *selector = NULL;
	json_auto_t *items = NULL;
	struct k8s_list_opts opts = {};
	unsigned lifted = 0;
	const json_t *pod;
	size_t i;
	int r, first = 0;

	if (ret_lifted)
		*ret_lifted = 0;
	if (!profile || !*profile || strlen(profile) > 63)
		return -EINVAL;
	if (asprintf(&selector, "%s=%s", LABEL_WAITING_FOR, profile) < 0)
		return -ENOMEM;
	opts.label_selector = selector;
	r = k8s_client_path(&pods_resource, NULL, NULL, NULL, &path);
	if (r < 0)
		return r;
	r = k8s_client_list(c, path, &opts, &items, NULL, reterr);
	if (r < 0)
		return r;
	json_array_foreach(items, i, pod) {
		_cleanup_free_ char *pod_path = NULL;
		json_auto_t *patch = NULL;
		struct k8s_error err = {};

		r = gates_lift_patch(pod, &patch);
		if (r < 0)
			return r;
		if (!patch)
			continue;
		r = k8s_client_path(&pods_resource,
				    json_path_string(pod, "metadata", "namespace", NULL),
				    json_path_string(pod, "metadata", "name", NULL), NULL,
				    &pod_path);
		if (r >= 0)
			r = k8s_client_patch(c, pod_path, K8S_PATCH_JSON, patch, NULL, &err);
		if (r == -ENOENT)
			continue;
		if (r < 0) {
			if (!first) {
				first = r;
				if (reterr)
					*reterr = err;
			}
			continue;
		}
		lifted++;
		/* The event is informational: a failure to post it does not undo the lift. */
		(void)post_event(c, pod, profile, component);
	}
	if (ret_lifted)
		*ret_lifted = lifted;
	return first;
}

// SPDX-License-Identifier: Apache-2.0
/* Policy and ArmorProfile status (vArmor's phases, conditions, counts) and per-node results; pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "webhook/controller-status.h"

#define PROFILE_CONDITIONS_MAX 4096U /* the CRD's maxItems */

const char *controller_time_format(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		if (size > 0)
			buf[0] = '\0';
	}
	return buf;
}

bool controller_status_flush_due(bool dirty, uint64_t last_write_usec, uint64_t now_usec,
				 uint64_t interval_usec)
{
	if (!dirty)
		return false;
	if (last_write_usec == 0 || now_usec < last_write_usec)
		return true;
	return now_usec - last_write_usec >= interval_usec;
}

/* The old entry of `type` (and nodeName, when given) in a conditions array; borrowed. */
static const json_t *find_condition(const json_t *conds, const char *type, const char *node)
{
	size_t i;
	json_t *c;

	json_array_foreach(conds, i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		const char *n = json_string_value(json_object_get(c, "nodeName"));

		if (!t || strcmp(t, type) != 0)
			continue;
		if (node && (!n || strcmp(n, node) != 0))
			continue;
		return c;
	}
	return NULL;
}

static bool same_string(const json_t *o, const char *key, const char *value)
{
	const char *s = json_string_value(json_object_get(o, key));

	return strcmp(s ? s : "", value ? value : "") == 0;
}

/* A condition; keeps the old lastTransitionTime when nothing but the time changed. */
static json_t *condition_new(const json_t *old, const char *type, bool status, const char *reason,
			     const char *message, const char *node, const char *now)
{
	const char *st = status ? "True" : "False";
	const char *when = now;
	json_t *c;

	if (old && same_string(old, "status", st) && same_string(old, "reason", reason) &&
	    same_string(old, "message", message) &&
	    json_string_value(json_object_get(old, "lastTransitionTime")))
		when = json_string_value(json_object_get(old, "lastTransitionTime"));
	c = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", type, "status", st, "lastTransitionTime",
		      when, "reason", reason ? reason : "", "message", message ? message : "");
	if (c && node && json_object_set_new(c, "nodeName", json_string(node)) < 0)
		c = (json_decref(c), NULL);
	return c;
}

/* Replaces (or appends) the entry of c's type in conds; takes c. */
static int conditions_put(json_t *conds, json_t *c)
{
	const char *type = json_string_value(json_object_get(c, "type"));
	size_t i;
	json_t *o;

	if (!c)
		return -ENOMEM;
	json_array_foreach(conds, i, o) {
		if (same_string(o, "type", type))
			return json_array_set_new(conds, i, c) < 0 ? -ENOMEM : 0;
	}
	return json_array_append_new(conds, c) < 0 ? -ENOMEM : 0;
}

static char *cut_message(const char *s, size_t max)
{
	size_t len = strnlen(s, max + 1);

	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	return strndup(s, len);
}

int controller_status_policy(const struct controller_status_input *in, const json_t *old,
			     const char *now, json_t **ret_status)
{
	const json_t *old_conds = json_object_get(old, "conditions");
	json_auto_t *conds = NULL, *st = NULL;
	_cleanup_free_ char *err = NULL, *ready_msg = NULL;
	bool failed = in->action == CONTROLLER_ACTION_CREATE_FAILED ||
		      in->action == CONTROLLER_ACTION_UPDATE_FAILED;
	const char *reason = in->error_reason ? in->error_reason : "Error";
	const char *phase;
	bool ready;
	int r;

	if (!in->profile_name || !now)
		return -EINVAL;
	if (failed) {
		err = cut_message(in->error_message ? in->error_message : "unknown error",
				  CONTROLLER_STATUS_MESSAGE_MAX);
		if (!err)
			return -ENOMEM;
	}
	conds = json_is_array(old_conds) ? json_deep_copy(old_conds) : json_array();
	if (!conds)
		return -ENOMEM;

	/* Created: the profile exists unless creating it failed. */
	if (in->action == CONTROLLER_ACTION_CREATE_FAILED)
		r = conditions_put(conds, condition_new(find_condition(old_conds, "Created", NULL),
							"Created", false, reason, err, NULL, now));
	else
		r = conditions_put(conds, condition_new(find_condition(old_conds, "Created", NULL),
							"Created", true, "Created", "", NULL, now));
	if (r < 0)
		return r;

	/* Updated: only once the profile was updated (or failed to be). */
	if (in->action == CONTROLLER_ACTION_UPDATED ||
	    (in->action == CONTROLLER_ACTION_NONE && find_condition(old_conds, "Updated", NULL)))
		r = conditions_put(conds, condition_new(find_condition(old_conds, "Updated", NULL),
							"Updated", true, "Updated", "", NULL, now));
	else if (in->action == CONTROLLER_ACTION_UPDATE_FAILED)
		r = conditions_put(conds, condition_new(find_condition(old_conds, "Updated", NULL),
							"Updated", false, reason, err, NULL, now));
	if (r < 0)
		return r;

	/* No node able to enforce it: not ready (nothing would protect its pods). */
	ready = !failed && in->failed == 0 && in->desired > 0 && in->current >= in->desired;
	if (failed) {
		phase = "Error";
		r = conditions_put(conds, condition_new(find_condition(old_conds, "Ready", NULL),
							"Ready", false, "Error", err, NULL, now));
	} else if (in->failed > 0) {
		phase = "Error";
		if (asprintf(&ready_msg,
			     "%u of %u nodes failed to load ArmorProfile %s; see its status",
			     in->failed, in->desired, in->profile_name) < 0)
			return -ENOMEM;
		r = conditions_put(conds,
				   condition_new(find_condition(old_conds, "Ready", NULL), "Ready",
						 false, "Error", ready_msg, NULL, now));
	} else if (ready) {
		phase = in->modeling ? "Modeling" : "Protecting";
		r = conditions_put(conds,
				   condition_new(find_condition(old_conds, "Ready", NULL), "Ready",
						 true, "AllAgentsReady", "", NULL, now));
	} else {
		phase = "Pending";
		if ((in->desired == 0 ?
			     asprintf(
				     &ready_msg,
				     "no node has an enforcer able to load ArmorProfile %s "
				     "(nodes labelled pavise.io/enforcer and pavise.io/<enforcer>=true)",
				     in->profile_name) :
			     asprintf(&ready_msg, "%u of %u nodes loaded ArmorProfile %s",
				      in->current, in->desired, in->profile_name)) < 0)
			return -ENOMEM;
		r = conditions_put(conds,
				   condition_new(find_condition(old_conds, "Ready", NULL), "Ready",
						 false, "Processing", ready_msg, NULL, now));
	}
	if (r < 0)
		return r;

	st = json_pack("{s:s, s:b, s:s, s:O, s:I}", "profileName", in->profile_name, "ready", ready,
		       "phase", phase, "conditions", conds, "observedGeneration",
		       (json_int_t)in->generation);
	if (!st)
		return -ENOMEM;
	*ret_status = TAKE_PTR(st);
	return 0;
}

int controller_nodes_record(struct controller_nodes *ns, const char *node, bool ok,
			    const char *message)
{
	size_t len = node ? strnlen(node, CONTROLLER_NODE_NAME_MAX + 1) : 0;
	_cleanup_free_ char *msg = NULL;
	struct controller_node_result *e = NULL;

	if (len == 0 || len > CONTROLLER_NODE_NAME_MAX)
		return -EINVAL;
	msg = cut_message(message ? message : "", CONTROLLER_NODE_MESSAGE_MAX);
	if (!msg)
		return -ENOMEM;
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i].node, node) == 0) {
			e = &ns->v[i];
			break;
		}
	if (e) {
		if (e->ok == ok && strcmp(e->message, msg) == 0)
			return 0;
		e->ok = ok;
		free(e->message);
		e->message = TAKE_PTR(msg);
		return 1;
	}
	if (ns->n >= CONTROLLER_NODES_MAX)
		return -ENOSPC;
	if (ns->n == ns->alloc) {
		size_t na = ns->alloc ? ns->alloc * 2 : 8;
		struct controller_node_result *nv = reallocarray(ns->v, na, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		ns->v = nv;
		ns->alloc = na;
	}
	e = &ns->v[ns->n];
	*e = (struct controller_node_result){ .node = strdup(node), .ok = ok };
	if (!e->node)
		return -ENOMEM;
	e->message = TAKE_PTR(msg);
	ns->n++;
	return 1;
}

void controller_nodes_clear(struct controller_nodes *ns)
{
	for (size_t i = 0; i < ns->n; i++) {
		free(ns->v[i].node);
		free(ns->v[i].message);
	}
	free(ns->v);
	*ns = (struct controller_nodes){};
}

void controller_nodes_count(const struct controller_nodes *ns, unsigned *ret_ok,
			    unsigned *ret_failed)
{
	unsigned ok = 0, failed = 0;

	for (size_t i = 0; i < ns->n; i++) {
		if (ns->v[i].ok)
			ok++;
		else
			failed++;
	}
	*ret_ok = ok;
	*ret_failed = failed;
}

static int cmp_result(const void *a, const void *b)
{
	const struct controller_node_result *x = *(const struct controller_node_result *const *)a;
	const struct controller_node_result *y = *(const struct controller_node_result *const *)b;

	return strcmp(x->node, y->node);
}

int controller_status_profile(const struct controller_nodes *ns, unsigned desired,
			      const json_t *old, const char *now, json_t **ret_status)
{
	const json_t *old_conds = json_object_get(old, "conditions");
	_cleanup_free_ const struct controller_node_result **failed = NULL;
	json_auto_t *conds = json_array(), *st = NULL;
	unsigned ok, n_failed;
	size_t k = 0;

	if (!conds)
		return -ENOMEM;
	controller_nodes_count(ns, &ok, &n_failed);
	if (n_failed > 0) {
		failed = calloc(n_failed, sizeof(*failed));
		if (!failed)
			return -ENOMEM;
		for (size_t i = 0; i < ns->n; i++)
			if (!ns->v[i].ok)
				failed[k++] = &ns->v[i];
		qsort(failed, k, sizeof(*failed), cmp_result);
	}
	for (size_t i = 0; i < k && i < PROFILE_CONDITIONS_MAX; i++) {
		json_t *c = condition_new(find_condition(old_conds, "Ready", failed[i]->node),
					  "Ready", false, "Error", failed[i]->message,
					  failed[i]->node, now);

		if (!c || json_array_append_new(conds, c) < 0)
			return -ENOMEM;
	}
	st = json_pack("{s:I, s:I, s:O}", "desiredNumberLoaded", (json_int_t)desired,
		       "currentNumberLoaded", (json_int_t)ok, "conditions", conds);
	if (!st)
		return -ENOMEM;
	*ret_status = TAKE_PTR(st);
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/* Policies from local YAML/JSON files (--policy-file): loading and change detection. */
#include <stdio.h>
#include <string.h>

#include "common/json-util.h"
#include "common/yaml.h"
#include "webhook/policy-files.h"

#define POLICY_FILES_MAX_POLICIES 100000

static bool is_policy(const json_t *o)
{
	const char *kind = json_string_value(json_object_get(o, "kind"));

	return kind && (strcmp(kind, POLICY_KIND) == 0 || strcmp(kind, CLUSTER_POLICY_KIND) == 0);
}

struct collect {
	struct policy **v;
	size_t n, alloc;
	int nerr;
};

static int collect_one(struct collect *c, const json_t *o, const char *pavise_namespace,
		       const char *path, size_t doc, policy_file_report_t report, void *userdata)
{
	struct policy_diags d = {};
	struct policy *p = NULL;
	int r;

	r = policy_parse(o, pavise_namespace, "default", &p, &d);
	for (size_t i = 0; i < d.n_errors; i++) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "document %zu: %s", doc + 1, d.errors[i]);
		report(userdata, path, msg);
	}
	policy_diags_clear(&d);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		c->nerr++;
		return 0;
	}
	if (c->n == c->alloc) {
		size_t na = c->alloc ? c->alloc * 2 : 16;
		struct policy **nv;

		if (na > POLICY_FILES_MAX_POLICIES) {
			policy_free(p);
			report(userdata, path, "too many policies");
			c->nerr++;
			return 0;
		}
		nv = realloc(c->v, na * sizeof(*nv));
		if (!nv) {
			policy_free(p);
			return -ENOMEM;
		}
		c->v = nv;
		c->alloc = na;
	}
	c->v[c->n++] = p;
	return 0;
}

int policy_files_load(struct policy_file_set *set, const char *pavise_namespace,
		      policy_file_report_t report, void *userdata, struct policy ***ret_policies,
		      size_t *ret_n)
{
	struct collect c = {};
	int r = 0;

	if (!set->seen) {
		set->seen = calloc(set->n ? set->n : 1, sizeof(struct stat));
		if (!set->seen)
			return -ENOMEM;
	}
	for (size_t i = 0; r >= 0 && i < set->n; i++) {
		json_auto_t *docs = NULL;
		struct yaml_error err = {};
		size_t k;
		json_t *o;

		if (stat(set->paths[i], &set->seen[i]) < 0)
			set->seen[i] = (struct stat){};
		r = yaml_load_file(set->paths[i], &docs, &err);
		if (r < 0) {
			char msg[512];

			if (err.line)
				snprintf(msg, sizeof(msg), "line %u, column %u: %s", err.line,
					 err.column, err.msg);
			else
				snprintf(msg, sizeof(msg), "%s",
					 err.msg[0] ? err.msg : strerror(-r));
			report(userdata, set->paths[i], msg);
			c.nerr++;
			r = r == -ENOMEM ? r : 0;
			continue;
		}
		json_array_foreach(docs, k, o) {
			const char *kind = json_string_value(json_object_get(o, "kind"));
			json_t *items = json_object_get(o, "items");

			if (kind && strcmp(kind, "List") == 0 && json_is_array(items)) {
				size_t j;
				json_t *it;

				json_array_foreach(items, j, it)
					if (r >= 0 && is_policy(it))
						r = collect_one(&c, it, pavise_namespace,
								set->paths[i], k, report, userdata);
			} else if (is_policy(o)) {
				r = collect_one(&c, o, pavise_namespace, set->paths[i], k, report,
						userdata);
			}
			if (r < 0)
				break;
		}
	}
	if (r >= 0 && c.nerr)
		r = -EINVAL;
	if (r < 0) {
		for (size_t i = 0; i < c.n; i++)
			policy_free(c.v[i]);
		free(c.v);
		return r;
	}
	*ret_policies = c.v;
	*ret_n = c.n;
	return 0;
}

bool policy_files_changed(const struct policy_file_set *set)
{
	if (!set->seen)
		return set->n > 0;
	for (size_t i = 0; i < set->n; i++) {
		struct stat st = {};

		if (stat(set->paths[i], &st) < 0)
			st = (struct stat){};
		if (st.st_ino != set->seen[i].st_ino || st.st_dev != set->seen[i].st_dev ||
		    st.st_size != set->seen[i].st_size ||
		    st.st_mtim.tv_sec != set->seen[i].st_mtim.tv_sec ||
		    st.st_mtim.tv_nsec != set->seen[i].st_mtim.tv_nsec)
			return true;
	}
	return false;
}

void policy_file_set_done(struct policy_file_set *set)
{
	free(set->seen);
	set->seen = NULL;
}

// SPDX-License-Identifier: Apache-2.0
/*
 * Conformance with vArmor's own example manifests (../shared/varmor-examples,
 * read in place): every workload, and the Pod its template would create, is
 * reviewed against each policy beside it, for Kubernetes 1.29 and 1.31. The
 * outcome is summarised per container and compared with a golden file that
 * was checked by hand against vArmor's documented behaviour.
 * UPDATE_GOLDEN=1 rewrites the golden file.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/fileio.h"
#include "common/json-util.h"
#include "common/yaml.h"
#include "tests/lib/testlib.h"
#include "webhook/mutate.h"

#define GOLDEN "webhook/tests/conformance.golden"
#define NOW    "2026-01-01T00:00:00Z"

static const char *const prefixes[] = { ANNOTATION_APPARMOR_K8S, ANNOTATION_APPARMOR,
					ANNOTATION_BPF, ANNOTATION_SECCOMP };

static int summarize(struct buf *out, const json_t *object, bool pod)
{
	const json_t *tmpl = pod ? object : json_path(object, "spec", "template", NULL);
	const json_t *ann = json_path(tmpl, "metadata", "annotations", NULL);
	const json_t *containers = json_path(tmpl, "spec", "containers", NULL);
	const char *policy =
		json_path_string(object, "metadata", "annotations", ANNOTATION_POLICY, NULL);
	size_t i;
	json_t *c;
	int r = 0;

	if (policy)
		r = buf_printf(out, "    policy: %s\n", policy);
	json_array_foreach(containers, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		const json_t *sc = json_object_get(c, "securityContext");

		r = buf_printf(out, "    %s:", name);
		for (size_t k = 0; r >= 0 && k < ELEMENTSOF(prefixes); k++) {
			char key[512];
			const char *v;

			snprintf(key, sizeof(key), "%s%s", prefixes[k], name);
			v = json_string_value(json_object_get(ann, key));
			if (v)
				r = buf_printf(out, " %s=%s", key, v);
		}
		for (size_t k = 0; r >= 0 && k < 2; k++) {
			const char *field = k ? "seccompProfile" : "appArmorProfile";
			json_t *p = json_object_get(sc, field);

			if (p) {
				_cleanup_free_ char *d =
					json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);

				r = buf_printf(out, " %s=%s", field, d);
			}
		}
		if (r >= 0)
			r = buf_append_str(out, "\n");
	}
	return r;
}

struct docs {
	json_t *policies; /* array of {file, object} */
	json_t *workloads; /* array of {file, object} */
};

static void load_dir(const char *root, const char *rel, json_t *dirs)
{
	char path[4096];
	struct dirent **ents;
	json_t *entry = json_pack("{s:s,s:[],s:[]}", "dir", rel, "policies", "workloads");
	int n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	n = scandir(path, &ents, NULL, alphasort);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *child = NULL, *crel = NULL;
		struct stat st;

		if (ents[i]->d_name[0] == '.') {
			free(ents[i]);
			continue;
		}
		assert_true(asprintf(&child, "%s/%s", path, ents[i]->d_name) > 0);
		assert_true(asprintf(&crel, "%s%s%s", rel, *rel ? "/" : "", ents[i]->d_name) > 0);
		assert_int_equal(stat(child, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			load_dir(root, crel, dirs);
		} else if (strstr(ents[i]->d_name, ".yaml")) {
			json_auto_t *docs = NULL;
			struct yaml_error err = {};
			size_t k;
			json_t *o;

			if (yaml_load_file(child, &docs, &err) < 0)
				fail_msg("%s: %s", crel, err.msg);
			json_array_foreach(docs, k, o) {
				const char *kind = json_string_value(json_object_get(o, "kind"));
				const char *list;

				if (!kind)
					continue;
				if (strcmp(kind, POLICY_KIND) == 0 ||
				    strcmp(kind, CLUSTER_POLICY_KIND) == 0)
					list = "policies";
				else if (strcmp(kind, "Deployment") == 0 ||
					 strcmp(kind, "StatefulSet") == 0 ||
					 strcmp(kind, "DaemonSet") == 0 || strcmp(kind, "Pod") == 0)
					list = "workloads";
				else
					continue;
				json_array_append_new(json_object_get(entry, list),
						      json_pack("{s:s,s:O}", "file",
								ents[i]->d_name, "object", o));
			}
		}
		free(ents[i]);
	}
	free(ents);
	if (json_array_size(json_object_get(entry, "policies")) &&
	    json_array_size(json_object_get(entry, "workloads")))
		json_array_append(dirs, entry);
	json_decref(entry);
}

/* The Pod a controller would create from a workload's template. */
static json_t *pod_from_template(const json_t *workload)
{
	json_t *tmpl = json_path(workload, "spec", "template", NULL);
	json_t *pod = json_pack("{s:s,s:s,s:O,s:O}", "apiVersion", "v1", "kind", "Pod", "metadata",
				json_object_get(tmpl, "metadata") ?
					json_object_get(tmpl, "metadata") :
					json_object(),
				"spec", json_object_get(tmpl, "spec"));
	json_t *meta = json_object_get(pod, "metadata");
	const char *ns = json_path_string(workload, "metadata", "namespace", NULL);

	json_object_set_new(meta, "generateName",
			    json_sprintf("%s-",
					 json_path_string(workload, "metadata", "name", NULL)));
	json_object_set_new(meta, "namespace", json_string(ns ? ns : "default"));
	return pod;
}

static void review_one(struct buf *out, const json_t *policy_obj, const json_t *object, bool pod,
		       unsigned minor)
{
	struct policy_diags d = {};
	struct policy *p = NULL;
	struct mutate_config cfg = { .match_label_key = DEFAULT_MATCH_LABEL_KEY,
				     .match_label_value = DEFAULT_MATCH_LABEL_VAL,
				     .k8s_major = 1,
				     .k8s_minor = minor };
	struct policy *pols[1];
	struct policy_view view = { .policies = pols, .n = 1 };
	const char *ns = json_path_string(object, "metadata", "namespace", NULL);
	const char *kind = json_string_value(json_object_get(object, "kind"));
	json_auto_t *review = NULL;
	_cleanup_free_ char *body = NULL;
	struct admission_request req;
	struct mutate_result res;
	const char *err = NULL;

	assert_int_equal(policy_parse(policy_obj, "varmor", "default", &p, &d), 0);
	pols[0] = p;
	review = json_pack("{s:s,s:s,s:{s:s,s:{s:s,s:s,s:s},s:s,s:s,s:s,s:O}}", "apiVersion",
			   ADMISSION_API_VERSION, "kind", "AdmissionReview", "request", "uid", "u",
			   "kind", "group", pod ? "" : "apps", "version", "v1", "kind", kind,
			   "operation", "CREATE", "namespace", ns ? ns : "default", "name",
			   strempty(json_path_string(object, "metadata", "name", NULL)), "object",
			   object);
	body = json_dumps(review, 0);
	assert_int_equal(admission_parse(body, strlen(body), &req, &err), 0);
	assert_int_equal(mutate_request(&cfg, &view, &req, NOW, &res, &err), 0);
	if (!res.patch) {
		assert_int_equal(buf_append_str(out, "    (not mutated)\n"), 0);
	} else {
		json_auto_t *patched = json_deep_copy(object);
		json_auto_t *patch = json_loadb(res.patch, res.patch_len, 0, NULL);

		assert_non_null(patch);
		assert_int_equal(json_patch_apply(patched, patch, NULL), 0);
		assert_int_equal(summarize(out, patched, pod), 0);
	}
	mutate_result_done(&res);
	admission_request_done(&req);
	policy_free(p);
	policy_diags_clear(&d);
}

static void test_varmor_examples(void **state)
{
	char root[4096];
	json_auto_t *dirs = json_array();
	_cleanup_free_ char *golden = NULL;
	struct buf out;
	size_t i, glen = 0;
	json_t *dir;

	(void)state;
	snprintf(root, sizeof(root), "%s/varmor-examples", testlib_shared_dir());
	load_dir(root, "", dirs);
	assert_true(json_array_size(dirs) >= 10);
	buf_init(&out, 16 * 1024 * 1024);
	json_array_foreach(dirs, i, dir) {
		size_t pi, wi;
		json_t *pe, *we;

		json_array_foreach(json_object_get(dir, "policies"), pi, pe) {
			json_array_foreach(json_object_get(dir, "workloads"), wi, we) {
				json_t *w = json_object_get(we, "object");
				json_auto_t *pod = pod_from_template(w);

				for (unsigned minor = 29; minor <= 31; minor += 2) {
					assert_int_equal(
						buf_printf(&out,
							   "%s: %s x %s, %s %s/%s, k8s 1.%u\n",
							   json_string_value(
								   json_object_get(dir, "dir")),
							   json_string_value(
								   json_object_get(pe, "file")),
							   json_string_value(
								   json_object_get(we, "file")),
							   json_string_value(
								   json_object_get(w, "kind")),
							   json_path_string(w, "metadata",
									    "namespace", NULL),
							   json_path_string(w, "metadata", "name",
									    NULL),
							   minor),
						0);
					review_one(&out, json_object_get(pe, "object"), w, false,
						   minor);
					assert_int_equal(buf_append_str(&out, "  its pods:\n"), 0);
					review_one(&out, json_object_get(pe, "object"), pod, true,
						   minor);
				}
			}
		}
	}
	if (secure_getenv("UPDATE_GOLDEN")) {
		assert_int_equal(write_file_atomic(GOLDEN, out.data, out.len, 0644), 0);
	} else {
		assert_int_equal(read_full_file(GOLDEN, 16 * 1024 * 1024, &golden, &glen), 0);
		if (glen != out.len || memcmp(golden, out.data, glen) != 0) {
			if (write_file_atomic(".output/conformance.actual", out.data, out.len,
					      0644) < 0)
				fprintf(stderr, "# could not write .output/conformance.actual\n");
			fail_msg("conformance summary differs from " GOLDEN
				 " (see .output/conformance.actual; diff them)");
		}
	}
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varmor_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

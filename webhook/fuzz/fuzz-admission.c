// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: AdmissionReview parsing, policy matching, patch building and response encoding. */
#include <stdint.h>
#include <string.h>

#include "common/json-util.h"
#include "common/policy.h"
#include "webhook/admission.h"
#include "webhook/mutate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const policies_json[] = {
	"{\"apiVersion\":\"crd.varmor.org/v1beta1\",\"kind\":\"VarmorPolicy\",\"metadata\":{\"name\":\"p\",\"namespace\":\"demo\"},"
	"\"spec\":{\"target\":{\"kind\":\"Deployment\",\"selector\":{\"matchLabels\":{\"app\":\"demo\"}}},"
	"\"policy\":{\"enforcer\":\"AppArmorBPFSeccomp\",\"mode\":\"EnhanceProtect\"}}}",
	"{\"apiVersion\":\"crd.varmor.org/v1beta1\",\"kind\":\"VarmorClusterPolicy\",\"metadata\":{\"name\":\"c\"},"
	"\"spec\":{\"target\":{\"kind\":\"Pod\",\"selector\":{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"Exists\"}]},"
	"\"containers\":[\"a\",\"b\"]},\"policy\":{\"enforcer\":\"AppArmorSeccomp\",\"mode\":\"RuntimeDefault\"}}}",
	"{\"apiVersion\":\"crd.varmor.org/v1beta1\",\"kind\":\"VarmorPolicy\",\"metadata\":{\"name\":\"n\",\"namespace\":\"demo\"},"
	"\"spec\":{\"target\":{\"kind\":\"StatefulSet\",\"name\":\"web\"},\"policy\":{\"enforcer\":\"BPF\",\"mode\":\"AlwaysAllow\"}}}",
};

static struct policy *policies[3];

static void init(void)
{
	for (size_t i = 0; i < ELEMENTSOF(policies_json); i++) {
		json_t *o = json_loads(policies_json[i], 0, NULL);

		if (!o || policy_parse(o, "pavise-system", NULL, &policies[i], NULL) < 0)
			abort();
		json_decref(o);
	}
	qsort(policies, ELEMENTSOF(policies), sizeof(policies[0]), policy_compare);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialised;
	struct admission_request req;
	struct policy_view view = { .policies = policies, .n = ELEMENTSOF(policies) };
	const char *err = NULL;
	int r;

	if (!initialised) {
		init();
		initialised = 1;
	}
	r = admission_parse((const char *)data, size, &req, &err);
	if (r == 0) {
		for (unsigned minor = 29; minor <= 31; minor += 2) {
			struct mutate_config cfg = {
				.match_label_key = minor == 29 ? NULL : "sandbox.varmor.org/enable",
				.match_label_value = "true",
				.k8s_major = 1,
				.k8s_minor = minor,
				.bpf_exclusive = minor == 31
			};
			struct mutate_result res = {};

			r = mutate_request(&cfg, &view, &req, "2026-01-01T00:00:00Z", &res, &err);
			if (r == 0 && res.patch && req.object) {
				/* Valid JSON, one element per counted operation, applying cleanly. */
				json_t *copy = json_deep_copy(req.object);
				json_t *patch = json_loadb(res.patch, res.patch_len, 0, NULL);
				char *body = NULL;
				size_t len;

				if (!copy || !patch || json_array_size(patch) != res.n_ops ||
				    json_patch_apply(copy, patch, NULL) < 0)
					abort();
				json_decref(copy);
				json_decref(patch);
				if (admission_response(req.uid, true, res.patch, res.patch_len, 200,
						       NULL, NULL, &body, &len) < 0)
					abort();
				free(body);
			}
			mutate_result_done(&res);
		}
	} else if (req.uid) {
		char *body = NULL;
		size_t len;

		if (admission_response(req.uid, false, NULL, 0, 400, err, NULL, &body, &len) == 0)
			free(body);
	}
	admission_request_done(&req);
	return 0;
}

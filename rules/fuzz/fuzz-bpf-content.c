// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: arbitrary JSON as BpfContent through the node's encoder
 * (must refuse or produce records that decode and re-encode to the same
 * bytes), and the same JSON as enhanceProtect of a BPF policy through
 * validation and compilation (a policy that validates must compile, and its
 * content must encode).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json-util.h"
#include "common/policy.h"
#include "rules/bpf-content.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pavise_bpf_profile a, b;

static void check_encode(const json_t *content, bool must_encode)
{
	static const char *const devices[] = { "sda", "nvme0n1", NULL };
	json_t *expanded = NULL, *back = NULL;
	char *msg = NULL;
	int r;

	r = bpf_content_expand_disk_devices(content, devices, &expanded, &msg);
	free(msg);
	msg = NULL;
	if (r < 0) {
		if (must_encode && r != -E2BIG)
			abort();
		return;
	}
	r = bpf_content_encode(expanded, &a, &msg);
	if (r < 0) {
		if (!msg || (must_encode && r != -E2BIG))
			abort();
		free(msg);
		json_decref(expanded);
		return;
	}
	if (bpf_content_decode(&a, &back) < 0 || bpf_content_encode(back, &b, NULL) < 0 ||
	    memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	json_decref(back);
	json_decref(expanded);
}

static void check_policy(json_t *ep)
{
	json_t *o = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:{s:s,s:s},s:{s:s,s:s,s:O}}}", "apiVersion",
			      POLICY_API_VERSION, "kind", POLICY_KIND, "metadata", "name", "f",
			      "namespace", "f", "spec", "target", "kind", "Pod", "name", "p",
			      "policy", "enforcer", "BPF", "mode", "EnhanceProtect",
			      "enhanceProtect", ep);
	struct policy_diags d = {};
	struct policy *p = NULL;
	json_t *content = NULL;

	if (!o)
		return;
	if (policy_parse(o, "pavise-system", "default", &p, &d) == 0) {
		int v = bpf_content_validate(p, &d);
		int c = bpf_content_compile(p, &content);

		if ((v == 0) != (c == 0))
			abort();
		if (c == 0)
			check_encode(content, true);
		json_decref(content);
		policy_free(p);
	}
	policy_diags_clear(&d);
	json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);

	if (!j)
		return 0;
	check_encode(j, false);
	if (json_is_object(j))
		check_policy(j);
	json_decref(j);
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: arbitrary text as /proc/partitions through the BPF
 * backend's device list. Every name it returns must be one the BpfContent
 * expander accepts, so that a node's device list can never widen a rule.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enforcer/backend.h"
#include "rules/bpf-content.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size);
	char **v = NULL;
	size_t n = 0;
	json_t *content, *out = NULL;

	if (!text)
		return 0;
	if (bpf_backend_devices(text, &v, &n) == 0) {
		if (n > BPF_CONTENT_DEVICES_MAX || v[n])
			abort();
		content = json_pack("{s:[{s:i, s:i, s:{s:i, s:s}}]}", "files", "mode", 1,
				    "permissions", 14, "pattern", "flags", 5, "prefix",
				    "/dev/" BPF_CONTENT_DISK_DEVICES);
		/* -E2BIG (more than PAVISE_MAX_RULES devices) is fine; -EINVAL is a bug */
		if (content && bpf_content_expand_disk_devices(content, (const char *const *)v,
							       &out, NULL) == -EINVAL)
			abort();
		json_decref(out);
		json_decref(content);
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
	}
	free(text);
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: the OCI state a runtime hook reads on stdin (oci_container_from_state). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enforcer/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_container c;
	char *msg = NULL;
	int r;

	memset(&c, 0x5a, sizeof(c));
	r = oci_container_from_state((const char *)data, size, &c, &msg);
	if (r >= 0) {
		/* Success: every string terminated, a pid in range, a profile only with a name. */
		if (msg || !terminated(c.id, sizeof(c.id)) || !c.id[0] ||
		    !terminated(c.bundle, sizeof(c.bundle)) || c.bundle[0] != '/' ||
		    !terminated(c.bpf_profile, sizeof(c.bpf_profile)) || c.pid < 0 ||
		    !terminated(c.info.container_name, sizeof(c.info.container_name)) ||
		    !terminated(c.info.pod_name, sizeof(c.info.pod_name)) ||
		    !terminated(c.info.pod_namespace, sizeof(c.info.pod_namespace)) ||
		    !terminated(c.info.pod_uid, sizeof(c.info.pod_uid)) ||
		    (c.bpf_profile[0] && !c.info.container_name[0]) || strchr(c.bpf_profile, '/'))
			__builtin_trap();
	} else {
		/* Failure: a one-line message (the hook prints it for the runtime). */
		if (!msg || strchr(msg, '\n'))
			__builtin_trap();
	}
	free(msg);
	return 0;
}

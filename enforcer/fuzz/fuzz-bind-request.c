// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: arbitrary bytes as one bind-socket request line. A
 * request that parses must name a valid profile and a pid or a cgroup, with
 * every string NUL-terminated inside its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enforcer/bind-server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bind_request q;
	char *msg = NULL;
	int r;

	r = bind_request_parse((const char *)data, size, &q, &msg);
	if (r == 0) {
		if (!profile_name_is_valid(q.profile) || (!q.pid && !q.has_cgroup_id) ||
		    (q.has_cgroup_id && !q.cgroup_id) || q.pid < 0 ||
		    strnlen(q.id, sizeof(q.id)) == sizeof(q.id) ||
		    strnlen(q.info.pod_name, sizeof(q.info.pod_name)) == sizeof(q.info.pod_name) ||
		    strcmp(q.id, q.info.container_id) != 0)
			abort();
	} else if (r == -EINVAL && !msg) {
		abort();
	}
	free(msg);
	return 0;
}

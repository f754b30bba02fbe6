// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: reading a TokenReview answer. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <jansson.h>

#include "common/tokenreview.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tokenreview_user u;
	json_t *j = json_loadb((const char *)data, size, 0, NULL);

	if (!j)
		return 0;
	for (int i = 0; i < 2; i++) {
		if (tokenreview_parse(j, i ? "pavise" : NULL, &u) < 0)
			continue;
		/* Every string is terminated within its buffer; no user without authentication. */
		if (!memchr(u.username, '\0', sizeof(u.username)) ||
		    !memchr(u.node_name, '\0', sizeof(u.node_name)) ||
		    !memchr(u.error, '\0', sizeof(u.error)) || (!u.authenticated && u.username[0]))
			__builtin_trap();
	}
	json_decref(j);
	return 0;
}

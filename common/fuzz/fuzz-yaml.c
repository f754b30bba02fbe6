// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for yaml_load_documents(): no crash, caps hold, output is valid JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yaml_error err;
	json_t *docs = NULL;
	char *dump;
	int r;

	memset(&err, 0xaa, sizeof(err));
	r = yaml_load_documents((const char *)data, size, &docs, &err);
	if (r < 0) {
		/* Failure: no result, and a terminated one-line message. */
		if (docs || !memchr(err.msg, '\0', sizeof(err.msg)) || strchr(err.msg, '\n'))
			abort();
		return 0;
	}
	if (!json_is_array(docs))
		abort();
	/* Everything produced must serialise: no NaN/Inf, valid UTF-8 throughout. */
	dump = json_dumps(docs, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!dump)
		abort();
	free(dump);
	json_decref(docs);
	return 0;
}

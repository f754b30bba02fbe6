// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by test programs: JSON fixtures written with single quotes, paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/testlib.h"

json_t *testlib_json(const char *single_quoted)
{
	char *s = strdup(single_quoted);
	json_error_t err;
	json_t *j;

	if (!s)
		abort();
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = json_loads(s, JSON_DECODE_ANY, &err);
	if (!j) {
		fprintf(stderr, "fixture: %s at %d:%d in: %s\n", err.text, err.line, err.column, s);
		abort();
	}
	free(s);
	return j;
}

const char *testlib_shared_dir(void)
{
	const char *s = secure_getenv("PAVISE_SHARED");

	return s && *s ? s : "../shared";
}

const char *testlib_output_dir(void)
{
	const char *s = secure_getenv("OUTPUT");

	return s && *s ? s : ".output";
}

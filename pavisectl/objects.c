// SPDX-License-Identifier: Apache-2.0
/* Reading Kubernetes objects from files for pavisectl: YAML or JSON, '-' for stdin, Lists unwrapped. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/json-util.h"
#include "common/yaml.h"
#include "pavisectl/objects.h"

static int read_stdin(char **ret, size_t *ret_len)
{
	struct buf b;
	char chunk[65536];
	ssize_t n;

	buf_init(&b, YAML_INPUT_MAX);
	while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) > 0)
		if (buf_append(&b, chunk, (size_t)n) < 0) {
			buf_free(&b);
			return -EFBIG;
		}
	if (n < 0) {
		buf_free(&b);
		return -errno;
	}
	*ret = buf_take(&b, ret_len);
	return *ret ? 0 : -ENOMEM;
}

static int add(json_t *entries, const char *file, size_t index, json_t *object)
{
	return json_array_append_new(entries, json_pack("{s:s,s:I,s:O}", "file", file, "index",
							(json_int_t)index, "object", object));
}

int objects_load(char *const *paths, size_t n, json_t **ret_entries)
{
	json_auto_t *entries = json_array();

	if (!entries)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_auto_t *docs = NULL;
		struct yaml_error err = {};
		size_t k;
		json_t *o;
		int r;

		if (strcmp(paths[i], "-") == 0) {
			_cleanup_free_ char *data = NULL;
			size_t len = 0;

			r = read_stdin(&data, &len);
			if (r >= 0)
				r = yaml_load_documents(data, len, &docs, &err);
		} else {
			r = yaml_load_file(paths[i], &docs, &err);
		}
		if (r < 0) {
			if (err.line)
				fprintf(stderr, "pavisectl: '%s': line %u, column %u: %s\n",
					paths[i], err.line, err.column, err.msg);
			else
				fprintf(stderr, "pavisectl: '%s': %s\n", paths[i],
					err.msg[0] ? err.msg : strerror(-r));
			return r;
		}
		json_array_foreach(docs, k, o) {
			const char *kind = json_string_value(json_object_get(o, "kind"));
			json_t *items = json_object_get(o, "items");

			if (kind && strcmp(kind, "List") == 0 && json_is_array(items)) {
				size_t j;
				json_t *it;

				json_array_foreach(items, j, it)
					if (add(entries, paths[i], k, it) < 0)
						return -ENOMEM;
			} else if (add(entries, paths[i], k, o) < 0) {
				return -ENOMEM;
			}
		}
	}
	*ret_entries = TAKE_PTR(entries);
	return 0;
}

const char *objects_describe(const json_t *object, char *buf, size_t size)
{
	const char *kind = json_string_value(json_object_get(object, "kind"));
	const char *ns = json_path_string(object, "metadata", "namespace", NULL);
	const char *name = json_path_string(object, "metadata", "name", NULL);

	snprintf(buf, size, "%s %s%s%s", kind ? kind : "object", ns ? ns : "", ns ? "/" : "",
		 name ? name : "(unnamed)");
	return buf;
}

// SPDX-License-Identifier: Apache-2.0
/* pavisectl convert: print Kubernetes objects from YAML files as JSON (or YAML). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/json-util.h"
#include "common/yaml-emit.h"
#include "pavisectl/cmd-convert.h"
#include "pavisectl/objects.h"

#define FILES_MAX 256

static void usage(FILE *f)
{
	fputs("Usage: pavisectl convert -f FILE... [-o json|yaml]\n"
	      "\n"
	      "Reads objects as the API server would (YAML 1.1 scalars like kubectl) and\n"
	      "prints them: one object as is, several as a List. Default output: compact JSON.\n",
	      f);
}

int cmd_convert(int argc, char **argv)
{
	static const struct option options[] = {
		{ "filename", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char *files[FILES_MAX];
	size_t n_files = 0, i;
	bool yaml = false;
	json_auto_t *entries = NULL, *items = json_array(), *list = NULL;
	const json_t *doc;
	struct buf out;
	json_t *e;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:h", options, NULL)) >= 0) {
		switch (c) {
		case 'f':
			if (n_files >= FILES_MAX)
				return 2;
			files[n_files++] = optarg;
			break;
		case 'o':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "yaml") != 0) {
				fprintf(stderr, "pavisectl convert: -o: '%s' is not json or yaml\n",
					optarg);
				return 2;
			}
			yaml = strcmp(optarg, "yaml") == 0;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	while (optind < argc && n_files < FILES_MAX)
		files[n_files++] = argv[optind++];
	if (n_files == 0) {
		usage(stderr);
		return 2;
	}
	if (!items || objects_load(files, n_files, &entries) < 0)
		return 1;
	json_array_foreach(entries, i, e)
		json_array_append(items, json_object_get(e, "object"));
	if (json_array_size(items) == 1) {
		doc = json_array_get(items, 0);
	} else {
		list = json_pack("{s:s,s:s,s:O}", "apiVersion", "v1", "kind", "List", "items",
				 items);
		doc = list;
	}
	buf_init(&out, 256U * 1024 * 1024);
	if (yaml) {
		r = yaml_emit(doc, &out);
	} else {
		_cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);

		r = text ? buf_append_str(&out, text) : -ENOMEM;
		if (r >= 0)
			r = buf_append_str(&out, "\n");
	}
	if (r >= 0 && fwrite(out.data, 1, out.len, stdout) != out.len)
		r = -EIO;
	buf_free(&out);
	return r < 0 || fflush(stdout) != 0 ? 1 : 0;
}

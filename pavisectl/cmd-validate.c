// SPDX-License-Identifier: Apache-2.0
/* pavisectl validate: check VarmorPolicy and VarmorClusterPolicy files. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/json-util.h"
#include "common/policy.h"
#include "pavisectl/cmd-validate.h"
#include "pavisectl/objects.h"
#include "rules/validate.h"

#define FILES_MAX 256

static void usage(FILE *f)
{
	fputs("Usage: pavisectl validate -f FILE... [--namespace NS] [-q]\n"
	      "\n"
	      "Validates every VarmorPolicy and VarmorClusterPolicy in the files (YAML or\n"
	      "JSON, several objects per file, '-' for stdin) as the admission webhook would.\n"
	      "Other kinds are skipped. Exit status 0 when all are valid (warnings are\n"
	      "printed), 1 otherwise.\n"
	      "\n"
	      "  -f, --filename FILE   a file to validate (repeatable)\n"
	      "      --namespace NS    pavise's namespace, names cluster profiles (default pavise-system)\n"
	      "  -q, --quiet           print only problems\n",
	      f);
}

int cmd_validate(int argc, char **argv)
{
	static const struct option options[] = {
		{ "filename", required_argument, NULL, 'f' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char *files[FILES_MAX];
	size_t n_files = 0, n_policies = 0, n_invalid = 0, i;
	const char *pavise_ns = "pavise-system";
	json_auto_t *entries = NULL;
	bool quiet = false;
	json_t *e;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:qh", options, NULL)) >= 0) {
		switch (c) {
		case 'f':
			if (n_files >= FILES_MAX) {
				fprintf(stderr, "pavisectl validate: at most %d files\n",
					FILES_MAX);
				return 2;
			}
			files[n_files++] = optarg;
			break;
		case 'n':
			pavise_ns = optarg;
			break;
		case 'q':
			quiet = true;
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
		fprintf(stderr, "pavisectl validate: no file given\n\n");
		usage(stderr);
		return 2;
	}
	if (objects_load(files, n_files, &entries) < 0)
		return 1;

	json_array_foreach(entries, i, e) {
		const json_t *o = json_object_get(e, "object");
		const char *kind = json_string_value(json_object_get(o, "kind"));
		const char *file = json_string_value(json_object_get(e, "file"));
		struct policy_diags d = {};
		struct policy *p = NULL;
		char what[512];
		int r;

		if (!kind ||
		    (strcmp(kind, POLICY_KIND) != 0 && strcmp(kind, CLUSTER_POLICY_KIND) != 0))
			continue;
		n_policies++;
		objects_describe(o, what, sizeof(what));
		r = validate_policy(o, pavise_ns, "default", &p, &d);
		for (size_t k = 0; k < d.n_errors; k++)
			printf("%s: %s: error: %s\n", file, what, d.errors[k]);
		for (size_t k = 0; k < d.n_warnings; k++)
			printf("%s: %s: warning: %s\n", file, what, d.warnings[k]);
		if (r < 0)
			n_invalid++;
		else if (!quiet)
			printf("%s: %s: valid (profile %s)\n", file, what, p->profile_name);
		policy_free(p);
		policy_diags_clear(&d);
	}
	if (n_policies == 0) {
		fprintf(stderr,
			"pavisectl validate: no VarmorPolicy or VarmorClusterPolicy found\n");
		return 1;
	}
	if (fflush(stdout) != 0)
		return 1;
	return n_invalid ? 1 : 0;
}

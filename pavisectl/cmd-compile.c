// SPDX-License-Identifier: Apache-2.0
/* pavisectl compile: turn policies into the ArmorProfiles that node enforcers load. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/fileio.h"
#include "common/json-util.h"
#include "common/policy.h"
#include "common/yaml-emit.h"
#include "pavisectl/cmd-compile.h"
#include "pavisectl/objects.h"
#include "rules/compile.h"
#include "rules/validate.h"

#define FILES_MAX 256

static void usage(FILE *f)
{
	fputs("Usage: pavisectl compile -f FILE... [--namespace NS] [-o json|yaml] [--out-dir DIR]\n"
	      "\n"
	      "Compiles every VarmorPolicy and VarmorClusterPolicy in the files into the\n"
	      "ArmorProfile pavise's controller would create, and prints it (a List when\n"
	      "there are several). An invalid policy prints the validator's messages and\n"
	      "exits 1.\n"
	      "\n"
	      "  -f, --filename FILE   policy file (YAML or JSON, '-' for stdin; repeatable)\n"
	      "      --namespace NS    pavise's namespace (default pavise-system)\n"
	      "  -o, --output FORMAT   json or yaml (default yaml)\n"
	      "      --out-dir DIR     also write <profile>.apparmor, <profile>.seccomp.json and\n"
	      "                        <profile>.bpf.json for the enforcers each policy uses\n",
	      f);
}

static int write_parts(const char *dir, const json_t *ap)
{
	const json_t *profile = json_path(ap, "spec", "profile", NULL);
	const char *name = json_string_value(json_object_get(profile, "name"));
	const char *aa = json_string_value(json_object_get(profile, "appArmor"));
	const char *sc = json_string_value(json_object_get(profile, "seccomp"));
	const json_t *bpf = json_object_get(profile, "bpf");
	char path[4096];
	int r = 0;

	if (aa) {
		snprintf(path, sizeof(path), "%s/%s.apparmor", dir, name);
		r = write_file_atomic(path, aa, strlen(aa), 0644);
	}
	if (r >= 0 && sc) {
		snprintf(path, sizeof(path), "%s/%s.seccomp.json", dir, name);
		r = write_file_atomic(path, sc, strlen(sc), 0644);
	}
	if (r >= 0 && bpf) {
		_cleanup_free_ char *text = json_dumps(bpf, JSON_INDENT(2) | JSON_SORT_KEYS);

		if (!text)
			return -ENOMEM;
		snprintf(path, sizeof(path), "%s/%s.bpf.json", dir, name);
		r = write_file_atomic(path, text, strlen(text), 0644);
	}
	return r;
}

int cmd_compile(int argc, char **argv)
{
	static const struct option options[] = {
		{ "filename", required_argument, NULL, 'f' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "out-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char *files[FILES_MAX];
	size_t n_files = 0, n_invalid = 0, i;
	const char *pavise_ns = "pavise-system", *out_dir = NULL;
	bool yaml = true;
	json_auto_t *entries = NULL, *profiles = json_array();
	json_t *e;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:h", options, NULL)) >= 0) {
		switch (c) {
		case 'f':
			if (n_files >= FILES_MAX) {
				fprintf(stderr, "pavisectl compile: at most %d files\n", FILES_MAX);
				return 2;
			}
			files[n_files++] = optarg;
			break;
		case 'n':
			pavise_ns = optarg;
			break;
		case 'o':
			if (strcmp(optarg, "json") == 0) {
				yaml = false;
			} else if (strcmp(optarg, "yaml") == 0) {
				yaml = true;
			} else {
				fprintf(stderr, "pavisectl compile: -o: '%s' is not json or yaml\n",
					optarg);
				return 2;
			}
			break;
		case 'd':
			out_dir = optarg;
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
		fprintf(stderr, "pavisectl compile: no file given\n\n");
		usage(stderr);
		return 2;
	}
	if (!profiles || objects_load(files, n_files, &entries) < 0)
		return 1;
	if (out_dir && mkdir_p(out_dir, 0755) < 0) {
		fprintf(stderr, "pavisectl compile: cannot create '%s'\n", out_dir);
		return 1;
	}

	json_array_foreach(entries, i, e) {
		const json_t *o = json_object_get(e, "object");
		const char *kind = json_string_value(json_object_get(o, "kind"));
		const char *file = json_string_value(json_object_get(e, "file"));
		struct policy_diags d = {};
		struct policy *p = NULL;
		json_t *ap = NULL;
		char what[512];

		if (!kind ||
		    (strcmp(kind, POLICY_KIND) != 0 && strcmp(kind, CLUSTER_POLICY_KIND) != 0))
			continue;
		objects_describe(o, what, sizeof(what));
		r = validate_policy(o, pavise_ns, "default", &p, &d);
		for (size_t k = 0; k < d.n_errors; k++)
			fprintf(stderr, "%s: %s: error: %s\n", file, what, d.errors[k]);
		for (size_t k = 0; k < d.n_warnings; k++)
			fprintf(stderr, "%s: %s: warning: %s\n", file, what, d.warnings[k]);
		if (r >= 0) {
			r = compile_armor_profile(p, pavise_ns, &ap);
			if (r < 0)
				fprintf(stderr, "%s: %s: error: compiling failed: %s\n", file, what,
					strerror(-r));
		}
		if (r >= 0 && out_dir) {
			r = write_parts(out_dir, ap);
			if (r < 0)
				fprintf(stderr, "%s: %s: error: writing to '%s' failed: %s\n", file,
					what, out_dir, strerror(-r));
		}
		if (r >= 0) {
			json_array_append_new(profiles, ap);
		} else {
			json_decref(ap);
			n_invalid++;
		}
		policy_free(p);
		policy_diags_clear(&d);
	}
	if (n_invalid)
		return 1;
	if (json_array_size(profiles) == 0) {
		fprintf(stderr,
			"pavisectl compile: no VarmorPolicy or VarmorClusterPolicy found\n");
		return 1;
	}
	{
		json_auto_t *list = NULL;
		const json_t *doc = json_array_get(profiles, 0);
		struct buf out;

		if (json_array_size(profiles) > 1) {
			list = json_pack("{s:s,s:s,s:O}", "apiVersion", "v1", "kind", "List",
					 "items", profiles);
			doc = list;
		}
		buf_init(&out, 256U * 1024 * 1024);
		if (yaml) {
			r = yaml_emit(doc, &out);
		} else {
			_cleanup_free_ char *text = json_dumps(doc, JSON_INDENT(2));

			r = text ? buf_append_str(&out, text) : -ENOMEM;
			if (r >= 0)
				r = buf_append_str(&out, "\n");
		}
		if (r >= 0 && fwrite(out.data, 1, out.len, stdout) != out.len)
			r = -EIO;
		buf_free(&out);
		if (r < 0 || fflush(stdout) != 0) {
			fprintf(stderr, "pavisectl compile: writing the output failed\n");
			return 1;
		}
	}
	return 0;
}

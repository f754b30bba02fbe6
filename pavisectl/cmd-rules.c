// SPDX-License-Identifier: Apache-2.0
/* pavisectl rules: print the built-in rule catalog and which enforcer implements each rule. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "common/log.h"
#include "pavisectl/cmd-rules.h"
#include "rules/catalog.h"

#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fputs("Usage: pavisectl rules [--category CATEGORY] [-o table|json]\n"
	      "\n"
	      "Prints the built-in rules that policies name in hardeningRules,\n"
	      "attackProtectionRules and vulMitigationRules, with the enforcers that\n"
	      "implement each one (a rule is ignored by the others).\n"
	      "\n"
	      "Options:\n"
	      "  --category CATEGORY  only hardening, attack-protection or vulnerability-mitigation\n"
	      "  -o, --output FORMAT  table (default) or json (with each enforcer's implementation)\n"
	      "  -h, --help           show this help\n",
	      f);
}

static const char *mark(bool yes)
{
	return yes ? "\u2713" : "\u2014";
}

static void print_table(const struct catalog_rule *rs, size_t n, int category)
{
	int w_id = (int)strlen("ID"), w_cat = (int)strlen("CATEGORY");

	for (size_t i = 0; i < n; i++) {
		if (category >= 0 && (int)rs[i].category != category)
			continue;
		w_id = MAX(w_id, (int)strlen(rs[i].id));
		w_cat = MAX(w_cat, (int)strlen(catalog_category_name(rs[i].category)));
	}
	printf("%-*s  %-*s  APPARMOR  BPF  SECCOMP  DESCRIPTION\n", w_id, "ID", w_cat, "CATEGORY");
	for (size_t i = 0; i < n; i++) {
		if (category >= 0 && (int)rs[i].category != category)
			continue;
		/* The marks are one column wide but several bytes: pad by hand. */
		printf("%-*s  %-*s  %s         %s    %s        %s\n", w_id, rs[i].id, w_cat,
		       catalog_category_name(rs[i].category), mark(rs[i].apparmor),
		       mark(rs[i].n_bpf > 0), mark(rs[i].n_seccomp > 0), rs[i].description);
	}
}

static json_t *names_json(const char *const *v)
{
	json_t *a = json_array();

	for (; a && v && *v; v++)
		if (json_array_append_new(a, json_string(*v)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static const char *bpf_kind_name(enum catalog_bpf_kind k)
{
	switch (k) {
	case CATALOG_BPF_CAPABILITIES:
		return "capabilities";
	case CATALOG_BPF_FILE:
		return "file";
	case CATALOG_BPF_EXEC:
		return "exec";
	case CATALOG_BPF_MOUNT:
		return "mount";
	case CATALOG_BPF_PTRACE:
		return "ptrace";
	case CATALOG_BPF_SOCKET:
		return "socket";
	case CATALOG_BPF_EGRESS:
		return "egress";
	case CATALOG_BPF_SERVICE:
		return "service";
	}
	return "unknown";
}

static int set_new(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

static json_t *bpf_json(const struct catalog_bpf *b)
{
	json_t *o = json_pack("{s:s}", "kind", bpf_kind_name(b->kind));
	int r = o ? 0 : -1;

	if (r == 0 && b->kind == CATALOG_BPF_CAPABILITIES)
		r = set_new(o, "capabilities", json_integer((json_int_t)b->caps));
	if (r == 0 && b->pattern)
		r = set_new(o, "pattern", json_string(b->pattern));
	if (r == 0 && b->file_perms) {
		json_t *p = json_array();

		if (p && (b->file_perms & CATALOG_PERM_READ))
			json_array_append_new(p, json_string("read"));
		if (p && (b->file_perms & CATALOG_PERM_WRITE))
			json_array_append_new(p, json_string("write"));
		if (p && (b->file_perms & CATALOG_PERM_APPEND))
			json_array_append_new(p, json_string("append"));
		if (p && (b->file_perms & CATALOG_PERM_EXEC))
			json_array_append_new(p, json_string("exec"));
		r = set_new(o, "permissions", p);
	}
	if (r == 0 && b->fstype)
		r = set_new(o, "fstype", json_string(b->fstype));
	if (r == 0 && b->mount_flags)
		r = set_new(o, "flags", names_json(b->mount_flags));
	if (r == 0 && b->mount_flags_except)
		r = set_new(o, "flagsExcept", names_json(b->mount_flags_except));
	if (r == 0 && b->kind == CATALOG_BPF_PTRACE) {
		json_t *p = json_array();

		if (p && (b->ptrace_perms & CATALOG_PTRACE_TRACE))
			json_array_append_new(p, json_string("trace"));
		if (p && (b->ptrace_perms & CATALOG_PTRACE_READ))
			json_array_append_new(p, json_string("read"));
		if (p && (b->ptrace_perms & CATALOG_PTRACE_TRACEBY))
			json_array_append_new(p, json_string("traceby"));
		if (p && (b->ptrace_perms & CATALOG_PTRACE_READBY))
			json_array_append_new(p, json_string("readby"));
		r = set_new(o, "permissions", p);
		if (r == 0)
			r = set_new(o, "strictMode", json_boolean(b->strict));
	}
	if (r == 0 && b->domains)
		r = set_new(o, "domains", names_json(b->domains));
	if (r == 0 && b->types)
		r = set_new(o, "types", names_json(b->types));
	if (r == 0 && b->protocols)
		r = set_new(o, "protocols", names_json(b->protocols));
	if (r == 0 && b->address)
		r = set_new(o, "address", json_string(b->address));
	if (r == 0 && b->service_name)
		r = set_new(o, "service",
			    json_pack("{s:s,s:s}", "namespace", b->service_namespace, "name",
				      b->service_name));
	if (r == 0 && b->privileged_only)
		r = set_new(o, "privilegedOnly", json_true());
	if (r == 0 && b->disk_devices)
		r = set_new(o, "diskDevices", json_true());
	if (r < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *seccomp_json(const struct catalog_seccomp *s)
{
	json_t *o = json_pack("{s:s,s:[]}", "syscall", s->syscall, "args");

	for (unsigned i = 0; o && i < s->n_args && i < ELEMENTSOF(s->args); i++) {
		const char *op = s->args[i].op == CATALOG_SC_EQ	       ? "SCMP_CMP_EQ" :
				 s->args[i].op == CATALOG_SC_MASKED_EQ ? "SCMP_CMP_MASKED_EQ" :
									 NULL;
		json_t *a;

		if (!op)
			continue;
		a = json_pack("{s:I,s:I,s:I,s:s}", "index", (json_int_t)s->args[i].index, "value",
			      (json_int_t)s->args[i].value, "valueTwo",
			      (json_int_t)s->args[i].value_two, "op", op);
		if (!a || json_array_append_new(json_object_get(o, "args"), a) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *rule_json(const struct catalog_rule *r)
{
	json_t *o, *bpf = json_array(), *sc = json_array();

	for (size_t i = 0; bpf && i < r->n_bpf; i++)
		if (json_array_append_new(bpf, bpf_json(&r->bpf[i])) < 0) {
			json_decref(bpf);
			bpf = NULL;
		}
	for (size_t i = 0; sc && i < r->n_seccomp; i++)
		if (json_array_append_new(sc, seccomp_json(&r->seccomp[i])) < 0) {
			json_decref(sc);
			sc = NULL;
		}
	o = json_pack("{s:s,s:o,s:s,s:s,s:s,s:{s:b,s:b,s:b},s:o,s:o,s:o,s:b}", "id", r->id,
		      "aliases", names_json(r->aliases), "category",
		      catalog_category_name(r->category), "subcategory", r->subcategory,
		      "description", r->description, "enforcers", "appArmor", r->apparmor != NULL,
		      "bpf", r->n_bpf > 0, "seccomp", r->n_seccomp > 0, "appArmor",
		      r->apparmor ? names_json(r->apparmor) : json_null(), "bpf", bpf, "seccomp",
		      sc, "needsServiceEgress", r->needs_service_egress);
	return o;
}

static int print_json(const struct catalog_rule *rs, size_t n, int category)
{
	json_auto_t *a = json_array();

	if (!a)
		return log_oom();
	for (size_t i = 0; i < n; i++) {
		if (category >= 0 && (int)rs[i].category != category)
			continue;
		if (json_array_append_new(a, rule_json(&rs[i])) < 0)
			return log_oom();
	}
	if (json_dumpf(a, stdout, JSON_INDENT(2)) < 0)
		return -EIO;
	putchar('\n');
	return 0;
}

int cmd_rules(int argc, char **argv)
{
	static const struct option options[] = {
		{ "category", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const struct catalog_rule *rs;
	int c, category = -1;
	bool json = false;
	size_t n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:o:h", options, NULL)) >= 0) {
		switch (c) {
		case 'c':
			category = -2;
			for (int k = 0; k < _RULE_CATEGORY_MAX; k++)
				if (strcasecmp(optarg, catalog_category_name(k)) == 0)
					category = k;
			if (category == -2) {
				fprintf(stderr,
					"pavisectl rules: --category: '%s' is not hardening, attack-protection or vulnerability-mitigation\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0) {
				fprintf(stderr, "pavisectl rules: -o: '%s' is not table or json\n",
					optarg);
				return EXIT_USAGE;
			}
			json = strcmp(optarg, "json") == 0;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pavisectl rules: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	rs = catalog_rules(&n);
	if (json) {
		if (print_json(rs, n, category) < 0)
			return 1;
	} else {
		print_table(rs, n, category);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

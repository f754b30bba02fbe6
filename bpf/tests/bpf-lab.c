// SPDX-License-Identifier: Apache-2.0
/*
 * pavise-bpf-lab: drives enforcer/bpf-loader.c by hand inside the kernel lab
 * (e2e/vm), for bpf/tests/run-lab and the bpf-*.scenario files. Not shipped.
 *
 *   pavise-bpf-lab load                       open (load or take over); prints the stats
 *   pavise-bpf-lab set NAME MODE JSON|@FILE   a profile from BpfContent; MODE enforce|complain
 *   pavise-bpf-lab remove NAME
 *   pavise-bpf-lab bind NAME CGROUP           CGROUP: a cgroup v2 directory or an id
 *   pavise-bpf-lab unbind CGROUP
 *   pavise-bpf-lab lookup CGROUP              exit 0 and the profile when bound, 2 when not
 *   pavise-bpf-lab list                       bindings and profiles
 *   pavise-bpf-lab events                     pending events, one line each
 *   pavise-bpf-lab stats
 *   pavise-bpf-lab verified                   the verifier's instruction count per program
 *   pavise-bpf-lab purge
 *
 * PAVISE_BPF_PIN_DIR (the environment) changes the pin directory.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <jansson.h>

#include "enforcer/bpf-loader.h"
#include "rules/bpf-content.h"

static const char *pin_dir(void)
{
	const char *d = secure_getenv("PAVISE_BPF_PIN_DIR");

	return d && *d ? d : PAVISE_BPF_PIN_DIR;
}

static int cgroup_id(const char *arg, uint64_t *ret)
{
	struct stat st;
	char *end;

	if (arg[0] == '/') {
		if (stat(arg, &st) < 0)
			return -errno;
		*ret = st.st_ino; /* a cgroup v2 directory's inode number is its id */
		return 0;
	}
	errno = 0;
	*ret = strtoull(arg, &end, 10);
	return errno || *end || end == arg ? -EINVAL : 0;
}

static const char *action_name(uint32_t a)
{
	if (a & PAVISE_ACTION_ALLOWED)
		return "ALLOWED";
	if (a & PAVISE_ACTION_DENIED)
		return "DENIED";
	return (a & PAVISE_ACTION_AUDIT) ? "AUDIT" : "?";
}

static void print_event(void *userdata, const struct pavise_event *ev)
{
	struct bpf_enforcer *e = userdata;
	char name[PAVISE_PROFILE_NAME_MAX] = "?";

	(void)bpf_enforcer_slot_name(e, ev->profile_slot, ev->profile_generation, name,
				     sizeof(name));
	printf("%s profile=%s gen=%u cgroup=%" PRIu64 " comm=%.16s ", action_name(ev->action), name,
	       ev->profile_generation, (uint64_t)ev->cgroup_id, (const char *)ev->comm);
	switch (ev->type) {
	case PAVISE_EVENT_CAPABILITY:
		printf("capability %u\n", ev->capability.capability);
		break;
	case PAVISE_EVENT_FILE:
	case PAVISE_EVENT_BPRM:
		printf("%s 0x%x %.4096s\n", ev->type == PAVISE_EVENT_FILE ? "file" : "exec",
		       ev->file.permissions, (const char *)ev->file.path);
		break;
	case PAVISE_EVENT_NETWORK:
		if (ev->network.kind == PAVISE_NET_EVENT_SOCKET)
			printf("socket %u %u %u\n", ev->network.domain, ev->network.type,
			       ev->network.protocol);
		else
			printf("connect %u %u.%u.%u.%u port %u\n", ev->network.family,
			       ev->network.address[0], ev->network.address[1],
			       ev->network.address[2], ev->network.address[3], ev->network.port);
		break;
	case PAVISE_EVENT_PTRACE:
		printf("ptrace 0x%x peer %u\n", ev->ptrace.permissions, ev->ptrace.peer_tgid);
		break;
	case PAVISE_EVENT_MOUNT:
		printf("mount 0x%x %.16s %.4096s\n", ev->mount.flags,
		       (const char *)ev->mount.fstype, (const char *)ev->mount.path);
		break;
	default:
		printf("type %u\n", ev->type);
	}
}

/* Verifier cost of every pinned program: name and instructions processed, one line each. */
static int cmd_verified(void)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/links", pin_dir());
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct bpf_link_info li = {};
		struct bpf_prog_info pi = {};
		__u32 len = sizeof(li);
		int lfd, pfd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/links/%s", pin_dir(), de->d_name);
		lfd = bpf_obj_get(path);
		if (lfd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(lfd, &li, &len) == 0) {
			pfd = bpf_prog_get_fd_by_id(li.prog_id);
			len = sizeof(pi);
			if (pfd >= 0 && bpf_obj_get_info_by_fd(pfd, &pi, &len) == 0)
				printf("%-28s %u insns verified, %u xlated bytes\n", de->d_name,
				       pi.verified_insns, pi.xlated_prog_len);
			if (pfd >= 0)
				close(pfd);
		}
		close(lfd);
	}
	closedir(d);
	return 0;
}

static int cmd_set(struct bpf_enforcer *e, const char *name, const char *mode, const char *arg)
{
	_cleanup_free_ struct pavise_bpf_profile *prof = calloc(1, sizeof(*prof));
	_cleanup_free_ char *msg = NULL;
	json_error_t jerr;
	json_t *j;
	__u32 m;
	int r;

	if (!prof)
		return -ENOMEM;
	if (bpf_content_profile_mode_from_string(mode, &m) < 0) {
		fprintf(stderr, "bad mode %s\n", mode);
		return -EINVAL;
	}
	j = arg[0] == '@' ? json_load_file(arg + 1, 0, &jerr) : json_loads(arg, 0, &jerr);
	if (!j) {
		fprintf(stderr, "bad JSON: %s\n", jerr.text);
		return -EINVAL;
	}
	r = bpf_content_encode(j, prof, &msg);
	json_decref(j);
	if (r < 0) {
		fprintf(stderr, "bad BpfContent: %s\n", msg ? msg : strerror(-r));
		return r;
	}
	prof->mode = m;
	return bpf_enforcer_set_profile(e, name, prof);
}

static int cmd_list(struct bpf_enforcer *e)
{
	_cleanup_free_ struct bpf_binding *b = NULL;
	_cleanup_(strv_freep) char **names = NULL;
	size_t n = 0;
	int r;

	r = bpf_enforcer_list_profiles(e, &names, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		printf("profile %s\n", names[i]);
	r = bpf_enforcer_list_bindings(e, &b, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		printf("binding %" PRIu64 " %s %s\n", b[i].cgroup_id, b[i].profile,
		       b[i].info.container_id);
	return 0;
}

static int run(struct bpf_enforcer *e, int argc, char **argv)
{
	const char *c = argv[1];
	struct bpf_container_info info = {};
	struct bpf_enforcer_stats st;
	struct bpf_binding b;
	uint64_t id = 0;
	int r;

	if (!strcmp(c, "load") || !strcmp(c, "stats")) {
		bpf_enforcer_stats(e, &st);
		printf("took_over=%d programs=%u profiles=%u bindings=%u dropped=%" PRIu64 "\n",
		       st.took_over, st.n_programs, st.n_profiles, st.n_bindings,
		       st.events_dropped);
		return 0;
	}
	if (!strcmp(c, "set") && argc == 5)
		return cmd_set(e, argv[2], argv[3], argv[4]);
	if (!strcmp(c, "remove") && argc == 3)
		return bpf_enforcer_remove_profile(e, argv[2]);
	if (!strcmp(c, "list"))
		return cmd_list(e);
	if (!strcmp(c, "verified"))
		return cmd_verified();
	if (!strcmp(c, "events")) {
		r = bpf_enforcer_events_consume(e, print_event, e);
		return r < 0 ? r : 0;
	}
	if (argc >= 3) {
		r = cgroup_id(argv[argc - 1], &id);
		if (r < 0)
			return r;
	}
	if (!strcmp(c, "bind") && argc == 4) {
		snprintf(info.container_id, sizeof(info.container_id), "%s",
			 strrchr(argv[3], '/') ? strrchr(argv[3], '/') + 1 : argv[3]);
		return bpf_enforcer_bind(e, id, argv[2], &info);
	}
	if (!strcmp(c, "unbind") && argc == 3)
		return bpf_enforcer_unbind(e, id);
	if (!strcmp(c, "lookup") && argc == 3) {
		r = bpf_enforcer_lookup_binding(e, id, &b);
		if (r == -ENOENT)
			return 2;
		if (r < 0)
			return r;
		printf("%s\n", b.profile);
		return 0;
	}
	fprintf(stderr, "usage: see bpf/tests/bpf-lab.c\n");
	return -EINVAL;
}

int main(int argc, char **argv)
{
	_cleanup_(bpf_enforcer_freep) struct bpf_enforcer *e = NULL;
	_cleanup_free_ char *msg = NULL;
	int r;

	if (argc < 2) {
		fprintf(stderr, "usage: see bpf/tests/bpf-lab.c\n");
		return 1;
	}
	if (!strcmp(argv[1], "purge")) {
		r = bpf_enforcer_purge(pin_dir());
		return r < 0 ? 1 : 0;
	}
	r = bpf_enforcer_open(pin_dir(), &e, &msg);
	if (r < 0) {
		fprintf(stderr, "open: %s (%s)\n", msg ? msg : "", strerror(-r));
		return 1;
	}
	r = run(e, argc, argv);
	if (r == 2)
		return 2;
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	return 0;
}

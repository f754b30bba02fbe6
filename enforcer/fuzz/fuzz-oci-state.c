// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: the OCI state a hook reads on stdin, a bundle's config.json and runc's state.json. */
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enforcer/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* What every container handed out must satisfy. */
static void check_container(const struct oci_container *c)
{
	if (!terminated(c->id, sizeof(c->id)) || !c->id[0] ||
	    !terminated(c->bundle, sizeof(c->bundle)) || c->bundle[0] != '/' ||
	    !terminated(c->bpf_profile, sizeof(c->bpf_profile)) || c->pid < 0 ||
	    !terminated(c->info.container_name, sizeof(c->info.container_name)) ||
	    !terminated(c->info.pod_name, sizeof(c->info.pod_name)) ||
	    !terminated(c->info.pod_namespace, sizeof(c->info.pod_namespace)) ||
	    !terminated(c->info.pod_uid, sizeof(c->info.pod_uid)) ||
	    (c->bpf_profile[0] && !c->info.container_name[0]) || strchr(c->bpf_profile, '/'))
		__builtin_trap();
}

static void parse_state(const char *s, size_t size)
{
	struct oci_container c;
	char *msg = NULL;

	memset(&c, 0x5a, sizeof(c));
	if (oci_container_from_state(s, size, &c, &msg) >= 0) {
		if (msg)
			__builtin_trap();
		check_container(&c);
	} else if (!msg || strchr(msg, '\n')) {
		/* a failure always has a one-line message: the hook prints it for the runtime */
		__builtin_trap();
	}
	free(msg);
}

static void found(void *userdata, const struct oci_container *c)
{
	(void)userdata;
	check_container(c);
}

/* A new file each time: truncating one in place makes ext4 flush it on close (slow). */
static void put(const char *path, const uint8_t *data, size_t size)
{
	int fd;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

static char dir[PATH_MAX], config[PATH_MAX], runc_root[PATH_MAX], runc_state[PATH_MAX];

static void cleanup(void)
{
	char p[PATH_MAX];

	(void)unlink(config);
	(void)unlink(runc_state);
	snprintf(p, sizeof(p), "%s/runc/c1", dir);
	(void)rmdir(p);
	(void)rmdir(runc_root);
	snprintf(p, sizeof(p), "%s/bundle", dir);
	(void)rmdir(p);
	(void)rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char state[PATH_MAX * 2];
	static bool ready;

	if (!ready) {
		/* tmpfs when there is one: the files are rewritten for every input */
		snprintf(dir, sizeof(dir), "/dev/shm/pavise-fuzz-oci-XXXXXX");
		if (!mkdtemp(dir)) {
			snprintf(dir, sizeof(dir), "/tmp/pavise-fuzz-oci-XXXXXX");
			if (!mkdtemp(dir))
				abort();
		}
		snprintf(config, sizeof(config), "%s/bundle", dir);
		snprintf(runc_root, sizeof(runc_root), "%s/runc", dir);
		snprintf(runc_state, sizeof(runc_state), "%s/runc/c1", dir);
		if (mkdir(config, 0700) < 0 || mkdir(runc_root, 0700) < 0 ||
		    mkdir(runc_state, 0700) < 0)
			abort();
		snprintf(
			state, sizeof(state),
			"{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":1,"
			"\"bundle\":\"%s\"}",
			config);
		strncat(config, "/config.json", sizeof(config) - strlen(config) - 1);
		strncat(runc_state, "/state.json", sizeof(runc_state) - strlen(runc_state) - 1);
		atexit(cleanup);
		ready = true;
	}

	/* the input as the state on stdin */
	parse_state((const char *)data, size);
	/* the input as the bundle's config.json of a state without annotations */
	put(config, data, size);
	parse_state(state, strlen(state));
	/* the input as runc's state.json of a container */
	put(runc_state, data, size);
	(void)oci_scan_runc_root(NULL, runc_root, found, NULL);
	return 0;
}

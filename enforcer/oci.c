// SPDX-License-Identifier: Apache-2.0
/* OCI containers as the runtime shows them: hook state, bundle annotations, cgroup ids, runc state dirs. */
#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "common/fileio.h"
#include "common/json-util.h"
#include "enforcer/oci.h"
#include "enforcer/profile-store.h"

#define OCI_PID_MAX	     4194304 /* PID_MAX_LIMIT on 64-bit kernels */
#define OCI_PROC_CGROUP_MAX  (64U * 1024) /* bytes of /proc/PID/cgroup */
#define OCI_PROC_STAT_MAX    4096U /* bytes of /proc/PID/stat */
#define OCI_ANNOTATIONS_MAX  4096U /* annotations of one container */
#define OCI_LABELS_MAX	     4096U /* labels in one runc state.json */
#define OCI_SCAN_ENTRIES_MAX 16384U /* directory entries looked at in one runc root */
#define OCI_VERSION_MAX	     64U
#define OCI_SHOW_MAX	     80U /* bytes of an untrusted value quoted in a message */

static const char LOCALHOST_PREFIX[] = "localhost/";

static int oci_error(char **reterr_msg, int r, const char *fmt, ...) _printf_(3, 4);
static int oci_error(char **reterr_msg, int r, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;

	if (!reterr_msg)
		return r;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	*reterr_msg = m;
	return r;
}

/* Copies an untrusted string for a message: printable ASCII only, cut at OCI_SHOW_MAX. */
static const char *shown(const char *s, char buf[static OCI_SHOW_MAX + 4])
{
	size_t i;

	for (i = 0; i < OCI_SHOW_MAX && s[i]; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* A runtime container id: 1..BPF_CONTAINER_ID_MAX of [A-Za-z0-9_+.-], never "." or "..". */
static bool container_id_is_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > BPF_CONTAINER_ID_MAX || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return false;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-") ==
	       n;
}

/* Kubernetes names and uids: [A-Za-z0-9._-], shorter than size. */
static bool k8s_word_is_valid(const char *s, size_t size)
{
	size_t n = strlen(s);

	return n > 0 && n < size &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* An optional CRI annotation copied into dst; -EINVAL when it is not a plausible name. */
static int copy_cri(const json_t *ann, const char *where, const char *key, char *dst, size_t size,
		    char **reterr_msg)
{
	const char *v = json_string_value(json_object_get(ann, key));
	char b[OCI_SHOW_MAX + 4];

	if (!v)
		return 0;
	if (!k8s_word_is_valid(v, size))
		return oci_error(reterr_msg, -EINVAL,
				 "%s.\"%s\": '%s' is not a name of 1-%zu bytes of [A-Za-z0-9._-]",
				 where, key, shown(v, b), size - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* CRI-O names the same things differently; containerd's keys win when both are there. */
#define CRIO_CONTAINER_TYPE "io.kubernetes.cri-o.ContainerType"
#define IDENTITY(field, cri, crio)                                         \
	{                                                                  \
		cri, crio, offsetof(struct bpf_container_info, field),     \
			sizeof(((struct bpf_container_info *)NULL)->field) \
	}
static const struct {
	const char *cri, *crio;
	size_t offset, size;
} identity[] = {
	IDENTITY(container_name, OCI_CRI_CONTAINER_NAME, "io.kubernetes.container.name"),
	IDENTITY(pod_namespace, OCI_CRI_SANDBOX_NS, "io.kubernetes.pod.namespace"),
	IDENTITY(pod_name, OCI_CRI_SANDBOX_NAME, "io.kubernetes.pod.name"),
	IDENTITY(pod_uid, OCI_CRI_SANDBOX_UID, "io.kubernetes.pod.uid"),
};

/*
 * Fills the identity and the BPF profile of c from the annotations (NULL:
 * none). `where` names the annotations in messages.
 */
static int apply_annotations(const json_t *ann, const char *where, struct oci_container *c,
			     char **reterr_msg)
{
	char key[sizeof(OCI_BPF_ANNOTATION_PREFIX) + sizeof(c->info.container_name)];
	char b[OCI_SHOW_MAX + 4];
	const char *k, *type, *type_key, *v;
	bool has_bpf = false;
	json_t *val;
	int r;

	if (!ann)
		return 0;
	if (!json_is_object(ann))
		return oci_error(reterr_msg, -EINVAL, "%s: not an object", where);
	if (json_object_size(ann) > OCI_ANNOTATIONS_MAX)
		return oci_error(reterr_msg, -EFBIG, "%s: more than %u entries", where,
				 OCI_ANNOTATIONS_MAX);
	json_object_foreach((json_t *)ann, k, val) {
		if (!json_is_string(val))
			return oci_error(reterr_msg, -EINVAL, "%s.\"%s\": not a string", where,
					 shown(k, b));
		if (strncmp(k, OCI_BPF_ANNOTATION_PREFIX, strlen(OCI_BPF_ANNOTATION_PREFIX)) == 0)
			has_bpf = true;
	}

	type_key = json_object_get(ann, OCI_CRI_CONTAINER_TYPE) ? OCI_CRI_CONTAINER_TYPE :
								  CRIO_CONTAINER_TYPE;
	type = json_string_value(json_object_get(ann, type_key));
	if (type && strcmp(type, "container") != 0 && strcmp(type, "sandbox") != 0)
		return oci_error(reterr_msg, -EINVAL,
				 "%s.\"%s\": '%s' is neither 'container' nor 'sandbox'", where,
				 type_key, shown(type, b));
	for (size_t i = 0; i < ELEMENTSOF(identity); i++) {
		const char *key_used = json_object_get(ann, identity[i].cri) ? identity[i].cri :
									       identity[i].crio;

		r = copy_cri(ann, where, key_used, (char *)&c->info + identity[i].offset,
			     identity[i].size, reterr_msg);
		if (r < 0)
			return r;
	}

	/* The pod's sandbox (pause) container runs no workload: never bound. */
	if (type && strcmp(type, "sandbox") == 0)
		return 0;
	if (!c->info.container_name[0]) {
		if (has_bpf)
			return oci_error(reterr_msg, -EINVAL,
					 "%s: a '" OCI_BPF_ANNOTATION_PREFIX
					 "' annotation but no '" OCI_CRI_CONTAINER_NAME
					 "' to tell which container it is for",
					 where);
		return 0;
	}

	snprintf(key, sizeof(key), "%s%s", OCI_BPF_ANNOTATION_PREFIX, c->info.container_name);
	v = json_string_value(json_object_get(ann, key));
	/* "unconfined" is vArmor's opt-out, written by the webhook. */
	if (!v || strcmp(v, "unconfined") == 0)
		return 0;
	if (strncmp(v, LOCALHOST_PREFIX, strlen(LOCALHOST_PREFIX)) != 0 ||
	    !profile_name_is_valid(v + strlen(LOCALHOST_PREFIX)))
		return oci_error(
			reterr_msg, -ENOENT,
			"%s.\"%s\": '%s' is not 'localhost/<profile>' with a valid profile "
			"name (1-%u bytes of a-z, 0-9, '-', '.', '_')",
			where, key, shown(v, b), ARMOR_NAME_MAX);
	v += strlen(LOCALHOST_PREFIX);
	memcpy(c->bpf_profile, v, strlen(v) + 1);
	return 0;
}

/*
 * Reads the regular file `name` under the directory dfd without following a
 * symlink in its last component; NUL-terminated, caller frees.
 */
static int read_regular_at(int dfd, const char *name, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *data = NULL;
	size_t want, got = 0;
	struct stat st;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	if (st.st_size < 0 || (uint64_t)st.st_size > max)
		return -EFBIG;
	/* One byte more than announced, to notice a file that grows under us. */
	want = (size_t)st.st_size + 1;
	data = malloc(want + 1);
	if (!data)
		return -ENOMEM;
	while (got < want) {
		ssize_t k = read(fd, data + got, want - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	if (got == want)
		return -EBUSY;
	data[got] = '\0';
	*ret = TAKE_PTR(data);
	*ret_len = got;
	return 0;
}

static const char *read_error(int r)
{
	switch (r) {
	case -ELOOP:
		return "a symlink, refused";
	case -EBADFD:
		return "not a regular file";
	case -EBUSY:
		return "changed while being read";
	default:
		return strerror(-r);
	}
}

/* The annotations of <prefix><bundle>/config.json (new reference in *ret; NULL when absent). */
static int bundle_annotations(const char *prefix, const char *bundle, json_t **ret,
			      char **reterr_msg)
{
	_cleanup_close_ int dfd = -EBADF;
	_cleanup_free_ char *data = NULL;
	json_auto_t *config = NULL;
	char path[PATH_MAX], b[OCI_SHOW_MAX + 4];
	json_error_t jerr;
	json_t *ann;
	size_t len;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s%s", prefix, bundle) >= sizeof(path))
		return oci_error(reterr_msg, -ENAMETOOLONG, "bundle: path too long");
	/* The bundle directory is the runtime's own choice; only config.json is checked. */
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return oci_error(reterr_msg, -errno, "bundle '%s': %m", shown(bundle, b));
	r = read_regular_at(dfd, "config.json", OCI_CONFIG_MAX, &data, &len);
	if (r == -EFBIG)
		return oci_error(reterr_msg, r, "%s/config.json: more than %u bytes",
				 shown(bundle, b), OCI_CONFIG_MAX);
	if (r < 0)
		return oci_error(reterr_msg, r, "%s/config.json: %s", shown(bundle, b),
				 read_error(r));
	config = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!config)
		return oci_error(reterr_msg, -EINVAL,
				 "config.json of bundle '%s': not JSON (line %d)", shown(bundle, b),
				 jerr.line);
	if (!json_is_object(config))
		return oci_error(reterr_msg, -EINVAL, "%s/config.json: not a JSON object",
				 shown(bundle, b));
	ann = json_object_get(config, "annotations");
	*ret = ann ? json_incref(ann) : NULL;
	return 0;
}

static bool path_is_absolute_and_fits(const char *p, size_t size)
{
	return p[0] == '/' && strlen(p) < size;
}

int oci_container_from_state(const char *state, size_t len, struct oci_container *ret,
			     char **reterr_msg)
{
	json_auto_t *root = NULL, *from_config = NULL;
	struct oci_container c = {};
	const char *version, *id, *status, *bundle;
	const json_t *ann, *pid;
	char b[OCI_SHOW_MAX + 4];
	json_error_t jerr;
	bool pid_required;
	int r;

	assert(ret);

	if (!state)
		return oci_error(reterr_msg, -EINVAL, "state: missing");
	if (len > OCI_STATE_MAX)
		return oci_error(reterr_msg, -EFBIG, "state: more than %u bytes", OCI_STATE_MAX);
	root = json_loadb(state, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return oci_error(reterr_msg, -EINVAL, "state: not JSON: %s (line %d)",
				 shown(jerr.text, b), jerr.line);
	if (!json_is_object(root))
		return oci_error(reterr_msg, -EINVAL, "state: not a JSON object");

	version = json_string_value(json_object_get(root, "ociVersion"));
	if (!version || !version[0] || strlen(version) > OCI_VERSION_MAX)
		return oci_error(reterr_msg, -EINVAL, "state.ociVersion: missing or not a version");

	id = json_string_value(json_object_get(root, "id"));
	if (!id)
		return oci_error(reterr_msg, -EINVAL, "state.id: missing or not a string");
	if (!container_id_is_valid(id))
		return oci_error(reterr_msg, -EINVAL,
				 "state.id: '%s' is not 1-%u bytes of [A-Za-z0-9_+.-]",
				 shown(id, b), BPF_CONTAINER_ID_MAX);
	memcpy(c.id, id, strlen(id) + 1);
	memcpy(c.info.container_id, id, strlen(id) + 1);

	status = json_string_value(json_object_get(root, "status"));
	if (!status)
		return oci_error(reterr_msg, -EINVAL, "state.status: missing or not a string");
	if (strcmp(status, "creating") != 0 && strcmp(status, "created") != 0 &&
	    strcmp(status, "running") != 0 && strcmp(status, "stopped") != 0 &&
	    strcmp(status, "paused") != 0)
		return oci_error(reterr_msg, -EINVAL, "state.status: unknown status '%s'",
				 shown(status, b));
	/* The runtime spec requires the pid once created; runc also gives it while creating. */
	pid_required = strcmp(status, "created") == 0 || strcmp(status, "running") == 0;

	pid = json_object_get(root, "pid");
	if (pid && !json_is_null(pid)) {
		if (!json_is_integer(pid) || json_integer_value(pid) < 1 ||
		    json_integer_value(pid) > OCI_PID_MAX)
			return oci_error(reterr_msg, -EINVAL, "state.pid: not a process id (1-%d)",
					 OCI_PID_MAX);
		c.pid = (int)json_integer_value(pid);
	} else if (pid_required) {
		return oci_error(reterr_msg, -EINVAL, "state.pid: missing for status '%s'", status);
	}

	bundle = json_string_value(json_object_get(root, "bundle"));
	if (!bundle)
		return oci_error(reterr_msg, -EINVAL, "state.bundle: missing or not a string");
	if (!path_is_absolute_and_fits(bundle, sizeof(c.bundle)))
		return oci_error(
			reterr_msg, -EINVAL,
			"state.bundle: '%s' is not an absolute path shorter than %zu bytes",
			shown(bundle, b), sizeof(c.bundle));
	memcpy(c.bundle, bundle, strlen(bundle) + 1);

	ann = json_object_get(root, "annotations");
	if (ann && !json_is_null(ann) && !json_is_object(ann))
		return oci_error(reterr_msg, -EINVAL, "state.annotations: not an object");
	if (ann && json_object_size(ann) > 0) {
		r = apply_annotations(ann, "state.annotations", &c, reterr_msg);
	} else {
		/* runc leaves empty annotations out; the bundle has the spec. */
		r = bundle_annotations("", c.bundle, &from_config, reterr_msg);
		if (r >= 0)
			r = apply_annotations(from_config, "config.json annotations", &c,
					      reterr_msg);
	}
	if (r < 0)
		return r;

	*ret = c;
	return 0;
}

/* host_root as a prefix for absolute paths: "" for the real root. */
static const char *root_prefix(const char *host_root)
{
	if (!host_root || strcmp(host_root, "/") == 0)
		return "";
	return host_root;
}

/* A cgroup path from /proc/PID/cgroup: absolute, no empty, "." or ".." component, no control bytes. */
static bool cgroup_path_is_safe(const char *p)
{
	if (p[0] != '/')
		return false;
	if (strcmp(p, "/") == 0)
		return true;
	for (const char *s = p + 1;;) {
		size_t n = strcspn(s, "/");

		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				return false;
		if (!s[n])
			return true;
		s += n + 1;
	}
}

int oci_cgroup_id_of_pid(const char *host_root, int pid, uint64_t *ret_id)
{
	const char *prefix = root_prefix(host_root);
	_cleanup_free_ char *data = NULL;
	char path[PATH_MAX], *line, *end;
	struct statfs sfs;
	struct stat st;
	size_t len;
	int r;

	assert(ret_id);

	if (pid < 1 || pid > OCI_PID_MAX)
		return -EINVAL;
	if ((size_t)snprintf(path, sizeof(path), "%s/proc/%d/cgroup", prefix, pid) >= sizeof(path))
		return -ENAMETOOLONG;
	r = read_full_file(path, OCI_PROC_CGROUP_MAX, &data, &len);
	if (r == -ESRCH)
		return -ENOENT;
	if (r < 0)
		return r;
	if (memchr(data, '\0', len))
		return -EINVAL;

	/* The cgroup v2 entry is the one of hierarchy 0 with no controllers: "0::PATH". */
	for (line = data;; line = end + 1) {
		end = strchr(line, '\n');
		if (end)
			*end = '\0';
		if (strncmp(line, "0::", 3) == 0)
			break;
		if (!end)
			return -EOPNOTSUPP;
	}
	line += 3;
	if (!cgroup_path_is_safe(line))
		return -EINVAL;

	if ((size_t)snprintf(path, sizeof(path), "%s/sys/fs/cgroup", prefix) >= sizeof(path))
		return -ENAMETOOLONG;
	/* On the real root the hierarchy must be cgroup2 (not the hybrid layout's tmpfs). */
	if (!prefix[0]) {
		if (statfs(path, &sfs) < 0)
			return -errno;
		if (sfs.f_type != CGROUP2_SUPER_MAGIC)
			return -EOPNOTSUPP;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/sys/fs/cgroup%s", prefix, line) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* A cgroup's id is its kernfs inode number (what bpf_get_current_cgroup_id() returns). */
	*ret_id = (uint64_t)st.st_ino;
	return 0;
}

/* Field 22 of /proc/PID/stat (start time in clock ticks); -ENOENT when the process is gone. */
static int process_start_time(const char *prefix, int pid, unsigned long long *ret)
{
	_cleanup_free_ char *data = NULL;
	char path[PATH_MAX], *p;
	size_t len;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/proc/%d/stat", prefix, pid) >= sizeof(path))
		return -ENAMETOOLONG;
	r = read_full_file(path, OCI_PROC_STAT_MAX, &data, &len);
	if (r == -ESRCH)
		return -ENOENT;
	if (r < 0)
		return r;
	/* The command name may hold anything, ')' too: fields start after the last ')'. */
	p = strrchr(data, ')');
	if (!p)
		return -EINVAL;
	p++;
	/* After ')': state is field 3, so the start time is the 20th field from here. */
	for (int field = 3; field < 22; field++) {
		p += strspn(p, " ");
		p += strcspn(p, " ");
		if (!*p)
			return -EINVAL;
	}
	p += strspn(p, " ");
	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	*ret = strtoull(p, NULL, 10);
	return errno ? -errno : 0;
}

/* The bundle from runc's labels ("bundle=PATH"), and the others as annotations. */
static int runc_labels(const json_t *labels, const char **ret_bundle, json_t **ret_ann)
{
	json_auto_t *ann = json_object();
	const char *bundle = NULL;
	size_t i;
	json_t *l;

	if (!ann)
		return -ENOMEM;
	if (!json_is_array(labels) || json_array_size(labels) > OCI_LABELS_MAX)
		return -EINVAL;
	json_array_foreach(labels, i, l) {
		const char *s = json_string_value(l), *eq;
		_cleanup_free_ char *k = NULL;

		if (!s)
			return -EINVAL;
		eq = strchr(s, '=');
		if (!eq)
			continue;
		if (strncmp(s, "bundle=", 7) == 0) {
			bundle = eq + 1;
			continue;
		}
		k = strndup(s, (size_t)(eq - s));
		if (!k)
			return -ENOMEM;
		if (json_object_set_new(ann, k, json_string(eq + 1)) < 0)
			return -EINVAL;
	}
	if (!bundle)
		return -ENOENT;
	*ret_bundle = bundle;
	*ret_ann = TAKE_PTR(ann);
	return 0;
}

/* One entry of a runc root: 0 and *c filled for a running container, negative otherwise. */
static int scan_one(const char *prefix, int root_fd, const char *name, struct oci_container *c)
{
	_cleanup_close_ int dfd = -EBADF;
	_cleanup_free_ char *data = NULL;
	json_auto_t *st = NULL, *label_ann = NULL, *config_ann = NULL;
	const json_t *start, *pid;
	unsigned long long ticks;
	const char *bundle;
	size_t len;
	int r;

	*c = (struct oci_container){};
	if (!container_id_is_valid(name))
		return -EINVAL;
	dfd = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	r = read_regular_at(dfd, "state.json", OCI_CONFIG_MAX, &data, &len);
	if (r < 0)
		return r;
	st = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(st))
		return -EINVAL;
	if (!json_is_string(json_object_get(st, "id")) ||
	    strcmp(json_string_value(json_object_get(st, "id")), name) != 0)
		return -EINVAL;
	pid = json_object_get(st, "init_process_pid");
	if (!json_is_integer(pid) || json_integer_value(pid) < 1 ||
	    json_integer_value(pid) > OCI_PID_MAX)
		return -EINVAL;
	r = runc_labels(json_path(st, "config", "labels", NULL), &bundle, &label_ann);
	if (r < 0)
		return r;
	if (!path_is_absolute_and_fits(bundle, sizeof(c->bundle)))
		return -EINVAL;

	/* Alive, and the same process runc started (not a reused pid). */
	r = process_start_time(prefix, (int)json_integer_value(pid), &ticks);
	if (r < 0)
		return r;
	start = json_object_get(st, "init_process_start");
	if (start &&
	    (!json_is_integer(start) || (unsigned long long)json_integer_value(start) != ticks))
		return -ESRCH;

	memcpy(c->id, name, strlen(name) + 1);
	memcpy(c->info.container_id, name, strlen(name) + 1);
	memcpy(c->bundle, bundle, strlen(bundle) + 1);
	c->pid = (int)json_integer_value(pid);
	/* The bundle's spec when it is still there; runc's copy in its labels otherwise. */
	if (bundle_annotations(prefix, bundle, &config_ann, NULL) >= 0)
		return apply_annotations(config_ann, "annotations", c, NULL);
	return apply_annotations(label_ann, "annotations", c, NULL);
}

static void closedirp(DIR **d)
{
	if (*d)
		(void)closedir(*d);
}

int oci_scan_runc_root(const char *host_root, const char *root, oci_scan_fn fn, void *userdata)
{
	const char *prefix = root_prefix(host_root);
	_cleanup_(closedirp) DIR *d = NULL;
	unsigned n_entries = 0;
	char path[PATH_MAX];
	int n_found = 0;

	if (!root || root[0] != '/' || !fn)
		return -EINVAL;
	if ((size_t)snprintf(path, sizeof(path), "%s%s", prefix, root) >= sizeof(path))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	for (;;) {
		struct oci_container c;
		struct dirent *de;

		errno = 0;
		de = readdir(d);
		if (!de)
			return errno ? -errno : n_found;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++n_entries > OCI_SCAN_ENTRIES_MAX)
			return -E2BIG;
		if (scan_one(prefix, dirfd(d), de->d_name, &c) < 0)
			continue;
		fn(userdata, &c);
		n_found++;
	}
}

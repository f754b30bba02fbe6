// SPDX-License-Identifier: Apache-2.0
/* OCI hook state, bundle annotations, cgroup ids and runc state directories, against temporary trees. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <libgen.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "enforcer/oci.h"
#include "enforcer/tests/fixtures.h"
#include "tests/lib/testlib.h"

#define BPF_KEY "container.bpf.security.beta.varmor.org/"

/* Writes text to the file named by the format (parents created). */
static void put(const char *text, const char *fmt, ...) _printf_(2, 3);
static void put(const char *text, const char *fmt, ...)
{
	char path[2048], dir[2048];
	va_list ap;

	va_start(ap, fmt);
	assert_true((size_t)vsnprintf(path, sizeof(path), fmt, ap) < sizeof(path));
	va_end(ap);
	memcpy(dir, path, sizeof(dir));
	assert_int_equal(mkdir_p(dirname(dir), 0755), 0);
	assert_int_equal(write_file_atomic(path, text, strlen(text), 0644), 0);
}

/* A state as runc gives it; annotations is the JSON text of the object, or NULL to leave it out. */
static char *state_json(const char *id, const char *bundle, const char *annotations)
{
	char *s = NULL;

	if (annotations)
		assert_true(
			asprintf(&s,
				 "{\"ociVersion\":\"1.0.2\",\"id\":\"%s\",\"status\":\"creating\","
				 "\"pid\":4242,\"bundle\":\"%s\",\"annotations\":%s}",
				 id, bundle, annotations) > 0);
	else
		assert_true(
			asprintf(&s,
				 "{\"ociVersion\":\"1.0.2\",\"id\":\"%s\",\"status\":\"creating\","
				 "\"pid\":4242,\"bundle\":\"%s\"}",
				 id, bundle) > 0);
	return s;
}

#define CRI_APP                                               \
	"\"io.kubernetes.cri.container-type\":\"container\"," \
	"\"io.kubernetes.cri.container-name\":\"app\","       \
	"\"io.kubernetes.cri.sandbox-name\":\"web-0\","       \
	"\"io.kubernetes.cri.sandbox-namespace\":\"shop\","   \
	"\"io.kubernetes.cri.sandbox-uid\":\"6f1c2a7e-0d1b-4c1e-9a55-3f1f7a2b9c10\""

static int parse(const char *s, struct oci_container *c, char **msg)
{
	free(*msg);
	*msg = NULL;
	return oci_container_from_state(s, strlen(s), c, msg);
}

/* The profile and the names a binding records. */
static void assert_bound_as(const struct oci_container *c, const char *profile, const char *name,
			    const char *ns, const char *pod, const char *uid)
{
	assert_string_equal(c->bpf_profile, profile);
	assert_string_equal(c->info.container_name, name);
	assert_string_equal(c->info.pod_namespace, ns);
	assert_string_equal(c->info.pod_name, pod);
	assert_string_equal(c->info.pod_uid, uid);
}

static void test_state_with_annotations(void **state)
{
	_cleanup_free_ char *s = state_json("abc123", "/nonexistent/bundle",
					    "{" CRI_APP ",\"" BPF_KEY
					    "app\":\"localhost/varmor-shop-web\","
					    "\"" BPF_KEY "sidecar\":\"localhost/other\"}");
	_cleanup_free_ char *msg = NULL;
	struct oci_container c;

	(void)state;
	assert_int_equal(parse(s, &c, &msg), 0);
	assert_null(msg);
	assert_string_equal(c.id, "abc123");
	assert_int_equal(c.pid, 4242);
	assert_string_equal(c.bundle, "/nonexistent/bundle");
	assert_string_equal(c.info.container_id, "abc123");
	assert_bound_as(&c, "varmor-shop-web", "app", "shop", "web-0",
			"6f1c2a7e-0d1b-4c1e-9a55-3f1f7a2b9c10");

	/* CRI-O's keys for the same identity */
	free(s);
	s = state_json(
		"abc", "/b",
		"{\"io.kubernetes.cri-o.ContainerType\":\"container\","
		"\"io.kubernetes.container.name\":\"app\",\"io.kubernetes.pod.name\":\"web-0\","
		"\"io.kubernetes.pod.namespace\":\"shop\",\"io.kubernetes.pod.uid\":\"u-1\","
		"\"" BPF_KEY "app\":\"localhost/web\"}");
	assert_int_equal(parse(s, &c, &msg), 0);
	assert_bound_as(&c, "web", "app", "shop", "web-0", "u-1");

	free(s);
	s = state_json("abc", "/b",
		       "{\"io.kubernetes.cri-o.ContainerType\":\"sandbox\","
		       "\"io.kubernetes.container.name\":\"app\",\"" BPF_KEY
		       "app\":\"localhost/web\"}");
	assert_int_equal(parse(s, &c, &msg), 0);
	assert_string_equal(c.bpf_profile, "");
	free(s);
	s = state_json("abc", "/b", "{\"io.kubernetes.cri-o.ContainerType\":\"pod\"}");
	assert_int_equal(parse(s, &c, &msg), -EINVAL);
	assert_non_null(strstr(msg, "io.kubernetes.cri-o.ContainerType"));
	free(s);
	/* containerd's key wins when both are there */
	s = state_json("abc", "/b",
		       "{\"io.kubernetes.container.name\":\"other\"," CRI_APP ",\"" BPF_KEY
		       "app\":\"localhost/web\"}");
	assert_int_equal(parse(s, &c, &msg), 0);
	assert_string_equal(c.info.container_name, "app");
	assert_string_equal(c.bpf_profile, "web");
}

static void test_state_without_profile(void **state)
{
	static const char *const cases[] = {
		/* no BPF annotation at all */
		"{" CRI_APP "}",
		/* another container's annotation only */
		"{" CRI_APP ",\"" BPF_KEY "sidecar\":\"localhost/p\"}",
		/* vArmor's opt-out */
		"{" CRI_APP ",\"" BPF_KEY "app\":\"unconfined\"}",
		/* the sandbox container of a pod, even with the pod's annotations */
		"{\"io.kubernetes.cri.container-type\":\"sandbox\",\"" BPF_KEY
		"app\":\"localhost/p\"}",
		"{\"io.kubernetes.cri.container-type\":\"sandbox\","
		"\"io.kubernetes.cri.container-name\":\"app\",\"" BPF_KEY "app\":\"localhost/p\"}",
		/* not a Kubernetes container */
		"{\"org.example\":\"x\"}",
	};
	_cleanup_free_ char *msg = NULL;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *s = state_json("c", "/nonexistent", cases[i]);
		struct oci_container c;

		if (parse(s, &c, &msg) != 0)
			fail_msg("case %zu: %s", i, strna(msg));
		assert_string_equal(c.bpf_profile, "");
	}
}

static void test_hostile_profiles(void **state)
{
	static const char *const values[] = {
		"localhost/../../etc/shadow",
		"localhost/",
		"localhost/UPPER",
		"localhost/a b",
		"localhost/-leading",
		"localhost/trailing.",
		"localhost/a/b",
		"Localhost/p",
		"runtime/default",
		"p",
		"",
		"localhost/p\\n",
		"localhost/0123456789012345678901234567890123456789012345678901234567890123",
	};
	_cleanup_free_ char *msg = NULL;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(values); i++) {
		_cleanup_free_ char *ann = NULL, *s = NULL;
		struct oci_container c;

		assert_true(asprintf(&ann, "{" CRI_APP ",\"" BPF_KEY "app\":\"%s\"}", values[i]) >
			    0);
		s = state_json("c", "/b", ann);
		if (parse(s, &c, &msg) != -ENOENT)
			fail_msg("value '%s' was not refused", values[i]);
		assert_non_null(msg);
		assert_non_null(strstr(msg, BPF_KEY "app"));
		assert_null(strchr(msg, '\n'));
	}
}

static void test_malformed_states(void **state)
{
	static const struct {
		const char *json;
		const char *field; /* in the message */
	} cases[] = {
		{ "", "state" },
		{ "[]", "state" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"creating\",\"bundle\":\"/b\",,}",
		  "state" },
		{ "{\"id\":\"c\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"/b\"}",
		  "ociVersion" },
		{ "{\"ociVersion\":1,\"id\":\"c\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"/b\"}",
		  "ociVersion" },
		{ "{\"ociVersion\":\"1\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"/b\"}",
		  "state.id" },
		{ "{\"ociVersion\":\"1\",\"id\":\"../x\",\"status\":\"creating\",\"pid\":1,"
		  "\"bundle\":\"/b\"}",
		  "state.id" },
		{ "{\"ociVersion\":\"1\",\"id\":\"..\",\"status\":\"creating\",\"pid\":1,"
		  "\"bundle\":\"/b\"}",
		  "state.id" },
		{ "{\"ociVersion\":\"1\",\"id\":\"0123456789012345678901234567890123456789012345678901"
		  "2345678901234\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"/b\"}",
		  "state.id" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"exploded\",\"pid\":1,\"bundle\":\"/b\"}",
		  "state.status" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"pid\":1,\"bundle\":\"/b\"}",
		  "state.status" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"running\",\"bundle\":\"/b\"}",
		  "state.pid" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"creating\",\"pid\":-5,\"bundle\":\"/b\"}",
		  "state.pid" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"creating\",\"pid\":1.5,"
		  "\"bundle\":\"/b\"}",
		  "state.pid" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"creating\",\"pid\":\"7\","
		  "\"bundle\":\"/b\"}",
		  "state.pid" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"creating\",\"pid\":99999999999,"
		  "\"bundle\":\"/b\"}",
		  "state.pid" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"creating\",\"pid\":1}",
		  "state.bundle" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"creating\",\"pid\":1,"
		  "\"bundle\":\"relative/b\"}",
		  "state.bundle" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"/b\","
		  "\"annotations\":[]}",
		  "state.annotations" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"/b\","
		  "\"annotations\":{\"k\":5}}",
		  "state.annotations.\"k\"" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"/b\","
		  "\"annotations\":{\"io.kubernetes.cri.container-name\":\"a/b\"}}",
		  "io.kubernetes.cri.container-name" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"/b\","
		  "\"annotations\":{\"io.kubernetes.cri.container-type\":\"vm\"}}",
		  "io.kubernetes.cri.container-type" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"/b\","
		  "\"annotations\":{\"io.kubernetes.cri.sandbox-uid\":\"0123456789012345678901234567890"
		  "123456789\"}}",
		  "io.kubernetes.cri.sandbox-uid" },
		/* a profile annotation that names no container: which one would it be? */
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"/b\","
		  "\"annotations\":{\"" BPF_KEY "app\":\"localhost/p\"}}",
		  "io.kubernetes.cri.container-name" },
		/* duplicate keys would let two readers disagree */
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"id\":\"d\",\"status\":\"creating\",\"pid\":1,"
		  "\"bundle\":\"/b\"}",
		  "state" },
		{ "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"/b\","
		  "\"annotations\":{\"io.kubernetes.cri.container-name\":\"app\","
		  "\"io.kubernetes.cri.container-name\":\"other\"}}",
		  "state" },
	};
	_cleanup_free_ char *msg = NULL;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct oci_container c;
		int r = parse(cases[i].json, &c, &msg);

		if (r != -EINVAL)
			fail_msg("case %zu: %d, not -EINVAL", i, r);
		if (!msg || !strstr(msg, cases[i].field))
			fail_msg("case %zu: message '%s' does not name '%s'", i, strna(msg),
				 cases[i].field);
	}
	/* embedded NUL */
	free(msg);
	msg = NULL;
	assert_int_equal(oci_container_from_state("{\"a\":\"\\u0000\"}", 14,
						  &(struct oci_container){}, &msg),
			 -EINVAL);
}

static void test_state_cap(void **state)
{
	_cleanup_free_ char *big = malloc(OCI_STATE_MAX + 2), *msg = NULL;
	struct oci_container c;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', OCI_STATE_MAX + 1);
	big[0] = '{';
	big[OCI_STATE_MAX] = '}';
	big[OCI_STATE_MAX + 1] = '\0';
	assert_int_equal(oci_container_from_state(big, OCI_STATE_MAX + 1, &c, &msg), -EFBIG);
	assert_non_null(strstr(msg, "state"));
	assert_int_equal(oci_container_from_state(NULL, 0, &c, NULL), -EINVAL);
}

static void test_config_json_fallback(void **state)
{
	_cleanup_free_ char *dir = testlib_tmpdir(), *s = NULL, *b = NULL, *msg = NULL;
	struct oci_container c;

	(void)state;
	put("{\"ociVersion\":\"1.0.2\",\"annotations\":{" CRI_APP ",\"" BPF_KEY
	    "app\":\"localhost/from-config\"}}",
	    "%s/bundle/config.json", dir);
	assert_true(asprintf(&b, "%s/bundle", dir) > 0);
	/* no annotations in the state, and empty ones: both read config.json */
	s = state_json("c1", b, NULL);
	assert_int_equal(parse(s, &c, &msg), 0);
	assert_string_equal(c.bpf_profile, "from-config");
	assert_string_equal(c.info.pod_namespace, "shop");
	free(s);
	s = state_json("c1", b, "{}");
	assert_int_equal(parse(s, &c, &msg), 0);
	assert_string_equal(c.bpf_profile, "from-config");

	/* config.json without annotations: nothing to bind */
	put("{\"ociVersion\":\"1.0.2\"}", "%s/bundle/config.json", dir);
	assert_int_equal(parse(s, &c, &msg), 0);
	assert_string_equal(c.bpf_profile, "");

	/* a hostile value in config.json is refused just the same */
	put("{\"annotations\":{" CRI_APP ",\"" BPF_KEY "app\":\"localhost/../x\"}}",
	    "%s/bundle/config.json", dir);
	assert_int_equal(parse(s, &c, &msg), -ENOENT);
	assert_non_null(strstr(msg, "config.json"));

	put("{\"annotations\":", "%s/bundle/config.json", dir);
	assert_int_equal(parse(s, &c, &msg), -EINVAL);
	assert_non_null(strstr(msg, "config.json"));
	put("[1]", "%s/bundle/config.json", dir);
	assert_int_equal(parse(s, &c, &msg), -EINVAL);
	put("{\"annotations\":7}", "%s/bundle/config.json", dir);
	assert_int_equal(parse(s, &c, &msg), -EINVAL);
	assert_non_null(strstr(msg, "annotations"));
	fixture_rm_rf(dir);
}

static void test_config_json_hostile_files(void **state)
{
	_cleanup_free_ char *dir = testlib_tmpdir(), *s = NULL, *b = NULL, *p = NULL, *msg = NULL;
	struct oci_container c;
	int fd;

	(void)state;
	put("{\"annotations\":{" CRI_APP ",\"" BPF_KEY "app\":\"localhost/p\"}}", "%s/real.json",
	    dir);
	assert_true(asprintf(&b, "%s/bundle", dir) > 0);
	assert_int_equal(mkdir(b, 0755), 0);
	s = state_json("c1", b, NULL);

	/* missing */
	assert_int_equal(parse(s, &c, &msg), -ENOENT);
	assert_non_null(strstr(msg, "config.json"));

	/* a symlink out of the bundle is not followed */
	assert_true(asprintf(&p, "%s/config.json", b) > 0);
	assert_int_equal(symlink("../real.json", p), 0);
	assert_int_equal(parse(s, &c, &msg), -ELOOP);
	assert_non_null(strstr(msg, "symlink"));
	assert_int_equal(unlink(p), 0);

	/* a FIFO would block a reader: refused without opening it for blocking reads */
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(parse(s, &c, &msg), -EBADFD);
	assert_non_null(strstr(msg, "regular"));
	assert_int_equal(unlink(p), 0);

	/* a directory */
	assert_int_equal(mkdir(p, 0755), 0);
	assert_true(parse(s, &c, &msg) < 0);
	assert_int_equal(rmdir(p), 0);

	/* over the cap (sparse, so cheap) */
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)OCI_CONFIG_MAX + 1), 0);
	close(fd);
	assert_int_equal(parse(s, &c, &msg), -EFBIG);
	assert_non_null(strstr(msg, "config.json"));

	/* the bundle itself missing */
	free(s);
	s = state_json("c1", "/nonexistent/pavise/bundle", NULL);
	assert_int_equal(parse(s, &c, &msg), -ENOENT);
	assert_non_null(strstr(msg, "bundle"));
	fixture_rm_rf(dir);
}

static void test_cgroup_id(void **state)
{
	_cleanup_free_ char *root = testlib_tmpdir(), *p = NULL;
	struct stat st;
	uint64_t id = 0;

	(void)state;
	put("12:pids:/kubepods\n1:name=systemd:/x\n0::/kubepods/besteffort/pod1/c1\n",
	    "%s/proc/100/cgroup", root);
	assert_true(asprintf(&p, "%s/sys/fs/cgroup/kubepods/besteffort/pod1/c1", root) > 0);
	assert_int_equal(mkdir_p(p, 0755), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(oci_cgroup_id_of_pid(root, 100, &id), 0);
	assert_int_equal(id, (uint64_t)st.st_ino);

	/* the root cgroup */
	put("0::/\n", "%s/proc/101/cgroup", root);
	assert_int_equal(oci_cgroup_id_of_pid(root, 101, &id), 0);
	free(p);
	assert_true(asprintf(&p, "%s/sys/fs/cgroup", root) > 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(id, (uint64_t)st.st_ino);

	/* gone, no such cgroup, not cgroup v2, bad pids */
	assert_int_equal(oci_cgroup_id_of_pid(root, 102, &id), -ENOENT);
	put("0::/kubepods/gone\n", "%s/proc/103/cgroup", root);
	assert_int_equal(oci_cgroup_id_of_pid(root, 103, &id), -ENOENT);
	put("4:memory:/x\n1:cpu:/x\n", "%s/proc/104/cgroup", root);
	assert_int_equal(oci_cgroup_id_of_pid(root, 104, &id), -EOPNOTSUPP);
	assert_int_equal(oci_cgroup_id_of_pid(root, 0, &id), -EINVAL);
	assert_int_equal(oci_cgroup_id_of_pid(root, -1, &id), -EINVAL);

	/* a file, not a cgroup directory */
	put("x", "%s/sys/fs/cgroup/afile", root);
	put("0::/afile\n", "%s/proc/105/cgroup", root);
	assert_int_equal(oci_cgroup_id_of_pid(root, 105, &id), -ENOTDIR);
	/* a symlink is not followed */
	free(p);
	assert_true(asprintf(&p, "%s/sys/fs/cgroup/link", root) > 0);
	assert_int_equal(symlink("/etc", p), 0);
	put("0::/link\n", "%s/proc/106/cgroup", root);
	assert_int_equal(oci_cgroup_id_of_pid(root, 106, &id), -ENOTDIR);
	fixture_rm_rf(root);
}

static void test_cgroup_hostile_paths(void **state)
{
	static const char *const lines[] = {
		"0::/../../etc\n", "0::/kubepods/../..\n", "0::relative\n",
		"0::/a//b\n",	   "0::/a/./b\n",	   "0::/a/\n",
		"0::\n",	   "0::/a\x01/b\n",	   "0::/kubepods/..\n",
	};
	_cleanup_free_ char *root = testlib_tmpdir();
	uint64_t id = 7;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
		put(lines[i], "%s/proc/200/cgroup", root);
		if (oci_cgroup_id_of_pid(root, 200, &id) != -EINVAL)
			fail_msg("cgroup line %zu accepted", i);
	}
	assert_int_equal(id, 7);
	fixture_rm_rf(root);
}

static void test_cgroup_real_root(void **state)
{
	uint64_t id = 0;
	int r;

	(void)state;
	/* A cgroup v2 host gives our own id; a v1 or hybrid host says so, never anything else. */
	r = oci_cgroup_id_of_pid(NULL, getpid(), &id);
	if (r == 0)
		assert_true(id > 0);
	else
		assert_int_equal(r, -EOPNOTSUPP);
	assert_int_equal(oci_cgroup_id_of_pid("/", getpid(), &id), r);
}

struct seen {
	size_t n;
	struct oci_container c[8];
};

static void collect(void *userdata, const struct oci_container *c)
{
	struct seen *s = userdata;

	assert_true(s->n < ELEMENTSOF(s->c));
	s->c[s->n++] = *c;
}

static const struct oci_container *find(const struct seen *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->c[i].id, id) == 0)
			return &s->c[i];
	return NULL;
}

/* A runc state.json for container id whose init is pid, started at start, with a bundle. */
static void runc_state(const char *root, const char *id, int pid, long long start,
		       const char *bundle)
{
	_cleanup_free_ char *t = NULL;

	assert_true(asprintf(&t,
			     "{\"id\":\"%s\",\"init_process_pid\":%d,\"init_process_start\":%lld,"
			     "\"created\":\"2026-01-01T00:00:00Z\",\"config\":{\"rootfs\":\"/r\","
			     "\"labels\":[\"io.kubernetes.cri.container-name=app\","
			     "\"io.kubernetes.cri.sandbox-namespace=shop\","
			     "\"" BPF_KEY "app=localhost/from-labels\",\"bundle=%s\"]}}",
			     id, pid, start, bundle) > 0);
	put(t, "%s/run/runc/%s/state.json", root, id);
}

static void proc_stat(const char *root, int pid, long long start)
{
	_cleanup_free_ char *t = NULL;

	/* a command name with ") (" inside, as a hostile process may choose */
	assert_true(asprintf(&t,
			     "%d (sh) (x) S 1 %d %d 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 "
			     "%lld 2000000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 "
			     "0 0 0 0 0\n",
			     pid, pid, pid, start) > 0);
	put(t, "%s/proc/%d/stat", root, pid);
}

static void test_scan_runc_root(void **state)
{
	_cleanup_free_ char *root = testlib_tmpdir(), *p = NULL;
	struct seen s = {};
	const struct oci_container *c;

	(void)state;
	/* a: running, bundle present with annotations */
	runc_state(root, "a", 300, 5000, "/bundles/a");
	proc_stat(root, 300, 5000);
	put("{\"annotations\":{" CRI_APP ",\"" BPF_KEY "app\":\"localhost/web\"}}",
	    "%s/bundles/a/config.json", root);
	/* b: running, bundle gone: runc's labels carry the annotations */
	runc_state(root, "b", 301, 6000, "/bundles/b");
	proc_stat(root, 301, 6000);
	/* c: its init process is gone */
	runc_state(root, "c", 302, 7000, "/bundles/c");
	/* d: the pid was reused by another process (other start time) */
	runc_state(root, "d", 303, 8000, "/bundles/d");
	proc_stat(root, 303, 9999);
	/* e: state.json names another container */
	put("{\"id\":\"zzz\",\"init_process_pid\":300,\"config\":{\"labels\":[\"bundle=/b\"]}}",
	    "%s/run/runc/e/state.json", root);
	/* f: state.json is a symlink to a good one */
	free(p);
	assert_true(asprintf(&p, "%s/run/runc/f", root) > 0);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	assert_true(asprintf(&p, "%s/run/runc/f/state.json", root) > 0);
	assert_int_equal(symlink("../a/state.json", p), 0);
	/* g: garbage; h: a plain file in the root; i: no labels */
	put("{not json", "%s/run/runc/g/state.json", root);
	put("x", "%s/run/runc/h", root);
	put("{\"id\":\"i\",\"init_process_pid\":300,\"config\":{}}", "%s/run/runc/i/state.json",
	    root);
	/* j: a hostile profile: not reported (the enforcer cannot refuse it anyway) */
	runc_state(root, "j", 304, 100, "/bundles/j");
	proc_stat(root, 304, 100);
	put("{\"annotations\":{" CRI_APP ",\"" BPF_KEY "app\":\"localhost/../x\"}}",
	    "%s/bundles/j/config.json", root);

	assert_int_equal(oci_scan_runc_root(root, "/run/runc", collect, &s), 2);
	assert_int_equal(s.n, 2);
	c = find(&s, "a");
	assert_non_null(c);
	assert_int_equal(c->pid, 300);
	assert_string_equal(c->bundle, "/bundles/a");
	assert_string_equal(c->bpf_profile, "web");
	assert_string_equal(c->info.pod_name, "web-0");
	c = find(&s, "b");
	assert_non_null(c);
	assert_int_equal(c->pid, 301);
	assert_string_equal(c->bpf_profile, "from-labels");
	assert_string_equal(c->info.pod_namespace, "shop");
	assert_null(find(&s, "c"));
	assert_null(find(&s, "d"));

	assert_int_equal(oci_scan_runc_root(root, "/run/missing", collect, &s), -ENOENT);
	assert_int_equal(oci_scan_runc_root(root, "relative", collect, &s), -EINVAL);
	fixture_rm_rf(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_with_annotations),
		cmocka_unit_test(test_state_without_profile),
		cmocka_unit_test(test_hostile_profiles),
		cmocka_unit_test(test_malformed_states),
		cmocka_unit_test(test_state_cap),
		cmocka_unit_test(test_config_json_fallback),
		cmocka_unit_test(test_config_json_hostile_files),
		cmocka_unit_test(test_cgroup_id),
		cmocka_unit_test(test_cgroup_hostile_paths),
		cmocka_unit_test(test_cgroup_real_root),
		cmocka_unit_test(test_scan_runc_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

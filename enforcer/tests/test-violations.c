// SPDX-License-Identifier: Apache-2.0
/* The violations log writer (rotation, counts, write errors) and BPF events as records. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include "common/fileio.h"
#include "enforcer/tests/fixtures.h"
#include "enforcer/violations.h"
#include "tests/lib/testlib.h"

static json_t *record(const char *enforcer, int i)
{
	json_t *r = json_pack("{s:s, s:s, s:i, s:{s:s}}", "enforcer", enforcer, "action", "DENIED",
			      "pid", i, "event", "path", "/etc/shadow");

	assert_non_null(r);
	return r;
}

static void write_one(struct violation_log *l, const char *enforcer, int i)
{
	json_auto_t *r = record(enforcer, i);

	assert_int_equal(violation_log_write(l, r), 0);
}

/* Every line of path is one JSON object; returns the number of lines. */
static size_t check_lines(const char *path, size_t *ret_bytes)
{
	_cleanup_free_ char *data = NULL;
	size_t len, n = 0;
	char *line, *save = NULL;

	assert_int_equal(read_full_file(path, 64 * 1024 * 1024, &data, &len), 0);
	if (ret_bytes)
		*ret_bytes = len;
	if (len == 0)
		return 0;
	assert_int_equal(data[len - 1], '\n');
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t err;
		json_t *j = json_loads(line, 0, &err);

		if (!j)
			fail_msg("%s: not JSON: %.80s (%s)", path, line, err.text);
		assert_true(json_is_object(j));
		json_decref(j);
		n++;
	}
	return n;
}

static char *path_in(const char *dir, const char *name)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static void test_writer_counts_and_mode(void **state)
{
	_cleanup_free_ char *dir = testlib_tmpdir(), *path = path_in(dir, "violations.log");
	_cleanup_(violation_log_freep) struct violation_log *l = NULL;
	struct violation_log_counts c;
	struct stat st;
	mode_t old = umask(0077);

	(void)state;
	assert_int_equal(violation_log_open(path, 0, 3, &l), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	write_one(l, "BPF", 1);
	write_one(l, "AppArmor", 2);
	write_one(l, "AppArmor", 3);
	write_one(l, "Seccomp", 4);
	violation_log_counts(l, &c);
	assert_int_equal(c.records[0], 1);
	assert_int_equal(c.records[1], 2);
	assert_int_equal(c.records[2], 1);
	assert_int_equal(c.write_errors, 0);
	assert_int_equal(c.rotations, 0);
	assert_int_equal(check_lines(path, NULL), 4);
	/* Reopening appends. */
	l = violation_log_free(l);
	assert_int_equal(violation_log_open(path, 0, 3, &l), 0);
	write_one(l, "BPF", 5);
	assert_int_equal(check_lines(path, NULL), 5);
	assert_int_equal(violation_log_write(l, NULL), -EINVAL);
	fixture_rm_rf(dir);
}

static void test_writer_refuses(void **state)
{
	_cleanup_free_ char *dir = testlib_tmpdir(), *path = path_in(dir, "v.log");
	_cleanup_free_ char *link = path_in(dir, "link.log");
	struct violation_log *l = NULL;

	(void)state;
	assert_int_equal(violation_log_open(path, 100, 3, &l), -ERANGE);
	assert_int_equal(violation_log_open(path, 0, 101, &l), -ERANGE);
	assert_int_equal(violation_log_open("", 0, 3, &l), -EINVAL);
	assert_int_equal(violation_log_open(dir, 0, 3, &l), -EISDIR);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(violation_log_open(link, 0, 3, &l), -ELOOP);
	assert_null(l);
	fixture_rm_rf(dir);
}

static void test_writer_rotation(void **state)
{
	_cleanup_free_ char *dir = testlib_tmpdir(), *path = path_in(dir, "v.log");
	_cleanup_free_ char *b1 = path_in(dir, "v.log.1"), *b2 = path_in(dir, "v.log.2");
	_cleanup_free_ char *b3 = path_in(dir, "v.log.3");
	_cleanup_(violation_log_freep) struct violation_log *l = NULL;
	struct violation_log_counts c;
	size_t lines = 0, bytes;
	struct stat st;

	(void)state;
	assert_int_equal(violation_log_open(path, 4096, 2, &l), 0);
	/* about 90 bytes a line: 400 lines are 36 KB, 9 files' worth */
	for (int i = 0; i < 400; i++)
		write_one(l, "BPF", i);
	violation_log_counts(l, &c);
	assert_int_equal(c.records[0], 400);
	assert_int_equal(c.write_errors, 0);
	assert_true(c.rotations >= 7);
	lines += check_lines(path, &bytes);
	assert_true(bytes <= 4096);
	lines += check_lines(b1, &bytes);
	assert_true(bytes <= 4096 && bytes > 3900);
	assert_int_equal(stat(b1, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	lines += check_lines(b2, &bytes);
	assert_true(bytes <= 4096 && bytes > 3900);
	assert_int_equal(stat(b3, &st), -1);
	assert_true(lines > 100 && lines < 150);
	/* The newest record is last in FILE, the one before it ends FILE.1 or FILE. */
	{
		_cleanup_free_ char *data = NULL;

		assert_int_equal(read_full_file(path, 1 << 20, &data, NULL), 0);
		assert_non_null(strstr(data, "\"pid\":399,"));
	}
	l = violation_log_free(l);

	/* No backups: the file is emptied when full. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(violation_log_open(path, 4096, 0, &l), 0);
	for (int i = 0; i < 100; i++)
		write_one(l, "Seccomp", i);
	violation_log_counts(l, &c);
	assert_true(c.rotations == 0);
	assert_int_equal(c.records[2], 100);
	lines = check_lines(path, &bytes);
	assert_true(lines > 0 && lines < 60);
	assert_true(bytes <= 4096);
	{
		_cleanup_free_ char *data = NULL;

		assert_int_equal(read_full_file(path, 1 << 20, &data, NULL), 0);
		assert_null(strstr(data, "\"pid\":0,")); /* the first lines went */
		assert_non_null(strstr(data, "\"pid\":99,"));
	}
	fixture_rm_rf(dir);
}

static void test_writer_write_error(void **state)
{
	_cleanup_free_ char *dir = testlib_tmpdir(), *path = path_in(dir, "v.log");
	_cleanup_(violation_log_freep) struct violation_log *l = NULL;
	struct violation_log_counts c;
	struct rlimit old, small = { .rlim_cur = 200, .rlim_max = RLIM_INFINITY };
	json_auto_t *r = record("AppArmor", 7);
	int rc;

	(void)state;
	assert_int_equal(violation_log_open(path, 0, 3, &l), 0);
	write_one(l, "AppArmor", 1);
	/* A file size limit makes write() fail with EFBIG part-way through a line. */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	small.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	write_one(l, "AppArmor", 2); /* fits below 200 bytes */
	rc = violation_log_write(l, r); /* cut at 200 */
	assert_int_equal(rc, -EFBIG);
	rc = violation_log_write(l, r); /* nothing fits */
	assert_int_equal(rc, -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	violation_log_counts(l, &c);
	assert_int_equal(c.write_errors, 2);
	assert_int_equal(c.records[1], 2);
	/* The log goes on; the cut line is left alone and the next one starts fresh. */
	write_one(l, "AppArmor", 3);
	violation_log_counts(l, &c);
	assert_int_equal(c.records[1], 3);
	{
		_cleanup_free_ char *data = NULL;
		size_t len;

		assert_int_equal(read_full_file(path, 1 << 20, &data, &len), 0);
		assert_int_equal(len > 200, true);
		assert_non_null(strstr(data, "\n{\"enforcer\":\"AppArmor\",\"action\":\"DENIED\","
					     "\"pid\":3,"));
	}

	/* Rotation into a directory that is gone: counted, and the next write works again. */
	l = violation_log_free(l);
	assert_int_equal(violation_log_open(path, 4096, 1, &l), 0);
	for (int i = 0; i < 40; i++)
		write_one(l, "BPF", i);
	fixture_rm_rf(dir);
	for (int i = 0; i < 40; i++) {
		json_auto_t *x = record("BPF", i);

		(void)violation_log_write(l, x);
	}
	violation_log_counts(l, &c);
	assert_true(c.write_errors > 0);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_one(l, "BPF", 1000);
	assert_true(check_lines(path, NULL) >= 1);
	fixture_rm_rf(dir);
}

/* ---- BPF events ---- */

static uint64_t boot_ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct pavise_event *event_new(uint32_t type, uint32_t action)
{
	struct pavise_event *ev = calloc(1, sizeof(*ev));

	assert_non_null(ev);
	ev->type = type;
	ev->action = action;
	ev->cgroup_id = 4242;
	ev->ktime_ns = boot_ns_now() - 2000000000ULL; /* two seconds ago */
	ev->tgid = 321;
	ev->pid = 322;
	memcpy(ev->comm, "cat", 4);
	return ev;
}

static const struct bpf_binding test_binding = {
	.cgroup_id = 4242,
	.profile = "varmor-demo-web",
	.info = {
		.container_id = "0123456789abcdef",
		.container_name = "app",
		.pod_namespace = "demo",
		.pod_name = "web-1",
		.pod_uid = "uid-1",
	},
};

static json_t *convert(const struct pavise_event *ev, const struct bpf_binding *b)
{
	json_t *rec = violation_from_bpf_event(ev, b, b ? b->profile : NULL, "node-1");
	_cleanup_free_ char *s = NULL;

	assert_non_null(rec);
	s = json_dumps(rec, JSON_COMPACT);
	assert_non_null(s);
	print_message("# %s\n", s);
	return rec;
}

static json_t *event_get(const json_t *rec, const char *key)
{
	return json_object_get(json_object_get(rec, "event"), key);
}

static void assert_event(const json_t *rec, const char *want_single_quoted)
{
	json_auto_t *want = testlib_json(want_single_quoted);

	if (!json_equal(json_object_get(rec, "event"), want)) {
		_cleanup_free_ char *got = json_dumps(json_object_get(rec, "event"), JSON_COMPACT);

		fail_msg("event %s, want %s", got, want_single_quoted);
	}
}

/* Converts ev, checks its action and event object. */
static void expect_bpf(const struct pavise_event *ev, const char *action, const char *event)
{
	json_auto_t *rec = convert(ev, &test_binding);

	assert_string_equal(json_string_value(json_object_get(rec, "action")), action);
	assert_event(rec, event);
}

static void test_bpf_file(void **state)
{
	_cleanup_free_ struct pavise_event *ev = event_new(PAVISE_EVENT_FILE, PAVISE_ACTION_DENIED);
	json_auto_t *rec = NULL;
	struct tm tm = { 0 };
	const char *when, *rest;
	time_t t, now = time(NULL);

	(void)state;
	ev->file.permissions = PAVISE_FILE_READ | PAVISE_FILE_WRITE | PAVISE_FILE_APPEND;
	strcpy((char *)ev->file.path, "/etc/shadow"); /* lint: allow */
	rec = convert(ev, &test_binding);
	assert_event(rec, "{'operation': 'File', 'permissions': ['read', 'write', 'append'], "
			  "'path': '/etc/shadow'}");
	assert_string_equal(json_string_value(json_object_get(rec, "enforcer")), "BPF");
	assert_string_equal(json_string_value(json_object_get(rec, "action")), "DENIED");
	assert_string_equal(json_string_value(json_object_get(rec, "profileName")),
			    "varmor-demo-web");
	assert_string_equal(json_string_value(json_object_get(rec, "nodeName")), "node-1");
	assert_string_equal(json_string_value(json_object_get(rec, "containerID")),
			    "0123456789abcdef");
	assert_string_equal(json_string_value(json_object_get(rec, "containerName")), "app");
	assert_string_equal(json_string_value(json_object_get(rec, "podName")), "web-1");
	assert_string_equal(json_string_value(json_object_get(rec, "podNamespace")), "demo");
	assert_string_equal(json_string_value(json_object_get(rec, "podUID")), "uid-1");
	assert_string_equal(json_string_value(json_object_get(rec, "comm")), "cat");
	assert_string_equal(json_string_value(json_object_get(rec, "message")), "violation event");
	assert_int_equal(json_integer_value(json_object_get(rec, "pid")), 321);
	assert_int_equal(json_integer_value(json_object_get(rec, "tid")), 322);
	assert_int_equal(json_integer_value(json_object_get(rec, "cgroupID")), 4242);
	/* boot time two seconds ago -> wall time two seconds ago, RFC 3339 with ns */
	when = json_string_value(json_object_get(rec, "time"));
	assert_non_null(when);
	rest = strptime(when, "%Y-%m-%dT%H:%M:%S", &tm);
	assert_non_null(rest);
	assert_int_equal(strlen(rest), 11); /* ".123456789Z" */
	assert_int_equal(rest[10], 'Z');
	t = timegm(&tm);
	assert_true(t >= now - 4 && t <= now - 1);
	assert_int_equal(json_integer_value(json_object_get(rec, "eventTimestamp")), t);
}

static void test_bpf_each_type(void **state)
{
	_cleanup_free_ struct pavise_event *ev = NULL;
	json_auto_t *rec = NULL;

	(void)state;
	ev = event_new(PAVISE_EVENT_BPRM, PAVISE_ACTION_AUDIT);
	ev->file.permissions = PAVISE_FILE_EXEC;
	strcpy((char *)ev->file.path, "/bin/busybox"); /* lint: allow */
	rec = convert(ev, NULL);
	assert_event(rec, "{'operation': 'Bprm', 'permissions': ['exec'], 'path': '/bin/busybox'}");
	assert_string_equal(json_string_value(json_object_get(rec, "action")), "AUDIT");
	/* no binding: identity null */
	assert_true(json_is_null(json_object_get(rec, "containerID")));
	assert_true(json_is_null(json_object_get(rec, "profileName")));
	assert_int_equal(json_integer_value(json_object_get(rec, "cgroupID")), 4242);
	json_decref(TAKE_PTR(rec));

	memset(&ev->file, 0, sizeof(ev->file));
	ev->type = PAVISE_EVENT_CAPABILITY;
	ev->action = PAVISE_ACTION_DENIED | PAVISE_ACTION_AUDIT;
	ev->capability.capability = 21;
	expect_bpf(ev, "DENIED",
		   "{'operation': 'Capability', 'capability': 'CAP_SYS_ADMIN', "
		   "'capabilityNumber': 21}");
	ev->capability.capability = 40;
	expect_bpf(ev, "DENIED",
		   "{'operation': 'Capability', 'capability': 'CAP_CHECKPOINT_RESTORE', "
		   "'capabilityNumber': 40}");
	ev->capability.capability = 63;
	expect_bpf(ev, "DENIED",
		   "{'operation': 'Capability', 'capability': 'CAP_63', 'capabilityNumber': 63}");

	memset(&ev->file, 0, sizeof(ev->file));
	ev->type = PAVISE_EVENT_NETWORK;
	ev->action = PAVISE_ACTION_ALLOWED;
	ev->network.kind = PAVISE_NET_EVENT_CONNECT;
	ev->network.family = AF_INET;
	ev->network.port = 443;
	assert_int_equal(inet_pton(AF_INET, "10.1.2.3", ev->network.address), 1);
	expect_bpf(ev, "ALLOWED",
		   "{'operation': 'Network', 'type': 'connect', 'family': 'inet', "
		   "'address': '10.1.2.3', 'port': 443}");
	ev->network.family = AF_INET6;
	ev->network.port = 8080;
	assert_int_equal(inet_pton(AF_INET6, "fd00::1", ev->network.address), 1);
	ev->action = PAVISE_ACTION_ALLOWED | PAVISE_ACTION_AUDIT;
	expect_bpf(ev, "AUDIT|ALLOWED",
		   "{'operation': 'Network', 'type': 'connect', 'family': 'inet6', "
		   "'address': 'fd00::1', 'port': 8080}");
	memset(&ev->network, 0, sizeof(ev->network));
	ev->network.kind = PAVISE_NET_EVENT_SOCKET;
	ev->network.domain = AF_PACKET;
	ev->network.type = SOCK_RAW | SOCK_CLOEXEC;
	ev->network.protocol = 768;
	ev->action = PAVISE_ACTION_DENIED;
	expect_bpf(ev, "DENIED",
		   "{'operation': 'Network', 'type': 'socket', 'socket': {'domain': "
		   "'packet', 'type': 'raw', 'protocol': 768}}");
	ev->network.domain = AF_INET;
	ev->network.type = SOCK_STREAM;
	ev->network.protocol = 6;
	expect_bpf(ev, "DENIED",
		   "{'operation': 'Network', 'type': 'socket', 'socket': {'domain': "
		   "'inet', 'type': 'stream', 'protocol': 'tcp'}}");

	memset(&ev->network, 0, sizeof(ev->network));
	ev->type = PAVISE_EVENT_PTRACE;
	ev->ptrace.permissions = PAVISE_PTRACE_TRACE | PAVISE_PTRACE_READ;
	ev->ptrace.peer_tgid = 1;
	ev->ptrace.peer_cgroup_id = 1;
	expect_bpf(ev, "DENIED",
		   "{'operation': 'Ptrace', 'permissions': ['trace', 'read'], "
		   "'peer': {'pid': 1, 'cgroupID': 1}, 'external': true}");
	ev->ptrace.permissions = PAVISE_PTRACE_READBY;
	ev->ptrace.peer_cgroup_id = ev->cgroup_id;
	expect_bpf(ev, "DENIED",
		   "{'operation': 'Ptrace', 'permissions': ['readby'], "
		   "'peer': {'pid': 1, 'cgroupID': 4242}, 'external': false}");

	memset(&ev->mount, 0, sizeof(ev->mount));
	ev->type = PAVISE_EVENT_MOUNT;
	ev->mount.flags = PAVISE_MS_BIND | PAVISE_MS_REC | 0x10000000;
	strcpy((char *)ev->mount.fstype, "none"); /* lint: allow */
	strcpy((char *)ev->mount.path, "/proc/sys"); /* lint: allow */
	expect_bpf(ev, "DENIED",
		   "{'operation': 'Mount', 'path': '/proc/sys', 'type': 'none', "
		   "'flags': ['bind', 'rec', '0x10000000']}");
	ev->mount.flags = PAVISE_MS_UMOUNT;
	strcpy((char *)ev->mount.fstype, "overlay"); /* lint: allow */
	expect_bpf(ev, "DENIED",
		   "{'operation': 'Mount', 'path': '/proc/sys', 'type': 'overlay', "
		   "'flags': ['umount']}");
}

static void test_bpf_hostile(void **state)
{
	_cleanup_free_ struct pavise_event *ev = event_new(PAVISE_EVENT_FILE, PAVISE_ACTION_DENIED);
	json_auto_t *rec = NULL;
	struct bpf_binding b = test_binding;

	(void)state;
	/* unknown type, no known action bit, unknown network kind: no record */
	ev->type = 0x40;
	assert_null(violation_from_bpf_event(ev, NULL, NULL, NULL));
	ev->type = PAVISE_EVENT_FILE;
	ev->action = 0x8;
	assert_null(violation_from_bpf_event(ev, NULL, NULL, NULL));
	ev->action = PAVISE_ACTION_DENIED;
	assert_null(violation_from_bpf_event(NULL, NULL, NULL, NULL));
	ev->type = PAVISE_EVENT_NETWORK;
	ev->network.kind = 9;
	assert_null(violation_from_bpf_event(ev, NULL, NULL, NULL));

	/* No NUL anywhere, bytes that are not UTF-8, a time in the future: still a record. */
	ev->type = PAVISE_EVENT_FILE;
	memset(ev->file.path, 0xff, sizeof(ev->file.path));
	memset(ev->comm, 'A', sizeof(ev->comm));
	ev->ktime_ns = UINT64_MAX;
	memset(b.info.pod_name, 0xc3, sizeof(b.info.pod_name));
	memset(b.profile, 'p', sizeof(b.profile));
	rec = violation_from_bpf_event(ev, &b, NULL, NULL);
	assert_non_null(rec);
	assert_int_equal(strlen(json_string_value(event_get(rec, "path"))),
			 4 * PAVISE_EVENT_PATH_MAX);
	assert_int_equal(strncmp(json_string_value(event_get(rec, "path")), "\\xff", 4), 0);
	assert_string_equal(json_string_value(json_object_get(rec, "comm")), "AAAAAAAAAAAAAAAA");
	assert_int_equal(strlen(json_string_value(json_object_get(rec, "profileName"))),
			 sizeof(b.profile));
	assert_true(json_integer_value(json_object_get(rec, "eventTimestamp")) <= time(NULL));
	assert_true(json_integer_value(json_object_get(rec, "eventTimestamp")) >= time(NULL) - 5);
}

static void test_time_format(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(violation_time_format(1796602646, 39000000, 3, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2026-12-07T00:17:26.039Z");
	assert_int_equal(violation_time_format(0, 5, 9, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00.000000005Z");
	assert_int_equal(violation_time_format(0, 0, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	assert_int_equal(violation_time_format(0, 1000000000, 3, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(violation_time_format(0, 0, 10, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(violation_time_format(0, 0, 3, buf, 10), -EINVAL);
}

static void test_pid_cgroup_id(void **state)
{
	_cleanup_free_ char *root = testlib_tmpdir();
	char p[512];
	struct stat st;
	uint64_t id = 0;

	(void)state;
	snprintf(p, sizeof(p), "%s/proc/77", root);
	assert_int_equal(mkdir_p(p, 0755), 0);
	assert_int_equal(fixture_write(p, "cgroup", "0::/kubepods/besteffort/podx/c1\n"), 0);
	snprintf(p, sizeof(p), "%s/sys/fs/cgroup/kubepods/besteffort/podx/c1", root);
	assert_int_equal(mkdir_p(p, 0755), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(violation_pid_cgroup_id(root, 77, &id), 0);
	assert_int_equal(id, st.st_ino);
	/* v1 lines only, a missing process, a path that is gone */
	snprintf(p, sizeof(p), "%s/proc/78", root);
	assert_int_equal(mkdir_p(p, 0755), 0);
	assert_int_equal(fixture_write(p, "cgroup", "4:memory:/x\n1:cpu:/\n"), 0);
	assert_int_equal(violation_pid_cgroup_id(root, 78, &id), -ENOENT);
	assert_int_equal(violation_pid_cgroup_id(root, 79, &id), -ENOENT);
	assert_int_equal(fixture_write(p, "cgroup", "0::/gone\n"), 0);
	assert_int_equal(violation_pid_cgroup_id(root, 78, &id), -ENOENT);
	assert_int_equal(violation_pid_cgroup_id(root, 0, &id), -EINVAL);
	fixture_rm_rf(root);
}

static void test_set_container(void **state)
{
	json_auto_t *rec = violation_record_new("AppArmor", "DENIED", 0, 0, 3, NULL);

	(void)state;
	assert_non_null(rec);
	assert_true(json_is_null(json_object_get(rec, "nodeName")));
	assert_true(json_is_null(json_object_get(rec, "podName")));
	assert_int_equal(json_object_set_new(rec, "profileName", json_string("from-audit")), 0);
	assert_int_equal(violation_set_container(rec, &test_binding), 0);
	assert_string_equal(json_string_value(json_object_get(rec, "podName")), "web-1");
	/* the record's own profile wins */
	assert_string_equal(json_string_value(json_object_get(rec, "profileName")), "from-audit");
	assert_int_equal(violation_set_container(NULL, &test_binding), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_counts_and_mode),
		cmocka_unit_test(test_writer_refuses),
		cmocka_unit_test(test_writer_rotation),
		cmocka_unit_test(test_writer_write_error),
		cmocka_unit_test(test_bpf_file),
		cmocka_unit_test(test_bpf_each_type),
		cmocka_unit_test(test_bpf_hostile),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_pid_cgroup_id),
		cmocka_unit_test(test_set_container),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

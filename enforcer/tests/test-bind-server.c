// SPDX-License-Identifier: Apache-2.0
/* The bind socket against a fake kernel side: requests, refusals, caps, deadlines, the socket file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <cmocka.h>

#include "enforcer/bind-server.h"
#include "enforcer/tests/fixtures.h"
#include "tests/lib/testlib.h"

struct fake {
	int bind_result;
	unsigned n_bind;
	uint64_t cgroup_id;
	char profile[ARMOR_NAME_MAX + 1];
	struct bpf_container_info info;
};

static int fake_set(void *kernel, const char *name, const struct pavise_bpf_profile *prof)
{
	(void)kernel;
	(void)name;
	(void)prof;
	return 0;
}

static int fake_remove(void *kernel, const char *name)
{
	(void)kernel;
	(void)name;
	return 0;
}

static int fake_bind(void *kernel, uint64_t cgroup_id, const char *name,
		     const struct bpf_container_info *info)
{
	struct fake *k = kernel;

	k->n_bind++;
	k->cgroup_id = cgroup_id;
	snprintf(k->profile, sizeof(k->profile), "%s", name);
	k->info = *info;
	return k->bind_result;
}

/* pid N lives in cgroup 1000 + N; pid 99 is gone. */
static int fake_cgroup_of(const char *host_root, int pid, uint64_t *ret_id)
{
	(void)host_root;
	if (pid == 99)
		return -ENOENT;
	*ret_id = 1000 + (uint64_t)pid;
	return 0;
}

static const struct bpf_ops fake_ops = {
	.set_profile = fake_set,
	.remove_profile = fake_remove,
	.bind = fake_bind,
	.cgroup_id_of_pid = fake_cgroup_of,
};

struct fx {
	char *dir;
	char sock[100], partitions[512];
	struct fake kernel;
	struct bpf_backend bb;
	struct backend b_bpf, b_aa, b_sc;
	struct profile_store *store;
	struct bind_server *srv;
	unsigned n_requests;
	int last_r;
};

static const char *apparmor_content(const struct armor_profile *p)
{
	return p->apparmor;
}

static int aa_apply(struct backend *b, const struct armor_profile *p, char **reterr_msg)
{
	(void)b;
	(void)p;
	(void)reterr_msg;
	return 0;
}

static void on_request(void *userdata, const struct bind_request *req, uint64_t cgroup_id, int r,
		       const char *msg)
{
	struct fx *f = userdata;

	(void)req;
	(void)cgroup_id;
	(void)msg;
	f->n_requests++;
	f->last_r = r;
}

static void add(struct profile_set *want, const char *name, const char *bpf)
{
	json_t *doc = json_pack("{s:s, s:s, s:{s:s}, s:{s:{s:s, s:s}}}", "apiVersion",
				"crd.varmor.org/v1beta1", "kind", "ArmorProfile", "metadata",
				"name", name, "spec", "profile", "name", name, "appArmor",
				"profile x {}");
	struct armor_profile *p = NULL;
	_cleanup_free_ char *msg = NULL;

	if (bpf)
		json_object_set_new(json_object_get(json_object_get(doc, "spec"), "profile"), "bpf",
				    testlib_json(bpf));
	assert_int_equal(armor_profile_parse(doc, &p, &msg), 0);
	json_decref(doc);
	assert_int_equal(profile_set_add(want, p, "test"), 0);
}

static int start(struct fx *f, void *kernel, unsigned timeout_ms)
{
	struct bind_server_config cfg = {
		.path = f->sock,
		.store = f->store,
		.ops = &fake_ops,
		.kernel = kernel,
		.unavailable_msg = "'bpf' is not in /sys/kernel/security/lsm",
		.timeout_ms = timeout_ms,
		.on_request = on_request,
		.userdata = f,
	};

	return bind_server_new(&cfg, &f->srv);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct backend *backends[_PART_MAX];
	struct profile_set want = {};

	if (!f)
		return -1;
	f->dir = testlib_tmpdir();
	/* the socket's directory does not exist yet */
	snprintf(f->sock, sizeof(f->sock), "%s/run/enforcer.sock", f->dir);
	snprintf(f->partitions, sizeof(f->partitions), "%s/none", f->dir);
	bpf_backend_init(&f->bb, &fake_ops, &f->kernel, f->partitions, &f->b_bpf);
	f->b_aa = (struct backend){ .name = "apparmor",
				    .kind = PART_APPARMOR,
				    .available = true,
				    .content = apparmor_content,
				    .apply = aa_apply };
	f->b_sc = f->b_aa;
	f->b_sc.available = false;
	f->b_sc.kind = PART_SECCOMP;
	backends[PART_APPARMOR] = &f->b_aa;
	backends[PART_SECCOMP] = &f->b_sc;
	backends[PART_BPF] = &f->b_bpf;
	if (profile_store_new(backends, NULL, &f->store) < 0)
		return -1;
	add(&want, "web",
	    "{'files': [{'mode': 1, 'permissions': 4, 'pattern': {'flags': 5, "
	    "'prefix': '/etc/shadow'}}]}");
	add(&want, "aa-only", NULL);
	add(&want, "broken", "{'files': [{'bogus': 1}]}");
	if (profile_store_sync(f->store, &want, false) < 0)
		return -1;
	*state = f;
	return start(f, &f->kernel, 0) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	bind_server_free(f->srv);
	profile_store_free(f->store);
	fixture_rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static int client(struct fx *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Serves until fd has a whole line (or EOF); returns it parsed, NULL at EOF without one. */
static json_t *read_answer(struct fx *f, int fd)
{
	char buf[BIND_MSG_MAX + 1];
	size_t len = 0;

	for (int i = 0; i < 200; i++) {
		ssize_t n;

		bind_server_serve(f->srv, 20);
		n = recv(fd, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0) {
			len += (size_t)n;
			if (memchr(buf, '\n', len))
				break;
		}
	}
	buf[len] = '\0';
	if (!len)
		return NULL;
	assert_non_null(strchr(buf, '\n'));
	return json_loads(buf, 0, NULL);
}

/* Sends one request (single quotes for double) and returns the answer. */
static json_t *ask(struct fx *f, const char *request)
{
	json_t *req = testlib_json(request);
	_cleanup_free_ char *line = json_dumps(req, JSON_COMPACT);
	_cleanup_close_ int fd = client(f);
	json_t *resp;

	json_decref(req);
	assert_int_equal(send(fd, line, strlen(line), MSG_NOSIGNAL), (ssize_t)strlen(line));
	assert_int_equal(send(fd, "\n", 1, MSG_NOSIGNAL), 1);
	resp = read_answer(f, fd);
	assert_non_null(resp);
	return resp;
}

static void expect_refused(struct fx *f, const char *request, const char *needle)
{
	json_t *resp = ask(f, request);
	const char *err = json_string_value(json_object_get(resp, "error"));

	assert_true(json_is_false(json_object_get(resp, "ok")));
	if (!err || !strstr(err, needle))
		fail_msg("error '%s' does not say '%s'", strna(err), needle);
	json_decref(resp);
}

static void test_bind_by_pid(void **state)
{
	struct fx *f = *state;
	json_t *resp = ask(f, "{'op': 'bind', 'id': 'abc123', 'pid': 42, 'profile': 'web', "
			      "'container': 'app', 'podNamespace': 'demo', 'podName': 'web-1', "
			      "'podUid': 'u-1'}");
	struct bind_server_counts c;

	assert_true(json_is_true(json_object_get(resp, "ok")));
	assert_string_equal(json_string_value(json_object_get(resp, "cgroupId")), "1042");
	assert_string_equal(json_string_value(json_object_get(resp, "profile")), "web");
	json_decref(resp);
	assert_int_equal(f->kernel.n_bind, 1);
	assert_int_equal(f->kernel.cgroup_id, 1042);
	assert_string_equal(f->kernel.profile, "web");
	assert_string_equal(f->kernel.info.container_id, "abc123");
	assert_string_equal(f->kernel.info.container_name, "app");
	assert_string_equal(f->kernel.info.pod_namespace, "demo");
	assert_string_equal(f->kernel.info.pod_name, "web-1");
	assert_string_equal(f->kernel.info.pod_uid, "u-1");
	assert_int_equal(f->n_requests, 1);
	assert_int_equal(f->last_r, 0);

	/* a cgroup id alone, as a decimal string (64 bits) */
	resp = ask(f, "{'op': 'bind', 'cgroupId': '18446744073709551615', 'profile': 'web'}");
	assert_true(json_is_true(json_object_get(resp, "ok")));
	json_decref(resp);
	assert_true(f->kernel.cgroup_id == UINT64_MAX);

	/* both: they must agree */
	resp = ask(f, "{'op': 'bind', 'pid': 7, 'cgroupId': '1007', 'profile': 'web'}");
	assert_true(json_is_true(json_object_get(resp, "ok")));
	json_decref(resp);
	expect_refused(f, "{'op': 'bind', 'pid': 7, 'cgroupId': '1008', 'profile': 'web'}",
		       "is not the cgroup of pid 7");

	bind_server_counts(f->srv, &c);
	assert_int_equal(c.ok, 3);
	assert_int_equal(c.failed, 1);
	assert_int_equal(c.connections, 0);
}

static void test_refusals(void **state)
{
	struct fx *f = *state;

	expect_refused(f, "{'op': 'bind', 'pid': 5, 'profile': 'nope'}",
		       "profile 'nope' is not known on this node");
	expect_refused(f, "{'op': 'bind', 'pid': 5, 'profile': 'aa-only'}", "has no BPF part");
	expect_refused(f, "{'op': 'bind', 'pid': 5, 'profile': 'broken'}",
		       "its BPF part is failed");
	expect_refused(f, "{'op': 'bind', 'pid': 99, 'profile': 'web'}",
		       "cannot find the cgroup of pid 99");
	expect_refused(f, "{'op': 'unbind', 'pid': 5, 'profile': 'web'}", "op: 'unbind'");
	expect_refused(f, "{'op': 'bind', 'profile': 'web'}", "give pid or cgroupId");
	expect_refused(f, "{'op': 'bind', 'pid': 0, 'profile': 'web'}", "pid: not a process id");
	expect_refused(f, "{'op': 'bind', 'pid': '5', 'profile': 'web'}", "pid: not a process id");
	expect_refused(f, "{'op': 'bind', 'cgroupId': '0', 'profile': 'web'}", "0 is no cgroup");
	expect_refused(f, "{'op': 'bind', 'cgroupId': '18446744073709551616', 'profile': 'web'}",
		       "not a 64-bit decimal");
	expect_refused(f, "{'op': 'bind', 'cgroupId': 12, 'profile': 'web'}",
		       "cgroupId: not a string");
	expect_refused(f, "{'op': 'bind', 'pid': 5, 'profile': '../etc'}",
		       "not a valid profile name");
	expect_refused(f,
		       "{'op': 'bind', 'pid': 5, 'profile': 'web', 'podUid': "
		       "'0123456789012345678901234567890123456789'}",
		       "podUid: 40 bytes, at most 39");
	expect_refused(f, "{'op': 'bind', 'pid': 5, 'profile': 'web', 'container': 'a\\nb'}",
		       "control character");
	expect_refused(f, "[1]", "not a JSON object");

	f->kernel.bind_result = -ENOSPC;
	expect_refused(f, "{'op': 'bind', 'pid': 5, 'profile': 'web'}", "every binding");
	assert_int_equal(f->last_r, -ENOSPC);
}

static void test_malformed_and_oversized(void **state)
{
	struct fx *f = *state;
	_cleanup_close_ int a = client(f), b = client(f);
	char big[BIND_MSG_MAX + 100];
	json_t *resp;

	/* not JSON, ended by shutting the sending side instead of a newline */
	assert_int_equal(send(a, "{\"op\": ", 7, MSG_NOSIGNAL), 7);
	assert_int_equal(shutdown(a, SHUT_WR), 0);
	resp = read_answer(f, a);
	assert_non_null(resp);
	assert_non_null(strstr(json_string_value(json_object_get(resp, "error")), "not JSON"));
	json_decref(resp);

	/* no newline within the cap: refused without waiting for the rest */
	memset(big, ' ', sizeof(big));
	assert_int_equal(send(b, big, sizeof(big), MSG_NOSIGNAL), (ssize_t)sizeof(big));
	resp = read_answer(f, b);
	assert_non_null(resp);
	assert_non_null(strstr(json_string_value(json_object_get(resp, "error")), "more than"));
	json_decref(resp);
	assert_int_equal(f->kernel.n_bind, 0);
}

static void test_stuck_clients(void **state)
{
	struct fx *f = *state;
	int stuck[BIND_CONN_MAX + 4];
	struct bind_server_counts c;
	json_t *resp;

	/* a short deadline, and more silent clients than the table holds */
	bind_server_free(f->srv);
	assert_int_equal(start(f, &f->kernel, 300), 0);
	for (size_t i = 0; i < ELEMENTSOF(stuck); i++)
		stuck[i] = client(f);
	bind_server_serve(f->srv, 0);
	bind_server_counts(f->srv, &c);
	assert_int_equal(c.connections, BIND_CONN_MAX);
	/* past the deadline the silent ones are closed and a real client is served */
	usleep(350 * 1000);
	resp = ask(f, "{'op': 'bind', 'pid': 3, 'profile': 'web'}");
	assert_true(json_is_true(json_object_get(resp, "ok")));
	json_decref(resp);
	for (size_t i = 0; i < ELEMENTSOF(stuck); i++) {
		char x;

		/* every stuck client sees its connection closed, none an answer */
		for (int k = 0; k < 100 && recv(stuck[i], &x, 1, MSG_DONTWAIT) < 0; k++)
			bind_server_serve(f->srv, 20);
		assert_int_equal(recv(stuck[i], &x, 1, MSG_DONTWAIT), 0);
		close(stuck[i]);
	}
	bind_server_counts(f->srv, &c);
	assert_int_equal(c.timeouts, ELEMENTSOF(stuck));
	assert_int_equal(c.ok, 1);
}

static void test_socket_file(void **state)
{
	struct fx *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	char dir[512];
	int fd;

	snprintf(dir, sizeof(dir), "%s/run", f->dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(f->sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);

	/* a second server while the first answers: refused */
	{
		struct bind_server *second = NULL;
		struct bind_server_config cfg = { .path = f->sock,
						  .store = f->store,
						  .ops = &fake_ops };

		assert_int_equal(bind_server_new(&cfg, &second), -EADDRINUSE);
	}

	/* a stale socket (nobody listens) is replaced */
	bind_server_free(f->srv);
	f->srv = NULL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(start(f, &f->kernel, 0), 0);
	bind_server_free(f->srv);
	f->srv = NULL;
	assert_int_not_equal(stat(f->sock, &st), 0);

	/* something that is not a socket is left alone */
	assert_int_equal(fixture_write(dir, "enforcer.sock", "data"), 0);
	assert_int_equal(start(f, &f->kernel, 0), -EEXIST);
	assert_int_equal(unlink(f->sock), 0);
	assert_int_equal(start(f, &f->kernel, 0), 0);
}

static void test_unavailable(void **state)
{
	struct fx *f = *state;

	bind_server_free(f->srv);
	assert_int_equal(start(f, NULL, 0), 0);
	expect_refused(f, "{'op': 'bind', 'pid': 5, 'profile': 'web'}",
		       "the BPF LSM is not available on this node: 'bpf' is not in");
	assert_int_equal(f->kernel.n_bind, 0);
}

static void test_many_binds(void **state)
{
	struct fx *f = *state;
	struct timespec t0, t1;
	struct bind_server_counts c;
	const int n = 200;
	uint64_t us;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		json_t *resp = ask(f, "{'op': 'bind', 'pid': 11, 'profile': 'web'}");

		assert_true(json_is_true(json_object_get(resp, "ok")));
		json_decref(resp);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
	print_message("# %d binds, one connection each, fake kernel: %llu us per bind\n", n,
		      (unsigned long long)(us / (uint64_t)n));
	bind_server_counts(f->srv, &c);
	assert_int_equal(c.ok, (uint64_t)n);
	assert_int_equal(c.connections, 0);
	assert_int_equal(f->kernel.n_bind, (unsigned)n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bind_by_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_and_oversized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unavailable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_binds, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

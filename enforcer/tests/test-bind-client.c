// SPDX-License-Identifier: Apache-2.0
/* bind_client_request() against a real unix-socket server thread that speaks the bind protocol. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <cmocka.h>

#include "enforcer/bind-protocol.h"
#include "enforcer/oci.h"
#include "enforcer/tests/fixtures.h"
#include "tests/lib/testlib.h"

#define CGID	 18446744073709551557ULL /* above 2^53: must travel as a string */
#define CGID_STR "18446744073709551557"

enum behaviour {
	ANSWER, /* send `answer` (in pieces of `chunk` bytes when non-zero) */
	SILENT, /* read the request, never answer, wait for the client to leave */
	HANG_UP, /* read the request and close */
	FLOOD, /* an endless line without '\n' */
};

struct server {
	char *dir;
	char path[108];
	int lfd;
	pthread_t thread;
	enum behaviour how;
	const char *answer;
	size_t chunk;
	char request[BIND_MSG_MAX + 1]; /* what the client sent, '\n' removed */
};

static void read_request(struct server *s, int fd)
{
	size_t len = 0;

	while (len < BIND_MSG_MAX) {
		ssize_t k = read(fd, s->request + len, BIND_MSG_MAX - len);

		if (k <= 0)
			break;
		len += (size_t)k;
		if (memchr(s->request, '\n', len))
			break;
	}
	s->request[len] = '\0';
	if (len > 0 && s->request[len - 1] == '\n')
		s->request[len - 1] = '\0';
}

static void *serve(void *arg)
{
	struct server *s = arg;
	struct timespec pause = { .tv_nsec = 20 * 1000 * 1000 };
	char junk[1024];
	int fd;

	fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return NULL;
	read_request(s, fd);
	switch (s->how) {
	case ANSWER:
		for (size_t off = 0, n = strlen(s->answer); off < n;) {
			size_t k = s->chunk ? MIN(s->chunk, n - off) : n - off;

			if (send(fd, s->answer + off, k, MSG_NOSIGNAL) < 0)
				break;
			off += k;
			if (s->chunk)
				nanosleep(&pause, NULL);
		}
		break;
	case SILENT:
		while (read(fd, junk, sizeof(junk)) > 0)
			;
		break;
	case HANG_UP:
		break;
	case FLOOD:
		memset(junk, 'x', sizeof(junk));
		for (int i = 0; i < 64; i++)
			if (send(fd, junk, sizeof(junk), MSG_NOSIGNAL) < 0)
				break;
		break;
	}
	close(fd);
	return NULL;
}

/* The listening socket of s, in a fresh directory. */
static void server_listen(struct server *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(s, 0, sizeof(*s));
	s->dir = testlib_tmpdir();
	assert_non_null(s->dir);
	assert_true((size_t)snprintf(s->path, sizeof(s->path), "%s/enforcer.sock", s->dir) <
		    sizeof(s->path));
	memcpy(sa.sun_path, s->path, sizeof(s->path));
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
}

static void server_start(struct server *s, enum behaviour how, const char *answer, size_t chunk)
{
	server_listen(s);
	s->how = how;
	s->answer = answer;
	s->chunk = chunk;
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
	assert_int_equal(pthread_join(s->thread, NULL), 0);
	close(s->lfd);
	fixture_rm_rf(s->dir);
	free(s->dir);
}

static struct oci_container container(void)
{
	struct oci_container c = { .pid = 4242 };

	snprintf(c.id, sizeof(c.id), "%s", "0123abcd");
	snprintf(c.bpf_profile, sizeof(c.bpf_profile), "%s", "varmor-shop-web");
	snprintf(c.info.container_id, sizeof(c.info.container_id), "%s", c.id);
	snprintf(c.info.container_name, sizeof(c.info.container_name), "%s", "app");
	snprintf(c.info.pod_namespace, sizeof(c.info.pod_namespace), "%s", "shop");
	snprintf(c.info.pod_name, sizeof(c.info.pod_name), "%s", "web-0");
	snprintf(c.info.pod_uid, sizeof(c.info.pod_uid), "%s",
		 "6f1c2a7e-0d1b-4c1e-9a55-3f1f7a2b9c10");
	return c;
}

/* Runs one request against a server behaving as told; returns the client's result. */
static int exchange(enum behaviour how, const char *answer, size_t chunk, unsigned timeout_ms,
		    struct server *s, char **msg)
{
	struct oci_container c = container();
	int r;

	free(*msg);
	*msg = NULL;
	server_start(s, how, answer, chunk);
	r = bind_client_request(s->path, &c, CGID, timeout_ms, msg);
	server_stop(s);
	return r;
}

static void test_bound(void **state)
{
	static const char *const want[][2] = {
		{ "op", "bind" },	  { "id", "0123abcd" },
		{ "cgroupId", CGID_STR }, { "profile", "varmor-shop-web" },
		{ "container", "app" },	  { "podNamespace", "shop" },
		{ "podName", "web-0" },	  { "podUid", "6f1c2a7e-0d1b-4c1e-9a55-3f1f7a2b9c10" },
	};
	struct server s;
	_cleanup_free_ char *msg = NULL;
	json_auto_t *req = NULL;

	(void)state;
	assert_int_equal(
		exchange(ANSWER,
			 "{\"ok\":true,\"profile\":\"varmor-shop-web\",\"cgroupId\":\"" CGID_STR
			 "\"}\n",
			 0, 2000, &s, &msg),
		0);
	assert_null(msg);

	/* The request, as the server read it: one line, every field, the id as a string. */
	assert_null(strchr(s.request, '\n'));
	req = json_loads(s.request, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(req);
	for (size_t i = 0; i < ELEMENTSOF(want); i++) {
		const char *v = json_string_value(json_object_get(req, want[i][0]));

		if (!v || strcmp(v, want[i][1]) != 0)
			fail_msg("request field '%s': '%s', not '%s'", want[i][0], strna(v),
				 want[i][1]);
	}
	assert_int_equal(json_integer_value(json_object_get(req, "pid")), 4242);
	assert_int_equal(json_object_size(req), 9);

	/* the answer trickling in, a few bytes at a time */
	assert_int_equal(
		exchange(ANSWER,
			 "{\"ok\": true, \"profile\": \"varmor-shop-web\", \"cgroupId\": \"" CGID_STR
			 "\", \"note\": \"extra fields are fine\"}\n",
			 7, 5000, &s, &msg),
		0);
}

static void test_refused(void **state)
{
	struct server s;
	_cleanup_free_ char *msg = NULL;

	(void)state;
	assert_int_equal(exchange(ANSWER,
				  "{\"ok\":false,\"error\":\"profile 'varmor-shop-web' is not "
				  "applied\\non this node\"}\n",
				  0, 2000, &s, &msg),
			 -EPERM);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "profile 'varmor-shop-web' is not applied on this node"));
	assert_null(strchr(msg, '\n'));
}

static void test_malformed_answers(void **state)
{
	static const char *const answers[] = {
		"not json\n",
		"[true]\n",
		"{}\n",
		"{\"ok\":\"yes\"}\n",
		"{\"ok\":1}\n",
		"{\"ok\":false}\n",
		"{\"ok\":false,\"error\":42}\n",
		"{\"ok\":true}\n",
		"{\"ok\":true,\"profile\":\"other\",\"cgroupId\":\"" CGID_STR "\"}\n",
		"{\"ok\":true,\"profile\":\"varmor-shop-web\",\"cgroupId\":\"1\"}\n",
		"{\"ok\":true,\"profile\":\"varmor-shop-web\",\"cgroupId\":1}\n",
		"{\"ok\":true,\"profile\":\"varmor-shop-web\"}\n",
		"{\"ok\":false,\"ok\":true,\"profile\":\"varmor-shop-web\",\"cgroupId\":\"" CGID_STR
		"\"}\n",
		"\n",
		/* no newline, then EOF */
		"{\"ok\":true,\"profile\":\"varmor-shop-web\",\"cgroupId\":\"" CGID_STR "\"}",
	};
	_cleanup_free_ char *msg = NULL;
	struct server s;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(answers); i++) {
		int r = exchange(ANSWER, answers[i], 0, 2000, &s, &msg);

		if (r != -EPROTO)
			fail_msg("answer %zu: %d, not -EPROTO", i, r);
		assert_non_null(msg);
	}
}

static void test_no_answer(void **state)
{
	_cleanup_free_ char *msg = NULL;
	struct timespec t0, t1;
	struct server s;
	long ms;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(exchange(SILENT, NULL, 0, 300, &s, &msg), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 290);
	assert_true(ms < 2000);
	assert_non_null(strstr(msg, "300 ms"));

	assert_int_equal(exchange(HANG_UP, NULL, 0, 2000, &s, &msg), -EPROTO);
	assert_non_null(strstr(msg, "without an answer"));

	/* an answer that never ends is cut at BIND_MSG_MAX */
	assert_int_equal(exchange(FLOOD, NULL, 0, 2000, &s, &msg), -EPROTO);
	assert_non_null(strstr(msg, "newline"));
}

static void test_no_enforcer(void **state)
{
	_cleanup_free_ char *dir = testlib_tmpdir(), *msg = NULL, *path = NULL;
	struct oci_container c = container();
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char longpath[200];
	int fd;

	(void)state;
	assert_true(asprintf(&path, "%s/enforcer.sock", dir) > 0);
	assert_int_equal(bind_client_request(path, &c, CGID, 1000, &msg), -ENOENT);
	assert_non_null(strstr(msg, path));
	free(msg);
	msg = NULL;

	/* a socket file left by an enforcer that is gone */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(bind_client_request(path, &c, CGID, 1000, &msg), -ECONNREFUSED);
	free(msg);
	msg = NULL;

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(bind_client_request(longpath, &c, CGID, 1000, &msg), -ENAMETOOLONG);
	free(msg);
	msg = NULL;
	assert_int_equal(bind_client_request("", &c, CGID, 1000, &msg), -EINVAL);
	free(msg);
	msg = NULL;

	/* nothing to ask for */
	c.bpf_profile[0] = '\0';
	assert_int_equal(bind_client_request(path, &c, CGID, 1000, &msg), -EINVAL);
	free(msg);
	msg = NULL;
	c = container();
	assert_int_equal(bind_client_request(path, &c, 0, 1000, &msg), -EINVAL);
	fixture_rm_rf(dir);
}

/*
 * Runs the built pavise-oci-hook with argv[1..] (NULL-terminated) and `input`
 * on stdin; returns its exit status, its stderr in err.
 */
static int run_hook(const char *input, char *err, size_t err_size, ...)
{
	char bin[1024], *argv[8] = { "pavise-oci-hook" };
	int in[2], out[2], status;
	size_t n = 1, len = 0;
	va_list ap;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/bin/pavise-oci-hook", testlib_output_dir());
	va_start(ap, err_size);
	for (char *a = va_arg(ap, char *); a && n < ELEMENTSOF(argv) - 1; a = va_arg(ap, char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDERR_FILENO);
		execv(bin, argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	assert_int_equal(write(in[1], input, strlen(input)), (ssize_t)strlen(input));
	close(in[1]);
	for (;;) {
		ssize_t k = read(out[0], err + len, err_size - 1 - len);

		if (k <= 0)
			break;
		len += (size_t)k;
		if (len == err_size - 1)
			break;
	}
	err[len] = '\0';
	close(out[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

#define HOOK_STATE(pid, ann)                                                                             \
	"{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":" pid                   \
	",\"bundle\":\"/nonexistent\",\"annotations\":{\"io.kubernetes.cri.container-name\":\"app\"" ann \
	"}}"
#define HOOK_BPF(v) ",\"container.bpf.security.beta.varmor.org/app\":\"" v "\""

/* Whether anything connected to the listening socket (which is non-blocking). */
static bool was_contacted(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* The program: exit codes, messages, and that unannotated containers contact nothing. */
static void test_hook_program(void **state)
{
	struct server s;
	char err[4096], self[16], st[1024];
	uint64_t id;
	bool v2;

	(void)state;
	/* a socket nobody serves: connections only wait in its backlog */
	server_listen(&s);
	assert_int_equal(fcntl(s.lfd, F_SETFL, O_NONBLOCK), 0);

	/* no annotation, unconfined, hostile: decided without the enforcer */
	assert_int_equal(run_hook(HOOK_STATE("1", ""), err, sizeof(err), "--socket", s.path,
				  "createRuntime", NULL),
			 0);
	assert_string_equal(err, "");
	assert_int_equal(run_hook(HOOK_STATE("1", HOOK_BPF("unconfined")), err, sizeof(err),
				  "prestart", "--socket", s.path, NULL),
			 0);
	assert_int_equal(run_hook(HOOK_STATE("1", HOOK_BPF("localhost/../x")), err, sizeof(err),
				  "--socket", s.path, "--fail-open", "createRuntime", NULL),
			 1);
	assert_non_null(strstr(err, "localhost/../x"));
	assert_non_null(strchr(err, '\n'));
	assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1); /* one line */
	assert_false(was_contacted(s.lfd));

	/* malformed state: refused, or let through with --fail-open */
	assert_int_equal(run_hook("{", err, sizeof(err), "createRuntime", NULL), 1);
	assert_non_null(strstr(err, "state"));
	assert_int_equal(run_hook("{", err, sizeof(err), "createRuntime", "--fail-open", NULL), 0);
	assert_non_null(strstr(err, "fail-open"));

	/* usage */
	assert_int_equal(run_hook("", err, sizeof(err), NULL), 2);
	assert_int_equal(run_hook("", err, sizeof(err), "poststop", NULL), 2);
	assert_int_equal(run_hook("", err, sizeof(err), "--timeout-ms", "0", "createRuntime", NULL),
			 2);
	assert_int_equal(run_hook("", err, sizeof(err), "--socket", "rel", "createRuntime", NULL),
			 2);
	assert_int_equal(run_hook("", err, sizeof(err), "--version", NULL), 0);
	assert_false(was_contacted(s.lfd));

	/* the bind path for this very process: it needs a cgroup v2 host */
	snprintf(self, sizeof(self), "%d", getpid());
	snprintf(
		st, sizeof(st),
		"{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":%s,"
		"\"bundle\":\"/nonexistent\",\"annotations\":{\"io.kubernetes.cri.container-name\":"
		"\"app\"" HOOK_BPF("localhost/web") "}}",
		self);
	v2 = oci_cgroup_id_of_pid(NULL, getpid(), &id) == 0;
	if (v2) {
		/* nobody answers on this socket: the deadline refuses it */
		assert_int_equal(run_hook(st, err, sizeof(err), "--socket", s.path, "--timeout-ms",
					  "300", "createRuntime", NULL),
				 1);
		assert_non_null(strstr(err, "not bound to BPF profile 'web'"));
		assert_true(was_contacted(s.lfd));
	} else {
		assert_int_equal(run_hook(st, err, sizeof(err), "--socket", s.path, "createRuntime",
					  NULL),
				 1);
		assert_non_null(strstr(err, "no cgroup v2"));
		assert_false(was_contacted(s.lfd));
	}
	assert_int_equal(run_hook(st, err, sizeof(err), "--socket", s.path, "--timeout-ms", "300",
				  "--fail-open", "createRuntime", NULL),
			 0);

	close(s.lfd);
	fixture_rm_rf(s.dir);
	free(s.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_malformed_answers),
		cmocka_unit_test(test_no_answer),
		cmocka_unit_test(test_no_enforcer),
		cmocka_unit_test(test_hook_program),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

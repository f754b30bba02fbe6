// SPDX-License-Identifier: Apache-2.0
/* Integration: the real pavise-enforcer binary on a fake node, driven through its files and over HTTP. */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "common/json-util.h"
#include "enforcer/bind-protocol.h"
#include "enforcer/tests/fixtures.h"
#include "tests/lib/testlib.h"

#define FAKE_PARSER                                                                   \
	"#!/bin/sh\n"                                                                 \
	"echo \"$*\" >>\"$(dirname \"$0\")/args.log\"\n"                              \
	"case \"$*\" in *broken*) echo 'syntax error at line 2' >&2; exit 1;; esac\n" \
	"exit 0\n"

struct env {
	char *dir;
	char root[512], profiles[512], state[512], seccomp[512], parser[512], log[512];
	char sock[100], pins[512], violations[512];
	pid_t pid;
	unsigned port;
};

static struct env E;

static size_t collect(char *ptr, size_t size, size_t n, void *userdata)
{
	struct buf *b = userdata;

	return buf_append(b, ptr, size * n) < 0 ? 0 : size * n;
}

/* GET path; returns the status, body in *ret_body (caller frees). */
static long get(const char *path, char **ret_body)
{
	CURL *c = curl_easy_init();
	struct buf b;
	char url[256];
	long code = 0;

	assert_non_null(c);
	buf_init(&b, 16 * 1024 * 1024);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", E.port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	*ret_body = buf_take(&b, NULL);
	if (!*ret_body)
		*ret_body = strdup("");
	return code;
}

static json_t *status(void)
{
	_cleanup_free_ char *body = NULL;
	json_t *j;

	assert_int_equal(get("/v1/status", &body), 200);
	j = json_loads(body, 0, NULL);
	assert_non_null(j);
	return j;
}

/* The state of one part of one profile in /v1/status, "" when absent. */
static const char *state_in(json_t *st, const char *name, const char *part, const char **msg)
{
	json_t *profiles = json_object_get(st, "profiles"), *p;
	size_t i;

	json_array_foreach(profiles, i, p) {
		json_t *e;

		if (strcmp(json_string_value(json_object_get(p, "name")), name) != 0)
			continue;
		e = json_object_get(json_object_get(p, "enforcers"), part);
		if (msg)
			*msg = json_string_value(json_object_get(e, "message"));
		return e ? json_string_value(json_object_get(e, "state")) : "";
	}
	return "";
}

/* Polls /v1/status until name/part reaches want ("" = gone); returns the elapsed ms. */
static unsigned wait_state(const char *name, const char *part, const char *want)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 500; i++) {
		json_t *st = status();
		bool ok = strcmp(state_in(st, name, part, NULL), want) == 0;

		json_decref(st);
		if (ok) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			return (unsigned)((t1.tv_sec - t0.tv_sec) * 1000 +
					  (t1.tv_nsec - t0.tv_nsec) / 1000000);
		}
		usleep(10 * 1000);
	}
	fail_msg("%s/%s never became '%s'", name, part, want);
	return 0;
}

static int setup(void **state)
{
	char bin[512], line[1024], port[32];
	const char *p;

	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	E.dir = testlib_tmpdir();
	snprintf(E.root, sizeof(E.root), "%s/root", E.dir);
	snprintf(E.profiles, sizeof(E.profiles), "%s/profiles", E.dir);
	snprintf(E.state, sizeof(E.state), "%s/state", E.dir);
	snprintf(E.seccomp, sizeof(E.seccomp), "%s/seccomp", E.dir);
	snprintf(E.parser, sizeof(E.parser), "%s/parser", E.dir);
	snprintf(E.log, sizeof(E.log), "%s/enforcer.log", E.dir);
	/* the socket's directory is created by the enforcer */
	snprintf(E.sock, sizeof(E.sock), "%s/run/bind.sock", E.dir);
	/* not on a bpffs: wherever the test runs, the BPF LSM is unavailable */
	snprintf(E.pins, sizeof(E.pins), "%s/pins", E.dir);
	snprintf(E.violations, sizeof(E.violations), "%s/violations.log", E.dir);
	snprintf(bin, sizeof(bin), "%s/bin/pavise-enforcer", testlib_output_dir());
	snprintf(line, sizeof(line), "%s/sys/kernel/security/apparmor", E.root);
	if (mkdir_p(line, 0755) < 0 || mkdir_p(E.profiles, 0755) < 0)
		return -1;
	snprintf(line, sizeof(line), "%s/sys/module/apparmor/parameters", E.root);
	if (mkdir_p(line, 0755) < 0 || fixture_write(line, "enabled", "Y\n") < 0)
		return -1;
	snprintf(line, sizeof(line), "%s/sys/kernel/security", E.root);
	if (fixture_write(line, "lsm", "lockdown,capability,apparmor,bpf\n") < 0)
		return -1;
	snprintf(line, sizeof(line), "%s/proc/self", E.root);
	if (mkdir_p(line, 0755) < 0 || fixture_write(line, "status", "Seccomp:\t0\n") < 0)
		return -1;
	snprintf(line, sizeof(line), "%s/proc", E.root);
	if (fixture_write(line, "partitions", " 8 0 1 vda\n 8 1 1 vda1\n") < 0)
		return -1;
	if (write_file_atomic(E.parser, FAKE_PARSER, strlen(FAKE_PARSER), 0755) < 0)
		return -1;
	/* left by an earlier run whose ArmorProfile was deleted while it was down */
	snprintf(line, sizeof(line), "%s/apparmor.d", E.state);
	if (mkdir_p(line, 0755) < 0 || fixture_write(line, "stale", "profile stale {}\n") < 0)
		return -1;
	{
		_cleanup_free_ char *aa = fixture_apparmor("initial", NULL);
		_cleanup_free_ char *doc =
			fixture_profile("initial", "enforce", aa, FIXTURE_SECCOMP);

		if (fixture_write(E.profiles, "initial.json", doc) < 0)
			return -1;
	}
	{
		char *argv[] = { bin,
				 (char *)"--profile-dir",
				 E.profiles,
				 (char *)"--state-dir",
				 E.state,
				 (char *)"--seccomp-dir",
				 E.seccomp,
				 (char *)"--apparmor-parser",
				 E.parser,
				 (char *)"--host-root",
				 E.root,
				 (char *)"--listen",
				 (char *)"127.0.0.1:0",
				 (char *)"--log-level",
				 (char *)"debug",
				 (char *)"--bind-socket",
				 E.sock,
				 (char *)"--bpf-pin-dir",
				 E.pins,
				 (char *)"--runc-root",
				 E.dir,
				 (char *)"--violations-log",
				 E.violations,
				 NULL };

		E.pid = testlib_spawn(argv, E.log);
	}
	if (E.pid < 0 ||
	    testlib_wait_for(E.log, "listening on port ", 10000, line, sizeof(line)) < 0)
		return -1;
	p = strstr(line, "listening on port ") + strlen("listening on port ");
	snprintf(port, sizeof(port), "%.*s", (int)strspn(p, "0123456789"), p);
	E.port = (unsigned)strtoul(port, NULL, 10);
	return E.port ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (E.pid > 0)
		(void)testlib_stop(E.pid, SIGKILL, 2000);
	fixture_rm_rf(E.dir);
	free(E.dir);
	curl_global_cleanup();
	return 0;
}

static void test_ready_and_initial(void **state)
{
	_cleanup_free_ char *body = NULL;
	json_t *st;
	const char *msg = NULL;

	(void)state;
	assert_int_equal(testlib_wait_for(E.log, "initial sync", 10000, NULL, 0), 0);
	assert_int_equal(get("/healthz", &body), 200);
	free(body);
	assert_int_equal(get("/readyz", &body), 200);
	st = status();
	assert_true(json_is_true(json_object_get(st, "ready")));
	assert_true(json_is_true(json_path(st, "node", "capabilities", "apparmor", NULL)));
	assert_true(json_is_true(json_path(st, "node", "capabilities", "bpf", NULL)));
	assert_true(json_is_true(json_path(st, "node", "capabilities", "seccomp", NULL)));
	assert_string_equal(state_in(st, "initial", "apparmor", NULL), "applied");
	assert_string_equal(state_in(st, "initial", "seccomp", NULL), "applied");
	assert_string_equal(state_in(st, "initial", "bpf", NULL), "");
	json_decref(st);
	free(body);
	body = fixture_read(E.seccomp, "initial");
	assert_string_equal(body, FIXTURE_SECCOMP);
	free(body);
	body = fixture_read(E.state, "apparmor.d/initial");
	assert_non_null(strstr(body, "@{PAVISE_DISK_DEVICES}=/dev/vda\n"));
	free(body);
	/* the stale profile was unloaded and removed, the known one kept */
	assert_null(fixture_read(E.state, "apparmor.d/stale"));
	body = fixture_read(E.dir, "args.log");
	{
		char want[1024];

		snprintf(want, sizeof(want), "-R %s/apparmor.d/stale\n", E.state);
		assert_non_null(strstr(body, want));
	}
	(void)msg;
}

static void test_files_come_and_go(void **state)
{
	_cleanup_free_ char *aa = fixture_apparmor("web", NULL);
	_cleanup_free_ char *aa_bad = fixture_apparmor("broken", "  this is not a rule\n");
	_cleanup_free_ char *doc = NULL, *doc2 = NULL, *bad = NULL, *body = NULL, *args = NULL;
	char text[16384], path[1024];
	const char *msg = NULL;
	unsigned ms;
	json_t *st;

	(void)state;
	/* two profiles in one YAML stream, one with a BPF part, one the parser refuses */
	doc = fixture_profile("web", "enforce", aa, NULL);
	bad = fixture_profile("broken", "enforce", aa_bad, "{\"defaultAction\":1}");
	snprintf(text, sizeof(text), "%s\n---\n%s\n", doc, bad);
	assert_int_equal(fixture_write(E.profiles, "pair.yaml", text), 0);
	ms = wait_state("web", "apparmor", "applied");
	print_message("# profile file written -> AppArmor part applied: %u ms\n", ms);
	wait_state("broken", "apparmor", "failed");
	st = status();
	state_in(st, "broken", "apparmor", &msg);
	assert_non_null(
		strstr(msg, "apparmor_parser exited with status 1: syntax error at line 2"));
	state_in(st, "broken", "seccomp", &msg);
	assert_non_null(strstr(msg, "seccomp: profile refused by libseccomp: "));
	json_decref(st);

	/* hostile names and wrong kinds are refused with a reason; nothing is written */
	assert_int_equal(
		fixture_write(E.profiles, "hostile.yaml",
			      "apiVersion: crd.varmor.org/v1beta1\nkind: ArmorProfile\n"
			      "metadata: {name: ../../etc/passwd}\n"
			      "spec: {profile: {name: ../../etc/passwd, seccomp: '{}'}}\n"
			      "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"),
		0);
	for (int i = 0; i < 300; i++) {
		st = status();
		if (json_array_size(json_object_get(st, "refused")) == 2)
			break;
		json_decref(st);
		st = NULL;
		usleep(10 * 1000);
	}
	assert_non_null(st);
	assert_string_equal(
		json_string_value(
			json_path(json_array_get(json_object_get(st, "refused"), 0), "name", NULL)),
		"../../etc/passwd");
	assert_non_null(
		strstr(json_string_value(json_object_get(
			       json_array_get(json_object_get(st, "refused"), 0), "message")),
		       "not a valid profile name"));
	json_decref(st);

	/* metrics follow */
	assert_int_equal(get("/metrics", &body), 200);
	assert_non_null(strstr(
		body, "pavise_enforcer_profiles{enforcer=\"apparmor\",state=\"applied\"} 2\n"));
	assert_non_null(strstr(
		body, "pavise_enforcer_profiles{enforcer=\"apparmor\",state=\"failed\"} 1\n"));
	assert_non_null(
		strstr(body, "pavise_enforcer_apply_failures_total{enforcer=\"seccomp\"} 1\n"));
	assert_non_null(strstr(body, "pavise_enforcer_node_capability{enforcer=\"bpf\"} 1\n"));
	assert_non_null(strstr(body, "pavise_enforcer_refused_documents 2\n"));
	assert_non_null(strstr(body, "pavise_enforcer_apparmor_parser_seconds_count"));
	assert_non_null(strstr(body, "pavise_build_info{program=\"pavise-enforcer\""));
	free(body);
	body = NULL;

	/* rename-over switches web to complain mode and gives it a BPF part */
	doc2 = fixture_profile("web", "complain", aa, NULL);
	{
		json_t *j = json_loads(doc2, 0, NULL);

		json_object_set_new(json_path(j, "spec", "profile", NULL), "bpf",
				    json_pack("{s:[]}", "files"));
		free(doc2);
		doc2 = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	}
	snprintf(text, sizeof(text), "%s\n---\n%s\n", doc2, bad);
	assert_int_equal(fixture_write(E.profiles, ".pair.tmp", text), 0);
	snprintf(path, sizeof(path), "%s/.pair.tmp", E.profiles);
	snprintf(text, sizeof(text), "%s/pair.yaml", E.profiles);
	assert_int_equal(rename(path, text), 0);
	/* no BPF LSM here: the BPF part fails and says why, AppArmor goes on */
	wait_state("web", "bpf", "failed");
	st = status();
	state_in(st, "web", "bpf", &msg);
	assert_non_null(strstr(msg, "BPF LSM unavailable: "));
	state_in(st, "web", "apparmor", &msg);
	assert_string_equal(msg, "loaded (complain)");
	json_decref(st);

	/* delete: unloaded, files gone */
	snprintf(path, sizeof(path), "%s/pair.yaml", E.profiles);
	assert_int_equal(unlink(path), 0);
	wait_state("web", "apparmor", "");
	assert_null(fixture_read(E.state, "apparmor.d/web"));
	args = fixture_read(E.dir, "args.log");
	snprintf(text, sizeof(text), "-r -K -C %s/apparmor.d/web\n", E.state);
	assert_non_null(strstr(args, text));
	snprintf(text, sizeof(text), "-R %s/apparmor.d/web\n", E.state);
	assert_non_null(strstr(args, text));
	for (int i = 0; i < 500; i++) {
		long code = get("/readyz", &body);

		free(body);
		body = NULL;
		if (code == 200)
			return;
		assert_int_equal(code, 503);
		usleep(10 * 1000);
	}
	fail_msg("never ready again");
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *s = strstr(hay, needle); s; s = strstr(s + 1, needle))
		n++;
	return n;
}

/* One request over the bind socket, as the hook sends it; returns the answer line parsed. */
static json_t *bind_request(const char *line)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char buf[BIND_MSG_MAX + 1];
	size_t len = 0;

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", E.sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(send(fd, line, strlen(line), MSG_NOSIGNAL), (ssize_t)strlen(line));
	for (;;) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);

		assert_true(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	assert_non_null(strchr(buf, '\n'));
	return json_loads(buf, 0, NULL);
}

static void test_bind_socket(void **state)
{
	_cleanup_free_ char *body = NULL;
	char dir[512];
	struct stat st_sock, st_dir;
	const char *err;
	json_t *resp, *st;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/run", E.dir);
	assert_int_equal(stat(E.sock, &st_sock), 0);
	assert_true(S_ISSOCK(st_sock.st_mode));
	assert_int_equal(st_sock.st_mode & 07777, 0600);
	assert_int_equal(stat(dir, &st_dir), 0);
	assert_int_equal(st_dir.st_mode & 07777, 0700);

	/* without the BPF LSM every bind is refused, saying why: the hook fails closed */
	resp = bind_request("{\"op\": \"bind\", \"id\": \"c1\", \"pid\": 1, "
			    "\"profile\": \"initial\"}\n");
	assert_non_null(resp);
	assert_true(json_is_false(json_object_get(resp, "ok")));
	err = json_string_value(json_object_get(resp, "error"));
	assert_non_null(err);
	assert_non_null(
		strstr(err, "the BPF LSM is not available on this node: BPF LSM unavailable"));
	json_decref(resp);
	resp = bind_request("not json\n");
	assert_non_null(strstr(json_string_value(json_object_get(resp, "error")), "not JSON"));
	json_decref(resp);
	assert_int_equal(testlib_wait_for(E.log, "bind: container 'c1' (pod '/') refused", 5000,
					  NULL, 0),
			 0);

	st = status();
	assert_true(json_is_false(json_path(st, "bpf", "available", NULL)));
	assert_non_null(strstr(json_string_value(json_path(st, "bpf", "message", NULL)),
			       "BPF LSM unavailable: "));
	assert_true(json_is_true(json_path(st, "bind", "listening", NULL)));
	assert_int_equal(json_integer_value(json_path(st, "bind", "failed", NULL)), 2);
	assert_int_equal(json_array_size(json_path(st, "bpf", "bindings", NULL)), 0);
	assert_true(json_is_true(json_path(st, "violations", "enabled", NULL)));
	json_decref(st);
	assert_int_equal(get("/metrics", &body), 200);
	assert_non_null(strstr(body, "pavise_enforcer_binds_total{result=\"failed\"} 2\n"));
	assert_non_null(strstr(body, "pavise_enforcer_binds_total{result=\"ok\"} 0\n"));
	assert_non_null(strstr(body, "pavise_enforcer_bpf_available 0\n"));
	assert_non_null(strstr(body, "pavise_enforcer_violations_total{enforcer=\"bpf\"} 0\n"));
	/* the violation log exists from the start, for whoever tails it */
	assert_int_equal(stat(E.violations, &st_sock), 0);
}

static void test_sighup_and_sigterm(void **state)
{
	_cleanup_free_ char *before = NULL, *after = NULL;

	(void)state;
	/* SIGHUP rescans; "initial" is unchanged and applied, so the parser is not run again */
	before = fixture_read(E.dir, "args.log");
	assert_int_equal(kill(E.pid, SIGHUP), 0);
	assert_int_equal(testlib_wait_for(E.log, "SIGHUP", 5000, NULL, 0), 0);
	usleep(200 * 1000);
	after = fixture_read(E.dir, "args.log");
	assert_int_equal(count(before, "/apparmor.d/initial\n"),
			 count(after, "/apparmor.d/initial\n"));
	assert_int_equal(testlib_stop(E.pid, SIGTERM, 5000), 0);
	E.pid = 0;
	assert_int_equal(testlib_wait_for(E.log, "SIGTERM, stopping", 1000, NULL, 0), 0);
	/* profiles stay loaded across a restart: no -R was run for "initial" */
	{
		char removed[1024];

		snprintf(removed, sizeof(removed), "-R %s/apparmor.d/initial\n", E.state);
		assert_null(strstr(after, removed));
	}
}

static void test_tls(void **state)
{
	char bin[512], certs[600], crt[700], key[700], ca[700], p2[600], log[600], line[1024],
		url[128];
	char *gen[] = { bin,   (char *)"cert",	(char *)"generate",  (char *)"--out-dir",
			certs, (char *)"--san", (char *)"127.0.0.1", NULL };
	char *half[] = { bin, (char *)"--profile-dir", p2, (char *)"--tls-cert", crt, NULL };
	struct buf b;
	long code = 0;
	CURL *c;
	pid_t pid;
	const char *p;

	(void)state;
	snprintf(certs, sizeof(certs), "%s/certs", E.dir);
	snprintf(crt, sizeof(crt), "%s/tls.crt", certs);
	snprintf(key, sizeof(key), "%s/tls.key", certs);
	snprintf(ca, sizeof(ca), "%s/ca.crt", certs);
	snprintf(p2, sizeof(p2), "%s/p2", E.dir);
	snprintf(log, sizeof(log), "%s/tls.log", E.dir);
	snprintf(bin, sizeof(bin), "%s/bin/pavisectl", testlib_output_dir());
	assert_int_equal(testlib_run(gen, NULL), 0);

	snprintf(bin, sizeof(bin), "%s/bin/pavise-enforcer", testlib_output_dir());
	/* a certificate without its key is a usage error */
	assert_int_equal(testlib_run(half, NULL), 2);
	{
		char *argv[] = { bin,
				 (char *)"--profile-dir",
				 p2,
				 (char *)"--state-dir",
				 p2,
				 (char *)"--seccomp-dir",
				 p2,
				 (char *)"--host-root",
				 E.root,
				 (char *)"--apparmor-parser",
				 E.parser,
				 (char *)"--listen",
				 (char *)"127.0.0.1:0",
				 (char *)"--tls-cert",
				 crt,
				 (char *)"--tls-key",
				 key,
				 (char *)"--bind-socket",
				 E.sock,
				 (char *)"--bpf-pin-dir",
				 E.pins,
				 (char *)"--runc-root",
				 E.dir,
				 NULL };

		pid = testlib_spawn(argv, log);
	}
	assert_true(pid > 0);
	assert_int_equal(testlib_wait_for(log, "(https)", 10000, line, sizeof(line)), 0);
	p = strstr(line, "listening on port ") + strlen("listening on port ");
	snprintf(url, sizeof(url), "https://127.0.0.1:%.*s/readyz", (int)strspn(p, "0123456789"),
		 p);
	assert_int_equal(testlib_wait_for(log, "initial sync", 10000, NULL, 0), 0);
	c = curl_easy_init();
	buf_init(&b, 4096);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	assert_int_equal(code, 200);
	assert_string_equal(b.data, "ok\n");
	buf_free(&b);
	assert_int_equal(testlib_stop(pid, SIGTERM, 5000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_and_initial),
		cmocka_unit_test(test_files_come_and_go),
		cmocka_unit_test(test_bind_socket),
		cmocka_unit_test(test_sighup_and_sigterm),
		cmocka_unit_test(test_tls),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

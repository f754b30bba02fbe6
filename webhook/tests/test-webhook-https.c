// SPDX-License-Identifier: Apache-2.0
/*
 * Integration: the real pavise-webhook binary on a loopback port with
 * certificates from `pavisectl cert generate`, driven over HTTPS with libcurl:
 * mutation, validation, every kind of bad input, slow and concurrent clients,
 * policy file reload and a clean SIGTERM.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "common/base64.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "common/json-util.h"
#include "tests/lib/testlib.h"

struct env {
	char *dir;
	char ca[512], log[512], policies[512];
	pid_t pid;
	unsigned port;
};

static struct env E;

#define POLICIES_V1                                                                                \
	"apiVersion: crd.varmor.org/v1beta1\nkind: VarmorPolicy\nmetadata:\n  name: demo\n"        \
	"  namespace: demo\nspec:\n  target:\n    kind: Deployment\n    selector:\n"               \
	"      matchLabels:\n        app: demo\n  policy:\n    enforcer: AppArmorBPFSeccomp\n"     \
	"    mode: EnhanceProtect\n    enhanceProtect:\n      hardeningRules: [disallow-umount]\n" \
	"---\napiVersion: crd.varmor.org/v1beta1\nkind: VarmorClusterPolicy\nmetadata:\n"          \
	"  name: pods\nspec:\n  target:\n    kind: Pod\n    selector:\n      matchLabels:\n"       \
	"        app: pod\n  policy:\n    enforcer: BPF\n    mode: AlwaysAllow\n"

#define POLICIES_V2                                                                         \
	"apiVersion: crd.varmor.org/v1beta1\nkind: VarmorPolicy\nmetadata:\n  name: demo\n" \
	"  namespace: demo\nspec:\n  target:\n    kind: Deployment\n    selector:\n"        \
	"      matchLabels:\n        app: demo\n  policy:\n    enforcer: Seccomp\n"         \
	"    mode: RuntimeDefault\n"

static const char *bin(const char *name)
{
	static __thread char path[512];

	snprintf(path, sizeof(path), "%s/bin/%s", testlib_output_dir(), name);
	return path;
}

static int setup(void **state)
{
	char line[1024], crt[512], key[512];
	const char *p;

	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	E.dir = testlib_tmpdir();
	assert_non_null(E.dir);
	snprintf(E.ca, sizeof(E.ca), "%s/ca.crt", E.dir);
	snprintf(E.log, sizeof(E.log), "%s/webhook.log", E.dir);
	snprintf(E.policies, sizeof(E.policies), "%s/policies.yaml", E.dir);
	snprintf(crt, sizeof(crt), "%s/tls.crt", E.dir);
	snprintf(key, sizeof(key), "%s/tls.key", E.dir);
	{
		char *argv[] = { (char *)bin("pavisectl"),
				 "cert",
				 "generate",
				 "--out-dir",
				 E.dir,
				 "--san",
				 "127.0.0.1",
				 "--san",
				 "localhost",
				 NULL };

		assert_int_equal(testlib_run(argv, E.log), 0);
	}
	assert_int_equal(write_file_atomic(E.policies, POLICIES_V1, strlen(POLICIES_V1), 0644), 0);
	{
		char *argv[] = { (char *)bin("pavise-webhook"),
				 "--listen",
				 "127.0.0.1:0",
				 "--tls-cert",
				 crt,
				 "--tls-key",
				 key,
				 "--policy-file",
				 E.policies,
				 "--kubernetes-version",
				 "1.31",
				 "--timeout",
				 "2",
				 "--log-level",
				 "debug",
				 NULL };

		E.pid = testlib_spawn(argv, E.log);
	}
	assert_true(E.pid > 0);
	assert_int_equal(testlib_wait_for(E.log, "server: serving on", 10000, line, sizeof(line)),
			 0);
	p = strstr(line, "(port ");
	assert_non_null(p);
	E.port = (unsigned)strtoul(p + 6, NULL, 10);
	assert_true(E.port > 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (E.pid > 0)
		testlib_stop(E.pid, SIGKILL, 2000);
	curl_global_cleanup();
	return 0;
}

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
	struct buf *b = userdata;

	return buf_append(b, data, size * n) < 0 ? 0 : size * n;
}

struct reply {
	long status;
	struct buf body;
};

static void reply_done(struct reply *r)
{
	buf_free(&r->body);
}

/* One request on `curl` (reused for keep-alive); chunked when len is (size_t)-1 semantics off. */
static int request(CURL *curl, const char *method, const char *path, const char *ctype,
		   const char *body, size_t len, bool chunked, struct reply *ret)
{
	struct curl_slist *h = NULL;
	char url[256], hdr[256];
	CURLcode c;

	snprintf(url, sizeof(url), "https://127.0.0.1:%u%s", E.port, path);
	buf_init(&ret->body, 64 * 1024 * 1024);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CAINFO, E.ca);
	curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ret->body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (ctype) {
		snprintf(hdr, sizeof(hdr), "Content-Type: %s", ctype);
		h = curl_slist_append(h, hdr);
	}
	if (chunked)
		h = curl_slist_append(h, "Transfer-Encoding: chunked");
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 chunked ? (curl_off_t)-1 : (curl_off_t)len);
	} else {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	}
	c = curl_easy_perform(curl);
	curl_slist_free_all(h);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, NULL);
	if (c != CURLE_OK)
		return -EIO;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &ret->status);
	return 0;
}

static json_t *review(const char *group, const char *kind, const char *op, const char *ns,
		      json_t *object /* stolen */)
{
	return json_pack("{s:s,s:s,s:{s:s,s:{s:s,s:s,s:s},s:s,s:s,s:o}}", "apiVersion",
			 "admission.k8s.io/v1", "kind", "AdmissionReview", "request", "uid",
			 "uid-1", "kind", "group", group, "version", "v1", "kind", kind,
			 "operation", op, "namespace", ns, "object", object);
}

static json_t *deployment(const char *app, int n_containers)
{
	json_t *containers = json_array();

	for (int i = 0; i < n_containers; i++) {
		char name[32];

		snprintf(name, sizeof(name), "c%d", i);
		json_array_append_new(containers, json_pack("{s:s}", "name", name));
	}
	return json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s,s:s}},s:{s:{s:{},s:{s:o}}}}", "apiVersion",
			 "apps/v1", "kind", "Deployment", "metadata", "name", "d", "namespace",
			 "demo", "labels", "app", app, "sandbox.varmor.org/enable", "true", "spec",
			 "template", "metadata", "spec", "containers", containers);
}

/* Posts a review to /mutate; returns the decoded response object and the patched object. */
static void mutate(CURL *curl, json_t *rev /* stolen */, json_t **ret_response,
		   json_t **ret_patched)
{
	json_auto_t *r = rev;
	_cleanup_free_ char *body = json_dumps(r, JSON_COMPACT);
	struct reply rep;
	json_t *resp, *response;
	const char *p64;

	assert_int_equal(request(curl, "POST", "/mutate", "application/json", body, strlen(body),
				 false, &rep),
			 0);
	assert_int_equal(rep.status, 200);
	resp = json_loads(rep.body.data, 0, NULL);
	assert_non_null(resp);
	response = json_object_get(resp, "response");
	assert_string_equal(json_string_value(json_object_get(response, "uid")), "uid-1");
	p64 = json_string_value(json_object_get(response, "patch"));
	if (ret_patched) {
		json_t *obj = json_deep_copy(json_path(r, "request", "object", NULL));

		if (p64) {
			_cleanup_free_ char *patch_text = NULL;
			json_auto_t *patch = NULL;
			size_t n;

			assert_string_equal(
				json_string_value(json_object_get(response, "patchType")),
				"JSONPatch");
			assert_int_equal(base64_decode(p64, strlen(p64), &patch_text, &n), 0);
			patch = json_loadb(patch_text, n, 0, NULL);
			assert_non_null(patch);
			assert_int_equal(json_patch_apply(obj, patch, NULL), 0);
		}
		*ret_patched = obj;
	}
	*ret_response = resp;
	reply_done(&rep);
}

static void test_mutate_deployment(void **state)
{
	CURL *curl = curl_easy_init();
	json_auto_t *resp = NULL, *obj = NULL;

	(void)state;
	mutate(curl, review("apps", "Deployment", "CREATE", "demo", deployment("demo", 2)), &resp,
	       &obj);
	assert_true(json_is_true(json_path(resp, "response", "allowed", NULL)));
	assert_string_equal(
		json_string_value(json_pointer_get(
			obj,
			"/spec/template/metadata/annotations/container.bpf.security.beta.varmor.org~1c1")),
		"localhost/varmor-demo-demo");
	assert_string_equal(
		json_string_value(json_pointer_get(
			obj,
			"/spec/template/spec/containers/0/securityContext/seccompProfile/localhostProfile")),
		"varmor-demo-demo");
	assert_string_equal(
		json_string_value(json_pointer_get(
			obj,
			"/spec/template/spec/containers/1/securityContext/appArmorProfile/type")),
		"Localhost");
	assert_non_null(
		json_pointer_get(obj, "/metadata/annotations/webhook.varmor.org~1mutatedAt"));
	curl_easy_cleanup(curl);
}

static void test_mutate_pod_and_misses(void **state)
{
	CURL *curl = curl_easy_init();
	json_auto_t *r1 = NULL, *o1 = NULL, *r2 = NULL, *o2 = NULL, *r3 = NULL, *o3 = NULL;
	json_t *pod = json_pack("{s:s,s:s,s:{s:s,s:{s:s,s:s}},s:{s:[{s:s}]}}", "apiVersion", "v1",
				"kind", "Pod", "metadata", "generateName", "p-", "labels", "app",
				"pod", "sandbox.varmor.org/enable", "true", "spec", "containers",
				"name", "main");

	(void)state;
	mutate(curl, review("", "Pod", "CREATE", "any", pod), &r1, &o1);
	assert_string_equal(
		json_string_value(json_pointer_get(
			o1, "/metadata/annotations/container.bpf.security.beta.varmor.org~1main")),
		"localhost/varmor-cluster-pavise-system-pods");
	/* Unknown kinds and unmatched workloads are let through untouched. */
	mutate(curl, review("batch", "Job", "CREATE", "demo", deployment("demo", 1)), &r2, &o2);
	assert_true(json_is_true(json_path(r2, "response", "allowed", NULL)));
	assert_null(json_path(r2, "response", "patch", NULL));
	mutate(curl, review("apps", "Deployment", "CREATE", "demo", deployment("other", 1)), &r3,
	       &o3);
	assert_null(json_path(r3, "response", "patch", NULL));
	curl_easy_cleanup(curl);
}

static void test_many_containers(void **state)
{
	CURL *curl = curl_easy_init();
	json_auto_t *resp = NULL, *obj = NULL;

	(void)state;
	mutate(curl, review("apps", "Deployment", "CREATE", "demo", deployment("demo", 3000)),
	       &resp, &obj);
	assert_string_equal(
		json_string_value(json_pointer_get(
			obj,
			"/spec/template/spec/containers/2999/securityContext/seccompProfile/type")),
		"Localhost");
	curl_easy_cleanup(curl);
}

static void expect_status(CURL *curl, const char *method, const char *path, const char *ctype,
			  const char *body, size_t len, bool chunked, long want,
			  const char *want_text)
{
	struct reply rep;

	assert_int_equal(request(curl, method, path, ctype, body, len, chunked, &rep), 0);
	if (rep.status != want)
		fprintf(stderr, "# %s %s: got %ld: %s\n", method, path, rep.status,
			strempty(rep.body.data));
	assert_int_equal(rep.status, want);
	if (want_text) {
		if (!rep.body.data || !strstr(rep.body.data, want_text))
			fprintf(stderr, "# body: %s\n", strempty(rep.body.data));
		assert_non_null(rep.body.data);
		assert_non_null(strstr(rep.body.data, want_text));
	}
	reply_done(&rep);
}

static void test_bad_input(void **state)
{
	CURL *curl = curl_easy_init();
	size_t big = 3U * 1024 * 1024 + 1;
	_cleanup_free_ char *huge = malloc(big + 1);
	const char *no_uid =
		"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"kind\":{\"kind\":\"Pod\"}}}";
	const char *no_object =
		"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u9\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"operation\":\"CREATE\",\"namespace\":\"x\"}}";

	(void)state;
	assert_non_null(huge);
	memset(huge, ' ', big);
	huge[big] = '\0';
	expect_status(curl, "GET", "/mutate", NULL, NULL, 0, false, 405, NULL);
	expect_status(curl, "POST", "/mutate", "text/plain", "{}", 2, false, 415, NULL);
	expect_status(curl, "POST", "/nowhere", "application/json", "{}", 2, false, 404, NULL);
	expect_status(curl, "POST", "/mutate", "application/json", huge, big, false, 413, NULL);
	expect_status(curl, "POST", "/mutate", "application/json", huge, big, true, 413, NULL);
	expect_status(curl, "POST", "/mutate", "application/json", huge, big - 1, false, 400,
		      "not valid JSON");
	expect_status(curl, "POST", "/mutate", "application/json", "{\"a\":", 5, false, 400,
		      "not valid JSON");
	expect_status(curl, "POST", "/mutate", "application/json", "[1,2]", 5, false, 400,
		      "AdmissionReview");
	expect_status(curl, "POST", "/mutate", "application/json", no_uid, strlen(no_uid), false,
		      400, "uid");
	/* A review with a uid is answered in kind: a denial naming the field. */
	expect_status(curl, "POST", "/mutate", "application/json", no_object, strlen(no_object),
		      false, 200, "request.object: missing");
	expect_status(curl, "POST", "/mutate", "application/json; charset=utf-8", no_object,
		      strlen(no_object), false, 200, "\"allowed\":false");
	/* Still serving after all that. */
	expect_status(curl, "GET", "/healthz", NULL, NULL, 0, false, 200, "ok");
	curl_easy_cleanup(curl);
}

static void test_slow_client(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)E.port) };
	struct timespec t0, t1;
	CURL *curl = curl_easy_init();
	char c;
	int fd;
	ssize_t n;

	(void)state;
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, "\x16\x03\x01", 3), 3); /* a TLS record header, then silence */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Others are served meanwhile. */
	expect_status(curl, "GET", "/healthz", NULL, NULL, 0, false, 200, NULL);
	{
		struct timeval tv = { .tv_sec = 10 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	/* The server may send a TLS alert before it closes: read to the end. */
	do
		n = read(fd, &c, 1);
	while (n > 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(n == 0 || errno == ECONNRESET); /* closed by the server, not our timeout */
	assert_true(t1.tv_sec - t0.tv_sec < 9); /* by its 2 s timeout, not ours */
	close(fd);
	curl_easy_cleanup(curl);
}

static void *concurrent_worker(void *arg)
{
	CURL *curl = curl_easy_init();
	long ok = 0;

	(void)arg;
	for (int i = 0; i < 150; i++) {
		json_auto_t *rev =
			review("apps", "Deployment", "UPDATE", "demo", deployment("demo", 2));
		_cleanup_free_ char *body = json_dumps(rev, JSON_COMPACT);
		struct reply rep;

		if (request(curl, "POST", "/mutate", "application/json", body, strlen(body), false,
			    &rep) == 0 &&
		    rep.status == 200 && rep.body.data && strstr(rep.body.data, "\"patch\":"))
			ok++;
		reply_done(&rep);
	}
	curl_easy_cleanup(curl);
	return (void *)ok;
}

static void test_concurrent_clients(void **state)
{
	pthread_t t[8];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(t); i++)
		assert_int_equal(pthread_create(&t[i], NULL, concurrent_worker, NULL), 0);
	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		void *ok;

		pthread_join(t[i], &ok);
		assert_int_equal((long)ok, 150);
	}
}

static void test_validate(void **state)
{
	CURL *curl = curl_easy_init();
	json_auto_t *good = testlib_json(
		"{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':'v1','kind':{'group':'crd.varmor.org','version':'v1beta1','kind':'VarmorPolicy'},"
		"'operation':'CREATE','namespace':'demo','object':{'apiVersion':'crd.varmor.org/v1beta1','kind':'VarmorPolicy','metadata':{'name':'x','namespace':'demo'},"
		"'spec':{'target':{'kind':'Deployment','name':'web'},'policy':{'enforcer':'AppArmorBPFSeccomp','mode':'EnhanceProtect',"
		"'enhanceProtect':{'hardeningRules':['disallow-umount'],'vulMitigationRules':['dirty-pipe-mitigation'],"
		"'syscallRawRules':[{'names':['ptrace'],'action':'SCMP_ACT_ERRNO'}]}}}}}}");
	json_auto_t *bad = testlib_json(
		"{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':'v2','kind':{'group':'crd.varmor.org','version':'v1beta1','kind':'VarmorPolicy'},"
		"'operation':'CREATE','namespace':'demo','object':{'apiVersion':'crd.varmor.org/v1beta1','kind':'VarmorPolicy','metadata':{'name':'x','namespace':'demo'},"
		"'spec':{'target':{'kind':'Deployment','name':'web','selector':{}},'policy':{'enforcer':'BPF','mode':'Strict'}}}}}");
	json_auto_t *moved = json_deep_copy(good);
	_cleanup_free_ char *g = json_dumps(good, 0), *b = json_dumps(bad, 0), *m = NULL;

	(void)state;
	json_object_set_new(json_path(moved, "request", NULL), "operation", json_string("UPDATE"));
	json_object_set(json_path(moved, "request", NULL), "oldObject",
			json_path(good, "request", "object", NULL));
	json_object_set_new(json_path(moved, "request", "object", "spec", "target", NULL), "name",
			    json_string("api"));
	m = json_dumps(moved, 0);
	expect_status(curl, "POST", "/validate", "application/json", g, strlen(g), false, 200,
		      "\"allowed\":true");
	expect_status(curl, "POST", "/validate", "application/json", b, strlen(b), false, 200,
		      "spec.target: set either name or selector, not both");
	expect_status(curl, "POST", "/validate", "application/json", b, strlen(b), false, 200,
		      "spec.policy.mode: unknown mode 'Strict'");
	expect_status(curl, "POST", "/validate", "application/json", m, strlen(m), false, 200,
		      "spec.target: is immutable");
	curl_easy_cleanup(curl);
}

static void test_health_and_metrics(void **state)
{
	CURL *curl = curl_easy_init();

	(void)state;
	expect_status(curl, "GET", "/healthz", NULL, NULL, 0, false, 200, "ok");
	expect_status(curl, "GET", "/readyz", NULL, NULL, 0, false, 200, "ok");
	expect_status(curl, "POST", "/healthz", "application/json", "{}", 2, false, 405, NULL);
	expect_status(curl, "GET", "/metrics", NULL, NULL, 0, false, 200,
		      "pavise_webhook_requests_total{endpoint=\"/mutate\",code=\"200\"}");
	expect_status(
		curl, "GET", "/metrics", NULL, NULL, 0, false, 200,
		"pavise_webhook_request_duration_seconds_bucket{endpoint=\"/mutate\",le=\"+Inf\"}");
	expect_status(curl, "GET", "/metrics", NULL, NULL, 0, false, 200,
		      "pavise_webhook_policies{kind=\"VarmorClusterPolicy\"} 1");
	expect_status(curl, "GET", "/metrics", NULL, NULL, 0, false, 200, "pavise_build_info{");
	expect_status(curl, "GET", "/metrics", NULL, NULL, 0, false, 200,
		      "pavise_webhook_requests_total{endpoint=\"/mutate\",code=\"413\"}");
	curl_easy_cleanup(curl);
}

static void test_policy_reload(void **state)
{
	CURL *curl = curl_easy_init();
	json_auto_t *resp = NULL, *obj = NULL;

	(void)state;
	assert_int_equal(write_file_atomic(E.policies, POLICIES_V2, strlen(POLICIES_V2), 0644), 0);
	assert_int_equal(testlib_wait_for(E.log, "policy: loaded 1 policies", 5000, NULL, 0), 0);
	mutate(curl, review("apps", "Deployment", "CREATE", "demo", deployment("demo", 1)), &resp,
	       &obj);
	assert_string_equal(
		json_string_value(json_pointer_get(
			obj,
			"/spec/template/spec/containers/0/securityContext/seccompProfile/type")),
		"RuntimeDefault");
	assert_null(json_pointer_get(
		obj,
		"/spec/template/metadata/annotations/container.bpf.security.beta.varmor.org~1c0"));
	/* A broken file keeps the previous set in service. */
	assert_int_equal(write_file_atomic(E.policies, "kind: VarmorPolicy\n  : [", 24, 0644), 0);
	assert_int_equal(testlib_wait_for(E.log, "keeping the previous set", 5000, NULL, 0), 0);
	json_decref(resp);
	json_decref(obj);
	mutate(curl, review("apps", "Deployment", "CREATE", "demo", deployment("demo", 1)), &resp,
	       &obj);
	assert_string_equal(
		json_string_value(json_pointer_get(
			obj,
			"/spec/template/spec/containers/0/securityContext/seccompProfile/type")),
		"RuntimeDefault");
	curl_easy_cleanup(curl);
}

static void test_sigterm(void **state)
{
	struct timespec t0, t1;
	int status;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	status = testlib_stop(E.pid, SIGTERM, 3000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	E.pid = 0;
	assert_int_equal(status, 0);
	assert_true(t1.tv_sec - t0.tv_sec <= 2);
}

static void test_invalid_policy_file_refused(void **state)
{
	char path[512], log[512];
	const char *bad =
		"apiVersion: crd.varmor.org/v1beta1\nkind: VarmorPolicy\nmetadata:\n  name: x\n"
		"  namespace: demo\nspec:\n  target:\n    kind: Job\n    name: y\n"
		"  policy:\n    enforcer: BPF\n    mode: AlwaysAllow\n";

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.yaml", E.dir);
	snprintf(log, sizeof(log), "%s/bad.log", E.dir);
	assert_int_equal(write_file_atomic(path, bad, strlen(bad), 0644), 0);
	{
		char crt[512], key[512];

		snprintf(crt, sizeof(crt), "%s/tls.crt", E.dir);
		snprintf(key, sizeof(key), "%s/tls.key", E.dir);
		char *argv[] = { (char *)bin("pavise-webhook"),
				 "--listen",
				 "127.0.0.1:0",
				 "--tls-cert",
				 crt,
				 "--tls-key",
				 key,
				 "--policy-file",
				 path,
				 NULL };

		assert_int_equal(testlib_run(argv, log), 1);
	}
	assert_int_equal(
		testlib_wait_for(log, "spec.target.kind: unsupported kind 'Job'", 100, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutate_deployment),
		cmocka_unit_test(test_mutate_pod_and_misses),
		cmocka_unit_test(test_many_containers),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_slow_client),
		cmocka_unit_test(test_concurrent_clients),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_health_and_metrics),
		cmocka_unit_test(test_policy_reload),
		cmocka_unit_test(test_sigterm),
		cmocka_unit_test(test_invalid_policy_file_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

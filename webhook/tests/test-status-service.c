// SPDX-License-Identifier: Apache-2.0
/* The node status service: report parsing, authentication, authorization, caching and answers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/http-server.h"
#include "common/k8s-config.h"
#include "tests/lib/testlib.h"
#include "webhook/status-service.h"

#define ENFORCER "system:serviceaccount:pavise-system:pavise-enforcer"

/* ---- parsing ---- */

static void test_parse_ok(void **state)
{
	struct status_report r = {};
	char err[256] = "";
	json_t *j;

	(void)state;
	j = testlib_json(
		"{'node': 'node-1', 'capabilities': {'apparmor': true, 'bpf': false, 'seccomp': "
		"true}, 'ready': true, 'extra': 1, 'profiles': ["
		"{'name': 'varmor-demo-web', 'apparmor': 'applied', 'seccomp': 'applied'},"
		"{'name': 'varmor-demo-db', 'apparmor': 'applied', 'bpf': 'pending', 'seccomp': "
		"'none'},"
		"{'name': 'varmor-demo-x', 'bpf': 'failed', 'message': 'bpf: no BPF LSM'},"
		"{'name': 'varmor-demo-bad', 'refused': true, 'message': 'spec: invalid'}]}");
	assert_int_equal(status_report_parse(j, &r, err, sizeof(err)), 0);
	assert_string_equal(r.node, "node-1");
	assert_true(r.apparmor);
	assert_false(r.bpf);
	assert_true(r.seccomp);
	assert_true(r.ready);
	assert_false(r.node_verified);
	assert_int_equal(r.n_profiles, 4);
	assert_string_equal(r.profiles[0].name, "varmor-demo-web");
	assert_int_equal(r.profiles[0].result, STATUS_PROFILE_READY);
	assert_int_equal(r.profiles[0].parts[STATUS_PART_BPF], STATUS_PART_NONE);
	assert_null(r.profiles[0].message);
	assert_int_equal(r.profiles[1].result, STATUS_PROFILE_PENDING);
	assert_int_equal(r.profiles[1].parts[STATUS_PART_BPF], STATUS_PART_PENDING);
	assert_int_equal(r.profiles[2].result, STATUS_PROFILE_FAILED);
	assert_string_equal(r.profiles[2].message, "bpf: no BPF LSM");
	assert_int_equal(r.profiles[3].result, STATUS_PROFILE_FAILED);
	assert_true(r.profiles[3].refused);
	status_report_done(&r);
	assert_null(r.profiles);
	json_decref(j);

	j = testlib_json("{'node': 'n', 'capabilities': {'apparmor': false, 'bpf': false, "
			 "'seccomp': false}, 'profiles': []}");
	assert_int_equal(status_report_parse(j, &r, err, sizeof(err)), 0);
	assert_int_equal(r.n_profiles, 0);
	assert_false(r.ready);
	status_report_done(&r);
	json_decref(j);
}

static void expect_bad(const char *doc, const char *needle)
{
	struct status_report r = {};
	char err[256] = "";
	json_t *j = testlib_json(doc);

	assert_int_equal(status_report_parse(j, &r, err, sizeof(err)), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not name '%s'", err, needle);
	assert_null(r.profiles);
	json_decref(j);
}

#define CAPS "'capabilities': {'apparmor': true, 'bpf': true, 'seccomp': true}"

static void test_parse_bad(void **state)
{
	(void)state;
	expect_bad("[]", "body: must be a JSON object");
	expect_bad("{" CAPS ", 'profiles': []}", "node: required");
	expect_bad("{'node': 'Node_1', " CAPS ", 'profiles': []}", "node: not a valid node name");
	expect_bad("{'node': '-n', " CAPS ", 'profiles': []}", "node: not a valid");
	expect_bad("{'node': 'n', 'profiles': []}", "capabilities: required object");
	expect_bad("{'node': 'n', 'capabilities': {'apparmor': true, 'bpf': 1, 'seccomp': true}, "
		   "'profiles': []}",
		   "capabilities.bpf: must be a boolean");
	expect_bad("{'node': 'n', 'capabilities': {'apparmor': true, 'bpf': true}, 'profiles': []}",
		   "capabilities.seccomp: required");
	expect_bad("{'node': 'n', " CAPS "}", "profiles: required array");
	expect_bad("{'node': 'n', " CAPS ", 'ready': 'yes', 'profiles': []}",
		   "ready: must be a boolean");
	expect_bad("{'node': 'n', " CAPS ", 'profiles': [3]}", "profiles[0]: must be an object");
	expect_bad("{'node': 'n', " CAPS ", 'profiles': [{'apparmor': 'applied'}]}",
		   "profiles[0].name: required string");
	expect_bad("{'node': 'n', " CAPS ", 'profiles': [{'name': 'a'}, {'name': 'B'}]}",
		   "profiles[1].name: not a valid ArmorProfile name");
	expect_bad("{'node': 'n', " CAPS ", 'profiles': [{'name': 'a', 'seccomp': 'loaded'}]}",
		   "profiles[0].seccomp: must be one of none, pending, applied, failed");
	expect_bad("{'node': 'n', " CAPS ", 'profiles': [{'name': 'a', 'bpf': true}]}",
		   "profiles[0].bpf: must be one of");
	expect_bad("{'node': 'n', " CAPS ", 'profiles': [{'name': 'a', 'refused': 1}]}",
		   "profiles[0].refused: must be a boolean");
	expect_bad("{'node': 'n', " CAPS ", 'profiles': [{'name': 'a', 'message': 1}]}",
		   "profiles[0].message: must be a string");
	expect_bad("{'node': 'n', " CAPS ", 'profiles': [{'name': 'b'}, {'name': 'a'}, "
		   "{'name': 'b'}]}",
		   "profiles: 'b' listed twice");
}

static void test_parse_caps(void **state)
{
	struct status_report r = {};
	char err[256] = "";
	json_t *j, *list = json_array(), *p;
	char *msg = malloc(STATUS_SERVICE_MESSAGE_MAX + 2);

	(void)state;
	assert_non_null(msg);
	for (unsigned i = 0; i <= STATUS_SERVICE_PROFILES_MAX; i++) {
		char name[32];

		(void)snprintf(name, sizeof(name), "p%u", i);
		json_array_append_new(list, json_pack("{s:s}", "name", name));
	}
	j = json_pack("{s:s, s:{s:b, s:b, s:b}, s:o}", "node", "n", "capabilities", "apparmor", 1,
		      "bpf", 1, "seccomp", 1, "profiles", list);
	assert_int_equal(status_report_parse(j, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "profiles: more than 4096 entries"));
	/* One fewer is fine. */
	json_array_remove(list, 0);
	assert_int_equal(status_report_parse(j, &r, err, sizeof(err)), 0);
	assert_int_equal(r.n_profiles, STATUS_SERVICE_PROFILES_MAX);
	status_report_done(&r);

	memset(msg, 'm', STATUS_SERVICE_MESSAGE_MAX + 1);
	msg[STATUS_SERVICE_MESSAGE_MAX + 1] = '\0';
	json_array_clear(list);
	p = json_pack("{s:s, s:s}", "name", "a", "message", msg);
	json_array_append_new(list, p);
	assert_int_equal(status_report_parse(j, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "profiles[0].message: longer than 4096 bytes"));
	msg[STATUS_SERVICE_MESSAGE_MAX] = '\0';
	json_object_set_new(p, "message", json_string(msg));
	assert_int_equal(status_report_parse(j, &r, err, sizeof(err)), 0);
	status_report_done(&r);

	/* A 254-byte node name is one too many. */
	memset(msg, 'a', 254);
	msg[254] = '\0';
	json_object_set_new(j, "node", json_string(msg));
	assert_int_equal(status_report_parse(j, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "node: not a valid node name"));
	free(msg);
	json_decref(j);
}

/* ---- the service with a fake reviewer and aggregator ---- */

struct fx {
	struct status_service *svc;
	unsigned reviews;
	int review_error;
	int report_error;
	unsigned reports;
	char last_node[64];
	bool last_verified;
	size_t last_profiles;
	enum status_profile_result last_result;
};

/* Tokens: "enf" the enforcer, "enf-n1" the enforcer bound to node n1, "other" another account. */
static int fake_review(void *userdata, const char *token, struct tokenreview_user *ret)
{
	struct fx *f = userdata;

	f->reviews++;
	if (f->review_error)
		return f->review_error;
	*ret = (struct tokenreview_user){};
	if (strcmp(token, "enf") == 0 || strcmp(token, "enf-n1") == 0) {
		ret->authenticated = true;
		(void)snprintf(ret->username, sizeof(ret->username), "%s", ENFORCER);
		if (strcmp(token, "enf-n1") == 0)
			(void)snprintf(ret->node_name, sizeof(ret->node_name), "n1");
	} else if (strcmp(token, "other") == 0) {
		ret->authenticated = true;
		(void)snprintf(ret->username, sizeof(ret->username),
			       "system:serviceaccount:default:default");
	} else {
		(void)snprintf(ret->error, sizeof(ret->error), "invalid bearer token");
	}
	return 0;
}

static int fake_report(void *userdata, const struct status_report *r)
{
	struct fx *f = userdata;

	if (f->report_error)
		return f->report_error;
	f->reports++;
	(void)snprintf(f->last_node, sizeof(f->last_node), "%s", r->node);
	f->last_verified = r->node_verified;
	f->last_profiles = r->n_profiles;
	if (r->n_profiles)
		f->last_result = r->profiles[0].result;
	return 0;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (status_service_new(
		    &(struct status_service_config){
			    .on_report = fake_report,
			    .userdata = f,
			    .review = fake_review,
			    .review_userdata = f,
		    },
		    &f->svc) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	status_service_free(f->svc);
	free(f);
	return 0;
}

#define REPORT(node)                                                              \
	"{\"node\":\"" node                                                       \
	"\",\"capabilities\":{\"apparmor\":true,\"bpf\":false,\"seccomp\":true}," \
	"\"profiles\":[{\"name\":\"varmor-demo-web\",\"apparmor\":\"applied\"}]}"

/* Posts body with the header; returns the status, copies the body's message into msg. */
static unsigned post(struct fx *f, const char *authorization, const char *ctype, const char *body,
		     char *msg, size_t msg_size)
{
	struct http_response resp = { .status = 200 };
	json_t *j;

	assert_int_equal(status_service_handle(f->svc, authorization, ctype, body,
					       body ? strlen(body) : 0, &resp),
			 0);
	assert_non_null(resp.body);
	assert_string_equal(resp.content_type, "application/json");
	j = json_loadb(resp.body, resp.body_len, 0, NULL);
	assert_non_null(j);
	if (resp.status != 202) {
		assert_string_equal(json_string_value(json_object_get(j, "kind")), "Status");
		assert_int_equal(json_integer_value(json_object_get(j, "code")), resp.status);
	}
	if (msg)
		(void)snprintf(msg, msg_size, "%s",
			       strempty(json_string_value(json_object_get(j, "message"))));
	json_decref(j);
	free(resp.body);
	return resp.status;
}

static void test_accept(void **state)
{
	struct fx *f = *state;
	struct status_service_counts c;

	assert_int_equal(post(f, "Bearer enf", "application/json", REPORT("n1"), NULL, 0), 202);
	assert_int_equal(f->reports, 1);
	assert_string_equal(f->last_node, "n1");
	assert_false(f->last_verified);
	assert_int_equal(f->last_profiles, 1);
	assert_int_equal(f->last_result, STATUS_PROFILE_READY);
	/* Bound to n1 and claiming n1: verified. Scheme is case-insensitive. */
	assert_int_equal(post(f, "bearer enf-n1", "application/json; charset=utf-8", REPORT("n1"),
			      NULL, 0),
			 202);
	assert_true(f->last_verified);
	status_service_counts(f->svc, &c);
	assert_int_equal(c.accepted, 2);
	assert_int_equal(c.reviews, 2);
}

static void test_unauthenticated(void **state)
{
	struct fx *f = *state;
	char msg[256];

	assert_int_equal(post(f, NULL, "application/json", REPORT("n1"), msg, sizeof(msg)), 401);
	assert_non_null(strstr(msg, "bearer token is required"));
	assert_int_equal(post(f, "Basic dXNlcjpwdw==", "application/json", REPORT("n1"), NULL, 0),
			 401);
	assert_int_equal(post(f, "Bearer ", "application/json", REPORT("n1"), NULL, 0), 401);
	assert_int_equal(post(f, "Bearer two words", "application/json", REPORT("n1"), NULL, 0),
			 401);
	/* None of those reached the reviewer. */
	assert_int_equal(f->reviews, 0);
	assert_int_equal(
		post(f, "Bearer forged", "application/json", REPORT("n1"), msg, sizeof(msg)), 401);
	assert_non_null(strstr(msg, "invalid bearer token"));
	assert_int_equal(f->reviews, 1);
	/* Unauthenticated answers are cached too (briefly). */
	assert_int_equal(post(f, "Bearer forged", "application/json", REPORT("n1"), NULL, 0), 401);
	assert_int_equal(f->reviews, 1);
	assert_int_equal(f->reports, 0);
}

static void test_forbidden(void **state)
{
	struct fx *f = *state;
	char msg[256];

	assert_int_equal(
		post(f, "Bearer other", "application/json", REPORT("n1"), msg, sizeof(msg)), 403);
	assert_non_null(strstr(msg, "system:serviceaccount:default:default may not report"));
	/* Bound to n1, claiming n2. */
	assert_int_equal(
		post(f, "Bearer enf-n1", "application/json", REPORT("n2"), msg, sizeof(msg)), 403);
	assert_non_null(strstr(msg, "bound to node n1, not n2"));
	assert_int_equal(f->reports, 0);
}

static void test_bad_request(void **state)
{
	struct fx *f = *state;
	char msg[256];
	char *big;

	assert_int_equal(post(f, "Bearer enf", "text/plain", REPORT("n1"), msg, sizeof(msg)), 415);
	assert_int_equal(post(f, "Bearer enf", NULL, REPORT("n1"), NULL, 0), 415);
	assert_int_equal(post(f, "Bearer enf", "application/json", "", msg, sizeof(msg)), 400);
	assert_non_null(strstr(msg, "body: empty"));
	assert_int_equal(post(f, "Bearer enf", "application/json", "{\"node\":", msg, sizeof(msg)),
			 400);
	assert_non_null(strstr(msg, "body: not JSON"));
	assert_int_equal(post(f, "Bearer enf", "application/json", "{\"node\":1,\"node\":2}", msg,
			      sizeof(msg)),
			 400);
	assert_int_equal(post(f, "Bearer enf", "application/json",
			      "{\"node\":\"n1\",\"capabilities\":{\"apparmor\":true,\"bpf\":true,"
			      "\"seccomp\":true},\"profiles\":[{\"name\":\"a\",\"bpf\":\"x\"}]}",
			      msg, sizeof(msg)),
			 400);
	assert_string_equal(msg, "profiles[0].bpf: must be one of none, pending, applied, failed");
	big = malloc(STATUS_SERVICE_BODY_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', STATUS_SERVICE_BODY_MAX + 1);
	big[STATUS_SERVICE_BODY_MAX + 1] = '\0';
	assert_int_equal(post(f, "Bearer enf", "application/json", big, msg, sizeof(msg)), 400);
	assert_non_null(strstr(msg, "larger than"));
	free(big);
	assert_int_equal(f->reports, 0);
}

static void test_cache_and_errors(void **state)
{
	struct fx *f = *state;
	struct status_service_counts c;

	/* The reviewer cannot be reached: 503, and nothing is cached. */
	f->review_error = -ECONNREFUSED;
	assert_int_equal(post(f, "Bearer enf", "application/json", REPORT("n1"), NULL, 0), 503);
	assert_int_equal(post(f, "Bearer enf", "application/json", REPORT("n1"), NULL, 0), 503);
	assert_int_equal(f->reviews, 2);
	f->review_error = 0;
	for (int i = 0; i < 100; i++)
		assert_int_equal(post(f, "Bearer enf", "application/json", REPORT("n1"), NULL, 0),
				 202);
	/* One review for a hundred reports with the same token. */
	assert_int_equal(f->reviews, 3);
	assert_int_equal(post(f, "Bearer enf-n1", "application/json", REPORT("n1"), NULL, 0), 202);
	assert_int_equal(f->reviews, 4);
	/* The aggregator refuses (not the leader): 503, so the enforcer retries. */
	f->report_error = -EAGAIN;
	assert_int_equal(post(f, "Bearer enf", "application/json", REPORT("n1"), NULL, 0), 503);
	{
		struct buf m;

		buf_init(&m, 64 * 1024);
		assert_int_equal(status_service_metrics(f->svc, &m), 0);
		assert_non_null(strstr(
			m.data, "pavise_webhook_node_reports_total{result=\"accepted\"} 101\n"));
		assert_non_null(strstr(
			m.data, "pavise_webhook_node_reports_total{result=\"unavailable\"} 3\n"));
		assert_non_null(
			strstr(m.data, "pavise_webhook_tokenreviews_total{result=\"ok\"} 2\n"));
		assert_non_null(
			strstr(m.data, "pavise_webhook_tokenreviews_total{result=\"error\"} 2\n"));
		assert_non_null(
			strstr(m.data, "pavise_webhook_tokenreview_cache_hits_total 100\n"));
		assert_non_null(strstr(m.data, "pavise_webhook_tokenreview_cache_entries 2\n"));
		assert_non_null(
			strstr(m.data, "# TYPE pavise_webhook_tokenreview_cache_entries gauge\n"));
		buf_free(&m);
	}
	status_service_counts(f->svc, &c);
	assert_int_equal(c.accepted, 101);
	assert_int_equal(c.cache_hits, 100);
	assert_int_equal(c.review_errors, 2);
	assert_int_equal(c.unavailable, 3);
}

static void test_config(void **state)
{
	struct status_service *s = NULL;
	struct http_route route;

	(void)state;
	assert_int_equal(
		status_service_new(&(struct status_service_config){ .review = fake_review }, &s),
		-EINVAL);
	assert_int_equal(
		status_service_new(&(struct status_service_config){ .on_report = fake_report }, &s),
		-EINVAL);
	assert_int_equal(
		status_service_new(&(struct status_service_config){ .on_report = fake_report,
								    .review = fake_review,
								    .namespace = "Bad_NS" },
				   &s),
		-EINVAL);
	assert_int_equal(
		status_service_new(&(struct status_service_config){ .on_report = fake_report,
								    .review = fake_review },
				   &s),
		0);
	status_service_route(s, &route);
	assert_string_equal(route.method, "POST");
	assert_string_equal(route.path, "/v1/node-status");
	assert_string_equal(route.content_type, "application/json");
	assert_int_equal(route.body_max, STATUS_SERVICE_BODY_MAX);
	assert_ptr_equal(route.userdata, s);
	status_service_free(s);
}

/* A custom account: only its tokens are accepted. */
static void test_custom_account(void **state)
{
	struct fx f = {};
	struct status_service *s = NULL;
	struct http_response resp = {};

	(void)state;
	assert_int_equal(status_service_new(
				 &(struct status_service_config){
					 .namespace = "default",
					 .service_account = "default",
					 .on_report = fake_report,
					 .userdata = &f,
					 .review = fake_review,
					 .review_userdata = &f,
				 },
				 &s),
			 0);
	assert_int_equal(status_service_handle(s, "Bearer other", "application/json", REPORT("n1"),
					       strlen(REPORT("n1")), &resp),
			 0);
	assert_int_equal(resp.status, 202);
	free(resp.body);
	resp = (struct http_response){};
	assert_int_equal(status_service_handle(s, "Bearer enf", "application/json", REPORT("n1"),
					       strlen(REPORT("n1")), &resp),
			 0);
	assert_int_equal(resp.status, 403);
	free(resp.body);
	status_service_free(s);
}

/* ---- the default reviewer: TokenReviews on a fake API server ---- */

static int fake_tokenreviews(void *userdata, const struct http_request *req,
			     struct http_response *resp)
{
	unsigned *calls = userdata;
	json_t *in = json_loadb(req->body, req->body_len, 0, NULL);
	const char *tok = json_string_value(json_object_get(json_object_get(in, "spec"), "token"));
	json_t *out;

	__atomic_fetch_add(calls, 1, __ATOMIC_RELAXED);
	if (tok && strcmp(tok, "enf") == 0)
		out = json_pack("{s:{s:b, s:[s], s:{s:s, s:{s:[s]}}}}", "status", "authenticated",
				1, "audiences", "pavise-status", "user", "username", ENFORCER,
				"extra", "authentication.kubernetes.io/node-name", "n1");
	else
		out = json_pack("{s:{s:b}}", "status", "authenticated", 0);
	json_decref(in);
	resp->status = 201;
	resp->content_type = "application/json";
	resp->body = json_dumps(out, JSON_COMPACT);
	resp->body_len = strlen(resp->body);
	json_decref(out);
	return 0;
}

static void test_tokenreview_api(void **state)
{
	struct fx f = {};
	unsigned calls = 0;
	struct http_route route = {
		.method = "POST",
		.path = "/apis/authentication.k8s.io/v1/tokenreviews",
		.handler = fake_tokenreviews,
		.userdata = &calls,
	};
	struct http_server *srv = NULL;
	struct k8s_config *cfg = NULL;
	char url[64];

	(void)state;
	assert_int_equal(http_server_start(&(struct http_server_config){ .listen = "127.0.0.1:0",
									 .threads = 1,
									 .routes = &route,
									 .n_routes = 1 },
					   &srv),
			 0);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%u", http_server_port(srv));
	assert_int_equal(k8s_config_new(url, &cfg), 0);
	assert_int_equal(status_service_new(
				 &(struct status_service_config){
					 .k8s = cfg,
					 .audience = "pavise-status",
					 .on_report = fake_report,
					 .userdata = &f,
				 },
				 &f.svc),
			 0);
	assert_int_equal(post(&f, "Bearer enf", "application/json", REPORT("n1"), NULL, 0), 202);
	assert_true(f.last_verified);
	assert_int_equal(post(&f, "Bearer enf", "application/json", REPORT("n2"), NULL, 0), 403);
	assert_int_equal(post(&f, "Bearer other", "application/json", REPORT("n1"), NULL, 0), 401);
	assert_int_equal(calls, 2);
	/* The API server goes away: tokens not cached cannot be checked (503); cached ones still work. */
	http_server_free(srv);
	assert_int_equal(post(&f, "Bearer new", "application/json", REPORT("n1"), NULL, 0), 503);
	assert_int_equal(post(&f, "Bearer enf", "application/json", REPORT("n1"), NULL, 0), 202);
	status_service_free(f.svc);
	k8s_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_caps),
		cmocka_unit_test_setup_teardown(test_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unauthenticated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forbidden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_and_errors, setup, teardown),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_custom_account),
		cmocka_unit_test(test_tokenreview_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

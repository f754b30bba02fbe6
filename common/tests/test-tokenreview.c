// SPDX-License-Identifier: Apache-2.0
/* TokenReview: request and answer documents, the API round trip against a fake server, the TTL cache. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/http-server.h"
#include "common/k8s-client.h"
#include "common/tokenreview.h"
#include "tests/lib/testlib.h"

static void test_plausible(void **state)
{
	char *big = malloc(TOKENREVIEW_TOKEN_MAX + 2);

	(void)state;
	assert_true(tokenreview_token_plausible("eyJhbGciOi.abc.def"));
	assert_false(tokenreview_token_plausible(""));
	assert_false(tokenreview_token_plausible(NULL));
	assert_false(tokenreview_token_plausible("has space"));
	assert_false(tokenreview_token_plausible("new\nline"));
	assert_false(tokenreview_token_plausible("caf\xc3\xa9"));
	assert_non_null(big);
	memset(big, 'a', TOKENREVIEW_TOKEN_MAX);
	big[TOKENREVIEW_TOKEN_MAX] = '\0';
	assert_true(tokenreview_token_plausible(big));
	big[TOKENREVIEW_TOKEN_MAX] = 'a';
	big[TOKENREVIEW_TOKEN_MAX + 1] = '\0';
	assert_false(tokenreview_token_plausible(big));
	free(big);
}

static void test_request(void **state)
{
	json_t *r = NULL;

	(void)state;
	assert_int_equal(tokenreview_request_new("tok", "pavise", &r), 0);
	assert_string_equal(json_string_value(json_object_get(r, "kind")), "TokenReview");
	assert_string_equal(json_string_value(json_object_get(r, "apiVersion")),
			    "authentication.k8s.io/v1");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "spec"), "token")),
			    "tok");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_object_get(r, "spec"), "audiences"), 0)),
			    "pavise");
	json_decref(r);
	r = NULL;
	assert_int_equal(tokenreview_request_new("tok", NULL, &r), 0);
	assert_null(json_object_get(json_object_get(r, "spec"), "audiences"));
	json_decref(r);
	assert_int_equal(tokenreview_request_new("bad token", NULL, &r), -EINVAL);
}

static void test_parse(void **state)
{
	struct tokenreview_user u;
	json_t *j;

	(void)state;
	j = testlib_json("{'status': {'authenticated': true, 'audiences': ['pavise'], 'user': "
			 "{'username': 'system:serviceaccount:pavise-system:pavise-enforcer', "
			 "'extra': {'authentication.kubernetes.io/node-name': ['node-1']}}}}");
	assert_int_equal(tokenreview_parse(j, NULL, &u), 0);
	assert_true(u.authenticated);
	assert_string_equal(u.username, "system:serviceaccount:pavise-system:pavise-enforcer");
	assert_string_equal(u.node_name, "node-1");
	assert_int_equal(tokenreview_parse(j, "pavise", &u), 0);
	assert_true(u.authenticated);
	/* Another audience: not authenticated for us, with the reason. */
	assert_int_equal(tokenreview_parse(j, "other", &u), 0);
	assert_false(u.authenticated);
	assert_string_equal(u.username, "");
	assert_non_null(strstr(u.error, "audience other"));
	json_decref(j);

	j = testlib_json("{'status': {'authenticated': false, 'error': 'token expired\\nreally'}}");
	assert_int_equal(tokenreview_parse(j, NULL, &u), 0);
	assert_false(u.authenticated);
	assert_string_equal(u.error, "token expired really");
	json_decref(j);

	/* No node claim: node_name stays empty. */
	j = testlib_json("{'status': {'authenticated': true, 'user': {'username': 'u'}}}");
	assert_int_equal(tokenreview_parse(j, NULL, &u), 0);
	assert_string_equal(u.node_name, "");
	json_decref(j);

	static const char *const bad[] = {
		"{}",
		"{'status': 'x'}",
		"{'status': {'authenticated': 'yes'}}",
		"{'status': {'authenticated': true}}",
		"{'status': {'authenticated': true, 'user': {'username': ''}}}",
		"{'status': {'authenticated': true, 'user': {'username': 'u', 'extra': []}}}",
		"{'status': {'authenticated': true, 'user': {'username': 'u', 'extra': "
		"{'authentication.kubernetes.io/node-name': ['a', 'b']}}}}",
		"{'status': {'authenticated': true, 'user': {'username': 'u', 'extra': "
		"{'authentication.kubernetes.io/node-name': 'a'}}}}",
		"{'status': {'authenticated': false, 'error': 3}}",
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		j = testlib_json(bad[i]);
		assert_int_equal(tokenreview_parse(j, NULL, &u), -EBADMSG);
		json_decref(j);
	}
}

/* ---- against a fake API server ---- */

struct fake_api {
	unsigned status;
	unsigned calls;
	char last_body[4096];
};

static int fake_tokenreviews(void *userdata, const struct http_request *req,
			     struct http_response *resp)
{
	struct fake_api *f = userdata;
	json_t *in = json_loadb(req->body, req->body_len, 0, NULL);
	const char *tok = json_string_value(json_object_get(json_object_get(in, "spec"), "token"));
	json_t *out;

	f->calls++;
	(void)snprintf(f->last_body, sizeof(f->last_body), "%.*s", (int)req->body_len,
		       strempty(req->body));
	if (f->status != 201)
		out = json_pack("{s:s, s:s, s:i, s:s}", "kind", "Status", "reason", "Forbidden",
				"code", f->status, "message", "tokenreviews is forbidden");
	else if (tok && strcmp(tok, "good") == 0)
		out = json_pack("{s:{s:b, s:{s:s}}}", "status", "authenticated", 1, "user",
				"username", "system:serviceaccount:ns:sa");
	else
		out = json_pack("{s:{s:b, s:s}}", "status", "authenticated", 0, "error",
				"invalid bearer token");
	json_decref(in);
	resp->status = f->status;
	resp->content_type = "application/json";
	resp->body = json_dumps(out, JSON_COMPACT);
	resp->body_len = strlen(resp->body);
	json_decref(out);
	return 0;
}

static void test_create(void **state)
{
	struct fake_api f = { .status = 201 };
	struct http_route route = {
		.method = "POST",
		.path = "/apis/authentication.k8s.io/v1/tokenreviews",
		.handler = fake_tokenreviews,
		.userdata = &f,
	};
	struct http_server *s = NULL;
	struct k8s_config *cfg = NULL;
	struct k8s_client *c = NULL;
	struct tokenreview_user u;
	struct k8s_error e = {};
	char url[64];

	(void)state;
	assert_int_equal(http_server_start(&(struct http_server_config){ .listen = "127.0.0.1:0",
									 .threads = 1,
									 .routes = &route,
									 .n_routes = 1 },
					   &s),
			 0);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%u", http_server_port(s));
	assert_int_equal(k8s_config_new(url, &cfg), 0);
	assert_int_equal(k8s_client_new(cfg, &c), 0);

	/* The fake does not echo audiences, so asking for one fails closed. */
	assert_int_equal(tokenreview_create(c, "good", "aud", &u, &e), 0);
	assert_false(u.authenticated);
	assert_non_null(strstr(u.error, "audience aud"));
	assert_non_null(strstr(f.last_body, "\"audiences\":[\"aud\"]"));
	assert_int_equal(tokenreview_create(c, "good", NULL, &u, &e), 0);
	assert_true(u.authenticated);
	assert_string_equal(u.username, "system:serviceaccount:ns:sa");
	assert_int_equal(tokenreview_create(c, "bad", NULL, &u, &e), 0);
	assert_false(u.authenticated);
	assert_string_equal(u.error, "invalid bearer token");
	f.status = 403;
	assert_int_equal(tokenreview_create(c, "good", NULL, &u, &e), -EPERM);
	assert_null(strstr(e.message, "good"));
	f.status = 503;
	assert_int_equal(tokenreview_create(c, "good", NULL, &u, &e), -EAGAIN);
	assert_int_equal(f.calls, 5);
	/* An implausible token never reaches the server. */
	assert_int_equal(tokenreview_create(c, "two words", NULL, &u, &e), -EINVAL);
	assert_int_equal(f.calls, 5);

	k8s_client_free(c);
	k8s_config_free(cfg);
	http_server_free(s);
}

/* ---- cache ---- */

static void user_named(struct tokenreview_user *u, const char *name, bool ok)
{
	*u = (struct tokenreview_user){ .authenticated = ok };
	(void)snprintf(u->username, sizeof(u->username), "%s", name);
}

static void test_cache(void **state)
{
	struct tokenreview_cache *c = NULL;
	uint8_t k1[TOKENREVIEW_KEY_SIZE], k2[TOKENREVIEW_KEY_SIZE], k3[TOKENREVIEW_KEY_SIZE];
	struct tokenreview_user u, got;

	(void)state;
	assert_int_equal(tokenreview_cache_new(0, 1000, 100, &c), 0);
	assert_int_equal(tokenreview_cache_key("one", k1), 0);
	assert_int_equal(tokenreview_cache_key("two", k2), 0);
	assert_int_equal(tokenreview_cache_key("one", k3), 0);
	assert_memory_equal(k1, k3, sizeof(k1));
	assert_memory_not_equal(k1, k2, sizeof(k1));

	assert_false(tokenreview_cache_get(c, k1, 10, &got));
	user_named(&u, "alice", true);
	tokenreview_cache_put(c, k1, 10, &u);
	user_named(&u, "", false);
	tokenreview_cache_put(c, k2, 10, &u);
	assert_int_equal(tokenreview_cache_size(c), 2);
	assert_true(tokenreview_cache_get(c, k1, 500, &got));
	assert_string_equal(got.username, "alice");
	/* Negative answers expire sooner. */
	assert_true(tokenreview_cache_get(c, k2, 109, &got));
	assert_false(got.authenticated);
	assert_false(tokenreview_cache_get(c, k2, 110, &got));
	assert_true(tokenreview_cache_get(c, k1, 1009, &got));
	assert_false(tokenreview_cache_get(c, k1, 1010, &got));
	assert_int_equal(tokenreview_cache_size(c), 0);
	/* A put refreshes the entry. */
	user_named(&u, "bob", true);
	tokenreview_cache_put(c, k1, 2000, &u);
	tokenreview_cache_put(c, k1, 2500, &u);
	assert_true(tokenreview_cache_get(c, k1, 3400, &got));
	assert_string_equal(got.username, "bob");
	assert_int_equal(tokenreview_cache_size(c), 1);
	tokenreview_cache_free(c);
}

static void test_cache_full(void **state)
{
	struct tokenreview_cache *c = NULL;
	struct tokenreview_user u, got;
	uint8_t key[TOKENREVIEW_KEY_SIZE];
	char tok[32];

	(void)state;
	assert_int_equal(tokenreview_cache_new(4, 1000, 1000, &c), 0);
	user_named(&u, "x", true);
	/* Tokens put at times 0..3: full. */
	for (int i = 0; i < 4; i++) {
		(void)snprintf(tok, sizeof(tok), "t%d", i);
		assert_int_equal(tokenreview_cache_key(tok, key), 0);
		tokenreview_cache_put(c, key, (uint64_t)i, &u);
	}
	assert_int_equal(tokenreview_cache_size(c), 4);
	/* A fifth evicts the one closest to expiry (t0). */
	assert_int_equal(tokenreview_cache_key("t4", key), 0);
	tokenreview_cache_put(c, key, 10, &u);
	assert_int_equal(tokenreview_cache_size(c), 4);
	assert_int_equal(tokenreview_cache_key("t0", key), 0);
	assert_false(tokenreview_cache_get(c, key, 11, &got));
	assert_int_equal(tokenreview_cache_key("t1", key), 0);
	assert_true(tokenreview_cache_get(c, key, 11, &got));
	/* Past every expiry, a put sweeps them all. */
	assert_int_equal(tokenreview_cache_key("t5", key), 0);
	tokenreview_cache_put(c, key, 5000, &u);
	assert_int_equal(tokenreview_cache_size(c), 1);
	tokenreview_cache_free(c);
	/* The cap is a ceiling. */
	assert_int_equal(tokenreview_cache_new(1000000, 0, 0, &c), 0);
	tokenreview_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plausible), cmocka_unit_test(test_request),
		cmocka_unit_test(test_parse),	  cmocka_unit_test(test_create),
		cmocka_unit_test(test_cache),	  cmocka_unit_test(test_cache_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: Apache-2.0
/* POST /v1/node-status: enforcers report their node's per-profile results, authenticated by TokenReview. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/buf.h"
#include "common/json-util.h"
#include "common/k8s-client.h"
#include "common/prom.h"
#include "webhook/status-service.h"

struct status_service {
	char username[TOKENREVIEW_USERNAME_MAX + 1]; /* system:serviceaccount:<ns>:<name> */
	char *audience;
	struct tokenreview_cache *cache;
	pthread_mutex_t client_lock; /* the client is not thread-safe */
	struct k8s_client *client;
	status_service_report_fn on_report;
	void *userdata;
	status_service_review_fn review;
	void *review_userdata;
	struct status_service_counts counts; /* atomically updated */
};

static const char *const part_keys[_STATUS_PART_MAX] = {
	[STATUS_PART_APPARMOR] = "apparmor",
	[STATUS_PART_SECCOMP] = "seccomp",
	[STATUS_PART_BPF] = "bpf",
};

static const char *const state_names[_STATUS_PART_STATE_MAX] = {
	[STATUS_PART_NONE] = "none",
	[STATUS_PART_PENDING] = "pending",
	[STATUS_PART_APPLIED] = "applied",
	[STATUS_PART_FAILED] = "failed",
};

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000U + (uint64_t)ts.tv_nsec / 1000U;
}

static void count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* Lowercase DNS-subdomain-like name: [a-z0-9] at both ends, [a-z0-9.-] (and '_' when allowed) inside. */
static bool name_ok(const char *s, size_t len, bool underscore)
{
	if (len == 0 || len > STATUS_SERVICE_NAME_MAX || strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		bool alnum = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9');

		if ((i == 0 || i == len - 1) && !alnum)
			return false;
		if (!alnum && s[i] != '-' && s[i] != '.' && !(underscore && s[i] == '_'))
			return false;
	}
	return true;
}

static int field_error(char *errbuf, size_t size, const char *fmt, ...) _printf_(3, 4);
static int field_error(char *errbuf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (errbuf && size) {
		va_start(ap, fmt);
		(void)vsnprintf(errbuf, size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int parse_bool(const json_t *obj, const char *key, bool *ret, bool required, const char *ctx,
		      char *errbuf, size_t size)
{
	const json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v)) {
		if (required)
			return field_error(errbuf, size, "%s%s: required", ctx, key);
		*ret = false;
		return 0;
	}
	if (!json_is_boolean(v))
		return field_error(errbuf, size, "%s%s: must be a boolean", ctx, key);
	*ret = json_is_true(v);
	return 0;
}

static int parse_profile(const json_t *o, size_t idx, struct status_report_profile *p, char *errbuf,
			 size_t size)
{
	char ctx[48];
	const json_t *v;
	bool pending = false, failed = false;
	int r;

	(void)snprintf(ctx, sizeof(ctx), "profiles[%zu].", idx);
	if (!json_is_object(o))
		return field_error(errbuf, size, "profiles[%zu]: must be an object", idx);
	v = json_object_get(o, "name");
	if (!json_is_string(v))
		return field_error(errbuf, size, "%sname: required string", ctx);
	if (!name_ok(json_string_value(v), json_string_length(v), true))
		return field_error(errbuf, size,
				   "%sname: not a valid ArmorProfile name (1-%u bytes of a-z, 0-9, "
				   "'-', '.', '_', alphanumeric at both ends)",
				   ctx, STATUS_SERVICE_NAME_MAX);
	p->name = json_string_value(v);

	for (int k = 0; k < _STATUS_PART_MAX; k++) {
		const char *s;
		int st = -1;

		v = json_object_get(o, part_keys[k]);
		if (!v || json_is_null(v)) {
			p->parts[k] = STATUS_PART_NONE;
			continue;
		}
		s = json_string_value(v);
		for (int i = 0; s && i < _STATUS_PART_STATE_MAX; i++)
			if (strcmp(s, state_names[i]) == 0)
				st = i;
		if (st < 0)
			return field_error(errbuf, size,
					   "%s%s: must be one of none, pending, applied, failed",
					   ctx, part_keys[k]);
		p->parts[k] = st;
		pending |= st == STATUS_PART_PENDING;
		failed |= st == STATUS_PART_FAILED;
	}
	r = parse_bool(o, "refused", &p->refused, false, ctx, errbuf, size);
	if (r < 0)
		return r;
	v = json_object_get(o, "message");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v))
			return field_error(errbuf, size, "%smessage: must be a string", ctx);
		if (json_string_length(v) > STATUS_SERVICE_MESSAGE_MAX ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return field_error(errbuf, size,
					   "%smessage: longer than %u bytes or holds NUL", ctx,
					   STATUS_SERVICE_MESSAGE_MAX);
		p->message = json_string_value(v);
	}
	p->result = failed || p->refused ? STATUS_PROFILE_FAILED :
		    pending		 ? STATUS_PROFILE_PENDING :
					   STATUS_PROFILE_READY;
	return 0;
}

static int cmp_profile_name(const void *a, const void *b)
{
	return strcmp(((const struct status_report_profile *)a)->name,
		      ((const struct status_report_profile *)b)->name);
}

int status_report_parse(const json_t *doc, struct status_report *ret, char *errbuf,
			size_t errbuf_size)
{
	struct status_report rep = {};
	_cleanup_free_ struct status_report_profile *profiles = NULL, *sorted = NULL;
	const json_t *v, *caps, *list;
	size_t n;
	int r;

	if (!json_is_object(doc))
		return field_error(errbuf, errbuf_size, "body: must be a JSON object");
	v = json_object_get(doc, "node");
	if (!json_is_string(v))
		return field_error(errbuf, errbuf_size, "node: required string");
	if (!name_ok(json_string_value(v), json_string_length(v), false))
		return field_error(
			errbuf, errbuf_size,
			"node: not a valid node name (a DNS subdomain of at most %u bytes)",
			STATUS_SERVICE_NAME_MAX);
	rep.node = json_string_value(v);

	caps = json_object_get(doc, "capabilities");
	if (!json_is_object(caps))
		return field_error(errbuf, errbuf_size, "capabilities: required object");
	r = parse_bool(caps, "apparmor", &rep.apparmor, true, "capabilities.", errbuf, errbuf_size);
	if (r >= 0)
		r = parse_bool(caps, "bpf", &rep.bpf, true, "capabilities.", errbuf, errbuf_size);
	if (r >= 0)
		r = parse_bool(caps, "seccomp", &rep.seccomp, true, "capabilities.", errbuf,
			       errbuf_size);
	if (r >= 0)
		r = parse_bool(doc, "ready", &rep.ready, false, "", errbuf, errbuf_size);
	if (r < 0)
		return r;

	list = json_object_get(doc, "profiles");
	if (!json_is_array(list))
		return field_error(errbuf, errbuf_size, "profiles: required array");
	n = json_array_size(list);
	if (n > STATUS_SERVICE_PROFILES_MAX)
		return field_error(errbuf, errbuf_size, "profiles: more than %u entries",
				   STATUS_SERVICE_PROFILES_MAX);
	if (n) {
		profiles = calloc(n, sizeof(*profiles));
		sorted = calloc(n, sizeof(*sorted));
		if (!profiles || !sorted)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		r = parse_profile(json_array_get(list, i), i, &profiles[i], errbuf, errbuf_size);
		if (r < 0)
			return r;
	}
	if (n) {
		memcpy(sorted, profiles, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), cmp_profile_name);
	}
	for (size_t i = 1; i < n; i++)
		if (strcmp(sorted[i - 1].name, sorted[i].name) == 0)
			return field_error(errbuf, errbuf_size, "profiles: '%s' listed twice",
					   sorted[i].name);
	rep.profiles = TAKE_PTR(profiles);
	rep.n_profiles = n;
	*ret = rep;
	return 0;
}

void status_report_done(struct status_report *r)
{
	if (!r)
		return;
	free(r->profiles);
	*r = (struct status_report){};
}

/* ---- the service ---- */

static int review_with_client(void *userdata, const char *token, struct tokenreview_user *ret)
{
	struct status_service *s = userdata;
	int r;

	pthread_mutex_lock(&s->client_lock);
	r = tokenreview_create(s->client, token, s->audience, ret, NULL);
	pthread_mutex_unlock(&s->client_lock);
	return r;
}

int status_service_new(const struct status_service_config *cfg, struct status_service **ret)
{
	_cleanup_(status_service_freep) struct status_service *s = NULL;
	const char *ns, *sa;
	int r;

	if (!cfg || !cfg->on_report || (!cfg->review && !cfg->k8s))
		return -EINVAL;
	ns = cfg->namespace ?: "pavise-system";
	sa = cfg->service_account ?: "pavise-enforcer";
	if (!name_ok(ns, strlen(ns), false) || !name_ok(sa, strlen(sa), false))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->client_lock, NULL);
	(void)snprintf(s->username, sizeof(s->username), "system:serviceaccount:%s:%s", ns, sa);
	if (cfg->audience) {
		s->audience = strdup(cfg->audience);
		if (!s->audience)
			return -ENOMEM;
	}
	r = tokenreview_cache_new(cfg->cache_max, cfg->cache_ttl_usec, cfg->cache_negative_usec,
				  &s->cache);
	if (r < 0)
		return r;
	s->on_report = cfg->on_report;
	s->userdata = cfg->userdata;
	if (cfg->review) {
		s->review = cfg->review;
		s->review_userdata = cfg->review_userdata;
	} else {
		r = k8s_client_new(cfg->k8s, &s->client);
		if (r < 0)
			return r;
		s->review = review_with_client;
		s->review_userdata = s;
	}
	*ret = TAKE_PTR(s);
	return 0;
}

struct status_service *status_service_free(struct status_service *s)
{
	if (!s)
		return NULL;
	k8s_client_free(s->client);
	tokenreview_cache_free(s->cache);
	pthread_mutex_destroy(&s->client_lock);
	free(s->audience);
	free(s);
	return NULL;
}

static const char *reason_of(unsigned code)
{
	switch (code) {
	case 400:
		return "BadRequest";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 415:
		return "UnsupportedMediaType";
	case 503:
		return "ServiceUnavailable";
	default:
		return "InternalError";
	}
}

/* A Kubernetes Status body, so k8s_client callers see code, reason and message. */
static int respond_status(struct http_response *resp, unsigned code, const char *fmt, ...)
	_printf_(3, 4);
static int respond_status(struct http_response *resp, unsigned code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	json_auto_t *o = NULL;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "kind", "Status", "apiVersion", "v1",
		      "status", "Failure", "reason", reason_of(code), "message", msg, "code",
		      (int)code);
	if (!o)
		return -ENOMEM;
	resp->body = json_dumps(o, JSON_COMPACT);
	if (!resp->body)
		return -ENOMEM;
	resp->body_len = strlen(resp->body);
	resp->status = code;
	resp->content_type = "application/json";
	return 0;
}

/* "Bearer <token>": the token, or NULL. Scheme case-insensitive (RFC 7235). */
static const char *bearer_token(const char *authorization)
{
	const char *t;

	if (!authorization || strlen(authorization) > STATUS_SERVICE_AUTH_HEADER_MAX ||
	    strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	t = authorization + 7;
	while (*t == ' ')
		t++;
	return tokenreview_token_plausible(t) ? t : NULL;
}

static bool json_media_type(const char *ct)
{
	size_t n = strlen("application/json");

	return ct && strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int status_service_handle(struct status_service *s, const char *authorization,
			  const char *content_type, const char *body, size_t body_len,
			  struct http_response *resp)
{
	struct tokenreview_user user;
	uint8_t key[TOKENREVIEW_KEY_SIZE];
	_cleanup_(status_report_done) struct status_report rep = {};
	json_auto_t *doc = NULL;
	json_error_t je;
	const char *token;
	char err[512];
	int r;

	token = bearer_token(authorization);
	if (!token) {
		count(&s->counts.unauthenticated);
		return respond_status(resp, 401, "a bearer token is required");
	}
	r = tokenreview_cache_key(token, key);
	if (r < 0)
		return r;
	if (tokenreview_cache_get(s->cache, key, mono_usec(), &user))
		count(&s->counts.cache_hits);
	else {
		count(&s->counts.reviews);
		r = s->review(s->review_userdata, token, &user);
		if (r < 0) {
			count(&s->counts.review_errors);
			count(&s->counts.unavailable);
			return respond_status(resp, 503, "cannot verify the token now: %s",
					      strerror(-r));
		}
		tokenreview_cache_put(s->cache, key, mono_usec(), &user);
	}
	if (!user.authenticated) {
		count(&s->counts.unauthenticated);
		return respond_status(resp, 401, "token not authenticated%s%s",
				      user.error[0] ? ": " : "", user.error);
	}
	if (strcmp(user.username, s->username) != 0) {
		count(&s->counts.forbidden);
		return respond_status(resp, 403, "%s may not report node status (only %s)",
				      user.username, s->username);
	}

	if (!json_media_type(content_type)) {
		count(&s->counts.bad_request);
		return respond_status(resp, 415, "Content-Type must be application/json");
	}
	if (!body || body_len == 0) {
		count(&s->counts.bad_request);
		return respond_status(resp, 400, "body: empty");
	}
	if (body_len > STATUS_SERVICE_BODY_MAX) {
		count(&s->counts.bad_request);
		return respond_status(resp, 400, "body: larger than %u bytes",
				      STATUS_SERVICE_BODY_MAX);
	}
	doc = json_loadb(body, body_len, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		count(&s->counts.bad_request);
		return respond_status(resp, 400, "body: not JSON: %s (line %d, column %d)", je.text,
				      je.line, je.column);
	}
	r = status_report_parse(doc, &rep, err, sizeof(err));
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		count(&s->counts.bad_request);
		return respond_status(resp, 400, "%s", err);
	}
	if (user.node_name[0]) {
		if (strcmp(user.node_name, rep.node) != 0) {
			count(&s->counts.forbidden);
			return respond_status(resp, 403,
					      "node: the token is bound to node %s, not %s",
					      user.node_name, rep.node);
		}
		rep.node_verified = true;
	}
	r = s->on_report(s->userdata, &rep);
	if (r < 0) {
		count(&s->counts.unavailable);
		return respond_status(resp, 503, "report not taken: %s", strerror(-r));
	}
	count(&s->counts.accepted);
	resp->body = NULL;
	if (asprintf(&resp->body, "{\"accepted\":%zu}", rep.n_profiles) < 0) {
		resp->body = NULL;
		return -ENOMEM;
	}
	resp->body_len = strlen(resp->body);
	resp->status = 202;
	resp->content_type = "application/json";
	return 0;
}

static int handle_route(void *userdata, const struct http_request *req, struct http_response *resp)
{
	return status_service_handle(userdata, req->authorization, req->content_type, req->body,
				     req->body_len, resp);
}

void status_service_route(struct status_service *s, struct http_route *ret_route)
{
	*ret_route = (struct http_route){
		.method = "POST",
		.path = STATUS_SERVICE_PATH,
		.content_type = "application/json",
		.body_max = STATUS_SERVICE_BODY_MAX,
		.handler = handle_route,
		.userdata = s,
	};
}

void status_service_counts(struct status_service *s, struct status_service_counts *ret)
{
	const uint64_t *src = (const uint64_t *)&s->counts;
	uint64_t *dst = (uint64_t *)ret;

	for (size_t i = 0; i < sizeof(*ret) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

int status_service_metrics(struct status_service *s, struct buf *b)
{
	static const char *const reports = "pavise_webhook_node_reports_total",
				 *const reviews = "pavise_webhook_tokenreviews_total",
				 *const hits = "pavise_webhook_tokenreview_cache_hits_total",
				 *const entries = "pavise_webhook_tokenreview_cache_entries";
	static const char *const labels[] = {
		"result=\"accepted\"",	"result=\"bad_request\"", "result=\"unauthenticated\"",
		"result=\"forbidden\"", "result=\"unavailable\"",
	};
	struct status_service_counts n;
	int r;

	status_service_counts(s, &n);
	{
		const uint64_t values[ELEMENTSOF(labels)] = { n.accepted, n.bad_request,
							      n.unauthenticated, n.forbidden,
							      n.unavailable };

		r = prom_header(b, reports, "counter",
				"Node status reports by how they were answered.");
		for (size_t i = 0; r >= 0 && i < ELEMENTSOF(labels); i++)
			r = prom_sample(b, reports, labels[i], values[i]);
	}
	if (r >= 0)
		r = prom_header(b, reviews, "counter",
				"TokenReviews made for node status reports (cache misses).");
	if (r >= 0)
		r = prom_sample(b, reviews, "result=\"ok\"", n.reviews - n.review_errors);
	if (r >= 0)
		r = prom_sample(b, reviews, "result=\"error\"", n.review_errors);
	if (r >= 0)
		r = prom_header(b, hits, "counter",
				"Reports whose token was found in the TokenReview cache.");
	if (r >= 0)
		r = prom_sample(b, hits, NULL, n.cache_hits);
	if (r >= 0)
		r = prom_header(b, entries, "gauge", "Tokens in the TokenReview cache.");
	if (r >= 0)
		r = prom_sample(b, entries, NULL, tokenreview_cache_size(s->cache));
	return r;
}

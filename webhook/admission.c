// SPDX-License-Identifier: Apache-2.0
/* AdmissionReview admission.k8s.io/v1: request parsing and response encoding (pure). */
#include <string.h>

#include "common/base64.h"
#include "common/buf.h"
#include "common/json-util.h"
#include "webhook/admission.h"

/* Responses carry at most the request's own size in patch, plus a margin. */
#define ADMISSION_RESPONSE_MAX (16U * 1024 * 1024)

void admission_request_done(struct admission_request *req)
{
	json_decref(req->review);
	*req = (struct admission_request){};
}

void admission_request_forget(struct admission_request *req)
{
	*req = (struct admission_request){};
}

int admission_parse(const char *body, size_t len, struct admission_request *ret_req,
		    const char **reterr_msg)
{
	struct admission_request r = {};
	json_t *request, *kind, *v;
	json_error_t jerr;
	const char *api, *rkind;

#define FAIL(msg)                          \
	do {                               \
		if (reterr_msg)            \
			*reterr_msg = msg; \
		*ret_req = r;              \
		return -EBADMSG;           \
	} while (0)

	r.review = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!r.review)
		FAIL("request body is not valid JSON");
	if (!json_is_object(r.review))
		FAIL("request body is not an AdmissionReview object");
	if (json_get_string(r.review, "kind", &rkind) < 0 || strcmp(rkind, "AdmissionReview") != 0)
		FAIL("kind: must be AdmissionReview");
	if (json_get_string(r.review, "apiVersion", &api) < 0 ||
	    strcmp(api, ADMISSION_API_VERSION) != 0)
		FAIL("apiVersion: must be admission.k8s.io/v1");
	if (json_get_object(r.review, "request", &request) < 0)
		FAIL("request: missing");
	if (json_get_string(request, "uid", &r.uid) < 0 || !*r.uid)
		FAIL("request.uid: missing");
	if (json_get_object(request, "kind", &kind) < 0 ||
	    json_get_string(kind, "kind", &r.kind) < 0)
		FAIL("request.kind: missing");
	if (json_get_string(kind, "group", &r.group) == -EBADMSG ||
	    json_get_string(kind, "version", &r.version) == -EBADMSG)
		FAIL("request.kind: group and version must be strings");
	if (!r.group)
		r.group = "";
	if (!r.version)
		r.version = "";
	if (json_get_string(request, "operation", &r.operation) < 0)
		FAIL("request.operation: missing");
	if (json_get_string(request, "namespace", &r.namespace) == -EBADMSG ||
	    json_get_string(request, "name", &r.name) == -EBADMSG)
		FAIL("request.namespace and request.name must be strings");
	if (!r.namespace)
		r.namespace = "";
	if (!r.name)
		r.name = "";
	v = json_object_get(request, "object");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v))
			FAIL("request.object: must be an object");
		r.object = v;
	}
	v = json_object_get(request, "oldObject");
	if (v && json_is_object(v))
		r.old_object = v;
	r.dry_run = json_is_true(json_object_get(request, "dryRun"));
#undef FAIL
	*ret_req = r;
	return 0;
}

/* Appends s as a JSON string literal. */
int admission_response(const char *uid, bool allowed, const char *patch, size_t patch_len, int code,
		       const char *message, const char *const *warnings, char **ret_body,
		       size_t *ret_len)
{
	struct buf b;
	int r;

	buf_init(&b, ADMISSION_RESPONSE_MAX);
	r = buf_append_str(&b, "{\"apiVersion\":\"" ADMISSION_API_VERSION
			       "\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":");
	if (r >= 0)
		r = json_string_append(&b, uid ? uid : "");
	if (r >= 0)
		r = buf_append_str(&b, allowed ? ",\"allowed\":true" : ",\"allowed\":false");
	if (r >= 0 && patch && allowed) {
		r = buf_append_str(&b, ",\"patchType\":\"JSONPatch\",\"patch\":\"");
		if (r >= 0)
			r = base64_encode_append(&b, patch, patch_len);
		if (r >= 0)
			r = buf_append_str(&b, "\"");
	}
	if (r >= 0 && (!allowed || message)) {
		r = buf_printf(&b, ",\"status\":{\"code\":%d,\"message\":", code);
		if (r >= 0)
			r = json_string_append(&b, message ? message : "");
		if (r >= 0)
			r = buf_append_str(&b, "}");
	}
	if (r >= 0 && warnings && warnings[0]) {
		r = buf_append_str(&b, ",\"warnings\":[");
		for (size_t i = 0; r >= 0 && warnings[i]; i++) {
			if (i > 0)
				r = buf_append_str(&b, ",");
			if (r >= 0)
				r = json_string_append(&b, warnings[i]);
		}
		if (r >= 0)
			r = buf_append_str(&b, "]");
	}
	if (r >= 0)
		r = buf_append_str(&b, "}}");
	if (r < 0) {
		buf_free(&b);
		return r;
	}
	*ret_body = buf_take(&b, ret_len);
	return *ret_body ? 0 : -ENOMEM;
}

// SPDX-License-Identifier: Apache-2.0
/* AdmissionReview admission.k8s.io/v1: request parsing and response encoding (pure). */
#pragma once

#include <stdbool.h>
#include <jansson.h>

#include "common/macro.h"

#define ADMISSION_API_VERSION "admission.k8s.io/v1"

struct admission_request {
	json_t *review; /* own reference; everything below is borrowed from it */
	const char *uid;
	const char *group; /* request.kind.group ("" for core) */
	const char *version;
	const char *kind; /* request.kind.kind */
	const char *operation; /* CREATE, UPDATE, DELETE, CONNECT */
	const char *namespace; /* "" for cluster-scoped objects */
	const char *name; /* may be "" (generateName) */
	json_t *object; /* NULL when absent (DELETE) */
	json_t *old_object;
	bool dry_run;
};

/*
 * Parses an AdmissionReview body. On a body that is not a usable review
 * returns -EBADMSG with a static reason in reterr_msg; a review whose uid
 * could be read but whose request is malformed also fills ret_req->uid so
 * that the caller can answer with a denial.
 */
int admission_parse(const char *body, size_t len, struct admission_request *ret_req,
		    const char **reterr_msg);
void admission_request_done(struct admission_request *req);
/* Forgets the request without releasing it: its values live in a json-arena scope that ends next. */
void admission_request_forget(struct admission_request *req);

/*
 * Encodes the AdmissionReview response: `patch` (JSON Patch text, may be
 * NULL) is base64-encoded; when !allowed, code and message go into status.
 * `warnings` may be NULL. The body is malloc'ed (caller frees).
 */
int admission_response(const char *uid, bool allowed, const char *patch, size_t patch_len, int code,
		       const char *message, const char *const *warnings, char **ret_body,
		       size_t *ret_len);

// SPDX-License-Identifier: Apache-2.0
/* Typed jansson getters, JSON Pointer escaping and a JSON Patch applier. */
#pragma once

#include <stdbool.h>
#include <jansson.h>

#include "buf.h"
#include "macro.h"

/* Borrowed results. -ENOENT when the key is absent (or null), -EBADMSG on a wrong type. */
int json_get_object(const json_t *obj, const char *key, json_t **ret);
int json_get_array(const json_t *obj, const char *key, json_t **ret);
int json_get_string(const json_t *obj, const char *key, const char **ret);
int json_get_bool(const json_t *obj, const char *key, bool *ret);
int json_get_int(const json_t *obj, const char *key, long long *ret);

/* Walks a path of object keys, NULL-terminated; borrowed, NULL when absent or not an object. */
json_t *json_path(const json_t *root, ...) __attribute__((sentinel));
/* Same, returning a string value or NULL. */
const char *json_path_string(const json_t *root, ...) __attribute__((sentinel));

/* Appends `s` escaped as one RFC 6901 reference token ("~" -> "~0", "/" -> "~1"). */
int json_pointer_append_token(struct buf *b, const char *s) _warn_unused_result_;
/*
 * Appends `s` as a JSON string literal (quotes included), escaping '"', '\\'
 * and control characters. `s` must already be valid UTF-8 (it comes from a
 * parsed document or a validated name).
 */
int json_string_append(struct buf *b, const char *s) _warn_unused_result_;
/* The same without the surrounding quotes. */
int json_string_append_inner(struct buf *b, const char *s) _warn_unused_result_;
/* Resolves an RFC 6901 pointer; borrowed, NULL when it does not resolve. */
json_t *json_pointer_get(json_t *root, const char *pointer);

/*
 * Applies an RFC 6902 patch (add, remove, replace, test, copy, move) to *doc in
 * place. On failure *doc may be partly changed; callers apply to a copy.
 * reterr_op: index of the failing operation.
 */
int json_patch_apply(json_t *doc, const json_t *patch, size_t *reterr_op);

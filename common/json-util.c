// SPDX-License-Identifier: Apache-2.0
/* Typed jansson getters, JSON Pointer escaping and a JSON Patch applier. */
#include <stdarg.h>
#include <string.h>

#include "json-util.h"

static int json_get_typed(const json_t *obj, const char *key, json_type type, json_t **ret)
{
	json_t *v;

	if (!json_is_object(obj))
		return -EBADMSG;
	v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return -ENOENT;
	if (json_typeof(v) != type && !(type == JSON_TRUE && json_is_boolean(v)))
		return -EBADMSG;
	*ret = v;
	return 0;
}

int json_get_object(const json_t *obj, const char *key, json_t **ret)
{
	return json_get_typed(obj, key, JSON_OBJECT, ret);
}

int json_get_array(const json_t *obj, const char *key, json_t **ret)
{
	return json_get_typed(obj, key, JSON_ARRAY, ret);
}

int json_get_string(const json_t *obj, const char *key, const char **ret)
{
	json_t *v;
	int r = json_get_typed(obj, key, JSON_STRING, &v);

	if (r < 0)
		return r;
	*ret = json_string_value(v);
	return 0;
}

int json_get_bool(const json_t *obj, const char *key, bool *ret)
{
	json_t *v;
	int r = json_get_typed(obj, key, JSON_TRUE, &v);

	if (r < 0)
		return r;
	*ret = json_is_true(v);
	return 0;
}

int json_get_int(const json_t *obj, const char *key, long long *ret)
{
	json_t *v;
	int r = json_get_typed(obj, key, JSON_INTEGER, &v);

	if (r < 0)
		return r;
	*ret = json_integer_value(v);
	return 0;
}

static json_t *json_vpath(const json_t *root, va_list ap)
{
	const json_t *cur = root;
	const char *key;

	while ((key = va_arg(ap, const char *))) {
		if (!json_is_object(cur))
			return NULL;
		cur = json_object_get(cur, key);
		if (!cur)
			return NULL;
	}
	return (json_t *)cur;
}

json_t *json_path(const json_t *root, ...)
{
	va_list ap;
	json_t *v;

	va_start(ap, root);
	v = json_vpath(root, ap);
	va_end(ap);
	return v;
}

const char *json_path_string(const json_t *root, ...)
{
	va_list ap;
	json_t *v;

	va_start(ap, root);
	v = json_vpath(root, ap);
	va_end(ap);
	return json_string_value(v);
}

int json_pointer_append_token(struct buf *b, const char *s)
{
	int r;

	for (const char *p = s; *p; p++) {
		if (*p == '~')
			r = buf_append(b, "~0", 2);
		else if (*p == '/')
			r = buf_append(b, "~1", 2);
		else
			r = buf_append(b, p, 1);
		if (r < 0)
			return r;
	}
	return 0;
}

int json_string_append(struct buf *b, const char *s)
{
	int r = buf_append(b, "\"", 1);

	if (r >= 0)
		r = json_string_append_inner(b, s);
	if (r >= 0)
		r = buf_append(b, "\"", 1);
	return r;
}

int json_string_append_inner(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	int r = 0;

	for (const char *p = s; r >= 0 && *p; p++) {
		unsigned char c = (unsigned char)*p;
		char esc[6] = { '\\', 'u', '0', '0' };

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		r = buf_append(b, run, (size_t)(p - run));
		if (r < 0)
			break;
		run = p + 1;
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			r = buf_append(b, esc, 2);
		} else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			r = buf_append(b, esc, 6);
		}
	}
	if (r >= 0)
		r = buf_append_str(b, run);
	return r;
}

/* Decodes one reference token of length n into a new string; -EINVAL on a bad escape. */
static int pointer_token(const char *s, size_t n, char **ret)
{
	char *t = malloc(n + 1), *o = t;

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '~') {
			*o++ = s[i];
			continue;
		}
		if (i + 1 >= n || (s[i + 1] != '0' && s[i + 1] != '1')) {
			free(t);
			return -EINVAL;
		}
		*o++ = s[i + 1] == '0' ? '~' : '/';
		i++;
	}
	*o = '\0';
	*ret = t;
	return 0;
}

/* Parses an array index token; "-" gives `size` (append position). */
static int array_index(const char *tok, size_t size, bool allow_end, size_t *ret)
{
	char *end;
	unsigned long v;

	if (allow_end && strcmp(tok, "-") == 0) {
		*ret = size;
		return 0;
	}
	if (!*tok || (tok[0] == '0' && tok[1]) || tok[0] < '0' || tok[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(tok, &end, 10);
	if (errno || *end || v > size || (!allow_end && v == size))
		return -EINVAL;
	*ret = v;
	return 0;
}

/*
 * Splits a pointer into its parent container and last token.
 * Returns 1 with ret_parent NULL for the root pointer "".
 */
static int pointer_parent(json_t *root, const char *pointer, json_t **ret_parent, char **ret_last)
{
	json_t *cur = root;
	const char *p = pointer;

	if (*p == '\0') {
		*ret_parent = NULL;
		*ret_last = NULL;
		return 1;
	}
	if (*p != '/')
		return -EINVAL;
	for (;;) {
		const char *start = p + 1, *next = strchr(start, '/');
		_cleanup_free_ char *tok = NULL;
		size_t idx;
		int r;

		r = pointer_token(start, next ? (size_t)(next - start) : strlen(start), &tok);
		if (r < 0)
			return r;
		if (!next) {
			*ret_parent = cur;
			*ret_last = TAKE_PTR(tok);
			return 0;
		}
		if (json_is_object(cur))
			cur = json_object_get(cur, tok);
		else if (json_is_array(cur) &&
			 array_index(tok, json_array_size(cur), false, &idx) == 0)
			cur = json_array_get(cur, idx);
		else
			cur = NULL;
		if (!cur)
			return -ENOENT;
		p = next;
	}
}

json_t *json_pointer_get(json_t *root, const char *pointer)
{
	_cleanup_free_ char *last = NULL;
	json_t *parent;
	size_t idx;
	int r;

	r = pointer_parent(root, pointer, &parent, &last);
	if (r < 0)
		return NULL;
	if (r > 0)
		return root;
	if (json_is_object(parent))
		return json_object_get(parent, last);
	if (json_is_array(parent) && array_index(last, json_array_size(parent), false, &idx) == 0)
		return json_array_get(parent, idx);
	return NULL;
}

static int patch_add(json_t *doc, const char *path, json_t *value /* borrowed */)
{
	_cleanup_free_ char *last = NULL;
	json_t *parent;
	size_t idx;
	int r;

	r = pointer_parent(doc, path, &parent, &last);
	if (r < 0)
		return r;
	if (r > 0) {
		/* Replacing the whole document in place is only possible for containers. */
		if (json_is_object(doc) && json_is_object(value))
			return json_object_clear(doc) == 0 && json_object_update(doc, value) == 0 ?
				       0 :
				       -ENOMEM;
		return -EINVAL;
	}
	if (json_is_object(parent))
		return json_object_set(parent, last, value) == 0 ? 0 : -ENOMEM;
	if (json_is_array(parent)) {
		r = array_index(last, json_array_size(parent), true, &idx);
		if (r < 0)
			return r;
		return json_array_insert(parent, idx, value) == 0 ? 0 : -ENOMEM;
	}
	return -ENOENT;
}

static int patch_remove(json_t *doc, const char *path, json_t **ret_removed)
{
	_cleanup_free_ char *last = NULL;
	json_t *parent, *v;
	size_t idx;
	int r;

	r = pointer_parent(doc, path, &parent, &last);
	if (r < 0)
		return r;
	if (r > 0)
		return -EINVAL;
	if (json_is_object(parent)) {
		v = json_object_get(parent, last);
		if (!v)
			return -ENOENT;
		if (ret_removed)
			*ret_removed = json_incref(v);
		return json_object_del(parent, last) == 0 ? 0 : -ENOENT;
	}
	if (json_is_array(parent)) {
		r = array_index(last, json_array_size(parent), false, &idx);
		if (r < 0)
			return r;
		if (ret_removed)
			*ret_removed = json_incref(json_array_get(parent, idx));
		return json_array_remove(parent, idx) == 0 ? 0 : -ENOENT;
	}
	return -ENOENT;
}

static int patch_one(json_t *doc, const json_t *op)
{
	const char *name, *path, *from;
	json_t *value = json_object_get(op, "value");

	if (json_get_string(op, "op", &name) < 0 || json_get_string(op, "path", &path) < 0)
		return -EINVAL;
	if (strcmp(name, "add") == 0) {
		if (!value)
			return -EINVAL;
		return patch_add(doc, path, value);
	}
	if (strcmp(name, "remove") == 0)
		return patch_remove(doc, path, NULL);
	if (strcmp(name, "replace") == 0) {
		int r;

		if (!value)
			return -EINVAL;
		r = patch_remove(doc, path, NULL);
		if (r < 0)
			return r;
		return patch_add(doc, path, value);
	}
	if (strcmp(name, "test") == 0) {
		json_t *cur = json_pointer_get(doc, path);

		if (!value)
			return -EINVAL;
		return cur && json_equal(cur, value) ? 0 : -ESRCH;
	}
	if (strcmp(name, "copy") == 0 || strcmp(name, "move") == 0) {
		json_auto_t *v = NULL;
		json_t *src;
		int r;

		if (json_get_string(op, "from", &from) < 0)
			return -EINVAL;
		src = json_pointer_get(doc, from);
		if (!src)
			return -ENOENT;
		if (name[0] == 'c') {
			v = json_deep_copy(src);
			if (!v)
				return -ENOMEM;
		} else {
			r = patch_remove(doc, from, &v);
			if (r < 0)
				return r;
		}
		return patch_add(doc, path, v);
	}
	return -EINVAL;
}

int json_patch_apply(json_t *doc, const json_t *patch, size_t *reterr_op)
{
	size_t i;
	json_t *op;

	if (!json_is_array(patch))
		return -EINVAL;
	json_array_foreach(patch, i, op) {
		int r = patch_one(doc, op);

		if (r < 0) {
			if (reterr_op)
				*reterr_op = i;
			return r;
		}
	}
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/* YAML (and JSON) streams loaded through libyaml into jansson values, Kubernetes-style. */
#include <assert.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libyaml's header: angle brackets never pick up our own common/yaml.h. */
#include <yaml.h>

#include "fileio.h"
#include "yaml.h"

#define TAG_PREFIX "tag:yaml.org,2002:"
#define TAG_BINARY TAG_PREFIX "binary"
#define TAG_MERGE  TAG_PREFIX "merge"

/* ---- scalar resolution (go-yaml v2's resolve(), as used by sigs.k8s.io/yaml) ---- */

enum scalar_kind {
	SCALAR_NULL,
	SCALAR_BOOL,
	SCALAR_INT,
	SCALAR_UINT, /* beyond int64: becomes a JSON real */
	SCALAR_FLOAT,
	SCALAR_NONFINITE, /* .inf/.nan: a float JSON cannot represent */
	SCALAR_STR,
};

struct scalar {
	enum scalar_kind kind;
	bool b;
	long long i;
	uint64_t u;
	double f;
};

static const struct {
	const char *word;
	enum scalar_kind kind;
	bool b;
} resolve_words[] = {
	{ "", SCALAR_NULL },
	{ "~", SCALAR_NULL },
	{ "null", SCALAR_NULL },
	{ "Null", SCALAR_NULL },
	{ "NULL", SCALAR_NULL },
	{ "y", SCALAR_BOOL, true },
	{ "Y", SCALAR_BOOL, true },
	{ "yes", SCALAR_BOOL, true },
	{ "Yes", SCALAR_BOOL, true },
	{ "YES", SCALAR_BOOL, true },
	{ "true", SCALAR_BOOL, true },
	{ "True", SCALAR_BOOL, true },
	{ "TRUE", SCALAR_BOOL, true },
	{ "on", SCALAR_BOOL, true },
	{ "On", SCALAR_BOOL, true },
	{ "ON", SCALAR_BOOL, true },
	{ "n", SCALAR_BOOL, false },
	{ "N", SCALAR_BOOL, false },
	{ "no", SCALAR_BOOL, false },
	{ "No", SCALAR_BOOL, false },
	{ "NO", SCALAR_BOOL, false },
	{ "false", SCALAR_BOOL, false },
	{ "False", SCALAR_BOOL, false },
	{ "FALSE", SCALAR_BOOL, false },
	{ "off", SCALAR_BOOL, false },
	{ "Off", SCALAR_BOOL, false },
	{ "OFF", SCALAR_BOOL, false },
	{ ".nan", SCALAR_NONFINITE },
	{ ".NaN", SCALAR_NONFINITE },
	{ ".NAN", SCALAR_NONFINITE },
	{ ".inf", SCALAR_NONFINITE },
	{ ".Inf", SCALAR_NONFINITE },
	{ ".INF", SCALAR_NONFINITE },
	{ "+.inf", SCALAR_NONFINITE },
	{ "+.Inf", SCALAR_NONFINITE },
	{ "+.INF", SCALAR_NONFINITE },
	{ "-.inf", SCALAR_NONFINITE },
	{ "-.Inf", SCALAR_NONFINITE },
	{ "-.INF", SCALAR_NONFINITE },
};

/* Go's strconv.ParseUint(s, 0, 64): 0b/0o/0x prefixes, a leading 0 means octal. */
static bool parse_uint_base0(const char *s, size_t n, uint64_t *ret)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (n == 0)
		return false;
	if (s[0] == '0') {
		char c = n >= 3 ? (char)(s[1] | 0x20) : 0;

		base = c == 'b' ? 2 : c == 'o' ? 8 : c == 'x' ? 16 : 8;
		s += c == 'b' || c == 'o' || c == 'x' ? 2 : 1;
		n -= c == 'b' || c == 'o' || c == 'x' ? 2 : 1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
			d = (c | 0x20) - 'a' + 10;
		else
			return false;
		if (d >= base)
			return false;
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v))
			return false;
	}
	*ret = v;
	return true;
}

/* Go's strconv.ParseInt(s, 0, 64). */
static bool parse_int_base0(const char *s, size_t n, long long *ret)
{
	bool neg = false;
	uint64_t u;

	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		s++;
		n--;
	}
	if (!parse_uint_base0(s, n, &u))
		return false;
	if (!neg && u > (uint64_t)INT64_MAX)
		return false;
	if (neg && u > (uint64_t)INT64_MAX + 1)
		return false;
	*ret = neg ? (long long)(0 - u) : (long long)u;
	return true;
}

static size_t skip_digits(const char *s, size_t n, size_t *i)
{
	size_t start = *i;

	while (*i < n && s[*i] >= '0' && s[*i] <= '9')
		(*i)++;
	return *i - start;
}

/* go-yaml's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool is_yaml_float(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i < n && s[i] == '.') {
		i++;
		if (skip_digits(s, n, &i) == 0)
			return false;
	} else {
		if (skip_digits(s, n, &i) == 0)
			return false;
		if (i < n && s[i] == '.') {
			i++;
			(void)skip_digits(s, n, &i);
		}
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (skip_digits(s, n, &i) == 0)
			return false;
	}
	return i == n;
}

/* strtod() in the "C" locale whatever the program set: YAML floats use '.'. */
static double strtod_c(const char *s)
{
	static locale_t cached;
	locale_t loc = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);

	if (!loc) {
		locale_t expected = (locale_t)0;

		loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
		if (!loc)
			return strtod(s, NULL);
		if (!__atomic_compare_exchange_n(&cached, &expected, loc, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			freelocale(loc);
			loc = expected;
		}
	}
	return strtod_l(s, NULL, loc);
}

/* Resolves a plain (unquoted, untagged) scalar the way go-yaml v2 does. */
static int resolve_plain(const char *s, size_t n, struct scalar *ret)
{
	_cleanup_free_ char *plain = NULL;
	size_t m = 0;

	for (size_t i = 0; i < ELEMENTSOF(resolve_words); i++) {
		if (strlen(resolve_words[i].word) == n &&
		    memcmp(resolve_words[i].word, s, n) == 0) {
			*ret = (struct scalar){ .kind = resolve_words[i].kind,
						.b = resolve_words[i].b };
			return 0;
		}
	}
	*ret = (struct scalar){ .kind = SCALAR_STR };
	if (n == 0 || !(s[0] == '+' || s[0] == '-' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
		return 0;

	/* Numbers: go-yaml drops every '_' first (except for the ".5" form). */
	plain = malloc(n + 1);
	if (!plain)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (s[0] == '.' || s[i] != '_')
			plain[m++] = s[i];
	plain[m] = '\0';

	if (s[0] != '.') {
		if (parse_int_base0(plain, m, &ret->i)) {
			ret->kind = SCALAR_INT;
			return 0;
		}
		if (parse_uint_base0(plain, m, &ret->u)) {
			ret->kind = SCALAR_UINT;
			return 0;
		}
	}
	if (is_yaml_float(plain, m)) {
		/* The syntax check above leaves strtod no hex, inf or nan forms. */
		double f = strtod_c(plain);

		/* Go's ParseFloat fails on overflow, and go-yaml then keeps the string. */
		if (isfinite(f)) {
			ret->kind = SCALAR_FLOAT;
			ret->f = f;
		}
	}
	return 0;
}

/* ---- the loader ---- */

struct anchor {
	json_t *value; /* NULL while the anchored collection is still open */
	char *text; /* a scalar's text as written, for use as a key; NULL otherwise */
	size_t text_len;
	size_t nodes;
	size_t bytes;
	unsigned height;
};

struct frame {
	json_t *value; /* array or object under construction */
	bool mapping;
	bool have_key;
	bool merge_key; /* the pending key is `<<` */
	char *key;
	size_t key_len;
	json_t *merges; /* merge sources (objects) in order, or NULL */
	size_t anchor; /* 1 + index into anchors, 0 for none */
	size_t nodes; /* produced inside this collection, itself included */
	size_t bytes;
	unsigned child_height;
};

struct loader {
	yaml_parser_t parser;
	bool parser_ready;
	const char *data;
	size_t len;
	struct frame stack[YAML_DEPTH_MAX];
	unsigned depth;
	struct anchor *anchors; /* append-only per document */
	size_t n_anchors;
	size_t alloc_anchors;
	json_t *anchor_index; /* anchor name -> index of its latest definition */
	json_t *root;
	json_t *docs;
	size_t nodes; /* totals for the whole call */
	size_t bytes;
	struct yaml_error *err;
};

static void frame_clear(struct frame *f)
{
	json_decref(f->value);
	json_decref(f->merges);
	free(f->key);
	*f = (struct frame){};
}

static void loader_reset_document(struct loader *ld)
{
	while (ld->depth > 0)
		frame_clear(&ld->stack[--ld->depth]);
	for (size_t i = 0; i < ld->n_anchors; i++) {
		json_decref(ld->anchors[i].value);
		free(ld->anchors[i].text);
	}
	ld->n_anchors = 0;
	json_object_clear(ld->anchor_index);
	json_decref(ld->root);
	ld->root = NULL;
}

static struct loader *loader_free(struct loader *ld)
{
	if (!ld)
		return NULL;
	loader_reset_document(ld);
	free(ld->anchors);
	json_decref(ld->anchor_index);
	json_decref(ld->docs);
	if (ld->parser_ready)
		yaml_parser_delete(&ld->parser);
	free(ld);
	return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct loader *, loader_free);

static void set_errorv(struct yaml_error *err, size_t line, size_t column, const char *fmt,
		       va_list ap) _printf_(4, 0);

static void set_errorv(struct yaml_error *err, size_t line, size_t column, const char *fmt,
		       va_list ap)
{
	if (!err)
		return;
	err->line = line > UINT32_MAX ? UINT32_MAX : (unsigned)line;
	err->column = column > UINT32_MAX ? UINT32_MAX : (unsigned)column;
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	/* One printable line: user text may carry control characters. */
	for (char *p = err->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static void set_error(struct yaml_error *err, size_t line, size_t column, const char *fmt, ...)
	_printf_(4, 5);

static void set_error(struct yaml_error *err, size_t line, size_t column, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_errorv(err, line, column, fmt, ap);
	va_end(ap);
}

/* Records the failure at a libyaml mark (0-based) and returns `error`. */
static int fail_at(struct loader *ld, int error, const yaml_mark_t *mark, const char *fmt, ...)
	_printf_(4, 5);

static int fail_at(struct loader *ld, int error, const yaml_mark_t *mark, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_errorv(ld->err, mark->line + 1, mark->column + 1, fmt, ap);
	va_end(ap);
	return error;
}

static int fail_oom(struct loader *ld)
{
	set_error(ld->err, 0, 0, "out of memory");
	return -ENOMEM;
}

/* Counts produced nodes and bytes against the caps, for the call and the open collection. */
static int account(struct loader *ld, size_t nodes, size_t bytes, const yaml_mark_t *mark)
{
	if (nodes > YAML_NODES_MAX - ld->nodes)
		return fail_at(ld, -E2BIG, mark,
			       "document expands to more than %u nodes (alias expansion?)",
			       YAML_NODES_MAX);
	if (bytes > YAML_BYTES_MAX - ld->bytes)
		return fail_at(ld, -E2BIG, mark,
			       "document expands to more than %u bytes of text (alias expansion?)",
			       YAML_BYTES_MAX);
	ld->nodes += nodes;
	ld->bytes += bytes;
	if (ld->depth > 0) {
		ld->stack[ld->depth - 1].nodes += nodes;
		ld->stack[ld->depth - 1].bytes += bytes;
	}
	return 0;
}

static json_t *new_string(const char *s, size_t len, int *ret_error)
{
	json_t *v = json_stringn(s, len);

	/* jansson says NULL for both; tell invalid UTF-8 apart from OOM. */
	if (!v) {
		json_t *probe = json_string("");

		*ret_error = probe ? -EBADMSG : -ENOMEM;
		json_decref(probe);
	}
	return v;
}

static bool tag_is(const yaml_char_t *tag, const char *name)
{
	return tag && strcmp((const char *)tag, name) == 0;
}

static const char *short_tag(const char *tag)
{
	static const char prefix[] = TAG_PREFIX;

	if (strncmp(tag, prefix, sizeof(prefix) - 1) == 0)
		return tag + sizeof(prefix) - 1;
	return tag;
}

/* Turns a scalar event into a JSON value according to its style and tag. */
static int scalar_to_json(struct loader *ld, const yaml_event_t *ev, json_t **ret)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	struct scalar sc = { .kind = SCALAR_STR };
	int r = -ENOMEM;
	json_t *v = NULL;

	if (!tag) {
		if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			r = resolve_plain(s, n, &sc);
			if (r < 0)
				return fail_oom(ld);
		}
	} else if (strcmp(tag, YAML_NULL_TAG) == 0 || strcmp(tag, YAML_BOOL_TAG) == 0 ||
		   strcmp(tag, YAML_INT_TAG) == 0 || strcmp(tag, YAML_FLOAT_TAG) == 0) {
		/* Explicit tags resolve the text whatever its style, then must agree. */
		bool ok;

		r = resolve_plain(s, n, &sc);
		if (r < 0)
			return fail_oom(ld);
		if (strcmp(tag, YAML_NULL_TAG) == 0)
			ok = sc.kind == SCALAR_NULL;
		else if (strcmp(tag, YAML_BOOL_TAG) == 0)
			ok = sc.kind == SCALAR_BOOL;
		else if (strcmp(tag, YAML_INT_TAG) == 0)
			ok = sc.kind == SCALAR_INT || sc.kind == SCALAR_UINT;
		else
			ok = sc.kind == SCALAR_INT || sc.kind == SCALAR_UINT ||
			     sc.kind == SCALAR_FLOAT || sc.kind == SCALAR_NONFINITE;
		if (!ok)
			return fail_at(ld, -EBADMSG, &ev->start_mark,
				       "cannot decode '%.64s' as !!%s", s, short_tag(tag));
		if (strcmp(tag, YAML_FLOAT_TAG) == 0 && sc.kind == SCALAR_INT) {
			sc.kind = SCALAR_FLOAT;
			sc.f = (double)sc.i;
		}
	} else if (strcmp(tag, TAG_BINARY) == 0 ||
		   (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0 &&
		    strcmp(tag, YAML_STR_TAG) != 0 && strcmp(tag, YAML_TIMESTAMP_TAG) != 0)) {
		return fail_at(ld, -EBADMSG, &ev->start_mark, "unsupported tag '!!%.64s'",
			       short_tag(tag));
	}
	/* Everything else (!!str, !!timestamp, "!", local tags) stays a string. */

	switch (sc.kind) {
	case SCALAR_NULL:
		v = json_null();
		break;
	case SCALAR_BOOL:
		v = json_boolean(sc.b);
		break;
	case SCALAR_INT:
		v = json_integer(sc.i);
		break;
	case SCALAR_UINT:
		v = json_real((double)sc.u);
		break;
	case SCALAR_FLOAT:
		v = json_real(sc.f);
		break;
	case SCALAR_NONFINITE:
		return fail_at(ld, -EBADMSG, &ev->start_mark,
			       "'%.64s' is a float JSON cannot represent", s);
	case SCALAR_STR:
		r = -ENOMEM;
		v = new_string(s, n, &r);
		if (!v && r == -EBADMSG)
			return fail_at(ld, r, &ev->start_mark, "string is not valid UTF-8");
		break;
	}
	if (!v)
		return fail_oom(ld);
	*ret = v;
	return 0;
}

static int anchor_find(struct loader *ld, const yaml_char_t *name, const yaml_mark_t *mark,
		       struct anchor **ret)
{
	json_t *idx = json_object_get(ld->anchor_index, (const char *)name);

	if (!idx)
		return fail_at(ld, -EBADMSG, mark, "unknown anchor '%.64s'", (const char *)name);
	*ret = &ld->anchors[json_integer_value(idx)];
	if (!(*ret)->value)
		return fail_at(ld, -EBADMSG, mark, "alias '*%.64s' refers to a node containing it",
			       (const char *)name);
	return 0;
}

/* Adds a definition for `name`; later definitions shadow earlier ones (YAML 1.1 §3.2.2.2). */
static int anchor_define(struct loader *ld, const yaml_char_t *name, size_t *ret_index)
{
	struct anchor *a;

	if (ld->n_anchors == ld->alloc_anchors) {
		size_t n = ld->alloc_anchors ? ld->alloc_anchors * 2 : 16;

		a = reallocarray(ld->anchors, n, sizeof(*a));
		if (!a)
			return fail_oom(ld);
		ld->anchors = a;
		ld->alloc_anchors = n;
	}
	if (json_object_set_new(ld->anchor_index, (const char *)name,
				json_integer((json_int_t)ld->n_anchors)) < 0)
		return fail_oom(ld);
	ld->anchors[ld->n_anchors] = (struct anchor){};
	*ret_index = ld->n_anchors++;
	return 0;
}

static int anchor_scalar(struct loader *ld, const yaml_event_t *ev, json_t *value)
{
	struct anchor *a;
	size_t i;
	int r;

	r = anchor_define(ld, ev->data.scalar.anchor, &i);
	if (r < 0)
		return r;
	a = &ld->anchors[i];
	a->text = malloc(ev->data.scalar.length + 1);
	if (!a->text)
		return fail_oom(ld);
	memcpy(a->text, ev->data.scalar.value, ev->data.scalar.length + 1);
	a->text_len = ev->data.scalar.length;
	a->value = json_incref(value);
	a->nodes = 1;
	a->bytes = ev->data.scalar.length;
	return 0;
}

static int set_key(struct loader *ld, struct frame *f, const char *key, size_t len, bool merge,
		   const yaml_mark_t *mark)
{
	int r;

	if (memchr(key, '\0', len))
		return fail_at(ld, -EBADMSG, mark, "mapping key contains a NUL character");
	if (!merge && json_object_getn(f->value, key, len))
		return fail_at(ld, -EBADMSG, mark, "key '%.*s' already set in this mapping",
			       (int)MIN(len, (size_t)64), key);
	r = account(ld, 1, len, mark);
	if (r < 0)
		return r;
	f->key = strndup(key, len);
	if (!f->key)
		return fail_oom(ld);
	f->key_len = len;
	f->have_key = true;
	f->merge_key = merge;
	return 0;
}

static int add_merge_source(struct loader *ld, struct frame *f, json_t *v, const yaml_mark_t *mark)
{
	if (!f->merges) {
		f->merges = json_array();
		if (!f->merges)
			return fail_oom(ld);
	}
	if (json_is_object(v))
		return json_array_append(f->merges, v) < 0 ? fail_oom(ld) : 0;
	if (json_is_array(v)) {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e) {
			if (!json_is_object(e))
				break;
			if (json_array_append(f->merges, e) < 0)
				return fail_oom(ld);
		}
		if (i == json_array_size(v))
			return 0;
	}
	return fail_at(ld, -EBADMSG, mark,
		       "merge key '<<' needs a mapping or a sequence of mappings");
}

/* Hands a finished value (stolen) to the open collection or to the document. */
static int add_value(struct loader *ld, json_t *v, unsigned height, const yaml_mark_t *mark)
{
	struct frame *f;
	int r = 0;

	if (ld->depth == 0) {
		json_decref(ld->root);
		ld->root = v;
		return 0;
	}
	f = &ld->stack[ld->depth - 1];
	f->child_height = MAX(f->child_height, height);
	if (!f->mapping)
		return json_array_append_new(f->value, v) < 0 ? fail_oom(ld) : 0;

	assert(f->have_key);
	if (f->merge_key) {
		r = add_merge_source(ld, f, v, mark);
		json_decref(v);
	} else if (json_object_setn_new(f->value, f->key, f->key_len, v) < 0) {
		r = fail_oom(ld);
	}
	free(f->key);
	f->key = NULL;
	f->have_key = false;
	f->merge_key = false;
	return r;
}

static bool expecting_key(const struct loader *ld)
{
	const struct frame *f = ld->depth > 0 ? &ld->stack[ld->depth - 1] : NULL;

	return f && f->mapping && !f->have_key;
}

static int on_scalar(struct loader *ld, const yaml_event_t *ev)
{
	json_t *v = NULL;
	int r;

	if (expecting_key(ld)) {
		const char *key = (const char *)ev->data.scalar.value;
		size_t len = ev->data.scalar.length;
		bool merge = len == 2 && memcmp(key, "<<", 2) == 0 &&
			     ((!ev->data.scalar.tag &&
			       ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) ||
			      tag_is(ev->data.scalar.tag, TAG_MERGE));

		if (ev->data.scalar.anchor) {
			json_auto_t *kv = NULL;

			r = scalar_to_json(ld, ev, &kv);
			if (r < 0)
				return r;
			r = anchor_scalar(ld, ev, kv);
			if (r < 0)
				return r;
		}
		return set_key(ld, &ld->stack[ld->depth - 1], key, len, merge, &ev->start_mark);
	}

	r = account(ld, 1, ev->data.scalar.length, &ev->start_mark);
	if (r < 0)
		return r;
	r = scalar_to_json(ld, ev, &v);
	if (r < 0)
		return r;
	if (ev->data.scalar.anchor) {
		r = anchor_scalar(ld, ev, v);
		if (r < 0) {
			json_decref(v);
			return r;
		}
	}
	return add_value(ld, v, 0, &ev->start_mark);
}

static int on_alias(struct loader *ld, const yaml_event_t *ev)
{
	struct anchor *a = NULL;
	json_t *copy;
	int r;

	r = anchor_find(ld, ev->data.alias.anchor, &ev->start_mark, &a);
	if (r < 0)
		return r;

	if (expecting_key(ld)) {
		if (!a->text)
			return fail_at(ld, -EBADMSG, &ev->start_mark,
				       "mapping keys must be scalars, '*%.64s' is not",
				       (const char *)ev->data.alias.anchor);
		return set_key(ld, &ld->stack[ld->depth - 1], a->text, a->text_len, false,
			       &ev->start_mark);
	}

	if (ld->depth + a->height > YAML_DEPTH_MAX)
		return fail_at(ld, -E2BIG, &ev->start_mark, "nesting deeper than %u levels",
			       YAML_DEPTH_MAX);
	r = account(ld, a->nodes, a->bytes, &ev->start_mark);
	if (r < 0)
		return r;
	/* A copy, not a shared reference: callers may modify the result. */
	copy = json_deep_copy(a->value);
	if (!copy)
		return fail_oom(ld);
	return add_value(ld, copy, a->height, &ev->start_mark);
}

static int on_collection_start(struct loader *ld, const yaml_event_t *ev, bool mapping)
{
	const yaml_char_t *anchor = mapping ? ev->data.mapping_start.anchor :
					      ev->data.sequence_start.anchor;
	struct frame *f;
	int r;

	if (expecting_key(ld))
		return fail_at(ld, -EBADMSG, &ev->start_mark, "mapping keys must be scalars");
	if (ld->depth >= YAML_DEPTH_MAX)
		return fail_at(ld, -E2BIG, &ev->start_mark, "nesting deeper than %u levels",
			       YAML_DEPTH_MAX);

	f = &ld->stack[ld->depth++];
	*f = (struct frame){ .mapping = mapping };
	f->value = mapping ? json_object() : json_array();
	if (!f->value)
		return fail_oom(ld);
	r = account(ld, 1, 0, &ev->start_mark);
	if (r < 0)
		return r;
	if (anchor) {
		size_t i;

		r = anchor_define(ld, anchor, &i);
		if (r < 0)
			return r;
		f->anchor = i + 1;
	}
	return 0;
}

/* Merge sources fill in keys the mapping does not set itself; earlier sources win. */
static int apply_merges(struct loader *ld, struct frame *f)
{
	size_t i;
	json_t *src;

	json_array_foreach(f->merges, i, src) {
		const char *k;
		json_t *v;

		json_object_foreach(src, k, v) {
			if (json_object_get(f->value, k))
				continue;
			if (json_object_set(f->value, k, v) < 0)
				return fail_oom(ld);
		}
	}
	return 0;
}

static int on_collection_end(struct loader *ld, const yaml_event_t *ev)
{
	struct frame f;
	unsigned height;
	int r;

	assert(ld->depth > 0);
	f = ld->stack[--ld->depth];
	ld->stack[ld->depth] = (struct frame){};

	if (f.mapping && f.merges) {
		r = apply_merges(ld, &f);
		if (r < 0) {
			frame_clear(&f);
			return r;
		}
	}
	height = f.child_height + 1;
	if (f.anchor) {
		struct anchor *a = &ld->anchors[f.anchor - 1];

		a->value = json_incref(f.value);
		a->nodes = f.nodes;
		a->bytes = f.bytes;
		a->height = height;
	}
	if (ld->depth > 0) {
		ld->stack[ld->depth - 1].nodes += f.nodes;
		ld->stack[ld->depth - 1].bytes += f.bytes;
	}
	r = add_value(ld, TAKE_PTR(f.value), height, &ev->start_mark);
	frame_clear(&f);
	return r;
}

static int on_event(struct loader *ld, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		loader_reset_document(ld);
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		/* Null documents (empty, comments only, `~`) are skipped, as kubectl does. */
		if (ld->root && !json_is_null(ld->root) &&
		    json_array_append_new(ld->docs, TAKE_PTR(ld->root)) < 0)
			return fail_oom(ld);
		loader_reset_document(ld);
		return 0;
	case YAML_SCALAR_EVENT:
		return on_scalar(ld, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(ld, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_collection_start(ld, ev, false);
	case YAML_MAPPING_START_EVENT:
		return on_collection_start(ld, ev, true);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_collection_end(ld, ev);
	case YAML_NO_EVENT:
	case YAML_STREAM_START_EVENT:
	case YAML_STREAM_END_EVENT:
		return 0;
	}
	return 0;
}

/* Translates libyaml's error state, once, into errno and a positioned message. */
static int parser_error(struct loader *ld)
{
	const yaml_parser_t *p = &ld->parser;
	const char *problem = p->problem ? p->problem : "unknown error";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return fail_oom(ld);
	case YAML_READER_ERROR: {
		/* Reader errors carry a byte offset, not a mark: count lines ourselves. */
		size_t line = 1, col = 1, end = MIN(p->problem_offset, ld->len);

		for (size_t i = 0; i < end; i++) {
			if (ld->data[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		if (p->problem_value >= 0)
			set_error(ld->err, line, col, "%s (byte 0x%X)", problem,
				  (unsigned)p->problem_value);
		else
			set_error(ld->err, line, col, "%s", problem);
		return -EBADMSG;
	}
	case YAML_SCANNER_ERROR:
	case YAML_PARSER_ERROR:
		if (p->context)
			return fail_at(ld, -EBADMSG, &p->problem_mark,
				       "%s (%s at line %zu, column %zu)", problem, p->context,
				       p->context_mark.line + 1, p->context_mark.column + 1);
		return fail_at(ld, -EBADMSG, &p->problem_mark, "%s", problem);
	case YAML_NO_ERROR:
	case YAML_COMPOSER_ERROR:
	case YAML_WRITER_ERROR:
	case YAML_EMITTER_ERROR:
		break;
	}
	return fail_at(ld, -EBADMSG, &p->problem_mark, "%s", problem);
}

static int load_yaml(const char *data, size_t len, json_t **ret_array, struct yaml_error *err)
{
	_cleanup_(loader_freep) struct loader *ld = NULL;

	ld = calloc(1, sizeof(*ld));
	if (!ld) {
		set_error(err, 0, 0, "out of memory");
		return -ENOMEM;
	}
	ld->err = err;
	ld->data = data;
	ld->len = len;
	ld->docs = json_array();
	ld->anchor_index = json_object();
	if (!ld->docs || !ld->anchor_index)
		return fail_oom(ld);
	if (!yaml_parser_initialize(&ld->parser))
		return fail_oom(ld);
	ld->parser_ready = true;
	yaml_parser_set_input_string(&ld->parser, (const unsigned char *)data, len);

	for (;;) {
		yaml_event_t ev;
		bool end;
		int r;

		if (!yaml_parser_parse(&ld->parser, &ev))
			return parser_error(ld);
		r = on_event(ld, &ev);
		end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (r < 0)
			return r;
		if (end)
			break;
	}
	*ret_array = TAKE_PTR(ld->docs);
	return 0;
}

/* ---- JSON fast path ---- */

static bool looks_like_json(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')
			continue;
		return data[i] == '{' || data[i] == '[';
	}
	return false;
}

/* The same caps the YAML path enforces, counted the same way. */
static int check_limits(const json_t *v, unsigned depth, size_t *nodes, size_t *bytes)
{
	if (++*nodes > YAML_NODES_MAX)
		return -E2BIG;
	if (json_is_string(v)) {
		*bytes += json_string_length(v);
		return *bytes > YAML_BYTES_MAX ? -E2BIG : 0;
	}
	if (!json_is_object(v) && !json_is_array(v))
		return 0;
	if (++depth > YAML_DEPTH_MAX)
		return -E2BIG;
	if (json_is_object(v)) {
		const char *k;
		json_t *e;

		json_object_foreach((json_t *)v, k, e) {
			int r;

			++*nodes;
			*bytes += strlen(k);
			r = check_limits(e, depth, nodes, bytes);
			if (r < 0)
				return r;
		}
	} else {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e) {
			int r = check_limits(e, depth, nodes, bytes);

			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* 0 with a result, -ENOMEM, or -EBADMSG/-E2BIG to let the YAML parser decide and explain. */
static int load_json(const char *data, size_t len, json_t **ret_array)
{
	json_auto_t *v = NULL, *docs = NULL;
	size_t nodes = 0, bytes = 0;
	json_error_t jerr;
	int r;

	v = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!v)
		return json_error_code(&jerr) == json_error_out_of_memory ? -ENOMEM : -EBADMSG;
	r = check_limits(v, 0, &nodes, &bytes);
	if (r < 0)
		return r;
	docs = json_array();
	if (!docs || json_array_append_new(docs, TAKE_PTR(v)) < 0)
		return -ENOMEM;
	*ret_array = TAKE_PTR(docs);
	return 0;
}

int yaml_load_documents(const char *data, size_t len, json_t **ret_array,
			struct yaml_error *reterr_error)
{
	assert(data || len == 0);
	assert(ret_array);

	if (len > YAML_INPUT_MAX) {
		set_error(reterr_error, 0, 0, "input larger than %u bytes", YAML_INPUT_MAX);
		return -EFBIG;
	}
	if (!data)
		data = "";
	if (looks_like_json(data, len)) {
		int r = load_json(data, len, ret_array);

		if (r == -ENOMEM)
			set_error(reterr_error, 0, 0, "out of memory");
		if (r >= 0 || r == -ENOMEM)
			return r;
	}
	return load_yaml(data, len, ret_array, reterr_error);
}

int yaml_load_file(const char *path, json_t **ret_array, struct yaml_error *reterr_error)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r;

	assert(path);
	assert(ret_array);

	r = read_full_file(path, YAML_INPUT_MAX, &data, &len);
	if (r == -EFBIG) {
		set_error(reterr_error, 0, 0, "file larger than %u bytes", YAML_INPUT_MAX);
		return r;
	}
	if (r < 0) {
		errno = -r;
		set_error(reterr_error, 0, 0, "%m");
		return r;
	}
	return yaml_load_documents(data, len, ret_array, reterr_error);
}

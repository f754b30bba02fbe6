// SPDX-License-Identifier: Apache-2.0
/* Kubernetes metav1.LabelSelector parsing and matching. */
#include <string.h>

#include "json-util.h"
#include "label-selector.h"

#define LABEL_SELECTOR_MAX_REQS	  256
#define LABEL_SELECTOR_MAX_VALUES 256

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Qualified name part: [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most 63. */
static bool is_name_part(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* DNS-1123 subdomain: lowercase labels separated by dots, at most 253. */
static bool is_dns_subdomain(const char *s, size_t n)
{
	size_t start = 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			char c = s[i];

			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
				return false;
			continue;
		}
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return false;
		start = i + 1;
	}
	return true;
}

bool label_key_is_valid(const char *key)
{
	const char *slash = strchr(key, '/');

	if (!slash)
		return is_name_part(key, strlen(key));
	return is_dns_subdomain(key, (size_t)(slash - key)) &&
	       is_name_part(slash + 1, strlen(slash + 1));
}

bool label_value_is_valid(const char *value)
{
	size_t n = strlen(value);

	return n == 0 || is_name_part(value, n);
}

struct label_selector *label_selector_free(struct label_selector *sel)
{
	if (!sel)
		return NULL;
	for (size_t i = 0; i < sel->n_reqs; i++) {
		free(sel->reqs[i].key);
		for (size_t j = 0; j < sel->reqs[i].n_values; j++)
			free(sel->reqs[i].values[j]);
		free(sel->reqs[i].values);
	}
	free(sel->reqs);
	free(sel);
	return NULL;
}

static int add_req(struct label_selector *sel, const char *key, enum label_op op,
		   const json_t *values, const char *single)
{
	struct label_requirement *r;
	size_t n = values ? json_array_size(values) : (single ? 1 : 0);

	r = &sel->reqs[sel->n_reqs];
	*r = (struct label_requirement){ .op = op };
	r->key = strdup(key);
	r->values = calloc(n + 1, sizeof(char *));
	sel->n_reqs++; /* counted now so that free() releases a half-built entry */
	if (!r->key || !r->values)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *v = single ? single : json_string_value(json_array_get(values, i));

		r->values[i] = strdup(v);
		if (!r->values[i])
			return -ENOMEM;
		r->n_values++;
	}
	return 0;
}

int label_selector_parse(const json_t *sel, struct label_selector **ret_sel,
			 const char **reterr_field, const char **reterr_msg)
{
	_cleanup_(label_selector_freep) struct label_selector *s = NULL;
	json_t *labels = NULL, *exprs = NULL, *v;
	const char *key;
	size_t n = 0, i;
	int r;

#define FAIL(field, msg)                       \
	do {                                   \
		if (reterr_field)              \
			*reterr_field = field; \
		if (reterr_msg)                \
			*reterr_msg = msg;     \
		return -EINVAL;                \
	} while (0)

	if (!json_is_object(sel))
		FAIL("", "must be an object");
	r = json_get_object(sel, "matchLabels", &labels);
	if (r == -EBADMSG)
		FAIL("matchLabels", "must be a map of strings");
	r = json_get_array(sel, "matchExpressions", &exprs);
	if (r == -EBADMSG)
		FAIL("matchExpressions", "must be a list");
	n = json_object_size(labels) + json_array_size(exprs);
	if (n > LABEL_SELECTOR_MAX_REQS)
		FAIL("", "too many requirements");

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->reqs = calloc(n ? n : 1, sizeof(*s->reqs));
	if (!s->reqs)
		return -ENOMEM;

	json_object_foreach(labels, key, v) {
		if (!json_is_string(v))
			FAIL("matchLabels", "values must be strings");
		if (!label_key_is_valid(key))
			FAIL("matchLabels", "invalid label key");
		if (!label_value_is_valid(json_string_value(v)))
			FAIL("matchLabels", "invalid label value");
		r = add_req(s, key, LABEL_OP_IN, NULL, json_string_value(v));
		if (r < 0)
			return r;
	}
	json_array_foreach(exprs, i, v) {
		const char *op;
		json_t *values = NULL;
		enum label_op lop = LABEL_OP_IN;

		if (json_get_string(v, "key", &key) < 0 || !label_key_is_valid(key))
			FAIL("matchExpressions", "each expression needs a valid key");
		if (json_get_string(v, "operator", &op) < 0)
			FAIL("matchExpressions", "each expression needs an operator");
		if (strcmp(op, "In") == 0)
			lop = LABEL_OP_IN;
		else if (strcmp(op, "NotIn") == 0)
			lop = LABEL_OP_NOT_IN;
		else if (strcmp(op, "Exists") == 0)
			lop = LABEL_OP_EXISTS;
		else if (strcmp(op, "DoesNotExist") == 0)
			lop = LABEL_OP_DOES_NOT_EXIST;
		else
			FAIL("matchExpressions",
			     "operator must be In, NotIn, Exists or DoesNotExist");
		r = json_get_array(v, "values", &values);
		if (r == -EBADMSG)
			FAIL("matchExpressions", "values must be a list of strings");
		if ((lop == LABEL_OP_IN || lop == LABEL_OP_NOT_IN) && json_array_size(values) == 0)
			FAIL("matchExpressions", "In and NotIn need at least one value");
		if ((lop == LABEL_OP_EXISTS || lop == LABEL_OP_DOES_NOT_EXIST) &&
		    json_array_size(values) > 0)
			FAIL("matchExpressions", "Exists and DoesNotExist take no values");
		if (json_array_size(values) > LABEL_SELECTOR_MAX_VALUES)
			FAIL("matchExpressions", "too many values");
		for (size_t j = 0; j < json_array_size(values); j++)
			if (!json_is_string(json_array_get(values, j)))
				FAIL("matchExpressions", "values must be strings");
		r = add_req(s, key, lop, values, NULL);
		if (r < 0)
			return r;
	}
#undef FAIL
	*ret_sel = TAKE_PTR(s);
	return 0;
}

static bool req_matches(const struct label_requirement *r, const json_t *labels)
{
	const char *v = json_string_value(json_object_get(labels, r->key));

	switch (r->op) {
	case LABEL_OP_EXISTS:
		return v != NULL;
	case LABEL_OP_DOES_NOT_EXIST:
		return v == NULL;
	case LABEL_OP_IN:
	case LABEL_OP_NOT_IN:
		for (size_t i = 0; v && i < r->n_values; i++)
			if (strcmp(v, r->values[i]) == 0)
				return r->op == LABEL_OP_IN;
		return r->op == LABEL_OP_NOT_IN;
	}
	return false;
}

bool label_selector_matches(const struct label_selector *sel, const json_t *labels)
{
	if (!sel)
		return false;
	for (size_t i = 0; i < sel->n_reqs; i++)
		if (!req_matches(&sel->reqs[i], labels))
			return false;
	return true;
}

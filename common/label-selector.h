// SPDX-License-Identifier: Apache-2.0
/* Kubernetes metav1.LabelSelector parsing and matching. */
#pragma once

#include <stdbool.h>
#include <jansson.h>

#include "macro.h"

enum label_op {
	LABEL_OP_IN,
	LABEL_OP_NOT_IN,
	LABEL_OP_EXISTS,
	LABEL_OP_DOES_NOT_EXIST,
};

struct label_requirement {
	char *key;
	enum label_op op;
	char **values; /* NULL-terminated; empty for Exists/DoesNotExist */
	size_t n_values;
};

struct label_selector {
	struct label_requirement *reqs; /* matchLabels become IN with one value */
	size_t n_reqs;
};

/*
 * Parses a LabelSelector object. An empty object selects everything, as in
 * Kubernetes. reterr_field gets the failing field (static or borrowed from
 * nothing: a static string) and reterr_msg a short reason (static).
 */
int label_selector_parse(const json_t *sel, struct label_selector **ret_sel,
			 const char **reterr_field, const char **reterr_msg);
/* `labels` is a JSON object of string values (or NULL: no labels). */
bool label_selector_matches(const struct label_selector *sel, const json_t *labels);
struct label_selector *label_selector_free(struct label_selector *sel);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct label_selector *, label_selector_free);

/* Validates a label key (optional DNS-1123 prefix + '/' + name of at most 63) and value. */
bool label_key_is_valid(const char *key);
bool label_value_is_valid(const char *value);

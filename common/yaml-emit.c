// SPDX-License-Identifier: Apache-2.0
/* Writes jansson values as block-style YAML through libyaml's emitter. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yaml-emit.h"

#define YAML_EMIT_DEPTH_MAX 256

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	return buf_append(data, buffer, size) == 0;
}

static bool needs_quotes(const char *s)
{
	static const char *const special[] = { "",     "~",    "null",	"Null",	 "NULL",  "true",
					       "True", "TRUE", "false", "False", "FALSE", "yes",
					       "Yes",  "YES",  "no",	"No",	 "NO",	  "on",
					       "On",   "ON",   "off",	"Off",	 "OFF",	  "y",
					       "Y",    "n",    "N" };
	char *end;

	for (size_t i = 0; i < ELEMENTSOF(special); i++)
		if (strcmp(s, special[i]) == 0)
			return true;
	(void)strtod(s, &end);
	if (end != s && *end == '\0')
		return true;
	return s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b');
}

static int emit_scalar(yaml_emitter_t *e, const char *text, size_t len, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)len, 1, 1,
					  style))
		return -ENOMEM;
	return yaml_emitter_emit(e, &ev) ? 0 : -EIO;
}

static int emit_value(yaml_emitter_t *e, const json_t *v, unsigned depth)
{
	yaml_event_t ev;
	char num[64];
	int r;

	if (depth > YAML_EMIT_DEPTH_MAX)
		return -E2BIG;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *child;
		void *iter;

		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							 YAML_BLOCK_MAPPING_STYLE) ||
		    !yaml_emitter_emit(e, &ev))
			return -EIO;
		/* Keys in insertion order, as the object was built. */
		for (iter = json_object_iter((json_t *)v); iter;
		     iter = json_object_iter_next((json_t *)v, iter)) {
			key = json_object_iter_key(iter);
			child = json_object_iter_value(iter);
			r = emit_scalar(e, key, strlen(key),
					needs_quotes(key) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE :
							    YAML_ANY_SCALAR_STYLE);
			if (r < 0)
				return r;
			r = emit_value(e, child, depth + 1);
			if (r < 0)
				return r;
		}
		if (!yaml_mapping_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
			return -EIO;
		return 0;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *child;

		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  YAML_BLOCK_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(e, &ev))
			return -EIO;
		json_array_foreach(v, i, child) {
			r = emit_value(e, child, depth + 1);
			if (r < 0)
				return r;
		}
		if (!yaml_sequence_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
			return -EIO;
		return 0;
	}
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);
		yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;

		if (memchr(s, '\n', len))
			style = YAML_LITERAL_SCALAR_STYLE;
		else if (needs_quotes(s))
			style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		return emit_scalar(e, s, len, style);
	}
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return emit_scalar(e, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		return emit_scalar(e, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
	case JSON_TRUE:
		return emit_scalar(e, "true", 4, YAML_PLAIN_SCALAR_STYLE);
	case JSON_FALSE:
		return emit_scalar(e, "false", 5, YAML_PLAIN_SCALAR_STYLE);
	case JSON_NULL:
		return emit_scalar(e, "null", 4, YAML_PLAIN_SCALAR_STYLE);
	}
	return -EINVAL;
}

int yaml_emit(const json_t *value, struct buf *out)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	int r = -EIO;

	if (!yaml_emitter_initialize(&e))
		return -ENOMEM;
	yaml_emitter_set_output(&e, write_handler, out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	if (yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
	    yaml_emitter_emit(&e, &ev) &&
	    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	    yaml_emitter_emit(&e, &ev)) {
		r = emit_value(&e, value, 0);
		if (r == 0 &&
		    !(yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&e, &ev) &&
		      yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&e, &ev) &&
		      yaml_emitter_flush(&e)))
			r = -EIO;
	}
	if (r == -EIO && e.error == YAML_MEMORY_ERROR)
		r = -ENOMEM;
	yaml_emitter_delete(&e);
	return r;
}

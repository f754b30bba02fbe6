// SPDX-License-Identifier: Apache-2.0
/* YAML (and JSON) streams loaded through libyaml into jansson values, Kubernetes-style. */
#pragma once

#include <stddef.h>
#include <jansson.h>

#include "macro.h"

/* Caps on what one call may read and produce (all documents together). */
#define YAML_INPUT_MAX	   (8U * 1024 * 1024) /* bytes of input; -EFBIG beyond */
#define YAML_NODES_MAX	   1000000U /* values + keys produced, aliases expanded */
#define YAML_BYTES_MAX	   (64U * 1024 * 1024) /* string/key bytes produced, aliases expanded */
#define YAML_DEPTH_MAX	   256U /* nested sequences/mappings */
#define YAML_ERROR_MSG_MAX 256

/*
 * Failure detail. line and column are 1-based (0 when there is no position,
 * e.g. for I/O errors); msg is one printable line, NUL-terminated, with
 * user-controlled text in single quotes. Filled only when a call fails.
 */
struct yaml_error {
	unsigned line;
	unsigned column;
	char msg[YAML_ERROR_MSG_MAX];
};

/*
 * Parses a stream of YAML documents (separated by `---`) and returns a new
 * JSON array with one value per document; the caller owns it (json_decref).
 * Documents whose value is null (empty, comments only, `~`, `null`) are
 * skipped, as kubectl does. A `kind: List` is returned as is, not unwrapped.
 *
 * Resolution follows sigs.k8s.io/yaml (go-yaml v2, YAML 1.1), which is what
 * kubectl and the API server give Kubernetes users:
 *  - plain scalars: "", ~, null|Null|NULL -> null;
 *    y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON -> true, and n/no/false/off in
 *    the same case variants -> false;
 *    integers in decimal, 0x hex, 0o or leading-0 octal, 0b binary, with
 *    optional sign and `_` separators -> integer (beyond int64: real);
 *    1.5, .5, 1e3, 1. -> real; anything else -> string;
 *    .inf/.nan variants resolve as floats, which JSON cannot hold: error,
 *    as in Kubernetes' YAML-to-JSON conversion;
 *  - quoted and block (|, >) scalars are strings;
 *  - tags !!str, !!int, !!float, !!bool, !!null are honoured (a value that
 *    does not fit the tag is an error); !!timestamp and local tags (!foo)
 *    leave the text a string; !!binary and other standard tags are errors;
 *  - anchors, aliases and merge keys (`<<: *base`, explicit keys win);
 *  - mapping keys must be scalars; the key is the scalar's text as written
 *    (so `on:` stays "on"); a key repeated in one mapping is an error, as in
 *    sigs.k8s.io/yaml's strict mode used for manifests;
 *  - input must be UTF-8 (or UTF-16 with a BOM); anything else is an error.
 *
 * Input starting with `{` or `[` is tried as JSON first (faster); if jansson
 * refuses it, it is parsed as YAML, so flow-style YAML works and errors carry
 * YAML positions.
 *
 * Returns 0, -EFBIG (len > YAML_INPUT_MAX), -EBADMSG (not valid YAML or not
 * representable as JSON), -E2BIG (a YAML_*_MAX output cap was hit, e.g. alias
 * expansion or nesting), -ENOMEM. reterr_error may be NULL.
 */
int yaml_load_documents(const char *data, size_t len, json_t **ret_array,
			struct yaml_error *reterr_error) _warn_unused_result_;

/*
 * Same for a file of at most YAML_INPUT_MAX bytes. Also returns the negative
 * errno of opening or reading `path` (msg then holds its description).
 */
int yaml_load_file(const char *path, json_t **ret_array,
		   struct yaml_error *reterr_error) _warn_unused_result_;

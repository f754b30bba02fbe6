// SPDX-License-Identifier: Apache-2.0
/* Writes jansson values as block-style YAML through libyaml's emitter. */
#pragma once

#include <jansson.h>

#include "buf.h"

/*
 * Appends `value` as one YAML document (no leading "---"). Strings that would
 * read back as another type are quoted; multi-line strings use literal block
 * style so profiles stay readable.
 */
int yaml_emit(const json_t *value, struct buf *out) _warn_unused_result_;

// SPDX-License-Identifier: Apache-2.0
/* Reading Kubernetes objects from files for pavisectl: YAML or JSON, '-' for stdin, Lists unwrapped. */
#pragma once

#include <jansson.h>

#include "common/macro.h"

/*
 * Loads every object of every file into a new array of {"file", "index",
 * "object"} entries (caller owns it). On a file that cannot be read or
 * parsed, prints the reason to stderr (prefixed "pavisectl: 'FILE'") and
 * returns its negative errno.
 */
int objects_load(char *const *paths, size_t n, json_t **ret_entries);
/* "VarmorPolicy demo/web" style label into buf. */
const char *objects_describe(const json_t *object, char *buf, size_t size);

// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by test programs: JSON fixtures written with single quotes, paths. */
#pragma once

#include <jansson.h>

/* Parses JSON written with ' for " (fixtures stay readable in C); aborts the test on error. */
json_t *testlib_json(const char *single_quoted);
/* The shared/ directory beside the repository ($PAVISE_SHARED or ../shared). */
const char *testlib_shared_dir(void);
/* The build output directory ($OUTPUT or .output). */
const char *testlib_output_dir(void);

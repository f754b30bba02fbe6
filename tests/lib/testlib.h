// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by test programs: JSON fixtures written with single quotes, paths. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <jansson.h>

/* Parses JSON written with ' for " (fixtures stay readable in C); aborts the test on error. */
json_t *testlib_json(const char *single_quoted);
/* The shared/ directory beside the repository ($PAVISE_SHARED or ../shared). */
const char *testlib_shared_dir(void);
/* The build output directory ($OUTPUT or .output). */
const char *testlib_output_dir(void);

/* Starts argv[0] with stdout and stderr appended to log_path; returns the pid or -errno. */
pid_t testlib_spawn(char *const argv[], const char *log_path);
/* Runs argv to completion (output to log_path, may be NULL); returns its exit status or -errno. */
int testlib_run(char *const argv[], const char *log_path);
/* Waits until log_path contains `needle`; copies that line into line (may be NULL). */
int testlib_wait_for(const char *log_path, const char *needle, unsigned timeout_ms, char *line,
		     size_t line_size);
/* Sends sig and waits up to timeout_ms; returns the exit status, or -ETIMEDOUT (then SIGKILLs). */
int testlib_stop(pid_t pid, int sig, unsigned timeout_ms);
/* A fresh temporary directory (caller frees the string; removes nothing). */
char *testlib_tmpdir(void);

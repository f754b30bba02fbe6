// SPDX-License-Identifier: Apache-2.0
/* BPF path patterns on the host: pattern text <-> struct pavise_path_pattern, and matching. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bpf/pavise-rules.h"
#include "common/macro.h"

/* The longest pattern text: a prefix and a suffix of 63 bytes around "**". */
#define BPF_PATTERN_TEXT_MAX (2 * (PAVISE_PATTERN_MAX - 1) + 2)

/* bpf_pattern_compile() flags. */
#define BPF_PATTERN_RELATIVE \
	(1U << 0) /* accept a literal that is not absolute ("proc", mount sources) */

// Compiles a pattern as vArmor defines it (varmor.md 6.3):
//   "/etc/shadow"    PRECISE: exactly this path
//   "/etc/**"        GREEDY: prefix "/etc/"; "**" matches any bytes, '/' included
//   "/**/busybox"    GREEDY: prefix "/", suffix "/busybox" (also "/busybox" itself)
//   "**ping"         GREEDY: any path ending in "ping"
//   "*.sh", "ld-*"   a single '*' matches within the file name; no '/' allowed
// At most one wildcard ("*" or "**"), each side of it at most 63 bytes, and a
// path without a leading wildcard must be absolute (unless
// BPF_PATTERN_RELATIVE). Other glob characters ("?", "[", "{") are literal.
// Bytes are taken as they are (no UTF-8 requirement). On failure returns
// -EINVAL and a static reason (no field path, no pattern text).
int bpf_pattern_compile(const char *pattern, unsigned flags, struct pavise_path_pattern *ret,
			const char **reterr_reason);

// Writes the pattern text back ("/**/busybox"); -ENOBUFS when size is too small.
int bpf_pattern_format(const struct pavise_path_pattern *pat, char *buf, size_t size);

/*
 * Runs bpf/path-match.h on path[0..len) (any bytes; the file name is what
 * follows the last '/'). Returns 1 (match) or 0, or -ENAMETOOLONG when len does
 * not fit the BPF path buffer (PAVISE_PATH_BUF - 1 bytes at most).
 */
int bpf_pattern_match(const struct pavise_path_pattern *pat, const char *path, size_t len);

/*
 * BpfContent stores the suffix reversed, as vArmor does. vArmor reverses bytes,
 * which garbles a non-ASCII suffix in JSON; pavise writes the JSON suffix
 * reversed by UTF-8 characters (identical for ASCII) and keeps the record's
 * suffix reversed by bytes, which is what the matcher needs.
 *   bpf_pattern_suffix_from_json(): JSON suffix -> record suffix (NUL-terminated);
 *	-EINVAL when not valid UTF-8, -ENAMETOOLONG beyond 63 bytes.
 *   bpf_pattern_suffix_to_json(): record suffix -> JSON suffix in buf (>= 64 bytes);
 *	-EILSEQ when the bytes are not valid UTF-8 (JSON could not carry them).
 */
int bpf_pattern_suffix_from_json(const char *json_suffix, __u8 ret[PAVISE_PATTERN_MAX]);
int bpf_pattern_suffix_to_json(const __u8 rsuffix[PAVISE_PATTERN_MAX], char *buf, size_t size);

/* True when s[0..len) is valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
bool bpf_pattern_utf8_valid(const char *s, size_t len);

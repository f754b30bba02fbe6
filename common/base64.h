// SPDX-License-Identifier: Apache-2.0
/* Standard base64 (RFC 4648) encoding and decoding. */
#pragma once

#include <stddef.h>

#include "buf.h"

/* Appends the encoding of data to b (no line breaks). */
int base64_encode_append(struct buf *b, const void *data, size_t len) _warn_unused_result_;
/* Decodes into a new NUL-terminated buffer (caller frees); whitespace is skipped; -EINVAL on bad input. */
int base64_decode(const char *s, size_t len, char **ret_data, size_t *ret_len);

// SPDX-License-Identifier: Apache-2.0
/* Standard base64 (RFC 4648) encoding and decoding. */
#include <stdint.h>
#include <string.h>

#include "base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_encode_append(struct buf *b, const void *data, size_t len)
{
	const unsigned char *in = data;
	size_t out_len = (len + 2) / 3 * 4, o;
	char *out;
	int r;

	if (len > SIZE_MAX / 2)
		return -EFBIG;
	/* Reserve by appending placeholder bytes, then fill them in place. */
	o = b->len;
	r = buf_append(b, NULL, 0);
	if (r < 0)
		return r;
	for (size_t i = 0; i < out_len; i += 64) {
		static const char pad[64];

		r = buf_append(b, pad, MIN((size_t)64, out_len - i));
		if (r < 0) {
			b->len = o;
			b->data[o] = '\0';
			return r;
		}
	}
	out = b->data + o;
	for (size_t i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		*out++ = alphabet[v >> 18];
		*out++ = alphabet[(v >> 12) & 63];
		*out++ = alphabet[(v >> 6) & 63];
		*out++ = alphabet[v & 63];
	}
	if (len % 3) {
		size_t i = len - len % 3;
		uint32_t v = (uint32_t)in[i] << 16 | (len % 3 == 2 ? (uint32_t)in[i + 1] << 8 : 0);

		*out++ = alphabet[v >> 18];
		*out++ = alphabet[(v >> 12) & 63];
		*out++ = len % 3 == 2 ? alphabet[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	return 0;
}

static int decode_char(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int base64_decode(const char *s, size_t len, char **ret_data, size_t *ret_len)
{
	_cleanup_free_ char *out = malloc(len / 4 * 3 + 4);
	uint32_t acc = 0;
	size_t n = 0, bits = 0, pad = 0;

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int v;

		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad)
			return -EINVAL; /* data after padding */
		v = decode_char(c);
		if (v < 0)
			return -EINVAL;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (pad > 2 || bits >= 6)
		return -EINVAL;
	out[n] = '\0';
	if (ret_len)
		*ret_len = n;
	*ret_data = TAKE_PTR(out);
	return 0;
}

/* utf8.c: strict UTF-8 validation (RFC 3629) */
#include "utf8.h"

size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	unsigned c = s[0];
	unsigned lo = 0x80, hi = 0xbf; /* the allowed range of the second byte */
	size_t n;

	if (c < 0x80)
		return 1;
	if (c < 0xc2) /* a continuation byte, or C0/C1: an overlong 2-byte form */
		return 0;
	if (c < 0xe0) {
		n = 2;
	} else if (c < 0xf0) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0; /* E0 80..9F would be overlong */
		else if (c == 0xed)
			hi = 0x9f; /* ED A0..BF are the surrogates U+D800..DFFF */
	} else if (c < 0xf5) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90; /* F0 80..8F would be overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* F4 90.. is above U+10FFFF */
	} else {
		return 0;
	}
	if (left < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	}
	return n;
}

int utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n;

		/* runs of ASCII are the common case */
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_seq_len(p + i, len - i);
		if (!n)
			return 0;
		i += n;
	}
	return 1;
}

size_t utf8_prefix(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (p[i]) {
		size_t left = 0, n;

		while (left < 4 && p[i + left])
			left++;
		n = utf8_seq_len(p + i, left);
		if (!n)
			n = 1; /* an invalid byte counts as one; the caller sanitises */
		if (i + n > max)
			break;
		i += n;
	}
	return i;
}

void utf8_sanitize(const char *s, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_seq_len(p + i, len - i);

		if (n)
			buf_add(out, s + i, n);
		else
			buf_addch(out, '?');
		i += n ? n : 1;
	}
}

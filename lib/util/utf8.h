/* utf8.h: strict UTF-8 checks for what comes from outside (prefix utf8_).
 *
 * "Strict" is RFC 3629: no overlong forms (C0 80 for NUL), no UTF-16 surrogates
 * (ED A0 80..ED BF BF), nothing above U+10FFFF, no stray continuation byte, no
 * sequence cut short. json-c's own check lets overlong forms and surrogates through, and
 * PostgreSQL refuses them later (a 500), so every request string is checked with this
 * before it is used. Pure functions; nothing is allocated.
 */
#ifndef PLATFORM_UTF8_H
#define PLATFORM_UTF8_H

#include "buf.h"

#include <stddef.h>

/* The length of the valid sequence that starts at s (1..4), or 0 when the bytes there
 * (at most `left` of them) are not one. */
size_t utf8_seq_len(const unsigned char *s, size_t left);

/* 1 when the `len` bytes at s are valid UTF-8 (a NUL byte counts as valid here: callers
 * that cannot hold one check for it themselves). */
int utf8_valid(const char *s, size_t len);

/* The longest prefix of s (a NUL-terminated string) that is at most `max` bytes and does
 * not cut a character: for messages that quote part of an input. */
size_t utf8_prefix(const char *s, size_t max);

/* Append `len` bytes of s to out with every invalid byte replaced by '?', so that what
 * goes into a JSON answer or a log line is always valid UTF-8. */
void utf8_sanitize(const char *s, size_t len, struct buf *out);

#endif

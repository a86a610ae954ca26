/* reqparse.h: reading what a request carries: cookies, query strings, origins (prefix reqparse_).
 *
 * Pure functions over strings, shared by the API and the fuzzers (tests/fuzz/). Every
 * value handed back is decoded, NUL-free and valid UTF-8, or refused.
 */
#ifndef PLATFORM_REQPARSE_H
#define PLATFORM_REQPARSE_H

#include "buf.h"

#include <stddef.h>

/* How many cookies named exactly `name` the Cookie header carries; the first one's value
 * goes into out (replaced) when there is one. Callers refuse more than one: a second
 * cookie of the same name is one somebody else planted (see access.c). */
int reqparse_cookie(const char *header, const char *name, struct buf *out);

/* Query parameter `name` of `query` (without the '?'), decoded ('+' is a space) into out
 * (replaced): 1 found, 0 absent, -1 present but malformed (a bad %-escape, a NUL, invalid
 * UTF-8). The first of repeated parameters wins. */
int reqparse_query(const char *query, const char *name, struct buf *out);

/* Check every name and value of `query`: 0, or -1 with the (sanitised, cut) name of the
 * first bad parameter in `bad`. */
int reqparse_query_check(const char *query, char *bad, size_t n);

/* The origin of an absolute http(s) URL, as a browser writes it in an Origin header:
 * lower-case scheme and host, the port only when not the scheme's default, no path
 * ("HTTPS://Example.COM:443/x" -> "https://example.com"). Appended to out; -1 (out
 * untouched) when `url` is not such a URL. */
int reqparse_origin(const char *url, struct buf *out);

#endif

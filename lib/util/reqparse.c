/* reqparse.c: cookies, query strings and origins of requests */
#include "reqparse.h"

#include "http.h"
#include "utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

int reqparse_cookie(const char *header, const char *name, struct buf *out)
{
	size_t nlen = strlen(name);
	const char *p = header;
	int found = 0;

	/* RFC 6265 5.4: "name=value" pairs separated by ';' and optional white space */
	while (p && *p) {
		const char *end = strchr(p, ';'), *eq;
		size_t len;

		while (is_ows(*p))
			p++;
		len = end ? (size_t)(end - p) : strlen(p);
		eq = memchr(p, '=', len);
		if (eq) {
			size_t klen = (size_t)(eq - p);

			while (klen && is_ows(p[klen - 1]))
				klen--;
			if (klen == nlen && !memcmp(p, name, nlen)) {
				const char *v = eq + 1, *ve = p + len;

				while (v < ve && is_ows(*v))
					v++;
				while (ve > v && is_ows(ve[-1]))
					ve--;
				if (!found++) {
					buf_reset(out);
					buf_add(out, v, (size_t)(ve - v));
				}
			}
		}
		p = end ? end + 1 : NULL;
	}
	return found;
}

/* Decode one query component; -1 when malformed. */
static int decode(const char *s, size_t len, struct buf *out)
{
	buf_reset(out);
	if (http_urldecode(s, len, 1, out) < 0 || !utf8_valid(out->buf ? out->buf : "", out->len))
		return -1;
	return 0;
}

int reqparse_query(const char *query, const char *name, struct buf *out)
{
	size_t nlen = strlen(name);
	const char *p = query;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t plen = amp ? (size_t)(amp - p) : strlen(p);

		if (plen >= nlen && !strncmp(p, name, nlen) && (plen == nlen || p[nlen] == '=')) {
			const char *v = plen == nlen ? p + plen : p + nlen + 1;
			size_t vlen = plen == nlen ? 0 : plen - nlen - 1;

			if (decode(v, vlen, out) < 0) {
				buf_reset(out);
				return -1;
			}
			return 1;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

int reqparse_query_check(const char *query, char *bad, size_t n)
{
	struct buf tmp = BUF_INIT, name = BUF_INIT;
	const char *p = query;
	int ret = 0;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t plen = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', plen);
		size_t klen = eq ? (size_t)(eq - p) : plen;

		if (decode(p, klen, &tmp) < 0 ||
		    (eq && decode(eq + 1, plen - klen - 1, &tmp) < 0)) {
			utf8_sanitize(p, klen < 48 ? klen : 48, &name);
			snprintf(bad, n, "%s", name.buf ? name.buf : "");
			ret = -1;
			break;
		}
		p = amp ? amp + 1 : NULL;
	}
	buf_release(&tmp);
	buf_release(&name);
	return ret;
}

int reqparse_origin(const char *url, struct buf *out)
{
	const char *host, *end, *colon;
	size_t hlen, plen = 0;
	int https;
	const char *port = NULL;

	if (!strncasecmp(url, "https://", 8))
		https = 1;
	else if (!strncasecmp(url, "http://", 7))
		https = 0;
	else
		return -1;
	host = url + (https ? 8 : 7);
	end = host + strcspn(host, "/?#");
	/* no user info: "https://platform@evil" is not our origin */
	if (memchr(host, '@', (size_t)(end - host)))
		return -1;
	colon = host[0] == '[' ? NULL : memchr(host, ':', (size_t)(end - host));
	if (host[0] == '[') {
		const char *rb = memchr(host, ']', (size_t)(end - host));

		if (!rb)
			return -1;
		colon = rb[1] == ':' ? rb + 1 : NULL;
		if (!colon && rb + 1 != end)
			return -1;
	}
	hlen = (size_t)((colon ? colon : end) - host);
	if (!hlen)
		return -1;
	for (size_t i = 0; i < hlen; i++) {
		unsigned char c = (unsigned char)host[i];

		if (!isalnum(c) && !strchr("-._[]:", c))
			return -1;
	}
	if (colon) {
		port = colon + 1;
		plen = (size_t)(end - port);
		if (!plen || plen > 5 || strspn(port, "0123456789") < plen ||
		    strtol(port, NULL, 10) > 65535)
			return -1;
		/* the scheme's default port is left out, as browsers do */
		if ((plen == 3 && !strncmp(port, "443", 3) && https) ||
		    (plen == 2 && !strncmp(port, "80", 2) && !https))
			port = NULL;
	}
	buf_addstr(out, https ? "https://" : "http://");
	for (size_t i = 0; i < hlen; i++)
		buf_addch(out, (char)tolower((unsigned char)host[i]));
	if (port) {
		buf_addch(out, ':');
		buf_add(out, port, plen);
	}
	return 0;
}

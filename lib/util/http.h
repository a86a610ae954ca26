/* http.h: blocking HTTP client calls over libcurl (prefix http_).
 *
 * For short calls made while a request waits (GitHub's API, Argo CD). Redirects
 * are not followed (Jenkins answers with Locations we must read ourselves).
 * A transport failure (refused, timeout, TLS) is -1 with 502 upstream_unreachable;
 * any HTTP status is a success of the call and is left to the caller.
 * Messages never carry the URL's credentials or the request's headers.
 */
#ifndef PLATFORM_HTTP_H
#define PLATFORM_HTTP_H

#include "buf.h"
#include "err.h"

struct http_request {
	const char *method; /* NULL: GET, or POST when body is set */
	const char *url;
	const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
	const char *body;	    /* NULL: none */
	size_t body_len;
	const char *userpwd; /* "user:token" for Basic auth, or NULL */
	long timeout_ms;     /* 0: 10 s */
	size_t max_body;     /* 0: 16 MiB */
};

struct http_response {
	long status;
	struct buf body;
	struct buf headers; /* the raw header lines of the final response */
};

void http_response_init(struct http_response *rs);
void http_response_release(struct http_response *rs);

/* `what` names the service in error messages ("GitHub"). */
int http_do(const char *what, const struct http_request *rq, struct http_response *rs,
	    struct err *e);

/* Copy the value of response header `name` (case-insensitive) into out; 1 found, 0 not. */
int http_header(const struct http_response *rs, const char *name, struct buf *out);
/* The URL of rel="next" in a Link header into out; 1 found, 0 not. */
int http_link_next(const struct http_response *rs, struct buf *out);

/* Append `s` percent-encoded for a query value or path segment. */
void http_urlencode(const char *s, struct buf *out);
/* Append the percent-decoding of `in` (len bytes) to out; '+' becomes a space when
 * `plus_is_space` (query strings and forms, not paths). -1 on a bad escape or a NUL. */
int http_urldecode(const char *in, size_t len, int plus_is_space, struct buf *out);
/* Copy `url` without any user:password@ part, for messages and logs. */
void http_url_redact(const char *url, struct buf *out);

/* Call once at process start, before any thread or fork. */
void http_global_init(void);

#endif

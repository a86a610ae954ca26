/* http.c: libcurl easy calls with captured status, headers and body */
#include "http.h"

#include "metrics.h"

#include <curl/curl.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

void http_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void http_response_init(struct http_response *rs)
{
	rs->status = 0;
	buf_init(&rs->body, 0);
	buf_init(&rs->headers, 0);
}

void http_response_release(struct http_response *rs)
{
	buf_release(&rs->body);
	buf_release(&rs->headers);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_add(b, data, size * n) < 0)
		return 0; /* over the cap: curl stops with a write error */
	return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t len = size * n;

	/* A new status line starts a new response (after a 100 Continue): keep
	 * only the last response's headers. */
	if (len >= 5 && !strncmp(data, "HTTP/", 5))
		buf_reset(b);
	buf_add(b, data, len);
	return len;
}

void http_url_redact(const char *url, struct buf *out)
{
	const char *scheme = strstr(url, "://");
	const char *at, *slash;

	if (!scheme) {
		buf_addstr(out, url);
		return;
	}
	slash = strchr(scheme + 3, '/');
	at = strchr(scheme + 3, '@');
	if (at && (!slash || at < slash)) {
		buf_add(out, url, (size_t)(scheme + 3 - url));
		buf_addstr(out, at + 1);
		return;
	}
	buf_addstr(out, url);
}

int http_do(const char *what, const struct http_request *rq, struct http_response *rs,
	    struct err *e)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	CURLcode rc;
	int ret = -1;

	buf_reset(&rs->body);
	buf_reset(&rs->headers);
	rs->status = 0;
	rs->body.max = rq->max_body ? rq->max_body : 16u << 20;
	if (!c)
		return err_set(e, 500, "internal_error", "cannot start an HTTP call");
	for (const char *const *h = rq->headers; h && *h; h++)
		hdrs = curl_slist_append(hdrs, *h);
	curl_easy_setopt(c, CURLOPT_URL, rq->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, rq->timeout_ms ? rq->timeout_ms : 10000L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &rs->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &rs->headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "platform/0.1");
	if (hdrs)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (rq->userpwd) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, rq->userpwd);
	}
	if (rq->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
	}
	if (rq->method)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
	else if (rq->body)
		curl_easy_setopt(c, CURLOPT_POST, 1L);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		struct buf u = BUF_INIT;

		http_url_redact(rq->url, &u);
		err_set(e, 502, "upstream_unreachable", "%s did not answer (%s): %s", what, u.buf,
			curl_easy_strerror(rc));
		buf_release(&u);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rs->status);
	ret = 0;
out:
	metrics_call(what, rc == CURLE_OK ? rs->status : 0);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return ret;
}

int http_header(const struct http_response *rs, const char *name, struct buf *out)
{
	size_t nlen = strlen(name);
	const char *p = rs->headers.buf;

	while (p && *p) {
		const char *eol = strstr(p, "\r\n");
		size_t llen = eol ? (size_t)(eol - p) : strlen(p);

		if (llen > nlen && p[nlen] == ':' && !strncasecmp(p, name, nlen)) {
			const char *v = p + nlen + 1;

			while (v < p + llen && (*v == ' ' || *v == '\t'))
				v++;
			buf_reset(out);
			buf_add(out, v, (size_t)(p + llen - v));
			return 1;
		}
		p = eol ? eol + 2 : NULL;
	}
	return 0;
}

int http_link_next(const struct http_response *rs, struct buf *out)
{
	struct buf link = BUF_INIT;
	const char *p;
	int found = 0;

	if (!http_header(rs, "Link", &link))
		goto out;
	/* Link: <url>; rel="next", <url>; rel="last" */
	for (p = link.buf; (p = strchr(p, '<'));) {
		const char *end = strchr(p, '>');
		const char *next;

		if (!end)
			break;
		next = strchr(end, ',');
		if (strstr(end, "rel=\"next\"") && (!next || strstr(end, "rel=\"next\"") < next)) {
			buf_reset(out);
			buf_add(out, p + 1, (size_t)(end - p - 1));
			found = 1;
			break;
		}
		p = end;
	}
out:
	buf_release(&link);
	return found;
}

void http_urlencode(const char *s, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			buf_addch(out, (char)c);
		} else {
			buf_addch(out, '%');
			buf_addch(out, hex[c >> 4]);
			buf_addch(out, hex[c & 15]);
		}
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int http_urldecode(const char *in, size_t len, int plus_is_space, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)in[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return -1;
			hi = hexval((unsigned char)in[i + 1]);
			lo = hexval((unsigned char)in[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		/* a NUL would cut every C string made from the value */
		if (c == 0 || buf_addch(out, (char)c) < 0)
			return -1;
	}
	return 0;
}

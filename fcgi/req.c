/* req.c: reading FastCGI requests and writing responses */
#include "req.h"

#include "http.h"
#include "jsonutil.h"
#include "log.h"
#include "reqparse.h"
#include "utf8.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int request_id_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		if (!isalnum((unsigned char)s[n]) && !strchr("-_.:", s[n]))
			return 0;
	}
	return n >= 1 && n <= 128;
}

static void make_request_id(char *out, size_t n)
{
	unsigned char raw[16];
	static const char hex[] = "0123456789abcdef";

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		/* No randomness: a request id is not a secret, time and pid will do. */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(out, n, "%lx%lx%x", (long)ts.tv_sec, ts.tv_nsec, (unsigned)getpid());
		return;
	}
	for (size_t i = 0; i < sizeof(raw) && 2 * i + 2 < n; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
		out[2 * i + 2] = '\0';
	}
}

void req_init(struct req *r, struct app *app, FCGX_Request *fcgi)
{
	const char *uri, *q, *rid;

	memset(r, 0, sizeof(*r));
	r->fcgi = fcgi;
	r->app = app;
	clock_gettime(CLOCK_MONOTONIC, &r->started);
	buf_init(&r->body, 0);
	buf_init(&r->headers, 0);
	r->method = req_env(r, "REQUEST_METHOD");
	if (!r->method)
		r->method = "GET";
	uri = req_env(r, "REQUEST_URI");
	if (!uri || !*uri)
		uri = req_env(r, "DOCUMENT_URI");
	if (!uri)
		uri = "/";
	q = strchr(uri, '?');
	r->path = q ? xstrndup(uri, (size_t)(q - uri)) : xstrdup(uri);
	r->query = q ? q + 1 : "";
	rid = req_env(r, "HTTP_X_REQUEST_ID");
	if (rid && request_id_ok(rid))
		snprintf(r->request_id, sizeof(r->request_id), "%s", rid);
	else
		make_request_id(r->request_id, sizeof(r->request_id));
	r->head_only = !strcmp(r->method, "HEAD");
}

void req_release(struct req *r)
{
	free(r->path);
	for (int i = 0; i < r->nparams; i++)
		free(r->params[i]);
	buf_release(&r->body);
	buf_release(&r->headers);
	memset(r, 0, sizeof(*r));
}

const char *req_env(struct req *r, const char *name)
{
	return FCGX_GetParam(name, r->fcgi->envp);
}

const char *req_header(struct req *r, const char *name)
{
	char key[128];
	size_t i = 5;

	memcpy(key, "HTTP_", 5);
	for (; *name && i + 1 < sizeof(key); name++)
		key[i++] = *name == '-' ? '_' : (char)toupper((unsigned char)*name);
	key[i] = '\0';
	/* nginx passes these two without the HTTP_ prefix */
	if (!strcmp(key, "HTTP_CONTENT_TYPE"))
		return req_env(r, "CONTENT_TYPE");
	if (!strcmp(key, "HTTP_CONTENT_LENGTH"))
		return req_env(r, "CONTENT_LENGTH");
	return req_env(r, key);
}

int req_body(struct req *r, size_t max, struct err *e)
{
	const char *cl = req_env(r, "CONTENT_LENGTH");
	unsigned long long want = 0;
	char *end;
	char chunk[16384];

	if (r->body_read)
		return 0;
	if (cl && *cl) {
		want = strtoull(cl, &end, 10);
		if (*end || cl[0] == '-')
			return err_set(e, 400, "bad_request", "Content-Length is not a number");
	}
	if (want > max)
		return err_set(e, 413, "body_too_large",
			       "the request body is %llu bytes; the limit is %zu bytes", want, max);
	r->body.max = max;
	while (r->body.len < want) {
		size_t left = (size_t)want - r->body.len;
		int n = FCGX_GetStr(chunk, (int)(left < sizeof(chunk) ? left : sizeof(chunk)),
				    r->fcgi->in);

		if (n <= 0)
			return err_set(e, 400, "bad_request", "the request body ended early");
		if (buf_add(&r->body, chunk, (size_t)n) < 0)
			return err_set(e, 413, "body_too_large", "the limit is %zu bytes", max);
	}
	r->body_read = 1;
	return 0;
}

void req_drain(struct req *r)
{
	char scratch[16384];
	size_t total = 0;
	int n;

	if (r->body_read)
		return;
	while (total < (64u << 20) &&
	       (n = FCGX_GetStr(scratch, (int)sizeof(scratch), r->fcgi->in)) > 0)
		total += (size_t)n;
	r->body_read = 1;
}

struct json_object *req_json_body(struct req *r, struct err *e)
{
	if (req_body(r, (size_t)r->app->cfg.max_body, e) < 0)
		return NULL;
	return ju_parse_object(r->body.buf, r->body.len, e);
}

/* Bytes that are not UTF-8 never reach an answer: a JSON body with them is not JSON. */
static struct json_object *clean_string(const char *s)
{
	struct buf b = BUF_INIT;
	struct json_object *o;

	if (utf8_valid(s, strlen(s)))
		return json_object_new_string(s);
	utf8_sanitize(s, strlen(s), &b);
	o = json_object_new_string(b.buf ? b.buf : "");
	buf_release(&b);
	return o;
}

int req_decode(const char *in, size_t len, struct buf *out)
{
	buf_reset(out);
	return http_urldecode(in, len, 0, out);
}

int req_query(struct req *r, const char *name, struct buf *out)
{
	return reqparse_query(r->query, name, out);
}

int req_query_value(struct req *r, const char *name, struct buf *out)
{
	int n = req_query(r, name, out);

	return n == 1 && !out->len ? 0 : n;
}

void req_add_header(struct req *r, const char *name, const char *value)
{
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n")) {
		log_error("refused a response header with a line break", "name", name, NULL);
		return;
	}
	buf_addf(&r->headers, "%s: %s\r\n", name, value);
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Status";
	}
}

static void add_number(struct buf *b, unsigned long n)
{
	char digits[24];
	int i = (int)sizeof(digits);

	do {
		digits[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	buf_add(b, digits + i, sizeof(digits) - (size_t)i);
}

/* Answers from this size on skip libfcgi's 8 KB stream buffer, which would cut them into one
 * write per 8 KB (and nginx into as many reads): see send_direct. */
#define DIRECT_MIN	      8192
#define FCGI_STDOUT_TYPE      6
#define FCGI_END_REQUEST_TYPE 3

/* A FastCGI record header (version 1, no padding). */
static void record_header(struct buf *out, int type, int request_id, size_t len)
{
	unsigned char hdr[8] = {1,
				(unsigned char)type,
				(unsigned char)(request_id >> 8),
				(unsigned char)request_id,
				(unsigned char)(len >> 8),
				(unsigned char)len,
				0,
				0};

	buf_add(out, hdr, sizeof(hdr));
}

/* The end of the answer as FCGX_Finish_r would write it: the empty STDOUT record that ends
 * the stream and FCGI_END_REQUEST (application status 0, FCGI_REQUEST_COMPLETE). */
static void end_records(struct buf *out, int request_id)
{
	static const unsigned char complete[8] = {0};

	record_header(out, FCGI_STDOUT_TYPE, request_id, 0);
	record_header(out, FCGI_END_REQUEST_TYPE, request_id, sizeof(complete));
	buf_add(out, complete, sizeof(complete));
}

static int write_all(int fd, const char *p, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pl = {fd, POLLOUT, 0};

			if (poll(&pl, 1, 30000) <= 0)
				break;
			continue;
		}
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	return done == len ? 0 : done ? -2 : -1;
}

/* Write the headers, the body and the end of the request as FastCGI records in one write on
 * the connection: nginx wakes once and reads the whole answer at once. Nothing else has been
 * written to the request's stream (req_send answers once), so the order on the wire stays
 * right; the stream is then marked closed (fields of libfcgi's public FCGX_Stream), so
 * FCGX_Finish_r sends nothing more: stderr, never written, adds no record either.
 * -1 when it cannot be done this way (nothing was written then). */
static int send_direct(struct req *r, const struct buf *head, const char *body, size_t len)
{
	struct buf out = BUF_INIT;
	size_t total = head->len + len;
	int fd = r->fcgi->ipcFd, id = r->fcgi->requestId, rc;

	if (fd < 0 || total > 4 * 65535)
		return -1;
	buf_grow(&out, total + 8 * 4 + 24);
	for (size_t at = 0; at < total;) {
		size_t n = total - at > 65535 ? 65535 : total - at;
		size_t from_head = at < head->len ? head->len - at : 0;

		if (from_head > n)
			from_head = n;
		record_header(&out, FCGI_STDOUT_TYPE, id, n);
		buf_add(&out, head->buf + at, from_head);
		if (n > from_head)
			buf_add(&out, body + (at + from_head - head->len), n - from_head);
		at += n;
	}
	end_records(&out, id);
	rc = write_all(fd, out.buf, out.len);
	buf_release(&out);
	if (rc == -1)
		return -1;
	/* Sent, or cut short (the connection is unusable either way; libfcgi must not write
	 * after a partial record): the stream is done. */
	r->fcgi->out->wasFCloseCalled = 1;
	r->fcgi->out->isClosed = 1;
	if (rc < 0)
		r->fcgi->keepConnection = 0;
	return 0;
}

void req_send(struct req *r, int status, const char *content_type, const char *body, size_t len)
{
	struct buf h = BUF_INIT;

	if (r->status) {
		log_error("a second response to one request was dropped", NULL);
		return;
	}
	r->status = status;
	/* plain appends, no printf: this runs for every answer, the cached ones included */
	buf_addstr(&h, "Status: ");
	add_number(&h, (unsigned long)status);
	buf_addch(&h, ' ');
	buf_addstr(&h, reason(status));
	if (content_type) {
		buf_addstr(&h, "\r\nContent-Type: ");
		buf_addstr(&h, content_type);
	}
	buf_addstr(&h, "\r\nContent-Length: ");
	add_number(&h, (unsigned long)len);
	buf_addstr(&h, "\r\nX-Request-Id: ");
	buf_addstr(&h, r->request_id);
	buf_addstr(&h, "\r\nCache-Control: no-store\r\n");
	buf_add(&h, r->headers.buf, r->headers.len);
	buf_addstr(&h, "\r\n");
	/* GET only: the answer to a write must not be complete on the wire before the write is
	 * announced to the other children (rcache_note_write, after the handler). */
	if (!len || r->head_only || len < DIRECT_MIN || strcmp(r->method, "GET") ||
	    send_direct(r, &h, body, len) < 0) {
		FCGX_PutStr(h.buf, (int)h.len, r->fcgi->out);
		if (len && !r->head_only)
			FCGX_PutStr(body, (int)len, r->fcgi->out);
	}
	r->sent_type = content_type;
	if (r->capture)
		buf_add(r->capture, body, len);
	buf_release(&h);
}

void req_json(struct req *r, int status, struct json_object *obj)
{
	const char *s = ju_text(obj);

	req_send(r, status, "application/json", s, strlen(s));
}

void req_error(struct req *r, const struct err *e)
{
	struct json_object *o = json_object_new_object(), *inner = json_object_new_object();
	int status = e->status >= 400 && e->status <= 599 ? e->status : 500;

	json_object_object_add(inner, "code",
			       clean_string(e->code[0] ? e->code : "internal_error"));
	json_object_object_add(inner, "message",
			       clean_string(e->msg[0] ? e->msg : "internal error"));
	if (e->field[0])
		json_object_object_add(inner, "field", clean_string(e->field));
	json_object_object_add(o, "error", inner);
	req_json(r, status, o);
	json_object_put(o);
}

void req_fail(struct req *r, int status, const char *code, const char *fmt, ...)
{
	struct err e = ERR_INIT;
	va_list ap;

	e.status = status;
	snprintf(e.code, sizeof(e.code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	req_error(r, &e);
}

/* router.c: match a request against the route table */
#include "router.h"

#include "access.h"

#include "log.h"
#include "reqparse.h"
#include "utf8.h"
#include "rcache.h"

#include <stdlib.h>
#include <string.h>

/* Match `path` against `pattern`; on success store decoded params in r.
 * Returns 1 match, 0 no match, -1 a parameter that does not decode. */
static int match(struct req *r, const char *pattern, const char *path, int store)
{
	struct buf seg = BUF_INIT;
	int n = 0, ret = 0;

	while (*pattern == '/' && *path == '/') {
		const char *pe = strchr(pattern + 1, '/'), *qe = strchr(path + 1, '/');
		size_t plen = pe ? (size_t)(pe - pattern - 1) : strlen(pattern + 1);
		size_t qlen = qe ? (size_t)(qe - path - 1) : strlen(path + 1);

		if (plen >= 2 && pattern[1] == '{') {
			if (!qlen || n >= REQ_MAX_PARAMS)
				goto out;
			if (req_decode(path + 1, qlen, &seg) < 0 || strchr(seg.buf, '/')) {
				ret = -1;
				goto out;
			}
			if (store)
				r->params[n] = xstrdup(seg.buf);
			n++;
		} else if (plen != qlen || strncmp(pattern + 1, path + 1, plen)) {
			goto out;
		}
		pattern += plen + 1;
		path += qlen + 1;
	}
	ret = !*pattern && !*path;
out:
	if (store)
		r->nparams = n;
	if (ret != 1 && store) {
		for (int i = 0; i < n; i++) {
			free(r->params[i]);
			r->params[i] = NULL;
		}
		r->nparams = 0;
	}
	buf_release(&seg);
	return ret;
}

/* Refuse a declared body over the limit before reading a byte of it. */
static int body_too_large(struct req *r, const struct route *rt, struct err *e)
{
	const char *cl = req_env(r, "CONTENT_LENGTH");
	size_t max = rt->max_body ? rt->max_body : (size_t)r->app->cfg.max_body;
	unsigned long long n;

	if (!cl || !*cl)
		return 0;
	n = strtoull(cl, NULL, 10);
	if (n <= max)
		return 0;
	err_set(e, 413, "body_too_large", "the request body is %llu bytes; the limit is %zu bytes",
		n, max);
	return 1;
}

/* Every header, query parameter and path parameter is strict UTF-8 before any handler
 * sees it: a string that is not would fail in PostgreSQL (a 500) or make an answer that
 * quotes it invalid JSON. 0, or -1 with a 400 in e. */
static int input_ok(struct req *r, struct err *e)
{
	char bad[64];

	for (char **p = r->fcgi->envp; p && *p; p++) {
		const char *eq = strchr(*p, '=');

		if (!eq || (strncmp(*p, "HTTP_", 5) && strncmp(*p, "CONTENT_TYPE=", 13)))
			continue;
		if (!utf8_valid(eq + 1, strlen(eq + 1))) {
			struct buf name = BUF_INIT;

			utf8_sanitize(*p, (size_t)(eq - *p), &name);
			err_field(e, 400, "invalid_utf8", name.buf,
				  "a request header is not valid UTF-8");
			buf_release(&name);
			return -1;
		}
	}
	if (reqparse_query_check(r->query, bad, sizeof(bad)) < 0)
		return err_field(e, 400, "invalid_query", bad,
				 "the query parameter '%s' has a bad %%-escape, a NUL or invalid "
				 "UTF-8",
				 bad);
	for (int i = 0; i < r->nparams; i++) {
		if (!utf8_valid(r->params[i], strlen(r->params[i])))
			return err_set(e, 400, "invalid_utf8", "the path is not valid UTF-8");
	}
	return 0;
}

static int method_is(const struct route *rt, const char *method)
{
	return !strcmp(rt->method, method) ||
	       (!strcmp(method, "HEAD") && !strcmp(rt->method, "GET"));
}

void router_dispatch(struct req *r, const struct route *table, int n)
{
	struct buf allow = BUF_INIT;
	struct err e = ERR_INIT;
	int path_known = 0;

	for (int i = 0; i < n; i++) {
		const struct route *rt = &table[i];
		int m = match(r, rt->pattern, r->path, 0);

		if (m < 0) {
			req_fail(r, 400, "bad_request", "the path has an invalid escape");
			goto out;
		}
		if (!m)
			continue;
		path_known = 1;
		if (!method_is(rt, r->method)) {
			if (!strstr(allow.buf, rt->method))
				buf_addf(&allow, "%s%s", allow.len ? ", " : "", rt->method);
			continue;
		}
		match(r, rt->pattern, r->path, 1);
		r->route = i + 1;
		if (body_too_large(r, rt, &e) || input_ok(r, &e) < 0) {
			req_error(r, &e);
			goto out;
		}
		if ((rt->flags & ROUTE_DB) && db_ensure(&r->app->db, &e) < 0) {
			req_error(r, &e);
			goto out;
		}
		if ((rt->flags & ROUTE_CACHE) && rcache_serve(r))
			goto out;
		/* after the cache: a hit costs no round trip for the checks */
		if (!(rt->flags & ROUTE_F_USER) || access_route(r, rt->flags) == 0)
			rt->handler(r);
		if (rt->flags & ROUTE_CACHE)
			rcache_store(r);
		if (!r->status) {
			log_error("handler returned without answering", "path", r->path, NULL);
			req_fail(r, 500, "internal_error", "internal error");
		}
		goto out;
	}
	if (path_known) {
		if (strstr(allow.buf, "GET") && !strstr(allow.buf, "HEAD"))
			buf_addstr(&allow, ", HEAD");
		req_add_header(r, "Allow", allow.buf);
		req_fail(r, 405, "method_not_allowed", "%s is not allowed here; use %s", r->method,
			 allow.buf);
	} else {
		req_fail(r, 404, "not_found", "no such endpoint");
	}
out:
	buf_release(&allow);
}

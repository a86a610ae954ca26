/* argocd.c: Application status over Argo CD's REST API */
#include "argocd.h"

#include "buf.h"
#include "http.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The string at path a.b.c of o, or "". */
static const char *path_str(struct json_object *o, const char *const *path)
{
	for (; *path && o; path++) {
		if (!json_object_object_get_ex(o, *path, &o))
			return "";
	}
	return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : "";
}

#define PATH(...) ((const char *const[]){__VA_ARGS__, NULL})

int argocd_parse(const char *json, struct argocd_status *st, struct err *e)
{
	struct json_object *o = json_tokener_parse(json);
	const char *msg;

	memset(st, 0, sizeof(*st));
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return err_set(e, 502, "argocd_unavailable",
			       "Argo CD's answer is not an Application");
	}
	st->found = 1;
	snprintf(st->sync, sizeof(st->sync), "%s", path_str(o, PATH("status", "sync", "status")));
	snprintf(st->revision, sizeof(st->revision), "%s",
		 path_str(o, PATH("status", "sync", "revision")));
	snprintf(st->health, sizeof(st->health), "%s",
		 path_str(o, PATH("status", "health", "status")));
	snprintf(st->phase, sizeof(st->phase), "%s",
		 path_str(o, PATH("status", "operationState", "phase")));
	snprintf(st->op_revision, sizeof(st->op_revision), "%s",
		 path_str(o, PATH("status", "operationState", "syncResult", "revision")));
	msg = path_str(o, PATH("status", "health", "message"));
	if (!*msg)
		msg = path_str(o, PATH("status", "operationState", "message"));
	snprintf(st->message, sizeof(st->message), "%s", msg);
	json_object_put(o);
	return 0;
}

enum argocd_verdict argocd_judge(const struct argocd_status *st, const char *commit)
{
	int ours = !strcmp(st->revision, commit);

	if (!st->found)
		return ARGOCD_WAIT;
	/* A failed sync of our commit is not retried by Argo CD on the same commit. */
	if ((!strcmp(st->phase, "Failed") || !strcmp(st->phase, "Error")) &&
	    !strcmp(st->op_revision, commit))
		return ARGOCD_FAILED;
	if (!ours)
		return ARGOCD_WAIT;
	if (!strcmp(st->health, "Degraded"))
		return ARGOCD_FAILED;
	if (!strcmp(st->sync, "Synced") && !strcmp(st->health, "Healthy"))
		return ARGOCD_LIVE;
	return ARGOCD_WAIT;
}

int argocd_get(const char *base_url, const char *token, const char *app, int refresh,
	       struct argocd_status *st, struct err *e)
{
	struct buf url = BUF_INIT, auth = BUF_INIT;
	struct http_response rs;
	struct http_request rq = {0};
	const char *hdrs[3];
	int ret = -1;

	memset(st, 0, sizeof(*st));
	http_response_init(&rs);
	buf_addf(&url, "%s/api/v1/applications/", base_url);
	http_urlencode(app, &url);
	if (refresh)
		buf_addstr(&url, "?refresh=normal");
	buf_addf(&auth, "Authorization: Bearer %s", token ? token : "");
	hdrs[0] = auth.buf;
	hdrs[1] = "Accept: application/json";
	hdrs[2] = NULL;
	rq.url = url.buf;
	rq.headers = hdrs;
	rq.timeout_ms = 5000;
	if (http_do("Argo CD", &rq, &rs, e) < 0)
		goto out;
	if (rs.status == 404 || rs.status == 403) {
		ret = 0; /* the ApplicationSet has not made it yet */
		goto out;
	}
	if (rs.status == 401) {
		err_set(e, 502, "argocd_unauthorized",
			"Argo CD refused the token (PLATFORM_ARGOCD_TOKEN)");
		goto out;
	}
	if (rs.status != 200) {
		err_set(e, 502, "argocd_unavailable", "Argo CD answered with status %ld",
			rs.status);
		goto out;
	}
	ret = argocd_parse(rs.body.buf, st, e);
out:
	buf_release(&url);
	buf_release(&auth);
	http_response_release(&rs);
	return ret;
}

/* ---- pod logs ---- */

void argocd_logs_release(struct argocd_logs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Keep one entry of the stream: a line with a pod and a real time, else count it skipped. */
static void add_entry(struct json_object *r, struct argocd_logs *out)
{
	const char *pod = path_str(r, PATH("podName"));
	const char *stamp = path_str(r, PATH("timeStampStr"));
	struct json_object *last, *content = NULL;
	struct argocd_log_line *l;
	const char *text;

	/* Kubernetes' open errors come with the zero time, the closing entry with "last" */
	if ((json_object_object_get_ex(r, "last", &last) && json_object_get_boolean(last)) ||
	    !*pod || strlen(pod) >= sizeof(l->pod) || strlen(stamp) < 20 ||
	    strlen(stamp) >= sizeof(l->stamp) || !strncmp(stamp, "0001-", 5)) {
		out->skipped++;
		return;
	}
	if (out->n == out->alloc) {
		out->alloc = out->alloc ? 2 * out->alloc : 64;
		out->v = xrealloc(out->v, out->alloc * sizeof(*out->v));
	}
	l = &out->v[out->n++];
	snprintf(l->pod, sizeof(l->pod), "%s", pod);
	snprintf(l->stamp, sizeof(l->stamp), "%s", stamp);
	json_object_object_get_ex(r, "content", &content);
	text =
	    json_object_is_type(content, json_type_string) ? json_object_get_string(content) : "";
	l->text = xstrndup(text, *text ? (size_t)json_object_get_string_len(content) : 0);
}

/* One JSON document of the stream. */
static int parse_entry(const char *s, size_t n, struct argocd_logs *out, struct err *e)
{
	char *doc = xstrndup(s, n);
	struct json_object *o = json_tokener_parse(doc), *r;
	int ret = 0;

	free(doc);

	if (!o || !json_object_is_type(o, json_type_object)) {
		ret = err_set(e, 502, "argocd_unavailable", "Argo CD's log stream is not JSON");
	} else if (json_object_object_get_ex(o, "result", &r) &&
		   json_object_is_type(r, json_type_object)) {
		add_entry(r, out);
	} else if (json_object_object_get_ex(o, "error", &r)) {
		/* its message is Argo CD's or Kubernetes' text, never our token */
		ret = err_set(e, 502, "argocd_unavailable", "Argo CD's log stream failed: %.200s",
			      path_str(r, PATH("message")));
	} else {
		out->skipped++;
	}
	json_object_put(o);
	return ret;
}

int argocd_logs_parse(const char *body, size_t len, struct argocd_logs *out, struct err *e)
{
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		const char *q = p;

		while (q < stop && (*q == ' ' || *q == '\r' || *q == '\t'))
			q++;
		if (q < stop && parse_entry(q, (size_t)(stop - q), out, e) < 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* The logs URL of `app` with the query `q`. */
static void logs_url(const char *base_url, const char *app, const struct argocd_logs_query *q,
		     struct buf *url)
{
	buf_addf(url, "%s/api/v1/applications/", base_url);
	http_urlencode(app, url);
	buf_addstr(url, "/logs?follow=false");
	if (q->namespace) {
		buf_addstr(url, "&namespace=");
		http_urlencode(q->namespace, url);
	}
	if (q->kind) {
		buf_addstr(url, "&kind=");
		http_urlencode(q->kind, url);
	}
	if (q->container) {
		buf_addstr(url, "&container=");
		http_urlencode(q->container, url);
	}
	if (q->since_seconds > 0)
		buf_addf(url, "&sinceSeconds=%ld", q->since_seconds);
	if (q->tail_lines > 0)
		buf_addf(url, "&tailLines=%ld", q->tail_lines);
}

int argocd_logs_get(const char *base_url, const char *token, const char *app,
		    const struct argocd_logs_query *q, long timeout_ms, struct argocd_logs *out,
		    struct err *e)
{
	struct buf url = BUF_INIT, auth = BUF_INIT;
	struct http_response rs;
	struct http_request rq = {0};
	const char *hdrs[3];
	int ret = -1;

	out->found = 0;
	http_response_init(&rs);
	logs_url(base_url, app, q, &url);
	buf_addf(&auth, "Authorization: Bearer %s", token ? token : "");
	hdrs[0] = auth.buf;
	hdrs[1] = "Accept: application/json";
	hdrs[2] = NULL;
	rq.url = url.buf;
	rq.headers = hdrs;
	rq.timeout_ms = timeout_ms;
	if (http_do("Argo CD", &rq, &rs, e) < 0)
		goto out;
	if (rs.status == 404 || rs.status == 403) {
		ret = 0; /* gone, or not made yet by the ApplicationSet */
		goto out;
	}
	if (rs.status == 401) {
		err_set(e, 502, "argocd_unauthorized",
			"Argo CD refused the token (PLATFORM_ARGOCD_TOKEN)");
		goto out;
	}
	if (rs.status != 200) {
		err_set(e, 502, "argocd_unavailable", "Argo CD answered with status %ld",
			rs.status);
		goto out;
	}
	out->found = 1;
	ret = argocd_logs_parse(rs.body.buf, rs.body.len, out, e);
out:
	buf_release(&url);
	buf_release(&auth);
	http_response_release(&rs);
	return ret;
}

/* jenkins.c: Jenkins remote-API calls on one curl multi handle, with crumb handling */
#include "jenkins.h"

#include "http.h"
#include "log.h"
#include "metrics.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JENKINS_MAX_BODY (8u << 20)
/* Enough parallel connections for hundreds of builds polled every few seconds,
 * few enough not to look like an attack to the Jenkins in front of us. */
#define JENKINS_MAX_CONNS 32

struct jenkins_call {
	struct jenkins_call *next, *prev;
	struct jenkins *j;
	CURL *easy;
	char *url;
	char *post; /* the body of a POST, NULL for a GET */
	int crumb_retried;
	jenkins_cb cb;
	void *arg;
	struct buf body;
	struct buf location;
	long long text_size;
	int more_data;
	struct curl_slist *headers;
	char errbuf[CURL_ERROR_SIZE];
};

static void list_add(struct jenkins_call **head, struct jenkins_call *c)
{
	c->prev = NULL;
	c->next = *head;
	if (*head)
		(*head)->prev = c;
	*head = c;
}

static void list_del(struct jenkins_call **head, struct jenkins_call *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		*head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
}

static void call_free(struct jenkins_call *c)
{
	if (c->easy)
		curl_easy_cleanup(c->easy);
	curl_slist_free_all(c->headers);
	free(c->url);
	free(c->post);
	buf_release(&c->body);
	buf_release(&c->location);
	free(c);
}

int jenkins_init(struct jenkins *j, const char *url, const char *user, const char *token,
		 const char *job, long timeout_ms, struct err *e)
{
	struct buf path = BUF_INIT;
	size_t n;

	memset(j, 0, sizeof(*j));
	if (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)))
		return err_set(e, 500, "bad_config", "PLATFORM_JENKINS_URL must be an http(s) URL");
	if (!job || !*job)
		return err_set(e, 500, "bad_config", "PLATFORM_JENKINS_JOB is not set");
	n = strlen(url);
	while (n && url[n - 1] == '/')
		n--;
	j->base = xstrndup(url, n);
	/* a folder job "a/b" lives at /job/a/job/b */
	for (const char *s = job; *s;) {
		const char *slash = strchr(s, '/');
		size_t len = slash ? (size_t)(slash - s) : strlen(s);
		char *seg = xstrndup(s, len);

		if (len) {
			buf_addstr(&path, "/job/");
			http_urlencode(seg, &path);
		}
		free(seg);
		s += len + (slash ? 1 : 0);
	}
	j->job_path = buf_detach(&path, NULL);
	j->user = user && *user ? xstrdup(user) : NULL;
	j->token = token && *token ? xstrdup(token) : NULL;
	j->timeout_ms = timeout_ms > 0 ? timeout_ms : 15000;
	j->multi = curl_multi_init();
	j->share = curl_share_init();
	if (!j->multi || !j->share)
		abort(); /* only on allocation failure, as everywhere else */
	curl_share_setopt(j->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
	curl_multi_setopt(j->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)JENKINS_MAX_CONNS);
	curl_multi_setopt(j->multi, CURLMOPT_MAXCONNECTS, (long)JENKINS_MAX_CONNS);
	return 0;
}

void jenkins_release(struct jenkins *j)
{
	while (j->calls) {
		struct jenkins_call *c = j->calls;

		list_del(&j->calls, c);
		if (c->easy)
			curl_multi_remove_handle(j->multi, c->easy);
		call_free(c);
	}
	while (j->crumb_waiters) {
		struct jenkins_call *c = j->crumb_waiters;

		list_del(&j->crumb_waiters, c);
		call_free(c);
	}
	if (j->multi)
		curl_multi_cleanup(j->multi);
	if (j->share)
		curl_share_cleanup(j->share);
	free(j->base);
	free(j->job_path);
	free(j->user);
	if (j->token)
		memset(j->token, 0, strlen(j->token));
	free(j->token);
	free(j->crumb_header);
	memset(j, 0, sizeof(*j));
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct jenkins_call *c = arg;

	if (buf_add(&c->body, data, size * nmemb) < 0)
		return 0; /* over the cap: curl fails the transfer */
	return size * nmemb;
}

/* "Name: value" -> value without surrounding blanks, if the name matches. */
static const char *header_value(const char *line, size_t len, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	const char *v, *end = line + len;

	if (len <= n || strncasecmp(line, name, n) || line[n] != ':')
		return NULL;
	v = line + n + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	*vlen = (size_t)(end - v);
	return v;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct jenkins_call *c = arg;
	size_t len = size * nmemb, vlen;
	const char *v;

	if (len >= 5 && !strncmp(line, "HTTP/", 5)) {
		/* a new response (after a 100 Continue): forget the previous headers */
		buf_reset(&c->location);
		c->text_size = -1;
		c->more_data = 0;
	} else if ((v = header_value(line, len, "Location", &vlen))) {
		buf_reset(&c->location);
		buf_add(&c->location, v, vlen < 1024 ? vlen : 1024);
	} else if ((v = header_value(line, len, "X-Text-Size", &vlen))) {
		char num[32];

		snprintf(num, sizeof(num), "%.*s", (int)(vlen < 31 ? vlen : 31), v);
		c->text_size = strtoll(num, NULL, 10);
	} else if ((v = header_value(line, len, "X-More-Data", &vlen))) {
		c->more_data = vlen == 4 && !strncasecmp(v, "true", 4);
	}
	return len;
}

static void call_send(struct jenkins_call *c)
{
	struct jenkins *j = c->j;
	CURL *h;

	if (c->easy)
		curl_easy_cleanup(c->easy);
	curl_slist_free_all(c->headers);
	c->headers = NULL;
	buf_reset(&c->body);
	buf_reset(&c->location);
	c->text_size = -1;
	c->more_data = 0;
	c->errbuf[0] = '\0';
	c->easy = h = curl_easy_init();
	if (!h)
		abort();
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_PRIVATE, c);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, j->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 j->timeout_ms < 5000 ? j->timeout_ms : 5000L);
	curl_easy_setopt(h, CURLOPT_SHARE, j->share);
	curl_easy_setopt(h, CURLOPT_COOKIEFILE, "");
	if (j->user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, j->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, j->token ? j->token : "");
	}
	if (c->post) {
		c->headers = curl_slist_append(c->headers,
					       "Content-Type: application/x-www-form-urlencoded");
		c->headers = curl_slist_append(c->headers, "Expect:");
		if (j->crumb_header)
			c->headers = curl_slist_append(c->headers, j->crumb_header);
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->post);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(c->post));
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
	}
	if (curl_multi_add_handle(j->multi, h) != CURLM_OK)
		abort();
}

static struct jenkins_call *call_new(struct jenkins *j, char *url, const char *post, jenkins_cb cb,
				     void *arg)
{
	struct jenkins_call *c = xcalloc(1, sizeof(*c));

	c->j = j;
	c->url = url;
	c->post = post ? xstrdup(post) : NULL;
	c->cb = cb;
	c->arg = arg;
	buf_init(&c->body, JENKINS_MAX_BODY);
	buf_init(&c->location, 0);
	list_add(&j->calls, c);
	j->ncalls++;
	call_send(c);
	return c;
}

static char *url_of(struct jenkins *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *url_of(struct jenkins *j, const char *fmt, ...)
{
	struct buf u = BUF_INIT;
	va_list ap;

	buf_addstr(&u, j->base);
	va_start(ap, fmt);
	buf_vaddf(&u, fmt, ap);
	va_end(ap);
	return buf_detach(&u, NULL);
}

void jenkins_trigger(struct jenkins *j, const char *form, jenkins_cb cb, void *arg)
{
	call_new(j, url_of(j, "%s/buildWithParameters", j->job_path), form, cb, arg);
}

void jenkins_queue_item(struct jenkins *j, long long id, jenkins_cb cb, void *arg)
{
	call_new(j, url_of(j, "/queue/item/%lld/api/json", id), NULL, cb, arg);
}

void jenkins_build(struct jenkins *j, long long number, jenkins_cb cb, void *arg)
{
	call_new(
	    j,
	    url_of(j, "%s/%lld/api/json?tree=number,building,result,duration", j->job_path, number),
	    NULL, cb, arg);
}

void jenkins_log(struct jenkins *j, long long number, long long start, jenkins_cb cb, void *arg)
{
	call_new(
	    j, url_of(j, "%s/%lld/logText/progressiveText?start=%lld", j->job_path, number, start),
	    NULL, cb, arg);
}

void jenkins_cancel_item(struct jenkins *j, long long id, jenkins_cb cb, void *arg)
{
	call_new(j, url_of(j, "/queue/cancelItem?id=%lld", id), "", cb, arg);
}

void jenkins_stop(struct jenkins *j, long long number, jenkins_cb cb, void *arg)
{
	call_new(j, url_of(j, "%s/%lld/stop", j->job_path, number), "", cb, arg);
}

void jenkins_queue(struct jenkins *j, jenkins_cb cb, void *arg)
{
	call_new(j, url_of(j, "/queue/api/json?tree=items[id,actions[parameters[name,value]]]"),
		 NULL, cb, arg);
}

void jenkins_builds_page(struct jenkins *j, long from, jenkins_cb cb, void *arg)
{
	call_new(j,
		 url_of(j,
			"%s/api/json?tree=builds[number,timestamp,actions[parameters[name,value]]]"
			"%%7B%ld,%ld%%7D",
			j->job_path, from, from + JENKINS_BUILDS_PAGE),
		 NULL, cb, arg);
}

/* ---------------------------------------------------------------- crumbs */

static void crumb_done(struct jenkins *j, const struct jenkins_reply *r)
{
	struct json_object *o = NULL, *crumb, *field;

	j->crumb_fetching = 0;
	if (r->status == 200 && (o = json_tokener_parse(r->body->buf)) &&
	    json_object_object_get_ex(o, "crumb", &crumb) &&
	    json_object_object_get_ex(o, "crumbRequestField", &field) &&
	    json_object_is_type(crumb, json_type_string) &&
	    json_object_is_type(field, json_type_string) &&
	    !strpbrk(json_object_get_string(crumb), "\r\n") &&
	    !strpbrk(json_object_get_string(field), "\r\n:")) {
		struct buf h = BUF_INIT;

		buf_addf(&h, "%s: %s", json_object_get_string(field),
			 json_object_get_string(crumb));
		free(j->crumb_header);
		j->crumb_header = buf_detach(&h, NULL);
		log_info("jenkins crumb obtained", NULL);
	} else {
		char st[16];

		snprintf(st, sizeof(st), "%ld", r->status);
		log_warn("jenkins crumb request failed", "status", st, "error", r->error, NULL);
	}
	json_object_put(o);
	/* Send the waiting POSTs again: with the crumb, or to fail with their 403. */
	while (j->crumb_waiters) {
		struct jenkins_call *c = j->crumb_waiters;

		list_del(&j->crumb_waiters, c);
		list_add(&j->calls, c);
		c->crumb_retried = 1;
		call_send(c);
	}
}

static void crumb_cb(void *arg, const struct jenkins_reply *r)
{
	crumb_done(arg, r);
}

static int wants_crumb(const struct jenkins_call *c, long status)
{
	return c->post && status == 403 && !c->crumb_retried &&
	       strcasestr(c->body.buf, "crumb") != NULL;
}

/* ---------------------------------------------------------------- the loop */

static void call_done(struct jenkins_call *c, CURLcode code)
{
	struct jenkins *j = c->j;
	struct jenkins_reply r;
	long status = 0;

	if (code == CURLE_OK)
		curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(j->multi, c->easy);
	list_del(&j->calls, c);
	metrics_call("Jenkins", code == CURLE_OK ? status : 0);
	if (wants_crumb(c, status)) {
		list_add(&j->crumb_waiters, c);
		if (!j->crumb_fetching) {
			j->crumb_fetching = 1;
			free(j->crumb_header); /* a stale crumb is worse than none */
			j->crumb_header = NULL;
			call_new(j, url_of(j, "/crumbIssuer/api/json"), NULL, crumb_cb, j);
		}
		return;
	}
	r.status = status;
	r.error = code == CURLE_OK ? "" : c->errbuf[0] ? c->errbuf : curl_easy_strerror(code);
	if (code == CURLE_WRITE_ERROR)
		r.error = "the reply was larger than 8 MiB";
	r.body = &c->body;
	r.location = c->location.buf;
	r.text_size = c->text_size;
	r.more_data = c->more_data;
	c->cb(c->arg, &r);
	call_free(c);
}

int jenkins_wait(struct jenkins *j, int extra_fd, int timeout_ms, int *extra_ready)
{
	struct curl_waitfd w = {extra_fd, CURL_WAIT_POLLIN, 0};
	int n = 0;

	*extra_ready = 0;
	if (curl_multi_poll(j->multi, extra_fd >= 0 ? &w : NULL, extra_fd >= 0 ? 1 : 0, timeout_ms,
			    &n) != CURLM_OK)
		return -1;
	*extra_ready = extra_fd >= 0 && (w.revents & CURL_WAIT_POLLIN);
	return 0;
}

void jenkins_run(struct jenkins *j)
{
	CURLMsg *msg;
	int running, left;

	curl_multi_perform(j->multi, &running);
	while ((msg = curl_multi_info_read(j->multi, &left))) {
		struct jenkins_call *c = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		call_done(c, msg->data.result);
	}
}

int jenkins_pending(const struct jenkins *j)
{
	int n = 0;

	for (const struct jenkins_call *c = j->calls; c; c = c->next)
		n++;
	for (const struct jenkins_call *c = j->crumb_waiters; c; c = c->next)
		n++;
	return n;
}

/* ---------------------------------------------------------------- replies */

int jenkins_location_queue_id(const char *location, long long *id)
{
	const char *p = location ? strstr(location, "/queue/item/") : NULL;
	char *end;
	long long v;

	if (!p)
		return -1;
	p += strlen("/queue/item/");
	v = strtoll(p, &end, 10);
	if (end == p || v <= 0 || (*end && *end != '/'))
		return -1;
	*id = v;
	return 0;
}

static struct json_object *parse_body(const struct buf *body)
{
	struct json_object *o = json_tokener_parse(body->buf);

	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int jenkins_parse_queue_item(const struct buf *body, struct jenkins_queue_state *out)
{
	struct json_object *o = parse_body(body), *v, *num;
	const char *cls;

	memset(out, 0, sizeof(*out));
	if (!o)
		return -1;
	if (json_object_object_get_ex(o, "_class", &v) && (cls = json_object_get_string(v)) &&
	    strstr(cls, "LeftItem"))
		out->left = 1;
	if (json_object_object_get_ex(o, "cancelled", &v) && json_object_get_boolean(v))
		out->cancelled = out->left = 1;
	if (json_object_object_get_ex(o, "executable", &v) &&
	    json_object_is_type(v, json_type_object) &&
	    json_object_object_get_ex(v, "number", &num)) {
		out->build = json_object_get_int64(num);
		out->left = 1;
	}
	if (json_object_object_get_ex(o, "why", &v) && json_object_is_type(v, json_type_string))
		snprintf(out->why, sizeof(out->why), "%s", json_object_get_string(v));
	json_object_put(o);
	return 0;
}

int jenkins_parse_build(const struct buf *body, struct jenkins_build_state *out)
{
	struct json_object *o = parse_body(body), *v;

	memset(out, 0, sizeof(*out));
	if (!o)
		return -1;
	if (json_object_object_get_ex(o, "building", &v))
		out->building = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "result", &v) && json_object_is_type(v, json_type_string))
		snprintf(out->result, sizeof(out->result), "%s", json_object_get_string(v));
	json_object_put(o);
	return 0;
}

/* 1 if one of the entry's actions holds parameter name=value. */
static int has_param(struct json_object *entry, const char *name, const char *value)
{
	struct json_object *actions, *params;

	if (!json_object_object_get_ex(entry, "actions", &actions) ||
	    !json_object_is_type(actions, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(actions); i++) {
		struct json_object *a = json_object_array_get_idx(actions, i);

		if (!a || !json_object_is_type(a, json_type_object) ||
		    !json_object_object_get_ex(a, "parameters", &params) ||
		    !json_object_is_type(params, json_type_array))
			continue;
		for (size_t k = 0; k < json_object_array_length(params); k++) {
			struct json_object *p = json_object_array_get_idx(params, k), *n, *v;

			if (p && json_object_object_get_ex(p, "name", &n) &&
			    json_object_object_get_ex(p, "value", &v) &&
			    !strcmp(json_object_get_string(n), name) &&
			    json_object_is_type(v, json_type_string) &&
			    !strcmp(json_object_get_string(v), value))
				return 1;
		}
	}
	return 0;
}

int jenkins_find_by_param(const struct buf *body, const char *list, const char *name,
			  const char *value, long long *found)
{
	struct json_object *o = parse_body(body), *arr, *idv;
	int ret = 0;

	if (!o)
		return -1;
	if (!json_object_object_get_ex(o, list, &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		json_object_put(o);
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(arr) && !ret; i++) {
		struct json_object *entry = json_object_array_get_idx(arr, i);

		if (!entry || !has_param(entry, name, value))
			continue;
		if (json_object_object_get_ex(entry, !strcmp(list, "items") ? "id" : "number",
					      &idv)) {
			*found = json_object_get_int64(idv);
			ret = 1;
		}
	}
	json_object_put(o);
	return ret;
}

int jenkins_scan_builds(const struct buf *body, const char *name, const char *value,
			long long *found, size_t *count, long long *oldest_ms)
{
	struct json_object *o = parse_body(body), *arr, *v;
	size_t n;
	int ret = 0;

	*count = 0;
	*oldest_ms = 0;
	if (!o)
		return -1;
	if (!json_object_object_get_ex(o, "builds", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		json_object_put(o);
		return -1;
	}
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		struct json_object *entry = json_object_array_get_idx(arr, i);
		long long ts;

		if (!entry)
			continue;
		if (json_object_object_get_ex(entry, "timestamp", &v) &&
		    (ts = json_object_get_int64(v)) > 0 && (!*oldest_ms || ts < *oldest_ms))
			*oldest_ms = ts;
		if (!ret && has_param(entry, name, value) &&
		    json_object_object_get_ex(entry, "number", &v)) {
			*found = json_object_get_int64(v);
			ret = 1;
		}
	}
	*count = n;
	json_object_put(o);
	return ret;
}

void jenkins_form_add(struct buf *form, const char *name, const char *value)
{
	if (form->len)
		buf_addch(form, '&');
	http_urlencode(name, form);
	buf_addch(form, '=');
	http_urlencode(value ? value : "", form);
}

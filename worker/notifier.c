/* notifier.c: the notification sender thread: claim due deliveries, POST them signed, record */
#include "notifier.h"

#include "buf.h"
#include "crypto.h"
#include "db.h"
#include "jsonutil.h"
#include "log.h"
#include "naming.h"
#include "notify.h"
#include "mnotify.h"
#include "secret_purpose.h"

#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_CAP_MS (3600L * 1000) /* retries are at least hourly */
#define IDLE_MAX_MS    1000	      /* look for due retries at least this often */

struct notifier {
	pthread_t thread;
	atomic_int stop;
	struct db db;
	unsigned listen_gen;
	char *database_url, *secret_key, *domain, *public_url;
	struct config live; /* only live_url_scheme and live_url_port: config_live_url */
	long connect_timeout, timeout_ms, retry_ms, retry_for, retention_days, housekeep_s;
	int allow_private;
	double next_housekeep;
};

/* One claimed delivery and its call. */
struct item {
	struct notifier *n;
	char *id, *event, *url, *format, *created_at;
	int attempts;
	double age_s; /* since the event */
	struct buf body, secret;
	struct curl_slist *headers;
	CURL *curl;
	char refused[160]; /* why the address was refused, or "" */
	char error[256];   /* a failure found before or during the call, or "" */
	long status, ms;
	int done;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* ---------------------------------------------------------------- bodies */

/* Slack reads &, < and > as markup. */
static void slack_escape(struct buf *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '&')
			buf_addstr(out, "&amp;");
		else if (*s == '<')
			buf_addstr(out, "&lt;");
		else if (*s == '>')
			buf_addstr(out, "&gt;");
		else
			buf_addch(out, *s);
	}
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *jobj(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

/* Add what only the worker knows: the project's live URL and the deployment's page. */
static void add_links(struct notifier *n, struct json_object *payload)
{
	struct json_object *proj = jobj(payload, "project"), *dep = jobj(payload, "deployment");
	struct json_object *preview = jobj(payload, "preview");
	struct buf host = BUF_INIT, url = BUF_INIT;

	/* a preview's deployment lives at the preview's own host, never the custom domain */
	if (proj) {
		if (naming_host(&host, preview ? jstr(preview, "name") : jstr(proj, "name"),
				jstr(proj, "user_id"), n->domain,
				preview ? NULL : jstr(proj, "custom_domain"), NULL) == 0) {
			config_live_url(&n->live, host.buf, &url);
			ju_add_str(preview ? preview : proj, "live_url", url.buf);
		} else {
			ju_add_str(preview ? preview : proj, "live_url", NULL);
		}
	}
	if (dep) {
		buf_reset(&url);
		if (n->public_url && jstr(dep, "id")) {
			size_t len = strlen(n->public_url);

			while (len && n->public_url[len - 1] == '/')
				len--;
			buf_add(&url, n->public_url, len);
			buf_addf(&url, "/deployments/%s", jstr(dep, "id"));
		}
		ju_add_str(dep, "url", url.len ? url.buf : NULL);
	}
	buf_release(&host);
	buf_release(&url);
}

static void slack_text(struct json_object *payload, const char *event, struct buf *t)
{
	struct json_object *proj = jobj(payload, "project"), *dep = jobj(payload, "deployment");
	struct json_object *seq;
	const char *state = jstr(dep, "state"), *commit = jstr(dep, "commit");

	if (!strcmp(event, NOTIFY_EVENT_TEST)) {
		buf_addstr(t, "Test notification from the platform for workspace ");
		slack_escape(t, jstr(jobj(payload, "workspace"), "id"));
		return;
	}
	slack_escape(t, jstr(proj, "name"));
	buf_addstr(t, ": deployment");
	if (dep && json_object_object_get_ex(dep, "seq", &seq))
		buf_addf(t, " #%d", json_object_get_int(seq));
	buf_addstr(t, " is ");
	slack_escape(t, state ? state : event);
	if (commit && strlen(commit) >= 7)
		buf_addf(t, " (commit %.7s)", commit);
	if (state && (!strcmp(state, "live") || !strcmp(state, "released")) &&
	    jstr(proj, "live_url")) {
		buf_addstr(t, " at ");
		slack_escape(t, jstr(proj, "live_url"));
	}
	if (jstr(dep, "error")) {
		buf_addstr(t, "\nerror: ");
		slack_escape(t, jstr(dep, "error"));
	}
	if (jstr(dep, "url")) {
		buf_addstr(t, "\n<");
		slack_escape(t, jstr(dep, "url"));
		buf_addstr(t, "|details>");
	}
}

/* The request body of a delivery: the same bytes at every attempt (it depends only on the
 * row and the worker's settings). */
static int render(struct notifier *n, struct item *it, const char *payload_text)
{
	struct json_object *payload = json_tokener_parse(payload_text), *out;
	struct json_object_iterator i, end;

	if (!payload || !json_object_is_type(payload, json_type_object)) {
		json_object_put(payload);
		return -1;
	}
	add_links(n, payload);
	out = json_object_new_object();
	if (!strcmp(it->format, "slack")) {
		struct buf t = BUF_INIT;

		slack_text(payload, it->event, &t);
		ju_add_str(out, "text", t.buf);
		buf_release(&t);
	} else {
		ju_add_str(out, "id", it->id);
		ju_add_str(out, "event", it->event);
		ju_add_str(out, "created_at", it->created_at);
		i = json_object_iter_begin(payload);
		end = json_object_iter_end(payload);
		for (; !json_object_iter_equal(&i, &end); json_object_iter_next(&i))
			json_object_object_add(out, json_object_iter_peek_name(&i),
					       json_object_get(json_object_iter_peek_value(&i)));
	}
	buf_addstr(&it->body, ju_text(out));
	json_object_put(out);
	json_object_put(payload);
	return 0;
}

/* ---------------------------------------------------------------- calls */

/* Every connection goes through here: the address curl is about to connect to, after
 * its own resolution, is the one checked (a name that resolves elsewhere now gains
 * nothing). */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct item *it = arg;

	(void)purpose;
	if (!it->n->allow_private &&
	    notify_addr_blocked(&a->addr, it->refused, sizeof(it->refused)))
		return CURL_SOCKET_BAD;
	return socket(a->family, a->socktype, a->protocol);
}

static size_t discard(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data;
	(void)arg;
	return size * nmemb;
}

static void add_header(struct item *it, const char *name, const char *value)
{
	struct buf h = BUF_INIT;

	buf_addf(&h, "%s: %s", name, value);
	it->headers = curl_slist_append(it->headers, h.buf);
	buf_release(&h);
}

static int prepare(struct notifier *n, struct item *it)
{
	char sig[65];
	struct buf v = BUF_INIT;

	crypto_hmac_sha256_hex(it->secret.buf, it->secret.len, it->body.buf, it->body.len, sig);
	buf_addf(&v, "sha256=%s", sig);
	add_header(it, "Content-Type", "application/json");
	add_header(it, "X-Platform-Event", it->event);
	add_header(it, "X-Platform-Delivery", it->id);
	add_header(it, "X-Platform-Signature-256", v.buf);
	it->headers = curl_slist_append(it->headers, "Expect:");
	buf_release(&v);
	it->curl = curl_easy_init();
	if (!it->curl)
		return -1;
	curl_easy_setopt(it->curl, CURLOPT_URL, it->url);
	curl_easy_setopt(it->curl, CURLOPT_PRIVATE, it);
	curl_easy_setopt(it->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(it->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(it->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(it->curl, CURLOPT_PROXY, ""); /* never a proxy from the environment */
	curl_easy_setopt(it->curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(it->curl, CURLOPT_OPENSOCKETDATA, it);
	curl_easy_setopt(it->curl, CURLOPT_TIMEOUT_MS, n->timeout_ms);
	curl_easy_setopt(it->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 n->timeout_ms < 5000 ? n->timeout_ms : 5000L);
	curl_easy_setopt(it->curl, CURLOPT_USERAGENT, "platform-notify/1");
	curl_easy_setopt(it->curl, CURLOPT_HTTPHEADER, it->headers);
	curl_easy_setopt(it->curl, CURLOPT_POSTFIELDS, it->body.buf);
	curl_easy_setopt(it->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->body.len);
	curl_easy_setopt(it->curl, CURLOPT_WRITEFUNCTION, discard);
	return 0;
}

static void finish_call(struct item *it, CURLcode rc)
{
	curl_off_t us = 0;

	curl_easy_getinfo(it->curl, CURLINFO_TOTAL_TIME_T, &us);
	it->ms = (long)(us / 1000);
	it->done = 1;
	if (rc != CURLE_OK) {
		if (it->refused[0])
			snprintf(it->error, sizeof(it->error),
				 "refused to connect: %s (PLATFORM_NOTIFY_ALLOW_PRIVATE is off)",
				 it->refused);
		else
			snprintf(it->error, sizeof(it->error), "no answer: %s",
				 curl_easy_strerror(rc));
		return;
	}
	curl_easy_getinfo(it->curl, CURLINFO_RESPONSE_CODE, &it->status);
	if (it->status >= 300 && it->status < 400)
		snprintf(it->error, sizeof(it->error),
			 "the receiver answered %ld (redirects are not followed)", it->status);
	else if (it->status < 200 || it->status >= 300)
		snprintf(it->error, sizeof(it->error), "the receiver answered %ld", it->status);
}

/* Run every prepared call at once until all are done (each is bounded by the timeout) or
 * the notifier stops. */
static void run_calls(struct notifier *n, struct item *items, int count)
{
	CURLM *m = curl_multi_init();
	int running = 0, added = 0;

	if (!m)
		return;
	for (int i = 0; i < count; i++) {
		if (items[i].curl && !items[i].done &&
		    curl_multi_add_handle(m, items[i].curl) == CURLM_OK)
			added++;
	}
	while (added && !atomic_load(&n->stop)) {
		CURLMsg *msg;
		int left;

		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(m, &left))) {
			struct item *it = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&it);
			finish_call(it, msg->data.result);
		}
		if (!running)
			break;
		curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	for (int i = 0; i < count; i++) {
		if (items[i].curl)
			curl_multi_remove_handle(m, items[i].curl);
	}
	curl_multi_cleanup(m);
}

/* ---------------------------------------------------------------- rows */

static void item_release(struct item *it)
{
	free(it->id);
	free(it->event);
	free(it->url);
	free(it->format);
	free(it->created_at);
	buf_release(&it->body);
	/* the secret is wiped before it is freed */
	if (it->secret.alloc)
		memset(it->secret.buf, 0, it->secret.len);
	buf_release(&it->secret);
	curl_slist_free_all(it->headers);
	if (it->curl)
		curl_easy_cleanup(it->curl);
}

static int claim(struct notifier *n, struct item *items, struct err *e)
{
	char lim[16], lease[24];
	const char *p[2] = {lim, lease};
	PGresult *res;
	int count;

	snprintf(lim, sizeof(lim), "%d", NOTIFIER_BATCH);
	snprintf(lease, sizeof(lease), "%ld", n->timeout_ms + 10000);
	res = mnotify_claim(&n->db, p, e);
	if (!res)
		return -1;
	count = PQntuples(res);
	for (int i = 0; i < count; i++) {
		struct item *it = &items[i];
		struct buf sealed = BUF_INIT;

		memset(it, 0, sizeof(*it));
		it->n = n;
		buf_init(&it->body, 0);
		buf_init(&it->secret, 0);
		it->id = xstrdup(db_value(res, i, 0));
		it->event = xstrdup(db_value(res, i, 1));
		it->attempts = atoi(db_value(res, i, 3));
		it->age_s = atof(db_value(res, i, 4));
		it->url = xstrdup(db_value(res, i, 5));
		it->format = xstrdup(db_value(res, i, 6));
		it->created_at = xstrdup(db_value(res, i, 8));
		if (!n->secret_key ||
		    crypto_unhex(db_value(res, i, 7), strlen(db_value(res, i, 7)), &sealed) < 0 ||
		    crypto_open(n->secret_key, PURPOSE_NOTIFICATION_SECRET, sealed.buf, sealed.len,
				&it->secret) < 0)
			snprintf(it->error, sizeof(it->error),
				 "the secret cannot be opened (is PLATFORM_SECRET_KEY the API's?)");
		else if (render(n, it, db_value(res, i, 2)) < 0)
			snprintf(it->error, sizeof(it->error), "the stored event cannot be read");
		else if (prepare(n, it) < 0)
			snprintf(it->error, sizeof(it->error), "cannot start an HTTP call");
		if (it->error[0])
			it->done = 1;
		buf_release(&sealed);
	}
	PQclear(res);
	return count;
}

static void record(struct notifier *n, struct item *it)
{
	char status[16], ms[24], delay[24];
	const char *p[6];
	const char *state = "delivered";
	long long wait = 0;
	struct err e = ERR_INIT;
	PGresult *res;

	snprintf(status, sizeof(status), "%ld", it->status);
	snprintf(ms, sizeof(ms), "%ld", it->ms);
	if (it->error[0]) {
		int shift = it->attempts > 1 ? it->attempts - 1 : 0;

		wait = n->retry_ms;
		while (shift-- > 0 && wait < BACKOFF_CAP_MS)
			wait *= 2;
		if (wait > BACKOFF_CAP_MS)
			wait = BACKOFF_CAP_MS;
		state =
		    it->age_s + (double)wait / 1000.0 > (double)n->retry_for ? "failed" : "pending";
	}
	snprintf(delay, sizeof(delay), "%lld", wait);
	p[0] = it->id;
	p[1] = state;
	p[2] = it->status ? status : NULL;
	p[3] = it->status || it->ms ? ms : NULL;
	p[4] = it->error[0] ? it->error : NULL;
	p[5] = delay;
	res = mnotify_record(&n->db, p, &e);
	if (!res)
		log_warn("cannot record a notification delivery; it is sent again", "delivery_id",
			 it->id, "reason", e.msg, NULL);
	PQclear(res);
	if (!it->error[0])
		log_info("notification delivered", "delivery_id", it->id, "event", it->event,
			 "status", status, "ms", ms, NULL);
	else
		log_warn("notification not delivered", "delivery_id", it->id, "event", it->event,
			 "reason", it->error, "next", !strcmp(state, "failed") ? "gave up" : delay,
			 NULL);
}

/* Calls the notifier abandoned when it stopped are due again at once, attempt uncounted. */
static void give_back(struct notifier *n, struct item *it)
{
	const char *p[1] = {it->id};
	struct err e = ERR_INIT;

	mnotify_retry_now(&n->db, p, &e);
}

/* One batch: 1 when something was claimed, 0 when nothing was due, -1 on a database error. */
static int run_batch(struct notifier *n)
{
	struct item items[NOTIFIER_BATCH];
	struct err e = ERR_INIT;
	int count = claim(n, items, &e);

	if (count <= 0)
		return count;
	run_calls(n, items, count);
	for (int i = 0; i < count; i++) {
		if (items[i].done)
			record(n, &items[i]);
		else
			give_back(n, &items[i]);
		item_release(&items[i]);
	}
	return 1;
}

/* Finished deliveries are kept as long as GitHub webhook deliveries. */
static void housekeep(struct notifier *n, double now)
{
	char days[16];
	const char *p[1] = {days};
	struct err e = ERR_INIT;

	if (n->housekeep_s <= 0 || now < n->next_housekeep)
		return;
	n->next_housekeep = now + (double)n->housekeep_s;
	snprintf(days, sizeof(days), "%ld", n->retention_days);
	if (mnotify_prune(&n->db, p, &e) < 0)
		log_warn("cannot remove old notification deliveries", "reason", e.msg, NULL);
}

/* ---------------------------------------------------------------- the thread */

/* ms until the next pending delivery is due (IDLE_MAX_MS at most). */
static int next_due_ms(struct notifier *n)
{
	struct err e = ERR_INIT;
	PGresult *res = mnotify_next_due(&n->db, NULL, &e);
	long ms = IDLE_MAX_MS;

	if (res && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		ms = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (ms < 1)
		ms = 1;
	return ms > IDLE_MAX_MS ? IDLE_MAX_MS : (int)ms;
}

/* Wait up to `ms` for a NOTIFY on our channel, waking every 100 ms to see `stop`. */
static void wait_wakeup(struct notifier *n, int ms)
{
	double until = now_s() + ms / 1000.0;

	while (!atomic_load(&n->stop)) {
		int left = (int)((until - now_s()) * 1000.0), fd;
		struct pollfd pfd;
		PGnotify *nt;
		int woke = 0;

		if (left <= 0)
			return;
		fd = n->db.conn ? PQsocket(n->db.conn) : -1;
		if (fd < 0) {
			usleep(100000);
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, left < 100 ? left : 100) <= 0)
			continue;
		if (!PQconsumeInput(n->db.conn)) {
			n->listen_gen = 0; /* the connection is gone: LISTEN again on the next */
			return;
		}
		while ((nt = PQnotifies(n->db.conn))) {
			woke = 1;
			PQfreemem(nt);
		}
		if (woke)
			return;
	}
}

static int listen_now(struct notifier *n)
{
	struct err e = ERR_INIT;

	if (db_ensure(&n->db, &e) < 0)
		return -1;
	if (n->listen_gen == n->db.generation)
		return 0;
	if (db_command(&n->db, "LISTEN " NOTIFY_CHANNEL, 0, NULL, &e) < 0)
		return -1;
	n->listen_gen = n->db.generation;
	return 0;
}

static void *thread_main(void *arg)
{
	struct notifier *n = arg;

	while (!atomic_load(&n->stop)) {
		int r;

		if (listen_now(n) < 0) {
			wait_wakeup(n, 1000); /* the database is away: try again in a second */
			continue;
		}
		housekeep(n, now_s());
		r = run_batch(n);
		if (r > 0)
			continue; /* more may be due */
		wait_wakeup(n, r < 0 ? 1000 : next_due_ms(n));
	}
	return NULL;
}

static void notifier_free(struct notifier *n)
{
	db_release(&n->db);
	free(n->database_url);
	free(n->secret_key);
	free(n->domain);
	free(n->public_url);
	free(n->live.live_url_scheme);
	free(n);
}

struct notifier *notifier_start(const struct config *cfg)
{
	struct notifier *n = xcalloc(1, sizeof(*n));
	struct err e = ERR_INIT;
	int rc;

	n->database_url = xstrdup(cfg->database_url);
	n->secret_key = dup_or_null(cfg->secret_key);
	n->domain = dup_or_null(cfg->domain);
	n->public_url = dup_or_null(cfg->public_url);
	n->live.live_url_scheme = dup_or_null(cfg->live_url_scheme);
	n->live.live_url_port = cfg->live_url_port;
	n->connect_timeout = cfg->db_connect_timeout;
	n->timeout_ms = cfg->notify_timeout_ms;
	n->retry_ms = cfg->notify_retry_ms;
	n->retry_for = cfg->notify_retry_for;
	n->allow_private = cfg->notify_allow_private != 0;
	n->retention_days = cfg->webhook_retention_days;
	n->housekeep_s = cfg->housekeep_interval;
	atomic_init(&n->stop, 0);
	if (!cfg->secret_key)
		log_warn("PLATFORM_SECRET_KEY is not set: notifications cannot be signed and are "
			 "not sent",
			 NULL);
	/* a failure here is retried by the thread: the connection comes back by itself */
	if (db_open(&n->db, n->database_url, (int)n->connect_timeout, &e) < 0)
		log_warn("notifier: database not reachable yet", "reason", e.msg, NULL);
	rc = pthread_create(&n->thread, NULL, thread_main, n);
	if (rc) {
		log_error("cannot start the notification sender", "reason", strerror(rc), NULL);
		notifier_free(n);
		return NULL;
	}
	if (n->allow_private)
		log_warn("PLATFORM_NOTIFY_ALLOW_PRIVATE=1: notifications may reach private and "
			 "loopback addresses",
			 NULL);
	return n;
}

void notifier_stop(struct notifier *n)
{
	if (!n)
		return;
	atomic_store(&n->stop, 1);
	pthread_join(n->thread, NULL);
	notifier_free(n);
}

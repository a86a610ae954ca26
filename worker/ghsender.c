/* ghsender.c: the GitHub deployments sender thread: claim due events, call GitHub, record */
#include "ghsender.h"

#include "buf.h"
#include "crypto.h"
#include "db.h"
#include "deploy.h"
#include "ghdeploy.h"
#include "github.h"
#include "log.h"
#include "naming.h"
#include "secret_purpose.h"

#include <curl/curl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_CAP_MS (3600L * 1000) /* retries are at least hourly */
#define IDLE_MAX_MS    1000	      /* look for due retries at least this often */
#define ANSWER_MAX     (256 * 1024)   /* what is kept of an answer: a deployment is small */

struct ghsender {
	pthread_t thread;
	atomic_int stop;
	struct db db;
	unsigned listen_gen;
	char *database_url, *secret_key, *domain, *public_url, *api_url;
	struct config live; /* only live_url_scheme and live_url_port: config_live_url */
	long connect_timeout, timeout_ms, retry_ms, retry_for, retention_days, housekeep_s;
	int released_final;
	double next_housekeep;
};

/* One claimed event and its call. */
struct item {
	char *id, *kind, *state, *deployment_id;
	char *preview_id;	  /* a comment's preview, else NULL */
	long long comment_id;	  /* the comment a comment event edits (0: it posts one) */
	const char *github_state; /* the state a status sends (static), NULL for a create */
	int attempts;
	double age_s; /* since the state change */
	struct buf body, answer, auth;
	struct curl_slist *headers;
	CURL *curl;
	char error[256]; /* a failure found before or during the call, or "" */
	long status;
	int done, permanent;
	int retry_now; /* a failed call to make again at once (an edited comment was deleted) */
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

/* ---------------------------------------------------------------- requests */

/* The URL of the deployment's page in the console (web/: /deployments/{id}), or "" without a
 * public URL. */
static void log_url(const struct ghsender *s, const char *deployment_id, struct buf *out)
{
	size_t len;

	if (!s->public_url)
		return;
	len = strlen(s->public_url);
	while (len && s->public_url[len - 1] == '/')
		len--;
	buf_add(out, s->public_url, len);
	buf_addf(out, "/deployments/%s", deployment_id);
}

/* The claimed row's live URL (its app, user and routed custom domain) into `out`. */
static void live_url(const struct ghsender *s, const PGresult *res, int i, struct buf *out)
{
	struct buf host = BUF_INIT;

	if (naming_host(&host, db_value(res, i, 11), db_value(res, i, 12), s->domain,
			db_value(res, i, 13), NULL) == 0)
		config_live_url(&s->live, host.buf, out);
	buf_release(&host);
}

/* The body of a status event: its GitHub state, the live URL on a success, the console's
 * page. 0, or -1 with it->error for an event that cannot be sent. */
static int status_body(const struct ghsender *s, struct item *it, const PGresult *res, int i)
{
	const char *desc = NULL, *error = db_value(res, i, 14);
	struct buf env_url = BUF_INIT, log = BUF_INIT;

	it->github_state = ghdeploy_github_state(it->state, s->released_final, &desc);
	if (!it->github_state) {
		snprintf(it->error, sizeof(it->error), "unknown event state '%.64s'", it->state);
		return -1;
	}
	if (!strcmp(it->state, "failed") && error && *error)
		desc = error; /* what a person needs to act on */
	if (!strcmp(it->github_state, "success"))
		live_url(s, res, i, &env_url);
	log_url(s, it->deployment_id, &log);
	github_deployment_status_body(&it->body, it->github_state, desc,
				      env_url.len ? env_url.buf : NULL, log.len ? log.buf : NULL);
	buf_release(&env_url);
	buf_release(&log);
	return 0;
}

/* The pull request's comment: where its preview answers, for which commit. The same text is
 * edited in place on every new commit, so it names the newest one. */
static int comment_body(const struct ghsender *s, struct item *it, const PGresult *res, int i)
{
	const char *number = db_value(res, i, 16), *ref = db_value(res, i, 9);
	struct buf text = BUF_INIT, url = BUF_INIT, log = BUF_INIT;

	if (!number || !it->preview_id) {
		snprintf(it->error, sizeof(it->error), "the deployment is not a preview's");
		it->permanent = 1;
		return -1;
	}
	live_url(s, res, i, &url);
	log_url(s, it->deployment_id, &log);
	if (!strcmp(it->state, "inactive"))
		buf_addf(&text,
			 "<!-- platform:preview -->\n**The preview of #%s was removed.** "
			 "It answered at %s\n\n",
			 number, url.len ? url.buf : "(no domain configured)");
	else
		buf_addf(&text, "<!-- platform:preview -->\n**The preview of #%s is live:** %s\n\n",
			 number, url.len ? url.buf : "(no domain configured)");
	buf_addf(&text, "Commit `%.12s`, deployment #%s", ref ? ref : "?", db_value(res, i, 10));
	if (log.len)
		buf_addf(&text, " ([details and build log](%s))", log.buf);
	if (strcmp(it->state, "inactive"))
		buf_addstr(&text, ". This comment is updated on every new commit.");
	else
		buf_addch(&text, '.');
	github_issue_comment_body(&it->body, text.buf);
	buf_release(&text);
	buf_release(&url);
	buf_release(&log);
	return 0;
}

/* The URL and body of the event's call into `url` and it->body. */
static int request_of(const struct ghsender *s, struct item *it, const PGresult *res, int i,
		      struct buf *url)
{
	const char *repo = db_value(res, i, 5), *gh_id = db_value(res, i, 8);
	struct buf desc = BUF_INIT;

	if (!strcmp(it->kind, "create")) {
		buf_addf(&desc, "platform deployment #%s of %s", db_value(res, i, 10),
			 db_value(res, i, 11));
		github_deployments_url(url, s->api_url, repo, 0);
		github_deployment_body(&it->body, db_value(res, i, 9), db_value(res, i, 6),
				       desc.buf);
		buf_release(&desc);
		return 0;
	}
	if (!strcmp(it->kind, "comment")) {
		const char *number = db_value(res, i, 16), *cid = db_value(res, i, 17);

		it->comment_id = cid ? atoll(cid) : 0;
		github_issue_comment_url(url, s->api_url, repo, number ? atoll(number) : 0,
					 it->comment_id);
		return comment_body(s, it, res, i);
	}
	if (!gh_id || atoll(gh_id) <= 0) {
		snprintf(it->error, sizeof(it->error), "the deployment was not created on GitHub");
		it->permanent = 1;
		return -1;
	}
	github_deployments_url(url, s->api_url, repo, atoll(gh_id));
	return status_body(s, it, res, i);
}

/* The owner's token into the Authorization header line, or -1 with it->error. */
static int open_token(const struct ghsender *s, struct item *it, const char *sealed_hex)
{
	struct buf sealed = BUF_INIT, token = BUF_INIT;
	int ret = -1;

	if (s->secret_key && sealed_hex &&
	    crypto_unhex(sealed_hex, strlen(sealed_hex), &sealed) == 0 &&
	    crypto_open(s->secret_key, PURPOSE_GITHUB_TOKEN, sealed.buf, sealed.len, &token) == 0) {
		github_auth_header(&it->auth, token.buf);
		ret = 0;
	} else {
		/* the owner may sign in again: retried like an unreachable GitHub */
		snprintf(it->error, sizeof(it->error),
			 "the project owner's GitHub token cannot be read (signed out, or another "
			 "PLATFORM_SECRET_KEY)");
	}
	if (token.alloc)
		memset(token.buf, 0, token.len);
	buf_release(&token);
	buf_release(&sealed);
	return ret;
}

static size_t keep_answer(char *data, size_t size, size_t nmemb, void *arg)
{
	struct item *it = arg;
	size_t n = size * nmemb;

	if (it->answer.len + n <= ANSWER_MAX)
		buf_add(&it->answer, data, n);
	return n;
}

static int prepare(const struct ghsender *s, struct item *it, const char *url)
{
	it->headers = curl_slist_append(it->headers, it->auth.buf);
	it->headers = curl_slist_append(it->headers, "Accept: application/vnd.github+json");
	it->headers = curl_slist_append(it->headers, "X-GitHub-Api-Version: " GITHUB_API_VERSION);
	it->headers = curl_slist_append(it->headers, "Content-Type: application/json");
	it->headers = curl_slist_append(it->headers, "Expect:");
	it->curl = curl_easy_init();
	if (!it->curl)
		return -1;
	curl_easy_setopt(it->curl, CURLOPT_URL, url);
	if (it->comment_id > 0) /* the comment is edited in place */
		curl_easy_setopt(it->curl, CURLOPT_CUSTOMREQUEST, "PATCH");
	curl_easy_setopt(it->curl, CURLOPT_PRIVATE, it);
	curl_easy_setopt(it->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(it->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(it->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(it->curl, CURLOPT_TIMEOUT_MS, s->timeout_ms);
	curl_easy_setopt(it->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 s->timeout_ms < 5000 ? s->timeout_ms : 5000L);
	curl_easy_setopt(it->curl, CURLOPT_USERAGENT, "platform-github/1");
	curl_easy_setopt(it->curl, CURLOPT_HTTPHEADER, it->headers);
	curl_easy_setopt(it->curl, CURLOPT_POSTFIELDS, it->body.buf);
	curl_easy_setopt(it->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->body.len);
	curl_easy_setopt(it->curl, CURLOPT_WRITEFUNCTION, keep_answer);
	curl_easy_setopt(it->curl, CURLOPT_WRITEDATA, it);
	return 0;
}

/* Answers another attempt may change: GitHub away or overloaded, a token signed out or
 * rate-limited. Others (404, 409, 422, a redirect) would be the same every time. */
static int retryable(long status)
{
	return status >= 500 || status == 401 || status == 403 || status == 408 || status == 429;
}

static void finish_call(struct item *it, CURLcode rc)
{
	it->done = 1;
	if (rc != CURLE_OK) {
		snprintf(it->error, sizeof(it->error), "no answer from GitHub: %s",
			 curl_easy_strerror(rc));
		return;
	}
	curl_easy_getinfo(it->curl, CURLINFO_RESPONSE_CODE, &it->status);
	if (it->status >= 200 && it->status < 300)
		return;
	snprintf(it->error, sizeof(it->error), "GitHub answered %ld%s", it->status,
		 it->status >= 300 && it->status < 400 ? " (redirects are not followed)" : "");
	it->permanent = !retryable(it->status);
}

/* Run every prepared call at once until all are done (each is bounded by the timeout) or
 * the sender stops. */
static void run_calls(struct ghsender *s, struct item *items, int count)
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
	while (added && !atomic_load(&s->stop)) {
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
	free(it->kind);
	free(it->state);
	free(it->deployment_id);
	free(it->preview_id);
	buf_release(&it->body);
	buf_release(&it->answer);
	/* the token is wiped before it is freed, in our buffer and in curl's header list */
	if (it->auth.alloc)
		memset(it->auth.buf, 0, it->auth.len);
	buf_release(&it->auth);
	for (struct curl_slist *h = it->headers; h; h = h->next)
		memset(h->data, 0, strlen(h->data));
	curl_slist_free_all(it->headers);
	if (it->curl)
		curl_easy_cleanup(it->curl);
}

static void item_fill(struct ghsender *s, struct item *it, const PGresult *res, int i)
{
	struct buf url = BUF_INIT;

	memset(it, 0, sizeof(*it));
	buf_init(&it->body, 0);
	buf_init(&it->answer, 0);
	buf_init(&it->auth, 0);
	it->id = xstrdup(db_value(res, i, 0));
	it->kind = xstrdup(db_value(res, i, 1));
	it->state = xstrdup(db_value(res, i, 2));
	it->attempts = atoi(db_value(res, i, 3));
	it->age_s = atof(db_value(res, i, 4));
	it->deployment_id = xstrdup(db_value(res, i, 7));
	it->preview_id = dup_or_null(db_value(res, i, 18));
	if (request_of(s, it, res, i, &url) == 0 && open_token(s, it, db_value(res, i, 15)) == 0 &&
	    prepare(s, it, url.buf) < 0)
		snprintf(it->error, sizeof(it->error), "cannot start an HTTP call");
	if (it->error[0])
		it->done = 1;
	buf_release(&url);
}

static int claim(struct ghsender *s, struct item *items, struct err *e)
{
	char lim[16], lease[24];
	const char *p[2] = {lim, lease};
	PGresult *res;
	int count;

	snprintf(lim, sizeof(lim), "%d", GHSENDER_BATCH);
	snprintf(lease, sizeof(lease), "%ld", s->timeout_ms + 10000);
	res = ghdeploy_claim(&s->db, p, e);
	if (!res)
		return -1;
	count = PQntuples(res);
	for (int i = 0; i < count; i++)
		item_fill(s, &items[i], res, i);
	PQclear(res);
	return count;
}

/* What a sent create changes besides its row: GitHub's id is stored on the deployment. */
static int record_sent(struct ghsender *s, struct item *it, struct err *e)
{
	char id[24];
	const char *p[2] = {it->deployment_id, id};

	if (!strcmp(it->kind, "create")) {
		long long gh = github_deployment_id_of(it->answer.buf, it->answer.len);

		if (!gh) {
			/* a 202 (GitHub merged instead) or an odd answer: no deployment to post to
			 */
			snprintf(it->error, sizeof(it->error),
				 "GitHub answered %ld without a deployment id", it->status);
			it->permanent = 1;
			return 0;
		}
		snprintf(id, sizeof(id), "%lld", gh);
		return deploy_set_github_id(&s->db, p, e) < 0 ? -1 : 0;
	}
	if (!strcmp(it->kind, "comment") && !it->comment_id) {
		long long gh = github_deployment_id_of(it->answer.buf, it->answer.len);
		const char *q[2] = {it->preview_id, id};

		if (!gh)
			return 0; /* the comment exists; the next one posts another */
		snprintf(id, sizeof(id), "%lld", gh);
		return ghdeploy_comment_save(&s->db, q, e) < 0 ? -1 : 0;
	}
	return 0;
}

/* A comment edited in place that GitHub no longer has (someone deleted it): forgotten, and
 * the call made again at once posts a new one. */
static int comment_gone(struct ghsender *s, struct item *it, struct err *e)
{
	char id[24];
	const char *q[2] = {it->preview_id, id};

	if (strcmp(it->kind, "comment") || !it->comment_id || it->status != 404)
		return 0;
	snprintf(id, sizeof(id), "%lld", it->comment_id);
	if (ghdeploy_comment_forget(&s->db, q, e) < 0)
		return -1;
	it->permanent = 0;
	it->retry_now = 1;
	return 0;
}

/* The row's new status and the wait before the next attempt (ms) for a failed call. */
static const char *next_status(const struct ghsender *s, const struct item *it, long long *wait)
{
	int shift = it->attempts > 1 ? it->attempts - 1 : 0;

	*wait = 0;
	if (!it->error[0])
		return "sent";
	if (it->retry_now)
		return "pending";
	if (it->permanent)
		return "failed";
	*wait = s->retry_ms;
	while (shift-- > 0 && *wait < BACKOFF_CAP_MS)
		*wait *= 2;
	if (*wait > BACKOFF_CAP_MS)
		*wait = BACKOFF_CAP_MS;
	return it->age_s + (double)*wait / 1000.0 > (double)s->retry_for ? "failed" : "pending";
}

/* Record one finished event, and what it causes, in one transaction. */
static int record_tx(struct ghsender *s, struct item *it, const char **status, struct err *e)
{
	char code[16], delay[24];
	const char *p[6];
	long long wait;

	if (db_begin(&s->db, e) < 0)
		return -1;
	if (!it->error[0] && record_sent(s, it, e) < 0)
		goto fail;
	if (it->error[0] && comment_gone(s, it, e) < 0)
		goto fail;
	*status = next_status(s, it, &wait);
	snprintf(code, sizeof(code), "%ld", it->status);
	snprintf(delay, sizeof(delay), "%lld", wait);
	p[0] = it->id;
	p[1] = *status;
	p[2] = it->status ? code : NULL;
	p[3] = it->error[0] ? it->error : NULL;
	p[4] = delay;
	p[5] = it->error[0] ? NULL : it->github_state;
	if (ghdeploy_record(&s->db, p, e) < 0)
		goto fail;
	/* once this success reads as sent, the older successes of the project are replaced */
	/* and a preview's pull request hears where it answers now */
	if (!strcmp(*status, "sent") && it->github_state && !strcmp(it->github_state, "success") &&
	    (ghdeploy_inactivate_older(&s->db, (const char *[]){it->deployment_id}, e) < 0 ||
	     ghdeploy_queue_comment(&s->db, (const char *[]){it->id}, e) < 0))
		goto fail;
	if (!strcmp(*status, "failed") && !strcmp(it->kind, "create")) {
		const char *q[2] = {it->deployment_id, "the deployment was not created on GitHub"};

		if (ghdeploy_fail_rest(&s->db, q, e) < 0)
			goto fail;
	}
	return db_commit(&s->db, e);
fail:
	db_rollback(&s->db);
	return -1;
}

static void record(struct ghsender *s, struct item *it)
{
	struct err e = ERR_INIT;
	const char *status = "pending";

	if (record_tx(s, it, &status, &e) < 0) {
		log_warn("cannot record a GitHub deployment call; it is made again", "event_id",
			 it->id, "reason", e.msg, NULL);
		return;
	}
	if (!strcmp(status, "sent"))
		log_info("github deployment event sent", "event_id", it->id, "deployment_id",
			 it->deployment_id, "kind", it->kind, "state",
			 it->github_state ? it->github_state : it->kind, NULL);
	else
		log_warn("github deployment event not sent", "event_id", it->id, "deployment_id",
			 it->deployment_id, "kind", it->kind, "reason", it->error, "next",
			 !strcmp(status, "failed") ? "gave up" : "retry", NULL);
}

/* Calls the sender abandoned when it stopped are due again at once, attempt uncounted. */
static void give_back(struct ghsender *s, struct item *it)
{
	const char *p[1] = {it->id};
	struct err e = ERR_INIT;

	ghdeploy_retry_now(&s->db, p, &e);
}

/* One batch: 1 when something was claimed, 0 when nothing was due, -1 on a database error. */
static int run_batch(struct ghsender *s)
{
	struct item items[GHSENDER_BATCH];
	struct err e = ERR_INIT;
	int count = claim(s, items, &e);

	if (count <= 0)
		return count;
	run_calls(s, items, count);
	for (int i = 0; i < count; i++) {
		if (items[i].done)
			record(s, &items[i]);
		else
			give_back(s, &items[i]);
		item_release(&items[i]);
	}
	return 1;
}

/* Finished events are kept as long as GitHub webhook deliveries. */
static void housekeep(struct ghsender *s, double now)
{
	char days[16];
	const char *p[1] = {days};
	struct err e = ERR_INIT;

	if (s->housekeep_s <= 0 || now < s->next_housekeep)
		return;
	s->next_housekeep = now + (double)s->housekeep_s;
	snprintf(days, sizeof(days), "%ld", s->retention_days);
	if (ghdeploy_prune(&s->db, p, &e) < 0)
		log_warn("cannot remove old GitHub deployment events", "reason", e.msg, NULL);
}

/* ---------------------------------------------------------------- the thread */

/* ms until the next pending event is due (IDLE_MAX_MS at most). */
static int next_due_ms(struct ghsender *s)
{
	struct err e = ERR_INIT;
	PGresult *res = ghdeploy_next_due(&s->db, NULL, &e);
	long ms = IDLE_MAX_MS;

	if (res && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		ms = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (ms < 1)
		ms = 1;
	return ms > IDLE_MAX_MS ? IDLE_MAX_MS : (int)ms;
}

/* Wait up to `ms` for a NOTIFY on our channel, waking every 100 ms to see `stop`. */
static void wait_wakeup(struct ghsender *s, int ms)
{
	double until = now_s() + ms / 1000.0;

	while (!atomic_load(&s->stop)) {
		int left = (int)((until - now_s()) * 1000.0), fd;
		struct pollfd pfd;
		PGnotify *nt;
		int woke = 0;

		if (left <= 0)
			return;
		fd = s->db.conn ? PQsocket(s->db.conn) : -1;
		if (fd < 0) {
			usleep(100000);
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, left < 100 ? left : 100) <= 0)
			continue;
		if (!PQconsumeInput(s->db.conn)) {
			s->listen_gen = 0; /* the connection is gone: LISTEN again on the next */
			return;
		}
		while ((nt = PQnotifies(s->db.conn))) {
			woke = 1;
			PQfreemem(nt);
		}
		if (woke)
			return;
	}
}

static int listen_now(struct ghsender *s)
{
	struct err e = ERR_INIT;

	if (db_ensure(&s->db, &e) < 0)
		return -1;
	if (s->listen_gen == s->db.generation)
		return 0;
	if (db_command(&s->db, "LISTEN " GHDEPLOY_CHANNEL, 0, NULL, &e) < 0)
		return -1;
	s->listen_gen = s->db.generation;
	return 0;
}

static void *thread_main(void *arg)
{
	struct ghsender *s = arg;

	while (!atomic_load(&s->stop)) {
		int r;

		if (listen_now(s) < 0) {
			wait_wakeup(s, 1000); /* the database is away: try again in a second */
			continue;
		}
		housekeep(s, now_s());
		r = run_batch(s);
		if (r > 0)
			continue; /* more may be due */
		wait_wakeup(s, r < 0 ? 1000 : next_due_ms(s));
	}
	return NULL;
}

static void ghsender_free(struct ghsender *s)
{
	db_release(&s->db);
	free(s->database_url);
	if (s->secret_key)
		memset(s->secret_key, 0, strlen(s->secret_key));
	free(s->secret_key);
	free(s->domain);
	free(s->live.live_url_scheme);
	free(s->public_url);
	free(s->api_url);
	free(s);
}

struct ghsender *ghsender_start(const struct config *cfg, int released_final)
{
	struct ghsender *s;
	struct err e = ERR_INIT;
	int rc;

	if (!cfg->github_deployments)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->database_url = xstrdup(cfg->database_url);
	s->secret_key = dup_or_null(cfg->secret_key);
	s->domain = dup_or_null(cfg->domain);
	s->live.live_url_scheme = dup_or_null(cfg->live_url_scheme);
	s->live.live_url_port = cfg->live_url_port;
	s->public_url = dup_or_null(cfg->public_url);
	s->api_url = xstrdup(cfg->github_api_url);
	s->connect_timeout = cfg->db_connect_timeout;
	s->timeout_ms = cfg->github_deployments_timeout_ms;
	s->retry_ms = cfg->github_deployments_retry_ms;
	s->retry_for = cfg->github_deployments_retry_for;
	s->retention_days = cfg->webhook_retention_days;
	s->housekeep_s = cfg->housekeep_interval;
	s->released_final = released_final;
	atomic_init(&s->stop, 0);
	/* a failure here is retried by the thread: the connection comes back by itself */
	if (db_open(&s->db, s->database_url, (int)s->connect_timeout, &e) < 0)
		log_warn("github sender: database not reachable yet", "reason", e.msg, NULL);
	rc = pthread_create(&s->thread, NULL, thread_main, s);
	if (rc) {
		log_error("cannot start the GitHub deployments sender", "reason", strerror(rc),
			  NULL);
		ghsender_free(s);
		return NULL;
	}
	return s;
}

void ghsender_stop(struct ghsender *s)
{
	if (!s)
		return;
	atomic_store(&s->stop, 1);
	pthread_join(s->thread, NULL);
	ghsender_free(s);
}

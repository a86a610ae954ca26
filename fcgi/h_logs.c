/* h_logs.c: build logs and live events: the stored backlog, stream tokens, and the
 * authorization nchan asks for before a subscriber's socket opens */
#include "handlers.h"

#include "access.h"
#include "crypto.h"
#include "jsonutil.h"
#include "log.h"
#include "deploy.h"
#include "mrtlog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STREAM_TOKEN_TTL 60	       /* seconds: the token only has to open a socket */
#define LOG_PAGE_MAX	 (512u * 1024) /* bytes of log text in one answer */
#define RUNTIME_TAIL_DEF 100	       /* runtime log lines in an answer by default */
#define RUNTIME_TAIL_MAX 1000

/* ---- stream tokens: "<user>.<expiry>.<hmac(channel|user|expiry)>" ---- */

static void stream_mac(struct req *r, const char *channel, const char *user, long long expiry,
		       char out[65])
{
	struct buf msg = BUF_INIT, key = BUF_INIT;

	/* a key of its own, so a stream token is no other kind of credential */
	buf_addf(&key, "stream-token:%s", r->app->cfg.secret_key);
	buf_addf(&msg, "%s|%s|%lld", channel, user, expiry);
	crypto_hmac_sha256_hex(key.buf, key.len, msg.buf, msg.len, out);
	buf_release(&msg);
	buf_release(&key);
}

static void stream_token(struct req *r, const char *channel, const char *user, struct buf *out,
			 long long *expiry)
{
	char mac[65];

	*expiry = (long long)time(NULL) + STREAM_TOKEN_TTL;
	stream_mac(r, channel, user, *expiry, mac);
	buf_addf(out, "%s.%lld.%s", user, *expiry, mac);
}

/* The user a stream token names, when it is good for `channel` and not expired. */
static int stream_token_user(struct req *r, const char *channel, const char *token, char *user,
			     size_t n)
{
	const char *dot1 = strchr(token, '.'), *dot2;
	long long expiry;
	char mac[65], *end;

	if (!dot1 || (size_t)(dot1 - token) >= n)
		return -1;
	dot2 = strchr(dot1 + 1, '.');
	if (!dot2)
		return -1;
	expiry = strtoll(dot1 + 1, &end, 10);
	if (end != dot2 || expiry < (long long)time(NULL))
		return -1;
	snprintf(user, n, "%.*s", (int)(dot1 - token), token);
	stream_mac(r, channel, user, expiry, mac);
	return crypto_equal(mac, 64, dot2 + 1, strlen(dot2 + 1)) ? 0 : -1;
}

static void answer_token(struct req *r, const char *channel, const char *user, const char *path)
{
	struct buf tok = BUF_INIT, url = BUF_INIT;
	struct json_object *o = json_object_new_object();
	long long expiry;

	stream_token(r, channel, user, &tok, &expiry);
	buf_addf(&url, "%s?token=%s", path, tok.buf);
	ju_add_str(o, "token", tok.buf);
	json_object_object_add(o, "expires_in", json_object_new_int(STREAM_TOKEN_TTL));
	ju_add_str(o, "url", url.buf);
	req_json(r, 201, o);
	json_object_put(o);
	buf_release(&tok);
	buf_release(&url);
}

void h_logs_token(struct req *r)
{
	char channel[64], path[96];

	snprintf(channel, sizeof(channel), "deployment-%s", r->params[0]);
	snprintf(path, sizeof(path), "/api/deployments/%s/logs/ws", r->params[0]);
	answer_token(r, channel, r->user.id, path);
}

void h_events_token(struct req *r)
{
	char channel[64], path[96];

	snprintf(channel, sizeof(channel), "project-%s", r->project.id);
	snprintf(path, sizeof(path), "/api/projects/%s/events/ws", r->project.id);
	answer_token(r, channel, r->user.id, path);
}

void h_runtime_token(struct req *r)
{
	char channel[64], path[96];

	snprintf(channel, sizeof(channel), "runtime-%s", r->project.id);
	snprintf(path, sizeof(path), "/api/projects/%s/runtime/ws", r->project.id);
	answer_token(r, channel, r->user.id, path);
}

/* ---- nchan's authorization subrequest ---- */

/* What a channel name says: the deployment or project it belongs to. */
static const char *channel_target(const char *channel, int *is_deployment)
{
	static const char *const project_kinds[] = {"project-", "runtime-", NULL};

	*is_deployment = !strncmp(channel, "deployment-", 11);
	if (*is_deployment)
		return channel + 11;
	for (int i = 0; project_kinds[i]; i++) {
		if (!strncmp(channel, project_kinds[i], strlen(project_kinds[i])))
			return channel + strlen(project_kinds[i]);
	}
	return NULL;
}

/* The token= query parameter of the subscriber's original URI, into out. */
static int original_token(struct req *r, struct buf *out)
{
	const char *uri = req_header(r, "X-Original-URI");
	const char *q = uri ? strchr(uri, '?') : NULL;

	while (q && *q) {
		q++;
		if (!strncmp(q, "token=", 6)) {
			const char *end = strchr(q, '&');

			return req_decode(q + 6, end ? (size_t)(end - q - 6) : strlen(q + 6),
					  out) == 0 &&
			       out->len;
		}
		q = strchr(q, '&');
	}
	return 0;
}

void h_nchan_auth(struct req *r)
{
	const char *channel = req_header(r, "X-Channel-Id");
	struct buf token = BUF_INIT;
	struct user_ref u;
	struct project_ref p;
	char user[16];
	const char *id;
	int is_deployment;

	if (!channel) {
		req_fail(r, 403, "forbidden", "not a subscription");
		goto out;
	}
	if (!(id = channel_target(channel, &is_deployment))) {
		req_fail(r, 404, "not_found", "no such channel");
		goto out;
	}
	/* A short-lived token in the URL serves clients that cannot send cookies; a
	 * session (cookie or Bearer) works as everywhere else. */
	if (original_token(r, &token)) {
		if (stream_token_user(r, channel, token.buf, user, sizeof(user)) < 0 ||
		    access_user_by_id(r, user, &u) < 0) {
			req_fail(r, 401, "stream_token_invalid",
				 "the stream token is expired or not for this channel; ask for a "
				 "new one");
			goto out;
		}
	} else {
		/* A browser sends its cookie with a WebSocket or EventSource opened by any
		 * page, and always names that page in Origin: a foreign one is refused
		 * (clients that are not browsers send no Origin). */
		if (access_token(r, &token) == ACCESS_VIA_COOKIE &&
		    access_request_origin(r) == ORIGIN_FOREIGN) {
			req_fail(r, 403, "csrf_rejected",
				 "a live socket opened with the session cookie must come from the "
				 "platform's own pages (Origin of PLATFORM_PUBLIC_URL)");
			goto out;
		}
		if (access_user(r, &u) < 0)
			goto out;
	}
	if (is_deployment ? access_deployment(r, &u, id, ROLE_VIEWER, &p) < 0
			  : access_project(r, &u, id, ROLE_VIEWER, &p) < 0)
		goto out;
	req_send(r, 204, NULL, "", 0);
out:
	buf_release(&token);
}

/* ---- the stored log ---- */

/* Append stored text from byte `from` on (whole chunks after the first); *next gets the
 * offset after the last byte appended. */
static int read_log(struct req *r, long long from, struct buf *text, long long *next, struct err *e)
{
	char off[32];
	const char *params[] = {r->params[0], off};
	PGresult *res;

	snprintf(off, sizeof(off), "%lld", from);
	res = deploy_log_chunks(&r->app->db, params, e);
	if (!res)
		return -1;
	*next = from;
	for (int i = 0; i < PQntuples(res) && text->len < LOG_PAGE_MAX; i++) {
		long long start = atoll(PQgetvalue(res, i, 0));
		long long len = atoll(PQgetvalue(res, i, 2));
		long long skip = *next > start ? *next - start : 0;

		/* a gap in the stored log would be a bug: stop there rather than hide it */
		if (start > *next)
			break;
		buf_add(text, PQgetvalue(res, i, 1) + skip, (size_t)(len - skip));
		*next = start + len;
	}
	PQclear(res);
	return 0;
}

/* 1 when the log was read to its end (or the deployment ended) and nothing is stored at
 * or after `next`. */
static int log_complete(struct req *r, long long next)
{
	char off[32];
	const char *params[] = {r->params[0], off};
	struct err e = ERR_INIT;
	PGresult *res;
	int done;

	snprintf(off, sizeof(off), "%lld", next);
	res = deploy_log_done(&r->app->db, params, &e);
	done = res && PQntuples(res) == 1 && *PQgetvalue(res, 0, 0) == 't';
	PQclear(res);
	return done;
}

void h_deployment_logs(struct req *r)
{
	struct err e = ERR_INIT;
	struct buf q = BUF_INIT, text = BUF_INIT;
	struct json_object *o;
	long long offset = 0, next = 0;
	int qrc;

	if ((qrc = req_query_value(r, "offset", &q))) {
		char *end;

		/* beyond 2^63 is an error, never clamped to LLONG_MAX */
		errno = 0;
		offset = strtoll(q.buf, &end, 10);
		if (qrc < 0 || *end || end == q.buf || errno == ERANGE || offset < 0) {
			req_fail(r, 400, "invalid_offset",
				 "offset must be a byte offset from an earlier answer");
			goto out;
		}
	}
	if (read_log(r, offset, &text, &next, &e) < 0) {
		req_error(r, &e);
		goto out;
	}
	o = json_object_new_object();
	ju_add_str(o, "deployment_id", r->params[0]);
	json_object_object_add(o, "offset", json_object_new_int64(offset));
	json_object_object_add(o, "next_offset", json_object_new_int64(next));
	json_object_object_add(o, "text", json_object_new_string_len(text.buf, (int)text.len));
	json_object_object_add(o, "complete", json_object_new_boolean(log_complete(r, next)));
	req_json(r, 200, o);
	json_object_put(o);
out:
	buf_release(&q);
	buf_release(&text);
}

/* ---- runtime logs: what the project's containers printed (worker/rtlogs.c stores them) ---- */

static struct json_object *runtime_line(const PGresult *res, int i)
{
	struct json_object *o = json_object_new_object();

	ju_add_str(o, "at", db_value(res, i, 0));
	ju_add_str(o, "deployment_id", db_value(res, i, 1));
	ju_add_str(o, "container", db_value(res, i, 2));
	ju_add_str(o, "stream", db_value(res, i, 3));
	ju_add_str(o, "text", db_value(res, i, 4));
	return o;
}

void h_runtime_logs(struct req *r)
{
	struct err e = ERR_INIT;
	struct buf q = BUF_INIT, tail = BUF_INIT;
	struct json_object *o, *lines;
	long n = RUNTIME_TAIL_DEF;
	PGresult *res;
	int qrc;

	if ((qrc = req_query_value(r, "tail", &q))) {
		char *end;

		errno = 0;
		n = strtol(q.buf, &end, 10);
		if (qrc < 0 || *end || end == q.buf || errno == ERANGE || n < 1 ||
		    n > RUNTIME_TAIL_MAX) {
			req_fail(r, 400, "invalid_tail",
				 "tail must be a number of lines, 1 to 1000");
			goto out;
		}
	}
	buf_addf(&tail, "%ld", n);
	{
		const char *params[] = {r->project.id, tail.buf};

		res = mrtlog_tail(&r->app->db, params, &e);
	}
	if (!res) {
		req_error(r, &e);
		goto out;
	}
	o = json_object_new_object();
	lines = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(lines, runtime_line(res, i));
	PQclear(res);
	ju_add_str(o, "project_id", r->project.id);
	json_object_object_add(o, "lines", lines);
	req_json(r, 200, o);
	json_object_put(o);
out:
	buf_release(&q);
	buf_release(&tail);
}

/* h_notify.c: workspace notifications (outgoing webhooks): manage them, test them, read their
 * deliveries. Sending is the worker's (worker/notifier.c); the rules are lib/model/notify's. */
#include "h_notify.h"

#include "access.h"
#include "audit.h"
#include "crypto.h"
#include "jsonutil.h"
#include "naming.h"
#include "list.h"
#include "notify.h"
#include "mnotify.h"
#include "secret_purpose.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET_MIN 16
#define SECRET_MAX 256
#define EVENTS_MAX 16

/* Members below admin see the URL without its path: a Slack URL's path is its credential. */

static struct json_object *notification_json(struct req *r, const PGresult *res, int row)
{
	struct json_object *o = json_object_new_object();

	(void)r;
	ju_add_str(o, "id", db_value(res, row, 0));
	ju_add_str(o, "workspace_id", db_value(res, row, 1));
	ju_add_str(o, "url", db_value(res, row, 2));
	json_object_object_add(o, "events", json_tokener_parse(db_value(res, row, 3)));
	ju_add_str(o, "format", db_value(res, row, 4));
	ju_add_str(o, "created_at", db_value(res, row, 5));
	ju_add_str(o, "created_by", db_value(res, row, 6));
	return o;
}

static void add_int(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v ? json_object_new_int64(atoll(v)) : NULL);
}

static struct json_object *delivery_json(struct req *r, const PGresult *res, int row)
{
	struct json_object *o = json_object_new_object();

	(void)r;
	ju_add_str(o, "id", db_value(res, row, 0));
	ju_add_str(o, "event", db_value(res, row, 1));
	ju_add_str(o, "deployment_id", db_value(res, row, 2));
	ju_add_str(o, "state", db_value(res, row, 3));
	add_int(o, "attempts", db_value(res, row, 4));
	add_int(o, "response_status", db_value(res, row, 5));
	add_int(o, "response_ms", db_value(res, row, 6));
	ju_add_str(o, "error", db_value(res, row, 7));
	ju_add_str(o, "created_at", db_value(res, row, 8));
	ju_add_str(o, "last_attempt_at", db_value(res, row, 9));
	ju_add_str(o, "next_attempt_at", db_value(res, row, 10));
	ju_add_str(o, "delivered_at", db_value(res, row, 11));
	return o;
}

/* The notification id of the path: a malformed one is as unknown as a missing one. */
static int check_id(struct req *r, const char *id)
{
	if (naming_is_uuid(id))
		return 0;
	req_fail(r, 404, "notification_not_found", "no such notification");
	return -1;
}

/* ---------------------------------------------------------------- list */

void h_notifications_list(struct req *r)
{
	struct list_page pg;
	struct err e = ERR_INIT;
	enum role role = ROLE_NONE;
	char lim[16];
	PGresult *res;

	role = r->role;
	if (list_parse(r, &pg, LIST_CURSOR_ID) < 0)
		return;
	{
		const char *p[] = {r->params[0], pg.cursor, role >= ROLE_ADMIN ? "t" : "f",
				   list_fetch(&pg, lim, sizeof(lim))};

		res = mnotify_page(&r->app->db, p, &e);
	}
	list_answer_rows(r, res, &e, &pg, notification_json, 7);
}

/* ---------------------------------------------------------------- create */

/* events: a non-empty array of known, distinct event names. */
static int check_events(struct json_object *body, struct json_object **out, struct err *e)
{
	struct json_object *ev;
	size_t n;

	if (!json_object_object_get_ex(body, "events", &ev))
		return err_field(e, 422, "missing_field", "events", "events is required");
	if (!json_object_is_type(ev, json_type_array))
		return err_field(e, 422, "invalid_type", "events",
				 "events must be an array of event names");
	n = json_object_array_length(ev);
	if (n < 1 || n > EVENTS_MAX)
		return err_field(e, 422, "invalid_events", "events",
				 "events must name 1 to %d events", EVENTS_MAX);
	for (size_t i = 0; i < n; i++) {
		struct json_object *x = json_object_array_get_idx(ev, i);
		const char *s =
		    json_object_is_type(x, json_type_string) ? json_object_get_string(x) : NULL;

		if (!notify_event_known(s))
			return err_field(
			    e, 422, "invalid_events", "events",
			    "events must be among deployment.building, "
			    "deployment.released, deployment.live, deployment.failed, "
			    "deployment.cancelled, deployment.superseded, preview.ready");
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(s, json_object_get_string(json_object_array_get_idx(ev, j))))
				return err_field(e, 422, "invalid_events", "events",
						 "events names %s twice", s);
		}
	}
	*out = ev;
	return 0;
}

static int check_secret(const char *s, struct err *e)
{
	size_t n = strlen(s);

	if (n < SECRET_MIN || n > SECRET_MAX)
		return err_field(e, 422, "invalid_secret", "secret",
				 "secret must be %d to %d characters", SECRET_MIN, SECRET_MAX);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return err_field(e, 422, "invalid_secret", "secret",
					 "secret must be printable ASCII without spaces");
	}
	return 0;
}

struct new_notification {
	const char *url, *format, *secret;
	struct json_object *events;
};

static int parse_new(struct req *r, struct json_object *body, struct new_notification *nn,
		     struct err *e)
{
	static const char *const keys[] = {"url", "events", "format", "secret", NULL};

	nn->format = "json";
	nn->secret = NULL;
	if (ju_only_keys(body, keys, e) < 0 ||
	    ju_string(body, "url", JU_REQUIRED, NOTIFY_URL_MAX, &nn->url, e) < 0 ||
	    notify_check_url(nn->url, r->app->cfg.notify_allow_private != 0, e) < 0 ||
	    check_events(body, &nn->events, e) < 0 ||
	    ju_string(body, "format", JU_NULLABLE, 16, &nn->format, e) < 0 ||
	    ju_string(body, "secret", JU_NULLABLE, SECRET_MAX, &nn->secret, e) < 0)
		return -1;
	if (strcmp(nn->format, "json") && strcmp(nn->format, "slack"))
		return err_field(e, 422, "invalid_format", "format",
				 "format must be json or slack");
	if (nn->secret && check_secret(nn->secret, e) < 0)
		return -1;
	return 0;
}

/* Store it (secret sealed) with its audit row; its id is appended to `id`. */
static int insert_notification(struct req *r, const struct user_ref *u,
			       const struct new_notification *nn, const char *secret,
			       struct buf *id, struct err *e)
{
	struct buf sealed = BUF_INIT, hex = BUF_INIT;
	struct json_object *details = json_object_new_object();
	PGresult *res = NULL;
	int ret = -1;

	if (!r->app->cfg.secret_key ||
	    crypto_seal(r->app->cfg.secret_key, PURPOSE_NOTIFICATION_SECRET, secret, strlen(secret),
			&sealed) < 0) {
		err_set(e, 500, "internal_error", "cannot protect the notification secret");
		goto out;
	}
	crypto_hex(sealed.buf, sealed.len, &hex);
	{
		const char *p[] = {r->params[0], nn->url, ju_text(nn->events),
				   nn->format,	 hex.buf, u->id};

		if (db_begin(&r->app->db, e) < 0)
			goto out;
		res = mnotify_insert(&r->app->db, p, e);
	}
	if (!res)
		goto out_tx;
	buf_addstr(id, db_value(res, 0, 0));
	/* what was asked for, without the secret and without the URL (it may be a credential) */
	json_object_object_add(details, "events", json_object_get(nn->events));
	ju_add_str(details, "format", nn->format);
	if (audit_record(&r->app->db, r->params[0], u->id, "notification.create", "notification",
			 id->buf, details, r->request_id, e) < 0 ||
	    db_commit(&r->app->db, e) < 0)
		goto out_tx;
	ret = 0;
	goto out;
out_tx:
	db_rollback(&r->app->db);
out:
	PQclear(res);
	json_object_put(details);
	buf_release(&sealed);
	buf_release(&hex);
	return ret;
}

void h_notifications_create(struct req *r)
{
	struct err e = ERR_INIT;
	struct json_object *body = NULL, *out = NULL;
	struct new_notification nn;
	struct buf secret = BUF_INIT, id = BUF_INIT;
	PGresult *res;

	body = req_json_body(r, &e);
	if (!body || parse_new(r, body, &nn, &e) < 0)
		goto fail;
	if (nn.secret)
		buf_addstr(&secret, nn.secret);
	else if (crypto_token(&secret, 32) < 0) {
		err_set(&e, 500, "internal_error", "cannot make a secret");
		goto fail;
	}
	if (insert_notification(r, &r->user, &nn, secret.buf, &id, &e) < 0)
		goto fail;
	{
		const char *p[] = {id.buf, r->params[0], "t"};

		res = mnotify_get(&r->app->db, p, &e);
	}
	if (!res || PQntuples(res) != 1) {
		PQclear(res);
		if (!e.status)
			err_set(&e, 500, "internal_error", "the notification went missing");
		goto fail;
	}
	out = notification_json(r, res, 0);
	PQclear(res);
	/* shown once: a secret the caller chose is not echoed, one we made is */
	ju_add_str(out, "secret", nn.secret ? NULL : secret.buf);
	req_json(r, 201, out);
	json_object_put(out);
	goto out;
fail:
	req_error(r, &e);
out:
	memset(secret.buf, 0, secret.len);
	buf_release(&secret);
	buf_release(&id);
	json_object_put(body);
}

/* ---------------------------------------------------------------- one notification */

void h_notification_delete(struct req *r)
{
	struct err e = ERR_INIT;
	const char *p[2] = {r->params[1], r->params[0]};
	long n;

	if (check_id(r, p[0]) < 0)
		return;
	if (db_begin(&r->app->db, &e) < 0)
		goto fail;
	n = mnotify_delete(&r->app->db, p, &e);
	if (n < 0)
		goto fail_tx;
	if (n == 0) {
		err_set(&e, 404, "notification_not_found", "no such notification");
		goto fail_tx;
	}
	if (audit_record(&r->app->db, r->params[0], r->user.id, "notification.delete",
			 "notification", p[0], NULL, r->request_id, &e) < 0 ||
	    db_commit(&r->app->db, &e) < 0)
		goto fail_tx;
	req_send(r, 204, NULL, "", 0);
	return;
fail_tx:
	db_rollback(&r->app->db);
fail:
	req_error(r, &e);
}

static void answer_delivery(struct req *r, const char *id, int status)
{
	const char *p[1] = {id};
	struct err e = ERR_INIT;
	PGresult *res = mnotify_delivery(&r->app->db, p, &e);

	list_answer_one(r, res, &e, delivery_json, status, "no such delivery");
}

void h_notification_test(struct req *r)
{
	struct err e = ERR_INIT;
	struct buf id = BUF_INIT;

	if (check_id(r, r->params[1]) < 0)
		return;
	req_drain(r); /* no body is needed */
	if (notify_enqueue_test(&r->app->db, r->params[0], r->params[1], &id, &e) < 0) {
		req_error(r, &e);
		goto out;
	}
	answer_delivery(r, id.buf, 202);
out:
	buf_release(&id);
}

void h_notification_deliveries(struct req *r)
{
	struct list_page pg;
	struct err e = ERR_INIT;
	char lim[16];
	PGresult *res;

	if (check_id(r, r->params[1]) < 0 || list_parse(r, &pg, LIST_CURSOR_ID) < 0)
		return;
	{
		const char *p[] = {r->params[1], r->params[0]};

		res = mnotify_exists(&r->app->db, p, &e);
		if (!res) {
			req_error(r, &e);
			return;
		}
		if (PQntuples(res) != 1) {
			PQclear(res);
			req_fail(r, 404, "notification_not_found", "no such notification");
			return;
		}
		PQclear(res);
	}
	{
		const char *p[] = {r->params[1], pg.cursor, list_fetch(&pg, lim, sizeof(lim))};

		res = mnotify_deliveries_page(&r->app->db, p, &e);
	}
	list_answer_rows(r, res, &e, &pg, delivery_json, 12);
}

/* delivery.c: GitHub deliveries: stored by the API, dispatched by the worker in order */
#include "delivery.h"

#include "buf.h"
#include "crypto.h"
#include "deploy.h"
#include "jsonutil.h"
#include "log.h"
#include "preview.h"
#include "webhook.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pg_advisory_xact_lock key of the delivery processor ("ghd1") */
#define PROCESS_LOCK "1734894641"

/* ---------------------------------------------------------------- the API's side */

int delivery_store(struct db *db, const struct delivery_in *in, struct err *e)
{
	/* One statement, so one short transaction: the duplicate check is the primary key's,
	 * and nothing else is touched (the worker matches projects later). */
	static struct db_stmt st =
	    DB_STMT("delivery_store",
		    "INSERT INTO webhook_deliveries (delivery_id, event, repo_key, repo_full_name,"
		    " payload, request_id, state, outcome, reason) VALUES ($1, $2, $3, $4, $5, $6,"
		    " 'received', 'received', 'stored; the worker has not processed it yet')"
		    " ON CONFLICT (delivery_id) DO NOTHING",
		    6);
	const char *p[6] = {in->id,	   in->event,	in->repo_key,
			    in->full_name, in->payload, in->request_id};
	PGresult *res = db_prepared(db, &st, p, e);
	int stored;

	if (!res)
		return -1;
	stored = atoi(PQcmdTuples(res)) == 1;
	PQclear(res);
	return stored;
}

int delivery_record(struct db *db, const struct delivery_in *in, const char *outcome,
		    const char *reason, struct err *e)
{
	const char *p[6] = {in->id, in->event, in->repo_key, in->full_name, outcome, reason};
	long n = db_command(db,
			    "INSERT INTO webhook_deliveries (delivery_id, event, repo_key,"
			    " repo_full_name, outcome, reason, state, processed_at)"
			    " VALUES ($1, $2, $3, $4, $5, $6, 'processed', now())"
			    " ON CONFLICT (delivery_id) DO NOTHING",
			    6, p, e);

	return n < 0 ? -1 : n == 1;
}

/* ---------------------------------------------------------------- dispatch */

void delivery_result_init(struct delivery_result *r)
{
	memset(r, 0, sizeof(*r));
	r->deployments = json_object_new_array();
}

void delivery_result_release(struct delivery_result *r)
{
	json_object_put(r->deployments);
	r->deployments = NULL;
}

static void __attribute__((format(printf, 2, 3)))
ignored(struct delivery_result *out, const char *fmt, ...)
{
	va_list ap;

	out->state = "ignored";
	out->outcome = "ignored";
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

/* The identity of a push: sha256(repository NUL ref NUL after), hex, as an idempotency key
 * (bounded and printable whatever the branch name holds). */
static void push_key(const char *repo_key, const struct webhook_push *push, struct buf *out)
{
	struct buf in = BUF_INIT;
	unsigned char md[32];

	buf_addstr(&in, repo_key);
	buf_addch(&in, '\0');
	buf_addstr(&in, push->branch);
	buf_addch(&in, '\0');
	buf_addstr(&in, push->after);
	crypto_sha256(in.buf, in.len, md);
	buf_addstr(out, "github-push:");
	crypto_hex(md, sizeof(md), out);
	buf_release(&in);
}

/* Queue one deployment of `project_id` for the push; *created 0 when it was queued before. */
static int queue_one(struct db *db, const struct delivery_event *ev, const char *project_id,
		     const struct webhook_push *push, const char *key, struct delivery_result *out,
		     int *created, struct err *e)
{
	struct deploy_new dn = {0};
	struct json_object *dep = NULL, *idv;

	dn.project_id = project_id;
	dn.trigger = "webhook";
	dn.branch = push->branch;
	dn.commit = push->after;
	/* The push itself (repository, ref, commit) is each project's idempotency key, whatever
	 * the delivery id says: a replayed push with a fresh X-GitHub-Delivery finds the
	 * deployment it queued. */
	dn.idempotency_key = key;
	dn.supersede = ev->policy->supersede;
	dn.commit_message = push->message[0] ? push->message : NULL;
	dn.commit_author = push->author[0] ? push->author : NULL;
	if (deploy_create(db, &dn, &dep, created, e) < 0)
		return -1;
	if (json_object_object_get_ex(dep, "id", &idv))
		json_object_array_add(out->deployments, json_object_get(idv));
	json_object_put(dep);
	return 0;
}

static void push_outcome(const char *repo_key, const struct webhook_push *push, int again,
			 int paused, struct delivery_result *out)
{
	size_t n = json_object_array_length(out->deployments);

	if (again && (size_t)again == n) {
		out->state = "processed";
		out->outcome = "already_queued";
		snprintf(out->reason, sizeof(out->reason),
			 "this push (%.100s@%.100s at %.12s) was already queued; nothing new was "
			 "queued",
			 repo_key, push->branch, push->after);
	} else if (n) {
		out->state = "processed";
		out->outcome = "queued";
		snprintf(out->reason, sizeof(out->reason),
			 "queued %zu deployment(s) of %.100s@%.100s", n, repo_key, push->branch);
	} else {
		ignored(out,
			paused ? "auto-deploy of the projects on %.100s@%.100s is paused after a "
				 "rollback"
			       : "no project deploys %.100s@%.100s automatically",
			repo_key, push->branch);
	}
}

/* A push to a branch: one deployment per auto-deploy project on it. */
static int on_push(struct db *db, const struct delivery_event *ev, struct delivery_result *out,
		   struct err *e)
{
	/* Only projects whose repository check was passed (hooks_verify_repo) by someone who
	 * still works in the project's workspace: naming a repository is not enough. */
	static struct db_stmt st =
	    DB_STMT("delivery_push_projects",
		    "SELECT p.id, p.auto_deploy_paused FROM projects p WHERE p.repo_key = $1"
		    " AND p.branch = $2 AND p.auto_deploy AND p.deleted_at IS NULL"
		    " AND p.repo_verified_at IS NOT NULL AND EXISTS (SELECT 1 FROM members m"
		    " WHERE m.workspace_id = p.workspace_id AND m.user_id = p.repo_verified_by"
		    " AND m.role IN ('owner', 'admin', 'developer')) ORDER BY p.id",
		    2);
	struct webhook_push push;
	struct buf key = BUF_INIT;
	const char *p[2];
	PGresult *res;
	int paused = 0, again = 0, ret = -1;

	webhook_push_parse(ev->payload, &push);
	snprintf(out->branch, sizeof(out->branch), "%s", push.branch);
	snprintf(out->commit, sizeof(out->commit), "%s", push.after);
	if (push.kind == WEBHOOK_PUSH_TAG) {
		ignored(out, "tag pushes do not deploy");
		return 0;
	}
	if (push.kind == WEBHOOK_PUSH_DELETED) {
		ignored(out, "the branch %.200s was deleted", push.branch);
		return 0;
	}
	if (push.kind == WEBHOOK_PUSH_INVALID || !ev->repo_key) {
		ignored(out, "the push payload names no branch, commit or repository");
		return 0;
	}
	p[0] = ev->repo_key;
	p[1] = push.branch;
	if (!(res = db_prepared(db, &st, p, e)))
		return -1;
	push_key(ev->repo_key, &push, &key);
	for (int i = 0; i < PQntuples(res); i++) {
		int created = 0;

		if (*PQgetvalue(res, i, 1) == 't') {
			paused++;
			continue;
		}
		if (queue_one(db, ev, PQgetvalue(res, i, 0), &push, key.buf, out, &created, e) < 0)
			goto out;
		again += !created;
	}
	push_outcome(ev->repo_key, &push, again, paused, out);
	ret = 0;
out:
	PQclear(res);
	buf_release(&key);
	return ret;
}

int delivery_dispatch(struct db *db, const struct delivery_event *ev, struct delivery_result *out,
		      struct err *e)
{
	if (!strcmp(ev->event, "push"))
		return on_push(db, ev, out, e);
	if (!strcmp(ev->event, "pull_request"))
		return preview_on_pull_request(db, ev, out, e);
	if (!strcmp(ev->event, "ping")) {
		out->state = "processed";
		out->outcome = "pong";
		snprintf(out->reason, sizeof(out->reason), "the webhook works");
		return 0;
	}
	ignored(out, "%.64s events are not used; only push and pull_request", ev->event);
	return 0;
}

/* ---------------------------------------------------------------- the worker's side */

/* Errors the same batch may not meet again: hand it all back and try later. */
static int transient(const struct db *db, const struct err *e)
{
	return e->status == 503 || !strncmp(db->sqlstate, "40", 2) ||
	       !strcmp(db->sqlstate, "55P03") || !strcmp(db->sqlstate, "57014");
}

static int record_result(struct db *db, const char *id, const struct delivery_result *r,
			 struct err *e)
{
	static struct db_stmt st = DB_STMT(
	    "delivery_done",
	    "UPDATE webhook_deliveries SET state = $2, outcome = $3, reason = $4,"
	    " deployments = ARRAY(SELECT json_array_elements_text($5::json)::uuid),"
	    " ref = coalesce(nullif($6, ''), ref), after_sha = coalesce(nullif($7, ''), after_sha),"
	    " processed_at = now(), payload = NULL WHERE delivery_id = $1",
	    7);
	const char *p[7] = {id,	       r->state, r->outcome, r->reason, ju_text(r->deployments),
			    r->branch, r->commit};
	PGresult *res = db_prepared(db, &st, p, e);

	PQclear(res);
	return res ? 0 : -1;
}

/* One stored delivery through the dispatch, in a savepoint: an error of its own (not the
 * database's going away) rolls back only its share and marks it failed. */
static int process_one(struct db *db, const struct delivery_policy *policy, const PGresult *rows,
		       int i, struct err *e)
{
	struct delivery_event ev = {PQgetvalue(rows, i, 0), PQgetvalue(rows, i, 1),
				    db_value(rows, i, 2), NULL, policy};
	const char *text = db_value(rows, i, 3);
	struct delivery_result r;
	struct err de = ERR_INIT;
	int ret = -1;

	delivery_result_init(&r);
	if (db_command(db, "SAVEPOINT delivery", 0, NULL, e) < 0)
		goto out;
	ev.payload = text ? ju_parse_object(text, strlen(text), &de) : NULL;
	if (!ev.payload)
		ignored(&r, "the stored payload is not a JSON object");
	else if (delivery_dispatch(db, &ev, &r, &de) < 0) {
		if (transient(db, &de)) {
			*e = de;
			goto out;
		}
		log_warn("webhook delivery failed", "delivery_id", ev.id, "reason", de.msg, NULL);
		if (db_command(db, "ROLLBACK TO SAVEPOINT delivery", 0, NULL, e) < 0)
			goto out;
		json_object_put(r.deployments);
		delivery_result_init(&r);
		r.state = "failed";
		r.outcome = "failed";
		snprintf(r.reason, sizeof(r.reason), "could not be processed: %.280s", de.msg);
	}
	if (record_result(db, ev.id, &r, e) < 0 ||
	    db_command(db, "RELEASE SAVEPOINT delivery", 0, NULL, e) < 0)
		goto out;
	ret = 0;
out:
	json_object_put(ev.payload);
	delivery_result_release(&r);
	return ret;
}

int delivery_process(struct db *db, const struct delivery_policy *policy, int max, int *n,
		     struct err *e)
{
	static struct db_stmt st = DB_STMT(
	    "delivery_waiting",
	    "SELECT delivery_id, event, repo_key, payload FROM webhook_deliveries"
	    " WHERE state = 'received' AND (SELECT pg_try_advisory_xact_lock(" PROCESS_LOCK "))"
	    " ORDER BY seq LIMIT $1::int FOR UPDATE",
	    1);
	char lim[16];
	const char *p[1] = {lim};
	PGresult *rows = NULL;

	*n = 0;
	snprintf(lim, sizeof(lim), "%d", max);
	if (db_begin(db, e) < 0)
		return -1;
	/* One worker at a time (the lock is held until COMMIT), so the deliveries of a repository
	 * are processed in the order they were stored. FOR UPDATE reads each row's newest
	 * version: a batch another worker committed after this statement's snapshot is skipped,
	 * not processed twice. */
	if (!(rows = db_prepared(db, &st, p, e)))
		goto fail;
	for (int i = 0; i < PQntuples(rows); i++) {
		if (process_one(db, policy, rows, i, e) < 0)
			goto fail;
	}
	if (db_commit(db, e) < 0)
		goto fail_done;
	*n = PQntuples(rows);
	PQclear(rows);
	return 0;
fail:
	db_rollback(db);
fail_done:
	PQclear(rows);
	return -1;
}

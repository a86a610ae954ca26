/* preview.c: pull-request previews: the rows, their deployments and their removal */
#include "preview.h"

#include "audit.h"
#include "buf.h"
#include "crypto.h"
#include "deploy.h"
#include "ghdeploy.h"
#include "jsonutil.h"
#include "log.h"
#include "naming.h"
#include "queue.h"
#include "secret_purpose.h"
#include "webhook.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How many idle previews one expiry pass removes (the next pass takes the rest). */
#define EXPIRE_BATCH 20

static void __attribute__((format(printf, 2, 3)))
pr_ignored(struct delivery_result *out, const char *fmt, ...)
{
	va_list ap;

	out->state = "ignored";
	out->outcome = "ignored";
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- removal */

/* The folder goes in one commit by the worker's gitops_remove job (worker/release.c). */
static int queue_folder_removal(struct db *db, const PGresult *row, const char *actor_id,
				struct err *e)
{
	struct json_object *job = json_object_new_object();
	const char *p[1];
	long n;

	ju_add_str(job, "workspace_id", db_value(row, 0, 1));
	ju_add_str(job, "user_id", db_value(row, 0, 2));
	ju_add_str(job, "project", db_value(row, 0, 0));
	ju_add_str(job, "triggered_by", actor_id);
	p[0] = ju_text(job);
	n = queue_add_gitops_remove(db, p, e);
	json_object_put(job);
	return n < 0 ? -1 : 0;
}

int preview_remove(struct db *db, const char *id, const char *reason, const char *actor_id,
		   struct err *e)
{
	static struct db_stmt st = DB_STMT(
	    "preview_mark_removed",
	    "UPDATE previews v SET state = 'removed', removed_reason = $2, removed_at = now(),"
	    " updated_at = now() FROM projects p WHERE v.id = $1 AND v.state = 'active'"
	    " AND p.id = v.project_id RETURNING v.name, p.workspace_id, p.user_id, v.number,"
	    " v.project_id",
	    2);
	const char *p[2] = {id, reason};
	struct json_object *details = NULL;
	PGresult *row = db_prepared(db, &st, p, e);
	int ret = -1;

	if (!row)
		return -1;
	if (PQntuples(row) != 1) {
		ret = 0;
		goto out;
	}
	details = json_object_new_object();
	json_object_object_add(details, "number",
			       json_object_new_int64(atoll(db_value(row, 0, 3))));
	ju_add_str(details, "reason", reason);
	ju_add_str(details, "name", db_value(row, 0, 0));
	if (deploy_cancel_preview(db, id, e) < 0 ||
	    queue_folder_removal(db, row, actor_id, e) < 0 ||
	    ghdeploy_inactivate_preview(db, p, e) < 0 || ghdeploy_comment_removed(db, p, e) < 0 ||
	    audit_record(db, db_value(row, 0, 1), actor_id, "preview.remove", "project",
			 db_value(row, 0, 4), details, NULL, e) < 0)
		goto out;
	log_info("preview removed", "preview_id", id, "app", db_value(row, 0, 0), "reason", reason,
		 NULL);
	ret = 1;
out:
	json_object_put(details);
	PQclear(row);
	return ret;
}

int preview_after_release(struct db *db, const char *deployment_id, struct err *e)
{
	static struct db_stmt st =
	    DB_STMT("preview_removed_of",
		    "SELECT v.name, p.workspace_id, p.user_id FROM deployments d"
		    " JOIN previews v ON v.id = d.preview_id JOIN projects p ON p.id = v.project_id"
		    " WHERE d.id = $1 AND v.state = 'removed'",
		    1);
	const char *p[1] = {deployment_id};
	PGresult *row = db_prepared(db, &st, p, e);
	int ret = -1;

	if (!row)
		return -1;
	if (PQntuples(row) == 1) {
		log_info("a removed preview's release reached git; removing it again",
			 "deployment_id", deployment_id, "app", db_value(row, 0, 0), NULL);
		if (queue_folder_removal(db, row, NULL, e) < 0)
			goto out;
	}
	ret = 0;
out:
	PQclear(row);
	return ret;
}

int preview_remove_all(struct db *db, const char *project_id, const char *reason, struct err *e)
{
	const char *p[1] = {project_id};
	PGresult *res =
	    db_query(db,
		     "SELECT id FROM previews WHERE project_id = $1 AND state = 'active'"
		     " ORDER BY number FOR UPDATE",
		     1, p, e);
	int ret = -1;

	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		if (preview_remove(db, db_value(res, i, 0), reason, NULL, e) < 0)
			goto out;
	}
	ret = 0;
out:
	PQclear(res);
	return ret;
}

int preview_delete(struct db *db, const char *project_id, long number, const char *actor_id,
		   struct err *e)
{
	char num[24];
	const char *p[2] = {project_id, num};
	PGresult *res = NULL;
	int rc;

	snprintf(num, sizeof(num), "%ld", number);
	if (db_begin(db, e) < 0)
		return -1;
	res = db_query(db,
		       "SELECT id FROM previews WHERE project_id = $1 AND number = $2::int"
		       " AND state = 'active' FOR UPDATE",
		       2, p, e);
	if (!res)
		goto fail;
	if (PQntuples(res) != 1) {
		err_set(e, 404, "preview_not_found",
			"the project has no preview of pull request %ld", number);
		goto fail;
	}
	rc = preview_remove(db, db_value(res, 0, 0), PREVIEW_DELETED, actor_id, e);
	if (rc < 0)
		goto fail;
	PQclear(res);
	return db_commit(db, e);
fail:
	PQclear(res);
	db_rollback(db);
	return -1;
}

int preview_expire(struct db *db, int idle_days, int *n, struct err *e)
{
	char days[16], lim[16];
	const char *p[2] = {days, lim};
	PGresult *res;
	int ret = -1;

	*n = 0;
	if (idle_days <= 0)
		return 0;
	snprintf(days, sizeof(days), "%d", idle_days);
	snprintf(lim, sizeof(lim), "%d", EXPIRE_BATCH);
	if (db_begin(db, e) < 0)
		return -1;
	res = db_query(db,
		       "SELECT id FROM previews WHERE state = 'active'"
		       " AND updated_at < now() - $1::int * interval '1 day'"
		       " ORDER BY updated_at LIMIT $2::int FOR UPDATE SKIP LOCKED",
		       2, p, e);
	if (!res)
		goto fail;
	for (int i = 0; i < PQntuples(res); i++) {
		int rc = preview_remove(db, db_value(res, i, 0), PREVIEW_IDLE, NULL, e);

		if (rc < 0)
			goto fail;
		*n += rc;
	}
	PQclear(res);
	res = NULL;
	if (db_commit(db, e) < 0)
		return -1;
	ret = 0;
	return ret;
fail:
	PQclear(res);
	db_rollback(db);
	*n = 0;
	return -1;
}

/* ---------------------------------------------------------------- deploying */

/* The env a preview adds: {"PREVIEW": sealed "1", "PR_NUMBER": sealed "<n>"}, sealed like the
 * project's own (lib/model/snapshot opens them). */
static int preview_env(const char *secret_key, long number, struct buf *out, struct err *e)
{
	struct json_object *o = json_object_new_object();
	struct buf sealed = BUF_INIT, b64 = BUF_INIT;
	char num[24];
	const char *names[2] = {"PREVIEW", "PR_NUMBER"}, *values[2] = {"1", num};
	int ret = -1;

	snprintf(num, sizeof(num), "%ld", number);
	if (!secret_key || !*secret_key) {
		err_set(e, 500, "missing_setting",
			"previews need PLATFORM_SECRET_KEY (their env is sealed like a project's)");
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		buf_reset(&sealed);
		buf_reset(&b64);
		if (crypto_seal(secret_key, PURPOSE_PROJECT_ENV, values[i], strlen(values[i]),
				&sealed) < 0) {
			err_set(e, 500, "internal_error", "cannot seal the preview's env");
			goto out;
		}
		crypto_base64(sealed.buf, sealed.len, &b64);
		json_object_object_add(o, names[i], json_object_new_string(b64.buf));
	}
	buf_addstr(out, ju_text(o));
	ret = 0;
out:
	json_object_put(o);
	buf_release(&sealed);
	buf_release(&b64);
	return ret;
}

/* The active preview of the pull request for project row `i` of `projects`, made or brought up
 * to date with the head: its id into `id`. 0, 1 when its name is taken (the reason in `out`,
 * nothing written), -1 error. */
static int upsert(struct db *db, const PGresult *projects, int i, const struct webhook_pr *pr,
		  struct buf *id, struct delivery_result *out, struct err *e)
{
	char num[24];
	struct buf name = BUF_INIT;
	const char *p[9];
	PGresult *res = NULL;
	int ret = -1;

	snprintf(num, sizeof(num), "%ld", pr->number);
	p[0] = db_value(projects, i, 0);
	p[1] = num;
	p[2] = pr->title;
	p[3] = pr->head_sha;
	p[4] = pr->head_ref;
	p[5] = pr->head_repo;
	p[6] = pr->fork ? "true" : "false";
	res =
	    db_query(db,
		     "UPDATE previews SET title = $3, head_sha = $4, head_ref = $5, head_repo = $6,"
		     " fork = $7::bool, updated_at = now() WHERE project_id = $1"
		     " AND number = $2::int AND state = 'active' RETURNING id",
		     7, p, e);
	if (!res)
		goto out;
	if (PQntuples(res) == 0) {
		PQclear(res);
		res = NULL;
		if (naming_preview_name(&name, db_value(projects, i, 1), pr->number, e) < 0)
			goto out;
		p[7] = name.buf;
		p[8] = db_value(projects, i, 2);
		res =
		    db_query(db,
			     "INSERT INTO previews (project_id, number, title, head_sha, head_ref,"
			     " head_repo, fork, name, user_id) SELECT $1, $2::int, $3, $4, $5, $6,"
			     " $7::bool, $8, $9 WHERE NOT EXISTS (SELECT 1 FROM previews o WHERE"
			     " o.user_id = $9 AND o.name = $8 AND o.state = 'active') RETURNING id",
			     9, p, e);
		if (!res)
			goto out;
		if (PQntuples(res) == 0) {
			pr_ignored(out, "the preview name %s is taken by another open preview",
				   name.buf);
			ret = 1;
			goto out;
		}
	}
	buf_addstr(id, db_value(res, 0, 0));
	ret = 0;
out:
	PQclear(res);
	buf_release(&name);
	return ret;
}

/* PLATFORM_PREVIEW_MAX: the oldest other previews of the project go first. */
static int enforce_limit(struct db *db, const char *project_id, const char *keep, int max,
			 struct err *e)
{
	char lim[16];
	const char *p[3] = {project_id, keep, lim};
	PGresult *res;
	int ret = -1;

	if (max <= 0)
		return 0;
	snprintf(lim, sizeof(lim), "%d", max);
	res = db_query(db,
		       "SELECT id FROM previews WHERE project_id = $1 AND state = 'active'"
		       " AND id <> $2 ORDER BY created_at DESC, number DESC OFFSET $3::int - 1"
		       " FOR UPDATE",
		       3, p, e);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		if (preview_remove(db, db_value(res, i, 0), PREVIEW_LIMIT, NULL, e) < 0)
			goto out;
	}
	ret = 0;
out:
	PQclear(res);
	return ret;
}

/* Deploy the head as the preview of project row `i`; *queued 1 when a deployment was queued
 * now or before (its id is in out->deployments), 0 when the name was taken. */
static int deploy_one(struct db *db, const struct delivery_event *ev, const PGresult *projects,
		      int i, const struct webhook_pr *pr, struct delivery_result *out, int *queued,
		      struct err *e)
{
	struct deploy_new dn = {0};
	struct buf id = BUF_INIT, env = BUF_INIT, key = BUF_INIT, ref = BUF_INIT;
	struct json_object *dep = NULL, *idv;
	int created = 0, rc, ret = -1;

	*queued = 0;
	rc = upsert(db, projects, i, pr, &id, out, e);
	if (rc != 0) {
		ret = rc < 0 ? -1 : 0;
		goto out;
	}
	if (enforce_limit(db, db_value(projects, i, 0), id.buf, ev->policy->preview_max, e) < 0 ||
	    preview_env(ev->policy->secret_key, pr->number, &env, e) < 0)
		goto out;
	/* GitHub keeps every pull request's head at refs/pull/<n>/head of the base repository,
	 * forks' included: the build fetches it from there */
	buf_addf(&ref, "refs/pull/%ld/head", pr->number);
	buf_addf(&key, "preview:%s:%s", id.buf, pr->head_sha);
	dn.project_id = db_value(projects, i, 0);
	dn.trigger = "webhook";
	dn.branch = ref.buf;
	dn.commit = pr->head_sha;
	dn.idempotency_key = key.buf;
	dn.supersede = 1; /* an older head of the same pull request is never wanted */
	dn.commit_message = pr->title[0] ? pr->title : NULL;
	dn.commit_author = pr->sender[0] ? pr->sender : NULL;
	dn.preview_id = id.buf;
	dn.preview_env = env.buf;
	dn.preview_without_project_env = pr->fork;
	if (deploy_create(db, &dn, &dep, &created, e) < 0)
		goto out;
	if (json_object_object_get_ex(dep, "id", &idv))
		json_object_array_add(out->deployments, json_object_get(idv));
	*queued = 1;
	ret = 0;
out:
	json_object_put(dep);
	buf_release(&id);
	buf_release(&env);
	buf_release(&key);
	buf_release(&ref);
	return ret;
}

static int on_deploy(struct db *db, const struct delivery_event *ev, const PGresult *projects,
		     const struct webhook_pr *pr, struct delivery_result *out, struct err *e)
{
	int queued = 0, forks = 0, taken = 0;

	for (int i = 0; i < PQntuples(projects); i++) {
		int q = 0;

		if (*db_value(projects, i, 3) != 't')
			continue; /* previews off: only its open previews are closed */
		if (pr->fork && *db_value(projects, i, 4) != 't') {
			forks++;
			continue;
		}
		if (deploy_one(db, ev, projects, i, pr, out, &q, e) < 0)
			return -1;
		queued += q;
		taken += !q;
	}
	if (queued) {
		out->state = "processed";
		out->outcome = "queued";
		snprintf(out->reason, sizeof(out->reason),
			 "queued the preview of pull request #%ld (%.12s) for %d project(s)",
			 pr->number, pr->head_sha, queued);
	} else if (forks) {
		pr_ignored(
		    out,
		    "pull request #%ld comes from a fork (%.140s); previews of forks are off "
		    "(preview_forks)",
		    pr->number, pr->head_repo[0] ? pr->head_repo : "a deleted repository");
	} else if (!taken) {
		pr_ignored(out, "no project has previews on for %.100s@%.100s", ev->repo_key,
			   pr->base_ref);
	}
	return 0;
}

static int on_closed(struct db *db, const PGresult *projects, const struct webhook_pr *pr,
		     struct delivery_result *out, struct err *e)
{
	char num[24];
	int removed = 0;

	snprintf(num, sizeof(num), "%ld", pr->number);
	for (int i = 0; i < PQntuples(projects); i++) {
		const char *p[2] = {db_value(projects, i, 0), num};
		PGresult *res = db_query(db,
					 "SELECT id FROM previews WHERE project_id = $1"
					 " AND number = $2::int AND state = 'active' FOR UPDATE",
					 2, p, e);
		int rc = 0;

		if (!res)
			return -1;
		if (PQntuples(res) == 1)
			rc = preview_remove(db, db_value(res, 0, 0),
					    pr->merged ? PREVIEW_MERGED : PREVIEW_CLOSED, NULL, e);
		PQclear(res);
		if (rc < 0)
			return -1;
		removed += rc;
	}
	if (!removed) {
		pr_ignored(out, "pull request #%ld has no preview to remove", pr->number);
		return 0;
	}
	out->state = "processed";
	out->outcome = "removed";
	snprintf(out->reason, sizeof(out->reason), "removed the preview of pull request #%ld (%s)",
		 pr->number, pr->merged ? "merged" : "closed");
	return 0;
}

int preview_on_pull_request(struct db *db, const struct delivery_event *ev,
			    struct delivery_result *out, struct err *e)
{
	/* The same trust as a push (delivery.c on_push): a repository check passed by someone
	 * who still works in the project's workspace. */
	static struct db_stmt st =
	    DB_STMT("preview_projects",
		    "SELECT p.id, p.name, p.user_id, p.previews, p.preview_forks FROM projects p"
		    " WHERE p.repo_key = $1 AND p.branch = $2 AND p.deleted_at IS NULL"
		    " AND p.repo_verified_at IS NOT NULL AND EXISTS (SELECT 1 FROM members m"
		    " WHERE m.workspace_id = p.workspace_id AND m.user_id = p.repo_verified_by"
		    " AND m.role IN ('owner', 'admin', 'developer')) ORDER BY p.id",
		    2);
	struct webhook_pr pr;
	const char *p[2];
	PGresult *projects;
	int ret;

	webhook_pr_parse(ev->payload, &pr);
	snprintf(out->branch, sizeof(out->branch), "%s", pr.base_ref);
	snprintf(out->commit, sizeof(out->commit), "%s", pr.head_sha);
	if (pr.action == WEBHOOK_PR_INVALID || !ev->repo_key) {
		pr_ignored(out,
			   "the pull_request payload names no number, head, base or repository");
		return 0;
	}
	if (pr.action == WEBHOOK_PR_OTHER) {
		pr_ignored(out, "pull_request %.32s changes no preview", pr.action_name);
		return 0;
	}
	p[0] = ev->repo_key;
	p[1] = pr.base_ref;
	if (!(projects = db_prepared(db, &st, p, e)))
		return -1;
	ret = pr.action == WEBHOOK_PR_CLOSED ? on_closed(db, projects, &pr, out, e)
					     : on_deploy(db, ev, projects, &pr, out, e);
	PQclear(projects);
	return ret;
}

/* ---------------------------------------------------------------- reading */

PGresult *preview_list(struct db *db, const char *project_id, struct err *e)
{
	static struct db_stmt st = DB_STMT(
	    "preview_list",
	    "SELECT v.id, v.number, v.title, v.head_sha, v.head_ref, v.fork, v.state, v.name,"
	    " v.user_id, rfc3339(v.created_at), rfc3339(v.updated_at), l.id, l.seq, l.state,"
	    " l.commit_sha, rfc3339(l.created_at),"
	    " (SELECT s.id FROM deployments s WHERE s.preview_id = v.id"
	    "  AND s.state IN ('live', 'released') ORDER BY s.seq DESC LIMIT 1)"
	    " FROM previews v LEFT JOIN LATERAL (SELECT d.id, d.seq, d.state, d.commit_sha,"
	    " d.created_at FROM deployments d WHERE d.preview_id = v.id ORDER BY d.seq DESC"
	    " LIMIT 1) l ON true WHERE v.project_id = $1 AND v.state = 'active'"
	    " ORDER BY v.number DESC",
	    1);
	const char *p[1] = {project_id};

	return db_prepared(db, &st, p, e);
}

/* h_deployments.c: deploy a project, read deployments and their history, cancel one */
#include "handlers.h"

#include "access.h"
#include "deploy.h"
#include "jsonutil.h"

#include <stdlib.h>
#include <string.h>

/* ?limit= (1..100, default 50) and ?cursor= (a next_cursor: a seq number); 400 otherwise. */
static int page_params(struct req *r, long *limit, struct buf *cursor)
{
	struct buf v = BUF_INIT;
	char *end;
	int ret = -1, qrc;

	*limit = 50;
	if ((qrc = req_query_value(r, "limit", &v))) {
		*limit = strtol(v.buf, &end, 10);
		if (qrc < 0 || *end || *limit < 1 || *limit > 100) {
			req_fail(r, 400, "invalid_limit",
				 "limit must be a whole number from 1 to 100");
			goto out;
		}
	}
	if ((qrc = req_query_value(r, "cursor", cursor))) {
		size_t n = strspn(cursor->buf, "0123456789");

		if (qrc < 0 || n != cursor->len || n > 9) {
			req_fail(r, 400, "invalid_cursor",
				 "cursor is not one this endpoint gave out");
			goto out;
		}
	}
	ret = 0;
out:
	buf_release(&v);
	return ret;
}

/* POST /api/projects/{id}/deploy {branch?, commit?, rollback_of?}: 202 with the deployment. */
void h_deploy_create(struct req *r)
{
	static const char *const keys[] = {"branch", "commit", "rollback_of", NULL};
	struct user_ref u;
	struct project_ref p;
	struct err e = ERR_INIT;
	struct json_object *body = NULL, *out = NULL;
	struct deploy_new n;
	int created;

	if (access_user(r, &u) < 0 || access_project(r, &u, r->params[0], ROLE_DEVELOPER, &p) < 0)
		return;
	memset(&n, 0, sizeof(n));
	body = req_json_body(r, &e);
	if (!body || ju_only_keys(body, keys, &e) < 0 ||
	    ju_string(body, "branch", JU_NULLABLE, 255, &n.branch, &e) < 0 ||
	    ju_string(body, "commit", JU_NULLABLE, 64, &n.commit, &e) < 0 ||
	    ju_string(body, "rollback_of", JU_NULLABLE, 36, &n.rollback_of, &e) < 0)
		goto fail;
	n.project_id = p.id;
	n.triggered_by = u.id;
	/* A script with a token is "api"; a person in the browser (cookie) is "manual". */
	n.trigger = n.rollback_of ? "rollback" : req_header(r, "Authorization") ? "api" : "manual";
	n.idempotency_key = req_header(r, "Idempotency-Key");
	n.supersede = r->app->cfg.deploy_supersede != 0;
	if (deploy_create(&r->app->db, &n, &out, &created, &e) < 0)
		goto fail;
	if (!created)
		req_add_header(r, "Idempotent-Replayed", "true");
	req_json(r, 202, out);
	json_object_put(out);
	json_object_put(body);
	return;
fail:
	json_object_put(body);
	req_error(r, &e);
}

/* Load a deployment and check the caller may see (or, with `min`, act on) its project. */
static struct json_object *reachable(struct req *r, const struct user_ref *u, enum role min)
{
	struct err e = ERR_INIT;
	struct json_object *d = NULL;
	struct buf project = BUF_INIT;
	struct project_ref p;

	if (deploy_get(&r->app->db, r->params[0], &d, &project, &e) < 0) {
		req_error(r, &e);
		buf_release(&project);
		return NULL;
	}
	if (access_project(r, u, project.buf, min, &p) < 0) {
		json_object_put(d);
		d = NULL;
	}
	buf_release(&project);
	return d;
}

/* GET /api/deployments/{id} */
void h_deployment_get(struct req *r)
{
	struct user_ref u;
	struct json_object *d;

	if (access_user(r, &u) < 0 || !(d = reachable(r, &u, ROLE_VIEWER)))
		return;
	req_json(r, 200, d);
	json_object_put(d);
}

/* GET /api/projects/{id}/deployments?limit=&cursor= : newest first */
void h_project_deployments(struct req *r)
{
	struct user_ref u;
	struct project_ref p;
	struct buf cursor = BUF_INIT;
	struct err e = ERR_INIT;
	struct json_object *out = NULL;
	long limit;
	int rc;

	if (access_user(r, &u) < 0 || access_project(r, &u, r->params[0], ROLE_VIEWER, &p) < 0 ||
	    page_params(r, &limit, &cursor) < 0) {
		buf_release(&cursor);
		return;
	}
	rc = deploy_list(&r->app->db, p.id, limit, cursor.len ? cursor.buf : NULL, &out, &e);
	buf_release(&cursor);
	if (rc < 0) {
		req_error(r, &e);
		return;
	}
	req_json(r, 200, out);
	json_object_put(out);
}

/* POST /api/deployments/{id}/cancel: 200 when cancelled at once, 202 while Jenkins
 * is being told (the deployment shows cancel_requested_at until it ends). */
void h_deployment_cancel(struct req *r)
{
	struct user_ref u;
	struct err e = ERR_INIT;
	struct json_object *d, *out = NULL, *st;

	if (access_user(r, &u) < 0 || !(d = reachable(r, &u, ROLE_DEVELOPER)))
		return;
	json_object_put(d);
	if (deploy_cancel(&r->app->db, r->params[0], u.id, &out, &e) < 0) {
		req_error(r, &e);
		return;
	}
	req_json(r,
		 json_object_object_get_ex(out, "state", &st) &&
			 !strcmp(json_object_get_string(st), "cancelled")
		     ? 200
		     : 202,
		 out);
	json_object_put(out);
}

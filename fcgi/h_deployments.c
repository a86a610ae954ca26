/* h_deployments.c: deploy a project, read deployments and their history, cancel one */
#include "handlers.h"

#include "access.h"
#include "deploy.h"
#include "jsonutil.h"
#include "list.h"

#include <stdlib.h>
#include <string.h>

/* POST /api/projects/{id}/deploy {branch?, commit?, rollback_of?}: 202 with the deployment. */
void h_deploy_create(struct req *r)
{
	static const char *const keys[] = {"branch", "commit", "rollback_of", NULL};
	struct err e = ERR_INIT;
	struct json_object *body = NULL, *out = NULL;
	struct deploy_new n;
	int created;

	memset(&n, 0, sizeof(n));
	body = req_json_body(r, &e);
	if (!body || ju_only_keys(body, keys, &e) < 0 ||
	    ju_string(body, "branch", JU_NULLABLE, 255, &n.branch, &e) < 0 ||
	    ju_string(body, "commit", JU_NULLABLE, 64, &n.commit, &e) < 0 ||
	    ju_string(body, "rollback_of", JU_NULLABLE, 36, &n.rollback_of, &e) < 0)
		goto fail;
	n.project_id = r->project.id;
	n.triggered_by = r->user.id;
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

/* GET /api/deployments/{id} (the router checked the caller may see its project) */
void h_deployment_get(struct req *r)
{
	struct err e = ERR_INIT;
	struct json_object *d = NULL;

	if (deploy_get(&r->app->db, r->params[0], &d, NULL, &e) < 0) {
		req_error(r, &e);
		return;
	}
	req_json(r, 200, d);
	json_object_put(d);
}

/* GET /api/projects/{id}/deployments?limit=&cursor= : newest first */
void h_project_deployments(struct req *r)
{
	struct list_page pg;
	struct err e = ERR_INIT;
	struct json_object *out = NULL;

	if (list_parse(r, &pg, LIST_CURSOR_SEQ) < 0)
		return;
	if (deploy_list(&r->app->db, r->project.id, pg.limit, pg.cursor[0] ? pg.cursor : NULL, &out,
			&e) < 0) {
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
	struct err e = ERR_INIT;
	struct json_object *out = NULL, *st;

	if (deploy_cancel(&r->app->db, r->params[0], r->user.id, &out, &e) < 0) {
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

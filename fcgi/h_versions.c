/* h_versions.c: a project's releasable versions and rollback to one of them */
#include "handlers.h"

#include "access.h"
#include "deploy.h"
#include "jsonutil.h"
#include "naming.h"
#include "list.h"
#include "mproj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A version is a deployment that got as far as a GitOps release with an image. Failed,
 * cancelled and never-released deployments are not versions. */

static struct json_object *version_json(struct req *r, const PGresult *res, int i)
{
	struct json_object *o = json_object_new_object(), *by = NULL;

	ju_add_str(o, "deployment_id", db_value(res, i, 0));
	json_object_object_add(o, "seq", json_object_new_int(atoi(PQgetvalue(res, i, 1))));
	ju_add_str(o, "state", db_value(res, i, 2));
	ju_add_str(o, "trigger", db_value(res, i, 3));
	ju_add_str(o, "image", db_value(res, i, 4));
	ju_add_str(o, "tag", db_value(res, i, 5));
	ju_add_str(o, "digest", db_value(res, i, 6));
	ju_add_str(o, "commit", db_value(res, i, 7));
	ju_add_str(o, "gitops_commit", db_value(res, i, 8));
	ju_add_str(o, "created_at", db_value(res, i, 9));
	ju_add_str(o, "released_at", db_value(res, i, 10));
	ju_add_str(o, "live_at", db_value(res, i, 11));
	if (db_value(res, i, 12)) {
		by = json_object_new_object();
		ju_add_str(by, "id", db_value(res, i, 12));
		ju_add_str(by, "login", db_value(res, i, 13));
	}
	json_object_object_add(o, "triggered_by", by);
	json_object_object_add(o, "current",
			       json_object_new_boolean(*PQgetvalue(res, i, 14) == 't'));
	/* what this version ran with (its snapshot): env by name only, never a value */
	{
		struct json_object *set = json_tokener_parse(PQgetvalue(res, i, 15));
		struct json_object *names = json_tokener_parse(PQgetvalue(res, i, 16));

		if (!json_object_is_type(set, json_type_object)) {
			json_object_put(set);
			set = json_object_new_object();
		}
		json_object_object_add(set, "env", names ? names : json_object_new_array());
		/* snapshots from before migration 0016 had fixed replicas */
		if (!json_object_object_get_ex(set, "autoscaling", NULL))
			json_object_object_add(set, "autoscaling", NULL);
		json_object_object_add(o, "settings", set);
	}
	return o;
}

void h_project_versions(struct req *r)
{
	struct list_page pg;
	struct err e = ERR_INIT;
	char lim[16];
	PGresult *res;

	if (list_parse(r, &pg, LIST_CURSOR_SEQ) < 0)
		return;
	{
		const char *params[] = {r->project.id, pg.cursor[0] ? pg.cursor : NULL,
					list_fetch(&pg, lim, sizeof(lim))};

		res = deploy_versions_page(&r->app->db, params, &e);
	}
	list_answer_rows(r, res, &e, &pg, version_json, 1);
}

/* The deployment to roll back to: by id, or the newest version with `tag`. */
static int find_target(struct req *r, const char *project_id, const char *deployment_id,
		       const char *tag, char *out, size_t n, struct err *e)
{
	const char *params[] = {project_id, deployment_id ? deployment_id : tag};
	PGresult *res;

	if (deployment_id && !naming_is_uuid(deployment_id))
		return err_field(e, 404, "version_not_found", "deployment_id",
				 "no deployment of this project has that id");
	res = deployment_id ? deploy_version_by_id(&r->app->db, params, e)
			    : deploy_version_by_tag(&r->app->db, params, e);
	if (!res)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return deployment_id
			   ? err_field(e, 404, "version_not_found", "deployment_id",
				       "no deployment of this project has that id")
			   : err_field(e, 404, "version_not_found", "tag",
				       "no released version of this project has that image tag");
	}
	if (*PQgetvalue(res, 0, 1) != 't') {
		err_field(e, 409, "not_a_version", "deployment_id",
			  "that deployment (%s) never released an image, so there is nothing to "
			  "roll back to",
			  PQgetvalue(res, 0, 2));
		PQclear(res);
		return -1;
	}
	snprintf(out, n, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

void h_project_rollback(struct req *r)
{
	static const char *const keys[] = {"deployment_id", "tag", NULL};
	struct err e = ERR_INIT;
	struct json_object *body = NULL, *dep = NULL, *details = NULL;
	const char *dep_id = NULL, *tag = NULL;
	struct deploy_new dn = {0};
	struct deploy_audit audit;
	char target[40];
	int created = 0;

	body = req_json_body(r, &e);
	if (!body || ju_only_keys(body, keys, &e) < 0 ||
	    ju_string(body, "deployment_id", 0, 64, &dep_id, &e) < 0 ||
	    ju_string(body, "tag", 0, 128, &tag, &e) < 0)
		goto fail;
	if (!dep_id == !tag) {
		err_field(&e, 422, "missing_field", dep_id ? "tag" : "deployment_id",
			  "give either deployment_id or tag, the version to roll back to");
		goto fail;
	}
	if (find_target(r, r->project.id, dep_id, tag, target, sizeof(target), &e) < 0)
		goto fail;
	dn.project_id = r->project.id;
	dn.trigger = "rollback";
	dn.triggered_by = r->user.id;
	dn.rollback_of = target;
	dn.idempotency_key = req_header(r, "Idempotency-Key");
	dn.supersede = r->app->cfg.deploy_supersede != 0;
	/* A person chose an older version: a push must not replace it behind their back
	 * until someone resumes auto-deploy (PATCH auto_deploy: true). Paused and audited in
	 * the deployment's transaction. */
	details = json_object_new_object();
	ju_add_str(details, "rollback_of", target);
	audit = (struct deploy_audit){r->project.workspace_id, r->user.id, "project.rollback",
				      details, r->request_id};
	dn.pause_auto_deploy = 1;
	dn.audit = &audit;
	if (deploy_create(&r->app->db, &dn, &dep, &created, &e) < 0)
		goto fail;
	req_json(r, created ? 202 : 200, dep);
	goto out;
fail:
	req_error(r, &e);
out:
	json_object_put(details);
	json_object_put(dep);
	json_object_put(body);
}

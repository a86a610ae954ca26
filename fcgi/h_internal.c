/* h_internal.c: endpoints for the platform's own machinery: the Jenkins pipeline's events */
#include "handlers.h"

#include "deploy.h"
#include "gitops.h"
#include "jsonutil.h"
#include "log.h"
#include "snapshot.h"

#include <string.h>
#include <strings.h>

/* A reported GitOps commit must be a release of the app in the platform's GitOps repository
 * (lib/clients/gitops reads it; a remote is fetched into the cache first). */
static int commit_in_gitops(void *arg, const char *workspace, const char *user, const char *project,
			    const char *commit, struct err *e)
{
	const struct config *cfg = arg;
	struct gitops_opts o = {0};
	struct gitops_app app = {workspace, user, project};

	o.url = cfg->gitops_url;
	o.branch = cfg->gitops_branch;
	o.cache_dir = cfg->gitops_cache;
	o.ssh_key = cfg->gitops_ssh_key;
	o.ssh_passphrase = cfg->gitops_ssh_passphrase;
	return gitops_commit_touches(&o, &app, commit, e);
}

/* POST /internal/jenkins/events, Authorization: Bearer <CALLBACK_TOKEN>
 * {"deployment_id", "event": stage|pushed|released|result, ...}: the pipeline reports a
 * stage or its result. The token is the per-deployment one handed to the build; it is
 * checked against the stored hash in constant time (lib/model/deploy). */
void h_jenkins_event(struct req *r)
{
	struct err e = ERR_INIT;
	struct json_object *body;
	const char *auth = req_header(r, "Authorization"), *token = NULL, *id = NULL;
	struct deploy_event_checks chk = {0};

	if (auth && !strncasecmp(auth, "Bearer ", 7))
		token = auth + 7;
	if (!token || !*token) {
		req_add_header(r, "WWW-Authenticate", "Bearer");
		req_fail(r, 401, "invalid_callback_token", "the callback token is missing");
		return;
	}
	/* Without a GitOps repository configured, commits cannot be checked (README). */
	chk.image_prefix = r->app->cfg.image_prefix;
	if (r->app->cfg.gitops_url && *r->app->cfg.gitops_url) {
		chk.commit_ok = commit_in_gitops;
		chk.arg = &r->app->cfg;
	}
	body = req_json_body(r, &e);
	if (!body || ju_string(body, "deployment_id", JU_REQUIRED, 36, &id, &e) < 0 ||
	    deploy_event(&r->app->db, id, token, body, &chk, &e) < 0) {
		if (e.status == 401 || e.status == 409 || e.status == 422)
			log_warn("pipeline event refused", "deployment_id", id ? id : "", "code",
				 e.code, NULL);
		json_object_put(body);
		req_error(r, &e);
		return;
	}
	{
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "status", json_object_new_string("applied"));
		req_json(r, 200, o);
		json_object_put(o);
	}
	json_object_put(body);
}

/* GET /internal/deployments/{id}/release, Authorization: Bearer <CALLBACK_TOKEN>: what the
 * deployment releases, as recorded when it was created (lib/model/snapshot): the pipeline's
 * `platformctl gitops release --deployment ID` writes exactly this. Env values in it are
 * sealed for the cluster; the pipeline never sees one in clear. */
void h_deployment_release(struct req *r)
{
	struct err e = ERR_INIT;
	struct snapshot_release rel;
	const char *auth = req_header(r, "Authorization"), *token = NULL, *id = r->params[0];

	memset(&rel, 0, sizeof(rel));
	if (auth && !strncasecmp(auth, "Bearer ", 7))
		token = auth + 7;
	if (!token || !*token) {
		req_add_header(r, "WWW-Authenticate", "Bearer");
		req_fail(r, 401, "invalid_callback_token", "the callback token is missing");
		return;
	}
	if (snapshot_check_token(&r->app->db, id, token, &e) < 0 ||
	    snapshot_release_load(&rel, &r->app->db, &r->app->cfg, id, &e) < 0) {
		if (e.status == 401 || e.status == 409)
			log_warn("release description refused", "deployment_id", id, "code", e.code,
				 NULL);
		else if (e.status >= 500)
			log_warn("release description failed", "deployment_id", id, "reason", e.msg,
				 NULL);
		snapshot_release_clear(&rel);
		req_error(r, &e);
		return;
	}
	req_json(r, 200, rel.doc);
	snapshot_release_clear(&rel);
}

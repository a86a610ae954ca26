/* handlers.h: the request handlers, one file per resource (fcgi/h_<resource>.c) */
#ifndef PLATFORM_HANDLERS_H
#define PLATFORM_HANDLERS_H

#include "req.h"

/* h_health.c */
void h_healthz(struct req *r);
void h_readyz(struct req *r);
void h_openapi(struct req *r);

/* h_auth.c */
void h_auth_session(struct req *r);
void h_auth_github_login(struct req *r);
void h_auth_github_callback(struct req *r);
void h_auth_logout(struct req *r);
void h_auth_local(struct req *r);
void h_me(struct req *r);
void h_github_repos(struct req *r);
/* The stored GitHub token of `user_id`, decrypted into out (wipe it after use). */
int user_github_token(struct req *r, const char *user_id, struct buf *out, struct err *e);

/* h_workspaces.c */
void h_workspaces_list(struct req *r);
void h_workspaces_create(struct req *r);
void h_workspace_get(struct req *r);
void h_workspace_update(struct req *r);
void h_workspace_delete(struct req *r);
void h_members_list(struct req *r);
void h_members_add(struct req *r);
void h_members_update(struct req *r);
void h_members_remove(struct req *r);
void h_audit_list(struct req *r);

/* h_projects.c */
void h_projects_create(struct req *r);
void h_projects_list(struct req *r);
void h_project_get(struct req *r);
void h_project_update(struct req *r);
void h_project_delete(struct req *r);

/* h_deployments.c */
void h_deploy_create(struct req *r);
void h_deployment_get(struct req *r);
void h_project_deployments(struct req *r);
void h_deployment_cancel(struct req *r);

/* h_internal.c */
void h_jenkins_event(struct req *r);
void h_deployment_release(struct req *r);

/* h_versions.c */
void h_project_versions(struct req *r);
void h_project_rollback(struct req *r);

/* h_logs.c */
void h_logs_token(struct req *r);
void h_events_token(struct req *r);
void h_runtime_token(struct req *r);
void h_runtime_logs(struct req *r);
void h_previews_list(struct req *r);
void h_preview_delete(struct req *r);
void h_nchan_auth(struct req *r);
void h_deployment_logs(struct req *r);

/* h_hooks.c */
#define WEBHOOK_MAX_BODY (25u * 1024 * 1024) /* GitHub's own cap on a delivery */
void h_hooks_github(struct req *r);
void h_project_deliveries(struct req *r);
/* Check with `user_id`'s own GitHub token that the user can read the repository (lower
 * "owner/repo"), and administer it when auto-deploy needs a hook it has not got yet:
 * 404 repo_not_found, 403 repo_admin_required, 422 repo_moved. Nothing is written. */
int hooks_verify_repo(struct req *r, const char *user_id, const char *repo_key, int auto_deploy,
		      struct err *e);
/* Make sure the repository (lower "owner/repo") has our hook for push and pull_request,
 * registering it on GitHub with `user_id`'s token when it has none or one of push only (made
 * before previews). */
int hooks_enable(struct req *r, const char *user_id, const char *repo_key, struct err *e);
/* Remove the repository's hook when no live project on it auto-deploys any more. */
void hooks_disable_if_unused(struct req *r, const char *user_id, const char *repo_key);

#endif

/* routes.c: the route table of platform-api
 *
 * One line per route: method, pattern, handler, and what the route needs. The router
 * (router.h) gets what the flags ask for before the handler runs, so a handler starts
 * with its work, not with checks:
 *
 *   ROUTE_PUBLIC | ROUTE_DB            no sign-in; the handler checks what it needs (a
 *                                      webhook signature, a stream token, a callback token)
 *   ROUTE_USER                         signed in: r->user (401 without a session; a
 *                                      cookie request that changes something follows the
 *                                      CSRF rule of access_csrf_check, 403 csrf_rejected)
 *   ROUTE_WORKSPACE | ROLE_ADMIN       params[0] is a workspace the user is a member of,
 *                                      with at least that role: r->role
 *   ROUTE_PROJECT | ROLE_DEVELOPER     params[0] is a live project of such a workspace:
 *                                      r->project (id, workspace, owner, name), r->role
 *   ROUTE_DEPLOYMENT | ROLE_VIEWER     params[0] is a deployment of such a project:
 *                                      r->project is its project, r->role
 *   | ROUTE_CACHE                      (GET) the answer may come from rcache; a hit skips
 *                                      the checks and the handler, so keep it for reads
 *                                      whose answer depends on the session alone
 *
 * An id that is unknown, malformed (a project or deployment id that is not a UUID) or of
 * a workspace the caller is not in answers 404 not_found, a role too low 403 forbidden,
 * both before the handler. To add a route: a line here, the handler in h_<resource>.c
 * (handlers.h) reading r->user / r->project / r->role, the path in api/openapi.yaml and
 * the README's API table. A handler written the older way (access_user() and
 * access_project() at its top) converts by giving its route the flags above and deleting
 * those calls: `u.id` becomes `r->user.id`, `p.id` becomes `r->project.id`.
 */
#include "h_notify.h"
#include "handlers.h"
#include "router.h"

/* one route per line reads best as a table: keep clang-format out of it */
/* clang-format off */
#define ROUTE(m, p, h, f) {.method = m, .pattern = p, .handler = h, .flags = f}
/* a route whose body limit is its own, not PLATFORM_MAX_BODY */
#define ROUTE_BODY(m, p, h, f, max) {.method = m, .pattern = p, .handler = h, .flags = f, .max_body = max}

const struct route routes[] = {
	ROUTE("GET", "/api/healthz", h_healthz, ROUTE_PUBLIC),
	ROUTE("GET", "/api/readyz", h_readyz, ROUTE_PUBLIC),
	ROUTE("GET", "/api/openapi.yaml", h_openapi, ROUTE_PUBLIC),

	ROUTE("POST", "/api/auth/session", h_auth_session, ROUTE_PUBLIC | ROUTE_DB),
	ROUTE("GET", "/api/auth/github/login", h_auth_github_login, ROUTE_PUBLIC | ROUTE_DB),
	ROUTE("POST", "/api/auth/github/callback", h_auth_github_callback, ROUTE_PUBLIC | ROUTE_DB),
	ROUTE("POST", "/api/auth/logout", h_auth_logout, ROUTE_PUBLIC | ROUTE_DB),
	ROUTE("POST", "/api/auth/local", h_auth_local, ROUTE_PUBLIC | ROUTE_DB),
	ROUTE("GET", "/api/me", h_me, ROUTE_USER),
	ROUTE("GET", "/api/github/repos", h_github_repos, ROUTE_USER),

	ROUTE("GET", "/api/workspaces", h_workspaces_list, ROUTE_USER),
	ROUTE("POST", "/api/workspaces", h_workspaces_create, ROUTE_USER),
	ROUTE("GET", "/api/workspaces/{ws}", h_workspace_get, ROUTE_WORKSPACE | ROLE_VIEWER),
	ROUTE("PATCH", "/api/workspaces/{ws}", h_workspace_update, ROUTE_WORKSPACE | ROLE_ADMIN),
	ROUTE("DELETE", "/api/workspaces/{ws}", h_workspace_delete, ROUTE_WORKSPACE | ROLE_OWNER),
	ROUTE("GET", "/api/workspaces/{ws}/members", h_members_list, ROUTE_WORKSPACE | ROLE_VIEWER),
	ROUTE("POST", "/api/workspaces/{ws}/members", h_members_add, ROUTE_WORKSPACE | ROLE_ADMIN),
	ROUTE("PATCH", "/api/workspaces/{ws}/members/{login}", h_members_update, ROUTE_WORKSPACE | ROLE_ADMIN),
	/* any member may leave; removing someone else needs admin (the handler) */
	ROUTE("DELETE", "/api/workspaces/{ws}/members/{login}", h_members_remove, ROUTE_WORKSPACE | ROLE_VIEWER),
	ROUTE("GET", "/api/workspaces/{ws}/audit", h_audit_list, ROUTE_WORKSPACE | ROLE_ADMIN),
	ROUTE("GET", "/api/workspaces/{ws}/projects", h_projects_list, ROUTE_WORKSPACE | ROLE_VIEWER | ROUTE_CACHE),
	ROUTE("POST", "/api/workspaces/{ws}/projects", h_projects_create, ROUTE_WORKSPACE | ROLE_ADMIN),
	ROUTE("GET", "/api/workspaces/{ws}/notifications", h_notifications_list, ROUTE_WORKSPACE | ROLE_VIEWER),
	ROUTE("POST", "/api/workspaces/{ws}/notifications", h_notifications_create, ROUTE_WORKSPACE | ROLE_ADMIN),
	ROUTE("DELETE", "/api/workspaces/{ws}/notifications/{id}", h_notification_delete, ROUTE_WORKSPACE | ROLE_ADMIN),
	ROUTE("POST", "/api/workspaces/{ws}/notifications/{id}/test", h_notification_test, ROUTE_WORKSPACE | ROLE_ADMIN),
	ROUTE("GET", "/api/workspaces/{ws}/notifications/{id}/deliveries", h_notification_deliveries, ROUTE_WORKSPACE | ROLE_VIEWER),

	ROUTE("GET", "/api/projects/{id}", h_project_get, ROUTE_PROJECT | ROLE_VIEWER | ROUTE_CACHE),
	ROUTE("PATCH", "/api/projects/{id}", h_project_update, ROUTE_PROJECT | ROLE_ADMIN),
	ROUTE("DELETE", "/api/projects/{id}", h_project_delete, ROUTE_PROJECT | ROLE_ADMIN),
	ROUTE("POST", "/api/projects/{id}/deploy", h_deploy_create, ROUTE_PROJECT | ROLE_DEVELOPER),
	ROUTE("GET", "/api/projects/{id}/deployments", h_project_deployments, ROUTE_PROJECT | ROLE_VIEWER | ROUTE_CACHE),
	ROUTE("GET", "/api/deployments/{id}", h_deployment_get, ROUTE_DEPLOYMENT | ROLE_VIEWER | ROUTE_CACHE),
	ROUTE("POST", "/api/deployments/{id}/cancel", h_deployment_cancel, ROUTE_DEPLOYMENT | ROLE_DEVELOPER),
	ROUTE("POST", "/internal/jenkins/events", h_jenkins_event, ROUTE_PUBLIC | ROUTE_DB),
	ROUTE("GET", "/internal/deployments/{id}/release", h_deployment_release, ROUTE_PUBLIC | ROUTE_DB),
	ROUTE("GET", "/api/projects/{id}/webhook/deliveries", h_project_deliveries, ROUTE_PROJECT | ROLE_VIEWER),
	ROUTE("GET", "/api/projects/{id}/versions", h_project_versions, ROUTE_PROJECT | ROLE_VIEWER),
	ROUTE("POST", "/api/projects/{id}/rollback", h_project_rollback, ROUTE_PROJECT | ROLE_DEVELOPER),
	ROUTE("GET", "/api/deployments/{id}/logs", h_deployment_logs, ROUTE_DEPLOYMENT | ROLE_VIEWER),
	ROUTE("POST", "/api/deployments/{id}/logs/token", h_logs_token, ROUTE_DEPLOYMENT | ROLE_VIEWER),
	ROUTE("POST", "/api/projects/{id}/events/token", h_events_token, ROUTE_PROJECT | ROLE_VIEWER),
	ROUTE("GET", "/api/projects/{id}/runtime/logs", h_runtime_logs, ROUTE_PROJECT | ROLE_VIEWER),
	ROUTE("POST", "/api/projects/{id}/runtime/token", h_runtime_token, ROUTE_PROJECT | ROLE_VIEWER),
	ROUTE("GET", "/api/projects/{id}/previews", h_previews_list, ROUTE_PROJECT | ROLE_VIEWER),
	ROUTE("DELETE", "/api/projects/{id}/previews/{number}", h_preview_delete, ROUTE_PROJECT | ROLE_DEVELOPER),
	ROUTE("GET", "/internal/nchan/auth", h_nchan_auth, ROUTE_PUBLIC | ROUTE_DB),
	ROUTE_BODY("POST", "/hooks/github", h_hooks_github, ROUTE_PUBLIC | ROUTE_DB, WEBHOOK_MAX_BODY),
};

/* clang-format on */

const int routes_count = (int)(sizeof(routes) / sizeof(routes[0]));

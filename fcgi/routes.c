/* routes.c: the route table of platform-api */
#include "h_notify.h"
#include "handlers.h"
#include "router.h"

/* one route per line reads best as a table: keep clang-format out of it */
/* clang-format off */
#define ROUTE(m, p, h, f) {.method = m, .pattern = p, .handler = h, .flags = f}
/* a route whose body limit is its own, not PLATFORM_MAX_BODY */
#define ROUTE_BODY(m, p, h, f, max) {.method = m, .pattern = p, .handler = h, .flags = f, .max_body = max}

const struct route routes[] = {
	ROUTE("GET", "/api/healthz", h_healthz, 0),
	ROUTE("GET", "/api/readyz", h_readyz, 0),
	ROUTE("GET", "/api/openapi.yaml", h_openapi, 0),

	ROUTE("POST", "/api/auth/session", h_auth_session, ROUTE_DB),
	ROUTE("GET", "/api/auth/github/login", h_auth_github_login, ROUTE_DB),
	ROUTE("POST", "/api/auth/github/callback", h_auth_github_callback, ROUTE_DB),
	ROUTE("POST", "/api/auth/logout", h_auth_logout, ROUTE_DB),
	ROUTE("POST", "/api/auth/local", h_auth_local, ROUTE_DB),
	ROUTE("GET", "/api/me", h_me, ROUTE_DB),
	ROUTE("GET", "/api/github/repos", h_github_repos, ROUTE_DB),

	ROUTE("GET", "/api/workspaces", h_workspaces_list, ROUTE_DB),
	ROUTE("POST", "/api/workspaces", h_workspaces_create, ROUTE_DB),
	ROUTE("GET", "/api/workspaces/{ws}", h_workspace_get, ROUTE_DB),
	ROUTE("PATCH", "/api/workspaces/{ws}", h_workspace_update, ROUTE_DB),
	ROUTE("DELETE", "/api/workspaces/{ws}", h_workspace_delete, ROUTE_DB),
	ROUTE("GET", "/api/workspaces/{ws}/members", h_members_list, ROUTE_DB),
	ROUTE("POST", "/api/workspaces/{ws}/members", h_members_add, ROUTE_DB),
	ROUTE("PATCH", "/api/workspaces/{ws}/members/{login}", h_members_update, ROUTE_DB),
	ROUTE("DELETE", "/api/workspaces/{ws}/members/{login}", h_members_remove, ROUTE_DB),
	ROUTE("GET", "/api/workspaces/{ws}/audit", h_audit_list, ROUTE_DB),
	ROUTE("GET", "/api/workspaces/{ws}/projects", h_projects_list, ROUTE_DB | ROUTE_CACHE),
	ROUTE("POST", "/api/workspaces/{ws}/projects", h_projects_create, ROUTE_DB),
	ROUTE("GET", "/api/workspaces/{ws}/notifications", h_notifications_list, ROUTE_DB),
	ROUTE("POST", "/api/workspaces/{ws}/notifications", h_notifications_create, ROUTE_DB),
	ROUTE("DELETE", "/api/workspaces/{ws}/notifications/{id}", h_notification_delete, ROUTE_DB),
	ROUTE("POST", "/api/workspaces/{ws}/notifications/{id}/test", h_notification_test, ROUTE_DB),
	ROUTE("GET", "/api/workspaces/{ws}/notifications/{id}/deliveries", h_notification_deliveries, ROUTE_DB),

	ROUTE("GET", "/api/projects/{id}", h_project_get, ROUTE_DB | ROUTE_CACHE),
	ROUTE("PATCH", "/api/projects/{id}", h_project_update, ROUTE_DB),
	ROUTE("DELETE", "/api/projects/{id}", h_project_delete, ROUTE_DB),
	ROUTE("POST", "/api/projects/{id}/deploy", h_deploy_create, ROUTE_DB),
	ROUTE("GET", "/api/projects/{id}/deployments", h_project_deployments, ROUTE_DB | ROUTE_CACHE),
	ROUTE("GET", "/api/deployments/{id}", h_deployment_get, ROUTE_DB | ROUTE_CACHE),
	ROUTE("POST", "/api/deployments/{id}/cancel", h_deployment_cancel, ROUTE_DB),
	ROUTE("POST", "/internal/jenkins/events", h_jenkins_event, ROUTE_DB),
	ROUTE("GET", "/internal/deployments/{id}/release", h_deployment_release, ROUTE_DB),
	ROUTE("GET", "/api/projects/{id}/webhook/deliveries", h_project_deliveries, ROUTE_DB),
	ROUTE("GET", "/api/projects/{id}/versions", h_project_versions, ROUTE_DB),
	ROUTE("POST", "/api/projects/{id}/rollback", h_project_rollback, ROUTE_DB),
	ROUTE("GET", "/api/deployments/{id}/logs", h_deployment_logs, ROUTE_DB),
	ROUTE("POST", "/api/deployments/{id}/logs/token", h_logs_token, ROUTE_DB),
	ROUTE("POST", "/api/projects/{id}/events/token", h_events_token, ROUTE_DB),
	ROUTE("GET", "/internal/nchan/auth", h_nchan_auth, ROUTE_DB),
	ROUTE_BODY("POST", "/hooks/github", h_hooks_github, ROUTE_DB, WEBHOOK_MAX_BODY),
};

/* clang-format on */

const int routes_count = (int)(sizeof(routes) / sizeof(routes[0]));

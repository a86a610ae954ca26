/* routes.c: the route table of platform-api */
#include "handlers.h"
#include "router.h"

#define ROUTE(m, p, h, f) {.method = m, .pattern = p, .handler = h, .flags = f}

const struct route routes[] = {
	ROUTE("GET", "/api/healthz", h_healthz, 0),
	ROUTE("GET", "/api/readyz", h_readyz, 0),
	ROUTE("POST", "/api/projects/{id}/deploy", h_deploy_create, ROUTE_DB),
	ROUTE("GET", "/api/projects/{id}/deployments", h_project_deployments, ROUTE_DB),
	ROUTE("GET", "/api/deployments/{id}", h_deployment_get, ROUTE_DB),
	ROUTE("POST", "/api/deployments/{id}/cancel", h_deployment_cancel, ROUTE_DB),
	ROUTE("POST", "/internal/jenkins/events", h_jenkins_event, ROUTE_DB),
};

const int routes_count = (int)(sizeof(routes) / sizeof(routes[0]));

/* routes.c: the route table of platform-api */
#include "handlers.h"
#include "router.h"

#define ROUTE(m, p, h, f) {.method = m, .pattern = p, .handler = h, .flags = f}

const struct route routes[] = {
	ROUTE("GET", "/api/healthz", h_healthz, 0),
	ROUTE("GET", "/api/readyz", h_readyz, 0),
};

const int routes_count = (int)(sizeof(routes) / sizeof(routes[0]));

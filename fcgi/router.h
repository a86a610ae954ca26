/* router.h: method + path pattern to handler (prefix router_).
 *
 * A pattern is a path whose segments are literal or "{name}" (one non-empty
 * segment, percent-decoded into req->params in order). An unknown path is
 * 404, a known path with another method 405 with Allow, HEAD is served by the
 * GET route. Routes flagged ROUTE_DB get a live database connection or a 503
 * before the handler runs; routes flagged ROUTE_CACHE (with ROUTE_DB) may be answered from
 * rcache instead of their handler. A body over the route's limit is 413 before
 * anything is read.
 */
#ifndef PLATFORM_ROUTER_H
#define PLATFORM_ROUTER_H

#include "req.h"

#define ROUTE_DB 0x1
/* GET answers served from the child's cache while nothing was written (rcache.h) */
#define ROUTE_CACHE 0x2

struct route {
	const char *method;
	const char *pattern;
	void (*handler)(struct req *r);
	unsigned flags;
	size_t max_body; /* bytes; 0 takes PLATFORM_MAX_BODY */
};

/* The platform's route table (routes.c). */
extern const struct route routes[];
extern const int routes_count;

/* Find the route for `r`, fill its params and run it; always answers. */
void router_dispatch(struct req *r, const struct route *table, int n);

#endif

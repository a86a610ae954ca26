/* router.h: method + path pattern to handler (prefix router_).
 *
 * A pattern is a path whose segments are literal or "{name}" (one non-empty
 * segment, percent-decoded into req->params in order). An unknown path is
 * 404, a known path with another method 405 with Allow, HEAD is served by the
 * GET route. A body over the route's limit is 413 before anything is read.
 *
 * A route's flags say what it needs; the router gets it before the handler runs, in
 * this order (fcgi/routes.c shows how to write them):
 *   ROUTE_DB          a live database connection, or 503
 *   ROUTE_CACHE       (GET, with ROUTE_DB) the answer may come from rcache, without the
 *                     handler and without the checks below
 *   ROUTE_USER        a signed-in user in r->user (access_user: 401, or 403 csrf_rejected
 *                     for a cookie request that breaks the CSRF rule)
 *   ROUTE_WORKSPACE   and params[0] a workspace the user is a member of: r->role
 *   ROUTE_PROJECT     and params[0] a live project of such a workspace: r->project, r->role
 *   ROUTE_DEPLOYMENT  and params[0] a deployment of such a project: r->project, r->role
 * The last three take a minimum role OR-ed in (ROLE_VIEWER..ROLE_OWNER): below it 403
 * forbidden; an unknown, malformed (not a UUID) or foreign id is 404 not_found alike.
 * ROUTE_PUBLIC (0) routes check what they need themselves (signatures, stream tokens).
 */
#ifndef PLATFORM_ROUTER_H
#define PLATFORM_ROUTER_H

#include "req.h"

#include "access.h"

/* the minimum role sits in the low bits, so a route says ROUTE_PROJECT | ROLE_DEVELOPER */
#define ROUTE_ROLE_MASK	  0x7u
#define ROUTE_MIN_ROLE(f) ((enum role)((f)&ROUTE_ROLE_MASK))
#define ROUTE_PUBLIC	  0x0u
#define ROUTE_DB	  0x10u
/* GET answers served from the child's cache while nothing was written (rcache.h) */
#define ROUTE_CACHE	   0x20u
#define ROUTE_F_USER	   0x40u
#define ROUTE_F_WORKSPACE  0x80u
#define ROUTE_F_PROJECT	   0x100u
#define ROUTE_F_DEPLOYMENT 0x200u
#define ROUTE_USER	   (ROUTE_DB | ROUTE_F_USER)
#define ROUTE_WORKSPACE	   (ROUTE_USER | ROUTE_F_WORKSPACE)
#define ROUTE_PROJECT	   (ROUTE_USER | ROUTE_F_PROJECT)
#define ROUTE_DEPLOYMENT   (ROUTE_USER | ROUTE_F_DEPLOYMENT)

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

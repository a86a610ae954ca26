/* access.h: who is asking, and may they (prefix access_).
 *
 * Every handler that touches tenant data goes through these. A resource of a
 * workspace the user is not a member of answers 404, exactly like one that
 * does not exist, so existence never leaks; a member whose role is too low
 * gets 403. Each function answers the request itself when it returns -1.
 */
#ifndef PLATFORM_ACCESS_H
#define PLATFORM_ACCESS_H

#include "req.h"

/* The session cookie. The __Host- prefix makes browsers take it only from this very host,
 * over https, with Path=/ and no Domain: a sibling subdomain (a tenant's app) cannot plant
 * one. Only this name is read; a legacy "platform_session" cookie is ignored. */
#define SESSION_COOKIE "__Host-platform_session"

/* How a request authenticates. */
enum access_via {
	ACCESS_VIA_NONE = 0,
	ACCESS_VIA_BEARER,    /* Authorization: Bearer (never sent by a browser on its own) */
	ACCESS_VIA_COOKIE,    /* the session cookie: CSRF rules apply */
	ACCESS_VIA_AMBIGUOUS, /* two session cookies: refused, one of them was planted */
};

/* Where a request says it comes from (Origin, else Referer) against PLATFORM_PUBLIC_URL. */
enum access_origin { ORIGIN_ABSENT = 0, ORIGIN_SAME, ORIGIN_FOREIGN };

/* "owner" → ROLE_OWNER...; ROLE_NONE when unknown. */
enum role access_role_parse(const char *s);
const char *access_role_name(enum role r);

/* The signed-in user from `Authorization: Bearer` or the session cookie; 401 otherwise
 * (also for two session cookies), 403 when a cookie request fails access_csrf_check. */
int access_user(struct req *r, struct user_ref *u);
/* The session token the request carries (copied into out) and how it came. */
enum access_via access_token(struct req *r, struct buf *out);

/* The request's origin: Origin when sent, else the origin of Referer; ORIGIN_FOREIGN
 * also when PLATFORM_PUBLIC_URL is unset or either header cannot be read. */
enum access_origin access_request_origin(struct req *r);

/* The CSRF rule for a cookie-authenticated request: one that changes state (any method
 * but GET, HEAD, OPTIONS) needs Content-Type: application/json (DELETE only when it has a
 * body) and an Origin (or Referer) equal to PLATFORM_PUBLIC_URL's origin. 0 when it
 * passes; -1 after answering 403 csrf_rejected. */
int access_csrf_check(struct req *r);

/* The caller's role in workspace `ws`; 404 when not a member, 403 below `min`. */
int access_workspace(struct req *r, const struct user_ref *u, const char *ws, enum role min,
		     enum role *role);

/* A live project the user can reach with at least `min`; 404 / 403 as above. */
int access_project(struct req *r, const struct user_ref *u, const char *project_id, enum role min,
		   struct project_ref *p);

/* The project of deployment `deployment_id`, reachable with at least `min`; 404 / 403 as above. */
int access_deployment(struct req *r, const struct user_ref *u, const char *deployment_id,
		      enum role min, struct project_ref *p);

/* Load the user `user_id` into u (for callers that authenticated another way, such as a
 * stream token); -1 when there is no such user (nothing answered). */
int access_user_by_id(struct req *r, const char *user_id, struct user_ref *u);

/* What a route's flags ask for (router.h), before its handler runs: the signed-in user
 * into r->user; with ROUTE_WORKSPACE the caller's role in workspace r->params[0] into
 * r->role; with ROUTE_PROJECT the project r->params[0] (ROUTE_DEPLOYMENT: the project of
 * deployment r->params[0]) into r->project and its role into r->role. The role must be at
 * least the flags' role. 0, or -1 after answering (401, 403 csrf_rejected or forbidden,
 * 404 not_found for an unknown, malformed or foreign id). */
int access_route(struct req *r, unsigned flags);

#endif

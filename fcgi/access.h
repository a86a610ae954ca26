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

enum role { ROLE_NONE = 0, ROLE_VIEWER, ROLE_DEVELOPER, ROLE_ADMIN, ROLE_OWNER };

#define SESSION_COOKIE "platform_session"

struct user_ref {
	char id[16];
	char login[64];
};

struct project_ref {
	char id[40];
	char workspace_id[16];
	char user_id[16];
	char name[40];
	enum role role;
};

/* "owner" → ROLE_OWNER...; ROLE_NONE when unknown. */
enum role access_role_parse(const char *s);
const char *access_role_name(enum role r);

/* The signed-in user from `Authorization: Bearer` or the session cookie; 401 otherwise. */
int access_user(struct req *r, struct user_ref *u);
/* The session token the request carries (borrowed into out), 1 found or 0. */
int access_token(struct req *r, struct buf *out);

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

/* 1 when `s` is a UUID in canonical text form (ids from the URL are checked
 * before they reach SQL, so a malformed one is a 404, not a 500). */
int access_is_uuid(const char *s);

#endif

/* access.c: sessions, workspace membership and roles */
#include "access.h"

#include "router.h"

#include "crypto.h"
#include "log.h"
#include "naming.h"
#include "reqparse.h"
#include "msession.h"
#include "mws.h"
#include "mproj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_names[] = {"none", "viewer", "developer", "admin", "owner"};

enum role access_role_parse(const char *s)
{
	for (int i = ROLE_VIEWER; i <= ROLE_OWNER; i++) {
		if (s && !strcmp(s, role_names[i]))
			return (enum role)i;
	}
	return ROLE_NONE;
}

const char *access_role_name(enum role r)
{
	return role_names[r <= ROLE_OWNER ? r : ROLE_NONE];
}

/* Session cookies in all Cookie headers: nginx passes each header it got as its own
 * HTTP_COOKIE parameter, and FCGX_GetParam would only show the first. */
static int session_cookies(struct req *r, struct buf *out)
{
	struct buf other = BUF_INIT;
	int n = 0;

	for (char **p = r->fcgi->envp; p && *p; p++) {
		if (strncmp(*p, "HTTP_COOKIE=", 12))
			continue;
		n += reqparse_cookie(*p + 12, SESSION_COOKIE, n ? &other : out);
	}
	buf_release(&other);
	return n;
}

enum access_via access_token(struct req *r, struct buf *out)
{
	const char *auth = req_header(r, "Authorization");
	int n;

	if (auth && !strncmp(auth, "Bearer ", 7)) {
		buf_reset(out);
		buf_addstr(out, auth + 7);
		return out->len > 0 ? ACCESS_VIA_BEARER : ACCESS_VIA_NONE;
	}
	n = session_cookies(r, out);
	/* Two cookies of our name: one was set by someone else (a browser that ignores the
	 * __Host- prefix, a sibling domain). Trying either could act in the intruder's
	 * account, so neither is used. */
	if (n > 1)
		return ACCESS_VIA_AMBIGUOUS;
	return n == 1 && out->len > 0 ? ACCESS_VIA_COOKIE : ACCESS_VIA_NONE;
}

enum access_origin access_request_origin(struct req *r)
{
	const char *origin = req_header(r, "Origin"), *referer = req_header(r, "Referer");
	const char *pub = r->app->cfg.public_url;
	struct buf want = BUF_INIT, have = BUF_INIT;
	enum access_origin ret = ORIGIN_FOREIGN;

	if (!origin && !referer)
		return ORIGIN_ABSENT;
	/* "Origin: null" (sandboxed frames, some redirects) is never ours */
	if (pub && reqparse_origin(pub, &want) == 0 &&
	    reqparse_origin(origin ? origin : referer, &have) == 0 && !strcmp(want.buf, have.buf))
		ret = ORIGIN_SAME;
	buf_release(&want);
	buf_release(&have);
	return ret;
}

/* The media type of Content-Type is application/json (parameters such as charset allowed). */
static int json_content_type(struct req *r)
{
	const char *ct = req_header(r, "Content-Type");
	size_t n;

	if (!ct)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	if (n != 16 || strncasecmp(ct, "application/json", 16))
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return !*ct || *ct == ';';
}

static int has_body(struct req *r)
{
	const char *cl = req_env(r, "CONTENT_LENGTH");

	return cl && *cl && strcmp(cl, "0");
}

int access_csrf_check(struct req *r)
{
	const char *m = r->method;

	if (!strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS"))
		return 0;
	/* A cross-site form or no-cors fetch can only send text/plain, a form type or no
	 * type: application/json needs a CORS preflight, which this API never grants. */
	if ((strcmp(m, "DELETE") || has_body(r)) && !json_content_type(r)) {
		req_fail(r, 403, "csrf_rejected",
			 "a request signed in by cookie that changes something must send "
			 "Content-Type: application/json");
		return -1;
	}
	if (access_request_origin(r) != ORIGIN_SAME) {
		req_fail(r, 403, "csrf_rejected",
			 "a request signed in by cookie that changes something must come from the "
			 "platform's own pages (Origin or Referer of PLATFORM_PUBLIC_URL)");
		return -1;
	}
	return 0;
}

int access_user(struct req *r, struct user_ref *u)
{
	struct buf tok = BUF_INIT, hex = BUF_INIT;
	unsigned char hash[32];
	struct err e = ERR_INIT;
	PGresult *res = NULL;
	const char *params[1];
	enum access_via via;
	int ret = -1;

	memset(u, 0, sizeof(*u));
	via = access_token(r, &tok);
	if (via == ACCESS_VIA_AMBIGUOUS) {
		req_fail(r, 401, "session_ambiguous",
			 "the request carries two session cookies; sign out and sign in again");
		goto out;
	}
	if (via == ACCESS_VIA_NONE || tok.len > 512) {
		req_add_header(r, "WWW-Authenticate", "Bearer");
		req_fail(r, 401, "unauthenticated",
			 "sign in first: send the session token as a Bearer token or cookie");
		goto out;
	}
	if (via == ACCESS_VIA_COOKIE && access_csrf_check(r) < 0)
		goto out;
	crypto_sha256(tok.buf, tok.len, hash);
	crypto_hex(hash, sizeof(hash), &hex);
	params[0] = hex.buf;
	res = msession_lookup(&r->app->db, params, &e);
	if (!res) {
		req_error(r, &e);
		goto out;
	}
	if (PQntuples(res) != 1) {
		req_add_header(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
		req_fail(r, 401, "session_invalid",
			 "the session has expired or was ended; sign in again");
		goto out;
	}
	snprintf(u->id, sizeof(u->id), "%s", PQgetvalue(res, 0, 0));
	snprintf(u->login, sizeof(u->login), "%s", PQgetvalue(res, 0, 1));
	/* how long an answer built for this session may be reused (rcache) */
	r->session_expires = atoll(PQgetvalue(res, 0, 2));
	ret = 0;
out:
	PQclear(res);
	buf_release(&tok);
	buf_release(&hex);
	return ret;
}

static int deny_role(struct req *r, enum role have, enum role min)
{
	req_fail(r, 403, "forbidden", "your role here is %s; this needs %s or above",
		 access_role_name(have), access_role_name(min));
	return -1;
}

/* Fill p from a project_ref row (id, workspace_id, user_id, name, role); 404 `missing`
 * when there is none, 403 below `min`. */
static int project_row(struct req *r, PGresult *res, const struct err *e, enum role min,
		       const char *missing, struct project_ref *p)
{
	if (!res) {
		req_error(r, e);
		return -1;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		req_fail(r, 404, "not_found", "%s", missing);
		return -1;
	}
	snprintf(p->id, sizeof(p->id), "%s", PQgetvalue(res, 0, 0));
	snprintf(p->workspace_id, sizeof(p->workspace_id), "%s", PQgetvalue(res, 0, 1));
	snprintf(p->user_id, sizeof(p->user_id), "%s", PQgetvalue(res, 0, 2));
	snprintf(p->name, sizeof(p->name), "%s", PQgetvalue(res, 0, 3));
	p->role = access_role_parse(PQgetvalue(res, 0, 4));
	PQclear(res);
	if (p->role < min)
		return deny_role(r, p->role, min);
	return 0;
}

int access_workspace(struct req *r, const struct user_ref *u, const char *ws, enum role min,
		     enum role *role)
{
	const char *params[] = {ws, u->id};
	struct err e = ERR_INIT;
	PGresult *res;
	enum role have;

	if (strlen(ws) > 63) {
		req_fail(r, 404, "not_found", "no such workspace");
		return -1;
	}
	res = mws_member_role(&r->app->db, params, &e);
	if (!res) {
		req_error(r, &e);
		return -1;
	}
	have = PQntuples(res) ? access_role_parse(PQgetvalue(res, 0, 0)) : ROLE_NONE;
	PQclear(res);
	if (have == ROLE_NONE) {
		req_fail(r, 404, "not_found", "no such workspace");
		return -1;
	}
	if (role)
		*role = have;
	if (have < min)
		return deny_role(r, have, min);
	return 0;
}

int access_project(struct req *r, const struct user_ref *u, const char *project_id, enum role min,
		   struct project_ref *p)
{
	const char *params[] = {project_id, u->id};
	struct err e = ERR_INIT;

	memset(p, 0, sizeof(*p));
	if (!naming_is_uuid(project_id)) {
		req_fail(r, 404, "not_found", "no such project");
		return -1;
	}
	return project_row(r, mproj_ref(&r->app->db, params, &e), &e, min, "no such project", p);
}

int access_deployment(struct req *r, const struct user_ref *u, const char *deployment_id,
		      enum role min, struct project_ref *p)
{
	const char *params[] = {deployment_id, u->id};
	struct err e = ERR_INIT;

	memset(p, 0, sizeof(*p));
	if (!naming_is_uuid(deployment_id)) {
		req_fail(r, 404, "not_found", "no such deployment");
		return -1;
	}
	/* one statement: the deployment's project and the caller's role in its workspace */
	return project_row(r, mproj_ref_by_deployment(&r->app->db, params, &e), &e, min,
			   "no such deployment", p);
}

int access_user_by_id(struct req *r, const char *user_id, struct user_ref *u)
{
	const char *params[] = {user_id};
	struct err e = ERR_INIT;
	PGresult *res = msession_user_ref(&r->app->db, params, &e);
	int ret = -1;

	if (res && PQntuples(res) == 1) {
		snprintf(u->id, sizeof(u->id), "%s", PQgetvalue(res, 0, 0));
		snprintf(u->login, sizeof(u->login), "%s", PQgetvalue(res, 0, 1));
		ret = 0;
	}
	PQclear(res);
	return ret;
}

int access_route(struct req *r, unsigned flags)
{
	enum role min = ROUTE_MIN_ROLE(flags);

	if (access_user(r, &r->user) < 0)
		return -1;
	if (flags & ROUTE_F_WORKSPACE)
		return access_workspace(r, &r->user, r->params[0], min, &r->role);
	if (flags & (ROUTE_F_PROJECT | ROUTE_F_DEPLOYMENT)) {
		int rc = flags & ROUTE_F_PROJECT
			     ? access_project(r, &r->user, r->params[0], min, &r->project)
			     : access_deployment(r, &r->user, r->params[0], min, &r->project);

		r->role = r->project.role;
		return rc;
	}
	return 0;
}

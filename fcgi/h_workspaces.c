/* h_workspaces.c: workspaces, their members and roles, and their audit trail */
#include "handlers.h"

#include "access.h"
#include "audit.h"
#include "crypto.h"
#include "jsonutil.h"
#include "list.h"
#include "naming.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* every time in an answer: RFC 3339 UTC with milliseconds (the SQL function of migration 0002) */
#define TS(col) "rfc3339(" col ")"

#define WS_COLS "w.id, w.name, m.role, w.personal_of IS NOT NULL, " TS("w.created_at")

static struct json_object *workspace_json(struct req *r, const PGresult *res, int row)
{
	struct json_object *o = json_object_new_object();

	ju_add_str(o, "id", db_value(res, row, 0));
	ju_add_str(o, "name", db_value(res, row, 1));
	ju_add_str(o, "role", db_value(res, row, 2));
	json_object_object_add(o, "personal",
			       json_object_new_boolean(!strcmp(PQgetvalue(res, row, 3), "t")));
	ju_add_str(o, "created_at", db_value(res, row, 4));
	return o;
}

/* A display name: 1..100 characters (not bytes), no control characters. */
static int check_ws_name(const char *name, struct err *e)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		n += (*p & 0xc0) != 0x80; /* count UTF-8 lead bytes only */
	if (!n || n > 100)
		return err_field(e, 422, "invalid_name", "name",
				 "name must be 1 to 100 characters");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return err_field(e, 422, "invalid_name", "name",
					 "name must not contain control characters");
	}
	return 0;
}

static int ws_cursor_ok(const char *c)
{
	return naming_is_dns_label(c) && strlen(c) <= NAMING_ID_MAX;
}

void h_workspaces_list(struct req *r)
{
	struct user_ref u;
	struct list_page pg;
	struct err e = ERR_INIT;
	char lim[16];
	PGresult *res;

	if (access_user(r, &u) < 0 || list_parse(r, &pg, ws_cursor_ok) < 0)
		return;
	{
		const char *params[] = {u.id, pg.cursor, list_fetch(&pg, lim, sizeof(lim))};

		res = db_query(&r->app->db,
			       "SELECT " WS_COLS
			       " FROM workspaces w JOIN members m ON m.workspace_id = w.id"
			       " WHERE m.user_id = $1 AND w.id > $2 ORDER BY w.id LIMIT $3::int",
			       3, params, &e);
	}
	list_answer_rows(r, res, &e, &pg, workspace_json, 0);
}

static void answer_workspace(struct req *r, const char *user_id, const char *ws, int status)
{
	const char *params[] = {ws, user_id};
	struct err e = ERR_INIT;
	PGresult *res = db_query(&r->app->db,
				 "SELECT " WS_COLS " FROM workspaces w JOIN members m"
				 " ON m.workspace_id = w.id AND m.user_id = $2 WHERE w.id = $1",
				 2, params, &e);

	list_answer_one(r, res, &e, workspace_json, status, "no such workspace");
}

void h_workspaces_create(struct req *r)
{
	static const char *const keys[] = {"name", NULL};
	struct user_ref u;
	struct err e = ERR_INIT;
	struct json_object *body = NULL;
	const char *name = NULL;
	char wsid[9];

	if (access_user(r, &u) < 0)
		return;
	body = req_json_body(r, &e);
	if (!body || ju_only_keys(body, keys, &e) < 0 ||
	    ju_string(body, "name", JU_REQUIRED, 0, &name, &e) < 0 || check_ws_name(name, &e) < 0)
		goto fail;
	if (db_begin(&r->app->db, &e) < 0)
		goto fail;
	for (int attempt = 0;; attempt++) {
		const char *params[] = {wsid, name, u.id};

		crypto_short_id(wsid, sizeof(wsid));
		if (db_command(&r->app->db,
			       "WITH w AS (INSERT INTO workspaces (id, name, created_by) VALUES "
			       "($1, $2, $3)"
			       " RETURNING id) INSERT INTO members (workspace_id, user_id, role)"
			       " SELECT id, $3, 'owner' FROM w",
			       3, params, &e) >= 0)
			break;
		if (attempt == 4 || strcmp(r->app->db.constraint, "workspaces_pkey"))
			goto fail_tx;
		/* the failed statement aborted the transaction: start again */
		db_rollback(&r->app->db);
		if (db_begin(&r->app->db, &e) < 0)
			goto fail;
	}
	if (audit_record(&r->app->db, wsid, u.id, "workspace.create", "workspace", wsid, body,
			 r->request_id, &e) < 0 ||
	    db_commit(&r->app->db, &e) < 0)
		goto fail_tx;
	json_object_put(body);
	answer_workspace(r, u.id, wsid, 201);
	return;
fail_tx:
	db_rollback(&r->app->db);
fail:
	json_object_put(body);
	req_error(r, &e);
}

void h_workspace_get(struct req *r)
{
	struct user_ref u;

	if (access_user(r, &u) < 0 || access_workspace(r, &u, r->params[0], ROLE_VIEWER, NULL) < 0)
		return;
	answer_workspace(r, u.id, r->params[0], 200);
}

void h_workspace_update(struct req *r)
{
	static const char *const keys[] = {"name", NULL};
	struct user_ref u;
	struct err e = ERR_INIT;
	struct json_object *body = NULL;
	const char *name = NULL;

	if (access_user(r, &u) < 0 || access_workspace(r, &u, r->params[0], ROLE_ADMIN, NULL) < 0)
		return;
	body = req_json_body(r, &e);
	if (!body || ju_only_keys(body, keys, &e) < 0 ||
	    ju_string(body, "name", JU_REQUIRED, 0, &name, &e) < 0 || check_ws_name(name, &e) < 0)
		goto fail;
	{
		const char *params[] = {r->params[0], name};

		if (db_begin(&r->app->db, &e) < 0 ||
		    db_command(&r->app->db, "UPDATE workspaces SET name = $2 WHERE id = $1", 2,
			       params, &e) < 0 ||
		    audit_record(&r->app->db, r->params[0], u.id, "workspace.update", "workspace",
				 r->params[0], body, r->request_id, &e) < 0 ||
		    db_commit(&r->app->db, &e) < 0)
			goto fail_tx;
	}
	json_object_put(body);
	answer_workspace(r, u.id, r->params[0], 200);
	return;
fail_tx:
	db_rollback(&r->app->db);
fail:
	json_object_put(body);
	req_error(r, &e);
}

void h_workspace_delete(struct req *r)
{
	struct user_ref u;
	struct err e = ERR_INIT;
	const char *params[] = {r->params[0]};
	PGresult *res = NULL;

	if (access_user(r, &u) < 0 || access_workspace(r, &u, r->params[0], ROLE_OWNER, NULL) < 0)
		return;
	if (db_begin(&r->app->db, &e) < 0)
		goto fail;
	res = db_query(&r->app->db,
		       "SELECT w.personal_of IS NOT NULL, (SELECT count(*) FROM projects p"
		       " WHERE p.workspace_id = w.id AND p.deleted_at IS NULL)"
		       " FROM workspaces w WHERE w.id = $1 FOR UPDATE",
		       1, params, &e);
	if (!res)
		goto fail_tx;
	if (PQntuples(res) != 1) {
		err_set(&e, 404, "not_found", "no such workspace");
		goto fail_tx;
	}
	if (!strcmp(PQgetvalue(res, 0, 0), "t")) {
		err_set(&e, 409, "personal_workspace", "a personal workspace cannot be deleted");
		goto fail_tx;
	}
	if (strcmp(PQgetvalue(res, 0, 1), "0")) {
		err_set(&e, 409, "workspace_not_empty",
			"the workspace still has %s project(s); delete them first",
			PQgetvalue(res, 0, 1));
		goto fail_tx;
	}
	/* The audit row goes with the workspace (ON DELETE CASCADE): record the
	 * deletion platform-wide instead. */
	if (audit_record(&r->app->db, NULL, u.id, "workspace.delete", "workspace", r->params[0],
			 NULL, r->request_id, &e) < 0 ||
	    db_command(&r->app->db, "DELETE FROM workspaces WHERE id = $1", 1, params, &e) < 0 ||
	    db_commit(&r->app->db, &e) < 0)
		goto fail_tx;
	PQclear(res);
	req_send(r, 204, NULL, "", 0);
	return;
fail_tx:
	db_rollback(&r->app->db);
fail:
	PQclear(res);
	req_error(r, &e);
}

/* ---- members ---- */

#define MEMBER_COLS "u.id, u.login, u.name, u.avatar_url, m.role, " TS("m.created_at")

static struct json_object *member_json(struct req *r, const PGresult *res, int row)
{
	struct json_object *o = json_object_new_object(), *user = json_object_new_object();

	ju_add_str(user, "id", db_value(res, row, 0));
	ju_add_str(user, "login", db_value(res, row, 1));
	ju_add_str(user, "name", db_value(res, row, 2));
	ju_add_str(user, "avatar_url", db_value(res, row, 3));
	json_object_object_add(o, "user", user);
	ju_add_str(o, "role", db_value(res, row, 4));
	ju_add_str(o, "created_at", db_value(res, row, 5));
	return o;
}

static int login_cursor_ok(const char *c)
{
	return strlen(c) <= 39;
}

void h_members_list(struct req *r)
{
	struct user_ref u;
	struct list_page pg;
	struct err e = ERR_INIT;
	char lim[16];
	PGresult *res;

	if (access_user(r, &u) < 0 ||
	    access_workspace(r, &u, r->params[0], ROLE_VIEWER, NULL) < 0 ||
	    list_parse(r, &pg, login_cursor_ok) < 0)
		return;
	{
		const char *params[] = {r->params[0], pg.cursor, list_fetch(&pg, lim, sizeof(lim))};

		res = db_query(&r->app->db,
			       "SELECT " MEMBER_COLS
			       " FROM members m JOIN users u ON u.id = m.user_id"
			       " WHERE m.workspace_id = $1 AND lower(u.login) > lower($2)"
			       " ORDER BY lower(u.login) LIMIT $3::int",
			       3, params, &e);
	}
	list_answer_rows(r, res, &e, &pg, member_json, 1);
}

static int parse_role(struct json_object *body, enum role *out, struct err *e)
{
	const char *s = NULL;

	if (ju_string(body, "role", JU_REQUIRED, 16, &s, e) < 0)
		return -1;
	*out = access_role_parse(s);
	if (*out == ROLE_NONE)
		return err_field(e, 422, "invalid_role", "role",
				 "role must be owner, admin, developer or viewer");
	return 0;
}

static void answer_member(struct req *r, const char *ws, const char *user_id, int status)
{
	const char *params[] = {ws, user_id};
	struct err e = ERR_INIT;
	PGresult *res =
	    db_query(&r->app->db,
		     "SELECT " MEMBER_COLS " FROM members m JOIN users u ON u.id = m.user_id"
		     " WHERE m.workspace_id = $1 AND m.user_id = $2",
		     2, params, &e);

	list_answer_one(r, res, &e, member_json, status, "no such member");
}

/* The member `login` of `ws` (locked for the transaction): id and role; 404 when not one. */
static int find_member(struct req *r, const char *ws, const char *login, char *id, size_t idlen,
		       enum role *role, struct err *e)
{
	const char *params[] = {ws, login};
	PGresult *res =
	    db_query(&r->app->db,
		     "SELECT u.id, m.role FROM members m JOIN users u ON u.id = m.user_id"
		     " WHERE m.workspace_id = $1 AND lower(u.login) = lower($2) FOR UPDATE OF m",
		     2, params, e);

	if (!res)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return err_field(e, 404, "not_found", "login", "no member with that login here");
	}
	snprintf(id, idlen, "%s", PQgetvalue(res, 0, 0));
	*role = access_role_parse(PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

/* Start a member change: lock the workspace row (so changes of one workspace's members
 * run one at a time: two owners demoting each other at once must not both succeed) and
 * read the caller's role again under that lock, since a change that ran first may have
 * taken it away. In a transaction; 404 when the caller is no longer a member, 403 below
 * `min`. */
static int lock_members(struct req *r, const struct user_ref *u, const char *ws, enum role min,
			enum role *mine, struct err *e)
{
	const char *params[] = {ws, u->id};
	PGresult *res = db_query(&r->app->db,
				 "SELECT m.role FROM workspaces w"
				 " LEFT JOIN members m ON m.workspace_id = w.id AND m.user_id = $2"
				 " WHERE w.id = $1 FOR NO KEY UPDATE OF w",
				 2, params, e);

	if (!res)
		return -1;
	*mine = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)
		    ? access_role_parse(PQgetvalue(res, 0, 0))
		    : ROLE_NONE;
	PQclear(res);
	if (*mine == ROLE_NONE)
		return err_set(e, 404, "not_found", "no such workspace");
	if (*mine < min)
		return err_set(e, 403, "forbidden", "your role here is %s; this needs %s or above",
			       access_role_name(*mine), access_role_name(min));
	return 0;
}

/* The database refuses a commit that leaves no owner (migration 0007): say so plainly. */
static int owner_refusal(struct req *r, struct err *e)
{
	if (!strcmp(r->app->db.constraint, "workspace_has_owner"))
		err_set(e, 409, "last_owner",
			"a workspace needs at least one owner; make someone else owner first");
	return -1;
}

/* Refuse a change that would leave the workspace without an owner (under lock_members,
 * so the count cannot go stale before the commit). */
static int keep_an_owner(struct req *r, const char *ws, struct err *e)
{
	const char *params[] = {ws};
	PGresult *res = db_query(
	    &r->app->db, "SELECT count(*) FROM members WHERE workspace_id = $1 AND role = 'owner'",
	    1, params, e);
	int owners;

	if (!res)
		return -1;
	owners = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (owners < 1)
		return err_set(
		    e, 409, "last_owner",
		    "a workspace needs at least one owner; make someone else owner first");
	return 0;
}

void h_members_add(struct req *r)
{
	static const char *const keys[] = {"login", "role", NULL};
	struct user_ref u;
	struct err e = ERR_INIT;
	struct json_object *body = NULL;
	const char *login = NULL;
	enum role mine, role;
	PGresult *res = NULL;
	char uid[16];

	if (access_user(r, &u) < 0 || access_workspace(r, &u, r->params[0], ROLE_ADMIN, &mine) < 0)
		return;
	body = req_json_body(r, &e);
	if (!body || ju_only_keys(body, keys, &e) < 0 ||
	    ju_string(body, "login", JU_REQUIRED, 39, &login, &e) < 0 ||
	    parse_role(body, &role, &e) < 0)
		goto fail;
	if (role == ROLE_OWNER && mine != ROLE_OWNER) {
		err_field(&e, 403, "forbidden", "role", "only an owner can make someone owner");
		goto fail;
	}
	{
		const char *params[] = {login};

		res = db_query(&r->app->db, "SELECT id FROM users WHERE lower(login) = lower($1)",
			       1, params, &e);
	}
	if (!res)
		goto fail;
	if (PQntuples(res) != 1) {
		err_field(
		    &e, 404, "user_not_found", "login",
		    "no user with that GitHub login has signed in yet; ask them to sign in once");
		goto fail;
	}
	snprintf(uid, sizeof(uid), "%s", PQgetvalue(res, 0, 0));
	{
		const char *params[] = {r->params[0], uid, access_role_name(role)};

		if (db_begin(&r->app->db, &e) < 0)
			goto fail;
		if (db_command(
			&r->app->db,
			"INSERT INTO members (workspace_id, user_id, role) VALUES ($1, $2, $3)", 3,
			params, &e) < 0) {
			if (e.status == 409)
				err_field(&e, 409, "already_member", "login",
					  "that user is already a member");
			goto fail_tx;
		}
		if (audit_record(&r->app->db, r->params[0], u.id, "member.add", "user", uid, body,
				 r->request_id, &e) < 0 ||
		    db_commit(&r->app->db, &e) < 0)
			goto fail_tx;
	}
	PQclear(res);
	json_object_put(body);
	answer_member(r, r->params[0], uid, 201);
	return;
fail_tx:
	db_rollback(&r->app->db);
fail:
	PQclear(res);
	json_object_put(body);
	req_error(r, &e);
}

void h_members_update(struct req *r)
{
	static const char *const keys[] = {"role", NULL};
	struct user_ref u;
	struct err e = ERR_INIT;
	struct json_object *body = NULL;
	enum role mine, role, theirs;
	char uid[16];

	if (access_user(r, &u) < 0 || access_workspace(r, &u, r->params[0], ROLE_ADMIN, &mine) < 0)
		return;
	body = req_json_body(r, &e);
	if (!body || ju_only_keys(body, keys, &e) < 0 || parse_role(body, &role, &e) < 0)
		goto fail;
	if (db_begin(&r->app->db, &e) < 0)
		goto fail;
	if (lock_members(r, &u, r->params[0], ROLE_ADMIN, &mine, &e) < 0 ||
	    find_member(r, r->params[0], r->params[1], uid, sizeof(uid), &theirs, &e) < 0)
		goto fail_tx;
	if ((role == ROLE_OWNER || theirs == ROLE_OWNER) && mine != ROLE_OWNER) {
		err_field(&e, 403, "forbidden", "role",
			  "only an owner can grant or take the owner role");
		goto fail_tx;
	}
	{
		const char *params[] = {r->params[0], uid, access_role_name(role)};

		if (db_command(
			&r->app->db,
			"UPDATE members SET role = $3 WHERE workspace_id = $1 AND user_id = $2", 3,
			params, &e) < 0 ||
		    keep_an_owner(r, r->params[0], &e) < 0 ||
		    audit_record(&r->app->db, r->params[0], u.id, "member.update", "user", uid,
				 body, r->request_id, &e) < 0 ||
		    (db_commit(&r->app->db, &e) < 0 && owner_refusal(r, &e) < 0))
			goto fail_tx;
	}
	json_object_put(body);
	answer_member(r, r->params[0], uid, 200);
	return;
fail_tx:
	db_rollback(&r->app->db);
fail:
	json_object_put(body);
	req_error(r, &e);
}

void h_members_remove(struct req *r)
{
	struct user_ref u;
	struct err e = ERR_INIT;
	enum role mine, theirs;
	char uid[16];

	/* Any member may leave; removing someone else needs admin. */
	if (access_user(r, &u) < 0 || access_workspace(r, &u, r->params[0], ROLE_VIEWER, &mine) < 0)
		return;
	if (db_begin(&r->app->db, &e) < 0)
		goto fail;
	if (lock_members(r, &u, r->params[0], ROLE_VIEWER, &mine, &e) < 0 ||
	    find_member(r, r->params[0], r->params[1], uid, sizeof(uid), &theirs, &e) < 0)
		goto fail_tx;
	if (strcmp(uid, u.id) &&
	    (mine < ROLE_ADMIN || (theirs == ROLE_OWNER && mine != ROLE_OWNER))) {
		err_set(&e, 403, "forbidden", "your role here is %s; removing this member needs %s",
			access_role_name(mine), theirs == ROLE_OWNER ? "owner" : "admin or above");
		goto fail_tx;
	}
	{
		const char *params[] = {r->params[0], uid};

		if (db_command(&r->app->db,
			       "DELETE FROM members WHERE workspace_id = $1 AND user_id = $2", 2,
			       params, &e) < 0 ||
		    keep_an_owner(r, r->params[0], &e) < 0 ||
		    audit_record(&r->app->db, r->params[0], u.id, "member.remove", "user", uid,
				 NULL, r->request_id, &e) < 0 ||
		    (db_commit(&r->app->db, &e) < 0 && owner_refusal(r, &e) < 0))
			goto fail_tx;
	}
	req_send(r, 204, NULL, "", 0);
	return;
fail_tx:
	db_rollback(&r->app->db);
fail:
	req_error(r, &e);
}

/* ---- audit ---- */

static int audit_cursor_ok(const char *c)
{
	for (const char *p = c; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
	}
	return *c && strlen(c) <= 18;
}

static struct json_object *audit_json(struct req *r, const PGresult *res, int i)
{
	struct json_object *o = json_object_new_object(), *actor = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(atoll(PQgetvalue(res, i, 0))));
	ju_add_str(o, "action", db_value(res, i, 1));
	ju_add_str(o, "target_type", db_value(res, i, 2));
	ju_add_str(o, "target_id", db_value(res, i, 3));
	json_object_object_add(o, "details", json_tokener_parse(PQgetvalue(res, i, 4)));
	ju_add_str(o, "request_id", db_value(res, i, 5));
	ju_add_str(o, "created_at", db_value(res, i, 6));
	ju_add_str(actor, "id", db_value(res, i, 7));
	ju_add_str(actor, "login", db_value(res, i, 8));
	json_object_object_add(o, "actor", actor);
	return o;
}

void h_audit_list(struct req *r)
{
	struct user_ref u;
	struct list_page pg;
	struct err e = ERR_INIT;
	char lim[16];
	PGresult *res;

	if (access_user(r, &u) < 0 || access_workspace(r, &u, r->params[0], ROLE_ADMIN, NULL) < 0 ||
	    list_parse(r, &pg, audit_cursor_ok) < 0)
		return;
	{
		const char *params[] = {r->params[0], pg.cursor[0] ? pg.cursor : NULL,
					list_fetch(&pg, lim, sizeof(lim))};

		res = db_query(
		    &r->app->db,
		    "SELECT a.id, a.action, a.target_type, a.target_id, a.details::text,"
		    " a.request_id, " TS(
			"a.created_at") ", a.actor_id, u.login"
					" FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id"
					" WHERE a.workspace_id = $1 AND ($2::bigint IS NULL OR "
					"a.id < $2::bigint)"
					" ORDER BY a.id DESC LIMIT $3::int",
		    3, params, &e);
	}
	list_answer_rows(r, res, &e, &pg, audit_json, 0);
}

/* mws.h: workspaces and their members (prefix mws_).
 *
 * The model of the tables workspaces, members: every statement on them is here, prepared by name on
 * each connection (lib/db/db). Each function runs one statement with `params` ($1..$n, text, NULL
 * for SQL NULL, all borrowed): a query returns its result (the caller PQclears it) or NULL with `e`
 * filled; a command returns the number of rows it changed or -1. Callers parse and render; the SQL
 * and its column order live here.
 *
 * MWS_COLS, a workspace as its member sees it: id, name, the member's role, personal (t/f),
 * created_at. MWS_MEMBER_COLS, a member: user id, login, name, avatar_url, role, created_at.
 */
#ifndef PLATFORM_MWS_H
#define PLATFORM_MWS_H

#include "db.h"
#include "err.h"

/* $1 new id, $2 name, $3 user id: the user's personal workspace, owned by them */
long mws_create_personal(struct db *db, const char *const *params, struct err *e);
/* $1 user id, $2 after this id ("" first), $3 limit -> MWS_COLS of the user's workspaces by id */
PGresult *mws_page(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id, $2 user id -> MWS_COLS */
PGresult *mws_get(struct db *db, const char *const *params, struct err *e);
/* $1 new id, $2 name, $3 user id: a workspace owned by the user */
long mws_create(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id, $2 name */
long mws_rename(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id -> personal (t/f), live projects: the row locked FOR UPDATE */
PGresult *mws_lock_for_delete(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id (members, projects rows and audit rows cascade) */
long mws_delete(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id, $2 after this login ("" first), $3 limit -> MWS_MEMBER_COLS by lower(login) */
PGresult *mws_members_page(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id, $2 user id -> MWS_MEMBER_COLS */
PGresult *mws_member(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id, $2 login -> user id, role: locked FOR UPDATE */
PGresult *mws_member_by_login(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id, $2 user id -> the user's role (NULL: not a member): the workspace row locked FOR
 * NO KEY UPDATE */
PGresult *mws_lock_members(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id -> owners */
PGresult *mws_owner_count(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id, $2 user id, $3 role */
long mws_member_add(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id, $2 user id, $3 role */
long mws_member_set_role(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id, $2 user id */
long mws_member_remove(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id, $2 user id -> role */
PGresult *mws_member_role(struct db *db, const char *const *params, struct err *e);

#endif

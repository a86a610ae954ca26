/* msession.h: sessions and users: sign-in state, sessions, the users they belong to (prefix
 * msession_).
 *
 * The model of the tables sessions, users, oauth_states, local_signin_codes: every statement on
 * them is here, prepared by name on each connection (lib/db/db). Each function runs one statement
 * with `params` ($1..$n, text, NULL for SQL NULL, all borrowed): a query returns its result (the
 * caller PQclears it) or NULL with `e` filled; a command returns the number of rows it changed or
 * -1. Callers parse and render; the SQL and its column order live here.
 *
 * MSESSION_USER_COLS, a user: id, login, name, avatar_url, created_at.
 */
#ifndef PLATFORM_MSESSION_H
#define PLATFORM_MSESSION_H

#include "db.h"
#include "err.h"

/* $1 user id -> id, login */
PGresult *msession_user_ref(struct db *db, const char *const *params, struct err *e);
/* $1 new id, $2 github id, $3 login, $4 name, $5 avatar url, $6 sealed token (hex) -> id, created
 * (t/f): the GitHub user, made or refreshed */
PGresult *msession_user_upsert(struct db *db, const char *const *params, struct err *e);
/* $1 user id: delete the user's expired sessions */
long msession_prune_user(struct db *db, const char *const *params, struct err *e);
/* $1 token hash (hex), $2 user id, $3 seconds to live, $4 request id */
long msession_insert(struct db *db, const char *const *params, struct err *e);
/* $1 user id -> MSESSION_USER_COLS */
PGresult *msession_user(struct db *db, const char *const *params, struct err *e);
/* delete expired OAuth states */
long msession_oauth_prune(struct db *db, const char *const *params, struct err *e);
/* $1 state hash (hex), $2 seconds to live */
long msession_oauth_insert(struct db *db, const char *const *params, struct err *e);
/* $1 state hash (hex): delete it if unexpired; the count says whether it was */
long msession_oauth_take(struct db *db, const char *const *params, struct err *e);
/* $1 token hash (hex): end that session */
long msession_delete(struct db *db, const char *const *params, struct err *e);
/* $1 user id -> the sealed GitHub token (hex), or NULL */
PGresult *msession_github_token(struct db *db, const char *const *params, struct err *e);
/* $1 code hash (hex) -> user id, unexpired (t/f): the one-time sign-in code, deleted */
PGresult *msession_local_code_take(struct db *db, const char *const *params, struct err *e);
/* $1 login -> id: the oldest user of that login (any case) */
PGresult *msession_user_by_local_login(struct db *db, const char *const *params, struct err *e);
/* $1 new id, $2 login: a local user (negative github id, never a GitHub one) */
long msession_local_user_insert(struct db *db, const char *const *params, struct err *e);
/* delete expired sign-in codes */
long msession_local_code_prune(struct db *db, const char *const *params, struct err *e);
/* $1 code hash (hex), $2 user id, $3 seconds to live */
long msession_local_code_insert(struct db *db, const char *const *params, struct err *e);
/* $1 login -> id (any case) */
PGresult *msession_user_by_login(struct db *db, const char *const *params, struct err *e);
/* $1 token hash (hex) -> user id, login, expiry (epoch seconds): an unexpired session */
PGresult *msession_lookup(struct db *db, const char *const *params, struct err *e);

/* delete sessions a day past their end */
long msession_prune_expired(struct db *db, const char *const *params, struct err *e);

#endif

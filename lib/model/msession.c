/* msession.c: the statements on sessions, users, oauth_states, local_signin_codes */
#include "msession.h"

#define MSESSION_USER_COLS                                                                         \
	"u.id, u.login, u.name, u.avatar_url,"                                                     \
	" rfc3339(u.created_at)"

DB_QUERY_FN(msession_user_ref, "SELECT id, login FROM users WHERE id = $1", 1)

DB_QUERY_FN(msession_user_upsert,
	    "INSERT INTO users (id, github_id, login, name, avatar_url, github_token)"
	    " VALUES ($1, $2, $3, $4, $5, decode($6, 'hex'))"
	    " ON CONFLICT (github_id) DO UPDATE SET login = EXCLUDED.login,"
	    " name = EXCLUDED.name, avatar_url = EXCLUDED.avatar_url,"
	    " github_token = EXCLUDED.github_token, updated_at = now()"
	    " RETURNING id, (xmax = 0)",
	    6)

DB_COMMAND_FN(msession_prune_user, "DELETE FROM sessions WHERE user_id = $1 AND expires_at < now()",
	      1)

DB_COMMAND_FN(msession_insert,
	      "INSERT INTO sessions (token_hash, user_id, expires_at, request_id)"
	      " VALUES (decode($1, 'hex'), $2, now() + make_interval(secs => $3::int), $4)",
	      4)

DB_QUERY_FN(msession_user, "SELECT " MSESSION_USER_COLS " FROM users u WHERE u.id = $1", 1)

DB_COMMAND_FN(msession_oauth_prune, "DELETE FROM oauth_states WHERE expires_at < now()", 0)

DB_COMMAND_FN(msession_oauth_insert,
	      "INSERT INTO oauth_states (state_hash, expires_at)"
	      " VALUES (decode($1, 'hex'), now() + make_interval(secs => $2::int))",
	      2)

DB_COMMAND_FN(
    msession_oauth_take,
    "DELETE FROM oauth_states WHERE state_hash = decode($1, 'hex') AND expires_at > now()", 1)

DB_COMMAND_FN(msession_delete, "DELETE FROM sessions WHERE token_hash = decode($1, 'hex')", 1)

DB_QUERY_FN(msession_github_token, "SELECT encode(github_token, 'hex') FROM users WHERE id = $1", 1)

DB_QUERY_FN(msession_local_code_take,
	    "DELETE FROM local_signin_codes WHERE code_hash = decode($1, 'hex')"
	    " RETURNING user_id, expires_at > now()",
	    1)

DB_QUERY_FN(msession_user_by_local_login,
	    "SELECT id FROM users WHERE lower(login) = lower($1)"
	    " ORDER BY created_at, id LIMIT 1",
	    1)

DB_COMMAND_FN(msession_local_user_insert,
	      "INSERT INTO users (id, github_id, login)"
	      " VALUES ($1, -(1 + floor(random() * 9e15))::bigint, $2)",
	      2)

DB_COMMAND_FN(msession_local_code_prune, "DELETE FROM local_signin_codes WHERE expires_at < now()",
	      0)

DB_COMMAND_FN(msession_local_code_insert,
	      "INSERT INTO local_signin_codes (code_hash, user_id, expires_at)"
	      " VALUES (decode($1, 'hex'), $2, now() + make_interval(secs => $3::int))",
	      3)

DB_QUERY_FN(msession_user_by_login, "SELECT id FROM users WHERE lower(login) = lower($1)", 1)

DB_QUERY_FN(msession_lookup,
	    "SELECT u.id, u.login, extract(epoch FROM s.expires_at)::bigint"
	    " FROM sessions s JOIN users u ON u.id = s.user_id"
	    " WHERE s.token_hash = decode($1, 'hex') AND s.expires_at > now()",
	    1)

/* ---- statements (DB_QUERY_FN: run by name, results for the caller) ---- */

DB_COMMAND_FN(msession_prune_expired,
	      "DELETE FROM sessions WHERE expires_at < now() - interval '1 day'", 0)

/* mws.c: the statements on workspaces, members */
#include "mws.h"

#define TS(col)		"rfc3339(" col ")"
#define MWS_COLS	"w.id, w.name, m.role, w.personal_of IS NOT NULL, " TS("w.created_at")
#define MWS_MEMBER_COLS "u.id, u.login, u.name, u.avatar_url, m.role, " TS("m.created_at")

DB_COMMAND_FN(mws_create_personal,
	      "WITH w AS (INSERT INTO workspaces (id, name, personal_of, created_by)"
	      " VALUES ($1, $2, $3, $3) RETURNING id)"
	      " INSERT INTO members (workspace_id, user_id, role)"
	      " SELECT id, $3, 'owner' FROM w",
	      3)

DB_QUERY_FN(mws_page,
	    "SELECT " MWS_COLS " FROM workspaces w JOIN members m ON m.workspace_id = w.id"
	    " WHERE m.user_id = $1 AND w.id > $2 ORDER BY w.id LIMIT $3::int",
	    3)

DB_QUERY_FN(mws_get,
	    "SELECT " MWS_COLS " FROM workspaces w JOIN members m"
	    " ON m.workspace_id = w.id AND m.user_id = $2 WHERE w.id = $1",
	    2)

DB_COMMAND_FN(mws_create,
	      "WITH w AS (INSERT INTO workspaces (id, name, created_by) VALUES "
	      "($1, $2, $3)"
	      " RETURNING id) INSERT INTO members (workspace_id, user_id, role)"
	      " SELECT id, $3, 'owner' FROM w",
	      3)

DB_COMMAND_FN(mws_rename, "UPDATE workspaces SET name = $2 WHERE id = $1", 2)

DB_QUERY_FN(mws_lock_for_delete,
	    "SELECT w.personal_of IS NOT NULL, (SELECT count(*) FROM projects p"
	    " WHERE p.workspace_id = w.id AND p.deleted_at IS NULL)"
	    " FROM workspaces w WHERE w.id = $1 FOR UPDATE",
	    1)

DB_COMMAND_FN(mws_delete, "DELETE FROM workspaces WHERE id = $1", 1)

DB_QUERY_FN(mws_members_page,
	    "SELECT " MWS_MEMBER_COLS " FROM members m JOIN users u ON u.id = m.user_id"
	    " WHERE m.workspace_id = $1 AND lower(u.login) > lower($2)"
	    " ORDER BY lower(u.login) LIMIT $3::int",
	    3)

DB_QUERY_FN(mws_member,
	    "SELECT " MWS_MEMBER_COLS " FROM members m JOIN users u ON u.id = m.user_id"
	    " WHERE m.workspace_id = $1 AND m.user_id = $2",
	    2)

DB_QUERY_FN(mws_member_by_login,
	    "SELECT u.id, m.role FROM members m JOIN users u ON u.id = m.user_id"
	    " WHERE m.workspace_id = $1 AND lower(u.login) = lower($2) FOR UPDATE OF m",
	    2)

DB_QUERY_FN(mws_lock_members,
	    "SELECT m.role FROM workspaces w"
	    " LEFT JOIN members m ON m.workspace_id = w.id AND m.user_id = $2"
	    " WHERE w.id = $1 FOR NO KEY UPDATE OF w",
	    2)

DB_QUERY_FN(mws_owner_count,
	    "SELECT count(*) FROM members WHERE workspace_id = $1 AND role = 'owner'", 1)

DB_COMMAND_FN(mws_member_add,
	      "INSERT INTO members (workspace_id, user_id, role) VALUES ($1, $2, $3)", 3)

DB_COMMAND_FN(mws_member_set_role,
	      "UPDATE members SET role = $3 WHERE workspace_id = $1 AND user_id = $2", 3)

DB_COMMAND_FN(mws_member_remove, "DELETE FROM members WHERE workspace_id = $1 AND user_id = $2", 2)

DB_QUERY_FN(mws_member_role, "SELECT role FROM members WHERE workspace_id = $1 AND user_id = $2", 2)

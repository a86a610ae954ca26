/* audit.c: append one row to audit_log */
#include "audit.h"

#include "jsonutil.h"

#define TS(col) "rfc3339(" col ")"

static struct db_stmt st_audit = DB_STMT(
    "audit_insert",
    "INSERT INTO audit_log (workspace_id, actor_id, action, target_type, target_id, details,"
    " request_id) VALUES ($1, $2, $3, $4, $5, coalesce($6::jsonb, '{}'::jsonb), $7)",
    7);

int audit_record(struct db *db, const char *workspace_id, const char *actor_id, const char *action,
		 const char *target_type, const char *target_id, struct json_object *details,
		 const char *request_id, struct err *e)
{
	const char *params[] = {workspace_id, actor_id,	 action,
				target_type,  target_id, details ? ju_text(details) : NULL,
				request_id};
	PGresult *res = db_prepared(db, &st_audit, params, e);

	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

/* ---- statements (DB_QUERY_FN: run by name, results for the caller) ---- */

DB_QUERY_FN(
    audit_page,
    "SELECT a.id, a.action, a.target_type, a.target_id, a.details::text,"
    " a.request_id, " TS("a.created_at") ", a.actor_id, u.login"
					 " FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id"
					 " WHERE a.workspace_id = $1 AND ($2::bigint IS NULL OR "
					 "a.id < $2::bigint)"
					 " ORDER BY a.id DESC LIMIT $3::int",
    3)

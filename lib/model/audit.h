/* audit.h: the audit trail of every change (prefix audit_).
 *
 * Called inside the transaction of the change it records, so a change and its
 * audit row land together or not at all.
 */
#ifndef PLATFORM_AUDIT_H
#define PLATFORM_AUDIT_H

#include "db.h"
#include "err.h"

#include <json-c/json.h>

/* Record `action` ("project.create") by `actor_id` on target (type, id) in
 * `workspace_id` (NULL for platform-wide events). `details` is borrowed and
 * may be NULL; it must not hold secrets. */
int audit_record(struct db *db, const char *workspace_id, const char *actor_id, const char *action,
		 const char *target_type, const char *target_id, struct json_object *details,
		 const char *request_id, struct err *e);

/* ---- statements: each runs one named prepared statement ($1.. in `params`); a
 * query returns its result (PQclear it) or NULL, a command the rows it changed or -1 ---- */

/* $1 workspace id, $2 before this id (NULL first), $3 limit -> id, action, target_type, target_id,
 * details, request_id, created_at, actor id, actor login; newest first */
PGresult *audit_page(struct db *db, const char *const *params, struct err *e);

#endif

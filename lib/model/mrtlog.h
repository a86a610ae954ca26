/* mrtlog.h: the runtime logs of projects, what their running containers print (prefix mrtlog_).
 *
 * The model of the table runtime_logs (sql/0019_runtime_logs.sql): every statement on it is
 * here, prepared by name on each connection (lib/db/db). Each function runs one statement with
 * `params` ($1..$n, text, NULL for SQL NULL, all borrowed): a query returns its result (the
 * caller PQclears it) or NULL with `e` filled; a command returns the rows it changed or -1.
 * The worker writes (worker/rtlogs.c and its sources), the API reads (fcgi/h_logs.c).
 */
#ifndef PLATFORM_MRTLOG_H
#define PLATFORM_MRTLOG_H

#include "db.h"
#include "err.h"

/* $1 project id, $2 deployment id (or NULL), $3 the lines, in order, as a JSON array of
 * [container, stream, stamp, text] (stamp an RFC 3339 time) -> the count stored */
long mrtlog_insert(struct db *db, const char *const *params, struct err *e);
/* $1 project id, $2 how many of its newest lines to keep: the older ones go */
long mrtlog_trim(struct db *db, const char *const *params, struct err *e);
/* $1 container -> the stamp of its newest stored line (no row: none stored) */
PGresult *mrtlog_last_stamp(struct db *db, const char *const *params, struct err *e);
/* $1 project id -> per container (the runtime's container or pod name) of the project: its
 * name, the stamp of its newest stored line and how many seconds ago (by the database's
 * clock, rounded up) that line was printed */
PGresult *mrtlog_pod_stamps(struct db *db, const char *const *params, struct err *e);
/* () -> the projects being served, with a live deployment: project id, workspace id, user
 * id, project name, the newest deployment released, syncing or live (the version the runtime
 * was told to run), the newest live one */
PGresult *mrtlog_served(struct db *db, const char *const *params, struct err *e);
/* $1 project id, $2 limit -> the newest lines, oldest first: at (RFC 3339), deployment_id,
 * container, stream, line */
PGresult *mrtlog_tail(struct db *db, const char *const *params, struct err *e);
/* () -> t when this connection is (now) the one collector of runtime logs, else f; the lock
 * is held until the connection closes */
PGresult *mrtlog_collector_lock(struct db *db, const char *const *params, struct err *e);

#endif

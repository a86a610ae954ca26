/* db.h: a libpq connection that survives the database going away.
 *
 * One struct db per process (a pool child, the worker, platformctl). Queries
 * are parameterised only ($1..$n, text parameters; NULL means SQL NULL). A
 * failed call returns NULL/-1 and fills `struct err`:
 *   503 database_unavailable  the server is unreachable; the next call reconnects
 *   409 conflict              a unique or exclusion constraint was violated
 *   500 database_error        anything else (the server's text is logged, not returned)
 * db->sqlstate holds the SQLSTATE of the last failure ("" when none) and
 * db->constraint the violated constraint's name, so a 409 can name the field.
 *
 * A connection found broken is reset before the next statement, and prepared
 * statements are made again on the new connection. Outside a transaction, a
 * statement that fails because the connection was lost is retried once on a
 * fresh connection (the old server process was gone, so it never ran).
 *
 * Lifecycle: the caller provides the struct (zeroed, or `{0}`); db_open is its init (it copies
 * the URL and connects); db_release closes the connection and frees what db_open stored.
 */
#ifndef PLATFORM_DB_H
#define PLATFORM_DB_H

#include "err.h"

#include <libpq-fe.h>

/* The statements prepared on the current connection: an open-addressed set of pointers. */
#define DB_PREPARED_SLOTS 512

struct db {
	PGconn *conn;
	char *url;
	int connect_timeout;				   /* seconds */
	unsigned generation;				   /* bumped on every new connection */
	const struct db_stmt *prepared[DB_PREPARED_SLOTS]; /* borrowed; emptied on reconnect */
	int in_tx;
	char sqlstate[6];
	char constraint[64]; /* the constraint a failed statement violated, or "" */
};

/* A statement prepared lazily on each connection, the first time it runs there. Each
 * struct db remembers which statements its connection has (forgotten on reconnect), so one
 * statement may run on several connections (the worker's threads each have one). Names
 * are unique in the process; the model modules (lib/m_*.c, deploy.c, queue.c, audit.c)
 * own the statements. */
struct db_stmt {
	const char *name;
	const char *sql;
	int nparams;
};

#define DB_STMT(n, sql, np)                                                                        \
	{                                                                                          \
		n, sql, np                                                                         \
	}

/* Define a model function that runs one prepared statement, named after the function:
 *   DB_QUERY_FN(fn, sql, n)    PGresult *fn(struct db *, const char *const *params, struct err *)
 *   DB_COMMAND_FN(fn, sql, n)  long fn(...): the rows changed, or -1
 * The model modules (lib/m*.c, deploy.c, queue.c, audit.c) are lists of these. */
#define DB_QUERY_FN(fn, sql, n)                                                                    \
	PGresult *fn(struct db *db, const char *const *params, struct err *e)                      \
	{                                                                                          \
		static struct db_stmt st = DB_STMT(#fn, sql, n);                                   \
		return db_prepared(db, &st, params, e);                                            \
	}
#define DB_COMMAND_FN(fn, sql, n)                                                                  \
	long fn(struct db *db, const char *const *params, struct err *e)                           \
	{                                                                                          \
		static struct db_stmt st = DB_STMT(#fn, sql, n);                                   \
		return db_prepared_command(db, &st, params, e);                                    \
	}

/* Remember `url` (copied) and connect; -1 with 503 if the server cannot be reached
 * (the struct is still usable: later calls try again). */
int db_open(struct db *db, const char *url, int connect_timeout, struct err *e);
/* db_open, retrying every second for up to `wait_seconds` (for processes that start
 * alongside their database). */
int db_open_wait(struct db *db, const char *url, int connect_timeout, int wait_seconds,
		 struct err *e);
/* Close the connection and free the URL; the struct is zeroed-equivalent afterwards and may
 * be opened again. Safe on a zeroed struct that was never opened. */
void db_release(struct db *db);

/* Make sure a working connection exists; reconnects when needed. */
int db_ensure(struct db *db, struct err *e);

/* Run one statement. Returns a result the caller frees with PQclear, or NULL. */
PGresult *db_query(struct db *db, const char *sql, int nparams, const char *const *params,
		   struct err *e);
/* The same with a prepared statement. */
PGresult *db_prepared(struct db *db, struct db_stmt *stmt, const char *const *params,
		      struct err *e);
/* db_prepared for a statement whose rows are not needed: the affected row count or -1. */
long db_prepared_command(struct db *db, struct db_stmt *stmt, const char *const *params,
			 struct err *e);
/* Run a statement whose rows are not needed; returns the affected row count or -1. */
long db_command(struct db *db, const char *sql, int nparams, const char *const *params,
		struct err *e);

int db_begin(struct db *db, struct err *e);
int db_commit(struct db *db, struct err *e);
/* Roll back if a transaction is open; never fails the caller (logs instead). */
void db_rollback(struct db *db);

/* Value of row r, column c, or NULL when SQL NULL. Borrowed from `res`. */
const char *db_value(const PGresult *res, int r, int c);

#endif

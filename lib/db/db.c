/* db.c: libpq wrapper: reconnects, lazy prepared statements, error mapping */
#include "db.h"

#include "buf.h"
#include "log.h"
#include "metrics.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void notice_to_log(void *arg, const char *message)
{
	(void)arg;
	log_debug("database notice", "notice", message, NULL);
}

static int db_connect(struct db *db, struct err *e)
{
	char timeout[16];
	const char *keys[] = {
	    "dbname",	       "connect_timeout",     "application_name", "keepalives",
	    "keepalives_idle", "keepalives_interval", "keepalives_count", NULL};
	const char *vals[] = {db->url, timeout, "platform", "1", "30", "10", "3", NULL};

	if (db->conn) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
	db->in_tx = 0;
	snprintf(timeout, sizeof(timeout), "%d", db->connect_timeout);
	/* expand_dbname=1 reads the URL; the timeouts and keepalives listed after
	 * it apply on top, so a half-open TCP connection is noticed. */
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
		const char *why = db->conn ? PQerrorMessage(db->conn) : "out of memory";
		struct buf clean = BUF_INIT;

		/* libpq's text can span lines; keep the log one line. */
		for (const char *p = why; *p; p++)
			buf_addch(&clean, *p == '\n' ? ' ' : *p);
		log_warn("database connection failed", "reason", clean.buf, NULL);
		buf_release(&clean);
		if (db->conn) {
			PQfinish(db->conn);
			db->conn = NULL;
		}
		snprintf(db->sqlstate, sizeof(db->sqlstate), "08006");
		metrics_db_error("unavailable");
		return err_set(e, 503, "database_unavailable",
			       "the database is unavailable; try again shortly");
	}
	/* Server notices ("already exists, skipping") are not errors; keep them
	 * out of stderr unless debugging. */
	PQsetNoticeProcessor(db->conn, notice_to_log, NULL);
	if (db->generation)
		metrics_db_reconnect();
	db->generation++;
	memset(db->prepared, 0, sizeof(db->prepared));
	db->sqlstate[0] = '\0';
	return 0;
}

int db_open(struct db *db, const char *url, int connect_timeout, struct err *e)
{
	memset(db, 0, sizeof(*db));
	db->url = xstrdup(url ? url : "");
	db->connect_timeout = connect_timeout > 0 ? connect_timeout : 3;
	return db_connect(db, e);
}

int db_open_wait(struct db *db, const char *url, int connect_timeout, int wait_seconds,
		 struct err *e)
{
	if (db_open(db, url, connect_timeout, e) == 0)
		return 0;
	for (int i = 0; i < wait_seconds; i++) {
		sleep(1);
		if (db_connect(db, e) == 0)
			return 0;
	}
	return -1;
}

void db_release(struct db *db)
{
	if (db->conn)
		PQfinish(db->conn);
	db->conn = NULL;
	free(db->url);
	db->url = NULL;
}

int db_ensure(struct db *db, struct err *e)
{
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	return db_connect(db, e);
}

static int conn_lost(struct db *db)
{
	return !db->conn || PQstatus(db->conn) != CONNECTION_OK;
}

/* Map a failed result to struct err; consumes `res`. */
static void db_fail(struct db *db, PGresult *res, struct err *e)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *cons = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;

	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state ? state : "");
	snprintf(db->constraint, sizeof(db->constraint), "%s", cons ? cons : "");
	if (conn_lost(db) || (state && !strncmp(state, "08", 2)) ||
	    (state &&
	     (!strcmp(state, "57P01") || !strcmp(state, "57P02") || !strcmp(state, "57P03")))) {
		if (!state || !*state)
			snprintf(db->sqlstate, sizeof(db->sqlstate), "08006");
		log_warn("database connection lost", NULL);
		metrics_db_error("unavailable");
		err_set(e, 503, "database_unavailable",
			"the database is unavailable; try again shortly");
	} else if (state && (!strcmp(state, "23505") || !strcmp(state, "23P01"))) {
		metrics_db_error("conflict");
		err_set(e, 409, "conflict", "that already exists");
	} else {
		struct buf clean = BUF_INIT;
		const char *why = res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn);

		for (const char *p = why; *p; p++)
			buf_addch(&clean, *p == '\n' ? ' ' : *p);
		log_error("database error", "sqlstate", db->sqlstate, "reason", clean.buf, NULL);
		metrics_db_error("error");
		buf_release(&clean);
		err_set(e, 500, "database_error", "internal database error");
	}
	PQclear(res);
}

static int result_ok(PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

/* The slot of `stmt` in db->prepared: where it is, or the empty one where it goes; -1
 * when the set is full (then the statement runs unprepared). */
static int prepared_slot(struct db *db, const struct db_stmt *stmt)
{
	size_t h = ((size_t)(uintptr_t)stmt >> 4) % DB_PREPARED_SLOTS;

	for (size_t i = 0; i < DB_PREPARED_SLOTS; i++) {
		size_t at = (h + i) % DB_PREPARED_SLOTS;

		if (!db->prepared[at] || db->prepared[at] == stmt)
			return (int)at;
	}
	return -1;
}

/* Prepare `stmt` on this connection unless it has it. 1 prepared (or had it), 0 no room
 * to remember it, -1 error. */
static int stmt_prepare(struct db *db, const struct db_stmt *stmt, struct err *e)
{
	int slot = prepared_slot(db, stmt);
	PGresult *res;

	if (slot < 0)
		return 0;
	if (db->prepared[slot])
		return 1;
	res = PQprepare(db->conn, stmt->name, stmt->sql, stmt->nparams, NULL);
	if (!res || !result_ok(res)) {
		db_fail(db, res, e);
		return -1;
	}
	PQclear(res);
	db->prepared[slot] = stmt;
	return 1;
}

/* One attempt; `stmt` NULL means an unprepared statement. */
static PGresult *run_once(struct db *db, struct db_stmt *stmt, const char *sql, int nparams,
			  const char *const *params, struct err *e)
{
	PGresult *res;

	if (db_ensure(db, e) < 0)
		return NULL;
	if (stmt) {
		int rc = stmt_prepare(db, stmt, e);

		if (rc < 0)
			return NULL;
		res =
		    rc ? PQexecPrepared(db->conn, stmt->name, stmt->nparams, params, NULL, NULL, 0)
		       : PQexecParams(db->conn, stmt->sql, stmt->nparams, NULL, params, NULL, NULL,
				      0);
	} else {
		res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	}
	if (res && result_ok(res)) {
		db->sqlstate[0] = '\0';
		return res;
	}
	db_fail(db, res, e);
	return NULL;
}

static PGresult *run(struct db *db, struct db_stmt *stmt, const char *sql, int nparams,
		     const char *const *params, struct err *e)
{
	int was_in_tx = db->in_tx;
	PGresult *res = run_once(db, stmt, sql, nparams, params, e);

	if (res || was_in_tx || !conn_lost(db))
		return res;
	/* The connection died under us outside a transaction (a restarted server):
	 * the statement reached no live backend, so one more try is safe. */
	return run_once(db, stmt, sql, nparams, params, e);
}

PGresult *db_query(struct db *db, const char *sql, int nparams, const char *const *params,
		   struct err *e)
{
	return run(db, NULL, sql, nparams, params, e);
}

PGresult *db_prepared(struct db *db, struct db_stmt *stmt, const char *const *params, struct err *e)
{
	return run(db, stmt, NULL, stmt->nparams, params, e);
}

long db_prepared_command(struct db *db, struct db_stmt *stmt, const char *const *params,
			 struct err *e)
{
	PGresult *res = db_prepared(db, stmt, params, e);
	long n;

	if (!res)
		return -1;
	n = atol(PQcmdTuples(res));
	PQclear(res);
	return n;
}

long db_command(struct db *db, const char *sql, int nparams, const char *const *params,
		struct err *e)
{
	PGresult *res = db_query(db, sql, nparams, params, e);
	long n;

	if (!res)
		return -1;
	n = atol(PQcmdTuples(res));
	PQclear(res);
	return n;
}

int db_begin(struct db *db, struct err *e)
{
	if (db_command(db, "BEGIN", 0, NULL, e) < 0)
		return -1;
	db->in_tx = 1;
	return 0;
}

int db_commit(struct db *db, struct err *e)
{
	long r = db_command(db, "COMMIT", 0, NULL, e);

	db->in_tx = 0;
	return r < 0 ? -1 : 0;
}

void db_rollback(struct db *db)
{
	PGresult *res;

	if (!db->in_tx)
		return;
	db->in_tx = 0;
	if (conn_lost(db))
		return;
	res = PQexec(db->conn, "ROLLBACK");
	if (!res || !result_ok(res))
		log_warn("rollback failed", NULL);
	PQclear(res);
}

const char *db_value(const PGresult *res, int r, int c)
{
	if (PQgetisnull(res, r, c))
		return NULL;
	return PQgetvalue(res, r, c);
}

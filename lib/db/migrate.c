/* migrate.c: apply the embedded migrations under an advisory lock */
#include "migrate.h"

#include "buf.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A fixed key for pg_advisory_lock: "platform-migrate" folded into 63 bits. */
#define MIGRATE_LOCK_KEY "7286095147713562541"

int migrate_latest(void)
{
	return migrations_count ? migrations[migrations_count - 1].version : 0;
}

int migrate_current(struct db *db, int *version, struct err *e)
{
	PGresult *res;

	*version = 0;
	res = db_query(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0, NULL, e);
	if (!res) {
		/* 42P01: undefined table, i.e. a database nobody migrated yet */
		if (!strcmp(db->sqlstate, "42P01"))
			return 0;
		return -1;
	}
	*version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

static int is_applied(struct db *db, int version, int *yes, struct err *e)
{
	char v[16];
	const char *params[] = {v};
	PGresult *res;

	snprintf(v, sizeof(v), "%d", version);
	res = db_query(db, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, params, e);
	if (!res)
		return -1;
	*yes = PQntuples(res) > 0;
	PQclear(res);
	return 0;
}

static int apply_one(struct db *db, const struct migration *m, struct err *e)
{
	char v[16];
	const char *params[] = {v, m->name};
	PGresult *res;

	snprintf(v, sizeof(v), "%d", m->version);
	if (db_begin(db, e) < 0)
		return -1;
	/* A migration file holds several statements: the simple query protocol
	 * (PQexec) runs them all, inside our transaction. */
	res = PQexec(db->conn, m->sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		struct buf why = BUF_INIT;

		for (const char *p = PQresultErrorMessage(res); *p; p++)
			buf_addch(&why, *p == '\n' ? ' ' : *p);
		err_set(e, 500, "migration_failed", "migration %04d_%s failed: %s", m->version,
			m->name, why.buf);
		buf_release(&why);
		PQclear(res);
		db_rollback(db);
		return -1;
	}
	PQclear(res);
	if (db_command(db, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2,
		       params, e) < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db, e);
}

int migrate_apply(struct db *db, int *applied, void (*out)(const char *line), struct err *e)
{
	int n = 0, locked = 0, ret = -1;
	char line[256];

	if (applied)
		*applied = 0;
	if (db_command(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", 0, NULL, e) < 0)
		goto out;
	locked = 1;
	if (db_command(db,
		       "CREATE TABLE IF NOT EXISTS schema_migrations ("
		       " version integer PRIMARY KEY, name text NOT NULL,"
		       " applied_at timestamptz NOT NULL DEFAULT now())",
		       0, NULL, e) < 0)
		goto out;
	for (int i = 0; i < migrations_count; i++) {
		const struct migration *m = &migrations[i];
		int done;

		if (is_applied(db, m->version, &done, e) < 0)
			goto out;
		if (done)
			continue;
		if (apply_one(db, m, e) < 0)
			goto out;
		n++;
		snprintf(line, sizeof(line), "applied %04d_%s", m->version, m->name);
		log_info("migration applied", "name", m->name, NULL);
		if (out)
			out(line);
	}
	ret = 0;
out:
	if (locked) {
		struct err ignore;

		db_command(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", 0, NULL, &ignore);
	}
	if (applied)
		*applied = n;
	return ret;
}

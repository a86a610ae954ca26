/* migrate.h: schema migrations embedded in the binary (sql/NNNN_name.sql).
 *
 * migrate_apply takes a session advisory lock so that two migrators never
 * race, records applied versions in schema_migrations, and applies each
 * missing migration in a transaction of its own. Running it again is a no-op.
 */
#ifndef PLATFORM_MIGRATE_H
#define PLATFORM_MIGRATE_H

#include "db.h"
#include "err.h"

struct migration {
	int version;
	const char *name;
	const char *sql;
};

/* Generated from sql/ by scripts/embed-sql, in version order. */
extern const struct migration migrations[];
extern const int migrations_count;

/* The newest version this binary knows. */
int migrate_latest(void);

/* Apply what is missing. `applied` (may be NULL) gets the number applied now.
 * Progress goes to `out` (may be NULL), one line per migration. */
int migrate_apply(struct db *db, int *applied, void (*out)(const char *line), struct err *e);

/* The newest applied version (0 when none, or when the table does not exist yet). */
int migrate_current(struct db *db, int *version, struct err *e);

#endif

/* cmd_migrate.c: platformctl migrate [--status]: apply or list schema migrations */
#include "cmd.h"

#include "config.h"
#include "db.h"
#include "migrate.h"

#include <stdio.h>
#include <string.h>

static void print_line(const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
}

static int show_status(struct db *db)
{
	struct err e = ERR_INIT;
	int current;

	if (migrate_current(db, &current, &e) < 0) {
		fprintf(stderr, "platformctl migrate: %s\n", e.msg);
		return 1;
	}
	for (int i = 0; i < migrations_count; i++)
		printf("%04d_%s %s\n", migrations[i].version, migrations[i].name,
		       migrations[i].version <= current ? "applied" : "pending");
	return current < migrate_latest() ? 1 : 0;
}

int cmd_migrate(const struct config *cfg, int argc, char **argv)
{
	static const char *const required[] = {"database_url", NULL};
	struct db db = {0};
	struct err e = ERR_INIT;
	int status_only = 0, applied = 0, rc = 1, wait = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--status")) {
			status_only = 1;
		} else if (!strcmp(argv[i], "--wait")) {
			wait = 30;
		} else {
			fprintf(stderr, "usage: platformctl migrate [--status] [--wait]\n");
			return 2;
		}
	}
	if (config_require(cfg, required, &e) < 0) {
		fprintf(stderr, "platformctl migrate: %s\n", e.msg);
		return 1;
	}
	if (db_open_wait(&db, cfg->database_url, (int)cfg->db_connect_timeout, wait, &e) < 0) {
		fprintf(stderr, "platformctl migrate: %s\n", e.msg);
		goto out;
	}
	if (status_only) {
		rc = show_status(&db);
		goto out;
	}
	if (migrate_apply(&db, &applied, print_line, &e) < 0) {
		fprintf(stderr, "platformctl migrate: %s\n", e.msg);
		goto out;
	}
	printf("schema at version %d (%d applied now)\n", migrate_latest(), applied);
	rc = 0;
out:
	db_release(&db);
	return rc;
}

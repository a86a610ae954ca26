/* cmd_housekeep.c: platformctl housekeep: remove expired and old rows now (the worker does it
 * every PLATFORM_HOUSEKEEP_INTERVAL seconds) */
#include "cmd.h"

#include "config.h"
#include "db.h"
#include "housekeep.h"

#include <stdio.h>
#include <string.h>

int cmd_housekeep(const struct config *cfg, int argc, char **argv)
{
	static const char *const required[] = {"database_url", NULL};
	struct db db = {0};
	struct err e = ERR_INIT;
	struct housekeep_counts c;
	int rc = 1;

	if (argc > 1) {
		fprintf(stderr, "usage: platformctl housekeep\n");
		return 2;
	}
	(void)argv;
	if (config_require(cfg, required, &e) < 0) {
		fprintf(stderr, "platformctl housekeep: %s\n", e.msg);
		return 1;
	}
	if (db_open(&db, cfg->database_url, (int)cfg->db_connect_timeout, &e) < 0 ||
	    housekeep_run(&db, cfg->webhook_retention_days, &c, &e) < 0) {
		fprintf(stderr, "platformctl housekeep: %s\n", e.msg);
		goto out;
	}
	printf("removed %ld expired sessions, %ld OAuth states, %ld webhook deliveries, "
	       "%ld rejection counts, %ld finished jobs\n",
	       c.sessions, c.oauth_states, c.deliveries, c.rejections, c.jobs);
	rc = 0;
out:
	db_release(&db);
	return rc;
}

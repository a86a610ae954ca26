/* retention.c: deletes the logs of a project's oldest finished deployments */
#include "retention.h"

#include "log.h"
#include "deploy.h"

#include <stdio.h>
#include <stdlib.h>

long retention_prune(struct db *db, const char *project_id, long keep, struct err *e)
{
	char n[24];
	const char *p[2] = {project_id, n};
	PGresult *res;
	long deleted;

	if (keep <= 0 || !project_id || !*project_id)
		return 0;
	snprintf(n, sizeof(n), "%ld", keep);
	/* deployments_project_idx (project_id, seq DESC) serves both scans */
	res = deploy_prune_logs(db, p, e);
	if (!res)
		return -1;
	deleted = atol(PQcmdTuples(res));
	PQclear(res);
	return deleted;
}

void retention_after_finish(struct db *db, const char *project_id, long keep)
{
	struct err e = ERR_INIT;
	long n = retention_prune(db, project_id, keep, &e);
	char c[24];

	if (n < 0) {
		log_warn("old build logs could not be deleted", "project_id", project_id, "reason",
			 e.msg, NULL);
	} else if (n > 0) {
		snprintf(c, sizeof(c), "%ld", n);
		log_info("old build logs deleted", "project_id", project_id, "chunks", c, NULL);
	}
}

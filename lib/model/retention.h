/* retention.h: how long build logs are kept (prefix retention_).
 *
 * Each project keeps the logs of its newest PLATFORM_LOG_RETENTION deployments (by seq,
 * running ones included); the logs of older deployments that no job works on any more
 * (none queued or running: the worker has read their log to the end) are deleted. The
 * deployment rows stay: only their log text goes, so GET .../logs answers an empty log
 * for them. A log the worker may still write to is never deleted.
 */
#ifndef PLATFORM_RETENTION_H
#define PLATFORM_RETENTION_H

#include "db.h"
#include "err.h"

/* Delete the logs of `project_id`'s ended deployments older than its newest `keep`
 * (keep <= 0: keep everything). Returns the number of log chunks deleted, -1 with `e`. */
long retention_prune(struct db *db, const char *project_id, long keep, struct err *e);

/* retention_prune for a deployment that just ended; a failure is only logged (the next
 * finished deployment of the project prunes again). */
void retention_after_finish(struct db *db, const char *project_id, long keep);

#endif

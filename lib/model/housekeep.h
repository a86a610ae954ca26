/* housekeep.h: removing rows nobody needs any more (prefix housekeep_).
 *
 * Expired sessions and OAuth states, webhook deliveries older than the retention (GitHub
 * redelivers for 3 days; the default keeps 30), rejection counts older than 90 days, and
 * finished jobs older than 7 days (their deployments keep the history). The worker runs it
 * every PLATFORM_HOUSEKEEP_INTERVAL seconds; `platformctl housekeep` runs it once. Several
 * runs at once are harmless: each statement only deletes.
 */
#ifndef PLATFORM_HOUSEKEEP_H
#define PLATFORM_HOUSEKEEP_H

#include "db.h"
#include "err.h"

struct housekeep_counts {
	long sessions, oauth_states, deliveries, rejections, jobs;
};

/* Delete what is due; `counts` (may be NULL) gets how many rows of each went. */
int housekeep_run(struct db *db, long delivery_days, struct housekeep_counts *counts,
		  struct err *e);

#endif

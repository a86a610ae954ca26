/* housekeep.c: the periodic deletes of expired and old rows */
#include "housekeep.h"

#include "log.h"
#include "mhook.h"
#include "msession.h"
#include "queue.h"

#include <stdio.h>
#include <string.h>

int housekeep_run(struct db *db, long delivery_days, struct housekeep_counts *counts, struct err *e)
{
	struct housekeep_counts c;
	char days[24];
	const char *p[1] = {days};

	memset(&c, 0, sizeof(c));
	snprintf(days, sizeof(days), "%ld", delivery_days > 0 ? delivery_days : 30);
	/* a day of grace: a clock a little off never ends a session early */
	if ((c.sessions = msession_prune_expired(db, NULL, e)) < 0 ||
	    (c.oauth_states = msession_oauth_prune(db, NULL, e)) < 0 ||
	    (c.deliveries = mhook_prune_deliveries(db, p, e)) < 0 ||
	    (c.rejections = mhook_prune_rejections(db, NULL, e)) < 0 ||
	    (c.jobs = queue_prune(db, NULL, e)) < 0)
		return -1;
	if (c.sessions + c.oauth_states + c.deliveries + c.rejections + c.jobs > 0) {
		char line[160];

		snprintf(line, sizeof(line),
			 "%ld sessions, %ld oauth states, %ld deliveries, "
			 "%ld rejection counts, %ld jobs",
			 c.sessions, c.oauth_states, c.deliveries, c.rejections, c.jobs);
		log_info("housekeeping removed old rows", "removed", line, NULL);
	}
	if (counts)
		*counts = c;
	return 0;
}

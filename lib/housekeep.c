/* housekeep.c: the periodic deletes of expired and old rows */
#include "housekeep.h"

#include "log.h"

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
	if ((c.sessions =
		 db_command(db, "DELETE FROM sessions WHERE expires_at < now() - interval '1 day'",
			    0, NULL, e)) < 0 ||
	    (c.oauth_states = db_command(db, "DELETE FROM oauth_states WHERE expires_at < now()", 0,
					 NULL, e)) < 0 ||
	    (c.deliveries = db_command(db,
				       "DELETE FROM webhook_deliveries WHERE received_at < now() - "
				       "make_interval(days => $1::int)",
				       1, p, e)) < 0 ||
	    (c.rejections =
		 db_command(db, "DELETE FROM webhook_rejections WHERE day < current_date - 90", 0,
			    NULL, e)) < 0 ||
	    (c.jobs = db_command(db,
				 "DELETE FROM jobs WHERE state IN ('done', 'failed')"
				 " AND updated_at < now() - interval '7 days'",
				 0, NULL, e)) < 0)
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

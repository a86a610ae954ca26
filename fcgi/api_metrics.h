/* api_metrics.h: the API pool's metrics listener (prefix api_metrics_).
 *
 * With PLATFORM_API_METRICS_LISTEN set, the master maps the shared counters (lib/util/metrics.h)
 * before it forks the pool, names the routes of the route table, and starts the listener
 * process (lib/util/metricsd.h); every pool child then counts into the same pages.
 */
#ifndef PLATFORM_API_METRICS_H
#define PLATFORM_API_METRICS_H

#include "config.h"

#include <sys/types.h>

/* In the master, before the pool is forked. The listener's pid, or -1 when none is
 * configured or it could not start (logged; the API runs on without metrics). */
pid_t api_metrics_start(const struct config *cfg);

#endif

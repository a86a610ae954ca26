/* worker_metrics.h: the worker's metrics listener (prefix worker_metrics_).
 *
 * With PLATFORM_WORKER_METRICS_LISTEN set, the worker maps the shared counters
 * (lib/util/metrics.h) and starts the listener process (lib/util/metricsd.h) before it connects to
 * PostgreSQL. Each scrape adds gauges the listener reads from PostgreSQL on its own
 * connection: jobs by kind and state, the queue's depth and the age of its oldest job.
 * These describe the shared queue, so every worker replica reports the same values.
 */
#ifndef PLATFORM_WORKER_METRICS_H
#define PLATFORM_WORKER_METRICS_H

#include "config.h"

#include <sys/types.h>

/* Before the first database connection. The listener's pid, or -1 when none is
 * configured or it could not start (logged; the worker runs on without metrics). */
pid_t worker_metrics_start(const struct config *cfg);

#endif

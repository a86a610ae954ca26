/* metricsd.h: the metrics listener: a small HTTP process that answers GET /metrics (prefix
 * metricsd_).
 *
 * metricsd_start binds `where` ("host:port"; a loopback address unless the operator binds it
 * elsewhere on purpose, e.g. 0.0.0.0 in a pod) and forks one process that answers each
 * connection with what `render` appends, one request per connection. It is a separate process
 * so a slow scraper never holds up a pool child, the master or the worker's loop; it dies with
 * its parent (PR_SET_PDEATHSIG) or on SIGTERM. The render callback runs in that process: it
 * must not use a database connection of the parent (it may open its own).
 */
#ifndef PLATFORM_METRICSD_H
#define PLATFORM_METRICSD_H

#include "buf.h"
#include "err.h"

#include <sys/types.h>

typedef void (*metricsd_render_fn)(struct buf *out, void *arg);

/* Bind and fork; *pid gets the process id. -1 with `e` when the address is bad or taken
 * (nothing forked). */
int metricsd_start(const char *where, metricsd_render_fn render, void *arg, pid_t *pid,
		   struct err *e);

/* Stop the listener process (SIGTERM, then wait for it); pid <= 0 is a no-op. */
void metricsd_stop(pid_t pid);

#endif

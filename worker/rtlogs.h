/* rtlogs.h: the podman runtime's log collector: what each project's running containers print,
 * stored for GET /api/projects/{id}/runtime/logs and published live (prefix rtlogs_).
 *
 * One thread of its own, with its own database connection, so that reading containers never
 * delays a deploy. Every PLATFORM_RUNTIME_LOGS_POLL_MS it lists the runtime's running
 * containers (podman ps, label platform.managed) and reads what each printed since the last
 * line it stored (`podman logs --timestamps --since <that line's stamp>`, exclusive; a container
 * seen for the first time gives its last PLATFORM_RUNTIME_LOGS_KEEP lines). stdout and stderr
 * are merged in time order, masked with the deployment's secrets (its env snapshot and the
 * platform's credentials, lib/rules/redact), made valid UTF-8, stored in runtime_logs (the
 * newest PLATFORM_RUNTIME_LOGS_KEEP lines per project are kept) and published on the nchan
 * channel "runtime-<project id>" as
 *
 *	{"type":"runtime_log","project_id":P,"lines":[{"at":T,"deployment_id":D,
 *	  "container":C,"stream":"stdout"|"stderr","text":"..."}]}
 *
 * Where to resume lives in PostgreSQL (the newest stamp stored per container), so a restarted
 * worker neither repeats nor loses lines. Several workers on one database: only the one that
 * holds the collector's advisory lock reads (mrtlog_collector_lock), the others wait.
 *
 * Ownership: the collector borrows `cfg` and `pub` (may be NULL), which must outlive
 * rtlogs_stop; rtlogs_stop joins the thread and frees everything.
 */
#ifndef PLATFORM_WORKER_RTLOGS_H
#define PLATFORM_WORKER_RTLOGS_H

#include "config.h"

struct publisher;
struct rtlogs;

/* Start the thread; NULL, logged, when it cannot start (runtime logs then stay empty). */
struct rtlogs *rtlogs_start(const struct config *cfg, struct publisher *pub);
/* Stop the thread (a read in progress finishes) and free it. NULL is fine. */
void rtlogs_stop(struct rtlogs *r);

#endif

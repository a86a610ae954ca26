/* rtargo.h: Argo CD's source of runtime logs (worker/rtlogs.h): the pods of each served
 * project's Application, read through Argo CD's REST API.
 *
 * Each round, for every project with a live deployment (mrtlog_served), it asks
 * GET /api/v1/applications/<workspaceId>-<userId>-<projectName>/logs (lib/clients/argocd.h)
 * for the pods of the app's Deployment in namespace user-<userId>, container "app", without
 * follow. Polling rather than follow: one short request per project and round (at most 5 s)
 * keeps the collector one thread that never waits on an open stream, and a worker restart
 * loses nothing, because where to resume is in PostgreSQL, not in a connection.
 *
 * Exactly once: a project with nothing stored asks for each pod's last
 * PLATFORM_RUNTIME_LOGS_KEEP lines (tailLines). Later rounds ask for the lines since the
 * project's newest stored line, plus a few seconds of slack for clocks and lines written while
 * the last answer was sent (sinceSeconds: Argo CD's REST gateway cannot take sinceTime, see
 * argocd.h), and drop every line of a pod that is not newer than the newest stamp stored for
 * that pod (stamps are Kubernetes' nanosecond times). A pod seen for the first time keeps all
 * its lines in that window.
 *
 * Argo CD does not tell stdout from stderr (Kubernetes merges them in the pod's log): every
 * line is "stdout", its container is the pod's name. Lines are shown as the project's newest
 * live deployment (the version serving) and masked with its env and with that of a newer one
 * Argo CD is rolling out.
 */
#ifndef PLATFORM_WORKER_RTARGO_H
#define PLATFORM_WORKER_RTARGO_H

#include "rtlogs.h"

extern const struct rtlogs_source rtsrc_argocd;

#endif

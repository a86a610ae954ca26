/* runtime.h: the podman runtime: the engine's after-release stage on one machine (stage_podman,
 * prefix runtime_).
 *
 * Chosen by PLATFORM_RUNTIME=podman. Git stays the source of truth: for a released deployment
 * the stage reads its app's values.yaml and Chart.yaml from the GitOps repository (image, tag,
 * port, replicas, resources, probes, host, the deployment-seq that wrote it) and runs it:
 *
 *	released -> syncing: one container per replica beside the old ones
 *	           (podman run, labelled platform.app / platform.deployment / platform.project,
 *	           PORT set, --memory/--cpus from the limits, published on a free 127.0.0.1 port)
 *	-> ready:  every new container answers its probe (HTTP GET probes.path, or a TCP connect
 *	           when probes are off) within PLATFORM_RUNTIME_READY_TIMEOUT
 *	-> routed: the app's nginx file (PLATFORM_RUNTIME_ROUTES_DIR/<app>.conf: an upstream of the
 *	           new containers and a server for the app's host) is replaced and nginx reloaded
 *	           gracefully (SIGHUP to PLATFORM_RUNTIME_NGINX_PID); the route is read back through
 *	           nginx until it answers with the new deployment (X-Platform-Deployment header)
 *	-> live:   the old containers are removed a moment later (requests in flight finish)
 *
 * A version that never gets ready ends failed, with the last lines its container printed in the
 * deployment's log; its containers go, the route is untouched: the previous version keeps
 * serving. A newer release already in git makes this one superseded.
 *
 * Level-triggered repair (runtime_resync, every PLATFORM_RUNTIME_RESYNC seconds and after a
 * removal): what git holds is compared with what podman runs; a stopped container of the
 * serving version is started again, an app that runs nothing is started from git, and the
 * containers and route of an app no longer in git are removed.
 *
 * Podman calls block the worker's loop for their duration (a start is well under a second
 * with a local image); probes are single short calls, one per step.
 */
#ifndef PLATFORM_WORKER_RUNTIME_H
#define PLATFORM_WORKER_RUNTIME_H

#include "engine.h"

extern const struct stage_driver stage_podman;

/* Check the podman runtime's settings at start. */
int runtime_check_config(const struct config *cfg, struct err *e);

/* Compare git with what runs and repair the difference (see above). */
void runtime_resync(struct worker *w);

#endif

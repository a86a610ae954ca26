/* build.h: the Jenkins build driver: one deployment followed through Jenkins (drv_jenkins).
 *
 * One of the engine's build drivers (worker/engine.h), chosen when PLATFORM_JENKINS_URL is set
 * (or PLATFORM_BUILD_DRIVER=jenkins). The engine calls its step when the build is due (next_at
 * passed, no call in flight); a step does at most one Jenkins call, whose reply handler sets
 * the driver's next phase and time. All state worth keeping is in PostgreSQL (queue id, build
 * number, log offset, the token's hash), so a build that dies with its worker is resumed by the
 * next one (the engine's LOAD hands the row to start, which picks the phase):
 *
 *	start -> TRIGGER -> QUEUE -> FOLLOW (log) -> RESULT -> [GRACE] -> released (the engine's
 *	           ^  \-> LOOKUP (a trigger whose answer was lost: find it by DEPLOYMENT_ID)  stage)
 *
 * The pipeline writes the GitOps release itself and reports it on the callback endpoint;
 * GRACE waits for that report, then ends the driver's part with released (engine_finish).
 *
 * Cancel requests, supersedes and timeouts are noticed between calls and turn the
 * next call into a queue cancel or a build stop; the log is still read to the end.
 *
 * The Jenkins client (w->jk) and the callback URL are the worker's, set up by the driver's
 * open; every call goes on the client's curl multi handle, waited on with the database socket.
 */
#ifndef PLATFORM_WORKER_BUILD_H
#define PLATFORM_WORKER_BUILD_H

#include "engine.h"

extern const struct build_driver drv_jenkins;

#endif

/* track.h: following a released deployment in Argo CD until it is live or failed (prefix track_).
 *
 *	released --(refresh asked)--> syncing --(Synced + Healthy at our commit)--> live
 *	                                     \--(Degraded, or the sync of our commit failed)-->
 *failed
 *	                                     \--(not live within argocd_timeout of released_at)-->
 *failed
 *	                                     \--(a newer deployment of the project released)-->
 *superseded
 *
 * Right after the GitOps commit the first read asks Argo CD to refresh (?refresh=normal), so
 * the deployment does not wait out Argo CD's three-minute git poll; then the Application is
 * read every argocd_poll_ms and judged by argocd_judge (lib/clients/argocd). Everything the
 *decision needs (state, GitOps commit, released_at) is read from PostgreSQL at each step, so a
 *worker that restarts picks tracking up where it was: the deploy job is held until live or failed,
 * and a released or syncing deployment found at LOAD comes back here.
 *
 * It is the engine's STAGE (worker/engine.h): started once after the build and release, its
 * first step ends at once when the deployment is not released or syncing (failed builds,
 * restarts). Without PLATFORM_ARGOCD_URL nothing is tracked: released is the last state.
 *
 * The calls to Argo CD are short blocking libcurl requests (argocd_get, 5 s limit), not calls
 * on the Jenkins multi handle: Argo CD answers GET /applications/{name} from its cache in
 * milliseconds and each syncing deployment is read once per argocd_poll_ms, so the loop is
 * rarely held. What could hold it is an Argo CD that does not answer: after a failed call
 * every tracked deployment waits one back-off before the next call, so a dead Argo CD costs
 * one timeout per back-off, far inside the job lease, not one per deployment.
 */
#ifndef PLATFORM_WORKER_TRACK_H
#define PLATFORM_WORKER_TRACK_H

#include "engine.h"

/* The after-release stage of the engine when PLATFORM_ARGOCD_URL is set. */
extern const struct stage_driver stage_argocd;

#endif

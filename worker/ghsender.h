/* ghsender.h: the worker's sender of deployments to GitHub's Deployments API (prefix ghsender_).
 *
 * Events are queued in PostgreSQL (github_deployment_events, lib/model/ghdeploy.h) by the
 * transaction that changed a deployment's state. The sender runs one thread of its own with its
 * own database connection and curl multi handle, so a slow or dead GitHub never delays a deploy.
 * It claims due events (FOR UPDATE SKIP LOCKED; the claim leases the row past the call's time
 * limit), at most one per deployment and only the oldest pending one of it, so a deployment's
 * calls go out in the order they were queued: the create (POST /repos/{o}/{r}/deployments),
 * whose id is stored on the deployment (deployments.github_deployment_id) in the transaction
 * that records it, then its statuses (POST .../deployments/{id}/statuses). Up to
 * GHSENDER_BATCH calls run at once.
 *
 * A 2xx is sent. No answer, a 5xx, 401, 403, 408 or 429 (a token signed out, a rate limit) is
 * tried again after PLATFORM_GITHUB_DEPLOYMENTS_RETRY_MS, doubling up to an hour, until
 * PLATFORM_GITHUB_DEPLOYMENTS_RETRY_FOR seconds after the state change, then it is failed; any
 * other answer (404: no such repository for the token, 422: refused) is failed at once. A create
 * that failed fails the deployment's pending statuses with it. When a success status was sent,
 * the older deployments of the project whose success was sent get an inactive status (queued in
 * the same transaction).
 *
 * Requests carry the project owner's GitHub token (opened from users.github_token with
 * PLATFORM_SECRET_KEY), Accept: application/vnd.github+json and X-GitHub-Api-Version; the token
 * is never logged and is wiped from memory after the call. Redirects are not followed.
 */
#ifndef PLATFORM_WORKER_GHSENDER_H
#define PLATFORM_WORKER_GHSENDER_H

#include "config.h"

#define GHSENDER_BATCH 16

struct ghsender;

/* Start the thread with the worker's settings (copied); `released_final` is 1 when the worker
 * has no after-release runtime (PLATFORM_RUNTIME=none: `released` is a success on GitHub).
 * NULL when PLATFORM_GITHUB_DEPLOYMENTS is 0, or (logged) when it cannot start: events then
 * wait in PostgreSQL for a worker that sends them. */
struct ghsender *ghsender_start(const struct config *cfg, int released_final);
/* Stop the thread (calls in flight are abandoned and their rows made due again at once) and
 * free it. NULL is fine. */
void ghsender_stop(struct ghsender *s);

#endif

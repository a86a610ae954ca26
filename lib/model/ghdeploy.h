/* ghdeploy.h: deployments shown on GitHub: the outbox of Deployments API calls a deployment's
 * state changes queue, and the statements its sender runs (prefix ghdeploy_).
 *
 * When a deployment of a project whose repository is on GitHub changes state,
 * deploy_transition() calls ghdeploy_enqueue() in the same transaction. It queues, in
 * github_deployment_events (sql/0018), at most one "create" event per deployment (the GitHub
 * deployment: POST /repos/{owner}/{repo}/deployments) and one "status" event per state that
 * GitHub hears about (POST .../deployments/{id}/statuses); platform-worker sends them
 * (worker/ghsender.c) one at a time per deployment, in the order they were queued, each once.
 *
 *	state      create?  status sent (worker/ghsender.c maps it, ghdeploy_github_state)
 *	building   yes      in_progress
 *	released   yes      success when `released` is final (PLATFORM_RUNTIME=none), else
 *	                    in_progress
 *	live       yes      success, with environment_url = the live URL
 *	failed     yes      failure (timeouts included: they are failures of the deployment)
 *	cancelled  no       error (only when the deployment is on GitHub already)
 *	superseded no       error (likewise: it never went live)
 *	inactive   -        inactive: queued by the sender once a newer deployment's success is
 *	                    sent, or when a preview is removed
 *
 * A preview's deployment also gets a "comment" event once its success is sent: the pull
 * request's comment with the preview's URL, posted the first time (POST
 * /repos/{owner}/{repo}/issues/{number}/comments, its id kept in previews.github_comment_id)
 * and edited in place after (PATCH .../issues/comments/{id}).
 *
 * Nothing is queued unless the policy (ghdeploy_set_policy) is on, the repository URL starts
 * with the GitHub web base (http or https) followed by "/owner/name", and the project's owner
 * has a GitHub token stored (users.github_token): sample repositories on file:// and users who
 * signed in locally queue nothing.
 *
 * The ghdeploy_* statement functions run one prepared statement with `params` ($1..$n, text,
 * NULL for SQL NULL, all borrowed): a query returns its result (the caller PQclears it) or NULL
 * with `e` filled; a command returns the number of rows it changed or -1.
 */
#ifndef PLATFORM_GHDEPLOY_H
#define PLATFORM_GHDEPLOY_H

#include "db.h"
#include "err.h"

#define GHDEPLOY_CHANNEL     "platform_github" /* NOTIFY'd when events are queued */
#define GHDEPLOY_ENVIRONMENT "production"      /* the GitHub environment of a project's deploys */
/* a preview's deployments go to the environment "pr-<number>" (transient: it goes with the
 * preview, whose removal marks them inactive) */
#define GHDEPLOY_DESC_MAX 140 /* GitHub's limit on a status description */

/* What this process queues: `github_url` (PLATFORM_GITHUB_URL, copied; its trailing slashes
 * dropped) is the web base repository URLs must start with; `enabled` is
 * PLATFORM_GITHUB_DEPLOYMENTS. A base that is not http or https turns it off. Call it at start
 * (and on a reload) before any thread runs; until then nothing is queued. */
void ghdeploy_set_policy(const char *github_url, int enabled);

/* Queue what deployment `deployment_id` entering `state` ("building") tells GitHub (the table
 * above). Run it in the transaction of the state change. Returns the number of events queued
 * (0 when none: another state, the policy off, a repository not on GitHub), or -1. */
long ghdeploy_enqueue(struct db *db, const char *deployment_id, const char *state, struct err *e);

/* The GitHub deployment state ("in_progress") a status event of `state` is sent as, and a
 * description of it in *desc (static); `released_final` is 1 when `released` is the last state
 * (no after-release runtime). NULL for an unknown state. */
const char *ghdeploy_github_state(const char *state, int released_final, const char **desc);

/* ---- the sender's statements (worker/ghsender.c) ---- */

/* $1 how many, $2 lease (ms) -> id, kind, state, attempts, age (s), repo, environment,
 * deployment id, github deployment id (NULL until created), ref (the commit, else the branch),
 * deployment seq, project name, project user id, routed custom domain (NULL: none), error,
 * the owner's sealed GitHub token (hex, NULL: none), then for a preview's deployment (else NULL)
 * the pull request's number, the comment's id (NULL: none yet) and the preview's id: due events,
 * each the oldest pending one of its deployment, claimed (the attempt counted, leased past the
 * call) */
PGresult *ghdeploy_claim(struct db *db, const char *const *params, struct err *e);
/* $1 id, $2 status (pending, sent, failed), $3 response status, $4 last error, $5 ms until the
 * next attempt, $6 the GitHub state sent (NULL: unchanged) */
long ghdeploy_record(struct db *db, const char *const *params, struct err *e);
/* $1 deployment id, $2 reason: its pending events fail (its create failed for good) */
long ghdeploy_fail_rest(struct db *db, const char *const *params, struct err *e);
/* $1 deployment id: queue an inactive status for each deployment of its project and environment
 * whose success was sent and that a later deployment's sent success replaced */
long ghdeploy_inactivate_older(struct db *db, const char *const *params, struct err *e);
/* $1 preview id: queue an inactive status for each of its deployments that reported success
 * (the preview was removed: its environment is gone) */
long ghdeploy_inactivate_preview(struct db *db, const char *const *params, struct err *e);
/* $1 event id (a sent success): queue the pull-request comment when its deployment is a
 * preview's (saying removed when the preview is gone by now) */
long ghdeploy_queue_comment(struct db *db, const char *const *params, struct err *e);
/* $1 preview id (removed): the pull request's comment, if one was queued, says so */
long ghdeploy_comment_removed(struct db *db, const char *const *params, struct err *e);
/* $1 preview id, $2 the id of the comment GitHub made */
long ghdeploy_comment_save(struct db *db, const char *const *params, struct err *e);
/* $1 preview id, $2 comment id: forget it (deleted on GitHub: the next comment posts anew) */
long ghdeploy_comment_forget(struct db *db, const char *const *params, struct err *e);
/* $1 id: due again at once, the attempt not counted (a call the sender abandoned) */
long ghdeploy_retry_now(struct db *db, const char *const *params, struct err *e);
/* $1 days: delete finished events older than that */
long ghdeploy_prune(struct db *db, const char *const *params, struct err *e);
/* -> ms until the next pending event is due (NULL: none) */
PGresult *ghdeploy_next_due(struct db *db, const char *const *params, struct err *e);

#endif

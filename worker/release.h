/* release.h: the worker's own GitOps writes: a deployment's release, and removals (prefix
 * release_).
 *
 * The Jenkins pipeline writes its releases itself (platformctl gitops release). The worker
 * writes them for the drivers that have no pipeline: rollbacks in the direct mode
 * (PLATFORM_ROLLBACK_MODE=direct, the default) and the local image builder. Both go
 * through lib/clients/gitops, the same code platformctl uses, so a release looks the same in git
 * whoever wrote it: the pipeline's inputs (image, tag, port, domain, custom domain,
 * framework) and the trailers Deployment-Id and Triggered-By.
 *
 * The calls block (libgit2: fetch, commit, push; milliseconds for a file:// remote, a few
 * seconds for a remote one). That is acceptable in the one-thread worker because they are
 * rare next to the Jenkins polls (a rollback, a finished local build, a deleted project),
 * and every other followed build only waits, it loses nothing: its state is in PostgreSQL.
 *
 * GitOps settings: PLATFORM_GITOPS_URL (the config setting gitops_url, a secret: never
 * logged, messages carry the redacted URL), and like platformctl PLATFORM_GITOPS_BRANCH,
 * PLATFORM_GITOPS_CACHE, PLATFORM_GITOPS_AUTHOR_NAME/_EMAIL, PLATFORM_GITOPS_SSH_KEY and
 * PLATFORM_GITOPS_SSH_PASSPHRASE (config settings, as for platformctl).
 *
 * Each release carries the deployment's per-project seq (Chart.yaml annotation
 * deployment-seq): a release older than the one git holds fails with 409 stale_release and
 * writes nothing, whichever of the pipeline and the worker wrote the newer one.
 */
#ifndef PLATFORM_WORKER_RELEASE_H
#define PLATFORM_WORKER_RELEASE_H

#include "engine.h"

#include "buf.h"
#include "config.h"
#include "err.h"

/* 1 when rollbacks are written by the worker: rollback_mode is "direct" and a GitOps URL is
 * set. Without one the worker cannot write and rollbacks go to Jenkins (ACTION=rollback)
 * as before; main.c says so in the log at start. */
int release_direct(const struct config *cfg);

struct gitops_opts;
/* The GitOps options of the worker's settings (the same platformctl reads), for readers of
 * the repository (worker/runtime.c). */
void release_gitops_opts(const struct config *cfg, struct gitops_opts *o);

/* Write the release of deployment `deployment_id` to GitOps and record its commit.
 *
 * Loads what it needs: the image and tag from the deployment row (a rollback copied them
 * from its target; a local build stores them before calling this), the names and port from
 * its project. Then one gitops_release commit (the subject says "rollback" for action
 * rollback), then `gitops_commit` is stored on the row. The state is NOT moved: the caller
 * moves the deployment to released (deploy_transition), so it keeps its own bookkeeping.
 *
 * Idempotent: a deployment that already has a GitOps commit is not written again; its
 * commit is returned (a worker that died between the write and the state change resumes).
 *
 * `commit` (owned by the caller) gets the 40-hex commit appended. Returns 0, or -1 with
 * `e`: 404 deployment_not_found; 409 deployment_finished (it ended or was superseded:
 * nothing was written); 409 nothing_to_release (no image or tag on the row); 500
 * missing_setting (no gitops_url); 502/409 from lib/clients/gitops (remote_unreachable,
 * auth_failed, push_rejected: worth retrying later); other codes from lib/clients/gitops and the
 * database. */
int release_write(struct worker *w, const char *deployment_id, struct buf *commit, struct err *e);

/* Claim the queued 'gitops_remove' jobs (a deleted project's app folder) and remove each
 * app from GitOps in one commit. A failure is retried later with a growing delay, and
 * ends the job as failed after a few attempts. Does nothing without a GitOps URL: the
 * jobs wait for a worker that has one. */
void release_removals(struct worker *w);

#endif

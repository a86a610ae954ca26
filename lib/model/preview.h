/* preview.h: pull-request previews: one app per open pull request of a project with previews on,
 * deployed on every new head and removed when the pull request closes (prefix preview_).
 *
 * A preview (table previews, sql/0020) has its own name (naming_preview_name:
 * "<project>-pr-<n>"), which stands where the project's name would in every name the chain
 * derives: the GitOps folder apps/<ws>/<user>/<name>, the Argo CD application, the podman
 * containers and route, the host <name>-<user>.<domain> (never the project's custom domain).
 * Its deployments are rows of the project's deployments with preview_id set: they take the
 * project's seq numbers, but supersede, track and list only among themselves, and the
 * project's versions, current deployment and rollbacks never see them.
 *
 * What a preview deployment releases: the project's settings of the moment without the custom
 * domain, and its env with PREVIEW=1 and PR_NUMBER=<n> added. A pull request from a fork is
 * previewed only when the project allows it (preview_forks), and then with PREVIEW and
 * PR_NUMBER alone: the project's env values are secrets that a fork's code never gets.
 *
 * Removal (closed, merged, PLATFORM_PREVIEW_MAX reached, idle for PLATFORM_PREVIEW_IDLE_DAYS, a
 * person, the project deleted): the row is marked removed, unfinished deployments of it are
 * cancelled, and one gitops_remove job takes its folder out of git in one commit; the runtime
 * (podman resync, or Argo CD's ApplicationSet) then drops what ran it.
 *
 * Every function runs in the caller's transaction on `db` when one is open (the worker's
 * delivery batch), and returns 0 or -1 with `e`; strings are borrowed.
 */
#ifndef PLATFORM_PREVIEW_H
#define PLATFORM_PREVIEW_H

#include "db.h"
#include "delivery.h"
#include "err.h"

#include <json-c/json.h>

/* Why a preview went (previews.removed_reason). */
#define PREVIEW_CLOSED		"closed"
#define PREVIEW_MERGED		"merged"
#define PREVIEW_LIMIT		"limit"
#define PREVIEW_IDLE		"idle"
#define PREVIEW_DELETED		"deleted"
#define PREVIEW_PROJECT_DELETED "project_deleted"

/* A pull_request delivery (delivery_dispatch's share of it): opened, reopened or synchronize
 * deploys the head as the preview of every project with previews on for the repository and
 * the pull request's base branch; closed removes those previews. Other actions are ignored
 * with the reason. */
int preview_on_pull_request(struct db *db, const struct delivery_event *ev,
			    struct delivery_result *out, struct err *e);

/* Remove preview `id` for `reason` (one of the above; `actor_id` may be NULL): 1 removed, 0 it
 * was removed before (nothing changes). Needs an open transaction. */
int preview_remove(struct db *db, const char *id, const char *reason, const char *actor_id,
		   struct err *e);

/* Remove the active preview number `number` of `project_id` for a person (DELETE
 * .../previews/{number}) in a transaction of its own: 404 preview_not_found when it has none. */
int preview_delete(struct db *db, const char *project_id, long number, const char *actor_id,
		   struct err *e);

/* Remove every active preview of a project being deleted (in the caller's transaction). */
/* Deployment `deployment_id` was just released (in the caller's transaction): when its preview
 * was removed meanwhile (the pull request closed between the release's checks and its push), its
 * folder is queued for removal again, so that git never keeps a removed preview. */
int preview_after_release(struct db *db, const char *deployment_id, struct err *e);

int preview_remove_all(struct db *db, const char *project_id, const char *reason, struct err *e);

/* Remove the previews whose pull request has had no new head for `idle_days` days (at most a
 * batch per call, each in a transaction of its own); *n gets how many. */
int preview_expire(struct db *db, int idle_days, int *n, struct err *e);

/* The active previews of a project, newest pull request first, for GET .../previews: rows of
 * id, number, title, head_sha, head_ref, fork, state, name, user_id, created_at, updated_at,
 * and the latest deployment's id, seq, state, commit, created_at, and the newest live (or
 * released) deployment's id. The caller PQclears it. */
PGresult *preview_list(struct db *db, const char *project_id, struct err *e);

#endif

/* deploy.h: deployments: the state machine, their rows, and the log sink (prefix deploy_).
 *
 * States: queued -> building -> pushed -> released -> syncing -> live, or one of the
 * terminal failed, cancelled, superseded. deploy_can_move() is the one table of
 * allowed moves; every state change in the code goes through deploy_transition(),
 * which sets the state's timestamp (and finished_at for a terminal state) in the same
 * statement and refuses a move the table does not allow, whatever the row holds now
 * (another process may have moved it first: that is "not applied", not an error).
 *
 * Functions that take a struct db run their SQL on it and return 0/-1 (or the
 * documented count) with `e` filled on failure. JSON results are new references the
 * caller frees with json_object_put. Every string argument is borrowed.
 */
#ifndef PLATFORM_DEPLOY_H
#define PLATFORM_DEPLOY_H

#include "buf.h"
#include "db.h"
#include "err.h"

#include <json-c/json.h>
#include <stddef.h>

enum deploy_state {
	DEPLOY_QUEUED,
	DEPLOY_BUILDING,
	DEPLOY_PUSHED,
	DEPLOY_RELEASED,
	DEPLOY_SYNCING,
	DEPLOY_LIVE,
	DEPLOY_FAILED,
	DEPLOY_CANCELLED,
	DEPLOY_SUPERSEDED,
	DEPLOY_NSTATES
};

/* "queued"...; NULL for an out-of-range value. */
const char *deploy_state_name(enum deploy_state s);
/* 0 and *out set, or -1 for an unknown name. */
int deploy_state_parse(const char *name, enum deploy_state *out);
/* 1 for failed, cancelled, superseded and live. */
int deploy_state_final(enum deploy_state s);
/* 1 if `from` may move to `to`. */
int deploy_can_move(enum deploy_state from, enum deploy_state to);

/* Move deployment `id` to `to` if its current state allows it. `reason` (may be
 * NULL) is stored as the error when none is stored yet: the first reason a
 * deployment failed for is the one a person needs. Returns 1 moved, 0 not moved
 * (the row is in a state that does not allow it, or is gone), -1 error. */
int deploy_transition(struct db *db, const char *id, enum deploy_state to, const char *reason,
		      struct err *e);

/* ---- creating and reading (the API) ---- */

struct deploy_new {
	const char *project_id;
	const char *trigger;	     /* manual, webhook, rollback or api */
	const char *triggered_by;    /* user id, or NULL */
	const char *branch;	     /* NULL: the project's branch */
	const char *commit;	     /* NULL: the head of the branch */
	const char *idempotency_key; /* NULL: none */
	const char *rollback_of; /* for trigger "rollback": the deployment whose image is reused */
	const char *commit_message; /* the head commit's message and author (webhooks), or NULL */
	const char *commit_author;
	int supersede; /* mark older unfinished deployments of the project superseded: the caller
			* passes PLATFORM_DEPLOY_SUPERSEDE, whatever the trigger */
	/* Written in the deployment's transaction, so that all or none of it happens: */
	int pause_auto_deploy; /* 1: pause the project's auto-deploy (a rollback) */
	/* A pull request's preview (lib/model/preview.h): the deployment is the preview's, its
	 * settings lose the custom domain and its env gets `preview_env` (a JSON object of sealed
	 * values) on top of the project's, or alone with `preview_without_project_env` (a fork).
	 * Supersede then applies among the preview's deployments only. NULL: the project's own. */
	const char *preview_id;
	const char *preview_env;
	int preview_without_project_env;
	const struct deploy_audit *audit; /* an audit row on the project, or NULL */
};

/* An audit row deploy_create writes with the deployment (lib/model/audit.h's audit_record). All
 * borrowed; `details` may be NULL. */
struct deploy_audit {
	const char *workspace_id;
	const char *actor_id;
	const char *action; /* e.g. "project.rollback" */
	struct json_object *details;
	const char *request_id;
};

/* Store a deployment (state queued, the next per-project seq), its deploy job, the
 * superseding of older ones, the auto-deploy pause and the audit row it asks for in one
 * transaction. With an idempotency key already used for this project, nothing is
 * stored and the earlier deployment is returned with *created = 0. Errors: 404
 * project_not_found, 422 for a bad branch/commit/key, 409 for a rollback target
 * without an image. *out: the deployment as JSON (new reference). */
int deploy_create(struct db *db, const struct deploy_new *n, struct json_object **out, int *created,
		  struct err *e);

/* The deployment as JSON (new reference) into *out, with its project's id, user id and
 * workspace id in the optional out-strings (owned by the caller, may be NULL).
 * 404 deployment_not_found. */
int deploy_get(struct db *db, const char *id, struct json_object **out, struct buf *project_id,
	       struct err *e);

/* One page of a project's deployments, newest first: {"items":[...],"next_cursor":...}.
 * `cursor` is NULL or a next_cursor returned earlier: a seq of 1 to 9 digits, which the
 * caller checks (the API's list_parse, LIST_CURSOR_SEQ: 400 invalid_cursor). */
int deploy_list(struct db *db, const char *project_id, long limit, const char *cursor,
		struct json_object **out, struct err *e);

/* Ask for a deployment to be cancelled by `user_id` (may be NULL). One that Jenkins has
 * not been asked to build yet is cancelled at once; otherwise the request is recorded
 * and the worker cancels the queue item or stops the build. 409 not_cancellable once it
 * is released or finished. *out: the deployment after the call. */
int deploy_cancel(struct db *db, const char *id, const char *user_id, struct json_object **out,
		  struct err *e);

/* Cancels the unfinished deployments of preview `preview_id` (its pull request closed or it
 * was removed): one Jenkins never heard of ends at once, the others are asked to cancel. Runs
 * in the caller's transaction. */
int deploy_cancel_preview(struct db *db, const char *preview_id, struct err *e);

/* What an event must agree with besides the token (all may be NULL). */
struct deploy_event_checks {
	const char *image_prefix; /* the registry path images must sit under; NULL: any */
	/* 1 when `commit` is a release of the app in the GitOps repository, 0 when not, -1
	 * with `e` when it cannot be told; NULL: commits are not checked */
	int (*commit_ok)(void *arg, const char *workspace, const char *user, const char *project,
			 const char *commit, struct err *e);
	void *arg;
};

/* Apply one event the pipeline posted to the callback endpoint. `token` is the bearer
 * token it sent; it must hash to the deployment's callback_token_hash, which is cleared when
 * the deployment ends: an unknown deployment, a wrong token and an ended deployment all
 * answer 401 invalid_callback_token, alike. A bad body is 422; an image outside the
 * project's own repository 422 foreign_image (deploy_image_allowed); a GitOps commit
 * `chk->commit_ok` does not know 422 unknown_gitops_commit. States only move forward: once
 * released, a failure, another commit or another image is 409 deployment_released (a repeat
 * of the release or of SUCCESS is taken and changes nothing). */
int deploy_event(struct db *db, const char *id, const char *token, struct json_object *event,
		 const struct deploy_event_checks *chk, struct err *e);

/* 1 when `image` (a repository, no tag) is the project's own: <prefix>/<user>-<project> (the
 * pipeline's naming) or <prefix>/<ws>-<user>-<project> (the local builder's), with `prefix`
 * the given registry path, or any registry path when it is NULL or "". */
int deploy_image_allowed(const char *image, const char *prefix, const char *workspace,
			 const char *user, const char *project);

/* The pipeline is done with the deployment (its build has ended): its callback token stops
 * working. */
int deploy_callback_end(struct db *db, const char *id, struct err *e);

/* ---- the worker's view ---- */

/* Everything the worker needs to drive one deployment; strings owned, released with
 * deploy_info_release. Times are seconds since the epoch, 0 when unset. */
struct deploy_info {
	char *id, *project_id, *project_name, *user_id, *workspace_id;
	char *repo_url, *branch, *commit, *custom_domain, *action, *rollback_tag, *triggered_by;
	long port;
	long seq; /* the deployment's number in its project */
	enum deploy_state state;
	long long queue_id, build; /* 0 when unknown */
	long long log_offset;
	double trigger_started_at, triggered_at, building_at, cancel_requested_at;
	int has_release; /* the pipeline reported a tag and GitOps commit */
};

void deploy_info_release(struct deploy_info *d);
/* Load it; 404 when the deployment is gone. */
int deploy_info_load(struct db *db, const char *id, struct deploy_info *d, struct err *e);

/* Claim the right to call buildWithParameters: store the hash of the callback token
 * and trigger_started_at, if the deployment is still queued, not asked to cancel, and
 * has no queue item. 1 claimed, 0 not (re-read the row), -1 error. */
int deploy_trigger_begin(struct db *db, const char *id, const char *callback_token, struct err *e);
/* Jenkins accepted the trigger: remember the queue item (and when). */
int deploy_set_queue_id(struct db *db, const char *id, long long queue_id, struct err *e);
/* The queue item became build `number`: remember it and move to building. */
int deploy_set_build(struct db *db, const char *id, long long number, struct err *e);

/* Store the log bytes [offset, offset+len) and advance log_offset to offset+len in one
 * transaction, only if log_offset still equals `offset` (compare and swap: two workers
 * never interleave chunks). 1 stored, 0 the offset moved on (re-read it), -1 error.
 * `data` must be valid UTF-8 without NUL (see deploy_log_cut). */
int deploy_store_log(struct db *db, const char *id, long long offset, const char *data, size_t len,
		     struct err *e);

/* How many of the first `len` bytes of a log chunk can be stored now: the chunk is cut
 * before a UTF-8 sequence that is not complete yet (the rest comes with the next
 * fetch, from that offset). */
size_t deploy_log_cut(const char *data, size_t len);
/* The build's log has been read to its end at `offset` bytes: readers of the stored log
 * (GET .../logs) may stop asking. */
int deploy_log_complete(struct db *db, const char *id, struct err *e);

/* Replace what PostgreSQL's text type cannot hold (NUL, invalid UTF-8) by U+FFFD,
 * appending to `out`. Valid text is copied byte for byte. */
void deploy_log_clean(const char *data, size_t len, struct buf *out);

/* Receives what the worker learns as it learns it (the nchan publisher implements it
 * in a later change). Callbacks may be NULL; they must not block for long. */
struct log_sink {
	void (*chunk)(void *arg, const char *deployment_id, long long offset, const char *data,
		      size_t len);
	void (*state)(void *arg, const char *deployment_id, const char *state);
	void *arg;
};

/* ---- statements: each runs one named prepared statement ($1.. in `params`); a
 * query returns its result (PQclear it) or NULL, a command the rows it changed or -1 ---- */

/* $1 id, $2 the id of its GitHub deployment (worker/ghsender.c, once GitHub created it) */
long deploy_set_github_id(struct db *db, const char *const *params, struct err *e);
/* $1 id, $2 image, $3 tag, $4 digest, $5 commit (kept when one is stored) */
long deploy_set_image(struct db *db, const char *const *params, struct err *e);
/* $1 project id, $2 before this seq (NULL first), $3 limit -> the project's versions, newest first
 * (see h_versions.c for the columns) */
PGresult *deploy_versions_page(struct db *db, const char *const *params, struct err *e);
/* $1 id, $2 GitOps commit: stored only once */
long deploy_set_gitops_commit(struct db *db, const char *const *params, struct err *e);
/* $1 deployment id, $2 from offset -> byte_offset, chunk, length: up to 500 chunks */
PGresult *deploy_log_chunks(struct db *db, const char *const *params, struct err *e);
/* $1 deployment id, $2 offset -> t when the log is complete and nothing is stored from offset on */
PGresult *deploy_log_done(struct db *db, const char *const *params, struct err *e);
/* $1 ids (a uuid[] literal) -> id, state, cancel requested (t/f), released (t/f) */
PGresult *deploy_states(struct db *db, const char *const *params, struct err *e);
/* $1 id -> state, workspace id, user id, project name, seq, tag */
PGresult *deploy_runtime_row(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id, $2 user id, $3 project name, $4 seq -> deployment id, project id */
PGresult *deploy_runtime_find(struct db *db, const char *const *params, struct err *e);
/* $1 id -> state, gitops_commit, released_at (epoch), workspace_id, user_id, name, project deleted
 * (t/f), the newest later seq with a GitOps commit */
PGresult *deploy_track_row(struct db *db, const char *const *params, struct err *e);
/* $1 project id, $2 deployment id -> id, a version (t/f: released an image), state */
PGresult *deploy_version_by_id(struct db *db, const char *const *params, struct err *e);
/* $1 project id, $2 image tag -> id, true, state: the newest version with that tag */
PGresult *deploy_version_by_tag(struct db *db, const char *const *params, struct err *e);

/* ---- statements: each runs one named prepared statement ($1.. in `params`); a
 * query returns its result (PQclear it) or NULL, a command the rows it changed or -1 ---- */

/* $1 project id, $2 how many deployments keep their logs: delete the log chunks of older ones no
 * job works on */
PGresult *deploy_prune_logs(struct db *db, const char *const *params, struct err *e);
/* $1 id -> state, callback_token_hash (hex) */
PGresult *deploy_callback_row(struct db *db, const char *const *params, struct err *e);
/* $1 id -> the deployment and project columns a release is made of (lib/model/snapshot reads them)
 */
PGresult *deploy_release_row(struct db *db, const char *const *params, struct err *e);

#endif

/* deploy.c: the deployment state machine and the SQL around deployment rows */
#include "deploy.h"

#include "audit.h"
#include "crypto.h"
#include "ghdeploy.h"
#include "jsonutil.h"
#include "log.h"
#include "metrics.h"
#include "naming.h"
#include "notify.h"
#include "preview.h"
#include "queue.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERSION_WHERE                                                                              \
	" d.project_id = $1 AND d.preview_id IS NULL AND d.tag IS NOT NULL"                        \
	" AND d.released_at IS NOT NULL AND d.state IN ('released', 'syncing', 'live')"

static const char *const state_names[DEPLOY_NSTATES] = {
    "queued", "building", "pushed",    "released",   "syncing",
    "live",   "failed",	  "cancelled", "superseded",
};

/* allowed[from] is a bit set of the states `from` may move to. A step of the main chain
 * may be skipped (a lost callback must not wedge a deployment); nothing moves back. */
#define B(s) (1u << (s))
static const unsigned allowed[DEPLOY_NSTATES] = {
    [DEPLOY_QUEUED] = B(DEPLOY_BUILDING) | B(DEPLOY_PUSHED) | B(DEPLOY_RELEASED) |
		      B(DEPLOY_FAILED) | B(DEPLOY_CANCELLED) | B(DEPLOY_SUPERSEDED),
    [DEPLOY_BUILDING] = B(DEPLOY_PUSHED) | B(DEPLOY_RELEASED) | B(DEPLOY_FAILED) |
			B(DEPLOY_CANCELLED) | B(DEPLOY_SUPERSEDED),
    [DEPLOY_PUSHED] =
	B(DEPLOY_RELEASED) | B(DEPLOY_FAILED) | B(DEPLOY_CANCELLED) | B(DEPLOY_SUPERSEDED),
    /* superseded here: a newer release of the project reached git before this one was
     * live, so Argo CD will never sync it (worker/track.c) */
    [DEPLOY_RELEASED] =
	B(DEPLOY_SYNCING) | B(DEPLOY_LIVE) | B(DEPLOY_FAILED) | B(DEPLOY_SUPERSEDED),
    [DEPLOY_SYNCING] = B(DEPLOY_LIVE) | B(DEPLOY_FAILED) | B(DEPLOY_SUPERSEDED),
};
#undef B

const char *deploy_state_name(enum deploy_state s)
{
	if ((int)s < 0 || s >= DEPLOY_NSTATES)
		return NULL;
	return state_names[s];
}

int deploy_state_parse(const char *name, enum deploy_state *out)
{
	for (int i = 0; name && i < DEPLOY_NSTATES; i++) {
		if (!strcmp(name, state_names[i])) {
			*out = (enum deploy_state)i;
			return 0;
		}
	}
	return -1;
}

int deploy_state_final(enum deploy_state s)
{
	return s == DEPLOY_FAILED || s == DEPLOY_CANCELLED || s == DEPLOY_SUPERSEDED ||
	       s == DEPLOY_LIVE;
}

int deploy_can_move(enum deploy_state from, enum deploy_state to)
{
	if ((int)from < 0 || from >= DEPLOY_NSTATES || (int)to < 0 || to >= DEPLOY_NSTATES)
		return 0;
	return (allowed[from] >> to) & 1u;
}

/* The states that may move to `to`, as a PostgreSQL array literal. */
static void sources_of(enum deploy_state to, struct buf *out)
{
	buf_addch(out, '{');
	for (int i = 0; i < DEPLOY_NSTATES; i++) {
		if (deploy_can_move((enum deploy_state)i, to))
			buf_addf(out, "%s%s", out->len > 1 ? "," : "", state_names[i]);
	}
	buf_addch(out, '}');
}

/* Every state of the main chain up to the target gets its time (kept if already set),
 * so a skipped step still reads as passed; a terminal state stamps finished_at. */
static struct db_stmt st_transition = DB_STMT(
    "deploy_transition",
    "WITH t AS (SELECT array_position(ARRAY['queued','building','pushed','released',"
    "'syncing','live']::text[], $2::text) AS r) "
    "UPDATE deployments SET state = $2, "
    "building_at = CASE WHEN t.r >= 2 THEN coalesce(building_at, now()) ELSE building_at END, "
    "pushed_at = CASE WHEN t.r >= 3 THEN coalesce(pushed_at, now()) ELSE pushed_at END, "
    "released_at = CASE WHEN t.r >= 4 THEN coalesce(released_at, now()) ELSE released_at END, "
    "syncing_at = CASE WHEN t.r = 5 THEN coalesce(syncing_at, now()) ELSE syncing_at END, "
    "live_at = CASE WHEN t.r = 6 THEN now() ELSE live_at END, "
    "failed_at = CASE WHEN $2 = 'failed' THEN now() ELSE failed_at END, "
    "cancelled_at = CASE WHEN $2 = 'cancelled' THEN now() ELSE cancelled_at END, "
    "superseded_at = CASE WHEN $2 = 'superseded' THEN now() ELSE superseded_at END, "
    "error = coalesce(error, $3::text), "
    "finished_at = CASE WHEN $2 IN ('failed','cancelled','superseded','live') THEN now() "
    "ELSE finished_at END, "
    /* the pipeline's callback token dies with the deployment */
    "callback_token_hash = CASE WHEN $2 IN ('failed','cancelled','superseded','live') "
    "THEN NULL ELSE callback_token_hash END "
    "FROM t WHERE id = $1 AND state = ANY($4::text[]) "
    /* the seconds spent in the stage this move ends, for metrics_deploy_moved */
    "RETURNING extract(epoch FROM now() - CASE $2 WHEN 'building' THEN queued_at "
    "WHEN 'pushed' THEN building_at WHEN 'released' THEN pushed_at WHEN 'syncing' THEN "
    "released_at WHEN 'live' THEN coalesce(syncing_at, released_at) END)",
    4);

/* A released deployment that failed (it never got ready, Argo CD found it Degraded) left git
 * naming a version that does not run: unless the project turned auto_rollback off, queue a
 * rollback to the newest version that went live before it, in the failing transaction, so
 * that a worker dying now loses nothing. Never after an automatic rollback (no loop), nor when
 * a newer deployment already exists (it will replace this one anyway). */
static int queue_auto_rollback(struct db *db, const char *id, struct err *e)
{
	const char *p[1] = {id};
	PGresult *res = db_query(
	    db,
	    "SELECT d.project_id, prev.id, p.workspace_id FROM deployments d"
	    " JOIN projects p ON p.id = d.project_id AND p.auto_rollback AND p.deleted_at IS NULL"
	    " JOIN LATERAL (SELECT r.id FROM deployments r WHERE r.project_id = d.project_id"
	    " AND r.preview_id IS NULL AND r.seq < d.seq AND r.live_at IS NOT NULL"
	    " AND r.tag IS NOT NULL ORDER BY r.seq DESC LIMIT 1) prev ON true"
	    " WHERE d.id = $1 AND d.preview_id IS NULL AND d.state = 'failed'"
	    " AND d.released_at IS NOT NULL AND d.trigger <> 'auto_rollback'"
	    " AND NOT EXISTS (SELECT 1 FROM deployments n WHERE n.project_id = d.project_id"
	    " AND n.preview_id IS NULL AND n.seq > d.seq)",
	    1, p, e);
	struct json_object *details = NULL, *dep = NULL;
	struct buf key = BUF_INIT;
	struct deploy_new dn = {0};
	struct deploy_audit audit;
	int created, rc = -1;

	if (!res)
		return -1;
	if (PQntuples(res) != 1) {
		rc = 0;
		goto out;
	}
	buf_addf(&key, "auto_rollback:%s", id);
	details = json_object_new_object();
	json_object_object_add(details, "failed_deployment_id", json_object_new_string(id));
	json_object_object_add(details, "rollback_of", json_object_new_string(db_value(res, 0, 1)));
	audit = (struct deploy_audit){db_value(res, 0, 2), NULL, "project.auto_rollback", details,
				      NULL};
	dn.project_id = db_value(res, 0, 0);
	dn.trigger = "auto_rollback";
	dn.rollback_of = db_value(res, 0, 1);
	dn.idempotency_key = key.buf;
	dn.audit = &audit;
	rc = deploy_create(db, &dn, &dep, &created, e);
	if (rc < 0 && e->status < 500) {
		/* the version cannot be deployed again (its image is not the project's own):
		 * the failure stands, and the project shows the drift */
		log_warn("no automatic rollback", "deployment_id", id, "reason", e->msg, NULL);
		err_clear(e);
		rc = 0;
	}
out:
	json_object_put(dep);
	json_object_put(details);
	buf_release(&key);
	PQclear(res);
	return rc;
}

int deploy_transition(struct db *db, const char *id, enum deploy_state to, const char *reason,
		      struct err *e)
{
	struct buf from = BUF_INIT;
	const char *p[4];
	PGresult *res;
	int moved, own_tx = !db->in_tx;

	if (!deploy_state_name(to))
		return err_set(e, 500, "internal_error", "unknown deployment state");
	/* the move, the notifications and the GitHub calls it causes commit together or not at
	 * all */
	if (own_tx && db_begin(db, e) < 0)
		return -1;
	sources_of(to, &from);
	p[0] = id;
	p[1] = state_names[to];
	p[2] = reason;
	p[3] = from.buf;
	res = db_prepared(db, &st_transition, p, e);
	buf_release(&from);
	if (!res)
		goto fail;
	moved = atoi(PQcmdTuples(res)) > 0;
	if (moved)
		metrics_deploy_moved(state_names[to],
				     db_value(res, 0, 0) ? atof(db_value(res, 0, 0)) : -1);
	PQclear(res);
	if (moved && (notify_enqueue(db, id, state_names[to], e) < 0 ||
		      ghdeploy_enqueue(db, id, state_names[to], e) < 0))
		goto fail;
	if (moved && to == DEPLOY_FAILED && queue_auto_rollback(db, id, e) < 0)
		goto fail;
	if (moved && to == DEPLOY_RELEASED && preview_after_release(db, id, e) < 0)
		goto fail;
	if (own_tx && db_commit(db, e) < 0)
		return -1;
	if (moved)
		log_info("deployment state", "deployment_id", id, "state", state_names[to],
			 reason ? "reason" : NULL, reason, NULL);
	return moved;
fail:
	if (own_tx)
		db_rollback(db);
	return -1;
}

/* ---------------------------------------------------------------- JSON of a row */

/* The API shape of a deployment, built by PostgreSQL in one expression over `d`. */
#define DEPLOY_JSON                                                                                \
	"json_build_object('id', d.id, 'project_id', d.project_id, 'seq', d.seq, "                 \
	"'state', d.state, 'trigger', d.trigger, 'triggered_by', d.triggered_by, "                 \
	"'action', d.action, 'branch', d.branch, 'commit', d.commit_sha, "                         \
	"'rollback_of', d.rollback_of, 'image', d.image, 'tag', d.tag, 'digest', d.digest, "       \
	"'gitops_commit', d.gitops_commit, 'error', d.error, 'stage', d.stage, "                   \
	"'jenkins_queue_id', d.jenkins_queue_id, 'jenkins_build', d.jenkins_build, "               \
	"'superseded_by', d.superseded_by, 'github_deployment_id', d.github_deployment_id, "       \
	"'preview_number', (SELECT v.number FROM previews v WHERE v.id = d.preview_id), "          \
	"'cancel_requested_at', rfc3339(d.cancel_requested_at), "                                  \
	"'created_at', rfc3339(d.created_at), 'queued_at', rfc3339(d.queued_at), "                 \
	"'building_at', rfc3339(d.building_at), 'pushed_at', rfc3339(d.pushed_at), "               \
	"'released_at', rfc3339(d.released_at), 'syncing_at', rfc3339(d.syncing_at), "             \
	"'live_at', rfc3339(d.live_at), 'failed_at', rfc3339(d.failed_at), "                       \
	"'cancelled_at', rfc3339(d.cancelled_at), 'superseded_at', rfc3339(d.superseded_at), "     \
	"'finished_at', rfc3339(d.finished_at))::text"

static struct json_object *json_of(const char *text, struct err *e)
{
	struct json_object *o = text ? json_tokener_parse(text) : NULL;

	if (!o)
		err_set(e, 500, "internal_error", "could not read a deployment");
	return o;
}

/* The deployment's JSON by id (inside or outside a transaction). */
static int load_json(struct db *db, const char *id, struct json_object **out,
		     struct buf *project_id, struct err *e)
{
	static struct db_stmt st =
	    DB_STMT("deploy_get",
		    "SELECT " DEPLOY_JSON ", d.project_id FROM deployments d WHERE d.id = $1", 1);
	const char *p[1] = {id};
	PGresult *res;
	int ret = -1;

	if (!naming_is_uuid(id))
		return err_set(e, 404, "deployment_not_found", "no such deployment");
	res = db_prepared(db, &st, p, e);
	if (!res)
		return -1;
	if (PQntuples(res) != 1) {
		err_set(e, 404, "deployment_not_found", "no such deployment");
		goto out;
	}
	*out = json_of(db_value(res, 0, 0), e);
	if (!*out)
		goto out;
	if (project_id) {
		buf_reset(project_id);
		buf_addstr(project_id, db_value(res, 0, 1));
	}
	ret = 0;
out:
	PQclear(res);
	return ret;
}

int deploy_get(struct db *db, const char *id, struct json_object **out, struct buf *project_id,
	       struct err *e)
{
	return load_json(db, id, out, project_id, e);
}

/* ---------------------------------------------------------------- create */

/* A person's rollback and the platform's own after a failed rollout reuse an older image. */
static int is_rollback(const struct deploy_new *n)
{
	return !strcmp(n->trigger, "rollback") || !strcmp(n->trigger, "auto_rollback");
}

static int check_new(const struct deploy_new *n, struct err *e)
{
	static const char *const triggers[] = {"manual", "webhook",	  "rollback",
					       "api",	 "auto_rollback", NULL};
	int ok = 0;

	for (const char *const *t = triggers; *t; t++)
		ok |= n->trigger && !strcmp(*t, n->trigger);
	if (!ok)
		return err_field(e, 422, "invalid_trigger", "trigger",
				 "trigger must be manual, webhook, rollback, api or auto_rollback");
	if (n->branch && naming_check_branch("branch", n->branch, e) < 0)
		return -1;
	if (n->commit) {
		size_t len = strlen(n->commit);

		for (size_t i = 0; i < len; i++) {
			if (!isxdigit((unsigned char)n->commit[i]) ||
			    isupper((unsigned char)n->commit[i]))
				len = 0;
		}
		if (len < 7 || len > 64)
			return err_field(
			    e, 422, "invalid_commit", "commit",
			    "commit must be a lowercase hexadecimal commit id (7 to 64 digits)");
	}
	if (n->idempotency_key) {
		size_t len = strlen(n->idempotency_key);

		for (size_t i = 0; i < len; i++) {
			if (n->idempotency_key[i] < 0x21 || n->idempotency_key[i] > 0x7e)
				len = 0;
		}
		if (len < 1 || len > 200)
			return err_field(
			    e, 422, "invalid_idempotency_key", "Idempotency-Key",
			    "the Idempotency-Key header must be 1 to 200 visible ASCII characters");
	}
	if (is_rollback(n) && !naming_is_uuid(n->rollback_of))
		return err_field(e, 422, "invalid_rollback", "rollback_of",
				 "a rollback names the deployment whose image it reuses");
	return 0;
}

/* 1 and *out when the key was used for this project before, 0 when not. */
static int find_by_key(struct db *db, const struct deploy_new *n, struct json_object **out,
		       struct err *e)
{
	const char *p[2] = {n->project_id, n->idempotency_key};
	PGresult *res;
	int ret;

	if (!n->idempotency_key)
		return 0;
	res = db_query(db,
		       "SELECT " DEPLOY_JSON " FROM deployments d "
		       "WHERE d.project_id = $1 AND d.idempotency_key = $2",
		       2, p, e);
	if (!res)
		return -1;
	ret = PQntuples(res) == 1;
	if (ret) {
		*out = json_of(db_value(res, 0, 0), e);
		if (!*out)
			ret = -1;
	}
	PQclear(res);
	return ret;
}

/* The deployment a rollback returns to: its image, tag and digest (columns 0-2), checked to
 * be the project's own; NULL with `e` (409) when there is nothing to deploy again. */
static PGresult *rollback_source(struct db *db, const struct deploy_new *n, struct err *e)
{
	const char *q[2] = {n->rollback_of, n->project_id};
	PGresult *rb =
	    db_query(db,
		     "SELECT d.image, d.tag, d.digest, p.workspace_id, p.user_id, p.name "
		     "FROM deployments d JOIN projects p ON p.id = d.project_id "
		     "WHERE d.id = $1 AND d.project_id = $2 AND d.preview_id IS NULL",
		     2, q, e);

	if (!rb)
		return NULL;
	if (PQntuples(rb) != 1 || !db_value(rb, 0, 1)) {
		err_field(e, 409, "nothing_to_roll_back_to", "rollback_of",
			  "that deployment of this project has no image to roll back to");
		PQclear(rb);
		return NULL;
	}
	/* a row written before images were checked may name another tenant's */
	if (!db_value(rb, 0, 0) ||
	    !deploy_image_allowed(db_value(rb, 0, 0), NULL, db_value(rb, 0, 3), db_value(rb, 0, 4),
				  db_value(rb, 0, 5))) {
		err_field(e, 409, "foreign_image", "rollback_of",
			  "that deployment's image is not this project's own repository; "
			  "it cannot be deployed again");
		PQclear(rb);
		return NULL;
	}
	return rb;
}

/* A preview's deployment (deploy.h, struct deploy_new): the snapshot the insert took from the
 * project loses the custom domain (a preview has its own host) and gets the preview's env. */
static int as_preview(struct db *db, const struct deploy_new *n, const char *id, struct err *e)
{
	const char *p[4] = {id, n->preview_id, n->preview_without_project_env ? "t" : "f",
			    n->preview_env ? n->preview_env : "{}"};

	return db_command(db,
			  "UPDATE deployments SET preview_id = $2,"
			  " settings = settings || '{\"custom_domain\": null}'::jsonb,"
			  " env_sealed = CASE WHEN $3::bool THEN '{}'::jsonb ELSE env_sealed END"
			  " || $4::jsonb WHERE id = $1",
			  4, p, e) < 0
		   ? -1
		   : 0;
}

/* The insert proper, inside the caller's transaction; the new id into `id`. */
static int insert_row(struct db *db, const struct deploy_new *n, struct buf *id, struct err *e)
{
	const char *p[13];
	char seq[24];
	PGresult *res = NULL, *rb = NULL;
	int ret = -1;

	p[0] = n->project_id;
	res = db_query(db,
		       "UPDATE projects SET deploy_seq = deploy_seq + 1 "
		       "WHERE id = $1 AND deleted_at IS NULL RETURNING deploy_seq, branch",
		       1, p, e);
	if (!res)
		goto out;
	if (PQntuples(res) != 1) {
		err_set(e, 404, "project_not_found", "no such project");
		goto out;
	}
	snprintf(seq, sizeof(seq), "%s", db_value(res, 0, 0));
	p[1] = seq;
	p[2] = n->trigger;
	p[3] = n->triggered_by;
	p[4] = n->branch ? n->branch : db_value(res, 0, 1);
	p[5] = n->commit;
	p[6] = n->idempotency_key;
	p[7] = NULL;
	p[8] = NULL;
	p[9] = NULL;
	p[10] = NULL;
	p[11] = n->commit_message;
	p[12] = n->commit_author;
	if (is_rollback(n)) {
		if (!(rb = rollback_source(db, n, e)))
			goto out;
		p[7] = n->rollback_of;
		p[8] = db_value(rb, 0, 0);
		p[9] = db_value(rb, 0, 1);
		p[10] = db_value(rb, 0, 2);
	}
	{
		PGresult *ins = db_query(
		    db,
		    "INSERT INTO deployments (project_id, seq, trigger, triggered_by, branch, "
		    "commit_sha, idempotency_key, rollback_of, image, tag, digest, action, "
		    "commit_message, commit_author, settings, env_sealed) "
		    "VALUES ($1, $2::int, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
		    "CASE WHEN $8::uuid IS NULL THEN 'build' ELSE 'rollback' END, $12, $13, "
		    /* an exact rollback: the settings and env of the version it returns to; a
		     * build gets the project's of this moment (trigger of migration 0009) */
		    "(SELECT r.settings FROM deployments r WHERE r.id = $8::uuid), "
		    "(SELECT r.env_sealed FROM deployments r WHERE r.id = $8::uuid)) "
		    "RETURNING id",
		    13, p, e);

		if (!ins)
			goto out;
		buf_addstr(id, db_value(ins, 0, 0));
		PQclear(ins);
	}
	if (n->preview_id && as_preview(db, n, id->buf, e) < 0)
		goto out;
	ret = 0;
out:
	PQclear(rb);
	PQclear(res);
	return ret;
}

/* Older deployments of the project that are still waiting or building will never be
 * used: mark them superseded (through deploy_transition, like every state change) and
 * wake the worker so it stops their builds. Runs in deploy_create's transaction. */
static int supersede_older(struct db *db, const char *project_id, const char *id, struct err *e)
{
	const char *p[2] = {project_id, id};
	PGresult *res =
	    db_query(db,
		     "SELECT id FROM deployments WHERE project_id = $1 AND id <> $2 "
		     "AND state IN ('queued', 'building', 'pushed') AND preview_id IS NOT DISTINCT "
		     "FROM (SELECT n.preview_id FROM deployments n WHERE n.id = $2) "
		     "ORDER BY seq FOR UPDATE",
		     2, p, e);
	int ret = -1;

	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *q[2] = {db_value(res, i, 0), id};

		if (deploy_transition(db, q[0], DEPLOY_SUPERSEDED, NULL, e) < 0 ||
		    db_command(db,
			       "WITH s AS (UPDATE deployments SET superseded_by = $2 WHERE id = $1 "
			       "RETURNING id) SELECT pg_notify('platform_deploy', id::text) FROM s",
			       2, q, e) < 0)
			goto out;
	}
	ret = 0;
out:
	PQclear(res);
	return ret;
}

/* What a new deployment brings along, in deploy_create's transaction: a rollback pauses
 * auto-deploy (a push must not replace the chosen version behind a person's back) and is
 * audited; either both are stored with the deployment or none of the three is. */
static int with_deployment(struct db *db, const struct deploy_new *n, struct err *e)
{
	const char *p[1] = {n->project_id};

	if (n->pause_auto_deploy &&
	    db_command(
		db, "UPDATE projects SET auto_deploy_paused = true WHERE id = $1 AND auto_deploy",
		1, p, e) < 0)
		return -1;
	if (n->audit &&
	    audit_record(db, n->audit->workspace_id, n->audit->actor_id, n->audit->action,
			 "project", n->project_id, n->audit->details, n->audit->request_id, e) < 0)
		return -1;
	return 0;
}

int deploy_create(struct db *db, const struct deploy_new *n, struct json_object **out, int *created,
		  struct err *e)
{
	struct buf id = BUF_INIT;
	const char *p[1];
	int ret = -1, found, own_tx = !db->in_tx;

	*out = NULL;
	*created = 0;
	if (!naming_is_uuid(n->project_id))
		return err_set(e, 404, "project_not_found", "no such project");
	if (check_new(n, e) < 0)
		return -1;
	if (own_tx && db_begin(db, e) < 0)
		return -1;
	found = find_by_key(db, n, out, e);
	if (found) {
		if (found < 0)
			goto out;
		ret = 0;
		goto out;
	}
	if (insert_row(db, n, &id, e) < 0)
		goto out;
	if (n->supersede && supersede_older(db, n->project_id, id.buf, e) < 0)
		goto out;
	if (with_deployment(db, n, e) < 0)
		goto out;
	p[0] = id.buf;
	if (queue_add_deploy(db, p, e) < 0)
		goto out;
	if (load_json(db, id.buf, out, NULL, e) < 0)
		goto out;
	if (own_tx && db_commit(db, e) < 0) {
		json_object_put(*out);
		*out = NULL;
		goto out_released;
	}
	*created = 1;
	log_info("deployment queued", "deployment_id", id.buf, "project_id", n->project_id,
		 "trigger", n->trigger, NULL);
	buf_release(&id);
	return 0;
out:
	/* in the caller's transaction (the worker's webhook batch), the caller rolls back */
	if (own_tx)
		db_rollback(db);
	if (ret == 0) {
		buf_release(&id);
		return 0;
	}
	/* Two requests with one key raced: the other stored it first. */
	if (own_tx && n->idempotency_key && !strcmp(db->sqlstate, "23505")) {
		struct err e2 = ERR_INIT;

		if (find_by_key(db, n, out, &e2) == 1) {
			buf_release(&id);
			return 0;
		}
	}
out_released:
	buf_release(&id);
	return -1;
}

/* ---------------------------------------------------------------- list */

int deploy_list(struct db *db, const char *project_id, long limit, const char *cursor,
		struct json_object **out, struct err *e)
{
	char lim[24];
	const char *p[3];
	PGresult *res;
	struct json_object *items;
	int n;

	*out = NULL;
	if (!naming_is_uuid(project_id))
		return err_set(e, 404, "project_not_found", "no such project");
	snprintf(lim, sizeof(lim), "%ld", limit + 1);
	p[0] = project_id;
	p[1] = cursor;
	p[2] = lim;
	res = db_query(db,
		       "SELECT " DEPLOY_JSON ", d.seq FROM deployments d WHERE d.project_id = $1 "
		       "AND ($2::int IS NULL OR d.seq < $2::int) ORDER BY d.seq DESC LIMIT $3::int",
		       3, p, e);
	if (!res)
		return -1;
	items = json_object_new_array();
	n = PQntuples(res);
	for (int i = 0; i < n && i < limit; i++) {
		struct json_object *o = json_of(db_value(res, i, 0), e);

		if (!o) {
			json_object_put(items);
			PQclear(res);
			return -1;
		}
		json_object_array_add(items, o);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "items", items);
	json_object_object_add(*out, "next_cursor",
			       n > limit ? json_object_new_string(db_value(res, (int)limit - 1, 1))
					 : NULL);
	PQclear(res);
	return 0;
}

/* ---------------------------------------------------------------- cancel */

/* Unfinished deployments of the preview: one Jenkins never heard of is cancelled at once, the
 * others are asked to cancel (the worker stops their builds), as deploy_cancel does. */
int deploy_cancel_preview(struct db *db, const char *preview_id, struct err *e)
{
	static struct db_stmt st = DB_STMT(
	    "preview_cancel_unfinished",
	    "UPDATE deployments SET cancel_requested_at = coalesce(cancel_requested_at, now())"
	    " WHERE preview_id = $1 AND state IN ('queued', 'building', 'pushed')"
	    " RETURNING id, state = 'queued' AND trigger_started_at IS NULL",
	    1);
	const char *p[1] = {preview_id};
	PGresult *res = db_prepared(db, &st, p, e);
	int ret = -1;

	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *q[1] = {db_value(res, i, 0)};

		if (*db_value(res, i, 1) == 't' &&
		    (deploy_transition(db, q[0], DEPLOY_CANCELLED,
				       "the pull request's preview was removed", e) < 0 ||
		     queue_drop_queued(db, q, e) < 0))
			goto out;
		if (db_command(db, "SELECT pg_notify('platform_deploy', $1)", 1, q, e) < 0)
			goto out;
	}
	ret = 0;
out:
	PQclear(res);
	return ret;
}

int deploy_cancel(struct db *db, const char *id, const char *user_id, struct json_object **out,
		  struct err *e)
{
	const char *p[2] = {id, user_id};
	PGresult *res = NULL;
	enum deploy_state st = DEPLOY_FAILED;
	int started;

	*out = NULL;
	if (!naming_is_uuid(id))
		return err_set(e, 404, "deployment_not_found", "no such deployment");
	if (db_begin(db, e) < 0)
		return -1;
	res = db_query(db,
		       "SELECT state, trigger_started_at IS NOT NULL FROM deployments "
		       "WHERE id = $1 FOR UPDATE",
		       1, p, e);
	if (!res)
		goto fail;
	if (PQntuples(res) != 1) {
		err_set(e, 404, "deployment_not_found", "no such deployment");
		goto fail;
	}
	deploy_state_parse(db_value(res, 0, 0), &st);
	started = !strcmp(db_value(res, 0, 1), "t");
	if (!deploy_can_move(st, DEPLOY_CANCELLED)) {
		err_set(e, 409, "not_cancellable",
			"the deployment is %s and can no longer be cancelled%s", state_names[st],
			st == DEPLOY_RELEASED || st == DEPLOY_SYNCING || st == DEPLOY_LIVE
			    ? "; deploy an earlier version to undo it"
			    : "");
		goto fail;
	}
	if (db_command(
		db,
		"UPDATE deployments SET cancel_requested_at = coalesce(cancel_requested_at, "
		"now()), cancel_requested_by = coalesce(cancel_requested_by, $2) WHERE id = $1",
		2, p, e) < 0)
		goto fail;
	if (st == DEPLOY_QUEUED && !started) {
		/* Jenkins never heard of it: nothing to undo there. A worker holding the job
		 * finds it cancelled and lets it go. */
		if (deploy_transition(db, id, DEPLOY_CANCELLED, NULL, e) < 0)
			goto fail;
		if (queue_drop_queued(db, p, e) < 0)
			goto fail;
	}
	if (db_command(db, "SELECT pg_notify('platform_deploy', $1)", 1, p, e) < 0)
		goto fail;
	if (load_json(db, id, out, NULL, e) < 0)
		goto fail;
	PQclear(res);
	if (db_commit(db, e) < 0) {
		json_object_put(*out);
		*out = NULL;
		return -1;
	}
	log_info("deployment cancel requested", "deployment_id", id, NULL);
	return 0;
fail:
	PQclear(res);
	db_rollback(db);
	return -1;
}

/* ---------------------------------------------------------------- pipeline events */

struct event_in {
	const char *event, *stage, *result, *image, *tag, *digest, *gitops_commit, *error;
};

static int read_event(struct json_object *ev, struct event_in *in, struct err *e)
{
	static const char *const keys[] = {
	    "deployment_id", "event",	      "stage", "result",       "image",	    "tag",
	    "digest",	     "gitops_commit", "error", "build_number", "build_url", NULL};
	long num;
	const char *url;

	memset(in, 0, sizeof(*in));
	if (ju_only_keys(ev, keys, e) < 0 ||
	    ju_string(ev, "event", JU_REQUIRED, 32, &in->event, e) < 0 ||
	    ju_string(ev, "stage", JU_NULLABLE, 64, &in->stage, e) < 0 ||
	    ju_string(ev, "result", JU_NULLABLE, 32, &in->result, e) < 0 ||
	    ju_string(ev, "image", JU_NULLABLE, 512, &in->image, e) < 0 ||
	    ju_string(ev, "tag", JU_NULLABLE, 128, &in->tag, e) < 0 ||
	    ju_string(ev, "digest", JU_NULLABLE, 128, &in->digest, e) < 0 ||
	    ju_string(ev, "gitops_commit", JU_NULLABLE, 64, &in->gitops_commit, e) < 0 ||
	    ju_string(ev, "error", JU_NULLABLE, 2000, &in->error, e) < 0 ||
	    ju_int(ev, "build_number", JU_NULLABLE, 0, 1L << 40, &num, e) < 0 ||
	    ju_string(ev, "build_url", JU_NULLABLE, 2048, &url, e) < 0)
		return -1;
	if (strcmp(in->event, "stage") && strcmp(in->event, "pushed") &&
	    strcmp(in->event, "released") && strcmp(in->event, "result"))
		return err_field(e, 422, "invalid_event", "event",
				 "event must be stage, pushed, released or result");
	if (!strcmp(in->event, "stage") && !in->stage)
		return err_field(e, 422, "missing_field", "stage", "a stage event names its stage");
	if (!strcmp(in->event, "result") && !in->result)
		return err_field(e, 422, "missing_field", "result",
				 "a result event carries the result");
	if (!strcmp(in->event, "released") && !in->gitops_commit)
		return err_field(e, 422, "missing_field", "gitops_commit",
				 "a released event carries the GitOps commit");
	return 0;
}

/* 0 when `token` is the one handed to the build, compared in constant time. */
static int token_matches(const char *stored_hex, const char *token)
{
	struct buf want = BUF_INIT;
	unsigned char got[32];
	int ok;

	if (!stored_hex || !token || crypto_unhex(stored_hex, strlen(stored_hex), &want) < 0) {
		buf_release(&want);
		return 0;
	}
	crypto_sha256(token, strlen(token), got);
	ok = crypto_equal(want.buf, want.len, got, sizeof(got));
	buf_release(&want);
	return ok;
}

static int apply_event(struct db *db, const char *id, enum deploy_state st,
		       const struct event_in *in, struct err *e)
{
	const char *p[6] = {id, in->image, in->tag, in->digest, in->gitops_commit, in->stage};
	int success = in->result && !strcmp(in->result, "SUCCESS");

	if (db_command(
		db,
		"UPDATE deployments SET image = coalesce($2, image), tag = coalesce($3, tag), "
		"digest = coalesce($4, digest), gitops_commit = coalesce($5, gitops_commit), "
		"stage = coalesce($6, stage), "
		"stage_at = CASE WHEN $6::text IS NULL THEN stage_at ELSE now() END "
		"WHERE id = $1",
		6, p, e) < 0)
		return -1;
	if (!strcmp(in->event, "stage") && st == DEPLOY_QUEUED)
		return deploy_transition(db, id, DEPLOY_BUILDING, NULL, e) < 0 ? -1 : 0;
	if (!strcmp(in->event, "pushed") && st < DEPLOY_PUSHED)
		return deploy_transition(db, id, DEPLOY_PUSHED, NULL, e) < 0 ? -1 : 0;
	if (!strcmp(in->event, "released") || (success && in->gitops_commit))
		return deploy_transition(db, id, DEPLOY_RELEASED, NULL, e) < 0 ? -1 : 0;
	if (in->result && !success && strcmp(in->result, "ABORTED")) {
		/* ABORTED is left to the worker: it knows whether it was a cancel, a
		 * supersede or a timeout. */
		struct buf why = BUF_INIT;
		int r;

		if (in->error)
			buf_addstr(&why, in->error);
		else
			buf_addf(&why, "the pipeline ended with %s%s%s; see the build log",
				 in->result, in->stage ? " in stage " : "",
				 in->stage ? in->stage : "");
		r = deploy_transition(db, id, DEPLOY_FAILED, why.buf, e);
		buf_release(&why);
		return r < 0 ? -1 : 0;
	}
	return 0;
}

/* The one answer for an unknown deployment and for a wrong token: a caller without the
 * token learns nothing, not even whether the id exists. */
static int not_yours(struct err *e)
{
	return err_set(e, 401, "invalid_callback_token",
		       "the callback token does not belong to this deployment");
}

int deploy_image_allowed(const char *image, const char *prefix, const char *workspace,
			 const char *user, const char *project)
{
	const char *last = strrchr(image, '/');
	size_t plen = (size_t)(last ? last - image : 0);
	char rel[64], app[80];

	if (!last || !plen || !last[1])
		return 0;
	/* a plain reference: lowercase registry path, no tag, digest or dot-segments */
	for (const char *c = image; *c; c++) {
		if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '.' ||
		      *c == '-' || *c == '_' || *c == '/' || *c == ':'))
			return 0;
		if (*c == ':' && c > last)
			return 0;
	}
	if (strstr(image, "..") || strstr(image, "//") || image[0] == '/')
		return 0;
	if (prefix && *prefix) {
		size_t n = strlen(prefix);

		while (n && prefix[n - 1] == '/')
			n--;
		if (plen != n || strncmp(image, prefix, n))
			return 0;
	}
	/* the pipeline names it <user>-<project> (jenkins/Jenkinsfile), the local builder
	 * <ws>-<user>-<project>; ids hold no '-', so neither can be another project's */
	snprintf(rel, sizeof(rel), "%s-%s", user, project);
	snprintf(app, sizeof(app), "%s-%s-%s", workspace, user, project);
	return !strcmp(last + 1, rel) || !strcmp(last + 1, app);
}

/* What the event may do given the state: only forward, and nothing once released but
 * the repeats a pipeline's retries send. 0 fine, 1 a harmless repeat (nothing to do), -1 refused.
 */
static int differs(const char *given, const char *stored)
{
	return given && (!stored || strcmp(given, stored));
}

/* `row` columns from `col`: gitops_commit, image, tag, digest as stored. */
static int event_allowed(enum deploy_state st, const struct event_in *in, const PGresult *row,
			 int col, struct err *e)
{
	const char *stored_commit = db_value(row, 0, col);
	int success = in->result && !strcmp(in->result, "SUCCESS");

	if (st > DEPLOY_RELEASED)
		return err_set(e, 409, "deployment_finished",
			       "the deployment is %s; events are no longer taken", state_names[st]);
	if (st < DEPLOY_RELEASED)
		return 0;
	if (differs(in->gitops_commit, stored_commit))
		return err_field(e, 409, "deployment_released", "gitops_commit",
				 "the deployment was released at another commit; a release is not "
				 "reported twice");
	if (!strcmp(in->event, "result") && !success)
		return err_field(e, 409, "deployment_released", "result",
				 "the deployment is released; a late %s cannot move it back",
				 in->result);
	if (differs(in->image, db_value(row, 0, col + 1)) ||
	    differs(in->tag, db_value(row, 0, col + 2)) ||
	    differs(in->digest, db_value(row, 0, col + 3)))
		return err_set(e, 409, "deployment_released",
			       "the deployment is released; its image can no longer change");
	return 1;
}

/* The event's image and commit belong to the deployment's own project. */
static int event_checks(const struct deploy_event_checks *chk, const PGresult *row,
			const struct event_in *in, struct err *e)
{
	const char *ws = db_value(row, 0, 2), *user = db_value(row, 0, 3),
		   *project = db_value(row, 0, 4);
	int ok;

	if (in->image &&
	    !deploy_image_allowed(in->image, chk ? chk->image_prefix : NULL, ws, user, project))
		return err_field(e, 422, "foreign_image", "image",
				 "the image must be this project's own repository: "
				 "<registry>/%s-%s (or %s-%s-%s)%s%s",
				 user, project, ws, user, project,
				 chk && chk->image_prefix ? " under " : "",
				 chk && chk->image_prefix ? chk->image_prefix : "");
	if (!in->gitops_commit || !chk || !chk->commit_ok)
		return 0;
	ok = chk->commit_ok(chk->arg, ws, user, project, in->gitops_commit, e);
	if (ok < 0)
		return -1;
	if (!ok)
		return err_field(e, 422, "unknown_gitops_commit", "gitops_commit",
				 "%.64s is not a commit of the GitOps branch that changes "
				 "apps/%s/%s/%s/",
				 in->gitops_commit, ws, user, project);
	return 0;
}

static struct db_stmt st_event_row =
    DB_STMT("deploy_event_row",
	    "SELECT d.state, encode(d.callback_token_hash, 'hex'), p.workspace_id, p.user_id,"
	    " deployment_app_name(d.preview_id, p.name), d.gitops_commit, d.image, d.tag, d.digest"
	    " FROM deployments d JOIN projects p ON p.id = d.project_id"
	    " WHERE d.id = $1",
	    1);

int deploy_event(struct db *db, const char *id, const char *token, struct json_object *event,
		 const struct deploy_event_checks *chk, struct err *e)
{
	struct event_in in;
	const char *p[2] = {id, NULL};
	PGresult *res = NULL, *locked = NULL;
	enum deploy_state st = DEPLOY_FAILED;
	int rc;

	if (!naming_is_uuid(id))
		return not_yours(e);
	/* Check first, without a lock: the commit check may fetch the GitOps repository. */
	res = db_prepared(db, &st_event_row, p, e);
	if (!res)
		return -1;
	if (PQntuples(res) != 1 || !token_matches(db_value(res, 0, 1), token)) {
		PQclear(res);
		return not_yours(e);
	}
	/* the body is read only for a caller who holds the token: nobody else learns
	 * what an event should look like */
	deploy_state_parse(db_value(res, 0, 0), &st);
	if (read_event(event, &in, e) < 0 || event_allowed(st, &in, res, 5, e) < 0 ||
	    event_checks(chk, res, &in, e) < 0)
		goto fail_unlocked;
	if (db_begin(db, e) < 0)
		goto fail_unlocked;
	locked = db_query(db,
			  "SELECT state, encode(callback_token_hash, 'hex'), gitops_commit, image,"
			  " tag, digest FROM deployments WHERE id = $1 FOR UPDATE",
			  1, p, e);
	if (!locked)
		goto fail;
	/* the row may have moved (or ended, and its token with it) while we checked */
	if (PQntuples(locked) != 1 || !token_matches(db_value(locked, 0, 1), token)) {
		not_yours(e);
		goto fail;
	}
	deploy_state_parse(db_value(locked, 0, 0), &st);
	rc = event_allowed(st, &in, locked, 2, e);
	if (rc < 0)
		goto fail;
	if (rc == 0 && apply_event(db, id, st, &in, e) < 0)
		goto fail;
	if (db_command(db, "SELECT pg_notify('platform_deploy', $1)", 1, p, e) < 0)
		goto fail;
	PQclear(res);
	PQclear(locked);
	if (db_commit(db, e) < 0)
		return -1;
	log_info("pipeline event", "deployment_id", id, "event", in.event, "stage",
		 in.stage ? in.stage : "", NULL);
	return 0;
fail:
	db_rollback(db);
fail_unlocked:
	PQclear(res);
	PQclear(locked);
	return -1;
}

int deploy_callback_end(struct db *db, const char *id, struct err *e)
{
	const char *p[1] = {id};

	return db_command(db, "UPDATE deployments SET callback_token_hash = NULL WHERE id = $1", 1,
			  p, e) < 0
		   ? -1
		   : 0;
}

/* ---------------------------------------------------------------- the worker's view */

void deploy_info_release(struct deploy_info *d)
{
	char **s[] = {&d->id,	   &d->project_id,   &d->project_name,
		      &d->user_id, &d->workspace_id, &d->repo_url,
		      &d->branch,  &d->commit,	     &d->custom_domain,
		      &d->action,  &d->rollback_tag, &d->triggered_by};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		free(*s[i]);
		*s[i] = NULL;
	}
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static double epoch_or_zero(const char *s)
{
	return s ? strtod(s, NULL) : 0;
}

int deploy_info_load(struct db *db, const char *id, struct deploy_info *d, struct err *e)
{
	static struct db_stmt st = DB_STMT(
	    "deploy_info",
	    "SELECT d.id, d.project_id, deployment_app_name(d.preview_id, p.name), p.user_id, "
	    "p.workspace_id, p.repo_url, coalesce(d.branch, p.branch), d.commit_sha, "
	    "CASE WHEN d.preview_id IS NULL THEN "
	    "custom_domain_route(p.custom_domain, p.custom_domain_status) END, d.action, d.tag, "
	    "d.triggered_by, p.port, d.state, coalesce(d.jenkins_queue_id, 0), "
	    "coalesce(d.jenkins_build, 0), d.log_offset, extract(epoch FROM d.trigger_started_at), "
	    "extract(epoch FROM d.triggered_at), extract(epoch FROM d.building_at), "
	    "extract(epoch FROM d.cancel_requested_at), "
	    "(d.gitops_commit IS NOT NULL AND d.tag IS NOT NULL), d.seq "
	    "FROM deployments d JOIN projects p ON p.id = d.project_id WHERE d.id = $1",
	    1);
	const char *p[1] = {id};
	PGresult *res;

	memset(d, 0, sizeof(*d));
	if (!naming_is_uuid(id))
		return err_set(e, 404, "deployment_not_found", "no such deployment");
	res = db_prepared(db, &st, p, e);
	if (!res)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return err_set(e, 404, "deployment_not_found", "no such deployment");
	}
	d->id = xstrdup(db_value(res, 0, 0));
	d->project_id = xstrdup(db_value(res, 0, 1));
	d->project_name = xstrdup(db_value(res, 0, 2));
	d->user_id = xstrdup(db_value(res, 0, 3));
	d->workspace_id = xstrdup(db_value(res, 0, 4));
	d->repo_url = xstrdup(db_value(res, 0, 5));
	d->branch = dup_or_null(db_value(res, 0, 6));
	d->commit = dup_or_null(db_value(res, 0, 7));
	d->custom_domain = dup_or_null(db_value(res, 0, 8));
	d->action = xstrdup(db_value(res, 0, 9));
	d->rollback_tag = dup_or_null(db_value(res, 0, 10));
	d->triggered_by = dup_or_null(db_value(res, 0, 11));
	d->port = atol(db_value(res, 0, 12));
	if (deploy_state_parse(db_value(res, 0, 13), &d->state) < 0)
		d->state = DEPLOY_FAILED;
	d->queue_id = atoll(db_value(res, 0, 14));
	d->build = atoll(db_value(res, 0, 15));
	d->log_offset = atoll(db_value(res, 0, 16));
	d->trigger_started_at = epoch_or_zero(db_value(res, 0, 17));
	d->triggered_at = epoch_or_zero(db_value(res, 0, 18));
	d->building_at = epoch_or_zero(db_value(res, 0, 19));
	d->cancel_requested_at = epoch_or_zero(db_value(res, 0, 20));
	d->has_release = !strcmp(db_value(res, 0, 21), "t");
	d->seq = atol(db_value(res, 0, 22));
	PQclear(res);
	return 0;
}

int deploy_trigger_begin(struct db *db, const char *id, const char *callback_token, struct err *e)
{
	unsigned char hash[32];
	struct buf hex = BUF_INIT;
	const char *p[2];
	long n;

	crypto_sha256(callback_token, strlen(callback_token), hash);
	crypto_hex(hash, sizeof(hash), &hex);
	p[0] = id;
	p[1] = hex.buf;
	n = db_command(db,
		       "UPDATE deployments SET trigger_started_at = now(), "
		       "callback_token_hash = decode($2, 'hex') "
		       "WHERE id = $1 AND state = 'queued' AND cancel_requested_at IS NULL "
		       "AND jenkins_queue_id IS NULL",
		       2, p, e);
	buf_release(&hex);
	return n < 0 ? -1 : n > 0;
}

int deploy_set_queue_id(struct db *db, const char *id, long long queue_id, struct err *e)
{
	char q[24];
	const char *p[2] = {id, q};

	snprintf(q, sizeof(q), "%lld", queue_id);
	return db_command(db,
			  "UPDATE deployments SET jenkins_queue_id = $2::bigint, "
			  "triggered_at = coalesce(triggered_at, now()) WHERE id = $1",
			  2, p, e) < 0
		   ? -1
		   : 0;
}

int deploy_set_build(struct db *db, const char *id, long long number, struct err *e)
{
	char b[24];
	const char *p[2] = {id, b};

	snprintf(b, sizeof(b), "%lld", number);
	if (db_command(db, "UPDATE deployments SET jenkins_build = $2::bigint WHERE id = $1", 2, p,
		       e) < 0)
		return -1;
	return deploy_transition(db, id, DEPLOY_BUILDING, NULL, e) < 0 ? -1 : 0;
}

int deploy_store_log(struct db *db, const char *id, long long offset, const char *data, size_t len,
		     struct err *e)
{
	static struct db_stmt st =
	    DB_STMT("deploy_store_log",
		    "WITH u AS (UPDATE deployments SET log_offset = $3::bigint "
		    "WHERE id = $1 AND log_offset = $2::bigint RETURNING id) "
		    "INSERT INTO deployment_logs (deployment_id, byte_offset, chunk) "
		    "SELECT id, $2::bigint, $4 FROM u",
		    4);
	char from[24], to[24];
	struct buf text = BUF_INIT;
	const char *p[4];
	PGresult *res;
	int stored;

	snprintf(from, sizeof(from), "%lld", offset);
	snprintf(to, sizeof(to), "%lld", offset + (long long)len);
	deploy_log_clean(data, len, &text);
	p[0] = id;
	p[1] = from;
	p[2] = to;
	p[3] = text.buf;
	res = db_prepared(db, &st, p, e);
	buf_release(&text);
	if (!res)
		return -1;
	stored = atoi(PQcmdTuples(res)) > 0;
	PQclear(res);
	if (stored)
		metrics_log_bytes(len);
	return stored;
}

/* Length of the UTF-8 sequence a lead byte starts, 0 for a byte that cannot lead. */
static size_t seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

size_t deploy_log_cut(const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;

	/* Look back over at most three continuation bytes for the lead byte. */
	for (size_t back = 1; back <= 4 && back <= len; back++) {
		unsigned char c = s[len - back];
		size_t need;

		if ((c & 0xc0) == 0x80)
			continue;
		need = seq_len(c);
		return need > back ? len - back : len;
	}
	return len;
}

/* Length of a valid sequence at s (n bytes available), 0 when invalid. */
static size_t valid_seq(const unsigned char *s, size_t n)
{
	size_t need = seq_len(s[0]);

	if (!need || need > n)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	}
	/* overlong forms, surrogates and code points past U+10FFFF */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return need;
}

void deploy_log_clean(const char *data, size_t len, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = 0;

	while (i < len) {
		size_t n = s[i] ? valid_seq(s + i, len - i) : 0;

		if (n) {
			buf_add(out, s + i, n);
			i += n;
		} else {
			buf_addstr(out, "\xef\xbf\xbd");
			i++;
		}
	}
}

int deploy_log_complete(struct db *db, const char *id, struct err *e)
{
	const char *p[1] = {id};

	return db_command(
		   db,
		   "UPDATE deployments SET log_complete_at = coalesce(log_complete_at, now()) "
		   "WHERE id = $1",
		   1, p, e) < 0
		   ? -1
		   : 0;
}

/* ---- statements (DB_QUERY_FN: run by name, results for the caller) ---- */

DB_COMMAND_FN(deploy_set_github_id,
	      "UPDATE deployments SET github_deployment_id = $2::bigint WHERE id = $1", 2)

DB_COMMAND_FN(deploy_set_image,
	      "UPDATE deployments SET image = $2, tag = $3, digest = $4, "
	      "commit_sha = coalesce(commit_sha, $5) WHERE id = $1",
	      5)

DB_QUERY_FN(deploy_versions_page,
	    "SELECT d.id, d.seq, d.state, d.trigger, d.image, d.tag, d.digest, "
	    "d.commit_sha,"
	    " d.gitops_commit, rfc3339(d.created_at), rfc3339(d.released_at),"
	    " rfc3339(d.live_at), d.triggered_by, u.login,"
	    " d.id = (SELECT c.id FROM deployments c WHERE c.project_id = $1 AND"
	    "  c.preview_id IS NULL AND c.state IN ('live', 'released') ORDER BY c.seq DESC"
	    "  LIMIT 1),"
	    " d.settings::text, (SELECT coalesce(json_agg(k ORDER BY k), '[]')"
	    "  FROM jsonb_object_keys(d.env_sealed) k)::text"
	    " FROM deployments d LEFT JOIN users u ON u.id = d.triggered_by"
	    " WHERE" VERSION_WHERE " AND ($2::int IS NULL OR d.seq < $2::int)"
	    " ORDER BY d.seq DESC LIMIT $3::int",
	    3)

DB_COMMAND_FN(deploy_set_gitops_commit,
	      "UPDATE deployments SET gitops_commit = $2 "
	      "WHERE id = $1::uuid AND gitops_commit IS NULL",
	      2)

DB_QUERY_FN(deploy_log_chunks,
	    "SELECT byte_offset, chunk, octet_length(chunk) FROM deployment_logs"
	    " WHERE deployment_id = $1 AND byte_offset + octet_length(chunk) > $2::bigint"
	    " ORDER BY byte_offset LIMIT 500",
	    2)

DB_QUERY_FN(deploy_log_done,
	    "SELECT (d.log_complete_at IS NOT NULL OR d.finished_at IS NOT NULL)"
	    " AND NOT EXISTS (SELECT 1 FROM deployment_logs l"
	    " WHERE l.deployment_id = d.id AND l.byte_offset >= $2::bigint)"
	    " FROM deployments d WHERE d.id = $1",
	    2)

DB_QUERY_FN(deploy_states,
	    "SELECT id, state, cancel_requested_at IS NOT NULL, "
	    "(gitops_commit IS NOT NULL AND tag IS NOT NULL) "
	    "FROM deployments WHERE id = ANY($1::uuid[])",
	    1)

DB_QUERY_FN(deploy_runtime_row,
	    "SELECT d.state, p.workspace_id, p.user_id, deployment_app_name(d.preview_id, p.name), "
	    "d.seq, d.tag "
	    "FROM deployments d JOIN projects p ON p.id = d.project_id "
	    "WHERE d.id = $1::uuid",
	    1)

DB_QUERY_FN(deploy_runtime_find,
	    "SELECT d.id, p.id FROM deployments d JOIN projects p ON p.id = d.project_id "
	    "WHERE p.workspace_id = $1 AND p.user_id = $2 "
	    "AND deployment_app_name(d.preview_id, p.name) = $3 "
	    "AND p.deleted_at IS NULL AND d.seq = $4::bigint AND d.state = 'live'",
	    4)

DB_QUERY_FN(deploy_track_row,
	    "SELECT d.state, d.gitops_commit, extract(epoch FROM coalesce(d.released_at, now())), "
	    "p.workspace_id, p.user_id, deployment_app_name(d.preview_id, p.name), "
	    "p.deleted_at IS NOT NULL, "
	    "(SELECT max(n.seq) FROM deployments n WHERE n.project_id = d.project_id "
	    " AND n.preview_id IS NOT DISTINCT FROM d.preview_id "
	    " AND n.seq > d.seq AND n.gitops_commit IS NOT NULL "
	    " AND n.state NOT IN ('cancelled', 'superseded')) "
	    "FROM deployments d JOIN projects p ON p.id = d.project_id WHERE d.id = $1::uuid",
	    1)

DB_QUERY_FN(deploy_version_by_id,
	    "SELECT d.id, d.preview_id IS NULL AND d.tag IS NOT NULL AND d.released_at IS NOT NULL"
	    " AND d.state IN ('released', 'syncing', 'live'), d.state"
	    " FROM deployments d WHERE d.project_id = $1 AND d.id = $2",
	    2)

DB_QUERY_FN(deploy_version_by_tag,
	    "SELECT d.id, true, d.state FROM deployments d WHERE" VERSION_WHERE
	    " AND d.tag = $2 ORDER BY d.seq DESC LIMIT 1",
	    2)

/* ---- statements (DB_QUERY_FN: run by name, results for the caller) ---- */

DB_QUERY_FN(deploy_prune_logs,
	    "DELETE FROM deployment_logs l USING deployments d"
	    " WHERE l.deployment_id = d.id AND d.project_id = $1"
	    " AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.deployment_id = d.id"
	    "   AND j.state IN ('queued', 'running'))"
	    " AND d.seq <= (SELECT coalesce(min(seq), 0) FROM (SELECT seq FROM deployments"
	    "   WHERE project_id = $1 ORDER BY seq DESC LIMIT $2::int + 1) newest)"
	    " AND (SELECT count(*) FROM deployments WHERE project_id = $1) > $2::int",
	    2)

DB_QUERY_FN(deploy_callback_row,
	    "SELECT state, encode(callback_token_hash, 'hex') FROM deployments "
	    "WHERE id = $1::uuid",
	    1)

DB_QUERY_FN(
    deploy_release_row,
    "SELECT d.id, d.seq, d.state, d.action, d.image, d.tag, d.gitops_commit, d.triggered_by, "
    "p.workspace_id, p.user_id, deployment_app_name(d.preview_id, p.name), d.settings::text, "
    "d.env_sealed::text, "
    /* the snapshot's custom domain is routed only while the project holds it verified
     * (issue 12: an unverified domain is never written as an ingress host) */
    "custom_domain_route(d.settings->>'custom_domain', CASE WHEN p.custom_domain IS NOT "
    "DISTINCT FROM d.settings->>'custom_domain' THEN p.custom_domain_status END), "
    /* a removed preview's folder is gone from git: nothing of it may come back */
    "EXISTS (SELECT 1 FROM previews v WHERE v.id = d.preview_id AND v.state = 'removed') "
    "FROM deployments d JOIN projects p ON p.id = d.project_id WHERE d.id = $1::uuid",
    1)

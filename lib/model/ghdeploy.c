/* ghdeploy.c: the GitHub deployments outbox: what a state change queues, and its statements */
#include "ghdeploy.h"

#include "buf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Set once at start, before any thread, then only read (ghdeploy.h). */
static char *policy_url;
static int policy_on;

void ghdeploy_set_policy(const char *github_url, int enabled)
{
	size_t n;

	free(policy_url);
	policy_url = NULL;
	policy_on = 0;
	if (!enabled || !github_url ||
	    (strncasecmp(github_url, "https://", 8) && strncasecmp(github_url, "http://", 7)))
		return;
	n = strlen(github_url);
	while (n && github_url[n - 1] == '/')
		n--;
	policy_url = xstrndup(github_url, n);
	policy_on = 1;
}

/* The states that create the GitHub deployment when it does not exist yet: a deployment that
 * is cancelled or superseded before it started is nothing a GitHub reader needs to see. */
static int creates(const char *state)
{
	return !strcmp(state, "building") || !strcmp(state, "released") || !strcmp(state, "live") ||
	       !strcmp(state, "failed");
}

static int reported(const char *state)
{
	return creates(state) || !strcmp(state, "cancelled") || !strcmp(state, "superseded");
}

/* The repository is "owner/name" after the web base, without ".git" or trailing slashes;
 * anything else (a deeper path, odd characters) is not a GitHub repository we can name. */
static struct db_stmt st_queue_create =
    DB_STMT("ghdeploy_queue_create",
	    "INSERT INTO github_deployment_events (deployment_id, kind, state, repo, environment) "
	    "SELECT d.id, 'create', 'create', r.repo, CASE WHEN d.preview_id IS NULL THEN $3 "
	    "ELSE 'pr-' || (SELECT v.number FROM previews v WHERE v.id = d.preview_id) END "
	    "FROM deployments d "
	    "JOIN projects p ON p.id = d.project_id JOIN users u ON u.id = p.user_id, "
	    "LATERAL (SELECT regexp_replace(substr(p.repo_url, length($2) + 2), "
	    "'(\\.git)?/*$', '') AS repo) r "
	    "WHERE d.id = $1 AND u.github_token IS NOT NULL "
	    "AND lower(left(p.repo_url, length($2) + 1)) = lower($2 || '/') "
	    "AND r.repo ~ '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$' "
	    "ON CONFLICT DO NOTHING",
	    3);

/* A status only follows a create of the same deployment (queued before it, so earlier in
 * seq): the sender sends them in that order. */
static struct db_stmt st_queue_status =
    DB_STMT("ghdeploy_queue_status",
	    "INSERT INTO github_deployment_events (deployment_id, kind, state, repo, environment) "
	    "SELECT c.deployment_id, 'status', $2, c.repo, c.environment "
	    "FROM github_deployment_events c WHERE c.deployment_id = $1 AND c.kind = 'create' "
	    "ON CONFLICT DO NOTHING",
	    2);

long ghdeploy_enqueue(struct db *db, const char *deployment_id, const char *state, struct err *e)
{
	const char *pc[3] = {deployment_id, policy_url, GHDEPLOY_ENVIRONMENT};
	const char *ps[2] = {deployment_id, state};
	long made = 0, n;

	if (!policy_on || !state || !reported(state))
		return 0;
	if (creates(state) && (made = db_prepared_command(db, &st_queue_create, pc, e)) < 0)
		return -1;
	n = db_prepared_command(db, &st_queue_status, ps, e);
	return n < 0 ? -1 : made + n;
}

const char *ghdeploy_github_state(const char *state, int released_final, const char **desc)
{
	static const struct {
		const char *state, *github, *desc;
	} map[] = {
	    {"building", "in_progress", "building"},
	    {"live", "success", "live"},
	    {"failed", "failure", "failed"},
	    {"cancelled", "error", "cancelled"},
	    {"superseded", "error", "superseded by a newer deployment before it went live"},
	    {"inactive", "inactive", "replaced by a newer deployment"},
	};

	*desc = NULL;
	if (!state)
		return NULL;
	/* without a runtime after the release, released is as live as it gets */
	if (!strcmp(state, "released")) {
		*desc = released_final ? "released" : "released; waiting for it to go live";
		return released_final ? "success" : "in_progress";
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!strcmp(state, map[i].state)) {
			*desc = map[i].desc;
			return map[i].github;
		}
	}
	return NULL;
}

/* ---- the sender's statements ---- */

/* An event waits while an earlier one of its deployment is pending (due, leased or backing
 * off): a deployment's calls go out one at a time, in order. A comment also waits for the
 * earlier comments of its preview, so that only the first one posts and the others edit it. */
#define GHDEPLOY_FIRST_PENDING                                                                     \
	"NOT EXISTS (SELECT 1 FROM github_deployment_events o WHERE o.deployment_id = "            \
	"e.deployment_id AND o.seq < e.seq AND o.status = 'pending') AND (e.kind <> 'comment' "    \
	"OR NOT EXISTS (SELECT 1 FROM github_deployment_events o JOIN deployments od ON "          \
	"od.id = o.deployment_id WHERE o.kind = 'comment' AND o.seq < e.seq AND "                  \
	"o.status = 'pending' AND od.preview_id = (SELECT ed.preview_id FROM deployments ed "      \
	"WHERE ed.id = e.deployment_id)))"

DB_QUERY_FN(
    ghdeploy_claim,
    "WITH c AS (SELECT e.id FROM github_deployment_events e "
    "WHERE e.status = 'pending' AND e.next_attempt_at <= now() AND " GHDEPLOY_FIRST_PENDING
    " ORDER BY e.next_attempt_at, e.seq LIMIT $1::int FOR UPDATE SKIP LOCKED) "
    "UPDATE github_deployment_events g SET attempts = g.attempts + 1, "
    "last_attempt_at = now(), next_attempt_at = now() + $2::bigint * interval '1 millisecond' "
    "FROM c, deployments d LEFT JOIN previews v ON v.id = d.preview_id, projects p, users u "
    "WHERE g.id = c.id "
    "AND d.id = g.deployment_id AND p.id = d.project_id AND u.id = p.user_id "
    "RETURNING g.id, g.kind, g.state, g.attempts, extract(epoch FROM now() - g.created_at), "
    "g.repo, g.environment, g.deployment_id, d.github_deployment_id, "
    "coalesce(d.commit_sha, d.branch, p.branch), d.seq, deployment_app_name(d.preview_id, p.name), "
    "p.user_id, CASE WHEN d.preview_id IS NULL THEN "
    "custom_domain_route(p.custom_domain, p.custom_domain_status) END, d.error, "
    "encode(u.github_token, 'hex'), v.number, v.github_comment_id, v.id",
    2)

DB_COMMAND_FN(ghdeploy_record,
	      "UPDATE github_deployment_events SET status = $2, response_status = $3::int, "
	      "last_error = $4, next_attempt_at = now() + $5::bigint * interval '1 millisecond', "
	      "github_state = coalesce($6, github_state), "
	      "sent_at = CASE WHEN $2 = 'sent' THEN now() END, "
	      "finished_at = CASE WHEN $2 <> 'pending' THEN now() END WHERE id = $1",
	      6)

DB_COMMAND_FN(ghdeploy_fail_rest,
	      "UPDATE github_deployment_events SET status = 'failed', last_error = $2, "
	      "finished_at = now() WHERE deployment_id = $1 AND status = 'pending'",
	      2)

DB_COMMAND_FN(
    ghdeploy_inactivate_older,
    "INSERT INTO github_deployment_events (deployment_id, kind, state, repo, environment) "
    "SELECT DISTINCT o.deployment_id, 'status', 'inactive', o.repo, o.environment "
    "FROM github_deployment_events o JOIN deployments od ON od.id = o.deployment_id "
    "WHERE od.project_id = (SELECT project_id FROM deployments WHERE id = $1) "
    "AND o.kind = 'status' AND o.github_state = 'success' AND o.status = 'sent' "
    "AND EXISTS (SELECT 1 FROM github_deployment_events n "
    "JOIN deployments nd ON nd.id = n.deployment_id WHERE nd.project_id = od.project_id "
    "AND nd.seq > od.seq AND n.environment = o.environment AND n.kind = 'status' "
    "AND n.github_state = 'success' AND n.status = 'sent') "
    "ON CONFLICT DO NOTHING",
    1)

DB_COMMAND_FN(
    ghdeploy_inactivate_preview,
    "INSERT INTO github_deployment_events (deployment_id, kind, state, repo, environment) "
    "SELECT DISTINCT o.deployment_id, 'status', 'inactive', o.repo, o.environment "
    "FROM github_deployment_events o JOIN deployments d ON d.id = o.deployment_id "
    "WHERE d.preview_id = $1 AND o.kind = 'status' AND o.state IN ('live', 'released') "
    "AND o.status <> 'failed' ON CONFLICT DO NOTHING",
    1)

/* A success that reaches GitHub after its preview was removed (the pull request closed while
 * the status waited its turn) must not leave "is live" as the comment's last word: the comment
 * it queues says removed. */
DB_COMMAND_FN(
    ghdeploy_queue_comment,
    "INSERT INTO github_deployment_events (deployment_id, kind, state, repo, environment) "
    "SELECT e.deployment_id, 'comment', CASE v.state WHEN 'removed' THEN 'inactive' ELSE "
    "e.state END, e.repo, e.environment "
    "FROM github_deployment_events e JOIN deployments d ON d.id = e.deployment_id "
    "JOIN previews v ON v.id = d.preview_id WHERE e.id = $1 ON CONFLICT DO NOTHING",
    1)

DB_COMMAND_FN(
    ghdeploy_comment_removed,
    "INSERT INTO github_deployment_events (deployment_id, kind, state, repo, environment) "
    "SELECT o.deployment_id, 'comment', 'inactive', o.repo, o.environment "
    "FROM github_deployment_events o JOIN deployments d ON d.id = o.deployment_id "
    "WHERE d.preview_id = $1 AND o.kind = 'comment' AND o.state <> 'inactive' "
    "AND o.status <> 'failed' ORDER BY o.seq DESC LIMIT 1 ON CONFLICT DO NOTHING",
    1)

DB_COMMAND_FN(ghdeploy_comment_save,
	      "UPDATE previews SET github_comment_id = $2::bigint WHERE id = $1", 2)

DB_COMMAND_FN(ghdeploy_comment_forget,
	      "UPDATE previews SET github_comment_id = NULL WHERE id = $1 "
	      "AND github_comment_id = $2::bigint",
	      2)

DB_COMMAND_FN(ghdeploy_retry_now,
	      "UPDATE github_deployment_events SET attempts = greatest(attempts - 1, 0), "
	      "next_attempt_at = now() WHERE id = $1 AND status = 'pending'",
	      1)

DB_COMMAND_FN(ghdeploy_prune,
	      "DELETE FROM github_deployment_events WHERE status <> 'pending' "
	      "AND finished_at < now() - $1::int * interval '1 day'",
	      1)

DB_QUERY_FN(
    ghdeploy_next_due,
    "SELECT ceil(extract(epoch FROM min(e.next_attempt_at) - now()) * 1000) "
    "FROM github_deployment_events e WHERE e.status = 'pending' AND " GHDEPLOY_FIRST_PENDING,
    0)

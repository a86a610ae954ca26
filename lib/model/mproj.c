/* mproj.c: the statements on projects */
#include "mproj.h"

#define TS(col) "rfc3339(" col ")"
#define MPROJ_COLS                                                                                 \
	"p.id, p.workspace_id, p.user_id, p.name, p.repo_url, p.branch, p.port, p.framework,"      \
	" p.custom_domain, p.auto_deploy, p.auto_deploy_paused, p.replicas, p.resources::text,"    \
	" p.env::text, " TS("p.created_at") ", " TS("p.updated_at") ", " DEPLOY_BRIEF(             \
	    "cur") ", " DEPLOY_BRIEF("lat") ", p.custom_domain_status, p.custom_domain_token,"     \
					    " rfc3339(p.custom_domain_checked_at), "               \
					    "p.custom_domain_error, p.autoscaling::text, "         \
					    "p.auto_rollback, " MPROJ_DRIFT                        \
					    ", p.previews, p.preview_forks"
/* The newest deployment that reached git, when it failed there: git names a version that does
 * not run (auto_rollback off, or its rollback is still on its way). */
#define MPROJ_DRIFT                                                                                \
	"(SELECT CASE WHEN r.state = 'failed' THEN r.id END FROM deployments r"                    \
	" WHERE r.project_id = p.id AND r.preview_id IS NULL AND r.released_at IS NOT NULL"        \
	" ORDER BY r.seq DESC LIMIT 1)"
#define DEPLOY_BRIEF(t)                                                                            \
	t ".id, " t ".seq, " t ".state, " t ".image, " t ".tag, " t ".digest, rfc3339(" t ".at)"
#define PROJECT_FROM                                                                               \
	" FROM projects p"                                                                         \
	" LEFT JOIN LATERAL (SELECT d.id, d.seq, d.state, d.image, d.tag, d.digest,"               \
	" coalesce(d.live_at, d.released_at) AS at FROM deployments d WHERE d.project_id = p.id"   \
	" AND d.preview_id IS NULL AND d.state IN ('live', 'released') ORDER BY d.seq DESC"        \
	" LIMIT 1) cur ON true"                                                                    \
	" LEFT JOIN LATERAL (SELECT d.id, d.seq, d.state, d.image, d.tag, d.digest,"               \
	" d.created_at AS at FROM deployments d WHERE d.project_id = p.id"                         \
	" AND d.preview_id IS NULL ORDER BY d.seq DESC LIMIT 1) lat ON true"

DB_QUERY_FN(mproj_insert,
	    "INSERT INTO projects (workspace_id, user_id, name, repo_url, branch, port,"
	    " framework, custom_domain, auto_deploy, replicas, resources, env, repo_key,"
	    " created_at, repo_verified_at, repo_verified_by, custom_domain_status)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13,"
	    " $14::timestamptz, $14::timestamptz, $2,"
	    " CASE WHEN $8::text IS NULL THEN NULL ELSE 'pending' END)"
	    " RETURNING id",
	    14)

DB_QUERY_FN(mproj_hook_state,
	    "SELECT repo_key, repo_url, auto_deploy, previews FROM projects WHERE id = $1", 1)

DB_QUERY_FN(mproj_lock_env, "SELECT env::text FROM projects WHERE id = $1 FOR UPDATE", 1)

DB_COMMAND_FN(mproj_update,
	      "UPDATE projects SET repo_url = coalesce($2, repo_url),"
	      " branch = coalesce($3, branch), port = coalesce($4::int, port),"
	      " framework = coalesce($5, framework),"
	      " custom_domain = CASE WHEN $6::bool THEN $7 ELSE custom_domain END,"
	      " auto_deploy = coalesce($8::bool, auto_deploy),"
	      " auto_deploy_paused = CASE WHEN $8::bool THEN false ELSE "
	      "auto_deploy_paused END,"
	      " replicas = coalesce($9::int, replicas),"
	      " resources = coalesce($10::jsonb, resources), env = "
	      "coalesce($11::jsonb, env),"
	      " repo_key = $12, updated_at = now(),"
	      " repo_verified_at = CASE WHEN $13::text IS NULL THEN repo_verified_at"
	      " ELSE now() END, repo_verified_by = coalesce($13, repo_verified_by),"
	      /* a new domain proves itself again from the start */
	      " custom_domain_status = CASE WHEN NOT $6::bool THEN"
	      " custom_domain_status WHEN $7::text IS NULL THEN NULL"
	      " WHEN $7 IS NOT DISTINCT FROM custom_domain THEN custom_domain_status"
	      " ELSE 'pending' END,"
	      " custom_domain_checked_at = CASE WHEN $6::bool AND $7 IS DISTINCT FROM"
	      " custom_domain THEN NULL ELSE custom_domain_checked_at END,"
	      " custom_domain_verified_at = CASE WHEN $6::bool AND $7 IS DISTINCT FROM"
	      " custom_domain THEN NULL ELSE custom_domain_verified_at END,"
	      " custom_domain_error = CASE WHEN $6::bool AND $7 IS DISTINCT FROM"
	      " custom_domain THEN NULL ELSE custom_domain_error END"
	      " WHERE id = $1",
	      13)

DB_COMMAND_FN(
    mproj_set_previews,
    "UPDATE projects SET previews = coalesce($2::bool, previews),"
    " preview_forks = coalesce($3::bool, preview_forks), updated_at = now() WHERE id = $1",
    3)

DB_COMMAND_FN(mproj_set_auto_rollback,
	      "UPDATE projects SET auto_rollback = $2::bool, updated_at = now() WHERE id = $1", 2)

DB_COMMAND_FN(mproj_set_autoscaling,
	      "UPDATE projects SET autoscaling = $2::jsonb, updated_at = now() WHERE id = $1", 2)

DB_COMMAND_FN(mproj_mark_deleted,
	      "UPDATE projects SET deleted_at = now(), custom_domain = NULL,"
	      " auto_deploy = false WHERE id = $1",
	      1)

DB_QUERY_FN(mproj_repo_key, "SELECT repo_key FROM projects WHERE id = $1", 1)

DB_COMMAND_FN(mproj_pause_auto_deploy,
	      "UPDATE projects SET auto_deploy_paused = true WHERE id = $1 AND "
	      "auto_deploy",
	      1)

DB_QUERY_FN(mproj_push_targets,
	    "SELECT p.id, p.auto_deploy_paused FROM projects p WHERE p.repo_key = $1"
	    " AND p.branch = $2 AND p.auto_deploy AND p.deleted_at IS NULL"
	    " AND p.repo_verified_at IS NOT NULL AND EXISTS (SELECT 1 FROM members m"
	    " WHERE m.workspace_id = p.workspace_id AND m.user_id = p.repo_verified_by"
	    " AND m.role IN ('owner', 'admin', 'developer')) ORDER BY p.id",
	    2)

DB_QUERY_FN(mproj_env, "SELECT env::text FROM projects WHERE id = $1", 1)

DB_QUERY_FN(mproj_ref,
	    "SELECT p.id, p.workspace_id, p.user_id, p.name, m.role FROM projects p"
	    " JOIN members m ON m.workspace_id = p.workspace_id AND m.user_id = $2"
	    " WHERE p.id = $1 AND p.deleted_at IS NULL",
	    2)

DB_QUERY_FN(mproj_ref_by_deployment,
	    "SELECT p.id, p.workspace_id, p.user_id, p.name, m.role FROM deployments d"
	    " JOIN projects p ON p.id = d.project_id"
	    " JOIN members m ON m.workspace_id = p.workspace_id AND m.user_id = $2"
	    " WHERE d.id = $1 AND p.deleted_at IS NULL",
	    2)

DB_QUERY_FN(mproj_one, "SELECT " MPROJ_COLS PROJECT_FROM " WHERE p.id = $1", 1)

DB_QUERY_FN(mproj_page,
	    "SELECT " MPROJ_COLS PROJECT_FROM " WHERE p.workspace_id = $1"
	    " AND p.deleted_at IS NULL AND ($2::uuid IS NULL OR p.id > $2::uuid)"
	    " ORDER BY p.id LIMIT $3::int",
	    3)

/* ---- statements (DB_QUERY_FN: run by name, results for the caller) ---- */

DB_QUERY_FN(mproj_domains_due,
	    "UPDATE projects SET custom_domain_checked_at = now() WHERE id IN ("
	    " SELECT id FROM projects WHERE custom_domain IS NOT NULL AND deleted_at IS NULL"
	    " AND (custom_domain_checked_at IS NULL OR custom_domain_checked_at <"
	    " now() - make_interval(secs => $1::int))"
	    " ORDER BY custom_domain_checked_at NULLS FIRST LIMIT $2::int"
	    " FOR UPDATE SKIP LOCKED)"
	    " RETURNING id, custom_domain, custom_domain_token",
	    2)

DB_COMMAND_FN(mproj_domain_result,
	      "UPDATE projects SET custom_domain_status = CASE WHEN $3::bool THEN"
	      " 'verified' WHEN custom_domain_status = 'pending' THEN 'pending'"
	      " ELSE 'failed' END,"
	      " custom_domain_verified_at = CASE WHEN $3::bool THEN"
	      " coalesce(custom_domain_verified_at, now()) ELSE NULL END,"
	      " custom_domain_error = $4"
	      " WHERE id = $1 AND custom_domain = $2",
	      4)

DB_COMMAND_FN(mproj_domain_error, "UPDATE projects SET custom_domain_error = $2 WHERE id = $1", 2)

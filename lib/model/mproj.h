/* mproj.h: projects: their rows and the checks that read them (prefix mproj_).
 *
 * The model of the projects table: every statement on them is here, prepared by name on each
 * connection (lib/db/db). Each function runs one statement with `params` ($1..$n, text,
 * NULL for SQL NULL, all borrowed): a query returns its result (the caller PQclears it)
 * or NULL with `e` filled; a command returns the number of rows it changed or -1.
 * Callers parse and render; the SQL and its column order live here.
 *
 * MPROJ_COLS, the columns of a project row (fcgi/h_projects.c renders them): 0 id,
 * workspace_id, user_id, name, repo_url, branch, port, framework, custom_domain, auto_deploy,
 * 10 auto_deploy_paused, replicas, resources, env (sealed), created_at, updated_at, then the
 * deployment serving now at 16 (id, seq, state, image, tag, digest, since) and the newest at
 * 23 (the same, created_at), 30 custom_domain_status, custom_domain_token,
 * custom_domain_checked_at, custom_domain_error, 34 autoscaling (json or NULL), 35 auto_rollback,
 * 36 the failed deployment git names while another version serves (NULL: none), 37 previews,
 * 38 preview_forks. Both deployments
 * come in the same statement, so a page of projects is one statement, not one per project.
 */
#ifndef PLATFORM_MPROJ_H
#define PLATFORM_MPROJ_H

#include "db.h"
#include "err.h"

/* $1 workspace id, $2 user id, $3 name, $4 repo_url, $5 branch, $6 port, $7 framework, $8
 * custom_domain, $9 auto_deploy, $10 replicas, $11 resources (json), $12 sealed env (json), $13
 * repo_key, $14 created_at -> id */
PGresult *mproj_insert(struct db *db, const char *const *params, struct err *e);
/* $1 project id -> repo_key, repo_url, auto_deploy */
PGresult *mproj_hook_state(struct db *db, const char *const *params, struct err *e);
/* $1 project id -> the sealed env (json text), the row locked FOR UPDATE */
PGresult *mproj_lock_env(struct db *db, const char *const *params, struct err *e);
/* $1 id, then each NULL to keep: $2 repo_url, $3 branch, $4 port, $5 framework, $6 custom_domain
 * given (t/f), $7 custom_domain, $8 auto_deploy, $9 replicas, $10 resources, $11 sealed env, $12
 * repo_key (always), $13 verified by (user id, or NULL when the repository was not checked again)
 */
long mproj_update(struct db *db, const char *const *params, struct err *e);
/* $1 project id, $2 autoscaling (json, NULL for fixed replicas), in the caller's transaction */
long mproj_set_autoscaling(struct db *db, const char *const *params, struct err *e);
/* $1 project id, $2 previews, $3 preview_forks (bool, NULL: unchanged), in the caller's
 * transaction */
long mproj_set_previews(struct db *db, const char *const *params, struct err *e);
/* $1 project id, $2 auto_rollback (bool), in the caller's transaction */
long mproj_set_auto_rollback(struct db *db, const char *const *params, struct err *e);
/* $1 project id: deleted now; its name and domain are free again */
long mproj_mark_deleted(struct db *db, const char *const *params, struct err *e);
/* $1 project id -> repo_key */
PGresult *mproj_repo_key(struct db *db, const char *const *params, struct err *e);
/* $1 project id: pause auto-deploy (when it is on) */
long mproj_pause_auto_deploy(struct db *db, const char *const *params, struct err *e);
/* $1 repo_key, $2 branch -> id, auto_deploy_paused: the live projects that deploy that branch on a
 * push, checked by a member who may deploy */
PGresult *mproj_push_targets(struct db *db, const char *const *params, struct err *e);
/* $1 project id -> the sealed env (json text) */
PGresult *mproj_env(struct db *db, const char *const *params, struct err *e);
/* $1 project id, $2 user id -> id, workspace_id, user_id, name, the user's role: a live project of
 * a workspace the user is in */
PGresult *mproj_ref(struct db *db, const char *const *params, struct err *e);
/* $1 deployment id, $2 user id -> as mproj_ref, for the deployment's project */
PGresult *mproj_ref_by_deployment(struct db *db, const char *const *params, struct err *e);
/* $1 project id -> MPROJ_COLS (deleted ones too) */
PGresult *mproj_one(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id, $2 after this id (NULL first), $3 limit -> MPROJ_COLS of live projects by id */
PGresult *mproj_page(struct db *db, const char *const *params, struct err *e);

/* $1 seconds between checks, $2 how many -> id, custom_domain, custom_domain_token: projects whose
 * domain is due a check, marked checked now */
PGresult *mproj_domains_due(struct db *db, const char *const *params, struct err *e);
/* $1 id, $2 the domain checked, $3 found (t/f), $4 error: the outcome of a check, if the domain is
 * still that one */
long mproj_domain_result(struct db *db, const char *const *params, struct err *e);
/* $1 id, $2 error */
long mproj_domain_error(struct db *db, const char *const *params, struct err *e);

#endif

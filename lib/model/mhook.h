/* mhook.h: GitHub webhooks: the repositories' hooks and the deliveries they sent (prefix mhook_).
 *
 * The model of the tables repo_hooks, webhook_deliveries, webhook_rejections: every statement on
 * them is here, prepared by name on each connection (lib/db/db). Each function runs one statement
 * with `params` ($1..$n, text, NULL for SQL NULL, all borrowed): a query returns its result (the
 * caller PQclears it) or NULL with `e` filled; a command returns the number of rows it changed or
 * -1. Callers parse and render; the SQL and its column order live here.
 */
#ifndef PLATFORM_MHOOK_H
#define PLATFORM_MHOOK_H

#include "db.h"
#include "err.h"

/* $1 repo_key -> a row when the repository has our hook: 't' when it is registered for
 * pull_request too (previews), 'f' for a hook of push only (made before previews) */
PGresult *mhook_exists(struct db *db, const char *const *params, struct err *e);
/* $1 repo_key, $2 hook id, $3 sealed secret (hex), $4 user id */
long mhook_save(struct db *db, const char *const *params, struct err *e);
/* $1 repo_key -> hook_id: the row deleted when no live project on it auto-deploys */
PGresult *mhook_drop_unused(struct db *db, const char *const *params, struct err *e);
/* $1 reason: count a refused delivery for today */
long mhook_count_rejection(struct db *db, const char *const *params, struct err *e);
/* $1 repo_key -> the sealed secret (hex) */
PGresult *mhook_secret(struct db *db, const char *const *params, struct err *e);
/* $1 delivery id -> event, state, deployments (json) */
PGresult *mhook_delivery(struct db *db, const char *const *params, struct err *e);
/* $1 delivery id, $2 event, $3 repo full name, $4 ref, $5 after sha, $6 outcome, $7 deployments
 * (json array), $8 repo_key, $9 reason, $10 request id; nothing when it is known */
long mhook_delivery_insert(struct db *db, const char *const *params, struct err *e);
/* $1 project id, $2 before this cursor (NULL first), $3 limit -> the project's deliveries (with
 * state, processed time), newest first (see h_hooks.c for the columns) */
PGresult *mhook_project_deliveries(struct db *db, const char *const *params, struct err *e);

/* $1 days: delete deliveries received longer ago */
long mhook_prune_deliveries(struct db *db, const char *const *params, struct err *e);
/* delete rejection counts older than 90 days */
long mhook_prune_rejections(struct db *db, const char *const *params, struct err *e);

#endif

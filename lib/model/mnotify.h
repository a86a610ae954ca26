/* mnotify.h: workspace notifications and their deliveries (prefix mnotify_).
 *
 * The model of the tables notifications, notification_deliveries: every statement on them is here,
 * prepared by name on each connection (lib/db/db). Each function runs one statement with `params`
 * ($1..$n, text, NULL for SQL NULL, all borrowed): a query returns its result (the caller PQclears
 * it) or NULL with `e` filled; a command returns the number of rows it changed or -1. Callers parse
 * and render; the SQL and its column order live here.
 *
 * MNOTIFY_COLS, a notification: id, workspace_id, url (only scheme and host unless $3 of
 * the statement says to show it all), events (json), format, created_at, created_by, seq.
 * MNOTIFY_DELIVERY_COLS, a delivery: id, event, deployment_id, state, attempts,
 * response_status, response_ms, last_error, created_at, last_attempt_at, next_attempt_at
 * (pending only), delivered_at, seq.
 */
#ifndef PLATFORM_MNOTIFY_H
#define PLATFORM_MNOTIFY_H

#include "db.h"
#include "err.h"

/* $1 workspace id, $2 after this seq ("" first), $3 show the URL in full (t/f), $4 limit ->
 * MNOTIFY_COLS by seq */
PGresult *mnotify_page(struct db *db, const char *const *params, struct err *e);
/* $1 workspace id, $2 url, $3 events (json array), $4 format, $5 sealed secret (hex), $6 user id ->
 * id */
PGresult *mnotify_insert(struct db *db, const char *const *params, struct err *e);
/* $1 id, $2 workspace id, $3 show the URL in full (t/f) -> MNOTIFY_COLS */
PGresult *mnotify_get(struct db *db, const char *const *params, struct err *e);
/* $1 id, $2 workspace id */
long mnotify_delete(struct db *db, const char *const *params, struct err *e);
/* $1 delivery id -> MNOTIFY_DELIVERY_COLS */
PGresult *mnotify_delivery(struct db *db, const char *const *params, struct err *e);
/* $1 id, $2 workspace id -> a row when the notification is the workspace's */
PGresult *mnotify_exists(struct db *db, const char *const *params, struct err *e);
/* $1 notification id, $2 before this seq ("" first), $3 limit -> MNOTIFY_DELIVERY_COLS, newest
 * first */
PGresult *mnotify_deliveries_page(struct db *db, const char *const *params, struct err *e);
/* $1 delivery id: due again at once, the attempt not counted (a call the notifier abandoned) */
long mnotify_retry_now(struct db *db, const char *const *params, struct err *e);
/* $1 days: delete finished deliveries older than that */
long mnotify_prune(struct db *db, const char *const *params, struct err *e);
/* -> ms until the next pending delivery is due (NULL: none) */
PGresult *mnotify_next_due(struct db *db, const char *const *params, struct err *e);
/* $1 how many, $2 lease (ms) -> id, event, payload, attempts, age (s), url, format, sealed secret
 * (hex), created_at: due deliveries, claimed (the attempt counted, leased past the call) */
PGresult *mnotify_claim(struct db *db, const char *const *params, struct err *e);
/* $1 id, $2 state, $3 response status, $4 response ms, $5 last error, $6 ms until the next attempt
 */
PGresult *mnotify_record(struct db *db, const char *const *params, struct err *e);

/* $1 notification id, $2 workspace id, $3 event -> id: a test delivery of that notification */
PGresult *mnotify_enqueue_test(struct db *db, const char *const *params, struct err *e);
/* $1 deployment id, $2 event -> the deliveries queued for the notifications of its workspace that
 * subscribe to the event */
PGresult *mnotify_enqueue(struct db *db, const char *const *params, struct err *e);

#endif

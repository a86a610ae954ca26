/* metrics.h: Prometheus counters shared by the processes of one program (prefix metrics_).
 *
 * metrics_init maps one anonymous MAP_SHARED page set; a process that forks after it (the
 * API master before its pool, the worker before its metrics listener) shares it with its
 * children, so what every pool child counts adds up in one place without locks: every
 * update is one relaxed atomic add on a fixed slot. Before metrics_init (platformctl, unit
 * tests, a process started without a metrics listener) every update is a no-op, so the
 * one-line calls at the counting sites need no guard.
 *
 * metrics_render writes the families of one role in the text exposition format (0.0.4);
 * the families both roles count (database, deployments, outside calls) are in both.
 *
 * The shared pages live as long as the process (and its children); nothing to release.
 */
#ifndef PLATFORM_METRICS_H
#define PLATFORM_METRICS_H

#include "buf.h"
#include "err.h"

#include <stddef.h>

enum metrics_role { METRICS_API, METRICS_WORKER };

#define METRICS_MAX_ROUTES 96	/* route slots of the API (index 0: no route matched) */
#define METRICS_MAX_SLOTS  1024 /* pool children */

/* Map the shared counters; -1 with `e` when mmap fails. Call once, before forking. */
int metrics_init(enum metrics_role role, struct err *e);
/* 1 once metrics_init succeeded in this process or a parent. */
int metrics_enabled(void);

/* ---- the API pool */

/* Name the routes (borrowed for the process' life: the static route table). Index i of
 * the table is route i + 1 in metrics_request; route 0 is "no route". */
void metrics_api_routes(const char *const *methods, const char *const *patterns, int n);
/* This process is pool child `slot` (in the child, right after fork). */
void metrics_child_start(int slot);
/* The master saw child `slot` exit. */
void metrics_child_gone(int slot);
/* A request begins in this child (busy until metrics_request). */
void metrics_request_begin(void);
/* A request ended: route index (0: none), HTTP status, seconds taken. */
void metrics_request(int route, int status, double seconds);

/* ---- both */

/* A failed statement: "unavailable" (connection lost or refused), "conflict" (unique
 * violation) or "error" (anything else). */
void metrics_db_error(const char *kind);
/* A new database connection after an earlier one (not the first). */
void metrics_db_reconnect(void);
/* A call to an outside service ended: `what` as the caller names it ("Jenkins", "GitHub",
 * "Argo CD"); status 0 means no answer. Counted as an error when 0 or >= 500. */
void metrics_call(const char *what, long status);
/* A deployment moved to state `to` after `seconds` in the state it left. */
void metrics_deploy_moved(const char *to, double seconds);

/* ---- the worker */

/* `n` jobs of `kind` were claimed. */
void metrics_jobs_claimed(const char *kind, int n);
/* Live-log messages were lost between the worker and nchan (one gap announced). */
void metrics_publish_gap(void);
/* A GitOps push was rejected (the remote moved) and is tried again. */
void metrics_gitops_retry(void);
/* `n` bytes of build log were stored. */
void metrics_log_bytes(size_t n);

/* Append the families of `role` to `out`. */
void metrics_render(enum metrics_role role, struct buf *out);

/* Helpers for families a caller renders itself (worker gauges read from PostgreSQL):
 * "# HELP" and "# TYPE" lines, and a label value escaped for the text format. */
void metrics_family(struct buf *out, const char *name, const char *type, const char *help);
void metrics_label_value(struct buf *out, const char *value);

#endif

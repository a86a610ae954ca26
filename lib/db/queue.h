/* queue.h: the PostgreSQL job queue: claim, lease, renew, finish, wake-ups (prefix queue_).
 *
 * A job is claimed with FOR UPDATE SKIP LOCKED, so any number of workers can claim
 * at once without taking the same job. A claimed job is 'running' with a lease
 * (jobs.lease_until) that its worker renews; a job whose lease ran out (its worker
 * died or lost the database) is claimable again, so another worker takes it over.
 * Inserting a job notifies channel "platform_jobs" (a trigger, sql/0002); changes
 * to a deployment that a worker must act on soon (cancel, supersede, a pipeline
 * event) notify "platform_deploy" with the deployment id. Notifications are only a
 * hint: the worker also polls, because they are lost while it is disconnected.
 *
 * struct queue borrows its struct db; it owns nothing else.
 */
#ifndef PLATFORM_QUEUE_H
#define PLATFORM_QUEUE_H

#include "db.h"
#include "err.h"

#define QUEUE_CH_JOBS	"platform_jobs"
#define QUEUE_CH_DEPLOY "platform_deploy"

struct queue {
	struct db *db;
	char worker_id[96];
	int lease_seconds;
	unsigned listen_gen; /* connection generation the LISTENs were issued on; 0 none */
};

struct queue_job {
	long long id;
	char kind[32];
	char deployment_id[40]; /* "" when the job has none */
	int attempts;		/* including this claim */
};

/* Set up; `worker_id` (copied) names this worker in jobs.locked_by. */
void queue_init(struct queue *q, struct db *db, const char *worker_id, int lease_seconds);

/* Make sure this connection LISTENs on both channels (again after a reconnect).
 * Returns 1 when it (re)issued LISTEN — the caller should poll once, since
 * notifications sent meanwhile were lost — 0 when already listening, -1 error. */
int queue_listen(struct queue *q, struct err *e);

/* The socket to wait on for notifications, -1 when disconnected. */
int queue_fd(struct queue *q);

/* Read what arrived on the socket and call `cb` for each notification (payload may
 * be ""). Returns the number seen, or -1 when the connection is lost. */
int queue_drain(struct queue *q, void (*cb)(void *arg, const char *channel, const char *payload),
		void *arg);

/* Claim up to `max` jobs of `kind` that are due, or whose lease has run out, into
 * out[]; *n gets how many. */
int queue_claim(struct queue *q, const char *kind, int max, struct queue_job *out, int *n,
		struct err *e);

/* Extend the lease of every job this worker holds. held[] (capacity `cap`) gets the
 * ids still held, *n how many: a job missing there was taken over by another worker
 * and must be dropped without further writes. */
int queue_renew(struct queue *q, long long *held, int cap, int *n, struct err *e);

/* The job is over: state 'done' or 'failed' (with `error`, may be NULL). Only if
 * this worker still holds it: 1 done, 0 not held any more, -1 error. */
int queue_finish(struct queue *q, long long id, int failed, const char *error, struct err *e);

/* Give a held job back (queued again after `delay` seconds), e.g. at shutdown so
 * another worker need not wait for the lease to end. (Not a lifecycle verb: struct queue
 * borrows its db and allocates nothing, so it has no release.) */
int queue_give_back(struct queue *q, long long id, int delay, struct err *e);

/* ---- statements: each runs one named prepared statement ($1.. in `params`); a
 * query returns its result (PQclear it) or NULL, a command the rows it changed or -1 ---- */

/* $1 payload (json): a gitops_remove job */
long queue_add_gitops_remove(struct db *db, const char *const *params, struct err *e);
/* $1 job id -> workspace_id, user_id, project, triggered_by of its payload */
PGresult *queue_job_payload(struct db *db, const char *const *params, struct err *e);
/* -> kind, state, count */
PGresult *queue_counts(struct db *db, const char *const *params, struct err *e);
/* -> claimable jobs now, age of the oldest (seconds) */
PGresult *queue_due(struct db *db, const char *const *params, struct err *e);

/* ---- statements: each runs one named prepared statement ($1.. in `params`); a
 * query returns its result (PQclear it) or NULL, a command the rows it changed or -1 ---- */

/* delete jobs finished more than 7 days ago */
long queue_prune(struct db *db, const char *const *params, struct err *e);
/* $1 deployment id: its deploy job (in the deployment's own transaction) */
long queue_add_deploy(struct db *db, const char *const *params, struct err *e);
/* $1 deployment id: its jobs still queued are done (the deployment ended before a worker
 * took it) */
long queue_drop_queued(struct db *db, const char *const *params, struct err *e);

#endif

/* queue.c: job claims with SKIP LOCKED, leases, and LISTEN/NOTIFY wake-ups */
#include "queue.h"

#include "log.h"
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void queue_init(struct queue *q, struct db *db, const char *worker_id, int lease_seconds)
{
	memset(q, 0, sizeof(*q));
	q->db = db;
	snprintf(q->worker_id, sizeof(q->worker_id), "%s", worker_id);
	q->lease_seconds = lease_seconds > 0 ? lease_seconds : 30;
}

int queue_listen(struct queue *q, struct err *e)
{
	if (db_ensure(q->db, e) < 0)
		return -1;
	if (q->listen_gen == q->db->generation)
		return 0;
	/* LISTEN is session state: a new connection has none. */
	if (db_command(q->db, "LISTEN " QUEUE_CH_JOBS, 0, NULL, e) < 0 ||
	    db_command(q->db, "LISTEN " QUEUE_CH_DEPLOY, 0, NULL, e) < 0)
		return -1;
	q->listen_gen = q->db->generation;
	return 1;
}

int queue_fd(struct queue *q)
{
	if (!q->db->conn || PQstatus(q->db->conn) != CONNECTION_OK)
		return -1;
	return PQsocket(q->db->conn);
}

int queue_drain(struct queue *q, void (*cb)(void *arg, const char *channel, const char *payload),
		void *arg)
{
	PGnotify *n;
	int count = 0;

	if (!q->db->conn || !PQconsumeInput(q->db->conn)) {
		log_warn("database connection lost while listening", NULL);
		q->listen_gen = 0;
		return -1;
	}
	while ((n = PQnotifies(q->db->conn))) {
		if (cb)
			cb(arg, n->relname, n->extra ? n->extra : "");
		PQfreemem(n);
		count++;
	}
	return count;
}

int queue_claim(struct queue *q, const char *kind, int max, struct queue_job *out, int *n,
		struct err *e)
{
	static struct db_stmt st = DB_STMT(
	    "queue_claim",
	    "UPDATE jobs j SET state = 'running', locked_by = $1, "
	    "lease_until = now() + make_interval(secs => $2::int), attempts = j.attempts + 1, "
	    "updated_at = now() "
	    "FROM (SELECT id FROM jobs WHERE kind = $3 AND ("
	    "(state = 'queued' AND run_after <= now()) OR "
	    "(state = 'running' AND lease_until < now())) "
	    "ORDER BY id LIMIT $4::int FOR UPDATE SKIP LOCKED) c "
	    "WHERE j.id = c.id RETURNING j.id, j.kind, j.deployment_id, j.attempts",
	    4);
	char lease[16], lim[16];
	const char *p[4] = {q->worker_id, lease, kind, lim};
	PGresult *res;

	*n = 0;
	if (max <= 0)
		return 0;
	snprintf(lease, sizeof(lease), "%d", q->lease_seconds);
	snprintf(lim, sizeof(lim), "%d", max);
	res = db_prepared(q->db, &st, p, e);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res) && i < max; i++) {
		const char *dep = db_value(res, i, 2);

		out[i].id = atoll(db_value(res, i, 0));
		snprintf(out[i].kind, sizeof(out[i].kind), "%s", db_value(res, i, 1));
		snprintf(out[i].deployment_id, sizeof(out[i].deployment_id), "%s", dep ? dep : "");
		out[i].attempts = atoi(db_value(res, i, 3));
		(*n)++;
	}
	PQclear(res);
	metrics_jobs_claimed(kind, *n);
	return 0;
}

int queue_renew(struct queue *q, long long *held, int cap, int *n, struct err *e)
{
	static struct db_stmt st =
	    DB_STMT("queue_renew",
		    "UPDATE jobs SET lease_until = now() + make_interval(secs => $2::int) "
		    "WHERE locked_by = $1 AND state = 'running' RETURNING id",
		    2);
	char lease[16];
	const char *p[2] = {q->worker_id, lease};
	PGresult *res;

	*n = 0;
	snprintf(lease, sizeof(lease), "%d", q->lease_seconds);
	res = db_prepared(q->db, &st, p, e);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res) && i < cap; i++)
		held[(*n)++] = atoll(db_value(res, i, 0));
	PQclear(res);
	return 0;
}

int queue_finish(struct queue *q, long long id, int failed, const char *error, struct err *e)
{
	char idbuf[24];
	const char *p[4] = {idbuf, q->worker_id, failed ? "failed" : "done", error};
	long n;

	snprintf(idbuf, sizeof(idbuf), "%lld", id);
	n = db_command(q->db,
		       "UPDATE jobs SET state = $3, locked_by = NULL, lease_until = NULL, "
		       "last_error = $4, updated_at = now() "
		       "WHERE id = $1::bigint AND locked_by = $2 AND state = 'running'",
		       4, p, e);
	return n < 0 ? -1 : n > 0;
}

int queue_give_back(struct queue *q, long long id, int delay, struct err *e)
{
	char idbuf[24], d[16];
	const char *p[3] = {idbuf, q->worker_id, d};

	snprintf(idbuf, sizeof(idbuf), "%lld", id);
	snprintf(d, sizeof(d), "%d", delay);
	return db_command(q->db,
			  "UPDATE jobs SET state = 'queued', locked_by = NULL, lease_until = NULL, "
			  "run_after = now() + make_interval(secs => $3::int), updated_at = now() "
			  "WHERE id = $1::bigint AND locked_by = $2 AND state = 'running'",
			  3, p, e) < 0
		   ? -1
		   : 0;
}

/* ---- statements (DB_QUERY_FN: run by name, results for the caller) ---- */

DB_COMMAND_FN(queue_add_gitops_remove,
	      "INSERT INTO jobs (kind, payload) VALUES ('gitops_remove', $1::jsonb)", 1)

DB_QUERY_FN(queue_job_payload,
	    "SELECT payload->>'workspace_id', payload->>'user_id', payload->>'project', "
	    "payload->>'triggered_by' FROM jobs WHERE id = $1::bigint",
	    1)

DB_QUERY_FN(queue_counts, "SELECT kind, state, count(*) FROM jobs GROUP BY 1, 2 ORDER BY 1, 2", 0)

DB_QUERY_FN(queue_due,
	    "SELECT count(*), coalesce(extract(epoch FROM now() - min(CASE WHEN state = "
	    "'queued' THEN run_after ELSE lease_until END)), 0)::float8 FROM jobs "
	    "WHERE (state = 'queued' AND run_after <= now()) OR "
	    "(state = 'running' AND lease_until < now())",
	    0)

/* ---- statements (DB_QUERY_FN: run by name, results for the caller) ---- */

DB_COMMAND_FN(queue_prune,
	      "DELETE FROM jobs WHERE state IN ('done', 'failed')"
	      " AND updated_at < now() - interval '7 days'",
	      0)

DB_COMMAND_FN(queue_add_deploy, "INSERT INTO jobs (kind, deployment_id) VALUES ('deploy', $1)", 1)

DB_COMMAND_FN(queue_drop_queued,
	      "UPDATE jobs SET state = 'done', updated_at = now()"
	      " WHERE deployment_id = $1 AND state = 'queued'",
	      1)

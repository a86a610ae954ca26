/* mhook.c: the statements on repo_hooks, webhook_deliveries, webhook_rejections */
#include "mhook.h"

DB_QUERY_FN(mhook_exists, "SELECT 'pull_request' = ANY(events) FROM repo_hooks WHERE repo_key = $1",
	    1)

/* the events are github.c's hook_body's */
DB_COMMAND_FN(mhook_save,
	      "INSERT INTO repo_hooks (repo_key, hook_id, secret, created_by, events)"
	      " VALUES ($1, $2, decode($3, 'hex'), $4, '{push,pull_request}')"
	      " ON CONFLICT (repo_key) DO UPDATE SET hook_id = EXCLUDED.hook_id,"
	      " secret = EXCLUDED.secret, events = EXCLUDED.events",
	      4)

DB_QUERY_FN(mhook_drop_unused,
	    "DELETE FROM repo_hooks h WHERE repo_key = $1 AND NOT EXISTS (SELECT 1 FROM"
	    " projects p WHERE p.repo_key = h.repo_key AND (p.auto_deploy OR p.previews)"
	    " AND p.deleted_at IS NULL) RETURNING hook_id",
	    1)

DB_COMMAND_FN(mhook_count_rejection,
	      "INSERT INTO webhook_rejections (day, reason, count) VALUES (current_date, $1, 1)"
	      " ON CONFLICT (day, reason) DO UPDATE SET count = webhook_rejections.count + 1",
	      1)

DB_QUERY_FN(mhook_secret, "SELECT encode(secret, 'hex') FROM repo_hooks WHERE repo_key = $1", 1)

DB_QUERY_FN(mhook_delivery,
	    "SELECT event, state, array_to_json(deployments)::text"
	    " FROM webhook_deliveries WHERE delivery_id = $1",
	    1)

DB_COMMAND_FN(mhook_delivery_insert,
	      "INSERT INTO webhook_deliveries (delivery_id, event, repo_full_name, ref,"
	      " after_sha, outcome, deployments, repo_key, reason, request_id)"
	      " VALUES ($1, $2, $3, $4, $5, $6,"
	      " ARRAY(SELECT json_array_elements_text($7::json)::uuid), $8, $9, $10)"
	      " ON CONFLICT (delivery_id) DO NOTHING",
	      10)

DB_QUERY_FN(mhook_project_deliveries,
	    "SELECT d.delivery_id, d.event, d.ref, d.after_sha,"
	    " CASE WHEN d.outcome NOT IN ('queued', 'already_queued') THEN d.outcome"
	    " WHEN cardinality(m.ids) = 0 THEN 'ignored' ELSE d.outcome END,"
	    " CASE WHEN d.outcome NOT IN ('queued', 'already_queued') THEN d.reason"
	    " WHEN cardinality(m.ids) = 0 THEN 'this project does not deploy '"
	    " || coalesce(d.ref, 'that branch') || ' automatically'"
	    " WHEN d.outcome = 'queued' THEN 'queued a deployment of this project'"
	    " ELSE 'this push was already queued for this project' END,"
	    " array_to_json(m.ids)::text,"
	    " rfc3339(d.received_at),"
	    " (extract(epoch FROM d.received_at) * 1000000)::bigint,"
	    " CASE WHEN d.outcome IN ('queued', 'already_queued') AND cardinality(m.ids) = 0"
	    " THEN 'ignored' ELSE d.state END,"
	    " rfc3339(d.processed_at)"
	    " FROM webhook_deliveries d JOIN projects pr ON pr.repo_key = d.repo_key"
	    " CROSS JOIN LATERAL (SELECT ARRAY(SELECT x FROM unnest(d.deployments) x"
	    " JOIN deployments dep ON dep.id = x WHERE dep.project_id = pr.id) AS ids) m"
	    " WHERE pr.id = $1 AND d.received_at >= pr.created_at AND ($2::bigint IS NULL "
	    "OR"
	    " (extract(epoch FROM d.received_at) * 1000000)::bigint < $2::bigint)"
	    " ORDER BY d.received_at DESC LIMIT $3::int",
	    3)

/* ---- statements (DB_QUERY_FN: run by name, results for the caller) ---- */

DB_COMMAND_FN(mhook_prune_deliveries,
	      "DELETE FROM webhook_deliveries WHERE received_at < now() - "
	      "make_interval(days => $1::int)",
	      1)

DB_COMMAND_FN(mhook_prune_rejections,
	      "DELETE FROM webhook_rejections WHERE day < current_date - 90", 0)

/* mnotify.c: the statements on notifications, notification_deliveries */
#include "mnotify.h"

#define MNOTIFY_COLS                                                                               \
	"n.id, n.workspace_id, CASE WHEN $3::boolean THEN n.url ELSE "                             \
	"regexp_replace(n.url, '^([a-zA-Z]+://[^/?#]*).*$', '\\1/...') END, "                      \
	"array_to_json(n.events)::text, n.format, rfc3339(n.created_at), n.created_by, n.seq"
#define MNOTIFY_DELIVERY_COLS                                                                      \
	"d.id, d.event, d.deployment_id, d.state, d.attempts, d.response_status, d.response_ms, "  \
	"d.last_error, rfc3339(d.created_at), rfc3339(d.last_attempt_at), "                        \
	"CASE WHEN d.state = 'pending' THEN rfc3339(d.next_attempt_at) END, "                      \
	"rfc3339(d.delivered_at), d.seq"

DB_QUERY_FN(mnotify_page,
	    "SELECT " MNOTIFY_COLS " FROM notifications n "
	    "WHERE n.workspace_id = $1 AND n.seq > coalesce(nullif($2, '')::bigint, 0) "
	    "ORDER BY n.seq LIMIT $4::int",
	    4)

DB_QUERY_FN(mnotify_insert,
	    "INSERT INTO notifications (workspace_id, url, events, format, "
	    "secret, created_by) SELECT $1, $2, array(SELECT "
	    "jsonb_array_elements_text($3::jsonb)), $4, decode($5, 'hex'), $6 "
	    "RETURNING id",
	    6)

DB_QUERY_FN(mnotify_get,
	    "SELECT " MNOTIFY_COLS " FROM notifications n WHERE n.id = $1 AND n.workspace_id = $2",
	    3)

DB_COMMAND_FN(mnotify_delete, "DELETE FROM notifications WHERE id = $1 AND workspace_id = $2", 2)

DB_QUERY_FN(mnotify_delivery,
	    "SELECT " MNOTIFY_DELIVERY_COLS " FROM notification_deliveries d WHERE d.id = $1", 1)

DB_QUERY_FN(mnotify_exists, "SELECT 1 FROM notifications WHERE id = $1 AND workspace_id = $2", 2)

DB_QUERY_FN(mnotify_deliveries_page,
	    "SELECT " MNOTIFY_DELIVERY_COLS " FROM notification_deliveries d "
	    "WHERE d.notification_id = $1 AND d.seq < "
	    "coalesce(nullif($2, '')::bigint, 9223372036854775807) "
	    "ORDER BY d.seq DESC LIMIT $3::int",
	    3)

DB_COMMAND_FN(mnotify_retry_now,
	      "UPDATE notification_deliveries SET attempts = greatest(attempts - 1, 0), "
	      "next_attempt_at = now() WHERE id = $1 AND state = 'pending'",
	      1)

DB_COMMAND_FN(mnotify_prune,
	      "DELETE FROM notification_deliveries WHERE state <> 'pending' "
	      "AND finished_at < now() - $1::int * interval '1 day'",
	      1)

DB_QUERY_FN(mnotify_next_due,
	    "SELECT ceil(extract(epoch FROM min(next_attempt_at) - now()) * 1000) "
	    "FROM notification_deliveries WHERE state = 'pending'",
	    0)

DB_QUERY_FN(
    mnotify_claim,
    "WITH c AS (SELECT id FROM notification_deliveries "
    "WHERE state = 'pending' AND next_attempt_at <= now() "
    "ORDER BY next_attempt_at LIMIT $1::int FOR UPDATE SKIP LOCKED) "
    "UPDATE notification_deliveries d SET attempts = d.attempts + 1, last_attempt_at = now(), "
    "next_attempt_at = now() + $2::bigint * interval '1 millisecond' "
    "FROM c, notifications n WHERE d.id = c.id AND n.id = d.notification_id "
    "RETURNING d.id, d.event, d.payload::text, d.attempts, "
    "extract(epoch FROM now() - d.created_at), n.url, n.format, encode(n.secret, 'hex'), "
    "rfc3339(d.created_at)",
    2)

DB_QUERY_FN(mnotify_record,
	    "UPDATE notification_deliveries SET state = $2, response_status = $3::int, "
	    "response_ms = $4::int, last_error = $5, "
	    "next_attempt_at = now() + $6::bigint * interval '1 millisecond', "
	    "delivered_at = CASE WHEN $2 = 'delivered' THEN now() END, "
	    "finished_at = CASE WHEN $2 <> 'pending' THEN now() END WHERE id = $1",
	    6)

/* ---- statements (DB_QUERY_FN: run by name, results for the caller) ---- */

DB_QUERY_FN(mnotify_enqueue_test,
	    "INSERT INTO notification_deliveries (notification_id, event, payload) "
	    "SELECT n.id, $3, jsonb_build_object('workspace', jsonb_build_object('id', "
	    "n.workspace_id), 'notification', jsonb_build_object('id', n.id), 'at', "
	    "rfc3339(now())) FROM notifications n WHERE n.id = $1 AND n.workspace_id = $2 "
	    "RETURNING id",
	    3)

DB_QUERY_FN(mnotify_enqueue,
	    "INSERT INTO notification_deliveries (notification_id, event, deployment_id, payload) "
	    "SELECT n.id, $2, d.id, jsonb_build_object("
	    "'workspace', jsonb_build_object('id', p.workspace_id), "
	    "'project', jsonb_build_object('id', p.id, 'name', p.name, 'user_id', p.user_id, "
	    "'custom_domain', p.custom_domain, 'repo_url', p.repo_url), "
	    "'deployment', jsonb_build_object('id', d.id, 'seq', d.seq, 'state', d.state, "
	    "'trigger', d.trigger, 'branch', coalesce(d.branch, p.branch), 'commit', d.commit_sha, "
	    "'commit_message', d.commit_message, 'image', d.image, 'tag', d.tag, "
	    "'error', d.error, 'at', rfc3339(now())), "
	    "'preview', (SELECT jsonb_build_object('number', v.number, 'name', v.name, "
	    "'title', v.title, 'head_sha', v.head_sha) FROM previews v WHERE v.id = d.preview_id)) "
	    "FROM deployments d JOIN projects p ON p.id = d.project_id "
	    "JOIN notifications n ON n.workspace_id = p.workspace_id AND $2 = ANY (n.events) "
	    /* preview.ready: a preview's deployment went live */
	    "WHERE d.id = $1 AND ($2 <> 'preview.ready' OR d.preview_id IS NOT NULL)",
	    2)

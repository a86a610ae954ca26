/* mrtlog.c: the statements on runtime_logs */
#include "mrtlog.h"

DB_COMMAND_FN(mrtlog_insert,
	      "INSERT INTO runtime_logs (project_id, deployment_id, container, stream, at, stamp,"
	      " line) SELECT $1::uuid, $2::uuid, x->>0, x->>1, (x->>2)::timestamptz, x->>2, x->>3"
	      " FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS l(x, n) ORDER BY l.n",
	      3)

DB_COMMAND_FN(mrtlog_trim,
	      "DELETE FROM runtime_logs WHERE project_id = $1::uuid AND id <= (SELECT id FROM"
	      " runtime_logs WHERE project_id = $1::uuid ORDER BY id DESC OFFSET $2::int LIMIT 1)",
	      2)

DB_QUERY_FN(mrtlog_last_stamp,
	    "SELECT stamp FROM runtime_logs WHERE container = $1 ORDER BY id DESC LIMIT 1", 1)

DB_QUERY_FN(mrtlog_pod_stamps,
	    "SELECT DISTINCT ON (container) container, stamp,"
	    " ceil(extract(epoch FROM now() - at))::bigint FROM runtime_logs"
	    " WHERE project_id = $1::uuid ORDER BY container, id DESC",
	    1)

/* The deployment Argo CD was last told to run (released, syncing or live), and the newest
 * live one, which serves until then. */
DB_QUERY_FN(mrtlog_served,
	    "SELECT p.id, p.workspace_id, p.user_id, p.name, n.id, l.id FROM projects p"
	    " JOIN LATERAL (SELECT id FROM deployments WHERE project_id = p.id"
	    "  AND state = 'live' ORDER BY seq DESC LIMIT 1) l ON true"
	    " JOIN LATERAL (SELECT id FROM deployments WHERE project_id = p.id"
	    "  AND state IN ('released', 'syncing', 'live') ORDER BY seq DESC LIMIT 1) n ON true"
	    " WHERE p.deleted_at IS NULL ORDER BY p.id",
	    0)

DB_QUERY_FN(mrtlog_tail,
	    "SELECT rfc3339(at), deployment_id, container, stream, line FROM (SELECT * FROM"
	    " runtime_logs WHERE project_id = $1::uuid ORDER BY id DESC LIMIT $2::int) t"
	    " ORDER BY id",
	    2)

DB_QUERY_FN(mrtlog_collector_lock,
	    "SELECT pg_try_advisory_lock(hashtext('platform.runtime_logs')::bigint)", 0)

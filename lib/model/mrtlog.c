/* mrtlog.c: the statements on runtime_logs */
#include "mrtlog.h"

DB_COMMAND_FN(mrtlog_insert,
	      "INSERT INTO runtime_logs (project_id, deployment_id, container, stream, at, stamp,"
	      " line) SELECT $1::uuid, $2::uuid, $3, x->>0, (x->>1)::timestamptz, x->>1, x->>2"
	      " FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS l(x, n) ORDER BY l.n",
	      4)

DB_COMMAND_FN(mrtlog_trim,
	      "DELETE FROM runtime_logs WHERE project_id = $1::uuid AND id <= (SELECT id FROM"
	      " runtime_logs WHERE project_id = $1::uuid ORDER BY id DESC OFFSET $2::int LIMIT 1)",
	      2)

DB_QUERY_FN(mrtlog_last_stamp,
	    "SELECT stamp FROM runtime_logs WHERE container = $1 ORDER BY id DESC LIMIT 1", 1)

DB_QUERY_FN(mrtlog_tail,
	    "SELECT rfc3339(at), deployment_id, container, stream, line FROM (SELECT * FROM"
	    " runtime_logs WHERE project_id = $1::uuid ORDER BY id DESC LIMIT $2::int) t"
	    " ORDER BY id",
	    2)

DB_QUERY_FN(mrtlog_collector_lock,
	    "SELECT pg_try_advisory_lock(hashtext('platform.runtime_logs')::bigint)", 0)

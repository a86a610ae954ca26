#!/usr/bin/env bash
# t5004-drain.sh: SIGTERM lets the request in flight finish (200) before platform-api exits 0
# shellcheck disable=SC2317 # functions called through wait_until
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

PLATFORM_WORKERS=2 stack_up all
master=${PLATFORM_API_PID:?}

# A session that holds schema_migrations locked, so that readyz (which reads it) waits.
mkfifo "$TEST_TMP/psql.in"
psql -X -At -v ON_ERROR_STOP=1 "$PLATFORM_DATABASE_URL" <"$TEST_TMP/psql.in" >"$TEST_TMP/psql.out" 2>&1 &
psql_pid=$!
bg_register "$psql_pid"
exec 7>"$TEST_TMP/psql.in"
echo "BEGIN; LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE; SELECT 'locked';" >&7
ok "the lock is held" wait_until 10 grep -qx locked "$TEST_TMP/psql.out"

curl -s -o "$TEST_TMP/inflight.body" -w '%{http_code}' --max-time 60 "$PLATFORM_URL/api/readyz" \
	>"$TEST_TMP/inflight.status" &
curl_pid=$!
bg_register "$curl_pid"
waiting() { [ "$(psql_stack -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")" -ge 1 ]; }
ok "readyz is in flight, waiting on the lock" wait_until 10 waiting

kids=$(children_of "$master")
kill -TERM "$master"
sleep 1
ok "the master is still draining one second after SIGTERM" alive "$master"
ok "the request is still in flight" alive "$curl_pid"

echo "COMMIT;" >&7
exec 7>&-
wait "$curl_pid"
is "$(cat "$TEST_TMP/inflight.status")" 200 "the request in flight ended 200"
is "$(jq -r .status "$TEST_TMP/inflight.body" 2>/dev/null)" ready "with the readyz body"
wait "$psql_pid"

gone() { ! alive "$master"; }
ok "the master exits after the drain" wait_until 35 gone
exited() { [ -s "$STACK_DIR/run/api.exit" ]; }
wait_until 5 exited
is "$(cat "$STACK_DIR/run/api.exit" 2>/dev/null)" 0 "platform-api exit status is 0"
left() {
	local k
	for k in $kids; do alive "$k" && return 0; done
	return 1
}
ok "no child is left" wait_until 5 not left

done_testing

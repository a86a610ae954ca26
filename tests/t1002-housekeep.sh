#!/bin/bash
# t1002-housekeep.sh: old and expired rows go (sessions, OAuth states, webhook deliveries,
# rejection counts, finished jobs) and live ones stay, by platformctl and by the worker
. "${top_srcdir:-.}/tests/lib.sh"

stack_up postgres migrate
psql_stack -c "INSERT INTO users (id, github_id, login) VALUES ('hk', 4242, 'hk')
	" -c "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES
		('\\x01', 'hk', now() - interval '2 days'), ('\\x02', 'hk', now() + interval '1 day'),
		('\\x03', 'hk', now() - interval '1 hour')
	" -c "INSERT INTO oauth_states (state_hash, expires_at) VALUES ('\\x01', now() - interval '1 minute'),
		('\\x02', now() + interval '5 minutes')
	" -c "INSERT INTO webhook_deliveries (delivery_id, event, outcome, received_at) VALUES
		('old', 'push', 'ignored', now() - interval '31 days'), ('new', 'push', 'ignored', now() - interval '29 days')
	" -c "INSERT INTO webhook_rejections (day, reason, count) VALUES
		(current_date - 91, 'bad_signature', 3), (current_date - 10, 'bad_signature', 2)
	" -c "INSERT INTO jobs (kind, state, updated_at) VALUES ('x', 'done', now() - interval '8 days'),
		('x', 'failed', now() - interval '8 days'), ('x', 'done', now() - interval '6 days'),
		('x', 'queued', now() - interval '30 days')" >/dev/null

out=$("$PLATFORMCTL_BIN" housekeep)
is "$?" 0 "platformctl housekeep runs"
like "$out" 'removed 1 expired sessions, 1 OAuth states, 1 webhook deliveries, 1 rejection counts, 2 finished jobs' "and says what it removed"
is "$(psql_stack -c "SELECT string_agg(encode(token_hash, 'hex'), ',' ORDER BY token_hash) FROM sessions")" 02,03 "a session expired a day ago goes; the live one and one just expired stay"
is "$(psql_stack -c "SELECT count(*) FROM oauth_states")" 1 "an expired OAuth state goes"
is "$(psql_stack -c "SELECT string_agg(delivery_id, ',') FROM webhook_deliveries")" new "deliveries past the retention (30 days) go"
is "$(psql_stack -c "SELECT count(*) FROM webhook_rejections")" 1 "rejection counts past 90 days go"
is "$(psql_stack -c "SELECT string_agg(state, ',' ORDER BY state) FROM jobs")" done,queued "finished jobs past 7 days go; queued ones never"
out=$("$PLATFORMCTL_BIN" housekeep)
like "$out" 'removed 0 expired sessions, 0 OAuth states, 0 webhook deliveries, 0 rejection counts, 0 finished jobs' "a second run finds nothing"

# the worker does the same on its own, at start and then every PLATFORM_HOUSEKEEP_INTERVAL
psql_stack -c "INSERT INTO webhook_deliveries (delivery_id, event, outcome, received_at) VALUES
	('older', 'push', 'ignored', now() - interval '40 days')" >/dev/null
PLATFORM_SECRET_KEY=k PLATFORM_WEBHOOK_RETENTION_DAYS=30 PLATFORM_REGISTRY_URL=http://127.0.0.1:9 "$top_builddir/worker/platform-worker" >"$TEST_TMP/worker.log" 2>&1 &
w=$!
bg_register "$w"
gone() { [ "$(psql_stack -c "SELECT count(*) FROM webhook_deliveries WHERE delivery_id = 'older'")" = 0 ]; }
ok "the worker cleans up by itself" wait_until 20 gone || sed "s/^/# /" "$TEST_TMP/worker.log"
kill "$w" 2>/dev/null
wait "$w" 2>/dev/null
done_testing

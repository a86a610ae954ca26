#!/usr/bin/env bash
# t5102-live-logs.sh: the worker publishes build logs and states to nchan: every line in order,
# late joiners, resume by message id, redaction across chunk borders, nchan down or slow, gap
# markers, log retention
. "${top_srcdir:-.}/tests/t4-lib.sh"

LIVE=$top_srcdir/tests/live
export PLATFORM_SECRET_KEY=t5102-secret-key-0123456789abcdef # the api seals env values with it, the worker opens them
export PLATFORM_JENKINS_POLL_MS=100
export PLATFORM_DEPLOY_SUPERSEDE=0
t4_stack
t4_seed alice
fake_config '{"default":{"queueMs":600,"lines":40,"lineMs":20,"splitUtf8":true}}'
worker_start w1

# follow ID [ARGS...]: tests/live/follow.mjs against the stack; FOLLOW gets its JSON report
follow() { FOLLOW=$(cd "$top_srcdir/tests" && node live/follow.mjs "$PLATFORM_URL" "$@" --bearer "$TOKEN"); }
# follow_bg ID FILE [ARGS...]: the same in the background, report into FILE
follow_bg() {
	local id=$1 file=$2
	shift 2
	(cd "$top_srcdir/tests" && node live/follow.mjs "$PLATFORM_URL" "$id" --bearer "$TOKEN" "$@" >"$file") &
	FOLLOW_PID=$!
}
fj() { jq -r "$1" <<<"$FOLLOW"; }
want_log() { fake_get "log/$1"; }

# ---- a subscriber from the start receives every line, in order, from live messages alone
web=$(t4_project web)
deploy "$web"
one=$DEPLOY_ID
follow_bg "$one" "$TEST_TMP/f1" --timeout 30000
(cd "$top_srcdir/tests" && node live/subscribe.mjs "ws://${PLATFORM_URL#http://}/api/projects/$web/events/ws" \
	--bearer "$TOKEN" --want 2 --timeout 20000 >"$TEST_TMP/events") &
bg_register $!
wait "$FOLLOW_PID"
FOLLOW=$(cat "$TEST_TMP/f1")
is "$(fj .error)" null "the follower ends without error"
ok "the deployment was released" wait_state "$one" released 10
is "$(fj .text)" "$(want_log "$one")" "the log it rebuilt equals what Jenkins printed"
is "$(fj .live_bytes)" "$(want_log "$one" | wc -c)" "every byte came from live messages"
is "$(fj .fetches)" 0 "no backlog fetch was needed"
is "$(fj .duplicates)/$(fj .gaps)" "0/0" "no duplicates, no gaps"
like "$(fj '.states | join(",")')" '^building(,pushed)?,released$' "status messages: building then released"
ok "the stored log is the same" log_matches "$one"
wait_until 5 test -s "$TEST_TMP/events"
ev=$(jq -c '[.messages[].data | fromjson]' "$TEST_TMP/events")
is "$(jq -r '.[0].type' <<<"$ev")" status "the project's channel carries status messages"
is "$(jq -r '.[0].project_id' <<<"$ev")" "$web" "with the project id"
is "$(jq -r '.[0].deployment_id' <<<"$ev")" "$one" "and the deployment id"
like "$(jq -r '.[0].at' <<<"$ev")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+\.[0-9]{3}Z$' "and an RFC 3339 time"

# ---- message format
sub=$(cd "$top_srcdir/tests" && node live/subscribe.mjs "ws://${PLATFORM_URL#http://}/api/deployments/$one/logs/ws" --bearer "$TOKEN" --want 3 --timeout 5000)
m=$(jq -r '[.messages[].data | fromjson | select(.type == "log")][0]' <<<"$sub")
is "$(jq -r '.type' <<<"$m")" log "a log message says it is one"
is "$(jq -r '.deployment_id' <<<"$m")" "$one" "which deployment"
is "$(jq -r '.offset' <<<"$m")" 0 "and the byte offset it starts at"
cmp_ok "$(jq -r '.next_offset' <<<"$m")" -gt 0 "and where the next one starts"
is "$(jq -r '.messages[0].type' <<<"$sub")" application/json "published as application/json (text frames)"
ok "the channel ends the log with an end message at its length" \
	test "$(FOLLOW=$(cd "$top_srcdir/tests" && node live/subscribe.mjs "ws://${PLATFORM_URL#http://}/api/deployments/$one/logs/ws" --bearer "$TOKEN" --want 500 --timeout 2000); jq -r '[.messages[].data | fromjson | select(.type == "end")][0].offset' <<<"$FOLLOW")" = "$(want_log "$one" | wc -c)"

http GET "$PLATFORM_URL/api/deployments/$one/logs?offset=$(want_log "$one" | wc -c)" -H "Authorization: Bearer $TOKEN"
is "$(json_get .complete)" true "the backlog says the log is complete once the worker read it to its end"

# ---- late joiners: after the build, the nchan buffer replays it all; backlog + live misses nothing
follow "$one" --timeout 10000
is "$(fj .text)" "$(want_log "$one")" "a late joiner gets the whole log from the buffer"
follow "$one" --backlog --timeout 10000
is "$(fj .text)" "$(want_log "$one")" "backlog first, then live: the whole log"
is "$(fj .live_bytes)" 0 "and nothing twice (live messages it had are skipped)"

# ---- resume: a dropped connection comes back with the last message id, during a build
fake_config '{"byProject":{"resume":{"queueMs":300,"lines":60,"lineMs":25}}}'
rp=$(t4_project resume)
deploy "$rp"
two=$DEPLOY_ID
follow_bg "$two" "$TEST_TMP/f2" --drop-after 5 --timeout 30000
wait "$FOLLOW_PID"
FOLLOW=$(cat "$TEST_TMP/f2")
is "$(fj .reconnects)" 1 "the follower dropped its socket once"
is "$(fj .text)" "$(want_log "$two")" "and after resuming has the whole log"
is "$(fj .duplicates)/$(fj .fetches)" "0/0" "without duplicates or backlog fetches"

# ---- another tenant cannot watch
psql_stack -c "INSERT INTO users (id, github_id, login) VALUES ('mal', 99999, 'mal')" \
	-c "INSERT INTO workspaces (id, name, personal_of, created_by) VALUES ('mal', 'mal', 'mal', 'mal')" \
	-c "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (sha256('tok-mal'::bytea), 'mal', now() + interval '1 day')" >/dev/null
sub=$(cd "$top_srcdir/tests" && node live/subscribe.mjs "ws://${PLATFORM_URL#http://}/api/deployments/$one/logs/ws" --bearer tok-mal --timeout 3000)
is "$(jq -r .status <<<"$sub")" 404 "another workspace's user is refused (404)"

# ---- redaction: env values, token shapes and the Jenkins token, also split across polls
api_env='{"env":{"DB_PASSWORD":"s3cr3t-db-pass-42","STRIPE_KEY":"sk_live_abcdefghijkl","PORT":"8080"}}'
sec=$(t4_project sec)
http PATCH "$PLATFORM_URL/api/projects/$sec" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data "$api_env"
is "$HTTP_STATUS" 200 "the project's env is set through the API (sealed)"
print=$(jq -nc --arg jt "$PLATFORM_JENKINS_TOKEN" '["start\n", "password=s3cr3t-db-", "pass-42 ok\n",
	"stripe sk_live_abc", "defghijkl\n", "gh token ghp_0123456789abcd", "efghijABCDEFGHIJ012345 used\n",
	"jenkins \($jt)\n", "port 8080 stays\n", "end\n"]')
fake_config "{\"byProject\":{\"sec\":{\"queueMs\":300,\"lineMs\":250,\"print\":$print}}}"
deploy "$sec"
three=$DEPLOY_ID
follow_bg "$three" "$TEST_TMP/f3" --timeout 30000
wait "$FOLLOW_PID"
FOLLOW=$(cat "$TEST_TMP/f3")
stored_log "$three" "$TEST_TMP/stored3"
want_log "$three" >"$TEST_TMP/raw3"
for s in s3cr3t-db-pass-42 sk_live_abcdefghijkl ghp_0123456789abcdefghijABCDEFGHIJ012345 "$PLATFORM_JENKINS_TOKEN"; do
	ok "Jenkins printed the secret (${s:0:6}…)" grep -qF -- "$s" "$TEST_TMP/raw3"
done
ok "no secret or piece of one reached a subscriber" \
	not grep -qE 's3cr3t|db-pass|sk_live|abcdefghijkl|ghp_|not-for-logs' <<<"$(fj .text)"
ok "nor the stored log" not grep -qE 's3cr3t|db-pass|sk_live|abcdefghijkl|ghp_|not-for-logs' "$TEST_TMP/stored3"
is "$(wc -c <"$TEST_TMP/stored3")" "$(wc -c <"$TEST_TMP/raw3")" "masks keep the length: offsets stay Jenkins offsets"
masked=$(sed -e 's/s3cr3t-db-pass-42/*****************/' -e 's/sk_live_abcdefghijkl/********************/' \
	-e 's/ghp_0123456789abcdefghijABCDEFGHIJ012345/****************************************/' \
	-e "s/$PLATFORM_JENKINS_TOKEN/$(printf '%*s' ${#PLATFORM_JENKINS_TOKEN} '' | tr ' ' '*')/" "$TEST_TMP/raw3")
is "$(cat "$TEST_TMP/stored3")" "$masked" "the stored log is Jenkins's with each secret masked"
is "$(fj .text)" "$masked" "and so is the live one"
like "$(fj .text)" 'port 8080 stays' "short values (under 6 bytes) are not masked"

worker_stop w1

# ---- nchan down: logs are still stored and the deployment completes
PLATFORM_NCHAN_PUBLISH_URL=http://127.0.0.1:9 worker_start down
deploy "$web"
four=$DEPLOY_ID
ok "with nchan unreachable the deployment is still released" wait_state "$four" released 20
ok "and its log is stored" log_matches "$four"
worker_stop down
like "$(cat "$TEST_TMP/worker-down.log")" 'nchan publish failed; the channel is lagging' "the worker says the channel lags"

# ---- nchan slow (accepts, never answers): the same, in time
node -e 'const s=require("net").createServer(c=>{c.on("data",()=>{})}).listen(0,"127.0.0.1",()=>{require("fs").writeFileSync(process.argv[1],String(s.address().port))})' "$TEST_TMP/hole.port" &
bg_register $!
wait_until 5 test -s "$TEST_TMP/hole.port"
PLATFORM_PUBLISH_TIMEOUT_MS=300 PLATFORM_NCHAN_PUBLISH_URL=http://127.0.0.1:$(cat "$TEST_TMP/hole.port") worker_start slow
t0=$(date +%s)
deploy "$web"
five=$DEPLOY_ID
ok "with nchan hanging the deployment is still released" wait_state "$five" released 20
cmp_ok "$(($(date +%s) - t0))" -le 10 "without waiting on nchan"
ok "and its log is stored" log_matches "$five"
worker_stop slow

# ---- a flaky publisher: what failed is announced as a gap; a client refetches and loses nothing
node "$LIVE/flaky-publisher.mjs" "$PLATFORM_NCHAN_PUBLISH_URL" "$TEST_TMP/flaky.port" 4 4 &
bg_register $!
wait_until 5 test -s "$TEST_TMP/flaky.port"
PLATFORM_NCHAN_PUBLISH_URL=http://127.0.0.1:$(cat "$TEST_TMP/flaky.port") PLATFORM_LOG_RETENTION=2 worker_start flaky
fake_config '{"byProject":{"gappy":{"queueMs":1200,"lines":30,"lineMs":30}}}'
gp=$(t4_project gappy)
deploy "$gp"
six=$DEPLOY_ID
follow_bg "$six" "$TEST_TMP/f6" --timeout 30000
wait "$FOLLOW_PID"
FOLLOW=$(cat "$TEST_TMP/f6")
cmp_ok "$(fj .gaps)" -ge 1 "the client was told of a gap"
cmp_ok "$(fj .fetches)" -ge 1 "and fetched the backlog"
is "$(fj .text)" "$(want_log "$six")" "and has the whole log all the same"

# ---- retention: with PLATFORM_LOG_RETENTION=2 a project keeps the logs of its newest two
for i in 1 2; do
	deploy "$gp"
	last=$DEPLOY_ID
	wait_state "$last" released 20 >/dev/null
	wait_until 10 job_done "$last"
done
chunks() { psql_stack -c "SELECT count(*) FROM deployment_logs WHERE deployment_id = '$1'"; }
is "$(chunks "$six")" 0 "the oldest deployment's log is gone"
cmp_ok "$(chunks "$last")" -gt 0 "the newest keeps its log"
http GET "$PLATFORM_URL/api/deployments/$six/logs" -H "Authorization: Bearer $TOKEN"
is "$HTTP_STATUS:$(json_get .text)" "200:" "the API answers an empty log for it"
cmp_ok "$(chunks "$one")" -gt 0 "other projects keep theirs"
worker_stop flaky

done_testing

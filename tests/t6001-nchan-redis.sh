#!/usr/bin/env bash
# t6001-nchan-redis.sh: nchan on Redis: the worker publishes through nginx A, a subscriber on nginx B
# gets every line in order, live; late joiners on either nginx are replayed the whole log
. "${top_srcdir:-.}/tests/t4-lib.sh"

export PLATFORM_NCHAN_REDIS=1 # dev-stack adds redis and a second nginx (PLATFORM_URL_2)
export PLATFORM_JENKINS_POLL_MS=100
export PLATFORM_DEPLOY_SUPERSEDE=0
t4_stack
t4_seed alice
like "${PLATFORM_URL_2:-}" '^http://127\.0\.0\.1:[0-9]+$' "stack.env names the second nginx"
isnt "$PLATFORM_URL_2" "$PLATFORM_URL" "on its own port"
like "${PLATFORM_NCHAN_REDIS_URL:-}" '^redis://127\.0\.0\.1:[0-9]+$' "and the Redis nchan uses"
ok "both nginx load the Redis upstream" grep -q "nchan_redis_server \"$PLATFORM_NCHAN_REDIS_URL\"" \
	"$STACK_DIR/nginx/nginx.conf" "$STACK_DIR/b/nginx/nginx.conf"
http GET "$PLATFORM_URL_2/api/readyz"
is "$HTTP_STATUS" 200 "nginx B reaches the same API pool"
fake_config '{"default":{"queueMs":800,"lines":60,"lineMs":20,"splitUtf8":true}}'
worker_start w1 # publishes to PLATFORM_NCHAN_PUBLISH_URL: nginx A's publisher

follow_on() { # BASE ID FILE [ARGS...]: tests/live/follow.mjs in the background, report into FILE
	local base=$1 id=$2 file=$3
	shift 3
	(cd "$top_srcdir/tests" && node live/follow.mjs "$base" "$id" --bearer "$TOKEN" "$@" >"$file") &
	FOLLOW_PID=$!
	bg_register "$FOLLOW_PID"
}
fj() { jq -r "$1" "$2"; }
want_log() { fake_get "log/$1"; }

# ---- subscribers on both nginx from the start; the worker only ever talks to A
web=$(t4_project web)
deploy "$web"
one=$DEPLOY_ID
follow_on "$PLATFORM_URL_2" "$one" "$TEST_TMP/b1" --timeout 40000
fb=$FOLLOW_PID
follow_on "$PLATFORM_URL" "$one" "$TEST_TMP/a1" --timeout 40000
wait "$fb"
wait "$FOLLOW_PID"
ok "the deployment was released" wait_state "$one" released 20
want_log "$one" >"$TEST_TMP/want1"
is "$(fj .error "$TEST_TMP/b1")" null "the subscriber on nginx B ends without error"
is "$(fj .text "$TEST_TMP/b1")" "$(cat "$TEST_TMP/want1")" "nginx B's subscriber rebuilt the log Jenkins printed"
is "$(fj .live_bytes "$TEST_TMP/b1")" "$(wc -c <"$TEST_TMP/want1")" "every byte reached B live, through Redis"
is "$(fj .fetches "$TEST_TMP/b1")/$(fj .duplicates "$TEST_TMP/b1")/$(fj .gaps "$TEST_TMP/b1")" 0/0/0 \
	"in order: no backlog fetch, no duplicate, no gap"
like "$(fj '.states | join(",")' "$TEST_TMP/b1")" '^building(,pushed)?,released$' "B saw the status messages too"
is "$(fj .text "$TEST_TMP/a1")" "$(cat "$TEST_TMP/want1")" "and A's subscriber the same log"
is "$(fj '.ids | join(" ")' "$TEST_TMP/a1")" "$(fj '.ids | join(" ")' "$TEST_TMP/b1")" \
	"with the same message ids on both nginx"
ok "the stored log is the same" log_matches "$one"

# ---- late joiners: after the build, on either nginx, the buffer in Redis replays it all
follow_on "$PLATFORM_URL_2" "$one" "$TEST_TMP/b2" --timeout 15000
wait "$FOLLOW_PID"
is "$(fj .text "$TEST_TMP/b2")" "$(cat "$TEST_TMP/want1")" "a late joiner on B gets the whole log"
is "$(fj .fetches "$TEST_TMP/b2")" 0 "from the replayed buffer alone"
ok "the channel lives in Redis" test "$(redis-cli -p "$PLATFORM_REDIS_PORT" --scan --pattern "*deployment-$one*" | wc -l)" -gt 0

# ---- nginx A restarted: its memory is gone, Redis still has the channel
"$DEV_STACK" stop "$STACK_DIR" nginx 2>>"$TEST_TMP/stack-up.log"
"$DEV_STACK" start "$STACK_DIR" nginx 2>>"$TEST_TMP/stack-up.log"
follow_on "$PLATFORM_URL" "$one" "$TEST_TMP/a2" --timeout 15000
wait "$FOLLOW_PID"
is "$(fj .text "$TEST_TMP/a2")" "$(cat "$TEST_TMP/want1")" "a joiner on a restarted nginx A is replayed from Redis"

# ---- a second build, with the subscriber on B joining midway
fake_config '{"default":{"queueMs":300,"lines":80,"lineMs":25}}'
api=$(t4_project api)
deploy "$api"
two=$DEPLOY_ID
midway() { [ "$(psql_stack -c "SELECT log_offset > 200 FROM deployments WHERE id = '$two'")" = t ]; }
ok "the second build is streaming" wait_until 30 midway
follow_on "$PLATFORM_URL_2" "$two" "$TEST_TMP/b3" --timeout 40000
wait "$FOLLOW_PID"
is "$(fj .text "$TEST_TMP/b3")" "$(want_log "$two")" "a subscriber joining B midway gets the earlier lines replayed, then the rest live"
is "$(fj .fetches "$TEST_TMP/b3")/$(fj .gaps "$TEST_TMP/b3")" 0/0 "without a backlog fetch or a gap"
worker_stop w1
done_testing

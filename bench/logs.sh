#!/usr/bin/env bash
# bench/logs.sh: live build log latency (fake Jenkins prints a stamped line -> a WebSocket subscriber
# has it) with 1 and with 500 subscribers on one build, and lines per second for one fast build
#
#   bench/logs.sh          start a throwaway stack + the fake Jenkins + one platform-worker, measure, stop
#
# The fake Jenkins stamps each line with t=<epoch ms> when it prints it (script option stamp); the
# subscribers (tests/live/bench-subscribers.mjs, the ws package, one Node process) subtract it from the
# time they receive the line. The path measured: Jenkins log -> worker poll (PLATFORM_JENKINS_POLL_MS,
# default here 200) -> redaction -> PostgreSQL -> publisher thread -> nchan -> WebSocket -> client.
# Target: p99 under 1 s with 500 subscribers. Settings: BENCH_SUBS (500), BENCH_LINES (300),
# BENCH_FAST_LINES (50000).
set -euo pipefail

top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
subs=${BENCH_SUBS:-500}
nlines=${BENCH_LINES:-300}
fast=${BENCH_FAST_LINES:-50000}
export PLATFORM_JENKINS_POLL_MS=${PLATFORM_JENKINS_POLL_MS:-200}
export PLATFORM_DEPLOY_SUPERSEDE=0
export PLATFORM_LOG_LEVEL=${PLATFORM_LOG_LEVEL:-warn}

# The test helpers give the stack, the fake and cleanup by pid; their TAP lines are not used.
# shellcheck source=tests/t4-lib.sh
. "$top_srcdir/tests/t4-lib.sh"
say() { printf '%s\n' "$*"; }

t4_stack
t4_seed bench
worker_start w1
p=$(t4_project logs)
wsbase=ws://${PLATFORM_URL#http://}

# run N LINES SCRIPT_JSON TIMEOUT_MS: one build with N subscribers; prints the subscribers' report
run() {
	local n=$1 lines=$2 script=$3 timeout=$4 ready=$TEST_TMP/ready.$1 rep=$TEST_TMP/rep.$1 pid
	fake_config "{\"byProject\":{\"logs\":$script}}"
	deploy "$p"
	[ "$HTTP_STATUS" = 202 ] || bail_out "deploy answered $HTTP_STATUS"
	(cd "$top_srcdir/tests" && node live/bench-subscribers.mjs "$wsbase/api/deployments/$DEPLOY_ID/logs/ws" \
		"$TOKEN" "$n" "$lines" "$timeout" >"$rep" 2>"$ready") &
	pid=$!
	bg_register "$pid"
	wait_until 30 grep -qs ready "$ready" || say "# not every subscriber opened in time"
	wait "$pid" || true
	wait_state "$DEPLOY_ID" released 60 >/dev/null || true
	wait_until 30 job_done "$DEPLOY_ID" || true
	ok_log=no
	log_matches "$DEPLOY_ID" && ok_log=yes
	jq -c --arg s "$ok_log" '. + {stored_log_matches: $s}' "$rep"
}

say "# live log latency, Jenkins print -> subscriber (poll ${PLATFORM_JENKINS_POLL_MS} ms, $nlines lines at 20 ms)"
slow="{\"queueMs\":3000,\"lines\":$nlines,\"lineMs\":20,\"stamp\":true}"
one=$(run 1 "$nlines" "$slow" 60000)
say "1 subscriber:    $one"
many=$(run "$subs" "$nlines" "${slow/3000/8000}" 90000)
say "$subs subscribers: $many"
say "# throughput: one build printing $fast lines as fast as the fake can (200 per 5 ms), 1 subscriber"
fastrun=$(run 1 "$fast" "{\"queueMs\":3000,\"lines\":$fast,\"lineMs\":5,\"perTick\":200,\"stamp\":true}" 120000)
say "fast build:      $fastrun"
p99=$(jq -r .p99_ms <<<"$many")
say "# summary: p50 $(jq -r .p50_ms <<<"$one") / p99 $(jq -r .p99_ms <<<"$one") ms with 1 subscriber;" \
	"p50 $(jq -r .p50_ms <<<"$many") / p99 $p99 ms with $subs (target p99 < 1000 ms: $(awk -v v="$p99" 'BEGIN { print (v != "null" && v < 1000) ? "met" : "NOT met" }'));" \
	"ratio p99 $subs/1 = $(awk -v a="$p99" -v b="$(jq -r .p99_ms <<<"$one")" 'BEGIN { printf "%.2f", a / b }');" \
	"$(jq -r .lines_per_s <<<"$fastrun") lines/s for one build, $(jq -r .complete_in_order <<<"$fastrun")/1 complete in order"
TAP_N=0

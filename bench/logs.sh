#!/usr/bin/env bash
# bench/logs.sh: live build log latency (fake Jenkins prints a stamped line -> a WebSocket subscriber
# has it) with 1 and with 500 subscribers on one build, lines per second for one fast build, and
# the same latency for a local build (the worker's local driver: build process -> pipe -> worker)
#
#   bench/logs.sh          start a throwaway stack + the fake Jenkins + one platform-worker, measure, stop
#
# The fake Jenkins stamps each line with t=<epoch ms> when it prints it (script option stamp); the
# subscribers (tests/live/bench-subscribers.mjs, the ws package, one Node process) subtract it from the
# time they receive the line. The path measured: Jenkins log -> worker poll (PLATFORM_JENKINS_POLL_MS,
# default here 200) -> redaction -> PostgreSQL -> publisher thread -> nchan -> WebSocket -> client.
# Target (issue 15): p99 under 300 ms with 500 subscribers, with the production poll
# (PLATFORM_JENKINS_POLL_MS=2000). Settings: BENCH_SUBS (500), BENCH_LINES (300),
# BENCH_FAST_LINES (50000).
# The local build: a second worker with PLATFORM_BUILD_DRIVER=local whose build process
# (PLATFORM_BUILD_HELPER) is a stand-in for platform-build that prints the same stamped lines
# at 20 ms, then leaves a result as platform-build does (builder/buildrun.h): what is measured
# is the worker's part, pipe -> PostgreSQL -> nchan -> WebSocket, not buildah's own buffering.
# Target (issue 15): p99 < 50 ms.
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
	# the stored log against the fake Jenkins's (a local build's log is the worker's own)
	ok_log=no
	if [ -n "${LOCAL_BUILD:-}" ]; then
		ok_log=n/a
	elif log_matches "$DEPLOY_ID"; then
		ok_log=yes
	fi
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

# the local build: the Jenkins worker stops, a local one takes the project's next deployment
worker_stop w1
cat >"$TEST_TMP/fake-build.mjs" <<'JS'
// a stand-in for platform-build: the job on stdin, stamped lines at 20 ms, then the result files
import fs from 'node:fs';
const job = JSON.parse(fs.readFileSync(0, 'utf8'));
const n = Number(process.env.BENCH_LOCAL_LINES);
let i = 0;
const tick = setInterval(() => {
  i++;
  process.stdout.write(`[${i}/${n}] t=${(performance.timeOrigin + performance.now()).toFixed(3)} STEP ${i}: RUN make\n`);
  if (i < n) return;
  clearInterval(tick);
  const commit = '1'.repeat(40);
  fs.writeFileSync(`${job.dir}/result`, `commit=${commit}\ntag=${commit.slice(0, 12)}-${job.id.slice(0, 8)}\nframework=static\n`);
  fs.writeFileSync(`${job.dir}/digest`, `sha256:${'2'.repeat(64)}\n`);
}, 20);
JS
printf '#!/bin/sh\nexec node %s\n' "$TEST_TMP/fake-build.mjs" >"$TEST_TMP/fake-build"
chmod +x "$TEST_TMP/fake-build"
git init -q --bare -b main "$TEST_TMP/gitops.git"
psql_stack -c "UPDATE projects SET repo_url = 'file://$TEST_TMP/no-repo' WHERE id = '$p'" >/dev/null
(
	unset PLATFORM_JENKINS_URL
	export PLATFORM_BUILD_DRIVER=local PLATFORM_BUILD_HELPER=$TEST_TMP/fake-build PLATFORM_RUNTIME=none \
		PLATFORM_REGISTRY_URL=http://127.0.0.1:9 PLATFORM_ALLOW_LOCAL_REPOS=1 BENCH_LOCAL_LINES=$nlines \
		PLATFORM_BUILD_DIR=$TEST_TMP/builds PLATFORM_GITOPS_URL=file://$TEST_TMP/gitops.git \
		PLATFORM_GITOPS_CACHE=$TEST_TMP/gitops-cache
	exec "$PLATFORM_WORKER_BIN" >>"$TEST_TMP/worker-local.log" 2>&1
) &
bg_register $!
say "# live log latency, local build process print -> subscriber ($nlines lines at 20 ms)"
localrun=$(LOCAL_BUILD=1 run 1 "$nlines" '{}' 60000)
say "local build:     $localrun"
p99=$(jq -r .p99_ms <<<"$many")
say "# summary: p50 $(jq -r .p50_ms <<<"$one") / p99 $(jq -r .p99_ms <<<"$one") ms with 1 subscriber;" \
	"p50 $(jq -r .p50_ms <<<"$many") / p99 $p99 ms with $subs (target p99 < 300 ms: $(awk -v v="$p99" 'BEGIN { print (v != "null" && v < 300) ? "met" : "NOT met" }'));" \
	"ratio p99 $subs/1 = $(awk -v a="$p99" -v b="$(jq -r .p99_ms <<<"$one")" 'BEGIN { printf "%.2f", a / b }');" \
	"$(jq -r .lines_per_s <<<"$fastrun") lines/s for one build, $(jq -r .complete_in_order <<<"$fastrun")/1 complete in order;" \
	"local build p50 $(jq -r .p50_ms <<<"$localrun") / p99 $(jq -r .p99_ms <<<"$localrun") ms (target p99 < 50 ms:" \
	"$(awk -v v="$(jq -r .p99_ms <<<"$localrun")" 'BEGIN { print (v != "null" && v != "" && v < 50) ? "met" : "NOT met" }'))"
TAP_N=0

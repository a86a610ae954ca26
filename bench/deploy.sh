#!/usr/bin/env bash
# bench/deploy.sh: deploy latency (API 202 -> Jenkins trigger) under 100 concurrent requests, and worker memory with 200 builds followed
#
#   bench/deploy.sh        start a throwaway stack + the fake Jenkins + one platform-worker, measure, stop
#
# Part 1: BENCH_DEPLOYS (100) deploy requests at once, spread over 10 projects. For each, the
# time from the deployment's commit (the API's 202) to the moment the fake Jenkins received its
# buildWithParameters; p50/p99/max, and the requests' own p50/p99.
# Part 2: BENCH_BUILDS (200) builds kept running at once (long scripted builds printing a line every
# 500 ms); VmRSS and VmHWM of the worker, sampled while all of them are followed, against the
# 64 MB target. Settings: PLATFORM_JENKINS_POLL_MS (1000).
set -euo pipefail

top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
deploys=${BENCH_DEPLOYS:-100}
nbuilds=${BENCH_BUILDS:-200}
export PLATFORM_JENKINS_POLL_MS=${PLATFORM_JENKINS_POLL_MS:-1000}
export PLATFORM_DEPLOY_SUPERSEDE=0
export PLATFORM_LOG_LEVEL=${PLATFORM_LOG_LEVEL:-warn}
export PGCLIENTENCODING=UTF8

# The test helpers give the stack, the fake and cleanup by pid; their TAP lines are not used.
# shellcheck source=tests/t4-lib.sh
. "$top_srcdir/tests/t4-lib.sh"
say() { printf '%s\n' "$*"; }
pct() { # pct P: the P-th percentile of the numbers on stdin (nearest rank)
	sort -n | awk -v p="$1" '{ v[NR] = $1 } END { if (!NR) { print "-"; exit } i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print v[i] }'
}

t4_stack
t4_seed bench
fake_config '{"default":{"queueMs":0,"lines":2,"lineMs":50}}'
projects=()
for i in $(seq 0 9); do projects+=("$(t4_project "b$i")"); done
worker_start w1
sleep 1

# ---------------------------------------------------------------- part 1: 202 -> trigger
say "== $deploys concurrent deploy requests (10 projects), one worker, poll ${PLATFORM_JENKINS_POLL_MS} ms"
pids=()
for i in $(seq 1 "$deploys"); do
	curl -sS -o /dev/null -w '%{time_total}\n' --max-time 60 -X POST -H "Authorization: Bearer $TOKEN" \
		"$PLATFORM_URL/api/projects/${projects[$((i % 10))]}/deploy" >>"$TEST_TMP/req.times" &
	pids+=($!)
done
wait "${pids[@]}"
all_triggered() { [ "$(fake_get triggers | jq length)" -ge "$deploys" ]; }
wait_until 60 all_triggered || say "only $(fake_get triggers | jq length) of $deploys were triggered"
psql_stack -c "SELECT id || ' ' || (extract(epoch FROM created_at) * 1000)::bigint FROM deployments" >"$TEST_TMP/created"
fake_get triggers | jq -r '.[] | .deployment_id + " " + (.at | tostring)' >"$TEST_TMP/triggered"
join <(sort "$TEST_TMP/created") <(sort "$TEST_TMP/triggered") | awk '{ print $3 - $2 }' >"$TEST_TMP/lat"
say "requests:            p50 $(awk '{ print $1 * 1000 }' "$TEST_TMP/req.times" | pct 50) ms, p99 $(awk '{ print $1 * 1000 }' "$TEST_TMP/req.times" | pct 99) ms"
say "202 -> trigger:      p50 $(pct 50 <"$TEST_TMP/lat") ms, p99 $(pct 99 <"$TEST_TMP/lat") ms, max $(pct 100 <"$TEST_TMP/lat") ms ($(wc -l <"$TEST_TMP/lat") deploys)"
wait_until 60 eval '[ "$(psql_stack -c "SELECT count(*) FROM jobs WHERE state <> '"'done'"'")" = 0 ]' || true

# ---------------------------------------------------------------- part 2: memory with N builds
say "== $nbuilds builds followed at once"
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$WORKER_w1/status"; }
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$WORKER_w1/status"; }
idle_rss=$(rss)
fake_config '{"default":{"queueMs":0,"lines":120,"lineMs":500}}'
bp=()
for i in $(seq 0 $((nbuilds / 10 - 1))); do bp+=("$(t4_project "m$i")"); done
pids=()
for i in $(seq 1 "$nbuilds"); do
	curl -sS -o /dev/null --max-time 60 -X POST -H "Authorization: Bearer $TOKEN" \
		"$PLATFORM_URL/api/projects/${bp[$((i % ${#bp[@]}))]}/deploy" &
	pids+=($!)
done
wait "${pids[@]}"
following() { [ "$(psql_stack -c "SELECT count(*) FROM deployments WHERE state = 'building' AND log_offset > 0")" -ge "$nbuilds" ]; }
wait_until 60 following || say "only $(psql_stack -c "SELECT count(*) FROM deployments WHERE state = 'building'") builds running"
max=0
for _ in $(seq 1 20); do
	r=$(rss)
	[ "$r" -gt "$max" ] && max=$r
	sleep 0.5
done
running=$(psql_stack -c "SELECT count(*) FROM deployments WHERE state = 'building'")
cpu=$(awk '{ print ($14 + $15) / 100 }' "/proc/$WORKER_w1/stat")
say "worker idle:         VmRSS $((idle_rss / 1024)) MB"
say "worker, $running builds: VmRSS max $((max / 1024)) MB ($max kB), VmHWM $(($(hwm) / 1024)) MB; target < 64 MB"
say "worker CPU so far:   ${cpu} s"
worker_stop w1
echo "1..0 # bench, no tests"

#!/usr/bin/env bash
# bench/webhooks.sh: 1,000 signed GitHub push deliveries over 100 auto-deploy projects, 32 in
# flight, through nginx, with the worker running: the answers' rate and latency (what GitHub
# sees), how soon the worker has processed them all, and that each queued exactly one
# deployment; then the same 1,000 again: all duplicates, zero more deployments.
#
# Settings: BENCH_PROJECTS (100), BENCH_DELIVERIES (1000), BENCH_CONCURRENCY (32), PLATFORM_WORKERS
# (API children, default the cores). The worker is started with PLATFORM_BUILD_DRIVER=none: it
# processes the deliveries (lib/model/delivery.h) but claims no build, so the queued deployments stay
# queued and are counted. Needs `npm ci` in tests/. The last line says whether the targets of
# issue 15 are met: >= 1,000 deliveries/s in the first burst, p99 < 100 ms, exactly once.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
projects=${BENCH_PROJECTS:-100}
deliveries=${BENCH_DELIVERIES:-1000}
conc=${BENCH_CONCURRENCY:-32}
export top_srcdir=$here top_builddir=${top_builddir:-$here}
# tests/lib.sh gives the throwaway stack and the fake GitHub, cleaned up on exit
# shellcheck disable=SC1091
. "$here/tests/lib.sh" >/dev/null
# shellcheck disable=SC1091
. "$here/tests/github-fake.sh"
github_fake_up
export PLATFORM_DOMAIN=apps.bench PLATFORM_PUBLIC_URL=https://platform.bench.test
export PLATFORM_GITHUB_WEBHOOK_SECRET=bench-secret PLATFORM_LOG_LEVEL=warn PLATFORM_BUILD_DRIVER=none
stack_up >/dev/null
[ -n "${PLATFORM_WORKER_PID:-}" ] || { echo "bench/webhooks.sh: the worker did not start" >&2; exit 1; }
github_user gh-bench 9000 bench
sign_in gh-bench
T=$SESSION
api POST /api/workspaces "$T" '{"name":"Bench"}'
WS=$(json_get .id)
for ((i = 0; i < projects; i++)); do
	api POST "/api/workspaces/$WS/projects" "$T" \
		"{\"name\":\"p$i\",\"repo_url\":\"$FAKE_GITHUB/bench/repo-$i\",\"auto_deploy\":true}"
	[ "$HTTP_STATUS" = 201 ] || { echo "bench/webhooks.sh: project $i: $HTTP_STATUS $HTTP_BODY" >&2; exit 1; }
done

count() { psql_stack -c "SELECT count(*) FROM deployments WHERE trigger = 'webhook'"; }
waiting() { psql_stack -c "SELECT count(*) FROM webhook_deliveries WHERE state = 'received'"; }
none_waiting() { [ "$(waiting)" = 0 ]; }
run() { (cd "$here/tests" && node ../bench/webhooks.mjs "$PLATFORM_URL/hooks/github" bench-secret "$projects" "$deliveries" "$conc" "$1"); }
fmt() { jq -r '"\(.rate) deliveries/s, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, max \(.max_ms) ms, \(.failed) failed \(.statuses | tostring)"' <<<"$1"; }

echo "machine: $(nproc) cores, $(awk -F: '/model name/ { print $2; exit }' /proc/cpuinfo | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "deliveries: $deliveries over $projects projects, $conc in flight, through nginx, ${PLATFORM_WORKERS:-$(nproc)} API children, one worker"
first=$(run 1)
# the worker's side: every delivery processed, and when the last one was
wait_until 120 none_waiting || echo "bench/webhooks.sh: $(waiting) deliveries still waiting after 120 s" >&2
done_ms=$(psql_stack -c "SELECT (extract(epoch FROM max(processed_at)) * 1000)::bigint FROM webhook_deliveries WHERE delivery_id LIKE 'bench-1-%'")
after1=$(count)
outcomes=$(psql_stack -c "SELECT string_agg(outcome || ' ' || n, ', ') FROM (SELECT outcome, count(*) n FROM webhook_deliveries WHERE delivery_id LIKE 'bench-1-%' GROUP BY 1 ORDER BY 1) o")
again=$(run 1)
sleep 1
after2=$(count)
echo "first burst:  $(fmt "$first")"
echo "worker:       all $deliveries processed $((done_ms - $(jq .started_ms <<<"$first"))) ms after the burst began ($outcomes)"
echo "redelivered:  $(fmt "$again")"
echo "deployments queued: $after1 (want $deliveries); after the redelivery: $after2 (want $deliveries)"
lost=$((deliveries - after1))
dup=$((after2 - after1))
echo "lost: $lost, duplicated: $dup"

rate=$(jq .rate <<<"$first") p99=$(jq .p99_ms <<<"$first")
miss=0
verdict() { # NAME OK
	if [ "$2" = 1 ]; then echo "target $1: met"; else echo "target $1: NOT met"; miss=$((miss + 1)); fi
}
verdict "first burst >= 1000 deliveries/s ($rate)" "$(awk -v r="$rate" 'BEGIN { print (r >= 1000) }')"
verdict "p99 < 100 ms ($p99 ms)" "$(awk -v p="$p99" 'BEGIN { print (p < 100) }')"
verdict "exactly once (lost $lost, duplicated $dup, failed $(jq .failed <<<"$first"))" \
	"$([ "$lost" -eq 0 ] && [ "$dup" -eq 0 ] && [ "$(jq .failed <<<"$first")" -eq 0 ] && echo 1)"
if [ "$miss" = 0 ]; then echo "targets: met"; else echo "targets: $miss not met"; fi
[ "$miss" = 0 ]

#!/usr/bin/env bash
# bench/webhooks.sh: 1,000 signed GitHub push deliveries over 100 auto-deploy projects, as fast as
# the machine allows, through nginx: deliveries per second, p50/p99 latency, and a check that
# exactly one deployment was queued per delivery; then the same 1,000 again: zero more.
#
# Settings: BENCH_PROJECTS (100), BENCH_DELIVERIES (1000), BENCH_CONCURRENCY (32).
# Starts a throwaway stack (without the worker, so queued deployments stay queued and are
# counted) and the fake GitHub; needs `npm ci` in tests/.
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
export PLATFORM_GITHUB_WEBHOOK_SECRET=bench-secret PLATFORM_LOG_LEVEL=warn
stack_up >/dev/null
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
run() { (cd "$here/tests" && node ../bench/webhooks.mjs "$PLATFORM_URL/hooks/github" bench-secret "$projects" "$deliveries" "$conc" "$1"); }

echo "machine: $(nproc) cores, $(awk -F: '/model name/ { print $2; exit }' /proc/cpuinfo | sed 's/^ *//')"
echo "deliveries: $deliveries over $projects projects, $conc in flight, through nginx"
first=$(run 1)
after1=$(count)
again=$(run 1)
after2=$(count)
echo "first pass:  $(jq -r '"\(.rate) deliveries/s, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, \(.failed) failed"' <<<"$first")"
echo "redelivered: $(jq -r '"\(.rate) deliveries/s, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, \(.failed) failed"' <<<"$again")"
echo "deployments queued: $after1 (want $deliveries); after the redelivery: $after2 (want $deliveries)"
lost=$((deliveries - after1))
dup=$((after2 - after1))
echo "lost: $lost, duplicated: $dup"
[ "$lost" -eq 0 ] && [ "$dup" -eq 0 ] && [ "$(jq .failed <<<"$first")" -eq 0 ]

#!/usr/bin/env bash
# bench/live.sh: click to live on one machine: POST /deploy of the sample static site until its live
# URL answers with the new version (local builder, real registry, podman runtime, the stack's nginx)
#
#   bench/live.sh        start a throwaway stack, deploy the sample once (base image), then measure
#
# BENCH_DEPLOYS (10) deploys, each of a new commit of the sample site: the time from the POST to
# the first answer of the live URL with the new content; median and p90, and per deploy the time
# of each stage from the deployment's row (queued -> building -> pushed -> released -> syncing ->
# live). Meanwhile a steady client asks the live URL every 50 ms: its failed requests are counted
# (target 0). Target on these machines: median under 10 s.
set -euo pipefail

top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
: "${top_builddir:=$top_srcdir}"
export top_builddir
n=${BENCH_DEPLOYS:-10}
dir=$(mktemp -d /tmp/bench-live.XXXXXX)
trap '"$top_srcdir/scripts/dev-stack" down "$dir/stack" >/dev/null 2>&1; [ -n "${load:-}" ] && kill "$load" 2>/dev/null; rm -rf "$dir"' EXIT
export PLATFORM_GITHUB_URL=file://$dir/stack/repos PLATFORM_ALLOW_LOCAL_REPOS=1 PLATFORM_WORKER_POLL=1
"$top_srcdir/scripts/dev-stack" up "$dir/stack" postgres migrate api nginx registry gitops worker 2>/dev/null
# shellcheck disable=SC1091
. "$dir/stack/stack.env"
"$top_srcdir/scripts/sample-deploy" "$dir/stack" >/dev/null 2>&1
token=$(cat "$dir/stack/sample.token")
psql_() { psql -X -q -At "$PLATFORM_DATABASE_URL" "$@"; }
pid=$(psql_ -c "SELECT id FROM projects WHERE name = 'site'")
url=http://site-sample.apps.localhost:$PLATFORM_NGINX_PORT/
repo=$dir/stack/repos/sample/site
git -C "$repo" config user.email bench@localhost && git -C "$repo" config user.name bench
(
	bad=0 all=0
	while [ ! -e "$dir/stop" ]; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url")
		all=$((all + 1))
		[ "$code" = 200 ] || bad=$((bad + 1))
		sleep 0.05
	done
	echo "$all $bad" >"$dir/load"
) &
load=$!
: >"$dir/times"
for ((i = 1; i <= n; i++)); do
	printf '<h1>bench version %d</h1>\n' "$i" >"$repo/index.html"
	git -C "$repo" commit -qam "bench $i"
	t0=$(date +%s.%N)
	dep=$(curl -sS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		--data '{}' "$PLATFORM_URL/api/projects/$pid/deploy" | jq -r .id)
	until curl -s --max-time 2 "$url" | grep -q "bench version $i<"; do sleep 0.05; done
	t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	echo "$t" >>"$dir/times"
	psql_ -F ' ' -c "SELECT round(extract(epoch FROM building_at - queued_at)::numeric, 2),
		round(extract(epoch FROM pushed_at - building_at)::numeric, 2),
		round(extract(epoch FROM released_at - pushed_at)::numeric, 2),
		round(extract(epoch FROM live_at - released_at)::numeric, 2)
		FROM deployments WHERE id = '$dep'" |
		awk -v i="$i" -v t="$t" '{ printf "deploy %2d: %6.2f s to live (queued %s, built+pushed %s, released %s, started+ready+routed %s)\n", i, t, $1, $2, $3, $4 }'
done
touch "$dir/stop"
wait "$load"
sort -n "$dir/times" | awk '{ v[NR] = $1 } END { printf "click to live over %d deploys: median %.2f s, p90 %.2f s\n", NR, v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.999)] }'
read -r all bad <"$dir/load"
echo "steady requests to the live URL during the redeploys: $all, failed: $bad"

#!/usr/bin/env bash
# bench/memory.sh: the resident memory of API pool children after BENCH_REQUESTS (1,000,000) requests
# of the hot reads, against the 16 MB target of issue 15.
#
#   bench/memory.sh     start a throwaway stack (2 API children), seed 20 projects and 50 sessions,
#                       send the requests with wrk, print VmRSS/VmHWM of each child, stop it all
#
# The requests rotate over 50 sessions x 4 reads x 10 page sizes (2,000 different answers, more
# than the 4 MB cache holds), so children keep building, storing, replacing and flushing entries,
# and one in 200 is a PATCH that empties every cache: the paths that could leak are all taken.
# The worker's side (one worker following 500 builds < 64 MB): BENCH_BUILDS=500 bench/deploy.sh.
# Settings: BENCH_REQUESTS, BENCH_CONNECTIONS (32), PLATFORM_WORKERS (2).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
total=${BENCH_REQUESTS:-1000000}
conns=${BENCH_CONNECTIONS:-32}
export PLATFORM_WORKERS=${PLATFORM_WORKERS:-2}
command -v wrk >/dev/null || {
	echo "bench/memory.sh: wrk not found" >&2
	exit 2
}
tmp=$(mktemp -d /tmp/platform-bench.XXXXXX)
chmod 755 "$tmp"
stack=$tmp/stack
cleanup() {
	"$here/scripts/dev-stack" down "$stack" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
"$here/scripts/dev-stack" up "$stack" postgres migrate api nginx 2>"$tmp/up.log" || {
	cat "$tmp/up.log" >&2
	exit 1
}
# shellcheck disable=SC1091
. "$stack/stack.env"
psql -X -q -v ON_ERROR_STOP=1 "$PLATFORM_DATABASE_URL" >/dev/null <<'SQL'
INSERT INTO users (id, github_id, login) VALUES ('alice', 1001, 'alice');
INSERT INTO workspaces (id, name, personal_of, created_by) VALUES ('w1', 'w1', 'alice', 'alice');
INSERT INTO members (workspace_id, user_id, role) VALUES ('w1', 'alice', 'owner');
INSERT INTO sessions (token_hash, user_id, expires_at)
  SELECT sha256(('mem-' || g)::bytea), 'alice', now() + interval '1 day' FROM generate_series(1, 50) g;
INSERT INTO projects (workspace_id, user_id, name, repo_url)
  SELECT 'w1', 'alice', 'p' || g, 'https://github.com/alice/app' || g FROM generate_series(1, 20) g;
INSERT INTO deployments (project_id, seq, state, trigger, image, tag, released_at, live_at)
  SELECT id, s, 'live', 'manual', 'registry.local/alice/' || name, 'v' || s, now(), now()
  FROM projects, generate_series(1, 5) s;
SQL
project=$(psql -X -At "$PLATFORM_DATABASE_URL" -c "SELECT id FROM projects WHERE name = 'p1'")
deployment=$(psql -X -At "$PLATFORM_DATABASE_URL" -c "SELECT id FROM deployments WHERE project_id = '$project' LIMIT 1")
cat >"$tmp/mix.lua" <<LUA
local paths = { "/api/workspaces/w1/projects?limit=", "/api/projects/$project?l=",
  "/api/deployments/$deployment?l=", "/api/projects/$project/deployments?limit=" }
local n = 0
request = function()
  n = n + 1
  local tok = "mem-" .. (n % 50 + 1)
  if n % 200 == 0 then
    return wrk.format("PATCH", "/api/projects/$project",
      { ["Authorization"] = "Bearer " .. tok, ["Content-Type"] = "application/json" },
      '{"replicas":' .. (n % 3 + 1) .. '}')
  end
  local p = paths[n % 4 + 1] .. (math.floor(n / 4) % 10 + 11)
  return wrk.format("GET", p, { ["Authorization"] = "Bearer " .. tok })
end
LUA

children() { pgrep -P "$PLATFORM_API_PID" | sort -n; }
mem() { awk -v k="$2" '$1 == k ":" { print $2 }' "/proc/$1/status"; }
wrk -t2 -c"$conns" -d3s -s "$tmp/mix.lua" "$PLATFORM_URL" >/dev/null
declare -A START
for c in $(children); do START[$c]=$(mem "$c" VmRSS); done
done_n=0 errors=0 t0=$(date +%s)
while [ "$done_n" -lt "$total" ]; do
	out=$(wrk -t2 -c"$conns" -d10s -s "$tmp/mix.lua" "$PLATFORM_URL")
	n=$(awk '/requests in/ { print $1 }' <<<"$out")
	e=$(awk '/Non-2xx or 3xx responses:/ { n += $NF } END { print n + 0 }' <<<"$out")
	done_n=$((done_n + n)) errors=$((errors + e))
done
secs=$(($(date +%s) - t0))
echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "requests: $done_n in ${secs}s over $PLATFORM_WORKERS children (2,000 different answers, 1 in 200 a PATCH), non-2xx: $errors"
worst=0
for c in $(children); do
	rss=$(mem "$c" VmRSS) hwm=$(mem "$c" VmHWM)
	[ "$hwm" -gt "$worst" ] && worst=$hwm
	printf 'child %s: VmRSS %d kB after warm-up, %d kB at the end, VmHWM %d kB\n' "$c" "${START[$c]:-0}" "$rss" "$hwm"
done
awk -v w="$worst" 'BEGIN { printf "largest child: %.1f MB (target < 16 MB): %s\n", w / 1024, (w < 16384 ? "met" : "NOT met") }'

#!/usr/bin/env bash
# bench/api.sh: the hot reads of the API side by side with nginx serving the same body from a file
# and with the two peers (PHP-FPM, Node.js) doing the same authenticated project list; prints
# req/s, p99 and the ratios against the targets of issue 15, from one run.
#
#   bench/api.sh        start a throwaway stack (scripts/dev-stack), the baseline nginx and the peers,
#                       measure, stop all of it (by pid)
#
# Settings: BENCH_THREADS (2), BENCH_CONNECTIONS (32), BENCH_DURATION (6s), BENCH_ROUNDS (3),
# BENCH_PEERS (the folder of peer_php/ and peer_node.js; default ../shared/peers or ../../shared/peers),
# PLATFORM_WORKERS (8) and PLATFORM_NGINX_WORKERS (2) shape the platform; the baseline nginx gets
# as many workers as the platform's. Rounds go through every target in turn, so all see the same
# machine noise; medians are printed. Targets: the project list at >= 25% of nginx serving its
# body from a file, and >= 5x the faster peer; the same asked of the other three reads.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNECTIONS:-32}
duration=${BENCH_DURATION:-6s}
rounds=${BENCH_ROUNDS:-3}
export PLATFORM_WORKERS=${PLATFORM_WORKERS:-8}
export PLATFORM_NGINX_WORKERS=${PLATFORM_NGINX_WORKERS:-2}
peers=${BENCH_PEERS:-}
for d in "$here/../shared/peers" "$here/../../shared/peers"; do
	[ -z "$peers" ] && [ -f "$d/peer_node.js" ] && peers=$(cd "$d" && pwd)
done
for tool in wrk nginx node psql php-fpm8.2; do
	command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
		echo "bench/api.sh: $tool not found (see .ci/packages)" >&2
		exit 2
	}
done
[ -n "$peers" ] && [ -f "$peers/peer_php/up.sh" ] || {
	echo "bench/api.sh: the peers are not found; set BENCH_PEERS" >&2
	exit 2
}
if [ ! -d "$here/bench/peers-node/node_modules/pg" ]; then
	(cd "$here/bench/peers-node" && npm ci --silent --no-audit --no-fund) >&2
fi

tmp=$(mktemp -d /tmp/platform-bench.XXXXXX)
chmod 755 "$tmp"
stack= php_dir= node_pid= static_pid=
cleanup() {
	[ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null
	[ -n "$static_pid" ] && kill "$static_pid" 2>/dev/null
	[ -n "$php_dir" ] && "$peers/peer_php/down.sh" "$php_dir" >/dev/null 2>&1
	[ -n "$stack" ] && "$here/scripts/dev-stack" down "$stack" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# free_port: a loopback TCP port nobody listens on
free_port() {
	local p
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % 12000))
		(: </dev/tcp/127.0.0.1/"$p") 2>/dev/null || {
			echo "$p"
			return
		}
	done
	return 1
}

# ----------------------------------------------------------------- the platform, 20 projects
stack=$tmp/stack
"$here/scripts/dev-stack" up "$stack" postgres migrate api nginx 2>"$tmp/up.log" || {
	cat "$tmp/up.log" >&2
	exit 1
}
# shellcheck disable=SC1091
. "$stack/stack.env"
token=bench-$RANDOM$RANDOM
psql -X -q -v ON_ERROR_STOP=1 "$PLATFORM_DATABASE_URL" >/dev/null <<SQL
INSERT INTO users (id, github_id, login) VALUES ('alice', 1001, 'alice');
INSERT INTO workspaces (id, name, personal_of, created_by) VALUES ('w1', 'w1', 'alice', 'alice');
INSERT INTO members (workspace_id, user_id, role) VALUES ('w1', 'alice', 'owner');
INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (sha256('$token'::bytea), 'alice', now() + interval '1 day');
INSERT INTO projects (workspace_id, user_id, name, repo_url, branch, port)
  SELECT 'w1', 'alice', 'p' || g, 'https://github.com/alice/app' || g, 'main', 3000 FROM generate_series(1, 20) g;
INSERT INTO deployments (project_id, seq, state, trigger, image, tag, released_at, live_at, finished_at)
  SELECT id, s, 'live', 'manual', 'registry.local/alice/' || name, 'v' || s, now(), now(), now()
  FROM projects, generate_series(1, 5) s;
SQL
auth="Authorization: Bearer $token"
project=$(psql -X -At "$PLATFORM_DATABASE_URL" -c "SELECT id FROM projects WHERE name = 'p1'")
deployment=$(psql -X -At "$PLATFORM_DATABASE_URL" -c "SELECT id FROM deployments WHERE project_id = '$project' ORDER BY seq DESC LIMIT 1")
declare -A URL=(
	[list]="$PLATFORM_URL/api/workspaces/w1/projects"
	[project]="$PLATFORM_URL/api/projects/$project"
	[deployment]="$PLATFORM_URL/api/deployments/$deployment"
	[deployments]="$PLATFORM_URL/api/projects/$project/deployments"
)

# ----------------------------------------------------------------- nginx serving the list body
mkdir -p "$tmp/static/www"
curl -sf -H "$auth" "${URL[list]}" >"$tmp/static/www/list.json"
[ "$(jq '.items | length' "$tmp/static/www/list.json")" = 20 ] || {
	echo "bench/api.sh: the project list did not answer 20 projects" >&2
	exit 1
}
static_port=$(free_port)
cat >"$tmp/static/nginx.conf" <<NG
daemon off; pid $tmp/static/nginx.pid; error_log $tmp/static/error.log; worker_processes $PLATFORM_NGINX_WORKERS;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $tmp/static/b; proxy_temp_path $tmp/static/p;
  fastcgi_temp_path $tmp/static/f; uwsgi_temp_path $tmp/static/u; scgi_temp_path $tmp/static/s;
  server { listen 127.0.0.1:$static_port;
    location = /list { default_type application/json; alias $tmp/static/www/list.json; } } }
NG
nginx -c "$tmp/static/nginx.conf" -p "$tmp/static" &
static_pid=$!
URL[static]="http://127.0.0.1:$static_port/list"

# ----------------------------------------------------------------- the peers
export PEER_PG_PORT PEER_HTTP_PORT
PEER_PG_PORT=$(free_port)
PEER_HTTP_PORT=$(free_port)
php_dir=$tmp/peer-php
"$peers/peer_php/up.sh" "$php_dir" >"$tmp/peer-php.log" 2>&1 || {
	cat "$tmp/peer-php.log" >&2
	exit 1
}
node_port=$(free_port)
PEER_NODE_PATH=$here/bench/peers-node node "$peers/peer_node.js" "$node_port" >"$tmp/peer-node.log" 2>&1 &
node_pid=$!
URL[php]="http://127.0.0.1:$PEER_HTTP_PORT/list?ws=w1"
URL[node]="http://127.0.0.1:$node_port/list?ws=w1"

# ----------------------------------------------------------------- measure
declare -A HDR=([static]="X-Bench: static" [php]="Authorization: Bearer peer-token"
	[node]="Authorization: Bearer peer-token" [list]="$auth" [project]="$auth"
	[deployment]="$auth" [deployments]="$auth")
TARGETS=(static php node list project deployment deployments)
for t in "${TARGETS[@]}"; do
	ok=
	for _ in $(seq 50); do
		code=$(curl -s -o /dev/null -w '%{http_code}' -H "${HDR[$t]}" "${URL[$t]}" || true)
		[ "$code" = 200 ] && ok=1 && break
		sleep 0.2
	done
	[ -n "$ok" ] || {
		echo "bench/api.sh: $t (${URL[$t]}) answers $code" >&2
		exit 1
	}
done

# to_ms VALUE: wrk's "1.23ms" / "456.00us" / "1.20s" in milliseconds
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.3f", n }'
}
# run NAME: one wrk run; appends "rps p99ms errors" to $tmp/res/NAME
run() {
	local out rps p99 errs
	out=$(wrk --latency -t"$threads" -c"$conns" -d"$duration" -H "${HDR[$1]}" "${URL[$1]}")
	echo "$out" >>"$tmp/res/$1.raw"
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
	errs=$(awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' <<<"$out")
	echo "$rps $p99 $errs" >>"$tmp/res/$1"
}
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

mkdir -p "$tmp/res"
for t in "${TARGETS[@]}"; do wrk -t1 -c"$conns" -d1s -H "${HDR[$t]}" "${URL[$t]}" >/dev/null; done
for ((i = 1; i <= rounds; i++)); do
	for t in "${TARGETS[@]}"; do run "$t"; done
done

declare -A RPS P99 ERR
for t in "${TARGETS[@]}"; do
	RPS[$t]=$(cut -d' ' -f1 "$tmp/res/$t" | median)
	P99[$t]=$(cut -d' ' -f2 "$tmp/res/$t" | median)
	ERR[$t]=$(awk '{ n += $3 } END { print n + 0 }' "$tmp/res/$t")
done
peer=php
awk -v a="${RPS[node]}" -v b="${RPS[php]}" 'BEGIN { exit !(a > b) }' && peer=node

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
echo "machine: $(nproc) cores, ${cpu:-unknown CPU}; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk --latency -t$threads -c$conns -d$duration, $rounds rounds through all targets, medians;" \
	"API workers $PLATFORM_WORKERS, nginx workers $PLATFORM_NGINX_WORKERS (baseline nginx too);" \
	"20 projects, body $(wc -c <"$tmp/static/www/list.json") bytes"
printf '%-44s %10s %9s %7s\n' target req/s p99_ms errors
row() { printf '%-44s %10.0f %9.3f %7d\n' "$1" "${RPS[$2]}" "${P99[$2]}" "${ERR[$2]}"; }
row "nginx: the list body from a file" static
row "PHP-FPM peer: list (4 children, PDO)" php
row "Node.js peer: list (2 workers, pg)" node
row "platform GET /api/workspaces/{ws}/projects" list
row "platform GET /api/projects/{id}" project
row "platform GET /api/deployments/{id}" deployment
row "platform GET /api/projects/{id}/deployments" deployments
fails=0
for t in list project deployment deployments; do
	read -r rs rp verdict < <(awk -v a="${RPS[$t]}" -v s="${RPS[static]}" -v p="${RPS[$peer]}" 'BEGIN {
		rs = s > 0 ? a / s : 0; rp = p > 0 ? a / p : 0
		printf "%.3f %.2f %s\n", rs, rp, (rs >= 0.25 && rp >= 5) ? "met" : "NOT_MET" }')
	[ "$verdict" = met ] || fails=$((fails + 1))
	[ "${ERR[$t]}" = 0 ] || fails=$((fails + 1))
	printf 'ratio %-12s /static %6.3f (target >= 0.25)  /%s %6.2f (target >= 5)  %s\n' \
		"$t" "$rs" "$peer" "$rp" "$verdict"
done
[ "$fails" = 0 ] && echo "targets: met" || echo "targets: NOT met ($fails)"

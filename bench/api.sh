#!/usr/bin/env bash
# bench/api.sh: GET /api/healthz through nginx + the FastCGI pool against nginx's own fixed-body location, side by side with wrk
#
#   bench/api.sh                      start a throwaway stack (scripts/dev-stack), measure, stop it
#   PLATFORM_URL=http://... bench/api.sh   measure a running stack (needs its /bench/static location)
#
# Settings: BENCH_THREADS (2), BENCH_CONNECTIONS (16), BENCH_DURATION (5s), BENCH_ROUNDS (3).
# Rounds alternate static/api so that both see the same machine noise; medians are printed.
# The last line is the ratio of the API's rate to nginx's fixed-body rate.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNECTIONS:-16}
duration=${BENCH_DURATION:-5s}
rounds=${BENCH_ROUNDS:-3}
command -v wrk >/dev/null || {
	echo "bench/api.sh: wrk not found (apt-get install wrk)" >&2
	exit 2
}

tmp=$(mktemp -d /tmp/platform-bench.XXXXXX)
chmod 755 "$tmp"
stack=
cleanup() {
	[ -n "$stack" ] && "$here/scripts/dev-stack" down "$stack" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
if [ -z "${PLATFORM_URL:-}" ]; then
	stack=$tmp/stack
	"$here/scripts/dev-stack" up "$stack" 2>"$tmp/up.log" || {
		cat "$tmp/up.log" >&2
		exit 1
	}
	# shellcheck disable=SC1091
	. "$stack/stack.env"
fi

# to_ms VALUE: wrk's "1.23ms" / "456.00us" / "1.20s" in milliseconds
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.3f", n }'
}

# run NAME URL: one wrk run; appends "rps p99ms errors" to $tmp/NAME
run() {
	local out rps p99 errs
	out=$(wrk --latency -t"$threads" -c"$conns" -d"$duration" "$2")
	echo "$out" >>"$tmp/$1.raw"
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
	errs=$(awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' <<<"$out")
	echo "$rps $p99 $errs" >>"$tmp/$1"
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

static_url=$PLATFORM_URL/bench/static
api_url=$PLATFORM_URL/api/healthz
for u in "$static_url" "$api_url"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$u")
	[ "$code" = 200 ] || {
		echo "bench/api.sh: $u answers $code" >&2
		exit 1
	}
done

# warm-up, then alternate
wrk -t1 -c"$conns" -d1s "$api_url" >/dev/null
for ((i = 1; i <= rounds; i++)); do
	run static "$static_url"
	run api "$api_url"
done

s_rps=$(cut -d' ' -f1 "$tmp/static" | median)
s_p99=$(cut -d' ' -f2 "$tmp/static" | median)
a_rps=$(cut -d' ' -f1 "$tmp/api" | median)
a_p99=$(cut -d' ' -f2 "$tmp/api" | median)
s_err=$(awk '{ n += $3 } END { print n + 0 }' "$tmp/static")
a_err=$(awk '{ n += $3 } END { print n + 0 }' "$tmp/api")

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
echo "machine: $(nproc) cores, ${cpu:-unknown CPU}"
echo "wrk --latency -t$threads -c$conns -d$duration, $rounds alternating rounds, medians;" \
	"API workers: ${PLATFORM_WORKERS:-?}"
printf '%-28s %12s %10s %8s\n' target req/s p99_ms errors
printf '%-28s %12.0f %10.3f %8d\n' "nginx /bench/static" "$s_rps" "$s_p99" "$s_err"
printf '%-28s %12.0f %10.3f %8d\n' "api /api/healthz (FastCGI)" "$a_rps" "$a_p99" "$a_err"
awk -v a="$a_rps" -v s="$s_rps" -v ap="$a_p99" -v sp="$s_p99" 'BEGIN {
	printf "p99 ratio api/static: %.2f\n", (sp > 0 ? ap / sp : 0)
	printf "ratio api/static: %.3f\n", (s > 0 ? a / s : 0) }'

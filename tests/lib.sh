# tests/lib.sh: sourced by every shell test: TAP helpers, a throwaway stack, HTTP and JSON assertions
# shellcheck shell=bash
#
#	. "${top_srcdir:-.}/tests/lib.sh"
#	stack_up all                # or: stack_up postgres   (only some services)
#	http GET "$PLATFORM_URL/api/healthz"
#	is "$HTTP_STATUS" 200 "healthz answers 200"
#	json_is .status ok "healthz says ok"
#	done_testing
#
# Output is TAP for automake's tap-driver. A test keeps going after a failed assertion;
# done_testing prints the plan and exits non-zero if any failed. The stack lives in a
# temporary folder under /tmp and is always stopped (by pid) and removed on exit; set
# PLATFORM_TEST_KEEP=1 to keep the folder for a look.

set -u -o pipefail

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${PLATFORM_API_BIN:=$top_builddir/fcgi/platform-api}"
: "${PLATFORMCTL_BIN:=$top_builddir/cli/platformctl}"
export top_srcdir top_builddir PLATFORM_API_BIN PLATFORMCTL_BIN
DEV_STACK=$top_srcdir/scripts/dev-stack

TAP_N=0
TAP_FAILED=0
TEST_TMP=$(mktemp -d /tmp/platform-test.XXXXXX)
# the stack's PostgreSQL (user postgres) and nginx workers (nobody) must reach into it
chmod 755 "$TEST_TMP"
STACK_DIR=

# ------------------------------------------------------------------------------------ TAP

diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# ok NAME CMD [ARG...]: passes when CMD exits 0.
ok() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# not CMD [ARG...]: succeeds when CMD fails (for ok: ok "no x" not grep -q x file)
not() { ! "$@"; }

pass() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	return 1
}

# is GOT WANT NAME
is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3"
		diag "  got: '$1'" " want: '$2'"
		return 1
	fi
}

# isnt GOT UNWANTED NAME
isnt() {
	if [ "$1" != "$2" ]; then
		pass "$3"
	else
		fail "$3"
		diag "  got: '$1' (should differ)"
		return 1
	fi
}

# like GOT ERE NAME
like() {
	if [[ $1 =~ $2 ]]; then
		pass "$3"
	else
		fail "$3"
		diag "  got: '$1'" " want match: /$2/"
		return 1
	fi
}

# cmp_ok GOT OP WANT NAME   (OP: -eq -ne -lt -le -gt -ge)
cmp_ok() {
	local r=1
	case $2 in
	-eq | -ne | -lt | -le | -gt | -ge) test "$1" "$2" "$3" 2>/dev/null && r=0 ;;
	*) bail_out "cmp_ok: unknown operator '$2'" ;;
	esac
	if [ "$r" = 0 ]; then
		pass "$4"
	else
		fail "$4"
		diag "  got: '$1'" " want: $2 '$3'"
		return 1
	fi
}

skip() { TAP_N=$((TAP_N + 1)) && echo "ok $TAP_N # SKIP $1"; }

bail_out() {
	echo "Bail out! $*"
	exit 1
}

done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ] || exit 1
	exit 0
}

# ------------------------------------------------------------------------------------ stack

# live_url HOST: the live URL the platform shows for an app at HOST (PLATFORM_LIVE_URL_SCHEME and
# _PORT: the dev stack serves apps over http on its nginx port)
live_url() {
	echo "${PLATFORM_LIVE_URL_SCHEME:-https}://$1${PLATFORM_LIVE_URL_PORT:+:$PLATFORM_LIVE_URL_PORT}"
}

# stack_up all|SERVICE...: a fresh stack (all services or some) in a temp folder; exports
# what DIR/stack.env holds (PLATFORM_URL, PLATFORM_DATABASE_URL, ...). Settings come from
# the environment: `PLATFORM_MAX_BODY=1024 stack_up`.
stack_up() {
	STACK_DIR=$TEST_TMP/stack
	[ "${1:-}" = all ] && shift
	if ! "$DEV_STACK" up "$STACK_DIR" "$@" 2>"$TEST_TMP/stack-up.log"; then
		sed 's/^/# /' "$TEST_TMP/stack-up.log"
		bail_out "the stack did not start"
	fi
	# shellcheck disable=SC1091
	. "$STACK_DIR/stack.env"
}

stack_logs() {
	local f
	[ -n "$STACK_DIR" ] && [ -d "$STACK_DIR/logs" ] || return 0
	for f in "$STACK_DIR"/logs/*.log; do
		[ -s "$f" ] || continue
		diag "---- $f (last 25 lines)"
		tail -n 25 "$f" | sed 's/^/#   /'
	done
}

_lib_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ "$rc" -ne 0 ] || [ "$TAP_FAILED" -ne 0 ]; then stack_logs; fi
	# `|| true`: a script under set -e (the benchmarks) would leave here at the first failed
	# command, a down that failed or a helper that had already ended, and leave the others
	# running (bench/logs.sh left its second worker)
	[ -n "$STACK_DIR" ] && "$DEV_STACK" down "$STACK_DIR" 2>/dev/null || true
	# background helpers a test started and registered
	local p
	for p in ${TEST_PIDS:-}; do kill "$p" 2>/dev/null || true; done
	if [ -n "${PLATFORM_TEST_KEEP:-}" ]; then
		echo "# kept $TEST_TMP" >&2
	else
		rm -rf "$TEST_TMP"
	fi
	exit "$rc"
}
trap _lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bg_register PID: stopped at exit if still running
bg_register() { TEST_PIDS="${TEST_PIDS:-} $1"; }

# children_of PID: pids whose parent is PID (not the API's metrics listener, named metricsd:
# the pool's children are what the tests count)
children_of() {
	local parent=$1 f stat ppid
	for f in /proc/[0-9]*/stat; do
		{ read -r stat <"$f"; } 2>/dev/null || continue
		case $stat in *" (metricsd) "*) continue ;; esac
		stat=${stat##*) }
		read -r _ ppid _ <<<"$stat"
		if [ "$ppid" = "$parent" ]; then
			f=${f#/proc/}
			echo "${f%/stat}"
		fi
	done | sort -n
}

alive() { kill -0 "$1" 2>/dev/null; }

# wait_until SECONDS CMD...: poll CMD every 0.1 s; 0 when it succeeded in time
wait_until() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# yields WANT CMD...: CMD prints exactly WANT (for wait_until, which runs it again each time:
# `wait_until 9 test "$(cmd)" = x` would compare the first output only)
yields() { [ "$("${@:2}")" = "$1" ]; }

psql_stack() { psql -X -q -At -v ON_ERROR_STOP=1 "$PLATFORM_DATABASE_URL" "$@"; }

# ------------------------------------------------------------------------------------ HTTP

# http METHOD URL [CURL-ARG...]: sets HTTP_STATUS (000 when no answer), HTTP_BODY and the
# header file HTTP_HEADERS (read with http_header).
HTTP_HEADERS=$TEST_TMP/http-headers
http() {
	local method=$1 url=$2
	shift 2
	: >"$HTTP_HEADERS"
	HTTP_STATUS=$(curl -sS -X "$method" -o "$TEST_TMP/http-body" -D "$HTTP_HEADERS" \
		-w '%{http_code}' --max-time "${HTTP_TIMEOUT:-15}" "$@" "$url" 2>"$TEST_TMP/http-err") || true
	[ -n "$HTTP_STATUS" ] || HTTP_STATUS=000
	HTTP_BODY=$(cat "$TEST_TMP/http-body" 2>/dev/null)
	rm -f "$TEST_TMP/http-body"
}

# http_header NAME: the value of the last NAME header of the last response ('' if none)
http_header() {
	tr -d '\r' <"$HTTP_HEADERS" | awk -v n="$1" 'BEGIN { n = tolower(n) }
		{ i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) { v = substr($0, i + 1); sub(/^[ \t]+/, "", v); found = v } }
		END { print found }'
}

# http_header_count NAME: how many NAME headers the last response had
http_header_count() {
	tr -d '\r' <"$HTTP_HEADERS" | awk -v n="$1" 'BEGIN { n = tolower(n); c = 0 }
		{ i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) c++ } END { print c }'
}

# ------------------------------------------------------------------------------------ JSON

# json_get FILTER: jq -r FILTER on the last body ('' and status 1 when it is not JSON)
json_get() { jq -r "$1" <<<"$HTTP_BODY" 2>/dev/null; }

# json_is FILTER WANT NAME
json_is() { is "$(json_get "$1")" "$2" "$3"; }

# json_ok NAME: the last body is a JSON document
json_ok() {
	if jq -e . >/dev/null 2>&1 <<<"$HTTP_BODY"; then
		pass "$1"
	else
		fail "$1"
		diag "  body: '${HTTP_BODY:0:300}'"
	fi
}

# json_error CODE NAME: the last body is {"error":{"code":CODE,"message":"..."}}
json_error() {
	local got
	got=$(jq -r 'if (.error.code|type) == "string" and (.error.message|type) == "string" and .error.message != ""
		then .error.code else "malformed" end' <<<"$HTTP_BODY" 2>/dev/null) || got="not JSON: ${HTTP_BODY:0:200}"
	is "$got" "$1" "$2"
}

# ------------------------------------------------------------------------------------ load

# load_start URL: a background loop of GETs (one curl each) logging each status code;
# load_stop ends it and sets LOAD_TOTAL and LOAD_FAILED (answers other than 200).
load_start() {
	LOAD_OUT=$TEST_TMP/load.$RANDOM
	: >"$LOAD_OUT"
	(
		while [ ! -e "$LOAD_OUT.stop" ]; do
			curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 "$1" >>"$LOAD_OUT"
		done
	) &
	LOAD_PID=$!
	bg_register "$LOAD_PID"
}

load_stop() {
	touch "$LOAD_OUT.stop"
	wait "$LOAD_PID" 2>/dev/null
	# shellcheck disable=SC2034 # read by the tests
	LOAD_TOTAL=$(wc -l <"$LOAD_OUT")
	LOAD_FAILED=$(grep -cv '^200$' "$LOAD_OUT")
	[ "$LOAD_FAILED" -eq 0 ] || diag "statuses other than 200: $(grep -v '^200$' "$LOAD_OUT" | sort | uniq -c | tr '\n' ' ')"
}

# wait_load N: wait until the running load loop has logged N more answers
wait_load() {
	local want=$(($(wc -l <"$LOAD_OUT") + $1))
	# shellcheck disable=SC2016 # expanded by eval, at each try
	wait_until 20 eval '[ "$(wc -l <"$LOAD_OUT")" -ge '"$want"' ]'
}

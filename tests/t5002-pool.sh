#!/usr/bin/env bash
# t5002-pool.sh: the FastCGI pool replaces a killed child and rolls its children on SIGHUP without failing requests
# shellcheck disable=SC2317 # functions called through wait_until
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

PLATFORM_WORKERS=3 stack_up all
master=${PLATFORM_API_PID:?}

nkids() { children_of "$master" | wc -l; }
three() { [ "$(nkids)" -eq 3 ]; }
ok "the master runs 3 children (PLATFORM_WORKERS=3)" wait_until 10 three
before=$(children_of "$master" | tr '\n' ' ')

# --- SIGKILL one child under load
load_start "$PLATFORM_URL/api/readyz"
wait_load 20
victim=$(children_of "$master" | head -n1)
kill -KILL "$victim"
replaced() { ! children_of "$master" | grep -qx "$victim" && three; }
ok "the killed child ($victim) is replaced, 3 children again" wait_until 10 replaced
wait_load 20
load_stop
after=$(children_of "$master" | tr '\n' ' ')
diag "children before: $before after: $after"
cmp_ok "$LOAD_TOTAL" -ge 40 "requests kept flowing during the kill ($LOAD_TOTAL)"
cmp_ok "$LOAD_FAILED" -le 1 "at most the one request on the killed child failed ($LOAD_FAILED of $LOAD_TOTAL)"
ok "the master survived" alive "$master"

# --- SIGHUP: a rolling replacement under load, not one request lost
before=$(children_of "$master")
load_start "$PLATFORM_URL/api/readyz"
wait_load 20
kill -HUP "$master"
all_new() {
	local k
	three || return 1
	for k in $before; do children_of "$master" | grep -qx "$k" && return 1; done
	return 0
}
ok "after SIGHUP every child is new and there are 3" wait_until 20 all_new
wait_load 20
load_stop
cmp_ok "$LOAD_TOTAL" -ge 40 "requests kept flowing during the reload ($LOAD_TOTAL)"
is "$LOAD_FAILED" 0 "no request failed during the SIGHUP reload"
ok "the master survived the reload" alive "$master"
http GET "$PLATFORM_URL/api/readyz"
is "$HTTP_STATUS" 200 "readyz answers after the reload"

done_testing

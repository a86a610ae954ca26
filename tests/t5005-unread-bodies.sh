#!/bin/bash
# t5005-unread-bodies.sh: answers given before a body is read (413 over the limit, 401 before
# parsing) leave the FastCGI connection clean: the requests after them on the connections nginx
# keeps still get their answers, never a 502
. "${top_srcdir:-.}/tests/lib.sh"

export PLATFORM_MAX_BODY=65536
stack_up
head -c 70000 /dev/zero | tr '\0' 'y' | sed 's/^/{"name":"/; s/$/"}/' >"$TEST_TMP/big.json"
: >"$TEST_TMP/codes"
for i in $(seq 1 40); do
	curl -s -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' \
		--data-binary @"$TEST_TMP/big.json" "$PLATFORM_URL/api/workspaces" >>"$TEST_TMP/codes"
	curl -s -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' \
		--data-binary '{"name":"x"}' "$PLATFORM_URL/api/workspaces" >>"$TEST_TMP/codes"
	curl -s -o /dev/null -w '%{http_code}\n' "$PLATFORM_URL/api/healthz" >>"$TEST_TMP/codes"
done
is "$(grep -c '^413$' "$TEST_TMP/codes")" 40 "every oversized body: 413"
is "$(grep -c '^401$' "$TEST_TMP/codes")" 40 "every unauthenticated small body: 401"
is "$(grep -c '^200$' "$TEST_TMP/codes")" 40 "every health check after them: 200"
is "$(grep -vc '^\(413\|401\|200\)$' "$TEST_TMP/codes")" 0 "nothing else (no 502)"

# The same on the FastCGI protocol itself, where it is certain rather than a race: a refused
# body and a next request on one kept connection (FCGI_KEEP_CONN, what nginx sends). Without
# the drain, the second request is never answered.
for size in 70000 1000000; do
	is "$(python3 "$top_srcdir/tests/fcgi/keepconn.py" "$PLATFORM_API_LISTEN" "$size")" "413 200" \
		"a $size-byte body refused on a kept connection, then the next request on it answered"
done
# a big answer leaves the child in one write with the end of its request: whole, and the
# connection still serves the next request
is "$(python3 "$top_srcdir/tests/fcgi/keepconn.py" "$PLATFORM_API_LISTEN" big)" "200 whole 200" \
	"a 100 KB answer on a kept connection comes whole, and the next request on it is answered"
done_testing

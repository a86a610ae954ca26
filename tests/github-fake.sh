# tests/github-fake.sh: sourced after tests/lib.sh: start the fake GitHub and point the stack at it
# shellcheck shell=bash

# github_fake_up: starts tests/fakes/fake-github.js; exports PLATFORM_GITHUB_URL and friends
github_fake_up() {
	local portfile=$TEST_TMP/fake-github.port
	node "$top_srcdir/tests/fakes/fake-github.js" "$portfile" 2>"$TEST_TMP/fake-github.log" &
	bg_register $!
	wait_until 10 test -s "$portfile" || bail_out "fake GitHub did not start"
	FAKE_GITHUB=http://127.0.0.1:$(cat "$portfile")
	export PLATFORM_GITHUB_URL=$FAKE_GITHUB PLATFORM_GITHUB_API_URL=$FAKE_GITHUB
	export PLATFORM_GITHUB_CLIENT_ID=test-client PLATFORM_GITHUB_CLIENT_SECRET=test-secret
}

# fake_github PATH JSON: configure the fake
fake_github() { curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -d "$2" "$FAKE_GITHUB$1"; }

# github_user TOKEN ID LOGIN [REPOS]: a GitHub account the fake knows
github_user() {
	fake_github /_fake/users "{\"token\":\"$1\",\"id\":$2,\"login\":\"$3\",\"name\":\"$3 Example\",\"repos\":${4:-3}}"
}

# sign_in GITHUB_TOKEN: signs in through the API; sets SESSION to the platform token
sign_in() {
	http POST "$PLATFORM_URL/api/auth/session" -H 'Content-Type: application/json' \
		-d "{\"github_token\":\"$1\"}"
	SESSION=$(json_get .token)
}

# api METHOD PATH TOKEN [JSON]: a call with a Bearer token
api() {
	local m=$1 p=$2 t=$3
	if [ $# -ge 4 ]; then
		http "$m" "$PLATFORM_URL$p" -H "Authorization: Bearer $t" -H 'Content-Type: application/json' --data-binary "$4"
	else
		http "$m" "$PLATFORM_URL$p" -H "Authorization: Bearer $t"
	fi
}

# db_fingerprint: one hash of every tenant table's rows, to assert that nothing changed
db_fingerprint() {
	psql_stack -c "SELECT md5(concat_ws('|',
		(SELECT string_agg(t::text, ',' ORDER BY t::text) FROM workspaces t),
		(SELECT string_agg(t::text, ',' ORDER BY t::text) FROM members t),
		(SELECT string_agg(t::text, ',' ORDER BY t::text) FROM projects t),
		(SELECT string_agg(t::text, ',' ORDER BY t::text) FROM audit_log t),
		(SELECT string_agg(t::text, ',' ORDER BY t::text) FROM deployments t),
		(SELECT string_agg(t::text, ',' ORDER BY t::text) FROM jobs t)))"
}

# delivery_settled ID [SECONDS]: wait until the worker has processed GitHub delivery ID (the API
# only stores it: lib/model/delivery.h); sets DSTATE, DOUTCOME, DREASON and DQUEUED (how many
# deployments it queued or found queued) from its row. 1 when it is still received.
delivery_settled() {
	local row
	wait_until "${2:-20}" test "$(psql_stack -c "SELECT state FROM webhook_deliveries WHERE delivery_id = '$1'")" != received
	row=$(psql_stack -F '|' -c "SELECT state, outcome, cardinality(deployments), reason FROM webhook_deliveries WHERE delivery_id = '$1'")
	IFS='|' read -r DSTATE DOUTCOME DQUEUED DREASON <<<"$row"
	[ -n "$DSTATE" ] && [ "$DSTATE" != received ]
}

#!/usr/bin/env bash
# t1802-github-deployments.sh: deployments shown on GitHub: a deploy of a project whose repository
# is on the (fake) GitHub creates a GitHub deployment and posts in_progress then success with the
# live URL and the console's page; a failed deploy posts failure; with GitHub down the deploy is
# not delayed and the statuses arrive later, in order, once each; a newer success makes the older
# one inactive; every call follows GitHub's OpenAPI description (@octokit/openapi)
. "${top_srcdir:-.}/tests/t4-lib.sh"
. "$top_srcdir/tests/github-fake.sh"

export PLATFORM_GITHUB_DEPLOYMENTS_RETRY_MS=200 PLATFORM_GITHUB_DEPLOYMENTS_TIMEOUT_MS=1000
github_fake_up
t4_stack
fake_config '{"default":{"queueMs":50,"lines":3,"lineMs":20},"byProject":{"broken":{"result":"FAILURE","lines":2}}}'
github_user gh-alice-token 1001 alice
sign_in gh-alice-token
TOKEN=$SESSION
USER_ID=$(json_get .user.id)
WS_ID=$(psql_stack -c "SELECT workspace_id FROM members WHERE user_id = '$USER_ID' LIMIT 1")
project() {
	psql_stack -c "INSERT INTO projects (workspace_id, user_id, name, repo_url, branch, port)
		VALUES ('$WS_ID', '$USER_ID', '$1', '$FAKE_GITHUB/alice/$1', 'main', 8080) RETURNING id" | head -n1
}
calls() { curl -sS --max-time 5 "$FAKE_GITHUB/_fake/deployments"; }
ghid() { psql_stack -c "SELECT coalesce(github_deployment_id::text, '') FROM deployments WHERE id = '$1'"; }
# states GHID: the states posted to that GitHub deployment, in order
states() { calls | jq -r --argjson id "${1:-0}" '[.[] | select(.kind == "status" and .deployment_id == $id) | .body.state] | join(",")'; }

worker_start w1
web=$(project web)
C1=0123456789abcdef0123456789abcdef01234567
deploy "$web" "{\"commit\":\"$C1\"}"
D1=$DEPLOY_ID
ok "the deployment is released" wait_state "$D1" released 30
ok "its GitHub deployment id is stored" wait_until 20 eval '[ -n "$(ghid "$D1")" ]'
G1=$(ghid "$D1")
ok "in_progress then success" wait_until 20 eval '[ "$(states "$G1")" = in_progress,success ]' || diag "$(calls)"
create=$(calls | jq -c --argjson id "$G1" '[.[] | select(.kind == "create" and .id == $id)][0]')
is "$(jq -r '[.repo, .body.ref, .body.environment, .body.auto_merge, (.body.required_contexts | length), .body.transient_environment, .body.production_environment] | join(",")' <<<"$create")" \
	"alice/web,$C1,production,false,0,false,true" "the create: the commit, production, no merge, no checks"
is "$(jq -r .auth <<<"$create")" gh-alice-token "with the owner's token"
succ=$(calls | jq -c --argjson id "$G1" '[.[] | select(.kind == "status" and .deployment_id == $id and .body.state == "success")][0]')
is "$(jq -r .body.environment_url <<<"$succ")" "$(live_url "web-$USER_ID.${PLATFORM_DOMAIN:-apps.localhost}")" "success carries the live URL"
is "$(jq -r .body.log_url <<<"$succ")" "$PLATFORM_PUBLIC_URL/deployments/$D1" "and the console's page"
api GET "/api/deployments/$D1" "$TOKEN"
json_is .github_deployment_id "$G1" "the API shows the GitHub deployment id"

broken=$(project broken)
deploy "$broken" '{}'
DB=$DEPLOY_ID
ok "a failing build fails" wait_state "$DB" failed 30
ok "it gets in_progress then failure" wait_until 20 eval 'g=$(ghid "$DB"); [ -n "$g" ] && [ "$(states "$g")" = in_progress,failure ]'

# ---- GitHub down: the deploy goes on, the calls follow later in order
fake_github /_fake/down '{"ms":4000,"mode":"502"}'
t0=$(date +%s)
deploy "$web" '{"commit":"89abcdef0123456789abcdef0123456789abcdef"}'
D2=$DEPLOY_ID
ok "released while GitHub is down" wait_state "$D2" released 30
cmp_ok "$(($(date +%s) - t0))" -lt 4 "not delayed by GitHub"
is "$(ghid "$D2")" "" "nothing reached GitHub yet"
ok "after GitHub is back, the calls arrive" wait_until 30 eval 'g=$(ghid "$D2"); [ -n "$g" ] && [ "$(states "$g")" = in_progress,success ]'
cmp_ok "$(psql_stack -c "SELECT max(attempts) FROM github_deployment_events WHERE deployment_id = '$D2'")" -gt 1 "after retries"
ok "the first deployment becomes inactive" wait_until 20 eval '[ "$(states "$G1")" = in_progress,success,inactive ]'
is "$(calls | jq '[.[] | select(.kind == "create")] | group_by(.body.ref) | map(length) | max')" 1 "each deployment created once"
is "$(psql_stack -c "SELECT count(*) FROM github_deployment_events WHERE status <> 'sent'")" 0 "every event sent"

calls >"$TEST_TMP/calls.json"
out=$(cd "$top_srcdir/tests" && TAP_START=$TAP_N node contract/github-deployments.js "$TEST_TMP/calls.json")
rc=$?
echo "$out"
TAP_N=$((TAP_N + $(grep -c '^\(not \)\?ok ' <<<"$out")))
is "$rc" 0 "every call follows GitHub's OpenAPI description"
done_testing

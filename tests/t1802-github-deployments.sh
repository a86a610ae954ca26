#!/usr/bin/env bash
# t1802-github-deployments.sh: deployments shown on GitHub: a deploy of a project whose repository
# is on the (fake) GitHub creates a GitHub deployment and posts in_progress then success with the
# live URL and the console's page; a failed deploy posts failure; with GitHub down the deploy is
# not delayed and the statuses arrive later, in order, once each; a newer success makes the older
# one inactive; a pull request's preview is deployed to environment pr-<n> and gets one comment
# with its URL, edited in place on a new commit and when it is removed; every call follows
# GitHub's OpenAPI description (@octokit/openapi)
. "${top_srcdir:-.}/tests/t4-lib.sh"
. "$top_srcdir/tests/github-fake.sh"

export PLATFORM_GITHUB_DEPLOYMENTS_RETRY_MS=200 PLATFORM_GITHUB_DEPLOYMENTS_TIMEOUT_MS=1000
export PLATFORM_GITHUB_WEBHOOK_SECRET=pr-secret
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

# ---- a pull request's preview: its own environment, one comment edited in place
site=$(psql_stack -c "INSERT INTO projects (workspace_id, user_id, name, repo_url, branch, port,
	previews, repo_key, repo_verified_at, repo_verified_by) VALUES ('$WS_ID', '$USER_ID', 'site',
	'$FAKE_GITHUB/alice/site', 'main', 8080, true, 'alice/site', now(), '$USER_ID') RETURNING id" | head -n1)
pr() { # pr ACTION HEAD [N]: a signed pull_request delivery for pull request N (7) of alice/site
	(cd "$top_srcdir/tests" && node webhooks/deliver.mjs --url "$PLATFORM_URL/hooks/github" \
		--secret "$PLATFORM_GITHUB_WEBHOOK_SECRET" --event pull_request --repo alice/site \
		--base-ref main --number "${3:-7}" --action "$1" --head-sha "$2") >/dev/null
}
preview_dep() { psql_stack -c "SELECT d.id FROM deployments d JOIN previews v ON v.id = d.preview_id
	WHERE v.number = 7 AND d.commit_sha = '$1'"; }
comments() { calls | jq -c --arg k "comment-$1" '[.[] | select(.kind == $k)]'; }
ncomments() { comments "$1" | jq length; }
H1=1111111111111111111111111111111111111111
H2=2222222222222222222222222222222222222222
pr opened "$H1"
ok "an opened pull request deploys its preview" wait_until 20 eval '[ -n "$(preview_dep "$H1")" ]'
P1=$(preview_dep "$H1")
ok "the preview's deployment is released" wait_state "$P1" released 30
ok "and created on GitHub" wait_until 20 eval '[ -n "$(ghid "$P1")" ]'
GP1=$(ghid "$P1")
create=$(calls | jq -c --argjson id "$GP1" '[.[] | select(.kind == "create" and .id == $id)][0]')
is "$(jq -r '[.body.ref, .body.environment, .body.transient_environment, .body.production_environment] | join(",")' <<<"$create")" \
	"$H1,pr-7,true,false" "in environment pr-7: the head commit, transient, not production"
ok "in_progress then success" wait_until 20 eval '[ "$(states "$GP1")" = in_progress,success ]'
purl=$(live_url "site-pr-7-$USER_ID.${PLATFORM_DOMAIN:-apps.localhost}")
succ=$(calls | jq -c --argjson id "$GP1" '[.[] | select(.kind == "status" and .deployment_id == $id and .body.state == "success")][0]')
is "$(jq -r .body.environment_url <<<"$succ")" "$purl" "its success carries the preview's URL"
ok "the pull request gets a comment" wait_until 20 eval '[ "$(ncomments create)" = 1 ]'
c1=$(comments create | jq -c '.[0]')
is "$(jq -r '[.repo, .number, .auth] | join(",")' <<<"$c1")" "alice/site,7,gh-alice-token" "on pull request 7, with the owner's token"
like "$(jq -r .body.body <<<"$c1")" "is live:\*\* $purl" "it names the preview's URL"
like "$(jq -r .body.body <<<"$c1")" "${H1:0:12}" "and the commit"

pr synchronize "$H2"
ok "a push to the pull request deploys again" wait_until 20 eval '[ -n "$(preview_dep "$H2")" ]'
P2=$(preview_dep "$H2")
ok "released" wait_state "$P2" released 30
ok "the comment is edited" wait_until 20 eval '[ "$(ncomments update)" = 1 ]'
sleep 1
is "$(ncomments create)" 1 "no second comment"
is "$(ncomments update)" 1 "edited once"
u1=$(comments update | jq -c '.[0]')
is "$(jq -r .id <<<"$u1")" "$(psql_stack -c "SELECT github_comment_id FROM previews WHERE number = 7")" "the comment the first call made"
like "$(jq -r .body.body <<<"$u1")" "${H2:0:12}" "now naming the new commit"
GP2=$(ghid "$P2")
ok "the preview's first deployment becomes inactive" wait_until 20 eval '[ "$(states "$GP1")" = in_progress,success,inactive ]'
is "$(states "$G1")" in_progress,success,inactive "production's statuses are untouched"
is "$(curl -sS "$FAKE_GITHUB/repos/alice/site/issues/7/comments" -H 'Authorization: Bearer gh-alice-token' | jq length)" 1 \
	"the pull request has one comment"

# someone deletes the comment on GitHub: the next commit's comment is posted anew
curl -sS -X DELETE "$FAKE_GITHUB/repos/alice/site/issues/comments/$(jq -r .id <<<"$u1")" -H 'Authorization: Bearer gh-alice-token'
H3=3333333333333333333333333333333333333333
pr synchronize "$H3"
ok "another push deploys again" wait_until 20 eval '[ -n "$(preview_dep "$H3")" ]'
P3=$(preview_dep "$H3")
ok "released" wait_state "$P3" released 30
ok "a deleted comment is posted again" wait_until 20 eval '[ "$(ncomments create)" = 2 ]'
is "$(comments create | jq -r '.[1].body.body' | grep -c "${H3:0:12}")" 1 "naming the new commit"
new_cid=$(psql_stack -c "SELECT github_comment_id FROM previews WHERE number = 7")
isnt "$new_cid" "$(jq -r .id <<<"$u1")" "the preview keeps the new comment's id"
GP3=$(ghid "$P3")

pr closed "$H3"
ok "closing it marks its deployment inactive" wait_until 20 eval '[ "$(states "$GP3")" = in_progress,success,inactive ]'
ok "and the comment says it was removed" wait_until 20 eval '[ "$(ncomments update)" = 2 ]' # the 404 is not recorded
is "$(comments update | jq -r '.[1].id')" "$new_cid" "in place"
like "$(comments update | jq -r '.[1].body.body')" "was removed" "with what happened"
is "$(ncomments create)" 2 "no comment more"
# a preview removed while its pipeline pushes (after the release's own checks): once the
# pipeline says released, the folder is queued for removal again
fake_config '{"byBranch":{"refs/pull/8/head":{"lines":30,"lineMs":100}}}'
H8=8888888888888888888888888888888888888888
pr opened "$H8" 8
ok "pull request 8 deploys" wait_until 20 eval '[ -n "$(psql_stack -c "SELECT d.id FROM deployments d JOIN previews v ON v.id = d.preview_id WHERE v.number = 8")" ]'
P8=$(psql_stack -c "SELECT d.id FROM deployments d JOIN previews v ON v.id = d.preview_id WHERE v.number = 8")
ok "its pipeline runs" wait_state "$P8" building 20
removals() { psql_stack -c "SELECT count(*) FROM jobs WHERE kind = 'gitops_remove' AND payload->>'project' = 'site-pr-8'"; }
psql_stack -c "UPDATE previews SET state = 'removed', removed_reason = 'closed', removed_at = now() WHERE number = 8" >/dev/null
is "$(removals)" 0 "(no removal queued by that)"
ok "the pipeline reports it released" wait_state "$P8" released 30
is "$(removals)" 1 "the removed preview's folder is queued for removal again"
# its success reaches GitHub after the removal: the pull request's comment says removed
pr8_comments() { calls | jq -c '[.[] | select(.kind == "comment-create" and .number == 8)]'; }
ok "pull request 8 gets its comment" wait_until 20 eval '[ "$(pr8_comments | jq length)" = 1 ]'
like "$(pr8_comments | jq -r '.[0].body.body')" "was removed" "which says the preview was removed, not that it is live"

ok "every event sent" wait_until 10 eval '[ "$(psql_stack -c "SELECT count(*) FROM github_deployment_events WHERE status <> '"'sent'"'")" = 0 ]'

calls >"$TEST_TMP/calls.json"
out=$(cd "$top_srcdir/tests" && TAP_START=$TAP_N node contract/github-deployments.js "$TEST_TMP/calls.json")
rc=$?
echo "$out"
TAP_N=$((TAP_N + $(grep -c '^\(not \)\?ok ' <<<"$out")))
is "$rc" 0 "every call follows GitHub's OpenAPI description"
done_testing

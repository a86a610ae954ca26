#!/usr/bin/env bash
# t4005-deploy-api.sh: the deployment endpoints through nginx: access, validation, idempotency, history pages, rollback
. "${top_srcdir:-.}/tests/t4-lib.sh"

export PLATFORM_DEPLOY_SUPERSEDE=0
t4_stack
t4_seed erin
viewer=$(t4_member vic viewer)
dev=$(t4_member dan developer)
p=$(t4_project api)
fake_config '{"default":{"queueMs":50,"lines":3,"lineMs":20}}'

# ---- access
http POST "$PLATFORM_URL/api/projects/$p/deploy"
is "$HTTP_STATUS" 401 "deploy without a session is 401"
http POST "$PLATFORM_URL/api/projects/$p/deploy" -H "Authorization: Bearer $viewer"
is "$HTTP_STATUS" 403 "a viewer cannot deploy"
t4_seed other
http POST "$PLATFORM_URL/api/projects/$p/deploy" -H "Authorization: Bearer $TOKEN"
is "$HTTP_STATUS" 404 "a non-member gets 404, as for an unknown project"
TOKEN=$dev
deploy 00000000-0000-0000-0000-000000000000
is "$HTTP_STATUS" 404 "an unknown project is 404"
deploy "$p"
is "$HTTP_STATUS" 202 "a developer can deploy"
first=$DEPLOY_ID
http GET "$PLATFORM_URL/api/deployments/$first" -H "Authorization: Bearer $viewer"
is "$HTTP_STATUS" 200 "a viewer can read a deployment"
http POST "$PLATFORM_URL/api/deployments/$first/cancel" -H "Authorization: Bearer $viewer"
is "$HTTP_STATUS" 403 "a viewer cannot cancel"
http GET "$PLATFORM_URL/api/deployments/$first" -H "Authorization: Bearer $(t4_seed mallory && echo "$TOKEN")"
is "$HTTP_STATUS" 404 "another tenant cannot read it"
TOKEN=$dev
http GET "$PLATFORM_URL/api/deployments/not-a-uuid" -H "Authorization: Bearer $TOKEN"
is "$HTTP_STATUS" 404 "a malformed id is 404"

# ---- validation
deploy "$p" '{"commit":"XYZ"}'
is "$HTTP_STATUS" 422 "a bad commit is 422"
json_is .error.field commit "naming the field"
deploy "$p" '{"branch":"a..b"}'
is "$HTTP_STATUS" 422 "a bad branch is 422"
deploy "$p" '{"colour":"red"}'
is "$HTTP_STATUS" 422 "an unknown field is 422"
deploy "$p" '{"branch":'
is "$HTTP_STATUS" 400 "broken JSON is 400"

# ---- Idempotency-Key
deploy "$p" '{"branch":"feature/x"}' -H 'Idempotency-Key: key-1'
is "$HTTP_STATUS" 202 "first request with a key: 202"
k1=$DEPLOY_ID
json_is .branch feature/x "the branch is taken from the body"
deploy "$p" '{"branch":"feature/x"}' -H 'Idempotency-Key: key-1'
is "$HTTP_STATUS" 202 "the same key again: the same answer"
is "$DEPLOY_ID" "$k1" "the same deployment"
is "$(http_header Idempotent-Replayed)" true "marked as a replay"
is "$(psql_stack -c "SELECT count(*) FROM jobs WHERE deployment_id = '$k1'")" 1 "one job only"
is "$(psql_stack -c "SELECT count(*) FROM deployments WHERE idempotency_key = 'key-1'")" 1 "one deployment only"
: >"$TEST_TMP/idem"
pids=()
for i in 1 2 3 4 5 6; do
	curl -sS -o - -X POST -H "Authorization: Bearer $TOKEN" -H 'Idempotency-Key: race-1' \
		"$PLATFORM_URL/api/projects/$p/deploy" | jq -r .id >>"$TEST_TMP/idem" &
	pids+=($!)
done
wait "${pids[@]}"
is "$(sort -u "$TEST_TMP/idem" | grep -c .)" 1 "six concurrent requests with one key make one deployment"

# ---- history, newest first, in pages
for i in 1 2 3; do deploy "$p"; done
total=$(psql_stack -c "SELECT count(*) FROM deployments WHERE project_id = '$p'")
http GET "$PLATFORM_URL/api/projects/$p/deployments?limit=2" -H "Authorization: Bearer $viewer"
is "$HTTP_STATUS" 200 "the history answers 200 to a viewer"
is "$(json_get '[.items[].seq] | map(tostring) | join(",")')" "$total,$((total - 1))" "newest first, limit 2"
seen=$(json_get '.items | length')
cursor=$(json_get .next_cursor)
while [ "$cursor" != null ] && [ -n "$cursor" ]; do
	http GET "$PLATFORM_URL/api/projects/$p/deployments?limit=2&cursor=$cursor" -H "Authorization: Bearer $viewer"
	seen=$((seen + $(json_get '.items | length')))
	cursor=$(json_get .next_cursor)
done
is "$seen" "$total" "following next_cursor visits every deployment once"
http GET "$PLATFORM_URL/api/projects/$p/deployments?cursor=abc" -H "Authorization: Bearer $viewer"
is "$HTTP_STATUS" 400 "a bad cursor is 400"
http GET "$PLATFORM_URL/api/projects/$p/deployments?limit=0" -H "Authorization: Bearer $viewer"
is "$HTTP_STATUS" 400 "a bad limit is 400"

# ---- rollback reuses an earlier image: ACTION=rollback, IMAGE_TAG
worker_start w1
ok "the first deployment is released" wait_state "$first" released 30
tag=$(psql_stack -c "SELECT tag FROM deployments WHERE id = '$first'")
deploy "$p" "{\"rollback_of\":\"$first\"}"
is "$HTTP_STATUS" 202 "a rollback is accepted"
json_is .trigger rollback "trigger rollback"
json_is .action rollback "action rollback"
json_is .tag "$tag" "it carries the earlier tag"
rb=$DEPLOY_ID
ok "the rollback is released" wait_state "$rb" released 30
is "$(fake_get triggers | jq -r --arg id "$rb" '.[] | select(.deployment_id == $id) | .params | .ACTION + " " + .IMAGE_TAG')" \
	"rollback $tag" "Jenkins got ACTION=rollback and IMAGE_TAG"
psql_stack -c "UPDATE deployments SET tag = NULL WHERE id = '$k1'" >/dev/null
deploy "$p" "{\"rollback_of\":\"$k1\"}"
is "$HTTP_STATUS" 409 "rolling back to a deployment without an image is 409"
worker_stop w1
done_testing

#!/usr/bin/env bash
# t4001-deploy-chain.sh: deploy -> worker -> fake Jenkins -> callbacks -> released, one at a time and 50 at once
. "${top_srcdir:-.}/tests/t4-lib.sh"

export PLATFORM_DEPLOY_SUPERSEDE=0 # every one of the 50 must build
t4_stack
t4_seed alice
fake_config '{"default":{"queueMs":100,"lines":8,"lineMs":50,"splitUtf8":true}}'
worker_start w1

# ---- one deploy, followed end to end
web=$(t4_project web)
deploy "$web" '{"commit":"0123456789abcdef0123456789abcdef01234567"}'
is "$HTTP_STATUS" 202 "deploy answers 202"
json_is .state queued "a new deployment is queued"
json_is .seq 1 "the first deployment of a project has seq 1"
json_is .trigger api "a token-authenticated deploy is trigger api"
json_is .triggered_by alice "who triggered it is recorded"
ok "it was stored with its job in the same transaction" \
	test "$(psql_stack -c "SELECT count(*) FROM jobs WHERE deployment_id = '$DEPLOY_ID' AND kind = 'deploy'")" = 1
one=$DEPLOY_ID
ok "the deployment is released" wait_state "$one" released 30
http GET "$PLATFORM_URL/api/deployments/$one" -H "Authorization: Bearer $TOKEN"
is "$HTTP_STATUS" 200 "GET /api/deployments/{id} answers 200"
like "$(json_get .image)" '^registry\.local/platform/alice-web$' "the image repository came from the pipeline"
like "$(json_get .tag)" '^web-0123456789ab-[0-9]+$' "the tag came from the pipeline"
like "$(json_get .digest)" '^sha256:[0-9a-f]{64}$' "the digest came from the pipeline"
like "$(json_get .gitops_commit)" '^[0-9a-f]{40}$' "the GitOps commit came from the pipeline"
like "$(json_get .jenkins_build)" '^[0-9]+$' "the Jenkins build number is recorded"
like "$(json_get .jenkins_queue_id)" '^[0-9]+$' "the Jenkins queue id is recorded"
for s in queued building pushed released; do
	like "$(json_get ".${s}_at")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' "${s}_at is an RFC 3339 UTC time"
done
json_is .error null "a released deployment has no error"
ok "the stored log equals what Jenkins printed, byte for byte" log_matches "$one"
trig=$(fake_get triggers | jq -c --arg id "$one" '.[] | select(.deployment_id == $id) | .params')
is "$(jq -r '[.REPO_URL, .BRANCH, .COMMIT, .PROJECT_NAME, .USER_ID, .WORKSPACE_ID, .APP_PORT, .ACTION, .IMAGE_TAG, .CUSTOM_DOMAIN] | join(",")' <<<"$trig")" \
	"https://github.com/alice/web,main,0123456789abcdef0123456789abcdef01234567,web,alice,alice,8080,build,," \
	"buildWithParameters got the project's parameters"
is "$(jq -r .PLATFORM_DOMAIN <<<"$trig")" "apps.localhost" "PLATFORM_DOMAIN is the platform domain"
is "$(jq -r .CALLBACK_URL <<<"$trig")" "$PLATFORM_URL/internal/jenkins/events" "CALLBACK_URL is the public callback endpoint"
is "$(fake_get triggers | jq --arg id "$one" '[.[] | select(.deployment_id == $id) | .has_token] | all')" true \
	"a CALLBACK_TOKEN was handed to Jenkins"
token_gone() { test "$(psql_stack -c "SELECT callback_token_hash IS NULL FROM deployments WHERE id = '$1'")" = t; }
ok "the callback token (only its hash was stored) dies once the build has ended" wait_until 10 token_gone "$one"
ok "the job is done" test "$(psql_stack -c "SELECT state FROM jobs WHERE deployment_id = '$one'")" = done

# ---- a failing build ends failed with the pipeline's reason
broken=$(t4_project broken)
fake_config '{"byProject":{"broken":{"result":"FAILURE","lines":4}}}'
deploy "$broken"
bad=$DEPLOY_ID
ok "a failing build ends failed" wait_state "$bad" failed 30
like "$(psql_stack -c "SELECT error FROM deployments WHERE id = '$bad'")" 'npm run build exited with 1' \
	"the failure reason is the one the pipeline reported"
ok "its log is stored too" log_matches "$bad"

# ---- 50 deploys over 10 projects at once
fake_config '{"default":{"queueMs":200,"lines":12,"lineMs":80,"splitUtf8":true},"byProject":{"p9":{"result":"FAILURE"}}}'
projects=()
for i in $(seq 0 9); do projects+=("$(t4_project "p$i")"); done
: >"$TEST_TMP/ids"
pids=()
for round in 1 2 3 4 5; do
	for i in $(seq 0 9); do
		(
			curl -sS --max-time 30 -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
				--data '{}' -w '\n%{http_code}\n' "$PLATFORM_URL/api/projects/${projects[$i]}/deploy" >"$TEST_TMP/d.$round.$i"
		) &
		pids+=($!)
	done
done
wait "${pids[@]}" # (a bare wait would wait for the fake and the worker too)
codes=$(for f in "$TEST_TMP"/d.*; do tail -n1 "$f"; done | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
is "$codes" " 50 202 " "50 concurrent deploys all answer 202"
for f in "$TEST_TMP"/d.*; do head -n1 "$f" | jq -r .id; done >"$TEST_TMP/ids"
is "$(sort -u "$TEST_TMP/ids" | grep -c .)" 50 "50 distinct deployments"
is "$(psql_stack -c "SELECT count(DISTINCT (project_id, seq)) FROM deployments d JOIN projects p ON p.id = d.project_id WHERE p.name ~ '^p[0-9]$'")" 50 \
	"per-project sequence numbers never collide"
is "$(psql_stack -c "SELECT string_agg(DISTINCT m::text, ',') FROM (SELECT max(seq) AS m FROM deployments d JOIN projects p ON p.id = d.project_id WHERE p.name ~ '^p[0-9]$' GROUP BY project_id) s")" 5 \
	"each project counts 1..5"
all_final() {
	[ "$(psql_stack -c "SELECT count(*) FROM deployments d JOIN projects p ON p.id = d.project_id WHERE p.name ~ '^p[0-9]$' AND state IN ('released', 'failed')")" = 50 ]
}
ok "all 50 reach a final state" wait_until 90 all_final
is "$(psql_stack -c "SELECT string_agg(n || ' ' || state, ', ' ORDER BY state) FROM (SELECT state, count(*) AS n FROM deployments d JOIN projects p ON p.id = d.project_id WHERE p.name ~ '^p[0-9]$' GROUP BY state) s")" \
	"5 failed, 45 released" "45 released, 5 failed (the project scripted to fail)"
is "$(dup_triggers)" "" "no build was triggered twice"
mismatch=0
while read -r id; do log_matches "$id" || mismatch=$((mismatch + 1)); done <"$TEST_TMP/ids"
is "$mismatch" 0 "every stored log equals the Jenkins log byte for byte"
is "$(psql_stack -c "SELECT count(*) FROM jobs WHERE state <> 'done'")" 0 "every job is done"
ok "the Jenkins token never reaches a log" no_secret_in "$TEST_TMP"/worker-*.log "$STACK_DIR"/logs/*.log
ok "the worker is still running" alive "$WORKER_w1"
worker_stop w1
done_testing

#!/usr/bin/env bash
# t8002-argocd-chain.sh: deploy v1..v3 through the fake Jenkins (real GitOps writes) and the fake Argo CD to live, roll back to v1, refusals, Degraded, no convergence, rollback racing a deploy
. "${top_srcdir:-.}/tests/t8-lib.sh"

t8_stack
t4_seed alice
# the pipeline's release stage really writes the bare GitOps repository (platformctl)
fake_config '{"default":{"queueMs":50,"lines":3,"lineMs":40,"gitops":true}}'
worker_start w1
web=$(t4_project web)
APP=alice-alice-web
APP_PATH=apps/alice/alice/web

# ---- v1, v2, v3: Jenkins releases into GitOps, Argo CD takes each to live
ids=() tags=() commits=()
for v in 1 2 3; do
	deploy "$web" "{\"commit\":\"${v}${v}${v}456789abcdef0123456789abcdef01234567\"}"
	ids+=("$DEPLOY_ID")
	ok "v$v goes live" wait_live "$DEPLOY_ID"
	tags+=("$(deployment tag "$DEPLOY_ID")")
	commits+=("$(deployment gitops_commit "$DEPLOY_ID")")
	is "${commits[-1]}" "$(gitops_tip)" "v$v's recorded GitOps commit is the tip of the GitOps repo"
	is "$(gitops_tag "$APP_PATH")" "${tags[-1]}" "values.yaml holds v$v's tag"
done
v1=${ids[0]} v3=${ids[2]}
like "$(deployment "syncing_at IS NOT NULL AND live_at IS NOT NULL AND released_at <= syncing_at AND syncing_at <= live_at" "$v3")" '^t$' \
	"released, syncing and live were passed in order"
ok "Argo CD was asked to refresh right after the commit" \
	test "$(argo_requests "$APP" | grep -c 'refresh=normal')" -ge 3
is "$(deployment error "$v3")" "" "a live deployment has no error"
ok "no Argo CD token in the worker's log" not grep -q -- "$PLATFORM_ARGOCD_TOKEN" "$TEST_TMP/worker-w1.log"

# ---- roll back to v1: no build, a new GitOps commit with v1's tag, tracked to live
triggers_before=$(fake_get triggers | jq length)
http POST "$PLATFORM_URL/api/projects/$web/rollback" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data "{\"deployment_id\":\"$v1\"}"
is "$HTTP_STATUS" 202 "a rollback to v1 is accepted"
rb=$(json_get .id)
json_is .trigger rollback "as a deployment with trigger rollback"
ok "the rollback goes live" wait_live "$rb"
is "$(gitops_tag "$APP_PATH")" "${tags[0]}" "GitOps holds v1's tag again"
is "$(deployment gitops_commit "$rb")" "$(gitops_tip)" "in a new commit, recorded on the rollback"
isnt "$(gitops_tip)" "${commits[0]}" "history is not rewritten: not v1's old commit"
is "$(git -C "$GITOPS_REPO" rev-list --count main)" 4 "four release commits in the GitOps history"
like "$(git -C "$GITOPS_REPO" log -1 --format=%B main)" "$rb" "the commit names the rollback deployment"
is "$(fake_get triggers | jq length)" "$triggers_before" "the direct rollback asked Jenkins for nothing"
http GET "$PLATFORM_URL/api/projects/$web/deployments" -H "Authorization: Bearer $TOKEN"
is "$(json_get '.items | length')" 4 "history shows four deployments"
is "$(json_get '[.items[].trigger] | join(",")')" "rollback,api,api,api" "newest first, the rollback on top"
http GET "$PLATFORM_URL/api/projects/$web" -H "Authorization: Bearer $TOKEN"
json_is .current_deployment.id "$rb" "the project's current deployment is the rollback"
json_is .current_deployment.tag "${tags[0]}" "serving v1's tag"
json_is .latest_deployment.id "$rb" "which is also the latest"

# ---- refusals: a failed deployment and an unknown one are not versions
broken=$(t4_project broken)
fake_config '{"byProject":{"broken":{"result":"FAILURE","lines":2}}}'
deploy "$broken"
bad=$DEPLOY_ID
ok "a failing build fails" wait_state "$bad" failed 30
http POST "$PLATFORM_URL/api/projects/$web/rollback" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data "{\"deployment_id\":\"$bad\"}"
like "$HTTP_STATUS" '^(404|409)$' "a rollback to another project's failed deployment is refused"
http POST "$PLATFORM_URL/api/projects/$broken/rollback" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data "{\"deployment_id\":\"$bad\"}"
is "$HTTP_STATUS" 409 "a rollback to a failed deployment is refused (409)"
http POST "$PLATFORM_URL/api/projects/$web/rollback" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{"deployment_id":"00000000-0000-4000-8000-000000000000"}'
is "$HTTP_STATUS" 404 "a rollback to an unknown deployment is refused (404)"
is "$(psql_stack -c "SELECT count(*) FROM deployments WHERE project_id = '$web'")" 4 "refusals create no deployment"

# ---- Degraded: the deployment fails with Argo CD's reason
sad=$(t4_project sad)
argo_script alice-alice-sad '[{"sync":"OutOfSync","health":"Progressing"},{"sync":"Synced","health":"Degraded","message":"Back-off pulling image registry.local/alice/sad"}]'
deploy "$sad"
ok "a Degraded application fails the deployment" wait_state "$DEPLOY_ID" failed 30
like "$(deployment error "$DEPLOY_ID")" 'Degraded.*Back-off pulling image' "with Argo CD's message as the reason"
like "$(deployment "syncing_at IS NOT NULL" "$DEPLOY_ID")" '^t$' "after syncing"

# ---- no convergence within the limit
slow=$(t4_project slow)
argo_script alice-alice-slow '[{"sync":"OutOfSync","health":"Progressing"}]'
deploy "$slow"
ok "an application that never converges fails" wait_state "$DEPLOY_ID" failed $((PLATFORM_ARGOCD_TIMEOUT + 20))
like "$(deployment error "$DEPLOY_ID")" "^Argo CD did not converge within $PLATFORM_ARGOCD_TIMEOUT s: last status sync OutOfSync, health Progressing" \
	"the reason names the limit and the last status"

# ---- a rollback racing a deploy of one project: the later request wins
# (a) deploy, then at once a rollback: the rollback supersedes the deploy still building
race=$(t4_project race)
fake_config '{"byProject":{"race":{"lines":2,"lineMs":40}}}'
deploy "$race"
r1=$DEPLOY_ID
ok "race v1 goes live" wait_live "$r1"
fake_config '{"byProject":{"race":{"lines":15,"lineMs":100}}}'
deploy "$race"
d2=$DEPLOY_ID
http POST "$PLATFORM_URL/api/projects/$race/rollback" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data "{\"deployment_id\":\"$r1\"}"
rb2=$(json_get .id)
ok "(a) the rollback that came second goes live" wait_live "$rb2"
ok "(a) the deploy that came first ends superseded" wait_state "$d2" superseded 30
ok "(a) its job is over" wait_until 30 job_done "$d2"
is "$(gitops_tag apps/alice/alice/race)" "$(deployment tag "$r1")" "(a) GitOps holds the rollback's tag"
# (b) rollback, then at once a deploy: the deploy is the one left serving
fake_config '{"byProject":{"race":{"lines":3,"lineMs":40}}}'
http POST "$PLATFORM_URL/api/projects/$race/rollback" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data "{\"deployment_id\":\"$r1\"}"
rb3=$(json_get .id)
deploy "$race"
d4=$DEPLOY_ID
ok "(b) the deploy that came second goes live" wait_live "$d4"
ok "(b) the rollback's job is over" wait_until 30 job_done "$rb3"
like "$(state_of "$rb3")" '^(superseded|live)$' "(b) the rollback was superseded, or was live before the deploy replaced it"
is "$(gitops_tag apps/alice/alice/race)" "$(deployment tag "$d4")" "(b) GitOps ends with the deploy's tag"
http GET "$PLATFORM_URL/api/projects/$race" -H "Authorization: Bearer $TOKEN"
json_is .current_deployment.id "$d4" "(b) the project's current deployment is the deploy"

ok "no job left running" test "$(psql_stack -c "SELECT count(*) FROM jobs WHERE kind = 'deploy' AND state <> 'done'")" = 0
ok "the worker is still running" alive "$WORKER_w1"
done_testing

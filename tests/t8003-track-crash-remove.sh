#!/usr/bin/env bash
# t8003-track-crash-remove.sh: a worker killed while a deployment syncs is replaced and tracking resumes; rollback through Jenkins (PLATFORM_ROLLBACK_MODE=jenkins); a deleted project leaves GitOps
export PLATFORM_ARGOCD_TIMEOUT=25
. "${top_srcdir:-.}/tests/t8-lib.sh"

t8_stack
t4_seed bob
fake_config '{"default":{"queueMs":50,"lines":3,"lineMs":40,"gitops":true}}'
worker_start w1
api=$(t4_project api)
APP_PATH=apps/bob/bob/api

# ---- SIGKILL while syncing: the job stays held, the next worker resumes tracking
steps=$(jq -nc '[range(40) | {sync:"OutOfSync",health:"Progressing"}] + [{sync:"Synced",health:"Healthy"}]')
argo_script bob-bob-api "$steps"
deploy "$api"
one=$DEPLOY_ID
ok "the deployment reaches syncing" wait_state "$one" syncing 30
is "$(psql_stack -c "SELECT state FROM jobs WHERE deployment_id = '$one'")" running \
	"its job is still held while Argo CD syncs"
worker_stop w1 KILL
worker_start w2
ok "after the crash another worker takes tracking over and it goes live" wait_live "$one"
ok "its job is done" wait_until 10 job_done "$one"
is "$(deployment error "$one")" "" "without an error"
ok "the new worker moved it to live" grep -q '"msg":"deployment state".*"state":"live"' "$TEST_TMP/worker-w2.log"
worker_stop w2

# ---- PLATFORM_ROLLBACK_MODE=jenkins: the seed's path, ACTION=rollback and IMAGE_TAG
argo_script bob-bob-api '[{"sync":"OutOfSync","health":"Progressing"},{"sync":"Synced","health":"Healthy"}]'
deploy "$api"
two=$DEPLOY_ID
PLATFORM_ROLLBACK_MODE=jenkins worker_start w3
ok "a second version goes live" wait_live "$two"
tag1=$(deployment tag "$one")
http POST "$PLATFORM_URL/api/projects/$api/rollback" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data "{\"deployment_id\":\"$one\"}"
rb=$(json_get .id)
ok "the rollback through Jenkins goes live" wait_live "$rb"
is "$(fake_get triggers | jq -r --arg id "$rb" '.[] | select(.deployment_id == $id) | "\(.params.ACTION) \(.params.IMAGE_TAG)"')" \
	"rollback $tag1" "Jenkins was asked for ACTION=rollback with the old IMAGE_TAG"
is "$(gitops_tag "$APP_PATH")" "$tag1" "the pipeline wrote the old tag to GitOps"
is "$(deployment gitops_commit "$rb")" "$(gitops_tip)" "and the rollback records that commit"
worker_stop w3

# ---- a worker with a bad rollback mode refuses to start
PLATFORM_ROLLBACK_MODE=sideways "$PLATFORM_WORKER_BIN" >"$TEST_TMP/bad-mode.log" 2>&1
is "$?" 1 "PLATFORM_ROLLBACK_MODE=sideways: the worker refuses to start"
like "$(cat "$TEST_TMP/bad-mode.log")" 'PLATFORM_ROLLBACK_MODE must be direct or jenkins' "and says why"

# ---- a deleted project's app leaves the GitOps repository (job gitops_remove)
worker_start w4
ok "the app is in GitOps" test -n "$(git -C "$GITOPS_REPO" ls-tree main "$APP_PATH/")"
http DELETE "$PLATFORM_URL/api/projects/$api" -H "Authorization: Bearer $TOKEN"
is "$HTTP_STATUS" 204 "the project is deleted"
app_gone() { test -z "$(git -C "$GITOPS_REPO" ls-tree main "$APP_PATH/")"; }
remove_done() { test "$(psql_stack -c "SELECT state FROM jobs WHERE kind = 'gitops_remove'")" = done; }
ok "its app folder is removed from GitOps" wait_until 20 app_gone
ok "the gitops_remove job is done" wait_until 10 remove_done
like "$(git -C "$GITOPS_REPO" log -1 --format=%s main)" 'remove|Remove|delete' "in a removal commit"
ok "no Argo CD or GitOps secret in the worker logs" not grep -q -- "$PLATFORM_ARGOCD_TOKEN" "$TEST_TMP"/worker-*.log
done_testing

#!/usr/bin/env bash
# t8004-auto-rollback.sh: a release that fails under Argo CD (Degraded) is followed by an
# automatic rollback to the last live version, written to git as a new commit; a failed
# automatic rollback is never rolled back again; with auto_rollback off the failed release stays
# in git and the project's drift says so
. "${top_srcdir:-.}/tests/t8-lib.sh"

t8_stack
t4_seed alice
fake_config '{"default":{"queueMs":50,"lines":2,"lineMs":20,"gitops":true}}'
worker_start w1
p=$(t4_project flaky)
APP=alice-alice-flaky APP_PATH=apps/alice/alice/flaky
DEGRADED='[{"sync":"OutOfSync","health":"Progressing"},{"sync":"Synced","health":"Degraded","message":"Back-off restarting failed container"}]'
api() { http "$1" "$PLATFORM_URL$2" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' ${3:+--data "$3"}; }
n_auto() { psql_stack -c "SELECT count(*) FROM deployments WHERE project_id = '$p' AND trigger = 'auto_rollback'"; }

api GET "/api/projects/$p"
json_is .auto_rollback true "auto_rollback is on by default"
json_is .drift null "no drift before anything failed"

# ---- v1 live, v2 Degraded: an automatic rollback to v1 follows and goes live
deploy "$p" '{"commit":"1111456789abcdef0123456789abcdef01234567"}'
v1=$DEPLOY_ID
ok "v1 goes live" wait_live "$v1"
v1_tag=$(deployment tag "$v1")
# the script's Degraded applies to the next sync only: the rollback's own sync is healthy
curl -sS -f -o /dev/null -X POST -H 'Content-Type: application/json' \
	--data "{\"app\":\"$APP\",\"steps\":$DEGRADED,\"syncs\":1}" "$ARGO_URL/_fake/script"
deploy "$p" '{"commit":"2222456789abcdef0123456789abcdef01234567"}'
v2=$DEPLOY_ID
ok "v2 fails (Degraded)" wait_state "$v2" failed 30
wait_until 30 yields 1 n_auto
is "$(n_auto)" 1 "one automatic rollback is queued"
ar=$(psql_stack -c "SELECT id FROM deployments WHERE project_id = '$p' AND trigger = 'auto_rollback'")
is "$(deployment rollback_of "$ar")" "$v1" "it returns to the last live version (v1)"
is "$(deployment idempotency_key "$ar")" "auto_rollback:$v2" "keyed by the failed deployment"
ok "the automatic rollback goes live" wait_live "$ar"
is "$(gitops_tag "$APP_PATH")" "$v1_tag" "git holds v1's tag again"
is "$(deployment gitops_commit "$ar")" "$(gitops_tip)" "in a new commit, the tip"
like "$(git -C "$GITOPS_REPO" log -1 --format=%B main)" "$ar" "the commit names the rollback deployment"
is "$(git -C "$GITOPS_REPO" rev-list --count main)" 3 "history is never rewritten (v1, v2, the rollback)"
api GET "/api/deployments/$ar"
json_is .trigger auto_rollback "the API shows trigger auto_rollback"
api GET "/api/projects/$p"
json_is .drift null "git and what runs agree again"
json_is .current_deployment.id "$ar" "the rollback serves"
json_is .auto_deploy_paused false "an automatic rollback does not pause auto-deploy"
is "$(psql_stack -c "SELECT count(*) FROM audit_log WHERE action = 'project.auto_rollback' AND target_id = '$p'")" 1 \
	"the automatic rollback is audited"

# ---- a failed automatic rollback is not rolled back again (no loop)
curl -sS -f -o /dev/null -X POST -H 'Content-Type: application/json' \
	--data "{\"app\":\"$APP\",\"steps\":$DEGRADED,\"syncs\":2}" "$ARGO_URL/_fake/script"
deploy "$p" '{"commit":"3333456789abcdef0123456789abcdef01234567"}'
v3=$DEPLOY_ID
ok "v3 fails" wait_state "$v3" failed 30
wait_until 30 yields 2 n_auto
ar2=$(psql_stack -c "SELECT id FROM deployments WHERE idempotency_key = 'auto_rollback:$v3'")
ok "its automatic rollback fails too" wait_state "$ar2" failed 30
is "$(deployment rollback_of "$ar2")" "$ar" "it returned to the newest live version (the first rollback)"
sleep 3
is "$(n_auto)" 2 "no rollback of a failed automatic rollback"
api GET "/api/projects/$p"
json_is .drift.git_deployment_id "$ar2" "the project says git names the failed rollback"
json_is .drift.serving_deployment_id "$ar" "and which version serves"

# ---- auto_rollback off: the failed release stays in git; drift says so
api PATCH "/api/projects/$p" '{"auto_rollback":"yes"}'
is "$HTTP_STATUS" 422 "auto_rollback must be a boolean"
api PATCH "/api/projects/$p" '{"auto_rollback":false}'
is "$HTTP_STATUS" 200 "auto_rollback can be turned off"
json_is .auto_rollback false "and the project says so"
curl -sS -f -o /dev/null -X POST -H 'Content-Type: application/json' \
	--data "{\"app\":\"$APP\",\"steps\":$DEGRADED,\"syncs\":1}" "$ARGO_URL/_fake/script"
deploy "$p" '{"commit":"4444456789abcdef0123456789abcdef01234567"}'
v4=$DEPLOY_ID
ok "v4 fails" wait_state "$v4" failed 30
sleep 3
is "$(n_auto)" 2 "no automatic rollback with auto_rollback off"
is "$(gitops_tag "$APP_PATH")" "$(deployment tag "$v4")" "the failed release stays in git"
api GET "/api/projects/$p"
json_is .drift.git_deployment_id "$v4" "drift names the failed release in git"
json_is .drift.serving_deployment_id "$ar" "and the version still serving"
like "$(json_get .drift.message)" "previous version keeps serving" "with a sentence for a person"
done_testing

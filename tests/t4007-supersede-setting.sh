#!/usr/bin/env bash
# t4007-supersede-setting.sh: PLATFORM_DEPLOY_SUPERSEDE=0 holds for every trigger (a webhook's and
# a rollback's deploys used to supersede regardless), and a rollback's auto-deploy pause and audit
# row are stored in the deployment's transaction: all three, or none. The stack is a fresh dev
# stack without PLATFORM_PUBLIC_URL: scripts/dev-stack gives the API its nginx's URL, so turning
# auto-deploy on does not answer 503.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/github-fake.sh"

github_fake_up
export PLATFORM_DEPLOY_SUPERSEDE=0 PLATFORM_BUILD_DRIVER=none
unset PLATFORM_PUBLIC_URL
stack_up # the worker processes webhook deliveries and builds nothing: deployments stay queued
github_user gh-alice 4701 alice
sign_in gh-alice
A=$SESSION
api POST /api/workspaces "$A" '{"name":"Supersede"}'
WS=$(json_get .id)
api POST "/api/workspaces/$WS/projects" "$A" "{\"name\":\"web\",\"repo_url\":\"$FAKE_GITHUB/alice/sup\",\"auto_deploy\":true}"
is "$HTTP_STATUS" 201 "a project with auto-deploy, on a dev stack given no PLATFORM_PUBLIC_URL"
like "$(curl -fsS "$FAKE_GITHUB/_fake/hooks" | jq -r '."alice/sup"[0].config.url')" \
	"^http://127\.0\.0\.1:[0-9]+/hooks/github\$" "  its hook calls the stack's own nginx"
P=$(json_get .id)
SECRET=$(curl -fsS "$FAKE_GITHUB/_fake/hooks" | jq -r '."alice/sup"[0].config.secret')
state() { psql_stack -c "SELECT state FROM deployments WHERE id = '$1'"; }
q() { psql_stack -c "$1"; }

# a released version of the project to roll back to (its image is the project's own)
uid=$(q "SELECT user_id FROM projects WHERE id = '$P'")
V=$(q "WITH s AS (UPDATE projects SET deploy_seq = deploy_seq + 1 WHERE id = '$P' RETURNING deploy_seq)
	INSERT INTO deployments (project_id, seq, trigger, state, image, tag, released_at)
	SELECT '$P', deploy_seq, 'api', 'live', 'registry.test/$uid-web', 'v1', now() FROM s RETURNING id" | head -n1)

api POST "/api/projects/$P/deploy" "$A" '{}'
is "$HTTP_STATUS" 202 "a manual deploy is queued"
D1=$(json_get .id)

# ---- a webhook's deploy leaves the queued one alone
(cd "$top_srcdir/tests" && node webhooks/deliver.mjs --url "$PLATFORM_URL/hooks/github" --secret "$SECRET" \
	--event push --example 4 --repo alice/sup --ref refs/heads/main \
	--after 4707470747074707470747074707470747074707 --delivery t4007-push >"$TEST_TMP/push.json")
is "$(jq -r .status "$TEST_TMP/push.json")" 202 "a push is stored"
ok "the worker queues its deployment" delivery_settled t4007-push
D2=$(q "SELECT deployments[1] FROM webhook_deliveries WHERE delivery_id = 't4007-push'")
is "$(state "$D2")" queued "the webhook's deployment is queued"
is "$(state "$D1")" queued "and with PLATFORM_DEPLOY_SUPERSEDE=0 the older one is not superseded"

# ---- a rollback's deploy too
api POST "/api/projects/$P/rollback" "$A" "{\"deployment_id\":\"$V\"}"
is "$HTTP_STATUS" 202 "a rollback is queued"
R1=$(json_get .id)
is "$(state "$D1") $(state "$D2")" "queued queued" "and with PLATFORM_DEPLOY_SUPERSEDE=0 supersedes neither"
is "$(q "SELECT auto_deploy_paused FROM projects WHERE id = '$P'")" t "the rollback paused auto-deploy"
is "$(q "SELECT count(*) FROM audit_log WHERE action = 'project.rollback' AND target_id = '$P'")" 1 "and is audited"

# ---- the pause and the audit row are in the deployment's transaction
api PATCH "/api/projects/$P" "$A" '{"auto_deploy":true}'
is "$(q "SELECT auto_deploy_paused FROM projects WHERE id = '$P'")" f "auto-deploy resumed"
q "CREATE FUNCTION t4007_refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$
	BEGIN RAISE EXCEPTION 't4007: no audit row'; END \$\$;
	CREATE TRIGGER t4007_refuse BEFORE INSERT ON audit_log FOR EACH ROW
	WHEN (NEW.action = 'project.rollback') EXECUTE FUNCTION t4007_refuse()" >/dev/null
before=$(q "SELECT count(*) FROM deployments WHERE project_id = '$P'")/$(q "SELECT count(*) FROM jobs")
api POST "/api/projects/$P/rollback" "$A" "{\"deployment_id\":\"$V\"}"
is "$HTTP_STATUS" 500 "a rollback whose audit row cannot be written fails"
is "$(q "SELECT count(*) FROM deployments WHERE project_id = '$P'")/$(q "SELECT count(*) FROM jobs")" "$before" \
	"and leaves no deployment and no job behind"
is "$(q "SELECT auto_deploy_paused FROM projects WHERE id = '$P'")" f "nor a paused auto-deploy"
q "DROP TRIGGER t4007_refuse ON audit_log; DROP FUNCTION t4007_refuse()" >/dev/null
api POST "/api/projects/$P/rollback" "$A" "{\"deployment_id\":\"$V\"}"
is "$HTTP_STATUS" 202 "the same rollback once the audit row can be written"
R2=$(json_get .id)
is "$(q "SELECT auto_deploy_paused FROM projects WHERE id = '$P'")" t "pauses auto-deploy"
is "$(q "SELECT count(*) FROM audit_log WHERE action = 'project.rollback' AND target_id = '$P'")" 2 "and is audited"
is "$(state "$R1") $(state "$R2")" "queued queued" "both rollbacks are queued"
done_testing

#!/bin/bash
# t8001-versions.sh: versions and rollback through the API: what counts as a version, rollback
# by id or tag reuses the image without a build, refusals, the auto-deploy pause and its end,
# and the project's current/latest deployment (the worker's states are set in SQL here)
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/github-fake.sh"

github_fake_up
export PLATFORM_DOMAIN=apps.test PLATFORM_PUBLIC_URL=https://platform.example.test
# a worker that builds nothing (the states are set in SQL) but processes webhook deliveries
export PLATFORM_BUILD_DRIVER=none
stack_up
github_user gh-alice 8001 alice
sign_in gh-alice
A=$SESSION
github_user gh-vic 8002 vic
sign_in gh-vic
V=$SESSION
api POST /api/workspaces "$A" '{"name":"Versions"}'
WS=$(json_get .id)
api POST "/api/workspaces/$WS/members" "$A" '{"login":"vic","role":"viewer"}'
api POST "/api/workspaces/$WS/projects" "$A" "{\"name\":\"web\",\"repo_url\":\"$FAKE_GITHUB/alice/web\",\"auto_deploy\":true}"
P=$(json_get .id)
json_is .current_deployment null "a new project has nothing live"

# deploy TAG STATE: a deployment through the API, then moved by SQL as the worker would
deploy() {
	api POST "/api/projects/$P/deploy" "$A" '{}'
	local id
	id=$(json_get .id)
	psql_stack -c "UPDATE deployments SET state = '$2', image = 'registry.local/platform/' || (SELECT p.user_id || '-' || p.name FROM projects p WHERE p.id = deployments.project_id), tag = '$1',
		digest = 'sha256:$(printf '%064d' "${#1}")', gitops_commit = md5('$1') || 'abcdefgh',
		released_at = CASE WHEN '$2' IN ('released', 'live') THEN now() END,
		live_at = CASE WHEN '$2' = 'live' THEN now() END,
		failed_at = CASE WHEN '$2' = 'failed' THEN now() END WHERE id = '$id'" >/dev/null
	echo "$id"
}
V1=$(deploy v1 live)
V2=$(deploy v2 live)
F3=$(deploy v3 failed)
psql_stack -c "UPDATE deployments SET released_at = NULL WHERE id = '$F3'" >/dev/null
V4=$(deploy v4 live)

api GET "/api/projects/$P/versions" "$V"
is "$HTTP_STATUS" 200 "a viewer lists the versions"
is "$(json_get '[.items[].tag] | join(",")')" v4,v2,v1 "released versions, newest first; the failed one is not a version"
json_is '.items[0].current' true "the newest live one is current"
json_is '.items[1].current' false "older ones are not"
json_is '.items[0].triggered_by.login' alice "who deployed it"
api GET "/api/projects/$P" "$V"
json_is .current_deployment.tag v4 "the project shows what is live"
json_is .latest_deployment.id "$V4" "and its newest deployment"

# ---- refusals
before=$(db_fingerprint)
api POST "/api/projects/$P/rollback" "$V" "{\"deployment_id\":\"$V1\"}"
is "$HTTP_STATUS" 403 "a viewer cannot roll back"
api POST "/api/projects/$P/rollback" "$A" "{\"deployment_id\":\"$F3\"}"
is "$HTTP_STATUS" 409 "rolling back to a failed deployment: 409"
json_error not_a_version "and says it is not a version"
api POST "/api/projects/$P/rollback" "$A" '{"deployment_id":"00000000-0000-4000-8000-000000000000"}'
is "$HTTP_STATUS" 404 "an unknown deployment: 404"
api POST "/api/projects/$P/rollback" "$A" '{"tag":"v9"}'
is "$HTTP_STATUS" 404 "an unknown tag: 404"
json_is .error.field tag "naming the field"
api POST "/api/projects/$P/rollback" "$A" '{}'
is "$HTTP_STATUS" 422 "no target: 422"
api POST "/api/projects/$P/rollback" "$A" "{\"deployment_id\":\"$V1\",\"tag\":\"v1\"}"
is "$HTTP_STATUS" 422 "two targets: 422"
is "$(db_fingerprint)" "$before" "refused rollbacks change nothing"

# ---- rollback to v1
api POST "/api/projects/$P/rollback" "$A" "{\"deployment_id\":\"$V1\"}"
is "$HTTP_STATUS" 202 "roll back to v1"
R=$(json_get .id)
json_is .trigger rollback "a rollback deployment"
json_is .tag v1 "reusing v1's tag"
json_is .image "registry.local/platform/$(psql_stack -c "SELECT user_id FROM projects WHERE id = '$P'")-web" "and image"
json_is .rollback_of "$V1" "pointing at v1"
json_is .state queued "queued for the worker"
is "$(psql_stack -c "SELECT action FROM deployments WHERE id = '$R'")" rollback "no build: the action is rollback"
is "$(psql_stack -c "SELECT count(*) FROM deployments WHERE project_id = '$P'")" 5 "history keeps every deployment"
api GET "/api/projects/$P" "$A"
json_is .auto_deploy_paused true "auto-deploy is paused after a rollback"
json_is .auto_deploy true "but still on"
api GET "/api/workspaces/$WS/audit" "$A"
json_is '.items[0].action' project.rollback "the rollback is audited"

# a push while paused queues nothing
SECRET=$(curl -fsS "$FAKE_GITHUB/_fake/hooks" | jq -r '."alice/web"[0].config.secret')
out=$(cd "$top_srcdir/tests" && node webhooks/deliver.mjs --url "$PLATFORM_URL/hooks/github" --secret "$SECRET" \
	--event push --example 4 --repo alice/web --ref refs/heads/main --after 4444444444444444444444444444444444444444)
delivery_settled "$(jq -r .body.delivery_id <<<"$out")"
is "$DOUTCOME" ignored "a push while paused is ignored"
like "$DREASON" paused "and the reason says why"
api PATCH "/api/projects/$P" "$A" '{"auto_deploy":true}'
json_is .auto_deploy_paused false "turning auto-deploy on again resumes it"

# rollback by tag picks the newest version with that tag
api POST "/api/projects/$P/rollback" "$A" '{"tag":"v2"}'
is "$HTTP_STATUS" 202 "roll back by tag"
json_is .rollback_of "$V2" "to the version with that tag"
is "$(psql_stack -c "SELECT state FROM deployments WHERE id = '$R'")" superseded "the newer rollback supersedes the queued one"

done_testing

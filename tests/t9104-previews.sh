#!/usr/bin/env bash
# t9104-previews.sh: pull-request previews on real podman, the real registry and the stack's nginx,
# driven by signed pull_request deliveries (@octokit/webhooks-examples): opened -> the preview is
# live at its own host with PREVIEW and PR_NUMBER in its env, production untouched; synchronize ->
# the same preview updated; a fork's pull request is refused, then built without the project's
# env; PLATFORM_PREVIEW_MAX removes the oldest (gone from git, runtime, route and list); closed
# cancels an unfinished deployment; idle previews expire; DELETE removes one; other tenants see
# nothing
. "${top_srcdir:-.}/tests/lib.sh"

for t in buildah docker-registry busybox git podman runc; do
	command -v "$t" >/dev/null || { skip "$t is not installed (.ci/packages)"; done_testing; }
done
export PLATFORM_GITHUB_URL=file://$TEST_TMP/stack/repos PLATFORM_ALLOW_LOCAL_REPOS=1
export PLATFORM_WORKER_LEASE=5 PLATFORM_WORKER_POLL=1 PLATFORM_JENKINS_POLL_MS=200
export PLATFORM_RUNTIME_RESYNC=2 PLATFORM_RUNTIME_READY_TIMEOUT=20
export PLATFORM_GITHUB_WEBHOOK_SECRET=preview-secret PLATFORM_PREVIEW_MAX=2
export PLATFORM_PREVIEW_IDLE_DAYS=3 PLATFORM_HOUSEKEEP_INTERVAL=2 PLATFORM_NOTIFY_ALLOW_PRIVATE=1
unset PLATFORM_JENKINS_URL PLATFORM_GITOPS_URL PLATFORM_REGISTRY_URL PLATFORM_ARGOCD_URL PLATFORM_RUNTIME
stack_up postgres migrate api nginx registry gitops worker
# shellcheck disable=SC2086
pm() { podman $PLATFORM_PODMAN_FLAGS "$@"; }
state_of() { psql_stack -c "SELECT state FROM deployments WHERE id = '$1'"; }
at() { curl -sS --max-time 5 "http://$1.apps.localhost:$PLATFORM_NGINX_PORT/" 2>/dev/null; }
running() { pm ps --filter "label=platform.app=$1" --format '{{.Names}}' | wc -l; }
gitops_dir=${PLATFORM_GITOPS_URL#file://}
in_git() { git --git-dir="$gitops_dir" ls-tree -d --name-only main "apps/sample/sample/$1" 2>/dev/null; }
deliver() { # deliver ARGS...: a signed pull_request delivery; DID gets its id
	DID=pr-$RANDOM$RANDOM
	(cd "$top_srcdir/tests" && node webhooks/deliver.mjs --url "$PLATFORM_URL/hooks/github" \
		--secret "$PLATFORM_GITHUB_WEBHOOK_SECRET" --event pull_request --repo sample/site \
		--base-ref main --delivery "$DID" "$@") >"$TEST_TMP/deliver.out"
}
outcome() { psql_stack -c "SELECT outcome FROM webhook_deliveries WHERE delivery_id = '$1' AND state <> 'received'"; }
settled() { [ -n "$(outcome "$1")" ]; }
preview_dep() { # the newest deployment of pull request $1's active preview
	psql_stack -c "SELECT d.id FROM deployments d JOIN previews v ON v.id = d.preview_id
		WHERE v.number = $1 AND v.state = 'active' ORDER BY d.seq DESC LIMIT 1"
}
unlike() { ok "$3" not grep -qE "$2" <<<"$1"; }
# conditions for wait_until, read again at each try
state_is() { [ "$(state_of "$1")" = "$2" ]; }
not_in_git() { [ -z "$(in_git "$1")" ]; }
none_running() { [ "$(running "$1")" = 0 ]; }
container_env() { pm exec "$(pm ps --filter "label=platform.app=$1" --format '{{.Names}}' | head -n1)" env; }

# The sample user and project as t9101 makes them (a file:// repository cannot pass the API's
# GitHub access check), with the repository verified so that its webhooks are trusted.
tok=sample-$RANDOM$RANDOM$RANDOM
psql_stack -c "INSERT INTO users (id, github_id, login) VALUES ('sample', 4242, 'sample')" \
	-c "INSERT INTO workspaces (id, name, personal_of, created_by) VALUES ('sample', 'sample', 'sample', 'sample')" \
	-c "INSERT INTO members (workspace_id, user_id, role) VALUES ('sample', 'sample', 'owner')" \
	-c "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (sha256('$tok'::bytea), 'sample', now() + interval '1 day')" \
	-c "INSERT INTO projects (workspace_id, user_id, name, repo_url, branch, port, auto_deploy,
		repo_key, repo_verified_at, repo_verified_by)
		VALUES ('sample', 'sample', 'site', '$PLATFORM_GITHUB_URL/sample/site', 'main', 8080, false,
		'sample/site', now(), 'sample')" >/dev/null
echo "$tok" >"$STACK_DIR/sample.token"
"$top_srcdir/scripts/sample-deploy" "$STACK_DIR" >"$TEST_TMP/sample.out" 2>&1
is "$?" 0 "the production deploy ends live"
pid=$(psql_stack -c "SELECT id FROM projects WHERE name = 'site'")
api() { http "$1" "$PLATFORM_URL$2" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' ${3:+--data "$3"}; }
prod=$(at site-sample)
like "$prod" "Deployed by the platform's local builder" "production answers at its host"

# the workspace hears when a preview is ready: a signed notification to a loopback receiver
pf=$TEST_TMP/receiver.port
node "$top_srcdir/tests/notify/receiver.js" "$pf" >"$TEST_TMP/receiver.log" 2>&1 &
bg_register $!
wait_until 10 test -s "$pf" || bail_out "the receiver did not start"
RECV=http://127.0.0.1:$(cat "$pf")
api POST /api/workspaces/sample/notifications "{\"url\":\"$RECV/ok/pv\",\"events\":[\"preview.ready\"],\"secret\":\"preview-notify-secret-0123456789\"}"
is "$HTTP_STATUS" 201 "a notification subscribes to preview.ready" || diag "$HTTP_BODY"
ready() { curl -sS --max-time 5 "$RECV/_recv/requests" | jq -c '[.[] | select(.path == "/ok/pv")]'; }

# the pull requests' heads, where GitHub keeps them: refs/pull/<n>/head of the base repository
repo=$STACK_DIR/repos/sample/site
git -C "$repo" config user.email t@localhost && git -C "$repo" config user.name t
pr_commit() { # pr_commit N TEXT: a commit off main with TEXT as the page, at refs/pull/N/head
	git -C "$repo" checkout -q -B "pr$1" main
	printf '<h1>%s</h1>\n' "$2" >"$repo/index.html"
	git -C "$repo" commit -qam "$2"
	git -C "$repo" update-ref "refs/pull/$1/head" HEAD
	git -C "$repo" checkout -q main
	git -C "$repo" rev-parse "refs/pull/$1/head"
}

# 1. previews are off by default: a pull request deploys nothing
sha7=$(pr_commit 7 "pull request seven")
deliver --action opened --number 7 --head-sha "$sha7" --title "Seven"
wait_until 20 settled "$DID"
is "$(outcome "$DID")" ignored "with previews off, a pull request is ignored"
api PATCH "/api/projects/$pid" '{"previews":true,"env":{"SECRET_TOKEN":"s3cr3t-value-42"}}'
is "$HTTP_STATUS" 200 "previews are turned on"
is "$(jq -r '.previews, .preview_forks' <<<"$HTTP_BODY" | tr '\n' ' ')" "true false " \
	"the project says previews on, forks off"

# 2. opened: the preview is live at <project>-pr-<n>-<user>, production untouched
deliver --action opened --number 7 --head-sha "$sha7" --title "Seven"
wait_until 20 settled "$DID"
is "$(outcome "$DID")" queued "an opened pull request queues its preview"
p7=$(preview_dep 7)
wait_until 120 state_is "$p7" live
is "$(state_of "$p7")" live "the preview's deployment goes live"
like "$(at site-pr-7-sample)" "pull request seven" "the preview answers at its own host"
is "$(at site-sample)" "$prod" "production still answers with its own version"
ok "the preview has its own GitOps folder" test -n "$(in_git site-pr-7)"
ok "preview.ready is delivered" wait_until 20 eval '[ "$(ready | jq length)" -ge 1 ]'
r=$(ready | jq -c '.[0]')
rb=$(jq -r .body_base64 <<<"$r" | base64 -d)
is "$(jq -r '[.event, .preview.number, .preview.live_url] | join(",")' <<<"$rb")" \
	"preview.ready,7,http://site-pr-7-sample.apps.localhost:$PLATFORM_NGINX_PORT" "naming the pull request and the preview's URL"
want=sha256=$(jq -r .body_base64 <<<"$r" | base64 -d | openssl dgst -sha256 -hmac preview-notify-secret-0123456789 | sed 's/^.*= //')
is "$(jq -r '.headers["x-platform-signature-256"]' <<<"$r")" "$want" "signed with the subscription's secret"
env7=$(container_env sample-sample-site-pr-7)
like "$env7" "PREVIEW=1" "its env has PREVIEW=1"
like "$env7" "PR_NUMBER=7" "and PR_NUMBER"
like "$env7" "SECRET_TOKEN=s3cr3t-value-42" "and the project's env (not a fork)"
api GET "/api/projects/$pid/previews"
is "$HTTP_STATUS" 200 "the previews list answers"
is "$(jq -r '.items | length' <<<"$HTTP_BODY")" 1 "one preview"
is "$(jq -r '.items[0] | "\(.number) \(.state) \(.latest_deployment.state) \(.latest_deployment.id)"' <<<"$HTTP_BODY")" \
	"7 active live $p7" "with its number, state and latest deployment"
is "$(jq -r '.items[0].live_url' <<<"$HTTP_BODY")" "http://site-pr-7-sample.apps.localhost:$PLATFORM_NGINX_PORT" \
	"and its live URL"
api GET "/api/deployments/$p7"
is "$(json_get .preview_number)" 7 "the deployment names its pull request"
api GET "/api/projects/$pid"
is "$(json_get .current_deployment.id)" "$(psql_stack -c "SELECT id FROM deployments WHERE project_id = '$pid' AND preview_id IS NULL ORDER BY seq DESC LIMIT 1")" \
	"the project's current deployment is still production's"
api GET "/api/projects/$pid/versions"
is "$(jq -r "[.items[] | select(.id == \"$p7\")] | length" <<<"$HTTP_BODY")" 0 "a preview is not a version of the project"

# 3. synchronize: the same preview, a new head
git -C "$repo" checkout -q pr7 && printf '<h1>seven, second push</h1>\n' >"$repo/index.html"
git -C "$repo" commit -qam second && git -C "$repo" update-ref refs/pull/7/head HEAD && git -C "$repo" checkout -q main
sha7b=$(git -C "$repo" rev-parse refs/pull/7/head)
deliver --action synchronize --number 7 --head-sha "$sha7b" --title "Seven"
wait_until 20 settled "$DID"
p7b=$(preview_dep 7)
isnt "$p7b" "$p7" "a push to the pull request queues a new deployment"
wait_until 120 state_is "$p7b" live
like "$(at site-pr-7-sample)" "seven, second push" "the same host answers with the new head"
is "$(psql_stack -c "SELECT count(*) FROM previews WHERE number = 7")" 1 "still one preview"
redo=$DID
deliver --action synchronize --number 7 --head-sha "$sha7b" --title "Seven"
wait_until 20 settled "$DID"
is "$(outcome "$DID")" queued "a replayed push is processed"
is "$(preview_dep 7)" "$p7b" "and finds the deployment it queued: nothing new"
: "$redo"

# 4. a fork: refused while preview_forks is off, then built without the project's env
sha8=$(pr_commit 8 "from a fork")
deliver --action opened --number 8 --head-sha "$sha8" --head-repo mallory/site
wait_until 20 settled "$DID"
is "$(outcome "$DID")" ignored "a fork's pull request is not previewed by default"
is "$(psql_stack -c "SELECT count(*) FROM previews WHERE number = 8")" 0 "nothing is stored for it"
api PATCH "/api/projects/$pid" '{"preview_forks":true}'
deliver --action synchronize --number 8 --head-sha "$sha8" --head-repo mallory/site
wait_until 20 settled "$DID"
p8=$(preview_dep 8)
wait_until 120 state_is "$p8" live
like "$(at site-pr-8-sample)" "from a fork" "with preview_forks on, the fork's preview goes live"
env8=$(container_env sample-sample-site-pr-8)
like "$env8" "PR_NUMBER=8" "it has the preview's env"
unlike "$env8" "SECRET_TOKEN" "but none of the project's"
unlike "$(psql_stack -c "SELECT string_agg(chunk, '') FROM deployment_logs WHERE deployment_id = '$p8'")" \
	"s3cr3t-value-42" "the fork's build log has no secret"

# 5. PLATFORM_PREVIEW_MAX=2: a third pull request removes the oldest (7): git, runtime, route, list;
# it is closed at once, so its deployment is still queued or building when its preview goes
sha9=$(pr_commit 9 "nine")
deliver --action opened --number 9 --head-sha "$sha9"
open9=$DID
deliver --action closed --number 9 --head-sha "$sha9"
close9=$DID
wait_until 20 settled "$open9"
wait_until 20 settled "$close9"
p9=$(psql_stack -c "SELECT d.id FROM deployments d JOIN previews v ON v.id = d.preview_id WHERE v.number = 9")
is "$(outcome "$open9")" queued "a third pull request is previewed"
is "$(psql_stack -c "SELECT removed_reason FROM previews WHERE number = 7")" limit "the oldest preview goes at the limit"
wait_until 30 not_in_git site-pr-7
is "$(in_git site-pr-7)" "" "its folder leaves git"
wait_until 30 none_running sample-sample-site-pr-7
is "$(running sample-sample-site-pr-7)" 0 "its containers go"
ok "and its route" test ! -e "$STACK_DIR/nginx/apps/sample-sample-site-pr-7.conf"
unlike "$(at site-pr-7-sample)" "seven" "its host no longer serves it"
api GET "/api/projects/$pid/previews"
is "$(jq -r '[.items[].number] | sort | join(",")' <<<"$HTTP_BODY")" "8" "the list has the open one (9 closed at once)"

# 6. closed before its build ended: the deployment is cancelled, nothing reaches git
is "$(outcome "$close9")" removed "closing the pull request removes its preview"
is "$(psql_stack -c "SELECT removed_reason FROM previews WHERE number = 9")" closed "recorded as closed"
wait_until 60 state_is "$p9" cancelled
is "$(state_of "$p9")" cancelled "its unfinished deployment is cancelled"
sleep 2
is "$(in_git site-pr-9)" "" "and its release never reaches git"

# 7. other tenants see and remove nothing
psql_stack -c "INSERT INTO users (id, github_id, login) VALUES ('other', 4343, 'other')" \
	-c "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (sha256('other-tok'::bytea), 'other', now() + interval '1 day')" >/dev/null
http GET "$PLATFORM_URL/api/projects/$pid/previews" -H "Authorization: Bearer other-tok"
is "$HTTP_STATUS" 404 "another user's GET of the previews: 404"
http DELETE "$PLATFORM_URL/api/projects/$pid/previews/8" -H "Authorization: Bearer other-tok"
is "$HTTP_STATUS" 404 "and DELETE: 404"
is "$(psql_stack -c "SELECT state FROM previews WHERE number = 8")" active "the preview stays"

# 8. idle: a preview without a new head for PLATFORM_PREVIEW_IDLE_DAYS goes with the housekeeping
psql_stack -c "UPDATE previews SET updated_at = now() - interval '4 days' WHERE number = 8" >/dev/null
wait_until 30 eval '[ "$(psql_stack -c "SELECT state FROM previews WHERE number = 8")" = removed ]'
is "$(psql_stack -c "SELECT removed_reason FROM previews WHERE number = 8")" idle "an idle preview expires"
wait_until 30 not_in_git site-pr-8
is "$(in_git site-pr-8)" "" "and leaves git"

# 9. reopened gets a new preview; DELETE removes it; a second DELETE is 404
deliver --action reopened --number 7 --head-sha "$sha7b"
wait_until 20 settled "$DID"
is "$(psql_stack -c "SELECT count(*) FROM previews WHERE number = 7 AND state = 'active'")" 1 "a reopened pull request gets its preview again"
api DELETE "/api/projects/$pid/previews/7"
is "$HTTP_STATUS" 204 "DELETE removes a preview"
is "$(psql_stack -c "SELECT removed_reason FROM previews WHERE number = 7 AND state = 'removed' ORDER BY removed_at DESC LIMIT 1")" deleted \
	"recorded as deleted"
api DELETE "/api/projects/$pid/previews/7"
is "$HTTP_STATUS" 404 "a second DELETE: 404"
is "$(json_get .error.code)" preview_not_found "preview_not_found"
api DELETE "/api/projects/$pid/previews/abc"
is "$HTTP_STATUS" 404 "a malformed number: 404"
is "$(at site-sample)" "$prod" "production answered all along"
"$DEV_STACK" down "$STACK_DIR" 2>/dev/null
done_testing

#!/bin/bash
# t7002-tenant-repos.sh: a project deploys only a repository its owner showed GitHub they can
# read (and administer when a hook has to be made), checked with their own token; webhook pushes
# reach only such projects; a project's delivery list shows what that project did; one push
# (repository, ref, after) queues at most one deployment per project whatever its delivery id
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/github-fake.sh"

github_fake_up
export PLATFORM_DOMAIN=apps.test PLATFORM_PUBLIC_URL=https://platform.example.test
# a worker that builds nothing: it processes the stored deliveries (lib/model/delivery.h)
export PLATFORM_BUILD_DRIVER=none
stack_up
github_user gh-alice 7101 alice
sign_in gh-alice
A=$SESSION
github_user gh-mallory 7102 mallory
sign_in gh-mallory
M=$SESSION
api POST /api/workspaces "$A" '{"name":"Alice"}'
WA=$(json_get .id)
api POST /api/workspaces "$M" '{"name":"Mallory"}'
WM=$(json_get .id)
MALLORY_ID=$(psql_stack -c "SELECT id FROM users WHERE login = 'mallory'")
G=$FAKE_GITHUB

deliver() {
	local out
	out=$(cd "$top_srcdir/tests" && node webhooks/deliver.mjs --url "$PLATFORM_URL/hooks/github" "$@")
	DSTATUS=$(jq -r .status <<<"$out")
	DBODY=$(jq -c .body <<<"$out")
}
secret_of() { curl -fsS "$FAKE_GITHUB/_fake/hooks" | jq -r --arg r "$1" '.[$r][0].config.secret'; }
repo_calls() { curl -fsS "$FAKE_GITHUB/_fake/log" | jq --arg p "/repos/$1" '[.[] | select(.method == "GET" and .path == $p)] | length'; }
count() { psql_stack -c "SELECT count(*) FROM deployments d JOIN projects p ON p.id = d.project_id WHERE $1"; }

# ---- the owner's project on their own repository
api POST "/api/workspaces/$WA/projects" "$A" "{\"name\":\"shop\",\"repo_url\":\"$G/alice/shop\",\"auto_deploy\":true}"
is "$HTTP_STATUS" 201 "alice deploys her own repository with auto-deploy"
PA=$(json_get .id)
cmp_ok "$(repo_calls alice/shop)" -ge 1 "GitHub was asked about the repository"
is "$(psql_stack -c "SELECT repo_verified_by || ':' || (repo_verified_at IS NOT NULL) FROM projects WHERE id = '$PA'")" \
	"$(psql_stack -c "SELECT id FROM users WHERE login = 'alice'"):true" "the project records who passed the check"

# ---- the attack of issue 12: another tenant names the repository; a hook already exists
before=$(db_fingerprint)
calls=$(repo_calls alice/shop)
api POST "/api/workspaces/$WM/projects" "$M" "{\"name\":\"steal\",\"repo_url\":\"$G/alice/shop\",\"auto_deploy\":true}"
is "$HTTP_STATUS" 404 "mallory cannot hook into alice's private repository"
json_error repo_not_found "repo_not_found"
json_is .error.field repo_url "naming repo_url"
cmp_ok "$(repo_calls alice/shop)" -gt "$calls" "checked with GitHub although the hook row exists"
api POST "/api/workspaces/$WM/projects" "$M" "{\"name\":\"steal\",\"repo_url\":\"$G/alice/shop\"}"
is "$HTTP_STATUS" 404 "nor create a project on it without auto-deploy"
is "$(db_fingerprint)" "$before" "refusals write nothing"
api POST "/api/workspaces/$WM/projects" "$M" "{\"name\":\"steal\",\"repo_url\":\"$G/mallory/mine\"}"
is "$HTTP_STATUS" 201 "mallory's own repository is fine"
PM=$(json_get .id)
before=$(db_fingerprint)
api PATCH "/api/projects/$PM" "$M" "{\"repo_url\":\"$G/alice/shop\"}"
is "$HTTP_STATUS" 404 "moving a project onto the repository is checked too"
is "$(db_fingerprint)" "$before" "and changes nothing"

# ---- a public repository: anyone may read it, only an admin may make its hook
fake_github /_fake/repos '{"repo":"acme/public","private":false,"permissions":{"gh-alice":{"admin":true,"push":true,"pull":true}}}'
api POST "/api/workspaces/$WM/projects" "$M" "{\"name\":\"pub\",\"repo_url\":\"$G/acme/public\",\"auto_deploy\":true}"
is "$HTTP_STATUS" 403 "reading is not enough to make a hook"
json_error repo_admin_required "repo_admin_required"
json_is .error.field auto_deploy "naming auto_deploy"
api POST "/api/workspaces/$WM/projects" "$M" "{\"name\":\"pub\",\"repo_url\":\"$G/acme/public\"}"
is "$HTTP_STATUS" 201 "a readable repository without auto-deploy"
PMP=$(json_get .id)
api PATCH "/api/projects/$PMP" "$M" '{"auto_deploy":true}'
is "$HTTP_STATUS" 403 "turning auto-deploy on with no hook yet needs admin"
is "$(psql_stack -c "SELECT auto_deploy FROM projects WHERE id = '$PMP'")" f "and leaves it off"
api POST "/api/workspaces/$WA/projects" "$A" "{\"name\":\"pub\",\"repo_url\":\"$G/acme/public\",\"auto_deploy\":true}"
is "$HTTP_STATUS" 201 "the admin makes the hook"
PAP=$(json_get .id)
api PATCH "/api/projects/$PMP" "$M" '{"auto_deploy":true}'
is "$HTTP_STATUS" 200 "with a hook there, a reader may auto-deploy"

# ---- a private repository shared read-only, and one not shared at all
fake_github /_fake/repos '{"repo":"acme/secret","private":true,"permissions":{"gh-alice":{"admin":true,"push":true,"pull":true}}}'
api POST "/api/workspaces/$WM/projects" "$M" "{\"name\":\"sec\",\"repo_url\":\"$G/acme/secret\"}"
is "$HTTP_STATUS" 404 "a private repository not shared with mallory: 404"

# ---- pushes reach only projects whose owner passed the check
# A project row from before the check (or planted): on alice/shop, auto-deploy on, never verified.
PX=$(psql_stack -c "INSERT INTO projects (workspace_id, user_id, name, repo_url, repo_key, branch, auto_deploy)
	VALUES ('$WM', '$MALLORY_ID', 'legacy', '$G/alice/shop', 'alice/shop', 'main', true) RETURNING id" | head -n1)
SHOP=$(secret_of alice/shop)
SHA=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
deliver --secret "$SHOP" --event push --example 4 --repo alice/shop --ref refs/heads/main --after "$SHA" --delivery t7002-1
is "$DSTATUS" 202 "a push to alice/shop: 202"
delivery_settled t7002-1
is "$DQUEUED" 1 "one deployment"
is "$(count "p.id = '$PA'")" 1 "in alice's project"
is "$(count "p.id = '$PX'")" 0 "none in the unverified project"

# ---- replay: the same push with a fresh delivery id queues nothing more
deliver --secret "$SHOP" --event push --example 4 --repo alice/shop --ref refs/heads/main --after "$SHA" --delivery t7002-replay
is "$DSTATUS" 202 "the same push under another delivery id: 202, stored"
delivery_settled t7002-replay
is "$DOUTCOME" already_queued "already_queued"
is "$(psql_stack -c "SELECT deployments[1] FROM webhook_deliveries WHERE delivery_id = 't7002-replay'")" "$(psql_stack -c "SELECT id FROM deployments WHERE project_id = '$PA'")" "naming the deployment it queued"
is "$(count "p.id = '$PA'")" 1 "still one deployment"
deliver --secret "$SHOP" --event push --example 4 --repo alice/shop --ref refs/heads/main --after bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb --delivery t7002-2
is "$DSTATUS" 202 "a new commit deploys"
delivery_settled t7002-2
is "$(count "p.id = '$PA'")" 2 "a second deployment"

# ---- one push to the public repository deploys both verified projects on it
PUB=$(secret_of acme/public)
deliver --secret "$PUB" --event push --example 4 --repo acme/public --ref refs/heads/main --after cccccccccccccccccccccccccccccccccccccccc --delivery t7002-3
delivery_settled t7002-3
is "$DQUEUED" 2 "a push to acme/public: both projects"
deliver --secret "$PUB" --event push --example 4 --repo acme/public --ref refs/heads/main --after cccccccccccccccccccccccccccccccccccccccc --delivery t7002-4
delivery_settled t7002-4
is "$(count "p.repo_key = 'acme/public'")" 2 "replayed: still two"

# ---- each project's delivery list holds what that project did, nothing of its neighbours
api GET "/api/projects/$PMP/webhook/deliveries" "$M"
is "$HTTP_STATUS" 200 "mallory lists her project's deliveries"
mine=$(psql_stack -c "SELECT id FROM deployments WHERE project_id = '$PMP'")
is "$(json_get '[.items[].deployments[]] | unique | join(",")')" "$mine" "only her own deployment appears"
api GET "/api/projects/$PAP/webhook/deliveries" "$A"
is "$(json_get '[.items[].deployments[]] | unique | join(",")')" "$(psql_stack -c "SELECT id FROM deployments WHERE project_id = '$PAP'")" "and alice sees only hers"
api GET "/api/projects/$PX/webhook/deliveries" "$M"
is "$(json_get '[.items[].deployments[]] | length')" 0 "the unverified project shows no deployment of alice's pushes"
like "$(json_get '[.items[].reason] | join(" ")')" '^[^0-9]*$' "and no count of what other projects did"
is "$(json_get '[.items[].outcome] | unique | join(",")')" ignored "each delivery reads as ignored for it"

done_testing

#!/bin/bash
# t7001-webhooks.sh: GitHub push webhooks with real payloads (@octokit/webhooks-examples, signed
# with @octokit/webhooks-methods): verified, stored once and answered at once, then one deployment
# per auto-deploy project queued by the worker (which builds nothing here: PLATFORM_BUILD_DRIVER=none);
# the hook registered on GitHub when auto-deploy turns on and removed when it turns off
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/github-fake.sh"

github_fake_up
export PLATFORM_DOMAIN=apps.test PLATFORM_PUBLIC_URL=https://platform.example.test
export PLATFORM_GITHUB_WEBHOOK_SECRET=org-wide-secret PLATFORM_BUILD_DRIVER=none
stack_up
github_user gh-alice 7001 alice
sign_in gh-alice
A=$SESSION
github_user gh-mallory 7002 mallory
sign_in gh-mallory
M=$SESSION
api POST /api/workspaces "$A" '{"name":"Hooks"}'
WS=$(json_get .id)
REPO=$FAKE_GITHUB/alice/hooked

# deliver ARGS...: one delivery to the stack; sets DSTATUS, DBODY and DID (its delivery id)
deliver() {
	local out
	out=$(cd "$top_srcdir/tests" && node webhooks/deliver.mjs --url "$PLATFORM_URL/hooks/github" "$@")
	DSTATUS=$(jq -r .status <<<"$out")
	DBODY=$(jq -c .body <<<"$out")
	DID=$(jq -r '.delivery_id // empty' <<<"$DBODY")
}
deployments() { psql_stack -c "SELECT count(*) FROM deployments WHERE trigger = 'webhook'"; }

# ---- turning auto-deploy on registers one hook for the repository
api POST "/api/workspaces/$WS/projects" "$A" "{\"name\":\"web\",\"repo_url\":\"$REPO\",\"auto_deploy\":true}"
is "$HTTP_STATUS" 201 "a project with auto-deploy"
P1=$(json_get .id)
api POST "/api/workspaces/$WS/projects" "$A" "{\"name\":\"api\",\"repo_url\":\"$REPO\",\"auto_deploy\":true}"
P2=$(json_get .id)
api POST "/api/workspaces/$WS/projects" "$A" "{\"name\":\"staging\",\"repo_url\":\"$REPO\",\"branch\":\"dev\",\"auto_deploy\":true}"
P3=$(json_get .id)
api POST "/api/workspaces/$WS/projects" "$A" "{\"name\":\"manual\",\"repo_url\":\"$REPO\"}"
P4=$(json_get .id)
hooks=$(curl -fsS "$FAKE_GITHUB/_fake/hooks")
is "$(jq '."alice/hooked" | length' <<<"$hooks")" 1 "one hook serves every project on the repository"
is "$(jq -r '."alice/hooked"[0].config.url' <<<"$hooks")" "$PLATFORM_PUBLIC_URL/hooks/github" "it points at the platform"
is "$(jq -r '."alice/hooked"[0].events | join(",")' <<<"$hooks")" push,pull_request "for push and pull_request events"
is "$(jq -r '."alice/hooked"[0].config.content_type' <<<"$hooks")" json "as JSON"
SECRET=$(jq -r '."alice/hooked"[0].config.secret' <<<"$hooks")
like "$SECRET" '^[A-Za-z0-9_-]{43}$' "with a random secret"
is "$(psql_stack -c "SELECT count(*) FROM repo_hooks WHERE encode(secret, 'escape') LIKE '%$SECRET%'")" 0 "the secret is stored sealed"
fake_github /_fake/noadmin '{"repo":"alice/locked"}'
before=$(db_fingerprint)
api POST "/api/workspaces/$WS/projects" "$A" "{\"name\":\"locked\",\"repo_url\":\"$FAKE_GITHUB/alice/locked\",\"auto_deploy\":true}"
is "$HTTP_STATUS" 403 "no admin right on the repository: 403"
json_error repo_admin_required "and says why"
is "$(db_fingerprint)" "$before" "and stores no project"

# ---- ping
deliver --secret "$SECRET" --event ping --repo alice/hooked
is "$DSTATUS" 200 "ping: 200"
is "$(jq -r .outcome <<<"$DBODY")" pong "ping: pong"

# ---- a push to main queues one deployment per auto-deploy project on main
SHA=1111111111111111111111111111111111111111
deliver --secret "$SECRET" --event push --example 4 --repo alice/hooked --ref refs/heads/main --after "$SHA" --delivery d-push-1
is "$DSTATUS" 202 "push to main: 202"
is "$(jq -r .state <<<"$DBODY")" received "push to main: stored, for the worker"
ok "the worker processes it" delivery_settled d-push-1
is "$DOUTCOME" queued "push to main: queued"
is "$DSTATE" processed "  state processed"
is "$DQUEUED" 2 "two projects deploy main automatically"
is "$(psql_stack -c "SELECT string_agg(p.name, ',' ORDER BY p.name) FROM deployments d JOIN projects p ON p.id = d.project_id WHERE d.trigger = 'webhook'")" api,web "web and api, not staging or manual"
is "$(psql_stack -c "SELECT count(*) FROM deployments WHERE trigger = 'webhook' AND commit_sha = '$SHA' AND branch = 'main'")" 2 "at the pushed commit"
is "$(psql_stack -c "SELECT count(*) FROM deployments WHERE trigger = 'webhook' AND commit_message IS NOT NULL AND commit_author IS NOT NULL")" 2 "with the head commit's message and author"
is "$(psql_stack -c "SELECT count(*) FROM jobs j JOIN deployments d ON d.id = j.deployment_id WHERE d.trigger = 'webhook'")" 2 "a job for each"

# ---- exactly once
deliver --secret "$SECRET" --event push --example 4 --repo alice/hooked --ref refs/heads/main --after "$SHA" --delivery d-push-1
is "$DSTATUS" 200 "a redelivery: 200"
is "$(jq -r .outcome <<<"$DBODY")" duplicate "a redelivery is recognised"
is "$(deployments)" 2 "a redelivery queues nothing"
is "$(psql_stack -c "SELECT outcome || ':' || cardinality(deployments) FROM webhook_deliveries WHERE delivery_id = 'd-push-1'")" queued:2 "the delivery is recorded with what it queued"

# ---- refused: nothing stored but a counted rejection
before=$(db_fingerprint)
deliver --secret wrong-secret --event push --example 4 --repo alice/hooked --ref refs/heads/main --after "$SHA"
is "$DSTATUS" 401 "a wrong secret: 401"
is "$(jq -r .error.code <<<"$DBODY")" signature_invalid "a wrong secret: signature_invalid"
deliver --secret "$SECRET" --event push --example 4 --repo alice/hooked --ref refs/heads/main --after "$SHA" --tamper
is "$DSTATUS" 401 "a body changed after signing: 401"
deliver --secret "$SECRET" --event push --example 4 --repo alice/hooked --ref refs/heads/main --after "$SHA" --no-signature
is "$DSTATUS" 401 "no signature: 401"
is "$(jq -r .error.code <<<"$DBODY")" signature_missing "no signature: signature_missing"
deliver --secret "$SECRET" --event push --example 4 --repo alice/hooked --ref refs/heads/main --after "$SHA" --sha1-only
is "$DSTATUS" 401 "a SHA-1 signature only: 401"
deliver --secret "$SECRET" --event push --example 4 --repo mallory/other --ref refs/heads/main --after "$SHA"
is "$DSTATUS" 401 "a secret of another repository: 401"
is "$(db_fingerprint)" "$before" "refused deliveries change nothing"
is "$(psql_stack -c "SELECT count(*) FROM webhook_deliveries WHERE outcome NOT IN ('pong', 'queued')")" 0 "and are not recorded as deliveries"
is "$(psql_stack -c "SELECT sum(count) FROM webhook_rejections")" 5 "but each is counted"

# ---- acknowledged and ignored, with the reason
deliver --secret "$SECRET" --event push --example 0 --repo alice/hooked
is "$DSTATUS" 202 "a tag push: 202, stored"
delivery_settled "$DID"
is "$DSTATE" ignored "a tag push: ignored"
like "$DREASON" "tag" "a tag push: the reason says so"
deliver --secret "$SECRET" --event push --example 4 --repo alice/hooked --ref refs/heads/main --deleted
delivery_settled "$DID"
is "$DSTATE" ignored "a branch deletion: ignored"
like "$DREASON" "deleted" "a branch deletion: the reason says so"
deliver --secret "$SECRET" --event issues --repo alice/hooked
is "$DSTATUS" 202 "another event: 202"
delivery_settled "$DID"
is "$DOUTCOME" ignored "another event is ignored"
like "$DREASON" "issues events are not used" "  and the reason says so"
deliver --secret "$SECRET" --event push --example 4 --repo alice/hooked --ref refs/heads/feature --after "$SHA"
delivery_settled "$DID"
is "$DOUTCOME" ignored "a branch no project deploys is ignored"
is "$(deployments)" 2 "none of these queued a deployment"

# ---- a form-encoded delivery, the platform-wide secret, the size limit
deliver --secret "$SECRET" --event push --example 4 --repo alice/hooked --ref refs/heads/dev --after 2222222222222222222222222222222222222222 --form
is "$DSTATUS" 202 "a form-encoded delivery works"
delivery_settled "$DID"
is "$DQUEUED" 1 "and deploys the dev project"
deliver --secret org-wide-secret --event push --example 4 --repo alice/hooked --ref refs/heads/main --after 3333333333333333333333333333333333333333
is "$DSTATUS" 202 "the platform-wide secret is accepted too"
delivery_settled "$DID"
deliver --secret "$SECRET" --event push --example 4 --repo alice/hooked --ref refs/heads/main --pad 27262976
is "$DSTATUS" 413 "a 26 MB delivery: 413"
is "$(deployments)" 5 "five deployments in all"
is "$(psql_stack -c "SELECT count(*) FROM deployments WHERE trigger = 'webhook' AND state = 'superseded'")" 2 "a newer push supersedes the queued ones"

# ---- deliveries as members see them
api GET "/api/projects/$P1/webhook/deliveries" "$A"
is "$HTTP_STATUS" 200 "a member lists the deliveries"
cmp_ok "$(json_get '.items | length')" -ge 6 "of the project's repository"
json_is '.items[-1].outcome' pong "oldest last: the ping"
json_is "[.items[] | select(.delivery_id == \"d-push-1\")][0].state" processed "each with its state"
like "$(json_get "[.items[] | select(.delivery_id == \"d-push-1\")][0].processed_at")" '^20[0-9-]+T[0-9:]+\.[0-9]{3}Z$' "  and when the worker processed it"

# ---- the answer waits on nothing the worker does: with the worker stopped, a push is stored
# and answered, listed as received, and processed once the worker is back
"$DEV_STACK" stop "$STACK_DIR" worker
deliver --secret "$SECRET" --event push --example 4 --repo alice/hooked --ref refs/heads/main --after 5555555555555555555555555555555555555555 --delivery d-while-down
is "$DSTATUS" 202 "the worker stopped: a push is still answered 202"
api GET "/api/projects/$P1/webhook/deliveries" "$A"
json_is '.items[0].delivery_id' d-while-down "  listed first"
json_is '.items[0].state' received "  as received"
json_is '.items[0].processed_at' null "  not processed yet"
is "$(deployments)" 5 "  nothing queued yet"
"$DEV_STACK" start "$STACK_DIR" worker
ok "the worker back: it processes what was stored meanwhile" delivery_settled d-while-down
is "$DOUTCOME:$DQUEUED" queued:2 "  queuing the deployments"
is "$(deployments)" 7 "  once"
api GET "/api/projects/$P1/webhook/deliveries" "$A"
json_is '.items[0].state' processed "  and the list says so"
json_is '.items[0].outcome' queued "  with what it did for this project"
is "$(psql_stack -c "SELECT count(*) FROM webhook_deliveries WHERE payload IS NOT NULL")" 0 "processed deliveries keep no payload"
api GET "/api/projects/$P1/webhook/deliveries" "$M"
is "$HTTP_STATUS" 404 "another tenant: 404"

# ---- turning auto-deploy off removes the hook when no project needs it
api PATCH "/api/projects/$P1" "$A" '{"auto_deploy":false}'
is "$(curl -fsS "$FAKE_GITHUB/_fake/hooks" | jq '."alice/hooked" | length')" 1 "the hook stays while other projects use it"
api PATCH "/api/projects/$P2" "$A" '{"auto_deploy":false}'
api DELETE "/api/projects/$P3" "$A"
is "$(curl -fsS "$FAKE_GITHUB/_fake/hooks" | jq '."alice/hooked" | length')" 0 "the last one gone: the hook is removed from GitHub"
is "$(psql_stack -c "SELECT count(*) FROM repo_hooks")" 0 "and its secret from the database"
deliver --secret "$SECRET" --event push --example 4 --repo alice/hooked --ref refs/heads/main --after "$SHA"
is "$DSTATUS" 401 "the old secret no longer works"
api PATCH "/api/projects/$P4" "$A" '{"auto_deploy":true}'
is "$(curl -fsS "$FAKE_GITHUB/_fake/hooks" | jq '."alice/hooked" | length')" 1 "turning it on again makes a new hook"

done_testing

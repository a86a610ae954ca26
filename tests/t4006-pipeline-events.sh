#!/usr/bin/env bash
# t4006-pipeline-events.sh: the pipeline's callbacks are trusted only as far as they agree with
# the platform: the image under the project's own repository, a GitOps commit that is a release
# of the app in the GitOps repository, states only forward, a token that dies with its
# deployment, one answer for an unknown id and a bad token; rollbacks never take a foreign image
. "${top_srcdir:-.}/tests/t4-lib.sh"
. "$top_srcdir/tests/github-fake.sh" # db_fingerprint

GITOPS_REPO=$TEST_TMP/gitops.git
git init -q --bare -b main "$GITOPS_REPO" || bail_out "no GitOps repository"
export PLATFORM_GITOPS_URL=file://$GITOPS_REPO PLATFORM_GITOPS_CACHE=$TEST_TMP/gitops-cache
stack_up postgres migrate api nginx
t4_seed alice
ALICE_TOKEN=$TOKEN
t4_seed bob
TOKEN=$ALICE_TOKEN USER_ID=alice WS_ID=alice
web=$(t4_project web)
bobweb=$(psql_stack -c "INSERT INTO projects (workspace_id, user_id, name, repo_url) VALUES ('bob', 'bob', 'web', 'https://github.com/bob/web') RETURNING id" | head -n1)

# a deployment of PROJECT in STATE whose callback token is TOKEN; prints its id
seed_deployment() {
	psql_stack -c "WITH s AS (UPDATE projects SET deploy_seq = deploy_seq + 1 WHERE id = '$1' RETURNING deploy_seq)
		INSERT INTO deployments (project_id, seq, trigger, state, callback_token_hash, image, tag, released_at)
		SELECT '$1', deploy_seq, 'api', '$2', sha256('$3'::bytea), ${4:-NULL}, ${5:-NULL},
			CASE WHEN '$2' IN ('released', 'live') THEN now() END FROM s RETURNING id" | head -n1
}
event() { # event TOKEN JSON
	http POST "$PLATFORM_URL/internal/jenkins/events" -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' --data "$2"
}
col() { psql_stack -c "SELECT $2 FROM deployments WHERE id = '$1'"; }
release() { # release WS USER PROJECT TAG: a real release commit; prints it
	PLATFORM_GITOPS_URL=file://$GITOPS_REPO "$PLATFORMCTL_BIN" gitops release --workspace "$1" --user "$2" \
		--project "$3" --image "registry.local/platform/$2-$3" --tag "$4" --port 8080 --domain apps.localhost 2>>"$TEST_TMP/release.log" | tail -n1
}

d=$(seed_deployment "$web" building tok-d1)

# ---- unknown id and bad token: one answer
event nope "{\"deployment_id\":\"$d\",\"event\":\"stage\",\"stage\":\"build\"}"
bad_status=$HTTP_STATUS bad_body=$HTTP_BODY
is "$bad_status" 401 "a bad token: 401"
event nope '{"deployment_id":"00000000-0000-4000-8000-000000000000","event":"stage","stage":"build"}'
is "$HTTP_STATUS" "$bad_status" "an unknown deployment: the same status"
is "$HTTP_BODY" "$bad_body" "and the same body"
event tok-d1 '{"deployment_id":"not-an-id","event":"stage","stage":"build"}'
is "$HTTP_STATUS:$HTTP_BODY" "$bad_status:$bad_body" "a malformed id too"

# ---- images: only the project's own repository
event tok-d1 "{\"deployment_id\":\"$d\",\"event\":\"pushed\",\"image\":\"registry.local/platform/bob-web\",\"tag\":\"v1\"}"
is "$HTTP_STATUS" 422 "another tenant's image repository: 422"
json_error foreign_image "foreign_image"
is "$(col "$d" "coalesce(image, '-') || ':' || state")" "-:building" "nothing applied"
for img in registry.local/platform/alice-web:v2 registry.local/platform/alice-web/../bob-web REGISTRY.local/platform/alice-web alice-web registry.local/platform/alice-webx; do
	event tok-d1 "{\"deployment_id\":\"$d\",\"event\":\"pushed\",\"image\":\"$img\",\"tag\":\"v1\"}"
	is "$HTTP_STATUS" 422 "image '$img': 422"
done
event tok-d1 "{\"deployment_id\":\"$d\",\"event\":\"pushed\",\"image\":\"registry.local/platform/alice-web\",\"tag\":\"v1\",\"digest\":\"sha256:00\"}"
is "$HTTP_STATUS" 200 "its own image repository (the pipeline's <user>-<project>): 200"
is "$(col "$d" "image || ':' || state")" "registry.local/platform/alice-web:pushed" "recorded, pushed"

# ---- the GitOps commit must be a release of the app in the GitOps repository
event tok-d1 "{\"deployment_id\":\"$d\",\"event\":\"released\",\"gitops_commit\":\"$(printf 'a%.0s' {1..40})\",\"tag\":\"v1\"}"
is "$HTTP_STATUS" 422 "a made-up commit: 422"
json_error unknown_gitops_commit "unknown_gitops_commit"
other=$(release bob bob web v9)
like "$other" '^[0-9a-f]{40}$' "(a real release of bob's app)"
event tok-d1 "{\"deployment_id\":\"$d\",\"event\":\"released\",\"gitops_commit\":\"$other\",\"tag\":\"v1\"}"
is "$HTTP_STATUS" 422 "a real commit of another app: 422"
is "$(col "$d" "coalesce(gitops_commit, '-') || ':' || state")" "-:pushed" "nothing applied"
mine=$(release alice alice web v1)
event tok-d1 "{\"deployment_id\":\"$d\",\"event\":\"released\",\"gitops_commit\":\"$mine\",\"image\":\"registry.local/platform/alice-web\",\"tag\":\"v1\"}"
is "$HTTP_STATUS" 200 "the app's own release commit: 200"
is "$(col "$d" "gitops_commit || ':' || state")" "$mine:released" "released at it"

# ---- only forward once released
event tok-d1 "{\"deployment_id\":\"$d\",\"event\":\"result\",\"result\":\"FAILURE\",\"error\":\"late\"}"
is "$HTTP_STATUS" 409 "a late FAILURE after released: 409"
json_error deployment_released "deployment_released"
is "$(col "$d" "state || ':' || coalesce(error, '-')")" "released:-" "the deployment stays released"
event tok-d1 "{\"deployment_id\":\"$d\",\"event\":\"pushed\",\"image\":\"registry.local/platform/alice-web\",\"tag\":\"v2\"}"
is "$HTTP_STATUS" 409 "no new image after the release"
event tok-d1 "{\"deployment_id\":\"$d\",\"event\":\"released\",\"gitops_commit\":\"$mine\",\"tag\":\"v1\"}"
is "$HTTP_STATUS" 200 "a retried release report is taken"
event tok-d1 "{\"deployment_id\":\"$d\",\"event\":\"result\",\"result\":\"SUCCESS\"}"
is "$HTTP_STATUS" 200 "and the SUCCESS result"
is "$(col "$d" "state || ':' || tag")" "released:v1" "changing nothing"

# ---- the token dies when the deployment ends
f=$(seed_deployment "$web" building tok-f1)
event tok-f1 "{\"deployment_id\":\"$f\",\"event\":\"result\",\"result\":\"FAILURE\",\"error\":\"tests failed\"}"
is "$HTTP_STATUS" 200 "a FAILURE fails a building deployment"
is "$(col "$f" "state || ':' || (callback_token_hash IS NULL)")" "failed:true" "and its token is gone"
event tok-f1 "{\"deployment_id\":\"$f\",\"event\":\"stage\",\"stage\":\"build\"}"
is "$HTTP_STATUS:$HTTP_BODY" "$bad_status:$bad_body" "its token then answers as a bad one"

# ---- rollbacks never take another tenant's image
b=$(seed_deployment "$bobweb" live tok-b1 "'registry.local/platform/bob-web'" "'b1'")
old=$(seed_deployment "$web" live tok-o1 "'registry.local/platform/bob-web'" "'stolen'")
before=$(db_fingerprint)
http POST "$PLATFORM_URL/api/projects/$web/rollback" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data "{\"deployment_id\":\"$old\"}"
is "$HTTP_STATUS" 409 "a rollback to a deployment holding a foreign image (a row from before the check): 409"
json_error foreign_image "foreign_image"
is "$(db_fingerprint)" "$before" "nothing queued"
http POST "$PLATFORM_URL/api/projects/$web/rollback" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data "{\"deployment_id\":\"$d\"}"
is "$HTTP_STATUS" 202 "a rollback to its own release works"
is "$(json_get .image)" registry.local/platform/alice-web "with its own image"

done_testing

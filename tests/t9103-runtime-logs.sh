#!/usr/bin/env bash
# t9103-runtime-logs.sh: runtime logs on real podman: what the app prints is stored and served by
# GET /api/projects/{id}/runtime/logs with its secrets masked, arrives live on the runtime
# WebSocket (a killed container, restarted by the resync, prints again), and another tenant is
# refused both
. "${top_srcdir:-.}/tests/lib.sh"

for t in buildah docker-registry busybox git podman runc; do
	command -v "$t" >/dev/null || { skip "$t is not installed (.ci/packages)"; done_testing; }
done
export PLATFORM_GITHUB_URL=file://$TEST_TMP/stack/repos PLATFORM_ALLOW_LOCAL_REPOS=1
export PLATFORM_WORKER_LEASE=5 PLATFORM_WORKER_POLL=1 PLATFORM_JENKINS_POLL_MS=200
export PLATFORM_RUNTIME_RESYNC=2 PLATFORM_RUNTIME_READY_TIMEOUT=20 PLATFORM_RUNTIME_LOGS_POLL_MS=300
unset PLATFORM_JENKINS_URL PLATFORM_GITOPS_URL PLATFORM_REGISTRY_URL PLATFORM_ARGOCD_URL PLATFORM_RUNTIME
stack_up postgres migrate api nginx registry gitops worker
# shellcheck disable=SC2086
pm() { podman $PLATFORM_PODMAN_FLAGS "$@"; }
state_of() { psql_stack -c "SELECT state FROM deployments WHERE id = '$1'"; }
seed_user() { # seed_user ID TOKEN: a user with a personal workspace and a session
	psql_stack -c "INSERT INTO users (id, github_id, login) VALUES ('$1', $((RANDOM * 1000 + RANDOM)), '$1')" \
		-c "INSERT INTO workspaces (id, name, personal_of, created_by) VALUES ('$1', '$1', '$1', '$1')" \
		-c "INSERT INTO members (workspace_id, user_id, role) VALUES ('$1', '$1', 'owner')" \
		-c "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (sha256('$2'::bytea), '$1', now() + interval '1 day')" >/dev/null
}
tok=sample-$RANDOM$RANDOM$RANDOM bob=bob-$RANDOM$RANDOM$RANDOM
seed_user sample "$tok"
seed_user bob "$bob"
psql_stack -c "INSERT INTO projects (workspace_id, user_id, name, repo_url, branch, port, auto_deploy)
	VALUES ('sample', 'sample', 'site', '$PLATFORM_GITHUB_URL/sample/site', 'main', 8080, false)" >/dev/null
echo "$tok" >"$STACK_DIR/sample.token"
"$top_srcdir/scripts/sample-deploy" "$STACK_DIR" >"$TEST_TMP/sample.out" 2>&1
is "$?" 0 "the sample deploy ends live"
pid=$(psql_stack -c "SELECT id FROM projects WHERE name = 'site'")
api() { # api TOKEN METHOD PATH [BODY]
	http "$2" "$PLATFORM_URL$3" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' ${4:+--data "$4"}
}

# an app that prints to both streams, one line with a secret of its env
repo=$STACK_DIR/repos/sample/site
git -C "$repo" config user.email t@localhost
git -C "$repo" config user.name t
printf 'FROM %s/platform/busybox:1\nCMD ["sh", "-c", "echo hello from the app; echo \\"the key is $API_KEY\\" >&2; mkdir -p /tmp/w; echo app two >/tmp/w/index.html; exec httpd -f -p $PORT -h /tmp/w"]\n' \
	"${PLATFORM_REGISTRY_URL#http://}" >"$repo/Dockerfile"
git -C "$repo" add Dockerfile
git -C "$repo" commit -qm "prints"
SECRET=s3cr3t-value-$RANDOM$RANDOM
api "$tok" PATCH "/api/projects/$pid" "{\"env\":{\"API_KEY\":\"$SECRET\"}}"
is "$HTTP_STATUS" 200 "the project's env is set"
api "$tok" POST "/api/projects/$pid/deploy" '{}'
d=$(json_get .id)
wait_until 120 eval '[ "$(state_of "$d")" = live ]'
is "$(state_of "$d")" live "the printing app is live"

# GET: the app's lines, both streams, the secret masked
logs() { api "$tok" GET "/api/projects/$pid/runtime/logs?tail=${1:-100}"; }
wait_until 20 eval 'logs; grep -q "hello from the app" <<<"$HTTP_BODY"'
logs
is "$HTTP_STATUS" 200 "runtime logs answer"
like "$(json_get '[.lines[] | select(.deployment_id == "'"$d"'") | .text] | join("|")')" "hello from the app" \
	"they show what the running version printed"
is "$(json_get '[.lines[] | select(.text | startswith("the key is")) | .stream] | first')" stderr "stderr is there too"
like "$(json_get '[.lines[] | select(.text | startswith("the key is")) | .text] | first')" '^the key is \*+$' \
	"the env's secret is masked"
ok "the secret is nowhere in the answer" not grep -q "$SECRET" <<<"$HTTP_BODY"
ok "nor in the table" not grep -q "$SECRET" <<<"$(psql_stack -c "SELECT string_agg(line, ' ') FROM runtime_logs")"
logs 1
is "$(json_get '.lines | length')" 1 "tail=N gives N lines"
logs 0
is "$HTTP_STATUS" 400 "tail=0 is refused"
json_is .error.code invalid_tail "with a clear code"

# another tenant sees nothing of it
api "$bob" GET "/api/projects/$pid/runtime/logs"
is "$HTTP_STATUS" 404 "another tenant's GET gets 404"
api "$bob" POST "/api/projects/$pid/runtime/token"
is "$HTTP_STATUS" 404 "and no stream token"
ws=ws://127.0.0.1:$PLATFORM_NGINX_PORT/api/projects/$pid/runtime/ws
node "$top_srcdir/tests/live/subscribe.mjs" "$ws" --bearer "$bob" --timeout 3000 >"$TEST_TMP/bob.json"
is "$(jq -r .opened "$TEST_TMP/bob.json")" false "another tenant cannot open the runtime socket"

# live: a socket opened with a stream token sees the restarted container print again
api "$tok" POST "/api/projects/$pid/runtime/token"
is "$HTTP_STATUS" 201 "the owner gets a stream token"
url=ws://127.0.0.1:$PLATFORM_NGINX_PORT$(json_get .url)
# (httpd also logs the runtime's probes: look at every message of a few seconds)
node "$top_srcdir/tests/live/subscribe.mjs" "$url" --want 1000 --timeout 12000 >"$TEST_TMP/live.json" &
sub=$!
sleep 2
cpid=$(pm inspect -f '{{.State.Pid}}' "$(pm ps --filter "label=platform.deployment=$d" --format '{{.Names}}' | head -n1)")
kill -9 "$cpid"
wait "$sub"
is "$(jq -r .opened "$TEST_TMP/live.json")" true "the owner's socket opens"
msgs=$(jq -c '.messages[].data | fromjson' "$TEST_TMP/live.json")
is "$(jq -rs '[.[].type] | unique | join(",")' <<<"$msgs")" runtime_log "runtime_log messages arrive"
like "$(jq -rs '[.[].lines[].text] | join("|")' <<<"$msgs")" "hello from the app" "with what the restarted app printed"
ok "no secret on the socket" not grep -q "$SECRET" "$TEST_TMP/live.json"
done_testing

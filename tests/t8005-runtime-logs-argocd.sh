#!/usr/bin/env bash
# t8005-runtime-logs-argocd.sh: runtime logs under PLATFORM_RUNTIME=argocd: the pods' lines the fake Argo CD serves through GET /api/v1/applications/{name}/logs reach GET .../runtime/logs in order with secrets masked, another tenant is refused, a worker restart neither repeats nor loses lines, and the runtime WebSocket gets new lines live
. "${top_srcdir:-.}/tests/t8-lib.sh"

export PLATFORM_RUNTIME=argocd PLATFORM_RUNTIME_LOGS_POLL_MS=300
# a release with env writes a SealedSecret: the controller's certificate
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TEST_TMP/sealed.key" -out "$TEST_TMP/sealed.crt" \
	-days 2 -subj /CN=sealed-secret 2>/dev/null || bail_out "openssl cannot make a certificate"
export PLATFORM_SEALED_SECRETS_CERT=$TEST_TMP/sealed.crt
t8_stack
t4_seed bob
bob=$TOKEN
t4_seed alice
fake_config '{"default":{"queueMs":50,"lines":2,"lineMs":20,"gitops":true}}'
worker_start w1
web=$(t4_project web)
APP=alice-alice-web
api() { # api METHOD PATH [BODY] [TOKEN]
	http "$1" "$PLATFORM_URL$2" -H "Authorization: Bearer ${4:-$TOKEN}" -H 'Content-Type: application/json' ${3:+--data "$3"}
}
SECRET=s3cr3t-$RANDOM$RANDOM$RANDOM
api PATCH "/api/projects/$web" "{\"env\":{\"API_KEY\":\"$SECRET\"}}"
is "$HTTP_STATUS" 200 "the project's env holds a secret"
deploy "$web"
d=$DEPLOY_ID
ok "the deployment goes live through the fake Argo CD" wait_live "$d"

# pods print: the fake serves the lines as Argo CD's PodLogs does
pod_lines() { # pod_lines POD TEXT...: the app's pod POD prints each TEXT, in order
	local pod=$1 body
	shift
	body=$(jq -cn --arg app "$APP" --arg pod "$pod" '{app: $app, lines: [$ARGS.positional[] | {pod: $pod, text: .}]}' --args "$@")
	curl -sS -f -o /dev/null --max-time 5 -X POST -H 'Content-Type: application/json' --data "$body" "$ARGO_URL/_fake/logs" ||
		diag "pod_lines failed"
}
texts() { api GET "/api/projects/$web/runtime/logs?tail=${1:-1000}" && json_get '[.lines[].text] | join("|")'; }
stored() { psql_stack -c "SELECT count(*) FROM runtime_logs WHERE project_id = '$web' AND line = '$1'"; }
stored_once() { [ "$(stored "$1")" = 1 ]; } # stored_once TEXT: the line is stored, once
pod_lines web-5d4f-a "starting on :8080" "the key is $SECRET" "ready"
pod_lines web-5d4f-b "second pod up"
pod_lines web-5d4f-a "GET / 200"
ok "the pods' lines arrive" wait_until 20 stored_once 'GET / 200'
api GET "/api/projects/$web/runtime/logs?tail=10"
is "$HTTP_STATUS" 200 "runtime logs answer"
like "$(json_get '[.lines[].text] | join("|")')" '^starting on :8080\|the key is \*+\|ready\|second pod up\|GET / 200$' \
	"every line once, in the order the pods printed them, the secret masked"
like "$(json_get '[.lines[] | select(.text | startswith("the key is")) | .text] | first')" '^the key is \*+$' \
	"the env's secret is masked"
ok "the secret is nowhere in the answer" not grep -q "$SECRET" <<<"$HTTP_BODY"
ok "nor in the table" not grep -q "$SECRET" <<<"$(psql_stack -c "SELECT string_agg(line, ' ') FROM runtime_logs")"
is "$(json_get '[.lines[].container] | unique | join(",")')" "web-5d4f-a,web-5d4f-b" "each line names its pod"
is "$(json_get '[.lines[].deployment_id] | unique | join(",")')" "$d" "and the live deployment"
like "$(json_get '.lines[0].at')" '^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]+\.[0-9]{3}Z$' "with the pod's time, RFC 3339"
api GET "/api/projects/$web/runtime/logs?tail=2"
is "$(json_get '[.lines[].text] | join("|")')" "second pod up|GET / 200" "tail=N gives the newest N, oldest first"
queries=$(curl -sS --max-time 5 "$ARGO_URL/_fake/log" | jq -r --arg p "/api/v1/applications/$APP/logs" '.[] | select(.path == $p) | .query')
like "$(head -n1 <<<"$queries")" 'follow=false.*namespace=user-alice.*kind=Deployment.*container=app.*tailLines=1000' \
	"the first read asks for the app's Deployment's pods, the last lines"
like "$(tail -n1 <<<"$queries")" 'sinceSeconds=[0-9]+&tailLines=' "later reads resume by time"

# another tenant sees nothing of it
api GET "/api/projects/$web/runtime/logs" "" "$bob"
is "$HTTP_STATUS" 404 "another tenant's GET gets 404"
api POST "/api/projects/$web/runtime/token" "" "$bob"
is "$HTTP_STATUS" 404 "and no stream token"

# a restart: nothing repeated, and what the pods printed meanwhile is read once
worker_stop w1
pod_lines web-5d4f-a "while the worker was down"
worker_start w2
ok "what was printed meanwhile arrives" wait_until 20 stored_once 'while the worker was down'
sleep 2 # a few rounds of the new worker over the same window
like "$(texts)" '^starting on :8080\|the key is \*+\|ready\|second pod up\|GET / 200\|while the worker was down$' \
	"after the restart every line is there once" ||
	diag "$(psql_stack -c "SELECT line, count(*) FROM runtime_logs GROUP BY line HAVING count(*) > 1")"
is "$(psql_stack -c "SELECT count(*) FROM runtime_logs WHERE project_id = '$web'")" 6 "six lines stored, no more"

# live: a socket opened with a stream token sees the new lines
api POST "/api/projects/$web/runtime/token"
is "$HTTP_STATUS" 201 "the owner gets a stream token"
url=ws://127.0.0.1:$PLATFORM_NGINX_PORT$(json_get .url)
node "$top_srcdir/tests/live/subscribe.mjs" "$url" --want 1000 --timeout 6000 >"$TEST_TMP/live.json" &
sub=$!
sleep 1.5
pod_lines web-5d4f-b "live one" "live two, key $SECRET"
wait "$sub"
is "$(jq -r .opened "$TEST_TMP/live.json")" true "the owner's socket opens"
msgs=$(jq -c '.messages[].data | fromjson' "$TEST_TMP/live.json")
is "$(jq -rs '[.[].type] | unique | join(",")' <<<"$msgs")" runtime_log "runtime_log messages arrive"
like "$(jq -rs '[.[].lines[] | "\(.container) \(.text)"] | join("|")' <<<"$msgs")" "web-5d4f-b live one\|web-5d4f-b live two, key \*+" \
	"with the pod's new lines, in order, masked"
ok "no secret on the socket" not grep -q "$SECRET" "$TEST_TMP/live.json"
is "$(jq -rs '[.[].project_id] | unique | join(",")' <<<"$msgs")" "$web" "on the project's channel"
ok "no Argo CD token in the workers' logs" not grep -q -- "$PLATFORM_ARGOCD_TOKEN" "$TEST_TMP/worker-w1.log" "$TEST_TMP/worker-w2.log"
ok "the worker is still running" alive "$WORKER_w2"
done_testing

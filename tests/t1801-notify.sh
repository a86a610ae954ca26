#!/usr/bin/env bash
# t1801-notify.sh: workspace notifications: private addresses refused at creation and at
# connect time, bad input, roles and isolation, then signed deliveries of real deployments to a
# loopback receiver (json and slack), retries with a doubling back-off, giving up, redirects not
# followed, the test action, and a restarted worker carrying on from PostgreSQL
. "${top_srcdir:-.}/tests/t4-lib.sh"

export PLATFORM_NOTIFY_RETRY_MS=200 PLATFORM_NOTIFY_RETRY_FOR=4 PLATFORM_NOTIFY_TIMEOUT_MS=3000
unset PLATFORM_NOTIFY_ALLOW_PRIVATE
t4_stack
fake_config '{"default":{"queueMs":50,"lines":3,"lineMs":20}}'

pf=$TEST_TMP/receiver.port
node "$top_srcdir/tests/notify/receiver.js" "$pf" >"$TEST_TMP/receiver.log" 2>&1 &
bg_register $!
wait_until 10 test -s "$pf" || bail_out "the receiver did not start"
RECV=http://127.0.0.1:$(cat "$pf")

t4_seed bob
BOB=$TOKEN BOB_WS=$WS_ID
t4_seed alice
A=$TOKEN
VIC=$(t4_member vic viewer)
DEV=$(t4_member dev developer)
N="/api/workspaces/$WS_ID/notifications"

api() {
	local m=$1 p=$2 t=$3
	if [ $# -ge 4 ]; then
		http "$m" "$PLATFORM_URL$p" -H "Authorization: Bearer $t" -H 'Content-Type: application/json' --data-binary "$4"
	else
		http "$m" "$PLATFORM_URL$p" -H "Authorization: Bearer $t"
	fi
}
rows() { psql_stack -c "SELECT count(*) FROM notifications"; }
recv() { curl -sS --max-time 5 "$RECV/_recv/requests"; }
# recv_on PATH: the requests the receiver got on PATH
recv_on() { recv | jq -c --arg p "$1" '[.[] | select(.path == $p)]'; }
recv_count() { recv_on "$1" | jq length; }
# hmac_ok JSON SECRET: the request's X-Platform-Signature-256 is the HMAC of its raw body
hmac_ok() {
	local got want
	got=$(jq -r '.headers["x-platform-signature-256"]' <<<"$1")
	want=sha256=$(jq -r .body_base64 <<<"$1" | base64 -d | openssl dgst -sha256 -hmac "$2" | sed 's/^.*= //')
	[ "$got" = "$want" ] || { diag "signature $got, want $want"; return 1; }
}
body_of() { jq -r .body_base64 <<<"$1" | base64 -d; }
# keep SCHEMA: the last answer, to check against api/openapi.yaml at the end
KEPT=()
keep() {
	local f=$TEST_TMP/answer-${#KEPT[@]}.json
	printf '%s' "$HTTP_BODY" >"$f"
	KEPT+=("$1=$f")
}

# ---- bad input: the right 4xx naming the field, nothing written
# bad STATUS CODE FIELD BODY NAME
bad() {
	local before
	before=$(rows)
	api POST "$N" "$A" "$4"
	is "$HTTP_STATUS" "$1" "$5: $1"
	json_error "$2" "$5: $2"
	[ "$3" = - ] || json_is .error.field "$3" "$5: names $3"
	is "$(rows)" "$before" "$5: nothing stored"
}
EV='"events":["deployment.released"]'
for u in "$RECV/ok/x" 'http://localhost:9/x' 'http://10.1.2.3/x' 'http://172.16.0.1/x' 'http://192.168.1.1/x' \
	'http://169.254.169.254/latest/meta-data/' 'http://169.254.1.1/' 'http://100.64.0.1/' 'http://0.0.0.0:80/' \
	'http://[::1]:80/' 'http://[fd00::1]/' 'http://[fe80::1]/' 'http://224.0.0.1/' 'http://[::ffff:127.0.0.1]/' \
	'http://0x7f000001/' 'http://2130706433/' 'http://127.1/'; do
	bad 422 url_not_allowed url "{\"url\":\"$u\",$EV}" "a private address '$u'"
done
long="https://93.184.215.14/$(printf 'a%.0s' {1..2100})"
for u in 'ftp://93.184.215.14/x' 'not a url' 'https://user:pw@93.184.215.14/x' 'javascript:alert(1)' 'http:///x' \
	'//93.184.215.14/x' 'file:///etc/passwd' 'http://93.184.215.14/a b' 'http://93.184.215.14\\@127.0.0.1/'; do
	bad 422 invalid_url url "{\"url\":\"$u\",$EV}" "url '${u:0:40}'"
done
bad 422 too_long url "{\"url\":\"$long\",$EV}" "a URL over 2048 characters"
PUB='"url":"https://93.184.215.14/hook"'
bad 422 missing_field url "{$EV}" "no url"
bad 422 missing_field events "{$PUB}" "no events"
bad 422 invalid_type events "{$PUB,\"events\":\"deployment.live\"}" "events as a string"
bad 422 invalid_events events "{$PUB,\"events\":[]}" "no event"
bad 422 invalid_events events "{$PUB,\"events\":[\"deployment.exploded\"]}" "an unknown event"
bad 422 invalid_events events "{$PUB,\"events\":[\"notification.test\"]}" "the test event"
bad 422 invalid_events events "{$PUB,\"events\":[\"deployment.live\",\"deployment.live\"]}" "an event twice"
bad 422 invalid_events events "{$PUB,\"events\":[5]}" "a number as an event"
bad 422 invalid_format format "{$PUB,$EV,\"format\":\"xml\"}" "format xml"
bad 422 invalid_secret secret "{$PUB,$EV,\"secret\":\"short\"}" "a short secret"
bad 422 invalid_secret secret "{$PUB,$EV,\"secret\":\"has spaces in the secret\"}" "a secret with spaces"
bad 422 unknown_field owner "{$PUB,$EV,\"owner\":\"x\"}" "an unknown field"
bad 400 invalid_json - '{"url":' "malformed JSON"

# ---- a public address is fine without ALLOW_PRIVATE; roles and tenants
api POST "$N" "$A" "{$PUB,$EV,\"format\":\"slack\"}"
is "$HTTP_STATUS" 201 "a public address is accepted"
PUBN=$(json_get .id)
keep NotificationCreated
like "$(json_get .secret)" '^[A-Za-z0-9_-]{40,}$' "a generated secret is shown once"
json_is .format slack "the format"
json_is '.events | join(",")' deployment.released "the events"
api GET "$N" "$A"
is "$HTTP_STATUS" 200 "an owner lists them"
json_is '.items | length' 1 "one notification"
json_is '.items[0] | has("secret")' false "never the secret again"
json_is '.items[0].url' https://93.184.215.14/hook "an admin sees the URL"
keep NotificationList
api GET "$N" "$VIC"
is "$HTTP_STATUS" 200 "a viewer lists them"
json_is '.items[0].url' 'https://93.184.215.14/...' "without the URL's path (it can be a credential)"
for who in VIC DEV; do
	before=$(rows)
	api POST "$N" "${!who}" "{$PUB,$EV}"
	is "$HTTP_STATUS" 403 "$who cannot create one"
	api DELETE "$N/$PUBN" "${!who}"
	is "$HTTP_STATUS" 403 "$who cannot delete one"
	api POST "$N/$PUBN/test" "${!who}"
	is "$HTTP_STATUS" 403 "$who cannot send a test"
	is "$(rows)" "$before" "$who changed nothing"
done
api GET "$N/$PUBN/deliveries" "$VIC"
is "$HTTP_STATUS" 200 "a viewer reads the deliveries"
for req in "GET $N" "POST $N" "DELETE $N/$PUBN" "POST $N/$PUBN/test" "GET $N/$PUBN/deliveries" \
	"DELETE /api/workspaces/$BOB_WS/notifications/$PUBN" "POST /api/workspaces/$BOB_WS/notifications/$PUBN/test" \
	"GET /api/workspaces/$BOB_WS/notifications/$PUBN/deliveries"; do
	api ${req% *} "${req#* }" "$BOB" "{$PUB,$EV}"
	is "$HTTP_STATUS" 404 "another tenant: ${req/$WS_ID/{ws\}} is 404"
done
api DELETE "$N/not-a-uuid" "$A"
is "$HTTP_STATUS" 404 "a malformed id is 404"
api GET "$N/00000000-0000-4000-8000-000000000000/deliveries" "$A"
is "$HTTP_STATUS" 404 "an unknown id is 404"
json_error notification_not_found "notification_not_found"
api DELETE "$N/$PUBN" "$A"
is "$HTTP_STATUS" 204 "an owner deletes one"
is "$(rows)" 0 "it is gone"
is "$(psql_stack -c "SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE target_type = 'notification'")" \
	notification.create,notification.delete "creation and deletion are audited"

# ---- from here the operator allows private addresses (the receiver is on loopback)
"$DEV_STACK" stop "$STACK_DIR" api >/dev/null 2>&1
echo 'export PLATFORM_NOTIFY_ALLOW_PRIVATE=1' >>"$STACK_DIR/stack.env"
"$DEV_STACK" start "$STACK_DIR" api >/dev/null 2>&1 || bail_out "the api did not start again"
wait_until 20 eval 'api GET "$N" "$A"; [ "$HTTP_STATUS" = 200 ]' || bail_out "the api does not answer"

SECRET=s3cret-for-the-tests-1234
# mk NAME PATH EVENTS [FORMAT] [SECRET]: a notification of alice's workspace; its id in NAME
mk() {
	local s=${5:+,\"secret\":\"$5\"}
	api POST "$N" "$A" "{\"url\":\"$RECV$2\",\"events\":$3,\"format\":\"${4:-json}\"$s}"
	[ "$HTTP_STATUS" = 201 ] || diag "creating $1: $HTTP_STATUS $HTTP_BODY"
	printf -v "$1" '%s' "$(json_get .id)"
}
mk N1 /ok/n1 '["deployment.released","deployment.failed"]' json "$SECRET"
is "$HTTP_STATUS" 201 "a loopback receiver is accepted once the operator allows it"
json_is .secret null "a secret the caller chose is not echoed"
keep NotificationCreated
mk N2 /ok/slack '["deployment.released"]' slack
SLACK_SECRET=$(json_get .secret)
mk N3 /flaky/2/n3 '["deployment.released"]'
mk N4 /fail/n4 '["deployment.released"]'
mk N5 /redirect/n5 '["deployment.released"]'
api POST "/api/workspaces/$BOB_WS/notifications" "$BOB" "{\"url\":\"$RECV/ok/bob\",\"events\":[\"deployment.released\",\"deployment.failed\"]}"
is "$HTTP_STATUS" 201 "bob subscribes his own workspace"
ok "the secret is sealed at rest" test "$(psql_stack -c "SELECT count(*) FROM notifications WHERE position(convert_to('$SECRET', 'UTF8') in secret) > 0")" = 0

# ---- a worker without ALLOW_PRIVATE refuses to connect, whatever the API accepted
worker_start guard
export PLATFORM_NOTIFY_ALLOW_PRIVATE=1 # for the workers started after this one
api POST "$N/$N1/test" "$A"
is "$HTTP_STATUS" 202 "send test answers 202"
json_is .event notification.test "with the test delivery"
json_is .state pending "pending until the worker sends it"
keep NotificationDelivery
T1=$(json_get .id)
refused() { [ -n "$(psql_stack -c "SELECT 1 FROM notification_deliveries WHERE id = '$T1' AND last_error LIKE 'refused to connect: 127.0.0.1 is a loopback address%'")" ]; }
ok "the guard refuses the loopback address at connect time" wait_until 20 refused
is "$(recv_count /ok/n1)" 0 "and the receiver got nothing"
worker_stop guard

# ---- real deployments, with a worker that may reach loopback
worker_start w1
web=$(t4_project web)
deploy "$web" '{"commit":"0123456789abcdef0123456789abcdef01234567"}'
D=$DEPLOY_ID
ok "the deployment is released" wait_state "$D" released 30
released_n1() { recv_on /ok/n1 | jq -c '[.[] | select(.headers["x-platform-event"] == "deployment.released")]'; }
ok "the receiver gets deployment.released" wait_until 20 eval '[ "$(released_n1 | jq length)" -ge 1 ]'
R=$(released_n1 | jq -c '.[0]')
B=$(body_of "$R")
ok "signed: X-Platform-Signature-256 is the HMAC-SHA256 of the raw body" hmac_ok "$R" "$SECRET"
ok "a wrong secret does not verify" not hmac_ok "$R" "another-secret-entirely" 2>/dev/null
is "$(jq -r '.headers["content-type"]' <<<"$R")" application/json "JSON"
is "$(jq -r .method <<<"$R")" POST "POSTed"
DID=$(jq -r '.headers["x-platform-delivery"]' <<<"$R")
like "$DID" '^[0-9a-f-]{36}$' "X-Platform-Delivery is the delivery id"
is "$(jq -r .id <<<"$B")" "$DID" "the body carries the same id"
is "$(jq -r '[.event, .deployment.id, .deployment.state, .deployment.seq, .deployment.commit, .project.name, .workspace.id] | join(",")' <<<"$B")" \
	"deployment.released,$D,released,1,0123456789abcdef0123456789abcdef01234567,web,alice" "the body says what happened"
is "$(jq -r .project.live_url <<<"$B")" "$(live_url web-alice.apps.localhost)" "with the live URL"
is "$(jq -r .deployment.url <<<"$B")" "$PLATFORM_PUBLIC_URL/deployments/$D" "and the deployment's page"
ok "the body holds no secret" not grep -q "$SECRET" <<<"$B"
is "$(recv_on /ok/n1 | jq '[.[] | select(.headers["x-platform-event"] == "deployment.building")] | length')" 0 \
	"events not subscribed to are not sent"
api GET "$N/$N1/deliveries" "$VIC"
is "$(json_get "[.items[] | select(.id == \"$DID\")][0] | [.state, .response_status, .attempts, .deployment_id, .event] | join(\",\")")" \
	"delivered,200,1,$D,deployment.released" "the delivery log: delivered, 200, one attempt"
keep NotificationDeliveryList
like "$(json_get "[.items[] | select(.id == \"$DID\")][0].response_ms")" '^[0-9]+$' "with the response time"
is "$(psql_stack -c "SELECT count(*) FROM notification_deliveries WHERE deployment_id = '$D' AND event = 'deployment.released'")" 5 \
	"one delivery per subscribed notification of the workspace, none for the other tenant"

# slack
ok "the slack receiver gets it" wait_until 20 eval '[ "$(recv_count /ok/slack)" -ge 1 ]'
S=$(recv_on /ok/slack | jq -c '.[0]')
SB=$(body_of "$S")
is "$(jq -r 'keys | join(",")' <<<"$SB")" text "a Slack body is {\"text\": ...}"
like "$(jq -r .text <<<"$SB")" '^web: deployment #1 is released \(commit 0123456\) at '"$(live_url web-alice.apps.localhost | sed 's/[.]/\\./g')" "saying what happened"
ok "signed with the generated secret" hmac_ok "$S" "$SLACK_SECRET"

# retries: 500, 500, then 200, with a growing wait and the same delivery and body
ok "the flaky receiver is retried until it answers 200" wait_until 20 eval '[ "$(recv_count /flaky/2/n3)" -ge 3 ]'
F=$(recv_on /flaky/2/n3)
is "$(jq -r '[.[].headers["x-platform-delivery"]] | unique | length' <<<"$F")" 1 "every attempt is the same delivery"
is "$(jq -r '[.[].body_base64] | unique | length' <<<"$F")" 1 "with the same bytes"
gap1=$(jq '.[1].at - .[0].at' <<<"$F")
gap2=$(jq '.[2].at - .[1].at' <<<"$F")
cmp_ok "$gap1" -ge 180 "the first retry waits PLATFORM_NOTIFY_RETRY_MS ($gap1 ms)"
cmp_ok "$gap2" -ge 380 "the second waits twice as long ($gap2 ms)"
flaky_done() { [ "$(psql_stack -c "SELECT state || ',' || attempts || ',' || response_status FROM notification_deliveries WHERE notification_id = '$N3'")" = delivered,3,200 ]; }
ok "then it is delivered, after 3 attempts" wait_until 10 flaky_done
sleep 1
is "$(recv_count /flaky/2/n3)" 3 "and not sent again"

# giving up after PLATFORM_NOTIFY_RETRY_FOR
gave_up() { [ "$(psql_stack -c "SELECT state FROM notification_deliveries WHERE notification_id = '$N4'")" = failed ]; }
ok "an always failing receiver is given up after PLATFORM_NOTIFY_RETRY_FOR" wait_until 30 gave_up
api GET "$N/$N4/deliveries" "$A"
json_is '.items[0].error' 'the receiver answered 500' "the log says why"
json_is '.items[0].next_attempt_at' null "and nothing is planned"
keep NotificationDeliveryList
cmp_ok "$(json_get '.items[0].attempts')" -ge 3 "after several attempts"

# redirects are not followed
ok "the redirecting receiver was asked" wait_until 20 eval '[ "$(recv_count /redirect/n5)" -ge 1 ]'
sleep 0.5
is "$(recv_count /ok/redirected)" 0 "its redirect was not followed"
like "$(psql_stack -c "SELECT last_error FROM notification_deliveries WHERE notification_id = '$N5'")" '302 \(redirects are not followed\)' \
	"and it counts as a failure"

# a failed deployment
broken=$(t4_project broken)
fake_config '{"byProject":{"broken":{"result":"FAILURE","lines":2}}}'
deploy "$broken"
BAD=$DEPLOY_ID
ok "a failing build ends failed" wait_state "$BAD" failed 30
failed_n1() { recv_on /ok/n1 | jq -c '[.[] | select(.headers["x-platform-event"] == "deployment.failed")]'; }
ok "the receiver gets deployment.failed" wait_until 20 eval '[ "$(failed_n1 | jq length)" -ge 1 ]'
FB=$(body_of "$(failed_n1 | jq -c '.[0]')")
is "$(jq -r '[.deployment.id, .deployment.state] | join(",")' <<<"$FB")" "$BAD,failed" "about the failed deployment"
like "$(jq -r .deployment.error <<<"$FB")" 'npm run build exited with 1' "with the reason"
is "$(recv_count /ok/bob)" 0 "another tenant hears nothing of alice's deployments"

# the test action, and a worker restarted with deliveries waiting
tested() { recv_on /ok/n1 | jq -c '[.[] | select(.headers["x-platform-event"] == "notification.test")]'; }
ok "the refused test delivery was sent once a worker could" wait_until 20 eval '[ "$(tested | jq length)" -ge 1 ]'
worker_stop w1
api POST "$N/$N1/test" "$A"
is "$HTTP_STATUS" 202 "a test while no worker runs"
T2=$(json_get .id)
sleep 0.5
is "$(psql_stack -c "SELECT state FROM notification_deliveries WHERE id = '$T2'")" pending "waits in PostgreSQL"
worker_start w2
ok "a restarted worker sends it" wait_until 20 eval '[ "$(tested | jq --arg id "$T2" "[.[] | select(.headers[\"x-platform-delivery\"] == \$id)] | length")" = 1 ]'
TB=$(tested | jq -c --arg id "$T2" '[.[] | select(.headers["x-platform-delivery"] == $id)][0]')
ok "the test delivery is signed" hmac_ok "$TB" "$SECRET"
is "$(body_of "$TB" | jq -r '[.event, .workspace.id, .notification.id] | join(",")')" "notification.test,alice,$N1" "and says it is a test"

# nothing secret in the logs
ok "neither the secret nor the receiver's URL reach the worker's log" \
	not grep -qE "$SECRET|$SLACK_SECRET|/ok/n1" "$TEST_TMP"/worker-*.log
ok "nor the API's" not grep -qE "$SECRET|$SLACK_SECRET" "$STACK_DIR/logs/api.log"

api GET "$N/$N5/deliveries" "$A"
keep NotificationDeliveryList
api GET "$N" "$VIC"
keep NotificationList
ok "the answers match api/openapi.yaml (${#KEPT[@]} checked)" \
	env NODE_PATH="$top_srcdir/tests/node_modules" node "$top_srcdir/tests/notify/validate.js" "$top_srcdir/api/openapi.yaml" "${KEPT[@]}"

api DELETE "$N/$N1" "$A"
is "$HTTP_STATUS" 204 "deleting a notification"
api GET "$N/$N1/deliveries" "$A"
is "$HTTP_STATUS" 404 "takes its delivery log with it"
done_testing

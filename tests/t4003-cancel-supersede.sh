#!/usr/bin/env bash
# t4003-cancel-supersede.sh: cancel in each state, supersede, and the callback endpoint's checks
. "${top_srcdir:-.}/tests/t4-lib.sh"

t4_stack # supersede is on by default
t4_seed carol
fake_config '{"default":{"queueMs":150,"lines":60,"lineMs":60}}'

cancel() { http POST "$PLATFORM_URL/api/deployments/$1/cancel" -H "Authorization: Bearer $TOKEN"; }
col() { psql_stack -c "SELECT $2 FROM deployments WHERE id = '$1'"; }

# ---- queued, before any worker: cancelled at once, Jenkins never hears of it
p=$(t4_project early)
deploy "$p"
d=$DEPLOY_ID
cancel "$d"
is "$HTTP_STATUS" 200 "cancelling a deployment Jenkins has not seen answers 200"
json_is .state cancelled "it is cancelled at once"
like "$(json_get .cancelled_at)" 'Z$' "cancelled_at is set"
worker_start w1
sleep 1.5
is "$(triggers_of "$d")" 0 "the worker never triggers a cancelled deployment"
is "$(psql_stack -c "SELECT state FROM jobs WHERE deployment_id = '$d'")" done "its job is done"

# ---- waiting in the Jenkins queue: the queue item is cancelled
p=$(t4_project inqueue)
# the fake must know the branch is slow before the trigger reaches it
fake_config '{"byBranch":{"slowq":{"queueMs":60000}}}'
deploy "$p" '{"branch":"slowq"}'
d=$DEPLOY_ID
queued_in_jenkins() { [ -n "$(col "$d" jenkins_queue_id)" ]; }
ok "the build waits in the Jenkins queue" wait_until 20 queued_in_jenkins
cancel "$d"
is "$HTTP_STATUS" 202 "cancel answers 202 while Jenkins is being told"
like "$(json_get .cancel_requested_at)" 'Z$' "the request is recorded"
ok "it ends cancelled" wait_state "$d" cancelled 20
qid=$(col "$d" jenkins_queue_id)
is "$(curl -sS -u "$PLATFORM_JENKINS_USER:$PLATFORM_JENKINS_TOKEN" "$FAKE_URL/queue/item/$qid/api/json" | jq -c '[.cancelled, .executable]')" \
	'[true,null]' "the Jenkins queue item was cancelled"

# ---- building: the build is stopped, the log still read to its end
p=$(t4_project running)
deploy "$p"
d=$DEPLOY_ID
has_log() { [ "$(col "$d" log_offset)" -gt 0 ]; }
ok "building, log arriving" wait_until 20 has_log
cancel "$d"
is "$HTTP_STATUS" 202 "cancel of a running build answers 202"
ok "it ends cancelled" wait_state "$d" cancelled 20
is "$(fake_get builds | jq -r --arg id "$d" '.[] | select(.deployment_id == $id) | .result')" ABORTED \
	"the Jenkins build was stopped (ABORTED)"
ok "the log, up to the abort, is stored exactly" log_matches "$d"
like "$(col "$d" error)" '^$' "a cancelled deployment carries no error"

# ---- finished deployments cannot be cancelled
cancel "$d"
is "$HTTP_STATUS" 409 "cancelling a cancelled deployment is 409"
json_error not_cancellable "with code not_cancellable"
p=$(t4_project done)
fake_config '{"byProject":{"done":{"lines":3,"lineMs":20}}}'
deploy "$p"
d=$DEPLOY_ID
ok "released" wait_state "$d" released 20
cancel "$d"
is "$HTTP_STATUS" 409 "cancelling a released deployment is 409"
like "$(json_get .error.message)" 'deploy an earlier version' "the message says what to do instead"

# ---- supersede: a new deploy of the same project ends the one still building
p=$(t4_project sup)
deploy "$p"
old=$DEPLOY_ID
dold() { [ "$(col "$old" log_offset)" -gt 0 ]; }
ok "the first build runs" wait_until 20 dold
fake_config '{"byProject":{"sup":{"lines":5,"lineMs":30}}}'
deploy "$p"
new=$DEPLOY_ID
is "$(state_of "$old")" superseded "the older deployment is superseded at once"
is "$(col "$old" superseded_by)" "$new" "superseded_by names the newer one"
ok "the newer one is released" wait_state "$new" released 30
aborted() { [ "$(fake_get builds | jq -r --arg id "$old" '.[] | select(.deployment_id == $id) | .result')" = ABORTED ]; }
ok "the older build was stopped in Jenkins" wait_until 20 aborted
ok "the older deployment stays superseded" test "$(state_of "$old")" = superseded
ok "its job is done" wait_until 20 job_done "$old"

# ---- the callback endpoint, through nginx as Jenkins reaches it
event() { # event TOKEN JSON: sets EV_STATUS and EV_BODY
	http POST "$PLATFORM_URL/internal/jenkins/events" -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' --data "$2"
	EV_STATUS=$HTTP_STATUS
	EV_BODY=$HTTP_BODY
}
p=$(t4_project cb)
fake_config '{"byProject":{"cb":{"queueMs":60000,"callbacks":false}}}'
deploy "$p"
d=$DEPLOY_ID
queued_cb() { [ -n "$(col "$d" jenkins_queue_id)" ]; }
ok "queued in Jenkins" wait_until 20 queued_cb
event wrong-token "{\"deployment_id\":\"$d\",\"event\":\"stage\",\"stage\":\"build\"}"
is "$EV_STATUS" 401 "an event with a wrong token is refused with 401"
bad_token_body=$EV_BODY
is "$(col "$d" stage)" "" "and not applied"
event "" "{\"deployment_id\":\"$d\",\"event\":\"stage\",\"stage\":\"build\"}"
is "$EV_STATUS" 401 "an event without a token is refused"
event whatever '{"deployment_id":"00000000-0000-0000-0000-000000000000","event":"stage","stage":"x"}'
is "$EV_STATUS" 401 "an event for an unknown deployment is 401, as a wrong token"
is "$EV_BODY" "$bad_token_body" "with the same body"
event whatever "{\"deployment_id\":\"$old\",\"event\":\"released\",\"gitops_commit\":\"abc\"}"
is "$EV_STATUS" 401 "the token of another deployment does not open a superseded one"
tok=$(fake_get "token/$d")
event "$tok" "{\"deployment_id\":\"$d\",\"event\":\"stage\",\"stage\":\"build\"}"
is "$EV_STATUS" 200 "the deployment's own token is accepted"
is "$(col "$d" stage)" build "the stage is recorded"
is "$(state_of "$d")" building "a stage event moves a queued deployment to building"
event "$tok" "{\"deployment_id\":\"$d\",\"event\":\"launch\"}"
is "$EV_STATUS" 422 "an unknown event is 422"
own=$(psql_stack -c "SELECT p.user_id || '-' || p.name FROM deployments d JOIN projects p ON p.id = d.project_id WHERE d.id = '$d'")
event "$tok" "{\"deployment_id\":\"$d\",\"event\":\"pushed\",\"image\":\"r/$own\",\"tag\":\"t1\",\"digest\":\"sha256:00\"}"
is "$(state_of "$d"),$(col "$d" tag)" pushed,t1 "a pushed event records the image and moves to pushed"
event "$tok" "{\"deployment_id\":\"$d\",\"event\":\"result\",\"result\":\"FAILURE\",\"error\":\"trivy found 3 critical vulnerabilities\"}"
is "$(state_of "$d")" failed "a FAILURE result fails the deployment"
is "$(col "$d" error)" "trivy found 3 critical vulnerabilities" "with the pipeline's reason"
event "$tok" "{\"deployment_id\":\"$d\",\"event\":\"released\",\"gitops_commit\":\"abc\"}"
is "$EV_STATUS" 401 "an event for a finished deployment is refused: its token died with it"
json_body=$EV_BODY
is "$(jq -r .error.code <<<"$json_body")" invalid_callback_token "with code invalid_callback_token"
is "$(col "$d" gitops_commit)" "" "and not applied"
tok_old=$(fake_get "token/$old")
event "$tok_old" "{\"deployment_id\":\"$old\",\"event\":\"stage\",\"stage\":\"build\"}"
is "$EV_STATUS" 401 "a superseded deployment takes no more events, even with its token"
ok "no log holds a callback token" not grep -rq -- "$tok" "$TEST_TMP"/worker-*.log "$STACK_DIR"/logs/
ok "the Jenkins token is not in any log" no_secret_in "$TEST_TMP"/worker-*.log "$STACK_DIR"/logs/*.log
worker_stop w1
done_testing

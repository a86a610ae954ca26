#!/usr/bin/env bash
# t4004-timeouts-jenkins-down.sh: queue and build time limits, Jenkins down, 5xx bursts, slowness, crumbs, bad credentials
. "${top_srcdir:-.}/tests/t4-lib.sh"

export PLATFORM_DEPLOY_SUPERSEDE=0
t4_stack
t4_seed dave
fake_config '{"default":{"queueMs":100,"lines":6,"lineMs":40}}'
export PLATFORM_JENKINS_QUEUE_TIMEOUT=2 PLATFORM_JENKINS_BUILD_TIMEOUT=3
worker_start w1
col() { psql_stack -c "SELECT $2 FROM deployments WHERE id = '$1'"; }

# ---- the queue wait limit
p=$(t4_project stuck)
fake_config '{"byProject":{"stuck":{"queueMs":600000}}}'
deploy "$p"
d=$DEPLOY_ID
ok "a build stuck in the queue fails" wait_state "$d" failed 20
like "$(col "$d" error)" 'waited more than 2 s in the Jenkins queue.*free executor' "the reason names the limit and what to check"
qid=$(col "$d" jenkins_queue_id)
is "$(curl -sS -u "$PLATFORM_JENKINS_USER:$PLATFORM_JENKINS_TOKEN" "$FAKE_URL/queue/item/$qid/api/json" | jq .cancelled)" true \
	"its queue item was cancelled"

# ---- the build time limit
p=$(t4_project long)
fake_config '{"byProject":{"long":{"lines":1000,"lineMs":50}}}'
deploy "$p"
d=$DEPLOY_ID
ok "a build over the limit fails" wait_state "$d" failed 20
like "$(col "$d" error)" 'ran longer than the limit of 3 s and was stopped' "the reason names the limit"
is "$(fake_get builds | jq -r --arg id "$d" '.[] | select(.deployment_id == $id) | .result')" ABORTED "the build was stopped in Jenkins"
ok "its log is stored up to the stop" log_matches "$d"

# ---- a burst of 503s shorter than the retries: the deploy goes through, triggered once
p=$(t4_project burst)
fake_config '{"burst5xx":3}'
deploy "$p"
d=$DEPLOY_ID
ok "a deploy through a 5xx burst is released" wait_state "$d" released 30
is "$(triggers_of "$d")" 1 "and was triggered once"
ok "its log is exact" log_matches "$d"

# ---- a slow Jenkins (each answer 600 ms late)
p=$(t4_project slow)
fake_config '{"slowMs":600}'
deploy "$p"
d=$DEPLOY_ID
ok "a deploy through a slow Jenkins is released" wait_state "$d" released 40
ok "its log is exact" log_matches "$d"
fake_config '{"slowMs":0}'

# ---- CSRF crumbs: the first POST gets 403, the worker fetches a crumb and sends it again
p=$(t4_project crumb)
fake_config '{"requireCrumb":true}'
deploy "$p"
d=$DEPLOY_ID
ok "a deploy against a Jenkins that wants crumbs is released" wait_state "$d" released 30
is "$(triggers_of "$d")" 1 "triggered once"
like "$(cat "$TEST_TMP/worker-w1.log")" 'jenkins crumb obtained' "the worker obtained a crumb"
p=$(t4_project crumbstop)
fake_config '{"byProject":{"crumbstop":{"lines":1000,"lineMs":50}}}'
deploy "$p"
d=$DEPLOY_ID
ok "the build time limit stops a build with the crumb too" wait_state "$d" failed 20
is "$(fake_get builds | jq -r --arg id "$d" '.[] | select(.deployment_id == $id) | .result')" ABORTED "stopped (POST with crumb)"
fake_config '{"requireCrumb":false}'

# ---- Jenkins unreachable: bounded retries, then failed with the reason, nothing triggered
p=$(t4_project down)
fake_config '{"downMs":60000}'
deploy "$p"
d=$DEPLOY_ID
ok "a deploy while Jenkins is down fails" wait_state "$d" failed 30
like "$(col "$d" error)" 'Jenkins did not answer while (starting the build|looking for an earlier trigger).*attempts.*check that Jenkins at http://127\.0\.0\.1:[0-9]+ is up' \
	"the reason says Jenkins did not answer, how often, and where"
fake_config '{"downMs":0}'
is "$(triggers_of "$d")" 0 "nothing was triggered"
ok "the worker is still running" alive "$WORKER_w1"
worker_stop w1

# ---- wrong credentials: failed with a reason a person can act on
PLATFORM_JENKINS_TOKEN=wrong-token-4004 worker_start w2
p=$(t4_project creds)
deploy "$p"
d=$DEPLOY_ID
ok "a deploy with bad Jenkins credentials fails" wait_state "$d" failed 20
like "$(col "$d" error)" 'refused the credentials \(HTTP 401\).*PLATFORM_JENKINS_TOKEN' "the reason names the setting to fix"
ok "the wrong token is not logged either" not grep -q 'wrong-token-4004' "$TEST_TMP/worker-w2.log"
ok "the right token never reached a log" no_secret_in "$TEST_TMP"/worker-*.log "$STACK_DIR"/logs/*.log
worker_stop w2
done_testing

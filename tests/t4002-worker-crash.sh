#!/usr/bin/env bash
# t4002-worker-crash.sh: workers killed with SIGKILL mid-build: jobs are taken over, nothing is triggered twice, logs stay exact
. "${top_srcdir:-.}/tests/t4-lib.sh"

export PLATFORM_DEPLOY_SUPERSEDE=0
export PLATFORM_WORKER_LEASE=2 # a dead worker's jobs are free again 2 s later
t4_stack
t4_seed bob
fake_config '{"default":{"queueMs":300,"lines":40,"lineMs":60,"splitUtf8":true}}'

projects=()
for i in 0 1 2 3; do projects+=("$(t4_project "c$i")"); done
worker_start w1
: >"$TEST_TMP/ids"
for round in 1 2 3 4 5; do
	for p in "${projects[@]}"; do
		deploy "$p"
		[ "$HTTP_STATUS" = 202 ] && echo "$DEPLOY_ID" >>"$TEST_TMP/ids"
	done
done
is "$(wc -l <"$TEST_TMP/ids")" 20 "20 deploys accepted"
some_building() {
	[ "$(psql_stack -c "SELECT count(*) FROM deployments WHERE state = 'building' AND log_offset > 0")" -ge 5 ]
}
ok "builds are under way with logs stored" wait_until 30 some_building
worker_stop w1 KILL
ok "the worker died" not alive "$WORKER_w1"
ok "its jobs are still held by its lease" \
	test "$(psql_stack -c "SELECT count(*) FROM jobs WHERE state = 'running'")" -gt 0

# two workers take over; one of them is killed again a little later
worker_start w2
worker_start w3
sleep 3
worker_stop w2 KILL
worker_start w4
all_final() { [ "$(psql_stack -c "SELECT count(*) FROM deployments WHERE state IN ('released', 'failed', 'cancelled')")" = 20 ]; }
ok "every deployment reaches a final state" wait_until 90 all_final
is "$(psql_stack -c "SELECT string_agg(DISTINCT state, ',') FROM deployments")" released "all 20 are released"
is "$(dup_triggers)" "" "no build was triggered twice"
is "$(fake_get triggers | jq length)" 20 "Jenkins saw exactly 20 triggers"
mismatch=0
while read -r id; do log_matches "$id" || mismatch=$((mismatch + 1)); done <"$TEST_TMP/ids"
is "$mismatch" 0 "every stored log equals the Jenkins log: no gap, no duplicate"
is "$(psql_stack -c "SELECT count(*) FROM jobs WHERE state <> 'done'")" 0 "every job is done"
ok "some jobs were taken over (attempts > 1)" \
	test "$(psql_stack -c "SELECT count(*) FROM jobs WHERE attempts > 1")" -gt 0

# a worker killed while its trigger was on the wire: the next one finds the queue item
p=$(t4_project late)
fake_config '{"slowMs":1500}'
deploy "$p"
late=$DEPLOY_ID
in_flight() { [ "$(triggers_of "$late")" = 1 ]; }
ok "the trigger reached Jenkins" wait_until 20 in_flight
worker_stop w3 KILL
worker_stop w4 KILL
ok "the answer never reached the platform" \
	test -z "$(psql_stack -c "SELECT jenkins_queue_id FROM deployments WHERE id = '$late'")"
fake_config '{"slowMs":0}'
# meanwhile Jenkins moved on: the build left the queue and 150 newer builds push it past the
# newest 100, so the search has to go on to older pages
started() { fake_get builds | jq -e --arg d "$late" 'any(.deployment_id == $d)' >/dev/null; }
ok "its build started while no worker ran" wait_until 20 started
curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"count":150}' "$FAKE_URL/_fake/filler" ||
	bail_out "the fake Jenkins made no filler builds"
worker_start w5
ok "a new worker completes it" wait_state "$late" released 40
is "$(triggers_of "$late")" 1 "and did not trigger it again"
ok "its log is exact too" log_matches "$late"
like "$(cat "$TEST_TMP"/worker-w5.log)" 'found the earlier trigger' "the new worker found the earlier trigger by DEPLOYMENT_ID"

# SIGTERM hands jobs back at once (no lease wait)
p2=$(t4_project term)
fake_config '{"byProject":{"term":{"lines":60,"lineMs":50}}}'
deploy "$p2"
t=$DEPLOY_ID
ok "building" wait_state "$t" building 20
worker_stop w5 TERM
is "$(psql_stack -c "SELECT state || ' ' || coalesce(locked_by, '-') FROM jobs WHERE deployment_id = '$t'")" "queued -" \
	"SIGTERM gives the job back"
worker_start w6
ok "another worker finishes it" wait_state "$t" released 30
ok "log exact after the hand-over" log_matches "$t"
is "$(dup_triggers)" "" "still no build triggered twice"
ok "no worker log holds the Jenkins token" no_secret_in "$TEST_TMP"/worker-*.log
worker_stop w6
done_testing

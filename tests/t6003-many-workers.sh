#!/usr/bin/env bash
# t6003-many-workers.sh: three workers share 300 deployments through the fake Jenkins; one is killed
# by pid midway: no deployment lost, none triggered twice, every stored log byte-exact
. "${top_srcdir:-.}/tests/t4-lib.sh"

export PLATFORM_DEPLOY_SUPERSEDE=0
export PLATFORM_WORKER_LEASE=2 # a dead worker's jobs are free again 2 s later
export PLATFORM_WORKER_POLL=1
# Each worker follows at most 20 builds at once (60 in flight): the fake Jenkins is one node
# process, and 300 builds polled at once would measure its limits, not the platform's. The
# worker's lookup of an earlier trigger reads the newest 100 builds (README "Limits").
export PLATFORM_WORKER_MAX_BUILDS=20
export PLATFORM_JENKINS_POLL_MS=250
export PLATFORM_JENKINS_TIMEOUT_MS=10000
export PLATFORM_JENKINS_RETRIES=10
N=300
t4_stack
t4_seed many
fake_config '{"default":{"queueMs":200,"lines":8,"lineMs":60,"splitUtf8":true}}'

# 30 projects, 10 deployments each (supersede off: every one runs)
psql_stack -c "INSERT INTO projects (workspace_id, user_id, name, repo_url, branch, port)
	SELECT '$WS_ID', '$USER_ID', 'p' || i, 'https://github.com/$USER_ID/p' || i, 'main', 8080
	FROM generate_series(1, 30) i" >/dev/null
psql_stack -c "SELECT id FROM projects WHERE workspace_id = '$WS_ID' ORDER BY name" >"$TEST_TMP/projects"
is "$(wc -l <"$TEST_TMP/projects")" 30 "30 projects"
worker_start w1
worker_start w2
worker_start w3
# one curl for all 300 requests, 8 in flight (a process per request is slow on a loaded machine)
mkdir -p "$TEST_TMP/answers"
i=0
for r in $(seq 1 10); do
	while read -r p; do
		i=$((i + 1))
		printf 'url = "%s/api/projects/%s/deploy"\noutput = "%s/answers/%d.json"\n' "$PLATFORM_URL" "$p" "$TEST_TMP" "$i"
	done <"$TEST_TMP/projects"
done >"$TEST_TMP/deploys.cfg"
curl -sS --no-progress-meter --parallel --parallel-max 8 --max-time 60 -X POST -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{}' --config "$TEST_TMP/deploys.cfg"
cat "$TEST_TMP"/answers/*.json | jq -r 'select(.id) | .id' >"$TEST_TMP/ids"
is "$(sort -u "$TEST_TMP/ids" | wc -l)" "$N" "$N deploys accepted"

released_count() { psql_stack -c "SELECT count(*) FROM deployments WHERE state = 'released'"; }
held_by_w2() { psql_stack -c "SELECT count(*) FROM jobs WHERE state = 'running' AND locked_by LIKE '%:$WORKER_w2:%'"; }
midway() { [ "$(released_count)" -ge 60 ] && [ "$(held_by_w2)" -ge 3 ]; }
ok "builds are released while worker 2 holds some" wait_until 120 midway
held=$(held_by_w2)
worker_stop w2 KILL
ok "worker 2 is dead" not alive "$WORKER_w2"
diag "worker 2 held $held jobs when it died; $(released_count) released by then"
all_final() { [ "$(psql_stack -c "SELECT count(*) FROM deployments WHERE state IN ('released', 'failed', 'cancelled')")" = "$N" ]; }
ok "every deployment reaches a final state" wait_until 180 all_final
is "$(psql_stack -c "SELECT string_agg(DISTINCT state, ',') FROM deployments")" released "all $N are released"
is "$(dup_triggers)" "" "no build was triggered twice"
is "$(fake_get triggers | jq length)" "$N" "Jenkins saw exactly $N triggers"
is "$(fake_get triggers | jq -r '.[].deployment_id' | sort -u | wc -l)" "$N" "one for each deployment"
wait_until 30 yields 0 psql_stack -c "SELECT count(*) FROM jobs WHERE state <> 'done'"
is "$(psql_stack -c "SELECT count(*) FROM jobs WHERE state <> 'done'")" 0 "every job is done"
for w in w1 w2 w3; do
	cmp_ok "$(grep -c '"msg":"job claimed"' "$TEST_TMP/worker-$w.log")" -gt 0 "worker $w claimed jobs"
done
cmp_ok "$(psql_stack -c "SELECT count(*) FROM jobs WHERE attempts > 1")" -ge 1 \
	"the killed worker's jobs were taken over (attempts > 1)"

# byte-exact logs: everything Jenkins printed, against what PostgreSQL holds
psql_stack -F ' ' -c "SELECT d.id, translate(encode(convert_to(coalesce(string_agg(l.chunk, '' ORDER BY l.byte_offset), ''), 'UTF8'), 'base64'), E'\\n', '')
	FROM deployments d LEFT JOIN deployment_logs l ON l.deployment_id = d.id GROUP BY d.id" >"$TEST_TMP/stored"
(cd "$top_srcdir/tests" && node k8s/logs-match.mjs "$FAKE_URL" <"$TEST_TMP/stored") >"$TEST_TMP/match.json"
is "$(jq -r .checked "$TEST_TMP/match.json")" "$N" "$N stored logs checked against the Jenkins logs"
is "$(jq -c .mismatched "$TEST_TMP/match.json")" "[]" "all equal byte for byte: no gap, no duplicate"
is "$(psql_stack -c "SELECT count(*) FROM deployments WHERE log_complete_at IS NULL")" 0 "and every log is marked complete"
worker_stop w1
worker_stop w3
done_testing

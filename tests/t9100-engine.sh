#!/usr/bin/env bash
# t9100-engine.sh: the worker's engine (worker/engine.c): drivers chosen once from the
# configuration, and its one finish pruning old logs whichever driver ended the deployment
# (a failed local build too)
. "${top_srcdir:-.}/tests/t4-lib.sh"

unset PLATFORM_JENKINS_URL PLATFORM_GITOPS_URL PLATFORM_ARGOCD_URL
export PLATFORM_BUILD_DRIVER=local PLATFORM_REGISTRY_URL=127.0.0.1:9 PLATFORM_ALLOW_LOCAL_REPOS=0
export PLATFORM_BUILD_DIR=$TEST_TMP/builds PLATFORM_LOG_RETENTION=1
stack_up postgres migrate api nginx
t4_seed alice

# 1. a misspelt driver setting is named at start: Jenkins without its URL stops the worker
PLATFORM_BUILD_DRIVER=jenkins timeout 20 "$PLATFORM_WORKER_BIN" >"$TEST_TMP/bad.log" 2>&1
isnt "$?" 0 "a worker with the Jenkins driver and no Jenkins URL does not start"
like "$(cat "$TEST_TMP/bad.log")" "PLATFORM_JENKINS_URL" "and says which setting is missing"

# 2. the drivers the worker chose, said once at start
worker_start w1
wait_until 20 grep -q '"drivers chosen"' "$TEST_TMP/worker-w1.log"
like "$(grep '"drivers chosen"' "$TEST_TMP/worker-w1.log")" '"build":"local".*"stage":"none"' \
	"the local build driver, and no stage without Argo CD"

# 3. a failed local build prunes old logs like every other end (PLATFORM_LOG_RETENTION=1):
# the repository is refused by the local driver (file:// without PLATFORM_ALLOW_LOCAL_REPOS)
pid=$(psql_stack -c "INSERT INTO projects (workspace_id, user_id, name, repo_url, branch, port)
	VALUES ('$WS_ID', '$USER_ID', 'web', 'file:///nowhere/web', 'main', 8080) RETURNING id" | head -n1)
deploy "$pid"
d1=$DEPLOY_ID
is "$HTTP_STATUS" 202 "first deploy queued"
wait_state "$d1" failed 30
like "$(psql_stack -c "SELECT error FROM deployments WHERE id = '$d1'")" "PLATFORM_ALLOW_LOCAL_REPOS" \
	"the local driver failed it"
wait_until 20 job_done "$d1" || diag "the job of $d1 is not done"
# the first deployment's log, as a build would have stored it
psql_stack -c "INSERT INTO deployment_logs (deployment_id, byte_offset, chunk) VALUES ('$d1', 0, 'an old build log')" >/dev/null
deploy "$pid"
d2=$DEPLOY_ID
wait_state "$d2" failed 30
logs_of_d1() { psql_stack -c "SELECT count(*) FROM deployment_logs WHERE deployment_id = '$d1'"; }
wait_until 20 yields 0 logs_of_d1
is "$(logs_of_d1)" 0 "the older deployment's log is pruned when the failed local build ends"
is "$(psql_stack -c "SELECT count(*) FROM deployments WHERE project_id = '$pid'")" 2 \
	"the deployment rows stay"

worker_stop w1
done_testing

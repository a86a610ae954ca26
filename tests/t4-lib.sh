# tests/t4-lib.sh: sourced by the t4xxx deploy tests: the fake Jenkins, workers, seed rows, deploy helpers
# shellcheck shell=bash
#
#	. "$top_srcdir/tests/t4-lib.sh"      (sources tests/lib.sh)
#	t4_stack                             # PostgreSQL + api + nginx, and the fake Jenkins
#	t4_seed alice                        # a user, her workspace and a session: $TOKEN
#	pid=$(t4_project web)                # a project named web: prints its id
#	worker_start w1                      # platform-worker against the fake; pid in WORKER_w1
#	deploy "$pid" [JSON]                 # POST .../deploy through nginx; DEPLOY_ID
#	wait_state ID STATE [SECONDS]
#
# Every process started here is registered with lib.sh and stopped by pid at exit.

# shellcheck source=tests/lib.sh
. "${top_srcdir:-.}/tests/lib.sh"

: "${PLATFORM_WORKER_BIN:=$top_builddir/worker/platform-worker}"
export PLATFORM_WORKER_BIN
FAKE_JS=$top_srcdir/tests/fakes/fake-jenkins.js

# Quick settings for tests: builds are polled often and failures give up fast.
export PLATFORM_JENKINS_JOB=${PLATFORM_JENKINS_JOB:-platform-deploy}
export PLATFORM_JENKINS_USER=${PLATFORM_JENKINS_USER:-ci}
export PLATFORM_JENKINS_TOKEN=${PLATFORM_JENKINS_TOKEN:-jenkins-api-token-not-for-logs}
export PLATFORM_JENKINS_POLL_MS=${PLATFORM_JENKINS_POLL_MS:-200}
export PLATFORM_JENKINS_RETRY_MS=${PLATFORM_JENKINS_RETRY_MS:-100}
export PLATFORM_JENKINS_RETRIES=${PLATFORM_JENKINS_RETRIES:-4}
export PLATFORM_JENKINS_TIMEOUT_MS=${PLATFORM_JENKINS_TIMEOUT_MS:-3000}
export PLATFORM_WORKER_LEASE=${PLATFORM_WORKER_LEASE:-3}
export PLATFORM_WORKER_POLL=${PLATFORM_WORKER_POLL:-1}
export PLATFORM_CALLBACK_GRACE=${PLATFORM_CALLBACK_GRACE:-3}

# fake_start [ARG...]: the fake Jenkins on a free port; FAKE_URL, FAKE_PID.
fake_start() {
	local pf=$TEST_TMP/fake-jenkins.port
	rm -f "$pf"
	node "$FAKE_JS" --port-file "$pf" --user "$PLATFORM_JENKINS_USER" \
		--token "$PLATFORM_JENKINS_TOKEN" "$@" >"$TEST_TMP/fake-jenkins.log" 2>&1 &
	FAKE_PID=$!
	bg_register "$FAKE_PID"
	wait_until 10 test -s "$pf" || bail_out "the fake Jenkins did not start"
	FAKE_URL=http://127.0.0.1:$(cat "$pf")
	export PLATFORM_JENKINS_URL=$FAKE_URL
}

# fake_config JSON: change the fake's scripts and failure modes.
fake_config() {
	curl -sS -f -o /dev/null --max-time 5 -X POST -H 'Content-Type: application/json' \
		--data "$1" "$FAKE_URL/_fake/config" || diag "fake_config failed: $1"
}

fake_get() { curl -sS --max-time 10 "$FAKE_URL/_fake/$1"; }

# t4_stack [fake args...]: the stack (the api needs the supersede setting the test chose) and the fake.
t4_stack() {
	stack_up postgres migrate api nginx
	fake_start "$@" # callbacks go to $PLATFORM_URL/internal/jenkins/events, through nginx
	export PLATFORM_PUBLIC_URL=$PLATFORM_URL
}

# worker_start NAME: a platform-worker; its pid in WORKER_<NAME>, log in TEST_TMP/worker-NAME.log
worker_start() {
	local name=$1 pid
	"$PLATFORM_WORKER_BIN" >>"$TEST_TMP/worker-$name.log" 2>&1 &
	pid=$!
	bg_register "$pid"
	printf -v "WORKER_$name" '%s' "$pid"
}

# worker_stop NAME [SIGNAL]
worker_stop() {
	local var="WORKER_$1" pid
	pid=${!var}
	kill -"${2:-TERM}" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# t4_seed USER: a user with a personal workspace (same id) and a session; TOKEN, USER_ID, WS_ID.
t4_seed() {
	USER_ID=$1
	WS_ID=$1
	TOKEN=tok-$1-$RANDOM$RANDOM
	psql_stack -c "INSERT INTO users (id, github_id, login) VALUES ('$USER_ID', $((RANDOM * 1000 + RANDOM)), '$USER_ID')" \
		-c "INSERT INTO workspaces (id, name, personal_of, created_by) VALUES ('$WS_ID', '$WS_ID', '$USER_ID', '$USER_ID')" \
		-c "INSERT INTO members (workspace_id, user_id, role) VALUES ('$WS_ID', '$USER_ID', 'owner')" \
		-c "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (sha256('$TOKEN'::bytea), '$USER_ID', now() + interval '1 day')" \
		>/dev/null || bail_out "seeding $USER_ID failed"
}

# t4_member USER ROLE: another user in WS_ID with ROLE; prints that user's token.
t4_member() {
	local u=$1 role=$2 tok=tok-$1-$RANDOM$RANDOM
	psql_stack -c "INSERT INTO users (id, github_id, login) VALUES ('$u', $((RANDOM * 1000 + RANDOM)), '$u')" \
		-c "INSERT INTO members (workspace_id, user_id, role) VALUES ('$WS_ID', '$u', '$role')" \
		-c "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (sha256('$tok'::bytea), '$u', now() + interval '1 day')" \
		>/dev/null || bail_out "seeding $u failed"
	echo "$tok"
}

# t4_project NAME: a project of USER_ID in WS_ID; prints its id.
t4_project() {
	psql_stack -c "INSERT INTO projects (workspace_id, user_id, name, repo_url, branch, port)
		VALUES ('$WS_ID', '$USER_ID', '$1', 'https://github.com/$USER_ID/$1', 'main', 8080) RETURNING id" |
		head -n1
}

# deploy PROJECT_ID [JSON] [CURL-ARG...]: POST /api/projects/ID/deploy; DEPLOY_ID on 202.
deploy() {
	local p=$1 body=${2:-"{}"}
	shift 2 2>/dev/null || shift
	http POST "$PLATFORM_URL/api/projects/$p/deploy" -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data "$body" "$@"
	DEPLOY_ID=$(json_get .id)
}

# state_of ID: the deployment's state, read from PostgreSQL
state_of() { psql_stack -c "SELECT state FROM deployments WHERE id = '$1'"; }

# wait_state ID STATE [SECONDS]: 0 when the deployment reached STATE in time
wait_state() {
	local i t=${3:-30}
	for ((i = 0; i < t * 10; i++)); do
		[ "$(state_of "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	diag "deployment $1 is $(state_of "$1"), not $2"
	return 1
}

# stored_log ID FILE: the log as stored, concatenated by offset, into FILE (bytes exact)
stored_log() {
	psql_stack -c "SELECT string_agg(chunk, '' ORDER BY byte_offset) FROM deployment_logs WHERE deployment_id = '$1'" |
		head -c -1 >"$2" 2>/dev/null || true
	# psql -At adds one newline after the value; head -c -1 took it off
}

# job_done ID: the deployment's job is over (the worker read the log to its end)
job_done() { [ "$(psql_stack -c "SELECT state FROM jobs WHERE deployment_id = '$1'")" = done ]; }

# log_matches ID: once its job is done, the stored log equals what the fake Jenkins printed,
# byte for byte. (A deployment can be released by the pipeline's callback before the worker
# has read the last lines.)
log_matches() {
	local want=$TEST_TMP/want.$1 got=$TEST_TMP/got.$1
	wait_until 30 job_done "$1" || diag "the job of $1 is not done"
	curl -sS --max-time 10 -o "$want" "$FAKE_URL/_fake/log/$1"
	stored_log "$1" "$got"
	if cmp -s "$want" "$got"; then
		return 0
	fi
	diag "log of $1 differs: want $(wc -c <"$want") bytes, got $(wc -c <"$got")"
	return 1
}

# triggers_of ID: how many times the fake saw a buildWithParameters for deployment ID
triggers_of() { fake_get triggers | jq --arg id "$1" '[.[] | select(.deployment_id == $id)] | length'; }

# dup_triggers: deployment ids triggered more than once (empty when none)
dup_triggers() { fake_get triggers | jq -r 'group_by(.deployment_id)[] | select(length > 1) | .[0].deployment_id'; }

# no_secret_in FILE...: neither the Jenkins token nor any callback token appears in the files
no_secret_in() {
	! grep -q -- "$PLATFORM_JENKINS_TOKEN" "$@" 2>/dev/null
}

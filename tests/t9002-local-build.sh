#!/usr/bin/env bash
# t9002-local-build.sh: the local builder end to end: sample deploy (fetch, detect, buildah, registry, GitOps), a failing build, a refused local repo, the build process as started by the worker
. "${top_srcdir:-.}/tests/lib.sh"

for t in buildah docker-registry busybox git; do
	command -v "$t" >/dev/null || { skip "$t is not installed (.ci/packages)"; done_testing; }
done
export PLATFORM_GITHUB_URL=file://$TEST_TMP/stack/repos PLATFORM_ALLOW_LOCAL_REPOS=1
export PLATFORM_WORKER_LEASE=5 PLATFORM_WORKER_POLL=1 PLATFORM_JENKINS_POLL_MS=200
unset PLATFORM_JENKINS_URL PLATFORM_GITOPS_URL PLATFORM_REGISTRY_URL
export PLATFORM_RUNTIME=none # the builder alone: released is final (the runtime: t9101)
stack_up postgres migrate api nginx registry gitops worker
gitdir=${PLATFORM_GITOPS_URL#file://}

# 1. the sample deploy, as the quickstart runs it
start=$(date +%s)
"$top_srcdir/scripts/sample-deploy" "$STACK_DIR" >"$TEST_TMP/sample.out" 2>&1
is "$?" 0 "the sample deploy ends released"
diag "sample deploy took $(($(date +%s) - start)) s"
dep=$(psql_stack -c "SELECT d.id FROM deployments d JOIN projects p ON p.id = d.project_id WHERE p.name = 'site' ORDER BY d.seq DESC LIMIT 1")
is "$(psql_stack -c "SELECT state FROM deployments WHERE id = '$dep'")" released "the deployment is released"
is "$(psql_stack -c "SELECT log_complete_at IS NOT NULL FROM deployments WHERE id = '$dep'")" t "its log is marked complete once released"
read -r image tag gc < <(psql_stack -F ' ' -c "SELECT image, tag, gitops_commit FROM deployments WHERE id = '$dep'")
like "$image" "^127\.0\.0\.1:$PLATFORM_REGISTRY_PORT/sample-sample-site$" "image named <registry>/<workspace>-<user>-<project>"
tags=$(curl -sS "$PLATFORM_REGISTRY_URL/v2/${image#*/}/tags/list")
is "$(jq -r --arg t "$tag" '.tags | index($t) != null' <<<"$tags")" true "the registry has the tag ($tag)"
is "$(git --git-dir="$gitdir" rev-parse main)" "$gc" "the GitOps repository's main is the deployment's commit"
gvals=$(git --git-dir="$gitdir" show "$gc:apps/sample/sample/site/values.yaml")
like "$gvals" "tag: \"?$tag\"?" "GitOps values.yaml holds the tag in the registry"
like "$gvals" "repository: \"?$image\"?" "GitOps values.yaml holds the image"
like "$(git --git-dir="$gitdir" log -1 --format=%B "$gc")" "Deployment-Id: $dep" "the commit names the deployment"
stored_log() { psql_stack -c "SELECT string_agg(chunk, '' ORDER BY byte_offset) FROM deployment_logs WHERE deployment_id = '$1'"; }
log=$(stored_log "$dep")
like "$log" "framework static: index.html" "the log says which file decided the framework"
like "$log" "STEP 1/6: FROM 127.0.0.1:$PLATFORM_REGISTRY_PORT/platform/busybox:1" "the log holds buildah's output"
like "$log" "==> release " "the log ends with the release"
is "$(psql_stack -c "SELECT log_offset = octet_length(convert_to(string_agg(chunk, '' ORDER BY byte_offset), 'UTF8')) FROM deployment_logs l JOIN deployments d ON d.id = l.deployment_id WHERE d.id = '$dep' GROUP BY d.log_offset")" t "log_offset matches the stored bytes"
like "$(cat "$TEST_TMP/sample.out")" "GitOps commit $gc" "the sample deploy prints the GitOps commit"
ok "the build folder is removed" not test -e "$STACK_DIR/builds/$dep"

# 2. a build error: its real output in the log, failed with a reason
"$top_srcdir/scripts/sample-deploy" "$STACK_DIR" --fail >"$TEST_TMP/fail.out" 2>&1
is "$?" 0 "the broken sample ends failed"
bad=$(psql_stack -c "SELECT d.id FROM deployments d JOIN projects p ON p.id = d.project_id WHERE p.name = 'broken' ORDER BY d.seq DESC LIMIT 1")
is "$(psql_stack -c "SELECT state FROM deployments WHERE id = '$bad'")" failed "state failed"
like "$(stored_log "$bad")" "sample build error: this step fails on purpose" "the failing step's own output is in the log"
like "$(psql_stack -c "SELECT error FROM deployments WHERE id = '$bad'")" "image build failed \(buildah exited with 3\)" "the error says the build failed"

# 3. local repositories are refused unless allowed (a second worker without the setting)
scripts_worker_log=$TEST_TMP/worker2.log
"$DEV_STACK" stop "$STACK_DIR" worker 2>/dev/null
PLATFORM_ALLOW_LOCAL_REPOS=0 "$top_builddir/worker/platform-worker" >"$scripts_worker_log" 2>&1 &
w2=$!
bg_register "$w2"
token=$(cat "$STACK_DIR/sample.token")
pid=$(psql_stack -c "SELECT id FROM projects WHERE name = 'site'")
http POST "$PLATFORM_URL/api/projects/$pid/deploy" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data '{}'
d3=$(json_get .id)
wait_until 20 yields failed psql_stack -c "SELECT state FROM deployments WHERE id = '$d3'"
like "$(psql_stack -c "SELECT error FROM deployments WHERE id = '$d3'")" "PLATFORM_ALLOW_LOCAL_REPOS=1" "a file:// repository is refused without PLATFORM_ALLOW_LOCAL_REPOS"
kill "$w2" 2>/dev/null
wait "$w2" 2>/dev/null

# 4. a worker that dies during a build: the next one fails it with "deploy again"
http POST "$PLATFORM_URL/api/projects/$pid/deploy" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data '{}'
d4=$(json_get .id)
psql_stack -c "UPDATE deployments SET trigger_started_at = now() WHERE id = '$d4'" >/dev/null
"$DEV_STACK" start "$STACK_DIR" worker 2>/dev/null
wait_until 20 yields failed psql_stack -c "SELECT state FROM deployments WHERE id = '$d4'"
like "$(psql_stack -c "SELECT error FROM deployments WHERE id = '$d4'")" "worker restarted during a local build; deploy again" "a build its worker lost is failed with a way out"

# 5. the build process is platform-build, started with no arguments and without the worker's
# PLATFORM_* settings, its job description on stdin (a wrapper records that much, then execs it)
"$DEV_STACK" stop "$STACK_DIR" worker 2>/dev/null
cat >"$TEST_TMP/helper-wrap" <<SH
#!/usr/bin/env bash
tr '\0' '\n' </proc/\$\$/cmdline >"$TEST_TMP/wrap.argv"
env >"$TEST_TMP/wrap.env"
job=\$(cat)
jq -r '[.id, .repo_url, .builder_tool] | join(" ")' <<<"\$job" >"$TEST_TMP/wrap.job"
exec "$top_builddir/builder/platform-build" <<<"\$job"
SH
chmod +x "$TEST_TMP/helper-wrap"
PLATFORM_BUILD_HELPER=$TEST_TMP/helper-wrap "$top_builddir/worker/platform-worker" >"$TEST_TMP/worker3.log" 2>&1 &
w3=$!
bg_register "$w3"
http POST "$PLATFORM_URL/api/projects/$pid/deploy" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data '{}'
d5=$(json_get .id)
wait_until 60 yields released psql_stack -c "SELECT state FROM deployments WHERE id = '$d5'"
is "$(psql_stack -c "SELECT state FROM deployments WHERE id = '$d5'")" released "a deploy through PLATFORM_BUILD_HELPER is released"
is "$(sed 1d "$TEST_TMP/wrap.argv")" "$TEST_TMP/helper-wrap" "the build process has no arguments (after the wrapper's interpreter)"
ok "its environment has no PLATFORM_* setting" not grep -q '^PLATFORM_' "$TEST_TMP/wrap.env"
like "$(cat "$TEST_TMP/wrap.job")" "^$d5 file://.*/sample/site buildah$" "its job description comes on stdin"
kill "$w3" 2>/dev/null
wait "$w3" 2>/dev/null

# 6. a newer release already in GitOps (say the pipeline wrote it): the worker's older one is
#    refused and the deployment ends superseded, never overwriting it
"$top_builddir/worker/platform-worker" >"$TEST_TMP/worker4.log" 2>&1 &
w4=$!
bg_register "$w4"
http POST "$PLATFORM_URL/api/projects/$pid/deploy" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data '{}'
d6=$(json_get .id)
seq6=$(psql_stack -c "SELECT seq FROM deployments WHERE id = '$d6'")
PLATFORM_GITOPS_URL=$PLATFORM_GITOPS_URL "$PLATFORMCTL_BIN" gitops release --workspace sample --user sample \
	--project site --image newer/image --tag from-the-pipeline --seq $((seq6 + 10)) >/dev/null
held=$(git --git-dir="$gitdir" rev-parse main)
wait_until 60 yields superseded psql_stack -c "SELECT state FROM deployments WHERE id = '$d6'"
is "$(psql_stack -c "SELECT state FROM deployments WHERE id = '$d6'")" superseded "an older release than the one in GitOps ends superseded"
is "$(git --git-dir="$gitdir" rev-parse main)" "$held" "and writes nothing over the newer release"
kill "$w4" 2>/dev/null
wait "$w4" 2>/dev/null

no_token_leak() { ! grep -rq "$token" "$STACK_DIR/logs" "$scripts_worker_log"; }
ok "the session token appears in no log" no_token_leak
done_testing

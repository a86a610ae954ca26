#!/usr/bin/env bash
# t9102-worker-settings.sh: the worker checks its settings once at start (lib/config/config's typed
# table): a misspelt enum stops it with the setting and the allowed values, a misspelt variable
# is named with the closest setting, a setting only the worker reads does not stop the API
. "${top_srcdir:-.}/tests/lib.sh"

: "${PLATFORM_WORKER_BIN:=$top_builddir/worker/platform-worker}"
# no database is needed: the settings are checked before the worker connects
base=(env -i PATH="$PATH" PLATFORM_DATABASE_URL=postgresql://127.0.0.1:9/none
	PLATFORM_BUILD_DRIVER=local PLATFORM_REGISTRY_URL=127.0.0.1:9
	PLATFORM_BUILD_HELPER="$top_builddir/builder/platform-build")

# refuses VAR VALUE WANT: the worker with VAR=VALUE exits 1 at once, saying WANT
refuses() {
	local out rc
	out=$(timeout 20 "${base[@]}" "$1=$2" "$PLATFORM_WORKER_BIN" 2>&1)
	rc=$?
	is "$rc" 1 "$1=$2: the worker does not start"
	like "$out" "$3" "  and says why"
	ok "  before it starts anything" not grep -q "platform-worker started" <<<"$out"
}

refuses PLATFORM_BUILD_DRIVER jnkins 'PLATFORM_BUILD_DRIVER must be local, jenkins or none \(got .jnkins.\)'
refuses PLATFORM_LOG_LEVEL verbose 'PLATFORM_LOG_LEVEL must be debug, info, warn or error'
refuses PLATFORM_RUNTIME podmn 'PLATFORM_RUNTIME must be argocd, podman or none'
refuses PLATFORM_BUILDER_TOOL kaniko 'PLATFORM_BUILDER_TOOL must be buildah or docker'
refuses PLATFORM_WORKER_LEASE 1s 'PLATFORM_WORKER_LEASE must be a duration from 2 to 3600 seconds'
refuses PLATFORM_JENKINS_URL jenkins.example 'PLATFORM_JENKINS_URL must be a URL \(http or https\)'

# a misspelt variable: a warning naming the closest setting (the start goes on to the database)
out=$(timeout 20 "${base[@]}" PLATFORM_BUILD_DRVER=jenkins PLATFORM_DB_CONNECT_TIMEOUT=1 \
	"$PLATFORM_WORKER_BIN" 2>&1)
like "$out" '"msg":"unknown setting in the environment","name":"PLATFORM_BUILD_DRVER","closest":"PLATFORM_BUILD_DRIVER"' \
	"an unknown PLATFORM_ variable is warned about, naming the closest setting"

# the API does not read PLATFORM_BUILD_DRIVER: a warning, and it starts
out=$(env -i PATH="$PATH" PLATFORM_DATABASE_URL=postgresql://127.0.0.1:9/none \
	PLATFORM_SECRET_KEY=t9102-secret-key-t9102-secret-key PLATFORM_BUILD_DRIVER=jnkins \
	"$PLATFORM_API_BIN" --check 2>&1)
is "$?" 0 "platform-api --check passes with a bad worker-only setting"
like "$out" '"name":"PLATFORM_BUILD_DRIVER","reason":"must be local, jenkins or none' "  with a warning naming it"

# platformctl checks for the process it is asked about
out=$(env -i PATH="$PATH" PLATFORM_BUILD_DRIVER=jnkins "$PLATFORMCTL_BIN" config check --for worker 2>&1)
is "$?" 1 "platformctl config check --for worker refuses the same value"
like "$out" 'PLATFORM_BUILD_DRIVER must be local, jenkins or none' "  naming it"
done_testing

# tests/t8-lib.sh: sourced by the t80xx chain tests: a bare GitOps repo, the fake Argo CD, and the t4 helpers
# shellcheck shell=bash
#
#	. "$top_srcdir/tests/t8-lib.sh"     (sources tests/t4-lib.sh)
#	t8_stack                            # GitOps repo + fake Argo CD + the t4 stack and fake Jenkins
#	argo_script APP STEPS_JSON          # the fake Argo CD's sync/health steps for APP ("*": all)
#	gitops_tag APP_PATH                 # image tag in values.yaml at the tip of the GitOps repo
#	wait_live ID                        # wait_state ID live, with the Argo CD timeout in mind

# shellcheck source=tests/t4-lib.sh
. "${top_srcdir:-.}/tests/t4-lib.sh"

ARGO_JS=$top_srcdir/tests/fakes/fake-argocd.js
GITOPS_REPO=$TEST_TMP/gitops.git
export PLATFORM_GITOPS_URL=file://$GITOPS_REPO
export PLATFORM_GITOPS_CACHE=$TEST_TMP/gitops-cache
export PLATFORM_ARGOCD_TOKEN=argocd-token-not-for-logs
export FAKE_ARGOCD_TOKEN=$PLATFORM_ARGOCD_TOKEN
export PLATFORM_ARGOCD_POLL_MS=${PLATFORM_ARGOCD_POLL_MS:-150}
export PLATFORM_ARGOCD_TIMEOUT=${PLATFORM_ARGOCD_TIMEOUT:-6}
export GIT_CONFIG_NOSYSTEM=1

# argo_start: the fake Argo CD over GITOPS_REPO; ARGO_URL
argo_start() {
	local pf=$TEST_TMP/fake-argocd.port
	rm -f "$pf"
	node "$ARGO_JS" "$pf" "$GITOPS_REPO" >"$TEST_TMP/fake-argocd.log" 2>&1 &
	bg_register $!
	wait_until 10 test -s "$pf" || bail_out "the fake Argo CD did not start"
	ARGO_URL=http://127.0.0.1:$(cat "$pf")
	export PLATFORM_ARGOCD_URL=$ARGO_URL
}

t8_stack() {
	git init -q --bare -b main "$GITOPS_REPO" || bail_out "no GitOps repository"
	argo_start
	t4_stack "$@"
}

argo_script() {
	curl -sS -f -o /dev/null --max-time 5 -X POST -H 'Content-Type: application/json' \
		--data "{\"app\":\"$1\",\"steps\":$2}" "$ARGO_URL/_fake/script" || diag "argo_script failed: $1"
}

# argo_requests APP: the fake's log of requests for APP, one "METHOD query" per line
argo_requests() {
	curl -sS --max-time 5 "$ARGO_URL/_fake/log" |
		jq -r --arg p "/api/v1/applications/$1" '.[] | select(.path == $p) | "\(.method) \(.query)"'
}

gitops_tip() { git -C "$GITOPS_REPO" rev-parse -q --verify refs/heads/main 2>/dev/null || echo none; }

gitops_tag() {
	git -C "$GITOPS_REPO" show "main:$1/values.yaml" 2>/dev/null |
		awk '/^image:/ {img = 1; next} img && /^[^ ]/ {img = 0} img && $1 == "tag:" {print $2; exit}' | tr -d '"'
}

wait_live() { wait_state "$1" live $((PLATFORM_ARGOCD_TIMEOUT + 20)); }

# deployment FIELD ID: one column of the deployment row
deployment() { psql_stack -c "SELECT $1 FROM deployments WHERE id = '$2'"; }

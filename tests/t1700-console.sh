#!/usr/bin/env bash
# t1700-console.sh: the web console (web/) on the real local stack (local builder, registry,
# GitOps): nginx serves it with its CSP and cache headers; sign-in links are single-use and
# refused without PLATFORM_LOCAL_SIGNIN; then Chromium runs the journey (tests/console/journey.mjs):
# sign in, create, deploy and watch, reload mid-build, env change, roll back, the runtime logs
# (stored lines of both streams, a line published live), auto-rollback off and the drift of a
# release that failed to go live, errors next to their field, another tenant's project unseen,
# previews (settings, list, marks, removal), notifications (add, secret once, Send test signed
# to a loopback receiver, delivery log, a viewer's view, delete), axe-core on every screen, screenshots at 1280 and 390 px (in tests/artifacts/t1700-console/).
. "${top_srcdir:-.}/tests/lib.sh"

for t in buildah docker-registry busybox git /usr/bin/chromium; do
	command -v "$t" >/dev/null || { skip "$t is not installed (.ci/packages)"; done_testing; }
done
[ -d "$top_srcdir/tests/node_modules/@axe-core/playwright" ] ||
	bail_out "the Node packages are missing: run 'npm ci' in tests/"
export PLATFORM_GITHUB_URL=file://$TEST_TMP/stack/repos PLATFORM_ALLOW_LOCAL_REPOS=1
export PLATFORM_WORKER_POLL=1 PLATFORM_LOCAL_SIGNIN=1
# the journey's notification receiver listens on loopback
export PLATFORM_NOTIFY_ALLOW_PRIVATE=1
# with podman the stack runs the apps (dev-stack's default): the drift step's broken version
# fails after this long, and what the app prints is read this often
export PLATFORM_RUNTIME_READY_TIMEOUT=8 PLATFORM_RUNTIME_LOGS_POLL_MS=500
unset PLATFORM_JENKINS_URL PLATFORM_GITOPS_URL PLATFORM_REGISTRY_URL PLATFORM_PUBLIC_URL
# without the podman runtime (no podman, or PLATFORM_RUNTIME=none) env values reach git only
# sealed: a test certificate of a sealed-secrets controller, as t2001 makes one
if [ -n "${PLATFORM_RUNTIME:-}" ] && [ "$PLATFORM_RUNTIME" != podman ] || ! command -v podman >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TEST_TMP/sealed.key" -out "$TEST_TMP/sealed.crt" \
		-days 2 -subj /CN=sealed-secret 2>/dev/null || bail_out "openssl cannot make a certificate"
	export PLATFORM_SEALED_SECRETS_CERT=$TEST_TMP/sealed.crt
fi
stack_up postgres migrate api nginx registry gitops worker
ctl() { "$PLATFORMCTL_BIN" "$@"; }

# --- static files, headers
http GET "$PLATFORM_URL/"
is "$HTTP_STATUS" 200 "the console is served at /"
csp=$(http_header Content-Security-Policy)
like "$csp" "script-src 'self';" "CSP: scripts from the platform only"
like "$csp" "style-src 'self';" "CSP: styles from the platform only"
ok "CSP: nothing inline" not grep -q unsafe-inline <<<"$csp"
like "$csp" "connect-src 'self' ws://127.0.0.1:$PLATFORM_NGINX_PORT wss://127.0.0.1:$PLATFORM_NGINX_PORT;" "CSP: the API and this host's sockets"
is "$(http_header Cache-Control)" no-cache "the page itself is never cached"
asset=$(grep -o '/assets/[^/"]*/js/app.js' <<<"$HTTP_BODY")
like "$asset" '^/assets/[0-9a-f]{12}/js/app.js$' "the page loads its script from a versioned path"
ok "no inline script or style in the page" not grep -Eqi '<script>|<script [^>]*>[^<]|<style|style=' <<<"$HTTP_BODY"
http GET "$PLATFORM_URL$asset"
is "$HTTP_STATUS" 200 "the versioned asset is served"
like "$(http_header Cache-Control)" 'max-age=31536000, immutable' "versioned assets are cached for a year"
like "$(http_header Content-Type)" '^text/javascript' "modules have a JavaScript type"
http GET "$PLATFORM_URL/projects/00000000-0000-0000-0000-000000000000"
is "$HTTP_STATUS" 200 "console paths are the console's page"
http GET "$PLATFORM_URL/no-such-page"
is "$(json_get .error.code)" not_found "other paths stay JSON 404s"

# --- sign-in links
out=$(PLATFORM_LOCAL_SIGNIN=0 ctl signin-link alice 2>&1)
isnt "$?" 0 "signin-link refuses without PLATFORM_LOCAL_SIGNIN=1"
like "$out" PLATFORM_LOCAL_SIGNIN "and says why"
out=$(ctl signin-link 'bad login!' 2>&1)
is "$?" 2 "a login that is not GitHub-shaped is refused"
link_of() { ctl signin-link "$1" 2>/dev/null | tail -n 1; }
bob_link=$(link_of bob)
like "$bob_link" "^$PLATFORM_URL/signin#code=[A-Za-z0-9_-]{43}$" "the last line is one absolute URL with the code"
bob_code=${bob_link#*code=}
is "$(psql_stack -c "SELECT count(*) FROM local_signin_codes WHERE code_hash = sha256('$bob_code'::bytea)")" 1 "only the code's hash is stored"
is "$(psql_stack -c "SELECT count(*) FROM workspaces w JOIN users u ON u.id = w.personal_of WHERE u.login = 'bob'")" 1 "a new login gets its personal workspace"
http POST "$PLATFORM_URL/api/auth/local" -H 'Content-Type: application/json' --data "{\"code\":\"$bob_code\"}"
is "$HTTP_STATUS" 200 "the code signs in"
bob=$(json_get .token)
like "$(http_header Set-Cookie)" 'HttpOnly' "with the session cookie"
http POST "$PLATFORM_URL/api/auth/local" -H 'Content-Type: application/json' --data "{\"code\":\"$bob_code\"}"
is "$HTTP_STATUS" 400 "a used code is refused"
is "$(json_get .error.field)" code "the error names the code"
old=$(link_of bob)
psql_stack -c "UPDATE local_signin_codes SET expires_at = now() - interval '1 second'" >/dev/null
http POST "$PLATFORM_URL/api/auth/local" -H 'Content-Type: application/json' --data "{\"code\":\"${old#*code=}\"}"
is "$(json_get .error.code)" invalid_code "an expired code is refused"
before=$(psql_stack -c "SELECT count(*) FROM users")
is "$(link_of bob >/dev/null; psql_stack -c "SELECT count(*) FROM users")" "$before" "a known login is not created twice"

# bob (another tenant) has a project alice must never see
mkrepo() { # DIR FILE CONTENT...
	local r=$1
	shift
	mkdir -p "$r"
	while [ $# -gt 1 ]; do printf '%s\n' "$2" >"$r/$1"; shift 2; done
	git -C "$r" init -q -b main && git -C "$r" add -A &&
		git -C "$r" -c user.name=t -c user.email=t@localhost commit -q -m sample
}
reg=${PLATFORM_REGISTRY_URL#http://}
http POST "$PLATFORM_URL/api/workspaces/$(psql_stack -c "SELECT w.id FROM workspaces w JOIN users u ON u.id = w.personal_of WHERE u.login = 'bob'")/projects" \
	-H "Authorization: Bearer $bob" -H 'Content-Type: application/json' \
	--data "{\"name\":\"bobs-secret\",\"repo_url\":\"file://$STACK_DIR/repos/bob/app\",\"port\":8080}"
is "$HTTP_STATUS" 201 "bob creates a project"
bob_project=$(json_get .id)

# the sample repository: a Dockerfile whose build prints 30 coloured lines, slowly enough to
# reload the page in the middle of it; the app prints a line on each stream as it starts
BUILDAH_ROOT=$PLATFORM_BUILDER_STORAGE "$top_srcdir/builder/base-image" "$PLATFORM_REGISTRY_URL" platform/busybox:1 >/dev/null 2>"$TEST_TMP/base-image.log" ||
	bail_out "the base image did not build: $(tail -n 3 "$TEST_TMP/base-image.log")"
mkrepo "$STACK_DIR/repos/sample/site" Dockerfile "FROM $reg/platform/busybox:1
RUN for i in \$(seq 1 30); do printf '\\033[32mslow step %d\\033[0m of 30\\n' \$i; sleep 0.2; done
COPY index.html /srv/www/index.html
EXPOSE 8080
CMD [\"sh\", \"-c\", \"echo site says hello on stdout; echo site warns on stderr >&2; exec httpd -f -p 8080 -h /srv/www\"]" index.html '<!doctype html><title>sample</title><h1>sample</h1>'

pf=$TEST_TMP/receiver.port
node "$top_srcdir/tests/notify/receiver.js" "$pf" >"$TEST_TMP/receiver.log" 2>&1 &
bg_register $!
wait_until 10 test -s "$pf" || bail_out "the notification receiver did not start"

final=released
[ "${PLATFORM_RUNTIME:-}" = podman ] && final=live
art=${top_builddir:-$top_srcdir}/tests/artifacts/t1700-console
rm -rf "$art"
summary=$TEST_TMP/journey.json
start=$(date +%s)
(cd "$top_srcdir/tests" && TAP_START=$TAP_N SUMMARY=$summary ARTIFACTS=$art SIGNIN_LINK=$(link_of alice) \
	VIEWER_LINK=$(link_of bob) RECEIVER=http://127.0.0.1:$(cat "$pf") \
	SAMPLE_REPO=file://$STACK_DIR/repos/sample/site SAMPLE_DIR=$STACK_DIR/repos/sample/site \
	OTHER_PROJECT=bobs-secret OTHER_PROJECT_ID=$bob_project FINAL_STATE=$final timeout 360 node console/journey.mjs)
[ -s "$summary" ] || bail_out "the journey ended without a summary"
TAP_N=$((TAP_N + $(jq -r .count "$summary")))
TAP_FAILED=$((TAP_FAILED + $(jq -r .failed "$summary")))
diag "the browser journey took $(($(date +%s) - start)) s; screenshots in $art"

# what the journey did, as the database has it
alice_ws=$(psql_stack -c "SELECT w.id FROM workspaces w JOIN users u ON u.id = w.personal_of WHERE u.login = 'alice'")
is "$(psql_stack -c "SELECT string_agg(d.trigger || ':' || d.state, ',' ORDER BY d.seq) FROM deployments d JOIN projects p ON p.id = d.project_id WHERE p.workspace_id = '$alice_ws' AND d.preview_id IS NULL")" \
	"manual:$final,manual:$final,rollback:$final,manual:failed" \
	"two deploys and a rollback, all $final, then a failed release not rolled back (auto_rollback off)"
is "$(psql_stack -c "SELECT count(*) FROM previews v JOIN projects p ON p.id = v.project_id WHERE p.workspace_id = '$alice_ws' AND v.state = 'active'")" 0 \
	"the preview the journey removed is no longer active"
done_testing

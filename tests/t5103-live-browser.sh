#!/usr/bin/env bash
# t5103-live-browser.sh: headless Chromium opens a page served by the stack's nginx, with a session
# cookie, and shows the lines of a running build as the worker publishes them
. "${top_srcdir:-.}/tests/t4-lib.sh"

[ -x /usr/bin/chromium ] || bail_out "chromium is not installed (apt-get install chromium; .ci/packages lists it)"
export PLATFORM_JENKINS_POLL_MS=100
t4_stack
t4_seed alice
mkdir -p "$STACK_DIR/test-www"
cp "$top_srcdir/tests/live/www/build.html" "$STACK_DIR/test-www/"
fake_config '{"default":{"queueMs":1500,"lines":40,"lineMs":60,"splitUtf8":true}}'
worker_start w1

http GET "$PLATFORM_URL/_test/build.html"
is "$HTTP_STATUS" 200 "nginx serves the test page (local stack only)"
web=$(t4_project web)
deploy "$web"
id=$DEPLOY_ID
out=$(cd "$top_srcdir/tests" && node live/browser.mjs "$PLATFORM_URL/_test/build.html#$id" "$TOKEN" "$TEST_TMP/chromium-profile" 40000)
is "$(jq -r .error <<<"$out")" null "Chromium ran the page"
cmp_ok "$(jq -r .lines_while_building <<<"$out")" -ge 3 "it showed lines while the build was running"
like "$(jq -r '.state_seen | join(",")' <<<"$out")" 'building.*released' "and the states as they changed"
is "$(jq -r .complete <<<"$out")" true "it saw the end of the log"
is "$(jq -r .text <<<"$out")" "$(fake_get "log/$id")" "the page shows the whole log, in order"
is "$(jq -r '.console | length' <<<"$out")" 0 "no errors in the page's console"
[ "$(jq -r '.console | length' <<<"$out")" = 0 ] || diag "$(jq -r '.console[]' <<<"$out")"

# without a session the socket does not open: the page shows nothing
out=$(cd "$top_srcdir/tests" && node live/browser.mjs "$PLATFORM_URL/_test/build.html#$id" "not-a-session" "$TEST_TMP/chromium-profile2" 3000)
is "$(jq -r .text <<<"$out")" "" "a browser without a valid session sees no log"
done_testing

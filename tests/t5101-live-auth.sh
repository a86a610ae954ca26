#!/bin/bash
# t5101-live-auth.sh: live build logs through nginx + nchan: only a member's session (cookie or
# Bearer) or a short-lived stream token opens the WebSocket; late joiners get the buffer; the
# stored log pages by byte offset
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/github-fake.sh"

github_fake_up
export PLATFORM_DOMAIN=apps.test
stack_up
github_user gh-alice 5101 alice
sign_in gh-alice
A=$SESSION
github_user gh-vic 5102 vic
sign_in gh-vic
V=$SESSION
github_user gh-mallory 5103 mallory
sign_in gh-mallory
M=$SESSION
api POST /api/workspaces "$A" '{"name":"Live"}'
WS=$(json_get .id)
api POST "/api/workspaces/$WS/members" "$A" '{"login":"vic","role":"viewer"}'
api POST "/api/workspaces/$WS/projects" "$A" "{\"name\":\"web\",\"repo_url\":\"$FAKE_GITHUB/alice/web\"}"
P=$(json_get .id)
api POST "/api/projects/$P/deploy" "$A" '{}'
is "$HTTP_STATUS" 202 "a deployment to watch"
D=$(json_get .id)
WSURL=ws://${PLATFORM_URL#http://}/api/deployments/$D/logs/ws

# sub ARGS...: a WebSocket subscription; sets SUB (its JSON report)
sub() { SUB=$(cd "$top_srcdir/tests" && node live/subscribe.mjs "$@"); }
publish() { curl -fsS -o /dev/null -X POST -H 'Content-Type: text/plain' --data-binary "$2" "$PLATFORM_NCHAN_PUBLISH_URL/pub/$1"; }

# ---- who may subscribe
sub "$WSURL" --timeout 3000
is "$(jq -r .opened <<<"$SUB")" false "no session: the socket does not open"
is "$(jq -r .status <<<"$SUB")" 401 "no session: 401"
is "$(jq -r .error.error.code <<<"$SUB")" unauthenticated "no session: the API's JSON error"
sub "$WSURL" --bearer "$M" --timeout 3000
is "$(jq -r .status <<<"$SUB")" 404 "another tenant: 404, as if the deployment did not exist"
sub "ws://${PLATFORM_URL#http://}/api/deployments/00000000-0000-4000-8000-000000000000/logs/ws" --bearer "$A" --timeout 3000
is "$(jq -r .status <<<"$SUB")" 404 "an unknown deployment: 404"
sub "ws://${PLATFORM_URL#http://}/api/deployments/not-an-id/logs/ws" --bearer "$A" --timeout 3000
is "$(jq -r .status <<<"$SUB")" 404 "a malformed id: 404"
psql_stack -c "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM users WHERE login = 'vic')" >/dev/null
sub "$WSURL" --cookie "__Host-platform_session=$V" --timeout 3000
is "$(jq -r .status <<<"$SUB")" 401 "an expired session: 401"
sign_in gh-vic
V=$SESSION

# ---- a member receives what the worker publishes, in order
(sleep 1; publish "deployment-$D" 'line 1'; publish "deployment-$D" 'line 2'; publish "deployment-$D" 'line 3') &
sub "$WSURL" --cookie "__Host-platform_session=$A" --want 3 --timeout 8000
is "$(jq -r .opened <<<"$SUB")" true "a member's cookie opens the socket"
is "$(jq -r '[.messages[].data] | join(",")' <<<"$SUB")" "line 1,line 2,line 3" "every message, in order"
like "$(jq -r '.messages[0].id' <<<"$SUB")" '^[0-9]+:[0-9]+' "each with an nchan message id"
FIRST_ID=$(jq -r '.messages[0].id' <<<"$SUB")
sub "$WSURL" --bearer "$V" --want 3 --timeout 5000
is "$(jq -r '[.messages[].data] | join(",")' <<<"$SUB")" "line 1,line 2,line 3" "a viewer who joins late gets the buffer"
sub "$WSURL" --bearer "$V" --want 2 --timeout 5000 --last-id "$FIRST_ID"
is "$(jq -r '[.messages[].data] | join(",")' <<<"$SUB")" "line 2,line 3" "resuming after a message id skips what was seen"

# ---- stream tokens for clients that cannot send cookies
api POST "/api/deployments/$D/logs/token" "$A"
is "$HTTP_STATUS" 201 "a stream token"
TOKEN=$(json_get .token)
like "$(json_get .url)" "^/api/deployments/$D/logs/ws\\?token=" "with the URL to open"
sub "$WSURL?token=$TOKEN" --want 1 --timeout 5000
is "$(jq -r .opened <<<"$SUB")" true "the token opens the socket without a cookie"
api POST "/api/deployments/$D/logs/token" "$M"
is "$HTTP_STATUS" 404 "another tenant gets no token"
api POST "/api/projects/$P/events/token" "$A"
OTHER=$(json_get .token)
sub "$WSURL?token=$OTHER" --timeout 3000
is "$(jq -r .status <<<"$SUB")" 401 "a token for another channel is refused"
# change the last hex digit of the MAC (to another digit, whatever it was)
case "${TOKEN: -1}" in 0) FORGED="${TOKEN%?}1" ;; *) FORGED="${TOKEN%?}0" ;; esac
sub "$WSURL?token=$FORGED" --timeout 3000
is "$(jq -r .status <<<"$SUB")" 401 "a forged token is refused"
api DELETE "/api/workspaces/$WS/members/vic" "$A"
api POST "/api/deployments/$D/logs/token" "$V"
is "$HTTP_STATUS" 404 "a former member gets no token"

# ---- project status channel
(sleep 1; publish "project-$P" '{"state":"building"}') &
sub "ws://${PLATFORM_URL#http://}/api/projects/$P/events/ws" --bearer "$A" --want 1 --timeout 5000
is "$(jq -r '.messages[0].data' <<<"$SUB")" '{"state":"building"}' "the project's status channel"

# ---- the stored log, by byte offset
psql_stack -c "INSERT INTO deployment_logs (deployment_id, byte_offset, chunk) VALUES
	('$D', 0, E'step 1\\n'), ('$D', 7, E'step 2 \\u00e9\\n'), ('$D', 17, E'done\\n')" >/dev/null
api GET "/api/deployments/$D/logs" "$A"
is "$HTTP_STATUS" 200 "the stored log"
is "$(json_get .text)" "$(printf 'step 1\nstep 2 \xc3\xa9\ndone')" "all of it"
json_is .next_offset 22 "next_offset counts bytes"
json_is .complete false "a running deployment's log is not complete"
api GET "/api/deployments/$D/logs?offset=7" "$A"
is "$(json_get .text)" "$(printf 'step 2 \xc3\xa9\ndone')" "from an offset"
api GET "/api/deployments/$D/logs?offset=22" "$A"
json_is .text "" "nothing new at the end"
json_is .next_offset 22 "and the same offset"
api GET "/api/deployments/$D/logs?offset=-1" "$A"
is "$HTTP_STATUS" 400 "a negative offset: 400"
api GET "/api/deployments/$D/logs" "$M"
is "$HTTP_STATUS" 404 "another tenant cannot read the log"

done_testing

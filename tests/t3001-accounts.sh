#!/bin/bash
# t3001-accounts.sh: sign-in with GitHub (token and OAuth code), sessions, /api/me, repositories,
# workspaces, members, projects and the audit trail, through nginx against the fake GitHub
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/github-fake.sh"

github_fake_up
export PLATFORM_DOMAIN=apps.test
stack_up
github_user gh-alice-token 1001 alice 45
github_user gh-bob-token 1002 bob 2

# ---- sign-in with a GitHub token
sign_in gh-alice-token
is "$HTTP_STATUS" 200 "sign-in with a GitHub token answers 200"
ALICE=$SESSION
like "$ALICE" '^[A-Za-z0-9_-]{43}$' "the session token is 256 random bits, base64url"
json_is .user.login alice "the answer carries the user"
ALICE_ID=$(json_get .user.id)
like "$ALICE_ID" '^[a-z][a-z0-9]{7}$' "the user id is short and DNS-safe"
cookie=$(http_header Set-Cookie)
like "$cookie" "^__Host-platform_session=$ALICE; Path=/;" "the session is also set as a cookie"
like "$cookie" 'HttpOnly' "the cookie is HttpOnly"
like "$cookie" 'Secure' "the cookie is Secure"
like "$cookie" 'SameSite=Lax' "the cookie is SameSite=Lax"

api GET /api/me "$ALICE"
is "$HTTP_STATUS" 200 "GET /api/me with the Bearer token"
json_is .login alice "/api/me names the user"
http GET "$PLATFORM_URL/api/me" -H "Cookie: __Host-platform_session=$ALICE"
json_is .id "$ALICE_ID" "the cookie authenticates too"
http GET "$PLATFORM_URL/api/me"
is "$HTTP_STATUS" 401 "no session: 401"
json_error unauthenticated "no session: JSON error"
api GET /api/me not-a-real-session
is "$HTTP_STATUS" 401 "an unknown session: 401"
json_error session_invalid "an unknown session: session_invalid"

sign_in gh-alice-token
is "$(json_get .user.id)" "$ALICE_ID" "signing in again keeps the same user"
ALICE2=$SESSION
isnt "$ALICE2" "$ALICE" "each sign-in is a new session"

# ---- secrets at rest
stored=$(psql_stack -c "SELECT encode(github_token, 'escape') FROM users WHERE id = '$ALICE_ID'")
ok "the GitHub token is not stored in plain text" test "${stored/gh-alice-token/}" = "$stored"
is "$(psql_stack -c "SELECT length(github_token) > 29 FROM users WHERE id = '$ALICE_ID'")" t "the token is stored sealed (nonce, tag, data)"
is "$(psql_stack -c "SELECT count(*) FROM sessions WHERE encode(token_hash, 'escape') LIKE '%$ALICE%'")" 0 "sessions are stored as hashes only"
ok "no log line holds the GitHub token" sh -c "! grep -rq gh-alice-token '$STACK_DIR/logs'"
ok "no log line holds the session token" sh -c "! grep -rqF -- '$ALICE' '$STACK_DIR/logs'"

# ---- a revoked token and a rate limit are clear errors, not 500s
github_user gh-carol-token 1003 carol
fake_github /_fake/revoke '{"token":"gh-carol-token"}'
sign_in gh-carol-token
is "$HTTP_STATUS" 401 "a revoked GitHub token: 401"
json_error github_token_invalid "a revoked GitHub token: github_token_invalid"
github_user gh-dave-token 1004 dave
fake_github /_fake/ratelimit '{"token":"gh-dave-token","reset":1900000000}'
sign_in gh-dave-token
is "$HTTP_STATUS" 429 "GitHub's rate limit: 429"
json_error github_rate_limited "GitHub's rate limit: github_rate_limited"
is "$(psql_stack -c "SELECT count(*) FROM users WHERE login IN ('carol', 'dave')")" 0 "failed sign-ins write no user"

# ---- the OAuth code flow
http GET "$PLATFORM_URL/api/auth/github/login"
is "$HTTP_STATUS" 200 "the OAuth start answers 200"
STATE=$(json_get .state)
like "$(json_get .authorize_url)" "^$FAKE_GITHUB/login/oauth/authorize\\?client_id=test-client&.*state=$STATE" "the authorize URL carries the client id and state"
fake_github /_fake/codes '{"code":"code-bob","token":"gh-bob-token"}'
http POST "$PLATFORM_URL/api/auth/github/callback" -H 'Content-Type: application/json' -d "{\"code\":\"code-bob\",\"state\":\"$STATE\"}"
is "$HTTP_STATUS" 200 "the OAuth callback signs in"
json_is .user.login bob "the callback signs in the code's user"
BOB=$(json_get .token)
BOB_ID=$(json_get .user.id)
http POST "$PLATFORM_URL/api/auth/github/callback" -H 'Content-Type: application/json' -d "{\"code\":\"code-bob\",\"state\":\"$STATE\"}"
is "$HTTP_STATUS" 400 "a state is good for one use only"
json_error invalid_state "a reused state: invalid_state"
http GET "$PLATFORM_URL/api/auth/github/login"
STATE=$(json_get .state)
http POST "$PLATFORM_URL/api/auth/github/callback" -H 'Content-Type: application/json' -d "{\"code\":\"wrong\",\"state\":\"$STATE\"}"
is "$HTTP_STATUS" 401 "a bad code: 401"
json_error oauth_code_invalid "a bad code: oauth_code_invalid"

# ---- repositories through the stored token
api GET '/api/github/repos?limit=20' "$ALICE"
is "$HTTP_STATUS" 200 "the repository list answers"
is "$(json_get '.items | length')" 20 "first page has 20 repositories"
json_is .next_cursor 2 "and points to the next"
json_is '.items[0].full_name' alice/repo-1 "items carry full_name"
api GET '/api/github/repos?limit=20&cursor=3' "$ALICE"
is "$(json_get '.items | length')" 5 "the last page has the rest"
json_is .next_cursor null "the last page has no next cursor"

# ---- workspaces
api GET /api/workspaces "$ALICE"
is "$(json_get '.items | length')" 1 "a new user has one workspace"
json_is '.items[0].personal' true "it is the personal workspace"
json_is '.items[0].role' owner "and they own it"
api POST /api/workspaces "$ALICE" '{"name":"Team A"}'
is "$HTTP_STATUS" 201 "create a workspace"
WS=$(json_get .id)
like "$WS" '^[a-z][a-z0-9]{7}$' "the workspace id is short and DNS-safe"
api POST "/api/workspaces/$WS/members" "$ALICE" '{"login":"bob","role":"developer"}'
is "$HTTP_STATUS" 201 "add bob as developer"
json_is .role developer "with the role asked"
api POST "/api/workspaces/$WS/members" "$ALICE" '{"login":"bob","role":"viewer"}'
is "$HTTP_STATUS" 409 "adding a member twice: 409"
api POST "/api/workspaces/$WS/members" "$ALICE" '{"login":"nobody-here","role":"viewer"}'
is "$HTTP_STATUS" 404 "adding an unknown login: 404"
json_is .error.field login "naming the field"
api GET /api/workspaces "$BOB"
is "$(json_get '.items | length')" 2 "bob sees his and the team workspace"
api GET "/api/workspaces/$WS/members" "$BOB"
is "$(json_get '[.items[].user.login] | join(",")')" alice,bob "members are listed"

# ---- projects
api POST "/api/workspaces/$WS/projects" "$ALICE" '{"name":"web","repo_url":"'"$FAKE_GITHUB"'/alice/repo-1.git","branch":"main","port":8080,"framework":"node","env":{"DATABASE_PASSWORD":"s3cr3t-value","MODE":"prod"},"resources":{"requests":{"cpu":"100m","memory":"128Mi"}}}'
is "$HTTP_STATUS" 201 "create a project"
PROJ=$(json_get .id)
json_is .app_name "$WS-$ALICE_ID-web" "app name is <workspace>-<user>-<project>"
json_is .release_name "$ALICE_ID-web" "release name is <user>-<project>"
json_is .namespace "user-$ALICE_ID" "namespace is user-<user>"
json_is .host "web-$ALICE_ID.$PLATFORM_DOMAIN" "host is <project>-<user>.<domain>"
json_is .live_url "$(live_url "web-$ALICE_ID.$PLATFORM_DOMAIN")" "live URL from the host"
json_is .repo_url "$FAKE_GITHUB/alice/repo-1" "the repository URL is stored canonical"
json_is .env.DATABASE_PASSWORD '********' "env values come back masked"
is "$(psql_stack -c "SELECT count(*) FROM projects WHERE env::text LIKE '%s3cr3t%'")" 0 "env values are encrypted at rest"
ok "the env value is in no log" sh -c "! grep -rq s3cr3t-value '$STACK_DIR/logs'"
api PATCH "/api/projects/$PROJ" "$ALICE" '{"port":9090,"custom_domain":"www.example.org","env":{"DATABASE_PASSWORD":"********","NEW":"x"}}'
is "$HTTP_STATUS" 200 "update a project"
json_is .port 9090 "the port changed"
json_is .custom_domain www.example.org "the custom domain is stored"
json_is .host "web-$ALICE_ID.$PLATFORM_DOMAIN" "but is not the host before its DNS record is verified"
json_is '.env | keys | join(",")' DATABASE_PASSWORD,NEW "the masked value was kept, MODE removed, NEW added"
api GET "/api/workspaces/$WS/projects" "$BOB"
is "$(json_get '.items | length')" 1 "a developer lists the projects"
api DELETE "/api/projects/$PROJ" "$BOB"
is "$HTTP_STATUS" 403 "a developer cannot delete a project"
api DELETE "/api/projects/$PROJ" "$ALICE"
is "$HTTP_STATUS" 204 "an admin deletes it"
api GET "/api/projects/$PROJ" "$ALICE"
is "$HTTP_STATUS" 404 "a deleted project is gone"
is "$(psql_stack -c "SELECT count(*) FROM jobs WHERE kind = 'gitops_remove' AND payload->>'project' = 'web'")" 1 "its GitOps folder removal is queued"

# ---- audit
api GET "/api/workspaces/$WS/audit" "$ALICE"
is "$HTTP_STATUS" 200 "an owner reads the audit trail"
is "$(json_get '[.items[].action] | reverse | join(",")')" workspace.create,member.add,project.create,project.update,project.delete "every change is there in order"
like "$(json_get '.items[0].request_id')" '^[0-9a-f]{32}$' "with the request id"
json_is '.items[0].actor.login' alice "and who did it"
ok "audit details hold no env value" sh -c "! echo '$HTTP_BODY' | grep -q s3cr3t"
api GET "/api/workspaces/$WS/audit" "$BOB"
is "$HTTP_STATUS" 403 "a developer cannot read the audit trail"

# ---- logout
api POST /api/auth/logout "$ALICE"
is "$HTTP_STATUS" 204 "logout"
like "$(http_header Set-Cookie)" 'Max-Age=0' "logout clears the cookie"
api GET /api/me "$ALICE"
is "$HTTP_STATUS" 401 "the session is gone after logout"
api GET /api/me "$ALICE2"
is "$HTTP_STATUS" 200 "another session of the same user stays"
psql_stack -c "UPDATE sessions SET expires_at = now() - interval '1 minute' WHERE user_id = '$ALICE_ID'" >/dev/null
sign_in gh-alice-token
is "$(psql_stack -c "SELECT count(*) FROM sessions WHERE user_id = '$ALICE_ID'")" 1 "a sign-in clears the user's expired sessions"

done_testing

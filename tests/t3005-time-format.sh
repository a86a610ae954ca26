#!/usr/bin/env bash
# t3005-time-format.sh: one time format in every answer: RFC 3339 UTC with milliseconds
# (lib/util/rfc3339.h; SQL's rfc3339()). Users, workspaces, members, projects, deployments and webhook
# deliveries used to answer whole seconds while deployments answered milliseconds.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/github-fake.sh"

# the source: every time a query returns goes through rfc3339(), never its own to_char
bad=$(cd "$top_srcdir" && grep -n "to_char(.*HH24" lib/*.c fcgi/*.c worker/*.c cli/*.c 2>/dev/null |
	grep -v '_data\.c:' || true)
is "$bad" "" "no query formats a time itself (to_char): rfc3339() does"

github_fake_up
export PLATFORM_PUBLIC_URL=https://platform.example.test
stack_up postgres migrate api nginx
github_user gh-tina 3005 tina
sign_in gh-tina
T=$SESSION
FORMAT='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$'

# times NAME: every string of the last answer that looks like a time must have the format
times() {
	local all bad
	all=$(jq -r '[.. | strings | select(test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))] | .[]' <<<"$HTTP_BODY")
	cmp_ok "$(grep -c . <<<"$all")" -ge 1 "$1: has times"
	bad=$(grep -Ev "$FORMAT" <<<"$all" || true)
	is "$bad" "" "$1: every time is RFC 3339 UTC with milliseconds"
}

api GET /api/me "$T"
times "the user"
api POST /api/workspaces "$T" '{"name":"Times"}'
WS=$(json_get .id)
times "a new workspace"
api GET /api/workspaces "$T"
times "the workspaces"
api GET "/api/workspaces/$WS/members" "$T"
times "the members"
api POST "/api/workspaces/$WS/projects" "$T" "{\"name\":\"web\",\"repo_url\":\"$FAKE_GITHUB/tina/web\",\"auto_deploy\":true}"
P=$(json_get .id)
times "a new project"
api POST "/api/projects/$P/deploy" "$T" '{}'
times "a new deployment"
api GET "/api/projects/$P" "$T"
times "the project with its latest deployment"
SECRET=$(curl -fsS "$FAKE_GITHUB/_fake/hooks" | jq -r '."tina/web"[0].config.secret')
(cd "$top_srcdir/tests" && node webhooks/deliver.mjs --url "$PLATFORM_URL/hooks/github" --secret "$SECRET" \
	--event push --example 4 --repo tina/web --ref refs/heads/main \
	--after 3005300530053005300530053005300530053005 >/dev/null)
api GET "/api/projects/$P/webhook/deliveries" "$T"
times "the webhook deliveries"
done_testing

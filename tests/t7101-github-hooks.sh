#!/bin/bash
# t7101-github-hooks.sh: GitHub API conformance of the hook registration: the repository's hooks
# are read page by page (Link: rel="next"), so a hook of ours beyond the first page is found and
# updated, not duplicated; the update is a PATCH in GitHub's update schema (no `name`); a hook
# of push only (made before previews) is registered again for pull requests when previews go on
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/github-fake.sh"

github_fake_up
export PLATFORM_DOMAIN=apps.test PLATFORM_PUBLIC_URL=https://platform.example.test
stack_up
github_user gh-alice 7101 alice
sign_in gh-alice
A=$SESSION
api POST /api/workspaces "$A" '{"name":"Paged"}'
WS=$(json_get .id)
REPO=$FAKE_GITHUB/alice/paged
hooks() { curl -fsS "$FAKE_GITHUB/_fake/hooks" | jq -c '."alice/paged" // []'; }

# two hooks per page, and three hooks of other services before ours
fake_github /_fake/hookpage '{"max":2}'
for i in 1 2 3; do fake_github /_fake/hook "{\"repo\":\"alice/paged\",\"url\":\"https://ci$i.example.org/hook\"}"; done
api POST "/api/workspaces/$WS/projects" "$A" "{\"name\":\"web\",\"repo_url\":\"$REPO\",\"auto_deploy\":true}"
is "$HTTP_STATUS" 201 "auto-deploy on a repository with three other hooks"
P=$(json_get .id)
is "$(hooks | jq length)" 4 "our hook is added (fourth, on the second page)"
is "$(hooks | jq -r '.[3].config.url')" "$PLATFORM_PUBLIC_URL/hooks/github" "  pointing at the platform"
first=$(curl -fsS "$FAKE_GITHUB/_fake/hooks" | jq -r '."alice/paged"[3].config.secret')
ok "the list was read past its first page" \
	test "$(curl -fsS "$FAKE_GITHUB/_fake/log" | jq '[.[] | select(.method == "GET" and (.path | test("/repos/alice/paged/hooks")))] | length')" -ge 2

# the platform loses its record of the hook (a restore, a lost secret): turning auto-deploy on
# again must find ours on page 2 and update it
psql_stack -c "DELETE FROM repo_hooks" >/dev/null
api PATCH "/api/projects/$P" "$A" '{"auto_deploy":false}'
api PATCH "/api/projects/$P" "$A" '{"auto_deploy":true}'
is "$HTTP_STATUS" 200 "auto-deploy on again" || diag "$HTTP_BODY"
is "$(hooks | jq length)" 4 "our hook is found beyond the first page: no duplicate"
ok "it was updated with a PATCH (GitHub's update schema has no name: the fake refuses one)" \
	test "$(curl -fsS "$FAKE_GITHUB/_fake/log" | jq '[.[] | select(.method == "PATCH")] | length')" -ge 1
isnt "$(curl -fsS "$FAKE_GITHUB/_fake/hooks" | jq -r '."alice/paged"[3].config.secret')" "$first" "  with a new secret"

# a hook made before previews: push only, on GitHub and in the platform's record. Turning
# previews on (auto-deploy already on) registers it again, with pull_request
fake_hook_events() { curl -fsS "$FAKE_GITHUB/_fake/hooks" | jq -c '."alice/paged"[3].events'; }
patches() { curl -fsS "$FAKE_GITHUB/_fake/log" | jq '[.[] | select(.method == "PATCH" and (.path | test("/repos/alice/paged/hooks/")))] | length'; }
is "$(fake_hook_events)" '["push","pull_request"]' "the hook is registered for pushes and pull requests"
is "$(psql_stack -c "SELECT array_to_string(events, ',') FROM repo_hooks")" push,pull_request "and the platform records so"
psql_stack -c "UPDATE repo_hooks SET events = '{push}'" >/dev/null
before=$(patches)
api PATCH "/api/projects/$P" "$A" '{"previews":true}'
is "$HTTP_STATUS" 200 "previews on, on a repository whose hook has push only" || diag "$HTTP_BODY"
is "$(($(patches) - before))" 1 "the hook is updated once (PATCH)"
is "$(fake_hook_events)" '["push","pull_request"]' "  for pull requests too"
is "$(psql_stack -c "SELECT array_to_string(events, ',') FROM repo_hooks")" push,pull_request "  and the record says so"
is "$(hooks | jq length)" 4 "  not duplicated"
api PATCH "/api/projects/$P" "$A" '{"previews":false}'
api PATCH "/api/projects/$P" "$A" '{"previews":true}'
is "$(($(patches) - before))" 1 "a hook that has pull requests is left alone when previews go on again"

done_testing

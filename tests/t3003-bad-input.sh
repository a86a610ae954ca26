#!/bin/bash
# t3003-bad-input.sh: the bad-input table: every malformed or invalid request gets the right
# 4xx with a JSON error naming the field, and no row is written
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/github-fake.sh"

github_fake_up
export PLATFORM_DOMAIN=apps.test PLATFORM_MAX_BODY=65536
stack_up
github_user gh-alice 3001 alice
sign_in gh-alice
A=$SESSION
api POST /api/workspaces "$A" '{"name":"Bad Input Team"}'
WS=$(json_get .id)
R="$FAKE_GITHUB/alice/app"
api POST "/api/workspaces/$WS/projects" "$A" "{\"name\":\"taken\",\"repo_url\":\"$R\",\"custom_domain\":\"taken.example.com\"}"
is "$HTTP_STATUS" 201 "a first project to collide with"
P=$(json_get .id)

# bad METHOD PATH STATUS CODE FIELD BODY NAME: the answer, and nothing written
bad() {
	local m=$1 p=$2 st=$3 code=$4 field=$5 body=$6 name=$7 before after
	before=$(db_fingerprint)
	api "$m" "$p" "$A" "$body"
	after=$(db_fingerprint)
	is "$HTTP_STATUS" "$st" "$name: $st"
	json_error "$code" "$name: $code"
	[ "$field" = - ] || is "$(json_get .error.field)" "$field" "$name: names the field '$field'"
	is "$after" "$before" "$name: nothing written"
}

NEW="/api/workspaces/$WS/projects"
ok_base="\"repo_url\":\"$R\""
bad POST "$NEW" 400 invalid_json - '{' "malformed JSON"
bad POST "$NEW" 400 invalid_json - '{"name":"x"} trailing' "trailing garbage"
bad POST "$NEW" 400 invalid_json - '[1,2]' "a JSON array body"
bad POST "$NEW" 400 invalid_utf8 - $'{"name":"a\xff"}' "invalid UTF-8"
bad POST "$NEW" 422 missing_field name "{$ok_base}" "a missing name"
bad POST "$NEW" 422 missing_field repo_url '{"name":"web"}' "a missing repo_url"
bad POST "$NEW" 422 unknown_field owner_id "{\"name\":\"web\",$ok_base,\"owner_id\":\"x\"}" "an unknown field"
bad POST "$NEW" 422 invalid_type name "{\"name\":5,$ok_base}" "a number for name"
bad POST "$NEW" 422 invalid_type port "{\"name\":\"web\",$ok_base,\"port\":\"80\"}" "a string for port"
bad POST "$NEW" 422 invalid_type auto_deploy "{\"name\":\"web\",$ok_base,\"auto_deploy\":\"yes\"}" "a string for auto_deploy"
bad POST "$NEW" 422 invalid_type env "{\"name\":\"web\",$ok_base,\"env\":[\"A=1\"]}" "a list for env"
bad POST "$NEW" 422 invalid_type name "{\"name\":null,$ok_base}" "null for name"
for n in '../etc' 'a/b' 'Web' 'web.app' '-web' 'web-' '1web' 'a b' '' "$(printf 'x%.0s' {1..33})"; do
	bad POST "$NEW" 422 invalid_name name "{\"name\":\"$n\",$ok_base}" "project name '$n'"
done
bad POST "$NEW" 422 invalid_name name "{\"name\":\"we\\u0001b\",$ok_base}" "a control character in the name"
bad POST "$NEW" 422 invalid_name name "{\"name\":\"w\\u00e9b\",$ok_base}" "a non-ASCII name"
for u in 'https://gitlab.com/a/b' 'http://github.com/a/b' "$FAKE_GITHUB/alice" "$FAKE_GITHUB/alice/app/extra" \
	"$FAKE_GITHUB/../app" "$FAKE_GITHUB/-x/app" "$FAKE_GITHUB/al ice/app" "$FAKE_GITHUB/alice/a%2fb" 'javascript:alert(1)' \
	"$FAKE_GITHUB.evil.com/alice/app"; do
	bad POST "$NEW" 422 invalid_repo_url repo_url "{\"name\":\"web\",\"repo_url\":\"$u\"}" "repo_url '$u'"
done
for b in 'a..b' '-x' 'a b' 'x.lock' 'a~1' 'x/' '/x' 'a//b' '@' 'a@{b' '.hidden'; do
	bad POST "$NEW" 422 invalid_branch branch "{\"name\":\"web\",$ok_base,\"branch\":\"$b\"}" "branch '$b'"
done
for p in 0 65536 -1; do
	bad POST "$NEW" 422 out_of_range port "{\"name\":\"web\",$ok_base,\"port\":$p}" "port $p"
done
bad POST "$NEW" 422 invalid_framework framework "{\"name\":\"web\",$ok_base,\"framework\":\"rails\"}" "an unknown framework"
for d in 'localhost' 'EXAMPLE.com' 'x.apps.test' 'apps.test' '*.example.com' 'a..example.com' 'exa_mple.com' '10.0.0.1'; do
	bad POST "$NEW" 422 invalid_domain custom_domain "{\"name\":\"web\",$ok_base,\"custom_domain\":\"$d\"}" "custom_domain '$d'"
done
bad POST "$NEW" 422 invalid_env_name env.1X "{\"name\":\"web\",$ok_base,\"env\":{\"1X\":\"v\"}}" "env name 1X"
bad POST "$NEW" 422 invalid_env_name env.A-B "{\"name\":\"web\",$ok_base,\"env\":{\"A-B\":\"v\"}}" "env name A-B"
bad POST "$NEW" 422 invalid_type env.A "{\"name\":\"web\",$ok_base,\"env\":{\"A\":1}}" "a number as env value"
bad POST "$NEW" 422 out_of_range replicas "{\"name\":\"web\",$ok_base,\"replicas\":21}" "replicas 21"
bad POST "$NEW" 422 invalid_quantity resources.requests.cpu "{\"name\":\"web\",$ok_base,\"resources\":{\"requests\":{\"cpu\":\"lots\"}}}" "cpu 'lots'"
bad POST "$NEW" 422 unknown_field resources.requests.gpu "{\"name\":\"web\",$ok_base,\"resources\":{\"requests\":{\"gpu\":\"1\"}}}" "an unknown resource"
bad POST "$NEW" 409 name_taken name "{\"name\":\"taken\",$ok_base}" "a duplicate name"
bad POST "$NEW" 409 domain_taken custom_domain "{\"name\":\"other\",$ok_base,\"custom_domain\":\"taken.example.com\"}" "a duplicate custom domain"
bad PATCH "/api/projects/$P" 422 immutable_field name '{"name":"renamed"}' "renaming a project"
bad PATCH "/api/projects/$P" 422 out_of_range port '{"port":70000}' "an update with a bad port"
bad POST /api/workspaces 422 invalid_name name '{"name":""}' "an empty workspace name"
bad POST /api/workspaces 422 invalid_name name '{"name":"a\u0007b"}' "a control character in a workspace name"
bad POST "/api/workspaces/$WS/members" 422 invalid_role role '{"login":"alice","role":"god"}' "an unknown role"
big=$(head -c 70000 /dev/zero | tr '\0' 'x')
bad POST "$NEW" 413 body_too_large - "{\"name\":\"web\",$ok_base,\"env\":{\"A\":\"$big\"}}" "a body over the limit"
is "$(psql_stack -c "SELECT count(*) FROM projects")" 1 "only the first project exists"

done_testing

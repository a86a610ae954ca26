#!/bin/bash
# t5010-read-cache.sh: the pool children's cache of hot reads (fcgi/rcache.h) answers from memory,
# and every revocation or change is visible to the very next request, in whichever child it lands
. "${top_srcdir:-.}/tests/lib.sh"

export PLATFORM_WORKERS=2
stack_up postgres migrate api nginx

# seed USER [WS]: a user and a session (TOKEN_<USER>); with WS, its owner or a viewer of it
seed() {
	local u=$1 tok=tok-$1-$RANDOM$RANDOM
	psql_stack -c "INSERT INTO users (id, github_id, login) VALUES ('$u', $((RANDOM * 1000 + RANDOM)), '$u')" \
		-c "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (sha256('$tok'::bytea), '$u', now() + interval '1 day')" \
		>/dev/null || bail_out "seeding $u failed"
	printf -v "TOKEN_$u" '%s' "$tok"
}
# session USER: a new session of USER; prints its token
session() {
	local tok=tok-$1-$RANDOM$RANDOM$RANDOM
	psql_stack -c "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (sha256('$tok'::bytea), '$1', now() + interval '1 day')" >/dev/null
	echo "$tok"
}
seed alice
seed vera
psql_stack -c "INSERT INTO workspaces (id, name, personal_of, created_by) VALUES ('wa', 'wa', 'alice', 'alice')" \
	-c "INSERT INTO members (workspace_id, user_id, role) VALUES ('wa', 'alice', 'owner'), ('wa', 'vera', 'viewer')" \
	-c "INSERT INTO projects (workspace_id, user_id, name, repo_url) SELECT 'wa', 'alice', 'p' || g, 'https://github.com/alice/app' FROM generate_series(1, 5) g" \
	>/dev/null || bail_out "seeding the workspace failed"
P1=$(psql_stack -c "SELECT id FROM projects WHERE name = 'p1'")
D1=$(psql_stack -c "INSERT INTO deployments (project_id, seq, state, trigger) VALUES ('$P1', 1, 'building', 'manual') RETURNING id" | head -n1)
LIST=/api/workspaces/wa/projects

# get TOKEN PATH: GET through nginx
get() { http GET "$PLATFORM_URL$2" -H "Authorization: Bearer $1"; }
# warm TOKEN PATH: enough requests that both children have the answer (each answers 200)
warm() {
	local i bad=0
	for ((i = 0; i < 12; i++)); do
		get "$1" "$2"
		[ "$HTTP_STATUS" = 200 ] || bad=$((bad + 1))
	done
	[ "$bad" = 0 ]
}
# every_get N TOKEN PATH STATUS: N requests in a row all answer STATUS
every_get() {
	local n=$1 i seen=""
	for ((i = 0; i < n; i++)); do
		get "$2" "$3"
		[ "$HTTP_STATUS" = "$4" ] || seen+=" $HTTP_STATUS"
	done
	[ -z "$seen" ] || diag "  also answered:$seen"
	[ -z "$seen" ]
}
# behind_the_back SQL: a change the triggers do not see (they are off for it), to tell a
# cached answer from a fresh one
behind_the_back() {
	psql_stack -c "SET session_replication_role = replica" -c "$1" >/dev/null
}

# -- the cache serves, and the same answer
ok "the project list answers 200 (warm-up)" warm "$TOKEN_alice" "$LIST"
first=$HTTP_BODY
behind_the_back "UPDATE projects SET branch = 'unseen' WHERE workspace_id = 'wa'"
ok "while nothing signals a change, both children answer from memory" every_get 10 "$TOKEN_alice" "$LIST" 200
is "$HTTP_BODY" "$first" "the answer from memory is the one built from the database"
get "$TOKEN_vera" "$LIST"
is "$(json_get '.items[0].branch')" unseen "another session does not get alice's entry (it asks the database)"
json_is '.items | length' 5 "and sees the 5 projects"

# -- a write in the pool (any POST/PATCH/DELETE) empties every child's cache before it answers
api_patch() { http PATCH "$PLATFORM_URL/api/projects/$P1" -H "Authorization: Bearer $TOKEN_alice" -H 'Content-Type: application/json' --data-binary "$1"; }
api_patch '{"port":4001}'
is "$HTTP_STATUS" 200 "a project change answers 200"
get "$TOKEN_alice" "$LIST"
json_is "[.items[] | select(.name == \"p1\") | .port][0]" 4001 "the next list shows the change"
json_is '.items[0].branch' unseen "and it was built from the database again"
ok "warm again" warm "$TOKEN_alice" "/api/projects/$P1"
for port in 4002 4003 4004 4005 4006 4007; do
	api_patch "{\"port\":$port}"
	get "$TOKEN_alice" "/api/projects/$P1"
	json_is .port "$port" "a project read right after a change to port $port shows it"
done

# -- logout: the next request with that token is 401, in whichever child it lands
fails=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	tok=$(session alice)
	warm "$tok" "$LIST" || fails=$((fails + 1))
	http POST "$PLATFORM_URL/api/auth/logout" -H "Authorization: Bearer $tok"
	[ "$HTTP_STATUS" = 204 ] || fails=$((fails + 1))
	every_get 3 "$tok" "$LIST" 401 || fails=$((fails + 1))
done
is "$fails" 0 "10 times: a session cached in both children, logged out, is refused at once (401)"
tok=$(session alice)
http GET "$PLATFORM_URL$LIST" -H "Cookie: __Host-platform_session=$tok"
is "$HTTP_STATUS" 200 "a session cookie reads the list"
for i in 1 2 3 4 5 6; do http GET "$PLATFORM_URL$LIST" -H "Cookie: __Host-platform_session=$tok"; done
# a cookie-authenticated POST needs JSON and the platform's own Origin (CSRF)
http POST "$PLATFORM_URL/api/auth/logout" -H "Cookie: __Host-platform_session=$tok" \
	-H 'Content-Type: application/json' -H "Origin: $PLATFORM_PUBLIC_URL" --data '{}'
is "$HTTP_STATUS" 204 "logout with the cookie"
http GET "$PLATFORM_URL$LIST" -H "Cookie: __Host-platform_session=$tok"
is "$HTTP_STATUS" 401 "after logout the cookie is refused at once"

# -- member removal: the removed member's next request is 404 (not a member), the owner's works
ok "vera reads the list and the project (warm-up)" warm "$TOKEN_vera" "$LIST"
warm "$TOKEN_vera" "/api/projects/$P1"
warm "$TOKEN_vera" "/api/deployments/$D1"
http DELETE "$PLATFORM_URL/api/workspaces/wa/members/vera" -H "Authorization: Bearer $TOKEN_alice"
is "$HTTP_STATUS" 204 "alice removes vera"
ok "vera's next list requests are 404" every_get 4 "$TOKEN_vera" "$LIST" 404
ok "and her project reads" every_get 4 "$TOKEN_vera" "/api/projects/$P1" 404
ok "and her deployment reads" every_get 4 "$TOKEN_vera" "/api/deployments/$D1" 404

# -- writes from outside the pool (the worker, platformctl) arrive by NOTIFY from the triggers
ok "the deployment reads (warm-up)" warm "$TOKEN_alice" "/api/deployments/$D1"
warm "$TOKEN_alice" "/api/projects/$P1/deployments"
psql_stack -c "UPDATE deployments SET state = 'pushed', pushed_at = now(), image = 'reg/app' WHERE id = '$D1'" >/dev/null
deploy_state() { get "$TOKEN_alice" "/api/deployments/$D1" && [ "$(json_get .state)" = pushed ]; }
list_state() { get "$TOKEN_alice" "/api/projects/$P1/deployments" && [ "$(json_get '.items[0].state')" = pushed ]; }
ok "a state change by the worker reaches the deployment read" wait_until 5 deploy_state
ok "and the deployments list" wait_until 5 list_state
ok "and it stays so in both children" every_get 6 "$TOKEN_alice" "/api/deployments/$D1" 200
json_is .state pushed "the last read shows the new state"
# the log offset moves with every log chunk and is in no answer: it empties nothing
behind_the_back "UPDATE deployments SET error = 'unseen' WHERE id = '$D1'"
psql_stack -c "UPDATE deployments SET log_offset = log_offset + 100 WHERE id = '$D1'" >/dev/null
sleep 0.3
get "$TOKEN_alice" "/api/deployments/$D1"
json_is .error null "a log offset update leaves the cached deployment in place"
psql_stack -c "UPDATE deployments SET error = 'seen' WHERE id = '$D1'" >/dev/null
error_seen() { get "$TOKEN_alice" "/api/deployments/$D1" && [ "$(json_get .error)" = seen ]; }
ok "any other column change is seen" wait_until 5 error_seen
psql_stack -c "DELETE FROM sessions WHERE token_hash = sha256('$TOKEN_alice'::bytea)" >/dev/null
gone() { get "$TOKEN_alice" "$LIST" && [ "$HTTP_STATUS" = 401 ]; }
ok "a session deleted in the database (housekeeping, another replica) is refused" wait_until 5 gone

# -- a session that expires is not served from memory past its end
seed sam
psql_stack -c "INSERT INTO members (workspace_id, user_id, role) VALUES ('wa', 'sam', 'viewer')" \
	-c "UPDATE sessions SET expires_at = now() + interval '3 seconds' WHERE user_id = 'sam'" >/dev/null
ok "a short session reads the list (warm-up)" warm "$TOKEN_sam" "$LIST"
sleep 3.5
ok "past its expiry it is refused, though nothing was written" every_get 4 "$TOKEN_sam" "$LIST" 401

# -- errors are never kept: a 404 then a membership gives 200 at once
seed olga
ok "a non-member gets 404" every_get 4 "$TOKEN_olga" "$LIST" 404
psql_stack -c "INSERT INTO members (workspace_id, user_id, role) VALUES ('wa', 'olga', 'viewer')" >/dev/null
ok "added as a member, her next requests are 200" every_get 4 "$TOKEN_olga" "$LIST" 200

# -- the database gone: no answer from memory (it could be stale), 503 as without a cache
ok "the list answers (warm-up)" warm "$TOKEN_olga" "$LIST"
"$DEV_STACK" stop "$STACK_DIR" postgres 2>/dev/null
ok "with PostgreSQL stopped, hot reads answer 503, not a cached 200" every_get 4 "$TOKEN_olga" "$LIST" 503
"$DEV_STACK" start "$STACK_DIR" postgres 2>/dev/null
back() { get "$TOKEN_olga" "$LIST" && [ "$HTTP_STATUS" = 200 ]; }
ok "back with PostgreSQL" wait_until 15 back

done_testing

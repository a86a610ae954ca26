#!/bin/bash
# t3002-isolation.sh: the attack matrix: every tenant endpoint x (no session, another tenant,
# each role) with the status each must get, and the database unchanged by every refusal
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/github-fake.sh"

github_fake_up
export PLATFORM_DOMAIN=apps.test
stack_up

declare -A TOK
n=2000
for who in alice vera dave adam owen mallory zed; do
	n=$((n + 1))
	github_user "gh-$who" "$n" "$who"
	sign_in "gh-$who"
	TOK[$who]=$SESSION
done

# tenant A: alice's workspace with one member of each role
api POST /api/workspaces "${TOK[alice]}" '{"name":"Tenant A"}'
WA=$(json_get .id)
for m in vera:viewer dave:developer adam:admin owen:owner; do
	api POST "/api/workspaces/$WA/members" "${TOK[alice]}" "{\"login\":\"${m%%:*}\",\"role\":\"${m##*:}\"}"
done
api POST "/api/workspaces/$WA/projects" "${TOK[alice]}" "{\"name\":\"shop\",\"repo_url\":\"$FAKE_GITHUB/alice/shop\"}"
PA=$(json_get .id)
# tenant B: mallory's
api POST /api/workspaces "${TOK[mallory]}" '{"name":"Tenant B"}'
WB=$(json_get .id)
api POST "/api/workspaces/$WB/projects" "${TOK[mallory]}" "{\"name\":\"evil\",\"repo_url\":\"$FAKE_GITHUB/mallory/evil\"}"
PB=$(json_get .id)
ok "both tenants are set up" test -n "$WA" -a -n "$PA" -a -n "$WB" -a -n "$PB"

# The endpoints, with a request that passes auth but is refused by validation (so an allowed
# caller changes nothing either): METHOD PATH BODY MIN_ROLE ALLOWED_STATUS
ENDPOINTS=(
	"GET /api/workspaces/{ws} - viewer 200"
	"PATCH /api/workspaces/{ws} {\"name\":\"\"} admin 422"
	"DELETE /api/workspaces/{ws} - owner 409"
	"GET /api/workspaces/{ws}/members - viewer 200"
	"POST /api/workspaces/{ws}/members {\"login\":\"zed\",\"role\":\"emperor\"} admin 422"
	"PATCH /api/workspaces/{ws}/members/vera {\"role\":\"emperor\"} admin 422"
	"DELETE /api/workspaces/{ws}/members/owen - owner skip"
	"GET /api/workspaces/{ws}/audit - admin 200"
	"GET /api/workspaces/{ws}/projects - viewer 200"
	"POST /api/workspaces/{ws}/projects {\"name\":\"Bad_Name\"} admin 422"
	"GET /api/projects/{p} - viewer 200"
	"PATCH /api/projects/{p} {\"port\":0} admin 422"
	"DELETE /api/projects/{p} - admin skip"
)
declare -A RANK=([viewer]=1 [developer]=2 [admin]=3 [owner]=4)
declare -A ROLE_OF=([vera]=viewer [dave]=developer [adam]=admin [owen]=owner)

# call WHO METHOD PATH BODY: as WHO (or nobody when WHO is -)
call() {
	local who=$1 m=$2 p=$3 b=$4 args=()
	[ "$who" != - ] && args+=(-H "Authorization: Bearer ${TOK[$who]}")
	[ "$b" != - ] && args+=(-H 'Content-Type: application/json' --data-binary "$b")
	http "$m" "$PLATFORM_URL$p" "${args[@]}"
}

# expect WHO STATUS ENDPOINT-LINE WS P: one cell of the matrix, with the database unchanged
expect() {
	local who=$1 want=$2 m p b before after
	read -r m p b _ _ <<<"$3"
	p=${p//\{ws\}/$4}
	p=${p//\{p\}/$5}
	before=$(db_fingerprint)
	call "$who" "$m" "$p" "$b"
	after=$(db_fingerprint)
	is "$HTTP_STATUS" "$want" "$who: $m $p -> $want"
	[ "$want" = 200 ] || is "$after" "$before" "$who: $m $p changed nothing"
}

for ep in "${ENDPOINTS[@]}"; do
	read -r _ _ _ min allowed <<<"$ep"
	# no session at all
	expect - 401 "$ep" "$WA" "$PA"
	# another tenant, on tenant A's ids: 404 as if they did not exist
	expect mallory 404 "$ep" "$WA" "$PA"
	# tenant A's members on tenant B's ids
	for who in alice vera adam; do expect "$who" 404 "$ep" "$WB" "$PB"; done
	# made-up ids
	expect alice 404 "$ep" zzzzzzzz 00000000-0000-0000-0000-000000000000
	expect alice 404 "$ep" '..' "not-a-uuid"
	# each role on its own workspace
	for who in vera dave adam owen; do
		role=${ROLE_OF[$who]}
		if [ "${RANK[$role]}" -ge "${RANK[$min]}" ]; then
			[ "$allowed" = skip ] || expect "$who" "$allowed" "$ep" "$WA" "$PA"
		else
			expect "$who" 403 "$ep" "$WA" "$PA"
		fi
	done
done

# a foreign id and a missing id answer the same body: existence does not leak
api GET "/api/projects/$PA" "${TOK[mallory]}"
foreign=$HTTP_BODY
api GET /api/projects/00000000-0000-0000-0000-000000000000 "${TOK[mallory]}"
is "$HTTP_BODY" "$foreign" "a foreign project and a missing one look the same"
api GET "/api/workspaces/$WA" "${TOK[mallory]}"
foreign=$HTTP_BODY
api GET /api/workspaces/zzzzzzzz "${TOK[mallory]}"
is "$HTTP_BODY" "$foreign" "a foreign workspace and a missing one look the same"

# lists never show another tenant's rows
api GET /api/workspaces "${TOK[mallory]}"
ok "mallory's workspace list does not hold tenant A" sh -c "! echo '$HTTP_BODY' | grep -q '$WA'"
api GET "/api/workspaces/$WB/projects" "${TOK[mallory]}"
is "$(json_get '[.items[].id] | join(",")')" "$PB" "mallory's project list holds only hers"

# roles that are allowed really can act (the positive side of the matrix)
api DELETE "/api/workspaces/$WA/members/vera" "${TOK[vera]}"
is "$HTTP_STATUS" 204 "a viewer may leave a workspace"
api DELETE "/api/workspaces/$WA/members/owen" "${TOK[adam]}"
is "$HTTP_STATUS" 403 "an admin cannot remove an owner"
api PATCH "/api/workspaces/$WA/members/alice" "${TOK[alice]}" '{"role":"admin"}'
is "$HTTP_STATUS" 200 "an owner may step down while another owner remains"
api PATCH "/api/workspaces/$WA/members/owen" "${TOK[owen]}" '{"role":"admin"}'
is "$HTTP_STATUS" 409 "the last owner cannot step down"
json_error last_owner "the last owner: last_owner"
api DELETE "/api/projects/$PA" "${TOK[adam]}"
is "$HTTP_STATUS" 204 "an admin deletes a project"

done_testing

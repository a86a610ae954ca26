#!/usr/bin/env bash
# t7003-custom-domains.sh: a custom domain is routed only once a DNS TXT record proves its
# owner controls it: the API shows the record to create and the status; the worker looks it up
# (libresolv, pointed at a loopback DNS server of the test's own) and re-checks it; releases
# write an unverified domain nowhere, only the generated host
. "${top_srcdir:-.}/tests/t4-lib.sh"
. "$top_srcdir/tests/github-fake.sh"

ZONE=$TEST_TMP/zone.json
echo '{}' >"$ZONE"
node "$top_srcdir/tests/fakes/fake-dns.js" "$TEST_TMP/dns.port" "$ZONE" 2>"$TEST_TMP/fake-dns.log" &
bg_register $!
wait_until 10 test -s "$TEST_TMP/dns.port" || bail_out "the fake DNS server did not start"
export PLATFORM_DNS_SERVER=127.0.0.1:$(cat "$TEST_TMP/dns.port") PLATFORM_DOMAIN_CHECK_INTERVAL=1
GITOPS_REPO=$TEST_TMP/gitops.git
git init -q --bare -b main "$GITOPS_REPO" || bail_out "no GitOps repository"
export PLATFORM_GITOPS_URL=file://$GITOPS_REPO PLATFORM_GITOPS_CACHE=$TEST_TMP/gitops-cache
export PLATFORM_DOMAIN=apps.test
github_fake_up
t4_stack
fake_config '{"default":{"queueMs":50,"lines":2,"lineMs":20,"gitops":true}}'
github_user gh-alice 7301 alice
sign_in gh-alice
A=$SESSION TOKEN=$SESSION
api POST /api/workspaces "$A" '{"name":"Domains"}'
WS=$(json_get .id)
ALICE_ID=$(psql_stack -c "SELECT id FROM users WHERE login = 'alice'")

zone() { printf '%s\n' "$1" >"$ZONE"; }
status_of() { psql_stack -c "SELECT custom_domain_status FROM projects WHERE id = '$1'"; }
checked() { [ -n "$(psql_stack -c "SELECT custom_domain_checked_at FROM projects WHERE id = '$1' AND custom_domain_checked_at > '$2'")" ]; }
is_status() { [ "$(status_of "$1")" = "$2" ]; }
values_of() { git -C "$GITOPS_REPO" show "main:apps/$WS/$ALICE_ID/$1/values.yaml" 2>/dev/null; }

# ---- the API shows the record to create; nothing is routed yet
api POST "/api/workspaces/$WS/projects" "$A" "{\"name\":\"web\",\"repo_url\":\"$FAKE_GITHUB/alice/web\",\"custom_domain\":\"www.alice.example\"}"
is "$HTTP_STATUS" 201 "a project with a custom domain"
P=$(json_get .id)
json_is .custom_domain_status pending "its domain is pending"
json_is .custom_domain_verification.name _platform-verify.www.alice.example "the record's name"
json_is .custom_domain_verification.type TXT "a TXT record"
VALUE=$(json_get .custom_domain_verification.value)
like "$VALUE" '^platform-verify=[0-9a-f]{32}$' "holding the project's token"
json_is .host "web-$ALICE_ID.apps.test" "the host is the generated one until then"
api POST "/api/workspaces/$WS/projects" "$A" "{\"name\":\"api\",\"repo_url\":\"$FAKE_GITHUB/alice/api\",\"custom_domain\":\"api.alice.example\"}"
Q=$(json_get .id)
isnt "$(json_get .custom_domain_verification.value)" "$VALUE" "each project has its own token"
api POST "/api/workspaces/$WS/projects" "$A" "{\"name\":\"plain\",\"repo_url\":\"$FAKE_GITHUB/alice/plain\"}"
json_is .custom_domain_status null "no custom domain: no status"
json_is .custom_domain_verification null "and no record"

# ---- the worker looks the record up
worker_start w1
t0=$(psql_stack -c "SELECT now() - interval '1 minute'")
ok "the worker checks the domain" wait_until 20 checked "$P" "$t0"
is "$(status_of "$P")" pending "no record: still pending"
like "$(psql_stack -c "SELECT custom_domain_error FROM projects WHERE id = '$P'")" 'no TXT record _platform-verify.www.alice.example' "saying what is missing"
zone "{\"_platform-verify.www.alice.example\":[\"platform-verify=someone-elses-token\"],\"_platform-verify.api.alice.example\":[\"$VALUE\"]}"
t1=$(psql_stack -c "SELECT now()")
ok "checked again" wait_until 20 checked "$P" "$t1"
ok "(and the other project too)" wait_until 20 checked "$Q" "$t1"
is "$(status_of "$P")" pending "a record with another token does not verify it"
is "$(status_of "$Q")" pending "nor one holding another project's token"

# ---- an unverified domain is written nowhere by a release
deploy "$P"
ok "a deployment with the domain unverified is released" wait_state "$DEPLOY_ID" released 60
ok "its ingress host is the generated one" grep -q "host: \"web-$ALICE_ID.apps.test\"" <<<"$(values_of web)"
ok "the custom domain is not in the release" not grep -q 'alice.example' <<<"$(values_of web)"

# ---- the right record verifies it
zone "{\"_platform-verify.www.alice.example\":[\"v=spf1 -all\",\"$VALUE\"]}"
ok "the right record verifies it" wait_until 20 is_status "$P" verified
api GET "/api/projects/$P" "$A"
json_is .custom_domain_status verified "the API says verified"
json_is .host www.alice.example "and the custom domain is the host"
json_is .live_url "$(live_url www.alice.example)" "and the live URL"
deploy "$P"
ok "the next release" wait_state "$DEPLOY_ID" released 60
ok "routes the custom domain" grep -q 'host: "www.alice.example"' <<<"$(values_of web)"

# ---- re-checked: a resolver failure changes nothing, a record gone fails the domain
zone '{"_platform-verify.www.alice.example":"SERVFAIL"}'
t2=$(psql_stack -c "SELECT now()")
ok "checked while the resolver fails" wait_until 20 checked "$P" "$t2"
is "$(status_of "$P")" verified "a resolver failure keeps the status"
like "$(psql_stack -c "SELECT custom_domain_error FROM projects WHERE id = '$P'")" 'DNS lookup' "and says why"
zone '{}'
ok "a record removed: failed" wait_until 20 is_status "$P" failed
api GET "/api/projects/$P" "$A"
json_is .host "web-$ALICE_ID.apps.test" "a failed domain is not the host"
is "$(psql_stack -c "SELECT coalesce(custom_domain_route(custom_domain, custom_domain_status), 'none') FROM projects WHERE id = '$P'")" none "nor what releases route"

# ---- another domain starts over
zone "{\"_platform-verify.www.alice.example\":[\"$VALUE\"]}"
ok "back: verified again" wait_until 20 is_status "$P" verified
api PATCH "/api/projects/$P" "$A" '{"custom_domain":"shop.alice.example"}'
json_is .custom_domain_status pending "a new domain is pending again"
json_is .custom_domain_verification.name _platform-verify.shop.alice.example "with its own record name"
json_is .host "web-$ALICE_ID.apps.test" "and is not routed"
api PATCH "/api/projects/$P" "$A" '{"port":8081}'
json_is .custom_domain_status pending "another change leaves the status alone"

worker_stop w1
done_testing

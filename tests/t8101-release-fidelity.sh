#!/usr/bin/env bash
# t8101-release-fidelity.sh: what a user sets on a project is what the rendered chart runs, on
# every path. A table of projects (defaults, custom domain, env with odd names and values,
# replicas 0/1/20, resources) is deployed through the pipeline (the fake Jenkins runs
# `platformctl gitops release --deployment ID`, which reads the platform's snapshot), changed and
# deployed again, then rolled back through the worker (direct rollback): each release, rendered
# by real Helm, has exactly the snapshot's replicas, resources, port, host and env names; the
# SealedSecret unseals to the values; a rollback restores the earlier settings; `git log -p` of
# the GitOps repository never holds a value; the release endpoint wants the callback token.
. "${top_srcdir:-.}/tests/t4-lib.sh"
. "$top_srcdir/tests/gitops/helm.sh"
. "$top_srcdir/tests/github-fake.sh"

helm_init
GITOPS_REPO=$TEST_TMP/gitops.git
git init -q --bare -b main "$GITOPS_REPO" || bail_out "no GitOps repository"
export PLATFORM_GITOPS_URL=file://$GITOPS_REPO PLATFORM_GITOPS_CACHE=$TEST_TMP/gitops-cache
export PLATFORM_DOMAIN=apps.example.test GIT_CONFIG_NOSYSTEM=1
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TEST_TMP/sealed.key" -out "$TEST_TMP/sealed.crt" \
	-days 2 -subj /CN=sealed-secret 2>/dev/null || bail_out "openssl cannot make a certificate"
export PLATFORM_SEALED_SECRETS_CERT=$TEST_TMP/sealed.crt
# shop's custom domain is routed only once its DNS record proves it: a DNS server of the test's own
ZONE=$TEST_TMP/zone.json
echo '{}' >"$ZONE"
node "$top_srcdir/tests/fakes/fake-dns.js" "$TEST_TMP/dns.port" "$ZONE" 2>"$TEST_TMP/fake-dns.log" &
bg_register $!
wait_until 10 test -s "$TEST_TMP/dns.port" || bail_out "the fake DNS server did not start"
export PLATFORM_DNS_SERVER=127.0.0.1:$(cat "$TEST_TMP/dns.port") PLATFORM_DOMAIN_CHECK_INTERVAL=1
github_fake_up # project creation asks GitHub, with the owner's token, for the repository
t4_stack
t4_seed alice
gh_token=gh-alice-$RANDOM$RANDOM
github_user "$gh_token" "$(psql_stack -c "SELECT github_id FROM users WHERE id = 'alice'")" alice
sign_in "$gh_token" # stores alice's GitHub token
[ -n "$SESSION" ] || bail_out "alice could not sign in with GitHub: $HTTP_BODY"
fake_config '{"default":{"queueMs":30,"lines":2,"lineMs":20,"gitops":true}}'
worker_start w1

api() { http "$1" "$PLATFORM_URL$2" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' ${3:+--data-binary "$3"}; }
SECRET=s3cr3t-$RANDOM$RANDOM
# name|project JSON (v1)|project PATCH (v2)
table=(
	'plain|{}|{"port":9090}'
	'shop|{"custom_domain":"shop.customer.example.org","replicas":2}|{"custom_domain":null,"replicas":1}'
	'odd|{"replicas":0,"env":{"ON":"on","yes":"no","NULL":"~","Y":"1e3","true":"false","QUOTES":"say \"hi\" and '"'"'bye'"'"'","MULTI":"line one\nkey: two","BRACES":"{{ .Values.image }}","UNICODE":"ünïcödé ✓ 雪","TOKEN":"'$SECRET'"}}|{"env":{"ON":"off-now","FRESH":"'$SECRET'-two"}}'
	'scale|{"autoscaling":{"min_replicas":2,"max_replicas":6,"target_cpu":70}}|{"autoscaling":null,"replicas":3}'
	'grow|{"replicas":4}|{"autoscaling":{"min_replicas":1,"max_replicas":20}}'
	'wide|{"replicas":20,"resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"2","memory":"1Gi"}}}|{"replicas":5,"resources":{"limits":{"cpu":"750m"}}}'
)
declare -A P V1 V2 RB
for row in "${table[@]}"; do
	IFS='|' read -r name v1 v2 <<<"$row"
	body=$(jq -c --arg n "$name" '. + {name: $n, repo_url: ($gh + "/alice/" + $n)}' --arg gh "$FAKE_GITHUB" <<<"$v1")
	api POST "/api/workspaces/$WS_ID/projects" "$body"
	is "$HTTP_STATUS" 201 "project $name created" || diag "$HTTP_BODY"
	P[$name]=$(json_get .id)
	[ "$name" = shop ] && printf '{"_platform-verify.shop.customer.example.org":["%s"]}\n' \
		"$(json_get .custom_domain_verification.value)" >"$ZONE"
done
domain_verified() { [ "$(psql_stack -c "SELECT custom_domain_status FROM projects WHERE id = '${P[shop]}'")" = verified ]; }
ok "shop's custom domain is verified" wait_until 20 domain_verified

# expect NAME FIELD...: what the project says now (the API), to compare releases against
snapshot_of() { api GET "/api/projects/${P[$1]}"; jq -cS '{port, replicas, resources, custom_domain, autoscaling, env: (.env | keys)}' <<<"$HTTP_BODY"; }

# render NAME: the app folder at the tip of the GitOps repository, as Argo CD renders it; OUTJ
render() {
	local dir=$TEST_TMP/app-$1-$RANDOM
	mkdir -p "$dir"
	git -C "$GITOPS_REPO" archive main "apps/alice/alice/$1" | tar -x -C "$dir" --strip-components=4
	OUTJ=$dir.json
	helm_render "$dir" "alice-$1" user-alice "$OUTJ" || { sed 's/^/# /' "$OUTJ.err"; return 1; }
}
obj() { jq -c --arg k "$1" '[.[].object | select(.kind == $k)] | .[0]' "$OUTJ"; }
# rendered NAME: the settings the rendered chart runs, in the shape of snapshot_of
rendered() {
	local d
	d=$(obj Deployment)
	jq -cnS --argjson d "$d" --argjson i "$(obj Ingress)" --argjson h "$(obj HorizontalPodAutoscaler)" \
		--arg host "$1-alice.$PLATFORM_DOMAIN" '{
		port: $d.spec.template.spec.containers[0].ports[0].containerPort,
		autoscaling: (if $h == null then null else {min_replicas: $h.spec.minReplicas,
			max_replicas: $h.spec.maxReplicas,
			target_cpu: $h.spec.metrics[0].resource.target.averageUtilization} end),
		replicas: $d.spec.replicas,
		resources: $d.spec.template.spec.containers[0].resources,
		custom_domain: ($i.spec.rules[0].host | if . == $host then null else . end),
		env: ([$d.spec.template.spec.containers[0].env[].name] - ["PORT"] | sort)}'
}
# with chart defaults filled in, what the API's snapshot must render as (an autoscaled
# Deployment has no fixed replica count: the HPA sets it)
expected() {
	jq -cS 'if .autoscaling then .replicas = null else . end | .resources = {requests: ({cpu: "50m", memory: "64Mi"} + (.resources.requests // {})),
		limits: ({cpu: "500m", memory: "256Mi"} + (.resources.limits // {}))}' <<<"$1"
}

# check NAME WANT LABEL: the tip's release of NAME renders exactly WANT (snapshot_of's shape)
check() {
	render "$1"
	is "$?" 0 "$3: helm renders $1"
	is "$(rendered "$1")" "$(expected "$2")" "$3: $1 runs exactly its snapshot (port, replicas, resources, host, env names)"
}

# unsealed NAME: the SealedSecret's values, opened with the controller's key (Node's crypto)
unsealed() { node "$top_srcdir/tests/gitops/unseal.mjs" "$TEST_TMP/sealed.key" "$OUTJ" | jq -cS '.[] // {}'; }

deploy_all() { # deploy_all ARRAY: deploy every project, record the ids, wait for released
	local -n ids=$1
	for name in "${!P[@]}"; do
		deploy "${P[$name]}"
		ids[$name]=$DEPLOY_ID
	done
	for name in "${!P[@]}"; do
		ok "$name: released through the pipeline" wait_state "${ids[$name]}" released 60 ||
			diag "$(psql_stack -c "SELECT error FROM deployments WHERE id = '${ids[$name]}'")"
	done
}

# ---- v1 through the pipeline: the release is the snapshot
declare -A S1 S2
for name in "${!P[@]}"; do S1[$name]=$(snapshot_of "$name"); done
deploy_all V1
for name in "${!P[@]}"; do check "$name" "${S1[$name]}" v1; done
is "$(fake_get releases | jq -r '[.[].args | map(select(startswith("--") and . != "--deployment" and . != "--api")) | length] | add')" 0 \
	"the pipeline passes platformctl nothing but --deployment and --api"
render odd
is "$(obj Deployment | jq -r .spec.replicas)" 0 "odd: replicas 0 is honoured"
is "$(unsealed odd)" "$(jq -cS . <<<'{"ON":"on","yes":"no","NULL":"~","Y":"1e3","true":"false","QUOTES":"say \"hi\" and '"'"'bye'"'"'","MULTI":"line one\nkey: two","BRACES":"{{ .Values.image }}","UNICODE":"ünïcödé ✓ 雪","TOKEN":"'$SECRET'"}')" \
	"odd: the SealedSecret unseals to exactly the env values"
render scale
is "$(obj HorizontalPodAutoscaler | jq -c '[.apiVersion, .spec.scaleTargetRef.name == ('"$(obj Deployment)"' | .metadata.name)]')" \
	'["autoscaling/v2",true]' "scale: an autoscaling/v2 HPA scales the app's Deployment"
render shop
is "$(obj Ingress | jq -r '.spec.rules[0].host')" shop.customer.example.org "shop: the custom domain is the host"

# the versions API says what each version ran with, env by name only
api GET "/api/projects/${P[odd]}/versions"
is "$(json_get '.items[0].settings | {port, replicas, custom_domain, env} | tojson')" \
	'{"port":3000,"replicas":0,"custom_domain":null,"env":["BRACES","MULTI","NULL","ON","QUOTES","TOKEN","UNICODE","Y","true","yes"]}' \
	"versions: v1's settings, env names sorted"
ok "versions: no env value in the answer" not grep -qF "$SECRET" <<<"$HTTP_BODY"
api GET "/api/projects/${P[scale]}/versions"
is "$(json_get '.items[0].settings.autoscaling | [.min_replicas, .max_replicas, .target_cpu] | tojson')" '[2,6,70]' \
	"versions: v1 of scale ran autoscaled"

# ---- bad autoscaling input is refused and changes nothing
for bad in '{"autoscaling":{"min_replicas":5,"max_replicas":2}}|autoscaling.max_replicas' \
	'{"autoscaling":{"min_replicas":0,"max_replicas":2}}|autoscaling.min_replicas' \
	'{"autoscaling":{"min_replicas":1,"max_replicas":21}}|autoscaling.max_replicas' \
	'{"autoscaling":{"max_replicas":2}}|autoscaling.min_replicas' \
	'{"autoscaling":{"min_replicas":1,"max_replicas":2,"target_cpu":101}}|autoscaling.target_cpu' \
	'{"autoscaling":{"min_replicas":1,"max_replicas":2,"memory":50}}|autoscaling.memory' \
	'{"autoscaling":true}|autoscaling' '{"replicas":21}|replicas'; do
	api PATCH "/api/projects/${P[scale]}" "${bad%|*}"
	is "$HTTP_STATUS/$(json_get .error.field)" "422/${bad#*|}" "PATCH ${bad%|*}: 422 naming ${bad#*|}"
done
is "$(snapshot_of scale)" "${S1[scale]}" "  and the project is unchanged"
is "$(psql_stack -c "SELECT replicas BETWEEN 0 AND 20 FROM projects WHERE id = '${P[wide]}'")" t "the database holds replicas to 0..20 as well"
ok "  and refuses 21 itself" not psql_stack -c "UPDATE projects SET replicas = 21 WHERE id = '${P[wide]}'"

# ---- v2: the projects change, the new deploy releases the new settings
for row in "${table[@]}"; do
	IFS='|' read -r name v1 v2 <<<"$row"
	api PATCH "/api/projects/${P[$name]}" "$v2"
	is "$HTTP_STATUS" 200 "$name changed" || diag "$HTTP_BODY"
	S2[$name]=$(snapshot_of "$name")
done
deploy_all V2
for name in "${!P[@]}"; do check "$name" "${S2[$name]}" v2; done
render odd
is "$(unsealed odd)" "$(jq -cS . <<<'{"ON":"off-now","FRESH":"'$SECRET'-two"}')" "odd v2: the new env values"

# a later edit does not change what an earlier deployment releases: the snapshot is per deployment
api PATCH "/api/projects/${P[wide]}" '{"replicas":7}'

# ---- exact rollback to v1 through the worker (direct mode): v1's image and settings again
for name in "${!P[@]}"; do
	api POST "/api/projects/${P[$name]}/rollback" "{\"deployment_id\":\"${V1[$name]}\"}"
	is "$HTTP_STATUS" 202 "$name: rollback to v1 accepted"
	RB[$name]=$(json_get .id)
done
triggers=$(fake_get triggers | jq length)
for name in "${!P[@]}"; do
	ok "$name: the rollback is released by the worker" wait_state "${RB[$name]}" released 60 ||
		diag "$(psql_stack -c "SELECT error FROM deployments WHERE id = '${RB[$name]}'")"
	# v2 took shop's custom domain off the project: a rollback routes a domain only while the
	# project still holds it verified (someone else may have proved it since), else the generated host
	want=${S1[$name]}
	[ "$name" = shop ] && want=$(jq -cS '.custom_domain = null' <<<"$want")
	check "$name" "$want" rollback
	is "$(psql_stack -c "SELECT tag FROM deployments WHERE id = '${RB[$name]}'")" \
		"$(psql_stack -c "SELECT tag FROM deployments WHERE id = '${V1[$name]}'")" "$name: rollback reuses v1's image tag"
done
is "$(fake_get triggers | jq length)" "$triggers" "the rollbacks asked Jenkins for nothing"
render odd
is "$(unsealed odd | jq -r .TOKEN)" "$SECRET" "odd rollback: v1's env values are back"

# ---- no secret value anywhere in the GitOps history
git -C "$GITOPS_REPO" log -p --all >"$TEST_TMP/history.txt"
ok "the history holds releases" test "$(git -C "$GITOPS_REPO" rev-list --count main)" -ge 12
for v in "$SECRET" 'say "hi"' 'line one' 'key: two' '{{ .Values.image }}' 'ünïcödé' 'off-now'; do
	ok "git log -p never shows env value '$v'" not grep -qF -- "$v" "$TEST_TMP/history.txt"
done
ok "the SealedSecret is in git" grep -q 'kind: SealedSecret' "$TEST_TMP/history.txt"

# ---- the release endpoint: the callback token or nothing
d=${V2[odd]}
http GET "$PLATFORM_URL/internal/deployments/$d/release"
is "$HTTP_STATUS" 401 "the release description without a token: 401"
http GET "$PLATFORM_URL/internal/deployments/$d/release" -H 'Authorization: Bearer not-the-token'
is "$HTTP_STATUS" 401 "with another token: 401"
json_is .error.code invalid_callback_token "  invalid_callback_token"
http GET "$PLATFORM_URL/internal/deployments/$d/release" -H "Authorization: Bearer $(fake_get "token/$d")"
is "$HTTP_STATUS" 401 "with its token once the deployment has ended: 401 (the token is revoked)"
http GET "$PLATFORM_URL/internal/deployments/00000000-0000-0000-0000-000000000000/release" -H 'Authorization: Bearer x'
is "$HTTP_STATUS" 401 "an unknown deployment: 401, nothing learnt"

# ---- a release with env and no certificate is refused, naming the setting
worker_stop w1
saved=$PLATFORM_SEALED_SECRETS_CERT
export PLATFORM_SEALED_SECRETS_CERT=
worker_start w2
export PLATFORM_SEALED_SECRETS_CERT=$saved
api POST "/api/projects/${P[odd]}/rollback" "{\"deployment_id\":\"${V2[odd]}\"}"
nocert=$(json_get .id)
ok "without a certificate the release of env fails" wait_state "$nocert" failed 30
like "$(psql_stack -c "SELECT error FROM deployments WHERE id = '$nocert'")" PLATFORM_SEALED_SECRETS_CERT \
	"  and the reason names PLATFORM_SEALED_SECRETS_CERT"
api POST "/api/projects/${P[plain]}/rollback" "{\"deployment_id\":\"${V2[plain]}\"}"
ok "a project without env still releases without one" wait_state "$(json_get .id)" released 30

done_testing

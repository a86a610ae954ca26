#!/usr/bin/env bash
# t2005-gitops-templates.sh: the app chart as platformctl writes it, rendered by real Helm 3
# (`helm template` as Argo CD runs it, `helm lint` clean) and validated against the Kubernetes
# schemas; env names YAML would misread stay themselves, env values only sealed (and they
# unseal to the values); replicas 0..20; the ApplicationSet gives exactly lib/rules/naming's names;
# the bootstrap manifests validate and allow exactly the kinds a release holds
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/gitops/lib.sh"
. "$top_srcdir/tests/gitops/helm.sh"

T=$top_srcdir/gitops-templates
helm_init
validate() { node "$top_srcdir/tests/gitops/validate.mjs" "$@" >"$TEST_TMP/validate.log" 2>&1; }

# the cluster's sealed-secrets certificate, and the private key only the controller has
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TEST_TMP/sealed.key" -out "$TEST_TMP/sealed.crt" \
	-days 2 -subj /CN=sealed-secret/O=sealed-secret 2>/dev/null || bail_out "openssl cannot make a certificate"
export PLATFORM_SEALED_SECRETS_CERT=$TEST_TMP/sealed.crt

R=$TEST_TMP/remote.git
new_remote "$R"
export PLATFORM_GITOPS_URL=file://$R

NL=$'first line\nsecond: line'
release() { gitops release --image registry.local/x/app --tag "t$RANDOM" "$@"; is "$RC" 0 "release ${*//$'\n'/ }" || diag "$ERR"; }
release --workspace ws1 --user u1 --project web
release --workspace ws1 --user 7abc --project api --tag 2024.05.01-rc1 --port 3000 \
	--env 'QUOTES=say "hi" and '"'bye'" --env 'COLON=a: b' --env "MULTI=$NL" \
	--env 'BRACES={{ .Release.Name }}' --env 'TAGGED=!!binary aGk=' --env 'BOOLISH=yes' \
	--env 'EMPTY=' --env 'NUMERIC=1e3' --env 'ON=on' --env 'yes=no' --env 'NULL=~' --env 'Y=n' \
	--env 'true=false' --env 'UNICODE=ünïcödé ✓' \
	--annotation 'nginx.ingress.kubernetes.io/proxy-body-size=10m' --annotation 'x.io/note=a: {b}' \
	--annotation 'yes=on' --annotation 'NULL=null' \
	--tls --host api.customer.example.org --pull-secret registry-credentials --autoscale \
	--min-replicas 2 --max-replicas 5 --target-cpu 70 --cpu-request 100m --memory-limit 1Gi \
	--framework nextjs --health-path /healthz
release --workspace ws2 --user u2 --project worker --no-probes --replicas 3 \
	--ingress-class traefik --tls --tls-secret my-cert
release --workspace ws2 --user u2 --project stopped --replicas 0
release --workspace ws2 --user u2 --project wide --replicas 20

# ---- refusals: env without a certificate, replicas out of range
PLATFORM_SEALED_SECRETS_CERT='' gitops release --workspace ws1 --user u1 --project web --image r/x --tag t1 --env A=b
isnt "$RC" 0 "env without a sealed-secrets certificate is refused"
like "$ERR" 'PLATFORM_SEALED_SECRETS_CERT' "  naming the setting"
gitops release --workspace ws1 --user u1 --project web --image r/x --tag t1 --replicas 21
isnt "$RC" 0 "21 replicas are refused"
like "$ERR" 'replicas must be 0 to 20' "  with the range"

# extract APP_PATH DIR: the app folder as Argo CD would check it out
extract() {
	mkdir -p "$2"
	git -C "$R" archive main "$1" | tar -x -C "$2" --strip-components=4
}

# chart_case APP_PATH: lint, render, validate; leaves the JSON in $OUTJ and values in $VALS
chart_case() {
	local dir=$TEST_TMP/chart-${1//\//-} rel ns
	extract "$1" "$dir"
	VALS=$dir/values.yaml
	rel=$(grep -A7 '^app:' "$VALS" | sed -n 's/^  releaseName: "\(.*\)"$/\1/p')
	ns=$(sed -n 's/^namespace: "\(.*\)"$/\1/p' "$VALS")
	OUTJ=$TEST_TMP/out-${1//\//-}.json
	"$HELM" lint "$dir" --namespace "$ns" --values "$VALS" >"$TEST_TMP/lint.log" 2>&1
	is "$?" 0 "$1: helm lint passes" || sed 's/^/# /' "$TEST_TMP/lint.log"
	ok "$1: helm lint has no warning" not grep -Eq '\[(WARNING|ERROR)\]' "$TEST_TMP/lint.log"
	helm_render "$dir" "$rel" "$ns" "$OUTJ"
	is "$?" 0 "$1: helm template renders it" || sed 's/^/# /' "$OUTJ.err"
	validate "$OUTJ"
	is "$?" 0 "$1: every rendered object is valid against the Kubernetes schemas" ||
		sed 's/^/# /' "$TEST_TMP/validate.log"
	# the ApplicationSet, applied to this folder, gives the names lib/rules/naming put in values.yaml
	appset_render "$T/bootstrap/platform/applicationset.yaml" "$1/Chart.yaml" "$TEST_TMP/app.json" ||
		sed 's/^/# /' "$TEST_TMP/app.json.err"
	validate "$TEST_TMP/app.json"
	is "$?" 0 "$1: the generated Application is valid against the Argo CD schema" ||
		sed 's/^/# /' "$TEST_TMP/validate.log"
	is "$(jq -r '.[0].object.metadata.name' "$TEST_TMP/app.json")" \
		"$(grep -A2 '^app:' "$VALS" | sed -n 's/^  name: "\(.*\)"$/\1/p')" "$1: Application name"
	is "$(jq -r '.[0].object.spec.source.helm.releaseName' "$TEST_TMP/app.json")" "$rel" "$1: Helm release name"
	is "$(jq -r '.[0].object.spec.destination.namespace' "$TEST_TMP/app.json")" "$ns" "$1: namespace"
	is "$(jq -r '.[0].object.spec.source.path' "$TEST_TMP/app.json")" "$1" "$1: source path"
}
obj() { jq -c --arg k "$1" '[.[].object | select(.kind == $k)] | .[0]' "$OUTJ"; }
envval() { obj Deployment | jq -r --arg n "$1" '.spec.template.spec.containers[0].env[] | select(.name == $n) | .value'; }
envref() { obj Deployment | jq -cS --arg n "$1" '.spec.template.spec.containers[0].env[] | select(.name == $n) | .valueFrom.secretKeyRef'; }

# ---- defaults
chart_case apps/ws1/u1/web
is "$(obj Deployment | jq -r .metadata.name)" u1-web "Deployment named after the release"
is "$(obj Deployment | jq -r .spec.replicas)" 1 "one replica"
is "$(obj HorizontalPodAutoscaler)" null "no HPA without autoscaling"
is "$(obj SealedSecret)" null "no SealedSecret without env"
is "$(obj Ingress | jq -r '.spec.rules[0].host')" web-u1.apps.example.com "generated host"
is "$(obj Ingress | jq -r .spec.tls)" null "no TLS by default"
is "$(obj Ingress | jq -r .spec.ingressClassName)" nginx "ingress class nginx"
is "$(obj Deployment | jq -r '.spec.template.spec.imagePullSecrets')" null "no pull secret by default"
is "$(envval PORT)" 8080 "PORT env from the port"

# ---- everything set, tricky names and values
chart_case apps/ws1/7abc/api
is "$(obj Service | jq -r .metadata.name)" a-7abc-api "a release starting with a digit gets an RFC 1035 Service name"
is "$(obj Deployment | jq -r '.spec.template.spec.containers[0].image')" registry.local/x/app:2024.05.01-rc1 "image is repository:tag"
names='BOOLISH BRACES COLON EMPTY MULTI NULL NUMERIC ON PORT QUOTES TAGGED UNICODE Y true yes'
is "$(obj Deployment | jq -r '[.spec.template.spec.containers[0].env[].name] | sort | join(" ")')" "$names" \
	"exactly the env names, none collapsed (ON, yes, Y, true, NULL stay themselves)"
is "$(envref ON)" '{"key":"ON","name":"7abc-api-env"}' "env comes from the Secret by secretKeyRef"
is "$(obj SealedSecret | jq -r '.metadata | .name + " " + .namespace')" "7abc-api-env user-7abc" \
	"one SealedSecret <release>-env in the app's namespace"
is "$(obj SealedSecret | jq -r '.spec.encryptedData | keys | join(" ")')" "${names/PORT /}" "  holding every env name"
for v in 'say "hi"' 'a: b' 'second: line' '{{ .Release.Name }}' 'aGk=' 'ünïcödé'; do
	ok "no env value in clear in the app folder: $v" not git -C "$R" grep -qF "$v" main -- apps/ws1/7abc/api
done
node "$top_srcdir/tests/gitops/unseal.mjs" "$TEST_TMP/sealed.key" "$OUTJ" >"$TEST_TMP/unsealed.json" 2>"$TEST_TMP/unseal.err"
is "$?" 0 "the controller's key unseals every value (Node's crypto, kubeseal's format)" || sed 's/^/# /' "$TEST_TMP/unseal.err"
for pair in "QUOTES|say \"hi\" and 'bye'" "COLON|a: b" "MULTI|$NL" "BRACES|{{ .Release.Name }}" \
	"TAGGED|!!binary aGk=" "BOOLISH|yes" "EMPTY|" "NUMERIC|1e3" "ON|on" "yes|no" "NULL|~" "Y|n" \
	"true|false" "UNICODE|ünïcödé ✓"; do
	is "$(jq -r --arg k "${pair%%|*}" '.["user-7abc/7abc-api-env"][$k]' "$TEST_TMP/unsealed.json")" "${pair#*|}" \
		"env ${pair%%|*} unseals to the same string"
done
is "$(obj Deployment | jq -r '.spec.template.spec.containers[0].ports[0].containerPort')" 3000 "container port"
is "$(envval PORT)" 3000 "PORT env from the port"
is "$(obj Deployment | jq -r .spec.replicas)" null "no fixed replicas under autoscaling"
is "$(obj HorizontalPodAutoscaler | jq -c '[.spec.minReplicas, .spec.maxReplicas, .spec.metrics[0].resource.target.averageUtilization]')" \
	"[2,5,70]" "HPA min, max, target"
is "$(obj Ingress | jq -r '.spec.rules[0].host')" api.customer.example.org "custom host"
is "$(obj Ingress | jq -r '.spec.tls[0].secretName')" a-7abc-api-tls "TLS with the default secret name"
is "$(obj Ingress | jq -r '.metadata.annotations["x.io/note"]')" "a: {b}" "annotation value kept"
is "$(obj Ingress | jq -c '.metadata.annotations | [.yes, .NULL]')" '["on","null"]' "annotation keys yes and NULL stay strings"
is "$(obj Deployment | jq -r '.spec.template.spec.imagePullSecrets[0].name')" registry-credentials "image pull secret"
is "$(obj Deployment | jq -c '.spec.template.spec.containers[0].resources')" \
	'{"limits":{"cpu":"500m","memory":"1Gi"},"requests":{"cpu":"100m","memory":"64Mi"}}' "resources"
is "$(obj Deployment | jq -r '.spec.template.spec.containers[0].readinessProbe.httpGet.path')" /healthz "health path"

# ---- no probes, fixed replicas, another ingress class, a named TLS secret; 0 and 20 replicas
chart_case apps/ws2/u2/worker
is "$(obj Deployment | jq -r '.spec.template.spec.containers[0].readinessProbe')" null "no probes"
is "$(obj Deployment | jq -r .spec.replicas)" 3 "three replicas"
is "$(obj Ingress | jq -r .spec.ingressClassName)" traefik "ingress class traefik"
is "$(obj Ingress | jq -r '.spec.tls[0].secretName')" my-cert "named TLS secret"
chart_case apps/ws2/u2/stopped
is "$(obj Deployment | jq -r .spec.replicas)" 0 "replicas 0 is honoured"
chart_case apps/ws2/u2/wide
is "$(obj Deployment | jq -r .spec.replicas)" 20 "replicas 20"

# ---- the values schema refuses what the platform would never write
dir=$TEST_TMP/chart-apps-ws2-u2-wide
sed -i 's/^replicas: 20$/replicas: 21/' "$dir/values.yaml"
"$HELM" template u2-wide "$dir" --namespace user-u2 --values "$dir/values.yaml" >/dev/null 2>"$TEST_TMP/schema.err"
isnt "$?" 0 "helm refuses 21 replicas (values.schema.json)"

# ---- the chart's own defaults, and the bootstrap manifests
OUTJ=$TEST_TMP/defaults.json
helm_render "$T/app" user1-web user-user1 "$OUTJ"
is "$?" 0 "the reference chart renders with its defaults" || sed 's/^/# /' "$OUTJ.err"
validate "$OUTJ"
is "$?" 0 "  and validates" || sed 's/^/# /' "$TEST_TMP/validate.log"
"$HELM" lint "$T/app" >"$TEST_TMP/lint.log" 2>&1
is "$?" 0 "  and passes helm lint" || sed 's/^/# /' "$TEST_TMP/lint.log"
validate "$T"/bootstrap/*.yaml "$T"/bootstrap/platform/*.yaml
is "$?" 0 "the bootstrap Namespace, Application, AppProject and ApplicationSet validate" ||
	sed 's/^/# /' "$TEST_TMP/validate.log"
appset=$T/bootstrap/platform/applicationset.yaml
like "$(cat "$appset")" 'path: "apps/\*/\*/\*/Chart.yaml"' "the ApplicationSet scans apps/*/*/*/Chart.yaml"
like "$(cat "$appset")" 'prune: true' "  with prune"
like "$(cat "$appset")" 'selfHeal: true' "  self-heal"
like "$(cat "$appset")" 'CreateNamespace=true' "  and CreateNamespace"
# njs CODE: an ES module run where tests/node_modules resolves
njs() { (cd "$top_srcdir/tests" && node --input-type=module -e "$1"); }
njs "
import { readFileSync } from 'node:fs'; import { parse } from 'yaml';
const s = parse(readFileSync('$appset', 'utf8'));
process.stdout.write(String(s.spec.syncPolicy?.preserveResourcesOnDeletion));" >"$TEST_TMP/preserve" 2>&1
is "$(cat "$TEST_TMP/preserve")" true "deleting the ApplicationSet keeps the apps' resources (preserveResourcesOnDeletion)"
# the AppProject allows exactly the namespaced kinds the charts above rendered
kinds=$(cat "$TEST_TMP"/out-apps-*.json | jq -rs '[.[][].object | (.apiVersion | split("/") | if length == 2 then .[0] else "" end) + "/" + .kind] | unique | join(" ")')
allowed=$(njs "
import { readFileSync } from 'node:fs'; import { parse } from 'yaml';
const p = parse(readFileSync('$T/bootstrap/platform/appproject.yaml', 'utf8'));
process.stdout.write(p.spec.namespaceResourceWhitelist.map((k) => k.group + '/' + k.kind).sort().join(' '));")
is "$allowed" "$kinds" "the AppProject allows exactly the kinds a release holds ($kinds)"

# ---- the validator does catch a broken object
echo '[{"template":"x","object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"selector":{},"template":{"spec":{"containers":[{"name":"app","ports":[{"containerPort":"http"}]}]}}}}}]' >"$TEST_TMP/bad.json"
validate "$TEST_TMP/bad.json"
is "$?" 1 "the validator rejects a Deployment with a string containerPort"
echo '[{"template":"x","object":{"apiVersion":"bitnami.com/v1alpha1","kind":"SealedSecret","metadata":{"name":"x","namespace":"n"},"spec":{"encryptedData":{"A":"not base64!"},"template":{"metadata":{"name":"x","namespace":"n"}}}}}]' >"$TEST_TMP/bad.json"
validate "$TEST_TMP/bad.json"
is "$?" 1 "the validator rejects a SealedSecret whose value is not sealed"

done_testing

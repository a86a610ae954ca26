#!/usr/bin/env bash
# t2004-gitops-doctor.sh: platformctl gitops doctor on a clean repository, then on one with each
# fault seeded: it finds every one, says where, and the exit status says whether all is well
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/gitops/lib.sh"

R=$TEST_TMP/remote.git
new_remote "$R"
export PLATFORM_GITOPS_URL=file://$R

gitops doctor
is "$RC" 0 "an empty repository is all well"
rel() { gitops release --image registry.local/x --tag v1 "$@"; [ "$RC" = 0 ] || diag "$ERR"; }
rel --workspace ws1 --user u1 --project web
rel --workspace ws1 --user u1 --project api
rel --workspace ws2 --user u2 --project web

gitops doctor
is "$RC" 0 "a repository written by platformctl is all well"
like "$OUT" '3 apps at [0-9a-f]{40}: 0 errors' "  the summary counts 3 apps"
gitops doctor --json
is "$(jq -r .ok <<<"$OUT")" true "  --json says ok"
is "$(jq -r '.findings | length' <<<"$OUT")" 0 "  with no findings"

# ---- seed one fault of each kind with plain git, as a person editing the repo would
W=$TEST_TMP/work
git clone -q "$R" "$W"
copy_app() { mkdir -p "$W/$2" && cp -r "$W/$1/." "$W/$2/"; }
setval() { sed -i "s|^$2.*|$2 $3|" "$W/$1/values.yaml"; }

# two folders giving one Argo CD application name (ids with '-', from before the id rules)
copy_app apps/ws1/u1/web apps/a-b/c/web
copy_app apps/ws1/u1/web apps/a/b-c/web
setval apps/a-b/c/web "namespace:" '"user-c"'
setval apps/a/b-c/web "namespace:" '"user-b-c"'
setval apps/a-b/c/web "  host:" '"one.apps.example.com"'
setval apps/a/b-c/web "  host:" '"two.apps.example.com"'
# a release name over 53 characters
LONG=p$(printf 'x%.0s' {1..50})
copy_app apps/ws1/u1/web "apps/ws1/u1/$LONG"
setval "apps/ws1/u1/$LONG" "  host:" '"long.apps.example.com"'
# a release name that is not Helm-safe
copy_app apps/ws1/u1/web apps/ws1/u1/Web_App
setval apps/ws1/u1/Web_App "  host:" '"webapp.apps.example.com"'
# a namespace that does not match the user
setval apps/ws2/u2/web "namespace:" '"user-u1"'
# two apps claiming one host
setval apps/ws1/u1/api "  host:" '"web-u1.apps.example.com"'
# a legacy layout the ApplicationSet pattern would also scan
mkdir -p "$W/apps/ws1/u1/web/charts/redis" && cp "$W/apps/ws1/u1/web/Chart.yaml" "$W/apps/ws1/u1/web/charts/redis/"
mkdir -p "$W/apps/team/legacy" && cp "$W/apps/ws1/u1/web/Chart.yaml" "$W/apps/team/legacy/"
# values that do not parse, and values that miss a key
copy_app apps/ws1/u1/web apps/ws3/u3/broken
printf 'image: [unclosed\n' >"$W/apps/ws3/u3/broken/values.yaml"
copy_app apps/ws1/u1/web apps/ws3/u3/partial
sed -i '/^  tag:/d' "$W/apps/ws3/u3/partial/values.yaml"
setval apps/ws3/u3/partial "namespace:" '"user-u3"'
setval apps/ws3/u3/partial "  host:" '"partial.apps.example.com"'
git -C "$W" add -A && git -C "$W" commit -q -m "seed faults" && git -C "$W" push -q origin main

gitops doctor --json
is "$RC" 1 "doctor exits 1 when something is wrong"
J=$OUT
has() { # CODE PATH: a finding with that code at that path
	jq -e --arg c "$1" --arg p "$2" '.findings | any(.code == $c and .path == $p)' <<<"$J" >/dev/null
}
ok "two folders, one application name (apps/a-b/c/web, apps/a/b-c/web)" has app_name_collision apps/a/b-c/web
ok "  and the ids with '-' are reported as invalid names" has invalid_name apps/a-b/c/web
ok "a release name over 53" has release_name_too_long "apps/ws1/u1/$LONG"
ok "a release name that is not Helm-safe" has release_name_invalid apps/ws1/u1/Web_App
ok "a namespace that does not match the user" has namespace_mismatch apps/ws2/u2/web
ok "two apps claiming one host" has host_collision apps/ws1/u1/web
ok "a nested chart the ApplicationSet would also scan" has legacy_layout apps/ws1/u1/web/charts/redis
ok "a chart outside the layout is a warning" has unscanned_chart apps/team/legacy
ok "values that do not parse" has values_invalid apps/ws3/u3/broken
ok "values that miss a key" has values_missing_key apps/ws3/u3/partial
like "$(jq -r '.findings[] | select(.code == "values_missing_key") | .message' <<<"$J")" 'image.tag' \
	"  naming the key"
is "$(jq -r .ok <<<"$J")" false "--json says not ok"
cmp_ok "$(jq -r .errors <<<"$J")" -ge 10 "at least one error per seeded fault"
is "$(jq -r '[.findings[] | select((.path == "apps/ws2/u2/web" or .path == "apps/ws1/u1/api") and .code != "namespace_mismatch" and .code != "host_collision")] | length' <<<"$J")" 0 \
	"nothing else is reported on the folders with one fault"

gitops doctor
is "$RC" 1 "the text form exits 1 too"
like "$OUT" 'error legacy_layout apps/ws1/u1/web/charts/redis: ' "  one line per finding"

# ---- doctor reads a non-bare checkout in place as well
gitops doctor --remote "$W"
is "$RC" 1 "doctor on a work tree checkout"
# ---- and a bad remote is a failure with a clear message
gitops doctor --remote "$TEST_TMP/nothing-here"
is "$RC" 1 "doctor on a missing repository fails"
like "$ERR" 'cannot open' "  saying so"

done_testing

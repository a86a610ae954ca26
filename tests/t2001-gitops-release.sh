#!/usr/bin/env bash
# t2001-gitops-release.sh: releases, rollbacks, template updates and removals into a bare file:// remote
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/gitops/lib.sh"

R=$TEST_TMP/remote.git
new_remote "$R"
export PLATFORM_GITOPS_URL=file://$R
APP=apps/ws1/u1/web
# env values are sealed for the cluster: a test certificate of a sealed-secrets controller
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TEST_TMP/sealed.key" -out "$TEST_TMP/sealed.crt" \
	-days 2 -subj /CN=sealed-secret 2>/dev/null || bail_out "openssl cannot make a certificate"
export PLATFORM_SEALED_SECRETS_CERT=$TEST_TMP/sealed.crt

# ---- first release
gitops release --workspace ws1 --user u1 --project web --image registry.local/ws1/web --tag v1 \
	--port 3000 --env 'GREETING=hello: "world"' --deployment-id dep-1 --triggered-by alice \
	--author-name 'Deploy Bot' --author-email bot@example.com
is "$RC" 0 "release v1 succeeds" || diag "$ERR"
like "$OUT" '^[0-9a-f]{40}$' "it prints the new commit id"
C1=$OUT
is "$(tip "$R")" "$C1" "the remote's main is that commit"
ok "git fsck is clean" git -C "$R" fsck --no-progress --no-dangling --strict
for f in Chart.yaml values.yaml values.schema.json templates/_helpers.tpl templates/deployment.yaml \
	templates/service.yaml templates/ingress.yaml templates/hpa.yaml; do
	ok "$APP/$f is in the commit" git -C "$R" cat-file -e "$C1:$APP/$f"
done
like "$(git -C "$R" show "$C1:$APP/Chart.yaml")" 'appVersion: "v1"' "Chart.yaml appVersion is the tag"
like "$(git -C "$R" show "$C1:$APP/Chart.yaml")" 'apiVersion: "v2"' "Chart.yaml is apiVersion v2"
is "$(git -C "$R" log -1 --format=%s "$C1")" "release ws1-u1-web: v1 (was none)" "the subject names app, tag and previous"
is "$(git -C "$R" log -1 --format='%(trailers:key=Deployment-Id,valueonly)' "$C1" | head -1)" dep-1 \
	"Deployment-Id trailer"
is "$(git -C "$R" log -1 --format='%(trailers:key=Triggered-By,valueonly)' "$C1" | head -1)" alice \
	"Triggered-By trailer"
is "$(git -C "$R" log -1 --format='%an <%ae>' "$C1")" "Deploy Bot <bot@example.com>" "the author is configurable"

# ---- second release: only the app folder changes, parent is the first
gitops release --workspace ws1 --user u1 --project web --image registry.local/ws1/web --tag v2 --json
is "$RC" 0 "release v2 succeeds" || diag "$ERR"
C2=$(jq -r .commit <<<"$OUT")
is "$(jq -r .previous_tag <<<"$OUT")" v1 "--json reports the previous tag"
is "$(git -C "$R" rev-parse "$C2^")" "$C1" "v2's parent is v1"
is "$(git -C "$R" diff --name-only "$C1" "$C2" | grep -vc "^$APP/")" 0 "v2 changes nothing outside $APP/"
is "$(git -C "$R" log -1 --format=%s "$C2")" "release ws1-u1-web: v2 (was v1)" "v2's subject names v1"

# ---- another app leaves the first one's tree alone
T_WEB=$(git -C "$R" rev-parse "$C2:$APP")
gitops release --workspace ws2 --user u2 --project api --image registry.local/ws2/api --tag a1
is "$RC" 0 "a second app is released" || diag "$ERR"
C3=$OUT
is "$(git -C "$R" rev-parse "$C3:$APP")" "$T_WEB" "the first app's folder is untouched"

# ---- rollback: a new commit with the earlier tag
gitops release --workspace ws1 --user u1 --project web --image registry.local/ws1/web --tag v1 \
	--rollback --deployment-id dep-3
is "$RC" 0 "rollback to v1 succeeds" || diag "$ERR"
C4=$OUT
is "$(git -C "$R" rev-parse "$C4^")" "$C3" "the rollback is a new commit on top"
is "$(git -C "$R" log -1 --format=%s "$C4")" "rollback ws1-u1-web: v1 (was v2)" "rollback subject"
like "$(git -C "$R" show "$C4:$APP/Chart.yaml")" 'appVersion: "v1"' "appVersion is back to v1"

# ---- templates change: a changed template is updated, a dropped one removed
TPL=$TEST_TMP/chart
cp -r "$top_srcdir/gitops-templates/app" "$TPL"
echo "# changed" >>"$TPL/templates/service.yaml"
rm "$TPL/templates/hpa.yaml"
gitops release --workspace ws1 --user u1 --project web --image registry.local/ws1/web --tag v3 \
	--templates "$TPL"
is "$RC" 0 "release with new templates" || diag "$ERR"
C5=$OUT
like "$(git -C "$R" show "$C5:$APP/templates/service.yaml")" '# changed' "the changed template is in"
ok "the dropped template is gone" test -z "$(git -C "$R" ls-tree "$C5" "$APP/templates/hpa.yaml")"
gitops release --workspace ws1 --user u1 --project web --image registry.local/ws1/web --tag v4
C6=$OUT
ok "the built-in templates come back on the next release" \
	git -C "$R" cat-file -e "$C6:$APP/templates/hpa.yaml"

# ---- names that would escape the folder: refused before any git call
for bad in "--project ../web" "--project web/../../x" "--user .." "--workspace ws1/u1" \
	"--project Web" "--user u-1"; do
	rm -rf "$TEST_TMP/fresh-cache"
	before=$(tip "$R")
	# shellcheck disable=SC2086
	PLATFORM_GITOPS_CACHE=$TEST_TMP/fresh-cache gitops release --workspace ws1 --user u1 \
		--project web $bad --image registry.local/x --tag v9
	is "$RC" 2 "refused: $bad"
	like "$ERR" 'may contain|must|lowercase|letters' "  with a message saying why"
	ok "  no cache was created (no git call)" test ! -e "$TEST_TMP/fresh-cache"
	is "$(tip "$R")" "$before" "  the remote did not move"
done
gitops release --workspace ws1 --user u1 --project web --image 'bad image' --tag v9
is "$RC" 2 "a bad image repository is refused"
gitops release --workspace ws1 --user u1 --project web --image r/x --tag 'v1;rm'
is "$RC" 2 "a bad tag is refused"

# ---- remove: one commit, empty parents go too; a second remove is a no-op
gitops remove --workspace ws1 --user u1 --project web --deployment-id dep-9 --triggered-by bob
is "$RC" 0 "remove succeeds" || diag "$ERR"
C7=$OUT
is "$(git -C "$R" rev-parse "$C7^")" "$C6" "the removal is one commit"
ok "the app folder is gone" test -z "$(git -C "$R" ls-tree "$C7" apps/ws1)"
ok "the other app stays" git -C "$R" cat-file -e "$C7:apps/ws2/u2/api/values.yaml"
is "$(git -C "$R" log -1 --format=%s "$C7")" "remove ws1-u1-web (was v4)" "removal subject"
gitops remove --workspace ws1 --user u1 --project web
is "$RC" 0 "removing an absent app is not an error"
is "$OUT" "$C7" "  and makes no commit"

# ---- the history is readable by git itself
ok "git fsck is clean at the end" git -C "$R" fsck --no-progress --no-dangling --strict
ok "git clone works" git clone -q "$R" "$TEST_TMP/clone"
ok "the clone has the second app" test -f "$TEST_TMP/clone/apps/ws2/u2/api/Chart.yaml"
is "$(git -C "$R" rev-list --count main)" 7 "seven commits in all"

# ---- a non-bare remote is refused with a clear message, and a missing one too
git init -q "$TEST_TMP/worktree-remote"
git -C "$TEST_TMP/worktree-remote" commit -q --allow-empty -m init
gitops release --remote "$TEST_TMP/worktree-remote" --workspace ws1 --user u1 --project web \
	--image r/x --tag v1
is "$RC" 1 "a non-bare local remote is refused"
like "$ERR" 'bare' "  the message says it must be bare"
gitops release --remote "file://$TEST_TMP/nope.git" --workspace ws1 --user u1 --project web \
	--image r/x --tag v1
is "$RC" 1 "a missing local remote fails"
like "$ERR" 'cannot open the gitops remote' "  with a clear message"

# ---- ordering: a release older than the one in git is refused, whoever wrote the newer one
new_remote "$TEST_TMP/ordered.git"
export PLATFORM_GITOPS_URL=file://$TEST_TMP/ordered.git
gitops release --workspace ws1 --user u1 --project ord --image r/ord --tag s5 --seq 5
is "$RC" 0 "release of deployment #5"
like "$(git -C "$TEST_TMP/ordered.git" show main:apps/ws1/u1/ord/Chart.yaml)" 'deployment-seq: "?5"?' "Chart.yaml records the deployment seq"
held=$(tip "$TEST_TMP/ordered.git")
gitops release --workspace ws1 --user u1 --project ord --image r/ord --tag s3 --seq 3
is "$RC" 1 "an older deployment (#3) is refused"
like "$ERR" 'already holds deployment #5' "  saying which one git holds"
is "$(tip "$TEST_TMP/ordered.git")" "$held" "  and nothing is written"
gitops release --workspace ws1 --user u1 --project ord --image r/ord --tag s5b --seq 5
is "$RC" 0 "the same deployment may write again (a retried release)"
gitops release --workspace ws1 --user u1 --project ord --image r/ord --tag s7 --seq 7
is "$RC" 0 "a newer deployment (#7) is written"
gitops release --workspace ws1 --user u1 --project ord --image r/ord --tag manual
is "$RC" 0 "a release without --seq is not ordered (an operator's manual write)"
gitops release --workspace ws1 --user u1 --project ord --image r/ord --tag s6 --seq 6
is "$RC" 0 "after a manual write the order starts again"

done_testing

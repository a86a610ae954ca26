#!/usr/bin/env bash
# t9003-build-helper.sh: platform-build alone: refused job descriptions, then a build with a fake buildah that looks for the token in argv, environments and the log
. "${top_srcdir:-.}/tests/lib.sh"

helper=${PLATFORM_BUILD_HELPER:-$top_builddir/builder/platform-build}
command -v git >/dev/null || { skip "git is not installed"; done_testing; }
[ -x "$helper" ] || bail_out "platform-build not found at $helper (make)"

token=ghp_$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c 36)
id=3f1c2a9e-0000-4000-8000-000000000001

# refuse JOB NAME EXPECTED-MESSAGE: the helper exits 2 with the message and builds nothing
refuse() {
	local out rc
	out=$(printf '%s' "$1" | "$helper" 2>&1)
	rc=$?
	is "$rc" 2 "$2: exit status 2"
	like "$out" "^platform-build: bad job description: $3" "$2: says why"
	ok "$2: no token in the output" not grep -qF "$token" <<<"$out"
}
refuse '' "empty stdin" "the job description is empty"
refuse '{"id":' "cut JSON" "the job description is not JSON: it ends too early"
refuse '[1]' "not an object" "the job description must be a JSON object"
refuse '{"id":"x"} junk' "trailing bytes" "the job description is not JSON"
refuse '{}' "no members" "id is required"
refuse "{\"github_token\":\"$token\",\"colour\":\"red\"}" "an unknown member" "unknown field 'colour'"
good() {
	jq -nc --arg dir "$TEST_TMP/build" --arg url "file://$TEST_TMP/repo" --arg id "$id" \
		--arg tok "$token" --arg tmpl "$top_srcdir/builder/templates" '{
		id: $id, dir: $dir, repo_url: $url, branch: "main", commit: null,
		image: "127.0.0.1:5000/ws-user-site", port: 8080, github_token: $tok,
		registry_url: "http://127.0.0.1:5000", builder_tool: "buildah",
		templates: $tmpl, base_image_static: "busybox:1"}' | jq -c "$1"
}
refuse "$(good '.port = "8080"')" "a wrong type" "port must be a whole number"
refuse "$(good '.github_token = 12')" "a token of the wrong type" "github_token must be a string"
refuse "$(good '.builder_tool = "make"')" "an unknown tool" "builder_tool must be buildah or docker"
refuse "$(good '.dir = "builds/x"')" "a relative build folder" "dir must be an absolute path"
"$helper" extra </dev/null >/dev/null 2>&1
is "$?" 2 "an argument is a usage error (the job comes on stdin only)"
like "$("$helper" --help)" "usage: platform-build < JOB.json" "--help"

# a repository with a static site, and a fake buildah that records what it can see
git init -q -b main "$TEST_TMP/repo"
echo '<h1>hi</h1>' >"$TEST_TMP/repo/index.html"
git -C "$TEST_TMP/repo" add index.html
git -C "$TEST_TMP/repo" -c user.name=t -c user.email=t@t commit -q -m site
mkdir -p "$TEST_TMP/bin" "$TEST_TMP/build" "$TEST_TMP/seen"
cat >"$TEST_TMP/bin/buildah" <<'SH'
#!/bin/bash
seen=$FAKE_SEEN
{ tr '\0' ' ' </proc/$$/cmdline; echo; } >>"$seen/argv"
{ tr '\0' ' ' </proc/$PPID/cmdline; echo; } >>"$seen/helper-argv"
tr '\0' '\n' </proc/$$/environ >>"$seen/env"
tr '\0' '\n' </proc/$PPID/environ >>"$seen/helper-env"
readlink /proc/$PPID/fd/0 >"$seen/helper-stdin"
while [ $# -gt 0 ] && [ "$1" != bud ] && [ "$1" != push ] && [ "$1" != rmi ]; do shift; done
case $1 in
bud) echo "STEP 1/2: FROM busybox:1 (fake)"; [ -z "${FAKE_FAIL:-}" ] || { echo "fake build error" >&2; exit 3; } ;;
push) while [ $# -gt 0 ]; do [ "$1" = --digestfile ] && echo "sha256:$(printf '%064d' 7)" >"$2"; shift; done ;;
esac
exit 0
SH
chmod +x "$TEST_TMP/bin/buildah"

good . >"$TEST_TMP/job.json"
PATH=$TEST_TMP/bin:$PATH FAKE_SEEN=$TEST_TMP/seen "$helper" <"$TEST_TMP/job.json" >"$TEST_TMP/log" 2>&1
is "$?" 0 "the build succeeds (exit 0)"
log=$(cat "$TEST_TMP/log")
like "$log" "framework static: index.html" "the log says which file decided"
like "$log" "STEP 1/2: FROM busybox:1 \(fake\)" "the log holds buildah's output"
like "$log" "\\$ buildah --storage-driver vfs bud --isolation chroot --tls-verify=false --build-arg BASE_IMAGE=busybox:1 --build-arg PORT=8080" "buildah is called as before"
like "$log" "==> pushed 127.0.0.1:5000/ws-user-site:[0-9a-f]{12}-3f1c2a9e" "the log ends with the push"
commit=$(git -C "$TEST_TMP/repo" rev-parse HEAD)
is "$(cat "$TEST_TMP/build/result")" "$(printf 'commit=%s\ntag=%s-3f1c2a9e\nframework=static' "$commit" "${commit:0:12}")" "result: commit, tag, framework"
is "$(cat "$TEST_TMP/build/digest")" "sha256:$(printf '%064d' 7)" "digest from buildah's --digestfile"
ok "the checkout is removed after the push" not test -e "$TEST_TMP/build/src"
is "$(cat "$TEST_TMP/seen/helper-stdin")" /dev/null "buildah runs when the helper's stdin is /dev/null again"
is "$(wc -l <"$TEST_TMP/seen/argv")" 3 "buildah ran three times (bud, push, rmi)"
for f in argv helper-argv env helper-env; do
	ok "no token in $f" not grep -qF "$token" "$TEST_TMP/seen/$f"
done
ok "no token in the log" not grep -qF "$token" "$TEST_TMP/log"
ok "no token in the build folder" not grep -rqF "$token" "$TEST_TMP/build"

# a failing build step: exit 1, the reason in DIR/error, the step's output in the log
rm -rf "$TEST_TMP/build" && mkdir "$TEST_TMP/build"
PATH=$TEST_TMP/bin:$PATH FAKE_SEEN=$TEST_TMP/seen FAKE_FAIL=1 "$helper" <"$TEST_TMP/job.json" >"$TEST_TMP/log" 2>&1
is "$?" 1 "a failed build step exits 1"
is "$(cat "$TEST_TMP/build/error")" "the image build failed (buildah exited with 3); see the log" "the reason is in DIR/error"
like "$(cat "$TEST_TMP/log")" "fake build error" "the step's own output is in the log"
like "$(cat "$TEST_TMP/log")" "error: the image build failed" "the log ends with the error"
ok "no token in the failed build's log" not grep -qF "$token" "$TEST_TMP/log"

# a repository that cannot be fetched
rm -rf "$TEST_TMP/build" && mkdir "$TEST_TMP/build"
good ".repo_url = \"file://$TEST_TMP/nothing\"" | "$helper" >"$TEST_TMP/log" 2>&1
is "$?" 1 "an unreachable repository exits 1"
like "$(cat "$TEST_TMP/build/error")" "^fetching the repository \(if it is private, sign in again\) failed" "with a token the error hints at signing in again"
done_testing

#!/usr/bin/env bash
# t2002-gitops-http.sh: releases over git's smart HTTP with a token; bad credentials, an
# unreachable remote and a push the server rejects once
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/gitops/lib.sh"

ROOT=$TEST_TMP/srv
mkdir -p "$ROOT"
new_remote "$ROOT/gitops.git"
R=$ROOT/gitops.git
TOKEN=s3cret-token-4242
http_server "$ROOT" git "$TOKEN"
URL=http://git:$TOKEN@127.0.0.1:$HTTP_PORT/gitops.git
export PLATFORM_GITOPS_URL=$URL

gitops release --workspace ws1 --user u1 --project web --image registry.local/ws1/web --tag v1 \
	--deployment-id d1
is "$RC" 0 "release over http with a token" || diag "$ERR"
C1=$OUT
is "$(tip "$R")" "$C1" "the server's main is the new commit"
ok "git fsck is clean on the server" git -C "$R" fsck --no-progress --no-dangling --strict
gitops release --workspace ws1 --user u1 --project web --image registry.local/ws1/web --tag v2
is "$RC" 0 "a second release over http" || diag "$ERR"
is "$(git -C "$R" rev-parse "$OUT^")" "$C1" "  on top of the first"

# ---- bad credentials, no credentials, unreachable: a clear message, nothing written
before=$(tip "$R")
gitops release --remote "http://git:wrong-$TOKEN-x@127.0.0.1:$HTTP_PORT/gitops.git" \
	--workspace ws1 --user u1 --project web --image registry.local/ws1/web --tag v3
is "$RC" 1 "a wrong token fails"
like "$ERR" 'authentication failed' "  the message says authentication failed"
like "$ERR" "http://127.0.0.1:$HTTP_PORT/gitops.git" "  and names the remote"
ok "  without the token" test "${ERR/$TOKEN/}" = "$ERR"
is "$(tip "$R")" "$before" "  nothing was written"

gitops release --remote "http://127.0.0.1:$HTTP_PORT/gitops.git" \
	--workspace ws1 --user u1 --project web --image registry.local/ws1/web --tag v3
is "$RC" 1 "no credentials fail"
like "$ERR" 'authentication failed' "  the message says authentication failed"
is "$(tip "$R")" "$before" "  nothing was written"

PORT=$(free_port)
gitops release --remote "http://git:$TOKEN@127.0.0.1:$PORT/gitops.git" \
	--workspace ws1 --user u1 --project web --image registry.local/ws1/web --tag v3
is "$RC" 1 "an unreachable remote fails"
like "$ERR" "cannot reach the gitops remote http://127.0.0.1:$PORT/gitops.git" "  with a clear message"
ok "  without the token" test "${ERR/$TOKEN/}" = "$ERR"
is "$(tip "$R")" "$before" "  nothing was written"

# ---- the server rejects the first push (someone else's commit lands meanwhile): retried
cat >"$R/hooks/pre-receive" <<'HOOK'
#!/bin/sh
# Once: move main to another commit while this push waits, as a concurrent writer would.
[ -e "$0.done" ] && exit 0
touch "$0.done"
env -u GIT_QUARANTINE_PATH -u GIT_OBJECT_DIRECTORY -u GIT_ALTERNATE_OBJECT_DIRECTORIES \
	GIT_AUTHOR_NAME=other GIT_AUTHOR_EMAIL=other@example.com \
	GIT_COMMITTER_NAME=other GIT_COMMITTER_EMAIL=other@example.com sh -c '
	tree=$(git rev-parse refs/heads/main^{tree})
	c=$(echo "sneaky concurrent commit" | git commit-tree "$tree" -p refs/heads/main)
	git update-ref refs/heads/main "$c"
'
HOOK
chmod +x "$R/hooks/pre-receive"
gitops release --workspace ws1 --user u1 --project web --image registry.local/ws1/web --tag v4 --json
is "$RC" 0 "a push rejected by the server is retried" || diag "$ERR"
is "$(jq -r .attempts <<<"$OUT")" 2 "  on the second attempt"
C4=$(jq -r .commit <<<"$OUT")
is "$(git -C "$R" log -1 --format=%s "$C4^")" "sneaky concurrent commit" "  on top of the other commit: nothing lost"
is "$(tip "$R")" "$C4" "  and it is the tip"
rm -f "$R/hooks/pre-receive"

# ---- a hook that refuses for good is reported, not retried forever
printf '#!/bin/sh\necho "policy: no releases today" >&2\nexit 1\n' >"$R/hooks/pre-receive"
chmod +x "$R/hooks/pre-receive"
before=$(tip "$R")
gitops release --workspace ws1 --user u1 --project web --image registry.local/ws1/web --tag v5
is "$RC" 1 "a push the server refuses for good fails"
like "$ERR" 'refused the push' "  saying the remote refused it"
is "$(tip "$R")" "$before" "  nothing was written"
rm -f "$R/hooks/pre-receive"

# ---- doctor reads a remote over http too
gitops doctor --json
is "$RC" 0 "doctor over http finds nothing wrong" || diag "$OUT"
is "$(jq -r .apps <<<"$OUT")" 1 "  one app"

# ---- git:// (git daemon) works as well
GPORT=$(free_port)
git daemon --reuseaddr --listen=127.0.0.1 --port="$GPORT" --base-path="$ROOT" --export-all \
	--enable=receive-pack "$ROOT" 2>"$TEST_TMP/daemon.log" &
bg_register $!
wait_until 10 git ls-remote "git://127.0.0.1:$GPORT/gitops.git" >/dev/null 2>&1
gitops release --remote "git://127.0.0.1:$GPORT/gitops.git" --workspace ws1 --user u1 \
	--project web --image registry.local/ws1/web --tag v6
is "$RC" 0 "release over git://" || diag "$ERR"
is "$(tip "$R")" "$OUT" "  lands on the server"
ok "git fsck is clean at the end" git -C "$R" fsck --no-progress --no-dangling --strict

done_testing

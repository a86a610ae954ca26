# tests/gitops/lib.sh: helpers of the gitops tests (t2*-gitops-*.sh) on top of tests/lib.sh:
# bare remotes, a smart-HTTP git server, and platformctl gitops wrappers.
# shellcheck shell=bash

# shellcheck source=../lib.sh
. "${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/lib.sh"

GITOPS_TESTS=$top_srcdir/tests/gitops
# Each test gets its own caches; nothing is shared with the user's ~/.cache.
export PLATFORM_GITOPS_CACHE=$TEST_TMP/cache
export PLATFORM_DOMAIN=apps.example.com
unset PLATFORM_GITOPS_URL PLATFORM_CONFIG
export GIT_CONFIG_NOSYSTEM=1 HOME=$TEST_TMP
git config --global user.name tester
git config --global user.email tester@example.com
git config --global init.defaultBranch main

# new_remote DIR: an empty bare repository with main as its HEAD
new_remote() {
	git init -q --bare -b main "$1"
}

# http_server ROOT [USER PASS]: serve ROOT over smart HTTP; sets HTTP_PORT
http_server() {
	local portfile=$TEST_TMP/http-port.$$.$RANDOM
	python3 "$GITOPS_TESTS/git_http_server.py" "$1" "$portfile" "${2:-}" "${3:-}" \
		2>"$TEST_TMP/http-server.log" &
	bg_register $!
	wait_until 10 test -s "$portfile" || bail_out "the git http server did not start"
	HTTP_PORT=$(cat "$portfile")
}

# free_port: a port nothing listens on right now
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# gitops ARGS...: platformctl gitops; stdout in OUT, stderr in ERR, status in RC
gitops() {
	OUT=$("$PLATFORMCTL_BIN" gitops "$@" 2>"$TEST_TMP/stderr")
	RC=$?
	ERR=$(cat "$TEST_TMP/stderr")
}

# tip REPO: the commit main points at, or "none"
tip() {
	git -C "$1" rev-parse -q --verify refs/heads/main 2>/dev/null || echo none
}

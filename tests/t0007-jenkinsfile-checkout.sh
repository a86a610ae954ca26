#!/bin/bash
# t0007-jenkinsfile-checkout.sh: the checkout step of jenkins/Jenkinsfile, run as Jenkins runs it
# (its shell, the parameters as environment) against a real git repository: a branch's head, a
# given commit, and a pull request's head, refs/pull/<n>/head, which previews build
. "${top_srcdir:-.}/tests/lib.sh"

command -v git >/dev/null || bail_out "git is needed"
# the sh ''' ... ''' block of stage('checkout')
step=$(awk "/stage\\('checkout'\\)/ { s = 1 } s && /sh '''/ { b = 1; next } b && /'''/ { exit } b" \
	"$top_srcdir/jenkins/Jenkinsfile")
like "$step" "git fetch" "the checkout step is found"

repo=$TEST_TMP/repo
git init -q -b main "$repo"
git -C "$repo" -c user.email=t@localhost -c user.name=t commit -q --allow-empty -m one
one=$(git -C "$repo" rev-parse HEAD)
git -C "$repo" -c user.email=t@localhost -c user.name=t commit -q --allow-empty -m two
two=$(git -C "$repo" rev-parse HEAD)
git -C "$repo" checkout -q -b topic "$one"
git -C "$repo" -c user.email=t@localhost -c user.name=t commit -q --allow-empty -m pr
pr=$(git -C "$repo" rev-parse HEAD)
git -C "$repo" update-ref refs/pull/7/head "$pr"
git -C "$repo" checkout -q main
git -C "$repo" branch -q -D topic # the pull request's head is only under refs/pull/

checkout() { # checkout BRANCH COMMIT: runs the step in a fresh workspace; prints what it built
	local ws
	ws=$(mktemp -d "$TEST_TMP/ws.XXXXXX")
	mkdir "$ws/app"
	(cd "$ws/app" && REPO_URL=file://$repo BRANCH=$1 COMMIT=$2 sh -c "$step") >"$ws/out" 2>&1 ||
		{ diag "$(cat "$ws/out")"; return 1; }
	cat "$ws/.commit"
}
is "$(checkout main '')" "$two" "a branch: its head"
is "$(checkout main "$one")" "$one" "a branch and a commit: the commit"
is "$(checkout refs/pull/7/head '')" "$pr" "a pull request's ref: its head"
is "$(checkout refs/pull/7/head "$pr")" "$pr" "a pull request's ref and its head commit"
ok "a ref that does not exist fails the step" not checkout refs/pull/8/head ''
done_testing

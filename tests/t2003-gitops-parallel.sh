#!/usr/bin/env bash
# t2003-gitops-parallel.sh: 20 writers in parallel processes release 20 apps into one remote
# (file:// and smart HTTP): every commit lands, nothing is lost, rejected pushes are retried
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/gitops/lib.sh"

N=20

# run_writers URL TAG: N platformctl processes at once, each with its own cache (as N
# Jenkins agents would have); results in $TEST_TMP/w.TAG.I.{out,err,rc}
run_writers() {
	local url=$1 tag=$2 i pids=()
	for ((i = 1; i <= N; i++)); do
		(
			PLATFORM_GITOPS_CACHE=$TEST_TMP/cache-$tag-$i "$PLATFORMCTL_BIN" gitops release \
				--remote "$url" --workspace "ws$((i % 3))" --user "u$i" --project "app$i" \
				--image "registry.local/app$i" --tag "$tag-$i" --deployment-id "d$i" --json \
				>"$TEST_TMP/w.$tag.$i.out" 2>"$TEST_TMP/w.$tag.$i.err"
			echo $? >"$TEST_TMP/w.$tag.$i.rc"
		) &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
}

# check_writers REPO TAG
check_writers() {
	local repo=$1 tag=$2 i failed=0 attempts=0 missing=0 a
	for ((i = 1; i <= N; i++)); do
		if [ "$(cat "$TEST_TMP/w.$tag.$i.rc")" != 0 ]; then
			failed=$((failed + 1))
			diag "writer $i: $(cat "$TEST_TMP/w.$tag.$i.err")"
		fi
		a=$(jq -r .attempts "$TEST_TMP/w.$tag.$i.out" 2>/dev/null)
		attempts=$((attempts + ${a:-0}))
		git -C "$repo" cat-file -e "main:apps/ws$((i % 3))/u$i/app$i/values.yaml" 2>/dev/null ||
			missing=$((missing + 1))
	done
	is "$failed" 0 "$tag: all $N writers succeed"
	is "$missing" 0 "$tag: all $N apps are in the tip's tree"
	is "$(git -C "$repo" rev-list --count main --grep="^release .*: $tag-")" "$N" \
		"$tag: $N release commits in the history"
	is "$(git -C "$repo" rev-list --count --merges main)" 0 "$tag: a straight history, no merges"
	ok "$tag: git fsck is clean" git -C "$repo" fsck --no-progress --no-dangling --strict
	cmp_ok "$attempts" -ge "$N" "$tag: pushes tried ($attempts for $N commits)"
	diag "$tag: $attempts pushes for $N commits: $((attempts - N)) rejected and retried"
}

R1=$TEST_TMP/file-remote.git
new_remote "$R1"
run_writers "file://$R1" file
check_writers "$R1" file

ROOT=$TEST_TMP/srv
mkdir -p "$ROOT"
new_remote "$ROOT/gitops.git"
http_server "$ROOT" git tok
run_writers "http://git:tok@127.0.0.1:$HTTP_PORT/gitops.git" http
check_writers "$ROOT/gitops.git" http

done_testing
